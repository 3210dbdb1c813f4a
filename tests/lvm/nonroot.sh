#!/bin/bash
# tests/lvm/nonroot.sh: create, resize and delete on the lvm storage as a FASTVM_GROUP member who is not root, through sudo and fvm helper, and what the helper refuses.
#
# Runs inside scripts/lvm-lab (tests/run lvm), in the lab's volume group and
# thin pool. Domains are defined, never booted. Makes a group, two members
# and a sudoers rule inside the throw-away VM. Members reach the libvirtd
# through a socket only the group may open (a relay to the lab's socket).
set -u
# shellcheck source-path=SCRIPTDIR source=../lib.sh
. "$(dirname "$0")/../lib.sh"
# shellcheck source-path=SCRIPTDIR source=common.bash
. "$(dirname "$0")/common.bash"

lvm_in_lab lvm/nonroot
for c in sudo socat setpriv useradd; do
	if ! command -v $c >/dev/null 2>&1; then
		t_skip "lvm/nonroot" "$c is not installed (scripts/install-deps)"
		exit 0
	fi
done

VG=$FVM_LAB_VG
POOL=$FVM_LAB_POOL
P=fvmt-nr-
NET=fvmtest-nrl
SUBNET=136
IMG=nrl
GRP=fvmtnr
UA=fvmtnr-a
UB=fvmtnr-b
FVM=$(readlink -f "$BUILD/bin/fvm")

lvm_need_guest lvm/nonroot config-fvm-test-boot.xml
lvm_need_pool lvm/nonroot

lvs_left() { lvs --noheadings -o lv_name "$VG" | grep -cE " $P"; }

remove_all() {
	local d u
	for d in $P$IMG-42 $P$IMG-43; do
		v destroy "$d" >/dev/null 2>&1
		v undefine --nvram "$d" >/dev/null 2>&1
	done
	for d in $P$IMG-42 $P$IMG-43 ${P}thick-44 $P$IMG; do
		lvremove -qq -f "$VG/$d" >/dev/null 2>&1
	done
	"$TOP/scripts/lab" net-undefine "$NET" >/dev/null 2>&1
	for u in $UA $UB; do
		userdel -r "$u" >/dev/null 2>&1
	done
	groupdel $GRP >/dev/null 2>&1
	rm -f /etc/sudoers.d/fvmt-nr
}

lvm_lab_up
remove_all
t_on_exit remove_all
t_run "lab net-define inside the VM" 0 "$TOP/scripts/lab" net-define "$NET" "$SUBNET" || exit 1

# the image is root's: made the way an import makes it
t_run "image LV created" 0 lvcreate -qq -V 64m -T "$VG/$POOL" -n "$P$IMG" || exit 1

SH=$(mktemp -d /tmp/fvm-nrl.XXXXXX)
t_on_exit "rm -rf $SH"
chmod 0755 "$SH"
mkdir -p "$SH/etc"
mkdir -m 1777 "$SH/locks"
cp "$GUEST_DIR/config-fvm-test-boot.xml" "$SH/etc/config-$IMG.xml"

groupadd $GRP
useradd -m -s /bin/sh -G $GRP $UA
useradd -m -s /bin/sh -G $GRP $UB

socat UNIX-LISTEN:"$SH/libvirt-sock",fork,user=root,group=$GRP,mode=0660 \
	UNIX-CONNECT:/var/run/libvirt/libvirt-sock >/dev/null 2>&1 &
RELAY=$!
t_on_exit "kill $RELAY"
for _ in $(seq 50); do
	[ -S "$SH/libvirt-sock" ] && break
	sleep 0.1
done

CONF=$SH/fast-vm.conf
cat >"$CONF" <<-CONF
	VM_PREFIX=$P
	THINPOOL_VG=$VG
	THINPOOL_LV=$POOL
	LIBVIRT_NETWORK=$NET
	SUBNET_NUMBER=$SUBNET
	FVM_STORAGE=lvm
	FVM_DOMAIN_TYPE=qemu
	FASTVM_GROUP=$GRP
	FASTVM_OWNER_ONLY_DELETE=yes
	FVM_URI=qemu+unix:///system?socket=$SH/libvirt-sock
CONF
chmod 0644 "$CONF"
fvm helper --sudoers $GRP --config "$CONF" >/etc/sudoers.d/fvmt-nr
chmod 0440 /etc/sudoers.d/fvmt-nr

as() {
	local u=$1
	shift
	setpriv --reuid="$u" --regid="$u" --init-groups \
		env -i HOME="/home/$u" USER="$u" LOGNAME="$u" LC_ALL=C \
		PATH="$BUILD/bin:/usr/sbin:/usr/bin:/sbin:/bin" \
		FVM_CONFIG="$CONF" FVM_SYSTEM_DIR="$SH/etc" \
		FVM_LOCK_DIR="$SH/locks" "$@"
}
helper() {
	printf '%b' "$2" | as "$1" sudo -n "$FVM" helper --config "$CONF" \
		>"$T_TMP/out" 2>"$T_TMP/err"
}

# --- a member's lifecycle
t_run "member: create $IMG 42" 0 as $UA fvm create $IMG 42
lv=$P$IMG-42
t_eq "thin snapshot of the image" "$P$IMG" "$(lv_field $lv origin)"
t_eq "in the pool" "$POOL" "$(lv_field $lv pool_lv)"
t_eq "the group may use the LV's device" "$GRP 660" \
	"$(stat -L -c '%G %a' /dev/$VG/$lv 2>&1)"
t_run "second member: create $IMG 43" 0 as $UB fvm create $IMG 43
t_run "member: resize 42" 0 as $UA fvm resize 42 128M
t_eq "resized by the helper" 134217728 "$(lv_field $lv lv_size)"

# --- requests the helper refuses
t_run "a thick LV with the prefix" 0 lvcreate -qq -L 8m -n ${P}thick-44 "$VG"
before=$(lvs --noheadings -o lv_name,lv_size "$VG" | tr -s ' ')
helper $UA "op=remove\nvm=$POOL\n"
t_eq "the pool itself: invalid (6)" 6 $?
helper $UA "op=remove\nvm=${P}thick-44\n"
t_eq "an LV outside the pool: refused (5)" 5 $?
t_match "outside the pool message" "not a thin LV of pool $POOL" "$(cat "$T_TMP/err")"
helper $UA "op=resize\nvm=${P}thick-44\nsize=16777216\n"
t_eq "resize outside the pool: refused (5)" 5 $?
helper $UA "op=remove\nvm=$VG/$P$IMG-43\n"
t_eq "a VG/LV path: invalid (6)" 6 $?
helper $UA "op=remove\nvm=$P$IMG-19\n"
t_eq "number out of range: invalid (6)" 6 $?
helper $UA "op=remove\nvm=$P$IMG-43\n"
t_eq "the other member's VM: refused (5)" 5 $?
helper $UA "op=clone\nimage=${P}nosuch\nvm=${P}nosuch-44\n"
t_eq "clone of a missing image: not found (3)" 3 $?
t_eq "no LV changed" "$before" "$(lvs --noheadings -o lv_name,lv_size "$VG" | tr -s ' ')"
truncate -s 4M "$SH/disk.raw"
t_run "member: import is refused" 1 as $UA fvm import other "$SH/disk.raw"
t_match "import: only root" "only root can import" "$T_ERR"

# --- delete
t_run "member: delete 42" 0 as $UA fvm delete 42
t_run "second member: delete 43" 0 as $UB fvm delete 43
lvremove -qq -f "$VG/${P}thick-44" >/dev/null 2>&1
lvremove -qq -f "$VG/$P$IMG" >/dev/null 2>&1
t_eq "no LV left" 0 "$(lvs_left)"
exit 0
