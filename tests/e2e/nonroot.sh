#!/bin/bash
# tests/e2e/nonroot.sh: the VM lifecycle as a FASTVM_GROUP member who is not root (dir store only root can write, fvm helper through sudo), and what the helper refuses.
#
# Runs inside the lab namespace (tests/run: scripts/lab exec). Makes a group
# and three users (two members, one outsider) and a sudoers rule for the
# helper, and removes them at the end. Members reach the lab's libvirtd the
# way a FASTVM_GROUP member reaches a configured one: through a socket only
# the group may open (a relay to the lab's socket when the lab's daemon
# does not grant the group access itself).
set -u
# shellcheck source-path=SCRIPTDIR source=../lib.sh
. "$(dirname "$0")/../lib.sh"

# shellcheck source=common.bash
. "$(dirname "$0")/common.bash"

P=fvmt-nr-
NET=fvmtest-nr
SUBNET=135
IMG=nrtest
GRP=fvmtnr
UA=fvmtnr-a # member: owns VM 42, boots it
UB=fvmtnr-b # member: owns VM 43
UX=fvmtnr-x # not a member

for c in sudo socat setpriv useradd visudo; do
	if ! command -v $c >/dev/null 2>&1; then
		t_skip "e2e/nonroot" "$c is not installed (scripts/install-deps)"
		exit 0
	fi
done
if [ "$(id -u)" -ne 0 ]; then
	t_skip "e2e/nonroot" "needs root to make test users"
	exit 0
fi

FVM=$(readlink -f "$BUILD/bin/fvm")
# every directory above the binary must let the test users in
if ! setpriv --reuid=65534 --regid=65534 --clear-groups test -x "$FVM"; then
	t_skip "e2e/nonroot" "$FVM is not reachable by other users"
	exit 0
fi

remove_accounts() {
	local u
	for u in $UA $UB $UX; do
		userdel -r "$u" >/dev/null 2>&1
	done
	groupdel $GRP >/dev/null 2>&1
	rm -f /etc/sudoers.d/fvmt-nr
}
remove_accounts
t_on_exit remove_accounts

e2e_setup $P $NET $SUBNET nr
e2e_image $IMG
mkdir -p "$store/vms"
chmod 0755 "$store" "$store/images" "$store/vms"

# what the members read: config, templates, a lock dir for everyone
SH=$(mktemp -d /tmp/fvm-nr.XXXXXX)
t_on_exit "rm -rf $SH"
chmod 0755 "$SH"
mkdir -p "$SH/etc"
mkdir -m 1777 "$SH/locks"
cp "$T_TMP/etc/config-$IMG.xml" "$SH/etc/"

groupadd $GRP
useradd -m -s /bin/sh -G $GRP $UA
useradd -m -s /bin/sh -G $GRP $UB
useradd -m -s /bin/sh $UX

# libvirt for the group: the lab's socket when it lets members in, else
# a relay socket only the group can open
URI_LINE=
if ! setpriv --reuid=$UA --regid=$UA --init-groups \
	virsh -c qemu:///system uri >/dev/null 2>&1; then
	socat UNIX-LISTEN:"$SH/libvirt-sock",fork,user=root,group=$GRP,mode=0660 \
		UNIX-CONNECT:/var/run/libvirt/libvirt-sock >/dev/null 2>&1 &
	RELAY=$!
	t_on_exit "kill $RELAY"
	for _ in $(seq 50); do
		[ -S "$SH/libvirt-sock" ] && break
		sleep 0.1
	done
	URI_LINE="FVM_URI=qemu+unix:///system?socket=$SH/libvirt-sock"
fi

CONF=$SH/fast-vm.conf
cat >"$CONF" <<-CONF
	VM_PREFIX=$P
	LIBVIRT_NETWORK=$NET
	SUBNET_NUMBER=$SUBNET
	FVM_STORAGE=dir
	FVM_STORE_DIR=$store
	FVM_DOMAIN_TYPE=qemu
	FASTVM_GROUP=$GRP
	FASTVM_OWNER_ONLY_DELETE=yes
	$URI_LINE
CONF
chmod 0644 "$CONF"

t_run "helper --sudoers prints the rule" 0 fvm helper --sudoers $GRP --config "$CONF"
t_eq "the rule names this binary and the config" \
	"%$GRP ALL=(root) NOPASSWD: $FVM helper --config $CONF" "$T_OUT"
printf '%s\n' "$T_OUT" >"$T_TMP/sudoers"
if visudo -cqf "$T_TMP/sudoers" >/dev/null 2>&1; then
	t_ok "visudo takes the rule"
else
	t_fail "visudo takes the rule" "$(visudo -cf "$T_TMP/sudoers" 2>&1)"
fi
install -m 0440 "$T_TMP/sudoers" /etc/sudoers.d/fvmt-nr

# as USER CMD...: run CMD as USER with a clean environment of their own
as() {
	local u=$1
	shift
	setpriv --reuid="$u" --regid="$u" --init-groups \
		env -i HOME="/home/$u" USER="$u" LOGNAME="$u" LC_ALL=C \
		PATH="$BUILD/bin:/usr/sbin:/usr/bin:/sbin:/bin" \
		FVM_CONFIG="$CONF" FVM_SYSTEM_DIR="$SH/etc" \
		FVM_LOCK_DIR="$SH/locks" "$@"
}
# helper USER REQUEST: a request piped straight to the helper through sudo
helper() {
	printf '%b' "$2" | as "$1" sudo -n "$FVM" helper --config "$CONF" \
		>"$T_TMP/out" 2>"$T_TMP/err"
}
disks() { ls "$store/vms" | sort | tr '\n' ' '; }
domains() { v list --all --name | grep -c "^$P$IMG-"; }

t_run "helper check through sudo" 0 as $UA sh -c \
	"printf 'op=check\n' | sudo -n '$FVM' helper --config '$CONF'"

# --- a member's lifecycle
t_run "member: create $IMG 42" 0 as $UA fvm create $IMG 42
t_match "member: create prints the VM" "42 +$P$IMG-42 +192\.168\.$SUBNET\.42" "$T_OUT"
t_eq "the disk is made by the helper, as root" "root $GRP" \
	"$(stat -c '%U %G' "$store/vms/$P$IMG-42.qcow2" 2>&1)"
t_eq "the member owns the VM" "042 $UA" "$(v desc --title $P$IMG-42)"
t_run "member: start 42" 0 as $UA fvm start 42
t_run "member: wait for ssh" 0 as $UA fvm wait --state ssh --timeout 300 42
# fast-vm's key location, so fvm makes its state directory itself
install -d -o $UA -g $UA -m 0700 /home/$UA/.fast-vm
install -o $UA -g $UA -m 0600 "$GUEST_DIR/id_ed25519" /home/$UA/.fast-vm/id_fastvm
t_run "member: fvm ssh 42 -- hostname" 0 as $UA fvm ssh 42 -- hostname
t_eq "member: the guest answers" "fvm-test" "$T_OUT"
t_eq "member's state directory is private" 700 \
	"$(stat -c %a /home/$UA/.local/state/fvm 2>&1)"
t_run "member: stop 42" 0 as $UA fvm stop 42
t_eq "shut off" "shut off" "$(v domstate $P$IMG-42)"
t_run "member: resize 42" 0 as $UA fvm resize 42 1
t_match "resized through the helper" '"disk_size": 1073741824' \
	"$(as $UA fvm info --json 42)"
mv /etc/sudoers.d/fvmt-nr "$T_TMP/sudoers.off"
t_run "member: resize without the sudoers rule fails" 1 as $UA fvm resize 42 2
t_match "the message says what root has to do" \
	"sudo does not let you run fvm helper.*--sudoers GROUP" "$T_ERR"
mv "$T_TMP/sudoers.off" /etc/sudoers.d/fvmt-nr
t_run "second member: create $IMG 43" 0 as $UB fvm create $IMG 43
t_run "member: import is refused" 1 as $UA fvm import other "$store/images/$P$IMG.raw"
t_match "import: only root" "only root can import" "$T_ERR"

# --- the other member's files
t_run "another member cannot read the member's known_hosts" 1 \
	as $UB cat /home/$UA/.local/state/fvm/known_hosts/42
install -o $UA -g $UA -m 0600 "$GUEST_DIR/id_ed25519" /home/$UA/.local/state/fvm/id_fvm
t_run "another member cannot read the member's fvm key" 1 \
	as $UB cat /home/$UA/.local/state/fvm/id_fvm

# --- requests the helper refuses; nothing changes
before="$(disks)|$(domains)"
echo secret >"$T_TMP/victim"
victim=$SH/victim
cp "$T_TMP/victim" "$victim"
ln -s "$victim" "$store/vms/$P$IMG-44.qcow2"
helper $UA "op=remove\nvm=other-$IMG-43\n"
t_eq "disk outside VM_PREFIX: invalid (6)" 6 $?
helper $UA "op=remove\nvm=$P../../etc/passwd-43\n"
t_eq "path traversal: invalid (6)" 6 $?
helper $UA "op=remove\nvm=-rf\n"
t_eq "name -rf: invalid (6)" 6 $?
helper $UA "op=remove\nvm=$P$IMG-221\n"
t_eq "number out of range: invalid (6)" 6 $?
t_match "out of range message" "fvm-helper: error: .*FVM_VM_RANGE" "$(cat "$T_TMP/err")"
helper $UA "op=remove\nvm=$P$IMG-43\nvm=$P$IMG-42\n"
t_eq "duplicate key: invalid (6)" 6 $?
helper $UA "op=clone\nimage=$P$IMG-43\nvm=$P$IMG-43-44\n"
t_eq "clone of another VM's disk: invalid (6)" 6 $?
helper $UA "op=remove\nvm=$P$IMG-44\n"
t_eq "symlink planted in the store: refused (5)" 5 $?
t_match "symlink message" "symlink" "$(cat "$T_TMP/err")"
helper $UA "op=resize\nvm=$P$IMG-44\nsize=1073741824\n"
t_eq "resize through a planted symlink: refused (5)" 5 $?
t_eq "the symlink's target is untouched" "secret" "$(cat "$victim")"
helper $UA "op=remove\nvm=$P$IMG-43\n"
t_eq "another member's VM under owner-only delete: refused (5)" 5 $?
t_match "owner-only message" "only 'root' and '$UB'" "$(cat "$T_TMP/err")"
helper $UA "op=release-lease\nnumber=43\nmac=52:54:00:f5:87:2b\n"
t_eq "another member's lease under owner-only delete: refused (5)" 5 $?
helper $UA "op=release-lease\nnumber=42\nmac=52:54:00:f5:87:2b\n"
t_eq "another VM's MAC: refused (5)" 5 $?
helper $UX "op=check\n"
t_eq "outsider: sudo refuses the helper" 1 $?
t_run "helper without sudo: not root (7)" 7 as $UA sh -c \
	"printf 'op=check\n' | '$FVM' helper"
rm -f "$store/vms/$P$IMG-44.qcow2"
t_eq "nothing changed" "$before" "$(disks)|$(domains)"
t_run "member: delete of the other member's VM is refused" 1 as $UA fvm delete 43
t_match "delete names the owner" "only 'root' and '$UB'" "$T_ERR"

# --- outsiders
t_run "outsider: create is refused" 1 as $UX fvm create $IMG 44
t_match "outsider: the hint" "not in FASTVM_GROUP $GRP.*usermod -aG $GRP $UX" "$T_ERR"
t_run "outsider: start is refused" 1 as $UX fvm start 42
t_match "outsider: start hint" "not in FASTVM_GROUP" "$T_ERR"

# --- delete leaves nothing
mac=$(v domiflist $P$IMG-42 | awk '{print $5}')
t_run "member: delete 42" 0 as $UA fvm delete 42
t_nomatch "delete: no lease warning" "warning" "$T_ERR"
t_run "second member: delete 43" 0 as $UB fvm delete 43
t_eq "no domains left" 0 "$(domains)"
t_eq "no disks left" "" "$(disks)"
t_nomatch "no lease left for 42's MAC" "$mac" "$(v net-dhcp-leases $NET)"
exit 0
