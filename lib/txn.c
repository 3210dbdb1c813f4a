/* lib/txn.c: rollback stack and interrupt handling for multi-step operations. */
#include "txn.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "conf.h"
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

/* ---- files and directories ---- */

int txn_undo_unlink(void *arg)
{
	return unlink(arg) < 0 && errno != ENOENT ?
		       err_sys(FVM_EXIT_FAIL, "cannot remove %s", (char *)arg) :
		       0;
}

static int undo_rmdir(void *arg)
{
	rmdir(arg);
	return 0;
}

struct file_undo {
	char *path, *old; /* old NULL: there was none */
	unsigned mode;
};

static int undo_file(void *arg)
{
	struct file_undo *u = arg;

	if (!u->old)
		return txn_undo_unlink(u->path);
	return conf_write_file(u->path, u->old, u->mode);
}

static void free_file_undo(void *arg)
{
	struct file_undo *u = arg;

	free(u->path);
	free(u->old);
	free(u);
}

int txn_put_file(struct txn *t, const char *path, const char *text,
		 unsigned mode)
{
	char *old = NULL;
	size_t len;
	struct stat st;
	struct file_undo *u;

	if (read_file_max(path, 1 << 20, &old, &len) < 0) {
		err_clear();
		old = NULL;
	}
	if (old && !strcmp(old, text) && stat(path, &st) == 0 &&
	    (st.st_mode & 07777) == mode) {
		free(old);
		return 0;
	}
	if (conf_write_file(path, text, mode) < 0) {
		free(old);
		return -1;
	}
	u = xcalloc(1, sizeof(*u));
	u->path = xstrdup(path);
	u->old = old;
	u->mode = mode;
	txn_push(t, path, undo_file, u, free_file_undo);
	return 1;
}

int txn_mkdirs(struct txn *t, const char *path, unsigned mode)
{
	char *p = xstrdup(path);
	int rc = 0;

	for (char *s = p + 1;; s++) {
		if (*s != '/' && *s)
			continue;
		{
			char c = *s;

			*s = '\0';
			if (mkdir(p, (mode_t)mode) == 0)
				txn_push(t, p, undo_rmdir, xstrdup(p), free);
			else if (errno != EEXIST)
				rc = err_sys(FVM_EXIT_FAIL, "cannot make %s",
					     p);
			*s = c;
		}
		if (!*s || rc)
			break;
	}
	free(p);
	return rc;
}
