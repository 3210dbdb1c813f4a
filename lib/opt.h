/* lib/opt.h: option tables bound to variables: parsing, help, man and completion. */
#ifndef FVM_OPT_H
#define FVM_OPT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

/* What to offer when completing an option's argument or a positional. */
enum opt_complete {
	OPT_C_NONE = 0,
	OPT_C_FILE,    /* a path: left to the shell */
	OPT_C_WORDS,   /* one of opt.words (space-separated) */
	OPT_C_APPLET,  /* an applet name */
	OPT_C_IMAGE,   /* an imported image */
	OPT_C_PROFILE, /* a profile */
	OPT_C_IMAGE_OR_PROFILE,
	OPT_C_VM,	  /* a VM number in use */
	OPT_C_VM_FREE,	  /* a VM number not in use */
	OPT_C_VM_RUNNING, /* a running VM */
	OPT_C_VM_STOPPED, /* a defined, stopped VM */
	OPT_C_CONF_KEY,	  /* a configuration key (lib/conf's table) */
	OPT_C__COUNT
};

/* What an option does with its argument, and to which variable. */
enum opt_type {
	OPT_T_END = 0,
	OPT_T_BOOL,    /* bool *: set to true */
	OPT_T_SET_INT, /* int *: set to .val */
	OPT_T_STRING,  /* const char **: the argument as given */
	OPT_T_INT,     /* int *: a whole number in [.min, .max] */
	OPT_T_LONG,    /* long *: a whole number in [.min, .max] */
	OPT_T_SIZE, /* uint64_t *: bytes of 10G, 512M (a bare number is GiB) */
	OPT_T_CHOICE,	/* int *: the index of the argument among .words */
	OPT_T_CALLBACK, /* .cb(opt, arg); arg NULL for an option without one */
	OPT_T_HELP,	/* -h, --help: implied in every table */
};

struct opt;
/* 0, or -1 with a usage error recorded (err_set(FVM_EXIT_USAGE, ...)) */
typedef int (*opt_cb)(const struct opt *o, const char *arg);

/*
 * One option. Tables are static and end with OPT_END(); the variables
 * they bind are the applet's file-scope ones (toybox's TT), so that help,
 * man pages and completion read the same table without running the
 * applet. Write entries with the macros below: they check the type of
 * the variable at compile time.
 */
struct opt {
	enum opt_type type;
	int short_name;	       /* 'q', or 0 for a long-only option */
	const char *long_name; /* without "--" */
	void *value;	       /* the bound variable */
	const char *arg;       /* metavariable when it takes one, else NULL */
	const char *help;
	enum opt_complete complete;
	const char *words; /* OPT_C_WORDS candidates, OPT_T_CHOICE's values */
	long min, max;	   /* OPT_T_INT, OPT_T_LONG range */
	long val;	   /* OPT_T_SET_INT value */
	opt_cb cb;	   /* OPT_T_CALLBACK */
	/* the fvm.conf(5) key it answers for: the help names it and its
	 * default (conf_table) */
	const char *conf_key;
};

/* v must point to type: checked at compile time (a type cannot go in
 * parentheses; cppcheck cannot parse _Generic, tests/run tells it
 * -D__CPPCHECK__) */
#ifdef __CPPCHECK__
#define OPT_TYPED_(type, v) (v)
#else
#define OPT_TYPED_(type, v) _Generic((v), type : (v)) /* NOLINT */
#endif

#define OPT_END()                                                              \
	{                                                                      \
		.type = OPT_T_END                                              \
	}
#define OPT_BOOL(s, l, v, h)                                                   \
	{                                                                      \
		.type = OPT_T_BOOL, .short_name = (s), .long_name = (l),       \
		.value = OPT_TYPED_(bool *, v), .help = (h)                    \
	}
#define OPT_SET_INT(s, l, v, i, h)                                             \
	{                                                                      \
		.type = OPT_T_SET_INT, .short_name = (s), .long_name = (l),    \
		.value = OPT_TYPED_(int *, v), .val = (i), .help = (h)         \
	}
#define OPT_STRING(s, l, v, a, h, c)                                           \
	{                                                                      \
		.type = OPT_T_STRING, .short_name = (s), .long_name = (l),     \
		.value = OPT_TYPED_(const char **, v), .arg = (a),             \
		.help = (h), .complete = (c)                                   \
	}
/* a string completed from a list of words, checked later by the applet */
#define OPT_STRING_WORDS(s, l, v, a, h, w)                                     \
	{                                                                      \
		.type = OPT_T_STRING, .short_name = (s), .long_name = (l),     \
		.value = OPT_TYPED_(const char **, v), .arg = (a),             \
		.help = (h), .complete = OPT_C_WORDS, .words = (w)             \
	}
/* a long option that gives configuration key k's value (fvm configure) */
#define OPT_CONF_STRING(l, v, a, h, k, c)                                      \
	{                                                                      \
		.type = OPT_T_STRING, .long_name = (l),                        \
		.value = OPT_TYPED_(const char **, v), .arg = (a),             \
		.help = (h), .complete = (c), .conf_key = (k)                  \
	}
#define OPT_CONF_WORDS(l, v, a, h, k, w)                                       \
	{                                                                      \
		.type = OPT_T_STRING, .long_name = (l),                        \
		.value = OPT_TYPED_(const char **, v), .arg = (a),             \
		.help = (h), .complete = OPT_C_WORDS, .words = (w),            \
		.conf_key = (k)                                                \
	}
#define OPT_INT(s, l, v, a, h, lo, hi)                                         \
	{                                                                      \
		.type = OPT_T_INT, .short_name = (s), .long_name = (l),        \
		.value = OPT_TYPED_(int *, v), .arg = (a), .help = (h),        \
		.min = (lo), .max = (hi)                                       \
	}
#define OPT_LONG(s, l, v, a, h, lo, hi)                                        \
	{                                                                      \
		.type = OPT_T_LONG, .short_name = (s), .long_name = (l),       \
		.value = OPT_TYPED_(long *, v), .arg = (a), .help = (h),       \
		.min = (lo), .max = (hi)                                       \
	}
#define OPT_SIZE(s, l, v, a, h)                                                \
	{                                                                      \
		.type = OPT_T_SIZE, .short_name = (s), .long_name = (l),       \
		.value = OPT_TYPED_(uint64_t *, v), .arg = (a), .help = (h)    \
	}
#define OPT_CHOICE(s, l, v, a, h, w)                                           \
	{                                                                      \
		.type = OPT_T_CHOICE, .short_name = (s), .long_name = (l),     \
		.value = OPT_TYPED_(int *, v), .arg = (a), .help = (h),        \
		.complete = OPT_C_WORDS, .words = (w)                          \
	}
/* v is handed to f as o->value; a NULL a makes an option without argument */
#define OPT_CALLBACK(s, l, v, a, h, f)                                         \
	{                                                                      \
		.type = OPT_T_CALLBACK, .short_name = (s), .long_name = (l),   \
		.value = (v), .arg = (a), .help = (h), .cb = (f)               \
	}
#define OPT_CALLBACK_WORDS(s, l, v, a, h, f, w)                                \
	{                                                                      \
		.type = OPT_T_CALLBACK, .short_name = (s), .long_name = (l),   \
		.value = (v), .arg = (a), .help = (h), .cb = (f),              \
		.complete = OPT_C_WORDS, .words = (w)                          \
	}
#define OPT_CALLBACK_FILE(s, l, v, a, h, f)                                    \
	{                                                                      \
		.type = OPT_T_CALLBACK, .short_name = (s), .long_name = (l),   \
		.value = (v), .arg = (a), .help = (h), .cb = (f),              \
		.complete = OPT_C_FILE                                         \
	}

/* Options most applets share, so they read the same everywhere. */
#define OPT_JSON(v)	OPT_BOOL(0, "json", v, "print JSON instead of a table")
#define OPT_QUIET(v, h) OPT_BOOL('q', "quiet", v, h)
/* virsh's -c: the libvirt URI (the order is lib/conf's conf_connect) */
#define OPT_CONNECT(v)                                                         \
	OPT_STRING('c', "connect", v, "URI",                                   \
		   "connect to libvirt at URI, as virsh -c does (before "      \
		   "LIBVIRT_DEFAULT_URI and FVM_URI)",                         \
		   OPT_C_NONE)

/* Positional counts: max_args OPT_ARGS_ANY takes any number. */
#define OPT_ARGS_ANY (-1)

/* Everything that describes one applet besides its code. */
struct applet_info {
	const char *usage; /* positional part of the synopsis */
	/* paragraphs, '\n' separated; those starting "Exit status" also
	 * make the man page's EXIT STATUS section */
	const char *description;
	const struct opt *opts; /* ends with OPT_END(); -h is implied */
	/*
	 * How many positionals it takes, checked by opt_parse: from
	 * min_args to max_args (OPT_ARGS_ANY: no limit). Both 0 by
	 * default: an applet without positionals refuses them.
	 */
	int min_args, max_args;
	/* completion of positionals: one per position, the last repeats
	 * when repeat_last is set; OPT_C_NONE ends the list */
	enum opt_complete args[4];
	bool repeat_last;
	/* options end at the first positional (a command line follows, as
	 * in `fvm ssh 42 ls -l`); otherwise options may come anywhere and
	 * only "--" ends them */
	bool options_first;
	/*
	 * Man page sections, '\n' separated lines. examples: a line
	 * starting "$ " is a command (tests/cli/man.sh checks it), any
	 * other a paragraph before the commands it explains. environment
	 * and files: "NAME\tmeaning" lines, after those every applet
	 * shares. see_also: "page(N)" names, ", " separated, after fvm(1)
	 * and fvm.conf(5).
	 */
	const char *examples, *environment, *files, *see_also;
};

struct applet {
	const char *name;
	const char *summary;
	unsigned flags;
	const struct applet_info *info;
	int (*main)(int argc, char **argv);
};
#define APPLET_HIDDEN 1u /* not listed, no symlink (internal) */

/*
 * Parse argv[1..argc) against ap's options: each option sets its bound
 * variable, checked as its type says ("--timeout takes seconds from 0 to
 * 86400, not 'x'"). Options may come anywhere ("--" ends them), or only
 * before the first positional with options_first. Then the number of
 * positionals is checked. Returns the index of the first positional
 * (they are argv[ind..argc) in their order), OPT_PARSE_HELP for -h or
 * --help, or -1 with a one-line usage error recorded (FVM_EXIT_USAGE).
 */
#define OPT_PARSE_HELP (-2)
int opt_parse(const struct applet *ap, int argc, char **argv);

/* Text outputs derived from the tables. */
void opt_print_usage_line(FILE *f, const struct applet *ap, bool as_symlink);
void opt_print_help(FILE *f, const struct applet *ap);
void opt_print_man(FILE *f, const struct applet *ap, const char *version);

/*
 * Completion. words[0] is the command as typed (fvm or fvm-APPLET); the
 * last word is the one being completed, possibly empty. The completer
 * holds the applet table to look commands up in, where candidates go,
 * and the source of live data (images, VMs, configuration keys), if any.
 */
typedef void (*opt_emit_fn)(const char *candidate, void *ctx);
struct opt_completer;
typedef void (*opt_source_fn)(const struct opt_completer *c,
			      enum opt_complete kind, const char *prefix);
struct opt_completer {
	const struct applet *applets;
	unsigned napplets;
	opt_source_fn source;
	opt_emit_fn emit;
	void *ctx;
};
void opt_complete(const struct opt_completer *c, int nwords, char **words);
/* the candidates of one kind starting with prefix (words for OPT_C_WORDS) */
void opt_complete_kind(const struct opt_completer *c, enum opt_complete kind,
		       const char *words, const char *prefix);

/* s as roff text: leading dots and quotes, backslashes and - guarded */
void opt_roff_text(FILE *f, const char *s);

#endif
