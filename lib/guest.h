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
	GUEST_ROOT_PASSWORD,  /* a: the password (hashed per VM) */
	GUEST_SERIAL_CONSOLE, /* console=ttyS0 in the bootloader configs */
	GUEST_DHCP,	      /* DHCP on the first NIC, the family's way */
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
 * copy-in (HOSTFILE:GUESTPATH), firstboot-command, machine-id ("empty"),
 * root-password-file (FILE, "-" for stdin: its first line is read now),
 * serial-console and dhcp ("yes" or "no").
 * Relative host paths are taken from base_dir when it is not NULL. Bad
 * values are FVM_EXIT_USAGE, unreadable key or password files
 * FVM_EXIT_FAIL.
 */
int guest_edit_parse(struct guest_edits *e, const char *key, const char *value,
		     const char *base_dir);

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
	int changed;	 /* edits that changed the guest */
	char **warnings; /* what was skipped and why, NULL-terminated */
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
 * Trim the free space of every filesystem on the disk (fstrim with
 * discard passed through), so a thin LV or a disk file gives back what
 * the guest deleted; swap, encrypted and read-only filesystems are left
 * alone, and a disk without filesystems is no error. Same launch as
 * guest_customize, without the inspection.
 */
int guest_fstrim(const struct guest_target *t);

/*
 * The fixed appliance to use, from FASTVM_APPLIANCE's value: NULL when
 * LIBGUESTFS_PATH is set (libguestfs takes it from there); the value when
 * it is an absolute path (guest_appliance_check tells whether it holds an
 * appliance); else fast-vm's /var/lib/fast-vm/appliance when it holds
 * one; else NULL (libguestfs builds its own).
 */
const char *guest_appliance_dir(const char *conf_value);
/* dir holds a fixed appliance (kernel, initrd, root), else -1 with an
 * error naming FASTVM_APPLIANCE and how to make one (FVM_EXIT_USAGE). */
int guest_appliance_check(const char *dir);

/* ---- pure helpers, exposed for the unit tests ---- */

/* The crypt(3) prefix for root's password hash on a distribution as
 * libguestfs names it: "$y$" (yescrypt) on Debian >= 11, Ubuntu >= 22.04,
 * Fedora >= 35 and RHEL (and rebuilds) >= 9, else "$6$" (SHA-512). */
const char *guest_hash_prefix(const char *distro, int major, int minor);
/* crypt(3) hash of password with a fresh random salt of that scheme
 * (malloc'd), NULL with the error recorded. */
char *guest_hash_password(const char *password, const char *prefix);
/* /etc/shadow's text with user's hash and last change (days since the
 * epoch) set; a line is added when user has none. */
char *guest_shadow_set(const char *text, const char *user, const char *hash,
		       long days);

/* The kernel arguments with every console= taken out and
 * GUEST_SERIAL_ARGS added at the end (quotes kept together). */
#define GUEST_SERIAL_ARGS "console=tty0 console=ttyS0,115200n8"
char *guest_cmdline_serial(const char *args);

enum guest_bootcfg {
	BOOTCFG_SYSLINUX,	/* extlinux.conf, syslinux.cfg: APPEND lines */
	BOOTCFG_GRUB_DEFAULT,	/* /etc/default/grub: GRUB_CMDLINE_LINUX */
	BOOTCFG_GRUB_CFG,	/* grub.cfg: linux, linux16, linuxefi lines */
	BOOTCFG_BLS,		/* /boot/loader/entries: options lines */
	BOOTCFG_GRUBENV,	/* grubenv: kernelopts, size kept */
	BOOTCFG_KERNEL_CMDLINE, /* /etc/kernel/cmdline */
};
/* A bootloader config with the serial console on its kernel command
 * lines (malloc'd; *changed: lines changed or added), NULL with the error
 * recorded when it cannot be done (a grubenv block would overflow). */
char *guest_bootcfg_serial(enum guest_bootcfg kind, const char *text,
			   int *changed);

/* /etc/network/interfaces with the stanzas of nic commented out, so that
 * the file fvm adds in interfaces.d is the only one (malloc'd). */
char *guest_ifupdown_drop(const char *text, const char *nic);

#endif
