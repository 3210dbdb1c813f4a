/* lib/hack.h: fast-vm's legacy hack files, run by /bin/sh. */
#ifndef FVM_HACK_H
#define FVM_HACK_H

#include "conf.h"

struct hack_vars {
	const char *vm_name;
	const char *mac;
	int number;
	const char *image;
	const char *profile; /* NULL: none */
};

/*
 * Run the hack file at path as fast-vm does: /bin/sh PATH, with VM_NAME,
 * VM_MAC, VM_HEX_NUMBER, vm_number, image_name, profile_name, every key of
 * the configuration file, THINPOOL_VG and VM_PREFIX in the environment,
 * and LIBGUESTFS_PATH when a fixed appliance is configured (guest.h). This
 * is the one place fvm runs shell, and it runs files the admin installed,
 * never text from a user's arguments. A failing hack gives -1 with its
 * exit status and last output line in the message; *output gets all it
 * printed.
 */
int hack_run(const struct fvm_conf *c, const char *path,
	     const struct hack_vars *v, char **output);

#endif
