/* applets/helper.c: `fvm helper`: run one privileged request for a non-root user (through sudo). */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <syslog.h>
#include <unistd.h>

#include "../lib/dhcp.h"
#include "../lib/privop.h"
#include "../lib/proc.h"
#include "../lib/store.h"
#include "../lib/virt.h"
#include "../lib/vmnum.h"
#include "../cli/applet.h"

/* the options' values (the table binds them) */
static struct {
	const char *sudoers, *config;
} opt;

static const struct opt helper_opts[] = {
	OPT_STRING(0, "sudoers", &opt.sudoers, "GROUP",
		   "print the sudoers rule for GROUP's members and exit",
		   OPT_C_NONE),
	OPT_STRING(0, "config", &opt.config, "PATH",
		   "read PATH (root's only) instead of /etc/fast-vm.conf",
		   OPT_C_NONE),
	OPT_END(),
};

const struct applet_info helper_info = {
	.usage = "[--config PATH] < REQUEST",
	.description =
		"The root side of fvm for users who are not root. A non-root "
		"fvm runs 'sudo -n fvm helper' for the steps that need root: "
		"making, resizing and removing VM disks in an lvm thin pool or "
		"in a store directory the user cannot write, and releasing a "
		"VM's DHCP lease. Images stay root's: a non-root import is "
		"refused.\n"
		"The helper reads one request on standard input, lines of "
		"key=value: op=clone image=DISK vm=DISK; op=remove vm=DISK; "
		"op=resize vm=DISK size=BYTES [shrink=yes]; op=release-lease "
		"number=N mac=MAC; op=check. Unknown or repeated keys, blanks, "
		"control characters and values over 255 bytes are refused.\n"
		"It trusts nothing of the caller's: it reads /etc/fast-vm.conf "
		"(or --config PATH, which only a sudoers rule naming it can "
		"pass; FVM_CONFIG counts only when root runs the helper "
		"itself, not through sudo), clears the environment, connects "
		"to libvirt at that file's FVM_URI alone (it takes no -c and "
		"reads no LIBVIRT_DEFAULT_URI), and checks every request "
		"again: VM disks must be VM_PREFIX "
		"IMAGE-N "
		"with N in FVM_VM_RANGE, the image must exist, LVs must be "
		"thin LVs of THINPOOL_VG/THINPOOL_LV, files must be regular "
		"files in a store directory only root can write (a symlink "
		"there is refused), the MAC must be VM N's, the VM must be "
		"stopped for remove and resize, the caller (SUDO_USER) must be "
		"in FASTVM_GROUP, and with FASTVM_OWNER_ONLY_DELETE=yes only "
		"the VM's owner (from its metadata, read by the helper) or "
		"root may remove its disk or release its lease. Each request "
		"and its outcome go to syslog as fvm-helper.\n"
		"--sudoers GROUP prints the rule 'fvm configure' installs in "
		"/etc/sudoers.d.\n"
		"Exit status: 0 done; 1 failed; 2 bad command line or "
		"configuration; 3 not found; 4 busy (the VM runs, the disk "
		"exists); 5 refused by policy; 6 invalid request; 7 not run as "
		"root.",
	.opts = helper_opts,
};

/*
 * Who asked. Under sudo (any of SUDO_UID, SUDO_USER, SUDO_COMMAND set):
 * the user SUDO_USER names, who must exist and have the uid SUDO_UID;
 * anything else is refused, never taken for root. Without sudo: the real
 * user (root running the helper itself).
 */
static int who_asks(bool under_sudo, char *name, size_t len, uid_t *uid,
		    gid_t *gid)
{
	const char *su = getenv("SUDO_USER"), *suid = getenv("SUDO_UID");
	struct passwd *pw = NULL;
	long id;

	if (under_sudo) {
		if (su && suid && parse_int(suid, 0, INT_MAX, &id)) {
			pw = getpwnam(su);
			if (pw && pw->pw_uid != (uid_t)id)
				pw = NULL;
		}
		/* the values are the caller's: not repeated here */
		if (!pw)
			return err_set(HELPER_EXIT_REFUSED,
				       "run through sudo, but SUDO_USER and "
				       "SUDO_UID do not name one user: cannot "
				       "tell who asks");
	} else {
		pw = getpwuid(getuid());
	}
	if (pw) {
		snprintf(name, len, "%s", pw->pw_name);
		*uid = pw->pw_uid;
		*gid = pw->pw_gid;
	} else {
		snprintf(name, len, "%u", (unsigned)getuid());
		*uid = getuid();
		*gid = getgid();
	}
	return 0;
}

/*
 * Only root may be able to change what path names: the file (or
 * directory) itself root's and writable by root only; every directory
 * above root's and not writable by others, unless sticky (/tmp).
 */
static int trusted_path(const char *what, const char *path, bool dir,
			char *resolved)
{
	char real[PATH_MAX];
	struct stat st;

	if (!realpath(path, real))
		return err_sys(FVM_EXIT_USAGE, "%s %s", what, path);
	if (lstat(real, &st) < 0)
		return err_sys(FVM_EXIT_USAGE, "%s %s", what, real);
	if (dir ? !S_ISDIR(st.st_mode) : !S_ISREG(st.st_mode))
		return err_set(HELPER_EXIT_REFUSED, "%s %s is not a %s", what,
			       real, dir ? "directory" : "regular file");
	if (st.st_uid != 0 || (st.st_mode & 022))
		return err_set(HELPER_EXIT_REFUSED,
			       "%s %s may be changed by others than root", what,
			       real);
	if (resolved)
		memcpy(resolved, real, sizeof(real));
	for (char *slash = strrchr(real, '/'); slash;
	     slash = strrchr(real, '/')) {
		if (slash == real)
			slash[1] = '\0';
		else
			*slash = '\0';
		if (lstat(real, &st) < 0)
			return err_sys(FVM_EXIT_USAGE, "%s", real);
		if (st.st_uid != 0 ||
		    ((st.st_mode & 022) && !(st.st_mode & S_ISVTX)))
			return err_set(HELPER_EXIT_REFUSED,
				       "%s %s: directory %s may be changed by "
				       "others than root",
				       what, path, real);
		if (slash == real)
			break;
	}
	return 0;
}

/*
 * Every step of path as written, not resolved, root's: directories not
 * writable by others (unless sticky), symlinks root's. Else a user could
 * point a symlink of theirs on the way at another file after the check.
 */
static int trusted_prefixes(const char *what, const char *path)
{
	char *p = xstrdup(path), *slash = p;
	struct stat st;
	int rc = 0;

	while (rc == 0 && (slash = strchr(slash + 1, '/'))) {
		*slash = '\0';
		if (lstat(p, &st) < 0)
			rc = err_sys(FVM_EXIT_USAGE, "%s %s: %s", what, path,
				     p);
		else if (st.st_uid != 0 ||
			 (S_ISDIR(st.st_mode) && (st.st_mode & 022) &&
			  !(st.st_mode & S_ISVTX)))
			rc = err_set(HELPER_EXIT_REFUSED,
				     "%s %s: %s may be changed by others than "
				     "root",
				     what, path, p);
		*slash = '/';
	}
	free(p);
	return rc;
}

#define HELPER_CONF_MAX (1 << 20)

/*
 * Load the configuration from path, resolved once and opened once: the
 * file read is the file checked (fstat on the descriptor it is read
 * from), whatever happens to the path meanwhile.
 */
static int load_config(const char *path, struct fvm_conf *c)
{
	struct sbuf text = SBUF_INIT;
	char real[PATH_MAX], chunk[8192];
	struct stat st;
	ssize_t n = 0;
	int fd, rc;

	conf_defaults(c);
	if (path[0] != '/')
		return err_set(FVM_EXIT_USAGE,
			       "config %s is not an absolute path", path);
	if (trusted_prefixes("config", path) < 0 ||
	    trusted_path("config", path, false, real) < 0)
		return -1;
	fd = open(real, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return err_sys(FVM_EXIT_USAGE, "cannot read config %s", real);
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_uid != 0 ||
	    (st.st_mode & 022)) {
		close(fd);
		return err_set(HELPER_EXIT_REFUSED,
			       "config %s may be changed by others than root",
			       real);
	}
	while (text.len <= HELPER_CONF_MAX &&
	       (n = read(fd, chunk, sizeof(chunk))) > 0)
		sbuf_add(&text, chunk, (size_t)n);
	if (text.len > HELPER_CONF_MAX)
		rc = err_set(FVM_EXIT_USAGE, "config %s is larger than 1 MiB",
			     real);
	else if (n < 0)
		rc = err_sys(FVM_EXIT_USAGE, "cannot read config %s", real);
	else
		rc = conf_parse(c, real, text.s ? text.s : "", text.len);
	close(fd);
	sbuf_release(&text);
	free(c->path);
	c->path = xstrdup(real);
	c->file_found = rc == 0;
	return rc;
}

static bool in_group(const char *user, gid_t base, gid_t want)
{
	gid_t groups[256];
	int n = 256;

	if (base == want)
		return true;
	if (getgrouplist(user, base, groups, &n) < 0)
		return false;
	for (int i = 0; i < n; i++)
		if (groups[i] == want)
			return true;
	return false;
}

/* A store file must be a plain file of its own, or missing. */
static int dir_entry_safe(int dfd, const char *dir, const char *name,
			  const char *suffix)
{
	char *f = xasprintf("%s%s", name, suffix);
	struct stat st;
	int rc = 0;

	if (fstatat(dfd, f, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
	    (!S_ISREG(st.st_mode) || st.st_nlink != 1))
		rc = err_set(HELPER_EXIT_REFUSED,
			     "%s/%s is %s: the helper does not touch it", dir,
			     f,
			     S_ISLNK(st.st_mode) ? "a symlink" :
			     S_ISREG(st.st_mode) ? "hard-linked elsewhere" :
						   "not a regular file");
	free(f);
	return rc;
}

/*
 * The dir store: only root may change the store directory and its
 * images/ and vms/ (else nothing keeps a user from swapping them for
 * symlinks between the checks and the change), and the files a request
 * names are regular files there, or missing.
 */
static int dir_store_safe(const struct fvm_conf *c, const char *const *names)
{
	static const char *const subs[] = { "images", "vms" };
	static const char *const suffixes[] = { ".raw", ".qcow2" };
	int rc = 0;

	if (trusted_path("store", c->store_dir, true, NULL) < 0)
		return -1;
	for (size_t i = 0; i < 2 && rc == 0; i++) {
		char *path = xasprintf("%s/%s", c->store_dir, subs[i]);
		struct stat st;
		int fd = open(path,
			      O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);

		if (fd < 0) {
			rc = errno == ELOOP || errno == ENOTDIR ?
				     err_set(HELPER_EXIT_REFUSED,
					     "%s is not a directory", path) :
				     err_sys(FVM_EXIT_FAIL, "%s", path);
		} else if (fstat(fd, &st) < 0 || st.st_uid != 0 ||
			   (st.st_mode & 022)) {
			rc = err_set(HELPER_EXIT_REFUSED,
				     "%s may be changed by others than root",
				     path);
		}
		for (const char *const *n = names; rc == 0 && *n; n++)
			for (size_t j = 0; j < 2 && rc == 0; j++)
				rc = dir_entry_safe(fd, path, *n, suffixes[j]);
		if (fd >= 0)
			close(fd);
		free(path);
	}
	return rc;
}

struct helper_ctx {
	struct fvm_conf *c;
	struct helper_policy pol;
	const struct helper_req *r;
	const char *user; /* who asked */
	bool root;	  /* the asker is root */
	struct virt *v;
	struct store *s;
};

static struct virt *ctx_virt(struct helper_ctx *x)
{
	if (!x->v)
		x->v = virt_open(x->c, false);
	return x->v;
}

static int refuse_owner(struct helper_ctx *x, const struct vm_entry *e,
			const char *doing)
{
	const char *owner = e->has_meta ? e->meta.owner : "";

	if (!x->c->owner_only_delete || x->root)
		return 0;
	if (*owner && !strcmp(owner, x->user))
		return 0;
	if (!*owner || !strcmp(owner, "--unknown--"))
		return err_set(HELPER_EXIT_REFUSED,
			       "only 'root' may %s of VM %d "
			       "(FASTVM_OWNER_ONLY_DELETE=yes)",
			       doing, e->number);
	return err_set(HELPER_EXIT_REFUSED,
		       "only 'root' and '%s' may %s of VM %d "
		       "(FASTVM_OWNER_ONLY_DELETE=yes)",
		       owner, doing, e->number);
}

/*
 * What the domains say about a request, read by the helper itself: the
 * VM whose disk this is must be stopped (remove, resize), belong to the
 * asker under owner-only delete (remove, release-lease), and own the MAC
 * (release-lease). A disk without a domain (a create being rolled back)
 * has no owner to protect.
 */
static int check_domains(struct helper_ctx *x, bool stopped, const char *doing,
			 char **mac_ok)
{
	const struct helper_req *r = x->r;
	struct virt *v = ctx_virt(x);
	struct vm_entry *vms = NULL;
	size_t n = 0;
	int rc = 0;

	if (!v || virt_list_vms(v, x->c, true, &vms, &n) < 0)
		return -1;
	for (size_t i = 0; i < n && rc == 0; i++) {
		struct vm_entry *e = &vms[i];
		bool mine = r->op == HELPER_OP_RELEASE_LEASE ?
				    e->number == r->number :
				    !strcmp(e->name, r->vm);

		if (!mine)
			continue;
		if (stopped && e->state != VIR_DOMAIN_SHUTOFF &&
		    e->state != VIR_DOMAIN_CRASHED &&
		    e->state != VIR_DOMAIN_NOSTATE)
			rc = err_set(FVM_EXIT_CONFLICT,
				     "VM %d is %s: stop it first", e->number,
				     virt_state_name(e->state));
		if (rc == 0 && doing)
			rc = refuse_owner(x, e, doing);
		if (rc == 0 && mac_ok && !*mac_ok) {
			char *mac =
				virt_domain_mac(e->dom, x->c->libvirt_network);

			if (mac &&
			    helper_mac_allowed(&x->pol, r->number, r->mac, mac))
				*mac_ok = mac;
			else
				free(mac);
			err_clear();
		}
	}
	virt_vms_free(vms, n);
	return rc;
}

/* fast-vm gives FASTVM_GROUP the VM's LV so its members' customisation
 * and hacks can write the disk. */
static void lvm_share_device(struct helper_ctx *x)
{
	char *link = xasprintf("/dev/%s/%s", x->c->thinpool_vg, x->r->vm);
	char real[PATH_MAX];
	struct group *gr = getgrnam(x->c->group);
	struct stat st;

	if (gr && realpath(link, real) && str_starts(real, "/dev/") &&
	    lstat(real, &st) == 0 && S_ISBLK(st.st_mode) &&
	    (chown(real, 0, gr->gr_gid) < 0 || chmod(real, 0660) < 0))
		syslog(LOG_WARNING, "cannot give %s to group %s: %m", real,
		       x->c->group);
	free(link);
}

/* The disk is one of the store's (lvm: a thin LV of the pool, by lvs). */
static int disk_in_store(struct helper_ctx *x, const char *what,
			 const char *name)
{
	char **names = store_list(x->s, name);
	bool found = false;

	if (!names)
		return -1;
	for (char **n = names; *n; n++)
		if (!strcmp(*n, name))
			found = true;
	store_list_free(names);
	if (found && store_exists(x->s, name))
		return 0;
	if (x->c->storage == FVM_STORAGE_LVM && store_exists(x->s, name))
		return err_set(HELPER_EXIT_REFUSED,
			       "%s/%s is not a thin LV of pool %s",
			       x->c->thinpool_vg, name, x->c->thinpool_lv);
	return err_set(FVM_EXIT_NOTFOUND, "%s %s not found", what, name);
}

/* A VM disk the helper would hand to qemu-img as root must be one no
 * member can shape (store_vm_check): anything else is refused. */
static int vm_disk_sound(struct helper_ctx *x)
{
	char msg[1024];

	if (store_vm_check(x->s, x->r->vm) == 0)
		return 0;
	if (err_code() != FVM_EXIT_FAIL)
		return -1;
	snprintf(msg, sizeof(msg), "%s", err_msg());
	return err_set(HELPER_EXIT_REFUSED, "%s", msg);
}

/*
 * A disk grows by no more than the store has free (the thin pool's free
 * data space, the store filesystem's free space): the helper makes no
 * disk that could never be filled, and a member cannot have qemu-img
 * rewrite a 64 TiB disk's tables back and forth.
 */
static int growth_fits(struct helper_ctx *x)
{
	struct store_usage u;
	struct store_pool p;
	uint64_t room;

	if (store_usage(x->s, x->r->vm, &u) < 0 ||
	    store_pool_status(x->s, &p) < 0)
		return -1;
	if (!u.exists || x->r->size <= u.size)
		return 0;
	room = p.size > p.used ? p.size - p.used : 0;
	if (x->r->size - u.size <= room)
		return 0;
	return err_set(HELPER_EXIT_REFUSED,
		       "growing %s by %llu bytes is more than the %llu bytes "
		       "free in the store",
		       x->r->vm, (unsigned long long)(x->r->size - u.size),
		       (unsigned long long)room);
}

static int do_request(struct helper_ctx *x)
{
	const struct helper_req *r = x->r;
	const char *names[3] = { r->vm, r->image, NULL };
	char *mac = NULL;
	char ip[16];
	int rc;

	if (!r->image[0])
		names[1] = NULL;
	if (r->op == HELPER_OP_RELEASE_LEASE) {
		if (check_domains(x, false, "release the DHCP lease", &mac) < 0)
			return -1;
		if (!mac &&
		    !helper_mac_allowed(&x->pol, r->number, r->mac, NULL))
			return err_set(HELPER_EXIT_REFUSED,
				       "%s is not the MAC of VM %d", r->mac,
				       r->number);
		free(mac);
		vm_ip(x->c, r->number, ip);
		if (!ctx_virt(x))
			return -1;
		/* not installed (1) is recorded as FVM_EXIT_NOTFOUND */
		rc = dhcp_release_lease(x->v, x->c->libvirt_network, r->mac,
					ip);
		return rc ? -1 : 0;
	}
	if (x->c->storage == FVM_STORAGE_DIR && r->vm[0] &&
	    dir_store_safe(x->c, names) < 0)
		return -1;
	x->s = store_open(x->c);
	if (!x->s)
		return -1;
	switch (r->op) {
	case HELPER_OP_CHECK:
		return 0;
	case HELPER_OP_CLONE:
		if (disk_in_store(x, "image disk", r->image) < 0 ||
		    store_check_watermark(x->s, x->c->pool_watermark) < 0)
			return -1;
		if (store_vm_clone(x->s, r->image, r->vm) < 0)
			return -1;
		if (x->c->storage == FVM_STORAGE_LVM)
			lvm_share_device(x);
		return 0;
	case HELPER_OP_REMOVE:
		if (check_domains(x, true, "delete the disk", NULL) < 0 ||
		    disk_in_store(x, "VM disk", r->vm) < 0)
			return -1;
		return store_vm_remove(x->s, r->vm);
	case HELPER_OP_RESIZE:
		if (check_domains(x, true, NULL, NULL) < 0 ||
		    disk_in_store(x, "VM disk", r->vm) < 0 ||
		    vm_disk_sound(x) < 0 || growth_fits(x) < 0)
			return -1;
		return store_resize(x->s, r->vm, r->size, r->shrink);
	case HELPER_OP_RELEASE_LEASE:
		break;
	}
	return 0;
}

/* The request's fields for the log: parsed, so nothing needs escaping. */
static char *describe(const struct helper_req *r)
{
	switch (r->op) {
	case HELPER_OP_CLONE:
		return xasprintf("clone image=%s vm=%s", r->image, r->vm);
	case HELPER_OP_REMOVE:
		return xasprintf("remove vm=%s", r->vm);
	case HELPER_OP_RESIZE:
		return xasprintf("resize vm=%s size=%llu shrink=%s", r->vm,
				 (unsigned long long)r->size,
				 r->shrink ? "yes" : "no");
	case HELPER_OP_RELEASE_LEASE:
		return xasprintf("release-lease number=%d mac=%s", r->number,
				 r->mac);
	case HELPER_OP_CHECK:
		break;
	}
	return xstrdup("check");
}

/* Read the whole request: one byte over the limit is enough to refuse. */
static ssize_t read_request(char *buf, size_t cap)
{
	size_t len = 0;

	while (len < cap) {
		ssize_t n = read(0, buf + len, cap - len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		if (n == 0)
			break;
		len += (size_t)n;
	}
	return (ssize_t)len;
}

static int finish(const char *user, const char *what, int code)
{
	if (code == 0) {
		syslog(LOG_INFO, "user=%s %s: done", user, what);
		return 0;
	}
	syslog(code == HELPER_EXIT_REFUSED || code == HELPER_EXIT_INVALID ?
		       LOG_WARNING :
		       LOG_ERR,
	       "user=%s %s: %s: %s", user, what,
	       code == HELPER_EXIT_REFUSED ? "refused" :
	       code == HELPER_EXIT_INVALID ? "invalid" :
					     "failed",
	       err_msg());
	return report_err();
}

int helper_main(int argc, char **argv)
{
	struct fvm_conf conf;
	struct helper_req req;
	struct helper_ctx x = { 0 };
	const char *sudoers, *config, *env;
	char user[256], buf[HELPER_REQ_MAX + 1];
	char *path, *what;
	bool under_sudo;
	uid_t uid = (uid_t)-1;
	gid_t gid = (gid_t)-1;
	ssize_t len;
	int rc;

	applet_args(&argc, &argv);
	sudoers = opt.sudoers;
	config = opt.config;
	if (sudoers) {
		char *rule = helper_sudoers_rule(sudoers, NULL, config);

		if (!rule)
			die_err();
		printf("%s\n", rule);
		free(rule);
		return 0;
	}
	if (geteuid() != 0)
		die(HELPER_EXIT_NOT_ROOT,
		    "fvm helper works as root only: fvm runs it through "
		    "'sudo -n' for users who are not root");
	under_sudo = getenv("SUDO_UID") || getenv("SUDO_USER") ||
		     getenv("SUDO_COMMAND");
	if (who_asks(under_sudo, user, sizeof(user), &uid, &gid) < 0) {
		openlog("fvm-helper", LOG_PID, LOG_AUTHPRIV);
		return finish("?", "request", err_code());
	}
	/* the config is root's choice: the sudoers rule's --config, or
	 * FVM_CONFIG when root runs the helper itself */
	env = getenv("FVM_CONFIG");
	if (config)
		path = xstrdup(config);
	else if (!under_sudo && env && *env)
		path = xstrdup(env);
	else
		path = xstrdup(FVM_DEFAULT_CONFIG);
	/* nothing of the caller's environment reaches lib/, libvirt or
	 * the lvm commands */
	clearenv();
	setenv("PATH", PROC_DEFAULT_PATH, 1);
	setenv("LC_ALL", "C", 1);
	umask(022);
	if (config || access(path, F_OK) == 0)
		rc = load_config(path, &conf);
	else
		rc = conf_load(&conf);
	free(path);
	/* root's configuration alone chooses the connection: the helper
	 * takes no -c, and no LIBVIRT_DEFAULT_URI of the caller's */
	if (rc == 0)
		rc = conf_connect(&conf, NULL, false);
	if (rc < 0) {
		conf_release(&conf);
		die_err();
	}
	openlog("fvm-helper", LOG_PID, LOG_AUTHPRIV);

	x.c = &conf;
	x.pol.vm_prefix = conf.vm_prefix;
	x.pol.vm_min = conf.vm_min;
	x.pol.vm_max = conf.vm_max;
	x.pol.subnet = conf.subnet;
	x.user = user;
	x.root = uid == 0;
	len = read_request(buf, sizeof(buf));
	if (len < 0) {
		err_sys(FVM_EXIT_FAIL, "cannot read the request");
		rc = finish(user, "request", FVM_EXIT_FAIL);
		goto out;
	}
	if (helper_parse(buf, (size_t)len, &x.pol, &req) < 0) {
		rc = finish(user, "request", HELPER_EXIT_INVALID);
		goto out;
	}
	x.r = &req;
	what = describe(&req);
	rc = 0;
	if (!x.root) {
		struct group *gr = getgrnam(conf.group);

		if (!gr || !in_group(user, gid, gr->gr_gid))
			rc = err_set(HELPER_EXIT_REFUSED,
				     "user %s is not in FASTVM_GROUP %s", user,
				     conf.group);
	}
	if (rc == 0)
		rc = do_request(&x);
	rc = finish(user, what, rc < 0 ? err_code() : 0);
	free(what);
out:
	if (x.s)
		store_close(x.s);
	if (x.v)
		virt_close(x.v);
	conf_release(&conf);
	return rc;
}
