/* applets/vm.h: what the VM applets share: connections, lookups, activity. */
#ifndef FVM_APPLET_VM_H
#define FVM_APPLET_VM_H

#include <time.h>

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

/* The user fvm acts for (owner of what it creates). */
const char *vm_user(void);

/* Record that a user just acted on a VM (fast-vm's activity epoch). */
int vm_touch(struct vm_entry *e);

/* Lock VM n for a change. */
int vm_lock(struct lock *l, int n);

/* Run job for each number in parallel (bounded), printing a summary line
 * when there was more than one; returns the worst exit code. */
typedef int (*vm_job)(int n, void *ctx);
int vm_run_each(const struct vmlist *l, vm_job job, void *ctx,
		const char *verb, bool quiet);

/* t as ISO 8601 UTC, "2026-11-25T21:08:02Z" */
void vm_iso_time(time_t t, char buf[32]);

/* Per-VM known_hosts file under FVM_STATE_DIR (malloc'd path). */
char *vm_known_hosts_path(int n);

#endif
