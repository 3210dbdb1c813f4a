/* applets/resize.c: `fvm resize N SIZE`: grow (or, forced, shrink) a VM's disk. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../lib/log.h"
#include "../lib/fault.h"
#include "../cli/vm.h"

/* the options' values (the table binds them) */
static struct {
	bool force, quiet, json;
} opt;

/* --json: one object */
enum { R_NUMBER, R_NAME, R_SIZE, R_BEFORE, R_N };
static const struct out_col resize_cols[] = {
	[R_NUMBER] = { "number", "VM#", OUT_INT },
	[R_NAME] = { "name", "Name", OUT_STR },
	[R_SIZE] = { "size", "Size", OUT_INT },
	[R_BEFORE] = { "size_before", "Size before", OUT_INT },
};

static const struct opt resize_opts[] = {
	OPT_BOOL('f', "force", &opt.force,
		 "allow shrinking (data past the new end is lost)"),
	OPT_JSON(&opt.json),
	OPT_QUIET(&opt.quiet, "print nothing but errors"),
	APPLET_OPT_CONNECT,
	OPT_END(),
};

const struct applet_info resize_info = {
	.usage = "N SIZE",
	.description =
		"Resize the disk of VM number N to SIZE: a number of GiB as "
		"fast-vm takes it (20), or with a unit (512M, 20G, 1T). The VM "
		"must be stopped. Growing is safe; the guest's partitions and "
		"filesystems are left as they are. Shrinking needs --force.\n"
		"Exit status 3: no VM N; 4: the VM is running.",
	.opts = resize_opts,
	.min_args = 2,
	.max_args = 2,
	.args = { OPT_C_VM_STOPPED },
	.examples = "Grow the disk of stopped VM 42 to 40 GiB:\n"
		    "$ fvm resize 42 40G",
	.see_also = "fvm-image-resize(1), fvm-compact(1)",
};

int resize_main(int argc, char **argv)
{
	struct fvm_conf *c;
	struct vm_entry e = { 0 };
	struct store_usage u = { 0 };
	struct lock l = LOCK_INIT;
	struct vmlist nl;
	const char *size_arg;
	uint64_t size;
	bool force, quiet;
	int n, rc = 0;

	applet_args(&argc, &argv);
	force = opt.force;
	quiet = opt.quiet || opt.json;
	c = applet_conf();
	vm_parse_numbers(1, argv, &nl);
	if (nl.len != 1)
		usage_error("resize takes one VM number");
	n = nl.n[0];
	vmlist_release(&nl);
	size_arg = argv[1];
	if (store_parse_size_gib(size_arg, &size) < 0)
		usage_error("'%s' is not a size (20, 20G, 512M)", size_arg);
	if (vm_lock(&l, n) < 0)
		die_err();
	fault_point("resize.after-lock");
	if (virt_find_vm(vm_virt(false), c, n, &e) < 0)
		die_err();
	if (e.state != VIR_DOMAIN_SHUTOFF)
		die(FVM_EXIT_CONFLICT, "VM %d is %s; stop it first", n,
		    virt_state_name(e.state));
	if (store_usage(vm_store(), e.name, &u) < 0)
		die_err();
	if (!u.exists)
		die(FVM_EXIT_NOTFOUND, "VM %d has no disk %s", n, e.name);
	if (size < u.size && !force)
		die(FVM_EXIT_USAGE,
		    "%s is smaller than the disk (%llu bytes): shrinking "
		    "loses data, --force does it",
		    size_arg, (unsigned long long)u.size);
	if (store_resize(vm_store(), e.name, size, force) < 0)
		rc = report_err();
	else if (!quiet)
		printf("VM %d disk resized to %llu bytes\n", n,
		       (unsigned long long)size);
	if (rc == 0 && opt.json) {
		struct out_table *t = out_table_new(resize_cols, R_N);

		out_int(t, R_NUMBER, n);
		out_str(t, R_NAME, e.name);
		out_int(t, R_SIZE, (long long)size);
		out_int(t, R_BEFORE, (long long)u.size);
		out_print_record(t, OUT_JSON, stdout);
		out_table_free(t);
	}
	fault_point("resize.after-resize");
	if (rc == 0)
		log_vm(applet_conf(), LOG_INFO, n,
		       "VM '%s' disk resized to %llu bytes", e.name,
		       (unsigned long long)size);
	if (vm_touch(&e) < 0) {
		warning("%s", err_msg());
		err_clear();
	}
	virt_vm_release(&e);
	lock_drop(&l);
	return rc;
}
