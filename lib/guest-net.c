/* lib/guest-net.c: DHCP on the guest's first NIC, the way its family configures it. */
#include "guest.h"
#include "guest-priv.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "err.h"
#include "util.h"

static bool has_word(const char *line, const char *word)
{
	size_t n = strlen(word);

	for (const char *p = line; (p = strstr(p, word)); p += n)
		if ((p == line || p[-1] == ' ' || p[-1] == '\t') &&
		    (!p[n] || p[n] == ' ' || p[n] == '\t'))
			return true;
	return false;
}

char *guest_ifupdown_drop(const char *text, const char *nic)
{
	static const char *const heads[] = {
		"auto",	   "allow-hotplug", "allow-auto",	"iface",
		"mapping", "source",	    "source-directory", NULL
	};
	struct sbuf sb = SBUF_INIT;
	const char *p = text ? text : "";
	bool in_stanza = false;

	while (*p) {
		size_t n = strcspn(p, "\n"), at;
		char *line = xstrndup(p, n);
		bool head = false, drop = false;

		for (int i = 0; heads[i]; i++)
			if (guest_first_word(line, heads[i], false, &at))
				head = true;
		if (head) {
			in_stanza = false;
			if ((guest_first_word(line, "iface", false, &at) ||
			     guest_first_word(line, "mapping", false, &at)) &&
			    has_word(line + at, nic)) {
				/* "iface eth0 inet static" and its options */
				size_t w = at + strspn(line + at, " \t");

				in_stanza =
					!strncmp(line + w, nic, strlen(nic));
				drop = in_stanza;
			} else if (!guest_first_word(line, "source", false,
						     &at) &&
				   !guest_first_word(line, "source-directory",
						     false, &at) &&
				   has_word(line + at, nic)) {
				/* auto/allow-* lines: only ours stays up */
				drop = true;
			}
		} else if (in_stanza && line[strspn(line, " \t")] &&
			   line[strspn(line, " \t")] != '#') {
			drop = true;
		}
		if (drop)
			sbuf_adds(&sb, "# fvm: ");
		sbuf_adds(&sb, line);
		sbuf_addc(&sb, '\n');
		free(line);
		p += n + (p[n] == '\n');
	}
	return sbuf_detach(&sb);
}

/* ---- DHCP on the first NIC ---- */

#define DHCP_NIC    "eth0"
#define FVM_NETPLAN "/etc/netplan/90-fvm-dhcp.yaml"
#define FVM_NMCONN                                                             \
	"/etc/NetworkManager/system-connections/fvm-dhcp.nmconnection"

/* Debian's ifupdown: our stanza in interfaces.d, read from interfaces,
 * and the NIC's old stanzas commented out so that they do not fight. */
static int dhcp_ifupdown(struct gctx *x)
{
	static const char stanza[] = "# fvm: DHCP on the first NIC\n"
				     "auto " DHCP_NIC "\n"
				     "iface " DHCP_NIC " inet dhcp\n";
	const char *dir = "/etc/network/interfaces.d";
	bool missing;
	char *text = guest_read_text(x, "/etc/network/interfaces", &missing),
	     *new;
	char **names = NULL;
	int rc = -1;

	if (!text)
		return -1;
	new = guest_ifupdown_drop(text, DHCP_NIC);
	if (!strstr(new, "\nsource /etc/network/interfaces.d/") &&
	    !str_starts(new, "source /etc/network/interfaces.d/") &&
	    !strstr(new, "source-directory")) {
		char *s = xasprintf(
			"%s%s\nsource %s/*\n", new,
			*new &&new[strlen(new) - 1] != '\n' ? "\n" : "", dir);
		free(new);
		new = s;
	}
	if (strcmp(new, text) && guest_put_file(x, "/etc/network/interfaces",
						new, strlen(new), -1) < 0)
		goto out;
	if (guest_make_dir(x, dir) < 0)
		goto out;
	names = guestfs_ls(x->g, dir);
	if (!names) {
		guest_gfs_fail(x->g, dir);
		goto out;
	}
	for (size_t i = 0; names[i]; i++) {
		char *path = xasprintf("%s/%s", dir, names[i]), *old, *dropped;

		old = guest_read_text(x, path, &missing);
		if (!old && !missing) {
			free(path);
			goto out;
		}
		dropped = old ? guest_ifupdown_drop(old, DHCP_NIC) : NULL;
		if (dropped && strcmp(dropped, old) &&
		    guest_put_file(x, path, dropped, strlen(dropped), -1) < 0) {
			free(dropped);
			free(old);
			free(path);
			goto out;
		}
		free(dropped);
		free(old);
		free(path);
	}
	rc = guest_put_file(x, "/etc/network/interfaces.d/fvm-" DHCP_NIC,
			    stanza, strlen(stanza), 0644);
out:
	strv_free(names);
	free(new);
	free(text);
	return rc;
}

/* netplan names NICs by match: any ethernet one, whatever its name */
static int dhcp_netplan(struct gctx *x)
{
	static const char yaml[] =
		"# fvm: DHCP on the first NIC (any ethernet NIC)\n"
		"network:\n"
		"  version: 2\n"
		"  ethernets:\n"
		"    fvm-nic:\n"
		"      match:\n"
		"        name: \"e*\"\n"
		"      dhcp4: true\n";

	/* netplan warns about files others can read */
	return guest_put_file(x, FVM_NETPLAN, yaml, strlen(yaml), 0600);
}

static int dhcp_ifcfg(struct gctx *x)
{
	static const char ifcfg[] = "# fvm: DHCP on the first NIC\n"
				    "DEVICE=" DHCP_NIC "\n"
				    "TYPE=Ethernet\n"
				    "BOOTPROTO=dhcp\n"
				    "ONBOOT=yes\n";

	return guest_put_file(x,
			      "/etc/sysconfig/network-scripts/ifcfg-" DHCP_NIC,
			      ifcfg, strlen(ifcfg), 0644);
}

/* a NetworkManager keyfile bound to no interface name: the first
 * ethernet NIC takes it; NM ignores keyfiles not root's and 0600 */
static int dhcp_keyfile(struct gctx *x)
{
	unsigned char u[16];
	char *conn;
	int rc;

	if (getrandom(u, sizeof(u), 0) != (ssize_t)sizeof(u))
		return err_sys(FVM_EXIT_FAIL, "random connection uuid");
	u[6] = (unsigned char)((u[6] & 0x0f) | 0x40);
	u[8] = (unsigned char)((u[8] & 0x3f) | 0x80);
	conn = xasprintf("# fvm: DHCP on the first NIC\n"
			 "[connection]\n"
			 "id=fvm-dhcp\n"
			 "uuid=%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-"
			 "%02x%02x%02x%02x%02x%02x\n"
			 "type=ethernet\n"
			 "autoconnect=true\n"
			 "autoconnect-priority=100\n"
			 "\n[ethernet]\n"
			 "\n[ipv4]\nmethod=auto\n"
			 "\n[ipv6]\nmethod=auto\n",
			 u[0], u[1], u[2], u[3], u[4], u[5], u[6], u[7], u[8],
			 u[9], u[10], u[11], u[12], u[13], u[14], u[15]);
	rc = guest_put_file(x, FVM_NMCONN, conn, strlen(conn), 0600);
	if (rc == 0 && guestfs_chown(x->g, 0, 0, FVM_NMCONN) < 0)
		rc = guest_gfs_fail(x->g, FVM_NMCONN);
	free(conn);
	return rc;
}

/* ifcfg files for a NIC, not the loopback's */
static int has_ifcfg(struct gctx *x, const char *dir)
{
	char **names = guestfs_ls(x->g, dir);
	int found = 0;

	if (!names)
		return guest_gfs_fail(x->g, dir);
	for (size_t i = 0; names[i]; i++)
		if (str_starts(names[i], "ifcfg-") &&
		    strcmp(names[i], "ifcfg-lo"))
			found = 1;
	strv_free(names);
	return found;
}

int edit_dhcp(struct gctx *x)
{
	const char *scripts = "/etc/sysconfig/network-scripts";
	const char *nm = "/etc/NetworkManager/system-connections";
	int netplan, ifupdown, keyfiles, ifcfg, done = 0;

	if (!guest_is_linux(x, "dhcp"))
		return 0;
	if (!x->debian && !x->rhel) {
		guest_warn(x->r,
			   "dhcp skipped: distribution '%s' not known "
			   "(Debian, RHEL and their kin are)",
			   x->distro);
		return 0;
	}
	keyfiles = guest_is_dir(x, nm);
	if (keyfiles < 0)
		return -1;
	if (x->debian) {
		netplan = guest_is_dir(x, "/etc/netplan");
		ifupdown = guestfs_is_file(x->g, "/etc/network/interfaces");
		if (netplan < 0 || ifupdown < 0)
			return ifupdown < 0 ?
				       guest_gfs_fail(x->g, "/etc/network") :
				       -1;
		if (netplan && dhcp_netplan(x) < 0)
			return -1;
		if (ifupdown && dhcp_ifupdown(x) < 0)
			return -1;
		done = netplan || ifupdown;
		/* NetworkManager alone, as on desktops */
		if (!done && keyfiles) {
			if (dhcp_keyfile(x) < 0)
				return -1;
			done = 1;
		}
	} else {
		ifcfg = guest_is_dir(x, scripts);
		if (ifcfg > 0)
			ifcfg = has_ifcfg(x, scripts) || !keyfiles ? 1 : 0;
		if (ifcfg < 0)
			return -1;
		/* the guest's own way: ifcfg files up to RHEL 8, keyfiles
		 * from 9 on (and never both: they would fight) */
		if (ifcfg) {
			if (dhcp_ifcfg(x) < 0)
				return -1;
			done = 1;
		} else if (keyfiles) {
			if (dhcp_keyfile(x) < 0)
				return -1;
			done = 1;
		}
	}
	if (!done)
		guest_warn(x->r, "dhcp skipped: the guest has no network "
				 "configuration fvm knows (netplan, ifupdown, "
				 "ifcfg, NetworkManager keyfiles)");
	return 0;
}
