/* lib/dhcp.c: static DHCP hosts of a libvirt network, dnsmasq's hosts
 * directory, leases. */
#include "dhcp.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <sys/stat.h>

#include <libvirt/virterror.h>

#include "err.h"
#include "privop.h"
#include "proc.h"
#include "util.h"
#include "virt-priv.h"

/* Debian's dnsmasq-utils; fast-vm calls the same program for the same
 * reason: dnsmasq keeps a released VM's lease until it expires. */
#define DHCP_RELEASE "/usr/bin/dhcp_release"

/*
 * Two places hold a network's static DHCP hosts. The network's XML is
 * what fast-vm uses: virNetworkUpdate writes it and makes libvirt reload
 * the network's firewall rules and dnsmasq, about 0.4 s each way. A
 * network may also pass dnsmasq a dhcp-hostsdir through libvirt's dnsmasq
 * XML namespace; then each entry is one file in that directory, which
 * dnsmasq reads as it appears (inotify). dnsmasq forgets nothing by
 * itself, so whenever a file goes, dnsmasq gets the SIGHUP libvirt would
 * have sent: it re-reads its hosts, and a later VM with another MAC can
 * have the address. Where the files cannot be used (no such option, a
 * directory this user cannot write, a dnsmasq this user cannot signal),
 * entries go into the XML as before.
 */

/* Where an entry is: the same bits as VIR_NETWORK_UPDATE_AFFECT_*. */
#define IN_LIVE	  VIR_NETWORK_UPDATE_AFFECT_LIVE
#define IN_CONFIG VIR_NETWORK_UPDATE_AFFECT_CONFIG

#define DNSMASQ_NS   "http://libvirt.org/schemas/network/dnsmasq/1.0"
#define HOSTSDIR_OPT "dhcp-hostsdir="
/* where libvirt's system daemon keeps each network's dnsmasq pid */
#define DNSMASQ_PID_DIR "/run/libvirt/network"

struct host_set {
	struct dhcp_host *h;
	unsigned int *where;
	size_t n;
	char *hostsdir;		/* the network's dhcp-hostsdir, or NULL */
	struct dhcp_host *file; /* the entries of its files */
	char **path;		/* the file each came from */
	size_t nfile;
};

static bool str_eq(const char *a, const char *b)
{
	return a == b || (a && b && strcmp(a, b) == 0);
}

static bool mac_eq(const char *a, const char *b)
{
	return a == b || (a && b && strcasecmp(a, b) == 0);
}

static void host_release(struct dhcp_host *h)
{
	free(h->mac);
	free(h->ip);
	free(h->name);
}

static void host_set_free(struct host_set *s)
{
	dhcp_hosts_free(s->h, s->n);
	free(s->where);
	dhcp_hosts_free(s->file, s->nfile);
	for (size_t i = 0; i < s->nfile; i++)
		free(s->path[i]);
	free(s->path);
	free(s->hostsdir);
	memset(s, 0, sizeof(*s));
}

static virNetworkPtr net_open(struct virt *v, const char *network)
{
	virNetworkPtr net = virNetworkLookupByName(v->conn, network);

	if (!net)
		virt_fail("cannot find network %s", network);
	return net;
}

/* *targets not asked yet: each call is a round trip to the daemon, which
 * only changes of the network's XML need */
#define TARGETS_UNKNOWN (~0u)

/* The AFFECT flags that reach both copies of the network: LIVE only when
 * it runs, CONFIG only when it is persistent. */
static int net_targets(virNetworkPtr net, unsigned int *targets)
{
	int active, persistent;

	if (*targets != TARGETS_UNKNOWN)
		return 0;
	active = virNetworkIsActive(net);
	persistent = active < 0 ? -1 : virNetworkIsPersistent(net);
	if (active < 0 || persistent < 0)
		return virt_fail("cannot get the state of network %s",
				 virt_net_name(net));
	*targets = (active ? IN_LIVE : 0) | (persistent ? IN_CONFIG : 0);
	return 0;
}

/* The dhcp-hostsdir the network hands dnsmasq, or NULL. */
static char *hostsdir_option(xmlDocPtr doc)
{
	xmlXPathObjectPtr r;
	char *dir = NULL;

	r = virt_xml_find(doc,
			  "/network/*[local-name()='options' and "
			  "namespace-uri()='" DNSMASQ_NS "']"
			  "/*[local-name()='option']",
			  NULL, NULL);
	for (int i = 0; i < virt_xml_count(r) && !dir; i++) {
		char *value = virt_xml_attr(r->nodesetval->nodeTab[i], "value");

		if (value && str_starts(value, HOSTSDIR_OPT) &&
		    value[strlen(HOSTSDIR_OPT)] == '/')
			dir = xstrdup(value + strlen(HOSTSDIR_OPT));
		free(value);
	}
	xmlXPathFreeObject(r);
	return dir;
}

/* Add the IPv4 <host> entries of one copy of the network's XML; with
 * want_dir, also note its dhcp-hostsdir. */
static int read_hosts(virNetworkPtr net, unsigned int xml_flags,
		      unsigned int where, bool want_dir, struct host_set *s)
{
	char *xml = virNetworkGetXMLDesc(net, xml_flags);
	xmlDocPtr doc;
	xmlXPathObjectPtr r;

	/* the test driver knows no INACTIVE flag; its two copies are one */
	if (!xml && xml_flags && virt_flag_refused()) {
		virResetLastError();
		xml = virNetworkGetXMLDesc(net, 0);
	}
	if (!xml)
		return virt_fail("cannot read network %s", virt_net_name(net));
	doc = virt_xml_parse(xml, "network XML");
	free(xml);
	if (!doc)
		return -1;
	if (want_dir && !s->hostsdir)
		s->hostsdir = hostsdir_option(doc);
	r = virt_xml_find(
		doc, "/network/ip[not(@family) or @family='ipv4']/dhcp/host",
		NULL, NULL);
	for (int i = 0; i < virt_xml_count(r); i++) {
		xmlNodePtr node = r->nodesetval->nodeTab[i];
		struct dhcp_host h = {
			.mac = virt_xml_attr(node, "mac"),
			.ip = virt_xml_attr(node, "ip"),
			.name = virt_xml_attr(node, "name"),
		};
		size_t j;

		for (j = 0; j < s->n; j++)
			if (mac_eq(s->h[j].mac, h.mac) &&
			    str_eq(s->h[j].ip, h.ip) &&
			    str_eq(s->h[j].name, h.name))
				break;
		if (j < s->n) {
			s->where[j] |= where;
			host_release(&h);
			continue;
		}
		s->h = xrealloc(s->h, sizeof(*s->h) * (s->n + 1));
		s->where = xrealloc(s->where, sizeof(*s->where) * (s->n + 1));
		s->h[s->n] = h;
		s->where[s->n] = where;
		s->n++;
	}
	xmlXPathFreeObject(r);
	xmlFreeDoc(doc);
	return 0;
}

static bool is_mac(const char *s)
{
	for (int i = 0; i < 17; i++)
		if (i % 3 == 2 ? s[i] != ':' : !isxdigit((unsigned char)s[i]))
			return false;
	return s[17] == '\0';
}

static bool is_ipv4(const char *s)
{
	struct in_addr a;

	return inet_pton(AF_INET, s, &a) == 1;
}

/* One dhcp-host line as fvm writes it: MAC,IP[,NAME] (in any order). */
static void parse_host_line(char *line, struct dhcp_host *h)
{
	char *save = NULL;

	memset(h, 0, sizeof(*h));
	for (char *f = strtok_r(line, ",", &save); f;
	     f = strtok_r(NULL, ",", &save)) {
		if (!h->mac && is_mac(f))
			h->mac = xstrdup(f);
		else if (!h->ip && is_ipv4(f))
			h->ip = xstrdup(f);
		else if (!h->name && isalnum((unsigned char)*f))
			h->name = xstrdup(f);
	}
}

/* dnsmasq skips these names in a hosts directory (editors' and our own
 * temporary files) */
static bool hostsdir_skips(const char *name)
{
	size_t len = strlen(name);

	return !len || name[0] == '.' || name[len - 1] == '~' ||
	       (name[0] == '#' && name[len - 1] == '#');
}

/* Read the entries of every file in s->hostsdir. */
static int read_hostsdir(struct host_set *s)
{
	DIR *d = opendir(s->hostsdir);
	struct dirent *de;

	if (!d)
		return err_set(errno == ENOENT ? FVM_EXIT_NOTFOUND :
						 FVM_EXIT_FAIL,
			       "cannot read DHCP hosts directory %s: %s",
			       s->hostsdir, strerror(errno));
	while ((de = readdir(d))) {
		char buf[4096], *line, *save = NULL, *path;
		ssize_t len;
		int fd;

		if (hostsdir_skips(de->d_name))
			continue;
		fd = openat(dirfd(d), de->d_name,
			    O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
		if (fd < 0)
			continue; /* gone meanwhile, or not a file */
		len = read(fd, buf, sizeof(buf) - 1);
		close(fd);
		if (len < 0)
			continue;
		buf[len] = '\0';
		path = xasprintf("%s/%s", s->hostsdir, de->d_name);
		for (line = strtok_r(buf, "\n", &save); line;
		     line = strtok_r(NULL, "\n", &save)) {
			struct dhcp_host h;

			if (*line == '#')
				continue;
			parse_host_line(line, &h);
			if (!h.mac && !h.ip) {
				host_release(&h);
				continue;
			}
			s->file = xrealloc(s->file,
					   sizeof(*s->file) * (s->nfile + 1));
			s->path = xrealloc(s->path,
					   sizeof(*s->path) * (s->nfile + 1));
			s->file[s->nfile] = h;
			s->path[s->nfile] = xstrdup(path);
			s->nfile++;
		}
		free(path);
	}
	closedir(d);
	return 0;
}

/*
 * Entries of the running network and of its definition, each once, and
 * those of the running network's hosts directory (of the definition's
 * when it does not run: libvirt then gives the definition for both).
 * Where an entry is tells which copies hold it; an update masks that
 * with the network's targets.
 */
static int collect_hosts(virNetworkPtr net, struct host_set *s)
{
	memset(s, 0, sizeof(*s));
	if (read_hosts(net, 0, IN_LIVE, true, s) < 0 ||
	    read_hosts(net, VIR_NETWORK_XML_INACTIVE, IN_CONFIG, false, s) < 0)
		goto fail;
	if (s->hostsdir && read_hostsdir(s) < 0) {
		/* a directory that is not there holds no entries, and
		 * cannot take new ones */
		if (err_code() != FVM_EXIT_NOTFOUND)
			goto fail;
		err_clear();
		free(s->hostsdir);
		s->hostsdir = NULL;
	}
	return 0;
fail:
	host_set_free(s);
	return -1;
}

/* The network, and its hosts collected in s; NULL with the error
 * recorded (nothing to release then). */
static virNetworkPtr open_with_hosts(struct virt *v, const char *network,
				     struct host_set *s)
{
	virNetworkPtr net = net_open(v, network);

	if (net && collect_hosts(net, s) < 0) {
		virNetworkFree(net);
		return NULL;
	}
	return net;
}

/* The pid of the network's dnsmasq: 0 when none runs, -1 when it cannot
 * be found. The pid file is checked against the process's command line,
 * so a stale file never gets another process signalled. */
static pid_t dnsmasq_pid(const char *network)
{
	char path[PATH_MAX], buf[4096], conf[PATH_MAX];
	bool is_dnsmasq = false, is_ours = false;
	long pid;
	ssize_t len;
	int fd;

	snprintf(path, sizeof(path), DNSMASQ_PID_DIR "/%s.pid", network);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? 0 : -1;
	len = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (len <= 0)
		return -1;
	buf[len] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	if (!parse_int(buf, 1, INT32_MAX, &pid))
		return -1;
	snprintf(path, sizeof(path), "/proc/%ld/cmdline", pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? 0 : -1;
	len = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (len <= 0)
		return 0;
	buf[len] = '\0';
	snprintf(conf, sizeof(conf), "/%s.conf", network);
	for (char *a = buf; a < buf + len; a += strlen(a) + 1) {
		const char *base = strrchr(a, '/');

		if (a == buf)
			is_dnsmasq = !strcmp(base ? base + 1 : a, "dnsmasq");
		else if (str_starts(a, "--conf-file=") &&
			 strlen(a) > strlen(conf) &&
			 !strcmp(a + strlen(a) - strlen(conf), conf))
			is_ours = true;
	}
	return is_dnsmasq && is_ours ? (pid_t)pid : 0;
}

/* Whether this process can keep entries in s->hostsdir: it can write the
 * directory and, when the network runs, signal its dnsmasq. */
static bool hostsdir_usable(const struct host_set *s, virNetworkPtr net,
			    unsigned int *targets, pid_t *pid)
{
	*pid = 0;
	if (!s->hostsdir || access(s->hostsdir, W_OK | X_OK) != 0)
		return false;
	*pid = dnsmasq_pid(virt_net_name(net));
	if (*pid > 0)
		return kill(*pid, 0) == 0;
	/* no dnsmasq found: fine only when the network does not run */
	if (*pid < 0 || net_targets(net, targets) < 0) {
		err_clear();
		return false;
	}
	return !(*targets & IN_LIVE);
}

/* Make dnsmasq read its hosts again, as libvirt does after an update. */
static int hostsdir_reload(const char *network, pid_t pid)
{
	if (pid <= 0 && (pid = dnsmasq_pid(network)) <= 0)
		return 0;
	if (kill(pid, SIGHUP) < 0)
		return err_set(FVM_EXIT_FAIL,
			       "cannot signal dnsmasq of network %s (pid %ld): "
			       "%s",
			       network, (long)pid, strerror(errno));
	return 0;
}

/* A name dnsmasq takes as a host name; others are left out of a file, as
 * dnsmasq would refuse the whole line. */
static bool dns_name_ok(const char *name)
{
	if (!name || !isalnum((unsigned char)*name) || strlen(name) > 63)
		return false;
	for (const char *p = name; *p; p++)
		if (!isalnum((unsigned char)*p) && *p != '-')
			return false;
	return true;
}

/* Write the entry's file, named after its IP, in one rename (the
 * temporary name starts with a dot: dnsmasq skips it). */
static int hostsdir_write(const char *dir, const struct dhcp_host *h)
{
	char *path = xasprintf("%s/%s", dir, h->ip);
	char *line = dns_name_ok(h->name) ?
			     xasprintf("%s,%s,%s\n", h->mac, h->ip, h->name) :
			     xasprintf("%s,%s\n", h->mac, h->ip);
	int rc = write_file_atomic(path, line, strlen(line), 0644);

	free(line);
	free(path);
	return rc;
}

static int hostsdir_unlink(const char *path)
{
	if (unlink(path) < 0 && errno != ENOENT)
		return err_set(FVM_EXIT_FAIL, "cannot remove %s: %s", path,
			       strerror(errno));
	return 0;
}

/* <host mac= name= ip=/> with the values escaped */
static char *host_xml(const char *mac, const char *ip, const char *name)
{
	xmlNodePtr node = xmlNewNode(NULL, (const xmlChar *)"host");
	xmlBufferPtr buf = xmlBufferCreate();
	char *s;

	if (!node || !buf)
		abort();
	if (mac)
		xmlNewProp(node, (const xmlChar *)"mac", (const xmlChar *)mac);
	if (name)
		xmlNewProp(node, (const xmlChar *)"name",
			   (const xmlChar *)name);
	if (ip)
		xmlNewProp(node, (const xmlChar *)"ip", (const xmlChar *)ip);
	xmlNodeDump(buf, NULL, node, 0, 0);
	s = xstrdup((const char *)xmlBufferContent(buf));
	xmlBufferFree(buf);
	xmlFreeNode(node);
	return s;
}

static int host_update(virNetworkPtr net, unsigned int command,
		       const struct dhcp_host *h, unsigned int flags)
{
	char *xml = host_xml(h->mac, h->ip, h->name);
	int rc = 0;

	if (virNetworkUpdate(net, command, VIR_NETWORK_SECTION_IP_DHCP_HOST, -1,
			     xml, flags) < 0)
		rc = virt_fail("cannot %s DHCP host %s in network %s",
			       command == VIR_NETWORK_UPDATE_COMMAND_DELETE ?
				       "remove" :
				       "add",
			       xml, virt_net_name(net));
	free(xml);
	return rc;
}

/* whether h is the entry (mac, ip, name) would be, or stands in its way:
 * libvirt refuses a second entry with any of the same attributes, and
 * dnsmasq drops the address of a second entry with the same IP */
static bool host_clashes(const struct dhcp_host *h, const char *mac,
			 const char *ip, const char *name)
{
	return mac_eq(h->mac, mac) || str_eq(h->ip, ip) ||
	       (name && str_eq(h->name, name));
}

int dhcp_add(struct virt *v, const char *network, const char *mac,
	     const char *ip, const char *name)
{
	struct dhcp_host want = { (char *)mac, (char *)ip, (char *)name };
	struct host_set s;
	unsigned int targets = TARGETS_UNKNOWN;
	bool present = false, use_dir, reload = false;
	char *own = NULL;
	virNetworkPtr net;
	pid_t pid;
	int rc = 0;

	if (!mac || !ip)
		return err_set(FVM_EXIT_USAGE,
			       "a DHCP host needs a MAC and an IP");
	net = open_with_hosts(v, network, &s);
	if (!net)
		return -1;
	use_dir = hostsdir_usable(&s, net, &targets, &pid);
	if (!use_dir)
		rc = net_targets(net, &targets);
	for (size_t i = 0; i < s.n && rc == 0; i++) {
		struct dhcp_host *h = &s.h[i];

		if (!host_clashes(h, mac, ip, name) ||
		    (rc = net_targets(net, &targets)) < 0)
			continue;
		if (!use_dir && mac_eq(h->mac, mac) && str_eq(h->ip, ip) &&
		    str_eq(h->name, name) &&
		    (s.where[i] & targets) == targets) {
			present = true;
			continue;
		}
		/* libvirt deletes the entry matching every attribute given:
		 * give exactly the stale entry's */
		rc = host_update(net, VIR_NETWORK_UPDATE_COMMAND_DELETE, h,
				 s.where[i] & targets);
	}
	if (use_dir)
		own = xasprintf("%s/%s", s.hostsdir, ip);
	for (size_t i = 0; i < s.nfile && rc == 0; i++) {
		struct dhcp_host *h = &s.file[i];

		if (!host_clashes(h, mac, ip, name))
			continue;
		if (own && !strcmp(s.path[i], own)) {
			/* rewritten below unless it is the entry itself */
			if (mac_eq(h->mac, mac) && str_eq(h->ip, ip) &&
			    (str_eq(h->name, name) ||
			     (!h->name && !dns_name_ok(name))))
				present = true;
			else
				reload = true;
			continue;
		}
		rc = hostsdir_unlink(s.path[i]);
		reload = true;
	}
	if (rc == 0 && !present)
		rc = use_dir ? hostsdir_write(s.hostsdir, &want) :
			       host_update(net,
					   VIR_NETWORK_UPDATE_COMMAND_ADD_LAST,
					   &want, targets);
	/* dnsmasq keeps what it read from a file that went or changed */
	if (reload) {
		int r = hostsdir_reload(network, pid);

		if (rc == 0)
			rc = r;
	}
	free(own);
	host_set_free(&s);
	virNetworkFree(net);
	return rc;
}

int dhcp_remove(struct virt *v, const char *network, const char *mac,
		const char *ip)
{
	struct host_set s;
	unsigned int targets = TARGETS_UNKNOWN;
	virNetworkPtr net;
	int removed = 0, files = 0;
	pid_t pid = 0;

	if (!mac && !ip)
		return err_set(FVM_EXIT_USAGE,
			       "removing a DHCP host needs a MAC or an IP");
	net = open_with_hosts(v, network, &s);
	if (!net)
		return -1;
	for (size_t i = 0; i < s.nfile; i++)
		if ((!mac || mac_eq(s.file[i].mac, mac)) &&
		    (!ip || str_eq(s.file[i].ip, ip)))
			files++;
	/* a file may only go when dnsmasq can be told to forget it */
	if (files && !hostsdir_usable(&s, net, &targets, &pid)) {
		removed = err_set(FVM_EXIT_FAIL,
				  "cannot remove DHCP host %s in %s: this "
				  "user cannot write there or signal the "
				  "network's dnsmasq",
				  ip ? ip : mac, s.hostsdir);
		files = 0;
	}
	for (size_t i = 0; i < s.n && removed >= 0; i++) {
		if ((mac && !mac_eq(s.h[i].mac, mac)) ||
		    (ip && !str_eq(s.h[i].ip, ip)))
			continue;
		if (net_targets(net, &targets) < 0 ||
		    host_update(net, VIR_NETWORK_UPDATE_COMMAND_DELETE, &s.h[i],
				s.where[i] & targets) < 0) {
			removed = -1;
			break;
		}
		removed++;
	}
	for (size_t i = 0; i < s.nfile && files && removed >= 0; i++) {
		if ((mac && !mac_eq(s.file[i].mac, mac)) ||
		    (ip && !str_eq(s.file[i].ip, ip)))
			continue;
		if (hostsdir_unlink(s.path[i]) < 0)
			removed = -1;
		else
			removed++;
	}
	if (files && hostsdir_reload(network, pid) < 0)
		removed = -1;
	host_set_free(&s);
	virNetworkFree(net);
	return removed;
}

int dhcp_hosts(struct virt *v, const char *network, struct dhcp_host **hosts,
	       size_t *n)
{
	struct host_set s;
	virNetworkPtr net;

	*hosts = NULL;
	*n = 0;
	net = open_with_hosts(v, network, &s);
	if (!net)
		return -1;
	virNetworkFree(net);
	/* the files' entries after the XML's */
	s.h = xrealloc(s.h, sizeof(*s.h) * (s.n + s.nfile + 1));
	for (size_t i = 0; i < s.nfile; i++)
		s.h[s.n++] = s.file[i];
	free(s.file);
	s.file = NULL;
	for (size_t i = 0; i < s.nfile; i++)
		free(s.path[i]);
	s.nfile = 0;
	*hosts = s.h;
	*n = s.n;
	s.h = NULL;
	s.n = 0;
	host_set_free(&s);
	return 0;
}

void dhcp_hosts_free(struct dhcp_host *hosts, size_t n)
{
	for (size_t i = 0; i < n; i++)
		host_release(&hosts[i]);
	free(hosts);
}

char *dhcp_lease_ip(struct virt *v, const char *network, const char *mac)
{
	virNetworkDHCPLeasePtr *leases = NULL;
	virNetworkPtr net;
	const char *best = NULL;
	long long best_exp = 0;
	char *ip = NULL;
	int n;

	net = virNetworkLookupByName(v->conn, network);
	if (!net) {
		virt_fail("cannot find network %s", network);
		return NULL;
	}
	n = virNetworkGetDHCPLeases(net, mac, &leases, 0);
	if (n < 0) {
		virt_fail("cannot read the DHCP leases of %s", network);
		virNetworkFree(net);
		return NULL;
	}
	/* a re-created VM may hold a new lease beside its old one */
	for (int i = 0; i < n; i++)
		if (leases[i]->type == VIR_IP_ADDR_TYPE_IPV4 &&
		    leases[i]->ipaddr &&
		    (!best || leases[i]->expirytime > best_exp)) {
			best = leases[i]->ipaddr;
			best_exp = leases[i]->expirytime;
		}
	if (best)
		ip = xstrdup(best);
	else
		err_set(FVM_EXIT_NOTFOUND, "%s has no DHCP lease on %s", mac,
			network);
	for (int i = 0; i < n; i++)
		virNetworkDHCPLeaseFree(leases[i]);
	free(leases);
	virNetworkFree(net);
	return ip;
}

int dhcp_release_lease(struct virt *v, const char *network, const char *mac,
		       const char *ip)
{
	virNetworkPtr net;
	char *bridge, *errout = NULL;
	int rc;

	/* dhcp_release needs root: others ask fvm helper (lib/helper) */
	if (geteuid() != 0)
		return helper_release_lease(ip, mac);
	if (access(DHCP_RELEASE, X_OK) != 0) {
		err_set(FVM_EXIT_NOTFOUND,
			"%s is missing (package dnsmasq-utils): the lease of "
			"%s stays until it expires",
			DHCP_RELEASE, ip);
		return 1;
	}
	net = virNetworkLookupByName(v->conn, network);
	if (!net)
		return virt_fail("cannot find network %s", network);
	bridge = virNetworkGetBridgeName(net);
	if (!bridge) {
		virt_fail("cannot get the bridge of network %s", network);
		virNetworkFree(net);
		return -1;
	}
	virNetworkFree(net);
	{
		char *argv[] = { DHCP_RELEASE, bridge, (char *)ip, (char *)mac,
				 NULL };

		rc = proc_run(argv, NULL, &errout);
	}
	if (rc > 0) {
		char *line = proc_last_line(errout);

		err_set(FVM_EXIT_FAIL, "dhcp_release %s %s %s failed%s%s",
			bridge, ip, mac, *line ? ": " : "", line);
		free(line);
		rc = -1;
	}
	free(errout);
	free(bridge);
	return rc < 0 ? -1 : 0;
}

int dhcp_leases(struct virt *v, const char *network, struct dhcp_lease **leases,
		size_t *n)
{
	virNetworkDHCPLeasePtr *got = NULL;
	virNetworkPtr net;
	int count;

	*leases = NULL;
	*n = 0;
	net = virNetworkLookupByName(v->conn, network);
	if (!net)
		return virt_fail("cannot find network %s", network);
	count = virNetworkGetDHCPLeases(net, NULL, &got, 0);
	if (count < 0) {
		virt_fail("cannot read the DHCP leases of %s", network);
		virNetworkFree(net);
		return -1;
	}
	*leases = xcalloc((size_t)count + 1, sizeof(**leases));
	for (int i = 0; i < count; i++) {
		if (got[i]->type == VIR_IP_ADDR_TYPE_IPV4 && got[i]->ipaddr &&
		    got[i]->mac) {
			struct dhcp_lease *l = &(*leases)[(*n)++];

			l->mac = xstrdup(got[i]->mac);
			l->ip = xstrdup(got[i]->ipaddr);
			l->expiry = got[i]->expirytime;
		}
		virNetworkDHCPLeaseFree(got[i]);
	}
	free(got);
	virNetworkFree(net);
	return 0;
}

void dhcp_leases_free(struct dhcp_lease *leases, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(leases[i].mac);
		free(leases[i].ip);
	}
	free(leases);
}
