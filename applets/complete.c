/* applets/complete.c: `fvm complete -- WORDS`, asked by the bash completion. */
#include <ctype.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../lib/store.h"
#include "../lib/virt.h"
#include "../cli/applet.h"
#include "../cli/image.h"

const struct applet_info complete_info = {
	.usage = "-- COMMAND [WORD...] CURRENT",
	.description = "Print the candidates for the last word of a command "
		       "line, one per line. completions/fvm.bash calls this; "
		       "the answers come from the option tables and, for "
		       "images and VM numbers, from the live state.",
	.opts = NULL,
	.min_args = 1,
	.max_args = OPT_ARGS_ANY,
};

/* "name-12" is a VM disk, not an image (fast-vm's names never end so) */
static bool ends_in_number(const char *s)
{
	const char *dash = strrchr(s, '-');

	if (!dash || !dash[1])
		return false;
	for (const char *p = dash + 1; *p; p++)
		if (!isdigit((unsigned char)*p))
			return false;
	return true;
}

static void complete_images(const struct fvm_conf *c, const char *prefix,
			    const struct opt_completer *oc)
{
	struct store *s = store_open(c);
	char *want = xasprintf("%s%s", c->vm_prefix, prefix);
	char **names = s ? store_list(s, want) : NULL;
	size_t plen = strlen(c->vm_prefix);

	for (char **n = names; n && *n; n++)
		if (!ends_in_number(*n + plen))
			oc->emit(*n + plen, oc->ctx);
	store_list_free(names);
	free(want);
	if (s)
		store_close(s);
}

static void complete_profiles(const struct fvm_conf *c, const char *prefix,
			      const struct opt_completer *oc)
{
	const char *dirs[2] = { c->user_dir, c->system_dir };

	for (int i = 0; i < 2; i++) {
		DIR *d = opendir(dirs[i]);
		struct dirent *de;

		while (d && (de = readdir(d)))
			if (de->d_name[0] != '.' &&
			    str_starts(de->d_name, prefix) &&
			    profile_exists(dirs[i], de->d_name))
				oc->emit(de->d_name, oc->ctx);
		if (d)
			closedir(d);
	}
}

static void complete_vms(const struct fvm_conf *c, enum opt_complete kind,
			 const char *prefix, const struct opt_completer *oc)
{
	struct virt *v = virt_open(c, false);
	struct vm_entry *vms = NULL;
	size_t n = 0;
	char num[16];
	bool used[256] = { false };

	if (!v || virt_list_vms(v, c, false, &vms, &n) < 0) {
		if (v)
			virt_close(v);
		return;
	}
	for (size_t i = 0; i < n; i++) {
		bool running = vms[i].state == VIR_DOMAIN_RUNNING ||
			       vms[i].state == VIR_DOMAIN_PAUSED;

		if (vms[i].number >= 0 && vms[i].number < 256)
			used[vms[i].number] = true;
		if (kind == OPT_C_VM || (kind == OPT_C_VM_RUNNING && running) ||
		    (kind == OPT_C_VM_STOPPED && !running)) {
			snprintf(num, sizeof(num), "%d", vms[i].number);
			if (str_starts(num, prefix))
				oc->emit(num, oc->ctx);
		}
	}
	if (kind == OPT_C_VM_FREE)
		for (int k = c->vm_min; k <= c->vm_max; k++) {
			snprintf(num, sizeof(num), "%d", k);
			if (!used[k] && str_starts(num, prefix))
				oc->emit(num, oc->ctx);
		}
	virt_vms_free(vms, n);
	virt_close(v);
}

/* Live data for completion: errors only mean fewer candidates. */
static void live_source(const struct opt_completer *oc, enum opt_complete kind,
			const char *prefix)
{
	struct fvm_conf c;

	if (conf_load(&c) < 0) {
		conf_release(&c);
		return;
	}
	switch (kind) {
	case OPT_C_IMAGE:
		complete_images(&c, prefix, oc);
		break;
	case OPT_C_PROFILE:
		complete_profiles(&c, prefix, oc);
		break;
	case OPT_C_IMAGE_OR_PROFILE:
		complete_profiles(&c, prefix, oc);
		complete_images(&c, prefix, oc);
		break;
	case OPT_C_VM:
	case OPT_C_VM_FREE:
	case OPT_C_VM_RUNNING:
	case OPT_C_VM_STOPPED:
		complete_vms(&c, kind, prefix, oc);
		break;
	default:
		break;
	}
	conf_release(&c);
}

static void emit_line(const char *cand, void *ctx)
{
	(void)ctx;
	printf("%s\n", cand);
}

int complete_main(int argc, char **argv)
{
	struct opt_completer oc = { applets, applets_count, live_source,
				    emit_line, NULL };

	/* getopt eats the "--": what is left is the command line */
	applet_args(&argc, &argv);
	if (argc > 1 && fastvm_complete(&oc, argc, argv))
		return 0;
	if (argc == 1) {
		/* completing the first word after the command */
		char *words[2] = { argv[0], (char *)"" };

		opt_complete(&oc, 2, words);
		return 0;
	}
	opt_complete(&oc, argc, argv);
	return 0;
}
