/* applets/profiles.c: `fvm profiles`: the profiles of both config dirs, as fast-vm-image list_profiles. */
#include <ctype.h>
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../lib/tmpl.h"
#include "../cli/image.h"

/* the options' values (the table binds them) */
static struct {
	bool is_short, json;
} opt;

static const struct opt profiles_opts[] = {
	OPT_BOOL('s', "short", &opt.is_short,
		 "profile names only, one a line (fast-vm's short)"),
	OPT_JSON(&opt.json),
	OPT_END(),
};

const struct applet_info profiles_info = {
	.usage = "",
	.description =
		"List the profiles with fast-vm-image list_profiles' columns: "
		"the profile's name, its base image and whether it brings its "
		"own XML template, hacks and delete-hacks (yes or no; a "
		"profile without hacks uses its image's). Profiles are the "
		"directories holding a base_image file in ~/.fast-vm and "
		"/etc/fast-vm; where both have one of a name, the user's "
		"wins, as in fvm create.\n"
		"--json gives the three as booleans and adds the profile's "
		"directory and which of the two it is in (user or system).",
	.opts = profiles_opts,
	.examples = "List the profiles, then their names only:\n"
		    "$ fvm profiles\n"
		    "$ fvm profiles -s",
	.see_also = "fvm-profile-import(1), fvm-images(1)",
};

enum { P_NAME, P_IMAGE, P_XML, P_HACKS, P_DHACKS, P_DIR, P_WHERE, P_COUNT };

/* fast-vm-image list_profiles: '%-20s|%-20s|%-5s|%-7s|%-14s' */
static const struct out_col profiles_cols[P_COUNT] = {
	[P_NAME] = { "name", "Profile Name", OUT_STR, 0, 20 },
	[P_IMAGE] = { "image", "Base Image Name", OUT_STR, 0, 20, 1 },
	[P_XML] = { "xml", "XML", OUT_BOOL, 0, 5, 1 },
	[P_HACKS] = { "hacks", "hacks", OUT_BOOL, 0, 7, 1 },
	[P_DHACKS] = { "delete_hacks", "delete-hacks", OUT_BOOL, 0, 14, 1 },
	[P_DIR] = { "dir", "Directory", OUT_STR, OUT_JSON_ONLY },
	[P_WHERE] = { "where", "Where", OUT_STR, OUT_JSON_ONLY },
};

struct prof {
	char *name;
	int where; /* 0 user, 1 system */
};

static int by_name(const void *a, const void *b)
{
	return strcmp(((const struct prof *)a)->name,
		      ((const struct prof *)b)->name);
}

int profiles_main(int argc, char **argv)
{
	enum out_mode mode;
	struct fvm_conf *c;
	struct out_table *t;
	struct prof *p = NULL;
	size_t n = 0, cap = 0;
	const char *dirs[2];

	applet_args(&argc, &argv);
	mode = applet_out_mode(opt.json, opt.is_short);
	c = applet_conf();
	dirs[0] = c->user_dir;
	dirs[1] = c->system_dir;
	for (int w = 0; w < 2; w++) {
		char **names = tmpl_profile_list(dirs[w]);

		for (char **nm = names; *nm; nm++) {
			bool seen = false;

			for (size_t i = 0; i < n; i++)
				if (!strcmp(p[i].name, *nm))
					seen = true;
			if (seen)
				continue;
			if (n == cap) {
				cap = cap ? 2 * cap : 16;
				p = xrealloc(p, cap * sizeof(*p));
			}
			p[n].name = xstrdup(*nm);
			p[n++].where = w;
		}
		strv_free(names);
	}
	if (n)
		qsort(p, n, sizeof(*p), by_name);
	t = out_table_new(profiles_cols, P_COUNT);
	for (size_t i = 0; i < n; i++) {
		struct tmpl_profile pr;

		tmpl_profile_read(dirs[p[i].where], p[i].name, p[i].where, &pr);
		err_clear();
		out_row(t);
		out_str(t, P_NAME, p[i].name);
		out_str(t, P_IMAGE, pr.base_image);
		out_bool(t, P_XML, pr.has_xml);
		out_bool(t, P_HACKS, pr.has_hacks);
		out_bool(t, P_DHACKS, pr.has_delete_hacks);
		out_str(t, P_DIR, pr.dir);
		out_str(t, P_WHERE, p[i].where ? "system" : "user");
		tmpl_profile_release(&pr);
		free(p[i].name);
	}
	out_print_list(t, mode, stdout);
	out_table_free(t);
	free(p);
	return 0;
}
