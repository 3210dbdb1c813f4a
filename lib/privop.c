/* lib/privop.c: requests to `fvm helper`: the strict parser, the text, the sudo client. */
#include "privop.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "conf.h"
#include "err.h"
#include "proc.h"
#include "store.h"
#include "tmpl.h"
#include "util.h"

enum helper_key {
	K_OP,
	K_IMAGE,
	K_VM,
	K_SIZE,
	K_SHRINK,
	K_NUMBER,
	K_MAC,
	K__N
};

static const char *const key_names[K__N] = {
	[K_OP] = "op",	   [K_IMAGE] = "image",	  [K_VM] = "vm",
	[K_SIZE] = "size", [K_SHRINK] = "shrink", [K_NUMBER] = "number",
	[K_MAC] = "mac",
};

#define BIT(k) (1u << (k))

static const struct {
	const char *name;
	enum helper_op op;
	unsigned need, allow; /* keys besides op */
} ops[] = {
	{ "check", HELPER_OP_CHECK, 0, 0 },
	{ "clone", HELPER_OP_CLONE, BIT(K_IMAGE) | BIT(K_VM),
	  BIT(K_IMAGE) | BIT(K_VM) },
	{ "remove", HELPER_OP_REMOVE, BIT(K_VM), BIT(K_VM) },
	{ "resize", HELPER_OP_RESIZE, BIT(K_VM) | BIT(K_SIZE),
	  BIT(K_VM) | BIT(K_SIZE) | BIT(K_SHRINK) },
	{ "release-lease", HELPER_OP_RELEASE_LEASE, BIT(K_NUMBER) | BIT(K_MAC),
	  BIT(K_NUMBER) | BIT(K_MAC) },
};
#define NOPS (sizeof(ops) / sizeof(ops[0]))

const char *helper_op_name(enum helper_op op)
{
	for (size_t i = 0; i < NOPS; i++)
		if (ops[i].op == op)
			return ops[i].name;
	return "?";
}

/* Request bytes as they may appear in a message: printable, cut short. */
static void shown(char *dst, size_t dstlen, const char *s, size_t len)
{
	size_t j = 0, max = 40;

	for (size_t i = 0; i < len && i < max && j + 1 < dstlen; i++)
		dst[j++] = isprint((unsigned char)s[i]) ? s[i] : '?';
	if (len > max && j + 4 < dstlen) {
		memcpy(dst + j, "...", 3);
		j += 3;
	}
	dst[j] = '\0';
}

#define invalid(...) err_set(HELPER_EXIT_INVALID, __VA_ARGS__)

/* A store name check whose refusal becomes an invalid request. */
static int check_name(const char *what, const char *name)
{
	char msg[512];

	if (store_check_name(name) == 0)
		return 0;
	snprintf(msg, sizeof(msg), "%s", err_msg());
	return invalid("%s: %s", what, msg);
}

/*
 * The IMAGE part of a disk name: an image name as fvm import and
 * fast-vm-image take it (lib/tmpl's rule: letters, digits, . and -, a
 * leading dot allowed), so every image that can be imported has VMs
 * the helper makes, and no other.
 */
static int check_image_part(const char *what, const char *image)
{
	char msg[512];

	if (tmpl_check_name(image, "image name") == 0)
		return 0;
	snprintf(msg, sizeof(msg), "%s", err_msg());
	return invalid("%s: %s", what, msg);
}

/* N in [min, max] written as fvm writes it: digits, no leading zero. */
static bool parse_number(const char *s, int min, int max, int *out)
{
	long v = 0;

	if (!*s || strlen(s) > 3 || (s[0] == '0' && s[1]))
		return false;
	for (const char *p = s; *p; p++) {
		if (!isdigit((unsigned char)*p))
			return false;
		v = v * 10 + (*p - '0');
	}
	if (v < min || v > max)
		return false;
	*out = (int)v;
	return true;
}

/* ${VM_PREFIX}IMAGE-N with IMAGE a disk name of its own, N in range. */
static int check_vm(const struct helper_policy *p, const char *vm, int *n)
{
	size_t plen = strlen(p->vm_prefix);
	const char *dash;
	char *image;
	int rc;

	if (check_name("vm", vm) < 0)
		return -1;
	if (strncmp(vm, p->vm_prefix, plen))
		return invalid("VM disk %s does not start with VM_PREFIX %s",
			       vm, p->vm_prefix);
	dash = strrchr(vm, '-');
	if (!dash || dash < vm + plen + 1)
		return invalid("%s is not a VM disk name (%sIMAGE-N)", vm,
			       p->vm_prefix);
	if (!parse_number(dash + 1, p->vm_min, p->vm_max, n))
		return invalid("%s: '%s' is not a VM number in FVM_VM_RANGE "
			       "%d-%d",
			       vm, dash + 1, p->vm_min, p->vm_max);
	image = xstrndup(vm + plen, (size_t)(dash - vm - (ptrdiff_t)plen));
	rc = check_image_part("image of vm", image);
	free(image);
	return rc;
}

static int check_image(const struct helper_policy *p, const char *image,
		       const char *vm)
{
	size_t plen = strlen(p->vm_prefix), ilen = strlen(image);
	const char *dash;
	int n;

	if (check_name("image", image) < 0)
		return -1;
	if (strncmp(image, p->vm_prefix, plen) || ilen == plen)
		return invalid("image disk %s does not start with VM_PREFIX %s",
			       image, p->vm_prefix);
	if (check_image_part("image", image + plen) < 0)
		return -1;
	/* a VM's disk is no image: a clone must not copy another VM */
	dash = strrchr(image, '-');
	if (dash && dash > image + plen &&
	    parse_number(dash + 1, p->vm_min, p->vm_max, &n))
		return invalid("image disk %s reads as a VM disk (%sIMAGE-N)",
			       image, p->vm_prefix);
	if (strncmp(vm, image, ilen) || vm[ilen] != '-' ||
	    strchr(vm + ilen + 1, '-'))
		return invalid("VM disk %s is not a VM of image %s", vm, image);
	return 0;
}

static int parse_size(const char *s, uint64_t *out)
{
	uint64_t v = 0;

	if (!*s || (s[0] == '0') || strlen(s) > 20)
		return invalid("size '%s' is not a number of bytes", s);
	for (const char *p = s; *p; p++) {
		if (!isdigit((unsigned char)*p))
			return invalid("size '%s' is not a number of bytes", s);
		if (v > (UINT64_MAX - 9) / 10)
			return invalid("size %s is too large", s);
		v = v * 10 + (uint64_t)(*p - '0');
	}
	if (v < HELPER_SIZE_MIN || v > HELPER_SIZE_MAX)
		return invalid("size %s is outside 1 MiB to 64 TiB", s);
	*out = v;
	return 0;
}

static int parse_mac(const char *s, char out[18])
{
	static const char hex[] = "0123456789abcdef";

	if (strlen(s) != 17)
		return invalid("mac '%s' is not xx:xx:xx:xx:xx:xx", s);
	for (int i = 0; i < 17; i++) {
		bool colon = i % 3 == 2;

		if (colon ? s[i] != ':' : !strchr(hex, s[i]) || !s[i])
			return invalid("mac '%s' is not xx:xx:xx:xx:xx:xx in "
				       "lowercase hex",
				       s);
	}
	/* a group address, or none at all, is no NIC's */
	if ((strchr(hex, s[1]) - hex) & 1 || !strcmp(s, "00:00:00:00:00:00"))
		return invalid("mac %s is not a unicast address", s);
	memcpy(out, s, 18);
	return 0;
}

int helper_parse(const char *text, size_t len, const struct helper_policy *p,
		 struct helper_req *r)
{
	char vals[K__N][HELPER_VALUE_MAX + 1];
	unsigned seen = 0;
	const char *line = text, *end = text + len;
	const char *opname;
	size_t oi;
	int lineno = 0;

	memset(r, 0, sizeof(*r));
	if (len == 0)
		return invalid("empty request");
	if (len > HELPER_REQ_MAX)
		return invalid("request longer than %d bytes", HELPER_REQ_MAX);
	if (text[len - 1] != '\n')
		return invalid("request does not end with a newline");
	while (line < end) {
		const char *nl = memchr(line, '\n', (size_t)(end - line));
		const char *eq = memchr(line, '=', (size_t)(nl - line));
		char buf[64];
		size_t vlen;
		int k;

		lineno++;
		if (nl == line)
			return invalid("line %d is empty", lineno);
		if (!eq) {
			shown(buf, sizeof(buf), line, (size_t)(nl - line));
			return invalid("line %d is not key=value: '%s'", lineno,
				       buf);
		}
		for (k = 0; k < K__N; k++)
			if (strlen(key_names[k]) == (size_t)(eq - line) &&
			    !memcmp(key_names[k], line, (size_t)(eq - line)))
				break;
		if (k == K__N) {
			shown(buf, sizeof(buf), line, (size_t)(eq - line));
			return invalid("unknown key '%s'", buf);
		}
		if (seen & BIT(k))
			return invalid("key %s given twice", key_names[k]);
		seen |= BIT(k);
		vlen = (size_t)(nl - eq - 1);
		if (!vlen)
			return invalid("%s is empty", key_names[k]);
		if (vlen > HELPER_VALUE_MAX)
			return invalid("%s is longer than %d bytes",
				       key_names[k], HELPER_VALUE_MAX);
		for (const char *c = eq + 1; c < nl; c++)
			if (*c < 0x21 || *c > 0x7e)
				return invalid("%s holds a blank, a control "
					       "character or a byte beyond "
					       "ASCII",
					       key_names[k]);
		memcpy(vals[k], eq + 1, vlen);
		vals[k][vlen] = '\0';
		line = nl + 1;
	}
	if (!(seen & BIT(K_OP)))
		return invalid("no op");
	opname = vals[K_OP];
	for (oi = 0; oi < NOPS; oi++)
		if (!strcmp(ops[oi].name, opname))
			break;
	if (oi == NOPS)
		return invalid("unknown op '%s'", opname);
	r->op = ops[oi].op;
	for (int k = K_OP + 1; k < K__N; k++) {
		if ((seen & BIT(k)) && !(ops[oi].allow & BIT(k)))
			return invalid("op %s takes no %s", opname,
				       key_names[k]);
		if (!(seen & BIT(k)) && (ops[oi].need & BIT(k)))
			return invalid("op %s needs %s", opname, key_names[k]);
	}
	if (seen & BIT(K_VM)) {
		if (check_vm(p, vals[K_VM], &r->number) < 0)
			return -1;
		snprintf(r->vm, sizeof(r->vm), "%s", vals[K_VM]);
	}
	if (seen & BIT(K_IMAGE)) {
		if (check_image(p, vals[K_IMAGE], r->vm) < 0)
			return -1;
		snprintf(r->image, sizeof(r->image), "%s", vals[K_IMAGE]);
	}
	if ((seen & BIT(K_SIZE)) && parse_size(vals[K_SIZE], &r->size) < 0)
		return -1;
	if (seen & BIT(K_SHRINK)) {
		if (!strcmp(vals[K_SHRINK], "yes"))
			r->shrink = true;
		else if (strcmp(vals[K_SHRINK], "no"))
			return invalid("shrink must be yes or no");
	}
	if ((seen & BIT(K_NUMBER)) &&
	    !parse_number(vals[K_NUMBER], p->vm_min, p->vm_max, &r->number))
		return invalid("'%s' is not a VM number in FVM_VM_RANGE %d-%d",
			       vals[K_NUMBER], p->vm_min, p->vm_max);
	if ((seen & BIT(K_MAC)) && parse_mac(vals[K_MAC], r->mac) < 0)
		return -1;
	return 0;
}

char *helper_format(const struct helper_req *r)
{
	struct sbuf b = SBUF_INIT;

	sbuf_addf(&b, "op=%s\n", helper_op_name(r->op));
	switch (r->op) {
	case HELPER_OP_CHECK:
		break;
	case HELPER_OP_CLONE:
		sbuf_addf(&b, "image=%s\nvm=%s\n", r->image, r->vm);
		break;
	case HELPER_OP_REMOVE:
		sbuf_addf(&b, "vm=%s\n", r->vm);
		break;
	case HELPER_OP_RESIZE:
		sbuf_addf(&b, "vm=%s\nsize=%llu\nshrink=%s\n", r->vm,
			  (unsigned long long)r->size,
			  r->shrink ? "yes" : "no");
		break;
	case HELPER_OP_RELEASE_LEASE:
		sbuf_addf(&b, "number=%d\nmac=%s\n", r->number, r->mac);
		break;
	}
	return sbuf_detach(&b);
}

bool helper_mac_allowed(const struct helper_policy *p, int n, const char *mac,
			const char *domain_mac)
{
	char own[18];

	/* as lib/vmnum's vm_mac */
	snprintf(own, sizeof(own), "52:54:00:f5:%02x:%02x", p->subnet & 0xff,
		 n & 0xff);
	if (!strcmp(mac, own))
		return true;
	return domain_mac && !strcasecmp(mac, domain_mac);
}

/* ---- client ---- */

char *helper_self_exe(void)
{
	char buf[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", buf, sizeof(buf) - 1);

	if (n <= 0) {
		err_sys(FVM_EXIT_FAIL, "cannot find fvm's own path");
		return NULL;
	}
	buf[n] = '\0';
	return xstrdup(buf);
}

/* The config path the helper is asked to read: FVM_CONFIG made
 * absolute, or NULL for the default /etc/fast-vm.conf. */
static char *client_config(void)
{
	const char *env = getenv("FVM_CONFIG");
	char real[PATH_MAX];

	if (!env || !*env)
		return NULL;
	if (!realpath(env, real))
		return xstrdup(env);
	if (!strcmp(real, "/etc/fast-vm.conf"))
		return NULL;
	return xstrdup(real);
}

static const char *helper_prefix = "fvm-helper: error: ";

int helper_call(const struct helper_req *r)
{
	char *exe = helper_self_exe(), *cfg, *text, *errout = NULL, *line;
	struct proc_opts o = { 0 };
	const char *msg;
	int rc, code;

	/* the helper works on root's FVM_URI alone: a change whose domain
	 * is on another connection is not one it can check */
	if ((msg = conf_connect_elsewhere())) {
		free(exe);
		return err_set(FVM_EXIT_USAGE,
			       "%s: fvm helper, which does this step (%s) for "
			       "users who are not root, works on FVM_URI "
			       "only: leave -c and LIBVIRT_DEFAULT_URI out, or "
			       "run this as root",
			       msg, helper_op_name(r->op));
	}
	if (!exe)
		return -1;
	cfg = client_config();
	text = helper_format(r);
	char *argv[] = { "sudo", "-n",	   "--",
			 exe,	 "helper", cfg ? "--config" : NULL,
			 cfg,	 NULL };
	o.in = text;
	o.in_len = strlen(text);
	rc = proc_run_opts(argv, &o, NULL, &errout);
	free(text);
	if (rc < 0) {
		if (err_code() == FVM_EXIT_NOTFOUND)
			err_set(FVM_EXIT_FAIL,
				"sudo is not installed: as a non-root user fvm "
				"runs 'fvm helper' through it for this step "
				"(%s); ask root to install sudo and run "
				"'fvm configure'",
				helper_op_name(r->op));
		goto out;
	}
	if (rc == 0)
		goto out;
	line = proc_last_line(errout);
	msg = line;
	if (str_starts(line, "sudo:") || !*line) {
		err_set(FVM_EXIT_FAIL,
			"sudo does not let you run fvm helper (%s): as a "
			"non-root user fvm needs it for this step (%s); root "
			"allows FASTVM_GROUP's members with the line "
			"'fvm helper --sudoers GROUP' prints",
			*line ? line + 5 + strspn(line + 5, " ") : "no message",
			helper_op_name(r->op));
		free(line);
		rc = -1;
		goto out;
	}
	if (str_starts(msg, helper_prefix))
		msg += strlen(helper_prefix);
	switch (rc) {
	case FVM_EXIT_NOTFOUND:
	case FVM_EXIT_CONFLICT:
		code = rc;
		break;
	case FVM_EXIT_USAGE:
	case HELPER_EXIT_INVALID:
		code = FVM_EXIT_USAGE;
		break;
	default:
		code = FVM_EXIT_FAIL;
		break;
	}
	if (rc == HELPER_EXIT_REFUSED)
		err_set(code, "refused by fvm helper: %s", msg);
	else
		err_set(code, "%s", msg);
	free(line);
	rc = -1;
out:
	free(errout);
	free(cfg);
	free(exe);
	return rc < 0 ? -1 : 0;
}

int helper_vm_clone(const char *image, const char *vm)
{
	struct helper_req r = { .op = HELPER_OP_CLONE };

	if (strlen(image) >= sizeof(r.image) || strlen(vm) >= sizeof(r.vm))
		return err_set(FVM_EXIT_USAGE, "disk name too long");
	snprintf(r.image, sizeof(r.image), "%s", image);
	snprintf(r.vm, sizeof(r.vm), "%s", vm);
	return helper_call(&r);
}

int helper_vm_remove(const char *vm)
{
	struct helper_req r = { .op = HELPER_OP_REMOVE };

	if (strlen(vm) >= sizeof(r.vm))
		return err_set(FVM_EXIT_USAGE, "disk name too long");
	snprintf(r.vm, sizeof(r.vm), "%s", vm);
	return helper_call(&r);
}

int helper_resize(const char *vm, uint64_t size, bool allow_shrink)
{
	struct helper_req r = { .op = HELPER_OP_RESIZE };

	if (strlen(vm) >= sizeof(r.vm))
		return err_set(FVM_EXIT_USAGE, "disk name too long");
	snprintf(r.vm, sizeof(r.vm), "%s", vm);
	r.size = size;
	r.shrink = allow_shrink;
	return helper_call(&r);
}

int helper_release_lease(const char *ip, const char *mac)
{
	struct helper_req r = { .op = HELPER_OP_RELEASE_LEASE };
	const char *dot = strrchr(ip, '.');
	long n;

	if (!dot || !parse_int(dot + 1, 0, 255, &n))
		return err_set(FVM_EXIT_USAGE, "'%s' is not a VM's address",
			       ip);
	r.number = (int)n;
	snprintf(r.mac, sizeof(r.mac), "%s", mac);
	/* the helper takes lowercase only; libvirt may keep what the
	 * template wrote */
	for (char *c = r.mac; *c; c++)
		*c = (char)tolower((unsigned char)*c);
	return helper_call(&r);
}

/* Sudoers gives , : = \ blanks and wildcards meanings: allow none. */
static bool sudoers_word_ok(const char *s, const char *extra)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && !strchr(extra, *s))
			return false;
	return true;
}

char *helper_sudoers_rule(const char *group, const char *exe,
			  const char *config)
{
	char *self = NULL, *rule;

	if (!group || !sudoers_word_ok(group, "._-") || group[0] == '-') {
		err_set(FVM_EXIT_USAGE,
			"group '%s' cannot be written in a sudoers rule",
			group ? group : "");
		return NULL;
	}
	if (!exe && !(exe = self = helper_self_exe()))
		return NULL;
	if (exe[0] != '/' || !sudoers_word_ok(exe, "/._+-") ||
	    (config &&
	     (config[0] != '/' || !sudoers_word_ok(config, "/._+-")))) {
		err_set(FVM_EXIT_USAGE,
			"%s cannot be written in a sudoers rule: keep it to "
			"letters, digits and /._+-",
			config && exe[0] == '/' &&
					sudoers_word_ok(exe, "/._+-") ?
				config :
				exe);
		free(self);
		return NULL;
	}
	rule = xasprintf("%%%s ALL=(root) NOPASSWD: %s helper%s%s", group, exe,
			 config ? " --config " : "", config ? config : "");
	free(self);
	return rule;
}

static const char *visudo_path(void)
{
	static const char *const paths[] = { "/usr/sbin/visudo",
					     "/sbin/visudo" };

	for (size_t i = 0; i < 2; i++)
		if (access(paths[i], X_OK) == 0)
			return paths[i];
	return NULL;
}

int helper_sudoers_valid(const char *text, char **why)
{
	const char *visudo = visudo_path();
	char tmp[] = "/tmp/fvm-sudoers.XXXXXX";
	char *out = NULL, *err = NULL;
	int fd, rc;

	if (!visudo)
		return -1;
	fd = mkstemp(tmp);
	if (fd < 0) {
		*why = xasprintf("cannot make a temporary file: %s",
				 strerror(errno));
		return 0;
	}
	if (write(fd, text, strlen(text)) != (ssize_t)strlen(text)) {
		close(fd);
		unlink(tmp);
		*why = xstrdup("cannot write a temporary file");
		return 0;
	}
	close(fd);
	{
		char *const argv[] = { (char *)visudo, "-cf", tmp, NULL };

		rc = proc_run(argv, &out, &err);
	}
	unlink(tmp);
	if (rc != 0) {
		char *line = proc_last_line(err && *err ? err : out);

		*why = xasprintf("visudo: %s", *line ? line : "refused");
		free(line);
	}
	free(out);
	free(err);
	return rc == 0;
}
