#!/bin/bash
# tests/e2e/crash.sh: fvm killed (SIGKILL) after each step of create, delete, import and resize; fvm doctor --fix leaves a consistent state on the dir storage.
#
# Runs inside the lab namespace. The kill points are not listed here: a
# normal run with FVM_KILL_LIST=1 names every point it passes, and each one
# is then hit in turn with FVM_KILL_AT=POINT[:K]. After each kill:
#   - fvm died by SIGKILL (exit 137);
#   - fvm doctor --fix runs; then VM 42 is whole (domain, disk, exactly one
#     DHCP host entry) or gone (none of them, no hostsfile line), the store
#     holds nothing but the images and the disks of existing domains, no
#     staged template or checksum is left, no lock is held and the image
#     still verifies;
#   - a normal create and delete of VM 42 then works and leaves nothing.
# While fvm doctor cannot fix yet, the checks that need it are reported as
# SKIP with the leftovers seen.
set -u
# shellcheck source-path=SCRIPTDIR source=../lib.sh
. "$(dirname "$0")/../lib.sh"

# shellcheck source=common.bash
. "$(dirname "$0")/common.bash"

P=fvmt-cr-
NET=fvmtest-cr
SUBNET=138
IMG=cr
IMP=crimp
N=42
HOSTSFILE=/var/lib/libvirt/dnsmasq/$NET.hostsfile

e2e_setup $P $NET $SUBNET cr

dom=$P$IMG-$N
ip=192.168.$SUBNET.$N

# --- what is there

has_domain() { v dominfo "$1" >/dev/null 2>&1; }
vm_disk() { ls "$store/vms/$1".* 2>/dev/null; }
# DHCP host entries (not the network's dummy host) of the network's XML
dhcp_hosts() { v net-dumpxml "$NET" | grep "<host mac=" | grep -v "52:54:00:99:ff:99"; }
hostsfile_lines() {
	[ -e "$HOSTSFILE" ] && grep -v "^52:54:00:99:ff:99," "$HOSTSFILE"
	# a network with dnsmasq's dhcp-hostsdir: one file per reservation
	local dir
	dir=$(v net-dumpxml "$NET" | sed -n "s/.*dhcp-hostsdir=\([^'\"<]*\).*/\1/p")
	[ -n "$dir" ] && [ -d "$dir" ] && cat "$dir"/* 2>/dev/null | grep -v "^52:54:00:99:ff:99,"
}

# leftovers: one line per thing that is out of step, nothing when the
# state is consistent. A domain of this test is fine with its disk and one
# DHCP entry for its address; everything else counts.
leftovers() {
	local d f n name base
	for d in $(v list --all --name | grep "^$P"); do
		n=${d##*-}
		vm_disk "$d" >/dev/null || echo "domain $d without a disk"
		[ "$(dhcp_hosts | grep -c "ip='192.168.$SUBNET.$n'")" = 1 ] ||
			echo "domain $d without exactly one DHCP entry"
	done
	dhcp_hosts | while read -r f; do
		n=$(printf '%s\n' "$f" | sed -n "s/.*ip='192\.168\.$SUBNET\.\([0-9]*\)'.*/\1/p")
		v list --all --name | grep -qE "^$P[^ ]*-$n\$" ||
			echo "DHCP entry without a VM: $f"
	done
	hostsfile_lines | while IFS=, read -r _ f _; do
		n=${f##*.}
		v list --all --name | grep -qE "^$P[^ ]*-$n\$" ||
			echo "hostsfile line without a VM: $f"
	done
	v net-dhcp-leases "$NET" | awk '{print $5}' | grep "^192" | while read -r f; do
		n=${f%/*}
		n=${n##*.}
		v list --all --name | grep -qE "^$P[^ ]*-$n\$" ||
			echo "lease without a VM: $f"
	done
	for f in "$store"/vms/* "$store"/vms/.[!.]*; do
		[ -e "$f" ] || continue
		base=$(basename "$f")
		name=${base%.*}
		has_domain "$name" || echo "VM disk without a domain: $base"
	done
	for f in "$store"/images/* "$store"/images/.[!.]* "$store"/.[!.]*; do
		[ -e "$f" ] || continue
		base=$(basename "$f")
		case $base in
		"$P$IMG.raw" | "$P$IMG.sha256") ;;
		"$P$IMP.raw") [ -e "$store/images/$P$IMP.sha256" ] ||
			echo "image $IMP without its checksum" ;;
		"$P$IMP.sha256") [ -e "$store/images/$P$IMP.raw" ] ||
			echo "checksum without an image: $base" ;;
		*) echo "store file: $base" ;;
		esac
	done
	for f in "$T_TMP"/etc/.[!.]* "$T_TMP"/user/.[!.]*; do
		[ -e "$f" ] && echo "staged file: $(basename "$f")"
	done
	for f in "$T_TMP"/locks/*.lock; do
		[ -e "$f" ] || continue
		flock -n -x "$f" true || echo "lock held: $(basename "$f")"
	done
}

# vm_state: whole, gone or partial (VM 42 of image cr)
vm_state() {
	local d=0 k=0 h l=0
	has_domain "$dom" && d=1
	vm_disk "$dom" >/dev/null && k=1
	h=$(dhcp_hosts | grep -c "ip='$ip'")
	l=$(hostsfile_lines | grep -c ",$ip\(,\|$\)")
	if [ $d$k$h = 111 ]; then
		echo whole
	elif [ $d$k$h$l = 0000 ]; then
		echo gone
	else
		echo "partial (domain $d, disk $k, DHCP entries $h, hostsfile lines $l)"
	fi
}

# points CMD...: the kill points CMD passes, as NAME or NAME:K for the
# K-th pass of one name
points() {
	FVM_KILL_LIST=1 "$@" 2>&1 >/dev/null | sed -n 's/^fault point: //p' |
		awk '{ k[$0]++; print (k[$0] > 1 ? $0 ":" k[$0] : $0) }'
}

# --- doctor
doctor_ok=1
doctor_why=""
run_doctor() {
	local out
	out=$(fvm doctor --fix 2>&1 </dev/null)
	DOCTOR_RC=$?
	if [ $DOCTOR_RC -ne 0 ] &&
		printf '%s\n' "$out" | grep -qE "not available|unknown option|unrecognized option|usage"; then
		doctor_ok=0
		doctor_why=$(printf '%s\n' "$out" | head -n 1)
	fi
}

killed=0
# after_kill LABEL RC EXPECT: the checks after one kill; EXPECT is what VM
# 42 must be afterwards: "gone", "whole" or "either"
after_kill() {
	local label=$1 rc=$2 expect=$3 before after state
	killed=$((killed + 1))
	t_eq "$label: died by SIGKILL" 137 "$rc"
	before=$(leftovers; [ "$(vm_state)" = whole ] || [ "$(vm_state)" = gone ] || echo "VM $N $(vm_state)")
	run_doctor
	after=$(leftovers)
	state=$(vm_state)
	echo "$label: VM $N $state after fvm doctor --fix (exit $DOCTOR_RC)"
	if [ $doctor_ok -eq 0 ]; then
		t_skip "$label: consistent after fvm doctor --fix" \
			"fvm doctor cannot fix yet ($doctor_why); left: $(printf '%s' "${before:-nothing}" | tr '\n' ';')"
	else
		t_eq "$label: fvm doctor --fix exits 0" 0 "$DOCTOR_RC"
		t_eq "$label: nothing out of step after doctor" "" "$after"
		case $expect in
		either) t_match "$label: VM $N whole or gone" "^(whole|gone)$" "$state" ;;
		*) t_eq "$label: VM $N $expect" "$expect" "$state" ;;
		esac
	fi
	# held locks and a changed image are wrong with or without doctor
	t_nomatch "$label: no lock held" "lock held" "$before"
	t_run "$label: image still verifies" 0 fvm image-verify -q $IMG
}

# reset_vm: back to no VM 42, or say why not
reset_vm() {
	if has_domain "$dom"; then
		fvm delete -q $N >/dev/null 2>&1
	fi
	[ "$(vm_state)" = gone ]
}

# a normal create and delete of VM 42 works, and leaves nothing
create_delete_works() {
	local label=$1
	if [ $doctor_ok -eq 0 ] && [ "$(vm_state)" != gone ]; then
		t_skip "$label: create and delete again" "VM $N is $(vm_state) and fvm doctor cannot fix yet"
		return
	fi
	t_run "$label: create $N again" 0 fvm create -q $IMG $N &&
		t_run "$label: delete $N again" 0 fvm delete -q $N
	t_eq "$label: nothing left after create and delete" "gone" "$(vm_state)"
}

# e2e_cleanup_vm: remove VM 42 behind fvm's back (when doctor cannot)
e2e_cleanup_vm() {
	v destroy "$dom" >/dev/null 2>&1
	v undefine --nvram "$dom" >/dev/null 2>&1
	rm -f "$store/vms/$dom".*
	dhcp_hosts | grep "ip='$ip'" | while read -r h; do
		v net-update "$NET" delete ip-dhcp-host "$h" --live --config >/dev/null 2>&1
	done
}
# --- the image, with its checksum recorded by import
t_run "import image $IMG" 0 fvm import -q $IMG "$GUEST_DIR/fvm-test-boot.raw" \
	"$GUEST_DIR/config-fvm-test-boot.xml" || exit 1
t_run "image verifies" 0 fvm image-verify -q $IMG

# --- create
mapfile -t cpoints < <(points fvm create $IMG $N)
t_match "create passes kill points" "create.after-commit" "${cpoints[*]}"
t_run "delete after listing" 0 fvm delete -q $N
for pt in "${cpoints[@]}"; do
	FVM_KILL_AT=$pt fvm create -q $IMG $N >/dev/null 2>&1
	rc=$?
	case $pt in
	create.after-commit) want=whole ;;
	create.after-lock | store.* | create.after-clone) want=gone ;;
	*) want=either ;;
	esac
	after_kill "create killed at $pt" $rc $want
	reset_vm >/dev/null 2>&1
	create_delete_works "create killed at $pt"
	# without doctor, start the next point from a clean state
	[ $doctor_ok -eq 0 ] && e2e_cleanup_vm
done

# --- delete, of a running VM (so the destroy step is taken)
e2e_cleanup_vm
t_run "create for the delete points" 0 fvm create -q $IMG $N &&
	t_run "start it" 0 fvm start $N
mapfile -t dpoints < <(points fvm delete $N)
t_match "delete passes kill points" "delete.after-undefine" "${dpoints[*]}"
t_eq "delete passes its destroy step" 1 "$(printf '%s\n' "${dpoints[@]}" | grep -c '^delete.after-destroy$')"
for pt in "${dpoints[@]}"; do
	e2e_cleanup_vm
	if ! fvm create -q $IMG $N >/dev/null 2>&1 || ! fvm start $N >/dev/null 2>&1; then
		t_fail "delete killed at $pt" "cannot create and start VM $N first"
		continue
	fi
	FVM_KILL_AT=$pt fvm delete -q $N >/dev/null 2>&1
	rc=$?
	case $pt in
	delete.after-undefine | delete.after-known-hosts) want=gone ;;
	*) want=either ;;
	esac
	after_kill "delete killed at $pt" $rc $want
	# a killed delete is finished by running it again
	fvm delete -q $N >"$T_TMP/redel.out" 2>&1
	rc=$?
	[ $rc -eq 0 ] || [ $rc -eq 3 ] && t_ok "delete killed at $pt: delete again exits 0 or 3" ||
		t_fail "delete killed at $pt: delete again exits 0 or 3" "exit $rc: $(head -c 300 "$T_TMP/redel.out")"
	if [ $doctor_ok -eq 1 ]; then
		t_eq "delete killed at $pt: gone after delete again" gone "$(vm_state)"
	else
		state=$(vm_state)
		[ "$state" = gone ] && t_ok "delete killed at $pt: gone after delete again" ||
			t_skip "delete killed at $pt: gone after delete again" "VM $N is $state and fvm doctor cannot fix yet"
	fi
	create_delete_works "delete killed at $pt"
done

# --- resize of a stopped VM
e2e_cleanup_vm
t_run "create for the resize points" 0 fvm create -q $IMG $N
old=$(stat -c %s "$store/images/$P$IMG.raw")
mapfile -t rpoints < <(points fvm resize $N 1G)
t_match "resize passes kill points" "resize.after-resize" "${rpoints[*]}"
for pt in "${rpoints[@]}"; do
	e2e_cleanup_vm
	fvm create -q $IMG $N >/dev/null 2>&1 || { t_fail "resize killed at $pt" "cannot create VM $N first"; continue; }
	FVM_KILL_AT=$pt fvm resize -q $N 1G >/dev/null 2>&1
	after_kill "resize killed at $pt" $? whole
	size=$(fvm info --json $N 2>/dev/null | sed -n 's/.*"disk_size": \([0-9]*\).*/\1/p')
	t_match "resize killed at $pt: disk size old or new" "^($old|1073741824)\$" "$size"
	t_run "resize killed at $pt: resize again" 0 fvm resize -q $N 1G
	t_run "resize killed at $pt: qemu-img check of the disk" 0 qemu-img check -q "$store/vms/$dom.qcow2"
	t_run "resize killed at $pt: delete" 0 fvm delete -q $N
	t_eq "resize killed at $pt: nothing left" gone "$(vm_state)"
done

# --- import of a small image with its three template files
head -c 1048576 /dev/urandom >"$T_TMP/src.raw"
truncate -s 8M "$T_TMP/src.raw"
printf '<domain/>\n' >"$T_TMP/imp.xml"
printf 'true\n' >"$T_TMP/imp-hacks.sh"
printf 'true\n' >"$T_TMP/imp-dhacks.sh"
# An import killed between writing the checksum and naming its disk (its
# commit) leaves the checksum of an image that is not there; fvm doctor
# does not remove such a file yet (the next import of the name replaces it)
imp_files=("$T_TMP/imp.xml" "$T_TMP/imp-hacks.sh" "$T_TMP/imp-dhacks.sh")
imp_reset() {
	fvm image-rm -q $IMP >/dev/null 2>&1
	rm -f "$store/images/$P$IMP".* "$store"/images/fvm+import+* \
		"$T_TMP"/etc/*-$IMP.* "$T_TMP"/etc/config-$IMP.xml "$T_TMP"/etc/.*fvm-import
}
# imp_state: whole (disk, checksum, templates), gone (no disk, no
# checksum), or what it is. Templates of an image that is not there are
# fast-vm's configuration, not leftovers: the next import replaces them.
imp_state() {
	local d=0 s=0 t=0
	[ -e "$store/images/$P$IMP.raw" ] && d=1
	[ -e "$store/images/$P$IMP.sha256" ] && s=1
	t=$(ls "$T_TMP"/etc/config-$IMP.xml "$T_TMP"/etc/hacks-$IMP.sh "$T_TMP"/etc/delete-hacks-$IMP.sh 2>/dev/null | wc -l)
	case $d$s$t in
	113) echo whole ;;
	00?) echo gone ;;
	*) echo "partial (disk $d, checksum $s, templates $t)" ;;
	esac
}
mapfile -t ipoints < <(points fvm import $IMP "$T_TMP/src.raw" "${imp_files[@]}")
t_match "import passes kill points" "import.after-rename" "${ipoints[*]}"
t_eq "import installs three files" 3 "$(printf '%s\n' "${ipoints[@]}" | grep -c '^import.after-install')"
imp_reset
for pt in "${ipoints[@]}"; do
	imp_reset
	FVM_KILL_AT=$pt fvm import -q $IMP "$T_TMP/src.raw" "${imp_files[@]}" >/dev/null 2>&1
	rc=$?
	case $pt in
	import.after-rename) want=whole ;;
	*) want=gone ;;
	esac
	t_eq "import killed at $pt: died by SIGKILL" 137 "$rc"
	killed=$((killed + 1))
	before=$(leftovers)
	run_doctor
	if [ $doctor_ok -eq 0 ]; then
		t_skip "import killed at $pt: consistent after fvm doctor --fix" \
			"fvm doctor cannot fix yet ($doctor_why); image $(imp_state); left: $(printf '%s' "${before:-nothing}" | tr '\n' ';')"
	else
		t_eq "import killed at $pt: fvm doctor --fix exits 0" 0 "$DOCTOR_RC"
		after=$(leftovers)
		t_eq "import killed at $pt: nothing out of step after doctor" "" "$after"
		t_eq "import killed at $pt: image $want" "$want" "$(imp_state)"
		if [ "$want" = whole ]; then
			t_run "import killed at $pt: image verifies" 0 fvm image-verify -q $IMP
		fi
	fi
	t_nomatch "import killed at $pt: no lock held" "lock held" "$before"
	# what a killed import left must not stand in the way of the next
	[ -e "$store/images/$P$IMP.raw" ] && fvm image-rm -q $IMP >/dev/null 2>&1
	t_run "import killed at $pt: import again" 0 fvm import -q $IMP "$T_TMP/src.raw" "${imp_files[@]}"
	t_eq "import killed at $pt: then whole" whole "$(imp_state)"
	t_eq "import killed at $pt: nothing out of step after import again" "" "$(leftovers)"
done
imp_reset

echo "kill points exercised: $killed (create ${#cpoints[@]}, delete ${#dpoints[@]}, resize ${#rpoints[@]}, import ${#ipoints[@]})"
t_match "kill points exercised" "^[1-9]" "$killed"
