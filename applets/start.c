/* applets/start.c: `fvm start N...`: boot VMs. */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "../lib/log.h"
#include "../cli/vm.h"

/* the options' values (the table binds them) */
static struct {
	int then; /* THEN_*: what follows the start */
	bool quiet, json;
} opt;

/* --json: what became of each VM */
enum { S_NUMBER, S_NAME, S_IP, S_STARTED };
static const struct out_col start_cols[] = {
	[S_NUMBER] = { "number", "VM#", OUT_INT },
	[S_NAME] = { "name", "Name", OUT_STR },
	[S_IP] = { "ip", "IP", OUT_STR },
	[S_STARTED] = { "started", "Started", OUT_BOOL },
};
static struct vm_results results;

enum { THEN_NOTHING, THEN_SSH, THEN_CONSOLE };
static const char *const then_applet[] = { NULL, "ssh", "console" };

static const struct opt start_opts[] = {
	OPT_SET_INT(0, "ssh", &opt.then, THEN_SSH,
		    "then wait for its ssh and log in (fvm ssh)"),
	OPT_SET_INT(0, "console", &opt.then, THEN_CONSOLE,
		    "then connect to its serial console (fvm console)"),
	OPT_JSON(&opt.json),
	OPT_QUIET(&opt.quiet, "print nothing but errors"),
	APPLET_OPT_CONNECT,
	OPT_END(),
};

const struct applet_info start_info = {
	.usage = "N...",
	.description = "Start VM number N. A VM that runs already is left "
		       "alone and reported. 'fvm wait N --state ssh' waits "
		       "until its ssh answers; --ssh logs in once it does "
		       "and --console shows the boot on the serial console "
		       "(one VM only, as fast-vm's 'start N ssh|console').\n"
		       "Exit status 3: no VM N.",
	.opts = start_opts,
	.min_args = 1,
	.max_args = OPT_ARGS_ANY,
	.args = { OPT_C_VM_STOPPED },
	.repeat_last = true,
	.examples = "Start VM 42 and log in as soon as its ssh answers:\n"
		    "$ fvm start --ssh 42\n"
		    "Start VMs 20, 21 and 22:\n"
		    "$ fvm start 20,21,22",
	.see_also = "fvm-stop(1), fvm-wait(1), fvm-ssh(1)",
};

static int start_one(int n, void *ctx)
{
	bool quiet = *(bool *)ctx;
	struct vm_entry e = { 0 };
	char ip[16];
	int rc = 0;

	if (virt_find_vm(vm_virt(false), applet_conf(), n, &e) < 0)
		return report_err();
	vm_ip(applet_conf(), n, ip);
	if (e.state == VIR_DOMAIN_RUNNING) {
		if (!quiet)
			printf("VM %d (%s) is running already\n", n, e.name);
	} else if (virt_start(e.dom) < 0) {
		rc = report_err();
	} else if (!quiet) {
		printf("started VM %d (%s, %s)\n", n, e.name, ip);
	}
	if (rc == 0 && opt.json) {
		struct out_table *t = vm_results_row(&results, n);

		out_str(t, S_NAME, e.name);
		out_str(t, S_IP, ip);
		out_bool(t, S_STARTED, e.state != VIR_DOMAIN_RUNNING);
		vm_results_unlock(&results);
	}
	if (rc == 0 && e.state != VIR_DOMAIN_RUNNING)
		log_vm(applet_conf(), LOG_INFO, n, "VM '%s' started", e.name);
	if (vm_touch(&e) < 0) {
		warning("%s", err_msg());
		err_clear();
	}
	virt_vm_release(&e);
	return rc;
}

int start_main(int argc, char **argv)
{
	struct vmlist l;
	const char *then;
	int rc;

	applet_args(&argc, &argv);
	then = then_applet[opt.then];
	vm_parse_numbers(argc, argv, &l);
	if (then && l.len != 1)
		usage_error("--%s takes one VM number", then);
	if (then && opt.json)
		usage_error("--json does not go with --%s", then);
	if (opt.json) {
		opt.quiet = true;
		vm_results_init(&results, start_cols, 4);
	}
	rc = vm_run_each(&l, start_one, &opt.quiet, "started", opt.quiet);
	if (opt.json)
		vm_results_print(&results);
	if (rc == 0 && then) {
		char num[16];
		char *args[] = { "fvm", (char *)then, num, NULL };

		/* the applet of its own, so it behaves exactly as when
		 * called by itself */
		snprintf(num, sizeof(num), "%d", l.n[0]);
		fflush(stdout);
		execv("/proc/self/exe", args);
		rc = FVM_EXIT_FAIL;
		error("cannot run fvm %s: %m", then);
	}
	vmlist_release(&l);
	return rc;
}
