#!/bin/bash
# tests/e2e/compat.sh: the fast-vm personality against the lab's libvirtd: formats, metadata, fast-vm-made VMs (define only, no boot).
#
# Runs inside the lab namespace (tests/run: scripts/lab exec). virsh plays
# fast-vm where a VM must look as fast-vm made it, and inspects results.
set -u
# shellcheck source-path=SCRIPTDIR source=../lib.sh
. "$(dirname "$0")/../lib.sh"

# shellcheck source=common.bash
. "$(dirname "$0")/common.bash"

P=fvmt-cp-
NET=fvmtest-cp
SUBNET=128
IMG=ctest
ME=$(id -un)

domains() { v list --all --name | grep -c "^$P$IMG-" ; }

e2e_setup $P $NET $SUBNET compat
e2e_image $IMG kernel

# --- create: fast-vm's names, metadata and messages
t_run "fast-vm create of a missing image exits 2" 2 fast-vm create nosuch 42
t_run "fast-vm create $IMG 42" 0 fast-vm create $IMG 42
t_eq "create messages" "[42][inf] using file $T_TMP/etc/config-$IMG.xml as libvirt XML
[42][inf] defining virtual machine '$P$IMG-42' in libvirt
[42][ok] VM '$P$IMG-42' created" "$T_OUT"
t_eq "domain name as fast-vm's" "$P$IMG-42" "$(v list --all --name | grep "^$P$IMG-42$")"
t_eq "title as fast-vm writes it" "042 $ME" "$(v desc --title $P$IMG-42)"
t_match "description as fast-vm writes it" "^1,$ME,[0-9]{10},---,$" "$(v desc $P$IMG-42)"
t_run "create 42 again exits 1" 1 fast-vm create $IMG 42
t_run "fast-vm create $IMG '43 44'" 0 fast-vm create $IMG '43 44'
t_match "multi create: each VM" "^\[43\]\[ok\] VM '$P$IMG-43' created" "$T_OUT"
t_eq "multi create: summary" "[__][ok] All operations returned successfully" "$(printf '%s\n' "$T_OUT" | tail -n 1)"
t_eq "three domains" 3 "$(domains)"

# an XML given on the command line, as fast-vm's 4th argument
sed 's/<memory[^<]*<\/memory>/<memory unit="KiB">262144<\/memory>/' \
	"$T_TMP/etc/config-$IMG.xml" >"$T_TMP/other.xml"
t_run "create with an XML argument" 0 fast-vm create $IMG 45 "$T_TMP/other.xml"
t_match "the given XML was used" "<memory unit='KiB'>262144</memory>" "$(v dumpxml $P$IMG-45)"
t_run "create with a missing XML argument exits 2" 2 fast-vm create $IMG 46 "$T_TMP/nosuch.xml"

# --- a VM as fast-vm left it: defined by virsh, its metadata by virsh
sed -e "s/VM_NAME/$P$IMG-50/g" -e "s/LIBVIRT_NETWORK/$NET/g" -e "s/VM_NUMBER/50/g" \
	-e "s/VM_HEX_NUMBER/32/g" -e "s/IMAGE_NAME/$IMG/g" -e "s/THINPOOL_VG/none/g" \
	"$T_TMP/etc/config-$IMG.xml" >"$T_TMP/fastvm-50.xml"
v define "$T_TMP/fastvm-50.xml" >/dev/null && t_ok "fast-vm's VM defined" || t_fail "fast-vm's VM defined" "virsh define"
v desc --config $P$IMG-50 --title --new-desc "050 alice made by fast-vm" >/dev/null
v desc --config $P$IMG-50 -- "1,alice,$(( $(date +%s) - 3 * 86400 )),prof1,made by fast-vm" >/dev/null

# --- list: fast-vm's printf formats, column for column
t_run "fast-vm list" 0 fast-vm list
hdr=$(printf "%3s %-15s %-12s %-15s %-13s  %-8s  %s" "VM#" "Image name" "Status" "Profile_name" "Size( %used )" "Activity" "Notes")
t_eq "list header" "$hdr" "$(printf '%s\n' "$T_OUT" | sed -n 1p)"
row50=$(printf '%s\n' "$T_OUT" | grep '^ 50 ')
want=$(printf "%-32s %-15s %-13s  %8s  %-s" "$(printf '%3s %-15s %s %s' 50 $IMG shut off)" prof1 "" "3d ago" "alice: made by fast-vm")
# a VM without a disk has no size, as in fast-vm
t_eq "fast-vm's VM: row as fast-vm printed it" "$want" "$row50"
row42=$(printf '%s\n' "$T_OUT" | grep '^ 42 ')
size42=$(printf '%s\n' "$row42" | sed -n 's/^.* \([0-9.]*g( *[0-9.]*%)\).*/\1/p')
want=$(printf "%-32s %-15s %-13s  %8s  %-s" "$(printf '%3s %-15s %s %s' 42 $IMG shut off)" --- "$size42" "0d ago" "$ME: ")
t_eq "fvm-made VM: row as fast-vm printed it" "$want" "$row42"
t_run "fast-vm list inactive short" 0 fast-vm list inactive short
t_eq "short list" "42 43 44 45 50" "$(printf '%s\n' "$T_OUT" | tr '\n' ' ' | sed 's/ $//')"
t_run "fast-vm list active short" 0 fast-vm list active short
t_eq "empty short list is one empty line" "1" "$(wc -l <"$T_TMP/out")"
t_run "fast-vm list bogus lists all" 0 fast-vm list bogus short
t_lines "bogus: all five" 5 "$T_OUT"

# --- info: fast-vm's two lines
t_run "fast-vm info 42" 0 fast-vm info 42
t_eq "info lines" "[42][inf] IP: 192.168.$SUBNET.42
[42][inf] vm_name: $P$IMG-42" "$T_OUT"
t_run "fast-vm info 99 exits 1" 1 fast-vm info 99
t_eq "info of a missing VM" "[99][err] no VM with number '99' found" "$T_OUT"
t_run "fast-vm info 50 (fast-vm's)" 0 fast-vm info 50
t_match "info updates fast-vm's activity" "^1,alice,$(date +%s | cut -c1-8)[0-9]{2},prof1,made by fast-vm$" "$(v desc $P$IMG-50)"

# --- edit_note
t_run "fast-vm edit_note 50 new note" 0 fast-vm edit_note 50 new note
t_match "note in the description" "^1,alice,[0-9]{10},prof1,new note$" "$(v desc $P$IMG-50)"
t_eq "note in the title" "050 alice new note" "$(v desc --title $P$IMG-50)"
t_run "fast-vm edit_note '42 43' shared" 0 fast-vm edit_note '42 43' shared
t_match "multi note" "^1,$ME,[0-9]{10},---,shared$" "$(v desc $P$IMG-43)"

# --- stop of a stopped VM, start/stop argument checks against real VMs
t_run "fast-vm stop 42 (not running) exits 1" 1 fast-vm stop 42

# --- a booted guest: start ssh SCRIPT, ssh, keydist, scp, rsync, console,
# start console, stop graceful, compact; one boot serves them all
cp "$GUEST_DIR/id_ed25519" "$T_TMP/state/id_fvm"
cp "$GUEST_DIR/id_ed25519.pub" "$T_TMP/state/id_fvm.pub"
chmod 0600 "$T_TMP/state/id_fvm"
IP=192.168.$SUBNET.42
printf '#!/bin/sh\necho "script got $1"\necho "second line"\n' >"$T_TMP/script.sh"
chmod +x "$T_TMP/script.sh"
t0=$(date +%s)
# 43 boots beside 42: start N keydist waits for ssh, then hands out the key
timeout 400 fast-vm start 43 keydist >"$T_TMP/s43.out" 2>"$T_TMP/s43.err" </dev/null &
s43=$!
t_run "fast-vm start 42 ssh SCRIPT" 0 timeout 400 fast-vm start 42 ssh "$T_TMP/script.sh"
echo "# start 42 ssh SCRIPT: $(($(date +%s) - t0)) s"
t_eq "start ssh SCRIPT: fast-vm's lines" "[42][inf] starting VM $P$IMG-42
[42][inf] checking the $IP for active SSH connection (ctrl+c to interrupt)
[42][inf] 
[42]SSH ready
[42]script got $IP
[42]second line" "$T_OUT"
rc43=0
wait $s43 || rc43=$?
t_eq "fast-vm start 43 keydist exits 0" 0 "$rc43"
t_eq "start 43 keydist: fast-vm's first lines" "[43][inf] starting VM $P$IMG-43
[43][inf] checking the 192.168.$SUBNET.43 for active SSH connection (ctrl+c to interrupt)" \
	"$(sed -n 1,2p "$T_TMP/s43.out")"
t_match "start 43 keydist: fast-vm's step" '^\[43\]\[inf\] Copy SSH key to VM$' "$(cat "$T_TMP/s43.out")"
t_eq "start 43 keydist: fast-vm's last line" "Now try logging into the machine, with: fast-vm ssh 43" \
	"$(tail -n 1 "$T_TMP/s43.out")"
t_run "fast-vm stop 43" 0 fast-vm stop 43
t_run "fast-vm ssh 42 SCRIPT" 0 fast-vm ssh 42 "$T_TMP/script.sh"
t_eq "ssh SCRIPT: the script's lines after [42]" "[42]script got $IP
[42]second line" "$(printf '%s\n' "$T_OUT" | tail -n 2)"
t_run "fast-vm ssh 42 with a script that is not executable exits 1" 1 fast-vm ssh 42 "$T_TMP/fast-vm.conf"
t_eq "not executable: fast-vm's message" "[42][err] $T_TMP/fast-vm.conf not executable" \
	"$(printf '%s\n' "$T_OUT" | tail -n 1)"
t_run "fast-vm ssh 42 (a login; stdin at its end)" 0 fast-vm ssh 42
t_eq "ssh: waits as fast-vm" "[42][inf] checking the $IP for active SSH connection (ctrl+c to interrupt)" \
	"$(printf '%s\n' "$T_OUT" | sed -n 1p)"
t_run "fast-vm keydist 42 (the key works already)" 0 fast-vm keydist 42
t_eq "keydist: fast-vm's last line" "Now try logging into the machine, with: fast-vm ssh 42" \
	"$(printf '%s\n' "$T_OUT" | tail -n 1)"
t_match "keydist: fast-vm's step" '^\[42\]\[inf\] Copy SSH key to VM$' "$T_OUT"
mkdir -p "$T_TMP/cp/in dir" "$T_TMP/cp/back"
echo "payload $$" >"$T_TMP/cp/in dir/f.txt"
t_run "fast-vm scp 42 DIR vm:/tmp/ (recursive, as fast-vm)" 0 fast-vm scp 42 "$T_TMP/cp/in dir" vm:/tmp/
t_run "fast-vm scp 42 vm:FILE LOCAL" 0 fast-vm scp 42 "vm:/tmp/in dir/f.txt" "$T_TMP/cp/back/"
t_eq "scp round trip" "payload $$" "$(cat "$T_TMP/cp/back/f.txt" 2>&1)"
t_run "fast-vm scp '42 43' to a stopped 43 exits 1" 1 fast-vm scp '42 43' "$T_TMP/cp/in dir/f.txt" vm:/tmp/g.txt
t_match "scp multi: 43 refused" "^\[43\]\[err\] VM with number '43' is inactive$" "$T_OUT"
t_eq "scp multi: summary" "[__][err] Some (1) operations reported errors" "$(printf '%s\n' "$T_OUT" | tail -n 1)"
T_RC=0
fast-vm rsync 42 "$T_TMP/cp/in dir/f.txt" vm:/tmp/r.txt >"$T_TMP/rs.out" 2>"$T_TMP/rs.err" || T_RC=$?
t_match "rsync waited for the guest first" '^\[42\]SSH ready$' "$(cat "$T_TMP/rs.out")"
if ! command -v rsync >/dev/null; then
	t_eq "fast-vm rsync without rsync on this host: fvm's not found" 3 "$T_RC"
	t_skip "fast-vm rsync copy" "rsync is not installed here: $(tail -n 1 "$T_TMP/rs.err")"
elif [ "$T_RC" -ne 0 ] && grep -q 'rsync: .*not found\|rsync: command not found' "$T_TMP/rs.err"; then
	t_skip "fast-vm rsync copy" "the test guest has no rsync: $(tail -n 1 "$T_TMP/rs.err")"
else
	t_eq "fast-vm rsync 42 FILE vm:PATH exits 0" 0 "$T_RC"
	t_run "rsync's copy is there" 0 fvm ssh 42 -- cat /tmp/r.txt
fi

# console and start console in a terminal
TMUX_SOCK=$T_TMP/tmux.sock
t_on_exit "tmux -S '$TMUX_SOCK' kill-server"
tm() { tmux -S "$TMUX_SOCK" "$@"; }
wait_screen() {
	for _ in $(seq "${2:-300}"); do
		tm capture-pane -p -t cp 2>/dev/null | grep -q -- "$1" && return 0
		sleep 0.1
	done
	return 1
}
if command -v tmux >/dev/null; then
	tm new-session -d -s cp -x 160 -y 50 "env PS1='$ ' bash --norc --noprofile"
	tm send-keys -t cp "fast-vm console 42; echo console-rc=\$?" Enter
	wait_screen "Escape character" && t_ok "fast-vm console 42 connects" ||
		t_fail "fast-vm console 42 connects" "$(tm capture-pane -p -t cp | tail -5)"
	tm send-keys -t cp Enter
	wait_screen "login:" && t_ok "fast-vm console 42: the guest's login" ||
		t_fail "fast-vm console 42: the guest's login" "$(tm capture-pane -p -t cp | tail -5)"
	tm send-keys -t cp C-]
	wait_screen "console-rc=0" && t_ok "fast-vm console: Ctrl-] leaves, exit 0" ||
		t_fail "fast-vm console: Ctrl-] leaves" "$(tm capture-pane -p -t cp | tail -5)"
	t_run "fast-vm stop 42" 0 fast-vm stop 42
	tm send-keys -t cp "clear; fast-vm start 42 console; echo start-console-rc=\$?" Enter
	wait_screen "connecting to it serial console" &&
		t_ok "start console: fast-vm's line" || t_fail "start console: fast-vm's line" "$(tm capture-pane -p -t cp | tail -5)"
	wait_screen "login:" 2400 && t_ok "start console: the boot to the login prompt" ||
		t_fail "start console: the boot" "$(tm capture-pane -p -t cp | tail -5)"
	tm send-keys -t cp C-]
	wait_screen "start-console-rc=0" && t_ok "start console: Ctrl-] leaves, exit 0" ||
		t_fail "start console: Ctrl-] leaves" "$(tm capture-pane -p -t cp | tail -5)"
else
	t_skip "fast-vm console" "tmux is not installed"
	fast-vm start 42 >/dev/null
fi
t_run "fast-vm start 42 (running) exits 1" 1 fast-vm start 42
t_run "fast-vm stop 42 graceful" 0 fast-vm stop 42 graceful
t_eq "graceful: fast-vm's line" "[42][inf] Sending ACPI shutdown event to $P$IMG-42" "$T_OUT"
for _ in $(seq 60); do [ "$(v domstate $P$IMG-42 2>&1)" = "shut off" ] && break; sleep 1; done
if [ "$(v domstate $P$IMG-42 2>&1)" != "shut off" ]; then
	echo "# the guest did not power off on ACPI in 60 s"
	t_run "fast-vm stop 42" 0 fast-vm stop 42
fi
t_eq "42 is stopped" "shut off" "$(v domstate $P$IMG-42 2>&1)"
t0=$(date +%s)
t_run "fast-vm compact 42" 0 fast-vm compact 42
echo "# compact 42: $(($(date +%s) - t0)) s"
t_eq "compact: fast-vm's line" "[42][ok] Compacting disk of VM 42 ...." "$(printf '%s\n' "$T_OUT" | sed -n 1p)"
T_RC=0
fast-vm disk_usage 42 >"$T_TMP/du.out" 2>"$T_TMP/du.err" || T_RC=$?
t_eq "disk_usage: fast-vm's warning" \
	"[__][wrn] This is EXPERIMENTAL feature, usage data might not be 100% accurate." "$(sed -n 1p "$T_TMP/du.out")"
if [ "$T_RC" -ne 0 ] && grep -q 'not available yet' "$T_TMP/du.err"; then
	t_skip "fast-vm disk_usage 42" "fvm du answers: $(cat "$T_TMP/du.err")"
else
	t_eq "fast-vm disk_usage 42 exits 0" 0 "$T_RC"
	echo "# disk_usage 42:"; sed 's/^/#   /' "$T_TMP/du.out"
fi

# the image's base VM (create IMAGE base) on the real driver
t_run "fast-vm create $IMG base" 0 fast-vm create $IMG base
t_match "base: fast-vm's line" "^\[base\]\[inf\] base image VM created, to start this VM use 'virsh --connect qemu:///system start $P$IMG'\.$" "$T_OUT"
t_eq "base VM named as fast-vm's" "$P$IMG" "$(v list --all --name | grep "^$P$IMG$")"
t_run "fast-vm create $IMG base again exits 2" 2 fast-vm create $IMG base
t_match "base again: fast-vm's message" "^\[base\]\[err\] defining base VM for $IMG failed, doesn't it exists already\?$" "$T_OUT"
v undefine "$P$IMG" >/dev/null

# --- deprecated list_images runs fast-vm-image list
t_run "fast-vm list_images short" 0 fast-vm list_images short
t_eq "list_images: warning" "[__][wrn] (deprecated) This action will be removed in next version. Using new command below:" \
	"$(printf '%s\n' "$T_OUT" | sed -n 1p)"
t_eq "list_images: new command" "[__]fast-vm-image list  short" "$(printf '%s\n' "$T_OUT" | sed -n 2p)"
t_eq "list_images: the image" "$IMG" "$(printf '%s\n' "$T_OUT" | sed -n 3p)"

# --- delete
t_run "fast-vm delete 50 (fast-vm's VM)" 0 fast-vm delete 50
t_eq "delete message" "[50][ok] VM '$P$IMG-50' deleted" "$T_OUT"
t_run "fast-vm delete '43 44'" 0 fast-vm delete '43 44'
t_eq "multi delete: summary" "[__][ok] All operations returned successfully" "$(printf '%s\n' "$T_OUT" | tail -n 1)"
t_run "fast-vm delete 99 exits 1" 1 fast-vm delete 99
t_eq "delete of a missing VM" "[99][err] no VM with number '99' found" "$T_OUT"
echo 'echo "delete-hack $VM_NAME" >'"$T_TMP/dh.out" >"$T_TMP/dh.sh"
t_run "fast-vm delete 45 with a delete hack argument" 0 fast-vm delete 45 "$T_TMP/dh.sh"
t_eq "the given delete hack ran" "delete-hack $P$IMG-45" "$(cat "$T_TMP/dh.out" 2>/dev/null)"
t_run "fast-vm delete 42" 0 fast-vm delete 42
t_eq "no domain left" 0 "$(domains)"

# --- the image itself once its VMs are gone
t0=$(date +%s)
T_RC=0
fast-vm-image compact $IMG >"$T_TMP/ic.out" 2>"$T_TMP/ic.err" || T_RC=$?
echo "# fast-vm-image compact: $(($(date +%s) - t0)) s"
t_eq "image compact: fast-vm-image's line" "[__][ok] Compacting disk of image $IMG ...." "$(sed -n 1p "$T_TMP/ic.out")"
if [ "$T_RC" -ne 0 ] && grep -q 'not available yet' "$T_TMP/ic.err"; then
	t_skip "fast-vm-image compact" "fvm image-compact answers: $(cat "$T_TMP/ic.err")"
else
	t_eq "fast-vm-image compact $IMG exits 0" 0 "$T_RC"
fi
t_run "fast-vm-image remove $IMG" 0 fast-vm-image remove $IMG
t_eq "remove: fast-vm-image's last line" "[__][ok] image $IMG removed" "$(printf '%s\n' "$T_OUT" | tail -n 1)"
t_run "fast-vm-image list short: none left" 0 fast-vm-image list short
t_eq "no image left" "" "$T_OUT"
