/* applets/profile_rm.c: `fvm profile-rm NAME`: remove a profile from the caller's config dir. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../cli/image.h"

/* the options' values (the table binds them) */
static struct {
	bool quiet, json;
} opt;

/* --json: one object */
enum { P_PROFILE, P_DIR, P_N };
static const struct out_col profile_rm_cols[] = {
	[P_PROFILE] = { "profile", "Profile", OUT_STR },
	[P_DIR] = { "dir", "Directory", OUT_STR },
};

static const struct opt profile_rm_opts[] = {
	OPT_JSON(&opt.json),
	OPT_QUIET(&opt.quiet, "print nothing but errors"),
	OPT_END(),
};

const struct applet_info profile_rm_info = {
	.usage = "NAME",
	.description =
		"Remove profile NAME, as fast-vm-image remove_profile does: "
		"the directory NAME with everything in it, from /etc/fast-vm "
		"for root, else from ~/.fast-vm. Its image and the VMs made "
		"with it stay; deleting such a VM later finds its image's "
		"delete-hacks file instead of the profile's.\n"
		"Exit status 3: neither directory holds profile NAME; 1: only "
		"the other one does (root removes profiles of /etc/fast-vm, "
		"each user those of ~/.fast-vm); 4: it is busy.",
	.opts = profile_rm_opts,
	.min_args = 1,
	.max_args = 1,
	.args = { OPT_C_PROFILE },
	.examples = "Remove profile web:\n"
		    "$ fvm profile-rm web",
	.see_also = "fvm-profiles(1)",
};

int profile_rm_main(int argc, char **argv)
{
	struct lock l = LOCK_INIT;
	bool quiet;
	const char *name, *dir;
	char *path, *aside;

	applet_args(&argc, &argv);
	quiet = opt.quiet || opt.json;
	name = argv[0];
	profile_check_name(name);
	dir = image_conf_dir();
	if (profile_lock(&l, name) < 0)
		die_err();
	if (!profile_exists(dir, name)) {
		const char *other = image_other_conf_dir();

		if (profile_exists(other, name))
			die(FVM_EXIT_FAIL,
			    "profile %s is in %s, not in %s: only %s removes "
			    "it there",
			    name, other, dir,
			    geteuid() == 0 ? "its user" : "root");
		die(FVM_EXIT_NOTFOUND, "profile %s not found (in %s or %s)",
		    name, dir, other);
	}
	path = xasprintf("%s/%s", dir, name);
	/* out of fvm create's sight in one step, then removed: an
	 * interrupted removal never leaves half a profile to use */
	aside = xasprintf("%s/.%s.fvm-profile-rm", dir, name);
	if (image_remove_tree(aside) < 0)
		die_err();
	if (rename(path, aside) < 0)
		die(FVM_EXIT_FAIL, "cannot remove %s: %s", path,
		    strerror(errno));
	if (image_remove_tree(aside) < 0) {
		warning("profile %s is gone, but %s stays: %s", name, aside,
			err_msg());
		err_clear();
	}
	if (!quiet)
		printf("profile %s removed (%s)\n", name, path);
	if (opt.json) {
		struct out_table *t = out_table_new(profile_rm_cols, P_N);

		out_str(t, P_PROFILE, name);
		out_str(t, P_DIR, path);
		out_print_record(t, OUT_JSON, stdout);
		out_table_free(t);
	}
	free(aside);
	free(path);
	lock_drop(&l);
	return 0;
}
