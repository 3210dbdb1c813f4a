/* cli/trim.c: trimming the free space of a disk's filesystems, shared by compact and image-compact. */
#include <stdlib.h>

#include "../lib/guest.h"
#include "trim.h"
#include "vm.h"

bool compact_tcg(const struct fvm_conf *c)
{
	return c->domain_type == FVM_DOMTYPE_QEMU ||
	       (c->domain_type == FVM_DOMTYPE_AUTO &&
		!virt_kvm_usable(vm_virt(false)));
}

int compact_disk(const struct fvm_conf *c, struct store *s, const char *name,
		 bool tcg, struct store_usage *before,
		 struct store_usage *after)
{
	struct guest_target t = { 0 };
	char *disk;
	int rc = -1;

	if (store_usage(s, name, before) < 0)
		return -1;
	disk = store_disk_path(s, name);
	if (!disk)
		return -1;
	t.disk = disk;
	t.format = store_disk_format(s, name);
	t.vm_name = name;
	t.appliance = guest_appliance_dir(c->appliance);
	t.tcg = tcg;
	if (t.format && guest_fstrim(&t) == 0 &&
	    store_usage(s, name, after) == 0)
		rc = 0;
	free(disk);
	return rc;
}
