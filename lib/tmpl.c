/* lib/tmpl.c: fast-vm template lookup, macros and domain XML rewriting. */
#include "tmpl.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/xmlsave.h>

#include "err.h"
#include "util.h"
#include "vmnum.h"

/* A domain template is a few KiB; anything this big is not one. */
#define TMPL_MAX_SIZE (1024 * 1024)
/* base_image holds one name. */
#define BASE_IMAGE_MAX 4096

int tmpl_check_name(const char *name, const char *what)
{
	size_t i, len = name ? strlen(name) : 0;

	if (len == 0)
		return err_set(FVM_EXIT_USAGE, "empty %s", what);
	if (len > TMPL_NAME_MAX)
		return err_set(FVM_EXIT_USAGE,
			       "%s '%.20s...' is longer than %d characters",
			       what, name, TMPL_NAME_MAX);
	/* fast-vm-image allows letters, digits, dot and dash
	 * (tr -d -C '[:alnum:]\-.'), in the C locale */
	for (i = 0; i < len; i++) {
		unsigned char ch = (unsigned char)name[i];
		if (!(isascii(ch) && isalnum(ch)) && ch != '.' && ch != '-')
			return err_set(
				FVM_EXIT_USAGE,
				"%s '%s' contains restricted characters, "
				"allowed "
				"are only letters, numbers, dot(.) and dash(-)",
				what, name);
	}
	/* the name becomes a path component and an lvm/option argument */
	if (name[0] == '-')
		return err_set(FVM_EXIT_USAGE,
			       "%s '%s' must not start with a dash", what,
			       name);
	if (strcmp(name, ".") == 0 || strstr(name, ".."))
		return err_set(FVM_EXIT_USAGE,
			       "%s '%s' must not be '.' or contain '..'", what,
			       name);
	/* VM names are NAME-N: a name ending in -N would be ambiguous */
	i = len;
	while (i > 0 && isdigit((unsigned char)name[i - 1]))
		i--;
	if (i < len && i > 0 && name[i - 1] == '-')
		return err_set(
			FVM_EXIT_USAGE,
			"%s '%s' cannot end with '-XX' where XX is a number",
			what, name);
	return 0;
}

static bool is_regular_file(const char *path)
{
	struct stat st;

	/* fast-vm tests with [ -f ]: follows symlinks, regular files only */
	return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

/* The image a profile directory names, trimmed and checked. */
static char *read_base_image(const char *path, const char *profile)
{
	char *text = NULL, *start, *end, *image;
	size_t len;

	if (read_file_max(path, BASE_IMAGE_MAX, &text, &len) < 0)
		return NULL;
	if (memchr(text, '\0', len)) {
		err_set(FVM_EXIT_USAGE, "%s: profile '%s' names no valid image",
			path, profile);
		free(text);
		return NULL;
	}
	start = text;
	while (*start && isspace((unsigned char)*start))
		start++;
	end = start + strlen(start);
	while (end > start && isspace((unsigned char)end[-1]))
		end--;
	image = xstrndup(start, (size_t)(end - start));
	free(text);
	if (tmpl_check_name(image, "base image") < 0) {
		err_context("%s (profile '%s')", path, profile);
		free(image);
		return NULL;
	}
	return image;
}

/* ---- profiles ---- */

bool tmpl_profile_exists(const char *dir, const char *name)
{
	struct stat st;
	char *d = xasprintf("%s/%s", dir, name);
	char *f = xasprintf("%s/base_image", d);
	bool ok =
		lstat(d, &st) == 0 && S_ISDIR(st.st_mode) && is_regular_file(f);

	free(f);
	free(d);
	return ok;
}

static bool profile_has(const struct tmpl_profile *p, const char *file)
{
	char *path = xasprintf("%s/%s", p->dir, file);
	bool ok = is_regular_file(path);

	free(path);
	return ok;
}

int tmpl_profile_read(const char *dir, const char *name, bool system,
		      struct tmpl_profile *p)
{
	char *path;

	memset(p, 0, sizeof(*p));
	if (tmpl_check_name(name, "profile name") < 0)
		return -1;
	if (!dir || !*dir)
		return 0;
	path = xasprintf("%s/%s/base_image", dir, name);
	if (!is_regular_file(path)) {
		free(path);
		return 0;
	}
	p->name = xstrdup(name);
	p->dir = xasprintf("%s/%s", dir, name);
	p->system = system;
	p->base_image = read_base_image(path, name);
	p->has_xml = profile_has(p, "config.xml");
	p->has_hacks = profile_has(p, "hacks.sh");
	p->has_delete_hacks = profile_has(p, "delete-hacks.sh");
	free(path);
	return 1;
}

int tmpl_profile_find(const struct fvm_conf *c, const char *name,
		      struct tmpl_profile *p)
{
	int rc = tmpl_profile_read(c->user_dir, name, false, p);

	if (rc == 0)
		rc = tmpl_profile_read(c->system_dir, name, true, p);
	return rc;
}

void tmpl_profile_release(struct tmpl_profile *p)
{
	free(p->name);
	free(p->dir);
	free(p->base_image);
	memset(p, 0, sizeof(*p));
}

char **tmpl_profile_list(const char *dir)
{
	struct strv names = STRV_INIT;
	DIR *d = dir && *dir ? opendir(dir) : NULL;
	struct dirent *de;

	while (d && (de = readdir(d))) {
		if (tmpl_check_name(de->d_name, "profile") < 0) {
			err_clear();
			continue;
		}
		if (tmpl_profile_exists(dir, de->d_name))
			strv_push(&names, de->d_name);
	}
	if (d)
		closedir(d);
	strv_sort_uniq(&names);
	return strv_detach(&names);
}

/*
 * fast-vm 1.7 `create` tries, for each file, <user>/<NAME>/F,
 * <system>/<NAME>/F, <user>/F-<image>, <system>/F-<image> and takes the
 * first regular file. For config and hacks NAME is the argument even when
 * it is no profile (fast-vm sets profile_name to the image name then), so
 * a hand-made ~/.fast-vm/<image>/config.xml is honoured too; `delete`
 * takes the profile from the VM's metadata, so without one (name NULL)
 * only the per-image files count.
 */
static char *find_file(const struct fvm_conf *c, const char *name,
		       const char *image, const char *in_profile,
		       const char *per_image_fmt, struct sbuf *looked)
{
	const char *dirs[2] = { c->user_dir, c->system_dir };
	char *path, *file;
	int pass, i;

	for (pass = 0; pass < 2; pass++) {
		for (i = 0; i < 2; i++) {
			if (!dirs[i] || !*dirs[i] || (pass == 0 && !name))
				continue;
			if (pass == 0) {
				path = xasprintf("%s/%s/%s", dirs[i], name,
						 in_profile);
			} else {
				file = xasprintf(per_image_fmt, image);
				path = xasprintf("%s/%s", dirs[i], file);
				free(file);
			}
			if (is_regular_file(path))
				return path;
			if (looked) {
				if (looked->len)
					sbuf_adds(looked, ", ");
				sbuf_adds(looked, path);
			}
			free(path);
		}
	}
	return NULL;
}

/* The profile NAME as create needs it: -1 for a base_image that names
 * no valid image; prof->name NULL when NAME is no profile. tmpl_resolve
 * has found profiles this way, with stat, following links. */
static int find_profile(const struct fvm_conf *c, const char *name,
			struct tmpl_profile *prof)
{
	int rc = tmpl_profile_find(c, name, prof);

	if (rc > 0 && !prof->base_image) {
		tmpl_profile_release(prof);
		return -1;
	}
	return rc < 0 ? -1 : 0;
}

int tmpl_resolve(const struct fvm_conf *c, const char *name,
		 struct tmpl_source *src)
{
	return tmpl_resolve_with(c, name, NULL, NULL, src);
}

int tmpl_resolve_with(const struct fvm_conf *c, const char *name,
		      const char *xml, const char *hacks,
		      struct tmpl_source *src)
{
	struct tmpl_profile prof;
	struct sbuf looked = SBUF_INIT;

	memset(src, 0, sizeof(*src));
	if (tmpl_check_name(name, "image or profile name") < 0)
		return -1;

	/* a profile is a directory holding base_image; the user's first */
	if (find_profile(c, name, &prof) < 0)
		return -1;
	if (prof.name) {
		src->image = prof.base_image;
		src->profile = prof.name;
		prof.base_image = prof.name = NULL;
		tmpl_profile_release(&prof);
	} else {
		src->image = xstrdup(name);
	}

	if (xml)
		src->xml_path = xstrdup(xml);
	else
		src->xml_path = find_file(c, name, src->image, "config.xml",
					  "config-%s.xml", &looked);
	if (!src->xml_path) {
		if (src->profile)
			err_set(FVM_EXIT_NOTFOUND,
				"no template for profile '%s' (image '%s'): "
				"looked at %s",
				name, src->image, looked.s);
		else
			err_set(FVM_EXIT_NOTFOUND,
				"no template for image '%s': looked at %s",
				name, looked.s);
		sbuf_release(&looked);
		tmpl_source_release(src);
		return -1;
	}
	sbuf_release(&looked);
	/* a profile without its own hacks uses its image's, as in fast-vm */
	src->hacks_path = hacks ? xstrdup(hacks) :
				  find_file(c, name, src->image, "hacks.sh",
					    "hacks-%s.sh", NULL);
	src->delete_hacks_path =
		find_file(c, src->profile, src->image, "delete-hacks.sh",
			  "delete-hacks-%s.sh", NULL);
	src->customize_path = find_file(c, name, src->image, "customize.conf",
					"customize-%s.conf", NULL);
	return 0;
}

int tmpl_delete_hacks(const struct fvm_conf *c, const char *profile,
		      const char *image, char **path)
{
	*path = NULL;
	if (profile && tmpl_check_name(profile, "profile name") < 0)
		return -1;
	if (tmpl_check_name(image, "image name") < 0)
		return -1;
	*path = find_file(c, profile, image, "delete-hacks.sh",
			  "delete-hacks-%s.sh", NULL);
	return 0;
}

void tmpl_source_release(struct tmpl_source *src)
{
	free(src->image);
	free(src->profile);
	free(src->xml_path);
	free(src->hacks_path);
	free(src->delete_hacks_path);
	free(src->customize_path);
	memset(src, 0, sizeof(*src));
}

/* --- macros --- */

static void add_xml_escaped(struct sbuf *b, const char *s)
{
	for (; *s; s++) {
		switch (*s) {
		case '&':
			sbuf_adds(b, "&amp;");
			break;
		case '<':
			sbuf_adds(b, "&lt;");
			break;
		case '>':
			sbuf_adds(b, "&gt;");
			break;
		case '\'':
			sbuf_adds(b, "&apos;");
			break;
		case '"':
			sbuf_adds(b, "&quot;");
			break;
		default:
			sbuf_addc(b, *s);
			break;
		}
	}
}

/* Replace every occurrence of macro, anywhere (sed s/MACRO/value/g). */
static char *replace_all(const char *text, const char *macro, const char *value)
{
	struct sbuf b = SBUF_INIT;
	size_t mlen = strlen(macro);
	const char *p = text, *hit;

	while ((hit = strstr(p, macro))) {
		sbuf_add(&b, p, (size_t)(hit - p));
		add_xml_escaped(&b, value);
		p = hit + mlen;
	}
	sbuf_adds(&b, p);
	return sbuf_detach(&b);
}

char *tmpl_expand_macros(const struct fvm_conf *c, const char *text,
			 const struct tmpl_vars *vars)
{
	char number[16], hex[3], *cur, *next;
	struct {
		const char *macro, *value;
	} m[6];
	size_t i;

	if (vars->number < 0) {
		/* fast-vm's base VM: VM_NUMBER is the word, the hex is 01 */
		snprintf(number, sizeof(number), "base");
		snprintf(hex, sizeof(hex), "01");
	} else {
		snprintf(number, sizeof(number), "%d", vars->number);
		vm_hex(vars->number, hex);
	}
	/* fast-vm's order: each sed expression sees the previous ones'
	 * output */
	m[0].macro = "VM_NAME", m[0].value = vars->vm_name;
	m[1].macro = "THINPOOL_VG",
	m[1].value = c->thinpool_vg ? c->thinpool_vg : "";
	m[2].macro = "LIBVIRT_NETWORK", m[2].value = c->libvirt_network;
	m[3].macro = "VM_NUMBER", m[3].value = number;
	m[4].macro = "VM_HEX_NUMBER", m[4].value = hex;
	m[5].macro = "IMAGE_NAME", m[5].value = vars->image;

	cur = xstrdup(text);
	for (i = 0; i < 6; i++) {
		next = replace_all(cur, m[i].macro,
				   m[i].value ? m[i].value : "");
		free(cur);
		cur = next;
	}
	return cur;
}

/* --- the tree --- */

static bool name_is(const xmlNode *n, const char *name)
{
	return n && n->type == XML_ELEMENT_NODE &&
	       xmlStrcmp(n->name, BAD_CAST name) == 0;
}

static xmlNode *first_child(xmlNode *parent, const char *name)
{
	xmlNode *n;

	for (n = parent ? parent->children : NULL; n; n = n->next)
		if (name_is(n, name))
			return n;
	return NULL;
}

/* An attribute's value compared without a copy the caller must free. */
static bool attr_is(xmlNode *n, const char *attr, const char *value)
{
	xmlChar *v = xmlGetProp(n, BAD_CAST attr);
	bool same = v && strcmp((const char *)v, value) == 0;

	xmlFree(v);
	return same;
}

static bool has_attr(xmlNode *n, const char *attr)
{
	return xmlHasProp(n, BAD_CAST attr) != NULL;
}

static void set_attr(xmlNode *n, const char *attr, const char *value)
{
	xmlSetProp(n, BAD_CAST attr, BAD_CAST value);
}

/* Remove parent's children called name, all but keep. */
static void remove_children(xmlNode *parent, const char *name,
			    const xmlNode *keep)
{
	xmlNode *n, *next;

	for (n = parent->children; n; n = next) {
		next = n->next;
		if (n != keep && name_is(n, name)) {
			xmlUnlinkNode(n);
			xmlFreeNode(n);
		}
	}
}

/* The system disk: the first device='disk' disk (libvirt's default
 * device is disk). */
static xmlNode *system_disk(xmlNode *devices)
{
	xmlNode *n;
	xmlChar *dev;
	bool is_disk;

	for (n = devices ? devices->children : NULL; n; n = n->next) {
		if (!name_is(n, "disk"))
			continue;
		dev = xmlGetProp(n, BAD_CAST "device");
		is_disk = !dev || strcmp((const char *)dev, "disk") == 0;
		xmlFree(dev);
		if (is_disk)
			return n;
	}
	return NULL;
}

/* Put node before parent's first element (after leading whitespace). */
static void insert_first(xmlNode *parent, xmlNode *node)
{
	xmlNode *n;

	for (n = parent->children; n; n = n->next)
		if (n->type == XML_ELEMENT_NODE)
			break;
	if (!n) {
		xmlAddChild(parent, node);
		return;
	}
	xmlAddPrevSibling(n, node);
	/* keep the template's indentation for the element that follows */
	if (node->prev && xmlNodeIsText(node->prev) &&
	    xmlIsBlankNode(node->prev))
		xmlAddNextSibling(
			node, xmlNewDocText(parent->doc, node->prev->content));
}

static int rewrite_disk(xmlNode *devices, const struct store_disk *d)
{
	xmlNode *disk, *source, *old, *driver;
	bool block = strcmp(d->type, "block") == 0;

	disk = system_disk(devices);
	if (!disk)
		return err_set(
			FVM_EXIT_FAIL,
			"template has no system disk (<disk device='disk'>)");
	set_attr(disk, "type", d->type);

	driver = first_child(disk, "driver");
	if (!driver) {
		driver =
			xmlNewDocNode(disk->doc, NULL, BAD_CAST "driver", NULL);
		insert_first(disk, driver);
	}
	if (!has_attr(driver, "name"))
		set_attr(driver, "name", "qemu");
	set_attr(driver, "type", d->format);
	/* qemu's aio=native needs O_DIRECT: on a file that is cache none
	 * (or directsync); a block device template already says so */
	if (!block && attr_is(driver, "io", "native") &&
	    !attr_is(driver, "cache", "none") &&
	    !attr_is(driver, "cache", "directsync"))
		set_attr(driver, "cache", "none");

	/* the new source takes the old one's place; a backingStore described
	 * the old source and would lie about the new one */
	source = xmlNewDocNode(disk->doc, NULL, BAD_CAST "source", NULL);
	set_attr(source, block ? "dev" : "file", d->path);
	old = first_child(disk, "source");
	if (old)
		xmlAddPrevSibling(old, source);
	else
		xmlAddNextSibling(driver, source);
	remove_children(disk, "source", source);
	remove_children(disk, "backingStore", NULL);
	return 0;
}

/* fast-vm reads the MAC with
 * //interface[.//source[@network='LIBVIRT_NETWORK']]/mac/@address: any
 * interface whose source names the network, whatever its type. */
static xmlNode *network_nic(xmlNode *devices, const char *network)
{
	xmlNode *n, *s;

	for (n = devices ? devices->children : NULL; n; n = n->next) {
		if (!name_is(n, "interface"))
			continue;
		for (s = n->children; s; s = s->next)
			if (name_is(s, "source") &&
			    attr_is(s, "network", network))
				return n;
	}
	return NULL;
}

static void set_nic_mac(xmlNode *devices, const char *network, const char *mac,
			char **mac_out)
{
	xmlNode *nic = network_nic(devices, network), *m;
	xmlChar *addr;

	if (!nic)
		return;
	m = first_child(nic, "mac");
	addr = m ? xmlGetProp(m, BAD_CAST "address") : NULL;
	if (addr && *addr) {
		if (mac_out)
			*mac_out = xstrdup((const char *)addr);
		xmlFree(addr);
		return;
	}
	xmlFree(addr);
	if (!mac)
		return;
	if (!m) {
		m = xmlNewDocNode(nic->doc, NULL, BAD_CAST "mac", NULL);
		insert_first(nic, m);
	}
	set_attr(m, "address", mac);
	if (mac_out)
		*mac_out = xstrdup(mac);
}

static void apply_domain_type(xmlNode *root, const struct tmpl_vars *vars)
{
	const char *want = NULL;
	xmlNode *cpu;

	switch (vars->domain_type) {
	case FVM_DOMTYPE_QEMU:
		want = "qemu";
		break;
	case FVM_DOMTYPE_KVM:
		want = "kvm";
		break;
	case FVM_DOMTYPE_AUTO:
		if (attr_is(root, "type", "kvm") && !vars->kvm_usable)
			want = "qemu";
		break;
	}
	if (want)
		set_attr(root, "type", want);
	if (!attr_is(root, "type", "qemu"))
		return;
	/* TCG cannot pass the host CPU through (qemu's -cpu host needs
	 * KVM), so such a domain would define and then never start;
	 * host-model works under TCG: libvirt computes it from what TCG
	 * emulates */
	cpu = first_child(root, "cpu");
	if (cpu && attr_is(cpu, "mode", "host-passthrough")) {
		xmlUnlinkNode(cpu);
		xmlFreeNode(cpu);
	}
}

static char *serialize(xmlDoc *doc)
{
	xmlBuffer *buf = xmlBufferCreate();
	xmlSaveCtxt *save;
	char *out = NULL;

	if (!buf)
		goto out_fail;
	/* no XML declaration: libvirt's own dumps have none */
	save = xmlSaveToBuffer(buf, "UTF-8", XML_SAVE_NO_DECL);
	if (!save) {
		xmlBufferFree(buf);
		goto out_fail;
	}
	if (xmlSaveDoc(save, doc) < 0) {
		xmlSaveClose(save);
		xmlBufferFree(buf);
		goto out_fail;
	}
	xmlSaveClose(save);
	out = xstrndup((const char *)xmlBufferContent(buf),
		       (size_t)xmlBufferLength(buf));
	xmlBufferFree(buf);
	return out;

out_fail:
	err_set(FVM_EXIT_FAIL, "cannot serialize the domain XML");
	return NULL;
}

static bool has_doctype(const char *text)
{
	const char *p;

	for (p = text; (p = strchr(p, '<')); p++)
		if (strncasecmp(p, "<!DOCTYPE", 9) == 0)
			return true;
	return false;
}

static xmlDoc *parse_domain(const char *text, size_t len)
{
	xmlParserCtxt *ctxt;
	const xmlError *e;
	xmlDoc *doc;
	size_t mlen;

	ctxt = xmlNewParserCtxt();
	if (!ctxt) {
		err_set(FVM_EXIT_FAIL, "cannot create an XML parser");
		return NULL;
	}
	/* no network, no DTD, no entity substitution; errors come back
	 * through the context instead of stderr */
	doc = xmlCtxtReadMemory(ctxt, text, (int)len, "template", NULL,
				XML_PARSE_NONET | XML_PARSE_NOERROR |
					XML_PARSE_NOWARNING);
	if (!doc || !ctxt->wellFormed) {
		e = xmlCtxtGetLastError(ctxt);
		if (e && e->message) {
			mlen = strlen(e->message);
			while (mlen && e->message[mlen - 1] == '\n')
				mlen--;
			err_set(FVM_EXIT_FAIL, "malformed XML at line %d: %.*s",
				e->line, (int)mlen, e->message);
		} else {
			err_set(FVM_EXIT_FAIL, "malformed XML");
		}
		xmlFreeDoc(doc);
		xmlFreeParserCtxt(ctxt);
		return NULL;
	}
	xmlFreeParserCtxt(ctxt);
	if (doc->intSubset || doc->extSubset) {
		err_set(FVM_EXIT_FAIL,
			"a DOCTYPE is not allowed in a domain template");
		xmlFreeDoc(doc);
		return NULL;
	}
	return doc;
}

char *tmpl_expand(const struct fvm_conf *c, const char *xml, size_t len,
		  const struct tmpl_vars *vars, char **mac_out)
{
	char *text = NULL, *expanded = NULL, *out = NULL;
	xmlNode *root, *devices;
	xmlDoc *doc = NULL;

	if (mac_out)
		*mac_out = NULL;
	if (len > TMPL_MAX_SIZE) {
		err_set(FVM_EXIT_FAIL, "template is larger than %d bytes",
			TMPL_MAX_SIZE);
		return NULL;
	}
	if (memchr(xml, '\0', len)) {
		err_set(FVM_EXIT_FAIL, "template contains a NUL byte");
		return NULL;
	}
	text = xstrndup(xml, len);
	/* entity declarations are where XML parsers get attacked; libvirt
	 * domains never need them */
	if (has_doctype(text)) {
		err_set(FVM_EXIT_FAIL,
			"a DOCTYPE is not allowed in a domain template");
		goto out;
	}
	/* fast-vm substitutes on the raw text (sed), so macros work in any
	 * attribute, text or comment; values are escaped so that a name with
	 * & or ' still gives well-formed XML */
	expanded = tmpl_expand_macros(c, text, vars);
	xmlInitParser();
	doc = parse_domain(expanded, strlen(expanded));
	if (!doc)
		goto out;
	root = xmlDocGetRootElement(doc);
	if (!name_is(root, "domain")) {
		err_set(FVM_EXIT_FAIL,
			"template's root element is <%s>, not <domain>",
			root ? (const char *)root->name : "");
		goto out;
	}
	devices = first_child(root, "devices");
	if (vars->disk && rewrite_disk(devices, vars->disk) < 0)
		goto out;
	set_nic_mac(devices, c->libvirt_network, vars->mac, mac_out);
	apply_domain_type(root, vars);
	out = serialize(doc);

out:
	if (!out && mac_out) {
		free(*mac_out);
		*mac_out = NULL;
	}
	xmlFreeDoc(doc);
	free(expanded);
	free(text);
	return out;
}

char *tmpl_expand_file(const struct fvm_conf *c, const char *path,
		       const struct tmpl_vars *vars, char **mac_out)
{
	char *text, *out;
	size_t len;

	if (mac_out)
		*mac_out = NULL;
	if (read_file_max(path, TMPL_MAX_SIZE, &text, &len) < 0)
		return NULL;
	out = tmpl_expand(c, text, len, vars, mac_out);
	if (!out)
		err_context("template %s", path);
	free(text);
	return out;
}
