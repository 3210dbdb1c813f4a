/* lib/space.c: how much of the store each disk takes, shared with others and its own. */
#include "space.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/fiemap.h>
#include <linux/fs.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "err.h"
#include "lock.h"
#include "proc.h"
#include "store-lvm.h"
#include "util.h"

#define FIEMAP_BATCH 256

struct du_thin {
	char *name;
	long id;
	uint64_t mapped, exclusive, shared;
	bool measured;
};

struct du {
	struct store *s;
	const struct fvm_conf *c;
	bool lvm;
	struct du_thin *t;
	size_t nt;
	char *missing; /* why the lvm split is unknown */
};

int du_file_extents(int fd, uint64_t *allocated, uint64_t *shared)
{
	size_t len = sizeof(struct fiemap) +
		     FIEMAP_BATCH * sizeof(struct fiemap_extent);
	struct fiemap *fm = xmalloc(len);
	uint64_t start = 0;
	bool last = false;

	*allocated = *shared = 0;
	while (!last) {
		memset(fm, 0, len);
		fm->fm_start = start;
		fm->fm_length = FIEMAP_MAX_OFFSET - start;
		fm->fm_extent_count = FIEMAP_BATCH;
		if (ioctl(fd, FS_IOC_FIEMAP, fm) < 0) {
			int e = errno;

			free(fm);
			errno = e;
			return -1;
		}
		if (!fm->fm_mapped_extents)
			break;
		for (unsigned i = 0; i < fm->fm_mapped_extents; i++) {
			const struct fiemap_extent *x = &fm->fm_extents[i];

			*allocated += x->fe_length;
			if (x->fe_flags & FIEMAP_EXTENT_SHARED)
				*shared += x->fe_length;
			if (x->fe_flags & FIEMAP_EXTENT_LAST)
				last = true;
			start = x->fe_logical + x->fe_length;
		}
	}
	free(fm);
	return 0;
}

/* ---- lvm: thin_ls on a metadata snapshot ---- */

/* thin ids of the pool's LVs */
static int lvm_thin_ids(struct du *d)
{
	char *argv[] = { "lvs",
			 "--noheadings",
			 "--separator",
			 ",",
			 "-o",
			 "lv_name,thin_id,pool_lv",
			 d->c->thinpool_vg,
			 NULL };
	char *out = NULL, *save = NULL;

	if (lvm_run(argv, &out, NULL) < 0) {
		free(out);
		return -1;
	}
	for (char *line = strtok_r(out, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		char name[256], pool[256];
		long id;

		while (*line == ' ')
			line++;
		if (sscanf(line, "%255[^,],%ld,%255s", name, &id, pool) != 3 ||
		    strcmp(pool, d->c->thinpool_lv))
			continue;
		d->t = xrealloc(d->t, (d->nt + 1) * sizeof(*d->t));
		d->t[d->nt++] =
			(struct du_thin){ .name = xstrdup(name), .id = id };
	}
	free(out);
	return 0;
}

static int pool_message(const char *pool_dev, const char *msg)
{
	char *argv[] = { "dmsetup", "message",	 (char *)pool_dev,
			 "0",	    (char *)msg, NULL };

	return lvm_run(argv, NULL, NULL);
}

static int lvm_thin_ls(struct du *d)
{
	char *pool_dev = NULL, *meta = NULL, *out = NULL, *save = NULL;
	struct lock l = LOCK_INIT;
	int rc = -1;
	struct stat st;

	if (access("/usr/sbin/thin_ls", X_OK) && access("/sbin/thin_ls", X_OK))
		return err_set(FVM_EXIT_NOTFOUND, "thin_ls is missing (package "
						  "thin-provisioning-tools)");
	if (lvm_thin_ids(d) < 0)
		return -1;
	{
		/* the hidden POOL_tmeta LV */
		char *lv = xasprintf("%s_tmeta", d->c->thinpool_lv);
		char *m = lvm_dm_name(d->c->thinpool_vg, lv, NULL);

		free(lv);
		meta = xasprintf("/dev/mapper/%s", m);
		free(m);
	}
	pool_dev = lvm_dm_name(d->c->thinpool_vg, d->c->thinpool_lv, "tpool");
	{
		char *p = xasprintf("/dev/mapper/%s", pool_dev);

		if (stat(p, &st) < 0) {
			/* an unused pool is active as VG-POOL itself */
			free(pool_dev);
			pool_dev = lvm_dm_name(d->c->thinpool_vg,
					       d->c->thinpool_lv, NULL);
		}
		free(p);
	}
	/* one metadata snapshot per pool: fvm du runs one at a time */
	if (lock_take(&l, "thin-metadata-snap", "the pool's metadata snapshot",
		      true, LOCK_WAIT_MS) < 0)
		goto out;
	if (pool_message(pool_dev, "reserve_metadata_snap") < 0) {
		/* a snapshot an fvm du killed midway left behind */
		err_clear();
		pool_message(pool_dev, "release_metadata_snap");
		err_clear();
		if (pool_message(pool_dev, "reserve_metadata_snap") < 0)
			goto out_unlock;
	}
	{
		char *argv[] = {
			"thin_ls",
			"--metadata-snap",
			"--no-headers",
			"-o",
			"DEV,MAPPED_BYTES,EXCLUSIVE_BYTES,SHARED_BYTES",
			meta,
			NULL
		};

		rc = lvm_run(argv, &out, NULL);
	}
	if (pool_message(pool_dev, "release_metadata_snap") < 0 && rc == 0)
		rc = -1;
	if (rc < 0)
		goto out_unlock;
	for (char *line = strtok_r(out, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		unsigned long long m, e, sh;
		long id;

		if (sscanf(line, "%ld %llu %llu %llu", &id, &m, &e, &sh) != 4)
			continue;
		for (size_t i = 0; i < d->nt; i++)
			if (d->t[i].id == id) {
				d->t[i].mapped = m;
				d->t[i].exclusive = e;
				d->t[i].shared = sh;
				d->t[i].measured = true;
			}
	}
out_unlock:
	lock_drop(&l);
out:
	free(out);
	free(meta);
	free(pool_dev);
	return rc;
}

struct du *du_open(struct store *s, const struct fvm_conf *c)
{
	struct du *d = xcalloc(1, sizeof(*d));

	d->s = s;
	d->c = c;
	d->lvm = !strcmp(store_kind(s), "lvm");
	if (d->lvm && lvm_thin_ls(d) < 0) {
		d->missing = xstrdup(err_msg());
		err_clear();
	}
	return d;
}

const char *du_split_missing(const struct du *d)
{
	return d->missing;
}

static int du_lvm(struct du *d, const char *name, struct du_usage *u)
{
	struct store_usage su;

	if (store_usage(d->s, name, &su) < 0)
		return -1;
	if (!su.exists)
		return err_set(FVM_EXIT_NOTFOUND, "disk %s not found", name);
	u->size = su.size;
	u->allocated = su.allocated;
	for (size_t i = 0; i < d->nt; i++)
		if (d->t[i].measured && !strcmp(d->t[i].name, name)) {
			u->allocated = d->t[i].mapped;
			u->shared = d->t[i].shared;
			u->unshared = d->t[i].exclusive;
			u->split_known = true;
		}
	return 0;
}

/* allocated and FS-shared bytes of one disk file */
static int file_usage(struct store *s, const char *name, uint64_t *alloc,
		      uint64_t *shared)
{
	char *path = store_disk_path(s, name);
	struct stat st;
	int fd;

	if (!path)
		return -1;
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0 || fstat(fd, &st) < 0) {
		err_sys(FVM_EXIT_FAIL, "%s", path);
		if (fd >= 0)
			close(fd);
		free(path);
		return -1;
	}
	if (du_file_extents(fd, alloc, shared) < 0) {
		/* no FIEMAP (tmpfs, some network filesystems) */
		*alloc = (uint64_t)st.st_blocks * 512;
		*shared = 0;
	}
	close(fd);
	free(path);
	return 0;
}

static int du_dir(struct du *d, const char *name, const char *image,
		  struct du_usage *u)
{
	struct store_usage su;
	const char *fmt;
	uint64_t alloc, fs_shared;

	if (store_usage(d->s, name, &su) < 0)
		return -1;
	if (!su.exists)
		return err_set(FVM_EXIT_NOTFOUND, "disk %s not found", name);
	fmt = store_disk_format(d->s, name);
	if (!fmt || file_usage(d->s, name, &alloc, &fs_shared) < 0)
		return -1;
	u->size = su.size;
	u->shared = fs_shared;
	u->unshared = alloc - fs_shared;
	u->split_known = true;
	if (image && !strcmp(fmt, "qcow2")) {
		uint64_t ia, ish;

		/* every read the overlay does not answer goes to the image */
		if (file_usage(d->s, image, &ia, &ish) < 0)
			return -1;
		u->shared += ia;
	}
	u->allocated = u->shared + u->unshared;
	return 0;
}

int du_disk(struct du *d, const char *name, const char *image,
	    struct du_usage *u)
{
	memset(u, 0, sizeof(*u));
	return d->lvm ? du_lvm(d, name, u) : du_dir(d, name, image, u);
}

void du_close(struct du *d)
{
	if (!d)
		return;
	for (size_t i = 0; i < d->nt; i++)
		free(d->t[i].name);
	free(d->t);
	free(d->missing);
	free(d);
}
