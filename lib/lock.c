/* lib/lock.c: flock-based locks with deadlines. */
#include "lock.h"

#include <errno.h>
#include <stdbool.h>
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

/*
 * The lock file NAME.lock in the lock directory, made if missing. Only a
 * plain file of its own is used: the directory is everybody's, so a
 * symlink, a FIFO or a hard link to another file planted there is refused
 * rather than opened (its mode would be changed, its reader blocked).
 */
static int open_lock_at(int dfd, const char *dir, const char *file)
{
	struct stat st;
	bool made = false;
	int fd, e;

	fd = openat(dfd, file,
		    O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0666);
	if (fd >= 0) {
		made = true;
	} else if (errno == EEXIST) {
		fd = openat(dfd, file,
			    O_RDWR | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
		if (fd < 0 && (errno == EACCES || errno == EROFS))
			fd = openat(dfd, file,
				    O_RDONLY | O_NOFOLLOW | O_NONBLOCK |
					    O_CLOEXEC);
	} else if (errno == EACCES || errno == EROFS) {
		return err_sys(FVM_EXIT_FAIL,
			       "cannot create lock %s/%s: lock directory %s "
			       "is not writable by you",
			       dir, file, dir);
	}
	if (fd < 0) {
		e = errno;
		if (e == ELOOP)
			return err_set(FVM_EXIT_FAIL,
				       "lock file %s/%s is a symlink: fvm does "
				       "not use it (remove it)",
				       dir, file);
		errno = e;
		return err_sys(FVM_EXIT_FAIL, "cannot open lock %s/%s", dir,
			       file);
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_nlink != 1) {
		close(fd);
		return err_set(FVM_EXIT_FAIL,
			       "lock file %s/%s is not a plain file (%s): fvm "
			       "does not use it (remove it)",
			       dir, file,
			       !S_ISREG(st.st_mode) ? "not a regular file" :
						      "it has other links");
	}
	/* every user locks the same file: as made, or if it is ours */
	if (made || st.st_uid == geteuid())
		fchmod(fd, 0666);
	return fd;
}

static int open_lock_file(const char *name)
{
	const char *dir = lock_dir();
	char *file;
	int dfd, fd;

	/* sticky and world-writable like /tmp: every user of fvm locks the
	 * same files, nobody can remove another's */
	if (mkdir(dir, 01777) == 0)
		chmod(dir, 01777);
	else if (errno != EEXIST)
		return err_sys(FVM_EXIT_FAIL, "cannot create lock directory %s",
			       dir);
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return err_sys(FVM_EXIT_FAIL, "cannot open lock directory %s",
			       dir);
	file = xasprintf("%s.lock", name);
	fd = open_lock_at(dfd, dir, file);
	free(file);
	close(dfd);
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
