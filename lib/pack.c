/* lib/pack.c: fvm image packages written and read through libarchive. */
#include "pack.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <archive.h>
#include <archive_entry.h>

#include "err.h"
#include "out.h"
#include "txn.h"
#include "util.h"

const char *const pack_file_names[PACK_NFILES] = {
	[PACK_XML] = "config.xml",
	[PACK_HACKS] = "hacks.sh",
	[PACK_DELETE_HACKS] = "delete-hacks.sh",
};

#define BUF_SIZE PACK_HASH_BUF
static const unsigned char zero_buf[BUF_SIZE];

/* ---- manifest --------------------------------------------------------- */

char *pack_manifest_json(const struct pack_manifest *m)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	if (!f)
		abort();
	fprintf(f, "{\n  \"format\": \"fvm-image\",\n  \"version\": %d,\n",
		m->version);
	fputs("  \"name\": ", f);
	json_put_string(f, m->name ? m->name : "");
	fprintf(f, ",\n  \"size\": %llu,\n  \"sha256\": ",
		(unsigned long long)m->size);
	json_put_string(f, m->sha256);
	fputs(",\n  \"created\": ", f);
	json_put_string(f, m->created ? m->created : "");
	fprintf(f, ",\n  \"disk\": \"%s\"\n}\n", PACK_DISK);
	fclose(f);
	return text;
}

struct json_in {
	const char *p, *end;
};

static void json_ws(struct json_in *j)
{
	while (j->p < j->end && isspace((unsigned char)*j->p))
		j->p++;
}

static char *json_string(struct json_in *j)
{
	struct sbuf b = SBUF_INIT;

	if (j->p >= j->end || *j->p != '"')
		return NULL;
	for (j->p++; j->p < j->end && *j->p != '"'; j->p++) {
		char c = *j->p;

		if ((unsigned char)c < 0x20)
			goto bad;
		if (c == '\\') {
			if (++j->p >= j->end)
				goto bad;
			switch (*j->p) {
			case '"':
			case '\\':
			case '/':
				c = *j->p;
				break;
			case 'n':
				c = '\n';
				break;
			case 't':
				c = '\t';
				break;
			default:
				goto bad; /* nothing fvm writes needs more */
			}
		}
		sbuf_addc(&b, c);
	}
	if (j->p >= j->end)
		goto bad;
	j->p++;
	return sbuf_detach(&b);
bad:
	sbuf_release(&b);
	return NULL;
}

int pack_manifest_parse(const char *text, size_t len, struct pack_manifest *m)
{
	struct json_in j = { text, text + len };
	bool have_size = false, fvm = false;

	memset(m, 0, sizeof(*m));
	json_ws(&j);
	if (j.p >= j.end || *j.p++ != '{')
		goto bad;
	for (;;) {
		char *key, *str = NULL;
		unsigned long long num = 0;
		bool is_num = false;

		json_ws(&j);
		if (j.p < j.end && *j.p == '}' && !m->version && !m->name)
			goto bad;
		key = json_string(&j);
		if (!key)
			goto bad;
		json_ws(&j);
		if (j.p >= j.end || *j.p++ != ':') {
			free(key);
			goto bad;
		}
		json_ws(&j);
		if (j.p < j.end && *j.p == '"') {
			str = json_string(&j);
			if (!str) {
				free(key);
				goto bad;
			}
		} else if (j.p < j.end && isdigit((unsigned char)*j.p)) {
			is_num = true;
			for (; j.p < j.end && isdigit((unsigned char)*j.p);
			     j.p++) {
				if (num > (UINT64_MAX - 9) / 10) {
					free(key);
					goto bad;
				}
				num = num * 10 + (unsigned)(*j.p - '0');
			}
		} else {
			/* fvm's manifests are flat: strings and numbers */
			free(key);
			goto bad;
		}
		if (!strcmp(key, "format") && str)
			fvm = !strcmp(str, "fvm-image");
		else if (!strcmp(key, "version") && is_num)
			m->version = num > 1000 ? 1000 : (int)num;
		else if (!strcmp(key, "size") && is_num) {
			m->size = num;
			have_size = true;
		} else if (!strcmp(key, "name") && str && !m->name) {
			m->name = str;
			str = NULL;
		} else if (!strcmp(key, "created") && str && !m->created) {
			m->created = str;
			str = NULL;
		} else if (!strcmp(key, "sha256") && str) {
			size_t k = strlen(str);

			for (size_t i = 0; i < k; i++)
				if (!isxdigit((unsigned char)str[i]))
					k = 0;
			if (k != 64) {
				free(key);
				free(str);
				pack_manifest_release(m);
				return err_set(FVM_EXIT_FAIL,
					       "package manifest: bad sha256");
			}
			for (size_t i = 0; i < 64; i++)
				m->sha256[i] =
					(char)tolower((unsigned char)str[i]);
			m->sha256[64] = '\0';
		}
		free(key);
		free(str);
		json_ws(&j);
		if (j.p < j.end && *j.p == ',') {
			j.p++;
			continue;
		}
		if (j.p < j.end && *j.p == '}')
			break;
		goto bad;
	}
	if (!fvm)
		goto bad;
	if (m->version > PACK_VERSION) {
		int v = m->version;

		pack_manifest_release(m);
		return err_set(FVM_EXIT_FAIL,
			       "package format version %d is newer than this "
			       "fvm reads (%d)",
			       v, PACK_VERSION);
	}
	if (m->version < 1 || !have_size || !m->size || !m->sha256[0] ||
	    !m->name) {
		pack_manifest_release(m);
		return err_set(FVM_EXIT_FAIL,
			       "package manifest lacks its version, name, "
			       "size or sha256");
	}
	return 0;
bad:
	pack_manifest_release(m);
	return err_set(FVM_EXIT_FAIL, "package manifest is not fvm's JSON");
}

void pack_manifest_release(struct pack_manifest *m)
{
	free(m->name);
	free(m->created);
	memset(m, 0, sizeof(*m));
}

/* ---- scanning a disk -------------------------------------------------- */

static void extent_add(struct pack_scan *sc, size_t *cap, uint64_t off,
		       uint64_t len)
{
	if (sc->n && sc->v[sc->n - 1].off + sc->v[sc->n - 1].len == off) {
		sc->v[sc->n - 1].len += len;
	} else {
		if (sc->n == *cap) {
			*cap = *cap ? *cap * 2 : 64;
			sc->v = xrealloc(sc->v, *cap * sizeof(*sc->v));
		}
		sc->v[sc->n].off = off;
		sc->v[sc->n].len = len;
		sc->n++;
	}
	sc->data += len;
}

static int pread_full(int fd, unsigned char *buf, size_t len, uint64_t off)
{
	if (txn_interrupted())
		return err_set(FVM_EXIT_FAIL, "interrupted");
	while (len) {
		ssize_t n = pread(fd, buf, len, (off_t)off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return err_sys(FVM_EXIT_FAIL, "read at offset %llu",
				       (unsigned long long)off);
		if (n == 0)
			return err_set(FVM_EXIT_FAIL,
				       "disk ends early, at offset %llu",
				       (unsigned long long)off);
		buf += n;
		len -= (size_t)n;
		off += (uint64_t)n;
	}
	return 0;
}

/* map [off, end) of data, and hash it when h is set */
static int scan_range(int fd, uint64_t off, uint64_t end, unsigned char *buf,
		      struct stream_hash *h, struct pack_scan *sc, size_t *cap,
		      struct stream_progress *p)
{
	while (off < end) {
		size_t n =
			end - off < BUF_SIZE ? (size_t)(end - off) : BUF_SIZE;

		if (pread_full(fd, buf, n, off) < 0)
			return -1;
		if (h)
			stream_hash_update(h, buf, n);
		for (size_t i = 0; i < n;) {
			size_t k = STREAM_CHUNK -
				   (size_t)((off + i) % STREAM_CHUNK);

			if (k > n - i)
				k = n - i;
			if (!stream_is_zero(buf + i, k))
				extent_add(sc, cap, off + i, k);
			i += k;
		}
		off += n;
		progress_update(p, off);
	}
	return 0;
}

static void hash_zeros(struct stream_hash *h, uint64_t len)
{
	while (h && len) {
		size_t n = len < BUF_SIZE ? (size_t)len : BUF_SIZE;

		stream_hash_update(h, zero_buf, n);
		len -= n;
	}
}

static int scan(int fd, uint64_t size, bool progress, struct stream_hash *h,
		struct pack_scan *sc)
{
	unsigned char *buf = xmalloc(BUF_SIZE);
	struct stream_progress p;
	struct stat st;
	uint64_t off = 0;
	size_t cap = 0;
	int rc = -1;

	memset(sc, 0, sizeof(*sc));
	progress_start(&p, progress, "scan", size);
	if (fstat(fd, &st) < 0) {
		err_sys(FVM_EXIT_FAIL, "stat");
		goto out;
	}
	while (off < size) {
		uint64_t data = off, hole = size;

		if (S_ISREG(st.st_mode)) {
			off_t d = lseek(fd, (off_t)off, SEEK_DATA);

			if (d < 0 && errno == ENXIO)
				data = size;
			else if (d >= 0)
				data = (uint64_t)d;
			if (data > size)
				data = size;
			if (data < size) {
				off_t e = lseek(fd, (off_t)data, SEEK_HOLE);

				if (e >= 0 && (uint64_t)e < size)
					hole = (uint64_t)e;
			}
		}
		hash_zeros(h, data - off);
		if (scan_range(fd, data, hole, buf, h, sc, &cap, &p) < 0)
			goto out;
		off = hole;
	}
	progress_update(&p, off);
	rc = 0;
out:
	progress_end(&p);
	free(buf);
	if (rc < 0)
		pack_scan_release(sc);
	return rc;
}

int pack_scan_disk(int fd, uint64_t size, bool progress, struct pack_scan *sc)
{
	struct stream_hash *h = stream_hash_new("sha256");
	int rc = scan(fd, size, progress, h, sc);

	stream_hash_final(h, sc->sha256);
	return rc;
}

int pack_scan_map(int fd, uint64_t size, bool progress, struct pack_scan *sc)
{
	return scan(fd, size, progress, NULL, sc);
}

int pack_scan_hash(struct pack_hash *j)
{
	uint64_t off = 0;

	for (size_t i = 0; i <= j->scan->n; i++) {
		uint64_t start = i < j->scan->n ? j->scan->v[i].off : j->size;
		uint64_t end =
			i < j->scan->n ? start + j->scan->v[i].len : j->size;

		for (; off < end; atomic_store(&j->done, off)) {
			size_t n = end - off < BUF_SIZE ? (size_t)(end - off) :
							  BUF_SIZE;
			ssize_t k;

			if (atomic_load(&j->stop)) {
				j->err = ECANCELED;
				goto fail;
			}
			if (off < start) {
				if (n > start - off)
					n = (size_t)(start - off);
				stream_hash_update(j->h, zero_buf, n);
				off += n;
				continue;
			}
			k = pread(j->fd, j->buf, n, (off_t)off);
			if (k < 0 && errno == EINTR)
				continue;
			if (k <= 0) {
				j->err = k < 0 ? errno : 0;
				goto fail;
			}
			stream_hash_update(j->h, j->buf, (size_t)k);
			off += (uint64_t)k;
		}
	}
	j->rc = 0;
	atomic_store(&j->finished, true);
	return 0;
fail:
	j->err_off = off;
	j->rc = -1;
	atomic_store(&j->finished, true);
	return -1;
}

void pack_scan_release(struct pack_scan *sc)
{
	free(sc->v);
	sc->v = NULL;
	sc->n = 0;
}

/* ---- writing ---------------------------------------------------------- */

static int ar_fail(struct archive *a, const char *what)
{
	const char *m = archive_error_string(a);

	return err_set(FVM_EXIT_FAIL, "%s: %s", what, m ? m : "failed");
}

static int write_data(struct archive *a, const void *buf, size_t len)
{
	la_ssize_t n = archive_write_data(a, buf, len);

	if (n < 0)
		return ar_fail(a, "writing the package");
	return 0;
}

static int write_mem_entry(struct archive *a, const char *name,
			   const char *data, size_t len, int mode, time_t t)
{
	struct archive_entry *e = archive_entry_new();
	int rc = 0;

	archive_entry_set_pathname(e, name);
	archive_entry_set_filetype(e, AE_IFREG);
	archive_entry_set_perm(e, mode);
	archive_entry_set_size(e, (la_int64_t)len);
	archive_entry_set_mtime(e, t, 0);
	if (archive_write_header(a, e) != ARCHIVE_OK)
		rc = ar_fail(a, name);
	else if (len)
		rc = write_data(a, data, len);
	archive_entry_free(e);
	return rc;
}

static int write_zeros(struct archive *a, uint64_t len)
{
	while (len) {
		size_t n = len < BUF_SIZE ? (size_t)len : BUF_SIZE;

		if (txn_interrupted())
			return err_set(FVM_EXIT_FAIL, "interrupted");
		if (write_data(a, zero_buf, n) < 0)
			return -1;
		len -= n;
	}
	return 0;
}

static int write_disk(struct archive *a, const struct pack_out *o, time_t t)
{
	struct archive_entry *e = archive_entry_new();
	unsigned char *buf = xmalloc(BUF_SIZE);
	struct stream_progress p;
	uint64_t off = 0, done = 0;
	int rc = -1;

	archive_entry_set_pathname(e, PACK_DISK);
	archive_entry_set_filetype(e, AE_IFREG);
	archive_entry_set_perm(e, 0644);
	archive_entry_set_size(e, (la_int64_t)o->size);
	archive_entry_set_mtime(e, t, 0);
	for (size_t i = 0; i < o->scan->n; i++)
		archive_entry_sparse_add_entry(e, (la_int64_t)o->scan->v[i].off,
					       (la_int64_t)o->scan->v[i].len);
	if (archive_write_header(a, e) != ARCHIVE_OK) {
		ar_fail(a, PACK_DISK);
		goto out;
	}
	/* the bar counts the data stored, the only bytes compressed */
	progress_start(&p, o->progress, "export", o->scan->data);
	/* the pax writer takes the whole disk and skips the holes itself */
	for (size_t i = 0; i < o->scan->n; i++) {
		const struct pack_extent *x = &o->scan->v[i];
		uint64_t end = x->off + x->len;

		if (write_zeros(a, x->off - off) < 0)
			goto out_progress;
		for (off = x->off; off < end;) {
			size_t n = end - off < BUF_SIZE ? (size_t)(end - off) :
							  BUF_SIZE;

			if (pread_full(o->disk_fd, buf, n, off) < 0 ||
			    write_data(a, buf, n) < 0)
				goto out_progress;
			off += n;
			done += n;
			progress_update(&p, done);
		}
	}
	if (write_zeros(a, o->size - off) < 0)
		goto out_progress;
	rc = 0;
out_progress:
	progress_end(&p);
out:
	free(buf);
	archive_entry_free(e);
	return rc;
}

/* libarchive makes the tar, fvm's encoder compresses it */
static la_ssize_t enc_cb(struct archive *a, void *ud, const void *buf,
			 size_t len)
{
	if (stream_enc_write(ud, buf, len) < 0) {
		archive_set_error(a, EIO, "%s", err_msg());
		return -1;
	}
	return (la_ssize_t)len;
}

static la_ssize_t mem_cb(struct archive *a, void *ud, const void *buf,
			 size_t len)
{
	(void)a;
	sbuf_add(ud, buf, len);
	return (la_ssize_t)len;
}

static struct archive *tar_new(void *ud, archive_write_callback *cb)
{
	struct archive *a = archive_write_new();

	archive_write_set_format_pax_restricted(a);
	/* no padding to a 10 KiB block: the tar ends where its data does */
	archive_write_set_bytes_in_last_block(a, 1);
	if (archive_write_open2(a, ud, NULL, cb, NULL, NULL) != ARCHIVE_OK) {
		ar_fail(a, "package");
		archive_write_free(a);
		return NULL;
	}
	return a;
}

/*
 * A package is two compressed streams, read as one tar: the manifest
 * entry, then disk.raw, the files and the tar's end. The manifest holds
 * the disk's SHA-256, which a thread computes while the second stream is
 * compressed: SHA-256 and the codecs each keep a core busy, one after the
 * other they take about twice as long. To a file (zstd, gzip), the
 * second stream goes after room left for the first; else it is kept in
 * memory until the hash is done, up to HOLD_MAX bytes: a package of a few
 * GiB of disk (the bench's 2 GiB disk with 454 MiB of data makes 292 MiB
 * with zstd). Beyond that, writing waits for the hash once.
 */
#define HOLD_MAX (256u << 20)

struct pack_job {
	const struct pack_out *o;
	time_t t;
	char created[32];
	struct pack_hash hash;
	pthread_t thread;
	bool hashing;	/* hash made, not finished */
	bool threaded;	/* in the thread (else done already) */
	bool disk_done; /* the export bar has ended */
	off_t room_at;	/* to a file: where the manifest's room starts */
	size_t room;	/* its size (0: none, the other stream is held) */
	bool failed;	/* the package is lost: no manifest any more */
};

static void *hash_main(void *arg)
{
	pack_scan_hash(arg);
	return NULL;
}

static void hash_start(struct pack_job *pj)
{
	struct pack_hash *j = &pj->hash;
	int e;

	j->fd = pj->o->disk_fd;
	j->size = pj->o->size;
	j->scan = pj->o->scan;
	j->h = stream_hash_new("sha256");
	j->buf = xmalloc(BUF_SIZE);
	atomic_init(&j->stop, false);
	atomic_init(&j->finished, false);
	atomic_init(&j->done, 0);
	pj->hashing = true;
	/* the thread gets the caller's signal mask: txn's thread takes them */
	e = pthread_create(&pj->thread, NULL, hash_main, j);
	pj->threaded = e == 0;
	if (e)
		pack_scan_hash(j); /* no thread: the hash comes first then */
}

/* Wait for the hash (a bar of its own once the export bar has ended):
 * its hex digest, or -1 with the error recorded. stop: end it early. */
static int hash_end(struct pack_job *pj, char *hex, bool stop)
{
	struct pack_hash *j = &pj->hash;
	uint64_t from = atomic_load(&j->done);
	struct stream_progress p;
	char sum[65];

	if (!pj->hashing)
		return 0;
	if (stop)
		atomic_store(&j->stop, true);
	progress_start(&p,
		       pj->o->progress && pj->disk_done && !stop &&
			       !atomic_load(&j->finished),
		       "checksum", j->size - from);
	while (!atomic_load(&j->finished)) {
		const struct timespec ts = { 0, 20 * 1000 * 1000 };

		if (txn_interrupted())
			atomic_store(&j->stop, true);
		progress_update(&p, atomic_load(&j->done) - from);
		nanosleep(&ts, NULL);
	}
	progress_update(&p, atomic_load(&j->done) - from);
	progress_end(&p);
	if (pj->threaded)
		pthread_join(pj->thread, NULL);
	pj->hashing = false;
	stream_hash_final(j->h, hex ? hex : sum);
	free(j->buf);
	/* stopped for a failure recorded already */
	if (j->rc == 0 || stop)
		return j->rc;
	if (j->err == ECANCELED)
		return err_set(FVM_EXIT_FAIL, "interrupted");
	if (j->err == 0)
		return err_set(FVM_EXIT_FAIL, "disk ends early, at offset %llu",
			       (unsigned long long)j->err_off);
	errno = j->err;
	return err_sys(FVM_EXIT_FAIL, "read at offset %llu",
		       (unsigned long long)j->err_off);
}

/* the manifest entry as tar bytes, without the tar's end */
static int manifest_tar(const struct pack_job *pj, const char *sha256,
			struct sbuf *b)
{
	struct pack_manifest m = { 0 };
	struct archive *a = tar_new(b, mem_cb);
	char *json;
	int rc;

	if (!a)
		return -1;
	m.version = PACK_VERSION;
	m.name = (char *)pj->o->name;
	m.size = pj->o->size;
	memcpy(m.sha256, sha256, sizeof(m.sha256));
	m.created = (char *)pj->created;
	json = pack_manifest_json(&m);
	rc = write_mem_entry(a, PACK_MANIFEST, json, strlen(json), 0644, pj->t);
	free(json);
	if (rc == 0 && archive_write_close(a) != ARCHIVE_OK)
		rc = ar_fail(a, PACK_MANIFEST);
	archive_write_free(a);
	/* the end of the tar is two blocks of zeros: the other stream's */
	if (rc == 0 && (b->len < 1024 || b->len % 512 ||
			!stream_is_zero(b->s + b->len - 1024, 1024)))
		rc = err_set(FVM_EXIT_FAIL, "the manifest's tar entry is not "
					    "whole blocks ending the tar");
	if (rc == 0)
		b->len -= 1024;
	return rc;
}

/* stream_enc_hold's ready: the manifest as a stream of its own */
static int manifest_ready(void *ud)
{
	struct pack_job *pj = ud;
	struct sbuf b = SBUF_INIT;
	struct stream_enc *enc;
	char sha256[65];
	int rc = -1;

	/* the package is lost already, with the error recorded */
	if (pj->failed)
		return -1;
	if (pj->hashing) {
		if (hash_end(pj, sha256, false) < 0)
			return -1;
	} else {
		memcpy(sha256, pj->o->scan->sha256, sizeof(sha256));
	}
	if (manifest_tar(pj, sha256, &b) < 0)
		goto out;
	enc = stream_enc_new(pj->o->codec, pj->o->level, 1, pj->o->out_fd);
	if (!enc)
		goto out;
	if (stream_enc_write(enc, b.s, b.len) < 0)
		stream_enc_abort(enc);
	else
		rc = stream_enc_finish(enc);
out:
	sbuf_release(&b);
	return rc;
}

/*
 * Writing to a file, the manifest's stream need not be held: room for it
 * is left at the start, sized for its longest compressed form (the sum's
 * value does not change the entry's length), and what it does not fill
 * becomes padding every decoder skips.
 */
static int room_keep(struct pack_job *pj)
{
	char zeros[65];
	struct sbuf b = SBUF_INIT;
	int fd = pj->o->out_fd, fl = fcntl(fd, F_GETFL);
	struct stat st;
	off_t at;

	/* xz: no padding (stream_enc_pad); it compresses slowly enough
	 * for the hash to end before much is held */
	if (pj->o->codec == STREAM_XZ || fl < 0 || (fl & O_APPEND) ||
	    fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) ||
	    (at = lseek(fd, 0, SEEK_CUR)) < 0)
		return 0;
	memset(zeros, '0', 64);
	zeros[64] = '\0';
	if (manifest_tar(pj, zeros, &b) < 0) {
		sbuf_release(&b);
		return -1;
	}
	pj->room = stream_enc_bound(pj->o->codec, b.len) + STREAM_PAD_MIN;
	pj->room = (pj->room + 511) & ~(size_t)511;
	pj->room_at = at;
	sbuf_release(&b);
	if (lseek(fd, at + (off_t)pj->room, SEEK_SET) < 0)
		return err_sys(FVM_EXIT_FAIL, "seek");
	return 1;
}

/* the manifest into its room, then back to the end */
static int room_fill(struct pack_job *pj)
{
	int fd = pj->o->out_fd;
	off_t end = lseek(fd, 0, SEEK_CUR), at;

	if (end < 0 || lseek(fd, pj->room_at, SEEK_SET) < 0)
		return err_sys(FVM_EXIT_FAIL, "seek");
	if (manifest_ready(pj) < 0)
		return -1;
	at = lseek(fd, 0, SEEK_CUR);
	if (at < pj->room_at ||
	    (size_t)(at - pj->room_at) > pj->room - STREAM_PAD_MIN)
		return err_set(FVM_EXIT_FAIL, "the manifest outgrew its room");
	if (stream_enc_pad(pj->o->codec, fd,
			   pj->room - (size_t)(at - pj->room_at)) < 0)
		return -1;
	if (lseek(fd, end, SEEK_SET) < 0)
		return err_sys(FVM_EXIT_FAIL, "seek");
	return 0;
}

static int write_files(struct archive *a, const struct pack_out *o, time_t t)
{
	for (int i = 0; i < PACK_NFILES; i++) {
		char *data;
		size_t len;
		int rc;

		if (!o->files[i])
			continue;
		if (read_file_max(o->files[i], PACK_FILE_MAX, &data, &len) < 0)
			return -1;
		rc = write_mem_entry(a, pack_file_names[i], data, len,
				     i == PACK_XML ? 0644 : 0755, t);
		free(data);
		if (rc < 0)
			return -1;
	}
	return 0;
}

int pack_write(const struct pack_out *o)
{
	struct pack_job pj = { .o = o, .t = time(NULL) };
	struct archive *a = NULL;
	struct stream_enc *enc;
	struct tm tm;
	int rc = -1;

	gmtime_r(&pj.t, &tm);
	strftime(pj.created, sizeof(pj.created), "%Y-%m-%dT%H:%M:%SZ", &tm);
	enc = stream_enc_new(o->codec, o->level, o->threads, o->out_fd);
	if (!enc)
		return -1;
	if (o->scan->sha256[0]) {
		if (manifest_ready(&pj) < 0)
			goto out;
	} else {
		int room = room_keep(&pj);

		if (room < 0)
			goto out;
		hash_start(&pj);
		if (!room &&
		    stream_enc_hold(enc, HOLD_MAX, manifest_ready, &pj) < 0)
			goto out;
	}
	a = tar_new(enc, enc_cb);
	if (!a || write_disk(a, o, pj.t) < 0)
		goto out;
	pj.disk_done = true;
	if (write_files(a, o, pj.t) < 0)
		goto out;
	if (archive_write_close(a) != ARCHIVE_OK) {
		ar_fail(a, "package");
		goto out;
	}
	rc = stream_enc_finish(enc);
	enc = NULL;
	if (rc == 0 && pj.room)
		rc = room_fill(&pj);
out:
	if (rc < 0) {
		pj.failed = true;
		hash_end(&pj, NULL, true);
	}
	if (a)
		archive_write_free(a);
	stream_enc_abort(enc);
	return rc;
}

/* ---- reading ---------------------------------------------------------- */

struct pack_reader {
	struct archive *a;
	struct stream *s;
	unsigned char *buf;
	bool stream_failed; /* the error recorded is the stream's */
	struct pack_manifest *m;
};

static la_ssize_t read_cb(struct archive *a, void *ud, const void **out)
{
	struct pack_reader *r = ud;
	ssize_t n = stream_read(r->s, r->buf, BUF_SIZE);

	(void)a;
	if (n < 0) {
		r->stream_failed = true;
		archive_set_error(a, EIO, "%s", err_msg());
		return -1;
	}
	*out = r->buf;
	return n;
}

static int read_fail(struct pack_reader *r, const char *what)
{
	if (r->stream_failed)
		return -1;
	return ar_fail(r->a, what);
}

/* The name of an entry as shown in messages: control characters hidden. */
static char *shown_name(const char *name)
{
	char *s = xstrndup(name ? name : "", 80);

	for (char *p = s; *p; p++)
		if (!isprint((unsigned char)*p))
			*p = '?';
	return s;
}

/* an entry must be a regular file with one of the known names */
static int check_entry(struct archive_entry *e, int *which)
{
	const char *name = archive_entry_pathname(e);
	char *shown;

	*which = -1;
	if (name && !strcmp(name, PACK_MANIFEST))
		*which = PACK_NFILES;
	else if (name && !strcmp(name, PACK_DISK))
		*which = PACK_NFILES + 1;
	for (int i = 0; name && i < PACK_NFILES; i++)
		if (!strcmp(name, pack_file_names[i]))
			*which = i;
	shown = shown_name(name);
	if (!name || name[0] == '/' || !strncmp(name, "../", 3) ||
	    strstr(name, "/../") ||
	    (strlen(name) >= 3 && !strcmp(name + strlen(name) - 3, "/..")) ||
	    !strcmp(name, "..")) {
		err_set(FVM_EXIT_FAIL, "package entry '%s' points outside it",
			shown);
		goto bad;
	}
	if (archive_entry_hardlink(e) || archive_entry_symlink(e) ||
	    archive_entry_filetype(e) != AE_IFREG) {
		err_set(FVM_EXIT_FAIL,
			"package entry '%s' is not a regular file", shown);
		goto bad;
	}
	if (*which < 0) {
		err_set(FVM_EXIT_FAIL, "package has an unexpected entry '%s'",
			shown);
		goto bad;
	}
	free(shown);
	return 0;
bad:
	free(shown);
	return -1;
}

static int read_entry_data(struct pack_reader *r, struct archive_entry *e,
			   size_t max, char **data, size_t *len)
{
	la_int64_t size = archive_entry_size(e);
	struct sbuf b = SBUF_INIT;
	/* not r->buf: libarchive may still be reading the tar from there */
	char chunk[16384];

	if (size < 0 || (uint64_t)size > max)
		return err_set(FVM_EXIT_FAIL,
			       "package entry %s is larger than %zu bytes",
			       archive_entry_pathname(e), max);
	for (;;) {
		la_ssize_t n = archive_read_data(r->a, chunk, sizeof(chunk));

		if (n < 0) {
			sbuf_release(&b);
			return read_fail(r, archive_entry_pathname(e));
		}
		if (n == 0)
			break;
		sbuf_add(&b, chunk, (size_t)n);
		if (b.len > max) {
			sbuf_release(&b);
			return err_set(FVM_EXIT_FAIL,
				       "package entry %s is too large",
				       archive_entry_pathname(e));
		}
	}
	*len = b.len;
	*data = sbuf_detach(&b);
	return 0;
}

struct pack_reader *pack_read_open(struct stream *s, struct pack_manifest *m)
{
	struct pack_reader *r = xcalloc(1, sizeof(*r));
	struct archive_entry *e;
	char *text = NULL;
	size_t len = 0;
	int which;

	r->s = s;
	r->m = m;
	r->buf = xmalloc(BUF_SIZE);
	r->a = archive_read_new();
	/* the stream decodes the compression itself (multi-threaded) */
	archive_read_support_format_tar(r->a);
	if (archive_read_open(r->a, r, NULL, read_cb, NULL) != ARCHIVE_OK) {
		read_fail(r, "tar");
		goto fail;
	}
	switch (archive_read_next_header(r->a, &e)) {
	case ARCHIVE_OK:
	case ARCHIVE_WARN:
		break;
	case ARCHIVE_EOF:
		err_set(FVM_EXIT_FAIL, "package is empty");
		goto fail;
	default:
		read_fail(r, "tar");
		goto fail;
	}
	if (check_entry(e, &which) < 0)
		goto fail;
	if (which != PACK_NFILES) {
		err_set(FVM_EXIT_FAIL, "package does not start with %s",
			PACK_MANIFEST);
		goto fail;
	}
	if (read_entry_data(r, e, PACK_MANIFEST_MAX, &text, &len) < 0 ||
	    pack_manifest_parse(text, len, m) < 0) {
		free(text);
		goto fail;
	}
	free(text);
	return r;
fail:
	err_context("package");
	pack_read_close(r);
	return NULL;
}

static int read_disk(struct pack_reader *r, struct archive_entry *e,
		     struct sparse_writer *w)
{
	uint64_t base = w->off;

	if (archive_entry_size(e) < 0 ||
	    (uint64_t)archive_entry_size(e) != r->m->size)
		return err_set(FVM_EXIT_FAIL,
			       "the disk's size (%lld) is not the manifest's "
			       "(%llu)",
			       (long long)archive_entry_size(e),
			       (unsigned long long)r->m->size);
	for (;;) {
		const void *buf;
		size_t len;
		la_int64_t off;
		int rc = archive_read_data_block(r->a, &buf, &len, &off);

		if (rc == ARCHIVE_EOF)
			break;
		if (rc != ARCHIVE_OK && rc != ARCHIVE_WARN)
			return read_fail(r, PACK_DISK);
		if (off < 0 || (uint64_t)off < w->off - base ||
		    (uint64_t)off > r->m->size ||
		    len > r->m->size - (uint64_t)off)
			return err_set(FVM_EXIT_FAIL,
				       "disk data out of order or past its "
				       "end");
		if (sparse_hole(w, base + (uint64_t)off - w->off) < 0 ||
		    sparse_write(w, buf, len) < 0)
			return -1;
	}
	return sparse_hole(w, base + r->m->size - w->off);
}

int pack_read_rest(struct pack_reader *r, struct sparse_writer *w,
		   struct pack_files *f)
{
	struct archive_entry *e;
	bool disk = false;
	int which;

	memset(f, 0, sizeof(*f));
	for (;;) {
		int rc = archive_read_next_header(r->a, &e);

		if (rc == ARCHIVE_EOF)
			break;
		if (rc != ARCHIVE_OK && rc != ARCHIVE_WARN) {
			read_fail(r, "tar");
			goto fail;
		}
		if (check_entry(e, &which) < 0)
			goto fail;
		if (which == PACK_NFILES ||
		    (which == PACK_NFILES + 1 && disk) ||
		    (which < PACK_NFILES && f->data[which])) {
			err_set(FVM_EXIT_FAIL, "package holds %s twice",
				archive_entry_pathname(e));
			goto fail;
		}
		if (which == PACK_NFILES + 1) {
			if (read_disk(r, e, w) < 0)
				goto fail;
			disk = true;
		} else if (read_entry_data(r, e, PACK_FILE_MAX, &f->data[which],
					   &f->len[which]) < 0) {
			goto fail;
		}
	}
	if (!disk) {
		err_set(FVM_EXIT_FAIL, "package holds no %s", PACK_DISK);
		goto fail;
	}
	return 0;
fail:
	err_context("package");
	pack_files_release(f);
	return -1;
}

void pack_read_close(struct pack_reader *r)
{
	if (!r)
		return;
	archive_read_free(r->a);
	free(r->buf);
	free(r);
}

void pack_files_release(struct pack_files *f)
{
	for (int i = 0; i < PACK_NFILES; i++) {
		free(f->data[i]);
		f->data[i] = NULL;
		f->len[i] = 0;
	}
}
