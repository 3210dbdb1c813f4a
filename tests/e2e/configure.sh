#!/bin/bash
# tests/e2e/configure.sh: fvm configure on the dir storage against the lab's libvirtd: tests/scenarios/configure.bash, the sudo rule and interactive answers.
#
# Runs inside the lab namespace (tests/run: scripts/lab exec). The config,
# the store and the sudo rule go under $T_TMP; the network is this test's
# own and goes at the end. virsh only inspects what fvm did.
set -u
# shellcheck source-path=SCRIPTDIR source=../lib.sh
. "$(dirname "$0")/../lib.sh"

P=fvmt-cf-
NET=fvmtest-cf
SUBNET=136
IMG=cftest
URI=qemu:///system
GUEST_DIR=${FVM_GUEST_DIR:-$TOP/build/guest}

v() { timeout 60 virsh -q -c "$URI" "$@"; }

remove_all() {
	local d
	for d in $(v list --all --name | grep "^$P"); do
		v destroy "$d" >/dev/null 2>&1
		v undefine --nvram "$d" >/dev/null 2>&1
	done
	v net-destroy "$NET" >/dev/null 2>&1
	v net-undefine "$NET" >/dev/null 2>&1
	rm -rf "/var/lib/fvm/dhcp/$NET"
}
remove_all
t_on_exit remove_all

if ! "$TOP/scripts/mkguest" -q -o "$GUEST_DIR" >/dev/null; then
	t_fail "mkguest" "failed"
	exit 1
fi

CONF=$T_TMP/fast-vm.conf
store=$T_TMP/store
mkdir -p "$T_TMP/etc" "$T_TMP/user" "$T_TMP/locks" "$T_TMP/state" "$T_TMP/sudoers.d"
export FVM_SYSTEM_DIR=$T_TMP/etc FVM_USER_DIR=$T_TMP/user \
	FVM_LOCK_DIR=$T_TMP/locks FVM_STATE_DIR=$T_TMP/state
unset FVM_CONFIG
# every run writes only under $T_TMP
cf() {
	fvm configure --config "$CONF" --sudoers "$T_TMP/sudoers.d/fvm" "$@"
}

CF_STORE_ARGS=(--storage dir --store-dir "$store")
CF_RERUN_ARGS=()
CF_STORAGE=dir
s_image() {
	mkdir -p "$store/images"
	cp --sparse=always "$GUEST_DIR/fvm-test-boot.raw" "$store/images/$P$IMG.raw"
}
s_disk() { echo "$store/vms/$1.qcow2"; }

# shellcheck source=../scenarios/configure.bash
. "$TOP/tests/scenarios/configure.bash"

cf_bad_answers
cf_from_nothing --owner-only-delete yes
# --- what the dir store and the sudo rule add
t_match "storage checked" "^ok +storage +directory $store$" "$CF_OUT"
t_match "sudo rule checked" "^ok +sudoers +$T_TMP/sudoers.d/fvm" "$CF_OUT"
t_match "config: owner-only delete" "^FASTVM_OWNER_ONLY_DELETE=yes$" "$(cat "$CONF")"
t_match "config: dir storage" "^FVM_STORAGE=dir$" "$(cat "$CONF")"
t_eq "sudo rule mode" 440 "$(stat -c %a "$T_TMP/sudoers.d/fvm")"
t_match "sudo rule" "^%libvirt ALL=\(root\) NOPASSWD: /[^ ]*/fvm helper" "$(cat "$T_TMP/sudoers.d/fvm")"
[ -d "$store" ] && t_ok "store directory made" || t_fail "store directory made" "no $store"
cf_rerun "$CONF"
cf_create_delete

# --- interactive: the answers come on stdin, Enter keeps the default
CONF2=$T_TMP/second.conf
printf '%s\n' dir "$store" $P "" $NET $SUBNET no "" "" >"$T_TMP/answers"
rc=0
fvm configure --config "$CONF2" --sudoers none <"$T_TMP/answers" \
	>"$T_TMP/out" 2>"$T_TMP/err" || rc=$?
t_eq "interactive run exits 0" 0 "$rc"
t_match "asks for the storage first" "^\[\?\] Storage of images and VM disks" "$(head -n 4 "$T_TMP/err" | tail -n 1)"
t_eq "questions in fast-vm's order" "Storage Directory VM Group libvirt Subnet Only libguestfs Root" \
	"$(grep -o '^\[?\] [A-Za-z]*' "$T_TMP/err" | cut -c5- | tr '\n' ' ' | sed 's/ $//')"
t_match "shows the default in brackets" "^\[fastvm-\]: " "$(cat "$T_TMP/err")"
t_match "interactive: answers written" "^VM_PREFIX=$P$" "$(cat "$CONF2" 2>/dev/null)"
t_match "interactive: Enter keeps the default group" "^FASTVM_GROUP=libvirt$" "$(cat "$CONF2" 2>/dev/null)"
t_match "interactive: store directory" "^FVM_STORE_DIR=$store$" "$(cat "$CONF2" 2>/dev/null)"

# a bad answer is asked again
printf '%s\n' dir "$store" $P "" $NET 999 $SUBNET no "" "" >"$T_TMP/answers"
rc=0
fvm configure --config "$T_TMP/third.conf" --sudoers none <"$T_TMP/answers" \
	>"$T_TMP/out" 2>"$T_TMP/err" || rc=$?
t_eq "bad answer asked again: exits 0" 0 "$rc"
t_match "bad answer: says why" "^\[err\] subnet must be a number from 0 to 255" "$(cat "$T_TMP/err")"
t_match "bad answer: the good one written" "^SUBNET_NUMBER=$SUBNET$" "$(cat "$T_TMP/third.conf" 2>/dev/null)"

cf_fast_vm
cf_interrupted
