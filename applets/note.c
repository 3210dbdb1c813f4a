/* applets/note.c: `fvm note N [TEXT]`: the note list shows beside a VM. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../lib/log.h"
#include "../cli/vm.h"

struct note_ctx {
	const char *text;
	bool quiet, json;
};

/* the options' values and the run's context (the table binds them) */
static struct note_ctx opt;

/* --json: the note each VM has now */
enum { N_NUMBER, N_NAME, N_NOTE };
static const struct out_col note_cols[] = {
	[N_NUMBER] = { "number", "VM#", OUT_INT },
	[N_NAME] = { "name", "Name", OUT_STR },
	[N_NOTE] = { "note", "Note", OUT_STR },
};
static struct vm_results results;

static const struct opt note_opts[] = {
	OPT_JSON(&opt.json),
	OPT_QUIET(&opt.quiet, "print nothing but errors"),
	APPLET_OPT_CONNECT,
	OPT_END(),
};

const struct applet_info note_info = {
	.usage = "N... [-- TEXT...]",
	.description =
		"Set the note of VM number N to TEXT (the words joined by "
		"blanks), in its description and its title as fast-vm's "
		"edit_note does. Without TEXT, the note opens in $VISUAL or "
		"$EDITOR (vi when unset). An empty TEXT ('') clears it. With "
		"several VMs TEXT must follow --.\n"
		"Exit status 3: no VM N.",
	.opts = note_opts,
	.min_args = 1,
	.max_args = OPT_ARGS_ANY,
	.args = { OPT_C_VM },
	.examples =
		"Set the note of VM 42, clear it, then edit it in $EDITOR:\n"
		"$ fvm note 42 -- waiting for review\n"
		"$ fvm note 42 -- ''\n"
		"$ fvm note 42",
	.environment =
		"VISUAL\tThe editor for a note without TEXT.\n"
		"EDITOR\tThe editor when VISUAL is unset (vi when both are).",
	.see_also = "fvm-list(1)",
};

/* run the user's editor on path: $VISUAL or $EDITOR split on blanks,
 * never through a shell */
static int edit_file(const char *path)
{
	const char *ed = getenv("VISUAL");
	char *copy, *argv[32], *save = NULL;
	int argc = 0, st;
	pid_t pid;

	if (!ed || !*ed)
		ed = getenv("EDITOR");
	if (!ed || !*ed)
		ed = "vi";
	copy = xstrdup(ed);
	for (char *w = strtok_r(copy, " \t", &save); w && argc < 30;
	     w = strtok_r(NULL, " \t", &save))
		argv[argc++] = w;
	argv[argc++] = (char *)path;
	argv[argc] = NULL;
	pid = fork();
	if (pid == 0) {
		execvp(argv[0], argv);
		_exit(127);
	}
	free(copy);
	if (pid < 0 || waitpid(pid, &st, 0) < 0)
		return err_sys(FVM_EXIT_FAIL, "cannot run the editor");
	if (!WIFEXITED(st) || WEXITSTATUS(st))
		return err_set(FVM_EXIT_FAIL, "the editor %s failed%s", ed,
			       WIFEXITED(st) && WEXITSTATUS(st) == 127 ?
				       " (not found)" :
				       "");
	return 0;
}

static char *note_from_editor(const char *current)
{
	char path[] = "/tmp/fvm-note.XXXXXX";
	struct sbuf sb = SBUF_INIT;
	char buf[4096];
	ssize_t k;
	int fd = mkstemp(path);

	if (fd < 0) {
		err_sys(FVM_EXIT_FAIL, "cannot make a temporary file");
		return NULL;
	}
	if (write(fd, current, strlen(current)) < 0 || close(fd) < 0 ||
	    edit_file(path) < 0) {
		unlink(path);
		return NULL;
	}
	fd = open(path, O_RDONLY | O_CLOEXEC);
	while (fd >= 0 && (k = read(fd, buf, sizeof(buf))) > 0)
		sbuf_add(&sb, buf, (size_t)k);
	if (fd >= 0)
		close(fd);
	unlink(path);
	/* a note is one line in the title: newlines become blanks */
	for (size_t i = 0; i < sb.len; i++)
		if (sb.s[i] == '\n' || sb.s[i] == '\r')
			sb.s[i] = ' ';
	while (sb.len && sb.s[sb.len - 1] == ' ')
		sb.s[--sb.len] = '\0';
	return sbuf_detach(&sb);
}

static int note_one(int n, void *ctx)
{
	struct note_ctx *x = ctx;
	struct vm_entry e = { 0 };
	struct lock l = LOCK_INIT;
	char *text = NULL;
	int rc = 0;

	if (vm_lock(&l, n) < 0)
		return report_err();
	if (virt_find_vm(vm_virt(false), applet_conf(), n, &e) < 0) {
		lock_drop(&l);
		return report_err();
	}
	text = x->text ? xstrdup(x->text) :
			 note_from_editor(e.has_meta ? e.meta.note : "");
	if (!text) {
		rc = report_err();
		goto out;
	}
	/* vm_touch gives a VM without metadata fast-vm's first */
	if (vm_touch(&e) < 0) {
		rc = report_err();
		goto out;
	}
	free(e.meta.note);
	e.meta.note = text;
	text = NULL;
	if (virt_set_meta(e.dom, n, &e.meta) < 0)
		rc = report_err();
	else if (x->json) {
		struct out_table *t = vm_results_row(&results, n);

		out_str(t, N_NAME, e.name);
		out_str(t, N_NOTE, e.meta.note);
		vm_results_unlock(&results);
	} else if (!x->quiet)
		printf("VM %d: note set\n", n);
	if (rc == 0)
		log_vm(applet_conf(), LOG_INFO, n, "VM '%s' note set: %s",
		       e.name, e.meta.note);
out:
	free(text);
	virt_vm_release(&e);
	lock_drop(&l);
	return rc;
}

/*
 * Where the first "--" of the command line is: getopt takes it as the
 * end of the options and drops it, so the word after it (*next, NULL
 * when it is the last word) is where the text begins. false: no "--".
 */
static bool find_dashes(int argc, char **argv, const char **next)
{
	for (int i = 1; i < argc; i++)
		if (!strcmp(argv[i], "--")) {
			*next = i + 1 < argc ? argv[i + 1] : NULL;
			return true;
		}
	return false;
}

int note_main(int argc, char **argv)
{
	struct sbuf sb = SBUF_INIT;
	struct vmlist l;
	const char *next = NULL;
	bool dashes = find_dashes(argc, argv, &next);
	int rc, nums = 1, i;

	applet_args(&argc, &argv);
	/* numbers, then the "--" getopt dropped: the rest is the text */
	for (i = 0; dashes && i < argc && argv[i] != next; i++)
		;
	if (dashes && i > 0) {
		nums = i;
		for (int k = i; k < argc; k++)
			sbuf_addf(&sb, "%s%s", k > i ? " " : "", argv[k]);
		opt.text = sb.s ? sb.s : "";
		goto parsed;
	}
	/* "--" before the numbers ends the options; a second one
	 * separates numbers from text */
	for (i = 0; i < argc && argv[i] && strcmp(argv[i], "--"); i++)
		;
	if (i < argc) {
		nums = i;
		for (int k = i + 1; k < argc; k++)
			sbuf_addf(&sb, "%s%s", k > i + 1 ? " " : "", argv[k]);
		opt.text = sb.s ? sb.s : "";
	} else if (argc > 1) {
		for (int k = 1; k < argc; k++)
			sbuf_addf(&sb, "%s%s", k > 1 ? " " : "", argv[k]);
		opt.text = sb.s ? sb.s : "";
	}
parsed:
	if (opt.text && strpbrk(opt.text, "\n\r"))
		usage_error("a note is one line");
	vm_parse_numbers(nums, argv, &l);
	if (!opt.text && l.len > 1)
		usage_error("the editor edits one VM's note at a time");
	if (opt.json)
		vm_results_init(&results, note_cols, 3);
	rc = vm_run_each(&l, note_one, &opt, "noted", opt.quiet || opt.json);
	if (opt.json)
		vm_results_print(&results);
	vmlist_release(&l);
	sbuf_release(&sb);
	return rc;
}
