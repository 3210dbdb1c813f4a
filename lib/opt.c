/* lib/opt.c: option tables, getopt_long over them, help, man and completion. */
#include "opt.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "util.h"

static const struct opt opt_help = OPT_HELP;

const struct applet *applet_find(const char *name)
{
	for (unsigned i = 0; i < applets_count; i++)
		if (strcmp(applets[i].name, name) == 0)
			return &applets[i];
	return NULL;
}

/* Iterate over an applet's options, then the implied -h/--help. */
static const struct opt *opt_at(const struct applet *ap, size_t i)
{
	const struct opt *o = ap->info->opts;
	size_t n = 0;

	while (o && o[n].key)
		n++;
	if (i < n)
		return &o[i];
	if (i == n)
		return &opt_help;
	return NULL;
}

void opt_init(struct opt_state *st, const struct applet *ap, int argc,
	      char **argv)
{
	struct option *lo;
	const struct opt *o;
	struct sbuf sb = SBUF_INIT;
	size_t n = 0;

	memset(st, 0, sizeof(*st));
	st->argc = argc;
	st->argv = argv;
	st->ap = ap;
	while (opt_at(ap, n))
		n++;
	lo = xcalloc(n + 1, sizeof(*lo));
	/* "+" stops at the first non-option; ":" reports missing arguments
	 * apart from unknown options */
	sbuf_adds(&sb, ap->info->options_first ? "+:" : ":");
	for (size_t i = 0; (o = opt_at(ap, i)); i++) {
		lo[i].name = o->name;
		lo[i].has_arg = o->arg ? required_argument : no_argument;
		lo[i].val = o->key;
		if (o->key < OPT_LONG_BASE) {
			sbuf_addc(&sb, (char)o->key);
			if (o->arg)
				sbuf_addc(&sb, ':');
		}
	}
	st->longopts = lo;
	st->shortopts = sbuf_detach(&sb);
	optind = 0; /* full re-initialisation of getopt's state */
	opterr = 0;
}

int opt_next(struct opt_state *st, const char **arg)
{
	int longind = -1, c;
	const char *bad;

	*arg = NULL;
	c = getopt_long(st->argc, st->argv, st->shortopts, st->longopts,
			&longind);
	st->ind = optind;
	if (c == -1)
		return -1;
	if (c == '?' || c == ':') {
		/* which word was bad: optopt for short ones, else the word */
		bad = st->argv[optind - 1];
		if (c == ':' && optopt && optopt < OPT_LONG_BASE &&
		    !str_starts(bad, "--"))
			err_set(FVM_EXIT_USAGE, "option -%c needs an argument",
				optopt);
		else if (c == ':')
			err_set(FVM_EXIT_USAGE, "option %s needs an argument",
				bad);
		else if (optopt && optopt < OPT_LONG_BASE &&
			 !str_starts(bad, "--"))
			err_set(FVM_EXIT_USAGE, "unknown option -%c", optopt);
		else
			err_set(FVM_EXIT_USAGE, "unknown option %s", bad);
		return '?';
	}
	*arg = optarg;
	return c;
}

void opt_release(struct opt_state *st)
{
	free(st->longopts);
	free(st->shortopts);
	st->longopts = NULL;
	st->shortopts = NULL;
}

static bool has_options(const struct applet *ap)
{
	return ap->info->opts && ap->info->opts[0].key;
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

	if (o->key < OPT_LONG_BASE)
		sbuf_addf(&sb, "-%c, ", o->key);
	else
		sbuf_adds(&sb, "    ");
	sbuf_addf(&sb, "--%s", o->name);
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
		char *label = opt_label(o);

		if (strlen(label) > 24)
			fprintf(f, "  %s\n  %-24s  %s\n", label, "", o->help);
		else
			fprintf(f, "  %-24s  %s\n", label, o->help);
		free(label);
	}
}

/* roff needs leading dots and quotes and backslashes guarded */
static void roff_text(FILE *f, const char *s)
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

void opt_print_man(FILE *f, const struct applet *ap, const char *version)
{
	const struct opt *o;
	char *upper = xstrdup(ap->name);

	for (char *p = upper; *p; p++)
		if (*p >= 'a' && *p <= 'z')
			*p = (char)(*p - 'a' + 'A');
	fprintf(f, ".TH FVM-%s 1 \"\" \"fvm %s\" \"fvm manual\"\n", upper,
		version);
	free(upper);
	fputs(".SH NAME\n", f);
	fprintf(f, "fvm\\-%s \\- ", ap->name);
	roff_text(f, ap->summary);
	fputs("\n.SH SYNOPSIS\n", f);
	for (int sym = 0; sym < 2; sym++) {
		char *line;
		size_t len;
		FILE *m = open_memstream(&line, &len);

		opt_print_usage_line(m, ap, sym);
		fclose(m);
		fputs(".nf\n", f);
		roff_text(f, line);
		fputs(".fi\n", f);
		if (!sym)
			fputs(".br\n", f);
		free(line);
	}
	if (ap->info->description && *ap->info->description) {
		fputs(".SH DESCRIPTION\n", f);
		for (const char *p = ap->info->description; *p;) {
			const char *nl = strchr(p, '\n');
			size_t n = nl ? (size_t)(nl - p) : strlen(p);
			char *para = xstrndup(p, n);

			if (n == 0)
				fputs(".PP\n", f);
			else {
				roff_text(f, para);
				fputc('\n', f);
			}
			free(para);
			p += n + (nl ? 1 : 0);
		}
	}
	fputs(".SH OPTIONS\n", f);
	for (size_t i = 0; (o = opt_at(ap, i)); i++) {
		char *label = opt_label(o);

		fputs(".TP\n.B ", f);
		roff_text(f, label + (o->key < OPT_LONG_BASE ? 0 : 4));
		fputc('\n', f);
		roff_text(f, o->help);
		fputc('\n', f);
		free(label);
	}
	fputs(".SH EXIT STATUS\n"
	      "0 success, 1 failure, 2 usage or configuration error, "
	      "3 not found, 4 exists already or busy; see\n.BR fvm (1).\n"
	      ".SH SEE ALSO\n.BR fvm (1),\n.BR fvm.conf (5)\n",
	      f);
}

/* ---- completion ---- */

static opt_source_fn completion_source;

void opt_set_completion_source(opt_source_fn fn)
{
	completion_source = fn;
}

struct filter {
	const char *prefix;
	opt_emit_fn emit;
	void *ctx;
};

static void emit_if(struct filter *fl, const char *cand)
{
	if (str_starts(cand, fl->prefix))
		fl->emit(cand, fl->ctx);
}

static void complete_kind(struct filter *fl, enum opt_complete kind,
			  const char *words)
{
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
		for (unsigned i = 0; i < applets_count; i++)
			if (!(applets[i].flags & APPLET_HIDDEN))
				emit_if(fl, applets[i].name);
		return;
	default:
		if (completion_source)
			completion_source(kind, fl->prefix, fl->emit, fl->ctx);
	}
}

void opt_complete_kind(enum opt_complete kind, const char *words,
		       const char *prefix, opt_emit_fn emit, void *ctx)
{
	struct filter fl = { prefix, emit, ctx };

	complete_kind(&fl, kind, words);
}

static void complete_applet(struct filter *fl, const struct applet *ap,
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
			continue;
		}
		if (dashdash || w[0] != '-' || !w[1]) {
			npos++;
			continue;
		}
		if (strcmp(w, "--") == 0) {
			dashdash = true;
			continue;
		}
		for (size_t k = 0; (o = opt_at(ap, k)); k++) {
			if (!o->arg)
				continue;
			if ((w[1] == '-' && strcmp(w + 2, o->name) == 0) ||
			    (w[1] != '-' && w[1] == o->key && !w[2]))
				pending = o;
		}
	}
	if (pending) {
		complete_kind(fl, pending->complete, pending->words);
		return;
	}
	if (!dashdash && cur[0] == '-') {
		for (size_t k = 0; (o = opt_at(ap, k)); k++) {
			char *name = xasprintf("--%s", o->name);

			emit_if(fl, name);
			free(name);
		}
		return;
	}
	if (dashdash && npos > 0)
		return; /* a remote command: nothing of ours */
	{
		const struct applet_info *in = ap->info;
		int n = 0;

		while (n < 4 && in->args[n])
			n++;
		if (n == 0)
			return;
		if (npos >= n && !in->repeat_last)
			return;
		complete_kind(fl, in->args[npos < n ? npos : n - 1], NULL);
	}
}

void opt_complete(int nwords, char **words, opt_emit_fn emit, void *ctx)
{
	struct filter fl = { "", emit, ctx };
	const struct applet *ap;
	const char *cmd, *base;

	if (nwords < 2)
		return;
	fl.prefix = words[nwords - 1];
	cmd = words[0];
	base = strrchr(cmd, '/');
	base = base ? base + 1 : cmd;
	if (str_starts(base, "fvm-") && (ap = applet_find(base + 4))) {
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
	ap = applet_find(words[1]);
	if (!ap)
		return;
	if (strcmp(ap->name, "help") == 0 && nwords == 3) {
		complete_kind(&fl, OPT_C_APPLET, NULL);
		return;
	}
	complete_applet(&fl, ap, nwords - 2, words + 2);
}
