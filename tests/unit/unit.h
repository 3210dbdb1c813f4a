/* tests/unit/unit.h: a few check macros printing the runner's ok/FAIL lines. */
#ifndef FVM_UNIT_H
#define FVM_UNIT_H

#include <stdio.h>
#include <string.h>

static int unit_failed;

#define CHECK(name, cond)                                                      \
	do {                                                                   \
		if (cond)                                                      \
			printf("ok - %s\n", name);                             \
		else {                                                         \
			printf("FAIL - %s: %s (%s:%d)\n", name, #cond,         \
			       __FILE__, __LINE__);                            \
			unit_failed = 1;                                       \
		}                                                              \
	} while (0)

#define CHECK_STR(name, want, got)                                             \
	do {                                                                   \
		const char *w_ = (want), *g_ = (got);                          \
		if (g_ && strcmp(w_, g_) == 0)                                 \
			printf("ok - %s\n", name);                             \
		else {                                                         \
			printf("FAIL - %s: wanted [%s], got [%s] (%s:%d)\n",   \
			       name, w_, g_ ? g_ : "(null)", __FILE__,         \
			       __LINE__);                                      \
			unit_failed = 1;                                       \
		}                                                              \
	} while (0)

#define CHECK_INT(name, want, got)                                             \
	do {                                                                   \
		long long w_ = (want), g_ = (got);                             \
		if (w_ == g_)                                                  \
			printf("ok - %s\n", name);                             \
		else {                                                         \
			printf("FAIL - %s: wanted %lld, got %lld (%s:%d)\n",   \
			       name, w_, g_, __FILE__, __LINE__);              \
			unit_failed = 1;                                       \
		}                                                              \
	} while (0)

#define UNIT_DONE() return unit_failed

#endif
