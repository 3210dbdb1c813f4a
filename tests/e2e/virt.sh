#!/bin/bash
# tests/e2e/virt.sh: lib/virt's DHCP host entries, leases and metadata against the lab's real libvirtd and dnsmasq.
#
# Runs inside the lab namespace (tests/run: scripts/lab exec). virsh is this
# test's harness only; the code under test is lib/virt, through
# tests/tools/virt-tool. A busybox udhcpc on a veth in the network's bridge
# stands in for a guest, so leases are real dnsmasq leases.
set -u
# shellcheck source-path=SCRIPTDIR source=../lib.sh
. "$(dirname "$0")/../lib.sh"

URI=qemu:///system
NET=fvmtest-virt
SUBNET=124
PFX=192.168.$SUBNET
DUMMY_MAC=52:54:00:99:ff:99
MAC=52:54:00:7e:57:2a
MAC2=52:54:00:7e:58:2a
IP=$PFX.42
DOM=fvmtv-img-42
VETH=fvmtv0
TOOL=${BUILD:-$TOP/build}/tests/tools/virt-tool
export FVM_CONFIG=$T_TMP/fast-vm.conf
cat >"$FVM_CONFIG" <<EOF
VM_PREFIX=fvmtv-
LIBVIRT_NETWORK=$NET
SUBNET_NUMBER=$SUBNET
FVM_URI=$URI
EOF

v() {
	timeout 60 virsh -q -c "$URI" "$@"
}

vt() {
	timeout 60 "$TOOL" "$@"
}

remove_all() {
	ip link del "$VETH" >/dev/null 2>&1 || :
	v destroy "$DOM" >/dev/null 2>&1 || :
	v undefine "$DOM" >/dev/null 2>&1 || :
	v net-destroy "$NET" >/dev/null 2>&1 || :
	v net-undefine "$NET" >/dev/null 2>&1 || :
}

if [ ! -x "$TOOL" ]; then
	t_fail "virt-tool" "$TOOL is missing (make)"
	exit 1
fi
# A run killed before its cleanup must not break the next one.
remove_all
t_on_exit remove_all
t_run "lab net-define $NET" 0 env FVM_LAB_HOSTSDIR=0 "$TOP/scripts/lab" net-define "$NET" "$SUBNET" || exit 1

# hosts_for IP: the entries holding that address
hosts_for() {
	vt dhcp-hosts "$NET" | awk -v ip="$1" '$2 == ip'
}

t_run "dhcp-hosts lists the dummy host" 0 vt dhcp-hosts "$NET"
t_eq "dummy host entry" "$DUMMY_MAC $PFX.2 -" "$T_OUT"

t_run "dhcp-add .42" 0 vt dhcp-add "$NET" "$MAC" "$IP" "$DOM"
t_eq "entry for .42" "$MAC $IP $DOM" "$(hosts_for "$IP")"
t_match "entry is in the live network" "<host mac=.$MAC. name=.$DOM. ip=.$IP./>" "$(v net-dumpxml "$NET")"
t_match "entry is in the config" "<host mac=.$MAC. name=.$DOM. ip=.$IP./>" "$(v net-dumpxml --inactive "$NET")"
t_run "dhcp-add the same entry again" 0 vt dhcp-add "$NET" "$MAC" "$IP" "$DOM"
t_lines "still one entry for .42" 1 "$(hosts_for "$IP")"

# a re-created VM 42 with another MAC: the stale entry must go
t_run "dhcp-add .42 with a new MAC" 0 vt dhcp-add "$NET" "$MAC2" "$IP"
t_eq "exactly the new entry for .42" "$MAC2 $IP -" "$(hosts_for "$IP")"
t_nomatch "old MAC gone from the live network" "$MAC" "$(v net-dumpxml "$NET")"
t_nomatch "old MAC gone from the config" "$MAC" "$(v net-dumpxml --inactive "$NET")"

# an entry only in the config (fast-vm's net-update failed half way)
v net-update "$NET" add-last ip-dhcp-host "<host mac='$MAC' ip='$PFX.43'/>" --config >/dev/null
t_run "dhcp-add over a config-only stale entry" 0 vt dhcp-add "$NET" "$MAC" "$PFX.44"
t_nomatch "config-only entry is gone" "$PFX\.43" "$(v net-dumpxml --inactive "$NET")"
t_match "new entry is live" "<host mac=.$MAC. ip=.$PFX\.44./>" "$(v net-dumpxml "$NET")"
t_run "dhcp-remove .44" 0 vt dhcp-remove "$NET" "$MAC" "$PFX.44"
t_eq "one entry removed" 1 "$T_OUT"

t_run "dhcp-remove .42" 0 vt dhcp-remove "$NET" "$MAC2" "$IP"
t_eq "dhcp-remove counts" 1 "$T_OUT"
t_eq "no entry for .42" "" "$(hosts_for "$IP")"
t_run "dhcp-remove again" 0 vt dhcp-remove "$NET" "$MAC2" "$IP"
t_eq "nothing left to remove" 0 "$T_OUT"
t_eq "dummy host stays" "$DUMMY_MAC $PFX.2 -" "$(vt dhcp-hosts "$NET")"
t_run "dhcp-hosts of a missing network" 3 vt dhcp-hosts fvmtest-nonet

# metadata and MAC on a domain of the real qemu driver (never started)
cat >"$T_TMP/dom.xml" <<EOF
<domain type='qemu'>
  <name>$DOM</name>
  <memory unit='MiB'>64</memory>
  <os><type arch='x86_64'>hvm</type></os>
  <devices>
    <interface type='network'>
      <mac address='$MAC'/>
      <source network='$NET'/>
    </interface>
  </devices>
</domain>
EOF
t_run "define $DOM" 0 vt define "$T_TMP/dom.xml"
t_run "define $DOM again is a conflict" 4 vt define "$T_TMP/dom.xml"
t_match "conflict says so" "exists already" "$T_ERR"
t_run "meta-set" 0 vt meta-set "$DOM" 42 alice "web, primary"
t_eq "title as fast-vm writes it" "042 alice web, primary" "$(v desc --config --title "$DOM")"
t_match "description as fast-vm writes it" '^1,alice,[0-9]+,---,web, primary$' "$(v desc --config "$DOM")"
t_run "meta-get" 0 vt meta-get "$DOM"
t_match "meta-get note" "^note=web, primary$" "$T_OUT"
t_run "list" 0 vt list
t_eq "list shows VM 42" "42 img shut off $DOM alice" "$T_OUT"
t_run "mac" 0 vt mac "$DOM" "$NET"
t_eq "domain MAC" "$MAC" "$T_OUT"

# a real lease: udhcpc on a veth in the bridge, with the reserved MAC
br=$(v net-info "$NET" | awk '$1 == "Bridge:" {print $2}')
if ! command -v busybox >/dev/null 2>&1; then
	t_skip "dhcp lease" "busybox (udhcpc) is not installed"
elif ! ip link add "$VETH" type veth peer name "${VETH}p" 2>"$T_TMP/err"; then
	t_skip "dhcp lease" "cannot make a veth: $(cat "$T_TMP/err")"
else
	ip link set "${VETH}p" master "$br" up
	ip link set "$VETH" address "$MAC" up
	t_run "dhcp-add for the lease" 0 vt dhcp-add "$NET" "$MAC" "$IP" "$DOM"
	t_run "udhcpc gets a lease" 0 timeout 30 busybox udhcpc -i "$VETH" -s /bin/true -q -n -t 10 -T 1
	t_run "lease" 0 vt lease "$NET" "$MAC"
	t_eq "leased address is the reserved one" "$IP" "$T_OUT"
	t_run "release" 0 vt release "$NET" "$MAC" "$IP"
	t_nomatch "release warns of nothing" "warning" "$T_ERR"
	gone=
	for _ in 1 2 3 4 5 6 7 8 9 10; do
		if ! vt lease "$NET" "$MAC" >/dev/null 2>&1; then
			gone=1
			break
		fi
		sleep 0.5
	done
	if [ -n "$gone" ]; then
		t_ok "lease is gone after release"
	else
		t_fail "lease is gone after release" "$(v net-dhcp-leases "$NET" 2>&1)"
	fi
	t_run "lease of a MAC without one" 3 vt lease "$NET" "$MAC"
	ip link del "$VETH"
	t_run "dhcp-remove the lease's entry" 0 vt dhcp-remove "$NET" "$MAC" "$IP"
fi

t_run "remove $DOM" 0 vt remove "$DOM"
t_nomatch "$DOM is gone" "^$DOM\$" "$(v list --all --name)"
t_run "list is empty" 0 vt list
t_eq "no VMs" "" "$T_OUT"
