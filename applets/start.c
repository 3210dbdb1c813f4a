/* applets/start.c: `fvm start N...`: boot VMs. */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "../lib/log.h"
#include "../cli/vm.h"

enum { OPT_SSH = OPT_K_FIRST_FREE, OPT_CONSOLE };

static const struct opt start_opts[] = {
	{ OPT_SSH, "ssh", NULL, "then wait for its ssh and log in (fvm ssh)" },
	{ OPT_CONSOLE, "console", NULL,
	  "then connect to its serial console (fvm console)" },
	OPT_QUIET("print nothing but errors"),
	OPT_END
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
	.args = { OPT_C_VM_STOPPED },
	.repeat_last = true,
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
	struct opt_state st = { 0 };
	struct vmlist l;
	const char *arg;
	const char *then = NULL;
	bool quiet = false;
	int c, rc;

	while ((c = applet_opt(&st, argc, argv, &arg)) != -1) {
		switch (c) {
		case 'q': quiet = true; break;
		case OPT_SSH: then = "ssh"; break;
		case OPT_CONSOLE: then = "console"; break;
		}
	}
	vm_parse_numbers(argc - st.ind, argv + st.ind, &l);
	if (then && l.len != 1)
		usage_error("--%s takes one VM number", then);
	rc = vm_run_each(&l, start_one, &quiet, "started", quiet);
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
