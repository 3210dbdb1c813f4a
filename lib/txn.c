/* lib/txn.c: rollback stack and interrupt handling for multi-step operations. */
#include "txn.h"

#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "util.h"

void txn_push(struct txn *t, const char *what, txn_undo_fn undo, void *arg,
	      void (*free_arg)(void *arg))
{
	t->steps = xrealloc(t->steps, sizeof(*t->steps) * (t->n + 1));
	t->steps[t->n].what = xstrdup(what);
	t->steps[t->n].undo = undo;
	t->steps[t->n].arg = arg;
	t->steps[t->n].free_arg = free_arg;
	t->n++;
}

static void step_release(struct txn_step *s)
{
	if (s->free_arg)
		s->free_arg(s->arg);
	free(s->what);
}

int txn_rollback(struct txn *t)
{
	int failed = 0;

	while (t->n > 0) {
		struct txn_step *s = &t->steps[--t->n];

		if (s->undo(s->arg) < 0) {
			warning("could not undo %s: %s", s->what, err_msg());
			failed++;
		}
		step_release(s);
	}
	free(t->steps);
	t->steps = NULL;
	return failed;
}

void txn_commit(struct txn *t)
{
	for (size_t i = 0; i < t->n; i++)
		step_release(&t->steps[i]);
	free(t->steps);
	t->steps = NULL;
	t->n = 0;
}

static atomic_int interrupted;
static sigset_t txn_sigs;

static void *signal_thread(void *arg)
{
	int sig;

	(void)arg;
	for (;;) {
		if (sigwait(&txn_sigs, &sig) == 0)
			atomic_store(&interrupted, sig);
	}
	return NULL;
}

void txn_signals_block(void)
{
	static int started;
	pthread_t th;

	if (started)
		return;
	started = 1;
	sigemptyset(&txn_sigs);
	sigaddset(&txn_sigs, SIGINT);
	sigaddset(&txn_sigs, SIGTERM);
	sigaddset(&txn_sigs, SIGHUP);
	/* threads made later (libvirt's, ours) inherit the mask */
	pthread_sigmask(SIG_BLOCK, &txn_sigs, NULL);
	if (pthread_create(&th, NULL, signal_thread, NULL) == 0)
		pthread_detach(th);
}

bool txn_interrupted(void)
{
	return atomic_load(&interrupted) != 0;
}

void txn_interrupt(void)
{
	atomic_store(&interrupted, SIGINT);
}
