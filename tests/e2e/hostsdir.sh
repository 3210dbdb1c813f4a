#!/bin/bash
# tests/e2e/hostsdir.sh: DHCP reservations as files in a network's dhcp-hostsdir: a booted guest gets its address, delete removes the file, a re-made VM with another MAC gets the address.
#
# Runs inside the lab namespace (tests/run: scripts/lab exec). The network
# carries dnsmasq's dhcp-hostsdir option (scripts/lab net-define
# --hostsdir, what fvm configure sets up); fvm keeps one file per VM there
# instead of a <host> entry in the network's XML. virsh only inspects.
set -u
# shellcheck source-path=SCRIPTDIR source=../lib.sh
. "$(dirname "$0")/../lib.sh"

# shellcheck source=common.bash
. "$(dirname "$0")/common.bash"

P=fvmt-bh-
NET=fvmtest-bench2
SUBNET=137
IMG=htest

# e2e_setup defines the network through scripts/lab, which reads this
export FVM_LAB_HOSTSDIR=1
e2e_setup $P $NET $SUBNET hostsdir
unset FVM_LAB_HOSTSDIR
e2e_image $IMG
cp "$GUEST_DIR/id_ed25519" "$T_TMP/key"
chmod 0600 "$T_TMP/key"

# the network's own XML (v net-dumpxml adds the directory's entries)
xml_hosts() { timeout 60 virsh -q -c "$URI" net-dumpxml "$NET" | grep -c "<host mac="; }
dir=$(v net-dumpxml "$NET" | sed -n "s|.*value='dhcp-hostsdir=\([^']*\)'.*|\1|p")
t_match "the network hands dnsmasq a hosts directory" "^/" "$dir"
[ -d "$dir" ] || { t_fail "hosts directory" "$dir is missing"; exit 1; }
ip=192.168.$SUBNET.42

# the guest waits for its address: ssh proves the reservation
boot_and_ssh() {
	t_run "$1: start 42" 0 fvm start 42
	t_run "$1: wait for ssh" 0 fvm wait --state ssh --timeout 300 42
	t_run "$1: ssh into 42 at $ip" 0 ssh -q -i "$T_TMP/key" \
		-o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null \
		-o ConnectTimeout=10 root@$ip hostname
	t_eq "$1: the guest answers at its reserved address" "fvm-test" "$T_OUT"
	t_match "$1: dnsmasq leased $ip to $2" "$2 .*$ip/24" \
		"$(v net-dhcp-leases "$NET")"
}

# --- create: a file, no XML entry
t_run "create $IMG 42" 0 fvm create $IMG 42
mac=$(v domiflist $P$IMG-42 | awk '{print $5}')
t_eq "the reservation is a file named after the address" "$ip" "$(ls "$dir")"
t_eq "the file holds MAC, address and name" "$mac,$ip,$P$IMG-42" "$(cat "$dir/$ip")"
t_eq "the network's XML keeps only the dummy host" 1 "$(xml_hosts)"
boot_and_ssh "first VM" "$mac"

# --- delete: the file goes, the lease is released
t_run "delete 42" 0 fvm delete 42
t_eq "delete removed the file" "" "$(ls "$dir")"
t_eq "still only the dummy host in the XML" 1 "$(xml_hosts)"
t_nomatch "no lease for the old MAC" "$mac" "$(v net-dhcp-leases "$NET")"

# --- the same number with another MAC: dnsmasq must have forgotten the
# old file's entry, or it keeps the address for the old MAC
sed "s|<source network='LIBVIRT_NETWORK'/>|<mac address='52:54:00:be:ef:2a'/>&|" \
	"$T_TMP/etc/config-$IMG.xml" >"$T_TMP/other-mac.xml"
t_run "create 42 again with another MAC" 0 fvm create --xml "$T_TMP/other-mac.xml" $IMG 42
t_eq "the file has the new MAC" "52:54:00:be:ef:2a,$ip,$P$IMG-42" "$(cat "$dir/$ip" 2>/dev/null)"
boot_and_ssh "re-made VM" "52:54:00:be:ef:2a"
t_run "delete the re-made VM" 0 fvm delete 42

# --- an entry in the XML for the same address (fast-vm made it) gives way
v net-update "$NET" add-last ip-dhcp-host \
	"<host mac='52:54:00:12:34:2b' ip='192.168.$SUBNET.43'/>" --live --config >/dev/null
t_eq "a fast-vm entry in the XML" 2 "$(xml_hosts)"
t_run "create 43 over it" 0 fvm create $IMG 43
t_eq "the stale XML entry is gone" 1 "$(xml_hosts)"
t_eq "the file took its place" "192.168.$SUBNET.43" "$(ls "$dir")"
t_run "fvm list shows 43" 0 fvm list --short
t_eq "listed" "43" "$T_OUT"
t_run "delete 43" 0 fvm delete -q 43
t_eq "nothing left in the directory" "" "$(ls "$dir")"

# --- a failed create leaves no file
mkdir -p "$T_TMP/user/badxml"
echo $IMG >"$T_TMP/user/badxml/base_image"
sed 's/<devices>/<devices><frobnicate\/>/' "$T_TMP/etc/config-$IMG.xml" >"$T_TMP/user/badxml/config.xml"
t_run "define failure exits 1" 1 fvm create badxml 44
t_eq "define failure: no file" "" "$(ls "$dir")"
t_run "hack failure under --strict exits 1" 1 sh -c \
	"mkdir -p '$T_TMP/user/hacky' && echo $IMG >'$T_TMP/user/hacky/base_image' && cp '$T_TMP/etc/config-$IMG.xml' '$T_TMP/user/hacky/config.xml' && echo 'exit 3' >'$T_TMP/user/hacky/hacks.sh' && fvm create --strict hacky 45"
t_eq "rolled back create: no file" "" "$(ls "$dir")"
t_eq "rolled back create: no XML entry" 1 "$(xml_hosts)"
