#!/bin/bash
# tests/cli/export.sh: packages in every codec: tar lists manifest.json first, they import back to the same bytes and sha256, a package whose disk is not its manifest's is refused.
#
# A dir store in $T_TMP and a made-up 16 MiB disk with data at a few
# offsets, zeros between and inside them; the xz/gzip/zstd tools and tar
# read the packages as users would.
# shellcheck source-path=SCRIPTDIR source=../lib.sh
. "$(dirname "$0")/../lib.sh"

for tool in xz gzip zstd tar python3; do
	if ! command -v "$tool" >/dev/null; then
		t_skip "export" "$tool is not installed"
		exit 0
	fi
done

S=$T_TMP/store
printf 'VM_PREFIX=fastvm-\nFVM_STORAGE=dir\nFVM_STORE_DIR=%s\n' "$S" >"$T_TMP/fast-vm.conf"
export FVM_CONFIG=$T_TMP/fast-vm.conf FVM_USER_DIR=$T_TMP/user \
	FVM_SYSTEM_DIR=$T_TMP/etc FVM_LOCK_DIR=$T_TMP/locks
mkdir -p "$FVM_LOCK_DIR"
D=$T_TMP/disk.raw
truncate -s 16M "$D"
for o in 0 3 9 15; do
	head -c 700000 /dev/urandom | dd of="$D" bs=1M seek=$o conv=notrunc status=none
done
# zeros inside data: a hole in the package's map, zeros in the sum
head -c 200000 /dev/urandom | dd of="$D" bs=1 seek=$((3 << 20 | 900000)) conv=notrunc status=none
sum=$(sha256sum <"$D" | cut -d' ' -f1)
t_run "import the disk" 0 fvm import -q img "$D"

# check_package FILE TAROPT: tar lists manifest.json, then disk.raw; its sha256 is the disk's
check_package() {
	local list
	list=$(tar "$2" -tvf "$1" 2>&1)
	t_eq "${1##*/}: manifest.json, then disk.raw" "manifest.json
disk.raw" "$(printf '%s\n' "$list" | awk '{ print $NF }')"
	t_match "${1##*/}: disk.raw is the disk's size" ' 16777216 .* disk\.raw$' "$list"
	t_match "${1##*/}: the manifest's sha256 is the disk's" "\"sha256\": \"$sum\"" \
		"$(tar "$2" -xOf "$1" manifest.json)"
}

for c in zstd:zst:--zstd xz:xz:-J gz:gz:-z; do
	codec=${c%%:*} ext=${c#*:} ext=${ext%%:*} taropt=${c##*:}
	p=$T_TMP/img.$ext
	t_run "export -c $codec" 0 fvm export -q -c "$codec" img "$p"
	check_package "$p" "$taropt"
	t_run "export -c $codec: import" 0 fvm import -q "back-$ext" "$p"
	t_run "export -c $codec: the same bytes" 0 cmp "$S/images/fastvm-back-$ext.raw" "$D"
	t_eq "export -c $codec: the sha256 recorded" "$sum" "$(cut -d' ' -f1 "$S/images/fastvm-back-$ext.sha256")"
	t_run "export -c $codec: image-verify" 0 fvm image-verify -q "back-$ext"
done
# Python's tarfile reads through every member and stream too
for ext in xz gz; do
	t_eq "python tarfile reads img.$ext" "manifest.json disk.raw" \
		"$(python3 -c 'import sys, tarfile; print(*tarfile.open(sys.argv[1]).getnames())' "$T_TMP/img.$ext")"
done

# through a pipe (the second stream held in memory), the default codec
fvm export -q img - >"$T_TMP/piped.tar.zst" 2>"$T_TMP/piped.err"
t_eq "export to a pipe: no message" "" "$(cat "$T_TMP/piped.err")"
check_package "$T_TMP/piped.tar.zst" --zstd
t_run "export | import" 0 sh -c "fvm export -q img - | fvm import -q piped -"
t_run "export | import: the same bytes" 0 cmp "$S/images/fastvm-piped.raw" "$D"

# a package whose manifest's sha256 is not its disk's: refused, nothing left
zstd -q -d -c "$T_TMP/img.zst" >"$T_TMP/bad.tar"
python3 - "$T_TMP/bad.tar" "$sum" <<'PY'
import sys
path, s = sys.argv[1], sys.argv[2].encode()
b = open(path, "rb").read()
bad = (b"0" if s[:1] != b"0" else b"1") + s[1:]
assert b.count(s) == 1
open(path, "wb").write(b.replace(s, bad))
PY
zstd -q -c "$T_TMP/bad.tar" >"$T_TMP/bad.tar.zst"
t_run "a package whose disk is not its manifest's" 1 fvm import bad "$T_TMP/bad.tar.zst"
t_match "a package whose disk is not its manifest's: reason" \
	"does not match its manifest's sha256" "$T_ERR"
t_eq "a refused package leaves no image" "" "$(find "$S/images" -name "*bad*")"

# appending to a file (no room can be kept): the stream is held as for a pipe
: >"$T_TMP/appended.tar.zst"
t_run "export appending to a file" 0 sh -c "fvm export -q img - >>'$T_TMP/appended.tar.zst'"
check_package "$T_TMP/appended.tar.zst" --zstd
t_run "export appending: import" 0 fvm import -q appended "$T_TMP/appended.tar.zst"
t_run "export appending: the same bytes" 0 cmp "$S/images/fastvm-appended.raw" "$D"
