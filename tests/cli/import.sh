#!/bin/bash
# tests/cli/import.sh: import from files, stdin and loopback HTTP in every format, failures that leave nothing, export round trips, images, image-rm, checksums.
#
# A dir store in $T_TMP: no libvirt needed. Fixtures are a made-up 16 MiB
# disk with data at a few offsets, compressed by the xz/gzip/zstd tools
# and converted by qemu-img here; fvm itself links the libraries.
# shellcheck source-path=SCRIPTDIR source=../lib.sh
. "$(dirname "$0")/../lib.sh"

for tool in xz gzip zstd qemu-img python3; do
	if ! command -v "$tool" >/dev/null; then
		t_skip "import" "$tool is not installed"
		exit 0
	fi
done

S=$T_TMP/store
cat >"$T_TMP/fast-vm.conf" <<EOF
VM_PREFIX=fastvm-
FVM_STORAGE=dir
FVM_STORE_DIR=$S
EOF
export FVM_CONFIG=$T_TMP/fast-vm.conf FVM_USER_DIR=$T_TMP/user \
	FVM_SYSTEM_DIR=$T_TMP/etc FVM_LOCK_DIR=$T_TMP/locks
mkdir -p "$FVM_LOCK_DIR"
# the config files go to the system dir for root, else the user's
if [ "$(id -u)" -eq 0 ]; then CONFDIR=$FVM_SYSTEM_DIR; else CONFDIR=$FVM_USER_DIR; fi

F=$T_TMP/f
mkdir -p "$F"
D=$F/disk.raw
truncate -s 16M "$D"
for o in 0 1 5 10 15; do
	head -c 300000 /dev/urandom | dd of="$D" bs=1M seek=$o conv=notrunc status=none
done
xz -T2 --block-size=1MiB -c "$D" >"$F/multi.xz"
xz -T1 -c "$D" >"$F/single.xz"
gzip -c "$D" >"$F/disk.gz"
zstd -q -c "$D" >"$F/disk.zst"
qemu-img convert -O qcow2 "$D" "$F/disk.qcow2"
xz -c "$F/disk.qcow2" >"$F/qcow2.xz"
echo '<domain type="kvm"><name>VM_NAME</name></domain>' >"$F/c.xml"
echo 'echo hack' >"$F/h.sh"
echo 'echo delete' >"$F/dh.sh"

img() { echo "$S/images/fastvm-$1.raw"; }
# no temporary disk, staged template or decoded copy left in the store
leftovers() {
	find "$S" "$FVM_SYSTEM_DIR" "$FVM_USER_DIR" -name '*+import+*' -o \
		-name '.*fvm-import*' 2>/dev/null
}
# check_image TEST NAME: the image equals $D and stayed sparse
check_image() {
	if cmp -s "$(img "$2")" "$D"; then t_ok "$1: same bytes"; else t_fail "$1: same bytes" "differs from the original"; fi
	kb=$(du -k "$(img "$2")" | cut -f1)
	if [ "$kb" -lt 4096 ]; then t_ok "$1: sparse (${kb} KiB)"; else t_fail "$1: sparse" "$kb KiB allocated"; fi
}

n=0
for f in disk.raw multi.xz single.xz disk.gz disk.zst disk.qcow2 qcow2.xz; do
	n=$((n + 1))
	t_run "import file $f" 0 fvm import -q "f$n" "$F/$f" && check_image "file $f" "f$n"
done
t_run "import from stdin" 0 sh -c "fvm import -q stdin - <'$F/multi.xz'" && check_image "stdin xz" stdin
t_run "raw from stdin" 0 sh -c "fvm import -q stdinraw - <'$D'" && check_image "stdin raw" stdinraw
t_run "qcow2 from stdin" 0 sh -c "fvm import -q stdinq - <'$F/disk.qcow2'" && check_image "stdin qcow2" stdinq
t_eq "stored sha256" "$(sha256sum <"$D" | cut -d' ' -f1)  fastvm-f1" "$(cat "$S/images/fastvm-f1.sha256")"

# fast-vm's NNg__ name prefix sets the size
cp "$F/multi.xz" "$F/1g__named.img.xz"
t_run "NNg__ prefix" 0 fvm import -q named "$F/1g__named.img.xz"
t_eq "NNg__ prefix gives 1 GiB" 1073741824 "$(stat -c %s "$(img named)")"
t_run "--size" 0 fvm import -q --size 128M sized "$F/multi.xz"
t_eq "--size 128M" 134217728 "$(stat -c %s "$(img sized)")"
t_run "empty image" 0 fvm import -q --size 2 blank empty "$F/c.xml"
t_eq "empty image size" 2147483648 "$(stat -c %s "$(img blank)")"
t_eq "empty image: no data" 0 "$(du -k "$(img blank)" | cut -f1)"

# templates are copied as fast-vm does
t_run "import with templates" 0 fvm import -q tpl "$F/multi.xz" "$F/c.xml" "$F/h.sh" "$F/dh.sh"
t_eq "config-tpl.xml" "$(cat "$F/c.xml")" "$(cat "$CONFDIR/config-tpl.xml" 2>&1)"
t_eq "hacks-tpl.sh executable" yes "$([ -x "$CONFDIR/hacks-tpl.sh" ] && echo yes)"
t_eq "delete-hacks-tpl.sh" "echo delete" "$(cat "$CONFDIR/delete-hacks-tpl.sh" 2>&1)"

# a template or hack file given as - comes from standard input
t_run "XML from stdin" 0 sh -c "fvm import -q tplin '$D' - <'$F/c.xml'"
if cmp -s "$CONFDIR/config-tplin.xml" "$CONFDIR/config-tpl.xml"; then t_ok "XML from stdin: same file as from a path"; else t_fail "XML from stdin: same file as from a path" "$(cat "$CONFDIR/config-tplin.xml" 2>&1)"; fi
t_eq "XML from stdin: mode" 644 "$(stat -c %a "$CONFDIR/config-tplin.xml" 2>&1)"
t_run "hacks from stdin" 0 sh -c "fvm import -q tplinh '$D' '$F/c.xml' - '$F/dh.sh' <'$F/h.sh'"
t_eq "hacks from stdin: content" "echo hack" "$(cat "$CONFDIR/hacks-tplinh.sh" 2>&1)"
t_eq "hacks from stdin: executable" 755 "$(stat -c %a "$CONFDIR/hacks-tplinh.sh" 2>&1)"
t_eq "hacks from stdin: XML from its path" "$(cat "$F/c.xml")" "$(cat "$CONFDIR/config-tplinh.xml" 2>&1)"
before=$(ls "$S/images" "$CONFDIR" | sort)
t_run "two - are refused" 2 sh -c "fvm import two '$D' - - <'$F/c.xml'"
t_eq "two -: one error line and the usage hint" "fvm-import: error: hacks file -: standard input is read once, and the XML file is - already
Try 'fvm import --help'." "$T_ERR"
t_run "- beside SOURCE - is refused" 2 sh -c "fvm import two - '$F/c.xml' - <'$F/multi.xz'"
t_eq "- beside SOURCE -: one error line and the usage hint" "fvm-import: error: hacks file -: standard input is read once, and SOURCE is - already
Try 'fvm import --help'." "$T_ERR"
head -c $((1024 * 1024 + 1)) /dev/zero | tr '\0' x >"$F/big.xml"
t_run "over 1 MiB on stdin" 1 sh -c "fvm import big '$D' - <'$F/big.xml'"
t_eq "over 1 MiB on stdin: message" "fvm-import: error: XML file -: standard input is larger than 1 MiB" "$T_ERR"
head -c $((1024 * 1024)) /dev/zero | tr '\0' x >"$F/max.xml"
t_run "exactly 1 MiB on stdin" 0 sh -c "fvm import -q --size 16M max empty - <'$F/max.xml'"
t_eq "exactly 1 MiB: all of it kept" $((1024 * 1024)) "$(stat -c %s "$CONFDIR/config-max.xml" 2>&1)"
t_run "image-rm max" 0 fvm image-rm -q max
t_eq "refused - imports left nothing" "$before" "$(ls "$S/images" "$CONFDIR" | sort)"

# failures name the cause and leave nothing behind
before=$(ls "$S/images" | sort)
head -c 200000 "$F/multi.xz" >"$F/trunc.xz"
t_run "truncated xz" 1 fvm import bad "$F/trunc.xz"
t_match "truncated xz: reason" 'truncated xz data' "$T_ERR"
t_lines "truncated xz: one line" 1 "$T_ERR"
head -c 300000 "$F/disk.gz" >"$F/trunc.gz"
t_run "truncated gzip" 1 fvm import bad "$F/trunc.gz"
t_match "truncated gzip: reason" 'truncated gzip data' "$T_ERR"
head -c 200000 "$F/disk.zst" >"$F/trunc.zst"
t_run "truncated zstd" 1 fvm import bad "$F/trunc.zst"
t_match "truncated zstd: reason" 'truncated zstd data' "$T_ERR"
python3 -c "
import sys; b = bytearray(open(sys.argv[1], 'rb').read()); b[len(b) // 2] ^= 0xff
open(sys.argv[2], 'wb').write(b)" "$F/single.xz" "$F/corrupt.xz"
t_run "corrupt xz" 1 fvm import bad "$F/corrupt.xz"
t_match "corrupt xz: reason" 'corrupt xz data' "$T_ERR"
printf '<!DOCTYPE html>\n<html><body>404</body></html>\n' >"$F/page.html"
t_run "HTML page" 1 fvm import bad "$F/page.html"
t_match "HTML page: reason" 'not a disk image \(HTML\)' "$T_ERR"
gzip -c "$F/page.html" >"$F/page.html.gz"
t_run "compressed HTML page" 1 fvm import bad "$F/page.html.gz"
echo 'just some words' >"$F/words.txt"
t_run "text file" 1 fvm import bad "$F/words.txt"
t_match "text: reason" 'not a disk image \(text\)' "$T_ERR"
: >"$F/zero-length"
t_run "empty file" 1 fvm import bad "$F/zero-length"
t_run "missing file" 3 fvm import bad "$F/nope.xz"
t_run "missing XML" 3 fvm import bad "$F/multi.xz" "$F/nope.xml"
t_run "too small --size" 1 fvm import --size 8M bad "$F/multi.xz"
t_match "too small: reason" 'larger than the image' "$T_ERR"
qemu-img create -q -f qcow2 -b "$F/disk.qcow2" -F qcow2 "$F/overlay.qcow2"
t_run "qcow2 with a backing file" 1 fvm import bad "$F/overlay.qcow2"
t_match "backing file: reason" 'backing file' "$T_ERR"
t_run "existing image" 4 fvm import f1 "$F/multi.xz"
t_run "bad name" 2 fvm import bad-42 "$F/multi.xz"
t_run "bad name (characters)" 2 fvm import 'a/b' "$F/multi.xz"
t_eq "failures left no image" "$before" "$(ls "$S/images" | sort)"
t_eq "failures left nothing" "" "$(leftovers)"

# Ctrl-C in the middle: the rollback removes the half-written image
mkfifo "$T_TMP/fifo"
fvm import -q intr - <"$T_TMP/fifo" 2>"$T_TMP/intr.err" &
pid=$!
exec 7>"$T_TMP/fifo"
head -c 8M "$D" >&7
sleep 1
kill -INT $pid
rc=0
wait $pid || rc=$?
exec 7>&-
t_eq "interrupted import fails" 1 "$rc"
t_match "interrupted: reason" 'interrupted' "$(cat "$T_TMP/intr.err")"
t_eq "interrupted: no image" "" "$(ls "$S/images" | grep intr)"
t_eq "interrupted: nothing left" "" "$(leftovers)"

# HTTP from a loopback server
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
(cd "$F" && exec python3 -m http.server --bind 127.0.0.1 "$port") >/dev/null 2>&1 &
http_pid=$!
t_on_exit "kill $http_pid"
for _ in $(seq 50); do
	curl -s -o /dev/null "http://127.0.0.1:$port/" 2>/dev/null && break
	python3 -c 'import socket,sys; socket.create_connection(("127.0.0.1", int(sys.argv[1])), 1)' "$port" 2>/dev/null && break
	sleep 0.1
done
U=http://127.0.0.1:$port
n=0
for f in multi.xz single.xz disk.gz disk.zst disk.raw disk.qcow2; do
	n=$((n + 1))
	t_run "import $U/$f" 0 fvm import -q "h$n" "$U/$f" && check_image "http $f" "h$n"
done
t_run "HTTP 404" 1 fvm import bad "$U/missing.xz"
t_match "HTTP 404: reason" 'HTTP error 404' "$T_ERR"
t_lines "HTTP 404: one line" 1 "$T_ERR"
t_run "HTTP HTML page" 1 fvm import bad "$U/page.html"
t_match "HTTP HTML: reason" 'not a disk image \(HTML\)' "$T_ERR"
t_run "HTTP directory listing" 1 fvm import bad "$U/"
t_run "HTTP truncated" 1 fvm import bad "$U/trunc.xz"
t_match "HTTP truncated: reason" 'truncated xz data' "$T_ERR"
t_eq "HTTP failures left nothing" "" "$(leftovers; ls "$S/images" | grep '^fastvm-bad')"

# export and import round trips
t_run "export package to stdout" 0 sh -c "fvm export -q -c xz --level 1 -T 2 tpl - >'$F/tpl.fvm.tar.xz'"
t_run "package is a tar" 0 sh -c "xz -dc '$F/tpl.fvm.tar.xz' | tar tf - >'$T_TMP/list'"
t_eq "package entries" "manifest.json
disk.raw
config.xml
hacks.sh
delete-hacks.sh" "$(cat "$T_TMP/list")"
t_run "export | import" 0 sh -c "fvm export -q tpl - | fvm import -q rt -"
check_image "package round trip" rt
t_eq "package brings the XML" "$(cat "$F/c.xml")" "$(cat "$CONFDIR/config-rt.xml" 2>&1)"
t_eq "package brings hacks" "echo hack" "$(cat "$CONFDIR/hacks-rt.sh" 2>&1)"
t_run "export default package" 0 fvm export -q tpl "$F"
t_run "the default package is zstd" 0 sh -c "zstd -dc '$F/tpl.fvm.tar.zst' | tar tf - >/dev/null"
t_run "import zstd package" 0 fvm import -q rtz "$F/tpl.fvm.tar.zst" && check_image "zstd package" rtz
t_run "export exists" 4 fvm export -q -c zstd tpl "$F"
t_run "export --level 19 -T 1" 0 sh -c "fvm export -q --level 19 -T 1 tpl - | fvm import -q rtz19 -" &&
	check_image "zstd level 19 package" rtz19
t_run "export --level 10 -c xz" 2 fvm export -q -c xz --level 10 tpl -
t_eq "export --level 10 -c xz: one line" "fvm-export: error: the xz compression level is 0 to 9, not 10" "$T_ERR"
t_run "export --level 0 (zstd)" 2 fvm export -q --level 0 tpl -
t_run "export --threads -1" 2 fvm export -q --threads -1 tpl -
t_run "export legacy" 0 fvm export -q --format legacy tpl "$F"
t_run "legacy name" 0 test -f "$F/1g__tpl.img.xz"
t_run "legacy is multi-block xz" 0 sh -c "xz -lv '$F/1g__tpl.img.xz' | grep -q 'Blocks:  *[0-9]'"
t_run "import legacy" 0 fvm import -q --size 16M rtl "$F/1g__tpl.img.xz" && check_image "legacy round trip" rtl
t_run "export legacy gz" 0 fvm export -q -F legacy -c gz tpl "$F/tpl.img.gz"
t_eq "legacy gz content" "$(sha256sum <"$D")" "$(gzip -dc "$F/tpl.img.gz" | head -c 16M | sha256sum)"
t_run "export of a missing image" 3 fvm export nope "$F"
t_eq "export left no temporary file" "" "$(ls "$F" | grep fvm-export)"

# packages are checked
python3 - "$F/tpl.fvm.tar.xz" "$F" <<'PY'
import io, lzma, sys, tarfile
src, out = sys.argv[1], sys.argv[2]
raw = lzma.open(src).read()
def members():
    t = tarfile.open(fileobj=io.BytesIO(raw))
    return t, [(m, t.extractfile(m).read() if m.isfile() else None) for m in t.getmembers()]
# preset 0: the 16 MiB disk entry is mostly zeros, and the default preset
# spends seconds on each of the eight packages for nothing the test needs
def write(name, items):
    with lzma.open(f"{out}/{name}", "wb", preset=0) as f, tarfile.open(fileobj=f, mode="w", format=tarfile.PAX_FORMAT) as t:
        for m, data in items:
            t.addfile(m, io.BytesIO(data) if data is not None else None)
t, items = members()
man = items[0]
# the disk is rewritten as a plain entry: drop the sparse map's headers
for m, _ in items:
    m.pax_headers = {k: v for k, v in m.pax_headers.items() if not k.startswith("GNU.sparse")}
    m.sparse = None
def extra(name, data=b"x", typ=tarfile.REGTYPE, link=""):
    m = tarfile.TarInfo(name); m.size = len(data) if typ == tarfile.REGTYPE else 0; m.type = typ; m.linkname = link
    return (m, data if typ == tarfile.REGTYPE else None)
write("dotdot.tar.xz", [man, extra("../evil.sh")] + items[1:])
write("abs.tar.xz", [man, extra("/etc/evil")] + items[1:])
write("link.tar.xz", [man, extra("config.xml", typ=tarfile.SYMTYPE, link="/etc/passwd")] + items[1:])
write("unknown.tar.xz", [man, extra("other.txt")] + items[1:])
big = tarfile.TarInfo("manifest.json"); big.size = 70000
write("bigmanifest.tar.xz", [(big, b" " * 70000)] + items[1:])
write("nomanifest.tar.xz", items[1:])
import json
j = json.loads(man[1]); j["sha256"] = "0" * 64; data = json.dumps(j).encode()
m2 = tarfile.TarInfo("manifest.json"); m2.size = len(data)
write("badsha.tar.xz", [(m2, data)] + items[1:])
j = json.loads(man[1]); j["version"] = 2; data = json.dumps(j).encode()
m3 = tarfile.TarInfo("manifest.json"); m3.size = len(data)
write("newer.tar.xz", [(m3, data)] + items[1:])
PY
t_run "package with ../ entry" 1 fvm import bad "$F/dotdot.tar.xz"
t_match "../ entry: reason" "entry '../evil.sh' points outside" "$T_ERR"
t_run "package with absolute entry" 1 fvm import bad "$F/abs.tar.xz"
t_match "absolute entry: reason" "points outside" "$T_ERR"
t_run "package with a symlink" 1 fvm import bad "$F/link.tar.xz"
t_match "symlink: reason" "not a regular file" "$T_ERR"
t_run "package with an unknown entry" 1 fvm import bad "$F/unknown.tar.xz"
t_run "package with a huge manifest" 1 fvm import bad "$F/bigmanifest.tar.xz"
t_match "huge manifest: reason" "larger than 65536" "$T_ERR"
t_run "package without manifest" 1 fvm import bad "$F/nomanifest.tar.xz"
t_run "package with a wrong sha256" 1 fvm import bad "$F/badsha.tar.xz"
t_match "wrong sha256: reason" "does not match its manifest" "$T_ERR"
t_run "package of a newer format" 1 fvm import bad "$F/newer.tar.xz"
t_eq "refused packages left nothing" "" "$(leftovers; ls "$S/images" "$CONFDIR" | grep -E 'bad|evil')"

# the real test guest, when built: a partitioned disk with real data
# extents through a package over a pipe. zstd keeps this a few seconds: xz
# of its 70 MiB of kernel and initrd takes minutes on two cores, and the
# xz package of this same guest is checked bit for bit (and booted) by
# tests/e2e/import-boot.sh; the xz packages above cover the xz path here.
G=${FVM_GUEST_DIR:-$TOP/build/guest}
# building it takes a second or two, and is cached for the e2e tier
[ "$(id -u)" -eq 0 ] && "$TOP/scripts/mkguest" -q -o "$G" >/dev/null 2>&1
if [ -f "$G/fvm-test-boot.raw" ]; then
	t_run "guest: import" 0 fvm import -q guest "$G/fvm-test-boot.raw" "$G/config-fvm-test-boot.xml"
	t_run "guest: export | import" 0 sh -c "fvm export -q -c zstd guest - | fvm import -q guest2 -"
	t_run "guest: round trip is bit for bit" 0 cmp "$G/fvm-test-boot.raw" "$(img guest2)"
else
	t_skip "guest round trip" "no $G/fvm-test-boot.raw (scripts/mkguest)"
fi

# images
t_run "images" 0 fvm images
t_match "images: header" '^Image name +Size\( %used \) +SYSTEM XML +hacks +USER XML +hacks' "$T_OUT"
t_match "images: tpl row" '^tpl +0\.02g\( *[0-9.]+%\) ' "$T_OUT"
t_nomatch "images: no temporary disks" '\+import\+' "$T_OUT"
t_run "images --short" 0 fvm images --short
t_match "images --short: names" '^f1$' "$T_OUT"
t_run "images --json" 0 fvm images --json
printf '%s' "$T_OUT" >"$T_TMP/images.json"
t_run "images --json parses" 0 python3 -c '
import json, sys
rows = {r["name"]: r for r in json.load(open(sys.argv[1]))}
assert rows["tpl"]["size"] == 16 << 20, rows["tpl"]
assert len(rows["f1"]["sha256"]) == 64
assert rows["blank"]["allocated"] == 0' "$T_TMP/images.json"

# checksums compatible with fast-vm's gen_checksums / verify
mkdir -p "$T_TMP/sums"
t_run "image-checksum" 0 fvm image-checksum -q -d "$T_TMP/sums" named
t_eq "part files" "named.part_00.sha512.txt
named.part_01.sha512.txt" "$(ls "$T_TMP/sums")"
# named is 1 GiB (checked above): its part_00, what fast-vm's dd bs=1G
# count=1 | sha512sum hashes, is the whole file
t_eq "part_00 is dd|sha512sum" "$(sha512sum <"$(img named)" | cut -d' ' -f1)" "$(cat "$T_TMP/sums/named.part_00.sha512.txt")"
t_eq "last part is of no data" "$(sha512sum </dev/null | cut -d' ' -f1)" "$(cat "$T_TMP/sums/named.part_01.sha512.txt")"
t_run "image-verify DIR" 0 fvm image-verify named "$T_TMP/sums"
t_match "verify summary" '^CHECK SUMMARY:   OK: 2  FAIL: 0  MISSING: 0$' "$T_OUT"
t_run "image-verify (recorded sha256)" 0 fvm image-verify -q f2
printf 'x' | dd of="$(img f2)" bs=1 seek=4096 conv=notrunc status=none
t_run "image-verify sees a change" 1 fvm image-verify -q f2
t_match "changed: reason" 'image f2 changed' "$T_ERR"
rm "$T_TMP/sums/named.part_01.sha512.txt"
t_run "image-verify: missing part" 1 fvm image-verify named "$T_TMP/sums"
t_match "missing part summary" 'MISSING: 1' "$T_OUT"
t_run "image-verify: no part_00" 3 fvm image-verify named "$T_TMP"

# image-rm
mkdir -p "$S/vms"
truncate -s 1M "$S/vms/fastvm-tpl-42.raw"
t_run "image-rm refuses while VMs use it" 4 fvm image-rm tpl
t_match "image-rm names the VM disk" 'fastvm-tpl-42' "$T_ERR"
t_run "image-rm --force" 0 fvm image-rm -q --force tpl
t_run "image gone" 1 test -e "$(img tpl)"
t_eq "templates gone" "" "$(ls "$CONFDIR" | grep -- '-tpl\.')"
t_run "image-rm of a missing image" 3 fvm image-rm tpl
t_run "image-rm" 0 fvm image-rm -q f1
t_run "checksum gone" 1 test -e "$S/images/fastvm-f1.sha256"
