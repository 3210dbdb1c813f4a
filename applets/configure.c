/* applets/configure.c: `fvm configure`: set up this host for fvm: storage, network, group, helper. */
#include "applet.h"

static const struct opt configure_opts[] = {
	OPT_END
};

const struct applet_info configure_info = {
	.usage = "[--yes] [OPTION...]",
	.description = "Not available yet.",
	.opts = configure_opts,
};

int configure_main(int argc, char **argv)
{
	struct opt_state st = { 0 };
	const char *arg;

	while (applet_opt(&st, argc, argv, &arg) != -1)
		;
	err_set(FVM_EXIT_FAIL, "configure is not available yet");
	return report_err();
}

/* configure-fast-vm: fvm configure, asking fast-vm's questions */
int configure_fastvm_main(int argc, char **argv)
{
	return configure_main(argc, argv);
}
