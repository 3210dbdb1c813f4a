/* cli/main.c: the fvm multi-call entry point: pick the applet, run it. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../lib/linked.h"
#include "applet.h"

static void print_overview(FILE *f)
{
	fputs("usage: fvm APPLET [OPTIONS] [ARGS]\n"
	      "   or: fvm-APPLET [OPTIONS] [ARGS]\n"
	      "       fvm --list | --version [--verbose] | --help\n"
	      "\nfvm creates throw-away libvirt VMs from pre-made images.\n"
	      "\nApplets:\n",
	      f);
	for (unsigned i = 0; i < applets_count; i++)
		if (!(applets[i].flags & APPLET_HIDDEN))
			fprintf(f, "  %-16s %s\n", applets[i].name,
				applets[i].summary);
	fputs("\n'fvm help APPLET' or 'fvm APPLET --help' tells more; "
	      "see also fvm(1).\n",
	      f);
}

/*
 * Flush stdout and check it: a full disk or a closed pipe must not pass
 * for success. A reader that went away (EPIPE) is not worth a message.
 */
static int close_stdout(int rc)
{
	if (fflush(stdout) == 0 && !ferror(stdout))
		return rc;
	if (errno == EPIPE)
		return rc ? rc : FVM_EXIT_FAIL;
	report("error", "writing to standard output: %s", strerror(errno));
	return rc ? rc : FVM_EXIT_FAIL;
}

/*
 * Descriptors 0-2 must be open before fvm opens anything: a lock file or
 * a disk opened as a closed stdout would get the output, as a closed
 * stderr the errors. A closed one becomes /dev/null opened the wrong way
 * round (stdin write-only, stdout and stderr read-only), as glibc does
 * for set-user-ID programs, so using it still fails and says so.
 */
static void std_fds_open(void)
{
	for (int fd = 0; fd <= 2; fd++) {
		int n;

		if (fcntl(fd, F_GETFD) >= 0 || errno != EBADF)
			continue;
		n = open("/dev/null", fd == 0 ? O_WRONLY : O_RDONLY);
		/* the lowest free descriptor is fd itself */
		if (n != fd)
			_exit(FVM_EXIT_FAIL);
	}
}

static int run_applet(const struct applet *ap, int argc, char **argv)
{
	static char name[64];

	snprintf(name, sizeof(name), "fvm-%s", ap->name);
	prog_name = name;
	current_applet = ap;
	return close_stdout(ap->main(argc, argv));
}

/*
 * fvm -V, --version: fvm's version; with -v, --verbose (before or after)
 * also the version of each library it runs with, one "NAME VERSION" a
 * line, for bug reports.
 */
static int print_version(int argc, char **argv)
{
	bool verbose = false;

	for (int i = 1; i < argc; i++)
		if (!strcmp(argv[i], "-v") || !strcmp(argv[i], "--verbose")) {
			verbose = true;
		} else if (strcmp(argv[i], "-V") &&
			   strcmp(argv[i], "--version")) {
			report("error",
			       "--version takes only --verbose, not %s",
			       argv[i]);
			fputs("Try 'fvm --help'.\n", stderr);
			return FVM_EXIT_USAGE;
		}
	printf("fvm %s\n", fvm_version);
	if (verbose) {
		struct strv libs = STRV_INIT;

		linked_versions(&libs);
		for (size_t i = 0; i < libs.n; i++)
			printf("%s\n", libs.v[i]);
		strv_release(&libs);
	}
	return close_stdout(0);
}

static bool is_version_option(const char *a)
{
	return !strcmp(a, "-V") || !strcmp(a, "--version") ||
	       !strcmp(a, "-v") || !strcmp(a, "--verbose");
}

static int unknown_applet(const char *name)
{
	report("error", "'%s' is not an fvm applet; 'fvm --list' shows them",
	       name);
	return FVM_EXIT_NOAPPLET;
}

int main(int argc, char **argv)
{
	const char *base = strrchr(argv[0], '/');
	const struct applet *ap;

	std_fds_open();
	/* a closed pipe is reported through write errors, not a signal, so
	 * that partial output and cleanup are handled in one place */
	signal(SIGPIPE, SIG_IGN);
	base = base ? base + 1 : argv[0];
	for (const struct personality *p = personalities; p->name; p++)
		if (!strcmp(base, p->name)) {
			prog_name = p->name;
			return close_stdout(p->main(argc, argv));
		}
	if (str_starts(base, "fvm-")) {
		prog_name = base;
		ap = applet_find(base + 4);
		if (!ap)
			return unknown_applet(base + 4);
		return run_applet(ap, argc, argv);
	}
	if (argc < 2) {
		print_overview(stderr);
		return FVM_EXIT_USAGE;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		print_overview(stdout);
		return close_stdout(0);
	}
	if (is_version_option(argv[1])) {
		for (int i = 1; i < argc; i++)
			if (!strcmp(argv[i], "-V") ||
			    !strcmp(argv[i], "--version"))
				return print_version(argc, argv);
		/* -v alone is no request for anything */
		report("error", "%s goes with --version", argv[1]);
		fputs("Try 'fvm --help'.\n", stderr);
		return FVM_EXIT_USAGE;
	}
	if (!strcmp(argv[1], "--list")) {
		for (unsigned i = 0; i < applets_count; i++)
			if (!(applets[i].flags & APPLET_HIDDEN))
				printf("%s\n", applets[i].name);
		return close_stdout(0);
	}
	if (argv[1][0] == '-') {
		report("error", "unknown option %s", argv[1]);
		fputs("Try 'fvm --help'.\n", stderr);
		return FVM_EXIT_USAGE;
	}
	ap = applet_find(argv[1]);
	if (!ap)
		return unknown_applet(argv[1]);
	return run_applet(ap, argc - 1, argv + 1);
}
