#!/bin/bash
# tests/e2e/attacks.sh: a FASTVM_GROUP member's attacks through the real path (fvm, sudo, fvm helper, libvirtd) on a dir store only root can write: refused with one line, nothing on the host changed.
#
# Runs inside the lab namespace (tests/run: scripts/lab exec); defines a
# VM, never boots one. Makes a group, a member and a sudoers rule for the
# helper, and removes them at the end. tests/cli/attacks.sh has the
# helper's refusals one by one; this file shows that the member's own fvm
# reaches them, through sudo as it is installed.
set -u
# shellcheck source-path=SCRIPTDIR source=../lib.sh
. "$(dirname "$0")/../lib.sh"
# shellcheck source=common.bash
. "$(dirname "$0")/common.bash"

P=fvmt-ae-
NET=fvmtest-ae
SUBNET=138
IMG=aetest
GRP=fvmtae
UM=fvmtae-m

for c in sudo socat setpriv useradd visudo qemu-img; do
	if ! command -v $c >/dev/null 2>&1; then
		t_skip "e2e/attacks" "$c is not installed (scripts/install-deps)"
		exit 0
	fi
done
if [ "$(id -u)" -ne 0 ]; then
	t_skip "e2e/attacks" "needs root to make test users"
	exit 0
fi
FVM=$(readlink -f "$BUILD/bin/fvm")
if ! setpriv --reuid=65534 --regid=65534 --clear-groups test -x "$FVM"; then
	t_skip "e2e/attacks" "$FVM is not reachable by other users"
	exit 0
fi

remove_accounts() {
	userdel -r $UM >/dev/null 2>&1
	groupdel $GRP >/dev/null 2>&1
	rm -f /etc/sudoers.d/fvmt-ae
}
remove_accounts
t_on_exit remove_accounts

e2e_setup $P $NET $SUBNET ae
mkdir -p "$store/vms"
chmod 0755 "$store" "$store/images" "$store/vms"

SH=$(mktemp -d /tmp/fvm-ae.XXXXXX)
t_on_exit "rm -rf $SH"
chmod 0755 "$SH"
mkdir -p "$SH/etc"
mkdir -m 1777 "$SH/locks"
groupadd $GRP
useradd -m -s /bin/sh -G $GRP $UM

# libvirt for the group, as in e2e/nonroot
URI_LINE=
if ! setpriv --reuid=$UM --regid=$UM --init-groups \
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
	FVM_POOL_WATERMARK=100
	$URI_LINE
CONF
chmod 0644 "$CONF"
fvm helper --sudoers $GRP --config "$CONF" >"$T_TMP/sudoers"
install -m 0440 "$T_TMP/sudoers" /etc/sudoers.d/fvmt-ae

as() {
	local u=$1
	shift
	setpriv --reuid="$u" --regid="$u" --init-groups \
		env -i HOME="/home/$u" USER="$u" LOGNAME="$u" LC_ALL=C \
		PATH="$BUILD/bin:/usr/sbin:/usr/bin:/sbin:/bin" \
		FVM_CONFIG="$CONF" FVM_SYSTEM_DIR="$SH/etc" \
		FVM_LOCK_DIR="$SH/locks" "$@"
}

# the image, imported by root as members' images are
export FVM_CONFIG=$CONF FVM_SYSTEM_DIR=$SH/etc FVM_LOCK_DIR=$SH/locks
t_run "root imports $IMG" 0 fvm import -q $IMG "$GUEST_DIR/fvm-test-boot.raw" \
	"$GUEST_DIR/config-fvm-test-boot.xml"
IMGF=$store/images/$P$IMG.raw
OV=$store/vms/$P$IMG-42.qcow2
VICTIM=$SH/victim
printf 'root-only secret, 30 bytes...\n' >"$VICTIM"
chmod 0600 "$VICTIM"
looks() { stat -c '%s %a %U %G %h' "$@" && cat "$@" | md5sum; }
VICTIM_WAS=$(looks "$VICTIM")
IMG_WAS=$(looks "$IMGF")

t_run "member: create $IMG 42" 0 as $UM fvm create -q $IMG 42
t_eq "the VM disk is root's, the group reads it" "root $GRP 640" \
	"$(stat -c '%U %G %a' "$OV" 2>&1)"
t_run "member cannot write the image" 1 as $UM dd if=/dev/null of="$IMGF" conv=notrunc status=none
t_run "member cannot write the VM disk" 1 as $UM dd if=/dev/null of="$OV" conv=notrunc status=none

# an overlay as a member could shape one that was theirs to write: its
# data in a root-only file
cp "$OV" "$T_TMP/ov-good"
t_run "a qcow2 naming a root-only data file" 0 as $UM sh -c \
	"cd && qemu-img create -q -f qcow2 -o data_file=\$HOME/d.raw ext.qcow2 4M &&
	 qemu-img amend -q -f qcow2 -o data_file='$VICTIM' ext.qcow2"
cat "/home/$UM/ext.qcow2" >"$OV"
t_run "member: resize --force of it is refused" 1 as $UM fvm resize -f 42 1M
t_lines "resize: one line" 1 "$T_ERR"
t_match "resize: the helper says why" "^fvm-resize: error: refused by fvm helper: .*external data file" "$T_ERR"
t_eq "the root-only file is untouched" "$VICTIM_WAS" "$(looks "$VICTIM")"
cat "$T_TMP/ov-good" >"$OV"
t_run "member: resize of the sound overlay" 0 as $UM fvm resize -q 42 1
t_run "member: resize far beyond the store's free space is refused" 1 \
	as $UM fvm resize -q 42 64T
t_match "64 TiB: the helper says why" "refused by fvm helper: .*free in the store" "$T_ERR"
t_eq "the image is unchanged" "$IMG_WAS" "$(looks "$IMGF")"
t_run "member: delete 42" 0 as $UM fvm delete -q 42
t_eq "no VM disk left" "" "$(ls "$store/vms")"
exit 0
