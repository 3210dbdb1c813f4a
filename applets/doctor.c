/* applets/doctor.c: `fvm doctor`: find and fix what is out of step: domains, disks, DHCP, leases. */
#include "applet.h"

static const struct opt doctor_opts[] = {
	OPT_END
};

const struct applet_info doctor_info = {
	.usage = "[--fix] [--json]",
	.description = "Not available yet.",
	.opts = doctor_opts,
};

int doctor_main(int argc, char **argv)
{
	struct opt_state st = { 0 };
	const char *arg;

	while (applet_opt(&st, argc, argv, &arg) != -1)
		;
	err_set(FVM_EXIT_FAIL, "doctor is not available yet");
	return report_err();
}

/* fast-vm-net-cleanup: DHCP entries and leases no VM owns */
int fastvm_net_cleanup_main(int argc, char **argv)
{
	return doctor_main(argc, argv);
}
