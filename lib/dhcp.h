/* lib/dhcp.h: static DHCP hosts of fvm's libvirt network, and its leases. */
#ifndef FVM_DHCP_H
#define FVM_DHCP_H

#include <stddef.h>

#include "virt.h"

/*
 * Static DHCP host entries of network (live and config). Add removes any
 * entry with the same IP, MAC or name first (libvirt refuses duplicates
 * and a stale entry would hand the address to an old MAC); the very
 * entry already in place is left alone. name may be NULL.
 */
int dhcp_add(struct virt *v, const char *network, const char *mac,
	     const char *ip, const char *name);
/* Remove every entry with this MAC and IP (either may be NULL: any);
 * returns how many went, 0 is not an error. */
int dhcp_remove(struct virt *v, const char *network, const char *mac,
		const char *ip);
struct dhcp_host {
	char *mac, *ip, *name;
};
int dhcp_hosts(struct virt *v, const char *network, struct dhcp_host **hosts,
	       size_t *n);
void dhcp_hosts_free(struct dhcp_host *hosts, size_t n);
/* The address the guest with mac holds a lease for (malloc'd); NULL with
 * FVM_EXIT_NOTFOUND when it has none. */
char *dhcp_lease_ip(struct virt *v, const char *network, const char *mac);
/* Tell dnsmasq to forget the lease of ip/mac with dhcp_release on the
 * network's bridge (needs root, in the daemon's network namespace).
 * 0 done, 1 when dhcp_release is not installed (message recorded, for a
 * warning), -1 failed. */
int dhcp_release_lease(struct virt *v, const char *network, const char *mac,
		       const char *ip);

/* The IPv4 DHCP leases dnsmasq holds on network (for fvm doctor). */
struct dhcp_lease {
	char *mac, *ip;
	long long expiry; /* seconds since the epoch */
};
int dhcp_leases(struct virt *v, const char *network, struct dhcp_lease **leases,
		size_t *n);
void dhcp_leases_free(struct dhcp_lease *leases, size_t n);

#endif
