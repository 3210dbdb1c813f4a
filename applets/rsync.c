/* applets/rsync.c: `fvm rsync N [RSYNC-OPTION...] SRC... DST`: rsync over fvm's ssh to and from VMs. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "vm.h"

enum { OPT_NO_WAIT = OPT_K_FIRST_FREE };

static const struct opt rsync_opts[] = {
	{ 'u', "user", "USER", "copy as USER (default root)" },
	{ 't', "timeout", "SECONDS",
	  "wait at most this long for ssh (default 300)" },
	{ OPT_NO_WAIT, "no-wait",
	  NULL, "copy at once: no VM lookup, no waiting" },
	OPT_END
};

const struct applet_info rsync_info = {
	.usage = "N [RSYNC-OPTION...] SRC... DST",
	.description =
		"Copy files between this host and VM number N with rsync "
		"over ssh. A path starting with 'vm:' is on the VM: "
		"'fvm rsync 42 -a src/ vm:/srv/src/'. Arguments after N go "
		"to rsync unchanged but for 'vm:', so rsync options follow "
		"N. ssh runs with the same key and per-VM known_hosts as "
		"'fvm ssh' (passed as rsync -e, quoted so that paths with "
		"blanks survive rsync's splitting). The guest needs rsync "
		"installed. With several VMs the copies run in parallel, "
		"output lines prefixed '[N] '.\n"
		"Exit status: that of rsync for one VM; 1: not running, ssh "
		"not answering in time or a copy failed; 2: usage; 3: no "
		"VM N.",
	.opts = rsync_opts,
	.args = { OPT_C_VM_RUNNING, OPT_C_FILE },
	.repeat_last = true,
	.options_first = true,
};

struct rsync_ctx {
	const char *user;
	long timeout;
	bool no_wait, batch;
	char **args;
	int nargs;
	char *key;
};

static void build_argv(struct rsync_ctx *x, int n, struct strv *a)
{
	struct strv sh = STRV_INIT;
	char *known = vm_known_hosts_path(n), *e;

	strv_push(&sh, "ssh");
	guestssh_opts(&sh, x->key, known, x->batch);
	e = guestssh_rsync_shell(sh.v);
	strv_push(a, "rsync");
	strv_push(a, "-e");
	strv_push(a, e);
	vm_copy_args(n, x->user, x->args, x->nargs, false, a);
	free(e);
	free(known);
	strv_release(&sh);
}

static int rsync_one(int n, void *ctx)
{
	struct rsync_ctx *x = ctx;
	struct strv a = STRV_INIT;
	int rc;

	if (!x->no_wait && vm_ready_for_ssh(n, x->timeout, false) < 0)
		return report_err();
	build_argv(x, n, &a);
	rc = vm_run_prefixed(n, a.v);
	strv_release(&a);
	return rc;
}

int rsync_main(int argc, char **argv)
{
	struct opt_state st = { 0 };
	struct rsync_ctx x = { 0 };
	struct vmlist l;
	struct strv a = STRV_INIT;
	const char *arg;
	int c, rest, rc, remote = 0;

	x.user = "root";
	x.timeout = VM_SSH_TIMEOUT;
	while ((c = applet_opt(&st, argc, argv, &arg)) != -1) {
		switch (c) {
		case 'u':
			if (!*arg || strpbrk(arg, "@:/ ") || arg[0] == '-')
				usage_error("--user takes a user name, not '%s'",
					    arg);
			x.user = arg;
			break;
		case 't':
			if (!parse_int(arg, 0, 86400, &x.timeout))
				usage_error("--timeout takes seconds from 0 to "
					    "86400, not '%s'",
					    arg);
			break;
		case OPT_NO_WAIT: x.no_wait = true; break;
		}
	}
	rest = st.ind;
	if (rest >= argc)
		usage_error("no VM number given");
	vm_parse_numbers(1, argv + rest, &l);
	rest++;
	if (rest < argc && !strcmp(argv[rest], "--"))
		rest++;
	x.args = argv + rest;
	x.nargs = argc - rest;
	for (int i = 0; i < x.nargs; i++)
		if (str_starts(x.args[i], "vm:"))
			remote++;
	if (x.nargs < 2)
		usage_error("rsync needs a source and a destination path");
	if (!remote)
		usage_error("no path names the VM: write the VM's side as "
			    "vm:PATH");
	x.key = guestssh_key(applet_conf());
	vm_known_hosts_dir();
	if (l.len > 1) {
		x.batch = true;
		rc = vm_run_each(&l, rsync_one, &x, "copied", false);
		goto out;
	}
	if (!x.no_wait && vm_ready_for_ssh(l.n[0], x.timeout, isatty(2)) < 0)
		die_err();
	build_argv(&x, l.n[0], &a);
	fflush(stdout);
	execvp(a.v[0], a.v);
	rc = errno == ENOENT ? FVM_EXIT_NOTFOUND : FVM_EXIT_FAIL;
	error("cannot run %s: %m", a.v[0]);
	strv_release(&a);
out:
	free(x.key);
	vmlist_release(&l);
	return rc;
}
