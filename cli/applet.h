/* cli/applet.h: what every applet gets from the dispatcher. */
#ifndef FVM_APPLET_H
#define FVM_APPLET_H

#include "../lib/conf.h"
#include "../lib/err.h"
#include "../lib/opt.h"
#include "../lib/out.h"
#include "../lib/util.h"

#define APPLET(name, c_name, flags, summary)                                   \
	extern const struct applet_info c_name##_info;                         \
	int c_name##_main(int argc, char **argv);
#include "../applets/applets.def"
#undef APPLET

extern const char fvm_version[];

/* The table made from applets/applets.def, in its order. */
extern const struct applet applets[];
extern const unsigned applets_count;
/* the applet of that name (whole names only), or NULL */
const struct applet *applet_find(const char *name);

/*
 * Personalities (compat/): the binary called as fast-vm or
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
bool fastvm_complete(const struct opt_completer *c, int nwords, char **words);
/* the applet being run */
extern const struct applet *current_applet;

/*
 * Parse the running applet's options into the variables its table binds
 * and check the number of positionals (opt_parse); on return argv[0] ..
 * argv[argc - 1] are the positionals. -h prints the help and exits 0; a
 * usage error prints one line and a hint, and exits 2.
 */
void applet_args(int *argc, char ***argv);
/*
 * -c URI, --connect=URI of every applet that talks to libvirt, bound to
 * applet_connect_uri: applet_conf() hands it to conf_connect.
 */
extern const char *applet_connect_uri;
#define APPLET_OPT_CONNECT OPT_CONNECT(&applet_connect_uri)
/* --json and -q as an output mode: JSON when asked for, else quiet or
 * the human table */
enum out_mode applet_out_mode(bool json, bool quiet);
/* report a usage error with a hint and exit 2 */
__attribute__((noreturn, format(printf, 1, 2))) void
usage_error(const char *fmt, ...);
/* the configuration, loaded on first use, with the connection -c,
 * LIBVIRT_DEFAULT_URI or FVM_URI chooses (conf_connect); a bad one
 * exits 2 */
struct fvm_conf *applet_conf(void);

#endif
