/* cli/common.c: option loop, usage errors and config for applets. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "applet.h"

const struct applet *current_applet;

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

int applet_opt(struct opt_state *st, int argc, char **argv, const char **arg)
{
	int c;

	if (!st->shortopts)
		opt_init(st, current_applet, argc, argv);
	c = opt_next(st, arg);
	if (c == 'h') {
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
	if (c == '?')
		usage_error("%s", err_msg());
	if (c == -1)
		opt_release(st);
	return c;
}

struct fvm_conf *applet_conf(void)
{
	static struct fvm_conf conf;
	static int loaded;

	if (!loaded) {
		if (conf_load(&conf) < 0)
			die_err();
		loaded = 1;
	}
	return &conf;
}
