/* compat/fastvm-vm.c: fast-vm's actions on VMs (create, delete, start, stop, ssh, list, ...). */
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

/* the image a create of name uses (a profile names its image in
 * base_image, the user's first; a bad one is the create applet's to
 * report) and its disk in *disk; NULL after fast-vm's message when the
 * image is not there */
static char *create_image(const char *vm, const char *name, char **disk)
{
	struct tmpl_profile prof;
	struct store *s;
	char *image = NULL;
	bool exists;

	if (tmpl_profile_find(&fv_conf, name, &prof) > 0 && prof.base_image) {
		image = xstrdup(prof.base_image);
		pmsgs("inf", vm, "using image %s with profile %s", image, name);
	}
	tmpl_profile_release(&prof);
	err_clear();
	if (!image)
		image = xstrdup(name);
	*disk = xasprintf("%s%s", fv_conf.vm_prefix, image);
	s = store_check_name(*disk) == 0 ? store_open(&fv_conf) : NULL;
	exists = s && store_exists(s, *disk);
	if (s)
		store_close(s);
	err_clear();
	if (!exists) {
		char *where = store_image_where(&fv_conf, *disk);

		pmsgs("err", vm,
		      "Missing image for %s.\n%s not found.\nFirst import "
		      "image using 'fast-vm image_import %s'",
		      image, where, image);
		free(where);
		free(image);
		free(*disk);
		*disk = NULL;
		return NULL;
	}
	return image;
}

/* create's VM argument: a free number in range, or base; 0 or the exit
 * code after fast-vm's message */
static int create_check_vm(const char *vm, const char *image, bool base)
{
	struct vmref r;

	if (is_number(vm)) {
		long n = strtol(vm, NULL, 10);

		if (n < fv_conf.vm_min || n > fv_conf.vm_max) {
			pmsgs("err", vm, "VM number out of range (%d-%d)",
			      fv_conf.vm_min, fv_conf.vm_max);
			return fv_usage("create");
		}
		if (vm_lookup(vm, &r) == 0) {
			vmref_release(&r);
			pmsgs("err", vm,
			      "VM with this VM number already exists");
			return FVM_EXIT_FAIL;
		}
	} else if (base) {
		pmsgs("inf", vm, "creating base image VM for %s", image);
	} else {
		pmsgs("err", vm,
		      "only numbers from range %d-%d and word 'base' permitted "
		      "here",
		      fv_conf.vm_min, fv_conf.vm_max);
		return fv_usage("create");
	}
	return 0;
}

/* the create applet on name and vm, with the files the user gave */
static int create_run(const char *vm, const char *name, const char *xml,
		      const char *hacks)
{
	struct strv a;
	int rc;

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
	return rc;
}

static int create_one(const char *vm, int argc, char **argv, bool multi)
{
	const char *name = argv[1],
		   *xml = argc >= 4 && *argv[3] ? argv[3] : NULL,
		   *hacks = argc >= 5 && *argv[4] ? argv[4] : NULL;
	struct tmpl_source src = { 0 };
	char *image, *disk, *vm_name;
	bool base = !strcmp(vm, "base");
	int rc;

	(void)multi;
	image = create_image(vm, name, &disk);
	if (!image)
		return FVM_EXIT_USAGE;
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
	if (tmpl_resolve_with(&fv_conf, name, xml, hacks, &src) < 0) {
		err_clear();
		pmsgs("err", vm,
		      "no VM XML definition for image %s. Import image again "
		      "or supply alternative xml",
		      image);
		rc = fv_usage("create");
		goto out;
	}
	pmsgs("inf", vm, "using file %s as libvirt XML", src.xml_path);
	if (src.hacks_path)
		pmsgs("inf", vm, "using file %s as hack file", src.hacks_path);
	rc = create_check_vm(vm, image, base);
	if (rc)
		goto out;
	vm_name = base ? xstrdup(disk) : xasprintf("%s-%s", disk, vm);
	if (!base)
		pmsgs("inf", vm, "defining virtual machine '%s' in libvirt",
		      vm_name);
	rc = create_run(vm, name, xml, hacks);
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
		      fv_conf.connect_uri, vm_name, image);
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
		return fv_usage("create");
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
	if (fv_conf.owner_only_delete && strcmp(user, "root") &&
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

static int keydist_one(const char *vm, int argc, char **argv, bool multi);

/* start VM vm (named name), or say it failed as fast-vm does */
static int start_named(const char *vm, const char *name)
{
	int rc = run_args("start", FVM_EXIT_FAIL, "-q", "--", vm, NULL);

	if (rc)
		pmsgs("err", vm,
		      "failed to start VM %s, check syslog for more "
		      "information",
		      name);
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
		rc = start_named(vm, r.name);
		if (!rc)
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
		rc = start_named(vm, r.name);
		if (!rc && !(rc = wait_for_ssh(vm))) {
			if (*script && access(script, X_OK) == 0)
				rc = run_script(vm, script);
			else
				rc = run_args("ssh", FVM_EXIT_FAIL, "--", vm,
					      NULL);
		}
	} else if (!strcmp(then, "keydist")) {
		pmsgs("inf", vm, "starting VM %s", r.name);
		rc = start_named(vm, r.name);
		if (!rc)
			rc = keydist_one(vm, argc, argv, multi);
	} else {
		rc = fv_usage("start");
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
	(void)argc;
	(void)argv;
	(void)multi;
	if (check_vm(vm, "inactive", NULL))
		return FVM_EXIT_FAIL;
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
	char *key;
	int rc;

	(void)argc;
	(void)argv;
	(void)multi;
	if (check_vm(vm, "inactive", NULL))
		return FVM_EXIT_FAIL;
	key = guestssh_key(&fv_conf);
	if (!key) {
		key = guestssh_new_key_path(&fv_conf);
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
	if (fv_conf.keydist_password && *fv_conf.keydist_password)
		pmsgs("inf", vm,
		      "Attempting to use password from /etc/fast-vm.conf");
	rc = run_args("keydist", FVM_EXIT_FAIL, "-q", "--", vm, NULL);
	if (rc)
		return rc;
	if (fv_conf.keydist_password && *fv_conf.keydist_password)
		pmsgs("ok", vm,
		      "Installed SSH key using default password.\n Now try "
		      "logging into the machine with: '%s ssh %s'",
		      fv_me, vm);
	else
		printf("Now try logging into the machine, with: %s ssh %s\n",
		       fv_me, vm);
	return 0;
}

static int ssh_one(const char *vm, int argc, char **argv, bool multi)
{
	const char *script = argc >= 3 ? argv[2] : "";
	struct strv a;
	int rc;

	if (!*script && multi) {
		pmsgs("err", vm,
		      "When running ssh as part of multiple operations, script "
		      "for SSH must be specified.");
		return FVM_EXIT_FAIL;
	}
	if (check_vm(vm, "inactive", NULL))
		return FVM_EXIT_FAIL;
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
	struct strv a;
	int rc;

	(void)multi;
	if (check_vm(vm, "inactive", NULL))
		return FVM_EXIT_FAIL;
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
		return fv_usage("resize");
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
	v = virt_open(&fv_conf, false);
	if (v && virt_find_vm(v, &fv_conf, atoi(vm), &e) == 0) {
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
	(void)argc;
	(void)argv;
	(void)multi;
	if (check_vm(vm, "active", NULL))
		return FVM_EXIT_FAIL;
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
	v = virt_open(&fv_conf, false);
	if (!v || virt_list_vms(v, &fv_conf, false, &vms, &n) < 0) {
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

const struct action fastvm_actions[] = { { "create", fv_create },
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
					 { "compact", NULL, compact_one,
					   false },
					 { NULL, NULL } };
