/* applets/configure-steps.c: the steps of `fvm configure`: each part's question, what applies it, its check. */
#include <ctype.h>
#include <errno.h>
#include <grp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../lib/lvm-setup.h"
#include "../lib/net.h"
#include "../lib/privop.h"
#include "../lib/proc.h"
#include "../lib/store.h"
#include "configure.h"

void cf_set(char **dst, const char *v)
{
	free(*dst);
	*dst = v ? xstrdup(v) : NULL;
}

void cf_say(struct cf *x, const char *tag, const char *fmt, ...)
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

/* the configuration file's own check of key k (fvm.conf(5)) */
static const char *check_key(const char *k, const char *v)
{
	return conf_check(conf_key_find(k), v);
}

static const char *check_storage(const char *v)
{
	return check_key("FVM_STORAGE", v);
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
	return check_key("LIBVIRT_NETWORK", v);
}

static const char *check_subnet(const char *v)
{
	return check_key("SUBNET_NUMBER", v);
}

static const char *check_prefix(const char *v)
{
	return check_key("VM_PREFIX", v);
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

/* ---- what the host has ---- */

bool cf_is_dir(const char *p)
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
char *cf_read_file(const char *path)
{
	char *text;
	size_t len;

	if (read_file_max(path, 1 << 20, &text, &len) < 0) {
		err_clear();
		return NULL;
	}
	return text;
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

/* ---- undo steps ---- */

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

/* ---- what the steps make ---- */

/* a volume group on a sparse loop file, re-attached at boot by a unit */
static int make_loop_vg(struct cf *x)
{
	struct answers *a = &x->a;
	char *dev = NULL;
	int rc;

	rc = lvm_make_loop_vg(&x->t, a->vg, a->loop_file, a->loop_size, &dev);
	if (rc == 0) {
		cf_say(x, "inf",
		       "created volume group %s on %s (loop file %s, %s)",
		       a->vg, dev, a->loop_file, a->loop_size);
		x->changes++;
	}
	free(dev);
	return rc;
}

static int install_unit(struct cf *x)
{
	char *name = lvm_loop_unit_name(x->a.vg);
	char *path = xasprintf("%s/%s", x->unit_dir, name);
	char *text = lvm_loop_unit_text(x->a.vg, x->a.loop_file);
	int rc;

	rc = txn_mkdirs(&x->t, x->unit_dir, 0755);
	if (rc == 0)
		rc = txn_put_file(&x->t, path, text, 0644);
	if (rc > 0) {
		cf_say(x, "inf", "installed %s", path);
		x->changes++;
	}
	if (rc >= 0 && !x->unit_dir_given && cf_is_dir("/run/systemd/system")) {
		char *const reload[] = { "systemctl", "daemon-reload", NULL };
		char *const enable[] = { "systemctl", "enable", "--quiet", name,
					 NULL };

		proc_run(reload, NULL, NULL);
		if (proc_run(enable, NULL, NULL) != 0)
			rc = err_set(FVM_EXIT_FAIL,
				     "systemctl enable %s failed", name);
	} else if (rc > 0) {
		cf_say(x, "inf",
		       "systemd is not running here: %s not enabled (systemctl "
		       "enable %s once it runs)",
		       name, name);
	}
	free(name);
	free(path);
	free(text);
	return rc < 0 ? -1 : 0;
}

static int make_pool(struct cf *x)
{
	if (x->fastvm)
		cf_say(x, "inf", "Creating ...");
	if (lvm_make_thin_pool(&x->t, x->a.vg, x->a.pool, x->a.pool_size) < 0)
		return -1;
	if (x->fastvm)
		cf_say(x, "ok", "LVM thinpool successfuly created");
	else
		cf_say(x, "inf", "created thin pool %s/%s (%s)", x->a.vg,
		       x->a.pool, x->a.pool_size);
	x->changes++;
	return 0;
}

static int make_group(struct cf *x)
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
	txn_push(&x->t, "group", undo_groupadd, xstrdup(x->a.group), free);
	cf_say(x, "inf", "created group %s", x->a.group);
	x->changes++;
	return 0;
}

static int make_net(struct cf *x, virConnectPtr conn)
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
		cf_say(x, "inf", "Creating ...");
	done = net_define(conn, &s);
	free(hostsdir);
	if (done < 0)
		return -1;
	if (done & NET_DEFINED) {
		u = xcalloc(1, sizeof(*u));
		u->conn = conn;
		u->name = xstrdup(s.name);
		txn_push(&x->t, "network", undo_net, u, free_net_undo);
	}
	if (done) {
		x->changes++;
		if (x->fastvm)
			cf_say(x, "inf",
			       "fast-vm libvirt network created and "
			       "autostarted");
		else
			cf_say(x, "inf", "network %s (192.168.%d.0/24):%s%s%s",
			       s.name, s.subnet,
			       done & NET_DEFINED ? " defined" : "",
			       done & NET_AUTOSTART ? " autostarted" : "",
			       done & NET_STARTED ? " started" : "");
	}
	return 0;
}

static int install_sudoers(struct cf *x, const char *text)
{
	char *why = NULL;
	int rc;

	if (helper_sudoers_valid(text, &why) == 0) {
		err_set(FVM_EXIT_FAIL, "sudo rule refused: %s", why);
		free(why);
		return -1;
	}
	rc = txn_put_file(&x->t, x->sudoers, text, 0440);
	if (rc > 0) {
		cf_say(x, "inf",
		       "installed the sudo rule for fvm's helper in %s",
		       x->sudoers);
		x->changes++;
	}
	return rc < 0 ? -1 : 0;
}

static int build_appliance(struct cf *x)
{
	char *const argv[] = { "libguestfs-make-fixed-appliance",
			       x->a.appliance, NULL };
	char *out = NULL, *err = NULL;
	int rc;

	if (txn_mkdirs(&x->t, x->a.appliance, 0755) < 0)
		return -1;
	cf_say(x, "inf", "building a fixed libguestfs appliance in %s ...",
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

void cf_prepare_texts(struct cf *x)
{
	if (x->sudoers) {
		char *dir = xstrdup(x->sudoers);

		*strrchr(dir, '/') = '\0';
		if (cf_is_dir(*dir ? dir : "/") &&
		    !(x->sudo_text = sudoers_text(x->a.group, x->config_path)))
			die_err();
		free(dir);
	}
	x->cfg_text = config_text(x);
}

/* ---- checks ---- */

/* a line of the report: result ok, FAILED or skipped */
__attribute__((format(printf, 4, 5))) static void
result(struct cf *x, const char *check, const char *res, const char *fmt, ...)
{
	va_list ap;
	char *detail;

	va_start(ap, fmt);
	if (vasprintf(&detail, fmt, ap) < 0)
		abort();
	va_end(ap);
	if (!strcmp(res, "FAILED"))
		x->failed++;
	out_row(x->report);
	out_str(x->report, 0, res);
	out_str(x->report, 1, check);
	out_str(x->report, 2, detail);
	if (x->fastvm)
		printf("[%s] %s: %s\n", !strcmp(res, "FAILED") ? "err" : "ok",
		       check, detail);
	free(detail);
}

/* ---- the steps: questions, changes, checks ---- */

/* an apply step's change failed, or an interrupt came: roll back */
static bool failed(int rc)
{
	return rc < 0 || txn_interrupted();
}

/* answers given as options are checked before anything is asked */
void cf_check_given(struct cf *x)
{
	struct answers *a = &x->a;
	static const struct {
		size_t off;
		const char *what;
		ask_check_fn check;
	} opt_checks[] = {
#define OC(f, w, c) { offsetof(struct answers, f), w, c }
		OC(storage, "storage", check_storage),
		OC(vg, "volume group", conf_check_lvm_name),
		OC(pool, "thin pool", conf_check_lvm_name),
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

	for (size_t i = 0; i < sizeof(opt_checks) / sizeof(opt_checks[0]);
	     i++) {
		char *val = *(char **)((char *)a + opt_checks[i].off);
		const char *why;

		if (val && (why = opt_checks[i].check(val)))
			die(FVM_EXIT_USAGE, "%s %s, not '%s'",
			    opt_checks[i].what, why, val);
	}
}

/* lvm storage: the volume group, and a loop file for a new one */
static void ask_vg(struct cf *x)
{
	struct answers *a = &x->a;
	bool fv = x->fastvm;
	char *vgs = x->yes ? NULL : lvm_vgs_table();
	char *q =
		xasprintf(fv ? "VG for LVM thin pool\n fast-vm is using LVM "
			       "thin LV to store VM images and data.\n "
			       "Available VGs on your systme are: \n %s\n On "
			       "which existing VG should be this thin LV?" :
			       "Volume group of the thin pool\n Volume groups "
			       "here:\n %s\n A name not among them makes a new "
			       "volume group on a loop file.",
			  vgs ? vgs : "");

	ask_value(&x->k, "volume group", q, &a->vg, conf_check_lvm_name);
	free(q);
	free(vgs);
	x->vg_exists = lvm_vg_exists(a->vg);
	err_clear();
	if (!x->vg_exists && !fv) {
		if (x->yes && !a->loop_file)
			die(FVM_EXIT_NOTFOUND,
			    "volume group %s does not exist "
			    "(--loop-file makes it on a loop file)",
			    a->vg);
		if (!a->loop_file)
			a->loop_file =
				xasprintf("/var/lib/fvm/loop/%s.img", a->vg);
		ask_value(&x->k, "loop file",
			  "Loop file for the new volume group\n A sparse "
			  "file, attached as a loop device at boot by a "
			  "systemd unit.",
			  &a->loop_file, check_path);
	}
}

/* lvm storage: the thin pool, and the loop file's size */
static void ask_pool(struct cf *x)
{
	struct answers *a = &x->a;
	bool fv = x->fastvm;

	ask_value(&x->k, "thin pool",
		  fv ? "LVM thin pool name\n Name the thin LV on which "
		       "data would be stored.\n NOTE: This can be both "
		       "'name of existing thinpool LV' or 'name for a "
		       "new "
		       "one'.\n If LV with this name doesn't exists, it "
		       "will get created by this setup." :
		       "Thin pool name\n An existing thin pool, or the "
		       "name of one to create.",
		  &a->pool, conf_check_lvm_name);
	{
		char *seg =
			x->vg_exists ? lvm_lv_segtype(a->vg, a->pool) : NULL;

		err_clear();
		x->pool_exists = seg != NULL;
		x->pool_is_thin = seg && !strcmp(seg, "thin-pool");
		free(seg);
	}
	if (!x->pool_exists || x->yes)
		ask_value(&x->k, "thin pool size",
			  fv ? "LVM thin pool size\n You can use units "
			       "understood by LVM like M,G,T.\n NOTE: "
			       "This "
			       "applies only when thin LV doesn't exists "
			       "yet." :
			       "Thin pool size\n Units as LVM takes "
			       "them: "
			       "M, G, T.",
			  &a->pool_size, check_size);
	if (!x->vg_exists && !fv) {
		if (!a->loop_size) {
			uint64_t b = 0, mib;

			store_parse_size(a->pool_size, &b);
			/* room for LVM's metadata and its spare */
			mib = (b >> 20) + (b >> 20) / 50 + 1024;
			a->loop_size =
				xasprintf("%lluM", (unsigned long long)mib);
		}
		ask_value(&x->k, "loop file size",
			  "Loop file size\n The volume group's size: the "
			  "pool and LVM's metadata must fit in it.",
			  &a->loop_size, check_size);
	}
}

static void storage_ask(struct cf *x)
{
	struct answers *a = &x->a;
	bool fv = x->fastvm;

	if (!fv || x->a.storage[0] == 'd')
		ask_value(&x->k, "storage",
			  fv ? "Storage kind\n 'lvm' (an LVM thin "
			       "pool) or 'dir' "
			       "(files in a directory)." :
			       "Storage of images and VM disks\n "
			       "'lvm': thin "
			       "snapshots in an LVM thin pool "
			       "(fast-vm's way);\n "
			       "'dir': sparse files and qcow2 overlays "
			       "in a "
			       "directory (no volume group needed).",
			  &a->storage, check_storage);
	if (!strcmp(a->storage, "lvm")) {
		ask_vg(x);
		ask_pool(x);
	} else {
		ask_value(&x->k, "store directory",
			  "Directory of images and VM disks\n Created "
			  "when missing.",
			  &a->store_dir, check_path);
	}
}

static int storage_apply(struct cf *x)
{
	struct answers *a = &x->a;

	if (x->do_loop && failed(make_loop_vg(x)))
		return -1;
	/* a re-run keeps the unit of a loop file it made before */
	if ((x->do_loop || (!strcmp(a->storage, "lvm") && a->loop_file &&
			    x->vg_exists && access(a->loop_file, F_OK) == 0)) &&
	    failed(install_unit(x)))
		return -1;
	if (x->do_pool && failed(make_pool(x)))
		return -1;
	if (!strcmp(a->storage, "dir") && !cf_is_dir(a->store_dir)) {
		if (failed(txn_mkdirs(&x->t, a->store_dir, 0755)))
			return -1;
		cf_say(x, "inf", "created %s", a->store_dir);
		x->changes++;
	}
	return 0;
}

static void storage_check(struct cf *x)
{
	struct answers *a = &x->a;

	if (!strcmp(a->storage, "lvm")) {
		char *seg = lvm_lv_segtype(a->vg, a->pool);

		if (!lvm_vg_exists(a->vg))
			result(x, "storage", "FAILED", "no volume group %s",
			       a->vg);
		else if (!seg)
			result(x, "storage", "FAILED", "no thin pool %s/%s",
			       a->vg, a->pool);
		else if (strcmp(seg, "thin-pool"))
			result(x, "storage", "FAILED",
			       "%s/%s is a %s volume, not a thin pool: "
			       "remove "
			       "it or name another",
			       a->vg, a->pool, seg);
		else
			result(x, "storage", "ok", "thin pool %s/%s", a->vg,
			       a->pool);
		free(seg);
	} else {
		struct store *s = store_open(&x->checked);

		if (!s)
			result(x, "storage", "FAILED", "%s", err_msg());
		else if (access(a->store_dir, W_OK) != 0)
			result(x, "storage", "FAILED",
			       "directory %s is not writable", a->store_dir);
		else
			result(x, "storage", "ok", "directory %s",
			       a->store_dir);
		if (s)
			store_close(s);
	}
	if (a->loop_file && !strcmp(a->storage, "lvm")) {
		char *name = lvm_loop_unit_name(a->vg);
		char *path = xasprintf("%s/%s", x->unit_dir, name);

		if (access(path, R_OK) != 0)
			result(x, "loop device", "FAILED", "no unit %s", path);
		else if (!x->unit_dir_given &&
			 cf_is_dir("/run/systemd/system")) {
			char *const argv[] = { "systemctl", "is-enabled",
					       "--quiet", name, NULL };

			if (proc_run(argv, NULL, NULL) == 0)
				result(x, "loop device", "ok", "%s enabled",
				       name);
			else
				result(x, "loop device", "FAILED",
				       "%s not enabled", name);
		} else {
			result(x, "loop device", "ok",
			       "%s installed (systemd is not running: "
			       "enable it once it does)",
			       path);
		}
		free(name);
		free(path);
	}
}

static void prefix_ask(struct cf *x)
{
	struct answers *a = &x->a;
	bool fv = x->fastvm;

	ask_value(&x->k, "VM prefix",
		  fv ? "VM name prefix in libvirt\n Prefix is used in "
		       "VM names and "
		       "VM drive names." :
		       "VM name prefix\n Domain and disk names start "
		       "with it.",
		  &a->prefix, check_prefix);
}

static void group_ask(struct cf *x)
{
	struct answers *a = &x->a;
	bool fv = x->fastvm;

	ask_value(&x->k, "group",
		  fv ? "Users that want to use fast-vm must be members "
		       "of following "
		       "group.\n WARNING: if this group is different "
		       "from 'libivrt' "
		       "you would have to adjust libvirt "
		       "configuration.\n Please "
		       "check the fast-vm.conf(5) if setting this to "
		       "something else "
		       "than 'libvirt'." :
		       "Group of fvm's users\n Its members may use fvm "
		       "and its "
		       "helper. Another group than 'libvirt' needs "
		       "libvirt's "
		       "socket opened to it (fvm.conf(5)).",
		  &a->group, check_group);
	if (fv && strcmp(a->group, "libvirt"))
		printf("[wrn] You are using non-default group for "
		       "FASTVM_GROUP.\n"
		       " Please check the fast-vm.conf(5) on how to "
		       "configure "
		       "libvirtd for this to work properly.\n\n");
}

static int group_apply(struct cf *x)
{
	return x->do_group && failed(make_group(x)) ? -1 : 0;
}

static void group_check(struct cf *x)
{
	struct answers *a = &x->a;

	if (getgrnam(a->group))
		result(x, "group", "ok", "%s", a->group);
	else
		result(x, "group", "FAILED", "no group %s", a->group);
	if (strcmp(a->group, "libvirt"))
		cf_say(x, "wrn",
		       "FASTVM_GROUP is %s, not libvirt: its members "
		       "need "
		       "libvirt's read-write socket (unix_sock_group "
		       "in "
		       "libvirtd.conf, see fvm.conf(5))",
		       a->group);
}

static void network_ask(struct cf *x)
{
	struct answers *a = &x->a;
	bool fv = x->fastvm;

	ask_value(&x->k, "network",
		  fv ? "Libvirt network (bridge) name\n This "
		       "configuration will "
		       "create a libvirt \n network with this name "
		       "providing NAT "
		       "for VMs." :
		       "libvirt network name\n A NAT network of this "
		       "name is "
		       "created when missing; its bridge has the same "
		       "name.",
		  &a->network, check_net);
	ask_value(&x->k, "subnet",
		  fv ? "Libvirt subnet number (192.168.XX.0/24)" :
		       "Subnet number S of 192.168.S.0/24\n VM N gets "
		       "192.168.S.N.",
		  &a->subnet, check_subnet);
}

static int network_apply(struct cf *x)
{
	return x->do_net && failed(make_net(x, virt_conn(x->v))) ? -1 : 0;
}

static void network_check(struct cf *x)
{
	struct answers *a = &x->a;

	if (x->v) {
		virNetworkPtr net =
			virNetworkLookupByName(virt_conn(x->v), a->network);
		int subnet = -1, autostart = 0;

		if (!net) {
			result(x, "network", "FAILED", "no network %s",
			       a->network);
		} else if (net_subnet(virt_conn(x->v), a->network, &subnet) <
				   0 ||
			   subnet != atoi(a->subnet)) {
			result(x, "network", "FAILED",
			       "%s is not 192.168.%s.0/24: fix the "
			       "configuration or the network",
			       a->network, a->subnet);
		} else if (virNetworkIsActive(net) != 1) {
			result(x, "network", "FAILED", "%s is not active",
			       a->network);
		} else {
			virNetworkGetAutostart(net, &autostart);
			result(x, "network", "ok",
			       "%s 192.168.%s.0/24 active%s", a->network,
			       a->subnet, autostart ? ", autostarted" : "");
		}
		if (net)
			virNetworkFree(net);
	} else {
		result(x, "network", "FAILED", "no libvirt connection");
	}
}

static void owner_only_ask(struct cf *x)
{
	struct answers *a = &x->a;
	bool fv = x->fastvm;

	ask_value(&x->k, "owner-only delete",
		  fv ? "Only 'root' and 'owner' of VM should be able "
		       "to delete VM "
		       "through fast-vm?\n \"yes\" - only 'root' and "
		       "'owner' can "
		       "delete VM\n \"no\" - anyone allowed to use "
		       "fast-vm can "
		       "delete VM (default in versions =< 0.9)" :
		       "Only root and a VM's owner may delete it?\n "
		       "yes or no.",
		  &a->owner_only, check_yesno);
}

static int sudoers_apply(struct cf *x)
{
	return x->sudo_text && failed(install_sudoers(x, x->sudo_text)) ? -1 :
									  0;
}

static void sudoers_check(struct cf *x)
{
	if (!x->sudoers) {
		result(x, "sudoers", "skipped", "not asked for");
	} else if (!x->sudo_text) {
		result(x, "sudoers", "skipped",
		       "no %s directory (sudo is not installed)", x->sudoers);
	} else {
		char *have = cf_read_file(x->sudoers), *why = NULL;
		int valid = have ? helper_sudoers_valid(have, &why) : 0;

		if (!have || strcmp(have, x->sudo_text))
			result(x, "sudoers", "FAILED", "%s lacks the rule",
			       x->sudoers);
		else if (valid == 0)
			result(x, "sudoers", "FAILED", "%s", why);
		else
			result(x, "sudoers", "ok", "%s%s", x->sudoers,
			       valid < 0 ? " (not validated: no visudo)" : "");
		free(have);
		free(why);
	}
}

static void appliance_ask(struct cf *x)
{
	struct answers *a = &x->a;
	bool fv = x->fastvm;

	if (fv) {
		char *choice = xstrdup(
			strcmp(a->appliance, "import") ? "generate" : "import");

		ask_value(&x->k, "appliance",
			  "Generate or Import libguestfs appliance "
			  "used by hack "
			  "files for this system? ('Generate' will "
			  "generate "
			  "appliance localy into "
			  "/var/lib/fast-vm/appliance, while "
			  "'import' uses the appliance libguestfs "
			  "builds itself.)",
			  &choice, check_fastvm_appliance);
		if (!strcmp(choice, "generate")) {
			if (!strcmp(a->appliance, "import"))
				cf_set(&a->appliance,
				       "/var/lib/fast-vm/appliance");
		} else {
			cf_set(&a->appliance, "import");
		}
		free(choice);
	} else {
		ask_value(&x->k, "appliance",
			  "libguestfs appliance for hack files and "
			  "customisation\n "
			  "'import': the one libguestfs builds "
			  "itself;\n a "
			  "directory: a fixed appliance there (built "
			  "now when "
			  "missing, if you confirm).",
			  &a->appliance, check_appliance);
	}
}

static int appliance_apply(struct cf *x)
{
	return x->do_appliance && failed(build_appliance(x)) ? -1 : 0;
}

static void appliance_check(struct cf *x)
{
	struct answers *a = &x->a;

	if (!strcmp(a->appliance, "import"))
		result(x, "appliance", "ok",
		       "libguestfs's own appliance (supermin)");
	else if (has_fixed_appliance(a->appliance))
		result(x, "appliance", "ok", "fixed appliance in %s",
		       a->appliance);
	else
		result(x, "appliance", "FAILED",
		       "no fixed appliance in %s (--build-appliance "
		       "builds "
		       "one)",
		       a->appliance);
}

static void keydist_ask(struct cf *x)
{
	struct answers *a = &x->a;
	bool fv = x->fastvm;

	ask_value(&x->k, "keydist password",
		  fv ? "Default password for fast-vm keydist operation "
		       "(use 'none' "
		       "to disable this feature)" :
		       "Root password of guests for keydist\n 'none': "
		       "keydist "
		       "uses no password.",
		  &a->keydist, check_any);
}

/* the configuration file, written last: when it changes */
static int config_apply(struct cf *x)
{
	if (!x->old_text || strcmp(x->old_text, x->cfg_text)) {
		char *dir = xstrdup(x->config_path), *slash = strrchr(dir, '/');

		if (slash && slash != dir)
			*slash = '\0';
		if (slash && slash != dir && !cf_is_dir(dir)) {
			err_set(FVM_EXIT_FAIL,
				"cannot write %s: no directory %s",
				x->config_path, dir);
			free(dir);
			return -1;
		}
		free(dir);
		/* a file that is there keeps its mode (it may hold the
		 * keydist password for a group only) */
		if (failed(conf_write_file(x->config_path, x->cfg_text,
					   config_mode(x))))
			return -1;
		cf_say(x, "inf", "wrote %s", x->config_path);
		x->cfg_written = true;
		x->changes++;
	}
	return 0;
}

static void config_check(struct cf *x)
{
	if (conf_parse(&x->checked, x->config_path, x->cfg_text,
		       strlen(x->cfg_text)) < 0)
		result(x, "config", "FAILED", "%s", err_msg());
	else
		result(x, "config", "ok", "%s %s", x->config_path,
		       x->cfg_written ? "written" : "unchanged");
}

static void libvirt_check(struct cf *x)
{
	result(x, "libvirt", x->v ? "ok" : "FAILED", "%s", x->a.uri);
}

/* in fast-vm's order of questions and of changes; report orders the
 * checks */
const struct step configure_steps[] = {
	{ "storage", storage_ask, storage_apply, storage_check, 3 },
	{ "VM prefix", prefix_ask, NULL, NULL, 0 },
	{ "group", group_ask, group_apply, group_check, 5 },
	{ "network", network_ask, network_apply, network_check, 4 },
	{ "owner-only delete", owner_only_ask, NULL, NULL, 0 },
	{ "sudoers", NULL, sudoers_apply, sudoers_check, 6 },
	{ "appliance", appliance_ask, appliance_apply, appliance_check, 7 },
	{ "keydist password", keydist_ask, NULL, NULL, 0 },
	{ "config", NULL, config_apply, config_check, 1 },
	{ "libvirt", NULL, NULL, libvirt_check, 2 },
	{ NULL, NULL, NULL, NULL, 0 },
};

void cf_plan(struct cf *x)
{
	struct answers *a = &x->a;
	virConnectPtr conn = virt_conn(x->v);

	if (!strcmp(a->storage, "lvm")) {
		if (!x->vg_exists) {
			char *unit = lvm_loop_unit_name(a->vg);

			if (!x->yes)
				fprintf(x->prompt,
					"Volume group %s does not "
					"exist; it "
					"would be made on a %s sparse "
					"file:\n"
					"  truncate -s %s %s\n"
					"  losetup -f --show %s\n"
					"  pvcreate LOOPDEV; vgcreate "
					"%s "
					"LOOPDEV\n"
					"  and %s/%s re-attaches it at "
					"boot\n",
					a->vg, a->loop_size, a->loop_size,
					a->loop_file, a->loop_file, a->vg,
					x->unit_dir, unit);
			free(unit);
			x->do_loop = ask_confirm(&x->k, "Create now?");
		}
		if (!x->pool_exists && (x->vg_exists || x->do_loop)) {
			if (x->fastvm)
				fprintf(x->prompt,
					"[wrn] LV '%s/%s' not found\n", a->vg,
					a->pool);
			if (!x->yes)
				fprintf(x->prompt,
					"Following commands would be "
					"executed "
					"to create thin pool:\n"
					"  lvcreate --type thin-pool "
					"-L %s -n "
					"%s %s\n",
					a->pool_size, a->pool, a->vg);
			x->do_pool = ask_confirm(&x->k, "Create now?");
			if (!x->do_pool)
				cf_say(x, "wrn",
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
		x->do_net = ask_confirm(&x->k,
					"Network %s is not defined in libvirt, "
					"define now?",
					a->network);
		if (!x->do_net)
			cf_say(x, "wrn",
			       "%s will not work without libvirt "
			       "network!",
			       x->fastvm ? "fast-vm" : "fvm");
	}
	x->group_exists = getgrnam(a->group) != NULL;
	if (!x->group_exists)
		x->do_group = ask_confirm(
			&x->k, "Group %s does not exist, create it?", a->group);
	if (strcmp(a->appliance, "import") &&
	    !has_fixed_appliance(a->appliance))
		x->do_appliance =
			x->yes ? x->build_appliance :
				 ask_confirm(&x->k,
					     "No fixed libguestfs "
					     "appliance in "
					     "%s: build one now (takes "
					     "minutes)?",
					     a->appliance);
}
