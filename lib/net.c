/* lib/net.c: the fast-vm NAT network: its XML, and defining it in libvirt. */
#include "net.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include <libvirt/virterror.h>
#include <libxml/parser.h>
#include <libxml/xpath.h>

#include "err.h"
#include "util.h"

#define BRIDGE_NAME_MAX 15 /* IFNAMSIZ - 1 */

static const char *virt_message(void)
{
	const char *m = virGetLastErrorMessage();

	return m && *m ? m : "unknown libvirt error";
}

/* a network name goes into XML, a bridge name and messages unquoted */
static bool net_name_ok(const char *s)
{
	if (!s || !*s || *s == '-' || *s == '.' || strlen(s) > 64)
		return false;
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && !strchr("._+-", *s))
			return false;
	return true;
}

const char *net_bridge_name(const struct net_spec *s, char buf[16])
{
	if (s->bridge)
		return s->bridge;
	if (strlen(s->name) <= BRIDGE_NAME_MAX)
		return s->name;
	snprintf(buf, 16, "fvmbr%d", s->subnet);
	return buf;
}

char *net_default_hostsdir(const char *name)
{
	return xasprintf(NET_HOSTSDIR_BASE "/%s", name);
}

/* an absolute path that needs no quoting in XML or dnsmasq's options */
static bool hostsdir_ok(const char *s)
{
	if (s[0] != '/' || strlen(s) > 1024)
		return false;
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && !strchr("/._+-", *s))
			return false;
	return true;
}

/* mkdir -p with mode 0755 for what it makes */
static int make_dirs(const char *path)
{
	char *p = xstrdup(path), c;
	int rc = 0;

	for (char *q = p + 1; rc == 0; q++) {
		if (*q && *q != '/')
			continue;
		c = *q;
		*q = '\0';
		if (mkdir(p, 0755) < 0 && errno != EEXIST)
			rc = err_set(FVM_EXIT_FAIL, "cannot make %s: %s", p,
				     strerror(errno));
		*q = c;
		if (!c)
			break;
	}
	free(p);
	return rc;
}

char *net_xml(const struct net_spec *s)
{
	char br[16], *options = NULL, *xml;
	const char *bridge;

	if (!net_name_ok(s->name)) {
		err_set(FVM_EXIT_USAGE,
			"network name '%s' must be letters, digits and ._+-, "
			"not starting with - or .",
			s->name ? s->name : "");
		return NULL;
	}
	if (s->subnet < 0 || s->subnet > 255) {
		err_set(FVM_EXIT_USAGE, "subnet number %d is not 0 to 255",
			s->subnet);
		return NULL;
	}
	bridge = net_bridge_name(s, br);
	if (!net_name_ok(bridge) || strlen(bridge) > BRIDGE_NAME_MAX) {
		err_set(FVM_EXIT_USAGE, "bad bridge name '%s'", bridge);
		return NULL;
	}
	if (s->hostsdir && !hostsdir_ok(s->hostsdir)) {
		err_set(FVM_EXIT_USAGE,
			"DHCP hosts directory '%s' must be an absolute path "
			"of letters, digits and /._+-",
			s->hostsdir);
		return NULL;
	}
	if (s->hostsdir)
		options = xasprintf(
			"  <dnsmasq:options>\n"
			"    <!-- fvm keeps one file per DHCP reservation "
			"here -->\n"
			"    <dnsmasq:option value='dhcp-hostsdir=%s'/>\n"
			"  </dnsmasq:options>\n",
			s->hostsdir);
	xml = xasprintf(
		"<network%s>\n"
		"  <name>%s</name>\n"
		"  <forward mode='nat'/>\n"
		"  <bridge name='%s' stp='on' delay='0'/>\n"
		"  <ip address='192.168.%d.1' netmask='255.255.255.0'>\n"
		"    <dhcp>\n"
		"      <!-- dnsmasq ignores DHCP releases while it has no "
		"static host: this one stays -->\n"
		"      <host mac='52:54:00:99:ff:99' ip='192.168.%d.2'/>\n"
		"    </dhcp>\n"
		"  </ip>\n"
		"%s"
		"</network>\n",
		options ? " xmlns:dnsmasq='http://libvirt.org/schemas/"
			  "network/dnsmasq/1.0'" :
			  "",
		s->name, bridge, s->subnet, s->subnet, options ? options : "");
	free(options);
	return xml;
}

/* S of the first IPv4 address 192.168.S.x in a network's XML */
static int xml_subnet(const char *xml, const char *name, int *subnet)
{
	xmlDocPtr doc;
	xmlXPathContextPtr ctx;
	xmlXPathObjectPtr res;
	int rc = -1, a, b, c, d;
	char tail;

	doc = xmlReadMemory(xml, (int)strlen(xml), "network.xml", NULL,
			    XML_PARSE_NONET | XML_PARSE_NOERROR |
				    XML_PARSE_NOWARNING);
	if (!doc)
		return err_set(FVM_EXIT_FAIL,
			       "libvirt gave unreadable XML for network %s",
			       name);
	ctx = xmlXPathNewContext(doc);
	if (!ctx)
		abort();
	res = xmlXPathEvalExpression(
		(const xmlChar *)"string(/network/ip[not(@family) or "
				 "@family='ipv4'][1]/@address)",
		ctx);
	if (res && res->stringval &&
	    sscanf((const char *)res->stringval, "%d.%d.%d.%d%c", &a, &b, &c,
		   &d, &tail) == 4 &&
	    a == 192 && b == 168 && c >= 0 && c <= 255) {
		*subnet = c;
		rc = 0;
	} else {
		err_set(FVM_EXIT_CONFLICT,
			"network %s has no address in 192.168.0.0/16 (%s)",
			name,
			res && res->stringval && *res->stringval ?
				(const char *)res->stringval :
				"no IPv4 address");
	}
	xmlXPathFreeObject(res);
	xmlXPathFreeContext(ctx);
	xmlFreeDoc(doc);
	return rc;
}

int net_subnet(virConnectPtr conn, const char *name, int *subnet)
{
	virNetworkPtr net = virNetworkLookupByName(conn, name);
	char *xml;
	int rc;

	if (!net) {
		err_set(FVM_EXIT_NOTFOUND, "no libvirt network %s", name);
		return -1;
	}
	xml = virNetworkGetXMLDesc(net, 0);
	if (!xml) {
		err_set(FVM_EXIT_FAIL, "cannot read network %s: %s", name,
			virt_message());
		virNetworkFree(net);
		return -1;
	}
	rc = xml_subnet(xml, name, subnet);
	free(xml);
	virNetworkFree(net);
	return rc;
}

int net_define(virConnectPtr conn, const struct net_spec *s)
{
	virNetworkPtr net;
	char *xml;
	int done = 0, have, autostart = 0, subnet;

	xml = net_xml(s);
	if (!xml)
		return -1;
	net = virNetworkLookupByName(conn, s->name);
	if (net) {
		free(xml);
		if (net_subnet(conn, s->name, &subnet) < 0)
			goto fail;
		if (subnet != s->subnet) {
			err_set(FVM_EXIT_CONFLICT,
				"network %s exists with subnet "
				"192.168.%d.0/24, "
				"not 192.168.%d.0/24",
				s->name, subnet, s->subnet);
			goto fail;
		}
		if (!virNetworkIsPersistent(net)) {
			err_set(FVM_EXIT_CONFLICT,
				"network %s exists but is transient: it "
				"would be gone after a restart of libvirt",
				s->name);
			goto fail;
		}
	} else {
		if (s->hostsdir && make_dirs(s->hostsdir) < 0) {
			free(xml);
			return -1;
		}
		net = virNetworkDefineXML(conn, xml);
		free(xml);
		if (!net) {
			err_set(strstr(virt_message(), "already") ?
					FVM_EXIT_CONFLICT :
					FVM_EXIT_FAIL,
				"cannot define network %s: %s", s->name,
				virt_message());
			return -1;
		}
		done |= NET_DEFINED;
	}
	if (virNetworkGetAutostart(net, &autostart) < 0) {
		err_set(FVM_EXIT_FAIL, "network %s: %s", s->name,
			virt_message());
		goto undo;
	}
	if (!autostart) {
		if (virNetworkSetAutostart(net, 1) < 0) {
			err_set(FVM_EXIT_FAIL,
				"cannot mark network %s autostarted: %s",
				s->name, virt_message());
			goto undo;
		}
		done |= NET_AUTOSTART;
	}
	have = virNetworkIsActive(net);
	if (have < 0) {
		err_set(FVM_EXIT_FAIL, "network %s: %s", s->name,
			virt_message());
		goto undo;
	}
	if (!have) {
		if (virNetworkCreate(net) < 0) {
			err_set(FVM_EXIT_FAIL, "cannot start network %s: %s",
				s->name, virt_message());
			goto undo;
		}
		done |= NET_STARTED;
	}
	virNetworkFree(net);
	return done;
undo:
	/* a network defined here goes again: nothing half-made stays */
	if (done & NET_DEFINED)
		virNetworkUndefine(net);
fail:
	virNetworkFree(net);
	return -1;
}
