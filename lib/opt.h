/* lib/opt.h: option tables, getopt_long over them, help, man and completion. */
#ifndef FVM_OPT_H
#define FVM_OPT_H

#include <stdbool.h>
#include <stdio.h>

/* What to offer when completing an option's argument or a positional. */
enum opt_complete {
	OPT_C_NONE = 0,
	OPT_C_FILE,       /* a path: left to the shell */
	OPT_C_WORDS,      /* one of opt.words (space-separated) */
	OPT_C_APPLET,     /* an applet name */
	OPT_C_IMAGE,      /* an imported image */
	OPT_C_PROFILE,    /* a profile */
	OPT_C_IMAGE_OR_PROFILE,
	OPT_C_VM,         /* a VM number in use */
	OPT_C_VM_FREE,    /* a VM number not in use */
	OPT_C_VM_RUNNING, /* a running VM */
	OPT_C_VM_STOPPED, /* a defined, stopped VM */
	OPT_C__COUNT
};

/* Keys of long-only options start here (beyond any short option char). */
#define OPT_LONG_BASE 256

struct opt {
	int key;          /* short option character, or >= OPT_LONG_BASE */
	const char *name; /* long name, without "--" */
	const char *arg;  /* metavariable when it takes an argument, else NULL */
	const char *help;
	enum opt_complete complete;
	const char *words; /* choices for OPT_C_WORDS */
};

#define OPT_END { 0, NULL, NULL, NULL, OPT_C_NONE, NULL }

/* Options most applets share, so they read the same everywhere. */
enum {
	OPT_K_JSON = OPT_LONG_BASE,
	OPT_K_FIRST_FREE /* applets number their own long-only keys from here */
};
#define OPT_HELP { 'h', "help", NULL, "show this help and exit", OPT_C_NONE, NULL }
#define OPT_JSON { OPT_K_JSON, "json", NULL, "print JSON instead of a table", OPT_C_NONE, NULL }
#define OPT_QUIET(text) { 'q', "quiet", NULL, text, OPT_C_NONE, NULL }

/* Everything that describes one applet besides its code. */
struct applet_info {
	const char *usage;       /* positional part of the synopsis */
	const char *description; /* paragraphs, '\n' separated */
	const struct opt *opts;  /* terminated by OPT_END; -h is implied */
	/* completion of positionals: one per position, the last repeats
	 * when repeat_last is set; OPT_C_NONE ends the list */
	enum opt_complete args[4];
	bool repeat_last;
	/* options end at the first positional (a command line follows, as
	 * in `fvm ssh 42 ls -l`); otherwise options may come anywhere and
	 * only "--" ends them */
	bool options_first;
};

struct applet {
	const char *name;
	const char *summary;
	unsigned flags;
	const struct applet_info *info;
	int (*main)(int argc, char **argv);
};
#define APPLET_HIDDEN 1u /* not listed, no symlink (internal) */

/* The table made from applets/applets.def, in its order. */
extern const struct applet applets[];
extern const unsigned applets_count;
const struct applet *applet_find(const char *name);

/*
 * Parsing: opt_next() returns the key of the next option (with its
 * argument in *arg), -1 when only positionals are left ("--" ends the
 * options, so "fvm ssh 42 -- cmd -x" passes "-x" on; applets with
 * options_first stop at the first positional too), '?' for a usage
 * error with the message recorded in lib/err, 'h' for -h/--help. The
 * positionals are argv[ind...] in their order.
 */
struct opt_state {
	int argc;
	char **argv;
	const struct applet *ap;
	void *longopts; /* struct option[] */
	char *shortopts;
	int ind; /* index of the first positional once done */
};
void opt_init(struct opt_state *st, const struct applet *ap, int argc,
	      char **argv);
int opt_next(struct opt_state *st, const char **arg);
void opt_release(struct opt_state *st);

/* Text outputs derived from the tables. */
void opt_print_usage_line(FILE *f, const struct applet *ap, bool as_symlink);
void opt_print_help(FILE *f, const struct applet *ap);
void opt_print_man(FILE *f, const struct applet *ap, const char *version);

/*
 * Completion. words[0] is the command as typed (fvm or fvm-APPLET); the
 * last word is the one being completed, possibly empty. Candidates go to
 * emit(); live data (images, VMs) comes from the source registered for
 * each kind, if any.
 */
typedef void (*opt_emit_fn)(const char *candidate, void *ctx);
typedef void (*opt_source_fn)(enum opt_complete kind, const char *prefix,
			      opt_emit_fn emit, void *ctx);
void opt_set_completion_source(opt_source_fn fn);
void opt_complete(int nwords, char **words, opt_emit_fn emit, void *ctx);
/* the candidates of one kind starting with prefix (words for OPT_C_WORDS) */
void opt_complete_kind(enum opt_complete kind, const char *words,
		       const char *prefix, opt_emit_fn emit, void *ctx);

#endif
