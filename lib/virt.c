/* lib/virt.c: fvm's use of libvirt: domains, metadata, DHCP entries, events. */
#include "virt.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <limits.h>
#include <stdint.h>
#include <sys/stat.h>

#include <libvirt/virterror.h>
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/xpath.h>
#include <libxml/xpathInternals.h>

#include "err.h"
#include "privop.h"
#include "proc.h"
#include "util.h"

/* Debian's dnsmasq-utils; fast-vm calls the same program for the same
 * reason: dnsmasq keeps a released VM's lease until it expires. */
#define DHCP_RELEASE "/usr/bin/dhcp_release"

struct virt {
	virConnectPtr conn;
	bool events;
};

/* ---- errors ---- */

static void virt_quiet(void *opaque, virErrorPtr e)
{
	(void)opaque;
	(void)e;
}

static int virt_last_code(void)
{
	virErrorPtr e = virGetLastError();

	return e ? e->code : VIR_ERR_OK;
}

/* libvirt's error of this thread, kept by virt_fail before the message's
 * arguments are computed: every libvirt call, even virDomainGetName,
 * clears the last error. */
static _Thread_local virError virt_saved;

static int virt_save(void)
{
	virResetError(&virt_saved);
	virCopyLastError(&virt_saved);
	return 0;
}

/*
 * Record libvirt's last error as "WHAT: LIBVIRT'S MESSAGE". The exit code
 * class follows what libvirt said: a missing object is "not found", an
 * operation refused in the object's current state is a conflict.
 */
__attribute__((format(printf, 1, 2))) static int virt_fail_saved(
	const char *fmt, ...)
{
	char what[512];
	int code;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	switch (virt_saved.code) {
	case VIR_ERR_NO_DOMAIN:
	case VIR_ERR_NO_NETWORK:
	case VIR_ERR_NO_DOMAIN_METADATA:
		code = FVM_EXIT_NOTFOUND;
		break;
	case VIR_ERR_OPERATION_INVALID:
		code = FVM_EXIT_CONFLICT;
		break;
	default:
		code = FVM_EXIT_FAIL;
	}
	err_set(code, "%s: %s", what,
		virt_saved.message ? virt_saved.message
				   : "libvirt gave no reason");
	virResetError(&virt_saved);
	virResetLastError();
	return -1;
}

/* the comma operator saves the error before the arguments run */
#define virt_fail(...) (virt_save(), virt_fail_saved(__VA_ARGS__))

static const char *dom_name(virDomainPtr dom)
{
	const char *n = virDomainGetName(dom);

	return n ? n : "(unknown domain)";
}

static const char *net_name(virNetworkPtr net)
{
	const char *n = virNetworkGetName(net);

	return n ? n : "(unknown network)";
}

/* whether the driver refused a flag it does not know */
static bool flag_refused(void)
{
	int code = virt_last_code();

	return code == VIR_ERR_INVALID_ARG || code == VIR_ERR_NO_SUPPORT;
}

/* ---- XML ---- */

static xmlDocPtr xml_parse(const char *text, const char *what)
{
	xmlDocPtr doc;

	doc = xmlReadMemory(text, (int)strlen(text), what, NULL,
			    XML_PARSE_NONET | XML_PARSE_NOERROR |
				    XML_PARSE_NOWARNING);
	if (!doc) {
		const xmlError *e = xmlGetLastError();
		size_t len = e && e->message ? strlen(e->message) : 0;

		/* libxml2's messages end in a newline */
		while (len && isspace((unsigned char)e->message[len - 1]))
			len--;
		err_set(FVM_EXIT_USAGE, "%s is not well-formed XML: %.*s",
			what, (int)len, e ? e->message : "");
	}
	return doc;
}

static char *xml_attr(xmlNodePtr n, const char *name)
{
	xmlChar *v = xmlGetProp(n, (const xmlChar *)name);
	char *s;

	if (!v)
		return NULL;
	s = xstrdup((const char *)v);
	xmlFree(v);
	return s;
}

/* Nodes matching expr, with $var bound to value when var is set. */
static xmlXPathObjectPtr xml_find(xmlDocPtr doc, const char *expr,
				  const char *var, const char *value)
{
	xmlXPathContextPtr ctx = xmlXPathNewContext(doc);
	xmlXPathObjectPtr res;

	if (!ctx)
		abort();
	if (var)
		xmlXPathRegisterVariable(ctx, (const xmlChar *)var,
					 xmlXPathNewString(
						 (const xmlChar *)value));
	res = xmlXPathEvalExpression((const xmlChar *)expr, ctx);
	xmlXPathFreeContext(ctx);
	return res;
}

static int xml_count(xmlXPathObjectPtr r)
{
	return r && r->nodesetval ? r->nodesetval->nodeNr : 0;
}

/* ---- connection and event loop ---- */

static pthread_once_t virt_once = PTHREAD_ONCE_INIT;
static bool virt_init_ok;

static void virt_init(void)
{
	xmlInitParser();
	virt_init_ok = virInitialize() == 0;
	/* libvirt prints every error on stderr unless it has a handler;
	 * fvm reports them itself through lib/err */
	virSetErrorFunc(NULL, virt_quiet);
}

/*
 * libvirt's default event loop is one per process, so is the thread that
 * runs it: every virt opened with events shares it.
 */
static pthread_mutex_t loop_lock = PTHREAD_MUTEX_INITIALIZER;
static unsigned loop_users;
static bool loop_registered;
static pthread_t loop_thread;
static atomic_bool loop_quit;

static void *loop_run(void *arg)
{
	(void)arg;
	while (!atomic_load(&loop_quit))
		if (virEventRunDefaultImpl() < 0)
			break;
	return NULL;
}

static void loop_wake(int timer, void *opaque)
{
	(void)timer;
	(void)opaque;
}

static int loop_start(void)
{
	int rc = 0;

	pthread_mutex_lock(&loop_lock);
	/* must come before the connection is opened: drivers pick their
	 * event mechanism at open time */
	if (!loop_registered) {
		if (virEventRegisterDefaultImpl() < 0) {
			rc = virt_fail("cannot set up libvirt's event loop");
			goto out;
		}
		loop_registered = true;
	}
	if (loop_users == 0) {
		atomic_store(&loop_quit, false);
		if (pthread_create(&loop_thread, NULL, loop_run, NULL) != 0) {
			rc = err_set(FVM_EXIT_FAIL,
				     "cannot start the event loop thread");
			goto out;
		}
	}
	loop_users++;
out:
	pthread_mutex_unlock(&loop_lock);
	return rc;
}

static void loop_stop(void)
{
	pthread_mutex_lock(&loop_lock);
	if (loop_users && --loop_users == 0) {
		int timer;

		atomic_store(&loop_quit, true);
		/* a due timer ends the loop's poll(); the iteration also
		 * frees what closed connections unregistered */
		timer = virEventAddTimeout(0, loop_wake, NULL, NULL);
		pthread_join(loop_thread, NULL);
		if (timer >= 0)
			virEventRemoveTimeout(timer);
	}
	pthread_mutex_unlock(&loop_lock);
}

struct virt *virt_open(const struct fvm_conf *c, bool events)
{
	struct virt *v;
	virConnectPtr conn;

	pthread_once(&virt_once, virt_init);
	if (!virt_init_ok) {
		virt_fail("cannot initialise libvirt");
		return NULL;
	}
	if (events && loop_start() < 0)
		return NULL;
	conn = virConnectOpen(c->uri);
	if (!conn) {
		virt_fail("cannot connect to %s", c->uri);
		if (events)
			loop_stop();
		return NULL;
	}
	v = xcalloc(1, sizeof(*v));
	v->conn = conn;
	v->events = events;
	return v;
}

void virt_close(struct virt *v)
{
	if (!v)
		return;
	virConnectClose(v->conn);
	if (v->events)
		loop_stop();
	free(v);
}

virConnectPtr virt_conn(struct virt *v)
{
	return v->conn;
}

/* ---- VMs ---- */

/*
 * ${prefix}IMAGE-N with N a VM number (0-255, no leading zero): the name
 * of a VM; anything else (base VMs, other domains) is not.
 */
static bool parse_vm_name(const char *prefix, const char *name, char **image,
			  int *number)
{
	const char *rest, *dash, *d;
	long n;

	if (!str_starts(name, prefix))
		return false;
	rest = name + strlen(prefix);
	dash = strrchr(rest, '-');
	if (!dash || dash == rest)
		return false;
	d = dash + 1;
	if (!*d || strlen(d) > 3 || (d[0] == '0' && d[1]))
		return false;
	for (const char *p = d; *p; p++)
		if (!isdigit((unsigned char)*p))
			return false;
	if (!parse_int(d, 0, 255, &n))
		return false;
	*image = xstrndup(rest, (size_t)(dash - rest));
	*number = (int)n;
	return true;
}

/*
 * The description as fast-vm reads it: from the persistent definition,
 * which is all fast-vm writes (a running domain's live copy may be
 * older). A transient domain has only the live one.
 */
static char *get_description(virDomainPtr dom)
{
	char *desc = virDomainGetMetadata(dom, VIR_DOMAIN_METADATA_DESCRIPTION,
					  NULL, VIR_DOMAIN_AFFECT_CONFIG);

	if (!desc && virt_last_code() == VIR_ERR_OPERATION_INVALID) {
		virResetLastError();
		desc = virDomainGetMetadata(
			dom, VIR_DOMAIN_METADATA_DESCRIPTION, NULL, 0);
	}
	return desc;
}

/* Description in fast-vm's format, if the domain has one. */
static int load_meta(struct vm_entry *e)
{
	char *desc;

	desc = get_description(e->dom);
	if (!desc) {
		int code = virt_last_code();

		if (code == VIR_ERR_NO_DOMAIN_METADATA ||
		    code == VIR_ERR_NO_DOMAIN) {
			virResetLastError();
			return 0;
		}
		return virt_fail("cannot read the description of %s",
				 e->name);
	}
	if (meta_parse(desc, &e->meta) == 0)
		e->has_meta = true;
	else
		err_clear();
	free(desc);
	return 0;
}

void virt_vm_release(struct vm_entry *e)
{
	free(e->name);
	free(e->image);
	meta_release(&e->meta);
	if (e->dom)
		virDomainFree(e->dom);
	memset(e, 0, sizeof(*e));
}

void virt_vms_free(struct vm_entry *vms, size_t n)
{
	for (size_t i = 0; i < n; i++)
		virt_vm_release(&vms[i]);
	free(vms);
}

/*
 * libvirt has no call that returns many domains' descriptions: each is
 * one round trip. A connection carries several calls at once (the daemon
 * serves up to 5 of one client's in parallel by default), so a few
 * threads overlap them and a list of hundreds of VMs costs about as long
 * as a few dozen calls in a row.
 */
#define META_THREADS 6

struct meta_job {
	struct vm_entry *vms;
	size_t n;
	atomic_size_t next;
	pthread_mutex_t lock;
	int code;     /* the first failure's */
	char *msg;
};

static void *meta_worker(void *arg)
{
	struct meta_job *j = arg;
	size_t i;

	while ((i = atomic_fetch_add(&j->next, 1)) < j->n) {
		if (load_meta(&j->vms[i]) == 0)
			continue;
		pthread_mutex_lock(&j->lock);
		if (!j->msg) {
			j->code = err_code();
			j->msg = xstrdup(err_msg());
		}
		pthread_mutex_unlock(&j->lock);
		err_clear();
		atomic_store(&j->next, j->n);
	}
	return NULL;
}

static int load_metas(struct vm_entry *vms, size_t n)
{
	struct meta_job j = { .vms = vms, .n = n };
	pthread_t tids[META_THREADS];
	size_t started = 0;

	pthread_mutex_init(&j.lock, NULL);
	atomic_init(&j.next, 0);
	for (size_t t = 1; t < META_THREADS && t * 8 < n; t++) {
		if (pthread_create(&tids[started], NULL, meta_worker, &j))
			break;
		started++;
	}
	meta_worker(&j);
	for (size_t t = 0; t < started; t++)
		pthread_join(tids[t], NULL);
	pthread_mutex_destroy(&j.lock);
	if (j.msg) {
		err_set(j.code ? j.code : FVM_EXIT_FAIL, "%s", j.msg);
		free(j.msg);
		return -1;
	}
	return 0;
}

static int vm_cmp(const void *a, const void *b)
{
	const struct vm_entry *x = a, *y = b;

	if (x->number != y->number)
		return x->number < y->number ? -1 : 1;
	return strcmp(x->name, y->name);
}

int virt_list_vms(struct virt *v, const struct fvm_conf *c, bool with_meta,
		  struct vm_entry **vms, size_t *n)
{
	virDomainStatsRecordPtr *recs = NULL;
	struct vm_entry *out;
	size_t len = 0;
	int nrec;

	*vms = NULL;
	*n = 0;
	nrec = virConnectGetAllDomainStats(v->conn, VIR_DOMAIN_STATS_STATE,
					   &recs, 0);
	if (nrec < 0)
		return virt_fail("cannot list domains");
	out = xcalloc((size_t)nrec + 1, sizeof(*out));
	for (int i = 0; i < nrec; i++) {
		struct vm_entry *e = &out[len];
		const char *name = virDomainGetName(recs[i]->dom);
		int state = VIR_DOMAIN_NOSTATE;

		if (!name || !parse_vm_name(c->vm_prefix, name, &e->image,
					    &e->number))
			continue;
		if (virTypedParamsGetInt(recs[i]->params, recs[i]->nparams,
					 "state.state", &state) <= 0)
			state = VIR_DOMAIN_NOSTATE;
		e->name = xstrdup(name);
		e->state = state;
		e->dom = recs[i]->dom;
		virDomainRef(e->dom);
		len++;
	}
	virDomainStatsRecordListFree(recs);
	if (with_meta && load_metas(out, len) < 0) {
		virt_vms_free(out, len);
		return -1;
	}
	qsort(out, len, sizeof(*out), vm_cmp);
	*vms = out;
	*n = len;
	return 0;
}

int virt_find_vm(struct virt *v, const struct fvm_conf *c, int n,
		 struct vm_entry *out)
{
	struct vm_entry *vms;
	size_t len, found = 0, at = 0;
	int rc;

	memset(out, 0, sizeof(*out));
	if (virt_list_vms(v, c, false, &vms, &len) < 0)
		return -1;
	for (size_t i = 0; i < len; i++)
		if (vms[i].number == n) {
			if (!found)
				at = i;
			found++;
		}
	if (!found) {
		virt_vms_free(vms, len);
		return err_set(FVM_EXIT_NOTFOUND, "there is no VM %d", n);
	}
	if (found > 1) {
		struct sbuf b = SBUF_INIT;

		for (size_t i = 0; i < len; i++)
			if (vms[i].number == n)
				sbuf_addf(&b, "%s%s", b.len ? ", " : "",
					  vms[i].name);
		err_set(FVM_EXIT_CONFLICT, "VM number %d is taken by several "
					   "domains: %s",
			n, b.s);
		sbuf_release(&b);
		virt_vms_free(vms, len);
		return -1;
	}
	*out = vms[at];
	memset(&vms[at], 0, sizeof(vms[at]));
	virt_vms_free(vms, len);
	rc = load_meta(out);
	if (rc < 0)
		virt_vm_release(out);
	return rc;
}

/* ---- domains ---- */

static char *domain_xml_name(const char *xml)
{
	xmlDocPtr doc = xml_parse(xml, "domain XML");
	xmlXPathObjectPtr r;
	char *name = NULL;

	if (!doc)
		return NULL;
	r = xml_find(doc, "/domain/name", NULL, NULL);
	if (xml_count(r) == 1) {
		xmlChar *t = xmlNodeGetContent(r->nodesetval->nodeTab[0]);

		if (t && *t)
			name = xstrdup((const char *)t);
		xmlFree(t);
	}
	if (!name)
		err_set(FVM_EXIT_USAGE, "domain XML has no <name>");
	xmlXPathFreeObject(r);
	xmlFreeDoc(doc);
	return name;
}

/*
 * libvirt's schema check names no culprit ("Extra element devices in
 * interleave"); its own parser does ("Invalid value for attribute 'bus'
 * in element 'target': 'nvme'"). The in-process test driver runs that
 * parser without touching any host, so it says what is wrong. NULL when
 * the parser takes the XML (a schema-only problem).
 */
char *virt_explain_schema_error(const char *xml)
{
	virConnectPtr mock = virConnectOpen("test:///default");
	virDomainPtr dom;
	char *why = NULL;

	if (!mock)
		return NULL;
	dom = virDomainDefineXMLFlags(mock, xml, 0);
	if (dom) {
		virDomainUndefine(dom);
		virDomainFree(dom);
	} else {
		why = xstrdup(virGetLastErrorMessage());
	}
	virConnectClose(mock);
	virResetLastError();
	return why;
}

virDomainPtr virt_define(struct virt *v, const char *xml)
{
	return virt_define_opt(v, xml, true);
}

virDomainPtr virt_define_opt(struct virt *v, const char *xml, bool validate)
{
	virDomainPtr dom;
	char *name = domain_xml_name(xml);

	if (!name)
		return NULL;
	/* a define with the name and UUID of an existing domain would
	 * silently replace it */
	dom = virDomainLookupByName(v->conn, name);
	if (dom) {
		virDomainFree(dom);
		err_set(FVM_EXIT_CONFLICT, "domain %s exists already", name);
		free(name);
		return NULL;
	}
	if (virt_last_code() != VIR_ERR_NO_DOMAIN) {
		virt_fail("cannot look up domain %s", name);
		free(name);
		return NULL;
	}
	virResetLastError();
	dom = virDomainDefineXMLFlags(v->conn, xml,
				      validate ? VIR_DOMAIN_DEFINE_VALIDATE : 0);
	if (!dom) {
		/* another client may have taken the name since the lookup */
		bool taken = virt_last_code() == VIR_ERR_OPERATION_FAILED &&
			     strstr(virGetLastErrorMessage(), "already exists");
		bool schema = virt_last_code() == VIR_ERR_XML_INVALID_SCHEMA;
		char *why;

		virt_fail("cannot define domain %s", name);
		if (taken)
			err_set(FVM_EXIT_CONFLICT, "%s", err_msg());
		else if (schema && (why = virt_explain_schema_error(xml))) {
			err_set(FVM_EXIT_FAIL,
				"cannot define domain %s: the template does "
				"not validate: %s",
				name, why);
			free(why);
		}
	}
	free(name);
	return dom;
}


int virt_remove_domain(struct virt *v, virDomainPtr dom)
{
	/* from most to least thorough: drivers refuse flags they do not
	 * know (the test driver knows neither NVRAM nor checkpoints) */
	static const unsigned int flag_sets[] = {
		VIR_DOMAIN_UNDEFINE_MANAGED_SAVE |
			VIR_DOMAIN_UNDEFINE_SNAPSHOTS_METADATA |
			VIR_DOMAIN_UNDEFINE_CHECKPOINTS_METADATA |
			VIR_DOMAIN_UNDEFINE_NVRAM | VIR_DOMAIN_UNDEFINE_TPM,
		VIR_DOMAIN_UNDEFINE_MANAGED_SAVE |
			VIR_DOMAIN_UNDEFINE_SNAPSHOTS_METADATA |
			VIR_DOMAIN_UNDEFINE_NVRAM,
		VIR_DOMAIN_UNDEFINE_MANAGED_SAVE |
			VIR_DOMAIN_UNDEFINE_SNAPSHOTS_METADATA,
		0,
	};
	int active, persistent;

	(void)v;
	active = virDomainIsActive(dom);
	if (active < 0)
		goto gone_or_fail;
	if (active && virDomainDestroy(dom) < 0 &&
	    virt_last_code() != VIR_ERR_OPERATION_INVALID)
		goto gone_or_fail;
	persistent = virDomainIsPersistent(dom);
	if (persistent < 0)
		goto gone_or_fail;
	if (!persistent)
		return 0;
	for (size_t i = 0; i < sizeof(flag_sets) / sizeof(flag_sets[0]); i++) {
		if (virDomainUndefineFlags(dom, flag_sets[i]) == 0) {
			virResetLastError();
			return 0;
		}
		if (!flag_refused())
			break;
	}
gone_or_fail:
	if (virt_last_code() == VIR_ERR_NO_DOMAIN) {
		virResetLastError();
		return 0;
	}
	return virt_fail("cannot remove domain %s", dom_name(dom));
}

/* AFFECT flags reaching the domain's definition and, when it runs, the
 * running instance: libvirt refuses CONFIG on a transient domain and
 * LIVE on a stopped one. */
static int dom_affect(virDomainPtr dom, unsigned int *flags)
{
	int active = virDomainIsActive(dom), persistent;

	if (active < 0)
		return virt_fail("cannot get the state of %s", dom_name(dom));
	persistent = virDomainIsPersistent(dom);
	if (persistent < 0)
		return virt_fail("cannot get the state of %s", dom_name(dom));
	*flags = (active ? VIR_DOMAIN_AFFECT_LIVE : 0) |
		 (persistent ? VIR_DOMAIN_AFFECT_CONFIG : 0);
	return 0;
}

int virt_set_meta(virDomainPtr dom, int n, const struct vm_meta *m)
{
	unsigned int flags = 0;
	char *desc, *title;
	int rc = 0;

	if (dom_affect(dom, &flags) < 0)
		return -1;
	desc = meta_format_description(m);
	title = meta_format_title(n, m);
	if (virDomainSetMetadata(dom, VIR_DOMAIN_METADATA_DESCRIPTION, desc,
				 NULL, NULL, flags) < 0)
		rc = virt_fail("cannot set the description of %s",
			       dom_name(dom));
	else if (virDomainSetMetadata(dom, VIR_DOMAIN_METADATA_TITLE, title,
				      NULL, NULL, flags) < 0)
		rc = virt_fail("cannot set the title of %s", dom_name(dom));
	free(desc);
	free(title);
	return rc;
}

/* Set (or replace) the child element name of the domain's root, placed
 * where libvirt writes it: right after <uuid>, or else after <name>. */
static void xml_set_child(xmlDocPtr doc, const char *name, const char *text)
{
	xmlNodePtr root = xmlDocGetRootElement(doc), node, after = NULL;

	for (node = root->children; node; node = node->next) {
		if (node->type != XML_ELEMENT_NODE)
			continue;
		if (!xmlStrcmp(node->name, (const xmlChar *)name)) {
			xmlNodeSetContent(node, NULL);
			xmlNodeAddContent(node, (const xmlChar *)text);
			return;
		}
		if (!xmlStrcmp(node->name, (const xmlChar *)"name") ||
		    !xmlStrcmp(node->name, (const xmlChar *)"uuid") ||
		    !xmlStrcmp(node->name, (const xmlChar *)"title"))
			after = node;
	}
	node = xmlNewDocNode(doc, NULL, (const xmlChar *)name, NULL);
	xmlNodeAddContent(node, (const xmlChar *)text);
	if (after)
		xmlAddNextSibling(after, node);
	else if (root->children)
		xmlAddPrevSibling(root->children, node);
	else
		xmlAddChild(root, node);
}

char *virt_xml_set_meta(const char *xml, int n, const struct vm_meta *m)
{
	xmlDocPtr doc = xml_parse(xml, "domain XML");
	xmlChar *text = NULL;
	char *desc, *title, *out;
	int len = 0;

	if (!doc)
		return NULL;
	if (!xmlDocGetRootElement(doc)) {
		xmlFreeDoc(doc);
		err_set(FVM_EXIT_USAGE, "domain XML has no root element");
		return NULL;
	}
	desc = meta_format_description(m);
	title = meta_format_title(n, m);
	xml_set_child(doc, "title", title);
	xml_set_child(doc, "description", desc);
	xmlDocDumpMemory(doc, &text, &len);
	if (!text)
		abort();
	out = xstrndup((const char *)text, (size_t)len);
	xmlFree(text);
	xmlFreeDoc(doc);
	free(desc);
	free(title);
	return out;
}

int virt_get_meta(virDomainPtr dom, struct vm_meta *m)
{
	char *desc;
	int rc;

	memset(m, 0, sizeof(*m));
	desc = get_description(dom);
	if (!desc) {
		if (virt_last_code() == VIR_ERR_NO_DOMAIN_METADATA) {
			virResetLastError();
			return err_set(FVM_EXIT_NOTFOUND,
				       "domain %s has no description",
				       dom_name(dom));
		}
		return virt_fail("cannot read the description of %s",
				 dom_name(dom));
	}
	rc = meta_parse(desc, m);
	if (rc < 0)
		err_context("domain %s", dom_name(dom));
	free(desc);
	return rc;
}

char *virt_domain_mac(virDomainPtr dom, const char *network)
{
	char *xml, *mac = NULL;
	xmlDocPtr doc;
	xmlXPathObjectPtr r;

	xml = virDomainGetXMLDesc(dom, 0);
	if (!xml) {
		virt_fail("cannot read the definition of %s", dom_name(dom));
		return NULL;
	}
	doc = xml_parse(xml, "domain XML");
	free(xml);
	if (!doc)
		return NULL;
	/* fast-vm takes the first NIC whose source names the network */
	r = xml_find(doc, "/domain/devices/interface[source/@network=$net]/mac",
		     "net", network);
	if (xml_count(r) > 0)
		mac = xml_attr(r->nodesetval->nodeTab[0], "address");
	if (!mac)
		err_set(FVM_EXIT_NOTFOUND,
			"domain %s has no network interface on %s",
			dom_name(dom), network);
	xmlXPathFreeObject(r);
	xmlFreeDoc(doc);
	return mac;
}

/* Drivers differ in the error code for starting a running domain or
 * stopping a stopped one: the state decides that it is a conflict. */
int virt_start(virDomainPtr dom)
{
	if (virDomainCreateWithFlags(dom, 0) == 0)
		return 0;
	virt_fail("cannot start %s", dom_name(dom));
	if (virDomainIsActive(dom) == 1)
		err_set(FVM_EXIT_CONFLICT, "cannot start %s: it is running",
			dom_name(dom));
	virResetLastError();
	return -1;
}

int virt_destroy(virDomainPtr dom)
{
	if (virDomainDestroyFlags(dom, 0) == 0)
		return 0;
	virt_fail("cannot stop %s", dom_name(dom));
	if (virDomainIsActive(dom) == 0)
		err_set(FVM_EXIT_CONFLICT, "cannot stop %s: it is not running",
			dom_name(dom));
	virResetLastError();
	return -1;
}

int virt_shutdown(virDomainPtr dom)
{
	if (virDomainShutdownFlags(dom, VIR_DOMAIN_SHUTDOWN_ACPI_POWER_BTN) == 0)
		return 0;
	/* a driver without the ACPI method (the test driver) has one way */
	if (flag_refused() && virDomainShutdown(dom) == 0)
		return 0;
	return virt_fail("cannot shut down %s", dom_name(dom));
}

const char *virt_state_name(int state)
{
	/* virsh's words, which fast-vm's list shows */
	switch (state) {
	case VIR_DOMAIN_NOSTATE:
		return "no state";
	case VIR_DOMAIN_RUNNING:
		return "running";
	case VIR_DOMAIN_BLOCKED:
		return "idle";
	case VIR_DOMAIN_PAUSED:
		return "paused";
	case VIR_DOMAIN_SHUTDOWN:
		return "in shutdown";
	case VIR_DOMAIN_SHUTOFF:
		return "shut off";
	case VIR_DOMAIN_CRASHED:
		return "crashed";
	case VIR_DOMAIN_PMSUSPENDED:
		return "pmsuspended";
	default:
		return "unknown";
	}
}

/* ---- waiting for a state ---- */

/* Shared with the event loop thread; freed by libvirt (through
 * waiter_free) once the callback can no longer run. */
struct waiter {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	unsigned long events;
};

static int waiter_event(virConnectPtr conn, virDomainPtr dom, int event,
			int detail, void *opaque)
{
	struct waiter *w = opaque;

	(void)conn;
	(void)dom;
	(void)event;
	(void)detail;
	pthread_mutex_lock(&w->lock);
	w->events++;
	pthread_cond_broadcast(&w->cond);
	pthread_mutex_unlock(&w->lock);
	return 0;
}

static void waiter_free(void *opaque)
{
	struct waiter *w = opaque;

	pthread_cond_destroy(&w->cond);
	pthread_mutex_destroy(&w->lock);
	free(w);
}

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* The domain's state; a transient domain that is gone is shut off. */
static int dom_state(virDomainPtr dom, int *state)
{
	int reason;

	if (virDomainGetState(dom, state, &reason, 0) == 0)
		return 0;
	if (virt_last_code() == VIR_ERR_NO_DOMAIN) {
		virResetLastError();
		*state = VIR_DOMAIN_SHUTOFF;
		return 0;
	}
	return virt_fail("cannot get the state of %s", dom_name(dom));
}

int virt_wait_state(struct virt *v, virDomainPtr dom, int state,
		    int timeout_ms)
{
	struct waiter *w;
	pthread_condattr_t attr;
	long long deadline = now_ms() + timeout_ms;
	int id, cur = VIR_DOMAIN_NOSTATE, rc;

	if (!v->events)
		return err_set(FVM_EXIT_FAIL, "waiting for %s needs events "
					      "(virt_open with events)",
			       dom_name(dom));
	w = xcalloc(1, sizeof(*w));
	pthread_mutex_init(&w->lock, NULL);
	pthread_condattr_init(&attr);
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	pthread_cond_init(&w->cond, &attr);
	pthread_condattr_destroy(&attr);
	/* registered before the state is read, so no change falls between */
	id = virConnectDomainEventRegisterAny(
		v->conn, dom, VIR_DOMAIN_EVENT_ID_LIFECYCLE,
		VIR_DOMAIN_EVENT_CALLBACK(waiter_event), w, waiter_free);
	if (id < 0) {
		waiter_free(w);
		return virt_fail("cannot watch %s for state changes",
				 dom_name(dom));
	}
	for (;;) {
		unsigned long seen;
		long long left;

		pthread_mutex_lock(&w->lock);
		seen = w->events;
		pthread_mutex_unlock(&w->lock);
		rc = dom_state(dom, &cur);
		if (rc < 0 || cur == state)
			break;
		left = deadline - now_ms();
		if (timeout_ms >= 0 && left <= 0) {
			rc = err_set(FVM_EXIT_FAIL,
				     "timed out after %d s waiting for %s to "
				     "be %s (it is %s)",
				     (timeout_ms + 999) / 1000, dom_name(dom),
				     virt_state_name(state),
				     virt_state_name(cur));
			break;
		}
		/* the state is read again at least every second: an event
		 * lost with a dropped connection must not cost the whole
		 * timeout */
		if (timeout_ms < 0 || left > 1000)
			left = 1000;
		pthread_mutex_lock(&w->lock);
		if (w->events == seen) {
			struct timespec ts;
			long long until = now_ms() + left;

			ts.tv_sec = until / 1000;
			ts.tv_nsec = (until % 1000) * 1000000;
			while (w->events == seen &&
			       pthread_cond_timedwait(&w->cond, &w->lock,
						      &ts) == 0)
				;
		}
		pthread_mutex_unlock(&w->lock);
	}
	if (virConnectDomainEventDeregisterAny(v->conn, id) < 0)
		virResetLastError();
	return rc;
}

/* ---- DHCP host entries ---- */

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
#define IN_LIVE VIR_NETWORK_UPDATE_AFFECT_LIVE
#define IN_CONFIG VIR_NETWORK_UPDATE_AFFECT_CONFIG

#define DNSMASQ_NS "http://libvirt.org/schemas/network/dnsmasq/1.0"
#define HOSTSDIR_OPT "dhcp-hostsdir="
/* where libvirt's system daemon keeps each network's dnsmasq pid */
#define DNSMASQ_PID_DIR "/run/libvirt/network"

struct host_set {
	struct dhcp_host *h;
	unsigned int *where;
	size_t n;
	char *hostsdir;         /* the network's dhcp-hostsdir, or NULL */
	struct dhcp_host *file; /* the entries of its files */
	char **path;            /* the file each came from */
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
	virt_dhcp_hosts_free(s->h, s->n);
	free(s->where);
	virt_dhcp_hosts_free(s->file, s->nfile);
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
				 net_name(net));
	*targets = (active ? IN_LIVE : 0) | (persistent ? IN_CONFIG : 0);
	return 0;
}

/* The dhcp-hostsdir the network hands dnsmasq, or NULL. */
static char *hostsdir_option(xmlDocPtr doc)
{
	xmlXPathObjectPtr r;
	char *dir = NULL;

	r = xml_find(doc,
		     "/network/*[local-name()='options' and "
		     "namespace-uri()='" DNSMASQ_NS "']"
		     "/*[local-name()='option']",
		     NULL, NULL);
	for (int i = 0; i < xml_count(r) && !dir; i++) {
		char *value = xml_attr(r->nodesetval->nodeTab[i], "value");

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
	if (!xml && xml_flags && flag_refused()) {
		virResetLastError();
		xml = virNetworkGetXMLDesc(net, 0);
	}
	if (!xml)
		return virt_fail("cannot read network %s",
				 net_name(net));
	doc = xml_parse(xml, "network XML");
	free(xml);
	if (!doc)
		return -1;
	if (want_dir && !s->hostsdir)
		s->hostsdir = hostsdir_option(doc);
	r = xml_find(doc,
		     "/network/ip[not(@family) or @family='ipv4']/dhcp/host",
		     NULL, NULL);
	for (int i = 0; i < xml_count(r); i++) {
		xmlNodePtr node = r->nodesetval->nodeTab[i];
		struct dhcp_host h = {
			.mac = xml_attr(node, "mac"),
			.ip = xml_attr(node, "ip"),
			.name = xml_attr(node, "name"),
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
		return err_set(errno == ENOENT ? FVM_EXIT_NOTFOUND
					       : FVM_EXIT_FAIL,
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
	*pid = dnsmasq_pid(net_name(net));
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

/* Write the entry's file, named after its IP, in one rename. */
static int hostsdir_write(const char *dir, const struct dhcp_host *h)
{
	char *path = xasprintf("%s/%s", dir, h->ip);
	char *tmp = xasprintf("%s/.%s.%ld", dir, h->ip, (long)getpid());
	char *line = dns_name_ok(h->name)
			     ? xasprintf("%s,%s,%s\n", h->mac, h->ip, h->name)
			     : xasprintf("%s,%s\n", h->mac, h->ip);
	size_t len = strlen(line);
	int fd, rc = 0;

	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW,
		  0644);
	if (fd < 0 || write(fd, line, len) != (ssize_t)len ||
	    fchmod(fd, 0644) < 0 || fsync(fd) < 0) {
		rc = err_set(FVM_EXIT_FAIL, "cannot write %s: %s", tmp,
			     strerror(errno ? errno : EIO));
		if (fd >= 0)
			close(fd);
		unlink(tmp);
	} else if (close(fd) < 0 || rename(tmp, path) < 0) {
		rc = err_set(FVM_EXIT_FAIL, "cannot write %s: %s", path,
			     strerror(errno));
		unlink(tmp);
	}
	free(line);
	free(tmp);
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
			       command == VIR_NETWORK_UPDATE_COMMAND_DELETE
				       ? "remove"
				       : "add",
			       xml, net_name(net));
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

int virt_dhcp_add(struct virt *v, const char *network, const char *mac,
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
		return err_set(FVM_EXIT_USAGE, "a DHCP host needs a MAC and an IP");
	net = net_open(v, network);
	if (!net)
		return -1;
	if (collect_hosts(net, &s) < 0) {
		virNetworkFree(net);
		return -1;
	}
	use_dir = hostsdir_usable(&s, net, &targets, &pid);
	if (!use_dir)
		rc = net_targets(net, &targets);
	for (size_t i = 0; i < s.n && rc == 0; i++) {
		struct dhcp_host *h = &s.h[i];

		if (!host_clashes(h, mac, ip, name) ||
		    (rc = net_targets(net, &targets)) < 0)
			continue;
		if (!use_dir && mac_eq(h->mac, mac) && str_eq(h->ip, ip) &&
		    str_eq(h->name, name) && (s.where[i] & targets) == targets) {
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
		rc = use_dir ? hostsdir_write(s.hostsdir, &want)
			     : host_update(net,
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

int virt_dhcp_remove(struct virt *v, const char *network, const char *mac,
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
	net = net_open(v, network);
	if (!net)
		return -1;
	if (collect_hosts(net, &s) < 0) {
		virNetworkFree(net);
		return -1;
	}
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

int virt_dhcp_hosts(struct virt *v, const char *network,
		    struct dhcp_host **hosts, size_t *n)
{
	struct host_set s;
	virNetworkPtr net;

	*hosts = NULL;
	*n = 0;
	net = net_open(v, network);
	if (!net)
		return -1;
	if (collect_hosts(net, &s) < 0) {
		virNetworkFree(net);
		return -1;
	}
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

void virt_dhcp_hosts_free(struct dhcp_host *hosts, size_t n)
{
	for (size_t i = 0; i < n; i++)
		host_release(&hosts[i]);
	free(hosts);
}

char *virt_lease_ip(struct virt *v, const char *network, const char *mac)
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

int virt_release_lease(struct virt *v, const char *network, const char *mac,
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

bool virt_kvm_usable(struct virt *v)
{
	char *caps;
	int fd;

	caps = virConnectGetDomainCapabilities(v->conn, NULL, NULL, NULL, "kvm",
					       0);
	if (!caps) {
		virResetLastError();
		return false;
	}
	free(caps);
	fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return false;
	close(fd);
	return true;
}

int virt_dhcp_leases(struct virt *v, const char *network,
		     struct dhcp_lease **leases, size_t *n)
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

void virt_dhcp_leases_free(struct dhcp_lease *leases, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(leases[i].mac);
		free(leases[i].ip);
	}
	free(leases);
}
