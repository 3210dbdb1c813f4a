/* lib/store.h: where image and VM disks live: LVM thin pool or a directory. */
#ifndef FVM_STORE_H
#define FVM_STORE_H

#include <stdbool.h>
#include <stdint.h>

#include "conf.h"

struct store;

/* Usage of one disk. */
struct store_usage {
	uint64_t size;	    /* virtual size in bytes */
	uint64_t allocated; /* bytes backed by storage (mapped / allocated) */
	bool exists;
};

/* Usage of the whole pool or store filesystem. */
struct store_pool {
	uint64_t size;	    /* data capacity in bytes */
	uint64_t used;	    /* data used in bytes */
	uint64_t meta_size; /* lvm: metadata capacity, else 0 */
	uint64_t meta_used; /* lvm: metadata used, else 0 */
	bool read_only;	    /* lvm: pool switched to read-only */
	bool needs_check;   /* lvm: pool flagged needs_check */
};

/*
 * Open the backend the config selects (FVM_STORAGE): lvm uses
 * THINPOOL_VG/THINPOOL_LV; dir uses FVM_STORE_DIR (created 0755 when
 * missing, images under images/, VM disks under vms/). Returns NULL with
 * the error recorded.
 */
struct store *store_open(const struct fvm_conf *c);
void store_close(struct store *s);
/* "lvm" or "dir", for messages: callers ask store_caps, not the name */
const char *store_kind(const struct store *s);

/* What a backend does that its callers must act on. */
enum store_cap {
	/* disks are thin LVs of a pool, shared blocks counted by the pool
	 * (lvm) */
	STORE_CAP_THIN_POOL = 1 << 0,
	/* a disk grows as it is written, so an import need not know its
	 * size first (dir) */
	STORE_CAP_GROWS = 1 << 1,
	/* VM disks read their image's disk (qcow2 overlays): the image
	 * must not change under them (dir) */
	STORE_CAP_VMS_READ_IMAGE = 1 << 2,
};
unsigned store_caps(const struct store *s);

/*
 * Paths that follow from the config alone (the store need not open):
 * where the SHA-256 recorded at import is kept (dir: images/DISK.sha256
 * beside the image, lvm: FVM_STORE_DIR/sha256/DISK.sha256), the
 * directory of those files, where fast-vm looked for an image disk
 * (/dev/VG/DISK or images/DISK.raw), and the pool's name in messages
 * (VG/POOL or FVM_STORE_DIR). All malloc'd.
 */
char *store_sha_path(const struct fvm_conf *c, const char *disk);
char *store_sha_dir(const struct fvm_conf *c);
char *store_image_where(const struct fvm_conf *c, const char *disk);
char *store_pool_name(const struct fvm_conf *c);
/* The command that removes a disk by hand, for advice (malloc'd). */
char *store_remove_command(struct store *s, const char *name);

/*
 * Disk names are the fast-vm names: image "${VM_PREFIX}IMAGE", VM
 * "${VM_PREFIX}IMAGE-N" (callers pass the full names). Functions return
 * 0 or -1 with the error recorded: FVM_EXIT_NOTFOUND when a disk is
 * missing, FVM_EXIT_CONFLICT when it exists already, FVM_EXIT_USAGE for a
 * name store_check_name refuses. Images and VM disks share one namespace.
 */

/* A disk name is letters, digits and ._+-, not starting with - or ., at
 * most 127 characters: safe in a path and in an lvm argv. 0 or -1 with
 * FVM_EXIT_USAGE recorded. */
int store_check_name(const char *name);

/* Create an empty image disk of size bytes, reading zeros (a thin LV /
 * sparse file). Sizes round up: to 512 bytes (dir), to the extent size
 * (lvm). */
int store_image_create(struct store *s, const char *name, uint64_t size);
/* Path of a disk as a block device or file, for writing an image or for
 * libguestfs (malloc'd; NULL and FVM_EXIT_NOTFOUND when missing or, lvm,
 * not active). */
char *store_disk_path(struct store *s, const char *name);
/* Format of a disk for qemu/libguestfs: "raw" or "qcow2" (dir: NULL and
 * FVM_EXIT_NOTFOUND when missing; lvm: always "raw"). */
const char *store_disk_format(struct store *s, const char *name);
/* dir: refuses (FVM_EXIT_CONFLICT) while qcow2 VM disks read from the
 * image; lvm: only thin LVs of the pool are ever removed or changed. */
int store_image_remove(struct store *s, const char *name);
int store_rename(struct store *s, const char *from, const char *to);
/* lvm: no process when the LV is active, lvs otherwise. */
bool store_exists(struct store *s, const char *name);

/* Make VM disk vm from image (thin snapshot, activated / qcow2 overlay or
 * reflink); fails with FVM_EXIT_CONFLICT when vm exists. */
int store_vm_clone(struct store *s, const char *image, const char *vm);
int store_vm_remove(struct store *s, const char *vm);
/*
 * Whether VM disk vm is as fvm makes it, fit for root's qemu-img and
 * libvirt: dir: a raw copy, or a qcow2 overlay that reads its image (raw)
 * and no other file (no other backing file, no external data file, no
 * unknown feature) and, when root asks, that nobody but root can change.
 * lvm: always (raw LVs). 0, or -1 with FVM_EXIT_FAIL recorded
 * (FVM_EXIT_NOTFOUND when missing). store_resize, store_disk_path and
 * store_disk_spec check qcow2 overlays this way too.
 */
int store_vm_check(struct store *s, const char *vm);
/* Grow (or, with shrink allowed, shrink) a disk to size bytes; a smaller
 * size without allow_shrink is FVM_EXIT_USAGE. */
int store_resize(struct store *s, const char *name, uint64_t size,
		 bool allow_shrink);

/* Usage of a disk; a missing disk gives exists = false and returns 0.
 * No process runs for an active LV or for files (an inactive LV asks lvs). */
int store_usage(struct store *s, const char *name, struct store_usage *u);
int store_pool_status(struct store *s, struct store_pool *p);
/* Refuse new disks (FVM_EXIT_FAIL, naming the use and the watermark)
 * while the pool's data or metadata (lvm) or the store's filesystem
 * (dir) is more than watermark percent used; 100 never refuses. */
int store_check_watermark(struct store *s, int watermark);

/* Names of every disk whose name starts with prefix, sorted (malloc'd
 * array of malloc'd strings, NULL-terminated; NULL with the error
 * recorded). lvm: thin LVs of the pool, by lvs. */
char **store_list(struct store *s, const char *prefix);
void store_list_free(char **names);

/* How a domain points at a disk: lib/tmpl rewrites the template's system
 * disk with it. */
struct store_disk {
	const char *type;   /* "block" (lvm) or "file" (dir) */
	char *path;	    /* /dev/VG/NAME or the file (malloc'd) */
	const char *format; /* "raw" or "qcow2" */
};
/* dir: FVM_EXIT_NOTFOUND when the disk is missing; lvm: never fails. */
int store_disk_spec(struct store *s, const char *name, struct store_disk *d);
void store_disk_release(struct store_disk *d);

/* Parse a size such as 10G, 512M, 1T, 123456 (bytes), as lvm and fast-vm
 * accept it (binary units; K/M/G/T in either case, optionally followed by
 * B or iB; a plain trailing B means bytes). Zero, fractions and sizes
 * beyond INT64_MAX are FVM_EXIT_USAGE. */
int store_parse_size(const char *text, uint64_t *bytes);
/* The same, but a bare number is GiB, as fast-vm's sizes are. */
int store_parse_size_gib(const char *text, uint64_t *bytes);

#endif
