#!/bin/sh
# tests/cli/mkguest.sh: scripts/mkguest builds the test guest once and reuses it.
# shellcheck source=tests/lib.sh
. "$(dirname "$0")/../lib.sh"

MKGUEST=$TOP/scripts/mkguest
G=$T_TMP/g

if [ "$(id -u)" -ne 0 ]; then
	t_skip mkguest "needs root"
	exit 0
fi
for c in mkfs.ext4 sfdisk extlinux busybox; do
	if ! command -v "$c" >/dev/null; then
		t_skip mkguest "$c missing (scripts/install-deps)"
		exit 0
	fi
done

t_run "mkguest: cold build" 0 "$MKGUEST" -q -o "$G" || exit 1
t_eq "mkguest: last line is the absolute dir" "$(cd "$G" && pwd -P)" "$(printf '%s\n' "$T_OUT" | tail -n 1)"

for f in fvm-test.raw fvm-test-boot.raw vmlinuz initrd.img id_ed25519 id_ed25519.pub \
	config-fvm-test.xml config-fvm-test-boot.xml; do
	if [ -s "$G/$f" ]; then
		t_ok "mkguest: $f exists"
	else
		t_fail "mkguest: $f exists" "missing or empty"
	fi
done

for x in config-fvm-test.xml config-fvm-test-boot.xml; do
	body=$(cat "$G/$x" 2>/dev/null)
	t_match "mkguest: $x has VM_NAME" "<name>VM_NAME</name>" "$body"
	t_match "mkguest: $x has LIBVIRT_NETWORK" "source network='LIBVIRT_NETWORK'" "$body"
	t_match "mkguest: $x is type qemu" "<domain type='qemu'>" "$body"
done
t_match "mkguest: direct-boot template points at the kernel" "<kernel>$G/vmlinuz</kernel>" \
	"$(cat "$G/config-fvm-test.xml")"
t_match "mkguest: boot template boots from disk" "<boot dev='hd'/>" "$(cat "$G/config-fvm-test-boot.xml")"

before=$(ls -l --time-style=+%s.%N "$G/fvm-test.raw" "$G/fvm-test-boot.raw" "$G/.stamp")
t_run "mkguest: cached run" 0 "$MKGUEST" -q -o "$G"
after=$(ls -l --time-style=+%s.%N "$G/fvm-test.raw" "$G/fvm-test-boot.raw" "$G/.stamp")
t_eq "mkguest: cached run rebuilt nothing" "$before" "$after"
t_eq "mkguest: cached run prints the dir" "$(cd "$G" && pwd -P)" "$(printf '%s\n' "$T_OUT" | tail -n 1)"
