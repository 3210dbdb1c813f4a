#!/bin/bash
# tests/lvm/import.sh: fvm import, export, image-resize, profile-import and image-rm on the lvm store: content, sparseness on dm-thin, failures that leave no LV.
#
# Runs inside scripts/lvm-lab (tests/run lvm), in the lab's volume group and
# thin pool (FVM_LAB_VG, FVM_LAB_POOL). No libvirt: images only. lvs and
# dmsetup only inspect what fvm did.
set -u
# shellcheck source-path=SCRIPTDIR source=../lib.sh
. "$(dirname "$0")/../lib.sh"
# shellcheck source-path=SCRIPTDIR source=common.bash
. "$(dirname "$0")/common.bash"

lvm_in_lab lvm/import
for tool in xz python3 dmsetup; do
	if ! command -v "$tool" >/dev/null; then
		t_skip "lvm/import" "$tool is not installed"
		exit 0
	fi
done

VG=$FVM_LAB_VG
POOL=$FVM_LAB_POOL
MIB=1048576
lvm_need_pool lvm/import

mkdir -p "$T_TMP/etc" "$T_TMP/user" "$T_TMP/locks"
cat >"$T_TMP/fast-vm.conf" <<CONF
THINPOOL_VG=$VG
THINPOOL_LV=$POOL
FVM_STORAGE=lvm
FVM_STORE_DIR=$T_TMP/store
CONF
export FVM_CONFIG=$T_TMP/fast-vm.conf FVM_SYSTEM_DIR=$T_TMP/etc \
	FVM_USER_DIR=$T_TMP/user FVM_LOCK_DIR=$T_TMP/locks

# every LV this test may make, finished or half-made
remove_all() {
	local lv
	for lv in $(lvs --noheadings -o lv_name "$VG" 2>/dev/null); do
		case $lv in
		fastvm-lvimp | fastvm-lvrt | fastvm-lvbad | *+import+lv*)
			lvremove -qq -f "$VG/$lv" >/dev/null 2>&1 ;;
		esac
	done
}
remove_all
t_on_exit remove_all

# dm_name LV: device-mapper name of VG/LV (LVM doubles hyphens inside names)
dm_name() {
	printf '%s-%s' "$(printf %s "$VG" | sed 's/-/--/g')" \
		"$(printf %s "$1" | sed 's/-/--/g')"
}
# mapped_bytes LV: what the thin LV has mapped in the pool (dmsetup status
# of a thin target: "0 LEN thin MAPPED_SECTORS HIGHEST")
mapped_bytes() {
	dmsetup status "$(dm_name "$1")" | awk '$3 == "thin" { print $4 * 512 }'
}
# our_lvs: the LVs of this test, finished or half-made
our_lvs() {
	lvs --noheadings -o lv_name "$VG" | tr -d ' ' |
		grep -E '^(fastvm-lv(imp|rt|bad)|.*\+import\+lv.*)$'
}

# The source: 16 MiB with data runs at unaligned offsets, zeros between
# (small: every byte of it is decoded, copied and compared in the lab's
# emulated CPU)
F=$T_TMP/f
mkdir -p "$F"
D=$F/disk.raw
truncate -s 16M "$D"
for o in 0 1310720 4458750 10485760 16400000; do
	# one write at a byte offset, not 300,000 one-byte writes
	head -c 300000 /dev/urandom |
		dd of="$D" bs=300000 count=1 iflag=fullblock oflag=seek_bytes seek=$o conv=notrunc status=none
done
xz -T2 --block-size=1MiB -c "$D" >"$F/disk.xz"
echo '<domain type="kvm"><name>VM_NAME</name></domain>' >"$F/c.xml"

# --- import: a thin LV of the pool with the source's bytes, sparse (an
# xz stream does not tell its size: without --size lvm gets fast-vm's 10G)
t_run "import xz into the pool" 0 fvm import -q --size 16M lvimp "$F/disk.xz" || exit 1
t_eq "image is a thin LV of the pool" "$POOL" "$(lv_field fastvm-lvimp pool_lv)"
t_eq "image size is the source's" $((16 * MIB)) "$(lv_field fastvm-lvimp lv_size)"
t_run "image content equals the source" 0 cmp "/dev/$VG/fastvm-lvimp" "$D"

chunk=$(lvs --noheadings --units b --nosuffix -o chunk_size "$VG/$POOL" | tr -d ' ')
# the chunks of the source holding any non-zero byte, and its data runs
# (no process substitution: the lab's /dev may have no /dev/fd)
counts=$(python3 - "$D" "$chunk" <<'PY'
import sys
path, chunk = sys.argv[1], int(sys.argv[2])
data, runs, prev = 0, 0, False
with open(path, "rb") as f:
    while True:
        b = f.read(chunk)
        if not b:
            break
        nz = b.count(0) != len(b)
        data += nz
        runs += nz and not prev
        prev = nz
print(data * chunk, runs)
PY
)
want=${counts% *} runs=${counts#* }
got=$(mapped_bytes fastvm-lvimp)
if [ -n "$got" ] && [ "$got" -ge "$want" ] && [ "$got" -le $((want + runs * chunk)) ]; then
	t_ok "sparse: $got bytes mapped for $want of non-zero chunks ($runs runs, chunk $chunk)"
else
	t_fail "sparse" "mapped [$got], non-zero chunks $want, $runs runs of chunk $chunk"
fi
t_run "checksum recorded" 0 test -s "$T_TMP/store/sha256/fastvm-lvimp.sha256"
t_run "image-verify" 0 fvm image-verify -q lvimp

# --- failures leave no LV
t_run "existing image" 4 fvm import -q lvimp "$F/disk.xz"
head -c 200000 "$F/disk.xz" >"$F/trunc.xz"
t_run "truncated xz" 1 fvm import -q lvbad "$F/trunc.xz"
t_match "truncated: reason" 'truncated xz data' "$T_ERR"
t_eq "truncated: no LV left" "fastvm-lvimp" "$(our_lvs)"
t_run "truncated from stdin" 1 sh -c "fvm import -q lvbad - <'$F/trunc.xz'"
t_eq "stdin: no LV left" "fastvm-lvimp" "$(our_lvs)"

# --- export | import: bit for bit, sparse again
# a package tells its size
t_run "export | import" 0 sh -c "fvm export -q lvimp - | fvm import -q lvrt -"
t_run "round trip is bit for bit" 0 cmp "/dev/$VG/fastvm-lvrt" "$D"
t_eq "round trip: same size" $((16 * MIB)) "$(lv_field fastvm-lvrt lv_size)"
t_eq "round trip: same mapping" "$(mapped_bytes fastvm-lvimp)" "$(mapped_bytes fastvm-lvrt)"
t_run "legacy export" 0 fvm export -q --format legacy lvimp "$F/lvimp.img.xz"
t_run "legacy export holds the raw disk" 0 sh -c "xz -dc '$F/lvimp.img.xz' | head -c $((16 * MIB)) | cmp - '$D'"

# --- profile over an LV image
t_run "profile-import" 0 fvm profile-import -q lvprof lvimp "$F/c.xml"
t_run "profile-import: missing image" 3 fvm profile-import -q lvprof2 lvnone "$F/c.xml"
t_run "profiles" 0 fvm profiles --short
t_eq "profiles lists it" lvprof "$T_OUT"

# --- image-resize grows the LV, the data stays
t_run "image-resize" 0 fvm image-resize lvimp 32M
t_match "image-resize: only new VMs" 'only VMs created from now on' "$T_OUT"
t_eq "LV grown" $((32 * MIB)) "$(lv_field fastvm-lvimp lv_size)"
t_run "data kept" 0 cmp -n $((16 * MIB)) "/dev/$VG/fastvm-lvimp" "$D"
t_run "the new end reads zeros" 0 cmp -n $((16 * MIB)) -i $((16 * MIB)):0 "/dev/$VG/fastvm-lvimp" /dev/zero
t_run "image-resize (GiB)" 0 fvm image-resize -q lvimp 1
t_eq "LV grown to 1 GiB" $((1024 * MIB)) "$(lv_field fastvm-lvimp lv_size)"
t_run "shrinking needs --force" 2 fvm image-resize -q lvimp 16M
t_eq "not shrunk" $((1024 * MIB)) "$(lv_field fastvm-lvimp lv_size)"
t_run "image-resize of a missing image" 3 fvm image-resize -q lvnone 2

# --- image-rm
t_run "profile-rm" 0 fvm profile-rm -q lvprof
t_run "image-rm" 0 fvm image-rm -q lvimp
t_run "image-rm lvrt" 0 fvm image-rm -q lvrt
t_eq "no LV left" "" "$(our_lvs)"
