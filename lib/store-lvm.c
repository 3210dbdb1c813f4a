/* lib/store-lvm.c: the lvm storage backend: thin LVs in one thin pool. */
#include <errno.h>
#include <grp.h>
#include <limits.h>
#include <libdevmapper.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "err.h"
#include "proc.h"
#include "store-backend.h"
#include "store-lvm.h"
#include "util.h"

/*
 * Changes go through the lvm commands only: LVM's metadata (thin ids, the
 * pool's transaction id) must stay the truth. Status comes from the kernel
 * through libdevmapper, with no process and no pool metadata commit.
 */

#define LVM_PATH	 "/usr/sbin:/sbin"
#define THIN_META_BLOCK	 4096 /* dm-thin metadata block size */
#define DM_LOG_LEVEL_ERR 3    /* libdevmapper's _LOG_ERR */

/* ---- lvm commands ---- */

/* Map an lvm command's last stderr line to an exit code class. */
static int lvm_err_code(const char *line)
{
	if (strstr(line, "already exists"))
		return FVM_EXIT_CONFLICT;
	if (strstr(line, "Failed to find") || strstr(line, "not found"))
		return FVM_EXIT_NOTFOUND;
	if (strstr(line, "in use") || strstr(line, "is open"))
		return FVM_EXIT_CONFLICT;
	return FVM_EXIT_FAIL;
}

/*
 * Run an lvm command. Returns 0, or -1 with "CMD: last stderr line"
 * recorded (classified by lvm_err_code). *out gets stdout when out is set.
 * ok_when, when set, is a message meaning there was nothing to do.
 */
int lvm_run(char *const argv[], char **out, const char *ok_when)
{
	static char *const env[] = { "LVM_SUPPRESS_FD_WARNINGS=1", NULL };
	const struct proc_opts o = { .env = env, .path = LVM_PATH };
	char *err = NULL, *line;
	int rc = proc_run_opts(argv, &o, out, &err);

	if (rc == 0 || rc < 0) {
		free(err);
		return rc;
	}
	line = proc_last_line(err);
	if (ok_when && strstr(err, ok_when)) {
		rc = 0;
	} else {
		if (!*line) {
			free(line);
			line = xasprintf("exited with status %d", rc);
		}
		err_set(lvm_err_code(line), "%s: %s", argv[0], line);
		rc = -1;
	}
	free(line);
	free(err);
	return rc;
}

/* ---- a minimal reader for lvs' JSON report ---- */

char *lvm_json_field(const char *p, const char *end, const char *key)
{
	size_t klen = strlen(key);

	for (; p < end; p++) {
		const char *v, *q;

		if (*p != '"' || (size_t)(end - p) < klen + 2 ||
		    strncmp(p + 1, key, klen) || p[klen + 1] != '"')
			continue;
		v = p + klen + 2;
		while (v < end && (*v == ' ' || *v == '\t' || *v == '\n'))
			v++;
		if (v >= end || *v++ != ':')
			continue;
		while (v < end && (*v == ' ' || *v == '\t' || *v == '\n'))
			v++;
		if (v >= end || *v++ != '"')
			return NULL;
		for (q = v; q < end && *q != '"'; q++)
			if (*q == '\\')
				return NULL;
		return q < end ? xstrndup(v, (size_t)(q - v)) : NULL;
	}
	return NULL;
}

void lvm_json_each_lv(const char *json,
		      void (*fn)(const char *obj, const char *end, void *arg),
		      void *arg)
{
	const char *p = json;

	while ((p = strstr(p, "\"lv_name\""))) {
		const char *start = p, *end;

		while (start > json && *start != '{')
			start--;
		end = strchr(p, '}');
		if (!end)
			break;
		fn(start, end, arg);
		p = end;
	}
}

struct lvs_one {
	char *size, *pool, *data_percent;
	bool found;
};

static void lvs_one_cb(const char *obj, const char *end, void *arg)
{
	struct lvs_one *r = arg;

	if (r->found)
		return;
	r->found = true;
	r->size = lvm_json_field(obj, end, "lv_size");
	r->pool = lvm_json_field(obj, end, "pool_lv");
	r->data_percent = lvm_json_field(obj, end, "data_percent");
}

static void lvs_one_release(struct lvs_one *r)
{
	free(r->size);
	free(r->pool);
	free(r->data_percent);
}

/* Report one LV with lvs; 0 with r->found false when it does not exist. */
static int lvm_lvs_one(struct store *s, const char *name, struct lvs_one *r)
{
	char *target = xasprintf("%s/%s", s->vg, name);
	char *argv[] = { "lvs",	 "--reportformat",
			 "json", "--units",
			 "b",	 "--nosuffix",
			 "-o",	 "lv_name,lv_size,pool_lv,data_percent",
			 target, NULL };
	char *out = NULL;
	int rc = lvm_run(argv, &out, NULL);

	memset(r, 0, sizeof(*r));
	free(target);
	if (rc < 0) {
		free(out);
		if (err_code() == FVM_EXIT_NOTFOUND) {
			err_clear();
			return 0;
		}
		return -1;
	}
	lvm_json_each_lv(out, lvs_one_cb, r);
	free(out);
	return 0;
}

/* ---- device-mapper status ---- */

static __thread char dm_last_error[256];

/* libdevmapper prints to stderr by default; lib/ never prints, so keep
 * its last error for the message instead. */
static void dm_log_quiet(int level, const char *file, int line, int dm_errno,
			 const char *f, ...)
{
	va_list ap;

	(void)file;
	(void)line;
	(void)dm_errno;
	if ((level & 7) > DM_LOG_LEVEL_ERR)
		return;
	va_start(ap, f);
	vsnprintf(dm_last_error, sizeof(dm_last_error), f, ap);
	va_end(ap);
}

static pthread_once_t dm_log_once = PTHREAD_ONCE_INIT;
/* libdevmapper keeps process-wide state (the control fd it opens on first
 * use, the log hook): parallel multi-VM work queries one at a time */
static pthread_mutex_t dm_lock = PTHREAD_MUTEX_INITIALIZER;

static void dm_log_setup(void)
{
	dm_log_with_errno_init(dm_log_quiet);
}

/* dm name of VG/LV: '-' inside each name doubled, then joined by '-';
 * layer is a suffix such as "tpool" (not escaped) or NULL. */
char *lvm_dm_name(const char *vg, const char *lv, const char *layer)
{
	struct sbuf b = SBUF_INIT;
	const char *parts[2] = { vg, lv };

	for (int i = 0; i < 2; i++) {
		if (i)
			sbuf_addc(&b, '-');
		for (const char *p = parts[i]; *p; p++) {
			if (*p == '-')
				sbuf_addc(&b, '-');
			sbuf_addc(&b, *p);
		}
	}
	if (layer)
		sbuf_addf(&b, "-%s", layer);
	return sbuf_detach(&b);
}

struct dm_dev {
	bool exists;
	uint32_t major, minor;
	uint64_t sectors; /* sum of the targets' lengths */
	char *type;	  /* first target's type */
	char *params;	  /* first target's status or table line */
};

static void dm_dev_release(struct dm_dev *d)
{
	free(d->type);
	free(d->params);
}

/*
 * DM_DEVICE_STATUS or DM_DEVICE_TABLE of one device, never flushing: a
 * flushing status of a thin device commits the pool's metadata.
 */
static int dm_query(const char *name, int task, struct dm_dev *d)
{
	struct dm_task *dmt;
	struct dm_info info;
	void *next = NULL;
	int rc = -1;

	memset(d, 0, sizeof(*d));
	pthread_once(&dm_log_once, dm_log_setup);
	dm_last_error[0] = '\0';
	pthread_mutex_lock(&dm_lock);
	dmt = dm_task_create(task);
	if (!dmt) {
		pthread_mutex_unlock(&dm_lock);
		return err_set(FVM_EXIT_FAIL, "device-mapper: %s",
			       *dm_last_error ? dm_last_error :
						"cannot create task");
	}
	if (!dm_task_set_name(dmt, name) || !dm_task_no_flush(dmt))
		goto out_fail;
	if (!dm_task_run(dmt)) {
		/* libdevmapper reports a missing device as "not existing"
		 * for status, as ENXIO for a table */
		if (dm_task_get_errno(dmt) == ENXIO)
			rc = 0;
		else
			goto out_fail;
		goto out;
	}
	if (!dm_task_get_info(dmt, &info))
		goto out_fail;
	rc = 0;
	if (!info.exists)
		goto out;
	d->exists = true;
	d->major = (uint32_t)info.major;
	d->minor = (uint32_t)info.minor;
	do {
		uint64_t start, length;
		char *type = NULL, *params = NULL;

		next = dm_get_next_target(dmt, next, &start, &length, &type,
					  &params);
		if (!type)
			break;
		d->sectors += length;
		if (!d->type) {
			d->type = xstrdup(type);
			d->params = xstrdup(params ? params : "");
		}
	} while (next);
	goto out;
out_fail:
	if (*dm_last_error)
		err_set(FVM_EXIT_FAIL, "%s", dm_last_error);
	else
		err_set(FVM_EXIT_FAIL, "device-mapper: %s: query failed", name);
out:
	dm_task_destroy(dmt);
	pthread_mutex_unlock(&dm_lock);
	return rc;
}

/* The thin pool's data device: VG-POOL-tpool while thin LVs use it, the
 * pool LV itself on LVM versions that activate an unused pool alone. */
static int lvm_pool_dev(struct store *s, int task, struct dm_dev *d)
{
	static const char *const layers[] = { "tpool", NULL };

	for (size_t i = 0; i < 2; i++) {
		char *name = lvm_dm_name(s->vg, s->pool, layers[i]);
		int rc = dm_query(name, task, d);

		free(name);
		if (rc < 0)
			return -1;
		if (d->exists && d->type && !strcmp(d->type, "thin-pool"))
			return 0;
		dm_dev_release(d);
	}
	return err_set(FVM_EXIT_NOTFOUND, "thin pool %s/%s is not active",
		       s->vg, s->pool);
}

static int lvm_pool_status(struct store *s, struct store_pool *p)
{
	struct dm_status_thin_pool *st = NULL;
	struct dm_dev status, table;
	unsigned long long block_sectors = 0;
	struct dm_pool *mem;
	int rc = -1;

	if (lvm_pool_dev(s, DM_DEVICE_STATUS, &status) < 0)
		return -1;
	if (lvm_pool_dev(s, DM_DEVICE_TABLE, &table) < 0) {
		dm_dev_release(&status);
		return -1;
	}
	/* table: <metadata dev> <data dev> <data block sectors> <low water> */
	if (sscanf(table.params, "%*s %*s %llu", &block_sectors) != 1 ||
	    !block_sectors) {
		err_set(FVM_EXIT_FAIL, "thin pool %s/%s: unexpected table '%s'",
			s->vg, s->pool, table.params);
		goto out;
	}
	mem = dm_pool_create("fvm-store", 1024);
	if (!mem) {
		err_set(FVM_EXIT_FAIL, "device-mapper: out of memory");
		goto out;
	}
	if (!dm_get_status_thin_pool(mem, status.params, &st)) {
		err_set(FVM_EXIT_FAIL,
			"thin pool %s/%s: unexpected status '%s'", s->vg,
			s->pool, status.params);
	} else {
		uint64_t block = (uint64_t)block_sectors * 512;

		p->size = st->total_data_blocks * block;
		p->used = st->used_data_blocks * block;
		p->meta_size = st->total_metadata_blocks * THIN_META_BLOCK;
		p->meta_used = st->used_metadata_blocks * THIN_META_BLOCK;
		p->read_only =
			st->read_only || st->fail || st->out_of_data_space;
		p->needs_check = st->needs_check;
		rc = 0;
	}
	dm_pool_destroy(mem);
out:
	dm_dev_release(&status);
	dm_dev_release(&table);
	return rc;
}

static int lvm_usage(struct store *s, const char *name, struct store_usage *u)
{
	char *dname = lvm_dm_name(s->vg, name, NULL);
	struct dm_dev d;
	struct lvs_one r;
	int rc = dm_query(dname, DM_DEVICE_STATUS, &d);

	free(dname);
	if (rc < 0)
		return -1;
	if (d.exists) {
		struct dm_status_thin *st = NULL;
		struct dm_pool *mem = dm_pool_create("fvm-store", 512);

		u->exists = true;
		u->size = d.sectors * 512;
		u->allocated = u->size;
		if (mem && d.type && !strcmp(d.type, "thin") &&
		    dm_get_status_thin(mem, d.params, &st) && st)
			u->allocated = st->mapped_sectors * 512;
		if (mem)
			dm_pool_destroy(mem);
		dm_dev_release(&d);
		return 0;
	}
	/* not active (or gone): only LVM's metadata knows */
	if (lvm_lvs_one(s, name, &r) < 0)
		return -1;
	if (r.found) {
		double pct = r.data_percent ? strtod(r.data_percent, NULL) : 0;

		u->exists = true;
		u->size = r.size ? strtoull(r.size, NULL, 10) : 0;
		u->allocated = (uint64_t)((double)u->size * pct / 100);
	}
	lvs_one_release(&r);
	return 0;
}

/*
 * Only thin LVs of our pool may be changed: a name must never reach
 * lvremove for the pool itself or for a VG's other LVs. An active LV is
 * checked through its dm table (thin target on our pool's device), an
 * inactive one through lvs. Fills *size_out (bytes) when set.
 */
static int lvm_check_ours(struct store *s, const char *name, uint64_t *size_out)
{
	char *dname;
	struct dm_dev d, pool;
	struct lvs_one r;
	unsigned maj, min;
	int rc;

	if (!strcmp(name, s->pool))
		return err_set(FVM_EXIT_USAGE, "%s is the thin pool", name);
	dname = lvm_dm_name(s->vg, name, NULL);
	rc = dm_query(dname, DM_DEVICE_TABLE, &d);
	free(dname);
	if (rc < 0)
		return -1;
	if (d.exists) {
		bool ours = false;

		rc = 0;
		if (d.type && !strcmp(d.type, "thin") &&
		    sscanf(d.params, "%u:%u", &maj, &min) == 2) {
			rc = lvm_pool_dev(s, DM_DEVICE_TABLE, &pool);
			if (rc == 0) {
				ours = pool.major == maj && pool.minor == min;
				dm_dev_release(&pool);
			}
		}
		if (rc == 0 && !ours)
			rc = err_set(FVM_EXIT_USAGE,
				     "%s/%s is not a thin LV of pool %s", s->vg,
				     name, s->pool);
		if (rc == 0 && size_out)
			*size_out = d.sectors * 512;
		dm_dev_release(&d);
		return rc;
	}
	if (lvm_lvs_one(s, name, &r) < 0)
		return -1;
	rc = 0;
	if (!r.found)
		rc = err_set(FVM_EXIT_NOTFOUND, "disk %s/%s not found", s->vg,
			     name);
	else if (!r.pool || strcmp(r.pool, s->pool))
		rc = err_set(FVM_EXIT_USAGE,
			     "%s/%s is not a thin LV of pool %s", s->vg, name,
			     s->pool);
	else if (size_out)
		*size_out = r.size ? strtoull(r.size, NULL, 10) : 0;
	lvs_one_release(&r);
	return rc;
}

/* ---- the backend ---- */

static char *lvm_dev_path(struct store *s, const char *name);

/*
 * An image LV is read-only to FASTVM_GROUP's members, whatever mode and
 * group its device node got (libdevmapper's root:disk 0660, a udev rule):
 * root's, not writable by others, nor by the group when it is
 * FASTVM_GROUP. The VMs' LVs are given to the group (fvm helper), images
 * never. Best effort: a node that cannot be changed is left as it is.
 */
static void lvm_image_protect(struct store *s, const char *name)
{
	char *link = lvm_dev_path(s, name);
	char real[PATH_MAX];
	struct stat st;
	mode_t keep = (mode_t)~S_IWOTH;

	if (realpath(link, real) && str_starts(real, "/dev/") &&
	    lstat(real, &st) == 0 && S_ISBLK(st.st_mode)) {
		if (s->gid != (gid_t)-1 && st.st_gid == s->gid)
			keep &= (mode_t)~S_IWGRP;
		if (st.st_uid != 0 && chown(real, 0, (gid_t)-1) < 0)
			errno = 0;
		if ((st.st_mode & 07777 & keep) != (st.st_mode & 07777) &&
		    chmod(real, st.st_mode & 07777 & keep) < 0)
			errno = 0;
	}
	free(link);
}

static int lvm_image_create(struct store *s, const char *name, uint64_t size)
{
	char *bytes = xasprintf("%llub", (unsigned long long)size);
	char *pool = xasprintf("%s/%s", s->vg, s->pool);
	/* --yes: a new LV's stale signatures are wiped, never asked about
	 * on a stdin that is /dev/null */
	char *argv[] = { "lvcreate", "--yes",	   "-n", (char *)name, "-V",
			 bytes,	     "--thinpool", pool, NULL };
	int rc = lvm_run(argv, NULL, NULL);

	free(bytes);
	free(pool);
	if (rc == 0)
		lvm_image_protect(s, name);
	return rc;
}

static char *lvm_dev_path(struct store *s, const char *name)
{
	return xasprintf("/dev/%s/%s", s->vg, name);
}

static char *lvm_disk_path(struct store *s, const char *name)
{
	char *path = lvm_dev_path(s, name);
	struct stat st;

	if (stat(path, &st) < 0 || !S_ISBLK(st.st_mode)) {
		err_set(FVM_EXIT_NOTFOUND, "disk %s/%s not found or not active",
			s->vg, name);
		free(path);
		return NULL;
	}
	return path;
}

static const char *lvm_disk_format(struct store *s, const char *name)
{
	(void)s;
	(void)name;
	return "raw";
}

static bool lvm_exists(struct store *s, const char *name)
{
	char *path = lvm_dev_path(s, name);
	struct stat st;
	struct lvs_one r;
	bool found;

	found = stat(path, &st) == 0;
	free(path);
	if (found)
		return true;
	if (lvm_lvs_one(s, name, &r) < 0) {
		err_clear();
		return false;
	}
	found = r.found;
	lvs_one_release(&r);
	return found;
}

static int lvm_remove(struct store *s, const char *name)
{
	char *target;
	int rc;

	if (lvm_check_ours(s, name, NULL) < 0)
		return -1;
	target = xasprintf("%s/%s", s->vg, name);
	char *argv[] = { "lvremove", "-f", target, NULL };
	rc = lvm_run(argv, NULL, NULL);
	free(target);
	return rc;
}

static int lvm_rename(struct store *s, const char *from, const char *to)
{
	if (lvm_check_ours(s, from, NULL) < 0)
		return -1;
	char *argv[] = { "lvrename", s->vg, (char *)from, (char *)to, NULL };
	int rc = lvm_run(argv, NULL, NULL);

	/* images are renamed (import names its image last): the node may be
	 * made anew */
	if (rc == 0)
		lvm_image_protect(s, to);
	return rc;
}

static int lvm_vm_clone(struct store *s, const char *image, const char *vm)
{
	char *origin = xasprintf("%s/%s", s->vg, image);
	/* no size: a thin snapshot, not an old-style COW one; -kn so it
	 * activates like any LV after a reboot */
	char *argv[] = { "lvcreate", "-s",	 "-kn",	 "-ay",
			 "-n",	     (char *)vm, origin, NULL };
	int rc = lvm_run(argv, NULL, NULL);

	free(origin);
	return rc;
}

static int lvm_resize(struct store *s, const char *name, uint64_t size,
		      bool allow_shrink)
{
	uint64_t cur = 0;
	char *bytes, *target;
	int rc;

	if (lvm_check_ours(s, name, &cur) < 0)
		return -1;
	if (size < cur && !allow_shrink)
		return err_set(FVM_EXIT_USAGE,
			       "%s: %llu bytes is smaller than its %llu bytes",
			       name, (unsigned long long)size,
			       (unsigned long long)cur);
	bytes = xasprintf("%llub", (unsigned long long)size);
	target = xasprintf("%s/%s", s->vg, name);
	char *argv[] = { "lvresize", "-f", "-L", bytes, target, NULL };
	/* a size that rounds to the current extents is not a failure */
	rc = lvm_run(argv, NULL, "matches existing size");
	free(bytes);
	free(target);
	return rc;
}

struct lvm_list_ctx {
	struct store *s;
	const char *prefix;
	struct strv *names;
};

static void lvm_list_cb(const char *obj, const char *end, void *arg)
{
	struct lvm_list_ctx *c = arg;
	char *name = lvm_json_field(obj, end, "lv_name");
	char *pool = lvm_json_field(obj, end, "pool_lv");

	if (name && pool && !strcmp(pool, c->s->pool) &&
	    str_starts(name, c->prefix))
		strv_push(c->names, name);
	free(name);
	free(pool);
}

static char **lvm_list(struct store *s, const char *prefix)
{
	char *argv[] = { "lvs",	 "--reportformat",
			 "json", "--units",
			 "b",	 "--nosuffix",
			 "-o",	 "lv_name,lv_size,pool_lv",
			 s->vg,	 NULL };
	struct strv l = STRV_INIT;
	struct lvm_list_ctx c = { s, prefix, &l };
	char *out = NULL;

	if (lvm_run(argv, &out, NULL) < 0) {
		free(out);
		return NULL;
	}
	lvm_json_each_lv(out, lvm_list_cb, &c);
	free(out);
	return store_names_finish(&l);
}

static int lvm_disk_spec(struct store *s, const char *name,
			 struct store_disk *d)
{
	d->type = "block";
	d->path = lvm_dev_path(s, name);
	d->format = "raw";
	return 0;
}

static const struct store_ops lvm_ops = {
	.kind = "lvm",
	.caps = STORE_CAP_THIN_POOL,
	.image_create = lvm_image_create,
	.disk_path = lvm_disk_path,
	.disk_format = lvm_disk_format,
	.image_remove = lvm_remove,
	.rename = lvm_rename,
	.exists = lvm_exists,
	.vm_clone = lvm_vm_clone,
	.vm_remove = lvm_remove,
	.resize = lvm_resize,
	.usage = lvm_usage,
	.pool_status = lvm_pool_status,
	.list = lvm_list,
	.disk_spec = lvm_disk_spec,
	.close = NULL,
};

int store_lvm_open(struct store *s, const struct fvm_conf *c)
{
	s->ops = &lvm_ops;
	if (!c->thinpool_vg || !*c->thinpool_vg)
		return err_set(FVM_EXIT_USAGE,
			       "FVM_STORAGE=lvm needs THINPOOL_VG");
	if (store_check_name(c->thinpool_vg) < 0 ||
	    store_check_name(c->thinpool_lv) < 0)
		return err_context("thin pool");
	s->vg = xstrdup(c->thinpool_vg);
	s->pool = xstrdup(c->thinpool_lv);
	if (c->group && *c->group) {
		struct group gr, *res = NULL;
		char buf[4096];

		if (getgrnam_r(c->group, &gr, buf, sizeof(buf), &res) == 0 &&
		    res)
			s->gid = gr.gr_gid;
	}
	return 0;
}
