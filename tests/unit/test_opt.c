/* tests/unit/test_opt.c: option tables of every applet, parsing, completion. */
#include <stdlib.h>

#include "../../cli/applet.h"
#include "unit.h"

static char got[4096];

static void collect(const char *cand, void *ctx)
{
	(void)ctx;
	strncat(got, cand, sizeof(got) - strlen(got) - 2);
	strcat(got, " ");
}

static const char *complete(int n, char **words)
{
	got[0] = '\0';
	opt_complete(n, words, collect, NULL);
	return got;
}

int main(void)
{
	char name[128];

	/* every applet's table is sane: unique keys and names, help text */
	for (unsigned i = 0; i < applets_count; i++) {
		const struct applet *ap = &applets[i];
		const struct opt *o = ap->info->opts;
		int bad = 0;

		for (size_t a = 0; o && o[a].key; a++) {
			if (!o[a].name || !o[a].help || !*o[a].help)
				bad = 1;
			if (o[a].key == 'h' || !strcmp(o[a].name, "help"))
				bad = 1; /* -h is implied for everyone */
			for (size_t b = a + 1; o[b].key; b++)
				if (o[a].key == o[b].key ||
				    !strcmp(o[a].name, o[b].name))
					bad = 1;
		}
		snprintf(name, sizeof(name), "%s: option table sane", ap->name);
		CHECK(name, !bad);
		snprintf(name, sizeof(name), "%s: summary and usage", ap->name);
		CHECK(name, ap->summary && *ap->summary && ap->info->usage);
		snprintf(name, sizeof(name), "%s: findable by name", ap->name);
		CHECK(name, applet_find(ap->name) == ap);
	}
	CHECK("no prefix matching", applet_find("conf") == NULL);

	/* options anywhere, positionals kept in order */
	{
		char *argv[] = { "config", "--json", "KEY", "--path", "KEY2", NULL };
		struct opt_state st;
		const char *arg;

		opt_init(&st, applet_find("config"), 5, argv);
		CHECK_INT("long option", OPT_K_JSON, opt_next(&st, &arg));
		CHECK_INT("option after a positional", 'p', opt_next(&st, &arg));
		CHECK_INT("then the end", -1, opt_next(&st, &arg));
		CHECK_INT("positional index", 3, st.ind);
		CHECK_STR("first positional", "KEY", argv[3]);
		CHECK_STR("second positional", "KEY2", argv[4]);
		opt_release(&st);
	}
	/* options_first: a command line follows the first positional */
	{
		struct applet_info info = *applet_find("config")->info;
		struct applet ap = *applet_find("config");
		char *argv[] = { "x", "--json", "42", "ls", "-l", "--path", NULL };
		struct opt_state st;
		const char *arg;

		info.options_first = true;
		ap.info = &info;
		opt_init(&st, &ap, 6, argv);
		CHECK_INT("options_first: leading option", OPT_K_JSON,
			  opt_next(&st, &arg));
		CHECK_INT("options_first: stops at positional", -1,
			  opt_next(&st, &arg));
		CHECK_INT("options_first: index", 2, st.ind);
		CHECK_STR("options_first: the command keeps its options", "-l",
			  argv[4]);
		opt_release(&st);
	}
	{
		char *argv[] = { "config", "-p", "--", "-x", NULL };
		struct opt_state st;
		const char *arg;

		opt_init(&st, applet_find("config"), 4, argv);
		CHECK_INT("short option", 'p', opt_next(&st, &arg));
		CHECK_INT("stops at --", -1, opt_next(&st, &arg));
		CHECK_STR("after -- comes the rest", "-x", argv[st.ind]);
		opt_release(&st);
	}
	{
		char *argv[] = { "config", "--nope", NULL };
		struct opt_state st;
		const char *arg;

		opt_init(&st, applet_find("config"), 2, argv);
		CHECK_INT("unknown long option", '?', opt_next(&st, &arg));
		CHECK_STR("unknown long option message",
			  "unknown option --nope", err_msg());
		opt_release(&st);
	}
	{
		char *argv[] = { "config", "-z", NULL };
		struct opt_state st;
		const char *arg;

		opt_init(&st, applet_find("config"), 2, argv);
		CHECK_INT("unknown short option", '?', opt_next(&st, &arg));
		CHECK_STR("unknown short option message", "unknown option -z",
			  err_msg());
		opt_release(&st);
	}
	{
		char *argv[] = { "help", "--json", NULL };
		struct opt_state st;
		const char *arg;

		opt_init(&st, applet_find("help"), 2, argv);
		CHECK_INT("another applet's option is unknown", '?',
			  opt_next(&st, &arg));
		opt_release(&st);
	}

	{
		char *w[] = { "fvm", "" };
		char *w2[] = { "fvm", "he" };
		char *w3[] = { "fvm", "config", "--j" };
		char *w4[] = { "fvm-config", "--" };
		char *w5[] = { "fvm", "help", "confi" };
		char *w6[] = { "fvm", "-" };

		complete(2, w);
		CHECK("applet names offered", strstr(got, "config ") != NULL);
		CHECK("hidden applet not offered",
		      strstr(got, "complete") == NULL);
		CHECK_STR("prefix filters", "help ", complete(2, w2));
		CHECK_STR("long options", "--json ", complete(3, w3));
		CHECK_STR("through the symlink name", "--json --path --help ",
			  complete(2, w4));
		CHECK_STR("help completes applets", "configure config ", complete(3, w5));
		CHECK_STR("top-level options", "--help --list --version ",
			  complete(2, w6));
	}
	UNIT_DONE();
}
