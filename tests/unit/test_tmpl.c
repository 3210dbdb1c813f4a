/* tests/unit/test_tmpl.c: template lookup, macros, XML rewriting. */
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "conf.h"
#include "err.h"
#include "tmpl.h"
#include "unit.h"
#include "util.h"

static struct fvm_conf conf;

static const char *const base_xml =
	"<domain type='kvm'>\n"
	"  <name>VM_NAME</name>\n"
	"  <cpu mode='host-model'><model fallback='allow'/></cpu>\n"
	"  <devices>\n"
	"    <disk type='block' device='cdrom'>\n"
	"      <driver name='qemu' type='raw'/>\n"
	"      <target dev='hdc' bus='ide'/>\n"
	"    </disk>\n"
	"    <disk type='block' device='disk'>\n"
	"      <driver name='qemu' type='raw' cache='none' io='native' "
	"discard='unmap'/>\n"
	"      <source dev='/dev/THINPOOL_VG/VM_NAME'/>\n"
	"      <target dev='sda' bus='scsi'/>\n"
	"    </disk>\n"
	"    <interface type='bridge'>\n"
	"      <mac address='52:54:00:be:ef:VM_HEX_NUMBER'/>\n"
	"      <source bridge='system-bridge'/>\n"
	"    </interface>\n"
	"    <interface type='network'>\n"
	"      <source network='LIBVIRT_NETWORK'/>\n"
	"    </interface>\n"
	"  </devices>\n"
	"</domain>\n";

static bool has(const char *hay, const char *needle)
{
	return hay && strstr(hay, needle) != NULL;
}

static struct tmpl_vars vars_for(int n)
{
	struct tmpl_vars v;

	memset(&v, 0, sizeof(v));
	v.vm_name = "fastvm-c7-42";
	v.image = "c7";
	v.number = n;
	v.mac = "52:54:00:f5:16:2a";
	v.domain_type = FVM_DOMTYPE_AUTO;
	v.kvm_usable = true;
	return v;
}

static char *expand(const char *xml, const struct tmpl_vars *v, char **mac)
{
	return tmpl_expand(&conf, xml, strlen(xml), v, mac);
}

static void test_macros(void)
{
	struct tmpl_vars v = vars_for(42);
	char *s;

	s = tmpl_expand_macros(&conf,
			       "VM_NAME|THINPOOL_VG|LIBVIRT_NETWORK|VM_NUMBER|"
			       "VM_HEX_NUMBER|IMAGE_NAME",
			       &v);
	CHECK_STR("all six macros", "fastvm-c7-42|vg0|fastvm-nat|42|2a|c7", s);
	free(s);

	/* sed s///g: inside longer words too, every occurrence */
	s = tmpl_expand_macros(&conf, "xVM_NAMEy VM_NAME MY_IMAGE_NAMES", &v);
	CHECK_STR("macros inside words", "xfastvm-c7-42y fastvm-c7-42 MY_c7S",
		  s);
	free(s);

	v = vars_for(-1);
	v.vm_name = "fastvm-c7";
	s = tmpl_expand_macros(&conf, "VM_NAME VM_NUMBER VM_HEX_NUMBER", &v);
	CHECK_STR("base VM: number 'base', hex 01", "fastvm-c7 base 01", s);
	free(s);

	v = vars_for(20);
	s = tmpl_expand_macros(&conf, "VM_HEX_NUMBER", &v);
	CHECK_STR("hex of 20", "14", s);
	free(s);

	/* escaped for raw XML text */
	v = vars_for(42);
	v.vm_name = "a&b'c<d>\"e";
	s = tmpl_expand_macros(&conf, "<n a='VM_NAME'>VM_NAME</n>", &v);
	CHECK_STR("values are XML-escaped",
		  "<n "
		  "a='a&amp;b&apos;c&lt;d&gt;&quot;e'>a&amp;b&apos;c&lt;d&gt;&"
		  "quot;e</n>",
		  s);
	free(s);
}

static void test_expand_escaped_values(void)
{
	struct tmpl_vars v = vars_for(42);
	struct fvm_conf c2 = conf;
	char *out;

	c2.thinpool_vg = "v&g'1";
	c2.libvirt_network = "net&'x";
	v.vm_name = "fastvm-a&b'c-42";
	out = tmpl_expand(&c2, base_xml, strlen(base_xml), &v, NULL);
	CHECK("expansion with & and ' parses", out != NULL);
	CHECK("name escaped in output",
	      has(out, "<name>fastvm-a&amp;b'c-42</name>"));
	CHECK("network value matched after escaping",
	      has(out, "<mac address=\"52:54:00:f5:16:2a\"/>"));
	free(out);
}

static void test_disk_block(void)
{
	struct store_disk d = { "block", "/dev/vg0/fastvm-c7-42", "raw" };
	struct tmpl_vars v = vars_for(42);
	char *out;

	v.disk = &d;
	out = expand(base_xml, &v, NULL);
	CHECK("block disk expands", out != NULL);
	CHECK("block source dev",
	      has(out, "<source dev=\"/dev/vg0/fastvm-c7-42\"/>"));
	CHECK("block driver kept",
	      has(out, "<driver name=\"qemu\" type=\"raw\" cache=\"none\" "
		       "io=\"native\" discard=\"unmap\"/>"));
	CHECK("cdrom untouched",
	      has(out, "<disk type=\"block\" device=\"cdrom\">"));
	CHECK("one source in system disk", !has(out, "<source file="));
	free(out);
}

static void test_disk_file(void)
{
	struct store_disk d = { "file", "/var/lib/fvm/vms/fastvm-c7-42.qcow2",
				"qcow2" };
	struct tmpl_vars v = vars_for(42);
	const char *xml =
		"<domain type='kvm'><devices>"
		"<disk type='block'>"
		"<driver name='qemu' type='raw' cache='writeback' io='native'/>"
		"<source dev='/dev/x/y'/><backingStore type='block'/>"
		"<target dev='vda' bus='virtio'/></disk>"
		"<disk><source file='/second'/><target dev='vdb'/></disk>"
		"</devices></domain>";
	const char *no_driver =
		"<domain type='kvm'><devices>"
		"<disk type='block' device='disk'><target dev='vda'/></disk>"
		"</devices></domain>";
	const char *no_disk = "<domain type='kvm'><devices/></domain>";
	char *out;

	v.disk = &d;
	out = expand(xml, &v, NULL);
	CHECK("file disk expands", out != NULL);
	CHECK("disk without device attr is the system disk, type file",
	      has(out, "<disk type=\"file\"><driver"));
	CHECK("file source",
	      has(out,
		  "<source file=\"/var/lib/fvm/vms/fastvm-c7-42.qcow2\"/>"));
	CHECK("old dev source gone", !has(out, "/dev/x/y"));
	CHECK("backingStore dropped", !has(out, "backingStore"));
	CHECK("qcow2 driver, io native gets cache none",
	      has(out, "<driver name=\"qemu\" type=\"qcow2\" cache=\"none\" "
		       "io=\"native\"/>"));
	CHECK("second disk kept", has(out, "<source file=\"/second\"/>"));
	free(out);

	out = expand(no_driver, &v, NULL);
	CHECK("driver added with name qemu",
	      has(out, "<disk type=\"file\" device=\"disk\"><driver "
		       "name=\"qemu\" type=\"qcow2\"/><source file="));
	free(out);

	out = expand(no_disk, &v, NULL);
	CHECK("no system disk is an error", out == NULL);
	CHECK("no system disk message", has(err_msg(), "no system disk"));

	v.disk = NULL;
	out = expand(no_disk, &v, NULL);
	CHECK("no disk wanted: template kept", out != NULL);
	free(out);
}

static void test_mac(void)
{
	struct tmpl_vars v = vars_for(42);
	const char *with_mac =
		"<domain type='kvm'><devices>"
		"<interface type='network'><mac address='52:54:00:aa:bb:cc'/>"
		"<source network='LIBVIRT_NETWORK'/></interface>"
		"</devices></domain>";
	const char *other_net = "<domain type='kvm'><devices>"
				"<interface type='network'><source "
				"network='default'/></interface>"
				"</devices></domain>";
	char *out, *mac = NULL;

	out = expand(base_xml, &v, &mac);
	CHECK("MAC added when absent",
	      has(out, "<interface type=\"network\">\n      <mac "
		       "address=\"52:54:00:f5:16:2a\"/>\n      <source "
		       "network=\"fastvm-nat\"/>"));
	CHECK_STR("added MAC reported", "52:54:00:f5:16:2a", mac);
	CHECK("bridge NIC MAC expanded, not replaced",
	      has(out, "52:54:00:be:ef:2a"));
	free(out);
	free(mac);

	out = expand(with_mac, &v, &mac);
	CHECK("template MAC kept",
	      has(out, "52:54:00:aa:bb:cc") && !has(out, "f5:16:2a"));
	CHECK_STR("template MAC reported", "52:54:00:aa:bb:cc", mac);
	free(out);
	free(mac);

	out = expand(other_net, &v, &mac);
	CHECK("NIC on another network untouched", out && !has(out, "<mac"));
	CHECK("no MAC reported without a NIC on the network", mac == NULL);
	free(out);
	free(mac);
}

static void test_domain_type(void)
{
	struct tmpl_vars v = vars_for(42);
	const char *qemu_xml = "<domain type='qemu'><devices/></domain>";
	const char *pass_xml = "<domain type='kvm'><cpu "
			       "mode='host-passthrough'/><devices/></domain>";
	char *out;

	out = expand(base_xml, &v, NULL);
	CHECK("auto, kvm usable: kvm kept", has(out, "<domain type=\"kvm\">"));
	free(out);
	v.kvm_usable = false;
	out = expand(base_xml, &v, NULL);
	CHECK("auto, kvm unusable: qemu", has(out, "<domain type=\"qemu\">"));
	CHECK("host-model kept under qemu",
	      has(out, "<cpu mode=\"host-model\">"));
	free(out);
	out = expand(qemu_xml, &v, NULL);
	CHECK("auto keeps a qemu template", has(out, "<domain type=\"qemu\">"));
	free(out);
	v.kvm_usable = true;
	out = expand(qemu_xml, &v, NULL);
	CHECK("auto never upgrades to kvm", has(out, "<domain type=\"qemu\">"));
	free(out);
	v.domain_type = FVM_DOMTYPE_KVM;
	out = expand(qemu_xml, &v, NULL);
	CHECK("kvm override", has(out, "<domain type=\"kvm\">"));
	free(out);
	v.domain_type = FVM_DOMTYPE_QEMU;
	out = expand(base_xml, &v, NULL);
	CHECK("qemu override", has(out, "<domain type=\"qemu\">"));
	free(out);
	out = expand(pass_xml, &v, NULL);
	CHECK("host-passthrough dropped under qemu", out && !has(out, "<cpu"));
	free(out);
	v.domain_type = FVM_DOMTYPE_KVM;
	out = expand(pass_xml, &v, NULL);
	CHECK("host-passthrough kept under kvm", has(out, "host-passthrough"));
	free(out);
}

static void test_bad_xml(void)
{
	struct tmpl_vars v = vars_for(42);
	const char *doctype =
		"<?xml version='1.0'?>\n<!DOCTYPE domain [<!ENTITY x 'y'>]>\n"
		"<domain type='kvm'><name>&x;</name></domain>";
	const char *xxe = "<!DOCTYPE d SYSTEM 'file:///etc/passwd'><domain/>";
	char *out, *big;

	out = expand("<domain type='kvm'><devices></domain>", &v, NULL);
	CHECK("malformed XML rejected", out == NULL);
	CHECK("malformed XML message",
	      has(err_msg(), "malformed XML at line 1"));
	CHECK_INT("malformed XML code", FVM_EXIT_FAIL, err_code());
	out = expand(doctype, &v, NULL);
	CHECK("DOCTYPE rejected", out == NULL && has(err_msg(), "DOCTYPE"));
	out = expand(xxe, &v, NULL);
	CHECK("external DOCTYPE rejected",
	      out == NULL && has(err_msg(), "DOCTYPE"));
	out = expand("<network/>", &v, NULL);
	CHECK("root must be domain",
	      out == NULL && has(err_msg(), "<network>"));
	out = expand("", &v, NULL);
	CHECK("empty template rejected", out == NULL);

	big = xmalloc(2 * 1024 * 1024 + 1);
	memset(big, ' ', 2 * 1024 * 1024);
	big[2 * 1024 * 1024] = '\0';
	memcpy(big, "<domain>", 8);
	out = tmpl_expand(&conf, big, strlen(big), &v, NULL);
	CHECK("oversized template rejected",
	      out == NULL && has(err_msg(), "larger than"));
	free(big);
}

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	if (!f) {
		perror(path);
		exit(1);
	}
	fputs(text, f);
	fclose(f);
}

static char *tmp_root;

static char *tpath(const char *rel)
{
	return xasprintf("%s/%s", tmp_root, rel);
}

static void mk(const char *rel)
{
	char *p = tpath(rel);

	mkdir(p, 0755);
	free(p);
}

static void put(const char *rel, const char *text)
{
	char *p = tpath(rel);

	write_file(p, text);
	free(p);
}

static bool ends(const char *s, const char *suffix)
{
	size_t a = s ? strlen(s) : 0, b = strlen(suffix);

	return s && a >= b && strcmp(s + a - b, suffix) == 0;
}

static void test_resolve(void)
{
	struct fvm_conf c = conf;
	struct tmpl_source src;
	char *p;
	static char tmpl[] = "/tmp/fvm-tmpl-test.XXXXXX";
	int rc;

	tmp_root = mkdtemp(tmpl);
	if (!tmp_root) {
		perror("mkdtemp");
		exit(1);
	}
	mk("user");
	mk("sys");
	c.user_dir = tpath("user");
	c.system_dir = tpath("sys");

	/* missing everywhere */
	rc = tmpl_resolve(&c, "c7", &src);
	CHECK_INT("missing template: not found", FVM_EXIT_NOTFOUND,
		  rc < 0 ? err_code() : 0);
	CHECK("missing message names user per-image path",
	      has(err_msg(), "user/config-c7.xml"));
	CHECK("missing message names system per-image path",
	      has(err_msg(), "sys/config-c7.xml"));
	CHECK("missing message names profile path",
	      has(err_msg(), "user/c7/config.xml"));

	/* image in the system dir only */
	put("sys/config-c7.xml", base_xml);
	put("sys/hacks-c7.sh", "true\n");
	rc = tmpl_resolve(&c, "c7", &src);
	CHECK_INT("system image resolves", 0, rc);
	CHECK_STR("image name", "c7", src.image);
	CHECK("no profile", src.profile == NULL);
	CHECK("system template", ends(src.xml_path, "/sys/config-c7.xml"));
	CHECK("system hacks", ends(src.hacks_path, "/sys/hacks-c7.sh"));
	CHECK("no delete hacks", src.delete_hacks_path == NULL);
	tmpl_source_release(&src);

	/* the user's file wins, per file */
	put("user/config-c7.xml", base_xml);
	put("sys/delete-hacks-c7.sh", "true\n");
	rc = tmpl_resolve(&c, "c7", &src);
	CHECK_INT("user image resolves", 0, rc);
	CHECK("user template beats system",
	      ends(src.xml_path, "/user/config-c7.xml"));
	CHECK("system hacks still used",
	      ends(src.hacks_path, "/sys/hacks-c7.sh"));
	CHECK("system delete hacks",
	      ends(src.delete_hacks_path, "/sys/delete-hacks-c7.sh"));
	tmpl_source_release(&src);

	/* delete-hacks: the image's dir is no profile dir */
	mk("user/c7");
	put("user/c7/delete-hacks.sh", "true\n");
	put("user/c7/config.xml", base_xml);
	rc = tmpl_resolve(&c, "c7", &src);
	CHECK("image-named dir's config.xml used as fast-vm does",
	      rc == 0 && ends(src.xml_path, "/user/c7/config.xml"));
	CHECK("image-named dir's delete-hacks not used",
	      ends(src.delete_hacks_path, "/sys/delete-hacks-c7.sh"));
	tmpl_source_release(&src);

	/* a profile in the system dir over c7 */
	mk("sys/web");
	put("sys/web/base_image", "  c7 \n\n");
	put("sys/web/config.xml", base_xml);
	rc = tmpl_resolve(&c, "web", &src);
	CHECK_INT("system profile resolves", 0, rc);
	CHECK_STR("profile's image, trimmed", "c7", src.image);
	CHECK_STR("profile name", "web", src.profile);
	CHECK("profile template", ends(src.xml_path, "/sys/web/config.xml"));
	CHECK("profile without hacks uses the image's",
	      ends(src.hacks_path, "/sys/hacks-c7.sh"));
	tmpl_source_release(&src);

	/* profile beats image of the same name */
	put("user/config-web.xml", base_xml);
	rc = tmpl_resolve(&c, "web", &src);
	CHECK("profile beats image",
	      rc == 0 && src.profile &&
		      ends(src.xml_path, "/sys/web/config.xml"));
	tmpl_source_release(&src);

	/* user's profile files beat the system's; user profile dir needs no
	 * base_image of its own (fast-vm looks there by name) */
	mk("user/web");
	put("user/web/config.xml", base_xml);
	put("user/web/hacks.sh", "true\n");
	rc = tmpl_resolve(&c, "web", &src);
	CHECK("user profile template beats system",
	      rc == 0 && ends(src.xml_path, "/user/web/config.xml"));
	CHECK("user profile hacks", ends(src.hacks_path, "/user/web/hacks.sh"));
	tmpl_source_release(&src);

	/* delete-hacks of a profile VM, also once the profile has gone */
	put("sys/web/delete-hacks.sh", "true\n");
	rc = tmpl_resolve(&c, "web", &src);
	CHECK("profile delete-hacks",
	      rc == 0 &&
		      ends(src.delete_hacks_path, "/sys/web/delete-hacks.sh"));
	tmpl_source_release(&src);
	rc = tmpl_delete_hacks(&c, "gone", "c7", &p);
	CHECK("gone profile: image's delete-hacks",
	      rc == 0 && ends(p, "/sys/delete-hacks-c7.sh"));
	free(p);
	rc = tmpl_delete_hacks(&c, NULL, "web", &p);
	CHECK("no profile, no per-image file: none", rc == 0 && p == NULL);
	rc = tmpl_delete_hacks(&c, "../x", "c7", &p);
	CHECK_INT("bad profile name", FVM_EXIT_USAGE, rc < 0 ? err_code() : 0);

	/* a user profile base_image beats the system's */
	put("user/web/base_image", "c8\n");
	rc = tmpl_resolve(&c, "web", &src);
	CHECK("user base_image beats system",
	      rc == 0 && strcmp(src.image, "c8") == 0);
	tmpl_source_release(&src);

	/* profile over an image without any template: not found */
	mk("user/lonely");
	put("user/lonely/base_image", "nothere\n");
	rc = tmpl_resolve(&c, "lonely", &src);
	CHECK_INT("profile without template: not found", FVM_EXIT_NOTFOUND,
		  rc < 0 ? err_code() : 0);
	CHECK("message names the profile and image",
	      has(err_msg(), "profile 'lonely'") &&
		      has(err_msg(), "config-nothere.xml"));

	/* a profile whose base_image is not a valid name */
	mk("user/evil");
	put("user/evil/base_image", "../../etc\n");
	rc = tmpl_resolve(&c, "evil", &src);
	CHECK_INT("bad base_image: usage", FVM_EXIT_USAGE,
		  rc < 0 ? err_code() : 0);
	CHECK("bad base_image message names the file",
	      has(err_msg(), "evil/base_image"));

	/* names */
	rc = tmpl_resolve(&c, "../sys/web", &src);
	CHECK_INT("slash in name", FVM_EXIT_USAGE, rc < 0 ? err_code() : 0);
	rc = tmpl_resolve(&c, "..", &src);
	CHECK_INT("dot-dot name", FVM_EXIT_USAGE, rc < 0 ? err_code() : 0);
	rc = tmpl_resolve(&c, "-rf", &src);
	CHECK_INT("leading dash", FVM_EXIT_USAGE, rc < 0 ? err_code() : 0);
	rc = tmpl_resolve(&c, "", &src);
	CHECK_INT("empty name", FVM_EXIT_USAGE, rc < 0 ? err_code() : 0);

	free(c.user_dir);
	free(c.system_dir);
}

static void test_names(void)
{
	CHECK_INT("plain", 0, tmpl_check_name("centos-7.9", "image name"));
	CHECK_INT("digits", 0, tmpl_check_name("7", "image name"));
	CHECK_INT("dash digits inside", 0,
		  tmpl_check_name("rhel-8-x", "image name"));
	CHECK_INT("ends in -N", -1, tmpl_check_name("rhel-8", "image name"));
	CHECK("ends in -N message", has(err_msg(), "-XX"));
	CHECK_INT("underscore", -1, tmpl_check_name("a_b", "image name"));
	CHECK("restricted message",
	      has(err_msg(), "image name 'a_b' contains restricted"));
	CHECK_INT("space", -1, tmpl_check_name("a b", "image name"));
	CHECK_INT("slash", -1, tmpl_check_name("a/b", "image name"));
	CHECK_INT("non-ascii", -1,
		  tmpl_check_name("caf\xc3\xa9", "image name"));
	CHECK_INT("dot", -1, tmpl_check_name(".", "image name"));
}

static void test_expand_file(void)
{
	struct tmpl_vars v = vars_for(42);
	char *out, *mac = NULL, *path;

	out = tmpl_expand_file(&conf, "/nonexistent/config-x.xml", &v, &mac);
	CHECK("missing file",
	      out == NULL && has(err_msg(), "/nonexistent/config-x.xml"));

	path = tpath("sys/config-c7.xml");
	out = tmpl_expand_file(&conf, path, &v, &mac);
	CHECK("file expands", has(out, "<name>fastvm-c7-42</name>"));
	CHECK_STR("file's MAC reported", "52:54:00:f5:16:2a", mac);
	free(out);
	free(mac);
	free(path);

	path = tpath("sys/bad.xml");
	write_file(path, "<domain>");
	out = tmpl_expand_file(&conf, path, &v, &mac);
	CHECK("bad file names its path",
	      out == NULL && has(err_msg(), "template ") &&
		      has(err_msg(), "sys/bad.xml: malformed XML"));
	free(path);
}

static int remove_entry(const char *path, const struct stat *st, int flag,
			struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

int main(void)
{
	conf_defaults(&conf);
	free(conf.thinpool_vg);
	conf.thinpool_vg = xstrdup("vg0");

	test_macros();
	test_expand_escaped_values();
	test_disk_block();
	test_disk_file();
	test_mac();
	test_domain_type();
	test_bad_xml();
	test_names();
	test_resolve();
	test_expand_file();

	if (tmp_root)
		nftw(tmp_root, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
	conf_release(&conf);
	UNIT_DONE();
}
