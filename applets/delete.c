/* applets/delete.c: `fvm delete N...`: a VM and everything that belongs to it. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../lib/dhcp.h"
#include "../lib/log.h"
#include "../lib/fault.h"
#include "../lib/hack.h"
#include "../lib/tmpl.h"
#include "../lib/txn.h"
#include "../cli/vm.h"

struct delete_ctx {
	struct fvm_conf *c;
	const char *hacks; /* given on the command line */
	bool dry_run, quiet, json;
};

/* the options' values (the table binds them) and the run's context */
static struct delete_ctx opt;

/* --json: what went (or, with --dry-run, would go) of each VM */
enum { D_NUMBER, D_NAME, D_DELETED, D_DISK, D_MAC, D_HACKS, D_COUNT };
static const struct out_col delete_cols[] = {
	[D_NUMBER] = { "number", "VM#", OUT_INT },
	[D_NAME] = { "name", "Name", OUT_STR },
	[D_DELETED] = { "deleted", "Deleted", OUT_BOOL },
	[D_DISK] = { "disk", "Disk", OUT_STR },
	[D_MAC] = { "mac", "MAC", OUT_STR },
	[D_HACKS] = { "delete_hacks", "Delete hacks", OUT_STR },
};
static struct vm_results results;

static const struct opt delete_opts[] = {
	OPT_BOOL(0, "dry-run", &opt.dry_run,
		 "say what would be removed, change nothing"),
	OPT_STRING(0, "hacks", &opt.hacks, "FILE",
		   "run this delete-hacks file instead of the profile's or "
		   "image's",
		   OPT_C_FILE),
	OPT_JSON(&opt.json),
	OPT_QUIET(&opt.quiet, "print nothing but errors"),
	APPLET_OPT_CONNECT,
	OPT_END(),
};

const struct applet_info delete_info = {
	.usage = "N...",
	.description =
		"Delete VM number N: stop it if it runs, run its delete-hacks "
		"file, remove its DHCP reservation and release its lease, "
		"remove its disk, undefine it (with its NVRAM and managed "
		"save) "
		"and forget its ssh host key. There is no prompt, as with "
		"fast-vm; --dry-run shows what would go.\n"
		"With FASTVM_OWNER_ONLY_DELETE=yes only root and the VM's "
		"owner "
		"may delete it.\n"
		"Exit status 3: no VM N; 4: busy.",
	.opts = delete_opts,
	.min_args = 1,
	.max_args = OPT_ARGS_ANY,
	.args = { OPT_C_VM },
	.repeat_last = true,
	.examples = "See what deleting VMs 20 to 24 would remove, then delete "
		    "them:\n"
		    "$ fvm delete --dry-run 20-24\n"
		    "$ fvm delete 20-24",
	.see_also = "fvm-create(1), fvm-doctor(1)",
};

static int owner_allows(struct delete_ctx *x, struct vm_entry *e)
{
	const char *me = vm_user();
	const char *owner;

	if (!x->c->owner_only_delete || getuid() == 0)
		return 0;
	owner = e->has_meta ? e->meta.owner : "";
	if (*owner && !strcmp(owner, me))
		return 0;
	if (!*owner || !strcmp(owner, "--unknown--"))
		return err_set(FVM_EXIT_FAIL,
			       "only 'root' is allowed to delete VM %d "
			       "(FASTVM_OWNER_ONLY_DELETE=yes)",
			       e->number);
	return err_set(FVM_EXIT_FAIL,
		       "only 'root' and '%s' are allowed to delete VM %d "
		       "(FASTVM_OWNER_ONLY_DELETE=yes)",
		       owner, e->number);
}

/* fast-vm's delete hack: the profile's, else the image's */
static char *delete_hacks_of(struct delete_ctx *x, struct vm_entry *e)
{
	struct tmpl_source src = { 0 };
	const char *names[2] = { e->has_meta ? e->meta.profile : NULL,
				 e->image };
	char *path = NULL;

	if (x->hacks)
		return xstrdup(x->hacks);
	for (int i = 0; i < 2 && !path; i++) {
		if (!names[i])
			continue;
		if (tmpl_resolve(x->c, names[i], &src) == 0 &&
		    src.delete_hacks_path)
			path = xstrdup(src.delete_hacks_path);
		tmpl_source_release(&src);
		memset(&src, 0, sizeof(src));
	}
	err_clear();
	return path;
}

static void say(struct delete_ctx *x, const char *fmt, const char *a)
{
	if (x->dry_run && !x->json)
		printf(fmt, a);
}

static void result(struct delete_ctx *x, int n, const char *name, bool has_disk,
		   const char *mac, const char *hacks)
{
	struct out_table *t;

	if (!x->json)
		return;
	t = vm_results_row(&results, n);
	out_str(t, D_NAME, name);
	out_bool(t, D_DELETED, !x->dry_run);
	out_str(t, D_DISK, has_disk ? name : NULL);
	out_str(t, D_MAC, mac);
	out_str(t, D_HACKS, hacks);
	vm_results_unlock(&results);
}

static int remove_reservation(struct delete_ctx *x, const char *mac,
			      const char *ip)
{
	struct lock l = LOCK_INIT;
	int rc;

	if (vm_lock_net(&l, x->c->libvirt_network) < 0)
		return -1;
	rc = dhcp_remove(vm_virt(false), x->c->libvirt_network, mac, ip);
	lock_drop(&l);
	if (rc < 0)
		return -1;
	fault_point("delete.after-dhcp-remove");
	/* dnsmasq would otherwise keep the address for the old MAC until
	 * the lease runs out */
	if (dhcp_release_lease(vm_virt(false), x->c->libvirt_network, mac,
			       ip) != 0) {
		warning("%s", err_msg());
		err_clear();
	}
	fault_point("delete.after-lease-release");
	return 0;
}

static int delete_one(int n, void *ctx)
{
	struct delete_ctx *x = ctx;
	struct vm_entry e = { 0 };
	struct lock l = LOCK_INIT;
	char *mac = NULL, *hacks = NULL, *known = NULL;
	char ip[16];
	bool has_disk;
	int rc = -1;

	vm_ip(x->c, n, ip);
	if (!x->dry_run && vm_lock(&l, n) < 0)
		goto out;
	fault_point("delete.after-lock");
	if (virt_find_vm(vm_virt(false), x->c, n, &e) < 0) {
		if (err_code() == FVM_EXIT_NOTFOUND)
			err_set(FVM_EXIT_NOTFOUND, "no VM with number %d", n);
		goto out;
	}
	if (owner_allows(x, &e) < 0)
		goto out;
	mac = virt_domain_mac(e.dom, x->c->libvirt_network);
	hacks = delete_hacks_of(x, &e);
	known = vm_known_hosts_path(n);
	has_disk = store_exists(vm_store(), e.name);
	if (x->dry_run) {
		result(x, n, e.name, has_disk, mac, hacks);
		if (!x->json)
			printf("VM %d (%s):\n", n, e.name);
		if (e.state == VIR_DOMAIN_RUNNING ||
		    e.state == VIR_DOMAIN_PAUSED)
			say(x, "%s", "  stop the running domain\n");
		if (hacks)
			say(x, "  run delete hacks %s\n", hacks);
		if (mac && !x->json)
			printf("  remove DHCP reservation %s for %s and its "
			       "lease\n",
			       ip, mac);
		if (has_disk)
			say(x, "  remove disk %s\n", e.name);
		say(x, "  undefine domain %s\n", e.name);
		if (access(known, F_OK) == 0)
			say(x, "  remove known host keys %s\n", known);
		rc = 0;
		goto out;
	}
	if ((e.state == VIR_DOMAIN_RUNNING || e.state == VIR_DOMAIN_PAUSED ||
	     e.state == VIR_DOMAIN_BLOCKED) &&
	    virt_destroy(e.dom) < 0)
		goto out;
	fault_point("delete.after-destroy");
	if (hacks) {
		struct hack_vars hv = { e.name, mac, n, e.image,
					e.has_meta ? e.meta.profile : NULL };
		char *output = NULL;

		if (hack_run(x->c, hacks, &hv, &output) < 0) {
			warning("%s", err_msg());
			err_clear();
		}
		if (output && *output && !x->quiet)
			fputs(output, stderr);
		free(output);
	}
	fault_point("delete.after-hacks");
	if (mac && remove_reservation(x, mac, ip) < 0)
		goto out;
	if (has_disk && store_vm_remove(vm_store(), e.name) < 0) {
		/* the domain stays, so delete can be run again */
		if (mac)
			dhcp_add(vm_virt(false), x->c->libvirt_network, mac, ip,
				 e.name);
		goto out;
	}
	fault_point("delete.after-disk-remove");
	if (virt_remove_domain(vm_virt(false), e.dom) < 0)
		goto out;
	fault_point("delete.after-undefine");
	log_vm(applet_conf(), LOG_INFO, n, "VM '%s' deleted", e.name);
	if (unlink(known) < 0 && errno != ENOENT)
		warning("cannot remove %s: %m", known);
	fault_point("delete.after-known-hosts");
	if (!x->quiet && !x->json)
		printf("deleted VM %d (%s)\n", n, e.name);
	result(x, n, e.name, has_disk, mac, hacks);
	rc = 0;
out:
	if (rc < 0) {
		rc = err_code();
		error("%s", err_msg());
	}
	if (e.name)
		virt_vm_release(&e);
	lock_drop(&l);
	free(mac);
	free(hacks);
	free(known);
	return rc;
}

int delete_main(int argc, char **argv)
{
	struct vmlist l;
	int rc;

	applet_args(&argc, &argv);
	if (opt.hacks && access(opt.hacks, R_OK) < 0)
		die(FVM_EXIT_NOTFOUND, "cannot read hack file %s: %s",
		    opt.hacks, strerror(errno));
	opt.c = applet_conf();
	vm_parse_numbers(argc, argv, &l);
	txn_signals_block();
	if (opt.json)
		vm_results_init(&results, delete_cols, D_COUNT);
	rc = vm_run_each(&l, delete_one, &opt, "deleted",
			 opt.quiet || opt.dry_run || opt.json);
	if (opt.json)
		vm_results_print(&results);
	vmlist_release(&l);
	return rc;
}
