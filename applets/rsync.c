/* applets/rsync.c: `fvm rsync N [RSYNC-OPTION...] SRC... DST`: rsync over fvm's ssh to and from VMs. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "../cli/vm.h"

/* the options' values (the table binds them) and the run's context */
static struct vm_copy opt = { .tool = "rsync",
			      .user = "root",
			      .timeout = VM_SSH_TIMEOUT };

static const struct opt rsync_opts[] = {
	VM_ACCESS_OPTS(&opt.user, &opt.timeout, &opt.no_wait, "copy", "copy"),
	APPLET_OPT_CONNECT,
	OPT_END(),
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
	.min_args = 1,
	.max_args = OPT_ARGS_ANY,
	.args = { OPT_C_VM_RUNNING, OPT_C_FILE },
	.repeat_last = true,
	.options_first = true,
	.examples = "Mirror a directory into VM 42, then fetch one back:\n"
		    "$ fvm rsync 42 -a --delete src/ vm:/srv/src/\n"
		    "$ fvm rsync 42 -a vm:/etc/ etc-42/",
	.files = "$FVM_STATE_DIR/id_fvm\tfvm's ssh key (~/.fast-vm/id_fastvm "
		 "when it has none).",
	.see_also = "fvm-ssh(1), fvm-scp(1), rsync(1)",
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
	applet_args(&argc, &argv);
	opt.build = build_argv;
	return vm_copy_run(&opt, argc, argv);
}
