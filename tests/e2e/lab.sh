#!/bin/bash
# tests/e2e/lab.sh: the lab's libvirtd boots the test guest on a fast-vm style NAT network and ssh reaches it at its reserved address.
#
# Runs inside the lab namespace (tests/run: scripts/lab exec). virsh is this
# test's harness only; fvm itself talks to libvirt through its C API.
set -eu
# shellcheck source-path=SCRIPTDIR source=../lib.sh
. "$(dirname "$0")/../lib.sh"

URI=qemu:///system
NET=fvmtest-lab
SUBNET=123
N=42
HEX=$(printf '%02x' "$N")
MAC=52:54:00:7e:57:$HEX
IP=192.168.$SUBNET.$N
VG=fvmtest
DOM=fvmtest-lab-$N
GUEST_DIR=${FVM_GUEST_DIR:-$TOP/build/guest}
LAB_DIR=${FVM_LAB_DIR:-/var/lib/fvm-lab}
BOOT_WAIT=${FVM_BOOT_WAIT:-120}

v() {
	timeout 60 virsh -q -c "$URI" "$@"
}

# remove_all: what this test defines, gone whether it exists or not.
remove_all() {
	v destroy "$DOM" >/dev/null 2>&1 || :
	v undefine "$DOM" >/dev/null 2>&1 || :
	v net-destroy "$NET" >/dev/null 2>&1 || :
	v net-undefine "$NET" >/dev/null 2>&1 || :
}

# A run killed before its cleanup must not break the next one.
remove_all
rm -rf "$LAB_DIR"/e2e-lab.*

if [ ! -x "$TOP/scripts/mkguest" ]; then
	t_fail "lab guest" "scripts/mkguest is missing"
	exit 1
fi
t_run "mkguest builds the test guest" 0 "$TOP/scripts/mkguest" -o "$GUEST_DIR" || exit 1
for f in fvm-test.raw id_ed25519 config-fvm-test.xml; do
	if [ ! -s "$GUEST_DIR/$f" ]; then
		t_fail "guest file $f" "missing in $GUEST_DIR"
		exit 1
	fi
done

t_on_exit remove_all
t_run "lab net-define $NET" 0 "$TOP/scripts/lab" net-define "$NET" "$SUBNET" || exit 1
t_run "lab net-define again is a no-op" 0 "$TOP/scripts/lab" net-define "$NET" "$SUBNET" || exit 1
xml=$(v net-dumpxml "$NET")
t_match "network is fast-vm's NAT network" "<forward mode=.nat" "$xml"
t_match "network keeps the dummy DHCP host" "<host mac=.52:54:00:99:ff:99. ip=.192\.168\.$SUBNET\.2./>" "$xml"
t_match "network bridge is named after it" "<bridge name=.$NET. " "$xml"

t_run "DHCP reservation for .$N" 0 v net-update "$NET" add-last ip-dhcp-host \
	"<host mac='$MAC' ip='$IP'/>" --live --config || exit 1
t_match "reservation is in the network" "$MAC.*$IP" "$(v net-dumpxml "$NET")"

# qemu runs as libvirt-qemu: it must be able to reach the disk, kernel and
# initrd, so they are copied into the lab's searchable directory.
img_dir=$(mktemp -d "$LAB_DIR/e2e-lab.XXXXXX")
t_on_exit "rm -rf '$img_dir'"
chmod 0755 "$img_dir"
cp --sparse=always "$GUEST_DIR/fvm-test.raw" "$img_dir/disk.raw"
for f in vmlinuz initrd.img; do
	[ -e "$GUEST_DIR/$f" ] && cp "$GUEST_DIR/$f" "$img_dir/$f"
done
cp "$GUEST_DIR/id_ed25519" "$T_TMP/key"
chmod 0600 "$T_TMP/key"

# fast-vm's macros, then the thin LV disk pointed at a file copy, the
# kernel and initrd at the copies, and the NIC given the reserved MAC.
sed -e "s/VM_NAME/$DOM/g" -e "s/THINPOOL_VG/$VG/g" \
	-e "s/LIBVIRT_NETWORK/$NET/g" -e "s/VM_HEX_NUMBER/$HEX/g" \
	-e "s/VM_NUMBER/$N/g" -e "s/IMAGE_NAME/fvm-test/g" \
	"$GUEST_DIR/config-fvm-test.xml" |
	DEV="/dev/$VG/$DOM" IMG="$img_dir/disk.raw" KDIR="$img_dir" MAC="$MAC" perl -0pe '
		s{<disk\b(?:(?!</disk>).)*?</disk>}{
			my $d = $&;
			if (index($d, $ENV{DEV}) >= 0) {
				$d =~ s{^<disk(\s[^>]*?)type=(["\x27])block\2}{<disk${1}type="file"};
				$d =~ s{<source\s+dev=(["\x27])[^"\x27]*\1}{<source file="$ENV{IMG}"};
				$d =~ s{(<driver\b[^>]*?\stype=)(["\x27])\w+\2}{$1"raw"};
			}
			$d
		}gse;
		s{<kernel>[^<]*</kernel>}{<kernel>$ENV{KDIR}/vmlinuz</kernel>} if -e "$ENV{KDIR}/vmlinuz";
		s{<initrd>[^<]*</initrd>}{<initrd>$ENV{KDIR}/initrd.img</initrd>} if -e "$ENV{KDIR}/initrd.img";
		s{<interface\b(?:(?!</interface>).)*?</interface>}{
			my $i = $&;
			if ($i =~ m{^<interface\s[^>]*type=["\x27]network["\x27]}) {
				$i =~ s{\s*<mac\s[^>]*/>}{}g;
				$i =~ s{^(<interface[^>]*>)}{$1\n      <mac address="$ENV{MAC}"/>};
			}
			$i
		}gse;
	' >"$T_TMP/dom.xml"
t_match "domain uses the file disk" "<source file=\"$img_dir/disk.raw\"" "$(cat "$T_TMP/dom.xml")"
t_nomatch "no thin LV path is left" "/dev/$VG/" "$(cat "$T_TMP/dom.xml")"

t_run "define $DOM" 0 v define "$T_TMP/dom.xml" || exit 1
t_match "domain has the reserved MAC" "$MAC" "$(v domiflist "$DOM")"
t0=$(date +%s)
t_run "start $DOM" 0 v start "$DOM" || exit 1

ssh_guest() {
	ssh -i "$T_TMP/key" -o BatchMode=yes -o ConnectTimeout=3 \
		-o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null \
		-o LogLevel=ERROR "root@$IP" "$@"
}

up=
while [ $(($(date +%s) - t0)) -lt "$BOOT_WAIT" ]; do
	if [ "$(v domstate "$DOM" 2>/dev/null)" != running ]; then
		break
	fi
	if ssh_guest true </dev/null >/dev/null 2>&1; then
		up=$(($(date +%s) - t0))
		break
	fi
	sleep 1
done
if [ -z "$up" ]; then
	t_fail "ssh to $IP" "no answer within $BOOT_WAIT s (state: $(v domstate "$DOM" 2>&1 || :)); $(tail -n 5 "/var/log/libvirt/qemu/$DOM.log" 2>/dev/null | tr '\n' ' ')"
	exit 1
fi
t_ok "ssh to $IP answers"
echo "# ssh answered ${up} s after start"

t_run "ssh runs hostname" 0 ssh_guest hostname || exit 1
t_eq "guest hostname" fvm-test "$T_OUT"
t_run "guest has the reserved address" 0 ssh_guest ip -4 -o addr show eth0 || exit 1
t_match "guest eth0 is $IP" "inet $IP/" "$T_OUT"

t_run "destroy $DOM" 0 v destroy "$DOM" || exit 1
t_run "undefine $DOM" 0 v undefine "$DOM" || exit 1
t_nomatch "$DOM is gone" "^$DOM\$" "$(v list --all --name)"
t_run "net-destroy $NET" 0 v net-destroy "$NET" || exit 1
t_run "net-undefine $NET" 0 v net-undefine "$NET" || exit 1
t_nomatch "$NET is gone" "^$NET\$" "$(v net-list --all --name)"
t_nomatch "bridge $NET is gone" "^$NET\$" "$(ip -o link show | awk -F': ' '{print $2}')"
