/* applets/image_checksum.c: `fvm image-checksum NAME`: fast-vm's part checksum files and the image's SHA-256. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../lib/txn.h"
#include "../cli/image.h"

/* the options' values (the table binds them) */
static struct {
	const char *dir;
	bool no_parts, quiet, json;
} opt = { .dir = "." };

/* --json: one object */
enum { K_IMAGE, K_SHA, K_PARTS, K_DIR, K_N };
static const struct out_col checksum_cols[] = {
	[K_IMAGE] = { "image", "Image", OUT_STR },
	[K_SHA] = { "sha256", "SHA-256", OUT_STR },
	[K_PARTS] = { "parts", "Parts", OUT_INT },
	[K_DIR] = { "dir", "Directory", OUT_STR },
};

static const struct opt image_checksum_opts[] = {
	OPT_STRING('d', "dir", &opt.dir, "DIR",
		   "write the part files into DIR (default: the current "
		   "directory)",
		   OPT_C_FILE),
	OPT_BOOL('n', "no-parts", &opt.no_parts,
		 "only compute and record the SHA-256"),
	OPT_JSON(&opt.json),
	OPT_QUIET(&opt.quiet, "print nothing but errors"),
	OPT_END(),
};

const struct applet_info image_checksum_info = {
	.usage = "NAME",
	.description =
		"Checksum image NAME as fast-vm-image gen_checksums does: "
		"NAME.part_NN.sha512.txt files, one per GiB (NN from 00 to "
		"the size in whole GiB, inclusive; the last part may be short "
		"or empty), each holding the SHA-512 of that part and a "
		"newline. Also records the SHA-256 of the whole disk beside "
		"the image (what fvm image-verify NAME compares with) and "
		"prints it.\n"
		"Exit status 3: no image NAME; 4: it is busy.",
	.opts = image_checksum_opts,
	.min_args = 1,
	.max_args = 1,
	.args = { OPT_C_IMAGE },
	.examples = "Write fast-vm's part checksums of image c7 into a "
		    "directory, or only record its SHA-256:\n"
		    "$ fvm image-checksum -d sums/ c7\n"
		    "$ fvm image-checksum -n c7",
	.see_also = "fvm-image-verify(1)",
};

int image_checksum_main(int argc, char **argv)
{
	struct image_sums sums;
	struct lock l = LOCK_INIT;
	bool quiet, parts;
	const char *name, *dir;
	char *disk;
	int rc = 0;

	applet_args(&argc, &argv);
	quiet = opt.quiet || opt.json;
	parts = !opt.no_parts;
	dir = opt.dir;
	name = argv[0];
	image_check_name(name);
	disk = image_disk(name);
	txn_signals_block();
	if (image_lock(&l, name, false) < 0)
		die_err();
	if (!store_exists(image_store(), disk))
		die(FVM_EXIT_NOTFOUND, "image %s not found (no disk %s)", name,
		    disk);
	if (image_hash(disk, parts, !opt.quiet, &sums) < 0)
		die_err();
	for (unsigned k = 0; k < sums.nparts && !rc; k++) {
		char *p = xasprintf("%s/%s.part_%0*u.sha512.txt", dir, name,
				    (int)sums.width, k);
		FILE *f = fopen(p, "w");

		if (!f || fprintf(f, "%s\n", sums.parts[k]) < 0 ||
		    fclose(f) != 0) {
			error("%s: %s", p, strerror(errno));
			rc = FVM_EXIT_FAIL;
		} else if (!quiet) {
			printf("%s: %s\n", p, sums.parts[k]);
		}
		free(p);
	}
	if (!rc && image_sha_write(disk, sums.sha256) < 0)
		rc = report_err();
	if (!rc && !quiet)
		printf("sha256 %s\n", sums.sha256);
	if (!rc && opt.json) {
		struct out_table *t = out_table_new(checksum_cols, K_N);

		out_str(t, K_IMAGE, name);
		out_str(t, K_SHA, sums.sha256);
		out_int(t, K_PARTS, sums.nparts);
		out_str(t, K_DIR, parts ? dir : NULL);
		out_print_record(t, OUT_JSON, stdout);
		out_table_free(t);
	}
	image_sums_release(&sums);
	lock_drop(&l);
	free(disk);
	return rc;
}
