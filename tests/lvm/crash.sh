#!/bin/bash
# tests/lvm/crash.sh: fvm killed (SIGKILL) after steps of create, delete, import and resize on the lvm storage; fvm doctor --fix leaves a consistent state (tests/scenarios/crash.bash).
#
# Runs inside scripts/lvm-lab (tests/run lvm) with the lab's libvirtd
# there; guests are defined, never booted. See tests/scenarios/crash.bash
# for the checks.
set -u
# shellcheck source-path=SCRIPTDIR source=../lib.sh
. "$(dirname "$0")/../lib.sh"
# shellcheck source-path=SCRIPTDIR source=common.bash
. "$(dirname "$0")/common.bash"

lvm_in_lab lvm/crash

VG=$FVM_LAB_VG
POOL=$FVM_LAB_POOL
P=fvmt-cr-
NET=fvmtest-crl
SUBNET=138
IMG=cr

lvm_need_guest lvm/crash config-fvm-test-boot.xml
lvm_need_pool lvm/crash

lvnames() { lvs --noheadings -o lv_name "$VG" 2>/dev/null | tr -d ' '; }

remove_all() {
	local d
	for d in $(v list --all --name | grep "^$P"); do
		v destroy "$d" >/dev/null 2>&1
		v undefine --nvram "$d" >/dev/null 2>&1
	done
	for d in $(lvnames | grep -E "^($P|fvm\+import\+)"); do
		lvremove -qq -f "$VG/$d" >/dev/null 2>&1
	done
	"$TOP/scripts/lab" net-undefine "$NET" >/dev/null 2>&1
}

lvm_lab_up
remove_all
t_on_exit remove_all
t_run "lab net-define" 0 "$TOP/scripts/lab" net-define "$NET" "$SUBNET" || exit 1

mkdir -p "$T_TMP/etc" "$T_TMP/user" "$T_TMP/locks" "$T_TMP/store"
cat >"$T_TMP/fast-vm.conf" <<CONF
VM_PREFIX=$P
THINPOOL_VG=$VG
THINPOOL_LV=$POOL
LIBVIRT_NETWORK=$NET
SUBNET_NUMBER=$SUBNET
FVM_STORAGE=lvm
FVM_STORE_DIR=$T_TMP/store
FVM_DOMAIN_TYPE=qemu
FVM_STATE_DIR=$T_TMP/state
FVM_POOL_WATERMARK=100
CONF
export FVM_CONFIG=$T_TMP/fast-vm.conf FVM_SYSTEM_DIR=$T_TMP/etc \
	FVM_USER_DIR=$T_TMP/user FVM_LOCK_DIR=$T_TMP/locks

s_has_disk() { lvnames | grep -qx -- "$1"; }
s_rm_disk() { s_has_disk "$1" && lvremove -qq -f "$VG/$1" >/dev/null 2>&1; }
s_has_sum() { [ -e "$T_TMP/store/sha256/$1.sha256" ]; }
s_store_leftovers() {
	local f
	for f in $(lvnames | grep -E "^$P"); do
		case $f in
		"$P$IMG" | "$P$IMP") ;;
		*) has_domain "$f" || echo "LV without a domain: $f" ;;
		esac
	done
	lvnames | grep "^fvm+import+" | sed 's/^/import LV: /'
	for f in "$T_TMP"/store/sha256/*; do
		[ -e "$f" ] || continue
		f=$(basename "$f")
		case $f in
		*.sha256) s_has_disk "${f%.sha256}" || echo "checksum without an image: $f" ;;
		*) echo "store file: $f" ;;
		esac
	done
}
# The lvm tier runs every test in one VM under nested emulation with a
# time limit: by default only four points right after a storage step
# (tests/e2e/crash.sh takes them all on the dir storage); FVM_CRASH_ALL=1
# takes every point here too (about 25, some 15 minutes).
s_points() {
	if [ -n "${FVM_CRASH_ALL:-}" ]; then
		cat
	else
		grep -E '^(create\.after-clone|delete\.after-disk-remove|import\.after-(write|rename))$'
	fi
}
s_disk_ok() { [ "$(lv_field "$P$IMG-$1" lv_size)" = 1073741824 ]; }
CR_BOOT=0
# a small image: its VMs are defined, never booted
head -c 1048576 /dev/urandom >"$T_TMP/img.raw"
truncate -s 16M "$T_TMP/img.raw"
CR_SRC=$T_TMP/img.raw

# shellcheck source=../scenarios/crash.bash
. "$TOP/tests/scenarios/crash.bash"

cr_setup
cr_create
cr_delete
cr_resize
cr_import
cr_done
