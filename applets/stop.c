/* applets/stop.c: `fvm stop N... [--graceful]`: power VMs off. */
#include <stdio.h>
#include <stdlib.h>

#include "../lib/log.h"
#include "../cli/vm.h"

struct stop_ctx {
	bool graceful, quiet, json;
	long timeout; /* -1: not given */
};

/* the options' values (the table binds them) */
static struct stop_ctx opt = { .timeout = -1 };

/* --json: what became of each VM */
enum { S_NUMBER, S_NAME, S_RESULT };
static const struct out_col stop_cols[] = {
	[S_NUMBER] = { "number", "VM#", OUT_INT },
	[S_NAME] = { "name", "Name", OUT_STR },
	[S_RESULT] = { "result", "Result", OUT_STR },
};
static struct vm_results results;

static const struct opt stop_opts[] = {
	OPT_BOOL('g', "graceful", &opt.graceful,
		 "press the ACPI power button and wait for the guest to power "
		 "off"),
	OPT_LONG('t', "timeout", &opt.timeout, "SECONDS",
		 "with --graceful, how long to wait (default 120; 0: do not "
		 "wait)",
		 0, 86400),
	OPT_JSON(&opt.json),
	OPT_QUIET(&opt.quiet, "print nothing but errors"),
	APPLET_OPT_CONNECT,
	OPT_END(),
};

const struct applet_info stop_info = {
	.usage = "N...",
	.description = "Stop VM number N: pull the plug (fast-vm's stop), or "
		       "with --graceful ask the guest to shut down and wait "
		       "until it has, up to --timeout seconds, then report "
		       "how it ended. A VM that is not running is left alone.\n"
		       "Exit status 3: no VM N; 1: the guest did not power "
		       "off in time.",
	.opts = stop_opts,
	.min_args = 1,
	.max_args = OPT_ARGS_ANY,
	.args = { OPT_C_VM_RUNNING },
	.repeat_last = true,
	.examples = "Power VM 42 off at once:\n"
		    "$ fvm stop 42\n"
		    "Shut VMs 20 to 24 down through ACPI, waiting at most a "
		    "minute:\n"
		    "$ fvm stop -g -t 60 20-24",
	.see_also = "fvm-start(1), fvm-wait(1)",
};

static int stop_one(int n, void *ctx)
{
	const struct stop_ctx *x = ctx;
	struct vm_entry e = { 0 };
	struct virt *v = vm_virt(x->graceful);
	int rc = 0;

	if (virt_find_vm(v, applet_conf(), n, &e) < 0)
		return report_err();
	if (e.state == VIR_DOMAIN_SHUTOFF) {
		if (!x->quiet)
			printf("VM %d (%s) is not running\n", n, e.name);
	} else if (!x->graceful) {
		if (virt_destroy(e.dom) < 0)
			rc = report_err();
		else if (!x->quiet)
			printf("stopped VM %d (%s)\n", n, e.name);
	} else if (virt_shutdown(e.dom) < 0) {
		rc = report_err();
	} else if (x->timeout == 0) {
		if (!x->quiet)
			printf("asked VM %d (%s) to shut down\n", n, e.name);
	} else if (virt_wait_state(v, e.dom, VIR_DOMAIN_SHUTOFF,
				   (int)x->timeout * 1000) < 0) {
		err_context("VM %d did not power off", n);
		rc = report_err();
	} else if (!x->quiet) {
		printf("VM %d (%s) shut down\n", n, e.name);
	}
	if (rc == 0 && x->json) {
		struct out_table *t = vm_results_row(&results, n);

		out_str(t, S_NAME, e.name);
		out_str(t, S_RESULT,
			e.state == VIR_DOMAIN_SHUTOFF ? "not_running" :
			!x->graceful		      ? "stopped" :
			x->timeout		      ? "shut_down" :
							"shutdown_asked");
		vm_results_unlock(&results);
	}
	if (rc == 0 && e.state != VIR_DOMAIN_SHUTOFF)
		log_vm(applet_conf(), LOG_INFO, n, "VM '%s' %s", e.name,
		       !x->graceful ? "stopped" :
		       x->timeout   ? "shut down" :
				      "asked to shut down");
	if (vm_touch(&e) < 0) {
		warning("%s", err_msg());
		err_clear();
	}
	virt_vm_release(&e);
	return rc;
}

int stop_main(int argc, char **argv)
{
	struct vmlist l;
	int rc;

	applet_args(&argc, &argv);
	if (opt.timeout >= 0 && !opt.graceful)
		usage_error("--timeout goes with --graceful");
	if (opt.timeout < 0)
		opt.timeout = 120;
	vm_parse_numbers(argc, argv, &l);
	if (opt.json) {
		opt.quiet = true;
		vm_results_init(&results, stop_cols, 3);
	}
	rc = vm_run_each(&l, stop_one, &opt, "stopped", opt.quiet);
	if (opt.json)
		vm_results_print(&results);
	vmlist_release(&l);
	return rc;
}
