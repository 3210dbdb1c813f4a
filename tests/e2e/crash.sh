#!/bin/bash
# tests/e2e/crash.sh: fvm killed (SIGKILL) after each step of create, delete, import and resize; fvm doctor --fix leaves a consistent state on the dir storage (tests/scenarios/crash.bash, every kill point).
#
# Runs inside the lab namespace, where guests boot: the delete points are
# taken on a running VM. See tests/scenarios/crash.bash for the checks.
set -u
# shellcheck source-path=SCRIPTDIR source=../lib.sh
. "$(dirname "$0")/../lib.sh"

# shellcheck source=common.bash
. "$(dirname "$0")/common.bash"

P=fvmt-cr-
NET=fvmtest-cr
SUBNET=145
IMG=cr

e2e_setup $P $NET $SUBNET cr

s_has_disk() { [ -e "$store/images/$1.raw" ] || ls "$store/vms/$1".* >/dev/null 2>&1; }
s_rm_disk() { rm -f "$store/vms/$1".*; }
s_has_sum() { [ -e "$store/images/$1.sha256" ]; }
s_store_leftovers() {
	local f base name
	for f in "$store"/vms/* "$store"/vms/.[!.]*; do
		[ -e "$f" ] || continue
		base=$(basename "$f")
		name=${base%.*}
		has_domain "$name" || echo "VM disk without a domain: $base"
	done
	for f in "$store"/images/* "$store"/images/.[!.]* "$store"/.[!.]*; do
		[ -e "$f" ] || continue
		base=$(basename "$f")
		case $base in
		"$P$IMG.raw" | "$P$IMG.sha256") ;;
		"$P$IMP.raw") [ -e "$store/images/$P$IMP.sha256" ] ||
			echo "image $IMP without its checksum" ;;
		"$P$IMP.sha256") [ -e "$store/images/$P$IMP.raw" ] ||
			echo "checksum without an image: $base" ;;
		*) echo "store file: $base" ;;
		esac
	done
}
# every point
s_points() { cat; }
s_disk_ok() { qemu-img check -q "$store/vms/$P$IMG-$1.qcow2"; }
CR_BOOT=1
CR_SRC=$GUEST_DIR/fvm-test-boot.raw

# shellcheck source=../scenarios/crash.bash
. "$TOP/tests/scenarios/crash.bash"

cr_setup
cr_create
cr_delete
cr_resize
cr_import
cr_done
