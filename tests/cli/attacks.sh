#!/bin/bash
# tests/cli/attacks.sh: bad input and a group member's attacks on fvm helper, import, locks and standard descriptors; each refused with one line and nothing on the host changed.
#
# Runs as root against libvirt's test:///default with a dir store in
# $T_TMP. Makes a group with one member and one user outside it (removed
# at the end). The helper is run the way sudo runs it: as root, with
# SUDO_USER, SUDO_UID, SUDO_GID and SUDO_COMMAND naming the member (the
# helper reads nothing else of sudo's); real sudo is tests/e2e/attacks.sh.
set -u
# shellcheck source-path=SCRIPTDIR source=../lib.sh
. "$(dirname "$0")/../lib.sh"

for c in setpriv useradd groupadd qemu-img gzip; do
	if ! command -v $c >/dev/null 2>&1; then
		t_skip "cli/attacks" "$c is not installed (scripts/install-deps)"
		exit 0
	fi
done
if [ "$(id -u)" -ne 0 ]; then
	t_skip "cli/attacks" "needs root to make test users"
	exit 0
fi
FVM=$(readlink -f "$BUILD/bin/fvm")
if ! setpriv --reuid=65534 --regid=65534 --clear-groups test -x "$FVM"; then
	t_skip "cli/attacks" "$FVM is not reachable by other users"
	exit 0
fi

P=fvmtat-
GRP=fvmtat
UM=fvmtat-m # member
UX=fvmtat-x # not a member
remove_accounts() {
	userdel -r $UM >/dev/null 2>&1
	userdel -r $UX >/dev/null 2>&1
	groupdel $GRP >/dev/null 2>&1
}
remove_accounts
t_on_exit remove_accounts
groupadd $GRP
useradd -m -s /bin/sh -G $GRP $UM
useradd -m -s /bin/sh $UX

# members reach the store and the config; root made all of it
chmod 0755 "$T_TMP"
S=$T_TMP/store
LOCKS=$T_TMP/locks
mkdir -p "$S/images" "$S/vms" "$T_TMP/etc"
mkdir -m 1777 "$LOCKS"
CONF=$T_TMP/fast-vm.conf
cat >"$CONF" <<CONF
VM_PREFIX=$P
SUBNET_NUMBER=137
FVM_STORAGE=dir
FVM_STORE_DIR=$S
FVM_URI=test:///default
FASTVM_GROUP=$GRP
FASTVM_OWNER_ONLY_DELETE=yes
FVM_POOL_WATERMARK=100
CONF
chmod 0644 "$CONF"
export FVM_CONFIG=$CONF FVM_SYSTEM_DIR=$T_TMP/etc FVM_USER_DIR=$T_TMP/user \
	FVM_LOCK_DIR=$LOCKS

# a root-only file the attacks aim at, and how it looks
VICTIM=$T_TMP/victim
printf 'root-only secret, 30 bytes...\n' >"$VICTIM"
chmod 0600 "$VICTIM"
looks() { stat -c '%s %a %U %G %h' "$@" && cat "$@" | md5sum; }
VICTIM_WAS=$(looks "$VICTIM")
untouched() { t_eq "$1: the root-only file is untouched" "$VICTIM_WAS" "$(looks "$VICTIM")"; }

# as USER CMD...: CMD as USER, with the member's environment
as() {
	local u=$1
	shift
	setpriv --reuid="$u" --regid="$u" --init-groups \
		env -i HOME="/home/$u" USER="$u" LOGNAME="$u" LC_ALL=C \
		PATH="$BUILD/bin:/usr/sbin:/usr/bin:/sbin:/bin" \
		FVM_CONFIG="$CONF" FVM_SYSTEM_DIR="$T_TMP/etc" \
		FVM_LOCK_DIR="$LOCKS" "$@"
}
# helper USER REQUEST [VAR=VALUE...]: the request as sudo hands it to the
# helper for USER (the VARs change what sudo would have set); the exit
# status in $H_RC, stderr in $H_ERR
helper() {
	local u=$1 req=$2
	shift 2
	printf '%b' "$req" | env SUDO_USER="$u" SUDO_UID="$(id -u "$u")" \
		SUDO_GID="$(id -g "$u")" SUDO_COMMAND="$FVM helper --config $CONF" \
		env "$@" "$FVM" helper --config "$CONF" >"$T_TMP/out" 2>"$T_TMP/err"
	H_RC=$?
	H_ERR=$(cat "$T_TMP/err")
}
# refused NAME CODE ERE: the last helper call exited CODE with one line
# matching ERE
refused() {
	t_eq "$1: exit $2" "$2" "$H_RC"
	t_lines "$1: one line" 1 "$H_ERR"
	t_match "$1: says why" "^fvm-helper: error: .*$3" "$H_ERR"
}

D=$T_TMP/disk.raw
truncate -s 4M "$D"
head -c 65536 /dev/urandom | dd of="$D" conv=notrunc status=none
t_run "root imports image img" 0 fvm import -q img "$D"
IMGF=$S/images/${P}img.raw
OV=$S/vms/${P}img-42.qcow2
clone42() {
	rm -f "$OV"
	helper $UM "op=clone\nimage=${P}img\nvm=${P}img-42\n"
	[ "$H_RC" -eq 0 ] || t_fail "helper clones VM 42 for the member" "exit $H_RC: $H_ERR"
}

# --- images are root's: members read them, cannot change them
t_eq "the image is root's, read-only to others" "root 644" \
	"$(stat -c '%U %a' "$IMGF")"
t_run "member cannot write the image" 1 as $UM dd if=/dev/null of="$IMGF" conv=notrunc status=none

# --- the helper never acts on a file a member can shape
clone42
t_eq "the VM disk is root's, group may read only" "root $GRP 640" \
	"$(stat -c '%U %G %a' "$OV")"
t_run "member cannot write the VM disk" 1 as $UM dd if=/dev/null of="$OV" conv=notrunc status=none
# --- the helper never acts on a file a member can shape: the overlay itself
[ -e "$OV" ] || clone42
OV_GOOD=$T_TMP/ov-good
cp "$OV" "$OV_GOOD"
# what a member could make: an overlay whose data lives in another file,
# named after the fact (qemu-img amend does not open it)
t_run "member crafts a qcow2 with an external data file" 0 as $UM sh -c \
	"cd && qemu-img create -q -f qcow2 -o data_file=\$HOME/d.raw ext.qcow2 4M &&
	 qemu-img amend -q -f qcow2 -o data_file='$VICTIM' ext.qcow2"
cat "/home/$UM/ext.qcow2" >"$OV"
helper $UM "op=resize\nvm=${P}img-42\nsize=1048576\nshrink=yes\n"
refused "resize of an overlay with an external data file" 5 "data file"
untouched "data file"
# a backing file that is not the image
cp "$OV_GOOD" "$OV"
qemu-img rebase -q -u -f qcow2 -b "$VICTIM" -F raw "$OV"
helper $UM "op=resize\nvm=${P}img-42\nsize=1048576\nshrink=yes\n"
refused "resize of an overlay backed by another file" 5 "backing file"
cp "$OV_GOOD" "$OV"
qemu-img rebase -q -u -f qcow2 -b "$IMGF" -F qcow2 "$OV"
helper $UM "op=resize\nvm=${P}img-42\nsize=1048576\nshrink=yes\n"
refused "resize of an overlay whose backing format is not raw" 5 "backing"
# a disk the group could write (as fvm made them before) is not touched
cp "$OV_GOOD" "$OV"
chgrp $GRP "$OV"
chmod 0660 "$OV"
helper $UM "op=resize\nvm=${P}img-42\nsize=1048576\nshrink=yes\n"
refused "resize of a group-writable overlay" 5 "others than root"
untouched "resize attacks"
cp "$OV_GOOD" "$OV"
chmod 0640 "$OV"
helper $UM "op=resize\nvm=${P}img-42\nsize=8388608\n"
t_eq "a sound overlay still grows" "0 " "$H_RC $H_ERR"

# --- growth is bounded by the store's free space (no 64 TiB ping-pong)
[ -e "$OV" ] || clone42
before=$(looks "$OV")
helper $UM "op=resize\nvm=${P}img-42\nsize=70368744177664\n"
refused "resize to 64 TiB" 5 "free"
t_eq "the overlay is unchanged" "$before" "$(looks "$OV")"

# --- the qcow2 header reader on a short, unknown-version header
if command -v valgrind >/dev/null 2>&1; then
	OV44=$S/vms/${P}img-44.qcow2
	{
		printf 'QFI\373\0\0\0\004' # magic, version 4
		head -c 12 /dev/zero
		printf '\0\0\0\020'  # cluster bits 16
		printf '\0\0\0\0\0\020\0\0' # size 1 MiB
		printf '\0\0\0\0\0\0\0\001' # crypt 0, L1 size 1
		head -c 32 /dev/zero
	} >"$OV44"
	t_run "store reads a short version-4 qcow2 header under valgrind" 1 \
		valgrind -q --error-exitcode=99 "$BUILD/tests/tools/store-tool" \
		resize ${P}img-44 2M
	t_match "its error names the version" "version 4" "$T_ERR"
	t_nomatch "valgrind: no uninitialised read" "uninitialised" "$T_ERR"
	rm -f "$OV44"
else
	t_skip "qcow2 header under valgrind" "valgrind is not installed"
fi

# --- who asks: fail closed when sudo's variables do not name one user
helper $UX "op=check\n" SUDO_UID=0
refused "SUDO_UID of another user" 5 "SUDO_USER"
helper $UX "op=check\n" SUDO_USER=fvmtat-nosuch
refused "SUDO_USER that does not exist" 5 "SUDO_USER"
helper $UX "op=check\n" -u SUDO_USER -u SUDO_UID
refused "SUDO_COMMAND alone" 5 "SUDO_USER"
helper $UX "op=check\n"
refused "a user outside the group" 5 "not in FASTVM_GROUP"
helper $UM "op=frobnicate\n"
refused "invalid request" 6 "unknown op"
t_run "helper as a user: not root (7)" 7 as $UM "$FVM" helper
t_lines "not root: one line" 1 "$T_ERR"

# --- the helper connects to root's FVM_URI: no -c, no LIBVIRT_DEFAULT_URI
printf 'op=check\n' | env SUDO_USER=$UM SUDO_UID="$(id -u $UM)" \
	SUDO_COMMAND=x "$FVM" helper -c '::bad' --config "$CONF" \
	>"$T_TMP/out" 2>"$T_TMP/err"
H_RC=$? H_ERR=$(cat "$T_TMP/err")
t_eq "helper -c URI: a usage error" 2 "$H_RC"
t_match "helper -c URI: it has no -c" "^fvm-helper: error: .*(-c|option)" "$H_ERR"
clone42
helper $UM "op=remove\nvm=${P}img-42\n" LIBVIRT_DEFAULT_URI='::bad'
t_eq "helper ignores the caller's LIBVIRT_DEFAULT_URI" "0 " "$H_RC $H_ERR"
t_eq "helper: the disk is removed on FVM_URI's word" "" "$(ls "$OV" 2>/dev/null)"
# a member's own libvirt state where VM 42 is theirs and stopped: the
# step that needs root is refused, the disk stays
clone42
cat >"$T_TMP/mine.xml" <<XML
<node>
  <network>
    <name>fastvm-nat</name>
    <bridge name='fvmtat0'/>
    <ip address='192.168.137.1' netmask='255.255.255.0'/>
  </network>
  <domain type='test' xmlns:test='http://libvirt.org/schemas/domain/test/1.0'>
    <name>${P}img-42</name>
    <description>1,$UM,$(date +%s),---,mine</description>
    <memory unit='KiB'>262144</memory>
    <os><type arch='x86_64'>hvm</type></os>
    <test:runstate>5</test:runstate>
  </domain>
</node>
XML
chmod 0644 "$T_TMP/mine.xml"
MINE="test://$T_TMP/mine.xml"
OV_WAS=$(looks "$OV")
for how in "-c" "LIBVIRT_DEFAULT_URI"; do
	if [ "$how" = -c ]; then
		t_run "member: delete -c URI other than FVM_URI is refused" 2 \
			as $UM fvm delete -c "$MINE" 42
	else
		t_run "member: delete with LIBVIRT_DEFAULT_URI other than FVM_URI is refused" 2 \
			as $UM env LIBVIRT_DEFAULT_URI="$MINE" fvm delete 42
	fi
	t_lines "member $how: one line" 1 "$T_ERR"
	t_match "member $how: the helper works on FVM_URI only" \
		"^fvm-delete: error: .*$how chose the libvirt connection $MINE, not FVM_URI test:///default: fvm helper.* works on FVM_URI only" \
		"$T_ERR"
	t_eq "member $how: the VM disk stays" "$OV_WAS" "$(looks "$OV")"
done
untouched "member -c"

# --- --config through a symlink in a directory a user can change
mkdir "$T_TMP/ucfg"
chown $UM "$T_TMP/ucfg"
ln -s "$CONF" "$T_TMP/ucfg/fast-vm.conf"
printf 'op=check\n' | env SUDO_USER=$UM SUDO_UID="$(id -u $UM)" \
	SUDO_COMMAND=x "$FVM" helper --config "$T_TMP/ucfg/fast-vm.conf" \
	>"$T_TMP/out" 2>"$T_TMP/err"
H_RC=$? H_ERR=$(cat "$T_TMP/err")
refused "--config through a user's directory" 5 "others than root"

# --- image names: a name import takes has VMs the helper makes
t_run "root imports image .x" 0 fvm import -q .x "$D"
helper $UM "op=clone\nimage=$P.x\nvm=$P.x-43\n"
t_eq "helper clones a VM of image .x" "0 " "$H_RC $H_ERR"
helper $UM "op=remove\nvm=$P.x-43\n"
t_eq "helper removes it" "0 " "$H_RC $H_ERR"
helper $UM "op=clone\nimage=$P..x\nvm=$P..x-43\n"
refused "an image part with '..'" 6 "\.\."

# --- import: qemu-img reads only the file that was checked
Q=$T_TMP/q
mkdir "$Q"
qemu-img create -q -f qcow2 -b "$VICTIM" -F raw "$Q/evil.qcow2" 1M
qemu-img create -q -f qcow2 "$Q/plain.qcow2" 1M
JSON='json:{"file":{"driver":"file","filename":"evil.qcow2"}}'
cp "$Q/plain.qcow2" "$Q/$JSON"
t_run "import of a file named json:{...}" 0 sh -c "cd '$Q' && fvm import -q js '$JSON'"
if grep -q secret "$S/images/${P}js.raw" 2>/dev/null; then
	t_fail "the image holds the checked file's data only" "the backing file's bytes are in it"
else
	t_ok "the image holds the checked file's data only"
fi
t_eq "the image is readable by all, written by root" "644" \
	"$(stat -c %a "$S/images/${P}js.raw" 2>&1)"
t_run "import of a qcow2 with a backing file is refused" 1 fvm import -q ev "$Q/evil.qcow2"
t_lines "backing file: one line" 1 "$T_ERR"

# --- import caps: template files, decoded qcow2
head -c 2097152 /dev/zero | tr '\0' x >"$Q/big.xml"
t_run "a 2 MiB XML template is refused" 1 fvm import -q big "$D" "$Q/big.xml"
t_match "template: says the cap" "^fvm-import: error: .*larger than 1 MiB" "$T_ERR"
t_eq "template: no image" "" "$(ls "$S/images" | grep "${P}big")"
{
	cat "$Q/plain.qcow2"
	head -c 100M /dev/zero
} | gzip -1 >"$Q/bomb.qcow2.gz"
t_run "a qcow2 that decodes far beyond its size is refused" 1 fvm import -q bomb "$Q/bomb.qcow2.gz"
t_match "bomb: says why" "^fvm-import: error: .*larger than" "$T_ERR"
t_eq "bomb: nothing left" "" "$(find "$S" -name "*bomb*" -o -name '.fvm-import*')"

echo "<domain/>" >"$Q/x.xml"
head -c 2097152 /dev/zero >"$Q/big.sh"
t_run "profile-import: a 2 MiB hack file is refused" 1 \
	fvm profile-import bigp img "$Q/x.xml" "$Q/big.sh"
t_match "profile-import: says the cap" "^fvm-profile-import: error: .*larger than 1 MiB" "$T_ERR"
t_eq "profile-import: no profile" "" "$(ls "$T_TMP/etc" | grep bigp)"

# --- a FIFO without a writer: TERM ends the import and rolls it back
mkfifo "$T_TMP/fifo"
fvm import -q ff "$T_TMP/fifo" >"$T_TMP/ff.out" 2>"$T_TMP/ff.err" &
pid=$!
sleep 1
kill -TERM $pid
for _ in $(seq 50); do
	kill -0 $pid 2>/dev/null || break
	sleep 0.1
done
if kill -0 $pid 2>/dev/null; then
	kill -KILL $pid
	t_fail "import from a FIFO without a writer ends on TERM" "still running after 5 s"
else
	wait $pid
	t_eq "FIFO: exit 1" 1 $?
	t_match "FIFO: interrupted" "^fvm-import: error: .*interrupted" "$(cat "$T_TMP/ff.err")"
fi
t_eq "FIFO: nothing left" "" "$(find "$S" -name '*+import+*')"

# --- closed standard descriptors never become fvm's files
fvm export img - >/dev/null
fvm export nosuch - >/dev/null 2>&1
locks() { (cd "$LOCKS" && find . -type f -exec md5sum {} + | sort); }
before=$(locks)
t_run "export to a closed stdout fails" 1 sh -c 'exec fvm export img - >&-'
t_match "closed stdout: says so" "^fvm-export: error: .*([Ww]rite error|standard output|Bad file descriptor)" "$T_ERR"
t_run "an error with stderr closed" 3 sh -c 'exec fvm export nosuch - 2>&- >/dev/null'
t_run "stdin closed" 0 sh -c 'exec fvm images <&-'
t_eq "no lock file changed" "$before" "$(locks)"

# --- help on a full disk
t_run "help to /dev/full fails" 1 sh -c 'exec fvm list --help >/dev/full'
t_match "help to /dev/full: says so" "^fvm-list: error: .*standard output" "$T_ERR"
t_run "fvm --help to /dev/full fails" 1 sh -c 'exec fvm --help >/dev/full'

# --- locks: a directory the user cannot write, a planted hard link
mkdir -m 0755 "$T_TMP/rolocks"
t_run "member: lock directory not writable" 1 as $UM env \
	FVM_LOCK_DIR="$T_TMP/rolocks" fvm export img -
t_nomatch "lock directory: not 'No such file'" "No such file" "$T_ERR"
t_match "lock directory: the real cause" "$T_TMP/rolocks.*(not writable|Permission denied)" "$T_ERR"
V2=$T_TMP/victim2
printf 'another root-only file\n' >"$V2"
chmod 0600 "$V2"
rm -f "$LOCKS/image-img.lock"
ln "$V2" "$LOCKS/image-img.lock"
t_run "a lock file hard-linked elsewhere is refused" 1 sh -c 'fvm export img - >/dev/null'
t_match "hard link: says so" "^fvm-export: error: .*image-img.lock.*link" "$T_ERR"
t_eq "hard link: the other file keeps its mode" "600" "$(stat -c %a "$V2")"
rm -f "$LOCKS/image-img.lock"
exit 0
