/* lib/net.h: the fast-vm NAT network: its XML, and defining it in libvirt. */
#ifndef FVM_NET_H
#define FVM_NET_H

#include <libvirt/libvirt.h>

/* What the network looks like (fast-vm's fast-vm-network.xml). */
struct net_spec {
	const char *name;     /* the network's name (LIBVIRT_NETWORK) */
	int subnet;	      /* S: 192.168.S.0/24, the host is .1 */
	const char *bridge;   /* NULL: the name, as fast-vm does, or
			     * fvmbrS when the name is longer than a Linux
			     * bridge name may be (15 characters) */
	const char *hostsdir; /* NULL: DHCP reservations are <host> entries
			       * of the network's XML, as fast-vm's are;
			       * else dnsmasq's dhcp-hostsdir, where fvm
			       * keeps one file per reservation (no firewall
			       * reload per VM): see net_default_hostsdir */
};

/* Where dhcp-hostsdir directories go by default: BASE/NETWORK. */
#define NET_HOSTSDIR_BASE "/var/lib/fvm/dhcp"
/* NET_HOSTSDIR_BASE/name (malloc'd) */
char *net_default_hostsdir(const char *name);

/* The bridge the network gets (see net_spec.bridge). */
const char *net_bridge_name(const struct net_spec *s, char buf[16]);

/*
 * The network's XML: NAT, the bridge, 192.168.S.1/24, DHCP without a
 * dynamic range (VMs get static entries) and the dummy host
 * 52:54:00:99:ff:99 at .2 that keeps dnsmasq accepting DHCP releases;
 * with a hostsdir, dnsmasq's dhcp-hostsdir option through libvirt's
 * dnsmasq XML namespace.
 * NULL with FVM_EXIT_USAGE recorded for a bad name or subnet.
 */
char *net_xml(const struct net_spec *s);

/*
 * The S of an existing network's 192.168.S.x IPv4 address: 0 with *subnet
 * set, -1 with FVM_EXIT_NOTFOUND when there is no such network and
 * FVM_EXIT_CONFLICT when its address is not in 192.168.0.0/16.
 */
int net_subnet(virConnectPtr conn, const char *name, int *subnet);

/* What net_define found or did, for the caller to report. */
enum {
	NET_DEFINED = 1,   /* the network was defined */
	NET_AUTOSTART = 2, /* autostart was switched on */
	NET_STARTED = 4,   /* the network was started */
};

/*
 * Define the network (persistent), mark it autostarted and start it;
 * with a hostsdir, make that directory first (0755: dnsmasq reads it as
 * an unprivileged user, and watches it from its start). A
 * network of that name already there is fine when its subnet is the
 * same: only what is missing (autostart, running) is done. A different
 * subnet is FVM_EXIT_CONFLICT. Returns the NET_* flags of what was done
 * (0: all was in place already) or -1 with the error recorded; a network
 * this call defined is undefined again when a later step fails.
 */
int net_define(virConnectPtr conn, const struct net_spec *s);

#endif
