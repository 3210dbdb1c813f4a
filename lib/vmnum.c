/* lib/vmnum.c: VM number lists and ranges, IP, MAC and name derivation. */
#include "vmnum.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"
#include "err.h"
#include "util.h"

static int add_number(struct vmlist *l, long v)
{
	for (size_t i = 0; i < l->len; i++)
		if (l->n[i] == v)
			return 0;
	l->n = xrealloc(l->n, sizeof(*l->n) * (l->len + 1));
	l->n[l->len++] = (int)v;
	return 0;
}

/* a run of digits, at most 9 of them, as a number */
static int digits(const char **p, long *v)
{
	const char *s = *p;
	long x = 0;
	int n = 0;

	while (isdigit((unsigned char)*s)) {
		if (++n > 9)
			return -1;
		x = x * 10 + (*s++ - '0');
	}
	if (!n)
		return -1;
	*p = s;
	*v = x;
	return 0;
}

static int parse_token(const char *tok, int min, int max, struct vmlist *l)
{
	const char *p = tok;
	long a, b;

	if (digits(&p, &a) < 0)
		return err_set(FVM_EXIT_USAGE,
			       "'%s' is not a VM number or range (N, N-M)",
			       tok);
	b = a;
	if (*p == '-') {
		p++;
		if (digits(&p, &b) < 0)
			return err_set(FVM_EXIT_USAGE,
				       "'%s' is not a VM number or range "
				       "(N, N-M)",
				       tok);
	}
	if (*p)
		return err_set(FVM_EXIT_USAGE,
			       "'%s' is not a VM number or range (N, N-M)",
			       tok);
	if (a > b)
		return err_set(FVM_EXIT_USAGE, "range %s runs backwards", tok);
	if (a < min || b > max)
		return err_set(FVM_EXIT_USAGE,
			       "VM number %ld is out of range %d-%d",
			       a < min ? a : b, min, max);
	for (long v = a; v <= b; v++)
		add_number(l, v);
	return 0;
}

int vmnum_parse(int nargs, char *const *args, int min, int max,
		struct vmlist *out)
{
	memset(out, 0, sizeof(*out));
	for (int i = 0; i < nargs; i++) {
		char *copy = xstrdup(args[i]), *save = NULL, *tok;

		for (tok = strtok_r(copy, " \t\n,", &save); tok;
		     tok = strtok_r(NULL, " \t\n,", &save)) {
			if (parse_token(tok, min, max, out) < 0) {
				free(copy);
				vmlist_release(out);
				return -1;
			}
		}
		free(copy);
	}
	if (!out->len)
		return err_set(FVM_EXIT_USAGE, "no VM number given");
	return 0;
}

void vmlist_release(struct vmlist *l)
{
	free(l->n);
	l->n = NULL;
	l->len = 0;
}

void vm_ip(const struct fvm_conf *c, int n, char buf[16])
{
	snprintf(buf, 16, "192.168.%d.%d", c->subnet & 0xff, n & 0xff);
}

void vm_mac(const struct fvm_conf *c, int n, char buf[18])
{
	/* 52:54:00 is QEMU's prefix; f5 keeps clear of libvirt's random
	 * MACs' usual range and of fast-vm's dummy host 52:54:00:99:ff:99 */
	snprintf(buf, 18, "52:54:00:f5:%02x:%02x", c->subnet & 0xff, n & 0xff);
}

void vm_hex(int n, char buf[3])
{
	snprintf(buf, 3, "%02x", n & 0xff);
}

char *vm_name(const struct fvm_conf *c, const char *image, int n)
{
	if (n < 0)
		return xasprintf("%s%s", c->vm_prefix, image);
	return xasprintf("%s%s-%d", c->vm_prefix, image, n);
}
