/* compat/fastvm-complete.c: bash completion for the fast-vm and fast-vm-image personalities. */
#include <string.h>

#include "fastvm-priv.h"

/*
 * As fast-vm's and fast-vm-image's bash completion: the actions; images
 * (and, for create, profiles) where an image name goes; free numbers and
 * base for create; stopped VMs for start, running ones for stop, ssh,
 * console and the copies, any for the rest; the words an action takes
 * after its VM. Where a path goes nothing is offered, so the shell
 * completes file names.
 */
static const char *const fastvm_words =
	"create delete start stop console ssh scp rsync keydist edit_note "
	"resize info list disk_usage compact";
static const char *const image_words =
	"import import_custom export remove resize import_profile "
	"remove_profile list list_profiles compact verify gen_checksums";

static bool one_of(const char *s, const char *const *list)
{
	for (; *list; list++)
		if (!strcmp(s, *list))
			return true;
	return false;
}

static void complete_image(const struct opt_completer *c, const char *act,
			   int pos, const char *cur)
{
	static const char *const on_image[] = { "export", "remove",
						"resize", "compact",
						"verify", "gen_checksums",
						NULL };

	if (pos == 2 && one_of(act, on_image))
		opt_complete_kind(c, OPT_C_IMAGE, NULL, cur);
	else if (pos == 2 && !strcmp(act, "remove_profile"))
		opt_complete_kind(c, OPT_C_PROFILE, NULL, cur);
	else if (pos == 2 &&
		 (!strcmp(act, "list") || !strcmp(act, "list_profiles")))
		opt_complete_kind(c, OPT_C_WORDS, "short", cur);
	else if (pos == 3 && !strcmp(act, "export"))
		opt_complete_kind(c, OPT_C_WORDS, "zst xz gz", cur);
	else if (pos == 3 && !strcmp(act, "import_profile"))
		opt_complete_kind(c, OPT_C_IMAGE, NULL, cur);
}

bool fastvm_complete(const struct opt_completer *c, int nwords, char **words)
{
	static const char *const running[] = { "stop", "ssh",	"console",
					       "scp",  "rsync", "keydist",
					       NULL };
	static const char *const stopped[] = { "start", "resize", "compact",
					       NULL };
	static const char *const any[] = { "delete", "info", "edit_note",
					   NULL };
	const char *base = strrchr(words[0], '/'), *act, *cur;
	int pos;

	base = base ? base + 1 : words[0];
	if (strcmp(base, "fast-vm") && strcmp(base, "fast-vm-image"))
		return false;
	if (nwords < 2)
		return true;
	cur = words[nwords - 1];
	pos = nwords - 1; /* 1: the action */
	act = words[1];
	if (!strcmp(base, "fast-vm-image")) {
		if (pos == 1)
			opt_complete_kind(c, OPT_C_WORDS, image_words, cur);
		else
			complete_image(c, act, pos, cur);
		return true;
	}
	if (pos == 1) {
		opt_complete_kind(c, OPT_C_WORDS, fastvm_words, cur);
		return true;
	}
	/* 1.6's spellings of the image actions complete as the new ones */
	for (int i = 0; fastvm_renamed[i].old; i++)
		if (!strcmp(act, fastvm_renamed[i].old)) {
			complete_image(c, fastvm_renamed[i].new, pos, cur);
			return true;
		}
	if (!strcmp(act, "create")) {
		if (pos == 2)
			opt_complete_kind(c, OPT_C_IMAGE_OR_PROFILE, NULL, cur);
		else if (pos == 3) {
			opt_complete_kind(c, OPT_C_WORDS, "base", cur);
			opt_complete_kind(c, OPT_C_VM_FREE, NULL, cur);
		}
		return true;
	}
	if (!strcmp(act, "list")) {
		if (pos == 2)
			opt_complete_kind(c, OPT_C_WORDS, "all active inactive",
					  cur);
		else if (pos == 3)
			opt_complete_kind(c, OPT_C_WORDS, "short", cur);
		return true;
	}
	if (pos == 2) {
		if (one_of(act, running))
			opt_complete_kind(c, OPT_C_VM_RUNNING, NULL, cur);
		else if (one_of(act, stopped))
			opt_complete_kind(c, OPT_C_VM_STOPPED, NULL, cur);
		else if (one_of(act, any))
			opt_complete_kind(c, OPT_C_VM, NULL, cur);
		else if (!strcmp(act, "disk_usage")) {
			opt_complete_kind(c, OPT_C_WORDS, "all", cur);
			opt_complete_kind(c, OPT_C_VM, NULL, cur);
		}
	} else if (pos == 3 && !strcmp(act, "start"))
		opt_complete_kind(c, OPT_C_WORDS, "console ssh", cur);
	else if (pos == 3 && !strcmp(act, "stop"))
		opt_complete_kind(c, OPT_C_WORDS, "graceful", cur);
	return true;
}
