#!/bin/bash
# tests/e2e/debian-guest.sh: a real Debian 12 guest (scripts/mkguest-debian) imported by fvm boots with systemd as PID 1 and answers ssh.
#
# One boot of the partitioned variant (MBR, extlinux, the guest's own
# kernel and initrd). The guest is built, or reused while its inputs are
# unchanged, outside the lab namespace: the build needs the Debian mirror,
# which the namespace cannot reach. An unreachable mirror skips the test.
# Runs inside the lab namespace (tests/run: scripts/lab exec), on the dir
# storage.
set -u
# shellcheck source-path=SCRIPTDIR source=../lib.sh
. "$(dirname "$0")/../lib.sh"

# shellcheck source=common.bash
. "$(dirname "$0")/common.bash"

P=fvmdeb-
NET=fvmtest-deb
SUBNET=143
IMG=debian12
DEB_DIR=${FVM_DEBIAN_GUEST_DIR:-$TOP/build/guest-debian}

# outside_netns CMD...: run CMD in the network namespace of the nearest
# ancestor outside this one (the runner's), or here when there is none.
outside_netns() {
	local me pid
	me=$(readlink /proc/self/ns/net)
	pid=$PPID
	while [ -n "$pid" ] && [ "$pid" -gt 1 ]; do
		if [ "$(readlink "/proc/$pid/ns/net" 2>/dev/null)" != "$me" ]; then
			nsenter --net="/proc/$pid/ns/net" "$@"
			return
		fi
		pid=$(sed 's/.*) //' "/proc/$pid/stat" 2>/dev/null | cut -d' ' -f2)
	done
	"$@"
}

if [ "${FVM_TEST_DEBIAN:-0}" != 1 ]; then
	t_skip "debian guest" "set FVM_TEST_DEBIAN=1: it builds a Debian 12 guest from the mirror and boots systemd under TCG (minutes)"
	exit 0
fi

e2e_setup $P $NET $SUBNET deb

# the tests' key (scripts/mkguest's, made by e2e_setup) goes into the guest
rc=0
outside_netns "$TOP/scripts/mkguest-debian" -q -o "$DEB_DIR" -k "$GUEST_DIR/id_ed25519" systemd \
	>"$T_TMP/built" 2>"$T_TMP/build.err" || rc=$?
if [ "$rc" -eq 3 ]; then
	t_skip "debian guest" "$(head -n 1 "$T_TMP/build.err")"
	exit 0
fi
if [ "$rc" -ne 0 ]; then
	t_fail "build the Debian 12 guest" "exit $rc: $(tail -n 3 "$T_TMP/build.err")"
	exit 1
fi
t_ok "build the Debian 12 guest"
cp "$GUEST_DIR/id_ed25519" "$T_TMP/key"
chmod 0600 "$T_TMP/key"

t_run "import it" 0 fvm import -q $IMG "$DEB_DIR/debian12-boot.raw" "$DEB_DIR/config-debian12-boot.xml"
t_run "create $IMG 42" 0 fvm create -q $IMG 42
t_run "start 42" 0 fvm start 42
t_run "wait for ssh" 0 fvm wait --state ssh --timeout 300 42

gssh() {
	ssh -q -i "$T_TMP/key" -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null \
		-o ConnectTimeout=10 -o BatchMode=yes root@192.168.$SUBNET.42 "$@"
}
# --wait: until the boot's jobs are done; degraded is a booted system too
t_run "ssh as root with the key" 0 gssh 'cat /proc/1/comm; systemctl is-system-running --wait; systemctl --version | head -n 1; cat /etc/machine-id'
t_eq "PID 1 is systemd" systemd "$(printf '%s\n' "$T_OUT" | sed -n 1p)"
t_match "the system is up" '^(running|degraded)$' "$(printf '%s\n' "$T_OUT" | sed -n 2p)"
t_match "Debian 12's systemd 252" '^systemd 252 ' "$(printf '%s\n' "$T_OUT" | sed -n 3p)"
t_match "first boot made a machine ID" '^[0-9a-f]{32}$' "$(printf '%s\n' "$T_OUT" | sed -n 4p)"

t_run "delete 42" 0 fvm delete -q 42
t_run "image-rm" 0 fvm image-rm -q $IMG
