#!/bin/bash
# tests/lvm/attacks.sh: on the lvm storage, an imported image's LV is never writable by FASTVM_GROUP, whatever the device node's defaults.
#
# Runs inside scripts/lvm-lab (tests/run lvm), in the lab's thin pool; no
# libvirt. FASTVM_GROUP is the group device nodes get by default here
# (disk, mode 0660 without udev), as a udev rule giving the VG's LVs to
# the group would do: the image must still be read-only to its members.
set -u
# shellcheck source-path=SCRIPTDIR source=../lib.sh
. "$(dirname "$0")/../lib.sh"
# shellcheck source-path=SCRIPTDIR source=common.bash
. "$(dirname "$0")/common.bash"

lvm_in_lab lvm/attacks
if ! command -v setpriv >/dev/null 2>&1; then
	t_skip "lvm/attacks" "setpriv is not installed (scripts/install-deps)"
	exit 0
fi

VG=$FVM_LAB_VG
POOL=$FVM_LAB_POOL
P=fvmt-at-
lvm_need_pool lvm/attacks

remove_all() { lvremove -qq -f "$VG/${P}img" >/dev/null 2>&1; }
remove_all
t_on_exit remove_all

cat >"$T_TMP/fast-vm.conf" <<CONF
VM_PREFIX=$P
THINPOOL_VG=$VG
THINPOOL_LV=$POOL
FVM_STORAGE=lvm
FVM_STORE_DIR=$T_TMP/store
FVM_URI=test:///default
FASTVM_GROUP=disk
CONF
export FVM_CONFIG=$T_TMP/fast-vm.conf FVM_SYSTEM_DIR=$T_TMP/etc \
	FVM_USER_DIR=$T_TMP/user FVM_LOCK_DIR=$T_TMP/locks

D=$T_TMP/disk.raw
truncate -s 4M "$D"
head -c 65536 /dev/urandom | dd of="$D" conv=notrunc status=none
t_run "root imports image img" 0 fvm import -q img "$D"
dev=/dev/$VG/${P}img
mode=$(stat -L -c %a "$dev" 2>&1)
if [ $((8#$mode & 8#022)) -eq 0 ]; then
	t_ok "the image LV's node is writable by root only ($mode)"
else
	t_fail "the image LV's node is writable by root only" "mode $mode, group $(stat -L -c %G "$dev")"
fi
t_eq "the image LV's node is root's" root "$(stat -L -c %U "$dev")"
before=$(md5sum <"$dev")
t_run "a member of the group cannot write the image" 1 \
	setpriv --reuid=65534 --regid=65534 --groups="$(getent group disk | cut -d: -f3)" \
	dd if=/dev/zero of="$dev" bs=512 count=1 conv=notrunc status=none
t_eq "the image is unchanged" "$before" "$(md5sum <"$dev")"
exit 0
