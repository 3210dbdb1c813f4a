/* applets/du.c: `fvm du`: show per-VM and pool disk usage, shared and unshared. */
#include "applet.h"

static const struct opt du_opts[] = {
	OPT_END
};

const struct applet_info du_info = {
	.usage = "[N...|all]",
	.description = "Not available yet.",
	.opts = du_opts,
};

int du_main(int argc, char **argv)
{
	struct opt_state st = { 0 };
	const char *arg;

	while (applet_opt(&st, argc, argv, &arg) != -1)
		;
	err_set(FVM_EXIT_FAIL, "du is not available yet");
	return report_err();
}
