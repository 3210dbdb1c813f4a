#!/bin/bash
# tests/e2e/diskfull.sh: import and create on a full (or nearly full) dir store fail with the reason and leave nothing.
#
# Runs inside the lab namespace. The store is a small tmpfs mounted by the
# test under $T_TMP (unmounted at the end) and filled with a file of
# zeros. It shares crash.sh's network (fvmtest-cr, 192.168.138.0/24) with
# a prefix of its own; the two do not run at the same time.
set -u
# shellcheck source-path=SCRIPTDIR source=../lib.sh
. "$(dirname "$0")/../lib.sh"

# shellcheck source=common.bash
. "$(dirname "$0")/common.bash"

P=fvmt-df-
NET=fvmtest-cr
SUBNET=138
IMG=df
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
# everything in the store and the config dirs but the image df and its files
leftovers() {
	(cd "$s" && find . -mindepth 1 ! -type d) | grep -vE "^\./images/$P$IMG\.(raw|sha256)$"
	ls -A "$T_TMP/etc" "$T_TMP/user" | grep -vE "^(config-$IMG\.xml|)$|:$"
	domains
	dhcp_hosts
}
fill() { dd if=/dev/zero of="$FULL/fill" bs=64k status=none 2>/dev/null; sync; }
nospace='(disk full|[Nn]o space left)'

# --- an image that fits
head -c 2097152 /dev/urandom >"$T_TMP/small.raw"
truncate -s 16M "$T_TMP/small.raw"
t_run "import $IMG into the small store" 0 fvm import -q $IMG "$T_TMP/small.raw" \
	"$GUEST_DIR/config-fvm-test-boot.xml" || exit 1
t_eq "nothing but the image" "" "$(leftovers)"

# --- a full store
fill
t_eq "the store is full" 0 "$(df --output=avail -B1 "$FULL" | tail -n 1 | tr -d ' ')"
head -c 8388608 /dev/urandom >"$T_TMP/big.raw"
t_run "create above the watermark exits 1" 1 fvm create -q $IMG 42
t_match "create above the watermark: says why" "^fvm-create: error: .*FVM_POOL_WATERMARK" "$T_ERR"
t_eq "create above the watermark: nothing left" "" "$(leftovers)"
t_run "import above the watermark exits 1" 1 fvm import -q ${IMG}2 "$T_TMP/big.raw"
t_match "import above the watermark: says why" "^fvm-import: error: .*FVM_POOL_WATERMARK" "$T_ERR"
t_eq "import above the watermark: nothing left" "" "$(leftovers)"
# past the watermark check, on to the full disk itself
echo FVM_POOL_WATERMARK=100 >>"$FVM_CONFIG"

t_run "import of a file on a full store exits 1" 1 fvm import -q ${IMG}2 "$T_TMP/big.raw" "$T_TMP/etc/config-$IMG.xml"
t_match "import of a file: says the disk is full" "^fvm-import: error: .*$nospace" "$T_ERR"
echo "  $T_ERR"
t_eq "import of a file: one line" 1 "$(printf '%s\n' "$T_ERR" | wc -l)"
t_eq "import of a file: nothing left" "" "$(leftovers)"

xz -T1 -0 -c "$T_TMP/big.raw" >"$T_TMP/big.raw.xz"
t_run "import of xz from stdin on a full store exits 1" 1 sh -c "fvm import -q ${IMG}3 - <'$T_TMP/big.raw.xz'"
t_match "import from stdin: says the disk is full" "^fvm-import: error: .*$nospace" "$T_ERR"
echo "  $T_ERR"
t_eq "import from stdin: nothing left" "" "$(leftovers)"

t_run "import of an empty image on a full store exits 1" 1 fvm import -q -s 1G ${IMG}4 empty
t_match "import of an empty image: says the disk is full" "^fvm-import: error: .*$nospace" "$T_ERR"
echo "  $T_ERR"
t_eq "import of an empty image: nothing left" "" "$(leftovers)"

t_run "create on a full store exits 1" 1 fvm create -q $IMG 42
t_match "create: says the disk is full" "^fvm-create: error: .*$nospace" "$T_ERR"
echo "  $T_ERR"
t_eq "create: nothing left" "" "$(leftovers)"

# --- nearly full: room for the first page of a VM disk, not the rest
truncate -s -4K "$FULL/fill"
t_run "create on a nearly full store exits 1" 1 fvm create -q $IMG 43
t_match "create, nearly full: says the disk is full" "^fvm-create: error: .*$nospace" "$T_ERR"
echo "  $T_ERR"
t_eq "create, nearly full: nothing left" "" "$(leftovers)"
truncate -s -2M "$FULL/fill"
t_run "import of 8 MiB with 2 MiB free exits 1" 1 fvm import -q ${IMG}2 "$T_TMP/big.raw"
t_match "import, nearly full: says the disk is full" "^fvm-import: error: .*$nospace" "$T_ERR"
echo "  $T_ERR"
t_eq "import, nearly full: nothing left" "" "$(leftovers)"

# --- room again: the failures left nothing in the way
rm -f "$FULL/fill"
t_run "image still verifies" 0 fvm image-verify -q $IMG
t_run "create works with room" 0 fvm create -q $IMG 42
t_run "delete works" 0 fvm delete -q 42
t_run "import works with room" 0 fvm import -q ${IMG}2 "$T_TMP/big.raw"
t_run "image-rm" 0 fvm image-rm -q ${IMG}2
t_run "image-rm $IMG" 0 fvm image-rm -q $IMG
rm -f "$T_TMP/etc/config-$IMG.xml"
t_eq "nothing left at all" "" "$( (cd "$s" && find . -mindepth 1 ! -type d); domains; dhcp_hosts)"
