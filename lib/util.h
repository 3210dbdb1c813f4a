/* lib/util.h: small helpers: memory, strings, vectors, time, whole files. */
#ifndef FVM_UTIL_H
#define FVM_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
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
#define SBUF_INIT                                                              \
	{                                                                      \
		NULL, 0, 0                                                     \
	}
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

/* A NULL-terminated string vector that grows (argv, names); the strings
 * are copies. */
struct strv {
	char **v;
	size_t n, cap;
};
#define STRV_INIT                                                              \
	{                                                                      \
		NULL, 0, 0                                                     \
	}
void strv_push(struct strv *a, const char *s);
/* the first n bytes of s */
void strv_pushn(struct strv *a, const char *s, size_t n);
void strv_pushf(struct strv *a, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* take s itself, malloc'd, instead of a copy */
void strv_take(struct strv *a, char *s);
bool strv_has(const struct strv *a, const char *s);
/* sort with strcmp and drop duplicates */
void strv_sort_uniq(struct strv *a);
/* the NULL-terminated vector (never NULL), for strv_free; a is left empty */
char **strv_detach(struct strv *a);
void strv_release(struct strv *a);
/* free a NULL-terminated vector of malloc'd strings (NULL is fine) */
void strv_free(char **v);

/* The monotonic clock (never jumps with the wall clock). */
long long now_ms(void);
long long now_us(void);
double now_s(void);

/* fast-vm's sizes are in GiB, as lvs --units g printed them. */
#define GIB ((uint64_t)1 << 30)

/*
 * fast-vm's size column, "Size( %used )": lvs's size in g (whole GiB
 * without decimals) and the used percentage, "  10g( 12.34%)".
 */
#define FASTVM_SIZE_TEXT 48
void fastvm_size_text(uint64_t size, uint64_t used, char *buf, size_t len);

/*
 * Replace path with data in one step: a temporary file in the same
 * directory, written, given mode and fsync'd, renamed over path, and the
 * directory fsync'd so the rename lasts too. -1 with the error recorded;
 * nothing is left behind on failure.
 */
int write_file_atomic(const char *path, const void *data, size_t len,
		      unsigned mode);
/*
 * Read a whole file of at most max bytes into *data (malloc'd, with a
 * '\0' after its *len bytes). -1 with the error recorded: not found
 * (FVM_EXIT_NOTFOUND), unreadable, or "PATH is larger than MAX bytes".
 */
int read_file_max(const char *path, size_t max, char **data, size_t *len);
/* The same from descriptor fd (left open), called name in messages. */
int read_fd_max(int fd, const char *name, size_t max, char **data, size_t *len);

/* the longest password read_password_line takes */
#define PASSWORD_MAX 4096
/*
 * A password: the first line of the file at path or, path NULL, of
 * descriptor fd (left open; read up to its first newline only), without
 * its line end. Caller frees (explicit_bzero first). NULL with the error
 * recorded (FVM_EXIT_FAIL): unreadable, an empty first line, or a line
 * longer than PASSWORD_MAX.
 */
char *read_password_line(const char *path, int fd);

#endif
