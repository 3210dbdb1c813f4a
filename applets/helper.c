/* applets/helper.c: `fvm helper`: run one privileged request for a non-root user (through sudo). */
#include "applet.h"

static const struct opt helper_opts[] = {
	OPT_END
};

const struct applet_info helper_info = {
	.usage = "",
	.description = "Not available yet.",
	.opts = helper_opts,
};

int helper_main(int argc, char **argv)
{
	struct opt_state st = { 0 };
	const char *arg;

	while (applet_opt(&st, argc, argv, &arg) != -1)
		;
	err_set(FVM_EXIT_FAIL, "helper is not available yet");
	return report_err();
}
