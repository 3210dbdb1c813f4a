/* lib/conf.h: the fast-vm.conf configuration, its defaults and checks. */
#ifndef FVM_CONF_H
#define FVM_CONF_H

#include <stdbool.h>
#include <stddef.h>

enum fvm_storage { FVM_STORAGE_LVM, FVM_STORAGE_DIR };
enum fvm_domain_type { FVM_DOMTYPE_AUTO, FVM_DOMTYPE_KVM, FVM_DOMTYPE_QEMU };
/* Where the libvirt URI fvm connects to came from (conf_connect). */
enum conf_uri_from {
	CONF_URI_DEFAULT, /* qemu:///system */
	CONF_URI_CONFIG,  /* FVM_URI in the configuration file */
	CONF_URI_ENV,	  /* LIBVIRT_DEFAULT_URI */
	CONF_URI_OPTION,  /* -c URI, --connect=URI */
};

#define FVM_DEFAULT_CONFIG "/etc/fast-vm.conf"
#define FVM_DEFAULT_URI	   "qemu:///system"

struct conf_var {
	char *key, *value;
};

struct fvm_conf {
	/* fast-vm 1.7 keys */
	char *vm_prefix;	/* VM_PREFIX [fastvm-] */
	char *libvirt_network;	/* LIBVIRT_NETWORK [fastvm-nat] */
	int subnet;		/* SUBNET_NUMBER [22] */
	char *thinpool_vg;	/* THINPOOL_VG [unset] */
	char *thinpool_lv;	/* THINPOOL_LV [fastvm-pool] */
	char *thinpool_size;	/* THINPOOL_SIZE [50G] */
	char *group;		/* FASTVM_GROUP [libvirt] */
	bool owner_only_delete; /* FASTVM_OWNER_ONLY_DELETE [no] */
	char *appliance;	/* FASTVM_APPLIANCE [import] */
	char *keydist_password; /* FASTVM_KEYDIST_PASSWORD [unset] */
	char *curl_opts;	/* CURL_OPTS [unset] */
	int log_level;		/* LOG_LEVEL [7] */
	int display_level;	/* DISPLAY_LEVEL [7] */
	/* fvm's own keys */
	enum fvm_storage storage; /* FVM_STORAGE [lvm with a VG, else dir] */
	char *store_dir;	  /* FVM_STORE_DIR [/var/lib/fvm] */
	char *uri;		  /* FVM_URI [qemu:///system] */
	bool uri_set;		  /* FVM_URI is in the file */
	enum fvm_domain_type domain_type; /* FVM_DOMAIN_TYPE [auto] */
	int vm_min, vm_max;		  /* FVM_VM_RANGE [20-220] */
	char *state_dir;    /* FVM_STATE_DIR [~/.local/state/fvm] */
	bool hack_strict;   /* FVM_HACK_STRICT [no]: create --strict */
	int pool_watermark; /* FVM_POOL_WATERMARK [90] (percent) */
	/* from the environment */
	char *user_dir;	  /* FVM_USER_DIR [~/.fast-vm] */
	char *system_dir; /* FVM_SYSTEM_DIR [/etc/fast-vm] */
	/* the libvirt URI fvm connects to, and why (conf_connect) */
	char *connect_uri;
	enum conf_uri_from connect_from;
	/* where it came from */
	char *path;	 /* the file read (or that would be read) */
	bool file_found; /* false: defaults only */
	/* every KEY=value of the file in order, known or not (hack files get
	 * them in their environment as fast-vm sourced the whole file) */
	struct conf_var *vars;
	size_t nvars;
};

/* Fill c with fast-vm 1.7's defaults plus fvm's. */
void conf_defaults(struct fvm_conf *c);
/*
 * Load the configuration: FVM_CONFIG's path when set (it must exist),
 * else /etc/fast-vm.conf when it exists, else defaults. Errors name the
 * file and line and have exit code FVM_EXIT_USAGE. The connection is
 * conf_connect(c, NULL, true)'s.
 */
int conf_load(struct fvm_conf *c);
/*
 * Parse a buffer as if it were the file at path (for tests and fuzzing).
 * The connection is conf_connect(c, NULL, false)'s: FVM_URI or the
 * default.
 */
int conf_parse(struct fvm_conf *c, const char *path, const char *text,
	       size_t len);
void conf_release(struct fvm_conf *c);

/*
 * Choose the libvirt URI fvm connects to, the one order every applet
 * follows (as virsh does, with fast-vm.conf between the environment and
 * libvirt's default):
 *   1. option, the applet's -c URI or --connect=URI, when not NULL;
 *   2. LIBVIRT_DEFAULT_URI, when with_env and it is set and not empty;
 *   3. FVM_URI of the configuration file;
 *   4. qemu:///system.
 * Sets c->connect_uri and c->connect_from. fvm helper passes no option
 * and with_env false: it works on root's configuration alone. An empty
 * option is refused (-1, FVM_EXIT_USAGE).
 */
int conf_connect(struct fvm_conf *c, const char *option, bool with_env);
/* What chose the URI, for messages: "-c", "LIBVIRT_DEFAULT_URI", ... */
const char *conf_uri_from_name(enum conf_uri_from from);
/*
 * Whether a conf_connect of this process has chosen a URI other than
 * its configuration's FVM_URI (by -c or LIBVIRT_DEFAULT_URI): then the
 * message saying so (static), else NULL. fvm helper works on FVM_URI
 * only, so what needs it is refused (lib/privop).
 */
const char *conf_connect_elsewhere(void);

/*
 * Writing (fvm configure): old's text with each key of set given its
 * value. A key's last line is replaced in place and its earlier lines
 * dropped, keys not in the file are appended in set's order, a NULL value
 * removes the key; comments and other keys stay as they are. Values are
 * written bare as fast-vm wrote them (KEY=value), in single quotes when
 * the shell or conf_parse would read them otherwise. Returns malloc'd
 * text.
 */
char *conf_update_text(const char *old, const struct conf_var *set, size_t n);
/* KEY=value as conf_update_text writes it, without the newline. */
char *conf_assignment(const char *key, const char *value);
/* Replace path with text atomically (a temporary file in the same
 * directory, fsync, rename) with mode; 0 or -1 with the error recorded. */
int conf_write_file(const char *path, const char *text, unsigned mode);

/* ---- the keys: one table drives parsing, defaults, `fvm config`,
 * configure's defaults, completion and fvm.conf(5) ---- */

enum conf_type {
	CONF_T_STR,   /* char *: the value as written; unset without default */
	CONF_T_INT,   /* int from min to max */
	CONF_T_BOOL,  /* bool: yes/true/1 or no/false/0/empty */
	CONF_T_WORD,  /* an enum: the index of the value in words */
	CONF_T_RANGE, /* int FIRST, int LAST right after it: FIRST-LAST */
};

#define CONF_FASTVM 0x1u /* a fast-vm 1.7 key, else fvm's own */
#define CONF_SECRET 0x2u /* `fvm config` shows it masked */

/* The reason a value is refused ("must be ..."), or NULL when it is fine. */
typedef const char *(*conf_check_fn)(const char *value);

struct conf_key {
	const char *name;
	enum conf_type type;
	size_t off;	     /* its field in struct fvm_conf */
	const char *def;     /* the default as written; NULL: unset. A leading
			     * ~/ is the home directory */
	const char *words;   /* CONF_T_WORD: the values in the enum's order */
	int min, max;	     /* CONF_T_INT, CONF_T_RANGE */
	conf_check_fn check; /* CONF_T_STR: the value's check, or NULL */
	unsigned flags;	     /* CONF_FASTVM, CONF_SECRET */
	const char *doc;     /* one line for fvm.conf(5); it names computed
			     * defaults, the table's are added */
};

/* Every key, in documentation order, ended by a NULL name. */
extern const struct conf_key conf_table[];
/* The key of that name, or NULL. */
const struct conf_key *conf_key_find(const char *name);
/* Why value is no good for k ("must be ..."), or NULL; the reason is
 * static or valid until the next call. */
const char *conf_check(const struct conf_key *k, const char *value);
/* A thin pool's volume group or logical volume name, configure's and the
 * file's one rule: NULL when fine, else why not. */
const char *conf_check_lvm_name(const char *value);
/* The value of a known key as the user would write it (malloc'd), or
 * NULL for an unknown key. */
char *conf_get(const struct fvm_conf *c, const char *key);

/* The environment variables fvm reads, for fvm(1) (NULL name ends it). */
struct conf_env {
	const char *name;
	size_t off; /* the struct fvm_conf field it sets, or CONF_NO_FIELD */
	const char *def; /* its default (~/ is the home directory), or NULL */
	const char *doc; /* one line */
};
#define CONF_NO_FIELD ((size_t)-1)
extern const struct conf_env conf_env_table[];

#endif
