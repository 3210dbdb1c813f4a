/* applets/help.c: `fvm help [APPLET]`, and the generated man page parts. */
#include <stdio.h>
#include <string.h>

#include "../cli/applet.h"

/* the options' values (the table binds them) */
static struct {
	bool man, man_list, conf_keys, env;
} opt;

static const struct opt help_opts[] = {
	OPT_BOOL(0, "man", &opt.man, "print APPLET's manual page (roff)"),
	OPT_BOOL(0, "man-list", &opt.man_list,
		 "print the applet list section of fvm(1) (roff)"),
	OPT_BOOL(0, "conf-keys", &opt.conf_keys,
		 "print the key sections of fvm.conf(5) (roff)"),
	OPT_BOOL(0, "env", &opt.env,
		 "print the environment section of fvm(1) (roff)"),
	OPT_END(),
};

const struct applet_info help_info = {
	.usage = "[APPLET]",
	.description =
		"Without APPLET, list the applets with a line on each. "
		"With APPLET, print the same help as 'fvm APPLET --help'.",
	.opts = help_opts,
	.max_args = 1,
	.args = { OPT_C_APPLET },
	.examples = "List the applets, then show the help of fvm create:\n"
		    "$ fvm help\n"
		    "$ fvm help create",
};

static void man_list(void)
{
	for (unsigned i = 0; i < applets_count; i++) {
		if (applets[i].flags & APPLET_HIDDEN)
			continue;
		printf(".TP\n.BR fvm\\-%s (1)\n%s.\n", applets[i].name,
		       applets[i].summary);
	}
}

/* one .TP entry: the name in bold, the line and its default */
static void man_entry(const char *name, const char *doc, const char *def)
{
	printf(".TP\n.B ");
	opt_roff_text(stdout, name);
	putchar('\n');
	opt_roff_text(stdout, doc);
	if (def) {
		fputs(" Default: ", stdout);
		opt_roff_text(stdout, def);
		putchar('.');
	}
	putchar('\n');
}

/* fvm.conf(5)'s keys, from conf_table: fast-vm's, then fvm's own */
static void man_conf_keys(void)
{
	for (int own = 0; own < 2; own++) {
		puts(own ? ".SH KEYS FVM ADDS" :
			   ".SH KEYS KEPT FROM FAST\\-VM");
		for (const struct conf_key *k = conf_table; k->name; k++)
			if ((k->flags & CONF_FASTVM) ? !own : own)
				man_entry(k->name, k->doc, k->def);
	}
}

static void man_env(void)
{
	for (const struct conf_env *e = conf_env_table; e->name; e++)
		man_entry(e->name, e->doc, e->def);
}

int help_main(int argc, char **argv)
{
	const struct applet *ap;

	applet_args(&argc, &argv);
	if (opt.man_list) {
		man_list();
		return 0;
	}
	if (opt.conf_keys) {
		man_conf_keys();
		return 0;
	}
	if (opt.env) {
		man_env();
		return 0;
	}
	if (argc == 0) {
		if (opt.man)
			usage_error("--man needs an APPLET");
		printf("usage: fvm APPLET [OPTIONS] [ARGS]\n\nApplets:\n");
		for (unsigned i = 0; i < applets_count; i++)
			if (!(applets[i].flags & APPLET_HIDDEN))
				printf("  %-16s %s\n", applets[i].name,
				       applets[i].summary);
		return 0;
	}
	ap = applet_find(argv[0]);
	if (!ap) {
		error("'%s' is not an fvm applet; 'fvm --list' shows them",
		      argv[0]);
		return FVM_EXIT_NOAPPLET;
	}
	if (opt.man)
		opt_print_man(stdout, ap, fvm_version);
	else
		opt_print_help(stdout, ap);
	return 0;
}
