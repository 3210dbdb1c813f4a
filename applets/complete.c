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
			    opt_emit_fn emit, void *ctx)
{
	struct store *s = store_open(c);
	char *want = xasprintf("%s%s", c->vm_prefix, prefix);
	char **names = s ? store_list(s, want) : NULL;
	size_t plen = strlen(c->vm_prefix);

	for (char **n = names; n && *n; n++)
		if (!ends_in_number(*n + plen))
			emit(*n + plen, ctx);
	store_list_free(names);
	free(want);
	if (s)
		store_close(s);
}

static void complete_profiles(const struct fvm_conf *c, const char *prefix,
			      opt_emit_fn emit, void *ctx)
{
	const char *dirs[2] = { c->user_dir, c->system_dir };

	for (int i = 0; i < 2; i++) {
		DIR *d = opendir(dirs[i]);
		struct dirent *de;

		while (d && (de = readdir(d)))
			if (de->d_name[0] != '.' &&
			    str_starts(de->d_name, prefix) &&
			    profile_exists(dirs[i], de->d_name))
				emit(de->d_name, ctx);
		if (d)
			closedir(d);
	}
}

static void complete_vms(const struct fvm_conf *c, enum opt_complete kind,
			 const char *prefix, opt_emit_fn emit, void *ctx)
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
				emit(num, ctx);
		}
	}
	if (kind == OPT_C_VM_FREE)
		for (int k = c->vm_min; k <= c->vm_max; k++) {
			snprintf(num, sizeof(num), "%d", k);
			if (!used[k] && str_starts(num, prefix))
				emit(num, ctx);
		}
	virt_vms_free(vms, n);
	virt_close(v);
}

/* Live data for completion: errors only mean fewer candidates. */
static void live_source(enum opt_complete kind, const char *prefix,
			opt_emit_fn emit, void *ctx)
{
	struct fvm_conf c;

	if (conf_load(&c) < 0) {
		conf_release(&c);
		return;
	}
	switch (kind) {
	case OPT_C_IMAGE:
		complete_images(&c, prefix, emit, ctx);
		break;
	case OPT_C_PROFILE:
		complete_profiles(&c, prefix, emit, ctx);
		break;
	case OPT_C_IMAGE_OR_PROFILE:
		complete_profiles(&c, prefix, emit, ctx);
		complete_images(&c, prefix, emit, ctx);
		break;
	case OPT_C_VM:
	case OPT_C_VM_FREE:
	case OPT_C_VM_RUNNING:
	case OPT_C_VM_STOPPED:
		complete_vms(&c, kind, prefix, emit, ctx);
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
	struct opt_state st = { 0 };
	const char *arg;

	while (applet_opt(&st, argc, argv, &arg) != -1)
		;
	argc -= st.ind;
	argv += st.ind;
	opt_set_completion_source(live_source);
	/* getopt has eaten the "--"; what is left is the command line */
	if (argc < 1)
		usage_error("no command line given");
	if (argc > 1 && fastvm_complete(argc, argv, emit_line, NULL))
		return 0;
	if (argc == 1) {
		/* completing the first word after the command */
		char *words[2] = { argv[0], (char *)"" };

		opt_complete(2, words, emit_line, NULL);
		return 0;
	}
	opt_complete(argc, argv, emit_line, NULL);
	return 0;
}
