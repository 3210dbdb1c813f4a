/* lib/lock.c: flock-based locks with deadlines. */
#include "lock.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "err.h"
#include "util.h"

const char *lock_dir(void)
{
	const char *d = getenv("FVM_LOCK_DIR");

	return d && *d ? d : "/run/lock/fvm";
}

static int open_lock_file(const char *name)
{
	const char *dir = lock_dir();
	char *path;
	int fd;

	/* sticky and world-writable like /tmp: every user of fvm locks the
	 * same files, nobody can remove another's */
	if (mkdir(dir, 01777) == 0)
		chmod(dir, 01777);
	else if (errno != EEXIST)
		return err_sys(FVM_EXIT_FAIL, "cannot create lock directory %s",
			       dir);
	path = xasprintf("%s/%s.lock", dir, name);
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0666);
	if (fd < 0 && (errno == EACCES || errno == EROFS))
		fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		err_sys(FVM_EXIT_FAIL, "cannot open lock %s", path);
	else
		fchmod(fd, 0666);
	free(path);
	return fd;
}

int lock_take(struct lock *l, const char *name, const char *what,
	      bool exclusive, int timeout_ms)
{
	long long deadline = now_ms() + timeout_ms;
	int op = (exclusive ? LOCK_EX : LOCK_SH) | LOCK_NB;
	int fd, pause_ms = 2;

	if (strchr(name, '/') || name[0] == '.')
		return err_set(FVM_EXIT_USAGE, "bad lock name '%s'", name);
	fd = open_lock_file(name);
	if (fd < 0)
		return -1;
	while (flock(fd, op) < 0) {
		if (errno == EINTR)
			continue;
		if (errno != EWOULDBLOCK) {
			err_sys(FVM_EXIT_FAIL, "cannot lock %s", what);
			close(fd);
			return -1;
		}
		if (now_ms() >= deadline) {
			close(fd);
			return err_set(FVM_EXIT_CONFLICT,
				       "%s is busy: another fvm held its lock "
				       "for %d s",
				       what, timeout_ms / 1000);
		}
		/* short waits first: most holders finish in milliseconds */
		usleep((useconds_t)pause_ms * 1000);
		if (pause_ms < 100)
			pause_ms *= 2;
	}
	l->fd = fd;
	l->what = xstrdup(what);
	return 0;
}

void lock_drop(struct lock *l)
{
	if (l->fd >= 0)
		close(l->fd);
	l->fd = -1;
	free(l->what);
	l->what = NULL;
}
