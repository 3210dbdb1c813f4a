/* tests/unit/test_virt_meta.c: title and description put into a domain's XML before its define (lib/virt), read back on libvirt's test driver. */
#include <stdlib.h>
#include <string.h>

#include "conf.h"
#include "err.h"
#include "util.h"
#include "virt.h"
#include "unit.h"

#define DOM_XML(extra)                                                         \
	"<domain type='test'>\n"                                               \
	"  <name>fastvm-img-43</name>\n" extra                                 \
	"  <memory unit='MiB'>64</memory>\n"                                   \
	"  <os><type>hvm</type></os>\n"                                        \
	"</domain>\n"

static int count(const char *hay, const char *needle)
{
	int n = 0;

	for (const char *p = hay; (p = strstr(p, needle)); p++)
		n++;
	return n;
}

int main(void)
{
	struct vm_meta m = { .owner = "alice",
			     .activity = 1700000000,
			     .profile = NULL,
			     .note = "a <note>, & more" };
	struct vm_meta got = { 0 };
	struct fvm_conf c;
	struct virt *v;
	virDomainPtr dom;
	char *xml, *title;

	xml = virt_xml_set_meta(DOM_XML(""), 43, &m);
	CHECK("XML with metadata made", xml != NULL);
	CHECK_INT("one title", 1, count(xml, "<title>"));
	CHECK_INT("one description", 1, count(xml, "<description>"));
	CHECK("title as fast-vm writes it, escaped",
	      strstr(xml,
		     "<title>043 alice a &lt;note&gt;, &amp; more</title>"));
	CHECK("description as fast-vm writes it",
	      strstr(xml, "<description>1,alice,1700000000,---,a &lt;note&gt;, "
			  "&amp; more</description>"));
	free(xml);

	xml = virt_xml_set_meta(DOM_XML("  <title>old</title>\n"
					"  <description>stale</description>\n"),
				43, &m);
	CHECK("template's own title replaced",
	      xml && count(xml, "<title>") == 1 && !strstr(xml, "old"));
	CHECK("template's own description replaced",
	      xml && count(xml, "<description>") == 1 && !strstr(xml, "stale"));

	free(xml);
	xml = virt_xml_set_meta("<domain", 43, &m);
	CHECK("broken XML refused",
	      xml == NULL && err_code() == FVM_EXIT_USAGE);
	err_clear();

	conf_defaults(&c);
	conf_connect(&c, "test:///default", false);
	v = virt_open(&c, false);
	if (!v) {
		printf("FAIL - open test:///default: %s\n", err_msg());
		UNIT_DONE();
	}
	xml = virt_xml_set_meta(DOM_XML(""), 43, &m);
	dom = xml ? virt_define(v, xml) : NULL;
	free(xml);
	CHECK("defined with its metadata", dom != NULL);
	if (dom) {
		CHECK_INT("description read back", 0, virt_get_meta(dom, &got));
		CHECK_STR("owner", "alice", got.owner);
		CHECK_STR("note", "a <note>, & more", got.note);
		CHECK_INT("activity", 1700000000, (long long)got.activity);
		CHECK("no profile", got.profile == NULL);
		title = virDomainGetMetadata(dom, VIR_DOMAIN_METADATA_TITLE,
					     NULL, VIR_DOMAIN_AFFECT_CONFIG);
		CHECK_STR("title", "043 alice a <note>, & more", title);
		free(title);
		free(got.owner);
		free(got.profile);
		free(got.note);
		CHECK_INT("removed", 0, virt_remove_domain(v, dom));
		virDomainFree(dom);
	}
	dom = virt_define_opt(v, DOM_XML(""), false);
	CHECK("define without the schema check", dom != NULL);
	if (dom) {
		virt_remove_domain(v, dom);
		virDomainFree(dom);
	}
	virt_close(v);
	conf_release(&c);
	UNIT_DONE();
}
