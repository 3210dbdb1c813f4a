/* lib/txn.h: rollback stack for operations of several external steps. */
#ifndef FVM_TXN_H
#define FVM_TXN_H

#include <stdbool.h>
#include <stddef.h>

/*
 * Each step that changed something outside the process (a disk, a
 * domain, a DHCP entry, a file) pushes how to undo it. On failure or an
 * interrupt, txn_rollback() undoes them newest first; txn_commit()
 * forgets them once the whole operation is done.
 */
typedef int (*txn_undo_fn)(void *arg);

struct txn_step {
	char *what;
	txn_undo_fn undo;
	void *arg;
	void (*free_arg)(void *arg);
};

struct txn {
	struct txn_step *steps;
	size_t n;
};
#define TXN_INIT                                                               \
	{                                                                      \
		NULL, 0                                                        \
	}

void txn_push(struct txn *t, const char *what, txn_undo_fn undo, void *arg,
	      void (*free_arg)(void *arg));
/* Undo every step, newest first; returns how many undo steps failed
 * (their messages are reported as warnings by the caller's reporter). */
int txn_rollback(struct txn *t);
void txn_commit(struct txn *t);

/*
 * Files and directories whose undo is on the stack: txn_put_file()
 * replaces path with text (mode) unless it holds it already, 1 written,
 * 0 the same, -1 failed; rollback brings the old content back, or
 * removes a file that was not there. txn_mkdirs() makes path and its
 * missing parents; rollback removes those it made (when empty).
 * txn_undo_unlink() is an undo that removes the file arg names.
 */
int txn_put_file(struct txn *t, const char *path, const char *text,
		 unsigned mode);
int txn_mkdirs(struct txn *t, const char *path, unsigned mode);
int txn_undo_unlink(void *arg);

/*
 * Interrupts: txn_signals_block() blocks SIGINT, SIGTERM and SIGHUP in
 * every thread and starts a thread that records their arrival, so a
 * Ctrl-C never kills fvm between two steps; operations poll
 * txn_interrupted() between steps and roll back.
 */
void txn_signals_block(void);
bool txn_interrupted(void);
/* for tests: pretend a signal came */
void txn_interrupt(void);

#endif
