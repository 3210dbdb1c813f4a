/* applets/image_compact.c: `fvm image-compact`: give back the space an image's filesystems no longer use. */
#include "applet.h"

static const struct opt image_compact_opts[] = {
	OPT_END
};

const struct applet_info image_compact_info = {
	.usage = "NAME...",
	.description = "Not available yet.",
	.opts = image_compact_opts,
};

int image_compact_main(int argc, char **argv)
{
	struct opt_state st = { 0 };
	const char *arg;

	while (applet_opt(&st, argc, argv, &arg) != -1)
		;
	err_set(FVM_EXIT_FAIL, "image-compact is not available yet");
	return report_err();
}
