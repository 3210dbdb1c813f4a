/* cli/vm.c: connections, lookups and parallel runs shared by VM applets. */
#include <arpa/inet.h>
#include <errno.h>
#include <grp.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "../lib/dhcp.h"
#include "../lib/par.h"
#include "../lib/proc.h"
#include "vm.h"

static pthread_mutex_t open_mu = PTHREAD_MUTEX_INITIALIZER;

int vm_check_group(void)
{
	const char *group = applet_conf()->group;
	struct group grbuf, *gr = NULL;
	char buf[16384];
	gid_t *groups;
	int n;
	bool in = false;

	if (geteuid() == 0)
		return 0;
	/* the _r form: parallel multi-VM jobs lock from their threads */
	if (getgrnam_r(group, &grbuf, buf, sizeof(buf), &gr) != 0)
		gr = NULL;
	if (!gr)
		return err_set(FVM_EXIT_FAIL,
			       "FASTVM_GROUP %s does not exist: root sets fvm "
			       "up for other users with 'fvm configure'",
			       group);
	if (getegid() == gr->gr_gid)
		return 0;
	n = getgroups(0, NULL);
	groups = xcalloc(n > 0 ? (size_t)n : 1, sizeof(*groups));
	n = getgroups(n, groups);
	for (int i = 0; i < n; i++)
		if (groups[i] == gr->gr_gid)
			in = true;
	free(groups);
	if (in)
		return 0;
	return err_set(
		FVM_EXIT_FAIL,
		"you (%s) are not in FASTVM_GROUP %s, which fvm needs to "
		"change VMs as a user who is not root: ask root to add "
		"you ('usermod -aG %s %s'), then log in again",
		vm_user(), group, group, vm_user());
}

struct virt *vm_virt(bool events)
{
	static struct virt *v;

	pthread_mutex_lock(&open_mu);
	if (!v && !(v = virt_open(applet_conf(), events))) {
		/* libvirt's "permission denied" does not say what to do */
		vm_check_group();
		die_err();
	}
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

	if (vm_check_group() < 0)
		return -1;
	snprintf(name, sizeof(name), "vm-%d", n);
	snprintf(what, sizeof(what), "VM %d", n);
	return lock_take(l, name, what, true, LOCK_WAIT_MS);
}

int vm_lock_net(struct lock *l, const char *network)
{
	char name[300], what[300];

	if (vm_check_group() < 0)
		return -1;
	snprintf(name, sizeof(name), "net-%s", network);
	snprintf(what, sizeof(what), "network %s", network);
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

int vm_run_each(const struct vmlist *l, vm_job job, void *ctx, const char *verb,
		bool quiet)
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

void vm_results_init(struct vm_results *r, const struct out_col *cols,
		     unsigned ncols)
{
	r->t = out_table_new(cols, ncols);
	pthread_mutex_init(&r->mu, NULL);
}

struct out_table *vm_results_row(struct vm_results *r, int n)
{
	pthread_mutex_lock(&r->mu);
	out_row(r->t);
	out_int(r->t, 0, n);
	return r->t;
}

void vm_results_unlock(struct vm_results *r)
{
	pthread_mutex_unlock(&r->mu);
}

void vm_results_print(struct vm_results *r)
{
	out_sort_int(r->t, 0);
	out_print_list(r->t, OUT_JSON, stdout);
	out_table_free(r->t);
	r->t = NULL;
	pthread_mutex_destroy(&r->mu);
}

char *vm_known_hosts_path(int n)
{
	return xasprintf("%s/known_hosts/%d", applet_conf()->state_dir, n);
}

void vm_forget_host_keys(int n)
{
	char *path = vm_known_hosts_path(n);

	if (unlink(path) < 0 && errno != ENOENT)
		warning("cannot remove %s: %m", path);
	free(path);
}

enum probe { PROBE_OK, PROBE_NO_ANSWER, PROBE_CLOSED, PROBE_NO_BANNER };

/*
 * One probe of ip:22: connected and the server's banner starts with
 * "SSH-". The connect stays pending for up to budget_ms: a SYN that
 * waits for the guest to answer ARP goes out the moment it does.
 */
static enum probe ssh_probe(const char *ip, int budget_ms)
{
	struct sockaddr_in sa = { 0 };
	struct pollfd p;
	char banner[8];
	int fd, err = 0;
	enum probe rc = PROBE_NO_ANSWER;
	socklen_t len = sizeof(err);
	ssize_t n;

	sa.sin_family = AF_INET;
	sa.sin_port = htons(22);
	if (inet_pton(AF_INET, ip, &sa.sin_addr) != 1)
		return PROBE_NO_ANSWER;
	fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return PROBE_NO_ANSWER;
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 &&
	    errno != EINPROGRESS) {
		rc = errno == ECONNREFUSED ? PROBE_CLOSED : PROBE_NO_ANSWER;
		goto out;
	}
	p.fd = fd;
	p.events = POLLOUT;
	if (poll(&p, 1, budget_ms) <= 0 ||
	    getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0 || err) {
		rc = err == ECONNREFUSED ? PROBE_CLOSED : PROBE_NO_ANSWER;
		goto out;
	}
	rc = PROBE_NO_BANNER;
	p.events = POLLIN;
	if (poll(&p, 1, budget_ms) <= 0)
		goto out;
	n = recv(fd, banner, 4, MSG_PEEK);
	if (n == 4 && !memcmp(banner, "SSH-", 4))
		rc = PROBE_OK;
out:
	close(fd);
	return rc;
}

int vm_wait_ssh(struct vm_entry *e, int n, long timeout_s, bool show_phases)
{
	struct fvm_conf *c = applet_conf();
	long long start = now_ms(), deadline = start + timeout_s * 1000;
	const char *phase = "VM not running", *shown = NULL;
	char ip[16];
	int idle = 50;

	vm_ip(c, n, ip);
	for (;;) {
		int state = e->state, pause = 50;
		virDomainInfo info;

		if (virDomainGetInfo(e->dom, &info) == 0)
			state = info.state;
		if (state != VIR_DOMAIN_RUNNING) {
			phase = "VM not running";
			pause = 500;
		} else {
			switch (ssh_probe(ip, 1000)) {
			case PROBE_OK:
				return 0;
			case PROBE_CLOSED:
				/* the guest is up and sshd is moments away:
				 * refusals come back at once, so poll fast */
				phase = "port 22 closed";
				break;
			case PROBE_NO_BANNER:
				phase = "sshd did not send its banner";
				break;
			case PROBE_NO_ANSWER: {
				char *mac = virt_domain_mac(e->dom,
							    c->libvirt_network);
				char *lease =
					mac ? dhcp_lease_ip(vm_virt(false),
							    c->libvirt_network,
							    mac) :
					      NULL;

				phase = lease ? "no answer from the guest" :
						"no DHCP lease yet";
				free(lease);
				free(mac);
				err_clear();
				/* unreachable fails fast once ARP gave up */
				pause = idle;
				if (idle < 250)
					idle *= 2;
				break;
			}
			}
		}
		if (now_ms() >= deadline)
			return err_set(FVM_EXIT_FAIL,
				       "VM %d: no ssh on %s after %ld s (%s)",
				       n, ip, timeout_s, phase);
		/* a guest that answers within a second is not worth a line */
		if (show_phases && phase != shown && now_ms() - start > 1000) {
			report(NULL, "waiting for ssh on VM %d (%s): %s", n, ip,
			       phase);
			shown = phase;
		}
		usleep((useconds_t)pause * 1000);
	}
}

int vm_ready_for_ssh(int n, long timeout_s, bool show_phases)
{
	struct vm_entry e = { 0 };
	int rc = 0;

	if (virt_find_vm(vm_virt(false), applet_conf(), n, &e) < 0) {
		if (err_code() == FVM_EXIT_NOTFOUND)
			err_set(FVM_EXIT_NOTFOUND, "no VM with number %d", n);
		return -1;
	}
	if (e.state != VIR_DOMAIN_RUNNING) {
		rc = err_set(FVM_EXIT_FAIL,
			     "VM %d is %s: start it first ('fvm start %d')", n,
			     virt_state_name(e.state), n);
		goto out;
	}
	/* fast-vm records access time for ssh, scp, keydist and console */
	if (vm_touch(&e) < 0) {
		warning("%s", err_msg());
		err_clear();
	}
	if (timeout_s >= 0)
		rc = vm_wait_ssh(&e, n, timeout_s, show_phases);
out:
	virt_vm_release(&e);
	return rc;
}

static pthread_mutex_t print_mu = PTHREAD_MUTEX_INITIALIZER;

static void print_prefixed(FILE *f, int n, const char *text)
{
	while (text && *text) {
		size_t len = strcspn(text, "\n");

		fprintf(f, "[%d] %.*s\n", n, (int)len, text);
		text += len + (text[len] == '\n');
	}
}

int vm_run_prefixed(int n, char *const argv[])
{
	struct proc_opts o = { 0 };
	char *out = NULL, *errs = NULL;
	int rc;

	o.path = getenv("PATH");
	if (!o.path || !*o.path)
		o.path = PROC_DEFAULT_PATH;
	rc = proc_run_opts(argv, &o, &out, &errs);
	pthread_mutex_lock(&print_mu);
	print_prefixed(stdout, n, out);
	fflush(stdout);
	print_prefixed(stderr, n, errs);
	pthread_mutex_unlock(&print_mu);
	free(out);
	free(errs);
	if (rc < 0)
		return report_err();
	if (rc > 0) {
		error("%s exited with status %d", argv[0], rc);
		return FVM_EXIT_FAIL;
	}
	return 0;
}

int vm_copy_args(int n, const char *user, char *const *args, int nargs,
		 bool shell_quote, struct strv *a)
{
	char ip[16];
	int remote = 0;

	vm_ip(applet_conf(), n, ip);
	for (int i = 0; i < nargs; i++) {
		char *s = guestssh_remote(args[i], user, ip, shell_quote);

		if (s)
			remote++;
		else
			s = guestssh_local(args[i]);
		strv_push(a, s);
		free(s);
	}
	return remote;
}

void vm_known_hosts_dir(void)
{
	char *dir = xasprintf("%s/known_hosts", applet_conf()->state_dir);

	if (guestssh_mkdirs(dir, 0700) < 0) {
		warning("%s (host keys will not be recorded)", err_msg());
		err_clear();
	}
	free(dir);
}

void vm_iso_time(time_t t, char buf[32])
{
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(buf, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

int vm_opt_user(const struct opt *o, const char *arg)
{
	if (!*arg || strpbrk(arg, "@:/ ") || arg[0] == '-')
		return err_set(FVM_EXIT_USAGE,
			       "--user takes a user name, not '%s'", arg);
	*(const char **)o->value = arg;
	return 0;
}

static int copy_one(int n, void *ctx)
{
	struct vm_copy *x = ctx;
	struct strv a = STRV_INIT;
	int rc;

	if (!x->no_wait && vm_ready_for_ssh(n, x->timeout, false) < 0)
		return report_err();
	x->build(x, n, &a);
	rc = vm_run_prefixed(n, a.v);
	strv_release(&a);
	return rc;
}

int vm_copy_run(struct vm_copy *x, int argc, char **argv)
{
	struct strv a = STRV_INIT;
	struct vmlist l;
	int rest = 1, rc, remote = 0;

	vm_parse_numbers(1, argv, &l);
	if (rest < argc && !strcmp(argv[rest], "--"))
		rest++;
	x->args = argv + rest;
	x->nargs = argc - rest;
	for (int i = 0; i < x->nargs; i++)
		if (str_starts(x->args[i], "vm:"))
			remote++;
	if (x->nargs < 2)
		usage_error("%s needs a source and a destination path",
			    x->tool);
	if (!remote)
		usage_error("no path names the VM: write the VM's side as "
			    "vm:PATH");
	x->key = guestssh_key(applet_conf());
	vm_known_hosts_dir();
	if (l.len > 1) {
		x->batch = true;
		rc = vm_run_each(&l, copy_one, x, "copied", false);
		goto out;
	}
	if (!x->no_wait && vm_ready_for_ssh(l.n[0], x->timeout, isatty(2)) < 0)
		die_err();
	x->build(x, l.n[0], &a);
	fflush(stdout);
	execvp(a.v[0], a.v);
	rc = errno == ENOENT ? FVM_EXIT_NOTFOUND : FVM_EXIT_FAIL;
	error("cannot run %s: %m", a.v[0]);
	strv_release(&a);
out:
	free(x->key);
	vmlist_release(&l);
	return rc;
}
