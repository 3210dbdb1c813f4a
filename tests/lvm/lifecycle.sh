#!/bin/bash
# tests/lvm/lifecycle.sh: create, list, info, resize, note and delete on the lvm storage (thin snapshots of a thin LV image) against a libvirtd inside the lvm lab.
#
# Runs inside scripts/lvm-lab (tests/run lvm), in the lab's volume group and
# thin pool (FVM_LAB_VG, FVM_LAB_POOL). The libvirtd is scripts/lab's, in a
# network namespace inside that VM. Guests are defined, never booted: nested
# TCG is about 16 times slower. virsh and lvs only inspect what fvm did.
set -u
# shellcheck source-path=SCRIPTDIR source=../lib.sh
. "$(dirname "$0")/../lib.sh"
# shellcheck source-path=SCRIPTDIR source=common.bash
. "$(dirname "$0")/common.bash"

lvm_in_lab lvm/lifecycle

VG=$FVM_LAB_VG
POOL=$FVM_LAB_POOL
NET=fvmtest-lvm
SUBNET=129
IMG=ltest

# The host's / is read-only in here: the guest must have been built before
# the VM booted (tests/run lvm does it).
lvm_need_guest lvm/lifecycle fvm-test-boot.raw config-fvm-test-boot.xml
"$TOP/scripts/mkguest" -q -o "$GUEST_DIR" >/dev/null ||
	{ t_fail "mkguest" "failed"; exit 1; }
lvm_need_pool lvm/lifecycle

hosts() { v net-dumpxml "$NET" | grep -c "<host mac="; }
lv_gone() { ! lvs "$VG/$1" >/dev/null 2>&1; }
vms() { v list --all --name | grep -cE "^fastvm-$IMG-(42|43|70)$"; }
lvs_left() { lvs --noheadings -o lv_name "$VG" | grep -cE " fastvm-$IMG-[0-9]+$"; }

# The lab's libvirtd here starts from a copy of the host's /etc/libvirt, so
# domains the host's own tests left may show up: only this test's numbers
# count, and only this VM's copies are ever removed.
remove_all() {
	local d
	for d in fastvm-$IMG-42 fastvm-$IMG-43 fastvm-$IMG-70; do
		v destroy "$d" >/dev/null 2>&1
		v undefine --nvram "$d" >/dev/null 2>&1
		lvremove -qq -f "$VG/$d" >/dev/null 2>&1
	done
	lvremove -qq -f "$VG/fastvm-$IMG" >/dev/null 2>&1
	"$TOP/scripts/lab" net-undefine "$NET" >/dev/null 2>&1
}

lvm_lab_up
remove_all
t_on_exit remove_all

t_run "lab net-define inside the VM" 0 "$TOP/scripts/lab" net-define "$NET" "$SUBNET" || exit 1
t_eq "network active" yes "$(v net-info "$NET" | awk '$1 == "Active:" {print $2}')"

# --- the image: a thin LV filled the way fast-vm-image import does
lvm_image_lv "fastvm-$IMG" fvm-test-boot.raw
size=$(stat -c %s "$GUEST_DIR/fvm-test-boot.raw")

mkdir -p "$T_TMP/etc" "$T_TMP/user" "$T_TMP/locks"
cp "$GUEST_DIR/config-fvm-test-boot.xml" "$T_TMP/etc/config-$IMG.xml"
cat >"$T_TMP/fast-vm.conf" <<CONF
THINPOOL_VG=$VG
THINPOOL_LV=$POOL
LIBVIRT_NETWORK=$NET
SUBNET_NUMBER=$SUBNET
FVM_STORAGE=lvm
FVM_DOMAIN_TYPE=qemu
FVM_STATE_DIR=$T_TMP/state
CONF
export FVM_CONFIG=$T_TMP/fast-vm.conf FVM_SYSTEM_DIR=$T_TMP/etc \
	FVM_USER_DIR=$T_TMP/user FVM_LOCK_DIR=$T_TMP/locks

# --- errors
t_run "missing image exits 3" 3 fvm create nosuch 42
t_match "missing image message" "fvm-create: error: .*nosuch" "$T_ERR"
t_eq "no LV after the error" 0 "$(lvs_left)"

# --- create: thin snapshots of the image, domains on their /dev nodes
t_run "create $IMG 42 43" 0 fvm create $IMG 42 43
for n in 42 43; do
	lv=fastvm-$IMG-$n
	t_eq "$lv: thin snapshot of the image" "fastvm-$IMG" "$(lv_field "$lv" origin)"
	t_eq "$lv: in the pool" "$POOL" "$(lv_field "$lv" pool_lv)"
	t_eq "$lv: active" active "$(lv_field "$lv" lv_active)"
	t_eq "$lv: image's size" "$(lv_field "fastvm-$IMG" lv_size)" "$(lv_field "$lv" lv_size)"
	[ -b "/dev/$VG/$lv" ] && t_ok "$lv: device node" || t_fail "$lv: device node" "no /dev/$VG/$lv"
	t_match "$lv: domain disk is the LV" "<source dev='/dev/$VG/$lv'( index='[0-9]+')?/>" "$(v dumpxml "$lv")"
	t_match "$lv: DHCP reservation" "<host mac='[0-9a-f:]+'.* ip='192\.168\.$SUBNET\.$n'" "$(v net-dumpxml $NET)"
done
t_eq "two domains" 2 "$(vms)"
t_eq "two DHCP entries and the dummy" 3 "$(hosts)"

# --- list: fast-vm's columns and the pool footer
t_run "list" 0 fvm list
t_match "list header" "^VM# +Image name +Status +Profile_name +Size\( %used \) +Activity +Notes" "$T_OUT"
t_match "list row 42" "^ 42 $IMG +shut off +--- +[0-9.]+g\( *[0-9.]+%\)" "$T_OUT"
t_match "list row 43" "^ 43 $IMG +shut off " "$T_OUT"
got=$(printf '%s\n' "$T_OUT" | sed -n "s/^ 42 .*g( *\([0-9.]*\)%).*/\1/p")
want=$(lv_field fastvm-$IMG-42 data_percent)
t_eq "row 42 %used is lvs data_percent" "$want" "$got"
footer=$(printf '%s\n' "$T_OUT" | grep '^=== Space used:')
t_match "list footer" '^=== Space used: +[0-9]+\.[0-9]{2}% of +[0-9]+\.[0-9]{2}g$' "$footer"
got=$(printf '%s\n' "$footer" | sed 's/^=== Space used: *\([0-9.]*\)%.*/\1/')
want=$(lvs --noheadings -o data_percent "$VG/$POOL" | tr -d ' ')
# lvs rounds its percentages its own way; one hundredth apart is the same
if awk -v a="$got" -v b="$want" 'BEGIN { d = a - b; exit !(d <= 0.011 && d >= -0.011) }'; then
	t_ok "footer matches lvs data_percent"
else
	t_fail "footer matches lvs data_percent" "fvm $got%, lvs $want%"
fi
psize=$(printf '%s\n' "$footer" | sed 's/.* of *\([0-9.]*\)g$/\1/')
t_eq "footer pool size" "$(awk -v b="$(lv_field "$POOL" lv_size)" 'BEGIN { printf "%.2f", b / 1073741824 }')" "$psize"
t_run "list --json" 0 fvm list --json
t_match "json size in bytes" "\"disk_size\": $size" "$T_OUT"
t_match "json allocation in bytes" '"disk_allocated": [0-9]+' "$T_OUT"
t_match "json names the VMs" "\"name\": \"fastvm-$IMG-43\"" "$T_OUT"

# --- info
t_run "info 42 --json" 0 fvm info 42 --json
t_match "info disk is the LV" "\"disk\": \"/dev/$VG/fastvm-$IMG-42\"" "$T_OUT"
t_match "info disk size" "\"disk_size\": $size" "$T_OUT"
t_match "info ip" "\"ip\": \"192.168.$SUBNET.42\"" "$T_OUT"

# --- resize
t_run "resize 42 1G" 0 fvm resize 42 1G
t_eq "LV is 1 GiB" 1073741824 "$(lv_field fastvm-$IMG-42 lv_size)"
t_match "info sees 1 GiB" '"disk_size": 1073741824' "$(fvm info --json 42)"
t_eq "the image is untouched" "$size" "$(lv_field "fastvm-$IMG" lv_size)"
t_run "shrinking needs --force" 2 fvm resize 42 512M
t_eq "still 1 GiB" 1073741824 "$(lv_field fastvm-$IMG-42 lv_size)"

# --- delete: nothing left
t_run "delete 42 43" 0 fvm delete 42 43
lv_gone fastvm-$IMG-42 && lv_gone fastvm-$IMG-43 && t_ok "LVs removed" ||
	t_fail "LVs removed" "$(lvs --noheadings -o lv_name "$VG" | tr -s ' \n' ' ')"
t_eq "domains removed" 0 "$(vms)"
t_eq "only the dummy DHCP host is left" 1 "$(hosts)"
t_eq "the image stays" "fastvm-$IMG" "$(lv_field "fastvm-$IMG" lv_name)"

# --- a VM made by fast-vm: its lvcreate, its virsh define and metadata
lv=fastvm-$IMG-70
t_run "fast-vm's snapshot" 0 lvcreate -qq -s -n "$lv" -kn -ay "$VG/fastvm-$IMG"
sed -e "s/VM_NAME/$lv/g" -e "s/THINPOOL_VG/$VG/g" -e "s/LIBVIRT_NETWORK/$NET/g" \
	"$T_TMP/etc/config-$IMG.xml" >"$T_TMP/fastvm.xml"
t_run "fast-vm's define" 0 v define "$T_TMP/fastvm.xml"
v desc --config "$lv" --title --new-desc "070 alice note" >/dev/null
v desc --config "$lv" --new-desc "1,alice,1589700000,---,note" >/dev/null
mac=$(v domiflist "$lv" | awk '{print $5}')
t_run "fast-vm's DHCP entry" 0 v net-update "$NET" add-last ip-dhcp-host \
	"<host mac='$mac' ip='192.168.$SUBNET.70'/>" --live --config
t_run "fast-vm's VM listed" 0 fvm list
t_match "fast-vm's row" "^ 70 $IMG +shut off +--- +[0-9.]+g\( *[0-9.]+%\) +.*d ago  alice: note$" "$T_OUT"
t_run "fast-vm's VM in json" 0 fvm list --json
t_match "fast-vm's owner" '"owner": "alice"' "$T_OUT"
t_match "fast-vm's activity" '"activity": "2020-05-17T07:20:00Z"' "$T_OUT"
t_run "note on fast-vm's VM" 0 fvm note 70 -- new note
t_eq "title rewritten" "070 alice new note" "$(v desc --title "$lv")"
t_match "description keeps the owner" "^1,alice,[0-9]+,---,new note$" "$(v desc "$lv")"
t_run "delete fast-vm's VM" 0 fvm delete 70
lv_gone "$lv" && t_ok "fast-vm's LV removed" || t_fail "fast-vm's LV removed" "still there"
t_eq "fast-vm's domain removed" 0 "$(vms)"
t_eq "fast-vm's DHCP entry removed" 1 "$(hosts)"
t_eq "no snapshot left" 0 "$(lvs_left)"
