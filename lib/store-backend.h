/* lib/store-backend.h: what lib/store.c expects of a storage backend. */
#ifndef FVM_STORE_BACKEND_H
#define FVM_STORE_BACKEND_H

#include <sys/types.h>

#include "store.h"
#include "util.h"

/*
 * lib/store.c checks every name before a backend sees it, so backends may
 * put names into paths and argv as they are.
 */
struct store_ops {
	const char *kind;
	unsigned caps; /* enum store_cap */
	int (*image_create)(struct store *s, const char *name, uint64_t size);
	char *(*disk_path)(struct store *s, const char *name);
	const char *(*disk_format)(struct store *s, const char *name);
	int (*image_remove)(struct store *s, const char *name);
	int (*rename)(struct store *s, const char *from, const char *to);
	bool (*exists)(struct store *s, const char *name);
	int (*vm_clone)(struct store *s, const char *image, const char *vm);
	int (*vm_remove)(struct store *s, const char *vm);
	int (*resize)(struct store *s, const char *name, uint64_t size,
		      bool allow_shrink);
	int (*usage)(struct store *s, const char *name, struct store_usage *u);
	int (*pool_status)(struct store *s, struct store_pool *p);
	char **(*list)(struct store *s, const char *prefix);
	int (*disk_spec)(struct store *s, const char *name,
			 struct store_disk *d);
	/* optional: NULL when every VM disk is fit (lvm: raw LVs) */
	int (*vm_check)(struct store *s, const char *vm);
	void (*close)(struct store *s);
};

struct store {
	const struct store_ops *ops;
	/* the backend under lib/store-sudo.c's proxy, NULL without it */
	const struct store_ops *inner;
	bool images_via_sudo, vms_via_sudo; /* what the proxy forwards */
	/* dir */
	char *dir; /* absolute FVM_STORE_DIR */
	int images_fd, vms_fd;
	gid_t gid;	 /* FASTVM_GROUP's gid, or (gid_t)-1 */
	bool no_reflink; /* FICLONE failed once: go straight to qcow2 */
	/* lvm */
	char *vg, *pool;
};

int store_dir_open(struct store *s, const struct fvm_conf *c);
int store_lvm_open(struct store *s, const struct fvm_conf *c);
/* Put the sudo proxy (lib/store-sudo.c) in front of the opened backend
 * when this process cannot change the store itself. */
int store_sudo_wrap(struct store *s);

/* store_list's answer from the names collected: sorted, duplicates
 * dropped, NULL-terminated; l is left empty */
char **store_names_finish(struct strv *l);

#endif
