/* lib/guest.h: native guest customisation with libguestfs, all edits in one launch. */
#ifndef FVM_GUEST_H
#define FVM_GUEST_H

#include <stdbool.h>
#include <stddef.h>

enum guest_edit_kind {
	GUEST_HOSTNAME,	  /* a: name, "" for the VM name with . _ as - */
	GUEST_SSH_KEY,	  /* a: authorized_keys lines, b: user (NULL: root) */
	GUEST_TIMEZONE,	  /* a: zone ("Europe/Prague") */
	GUEST_MACHINE_ID, /* empty /etc/machine-id */
	GUEST_WRITE,	  /* a: guest path, b: content */
	GUEST_COPY_IN,	  /* a: host file, b: guest path or directory */
	GUEST_FIRSTBOOT,  /* a: shell command run once at first boot */
};

struct guest_edit {
	enum guest_edit_kind kind;
	char *a, *b;
};

struct guest_edits {
	struct guest_edit *v;
	size_t n;
};

void guest_edits_add(struct guest_edits *e, enum guest_edit_kind kind,
		     const char *a, const char *b);
void guest_edits_release(struct guest_edits *e);

/*
 * One edit from its customisation key and value, as the create options
 * and customize.conf name them: hostname, ssh-key ([USER:]FILE, the public
 * key file is read now), timezone ("" for the host's), write (PATH:CONTENT),
 * copy-in (HOSTFILE:GUESTPATH), firstboot-command, machine-id ("empty").
 * Relative host paths are taken from base_dir when it is not NULL. Bad
 * values are FVM_EXIT_USAGE, unreadable key files FVM_EXIT_FAIL.
 */
int guest_edit_parse(struct guest_edits *e, const char *key,
		     const char *value, const char *base_dir);

/*
 * A customize.conf file: `key = value` lines with the keys above, blank
 * lines and lines starting with # ignored; in values \n is a newline and
 * \\ a backslash. Errors name the file and line (FVM_EXIT_USAGE).
 */
int guest_edits_parse_file(struct guest_edits *e, const char *path);

/* The host's time zone (/etc/timezone, else where /etc/localtime points),
 * malloc'd; NULL with the error recorded when neither says. */
char *guest_host_timezone(void);

/* How to reach the disk and start the appliance. */
struct guest_target {
	const char *disk;      /* path of the disk */
	const char *format;    /* "raw" or "qcow2" */
	const char *vm_name;   /* for the default hostname */
	const char *appliance; /* fixed appliance directory or NULL */
	bool tcg;	       /* KVM is not usable: force_tcg */
};

struct guest_result {
	int changed;	  /* edits that changed the guest */
	char **warnings;  /* what was skipped and why, NULL-terminated */
	size_t nwarnings;
};
void guest_result_release(struct guest_result *r);

/*
 * Apply the edits, in their order, to the operating system on the disk
 * (which no running VM may use) in one appliance launch: inspect, mount
 * its filesystems, edit, relabel what was touched on an SELinux guest,
 * and shut the appliance down, checking that the writes reached the disk.
 * The backend is direct; with tcg the appliance runs without KVM unless
 * LIBGUESTFS_BACKEND_SETTINGS says otherwise, and a KVM launch that fails
 * at once is retried without it. On a guest whose distribution is not
 * known, only edits of plain files are made and the rest is listed in
 * r->warnings. -1 with the error recorded on any failure.
 */
int guest_customize(const struct guest_target *t, const struct guest_edits *e,
		    struct guest_result *r);

/*
 * Trim the free space of every filesystem of the OS on the disk (fstrim
 * with discard passed through), so a thin LV or a disk file gives back
 * what the guest deleted. Same launch as guest_customize.
 */
int guest_fstrim(const struct guest_target *t);

/* A fixed appliance directory from FASTVM_APPLIANCE's value: the value
 * when it is an absolute path to a directory, else NULL. */
const char *guest_appliance_dir(const char *conf_value);

#endif
