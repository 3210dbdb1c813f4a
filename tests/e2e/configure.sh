#!/bin/bash
# tests/e2e/configure.sh: fvm configure on the dir storage against the lab's libvirtd: from nothing, re-run, create/delete with the result, interactive answers, Ctrl-C.
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

# --- answers that cannot be right: one line, exit 2, nothing made
t_run "bad subnet exits 2" 2 cf --yes --storage dir --store-dir "$store" \
	--network $NET --subnet 300 --prefix $P
t_lines "bad subnet: one line" 1 "$T_ERR"
t_match "bad subnet message" "^fvm-configure: error: subnet must be a number from 0 to 255, not '300'$" "$T_ERR"
t_run "bad VG name exits 2" 2 cf --yes --storage lvm --vg 'vg/../x' \
	--network $NET --subnet $SUBNET --prefix $P
t_lines "bad VG name: one line" 1 "$T_ERR"
t_match "bad VG name message" "^fvm-configure: error: volume group .*'vg/\.\./x'$" "$T_ERR"
[ ! -e "$CONF" ] && t_ok "no config after bad answers" ||
	t_fail "no config after bad answers" "$CONF exists"
v net-info $NET >/dev/null 2>&1 && t_fail "no network after bad answers" "$NET exists" ||
	t_ok "no network after bad answers"

# --- from nothing
t_run "configure --yes from nothing" 0 cf --yes --storage dir \
	--store-dir "$store" --network $NET --subnet $SUBNET --prefix $P \
	--owner-only-delete yes
t_match "storage checked" "^ok +storage +directory $store$" "$T_OUT"
t_match "network checked" "^ok +network +$NET 192\.168\.$SUBNET\.0/24 active, autostarted$" "$T_OUT"
t_match "sudo rule checked" "^ok +sudoers +$T_TMP/sudoers.d/fvm" "$T_OUT"
t_nomatch "no check failed" "FAILED" "$T_OUT"
t_match "says what it made" "fvm-configure: network $NET \(192\.168\.$SUBNET\.0/24\): defined autostarted started" "$T_ERR"
t_match "config: fast-vm's keys, bare" "^SUBNET_NUMBER=$SUBNET$" "$(cat "$CONF")"
t_match "config: prefix" "^VM_PREFIX=$P$" "$(cat "$CONF")"
t_match "config: owner-only delete" "^FASTVM_OWNER_ONLY_DELETE=yes$" "$(cat "$CONF")"
t_match "config: dir storage" "^FVM_STORAGE=dir$" "$(cat "$CONF")"
t_eq "config readable by fvm" "$SUBNET $NET dir" \
	"$(FVM_CONFIG=$CONF fvm config SUBNET_NUMBER LIBVIRT_NETWORK FVM_STORAGE | tr '\n' ' ' | sed 's/ $//')"
t_eq "network autostarted" yes "$(v net-info $NET | awk '$1 == "Autostart:" {print $2}')"
xml=$(v net-dumpxml $NET)
t_match "network: NAT" "<forward mode='nat'" "$xml"
t_match "network: host address" "<ip address='192\.168\.$SUBNET\.1' netmask='255\.255\.255\.0'" "$xml"
t_match "network: dummy DHCP host" "<host mac='52:54:00:99:ff:99' ip='192\.168\.$SUBNET\.2'/>" "$xml"
t_nomatch "network: no dynamic range" "<range " "$xml"
t_match "network: reservations as files for dnsmasq" "dhcp-hostsdir=/var/lib/fvm/dhcp/$NET'" "$xml"
t_eq "sudo rule mode" 440 "$(stat -c %a "$T_TMP/sudoers.d/fvm")"
t_match "sudo rule" "^%libvirt ALL=\(root\) NOPASSWD: /[^ ]*/fvm helper" "$(cat "$T_TMP/sudoers.d/fvm")"
[ -d "$store" ] && t_ok "store directory made" || t_fail "store directory made" "no $store"

# --- a second run with the same answers changes nothing
sum=$(sha256sum "$CONF") mtime=$(stat -c %Y.%y "$CONF")
t_run "re-run exits 0" 0 cf --yes
t_match "re-run says nothing changed" "nothing to change" "$T_ERR"
t_eq "re-run: config untouched" "$sum $mtime" "$(sha256sum "$CONF") $(stat -c %Y.%y "$CONF")"
t_run "re-run --json" 0 cf --yes --json
t_eq "JSON: every check ok" "ok" "$(printf '%s' "$T_OUT" |
	python3 -c 'import json,sys; print(",".join(sorted({c["result"] for c in json.load(sys.stdin) if c["check"] != "sudoers"})))')"

# --- an existing network with another subnet is a conflict
t_run "other subnet exits 4" 4 cf --yes --subnet $((SUBNET + 1))
t_match "conflict message" "network $NET exists with subnet 192\.168\.$SUBNET\.0/24" "$T_ERR"
t_eq "conflict: config untouched" "$sum" "$(sha256sum "$CONF")"

# --- fvm works with what configure made
export FVM_CONFIG=$CONF
mkdir -p "$store/images"
cp --sparse=always "$GUEST_DIR/fvm-test-boot.raw" "$store/images/$P$IMG.raw"
cp "$GUEST_DIR/config-fvm-test-boot.xml" "$T_TMP/etc/config-$IMG.xml"
t_run "create with the configured host" 0 fvm create $IMG 42
t_eq "domain defined" "$P$IMG-42" "$(v list --all --name | grep "^$P")"
t_match "DHCP entry in the configured network" "^52:54:00:f5:[0-9a-f]{2}:2a,192\.168\.$SUBNET\.42," \
	"$(cat "/var/lib/fvm/dhcp/$NET/192.168.$SUBNET.42" 2>&1)"
t_run "delete" 0 fvm delete 42
t_eq "domain gone" "" "$(v list --all --name | grep "^$P")"
[ ! -e "/var/lib/fvm/dhcp/$NET/192.168.$SUBNET.42" ] && t_ok "DHCP entry gone" ||
	t_fail "DHCP entry gone" "/var/lib/fvm/dhcp/$NET/192.168.$SUBNET.42 is still there"
unset FVM_CONFIG

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

# configure-fast-vm: the same flow, fast-vm's wording on stdout
printf '%s\n' "" "" "" "" "" "" "" "" "" >"$T_TMP/answers"
rc=0
FVM_CONFIG=$CONF2 configure-fast-vm --sudoers none <"$T_TMP/answers" \
	>"$T_TMP/out" 2>"$T_TMP/err" || rc=$?
t_eq "configure-fast-vm exits 0" 0 "$rc"
t_match "configure-fast-vm: fast-vm's banner" "^\[inf\] ==>> fast-vm configuration script$" "$(cat "$T_TMP/out")"
t_match "configure-fast-vm: fast-vm's question" "^\[\?\] VM name prefix in libvirt" "$(cat "$T_TMP/out")"
t_match "configure-fast-vm: last line" "^\[ok\] fast-vm configured$" "$(tail -n 1 "$T_TMP/out")"

# --- Ctrl-C while answering: nothing written
CONF3=$T_TMP/interrupted.conf
mkfifo "$T_TMP/fifo"
fvm configure --config "$CONF3" --sudoers "$T_TMP/sudoers.d/fvm3" \
	<"$T_TMP/fifo" >"$T_TMP/out" 2>"$T_TMP/err" &
pid=$!
exec 7>"$T_TMP/fifo"
printf 'dir\n%s\n' "$T_TMP/store3" >&7
for _ in $(seq 100); do
	grep -q 'VM name prefix' "$T_TMP/err" && break
	sleep 0.1
done
kill -INT $pid
rc=0
wait $pid || rc=$?
exec 7>&-
t_eq "Ctrl-C: killed by SIGINT" 130 "$rc"
t_match "Ctrl-C: says nothing changed" "interrupted: nothing was changed" "$(cat "$T_TMP/err")"
[ ! -e "$CONF3" ] && t_ok "Ctrl-C: no config" || t_fail "Ctrl-C: no config" "$CONF3 written"
[ ! -e "$T_TMP/store3" ] && t_ok "Ctrl-C: no store" || t_fail "Ctrl-C: no store" "$T_TMP/store3 made"
[ ! -e "$T_TMP/sudoers.d/fvm3" ] && t_ok "Ctrl-C: no sudo rule" || t_fail "Ctrl-C: no sudo rule" "written"
