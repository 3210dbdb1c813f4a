/* applets/configure.h: what configure.c (options, the run) and configure-steps.c (the steps) share. */
#ifndef FVM_APPLETS_CONFIGURE_H
#define FVM_APPLETS_CONFIGURE_H

#include <stdbool.h>
#include <stdio.h>

#include "../cli/applet.h"
#include "../cli/ask.h"
#include "../lib/conf.h"
#include "../lib/out.h"
#include "../lib/txn.h"
#include "../lib/virt.h"

struct answers {
	char *storage, *vg, *pool, *pool_size, *loop_file, *loop_size;
	char *store_dir, *network, *subnet, *prefix, *group, *owner_only;
	char *appliance, *keydist, *uri;
};

struct cf {
	bool yes, fastvm, quiet;
	enum out_mode mode;
	bool build_appliance;
	const char *config_path;
	char *config_abs;    /* config_path made absolute (malloc'd) */
	const char *sudoers; /* NULL: none */
	const char *unit_dir;
	bool unit_dir_given;
	struct answers a;
	bool uri_given;
	/* what the host has */
	char *old_text; /* the configuration file, or NULL */
	bool vg_exists, pool_exists, pool_is_thin, net_exists, group_exists;
	/* what to do, once confirmed */
	bool do_loop, do_pool, do_net, do_group, do_appliance;
	int changes;
	FILE *prompt;
	struct asker k; /* yes and prompt, for cli/ask */
	/* the run: libvirt, the texts to install, the changes made */
	struct virt *v;
	char *cfg_text, *sudo_text;
	bool cfg_written;
	struct txn t;
	/* the checks: the report, how many failed, the configuration as
	 * written */
	struct out_table *report;
	int failed;
	struct fvm_conf checked;
};

/*
 * A step of configure: a part of the host. Its question asks for its
 * answers (in fast-vm's order, the table's); apply makes what is
 * missing, each change pushed on the run's rollback stack (x->t) with
 * its undo, and returns -1 to roll back; check reports the part as it
 * is after the run, at place report of the report (1 first). Any may be
 * NULL.
 */
struct step {
	const char *name;
	void (*ask)(struct cf *x);
	int (*apply)(struct cf *x);
	void (*check)(struct cf *x);
	int report;
};
extern const struct step configure_steps[];

/* configure-steps.c */
void cf_set(char **dst, const char *v);
/* a progress message: fvm's reporter, or fast-vm's "[inf] ..." lines */
__attribute__((format(printf, 3, 4))) void cf_say(struct cf *x, const char *tag,
						  const char *fmt, ...);
bool cf_is_dir(const char *p);
/* the file's text, NULL when it cannot be read */
char *cf_read_file(const char *path);
/* answers given as options are checked before anything is asked: a
 * bad one ends the run (exit 2) */
void cf_check_given(struct cf *x);
/* After the answers, before any change: what to do, confirmed. */
void cf_plan(struct cf *x);
/* the sudo rule (NULL: none to install) and the configuration file to
 * write, in x->sudo_text and x->cfg_text */
void cf_prepare_texts(struct cf *x);

#endif
