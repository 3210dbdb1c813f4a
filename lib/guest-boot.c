/* lib/guest-boot.c: serial console in the guest's kernel command lines and bootloaders. */
#include "guest.h"
#include "guest-priv.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "util.h"

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
bool guest_first_word(const char *line, const char *word, bool icase,
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
	char *out =
		xasprintf("%.*s%s%s", (int)at, line, *args ? " " : "", args);

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
			if (guest_first_word(line, "serial", true, &at))
				serial = true;
			else if (guest_first_word(line, "append", true, &at) &&
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
			if (guest_first_word(line, "linux", false, &at) ||
			    guest_first_word(line, "linux16", false, &at) ||
			    guest_first_word(line, "linuxefi", false, &at)) {
				/* the kernel's path stays first */
				at += strspn(line + at, " \t");
				at += strcspn(line + at, " \t");
				out = with_args(line, at, true);
			}
			break;
		case BOOTCFG_BLS:
			if (guest_first_word(line, "options", false, &at)) {
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
			err_set(FVM_EXIT_FAIL,
				"grubenv: the longer kernelopts "
				"do not fit its %zu bytes",
				total);
			return NULL;
		}
		while (sb.len < total)
			sbuf_addc(&sb, '#');
	}
	return sbuf_detach(&sb);
}

/* Is word one of the blank-separated words of line? */

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
	char *text = guest_read_text(x, path, &missing), *edited;
	int changed, rc = 0;

	if (!text)
		return missing ? 0 : -1;
	edited = guest_bootcfg_serial(kind, text, &changed);
	if (!edited)
		rc = err_context("%s", path);
	else if (changed && (rc = guest_put_file(x, path, edited,
						 strlen(edited), -1)) == 0)
		*(kind == BOOTCFG_GRUB_DEFAULT ||
				  kind == BOOTCFG_KERNEL_CMDLINE ?
			  &n->defaults :
			  &n->loader) += 1;
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
		return d < 0 ? guest_gfs_fail(x->g, dir) : 0;
	names = guestfs_ls(x->g, dir);
	if (!names)
		return guest_gfs_fail(x->g, dir);
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
	strv_free(names);
	return rc;
}

int edit_serial_console(struct gctx *x)
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

	if (!guest_is_linux(x, "serial console"))
		return 0;
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++)
		if (serial_file(x, files[i].path, files[i].kind, &n) < 0)
			return -1;
	/* grub.cfg on the EFI partition is the whole config on older
	 * guests, a stub that loads the one in /boot on newer ones */
	if (serial_dir(x, "/boot/efi/EFI", "grub.cfg", BOOTCFG_GRUB_CFG, &n) <
		    0 ||
	    serial_dir(x, "/boot/efi/EFI", "grubenv", BOOTCFG_GRUBENV, &n) < 0)
		return -1;
	for (int i = 0; bls[i]; i++)
		if (serial_dir(x, bls[i], NULL, BOOTCFG_BLS, &n) < 0)
			return -1;
	if (!n.loader && !n.defaults)
		guest_warn(x->r,
			   "serial console skipped: no boot loader "
			   "configuration with a kernel command line found "
			   "(extlinux, syslinux, GRUB, boot loader entries)");
	else if (!n.loader)
		guest_warn(x->r,
			   "serial console: only /etc/default/grub "
			   "or /etc/kernel/cmdline changed (no grub.cfg or "
			   "boot entries found): the kernel gets it once "
			   "the guest regenerates its boot configuration");
	return 0;
}
