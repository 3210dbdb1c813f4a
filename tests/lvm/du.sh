#!/bin/bash
# tests/lvm/du.sh: fvm du on real thin snapshots: tests/scenarios/du.bash, then against lvs and thin_ls; fvm doctor on the lvm storage.
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
P=fvmt-du-
NET=fvmtest-lvmdu
SUBNET=142
IMG=dutest

lvm_need_guest lvm/du fvm-test.raw config-fvm-test.xml
lvm_need_pool lvm/du

remove_all() {
	local d
	for d in $P$IMG-42 $P$IMG-43; do
		v destroy "$d" >/dev/null 2>&1
		v undefine --nvram "$d" >/dev/null 2>&1
		lvremove -qq -f "$VG/$d" >/dev/null 2>&1
	done
	lvremove -qq -f "$VG/$P$IMG-44" >/dev/null 2>&1
	lvremove -qq -f "$VG/$P$IMG" >/dev/null 2>&1
	"$TOP/scripts/lab" net-undefine "$NET" >/dev/null 2>&1
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

lvm_image_lv "$P$IMG" fvm-test.raw
mkdir -p "$T_TMP/etc" "$T_TMP/user" "$T_TMP/locks"
cp "$GUEST_DIR/config-fvm-test.xml" "$T_TMP/etc/config-$IMG.xml"
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
s_write() {
	dd if=/dev/urandom of="$(s_disk "$1")" bs=1M count="$2" seek=64 \
		oflag=direct conv=fsync status=none
}
s_pool_size() { lv_field "$POOL" lv_size; }
DU_HEADER=Thinpool

# shellcheck source=../scenarios/du.bash
. "$TOP/tests/scenarios/du.bash"

# --- what only thin LVs have: exact block counts from thin_ls and lvs
t_eq "own space of 42 is thin_ls's exclusive bytes" "$(thin_ls_field $P$IMG-42 EXCLUSIVE_BYTES)" "$own"
t_eq "shared space of 42 is thin_ls's shared bytes" "$shared" "$(thin_ls_field $P$IMG-42 SHARED_BYTES)"
t_eq "own space of 42 is exactly the 8 MiB written" $((8 * MIB)) "$own"
t_eq "43, untouched, has nothing of its own" 0 "$own43"
alloc=$(du_json allocated vm 42)
pct=$(lv_field $P$IMG-42 data_percent)
lvsize=$(lv_field $P$IMG-42 lv_size)
# lvs prints two decimals: one hundredth of a percent apart is the same
if awk -v a="$alloc" -v p="$pct" -v s="$lvsize" 'BEGIN { d = a / s * 100 - p; exit !(d <= 0.011 && d >= -0.011) }'; then
	t_ok "allocated matches lvs data_percent"
else
	t_fail "allocated matches lvs data_percent" "fvm $alloc of $lvsize bytes, lvs $pct%"
fi
t_eq "image: allocation is thin_ls's mapped bytes" "$(thin_ls_field $P$IMG MAPPED_BYTES)" "$(du_json allocated image)"
t_eq "no metadata snapshot left reserved" "-" \
	"$(dmsetup status "$(echo "$VG" | sed 's/-/--/g')-$(echo "$POOL" | sed 's/-/--/g')-tpool" | awk '{print $7}')"
du_deleted
lvs "$VG/$P$IMG-42" >/dev/null 2>&1 && t_fail "LV of 42 removed" "still there" ||
	t_ok "LV of 42 removed"

# --- doctor on lvm: a thin snapshot without a domain
t_run "doctor on lvm: clean" 0 fvm doctor
t_run "orphan snapshot" 0 lvcreate -qq -s -kn -ay -n "$P$IMG-44" "$VG/$P$IMG"
t_run "doctor on lvm finds it" 1 fvm doctor
t_match "doctor on lvm: the disk and its fix" "^disk +$P$IMG-44 +VM disk without a domain +lvremove -f $VG/$P$IMG-44" "$T_OUT"
t_run "doctor --fix on lvm" 0 fvm doctor --fix
lvs "$VG/$P$IMG-44" >/dev/null 2>&1 && t_fail "doctor --fix removed the LV" "still there" ||
	t_ok "doctor --fix removed the LV"
t_run "doctor on lvm: clean again" 0 fvm doctor
