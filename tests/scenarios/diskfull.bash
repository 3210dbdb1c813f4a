# tests/scenarios/diskfull.bash: import and create on a store that fills up fail with the reason, one line, and leave nothing; with room again all works.
#
# Sourced by tests/e2e/diskfull.sh (a small tmpfs as dir store) and
# tests/lvm/diskfull.sh (a small thin pool) once the store is empty and
# fvm's config ($FVM_CONFIG) is exported, with prefix $P. The wrapper
# provides:
#   s_leftovers   what the store holds besides image $IMG (disks, files,
#                 domains, DHCP entries), one a line
#   s_fill        fill the store up to the last block
#   s_room        free what s_fill took
#   DF_XML        a template to import images with
#   NOSPACE       what the store's "no space" errors match (an ERE)
# The store must hold less than DF_BIG_MIB (40) MiB. The wrapper checks,
# between df_full and df_room, what only its store can.

DF_BIG_MIB=40
# df_left: what the test left besides image $IMG and its template
df_left() {
	s_leftovers
	ls -A "$T_TMP/etc" "$T_TMP/user" | grep -vE "^(config-$IMG\.xml|)$|:$" | sed 's/^/config: /'
}
# df_fails NAME APPLET CMD...: CMD exits 1 with one line that says the
# store is full, and leaves nothing
df_fails() {
	local name=$1 applet=$2
	shift 2
	t_run "$name exits 1" 1 "$@"
	echo "  $T_ERR"
	t_match "$name: says the store is full" "^fvm-$applet: error: .*$NOSPACE" "$T_ERR"
	t_eq "$name: one line" 1 "$(printf '%s\n' "$T_ERR" | grep -c .)"
	t_eq "$name: nothing left" "" "$(df_left)"
}

head -c 1048576 /dev/urandom >"$T_TMP/small.raw"
truncate -s 8M "$T_TMP/small.raw"
head -c $((DF_BIG_MIB * 1048576)) /dev/urandom >"$T_TMP/big.raw"
truncate -s $((DF_BIG_MIB + 8))M "$T_TMP/big.raw"

t_run "import $IMG into the small store" 0 fvm import -q $IMG "$T_TMP/small.raw" "$DF_XML" || exit 1
t_eq "nothing but the image" "" "$(df_left)"

# --- more data than the store holds
df_fails "import of $DF_BIG_MIB MiB of data" import fvm import -q ${IMG}2 "$T_TMP/big.raw" "$DF_XML"

# --- a full store: the watermark first, then the full disk itself
t_run "fill the store" 0 s_fill || exit 1
t_run "create above the watermark exits 1" 1 fvm create -q $IMG 42
t_match "create above the watermark: says why" "^fvm-create: error: .*(FVM_POOL_WATERMARK|$NOSPACE)" "$T_ERR"
t_eq "create above the watermark: nothing left" "" "$(df_left)"
t_run "import above the watermark exits 1" 1 fvm import -q ${IMG}3 "$T_TMP/small.raw"
t_match "import above the watermark: says why" "^fvm-import: error: .*(FVM_POOL_WATERMARK|$NOSPACE)" "$T_ERR"
t_eq "import above the watermark: nothing left" "" "$(df_left)"
echo FVM_POOL_WATERMARK=100 >>"$FVM_CONFIG"
df_fails "import of a file on a full store" import fvm import -q ${IMG}3 "$T_TMP/small.raw" "$T_TMP/etc/config-$IMG.xml"
xz -T1 -0 -c "$T_TMP/small.raw" >"$T_TMP/small.raw.xz"
df_fails "import of xz from stdin on a full store" import sh -c "fvm import -q ${IMG}4 - <'$T_TMP/small.raw.xz'"

# df_room: after the wrapper's checks on the full store, room again: the
# failures left nothing in the way
df_room() {
	t_run "free the store" 0 s_room
	t_eq "room again: nothing left" "" "$(df_left)"
	t_run "image $IMG still verifies" 0 fvm image-verify -q $IMG
	t_run "import works with room" 0 fvm import -q ${IMG}2 "$T_TMP/small.raw"
	t_run "image ${IMG}2 verifies" 0 fvm image-verify -q ${IMG}2
	t_run "image-rm ${IMG}2" 0 fvm image-rm -q ${IMG}2
	t_run "image-rm $IMG" 0 fvm image-rm -q $IMG
	rm -f "$T_TMP/etc/config-$IMG.xml"
	t_eq "nothing left at all" "" "$(IMG=none s_leftovers)"
}
