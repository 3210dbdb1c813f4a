/* applets/fastvm.c: the fast-vm and fast-vm-image personalities: fast-vm 1.7's command lines on fvm's applets. */
#include <ctype.h>
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "vm.h"

/*
 * fast-vm's scripts parse its stdout, so where the personality speaks
 * for itself it speaks as fast-vm did: on stdout, every line starting
 * with the VM number (or __) and the first with the level, e.g.
 * "[42][inf] IP: 192.168.22.42". The applets it runs keep their own
 * messages on stderr.
 */
__attribute__((format(printf, 3, 4))) static void pmsg(const char *tag, int n,
							const char *fmt, ...)
{
	char vmn[16], *msg, *line, *save = NULL;
	va_list ap;
	bool first = true;

	if (n >= 0)
		snprintf(vmn, sizeof(vmn), "%d", n);
	else
		strcpy(vmn, "__");
	va_start(ap, fmt);
	if (vasprintf(&msg, fmt, ap) < 0)
		msg = NULL;
	va_end(ap);
	if (!msg)
		return;
	for (line = strtok_r(msg, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		if (first)
			printf("[%s][%s] %s\n", vmn, tag, line);
		else
			printf("[%s]%s\n", vmn, line);
		first = false;
	}
	free(msg);
	fflush(stdout);
}

/* ---- usage, as fast-vm 1.7 words it ---- */

struct usage_line {
	const char *action;
	const char *text;
	bool deprecated;
};

#define VMS "<VmNumber|'VmNumber1 VmNumber2 ...'>"

/* in the order fast-vm 1.7's full usage prints them */
static const struct usage_line fastvm_usage[] = {
	{ "import_image", "ImageName <empty |PathToImage> PathToLibvirtXML [PathToHacksFile] [PathToDeleteHackFile]", true },
	{ "import_custom_image", "ImageSizeInGiB ImageName <empty |PathToImage> PathToLibvirtXML [PathToHacksFile] [PathToDeleteHackFile]", true },
	{ "export_image", "ImageName [ <zst|xz|gz> ]", true },
	{ "remove_image", "ImageName", true },
	{ "resize_image", "ImageName NewImageSizeInGiB", true },
	{ "import_profile", "ProfileName ImageName PathToLibvirtXML [PathToHacksFile] [PathToDeleteHackFile]", true },
	{ "remove_profile", "ProfileName", true },
	{ "list_images", "[short]", true },
	{ "create", "<ImageName|ProfileName> <base|VmNumber|'VmNumber1 VmNumber2 ...'> [PathToLibvirtXML] [PathToHacksFile]", false },
	{ "delete", VMS " [PathToDeleteHackFile]", false },
	{ "edit_note", VMS " [NoteText]", false },
	{ "resize", VMS " NewSizeInGiB", false },
	{ "info", VMS, false },
	{ "list", "[all|active|inactive [short]]", false },
	{ "list_profiles", "[short]", true },
	{ "start", VMS " [console|ssh [/path/to/custom/script]]", false },
	{ "stop", VMS " [graceful]", false },
	{ "console", "VmNumber", false },
	{ "keydist", VMS, false },
	{ "ssh", VMS " [/path/to/custom/script]", false },
	{ "scp", VMS " < vm:/remote/sourcefile|/local/sourcefile /local/destfile|vm:/remote/destfile ...>", false },
	{ "disk_usage", "[ <all|VmNumber > ]", false },
	{ "compact", VMS, false },
	{ "compact_image", "ImageName", true },
	{ NULL, NULL, false }
};

static const struct usage_line image_usage[] = {
	{ "import", "ImageName <empty |PathToImage> PathToLibvirtXML [PathToHacksFile] [PathToDeleteHackFile]", false },
	{ "import_custom", "ImageSizeInGiB ImageName <empty |PathToImage> PathToLibvirtXML [PathToHacksFile] [PathToDeleteHackFile]", false },
	{ "export", "ImageName [ <zst|xz|gz> ]", false },
	{ "remove", "ImageName", false },
	{ "resize", "ImageName NewImageSizeInGiB", false },
	{ "import_profile", "ProfileName ImageName PathToLibvirtXML [PathToHacksFile] [PathToDeleteHackFile]", false },
	{ "remove_profile", "ProfileName", false },
	{ "list", "[short]", false },
	{ "list_profiles", "[short]", false },
	{ "compact", "ImageName", false },
	{ "verify", "ImageName [ PathToCheksumsDir ]", false },
	{ "gen_checksums", "ImageName", false },
	{ NULL, NULL, false }
};

/* the personality being run: "fast-vm" or "fast-vm-image" */
static const char *me = "fast-vm";
static const struct usage_line *usage_table = fastvm_usage;

static void usage_of(const struct usage_line *u)
{
	printf("%s%s %s %s\n", u->deprecated ? "(deprecated) " : "", me,
	       u->action, u->text);
}

/* fast-vm's usage(): one action's line, or everything; always exit 1 */
static int usage(const char *action)
{
	for (const struct usage_line *u = usage_table; action && u->action;
	     u++)
		if (!strcmp(u->action, action)) {
			usage_of(u);
			fflush(stdout);
			return FVM_EXIT_FAIL;
		}
	/* the version is fvm's; 1.7 is the fast-vm it speaks for */
	printf("== %s version 1.7 (fvm %s) ==\n", me, fvm_version);
	printf("%s <action> <options>\n", me);
	for (const struct usage_line *u = usage_table; u->action; u++)
		usage_of(u);
	fflush(stdout);
	return FVM_EXIT_FAIL;
}

/* ---- running fvm's applets ---- */

/*
 * Run an fvm applet on args in a child process: applets exit on usage
 * and configuration errors with fvm's codes, which must be turned into
 * fast-vm's (almost always 1; notfound_rc for a missing image, which
 * fast-vm reports with 2). The applet runs in-process code, no exec.
 */
static int run_applet(const char *name, struct strv *args, int notfound_rc)
{
	const struct applet *ap = applet_find(name);
	struct sigaction ign = { .sa_handler = SIG_IGN }, old_int, old_quit;
	int st, rc;
	pid_t pid;

	if (!ap) {
		pmsg("err", -1, "fvm has no applet %s", name);
		return FVM_EXIT_FAIL;
	}
	fflush(stdout);
	fflush(stderr);
	pid = fork();
	if (pid < 0) {
		pmsg("err", -1, "cannot fork: %s", strerror(errno));
		return FVM_EXIT_FAIL;
	}
	if (pid == 0) {
		static char pname[64];

		snprintf(pname, sizeof(pname), "fvm-%s", ap->name);
		prog_name = pname;
		current_applet = ap;
		rc = ap->main((int)args->n, args->v);
		if (fflush(stdout) != 0 && !rc)
			rc = FVM_EXIT_FAIL;
		exit(rc);
	}
	/* Ctrl-C is the applet's to handle (it rolls back); wait for it */
	sigaction(SIGINT, &ign, &old_int);
	sigaction(SIGQUIT, &ign, &old_quit);
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	sigaction(SIGINT, &old_int, NULL);
	sigaction(SIGQUIT, &old_quit, NULL);
	if (!WIFEXITED(st))
		return FVM_EXIT_FAIL;
	rc = WEXITSTATUS(st);
	if (rc == FVM_EXIT_OK)
		return 0;
	return rc == FVM_EXIT_NOTFOUND ? notfound_rc : FVM_EXIT_FAIL;
}

/* args for an applet: its name first, as argv[0] */
static void args_init(struct strv *a, const char *name)
{
	a->v = NULL;
	a->n = a->cap = 0;
	strv_push(a, name);
}

static int run_args(const char *name, int notfound_rc, ...)
{
	struct strv a;
	va_list ap;
	const char *s;
	int rc;

	args_init(&a, name);
	va_start(ap, notfound_rc);
	while ((s = va_arg(ap, const char *)))
		strv_push(&a, s);
	va_end(ap);
	rc = run_applet(name, &a, notfound_rc);
	strv_release(&a);
	return rc;
}

static struct fvm_conf conf;

/* fast-vm checks its configuration before any action; a bad one is 2 */
static int load_conf(void)
{
	if (conf_load(&conf) < 0) {
		pmsg("err", -1, "%s", err_msg());
		return FVM_EXIT_USAGE;
	}
	return 0;
}

/* ---- VM numbers ---- */

static bool is_number(const char *s)
{
	if (*s == '+' || *s == '-')
		s++;
	if (!*s)
		return false;
	for (; *s; s++)
		if (!isdigit((unsigned char)*s))
			return false;
	return true;
}

/* The numbers of a fast-vm VM argument ('21 22'); NULL after reporting a
 * bad one. fast-vm's multi-VM syntax is blank-separated numbers only. */
static int *parse_vms(const char *arg, const char *action, size_t *count)
{
	char *copy = xstrdup(arg), *w, *save = NULL;
	int *nums = NULL;
	size_t n = 0;

	for (w = strtok_r(copy, " \t", &save); w;
	     w = strtok_r(NULL, " \t", &save)) {
		long v = strtol(w, NULL, 10);

		if (!is_number(w)) {
			pmsg("err", -1,
			     "only numbers from range %d-%d permitted here",
			     conf.vm_min, conf.vm_max);
			goto bad;
		}
		if (v < conf.vm_min || v > conf.vm_max) {
			pmsg("err", -1, "VM number out of range (%d-%d)",
			     conf.vm_min, conf.vm_max);
			goto bad;
		}
		nums = xrealloc(nums, (n + 1) * sizeof(*nums));
		nums[n++] = (int)v;
	}
	free(copy);
	if (!n) {
		pmsg("err", -1, "VM number missing");
		usage(action);
		free(nums);
		return NULL;
	}
	*count = n;
	return nums;
bad:
	free(copy);
	free(nums);
	usage(action);
	return NULL;
}

/* The domain name of VM n, or NULL (a private connection, closed before
 * any applet is forked). */
static char *vm_domain_name(int n)
{
	struct virt *v = virt_open(&conf, false);
	struct vm_entry e = { 0 };
	char *name = NULL;

	if (v && virt_find_vm(v, &conf, n, &e) == 0) {
		name = xstrdup(e.name);
		virt_vm_release(&e);
	}
	if (v)
		virt_close(v);
	err_clear();
	return name;
}

/* fast-vm's check_vm_number: every VM exists and is not in the state
 * the action cannot work on (inactive: stopped, active: running) */
static int check_vms(const int *nums, size_t count, const char *forbidden)
{
	struct virt *v = virt_open(&conf, false);
	int rc = 0;

	for (size_t i = 0; v && i < count && !rc; i++) {
		struct vm_entry e = { 0 };
		bool active;

		if (virt_find_vm(v, &conf, nums[i], &e) < 0) {
			pmsg("err", nums[i], "no VM with number '%d' found",
			     nums[i]);
			rc = FVM_EXIT_FAIL;
			break;
		}
		active = e.state == VIR_DOMAIN_RUNNING ||
			 e.state == VIR_DOMAIN_PAUSED ||
			 e.state == VIR_DOMAIN_BLOCKED;
		if (forbidden && active == !strcmp(forbidden, "active")) {
			pmsg("err", nums[i], "VM with number '%d' is %s",
			     nums[i], forbidden);
			rc = FVM_EXIT_FAIL;
		}
		virt_vm_release(&e);
	}
	if (!v) {
		pmsg("err", -1, "%s", err_msg());
		rc = FVM_EXIT_FAIL;
	} else
		virt_close(v);
	err_clear();
	return rc;
}

/* fast-vm's summary of a multi-VM call */
static int summary(size_t count, int errors)
{
	if (count < 2)
		return errors ? FVM_EXIT_FAIL : 0;
	if (errors) {
		pmsg("err", -1, "Some (%d) operations reported errors", errors);
		return FVM_EXIT_FAIL;
	}
	pmsg("ok", -1, "All operations returned successfully");
	return 0;
}

/* ---- fast-vm actions; argv[0] is the action ---- */

static int not_supported(int argc, char **argv)
{
	(void)argc;
	pmsg("err", -1, "'%s %s' is not supported yet by fvm", me, argv[0]);
	return FVM_EXIT_FAIL;
}

static int fv_create(int argc, char **argv)
{
	struct strv a;
	int *nums = NULL, rc, errors = 0;
	size_t count = 0;
	bool base;

	if (argc < 2 || !*argv[1]) {
		pmsg("err", -1, "missing image or profile name");
		return usage("create");
	}
	base = argc >= 3 && !strcmp(argv[2], "base");
	if (!base) {
		if (argc < 3 || (!is_number(argv[2]) && !strchr(argv[2], ' '))) {
			pmsg("err", -1,
			     "only numbers from range %d-%d and word 'base' "
			     "permitted here",
			     conf.vm_min, conf.vm_max);
			return usage("create");
		}
		nums = parse_vms(argv[2], "create", &count);
		if (!nums)
			return FVM_EXIT_FAIL;
	}
	args_init(&a, "create");
	strv_push(&a, "-q");
	if (argc >= 4 && *argv[3]) {
		strv_push(&a, "--xml");
		strv_push(&a, argv[3]);
	}
	if (argc >= 5 && *argv[4]) {
		strv_push(&a, "--hacks");
		strv_push(&a, argv[4]);
	}
	strv_push(&a, "--");
	strv_push(&a, argv[1]);
	strv_push(&a, argv[2]);
	rc = run_applet("create", &a, FVM_EXIT_USAGE);
	strv_release(&a);
	if (base)
		return rc;
	/* what exists now tells which of several VMs were made */
	for (size_t i = 0; i < count; i++) {
		char *name = vm_domain_name(nums[i]);

		if (name && (!rc || count > 1))
			pmsg("ok", nums[i], "VM '%s' created", name);
		else
			errors++;
		free(name);
	}
	free(nums);
	if (count < 2)
		return rc;
	return summary(count, rc ? (errors ? errors : 1) : 0);
}

static int fv_delete(int argc, char **argv)
{
	struct strv a;
	char **names;
	int *nums, rc, errors = 0;
	size_t count;

	nums = parse_vms(argc > 1 ? argv[1] : "", "delete", &count);
	if (!nums)
		return FVM_EXIT_FAIL;
	names = xcalloc(count, sizeof(*names));
	for (size_t i = 0; i < count; i++) {
		names[i] = vm_domain_name(nums[i]);
		if (!names[i])
			pmsg("err", nums[i], "no VM with number '%d' found",
			     nums[i]);
	}
	args_init(&a, "delete");
	strv_push(&a, "-q");
	if (argc >= 3 && *argv[2]) {
		strv_push(&a, "--hacks");
		strv_push(&a, argv[2]);
	}
	strv_push(&a, "--");
	rc = FVM_EXIT_FAIL;
	for (size_t i = 0; i < count; i++)
		if (names[i]) {
			strv_pushf(&a, "%d", nums[i]);
			rc = 0;
		}
	if (!rc)
		rc = run_applet("delete", &a, FVM_EXIT_FAIL);
	strv_release(&a);
	for (size_t i = 0; i < count; i++) {
		char *left = names[i] ? vm_domain_name(nums[i]) : NULL;

		if (names[i] && !left)
			pmsg("ok", nums[i], "VM '%s' deleted", names[i]);
		else
			errors++;
		free(left);
		free(names[i]);
	}
	free(names);
	free(nums);
	if (count < 2)
		return errors ? FVM_EXIT_FAIL : rc;
	return summary(count, errors);
}

/* fast-vm's `ssh N SCRIPT` and `start N ssh SCRIPT`: wait for the VM's
 * ssh, then run SCRIPT IP locally, its lines prefixed with [N] */
static int run_script(int *nums, size_t count, const char *script)
{
	int errors = 0;

	if (access(script, X_OK) < 0) {
		pmsg("err", count == 1 ? nums[0] : -1, "%s not executable",
		     script);
		return FVM_EXIT_FAIL;
	}
	for (size_t i = 0; i < count; i++) {
		char num[16], ip[16];
		char *sargv[3];

		snprintf(num, sizeof(num), "%d", nums[i]);
		vm_ip(&conf, nums[i], ip);
		pmsg("inf", nums[i],
		     "checking the %s for active SSH connection (ctrl+c to "
		     "interrupt)",
		     ip);
		if (run_args("wait", FVM_EXIT_FAIL, "-q", "--state", "ssh",
			     num, NULL)) {
			errors++;
			continue;
		}
		pmsg("inf", nums[i], "SSH ready");
		sargv[0] = (char *)script;
		sargv[1] = ip;
		sargv[2] = NULL;
		if (vm_run_prefixed(nums[i], sargv) != 0) {
			err_clear();
			errors++;
		}
	}
	return summary(count, errors);
}

static int fv_start(int argc, char **argv)
{
	const char *then = argc >= 3 ? argv[2] : "";
	int *nums, rc;
	size_t count;

	nums = parse_vms(argc > 1 ? argv[1] : "", "start", &count);
	if (!nums)
		return FVM_EXIT_FAIL;
	if (*then && strcmp(then, "console") && strcmp(then, "ssh")) {
		free(nums);
		return usage("start");
	}
	if (!strcmp(then, "console") && count > 1) {
		pmsg("err", -1,
		     "When running start as part of multiple operations the "
		     "console option is not available.");
		free(nums);
		return FVM_EXIT_FAIL;
	}
	if (!strcmp(then, "ssh") && count > 1 && argc < 4) {
		pmsg("err", -1,
		     "When running start as part of multiple operations the "
		     "ssh option requires a script.");
		free(nums);
		return FVM_EXIT_FAIL;
	}
	if (check_vms(nums, count, "active")) {
		free(nums);
		return FVM_EXIT_FAIL;
	}
	if (!strcmp(then, "console"))
		rc = run_args("start", FVM_EXIT_FAIL, "--console", "--",
			      argv[1], NULL);
	else if (!strcmp(then, "ssh") && argc < 4)
		rc = run_args("start", FVM_EXIT_FAIL, "--ssh", "--", argv[1],
			      NULL);
	else
		rc = run_args("start", FVM_EXIT_FAIL, "--", argv[1], NULL);
	if (!rc && !strcmp(then, "ssh") && argc >= 4)
		rc = run_script(nums, count, argv[3]);
	free(nums);
	return rc;
}

static int fv_stop(int argc, char **argv)
{
	int *nums;
	size_t count;

	nums = parse_vms(argc > 1 ? argv[1] : "", "stop", &count);
	if (!nums)
		return FVM_EXIT_FAIL;
	if (check_vms(nums, count, "inactive")) {
		free(nums);
		return FVM_EXIT_FAIL;
	}
	free(nums);
	/* fast-vm's graceful only sends the ACPI event */
	if (argc >= 3 && !strcmp(argv[2], "graceful"))
		return run_args("stop", FVM_EXIT_FAIL, "--graceful",
				"--timeout", "0", "--", argv[1], NULL);
	return run_args("stop", FVM_EXIT_FAIL, "--", argv[1], NULL);
}

/* actions that take VM numbers and nothing else */
static int fv_vms_only(int argc, char **argv, const char *applet)
{
	int *nums;
	size_t count;

	nums = parse_vms(argc > 1 ? argv[1] : "", argv[0], &count);
	if (!nums)
		return FVM_EXIT_FAIL;
	free(nums);
	return run_args(applet, FVM_EXIT_FAIL, "--", argv[1], NULL);
}

static int fv_console(int argc, char **argv)
{
	return fv_vms_only(argc, argv, "console");
}

static int fv_keydist(int argc, char **argv)
{
	return fv_vms_only(argc, argv, "keydist");
}

static int fv_ssh(int argc, char **argv)
{
	int *nums, rc;
	size_t count;

	nums = parse_vms(argc > 1 ? argv[1] : "", "ssh", &count);
	if (!nums)
		return FVM_EXIT_FAIL;
	if (argc >= 3 && *argv[2])
		rc = run_script(nums, count, argv[2]);
	else if (count > 1) {
		pmsg("err", -1,
		     "When running ssh as part of multiple operations the "
		     "script must be specified.");
		rc = FVM_EXIT_FAIL;
	} else
		rc = run_args("ssh", FVM_EXIT_FAIL, argv[1], NULL);
	free(nums);
	return rc;
}

/* scp and rsync: VM number, then the tool's own arguments */
static int fv_copy(int argc, char **argv, const char *applet)
{
	struct strv a;
	int *nums, rc;
	size_t count;

	nums = parse_vms(argc > 1 ? argv[1] : "", argv[0], &count);
	if (!nums)
		return FVM_EXIT_FAIL;
	free(nums);
	if (argc < 4) {
		pmsg("err", -1,
		     "%s requires a sourcepath and destination path to copy",
		     argv[0]);
		return FVM_EXIT_FAIL;
	}
	args_init(&a, applet);
	strv_push(&a, argv[1]);
	/* fast-vm always copied recursively */
	if (!strcmp(applet, "scp"))
		strv_push(&a, "-r");
	for (int i = 2; i < argc; i++)
		strv_push(&a, argv[i]);
	rc = run_applet(applet, &a, FVM_EXIT_FAIL);
	strv_release(&a);
	return rc;
}

static int fv_scp(int argc, char **argv)
{
	return fv_copy(argc, argv, "scp");
}

static int fv_rsync(int argc, char **argv)
{
	return fv_copy(argc, argv, "rsync");
}

static int fv_edit_note(int argc, char **argv)
{
	struct strv a;
	int *nums, rc;
	size_t count;

	nums = parse_vms(argc > 1 ? argv[1] : "", "edit_note", &count);
	if (!nums)
		return FVM_EXIT_FAIL;
	free(nums);
	if (argc < 3 && count > 1) {
		pmsg("err", -1,
		     "When running edit_note as part of multiple operations "
		     "the note must be specified as argument.");
		return FVM_EXIT_FAIL;
	}
	args_init(&a, "note");
	strv_push(&a, "-q");
	strv_push(&a, argv[1]);
	if (argc >= 3) {
		strv_push(&a, "--");
		for (int i = 2; i < argc; i++)
			strv_push(&a, argv[i]);
	}
	rc = run_applet("note", &a, FVM_EXIT_FAIL);
	strv_release(&a);
	return rc;
}

static int fv_compact(int argc, char **argv)
{
	if (argc < 2 || !*argv[1])
		return usage("compact");
	return run_args("compact", FVM_EXIT_FAIL, "--", argv[1], NULL);
}

static int fv_resize(int argc, char **argv)
{
	int *nums, errors = 0;
	size_t count;
	char size[32];

	nums = parse_vms(argc > 1 ? argv[1] : "", "resize", &count);
	if (!nums)
		return FVM_EXIT_FAIL;
	if (argc < 3 || !*argv[2] || strspn(argv[2], "0123456789") !=
					     strlen(argv[2])) {
		free(nums);
		pmsg("err", -1, "invalid size. Use only whole decimal numbers");
		return usage("resize");
	}
	snprintf(size, sizeof(size), "%sG", argv[2]);
	for (size_t i = 0; i < count; i++) {
		char num[16];

		snprintf(num, sizeof(num), "%d", nums[i]);
		pmsg("inf", nums[i], "resizing VM %d disk to %sG", nums[i],
		     argv[2]);
		/* fast-vm's lvresize -f shrinks too */
		if (run_args("resize", FVM_EXIT_FAIL, "-q", "--force", "--",
			     num, size, NULL) == 0) {
			pmsg("ok", nums[i], "VM %d resize to %sG succeeded.",
			     nums[i], argv[2]);
		} else {
			pmsg("err", nums[i],
			     "Resize failed. Check logs for more details");
			errors++;
		}
	}
	free(nums);
	return summary(count, errors);
}

/* fast-vm's info is two lines; fvm info tells more */
static int fv_info(int argc, char **argv)
{
	struct virt *v;
	int *nums, errors = 0;
	size_t count;

	nums = parse_vms(argc > 1 ? argv[1] : "", "info", &count);
	if (!nums)
		return FVM_EXIT_FAIL;
	v = virt_open(&conf, false);
	if (!v) {
		pmsg("err", -1, "%s", err_msg());
		free(nums);
		return FVM_EXIT_FAIL;
	}
	for (size_t i = 0; i < count; i++) {
		struct vm_entry e = { 0 };
		char ip[16];

		if (virt_find_vm(v, &conf, nums[i], &e) < 0) {
			pmsg("err", nums[i], "no VM with number '%d' found",
			     nums[i]);
			err_clear();
			errors++;
			continue;
		}
		/* as fast-vm, asking counts as activity */
		if (!e.has_meta)
			pmsg("wrn", nums[i],
			     "VM without valid metadata! Creating empty "
			     "metadata and changing ownership of VM to 'root'");
		e.has_meta = true;
		if (!e.meta.owner)
			e.meta.owner = xstrdup("root");
		if (!e.meta.note)
			e.meta.note = xstrdup("");
		e.meta.activity = time(NULL);
		if (virt_set_meta(e.dom, e.number, &e.meta) < 0)
			err_clear();
		vm_ip(&conf, nums[i], ip);
		pmsg("inf", nums[i], "IP: %s", ip);
		pmsg("inf", nums[i], "vm_name: %s", e.name);
		virt_vm_release(&e);
	}
	virt_close(v);
	free(nums);
	return summary(count, errors);
}

static int cmp_int(const void *a, const void *b)
{
	return *(const int *)a - *(const int *)b;
}

static int fv_list(int argc, char **argv)
{
	const char *which = argc >= 2 ? argv[1] : "all";
	bool is_short = argc >= 3 && !strcmp(argv[2], "short");
	struct vm_entry *vms = NULL;
	struct virt *v;
	size_t n = 0, k = 0;
	int *nums;

	/* fast-vm lists all for any other word */
	if (strcmp(which, "active") && strcmp(which, "inactive"))
		which = "all";
	if (!is_short)
		return run_args("list", FVM_EXIT_FAIL, which, NULL);
	v = virt_open(&conf, false);
	if (!v || virt_list_vms(v, &conf, false, &vms, &n) < 0) {
		pmsg("err", -1, "%s", err_msg());
		if (v)
			virt_close(v);
		return FVM_EXIT_FAIL;
	}
	nums = xcalloc(n + 1, sizeof(*nums));
	for (size_t i = 0; i < n; i++) {
		bool active = vms[i].state == VIR_DOMAIN_RUNNING ||
			      vms[i].state == VIR_DOMAIN_PAUSED ||
			      vms[i].state == VIR_DOMAIN_BLOCKED;

		if (vms[i].number < 0 ||
		    (!strcmp(which, "active") && !active) ||
		    (!strcmp(which, "inactive") && active))
			continue;
		nums[k++] = vms[i].number;
	}
	qsort(nums, k, sizeof(*nums), cmp_int);
	for (size_t i = 0; i < k; i++)
		printf("%d\n", nums[i]);
	/* fast-vm echoed an empty list as one empty line */
	if (!k)
		putchar('\n');
	free(nums);
	virt_vms_free(vms, n);
	virt_close(v);
	return 0;
}

struct action {
	const char *name;
	int (*run)(int argc, char **argv);
};

static const struct action fastvm_actions[] = {
	{ "create", fv_create },
	{ "delete", fv_delete },
	{ "start", fv_start },
	{ "stop", fv_stop },
	{ "console", fv_console },
	{ "ssh", fv_ssh },
	{ "scp", fv_scp },
	{ "rsync", fv_rsync },
	{ "keydist", fv_keydist },
	{ "edit_note", fv_edit_note },
	{ "resize", fv_resize },
	{ "info", fv_info },
	{ "list", fv_list },
	{ "disk_usage", not_supported },
	{ "compact", fv_compact },
	{ NULL, NULL }
};

/* fast-vm 1.6's image actions, moved to fast-vm-image in 1.7 */
static const struct {
	const char *old, *new;
} deprecated[] = {
	{ "import_image", "import" },
	{ "import_custom_image", "import_custom" },
	{ "export_image", "export" },
	{ "remove_image", "remove" },
	{ "import_profile", "import_profile" },
	{ "remove_profile", "remove_profile" },
	{ "resize_image", "resize" },
	{ "list_images", "list" },
	{ "list_profiles", "list_profiles" },
	{ "compact_image", "compact" },
	{ NULL, NULL }
};

/* ---- fast-vm-image actions ---- */

/* fast-vm-image's name rules, with its messages */
static int check_name(const char *name, const char *what)
{
	size_t len = strlen(name), d = len;

	for (const char *p = name; *p; p++)
		if (!isalnum((unsigned char)*p) && *p != '-' && *p != '.') {
			pmsg("err", -1,
			     "%s contains restricted characters, allowed are "
			     "only letters, numbers, dot(.) and dash(-)",
			     what);
			return -1;
		}
	while (d > 0 && isdigit((unsigned char)name[d - 1]))
		d--;
	if (d < len && d > 0 && name[d - 1] == '-') {
		pmsg("err", -1, "%s cannot end with '-XX' where XX is number.",
		     what);
		return -1;
	}
	return 0;
}

static int img_import_args(int argc, char **argv, int first,
			   const char *size)
{
	struct strv a;
	int rc;

	/* NAME SOURCE XML are needed */
	if (argc < first + 3)
		return usage(argv[0]);
	if (check_name(argv[first], "ImageName") < 0)
		return FVM_EXIT_FAIL;
	args_init(&a, "import");
	if (size) {
		strv_push(&a, "--size");
		strv_push(&a, size);
	}
	strv_push(&a, "--");
	for (int i = first; i < argc && i < first + 5; i++)
		strv_push(&a, argv[i]);
	rc = run_applet("import", &a, FVM_EXIT_USAGE);
	strv_release(&a);
	if (!rc)
		pmsg("ok", -1, "Image %s imported", argv[first]);
	return rc;
}

static int fi_import(int argc, char **argv)
{
	return img_import_args(argc, argv, 1, NULL);
}

static int fi_import_custom(int argc, char **argv)
{
	if (argc < 2 || !*argv[1] ||
	    strspn(argv[1], "0123456789") != strlen(argv[1])) {
		pmsg("err", -1,
		     "invalid image size. Use only whole decimal numbers");
		return usage("import_custom");
	}
	return img_import_args(argc, argv, 2, argv[1]);
}

static int fi_export(int argc, char **argv)
{
	const char *fmt = argc >= 3 ? argv[2] : "xz", *codec;
	char *dest;
	int rc;

	if (argc < 2 || !*argv[1])
		return usage("export");
	if (!strcmp(fmt, "zst"))
		codec = "zstd";
	else if (!strcmp(fmt, "xz") || !strcmp(fmt, "gz"))
		codec = fmt;
	else {
		pmsg("err", -1, "unknown image format %s (supported: zst, xz, gz)",
		     fmt);
		return FVM_EXIT_FAIL;
	}
	/* fast-vm 1.7 wrote NAME.img.EXT into the current directory */
	dest = xasprintf("%s.img.%s", argv[1], fmt);
	rc = run_args("export", FVM_EXIT_USAGE, "--format", "legacy",
		      "--compress", codec, "--force", "--", argv[1], dest,
		      NULL);
	if (!rc)
		pmsg("ok", -1, "Image compression finished");
	free(dest);
	return rc;
}

static int fi_remove(int argc, char **argv)
{
	int rc;

	if (argc < 2 || !*argv[1])
		return usage("remove");
	rc = run_args("image-rm", FVM_EXIT_USAGE, "-q", "--", argv[1], NULL);
	if (!rc)
		pmsg("ok", -1, "image %s removed", argv[1]);
	return rc;
}

static int fi_list(int argc, char **argv)
{
	if (argc >= 2 && !strcmp(argv[1], "short"))
		return run_args("images", FVM_EXIT_FAIL, "--short", NULL);
	return run_args("images", FVM_EXIT_FAIL, NULL);
}

static int fi_verify(int argc, char **argv)
{
	if (argc < 2 || !*argv[1])
		return usage("verify");
	if (argc >= 3)
		return run_args("image-verify", FVM_EXIT_USAGE, "--", argv[1],
				argv[2], NULL);
	return run_args("image-verify", FVM_EXIT_USAGE, "--", argv[1], NULL);
}

static int fi_gen_checksums(int argc, char **argv)
{
	if (argc < 2 || !*argv[1])
		return usage("gen_checksums");
	return run_args("image-checksum", FVM_EXIT_USAGE, "--", argv[1], NULL);
}

static int fi_resize(int argc, char **argv)
{
	int rc;

	if (argc < 3 || !*argv[1] || !*argv[2] ||
	    strspn(argv[2], "0123456789") != strlen(argv[2])) {
		pmsg("err", -1, "invalid size. Use only whole decimal numbers");
		return usage("resize");
	}
	/* fast-vm's lvresize -f shrank too */
	rc = run_args("image-resize", FVM_EXIT_USAGE, "-q", "--force", "--",
		      argv[1], argv[2], NULL);
	if (!rc) {
		pmsg("inf", -1,
		     "Only newly created VMs from this image will use new "
		     "size.");
		pmsg("ok", -1, "Resize of image to %sG succeeded.", argv[2]);
	}
	return rc;
}

static int fi_import_profile(int argc, char **argv)
{
	struct strv a;
	int rc;

	if (argc < 4)
		return usage("import_profile");
	args_init(&a, "profile-import");
	/* fast-vm overwrote an existing profile */
	strv_push(&a, "-q");
	strv_push(&a, "--force");
	strv_push(&a, "--");
	for (int i = 1; i < argc && i <= 5; i++)
		strv_push(&a, argv[i]);
	rc = run_applet("profile-import", &a, FVM_EXIT_USAGE);
	strv_release(&a);
	if (!rc)
		pmsg("ok", -1, "Profile %s based on Image %s imported", argv[1],
		     argv[2]);
	return rc;
}

static int fi_remove_profile(int argc, char **argv)
{
	int rc;

	if (argc < 2 || !*argv[1])
		return usage("remove_profile");
	rc = run_args("profile-rm", FVM_EXIT_FAIL, "-q", "--", argv[1], NULL);
	if (!rc)
		pmsg("ok", -1, "Profile %s removed", argv[1]);
	return rc;
}

static int fi_list_profiles(int argc, char **argv)
{
	if (argc >= 2 && !strcmp(argv[1], "short"))
		return run_args("profiles", FVM_EXIT_FAIL, "--short", NULL);
	return run_args("profiles", FVM_EXIT_FAIL, NULL);
}

static const struct action image_actions[] = {
	{ "import", fi_import },
	{ "import_custom", fi_import_custom },
	{ "export", fi_export },
	{ "remove", fi_remove },
	{ "resize", fi_resize },
	{ "import_profile", fi_import_profile },
	{ "remove_profile", fi_remove_profile },
	{ "list", fi_list },
	{ "list_profiles", fi_list_profiles },
	{ "compact", not_supported },
	{ "verify", fi_verify },
	{ "gen_checksums", fi_gen_checksums },
	{ NULL, NULL }
};

/* ---- entry points ---- */

static int dispatch(const struct action *acts, int argc, char **argv)
{
	const struct action *act;
	int rc;

	if (argc < 2 || !*argv[1])
		return usage(NULL);
	for (act = acts; act->name; act++)
		if (!strcmp(act->name, argv[1]))
			break;
	if (!act->name) {
		pmsg("err", -1, "unknown action");
		return usage(NULL);
	}
	rc = load_conf();
	if (rc)
		return rc;
	return act->run(argc - 1, argv + 1);
}

int fastvm_image_main(int argc, char **argv)
{
	me = "fast-vm-image";
	usage_table = image_usage;
	return dispatch(image_actions, argc, argv);
}

int fastvm_main(int argc, char **argv)
{
	if (argc >= 2) {
		for (int i = 0; deprecated[i].old; i++) {
			struct sbuf cmd = SBUF_INIT;

			if (strcmp(argv[1], deprecated[i].old))
				continue;
			/* fast-vm cut the action off "$@", which left the
			 * blank before the arguments: the double space */
			sbuf_addf(&cmd, "fast-vm-image %s ", deprecated[i].new);
			for (int k = 2; k < argc; k++)
				sbuf_addf(&cmd, " %s", argv[k]);
			pmsg("wrn", -1,
			     "(deprecated) This action will be removed in next "
			     "version. Using new command below:\n%s",
			     cmd.s);
			sbuf_release(&cmd);
			argv[1] = (char *)deprecated[i].new;
			return fastvm_image_main(argc, argv);
		}
	}
	return dispatch(fastvm_actions, argc, argv);
}

/* ---- completion ---- */

static const char *const fastvm_words =
	"create delete start stop console ssh scp rsync keydist edit_note "
	"resize info list disk_usage compact";
static const char *const image_words =
	"import import_custom export remove resize import_profile "
	"remove_profile list list_profiles compact verify gen_checksums";

bool fastvm_complete(int nwords, char **words, opt_emit_fn emit, void *ctx)
{
	const char *base = strrchr(words[0], '/'), *act, *cur;
	bool image;
	int pos;

	base = base ? base + 1 : words[0];
	if (!strcmp(base, "fast-vm"))
		image = false;
	else if (!strcmp(base, "fast-vm-image"))
		image = true;
	else
		return false;
	if (nwords < 2)
		return true;
	cur = words[nwords - 1];
	pos = nwords - 1; /* 1: the action */
	if (pos == 1) {
		opt_complete_kind(OPT_C_WORDS, image ? image_words : fastvm_words,
				  cur, emit, ctx);
		return true;
	}
	act = words[1];
	if (image) {
		if (pos == 2 && (!strcmp(act, "export") ||
				 !strcmp(act, "remove") ||
				 !strcmp(act, "resize") ||
				 !strcmp(act, "compact") ||
				 !strcmp(act, "verify") ||
				 !strcmp(act, "gen_checksums")))
			opt_complete_kind(OPT_C_IMAGE, NULL, cur, emit, ctx);
		else if (pos == 2 && !strcmp(act, "remove_profile"))
			opt_complete_kind(OPT_C_PROFILE, NULL, cur, emit, ctx);
		else if (pos == 2 && (!strcmp(act, "list") ||
				      !strcmp(act, "list_profiles")))
			opt_complete_kind(OPT_C_WORDS, "short", cur, emit, ctx);
		else if (pos == 3 && !strcmp(act, "export"))
			opt_complete_kind(OPT_C_WORDS, "zst xz gz", cur, emit,
					  ctx);
		else if (pos == 3 && !strcmp(act, "import_profile"))
			opt_complete_kind(OPT_C_IMAGE, NULL, cur, emit, ctx);
		return true;
	}
	if (!strcmp(act, "create")) {
		if (pos == 2)
			opt_complete_kind(OPT_C_IMAGE_OR_PROFILE, NULL, cur,
					  emit, ctx);
		else if (pos == 3) {
			opt_complete_kind(OPT_C_WORDS, "base", cur, emit, ctx);
			opt_complete_kind(OPT_C_VM_FREE, NULL, cur, emit, ctx);
		}
		return true;
	}
	if (!strcmp(act, "list")) {
		if (pos == 2)
			opt_complete_kind(OPT_C_WORDS, "all active inactive",
					  cur, emit, ctx);
		else if (pos == 3)
			opt_complete_kind(OPT_C_WORDS, "short", cur, emit, ctx);
		return true;
	}
	if (pos == 2 && strcmp(act, "disk_usage"))
		opt_complete_kind(!strcmp(act, "start") ? OPT_C_VM_STOPPED :
				  !strcmp(act, "stop") || !strcmp(act, "ssh") ||
						  !strcmp(act, "console") ?
							    OPT_C_VM_RUNNING :
							    OPT_C_VM,
				  NULL, cur, emit, ctx);
	else if (pos == 3 && !strcmp(act, "start"))
		opt_complete_kind(OPT_C_WORDS, "console ssh", cur, emit, ctx);
	else if (pos == 3 && !strcmp(act, "stop"))
		opt_complete_kind(OPT_C_WORDS, "graceful", cur, emit, ctx);
	return true;
}

/* argv[0]'s basename selects a personality (applets/main.c) */
const struct personality personalities[] = {
	{ "fast-vm", fastvm_main },
	{ "fast-vm-image", fastvm_image_main },
	{ "configure-fast-vm", configure_fastvm_main },
	{ "fast-vm-net-cleanup", fastvm_net_cleanup_main },
	{ NULL, NULL }
};
