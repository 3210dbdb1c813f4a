/* applets/scp.c: `fvm scp N SRC... DST`: copy files to and from VMs, vm:PATH naming the VM side. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "../cli/vm.h"

enum { OPT_SFTP = OPT_K_FIRST_FREE };

static const struct opt scp_opts[] = {
	OPT_LEGACY('u', "user", "USER", "copy as USER (default root)", OPT_C_NONE, NULL),
	OPT_LEGACY('t', "timeout", "SECONDS", "wait at most this long for ssh (default 300)", OPT_C_NONE, NULL),
	OPT_LEGACY(VM_OPT_NO_WAIT, "no-wait", NULL, "copy at once: no VM lookup, no waiting", OPT_C_NONE, NULL),
	OPT_LEGACY(OPT_SFTP, "sftp", NULL, "use the SFTP protocol (the guest needs an sftp-server)", OPT_C_NONE, NULL),
	OPT_END()
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
	.max_args = OPT_ARGS_ANY,
	.args = { OPT_C_VM_RUNNING, OPT_C_FILE },
	.repeat_last = true,
	.options_first = true,
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
	struct opt_state st = { 0 };
	struct vm_copy x = { "scp", "root", VM_SSH_TIMEOUT };
	const char *arg;
	int c;

	x.build = build_argv;
	while ((c = applet_opt(&st, argc, argv, &arg)) != -1) {
		if (vm_access_opt(c, arg, &x.user, &x.timeout, &x.no_wait))
			continue;
		if (c == OPT_SFTP)
			x.sftp = true;
	}
	return vm_copy_run(&x, argc, argv, st.ind);
}
