#!/bin/bash
# tests/lvm/diskfull.sh: import and create on a small thin pool that fills up fail with the reason and leave nothing: tests/scenarios/diskfull.bash on the lvm store.
#
# Runs inside scripts/lvm-lab. The test makes its own 32 MiB thin pool in
# the lab's volume group, set to fail writes when full (lvchange
# --errorwhenfull y; a pool that queues them instead holds writes for
# dm-thin's no_space_timeout first). No libvirt: create fails before it
# would define anything.
set -u
# shellcheck source-path=SCRIPTDIR source=../lib.sh
. "$(dirname "$0")/../lib.sh"
# shellcheck source-path=SCRIPTDIR source=common.bash
. "$(dirname "$0")/common.bash"

lvm_in_lab lvm/diskfull

VG=$FVM_LAB_VG
POOL=fvmtdf
P=fvmt-df-
IMG="df"

lvnames() { lvs --noheadings -o lv_name "$VG" 2>/dev/null | tr -d ' '; }
remove_all() {
	local l
	for l in $(lvnames | grep -E "^($P|fvm\+import\+)"); do
		lvremove -qq -f "$VG/$l" >/dev/null 2>&1
	done
	lvremove -qq -f "$VG/$POOL" >/dev/null 2>&1
}
remove_all
t_on_exit remove_all
t_run "a 32 MiB thin pool" 0 lvcreate -qq -y --type thin-pool -L 32M -n $POOL "$VG" || exit 1
t_run "that fails writes when full" 0 lvchange -qq --errorwhenfull y "$VG/$POOL" || exit 1

mkdir -p "$T_TMP/etc" "$T_TMP/user" "$T_TMP/locks" "$T_TMP/store"
cat >"$T_TMP/fast-vm.conf" <<CONF
VM_PREFIX=$P
THINPOOL_VG=$VG
THINPOOL_LV=$POOL
FVM_STORAGE=lvm
FVM_STORE_DIR=$T_TMP/store
FVM_URI=test:///default
FVM_STATE_DIR=$T_TMP/state
CONF
export FVM_CONFIG=$T_TMP/fast-vm.conf FVM_SYSTEM_DIR=$T_TMP/etc \
	FVM_USER_DIR=$T_TMP/user FVM_LOCK_DIR=$T_TMP/locks

s_leftovers() {
	lvnames | grep -E "^($P|fvm\+import\+)" | grep -vx "$P$IMG" | grep -vx "${P}fill" | sed 's/^/LV: /'
	find "$T_TMP/store/sha256" -mindepth 1 -printf "%f\n" 2>/dev/null | grep -vx "$P$IMG.sha256" | sed "s/^/store: /"
}
s_fill() {
	lvcreate -qq -y -n "${P}fill" -V 64M --thinpool "$VG/$POOL" || return 1
	dd if=/dev/urandom of="/dev/$VG/${P}fill" bs=1M oflag=direct status=none 2>/dev/null
	[ "$(lvs --noheadings -o data_percent "$VG/$POOL" | tr -d ' ' | cut -d. -f1)" -ge 99 ]
}
s_room() { lvremove -qq -f "$VG/${P}fill"; }
printf '<domain type="qemu"><name>VM_NAME</name><memory>65536</memory><os><type>hvm</type></os><devices><disk type="block" device="disk"><source dev="/dev/THINPOOL_VG/VM_NAME"/><target dev="vda"/></disk></devices></domain>\n' >"$T_TMP/df.xml"
DF_XML=$T_TMP/df.xml
NOSPACE='(disk full|[Nn]o space left|free space in thin pool)'

# shellcheck source=../scenarios/diskfull.bash
. "$TOP/tests/scenarios/diskfull.bash"

# --- a thin snapshot needs no data space: the watermark alone stops a
# create on a full pool
sed -i '/^FVM_POOL_WATERMARK=/d' "$FVM_CONFIG"
t_run "create on a full pool (watermark) exits 1" 1 fvm create -q $IMG 42
t_match "create on a full pool: names the watermark" "^fvm-create: error: .*FVM_POOL_WATERMARK" "$T_ERR"
t_eq "create on a full pool: no LV" "" "$(lvnames | grep -x "$P$IMG-42")"

df_room
