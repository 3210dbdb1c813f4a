/* cli/image.h: what the image applets share: names, locks, config files, stored checksums. */
#ifndef FVM_APPLET_IMAGE_H
#define FVM_APPLET_IMAGE_H

#include <stdbool.h>

#include "../lib/lock.h"
#include "../lib/store.h"
#include "applet.h"

/* The store, opened once per run; exits with the error when it cannot. */
struct store *image_store(void);

/* Check an image name (fast-vm's rules) or exit 2. */
void image_check_name(const char *name);

/* The image's disk, ${VM_PREFIX}NAME (malloc'd). */
char *image_disk(const char *name);

/* Take the image's lock ("image-NAME"): shared for readers (create,
 * export), exclusive for import and image-rm. */
int image_lock(struct lock *l, const char *name, bool exclusive);

/* Where fvm writes config-NAME.xml and the hacks: the system dir for
 * root, the user dir for others (fast-vm's rule). */
const char *image_conf_dir(void);

/*
 * The SHA-256 recorded at import: dir store images/DISK.sha256 beside the
 * image, lvm FVM_STORE_DIR/sha256/DISK.sha256; one line "HEX  DISK" as
 * sha256sum writes it. image_sha_read gives -1 (no error recorded) when
 * there is none.
 */
char *image_sha_path(const char *disk);
int image_sha_read(const char *disk, char hex[65]);
int image_sha_write(const char *disk, const char *hex);

/* The names of the imported images (without VM_PREFIX), sorted; VM
 * disks (NAME-N) and import leftovers are not images. */
char **image_list(void);

/* VM disks made from an image: ${VM_PREFIX}NAME-N (NULL-terminated) */
char **image_vm_disks(const char *name);

/* What a file at dir/name is: regular file or not there. */
bool image_file_exists(const char *dir, const char *name);

/* A template or hack file named on the command line must be a regular
 * file: exit 3 when it is missing, 1 when it is something else. */
void image_check_file(const char *path, const char *what);

/* The config dir fvm does not write to (the user dir for root, the
 * system dir for others): profiles there are only read. */
const char *image_other_conf_dir(void);

/* Check a profile name (the image name rules) or exit 2. */
void profile_check_name(const char *name);

/* dir/NAME is a profile: a directory holding a regular base_image. */
bool profile_exists(const char *dir, const char *name);

/* Take the profile's lock ("profile-NAME"), exclusive: import and rm. */
int profile_lock(struct lock *l, const char *name);

/* Remove a directory and everything below it, never following links;
 * 0 or -1 with the error recorded. */
int image_remove_tree(const char *path);

/*
 * Read the whole disk (holes as zeros) once: its SHA-256 and, when parts
 * is set, fast-vm's gen_checksums parts: the SHA-512 of each 1 GiB piece
 * for N = 0 .. the size in whole GiB (as lvs prints it, decimals cut),
 * inclusive, so the last part may be short or empty.
 */
struct image_sums {
	char sha256[65];
	char (*parts)[129];
	unsigned nparts, width; /* width: digits of NN, at least 2 */
};
int image_hash(const char *disk, bool parts, bool progress,
	       struct image_sums *sums);
void image_sums_release(struct image_sums *sums);

#endif
