/* lib/stream-write.c: the writing side of streams: hashes, sparse writer, progress, encoders. */
#include "stream.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include <lzma.h>
#include <openssl/evp.h>
#include <zlib.h>
#include <zstd.h>

#include "err.h"
#include "util.h"

/* ---- hashes ----------------------------------------------------------- */

struct stream_hash {
	EVP_MD_CTX *ctx;
};

struct stream_hash *stream_hash_new(const char *name)
{
	struct stream_hash *h = xcalloc(1, sizeof(*h));
	const EVP_MD *md =
		!strcmp(name, "sha512") ? EVP_sha512() : EVP_sha256();

	h->ctx = EVP_MD_CTX_new();
	if (!h->ctx || EVP_DigestInit_ex(h->ctx, md, NULL) != 1)
		abort();
	return h;
}

void stream_hash_update(struct stream_hash *h, const void *buf, size_t len)
{
	EVP_DigestUpdate(h->ctx, buf, len);
}

void stream_hash_peek(struct stream_hash *h, char *hex)
{
	struct stream_hash *copy = xcalloc(1, sizeof(*copy));

	copy->ctx = EVP_MD_CTX_new();
	if (!copy->ctx || EVP_MD_CTX_copy_ex(copy->ctx, h->ctx) != 1)
		abort();
	stream_hash_final(copy, hex);
}

void stream_hash_final(struct stream_hash *h, char *hex)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int n = 0;

	EVP_DigestFinal_ex(h->ctx, md, &n);
	for (unsigned i = 0; i < n; i++)
		sprintf(hex + 2 * i, "%02x", md[i]);
	hex[2 * n] = '\0';
	EVP_MD_CTX_free(h->ctx);
	free(h);
}

/* ---- the sparse writer ------------------------------------------------ */

static const unsigned char zeros[1024 * 1024];

bool stream_is_zero(const void *buf, size_t len)
{
	const unsigned char *p = buf;

	if (len <= 16) {
		for (size_t i = 0; i < len; i++)
			if (p[i])
				return false;
		return true;
	}
	for (size_t i = 0; i < 16; i++)
		if (p[i])
			return false;
	return memcmp(p, p + 16, len - 16) == 0;
}

int sparse_init(struct sparse_writer *w, int fd, uint64_t limit,
		const char *what)
{
	memset(w, 0, sizeof(*w));
	w->fd = fd;
	w->limit = limit;
	w->what = what;
	w->sha = stream_hash_new("sha256");
	return 0;
}

static int too_big(struct sparse_writer *w)
{
	return err_set(FVM_EXIT_FAIL,
		       "%s: the data is larger than the image (%llu bytes): "
		       "give a larger --size",
		       w->what, (unsigned long long)w->limit);
}

static int pwrite_all(struct sparse_writer *w, const unsigned char *p,
		      size_t len, uint64_t off)
{
	while (len) {
		ssize_t n = pwrite(w->fd, p, len, (off_t)off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == ENOSPC)
			return err_set(FVM_EXIT_FAIL,
				       "%s: disk full (no space left on the "
				       "device at offset %llu)",
				       w->what, (unsigned long long)off);
		if (n <= 0)
			return err_sys(FVM_EXIT_FAIL,
				       "%s: write at offset %llu", w->what,
				       (unsigned long long)off);
		p += n;
		len -= (size_t)n;
		off += (uint64_t)n;
		w->written += (uint64_t)n;
	}
	return 0;
}

int sparse_write(struct sparse_writer *w, const void *buf, size_t len)
{
	const unsigned char *p = buf;

	if (w->limit != UINT64_MAX && len > w->limit - w->off)
		return too_big(w);
	stream_hash_update(w->sha, buf, len);
	while (len) {
		/* pieces end on chunk boundaries of the disk */
		size_t n = STREAM_CHUNK - (size_t)(w->off % STREAM_CHUNK);
		const unsigned char *start = p;
		uint64_t at = w->off;
		size_t run = 0;

		if (n > len)
			n = len;
		if (stream_is_zero(p, n)) {
			p += n;
			len -= n;
			w->off += n;
			continue;
		}
		/* coalesce consecutive data pieces into one write */
		while (len && (run == 0 || !stream_is_zero(p, n))) {
			run += n;
			p += n;
			len -= n;
			w->off += n;
			n = len < STREAM_CHUNK ? len : STREAM_CHUNK;
		}
		if (pwrite_all(w, start, run, at) < 0)
			return -1;
	}
	return 0;
}

int sparse_hole(struct sparse_writer *w, uint64_t len)
{
	if (w->limit != UINT64_MAX && len > w->limit - w->off)
		return too_big(w);
	w->off += len;
	while (len) {
		size_t n = len < sizeof(zeros) ? (size_t)len : sizeof(zeros);

		stream_hash_update(w->sha, zeros, n);
		len -= n;
	}
	return 0;
}

void sparse_digest(struct sparse_writer *w, char *hex)
{
	stream_hash_peek(w->sha, hex);
}

void sparse_finish(struct sparse_writer *w, char *hex)
{
	stream_hash_final(w->sha, hex);
	w->sha = NULL;
}

void sparse_release(struct sparse_writer *w)
{
	if (w->sha) {
		char hex[129];

		stream_hash_final(w->sha, hex);
		w->sha = NULL;
	}
}

/* ---- progress --------------------------------------------------------- */

static void human(uint64_t v, char *buf, size_t len)
{
	const char *u[] = { "B", "KiB", "MiB", "GiB", "TiB" };
	double d = (double)v;
	int i = 0;

	while (d >= 1024 && i < 4) {
		d /= 1024;
		i++;
	}
	snprintf(buf, len, i ? "%.1f %s" : "%.0f %s", d, u[i]);
}

static void progress_draw(struct stream_progress *p, double t, bool end)
{
	double secs = t > p->start ? t - p->start : 0;
	double rate = secs > 0 ? (double)p->done / secs : 0;
	char d[32], tot[32], r[32], when[32];
	double eta;

	human(p->done, d, sizeof(d));
	human((uint64_t)rate, r, sizeof(r));
	eta = end		   ? secs :
	      rate > 0 && p->total ? (double)(p->total - p->done) / rate :
				     0;
	if (!end && rate <= 0)
		snprintf(when, sizeof(when), "ETA -:--");
	else
		snprintf(when, sizeof(when), "%s %d:%02d", end ? "in" : "ETA",
			 (int)eta / 60, (int)eta % 60);
	if (p->total) {
		human(p->total, tot, sizeof(tot));
		fprintf(stderr, "\r%s: %s %s of %s (%llu%%) %s/s %s\033[K",
			prog_name, p->label, d, tot,
			/* floor: 100% only when all is done */
			(unsigned long long)(p->done * 100 / p->total), r,
			when);
	} else {
		fprintf(stderr, "\r%s: %s %s %s/s%s%s\033[K", prog_name,
			p->label, d, r, end ? " " : "", end ? when : "");
	}
	p->shown = true;
}

void progress_start(struct stream_progress *p, bool want, const char *label,
		    uint64_t total)
{
	memset(p, 0, sizeof(*p));
	p->on = want && isatty(2);
	p->label = label;
	p->total = total;
	p->start = p->last = now_s();
	if (p->on)
		progress_draw(p, p->start, false);
}

void progress_update(struct stream_progress *p, uint64_t done)
{
	double t;

	if (!p->on)
		return;
	p->done = p->total && done > p->total ? p->total : done;
	t = now_s();
	if (p->shown && t - p->last < 0.25)
		return;
	p->last = t;
	progress_draw(p, t, false);
}

void progress_end(struct stream_progress *p)
{
	if (p->on && p->shown) {
		progress_draw(p, now_s(), true);
		fputc('\n', stderr);
	}
	p->on = false;
}

/* ---- encoders --------------------------------------------------------- */

struct stream_enc {
	enum stream_codec codec;
	int fd;
	lzma_stream lz;
	z_stream z;
	ZSTD_CCtx *zc;
	unsigned char *out;
	/* stream_enc_hold: output kept in held until ready() */
	int (*ready)(void *ud);
	void *ready_ud;
	unsigned char *held;
	size_t held_len, hold_cap;
	bool failed; /* ready() failed: nothing more goes out */
};

#define OUT_SIZE (1024u * 1024)

static int write_all(int fd, const unsigned char *p, size_t len)
{
	while (len) {
		ssize_t n = write(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == ENOSPC)
			return err_set(
				FVM_EXIT_FAIL,
				"disk full (no space left on the device)");
		if (n <= 0)
			return err_sys(FVM_EXIT_FAIL, "write");
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

int stream_enc_hold(struct stream_enc *e, size_t cap, int (*ready)(void *ud),
		    void *ud)
{
	/* one mapping, faulted in as it fills: no copies as it grows */
	void *p = mmap(NULL, cap, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);

	if (p == MAP_FAILED)
		return ready(ud);
#ifdef MADV_HUGEPAGE
	madvise(p, cap, MADV_HUGEPAGE); /* fewer faults; a hint only */
#endif
	e->held = p;
	e->hold_cap = cap;
	e->ready = ready;
	e->ready_ud = ud;
	return 0;
}

static void hold_unmap(struct stream_enc *e)
{
	if (e->held)
		munmap(e->held, e->hold_cap);
	e->held = NULL;
	e->held_len = 0;
}

/* ready(), then what was held goes out and the rest straight to the fd */
static int enc_release(struct stream_enc *e)
{
	int (*ready)(void *ud) = e->ready;
	int rc;

	e->ready = NULL;
	if (ready(e->ready_ud) < 0) {
		e->failed = true;
		return -1;
	}
	rc = write_all(e->fd, e->held, e->held_len);
	hold_unmap(e);
	return rc;
}

static int enc_out(struct stream_enc *e, const unsigned char *p, size_t len)
{
	if (e->failed)
		return -1;
	if (e->ready && len > e->hold_cap - e->held_len && enc_release(e) < 0)
		return -1;
	if (!e->ready)
		return write_all(e->fd, p, len);
	memcpy(e->held + e->held_len, p, len);
	e->held_len += len;
	return 0;
}

size_t stream_enc_bound(enum stream_codec codec, size_t len)
{
	/* the libraries' bounds, plus the frame check and gzip's wrapper */
	if (codec == STREAM_XZ)
		return lzma_stream_buffer_bound(len) + 64;
	if (codec == STREAM_ZSTD)
		return ZSTD_compressBound(len) + 64;
	return compressBound((uLong)len) + 64;
}

int stream_enc_pad(enum stream_codec codec, int fd, size_t len)
{
	unsigned char *p = xcalloc(1, len ? len : 1);
	int rc;

	if (len < STREAM_PAD_MIN || codec == STREAM_XZ || len > 65000) {
		free(p);
		return err_set(FVM_EXIT_FAIL, "no %s padding of %zu bytes",
			       stream_codec_name(codec), len);
	}
	if (codec == STREAM_ZSTD) {
		/* a skippable frame: magic 0x184D2A50, its length, zeros */
		const unsigned char magic[4] = { 0x50, 0x2a, 0x4d, 0x18 };
		uint32_t n = (uint32_t)(len - 8);

		memcpy(p, magic, 4);
		for (int i = 0; i < 4; i++)
			p[4 + i] = (unsigned char)(n >> (8 * i));
	} else if (codec == STREAM_GZIP) {
		/* an empty member whose extra field ("FV", zeros) fills it */
		size_t xlen = len - 22;
		const unsigned char head[10] = { 0x1f, 0x8b, 8, 4, 0,
						 0,    0,    0, 0, 0xff };

		memcpy(p, head, 10);
		p[10] = (unsigned char)xlen;
		p[11] = (unsigned char)(xlen >> 8);
		p[12] = 'F';
		p[13] = 'V';
		p[14] = (unsigned char)(xlen - 4);
		p[15] = (unsigned char)((xlen - 4) >> 8);
		/* an empty final deflate block; CRC-32 and size 0 follow */
		p[12 + xlen] = 3;
	}
	rc = write_all(fd, p, len);
	free(p);
	return rc;
}

int stream_level_check(enum stream_codec codec, int level)
{
	int lo = codec == STREAM_XZ ? 0 : 1;
	int hi = codec == STREAM_ZSTD ? 19 : 9;

	if (level == STREAM_LEVEL_DEFAULT || (level >= lo && level <= hi))
		return 0;
	return err_set(FVM_EXIT_USAGE,
		       "the %s compression level is %d to %d, not %d",
		       stream_codec_name(codec), lo, hi, level);
}

struct stream_enc *stream_enc_new(enum stream_codec codec, int level,
				  unsigned threads, int fd)
{
	struct stream_enc *e;
	int ok = 0;

	if (stream_level_check(codec, level) < 0)
		return NULL;
	e = xcalloc(1, sizeof(*e));
	e->codec = codec;
	e->fd = fd;
	e->out = xmalloc(OUT_SIZE);
	if (!threads)
		threads = stream_threads();
	if (codec == STREAM_XZ) {
		lzma_mt mt;

		memset(&mt, 0, sizeof(mt));
		mt.threads = threads;
		/* fast-vm's `xz --block-size=16M -T0`: blocks that decode
		 * in parallel */
		mt.block_size = 16u << 20;
		mt.preset = level == STREAM_LEVEL_DEFAULT ? 6 : (uint32_t)level;
		mt.check = LZMA_CHECK_CRC64;
		e->lz = (lzma_stream)LZMA_STREAM_INIT;
		ok = lzma_stream_encoder_mt(&e->lz, &mt) == LZMA_OK;
	} else if (codec == STREAM_ZSTD) {
		e->zc = ZSTD_createCCtx();
		ok = e->zc &&
		     !ZSTD_isError(ZSTD_CCtx_setParameter(
			     e->zc, ZSTD_c_compressionLevel,
			     level == STREAM_LEVEL_DEFAULT ? 3 : level)) &&
		     !ZSTD_isError(ZSTD_CCtx_setParameter(
			     e->zc, ZSTD_c_checksumFlag, 1));
		/* a libzstd built without threads refuses; one thread then */
		if (ok && threads > 1)
			ZSTD_CCtx_setParameter(e->zc, ZSTD_c_nbWorkers,
					       (int)threads);
	} else if (codec == STREAM_GZIP) {
		ok = deflateInit2(&e->z,
				  level == STREAM_LEVEL_DEFAULT ? 6 : level,
				  Z_DEFLATED, 16 + MAX_WBITS, 8,
				  Z_DEFAULT_STRATEGY) == Z_OK;
	}
	if (!ok) {
		err_set(FVM_EXIT_FAIL, "cannot start the %s encoder",
			stream_codec_name(codec));
		free(e->out);
		free(e);
		return NULL;
	}
	return e;
}

static int enc_run(struct stream_enc *e, const void *buf, size_t len,
		   bool finish)
{
	if (e->codec == STREAM_XZ) {
		e->lz.next_in = buf;
		e->lz.avail_in = len;
		for (;;) {
			lzma_ret r;

			e->lz.next_out = e->out;
			e->lz.avail_out = OUT_SIZE;
			r = lzma_code(&e->lz, finish ? LZMA_FINISH : LZMA_RUN);
			if (r != LZMA_OK && r != LZMA_STREAM_END)
				return err_set(FVM_EXIT_FAIL,
					       "xz encoder error %d", r);
			if (enc_out(e, e->out, OUT_SIZE - e->lz.avail_out) < 0)
				return -1;
			if (r == LZMA_STREAM_END ||
			    (!finish && e->lz.avail_in == 0))
				return 0;
		}
	}
	if (e->codec == STREAM_ZSTD) {
		ZSTD_inBuffer ib = { buf, len, 0 };

		for (;;) {
			ZSTD_outBuffer ob = { e->out, OUT_SIZE, 0 };
			size_t r = ZSTD_compressStream2(
				e->zc, &ob, &ib,
				finish ? ZSTD_e_end : ZSTD_e_continue);

			if (ZSTD_isError(r))
				return err_set(FVM_EXIT_FAIL, "zstd: %s",
					       ZSTD_getErrorName(r));
			if (enc_out(e, e->out, ob.pos) < 0)
				return -1;
			if (finish ? r == 0 : ib.pos == ib.size)
				return 0;
		}
	}
	e->z.next_in = (unsigned char *)(uintptr_t)buf;
	e->z.avail_in = (uInt)len;
	for (;;) {
		int r;

		e->z.next_out = e->out;
		e->z.avail_out = OUT_SIZE;
		r = deflate(&e->z, finish ? Z_FINISH : Z_NO_FLUSH);
		if (r == Z_STREAM_ERROR)
			return err_set(FVM_EXIT_FAIL, "gzip encoder error");
		if (enc_out(e, e->out, OUT_SIZE - e->z.avail_out) < 0)
			return -1;
		if (r == Z_STREAM_END || (!finish && e->z.avail_in == 0))
			return 0;
	}
}

int stream_enc_write(struct stream_enc *e, const void *buf, size_t len)
{
	const unsigned char *p = buf;

	/* zlib counts in uInt */
	while (len) {
		size_t n = len > (1u << 30) ? (1u << 30) : len;

		if (enc_run(e, p, n, false) < 0)
			return -1;
		p += n;
		len -= n;
	}
	return 0;
}

void stream_enc_abort(struct stream_enc *e)
{
	if (!e)
		return;
	if (e->codec == STREAM_XZ)
		lzma_end(&e->lz);
	else if (e->codec == STREAM_ZSTD)
		ZSTD_freeCCtx(e->zc);
	else
		deflateEnd(&e->z);
	free(e->out);
	hold_unmap(e);
	free(e);
}

int stream_enc_finish(struct stream_enc *e)
{
	int rc = enc_run(e, NULL, 0, true);

	if (rc == 0 && e->ready)
		rc = enc_release(e);

	stream_enc_abort(e);
	return rc;
}
