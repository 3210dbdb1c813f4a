#!/bin/sh
# tests/cli/templates.sh: every real fast-vm template expands (dir-backend disk, type qemu) and libvirt's test driver defines it with validation; the nvme ones fail naming the bus.
#
# The templates are the public fast-vm images' ones, kept read-only in
# shared/fixtures (FVM_TEMPLATES overrides where). test:///default is
# libvirt's in-process mock driver: it runs libvirt's schema and parser but
# checks no emulator or firmware path (tests/e2e/templates.sh does that).
# shellcheck source-path=SCRIPTDIR source=../lib.sh
. "$(dirname "$0")/../lib.sh"

BUILD=${BUILD:-$TOP/build}
TOOL=$BUILD/tests/tools/tmpl-tool
DIR=${FVM_TEMPLATES:-$TOP/../shared/fixtures/fast-vm-templates}
URI=${FVM_TEMPLATES_URI:-test:///default}
N=42

if [ ! -x "$TOOL" ]; then
	t_fail "tmpl-tool" "$TOOL is missing (make units)"
	exit 1
fi
if ! ls "$DIR"/*/xml/*.xml >/dev/null 2>&1; then
	t_skip "fast-vm templates" "no templates in $DIR"
	exit 0
fi

cat >"$T_TMP/fast-vm.conf" <<EOF
VM_PREFIX=fvmtest-
LIBVIRT_NETWORK=fvmtest-tmpl
SUBNET_NUMBER=123
FVM_STORE_DIR=$T_TMP/store
EOF
FVM_CONFIG=$T_TMP/fast-vm.conf
export FVM_CONFIG

defined=0 failed_ok=0 skipped=0
for f in "$DIR"/*/xml/*.xml; do
	t=$(basename "$f" .xml)
	# dots for dashes: an image name must not end in -NUMBER
	img=$(printf '%s' "$t" | tr -c 'A-Za-z0-9.\n' '.')
	name=fvmtest-$img-$N
	arch=$(sed -n "s/.*<type[^>]* arch=['\"]\([^'\"]*\)['\"].*/\1/p" "$f" | head -n 1)
	if [ -n "$arch" ] && [ "$arch" != x86_64 ]; then
		t_skip "$t" "arch $arch: qemu-system-$arch and its firmware are not part of this test"
		skipped=$((skipped + 1))
		continue
	fi

	t_run "$t expands" 0 "$TOOL" expand "$f" "$img" "$N" || continue
	xml=$T_OUT
	t_nomatch "$t: no macro left" 'VM_NAME|THINPOOL_VG|LIBVIRT_NETWORK|VM_NUMBER|VM_HEX_NUMBER|IMAGE_NAME' "$xml"
	t_match "$t: type qemu" '^<domain type="qemu"' "$xml"
	t_match "$t: system disk is the qcow2 overlay" \
		"<source file=\"$T_TMP/store/vms/$name.qcow2\"/>" "$xml"
	t_match "$t: NIC on the network has a MAC" \
		'<mac address="52:54:00:[0-9a-f:]{8}"/>' "$xml"
	loader=$(printf '%s\n' "$xml" | sed -n 's/.*<loader[^>]*>\([^<]*\)<\/loader>.*/\1/p')
	if [ -n "$loader" ]; then
		if [ -e "$loader" ]; then
			t_ok "$t: firmware $loader exists"
		else
			t_skip "$t: firmware" "$loader is not on this host (install ovmf)"
		fi
	fi

	case $t in
	*-nvme)
		# libvirt 9.0 has no disk bus nvme (10.x has)
		if t_run "$t is refused by libvirt 9.0" 1 "$TOOL" define "$URI" "$f" "$img" "$N"; then
			t_match "$t: error names the nvme bus" "bus.*nvme|nvme.*bus" "$T_ERR"
			failed_ok=$((failed_ok + 1))
			echo "# $t: $(printf '%s' "$T_ERR" | tr '\n' ' ')"
		fi
		;;
	*)
		if t_run "$t defines on $URI" 0 "$TOOL" define "$URI" "$f" "$img" "$N"; then
			defined=$((defined + 1))
		fi
		;;
	esac
done
echo "# $defined defined, $failed_ok refused as expected (nvme), $skipped skipped"
t_eq "nvme templates refused" 5 "$failed_ok"
