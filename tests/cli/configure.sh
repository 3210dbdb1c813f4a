#!/bin/sh
# tests/cli/configure.sh: fvm configure's answers, errors, file writing and checks against libvirt's test:///default.
. "$(dirname "$0")/../lib.sh"

CONF=$T_TMP/fast-vm.conf
unset FVM_CONFIG
# test:///default: a fresh in-memory libvirt per connection, with its
# network "default" on 192.168.122.0/24; the group root always exists
cf() {
	fvm configure --config "$CONF" --uri test:///default --sudoers none \
		--group root "$@"
}

# --- bad answers: one line, exit 2, nothing written
t_run "bad subnet exits 2" 2 cf --yes --storage dir --store-dir "$T_TMP/s" --subnet 256
t_lines "bad subnet: one line" 1 "$T_ERR"
t_eq "bad subnet message" "fvm-configure: error: subnet must be a number from 0 to 255, not '256'" "$T_ERR"
t_run "bad VG name exits 2" 2 cf --yes --storage lvm --vg 'my vg'
t_lines "bad VG name: one line" 1 "$T_ERR"
t_match "bad VG name message" "^fvm-configure: error: volume group may hold only .*'my vg'$" "$T_ERR"
t_run "bad storage exits 2" 2 cf --yes --storage zfs
t_run "relative store dir exits 2" 2 cf --yes --storage dir --store-dir rel/dir
t_match "relative store dir message" "store directory must be an absolute path" "$T_ERR"
t_run "bad prefix exits 2" 2 cf --yes --storage dir --store-dir "$T_TMP/s" --prefix '-x'
t_run "bad owner-only exits 2" 2 cf --yes --storage dir --store-dir "$T_TMP/s" --owner-only-delete maybe
t_run "stray argument exits 2" 2 cf --yes extra
[ ! -e "$CONF" ] && t_ok "nothing written after bad answers" ||
	t_fail "nothing written after bad answers" "$CONF exists"
[ ! -e "$T_TMP/s" ] && t_ok "no store after bad answers" ||
	t_fail "no store after bad answers" "$T_TMP/s exists"

# --- an existing network with another subnet: conflict, nothing written
t_run "network of another subnet exits 4" 4 cf --yes --storage dir \
	--store-dir "$T_TMP/s" --network default --subnet 136
t_match "conflict names both subnets" "network default exists with subnet 192\.168\.122\.0/24, not 192\.168\.136\.0/24" "$T_ERR"
[ ! -e "$CONF" ] && t_ok "conflict: nothing written" || t_fail "conflict: nothing written" "$CONF exists"
[ ! -e "$T_TMP/s" ] && t_ok "conflict: store directory undone" ||
	t_fail "conflict: store directory undone" "$T_TMP/s left"

# --- the existing network of the same subnet is used as it is
t_run "configure --yes on test:///default" 0 cf --yes --storage dir \
	--store-dir "$T_TMP/s" --network default --subnet 122 --prefix cf-
t_match "checks: table" "^RESULT +CHECK +DETAIL$" "$(printf '%s\n' "$T_OUT" | head -n 1)"
t_match "checks: network" "^ok +network +default 192\.168\.122\.0/24 active" "$T_OUT"
t_match "checks: sudo rule skipped" "^skipped +sudoers +not asked for$" "$T_OUT"
t_nomatch "checks: none failed" FAILED "$T_OUT"
t_eq "config as fast-vm writes it" "# fast-vm and fvm configuration (fvm.conf(5)), written by fvm configure
VM_PREFIX=cf-
FASTVM_GROUP=root
LIBVIRT_NETWORK=default
SUBNET_NUMBER=122
FASTVM_OWNER_ONLY_DELETE=no
FASTVM_APPLIANCE=import
FVM_STORAGE=dir
FVM_STORE_DIR=$T_TMP/s
FVM_URI=test:///default" "$(cat "$CONF")"
t_eq "config mode" 644 "$(stat -c %a "$CONF")"

# --- comments and other keys stay; a changed answer is changed in place
printf '# my note\nFVM_DOMAIN_TYPE=qemu\n' >>"$CONF"
chmod 0640 "$CONF"
t_run "re-run with another prefix" 0 cf --yes --prefix cf2- --keydist-password 'pa ss'
t_eq "rewritten file keeps its mode" 640 "$(stat -c %a "$CONF")"
t_match "prefix changed in place" "^# fast-vm and fvm configuration.*
VM_PREFIX=cf2-
FASTVM_GROUP=root" "$(cat "$CONF")"
t_match "comment kept" "^# my note$" "$(cat "$CONF")"
t_match "other key kept" "^FVM_DOMAIN_TYPE=qemu$" "$(cat "$CONF")"
t_match "value with a blank quoted" "^FASTVM_KEYDIST_PASSWORD='pa ss'$" "$(cat "$CONF")"
FVM_CONFIG=$CONF t_run "fvm reads it back" 0 fvm config FASTVM_KEYDIST_PASSWORD VM_PREFIX
t_eq "values read back" "pa ss
cf2-" "$T_OUT"
t_run "keydist none removes the password" 0 cf --yes --keydist-password none
t_nomatch "password gone" "KEYDIST" "$(cat "$CONF")"

# --- the keydist password from a file or descriptor, never an argv
printf '%s\n' 'fi le$pw' 'second line' >"$T_TMP/kdpw"
t_run "--keydist-password-file" 0 cf --yes -q --keydist-password-file "$T_TMP/kdpw"
t_match "password file: its first line" "^FASTVM_KEYDIST_PASSWORD='fi le\\\$pw'$" "$(cat "$CONF")"
FVM_CONFIG=$CONF t_run "password file: read back" 0 fvm config FASTVM_KEYDIST_PASSWORD
t_eq "password file: value" 'fi le$pw' "$T_OUT"
printf 'fd-pass\n' >"$T_TMP/kdfd"
t_run "--keydist-password-fd" 0 sh -c "exec 5<'$T_TMP/kdfd'; fvm configure --config '$CONF' --uri test:///default --sudoers none --group root --yes -q --keydist-password-fd 5"
FVM_CONFIG=$CONF t_run "password fd: read back" 0 fvm config FASTVM_KEYDIST_PASSWORD
t_eq "password fd: value" fd-pass "$T_OUT"
cp "$CONF" "$T_TMP/conf.before"
t_run "password option and file" 2 cf --yes --keydist-password x --keydist-password-file "$T_TMP/kdpw"
t_match "option and file: message" "^fvm-configure: error: --keydist-password, --keydist-password-file and --keydist-password-fd exclude each other$" "$(head -n 1 "$T_TMP/err")"
: >"$T_TMP/kdempty"
t_run "empty password file" 1 cf --yes --keydist-password-file "$T_TMP/kdempty"
t_eq "empty password file: one line" "fvm-configure: error: $T_TMP/kdempty holds no password (its first line is empty)" "$T_ERR"
t_run "missing password file" 1 cf --yes --keydist-password-file "$T_TMP/nope"
t_lines "missing password file: one line" 1 "$T_ERR"
t_match "missing password file: message" "^fvm-configure: error: cannot open password file $T_TMP/nope: " "$T_ERR"
if cmp -s "$CONF" "$T_TMP/conf.before"; then t_ok "refused password: config unchanged"; else t_fail "refused password: config unchanged" "$(diff "$T_TMP/conf.before" "$CONF")"; fi
t_run "keydist none again" 0 cf --yes -q --keydist-password none

# --- --json and -q
t_run "--json" 0 cf --yes --json
t_eq "--json: one object per check" "config libvirt storage network group sudoers appliance" \
	"$(printf '%s' "$T_OUT" | python3 -c 'import json,sys; print(" ".join(c["check"] for c in json.load(sys.stdin)))')"
t_run "-q prints nothing" 0 cf --yes -q
t_eq "-q: no output" "" "$T_OUT"

# --- a failing check: exit 1, named
t_run "missing appliance directory fails its check" 1 cf --yes --appliance "$T_TMP/noappliance"
t_match "appliance FAILED" "^FAILED +appliance +no fixed appliance in $T_TMP/noappliance" "$T_OUT"
t_run "back to libguestfs's own appliance" 0 cf --yes --appliance import

# --- interactive: answers on stdin, confirmation asked for a new network
printf '%s\n' dir "$T_TMP/s2" cf3- "" fvmtest-cf 136 yes "" "" y >"$T_TMP/answers"
rc=0
fvm configure --config "$T_TMP/i.conf" --uri test:///default --sudoers none \
	--group root <"$T_TMP/answers" >"$T_TMP/out" 2>"$T_TMP/err" || rc=$?
t_eq "interactive exits 0" 0 "$rc"
t_match "asks to define the network" "^\[\?\] Network fvmtest-cf is not defined in libvirt, define now\? \(y/n\) y$" "$(cat "$T_TMP/err")"
t_match "interactive answers written" "^SUBNET_NUMBER=136$" "$(cat "$T_TMP/i.conf" 2>/dev/null)"
printf '%s\n' dir "$T_TMP/s3" cf3- "" fvmtest-cf 136 yes "" "" n >"$T_TMP/answers"
rc=0
fvm configure --config "$T_TMP/n.conf" --uri test:///default --sudoers none \
	--group root <"$T_TMP/answers" >"$T_TMP/out" 2>"$T_TMP/err" || rc=$?
t_eq "network refused: exit 1" 1 "$rc"
t_match "network refused: its check fails" "^FAILED +network +no network fvmtest-cf$" "$(cat "$T_TMP/out")"
# the input ends before the last answer: nothing written
printf '%s\n' dir "$T_TMP/s4" cf4- >"$T_TMP/answers"
rc=0
fvm configure --config "$T_TMP/e.conf" --uri test:///default --sudoers none \
	<"$T_TMP/answers" >"$T_TMP/out" 2>"$T_TMP/err" || rc=$?
t_eq "end of input: exit 1" 1 "$rc"
t_match "end of input: says so" "fvm-configure: error: no answer to 'group' \(end of input\): nothing was changed" "$(cat "$T_TMP/err")"
[ ! -e "$T_TMP/e.conf" ] && [ ! -e "$T_TMP/s4" ] && t_ok "end of input: nothing written" ||
	t_fail "end of input: nothing written" "config or store made"

# --- configure-fast-vm: fast-vm's questions on stdout
printf '%s\n' "" "" "" "" "" "" "" "" "" >"$T_TMP/answers"
rc=0
FVM_CONFIG=$CONF configure-fast-vm --uri test:///default --sudoers none \
	<"$T_TMP/answers" >"$T_TMP/out" 2>"$T_TMP/err" || rc=$?
t_eq "configure-fast-vm exits 0" 0 "$rc"
t_match "fast-vm's subnet question" "^\[\?\] Libvirt subnet number \(192\.168\.XX\.0/24\) $" "$(cat "$T_TMP/out")"
t_match "fast-vm's last line" "^\[ok\] fast-vm configured$" "$(tail -n 1 "$T_TMP/out")"

# configure-fast-vm on a new host: fast-vm's LVM questions from the first;
# a VG that is not there is reported and everything asked again
printf '%s\n' novg "" "" "" "" "" "" "" "" "" >"$T_TMP/answers"
rc=0
configure-fast-vm --config "$T_TMP/new.conf" --uri test:///default --sudoers none \
	<"$T_TMP/answers" >"$T_TMP/out" 2>"$T_TMP/err" || rc=$?
t_eq "configure-fast-vm, missing VG: exit 1 at the end of input" 1 "$rc"
t_match "first question is fast-vm's VG question" "^\[\?\] VG for LVM thin pool$" "$(sed -n 5p "$T_TMP/out")"
t_match "missing VG reported as fast-vm did" "^\[err\] VG 'novg' not found$" "$(cat "$T_TMP/out")"
t_eq "asked again from the VG question" 2 "$(grep -c '^\[?\] VG for LVM thin pool' "$T_TMP/out")"
[ ! -e "$T_TMP/new.conf" ] && t_ok "missing VG: nothing written" ||
	t_fail "missing VG: nothing written" "$T_TMP/new.conf exists"

# --- no libvirt: exit 1 before any question
t_run "no libvirt exits 1" 1 fvm configure --config "$T_TMP/x.conf" --uri "qemu+unix:///system?socket=$T_TMP/nosock" --yes
t_lines "no libvirt: one line" 1 "$T_ERR"
