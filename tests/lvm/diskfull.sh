#!/bin/bash
# tests/lvm/diskfull.sh: import and create on a small thin pool that fills up fail with the reason and leave nothing.
#
# Runs inside scripts/lvm-lab. The test makes its own 32 MiB thin pool in
# the lab's volume group, set to fail writes when full (lvchange
# --errorwhenfull y; a pool that queues them instead holds writes for
# dm-thin's no_space_timeout first). No libvirt: create fails before it
# would define anything, and a create that gets its thin snapshot (it
# needs no data space) is checked and removed through the store.
set -u
# shellcheck source-path=SCRIPTDIR source=../lib.sh
. "$(dirname "$0")/../lib.sh"
# shellcheck source-path=SCRIPTDIR source=common.bash
. "$(dirname "$0")/common.bash"

lvm_in_lab lvm/diskfull

VG=$FVM_LAB_VG
POOL=fvmtdf
P=fvmt-df-
IMG=df

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

# LVs and files other than image df's
leftovers() {
	lvnames | grep -E "^($P|fvm\+import\+)" | grep -vx "$P$IMG" | sed 's/^/LV: /'
	ls -A "$T_TMP/store/sha256" 2>/dev/null | grep -vx "$P$IMG.sha256" | sed 's/^/store: /'
	ls -A "$T_TMP/etc" "$T_TMP/user" | grep -vE "^(config-$IMG\.xml|)$|:$" | sed 's/^/config: /'
}
used() { lvs --noheadings -o data_percent "$VG/$POOL" | tr -d ' '; }
nospace='(disk full|[Nn]o space left|free space in thin pool)'

head -c 1048576 /dev/urandom >"$T_TMP/small.raw"
truncate -s 8M "$T_TMP/small.raw"
printf '<domain type="qemu"><name>VM_NAME</name><memory>65536</memory><os><type>hvm</type></os><devices><disk type="block" device="disk"><source dev="/dev/THINPOOL_VG/VM_NAME"/><target dev="vda"/></disk></devices></domain>\n' >"$T_TMP/df.xml"
t_run "import $IMG into the small pool" 0 fvm import -q $IMG "$T_TMP/small.raw" "$T_TMP/df.xml" || exit 1
t_eq "nothing but the image" "" "$(leftovers)"

# --- more data than the pool holds
head -c 41943040 /dev/urandom >"$T_TMP/big.raw"
truncate -s 48M "$T_TMP/big.raw"
t_run "import of 40 MiB of data into a 32 MiB pool exits 1" 1 fvm import -q ${IMG}2 "$T_TMP/big.raw" "$T_TMP/df.xml"
echo "  $T_ERR"
t_match "import: says the pool is full" "^fvm-import: error: .*$nospace" "$T_ERR"
t_eq "import: one line" 1 "$(printf '%s\n' "$T_ERR" | grep -c .)"
t_eq "import: nothing left" "" "$(leftovers)"
echo "  pool data used after the failed import: $(used)%"

# --- fill the pool through a thin LV of the test's, then create and import
t_run "fill the pool" 0 sh -c "lvcreate -qq -y -n ${P}fill -V 64M --thinpool $VG/$POOL && ! dd if=/dev/urandom of=/dev/$VG/${P}fill bs=1M oflag=direct status=none 2>/dev/null; [ \$(lvs --noheadings -o data_percent $VG/$POOL | tr -d ' ' | cut -d. -f1) -ge 99 ]"
t_run "create on a full pool (watermark) exits 1" 1 fvm create -q $IMG 42
echo "  $T_ERR"
t_match "create on a full pool: says why" "^fvm-create: error: .*(FVM_POOL_WATERMARK|$nospace)" "$T_ERR"
t_eq "create on a full pool: no LV" "" "$(lvnames | grep -x "$P$IMG-42")"
t_run "import on a full pool (watermark) exits 1" 1 fvm import -q ${IMG}3 "$T_TMP/small.raw"
echo "  $T_ERR"
t_match "import on a full pool: says why" "^fvm-import: error: .*(FVM_POOL_WATERMARK|$nospace)" "$T_ERR"
echo FVM_POOL_WATERMARK=100 >>"$FVM_CONFIG"
t_run "import on a full pool, no watermark, exits 1" 1 fvm import -q ${IMG}3 "$T_TMP/small.raw"
echo "  $T_ERR"
t_match "import on a full pool, no watermark: says the pool is full" "^fvm-import: error: .*$nospace" "$T_ERR"
lvremove -qq -f "$VG/${P}fill" >/dev/null 2>&1
t_eq "full pool: nothing left" "" "$(leftovers)"

# --- room again
t_run "import works with room" 0 fvm import -q ${IMG}2 "$T_TMP/small.raw"
t_run "image $IMG still verifies" 0 fvm image-verify -q $IMG
t_run "image-rm ${IMG}2" 0 fvm image-rm -q ${IMG}2
t_run "image-rm $IMG" 0 fvm image-rm -q $IMG
rm -f "$T_TMP/etc/config-$IMG.xml"
t_eq "nothing left at all" "" "$(leftovers; lvnames | grep -x "$P$IMG")"
