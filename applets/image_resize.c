/* applets/image_resize.c: `fvm image-resize NAME SIZE`: grow (or, forced, shrink) an image's disk. */
#include <ctype.h>
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
enum { R_IMAGE, R_DISK, R_SIZE, R_BEFORE, R_N };
static const struct out_col image_resize_cols[] = {
	[R_IMAGE] = { "image", "Image", OUT_STR },
	[R_DISK] = { "disk", "Disk", OUT_STR },
	[R_SIZE] = { "size", "Size", OUT_INT },
	[R_BEFORE] = { "size_before", "Size before", OUT_INT },
};

static const struct opt image_resize_opts[] = {
	OPT_BOOL('f', "force", &opt.force,
		 "allow shrinking (data past the new end is lost)"),
	OPT_JSON(&opt.json),
	OPT_QUIET(&opt.quiet, "print nothing but errors"),
	OPT_END(),
};

const struct applet_info image_resize_info = {
	.usage = "NAME SIZE",
	.description =
		"Resize the disk of image NAME to SIZE, as fast-vm-image "
		"resize does: a number of GiB (20), or with a unit (512M, "
		"20G, 1T). Only VMs created from now on get the new size; "
		"existing VMs keep theirs (fvm resize changes a VM's). The "
		"guest's partitions and filesystems are left as they are. "
		"Shrinking needs --force, and a dir store refuses it while "
		"VM disks read from the image.\n"
		"The SHA-256 recorded at import no longer holds and is "
		"dropped; fvm image-checksum records a new one.\n"
		"Exit status 3: no image NAME; 4: it is busy.",
	.opts = image_resize_opts,
	.min_args = 2,
	.max_args = 2,
	.args = { OPT_C_IMAGE, OPT_C_WORDS },
	.examples =
		"Make the VMs created from now on from c7 have 40 GiB disks:\n"
		"$ fvm image-resize c7 40G",
	.see_also = "fvm-resize(1), fvm-images(1)",
};

int image_resize_main(int argc, char **argv)
{
	struct store_usage u = { 0 };
	struct lock l = LOCK_INIT;
	bool force, quiet;
	const char *name, *size_arg;
	char *disk, *sha;
	uint64_t size, before;
	int rc = 0;

	applet_args(&argc, &argv);
	force = opt.force;
	quiet = opt.quiet || opt.json;
	name = argv[0];
	size_arg = argv[1];
	image_check_name(name);
	if (store_parse_size_gib(size_arg, &size) < 0)
		usage_error("'%s' is not a size (20, 20G, 512M)", size_arg);
	disk = image_disk(name);
	/* errors past here free what they hold: the process ends, but the
	 * sanitizer tier counts what exit() leaves behind */
	if (image_lock(&l, name, true) < 0 ||
	    store_usage(image_store(), disk, &u) < 0) {
		rc = report_err();
		goto out;
	}
	if (!u.exists) {
		report("error", "image %s not found (no disk %s)", name, disk);
		rc = FVM_EXIT_NOTFOUND;
		goto out;
	}
	if (size < u.size && !force) {
		report("error",
		       "%s is smaller than image %s (%llu bytes): shrinking "
		       "loses data, --force does it",
		       size_arg, name, (unsigned long long)u.size);
		rc = FVM_EXIT_USAGE;
		goto out;
	}
	before = u.size;
	if (store_resize(image_store(), disk, size, force) < 0) {
		rc = report_err();
	} else {
		sha = image_sha_path(disk);
		if (unlink(sha) < 0 && errno != ENOENT)
			warning("cannot remove the old checksum %s: %s", sha,
				strerror(errno));
		free(sha);
		store_usage(image_store(), disk, &u);
		log_vm(applet_conf(), LOG_INFO, -1,
		       "image '%s' resized to %llu bytes", name,
		       (unsigned long long)u.size);
		if (!quiet)
			printf("image %s resized to %llu bytes (%.2fg); only "
			       "VMs created from now on get the new size\n",
			       name, (unsigned long long)u.size,
			       (double)u.size / (double)GIB);
		if (opt.json) {
			struct out_table *t =
				out_table_new(image_resize_cols, R_N);

			out_str(t, R_IMAGE, name);
			out_str(t, R_DISK, disk);
			out_int(t, R_SIZE, (long long)u.size);
			out_int(t, R_BEFORE, (long long)before);
			out_print_record(t, OUT_JSON, stdout);
			out_table_free(t);
		}
	}
out:
	free(disk);
	lock_drop(&l);
	return rc;
}
