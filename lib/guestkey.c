/* lib/guestkey.c: put an ssh public key into a stopped guest's disk with libguestfs. */
#include "guestkey.h"

#include <stdlib.h>
#include <string.h>

#include <guestfs.h>

#include "err.h"
#include "util.h"

#define SSH_DIR "/root/.ssh"
#define AUTH_KEYS SSH_DIR "/authorized_keys"
/* what restorecon would give these files on a targeted-policy guest */
#define SSH_HOME_LABEL "system_u:object_r:ssh_home_t:s0"

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

static guestfs_h *launch(const char *disk, const char *format, bool tcg)
{
	guestfs_h *g = guestfs_create();

	if (!g) {
		err_set(FVM_EXIT_FAIL, "cannot create a libguestfs handle");
		return NULL;
	}
	guestfs_set_error_handler(g, NULL, NULL);
	if (tcg && !getenv("LIBGUESTFS_BACKEND_SETTINGS")) {
		char *settings[] = { "force_tcg", NULL };

		guestfs_set_backend_settings(g, settings);
	}
	if (guestfs_add_drive_opts(g, disk, GUESTFS_ADD_DRIVE_OPTS_FORMAT,
				   format, -1) < 0 ||
	    guestfs_launch(g) < 0) {
		gfs_fail(g, disk);
		guestfs_close(g);
		return NULL;
	}
	return g;
}

/* sort mountpoints so that "/" is mounted before "/home" */
static int by_length(const void *a, const void *b)
{
	const char *const *x = a, *const *y = b;

	return (int)strlen(x[0]) - (int)strlen(y[0]);
}

static int mount_os(guestfs_h *g, const char *disk)
{
	char **roots = guestfs_inspect_os(g), **mps;
	size_t n = 0;
	int rc = -1;

	if (!roots)
		return gfs_fail(g, "inspecting the guest");
	if (!roots[0]) {
		free_strings(roots);
		return err_set(FVM_EXIT_FAIL, "no operating system found on %s",
			       disk);
	}
	mps = guestfs_inspect_get_mountpoints(g, roots[0]);
	if (!mps) {
		gfs_fail(g, "inspecting the guest");
		goto out;
	}
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
	free_strings(roots);
	return rc;
}

/* Is the key (its type and base64 fields) in the authorized_keys text? */
static bool has_key(const char *text, const char *pubkey)
{
	const char *sp = strchr(pubkey, ' ');
	size_t len;
	bool found;
	char *needle;

	if (!text || !sp)
		return false;
	len = strcspn(sp + 1, " \n");
	needle = xstrndup(pubkey, (size_t)(sp + 1 - pubkey) + len);
	found = strstr(text, needle) != NULL;
	free(needle);
	return found;
}

static void relabel(guestfs_h *g)
{
	size_t len = 0;
	char *label = guestfs_getxattr(g, "/root", "security.selinux", &len);

	/* a guest whose files carry no SELinux label needs none */
	if (!label)
		return;
	free(label);
	guestfs_setxattr(g, "security.selinux", SSH_HOME_LABEL,
			 (int)sizeof(SSH_HOME_LABEL), SSH_DIR);
	guestfs_setxattr(g, "security.selinux", SSH_HOME_LABEL,
			 (int)sizeof(SSH_HOME_LABEL), AUTH_KEYS);
}

static int edit(guestfs_h *g, const char *pubkey)
{
	char *text = NULL, *line;
	size_t len = 0;
	int exists, rc = -1;

	if (guestfs_mkdir_p(g, SSH_DIR) < 0 ||
	    guestfs_chmod(g, 0700, SSH_DIR) < 0 ||
	    guestfs_chown(g, 0, 0, SSH_DIR) < 0)
		return gfs_fail(g, "making " SSH_DIR);
	exists = guestfs_is_file(g, AUTH_KEYS);
	if (exists < 0)
		return gfs_fail(g, AUTH_KEYS);
	if (exists && !(text = guestfs_read_file(g, AUTH_KEYS, &len)))
		return gfs_fail(g, "reading " AUTH_KEYS);
	if (has_key(text, pubkey)) {
		rc = 0;
		goto out;
	}
	/* a last line without its newline would run into ours */
	line = xasprintf("%s%s%s", len && text[len - 1] != '\n' ? "\n" : "",
			 pubkey, pubkey[strlen(pubkey) - 1] == '\n' ? "" : "\n");
	if (guestfs_write_append(g, AUTH_KEYS, line, strlen(line)) < 0) {
		free(line);
		gfs_fail(g, "writing " AUTH_KEYS);
		goto out;
	}
	free(line);
	if (guestfs_chmod(g, 0600, AUTH_KEYS) < 0 ||
	    guestfs_chown(g, 0, 0, AUTH_KEYS) < 0) {
		gfs_fail(g, AUTH_KEYS);
		goto out;
	}
	relabel(g);
	rc = 1;
out:
	free(text);
	return rc;
}

int guestkey_install(const char *disk, const char *format, const char *pubkey,
		     bool tcg)
{
	guestfs_h *g = launch(disk, format, tcg);
	int rc;

	/* a host with /dev/kvm where KVM does not actually run guests
	 * (nested, restricted) fails at once: try again without it */
	if (!g && !tcg && !getenv("LIBGUESTFS_BACKEND_SETTINGS")) {
		err_clear();
		g = launch(disk, format, true);
	}
	if (!g)
		return -1;
	rc = mount_os(g, disk);
	if (rc == 0)
		rc = edit(g, pubkey);
	if (guestfs_umount_all(g) < 0 && rc >= 0)
		rc = gfs_fail(g, "unmounting the guest");
	/* only a clean shutdown says the writes reached the disk */
	if (guestfs_shutdown(g) < 0 && rc >= 0)
		rc = gfs_fail(g, "closing the guest's disk");
	guestfs_close(g);
	return rc;
}
