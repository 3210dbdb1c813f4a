#!/bin/bash
# tests/e2e/uefi.sh: fast-vm's UEFI templates through fvm on the dir storage: the NVRAM file libvirt makes from the template's VARS, and removed by fvm delete.
#
# Runs inside the lab namespace (tests/run: scripts/lab exec). The
# templates are the real fast-vm fixtures, used in place and read-only. The
# disk holds the BIOS test guest, which OVMF cannot boot: starting only has
# to make qemu run the firmware, which is when libvirt writes the NVRAM.
set -u
# shellcheck source-path=SCRIPTDIR source=../lib.sh
. "$(dirname "$0")/../lib.sh"

DIR=${FVM_TEMPLATES:-$TOP/../shared/fixtures/fast-vm-templates}
DEBIAN=$DIR/debian/xml/debian-12-current-uefi.xml
RHEL=$DIR/rhel/xml/rhel-6.3-current-uefi.xml
P=fvmuefi-
NET=fvmtest-uefi
SUBNET=133
IMG=uefitest
NVRAM_DIR=/var/lib/libvirt/qemu/nvram
OVMF_VARS=/usr/share/OVMF/OVMF_VARS.fd

if [ ! -r "$DEBIAN" ]; then
	t_skip "e2e/uefi" "no fast-vm template fixtures: $DEBIAN is missing"
	exit 0
fi
if [ ! -r "$OVMF_VARS" ] || [ ! -r /usr/share/OVMF/OVMF_CODE.fd ]; then
	t_skip "e2e/uefi" "OVMF firmware is not installed (Debian package ovmf)"
	exit 0
fi

# shellcheck source=common.bash
. "$(dirname "$0")/common.bash"
domains() { v list --all --name | grep -c "^$P$IMG-"; }
# nvram_of DOMAIN: the NVRAM path libvirt gave the domain
nvram_of() {
	v dumpxml "$1" | sed -n 's|.*<nvram[^>]*>\([^<]*\)</nvram>.*|\1|p'
}
# running_soon DOMAIN: the domain stays up a moment after its start, so
# qemu accepted firmware, NVRAM and devices.
running_soon() {
	sleep 1
	[ "$(v domstate "$1" 2>/dev/null)" = running ]
}

e2e_setup $P $NET $SUBNET uefi
cp --sparse=always "$GUEST_DIR/fvm-test-boot.raw" "$store/images/$P$IMG.raw"
# the fixture itself, not a copy: fvm must take it as fast-vm users have it
ln -s "$DEBIAN" "$T_TMP/etc/config-$IMG.xml"

# --- debian-12 UEFI: the VARS template is OVMF's own
dom=$P$IMG-42
t_run "create from the debian-12 UEFI template" 0 fvm create $IMG 42 || exit 1
xml=$(v dumpxml "$dom")
t_match "domain type switched to qemu" "^<domain type='qemu'" "$xml"
t_match "OVMF loader kept" "<loader readonly='yes' type='pflash'>/usr/share/OVMF/OVMF_CODE.fd</loader>" "$xml"
t_match "nvram from OVMF's VARS template" "<nvram template='$OVMF_VARS'>" "$xml"
nvram=$(nvram_of "$dom")
t_eq "libvirt names the domain's NVRAM file" "$NVRAM_DIR/${dom}_VARS.fd" "$nvram"
t_match "disk rewritten to the dir store" "<source file='$store/vms/$dom.qcow2'" "$xml"
t_run "start under TCG" 0 fvm start 42
if running_soon "$dom"; then
	t_ok "running with OVMF"
else
	t_fail "running with OVMF" "state $(v domstate "$dom" 2>&1); $(tail -n 3 "/var/log/libvirt/qemu/$dom.log" 2>/dev/null | tr '\n' ' ')"
fi
[ -s "$nvram" ] && t_ok "NVRAM file made on start" || t_fail "NVRAM file made on start" "no $nvram"
t_eq "NVRAM is a copy of the VARS size" "$(stat -c %s "$OVMF_VARS")" "$(stat -c %s "$nvram" 2>/dev/null)"
t_run "stop" 0 fvm stop 42
t_eq "shut off" "shut off" "$(v domstate "$dom")"
[ -e "$nvram" ] && t_ok "NVRAM outlives a stop" || t_fail "NVRAM outlives a stop" "gone"
t_run "delete" 0 fvm delete 42
t_eq "domain removed" 0 "$(domains)"
[ -e "$nvram" ] && t_fail "NVRAM removed with the domain" "$nvram is still there" ||
	t_ok "NVRAM removed with the domain"
t_eq "disk removed" "" "$(ls "$store/vms")"

# delete of a defined UEFI domain that never ran: no NVRAM file yet
t_run "create again" 0 fvm create -q $IMG 43
nvram=$(nvram_of "$P$IMG-43")
[ -e "$nvram" ] && t_fail "no NVRAM before the first start" "$nvram exists" ||
	t_ok "no NVRAM before the first start"
t_run "delete a UEFI VM that never ran" 0 fvm delete 43
t_eq "its domain removed" 0 "$(domains)"

# --- rhel-6.3 UEFI: the VARS template is per image, named with IMAGE_NAME.
# fast-vm expands the macro and nothing else: the path stays absolute under
# /etc/fast-vm whatever FVM_SYSTEM_DIR says, and libvirt reads it at the
# first start. This host has no such file, so the start fails, cleanly.
if [ -r "$RHEL" ]; then
	mkdir -p "$T_TMP/user/rhelvars"
	echo $IMG >"$T_TMP/user/rhelvars/base_image"
	ln -s "$RHEL" "$T_TMP/user/rhelvars/config.xml"
	dom=$P$IMG-44
	vars=/etc/fast-vm/nvram-${IMG}_VARS.fd
	t_run "create from the rhel-6.3 UEFI template" 0 fvm create rhelvars 44
	t_match "IMAGE_NAME in the nvram template is the image's name" \
		"<nvram template='$vars'>" "$(v dumpxml "$dom")"
	if [ -e "$vars" ]; then
		t_skip "start without the image's VARS file" "$vars exists on this host"
	else
		t_run "start without the image's VARS file exits 1" 1 fvm start 44
		t_match "the error names the VARS file" "$vars" "$T_ERR"
		echo "# rhel-6.3 start without $vars: $T_ERR"
		t_eq "nothing runs" "shut off" "$(v domstate "$dom")"
		[ -e "$(nvram_of "$dom")" ] && t_fail "no NVRAM made" "$(nvram_of "$dom") exists" ||
			t_ok "no NVRAM made"
	fi
	t_run "delete it" 0 fvm delete 44
	t_eq "rhel domain removed" 0 "$(domains)"
else
	t_skip "rhel-6.3 UEFI template" "$RHEL is missing"
fi

# The same template with its VARS directory moved where the test may write:
# the image's own VARS file is the NVRAM's source.
if [ -r "$RHEL" ]; then
	mkdir -p "$T_TMP/user/rhelown"
	echo $IMG >"$T_TMP/user/rhelown/base_image"
	sed "s|/etc/fast-vm/|$store/|" "$RHEL" >"$T_TMP/user/rhelown/config.xml"
	cp "$OVMF_VARS" "$store/nvram-${IMG}_VARS.fd"
	dom=$P$IMG-45
	t_run "create with the image's VARS file present" 0 fvm create rhelown 45
	t_match "nvram template is the image's VARS" \
		"<nvram template='$store/nvram-${IMG}_VARS.fd'>" "$(v dumpxml "$dom")"
	nvram=$(nvram_of "$dom")
	t_run "start with the image's VARS" 0 fvm start 45
	[ -s "$nvram" ] && t_ok "NVRAM made from the image's VARS" ||
		t_fail "NVRAM made from the image's VARS" "no $nvram"
	t_run "delete the running UEFI VM" 0 fvm delete 45
	[ -e "$nvram" ] && t_fail "its NVRAM removed" "$nvram is still there" ||
		t_ok "its NVRAM removed"
	t_eq "the image's VARS file stays" "$(stat -c %s "$OVMF_VARS")" \
		"$(stat -c %s "$store/nvram-${IMG}_VARS.fd" 2>/dev/null)"
	t_eq "no domain left" 0 "$(domains)"
fi
