/* lib/conf.c: read fast-vm.conf as data (never as shell), with defaults. */
#include "conf.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "err.h"
#include "util.h"

/* ---- checks of values: NULL when fine, else why not ---- */

#define NAME_CHARS                                                             \
	"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._+-"
#define NAME_WHY                                                               \
	"may hold only letters, digits and ._+- and must not start with - or " \
	"."

/* Names that end up in domain, volume and file names: a safe alphabet. */
static const char *check_name_max(const char *v, size_t max)
{
	static char why[64];

	if (!*v)
		return "must not be empty";
	if (strlen(v) > max) {
		snprintf(why, sizeof(why), "must be %zu characters at most",
			 max);
		return why;
	}
	if (*v == '-' || *v == '.' || strspn(v, NAME_CHARS) != strlen(v))
		return NAME_WHY;
	return NULL;
}

static const char *check_name(const char *v)
{
	return check_name_max(v, 64);
}

const char *conf_check_lvm_name(const char *v)
{
	const char *why = check_name_max(v, 127); /* lvm's own limit */

	if (!why && (!strcmp(v, "snapshot") || !strcmp(v, "pvmove")))
		why = "must not be snapshot or pvmove (lvm keeps them)";
	return why;
}

static const char *check_abs(const char *v)
{
	return v[0] == '/' ? NULL : "must be an absolute path";
}

static const char *check_set(const char *v)
{
	return *v ? NULL : "must not be empty";
}

/*
 * The keys. A line each: the name, the field, the default as written
 * (NULL: unset), the rule (type, range, values or check), whether it is
 * fast-vm's (CONF_FASTVM) or secret (CONF_SECRET), and a line of
 * fvm.conf(5) that does not repeat the default.
 */
#define F_(f) offsetof(struct fvm_conf, f)
/* clang-format off */
#define KEY_(k, t, f, d, w, lo, hi, chk, fl, doc) { k, t, F_(f), d, w, lo, hi, chk, fl, doc }
#define STR(k, f, d, chk, fl, doc) KEY_(k, CONF_T_STR, f, d, NULL, 0, 0, chk, fl, doc)
#define INT(k, f, d, lo, hi, fl, doc) KEY_(k, CONF_T_INT, f, d, NULL, lo, hi, NULL, fl, doc)
#define BOOL(k, f, d, fl, doc) KEY_(k, CONF_T_BOOL, f, d, NULL, 0, 0, NULL, fl, doc)
#define WORD(k, f, d, w, fl, doc) KEY_(k, CONF_T_WORD, f, d, w, 0, 0, NULL, fl, doc)
#define RANGE(k, f, d, lo, hi, fl, doc) KEY_(k, CONF_T_RANGE, f, d, NULL, lo, hi, NULL, fl, doc)
#define FV CONF_FASTVM
const struct conf_key conf_table[] = {
	STR("VM_PREFIX", vm_prefix, "fastvm-", check_name, FV, "Prefix of domain and disk names: letters, digits and ._+-, 64 at most."),
	STR("LIBVIRT_NETWORK", libvirt_network, "fastvm-nat", check_name, FV, "libvirt NAT network of the VMs."),
	INT("SUBNET_NUMBER", subnet, "22", 0, 255, FV, "S in 192.168.S.0/24, 0 to 255."),
	STR("THINPOOL_VG", thinpool_vg, NULL, conf_check_lvm_name, FV, "Volume group holding the thin pool; setting it selects the lvm storage."),
	STR("THINPOOL_LV", thinpool_lv, "fastvm-pool", conf_check_lvm_name, FV, "Thin pool logical volume."),
	STR("THINPOOL_SIZE", thinpool_size, "50G", NULL, FV, "Size of the thin pool configure creates."),
	STR("FASTVM_GROUP", group, "libvirt", NULL, FV, "Group whose members may use fvm."),
	BOOL("FASTVM_OWNER_ONLY_DELETE", owner_only_delete, "no", FV, "yes: only root and a VM's owner may delete it."),
	STR("FASTVM_APPLIANCE", appliance, "import", NULL, FV, "libguestfs appliance for create's customisation, compact and image-compact: an absolute path names a directory holding a fixed appliance (kernel, initrd, root, as libguestfs-make-fixed-appliance makes it), and its absence is an error; import (or any other word) uses /var/lib/fast-vm/appliance when it holds one, else the appliance libguestfs builds itself. LIBGUESTFS_PATH in the environment wins over this key."),
	STR("FASTVM_KEYDIST_PASSWORD", keydist_password, NULL, NULL, FV | CONF_SECRET, "Root password of guests, used by keydist on running VMs; fvm config lists it as ******** and gives it only when asked for by name."),
	STR("CURL_OPTS", curl_opts, NULL, NULL, FV, "Options for downloads of images."),
	INT("LOG_LEVEL", log_level, "7", 0, 7, FV, "Highest syslog priority logged, 0 to 7 (see LOGGING)."),
	INT("DISPLAY_LEVEL", display_level, "7", 0, 7, FV, "Highest priority of the fast-vm personalities' lines shown, 0 to 7 (see LOGGING)."),
	WORD("FVM_STORAGE", storage, "dir", "lvm dir", 0, "lvm or dir; when the file does not set it, lvm when THINPOOL_VG is set."),
	STR("FVM_STORE_DIR", store_dir, "/var/lib/fvm", check_abs, 0, "Directory of images and VM disks of the dir storage."),
	STR("FVM_URI", uri, FVM_DEFAULT_URI, check_set, 0, "libvirt connection URI. An applet's -c option and LIBVIRT_DEFAULT_URI in the environment come before it (see fvm(1)); fvm helper uses this one alone."),
	WORD("FVM_DOMAIN_TYPE", domain_type, "auto", "auto kvm qemu", 0, "auto, kvm or qemu: the domain type VMs are defined with; auto keeps the template's unless KVM is unusable."),
	RANGE("FVM_VM_RANGE", vm_min, "20-220", 3, 254, 0, "FIRST-LAST, the VM numbers allowed, within 3-254."),
	STR("FVM_STATE_DIR", state_dir, "~/.local/state/fvm", check_abs, 0, "Per-user state (ssh keys, known_hosts files); $XDG_STATE_HOME/fvm by default when XDG_STATE_HOME is an absolute path."),
	INT("FVM_POOL_WATERMARK", pool_watermark, "90", 0, 100, 0, "A percentage, 0-100: create and import refuse to start while the thin pool's data or metadata (lvm), or the store's filesystem (dir), is more used than this; fvm doctor reports a pool above it. 100 turns the check off."),
	BOOL("FVM_HACK_STRICT", hack_strict, "no", 0, "yes: a hack file that fails during create rolls the VM back, as create --strict does; no: the VM is kept with a warning."),
	{ 0 }
};

/* The environment fvm reads, a line each (test-only hooks are in
 * docs/STYLE.md, not here). */
#define ENV(k, f, d, doc) { k, F_(f), d, doc }
#define ENV_DOC(k, d, doc) { k, CONF_NO_FIELD, d, doc }
const struct conf_env conf_env_table[] = {
	ENV_DOC("LIBVIRT_DEFAULT_URI", NULL, "The libvirt URI to connect to when no -c is given; it comes before FVM_URI of the configuration file (see CONNECTION)."),
	ENV_DOC("FVM_CONFIG", FVM_DEFAULT_CONFIG, "Path of the configuration file, fvm.conf(5); when set, the file must exist."),
	ENV("FVM_USER_DIR", user_dir, "~/.fast-vm", "Directory of the user's per-image files and profiles."),
	ENV("FVM_SYSTEM_DIR", system_dir, "/etc/fast-vm", "Directory of the system's per-image files and profiles."),
	ENV_DOC("FVM_LOCK_DIR", "/run/lock/fvm", "Directory of the lock files fvm's processes share; every user of a store must use the same."),
	ENV_DOC("XDG_STATE_HOME", NULL, "When an absolute path, FVM_STATE_DIR's default is its fvm subdirectory."),
	ENV_DOC("LIBGUESTFS_PATH", NULL, "A fixed libguestfs appliance directory; it wins over FASTVM_APPLIANCE."),
	{ 0 }
};
/* clang-format on */
#undef F_
#undef KEY_
#undef STR
#undef INT
#undef BOOL
#undef WORD
#undef RANGE
#undef FV
#undef ENV
#undef ENV_DOC

_Static_assert(sizeof(enum fvm_storage) == sizeof(int) &&
		       sizeof(enum fvm_domain_type) == sizeof(int),
	       "CONF_T_WORD fields are ints");
_Static_assert(offsetof(struct fvm_conf, vm_max) ==
		       offsetof(struct fvm_conf, vm_min) + sizeof(int),
	       "CONF_T_RANGE's LAST follows FIRST");

const struct conf_key *conf_key_find(const char *name)
{
	for (const struct conf_key *k = conf_table; k->name; k++)
		if (!strcmp(k->name, name))
			return k;
	return NULL;
}

static const char *home_dir(void)
{
	const char *h = getenv("HOME");
	struct passwd *pw;

	if (h && *h)
		return h;
	pw = getpwuid(getuid());
	return pw && pw->pw_dir ? pw->pw_dir : "/";
}

/* a default with ~/ made the home directory (malloc'd) */
static char *expand_home(const char *v)
{
	return str_starts(v, "~/") ? xasprintf("%s%s", home_dir(), v + 1) :
				     xstrdup(v);
}

static void set_str(char **dst, const char *v)
{
	free(*dst);
	*dst = v ? xstrdup(v) : NULL;
}

static bool parse_bool(const char *v, bool *out)
{
	if (!strcmp(v, "yes") || !strcmp(v, "true") || !strcmp(v, "1")) {
		*out = true;
		return true;
	}
	if (!strcmp(v, "no") || !strcmp(v, "false") || !strcmp(v, "0") || !*v) {
		*out = false;
		return true;
	}
	return false;
}

static bool parse_range(const char *v, long min, long max, int *lo, int *hi)
{
	const char *dash = strchr(v, '-');
	char *a;
	long x, y;
	bool ok;

	if (!dash)
		return false;
	a = xstrndup(v, (size_t)(dash - v));
	ok = parse_int(a, min, max, &x) && parse_int(dash + 1, min, max, &y) &&
	     x <= y;
	free(a);
	if (ok) {
		*lo = (int)x;
		*hi = (int)y;
	}
	return ok;
}

/* The index of v among the blank-separated words, or -1. */
static int word_index(const char *words, const char *v)
{
	size_t n = strlen(v);
	int i = 0;

	for (const char *p = words; *p; i++) {
		size_t len = strcspn(p, " ");

		if (n && len == n && !strncmp(p, v, n))
			return i;
		p += len;
		p += strspn(p, " ");
	}
	return -1;
}

/* The i-th of the blank-separated words (malloc'd). */
static char *word_at(const char *words, int i)
{
	const char *p = words;

	while (i-- > 0 && *p) {
		p += strcspn(p, " ");
		p += strspn(p, " ");
	}
	return xstrndup(p, strcspn(p, " "));
}

const char *conf_check(const struct conf_key *k, const char *v)
{
	static char why[160];
	int lo, hi;
	long n;
	bool b;

	switch (k->type) {
	case CONF_T_STR:
		if (!*v && !k->def)
			return NULL; /* unset */
		return k->check ? k->check(v) : NULL;
	case CONF_T_INT:
		if (parse_int(v, k->min, k->max, &n))
			return NULL;
		snprintf(why, sizeof(why), "must be a number from %d to %d",
			 k->min, k->max);
		return why;
	case CONF_T_BOOL:
		return parse_bool(v, &b) ? NULL : "must be yes or no";
	case CONF_T_WORD: {
		struct sbuf s = SBUF_INIT;
		const char *last = strrchr(k->words, ' ');

		if (word_index(k->words, v) >= 0)
			return NULL;
		/* "lvm dir": must be lvm or dir; "a b c": must be a, b or c */
		sbuf_adds(&s, "must be ");
		for (const char *p = k->words; *p; p++)
			if (*p != ' ')
				sbuf_addc(&s, *p);
			else
				sbuf_adds(&s, p == last ? " or " : ", ");
		snprintf(why, sizeof(why), "%s", s.s);
		sbuf_release(&s);
		return why;
	}
	case CONF_T_RANGE:
		if (parse_range(v, k->min, k->max, &lo, &hi))
			return NULL;
		snprintf(why, sizeof(why),
			 "must be FIRST-LAST with %d <= FIRST <= LAST <= %d",
			 k->min, k->max);
		return why;
	}
	return "is of an unknown type";
}

/* Give k the value v, which conf_check passed. */
static void store(struct fvm_conf *c, const struct conf_key *k, const char *v)
{
	void *field = (char *)c + k->off;
	long n = 0;

	switch (k->type) {
	case CONF_T_STR:
		set_str(field, *v || k->def ? v : NULL);
		break;
	case CONF_T_INT:
		if (parse_int(v, k->min, k->max, &n))
			*(int *)field = (int)n;
		break;
	case CONF_T_BOOL:
		parse_bool(v, field);
		break;
	case CONF_T_WORD:
		*(int *)field = word_index(k->words, v);
		break;
	case CONF_T_RANGE:
		parse_range(v, k->min, k->max, field, (int *)field + 1);
		break;
	}
}

char *conf_get(const struct fvm_conf *c, const char *name)
{
	const struct conf_key *k = conf_key_find(name);
	const void *field;

	if (!k)
		return NULL;
	field = (const char *)c + k->off;
	switch (k->type) {
	case CONF_T_STR: {
		const char *v = *(char *const *)field;

		return xstrdup(v ? v : "");
	}
	case CONF_T_INT:
		return xasprintf("%d", *(const int *)field);
	case CONF_T_BOOL:
		return xstrdup(*(const bool *)field ? "yes" : "no");
	case CONF_T_WORD:
		return word_at(k->words, *(const int *)field);
	case CONF_T_RANGE:
		return xasprintf("%d-%d", ((const int *)field)[0],
				 ((const int *)field)[1]);
	}
	return NULL;
}

void conf_defaults(struct fvm_conf *c)
{
	const char *e;

	memset(c, 0, sizeof(*c));
	for (const struct conf_key *k = conf_table; k->name; k++)
		if (k->def) {
			char *v = expand_home(k->def);

			store(c, k, v);
			free(v);
		}
	if ((e = getenv("XDG_STATE_HOME")) && *e == '/') {
		free(c->state_dir);
		c->state_dir = xasprintf("%s/fvm", e);
	}
	for (const struct conf_env *v = conf_env_table; v->name; v++)
		if (v->off != CONF_NO_FIELD) {
			char **field = (char **)((char *)c + v->off);

			free(*field);
			e = getenv(v->name);
			*field = e && *e ? xstrdup(e) : expand_home(v->def);
		}
	c->connect_uri = xstrdup(c->uri);
	c->connect_from = CONF_URI_DEFAULT;
	c->path = xstrdup(FVM_DEFAULT_CONFIG);
}

void conf_release(struct fvm_conf *c)
{
	free(c->vm_prefix);
	free(c->libvirt_network);
	free(c->thinpool_vg);
	free(c->thinpool_lv);
	free(c->thinpool_size);
	free(c->group);
	free(c->appliance);
	free(c->keydist_password);
	free(c->curl_opts);
	free(c->store_dir);
	free(c->uri);
	free(c->connect_uri);
	free(c->state_dir);
	free(c->user_dir);
	free(c->system_dir);
	free(c->path);
	for (size_t i = 0; i < c->nvars; i++) {
		free(c->vars[i].key);
		free(c->vars[i].value);
	}
	free(c->vars);
	memset(c, 0, sizeof(*c));
}

/*
 * One value as a shell assignment would read it, without running anything:
 * 'single quotes', "double quotes" (\\ \" \$ \` escapes) or a bare word;
 * a comment may follow after blanks. Expansions ($VAR, $(...), `...`) are
 * refused: fvm does not run the file.
 */
static bool parse_value(const char *p, struct sbuf *out, const char **why)
{
	while (*p && !isspace((unsigned char)*p) && *p != '#') {
		if (*p == '\'') {
			const char *q = strchr(p + 1, '\'');

			if (!q)
				return *why = "unterminated ' quote", false;
			sbuf_add(out, p + 1, (size_t)(q - p - 1));
			p = q + 1;
		} else if (*p == '"') {
			for (p++; *p != '"'; p++) {
				if (!*p)
					return *why = "unterminated \" quote",
					       false;
				if (*p == '\\' && p[1] &&
				    strchr("\\\"$`", p[1]))
					p++;
				else if (*p == '$' || *p == '`')
					return *why = "shell expansion is not "
						      "supported",
					       false;
				sbuf_addc(out, *p);
			}
			p++;
		} else if (*p == '$' || *p == '`' || strchr(";&|<>()", *p)) {
			return *why = "shell syntax is not supported", false;
		} else {
			if (*p == '\\' && p[1])
				p++;
			sbuf_addc(out, *p++);
		}
	}
	while (isspace((unsigned char)*p))
		p++;
	if (*p && *p != '#')
		return *why = "unexpected text after the value", false;
	return true;
}

static void remember(struct fvm_conf *c, const char *key, const char *value)
{
	for (size_t i = 0; i < c->nvars; i++)
		if (!strcmp(c->vars[i].key, key)) {
			set_str(&c->vars[i].value, value);
			return;
		}
	c->vars = xrealloc(c->vars, sizeof(*c->vars) * (c->nvars + 1));
	c->vars[c->nvars].key = xstrdup(key);
	c->vars[c->nvars].value = xstrdup(value);
	c->nvars++;
}

static bool in_file(const struct fvm_conf *c, const char *key)
{
	for (size_t i = 0; i < c->nvars; i++)
		if (!strcmp(c->vars[i].key, key))
			return true;
	return false;
}

int conf_parse(struct fvm_conf *c, const char *path, const char *text,
	       size_t len)
{
	const char *end = text + len, *line = text;
	int lineno = 0;

	while (line < end) {
		const char *nl = memchr(line, '\n', (size_t)(end - line));
		size_t n = nl ? (size_t)(nl - line) : (size_t)(end - line);
		char *buf = xstrndup(line, n), *p = buf, *eq;
		struct sbuf val = SBUF_INIT;
		const char *why = NULL;
		bool ok;

		lineno++;
		line += n + (nl ? 1 : 0);
		if (memchr(buf, '\0', n) || strlen(buf) != n) {
			free(buf);
			return err_set(FVM_EXIT_USAGE,
				       "%s:%d: NUL byte in line", path, lineno);
		}
		while (isspace((unsigned char)*p))
			p++;
		if (!*p || *p == '#') {
			free(buf);
			continue;
		}
		if (str_starts(p, "export") && isspace((unsigned char)p[6]))
			for (p += 6; isspace((unsigned char)*p);)
				p++;
		eq = p;
		if (isalpha((unsigned char)*eq) || *eq == '_')
			while (isalnum((unsigned char)*eq) || *eq == '_')
				eq++;
		if (eq == p || *eq != '=') {
			err_set(FVM_EXIT_USAGE,
				"%s:%d: expected KEY=value, got '%.60s'", path,
				lineno, p);
			free(buf);
			return -1;
		}
		*eq = '\0';
		ok = parse_value(eq + 1, &val, &why);
		if (ok) {
			char *v = val.s ? val.s : "";

			const struct conf_key *k = conf_key_find(p);

			ok = !k || !(why = conf_check(k, v));
			if (ok && k)
				store(c, k, v);
			if (ok)
				remember(c, p, v);
			else
				err_set(FVM_EXIT_USAGE,
					"%s:%d: %s %s, not '%.60s'", path,
					lineno, p, why, v);
		} else {
			err_set(FVM_EXIT_USAGE, "%s:%d: %s: %s", path, lineno,
				p, why);
		}
		sbuf_release(&val);
		free(buf);
		if (!ok)
			return -1;
	}
	if (in_file(c, "FVM_URI"))
		c->uri_set = true;
	if (!in_file(c, "FVM_STORAGE"))
		c->storage = c->thinpool_vg ? FVM_STORAGE_LVM : FVM_STORAGE_DIR;
	else if (c->storage == FVM_STORAGE_LVM && !c->thinpool_vg)
		return err_set(FVM_EXIT_USAGE,
			       "%s: FVM_STORAGE=lvm needs THINPOOL_VG", path);
	return conf_connect(c, NULL, false);
}

#define CONF_MAX_SIZE (1 << 20)

int conf_load(struct fvm_conf *c)
{
	const char *env = getenv("FVM_CONFIG");
	bool explicit = env && *env;
	struct sbuf text = SBUF_INIT;
	char chunk[8192];
	ssize_t n;
	int fd, rc;

	conf_defaults(c);
	if (explicit)
		set_str(&c->path, env);
	fd = open(c->path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		if (errno == ENOENT && !explicit)
			return conf_parse(c, c->path, "", 0) < 0 ?
				       -1 :
				       conf_connect(c, NULL, true);
		return err_sys(FVM_EXIT_USAGE, "cannot read config %s",
			       c->path);
	}
	while ((n = read(fd, chunk, sizeof(chunk))) > 0) {
		sbuf_add(&text, chunk, (size_t)n);
		if (text.len > CONF_MAX_SIZE) {
			close(fd);
			sbuf_release(&text);
			return err_set(FVM_EXIT_USAGE,
				       "config %s is larger than 1 MiB",
				       c->path);
		}
	}
	if (n < 0) {
		err_sys(FVM_EXIT_USAGE, "cannot read config %s", c->path);
		close(fd);
		sbuf_release(&text);
		return -1;
	}
	close(fd);
	c->file_found = true;
	rc = conf_parse(c, c->path, text.s ? text.s : "", text.len);
	sbuf_release(&text);
	return rc < 0 ? -1 : conf_connect(c, NULL, true);
}

/* set once a connection other than FVM_URI was chosen (sticky) */
static char elsewhere[600];

const char *conf_uri_from_name(enum conf_uri_from from)
{
	switch (from) {
	case CONF_URI_OPTION:
		return "-c";
	case CONF_URI_ENV:
		return "LIBVIRT_DEFAULT_URI";
	case CONF_URI_CONFIG:
		return "FVM_URI";
	case CONF_URI_DEFAULT:
		break;
	}
	return "the default";
}

static bool has_control(const char *s)
{
	for (; *s; s++)
		if (iscntrl((unsigned char)*s))
			return true;
	return false;
}

int conf_connect(struct fvm_conf *c, const char *option, bool with_env)
{
	const char *env = with_env ? getenv("LIBVIRT_DEFAULT_URI") : NULL;
	enum conf_uri_from from;
	const char *uri;

	if (option) {
		uri = option;
		from = CONF_URI_OPTION;
	} else if (env && *env) {
		uri = env;
		from = CONF_URI_ENV;
	} else if (c->uri_set) {
		uri = c->uri;
		from = CONF_URI_CONFIG;
	} else {
		uri = FVM_DEFAULT_URI;
		from = CONF_URI_DEFAULT;
	}
	if (!*uri)
		return err_set(FVM_EXIT_USAGE,
			       "-c, --connect: the URI is empty (leave the "
			       "option out for the default)");
	/* it ends up in one-line messages and logs */
	if (has_control(uri))
		return err_set(FVM_EXIT_USAGE,
			       "the libvirt URI from %s holds a control "
			       "character",
			       conf_uri_from_name(from));
	set_str(&c->connect_uri, uri);
	c->connect_from = from;
	if (from >= CONF_URI_ENV && strcmp(uri, c->uri) != 0 && !elsewhere[0])
		snprintf(elsewhere, sizeof(elsewhere),
			 "%s chose the libvirt connection %s, not FVM_URI %s",
			 conf_uri_from_name(from), uri, c->uri);
	return 0;
}

const char *conf_connect_elsewhere(void)
{
	return elsewhere[0] ? elsewhere : NULL;
}

/* ---- writing ---- */

char *conf_assignment(const char *key, const char *value)
{
	struct sbuf b = SBUF_INIT;
	bool plain = *value != '\0';

	for (const char *p = value; *p; p++)
		if (!isalnum((unsigned char)*p) && !strchr("._+-/:@,=%^", *p))
			plain = false;
	sbuf_addf(&b, "%s=", key);
	if (plain) {
		sbuf_adds(&b, value);
		return sbuf_detach(&b);
	}
	sbuf_addc(&b, '\'');
	for (const char *p = value; *p; p++)
		if (*p == '\'')
			sbuf_adds(&b, "'\\''");
		else
			sbuf_addc(&b, *p);
	sbuf_addc(&b, '\'');
	return sbuf_detach(&b);
}

/* The key a line assigns (malloc'd), or NULL for blanks and comments. */
static char *line_key(const char *line, size_t n)
{
	const char *p = line, *end = line + n, *k;

	while (p < end && isspace((unsigned char)*p))
		p++;
	if (end - p > 7 && !strncmp(p, "export", 6) &&
	    isspace((unsigned char)p[6]))
		for (p += 6; p < end && isspace((unsigned char)*p);)
			p++;
	k = p;
	if (p < end && (isalpha((unsigned char)*p) || *p == '_'))
		while (p < end && (isalnum((unsigned char)*p) || *p == '_'))
			p++;
	if (p == k || p >= end || *p != '=')
		return NULL;
	return xstrndup(k, (size_t)(p - k));
}

char *conf_update_text(const char *old, const struct conf_var *set, size_t n)
{
	struct sbuf out = SBUF_INIT;
	const char *line = old ? old : "", *end = line + strlen(line);
	size_t *last = xcalloc(n ? n : 1, sizeof(*last)); /* line number + 1 */
	bool *done = xcalloc(n ? n : 1, sizeof(*done));
	size_t lineno;

	/* first pass: the last line of each key */
	for (lineno = 1; line < end; lineno++) {
		const char *nl = memchr(line, '\n', (size_t)(end - line));
		size_t len = nl ? (size_t)(nl - line) : (size_t)(end - line);
		char *k = line_key(line, len);

		for (size_t i = 0; k && i < n; i++)
			if (!strcmp(k, set[i].key))
				last[i] = lineno;
		free(k);
		line += len + (nl ? 1 : 0);
	}
	line = old ? old : "";
	for (lineno = 1; line < end; lineno++) {
		const char *nl = memchr(line, '\n', (size_t)(end - line));
		size_t len = nl ? (size_t)(nl - line) : (size_t)(end - line);
		char *k = line_key(line, len);
		size_t i;

		for (i = 0; k && i < n; i++)
			if (!strcmp(k, set[i].key))
				break;
		if (!k || i == n) {
			sbuf_add(&out, line, len);
			sbuf_addc(&out, '\n');
		} else if (last[i] == lineno && set[i].value) {
			char *a = conf_assignment(set[i].key, set[i].value);

			sbuf_adds(&out, a);
			sbuf_addc(&out, '\n');
			free(a);
			done[i] = true;
		} else if (last[i] == lineno) {
			done[i] = true;
		}
		free(k);
		line += len + (nl ? 1 : 0);
	}
	for (size_t i = 0; i < n; i++) {
		bool dup = false;

		for (size_t j = 0; j < i; j++)
			if (!strcmp(set[j].key, set[i].key))
				dup = true;
		if (!done[i] && !dup && set[i].value) {
			char *a = conf_assignment(set[i].key, set[i].value);

			sbuf_adds(&out, a);
			sbuf_addc(&out, '\n');
			free(a);
		}
	}
	free(last);
	free(done);
	return sbuf_detach(&out);
}

int conf_write_file(const char *path, const char *text, unsigned mode)
{
	return write_file_atomic(path, text, strlen(text), mode);
}
