/* applets/complete.c: `fvm complete -- WORDS`, asked by the bash completion. */
#include <stdio.h>
#include <string.h>

#include "applet.h"

const struct applet_info complete_info = {
	.usage = "-- COMMAND [WORD...] CURRENT",
	.description = "Print the candidates for the last word of a command "
		       "line, one per line. completions/fvm.bash calls this; "
		       "the answers come from the option tables and, for "
		       "images and VM numbers, from the live state.",
	.opts = NULL,
};

static void emit_line(const char *cand, void *ctx)
{
	(void)ctx;
	printf("%s\n", cand);
}

int complete_main(int argc, char **argv)
{
	struct opt_state st = { 0 };
	const char *arg;

	while (applet_opt(&st, argc, argv, &arg) != -1)
		;
	argc -= st.ind;
	argv += st.ind;
	/* getopt has eaten the "--"; what is left is the command line */
	if (argc < 1)
		usage_error("no command line given");
	if (argc == 1) {
		/* completing the first word after the command */
		char *words[2] = { argv[0], (char *)"" };

		opt_complete(2, words, emit_line, NULL);
		return 0;
	}
	opt_complete(argc, argv, emit_line, NULL);
	return 0;
}
