/* lib/virt.c: fvm's use of libvirt: connection, domains, metadata, events. */
#include "virt.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <limits.h>
#include <stdint.h>

#include <libvirt/virterror.h>
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/xpath.h>
#include <libxml/xpathInternals.h>

#include "err.h"
#include "util.h"
#include "virt-priv.h"

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

int virt_save(void)
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
int virt_fail_saved(const char *fmt, ...)
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
		virt_saved.message ? virt_saved.message :
				     "libvirt gave no reason");
	virResetError(&virt_saved);
	virResetLastError();
	return -1;
}

static const char *dom_name(virDomainPtr dom)
{
	const char *n = virDomainGetName(dom);

	return n ? n : "(unknown domain)";
}

const char *virt_net_name(virNetworkPtr net)
{
	const char *n = virNetworkGetName(net);

	return n ? n : "(unknown network)";
}

/* whether the driver refused a flag it does not know */
bool virt_flag_refused(void)
{
	int code = virt_last_code();

	return code == VIR_ERR_INVALID_ARG || code == VIR_ERR_NO_SUPPORT;
}

/* ---- XML ---- */

xmlDocPtr virt_xml_parse(const char *text, const char *what)
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
		err_set(FVM_EXIT_USAGE, "%s is not well-formed XML: %.*s", what,
			(int)len, e ? e->message : "");
	}
	return doc;
}

char *virt_xml_attr(xmlNodePtr n, const char *name)
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
xmlXPathObjectPtr virt_xml_find(xmlDocPtr doc, const char *expr,
				const char *var, const char *value)
{
	xmlXPathContextPtr ctx = xmlXPathNewContext(doc);
	xmlXPathObjectPtr res;

	if (!ctx)
		abort();
	if (var)
		xmlXPathRegisterVariable(
			ctx, (const xmlChar *)var,
			xmlXPathNewString((const xmlChar *)value));
	res = xmlXPathEvalExpression((const xmlChar *)expr, ctx);
	xmlXPathFreeContext(ctx);
	return res;
}

int virt_xml_count(xmlXPathObjectPtr r)
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
	conn = virConnectOpen(c->connect_uri);
	if (!conn) {
		if (c->connect_from == CONF_URI_CONFIG)
			virt_fail("cannot connect to %s (FVM_URI in %s)",
				  c->connect_uri, c->path);
		else if (c->connect_from == CONF_URI_DEFAULT)
			virt_fail("cannot connect to %s", c->connect_uri);
		else
			virt_fail("cannot connect to %s (from %s)",
				  c->connect_uri,
				  conf_uri_from_name(c->connect_from));
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
		return virt_fail("cannot read the description of %s", e->name);
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
	int code; /* the first failure's */
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

		if (!name ||
		    !parse_vm_name(c->vm_prefix, name, &e->image, &e->number))
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
		err_set(FVM_EXIT_CONFLICT,
			"VM number %d is taken by several "
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
	xmlDocPtr doc = virt_xml_parse(xml, "domain XML");
	xmlXPathObjectPtr r;
	char *name = NULL;

	if (!doc)
		return NULL;
	r = virt_xml_find(doc, "/domain/name", NULL, NULL);
	if (virt_xml_count(r) == 1) {
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
	dom = virDomainDefineXMLFlags(
		v->conn, xml, validate ? VIR_DOMAIN_DEFINE_VALIDATE : 0);
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
		if (!virt_flag_refused())
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
	xmlDocPtr doc = virt_xml_parse(xml, "domain XML");
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
	doc = virt_xml_parse(xml, "domain XML");
	free(xml);
	if (!doc)
		return NULL;
	/* fast-vm takes the first NIC whose source names the network */
	r = virt_xml_find(doc,
			  "/domain/devices/interface[source/@network=$net]/mac",
			  "net", network);
	if (virt_xml_count(r) > 0)
		mac = virt_xml_attr(r->nodesetval->nodeTab[0], "address");
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
	if (virDomainShutdownFlags(dom, VIR_DOMAIN_SHUTDOWN_ACPI_POWER_BTN) ==
	    0)
		return 0;
	/* a driver without the ACPI method (the test driver) has one way */
	if (virt_flag_refused() && virDomainShutdown(dom) == 0)
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

int virt_wait_state(struct virt *v, virDomainPtr dom, int state, int timeout_ms)
{
	struct waiter *w;
	pthread_condattr_t attr;
	long long deadline = now_ms() + timeout_ms;
	int id, cur = VIR_DOMAIN_NOSTATE, rc;

	if (!v->events)
		return err_set(FVM_EXIT_FAIL,
			       "waiting for %s needs events "
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
