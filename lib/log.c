/* lib/log.c: syslog lines for every change fvm makes, as fast-vm's logger lines. */
#include "log.h"

#include <errno.h>
#include <pthread.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "util.h"

#define LOG_SOCKET   "/dev/log"
#define LOG_IDENT    "fvm"
#define LOG_LINE_MAX 2048

/*
 * syslog(3) cannot be pointed at another socket, so fvm writes the
 * datagram itself, in the format syslog(3) uses: that lets a test read
 * what was logged from a socket of its own (FVM_SYSLOG_SOCKET).
 */
static pthread_mutex_t log_mu = PTHREAD_MUTEX_INITIALIZER;
static int log_fd = -1;

const char *log_user(void)
{
	static char name[256];
	const char *sudo = getenv("SUDO_USER");
	struct passwd pw, *res = NULL;
	char buf[4096];

	if (name[0])
		return name;
	if (sudo && *sudo && !strchr(sudo, '|') &&
	    strlen(sudo) < sizeof(name)) {
		snprintf(name, sizeof(name), "%s", sudo);
		return name;
	}
	if (getpwuid_r(getuid(), &pw, buf, sizeof(buf), &res) == 0 && res)
		snprintf(name, sizeof(name), "%s", res->pw_name);
	else
		snprintf(name, sizeof(name), "%u", (unsigned)getuid());
	return name;
}

bool log_display(const struct fvm_conf *c, int prio)
{
	return c->display_level >= prio;
}

void log_format(char *buf, size_t len, const char *user, int vm,
		const char *msg, long pid)
{
	char num[16];

	if (vm < 0)
		snprintf(num, sizeof(num), "__");
	else
		snprintf(num, sizeof(num), "%d", vm);
	snprintf(buf, len, "%s[%ld]: %s |%s| %s", LOG_IDENT, pid, user, num,
		 msg);
}

/* Connect once; a syslog that is not there is tried again next time. */
static int log_connect(void)
{
	const char *path = getenv("FVM_SYSLOG_SOCKET");
	struct sockaddr_un sa = { .sun_family = AF_UNIX };

	if (log_fd >= 0)
		return 0;
	if (!path || !*path)
		path = LOG_SOCKET;
	if (strlen(path) >= sizeof(sa.sun_path))
		return -1;
	memcpy(sa.sun_path, path, strlen(path) + 1);
	log_fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (log_fd < 0)
		return -1;
	if (connect(log_fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		close(log_fd);
		log_fd = -1;
		return -1;
	}
	return 0;
}

void log_vm(const struct fvm_conf *c, int prio, int vm, const char *fmt, ...)
{
	char msg[LOG_LINE_MAX], line[LOG_LINE_MAX + 512], stamp[32];
	struct tm tm;
	time_t now = time(NULL);
	va_list ap;
	int saved = errno, n;

	if (c->log_level < prio)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	/* one event, one line */
	for (char *p = msg; *p; p++)
		if (*p == '\n' || *p == '\r')
			*p = ' ';
	localtime_r(&now, &tm);
	strftime(stamp, sizeof(stamp), "%b %e %H:%M:%S", &tm);
	n = snprintf(line, sizeof(line), "<%d>%s ", LOG_USER | (prio & 7),
		     stamp);
	log_format(line + n, sizeof(line) - (size_t)n, log_user(), vm, msg,
		   (long)getpid());
	pthread_mutex_lock(&log_mu);
	if (log_connect() == 0 &&
	    send(log_fd, line, strlen(line), MSG_NOSIGNAL) < 0) {
		/* syslogd restarted: one new connection, one more try */
		close(log_fd);
		log_fd = -1;
		if (log_connect() == 0)
			(void)send(log_fd, line, strlen(line), MSG_NOSIGNAL);
	}
	pthread_mutex_unlock(&log_mu);
	errno = saved;
}
