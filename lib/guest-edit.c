/* lib/guest-edit.c: the guest edits: parsing them, and each one applied in the guest. */
#include "guest.h"
#include "guest-priv.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <crypt.h>

#include "err.h"
#include "util.h"

#define FIRSTBOOT_RUNNER "/usr/lib/fvm/firstboot.sh"
#define FIRSTBOOT_DIR	 "/var/lib/fvm/firstboot"
#define FIRSTBOOT_UNIT	 "/etc/systemd/system/fvm-firstboot.service"
#define FIRSTBOOT_INITD	 "/etc/init.d/fvm-firstboot"

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
		if (e->v[i].kind == GUEST_ROOT_PASSWORD && e->v[i].a)
			explicit_bzero(e->v[i].a, strlen(e->v[i].a));
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

/* The first line of the file (NULL: standard input), without its end. */
static char *read_password(const char *path)
{
	FILE *f = path ? fopen(path, "re") : stdin;
	const char *name = path ? path : "standard input";
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;

	if (!f) {
		err_sys(FVM_EXIT_FAIL, "root password file %s", path);
		return NULL;
	}
	n = getline(&line, &cap, f);
	if (path)
		fclose(f);
	if (n < 0) {
		free(line);
		err_set(FVM_EXIT_USAGE, "root password: %s is empty", name);
		return NULL;
	}
	line[strcspn(line, "\r\n")] = 0;
	if (!*line) {
		explicit_bzero(line, cap);
		free(line);
		err_set(FVM_EXIT_USAGE,
			"root password: the first line of %s "
			"is empty",
			name);
		return NULL;
	}
	{
		char *pw = xstrdup(line);

		explicit_bzero(line, cap);
		free(line);
		return pw;
	}
}

int guest_edit_parse(struct guest_edits *e, const char *key, const char *value,
		     const char *base_dir)
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
				"(as Europe/Prague)",
				z);
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
			return err_set(
				FVM_EXIT_USAGE, "%s needs %s, not '%s'", key,
				write ? "PATH:CONTENT" : "HOSTFILE:GUESTPATH",
				value);
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
	} else if (!strcmp(key, "root-password-file")) {
		char *path, *pw;

		if (!*value)
			return err_set(FVM_EXIT_USAGE,
				       "root-password-file needs a file "
				       "(- for standard input)");
		path = strcmp(value, "-") ? host_path(value, base_dir) : NULL;
		pw = read_password(path);
		free(path);
		if (!pw)
			return -1;
		guest_edits_add(e, GUEST_ROOT_PASSWORD, pw, NULL);
		explicit_bzero(pw, strlen(pw));
		free(pw);
	} else if (!strcmp(key, "serial-console") || !strcmp(key, "dhcp")) {
		bool on;

		if (!strcmp(value, "yes"))
			on = true;
		else if (!strcmp(value, "no"))
			on = false;
		else
			return err_set(FVM_EXIT_USAGE,
				       "%s takes yes or no, not '%s'", key,
				       value);
		if (on)
			guest_edits_add(e,
					key[0] == 's' ? GUEST_SERIAL_CONSOLE :
							GUEST_DHCP,
					NULL, NULL);
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

/* ---- pure helpers: hashes, shadow, kernel command lines ---- */

const char *guest_hash_prefix(const char *distro, int major, int minor)
{
	/* RHEL 9 and its rebuilds; older ones stay with SHA-512 */
	static const char *const rhel[] = { "rhel",	   "centos",
					    "oraclelinux", "redhat-based",
					    "rocky",	   "almalinux",
					    "circle",	   NULL };

	if (!distro)
		return "$6$";
	if ((!strcmp(distro, "debian") && major >= 11) ||
	    (!strcmp(distro, "ubuntu") &&
	     (major > 22 || (major == 22 && minor >= 4))) ||
	    (!strcmp(distro, "fedora") && major >= 35) ||
	    (guest_in_list(distro, rhel) && major >= 9))
		return "$y$";
	return "$6$";
}

char *guest_hash_password(const char *password, const char *prefix)
{
	char salt[CRYPT_GENSALT_OUTPUT_SIZE];
	struct crypt_data *cd;
	char *h, *out = NULL;

	/* no random bytes given: libcrypt takes them from the kernel */
	if (!crypt_gensalt_rn(prefix, 0, NULL, 0, salt, (int)sizeof(salt))) {
		err_sys(FVM_EXIT_FAIL, "root password: no %s salt", prefix);
		return NULL;
	}
	cd = xcalloc(1, sizeof(*cd));
	h = crypt_rn(password, salt, cd, (int)sizeof(*cd));
	if (!h || h[0] == '*')
		err_set(FVM_EXIT_FAIL,
			"root password: libcrypt cannot make "
			"%s hashes",
			prefix);
	else
		out = xstrdup(h);
	explicit_bzero(cd, sizeof(*cd));
	free(cd);
	return out;
}

char *guest_shadow_set(const char *text, const char *user, const char *hash,
		       long days)
{
	struct sbuf sb = SBUF_INIT;
	const char *p = text ? text : "";
	size_t ulen = strlen(user);
	bool done = false;

	while (*p) {
		size_t n = strcspn(p, "\n");

		if (!done && n > ulen && !strncmp(p, user, ulen) &&
		    p[ulen] == ':') {
			/* user:hash:lastchange:min:max:warn:inactive:expire: */
			const char *end = p + n, *f3, *rest = NULL;

			f3 = memchr(p + ulen + 1, ':',
				    (size_t)(end - p) - ulen - 1);
			if (f3)
				rest = memchr(f3 + 1, ':',
					      (size_t)(end - f3 - 1));
			sbuf_addf(&sb, "%s:%s:%ld", user, hash, days);
			if (rest)
				sbuf_add(&sb, rest, (size_t)(end - rest));
			else
				sbuf_adds(&sb, ":0:99999:7:::");
			sbuf_addc(&sb, '\n');
			done = true;
		} else {
			sbuf_add(&sb, p, n);
			sbuf_addc(&sb, '\n');
		}
		p += n + (p[n] == '\n');
	}
	if (!done)
		sbuf_addf(&sb, "%s:%s:%ld:0:99999:7:::\n", user, hash, days);
	return sbuf_detach(&sb);
}

/* The arguments without console=, plus ours when add is set. */

/* ---- the edits ---- */

int edit_hostname(struct gctx *x, const char *want)
{
	char *name, *line, *dot;
	int rc = -1;

	if (!guest_is_linux(x, "hostname"))
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
	if (guest_put_file(x, "/etc/hostname", line, strlen(line), 0644) < 0)
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
		if (guest_edit_text_file(x, "/etc/hosts", "127.0.1.1", line) <
		    0)
			goto out;
	}
	if (x->rhel && x->major > 0 && x->major < 7) {
		/* before systemd RHEL took the name from here alone */
		free(line);
		line = xasprintf("HOSTNAME=%s", name);
		if (guest_edit_text_file(x, "/etc/sysconfig/network",
					 "HOSTNAME=", line) < 0)
			goto out;
	}
	if (!x->debian && !x->rhel)
		guest_warn(x->r,
			   "hostname: distribution '%s' not known: "
			   "only /etc/hostname was written",
			   x->distro);
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
	char *text = guest_read_text(x, "/etc/passwd", &missing), *p,
	     *save = NULL;
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
		err_set(FVM_EXIT_FAIL,
			"ssh key: no user '%s' with a home in "
			"the guest's /etc/passwd",
			user);
	free(text);
	return rc;
}

int edit_ssh_key(struct gctx *x, const char *keys, const char *user)
{
	char *home = NULL, *dir = NULL, *file = NULL, *text = NULL;
	struct sbuf add = SBUF_INIT;
	bool missing;
	int uid = 0, gid = 0, rc = -1;

	if (!guest_is_linux(x, "ssh key"))
		return 0;
	if (guest_user(x, user ? user : "root", &uid, &gid, &home) < 0)
		return -1;
	dir = xasprintf("%s/.ssh", home);
	file = xasprintf("%s/authorized_keys", dir);
	if (guest_make_dir(x, dir) < 0)
		goto out;
	if (guestfs_chmod(x->g, 0700, dir) < 0 ||
	    guestfs_chown(x->g, uid, gid, dir) < 0) {
		guest_gfs_fail(x->g, dir);
		goto out;
	}
	text = guest_read_text(x, file, &missing);
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
		guest_gfs_fail(x->g, file);
		goto out;
	}
	if (guestfs_write_append(x->g, file, add.s, add.len) < 0 ||
	    guestfs_chmod(x->g, 0600, file) < 0 ||
	    guestfs_chown(x->g, uid, gid, file) < 0) {
		guest_gfs_fail(x->g, file);
		goto out;
	}
	guest_touch(x, dir);
	rc = 1;
out:
	sbuf_release(&add);
	free(text);
	free(file);
	free(dir);
	free(home);
	return rc;
}

int edit_timezone(struct gctx *x, const char *zone)
{
	char *target, *line;
	int ex, rc = -1;

	if (!guest_is_linux(x, "time zone"))
		return 0;
	target = xasprintf("/usr/share/zoneinfo/%s", zone);
	line = xasprintf("%s\n", zone);
	ex = guestfs_exists(x->g, target);
	if (ex < 0) {
		guest_gfs_fail(x->g, target);
		goto out;
	}
	if (!ex)
		guest_warn(x->r,
			   "time zone: the guest has no %s, its "
			   "/etc/localtime points there all the same",
			   target);
	/* ln -sf does not replace a regular file on every guest tool */
	if (guestfs_rm_f(x->g, "/etc/localtime") < 0 ||
	    guestfs_ln_sf(x->g, target, "/etc/localtime") < 0) {
		guest_gfs_fail(x->g, "/etc/localtime");
		goto out;
	}
	guest_touch(x, "/etc/localtime");
	ex = guestfs_is_file(x->g, "/etc/timezone");
	if (ex < 0) {
		guest_gfs_fail(x->g, "/etc/timezone");
		goto out;
	}
	/* Debian reads the zone name from there; elsewhere it is only
	 * kept right where it exists already */
	if ((x->debian || ex) &&
	    guest_put_file(x, "/etc/timezone", line, strlen(line), 0644) < 0)
		goto out;
	rc = 0;
out:
	free(target);
	free(line);
	return rc;
}

int edit_machine_id(struct gctx *x)
{
	int ex = guestfs_is_file(x->g, "/etc/machine-id");

	if (ex < 0)
		return guest_gfs_fail(x->g, "/etc/machine-id");
	/* empty, not removed: systemd then makes a new one at boot */
	if (ex && guestfs_truncate(x->g, "/etc/machine-id") < 0)
		return guest_gfs_fail(x->g, "/etc/machine-id");
	return 0;
}

int edit_write(struct gctx *x, const char *path, const char *content)
{
	if (guest_make_parent(x, path) < 0)
		return -1;
	return guest_put_file(x, path, content, strlen(content), -1);
}

int edit_copy_in(struct gctx *x, const char *host, const char *guest)
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
		return guest_gfs_fail(x->g, guest);
	target = isdir ? xasprintf("%s/%s", guest, base ? base + 1 : host) :
			 xstrdup(guest);
	if (guest_make_parent(x, target) < 0)
		goto out;
	if (guestfs_upload(x->g, host, target) < 0 ||
	    guestfs_chmod(x->g, (int)(st.st_mode & 07777), target) < 0) {
		guest_gfs_fail(x->g, target);
		goto out;
	}
	guest_touch(x, target);
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

/* The init system's hook that calls the runner: 1 made or there, 0 no
 * init system known, -1 error. */
static int firstboot_hook(struct gctx *x)
{
	static const char *const rc_dirs[] = {
		"/etc/rc2.d",	   "/etc/rc3.d",      "/etc/rc4.d",
		"/etc/rc5.d",	   "/etc/rc.d/rc2.d", "/etc/rc.d/rc3.d",
		"/etc/rc.d/rc4.d", "/etc/rc.d/rc5.d", NULL
	};
	char *inittab, *link;
	bool missing, sysv = false;
	int a, b, c;

	a = guest_path_exists(x, "/etc/systemd/system");
	b = guest_path_exists(x, "/usr/lib/systemd/systemd");
	c = guest_path_exists(x, "/lib/systemd/systemd");
	if (a < 0 || b < 0 || c < 0)
		return -1;
	if (a && (b || c)) {
		const char *wants =
			"/etc/systemd/system/multi-user.target.wants";

		if (guest_put_file(x, FIRSTBOOT_UNIT, firstboot_unit,
				   strlen(firstboot_unit), 0644) < 0 ||
		    guest_make_dir(x, wants) < 0)
			return -1;
		link = xasprintf("%s/fvm-firstboot.service", wants);
		if (guestfs_ln_sf(x->g, FIRSTBOOT_UNIT, link) < 0) {
			free(link);
			return guest_gfs_fail(x->g, wants);
		}
		guest_touch(x, link);
		free(link);
		return 1;
	}
	/* busybox init: "::action:process" lines; a "once" entry runs
	 * after sysinit (so with the network up) and is not waited for */
	inittab = guest_read_text(x, "/etc/inittab", &missing);
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
				rc = guest_gfs_fail(x->g, "/etc/inittab");
			else
				guest_touch(x, "/etc/inittab");
		}
		free(inittab);
		return rc;
	}
	free(inittab);
	/* SysV rc: a start script linked late into the multi-user levels */
	for (int i = 0; rc_dirs[i]; i++) {
		int d = guestfs_is_dir(x->g, rc_dirs[i]);

		if (d < 0)
			return guest_gfs_fail(x->g, rc_dirs[i]);
		if (!d)
			continue;
		if (!sysv) {
			/* the scripts sit beside the rc dirs */
			const char *initd =
				str_starts(rc_dirs[i], "/etc/rc.d") ?
					"/etc/rc.d/init.d/fvm-firstboot" :
					FIRSTBOOT_INITD;

			if (guest_make_parent(x, initd) < 0 ||
			    guest_put_file(x, initd, firstboot_initd,
					   strlen(firstboot_initd), 0755) < 0)
				return -1;
			sysv = true;
		}
		link = xasprintf("%s/S99fvm-firstboot", rc_dirs[i]);
		if (guestfs_ln_sf(x->g, "../init.d/fvm-firstboot", link) < 0) {
			free(link);
			return guest_gfs_fail(x->g, rc_dirs[i]);
		}
		guest_touch(x, link);
		free(link);
	}
	return sysv ? 1 : 0;
}

int edit_firstboot(struct gctx *x, const char *cmd, int *seq)
{
	char *path, *script;
	int rc;

	if (!guest_is_linux(x, "first-boot command"))
		return 0;
	if (*seq == 0) {
		char **names;
		int ex, hook;

		if (guest_make_dir(x, FIRSTBOOT_DIR) < 0)
			return -1;
		names = guestfs_ls(x->g, FIRSTBOOT_DIR);
		if (!names)
			return guest_gfs_fail(x->g, FIRSTBOOT_DIR);
		/* after what an earlier customisation queued */
		for (size_t i = 0; names[i]; i++)
			(*seq)++;
		strv_free(names);
		ex = guestfs_is_file(x->g, FIRSTBOOT_RUNNER);
		if (ex < 0)
			return guest_gfs_fail(x->g, FIRSTBOOT_RUNNER);
		if (guest_make_parent(x, FIRSTBOOT_RUNNER) < 0 ||
		    guest_put_file(x, FIRSTBOOT_RUNNER, firstboot_runner,
				   strlen(firstboot_runner), 0755) < 0)
			return -1;
		hook = firstboot_hook(x);
		if (hook < 0)
			return -1;
		if (hook == 0)
			guest_warn(x->r,
				   "first-boot commands were queued "
				   "in " FIRSTBOOT_DIR " but the guest's init "
				   "system is not known (systemd, busybox "
				   "init, SysV rc): nothing will run them");
	}
	(*seq)++;
	path = xasprintf(FIRSTBOOT_DIR "/%04d", *seq);
	script = xasprintf("#!/bin/sh\n%s\n", cmd);
	rc = guest_put_file(x, path, script, strlen(script), 0755);
	free(path);
	free(script);
	return rc;
}

int edit_root_password(struct gctx *x, const char *password)
{
	const char *prefix;
	char *text, *hash = NULL, *shadow = NULL;
	bool missing;
	int rc = -1;

	if (!guest_is_linux(x, "root password"))
		return 0;
	text = guest_read_text(x, "/etc/shadow", &missing);
	if (!text)
		return missing ? err_set(FVM_EXIT_FAIL,
					 "root password: the "
					 "guest has no /etc/shadow") :
				 -1;
	prefix = guest_hash_prefix(x->distro, x->major, x->minor);
	hash = guest_hash_password(password, prefix);
	if (!hash)
		goto out;
	/* today as the last change: 0 there would force a new password
	 * at the first login */
	shadow = guest_shadow_set(text, "root", hash,
				  (long)(time(NULL) / 86400));
	/* written in place: the file keeps its mode, owner and label */
	rc = guest_put_file(x, "/etc/shadow", shadow, strlen(shadow), -1);
out:
	free(shadow);
	free(hash);
	free(text);
	return rc;
}
