/* lib/guest-priv.h: what the lib/guest*.c files share, and no one else. */
#ifndef FVM_GUEST_PRIV_H
#define FVM_GUEST_PRIV_H

#include <stdbool.h>
#include <stddef.h>

#include <guestfs.h>

#include "guest.h"
#include "util.h"

/* What the edits work on: the handle and what inspection told. */
struct gctx {
	guestfs_h *g;
	const struct guest_target *t;
	struct guest_result *r;
	char *root, *type, *distro;
	int major, minor;
	bool debian, rhel;   /* families with their own files */
	struct strv touched; /* for the SELinux relabel */
};

/* ---- lib/guest.c: the handle and files in the guest ---- */

/* Record libguestfs's last error as "WHAT: MESSAGE"; returns -1. */
int guest_gfs_fail(guestfs_h *g, const char *what);
/* A warning for the caller to print; the edit goes on. */
void guest_warn(struct guest_result *r, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Note a file made or changed, for the SELinux relabel. */
void guest_touch(struct gctx *x, const char *path);
/* Whether the guest is Linux; else a warning that what was skipped. */
bool guest_is_linux(struct gctx *x, const char *what);
/* 1 there, 0 not, -1 error (guestfs_exists / guestfs_is_dir) */
int guest_path_exists(struct gctx *x, const char *path);
int guest_is_dir(struct gctx *x, const char *path);
/* The file as a string (NULL and *missing when absent, NULL on error). */
char *guest_read_text(struct gctx *x, const char *path, bool *missing);
/* Write the file with mode, noting it for the relabel. */
int guest_put_file(struct gctx *x, const char *path, const char *content,
		   size_t len, int mode);
int guest_make_dir(struct gctx *x, const char *dir);
int guest_make_parent(struct gctx *x, const char *path);
/* text with the line starting with prefix replaced by line (or added) */
char *guest_replace_line(const char *text, const char *prefix,
			 const char *line);
int guest_edit_text_file(struct gctx *x, const char *path, const char *prefix,
			 const char *line);

/* whether s is one of the NULL-terminated list */
bool guest_in_list(const char *s, const char *const *list);
/* Does line start (after blanks) with word, followed by a blank or its
 * end? *after: where the word ends. (lib/guest-boot.c) */
bool guest_first_word(const char *line, const char *word, bool icase,
		      size_t *after);

/* ---- each edit, applied in the mounted guest: lib/guest-edit.c ---- */

int edit_hostname(struct gctx *x, const char *want);
/* 1 added, 0 the key was there already, -1 error */
int edit_ssh_key(struct gctx *x, const char *keys, const char *user);
int edit_timezone(struct gctx *x, const char *zone);
int edit_machine_id(struct gctx *x);
int edit_write(struct gctx *x, const char *path, const char *content);
int edit_copy_in(struct gctx *x, const char *host, const char *guest);
int edit_firstboot(struct gctx *x, const char *cmd, int *seq);
int edit_root_password(struct gctx *x, const char *password);
/* lib/guest-boot.c */
int edit_serial_console(struct gctx *x);
/* lib/guest-net.c */
int edit_dhcp(struct gctx *x);

#endif
