/* lib/err.c: per-thread error records and the single reporter. */
#define FVM_ERR_IMPL /* the functions themselves, not err.h's analyzer view */
#include "err.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ERR_MAX 1024

static _Thread_local char err_buf[ERR_MAX];
static _Thread_local int err_class;
static _Thread_local char line_prefix[32];

const char *prog_name = "fvm";

int err_setv(int code, const char *fmt, va_list ap)
{
	vsnprintf(err_buf, sizeof(err_buf), fmt, ap);
	err_class = code ? code : FVM_EXIT_FAIL;
	return -1;
}

int err_set(int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	err_setv(code, fmt, ap);
	va_end(ap);
	return -1;
}

int err_sys(int code, const char *fmt, ...)
{
	int saved = errno;
	va_list ap;
	size_t len;

	va_start(ap, fmt);
	err_setv(code, fmt, ap);
	va_end(ap);
	len = strlen(err_buf);
	snprintf(err_buf + len, sizeof(err_buf) - len, ": %s", strerror(saved));
	errno = saved;
	return -1;
}

int err_context(const char *fmt, ...)
{
	char ctx[ERR_MAX], old[ERR_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(ctx, sizeof(ctx), fmt, ap);
	va_end(ap);
	snprintf(old, sizeof(old), "%s", err_buf);
	snprintf(err_buf, sizeof(err_buf), "%s: %s", ctx, old);
	if (!err_class)
		err_class = FVM_EXIT_FAIL;
	return -1;
}

const char *err_msg(void)
{
	return err_buf[0] ? err_buf : "unknown error";
}

int err_code(void)
{
	return err_class ? err_class : FVM_EXIT_FAIL;
}

void err_clear(void)
{
	err_buf[0] = '\0';
	err_class = 0;
}

void err_set_line_prefix(const char *prefix)
{
	snprintf(line_prefix, sizeof(line_prefix), "%s", prefix ? prefix : "");
}

void reportv(const char *level, const char *fmt, va_list ap)
{
	char msg[ERR_MAX * 2];
	char *nl;

	vsnprintf(msg, sizeof(msg), fmt, ap);
	/* one message, one line: a newline inside would let the text of a
	 * template or a library error split the report */
	while ((nl = strchr(msg, '\n')))
		*nl = ' ';
	if (level)
		fprintf(stderr, "%s%s: %s: %s\n", line_prefix, prog_name, level,
			msg);
	else
		fprintf(stderr, "%s%s: %s\n", line_prefix, prog_name, msg);
}

void report(const char *level, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	reportv(level, fmt, ap);
	va_end(ap);
}

int report_err(void)
{
	report("error", "%s", err_msg());
	return err_code();
}

void die(int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	reportv("error", fmt, ap);
	va_end(ap);
	exit(code);
}

void die_err(void)
{
	exit(report_err());
}
