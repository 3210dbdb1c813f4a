/* cli/vm.h: what the VM applets share: connections, lookups, activity. */
#ifndef FVM_APPLET_VM_H
#define FVM_APPLET_VM_H

#include <pthread.h>
#include <time.h>

#include "../lib/guestssh.h"
#include "../lib/lock.h"
#include "../lib/store.h"
#include "../lib/virt.h"
#include "../lib/vmnum.h"
#include "applet.h"

/* Opened once per run; exits with the error when it cannot. */
struct virt *vm_virt(bool events);
struct store *vm_store(void);

/* Parse VM number arguments against the configured range; exits 2. */
void vm_parse_numbers(int argc, char **argv, struct vmlist *l);

/*
 * As a user who is not root, fvm changes VMs only for members of
 * FASTVM_GROUP (libvirt's socket and fvm helper's sudoers rule are
 * theirs): 0, or -1 with a hint recorded. vm_lock, vm_lock_net and a
 * failed vm_virt check it.
 */
int vm_check_group(void);

/* The user fvm acts for (owner of what it creates). */
const char *vm_user(void);

/* Record that a user just acted on a VM (fast-vm's activity epoch). */
int vm_touch(struct vm_entry *e);

/* Lock VM n for a change. */
int vm_lock(struct lock *l, int n);
/* Lock a network's DHCP table: libvirt refuses concurrent duplicates and
 * a stale-entry cleanup must not race another VM's add. */
int vm_lock_net(struct lock *l, const char *network);

/* Run job for each number in parallel (bounded), printing a summary line
 * when there was more than one; returns the worst exit code. */
typedef int (*vm_job)(int n, void *ctx);
int vm_run_each(const struct vmlist *l, vm_job job, void *ctx, const char *verb,
		bool quiet);

/*
 * What a multi-VM applet prints with --json: one object per VM done,
 * rows added by the parallel jobs, printed in VM-number order (column 0
 * is the number) so that every run prints the same.
 */
struct vm_results {
	struct out_table *t;
	pthread_mutex_t mu;
};
void vm_results_init(struct vm_results *r, const struct out_col *cols,
		     unsigned ncols);
/* a new row for VM n, held locked until vm_results_unlock */
struct out_table *vm_results_row(struct vm_results *r, int n);
void vm_results_unlock(struct vm_results *r);
/* sort by VM number, print the JSON array, free the rows */
void vm_results_print(struct vm_results *r);

/* t as ISO 8601 UTC, "2026-11-25T21:08:02Z" */
void vm_iso_time(time_t t, char buf[32]);

/* Per-VM known_hosts file under FVM_STATE_DIR (malloc'd path). */
char *vm_known_hosts_path(int n);
/* Forget the host keys recorded for VM n (a new VM n has new keys). */
void vm_forget_host_keys(int n);

/*
 * Wait until VM n (e, running) answers on its ssh port with an ssh
 * banner, polling with a short backoff. On timeout (FVM_EXIT_FAIL) the
 * message names the phase not reached: VM not running, no DHCP lease,
 * no answer, port closed, no banner. With show_phases, each new phase
 * is reported on stderr while waiting (for people at a terminal).
 */
int vm_wait_ssh(struct vm_entry *e, int n, long timeout_s, bool show_phases);
/* The default of --timeout for applets that wait for ssh, in seconds. */
#define VM_SSH_TIMEOUT 300

/*
 * Look VM n up for an access applet: FVM_EXIT_NOTFOUND when there is
 * none, FVM_EXIT_FAIL when it is not running; records the activity and,
 * unless timeout_s < 0, waits for its ssh (vm_wait_ssh).
 */
int vm_ready_for_ssh(int n, long timeout_s, bool show_phases);

/*
 * Run argv (argv[0] looked up in the user's PATH, stdin /dev/null) for VM
 * n of a multi-VM call and print its output when it is done, every line
 * with "[N] " in front: stdout to stdout, stderr to stderr, one VM's
 * lines together. 0 when it exited 0, else FVM_EXIT_FAIL (reported).
 */
int vm_run_prefixed(int n, char *const argv[]);

/*
 * For scp and rsync: push args onto a with every "vm:PATH" turned into
 * USER@IP:PATH of VM n (escaped for a remote shell with shell_quote) and
 * local paths with a colon made unambiguous. Returns how many were vm:.
 */
int vm_copy_args(int n, const char *user, char *const *args, int nargs,
		 bool shell_quote, struct strv *a);
/* mkdir FVM_STATE_DIR/known_hosts (a warning when it cannot be made) */
void vm_known_hosts_dir(void);

/*
 * What scp and rsync share: their options' values, the paths after N,
 * and how the tool's command line for VM n is built.
 */
struct vm_copy {
	const char *tool; /* "scp" or "rsync", for messages */
	const char *user;
	long timeout;
	bool no_wait, sftp, batch;
	char **args;
	int nargs;
	char *key;
	void (*build)(struct vm_copy *x, int n, struct strv *a);
};
/*
 * The options ssh, scp and rsync share, bound to their user, timeout and
 * no_wait: -u USER, -t SECONDS, --no-wait; verb and at_once word the
 * help ("log in", "connect at once").
 */
int vm_opt_user(const struct opt *o, const char *arg);
#define VM_ACCESS_OPTS(user, timeout, no_wait, verb, at_once)                  \
	OPT_CALLBACK('u', "user", user, "USER",                                \
		     verb " as USER (default root)", vm_opt_user),             \
		OPT_LONG('t', "timeout", timeout, "SECONDS",                   \
			 "wait at most this long for ssh (default 300)", 0,    \
			 86400),                                               \
		OPT_BOOL(0, "no-wait", no_wait,                                \
			 at_once " at once: no VM lookup, no waiting")
/* Run a copy tool on the VMs of argv[0] with the paths after it: in
 * parallel with [N] prefixes for several VMs, else in place of fvm. */
int vm_copy_run(struct vm_copy *x, int argc, char **argv);

#endif
