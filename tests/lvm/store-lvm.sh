#!/bin/bash
# tests/lvm/store-lvm.sh: lib/store's lvm backend on a real thin pool, driven through tests/tools/store-tool.
#
# Runs inside scripts/lvm-lab (tests/run lvm), in the lab's volume group
# and thin pool (FVM_LAB_VG, FVM_LAB_POOL).
set -u
. "$(dirname "$0")/../lib.sh"
# shellcheck source-path=SCRIPTDIR source=common.bash
. "$(dirname "$0")/common.bash"

lvm_in_lab lvm/store-lvm

VG=$FVM_LAB_VG
POOL=$FVM_LAB_POOL
TOOL=${BUILD:-$TOP/build}/tests/tools/store-tool
IMG=st-img
VM=st-img-1
MIB=1048576

if [ ! -x "$TOOL" ]; then
	t_fail "lvm/store-lvm" "$TOOL not built (make units)"
	exit 1
fi
printf 'THINPOOL_VG=%s\nTHINPOOL_LV=%s\n' "$VG" "$POOL" >"$T_TMP/conf"
export FVM_CONFIG="$T_TMP/conf"
t_on_exit "lvremove -f $VG/$IMG $VG/$VM $VG/st-img-2 $VG/st-plain"

# dm_name LV: device-mapper name of VG/LV (LVM doubles hyphens inside names)
dm_name() {
	printf '%s-%s' "$(printf %s "$VG" | sed 's/-/--/g')" \
		"$(printf %s "$1" | sed 's/-/--/g')"
}


lv_gone() {
	! lvs "$VG/$1" >/dev/null 2>&1
}

# image
t_run "image create" 0 "$TOOL" image-create "$IMG" 64M
t_eq "image is a thin LV of the pool" "$POOL" "$(lv_field "$IMG" pool_lv)"
t_eq "image size" $((64 * MIB)) "$(lv_field "$IMG" lv_size)"
t_run "image create again is a conflict" 4 "$TOOL" image-create "$IMG" 64M
t_match "conflict message is lvcreate's" 'lvcreate: .*already exists' "$T_ERR"
t_run "bad name never reaches lvm" 2 "$TOOL" image-create "-$IMG" 64M
t_run "exists" 0 "$TOOL" exists "$IMG"
t_run "path" 0 "$TOOL" path "$IMG"
t_eq "path is the /dev node" "/dev/$VG/$IMG" "$T_OUT"
t_run "spec" 0 "$TOOL" spec "$IMG"
t_eq "spec is a raw block disk" "block /dev/$VG/$IMG raw" "$T_OUT"
t_run "format" 0 "$TOOL" format "$IMG"
t_eq "format is raw" raw "$T_OUT"

# data: 8 MiB written, usage from libdevmapper agrees with lvs
yes fvm-store-test | head -c $((8 * MIB)) >"$T_TMP/data"
dd if="$T_TMP/data" of="/dev/$VG/$IMG" bs=1M oflag=direct conv=fsync \
	status=none
t_run "usage" 0 "$TOOL" usage "$IMG"
set -- $T_OUT
t_eq "usage: exists and size" "1 $((64 * MIB))" "$1 $2"
t_eq "usage: 8 MiB mapped" $((8 * MIB)) "$3"
pct=$(lv_field "$IMG" data_percent)
want=$(awk -v a="$3" -v s="$2" 'BEGIN { printf "%.2f", a * 100 / s }')
t_eq "usage matches lvs data_percent" "$pct" "$want"
if command -v strace >/dev/null; then
	strace -f -qq -e trace=execve -o "$T_TMP/trace" "$TOOL" usage "$IMG" \
		>/dev/null 2>&1
	t_eq "usage runs no process" 1 "$(grep -c execve "$T_TMP/trace")"
	strace -f -qq -e trace=execve -o "$T_TMP/trace" "$TOOL" pool \
		>/dev/null 2>&1
	t_eq "pool status runs no process" 1 "$(grep -c execve "$T_TMP/trace")"
else
	t_skip "usage runs no process" "no strace"
fi

# clone
t_run "clone" 0 "$TOOL" clone "$IMG" "$VM"
t_eq "clone is a thin snapshot of the image" "$IMG" "$(lv_field "$VM" origin)"
t_eq "clone is active" a "$(lv_field "$VM" lv_attr | cut -c5)"
t_eq "clone has no activation skip" "" "$(lv_field "$VM" lv_skip_activation)"
if cmp -s -n $((8 * MIB)) "/dev/$VG/$VM" "$T_TMP/data"; then
	t_ok "clone reads the image's data"
else
	t_fail "clone reads the image's data" "cmp differs"
fi
t_run "clone again is a conflict" 4 "$TOOL" clone "$IMG" "$VM"
t_run "clone of a missing image" 3 "$TOOL" clone st-none st-none-1
t_run "clone usage" 0 "$TOOL" usage "$VM"
t_eq "clone shares the image's blocks" "1 $((64 * MIB)) $((8 * MIB))" "$T_OUT"

# pool status equals dmsetup's numbers
dev="$(dm_name "$POOL")-tpool"
st=$(dmsetup status "$dev")
bs=$(dmsetup table "$dev" | awk '{ print $6 }')
want=$(printf '%s\n' "$st" | awk -v bs="$bs" '{
	split($5, m, "/"); split($6, d, "/")
	printf "%d %d %d %d", d[2] * bs * 512, d[1] * bs * 512, m[2] * 4096, m[1] * 4096
	ro = ($8 != "rw") ? 1 : 0; nc = ($0 ~ / needs_check/) ? 1 : 0
	printf " %d %d", ro, nc }')
t_run "pool status" 0 "$TOOL" pool
t_eq "pool status equals dmsetup status" "$want" "$T_OUT"

# resize
t_run "resize grow" 0 "$TOOL" resize "$VM" 128M
t_eq "resized LV" $((128 * MIB)) "$(lv_field "$VM" lv_size)"
t_run "usage after resize" 0 "$TOOL" usage "$VM"
t_match "usage sees the new size" "^1 $((128 * MIB)) " "$T_OUT"
t_run "resize to the same size" 0 "$TOOL" resize "$VM" 128M
t_run "shrink refused" 2 "$TOOL" resize "$VM" 64M
t_run "shrink allowed" 0 "$TOOL" resize "$VM" 64M shrink
t_eq "shrunk LV" $((64 * MIB)) "$(lv_field "$VM" lv_size)"

# rename, list
t_run "rename" 0 "$TOOL" rename "$VM" st-img-2
t_run "rename onto an existing LV" 4 "$TOOL" rename st-img-2 "$IMG"
t_run "renamed exists" 0 "$TOOL" exists st-img-2
t_run "old name gone" 3 "$TOOL" exists "$VM"
t_run "list" 0 "$TOOL" list st-
t_eq "list names the thin LVs" "$IMG st-img-2" "$(echo $T_OUT)"
t_run "list by prefix" 0 "$TOOL" list st-img-
t_eq "list by prefix names" "st-img-2" "$T_OUT"
t_run "list nothing" 0 "$TOOL" list zz-
t_eq "list nothing is empty" "" "$T_OUT"
t_run "list leaves out the pool" 0 "$TOOL" list "$POOL"
t_nomatch "pool not listed" "^$POOL\$" "$T_OUT"

# only thin LVs of the pool are ever changed
t_run "pool refused" 2 "$TOOL" vm-remove "$POOL"
t_eq "pool still there" "$POOL" "$(lv_field "$POOL" lv_name)"
if lvcreate -qq -y -L 8M -n st-plain "$VG" >/dev/null 2>&1; then
	t_run "linear LV refused" 2 "$TOOL" vm-remove st-plain
	t_eq "linear LV still there" st-plain "$(lv_field st-plain lv_name)"
	lvchange -qq -an "$VG/st-plain" >/dev/null 2>&1
	t_run "inactive linear LV refused" 2 "$TOOL" image-remove st-plain
	lvremove -qq -f "$VG/st-plain" >/dev/null 2>&1
else
	t_skip "linear LV refused" "no room for a linear LV"
fi

# an inactive LV: usage and exists through lvs
lvchange -qq -an "$VG/st-img-2"
t_run "inactive usage" 0 "$TOOL" usage st-img-2
t_match "inactive usage from lvs" "^1 $((64 * MIB)) " "$T_OUT"
t_run "inactive exists" 0 "$TOOL" exists st-img-2
t_run "inactive has no path" 3 "$TOOL" path st-img-2
t_run "inactive resize" 0 "$TOOL" resize st-img-2 96M
t_eq "inactive resized" $((96 * MIB)) "$(lv_field st-img-2 lv_size)"

# memory: the dm queries, the lvm commands and the lvs reader
if command -v valgrind >/dev/null; then
	VG_RUN="valgrind -q --leak-check=full --error-exitcode=99"
	t_run "valgrind: usage" 0 $VG_RUN "$TOOL" usage "$IMG"
	t_run "valgrind: pool" 0 $VG_RUN "$TOOL" pool
	t_run "valgrind: list" 0 $VG_RUN "$TOOL" list st-
	t_run "valgrind: inactive usage" 0 $VG_RUN "$TOOL" usage st-img-2
	t_run "valgrind: clone conflict" 4 $VG_RUN "$TOOL" clone "$IMG" st-img-2
else
	t_skip "valgrind" "not installed"
fi

# remove
t_run "vm remove" 0 "$TOOL" vm-remove st-img-2
if lv_gone st-img-2; then t_ok "vm LV gone"; else t_fail "vm LV gone" "still listed"; fi
t_run "vm remove again" 3 "$TOOL" vm-remove st-img-2
t_run "usage of a missing disk" 0 "$TOOL" usage st-img-2
t_eq "missing disk usage" "0 0 0" "$T_OUT"
t_run "exists of a missing disk" 3 "$TOOL" exists st-img-2

# clone timing (TCG inside the lab: an indication only)
t_run "bench clone" 0 "$TOOL" bench-clone "$IMG" 3
echo "# lvm clone median/max us: $T_OUT"

t_run "image remove" 0 "$TOOL" image-remove "$IMG"
if lv_gone "$IMG"; then t_ok "image LV gone"; else t_fail "image LV gone" "still listed"; fi
t_run "nothing left" 0 "$TOOL" list st-
t_eq "nothing left listed" "" "$T_OUT"
