/* lib/par.h: run one job per VM in parallel threads, with a bound. */
#ifndef FVM_PAR_H
#define FVM_PAR_H

#include <stddef.h>

/*
 * Run fn(i, ctx) for i in [0, n) on at most max_threads threads. Each
 * job's messages carry its prefix (prefix_of(i), e.g. "[42] ") when
 * there is more than one job. Returns the worst exit code of the jobs
 * (0 when all succeeded); codes[i] gets each job's when not NULL.
 */
typedef int (*par_fn)(size_t i, void *ctx);
int par_run(size_t n, unsigned max_threads, par_fn fn, void *ctx,
	    const int *numbers, int *codes);

#endif
