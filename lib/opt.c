/* lib/opt.c: option tables bound to variables: parsing, help, man and completion. */
#include "opt.h"

#include <ctype.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"
#include "err.h"
#include "store.h"
#include "util.h"

/* getopt_long's value for a long-only option: this plus its index */
#define OPT_LONG_BASE 256

static const struct opt opt_help = { .type = OPT_T_HELP,
				     .short_name = 'h',
				     .long_name = "help",
				     .help = "show this help and exit" };

/* Iterate over an applet's options, then the implied -h/--help. */
static const struct opt *opt_at(const struct applet *ap, size_t i)
{
	const struct opt *o = ap->info->opts;
	size_t n = 0;

	while (o && o[n].type != OPT_T_END)
		n++;
	if (i < n)
		return &o[i];
	if (i == n)
		return &opt_help;
	return NULL;
}

static bool has_arg(const struct opt *o)
{
	return o->arg != NULL;
}

/* ---- parsing ---- */

struct getopt_tables {
	struct option *longopts;
	char *shortopts;
};

static void getopt_tables(const struct applet *ap, struct getopt_tables *g)
{
	const struct opt *o;
	struct sbuf sb = SBUF_INIT;
	size_t n = 0;

	while (opt_at(ap, n))
		n++;
	g->longopts = xcalloc(n + 1, sizeof(*g->longopts));
	/* "+" stops at the first non-option; ":" reports missing arguments
	 * apart from unknown options */
	sbuf_adds(&sb, ap->info->options_first ? "+:" : ":");
	for (size_t i = 0; (o = opt_at(ap, i)); i++) {
		g->longopts[i].name = o->long_name;
		g->longopts[i].has_arg =
			has_arg(o) ? required_argument : no_argument;
		g->longopts[i].val =
			o->short_name ? o->short_name : OPT_LONG_BASE + (int)i;
		if (o->short_name) {
			sbuf_addc(&sb, (char)o->short_name);
			if (has_arg(o))
				sbuf_addc(&sb, ':');
		}
	}
	g->shortopts = sbuf_detach(&sb);
}

static const struct opt *opt_for_key(const struct applet *ap, int key)
{
	const struct opt *o;

	if (key >= OPT_LONG_BASE)
		return opt_at(ap, (size_t)(key - OPT_LONG_BASE));
	for (size_t i = 0; (o = opt_at(ap, i)); i++)
		if (o->short_name == key)
			return o;
	return NULL;
}

/* getopt's complaint as one line: which word was bad */
static int getopt_error(int c, char **argv)
{
	const char *bad = argv[optind - 1];
	bool as_short =
		optopt && optopt < OPT_LONG_BASE && !str_starts(bad, "--");

	if (c == ':' && as_short)
		return err_set(FVM_EXIT_USAGE, "option -%c needs an argument",
			       optopt);
	if (c == ':')
		return err_set(FVM_EXIT_USAGE, "option %s needs an argument",
			       bad);
	if (as_short)
		return err_set(FVM_EXIT_USAGE, "unknown option -%c", optopt);
	return err_set(FVM_EXIT_USAGE, "unknown option %s", bad);
}

/* "SECONDS" as "seconds", for messages */
static char *lower(const char *s)
{
	char *l = xstrdup(s ? s : "value");

	for (char *p = l; *p; p++)
		*p = (char)tolower((unsigned char)*p);
	return l;
}

/* the index of arg among the space-separated words, or -1 */
static int word_index(const char *words, const char *arg)
{
	size_t len = strlen(arg);
	int i = 0;

	for (const char *p = words; *p; i++) {
		size_t n = strcspn(p, " ");

		if (n == len && !strncmp(p, arg, n))
			return i;
		p += n;
		while (*p == ' ')
			p++;
	}
	return -1;
}

/* "a, b or c" of "a b c" */
static char *word_list(const char *words)
{
	struct sbuf sb = SBUF_INIT;
	int n = 0, k = 0;

	for (const char *p = words; *p; n++)
		p += strcspn(p, " "), p += strspn(p, " ");
	for (const char *p = words; *p; k++) {
		size_t w = strcspn(p, " ");

		if (k)
			sbuf_adds(&sb, k == n - 1 ? " or " : ", ");
		sbuf_add(&sb, p, w);
		p += w;
		p += strspn(p, " ");
	}
	return sbuf_detach(&sb);
}

static int number_error(const struct opt *o, const char *arg)
{
	char *what = lower(o->arg);

	err_set(FVM_EXIT_USAGE, "--%s takes %s from %ld to %ld, not '%s'",
		o->long_name, what, o->min, o->max, arg);
	free(what);
	return -1;
}

/* Give option o its argument: set the bound variable. */
static int opt_apply(const struct opt *o, const char *arg)
{
	long n;
	int i;

	if (!arg && o->type != OPT_T_BOOL && o->type != OPT_T_SET_INT &&
	    o->type != OPT_T_CALLBACK)
		return err_set(FVM_EXIT_USAGE, "option --%s needs an argument",
			       o->long_name);
	switch (o->type) {
	case OPT_T_BOOL:
		*(bool *)o->value = true;
		return 0;
	case OPT_T_SET_INT:
		*(int *)o->value = (int)o->val;
		return 0;
	case OPT_T_STRING:
		*(const char **)o->value = arg;
		return 0;
	case OPT_T_INT:
	case OPT_T_LONG:
		if (!parse_int(arg, o->min, o->max, &n))
			return number_error(o, arg);
		if (o->type == OPT_T_INT)
			*(int *)o->value = (int)n;
		else
			*(long *)o->value = n;
		return 0;
	case OPT_T_SIZE:
		if (store_parse_size_gib(arg, (uint64_t *)o->value) < 0)
			return err_set(FVM_EXIT_USAGE,
				       "'%s' is not a size (10, 10G, 512M)",
				       arg);
		return 0;
	case OPT_T_CHOICE:
		i = o->words ? word_index(o->words, arg) : -1;
		if (i < 0) {
			char *list = word_list(o->words ? o->words : "");

			err_set(FVM_EXIT_USAGE, "--%s is %s, not '%s'",
				o->long_name, list, arg);
			free(list);
			return -1;
		}
		*(int *)o->value = i;
		return 0;
	case OPT_T_CALLBACK:
		return o->cb(o, arg);
	case OPT_T_END:
	case OPT_T_HELP:
		break;
	}
	return 0;
}

/* what a missing positional is, from what completes it */
static const char *positional_noun(enum opt_complete kind)
{
	switch (kind) {
	case OPT_C_VM:
	case OPT_C_VM_FREE:
	case OPT_C_VM_RUNNING:
	case OPT_C_VM_STOPPED:
		return "VM number";
	case OPT_C_IMAGE:
		return "image name";
	case OPT_C_PROFILE:
		return "profile name";
	case OPT_C_IMAGE_OR_PROFILE:
		return "image or profile name";
	case OPT_C_APPLET:
		return "applet name";
	default:
		return NULL;
	}
}

static int check_count(const struct applet *ap, int argc, char **argv, int ind)
{
	const struct applet_info *in = ap->info;
	int n = argc - ind;

	if (n < in->min_args) {
		const char *noun = n < 4 ? positional_noun(in->args[n]) : NULL;

		if (noun)
			return err_set(FVM_EXIT_USAGE, "no %s given", noun);
		return err_set(FVM_EXIT_USAGE, "missing arguments: %s",
			       in->usage);
	}
	if (in->max_args != OPT_ARGS_ANY && n > in->max_args)
		return err_set(FVM_EXIT_USAGE, "unexpected argument '%s'",
			       argv[ind + in->max_args]);
	return 0;
}

int opt_parse(const struct applet *ap, int argc, char **argv)
{
	struct getopt_tables g;
	int c, rc = 0, longind;

	getopt_tables(ap, &g);
	optind = 0; /* full re-initialisation of getopt's state */
	opterr = 0;
	while (rc == 0 && (c = getopt_long(argc, argv, g.shortopts, g.longopts,
					   &longind)) != -1) {
		const struct opt *o;

		if (c == '?' || c == ':')
			rc = getopt_error(c, argv);
		else if (!(o = opt_for_key(ap, c)))
			rc = err_set(FVM_EXIT_USAGE, "unknown option");
		else if (o->type == OPT_T_HELP)
			rc = OPT_PARSE_HELP;
		else
			rc = opt_apply(o, has_arg(o) ? optarg : NULL);
	}
	free(g.longopts);
	free(g.shortopts);
	if (rc == 0)
		rc = check_count(ap, argc, argv, optind);
	return rc < 0 ? rc : optind;
}

/* ---- help and man pages ---- */

static bool has_options(const struct applet *ap)
{
	return ap->info->opts && ap->info->opts[0].type != OPT_T_END;
}

void opt_print_usage_line(FILE *f, const struct applet *ap, bool as_symlink)
{
	fprintf(f, as_symlink ? "fvm-%s" : "fvm %s", ap->name);
	if (has_options(ap))
		fputs(" [OPTIONS]", f);
	if (ap->info->usage && *ap->info->usage)
		fprintf(f, " %s", ap->info->usage);
	fputc('\n', f);
}

/* "-q, --quiet" or "    --json" plus " ARG" */
static char *opt_label(const struct opt *o)
{
	struct sbuf sb = SBUF_INIT;

	if (o->short_name)
		sbuf_addf(&sb, "-%c, ", o->short_name);
	else
		sbuf_adds(&sb, "    ");
	sbuf_addf(&sb, "--%s", o->long_name);
	if (o->arg)
		sbuf_addf(&sb, " %s", o->arg);
	return sbuf_detach(&sb);
}

/* Paragraphs are separated by '\n'; each is filled to width columns. */
static void print_wrapped(FILE *f, const char *text, size_t width)
{
	const char *p = text;

	while (*p) {
		size_t col = 0;

		while (*p && *p != '\n') {
			size_t w = strcspn(p, " \n");

			if (col && col + 1 + w > width) {
				fputc('\n', f);
				col = 0;
			} else if (col) {
				fputc(' ', f);
				col++;
			}
			fwrite(p, 1, w, f);
			col += w;
			p += w;
			while (*p == ' ')
				p++;
		}
		fputc('\n', f);
		if (*p == '\n') {
			p++;
			/* a blank line between paragraphs */
			if (*p)
				fputc('\n', f);
		}
	}
}

/* o's help, with the configuration key it answers for and the key's
 * default (malloc'd) */
static char *help_text(const struct opt *o)
{
	const struct conf_key *k =
		o->conf_key ? conf_key_find(o->conf_key) : NULL;

	if (!k)
		return xstrdup(o->help);
	if (!k->def)
		return xasprintf("%s (%s)", o->help, k->name);
	return xasprintf("%s (%s) [%s]", o->help, k->name, k->def);
}

void opt_print_help(FILE *f, const struct applet *ap)
{
	const struct opt *o;

	fputs("usage: ", f);
	opt_print_usage_line(f, ap, false);
	fputs("   or: ", f);
	opt_print_usage_line(f, ap, true);
	fprintf(f, "\n%s.\n", ap->summary);
	if (ap->info->description && *ap->info->description) {
		fputc('\n', f);
		print_wrapped(f, ap->info->description, 78);
	}
	fputs("\nOptions:\n", f);
	for (size_t i = 0; (o = opt_at(ap, i)); i++) {
		char *label = opt_label(o), *help = help_text(o);

		if (strlen(label) > 24)
			fprintf(f, "  %s\n  %-24s  %s\n", label, "", help);
		else
			fprintf(f, "  %-24s  %s\n", label, help);
		free(label);
		free(help);
	}
}

void opt_roff_text(FILE *f, const char *s)
{
	bool bol = true;

	for (; *s; s++) {
		if (bol && (*s == '.' || *s == '\''))
			fputs("\\&", f);
		if (*s == '\\')
			fputs("\\e", f);
		else if (*s == '-')
			fputs("\\-", f);
		else
			fputc(*s, f);
		bol = *s == '\n';
	}
}

static void man_synopsis(FILE *f, const struct applet *ap)
{
	fputs("\n.SH SYNOPSIS\n", f);
	for (int sym = 0; sym < 2; sym++) {
		char *line;
		size_t len;
		FILE *m = open_memstream(&line, &len);

		opt_print_usage_line(m, ap, sym);
		fclose(m);
		fputs(".nf\n", f);
		opt_roff_text(f, line);
		fputs(".fi\n", f);
		if (!sym)
			fputs(".br\n", f);
		free(line);
	}
}

/* does paragraph p (up to its '\n') say what the exit status is? */
static bool is_exit_para(const char *p)
{
	return str_starts(p, "Exit status");
}

/*
 * The paragraphs of text ('\n' separated), as .PP paragraphs; "- "
 * starts a list item. exits selects the "Exit status" paragraphs (for
 * EXIT STATUS) or all the others (for DESCRIPTION).
 */
static void man_paragraphs(FILE *f, const char *text, bool exits)
{
	bool first = true;

	for (const char *p = text; *p;) {
		const char *nl = strchr(p, '\n');
		size_t n = nl ? (size_t)(nl - p) : strlen(p);

		if (n && is_exit_para(p) == exits) {
			char *para = xstrndup(p, n);
			bool item = str_starts(para, "- ");

			if (item)
				fputs(".IP \\(bu 2\n", f);
			else if (!first)
				fputs(".PP\n", f);
			opt_roff_text(f, para + (item ? 2 : 0));
			fputc('\n', f);
			free(para);
			first = false;
		}
		p += n + (nl ? 1 : 0);
	}
}

/* EXAMPLES: "$ " lines are commands, shown as typed; others explain */
static void man_examples(FILE *f, const char *text)
{
	bool in_cmds = false;

	fputs(".SH EXAMPLES\n", f);
	for (const char *p = text; *p;) {
		const char *nl = strchr(p, '\n');
		size_t n = nl ? (size_t)(nl - p) : strlen(p);
		char *line = xstrndup(p, n);
		bool cmd = str_starts(line, "$ ");

		if (cmd && !in_cmds)
			fputs(".PP\n.RS 4\n.EX\n", f);
		else if (!cmd && in_cmds)
			fputs(".EE\n.RE\n", f);
		if (!cmd)
			fputs(".PP\n", f);
		opt_roff_text(f, line);
		fputc('\n', f);
		in_cmds = cmd;
		free(line);
		p += n + (nl ? 1 : 0);
	}
	if (in_cmds)
		fputs(".EE\n.RE\n", f);
}

/* "NAME\tmeaning" lines as a .TP list */
static void man_tagged(FILE *f, const char *text, bool italic)
{
	for (const char *p = text; p && *p;) {
		const char *nl = strchr(p, '\n');
		size_t n = nl ? (size_t)(nl - p) : strlen(p);
		char *line = xstrndup(p, n);
		char *tab = strchr(line, '\t');

		if (tab) {
			*tab = '\0';
			fputs(italic ? ".TP\n.I " : ".TP\n.B ", f);
			opt_roff_text(f, line);
			fputc('\n', f);
			opt_roff_text(f, tab + 1);
			fputc('\n', f);
		}
		free(line);
		p += n + (nl ? 1 : 0);
	}
}

static bool has_connect(const struct applet *ap)
{
	const struct opt *o;

	for (size_t i = 0; (o = opt_at(ap, i)); i++)
		if (o->long_name && !strcmp(o->long_name, "connect"))
			return true;
	return false;
}

static void man_exit_status(FILE *f, const struct applet *ap)
{
	const char *d = ap->info->description;

	fputs(".SH EXIT STATUS\n"
	      ".TP\n.B 0\nSuccess.\n"
	      ".TP\n.B 1\nThe operation failed.\n"
	      ".TP\n.B 2\nUsage error: unknown option, bad argument, VM "
	      "number out of range, or an invalid configuration file.\n"
	      ".TP\n.B 3\nNot found: no such image, profile or VM.\n"
	      ".TP\n.B 4\nConflict: it exists already, or is busy or "
	      "locked.\n",
	      f);
	if (d && *d) {
		fputs(".PP\n", f);
		man_paragraphs(f, d, true);
	}
}

/* what every applet's ENVIRONMENT and FILES sections hold */
static const char man_env_common[] =
	"FVM_CONFIG\tPath of the configuration file instead of "
	"/etc/fast-vm.conf.\n"
	"FVM_USER_DIR\tDirectory of a user's templates, hack files "
	"and profiles instead of ~/.fast-vm.\n"
	"FVM_SYSTEM_DIR\tDirectory of the system's templates, hack "
	"files and profiles instead of /etc/fast-vm.\n"
	"FVM_LOCK_DIR\tDirectory of fvm's lock files instead of "
	"/run/lock/fvm.";
static const char man_files_common[] =
	"/etc/fast-vm.conf\tThe configuration, see fvm.conf(5).\n"
	"~/.fast-vm, /etc/fast-vm\tTemplates (config-IMAGE.xml), "
	"hack files and profiles, the user's first.\n"
	"/run/lock/fvm\tLock files, one per VM, image and network.";

static void man_environment(FILE *f, const struct applet *ap)
{
	fputs(".SH ENVIRONMENT\n", f);
	if (has_connect(ap))
		man_tagged(f,
			   "LIBVIRT_DEFAULT_URI\tThe libvirt URI to connect "
			   "to when no -c is given; it comes before FVM_URI "
			   "of the configuration file.",
			   false);
	man_tagged(f, man_env_common, false);
	man_tagged(f, ap->info->environment, false);
}

static void man_see_also(FILE *f, const struct applet *ap)
{
	const char *s = ap->info->see_also;
	char *all =
		xasprintf("fvm(1), fvm.conf(5)%s%s", s ? ", " : "", s ? s : "");

	fputs(".SH SEE ALSO\n", f);
	/* "name(N), " -> .BR name (N),  */
	for (char *p = all; *p;) {
		char *paren = strchr(p, '(');
		char *end = paren ? strchr(paren, ')') : NULL;

		if (!end)
			break;
		*paren = '\0';
		fputs(".BR ", f);
		opt_roff_text(f, p);
		fprintf(f, " (%.*s)%s\n", (int)(end - paren - 1), paren + 1,
			end[1] ? "," : "");
		p = end + 1;
		while (*p == ',' || *p == ' ')
			p++;
	}
	free(all);
}

void opt_print_man(FILE *f, const struct applet *ap, const char *version)
{
	const struct opt *o;
	const struct applet_info *in = ap->info;
	char *upper = xstrdup(ap->name);

	for (char *p = upper; *p; p++)
		*p = (char)toupper((unsigned char)*p);
	fprintf(f, ".TH FVM-%s 1 \"\" \"fvm %s\" \"fvm manual\"\n", upper,
		version);
	free(upper);
	fputs(".SH NAME\n", f);
	fprintf(f, "fvm\\-%s \\- ", ap->name);
	opt_roff_text(f, ap->summary);
	man_synopsis(f, ap);
	fputs(".SH DESCRIPTION\n", f);
	if (in->description && *in->description) {
		man_paragraphs(f, in->description, false);
	} else {
		fputc(toupper((unsigned char)ap->summary[0]), f);
		opt_roff_text(f, ap->summary + 1);
		fputs(".\n", f);
	}
	fputs(".SH OPTIONS\n", f);
	for (size_t i = 0; (o = opt_at(ap, i)); i++) {
		char *label = opt_label(o), *help = help_text(o);

		fputs(".TP\n.B ", f);
		opt_roff_text(f, label + (o->short_name ? 0 : 4));
		fputc('\n', f);
		opt_roff_text(f, help);
		fputc('\n', f);
		free(label);
		free(help);
	}
	if (in->examples)
		man_examples(f, in->examples);
	man_exit_status(f, ap);
	man_environment(f, ap);
	fputs(".SH FILES\n", f);
	man_tagged(f, man_files_common, true);
	man_tagged(f, in->files, true);
	man_see_also(f, ap);
}

/* ---- completion ---- */

struct filter {
	const struct opt_completer *c;
	const char *prefix;
};

static void emit_if(const struct filter *fl, const char *cand)
{
	if (str_starts(cand, fl->prefix))
		fl->c->emit(cand, fl->c->ctx);
}

static void complete_kind(const struct filter *fl, enum opt_complete kind,
			  const char *words)
{
	const struct opt_completer *c = fl->c;

	switch (kind) {
	case OPT_C_NONE:
	case OPT_C_FILE:
	case OPT_C__COUNT:
		return;
	case OPT_C_WORDS: {
		char *copy = xstrdup(words ? words : ""), *save = NULL;

		for (char *w = strtok_r(copy, " ", &save); w;
		     w = strtok_r(NULL, " ", &save))
			emit_if(fl, w);
		free(copy);
		return;
	}
	case OPT_C_APPLET:
		for (unsigned i = 0; i < c->napplets; i++)
			if (!(c->applets[i].flags & APPLET_HIDDEN))
				emit_if(fl, c->applets[i].name);
		return;
	case OPT_C_CONF_KEY:
		for (size_t i = 0; conf_table[i].name; i++)
			emit_if(fl, conf_table[i].name);
		return;
	default:
		if (c->source)
			c->source(c, kind, fl->prefix);
	}
}

void opt_complete_kind(const struct opt_completer *c, enum opt_complete kind,
		       const char *words, const char *prefix)
{
	struct filter fl = { c, prefix };

	complete_kind(&fl, kind, words);
}

static const struct applet *find_applet(const struct opt_completer *c,
					const char *name)
{
	for (unsigned i = 0; i < c->napplets; i++)
		if (!strcmp(c->applets[i].name, name))
			return &c->applets[i];
	return NULL;
}

/* the option whose argument word w would be, if any */
static const struct opt *wants_arg(const struct applet *ap, const char *w)
{
	const struct opt *o;

	for (size_t k = 0; (o = opt_at(ap, k)); k++) {
		if (!has_arg(o))
			continue;
		if ((w[1] == '-' && strcmp(w + 2, o->long_name) == 0) ||
		    (w[1] != '-' && w[1] == o->short_name && !w[2]))
			return o;
	}
	return NULL;
}

static void complete_positional(const struct filter *fl,
				const struct applet_info *in, int npos)
{
	int n = 0;

	while (n < 4 && in->args[n])
		n++;
	if (n == 0 || (npos >= n && !in->repeat_last))
		return;
	complete_kind(fl, in->args[npos < n ? npos : n - 1], NULL);
}

static void complete_applet(const struct filter *fl, const struct applet *ap,
			    int nwords, char **words)
{
	const char *cur = words[nwords - 1];
	const struct opt *o, *pending = NULL;
	int npos = 0;
	bool dashdash = false;

	/* walk the words before the current one: which option wants an
	 * argument, how many positionals are there */
	for (int i = 0; i < nwords - 1; i++) {
		const char *w = words[i];

		if (pending) {
			pending = NULL;
		} else if (dashdash || w[0] != '-' || !w[1]) {
			npos++;
		} else if (strcmp(w, "--") == 0) {
			dashdash = true;
		} else {
			pending = wants_arg(ap, w);
		}
	}
	if (pending) {
		complete_kind(fl, pending->complete, pending->words);
		return;
	}
	if (!dashdash && cur[0] == '-') {
		for (size_t k = 0; (o = opt_at(ap, k)); k++) {
			char *name = xasprintf("--%s", o->long_name);

			emit_if(fl, name);
			free(name);
		}
		return;
	}
	if (dashdash && npos > 0)
		return; /* a remote command: nothing of ours */
	complete_positional(fl, ap->info, npos);
}

void opt_complete(const struct opt_completer *c, int nwords, char **words)
{
	struct filter fl = { c, "" };
	const struct applet *ap;
	const char *cmd, *base;

	if (nwords < 2)
		return;
	fl.prefix = words[nwords - 1];
	cmd = words[0];
	base = strrchr(cmd, '/');
	base = base ? base + 1 : cmd;
	if (str_starts(base, "fvm-") && (ap = find_applet(c, base + 4))) {
		complete_applet(&fl, ap, nwords - 1, words + 1);
		return;
	}
	if (nwords == 2) {
		if (fl.prefix[0] == '-') {
			emit_if(&fl, "--help");
			emit_if(&fl, "--list");
			emit_if(&fl, "--version");
			return;
		}
		complete_kind(&fl, OPT_C_APPLET, NULL);
		return;
	}
	ap = find_applet(c, words[1]);
	if (!ap)
		return;
	if (strcmp(ap->name, "help") == 0 && nwords == 3) {
		complete_kind(&fl, OPT_C_APPLET, NULL);
		return;
	}
	complete_applet(&fl, ap, nwords - 2, words + 2);
}
