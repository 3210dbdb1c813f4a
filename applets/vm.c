/* applets/vm.c: connections, lookups and parallel runs shared by VM applets. */
#include <pthread.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "../lib/par.h"
#include "vm.h"

static pthread_mutex_t open_mu = PTHREAD_MUTEX_INITIALIZER;

struct virt *vm_virt(bool events)
{
	static struct virt *v;

	pthread_mutex_lock(&open_mu);
	if (!v && !(v = virt_open(applet_conf(), events)))
		die_err();
	pthread_mutex_unlock(&open_mu);
	return v;
}

struct store *vm_store(void)
{
	static struct store *s;

	pthread_mutex_lock(&open_mu);
	if (!s && !(s = store_open(applet_conf())))
		die_err();
	pthread_mutex_unlock(&open_mu);
	return s;
}

void vm_parse_numbers(int argc, char **argv, struct vmlist *l)
{
	struct fvm_conf *c = applet_conf();

	if (argc < 1)
		usage_error("no VM number given");
	if (vmnum_parse(argc, argv, c->vm_min, c->vm_max, l) < 0)
		usage_error("%s", err_msg());
}

const char *vm_user(void)
{
	static char name[256];
	struct passwd *pw;

	if (name[0])
		return name;
	pw = getpwuid(getuid());
	if (pw)
		snprintf(name, sizeof(name), "%s", pw->pw_name);
	else
		snprintf(name, sizeof(name), "%u", (unsigned)getuid());
	return name;
}

int vm_touch(struct vm_entry *e)
{
	/* as fast-vm: a VM without valid metadata gets some, owned by root */
	if (!e->has_meta) {
		warning("VM %d has no fast-vm metadata: giving it some, owned "
			"by root",
			e->number);
		meta_release(&e->meta);
		e->meta.owner = xstrdup("root");
		e->meta.note = xstrdup("");
		e->has_meta = true;
	}
	e->meta.activity = time(NULL);
	return virt_set_meta(e->dom, e->number, &e->meta);
}

int vm_lock(struct lock *l, int n)
{
	char name[32], what[32];

	snprintf(name, sizeof(name), "vm-%d", n);
	snprintf(what, sizeof(what), "VM %d", n);
	return lock_take(l, name, what, true, LOCK_WAIT_MS);
}

struct each {
	const struct vmlist *l;
	vm_job job;
	void *ctx;
};

static int each_job(size_t i, void *ctx)
{
	struct each *e = ctx;

	return e->job(e->l->n[i], e->ctx);
}

/* enough to overlap libvirt and storage round trips, few enough that a
 * 200-VM range does not open 200 connections' worth of work at once */
#define VM_PARALLEL 4

int vm_run_each(const struct vmlist *l, vm_job job, void *ctx,
		const char *verb, bool quiet)
{
	struct each e = { l, job, ctx };
	int *codes = xcalloc(l->len, sizeof(int));
	size_t failed = 0;
	int worst;

	worst = par_run(l->len, VM_PARALLEL, each_job, &e, l->n, codes);
	for (size_t i = 0; i < l->len; i++)
		if (codes[i])
			failed++;
	if (l->len > 1 && (!quiet || failed)) {
		struct sbuf sb = SBUF_INIT;

		for (size_t i = 0; i < l->len; i++)
			if (codes[i])
				sbuf_addf(&sb, "%s%d", sb.len ? " " : "",
					  l->n[i]);
		if (failed)
			fprintf(stderr, "%s: %zu of %zu %s, failed: %s\n",
				prog_name, l->len - failed, l->len, verb, sb.s);
		else
			fprintf(stderr, "%s: %zu of %zu %s\n", prog_name,
				l->len, l->len, verb);
		sbuf_release(&sb);
	}
	free(codes);
	return worst;
}

char *vm_known_hosts_path(int n)
{
	return xasprintf("%s/known_hosts/%d", applet_conf()->state_dir, n);
}

void vm_iso_time(time_t t, char buf[32])
{
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(buf, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}
