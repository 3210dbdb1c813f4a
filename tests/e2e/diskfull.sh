#!/bin/bash
# tests/e2e/diskfull.sh: import and create on a full (or nearly full) dir store fail with the reason and leave nothing: tests/scenarios/diskfull.bash and the dir store's own cases.
#
# Runs inside the lab namespace. The store is a small tmpfs mounted by the
# test under $T_TMP (unmounted at the end) and filled with a file of zeros.
set -u
# shellcheck source-path=SCRIPTDIR source=../lib.sh
. "$(dirname "$0")/../lib.sh"

# shellcheck source=common.bash
. "$(dirname "$0")/common.bash"

P=fvmt-df-
NET=fvmtest-df
SUBNET=144
IMG="df"
FULL=$T_TMP/full

e2e_setup $P $NET $SUBNET df

if ! mkdir -p "$FULL" || ! mount -t tmpfs -o size=24m,mode=0755 fvm-diskfull "$FULL" 2>"$T_TMP/mount.err"; then
	t_skip "disk full" "cannot mount a tmpfs: $(cat "$T_TMP/mount.err")"
	exit 0
fi
t_on_exit "umount '$FULL'"
sed -i "s|^FVM_STORE_DIR=.*|FVM_STORE_DIR=$FULL/store|" "$FVM_CONFIG"
s=$FULL/store

domains() { v list --all --name | grep "^$P"; }
dhcp_hosts() { v net-dumpxml "$NET" | grep "<host mac=" | grep -v "52:54:00:99:ff:99"; }
s_leftovers() {
	(cd "$s" 2>/dev/null && find . -mindepth 1 ! -type d) |
		grep -vE "^\./images/$P$IMG\.(raw|sha256)$" | sed 's/^/store: /'
	domains
	dhcp_hosts
}
s_fill() {
	dd if=/dev/zero of="$FULL/fill" bs=64k status=none 2>/dev/null
	sync
	[ "$(df --output=avail -B1 "$FULL" | tail -n 1 | tr -d ' ')" = 0 ]
}
s_room() { rm -f "$FULL/fill"; }
DF_XML=$GUEST_DIR/config-fvm-test-boot.xml
NOSPACE='(disk full|[Nn]o space left)'

# shellcheck source=../scenarios/diskfull.bash
. "$TOP/tests/scenarios/diskfull.bash"

# --- what a full filesystem does that a full thin pool does not: an
# empty image and a VM's overlay need room too
df_fails "import of an empty image on a full store" import fvm import -q -s 1G ${IMG}5 empty
df_fails "create on a full store" create fvm create -q $IMG 42

# --- nearly full: room for the first page of a VM disk, not the rest
truncate -s -4K "$FULL/fill"
df_fails "create on a nearly full store" create fvm create -q $IMG 43
truncate -s -2M "$FULL/fill"
df_fails "import of 40 MiB with 2 MiB free" import fvm import -q ${IMG}2 "$T_TMP/big.raw"

df_room
t_run "import $IMG again" 0 fvm import -q $IMG "$T_TMP/small.raw" "$DF_XML"
t_run "create works with room" 0 fvm create -q $IMG 42
t_run "delete works" 0 fvm delete -q 42
t_run "image-rm $IMG again" 0 fvm image-rm -q $IMG
rm -f "$T_TMP/etc/config-$IMG.xml"
t_eq "nothing left after the VM" "" "$(IMG=none s_leftovers)"
