/* applets/doctor.c: `fvm doctor`: find and fix what is out of step: domains, disks, DHCP, leases. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../lib/dhcp.h"
#include "../lib/log.h"
#include "../lib/reconcile.h"
#include "../cli/vm.h"

/* the options' values (the table binds them) */
static struct {
	bool fix, json, quiet;
} opt;

static const struct opt doctor_opts[] = {
	OPT_BOOL(0, "fix", &opt.fix, "repair what can be repaired"),
	OPT_JSON(&opt.json),
	OPT_QUIET(&opt.quiet, "print nothing; the exit status tells"),
	APPLET_OPT_CONNECT,
	OPT_END(),
};

const struct applet_info doctor_info = {
	.usage = "[--fix]",
	.description =
		"Check that this host's fvm objects agree with each other, for "
		"the configured VM_PREFIX, LIBVIRT_NETWORK, storage and "
		"FVM_VM_RANGE, and say what fixes each problem:\n"
		"- disk: a VM disk without its domain (fix: remove the disk);\n"
		"- domain: a VM domain without its disk (fix: fvm delete N; "
		"--fix undefines the domain);\n"
		"- dhcp: a DHCP reservation 192.168.S.N without VM N, one for "
		"another MAC than VM N's, or a VM without its reservation "
		"(fix: remove, replace or add it; the dummy host "
		"52:54:00:99:ff:99 stays);\n"
		"- lease: a DHCP lease in the VM range that no VM holds, or a "
		"VM's MAC holding another address than its own (fix: release "
		"it with dhcp_release);\n"
		"- known-hosts: fvm's known_hosts file of a VM that is gone "
		"(yours, under FVM_STATE_DIR);\n"
		"- temp: what an interrupted import, profile-import, "
		"profile-rm or checksum left under its temporary name;\n"
		"- pool: the thin pool's data or metadata (lvm), or the "
		"store's filesystem (dir), more used than FVM_POOL_WATERMARK, "
		"or a pool that is read-only, failed or needs a check;\n"
		"- network: LIBVIRT_NETWORK cannot be read (fix: fvm "
		"configure).\n"
		"pool and network problems are not fixed by fvm doctor.\n"
		"What another fvm is working on (its VM, image or profile is "
		"locked) is left alone. Lock files are never a problem: their "
		"locks go with the process that held them.\n"
		"--fix repairs what it can and logs each repair to syslog. "
		"The human output is one line per problem and a summary; "
		"--json gives an array of objects with kind, vm, object, "
		"problem, fix, fixable, fixed and error.\n"
		"Exit status 0: nothing wrong, or everything found was fixed; "
		"1: problems remain, and then (but with -q) one line on stderr "
		"names each problem left.",
	.opts = doctor_opts,
	.examples = "List what is out of step, then repair it:\n"
		    "$ fvm doctor\n"
		    "$ fvm doctor --fix",
	.see_also = "fvm-delete(1), fast-vm-net-cleanup(8)",
};

struct doctor;
struct finding;
typedef int (*fix_fn)(struct doctor *d, struct finding *f);

struct finding {
	const char *kind;
	int vm; /* -1: none */
	char *object, *problem, *fix;
	fix_fn repair; /* NULL: not fixable by fvm */
	char *a, *b;   /* what repair works on */
	bool tried, fixed;
	char *error;
};

struct doctor {
	struct fvm_conf *c;
	struct store *s;
	struct virt *v;
	bool fix, quiet;
	struct vm_entry *vms;
	size_t nvms;
	char **macs; /* per VM: its MAC on the network, or NULL */
	bool *gone;  /* per VM: undefined by a fix */
	struct finding *f;
	size_t nf, cap;
	struct lock *locks; /* held until the end */
	char **lock_names;
	size_t nlocks;
	bool net_locked;
	bool no_net; /* the network could not be read */
	struct lock net_lock;
	/* counts for the summary */
	size_t disks, hosts, leases;
};

static struct finding *add(struct doctor *d, const char *kind, int vm,
			   fix_fn repair, char *object, char *problem,
			   char *fix)
{
	struct finding *f;

	if (d->nf == d->cap) {
		d->cap = d->cap ? 2 * d->cap : 16;
		d->f = xrealloc(d->f, d->cap * sizeof(*d->f));
	}
	f = &d->f[d->nf++];
	memset(f, 0, sizeof(*f));
	f->kind = kind;
	f->vm = vm;
	f->repair = repair;
	f->object = object;
	f->problem = problem;
	f->fix = fix;
	return f;
}

/*
 * Take lock name for the rest of the run without waiting: 1 taken, 0
 * another fvm holds it (its work is in progress: leave it alone).
 */
static int try_lock(struct doctor *d, const char *name, const char *what)
{
	struct lock l = LOCK_INIT;

	/* a second flock of ours would find the first in its way */
	for (size_t i = 0; i < d->nlocks; i++)
		if (!strcmp(d->lock_names[i], name))
			return 1;
	if (lock_take(&l, name, what, true, 0) < 0) {
		if (err_code() == FVM_EXIT_CONFLICT) {
			err_clear();
			return 0;
		}
		die_err();
	}
	d->locks = xrealloc(d->locks, (d->nlocks + 1) * sizeof(*d->locks));
	d->lock_names = xrealloc(d->lock_names,
				 (d->nlocks + 1) * sizeof(*d->lock_names));
	d->lock_names[d->nlocks] = xstrdup(name);
	d->locks[d->nlocks++] = l;
	return 1;
}

static int lock_vm(struct doctor *d, int n)
{
	char name[32], what[32];

	snprintf(name, sizeof(name), "vm-%d", n);
	snprintf(what, sizeof(what), "VM %d", n);
	return try_lock(d, name, what);
}

static struct vm_entry *vm_by_number(struct doctor *d, int n, size_t *idx)
{
	for (size_t i = 0; i < d->nvms; i++)
		if (d->vms[i].number == n && !d->gone[i]) {
			if (idx)
				*idx = i;
			return &d->vms[i];
		}
	return NULL;
}

static bool vm_named(struct doctor *d, const char *name)
{
	for (size_t i = 0; i < d->nvms; i++)
		if (!strcmp(d->vms[i].name, name) && !d->gone[i])
			return true;
	return false;
}

/* ---- repairs ---- */

static int fix_disk(struct doctor *d, struct finding *f)
{
	return store_vm_remove(d->s, f->a);
}

static int fix_temp_disk(struct doctor *d, struct finding *f)
{
	return store_image_remove(d->s, f->a);
}

static int fix_unlink(struct doctor *d, struct finding *f)
{
	(void)d;
	if (unlink(f->a) < 0 && errno != ENOENT)
		return err_sys(FVM_EXIT_FAIL, "cannot remove %s", f->a);
	return 0;
}

static int rm_one(const char *path, const struct stat *st, int type,
		  struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	if (type == FTW_DP ? rmdir(path) : unlink(path))
		return err_sys(FVM_EXIT_FAIL, "cannot remove %s", path);
	return 0;
}

static int fix_tree(struct doctor *d, struct finding *f)
{
	(void)d;
	return nftw(f->a, rm_one, 16, FTW_DEPTH | FTW_PHYS) ? -1 : 0;
}

static int net_lock(struct doctor *d)
{
	if (d->net_locked)
		return 0;
	d->net_lock = (struct lock)LOCK_INIT;
	if (vm_lock_net(&d->net_lock, d->c->libvirt_network) < 0)
		return -1;
	d->net_locked = true;
	return 0;
}

static int fix_domain(struct doctor *d, struct finding *f)
{
	size_t i;
	struct vm_entry *e = vm_by_number(d, f->vm, &i);

	if (!e)
		return 0;
	if (virt_remove_domain(d->v, e->dom) < 0)
		return -1;
	d->gone[i] = true;
	return 0;
}

/* a = MAC, b = IP */
static int fix_dhcp_remove(struct doctor *d, struct finding *f)
{
	if (net_lock(d) < 0)
		return -1;
	return dhcp_remove(d->v, d->c->libvirt_network, f->a, f->b) < 0 ? -1 :
									  0;
}

static int fix_dhcp_add(struct doctor *d, struct finding *f)
{
	struct vm_entry *e = vm_by_number(d, f->vm, NULL);

	if (net_lock(d) < 0)
		return -1;
	return dhcp_add(d->v, d->c->libvirt_network, f->a, f->b,
			e ? e->name : NULL);
}

static int fix_lease(struct doctor *d, struct finding *f)
{
	/* 1: dhcp_release is missing, the message says so */
	return dhcp_release_lease(d->v, d->c->libvirt_network, f->a, f->b) ?
		       -1 :
		       0;
}

/* ---- checks ---- */

static char *disk_command(struct doctor *d, const char *name)
{
	return store_remove_command(d->s, name);
}

static void load_vms(struct doctor *d)
{
	if (virt_list_vms(d->v, d->c, false, &d->vms, &d->nvms) < 0)
		die_err();
	d->macs = xcalloc(d->nvms + 1, sizeof(*d->macs));
	d->gone = xcalloc(d->nvms + 1, sizeof(*d->gone));
	for (size_t i = 0; i < d->nvms; i++) {
		d->macs[i] =
			virt_domain_mac(d->vms[i].dom, d->c->libvirt_network);
		err_clear();
	}
}

/* VM disks without a domain, VM domains without a disk */
static void check_disks(struct doctor *d)
{
	char **names = store_list(d->s, d->c->vm_prefix);

	if (!names)
		die_err();
	for (char **p = names; *p; p++) {
		int n = reconcile_vm_number(d->c->vm_prefix, *p);

		d->disks++;
		if (n < 0 || vm_named(d, *p) || !lock_vm(d, n))
			continue;
		/* a create may have defined it since the listing */
		if (vm_by_number(d, n, NULL) == NULL) {
			struct vm_entry e = { 0 };

			if (virt_find_vm(d->v, d->c, n, &e) == 0 &&
			    !strcmp(e.name, *p)) {
				virt_vm_release(&e);
				continue;
			}
			virt_vm_release(&e);
			err_clear();
		}
		struct finding *f = add(d, "disk", n, fix_disk, xstrdup(*p),
					xasprintf("VM disk without a domain"),
					disk_command(d, *p));
		f->a = xstrdup(*p);
	}
	store_list_free(names);
	for (size_t i = 0; i < d->nvms; i++) {
		struct vm_entry *e = &d->vms[i];

		if (e->number < 0 || store_exists(d->s, e->name) ||
		    !lock_vm(d, e->number))
			continue;
		add(d, "domain", e->number, fix_domain, xstrdup(e->name),
		    xasprintf("VM %d has no disk %s in the %s store", e->number,
			      e->name, store_kind(d->s)),
		    xasprintf("fvm delete %d", e->number));
	}
}

static bool busy_vm(struct doctor *d, int n)
{
	return !lock_vm(d, n);
}

/* DHCP reservations against the VMs */
static void check_dhcp(struct doctor *d)
{
	struct dhcp_host *h = NULL;
	size_t nh = 0;

	if (dhcp_hosts(d->v, d->c->libvirt_network, &h, &nh) < 0) {
		add(d, "network", -1, NULL, xstrdup(d->c->libvirt_network),
		    xasprintf("cannot read its DHCP reservations: %s",
			      err_msg()),
		    xstrdup("fvm configure"));
		err_clear();
		d->no_net = true;
		return;
	}
	d->hosts = nh;
	for (size_t i = 0; i < nh; i++) {
		int n = reconcile_ip_vm(h[i].ip, d->c->subnet, d->c->vm_min,
					d->c->vm_max);
		size_t vi;
		struct vm_entry *e;
		struct finding *f;

		if (n < 0 || !h[i].mac ||
		    !strcasecmp(h[i].mac, RECONCILE_DUMMY_MAC) || busy_vm(d, n))
			continue;
		e = vm_by_number(d, n, &vi);
		if (!e) {
			f = add(d, "dhcp", n, fix_dhcp_remove,
				xasprintf("%s %s", h[i].ip, h[i].mac),
				xasprintf("DHCP reservation for VM %d, which "
					  "does not exist",
					  n),
				xstrdup("fast-vm-net-cleanup"));
		} else if (d->macs[vi] && strcasecmp(d->macs[vi], h[i].mac)) {
			f = add(d, "dhcp", n, fix_dhcp_remove,
				xasprintf("%s %s", h[i].ip, h[i].mac),
				xasprintf("DHCP reservation for another MAC "
					  "than VM %d's %s",
					  n, d->macs[vi]),
				xstrdup("fast-vm-net-cleanup"));
		} else {
			continue;
		}
		f->a = xstrdup(h[i].mac);
		f->b = xstrdup(h[i].ip);
	}
	/* VMs without their reservation */
	for (size_t i = 0; i < d->nvms; i++) {
		struct vm_entry *e = &d->vms[i];
		char ip[16];
		bool found = false;
		struct finding *f;

		if (e->number < d->c->vm_min || e->number > d->c->vm_max ||
		    d->gone[i] || !d->macs[i])
			continue;
		vm_ip(d->c, e->number, ip);
		for (size_t j = 0; j < nh && !found; j++)
			found = h[j].ip && h[j].mac && !strcmp(h[j].ip, ip) &&
				!strcasecmp(h[j].mac, d->macs[i]);
		if (found || busy_vm(d, e->number))
			continue;
		f = add(d, "dhcp", e->number, fix_dhcp_add,
			xasprintf("%s %s", ip, d->macs[i]),
			xasprintf("VM %d has no DHCP reservation for its "
				  "address",
				  e->number),
			xstrdup("fast-vm-net-cleanup"));
		f->a = xstrdup(d->macs[i]);
		f->b = xstrdup(ip);
	}
	dhcp_hosts_free(h, nh);
}

/* DHCP leases against the VMs: a lease is right when a VM with its MAC
 * is the VM its address is for */
static void check_leases(struct doctor *d)
{
	struct dhcp_lease *l = NULL;
	size_t nl = 0;

	if (d->no_net)
		return;
	if (dhcp_leases(d->v, d->c->libvirt_network, &l, &nl) < 0) {
		add(d, "network", -1, NULL, xstrdup(d->c->libvirt_network),
		    xasprintf("cannot read its DHCP leases: %s", err_msg()),
		    xstrdup("fvm configure"));
		err_clear();
		return;
	}
	d->leases = nl;
	for (size_t i = 0; i < nl; i++) {
		int n = reconcile_ip_vm(l[i].ip, d->c->subnet, d->c->vm_min,
					d->c->vm_max);
		struct vm_entry *owner = NULL;
		struct finding *f;
		char *why;

		for (size_t j = 0; j < d->nvms && !owner; j++)
			if (!d->gone[j] && d->macs[j] &&
			    !strcasecmp(d->macs[j], l[i].mac))
				owner = &d->vms[j];
		if (owner && owner->number == n)
			continue;
		if (n < 0 && !owner)
			continue; /* not in fvm's range, not a VM's MAC */
		if ((n >= 0 && busy_vm(d, n)) ||
		    (owner && busy_vm(d, owner->number)))
			continue;
		if (!owner)
			why = xasprintf("DHCP lease of a MAC no VM has, on VM "
					"%d's address",
					n);
		else
			why = xasprintf("VM %d's MAC holds a lease on another "
					"address",
					owner->number);
		f = add(d, "lease", n >= 0 ? n : owner->number, fix_lease,
			xasprintf("%s %s", l[i].ip, l[i].mac), why,
			xstrdup("fast-vm-net-cleanup"));
		f->a = xstrdup(l[i].mac);
		f->b = xstrdup(l[i].ip);
	}
	dhcp_leases_free(l, nl);
}

static void check_known_hosts(struct doctor *d)
{
	char *dir = xasprintf("%s/known_hosts", d->c->state_dir);
	DIR *dp = opendir(dir);
	struct dirent *de;

	if (!dp) {
		free(dir);
		return;
	}
	while ((de = readdir(dp))) {
		long n;
		struct finding *f;

		if (!parse_int(de->d_name, 0, 99999, &n) ||
		    (de->d_name[0] == '0' && de->d_name[1]) ||
		    vm_by_number(d, (int)n, NULL) || busy_vm(d, (int)n))
			continue;
		f = add(d, "known-hosts", (int)n, fix_unlink,
			xasprintf("%s/%s", dir, de->d_name),
			xasprintf("host keys of VM %ld, which does not exist",
				  n),
			xasprintf("rm %s/%s", dir, de->d_name));
		f->a = xstrdup(f->object);
	}
	closedir(dp);
	free(dir);
}

/* DISK.sha256 whose image disk is not in the store: an import killed
 * between writing the checksum and publishing the disk */
static void check_orphan_sum(struct doctor *d, const char *dir,
			     const char *file)
{
	size_t len = strlen(file), suf = strlen(".sha256");
	char *disk, *lock, *path;
	struct finding *f;

	if (len <= suf || strcmp(file + len - suf, ".sha256") ||
	    !str_starts(file, d->c->vm_prefix))
		return;
	disk = xstrndup(file, len - suf);
	if (store_check_name(disk) < 0 || store_exists(d->s, disk)) {
		err_clear();
		free(disk);
		return;
	}
	lock = xasprintf("image-%s", disk + strlen(d->c->vm_prefix));
	if (try_lock(d, lock, lock)) {
		path = xasprintf("%s/%s", dir, file);
		f = add(d, "temp", -1, fix_unlink, path,
			xasprintf("checksum of image disk %s, which does "
				  "not exist (an interrupted import)",
				  disk),
			xasprintf("rm %s", path));
		f->a = xstrdup(path);
	}
	free(lock);
	free(disk);
}

/* leftovers named by reconcile_temp_lock in one directory */
static void check_temp_dir(struct doctor *d, const char *dir,
			   enum reconcile_place where)
{
	DIR *dp = opendir(dir);
	struct dirent *de;

	if (!dp)
		return;
	while ((de = readdir(dp))) {
		char *lock =
			reconcile_temp_lock(where, de->d_name, d->c->vm_prefix);
		char *path, what[300];
		struct stat st;
		struct finding *f;
		bool is_dir;

		if (!lock && where == RECONCILE_SHA_DIR) {
			check_orphan_sum(d, dir, de->d_name);
			continue;
		}
		if (!lock)
			continue;
		snprintf(what, sizeof(what), "%s", lock);
		path = xasprintf("%s/%s", dir, de->d_name);
		if (lstat(path, &st) < 0 || !try_lock(d, lock, what)) {
			free(path);
			free(lock);
			continue;
		}
		is_dir = S_ISDIR(st.st_mode);
		f = add(d, "temp", -1, is_dir ? fix_tree : fix_unlink, path,
			xasprintf("left by an interrupted %s",
				  str_starts(lock, "profile-") ?
					  "profile-import or profile-rm" :
				  where == RECONCILE_SHA_DIR ? "checksum" :
							       "import"),
			xasprintf("rm %s%s", is_dir ? "-r " : "", path));
		f->a = xstrdup(path);
		free(lock);
	}
	closedir(dp);
}

static void check_temp(struct doctor *d)
{
	char **names = store_list(d->s, RECONCILE_IMPORT_DISK);
	char *p;

	if (!names)
		die_err();
	for (char **n = names; *n; n++) {
		char *lock = reconcile_temp_disk_lock(*n);
		struct finding *f;

		if (!lock)
			continue;
		if (try_lock(d, lock, lock)) {
			f = add(d, "temp", -1, fix_temp_disk, xstrdup(*n),
				xasprintf("image disk of an interrupted "
					  "import"),
				disk_command(d, *n));
			f->a = xstrdup(*n);
		}
		free(lock);
	}
	store_list_free(names);
	check_temp_dir(d, d->c->store_dir, RECONCILE_STORE_DIR);
	/* both backends' checksum directories: the store may have been
	 * switched */
	for (int i = 0; i < 2; i++) {
		struct fvm_conf other = *d->c;

		other.storage = i ? FVM_STORAGE_LVM : FVM_STORAGE_DIR;
		p = store_sha_dir(&other);
		check_temp_dir(d, p, RECONCILE_SHA_DIR);
		free(p);
	}
	check_temp_dir(d, d->c->system_dir, RECONCILE_CONF_DIR);
	if (strcmp(d->c->user_dir, d->c->system_dir))
		check_temp_dir(d, d->c->user_dir, RECONCILE_CONF_DIR);
}

static void check_pool(struct doctor *d)
{
	struct store_pool p;
	bool lvm = store_caps(d->s) & STORE_CAP_THIN_POOL;
	char *name = store_pool_name(d->c);
	int wm = d->c->pool_watermark;
	double data, meta;

	if (store_pool_status(d->s, &p) < 0) {
		add(d, "pool", -1, NULL, name,
		    xasprintf("cannot read its status: %s", err_msg()),
		    xstrdup(lvm ? "configure-fast-vm" : "fvm config"));
		err_clear();
		return;
	}
	data = p.size ? 100.0 * (double)p.used / (double)p.size : 0;
	meta = p.meta_size ? 100.0 * (double)p.meta_used / (double)p.meta_size :
			     0;
	if (p.needs_check)
		add(d, "pool", -1, NULL, xstrdup(name),
		    xstrdup("thin pool flagged needs_check"),
		    xasprintf("lvconvert --repair %s (its LVs inactive)",
			      name));
	if (p.read_only)
		add(d, "pool", -1, NULL, xstrdup(name),
		    xstrdup(lvm ? "thin pool is read-only or failed (out of "
				  "space or metadata errors)" :
				  "store filesystem is read-only"),
		    xstrdup(lvm ? "lvextend the pool, then lvchange -an and "
				  "-ay it; see lvmthin(7)" :
				  "remount it read-write"));
	if (wm < 100 && data > wm)
		add(d, "pool", -1, NULL, xstrdup(name),
		    xasprintf("%s %.1f%% used, above FVM_POOL_WATERMARK "
			      "(%d%%)",
			      lvm ? "data" : "filesystem", data, wm),
		    xstrdup(lvm ? "fvm du, fvm delete N, or lvextend -L "
				  "+SIZE the pool" :
				  "fvm du, then fvm delete N or free space"));
	if (wm < 100 && meta > wm)
		add(d, "pool", -1, NULL, xstrdup(name),
		    xasprintf("metadata %.1f%% used, above "
			      "FVM_POOL_WATERMARK (%d%%)",
			      meta, wm),
		    xasprintf("lvextend --poolmetadatasize +1G %s", name));
	free(name);
}

static void repair_one(struct doctor *d, struct finding *f)
{
	if (!f->repair || f->tried)
		return;
	f->tried = true;
	if (f->repair(d, f) < 0) {
		f->error = xstrdup(err_msg());
		err_clear();
		log_vm(d->c, LOG_WARNING, f->vm,
		       "doctor could not fix %s %s: %s", f->kind, f->object,
		       f->error);
		return;
	}
	f->fixed = true;
	log_vm(d->c, LOG_INFO, f->vm, "doctor fixed %s %s: %s", f->kind,
	       f->object, f->problem);
}

static void repair_all(struct doctor *d, size_t from)
{
	for (size_t i = from; i < d->nf; i++)
		repair_one(d, &d->f[i]);
}

static void doctor_release(struct doctor *d)
{
	for (size_t i = 0; i < d->nf; i++) {
		free(d->f[i].object);
		free(d->f[i].problem);
		free(d->f[i].fix);
		free(d->f[i].a);
		free(d->f[i].b);
		free(d->f[i].error);
	}
	free(d->f);
	for (size_t i = 0; i < d->nvms; i++)
		free(d->macs[i]);
	free(d->macs);
	free(d->gone);
	virt_vms_free(d->vms, d->nvms);
	for (size_t i = 0; i < d->nlocks; i++) {
		lock_drop(&d->locks[i]);
		free(d->lock_names[i]);
	}
	free(d->locks);
	free(d->lock_names);
	if (d->net_locked)
		lock_drop(&d->net_lock);
}

static void doctor_init(struct doctor *d, bool fix)
{
	memset(d, 0, sizeof(*d));
	d->c = applet_conf();
	d->fix = fix;
	d->v = vm_virt(false);
	load_vms(d);
}

enum {
	D_KIND,
	D_OBJECT,
	D_PROBLEM,
	D_FIX,
	D_RESULT,
	D_VM,
	D_FIXABLE,
	D_FIXED,
	D_ERROR,
	D_COUNT
};

static const struct out_col doctor_cols[D_COUNT] = {
	[D_KIND] = { "kind", "KIND", OUT_STR },
	[D_OBJECT] = { "object", "OBJECT", OUT_STR },
	[D_PROBLEM] = { "problem", "PROBLEM", OUT_STR },
	[D_FIX] = { "fix", "FIX", OUT_STR },
	[D_RESULT] = { "result", "RESULT", OUT_STR },
	[D_VM] = { "vm", "VM", OUT_INT, OUT_JSON_ONLY },
	[D_FIXABLE] = { "fixable", "Fixable", OUT_BOOL, OUT_JSON_ONLY },
	[D_FIXED] = { "fixed", "Fixed", OUT_BOOL, OUT_JSON_ONLY },
	[D_ERROR] = { "error", "Error", OUT_STR, OUT_JSON_ONLY },
};

int doctor_main(int argc, char **argv)
{
	enum out_mode mode;
	struct doctor d;
	struct out_table *t;
	bool fix;
	size_t left = 0, fixed = 0, first;

	applet_args(&argc, &argv);
	mode = applet_out_mode(opt.json, opt.quiet);
	fix = opt.fix;
	doctor_init(&d, fix);
	d.s = vm_store();
	/* domains and disks first: a domain --fix undefines leaves its
	 * reservation, lease and host keys to the checks after it */
	check_disks(&d);
	if (fix)
		repair_all(&d, 0);
	first = d.nf;
	check_dhcp(&d);
	check_leases(&d);
	check_known_hosts(&d);
	check_temp(&d);
	check_pool(&d);
	if (fix)
		repair_all(&d, first);

	t = out_table_new(doctor_cols, D_COUNT);
	for (size_t i = 0; i < d.nf; i++) {
		struct finding *f = &d.f[i];

		out_row(t);
		out_str(t, D_KIND, f->kind);
		out_str(t, D_OBJECT, f->object);
		out_str(t, D_PROBLEM, f->problem);
		out_str(t, D_FIX, f->fix);
		out_str(t, D_RESULT,
			f->fixed   ? (!strcmp(f->kind, "domain") ? "undefined" :
								   "fixed") :
			f->error   ? f->error :
			!f->repair ? "not fixable by fvm" :
				     "open");
		if (f->vm >= 0)
			out_int(t, D_VM, f->vm);
		else
			out_str(t, D_VM, NULL);
		out_bool(t, D_FIXABLE, f->repair != NULL);
		out_bool(t, D_FIXED, f->fixed);
		out_str(t, D_ERROR, f->error);
		if (f->fixed)
			fixed++;
		else
			left++;
	}
	if (mode == OUT_JSON) {
		out_print_list(t, mode, stdout);
	} else if (mode == OUT_HUMAN) {
		if (d.nf)
			out_print_list(t, mode, stdout);
		if (!d.nf)
			printf("doctor: no problems (checked: VMs %zu, disks "
			       "%zu, DHCP reservations %zu, leases %zu)\n",
			       d.nvms, d.disks, d.hosts, d.leases);
		else if (fix)
			printf("doctor: %zu problem%s found, %zu fixed, %zu "
			       "left\n",
			       d.nf, d.nf == 1 ? "" : "s", fixed, left);
		else {
			size_t fixable = 0;

			for (size_t i = 0; i < d.nf; i++)
				fixable += d.f[i].repair != NULL;
			printf("doctor: %zu problem%s found; fvm doctor --fix "
			       "repairs %zu of them\n",
			       d.nf, d.nf == 1 ? "" : "s", fixable);
		}
	}
	out_table_free(t);
	/* a failing doctor says why on stderr too, whatever stdout shows:
	 * one line naming each problem left */
	if (left && mode != OUT_QUIET) {
		struct sbuf why = SBUF_INIT;

		for (size_t i = 0; i < d.nf; i++) {
			struct finding *f = &d.f[i];

			if (f->fixed)
				continue;
			sbuf_addf(&why, "%s%s %s: %s%s%s", why.len ? "; " : "",
				  f->kind, f->object, f->problem,
				  f->error ? ": " : "",
				  f->error ? f->error : "");
		}
		error("%zu problem%s left: %s", left, left == 1 ? "" : "s",
		      why.s);
		sbuf_release(&why);
	}
	doctor_release(&d);
	return left ? FVM_EXIT_FAIL : FVM_EXIT_OK;
}

/*
 * fast-vm-net-cleanup: fast-vm 1.7's script removed the DHCP reservations
 * of VMs that no longer exist (and released their leases); this one does
 * that with doctor's checks, and also replaces reservations for another
 * MAC, adds missing ones and releases leases no VM holds (what the
 * script's TODO list asked for).
 */
int fastvm_net_cleanup_main(int argc, char **argv)
{
	struct doctor d;
	int rc = 0;

	if (argc > 1 &&
	    (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help"))) {
		printf("usage: fast-vm-net-cleanup\n"
		       "Remove the DHCP reservations and leases of VMs that do "
		       "not exist from fast-vm's libvirt network (fvm doctor "
		       "--fix does this and more).\n");
		return 0;
	}
	if (!applet_conf()->file_found) {
		printf("[err] global configuration file %s not found\n",
		       applet_conf()->path);
		return FVM_EXIT_FAIL;
	}
	doctor_init(&d, true);
	printf("[inf] fixing fast-vm network %s\n", d.c->libvirt_network);
	check_dhcp(&d);
	check_leases(&d);
	if (d.nf && d.f[0].repair == NULL) {
		printf("[err] %s: %s\n", d.f[0].object, d.f[0].problem);
		doctor_release(&d);
		return FVM_EXIT_FAIL;
	}
	/* remove before add: a stale entry may hold the address */
	for (int pass = 0; pass < 3; pass++)
		for (size_t i = 0; i < d.nf; i++) {
			struct finding *f = &d.f[i];
			bool is_lease = !strcmp(f->kind, "lease");
			bool is_add = f->repair == fix_dhcp_add;

			if (pass != (is_lease ? 2 : is_add ? 1 : 0))
				continue;
			if (is_lease)
				printf("[inf] releasing DHCP lease %s of %s\n",
				       f->b, f->a);
			else if (is_add)
				printf("[inf] adding missing reservation for "
				       "VM number %d\n",
				       f->vm);
			else if (!vm_by_number(&d, f->vm, NULL))
				printf("[inf] deleting reservation for "
				       "non-existing VM number %d\n",
				       f->vm);
			else
				printf("[inf] deleting reservation of VM "
				       "number %d for another MAC %s\n",
				       f->vm, f->a);
			fflush(stdout);
			repair_one(&d, f);
			if (f->error) {
				fprintf(stderr, "[err] %s\n", f->error);
				rc = FVM_EXIT_FAIL;
			}
		}
	doctor_release(&d);
	return rc;
}
