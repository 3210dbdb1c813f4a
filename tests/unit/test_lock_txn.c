/* tests/unit/test_lock_txn.c: lock deadlines, rollback order, parallel jobs. */
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../../lib/err.h"
#include "../../lib/lock.h"
#include "../../lib/par.h"
#include "../../lib/txn.h"
#include "unit.h"

static char order[64];

static int undo_letter(void *arg)
{
	strncat(order, arg, 1);
	return 0;
}

static int undo_fails(void *arg)
{
	(void)arg;
	strcat(order, "!");
	return err_set(FVM_EXIT_FAIL, "cannot");
}

static int job(size_t i, void *ctx)
{
	int *seen = ctx;

	__atomic_add_fetch(&seen[i], 1, __ATOMIC_SEQ_CST);
	return i == 3 ? FVM_EXIT_CONFLICT : 0;
}

int main(void)
{
	char dir[] = "/tmp/fvm-unit-lock.XXXXXX";
	struct lock a = LOCK_INIT, b = LOCK_INIT;
	struct txn t = TXN_INIT;
	int seen[10] = { 0 }, codes[10], numbers[10];
	pid_t pid;
	int st;

	if (!mkdtemp(dir))
		return 1;
	setenv("FVM_LOCK_DIR", dir, 1);

	CHECK_INT("exclusive lock", 0,
		  lock_take(&a, "vm-42", "VM 42", true, 1000));
	/* flock is per open file: a second open in a child conflicts */
	pid = fork();
	if (pid == 0) {
		struct lock c = LOCK_INIT;
		int rc = lock_take(&c, "vm-42", "VM 42", true, 200);

		_exit(rc == 0 ? 0 : err_code());
	}
	waitpid(pid, &st, 0);
	CHECK_INT("held lock times out as a conflict", FVM_EXIT_CONFLICT,
		  WEXITSTATUS(st));
	CHECK_INT("another name is free", 0,
		  lock_take(&b, "vm-43", "VM 43", true, 100));
	lock_drop(&b);
	pid = fork();
	if (pid == 0) {
		struct lock c = LOCK_INIT;

		/* the inherited descriptor shares the parent's lock */
		close(a.fd);
		/* the parent drops its lock after 300 ms: this one waits */
		_exit(lock_take(&c, "vm-42", "VM 42", true, 5000) == 0 ? 0 : 1);
	}
	usleep(300000);
	lock_drop(&a);
	waitpid(pid, &st, 0);
	CHECK_INT("waiter gets the lock once it is dropped", 0,
		  WEXITSTATUS(st));
	CHECK_INT("shared lock", 0,
		  lock_take(&a, "image-c7", "image c7", false, 100));
	pid = fork();
	if (pid == 0) {
		struct lock c = LOCK_INIT;

		_exit(lock_take(&c, "image-c7", "image c7", false, 100) == 0 ?
			      0 :
			      1);
	}
	waitpid(pid, &st, 0);
	CHECK_INT("two shared holders", 0, WEXITSTATUS(st));
	pid = fork();
	if (pid == 0) {
		struct lock c = LOCK_INIT;

		_exit(lock_take(&c, "image-c7", "image c7", true, 100) == 0 ?
			      0 :
			      1);
	}
	waitpid(pid, &st, 0);
	CHECK_INT("exclusive waits for shared", 1, WEXITSTATUS(st));
	lock_drop(&a);
	CHECK_INT("lock names cannot leave the directory", -1,
		  lock_take(&a, "../x", "x", true, 10));

	txn_push(&t, "a", undo_letter, "a", NULL);
	txn_push(&t, "b", undo_letter, "b", NULL);
	txn_push(&t, "fails", undo_fails, NULL, NULL);
	txn_push(&t, "c", undo_letter, "c", NULL);
	CHECK_INT("rollback counts failed undos", 1, txn_rollback(&t));
	CHECK_STR("rollback is newest first and goes on past a failure", "c!ba",
		  order);
	order[0] = '\0';
	txn_push(&t, "a", undo_letter, "a", NULL);
	txn_commit(&t);
	CHECK_INT("rollback after commit does nothing", 0, txn_rollback(&t));
	CHECK_STR("commit forgets the steps", "", order);

	for (int i = 0; i < 10; i++)
		numbers[i] = 20 + i;
	CHECK_INT("worst exit code", FVM_EXIT_CONFLICT,
		  par_run(10, 4, job, seen, numbers, codes));
	{
		int once = 1;

		for (int i = 0; i < 10; i++)
			if (seen[i] != 1)
				once = 0;
		CHECK("every job ran exactly once", once);
	}
	CHECK_INT("per-job codes", FVM_EXIT_CONFLICT, codes[3]);
	CHECK_INT("per-job codes ok", 0, codes[4]);

	CHECK("not interrupted", !txn_interrupted());
	txn_interrupt();
	CHECK("interrupted", txn_interrupted());
	{
		char cmd[256];

		snprintf(cmd, sizeof(cmd), "%s", dir);
		/* leave the lock files: they are harmless, remove the dir */
		unlink((snprintf(cmd, sizeof(cmd), "%s/vm-42.lock", dir), cmd));
		unlink((snprintf(cmd, sizeof(cmd), "%s/vm-43.lock", dir), cmd));
		unlink((snprintf(cmd, sizeof(cmd), "%s/image-c7.lock", dir),
			cmd));
		rmdir(dir);
	}
	UNIT_DONE();
}
