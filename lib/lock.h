/* lib/lock.h: flock-based locks with deadlines. */
#ifndef FVM_LOCK_H
#define FVM_LOCK_H

#include <stdbool.h>

struct lock {
	int fd;
	char *what; /* for messages: "VM 42", "image c7" */
};
#define LOCK_INIT                                                              \
	{                                                                      \
		-1, NULL                                                       \
	}

/*
 * Take the lock named name ("vm-42", "image-c7", "net-fastvm-nat") in
 * the lock directory (FVM_LOCK_DIR, default /run/lock/fvm), shared or
 * exclusive, waiting at most timeout_ms. A lock not had in time is
 * FVM_EXIT_CONFLICT ("VM 42 is busy: another fvm holds its lock"); fvm
 * never goes on unlocked. The lock goes with the process, so a killed
 * fvm leaves none held.
 */
int lock_take(struct lock *l, const char *name, const char *what,
	      bool exclusive, int timeout_ms);
void lock_drop(struct lock *l);
/* The lock directory in use (for doctor and tests). */
const char *lock_dir(void);

#define LOCK_WAIT_MS 60000

#endif
