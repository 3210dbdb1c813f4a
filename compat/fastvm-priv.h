/* compat/fastvm-priv.h: what the fast-vm personality's files share (fastvm*.c); not for the rest of fvm. */
#ifndef FVM_COMPAT_FASTVM_PRIV_H
#define FVM_COMPAT_FASTVM_PRIV_H

#include <stdbool.h>

#include "../lib/proc.h"
#include "../lib/tmpl.h"
#include "../cli/vm.h"

/* the configuration, read once before any action (load_conf) */
extern struct fvm_conf fv_conf;
/* the personality being run: "fast-vm" or "fast-vm-image" */
extern const char *fv_me;

/* fast-vm's pmsg on stdout: about VM argument vmn as typed, or VM n
 * (-1: none) */
__attribute__((format(printf, 3, 4))) void
pmsgs(const char *tag, const char *vmn, const char *fmt, ...);
__attribute__((format(printf, 3, 4))) void pmsg(const char *tag, int n,
						const char *fmt, ...);
/* fast-vm's usage(): one action's line, or everything; always exit 1 */
int fv_usage(const char *action);

/* running fvm's applets in a child process, exit codes as fast-vm's */
int run_applet_ex(const char *name, struct strv *args, int notfound_rc,
		  bool raw, char **out);
int run_applet(const char *name, struct strv *args, int notfound_rc);
void args_init(struct strv *a, const char *name);
int run_args(const char *name, int notfound_rc, ...);

/* what fast-vm knew of a VM */
struct vmref {
	char *name;
	int state;
	bool has_meta;
	char *owner;
};

bool is_number(const char *s);
bool is_running(int state);
bool is_inactive(int state);
void vmref_release(struct vmref *r);
int vm_lookup(const char *arg, struct vmref *r);
int check_vm(const char *arg, const char *forbidden, struct vmref *r);
void ip_of(const char *arg, char ip[16]);

/* an action on one VM: vm is the number as given, argv the whole
 * command line from the action on, multi set inside a multi-VM call */
typedef int (*vm_action)(const char *vm, int argc, char **argv, bool multi);

/* fast-vm's handle_multiple_requests: fn once per word of argv[pos] */
int for_each_vm(int argc, char **argv, int pos, vm_action fn, bool serialize);
/* the VM argument of an action, or fast-vm's complaint and usage */
bool have_vm_arg(int argc, char **argv);

/* an action runs run(), or, for the per-VM ones, each() once per VM of
 * argv[1] (one after another with serialize) */
struct action {
	const char *name;
	int (*run)(int argc, char **argv);
	vm_action each;
	bool serialize;
};

/* the actions of fast-vm (fastvm-vm.c) and fast-vm-image
 * (fastvm-image.c) */
extern const struct action fastvm_actions[];
extern const struct action image_actions[];

/* fast-vm 1.6's image actions, moved to fast-vm-image in 1.7 */
struct fastvm_renamed {
	const char *old, *new;
};
extern const struct fastvm_renamed fastvm_renamed[];

#endif
