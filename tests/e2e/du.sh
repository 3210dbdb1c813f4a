#!/bin/bash
# tests/e2e/du.sh: fvm du on the dir storage: a VM's own space against the files' real allocation.
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

e2e_setup $P $NET $SUBNET du
e2e_image $IMG kernel

MIB=1048576
alloc() { echo $(($(stat -c %b "$1") * $(stat -c %B "$1"))); }
# json FIELD KIND [VM]: one field of fvm du --json's output
json() {
	python3 -c 'import json,sys
rows=json.load(open(sys.argv[1]))
kind=sys.argv[3]; vm=int(sys.argv[4]) if len(sys.argv)>4 else None
r=[r for r in rows if r["kind"]==kind and (vm is None or r["vm"]==vm)][0]
print(r[sys.argv[2]])' "$T_TMP/du.json" "$@"
}
# near A B TOLERANCE
near() { [ $(($1 > $2 ? $1 - $2 : $2 - $1)) -le "$3" ]; }

t_run "create 42 43" 0 fvm create $IMG 42 43
ovl=$store/vms/$P$IMG-42.qcow2
imgf=$store/images/$P$IMG.raw

if ! command -v qemu-io >/dev/null; then
	t_skip "du of written data" "qemu-io is not installed (package qemu-utils)"
	exit 0
fi
qemu-io -f qcow2 -c "write -P 0xab 1M 16M" "$ovl" >/dev/null
t_run "du --json 42 43" 0 fvm du --json 42 43
printf '%s\n' "$T_OUT" >"$T_TMP/du.json"
t_eq "JSON: two VMs, their image and the pool" "vm vm image pool" \
	"$(python3 -c 'import json,sys; print(" ".join(r["kind"] for r in json.load(open(sys.argv[1]))))' "$T_TMP/du.json")"
own=$(json unshared vm 42)
shared=$(json shared vm 42)
# stat's blocks also count the filesystem's own extent-tree blocks
near "$own" "$(alloc "$ovl")" 65536 && t_ok "own space of 42 is its overlay's allocation" ||
	t_fail "own space of 42 is its overlay's allocation" "$own, stat says $(alloc "$ovl")"
near "$own" $((16 * MIB)) $((2 * MIB)) && t_ok "own space of 42 is the 16 MiB written" ||
	t_fail "own space of 42 is the 16 MiB written" "$own bytes"
near "$shared" "$(alloc "$imgf")" 65536 && t_ok "shared space of 42 is its image's allocation" ||
	t_fail "shared space of 42 is its image's allocation" "$shared, stat says $(alloc "$imgf")"
t_eq "allocated = shared + own" $((own + shared)) "$(json allocated vm 42)"
own43=$(json unshared vm 43)
[ "$own43" -lt $((2 * MIB)) ] && t_ok "43, untouched, has almost nothing of its own" ||
	t_fail "43, untouched, has almost nothing of its own" "$own43 bytes"
t_eq "size is the virtual size" "$(qemu-img info --output=json "$ovl" | python3 -c 'import json,sys; print(json.load(sys.stdin)["virtual-size"])')" "$(json size vm 42)"
t_eq "image: VMs counted" 2 "$(json vms image)"
t_eq "image: its VMs' own space" $((own + own43)) "$(json vms_unshared image)"
t_eq "image: allocation as 42 shares it" "$shared" "$(json allocated image)"
t_eq "pool: the filesystem's size" "$(($(stat -f -c %b "$store") * $(stat -f -c %S "$store")))" "$(json size pool)"

t_run "du (fast-vm's table)" 0 fvm du
t_match "header line" "^=== Store space used: +[0-9.]+% of +[0-9.]+g$" "$T_OUT"
t_match "column titles" "^VM# Image name    User     Size\( %aloc \)   Shared   Unshared  \('\.'-Shared, '#'-Unshared\)$" "$T_OUT"
t_match "row of 42" "^42  $IMG +$(id -un) +[0-9.]+g\( *[0-9.]+%\) +[0-9]+\.[0-9]{3}g +0\.01[5-7]g  \[\.+#+ *\]$" "$T_OUT"
t_match "image line" "^=== Image $IMG: .*, 2 VMs with 0\.01[5-7]g of their own$" "$T_OUT"
t_run "du of a missing VM exits 3" 3 fvm du 44
t_run "du all" 0 fvm du all
if [ -n "${VERBOSE:-}" ]; then
	printf '%s\n' "$T_OUT"
fi
