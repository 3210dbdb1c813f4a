#!/bin/bash
# tests/e2e/concurrency.sh: dozens of fvm processes at once (creates and deletes of the same numbers, notes, an import racing creates and image-rm) end in a consistent state.
#
# Runs inside the lab namespace on the dir storage. Every process must
# exit 0, 3 (not found) or 4 (exists already, busy), all must finish
# within fvm's lock deadline (no deadlock), and afterwards each VM has its
# disk and exactly one DHCP entry, no entry or disk is left without a VM,
# and every VM's note is one of the values written to it, whole.
set -u
# shellcheck source-path=SCRIPTDIR source=../lib.sh
. "$(dirname "$0")/../lib.sh"

# shellcheck source=common.bash
. "$(dirname "$0")/common.bash"

P=fvmt-cc-
NET=fvmtest-cc
SUBNET=139
IMG=cc
IMG2=cc2
# fvm's lock deadline (LOCK_WAIT_MS) plus room for the last holder
DEADLINE=90

e2e_setup $P $NET $SUBNET cc

dhcp_hosts() { v net-dumpxml "$NET" | grep "<host mac=" | grep -v "52:54:00:99:ff:99"; }
domains() { v list --all --name | grep "^$P"; }

# out_of_step: one line per VM or entry out of step, nothing when consistent
out_of_step() {
	local d n f base
	for d in $(domains); do
		n=${d##*-}
		ls "$store/vms/$d".* >/dev/null 2>&1 || echo "domain $d without a disk"
		[ "$(dhcp_hosts | grep -c "ip='192.168.$SUBNET.$n'")" = 1 ] ||
			echo "domain $d has $(dhcp_hosts | grep -c "ip='192.168.$SUBNET.$n'") DHCP entries"
		# the entry is the VM's own: its MAC
		mac=$(v domiflist "$d" | awk '{print $5}')
		dhcp_hosts | grep "ip='192.168.$SUBNET.$n'" | grep -q "mac='$mac'" ||
			echo "domain $d: DHCP entry not for its MAC $mac"
	done
	dhcp_hosts | while read -r f; do
		n=$(printf '%s\n' "$f" | sed -n "s/.*ip='192\.168\.$SUBNET\.\([0-9]*\)'.*/\1/p")
		domains | grep -qE -- "-$n\$" || echo "DHCP entry without a VM: $f"
	done
	for f in "$store"/vms/*; do
		[ -e "$f" ] || continue
		base=$(basename "$f")
		v dominfo "${base%.*}" >/dev/null 2>&1 || echo "disk without a domain: $base"
	done
	for f in "$T_TMP"/locks/*.lock; do
		[ -e "$f" ] || continue
		flock -n -x "$f" true || echo "lock held: $(basename "$f")"
	done
}

# run_all NAME: wait for the background jobs listed in $T_TMP/jobs (one
# "PID LABEL" per line), check their exit codes and the time they took
started=0
spawn() {
	local label=$1
	shift
	"$@" >"$T_TMP/job.$label.out" 2>&1 </dev/null &
	echo "$! $label" >>"$T_TMP/jobs"
}
run_all() {
	local name=$1 pid label rc bad="" n=0 t0 t1
	t0=$(date +%s)
	# a watchdog: what is still running at the deadline is a deadlock
	(sleep $DEADLINE; while read -r pid _; do kill -0 "$pid" 2>/dev/null && kill -9 "$pid"; done <"$T_TMP/jobs") &
	local dog=$!
	while read -r pid label; do
		wait "$pid"
		rc=$?
		n=$((n + 1))
		case $rc in
		0 | 3 | 4) echo "$label $rc" >>"$T_TMP/codes" ;;
		*) bad="$bad $label:$rc($(tail -n 1 "$T_TMP/job.$label.out"))" ;;
		esac
	done <"$T_TMP/jobs"
	t1=$(date +%s)
	kill "$dog" 2>/dev/null
	wait "$dog" 2>/dev/null
	echo "$name: $n processes at once, $((t1 - t0)) s"
	started=$((started > n ? started : n))
	t_eq "$name: $n processes exit 0, 3 or 4" "" "$bad"
	[ $((t1 - t0)) -lt $DEADLINE ] && t_ok "$name: done within ${DEADLINE} s ($((t1 - t0)) s)" ||
		t_fail "$name: done within ${DEADLINE} s" "took $((t1 - t0)) s"
	rm -f "$T_TMP/jobs"
}

t_run "import image $IMG" 0 fvm import -q $IMG "$GUEST_DIR/fvm-test-boot.raw" \
	"$GUEST_DIR/config-fvm-test-boot.xml" || exit 1

# --- creates and deletes of overlapping numbers: 36 processes, 8 numbers
: >"$T_TMP/codes"
for i in $(seq 1 36); do
	n=$((40 + i % 8))
	if [ $((i % 3)) -eq 0 ]; then
		spawn "delete$i-$n" fvm delete -q $n
	else
		spawn "create$i-$n" fvm create -q $IMG $n
	fi
done
run_all "creates and deletes"
t_eq "creates and deletes: consistent" "" "$(out_of_step)"
made=$(grep -c "^create.* 0$" "$T_TMP/codes")
gone=$(grep -c "^delete.* 0$" "$T_TMP/codes")
t_eq "creates and deletes: VMs left = created - deleted" "$((made - gone))" "$(domains | wc -l)"
echo "created $made, deleted $gone, left $(domains | wc -l)"

# --- notes: 30 at once on one VM, then 30 spread over 5 VMs
fvm delete -q 40-47 >/dev/null 2>&1
t_run "create 50-55 for the notes" 0 fvm create --json $IMG 50-55
# made in parallel, reported in VM order, every run
t_eq "create --json: the VMs in VM order" "50 51 52 53 54 55" \
	"$(printf '%s' "$T_OUT" | python3 -c 'import json,sys; print(" ".join(str(r["number"]) for r in json.load(sys.stdin)))')"
for i in $(seq 1 30); do
	spawn "note$i" fvm note 50 -- "note number $i, with a comma"
done
run_all "notes on one VM"
title=$(v desc --title ${P}$IMG-50)
desc=$(v desc ${P}$IMG-50)
t_match "notes on one VM: the title holds one written note" \
	"^050 $(id -un) note number ([1-9]|[12][0-9]|30), with a comma$" "$title"
t_match "notes on one VM: the description holds one written note" \
	"^1,$(id -un),[0-9]+,---,note number ([1-9]|[12][0-9]|30), with a comma$" "$desc"
t_eq "notes on one VM: title and description agree" "${title##* note number }" "${desc##*,---,note number }"
for i in $(seq 1 30); do
	n=$((51 + i % 5))
	spawn "note$i-$n" fvm note $n -- "vm $n note $i"
done
run_all "notes on five VMs"
for n in 51 52 53 54 55; do
	t_match "notes on five VMs: VM $n keeps its own note" \
		"^1,$(id -un),[0-9]+,---,vm $n note [0-9]+$" "$(v desc ${P}$IMG-$n)"
done
t_eq "notes: consistent" "" "$(out_of_step)"
t_run "delete 50-55" 0 fvm delete -q 50-55

# --- an import racing creates from it and its removal
cp "$GUEST_DIR/config-fvm-test-boot.xml" "$T_TMP/cc2.xml"
spawn "import" fvm import -q $IMG2 "$GUEST_DIR/fvm-test-boot.raw" "$T_TMP/cc2.xml"
# until_found CMD...: run CMD again while it exits 3 (no image yet), for
# up to 20 s, so the creates and removals meet the import's end
until_found() {
	local end=$(($(date +%s) + 20)) rc
	while :; do
		"$@"
		rc=$?
		[ $rc -ne 3 ] || [ "$(date +%s)" -ge $end ] && return $rc
		sleep 0.1
	done
}
for i in $(seq 1 16); do
	spawn "create$i" until_found fvm create -q $IMG2 $((60 + i % 8))
	[ $((i % 5)) -eq 0 ] && spawn "image-rm$i" until_found fvm image-rm -q $IMG2
done
# creates from the first image keep going meanwhile
for i in $(seq 1 8); do
	spawn "create-$IMG-$i" fvm create -q $IMG $((70 + i))
done
run_all "import, creates and image-rm"
t_eq "import race: consistent" "" "$(out_of_step)"
img2=0
[ -e "$store/images/$P$IMG2.raw" ] && img2=1
vms2=$(domains | grep -c "^$P$IMG2-")
if [ $img2 -eq 0 ]; then
	t_eq "import race: image removed, so no VM of it" 0 "$vms2"
	t_eq "import race: no checksum without the image" "" "$(ls "$store/images/" | grep "$IMG2")"
else
	t_run "import race: the image that stayed verifies" 0 fvm image-verify -q $IMG2
fi
t_eq "import race: no import leftovers" "" "$(ls -A "$store/images" | grep -v "^$P$IMG\.\|^$P$IMG2\.")"
echo "image $IMG2 present: $img2, VMs of it: $vms2; codes: $(sort -k2 "$T_TMP/codes" | awk '{c[$2]++} END {for (k in c) printf "%s:%d ", k, c[k]}')"
left=$(domains | sed 's/.*-//' | sort -n | tr '\n' ' ')
[ -n "$left" ] && t_run "delete the VMs left" 0 fvm delete -q $left
[ $img2 -eq 1 ] && t_run "image-rm $IMG2" 0 fvm image-rm -q $IMG2
t_eq "nothing left" "" "$(domains; dhcp_hosts)"

echo "parallel processes at most: $started"
