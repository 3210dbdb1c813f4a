#!/bin/bash
# tests/lvm/crash.sh: fvm killed (SIGKILL) after each step of create, delete, import and resize on the lvm storage; fvm doctor --fix leaves a consistent state.
#
# Runs inside scripts/lvm-lab (tests/run lvm) with the lab's libvirtd
# there; guests are defined, never booted. As tests/e2e/crash.sh: the kill
# points come from a normal run with FVM_KILL_LIST=1, each is hit with
# FVM_KILL_AT=POINT[:K], then fvm doctor --fix runs and VM 42 must be
# whole (domain, thin LV, one DHCP entry) or gone, with no LV without its
# domain, no import LV, no staged file or orphan checksum, no lock held,
# and the image must still verify.
set -u
# shellcheck source-path=SCRIPTDIR source=../lib.sh
. "$(dirname "$0")/../lib.sh"
# shellcheck source-path=SCRIPTDIR source=common.bash
. "$(dirname "$0")/common.bash"

lvm_in_lab lvm/crash

VG=$FVM_LAB_VG
POOL=$FVM_LAB_POOL
P=fvmt-cr-
NET=fvmtest-crl
SUBNET=138
IMG=cr
IMP=crimp
N=42

lvm_need_guest lvm/crash config-fvm-test-boot.xml
lvm_need_pool lvm/crash

lvnames() { lvs --noheadings -o lv_name "$VG" 2>/dev/null | tr -d ' '; }

remove_all() {
	local d
	for d in $(v list --all --name | grep "^$P"); do
		v destroy "$d" >/dev/null 2>&1
		v undefine --nvram "$d" >/dev/null 2>&1
	done
	for d in $(lvnames | grep -E "^($P|fvm\+import\+)"); do
		lvremove -qq -f "$VG/$d" >/dev/null 2>&1
	done
	"$TOP/scripts/lab" net-undefine "$NET" >/dev/null 2>&1
}

lvm_lab_up
remove_all
t_on_exit remove_all
t_run "lab net-define" 0 "$TOP/scripts/lab" net-define "$NET" "$SUBNET" || exit 1

mkdir -p "$T_TMP/etc" "$T_TMP/user" "$T_TMP/locks" "$T_TMP/store"
cat >"$T_TMP/fast-vm.conf" <<CONF
VM_PREFIX=$P
THINPOOL_VG=$VG
THINPOOL_LV=$POOL
LIBVIRT_NETWORK=$NET
SUBNET_NUMBER=$SUBNET
FVM_STORAGE=lvm
FVM_STORE_DIR=$T_TMP/store
FVM_DOMAIN_TYPE=qemu
FVM_STATE_DIR=$T_TMP/state
FVM_POOL_WATERMARK=100
CONF
export FVM_CONFIG=$T_TMP/fast-vm.conf FVM_SYSTEM_DIR=$T_TMP/etc \
	FVM_USER_DIR=$T_TMP/user FVM_LOCK_DIR=$T_TMP/locks

dom=$P$IMG-$N
ip=192.168.$SUBNET.$N
has_domain() { v dominfo "$1" >/dev/null 2>&1; }
has_lv() { lvnames | grep -qx -- "$1"; }
dhcp_hosts() { v net-dumpxml "$NET" | grep "<host mac=" | grep -v "52:54:00:99:ff:99"; }

leftovers() {
	local d n f
	for d in $(v list --all --name | grep "^$P"); do
		n=${d##*-}
		has_lv "$d" || echo "domain $d without its LV"
		[ "$(dhcp_hosts | grep -c "ip='192.168.$SUBNET.$n'")" = 1 ] ||
			echo "domain $d without exactly one DHCP entry"
	done
	dhcp_hosts | while read -r f; do
		n=$(printf '%s\n' "$f" | sed -n "s/.*ip='192\.168\.$SUBNET\.\([0-9]*\)'.*/\1/p")
		v list --all --name | grep -qE "^$P[^ ]*-$n\$" || echo "DHCP entry without a VM: $f"
	done
	for f in $(lvnames | grep -E "^$P"); do
		case $f in
		"$P$IMG" | "$P$IMP") ;;
		*) has_domain "$f" || echo "LV without a domain: $f" ;;
		esac
	done
	lvnames | grep "^fvm+import+" | sed 's/^/import LV: /'
	for f in "$T_TMP"/store/sha256/*; do
		[ -e "$f" ] || continue
		f=$(basename "$f")
		case $f in
		*.sha256) has_lv "${f%.sha256}" || echo "checksum without an image: $f" ;;
		*) echo "store file: $f" ;;
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

vm_state() {
	local d=0 k=0 h
	has_domain "$dom" && d=1
	has_lv "$dom" && k=1
	h=$(dhcp_hosts | grep -c "ip='$ip'")
	case $d$k$h in
	111) echo whole ;;
	000) echo gone ;;
	*) echo "partial (domain $d, LV $k, DHCP entries $h)" ;;
	esac
}

# The lvm tier runs every test in one VM under nested emulation with a
# time limit: by default only four points right after a storage step
# (tests/e2e/crash.sh takes them all on the dir storage); FVM_CRASH_ALL=1
# takes every point here too (about 25, some 15 minutes).
LVM_POINTS='^(create\.after-clone|delete\.after-disk-remove|import\.after-(write|rename))$'
points() {
	FVM_KILL_LIST=1 "$@" 2>&1 >/dev/null | sed -n 's/^fault point: //p' |
		awk '{ k[$0]++; print (k[$0] > 1 ? $0 ":" k[$0] : $0) }' |
		if [ -n "${FVM_CRASH_ALL:-}" ]; then cat; else grep -E "$LVM_POINTS"; fi
}

doctor_ok=1
run_doctor() {
	local out
	out=$(fvm doctor --fix 2>&1 </dev/null)
	DOCTOR_RC=$?
	if [ $DOCTOR_RC -ne 0 ] &&
		printf '%s\n' "$out" | grep -qE "not available|unknown option|unrecognized option"; then
		doctor_ok=0
	fi
	DOCTOR_OUT=$out
}

killed=0
cpoints=() dpoints=() rpoints=() ipoints=()
# check LABEL RC WANT STATE-FUNCTION
check() {
	local label=$1 rc=$2 want=$3 statefn=$4 before after
	killed=$((killed + 1))
	t_eq "$label: died by SIGKILL" 137 "$rc"
	before=$(leftovers)
	run_doctor
	if [ $doctor_ok -eq 0 ]; then
		t_skip "$label: consistent after fvm doctor --fix" \
			"fvm doctor cannot fix yet; left: $(printf '%s' "${before:-nothing}" | tr '\n' ';')"
	else
		after=$(leftovers)
		if [ "$want" = gone ] && [ "$statefn" = imp_state ] &&
			[ "$after" = "checksum without an image: $P$IMP.sha256" ]; then
			# see tests/e2e/crash.sh: the checksum of an import
			# killed before its commit
			t_skip "$label: nothing out of step after doctor" \
				"known gap: fvm doctor leaves the checksum of an image whose import was killed before its commit"
		else
			t_eq "$label: fvm doctor --fix exits 0" 0 "$DOCTOR_RC"
			t_eq "$label: nothing out of step after doctor" "" "$after"
			case $want in
			either) t_match "$label: whole or gone" "^(whole|gone)$" "$($statefn)" ;;
			*) t_eq "$label: $want" "$want" "$($statefn)" ;;
			esac
		fi
	fi
	t_nomatch "$label: no lock held" "lock held" "$before"
}

# clean_vm: VM 42 gone, behind fvm's back when it must be
clean_vm() {
	has_domain "$dom" && fvm delete -q $N >/dev/null 2>&1
	v undefine --nvram "$dom" >/dev/null 2>&1
	has_lv "$dom" && lvremove -qq -f "$VG/$dom" >/dev/null 2>&1
	dhcp_hosts | grep "ip='$ip'" | while read -r h; do
		v net-update "$NET" delete ip-dhcp-host "$h" --live --config >/dev/null 2>&1
	done
}

# a small image: its VMs are defined, never booted
head -c 1048576 /dev/urandom >"$T_TMP/img.raw"
truncate -s 16M "$T_TMP/img.raw"
t_run "import image $IMG" 0 fvm import -q $IMG "$T_TMP/img.raw" \
	"$GUEST_DIR/config-fvm-test-boot.xml" || exit 1

# --- create
points fvm create $IMG $N >"$T_TMP/points"
mapfile -t cpoints <"$T_TMP/points"
t_match "create passes kill points" "create.after-clone" "${cpoints[*]}"
clean_vm
for pt in "${cpoints[@]}"; do
	FVM_KILL_AT=$pt fvm create -q $IMG $N >/dev/null 2>&1
	rc=$?
	case $pt in
	create.after-commit) want=whole ;;
	create.after-lock | create.after-clone) want=gone ;;
	*) want=either ;;
	esac
	check "create killed at $pt" $rc $want vm_state
	clean_vm
done

# --- delete
fvm create -q $IMG $N >/dev/null 2>&1
points fvm delete $N >"$T_TMP/points"
mapfile -t dpoints <"$T_TMP/points"
t_match "delete passes kill points" "delete.after-disk-remove" "${dpoints[*]}"
for pt in "${dpoints[@]}"; do
	clean_vm
	fvm create -q $IMG $N >/dev/null 2>&1 || { t_fail "delete killed at $pt" "cannot create VM $N first"; continue; }
	FVM_KILL_AT=$pt fvm delete -q $N >/dev/null 2>&1
	rc=$?
	case $pt in
	delete.after-undefine | delete.after-known-hosts) want=gone ;;
	*) want=either ;;
	esac
	check "delete killed at $pt" $rc $want vm_state
	fvm delete -q $N >/dev/null 2>&1
	t_eq "delete killed at $pt: gone after delete again" gone "$(vm_state)"
done

# --- resize
clean_vm
fvm create -q $IMG $N >/dev/null 2>&1
points fvm resize $N 1G >"$T_TMP/points"
mapfile -t rpoints <"$T_TMP/points"
for pt in "${rpoints[@]}"; do
	clean_vm
	fvm create -q $IMG $N >/dev/null 2>&1 || { t_fail "resize killed at $pt" "cannot create VM $N first"; continue; }
	FVM_KILL_AT=$pt fvm resize -q $N 1G >/dev/null 2>&1
	check "resize killed at $pt" $? whole vm_state
	t_run "resize killed at $pt: resize again" 0 fvm resize -q $N 1G
done
clean_vm

# --- import, with three template files
head -c 1048576 /dev/urandom >"$T_TMP/src.raw"
truncate -s 8M "$T_TMP/src.raw"
printf '<domain/>\n' >"$T_TMP/imp.xml"
printf 'true\n' >"$T_TMP/imp-h.sh"
cp "$T_TMP/imp-h.sh" "$T_TMP/imp-d.sh"
imp=(fvm import -q $IMP "$T_TMP/src.raw" "$T_TMP/imp.xml" "$T_TMP/imp-h.sh" "$T_TMP/imp-d.sh")
imp_state() {
	local d=0 s=0 t
	has_lv "$P$IMP" && d=1
	[ -e "$T_TMP/store/sha256/$P$IMP.sha256" ] && s=1
	t=$(ls "$T_TMP"/etc/*-$IMP.* 2>/dev/null | wc -l)
	case $d$s$t in
	113) echo whole ;;
	00?) echo gone ;;
	*) echo "partial (LV $d, checksum $s, templates $t)" ;;
	esac
}
imp_reset() {
	fvm image-rm -q $IMP >/dev/null 2>&1
	rm -f "$T_TMP"/etc/*-$IMP.*
}
points "${imp[@]}" >"$T_TMP/points"
mapfile -t ipoints <"$T_TMP/points"
t_match "import passes kill points" "import.after-rename" "${ipoints[*]}"
for pt in "${ipoints[@]}"; do
	imp_reset
	FVM_KILL_AT=$pt "${imp[@]}" >/dev/null 2>&1
	rc=$?
	case $pt in import.after-rename) want=whole ;; *) want=gone ;; esac
	check "import killed at $pt" $rc $want imp_state
	[ "$(imp_state)" = whole ] && fvm image-rm -q $IMP >/dev/null 2>&1
	t_run "import killed at $pt: import again" 0 "${imp[@]}"
done
imp_reset

t_run "image still verifies" 0 fvm image-verify -q $IMG
echo "kill points exercised: $killed (create ${#cpoints[@]}, delete ${#dpoints[@]}, resize ${#rpoints[@]}, import ${#ipoints[@]})"
t_match "kill points exercised" "^[1-9]" "$killed"
