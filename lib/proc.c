/* lib/proc.c: run an external program by execve with its output captured. */
#include "proc.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <spawn.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "err.h"
#include "util.h"

extern char **environ;

/* Full path of name along search, or NULL. */
static char *proc_find(const char *name, const char *search)
{
	const char *p = search, *colon;

	if (strchr(name, '/'))
		return access(name, X_OK) == 0 ? xstrdup(name) : NULL;
	while (*p) {
		char *dir, *full;

		colon = strchr(p, ':');
		dir = colon ? xstrndup(p, (size_t)(colon - p)) : xstrdup(p);
		full = xasprintf("%s/%s", *dir ? dir : ".", name);
		free(dir);
		if (access(full, X_OK) == 0)
			return full;
		free(full);
		if (!colon)
			break;
		p = colon + 1;
	}
	return NULL;
}

/* Does "KEY=..." entry e set the same key as one of the additions? */
static int env_overridden(const char *e, char *const *add)
{
	size_t n = strcspn(e, "=");

	for (; add && *add; add++)
		if (!strncmp(*add, e, n) && (*add)[n] == '=')
			return 1;
	return 0;
}

/* The child's environment: ours minus what the additions replace. */
static char **proc_env(char *const *extra)
{
	static char *const lc_all[] = { "LC_ALL=C", NULL };
	size_t n = 0, m = 0, i = 0;
	char **env, **e;

	for (e = environ; e && *e; e++)
		n++;
	for (; extra && extra[m]; m++)
		;
	env = xcalloc(n + m + 2, sizeof(*env));
	for (e = environ; e && *e; e++)
		if (!env_overridden(*e, lc_all) && !env_overridden(*e, extra))
			env[i++] = *e;
	if (!env_overridden(lc_all[0], extra))
		env[i++] = lc_all[0];
	for (m = 0; extra && extra[m]; m++)
		env[i++] = extra[m];
	env[i] = NULL;
	return env;
}

/* Read what is there on fd into b; false at end of file or on an error
 * that will not go away. */
static bool proc_drain(int fd, struct sbuf *b)
{
	char buf[8192];
	ssize_t n = read(fd, buf, sizeof(buf));

	if (n > 0)
		sbuf_add(b, buf, (size_t)n);
	return n > 0 || (n < 0 && (errno == EINTR || errno == EAGAIN));
}

/*
 * Feed stdin and collect stdout/stderr together so that neither side can
 * block the other on a full pipe.
 */
static void proc_pump(int in_fd, const char *in, size_t in_len, int out_fd,
		      int err_fd, struct sbuf *out, struct sbuf *err)
{
	size_t done = 0;
	bool epipe = false;
	sigset_t pipe_set, old_set;

	/* A child that exits early must not kill us with SIGPIPE; the
	 * mask is per thread, so other threads are not affected. */
	sigemptyset(&pipe_set);
	sigaddset(&pipe_set, SIGPIPE);
	pthread_sigmask(SIG_BLOCK, &pipe_set, &old_set);
	while (in_fd >= 0 || out_fd >= 0 || err_fd >= 0) {
		struct pollfd p[3] = {
			{ .fd = in_fd, .events = POLLOUT },
			{ .fd = out_fd, .events = POLLIN },
			{ .fd = err_fd, .events = POLLIN },
		};

		if (poll(p, 3, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (in_fd >= 0 && p[0].revents) {
			ssize_t n = write(in_fd, in + done, in_len - done);

			if (n > 0)
				done += (size_t)n;
			if ((n < 0 && errno != EINTR && errno != EAGAIN) ||
			    done == in_len) {
				if (n < 0 && errno == EPIPE)
					epipe = true;
				close(in_fd);
				in_fd = -1;
			}
		}
		if (out_fd >= 0 && p[1].revents && !proc_drain(out_fd, out)) {
			close(out_fd);
			out_fd = -1;
		}
		if (err_fd >= 0 && p[2].revents && !proc_drain(err_fd, err)) {
			close(err_fd);
			err_fd = -1;
		}
	}
	if (epipe) {
		struct timespec zero = { 0, 0 };

		sigtimedwait(&pipe_set, NULL, &zero);
	}
	pthread_sigmask(SIG_SETMASK, &old_set, NULL);
}

int proc_run_opts(char *const argv[], const struct proc_opts *o, char **out,
		  char **err)
{
	static const struct proc_opts none;
	struct sbuf ob = SBUF_INIT, eb = SBUF_INIT;
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t attr;
	sigset_t empty, deflt;
	int in_p[2] = { -1, -1 }, out_p[2] = { -1, -1 }, err_p[2] = { -1, -1 };
	char *path, **env;
	pid_t pid;
	int rc, status, ret = -1;

	if (!o)
		o = &none;
	if (out)
		*out = NULL;
	if (err)
		*err = NULL;
	path = proc_find(argv[0], o->path ? o->path : PROC_DEFAULT_PATH);
	if (!path) {
		err_set(FVM_EXIT_NOTFOUND, "%s: command not found", argv[0]);
		goto out_close;
	}
	/* our end of stdin never blocks: a child that writes a lot before
	 * reading must find us draining its output */
	if ((o->in && (pipe2(in_p, O_CLOEXEC) < 0 ||
		       fcntl(in_p[1], F_SETFL, O_NONBLOCK) < 0)) ||
	    pipe2(out_p, O_CLOEXEC) < 0 || pipe2(err_p, O_CLOEXEC) < 0) {
		err_sys(FVM_EXIT_FAIL, "%s: pipe", argv[0]);
		goto out_close;
	}
	posix_spawn_file_actions_init(&fa);
	if (o->in)
		posix_spawn_file_actions_adddup2(&fa, in_p[0], 0);
	else
		posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY,
						 0);
	posix_spawn_file_actions_adddup2(&fa, out_p[1], 1);
	posix_spawn_file_actions_adddup2(&fa, err_p[1], 2);
	/* dup2 onto itself clears close-on-exec (glibc 2.29, POSIX 2024) */
	if (o->fd3 > 2)
		posix_spawn_file_actions_adddup2(&fa, o->fd3, 3);
	posix_spawn_file_actions_addclosefrom_np(&fa, o->fd3 > 2 ? 4 : 3);
	/* The child starts with no blocked and no ignored signals, whatever
	 * the calling thread has set up. */
	posix_spawnattr_init(&attr);
	sigemptyset(&empty);
	sigfillset(&deflt);
	posix_spawnattr_setsigmask(&attr, &empty);
	posix_spawnattr_setsigdefault(&attr, &deflt);
	posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK |
						POSIX_SPAWN_SETSIGDEF);
	env = proc_env(o->env);
	rc = posix_spawn(&pid, path, &fa, &attr, argv, env);
	free(env);
	posix_spawnattr_destroy(&attr);
	posix_spawn_file_actions_destroy(&fa);
	if (rc) {
		errno = rc;
		err_sys(FVM_EXIT_FAIL, "cannot run %s", path);
		goto out_close;
	}
	close(out_p[1]);
	close(err_p[1]);
	out_p[1] = err_p[1] = -1;
	if (o->in) {
		close(in_p[0]);
		in_p[0] = -1;
		if (o->in_len == 0) {
			close(in_p[1]);
			in_p[1] = -1;
		}
	}
	proc_pump(in_p[1], o->in, o->in_len, out_p[0], err_p[0], &ob, &eb);
	in_p[1] = out_p[0] = err_p[0] = -1; /* closed by proc_pump */
	while (waitpid(pid, &status, 0) < 0) {
		if (errno != EINTR) {
			err_sys(FVM_EXIT_FAIL, "%s: waitpid", argv[0]);
			goto out_close;
		}
	}
	if (WIFEXITED(status))
		ret = WEXITSTATUS(status);
	else if (WIFSIGNALED(status))
		ret = 128 + WTERMSIG(status);
	else
		ret = 128;
out_close:
	for (int i = 0; i < 2; i++) {
		if (in_p[i] >= 0)
			close(in_p[i]);
		if (out_p[i] >= 0)
			close(out_p[i]);
		if (err_p[i] >= 0)
			close(err_p[i]);
	}
	free(path);
	if (out)
		*out = sbuf_detach(&ob);
	else
		sbuf_release(&ob);
	if (err)
		*err = sbuf_detach(&eb);
	else
		sbuf_release(&eb);
	return ret;
}

int proc_run(char *const argv[], char **out, char **err)
{
	return proc_run_opts(argv, NULL, out, err);
}

char *proc_last_line(const char *text)
{
	const char *end, *start;

	if (!text)
		return xstrdup("");
	end = text + strlen(text);
	for (;;) {
		while (end > text && (end[-1] == '\n' || end[-1] == ' ' ||
				      end[-1] == '\t' || end[-1] == '\r'))
			end--;
		if (end == text)
			return xstrdup("");
		start = end;
		while (start > text && start[-1] != '\n')
			start--;
		while (start < end && (*start == ' ' || *start == '\t'))
			start++;
		if (start < end)
			return xstrndup(start, (size_t)(end - start));
		end = start;
	}
}
