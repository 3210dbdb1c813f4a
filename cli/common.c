/* cli/common.c: option parsing, usage errors and config for applets. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "applet.h"

const struct applet *current_applet;
const char *applet_connect_uri;

void usage_error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	reportv("error", fmt, ap);
	va_end(ap);
	if (current_applet)
		fprintf(stderr, "Try 'fvm %s --help'.\n", current_applet->name);
	exit(FVM_EXIT_USAGE);
}

void applet_args(int *argc, char ***argv)
{
	int ind = opt_parse(current_applet, *argc, *argv);

	if (ind == OPT_PARSE_HELP) {
		opt_print_help(stdout, current_applet);
		/* help on a full disk or a closed pipe is no success (a
		 * reader that went away is not worth a message) */
		if (fflush(stdout) != 0 || ferror(stdout)) {
			if (errno != EPIPE)
				error("writing to standard output: %s",
				      strerror(errno));
			exit(FVM_EXIT_FAIL);
		}
		exit(FVM_EXIT_OK);
	}
	/* a callback may find more than bad usage: a file that is not
	 * there (3) keeps its exit code */
	if (ind < 0 && err_code() != FVM_EXIT_USAGE)
		die_err();
	if (ind < 0)
		usage_error("%s", err_msg());
	*argc -= ind;
	*argv += ind;
}

enum out_mode applet_out_mode(bool json, bool quiet)
{
	return json ? OUT_JSON : quiet ? OUT_QUIET : OUT_HUMAN;
}

struct fvm_conf *applet_conf(void)
{
	static struct fvm_conf conf;
	static int loaded;

	if (!loaded) {
		if (conf_load(&conf) < 0 ||
		    (applet_connect_uri &&
		     conf_connect(&conf, applet_connect_uri, true) < 0))
			die_err();
		loaded = 1;
	}
	return &conf;
}
