/* cli/applet.h: what every applet gets from the dispatcher. */
#ifndef FVM_APPLET_H
#define FVM_APPLET_H

#include "../lib/conf.h"
#include "../lib/err.h"
#include "../lib/opt.h"
#include "../lib/out.h"
#include "../lib/util.h"

#define APPLET(name, c_name, flags, summary)          \
	extern const struct applet_info c_name##_info; \
	int c_name##_main(int argc, char **argv);
#include "../applets/applets.def"
#undef APPLET

extern const char fvm_version[];

/*
 * Personalities (applets/fastvm.c): the binary called as fast-vm or
 * fast-vm-image takes fast-vm 1.7's command lines.
 */
struct personality {
	const char *name; /* argv[0]'s basename */
	int (*main)(int argc, char **argv);
};
extern const struct personality personalities[]; /* ends with NULL name */
int fastvm_main(int argc, char **argv);
int fastvm_image_main(int argc, char **argv);
int configure_fastvm_main(int argc, char **argv);
int fastvm_net_cleanup_main(int argc, char **argv);
/* completion for a personality's command line; false when words[0] is
 * not one */
bool fastvm_complete(int nwords, char **words, opt_emit_fn emit, void *ctx);
/* the applet being run */
extern const struct applet *current_applet;

/*
 * The option loop of an applet: returns the next option key with *arg,
 * or -1 when the positionals start (at st->ind). -h prints the help and
 * exits 0; a bad option prints a one-line error and exits 2.
 */
int applet_opt(struct opt_state *st, int argc, char **argv, const char **arg);
/* report a usage error with a hint and exit 2 */
__attribute__((noreturn, format(printf, 1, 2))) void usage_error(
	const char *fmt, ...);
/* the configuration, loaded on first use; a bad one exits 2 */
struct fvm_conf *applet_conf(void);

#endif
