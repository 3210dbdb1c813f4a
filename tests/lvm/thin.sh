#!/bin/bash
# tests/lvm/thin.sh: thin pool, thin LV and thin snapshot on real dm-thin, used the way fvm's lvm store uses them.
#
# Runs inside scripts/lvm-lab (tests/run lvm), in the lab's volume group.
set -eu
. "$(dirname "$0")/../lib.sh"
# shellcheck source-path=SCRIPTDIR source=common.bash
. "$(dirname "$0")/common.bash"

lvm_in_lab lvm/thin

VG=$FVM_LAB_VG
POOL=t_pool
IMG=fvmtest-img
SNAP=fvmtest-img-42
MIB=1048576

# dm_name LV: device-mapper name of VG/LV (LVM doubles hyphens inside names)
dm_name() {
	printf '%s-%s' "$(printf %s "$VG" | sed 's/-/--/g')" \
		"$(printf %s "$1" | sed 's/-/--/g')"
}

# pool_used_bytes: data the test pool has mapped: used data blocks from the
# status line times the data block size (sectors) from the table line
pool_used_bytes() {
	local dev used bs
	dev="$(dm_name "$POOL")-tpool"
	used=$(dmsetup status "$dev" | awk '{ split($6, u, "/"); print u[1] }')
	bs=$(dmsetup table "$dev" | awk '{ print $6 }')
	echo $((used * bs * 512))
}

# pattern WORD MIB: MIB mebibytes of non-zero data, the same every time
pattern() {
	yes "$1" | head -c $(($2 * MIB))
}

# write_pattern WORD MIB DEV: put pattern WORD MIB at the start of DEV
write_pattern() {
	pattern "$1" "$2" | dd of="$3" bs=1M iflag=fullblock conv=fsync status=none
}

md5() {
	md5sum | cut -d' ' -f1
}

t_run "premade pool $VG/$FVM_LAB_POOL exists" 0 \
	lvs --noheadings -o segtype "$VG/$FVM_LAB_POOL"
t_eq "premade pool is a thin pool" thin-pool "$(printf %s "$T_OUT" | tr -d ' ')"

t_on_exit "lvremove -qq -y -f $VG/$POOL"
t_run "create thin pool $POOL" 0 \
	lvcreate -qq -y --type thin-pool -L 1G -n "$POOL" "$VG" || exit 1
t_on_exit "lvremove -qq -y -f $VG/$IMG"
t_run "create thin LV $IMG" 0 \
	lvcreate -qq -n "$IMG" -V 512M --thinpool "$VG/$POOL" || exit 1
t_eq "fresh pool maps nothing" 0 "$(pool_used_bytes)"

img_dev="/dev/$VG/$IMG"
t_run "write 64 MiB into $IMG" 0 write_pattern fvm-origin 64 "$img_dev" || exit 1
want_origin=$(pattern fvm-origin 64 | md5)
t_eq "origin reads back what was written" "$want_origin" \
	"$(head -c $((64 * MIB)) "$img_dev" | md5)"

used1=$(pool_used_bytes)
if [ "$used1" -ge $((64 * MIB)) ] && [ "$used1" -le $((72 * MIB)) ]; then
	t_ok "pool maps about 64 MiB after the write"
else
	t_fail "pool maps about 64 MiB after the write" "used $used1 bytes"
fi

t_on_exit "lvremove -qq -y -f $VG/$SNAP"
t_run "thin snapshot $SNAP" 0 \
	lvcreate -qq -s -kn -ay -n "$SNAP" "$VG/$IMG" || exit 1
snap_dev="/dev/$VG/$SNAP"
t_match "snapshot is an active thin volume" '^V...a' \
	"$(lvs --noheadings -o lv_attr "$VG/$SNAP" | tr -d ' ')"
if [ -b "$snap_dev" ]; then
	t_ok "snapshot has a block device"
else
	t_fail "snapshot has a block device" "no $snap_dev"
fi
json=$(lvs --reportformat json -o lv_name,origin,pool_lv,segtype "$VG/$SNAP")
t_match "json report: origin" "\"origin\":\"$IMG\"" "$json"
t_match "json report: pool" "\"pool_lv\":\"$POOL\"" "$json"
t_match "json report: thin" '"segtype":"thin"' "$json"
t_eq "snapshot shares the origin's blocks" "$used1" "$(pool_used_bytes)"
t_eq "snapshot reads the origin's data" "$want_origin" \
	"$(head -c $((64 * MIB)) "$snap_dev" | md5)"

t_run "write 8 MiB into the snapshot" 0 \
	write_pattern fvm-snapshot 8 "$snap_dev" || exit 1
used2=$(pool_used_bytes)
if [ "$used2" -ge $((used1 + 8 * MIB)) ]; then
	t_ok "pool usage grows by the snapshot's writes"
else
	t_fail "pool usage grows by the snapshot's writes" "$used1 -> $used2 bytes"
fi
t_eq "snapshot reads its own writes" "$(pattern fvm-snapshot 8 | md5)" \
	"$(head -c $((8 * MIB)) "$snap_dev" | md5)"
t_eq "origin is unchanged" "$want_origin" \
	"$(head -c $((64 * MIB)) "$img_dev" | md5)"

t_run "remove snapshot" 0 lvremove -qq -y "$VG/$SNAP"
t_run "remove image" 0 lvremove -qq -y "$VG/$IMG"
t_run "remove test pool" 0 lvremove -qq -y "$VG/$POOL"
t_run "test LVs are gone" 0 lvs --noheadings -o lv_name "$VG"
t_nomatch "test LVs are gone from the report" "$POOL|$IMG" "$T_OUT"
if [ -e "$snap_dev" ] || [ -e "$img_dev" ]; then
	t_fail "device nodes are gone" "$(ls "/dev/$VG")"
else
	t_ok "device nodes are gone"
fi
