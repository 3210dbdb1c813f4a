/* lib/vmnum.h: VM number arguments and what derives from a number. */
#ifndef FVM_VMNUM_H
#define FVM_VMNUM_H

#include <stddef.h>

struct fvm_conf;

struct vmlist {
	int *n;
	size_t len;
};

/*
 * Parse VM number arguments: each may hold numbers and FIRST-LAST ranges
 * separated by blanks or commas ('21 22', 21,22, 20-29). Every number must
 * lie in [min, max]. Duplicates are dropped, order is kept. Errors have
 * exit code FVM_EXIT_USAGE.
 */
int vmnum_parse(int nargs, char *const *args, int min, int max,
		struct vmlist *out);
void vmlist_release(struct vmlist *l);

/* 192.168.S.N */
void vm_ip(const struct fvm_conf *c, int n, char buf[16]);
/* The MAC fvm gives VM N's NIC when its template names none: stable, so a
 * re-created VM matches its old DHCP entry. */
void vm_mac(const struct fvm_conf *c, int n, char buf[18]);
/* two lowercase hex digits (fast-vm's VM_HEX_NUMBER) */
void vm_hex(int n, char buf[3]);
/* ${VM_PREFIX}${image}-${N}; with n < 0 the image's own name */
char *vm_name(const struct fvm_conf *c, const char *image, int n);

#endif
