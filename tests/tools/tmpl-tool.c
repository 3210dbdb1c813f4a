/* tests/tools/tmpl-tool.c: expand a template, define it on libvirt. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>

#include "conf.h"
#include "err.h"
#include "tmpl.h"
#include "util.h"
#include "virt.h"
#include "vmnum.h"

static void usage(void)
{
	fprintf(stderr, "usage: tmpl-tool expand FILE IMAGE N|base\n"
			"       tmpl-tool define URI FILE IMAGE N|base\n"
			"Expands FILE as fvm does for VM N of IMAGE on the dir "
			"backend\n"
			"(a qcow2 file disk under FVM_STORE_DIR, domain type "
			"qemu), with\n"
			"the config FVM_CONFIG names. define then defines it "
			"on URI with\n"
			"validation and undefines it again; libvirt's error is "
			"printed as\n"
			"it is, a schema error followed by what libvirt's "
			"parser says.\n");
	exit(2);
}

static void ignore_libvirt_error(void *data, virErrorPtr e)
{
	(void)data;
	(void)e;
}

/* The XML fvm would define, or exit with the lib error. */
static char *expand(struct fvm_conf *c, const char *file, const char *image,
		    const char *num, char **name_out)
{
	struct store_disk disk;
	struct tmpl_vars v;
	char mac[18], *xml, *got_mac = NULL;
	long n = -1;

	if (strcmp(num, "base") != 0 && !parse_int(num, 0, 255, &n))
		usage();
	if (tmpl_check_name(image, "image name") < 0) {
		fprintf(stderr, "tmpl-tool: error: %s\n", err_msg());
		exit(err_code());
	}
	memset(&v, 0, sizeof(v));
	v.vm_name = *name_out = vm_name(c, image, (int)n);
	v.image = image;
	v.number = (int)n;
	disk.type = "file";
	disk.path = xasprintf("%s/vms/%s.qcow2", c->store_dir, v.vm_name);
	disk.format = "qcow2";
	v.disk = &disk;
	vm_mac(c, n < 0 ? 1 : (int)n, mac);
	v.mac = mac;
	v.domain_type = FVM_DOMTYPE_QEMU;
	xml = tmpl_expand_file(c, file, &v, &got_mac);
	free(disk.path);
	if (!xml) {
		fprintf(stderr, "tmpl-tool: error: %s\n", err_msg());
		exit(err_code());
	}
	free(got_mac);
	return xml;
}

static int define(const char *uri, const char *xml, const char *name)
{
	virConnectPtr conn;
	virDomainPtr dom;
	virErrorPtr e;
	int rc = 1;

	virSetErrorFunc(NULL, ignore_libvirt_error);
	conn = virConnectOpen(uri);
	if (!conn) {
		fprintf(stderr, "tmpl-tool: error: cannot connect to %s: %s\n",
			uri, virGetLastErrorMessage());
		return 1;
	}
	/* a define with an existing name replaces that domain: never touch
	 * one this tool did not make */
	dom = virDomainLookupByName(conn, name);
	if (dom) {
		fprintf(stderr, "tmpl-tool: error: domain %s exists already\n",
			name);
		virDomainFree(dom);
		virConnectClose(conn);
		return FVM_EXIT_CONFLICT;
	}
	dom = virDomainDefineXMLFlags(conn, xml, VIR_DOMAIN_DEFINE_VALIDATE);
	if (!dom) {
		e = virGetLastError();
		fprintf(stderr, "%s\n", virGetLastErrorMessage());
		if (e && e->code == VIR_ERR_XML_INVALID_SCHEMA) {
			char *why = virt_explain_schema_error(xml);

			if (why)
				fprintf(stderr, "libvirt's parser: %s\n", why);
			free(why);
		}
		virConnectClose(conn);
		return 1;
	}
	printf("defined %s\n", name);
	/* the test driver knows no NVRAM flag */
	if (virDomainUndefineFlags(
		    dom, VIR_DOMAIN_UNDEFINE_MANAGED_SAVE |
				 VIR_DOMAIN_UNDEFINE_SNAPSHOTS_METADATA |
				 VIR_DOMAIN_UNDEFINE_NVRAM) < 0 &&
	    virDomainUndefine(dom) < 0)
		fprintf(stderr, "tmpl-tool: error: cannot undefine %s: %s\n",
			name, virGetLastErrorMessage());
	else
		rc = 0;
	virDomainFree(dom);
	virConnectClose(conn);
	return rc;
}

int main(int argc, char **argv)
{
	struct fvm_conf c;
	char *xml, *name = NULL;
	int rc = 0;

	prog_name = "tmpl-tool";
	if (conf_load(&c) < 0) {
		fprintf(stderr, "tmpl-tool: error: %s\n", err_msg());
		return err_code();
	}
	if (!c.thinpool_vg)
		c.thinpool_vg = xstrdup("fastvm");
	if (argc == 5 && strcmp(argv[1], "expand") == 0) {
		xml = expand(&c, argv[2], argv[3], argv[4], &name);
		fputs(xml, stdout);
	} else if (argc == 6 && strcmp(argv[1], "define") == 0) {
		xml = expand(&c, argv[3], argv[4], argv[5], &name);
		rc = define(argv[2], xml, name);
	} else {
		usage();
	}
	free(xml);
	free(name);
	conf_release(&c);
	return rc;
}
