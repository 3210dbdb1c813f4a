/* applets/rsync.c: `fvm rsync N [RSYNC-OPTION...] SRC... DST`: rsync over fvm's ssh to and from VMs. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "../cli/vm.h"


static const struct opt rsync_opts[] = {
	OPT_LEGACY('u', "user", "USER", "copy as USER (default root)", OPT_C_NONE, NULL),
	OPT_LEGACY('t', "timeout", "SECONDS", "wait at most this long for ssh (default 300)", OPT_C_NONE, NULL),
	OPT_LEGACY(VM_OPT_NO_WAIT, "no-wait", NULL, "copy at once: no VM lookup, no waiting", OPT_C_NONE, NULL),
	OPT_END()
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
	.max_args = OPT_ARGS_ANY,
	.args = { OPT_C_VM_RUNNING, OPT_C_FILE },
	.repeat_last = true,
	.options_first = true,
};


static void build_argv(struct vm_copy *x, int n, struct strv *a)
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

int rsync_main(int argc, char **argv)
{
	struct opt_state st = { 0 };
	struct vm_copy x = { "rsync", "root", VM_SSH_TIMEOUT };
	const char *arg;
	int c;

	x.build = build_argv;
	while ((c = applet_opt(&st, argc, argv, &arg)) != -1) {
		if (vm_access_opt(c, arg, &x.user, &x.timeout, &x.no_wait))
			continue;
	}
	return vm_copy_run(&x, argc, argv, st.ind);
}
