/* lib/proc.h: run an external program by execve with its output captured. */
#ifndef FVM_PROC_H
#define FVM_PROC_H

#include <stddef.h>

/* Where a command name without a slash is looked up: the system
 * directories only, so the caller's PATH cannot swap lvcreate. */
#define PROC_DEFAULT_PATH "/usr/sbin:/usr/bin:/sbin:/bin"

struct proc_opts {
	const char *in; /* stdin data (NULL: /dev/null) */
	size_t in_len;
	char *const *env; /* NULL-terminated "KEY=VALUE" additions */
	const char *path; /* search path (NULL: PROC_DEFAULT_PATH) */
	int fd3; /* > 2: given to the child as its descriptor 3, so it can
		  * open /dev/fd/3: the file the caller checked (0: none) */
};

/*
 * Run argv[0] with argv (never through a shell) and wait for it. The child
 * gets the caller's environment plus LC_ALL=C (its messages are parsed or
 * quoted) plus o->env, stdin from o->in or /dev/null, and no descriptor
 * beyond 0-2 (and 3: o->fd3). out and err (either may be NULL:
 * discarded) receive its stdout and stderr, malloc'd and NUL-terminated,
 * also on failure.
 * Returns the exit status, 128+N when killed by signal N, or -1 with the
 * error recorded when it could not run (not found: FVM_EXIT_NOTFOUND).
 */
int proc_run_opts(char *const argv[], const struct proc_opts *o, char **out,
		  char **err);
int proc_run(char *const argv[], char **out, char **err);

/* The last non-empty line of a program's output, trimmed (malloc'd; ""
 * when there is none): what goes into an error message. */
char *proc_last_line(const char *text);

#endif
