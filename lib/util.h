/* lib/util.h: small memory and string helpers used across fvm. */
#ifndef FVM_UTIL_H
#define FVM_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdlib.h>

/* Allocation failure aborts: there is no sane way on from there. */
void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* A growable string. */
struct sbuf {
	char *s;
	size_t len, cap;
};
#define SBUF_INIT { NULL, 0, 0 }
void sbuf_add(struct sbuf *b, const char *s, size_t n);
void sbuf_adds(struct sbuf *b, const char *s);
void sbuf_addf(struct sbuf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void sbuf_addc(struct sbuf *b, char c);
/* returns the string (never NULL) and gives up ownership */
char *sbuf_detach(struct sbuf *b);
void sbuf_release(struct sbuf *b);

bool str_starts(const char *s, const char *prefix);
/* parse a whole decimal integer in [min, max]; false on anything else */
bool parse_int(const char *s, long min, long max, long *out);

static inline void freep(void *p)
{
	free(*(void **)p);
}
#define AUTOFREE __attribute__((cleanup(freep)))

#endif
