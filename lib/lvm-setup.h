/* lib/lvm-setup.h: setting up LVM for fvm's storage: volume groups on loop files, thin pools. */
#ifndef FVM_LVM_SETUP_H
#define FVM_LVM_SETUP_H

#include <stdbool.h>

#include "txn.h"

/* whether volume group vg exists */
bool lvm_vg_exists(const char *vg);
/* the segment type of VG/LV ("thin-pool"), or NULL when it is missing */
char *lvm_lv_segtype(const char *vg, const char *lv);
/* vgs' table of the volume groups, "(none)" when it cannot be had */
char *lvm_vgs_table(void);

/* the systemd unit that re-attaches the loop file of volume group vg at
 * boot, before LVM activates it: its name and its text (malloc'd) */
char *lvm_loop_unit_name(const char *vg);
char *lvm_loop_unit_text(const char *vg, const char *file);

/*
 * Volume group vg on a new sparse file of size (LVM's units) attached
 * as a loop device, *dev its device (malloc'd). 0, or -1 with the error
 * recorded; every step made is on t's stack.
 */
int lvm_make_loop_vg(struct txn *t, const char *vg, const char *file,
		     const char *size, char **dev);
/* thin pool vg/pool of size; 0, or -1 with the error recorded */
int lvm_make_thin_pool(struct txn *t, const char *vg, const char *pool,
		       const char *size);

#endif
