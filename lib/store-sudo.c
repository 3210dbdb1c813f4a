/* lib/store-sudo.c: the store as a user who is not root sees it: changes through `fvm helper`. */
#include "store-backend.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "err.h"
#include "privop.h"
#include "util.h"

/*
 * A proxy in front of the lvm or dir backend, for a user who is not root
 * and cannot change the store itself (docs/security.md): an lvm pool,
 * and a store directory it cannot write. VM disks are made, removed and
 * resized by `sudo -n fvm helper` (lib/privop); images stay root's; what
 * only reads goes to the backend, but for an LV's usage, which without
 * device-mapper's control node or lvs (root's) comes from sysfs.
 */

static int images_are_roots(struct store *s, const char *name)
{
	return err_set(FVM_EXIT_FAIL,
		       "%s: only root can import, change or remove images "
		       "in the %s store: run this as root",
		       name, s->inner->kind);
}

static int sudo_image_create(struct store *s, const char *name, uint64_t size)
{
	if (s->images_via_sudo)
		return images_are_roots(s, name);
	return s->inner->image_create(s, name, size);
}

static int sudo_image_remove(struct store *s, const char *name)
{
	if (s->images_via_sudo)
		return images_are_roots(s, name);
	return s->inner->image_remove(s, name);
}

static int sudo_rename(struct store *s, const char *from, const char *to)
{
	if (s->images_via_sudo)
		return images_are_roots(s, from);
	return s->inner->rename(s, from, to);
}

static int sudo_vm_clone(struct store *s, const char *image, const char *vm)
{
	if (s->vms_via_sudo)
		return helper_vm_clone(image, vm);
	return s->inner->vm_clone(s, image, vm);
}

static int sudo_vm_remove(struct store *s, const char *vm)
{
	if (s->vms_via_sudo)
		return helper_vm_remove(vm);
	return s->inner->vm_remove(s, vm);
}

static int sudo_resize(struct store *s, const char *name, uint64_t size,
		       bool allow_shrink)
{
	if (s->vms_via_sudo)
		return helper_resize(name, size, allow_shrink);
	return s->inner->resize(s, name, size, allow_shrink);
}

/* An active LV's size, from sysfs; its allocation stays unknown (0) and
 * an inactive LV looks missing. */
static int lv_usage_from_sysfs(struct store *s, const char *name,
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

static int sudo_usage(struct store *s, const char *name, struct store_usage *u)
{
	if (s->inner->caps & STORE_CAP_THIN_POOL)
		return lv_usage_from_sysfs(s, name, u);
	return s->inner->usage(s, name, u);
}

/* the reads, as the backend answers them */

static char *sudo_disk_path(struct store *s, const char *name)
{
	return s->inner->disk_path(s, name);
}

static const char *sudo_disk_format(struct store *s, const char *name)
{
	return s->inner->disk_format(s, name);
}

static bool sudo_exists(struct store *s, const char *name)
{
	return s->inner->exists(s, name);
}

static int sudo_pool_status(struct store *s, struct store_pool *p)
{
	return s->inner->pool_status(s, p);
}

static char **sudo_list(struct store *s, const char *prefix)
{
	return s->inner->list(s, prefix);
}

static int sudo_disk_spec(struct store *s, const char *name,
			  struct store_disk *d)
{
	return s->inner->disk_spec(s, name, d);
}

static const struct store_ops sudo_ops = {
	.kind = "sudo",
	.image_create = sudo_image_create,
	.disk_path = sudo_disk_path,
	.disk_format = sudo_disk_format,
	.image_remove = sudo_image_remove,
	.rename = sudo_rename,
	.exists = sudo_exists,
	.vm_clone = sudo_vm_clone,
	.vm_remove = sudo_vm_remove,
	.resize = sudo_resize,
	.usage = sudo_usage,
	.pool_status = sudo_pool_status,
	.list = sudo_list,
	.disk_spec = sudo_disk_spec,
};

static bool cannot_write(int dirfd)
{
	return faccessat(dirfd, ".", W_OK | X_OK, AT_EACCESS) != 0;
}

int store_sudo_wrap(struct store *s)
{
	if (geteuid() == 0 || s->inner)
		return 0;
	if (s->ops->caps & STORE_CAP_THIN_POOL) {
		s->images_via_sudo = s->vms_via_sudo = true;
	} else {
		s->images_via_sudo = cannot_write(s->images_fd);
		s->vms_via_sudo = cannot_write(s->vms_fd);
		if (!s->images_via_sudo && !s->vms_via_sudo)
			return 0;
	}
	s->inner = s->ops;
	s->ops = &sudo_ops;
	return 0;
}
