#!/bin/bash
# tests/cli/keydist.sh: keydist's --password-file and --password-fd: argument checks, unreadable and empty files, and the password kept out of every child's argv.
#
# libvirt's test driver holds a running VM 42 (test:///node.xml). Its
# address, 192.168.131.42, is put on the loopback of a network namespace
# of the test's own, where a stand-in answers on port 22 with an ssh
# banner; stand-ins for ssh, sshpass and ssh-copy-id record their argv
# and environment. No guest, no network outside the namespace.
# shellcheck source-path=SCRIPTDIR source=../lib.sh
. "$(dirname "$0")/../lib.sh"

STATE=$T_TMP/state
cat >"$T_TMP/node.xml" <<EOF
<node>
  <domain type='test' xmlns:test='http://libvirt.org/schemas/domain/test/1.0'>
    <name>fvmkd-c7-42</name>
    <title>042 root</title>
    <description>1,root,$(date +%s),---,</description>
    <memory unit='KiB'>262144</memory>
    <os><type arch='x86_64'>hvm</type></os>
    <test:runstate>1</test:runstate>
  </domain>
</node>
EOF
cat >"$T_TMP/fast-vm.conf" <<EOF
VM_PREFIX=fvmkd-
SUBNET_NUMBER=131
FVM_URI=test://$T_TMP/node.xml
FVM_STATE_DIR=$STATE
FVM_STORE_DIR=$T_TMP/store
EOF
export FVM_CONFIG=$T_TMP/fast-vm.conf FVM_USER_DIR=$T_TMP/user \
	FVM_SYSTEM_DIR=$T_TMP/etc FVM_LOCK_DIR=$T_TMP/locks
mkdir -p "$FVM_LOCK_DIR" "$STATE"
# a key is there already: keydist makes none
: >"$STATE/id_fvm"
echo "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIKeydistTestKeyOnly fvm" >"$STATE/id_fvm.pub"

PW='s3cret pass-42'
printf '%s\nsecond line\n' "$PW" >"$T_TMP/pw"
: >"$T_TMP/empty"
printf '\nnot the first line\n' >"$T_TMP/blankline"

# --- what needs no VM: arguments and the file
t_run "--password-file and --password-fd" 2 fvm keydist --password-file "$T_TMP/pw" --password-fd 0 42
t_match "both: message" "^fvm-keydist: error: --password-file and --password-fd exclude each other$" "$(head -n 1 "$T_TMP/err")"
t_run "--password-fd not a number" 2 fvm keydist --password-fd x 42
t_run "--password-fd negative" 2 fvm keydist --password-fd -1 42
t_run "--password-file without FILE" 2 fvm keydist --password-file
t_run "missing password file" 1 fvm keydist --password-file "$T_TMP/nope" 42
t_eq "missing: one line" "fvm-keydist: error: cannot open password file $T_TMP/nope: No such file or directory" "$T_ERR"
t_run "password file is a directory" 1 fvm keydist --password-file "$T_TMP" 42
t_lines "directory: one line" 1 "$T_ERR"
t_match "directory: message" "^fvm-keydist: error: cannot read the password from $T_TMP: " "$T_ERR"
t_run "empty password file" 1 fvm keydist --password-file "$T_TMP/empty" 42
t_eq "empty: one line" "fvm-keydist: error: $T_TMP/empty holds no password (its first line is empty)" "$T_ERR"
t_run "first line empty" 1 fvm keydist --password-file "$T_TMP/blankline" 42
t_match "first line empty: message" "holds no password" "$T_ERR"
t_run "descriptor not open" 1 fvm keydist --password-fd 9 42
t_eq "descriptor not open: one line" "fvm-keydist: error: cannot read the password from descriptor 9: Bad file descriptor" "$T_ERR"
head -c 5000 /dev/zero | tr '\0' x >"$T_TMP/long"
t_run "password longer than 4096 bytes" 1 fvm keydist --password-file "$T_TMP/long" 42
t_match "too long: message" "longer than 4096 bytes" "$T_ERR"
t_run "password read before the VM is looked up" 3 fvm keydist --password-file "$T_TMP/pw" 43
t_match "no VM 43" "no VM with number 43" "$T_ERR"

# --- the password reaches sshpass, and no argv
if ! command -v python3 >/dev/null || ! command -v ip >/dev/null; then
	t_skip "keydist over ssh" "python3 or ip is not installed"
	exit 0
fi
if unshare -n true 2>/dev/null; then
	NS=(unshare -n)
elif unshare -rn true 2>/dev/null; then
	NS=(unshare -rn)
else
	t_skip "keydist over ssh" "no network namespace to be had (unshare -n)"
	exit 0
fi

R=$T_TMP/rec
mkdir -p "$T_TMP/fake" "$R"
# ssh fails: the key does not work yet, so keydist turns to sshpass
printf '#!/bin/sh\nexit 255\n' >"$T_TMP/fake/ssh"
# sshpass and ssh-copy-id: their argv one per line, and the environment
cat >"$T_TMP/fake/sshpass" <<EOF
#!/bin/sh
printf '%s\n' "\$@" >"$R/sshpass.argv"
env >"$R/sshpass.env"
shift
"\$@" || exit \$?
exit \${FAKE_RC:-0}
EOF
cat >"$T_TMP/fake/ssh-copy-id" <<EOF
#!/bin/sh
printf '%s\n' "\$@" >"$R/ssh-copy-id.argv"
EOF
chmod +x "$T_TMP/fake/"*
cat >"$T_TMP/banner.py" <<'EOF'
import socket, sys
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind((sys.argv[1], 22))
s.listen(16)
open(sys.argv[2], "w").close()
while True:
    c, _ = s.accept()
    c.sendall(b"SSH-2.0-OpenSSH_9.2 stand-in\r\n")
    c.close()
EOF
# innet CMD...: CMD in the namespace, the guest's address answering ssh
cat >"$T_TMP/innet" <<EOF
#!/bin/bash
ip link set lo up && ip addr add 192.168.131.42/32 dev lo || exit 99
rm -f "$T_TMP/ready"
python3 "$T_TMP/banner.py" 192.168.131.42 "$T_TMP/ready" &
for _ in \$(seq 100); do [ -e "$T_TMP/ready" ] && break; sleep 0.05; done
rc=0
PATH="$T_TMP/fake:\$PATH" "\$@" || rc=\$?
kill \$!
exit \$rc
EOF
chmod +x "$T_TMP/innet"

# record CHECK: the password in no recorded argv, and in sshpass's SSHPASS
record() {
	if [ -s "$R/sshpass.argv" ] && [ -s "$R/ssh-copy-id.argv" ]; then
		t_ok "$1: sshpass and ssh-copy-id ran"
	else
		t_fail "$1: sshpass and ssh-copy-id ran" "no record in $R"
	fi
	t_eq "$1: sshpass -e (the environment)" "-e" "$(head -n 1 "$R/sshpass.argv" 2>&1)"
	if grep -qF -- "s3cret" "$R/sshpass.argv" "$R/ssh-copy-id.argv"; then
		t_fail "$1: password in no argv" "$(cat "$R"/*.argv)"
	else
		t_ok "$1: password in no argv"
	fi
	t_eq "$1: SSHPASS is the first line" "SSHPASS=$PW" "$(grep '^SSHPASS=' "$R/sshpass.env" 2>&1)"
	t_match "$1: ssh-copy-id for root at the VM" "^root@192\.168\.131\.42$" "$(cat "$R/ssh-copy-id.argv" 2>&1)"
}

rm -f "$R"/*
t_run "--password-file" 0 "${NS[@]}" "$T_TMP/innet" fvm keydist -t 10 --password-file "$T_TMP/pw" 42
t_eq "--password-file: installed" "VM 42: key installed; log in with 'fvm ssh 42'" "$T_OUT"
t_eq "--password-file: nothing on stderr" "" "$T_ERR"
record "--password-file"

rm -f "$R"/*
t_run "--password-fd" 0 "${NS[@]}" bash -c "exec 7<'$T_TMP/pw'; exec '$T_TMP/innet' fvm keydist -q -t 10 --password-fd 7 42"
record "--password-fd"

rm -f "$R"/*
t_run "--password-fd 0" 0 "${NS[@]}" bash -c "exec '$T_TMP/innet' fvm keydist -q -t 10 --password-fd 0 42 <'$T_TMP/pw'"
record "--password-fd 0"

# the configured password goes the same way
cp "$FVM_CONFIG" "$T_TMP/pw.conf"
printf "FASTVM_KEYDIST_PASSWORD='%s'\n" "$PW" >>"$T_TMP/pw.conf"
rm -f "$R"/*
t_run "FASTVM_KEYDIST_PASSWORD" 0 env FVM_CONFIG="$T_TMP/pw.conf" "${NS[@]}" "$T_TMP/innet" fvm keydist -q -t 10 42
record "FASTVM_KEYDIST_PASSWORD"

# a password that does not work: one line naming it, nothing asked
rm -f "$R"/*
t_run "wrong password" 1 env FAKE_RC=5 "${NS[@]}" "$T_TMP/innet" fvm keydist -q -t 10 --password-file "$T_TMP/pw" 42
t_eq "wrong password: one line" "fvm-keydist: error: VM 42: ssh-copy-id with the password of $T_TMP/pw failed" "$T_ERR"
exit 0
