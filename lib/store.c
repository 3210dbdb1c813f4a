/* lib/store.c: the storage interface: name checks, size parsing, dispatch. */
#include "store.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "err.h"
#include "privop.h"
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
	if (rc < 0) {
		store_close(s);
		return NULL;
	}
	return s;
}

void store_close(struct store *s)
{
	if (!s)
		return;
	if (s->ops && s->ops->close)
		s->ops->close(s);
	free(s->dir);
	free(s->vg);
	free(s->pool);
	free(s);
}

const char *store_kind(const struct store *s)
{
	return s->ops->kind;
}

/*
 * The one place that decides who changes the store: root directly; any
 * other user through `fvm helper` (lib/helper, via sudo) for an lvm pool
 * and for a store directory it cannot write. The helper makes and
 * removes VM disks only: images stay root's.
 */
static bool via_helper(struct store *s, bool image)
{
	if (geteuid() == 0)
		return false;
	if (strcmp(s->ops->kind, "dir"))
		return true;
	return faccessat(image ? s->images_fd : s->vms_fd, ".", W_OK | X_OK,
			 AT_EACCESS) != 0;
}

static int images_are_roots(struct store *s, const char *name)
{
	return err_set(FVM_EXIT_FAIL,
		       "%s: only root can import, change or remove images "
		       "in the %s store: run this as root",
		       name, s->ops->kind);
}

int store_image_create(struct store *s, const char *name, uint64_t size)
{
	if (store_check_name(name) < 0)
		return -1;
	if (!size)
		return err_set(FVM_EXIT_USAGE, "%s: size must not be zero",
			       name);
	if (via_helper(s, true))
		return images_are_roots(s, name);
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
	if (via_helper(s, true))
		return images_are_roots(s, name);
	return s->ops->image_remove(s, name);
}

int store_rename(struct store *s, const char *from, const char *to)
{
	if (store_check_name(from) < 0 || store_check_name(to) < 0)
		return -1;
	if (!strcmp(from, to))
		return err_set(FVM_EXIT_USAGE, "%s: renaming to itself", from);
	if (via_helper(s, true))
		return images_are_roots(s, from);
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
	if (via_helper(s, false))
		return helper_vm_clone(image, vm);
	return s->ops->vm_clone(s, image, vm);
}

int store_vm_remove(struct store *s, const char *vm)
{
	if (store_check_name(vm) < 0)
		return -1;
	if (via_helper(s, false))
		return helper_vm_remove(vm);
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
	if (via_helper(s, false))
		return helper_resize(name, size, allow_shrink);
	return s->ops->resize(s, name, size, allow_shrink);
}

/*
 * What a user who is not root learns of an LV without device-mapper's
 * control node or lvs (both root's): an active LV's size, from sysfs. Its
 * allocation stays unknown (0); an inactive LV looks missing.
 */
static int usage_unprivileged(struct store *s, const char *name,
			      struct store_usage *u)
{
	char *dev = xasprintf("/dev/%s/%s", s->vg, name), *sys;
	unsigned long long sectors;
	struct stat st;
	FILE *f;

	if (stat(dev, &st) < 0 || !S_ISBLK(st.st_mode)) {
		free(dev);
		return 0;
	}
	free(dev);
	sys = xasprintf("/sys/dev/block/%u:%u/size", major(st.st_rdev),
			minor(st.st_rdev));
	f = fopen(sys, "re");
	free(sys);
	if (!f)
		return err_sys(FVM_EXIT_FAIL, "%s/%s: cannot read its size",
			       s->vg, name);
	if (fscanf(f, "%llu", &sectors) == 1) {
		u->exists = true;
		u->size = (uint64_t)sectors * 512;
	}
	fclose(f);
	return 0;
}

int store_usage(struct store *s, const char *name, struct store_usage *u)
{
	memset(u, 0, sizeof(*u));
	if (store_check_name(name) < 0)
		return -1;
	if (geteuid() != 0 && !strcmp(s->ops->kind, "lvm"))
		return usage_unprivileged(s, name, u);
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
	if (!names)
		return;
	for (char **n = names; *n; n++)
		free(*n);
	free(names);
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

void store_names_add(struct store_names *l, const char *name, size_t len)
{
	if (l->n + 1 >= l->cap) {
		l->cap = l->cap ? l->cap * 2 : 16;
		l->v = xrealloc(l->v, l->cap * sizeof(*l->v));
	}
	l->v[l->n++] = xstrndup(name, len);
}

static int names_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

char **store_names_finish(struct store_names *l)
{
	char **v;
	size_t i, j;

	if (!l->v)
		return xcalloc(1, sizeof(char *));
	qsort(l->v, l->n, sizeof(*l->v), names_cmp);
	for (i = j = 0; i < l->n; i++) {
		if (j && !strcmp(l->v[j - 1], l->v[i]))
			free(l->v[i]);
		else
			l->v[j++] = l->v[i];
	}
	l->v[j] = NULL;
	v = l->v;
	l->v = NULL;
	l->n = l->cap = 0;
	return v;
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
	if (geteuid() != 0 && !strcmp(s->ops->kind, "lvm"))
		return 0;
	if (store_pool_status(s, &p) < 0)
		return -1;
	data = p.size ? 100.0 * (double)p.used / (double)p.size : 0;
	meta = p.meta_size ? 100.0 * (double)p.meta_used / (double)p.meta_size
			   : 0;
	if (data <= watermark && meta <= watermark)
		return 0;
	where = s->vg ? xasprintf("thin pool %s/%s", s->vg, s->pool)
		      : xasprintf("store %s", s->dir);
	err_set(FVM_EXIT_FAIL,
		"%s is %.1f%% used%s, above FVM_POOL_WATERMARK (%d%%): free "
		"space first (fvm du shows what takes it)",
		where, data > meta ? data : meta,
		data > meta ? "" : " (metadata)", watermark);
	free(where);
	return -1;
}
