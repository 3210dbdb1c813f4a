/* lib/guest.c: native guest customisation with libguestfs, all edits in one launch. */
#include "guest.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <guestfs.h>

#include "err.h"
#include "util.h"

#define FIRSTBOOT_RUNNER "/usr/lib/fvm/firstboot.sh"
#define FIRSTBOOT_DIR "/var/lib/fvm/firstboot"
#define FIRSTBOOT_UNIT "/etc/systemd/system/fvm-firstboot.service"
#define FIRSTBOOT_INITD "/etc/init.d/fvm-firstboot"

/* ---- the list of edits ---- */

void guest_edits_add(struct guest_edits *e, enum guest_edit_kind kind,
		     const char *a, const char *b)
{
	e->v = xrealloc(e->v, sizeof(*e->v) * (e->n + 1));
	e->v[e->n].kind = kind;
	e->v[e->n].a = a ? xstrdup(a) : NULL;
	e->v[e->n].b = b ? xstrdup(b) : NULL;
	e->n++;
}

void guest_edits_release(struct guest_edits *e)
{
	for (size_t i = 0; i < e->n; i++) {
		free(e->v[i].a);
		free(e->v[i].b);
	}
	free(e->v);
	e->v = NULL;
	e->n = 0;
}

void guest_result_release(struct guest_result *r)
{
	for (size_t i = 0; i < r->nwarnings; i++)
		free(r->warnings[i]);
	free(r->warnings);
	memset(r, 0, sizeof(*r));
}

static void result_warn(struct guest_result *r, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void result_warn(struct guest_result *r, const char *fmt, ...)
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

/* ---- parsing ---- */

static bool valid_user(const char *s, size_t n)
{
	if (!n || n > 32 || !(islower((unsigned char)s[0]) || s[0] == '_'))
		return false;
	for (size_t i = 0; i < n; i++)
		if (!islower((unsigned char)s[i]) &&
		    !isdigit((unsigned char)s[i]) && !strchr("_-.", s[i]))
			return false;
	return true;
}

/* RFC 1123 names, dotted */
static bool valid_hostname(const char *s)
{
	size_t n = strlen(s), label = 0;

	if (!n || n > 253 || s[0] == '.' || s[n - 1] == '.')
		return false;
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '.') {
			if (!label || s[i - 1] == '-')
				return false;
			label = 0;
			continue;
		}
		if (!isalnum((unsigned char)s[i]) && s[i] != '-')
			return false;
		if ((label == 0 && s[i] == '-') || ++label > 63)
			return false;
	}
	return s[n - 1] != '-';
}

/* a zone name becomes a path in the guest: no "..", nothing odd */
static bool valid_zone(const char *z)
{
	if (!*z || z[0] == '/' || strstr(z, "..") || strlen(z) > 200)
		return false;
	for (; *z; z++)
		if (!isalnum((unsigned char)*z) && !strchr("/_-+", *z))
			return false;
	return true;
}

static bool valid_guest_path(const char *p)
{
	size_t n = strlen(p);

	if (p[0] != '/' || n < 2 || strstr(p, "/../"))
		return false;
	return n < 3 || strcmp(p + n - 3, "/..");
}

static char *host_path(const char *p, const char *base_dir)
{
	if (p[0] == '/' || !base_dir)
		return xstrdup(p);
	return xasprintf("%s/%s", base_dir, p);
}

/* The key lines of a public key file (ssh-ed25519 AAAA... comment). */
static char *read_pubkeys(const char *path)
{
	struct sbuf sb = SBUF_INIT;
	char line[16384];
	FILE *f = fopen(path, "re");

	if (!f) {
		err_sys(FVM_EXIT_FAIL, "ssh key %s", path);
		return NULL;
	}
	while (fgets(line, sizeof(line), f)) {
		char *s = line + strspn(line, " \t");

		s[strcspn(s, "\r\n")] = 0;
		if (!*s || *s == '#')
			continue;
		if (str_starts(s, "-----BEGIN")) {
			fclose(f);
			sbuf_release(&sb);
			err_set(FVM_EXIT_USAGE,
				"ssh key %s is a private key: give its .pub",
				path);
			return NULL;
		}
		sbuf_addf(&sb, "%s\n", s);
	}
	fclose(f);
	if (!sb.len) {
		err_set(FVM_EXIT_USAGE, "ssh key %s holds no key", path);
		return NULL;
	}
	return sbuf_detach(&sb);
}

char *guest_host_timezone(void)
{
	char buf[PATH_MAX];
	FILE *f = fopen("/etc/timezone", "re");
	ssize_t n;

	if (f) {
		char *s = fgets(buf, sizeof(buf), f);

		fclose(f);
		if (s) {
			s[strcspn(s, " \t\r\n")] = 0;
			if (valid_zone(s))
				return xstrdup(s);
		}
	}
	n = readlink("/etc/localtime", buf, sizeof(buf) - 1);
	if (n > 0) {
		char *z;

		buf[n] = 0;
		z = strstr(buf, "zoneinfo/");
		if (z && valid_zone(z + 9))
			return xstrdup(z + 9);
	}
	err_set(FVM_EXIT_FAIL, "cannot tell the host's time zone "
			       "(no /etc/timezone, /etc/localtime no link "
			       "into zoneinfo): give one");
	return NULL;
}

int guest_edit_parse(struct guest_edits *e, const char *key,
		     const char *value, const char *base_dir)
{
	const char *colon = strchr(value, ':');

	if (!strcmp(key, "hostname")) {
		if (*value && !valid_hostname(value))
			return err_set(FVM_EXIT_USAGE,
				       "hostname '%s' is no valid host name",
				       value);
		guest_edits_add(e, GUEST_HOSTNAME, value, NULL);
	} else if (!strcmp(key, "ssh-key")) {
		char *user = NULL, *path, *keys;

		/* USER:FILE, where a path (with a slash) cannot be a user */
		if (colon && valid_user(value, (size_t)(colon - value))) {
			user = xstrndup(value, (size_t)(colon - value));
			value = colon + 1;
		}
		path = host_path(value, base_dir);
		keys = read_pubkeys(path);
		free(path);
		if (keys)
			guest_edits_add(e, GUEST_SSH_KEY, keys, user);
		free(keys);
		free(user);
		return keys ? 0 : -1;
	} else if (!strcmp(key, "timezone")) {
		char *z = *value ? xstrdup(value) : guest_host_timezone();

		if (!z)
			return -1;
		if (!valid_zone(z)) {
			err_set(FVM_EXIT_USAGE,
				"time zone '%s' is no zone name "
				"(as Europe/Prague)", z);
			free(z);
			return -1;
		}
		guest_edits_add(e, GUEST_TIMEZONE, z, NULL);
		free(z);
	} else if (!strcmp(key, "write") || !strcmp(key, "copy-in")) {
		bool write = key[0] == 'w';
		char *first, *second;
		int rc = 0;

		if (!colon || colon == value)
			return err_set(FVM_EXIT_USAGE, "%s needs %s, not '%s'",
				       key, write ? "PATH:CONTENT" :
				       "HOSTFILE:GUESTPATH", value);
		first = xstrndup(value, (size_t)(colon - value));
		second = xstrdup(colon + 1);
		if (!valid_guest_path(write ? first : second)) {
			rc = err_set(FVM_EXIT_USAGE,
				     "%s: '%s' is no absolute guest path", key,
				     write ? first : second);
		} else if (write) {
			guest_edits_add(e, GUEST_WRITE, first, second);
		} else {
			char *hp = host_path(first, base_dir);

			guest_edits_add(e, GUEST_COPY_IN, hp, second);
			free(hp);
		}
		free(first);
		free(second);
		return rc;
	} else if (!strcmp(key, "firstboot-command")) {
		if (!*value)
			return err_set(FVM_EXIT_USAGE,
				       "firstboot-command is empty");
		guest_edits_add(e, GUEST_FIRSTBOOT, value, NULL);
	} else if (!strcmp(key, "machine-id")) {
		if (strcmp(value, "empty"))
			return err_set(FVM_EXIT_USAGE,
				       "machine-id takes 'empty', not '%s'",
				       value);
		guest_edits_add(e, GUEST_MACHINE_ID, NULL, NULL);
	} else {
		return err_set(FVM_EXIT_USAGE, "unknown customisation '%s'",
			       key);
	}
	return 0;
}

static char *unescape(const char *s)
{
	struct sbuf sb = SBUF_INIT;

	for (; *s; s++) {
		if (*s == '\\' && s[1] == 'n') {
			sbuf_addc(&sb, '\n');
			s++;
		} else if (*s == '\\' && s[1] == '\\') {
			sbuf_addc(&sb, '\\');
			s++;
		} else {
			sbuf_addc(&sb, *s);
		}
	}
	return sbuf_detach(&sb);
}

static void trim_end(char *s)
{
	size_t n = strlen(s);

	while (n && isspace((unsigned char)s[n - 1]))
		s[--n] = 0;
}

int guest_edits_parse_file(struct guest_edits *e, const char *path)
{
	FILE *f = fopen(path, "re");
	char *line = NULL, *dir, *slash;
	size_t cap = 0;
	int lineno = 0, rc = 0;

	if (!f)
		return err_sys(FVM_EXIT_FAIL, "%s", path);
	dir = xstrdup(path);
	slash = strrchr(dir, '/');
	if (slash)
		*slash = 0;
	else
		strcpy(dir, ".");
	while (rc == 0 && getline(&line, &cap, f) >= 0) {
		char *k = line + strspn(line, " \t"), *eq, *v;

		lineno++;
		trim_end(k);
		if (!*k || *k == '#')
			continue;
		eq = strchr(k, '=');
		if (!eq) {
			rc = err_set(FVM_EXIT_USAGE, "%s:%d: not key = value",
				     path, lineno);
			break;
		}
		*eq = 0;
		trim_end(k);
		v = unescape(eq + 1 + strspn(eq + 1, " \t"));
		rc = guest_edit_parse(e, k, v, dir);
		free(v);
		if (rc < 0) {
			char *m = xstrdup(err_msg());

			err_set(FVM_EXIT_USAGE, "%s:%d: %s", path, lineno, m);
			free(m);
		}
	}
	free(line);
	free(dir);
	fclose(f);
	return rc;
}

const char *guest_appliance_dir(const char *v)
{
	struct stat st;

	if (v && v[0] == '/' && stat(v, &st) == 0 && S_ISDIR(st.st_mode))
		return v;
	return NULL;
}

/* ---- the appliance ---- */

static int gfs_fail(guestfs_h *g, const char *what)
{
	const char *m = guestfs_last_error(g);

	return err_set(FVM_EXIT_FAIL, "%s: %s", what,
		       m ? m : "libguestfs gave no reason");
}

static void free_strings(char **s)
{
	for (size_t i = 0; s && s[i]; i++)
		free(s[i]);
	free(s);
}

static guestfs_h *launch(const struct guest_target *t, bool tcg, bool discard)
{
	guestfs_h *g = guestfs_create();

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
		gfs_fail(g, t->disk);
		guestfs_close(g);
		return NULL;
	}
	return g;
}

/* What the edits work on: the handle and what inspection told. */
struct gctx {
	guestfs_h *g;
	const struct guest_target *t;
	struct guest_result *r;
	char *root, *type, *distro;
	int major;
	bool debian, rhel; /* families with their own files */
	char **touched;	   /* for the SELinux relabel */
	size_t ntouched;
};

static void touch_path(struct gctx *x, const char *path)
{
	x->touched = xrealloc(x->touched, sizeof(char *) * (x->ntouched + 1));
	x->touched[x->ntouched++] = xstrdup(path);
}

/* sort mountpoints so that "/" is mounted before "/home" */
static int by_length(const void *a, const void *b)
{
	const char *const *p = a, *const *q = b;

	return (int)strlen(p[0]) - (int)strlen(q[0]);
}

static bool in_list(const char *s, const char *const *list)
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
	static const char *const rhel[] = { "rhel", "centos", "fedora",
					    "scientificlinux", "oraclelinux",
					    "redhat-based", "rocky",
					    "almalinux", "circle", NULL };
	guestfs_h *g = x->g;
	char **roots = guestfs_inspect_os(g), **mps;
	size_t n = 0;
	int rc = -1;

	if (!roots)
		return gfs_fail(g, "inspecting the guest");
	if (!roots[0]) {
		free_strings(roots);
		return err_set(FVM_EXIT_FAIL, "no operating system found on %s",
			       x->t->disk);
	}
	x->root = xstrdup(roots[0]);
	free_strings(roots);
	x->type = guestfs_inspect_get_type(g, x->root);
	x->distro = guestfs_inspect_get_distro(g, x->root);
	x->major = guestfs_inspect_get_major_version(g, x->root);
	if (!x->type || !x->distro)
		return gfs_fail(g, "inspecting the guest");
	x->debian = in_list(x->distro, debian);
	x->rhel = in_list(x->distro, rhel);
	mps = guestfs_inspect_get_mountpoints(g, x->root);
	if (!mps)
		return gfs_fail(g, "inspecting the guest");
	while (mps[n])
		n += 2;
	qsort(mps, n / 2, 2 * sizeof(*mps), by_length);
	for (size_t i = 0; i < n; i += 2)
		if (guestfs_mount(g, mps[i + 1], mps[i]) < 0) {
			gfs_fail(g, "mounting the guest's filesystems");
			goto out;
		}
	rc = 0;
out:
	free_strings(mps);
	return rc;
}

/* ---- guest file helpers ---- */

/* The file as a string (NULL and *missing when absent, NULL on error). */
static char *read_text(struct gctx *x, const char *path, bool *missing)
{
	size_t len = 0;
	char *buf, *s;
	int ex = guestfs_is_file(x->g, path);

	*missing = false;
	if (ex < 0) {
		gfs_fail(x->g, path);
		return NULL;
	}
	if (!ex) {
		*missing = true;
		return NULL;
	}
	buf = guestfs_read_file(x->g, path, &len);
	if (!buf) {
		gfs_fail(x->g, path);
		return NULL;
	}
	s = xstrndup(buf, len);
	free(buf);
	return s;
}

static int put_file(struct gctx *x, const char *path, const char *content,
		    size_t len, int mode)
{
	if (guestfs_write(x->g, path, content, len) < 0 ||
	    (mode >= 0 && guestfs_chmod(x->g, mode, path) < 0))
		return gfs_fail(x->g, path);
	touch_path(x, path);
	return 0;
}

/* mkdir -p the directory, recording the topmost one it made */
static int make_dir(struct gctx *x, const char *dir)
{
	char *p = xstrdup(dir), *top = NULL;

	for (;;) {
		int ex = guestfs_exists(x->g, p);
		char *slash;

		if (ex < 0) {
			free(p);
			free(top);
			return gfs_fail(x->g, dir);
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
		return gfs_fail(x->g, dir);
	touch_path(x, dir);
	return 0;
}

static int make_parent(struct gctx *x, const char *path)
{
	char *d = xstrdup(path), *slash = strrchr(d, '/');
	int rc = 0;

	if (slash && slash != d) {
		*slash = 0;
		rc = make_dir(x, d);
	}
	free(d);
	return rc;
}

/* Replace the lines starting with prefix by line (or add it at the end). */
static char *replace_line(const char *text, const char *prefix,
			  const char *line)
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

static int edit_text_file(struct gctx *x, const char *path, const char *prefix,
			  const char *line)
{
	bool missing;
	char *old = read_text(x, path, &missing), *new;
	int rc;

	if (!old && !missing)
		return -1;
	new = replace_line(old, prefix, line);
	rc = put_file(x, path, new, strlen(new), -1);
	free(old);
	free(new);
	return rc;
}

/* ---- the edits ---- */

static bool is_linux(struct gctx *x, const char *what)
{
	if (!strcmp(x->type, "linux"))
		return true;
	result_warn(x->r, "%s skipped: the guest is %s, not Linux", what,
		    x->type);
	return false;
}

static int do_hostname(struct gctx *x, const char *want)
{
	char *name, *line, *dot;
	int rc = -1;

	if (!is_linux(x, "hostname"))
		return 0;
	if (*want) {
		name = xstrdup(want);
	} else {
		name = xstrdup(x->t->vm_name ? x->t->vm_name : "localhost");
		for (char *p = name; *p; p++)
			if (*p == '.' || *p == '_')
				*p = '-';
	}
	line = xasprintf("%s\n", name);
	if (put_file(x, "/etc/hostname", line, strlen(line), 0644) < 0)
		goto out;
	free(line);
	line = NULL;
	if (x->debian) {
		/* Debian resolves its own name through the 127.0.1.1 line */
		dot = strchr(name, '.');
		if (dot)
			line = xasprintf("127.0.1.1\t%s %.*s", name,
					 (int)(dot - name), name);
		else
			line = xasprintf("127.0.1.1\t%s", name);
		if (edit_text_file(x, "/etc/hosts", "127.0.1.1", line) < 0)
			goto out;
	}
	if (x->rhel && x->major > 0 && x->major < 7) {
		/* before systemd RHEL took the name from here alone */
		free(line);
		line = xasprintf("HOSTNAME=%s", name);
		if (edit_text_file(x, "/etc/sysconfig/network", "HOSTNAME=",
				   line) < 0)
			goto out;
	}
	if (!x->debian && !x->rhel)
		result_warn(x->r, "hostname: distribution '%s' not known: "
			    "only /etc/hostname was written", x->distro);
	rc = 0;
out:
	free(line);
	free(name);
	return rc;
}

/* Is the key (its type and base64 fields) in the authorized_keys text? */
static bool has_key(const char *text, const char *key)
{
	const char *sp = strchr(key, ' ');
	size_t len;
	bool found;
	char *needle;

	if (!text || !sp)
		return false;
	len = strcspn(sp + 1, " \n");
	needle = xstrndup(key, (size_t)(sp + 1 - key) + len);
	found = strstr(text, needle) != NULL;
	free(needle);
	return found;
}

/* uid, gid and home of user from the guest's /etc/passwd */
static int guest_user(struct gctx *x, const char *user, int *uid, int *gid,
		      char **home)
{
	bool missing;
	char *text = read_text(x, "/etc/passwd", &missing), *p, *save = NULL;
	size_t ulen = strlen(user);
	int rc = -1;

	if (!text) {
		if (missing)
			err_set(FVM_EXIT_FAIL, "the guest has no /etc/passwd");
		return -1;
	}
	for (p = strtok_r(text, "\n", &save); p;
	     p = strtok_r(NULL, "\n", &save)) {
		char *f[7] = { 0 }, *q = p;
		int i;

		if (strncmp(p, user, ulen) || p[ulen] != ':')
			continue;
		for (i = 0; i < 7 && q; i++) {
			f[i] = q;
			q = strchr(q, ':');
			if (q)
				*q++ = 0;
		}
		if (i < 6 || !f[5] || f[5][0] != '/')
			break;
		*uid = atoi(f[2]);
		*gid = atoi(f[3]);
		*home = xstrdup(f[5]);
		rc = 0;
		break;
	}
	if (rc < 0)
		err_set(FVM_EXIT_FAIL, "ssh key: no user '%s' with a home in "
			"the guest's /etc/passwd", user);
	free(text);
	return rc;
}

static int do_ssh_key(struct gctx *x, const char *keys, const char *user)
{
	char *home = NULL, *dir = NULL, *file = NULL, *text = NULL;
	struct sbuf add = SBUF_INIT;
	bool missing;
	int uid = 0, gid = 0, rc = -1;

	if (!is_linux(x, "ssh key"))
		return 0;
	if (guest_user(x, user ? user : "root", &uid, &gid, &home) < 0)
		return -1;
	dir = xasprintf("%s/.ssh", home);
	file = xasprintf("%s/authorized_keys", dir);
	if (make_dir(x, dir) < 0)
		goto out;
	if (guestfs_chmod(x->g, 0700, dir) < 0 ||
	    guestfs_chown(x->g, uid, gid, dir) < 0) {
		gfs_fail(x->g, dir);
		goto out;
	}
	text = read_text(x, file, &missing);
	if (!text && !missing)
		goto out;
	for (const char *p = keys; *p;) {
		size_t n = strcspn(p, "\n");
		char *k = xstrndup(p, n);

		if (!has_key(text, k) && !has_key(add.s, k))
			sbuf_addf(&add, "%s\n", k);
		free(k);
		p += n + (p[n] == '\n');
	}
	if (!add.len) {
		rc = 0;
		goto out;
	}
	/* a last line without its newline would run into ours */
	if (text && *text && text[strlen(text) - 1] != '\n' &&
	    guestfs_write_append(x->g, file, "\n", 1) < 0) {
		gfs_fail(x->g, file);
		goto out;
	}
	if (guestfs_write_append(x->g, file, add.s, add.len) < 0 ||
	    guestfs_chmod(x->g, 0600, file) < 0 ||
	    guestfs_chown(x->g, uid, gid, file) < 0) {
		gfs_fail(x->g, file);
		goto out;
	}
	touch_path(x, dir);
	rc = 1;
out:
	sbuf_release(&add);
	free(text);
	free(file);
	free(dir);
	free(home);
	return rc;
}

static int do_timezone(struct gctx *x, const char *zone)
{
	char *target, *line;
	int ex, rc = -1;

	if (!is_linux(x, "time zone"))
		return 0;
	target = xasprintf("/usr/share/zoneinfo/%s", zone);
	line = xasprintf("%s\n", zone);
	ex = guestfs_exists(x->g, target);
	if (ex < 0) {
		gfs_fail(x->g, target);
		goto out;
	}
	if (!ex)
		result_warn(x->r, "time zone: the guest has no %s, its "
			    "/etc/localtime points there all the same",
			    target);
	/* ln -sf does not replace a regular file on every guest tool */
	if (guestfs_rm_f(x->g, "/etc/localtime") < 0 ||
	    guestfs_ln_sf(x->g, target, "/etc/localtime") < 0) {
		gfs_fail(x->g, "/etc/localtime");
		goto out;
	}
	touch_path(x, "/etc/localtime");
	ex = guestfs_is_file(x->g, "/etc/timezone");
	if (ex < 0) {
		gfs_fail(x->g, "/etc/timezone");
		goto out;
	}
	/* Debian reads the zone name from there; elsewhere it is only
	 * kept right where it exists already */
	if ((x->debian || ex) &&
	    put_file(x, "/etc/timezone", line, strlen(line), 0644) < 0)
		goto out;
	rc = 0;
out:
	free(target);
	free(line);
	return rc;
}

static int do_machine_id(struct gctx *x)
{
	int ex = guestfs_is_file(x->g, "/etc/machine-id");

	if (ex < 0)
		return gfs_fail(x->g, "/etc/machine-id");
	/* empty, not removed: systemd then makes a new one at boot */
	if (ex && guestfs_truncate(x->g, "/etc/machine-id") < 0)
		return gfs_fail(x->g, "/etc/machine-id");
	return 0;
}

static int do_write(struct gctx *x, const char *path, const char *content)
{
	if (make_parent(x, path) < 0)
		return -1;
	return put_file(x, path, content, strlen(content), -1);
}

static int do_copy_in(struct gctx *x, const char *host, const char *guest)
{
	const char *base = strrchr(host, '/');
	char *target;
	struct stat st;
	int isdir, rc = -1;

	if (stat(host, &st) < 0)
		return err_sys(FVM_EXIT_FAIL, "copy-in: %s", host);
	if (!S_ISREG(st.st_mode))
		return err_set(FVM_EXIT_FAIL, "copy-in: %s is no regular file",
			       host);
	isdir = guestfs_is_dir(x->g, guest);
	if (isdir < 0)
		return gfs_fail(x->g, guest);
	target = isdir ? xasprintf("%s/%s", guest, base ? base + 1 : host)
		       : xstrdup(guest);
	if (make_parent(x, target) < 0)
		goto out;
	if (guestfs_upload(x->g, host, target) < 0 ||
	    guestfs_chmod(x->g, (int)(st.st_mode & 07777), target) < 0) {
		gfs_fail(x->g, target);
		goto out;
	}
	touch_path(x, target);
	rc = 0;
out:
	free(target);
	return rc;
}

static const char firstboot_runner[] =
	"#!/bin/sh\n"
	"# Installed by fvm: runs each script in " FIRSTBOOT_DIR " once,\n"
	"# in name order, logging to /var/log/fvm-firstboot.log.\n"
	"for f in " FIRSTBOOT_DIR "/*; do\n"
	"\t[ -f \"$f\" ] || continue\n"
	"\techo \"=== $f\" >>/var/log/fvm-firstboot.log\n"
	"\tsh \"$f\" >>/var/log/fvm-firstboot.log 2>&1\n"
	"\techo \"=== exit status $?\" >>/var/log/fvm-firstboot.log\n"
	"\trm -f \"$f\"\n"
	"done\n";

static const char firstboot_unit[] =
	"# Installed by fvm: first-boot commands, see " FIRSTBOOT_RUNNER "\n"
	"[Unit]\n"
	"Description=fvm first-boot commands\n"
	"Wants=network-online.target\n"
	"After=network-online.target\n"
	"ConditionDirectoryNotEmpty=" FIRSTBOOT_DIR "\n"
	"\n"
	"[Service]\n"
	"Type=oneshot\n"
	"ExecStart=" FIRSTBOOT_RUNNER "\n"
	"TimeoutSec=0\n"
	"\n"
	"[Install]\n"
	"WantedBy=multi-user.target\n";

static const char firstboot_initd[] =
	"#!/bin/sh\n"
	"### BEGIN INIT INFO\n"
	"# Provides:          fvm-firstboot\n"
	"# Required-Start:    $all\n"
	"# Required-Stop:\n"
	"# Default-Start:     2 3 4 5\n"
	"# Default-Stop:\n"
	"# Short-Description: fvm first-boot commands\n"
	"### END INIT INFO\n"
	"[ \"$1\" = start ] && exec " FIRSTBOOT_RUNNER "\n"
	"exit 0\n";

static int guest_exists(struct gctx *x, const char *path)
{
	int ex = guestfs_exists(x->g, path);

	if (ex < 0)
		gfs_fail(x->g, path);
	return ex;
}

/* The init system's hook that calls the runner: 1 made or there, 0 no
 * init system known, -1 error. */
static int firstboot_hook(struct gctx *x)
{
	static const char *const rc_dirs[] = {
		"/etc/rc2.d", "/etc/rc3.d", "/etc/rc4.d", "/etc/rc5.d",
		"/etc/rc.d/rc2.d", "/etc/rc.d/rc3.d", "/etc/rc.d/rc4.d",
		"/etc/rc.d/rc5.d", NULL };
	char *inittab, *link;
	bool missing, sysv = false;
	int a, b, c;

	a = guest_exists(x, "/etc/systemd/system");
	b = guest_exists(x, "/usr/lib/systemd/systemd");
	c = guest_exists(x, "/lib/systemd/systemd");
	if (a < 0 || b < 0 || c < 0)
		return -1;
	if (a && (b || c)) {
		const char *wants =
			"/etc/systemd/system/multi-user.target.wants";

		if (put_file(x, FIRSTBOOT_UNIT, firstboot_unit,
			     strlen(firstboot_unit), 0644) < 0 ||
		    make_dir(x, wants) < 0)
			return -1;
		link = xasprintf("%s/fvm-firstboot.service", wants);
		if (guestfs_ln_sf(x->g, FIRSTBOOT_UNIT, link) < 0) {
			free(link);
			return gfs_fail(x->g, wants);
		}
		touch_path(x, link);
		free(link);
		return 1;
	}
	/* busybox init: "::action:process" lines; a "once" entry runs
	 * after sysinit (so with the network up) and is not waited for */
	inittab = read_text(x, "/etc/inittab", &missing);
	if (!inittab && !missing)
		return -1;
	if (inittab && (str_starts(inittab, "::") || strstr(inittab, "\n::"))) {
		int rc = 1;

		if (!strstr(inittab, "::once:" FIRSTBOOT_RUNNER)) {
			const char *line = "::once:" FIRSTBOOT_RUNNER "\n";

			if ((*inittab && inittab[strlen(inittab) - 1] != '\n' &&
			     guestfs_write_append(x->g, "/etc/inittab", "\n",
						  1) < 0) ||
			    guestfs_write_append(x->g, "/etc/inittab", line,
						 strlen(line)) < 0)
				rc = gfs_fail(x->g, "/etc/inittab");
			else
				touch_path(x, "/etc/inittab");
		}
		free(inittab);
		return rc;
	}
	free(inittab);
	/* SysV rc: a start script linked late into the multi-user levels */
	for (int i = 0; rc_dirs[i]; i++) {
		int d = guestfs_is_dir(x->g, rc_dirs[i]);

		if (d < 0)
			return gfs_fail(x->g, rc_dirs[i]);
		if (!d)
			continue;
		if (!sysv) {
			/* the scripts sit beside the rc dirs */
			const char *initd =
				str_starts(rc_dirs[i], "/etc/rc.d") ?
					"/etc/rc.d/init.d/fvm-firstboot" :
					FIRSTBOOT_INITD;

			if (make_parent(x, initd) < 0 ||
			    put_file(x, initd, firstboot_initd,
				     strlen(firstboot_initd), 0755) < 0)
				return -1;
			sysv = true;
		}
		link = xasprintf("%s/S99fvm-firstboot", rc_dirs[i]);
		if (guestfs_ln_sf(x->g, "../init.d/fvm-firstboot", link) < 0) {
			free(link);
			return gfs_fail(x->g, rc_dirs[i]);
		}
		touch_path(x, link);
		free(link);
	}
	return sysv ? 1 : 0;
}

static int do_firstboot(struct gctx *x, const char *cmd, int *seq)
{
	char *path, *script;
	int rc;

	if (!is_linux(x, "first-boot command"))
		return 0;
	if (*seq == 0) {
		char **names;
		int ex, hook;

		if (make_dir(x, FIRSTBOOT_DIR) < 0)
			return -1;
		names = guestfs_ls(x->g, FIRSTBOOT_DIR);
		if (!names)
			return gfs_fail(x->g, FIRSTBOOT_DIR);
		/* after what an earlier customisation queued */
		for (size_t i = 0; names[i]; i++)
			(*seq)++;
		free_strings(names);
		ex = guestfs_is_file(x->g, FIRSTBOOT_RUNNER);
		if (ex < 0)
			return gfs_fail(x->g, FIRSTBOOT_RUNNER);
		if (make_parent(x, FIRSTBOOT_RUNNER) < 0 ||
		    put_file(x, FIRSTBOOT_RUNNER, firstboot_runner,
			     strlen(firstboot_runner), 0755) < 0)
			return -1;
		hook = firstboot_hook(x);
		if (hook < 0)
			return -1;
		if (hook == 0)
			result_warn(x->r, "first-boot commands were queued in "
				    FIRSTBOOT_DIR " but the guest's init "
				    "system is not known (systemd, busybox "
				    "init, SysV rc): nothing will run them");
	}
	(*seq)++;
	path = xasprintf(FIRSTBOOT_DIR "/%04d", *seq);
	script = xasprintf("#!/bin/sh\n%s\n", cmd);
	rc = put_file(x, path, script, strlen(script), 0755);
	free(path);
	free(script);
	return rc;
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

	if (!x->ntouched)
		return 0;
	text = read_text(x, "/etc/selinux/config", &missing);
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
		rc = ex < 0 ? gfs_fail(x->g, spec) : 0;
		goto out;
	}
	{
		const char *feature[] = { "selinuxrelabel", NULL };

		if (guestfs_feature_available(x->g, (char **)feature) != 1) {
			/* the guest relabels itself at its next boot */
			result_warn(x->r, "the appliance cannot relabel: "
				    "/.autorelabel asks the guest to");
			if (guestfs_touch(x->g, "/.autorelabel") < 0)
				rc = gfs_fail(x->g, "/.autorelabel");
			else
				rc = 0;
			goto out;
		}
	}
	for (size_t i = 0; i < x->ntouched; i++)
		if (guestfs_selinux_relabel(x->g, spec, x->touched[i],
					    GUESTFS_SELINUX_RELABEL_FORCE, 1,
					    -1) < 0) {
			gfs_fail(x->g, "SELinux relabel");
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
		case GUEST_HOSTNAME: rc = do_hostname(x, d->a); break;
		case GUEST_SSH_KEY: rc = do_ssh_key(x, d->a, d->b); break;
		case GUEST_TIMEZONE: rc = do_timezone(x, d->a); break;
		case GUEST_MACHINE_ID: rc = do_machine_id(x); break;
		case GUEST_WRITE: rc = do_write(x, d->a, d->b); break;
		case GUEST_COPY_IN: rc = do_copy_in(x, d->a, d->b); break;
		case GUEST_FIRSTBOOT: rc = do_firstboot(x, d->a, &seq); break;
		default: rc = err_set(FVM_EXIT_FAIL, "unknown edit");
		}
		if (rc < 0)
			return -1;
		/* an ssh key present already changed nothing */
		if (d->kind != GUEST_SSH_KEY || rc > 0)
			x->r->changed++;
	}
	return relabel(x);
}

/* Launch (retrying without KVM when it fails at once) and mount the OS. */
static int open_guest(struct gctx *x, const struct guest_target *t,
		      bool discard)
{
	x->t = t;
	x->g = launch(t, t->tcg, discard);
	/* a host with /dev/kvm where KVM does not actually run guests
	 * (nested, restricted) fails at once: try again without it */
	if (!x->g && !t->tcg && !getenv("LIBGUESTFS_BACKEND_SETTINGS")) {
		err_clear();
		x->g = launch(t, true, discard);
	}
	if (!x->g)
		return -1;
	return mount_os(x);
}

/* Unmount and shut down, keeping the first error; frees x. */
static int close_guest(struct gctx *x, int rc)
{
	if (x->g) {
		if (guestfs_umount_all(x->g) < 0 && rc >= 0)
			rc = gfs_fail(x->g, "unmounting the guest");
		/* only a clean shutdown says the writes reached the disk */
		if (guestfs_shutdown(x->g) < 0 && rc >= 0)
			rc = gfs_fail(x->g, "closing the guest's disk");
		guestfs_close(x->g);
	}
	for (size_t i = 0; i < x->ntouched; i++)
		free(x->touched[i]);
	free(x->touched);
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
	struct gctx x = { 0 };
	int rc;

	rc = open_guest(&x, t, true);
	if (rc == 0) {
		char **mps = guestfs_mountpoints(x.g);
		if (!mps)
			rc = gfs_fail(x.g, "listing the mounted filesystems");
		/* pairs of device and mountpoint */
		for (size_t i = 0; mps && mps[i] && mps[i + 1] && rc == 0;
		     i += 2)
			if (guestfs_fstrim(x.g, mps[i + 1], -1) < 0)
				rc = gfs_fail(x.g, mps[i + 1]);
		free_strings(mps);
	}
	return close_guest(&x, rc);
}
