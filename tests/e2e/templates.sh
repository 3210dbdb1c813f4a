#!/bin/sh
# tests/e2e/templates.sh: the real qemu driver of the lab's libvirtd defines every expanded fast-vm template (nvme ones refused), fast-vm create makes a VM of each, and TCG starts host-model and UEFI ones.
#
# Runs inside the lab namespace (tests/run: scripts/lab exec). The define
# of each template goes through tmpl-tool (lib/tmpl + the libvirt C API)
# and is undefined at once; the start checks use virsh as this test's
# harness only. Unlike test:///default, the qemu driver checks the
# emulator, machine type and CPU mode against what qemu reports.
# shellcheck source-path=SCRIPTDIR source=../lib.sh
. "$(dirname "$0")/../lib.sh"

BUILD=${BUILD:-$TOP/build}
TOOL=$BUILD/tests/tools/tmpl-tool
DIR=${FVM_TEMPLATES:-$TOP/../shared/fixtures/fast-vm-templates}
URI=qemu:///system
LAB_DIR=${FVM_LAB_DIR:-/var/lib/fvm-lab}
NET=fvmtest-tmpl
SUBNET=132
N=42

v() {
	timeout 60 virsh -q -c "$URI" "$@"
}

if [ ! -x "$TOOL" ]; then
	t_fail "tmpl-tool" "$TOOL is missing (make units)"
	exit 1
fi
if ! ls "$DIR"/*/xml/*.xml >/dev/null 2>&1; then
	t_skip "fast-vm templates" "no templates in $DIR"
	exit 0
fi

# qemu runs as libvirt-qemu: its disks go where that user can reach them
store=$(mktemp -d "$LAB_DIR/e2e-tmpl.XXXXXX")
chmod 0755 "$store"
mkdir -p "$store/vms"
chmod 0755 "$store/vms"
cat >"$T_TMP/fast-vm.conf" <<EOF
VM_PREFIX=fvmtest-
LIBVIRT_NETWORK=$NET
SUBNET_NUMBER=$SUBNET
FVM_STORE_DIR=$store
EOF
FVM_CONFIG=$T_TMP/fast-vm.conf
mkdir -p "$T_TMP/etc" "$T_TMP/user" "$T_TMP/locks"
# fast-vm's /etc/fast-vm and ~/.fast-vm of this test only
FVM_SYSTEM_DIR=$T_TMP/etc FVM_USER_DIR=$T_TMP/user FVM_LOCK_DIR=$T_TMP/locks
export FVM_CONFIG FVM_SYSTEM_DIR FVM_USER_DIR FVM_LOCK_DIR

# remove_domains: what this test may have left, gone whether it exists or not.
remove_domains() {
	for d in $(v list --all --name 2>/dev/null | grep '^fvmtest-tmpl'); do
		v destroy "$d" >/dev/null 2>&1 || :
		v undefine --nvram "$d" >/dev/null 2>&1 || :
	done
}
remove_all() {
	remove_domains
	v net-destroy "$NET" >/dev/null 2>&1 || :
	v net-undefine "$NET" >/dev/null 2>&1 || :
	rm -rf "$store"
}
remove_domains
t_on_exit remove_all

defined=0 refused=0 skipped=0
for f in "$DIR"/*/xml/*.xml; do
	t=$(basename "$f" .xml)
	img=tmpl.$(printf '%s' "$t" | tr -c 'A-Za-z0-9.\n' '.')
	arch=$(sed -n "s/.*<type[^>]* arch=['\"]\([^'\"]*\)['\"].*/\1/p" "$f" | head -n 1)
	if [ -n "$arch" ] && [ "$arch" != x86_64 ] &&
		! command -v "qemu-system-$arch" >/dev/null 2>&1; then
		t_skip "$t" "arch $arch: qemu-system-$arch is not installed"
		skipped=$((skipped + 1))
		continue
	fi
	case $t in
	*-nvme)
		if t_run "$t is refused by the qemu driver" 1 "$TOOL" define "$URI" "$f" "$img" "$N"; then
			t_match "$t: error names the nvme bus" "bus.*nvme|nvme.*bus" "$T_ERR"
			refused=$((refused + 1))
			echo "# $t: $(printf '%s' "$T_ERR" | tr '\n' ' ')"
		fi
		;;
	*)
		if t_run "$t defines on the qemu driver" 0 "$TOOL" define "$URI" "$f" "$img" "$N"; then
			defined=$((defined + 1))
		else
			echo "# $t: $(printf '%s' "$T_ERR" | tr '\n' ' ')"
		fi
		;;
	esac
done
echo "# $defined defined, $refused refused (nvme), $skipped skipped"
t_eq "nvme templates refused" 5 "$refused"

# TCG must start what fvm defines: a BIOS template with cpu host-model and
# a UEFI one (OVMF loader, nvram from its template), each on an empty
# qcow2 disk; running means qemu accepted CPU, firmware and devices.
t_run "lab net-define $NET" 0 "$TOP/scripts/lab" net-define "$NET" "$SUBNET" || exit 1

# Every template through the fast-vm personality, as a fast-vm user gives
# it: `fast-vm create IMAGE N TEMPLATE` defines VM N on the qemu driver
# (disk, domain, DHCP host); the nvme ones are refused with libvirt's
# reason. All are deleted with one `fast-vm delete 'N1 N2 ...'`.
mkdir -p "$store/images"
truncate -s 64M "$store/images/fvmtest-tmpl.raw"
n=20 made=""
pdefined=0 prefused=0
for f in "$DIR"/*/xml/*.xml; do
	t=$(basename "$f" .xml)
	arch=$(sed -n "s/.*<type[^>]* arch=['\"]\([^'\"]*\)['\"].*/\1/p" "$f" | head -n 1)
	if [ -n "$arch" ] && [ "$arch" != x86_64 ] &&
		! command -v "qemu-system-$arch" >/dev/null 2>&1; then
		continue
	fi
	case $t in
	*-nvme)
		if t_run "fast-vm create tmpl $n $t is refused" 1 fast-vm create tmpl $n "$f"; then
			t_match "fast-vm create $t: the error names the nvme bus" "bus.*nvme|nvme.*bus" "$T_ERR"
			t_nomatch "fast-vm create $t: no VM $n created" "\\[ok\\]" "$T_OUT"
			prefused=$((prefused + 1))
		fi
		t_eq "fast-vm create $t: nothing left" "" "$(v list --all --name | grep "^fvmtest-tmpl-$n$")"
		;;
	*)
		if t_run "fast-vm create tmpl $n $t" 0 fast-vm create tmpl $n "$f"; then
			t_eq "fast-vm create $t: fast-vm's message" "[$n][ok] VM 'fvmtest-tmpl-$n' created" \
				"$(printf '%s\n' "$T_OUT" | tail -n 1)"
			pdefined=$((pdefined + 1))
			made="$made $n"
		else
			echo "# fast-vm create $t: $(printf '%s' "$T_ERR" | tr '\n' ' ')"
		fi
		;;
	esac
	n=$((n + 1))
done
echo "# fast-vm create: $pdefined defined, $prefused refused (nvme)"
t_eq "fast-vm create: the nvme templates refused" 5 "$prefused"
t_eq "fast-vm create: every other template defined" "$defined" "$pdefined"
if [ -n "$made" ]; then
	t_run "fast-vm delete of all of them" 0 fast-vm delete "${made# }"
	t_eq "fast-vm delete: fast-vm's summary" "[__][ok] All operations returned successfully" \
		"$(printf '%s\n' "$T_OUT" | tail -n 1)"
	t_eq "no template VM left" "" "$(v list --all --name | grep '^fvmtest-tmpl-[0-9]*$')"
fi
for t in centos/xml/centos-9.0-current debian/xml/debian-12-current-uefi; do
	f=$DIR/$t.xml
	[ -e "$f" ] || continue
	b=$(basename "$t")
	img=tmpl.$(printf '%s' "$b" | tr -c 'A-Za-z0-9.\n' '.')
	name=fvmtest-$img-$N
	t_run "$b expands" 0 "$TOOL" expand "$f" "$img" "$N" || continue
	printf '%s\n' "$T_OUT" >"$T_TMP/$b.xml"
	qemu-img create -q -f qcow2 "$store/vms/$name.qcow2" 1G
	t_run "$b: virsh define" 0 v define "$T_TMP/$b.xml" || continue
	if t_run "$b starts under TCG" 0 v start "$name"; then
		t_eq "$b is running" running "$(v domstate "$name" 2>&1)"
		cpu=$(v dumpxml "$name" | sed -n '/<cpu/,/<\/cpu>/p' | tr -s ' \n' ' ')
		echo "# $b live cpu: $cpu"
		v destroy "$name" >/dev/null 2>&1
	else
		echo "# $b: $(tail -n 3 "/var/log/libvirt/qemu/$name.log" 2>/dev/null | tr '\n' ' ')"
	fi
	t_run "$b: undefine" 0 v undefine --nvram "$name"
done

# host-passthrough: TCG has no host CPU to pass, so libvirt refuses to start
# it under type qemu; fvm drops such a <cpu> there and the domain starts.
f=$DIR/centos/xml/centos-9.0-current.xml
if [ -e "$f" ]; then
	img=tmpl.passthrough
	name=fvmtest-$img-$N
	sed "s/<cpu mode='host-model'>/<cpu mode='host-passthrough'>/" "$f" >"$T_TMP/pt.xml"
	qemu-img create -q -f qcow2 "$store/vms/$name.qcow2" 1G
	if t_run "host-passthrough template expands" 0 "$TOOL" expand "$T_TMP/pt.xml" "$img" "$N"; then
		t_nomatch "host-passthrough dropped under qemu" "<cpu" "$T_OUT"
		printf '%s\n' "$T_OUT" >"$T_TMP/pt-fvm.xml"
		printf '%s\n' "$T_OUT" | sed 's|<clock |<cpu mode="host-passthrough"/><clock |' >"$T_TMP/pt-raw.xml"
		t_run "kept host-passthrough: defines" 0 v define "$T_TMP/pt-raw.xml"
		t_run "kept host-passthrough: TCG refuses to start it" 1 v start "$name"
		echo "# host-passthrough under TCG: $T_ERR"
		v destroy "$name" >/dev/null 2>&1
		v undefine --nvram "$name" >/dev/null 2>&1
		t_run "fvm's XML: defines" 0 v define "$T_TMP/pt-fvm.xml"
		t_run "fvm's XML: starts under TCG" 0 v start "$name"
		v destroy "$name" >/dev/null 2>&1
		t_run "fvm's XML: undefine" 0 v undefine --nvram "$name"
	fi
fi
