/* compat/fastvm.c: the fast-vm and fast-vm-image personalities: fast-vm 1.7's command lines on fvm's applets. */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fastvm-priv.h"

struct fvm_conf fv_conf;
/* DISPLAY_LEVEL; before the configuration is read, fast-vm's default */
static int display_level = 7;

/*
 * fast-vm's scripts parse its stdout, so where the personality speaks
 * for itself it speaks as fast-vm's pmsg did: on stdout, the message
 * after "[inf] ", "[ok] ", "[wrn] " or "[err] " and every line of it
 * (empty ones too) after the VM number in brackets, or [__]:
 * "[42][inf] IP: 192.168.22.42". DISPLAY_LEVEL hides levels as there
 * (inf 7, ok 6, wrn 4, err 3). The applets it runs keep their own
 * messages on stderr.
 */
static void vpmsg(const char *tag, const char *vmn, const char *fmt, va_list ap)
{
	int level = !strcmp(tag, "inf") ? 7 :
		    !strcmp(tag, "ok")	? 6 :
		    !strcmp(tag, "wrn") ? 4 :
					  3;
	char *msg;
	const char *p;
	bool first = true;

	if (display_level < level)
		return;
	if (vasprintf(&msg, fmt, ap) < 0)
		return;
	for (p = msg;;) {
		const char *nl = strchr(p, '\n');
		int len = nl ? (int)(nl - p) : (int)strlen(p);

		printf("[%s]%s%s%s%.*s\n", vmn, first ? "[" : "",
		       first ? tag : "", first ? "] " : "", len, p);
		first = false;
		if (!nl)
			break;
		p = nl + 1;
	}
	free(msg);
	fflush(stdout);
}

/* a message about VM argument vmn as the user typed it ("42", "abc") */
void pmsgs(const char *tag, const char *vmn, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vpmsg(tag, vmn && *vmn ? vmn : "__", fmt, ap);
	va_end(ap);
}

/* a message about VM n, or none (-1: [__]) */
void pmsg(const char *tag, int n, const char *fmt, ...)
{
	char vmn[16];
	va_list ap;

	if (n >= 0)
		snprintf(vmn, sizeof(vmn), "%d", n);
	else
		strcpy(vmn, "__");
	va_start(ap, fmt);
	vpmsg(tag, vmn, fmt, ap);
	va_end(ap);
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
	{ "import_image",
	  "ImageName <empty |PathToImage> PathToLibvirtXML [PathToHacksFile] "
	  "[PathToDeleteHackFile]",
	  true },
	{ "import_custom_image",
	  "ImageSizeInGiB ImageName <empty |PathToImage> PathToLibvirtXML "
	  "[PathToHacksFile] [PathToDeleteHackFile]",
	  true },
	{ "export_image", "ImageName [ <zst|xz|gz> ]", true },
	{ "remove_image", "ImageName", true },
	{ "resize_image", "ImageName NewImageSizeInGiB", true },
	{ "import_profile",
	  "ProfileName ImageName PathToLibvirtXML [PathToHacksFile] "
	  "[PathToDeleteHackFile]",
	  true },
	{ "remove_profile", "ProfileName", true },
	{ "list_images", "[short]", true },
	{ "create",
	  "<ImageName|ProfileName> <base|VmNumber|'VmNumber1 VmNumber2 ...'> "
	  "[PathToLibvirtXML] [PathToHacksFile]",
	  false },
	{ "delete", VMS " [PathToDeleteHackFile]", false },
	{ "edit_note", VMS " [NoteText]", false },
	{ "resize", VMS " NewSizeInGiB", false },
	{ "info", VMS, false },
	{ "list", "[all|active|inactive [short]]", false },
	{ "list_profiles", "[short]", true },
	{ "start", VMS " [console|keydist|ssh [/path/to/custom/script]]",
	  false },
	{ "stop", VMS " [graceful]", false },
	{ "console", "VmNumber", false },
	{ "keydist", VMS, false },
	{ "ssh", VMS " [/path/to/custom/script]", false },
	{ "scp",
	  VMS " < vm:/remote/sourcefile|/local/sourcefile "
	      "/local/destfile|vm:/remote/destfile ...>",
	  false },
	{ "rsync",
	  VMS " < vm:/remote/sourcefile|/local/sourcefile "
	      "/local/destfile|vm:/remote/destfile ...>",
	  false },
	{ "disk_usage", "[ <all|VmNumber > ]", false },
	{ "compact", VMS, false },
	{ "compact_image", "ImageName", true },
	{ NULL, NULL, false }
};

static const struct usage_line image_usage[] = {
	{ "import",
	  "ImageName <empty |PathToImage> PathToLibvirtXML [PathToHacksFile] "
	  "[PathToDeleteHackFile]",
	  false },
	{ "import_custom",
	  "ImageSizeInGiB ImageName <empty |PathToImage> PathToLibvirtXML "
	  "[PathToHacksFile] [PathToDeleteHackFile]",
	  false },
	{ "export", "ImageName [ <zst|xz|gz> ]", false },
	{ "remove", "ImageName", false },
	{ "resize", "ImageName NewImageSizeInGiB", false },
	{ "import_profile",
	  "ProfileName ImageName PathToLibvirtXML [PathToHacksFile] "
	  "[PathToDeleteHackFile]",
	  false },
	{ "remove_profile", "ProfileName", false },
	{ "list", "[short]", false },
	{ "list_profiles", "[short]", false },
	{ "compact", "ImageName", false },
	{ "verify", "ImageName [ PathToCheksumsDir ]", false },
	{ "gen_checksums", "ImageName", false },
	{ NULL, NULL, false }
};

/* the personality being run: "fast-vm" or "fast-vm-image" */
const char *fv_me = "fast-vm";
static const struct usage_line *usage_table = fastvm_usage;

static void usage_of(const struct usage_line *u)
{
	printf("%s%s %s %s\n", u->deprecated ? "(deprecated) " : "", fv_me,
	       u->action, u->text);
}

/* fast-vm's fv_usage(): one action's line, or everything; always exit 1 */
int fv_usage(const char *action)
{
	for (const struct usage_line *u = usage_table; action && u->action; u++)
		if (!strcmp(u->action, action)) {
			usage_of(u);
			fflush(stdout);
			return FVM_EXIT_FAIL;
		}
	/* the version is fvm's; 1.7 is the fast-vm it speaks for */
	printf("== %s version 1.7 (fvm %s) ==\n", fv_me, fvm_version);
	printf("%s <action> <options>\n", fv_me);
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
 * fast-vm reports with 2; raw keeps the applet's status, for ssh and scp
 * whose status fast-vm passed on). With out, the applet's stdout is
 * collected there (malloc'd) instead of printed. The applet runs
 * in-process code, no exec.
 */
int run_applet_ex(const char *name, struct strv *args, int notfound_rc,
		  bool raw, char **out)
{
	const struct applet *ap = applet_find(name);
	struct sigaction ign = { .sa_handler = SIG_IGN }, old_int, old_quit;
	struct sbuf buf = SBUF_INIT;
	int st, rc, fds[2] = { -1, -1 };
	pid_t pid;

	if (!ap) {
		pmsg("err", -1, "fvm has no applet %s", name);
		return FVM_EXIT_FAIL;
	}
	if (out && pipe(fds) < 0) {
		pmsg("err", -1, "cannot make a pipe: %s", strerror(errno));
		return FVM_EXIT_FAIL;
	}
	fflush(stdout);
	fflush(stderr);
	pid = fork();
	if (pid < 0) {
		pmsg("err", -1, "cannot fork: %s", strerror(errno));
		if (out) {
			close(fds[0]);
			close(fds[1]);
		}
		return FVM_EXIT_FAIL;
	}
	if (pid == 0) {
		static char pname[64];

		if (out) {
			dup2(fds[1], STDOUT_FILENO);
			close(fds[0]);
			close(fds[1]);
		}
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
	if (out) {
		char chunk[4096];
		ssize_t r;

		close(fds[1]);
		while ((r = read(fds[0], chunk, sizeof(chunk))) != 0) {
			if (r < 0 && errno == EINTR)
				continue;
			if (r < 0)
				break;
			sbuf_add(&buf, chunk, (size_t)r);
		}
		close(fds[0]);
		*out = buf.s ? sbuf_detach(&buf) : xstrdup("");
	}
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	sigaction(SIGINT, &old_int, NULL);
	sigaction(SIGQUIT, &old_quit, NULL);
	if (!WIFEXITED(st))
		return FVM_EXIT_FAIL;
	rc = WEXITSTATUS(st);
	if (rc == FVM_EXIT_OK || raw)
		return rc;
	return rc == FVM_EXIT_NOTFOUND ? notfound_rc : FVM_EXIT_FAIL;
}

int run_applet(const char *name, struct strv *args, int notfound_rc)
{
	return run_applet_ex(name, args, notfound_rc, false, NULL);
}

/* args for an applet: its name first, as argv[0] */
void args_init(struct strv *a, const char *name)
{
	a->v = NULL;
	a->n = a->cap = 0;
	strv_push(a, name);
}

int run_args(const char *name, int notfound_rc, ...)
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

/* fast-vm checks its configuration before any action; a bad one is 2 */
static int load_conf(void)
{
	static bool loaded;

	if (loaded)
		return 0;
	if (conf_load(&fv_conf) < 0) {
		pmsg("err", -1, "%s", err_msg());
		return FVM_EXIT_USAGE;
	}
	display_level = fv_conf.display_level;
	loaded = true;
	return 0;
}

/* ---- VMs ---- */

/* fast-vm's numbers as its grep -E '^[+-]?[0-9]+$' took them */
bool is_number(const char *s)
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

/* a VM number as fast-vm's list_vm printed it: plain digits, no zero in
 * front (fast-vm matched the argument against that list as text) */
static bool is_vm_number(const char *s)
{
	size_t len = strspn(s, "0123456789");

	return len && len == strlen(s) && len < 6 && (s[0] != '0' || len == 1);
}

bool is_running(int state)
{
	return state == VIR_DOMAIN_RUNNING || state == VIR_DOMAIN_BLOCKED;
}

bool is_inactive(int state)
{
	return state == VIR_DOMAIN_SHUTOFF || state == VIR_DOMAIN_CRASHED;
}

void vmref_release(struct vmref *r)
{
	free(r->name);
	free(r->owner);
	memset(r, 0, sizeof(*r));
}

/* VM arg: 0 found, 1 no such VM, -1 libvirt failed (reported). A private
 * connection, closed before any applet is forked. */
int vm_lookup(const char *arg, struct vmref *r)
{
	struct virt *v;
	struct vm_entry e = { 0 };
	int rc = 1;

	memset(r, 0, sizeof(*r));
	if (!is_vm_number(arg))
		return 1;
	v = virt_open(&fv_conf, false);
	if (!v) {
		pmsgs("err", arg, "%s", err_msg());
		err_clear();
		return -1;
	}
	if (virt_find_vm(v, &fv_conf, atoi(arg), &e) == 0) {
		r->name = xstrdup(e.name);
		r->state = e.state;
		r->has_meta = e.has_meta;
		r->owner = e.has_meta && e.meta.owner ? xstrdup(e.meta.owner) :
							NULL;
		virt_vm_release(&e);
		rc = 0;
	}
	virt_close(v);
	err_clear();
	return rc;
}

/*
 * fast-vm's check_vm_number: VM arg exists and is not in the state the
 * action cannot work on ("active": running, "inactive": stopped). 0 with
 * r filled (r NULL: the check only), else 1 after fast-vm's message.
 */
int check_vm(const char *arg, const char *forbidden, struct vmref *r)
{
	struct vmref own;
	int rc;

	if (!r) {
		rc = check_vm(arg, forbidden, &own);
		if (!rc)
			vmref_release(&own);
		return rc;
	}
	rc = vm_lookup(arg, r);

	if (rc < 0)
		return FVM_EXIT_FAIL;
	if (rc > 0) {
		pmsgs("err", arg, "no VM with number '%s' found", arg);
		return FVM_EXIT_FAIL;
	}
	if (forbidden &&
	    (!strcmp(forbidden, "active") ? is_running(r->state) :
					    is_inactive(r->state))) {
		pmsgs("err", arg, "VM with number '%s' is %s", arg, forbidden);
		vmref_release(r);
		return FVM_EXIT_FAIL;
	}
	return 0;
}

void ip_of(const char *arg, char ip[16])
{
	vm_ip(&fv_conf, atoi(arg), ip);
}

/* fast-vm's summary of a multi-VM call */
static int summary(int errors)
{
	if (errors) {
		pmsg("err", -1, "Some (%d) operations reported errors", errors);
		return FVM_EXIT_FAIL;
	}
	pmsg("ok", -1, "All operations returned successfully");
	return 0;
}

#define MULTI_JOBS 8

/* wait for one of the n children in pids and drop it: 1 when it failed */
static int wait_one(pid_t *pids, size_t *n)
{
	pid_t pid;
	int st;

	while ((pid = waitpid(-1, &st, 0)) < 0 && errno == EINTR)
		;
	if (pid < 0) {
		*n = 0;
		return 0;
	}
	for (size_t i = 0; i < *n; i++)
		if (pids[i] == pid) {
			pids[i] = pids[--*n];
			break;
		}
	return !WIFEXITED(st) || WEXITSTATUS(st) ? 1 : 0;
}

/*
 * fast-vm's handle_multiple_requests: a VM argument with a blank in it
 * ('42 43') runs the action once per word, each in a process of its own
 * and in parallel (at most MULTI_JOBS at a time; one after the other
 * with serialize, as fast-vm did for scp and keydist), then the summary;
 * exit 1 when any failed. argv[pos] is the VM argument.
 */
int for_each_vm(int argc, char **argv, int pos, vm_action fn, bool serialize)
{
	struct sigaction ign = { .sa_handler = SIG_IGN }, old_int;
	char *copy, *w, *save = NULL;
	struct sbuf op = SBUF_INIT, rest = SBUF_INIT;
	pid_t *pids = NULL;
	size_t n = 0;
	int errors = 0, st;

	if (!strchr(argv[pos], ' '))
		return fn(argv[pos], argc, argv, false);
	pmsg("inf", -1, "Starting to handle multiple operations");
	for (int i = 0; i < pos; i++)
		sbuf_addf(&op, "%s%s", i ? " " : "", argv[i]);
	for (int i = pos + 1; i < argc; i++)
		sbuf_addf(&rest, " %s", argv[i]);
	copy = xstrdup(argv[pos]);
	for (w = strtok_r(copy, " \t\n", &save); w;
	     w = strtok_r(NULL, " \t\n", &save)) {
		pid_t pid;

		pmsg("inf", -1, "Calling operation: ./%s %s %s %s", fv_me, op.s,
		     w, rest.s ? rest.s : "");
		fflush(stdout);
		fflush(stderr);
		pid = fork();
		if (pid < 0) {
			pmsg("err", -1, "cannot fork: %s", strerror(errno));
			errors++;
			continue;
		}
		if (pid == 0) {
			argv[pos] = w;
			exit(fn(w, argc, argv, true));
		}
		if (serialize) {
			sigaction(SIGINT, &ign, &old_int);
			while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
				;
			sigaction(SIGINT, &old_int, NULL);
			if (!WIFEXITED(st) || WEXITSTATUS(st))
				errors++;
			continue;
		}
		pids = xrealloc(pids, (n + 1) * sizeof(*pids));
		pids[n++] = pid;
		/* at most MULTI_JOBS at once: each takes the network's DHCP
		 * lock in turn, and a long queue would wait past its deadline */
		if (n >= MULTI_JOBS)
			errors += wait_one(pids, &n);
	}
	/* Ctrl-C goes to every VM's process; the summary still comes */
	sigaction(SIGINT, &ign, &old_int);
	while (n)
		errors += wait_one(pids, &n);
	sigaction(SIGINT, &old_int, NULL);
	free(pids);
	free(copy);
	sbuf_release(&op);
	sbuf_release(&rest);
	return summary(errors);
}

/* the VM argument of an action, or fast-vm's complaint and usage */
bool have_vm_arg(int argc, char **argv)
{
	if (argc >= 2 && *argv[1])
		return true;
	pmsg("err", -1, "VM number missing");
	fv_usage(argv[0]);
	return false;
}

const struct fastvm_renamed fastvm_renamed[] = {
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

/* ---- entry points ---- */

/* fast-vm: no action is the usage; the configuration is read (and a bad
 * one is exit 2) before an unknown action is one */
static int dispatch(const struct action *acts, int argc, char **argv)
{
	const struct action *act;
	int rc;

	if (argc < 2 || !*argv[1])
		return fv_usage(NULL);
	rc = load_conf();
	if (rc)
		return rc;
	for (act = acts; act->name; act++)
		if (!strcmp(act->name, argv[1]))
			break;
	if (!act->name) {
		pmsg("err", -1, "unknown action");
		return fv_usage(NULL);
	}
	if (act->run)
		return act->run(argc - 1, argv + 1);
	if (!have_vm_arg(argc - 1, argv + 1))
		return FVM_EXIT_FAIL;
	return for_each_vm(argc - 1, argv + 1, 1, act->each, act->serialize);
}

int fastvm_image_main(int argc, char **argv)
{
	fv_me = "fast-vm-image";
	usage_table = image_usage;
	return dispatch(image_actions, argc, argv);
}

int fastvm_main(int argc, char **argv)
{
	if (argc >= 2) {
		for (int i = 0; fastvm_renamed[i].old; i++) {
			struct sbuf cmd = SBUF_INIT;
			int rc;

			if (strcmp(argv[1], fastvm_renamed[i].old))
				continue;
			rc = load_conf();
			if (rc)
				return rc;
			/* fast-vm cut the action off "$@", which left the
			 * blank before the arguments: the double space */
			sbuf_addf(&cmd, "fast-vm-image %s ",
				  fastvm_renamed[i].new);
			for (int k = 2; k < argc; k++)
				sbuf_addf(&cmd, " %s", argv[k]);
			pmsg("wrn", -1,
			     "(deprecated) This action will be removed in next "
			     "version. Using new command below:\n%s",
			     cmd.s);
			sbuf_release(&cmd);
			argv[1] = (char *)fastvm_renamed[i].new;
			return fastvm_image_main(argc, argv);
		}
	}
	return dispatch(fastvm_actions, argc, argv);
}

/* argv[0]'s basename selects a personality (applets/main.c) */
const struct personality personalities[] = {
	{ "fast-vm", fastvm_main },
	{ "fast-vm-image", fastvm_image_main },
	{ "configure-fast-vm", configure_fastvm_main },
	{ "fast-vm-net-cleanup", fastvm_net_cleanup_main },
	{ NULL, NULL }
};
