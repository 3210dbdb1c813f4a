#!/bin/bash
# tests/lvm/lifecycle.sh: tests/scenarios/lifecycle.bash on the lvm storage (thin snapshots of a thin LV image) against a libvirtd inside the lvm lab, and what lvs says of it.
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
P=fvmlife-
NET=fvmtest-lvm
SUBNET=129
IMG=ltest

# The host's / is read-only in here: the guest must have been built before
# the VM booted (tests/run lvm does it).
lvm_need_guest lvm/lifecycle fvm-test-boot.raw config-fvm-test-boot.xml
"$TOP/scripts/mkguest" -q -o "$GUEST_DIR" >/dev/null ||
	{ t_fail "mkguest" "failed"; exit 1; }
lvm_need_pool lvm/lifecycle

lvnames() { lvs --noheadings -o lv_name "$VG" | tr -d ' '; }
# The lab's libvirtd here starts from a copy of the host's /etc/libvirt, so
# domains the host's own tests left may show up: only this test's prefix
# counts, and only this VM's copies are ever removed.
remove_all() {
	local d
	for d in $(v list --all --name | grep "^$P"); do
		v destroy "$d" >/dev/null 2>&1
		v undefine --nvram "$d" >/dev/null 2>&1
	done
	for d in $(lvnames | grep "^$P"); do
		lvremove -qq -f "$VG/$d" >/dev/null 2>&1
	done
	"$TOP/scripts/lab" net-undefine "$NET" >/dev/null 2>&1
}

lvm_lab_up
remove_all
t_on_exit remove_all

t_run "lab net-define inside the VM" 0 "$TOP/scripts/lab" net-define "$NET" "$SUBNET" || exit 1
t_eq "network active" yes "$(v net-info "$NET" | awk '$1 == "Active:" {print $2}')"

# --- the image: a thin LV filled the way fast-vm-image import does
lvm_image_lv "$P$IMG" fvm-test-boot.raw
size=$(stat -c %s "$GUEST_DIR/fvm-test-boot.raw")

mkdir -p "$T_TMP/etc" "$T_TMP/user" "$T_TMP/locks"
cp "$GUEST_DIR/config-fvm-test-boot.xml" "$T_TMP/etc/config-$IMG.xml"
cat >"$T_TMP/fast-vm.conf" <<CONF
VM_PREFIX=$P
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

s_disk() { echo "/dev/$VG/$1"; }
s_disk_size() { lv_field "$1" lv_size; }
s_disks_left() { lvnames | grep -E "^$P$IMG-[0-9]+$"; }
s_fastvm_vm() {
	lvcreate -qq -s -n "$P$IMG-$1" -kn -ay "$VG/$P$IMG" &&
		sed -e "s/VM_NAME/$P$IMG-$1/g" -e "s/THINPOOL_VG/$VG/g" -e "s/LIBVIRT_NETWORK/$NET/g" \
			"$T_TMP/etc/config-$IMG.xml" >"$2"
}
IMAGE_DISK=/dev/$VG/$P$IMG
# every create and delete is a live DHCP update in the emulated VM: four
# at once keep fvm's parallel runs (four jobs) busy without a queue
LC_PARALLEL=4

# shellcheck source=../scenarios/lifecycle.bash
. "$TOP/tests/scenarios/lifecycle.bash"

lc_errors
lc_create

# --- what only thin LVs have: snapshots of the image, lvs' numbers
for n in 42 43; do
	lv=$P$IMG-$n
	t_eq "$lv: thin snapshot of the image" "$P$IMG" "$(lv_field "$lv" origin)"
	t_eq "$lv: in the pool" "$POOL" "$(lv_field "$lv" pool_lv)"
	t_eq "$lv: active" active "$(lv_field "$lv" lv_active)"
	t_eq "$lv: image's size" "$(lv_field "$P$IMG" lv_size)" "$(lv_field "$lv" lv_size)"
	[ -b "/dev/$VG/$lv" ] && t_ok "$lv: device node" || t_fail "$lv: device node" "no /dev/$VG/$lv"
done
t_run "list" 0 fvm list
t_match "list header" "^VM# +Image name +Status +Profile_name +Size\( %used \) +Activity +Notes" "$T_OUT"
t_match "list row 42" "^ 42 $IMG +shut off +--- +[0-9.]+g\( *[0-9.]+%\)" "$T_OUT"
got=$(printf '%s\n' "$T_OUT" | sed -n "s/^ 42 .*g( *\([0-9.]*\)%).*/\1/p")
t_eq "row 42 %used is lvs data_percent" "$(lv_field $P$IMG-42 data_percent)" "$got"
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

lc_note_resize_delete
t_eq "the image is untouched" "$size" "$(lv_field "$P$IMG" lv_size)"
lc_failures
lc_parallel
lc_fastvm
lc_complete
lc_base
lc_refused
t_eq "no snapshot left" "" "$(s_disks_left)"
