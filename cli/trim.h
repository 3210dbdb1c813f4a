/* cli/trim.h: trimming the free space of a disk's filesystems, shared by compact and image-compact. */
#ifndef FVM_CLI_TRIM_H
#define FVM_CLI_TRIM_H

#include <stdbool.h>

#include "../lib/conf.h"
#include "../lib/store.h"

/* The appliance has to run without KVM: FVM_DOMAIN_TYPE=qemu, or auto on
 * a host where KVM is not usable. */
bool compact_tcg(const struct fvm_conf *c);

/*
 * Trim the free space of every filesystem on the store's disk name (which
 * nothing may have open), so that the thin LV or the disk file gives back
 * what its filesystems no longer use; before and after get the disk's
 * usage around it. -1 with
 * the error recorded.
 */
int compact_disk(const struct fvm_conf *c, struct store *s, const char *name,
		 bool tcg, struct store_usage *before,
		 struct store_usage *after);

#endif
