#!/bin/bash
# tests/e2e/doctor.sh: fvm doctor finds and fixes leftovers; fast-vm-net-cleanup; the pool watermark; syslog lines.
#
# Runs inside the lab namespace on the dir storage. Each kind of leftover
# is planted behind fvm's back (virsh, rm, touch), doctor must report it
# with exit 1, --fix must remove it and a second doctor must exit 0.
set -u
# shellcheck source-path=SCRIPTDIR source=../lib.sh
. "$(dirname "$0")/../lib.sh"

# shellcheck source=common.bash
. "$(dirname "$0")/common.bash"

P=fvmt-doc-
NET=fvmtest-doc
SUBNET=140
IMG=dtest

e2e_setup $P $NET $SUBNET doc
e2e_image $IMG kernel

# a syslog of the test's own: every datagram fvm sends, one a line
LOGSOCK=$T_TMP/log.sock
python3 - "$LOGSOCK" "$T_TMP/syslog" <<'PY' &
import os, socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
open(sys.argv[1] + ".ready", "w").close()
with open(sys.argv[2], "a") as f:
    while True:
        f.write(s.recv(65536).decode(errors="replace") + "\n")
        f.flush()
PY
LOGPID=$!
t_on_exit "kill $LOGPID"
for _ in $(seq 50); do [ -e "$LOGSOCK.ready" ] && break; sleep 0.1; done
export FVM_SYSLOG_SOCKET=$LOGSOCK

leases() { v net-dhcp-leases "$NET"; }
hosts() { v net-dumpxml "$NET" | grep "<host mac="; }

# --- a clean host
t_run "doctor on a clean host exits 0" 0 fvm doctor
t_match "clean: summary" "^doctor: no problems" "$T_OUT"
t_run "doctor --json on a clean host" 0 fvm doctor --json
t_eq "clean: empty JSON array" "[]" "$(printf '%s' "$T_OUT" | tr -d ' \n')"

# --- plant one of each
t_run "create 41 44" 0 fvm create $IMG 41 44
me=$(id -un)
t_match "create is logged" "fvm\[[0-9]+\]: $me \|41\| VM '${P}$IMG-41' created from $IMG" "$(cat "$T_TMP/syslog")"

# a stale lease: boot 41 until it holds its lease, then undefine it
# behind fvm's back (its disk, reservation and lease stay)
have_lease=0
if fvm start 41 >/dev/null 2>&1; then
	for _ in $(seq 240); do
		leases | grep -q "192.168.$SUBNET.41/" && { have_lease=1; break; }
		sleep 1
	done
fi
v destroy $P$IMG-41 >/dev/null 2>&1
v undefine $P$IMG-41 >/dev/null
# a domain without its disk
rm -f "$store/vms/$P$IMG-44.qcow2"
# a reservation without a VM
v net-update $NET add-last ip-dhcp-host \
	"<host mac='52:54:00:aa:bb:45' ip='192.168.$SUBNET.45'/>" --live --config >/dev/null
# host keys of a VM that is gone
mkdir -p "$T_TMP/state/known_hosts"
echo "192.168.$SUBNET.46 ssh-ed25519 AAAA" >"$T_TMP/state/known_hosts/46"
# what an interrupted import leaves
touch "$store/.fvm-import-other.Ab12Cd"
truncate -s 1M "$store/images/fvm+import+other.raw"
touch "$T_TMP/etc/.config-other.xml.fvm-import"

t_run "doctor finds problems: exit 1" 1 fvm doctor
out=$T_OUT
t_lines "doctor: a failure says why on stderr, one line" 1 "$T_ERR"
t_match "doctor: stderr names the findings" "^fvm-doctor: error: [0-9]+ problems left: .*disk ${P}$IMG-41: VM disk without a domain" "$T_ERR"
t_match "disk without domain" "^disk +${P}$IMG-41 +VM disk without a domain +rm $store/vms/${P}$IMG-41.qcow2" "$out"
t_match "domain without disk" "^domain +${P}$IMG-44 +VM 44 has no disk .* +fvm delete 44" "$out"
t_match "reservation without VM (planted)" "^dhcp +192\.168\.$SUBNET\.45 52:54:00:aa:bb:45 +DHCP reservation for VM 45, which does not exist" "$out"
t_match "reservation without VM (undefined VM)" "^dhcp +192\.168\.$SUBNET\.41 " "$out"
t_match "known_hosts of a gone VM" "^known-hosts +$T_TMP/state/known_hosts/46 " "$out"
t_match "temp file in the store" "^temp +$store/\.fvm-import-other\.Ab12Cd +left by an interrupted import" "$out"
t_match "temp disk of an import" "^temp +fvm\+import\+other +image disk of an interrupted import" "$out"
t_match "staged template" "^temp +$T_TMP/etc/\.config-other\.xml\.fvm-import " "$out"
t_nomatch "the dummy host is no orphan" "52:54:00:99:ff:99" "$out"
if [ $have_lease = 1 ]; then
	t_match "stale lease" "^lease +192\.168\.$SUBNET\.41 " "$out"
else
	t_skip "stale lease" "the guest got no lease within 240 s"
fi
t_match "summary counts" "^doctor: [0-9]+ problems found; fvm doctor --fix repairs" "$out"

t_run "doctor --json exits 1" 1 fvm doctor --json
kinds=$(printf '%s' "$T_OUT" | python3 -c 'import json,sys; print(" ".join(sorted({f["kind"] for f in json.load(sys.stdin)})))')
want="dhcp disk domain known-hosts temp"
[ $have_lease = 1 ] && want="dhcp disk domain known-hosts lease temp"
t_eq "JSON: every kind" "$want" "$kinds"
t_eq "JSON: fields of a finding" "domain 44 fvm delete 44 True False" \
	"$(printf '%s' "$T_OUT" | python3 -c 'import json,sys
f=[f for f in json.load(sys.stdin) if f["kind"]=="domain"][0]
print(f["kind"], f["vm"], f["fix"], f["fixable"], f["fixed"])')"

# --- fix
t_run "doctor --fix exits 0" 0 fvm doctor --fix
t_match "fix: summary" "^doctor: [0-9]+ problems found, [0-9]+ fixed, 0 left" "$T_OUT"
t_match "fix: domain undefined" "^domain .* undefined$" "$T_OUT"
[ -e "$store/vms/$P$IMG-41.qcow2" ] && t_fail "fix: disk removed" "still there" || t_ok "fix: disk removed"
v dominfo $P$IMG-44 >/dev/null 2>&1 && t_fail "fix: domain undefined" "still defined" || t_ok "fix: domain undefined"
t_nomatch "fix: reservations removed" "192\.168\.$SUBNET\.(41|44|45)'" "$(hosts)"
t_match "fix: the dummy host stays" "52:54:00:99:ff:99" "$(hosts)"
[ -e "$T_TMP/state/known_hosts/46" ] && t_fail "fix: known_hosts removed" "still there" || t_ok "fix: known_hosts removed"
t_eq "fix: temp files removed" "" "$(ls -A "$store" | grep fvm-import; ls "$store/images" | grep 'fvm+import'; ls -A "$T_TMP/etc" | grep fvm-import)"
if [ $have_lease = 1 ]; then
	t_nomatch "fix: lease released" "192\.168\.$SUBNET\.41/" "$(leases)"
fi
t_match "fixes are logged" "\|44\| doctor fixed domain ${P}$IMG-44" "$(cat "$T_TMP/syslog")"
t_run "doctor after --fix exits 0" 0 fvm doctor
t_match "after fix: no problems" "^doctor: no problems" "$T_OUT"

# --- fast-vm-net-cleanup
v net-update $NET add-last ip-dhcp-host \
	"<host mac='52:54:00:aa:bb:47' ip='192.168.$SUBNET.47'/>" --live --config >/dev/null
t_run "fast-vm-net-cleanup" 0 fast-vm-net-cleanup
t_eq "fast-vm-net-cleanup: fast-vm's lines" "[inf] fixing fast-vm network $NET
[inf] deleting reservation for non-existing VM number 47" "$T_OUT"
t_nomatch "fast-vm-net-cleanup: entry gone" "192\.168\.$SUBNET\.47'" "$(hosts)"
t_match "fast-vm-net-cleanup: dummy stays" "52:54:00:99:ff:99" "$(hosts)"
t_run "fast-vm-net-cleanup: nothing left to do" 0 fast-vm-net-cleanup
t_eq "fast-vm-net-cleanup: one line when clean" "[inf] fixing fast-vm network $NET" "$T_OUT"

sed "s/^LIBVIRT_NETWORK=.*/LIBVIRT_NETWORK=fvmtest-nosuch/" "$T_TMP/fast-vm.conf" >"$T_TMP/nonet.conf"
t_run "fast-vm-net-cleanup: missing network exits 1" 1 env FVM_CONFIG="$T_TMP/nonet.conf" fast-vm-net-cleanup
t_match "fast-vm-net-cleanup: says so" "^\[err\] fvmtest-nosuch: cannot read its DHCP reservations" "$T_OUT"
t_run "doctor: missing network exits 1" 1 env FVM_CONFIG="$T_TMP/nonet.conf" fvm doctor
t_match "doctor: network finding" "^network +fvmtest-nosuch +cannot read its DHCP reservations.* +fvm configure +not fixable by fvm$" "$T_OUT"

# --- the pool watermark
cp "$T_TMP/fast-vm.conf" "$T_TMP/fast-vm.conf.orig"
echo "FVM_POOL_WATERMARK=1" >>"$T_TMP/fast-vm.conf"
t_run "create above the watermark exits 1" 1 fvm create $IMG 48
t_match "watermark: message names use and watermark" "fvm-create: error: store $store is [0-9.]+% used, above FVM_POOL_WATERMARK \(1%\)" "$T_ERR"
v dominfo $P$IMG-48 >/dev/null 2>&1 && t_fail "watermark: no domain" "defined" || t_ok "watermark: no domain"
[ -e "$store/vms/$P$IMG-48.qcow2" ] && t_fail "watermark: no disk" "made" || t_ok "watermark: no disk"
t_nomatch "watermark: no reservation" "192\.168\.$SUBNET\.48'" "$(hosts)"
truncate -s 1M "$T_TMP/small.raw"
t_run "import above the watermark exits 1" 1 fvm import wmark "$T_TMP/small.raw"
t_match "import: watermark message" "above FVM_POOL_WATERMARK" "$T_ERR"
t_eq "import: nothing in the store" "" "$(ls "$store/images" | grep wmark)"
t_run "doctor reports the pool above the watermark" 1 fvm doctor
t_match "doctor: pool finding" "^pool +$store +filesystem [0-9.]+% used, above FVM_POOL_WATERMARK \(1%\)" "$T_OUT"
cp "$T_TMP/fast-vm.conf.orig" "$T_TMP/fast-vm.conf"

# --- delete is logged too
t_run "create 49" 0 fvm create $IMG 49
t_run "delete 49" 0 fvm delete 49
t_match "delete is logged" "fvm\[[0-9]+\]: $me \|49\| VM '${P}$IMG-49' deleted" "$(cat "$T_TMP/syslog")"
t_match "log lines have syslog's header" "^<14>[A-Z][a-z]{2} [ 0-9]{2} [0-9:]{8} fvm\[" "$(cat "$T_TMP/syslog")"
