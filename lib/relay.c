/* lib/relay.c: a domain's serial console on this terminal, through a libvirt stream. */
#include "relay.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include <libvirt/virterror.h>

#include "err.h"
#include "util.h"

enum console_end { END_NONE, END_USER, END_CLOSED, END_ERROR };

struct console {
	virStreamPtr st;
	int stdin_watch;
	int done_pipe[2];
	enum console_end end;
	char err[512];
	/* keyboard input the stream did not take yet */
	char pending[4096];
	size_t npending;
	pthread_mutex_t mu;
};

/* the signal handler's only way out: a byte into this pipe */
static int signal_pipe[2] = { -1, -1 };

static void on_signal(int sig)
{
	unsigned char b = (unsigned char)sig;
	int saved = errno;

	if (write(signal_pipe[1], &b, 1) < 0) {
		/* nothing to do: the pipe is full of signals already */
	}
	errno = saved;
}

/* Called on the event loop thread: note why the session ends, once. */
static void finish(struct console *c, enum console_end why, const char *msg)
{
	char b = 0;

	pthread_mutex_lock(&c->mu);
	if (c->end == END_NONE) {
		c->end = why;
		if (msg)
			snprintf(c->err, sizeof(c->err), "%s", msg);
		if (write(c->done_pipe[1], &b, 1) < 0) {
			/* the main thread reads end itself once it wakes */
		}
	}
	pthread_mutex_unlock(&c->mu);
}

static void write_all(int fd, const char *p, size_t n)
{
	while (n) {
		ssize_t w = write(fd, p, n);

		if (w < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN) {
				struct pollfd pf = { fd, POLLOUT, 0 };

				poll(&pf, 1, 100);
				continue;
			}
			return;
		}
		p += w;
		n -= (size_t)w;
	}
}

static void update_events(struct console *c)
{
	int ev = VIR_STREAM_EVENT_READABLE | VIR_STREAM_EVENT_ERROR |
		 VIR_STREAM_EVENT_HANGUP;

	/* while the guest has not taken what was typed, stop reading the
	 * keyboard and wait until the stream can take more */
	if (c->npending)
		ev |= VIR_STREAM_EVENT_WRITABLE;
	virStreamEventUpdateCallback(c->st, ev);
	if (c->stdin_watch >= 0)
		virEventUpdateHandle(c->stdin_watch,
				     c->npending ? 0 :
						   VIR_EVENT_HANDLE_READABLE);
}

static void flush_pending(struct console *c)
{
	while (c->npending) {
		int n = virStreamSend(c->st, c->pending, c->npending);

		if (n == -2)
			break;
		if (n < 0) {
			finish(c, END_ERROR, virGetLastErrorMessage());
			return;
		}
		memmove(c->pending, c->pending + n, c->npending - (size_t)n);
		c->npending -= (size_t)n;
	}
	update_events(c);
}

static void on_stream(virStreamPtr st, int events, void *opaque)
{
	struct console *c = opaque;
	char buf[16384];

	if (events & VIR_STREAM_EVENT_READABLE) {
		for (;;) {
			int n = virStreamRecv(st, buf, sizeof(buf));

			if (n == -2)
				break;
			if (n == 0) {
				finish(c, END_CLOSED, NULL);
				return;
			}
			if (n < 0) {
				finish(c, END_ERROR, virGetLastErrorMessage());
				return;
			}
			write_all(STDOUT_FILENO, buf, (size_t)n);
		}
	}
	if (events & VIR_STREAM_EVENT_WRITABLE)
		flush_pending(c);
	if (events & (VIR_STREAM_EVENT_ERROR | VIR_STREAM_EVENT_HANGUP))
		finish(c, END_CLOSED, NULL);
}

static void on_stdin(int watch, int fd, int events, void *opaque)
{
	struct console *c = opaque;
	size_t room = sizeof(c->pending) - c->npending;
	ssize_t n;
	char *esc;

	(void)watch;
	if (!(events & (VIR_EVENT_HANDLE_READABLE | VIR_EVENT_HANDLE_HANGUP)))
		return;
	n = read(fd, c->pending + c->npending, room);
	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return;
	if (n <= 0) {
		finish(c, END_USER, NULL);
		return;
	}
	esc = memchr(c->pending + c->npending, CONSOLE_ESCAPE, (size_t)n);
	if (esc) {
		/* what came before the escape still goes to the guest */
		c->npending = (size_t)(esc - c->pending);
		flush_pending(c);
		finish(c, END_USER, NULL);
		return;
	}
	c->npending += (size_t)n;
	flush_pending(c);
}

int console_attach(virConnectPtr conn, virDomainPtr dom, bool force)
{
	static const int sigs[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT };
	struct sigaction sa = { 0 }, old[4];
	struct console c = { 0 };
	struct termios saved, raw;
	bool tty = isatty(STDIN_FILENO) && tcgetattr(STDIN_FILENO, &saved) == 0;
	int rc = -1, got_signal = 0, stdin_flags;

	c.stdin_watch = -1;
	c.done_pipe[0] = c.done_pipe[1] = -1;
	pthread_mutex_init(&c.mu, NULL);
	if (pipe2(c.done_pipe, O_CLOEXEC) < 0 ||
	    (signal_pipe[0] < 0 &&
	     pipe2(signal_pipe, O_CLOEXEC | O_NONBLOCK) < 0)) {
		err_sys(FVM_EXIT_FAIL, "pipe");
		goto out_pipes;
	}
	c.st = virStreamNew(conn, VIR_STREAM_NONBLOCK);
	if (!c.st) {
		err_set(FVM_EXIT_FAIL, "cannot make a stream: %s",
			virGetLastErrorMessage());
		goto out_pipes;
	}
	if (virDomainOpenConsole(dom, NULL, c.st,
				 force ? VIR_DOMAIN_CONSOLE_FORCE : 0) < 0) {
		virErrorPtr e = virGetLastError();
		int code = e && e->code == VIR_ERR_OPERATION_FAILED &&
					   strstr(e->message ? e->message : "",
						  "ctive console") ?
				   FVM_EXIT_CONFLICT :
				   FVM_EXIT_FAIL;

		err_set(code, "cannot open the console: %s%s",
			virGetLastErrorMessage(),
			code == FVM_EXIT_CONFLICT ? " (--force takes it over)" :
						    "");
		goto out_stream;
	}
	/* signals end the session like Ctrl-] does, so the terminal is put
	 * back whatever stops us */
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	for (int i = 0; i < 4; i++)
		sigaction(sigs[i], &sa, &old[i]);
	stdin_flags = fcntl(STDIN_FILENO, F_GETFL);
	if (tty) {
		raw = saved;
		cfmakeraw(&raw);
		tcsetattr(STDIN_FILENO, TCSAFLUSH, &raw);
	}
	if (virStreamEventAddCallback(c.st,
				      VIR_STREAM_EVENT_READABLE |
					      VIR_STREAM_EVENT_ERROR |
					      VIR_STREAM_EVENT_HANGUP,
				      on_stream, &c, NULL) < 0) {
		err_set(FVM_EXIT_FAIL, "cannot watch the console stream: %s",
			virGetLastErrorMessage());
		goto out_restore;
	}
	c.stdin_watch = virEventAddHandle(
		STDIN_FILENO, VIR_EVENT_HANDLE_READABLE, on_stdin, &c, NULL);
	if (c.stdin_watch < 0) {
		err_set(FVM_EXIT_FAIL, "cannot watch standard input");
		goto out_callback;
	}
	for (;;) {
		struct pollfd p[2] = { { c.done_pipe[0], POLLIN, 0 },
				       { signal_pipe[0], POLLIN, 0 } };
		unsigned char b;

		if (poll(p, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (p[1].revents && read(signal_pipe[0], &b, 1) == 1) {
			got_signal = b;
			break;
		}
		if (p[0].revents)
			break;
	}
	virEventRemoveHandle(c.stdin_watch);
	pthread_mutex_lock(&c.mu);
	if (got_signal)
		err_set(FVM_EXIT_FAIL, "console closed by signal %s",
			strsignal(got_signal));
	else if (c.end == END_ERROR)
		err_set(FVM_EXIT_FAIL, "console: %s", c.err);
	else
		rc = 0;
	pthread_mutex_unlock(&c.mu);
out_callback:
	virStreamEventRemoveCallback(c.st);
out_restore:
	if (tty)
		tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved);
	if (stdin_flags >= 0)
		fcntl(STDIN_FILENO, F_SETFL, stdin_flags);
	for (int i = 0; i < 4; i++)
		sigaction(sigs[i], &old[i], NULL);
	virStreamAbort(c.st);
out_stream:
	virStreamFree(c.st);
	virResetLastError();
out_pipes:
	if (c.done_pipe[0] >= 0)
		close(c.done_pipe[0]);
	if (c.done_pipe[1] >= 0)
		close(c.done_pipe[1]);
	pthread_mutex_destroy(&c.mu);
	return rc;
}
