/* lib/log.h: syslog lines for every change fvm makes, as fast-vm's logger lines. */
#ifndef FVM_LOG_H
#define FVM_LOG_H

#include <stdbool.h>
#include <syslog.h>

#include "conf.h"

/*
 * fast-vm's priorities (LOG_LEVEL and DISPLAY_LEVEL compare against them):
 * 7 debug, 6 info, 4 warning, 3 error. A change fvm made (a VM created,
 * deleted, started, ...) is logged at LOG_INFO.
 */

/* The user fvm acts for in the log: SUDO_USER when set, else the real
 * user's name (its uid when it has none). */
const char *log_user(void);

/*
 * Log "USER |N| MESSAGE" (N is "__" when vm < 0) with ident "fvm" and the
 * process id, facility user, when LOG_LEVEL >= prio. The line goes as one
 * datagram to /dev/log, or to the socket FVM_SYSLOG_SOCKET names; a
 * missing or refusing syslog is not an error (fvm's work is done by
 * then). Safe from several threads.
 */
void log_vm(const struct fvm_conf *c, int prio, int vm, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* Whether a message of priority prio is shown on the terminal
 * (DISPLAY_LEVEL >= prio), as fast-vm decided for its [inf]/[ok] lines. */
bool log_display(const struct fvm_conf *c, int prio);

/* The syslog line as sent, without the "<PRI>TIME " header (for tests):
 * "fvm[PID]: USER |N| MESSAGE" into buf. */
void log_format(char *buf, size_t len, const char *user, int vm,
		const char *msg, long pid);

#endif
