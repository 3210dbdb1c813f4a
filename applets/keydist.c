/* applets/keydist.c: `fvm keydist N...`: install fvm's ssh key in VMs, offline or over ssh. */
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../lib/guest.h"
#include "../lib/proc.h"
#include "../cli/vm.h"

struct keydist_ctx {
	long timeout;
	bool quiet, interactive;
	char *key, *pubkey;
	const char *password_file;
	int password_fd;
	char *password;	     /* from --password-file or --password-fd */
	char *password_what; /* where it came from, for messages */
};

/* the options' values and the run's context (the table binds them) */
static struct keydist_ctx opt = { .timeout = VM_SSH_TIMEOUT,
				  .password_fd = -1 };

static const struct opt keydist_opts[] = {
	OPT_LONG('t', "timeout", &opt.timeout, "SECONDS",
		 "for a running VM: wait at most this long for ssh (default "
		 "300)",
		 0, 86400),
	OPT_STRING(0, "password-file", &opt.password_file, "FILE",
		   "for a running VM: root's password is the first line of "
		   "FILE (instead of FASTVM_KEYDIST_PASSWORD)",
		   OPT_C_FILE),
	OPT_INT(0, "password-fd", &opt.password_fd, "N",
		"for a running VM: root's password is the first line read "
		"from descriptor N (instead of FASTVM_KEYDIST_PASSWORD)",
		0, INT_MAX),
	OPT_QUIET(&opt.quiet, "print nothing but errors"),
	APPLET_OPT_CONNECT,
	OPT_END(),
};

const struct applet_info keydist_info = {
	.usage = "N...",
	.description =
		"Let 'fvm ssh' log in to VM number N without a password: "
		"install fvm's public key in root's authorized_keys. The key "
		"is $FVM_STATE_DIR/id_fvm (or fast-vm's ~/.fast-vm/id_fastvm "
		"when only that exists); when there is none, an ed25519 key "
		"without passphrase is made first.\n"
		"A stopped VM gets the key written into its disk with "
		"libguestfs (/root/.ssh 0700, authorized_keys 0600, owned by "
		"root, SELinux labels kept right); nothing changes when the "
		"key is there already. A running VM gets it over ssh: "
		"nothing to do when the key works already, else with the "
		"password of --password-file or --password-fd, or "
		"FASTVM_KEYDIST_PASSWORD from the configuration, through "
		"sshpass, as fast-vm does, else by asking for the password "
		"on the terminal. The password reaches sshpass in its "
		"environment, never on a command line where ps shows it. "
		"The VM's host key is recorded on that first connection.\n"
		"Exit status 1: the key could not be installed, or the "
		"password file or descriptor gives no password; 2: usage; 3: "
		"no VM N.",
	.opts = keydist_opts,
	.min_args = 1,
	.max_args = OPT_ARGS_ANY,
	.args = { OPT_C_VM },
	.repeat_last = true,
	.examples = "Install fvm's ssh key in VMs 20 to 24, whose root "
		    "password is in a file:\n"
		    "$ fvm keydist --password-file root.pw 20-24",
	.files = "$FVM_STATE_DIR/id_fvm\tfvm's ssh key, made when missing.",
	.see_also = "fvm-ssh(1)",
};

static char *read_pubkey(const char *key)
{
	char *path = xasprintf("%s.pub", key), *out = NULL, *err = NULL;
	FILE *f = fopen(path, "r");
	char line[16384];

	free(path);
	if (f) {
		char *r = fgets(line, sizeof(line), f) ? xstrdup(line) : NULL;

		fclose(f);
		if (r && str_starts(r, "ssh-"))
			return r;
		free(r);
	}
	/* the public half can always be derived from the private key */
	{
		char *argv[] = { "ssh-keygen", "-y", "-f", (char *)key, NULL };

		if (proc_run(argv, &out, &err) != 0 ||
		    !str_starts(out, "ssh-")) {
			char *l = proc_last_line(err);

			err_set(FVM_EXIT_FAIL,
				"cannot read the public key of %s%s%s", key,
				*l ? ": " : "", l);
			free(l);
			free(out);
			out = NULL;
		}
	}
	free(err);
	return out;
}

static int offline(struct keydist_ctx *x, struct vm_entry *e)
{
	struct fvm_conf *c = applet_conf();
	struct guest_edits edits = { 0 };
	struct guest_result res;
	struct guest_target t = { 0 };
	char *disk = store_disk_path(vm_store(), e->name);
	int rc;

	if (!disk)
		return -1;
	t.disk = disk;
	t.format = store_disk_format(vm_store(), e->name);
	if (!t.format) {
		free(disk);
		return -1;
	}
	t.vm_name = e->name;
	t.appliance = guest_appliance_dir(c->appliance);
	t.tcg = c->domain_type == FVM_DOMTYPE_QEMU ||
		(c->domain_type == FVM_DOMTYPE_AUTO &&
		 !virt_kvm_usable(vm_virt(false)));
	guest_edits_add(&edits, GUEST_SSH_KEY, x->pubkey, NULL);
	rc = guest_customize(&t, &edits, &res);
	for (size_t i = 0; i < res.nwarnings; i++)
		warning("VM %d: %s", e->number, res.warnings[i]);
	if (rc >= 0 && !x->quiet)
		printf("VM %d: %s\n", e->number,
		       res.changed ? "key installed (offline)" :
				     "key present already");
	guest_result_release(&res);
	guest_edits_release(&edits);
	free(disk);
	return rc < 0 ? -1 : 0;
}

/* Run argv: output captured, or on this terminal when interactive. */
static int run(char *const argv[], char *const env[], bool interactive,
	       char **errs)
{
	struct proc_opts o = { 0 };

	o.env = env;
	o.path = getenv("PATH");
	if (interactive) {
		pid_t pid = fork();
		int st;

		if (pid < 0)
			return err_sys(FVM_EXIT_FAIL, "fork");
		if (pid == 0) {
			execvp(argv[0], argv);
			_exit(127);
		}
		if (waitpid(pid, &st, 0) < 0)
			return err_sys(FVM_EXIT_FAIL, "waitpid");
		return WIFEXITED(st) ? WEXITSTATUS(st) : 128;
	}
	return proc_run_opts(argv, &o, NULL, errs);
}

static int online(struct keydist_ctx *x, int n)
{
	struct fvm_conf *c = applet_conf();
	struct strv a = STRV_INIT;
	char ip[16], *known = vm_known_hosts_path(n), *errs = NULL;
	char *pass_env[] = { NULL, NULL };
	const char *pw = x->password ? x->password : c->keydist_password;
	const char *pw_what =
		x->password ? x->password_what : "FASTVM_KEYDIST_PASSWORD";
	int rc = -1;

	vm_ip(c, n, ip);
	if (vm_ready_for_ssh(n, x->timeout, !x->quiet && isatty(2)) < 0)
		goto out;
	/* also records the host key on this first connection */
	strv_push(&a, "ssh");
	guestssh_opts(&a, x->key, known, true);
	strv_pushf(&a, "root@%s", ip);
	strv_push(&a, "true");
	if (run(a.v, NULL, false, NULL) == 0) {
		if (!x->quiet)
			printf("VM %d: key works already\n", n);
		rc = 0;
		goto out;
	}
	err_clear();
	strv_release(&a);
	if (pw && *pw) {
		pass_env[0] = xasprintf("SSHPASS=%s", pw);
		/* -e: the password stays out of the process list */
		strv_push(&a, "sshpass");
		strv_push(&a, "-e");
	}
	strv_push(&a, "ssh-copy-id");
	guestssh_opts(&a, x->key, known, false);
	strv_pushf(&a, "root@%s", ip);
	if (pass_env[0]) {
		rc = run(a.v, pass_env, false, &errs);
		if (rc == 0)
			goto done;
		if (rc < 0 && err_code() == FVM_EXIT_NOTFOUND) {
			err_set(FVM_EXIT_FAIL,
				"VM %d runs and sshpass is not installed: "
				"install it (Debian: sshpass) or stop the VM "
				"to install the key offline",
				n);
			rc = -1;
			goto out;
		}
		/* a password given for this run is not asked again */
		if (!x->interactive || x->password) {
			char *l = proc_last_line(errs);

			rc = err_set(FVM_EXIT_FAIL,
				     "VM %d: ssh-copy-id with %s failed%s%s", n,
				     pw_what, *l ? ": " : "", l);
			free(l);
			goto out;
		}
		/* as fast-vm: fall back to asking */
		for (int i = 0; i < 2; i++)
			free(a.v[i]);
		memmove(a.v, a.v + 2, (a.n - 1) * sizeof(*a.v));
		a.n -= 2;
	}
	if (!x->interactive) {
		rc = err_set(FVM_EXIT_FAIL,
			     "VM %d runs and its ssh does not take the key: "
			     "stop it to install the key offline, or give "
			     "root's password with --password-file",
			     n);
		goto out;
	}
	rc = run(a.v, NULL, true, NULL);
	if (rc != 0) {
		if (rc > 0)
			err_set(FVM_EXIT_FAIL,
				"ssh-copy-id failed with exit "
				"status %d",
				rc);
		rc = -1;
		goto out;
	}
done:
	if (!x->quiet)
		printf("VM %d: key installed; log in with 'fvm ssh %d'\n", n,
		       n);
	rc = 0;
out:
	if (pass_env[0])
		explicit_bzero(pass_env[0], strlen(pass_env[0]));
	free(pass_env[0]);
	free(errs);
	free(known);
	strv_release(&a);
	return rc;
}

static pthread_mutex_t key_mu = PTHREAD_MUTEX_INITIALIZER;

/* The key and its public half, made once the first VM is known to
 * exist, so that a typo in N leaves no key behind. */
static int ensure_key(struct keydist_ctx *x)
{
	int rc = 0;

	pthread_mutex_lock(&key_mu);
	if (x->pubkey)
		goto out;
	if (!x->key)
		x->key = guestssh_key(applet_conf());
	if (!x->key) {
		x->key = guestssh_new_key_path(applet_conf());
		if (!x->quiet)
			report(NULL,
			       "generating a new ssh key without "
			       "passphrase for fvm at %s",
			       x->key);
		if (guestssh_make_key(x->key) < 0) {
			free(x->key);
			x->key = NULL;
			rc = -1;
			goto out;
		}
	}
	x->pubkey = read_pubkey(x->key);
	if (!x->pubkey)
		rc = -1;
out:
	pthread_mutex_unlock(&key_mu);
	return rc;
}

static int keydist_one(int n, void *ctx)
{
	struct keydist_ctx *x = ctx;
	struct lock l = LOCK_INIT;
	struct vm_entry e = { 0 };
	int rc = -1;

	if (virt_find_vm(vm_virt(false), applet_conf(), n, &e) < 0) {
		if (err_code() == FVM_EXIT_NOTFOUND)
			err_set(FVM_EXIT_NOTFOUND, "no VM with number %d", n);
		return report_err();
	}
	if (ensure_key(x) < 0) {
		virt_vm_release(&e);
		return report_err();
	}
	if (e.state == VIR_DOMAIN_SHUTOFF) {
		/* nobody may start it while its disk is open here */
		if (vm_lock(&l, n) == 0 && offline(x, &e) == 0)
			rc = 0;
		lock_drop(&l);
		if (rc == 0 && vm_touch(&e) < 0) {
			warning("%s", err_msg());
			err_clear();
		}
	} else {
		rc = online(x, n);
	}
	virt_vm_release(&e);
	return rc < 0 ? report_err() : 0;
}

int keydist_main(int argc, char **argv)
{
	struct vmlist l;
	int rc;

	applet_args(&argc, &argv);
	if (opt.password_file && opt.password_fd >= 0)
		usage_error("--password-file and --password-fd exclude each "
			    "other");
	vm_parse_numbers(argc, argv, &l);
	if (opt.password_file || opt.password_fd >= 0) {
		opt.password =
			read_password_line(opt.password_file, opt.password_fd);
		if (!opt.password) {
			vmlist_release(&l);
			return report_err();
		}
		opt.password_what =
			opt.password_file ?
				xasprintf("the password of %s",
					  opt.password_file) :
				xasprintf("the password of descriptor %d",
					  opt.password_fd);
	}
	/* a password read from descriptor 0 leaves no terminal to ask on */
	opt.interactive = l.len == 1 && isatty(0) && opt.password_fd != 0;
	vm_known_hosts_dir();
	rc = vm_run_each(&l, keydist_one, &opt, "done", opt.quiet);
	free(opt.key);
	free(opt.pubkey);
	if (opt.password)
		explicit_bzero(opt.password, strlen(opt.password));
	free(opt.password);
	free(opt.password_what);
	vmlist_release(&l);
	return rc;
}
