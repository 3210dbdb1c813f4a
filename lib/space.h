/* lib/space.h: how much of the store each disk takes, shared with others and its own. */
#ifndef FVM_SPACE_H
#define FVM_SPACE_H

#include <stdbool.h>
#include <stdint.h>

#include "conf.h"
#include "store.h"

/* Space of one disk, in bytes. */
struct du_usage {
	uint64_t size;	    /* virtual size */
	uint64_t allocated; /* what it maps: shared + unshared */
	uint64_t shared;    /* mapped by other disks too (its image's data) */
	uint64_t unshared;  /* its own: freed when it goes */
	bool split_known;   /* false: shared/unshared could not be told */
};

struct du;

/*
 * Start a measurement of the store s. lvm: one thin_ls run on a metadata
 * snapshot of the pool (reserve_metadata_snap / release_metadata_snap,
 * which change nothing LVM records) gives every thin LV's mapped,
 * exclusive and shared bytes; without thin_ls (or root) only the mapped
 * bytes of dm status are known. dir: each file's extents (FIEMAP): a
 * qcow2 overlay's allocation is its own, its image's allocation is what
 * it shares; extents the filesystem marks shared (reflink copies) are
 * shared. NULL with the error recorded.
 */
struct du *du_open(struct store *s, const struct fvm_conf *c);
/* Why the lvm split is unknown (NULL when it is known). */
const char *du_split_missing(const struct du *d);
/* Usage of disk name; image is the disk of the image a VM disk was made
 * from (NULL for an image). A missing disk is FVM_EXIT_NOTFOUND. */
int du_disk(struct du *d, const char *name, const char *image,
	    struct du_usage *u);
void du_close(struct du *d);

/* Allocated and FS-shared bytes of an open file by FIEMAP; -1 with errno
 * when the filesystem has no FIEMAP. */
int du_file_extents(int fd, uint64_t *allocated, uint64_t *shared);

#endif
