/* applets/wait.c: `fvm wait N --state running|shutoff|ssh`: block until a VM is there. */
#include <stdio.h>

#include "../cli/vm.h"

enum want { WANT_RUNNING, WANT_SHUTOFF, WANT_SSH };

struct wait_ctx {
	int want; /* enum want: the index of --state's word */
	long timeout;
	bool quiet, json;
};

/* the options' values (the table binds them) */
static struct wait_ctx opt = { WANT_SSH, VM_SSH_TIMEOUT, false, false };

/* --json: each VM that got there */
enum { W_NUMBER, W_NAME, W_STATE };
static const struct out_col wait_cols[] = {
	[W_NUMBER] = { "number", "VM#", OUT_INT },
	[W_NAME] = { "name", "Name", OUT_STR },
	[W_STATE] = { "state", "State", OUT_STR },
};
static const char *const want_names[] = { "running", "shutoff", "ssh" };
static struct vm_results results;

static const struct opt wait_opts[] = {
	OPT_CHOICE('s', "state", &opt.want, "STATE",
		   "running, shutoff or ssh (default ssh)",
		   "running shutoff ssh"),
	OPT_LONG('t', "timeout", &opt.timeout, "SECONDS",
		 "give up after this long (default 300)", 0, 86400),
	OPT_JSON(&opt.json),
	OPT_QUIET(&opt.quiet, "print nothing but errors"),
	APPLET_OPT_CONNECT,
	OPT_END(),
};

const struct applet_info wait_info = {
	.usage = "N...",
	.description =
		"Wait until VM number N is running, has powered off, or "
		"answers on its ssh port with an ssh banner (the default). "
		"The ssh port is polled with a short backoff, not once a "
		"second. On timeout the error says which phase was not "
		"reached: the VM not running, no DHCP lease, or the port "
		"closed.\n"
		"Exit status 1: timed out; 3: no VM N.",
	.opts = wait_opts,
	.min_args = 1,
	.max_args = OPT_ARGS_ANY,
	.args = { OPT_C_VM },
	.repeat_last = true,
	.examples = "Start VM 42 and wait, at most two minutes, until its ssh "
		    "answers:\n"
		    "$ fvm start 42\n"
		    "$ fvm wait -t 120 42\n"
		    "Wait until VMs 20 to 24 have powered off:\n"
		    "$ fvm wait -s shutoff 20-24",
	.see_also = "fvm-start(1), fvm-ssh(1)",
};

static int wait_one(int n, void *ctx)
{
	struct wait_ctx *x = ctx;
	struct vm_entry e = { 0 };
	struct virt *v = vm_virt(x->want != WANT_SSH);
	int rc;

	if (virt_find_vm(v, applet_conf(), n, &e) < 0)
		return report_err();
	if (x->want == WANT_SSH)
		rc = vm_wait_ssh(&e, n, x->timeout, false);
	else
		rc = virt_wait_state(v, e.dom,
				     x->want == WANT_RUNNING ?
					     VIR_DOMAIN_RUNNING :
					     VIR_DOMAIN_SHUTOFF,
				     (int)x->timeout * 1000);
	if (rc == 0 && x->json) {
		struct out_table *t = vm_results_row(&results, n);

		out_str(t, W_NAME, e.name);
		out_str(t, W_STATE, want_names[x->want]);
		vm_results_unlock(&results);
	}
	virt_vm_release(&e);
	if (rc < 0)
		return report_err();
	if (!x->quiet)
		printf("VM %d is %s\n", n,
		       x->want == WANT_SSH     ? "reachable over ssh" :
		       x->want == WANT_RUNNING ? "running" :
						 "shut off");
	return 0;
}

int wait_main(int argc, char **argv)
{
	struct vmlist l;
	int rc;

	applet_args(&argc, &argv);
	vm_parse_numbers(argc, argv, &l);
	if (opt.json) {
		opt.quiet = true;
		vm_results_init(&results, wait_cols, 3);
	}
	rc = vm_run_each(&l, wait_one, &opt, "ready", opt.quiet);
	if (opt.json)
		vm_results_print(&results);
	vmlist_release(&l);
	return rc;
}
