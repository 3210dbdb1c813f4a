/* applets/image_rm.c: `fvm image-rm NAME`: remove an image, its templates and its checksum. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../lib/log.h"
#include "../cli/image.h"

/* the options' values (the table binds them) */
static struct {
	bool force, quiet, json;
} opt;

/* --json: one object */
enum { M_IMAGE, M_DISK, M_VMS, M_N };
static const struct out_col image_rm_cols[] = {
	[M_IMAGE] = { "image", "Image", OUT_STR },
	[M_DISK] = { "disk", "Disk", OUT_STR },
	[M_VMS] = { "vm_disks", "VM disks", OUT_INT },
};

static const struct opt image_rm_opts[] = {
	OPT_BOOL('f', "force", &opt.force,
		 "remove it even while VM disks were made from it"),
	OPT_JSON(&opt.json),
	OPT_QUIET(&opt.quiet, "print nothing but errors"),
	OPT_END(),
};

const struct applet_info image_rm_info = {
	.usage = "NAME",
	.description =
		"Remove image NAME: its disk, its recorded checksum and, as "
		"fast-vm-image remove does, config-NAME.xml, hacks-NAME.sh "
		"and delete-hacks-NAME.sh from /etc/fast-vm for root, else "
		"from ~/.fast-vm. An image whose VMs still have disks "
		"(VM_PREFIXNAME-N) is kept unless --force (an lvm thin "
		"snapshot outlives its origin; a dir store's qcow2 overlay "
		"does not, so the store refuses even then).\n"
		"Exit status 3: no image NAME; 4: VMs use it, or it is busy.",
	.opts = image_rm_opts,
	.min_args = 1,
	.max_args = 1,
	.args = { OPT_C_IMAGE },
	.examples = "Remove image c7 and its templates:\n"
		    "$ fvm image-rm c7",
	.see_also = "fvm-images(1), fvm-import(1)",
};

int image_rm_main(int argc, char **argv)
{
	static const char *const fmt[] = { "config-%s.xml", "hacks-%s.sh",
					   "delete-hacks-%s.sh" };
	struct lock l = LOCK_INIT;
	bool force, quiet;
	const char *name;
	char *disk, *sha, **vms;

	applet_args(&argc, &argv);
	force = opt.force;
	quiet = opt.quiet || opt.json;
	name = argv[0];
	image_check_name(name);
	disk = image_disk(name);
	if (image_lock(&l, name, true) < 0)
		die_err();
	if (!store_exists(image_store(), disk))
		die(FVM_EXIT_NOTFOUND, "image %s not found (no disk %s)", name,
		    disk);
	vms = image_vm_disks(name);
	if (vms[0] && !force) {
		struct sbuf b = SBUF_INIT;

		for (size_t i = 0; vms[i]; i++)
			sbuf_addf(&b, "%s%s", i ? " " : "", vms[i]);
		error("image %s is in use by VM disks: %s (delete the VMs "
		      "first, or --force)",
		      name, b.s);
		/* freed, so leak checkers stay quiet on this common exit */
		sbuf_release(&b);
		for (size_t i = 0; vms[i]; i++)
			free(vms[i]);
		free(vms);
		free(disk);
		lock_drop(&l);
		return FVM_EXIT_CONFLICT;
	}
	if (store_image_remove(image_store(), disk) < 0)
		die_err();
	log_vm(applet_conf(), LOG_INFO, -1, "image '%s' removed", name);
	sha = image_sha_path(disk);
	if (unlink(sha) < 0 && errno != ENOENT)
		warning("cannot remove %s: %s", sha, strerror(errno));
	free(sha);
	for (size_t i = 0; i < 3; i++) {
		char *base = xasprintf(fmt[i], name);
		char *p = xasprintf("%s/%s", image_conf_dir(), base);

		if (unlink(p) < 0 && errno != ENOENT)
			warning("cannot remove %s: %s", p, strerror(errno));
		free(p);
		free(base);
	}
	if (!quiet)
		printf("image %s removed\n", name);
	if (opt.json) {
		struct out_table *t = out_table_new(image_rm_cols, M_N);
		size_t k = 0;

		while (vms[k])
			k++;
		out_str(t, M_IMAGE, name);
		out_str(t, M_DISK, disk);
		out_int(t, M_VMS, (long long)k);
		out_print_record(t, OUT_JSON, stdout);
		out_table_free(t);
	}
	for (size_t i = 0; vms[i]; i++)
		free(vms[i]);
	free(vms);
	free(disk);
	lock_drop(&l);
	return 0;
}
