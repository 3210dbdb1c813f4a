#!/bin/bash
# tests/e2e/access.sh: ssh, scp, console and keydist against real guests of the lab's libvirtd.
#
# Runs inside the lab namespace (tests/run: scripts/lab exec), so ssh
# reaches the guests. rsync is not in the test guest: its argv is checked
# by tests/cli/access.sh only. Password logins are off in the guest
# (dropbear -s), so keydist is tested on a stopped VM (libguestfs).
set -u
# shellcheck source-path=SCRIPTDIR source=../lib.sh
. "$(dirname "$0")/../lib.sh"

# shellcheck source=common.bash
. "$(dirname "$0")/common.bash"

NET=fvmtest-acc
SUBNET=126
IMG=atest
# a prefix of its own: other tests on the same lab use VM numbers too
PFX=fvmacc-
IP42=192.168.$SUBNET.42
TMUX_SOCK=$T_TMP/tmux.sock

e2e_setup $PFX $NET $SUBNET acc
t_on_exit "tmux -S '$TMUX_SOCK' kill-server"
e2e_image $IMG
# a disk with nothing on it: the VM runs but never boots an OS
truncate -s 16M "$store/images/${PFX}aempty.raw"
cp "$GUEST_DIR/config-fvm-test-boot.xml" "$T_TMP/etc/config-aempty.xml"
# the guest image authorises this key: make it fvm's
cp "$GUEST_DIR/id_ed25519" "$T_TMP/state/id_fvm"
cp "$GUEST_DIR/id_ed25519.pub" "$T_TMP/state/id_fvm.pub"
chmod 0600 "$T_TMP/state/id_fvm"
KH42=$T_TMP/state/known_hosts/42

# --- ssh waits for a booting guest
t_run "create 42 and 43" 0 fvm create -q $IMG 42-43
t_run "start 42 and 43" 0 fvm start -q 42-43
t0=$(date +%s)
t_run "ssh right after start waits for the guest" 0 fvm ssh --timeout 240 42 -- hostname
t_eq "ssh runs the command" "fvm-test" "$T_OUT"
echo "# guest answered ssh $(($(date +%s) - t0)) s after start"
t_eq "first host key recorded in VM 42's own file" 1 "$(grep -c "^$IP42 ssh-" "$KH42" 2>/dev/null)"
t_run "ssh exit status: false" 1 fvm ssh 42 -- false
t_run "ssh exit status: test -f" 0 fvm ssh 42 -- test -f /etc/hostname
t_run "ssh exit status: test -f of a missing file" 1 fvm ssh 42 test -f /nonexistent
t_run "options end at N" 0 fvm ssh 42 ls -d /etc
t_eq "remote ls -d" "/etc" "$T_OUT"

# --- several VMs in parallel
t_run "ssh on 42-43" 0 fvm ssh --timeout 240 42-43 -- cat /etc/hostname
t_match "[42] line" '^\[42\] fvm-test$' "$T_OUT"
t_match "[43] line" '^\[43\] fvm-test$' "$T_OUT"
t_match "summary" "2 of 2 succeeded" "$T_ERR"
t_run "ssh on 42-43 with a failure" 1 fvm ssh 42,43 -- test -e /nonexistent
t_match "failure summary" "0 of 2 succeeded, failed: 42 43" "$T_ERR"

# --- scp both ways, names with blanks
mkdir -p "$T_TMP/in dir" "$T_TMP/out dir"
echo "payload $$" >"$T_TMP/in dir/my file.txt"
t_run "scp to the VM" 0 fvm scp 42 "$T_TMP/in dir/my file.txt" "vm:/tmp/copied file.txt"
t_run "file arrived" 0 fvm ssh 42 -- cat "'/tmp/copied file.txt'"
t_eq "file content on the VM" "payload $$" "$T_OUT"
t_run "scp from the VM" 0 fvm scp 42 "vm:/tmp/copied file.txt" "$T_TMP/out dir/"
t_eq "file content back" "payload $$" "$(cat "$T_TMP/out dir/copied file.txt" 2>/dev/null)"
t_run "scp of a missing file fails" 1 fvm scp 42 "vm:/tmp/none here" "$T_TMP/out dir/"

# --- host keys: a changed key on the same VM is refused
cp "$KH42" "$T_TMP/kh42.real"
ssh-keygen -q -t ed25519 -N '' -f "$T_TMP/other" >/dev/null
echo "$IP42 $(cut -d' ' -f1,2 "$T_TMP/other.pub")" >"$KH42"
t_run "changed host key refused" 255 fvm ssh 42 -- true
t_match "mismatch reported" "REMOTE HOST IDENTIFICATION HAS CHANGED|Host key verification failed" "$T_ERR"
cp "$T_TMP/kh42.real" "$KH42"
t_run "recorded key accepted again" 0 fvm ssh 42 -- true

# --- phases on timeout
t_run "stop 43" 0 fvm stop -q 43
t_run "ssh to a stopped VM" 1 fvm ssh --timeout 2 43 -- true
t_match "stopped VM named" "VM 43 is shut off" "$T_ERR"
t_run "create a VM with an empty disk" 0 fvm create -q aempty 44
t_run "start it" 0 fvm start -q 44
t_run "ssh to a guest that never boots times out" 1 fvm ssh --timeout 4 44 -- true
t_match "timeout names the phase" "VM 44: no ssh on 192\.168\.$SUBNET\.44 after 4 s \(no DHCP lease yet\)" "$T_ERR"
t_run "delete 44" 0 fvm delete -q 44

# --- re-created VM: new host key accepted without a prompt
t_run "delete 42" 0 fvm delete -q 42
[ -e "$KH42" ] && t_fail "delete forgets the host key" "still there" || t_ok "delete forgets the host key"
cp "$T_TMP/kh42.real" "$KH42"
t_run "re-create 42" 0 fvm create -q $IMG 42
[ -e "$KH42" ] && t_fail "create forgets a stale host key" "still there" || t_ok "create forgets a stale host key"
t_run "start 42" 0 fvm start -q 42
t_run "ssh to the new VM 42" 0 fvm ssh --timeout 240 42 -- hostname
t_eq "new VM answers" "fvm-test" "$T_OUT"
t_match "no prompt or warning" "^$" "$T_ERR"
if cmp -s "$KH42" "$T_TMP/kh42.real"; then
	t_fail "new host key recorded" "same key as the old VM"
else
	t_ok "new host key recorded"
fi

# --- console in a terminal: login, a command, Ctrl-] back with the terminal as before
tm() { tmux -S "$TMUX_SOCK" "$@"; }
# wait_screen TEXT: until the pane shows TEXT (30 s)
wait_screen() {
	for _ in $(seq 300); do
		tm capture-pane -p -t acc 2>/dev/null | grep -q -- "$1" && return 0
		sleep 0.1
	done
	return 1
}
tm new-session -d -s acc -x 120 -y 40 "env PS1='$ ' bash --norc --noprofile"
tm send-keys -t acc "stty -a >'$T_TMP/stty.before'; fvm console 42; echo console-rc=\$?; stty -a >'$T_TMP/stty.after'" Enter
wait_screen "Escape character" && t_ok "console connected" || t_fail "console connected" "$(tm capture-pane -p -t acc)"
tm send-keys -t acc Enter
wait_screen "login:" && t_ok "console login prompt" || t_fail "console login prompt" "$(tm capture-pane -p -t acc | tail -5)"
tm send-keys -t acc root Enter
wait_screen "assword" && tm send-keys -t acc fvm Enter
tm send-keys -t acc 'echo answer-$((6*7))' Enter
wait_screen "answer-42" && t_ok "console command output seen" || t_fail "console command output seen" "$(tm capture-pane -p -t acc | tail -5)"
t_run "a second console is refused" 4 fvm console 42
t_match "refusal suggests --force" "\-\-force" "$T_ERR"
tm send-keys -t acc C-]
wait_screen "console-rc=0" && t_ok "Ctrl-] leaves the console" || t_fail "Ctrl-] leaves the console" "$(tm capture-pane -p -t acc | tail -5)"
for _ in $(seq 50); do [ -s "$T_TMP/stty.after" ] && break; sleep 0.1; done
t_eq "terminal restored (stty -a)" "$(cat "$T_TMP/stty.before")" "$(cat "$T_TMP/stty.after")"
# --force takes over: the first session ends, its terminal restored
rm -f "$T_TMP/stty.after"
tm send-keys -t acc "clear; fvm console 42; echo console-rc=\$?; stty -a >'$T_TMP/stty.after'" Enter
wait_screen "Escape character" || :
sleep 0.5
t_run "console --force takes over" 0 fvm console --force 42
wait_screen "console-rc=" && t_ok "taken-over console returns" || t_fail "taken-over console returns" "$(tm capture-pane -p -t acc | tail -5)"
for _ in $(seq 50); do [ -s "$T_TMP/stty.after" ] && break; sleep 0.1; done
t_eq "terminal restored after take-over" "$(cat "$T_TMP/stty.before")" "$(cat "$T_TMP/stty.after")"
tm kill-server >/dev/null 2>&1
# SIGTERM restores the terminal too
rm -f "$T_TMP/stty.after"
tm new-session -d -s acc -x 120 -y 40 "env PS1='$ ' bash --norc --noprofile"
tm send-keys -t acc "stty -a >'$T_TMP/stty.before2'; fvm console 42; echo console-rc=\$?; stty -a >'$T_TMP/stty.after'" Enter
wait_screen "Escape character" || :
sleep 0.5
pkill_pid=$(pgrep -n -f "^fvm console 42$")
[ -n "$pkill_pid" ] && kill -TERM "$pkill_pid"
wait_screen "console-rc=1" && t_ok "SIGTERM ends the console" || t_fail "SIGTERM ends the console" "$(tm capture-pane -p -t acc | tail -5)"
for _ in $(seq 50); do [ -s "$T_TMP/stty.after" ] && break; sleep 0.1; done
t_eq "terminal restored after SIGTERM" "$(cat "$T_TMP/stty.before2")" "$(cat "$T_TMP/stty.after")"
tm kill-server >/dev/null 2>&1

# --- keydist on a stopped VM with a new key, then ssh with it
t_run "stop 42" 0 fvm stop -q 42
mv "$T_TMP/state/id_fvm" "$T_TMP/guest.key"
mv "$T_TMP/state/id_fvm.pub" "$T_TMP/guest.key.pub"
t_run "keydist makes a key and installs it offline" 0 fvm keydist 42
t_match "keydist says it made a key" "generating a new ssh key" "$T_ERR"
t_match "keydist installed offline" "VM 42: key installed \(offline\)" "$T_OUT"
[ -s "$T_TMP/state/id_fvm" ] && t_ok "new key at FVM_STATE_DIR/id_fvm" || t_fail "new key at FVM_STATE_DIR/id_fvm" "missing"
cmp -s "$T_TMP/state/id_fvm.pub" "$T_TMP/guest.key.pub" && t_fail "key is new" "same as the guest's" || t_ok "key is new"
t_run "start --ssh logs in with the new key" 0 fvm start --ssh 42
t_run "ssh with the new key" 0 fvm ssh --timeout 240 42 -- cat /root/.ssh/authorized_keys
t_eq "new key in authorized_keys" 1 "$(printf '%s\n' "$T_OUT" | grep -cF "$(cut -d' ' -f2 "$T_TMP/state/id_fvm.pub")")"
t_eq "old key kept" 1 "$(printf '%s\n' "$T_OUT" | grep -cF "$(cut -d' ' -f2 "$T_TMP/guest.key.pub")")"
# as with ssh, the words of the command meet the guest's shell joined
t_run "authorized_keys mode and owner" 0 fvm ssh 42 -- "stat -c '%a %u' /root/.ssh /root/.ssh/authorized_keys"
t_eq "modes" "700 0
600 0" "$T_OUT"
t_run "keydist on the running VM: nothing to do" 0 fvm keydist 42
t_match "key works already" "VM 42: key works already" "$T_OUT"

t_run "delete the VMs" 0 fvm delete -q 42-43
