/* tests/unit/test_opt.c: option tables bound to variables: parsing, checks, help, completion. */
#include <stdlib.h>

#include "../../lib/err.h"
#include "../../lib/opt.h"
#include "../../lib/util.h"
#include "unit.h"

static struct {
	bool quiet, json;
	int mode, color;
	long timeout;
	int count;
	uint64_t size;
	const char *name, *file;
	char seen[64];
} v;

static int remember(const struct opt *o, const char *arg)
{
	if (arg && !strcmp(arg, "bad"))
		return err_set(FVM_EXIT_USAGE, "--%s is not bad", o->long_name);
	if (arg && !strcmp(arg, "gone"))
		return err_set(FVM_EXIT_NOTFOUND, "no %s", arg);
	strncat(o->value, arg ? arg : "+", 8);
	return 0;
}

static const struct opt opts[] = {
	OPT_QUIET(&v.quiet, "say less"),
	OPT_JSON(&v.json),
	OPT_SET_INT(0, "fast", &v.mode, 1, "go fast"),
	OPT_SET_INT(0, "slow", &v.mode, 2, "go slow"),
	OPT_LONG('t', "timeout", &v.timeout, "SECONDS", "wait this long", 0,
		 600),
	OPT_INT(0, "count", &v.count, "N", "so many", 1, 9),
	OPT_SIZE('s', "size", &v.size, "SIZE", "this big"),
	OPT_STRING('n', "name", &v.name, "NAME", "call it so", OPT_C_NONE),
	OPT_STRING(0, "file", &v.file, "FILE", "read it", OPT_C_FILE),
	OPT_CHOICE('c', "color", &v.color, "COLOR", "red, green or blue",
		   "red green blue"),
	OPT_CALLBACK(0, "add", v.seen, "WORD", "remember WORD", remember),
	OPT_CALLBACK(0, "flag", v.seen, NULL, "remember +", remember),
	OPT_END(),
};

static const struct applet_info info = {
	.usage = "IMAGE N...",
	.description = "Test applet.",
	.opts = opts,
	.min_args = 2,
	.max_args = 3,
	.args = { OPT_C_IMAGE, OPT_C_WORDS },
};

static const struct applet_info info_first = {
	.usage = "N [COMMAND...]",
	.opts = opts,
	.min_args = 1,
	.max_args = OPT_ARGS_ANY,
	.args = { OPT_C_VM_RUNNING },
	.options_first = true,
};

static const struct applet_info info_none = { .usage = "" };

static const struct applet table[] = {
	{ "tst", "test the parser", 0, &info, NULL },
	{ "first", "options first", 0, &info_first, NULL },
	{ "none", "no options", 0, &info_none, NULL },
	{ "secret", "hidden", APPLET_HIDDEN, &info_none, NULL },
};

/* parse a NULL-terminated command line after a fresh v */
static int parse(const struct applet *ap, char **argv)
{
	int argc = 0;

	while (argv[argc])
		argc++;
	memset(&v, 0, sizeof(v));
	v.timeout = -1;
	err_clear();
	return opt_parse(ap, argc, argv);
}

static char got[4096];

static void collect(const char *cand, void *ctx)
{
	(void)ctx;
	strncat(got, cand, sizeof(got) - strlen(got) - 2);
	strcat(got, " ");
}

static void live(const struct opt_completer *c, enum opt_complete kind,
		 const char *prefix)
{
	if (kind == OPT_C_IMAGE && str_starts("c7", prefix))
		c->emit("c7", c->ctx);
	if (kind == OPT_C_VM_RUNNING && str_starts("42", prefix))
		c->emit("42", c->ctx);
}

static const char *complete(int n, char **words)
{
	struct opt_completer c = { table, 4, live, collect, NULL };

	got[0] = '\0';
	opt_complete(&c, n, words);
	return got;
}

static void test_types(void)
{
	const struct applet *ap = &table[0];

	{
		char *argv[] = { "tst",	      "-q", "img", "--json", "-t", "30",
				 "--count=3", "-s", "2",   "42",     NULL };

		CHECK_INT("options anywhere: first positional", 8,
			  parse(ap, argv));
		CHECK("bool short", v.quiet);
		CHECK("bool long", v.json);
		CHECK_INT("long with its argument", 30, v.timeout);
		CHECK_INT("int with =", 3, v.count);
		CHECK_INT("size: a bare number is GiB", 2LL << 30,
			  (long long)v.size);
		CHECK_STR("positionals in order", "img", argv[8]);
		CHECK_STR("positionals in order 2", "42", argv[9]);
	}
	{
		char *argv[] = { "tst", "--slow",  "--fast", "-n",
				 "x",	"-cgreen", "--file", "f",
				 "a",	"b",	   NULL };

		CHECK_INT("parses", 8, parse(ap, argv));
		CHECK_INT("set-int: the last one wins", 1, v.mode);
		CHECK_STR("string", "x", v.name);
		CHECK_STR("string long", "f", v.file);
		CHECK_INT("choice: the word's index", 1, v.color);
		CHECK("untouched bool stays false", !v.quiet);
		CHECK_INT("untouched long keeps its default", -1, v.timeout);
	}
	{
		char *argv[] = { "tst",	      "--add", "one", "--flag",
				 "--add=two", "a",     "b",   NULL };

		CHECK_INT("callbacks", 5, parse(ap, argv));
		CHECK_STR("callbacks in order, flag without argument",
			  "one+two", v.seen);
	}
	{
		char *argv[] = { "tst", "-s", "512M", "a", "b", NULL };

		parse(ap, argv);
		CHECK_INT("size with a unit", 512LL << 20, (long long)v.size);
	}
}

static void test_errors(void)
{
	const struct applet *ap = &table[0];
	struct {
		char *argv[6];
		const char *msg;
		int code;
	} bad[] = {
		{ { "tst", "-t", "x", "a", "b" },
		  "--timeout takes seconds from 0 to 600, not 'x'",
		  2 },
		{ { "tst", "--timeout=601", "a", "b" },
		  "--timeout takes seconds from 0 to 600, not '601'",
		  2 },
		{ { "tst", "--count", "0", "a", "b" },
		  "--count takes n from 1 to 9, not '0'",
		  2 },
		{ { "tst", "-s", "10X", "a", "b" },
		  "'10X' is not a size (10, 10G, 512M)",
		  2 },
		{ { "tst", "-c", "pink", "a", "b" },
		  "--color is red, green or blue, not 'pink'",
		  2 },
		{ { "tst", "--add", "bad", "a", "b" }, "--add is not bad", 2 },
		{ { "tst", "--add", "gone", "a", "b" }, "no gone", 3 },
		{ { "tst", "--nope", "a", "b" }, "unknown option --nope", 2 },
		{ { "tst", "-z", "a", "b" }, "unknown option -z", 2 },
		{ { "tst", "a", "b", "-t" }, "option -t needs an argument", 2 },
		{ { "tst", "a", "b", "--name" },
		  "option --name needs an argument",
		  2 },
		{ { "tst", "--json=1", "a", "b" },
		  "unknown option --json=1",
		  2 },
		{ { "tst" }, "no image name given", 2 },
		{ { "tst", "img" }, "missing arguments: IMAGE N...", 2 },
		{ { "tst", "a", "b", "c", "d" }, "unexpected argument 'd'", 2 },
		{ { "none", "x" }, "unexpected argument 'x'", 2 },
		{ { "first" }, "no VM number given", 2 },
	};
	char name[160];

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		const struct applet *a =
			!strcmp(bad[i].argv[0], "tst")	? ap :
			!strcmp(bad[i].argv[0], "none") ? &table[2] :
							  &table[1];

		snprintf(name, sizeof(name), "refused: %s", bad[i].msg);
		CHECK_INT(name, -1, parse(a, bad[i].argv));
		snprintf(name, sizeof(name), "message: %s", bad[i].msg);
		CHECK_STR(name, bad[i].msg, err_msg());
		snprintf(name, sizeof(name), "exit code: %s", bad[i].msg);
		CHECK_INT(name, bad[i].code, err_code());
	}
	{
		char *argv[] = { "tst", "a", "--help", NULL };

		CHECK_INT("--help anywhere", OPT_PARSE_HELP, parse(ap, argv));
	}
	{
		char *argv[] = { "none", "-h", NULL };

		CHECK_INT("-h without a table", OPT_PARSE_HELP,
			  parse(&table[2], argv));
	}
}

static void test_ends(void)
{
	{
		char *argv[] = {
			"first", "-q", "42", "ls", "-l", "--json", NULL
		};

		CHECK_INT("options_first: stops at the positional", 2,
			  parse(&table[1], argv));
		CHECK("options_first: leading option", v.quiet);
		CHECK("options_first: the command keeps its options", !v.json);
		CHECK_STR("options_first: the command", "-l", argv[4]);
	}
	{
		char *argv[] = { "tst", "-q", "--", "-a", "-t", NULL };

		CHECK_INT("stops at --", 3, parse(&table[0], argv));
		CHECK_STR("after -- comes the rest", "-a", argv[3]);
		CHECK_INT("an option after -- is a positional", -1, v.timeout);
	}
}

static void test_text(void)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	opt_print_help(f, &table[0]);
	fclose(f);
	CHECK("help: usage line", strstr(buf, "usage: fvm tst [OPTIONS] "
					      "IMAGE N...\n") != NULL);
	CHECK("help: symlink usage", strstr(buf, "   or: fvm-tst [OPTIONS] "
						 "IMAGE N...\n") != NULL);
	CHECK("help: short and long",
	      strstr(buf, "  -t, --timeout SECONDS     wait this long\n") !=
		      NULL);
	CHECK("help: long only",
	      strstr(buf, "      --json                print JSON") != NULL);
	CHECK("help: -h implied",
	      strstr(buf, "  -h, --help                show this help") !=
		      NULL);
	free(buf);
	f = open_memstream(&buf, &len);
	opt_print_man(f, &table[0], "1.2.3");
	fclose(f);
	CHECK("man: title",
	      strstr(buf, ".TH FVM-TST 1 \"\" \"fvm 1.2.3\"") != NULL);
	CHECK("man: option", strstr(buf, ".B \\-t, \\-\\-timeout SECONDS\n"
					 "wait this long\n") != NULL);
	CHECK("man: long-only option", strstr(buf, ".B \\-\\-json\n") != NULL);
	free(buf);
	f = open_memstream(&buf, &len);
	opt_print_help(f, &table[2]);
	fclose(f);
	CHECK("help without options: no [OPTIONS]",
	      strstr(buf, "usage: fvm none\n") != NULL);
	free(buf);
}

static void test_complete(void)
{
	char *w1[] = { "fvm", "" };
	char *w2[] = { "fvm", "t" };
	char *w3[] = { "fvm", "tst", "--j" };
	char *w4[] = { "fvm-tst", "--c" };
	char *w5[] = { "fvm", "tst", "-c", "" };
	char *w6[] = { "fvm", "tst", "--color", "g" };
	char *w7[] = { "fvm", "tst", "" };
	char *w8[] = { "fvm", "tst", "c7", "" };
	char *w9[] = { "fvm", "first", "42", "--", "" };
	char *w10[] = { "fvm", "-" };
	char *w11[] = { "fvm", "tst", "--file", "" };
	char *w12[] = { "fvm", "nosuch", "" };

	CHECK_STR("applets, hidden ones not", "tst first none ",
		  complete(2, w1));
	CHECK_STR("applet prefix", "tst ", complete(2, w2));
	CHECK_STR("long options", "--json ", complete(3, w3));
	CHECK_STR("through the symlink name", "--count --color ",
		  complete(2, w4));
	CHECK_STR("a choice's words", "red green blue ", complete(4, w5));
	CHECK_STR("a choice's words by prefix", "green ", complete(4, w6));
	CHECK_STR("first positional from the source", "c7 ", complete(3, w7));
	CHECK_STR("second positional: words (none given)", "", complete(4, w8));
	CHECK_STR("after N --: a remote command", "", complete(5, w9));
	CHECK_STR("top-level options", "--help --list --version ",
		  complete(2, w10));
	CHECK_STR("a file is the shell's", "", complete(4, w11));
	CHECK_STR("unknown applet", "", complete(3, w12));
}

int main(void)
{
	test_types();
	test_errors();
	test_ends();
	test_text();
	test_complete();
	UNIT_DONE();
}
