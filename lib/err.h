/* lib/err.h: error recording for lib/ and the one error reporter for applets. */
#ifndef FVM_ERR_H
#define FVM_ERR_H

#include <stdarg.h>

/* Exit codes, documented in fvm(1). */
enum fvm_exit {
	FVM_EXIT_OK = 0,
	FVM_EXIT_FAIL = 1,	/* the operation failed */
	FVM_EXIT_USAGE = 2,	/* bad arguments or configuration */
	FVM_EXIT_NOTFOUND = 3,	/* image, profile or VM not found */
	FVM_EXIT_CONFLICT = 4,	/* exists already, busy or locked */
	FVM_EXIT_NOAPPLET = 127 /* unknown applet */
};

/*
 * lib/ functions record what went wrong with err_set() and return -1 or
 * NULL; the applet reads the message and the exit code class and decides.
 * The record is per thread, so parallel multi-VM work keeps its own.
 */
int err_set(int code, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
int err_setv(int code, const char *fmt, va_list ap)
	__attribute__((format(printf, 2, 0)));
/* err_sys: like err_set with ": strerror(errno)" appended. */
int err_sys(int code, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* err_context: put "CONTEXT: " in front of the recorded message. */
int err_context(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
#if defined(__clang_analyzer__) && !defined(FVM_ERR_IMPL)
/* the static analyzer (make check's lint tier) cannot see into err.c:
 * these always return -1, so "return err_set(...)" is a failure */
#define err_set(...)	 (err_set(__VA_ARGS__), -1)
#define err_sys(...)	 (err_sys(__VA_ARGS__), -1)
#define err_context(...) (err_context(__VA_ARGS__), -1)
#endif
const char *err_msg(void);
int err_code(void);
void err_clear(void);

/* The name messages start with ("fvm-create"); set by the dispatcher. */
extern const char *prog_name;

/*
 * Reporter: every message to the user goes through these, as
 * "PROG: error: MESSAGE" on stderr. A thread may set a prefix ("[42] ")
 * that goes in front of its lines.
 */
void err_set_line_prefix(const char *prefix);
void report(const char *level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void reportv(const char *level, const char *fmt, va_list ap)
	__attribute__((format(printf, 2, 0)));
#define error(...)   report("error", __VA_ARGS__)
#define warning(...) report("warning", __VA_ARGS__)
/* report the recorded lib/ error and return its exit code */
int report_err(void);
/* report and exit */
__attribute__((noreturn, format(printf, 2, 3))) void die(int code,
							 const char *fmt, ...);
__attribute__((noreturn)) void die_err(void);

#endif
