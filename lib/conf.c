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

const char *const conf_keys[] = {
	"VM_PREFIX",	    "LIBVIRT_NETWORK",
	"SUBNET_NUMBER",    "THINPOOL_VG",
	"THINPOOL_LV",	    "THINPOOL_SIZE",
	"FASTVM_GROUP",	    "FASTVM_OWNER_ONLY_DELETE",
	"FASTVM_APPLIANCE", "FASTVM_KEYDIST_PASSWORD",
	"CURL_OPTS",	    "LOG_LEVEL",
	"DISPLAY_LEVEL",    "FVM_STORAGE",
	"FVM_STORE_DIR",    "FVM_URI",
	"FVM_DOMAIN_TYPE",  "FVM_VM_RANGE",
	"FVM_STATE_DIR",    "FVM_POOL_WATERMARK",
	"FVM_HACK_STRICT",  NULL
};

static const char *home_dir(void)
{
	const char *h = getenv("HOME");
	struct passwd *pw;

	if (h && *h)
		return h;
	pw = getpwuid(getuid());
	return pw && pw->pw_dir ? pw->pw_dir : "/";
}

static void set_str(char **dst, const char *v)
{
	free(*dst);
	*dst = v ? xstrdup(v) : NULL;
}

void conf_defaults(struct fvm_conf *c)
{
	const char *e;

	memset(c, 0, sizeof(*c));
	c->vm_prefix = xstrdup("fastvm-");
	c->libvirt_network = xstrdup("fastvm-nat");
	c->subnet = 22;
	c->thinpool_lv = xstrdup("fastvm-pool");
	c->thinpool_size = xstrdup("50G");
	c->group = xstrdup("libvirt");
	c->appliance = xstrdup("import");
	c->log_level = 7;
	c->display_level = 7;
	c->storage = FVM_STORAGE_DIR;
	c->store_dir = xstrdup("/var/lib/fvm");
	c->uri = xstrdup(FVM_DEFAULT_URI);
	c->connect_uri = xstrdup(FVM_DEFAULT_URI);
	c->connect_from = CONF_URI_DEFAULT;
	c->vm_min = 20;
	c->vm_max = 220;
	c->pool_watermark = 90;
	if ((e = getenv("XDG_STATE_HOME")) && *e == '/')
		c->state_dir = xasprintf("%s/fvm", e);
	else
		c->state_dir = xasprintf("%s/.local/state/fvm", home_dir());
	e = getenv("FVM_USER_DIR");
	c->user_dir =
		e && *e ? xstrdup(e) : xasprintf("%s/.fast-vm", home_dir());
	e = getenv("FVM_SYSTEM_DIR");
	c->system_dir = xstrdup(e && *e ? e : "/etc/fast-vm");
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

/* Names that end up in LV, domain and file names: a safe alphabet only. */
static bool name_ok(const char *s, bool allow_empty)
{
	if (!*s)
		return allow_empty;
	if (*s == '-' || *s == '.')
		return false;
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && !strchr("._+-", *s))
			return false;
	return true;
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

static bool parse_range(const char *v, int *lo, int *hi)
{
	const char *dash = strchr(v, '-');
	char *a;
	long x, y;
	bool ok;

	if (!dash)
		return false;
	a = xstrndup(v, (size_t)(dash - v));
	/* .0 is the network, .1 the host, .2 the dummy DHCP host and .255
	 * the broadcast address */
	ok = parse_int(a, 3, 254, &x) && parse_int(dash + 1, 3, 254, &y) &&
	     x <= y;
	free(a);
	if (ok) {
		*lo = (int)x;
		*hi = (int)y;
	}
	return ok;
}

/* Apply one KEY=value; returns false with *why set when it is invalid. */
static bool apply(struct fvm_conf *c, const char *key, const char *v,
		  const char **why, bool *vg_set, bool *storage_set)
{
	long n;

	if (!strcmp(key, "VM_PREFIX")) {
		if (!*v)
			return *why = "must not be empty", false;
		if (!name_ok(v, false))
			return *why = "may hold only letters, digits and ._+- "
				      "and must not start with - or .",
			       false;
		set_str(&c->vm_prefix, v);
	} else if (!strcmp(key, "LIBVIRT_NETWORK")) {
		if (!name_ok(v, false))
			return *why = "must be a non-empty network name of "
				      "letters, digits and ._+-",
			       false;
		set_str(&c->libvirt_network, v);
	} else if (!strcmp(key, "SUBNET_NUMBER")) {
		if (!parse_int(v, 0, 255, &n))
			return *why = "must be a number from 0 to 255", false;
		c->subnet = (int)n;
	} else if (!strcmp(key, "THINPOOL_VG")) {
		if (!name_ok(v, true))
			return *why = "is not a valid volume group name", false;
		set_str(&c->thinpool_vg, *v ? v : NULL);
		*vg_set = *v != '\0';
	} else if (!strcmp(key, "THINPOOL_LV")) {
		if (!name_ok(v, false))
			return *why = "is not a valid logical volume name",
			       false;
		set_str(&c->thinpool_lv, v);
	} else if (!strcmp(key, "THINPOOL_SIZE")) {
		set_str(&c->thinpool_size, v);
	} else if (!strcmp(key, "FASTVM_GROUP")) {
		set_str(&c->group, v);
	} else if (!strcmp(key, "FASTVM_OWNER_ONLY_DELETE")) {
		if (!parse_bool(v, &c->owner_only_delete))
			return *why = "must be yes or no", false;
	} else if (!strcmp(key, "FASTVM_APPLIANCE")) {
		set_str(&c->appliance, v);
	} else if (!strcmp(key, "FASTVM_KEYDIST_PASSWORD")) {
		set_str(&c->keydist_password, v);
	} else if (!strcmp(key, "CURL_OPTS")) {
		set_str(&c->curl_opts, v);
	} else if (!strcmp(key, "LOG_LEVEL") || !strcmp(key, "DISPLAY_LEVEL")) {
		if (!parse_int(v, 0, 7, &n))
			return *why = "must be a number from 0 to 7", false;
		*(key[0] == 'L' ? &c->log_level : &c->display_level) = (int)n;
	} else if (!strcmp(key, "FVM_STORAGE")) {
		if (!strcmp(v, "lvm"))
			c->storage = FVM_STORAGE_LVM;
		else if (!strcmp(v, "dir"))
			c->storage = FVM_STORAGE_DIR;
		else
			return *why = "must be lvm or dir", false;
		*storage_set = true;
	} else if (!strcmp(key, "FVM_STORE_DIR")) {
		if (v[0] != '/')
			return *why = "must be an absolute path", false;
		set_str(&c->store_dir, v);
	} else if (!strcmp(key, "FVM_URI")) {
		if (!*v)
			return *why = "must not be empty", false;
		set_str(&c->uri, v);
		c->uri_set = true;
	} else if (!strcmp(key, "FVM_DOMAIN_TYPE")) {
		if (!strcmp(v, "auto"))
			c->domain_type = FVM_DOMTYPE_AUTO;
		else if (!strcmp(v, "kvm"))
			c->domain_type = FVM_DOMTYPE_KVM;
		else if (!strcmp(v, "qemu"))
			c->domain_type = FVM_DOMTYPE_QEMU;
		else
			return *why = "must be auto, kvm or qemu", false;
	} else if (!strcmp(key, "FVM_VM_RANGE")) {
		if (!parse_range(v, &c->vm_min, &c->vm_max))
			return *why = "must be FIRST-LAST with 3 <= FIRST <= "
				      "LAST <= 254",
			       false;
	} else if (!strcmp(key, "FVM_STATE_DIR")) {
		if (v[0] != '/')
			return *why = "must be an absolute path", false;
		set_str(&c->state_dir, v);
	} else if (!strcmp(key, "FVM_HACK_STRICT")) {
		if (!parse_bool(v, &c->hack_strict))
			return *why = "must be yes or no", false;
	} else if (!strcmp(key, "FVM_POOL_WATERMARK")) {
		if (!parse_int(v, 0, 100, &n))
			return *why = "must be a percentage from 0 to 100",
			       false;
		c->pool_watermark = (int)n;
	}
	return true;
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

int conf_parse(struct fvm_conf *c, const char *path, const char *text,
	       size_t len)
{
	bool vg_set = c->thinpool_vg != NULL, storage_set = false;
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

			ok = apply(c, p, v, &why, &vg_set, &storage_set);
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
	if (!storage_set)
		c->storage = vg_set ? FVM_STORAGE_LVM : FVM_STORAGE_DIR;
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

char *conf_get(const struct fvm_conf *c, const char *k)
{
	static const char *const dt[] = { "auto", "kvm", "qemu" };

	if (!strcmp(k, "VM_PREFIX"))
		return xstrdup(c->vm_prefix);
	if (!strcmp(k, "LIBVIRT_NETWORK"))
		return xstrdup(c->libvirt_network);
	if (!strcmp(k, "SUBNET_NUMBER"))
		return xasprintf("%d", c->subnet);
	if (!strcmp(k, "THINPOOL_VG"))
		return xstrdup(c->thinpool_vg ? c->thinpool_vg : "");
	if (!strcmp(k, "THINPOOL_LV"))
		return xstrdup(c->thinpool_lv);
	if (!strcmp(k, "THINPOOL_SIZE"))
		return xstrdup(c->thinpool_size);
	if (!strcmp(k, "FASTVM_GROUP"))
		return xstrdup(c->group);
	if (!strcmp(k, "FASTVM_OWNER_ONLY_DELETE"))
		return xstrdup(c->owner_only_delete ? "yes" : "no");
	if (!strcmp(k, "FASTVM_APPLIANCE"))
		return xstrdup(c->appliance);
	if (!strcmp(k, "FASTVM_KEYDIST_PASSWORD"))
		return xstrdup(c->keydist_password ? c->keydist_password : "");
	if (!strcmp(k, "CURL_OPTS"))
		return xstrdup(c->curl_opts ? c->curl_opts : "");
	if (!strcmp(k, "LOG_LEVEL"))
		return xasprintf("%d", c->log_level);
	if (!strcmp(k, "DISPLAY_LEVEL"))
		return xasprintf("%d", c->display_level);
	if (!strcmp(k, "FVM_STORAGE"))
		return xstrdup(c->storage == FVM_STORAGE_LVM ? "lvm" : "dir");
	if (!strcmp(k, "FVM_STORE_DIR"))
		return xstrdup(c->store_dir);
	if (!strcmp(k, "FVM_URI"))
		return xstrdup(c->uri);
	if (!strcmp(k, "FVM_DOMAIN_TYPE"))
		return xstrdup(dt[c->domain_type]);
	if (!strcmp(k, "FVM_VM_RANGE"))
		return xasprintf("%d-%d", c->vm_min, c->vm_max);
	if (!strcmp(k, "FVM_STATE_DIR"))
		return xstrdup(c->state_dir);
	if (!strcmp(k, "FVM_HACK_STRICT"))
		return xstrdup(c->hack_strict ? "yes" : "no");
	if (!strcmp(k, "FVM_POOL_WATERMARK"))
		return xasprintf("%d", c->pool_watermark);
	return NULL;
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
