/* lib/reconcile.h: how fvm doctor tells fvm's objects and leftovers by their names. */
#ifndef FVM_RECONCILE_H
#define FVM_RECONCILE_H

/* The dummy DHCP host fast-vm's network keeps (never an orphan). */
#define RECONCILE_DUMMY_MAC "52:54:00:99:ff:99"

/* N when ip is 192.168.subnet.N with min <= N <= max, else -1. */
int reconcile_ip_vm(const char *ip, int subnet, int min, int max);

/* N when name is PREFIX + IMAGE + "-" + N (a VM's domain or disk name,
 * IMAGE not empty), else -1. */
int reconcile_vm_number(const char *prefix, const char *name);

/* Where a leftover lies: the places fvm writes work in progress. */
enum reconcile_place {
	RECONCILE_STORE_DIR, /* FVM_STORE_DIR: .fvm-import-IMAGE.XXXXXX */
	RECONCILE_CONF_DIR,  /* template/profile dirs: staged templates,
				profile trees being made or removed */
	RECONCILE_SHA_DIR,   /* checksum dirs: DISK.sha256.tmp */
};

/*
 * If file, a name in a directory of that place, is something fvm writes
 * under a temporary name while it works, the lock the writer holds
 * ("image-IMAGE" or "profile-NAME", malloc'd): it is a leftover when that
 * lock is free. NULL when the name is not such a file. vm_prefix turns a
 * checksum's disk name into its image.
 */
char *reconcile_temp_lock(enum reconcile_place where, const char *file,
			  const char *vm_prefix);

/* The lock of the temporary store disk an import writes
 * ("fvm+import+IMAGE" -> "image-IMAGE"), or NULL. */
char *reconcile_temp_disk_lock(const char *disk);
#define RECONCILE_IMPORT_DISK "fvm+import+"

#endif
