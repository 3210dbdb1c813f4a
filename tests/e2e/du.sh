#!/bin/bash
# tests/e2e/du.sh: fvm du on the dir storage: tests/scenarios/du.bash, then a VM's own space against the files' real allocation.
#
# Runs inside the lab namespace. Data is written into a VM's qcow2 overlay
# with qemu-io (as a guest would), then fvm du's numbers are compared with
# what the filesystem says the files take (stat's blocks).
set -u
# shellcheck source-path=SCRIPTDIR source=../lib.sh
. "$(dirname "$0")/../lib.sh"

# shellcheck source=common.bash
. "$(dirname "$0")/common.bash"

P=fvmt-du-
NET=fvmtest-du
SUBNET=141
IMG=utest

if ! command -v qemu-io >/dev/null; then
	t_skip "e2e/du" "qemu-io is not installed (package qemu-utils)"
	exit 0
fi
e2e_setup $P $NET $SUBNET du
e2e_image $IMG kernel

alloc() { echo $(($(stat -c %b "$1") * $(stat -c %B "$1"))); }
s_disk() { echo "$store/vms/$1.qcow2"; }
s_disk_size() {
	qemu-img info --output=json "$(s_disk "$1")" |
		python3 -c 'import json,sys; print(json.load(sys.stdin)["virtual-size"])'
}
s_write() { qemu-io -f qcow2 -c "write -P 0xab 64M ${2}M" "$(s_disk "$1")" >/dev/null; }
s_pool_size() { echo $(($(stat -f -c %b "$store") * $(stat -f -c %S "$store"))); }
DU_HEADER=Store

# shellcheck source=../scenarios/du.bash
. "$TOP/tests/scenarios/du.bash"

# --- what only the dir store has: files whose blocks stat counts
ovl=$(s_disk "$P$IMG-42")
imgf=$store/images/$P$IMG.raw
# stat's blocks also count the filesystem's own extent-tree blocks
du_near "own space of 42 is its overlay's allocation" "$(alloc "$ovl")" "$own" 65536
du_near "shared space of 42 is its image's allocation" "$(alloc "$imgf")" "$shared" 65536
t_eq "image: allocation as 42 shares it" "$shared" "$(du_json allocated image)"
du_deleted
[ -e "$ovl" ] && t_fail "overlay of 42 removed" "still there" || t_ok "overlay of 42 removed"
