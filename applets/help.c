/* applets/help.c: `fvm help [APPLET]`, and the generated man page parts. */
#include <stdio.h>
#include <string.h>

#include "../cli/applet.h"

enum { OPT_MAN = OPT_K_FIRST_FREE, OPT_MAN_LIST };

static const struct opt help_opts[] = {
	{ OPT_MAN, "man", NULL, "print APPLET's manual page (roff)",
	  OPT_C_NONE, NULL },
	{ OPT_MAN_LIST, "man-list", NULL,
	  "print the applet list section of fvm(1) (roff)", OPT_C_NONE, NULL },
	OPT_END
};

const struct applet_info help_info = {
	.usage = "[APPLET]",
	.description = "Without APPLET, list the applets with a line on each. "
		       "With APPLET, print the same help as 'fvm APPLET --help'.",
	.opts = help_opts,
	.args = { OPT_C_APPLET },
};

static void man_list(void)
{
	for (unsigned i = 0; i < applets_count; i++) {
		if (applets[i].flags & APPLET_HIDDEN)
			continue;
		printf(".TP\n.BR fvm\\-%s (1)\n%s.\n", applets[i].name,
		       applets[i].summary);
	}
}

int help_main(int argc, char **argv)
{
	struct opt_state st = { 0 };
	const struct applet *ap;
	const char *arg;
	int c, man = 0;

	while ((c = applet_opt(&st, argc, argv, &arg)) != -1) {
		if (c == OPT_MAN)
			man = 1;
		else if (c == OPT_MAN_LIST)
			man = 2;
	}
	argc -= st.ind;
	argv += st.ind;
	if (man == 2) {
		man_list();
		return 0;
	}
	if (argc > 1)
		usage_error("too many arguments");
	if (argc == 0) {
		if (man)
			usage_error("--man needs an APPLET");
		printf("usage: fvm APPLET [OPTIONS] [ARGS]\n\nApplets:\n");
		for (unsigned i = 0; i < applets_count; i++)
			if (!(applets[i].flags & APPLET_HIDDEN))
				printf("  %-16s %s\n", applets[i].name,
				       applets[i].summary);
		return 0;
	}
	ap = applet_find(argv[0]);
	if (!ap) {
		error("'%s' is not an fvm applet; 'fvm --list' shows them",
		      argv[0]);
		return FVM_EXIT_NOAPPLET;
	}
	if (man)
		opt_print_man(stdout, ap, fvm_version);
	else
		opt_print_help(stdout, ap);
	return 0;
}
