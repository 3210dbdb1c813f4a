/* lib/guest.c: native guest customisation with libguestfs, all edits in one launch. */
#include "guest.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <crypt.h>
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
		err_set(FVM_EXIT_USAGE, "root password: the first line of %s "
			"is empty", name);
		return NULL;
	}
	{
		char *pw = xstrdup(line);

		explicit_bzero(line, cap);
		free(line);
		return pw;
	}
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
			guest_edits_add(e, key[0] == 's' ? GUEST_SERIAL_CONSOLE
							 : GUEST_DHCP,
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

#define FASTVM_APPLIANCE_DIR "/var/lib/fast-vm/appliance"

static bool has_appliance(const char *dir)
{
	static const char *const files[] = { "kernel", "initrd", "root" };
	char path[PATH_MAX];
	struct stat st;

	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, files[i]);
		if (stat(path, &st) < 0 || !S_ISREG(st.st_mode))
			return false;
	}
	return true;
}

const char *guest_appliance_dir(const char *v)
{
	const char *env = getenv("LIBGUESTFS_PATH");

	if (env && *env)
		return NULL;
	if (v && v[0] == '/')
		return v;
	/* where fast-vm's configure-fast-vm puts the imported one */
	if (has_appliance(FASTVM_APPLIANCE_DIR))
		return FASTVM_APPLIANCE_DIR;
	return NULL;
}

int guest_appliance_check(const char *dir)
{
	struct stat st;

	if (!dir || has_appliance(dir))
		return 0;
	if (stat(dir, &st) < 0 || !S_ISDIR(st.st_mode))
		return err_set(FVM_EXIT_USAGE,
			       "FASTVM_APPLIANCE: no directory %s: make a "
			       "fixed appliance there with "
			       "libguestfs-make-fixed-appliance %s, or set "
			       "FASTVM_APPLIANCE=import", dir, dir);
	return err_set(FVM_EXIT_USAGE,
		       "FASTVM_APPLIANCE: %s holds no fixed appliance (kernel, "
		       "initrd, root): make one with "
		       "libguestfs-make-fixed-appliance %s, or set "
		       "FASTVM_APPLIANCE=import", dir, dir);
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
	int major, minor;
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
	x->minor = guestfs_inspect_get_minor_version(g, x->root);
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

/* ---- pure helpers: hashes, shadow, kernel command lines ---- */

const char *guest_hash_prefix(const char *distro, int major, int minor)
{
	/* RHEL 9 and its rebuilds; older ones stay with SHA-512 */
	static const char *const rhel[] = { "rhel", "centos", "oraclelinux",
					    "redhat-based", "rocky",
					    "almalinux", "circle", NULL };

	if (!distro)
		return "$6$";
	if ((!strcmp(distro, "debian") && major >= 11) ||
	    (!strcmp(distro, "ubuntu") &&
	     (major > 22 || (major == 22 && minor >= 4))) ||
	    (!strcmp(distro, "fedora") && major >= 35) ||
	    (in_list(distro, rhel) && major >= 9))
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
		err_set(FVM_EXIT_FAIL, "root password: libcrypt cannot make "
			"%s hashes", prefix);
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
static char *cmdline_edit(const char *args, bool add)
{
	struct sbuf sb = SBUF_INIT;
	const char *p = args;

	for (;;) {
		const char *start;
		char q = 0;

		p += strspn(p, " \t");
		if (!*p)
			break;
		for (start = p; *p; p++) {
			if (q) {
				if (*p == q)
					q = 0;
			} else if (*p == '"' || *p == '\'') {
				q = *p;
			} else if (*p == ' ' || *p == '\t') {
				break;
			}
		}
		if (str_starts(start, "console="))
			continue;
		if (sb.len)
			sbuf_addc(&sb, ' ');
		sbuf_add(&sb, start, (size_t)(p - start));
	}
	if (add) {
		if (sb.len)
			sbuf_addc(&sb, ' ');
		sbuf_adds(&sb, GUEST_SERIAL_ARGS);
	}
	return sbuf_detach(&sb);
}

char *guest_cmdline_serial(const char *args)
{
	return cmdline_edit(args, true);
}

/* Does line start (after blanks) with word, followed by a blank or its
 * end? *after: where the word ends. */
static bool first_word(const char *line, const char *word, bool icase,
		       size_t *after)
{
	size_t skip = strspn(line, " \t"), n = strlen(word);
	const char *w = line + skip;

	if ((icase ? strncasecmp(w, word, n) : strncmp(w, word, n)) ||
	    (w[n] && w[n] != ' ' && w[n] != '\t'))
		return false;
	*after = skip + n;
	return true;
}

/* line's head (up to at) with the edited arguments after it */
static char *with_args(const char *line, size_t at, bool add)
{
	char *args = cmdline_edit(line + at, add);
	char *out = xasprintf("%.*s%s%s", (int)at, line, *args ? " " : "",
			      args);

	free(args);
	return out;
}

/* KEY="value" of a shell-style defaults file, with its console= out and,
 * with add, ours in; the quoting is kept, a bare value gets "". */
static char *grub_default_line(const char *line, size_t eq, bool add)
{
	const char *v = line + eq + 1, *close = NULL, *tail = "";
	char q = '"', *inner, *args, *out;

	if (*v == '"' || *v == '\'') {
		q = *v;
		close = strrchr(v + 1, q);
	}
	if (close) {
		inner = xstrndup(v + 1, (size_t)(close - v - 1));
		tail = close + 1;
	} else {
		size_t n = strcspn(v, " \t#");

		inner = xstrndup(v + (*v == q), n - (*v == q));
		tail = v + n;
	}
	args = cmdline_edit(inner, add);
	out = xasprintf("%.*s%c%s%c%s", (int)(eq + 1), line, q, args, q, tail);
	free(args);
	free(inner);
	return out;
}

char *guest_bootcfg_serial(enum guest_bootcfg kind, const char *text,
			   int *changed)
{
	struct sbuf sb = SBUF_INIT;
	const char *base = text ? text : "", *p = base;
	size_t total = strlen(p), content = total, at;
	bool seen = false, serial = false;

	*changed = 0;
	if (kind == BOOTCFG_GRUBENV) {
		/* a 1024-byte block: lines, then # up to its end */
		const char *nl = memrchr(p, '\n', total);

		content = nl ? (size_t)(nl - p) + 1 : 0;
		if (strspn(p + content, "#") != total - content)
			content = total;
	}
	while (p < base + content) {
		size_t n = strcspn(p, "\n");
		char *line = xstrndup(p, n), *out = NULL;

		switch (kind) {
		case BOOTCFG_SYSLINUX:
			if (first_word(line, "serial", true, &at))
				serial = true;
			else if (first_word(line, "append", true, &at) &&
				 strcmp(line + at + strspn(line + at, " \t"),
					"-"))
				out = with_args(line, at, true);
			break;
		case BOOTCFG_GRUB_DEFAULT:
			if (str_starts(line, "GRUB_CMDLINE_LINUX=")) {
				seen = true;
				out = grub_default_line(line, 18, true);
			} else if (str_starts(line,
					      "GRUB_CMDLINE_LINUX_DEFAULT=")) {
				out = grub_default_line(line, 26, false);
			}
			break;
		case BOOTCFG_GRUB_CFG:
			if (first_word(line, "linux", false, &at) ||
			    first_word(line, "linux16", false, &at) ||
			    first_word(line, "linuxefi", false, &at)) {
				/* the kernel's path stays first */
				at += strspn(line + at, " \t");
				at += strcspn(line + at, " \t");
				out = with_args(line, at, true);
			}
			break;
		case BOOTCFG_BLS:
			if (first_word(line, "options", false, &at)) {
				seen = true;
				/* RHEL 8 takes these from grubenv */
				if (!strstr(line, "$kernelopts"))
					out = with_args(line, at, true);
			}
			break;
		case BOOTCFG_GRUBENV:
			if (str_starts(line, "kernelopts=")) {
				char *args = cmdline_edit(line + 11, true);

				out = xasprintf("kernelopts=%s", args);
				free(args);
			}
			break;
		case BOOTCFG_KERNEL_CMDLINE:
			if (!seen) {
				out = cmdline_edit(line, true);
				seen = true;
			}
			break;
		}
		if (out && strcmp(out, line))
			(*changed)++;
		sbuf_adds(&sb, out ? out : line);
		/* a last line without its end gets one */
		sbuf_addc(&sb, '\n');
		free(out);
		free(line);
		p += n + (p[n] == '\n');
	}
	if (kind == BOOTCFG_SYSLINUX && !serial && *changed) {
		/* the loader's own menu on the serial port too: SERIAL must
		 * come first in the file */
		char *s = sbuf_detach(&sb);

		sbuf_addf(&sb, "SERIAL 0 115200\n%s", s);
		free(s);
		(*changed)++;
	}
	if (kind == BOOTCFG_GRUB_DEFAULT && !seen) {
		sbuf_addf(&sb, "GRUB_CMDLINE_LINUX=\"%s\"\n",
			  GUEST_SERIAL_ARGS);
		(*changed)++;
	}
	if (kind == BOOTCFG_BLS && !seen) {
		sbuf_addf(&sb, "options %s\n", GUEST_SERIAL_ARGS);
		(*changed)++;
	}
	if (kind == BOOTCFG_KERNEL_CMDLINE && !seen) {
		sbuf_addf(&sb, "%s\n", GUEST_SERIAL_ARGS);
		(*changed)++;
	}
	if (kind == BOOTCFG_GRUBENV && *changed) {
		if (sb.len > total) {
			sbuf_release(&sb);
			err_set(FVM_EXIT_FAIL, "grubenv: the longer kernelopts "
				"do not fit its %zu bytes", total);
			return NULL;
		}
		while (sb.len < total)
			sbuf_addc(&sb, '#');
	}
	return sbuf_detach(&sb);
}

/* Is word one of the blank-separated words of line? */
static bool has_word(const char *line, const char *word)
{
	size_t n = strlen(word);

	for (const char *p = line; (p = strstr(p, word)); p += n)
		if ((p == line || p[-1] == ' ' || p[-1] == '\t') &&
		    (!p[n] || p[n] == ' ' || p[n] == '\t'))
			return true;
	return false;
}

char *guest_ifupdown_drop(const char *text, const char *nic)
{
	static const char *const heads[] = { "auto", "allow-hotplug",
					     "allow-auto", "iface", "mapping",
					     "source", "source-directory",
					     NULL };
	struct sbuf sb = SBUF_INIT;
	const char *p = text ? text : "";
	bool in_stanza = false;

	while (*p) {
		size_t n = strcspn(p, "\n"), at;
		char *line = xstrndup(p, n);
		bool head = false, drop = false;

		for (int i = 0; heads[i]; i++)
			if (first_word(line, heads[i], false, &at))
				head = true;
		if (head) {
			in_stanza = false;
			if ((first_word(line, "iface", false, &at) ||
			     first_word(line, "mapping", false, &at)) &&
			    has_word(line + at, nic)) {
				/* "iface eth0 inet static" and its options */
				size_t w = at + strspn(line + at, " \t");

				in_stanza = !strncmp(line + w, nic,
						     strlen(nic));
				drop = in_stanza;
			} else if (!first_word(line, "source", false, &at) &&
				   !first_word(line, "source-directory", false,
					       &at) &&
				   has_word(line + at, nic)) {
				/* auto/allow-* lines: only ours stays up */
				drop = true;
			}
		} else if (in_stanza && line[strspn(line, " \t")] &&
			   line[strspn(line, " \t")] != '#') {
			drop = true;
		}
		if (drop)
			sbuf_adds(&sb, "# fvm: ");
		sbuf_adds(&sb, line);
		sbuf_addc(&sb, '\n');
		free(line);
		p += n + (p[n] == '\n');
	}
	return sbuf_detach(&sb);
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

static int do_root_password(struct gctx *x, const char *password)
{
	const char *prefix;
	char *text, *hash = NULL, *shadow = NULL;
	bool missing;
	int rc = -1;

	if (!is_linux(x, "root password"))
		return 0;
	text = read_text(x, "/etc/shadow", &missing);
	if (!text)
		return missing ? err_set(FVM_EXIT_FAIL, "root password: the "
					 "guest has no /etc/shadow") : -1;
	prefix = guest_hash_prefix(x->distro, x->major, x->minor);
	hash = guest_hash_password(password, prefix);
	if (!hash)
		goto out;
	/* today as the last change: 0 there would force a new password
	 * at the first login */
	shadow = guest_shadow_set(text, "root", hash,
				  (long)(time(NULL) / 86400));
	/* written in place: the file keeps its mode, owner and label */
	rc = put_file(x, "/etc/shadow", shadow, strlen(shadow), -1);
out:
	free(shadow);
	free(hash);
	free(text);
	return rc;
}

/* ---- serial console ---- */

struct bootcfg_count {
	int loader;   /* configs the boot loader reads now */
	int defaults; /* what the next grub-mkconfig or kernel-install reads */
};

/* Edit one config if it is there (a symlink is left to its target). */
static int serial_file(struct gctx *x, const char *path,
		       enum guest_bootcfg kind, struct bootcfg_count *n)
{
	bool missing;
	char *text = read_text(x, path, &missing), *edited;
	int changed, rc = 0;

	if (!text)
		return missing ? 0 : -1;
	edited = guest_bootcfg_serial(kind, text, &changed);
	if (!edited)
		rc = err_context("%s", path);
	else if (changed && (rc = put_file(x, path, edited, strlen(edited),
					   -1)) == 0)
		*(kind == BOOTCFG_GRUB_DEFAULT ||
		  kind == BOOTCFG_KERNEL_CMDLINE ? &n->defaults
						 : &n->loader) += 1;
	free(edited);
	free(text);
	return rc;
}

/* Each entry of dir (when it is one): its NAME files, or *.conf with
 * name NULL. */
static int serial_dir(struct gctx *x, const char *dir, const char *name,
		      enum guest_bootcfg kind, struct bootcfg_count *n)
{
	char **names;
	int d = guestfs_is_dir(x->g, dir), rc = 0;

	if (d <= 0)
		return d < 0 ? gfs_fail(x->g, dir) : 0;
	names = guestfs_ls(x->g, dir);
	if (!names)
		return gfs_fail(x->g, dir);
	for (size_t i = 0; names[i] && rc == 0; i++) {
		size_t len = strlen(names[i]);
		char *path;

		if (name)
			path = xasprintf("%s/%s/%s", dir, names[i], name);
		else if (len > 5 && !strcmp(names[i] + len - 5, ".conf"))
			path = xasprintf("%s/%s", dir, names[i]);
		else
			continue;
		rc = serial_file(x, path, kind, n);
		free(path);
	}
	free_strings(names);
	return rc;
}

static int do_serial_console(struct gctx *x)
{
	static const struct {
		const char *path;
		enum guest_bootcfg kind;
	} files[] = {
		{ "/boot/extlinux/extlinux.conf", BOOTCFG_SYSLINUX },
		{ "/boot/extlinux.conf", BOOTCFG_SYSLINUX },
		{ "/extlinux.conf", BOOTCFG_SYSLINUX },
		{ "/boot/syslinux/syslinux.cfg", BOOTCFG_SYSLINUX },
		{ "/boot/syslinux/extlinux.conf", BOOTCFG_SYSLINUX },
		{ "/syslinux/syslinux.cfg", BOOTCFG_SYSLINUX },
		{ "/boot/grub/grub.cfg", BOOTCFG_GRUB_CFG },
		{ "/boot/grub2/grub.cfg", BOOTCFG_GRUB_CFG },
		{ "/boot/grub/grubenv", BOOTCFG_GRUBENV },
		{ "/boot/grub2/grubenv", BOOTCFG_GRUBENV },
		{ "/etc/default/grub", BOOTCFG_GRUB_DEFAULT },
		{ "/etc/kernel/cmdline", BOOTCFG_KERNEL_CMDLINE },
	};
	static const char *const bls[] = { "/boot/loader/entries",
					   "/boot/efi/loader/entries",
					   "/efi/loader/entries", NULL };
	struct bootcfg_count n = { 0, 0 };

	if (!is_linux(x, "serial console"))
		return 0;
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++)
		if (serial_file(x, files[i].path, files[i].kind, &n) < 0)
			return -1;
	/* grub.cfg on the EFI partition is the whole config on older
	 * guests, a stub that loads the one in /boot on newer ones */
	if (serial_dir(x, "/boot/efi/EFI", "grub.cfg", BOOTCFG_GRUB_CFG,
		       &n) < 0 ||
	    serial_dir(x, "/boot/efi/EFI", "grubenv", BOOTCFG_GRUBENV,
		       &n) < 0)
		return -1;
	for (int i = 0; bls[i]; i++)
		if (serial_dir(x, bls[i], NULL, BOOTCFG_BLS, &n) < 0)
			return -1;
	if (!n.loader && !n.defaults)
		result_warn(x->r, "serial console skipped: no boot loader "
			    "configuration with a kernel command line found "
			    "(extlinux, syslinux, GRUB, boot loader entries)");
	else if (!n.loader)
		result_warn(x->r, "serial console: only /etc/default/grub "
			    "or /etc/kernel/cmdline changed (no grub.cfg or "
			    "boot entries found): the kernel gets it once "
			    "the guest regenerates its boot configuration");
	return 0;
}

/* ---- DHCP on the first NIC ---- */

#define DHCP_NIC "eth0"
#define FVM_NETPLAN "/etc/netplan/90-fvm-dhcp.yaml"
#define FVM_NMCONN \
	"/etc/NetworkManager/system-connections/fvm-dhcp.nmconnection"

static int is_dir(struct gctx *x, const char *path)
{
	int d = guestfs_is_dir(x->g, path);

	return d < 0 ? gfs_fail(x->g, path) : d;
}

/* Debian's ifupdown: our stanza in interfaces.d, read from interfaces,
 * and the NIC's old stanzas commented out so that they do not fight. */
static int dhcp_ifupdown(struct gctx *x)
{
	static const char stanza[] =
		"# fvm: DHCP on the first NIC\n"
		"auto " DHCP_NIC "\n"
		"iface " DHCP_NIC " inet dhcp\n";
	const char *dir = "/etc/network/interfaces.d";
	bool missing;
	char *text = read_text(x, "/etc/network/interfaces", &missing), *new;
	char **names = NULL;
	int rc = -1;

	if (!text)
		return -1;
	new = guest_ifupdown_drop(text, DHCP_NIC);
	if (!strstr(new, "\nsource /etc/network/interfaces.d/") &&
	    !str_starts(new, "source /etc/network/interfaces.d/") &&
	    !strstr(new, "source-directory")) {
		char *s = xasprintf("%s%s\nsource %s/*\n", new,
				    *new && new[strlen(new) - 1] != '\n' ? "\n"
									   : "",
				    dir);
		free(new);
		new = s;
	}
	if (strcmp(new, text) &&
	    put_file(x, "/etc/network/interfaces", new, strlen(new), -1) < 0)
		goto out;
	if (make_dir(x, dir) < 0)
		goto out;
	names = guestfs_ls(x->g, dir);
	if (!names) {
		gfs_fail(x->g, dir);
		goto out;
	}
	for (size_t i = 0; names[i]; i++) {
		char *path = xasprintf("%s/%s", dir, names[i]), *old, *dropped;

		old = read_text(x, path, &missing);
		if (!old && !missing) {
			free(path);
			goto out;
		}
		dropped = old ? guest_ifupdown_drop(old, DHCP_NIC) : NULL;
		if (dropped && strcmp(dropped, old) &&
		    put_file(x, path, dropped, strlen(dropped), -1) < 0) {
			free(dropped);
			free(old);
			free(path);
			goto out;
		}
		free(dropped);
		free(old);
		free(path);
	}
	rc = put_file(x, "/etc/network/interfaces.d/fvm-" DHCP_NIC, stanza,
		      strlen(stanza), 0644);
out:
	free_strings(names);
	free(new);
	free(text);
	return rc;
}

/* netplan names NICs by match: any ethernet one, whatever its name */
static int dhcp_netplan(struct gctx *x)
{
	static const char yaml[] =
		"# fvm: DHCP on the first NIC (any ethernet NIC)\n"
		"network:\n"
		"  version: 2\n"
		"  ethernets:\n"
		"    fvm-nic:\n"
		"      match:\n"
		"        name: \"e*\"\n"
		"      dhcp4: true\n";

	/* netplan warns about files others can read */
	return put_file(x, FVM_NETPLAN, yaml, strlen(yaml), 0600);
}

static int dhcp_ifcfg(struct gctx *x)
{
	static const char ifcfg[] =
		"# fvm: DHCP on the first NIC\n"
		"DEVICE=" DHCP_NIC "\n"
		"TYPE=Ethernet\n"
		"BOOTPROTO=dhcp\n"
		"ONBOOT=yes\n";

	return put_file(x, "/etc/sysconfig/network-scripts/ifcfg-" DHCP_NIC,
			ifcfg, strlen(ifcfg), 0644);
}

/* a NetworkManager keyfile bound to no interface name: the first
 * ethernet NIC takes it; NM ignores keyfiles not root's and 0600 */
static int dhcp_keyfile(struct gctx *x)
{
	unsigned char u[16];
	char *conn;
	int rc;

	if (getrandom(u, sizeof(u), 0) != (ssize_t)sizeof(u))
		return err_sys(FVM_EXIT_FAIL, "random connection uuid");
	u[6] = (unsigned char)((u[6] & 0x0f) | 0x40);
	u[8] = (unsigned char)((u[8] & 0x3f) | 0x80);
	conn = xasprintf(
		"# fvm: DHCP on the first NIC\n"
		"[connection]\n"
		"id=fvm-dhcp\n"
		"uuid=%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-"
		"%02x%02x%02x%02x%02x%02x\n"
		"type=ethernet\n"
		"autoconnect=true\n"
		"autoconnect-priority=100\n"
		"\n[ethernet]\n"
		"\n[ipv4]\nmethod=auto\n"
		"\n[ipv6]\nmethod=auto\n",
		u[0], u[1], u[2], u[3], u[4], u[5], u[6], u[7], u[8], u[9],
		u[10], u[11], u[12], u[13], u[14], u[15]);
	rc = put_file(x, FVM_NMCONN, conn, strlen(conn), 0600);
	if (rc == 0 && guestfs_chown(x->g, 0, 0, FVM_NMCONN) < 0)
		rc = gfs_fail(x->g, FVM_NMCONN);
	free(conn);
	return rc;
}

/* ifcfg files for a NIC, not the loopback's */
static int has_ifcfg(struct gctx *x, const char *dir)
{
	char **names = guestfs_ls(x->g, dir);
	int found = 0;

	if (!names)
		return gfs_fail(x->g, dir);
	for (size_t i = 0; names[i]; i++)
		if (str_starts(names[i], "ifcfg-") &&
		    strcmp(names[i], "ifcfg-lo"))
			found = 1;
	free_strings(names);
	return found;
}

static int do_dhcp(struct gctx *x)
{
	const char *scripts = "/etc/sysconfig/network-scripts";
	const char *nm = "/etc/NetworkManager/system-connections";
	int netplan, ifupdown, keyfiles, ifcfg, done = 0;

	if (!is_linux(x, "dhcp"))
		return 0;
	if (!x->debian && !x->rhel) {
		result_warn(x->r, "dhcp skipped: distribution '%s' not known "
			    "(Debian, RHEL and their kin are)", x->distro);
		return 0;
	}
	keyfiles = is_dir(x, nm);
	if (keyfiles < 0)
		return -1;
	if (x->debian) {
		netplan = is_dir(x, "/etc/netplan");
		ifupdown = guestfs_is_file(x->g, "/etc/network/interfaces");
		if (netplan < 0 || ifupdown < 0)
			return ifupdown < 0 ? gfs_fail(x->g, "/etc/network")
					    : -1;
		if (netplan && dhcp_netplan(x) < 0)
			return -1;
		if (ifupdown && dhcp_ifupdown(x) < 0)
			return -1;
		done = netplan || ifupdown;
		/* NetworkManager alone, as on desktops */
		if (!done && keyfiles) {
			if (dhcp_keyfile(x) < 0)
				return -1;
			done = 1;
		}
	} else {
		ifcfg = is_dir(x, scripts);
		if (ifcfg > 0)
			ifcfg = has_ifcfg(x, scripts) || !keyfiles ? 1 : 0;
		if (ifcfg < 0)
			return -1;
		/* the guest's own way: ifcfg files up to RHEL 8, keyfiles
		 * from 9 on (and never both: they would fight) */
		if (ifcfg) {
			if (dhcp_ifcfg(x) < 0)
				return -1;
			done = 1;
		} else if (keyfiles) {
			if (dhcp_keyfile(x) < 0)
				return -1;
			done = 1;
		}
	}
	if (!done)
		result_warn(x->r, "dhcp skipped: the guest has no network "
			    "configuration fvm knows (netplan, ifupdown, "
			    "ifcfg, NetworkManager keyfiles)");
	return 0;
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
		case GUEST_ROOT_PASSWORD: rc = do_root_password(x, d->a); break;
		case GUEST_SERIAL_CONSOLE: rc = do_serial_console(x); break;
		case GUEST_DHCP: rc = do_dhcp(x); break;
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
	static const char *const untrimmable[] = { "swap", "unknown",
						   "crypto_LUKS", "iso9660",
						   "squashfs", "udf", NULL };
	struct gctx x = { 0 };
	char **fs = NULL;
	int rc;

	/* every filesystem, as virt-sparsify --in-place does: an image
	 * need not hold a whole operating system */
	rc = launch_guest(&x, t, true);
	if (rc == 0) {
		fs = guestfs_list_filesystems(x.g);
		if (!fs)
			rc = gfs_fail(x.g, "listing the filesystems");
	}
	/* pairs of device and type */
	for (size_t i = 0; fs && fs[i] && fs[i + 1] && rc == 0; i += 2) {
		const char *dev = fs[i], *type = fs[i + 1];

		/* a btrfs subvolume is trimmed with its filesystem */
		if (in_list(type, untrimmable) || str_starts(dev, "btrfsvol:"))
			continue;
		if (guestfs_mount(x.g, dev, "/") < 0) {
			rc = gfs_fail(x.g, dev);
			break;
		}
		if (guestfs_fstrim(x.g, "/", -1) < 0)
			rc = gfs_fail(x.g, dev);
		if (guestfs_umount(x.g, "/") < 0 && rc == 0)
			rc = gfs_fail(x.g, dev);
	}
	free_strings(fs);
	return close_guest(&x, rc);
}
