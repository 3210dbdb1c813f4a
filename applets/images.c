/* applets/images.c: `fvm images`: the imported images with their templates, as fast-vm-image list. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../cli/image.h"

/* the options' values (the table binds them) */
static struct {
	bool is_short, json;
} opt;

static const struct opt images_opts[] = {
	OPT_BOOL('s', "short", &opt.is_short,
		 "image names only, one a line (fast-vm's short)"),
	OPT_JSON(&opt.json),
	OPT_END(),
};

const struct applet_info images_info = {
	.usage = "",
	.description =
		"List the imported images with fast-vm-image list's columns: "
		"name, size and how much of it is allocated, and whether the "
		"system (/etc/fast-vm) and user (~/.fast-vm) directories hold "
		"its XML template (ok or missing) and hack files (create, "
		"delete). The user's files win over the system's. Images made "
		"by fast-vm are listed the same way.\n"
		"--json adds size and allocated in bytes and the SHA-256 "
		"recorded at import (null when there is none).",
	.opts = images_opts,
	.examples = "List the images, then their names only:\n"
		    "$ fvm images\n"
		    "$ fvm images -s",
	.see_also = "fvm-import(1), fvm-profiles(1), fvm-du(1)",
};

enum {
	I_NAME,
	I_SIZE_TEXT,
	I_SYS_XML,
	I_SYS_HACKS,
	I_USER_XML,
	I_USER_HACKS,
	I_SIZE,
	I_ALLOC,
	I_SHA,
	I_COUNT
};

/* fast-vm-image list: '%-20s   %13s |%-8s %-13s|%-8s %-13s|' */
static const struct out_col images_cols[I_COUNT] = {
	[I_NAME] = { "name", "Image name", OUT_STR, 0, 20 },
	[I_SIZE_TEXT] = { "size_text", "Size( %used )", OUT_STR, OUT_RIGHT, 13,
			  3 },
	[I_SYS_XML] = { "system_xml", "SYSTEM XML", OUT_STR, 0, 10, 2 },
	[I_SYS_HACKS] = { "system_hacks", "hacks", OUT_STR, 0, 13, 1 },
	[I_USER_XML] = { "user_xml", "USER XML", OUT_STR, 0, 8, 2 },
	[I_USER_HACKS] = { "user_hacks", "hacks", OUT_STR, 0, 13, 1 },
	[I_SIZE] = { "size", "Size", OUT_INT, OUT_JSON_ONLY },
	[I_ALLOC] = { "allocated", "Allocated", OUT_INT, OUT_JSON_ONLY },
	[I_SHA] = { "sha256", "SHA-256", OUT_STR, OUT_JSON_ONLY },
};

static void put_files(struct out_table *t, unsigned xml_col, const char *dir,
		      const char *name)
{
	char *x = xasprintf("config-%s.xml", name);
	char *h = xasprintf("hacks-%s.sh", name);
	char *d = xasprintf("delete-hacks-%s.sh", name);
	bool hh = image_file_exists(dir, h), dd = image_file_exists(dir, d);

	out_str(t, xml_col, image_file_exists(dir, x) ? "ok" : "missing");
	out_str(t, xml_col + 1,
		hh && dd ? "create,delete" :
		hh	 ? "create" :
		dd	 ? "delete" :
			   "no hack files");
	free(x);
	free(h);
	free(d);
}

int images_main(int argc, char **argv)
{
	enum out_mode mode;
	struct fvm_conf *c;
	struct out_table *t;
	char **names;

	applet_args(&argc, &argv);
	mode = applet_out_mode(opt.json, opt.is_short);
	c = applet_conf();
	names = image_list();
	t = out_table_new(images_cols, I_COUNT);
	for (size_t i = 0; names[i]; i++) {
		char *disk = image_disk(names[i]);
		struct store_usage u = { 0 };
		char text[48], sha[65];

		if (store_usage(image_store(), disk, &u) < 0) {
			warning("%s", err_msg());
			err_clear();
		}
		snprintf(text, sizeof(text), "%.2fg(%6.2f%%)",
			 (double)u.size / (double)GIB,
			 u.size ? 100.0 * (double)u.allocated / (double)u.size :
				  0.0);
		out_row(t);
		out_str(t, I_NAME, names[i]);
		out_str(t, I_SIZE_TEXT, text);
		put_files(t, I_SYS_XML, c->system_dir, names[i]);
		put_files(t, I_USER_XML, c->user_dir, names[i]);
		out_int(t, I_SIZE, (long long)u.size);
		out_int(t, I_ALLOC, (long long)u.allocated);
		out_str(t, I_SHA, image_sha_read(disk, sha) == 0 ? sha : NULL);
		free(disk);
	}
	out_print_list(t, mode, stdout);
	out_table_free(t);
	for (size_t i = 0; names[i]; i++)
		free(names[i]);
	free(names);
	return 0;
}
