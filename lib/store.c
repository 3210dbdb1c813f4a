/* lib/store.c: the storage interface: name checks, size parsing, dispatch. */
#include "store.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "err.h"
#include "store-backend.h"
#include "util.h"

/* LVM's limit on LV names; files get a suffix well within NAME_MAX. */
#define STORE_NAME_MAX 127

int store_check_name(const char *name)
{
	const char *why = NULL;
	size_t len = name ? strlen(name) : 0;

	if (!len)
		why = "is empty";
	else if (len > STORE_NAME_MAX)
		why = "is longer than 127 characters";
	else if (name[0] == '-' || name[0] == '.')
		why = "starts with '-' or '.'";
	else
		for (const char *p = name; *p; p++)
			if (!isascii((unsigned char)*p) ||
			    !(isalnum((unsigned char)*p) ||
			      strchr("._+-", *p))) {
				why = "may only hold letters, digits and ._+-";
				break;
			}
	if (!why)
		return 0;
	/* the name is user data: keep control characters off the terminal */
	char *shown = xstrndup(name ? name : "", 64);
	for (char *p = shown; *p; p++)
		if (!isprint((unsigned char)*p))
			*p = '?';
	err_set(FVM_EXIT_USAGE, "invalid disk name '%s%s': %s", shown,
		len > 64 ? "..." : "", why);
	free(shown);
	return -1;
}

int store_parse_size(const char *text, uint64_t *bytes)
{
	const char *p = text;
	uint64_t v = 0, mult = 1;
	int shift = 0;

	if (!text || !isdigit((unsigned char)*p))
		goto bad;
	for (; isdigit((unsigned char)*p); p++) {
		unsigned d = (unsigned)(*p - '0');

		if (v > (UINT64_MAX - d) / 10)
			goto too_big;
		v = v * 10 + d;
	}
	switch (tolower((unsigned char)*p)) {
	case 'k':
		shift = 10;
		break;
	case 'm':
		shift = 20;
		break;
	case 'g':
		shift = 30;
		break;
	case 't':
		shift = 40;
		break;
	case 'b':
		if (p[1])
			goto bad;
		p++;
		break;
	case '\0':
		break;
	default:
		goto bad;
	}
	if (shift) {
		p++;
		if (tolower((unsigned char)p[0]) == 'i' &&
		    tolower((unsigned char)p[1]) == 'b')
			p += 2;
		else if (tolower((unsigned char)p[0]) == 'b')
			p++;
		if (*p)
			goto bad;
		mult = (uint64_t)1 << shift;
	}
	if (v == 0)
		return err_set(FVM_EXIT_USAGE, "invalid size '%s': zero", text);
	/* sizes end up in off_t (ftruncate, lseek) */
	if (v > (uint64_t)INT64_MAX / mult)
		goto too_big;
	*bytes = v * mult;
	return 0;
too_big:
	return err_set(FVM_EXIT_USAGE, "invalid size '%s': too large", text);
bad:
	return err_set(FVM_EXIT_USAGE,
		       "invalid size '%s': want a number with an optional "
		       "K, M, G or T suffix",
		       text ? text : "");
}

/* the backend itself, under the sudo proxy when there is one */
static const struct store_ops *backend(const struct store *s)
{
	return s->inner ? s->inner : s->ops;
}

struct store *store_open(const struct fvm_conf *c)
{
	struct store *s = xcalloc(1, sizeof(*s));
	int rc;

	s->images_fd = s->vms_fd = -1;
	s->gid = (gid_t)-1;
	if (c->storage == FVM_STORAGE_LVM)
		rc = store_lvm_open(s, c);
	else
		rc = store_dir_open(s, c);
	if (rc < 0 || store_sudo_wrap(s) < 0) {
		store_close(s);
		return NULL;
	}
	return s;
}

void store_close(struct store *s)
{
	if (!s)
		return;
	if (backend(s) && backend(s)->close)
		backend(s)->close(s);
	free(s->dir);
	free(s->vg);
	free(s->pool);
	free(s);
}

const char *store_kind(const struct store *s)
{
	return backend(s)->kind;
}

unsigned store_caps(const struct store *s)
{
	return backend(s)->caps;
}

static bool conf_lvm(const struct fvm_conf *c)
{
	return c->storage == FVM_STORAGE_LVM;
}

char *store_sha_dir(const struct fvm_conf *c)
{
	return xasprintf("%s/%s", c->store_dir,
			 conf_lvm(c) ? "sha256" : "images");
}

char *store_sha_path(const struct fvm_conf *c, const char *disk)
{
	char *dir = store_sha_dir(c);
	char *path = xasprintf("%s/%s.sha256", dir, disk);

	free(dir);
	return path;
}

char *store_image_where(const struct fvm_conf *c, const char *disk)
{
	if (conf_lvm(c))
		return xasprintf("/dev/%s/%s", c->thinpool_vg, disk);
	return xasprintf("%s/images/%s.raw", c->store_dir, disk);
}

char *store_pool_name(const struct fvm_conf *c)
{
	if (conf_lvm(c))
		return xasprintf("%s/%s", c->thinpool_vg, c->thinpool_lv);
	return xstrdup(c->store_dir);
}

char *store_remove_command(struct store *s, const char *name)
{
	char *path, *cmd;

	if (s->ops->caps & STORE_CAP_THIN_POOL)
		return xasprintf("lvremove -f %s/%s", s->vg, name);
	path = store_disk_path(s, name);
	cmd = xasprintf("rm %s", path ? path : name);
	err_clear();
	free(path);
	return cmd;
}

int store_image_create(struct store *s, const char *name, uint64_t size)
{
	if (store_check_name(name) < 0)
		return -1;
	if (!size)
		return err_set(FVM_EXIT_USAGE, "%s: size must not be zero",
			       name);
	return s->ops->image_create(s, name, size);
}

char *store_disk_path(struct store *s, const char *name)
{
	if (store_check_name(name) < 0)
		return NULL;
	return s->ops->disk_path(s, name);
}

const char *store_disk_format(struct store *s, const char *name)
{
	if (store_check_name(name) < 0)
		return NULL;
	return s->ops->disk_format(s, name);
}

int store_image_remove(struct store *s, const char *name)
{
	if (store_check_name(name) < 0)
		return -1;
	return s->ops->image_remove(s, name);
}

int store_rename(struct store *s, const char *from, const char *to)
{
	if (store_check_name(from) < 0 || store_check_name(to) < 0)
		return -1;
	if (!strcmp(from, to))
		return err_set(FVM_EXIT_USAGE, "%s: renaming to itself", from);
	return s->ops->rename(s, from, to);
}

bool store_exists(struct store *s, const char *name)
{
	if (store_check_name(name) < 0) {
		err_clear();
		return false;
	}
	return s->ops->exists(s, name);
}

int store_vm_clone(struct store *s, const char *image, const char *vm)
{
	if (store_check_name(image) < 0 || store_check_name(vm) < 0)
		return -1;
	if (!strcmp(image, vm))
		return err_set(FVM_EXIT_CONFLICT, "%s: exists already", vm);
	return s->ops->vm_clone(s, image, vm);
}

int store_vm_remove(struct store *s, const char *vm)
{
	if (store_check_name(vm) < 0)
		return -1;
	return s->ops->vm_remove(s, vm);
}

int store_vm_check(struct store *s, const char *vm)
{
	if (store_check_name(vm) < 0)
		return -1;
	return s->ops->vm_check ? s->ops->vm_check(s, vm) : 0;
}

int store_resize(struct store *s, const char *name, uint64_t size,
		 bool allow_shrink)
{
	if (store_check_name(name) < 0)
		return -1;
	if (!size)
		return err_set(FVM_EXIT_USAGE, "%s: size must not be zero",
			       name);
	return s->ops->resize(s, name, size, allow_shrink);
}

int store_usage(struct store *s, const char *name, struct store_usage *u)
{
	memset(u, 0, sizeof(*u));
	if (store_check_name(name) < 0)
		return -1;
	return s->ops->usage(s, name, u);
}

int store_pool_status(struct store *s, struct store_pool *p)
{
	memset(p, 0, sizeof(*p));
	return s->ops->pool_status(s, p);
}

char **store_list(struct store *s, const char *prefix)
{
	return s->ops->list(s, prefix ? prefix : "");
}

void store_list_free(char **names)
{
	strv_free(names);
}

int store_disk_spec(struct store *s, const char *name, struct store_disk *d)
{
	memset(d, 0, sizeof(*d));
	if (store_check_name(name) < 0)
		return -1;
	return s->ops->disk_spec(s, name, d);
}

void store_disk_release(struct store_disk *d)
{
	free(d->path);
	d->path = NULL;
}

char **store_names_finish(struct strv *l)
{
	strv_sort_uniq(l);
	return strv_detach(l);
}

int store_parse_size_gib(const char *text, uint64_t *bytes)
{
	size_t len = strlen(text);
	char *sized;
	int rc;

	if (len && isdigit((unsigned char)text[len - 1])) {
		sized = xasprintf("%sG", text);
		rc = store_parse_size(sized, bytes);
		free(sized);
		return rc;
	}
	return store_parse_size(text, bytes);
}

int store_check_watermark(struct store *s, int watermark)
{
	struct store_pool p;
	double data, meta;
	char *where;

	if (watermark >= 100)
		return 0;
	/* the pool's status needs root: fvm helper checks it then */
	if (s->inner && (store_caps(s) & STORE_CAP_THIN_POOL))
		return 0;
	if (store_pool_status(s, &p) < 0)
		return -1;
	data = p.size ? 100.0 * (double)p.used / (double)p.size : 0;
	meta = p.meta_size ? 100.0 * (double)p.meta_used / (double)p.meta_size :
			     0;
	if (data <= watermark && meta <= watermark)
		return 0;
	where = s->vg ? xasprintf("thin pool %s/%s", s->vg, s->pool) :
			xasprintf("store %s", s->dir);
	err_set(FVM_EXIT_FAIL,
		"%s is %.1f%% used%s, above FVM_POOL_WATERMARK (%d%%): free "
		"space first (fvm du shows what takes it)",
		where, data > meta ? data : meta,
		data > meta ? "" : " (metadata)", watermark);
	free(where);
	return -1;
}
