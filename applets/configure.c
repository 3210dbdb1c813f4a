/* applets/configure.c: `fvm configure`: set up this host for fvm: storage, network, group, helper. */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../lib/privop.h"
#include "../lib/net.h"
#include "../lib/proc.h"
#include "../lib/store.h"
#include "../lib/store-lvm.h"
#include "../lib/txn.h"
#include "../lib/virt.h"
#include "../cli/applet.h"

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
	OPT_STRING(0, "vg", &opt.vg, "VG",
		   "volume group of the thin pool (THINPOOL_VG)", OPT_C_NONE),
	OPT_STRING(0, "pool", &opt.pool, "LV",
		   "thin pool name (THINPOOL_LV) [fastvm-pool]", OPT_C_NONE),
	OPT_STRING(0, "pool-size", &opt.pool_size, "SIZE",
		   "size of a thin pool to create (THINPOOL_SIZE) [50G]",
		   OPT_C_NONE),
	OPT_STRING(0, "loop-file", &opt.loop_file, "FILE",
		   "when the volume group does not exist, make it on this "
		   "sparse file through a loop device, re-attached at boot by "
		   "a systemd unit",
		   OPT_C_FILE),
	OPT_STRING(0, "loop-size", &opt.loop_size, "SIZE",
		   "size of the loop file [the pool's size plus 2% and 1G]",
		   OPT_C_NONE),
	OPT_STRING(0, "store-dir", &opt.store_dir, "DIR",
		   "directory of the dir storage (FVM_STORE_DIR) "
		   "[/var/lib/fvm]",
		   OPT_C_FILE),
	OPT_STRING(0, "network", &opt.network, "NAME",
		   "libvirt NAT network of the VMs (LIBVIRT_NETWORK) "
		   "[fastvm-nat]",
		   OPT_C_NONE),
	OPT_STRING(0, "subnet", &opt.subnet, "S",
		   "the network is 192.168.S.0/24 (SUBNET_NUMBER) [22]",
		   OPT_C_NONE),
	OPT_STRING(0, "prefix", &opt.prefix, "PREFIX",
		   "prefix of domain and disk names (VM_PREFIX) [fastvm-]",
		   OPT_C_NONE),
	OPT_STRING(0, "group", &opt.group, "GROUP",
		   "group whose members may use fvm (FASTVM_GROUP) [libvirt]; "
		   "created when missing",
		   OPT_C_NONE),
	OPT_STRING_WORDS(0, "owner-only-delete", &opt.owner_only, "yes|no",
			 "only root and a VM's owner may delete it "
			 "(FASTVM_OWNER_ONLY_DELETE) [no]",
			 "yes no"),
	OPT_STRING(0, "appliance", &opt.appliance, "DIR|import",
		   "libguestfs appliance: a directory with a fixed appliance, "
		   "or import for libguestfs's own (FASTVM_APPLIANCE) "
		   "[import]",
		   OPT_C_FILE),
	OPT_BOOL(0, "build-appliance", &opt.build_appliance,
		 "build a fixed appliance in the --appliance directory when "
		 "it has none (libguestfs-make-fixed-appliance; takes "
		 "minutes)"),
	OPT_STRING(0, "keydist-password", &opt.keydist, "PASSWORD",
		   "root password of guests for keydist, or none "
		   "(FASTVM_KEYDIST_PASSWORD); ps shows it while configure "
		   "runs: --keydist-password-file does not",
		   OPT_C_NONE),
	OPT_STRING(0, "keydist-password-file", &opt.keydist_file, "FILE",
		   "the keydist password is the first line of FILE",
		   OPT_C_FILE),
	OPT_INT(0, "keydist-password-fd", &opt.keydist_fd, "N",
		"the keydist password is the first line read from "
		"descriptor N",
		0, INT_MAX),
	OPT_STRING(0, "uri", &opt.uri, "URI",
		   "libvirt connection (FVM_URI) [qemu:///system]", OPT_C_NONE),
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

/* ---- the run: answers, mode, output ---- */

struct answers {
	char *storage, *vg, *pool, *pool_size, *loop_file, *loop_size;
	char *store_dir, *network, *subnet, *prefix, *group, *owner_only;
	char *appliance, *keydist, *uri;
};

struct cf {
	bool yes, fastvm, quiet;
	enum out_mode mode;
	bool build_appliance;
	const char *config_path;
	char *config_abs;    /* config_path made absolute (malloc'd) */
	const char *sudoers; /* NULL: none */
	const char *unit_dir;
	bool unit_dir_given;
	struct answers a;
	bool uri_given;
	/* what the host has */
	char *old_text; /* the configuration file, or NULL */
	bool vg_exists, pool_exists, pool_is_thin, net_exists, group_exists;
	/* what to do, once confirmed */
	bool do_loop, do_pool, do_net, do_group, do_appliance;
	int changes;
	FILE *prompt;
};

static void set(char **dst, const char *v)
{
	free(*dst);
	*dst = v ? xstrdup(v) : NULL;
}

/* a progress message: fvm's reporter, or fast-vm's "[inf] ..." lines */
__attribute__((format(printf, 3, 4))) static void
say(struct cf *x, const char *tag, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	if (x->fastvm) {
		printf("[%s] ", tag);
		vprintf(fmt, ap);
		putchar('\n');
		fflush(stdout);
	} else if (!strcmp(tag, "err")) {
		reportv("error", fmt, ap);
	} else if (!strcmp(tag, "wrn")) {
		reportv("warning", fmt, ap);
	} else if (!x->quiet) {
		reportv(NULL, fmt, ap);
	}
	va_end(ap);
}

/* ---- checks of answers: NULL when fine, else why not ---- */

typedef const char *(*check_fn)(const char *v);

static bool safe_name(const char *s)
{
	if (!*s || *s == '-' || *s == '.' || strlen(s) > 64)
		return false;
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && !strchr("._+-", *s))
			return false;
	return true;
}

static const char *check_storage(const char *v)
{
	return strcmp(v, "lvm") && strcmp(v, "dir") ? "must be lvm or dir" :
						      NULL;
}

static const char *check_lvm_name(const char *v)
{
	if (store_check_name(v) < 0 || !strcmp(v, "snapshot") ||
	    !strcmp(v, "pvmove"))
		return "may hold only letters, digits and ._+- and must not "
		       "start with - or .";
	return NULL;
}

static const char *check_size(const char *v)
{
	uint64_t b;

	if (store_parse_size(v, &b) < 0)
		return "is not a size such as 50G or 512M";
	return NULL;
}

/* paths that go unquoted into a systemd unit and argv */
static const char *check_path(const char *v)
{
	if (v[0] != '/')
		return "must be an absolute path";
	for (const char *p = v; *p; p++)
		if (!isalnum((unsigned char)*p) && !strchr("._+-/", *p))
			return "may hold only letters, digits and ._+-/";
	for (const char *p = strstr(v, "/.."); p; p = strstr(p + 1, "/.."))
		if (p[3] == '/' || !p[3])
			return "must not contain ..";
	return NULL;
}

static const char *check_net(const char *v)
{
	return safe_name(v) ? NULL :
			      "may hold only letters, digits and ._+- and "
			      "must not start with - or .";
}

static const char *check_subnet(const char *v)
{
	long n;

	return parse_int(v, 0, 255, &n) ? NULL :
					  "must be a number from 0 to 255";
}

static const char *check_prefix(const char *v)
{
	return safe_name(v) ? NULL :
			      "may hold only letters, digits and ._+- and "
			      "must not start with - or .";
}

static const char *check_group(const char *v)
{
	if (!*v || strlen(v) > 32 || !(isalpha((unsigned char)*v) || *v == '_'))
		return "must start with a letter or _ and hold letters, "
		       "digits and _.- (32 at most)";
	for (const char *p = v; *p; p++)
		if (!isalnum((unsigned char)*p) && !strchr("_.-", *p))
			return "must start with a letter or _ and hold "
			       "letters, digits and _.- (32 at most)";
	return NULL;
}

static const char *check_yesno(const char *v)
{
	return strcmp(v, "yes") && strcmp(v, "no") ? "must be yes or no" : NULL;
}

static const char *check_appliance(const char *v)
{
	if (!strcmp(v, "import"))
		return NULL;
	return check_path(v) ? "must be import or an absolute directory path" :
			       NULL;
}

static const char *check_fastvm_appliance(const char *v)
{
	return strcmp(v, "import") && strcmp(v, "generate") ?
		       "must be generate or import" :
		       NULL;
}

static const char *check_any(const char *v)
{
	return strchr(v, '\n') ? "must be one line" : NULL;
}

static const char *check_uri(const char *v)
{
	return *v && !strchr(v, ' ') ? NULL : "must be a libvirt URI";
}

/* ---- questions ---- */

static const char *run_check(check_fn check, const char *v)
{
	return v ? check(v) : "must be given";
}

static void on_sigint(int sig)
{
	static const char msg[] = "\ninterrupted: nothing was changed\n";
	ssize_t w = write(2, msg, sizeof(msg) - 1);

	(void)w;
	signal(sig, SIG_DFL);
	raise(sig);
}

/*
 * Ask one question, fast-vm's way: the text, the default in brackets,
 * Enter takes it; an empty default needs an answer. With --yes the value
 * is checked only: a bad one is a usage error (one line, exit 2).
 */
static void ask(struct cf *x, const char *what, const char *text, char **value,
		check_fn check)
{
	char *line = NULL;
	size_t cap = 0;
	const char *why;

	if (x->yes) {
		if (!*value || !**value)
			die(FVM_EXIT_USAGE,
			    "%s: no value (give it as an option)", what);
		if ((why = run_check(check, *value)))
			die(FVM_EXIT_USAGE, "%s %s, not '%s'", what, why,
			    *value);
		return;
	}
	for (;;) {
		ssize_t n;

		fprintf(x->prompt, "[?] %s \n[%s]: ", text,
			*value ? *value : "");
		fflush(x->prompt);
		n = getline(&line, &cap, stdin);
		if (n < 0) {
			fputc('\n', x->prompt);
			free(line);
			die(FVM_EXIT_FAIL,
			    "no answer to '%s' (end of input): nothing was "
			    "changed",
			    what);
		}
		while (n > 0 && isspace((unsigned char)line[n - 1]))
			line[--n] = '\0';
		/* answers from a file or a pipe: the transcript shows them */
		if (!isatty(0))
			fprintf(x->prompt, "%s\n", line);
		if (!*line && (!*value || !**value)) {
			fprintf(x->prompt, "[err] You must provide value\n\n");
			continue;
		}
		if (*line && (why = run_check(check, line))) {
			fprintf(x->prompt, "[err] %s %s\n\n", what, why);
			continue;
		}
		if (!*line && (why = run_check(check, *value))) {
			fprintf(x->prompt, "[err] %s %s\n\n", what, why);
			continue;
		}
		fputc('\n', x->prompt);
		if (*line)
			set(value, line);
		break;
	}
	free(line);
}

/* A y/n confirmation (--yes: yes). */
static bool confirm(struct cf *x, const char *fmt, ...)
{
	char *line = NULL;
	size_t cap = 0;
	va_list ap;
	bool yes;

	if (x->yes)
		return true;
	fputs("[?] ", x->prompt);
	va_start(ap, fmt);
	vfprintf(x->prompt, fmt, ap);
	va_end(ap);
	fputs(" (y/n) ", x->prompt);
	fflush(x->prompt);
	if (getline(&line, &cap, stdin) < 0) {
		fputc('\n', x->prompt);
		free(line);
		die(FVM_EXIT_FAIL, "no answer (end of input): nothing was "
				   "changed");
	}
	if (!isatty(0))
		fputs(line, x->prompt);
	yes = line[0] == 'y' || line[0] == 'Y';
	free(line);
	return yes;
}

/* ---- what the host has ---- */

static bool vg_exists(const char *vg)
{
	char *const argv[] = { "vgs",	  "--noheadings", "-o",
			       "vg_name", (char *)vg,	  NULL };

	return lvm_run(argv, NULL, NULL) == 0;
}

/* the segment type of VG/LV ("thin-pool"), or NULL when it is missing */
static char *lv_segtype(const char *vg, const char *lv)
{
	char *name = xasprintf("%s/%s", vg, lv), *out = NULL, *p, *e;
	char *const argv[] = { "lvs",	  "--noheadings", "-o",
			       "segtype", name,		  NULL };
	int rc = lvm_run(argv, &out, NULL);

	free(name);
	if (rc != 0) {
		free(out);
		return NULL;
	}
	for (p = out; isspace((unsigned char)*p); p++)
		;
	for (e = p; *e && !isspace((unsigned char)*e); e++)
		;
	*e = '\0';
	p = xstrdup(p);
	free(out);
	return p;
}

static char *vgs_table(void)
{
	char *const argv[] = { "vgs", "-o", "vg_name,vg_attr,vg_size,vg_free",
			       NULL };
	char *out = NULL;

	if (lvm_run(argv, &out, NULL) != 0) {
		free(out);
		err_clear();
		return xstrdup("(none)");
	}
	return out;
}

static bool is_dir(const char *p)
{
	struct stat st;

	return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

static bool has_fixed_appliance(const char *dir)
{
	static const char *const files[] = { "kernel", "initrd", "root" };

	for (size_t i = 0; i < 3; i++) {
		char *p = xasprintf("%s/%s", dir, files[i]);
		bool ok = access(p, R_OK) == 0;

		free(p);
		if (!ok)
			return false;
	}
	return true;
}

/* the file's text, NULL when it cannot be read */
static char *read_file(const char *path)
{
	char *text;
	size_t len;

	if (read_file_max(path, 1 << 20, &text, &len) < 0) {
		err_clear();
		return NULL;
	}
	return text;
}

static char *unit_name(const char *vg)
{
	return xasprintf("fvm-loop-%s.service", vg);
}

/* the unit that re-attaches the loop file at boot, before LVM activates
 * the volume group on it (fast-vm's fast-vm-loop-device.service) */
static char *unit_text(const char *vg, const char *file)
{
	char *dir = xstrdup(file), *slash = strrchr(dir, '/'), *t;

	if (slash && slash != dir)
		*slash = '\0';
	t = xasprintf(
		"# fvm: the loop device of volume group %s, made by fvm "
		"configure\n"
		"[Unit]\n"
		"Description=Loop device of the fvm volume group %s\n"
		"DefaultDependencies=no\n"
		"RequiresMountsFor=%s\n"
		"Before=lvm2-activation.service lvm2-activation-net.service "
		"libvirtd.service virtqemud.service\n"
		"ConditionFileNotEmpty=%s\n"
		"\n"
		"[Service]\n"
		"Type=oneshot\n"
		"RemainAfterExit=yes\n"
		"ExecStart=/bin/sh -c 'losetup -j \"$$1\" | grep -q . || "
		"losetup -f \"$$1\"' sh %s\n"
		"ExecStart=/sbin/vgchange -ay %s\n"
		"TimeoutSec=60\n"
		"\n"
		"[Install]\n"
		"WantedBy=multi-user.target\n",
		vg, vg, dir, file, file, vg);
	free(dir);
	return t;
}

/* the sudoers file for the helper (lib/helper.h's rule): NULL with the
 * error recorded when the group or a path cannot be written there */
static char *sudoers_text(const char *group, const char *config)
{
	/* the helper is told the config path only when it is not the
	 * default (helper_call passes FVM_CONFIG on) */
	char *rule = helper_sudoers_rule(
		group, NULL,
		strcmp(config, FVM_DEFAULT_CONFIG) ? config : NULL);
	char *t;

	if (!rule)
		return NULL;
	t = xasprintf("# fvm: members of %s run fvm's privileged helper as "
		      "root (fvm configure)\n%s\n",
		      group, rule);
	free(rule);
	return t;
}

static const char *visudo_path(void)
{
	static const char *const paths[] = { "/usr/sbin/visudo",
					     "/sbin/visudo" };

	for (size_t i = 0; i < 2; i++)
		if (access(paths[i], X_OK) == 0)
			return paths[i];
	return NULL;
}

/* visudo -cf on text; 1 valid, 0 invalid (*why set), -1 no visudo */
static int sudoers_valid(const char *text, char **why)
{
	const char *visudo = visudo_path();
	char tmp[] = "/tmp/fvm-sudoers.XXXXXX";
	char *out = NULL, *err = NULL;
	int fd, rc;

	if (!visudo)
		return -1;
	fd = mkstemp(tmp);
	if (fd < 0) {
		*why = xasprintf("cannot make a temporary file: %s",
				 strerror(errno));
		return 0;
	}
	if (write(fd, text, strlen(text)) != (ssize_t)strlen(text)) {
		close(fd);
		unlink(tmp);
		*why = xstrdup("cannot write a temporary file");
		return 0;
	}
	close(fd);
	{
		char *const argv[] = { (char *)visudo, "-cf", tmp, NULL };

		rc = proc_run(argv, &out, &err);
	}
	unlink(tmp);
	if (rc != 0) {
		char *line = proc_last_line(err && *err ? err : out);

		*why = xasprintf("visudo: %s", *line ? line : "refused");
		free(line);
	}
	free(out);
	free(err);
	return rc == 0;
}

/* ---- undo steps ---- */

static int undo_unlink(void *arg)
{
	return unlink(arg) < 0 && errno != ENOENT ?
		       err_sys(FVM_EXIT_FAIL, "cannot remove %s", (char *)arg) :
		       0;
}

static int undo_rmdir(void *arg)
{
	rmdir(arg);
	return 0;
}

static int undo_losetup(void *arg)
{
	char *const argv[] = { "losetup", "-d", arg, NULL };

	return proc_run(argv, NULL, NULL) == 0 ?
		       0 :
		       err_set(FVM_EXIT_FAIL, "cannot detach %s", (char *)arg);
}

static int undo_pvcreate(void *arg)
{
	char *const argv[] = { "pvremove", "-qq", "-y", arg, NULL };

	return lvm_run(argv, NULL, NULL) == 0 ? 0 : -1;
}

static int undo_vgcreate(void *arg)
{
	char *const argv[] = { "vgremove", "-qq", "-f", arg, NULL };

	return lvm_run(argv, NULL, NULL) == 0 ? 0 : -1;
}

static int undo_lvcreate(void *arg)
{
	char *const argv[] = { "lvremove", "-qq", "-f", arg, NULL };

	return lvm_run(argv, NULL, NULL) == 0 ? 0 : -1;
}

static int undo_groupadd(void *arg)
{
	char *const argv[] = { "groupdel", arg, NULL };

	return proc_run(argv, NULL, NULL) == 0 ?
		       0 :
		       err_set(FVM_EXIT_FAIL, "cannot remove group %s",
			       (char *)arg);
}

struct net_undo {
	virConnectPtr conn;
	char *name;
};

static int undo_net(void *arg)
{
	struct net_undo *u = arg;
	virNetworkPtr net = virNetworkLookupByName(u->conn, u->name);

	if (!net)
		return 0;
	if (virNetworkIsActive(net) == 1)
		virNetworkDestroy(net);
	virNetworkUndefine(net);
	virNetworkFree(net);
	return 0;
}

static void free_net_undo(void *arg)
{
	struct net_undo *u = arg;

	free(u->name);
	free(u);
}

struct file_undo {
	char *path, *old; /* old NULL: there was none */
	unsigned mode;
};

static int undo_file(void *arg)
{
	struct file_undo *u = arg;

	if (!u->old)
		return undo_unlink(u->path);
	return conf_write_file(u->path, u->old, u->mode);
}

static void free_file_undo(void *arg)
{
	struct file_undo *u = arg;

	free(u->path);
	free(u->old);
	free(u);
}

/* Replace path with text unless it holds it already; 1 written, 0 same,
 * -1 failed. The old content comes back on rollback. */
static int put_file(struct txn *t, const char *path, const char *text,
		    unsigned mode)
{
	char *old = read_file(path);
	struct stat st;
	struct file_undo *u;

	if (old && !strcmp(old, text) && stat(path, &st) == 0 &&
	    (st.st_mode & 07777) == mode) {
		free(old);
		return 0;
	}
	if (conf_write_file(path, text, mode) < 0) {
		free(old);
		return -1;
	}
	u = xcalloc(1, sizeof(*u));
	u->path = xstrdup(path);
	u->old = old;
	u->mode = mode;
	txn_push(t, path, undo_file, u, free_file_undo);
	return 1;
}

static int mkdirs(struct txn *t, const char *path, mode_t mode)
{
	char *p = xstrdup(path);
	int rc = 0;

	for (char *s = p + 1;; s++) {
		if (*s != '/' && *s)
			continue;
		{
			char c = *s;

			*s = '\0';
			if (mkdir(p, mode) == 0)
				txn_push(t, p, undo_rmdir, xstrdup(p), free);
			else if (errno != EEXIST)
				rc = err_sys(FVM_EXIT_FAIL, "cannot make %s",
					     p);
			*s = c;
		}
		if (!*s || rc)
			break;
	}
	free(p);
	return rc;
}

/* ---- the steps ---- */

/* a volume group on a sparse loop file, re-attached at boot by a unit */
static int make_loop_vg(struct cf *x, struct txn *t)
{
	struct answers *a = &x->a;
	uint64_t size;
	char *dev = NULL, *dir = xstrdup(a->loop_file), *slash;
	int fd, rc = -1;

	slash = strrchr(dir, '/');
	if (slash && slash != dir)
		*slash = '\0';
	if (mkdirs(t, dir, 0755) < 0)
		goto out;
	if (store_parse_size(a->loop_size, &size) < 0)
		goto out;
	fd = open(a->loop_file, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0) {
		err_sys(errno == EEXIST ? FVM_EXIT_CONFLICT : FVM_EXIT_FAIL,
			"cannot make loop file %s", a->loop_file);
		goto out;
	}
	txn_push(t, a->loop_file, undo_unlink, xstrdup(a->loop_file), free);
	if (ftruncate(fd, (off_t)size) < 0) {
		err_sys(FVM_EXIT_FAIL, "cannot size %s", a->loop_file);
		close(fd);
		goto out;
	}
	close(fd);
	{
		char *const argv[] = { "losetup", "-f", "--show", a->loop_file,
				       NULL };
		char *err = NULL;

		if (proc_run(argv, &dev, &err) != 0) {
			char *line = proc_last_line(err);

			err_set(FVM_EXIT_FAIL, "losetup: %s", line);
			free(line);
			free(err);
			goto out;
		}
		free(err);
		dev[strcspn(dev, "\n")] = '\0';
	}
	txn_push(t, dev, undo_losetup, xstrdup(dev), free);
	{
		char *const argv[] = { "pvcreate", "-qq", dev, NULL };

		if (lvm_run(argv, NULL, NULL) != 0)
			goto out;
		txn_push(t, dev, undo_pvcreate, xstrdup(dev), free);
	}
	{
		char *const argv[] = { "vgcreate", "-qq", a->vg, dev, NULL };

		if (lvm_run(argv, NULL, NULL) != 0)
			goto out;
		txn_push(t, a->vg, undo_vgcreate, xstrdup(a->vg), free);
	}
	say(x, "inf", "created volume group %s on %s (loop file %s, %s)", a->vg,
	    dev, a->loop_file, a->loop_size);
	x->changes++;
	rc = 0;
out:
	free(dev);
	free(dir);
	return rc;
}

static int install_unit(struct cf *x, struct txn *t)
{
	char *name = unit_name(x->a.vg);
	char *path = xasprintf("%s/%s", x->unit_dir, name);
	char *text = unit_text(x->a.vg, x->a.loop_file);
	int rc;

	rc = mkdirs(t, x->unit_dir, 0755);
	if (rc == 0)
		rc = put_file(t, path, text, 0644);
	if (rc > 0) {
		say(x, "inf", "installed %s", path);
		x->changes++;
	}
	if (rc >= 0 && !x->unit_dir_given && is_dir("/run/systemd/system")) {
		char *const reload[] = { "systemctl", "daemon-reload", NULL };
		char *const enable[] = { "systemctl", "enable", "--quiet", name,
					 NULL };

		proc_run(reload, NULL, NULL);
		if (proc_run(enable, NULL, NULL) != 0)
			rc = err_set(FVM_EXIT_FAIL,
				     "systemctl enable %s failed", name);
	} else if (rc > 0) {
		say(x, "inf",
		    "systemd is not running here: %s not enabled (systemctl "
		    "enable %s once it runs)",
		    name, name);
	}
	free(name);
	free(path);
	free(text);
	return rc < 0 ? -1 : 0;
}

static int make_pool(struct cf *x, struct txn *t)
{
	char *const argv[] = { "lvcreate",     "-qq",	    "-y",
			       "--type",       "thin-pool", "-L",
			       x->a.pool_size, "-n",	    x->a.pool,
			       x->a.vg,	       NULL };

	if (x->fastvm)
		say(x, "inf", "Creating ...");
	if (lvm_run(argv, NULL, NULL) != 0)
		return err_context("cannot create thin pool %s/%s", x->a.vg,
				   x->a.pool);
	txn_push(t, "thin pool", undo_lvcreate,
		 xasprintf("%s/%s", x->a.vg, x->a.pool), free);
	if (x->fastvm)
		say(x, "ok", "LVM thinpool successfuly created");
	else
		say(x, "inf", "created thin pool %s/%s (%s)", x->a.vg,
		    x->a.pool, x->a.pool_size);
	x->changes++;
	return 0;
}

static int make_group(struct cf *x, struct txn *t)
{
	char *const argv[] = { "groupadd", "-r", x->a.group, NULL };
	char *err = NULL;

	if (proc_run(argv, NULL, &err) != 0) {
		char *line = proc_last_line(err);

		err_set(FVM_EXIT_FAIL, "groupadd %s: %s", x->a.group, line);
		free(line);
		free(err);
		return -1;
	}
	free(err);
	txn_push(t, "group", undo_groupadd, xstrdup(x->a.group), free);
	say(x, "inf", "created group %s", x->a.group);
	x->changes++;
	return 0;
}

static int make_net(struct cf *x, struct txn *t, virConnectPtr conn)
{
	/* reservations as files dnsmasq reads by itself: no libvirt
	 * network update (and firewall reload) per VM */
	char *hostsdir = net_default_hostsdir(x->a.network);
	struct net_spec s = { .name = x->a.network,
			      .subnet = atoi(x->a.subnet),
			      .hostsdir = hostsdir };
	struct net_undo *u;
	int done;

	if (x->fastvm && !x->net_exists)
		say(x, "inf", "Creating ...");
	done = net_define(conn, &s);
	free(hostsdir);
	if (done < 0)
		return -1;
	if (done & NET_DEFINED) {
		u = xcalloc(1, sizeof(*u));
		u->conn = conn;
		u->name = xstrdup(s.name);
		txn_push(t, "network", undo_net, u, free_net_undo);
	}
	if (done) {
		x->changes++;
		if (x->fastvm)
			say(x, "inf",
			    "fast-vm libvirt network created and autostarted");
		else
			say(x, "inf", "network %s (192.168.%d.0/24):%s%s%s",
			    s.name, s.subnet,
			    done & NET_DEFINED ? " defined" : "",
			    done & NET_AUTOSTART ? " autostarted" : "",
			    done & NET_STARTED ? " started" : "");
	}
	return 0;
}

static int install_sudoers(struct cf *x, struct txn *t, const char *text)
{
	char *why = NULL;
	int rc;

	if (sudoers_valid(text, &why) == 0) {
		err_set(FVM_EXIT_FAIL, "sudo rule refused: %s", why);
		free(why);
		return -1;
	}
	rc = put_file(t, x->sudoers, text, 0440);
	if (rc > 0) {
		say(x, "inf", "installed the sudo rule for fvm's helper in %s",
		    x->sudoers);
		x->changes++;
	}
	return rc < 0 ? -1 : 0;
}

static int build_appliance(struct cf *x, struct txn *t)
{
	char *const argv[] = { "libguestfs-make-fixed-appliance",
			       x->a.appliance, NULL };
	char *out = NULL, *err = NULL;
	int rc;

	if (mkdirs(t, x->a.appliance, 0755) < 0)
		return -1;
	say(x, "inf", "building a fixed libguestfs appliance in %s ...",
	    x->a.appliance);
	rc = proc_run(argv, &out, &err);
	if (rc != 0) {
		char *line = proc_last_line(err && *err ? err : out);

		if (rc > 0)
			err_set(FVM_EXIT_FAIL,
				"libguestfs-make-fixed-appliance: %s", line);
		free(line);
		free(out);
		free(err);
		return -1;
	}
	free(out);
	free(err);
	x->changes++;
	return 0;
}

/* ---- the configuration file ---- */

static char *config_text(struct cf *x)
{
	struct answers *a = &x->a;
	bool lvm_store = !strcmp(a->storage, "lvm");
	struct conf_var v[16];
	size_t n = 0;
	char *text;

#define SETV(k, val) (v[n].key = (char *)(k), v[n].value = (char *)(val), n++)
	if (lvm_store) {
		SETV("THINPOOL_VG", a->vg);
		SETV("THINPOOL_LV", a->pool);
		SETV("THINPOOL_SIZE", a->pool_size);
	}
	SETV("VM_PREFIX", a->prefix);
	SETV("FASTVM_GROUP", a->group);
	SETV("LIBVIRT_NETWORK", a->network);
	SETV("SUBNET_NUMBER", a->subnet);
	SETV("FASTVM_OWNER_ONLY_DELETE", a->owner_only);
	SETV("FASTVM_APPLIANCE", a->appliance);
	SETV("FASTVM_KEYDIST_PASSWORD",
	     a->keydist && strcmp(a->keydist, "none") ? a->keydist : NULL);
	SETV("FVM_STORAGE", a->storage);
	if (!lvm_store)
		SETV("FVM_STORE_DIR", a->store_dir);
	if (x->uri_given || strcmp(a->uri, "qemu:///system"))
		SETV("FVM_URI", a->uri);
#undef SETV
	text = conf_update_text(x->old_text ? x->old_text :
					      "# fast-vm and fvm configuration "
					      "(fvm.conf(5)), written by fvm "
					      "configure\n",
				v, n);
	return text;
}

static unsigned config_mode(struct cf *x)
{
	struct stat st;

	if (x->old_text && stat(x->config_path, &st) == 0)
		return (unsigned)(st.st_mode & 07777);
	return 0644;
}

/* ---- checks ---- */

enum { C_CHECK, C_RESULT, C_DETAIL };
static const struct out_col check_cols[] = {
	{ "result", "RESULT", OUT_STR, 0, 0, 0, NULL },
	{ "check", "CHECK", OUT_STR, 0, 0, 0, NULL },
	{ "detail", "DETAIL", OUT_STR, 0, 0, 0, NULL },
};

struct checks {
	struct out_table *t;
	int failed;
};

__attribute__((format(printf, 5, 6))) static void
result(struct cf *x, struct checks *c, const char *check, const char *res,
       const char *fmt, ...)
{
	va_list ap;
	char *detail;

	va_start(ap, fmt);
	if (vasprintf(&detail, fmt, ap) < 0)
		abort();
	va_end(ap);
	if (!strcmp(res, "FAILED"))
		c->failed++;
	out_row(c->t);
	out_str(c->t, 0, res);
	out_str(c->t, 1, check);
	out_str(c->t, 2, detail);
	if (x->fastvm)
		printf("[%s] %s: %s\n", !strcmp(res, "FAILED") ? "err" : "ok",
		       check, detail);
	free(detail);
}

static void check_all(struct cf *x, struct checks *c, struct virt *v,
		      const char *cfg_text, bool cfg_written,
		      const char *sudo_text)
{
	struct answers *a = &x->a;
	struct fvm_conf conf;

	conf_defaults(&conf);
	if (conf_parse(&conf, x->config_path, cfg_text, strlen(cfg_text)) < 0)
		result(x, c, "config", "FAILED", "%s", err_msg());
	else
		result(x, c, "config", "ok", "%s %s", x->config_path,
		       cfg_written ? "written" : "unchanged");
	result(x, c, "libvirt", v ? "ok" : "FAILED", "%s", a->uri);
	if (!strcmp(a->storage, "lvm")) {
		char *seg = lv_segtype(a->vg, a->pool);

		if (!vg_exists(a->vg))
			result(x, c, "storage", "FAILED", "no volume group %s",
			       a->vg);
		else if (!seg)
			result(x, c, "storage", "FAILED", "no thin pool %s/%s",
			       a->vg, a->pool);
		else if (strcmp(seg, "thin-pool"))
			result(x, c, "storage", "FAILED",
			       "%s/%s is a %s volume, not a thin pool: remove "
			       "it or name another",
			       a->vg, a->pool, seg);
		else
			result(x, c, "storage", "ok", "thin pool %s/%s", a->vg,
			       a->pool);
		free(seg);
	} else {
		struct store *s = store_open(&conf);

		if (!s)
			result(x, c, "storage", "FAILED", "%s", err_msg());
		else if (access(a->store_dir, W_OK) != 0)
			result(x, c, "storage", "FAILED",
			       "directory %s is not writable", a->store_dir);
		else
			result(x, c, "storage", "ok", "directory %s",
			       a->store_dir);
		if (s)
			store_close(s);
	}
	if (a->loop_file && !strcmp(a->storage, "lvm")) {
		char *name = unit_name(a->vg);
		char *path = xasprintf("%s/%s", x->unit_dir, name);

		if (access(path, R_OK) != 0)
			result(x, c, "loop device", "FAILED", "no unit %s",
			       path);
		else if (!x->unit_dir_given && is_dir("/run/systemd/system")) {
			char *const argv[] = { "systemctl", "is-enabled",
					       "--quiet", name, NULL };

			if (proc_run(argv, NULL, NULL) == 0)
				result(x, c, "loop device", "ok", "%s enabled",
				       name);
			else
				result(x, c, "loop device", "FAILED",
				       "%s not enabled", name);
		} else {
			result(x, c, "loop device", "ok",
			       "%s installed (systemd is not running: "
			       "enable it once it does)",
			       path);
		}
		free(name);
		free(path);
	}
	if (v) {
		virNetworkPtr net =
			virNetworkLookupByName(virt_conn(v), a->network);
		int subnet = -1, autostart = 0;

		if (!net) {
			result(x, c, "network", "FAILED", "no network %s",
			       a->network);
		} else if (net_subnet(virt_conn(v), a->network, &subnet) < 0 ||
			   subnet != atoi(a->subnet)) {
			result(x, c, "network", "FAILED",
			       "%s is not 192.168.%s.0/24: fix the "
			       "configuration or the network",
			       a->network, a->subnet);
		} else if (virNetworkIsActive(net) != 1) {
			result(x, c, "network", "FAILED", "%s is not active",
			       a->network);
		} else {
			virNetworkGetAutostart(net, &autostart);
			result(x, c, "network", "ok",
			       "%s 192.168.%s.0/24 active%s", a->network,
			       a->subnet, autostart ? ", autostarted" : "");
		}
		if (net)
			virNetworkFree(net);
	} else {
		result(x, c, "network", "FAILED", "no libvirt connection");
	}
	if (getgrnam(a->group))
		result(x, c, "group", "ok", "%s", a->group);
	else
		result(x, c, "group", "FAILED", "no group %s", a->group);
	if (strcmp(a->group, "libvirt"))
		say(x, "wrn",
		    "FASTVM_GROUP is %s, not libvirt: its members need "
		    "libvirt's read-write socket (unix_sock_group in "
		    "libvirtd.conf, see fvm.conf(5))",
		    a->group);
	if (!x->sudoers) {
		result(x, c, "sudoers", "skipped", "not asked for");
	} else if (!sudo_text) {
		result(x, c, "sudoers", "skipped",
		       "no %s directory (sudo is not installed)", x->sudoers);
	} else {
		char *have = read_file(x->sudoers), *why = NULL;
		int valid = have ? sudoers_valid(have, &why) : 0;

		if (!have || strcmp(have, sudo_text))
			result(x, c, "sudoers", "FAILED", "%s lacks the rule",
			       x->sudoers);
		else if (valid == 0)
			result(x, c, "sudoers", "FAILED", "%s", why);
		else
			result(x, c, "sudoers", "ok", "%s%s", x->sudoers,
			       valid < 0 ? " (not validated: no visudo)" : "");
		free(have);
		free(why);
	}
	if (!strcmp(a->appliance, "import"))
		result(x, c, "appliance", "ok",
		       "libguestfs's own appliance (supermin)");
	else if (has_fixed_appliance(a->appliance))
		result(x, c, "appliance", "ok", "fixed appliance in %s",
		       a->appliance);
	else
		result(x, c, "appliance", "FAILED",
		       "no fixed appliance in %s (--build-appliance builds "
		       "one)",
		       a->appliance);
	conf_release(&conf);
}

/* ---- the questions, in fast-vm's order ---- */

static void ask_all(struct cf *x)
{
	struct answers *a = &x->a;
	bool fv = x->fastvm, lvm_store;

	if (!fv || x->a.storage[0] == 'd')
		ask(x, "storage",
		    fv ? "Storage kind\n 'lvm' (an LVM thin pool) or 'dir' "
			 "(files in a directory)." :
			 "Storage of images and VM disks\n 'lvm': thin "
			 "snapshots in an LVM thin pool (fast-vm's way);\n "
			 "'dir': sparse files and qcow2 overlays in a "
			 "directory (no volume group needed).",
		    &a->storage, check_storage);
	lvm_store = !strcmp(a->storage, "lvm");
	if (lvm_store) {
		char *vgs = x->yes ? NULL : vgs_table();
		char *q = xasprintf(
			fv ? "VG for LVM thin pool\n fast-vm is using LVM "
			     "thin LV to store VM images and data.\n "
			     "Available VGs on your systme are: \n %s\n On "
			     "which existing VG should be this thin LV?" :
			     "Volume group of the thin pool\n Volume groups "
			     "here:\n %s\n A name not among them makes a new "
			     "volume group on a loop file.",
			vgs ? vgs : "");

		ask(x, "volume group", q, &a->vg, check_lvm_name);
		free(q);
		free(vgs);
		x->vg_exists = vg_exists(a->vg);
		err_clear();
		if (!x->vg_exists && !fv) {
			if (x->yes && !a->loop_file)
				die(FVM_EXIT_NOTFOUND,
				    "volume group %s does not exist "
				    "(--loop-file makes it on a loop file)",
				    a->vg);
			if (!a->loop_file)
				a->loop_file = xasprintf(
					"/var/lib/fvm/loop/%s.img", a->vg);
			ask(x, "loop file",
			    "Loop file for the new volume group\n A sparse "
			    "file, attached as a loop device at boot by a "
			    "systemd unit.",
			    &a->loop_file, check_path);
		}
		ask(x, "thin pool",
		    fv ? "LVM thin pool name\n Name the thin LV on which "
			 "data would be stored.\n NOTE: This can be both "
			 "'name of existing thinpool LV' or 'name for a new "
			 "one'.\n If LV with this name doesn't exists, it "
			 "will get created by this setup." :
			 "Thin pool name\n An existing thin pool, or the "
			 "name of one to create.",
		    &a->pool, check_lvm_name);
		{
			char *seg = x->vg_exists ? lv_segtype(a->vg, a->pool) :
						   NULL;

			err_clear();
			x->pool_exists = seg != NULL;
			x->pool_is_thin = seg && !strcmp(seg, "thin-pool");
			free(seg);
		}
		if (!x->pool_exists || x->yes)
			ask(x, "thin pool size",
			    fv ? "LVM thin pool size\n You can use units "
				 "understood by LVM like M,G,T.\n NOTE: This "
				 "applies only when thin LV doesn't exists "
				 "yet." :
				 "Thin pool size\n Units as LVM takes them: "
				 "M, G, T.",
			    &a->pool_size, check_size);
		if (!x->vg_exists && !fv) {
			if (!a->loop_size) {
				uint64_t b = 0, mib;

				store_parse_size(a->pool_size, &b);
				/* room for LVM's metadata and its spare */
				mib = (b >> 20) + (b >> 20) / 50 + 1024;
				a->loop_size = xasprintf(
					"%lluM", (unsigned long long)mib);
			}
			ask(x, "loop file size",
			    "Loop file size\n The volume group's size: the "
			    "pool and LVM's metadata must fit in it.",
			    &a->loop_size, check_size);
		}
	} else {
		ask(x, "store directory",
		    "Directory of images and VM disks\n Created when missing.",
		    &a->store_dir, check_path);
	}
	ask(x, "VM prefix",
	    fv ? "VM name prefix in libvirt\n Prefix is used in VM names and "
		 "VM drive names." :
		 "VM name prefix\n Domain and disk names start with it.",
	    &a->prefix, check_prefix);
	ask(x, "group",
	    fv ? "Users that want to use fast-vm must be members of following "
		 "group.\n WARNING: if this group is different from 'libivrt' "
		 "you would have to adjust libvirt configuration.\n Please "
		 "check the fast-vm.conf(5) if setting this to something else "
		 "than 'libvirt'." :
		 "Group of fvm's users\n Its members may use fvm and its "
		 "helper. Another group than 'libvirt' needs libvirt's "
		 "socket opened to it (fvm.conf(5)).",
	    &a->group, check_group);
	if (fv && strcmp(a->group, "libvirt"))
		printf("[wrn] You are using non-default group for "
		       "FASTVM_GROUP.\n"
		       " Please check the fast-vm.conf(5) on how to configure "
		       "libvirtd for this to work properly.\n\n");
	ask(x, "network",
	    fv ? "Libvirt network (bridge) name\n This configuration will "
		 "create a libvirt \n network with this name providing NAT "
		 "for VMs." :
		 "libvirt network name\n A NAT network of this name is "
		 "created when missing; its bridge has the same name.",
	    &a->network, check_net);
	ask(x, "subnet",
	    fv ? "Libvirt subnet number (192.168.XX.0/24)" :
		 "Subnet number S of 192.168.S.0/24\n VM N gets "
		 "192.168.S.N.",
	    &a->subnet, check_subnet);
	ask(x, "owner-only delete",
	    fv ? "Only 'root' and 'owner' of VM should be able to delete VM "
		 "through fast-vm?\n \"yes\" - only 'root' and 'owner' can "
		 "delete VM\n \"no\" - anyone allowed to use fast-vm can "
		 "delete VM (default in versions =< 0.9)" :
		 "Only root and a VM's owner may delete it?\n yes or no.",
	    &a->owner_only, check_yesno);
	if (fv) {
		char *choice = xstrdup(
			strcmp(a->appliance, "import") ? "generate" : "import");

		ask(x, "appliance",
		    "Generate or Import libguestfs appliance used by hack "
		    "files for this system? ('Generate' will generate "
		    "appliance localy into /var/lib/fast-vm/appliance, while "
		    "'import' uses the appliance libguestfs builds itself.)",
		    &choice, check_fastvm_appliance);
		if (!strcmp(choice, "generate")) {
			if (!strcmp(a->appliance, "import"))
				set(&a->appliance,
				    "/var/lib/fast-vm/appliance");
		} else {
			set(&a->appliance, "import");
		}
		free(choice);
	} else {
		ask(x, "appliance",
		    "libguestfs appliance for hack files and customisation\n "
		    "'import': the one libguestfs builds itself;\n a "
		    "directory: a fixed appliance there (built now when "
		    "missing, if you confirm).",
		    &a->appliance, check_appliance);
	}
	ask(x, "keydist password",
	    fv ? "Default password for fast-vm keydist operation (use 'none' "
		 "to disable this feature)" :
		 "Root password of guests for keydist\n 'none': keydist "
		 "uses no password.",
	    &a->keydist, check_any);
}

/* After the answers, before any change: what to do, confirmed. */
static void plan(struct cf *x, virConnectPtr conn)
{
	struct answers *a = &x->a;

	if (!strcmp(a->storage, "lvm")) {
		if (!x->vg_exists) {
			char *unit = unit_name(a->vg);

			if (!x->yes)
				fprintf(x->prompt,
					"Volume group %s does not exist; it "
					"would be made on a %s sparse file:\n"
					"  truncate -s %s %s\n"
					"  losetup -f --show %s\n"
					"  pvcreate LOOPDEV; vgcreate %s "
					"LOOPDEV\n"
					"  and %s/%s re-attaches it at boot\n",
					a->vg, a->loop_size, a->loop_size,
					a->loop_file, a->loop_file, a->vg,
					x->unit_dir, unit);
			free(unit);
			x->do_loop = confirm(x, "Create now?");
		}
		if (!x->pool_exists && (x->vg_exists || x->do_loop)) {
			if (x->fastvm)
				fprintf(x->prompt,
					"[wrn] LV '%s/%s' not found\n", a->vg,
					a->pool);
			if (!x->yes)
				fprintf(x->prompt,
					"Following commands would be executed "
					"to create thin pool:\n"
					"  lvcreate --type thin-pool -L %s -n "
					"%s %s\n",
					a->pool_size, a->pool, a->vg);
			x->do_pool = confirm(x, "Create now?");
			if (!x->do_pool)
				say(x, "wrn",
				    "%s will not work without "
				    "thinpool LV!",
				    x->fastvm ? "fast-vm" : "fvm");
		}
	}
	if (conn) {
		virNetworkPtr net = virNetworkLookupByName(conn, a->network);

		x->net_exists = net != NULL;
		if (net)
			virNetworkFree(net);
		err_clear();
	}
	x->do_net = true;
	if (conn && !x->net_exists) {
		x->do_net = confirm(x,
				    "Network %s is not defined in libvirt, "
				    "define now?",
				    a->network);
		if (!x->do_net)
			say(x, "wrn",
			    "%s will not work without libvirt "
			    "network!",
			    x->fastvm ? "fast-vm" : "fvm");
	}
	x->group_exists = getgrnam(a->group) != NULL;
	if (!x->group_exists)
		x->do_group = confirm(x, "Group %s does not exist, create it?",
				      a->group);
	if (strcmp(a->appliance, "import") &&
	    !has_fixed_appliance(a->appliance))
		x->do_appliance =
			x->yes ? x->build_appliance :
				 confirm(x,
					 "No fixed libguestfs appliance in "
					 "%s: build one now (takes minutes)?",
					 a->appliance);
}

/* ---- main ---- */

static void defaults_from(struct cf *x, const struct fvm_conf *c)
{
	struct answers *a = &x->a;

#define DEF(field, v)                                                          \
	do {                                                                   \
		if (!a->field)                                                 \
			a->field = xstrdup(v);                                 \
	} while (0)
	DEF(storage, c->storage == FVM_STORAGE_LVM ? "lvm" : "dir");
	if (c->thinpool_vg)
		DEF(vg, c->thinpool_vg);
	DEF(pool, c->thinpool_lv);
	DEF(pool_size, c->thinpool_size);
	DEF(store_dir, c->store_dir);
	DEF(network, c->libvirt_network);
	if (!a->subnet)
		a->subnet = xasprintf("%d", c->subnet);
	DEF(prefix, c->vm_prefix);
	DEF(group, c->group);
	DEF(owner_only, c->owner_only_delete ? "yes" : "no");
	DEF(appliance, c->appliance);
	DEF(keydist, c->keydist_password && *c->keydist_password ?
			     c->keydist_password :
			     "none");
	DEF(uri, c->uri);
#undef DEF
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

static int configure_run(struct cf *x, int argc, char **argv)
{
	struct answers *a = &x->a;
	struct fvm_conf conf;
	struct txn t = TXN_INIT;
	struct checks chk = { 0 };
	struct virt *v = NULL;
	const char *env;
	char *cfg_text = NULL, *sudo_text = NULL;
	bool cfg_written = false;
	int rc;

	applet_args(&argc, &argv);
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
			set(field[i], given[i]);
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
	/* answers given as options are checked before anything is asked */
	{
		static const struct {
			size_t off;
			const char *what;
			check_fn check;
		} opt_checks[] = {
#define OC(f, w, c) { offsetof(struct answers, f), w, c }
			OC(storage, "storage", check_storage),
			OC(vg, "volume group", check_lvm_name),
			OC(pool, "thin pool", check_lvm_name),
			OC(pool_size, "thin pool size", check_size),
			OC(loop_file, "loop file", check_path),
			OC(loop_size, "loop file size", check_size),
			OC(store_dir, "store directory", check_path),
			OC(network, "network", check_net),
			OC(subnet, "subnet", check_subnet),
			OC(prefix, "VM prefix", check_prefix),
			OC(group, "group", check_group),
			OC(owner_only, "owner-only delete", check_yesno),
			OC(appliance, "appliance", check_appliance),
			OC(uri, "uri", check_uri),
#undef OC
		};

		for (size_t i = 0;
		     i < sizeof(opt_checks) / sizeof(opt_checks[0]); i++) {
			char *val = *(char **)((char *)a + opt_checks[i].off);
			const char *why;

			if (val && (why = opt_checks[i].check(val)))
				die(FVM_EXIT_USAGE, "%s %s, not '%s'",
				    opt_checks[i].what, why, val);
		}
	}
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
	x->old_text = read_file(x->config_path);
	if (x->old_text && conf_parse(&conf, x->config_path, x->old_text,
				      strlen(x->old_text)) < 0)
		die_err();
	/* configure-fast-vm on a new host asks fast-vm's LVM questions */
	if (x->fastvm && !x->old_text && !a->storage)
		a->storage = xstrdup("lvm");
	defaults_from(x, &conf);
	conf_release(&conf);
	x->prompt = x->fastvm ? stdout : stderr;

	/* libvirt first, as fast-vm does: nothing works without it */
	conf_defaults(&conf);
	/* the URI it will write as FVM_URI is the one to check, whatever
	 * the environment says */
	set(&conf.uri, a->uri);
	set(&conf.path, x->config_path);
	conf.uri_set = true;
	if (conf_connect(&conf, NULL, false) < 0)
		die_err();
	v = virt_open(&conf, false);
	conf_release(&conf);
	if (!v) {
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

	if (!x->yes) {
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
	for (;;) {
		ask_all(x);
		if (x->fastvm && !strcmp(a->storage, "lvm") && !x->vg_exists) {
			/* fast-vm asks everything again */
			printf("[err] VG '%s' not found\n", a->vg);
			if (x->yes)
				return FVM_EXIT_NOTFOUND;
			continue;
		}
		break;
	}
	plan(x, virt_conn(v));
	if (x->sudoers) {
		char *dir = xstrdup(x->sudoers);

		*strrchr(dir, '/') = '\0';
		if (is_dir(*dir ? dir : "/") &&
		    !(sudo_text = sudoers_text(a->group, x->config_path)))
			die_err();
		free(dir);
	}
	cfg_text = config_text(x);
	if (!x->yes)
		signal(SIGINT, SIG_DFL);

	/* the changes: undone all together when one fails or on Ctrl-C */
	txn_signals_block();
#define STEP(cond, call)                                                       \
	do {                                                                   \
		if ((cond) && ((call) < 0 || txn_interrupted()))               \
			goto rollback;                                         \
	} while (0)
	STEP(x->do_loop, make_loop_vg(x, &t));
	/* a re-run keeps the unit of a loop file it made before */
	STEP(x->do_loop || (!strcmp(a->storage, "lvm") && a->loop_file &&
			    x->vg_exists && access(a->loop_file, F_OK) == 0),
	     install_unit(x, &t));
	STEP(x->do_pool, make_pool(x, &t));
	if (!strcmp(a->storage, "dir") && !is_dir(a->store_dir)) {
		STEP(true, mkdirs(&t, a->store_dir, 0755));
		say(x, "inf", "created %s", a->store_dir);
		x->changes++;
	}
	STEP(x->do_group, make_group(x, &t));
	STEP(x->do_net, make_net(x, &t, virt_conn(v)));
	STEP(sudo_text != NULL, install_sudoers(x, &t, sudo_text));
	STEP(x->do_appliance, build_appliance(x, &t));
	if (!x->old_text || strcmp(x->old_text, cfg_text)) {
		char *dir = xstrdup(x->config_path), *slash = strrchr(dir, '/');

		if (slash && slash != dir)
			*slash = '\0';
		if (slash && slash != dir && !is_dir(dir)) {
			err_set(FVM_EXIT_FAIL,
				"cannot write %s: no directory %s",
				x->config_path, dir);
			free(dir);
			goto rollback;
		}
		free(dir);
		/* a file that is there keeps its mode (it may hold the
		 * keydist password for a group only) */
		STEP(true,
		     conf_write_file(x->config_path, cfg_text, config_mode(x)));
		say(x, "inf", "wrote %s", x->config_path);
		cfg_written = true;
		x->changes++;
	}
#undef STEP
	txn_commit(&t);
	if (!x->changes)
		say(x, "inf",
		    "nothing to change: the host is set up as "
		    "answered");

	chk.t = out_table_new(check_cols, 3);
	check_all(x, &chk, v, cfg_text, cfg_written, sudo_text);
	if (!x->fastvm && x->mode != OUT_QUIET)
		out_print_list(chk.t, x->mode, stdout);
	if (x->fastvm && !chk.failed)
		printf("[ok] fast-vm configured\n");
	rc = chk.failed ? FVM_EXIT_FAIL : FVM_EXIT_OK;
	out_table_free(chk.t);
	goto out;

rollback:
	rc = txn_interrupted() && !err_code() ? 130 : err_code();
	if (txn_interrupted())
		error("interrupted: undoing this run's changes");
	else
		rc = report_err();
	if (txn_rollback(&t))
		warning("some changes could not be undone");
	if (rc == 0)
		rc = FVM_EXIT_FAIL;
out:
	if (v)
		virt_close(v);
	free(cfg_text);
	free(sudo_text);
	free(x->old_text);
	free(x->config_abs);
	answers_release(a);
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
