/* applets/create.c: `fvm create IMAGE|PROFILE N...`: VMs from an image, all or nothing. */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "../lib/dhcp.h"
#include "../lib/log.h"
#include "../lib/fault.h"
#include "../lib/guest.h"
#include "../lib/hack.h"
#include "../lib/tmpl.h"
#include "../lib/txn.h"
#include "../cli/vm.h"

/* the options' values (the table binds them) */
static struct {
	const char *note, *xml, *hacks;
	bool strict, json, quiet;
	struct guest_edits edits; /* the customisation options, in order */
} opt;

/* a customisation option: its name is the customize file's key */
static int add_edit(const struct opt *o, const char *arg)
{
	return guest_edit_parse(o->value, o->long_name, arg ? arg : "yes",
				NULL);
}

static const struct opt create_opts[] = {
	OPT_STRING('n', "note", &opt.note, "TEXT",
		   "note shown by list (fast-vm: edit_note)", OPT_C_NONE),
	OPT_BOOL(0, "strict", &opt.strict,
		 "a failing hack file rolls the VM back instead of a warning"),
	OPT_STRING(0, "xml", &opt.xml, "FILE",
		   "use this template instead of the image's or profile's",
		   OPT_C_FILE),
	OPT_STRING(0, "hacks", &opt.hacks, "FILE",
		   "use this hack file instead of the image's or profile's",
		   OPT_C_FILE),
	OPT_CALLBACK(0, "hostname", &opt.edits, "NAME",
		     "set the guest's host name ('' for the VM name, . and _ "
		     "as -)",
		     add_edit),
	OPT_CALLBACK_FILE(0, "ssh-key", &opt.edits, "[USER:]FILE",
			  "add the public key(s) in FILE to USER's (root's) "
			  "authorized_keys",
			  add_edit),
	OPT_CALLBACK(0, "timezone", &opt.edits, "ZONE",
		     "set the guest's time zone, as Europe/Prague ('' for the "
		     "host's)",
		     add_edit),
	OPT_CALLBACK(0, "write", &opt.edits, "PATH:CONTENT",
		     "write CONTENT (as given) to the file PATH in the guest",
		     add_edit),
	OPT_CALLBACK_FILE(0, "copy-in", &opt.edits, "HOSTFILE:PATH",
			  "copy a host file to PATH (a file or directory) in "
			  "the guest",
			  add_edit),
	OPT_CALLBACK(0, "firstboot-command", &opt.edits, "CMD",
		     "run CMD (shell) once, at the guest's first boot",
		     add_edit),
	OPT_CALLBACK_FILE(0, "root-password-file", &opt.edits, "FILE",
			  "set root's password to FILE's first line (- reads "
			  "stdin)",
			  add_edit),
	OPT_CALLBACK(0, "serial-console", &opt.edits, NULL,
		     "kernel console on ttyS0 in the guest's boot loader "
		     "configs",
		     add_edit),
	OPT_CALLBACK(0, "dhcp", &opt.edits, NULL,
		     "configure DHCP on the guest's first NIC, its "
		     "distribution's way",
		     add_edit),
	OPT_JSON(&opt.json),
	OPT_QUIET(&opt.quiet, "print nothing but errors"),
	APPLET_OPT_CONNECT,
	OPT_END(),
};

const struct applet_info create_info = {
	.usage = "IMAGE|PROFILE N...|base",
	.description =
		"Create VM number N from an imported image, or from a profile "
		"(an image with its own template and hacks): clone the image's "
		"disk (a thin snapshot, or a copy-on-write overlay on the dir "
		"storage), define the domain from the template with fast-vm's "
		"macros expanded, record owner, time, profile and note in its "
		"title and description as fast-vm does, and reserve "
		"192.168.S.N for it in the network's DHCP. Then the image's "
		"customisation, if any, and hack file, if any, customise it.\n"
		"Customisation edits the VM's disk natively (libguestfs), all "
		"edits in one appliance launch per VM, before the VM is "
		"committed: a failing edit rolls the VM back. The edits come "
		"first from the image's or profile's customisation file "
		"(customize-IMAGE.conf or PROFILE/customize.conf, looked up "
		"like the hack files in ~/.fast-vm and /etc/fast-vm), then "
		"from the options, in their order. The file holds 'key = "
		"value' lines (# comments); the keys are the options' names: "
		"'hostname = web1', 'ssh-key = /root/.ssh/id_ed25519.pub' "
		"(or USER:FILE; relative paths from the file's directory), "
		"'timezone = Europe/Prague', 'write = /etc/motd:hello\\n' "
		"(\\n is a newline, \\\\ a backslash, in the file only), "
		"'copy-in = FILE:/PATH', 'firstboot-command = CMD', "
		"'machine-id = empty' (so clones make their own), "
		"'root-password-file = FILE', 'serial-console = yes' and "
		"'dhcp = yes'. An empty "
		"hostname means the VM's name with . and _ as -, an empty "
		"timezone the host's.\n"
		"Host name: /etc/hostname, plus the 127.0.1.1 line of "
		"/etc/hosts on Debian and its kin and HOSTNAME= in "
		"/etc/sysconfig/network on RHEL before 7. Time zone: "
		"/etc/localtime links to /usr/share/zoneinfo/ZONE, and "
		"/etc/timezone is written on Debian or where it exists. "
		"First-boot commands are queued in /var/lib/fvm/firstboot and "
		"run once, in order, by /usr/lib/fvm/firstboot.sh (log "
		"/var/log/fvm-firstboot.log), which a systemd guest starts "
		"from the oneshot unit fvm-firstboot.service, a busybox init "
		"guest from a '::once:' line in /etc/inittab and a SysV rc "
		"guest from S99fvm-firstboot links; on other init systems "
		"(OpenRC, upstart) nothing runs them, with a warning.\n"
		"Root password: the first line of the file (- for standard "
		"input; never give a password as an argument) is hashed on "
		"the host with a fresh salt per VM, yescrypt ($y$) on Debian "
		">= 11, Ubuntu >= 22.04, Fedora >= 35 and RHEL >= 9 and its "
		"rebuilds, SHA-512 ($6$) elsewhere, and set as root's in "
		"/etc/shadow with today as its last change. Serial console: "
		"every console= on the kernel command line gives way to "
		"'console=tty0 console=ttyS0,115200n8' in extlinux and "
		"syslinux APPEND lines (plus SERIAL 0 115200), GRUB's "
		"grub.cfg linux lines (edited in place, as grub-mkconfig "
		"cannot run), GRUB_CMDLINE_LINUX in /etc/default/grub, boot "
		"loader entries' options lines in /boot/loader/entries, "
		"kernelopts in grubenv and /etc/kernel/cmdline, whichever "
		"the guest has; with none there it is skipped with a "
		"warning. DHCP on the first NIC, by what the guest has: "
		"netplan gets /etc/netplan/90-fvm-dhcp.yaml (any ethernet "
		"NIC), Debian's ifupdown /etc/network/interfaces.d/fvm-eth0 "
		"(other eth0 stanzas are commented out), RHEL up to 8 "
		"ifcfg-eth0, and RHEL 9, Fedora or a guest with "
		"NetworkManager only a keyfile, fvm-dhcp.nmconnection "
		"(root's, 0600, bound to no interface name); on other "
		"distributions it is skipped with a warning.\n"
		"A fixed appliance (FASTVM_APPLIANCE, or LIBGUESTFS_PATH in "
		"the environment) saves building one per user. On a "
		"guest whose distribution libguestfs does not know, the files "
		"are written and the distribution-specific ones are skipped "
		"with a warning. Files touched on an SELinux guest (enforcing "
		"or permissive, with its policy installed) are relabelled.\n"
		"Each VM is made all or nothing: when a step fails, or on "
		"Ctrl-C, the steps done so far are undone. Several numbers "
		"are created in parallel. 'base' defines the image's own VM "
		"(its disk is the image), for changing the image itself.\n"
		"Exit status 3: no such image or profile; 4: the VM exists "
		"already or is busy; 2: a number outside FVM_VM_RANGE.",
	.opts = create_opts,
	.min_args = 2,
	.max_args = OPT_ARGS_ANY,
	.args = { OPT_C_IMAGE_OR_PROFILE, OPT_C_VM_FREE },
	.repeat_last = true,
	.examples = "Create VM 42 from image c7, with a note:\n"
		    "$ fvm create -n 'web test' c7 42\n"
		    "Create VMs 20 to 24 in parallel, each with its own host "
		    "name and an ssh key:\n"
		    "$ fvm create --hostname '' --ssh-key "
		    "~/.ssh/id_ed25519.pub c7 20-24\n"
		    "Define the image's own VM, to change the image itself:\n"
		    "$ fvm create c7 base",
	.see_also = "fvm-delete(1), fvm-import(1), fvm-profile-import(1), "
		    "virt-customize(1)",
};

struct create_ctx {
	struct fvm_conf *c;
	struct tmpl_source src;
	const char *note;
	bool strict, quiet;
	bool kvm_usable;
	struct guest_edits edits;
	bool tcg;
	struct out_table *out;
	pthread_mutex_t mu;
	/* one define of this call passed libvirt's schema check */
	pthread_mutex_t valid_mu;
	bool validated;
};

static const struct out_col created_cols[] = {
	{ "number", "VM#", OUT_INT, OUT_RIGHT },
	{ "name", "Name", OUT_STR },
	{ "ip", "IP", OUT_STR },
	{ "mac", "MAC", OUT_STR },
	{ "image", "Image", OUT_STR },
	{ "profile", "Profile", OUT_STR },
};

/* ---- undo steps ---- */

struct undo_disk {
	char *name;
};

static int undo_disk(void *arg)
{
	struct undo_disk *u = arg;

	return store_vm_remove(vm_store(), u->name);
}

static void free_undo_disk(void *arg)
{
	struct undo_disk *u = arg;

	free(u->name);
	free(u);
}

static int undo_domain(void *arg)
{
	return virt_remove_domain(vm_virt(false), arg);
}

static void free_domain(void *arg)
{
	virDomainFree(arg);
}

struct undo_dhcp {
	char *network, *mac, *ip;
};

static int undo_dhcp(void *arg)
{
	struct undo_dhcp *u = arg;
	struct lock l = LOCK_INIT;
	int rc;

	if (vm_lock_net(&l, u->network) < 0)
		return -1;
	rc = dhcp_remove(vm_virt(false), u->network, u->mac, u->ip);
	lock_drop(&l);
	return rc;
}

static void free_undo_dhcp(void *arg)
{
	struct undo_dhcp *u = arg;

	free(u->network);
	free(u->mac);
	free(u->ip);
	free(u);
}

/* ---- the steps ---- */

static int interrupted(void)
{
	if (txn_interrupted())
		return err_set(FVM_EXIT_FAIL, "interrupted");
	return 0;
}

static int define_vm(struct create_ctx *x, int n, const char *name,
		     const struct vm_meta *meta, struct txn *t,
		     virDomainPtr *domp, char **macp)
{
	struct store_disk disk = { 0 };
	struct tmpl_vars vars = { 0 };
	char mac[18];
	char *xml;
	virDomainPtr dom;

	if (store_disk_spec(vm_store(), name, &disk) < 0)
		return -1;
	vm_mac(x->c, n, mac);
	vars.vm_name = name;
	vars.image = x->src.image;
	vars.number = n;
	vars.disk = &disk;
	vars.mac = mac;
	vars.domain_type = x->c->domain_type;
	vars.kvm_usable = x->kvm_usable;
	xml = tmpl_expand_file(x->c, x->src.xml_path, &vars, macp);
	store_disk_release(&disk);
	if (!xml)
		return err_context("template %s", x->src.xml_path);
	/* title and description go in with the definition: one define
	 * instead of a define and two metadata updates */
	if (meta) {
		char *with = virt_xml_set_meta(xml, n, meta);

		free(xml);
		if (!(xml = with))
			return err_context("template %s", x->src.xml_path);
	}
	/* the VMs of one call differ only in values fvm fills in: once one
	 * define passed libvirt's schema check (about 10 ms of the daemon's
	 * time each), the others skip it */
	pthread_mutex_lock(&x->valid_mu);
	if (x->validated) {
		pthread_mutex_unlock(&x->valid_mu);
		dom = virt_define_opt(vm_virt(false), xml, false);
	} else {
		dom = virt_define_opt(vm_virt(false), xml, true);
		x->validated = dom != NULL;
		pthread_mutex_unlock(&x->valid_mu);
	}
	free(xml);
	if (!dom)
		return -1;
	txn_push(t, "the domain definition", undo_domain, dom, free_domain);
	*domp = dom;
	return 0;
}

static int reserve_ip(struct create_ctx *x, const char *name, const char *mac,
		      const char *ip, struct txn *t)
{
	struct lock l = LOCK_INIT;
	struct undo_dhcp *u;
	int rc;

	if (vm_lock_net(&l, x->c->libvirt_network) < 0)
		return -1;
	rc = dhcp_add(vm_virt(false), x->c->libvirt_network, mac, ip, name);
	lock_drop(&l);
	if (rc < 0)
		return err_context("DHCP reservation of %s", ip);
	u = xcalloc(1, sizeof(*u));
	u->network = xstrdup(x->c->libvirt_network);
	u->mac = xstrdup(mac);
	u->ip = xstrdup(ip);
	txn_push(t, "the DHCP reservation", undo_dhcp, u, free_undo_dhcp);
	return 0;
}

static int customize(struct create_ctx *x, int n, const char *name)
{
	struct guest_target t = { 0 };
	struct guest_result res = { 0 };
	char *disk;
	int rc = -1;

	if (!x->edits.n)
		return 0;
	disk = store_disk_path(vm_store(), name);
	if (!disk)
		return -1;
	t.disk = disk;
	t.format = store_disk_format(vm_store(), name);
	t.vm_name = name;
	t.appliance = guest_appliance_dir(x->c->appliance);
	t.tcg = x->tcg;
	if (t.format)
		rc = guest_customize(&t, &x->edits, &res);
	free(disk);
	for (size_t i = 0; i < res.nwarnings && !x->quiet; i++)
		warning("VM %d: %s", n, res.warnings[i]);
	guest_result_release(&res);
	return rc < 0 ? err_context("customising %s", name) : 0;
}

static int run_hacks(struct create_ctx *x, int n, const char *name,
		     const char *mac)
{
	struct hack_vars hv = { name, mac, n, x->src.image, x->src.profile };
	char *output = NULL;
	int rc;

	if (!x->src.hacks_path)
		return 0;
	rc = hack_run(x->c, x->src.hacks_path, &hv, &output);
	if (output && *output && !x->quiet)
		fputs(output, stderr);
	free(output);
	if (rc < 0 && !x->strict) {
		warning("%s; the VM was kept (--strict or FVM_HACK_STRICT=yes "
			"rolls it back)",
			err_msg());
		return 0;
	}
	return rc;
}

static void record(struct create_ctx *x, int n, const char *name,
		   const char *ip, const char *mac)
{
	pthread_mutex_lock(&x->mu);
	out_row(x->out);
	if (n >= 0)
		out_int(x->out, 0, n);
	else
		out_str(x->out, 0, NULL);
	out_str(x->out, 1, name);
	out_str(x->out, 2, ip);
	out_str(x->out, 3, mac);
	out_str(x->out, 4, x->src.image);
	out_str(x->out, 5, x->src.profile);
	pthread_mutex_unlock(&x->mu);
}

static int create_one(int n, void *ctx)
{
	struct create_ctx *x = ctx;
	struct txn t = TXN_INIT;
	struct lock l = LOCK_INIT;
	struct vm_entry old;
	struct vm_meta meta = { 0 };
	virDomainPtr dom = NULL;
	char *name, *image_disk, *mac = NULL;
	char ip[16];
	struct undo_disk *ud;
	int rc = -1;

	name = vm_name(x->c, x->src.image, n);
	image_disk = vm_name(x->c, x->src.image, -1);
	vm_ip(x->c, n, ip);
	if (vm_lock(&l, n) < 0)
		goto out;
	fault_point("create.after-lock");
	if (virt_find_vm(vm_virt(false), x->c, n, &old) == 0) {
		err_set(FVM_EXIT_CONFLICT, "VM %d exists already (%s)", n,
			old.name);
		virt_vm_release(&old);
		goto out;
	}
	if (err_code() != FVM_EXIT_NOTFOUND)
		goto out;
	err_clear();
	if (interrupted() < 0 ||
	    store_vm_clone(vm_store(), image_disk, name) < 0)
		goto out;
	ud = xcalloc(1, sizeof(*ud));
	ud->name = xstrdup(name);
	txn_push(&t, "the VM disk", undo_disk, ud, free_undo_disk);
	fault_point("create.after-clone");
	meta.owner = (char *)vm_user();
	meta.activity = time(NULL);
	meta.profile = x->src.profile;
	meta.note = (char *)(x->note ? x->note : "");
	if (interrupted() < 0 ||
	    define_vm(x, n, name, &meta, &t, &dom, &mac) < 0)
		goto out;
	fault_point("create.after-define");
	if (!mac) {
		err_set(FVM_EXIT_FAIL, "the template has no NIC on network %s",
			x->c->libvirt_network);
		goto out;
	}
	if (interrupted() < 0 || reserve_ip(x, name, mac, ip, &t) < 0)
		goto out;
	fault_point("create.after-dhcp");
	if (interrupted() < 0 || customize(x, n, name) < 0 ||
	    interrupted() < 0 || run_hacks(x, n, name, mac) < 0 ||
	    interrupted() < 0)
		goto out;
	fault_point("create.after-hacks");
	txn_commit(&t);
	fault_point("create.after-commit");
	log_vm(x->c, LOG_INFO, n, "VM '%s' created from %s", name,
	       x->src.image);
	vm_forget_host_keys(n);
	record(x, n, name, ip, mac);
	rc = 0;
out:
	if (rc < 0) {
		rc = err_code();
		error("%s", err_msg());
		if (t.n)
			txn_rollback(&t);
	}
	lock_drop(&l);
	free(mac);
	free(name);
	free(image_disk);
	return rc;
}

/* `create IMAGE base`: the image's own VM, on the image's disk, as fast-vm
 * makes it: no snapshot, no metadata, no DHCP entry */
static int create_base(struct create_ctx *x)
{
	struct store_disk disk = { 0 };
	struct tmpl_vars vars = { 0 };
	char *name = vm_name(x->c, x->src.image, -1), *xml;
	virDomainPtr dom;
	int rc = FVM_EXIT_FAIL;

	if (store_disk_spec(vm_store(), name, &disk) < 0)
		goto out;
	vars.vm_name = name;
	vars.image = x->src.image;
	vars.number = -1;
	vars.disk = &disk;
	vars.domain_type = x->c->domain_type;
	vars.kvm_usable = x->kvm_usable;
	xml = tmpl_expand_file(x->c, x->src.xml_path, &vars, NULL);
	store_disk_release(&disk);
	if (!xml)
		goto out;
	dom = virt_define(vm_virt(false), xml);
	free(xml);
	if (!dom)
		goto out;
	virDomainFree(dom);
	record(x, -1, name, NULL, NULL);
	rc = 0;
out:
	if (rc)
		rc = report_err();
	free(name);
	return rc;
}

int create_main(int argc, char **argv)
{
	struct create_ctx x = { 0 };
	enum out_mode mode;
	struct lock image_lock = LOCK_INIT;
	struct vmlist l = { 0 };
	const char *xml, *hacks;
	char *image_disk, lname[300], what[300];
	bool base = false;
	int rc;

	applet_args(&argc, &argv);
	mode = applet_out_mode(opt.json, opt.quiet);
	x.note = opt.note;
	x.strict = opt.strict;
	x.quiet = opt.quiet;
	xml = opt.xml;
	hacks = opt.hacks;
	if (x.note && strchr(x.note, '\n'))
		usage_error("a note is one line");
	x.c = applet_conf();
	x.strict = x.strict || x.c->hack_strict;
	if (argc == 2 && !strcmp(argv[1], "base"))
		base = true;
	else
		vm_parse_numbers(argc - 1, argv + 1, &l);
	if (xml && access(xml, R_OK) < 0)
		die(FVM_EXIT_NOTFOUND, "cannot read template %s: %s", xml,
		    strerror(errno));
	if (hacks && access(hacks, R_OK) < 0)
		die(FVM_EXIT_NOTFOUND, "cannot read hack file %s: %s", hacks,
		    strerror(errno));
	if (tmpl_resolve_with(x.c, argv[0], xml, hacks, &x.src) < 0)
		die_err();
	if (base && opt.edits.n)
		usage_error("the base VM is the image: customise its VMs");
	/* the file's edits first, so that options can override them */
	if (!base && x.src.customize_path &&
	    guest_edits_parse_file(&x.edits, x.src.customize_path) < 0)
		die_err();
	for (size_t i = 0; i < opt.edits.n; i++)
		guest_edits_add(&x.edits, opt.edits.v[i].kind, opt.edits.v[i].a,
				opt.edits.v[i].b);
	guest_edits_release(&opt.edits);
	if (x.edits.n &&
	    guest_appliance_check(guest_appliance_dir(x.c->appliance)) < 0)
		die_err();
	image_disk = vm_name(x.c, x.src.image, -1);
	if (!store_exists(vm_store(), image_disk))
		die(FVM_EXIT_NOTFOUND, "image '%s' does not exist (no disk %s)",
		    x.src.image, image_disk);
	if (store_check_watermark(vm_store(), x.c->pool_watermark) < 0)
		die_err();
	txn_signals_block();
	x.kvm_usable = x.c->domain_type == FVM_DOMTYPE_AUTO &&
		       virt_kvm_usable(vm_virt(false));
	x.tcg = x.c->domain_type == FVM_DOMTYPE_QEMU ||
		(x.c->domain_type == FVM_DOMTYPE_AUTO && !x.kvm_usable);
	/* the image may not change under the clones (import and image-rm
	 * take it exclusively) */
	snprintf(lname, sizeof(lname), "image-%s", x.src.image);
	snprintf(what, sizeof(what), "image %s", x.src.image);
	if (lock_take(&image_lock, lname, what, false, LOCK_WAIT_MS) < 0)
		die_err();
	x.out = out_table_new(created_cols,
			      sizeof(created_cols) / sizeof(created_cols[0]));
	pthread_mutex_init(&x.mu, NULL);
	pthread_mutex_init(&x.valid_mu, NULL);
	if (base)
		rc = create_base(&x);
	else
		rc = vm_run_each(&l, create_one, &x, "created", x.quiet);
	lock_drop(&image_lock);
	/* the VMs were done in parallel: print them in VM order */
	out_sort_int(x.out, 0);
	if (mode == OUT_JSON || (mode == OUT_HUMAN && out_rows(x.out)))
		out_print_list(x.out, mode, stdout);
	out_table_free(x.out);
	tmpl_source_release(&x.src);
	guest_edits_release(&x.edits);
	vmlist_release(&l);
	free(image_disk);
	return rc;
}
