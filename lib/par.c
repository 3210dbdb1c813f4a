/* lib/par.c: bounded parallel jobs with "[N] " message prefixes. */
#include "par.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>

#include "err.h"
#include "util.h"

struct par {
	size_t n;
	par_fn fn;
	void *ctx;
	const int *numbers;
	int *codes;
	atomic_size_t next;
};

static void *worker(void *arg)
{
	struct par *p = arg;
	size_t i;

	while ((i = atomic_fetch_add(&p->next, 1)) < p->n) {
		char prefix[24];

		if (p->n > 1 && p->numbers) {
			snprintf(prefix, sizeof(prefix), "[%d] ",
				 p->numbers[i]);
			err_set_line_prefix(prefix);
		}
		err_clear();
		p->codes[i] = p->fn(i, p->ctx);
		err_set_line_prefix(NULL);
	}
	return NULL;
}

int par_run(size_t n, unsigned max_threads, par_fn fn, void *ctx,
	    const int *numbers, int *codes)
{
	struct par p = { n, fn, ctx, numbers, NULL, 0 };
	pthread_t *th;
	unsigned nth;
	int worst = 0;

	p.codes = codes ? codes : xcalloc(n ? n : 1, sizeof(int));
	nth = max_threads ? max_threads : 1;
	if (nth > n)
		nth = (unsigned)n;
	if (nth <= 1) {
		worker(&p);
	} else {
		th = xcalloc(nth, sizeof(*th));
		for (unsigned t = 0; t < nth; t++)
			if (pthread_create(&th[t], NULL, worker, &p) != 0)
				th[t] = 0;
		for (unsigned t = 0; t < nth; t++)
			if (th[t])
				pthread_join(th[t], NULL);
		/* if no thread could start, run here */
		worker(&p);
		free(th);
	}
	for (size_t i = 0; i < n; i++)
		if (p.codes[i] > worst)
			worst = p.codes[i];
	if (!codes)
		free(p.codes);
	return worst;
}
