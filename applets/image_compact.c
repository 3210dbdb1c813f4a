/* applets/image_compact.c: `fvm image-compact`: give back the space an image's filesystems no longer use. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libvirt/virterror.h>

#include "../lib/guest.h"
#include "../cli/trim.h"
#include "../cli/image.h"
#include "../cli/vm.h"

/* the options' values (the table binds them) */
static struct {
	bool json, quiet;
} opt;

static const struct opt image_compact_opts[] = {
	OPT_JSON(&opt.json),
	OPT_QUIET(&opt.quiet, "print nothing but errors"),
	APPLET_OPT_CONNECT,
	OPT_END(),
};

const struct applet_info image_compact_info = {
	.usage = "NAME...",
	.description =
		"Trim the free space of the filesystems in the disk of each "
		"image NAME (fstrim through libguestfs, discards passed to "
		"the thin LV or the disk file), so that what was deleted in "
		"the image no longer takes space in the pool or the store "
		"directory, and report the bytes allocated before and after "
		"and how many were freed, as fvm compact does for a VM. One "
		"appliance launch per image, one image after the other.\n"
		"The image's lock is taken exclusively: a create, export or "
		"import of the image at that moment makes it refuse. The "
		"image's own VM (create IMAGE base) must not be running. On "
		"the dir storage an image's disk is the backing file of its "
		"VMs' overlays, so it is refused while the image has VMs; "
		"on lvm the VMs are thin snapshots and keep their data.\n"
		"The SHA-256 recorded at import no longer holds and is "
		"dropped; fvm image-checksum records a new one.\n"
		"--json prints a list of objects with image, disk, "
		"allocated_before, allocated_after and freed (bytes).\n"
		"Exit status 3: no image NAME; 4: the image is busy, its "
		"base VM runs, or (dir storage) it has VMs.",
	.opts = image_compact_opts,
	.min_args = 1,
	.max_args = OPT_ARGS_ANY,
	.args = { OPT_C_IMAGE },
	.repeat_last = true,
	.examples = "Give back what image c7's filesystems no longer use:\n"
		    "$ fvm image-compact c7",
	.environment = "LIBGUESTFS_PATH\tA fixed libguestfs appliance; it wins "
		       "over FASTVM_APPLIANCE.",
	.see_also = "fvm-compact(1), virt-sparsify(1)",
};

enum { C_IMAGE, C_DISK, C_BEFORE, C_AFTER, C_FREED, C_COUNT };
static const struct out_col image_compact_cols[] = {
	[C_IMAGE] = { "image", "Image", OUT_STR },
	[C_DISK] = { "disk", "Disk", OUT_STR },
	[C_BEFORE] = { "allocated_before", "Before", OUT_INT, OUT_RIGHT },
	[C_AFTER] = { "allocated_after", "After", OUT_INT, OUT_RIGHT },
	[C_FREED] = { "freed", "Freed", OUT_INT, OUT_RIGHT },
};

/* The base VM (named as the image's disk) is defined and not shut off. */
static int base_vm_running(const char *disk)
{
	virDomainPtr dom;
	int state = VIR_DOMAIN_NOSTATE, reason, running;

	dom = virDomainLookupByName(virt_conn(vm_virt(false)), disk);
	if (!dom) {
		virResetLastError();
		return 0;
	}
	running = virDomainGetState(dom, &state, &reason, 0) < 0 ||
		  state != VIR_DOMAIN_SHUTOFF;
	virDomainFree(dom);
	virResetLastError();
	return running;
}

static int compact_image(const char *name, bool tcg, struct out_table *out)
{
	struct store_usage before = { 0 }, after = { 0 };
	struct lock l = LOCK_INIT;
	char lname[160], what[160], *disk = image_disk(name), *sha;
	char **vms = NULL;
	int rc = -1;

	snprintf(lname, sizeof(lname), "image-%s", name);
	snprintf(what, sizeof(what), "image %s", name);
	/* a create holds the image for as long as its clones take: do not
	 * queue behind it */
	if (lock_take(&l, lname, what, true, 2000) < 0) {
		if (err_code() == FVM_EXIT_CONFLICT)
			err_set(FVM_EXIT_CONFLICT,
				"image %s is busy: a create, export or import "
				"is using it",
				name);
		goto out;
	}
	if (!store_exists(image_store(), disk)) {
		err_set(FVM_EXIT_NOTFOUND, "image %s not found (no disk %s)",
			name, disk);
		goto out;
	}
	if (base_vm_running(disk)) {
		err_set(FVM_EXIT_CONFLICT,
			"the base VM %s of image %s is "
			"running; stop it first",
			disk, name);
		goto out;
	}
	if (store_caps(image_store()) & STORE_CAP_VMS_READ_IMAGE) {
		size_t n = 0;

		vms = image_vm_disks(name);
		while (vms[n])
			n++;
		if (n) {
			err_set(FVM_EXIT_CONFLICT,
				"image %s has %zu VM%s (%s%s) reading its disk "
				"as their backing file: delete them first",
				name, n, n == 1 ? "" : "s", vms[0],
				n > 1 ? ", ..." : "");
			goto out;
		}
	}
	if (compact_disk(applet_conf(), image_store(), disk, tcg, &before,
			 &after) < 0) {
		err_context("image %s", name);
		goto out;
	}
	sha = image_sha_path(disk);
	if (unlink(sha) < 0 && errno != ENOENT)
		warning("cannot remove the old checksum %s: %s", sha,
			strerror(errno));
	free(sha);
	out_row(out);
	out_str(out, C_IMAGE, name);
	out_str(out, C_DISK, disk);
	out_int(out, C_BEFORE, (long long)before.allocated);
	out_int(out, C_AFTER, (long long)after.allocated);
	out_int(out, C_FREED,
		before.allocated > after.allocated ?
			(long long)(before.allocated - after.allocated) :
			0);
	rc = 0;
out:
	if (vms) {
		for (size_t i = 0; vms[i]; i++)
			free(vms[i]);
		free(vms);
	}
	lock_drop(&l);
	free(disk);
	return rc < 0 ? report_err() : 0;
}

int image_compact_main(int argc, char **argv)
{
	enum out_mode mode;
	struct out_table *out;
	bool tcg;
	int rc = 0;

	applet_args(&argc, &argv);
	mode = applet_out_mode(opt.json, opt.quiet);
	for (int i = 0; i < argc; i++)
		image_check_name(argv[i]);
	if (guest_appliance_check(
		    guest_appliance_dir(applet_conf()->appliance)) < 0)
		die_err();
	tcg = compact_tcg(applet_conf());
	out = out_table_new(image_compact_cols, C_COUNT);
	for (int i = 0; i < argc; i++) {
		int r = compact_image(argv[i], tcg, out);

		if (r > rc)
			rc = r;
	}
	if (mode == OUT_JSON || (mode == OUT_HUMAN && out_rows(out)))
		out_print_list(out, mode, stdout);
	out_table_free(out);
	return rc;
}
