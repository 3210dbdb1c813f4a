/* applets/scp.c: `fvm scp N SRC... DST`: copy files to and from VMs, vm:PATH naming the VM side. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "../cli/vm.h"

/* the options' values (the table binds them) and the run's context */
static struct vm_copy opt = { .tool = "scp",
			      .user = "root",
			      .timeout = VM_SSH_TIMEOUT };

static const struct opt scp_opts[] = {
	VM_ACCESS_OPTS(&opt.user, &opt.timeout, &opt.no_wait, "copy", "copy"),
	OPT_BOOL(0, "sftp", &opt.sftp,
		 "use the SFTP protocol (the guest needs an sftp-server)"),
	APPLET_OPT_CONNECT,
	OPT_END(),
};

const struct applet_info scp_info = {
	.usage = "N [SCP-OPTION...] SRC... DST",
	.description =
		"Copy files and directories (recursively, as fast-vm) between "
		"this host and VM number N with scp. A path starting with "
		"'vm:' is on the VM: 'fvm scp 42 notes.txt vm:/tmp/' and "
		"'fvm scp 42 vm:/etc/hosts .'. Arguments after N go to scp "
		"unchanged but for 'vm:', so scp options such as -p may "
		"follow N; names with blanks need no extra quoting. fvm waits "
		"for the guest's ssh first and uses the same key and per-VM "
		"known_hosts as 'fvm ssh'.\n"
		"By default scp speaks the legacy protocol (scp -O), which "
		"needs nothing but a shell on the guest (small images often "
		"have no sftp-server); --sftp switches to SFTP. With several "
		"VMs the copies run in parallel, output lines prefixed "
		"'[N] '.\n"
		"Exit status: that of scp for one VM; 1: not running, ssh not "
		"answering in time or a copy failed; 2: usage; 3: no VM N.",
	.opts = scp_opts,
	.min_args = 1,
	.max_args = OPT_ARGS_ANY,
	.args = { OPT_C_VM_RUNNING, OPT_C_FILE },
	.repeat_last = true,
	.options_first = true,
	.examples = "Copy a file into VM 42, then a log out of it:\n"
		    "$ fvm scp 42 app.tar.gz vm:/root/\n"
		    "$ fvm scp 42 vm:/var/log/messages .",
	.files = "$FVM_STATE_DIR/id_fvm\tfvm's ssh key (~/.fast-vm/id_fastvm "
		 "when it has none).",
	.see_also = "fvm-ssh(1), fvm-rsync(1), scp(1)",
};

static void build_argv(struct vm_copy *x, int n, struct strv *a)
{
	char *known = vm_known_hosts_path(n);

	strv_push(a, "scp");
	if (!x->sftp)
		strv_push(a, "-O");
	strv_push(a, "-r");
	guestssh_opts(a, x->key, known, x->batch);
	vm_copy_args(n, x->user, x->args, x->nargs, !x->sftp, a);
	free(known);
}

int scp_main(int argc, char **argv)
{
	applet_args(&argc, &argv);
	opt.build = build_argv;
	return vm_copy_run(&opt, argc, argv);
}
