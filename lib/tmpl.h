/* lib/tmpl.h: libvirt XML templates: lookup, fast-vm macros, rewriting. */
#ifndef FVM_TMPL_H
#define FVM_TMPL_H

#include <stdbool.h>

#include "conf.h"
#include "store.h"

/* Where a VM's files come from: an image, or a profile over an image. */
struct tmpl_source {
	char *image;		 /* image name */
	char *profile;		 /* profile name or NULL */
	char *xml_path;		 /* template used */
	char *hacks_path;	 /* hacks file, NULL when none */
	char *delete_hacks_path; /* delete-hacks file, NULL when none */
	char *customize_path;	 /* customize.conf, NULL when none */
};

/*
 * Resolve NAME as fast-vm 1.7's `create` does. NAME is a profile when
 * <user>/NAME/base_image or else <system>/NAME/base_image is a regular
 * file; it holds the image name (whitespace trimmed, checked as a name).
 * Profiles live directly in the user dir (conf->user_dir, FVM_USER_DIR,
 * ~/.fast-vm) and the system dir (conf->system_dir, FVM_SYSTEM_DIR,
 * /etc/fast-vm): <dir>/<profile>/{base_image,config.xml,hacks.sh,
 * delete-hacks.sh}. Each file is the first regular file of
 *   <user>/NAME/F, <system>/NAME/F, <user>/F-IMAGE, <system>/F-IMAGE
 * (F = config.xml/config-IMAGE.xml, hacks.sh/hacks-IMAGE.sh,
 * delete-hacks.sh/delete-hacks-IMAGE.sh, fvm's customize.conf/
 * customize-IMAGE.conf), so a profile without its own
 * hacks uses its image's; delete-hacks probes <dir>/NAME/ only when NAME
 * is a profile, as fast-vm's delete does. A bad name is FVM_EXIT_USAGE; a
 * missing template is FVM_EXIT_NOTFOUND, its message naming every path
 * tried.
 */
int tmpl_resolve(const struct fvm_conf *c, const char *name,
		 struct tmpl_source *src);
/* The same with the template and the hacks file given (either may be
 * NULL: looked up), as fast-vm's `create IMAGE N XML HACKS` does. */
int tmpl_resolve_with(const struct fvm_conf *c, const char *name,
		      const char *xml, const char *hacks,
		      struct tmpl_source *src);
void tmpl_source_release(struct tmpl_source *src);

/*
 * A profile directory, <dir>/NAME holding a regular base_image, and the
 * files fast-vm reads from it. This is the one place they are read.
 */
struct tmpl_profile {
	char *name;
	char *dir;	  /* <dir>/NAME */
	bool system;	  /* found in the system dir, not the user's */
	char *base_image; /* trimmed and checked; NULL when invalid */
	bool has_xml, has_hacks, has_delete_hacks; /* config.xml, ... */
};
/* Whether dir/NAME is a profile: a directory (not a link to one) holding
 * a regular base_image. */
bool tmpl_profile_exists(const char *dir, const char *name);
/*
 * Read the profile NAME in the user dir, else in the system dir (the
 * user's wins, as in fast-vm). 1 found, 0 there is no such profile, -1
 * with the error recorded for a bad name; a base_image that names no
 * valid image leaves p->base_image NULL with the error recorded, and 1.
 */
int tmpl_profile_find(const struct fvm_conf *c, const char *name,
		      struct tmpl_profile *p);
/* The same in one directory only (system: what p->system says). */
int tmpl_profile_read(const char *dir, const char *name, bool system,
		      struct tmpl_profile *p);
void tmpl_profile_release(struct tmpl_profile *p);
/* The names of the profiles in dir, sorted, NULL-terminated (strv_free);
 * an unreadable dir holds none. Dot entries and names fast-vm would
 * refuse (fvm's temporary directories) are left out. */
char **tmpl_profile_list(const char *dir);

/*
 * The delete-hacks file for deleting a VM of image made with profile (the
 * VM's metadata; NULL for "---"), as fast-vm's delete finds it: even when
 * the profile has gone, its image's file is found. *path is malloc'd or
 * NULL when there is none; -1 only for a bad name.
 */
int tmpl_delete_hacks(const struct fvm_conf *c, const char *profile,
		      const char *image, char **path);

/* What a VM's domain XML is made from. */
struct tmpl_vars {
	const char *vm_name; /* VM_NAME */
	const char *image;   /* IMAGE_NAME */
	int number;	     /* VM_NUMBER, VM_HEX_NUMBER; -1 for base */
	/* the system disk is pointed at this (type, source and driver
	 * format); NULL keeps the template's */
	const struct store_disk *disk;
	const char *mac; /* MAC for the NIC on LIBVIRT_NETWORK when the
			  * template gives none */
	enum fvm_domain_type domain_type; /* override; AUTO keeps it unless
					   * kvm is unusable (then qemu) */
	bool kvm_usable;		  /* for AUTO */
};

/*
 * Expand a template into the domain XML (malloc'd). As fast-vm does with
 * sed, the six macros are replaced on the raw text, anywhere (also inside
 * longer words), in the order VM_NAME, THINPOOL_VG, LIBVIRT_NETWORK,
 * VM_NUMBER, VM_HEX_NUMBER, IMAGE_NAME; values are XML-escaped. For the
 * base VM (number < 0) VM_NUMBER is "base" and VM_HEX_NUMBER "01". The
 * text is then parsed (no network, no DTD, no entities, DOCTYPE refused,
 * at most 1 MiB, root must be <domain>) and rewritten: the system disk
 * (first <disk> with device='disk' or no device) points at vars->disk
 * (type, <source dev|file>, <driver type>, name='qemu' when it has none;
 * a file disk with io='native' gets cache='none'); the first <interface>
 * whose <source network> is LIBVIRT_NETWORK gets vars->mac when it has no
 * <mac>; the domain type is applied, and under type qemu a
 * host-passthrough <cpu> is dropped (TCG cannot run it; host-model it
 * can). The result is well-formed; libvirt validates it at define time.
 * *mac_out (when not NULL) gets that NIC's MAC (malloc'd), or NULL when
 * the template has no NIC on LIBVIRT_NETWORK (fast-vm then adds no DHCP
 * host entry). Errors are FVM_EXIT_FAIL.
 */
char *tmpl_expand_file(const struct fvm_conf *c, const char *path,
		       const struct tmpl_vars *vars, char **mac_out);
char *tmpl_expand(const struct fvm_conf *c, const char *xml, size_t len,
		  const struct tmpl_vars *vars, char **mac_out);

/* Replace fast-vm's macros in text (see tmpl_expand); malloc'd. */
char *tmpl_expand_macros(const struct fvm_conf *c, const char *text,
			 const struct tmpl_vars *vars);

/*
 * Check an image or profile name as fast-vm-image does (letters, digits,
 * dot, dash; not ending in -NUMBER) and, for path safety, no leading dash,
 * no "." or "..", at most TMPL_NAME_MAX characters. what names it in the
 * message ("image name"). -1 with FVM_EXIT_USAGE.
 */
#define TMPL_NAME_MAX 100
int tmpl_check_name(const char *name, const char *what);

#endif
