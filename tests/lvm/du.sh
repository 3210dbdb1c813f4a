#!/bin/bash
# tests/lvm/du.sh: fvm du on real thin snapshots against lvs and thin_ls; fvm doctor on the lvm storage.
#
# Runs inside scripts/lvm-lab (tests/run lvm), in the lab's volume group and
# thin pool, with scripts/lab's libvirtd inside that VM (guests are defined,
# never booted). Data is written straight into a VM's thin LV, as a guest
# would; lvs, dmsetup and thin_ls only inspect.
set -u
# shellcheck source-path=SCRIPTDIR source=../lib.sh
. "$(dirname "$0")/../lib.sh"
# shellcheck source-path=SCRIPTDIR source=common.bash
. "$(dirname "$0")/common.bash"

lvm_in_lab lvm/du

VG=$FVM_LAB_VG
POOL=$FVM_LAB_POOL
NET=fvmtest-lvmdu
SUBNET=142
IMG=dutest
MIB=1048576

lvm_need_guest lvm/du fvm-test.raw config-fvm-test.xml
lvm_need_pool lvm/du

remove_all() {
	local d
	for d in fastvm-$IMG-42 fastvm-$IMG-43; do
		v destroy "$d" >/dev/null 2>&1
		v undefine --nvram "$d" >/dev/null 2>&1
		lvremove -qq -f "$VG/$d" >/dev/null 2>&1
	done
	lvremove -qq -f "$VG/fastvm-$IMG-44" >/dev/null 2>&1
	lvremove -qq -f "$VG/fastvm-$IMG" >/dev/null 2>&1
	"$TOP/scripts/lab" net-undefine "$NET" >/dev/null 2>&1
}
# json FIELD KIND [VM]: one field of fvm du --json's output
json() {
	python3 -c 'import json,sys
rows=json.load(open(sys.argv[1]))
kind=sys.argv[3]; vm=int(sys.argv[4]) if len(sys.argv)>4 else None
r=[r for r in rows if r["kind"]==kind and (vm is None or r["vm"]==vm)][0]
print(r[sys.argv[2]])' "$T_TMP/du.json" "$@"
}
# thin_ls_field LV FIELD: thin_ls's number for LV, read the way an admin
# would (a metadata snapshot around it)
thin_ls_field() {
	local id pooldev
	id=$(lv_field "$1" thin_id)
	pooldev=$(echo "$VG" | sed 's/-/--/g')-$(echo "$POOL" | sed 's/-/--/g')
	dmsetup message "$pooldev-tpool" 0 reserve_metadata_snap >/dev/null 2>&1
	thin_ls --metadata-snap --no-headers -o "DEV,$2" "/dev/mapper/${pooldev}_tmeta" |
		awk -v id="$id" '$1 == id {print $2}'
	dmsetup message "$pooldev-tpool" 0 release_metadata_snap >/dev/null 2>&1
}

lvm_lab_up
remove_all
t_on_exit remove_all
t_run "lab net-define inside the VM" 0 "$TOP/scripts/lab" net-define "$NET" "$SUBNET" || exit 1

lvm_image_lv "fastvm-$IMG" fvm-test.raw
mkdir -p "$T_TMP/etc" "$T_TMP/user" "$T_TMP/locks"
cp "$GUEST_DIR/config-fvm-test.xml" "$T_TMP/etc/config-$IMG.xml"
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

t_run "create $IMG 42 43" 0 fvm create $IMG 42 43 || exit 1
# 8 MiB of the guest's own data in 42
t_run "write 8 MiB into 42" 0 dd if=/dev/urandom of="/dev/$VG/fastvm-$IMG-42" \
	bs=1M count=8 seek=64 oflag=direct conv=fsync status=none

t_run "du --json 42 43" 0 fvm du --json 42 43
printf '%s\n' "$T_OUT" >"$T_TMP/du.json"
own=$(json unshared vm 42)
t_eq "own space of 42 is thin_ls's exclusive bytes" "$(thin_ls_field fastvm-$IMG-42 EXCLUSIVE_BYTES)" "$own"
t_eq "shared space of 42 is thin_ls's shared bytes" "$(thin_ls_field fastvm-$IMG-42 SHARED_BYTES)" "$(json shared vm 42)"
t_eq "own space of 42 is the 8 MiB written" $((8 * MIB)) "$own"
t_eq "43, untouched, has nothing of its own" 0 "$(json unshared vm 43)"
alloc=$(json allocated vm 42)
t_eq "allocated = shared + own" $(($(json shared vm 42) + own)) "$alloc"
pct=$(lv_field fastvm-$IMG-42 data_percent)
lvsize=$(lv_field fastvm-$IMG-42 lv_size)
# lvs prints two decimals: one hundredth of a percent apart is the same
if awk -v a="$alloc" -v p="$pct" -v s="$lvsize" 'BEGIN { d = a / s * 100 - p; exit !(d <= 0.011 && d >= -0.011) }'; then
	t_ok "allocated matches lvs data_percent"
else
	t_fail "allocated matches lvs data_percent" "fvm $alloc of $lvsize bytes, lvs $pct%"
fi
t_eq "size is the LV's" "$lvsize" "$(json size vm 42)"
t_eq "image: allocation is thin_ls's mapped bytes" "$(thin_ls_field fastvm-$IMG MAPPED_BYTES)" "$(json allocated image)"
t_eq "image: its VMs' own space" "$own" "$(json vms_unshared image)"
t_eq "pool: the pool's size" "$(lv_field "$POOL" lv_size)" "$(json size pool)"
t_run "du (fast-vm's table)" 0 fvm du
t_match "thin pool header" "^=== Thinpool space used: +[0-9.]+% of +[0-9.]+g$" "$T_OUT"
t_match "row of 42" "^42  $IMG +[^ ]+ +[0-9.]+g\( *[0-9.]+%\) +[0-9]+\.[0-9]{3}g +0\.008g  \[" "$T_OUT"
t_eq "no metadata snapshot left reserved" "-" \
	"$(dmsetup status "$(echo "$VG" | sed 's/-/--/g')-$(echo "$POOL" | sed 's/-/--/g')-tpool" | awk '{print $7}')"

# --- doctor on lvm: a thin snapshot without a domain
t_run "doctor on lvm: clean" 0 fvm doctor
t_run "orphan snapshot" 0 lvcreate -qq -s -kn -ay -n "fastvm-$IMG-44" "$VG/fastvm-$IMG"
t_run "doctor on lvm finds it" 1 fvm doctor
t_match "doctor on lvm: the disk and its fix" "^disk +fastvm-$IMG-44 +VM disk without a domain +lvremove -f $VG/fastvm-$IMG-44" "$T_OUT"
t_run "doctor --fix on lvm" 0 fvm doctor --fix
lvs "$VG/fastvm-$IMG-44" >/dev/null 2>&1 && t_fail "doctor --fix removed the LV" "still there" ||
	t_ok "doctor --fix removed the LV"
t_run "doctor on lvm: clean again" 0 fvm doctor
