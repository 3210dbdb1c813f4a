/* applets/wait.c: `fvm wait N --state running|shutoff|ssh`: block until a VM is there. */
#include <stdio.h>
#include <string.h>

#include "../cli/vm.h"

static const struct opt wait_opts[] = {
	{ 's', "state", "STATE", "running, shutoff or ssh (default ssh)",
	  OPT_C_WORDS, "running shutoff ssh" },
	{ 't', "timeout", "SECONDS", "give up after this long (default 300)" },
	OPT_QUIET("print nothing but errors"),
	OPT_END
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
	.args = { OPT_C_VM },
	.repeat_last = true,
};

enum want { WANT_RUNNING, WANT_SHUTOFF, WANT_SSH };

struct wait_ctx {
	enum want want;
	long timeout;
	bool quiet;
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
	struct opt_state st = { 0 };
	struct wait_ctx x = { WANT_SSH, VM_SSH_TIMEOUT, false };
	struct vmlist l;
	const char *arg;
	int c, rc;

	while ((c = applet_opt(&st, argc, argv, &arg)) != -1) {
		switch (c) {
		case 's':
			if (!strcmp(arg, "running"))
				x.want = WANT_RUNNING;
			else if (!strcmp(arg, "shutoff"))
				x.want = WANT_SHUTOFF;
			else if (!strcmp(arg, "ssh"))
				x.want = WANT_SSH;
			else
				usage_error("--state is running, shutoff or "
					    "ssh, not '%s'",
					    arg);
			break;
		case 't':
			if (!parse_int(arg, 0, 86400, &x.timeout))
				usage_error("--timeout takes seconds from 0 to "
					    "86400, not '%s'",
					    arg);
			break;
		case 'q': x.quiet = true; break;
		}
	}
	vm_parse_numbers(argc - st.ind, argv + st.ind, &l);
	rc = vm_run_each(&l, wait_one, &x, "ready", x.quiet);
	vmlist_release(&l);
	return rc;
}
