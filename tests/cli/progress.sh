#!/bin/bash
# tests/cli/progress.sh: the progress bars of import, export and image-checksum under a pty: from 0 to 100%, never above; none without a tty or with -q.
#
# A dir store in $T_TMP and a made-up 16 MiB disk with data at three
# offsets. python3's pty module gives fvm a terminal for stderr only;
# stdout goes to /dev/null, as when an image is exported to a pipe.
# shellcheck source-path=SCRIPTDIR source=../lib.sh
. "$(dirname "$0")/../lib.sh"

if ! command -v python3 >/dev/null; then
	t_skip "progress" "python3 is not installed"
	exit 0
fi
printf 'VM_PREFIX=fastvm-\nFVM_STORAGE=dir\nFVM_STORE_DIR=%s\n' "$T_TMP/store" >"$T_TMP/fast-vm.conf"
export FVM_CONFIG=$T_TMP/fast-vm.conf FVM_USER_DIR=$T_TMP/user \
	FVM_SYSTEM_DIR=$T_TMP/etc FVM_LOCK_DIR=$T_TMP/locks
mkdir -p "$FVM_LOCK_DIR"
# image-checksum writes its part sums into the current directory
cd "$T_TMP" || exit 1
D=$T_TMP/disk.raw
truncate -s 16M "$D"
for o in 1 6 13; do
	head -c 900000 /dev/urandom | dd of="$D" bs=1M seek=$o conv=notrunc status=none
done

# on_tty CMD...: run CMD with stderr on a pty; T_OUT is what the terminal
# got, carriage returns as newlines
cat >"$T_TMP/on-tty.py" <<'PY'
import os, pty, subprocess, sys
m, s = pty.openpty()
with open(os.devnull, "wb") as null:
    p = subprocess.Popen(sys.argv[1:], stdin=subprocess.DEVNULL, stdout=null, stderr=s)
os.close(s)
out = b""
while True:
    try:
        b = os.read(m, 65536)
    except OSError:  # EIO: the last writer closed the pty
        break
    if not b:
        break
    out += b
sys.stdout.write(out.decode("utf-8", "replace").replace("\r", "\n"))
sys.exit(p.wait())
PY
on_tty() {
	T_RC=0
	T_OUT=$(python3 "$T_TMP/on-tty.py" "$@") || T_RC=$?
}
# check_bar NAME LABEL: LABEL's bar in T_OUT went from 0 to 100%, never above
check_bar() {
	local p
	p=$(printf '%s\n' "$T_OUT" | sed -n "s/^fvm-$1: $2 .*(\([0-9]*\)%).*/\1/p")
	[ -n "$p" ] && t_ok "$1: a $2 bar" || t_fail "$1: a $2 bar" "$T_OUT"
	t_eq "$1: the $2 bar starts at 0%" 0 "$(printf '%s\n' "$p" | head -n 1)"
	t_eq "$1: the $2 bar ends at 100%" 100 "$(printf '%s\n' "$p" | tail -n 1)"
	t_eq "$1: the $2 bar never goes above 100%" 100 "$(printf '%s\n' "$p" | sort -n | tail -n 1)"
	t_match "$1: the $2 bar shows a rate" "^fvm-$1: $2 .*/s (ETA|in) " "$T_OUT"
}

on_tty fvm import img "$D"
t_eq "import under a pty" 0 "$T_RC"
check_bar import read
on_tty fvm export img -
t_eq "export under a pty" 0 "$T_RC"
check_bar export scan
check_bar export export
# 3 x 900000 bytes in 64 KiB chunks: 42 chunks, 2.6 MiB
t_match "export: its total is the data stored, not the disk" \
	"^fvm-export: export 2\.6 MiB of 2\.6 MiB \(100%\)" "$T_OUT"
on_tty fvm export -F legacy img -
t_eq "legacy export under a pty" 0 "$T_RC"
check_bar export export
on_tty fvm image-checksum img
t_eq "image-checksum under a pty" 0 "$T_RC"
check_bar image-checksum checksum

on_tty fvm export -q img -
t_eq "export -q: nothing on the terminal" "" "$T_OUT"
on_tty fvm image-checksum -q img
t_eq "image-checksum -q: nothing on the terminal" "" "$T_OUT"
on_tty fvm import -q img2 "$D"
t_eq "import -q: nothing on the terminal" "" "$T_OUT"
t_run "export without a tty" 0 sh -c 'fvm export img - >/dev/null'
t_eq "export without a tty: no bar" "" "$T_ERR"
t_run "image-checksum without a tty" 0 fvm image-checksum img
t_nomatch "image-checksum without a tty: no bar" "%" "$T_ERR"
