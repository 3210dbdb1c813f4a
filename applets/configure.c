/* applets/configure.c: `fvm configure`: set up this host for fvm: storage, network, group, helper. */
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "configure.h"

/* the options' values (the table binds them) */
static struct {
	bool yes, json, quiet, build_appliance;
	const char *config, *sudoers, *unit_dir;
	/* answers given as options */
	const char *storage, *vg, *pool, *pool_size, *loop_file, *loop_size;
	const char *store_dir, *network, *subnet, *prefix, *group, *owner_only;
	const char *appliance, *keydist, *uri;
	const char *keydist_file;
	int keydist_fd;
} opt = { .keydist_fd = -1 };

static const struct opt configure_opts[] = {
	OPT_BOOL('y', "yes", &opt.yes,
		 "ask nothing: answers come from the options, else the "
		 "existing configuration, else the defaults; every "
		 "confirmation is yes"),
	OPT_STRING(0, "config", &opt.config, "FILE",
		   "the configuration file to write [FVM_CONFIG, else "
		   "/etc/fast-vm.conf]",
		   OPT_C_FILE),
	OPT_STRING_WORDS(0, "storage", &opt.storage, "KIND",
			 "lvm (a thin pool in a volume group) or dir (files "
			 "in a directory)",
			 "lvm dir"),
	OPT_CONF_STRING("vg", &opt.vg, "VG", "volume group of the thin pool",
			"THINPOOL_VG", OPT_C_NONE),
	OPT_CONF_STRING("pool", &opt.pool, "LV", "thin pool name",
			"THINPOOL_LV", OPT_C_NONE),
	OPT_CONF_STRING("pool-size", &opt.pool_size, "SIZE",
			"size of a thin pool to create", "THINPOOL_SIZE",
			OPT_C_NONE),
	OPT_STRING(0, "loop-file", &opt.loop_file, "FILE",
		   "when the volume group does not exist, make it on this "
		   "sparse file through a loop device, re-attached at boot by "
		   "a systemd unit",
		   OPT_C_FILE),
	OPT_STRING(0, "loop-size", &opt.loop_size, "SIZE",
		   "size of the loop file [the pool's size plus 2% and 1G]",
		   OPT_C_NONE),
	OPT_CONF_STRING("store-dir", &opt.store_dir, "DIR",
			"directory of the dir storage", "FVM_STORE_DIR",
			OPT_C_FILE),
	OPT_CONF_STRING("network", &opt.network, "NAME",
			"libvirt NAT network of the VMs", "LIBVIRT_NETWORK",
			OPT_C_NONE),
	OPT_CONF_STRING("subnet", &opt.subnet, "S",
			"the network is 192.168.S.0/24", "SUBNET_NUMBER",
			OPT_C_NONE),
	OPT_CONF_STRING("prefix", &opt.prefix, "PREFIX",
			"prefix of domain and disk names", "VM_PREFIX",
			OPT_C_NONE),
	OPT_CONF_STRING("group", &opt.group, "GROUP",
			"group whose members may use fvm, created when "
			"missing",
			"FASTVM_GROUP", OPT_C_NONE),
	OPT_CONF_WORDS("owner-only-delete", &opt.owner_only, "yes|no",
		       "only root and a VM's owner may delete it",
		       "FASTVM_OWNER_ONLY_DELETE", "yes no"),
	OPT_CONF_STRING("appliance", &opt.appliance, "DIR|import",
			"libguestfs appliance: a directory with a fixed "
			"appliance, or import for libguestfs's own",
			"FASTVM_APPLIANCE", OPT_C_FILE),
	OPT_BOOL(0, "build-appliance", &opt.build_appliance,
		 "build a fixed appliance in the --appliance directory when "
		 "it has none (libguestfs-make-fixed-appliance; takes "
		 "minutes)"),
	OPT_CONF_STRING("keydist-password", &opt.keydist, "PASSWORD",
			"root password of guests for keydist, or none; ps "
			"shows it while configure runs: "
			"--keydist-password-file does not",
			"FASTVM_KEYDIST_PASSWORD", OPT_C_NONE),
	OPT_STRING(0, "keydist-password-file", &opt.keydist_file, "FILE",
		   "the keydist password is the first line of FILE",
		   OPT_C_FILE),
	OPT_INT(0, "keydist-password-fd", &opt.keydist_fd, "N",
		"the keydist password is the first line read from "
		"descriptor N",
		0, INT_MAX),
	OPT_CONF_STRING("uri", &opt.uri, "URI", "libvirt connection", "FVM_URI",
			OPT_C_NONE),
	OPT_STRING(0, "sudoers", &opt.sudoers, "FILE",
		   "where the sudo rule for fvm's helper goes, none to skip "
		   "it [/etc/sudoers.d/fvm]",
		   OPT_C_FILE),
	OPT_STRING(0, "unit-dir", &opt.unit_dir, "DIR",
		   "where the loop device's systemd unit goes "
		   "[/etc/systemd/system]",
		   OPT_C_FILE),
	OPT_JSON(&opt.json),
	OPT_QUIET(&opt.quiet, "print no check table; the exit status tells"),
	OPT_END(),
};

const struct applet_info configure_info = {
	.usage = "",
	.description =
		"Set up this host for fvm and check it, as fast-vm's "
		"configure-fast-vm did: the storage, the libvirt network, "
		"the group of fvm's users, the sudo rule for fvm's helper, "
		"the libguestfs appliance and the configuration file "
		"(fvm.conf(5)). Run it as root.\n"
		"Without --yes it asks fast-vm's questions in fast-vm's order, "
		"offering the value of the existing configuration (or the "
		"default) in brackets: Enter keeps it. Storage: lvm uses a "
		"thin pool in a volume group, created after confirmation when "
		"missing; a volume group that does not exist can be made on a "
		"sparse loop file (--loop-file), which a systemd unit "
		"re-attaches at boot before LVM activation; dir keeps sparse "
		"images and qcow2 VM disks in a directory. The network is "
		"fast-vm's NAT network 192.168.S.0/24 with its dummy DHCP "
		"host at .2; an existing network of that name must have the "
		"same subnet.\n"
		"Nothing changes before the last answer: Ctrl-C while "
		"answering leaves the host as it was, and a failure while "
		"changing it undoes what this run made. The configuration "
		"file keeps its comments and other keys, is written as "
		"fast-vm writes it (KEY=value) and replaced atomically. A "
		"second run with the same answers changes nothing and says "
		"so.\n"
		"Last, every part is checked and reported, one line each "
		"(ok, FAILED or skipped; --json: an array of objects with "
		"check, result and detail). Exit status 0 when no check "
		"failed, 1 when one did, 2 for a bad answer given with "
		"--yes, 3 when --yes names a volume group that does not "
		"exist without --loop-file.\n"
		"configure-fast-vm runs the same with fast-vm's wording.",
	.opts = configure_opts,
	.examples = "Set the host up, answering the questions:\n"
		    "$ sudo fvm configure\n"
		    "Set it up without questions, with the dir storage:\n"
		    "$ sudo fvm configure -y --storage dir --store-dir "
		    "/var/lib/fvm",
	.files = "/etc/sudoers.d/fvm\tThe sudo rule that lets the group run "
		 "fvm's helper.",
	.see_also = "fvm-doctor(1), configure-fast-vm(8), lvmthin(7)",
};

#define SUDOERS_DEFAULT	 "/etc/sudoers.d/fvm"
#define UNIT_DIR_DEFAULT "/etc/systemd/system"

/* ---- the answers ---- */

/* the answers that are configuration keys */
static const struct {
	size_t off;
	const char *key;
} answer_keys[] = {
	{ offsetof(struct answers, storage), "FVM_STORAGE" },
	{ offsetof(struct answers, vg), "THINPOOL_VG" },
	{ offsetof(struct answers, pool), "THINPOOL_LV" },
	{ offsetof(struct answers, pool_size), "THINPOOL_SIZE" },
	{ offsetof(struct answers, store_dir), "FVM_STORE_DIR" },
	{ offsetof(struct answers, network), "LIBVIRT_NETWORK" },
	{ offsetof(struct answers, subnet), "SUBNET_NUMBER" },
	{ offsetof(struct answers, prefix), "VM_PREFIX" },
	{ offsetof(struct answers, group), "FASTVM_GROUP" },
	{ offsetof(struct answers, owner_only), "FASTVM_OWNER_ONLY_DELETE" },
	{ offsetof(struct answers, appliance), "FASTVM_APPLIANCE" },
	{ offsetof(struct answers, keydist), "FASTVM_KEYDIST_PASSWORD" },
	{ offsetof(struct answers, uri), "FVM_URI" },
};

/* What no option answered: the configuration's value (its file's, else
 * the default of conf_table); an unset key stays unanswered. */
static void defaults_from(struct cf *x, const struct fvm_conf *c)
{
	for (size_t i = 0; i < sizeof(answer_keys) / sizeof(answer_keys[0]);
	     i++) {
		char **field = (char **)((char *)&x->a + answer_keys[i].off);
		char *v;

		if (*field)
			continue;
		v = conf_get(c, answer_keys[i].key);
		if (*v)
			*field = v;
		else
			free(v);
	}
	/* no keydist password is answered "none" */
	if (!x->a.keydist)
		x->a.keydist = xstrdup("none");
}

static void answers_release(struct answers *a)
{
	char **f[] = { &a->storage,   &a->vg,	     &a->pool,
		       &a->pool_size, &a->loop_file, &a->loop_size,
		       &a->store_dir, &a->network,   &a->subnet,
		       &a->prefix,    &a->group,     &a->owner_only,
		       &a->appliance, &a->keydist,   &a->uri };

	for (size_t i = 0; i < sizeof(f) / sizeof(f[0]); i++) {
		free(*f[i]);
		*f[i] = NULL;
	}
}

/* --keydist-password-file or -fd: the password, made opt.keydist and
 * returned (caller frees), else NULL; a file that gives none ends the
 * run */
static char *keydist_password_opt(void)
{
	char *pw;

	if (!opt.keydist_file && opt.keydist_fd < 0)
		return NULL;
	if (opt.keydist || (opt.keydist_file && opt.keydist_fd >= 0))
		usage_error("--keydist-password, --keydist-password-file and "
			    "--keydist-password-fd exclude each other");
	pw = read_password_line(opt.keydist_file, opt.keydist_fd);
	if (!pw)
		die_err();
	opt.keydist = pw;
	return pw;
}

/* the options: how to run, and the answers they give */
static void options_read(struct cf *x)
{
	struct answers *a = &x->a;

	x->yes = opt.yes;
	x->quiet = opt.quiet;
	x->mode = applet_out_mode(opt.json, opt.quiet);
	x->config_path = opt.config;
	x->build_appliance = opt.build_appliance;
	x->sudoers = opt.sudoers ? opt.sudoers : SUDOERS_DEFAULT;
	if (!*x->sudoers || !strcmp(x->sudoers, "none"))
		x->sudoers = NULL;
	x->unit_dir_given = opt.unit_dir != NULL;
	x->unit_dir = opt.unit_dir ? opt.unit_dir : UNIT_DIR_DEFAULT;
	x->uri_given = opt.uri != NULL;
	{
		char *kd_pw = keydist_password_opt();
		const char *const given[] = {
			opt.storage,   opt.vg,	      opt.pool,
			opt.pool_size, opt.loop_file, opt.loop_size,
			opt.store_dir, opt.network,   opt.subnet,
			opt.prefix,    opt.group,     opt.owner_only,
			opt.appliance, opt.keydist,   opt.uri
		};

		char **field[] = { &a->storage,	  &a->vg,	 &a->pool,
				   &a->pool_size, &a->loop_file, &a->loop_size,
				   &a->store_dir, &a->network,	 &a->subnet,
				   &a->prefix,	  &a->group,	 &a->owner_only,
				   &a->appliance, &a->keydist,	 &a->uri };

		for (size_t i = 0; i < sizeof(given) / sizeof(given[0]); i++)
			cf_set(field[i], given[i]);
		if (kd_pw) {
			explicit_bzero(kd_pw, strlen(kd_pw));
			free(kd_pw);
			opt.keydist = NULL;
		}
	}
	if (x->sudoers && x->sudoers[0] != '/')
		usage_error("--sudoers must be an absolute path or none");
	if (x->unit_dir[0] != '/')
		usage_error("--unit-dir must be an absolute path");
	cf_check_given(x);
}

/* the configuration file, absolute; what it holds is the default of
 * every answer not given */
static void config_read(struct cf *x)
{
	struct answers *a = &x->a;
	struct fvm_conf conf;
	const char *env;

	if (!x->config_path) {
		env = getenv("FVM_CONFIG");
		x->config_path = env && *env ? env : FVM_DEFAULT_CONFIG;
	}
	if (x->config_path[0] != '/') {
		/* the sudo rule names it: an absolute path */
		char cwd[4096];

		if (!getcwd(cwd, sizeof(cwd)))
			die(FVM_EXIT_FAIL, "cannot tell the current directory");
		x->config_path = x->config_abs =
			xasprintf("%s/%s", cwd, x->config_path);
	}
	conf_defaults(&conf);
	x->old_text = cf_read_file(x->config_path);
	if (x->old_text && conf_parse(&conf, x->config_path, x->old_text,
				      strlen(x->old_text)) < 0)
		die_err();
	/* configure-fast-vm on a new host asks fast-vm's LVM questions */
	if (x->fastvm && !x->old_text && !a->storage)
		a->storage = xstrdup("lvm");
	defaults_from(x, &conf);
	conf_release(&conf);
	x->prompt = x->fastvm ? stdout : stderr;
}

/* libvirt first, as fast-vm does: nothing works without it */
static void libvirt_open(struct cf *x)
{
	struct answers *a = &x->a;
	struct fvm_conf conf;

	conf_defaults(&conf);
	/* the URI it will write as FVM_URI is the one to check, whatever
	 * the environment says */
	cf_set(&conf.uri, a->uri);
	cf_set(&conf.path, x->config_path);
	conf.uri_set = true;
	if (conf_connect(&conf, NULL, false) < 0)
		die_err();
	x->v = virt_open(&conf, false);
	conf_release(&conf);
	if (!x->v) {
		if (x->fastvm)
			printf("[err] libvirt daemon is not running or we "
			       "cannot "
			       "connect to it.\nEnsure that libvirt service is "
			       "running and that you can connect to it using "
			       "command 'virsh --connect %s' and then re-run "
			       "this configuration script.\n",
			       a->uri);
		die(FVM_EXIT_FAIL, "cannot connect to libvirt at %s: %s",
		    a->uri, err_msg());
	}
}

/* SIGINT while asking, before any change: say nothing was changed and
 * die of the signal (async-signal-safe calls only) */
static void on_sigint(int sig)
{
	static const char msg[] = "\ninterrupted: nothing was changed\n";
	ssize_t w = write(2, msg, sizeof(msg) - 1);

	(void)w;
	signal(sig, SIG_DFL);
	raise(sig);
}

/* before the first question: what is asked, and Ctrl-C changes
 * nothing */
static void greet(struct cf *x)
{
	signal(SIGINT, on_sigint);
	if (x->fastvm)
		printf("[inf] ==>> fast-vm configuration script\nYou "
		       "can "
		       "run this script repeatedly and interrupt it "
		       "with ctrl+c.\nScript will always recheck all "
		       "configuration options. fast-vm system "
		       "configuration will be saved in %s.\n\n",
		       x->config_path);
	else
		fprintf(stderr,
			"fvm configure: answer each question, or press "
			"Enter for the value in brackets.\nNothing "
			"changes before the last answer; Ctrl-C stops "
			"without a change. The configuration goes to "
			"%s.\n\n",
			x->config_path);
}

/* the questions, in fast-vm's order; 0, or the exit status of
 * configure-fast-vm --yes naming a missing volume group */
static int ask_all(struct cf *x)
{
	for (;;) {
		for (const struct step *s = configure_steps; s->name; s++)
			if (s->ask)
				s->ask(x);
		if (x->fastvm && !strcmp(x->a.storage, "lvm") &&
		    !x->vg_exists) {
			/* fast-vm asks everything again */
			printf("[err] VG '%s' not found\n", x->a.vg);
			if (x->yes)
				return FVM_EXIT_NOTFOUND;
			continue;
		}
		return 0;
	}
}

/* the changes: undone all together when one fails or on Ctrl-C; 0, or
 * the exit status after the rollback */
static int apply_all(struct cf *x)
{
	int rc;

	txn_signals_block();
	for (const struct step *s = configure_steps; s->name; s++)
		if (s->apply && s->apply(x) < 0)
			goto rollback;
	txn_commit(&x->t);
	if (!x->changes)
		cf_say(x, "inf",
		       "nothing to change: the host is set up as "
		       "answered");
	return 0;

rollback:
	rc = txn_interrupted() && !err_code() ? 130 : err_code();
	if (txn_interrupted())
		error("interrupted: undoing this run's changes");
	else
		rc = report_err();
	if (txn_rollback(&x->t))
		warning("some changes could not be undone");
	if (rc == 0)
		rc = FVM_EXIT_FAIL;
	return rc;
}

enum { C_CHECK, C_RESULT, C_DETAIL };
static const struct out_col check_cols[] = {
	{ "result", "RESULT", OUT_STR, 0, 0, 0, NULL },
	{ "check", "CHECK", OUT_STR, 0, 0, 0, NULL },
	{ "detail", "DETAIL", OUT_STR, 0, 0, 0, NULL },
};

/* every part checked, in the report's order; the exit status */
static int check_all(struct cf *x)
{
	int rc;

	x->report = out_table_new(check_cols, 3);
	conf_defaults(&x->checked);
	for (int place = 1;; place++) {
		const struct step *s = configure_steps;

		while (s->name && s->report != place)
			s++;
		if (!s->name)
			break;
		s->check(x);
	}
	conf_release(&x->checked);
	if (!x->fastvm && x->mode != OUT_QUIET)
		out_print_list(x->report, x->mode, stdout);
	if (x->fastvm && !x->failed)
		printf("[ok] fast-vm configured\n");
	rc = x->failed ? FVM_EXIT_FAIL : FVM_EXIT_OK;
	out_table_free(x->report);
	return rc;
}

static int configure_run(struct cf *x, int argc, char **argv)
{
	int rc;

	applet_args(&argc, &argv);
	options_read(x);
	config_read(x);
	libvirt_open(x);
	x->k.yes = x->yes;
	x->k.prompt = x->prompt;
	if (!x->yes)
		greet(x);
	rc = ask_all(x);
	if (rc)
		return rc;
	cf_plan(x);
	cf_prepare_texts(x);
	if (!x->yes)
		signal(SIGINT, SIG_DFL);
	rc = apply_all(x);
	if (!rc)
		rc = check_all(x);
	if (x->v)
		virt_close(x->v);
	free(x->cfg_text);
	free(x->sudo_text);
	free(x->old_text);
	free(x->config_abs);
	answers_release(&x->a);
	return rc;
}

int configure_main(int argc, char **argv)
{
	struct cf x = { 0 };

	return configure_run(&x, argc, argv);
}

/* configure-fast-vm: fvm configure, asking fast-vm's questions */
int configure_fastvm_main(int argc, char **argv)
{
	struct cf x = { .fastvm = true };

	if (!current_applet)
		current_applet = applet_find("configure");
	return configure_run(&x, argc, argv);
}
