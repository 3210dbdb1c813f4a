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

#include "../lib/proc.h"
#include "../lib/tmpl.h"
#include "../cli/vm.h"

static struct fvm_conf conf;
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
__attribute__((format(printf, 3, 4))) static void
pmsgs(const char *tag, const char *vmn, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vpmsg(tag, vmn && *vmn ? vmn : "__", fmt, ap);
	va_end(ap);
}

/* a message about VM n, or none (-1: [__]) */
__attribute__((format(printf, 3, 4))) static void pmsg(const char *tag, int n,
						       const char *fmt, ...)
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
	{ "start", VMS " [console|ssh [/path/to/custom/script]]", false },
	{ "stop", VMS " [graceful]", false },
	{ "console", "VmNumber", false },
	{ "keydist", VMS, false },
	{ "ssh", VMS " [/path/to/custom/script]", false },
	{ "scp",
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
	for (const struct usage_line *u = usage_table; action && u->action; u++)
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
 * fast-vm reports with 2; raw keeps the applet's status, for ssh and scp
 * whose status fast-vm passed on). With out, the applet's stdout is
 * collected there (malloc'd) instead of printed. The applet runs
 * in-process code, no exec.
 */
static int run_applet_ex(const char *name, struct strv *args, int notfound_rc,
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

static int run_applet(const char *name, struct strv *args, int notfound_rc)
{
	return run_applet_ex(name, args, notfound_rc, false, NULL);
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

/* fast-vm checks its configuration before any action; a bad one is 2 */
static int load_conf(void)
{
	static bool loaded;

	if (loaded)
		return 0;
	if (conf_load(&conf) < 0) {
		pmsg("err", -1, "%s", err_msg());
		return FVM_EXIT_USAGE;
	}
	display_level = conf.display_level;
	loaded = true;
	return 0;
}

/* ---- VMs ---- */

/* fast-vm's numbers as its grep -E '^[+-]?[0-9]+$' took them */
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

/* a VM number as fast-vm's list_vm printed it: plain digits, no zero in
 * front (fast-vm matched the argument against that list as text) */
static bool is_vm_number(const char *s)
{
	size_t len = strspn(s, "0123456789");

	return len && len == strlen(s) && len < 6 && (s[0] != '0' || len == 1);
}

static bool is_running(int state)
{
	return state == VIR_DOMAIN_RUNNING || state == VIR_DOMAIN_BLOCKED;
}

static bool is_inactive(int state)
{
	return state == VIR_DOMAIN_SHUTOFF || state == VIR_DOMAIN_CRASHED;
}

/* what fast-vm knew of a VM */
struct vmref {
	char *name;
	int state;
	bool has_meta;
	char *owner;
};

static void vmref_release(struct vmref *r)
{
	free(r->name);
	free(r->owner);
	memset(r, 0, sizeof(*r));
}

/* VM arg: 0 found, 1 no such VM, -1 libvirt failed (reported). A private
 * connection, closed before any applet is forked. */
static int vm_lookup(const char *arg, struct vmref *r)
{
	struct virt *v;
	struct vm_entry e = { 0 };
	int rc = 1;

	memset(r, 0, sizeof(*r));
	if (!is_vm_number(arg))
		return 1;
	v = virt_open(&conf, false);
	if (!v) {
		pmsgs("err", arg, "%s", err_msg());
		err_clear();
		return -1;
	}
	if (virt_find_vm(v, &conf, atoi(arg), &e) == 0) {
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
 * r filled, else 1 after fast-vm's message.
 */
static int check_vm(const char *arg, const char *forbidden, struct vmref *r)
{
	int rc = vm_lookup(arg, r);

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

static void ip_of(const char *arg, char ip[16])
{
	vm_ip(&conf, atoi(arg), ip);
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

/* an action on one VM: vm is the number as given, argv the whole
 * command line from the action on, multi set inside a multi-VM call */
typedef int (*vm_action)(const char *vm, int argc, char **argv, bool multi);

/*
 * fast-vm's handle_multiple_requests: a VM argument with a blank in it
 * ('42 43') runs the action once per word, each in a process of its own
 * and in parallel (at most MULTI_JOBS at a time; one after the other
 * with serialize, as fast-vm did for scp and keydist), then the summary;
 * exit 1 when any failed. argv[pos] is the VM argument.
 */
static int for_each_vm(int argc, char **argv, int pos, vm_action fn,
		       bool serialize)
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

		pmsg("inf", -1, "Calling operation: ./%s %s %s %s", me, op.s, w,
		     rest.s ? rest.s : "");
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
static bool have_vm_arg(int argc, char **argv)
{
	if (argc >= 2 && *argv[1])
		return true;
	pmsg("err", -1, "VM number missing");
	usage(argv[0]);
	return false;
}

/* fast-vm's wait_for_ssh: until the VM's sshd answers */
static int wait_for_ssh(const char *vm)
{
	char ip[16];
	int rc;

	ip_of(vm, ip);
	pmsgs("inf", vm,
	      "checking the %s for active SSH connection (ctrl+c to interrupt)",
	      ip);
	rc = run_args("wait", FVM_EXIT_FAIL, "-q", "--state", "ssh", "--", vm,
		      NULL);
	if (!rc)
		pmsgs("inf", vm, "\nSSH ready");
	return rc;
}

/* fast-vm's custom script: SCRIPT IP, run directly (not through eval),
 * each line of its output after [N] */
static int run_script(const char *vm, const char *script)
{
	struct proc_opts o = { 0 };
	char ip[16], *out = NULL, *errs = NULL, *sargv[3];
	int rc;

	ip_of(vm, ip);
	sargv[0] = (char *)script;
	sargv[1] = ip;
	sargv[2] = NULL;
	o.path = getenv("PATH");
	if (!o.path || !*o.path)
		o.path = PROC_DEFAULT_PATH;
	rc = proc_run_opts(sargv, &o, &out, &errs);
	for (char *p = out, *nl; p && *p; p = nl + 1) {
		nl = strchr(p, '\n');
		if (!nl) {
			printf("[%s]%s\n", vm, p);
			break;
		}
		printf("[%s]%.*s\n", vm, (int)(nl - p), p);
	}
	fflush(stdout);
	if (errs && *errs)
		fputs(errs, stderr);
	free(out);
	free(errs);
	if (rc < 0) {
		pmsgs("err", vm, "%s: %s", script, err_msg());
		err_clear();
		return FVM_EXIT_FAIL;
	}
	return rc ? FVM_EXIT_FAIL : 0;
}

/* ---- fast-vm actions; argv[0] is the action ---- */

static int create_one(const char *vm, int argc, char **argv, bool multi)
{
	const char *name = argv[1],
		   *xml = argc >= 4 && *argv[3] ? argv[3] : NULL,
		   *hacks = argc >= 5 && *argv[4] ? argv[4] : NULL;
	struct tmpl_source src = { 0 };
	struct tmpl_profile prof;
	struct store *s;
	struct vmref r;
	struct strv a;
	char *image = NULL, *disk, *vm_name;
	bool base = !strcmp(vm, "base"), exists;
	int rc;

	(void)multi;
	/* a profile names its image in base_image, the user's first; a bad
	 * one is the create applet's to report */
	if (tmpl_profile_find(&conf, name, &prof) > 0 && prof.base_image) {
		image = xstrdup(prof.base_image);
		pmsgs("inf", vm, "using image %s with profile %s", image, name);
	}
	tmpl_profile_release(&prof);
	err_clear();
	if (!image)
		image = xstrdup(name);
	disk = xasprintf("%s%s", conf.vm_prefix, image);
	s = store_check_name(disk) == 0 ? store_open(&conf) : NULL;
	exists = s && store_exists(s, disk);
	if (s)
		store_close(s);
	err_clear();
	if (!exists) {
		char *where = store_image_where(&conf, disk);

		pmsgs("err", vm,
		      "Missing image for %s.\n%s not found.\nFirst import "
		      "image using 'fast-vm image_import %s'",
		      image, where, image);
		free(where);
		free(image);
		free(disk);
		return FVM_EXIT_USAGE;
	}
	/* fvm is stricter: a file given must be there */
	if (xml && access(xml, R_OK) < 0) {
		pmsgs("err", vm, "XML file %s not found", xml);
		rc = FVM_EXIT_USAGE;
		goto out;
	}
	if (hacks && access(hacks, R_OK) < 0) {
		pmsgs("err", vm, "hack file %s not found", hacks);
		rc = FVM_EXIT_USAGE;
		goto out;
	}
	if (tmpl_resolve_with(&conf, name, xml, hacks, &src) < 0) {
		err_clear();
		pmsgs("err", vm,
		      "no VM XML definition for image %s. Import image again "
		      "or supply alternative xml",
		      image);
		rc = usage("create");
		goto out;
	}
	pmsgs("inf", vm, "using file %s as libvirt XML", src.xml_path);
	if (src.hacks_path)
		pmsgs("inf", vm, "using file %s as hack file", src.hacks_path);
	if (is_number(vm)) {
		long n = strtol(vm, NULL, 10);

		if (n < conf.vm_min || n > conf.vm_max) {
			pmsgs("err", vm, "VM number out of range (%d-%d)",
			      conf.vm_min, conf.vm_max);
			rc = usage("create");
			goto out;
		}
		if (vm_lookup(vm, &r) == 0) {
			vmref_release(&r);
			pmsgs("err", vm,
			      "VM with this VM number already exists");
			rc = FVM_EXIT_FAIL;
			goto out;
		}
	} else if (base) {
		pmsgs("inf", vm, "creating base image VM for %s", image);
	} else {
		pmsgs("err", vm,
		      "only numbers from range %d-%d and word 'base' permitted "
		      "here",
		      conf.vm_min, conf.vm_max);
		rc = usage("create");
		goto out;
	}
	vm_name = base ? xstrdup(disk) : xasprintf("%s-%s", disk, vm);
	if (!base)
		pmsgs("inf", vm, "defining virtual machine '%s' in libvirt",
		      vm_name);
	args_init(&a, "create");
	strv_push(&a, "-q");
	if (xml) {
		strv_push(&a, "--xml");
		strv_push(&a, xml);
	}
	if (hacks) {
		strv_push(&a, "--hacks");
		strv_push(&a, hacks);
	}
	strv_push(&a, "--");
	strv_push(&a, name);
	strv_push(&a, vm);
	rc = run_applet("create", &a, FVM_EXIT_USAGE);
	strv_release(&a);
	if (base && rc) {
		pmsgs("err", vm,
		      "defining base VM for %s failed, doesn't it exists "
		      "already?",
		      image);
		rc = FVM_EXIT_USAGE;
	} else if (base) {
		pmsgs("inf", vm,
		      "base image VM created, to start this VM use 'virsh "
		      "--connect %s start %s'.\n This VM is used for "
		      "customizing the base image of '%s' VMs.\n All changes "
		      "you make to this VM would be available in newly created "
		      "VMs of that version, this will not affect already "
		      "existing VMs of same version",
		      conf.connect_uri, vm_name, image);
	} else if (!rc) {
		pmsgs("ok", vm, "VM '%s' created", vm_name);
	}
	free(vm_name);
out:
	tmpl_source_release(&src);
	free(image);
	free(disk);
	return rc;
}

static int fv_create(int argc, char **argv)
{
	char *vargv[6] = { NULL };

	if (argc < 2 || !*argv[1]) {
		pmsg("err", -1, "missing image or profile name");
		return usage("create");
	}
	if (argc >= 3)
		return for_each_vm(argc, argv, 2, create_one, false);
	/* no number: the checks fast-vm made before it found that out */
	vargv[0] = argv[0];
	vargv[1] = argv[1];
	vargv[2] = (char *)"";
	return create_one("", 3, vargv, false);
}

static int delete_one(const char *vm, int argc, char **argv, bool multi)
{
	struct vmref r;
	struct strv a;
	const char *user = vm_user();
	int rc;

	(void)multi;
	if (check_vm(vm, NULL, &r))
		return FVM_EXIT_FAIL;
	if (conf.owner_only_delete && strcmp(user, "root") &&
	    (!r.owner || strcmp(user, r.owner))) {
		pmsgs("err", vm,
		      "only 'root' and '%s' are allowed to delete this VM",
		      r.has_meta ? r.owner : "--unknown--");
		vmref_release(&r);
		return FVM_EXIT_FAIL;
	}
	if (!is_inactive(r.state))
		pmsgs("wrn", vm, "VM %s is active, forcefully stopping it",
		      r.name);
	args_init(&a, "delete");
	strv_push(&a, "-q");
	if (argc >= 3 && *argv[2]) {
		strv_push(&a, "--hacks");
		strv_push(&a, argv[2]);
	}
	strv_push(&a, "--");
	strv_push(&a, vm);
	rc = run_applet("delete", &a, FVM_EXIT_FAIL);
	strv_release(&a);
	if (!rc)
		pmsgs("ok", vm, "VM '%s' deleted", r.name);
	vmref_release(&r);
	return rc;
}

static int start_one(const char *vm, int argc, char **argv, bool multi)
{
	const char *then = argc >= 3 ? argv[2] : "",
		   *script = argc >= 4 ? argv[3] : "";
	struct vmref r;
	char ip[16];
	int rc;

	if (check_vm(vm, "active", &r))
		return FVM_EXIT_FAIL;
	ip_of(vm, ip);
	if (!*then) {
		pmsgs("inf", vm, "starting VM %s (%s)", r.name, ip);
		rc = run_args("start", FVM_EXIT_FAIL, "-q", "--", vm, NULL);
		if (rc)
			pmsgs("err", vm,
			      "failed to start VM, check syslog for more "
			      "information");
	} else if (!strcmp(then, "console")) {
		if (multi) {
			pmsgs("err", vm,
			      "When running start as part of multiple "
			      "operations the console option is not "
			      "available.");
			vmref_release(&r);
			return FVM_EXIT_FAIL;
		}
		pmsgs("inf", vm,
		      "starting VM %s and connecting to it serial console ...",
		      r.name);
		rc = run_args("start", FVM_EXIT_FAIL, "-q", "--", vm, NULL);
		if (rc)
			pmsgs("err", vm,
			      "failed to start VM %s, check syslog for more "
			      "information",
			      r.name);
		else
			rc = run_args("console", FVM_EXIT_FAIL, "--", vm, NULL);
	} else if (!strcmp(then, "ssh")) {
		if (!*script && multi) {
			pmsgs("err", vm,
			      "When running start with ssh as part of multiple "
			      "operations, script for SSH must be specified.");
			vmref_release(&r);
			return FVM_EXIT_FAIL;
		}
		pmsgs("inf", vm, "starting VM %s", r.name);
		rc = run_args("start", FVM_EXIT_FAIL, "-q", "--", vm, NULL);
		if (rc)
			pmsgs("err", vm,
			      "failed to start VM %s, check syslog for more "
			      "information",
			      r.name);
		else if (!(rc = wait_for_ssh(vm))) {
			if (*script && access(script, X_OK) == 0)
				rc = run_script(vm, script);
			else
				rc = run_args("ssh", FVM_EXIT_FAIL, "--", vm,
					      NULL);
		}
	} else {
		rc = usage("start");
	}
	vmref_release(&r);
	return rc;
}

static int stop_one(const char *vm, int argc, char **argv, bool multi)
{
	bool graceful = argc >= 3 && !strcmp(argv[2], "graceful");
	struct vmref r;
	int rc;

	(void)multi;
	if (check_vm(vm, "inactive", &r))
		return FVM_EXIT_FAIL;
	if (graceful) {
		/* fast-vm's graceful only sends the ACPI event */
		pmsgs("inf", vm, "Sending ACPI shutdown event to %s", r.name);
		rc = run_args("stop", FVM_EXIT_FAIL, "-q", "--graceful",
			      "--timeout", "0", "--", vm, NULL);
		if (rc)
			pmsgs("err", vm,
			      "failed to send graceful shutdown to VM %s, "
			      "check "
			      "syslog for more information",
			      r.name);
	} else {
		pmsgs("inf", vm, "Stopping VM %s now", r.name);
		rc = run_args("stop", FVM_EXIT_FAIL, "-q", "--", vm, NULL);
		if (rc)
			pmsgs("err", vm,
			      "failed to forcefully shutdown VM %s, check "
			      "syslog for more information",
			      r.name);
	}
	vmref_release(&r);
	return rc;
}

static int console_one(const char *vm, int argc, char **argv, bool multi)
{
	struct vmref r;

	(void)argc;
	(void)argv;
	(void)multi;
	if (check_vm(vm, "inactive", &r))
		return FVM_EXIT_FAIL;
	vmref_release(&r);
	return run_args("console", FVM_EXIT_FAIL, "--", vm, NULL);
}

static int fv_console(int argc, char **argv)
{
	if (!have_vm_arg(argc, argv))
		return FVM_EXIT_FAIL;
	/* fast-vm's console took one VM: the argument is that number */
	return console_one(argv[1], argc, argv, false);
}

static int keydist_one(const char *vm, int argc, char **argv, bool multi)
{
	struct vmref r;
	char *key;
	int rc;

	(void)argc;
	(void)argv;
	(void)multi;
	if (check_vm(vm, "inactive", &r))
		return FVM_EXIT_FAIL;
	vmref_release(&r);
	key = guestssh_key(&conf);
	if (!key) {
		key = guestssh_new_key_path(&conf);
		pmsgs("wrn", vm,
		      "Generating new ssh key with empty passphrase for "
		      "fast-vm use at %s",
		      key);
	}
	free(key);
	rc = wait_for_ssh(vm);
	if (rc)
		return rc;
	pmsgs("inf", vm, "Copy SSH key to VM");
	if (conf.keydist_password && *conf.keydist_password)
		pmsgs("inf", vm,
		      "Attempting to use password from /etc/fast-vm.conf");
	rc = run_args("keydist", FVM_EXIT_FAIL, "-q", "--", vm, NULL);
	if (rc)
		return rc;
	if (conf.keydist_password && *conf.keydist_password)
		pmsgs("ok", vm,
		      "Installed SSH key using default password.\n Now try "
		      "logging into the machine with: '%s ssh %s'",
		      me, vm);
	else
		printf("Now try logging into the machine, with: %s ssh %s\n",
		       me, vm);
	return 0;
}

static int ssh_one(const char *vm, int argc, char **argv, bool multi)
{
	const char *script = argc >= 3 ? argv[2] : "";
	struct vmref r;
	struct strv a;
	int rc;

	if (!*script && multi) {
		pmsgs("err", vm,
		      "When running ssh as part of multiple operations, script "
		      "for SSH must be specified.");
		return FVM_EXIT_FAIL;
	}
	if (check_vm(vm, "inactive", &r))
		return FVM_EXIT_FAIL;
	vmref_release(&r);
	rc = wait_for_ssh(vm);
	if (rc)
		return rc;
	if (*script) {
		if (access(script, X_OK) < 0) {
			/* fast-vm went on to exit 0 */
			pmsgs("err", vm, "%s not executable", script);
			return FVM_EXIT_FAIL;
		}
		return run_script(vm, script);
	}
	/* ssh's own status, as fast-vm's */
	args_init(&a, "ssh");
	strv_push(&a, vm);
	rc = run_applet_ex("ssh", &a, FVM_EXIT_FAIL, true, NULL);
	strv_release(&a);
	return rc;
}

/* scp (fast-vm's) and rsync (fvm's, the same way): VM, then the tool's
 * own arguments with vm: for the VM */
static int copy_one(const char *vm, int argc, char **argv, bool multi)
{
	struct vmref r;
	struct strv a;
	int rc;

	(void)multi;
	if (check_vm(vm, "inactive", &r))
		return FVM_EXIT_FAIL;
	vmref_release(&r);
	if (argc < 4 || !*argv[3]) {
		pmsgs("err", vm,
		      "%s requires a sourcepath and destination path to copy",
		      argv[0]);
		return FVM_EXIT_FAIL;
	}
	rc = wait_for_ssh(vm);
	if (rc)
		return rc;
	args_init(&a, argv[0]);
	strv_push(&a, vm);
	/* fast-vm always copied recursively */
	if (!strcmp(argv[0], "scp"))
		strv_push(&a, "-r");
	for (int i = 2; i < argc; i++)
		strv_push(&a, argv[i]);
	rc = run_applet_ex(argv[0], &a, FVM_EXIT_FAIL, true, NULL);
	strv_release(&a);
	return rc;
}

static int note_one(const char *vm, int argc, char **argv, bool multi)
{
	struct vmref r;
	struct strv a;
	int rc = vm_lookup(vm, &r);

	if (rc < 0)
		return FVM_EXIT_FAIL;
	if (rc > 0) {
		/* fast-vm named no VM on this line */
		pmsg("err", -1, "no VM with number '%s' found", vm);
		return FVM_EXIT_FAIL;
	}
	vmref_release(&r);
	if (argc < 3 && multi) {
		pmsgs("err", vm,
		      "When running edit_note as part of multiple operations "
		      "the note must be specified as argument.");
		return FVM_EXIT_FAIL;
	}
	args_init(&a, "note");
	strv_push(&a, "-q");
	strv_push(&a, vm);
	if (argc >= 3) {
		strv_push(&a, "--");
		for (int i = 2; i < argc; i++)
			strv_push(&a, argv[i]);
	}
	rc = run_applet("note", &a, FVM_EXIT_FAIL);
	strv_release(&a);
	return rc;
}

static int resize_one(const char *vm, int argc, char **argv, bool multi)
{
	const char *size = argc >= 3 ? argv[2] : "";
	struct vmref r;
	char g[32];
	int rc;

	(void)multi;
	if (check_vm(vm, "active", &r))
		return FVM_EXIT_FAIL;
	if (!*size || strspn(size, "0123456789") != strlen(size) ||
	    strlen(size) > 9) {
		vmref_release(&r);
		pmsg("err", -1, "invalid size. Use only whole decimal numbers");
		return usage("resize");
	}
	snprintf(g, sizeof(g), "%sG", size);
	pmsgs("inf", vm, "resizing %s disk to %s", r.name, g);
	/* fast-vm's lvresize -f shrank too */
	rc = run_args("resize", FVM_EXIT_FAIL, "-q", "--force", "--", vm, g,
		      NULL);
	if (!rc)
		pmsgs("ok", vm, "VM %s resize to %s succeeded.", vm, g);
	else
		/* fast-vm went on to exit 0 */
		pmsgs("err", vm, "Resize failed. Check logs for more details");
	vmref_release(&r);
	return rc;
}

/* fast-vm's info is two lines; fvm info tells more */
static int info_one(const char *vm, int argc, char **argv, bool multi)
{
	struct virt *v;
	struct vm_entry e = { 0 };
	struct vmref r;
	char ip[16];

	(void)argc;
	(void)argv;
	(void)multi;
	if (check_vm(vm, NULL, &r))
		return FVM_EXIT_FAIL;
	vmref_release(&r);
	v = virt_open(&conf, false);
	if (v && virt_find_vm(v, &conf, atoi(vm), &e) == 0) {
		/* as fast-vm, asking counts as activity */
		if (!e.has_meta)
			pmsgs("wrn", vm,
			      "VM without valid metadata! Creating empty "
			      "metadata and changing ownership of VM to "
			      "'root'");
		e.has_meta = true;
		if (!e.meta.owner)
			e.meta.owner = xstrdup("root");
		if (!e.meta.note)
			e.meta.note = xstrdup("");
		e.meta.activity = time(NULL);
		if (virt_set_meta(e.dom, e.number, &e.meta) < 0)
			err_clear();
		ip_of(vm, ip);
		pmsgs("inf", vm, "IP: %s", ip);
		pmsgs("inf", vm, "vm_name: %s", e.name);
		virt_vm_release(&e);
	}
	err_clear();
	if (v)
		virt_close(v);
	return 0;
}

static int compact_one(const char *vm, int argc, char **argv, bool multi)
{
	struct vmref r;

	(void)argc;
	(void)argv;
	(void)multi;
	if (check_vm(vm, "active", &r))
		return FVM_EXIT_FAIL;
	vmref_release(&r);
	pmsgs("ok", vm, "Compacting disk of VM %s ....", vm);
	return run_args("compact", FVM_EXIT_FAIL, "-q", "--", vm, NULL);
}

/* fast-vm's disk_usage [all|N]: fvm du's table between fast-vm's notes */
static int fv_disk_usage(int argc, char **argv)
{
	const char *vm = argc >= 2 ? argv[1] : "";
	struct vmref r;
	int rc;

	if (*vm && strcmp(vm, "all")) {
		if (check_vm(vm, NULL, &r))
			return FVM_EXIT_FAIL;
		vmref_release(&r);
	}
	pmsg("wrn", -1,
	     "This is EXPERIMENTAL feature, usage data might not be 100%% "
	     "accurate.");
	if (*vm && strcmp(vm, "all"))
		rc = run_args("du", FVM_EXIT_FAIL, "--", vm, NULL);
	else
		rc = run_args("du", FVM_EXIT_FAIL, NULL);
	if (rc)
		return rc;
	pmsg("ok", -1,
	     "'Shared' space is stored only once in thinpool.\n When VM is "
	     "created most of the space is shared with original image.");
	pmsg("ok", -1,
	     "'UnShared' space is unique to VM and consumes extra thinpool "
	     "space.\n This space increases with more changes done to VM "
	     "such as updates or new data.");
	return 0;
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
		/* virsh list --state-running and --inactive, as fast-vm */
		if (vms[i].number < 0 ||
		    (!strcmp(which, "active") && !is_running(vms[i].state)) ||
		    (!strcmp(which, "inactive") && !is_inactive(vms[i].state)))
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

/* an action runs run(), or, for the per-VM ones, each() once per VM of
 * argv[1] (one after another with serialize) */
struct action {
	const char *name;
	int (*run)(int argc, char **argv);
	vm_action each;
	bool serialize;
};

static const struct action fastvm_actions[] = {
	{ "create", fv_create },
	{ "delete", NULL, delete_one, false },
	{ "start", NULL, start_one, false },
	{ "stop", NULL, stop_one, false },
	{ "console", fv_console },
	{ "ssh", NULL, ssh_one, false },
	{ "scp", NULL, copy_one, true },
	{ "rsync", NULL, copy_one, true },
	{ "keydist", NULL, keydist_one, true },
	{ "edit_note", NULL, note_one, false },
	{ "resize", NULL, resize_one, false },
	{ "info", NULL, info_one, false },
	{ "list", fv_list },
	{ "disk_usage", fv_disk_usage },
	{ "compact", NULL, compact_one, false },
	{ NULL, NULL }
};

/* fast-vm 1.6's image actions, moved to fast-vm-image in 1.7 */
static const struct {
	const char *old, *new;
} deprecated[] = { { "import_image", "import" },
		   { "import_custom_image", "import_custom" },
		   { "export_image", "export" },
		   { "remove_image", "remove" },
		   { "import_profile", "import_profile" },
		   { "remove_profile", "remove_profile" },
		   { "resize_image", "resize" },
		   { "list_images", "list" },
		   { "list_profiles", "list_profiles" },
		   { "compact_image", "compact" },
		   { NULL, NULL } };

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

/* where fast-vm looked for an image: its LV, or the dir store's file */
static char *image_where(const char *image)
{
	char *disk = xasprintf("%s%s", conf.vm_prefix, image);
	char *where = store_image_where(&conf, disk);

	free(disk);
	return where;
}

/* image's size in whole GiB (lvs's LSize without its .00g), -1 when
 * there is no such image */
static long long image_gib(const char *image)
{
	char *disk = xasprintf("%s%s", conf.vm_prefix, image);
	struct store *s =
		store_check_name(disk) == 0 ? store_open(&conf) : NULL;
	struct store_usage u = { 0 };
	long long gib = -1;

	if (s && store_exists(s, disk)) {
		gib = 0;
		if (store_usage(s, disk, &u) == 0 && u.exists)
			gib = (long long)(u.size >> 30);
	}
	if (s)
		store_close(s);
	err_clear();
	free(disk);
	return gib;
}

/* fast-vm-image's check_image_existance: exit 2 when it is not there */
static int check_image(const char *image)
{
	char *where;

	if (image_gib(image) >= 0)
		return 0;
	where = image_where(image);
	pmsg("err", -1, "Image '%s' not found.\n '%s' is not a block device.",
	     image, where);
	free(where);
	return FVM_EXIT_USAGE;
}

/* argv[pos], an imported image: fast-vm's "missing image name" with the
 * action's usage when it is not given */
static int need_image(int argc, char **argv, int pos, const char *action)
{
	if (argc <= pos || !*argv[pos]) {
		pmsg("err", -1, "missing image name");
		return usage(action);
	}
	return check_image(argv[pos]);
}

static bool is_url(const char *p)
{
	return !strncmp(p, "http://", 7) || !strncmp(p, "https://", 8);
}

static bool is_file(const char *p)
{
	struct stat sb;

	return stat(p, &sb) == 0 && S_ISREG(sb.st_mode);
}

/* fast-vm-image's check_file for a file an action needs: what, then the
 * action's own line; exit 2 */
static int need_file(const char *path, const char *what, const char *missing)
{
	if (!*path)
		pmsg("inf", -1, "provided empty file path");
	if (is_file(path))
		return 0;
	pmsg("err", -1, "%s: local file '%s' not found", what, path);
	pmsg("err", -1, "%s", missing);
	return FVM_EXIT_USAGE;
}

/* fast-vm reads a template named - from the file of that name, where
 * fvm's applets read standard input */
static const char *file_arg(const char *path)
{
	return strcmp(path, "-") ? path : "./-";
}

/* the XML, hacks and delete-hacks files of import and import_profile */
static int need_files(int argc, char **argv, int first)
{
	char *m;
	int rc;

	m = xasprintf("XML file %s not found", argc > first ? argv[first] : "");
	rc = need_file(argc > first ? argv[first] : "", "XML VM definition", m);
	free(m);
	if (!rc && argc > first + 1 && *argv[first + 1]) {
		m = xasprintf("hack file %s not found", argv[first + 1]);
		rc = need_file(argv[first + 1], "hack file", m);
		free(m);
	}
	if (!rc && argc > first + 2 && *argv[first + 2]) {
		m = xasprintf("delete hack file %s not found", argv[first + 2]);
		rc = need_file(argv[first + 2], "delete hack file", m);
		free(m);
	}
	return rc;
}

static int verify_image(const char *image, const char *dir);

static int img_import_args(int argc, char **argv, int first, const char *size)
{
	const char *name = argc > first ? argv[first] : "",
		   *path = argc > first + 1 ? argv[first + 1] : "";
	const char *base = strrchr(path, '/');
	struct strv a;
	char *dir;
	int rc;

	if (!*name) {
		pmsg("err", -1, "missing image name");
		return usage("import");
	}
	if (check_name(name, "ImageName") < 0)
		return FVM_EXIT_FAIL;
	/* fvm also reads stdin (-) and fetches URLs itself */
	if (strcmp(path, "empty") && strcmp(path, "-") && !is_url(path)) {
		if (!*path)
			pmsg("inf", -1, "provided empty file path");
		if (!is_file(path)) {
			pmsg("err", -1, "image file: local file '%s' not found",
			     path);
			pmsg("err", -1, "image file not found");
			return FVM_EXIT_USAGE;
		}
	}
	rc = need_files(argc, argv, first + 2);
	if (rc)
		return rc;
	base = base ? base + 1 : path;
	if (!size && isdigit((unsigned char)*base)) {
		size_t d = strspn(base, "0123456789");

		if (!strncmp(base + d, "g__", 3))
			pmsg("inf", -1,
			     "Size of image was determined from the filename "
			     "to be %.*sG.",
			     (int)d, base);
	}
	if (image_gib(name) >= 0) {
		pmsg("err", -1,
		     "base image for '%s' version already exists. To remove "
		     "image use 'remove' parameter",
		     name);
		return FVM_EXIT_FAIL;
	}
	dir = image_where(name);
	pmsg("inf", -1, "importing image %s into %s", path, dir);
	free(dir);
	args_init(&a, "import");
	strv_push(&a, "-q");
	if (size) {
		strv_push(&a, "--size");
		strv_push(&a, size);
	}
	strv_push(&a, "--");
	for (int i = first; i < argc && i < first + 5; i++)
		strv_push(&a, i >= first + 2 ? file_arg(argv[i]) : argv[i]);
	rc = run_applet("import", &a, FVM_EXIT_USAGE);
	strv_release(&a);
	if (rc)
		return rc;
	if (!strcmp(path, "empty")) {
		pmsg("ok", -1, "Empty image imported");
		return 0;
	}
	/* as fast-vm: the checksums beside the image file, if any */
	dir = strrchr(path, '/') ?
		      xstrndup(path, (size_t)(strrchr(path, '/') - path)) :
		      xstrdup(".");
	if (!*dir) {
		free(dir);
		dir = xstrdup("/");
	}
	verify_image(name, dir);
	free(dir);
	pmsg("ok", -1, "Image %s imported", name);
	return 0;
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
	const char *fmt = argc >= 3 && *argv[2] ? argv[2] : "xz", *codec;
	char *dest, *cwd;
	int rc;

	rc = need_image(argc, argv, 1, "export");
	if (rc)
		return rc;
	if (!strcmp(fmt, "zst"))
		codec = "zstd";
	else if (!strcmp(fmt, "xz") || !strcmp(fmt, "gz"))
		codec = fmt;
	else {
		pmsg("err", -1,
		     "unknown image format %s (supported: zst, xz, gz)", fmt);
		return FVM_EXIT_FAIL;
	}
	/* fast-vm 1.7 wrote NAME.img.EXT into the current directory */
	cwd = getcwd(NULL, 0);
	dest = xasprintf("%s/%s.img.%s", cwd ? cwd : ".", argv[1], fmt);
	pmsg("inf", -1, "compressing the image %s into %s", argv[1], dest);
	rc = run_args("export", FVM_EXIT_USAGE, "-q", "--format", "legacy",
		      "--compress", codec, "--force", "--", argv[1], dest,
		      NULL);
	if (!rc)
		pmsg("ok", -1, "Image compression finished");
	else
		pmsg("err", -1,
		     "There was error compressing the image, check output "
		     "above");
	free(dest);
	free(cwd);
	return rc;
}

static int fi_remove(int argc, char **argv)
{
	int rc;

	rc = need_image(argc, argv, 1, "remove");
	if (rc)
		return rc;
	pmsg("inf", -1, "stopping and undefining the base VM of %s", argv[1]);
	rc = run_args("image-rm", FVM_EXIT_USAGE, "-q", "--", argv[1], NULL);
	if (!rc)
		pmsg("ok", -1, "image %s removed", argv[1]);
	return rc;
}

/* "ok" or "missing" for F-IMAGE.xml, and fast-vm-image's hack column */
static void image_files(const char *dir, const char *image, bool system,
			const char **xml, char hacks[32])
{
	char *p = xasprintf("%s/config-%s.xml", dir, image);
	bool h, d;

	*xml = is_file(p) ? "ok" : "missing";
	free(p);
	p = xasprintf("%s/hacks-%s.sh", dir, image);
	h = is_file(p);
	free(p);
	p = xasprintf("%s/delete-hacks-%s.sh", dir, image);
	d = is_file(p);
	free(p);
	/* fast-vm-image 1.7 wrote the system column's delete over the rest */
	if (!d)
		snprintf(hacks, 32, "%s", h ? "create" : "no hack files");
	else if (system)
		snprintf(hacks, 32, ",delete");
	else
		snprintf(hacks, 32, "%s,delete",
			 h ? "create" : "no hack files");
}

/*
 * fast-vm-image list: the image names of every disk in the pool with
 * VM_PREFIX (VM disks give their image's name, as there), the image's
 * size and use, and its files in the system and user directories.
 */
static int fi_list(int argc, char **argv)
{
	bool is_short = argc >= 2 && !strcmp(argv[1], "short");
	struct store *s = store_open(&conf);
	size_t plen = strlen(conf.vm_prefix);
	char **names, *last = NULL;

	names = s ? store_list(s, conf.vm_prefix) : NULL;
	if (!names) {
		pmsg("err", -1, "%s", err_msg());
		if (s)
			store_close(s);
		return FVM_EXIT_FAIL;
	}
	if (!is_short) {
		printf("%-36s |%-21s |%-21s |\n", "IMAGE", "SYSTEM", "USER");
		printf("%-20s   %13s |%-8s %-13s|%-8s %-13s|\n", "Image name",
		       "Size( %used )", "XML", "Hack file for", "XML",
		       "Hack file for");
	}
	for (char **n = names; *n; n++) {
		char *image = xstrdup(*n + plen), *end;
		size_t d = strlen(image);

		while (d > 0 && isdigit((unsigned char)image[d - 1]))
			d--;
		if (d < strlen(image) && d > 0 && image[d - 1] == '-')
			image[d - 1] = '\0';
		/* uniq: names come sorted */
		if (last && !strcmp(last, image)) {
			free(image);
			continue;
		}
		free(last);
		last = image;
		if (is_short) {
			printf("%s\n", image);
		} else {
			struct store_usage u = { 0 };
			const char *sx, *ux;
			char sh[32], uh[32], size[64] = "";

			end = xasprintf("%s%s", conf.vm_prefix, image);
			if (store_usage(s, end, &u) == 0 && u.exists)
				fastvm_size_text(u.size, u.allocated, size,
						 sizeof(size));
			err_clear();
			free(end);
			image_files(conf.system_dir, image, true, &sx, sh);
			image_files(conf.user_dir, image, false, &ux, uh);
			printf("%-20s   %13s |%-8s %-13s|%-8s %-13s|\n", image,
			       size, sx, sh, ux, uh);
		}
	}
	free(last);
	store_list_free(names);
	store_close(s);
	if (!is_short) {
		printf("\nNOTE: if image is missing XML it wouldn't be "
		       "possible "
		       "to create a VM from it!\n Image with missing hack "
		       "file(s) can work if it's not needed.\n");
		printf("\n USER XML and hack file(s) takes precendense before "
		       "SYSTEM ones.\n");
	}
	return 0;
}

/* fast-vm-image list_profiles: the system directory's profiles, then
 * the user's (a profile is a directory with a base_image file) */
static int fi_list_profiles(int argc, char **argv)
{
	bool is_short = argc >= 2 && !strcmp(argv[1], "short");
	const char *dirs[2] = { conf.system_dir, conf.user_dir };

	if (!is_short) {
		printf("%-41s|%-41s\n", "Names", "Changes provided by profile");
		printf("%-20s|%-20s|%-5s|%-7s|%-14s\n", "Profile Name",
		       "Base Image Name", "XML", "hacks", "delete-hacks");
	}
	for (int i = 0; i < 2; i++) {
		char **names = tmpl_profile_list(dirs[i]);

		for (char **nm = names; *nm; nm++) {
			struct tmpl_profile p;

			tmpl_profile_read(dirs[i], *nm, i == 0, &p);
			err_clear();
			if (p.base_image && is_short)
				printf("%s\n", *nm);
			else if (p.base_image)
				printf("%-20s|%-20s|%-5s|%-7s|%-14s\n", *nm,
				       p.base_image, p.has_xml ? "yes" : "no",
				       p.has_hacks ? "yes" : "no",
				       p.has_delete_hacks ? "yes" : "no");
			tmpl_profile_release(&p);
		}
		strv_free(names);
	}
	return 0;
}

/*
 * fast-vm-image verify: the applet checks, the personality words its
 * lines as fast-vm did ("[__][inf] part_00 checksum OK", the summary as
 * [ok] or [err]).
 */
static int verify_image(const char *image, const char *dir)
{
	struct strv a;
	char *p0 = xasprintf("%s/%s.part_00.sha512.txt", dir, image),
	     *out = NULL;
	int rc;

	if (!is_file(p0)) {
		free(p0);
		pmsg("err", -1, "part_00 checksum file not found");
		return FVM_EXIT_USAGE;
	}
	free(p0);
	pmsg("ok", -1, "Verifying image %s (%lld) using checksums from %s",
	     image, image_gib(image), dir);
	args_init(&a, "image-verify");
	strv_push(&a, "--");
	strv_push(&a, image);
	strv_push(&a, dir);
	rc = run_applet_ex("image-verify", &a, FVM_EXIT_USAGE, false, &out);
	strv_release(&a);
	for (char *line = out, *nl; line && *line; line = nl + 1) {
		nl = strchr(line, '\n');
		if (nl)
			*nl = '\0';
		if (!strncmp(line, "CHECK SUMMARY", 13))
			pmsg(rc ? "err" : "ok", -1, "%s", line);
		else
			pmsg("inf", -1, "%s", line);
		if (!nl)
			break;
	}
	free(out);
	return rc;
}

static int fi_verify(int argc, char **argv)
{
	int rc;

	rc = need_image(argc, argv, 1, "verify");
	if (rc)
		return rc;
	return verify_image(argv[1], argc >= 3 && *argv[2] ? argv[2] : "./");
}

static int fi_gen_checksums(int argc, char **argv)
{
	struct strv a;
	char *out = NULL;
	int rc;

	rc = need_image(argc, argv, 1, "gen_checksums");
	if (rc)
		return rc;
	pmsg("ok", -1, "Generating checksums for %s (%lld)", argv[1],
	     image_gib(argv[1]));
	args_init(&a, "image-checksum");
	strv_push(&a, "--");
	strv_push(&a, argv[1]);
	rc = run_applet_ex("image-checksum", &a, FVM_EXIT_USAGE, false, &out);
	strv_release(&a);
	/* "./NAME.part_NN.sha512.txt: SUM" as "NAME.part_NN.sha512.txt: SUM";
	 * fvm's sha256 line is its own */
	for (char *line = out, *nl; line && *line; line = nl + 1) {
		nl = strchr(line, '\n');
		if (nl)
			*nl = '\0';
		if (strncmp(line, "sha256 ", 7))
			pmsg("inf", -1, "%s",
			     !strncmp(line, "./", 2) ? line + 2 : line);
		if (!nl)
			break;
	}
	free(out);
	return rc;
}

static int fi_resize(int argc, char **argv)
{
	const char *size = argc >= 3 ? argv[2] : "";
	char g[32];
	int rc;

	rc = need_image(argc, argv, 1, "resize");
	if (rc)
		return rc;
	if (!*size || strspn(size, "0123456789") != strlen(size) ||
	    strlen(size) > 9) {
		pmsg("err", -1,
		     "invalid image size. Use only whole decimal numbers");
		return usage("resize");
	}
	snprintf(g, sizeof(g), "%sG", size);
	pmsg("inf", -1, "resizing image %s to %s", argv[1], g);
	/* fast-vm's lvresize -f shrank too */
	rc = run_args("image-resize", FVM_EXIT_USAGE, "-q", "--force", "--",
		      argv[1], g, NULL);
	if (!rc) {
		pmsg("ok", -1,
		     "Only newly created VMs from this image will use new "
		     "size.");
		pmsg("ok", -1, "Resize of image to %s succeeded.", g);
	} else {
		pmsg("err", -1, "Resize failed. Check logs for more details");
	}
	return rc;
}

static int fi_import_profile(int argc, char **argv)
{
	struct strv a;
	int rc;

	if (argc < 2 || !*argv[1]) {
		pmsg("err", -1, "missing profile name");
		return usage("import_profile");
	}
	if (check_name(argv[1], "ProfileName") < 0)
		return FVM_EXIT_FAIL;
	rc = need_image(argc, argv, 2, "import_profile");
	if (!rc)
		rc = need_files(argc, argv, 3);
	if (rc)
		return rc;
	args_init(&a, "profile-import");
	/* fast-vm overwrote an existing profile */
	strv_push(&a, "-q");
	strv_push(&a, "--force");
	strv_push(&a, "--");
	for (int i = 1; i < argc && i <= 5; i++)
		strv_push(&a, i >= 3 ? file_arg(argv[i]) : argv[i]);
	rc = run_applet("profile-import", &a, FVM_EXIT_USAGE);
	strv_release(&a);
	if (!rc)
		pmsg("ok", -1, "Profile %s based on Image %s imported", argv[1],
		     argv[2]);
	return rc;
}

static int fi_remove_profile(int argc, char **argv)
{
	struct stat sb;
	char *u, *s;
	bool found;
	int rc;

	if (argc < 2 || !*argv[1]) {
		pmsg("err", -1, "missing profile name");
		return usage("remove_profile");
	}
	u = xasprintf("%s/%s", conf.user_dir, argv[1]);
	s = xasprintf("%s/%s", conf.system_dir, argv[1]);
	found = (stat(u, &sb) == 0 && S_ISDIR(sb.st_mode)) ||
		(stat(s, &sb) == 0 && S_ISDIR(sb.st_mode));
	free(u);
	free(s);
	if (!found) {
		pmsg("err", -1, "profile '%s' not found", argv[1]);
		return usage("remove_profile");
	}
	rc = run_args("profile-rm", FVM_EXIT_FAIL, "-q", "--", argv[1], NULL);
	if (!rc)
		pmsg("ok", -1, "Profile %s removed", argv[1]);
	return rc;
}

static int fi_compact(int argc, char **argv)
{
	int rc;

	rc = need_image(argc, argv, 1, "compact");
	if (rc)
		return rc;
	pmsg("ok", -1, "Compacting disk of image %s ....", argv[1]);
	return run_args("image-compact", FVM_EXIT_USAGE, "--", argv[1], NULL);
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
	{ "compact", fi_compact },
	{ "verify", fi_verify },
	{ "gen_checksums", fi_gen_checksums },
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
		return usage(NULL);
	rc = load_conf();
	if (rc)
		return rc;
	for (act = acts; act->name; act++)
		if (!strcmp(act->name, argv[1]))
			break;
	if (!act->name) {
		pmsg("err", -1, "unknown action");
		return usage(NULL);
	}
	if (act->run)
		return act->run(argc - 1, argv + 1);
	if (!have_vm_arg(argc - 1, argv + 1))
		return FVM_EXIT_FAIL;
	return for_each_vm(argc - 1, argv + 1, 1, act->each, act->serialize);
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
			int rc;

			if (strcmp(argv[1], deprecated[i].old))
				continue;
			rc = load_conf();
			if (rc)
				return rc;
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
	for (int i = 0; deprecated[i].old; i++)
		if (!strcmp(act, deprecated[i].old)) {
			complete_image(c, deprecated[i].new, pos, cur);
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

/* argv[0]'s basename selects a personality (applets/main.c) */
const struct personality personalities[] = {
	{ "fast-vm", fastvm_main },
	{ "fast-vm-image", fastvm_image_main },
	{ "configure-fast-vm", configure_fastvm_main },
	{ "fast-vm-net-cleanup", fastvm_net_cleanup_main },
	{ NULL, NULL }
};
