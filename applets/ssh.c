/* applets/ssh.c: `fvm ssh N [-- COMMAND...]`: wait for a VM's sshd and log in. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../cli/vm.h"

struct ssh_ctx {
	const char *user;
	long timeout;
	bool no_wait, tty, batch;
	char **cmd; /* remote command words, or NULL */
	int ncmd;
	const char *script; /* fast-vm's local script, or NULL */
	char *key;
};

/* the options' values (the table binds them) and the run's context */
static struct ssh_ctx opt = { .user = "root", .timeout = VM_SSH_TIMEOUT };

static const struct opt ssh_opts[] = {
	VM_ACCESS_OPTS(&opt.user, &opt.timeout, &opt.no_wait, "log in",
		       "connect"),
	OPT_BOOL(0, "tty", &opt.tty,
		 "give the remote command a terminal (ssh -t)"),
	APPLET_OPT_CONNECT,
	OPT_END(),
};

const struct applet_info ssh_info = {
	.usage = "N [--] [COMMAND [ARG...]]",
	.description =
		"Log in to VM number N as root, or run COMMAND there. fvm "
		"first waits until the guest's sshd answers (a fresh VM can "
		"be booting), then runs ssh with fvm's key ($FVM_STATE_DIR/"
		"id_fvm, else fast-vm's ~/.fast-vm/id_fastvm) and a "
		"known_hosts file of VM N's own: the first host key is "
		"accepted, a changed one refused. ~/.ssh/known_hosts is "
		"never read or written for a VM. Options end at N, so "
		"'fvm ssh 42 ls -l' runs 'ls -l'; '--' may separate them. "
		"As with ssh, the words of COMMAND reach the guest's shell "
		"joined by blanks: quote for that shell.\n"
		"As in fast-vm, a single argument that is an executable "
		"local file runs that file with the VM's IP address as its "
		"argument instead (use '--' to run a remote command of the "
		"same name).\n"
		"With several VMs (20-22, '21 23') COMMAND runs on each in "
		"parallel; each line of its output gets '[N] ' in front, a "
		"summary follows and the exit status is 1 if it failed "
		"anywhere.\n"
		"Exit status: that of ssh (or of the command it ran) for one "
		"VM; 1: the VM is not running or ssh did not answer in time "
		"(the message names the phase not reached: VM not running, "
		"no DHCP lease, no answer, port closed, no banner); 2: usage; "
		"3: no VM N.",
	.opts = ssh_opts,
	.min_args = 1,
	.max_args = OPT_ARGS_ANY,
	.args = { OPT_C_VM_RUNNING },
	.options_first = true,
	.examples = "Log in to VM 42, then run a command on VMs 20 to 24:\n"
		    "$ fvm ssh 42\n"
		    "$ fvm ssh 20-24 uptime\n"
		    "Run a command that takes options of its own:\n"
		    "$ fvm ssh 42 -- ls -l /etc",
	.files = "$FVM_STATE_DIR/id_fvm\tfvm's ssh key (~/.fast-vm/id_fastvm "
		 "when it has none).\n"
		 "$FVM_STATE_DIR/known_hosts/N\tThe host key of VM N.",
	.see_also = "fvm-scp(1), fvm-rsync(1), fvm-keydist(1), ssh(1)",
};

/* The ssh (or script) argv for VM n. */
static void build_argv(struct ssh_ctx *x, int n, struct strv *a)
{
	char ip[16], *known;

	vm_ip(applet_conf(), n, ip);
	if (x->script) {
		strv_push(a, x->script);
		strv_push(a, ip);
		return;
	}
	known = vm_known_hosts_path(n);
	strv_push(a, "ssh");
	guestssh_opts(a, x->key, known, x->batch);
	if (x->tty)
		strv_push(a, "-t");
	strv_push(a, "-l");
	strv_push(a, x->user);
	strv_push(a, ip);
	if (x->ncmd) {
		strv_push(a, "--");
		for (int i = 0; i < x->ncmd; i++)
			strv_push(a, x->cmd[i]);
	}
	free(known);
}

static int ssh_one(int n, void *ctx)
{
	struct ssh_ctx *x = ctx;
	struct strv a = STRV_INIT;
	int rc;

	if (!x->no_wait && vm_ready_for_ssh(n, x->timeout, false) < 0)
		return report_err();
	build_argv(x, n, &a);
	rc = vm_run_prefixed(n, a.v);
	strv_release(&a);
	return rc;
}

/* fast-vm's `ssh N SCRIPT`: a lone argument naming an executable file */
static bool is_local_script(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISREG(st.st_mode) &&
	       access(path, X_OK) == 0;
}

int ssh_main(int argc, char **argv)
{
	struct ssh_ctx *x = &opt;
	struct vmlist l;
	struct strv a = STRV_INIT;
	bool dashdash = false;
	int rest = 1, rc;

	applet_args(&argc, &argv);
	vm_parse_numbers(1, argv, &l);
	if (rest < argc && !strcmp(argv[rest], "--")) {
		dashdash = true;
		rest++;
	}
	x->cmd = argv + rest;
	x->ncmd = argc - rest;
	if (x->ncmd == 1 && !dashdash && is_local_script(x->cmd[0])) {
		x->script = x->cmd[0];
		x->ncmd = 0;
	}
	if (l.len > 1 && !x->ncmd && !x->script)
		usage_error("several VMs need a COMMAND to run on each");
	x->key = guestssh_key(applet_conf());
	vm_known_hosts_dir();
	if (l.len > 1) {
		x->batch = true;
		rc = vm_run_each(&l, ssh_one, x, "succeeded", false);
		goto out;
	}
	if (!x->no_wait && vm_ready_for_ssh(l.n[0], x->timeout, isatty(2)) < 0)
		die_err();
	build_argv(x, l.n[0], &a);
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
