/* lib/linked.c: ask each library fvm links for its version at run time. */
#include "linked.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <archive.h>
#include <curl/curl.h>
#include <guestfs.h>
#include <libdevmapper.h>
#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>
#include <libxml/parser.h>
#include <lzma.h>
#include <openssl/crypto.h>
#include <zlib.h>
#include <zstd.h>

/* MAJOR*f*f + MINOR*f + PATCH, as libvirt (f 1000), libarchive (f 1000)
 * and libxml2 (f 100) number their versions */
static void push_number(struct strv *out, const char *name, unsigned long n,
			unsigned long f)
{
	strv_pushf(out, "%s %lu.%lu.%lu", name, n / (f * f), n / f % f, n % f);
}

/* s up to its first blank: "1.02.185 (2022-05-18)" is 1.02.185 */
static void push_word(struct strv *out, const char *name, const char *s)
{
	if (!s || !*s) {
		strv_pushf(out, "%s unknown", name);
		return;
	}
	strv_pushf(out, "%s %.*s", name, (int)strcspn(s, " \t"), s);
}

static void push_libvirt(struct strv *out)
{
	unsigned long v = 0;

	/* the library's own version: no type, so no driver, no daemon */
	if (virGetVersion(&v, NULL, NULL) < 0) {
		virResetLastError();
		push_word(out, "libvirt", NULL);
		return;
	}
	push_number(out, "libvirt", v, 1000);
}

static void push_guestfs(struct strv *out)
{
	/* a handle is cheap without the environment and without launch */
	guestfs_h *g = guestfs_create_flags(GUESTFS_CREATE_NO_ENVIRONMENT |
					    GUESTFS_CREATE_NO_CLOSE_ON_EXIT);
	struct guestfs_version *v = NULL;

	if (g) {
		guestfs_set_error_handler(g, NULL, NULL);
		v = guestfs_version(g);
	}
	if (v) {
		strv_pushf(out, "libguestfs %lld.%lld.%lld%s",
			   (long long)v->major, (long long)v->minor,
			   (long long)v->release, v->extra ? v->extra : "");
		guestfs_free_version(v);
	} else {
		push_word(out, "libguestfs", NULL);
	}
	if (g)
		guestfs_close(g);
}

static void push_libxml2(struct strv *out)
{
	/* the library's number ("20914"), not the header's */
	const char *s = xmlParserVersion;
	char *end;
	unsigned long n = s ? strtoul(s, &end, 10) : 0;

	if (!s || end == s)
		push_word(out, "libxml2", NULL);
	else
		push_number(out, "libxml2", n, 100);
}

static void push_devmapper(struct strv *out)
{
	char buf[128];

	if (!dm_get_library_version(buf, sizeof(buf)))
		buf[0] = '\0';
	push_word(out, "libdevmapper", buf);
}

void linked_versions(struct strv *out)
{
	const curl_version_info_data *curl = curl_version_info(CURLVERSION_NOW);

	push_libvirt(out);
	push_guestfs(out);
	push_word(out, "liblzma", lzma_version_string());
	push_number(out, "libarchive", (unsigned long)archive_version_number(),
		    1000);
	push_word(out, "libcurl", curl ? curl->version : NULL);
	push_libxml2(out);
	push_word(out, "zlib", zlibVersion());
	push_word(out, "libzstd", ZSTD_versionString());
#ifdef OPENSSL_VERSION_STRING
	push_word(out, "openssl", OpenSSL_version(OPENSSL_VERSION_STRING));
#else
	/* before 3.0: "OpenSSL 1.1.1w  11 Sep 2023" */
	push_word(out, "openssl", OpenSSL_version(OPENSSL_VERSION) + 8);
#endif
	push_devmapper(out);
}
