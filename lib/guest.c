/* lib/guest.c: the libguestfs handle: launch, inspection, files, all edits in one launch. */
#include "guest.h"
#include "guest-priv.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "util.h"

void guest_warn(struct guest_result *r, const char *fmt, ...)
{
	va_list ap;
	char *m;

	va_start(ap, fmt);
	if (vasprintf(&m, fmt, ap) < 0)
		abort();
	va_end(ap);
	r->warnings = xrealloc(r->warnings,
			       sizeof(*r->warnings) * (r->nwarnings + 2));
	r->warnings[r->nwarnings++] = m;
	r->warnings[r->nwarnings] = NULL;
}

/* ---- the appliance ---- */

int guest_gfs_fail(guestfs_h *g, const char *what)
{
	const char *m = guestfs_last_error(g);

	return err_set(FVM_EXIT_FAIL, "%s: %s", what,
		       m ? m : "libguestfs gave no reason");
}

static guestfs_h *launch(const struct guest_target *t, bool tcg, bool discard)
{
	guestfs_h *g;

	if (guest_appliance_check(t->appliance) < 0)
		return NULL;
	g = guestfs_create();
	if (!g) {
		err_set(FVM_EXIT_FAIL, "cannot create a libguestfs handle");
		return NULL;
	}
	guestfs_set_error_handler(g, NULL, NULL);
	/* the libvirt backend would need a session daemon for each user;
	 * qemu run directly needs nothing */
	if (!getenv("LIBGUESTFS_BACKEND"))
		guestfs_set_backend(g, "direct");
	if (tcg && !getenv("LIBGUESTFS_BACKEND_SETTINGS")) {
		char *settings[] = { "force_tcg", NULL };

		guestfs_set_backend_settings(g, settings);
	}
	if (t->appliance)
		guestfs_set_path(g, t->appliance);
	/* discard passes the guest's trims through to the disk file or
	 * thin LV, which is what frees the space */
	if (guestfs_add_drive_opts(g, t->disk, GUESTFS_ADD_DRIVE_OPTS_FORMAT,
				   t->format, GUESTFS_ADD_DRIVE_OPTS_DISCARD,
				   discard ? "besteffort" : "disable",
				   -1) < 0 ||
	    guestfs_launch(g) < 0) {
		guest_gfs_fail(g, t->disk);
		guestfs_close(g);
		return NULL;
	}
	return g;
}

void guest_touch(struct gctx *x, const char *path)
{
	strv_push(&x->touched, path);
}

/* sort mountpoints so that "/" is mounted before "/home" */
static int by_length(const void *a, const void *b)
{
	const char *const *p = a, *const *q = b;

	return (int)strlen(p[0]) - (int)strlen(q[0]);
}

bool guest_in_list(const char *s, const char *const *list)
{
	for (; *list; list++)
		if (!strcmp(s, *list))
			return true;
	return false;
}

static int mount_os(struct gctx *x)
{
	static const char *const debian[] = { "debian", "ubuntu", "linuxmint",
					      "kalilinux", NULL };
	static const char *const rhel[] = { "rhel",	   "centos",
					    "fedora",	   "scientificlinux",
					    "oraclelinux", "redhat-based",
					    "rocky",	   "almalinux",
					    "circle",	   NULL };
	guestfs_h *g = x->g;
	char **roots = guestfs_inspect_os(g), **mps;
	size_t n = 0;
	int rc = -1;

	if (!roots)
		return guest_gfs_fail(g, "inspecting the guest");
	if (!roots[0]) {
		strv_free(roots);
		return err_set(FVM_EXIT_FAIL, "no operating system found on %s",
			       x->t->disk);
	}
	x->root = xstrdup(roots[0]);
	strv_free(roots);
	x->type = guestfs_inspect_get_type(g, x->root);
	x->distro = guestfs_inspect_get_distro(g, x->root);
	x->major = guestfs_inspect_get_major_version(g, x->root);
	x->minor = guestfs_inspect_get_minor_version(g, x->root);
	if (!x->type || !x->distro)
		return guest_gfs_fail(g, "inspecting the guest");
	x->debian = guest_in_list(x->distro, debian);
	x->rhel = guest_in_list(x->distro, rhel);
	mps = guestfs_inspect_get_mountpoints(g, x->root);
	if (!mps)
		return guest_gfs_fail(g, "inspecting the guest");
	while (mps[n])
		n += 2;
	qsort(mps, n / 2, 2 * sizeof(*mps), by_length);
	for (size_t i = 0; i < n; i += 2)
		if (guestfs_mount(g, mps[i + 1], mps[i]) < 0) {
			guest_gfs_fail(g, "mounting the guest's filesystems");
			goto out;
		}
	rc = 0;
out:
	strv_free(mps);
	return rc;
}

/* ---- guest file helpers ---- */

/* The file as a string (NULL and *missing when absent, NULL on error). */
char *guest_read_text(struct gctx *x, const char *path, bool *missing)
{
	size_t len = 0;
	char *buf, *s;
	int ex = guestfs_is_file(x->g, path);

	*missing = false;
	if (ex < 0) {
		guest_gfs_fail(x->g, path);
		return NULL;
	}
	if (!ex) {
		*missing = true;
		return NULL;
	}
	buf = guestfs_read_file(x->g, path, &len);
	if (!buf) {
		guest_gfs_fail(x->g, path);
		return NULL;
	}
	s = xstrndup(buf, len);
	free(buf);
	return s;
}

int guest_put_file(struct gctx *x, const char *path, const char *content,
		   size_t len, int mode)
{
	if (guestfs_write(x->g, path, content, len) < 0 ||
	    (mode >= 0 && guestfs_chmod(x->g, mode, path) < 0))
		return guest_gfs_fail(x->g, path);
	guest_touch(x, path);
	return 0;
}

/* mkdir -p the directory, recording the topmost one it made */
int guest_make_dir(struct gctx *x, const char *dir)
{
	char *p = xstrdup(dir), *top = NULL;

	for (;;) {
		int ex = guestfs_exists(x->g, p);
		char *slash;

		if (ex < 0) {
			free(p);
			free(top);
			return guest_gfs_fail(x->g, dir);
		}
		if (ex)
			break;
		free(top);
		top = xstrdup(p);
		slash = strrchr(p, '/');
		if (!slash || slash == p)
			break;
		*slash = 0;
	}
	free(p);
	if (!top)
		return 0;
	free(top);
	if (guestfs_mkdir_p(x->g, dir) < 0)
		return guest_gfs_fail(x->g, dir);
	guest_touch(x, dir);
	return 0;
}

int guest_make_parent(struct gctx *x, const char *path)
{
	char *d = xstrdup(path), *slash = strrchr(d, '/');
	int rc = 0;

	if (slash && slash != d) {
		*slash = 0;
		rc = guest_make_dir(x, d);
	}
	free(d);
	return rc;
}

/* Replace the lines starting with prefix by line (or add it at the end). */
char *guest_replace_line(const char *text, const char *prefix, const char *line)
{
	struct sbuf sb = SBUF_INIT;
	const char *p = text ? text : "";
	bool done = false;

	while (*p) {
		size_t n = strcspn(p, "\n");

		if (str_starts(p, prefix)) {
			if (!done)
				sbuf_addf(&sb, "%s\n", line);
			done = true;
		} else {
			sbuf_add(&sb, p, n);
			sbuf_addc(&sb, '\n');
		}
		p += n + (p[n] == '\n');
	}
	if (!done)
		sbuf_addf(&sb, "%s\n", line);
	return sbuf_detach(&sb);
}

int guest_edit_text_file(struct gctx *x, const char *path, const char *prefix,
			 const char *line)
{
	bool missing;
	char *old = guest_read_text(x, path, &missing), *new;
	int rc;

	if (!old && !missing)
		return -1;
	new = guest_replace_line(old, prefix, line);
	rc = guest_put_file(x, path, new, strlen(new), -1);
	free(old);
	free(new);
	return rc;
}

bool guest_is_linux(struct gctx *x, const char *what)
{
	if (!strcmp(x->type, "linux"))
		return true;
	guest_warn(x->r, "%s skipped: the guest is %s, not Linux", what,
		   x->type);
	return false;
}

int guest_path_exists(struct gctx *x, const char *path)
{
	int ex = guestfs_exists(x->g, path);

	if (ex < 0)
		guest_gfs_fail(x->g, path);
	return ex;
}

int guest_is_dir(struct gctx *x, const char *path)
{
	int d = guestfs_is_dir(x->g, path);

	return d < 0 ? guest_gfs_fail(x->g, path) : d;
}

/* ---- SELinux ---- */

static char *conf_value(const char *text, const char *key)
{
	size_t klen = strlen(key);

	for (const char *p = text; p && *p;) {
		size_t n = strcspn(p, "\n");

		if (!strncmp(p, key, klen) && p[klen] == '=') {
			const char *v = p + klen + 1;
			size_t vn = n - klen - 1;

			while (vn && isspace((unsigned char)v[vn - 1]))
				vn--;
			return xstrndup(v, vn);
		}
		p += n + (p[n] == '\n');
	}
	return NULL;
}

/* Files made in the appliance carry no label: an enforcing guest would
 * refuse them (sshd reading authorized_keys), so label them as the
 * guest's own policy says. */
static int relabel(struct gctx *x)
{
	char *text, *mode = NULL, *type = NULL, *spec = NULL;
	bool missing;
	int ex, rc = -1;

	if (!x->touched.n)
		return 0;
	text = guest_read_text(x, "/etc/selinux/config", &missing);
	if (!text)
		return missing ? 0 : -1;
	mode = conf_value(text, "SELINUX");
	type = conf_value(text, "SELINUXTYPE");
	if (!mode || !type ||
	    (strcmp(mode, "enforcing") && strcmp(mode, "permissive"))) {
		rc = 0;
		goto out;
	}
	spec = xasprintf("/etc/selinux/%s/contexts/files/file_contexts", type);
	ex = guestfs_is_file(x->g, spec);
	if (ex <= 0) {
		rc = ex < 0 ? guest_gfs_fail(x->g, spec) : 0;
		goto out;
	}
	{
		const char *feature[] = { "selinuxrelabel", NULL };

		if (guestfs_feature_available(x->g, (char **)feature) != 1) {
			/* the guest relabels itself at its next boot */
			guest_warn(x->r, "the appliance cannot relabel: "
					 "/.autorelabel asks the guest to");
			if (guestfs_touch(x->g, "/.autorelabel") < 0)
				rc = guest_gfs_fail(x->g, "/.autorelabel");
			else
				rc = 0;
			goto out;
		}
	}
	for (size_t i = 0; i < x->touched.n; i++)
		if (guestfs_selinux_relabel(x->g, spec, x->touched.v[i],
					    GUESTFS_SELINUX_RELABEL_FORCE, 1,
					    -1) < 0) {
			guest_gfs_fail(x->g, "SELinux relabel");
			goto out;
		}
	rc = 0;
out:
	free(spec);
	free(type);
	free(mode);
	free(text);
	return rc;
}

/* ---- all together ---- */

static int apply(struct gctx *x, const struct guest_edits *e)
{
	int seq = 0, rc;

	for (size_t i = 0; i < e->n; i++) {
		const struct guest_edit *d = &e->v[i];

		switch (d->kind) {
		case GUEST_HOSTNAME:
			rc = edit_hostname(x, d->a);
			break;
		case GUEST_SSH_KEY:
			rc = edit_ssh_key(x, d->a, d->b);
			break;
		case GUEST_TIMEZONE:
			rc = edit_timezone(x, d->a);
			break;
		case GUEST_MACHINE_ID:
			rc = edit_machine_id(x);
			break;
		case GUEST_WRITE:
			rc = edit_write(x, d->a, d->b);
			break;
		case GUEST_COPY_IN:
			rc = edit_copy_in(x, d->a, d->b);
			break;
		case GUEST_FIRSTBOOT:
			rc = edit_firstboot(x, d->a, &seq);
			break;
		case GUEST_ROOT_PASSWORD:
			rc = edit_root_password(x, d->a);
			break;
		case GUEST_SERIAL_CONSOLE:
			rc = edit_serial_console(x);
			break;
		case GUEST_DHCP:
			rc = edit_dhcp(x);
			break;
		default:
			rc = err_set(FVM_EXIT_FAIL, "unknown edit");
		}
		if (rc < 0)
			return -1;
		/* an ssh key present already changed nothing */
		if (d->kind != GUEST_SSH_KEY || rc > 0)
			x->r->changed++;
	}
	return relabel(x);
}

/* Launch, retrying without KVM when it fails at once. */
static int launch_guest(struct gctx *x, const struct guest_target *t,
			bool discard)
{
	x->t = t;
	x->g = launch(t, t->tcg, discard);
	/* a host with /dev/kvm where KVM does not actually run guests
	 * (nested, restricted) fails at once: try again without it */
	if (!x->g && !t->tcg && !getenv("LIBGUESTFS_BACKEND_SETTINGS") &&
	    guest_appliance_check(t->appliance) == 0) {
		err_clear();
		x->g = launch(t, true, discard);
	}
	return x->g ? 0 : -1;
}

/* Launch and mount the OS. */
static int open_guest(struct gctx *x, const struct guest_target *t,
		      bool discard)
{
	if (launch_guest(x, t, discard) < 0)
		return -1;
	return mount_os(x);
}

/* Unmount and shut down, keeping the first error; frees x. */
static int close_guest(struct gctx *x, int rc)
{
	if (x->g) {
		if (guestfs_umount_all(x->g) < 0 && rc >= 0)
			rc = guest_gfs_fail(x->g, "unmounting the guest");
		/* only a clean shutdown says the writes reached the disk */
		if (guestfs_shutdown(x->g) < 0 && rc >= 0)
			rc = guest_gfs_fail(x->g, "closing the guest's disk");
		guestfs_close(x->g);
	}
	strv_release(&x->touched);
	free(x->root);
	free(x->type);
	free(x->distro);
	memset(x, 0, sizeof(*x));
	return rc < 0 ? -1 : 0;
}

int guest_customize(const struct guest_target *t, const struct guest_edits *e,
		    struct guest_result *r)
{
	struct gctx x = { 0 };
	int rc;

	memset(r, 0, sizeof(*r));
	x.r = r;
	rc = open_guest(&x, t, false);
	if (rc == 0)
		rc = apply(&x, e);
	return close_guest(&x, rc);
}

int guest_fstrim(const struct guest_target *t)
{
	static const char *const untrimmable[] = { "swap",	  "unknown",
						   "crypto_LUKS", "iso9660",
						   "squashfs",	  "udf",
						   NULL };
	struct gctx x = { 0 };
	char **fs = NULL;
	int rc;

	/* every filesystem, as virt-sparsify --in-place does: an image
	 * need not hold a whole operating system */
	rc = launch_guest(&x, t, true);
	if (rc == 0) {
		fs = guestfs_list_filesystems(x.g);
		if (!fs)
			rc = guest_gfs_fail(x.g, "listing the filesystems");
	}
	/* pairs of device and type */
	for (size_t i = 0; fs && fs[i] && fs[i + 1] && rc == 0; i += 2) {
		const char *dev = fs[i], *type = fs[i + 1];

		/* a btrfs subvolume is trimmed with its filesystem */
		if (guest_in_list(type, untrimmable) ||
		    str_starts(dev, "btrfsvol:"))
			continue;
		if (guestfs_mount(x.g, dev, "/") < 0) {
			rc = guest_gfs_fail(x.g, dev);
			break;
		}
		if (guestfs_fstrim(x.g, "/", -1) < 0)
			rc = guest_gfs_fail(x.g, dev);
		if (guestfs_umount(x.g, "/") < 0 && rc == 0)
			rc = guest_gfs_fail(x.g, dev);
	}
	strv_free(fs);
	return close_guest(&x, rc);
}
