/* lib/util.c: small helpers: memory, strings, vectors, time, whole files. */
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>

#include "err.h"

static void oom(void)
{
	fputs("fvm: out of memory\n", stderr);
	abort();
}

void *xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);

	if (!p)
		oom();
	return p;
}

void *xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size ? size : 1);

	if (!p)
		oom();
	return p;
}

void *xrealloc(void *p, size_t n)
{
	p = realloc(p, n ? n : 1);
	if (!p)
		oom();
	return p;
}

char *xstrdup(const char *s)
{
	char *p = strdup(s);

	if (!p)
		oom();
	return p;
}

char *xstrndup(const char *s, size_t n)
{
	char *p = strndup(s, n);

	if (!p)
		oom();
	return p;
}

char *xasprintf(const char *fmt, ...)
{
	va_list ap;
	char *p;

	va_start(ap, fmt);
	if (vasprintf(&p, fmt, ap) < 0)
		oom();
	va_end(ap);
	return p;
}

static void sbuf_grow(struct sbuf *b, size_t more)
{
	if (b->len + more + 1 <= b->cap)
		return;
	b->cap = (b->len + more + 1) * 2;
	if (b->cap < 64)
		b->cap = 64;
	b->s = xrealloc(b->s, b->cap);
}

void sbuf_add(struct sbuf *b, const char *s, size_t n)
{
	sbuf_grow(b, n);
	memcpy(b->s + b->len, s, n);
	b->len += n;
	b->s[b->len] = '\0';
}

void sbuf_adds(struct sbuf *b, const char *s)
{
	sbuf_add(b, s, strlen(s));
}

void sbuf_addc(struct sbuf *b, char c)
{
	sbuf_add(b, &c, 1);
}

void sbuf_addf(struct sbuf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	sbuf_grow(b, (size_t)n);
	va_start(ap, fmt);
	vsnprintf(b->s + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
}

char *sbuf_detach(struct sbuf *b)
{
	char *s = b->s ? b->s : xstrdup("");

	b->s = NULL;
	b->len = b->cap = 0;
	return s;
}

void sbuf_release(struct sbuf *b)
{
	free(b->s);
	b->s = NULL;
	b->len = b->cap = 0;
}

bool str_starts(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

bool parse_int(const char *s, long min, long max, long *out)
{
	char *end;
	long v;

	if (!s || !*s || (*s != '-' && (*s < '0' || *s > '9')))
		return false;
	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || *end || v < min || v > max)
		return false;
	*out = v;
	return true;
}

/* ---- string vectors ---- */

void strv_take(struct strv *a, char *s)
{
	if (a->n + 2 > a->cap) {
		a->cap = a->cap ? a->cap * 2 : 16;
		a->v = xrealloc(a->v, a->cap * sizeof(*a->v));
	}
	a->v[a->n++] = s;
	a->v[a->n] = NULL;
}

void strv_push(struct strv *a, const char *s)
{
	strv_take(a, xstrdup(s));
}

void strv_pushn(struct strv *a, const char *s, size_t n)
{
	strv_take(a, xstrndup(s, n));
}

void strv_pushf(struct strv *a, const char *fmt, ...)
{
	va_list ap;
	char *s;

	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) < 0)
		oom();
	va_end(ap);
	strv_take(a, s);
}

bool strv_has(const struct strv *a, const char *s)
{
	for (size_t i = 0; i < a->n; i++)
		if (!strcmp(a->v[i], s))
			return true;
	return false;
}

static int strv_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

void strv_sort_uniq(struct strv *a)
{
	size_t j = 0;

	if (!a->n)
		return;
	qsort(a->v, a->n, sizeof(*a->v), strv_cmp);
	for (size_t i = 1; i < a->n; i++) {
		if (!strcmp(a->v[i], a->v[j]))
			free(a->v[i]);
		else
			a->v[++j] = a->v[i];
	}
	a->n = j + 1;
	a->v[a->n] = NULL;
}

char **strv_detach(struct strv *a)
{
	char **v = a->v ? a->v : xcalloc(1, sizeof(*v));

	a->v = NULL;
	a->n = a->cap = 0;
	return v;
}

void strv_free(char **v)
{
	for (size_t i = 0; v && v[i]; i++)
		free(v[i]);
	free(v);
}

void strv_release(struct strv *a)
{
	strv_free(a->v);
	a->v = NULL;
	a->n = a->cap = 0;
}

/* ---- time ---- */

static struct timespec mono(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts;
}

long long now_ms(void)
{
	struct timespec ts = mono();

	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

long long now_us(void)
{
	struct timespec ts = mono();

	return (long long)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

double now_s(void)
{
	struct timespec ts = mono();

	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* ---- fast-vm's size column ---- */

void fastvm_size_text(uint64_t size, uint64_t used, char *buf, size_t len)
{
	double pct = size ? 100.0 * (double)used / (double)size : 0;
	char g[32];

	if (size % GIB == 0)
		snprintf(g, sizeof(g), "%llu",
			 (unsigned long long)(size / GIB));
	else
		snprintf(g, sizeof(g), "%.2f", (double)size / (double)GIB);
	snprintf(buf, len, "%3sg(%6.2f%%)", g, pct);
}

/* ---- whole files ---- */

static int write_all(int fd, const char *p, size_t len)
{
	while (len) {
		ssize_t w = write(fd, p, len);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return -1;
		p += w;
		len -= (size_t)w;
	}
	return 0;
}

int write_file_atomic(const char *path, const void *data, size_t len,
		      unsigned mode)
{
	const char *slash = strrchr(path, '/');
	size_t dlen = slash == path ? 1 : (size_t)(slash - path);
	char *dir = slash ? xstrndup(path, dlen) : xstrdup(".");
	char *tmp = xasprintf("%s/.%s.XXXXXX", dir, slash ? slash + 1 : path);
	int fd, rc = -1;

	fd = mkstemp(tmp);
	if (fd < 0) {
		err_sys(FVM_EXIT_FAIL, "cannot write %s", path);
		goto out;
	}
	if (write_all(fd, data, len) < 0 || fchmod(fd, (mode_t)mode) < 0 ||
	    fsync(fd) < 0) {
		err_sys(FVM_EXIT_FAIL, "cannot write %s", path);
		close(fd);
		goto out_unlink;
	}
	if (close(fd) < 0) {
		err_sys(FVM_EXIT_FAIL, "cannot write %s", path);
		goto out_unlink;
	}
	if (rename(tmp, path) < 0) {
		err_sys(FVM_EXIT_FAIL, "cannot replace %s", path);
		goto out_unlink;
	}
	/* the rename itself must reach the disk too */
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd >= 0) {
		fsync(fd);
		close(fd);
	}
	rc = 0;
	goto out;
out_unlink:
	unlink(tmp);
out:
	free(tmp);
	free(dir);
	return rc;
}

int read_fd_max(int fd, const char *name, size_t max, char **data, size_t *len)
{
	struct sbuf b = SBUF_INIT;
	char chunk[65536];
	ssize_t n;

	*data = NULL;
	*len = 0;
	for (;;) {
		n = read(fd, chunk, sizeof(chunk));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			err_sys(FVM_EXIT_FAIL, "cannot read %s", name);
			goto fail;
		}
		if (n == 0)
			break;
		if (b.len + (size_t)n > max) {
			if (max % (1u << 20) == 0)
				err_set(FVM_EXIT_FAIL,
					"%s is larger than %zu MiB", name,
					max >> 20);
			else
				err_set(FVM_EXIT_FAIL,
					"%s is larger than %zu bytes", name,
					max);
			goto fail;
		}
		sbuf_add(&b, chunk, (size_t)n);
	}
	*len = b.len;
	*data = sbuf_detach(&b);
	return 0;
fail:
	sbuf_release(&b);
	return -1;
}

int read_file_max(const char *path, size_t max, char **data, size_t *len)
{
	int fd, rc;

	*data = NULL;
	*len = 0;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return err_sys(errno == ENOENT ? FVM_EXIT_NOTFOUND :
						 FVM_EXIT_FAIL,
			       "cannot open %s", path);
	rc = read_fd_max(fd, path, max, data, len);
	close(fd);
	return rc;
}

char *read_password_line(const char *path, int fd)
{
	char *name = path ? xstrdup(path) : xasprintf("descriptor %d", fd);
	char line[PASSWORD_MAX + 1], *pw = NULL;
	size_t len = 0;
	ssize_t n = 0;

	if (path) {
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0) {
			err_sys(FVM_EXIT_FAIL, "cannot open password file %s",
				path);
			goto out;
		}
	}
	/* a byte at a time up to the newline: a pipe's writer may keep it
	 * open, and what follows the line is not ours to take */
	while (len < sizeof(line) && (n = read(fd, line + len, 1)) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			break;
		if (line[len] == '\n')
			break;
		len++;
	}
	if (n < 0) {
		err_sys(FVM_EXIT_FAIL, "cannot read the password from %s",
			name);
		goto out;
	}
	if (len == sizeof(line)) {
		err_set(FVM_EXIT_FAIL,
			"the password in %s is longer than %d bytes", name,
			PASSWORD_MAX);
		goto out;
	}
	if (len && line[len - 1] == '\r')
		len--;
	if (!len) {
		err_set(FVM_EXIT_FAIL,
			"%s holds no password (its first line is empty)", name);
		goto out;
	}
	pw = xstrndup(line, len);
out:
	explicit_bzero(line, sizeof(line));
	if (path && fd >= 0)
		close(fd);
	free(name);
	return pw;
}
