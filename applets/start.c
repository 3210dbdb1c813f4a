/* applets/start.c: `fvm start N...`: boot VMs. */
#include <stdio.h>

#include "vm.h"

static const struct opt start_opts[] = {
	OPT_QUIET("print nothing but errors"),
	OPT_END
};

const struct applet_info start_info = {
	.usage = "N...",
	.description = "Start VM number N. A VM that runs already is left "
		       "alone and reported. 'fvm wait N --state ssh' waits "
		       "until its ssh answers.\n"
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
	bool quiet = false;
	int c, rc;

	while ((c = applet_opt(&st, argc, argv, &arg)) != -1)
		if (c == 'q')
			quiet = true;
	vm_parse_numbers(argc - st.ind, argv + st.ind, &l);
	rc = vm_run_each(&l, start_one, &quiet, "started", quiet);
	vmlist_release(&l);
	return rc;
}
