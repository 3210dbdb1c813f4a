# tests/lvm/common.bash: what the lvm tests share (sourced after ../lib.sh).
#
# They run inside scripts/lvm-lab, against its volume group and thin pool
# (FVM_LAB_VG, FVM_LAB_POOL) and scripts/lab's libvirtd in a namespace in
# that VM. The host's / is read-only in there: the test guest must have been
# built on the host first (tests/run lvm does it).

GUEST_DIR=${FVM_GUEST_DIR:-$TOP/build/guest}
URI=qemu:///system
export LVM_SUPPRESS_FD_WARNINGS=1

# v ARGS: virsh against the lab's libvirtd, to inspect what fvm did
v() { timeout 60 virsh -q -c "$URI" "$@"; }

# lv_field LV FIELD: one lvs field of VG/LV, in bytes where it is a size
lv_field() {
	lvs --noheadings --units b --nosuffix -o "$2" "$VG/$1" 2>/dev/null |
		tr -d ' '
}

# lvm_in_lab NAME: SKIP NAME and leave the test outside scripts/lvm-lab
lvm_in_lab() {
	[ -n "${FVM_IN_LVM_LAB:-}" ] && return 0
	t_skip "$1" "runs only inside scripts/lvm-lab"
	exit 0
}

# lvm_need_pool NAME: SKIP NAME and leave when $VG/$POOL is missing
lvm_need_pool() {
	lvs "$VG/$POOL" >/dev/null 2>&1 && return 0
	t_skip "$1" "no thin pool $VG/$POOL"
	exit 0
}

# lvm_need_guest NAME FILE...: SKIP NAME and leave unless each FILE of the
# test guest is in $GUEST_DIR
lvm_need_guest() {
	local name=$1 f
	shift
	for f in "$@"; do
		[ -s "$GUEST_DIR/$f" ] && continue
		t_skip "$name" "no test guest in $GUEST_DIR (scripts/mkguest on the host first)"
		exit 0
	done
}

# lvm_lab_up: scripts/lab's libvirtd inside this VM, started (and stopped
# when the test ends) unless it already runs
lvm_lab_up() {
	"$TOP/scripts/lab" status >/dev/null 2>&1 && return 0
	t_run "lab start inside the VM" 0 "$TOP/scripts/lab" start || exit 1
	t_on_exit "'$TOP/scripts/lab' stop"
}

# lvm_image_lv LV RAW: thin LV $VG/LV in $POOL holding the test guest's
# RAW disk, filled the way fast-vm-image import does
lvm_image_lv() {
	local size
	size=$(stat -c %s "$GUEST_DIR/$2")
	t_run "image LV created" 0 lvcreate -qq -V "${size}b" -T "$VG/$POOL" -n "$1" || exit 1
	t_run "image written" 0 dd if="$GUEST_DIR/$2" of="/dev/$VG/$1" \
		bs=1M conv=sparse,fsync status=none || exit 1
}
