/* applets/image_verify.c: `fvm image-verify NAME [DIR]`: check an image against its recorded SHA-256 or fast-vm's part files. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../lib/txn.h"
#include "../cli/image.h"

/* the options' values (the table binds them) */
static struct {
	bool quiet, json;
} opt;

/* --json: one object */
enum { V_IMAGE, V_OK, V_SHA, V_RECORDED, V_POK, V_PFAIL, V_PMISSING, V_N };
static const struct out_col verify_cols[] = {
	[V_IMAGE] = { "image", "Image", OUT_STR },
	[V_OK] = { "ok", "OK", OUT_BOOL },
	[V_SHA] = { "sha256", "SHA-256", OUT_STR },
	[V_RECORDED] = { "recorded_sha256", "Recorded", OUT_STR },
	[V_POK] = { "parts_ok", "Parts OK", OUT_INT },
	[V_PFAIL] = { "parts_failed", "Parts failed", OUT_INT },
	[V_PMISSING] = { "parts_missing", "Parts missing", OUT_INT },
};

static const struct opt image_verify_opts[] = {
	OPT_JSON(&opt.json),
	OPT_QUIET(&opt.quiet, "print only the summary and errors"),
	OPT_END(),
};

const struct applet_info image_verify_info = {
	.usage = "NAME [DIR]",
	.description =
		"Verify image NAME. With DIR, as fast-vm-image verify does: "
		"against the NAME.part_NN.sha512.txt files in DIR (see fvm "
		"image-checksum), each part reported, ending with 'CHECK "
		"SUMMARY:   OK: N  FAIL: N  MISSING: N'. Without DIR, against "
		"the SHA-256 recorded when it was imported or checksummed.\n"
		"Exit status 1: a part or the checksum differs, or a part "
		"file is missing; 3: no image NAME, no part_00 file in DIR, or "
		"no recorded checksum.",
	.opts = image_verify_opts,
	.min_args = 1,
	.max_args = 2,
	.args = { OPT_C_IMAGE, OPT_C_FILE },
	.examples = "Verify image c7 against its recorded SHA-256, then "
		    "against part checksums in a directory:\n"
		    "$ fvm image-verify c7\n"
		    "$ fvm image-verify c7 sums/",
	.see_also = "fvm-image-checksum(1)",
};

/* the first line of a part file: its first 128 characters */
static int read_part(const char *path, char hex[129])
{
	FILE *f = fopen(path, "r");
	char line[256];
	bool ok;

	if (!f)
		return -1;
	ok = fgets(line, sizeof(line), f) != NULL;
	fclose(f);
	if (!ok)
		line[0] = '\0';
	line[strcspn(line, " \t\r\n")] = '\0';
	snprintf(hex, 129, "%s", line);
	return 0;
}

static int verify_parts(const char *name, const char *disk, const char *dir,
			bool quiet, struct out_table *t)
{
	struct image_sums sums;
	unsigned ok = 0, fail = 0, missing = 0;
	char *p0 = xasprintf("%s/%s.part_00.sha512.txt", dir, name);
	char hex[129];

	if (read_part(p0, hex) < 0)
		die(FVM_EXIT_NOTFOUND, "part_00 checksum file not found: %s",
		    p0);
	free(p0);
	if (image_hash(disk, true, !quiet, &sums) < 0)
		die_err();
	for (unsigned k = 0; k < sums.nparts; k++) {
		char *p = xasprintf("%s/%s.part_%0*u.sha512.txt", dir, name,
				    (int)sums.width, k);

		if (read_part(p, hex) < 0) {
			warning("part_%0*u checksum file missing - %s",
				(int)sums.width, k, p);
			missing++;
		} else if (strcasecmp(hex, sums.parts[k])) {
			error("part_%0*u checksum failed", (int)sums.width, k);
			fail++;
		} else {
			if (!quiet)
				printf("part_%0*u checksum OK\n",
				       (int)sums.width, k);
			ok++;
		}
		free(p);
	}
	out_str(t, V_SHA, sums.sha256);
	out_int(t, V_POK, ok);
	out_int(t, V_PFAIL, fail);
	out_int(t, V_PMISSING, missing);
	out_bool(t, V_OK, !fail && !missing);
	image_sums_release(&sums);
	if (!opt.json)
		printf("CHECK SUMMARY:   OK: %u  FAIL: %u  MISSING: %u\n", ok,
		       fail, missing);
	return fail || missing ? FVM_EXIT_FAIL : 0;
}

int image_verify_main(int argc, char **argv)
{
	struct image_sums sums;
	struct lock l = LOCK_INIT;
	bool quiet;
	const char *name;
	char *disk, want[65];
	struct out_table *t = out_table_new(verify_cols, V_N);
	int rc;

	applet_args(&argc, &argv);
	quiet = opt.quiet || opt.json;
	name = argv[0];
	image_check_name(name);
	disk = image_disk(name);
	txn_signals_block();
	if (image_lock(&l, name, false) < 0)
		die_err();
	if (!store_exists(image_store(), disk))
		die(FVM_EXIT_NOTFOUND, "image %s not found (no disk %s)", name,
		    disk);
	if (argc == 2) {
		out_str(t, V_IMAGE, name);
		rc = verify_parts(name, disk, argv[1], quiet, t);
	} else {
		if (image_sha_read(disk, want) < 0)
			die(FVM_EXIT_NOTFOUND,
			    "image %s has no recorded checksum (fvm "
			    "image-checksum %s makes one)",
			    name, name);
		if (image_hash(disk, false, !opt.quiet, &sums) < 0)
			die_err();
		out_str(t, V_IMAGE, name);
		out_str(t, V_SHA, sums.sha256);
		out_str(t, V_RECORDED, want);
		out_bool(t, V_OK, !strcmp(want, sums.sha256));
		if (strcmp(want, sums.sha256)) {
			error("image %s changed: sha256 %s, recorded %s", name,
			      sums.sha256, want);
			rc = FVM_EXIT_FAIL;
		} else {
			if (!quiet)
				printf("image %s OK: sha256 %s\n", name,
				       sums.sha256);
			rc = 0;
		}
		image_sums_release(&sums);
	}
	if (opt.json)
		out_print_record(t, OUT_JSON, stdout);
	out_table_free(t);
	lock_drop(&l);
	free(disk);
	return rc;
}
