/* applets/console.c: `fvm console N`: the serial console of a running VM on this terminal. */
#include <stdio.h>
#include <unistd.h>

#include "../lib/relay.h"
#include "../cli/vm.h"

/* the options' values (the table binds them) */
static struct {
	bool force;
} opt;

static const struct opt console_opts[] = {
	OPT_BOOL('f', "force", &opt.force,
		 "take the console over from another client"),
	APPLET_OPT_CONNECT,
	OPT_END(),
};

const struct applet_info console_info = {
	.usage = "N",
	.description =
		"Connect this terminal to the serial console of VM number N "
		"(libvirt's console stream; virsh is not needed). The "
		"terminal is raw while connected: keys, Ctrl-C included, go "
		"to the guest. Ctrl-] leaves; the terminal is restored "
		"however the session ends, also on SIGINT, SIGTERM or "
		"SIGHUP. Only one client may hold a console: --force takes "
		"it over.\n"
		"Exit status 1: not running, the console failed or a signal "
		"ended it; 2: usage; 3: no VM N; 4: another client holds the "
		"console.",
	.opts = console_opts,
	.min_args = 1,
	.max_args = 1,
	.args = { OPT_C_VM_RUNNING },
	.examples =
		"Connect to the serial console of VM 42 (Ctrl-] leaves it):\n"
		"$ fvm console 42",
	.see_also = "fvm-start(1), virsh(1)",
};

int console_main(int argc, char **argv)
{
	struct vm_entry e = { 0 };
	struct vmlist l;
	int n, rc = 0;

	applet_args(&argc, &argv);
	vm_parse_numbers(argc, argv, &l);
	if (l.len != 1)
		usage_error("one console at a time: give one VM number");
	n = l.n[0];
	vmlist_release(&l);
	if (virt_find_vm(vm_virt(true), applet_conf(), n, &e) < 0) {
		if (err_code() == FVM_EXIT_NOTFOUND)
			die(FVM_EXIT_NOTFOUND, "no VM with number %d", n);
		die_err();
	}
	if (e.state != VIR_DOMAIN_RUNNING)
		die(FVM_EXIT_FAIL,
		    "VM %d is %s: start it first ('fvm start %d')", n,
		    virt_state_name(e.state), n);
	if (vm_touch(&e) < 0) {
		warning("%s", err_msg());
		err_clear();
	}
	fprintf(stderr,
		"Connected to VM %d (%s). Escape character is ^] "
		"(Ctrl + ]).\n",
		n, e.name);
	if (console_attach(virt_conn(vm_virt(true)), e.dom, opt.force) < 0)
		rc = report_err();
	else if (isatty(STDERR_FILENO))
		fputc('\n', stderr);
	virt_vm_release(&e);
	return rc;
}
