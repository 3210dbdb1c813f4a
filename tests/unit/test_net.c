/* tests/unit/test_net.c: the fast-vm network (lib/net) and the config writer fvm configure uses (lib/conf). */
#include <stdlib.h>
#include <unistd.h>

#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>

#include "../../lib/conf.h"
#include "../../lib/err.h"
#include "../../lib/net.h"
#include "../../lib/util.h"
#include "unit.h"

static void quiet(void *data, virErrorPtr e)
{
	(void)data;
	(void)e;
}

static char *update(const char *old, const char *k1, const char *v1,
		    const char *k2, const char *v2)
{
	struct conf_var set[2] = { { (char *)k1, (char *)v1 },
				   { (char *)k2, (char *)v2 } };

	return conf_update_text(old, set, k2 ? 2 : 1);
}

static void test_conf_writer(void)
{
	char *t, *a;
	struct fvm_conf c;

	t = update(NULL, "VM_PREFIX", "fastvm-", "SUBNET_NUMBER", "22");
	CHECK_STR("new file: keys in order",
		  "VM_PREFIX=fastvm-\nSUBNET_NUMBER=22\n", t);
	free(t);
	t = update("# note\nSUBNET_NUMBER=1\nX=y\n", "SUBNET_NUMBER", "33",
		   NULL, NULL);
	CHECK_STR("value replaced in place, the rest kept",
		  "# note\nSUBNET_NUMBER=33\nX=y\n", t);
	free(t);
	t = update("A=1\nexport A=2\nB=3", "A", "9", "C", "4");
	CHECK_STR("last line of a key replaced, earlier dropped, new appended",
		  "A=9\nB=3\nC=4\n", t);
	free(t);
	t = update("A=1\nB=2\n", "A", NULL, NULL, NULL);
	CHECK_STR("NULL value removes the key", "B=2\n", t);
	free(t);
	t = update("A=1\n", "A", "1", NULL, NULL);
	CHECK_STR("same value: same text", "A=1\n", t);
	free(t);

	a = conf_assignment("K", "/var/lib/fvm");
	CHECK_STR("path bare", "K=/var/lib/fvm", a);
	free(a);
	a = conf_assignment("K", "it's $HOME");
	CHECK_STR("special value single-quoted", "K='it'\\''s $HOME'", a);
	free(a);
	a = conf_assignment("K", "");
	CHECK_STR("empty value quoted", "K=''", a);
	free(a);
	a = conf_assignment("K", "~x");
	CHECK_STR("tilde quoted", "K='~x'", a);
	free(a);

	/* what the writer writes, the reader reads back */
	t = update("# c\n", "FASTVM_KEYDIST_PASSWORD", "p'a \"s$s`",
		   "VM_PREFIX", "a-b.");
	conf_defaults(&c);
	CHECK_INT("written text parses", 0, conf_parse(&c, "f", t, strlen(t)));
	CHECK_STR("quoted value read back", "p'a \"s$s`", c.keydist_password);
	CHECK_STR("bare value read back", "a-b.", c.vm_prefix);
	conf_release(&c);
	free(t);
}

static void test_conf_write_file(void)
{
	char dir[] = "/tmp/fvm-unit-net.XXXXXX";
	char *path, buf[64] = { 0 };
	FILE *f;

	if (!mkdtemp(dir)) {
		CHECK("mkdtemp", 0);
		return;
	}
	path = xasprintf("%s/fast-vm.conf", dir);
	CHECK_INT("write a new file", 0, conf_write_file(path, "A=1\n", 0644));
	CHECK_INT("replace it", 0, conf_write_file(path, "A=2\n", 0600));
	f = fopen(path, "r");
	if (f) {
		if (!fgets(buf, sizeof(buf), f))
			buf[0] = '\0';
		fclose(f);
	}
	CHECK_STR("new content", "A=2\n", buf);
	CHECK_INT("no directory: error", -1,
		  conf_write_file("/nonexistent/dir/x.conf", "A=1\n", 0644));
	unlink(path);
	rmdir(dir);
	free(path);
}

static void test_net_xml(void)
{
	struct net_spec s = { .name = "fastvm-nat", .subnet = 22 };
	char br[16], *x;

	x = net_xml(&s);
	CHECK("xml made", x != NULL);
	CHECK("name", x && strstr(x, "<name>fastvm-nat</name>"));
	CHECK("nat", x && strstr(x, "<forward mode='nat'/>"));
	CHECK("bridge named as the network",
	      x && strstr(x, "<bridge name='fastvm-nat' stp='on' delay='0'/>"));
	CHECK("host address", x && strstr(x, "<ip address='192.168.22.1' "
					     "netmask='255.255.255.0'>"));
	CHECK("dummy DHCP host",
	      x && strstr(x,
			  "<host mac='52:54:00:99:ff:99' ip='192.168.22.2'/>"));
	CHECK("no dynamic range", x && !strstr(x, "<range"));
	free(x);
	s.name = "a-very-long-network-name";
	s.subnet = 7;
	CHECK_STR("long name: bridge fvmbrS", "fvmbr7",
		  net_bridge_name(&s, br));
	s.name = "bad'name";
	err_clear();
	CHECK("quote in name refused", net_xml(&s) == NULL);
	CHECK_INT("  as a usage error", FVM_EXIT_USAGE, err_code());
	s.name = "ok";
	s.subnet = 256;
	CHECK("subnet 256 refused", net_xml(&s) == NULL);
}

static void test_net_define(void)
{
	virConnectPtr conn;
	struct net_spec s = { .name = "fvmunit", .subnet = 136 };
	int sub = -1;
	virNetworkPtr n;
	int autostart = 0;

	virSetErrorFunc(NULL, quiet);
	conn = virConnectOpen("test:///default");
	if (!conn) {
		printf("SKIP - net_define: no test:///default driver\n");
		return;
	}
	CHECK_INT("define: defined, autostarted, started",
		  NET_DEFINED | NET_AUTOSTART | NET_STARTED,
		  net_define(conn, &s));
	n = virNetworkLookupByName(conn, "fvmunit");
	CHECK("network there", n != NULL);
	CHECK_INT("active", 1, n ? virNetworkIsActive(n) : -1);
	if (n)
		virNetworkGetAutostart(n, &autostart);
	CHECK_INT("autostart", 1, autostart);
	CHECK_INT("again: nothing to do", 0, net_define(conn, &s));
	CHECK_INT("subnet read back", 0, net_subnet(conn, "fvmunit", &sub));
	CHECK_INT("  136", 136, sub);
	if (n)
		virNetworkDestroy(n);
	CHECK_INT("stopped one is started again", NET_STARTED,
		  net_define(conn, &s));
	s.subnet = 137;
	err_clear();
	CHECK_INT("other subnet: refused", -1, net_define(conn, &s));
	CHECK_INT("  as a conflict", FVM_EXIT_CONFLICT, err_code());
	CHECK("  message names both",
	      strstr(err_msg(), "192.168.136.0/24") &&
		      strstr(err_msg(), "192.168.137.0/24"));
	CHECK_INT("the driver's own network: subnet 122", 0,
		  net_subnet(conn, "default", &sub));
	CHECK_INT("  122", 122, sub);
	err_clear();
	CHECK_INT("missing network: not found", -1,
		  net_subnet(conn, "nosuch", &sub));
	CHECK_INT("  code", FVM_EXIT_NOTFOUND, err_code());
	if (n)
		virNetworkFree(n);
	virConnectClose(conn);
}

int main(void)
{
	test_conf_writer();
	test_conf_write_file();
	test_net_xml();
	test_net_define();
	UNIT_DONE();
}
