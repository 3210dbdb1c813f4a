/* tests/unit/test_virt.c: lib/virt on libvirt's in-process test driver. */
#include <stdlib.h>
#include <string.h>

#include "conf.h"
#include "dhcp.h"
#include "err.h"
#include "util.h"
#include "virt.h"
#include "unit.h"

#define DOM_XML                                                                \
	"<domain type='test'>\n"                                               \
	"  <name>fastvm-img-42</name>\n"                                       \
	"  <memory unit='MiB'>64</memory>\n"                                   \
	"  <os><type>hvm</type></os>\n"                                        \
	"  <devices>\n"                                                        \
	"    <interface type='network'>\n"                                     \
	"      <mac address='52:54:00:AB:00:2A'/>\n"                           \
	"      <source network='default'/>\n"                                  \
	"    </interface>\n"                                                   \
	"  </devices>\n"                                                       \
	"</domain>\n"

static void fail_msg(const char *name)
{
	printf("FAIL - %s: %s\n", name, err_msg());
	unit_failed = 1;
}

/* how many entries of hosts have this ip / this mac */
static int count_hosts(struct virt *v, const char *ip, const char *mac)
{
	struct dhcp_host *h;
	size_t n;
	int c = 0;

	if (dhcp_hosts(v, "default", &h, &n) < 0)
		return -1;
	for (size_t i = 0; i < n; i++)
		if ((ip && h[i].ip && strcmp(h[i].ip, ip) == 0) ||
		    (mac && h[i].mac && strcmp(h[i].mac, mac) == 0))
			c++;
	dhcp_hosts_free(h, n);
	return c;
}

static void test_dhcp(struct virt *v)
{
	struct dhcp_host *h;
	size_t n;
	int rc;

	rc = dhcp_add(v, "default", "52:54:00:ab:00:2a", "192.168.122.42",
		      "fastvm-img-42");
	if (rc < 0 && err_code() == FVM_EXIT_FAIL &&
	    strstr(err_msg(), "not supported")) {
		printf("SKIP - dhcp: test driver: %s\n", err_msg());
		return;
	}
	CHECK_INT("dhcp add", 0, rc);
	CHECK_INT("dhcp hosts", 0, dhcp_hosts(v, "default", &h, &n));
	CHECK_INT("one host entry", 1, (long long)n);
	if (n == 1) {
		CHECK_STR("host mac", "52:54:00:ab:00:2a", h[0].mac);
		CHECK_STR("host ip", "192.168.122.42", h[0].ip);
		CHECK_STR("host name", "fastvm-img-42", h[0].name);
	}
	dhcp_hosts_free(h, n);

	CHECK_INT("dhcp add same entry again", 0,
		  dhcp_add(v, "default", "52:54:00:ab:00:2a", "192.168.122.42",
			   "fastvm-img-42"));
	CHECK_INT("still one entry", 1, count_hosts(v, "192.168.122.42", NULL));

	/* a re-created VM 42 with another MAC: the stale entry goes */
	CHECK_INT("dhcp add same ip, new mac", 0,
		  dhcp_add(v, "default", "52:54:00:ab:01:2a", "192.168.122.42",
			   NULL));
	CHECK_INT("one entry for the ip", 1,
		  count_hosts(v, "192.168.122.42", NULL));
	CHECK_INT("old mac is gone", 0,
		  count_hosts(v, NULL, "52:54:00:ab:00:2a"));

	/* the same MAC moved to another number */
	CHECK_INT("dhcp add same mac, new ip", 0,
		  dhcp_add(v, "default", "52:54:00:ab:01:2a", "192.168.122.43",
			   NULL));
	CHECK_INT("old ip is gone", 0, count_hosts(v, "192.168.122.42", NULL));
	CHECK_INT("one entry for the mac", 1,
		  count_hosts(v, NULL, "52:54:00:ab:01:2a"));

	CHECK_INT("dhcp add unrelated", 0,
		  dhcp_add(v, "default", "52:54:00:99:ff:99", "192.168.122.2",
			   NULL));
	CHECK_INT("dhcp remove by mac and ip", 1,
		  dhcp_remove(v, "default", "52:54:00:AB:01:2A",
			      "192.168.122.43"));
	CHECK_INT("dhcp remove missing is 0", 0,
		  dhcp_remove(v, "default", "52:54:00:ab:01:2a",
			      "192.168.122.43"));
	CHECK_INT("unrelated entry stays", 1,
		  count_hosts(v, "192.168.122.2", NULL));
	CHECK_INT("dhcp remove by ip", 1,
		  dhcp_remove(v, "default", NULL, "192.168.122.2"));

	/* values that need escaping reach libvirt intact (and it refuses
	 * the MAC instead of the XML) */
	rc = dhcp_add(v, "default", "52:54:00:ab:00:2a'/><x a='",
		      "192.168.122.44", NULL);
	CHECK("odd mac refused by libvirt",
	      rc == -1 && strstr(err_msg(), "52:54:00:ab:00:2a'/>"));

	CHECK("dhcp on missing network",
	      dhcp_hosts(v, "nonet", &h, &n) == -1 &&
		      err_code() == FVM_EXIT_NOTFOUND);
	err_clear();
}

int main(void)
{
	struct fvm_conf c;
	struct virt *v;
	struct vm_entry *vms = NULL, e;
	size_t n = 0;
	virDomainPtr dom;
	struct vm_meta m = { 0 }, got;
	char *mac;

	conf_defaults(&c);
	conf_connect(&c, "test:///default", false);
	free(c.vm_prefix);
	c.vm_prefix = xstrdup("fastvm-");

	v = virt_open(&c, true);
	if (!v) {
		fail_msg("open test:///default");
		UNIT_DONE();
	}
	CHECK("open test:///default", v != NULL);

	CHECK_INT("list before define", 0,
		  virt_list_vms(v, &c, true, &vms, &n));
	CHECK_INT("test driver's own domain is not a VM", 0, (long long)n);
	virt_vms_free(vms, n);

	dom = virt_define(v, DOM_XML);
	if (!dom) {
		fail_msg("define fastvm-img-42");
		virt_close(v);
		conf_release(&c);
		UNIT_DONE();
	}
	CHECK("define fastvm-img-42", dom != NULL);
	CHECK("define again is a conflict",
	      virt_define(v, DOM_XML) == NULL &&
		      err_code() == FVM_EXIT_CONFLICT &&
		      strstr(err_msg(), "fastvm-img-42 exists already"));
	CHECK("define bad XML is usage",
	      virt_define(v, "<domain><name>x</name>") == NULL &&
		      err_code() == FVM_EXIT_USAGE);
	CHECK("define invalid domain says what libvirt said",
	      virt_define(v, "<domain type='test'><name>fastvm-x-1</name>"
			     "<bogus/></domain>") == NULL &&
		      strstr(err_msg(), "cannot define domain fastvm-x-1: "));
	err_clear();

	CHECK("no meta yet is notfound",
	      virt_get_meta(dom, &got) == -1 &&
		      err_code() == FVM_EXIT_NOTFOUND);
	m.owner = "alice";
	m.activity = 1700000000;
	m.note = "db, primary";
	CHECK_INT("set meta", 0, virt_set_meta(dom, 42, &m));
	CHECK_INT("get meta", 0, virt_get_meta(dom, &got));
	CHECK_STR("meta owner", "alice", got.owner);
	CHECK_STR("meta note", "db, primary", got.note);
	CHECK("meta profile", got.profile == NULL);
	CHECK_INT("meta activity", 1700000000, (long long)got.activity);
	meta_release(&got);
	{
		char *t = virDomainGetMetadata(dom, VIR_DOMAIN_METADATA_TITLE,
					       NULL, VIR_DOMAIN_AFFECT_CONFIG);

		CHECK_STR("title", "042 alice db, primary", t);
		free(t);
	}

	CHECK_INT("list", 0, virt_list_vms(v, &c, true, &vms, &n));
	CHECK_INT("one VM", 1, (long long)n);
	if (n == 1) {
		CHECK_INT("VM number", 42, vms[0].number);
		CHECK_STR("VM image", "img", vms[0].image);
		CHECK_STR("VM name", "fastvm-img-42", vms[0].name);
		CHECK_STR("VM state", "shut off",
			  virt_state_name(vms[0].state));
		CHECK("VM has meta", vms[0].has_meta);
		CHECK_STR("VM meta owner", "alice", vms[0].meta.owner);
	}
	virt_vms_free(vms, n);

	CHECK_INT("find 42", 0, virt_find_vm(v, &c, 42, &e));
	CHECK_STR("found name", "fastvm-img-42", e.name);
	CHECK_STR("found note", "db, primary", e.meta.note);
	virt_vm_release(&e);
	CHECK("find 43 is notfound", virt_find_vm(v, &c, 43, &e) == -1 &&
					     err_code() == FVM_EXIT_NOTFOUND);
	err_clear();

	/* a base VM, a zero-padded number and another image's VM 42 */
	{
		static const char *const names[] = { "fastvm-img",
						     "fastvm-img-042",
						     "fastvm-b-42" };
		virDomainPtr other[3];

		for (int i = 0; i < 3; i++) {
			char *x = xasprintf("<domain type='test'><name>%s"
					    "</name><memory>65536</memory><os>"
					    "<type>hvm</type></os></domain>",
					    names[i]);

			other[i] = virt_define(v, x);
			if (!other[i])
				fail_msg(names[i]);
			free(x);
		}
		CHECK_INT("list with others", 0,
			  virt_list_vms(v, &c, false, &vms, &n));
		CHECK_INT("base VM and 042 are not VMs", 2, (long long)n);
		if (n == 2) {
			CHECK_STR("sorted by number then name", "fastvm-b-42",
				  vms[0].name);
			CHECK("no meta asked",
			      !vms[1].has_meta && !vms[1].meta.owner);
		}
		virt_vms_free(vms, n);
		CHECK("find 42 with two domains is a conflict",
		      virt_find_vm(v, &c, 42, &e) == -1 &&
			      err_code() == FVM_EXIT_CONFLICT &&
			      strstr(err_msg(), "fastvm-b-42, fastvm-img-42"));
		for (int i = 0; i < 3; i++)
			if (other[i]) {
				CHECK_INT(names[i], 0,
					  virt_remove_domain(v, other[i]));
				virDomainFree(other[i]);
			}
	}

	mac = virt_domain_mac(dom, "default");
	CHECK_STR("domain mac (libvirt lowercases)", "52:54:00:ab:00:2a", mac);
	free(mac);
	CHECK("no mac on other network",
	      virt_domain_mac(dom, "other'net") == NULL &&
		      err_code() == FVM_EXIT_NOTFOUND);

	CHECK_INT("start", 0, virt_start(dom));
	CHECK_INT("wait running", 0,
		  virt_wait_state(v, dom, VIR_DOMAIN_RUNNING, 5000));
	CHECK("start again is a conflict",
	      virt_start(dom) == -1 && err_code() == FVM_EXIT_CONFLICT);
	m.note = "live";
	CHECK_INT("set meta while running", 0, virt_set_meta(dom, 42, &m));
	CHECK_INT("get meta while running", 0, virt_get_meta(dom, &got));
	CHECK_STR("meta note while running", "live", got.note);
	meta_release(&got);
	CHECK("wait for shutoff times out",
	      virt_wait_state(v, dom, VIR_DOMAIN_SHUTOFF, 300) == -1 &&
		      strstr(err_msg(), "timed out"));
	if (virt_shutdown(dom) < 0)
		printf("SKIP - acpi shutdown: test driver: %s\n", err_msg());
	else
		CHECK_INT("wait shut off after shutdown", 0,
			  virt_wait_state(v, dom, VIR_DOMAIN_SHUTOFF, 5000));
	virt_destroy(dom);
	err_clear();
	CHECK_INT("start for destroy", 0, virt_start(dom));
	CHECK_INT("destroy", 0, virt_destroy(dom));
	CHECK_INT("wait shut off", 0,
		  virt_wait_state(v, dom, VIR_DOMAIN_SHUTOFF, 5000));

	test_dhcp(v);

	CHECK("lease of unknown mac",
	      dhcp_lease_ip(v, "default", "52:54:00:00:00:01") == NULL);
	err_clear();

	CHECK_INT("start before remove", 0, virt_start(dom));
	CHECK_INT("remove running domain", 0, virt_remove_domain(v, dom));
	CHECK_INT("remove again is not an error", 0,
		  virt_remove_domain(v, dom));
	virDomainFree(dom);
	CHECK_INT("list after remove", 0,
		  virt_list_vms(v, &c, false, &vms, &n));
	CHECK_INT("no VM left", 0, (long long)n);
	virt_vms_free(vms, n);

	CHECK("kvm is not usable on the test driver", !virt_kvm_usable(v));

	virt_close(v);
	conf_release(&c);
	UNIT_DONE();
}
