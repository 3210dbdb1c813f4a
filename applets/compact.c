/* applets/compact.c: `fvm compact N...`: give back the space a stopped VM's guest freed. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

#include "../lib/log.h"
#include "../lib/guest.h"
#include "../cli/trim.h"
#include "../cli/vm.h"

/* the options' values (the table binds them) */
static struct {
	bool json, quiet;
} opt;

static const struct opt compact_opts[] = {
	OPT_JSON(&opt.json),
	OPT_QUIET(&opt.quiet, "print nothing but errors"),
	APPLET_OPT_CONNECT,
	OPT_END(),
};

const struct applet_info compact_info = {
	.usage = "N...",
	.description =
		"Trim the free space of the filesystems in the disk of each "
		"stopped VM N (fstrim through libguestfs, discards passed to "
		"the thin LV or the disk file), so that what the guest "
		"deleted no longer takes space in the pool or the store "
		"directory, and report the bytes allocated before and after "
		"and how many were freed. One appliance launch per VM; "
		"several VMs are compacted in parallel. Every filesystem "
		"found is trimmed (swap, encrypted and read-only ones are "
		"left alone), whatever the guest's system.\n"
		"--json prints a list of objects with number, name, "
		"allocated_before, allocated_after and freed (bytes); fvm "
		"image-compact does the same for an image.\n"
		"Exit status 3: no VM N; 4: the VM is running or busy.",
	.opts = compact_opts,
	.min_args = 1,
	.max_args = OPT_ARGS_ANY,
	.args = { OPT_C_VM_STOPPED },
	.repeat_last = true,
	.examples = "Give back what the guests of VMs 20 to 24 deleted:\n"
		    "$ fvm stop 20-24\n"
		    "$ fvm compact 20-24",
	.environment = "LIBGUESTFS_PATH\tA fixed libguestfs appliance; it wins "
		       "over FASTVM_APPLIANCE.",
	.see_also = "fvm-image-compact(1), fvm-du(1), virt-sparsify(1)",
};

enum { C_NUMBER, C_NAME, C_BEFORE, C_AFTER, C_FREED, C_COUNT };
static const struct out_col compact_cols[] = {
	[C_NUMBER] = { "number", "VM#", OUT_INT, OUT_RIGHT },
	[C_NAME] = { "name", "Name", OUT_STR },
	[C_BEFORE] = { "allocated_before", "Before", OUT_INT, OUT_RIGHT },
	[C_AFTER] = { "allocated_after", "After", OUT_INT, OUT_RIGHT },
	[C_FREED] = { "freed", "Freed", OUT_INT, OUT_RIGHT },
};

struct compact_ctx {
	struct fvm_conf *c;
	bool tcg;
	struct out_table *out;
	pthread_mutex_t mu;
};

static int compact_one(int n, void *ctx)
{
	struct compact_ctx *x = ctx;
	struct vm_entry e = { 0 };
	struct store_usage before = { 0 }, after = { 0 };
	struct lock l = LOCK_INIT;
	int rc = -1;

	if (vm_lock(&l, n) < 0 || virt_find_vm(vm_virt(false), x->c, n, &e) < 0)
		goto out;
	/* a running guest has the filesystems mounted itself */
	if (e.state != VIR_DOMAIN_SHUTOFF) {
		err_set(FVM_EXIT_CONFLICT, "VM %d is %s; stop it first", n,
			virt_state_name(e.state));
		goto out;
	}
	if (compact_disk(x->c, vm_store(), e.name, x->tcg, &before, &after) < 0)
		goto out;
	pthread_mutex_lock(&x->mu);
	out_row(x->out);
	out_int(x->out, C_NUMBER, n);
	out_str(x->out, C_NAME, e.name);
	out_int(x->out, C_BEFORE, (long long)before.allocated);
	out_int(x->out, C_AFTER, (long long)after.allocated);
	out_int(x->out, C_FREED,
		before.allocated > after.allocated ?
			(long long)(before.allocated - after.allocated) :
			0);
	pthread_mutex_unlock(&x->mu);
	rc = 0;
	log_vm(x->c, LOG_INFO, n, "VM '%s' compacted: %lld bytes freed", e.name,
	       (long long)(before.allocated - after.allocated));
out:
	if (rc < 0)
		rc = report_err();
	if (e.name && vm_touch(&e) < 0)
		err_clear();
	virt_vm_release(&e);
	lock_drop(&l);
	return rc;
}

int compact_main(int argc, char **argv)
{
	struct compact_ctx x = { 0 };
	enum out_mode mode;
	struct vmlist l = { 0 };
	int rc;

	applet_args(&argc, &argv);
	mode = applet_out_mode(opt.json, opt.quiet);
	x.c = applet_conf();
	vm_parse_numbers(argc, argv, &l);
	if (guest_appliance_check(guest_appliance_dir(x.c->appliance)) < 0)
		die_err();
	x.tcg = compact_tcg(x.c);
	x.out = out_table_new(compact_cols, C_COUNT);
	pthread_mutex_init(&x.mu, NULL);
	rc = vm_run_each(&l, compact_one, &x, "compacted", opt.quiet);
	/* the VMs were done in parallel: print them in VM order */
	out_sort_int(x.out, 0);
	if (mode == OUT_JSON || (mode == OUT_HUMAN && out_rows(x.out)))
		out_print_list(x.out, mode, stdout);
	out_table_free(x.out);
	vmlist_release(&l);
	return rc;
}
