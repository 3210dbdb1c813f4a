#!/bin/bash
# tests/lvm/configure.sh: tests/scenarios/configure.bash with a volume group on a loop file, and what configure makes for lvm: the VG, its pools, the loop unit.
#
# Runs inside scripts/lvm-lab (tests/run lvm): the volume group, the thin
# pool, the loop device and the systemd unit are made inside the throw-away
# VM; its libvirtd is scripts/lab's. Guests are defined, never booted.
set -u
# shellcheck source-path=SCRIPTDIR source=../lib.sh
. "$(dirname "$0")/../lib.sh"
# shellcheck source-path=SCRIPTDIR source=common.bash
. "$(dirname "$0")/common.bash"

lvm_in_lab lvm/configure

VG=fvmcf
POOL=cfpool
NET=fvmtest-cf
SUBNET=136
P=fvmt-cf-
IMG=cftest
UNIT=/etc/systemd/system/fvm-loop-$VG.service

lvm_need_guest lvm/configure fvm-test-boot.raw config-fvm-test-boot.xml


LOOP=$T_TMP/loop/$VG.img
remove_all() {
	local d l
	for d in $(v list --all --name | grep "^$P"); do
		v destroy "$d" >/dev/null 2>&1
		v undefine --nvram "$d" >/dev/null 2>&1
	done
	v net-destroy "$NET" >/dev/null 2>&1
	v net-undefine "$NET" >/dev/null 2>&1
	rm -rf "/var/lib/fvm/dhcp/$NET"
	vgremove -qq -f "$VG" >/dev/null 2>&1
	for l in $(losetup -j "$LOOP" -O NAME --noheadings 2>/dev/null); do
		pvremove -qq -y "$l" >/dev/null 2>&1
		losetup -d "$l"
	done
	rm -f "$UNIT"
}

lvm_lab_up
remove_all
t_on_exit remove_all

CONF=$T_TMP/fast-vm.conf
mkdir -p "$T_TMP/etc" "$T_TMP/user" "$T_TMP/locks" "$T_TMP/state"
export FVM_SYSTEM_DIR=$T_TMP/etc FVM_USER_DIR=$T_TMP/user \
	FVM_LOCK_DIR=$T_TMP/locks FVM_STATE_DIR=$T_TMP/state
unset FVM_CONFIG
cf() {
	fvm configure --config "$CONF" --sudoers none "$@"
}

CF_STORE_ARGS=(--storage lvm --vg "$VG" --pool "$POOL" --pool-size 512M --loop-file "$LOOP" --loop-size 1G)
CF_RERUN_ARGS=(--loop-file "$LOOP")
CF_STORAGE=lvm
s_image() { lvm_image_lv "$P$IMG" fvm-test-boot.raw; }
s_disk() { echo "/dev/$VG/$1"; }
s_created() {
	t_eq "VM disk is a thin snapshot in the pool" "$POOL $P$IMG" \
		"$(lv_field "$1" pool_lv) $(lv_field "$1" origin)"
}

# shellcheck source=../scenarios/configure.bash
. "$TOP/tests/scenarios/configure.bash"

cf_bad_answers
t_run "missing VG without a loop file exits 3" 3 cf --yes --storage lvm \
	--vg $VG --pool $POOL --network $NET --subnet $SUBNET --prefix $P
t_match "missing VG message" "volume group $VG does not exist" "$T_ERR"
vgs $VG >/dev/null 2>&1 && t_fail "no VG after the errors" "$VG exists" ||
	t_ok "no VG after the errors"

# --- from nothing: a loop file, its volume group, a thin pool
cf_from_nothing
T_OUT=$CF_OUT T_ERR=$CF_ERR
t_match "storage checked" "^ok +storage +thin pool $VG/$POOL$" "$T_OUT"
t_match "loop unit checked" "^ok +loop device +$UNIT installed" "$T_OUT"
t_match "says it made the VG" "created volume group $VG on /dev/loop[0-9]+ \(loop file $LOOP, 1G\)" "$T_ERR"
t_eq "loop file is sparse, 1 GiB" 1073741824 "$(stat -c %s "$LOOP")"
dev=$(losetup -j "$LOOP" -O NAME --noheadings | tr -d ' ')
t_match "loop file attached" "^/dev/loop[0-9]+$" "$dev"
t_eq "VG on the loop device" "$VG" "$(pvs --noheadings -o vg_name "$dev" | tr -d ' ')"
t_eq "thin pool made" thin-pool "$(lv_field $POOL segtype)"
t_eq "pool size" 536870912 "$(lv_field $POOL lv_size)"
t_match "unit attaches the file" "losetup -f \"\\\$\\\$1\"' sh $LOOP$" "$(cat "$UNIT" 2>/dev/null)"
t_match "unit activates the VG" "^ExecStart=/sbin/vgchange -ay $VG$" "$(cat "$UNIT" 2>/dev/null)"
t_match "unit before LVM activation" "^Before=lvm2-activation.service" "$(cat "$UNIT" 2>/dev/null)"
t_match "config: THINPOOL_VG" "^THINPOOL_VG=$VG$" "$(cat "$CONF")"
t_match "config: THINPOOL_LV" "^THINPOOL_LV=$POOL$" "$(cat "$CONF")"
t_match "config: lvm storage" "^FVM_STORAGE=lvm$" "$(cat "$CONF")"

cf_rerun "$CONF" "$UNIT"
t_eq "re-run: one loop device" 1 "$(losetup -j "$LOOP" | wc -l)"

# --- a thin pool of its own in an existing VG
t_run "an existing VG gets a thin pool" 0 cf --yes --pool cfpool2 --pool-size 256M
t_eq "second pool made" thin-pool "$(lv_field cfpool2 segtype)"
t_run "back to the first pool" 0 cf --yes --pool $POOL
lvremove -qq -f "$VG/cfpool2"

# --- interactive: a second VG on a loop file, confirmed on stdin
LOOP2=$T_TMP/loop/${VG}2.img
t_on_exit "vgremove -qq -f ${VG}2 >/dev/null 2>&1; for l in \$(losetup -j '$LOOP2' -O NAME --noheadings); do pvremove -qq -y \$l; losetup -d \$l; done; rm -f /etc/systemd/system/fvm-loop-${VG}2.service"
printf '%s\n' lvm ${VG}2 "$LOOP2" $POOL 256M 512M $P "" $NET $SUBNET "" "" "" y y >"$T_TMP/answers"
rc=0
fvm configure --config "$T_TMP/second.conf" --sudoers none <"$T_TMP/answers" \
	>"$T_TMP/out" 2>"$T_TMP/err" || rc=$?
t_eq "interactive loop-file VG: exit 0" 0 "$rc"
t_match "asks for the loop file" "^\[\?\] Loop file for the new volume group" "$(cat "$T_TMP/err")"
t_match "shows the commands before" "^  losetup -f --show $LOOP2$" "$(cat "$T_TMP/err")"
t_eq "interactive: thin pool made" thin-pool \
	"$(lvs --noheadings -o segtype "${VG}2/$POOL" 2>/dev/null | tr -d ' ')"
t_match "interactive: config" "^THINPOOL_VG=${VG}2$" "$(cat "$T_TMP/second.conf" 2>/dev/null)"

cf_fast_vm
t_match "configure-fast-vm lists the VGs" "^ +$VG +wz--n-" "$(cat "$T_TMP/out")"
t_nomatch "configure-fast-vm: no size question for an existing pool" "LVM thin pool size" "$(cat "$T_TMP/out")"

cf_create_delete
cf_interrupted
