/* applets/config.c: `fvm config`: the effective configuration, or one key. */
#include <stdio.h>
#include <string.h>

#include "../cli/applet.h"

/* the options' values (the table binds them) */
static struct {
	bool json, path;
} opt;

static const struct opt config_opts[] = {
	OPT_JSON(&opt.json),
	OPT_BOOL('p', "path", &opt.path,
		 "print the path of the configuration file"),
	OPT_END(),
};

const struct applet_info config_info = {
	.usage = "[KEY...]",
	.description =
		"Print the configuration fvm runs with: the file named by "
		"FVM_CONFIG, else /etc/fast-vm.conf, over the built-in "
		"defaults (fvm.conf(5)). Without KEY, every known key as "
		"KEY='value' lines that can be read back as a configuration "
		"file; with KEYs, their bare values one per line. "
		"FASTVM_KEYDIST_PASSWORD shows as ******** unless named. A "
		"malformed file is reported with its line number and "
		"exit status 2.",
	.opts = config_opts,
	.max_args = OPT_ARGS_ANY,
	.args = { OPT_C_CONF_KEY },
	.repeat_last = true,
	.examples = "Print the whole configuration, one key, and the file it "
		    "comes from:\n"
		    "$ fvm config\n"
		    "$ fvm config VM_PREFIX\n"
		    "$ fvm config -p",
	.see_also = "fvm-configure(1)",
};

/* single quotes unless the value is plainly safe */
static void print_assignment(const char *k, const char *v)
{
	bool plain = *v != '\0';

	for (const char *p = v; *p; p++)
		if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWX"
			    "YZ"
			    "0123456789._+-/:@,=",
			    *p))
			plain = false;
	if (plain) {
		printf("%s=%s\n", k, v);
		return;
	}
	printf("%s='", k);
	for (const char *p = v; *p; p++)
		if (*p == '\'')
			fputs("'\\''", stdout);
		else
			putchar(*p);
	puts("'");
}

/* the value fvm config shows (malloc'd): a secret's is masked in the
 * listing of every key, and given only when asked for by name */
static char *shown(const struct fvm_conf *c, const struct conf_key *k,
		   bool named)
{
	char *v = conf_get(c, k->name);

	if ((k->flags & CONF_SECRET) && *v && !named) {
		free(v);
		v = xstrdup("********");
	}
	return v;
}

int config_main(int argc, char **argv)
{
	enum out_mode mode;
	struct fvm_conf *c;
	struct out_col *cols;
	struct out_table *t;
	size_t n = 0;
	unsigned k = 0;

	applet_args(&argc, &argv);
	mode = opt.json ? OUT_JSON : OUT_HUMAN;
	for (int i = 0; i < argc; i++)
		if (!conf_key_find(argv[i]))
			usage_error("unknown configuration key '%s'", argv[i]);
	c = applet_conf();
	if (opt.path) {
		printf("%s\n", c->path);
		return 0;
	}
	if (argc && mode == OUT_HUMAN) {
		for (int i = 0; i < argc; i++) {
			char *v = shown(c, conf_key_find(argv[i]), true);

			printf("%s\n", v);
			free(v);
		}
		return 0;
	}
	while (conf_table[n].name)
		n++;
	cols = xcalloc(n, sizeof(*cols));
	for (size_t i = 0; i < n; i++) {
		bool want = !argc;

		for (int j = 0; j < argc; j++)
			if (!strcmp(argv[j], conf_table[i].name))
				want = true;
		if (!want)
			continue;
		cols[k].key = conf_table[i].name;
		cols[k].title = conf_table[i].name;
		cols[k].type = OUT_STR;
		k++;
	}
	t = out_table_new(cols, k);
	out_row(t);
	for (unsigned i = 0; i < k; i++) {
		char *v = shown(c, conf_key_find(cols[i].key), argc > 0);

		if (mode == OUT_HUMAN)
			print_assignment(cols[i].key, v);
		out_str(t, i, v);
		free(v);
	}
	if (mode == OUT_JSON)
		out_print_record(t, mode, stdout);
	out_table_free(t);
	free(cols);
	return 0;
}
