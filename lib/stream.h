/* lib/stream.h: import sources, format sniffing, decoders, sparse writer, hashing, progress. */
#ifndef FVM_STREAM_H
#define FVM_STREAM_H

#include "util.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* How the source's bytes are compressed (told by magic bytes only). */
enum stream_codec {
	STREAM_PLAIN,
	STREAM_XZ,
	STREAM_GZIP,
	STREAM_ZSTD,
};

/* What the decoded bytes are. */
enum stream_content {
	STREAM_RAW,	/* a raw disk */
	STREAM_QCOW2,	/* a qcow2 disk */
	STREAM_PACKAGE, /* an fvm package (tar with a manifest) */
};

struct stream_opts {
	const char *curl_opts; /* CURL_OPTS: curl options for http(s) */
	bool progress;	       /* progress on stderr (only when a tty) */
};

struct stream;

/*
 * Open source: a path, "-" for stdin or an http/https URL (fetched by
 * libcurl into the decoder, never into a temporary file), sniff its
 * codec and content by magic bytes and set the decoder up. HTML or text
 * (an error page served with status 200) and empty sources are refused.
 * NULL with the error recorded: FVM_EXIT_NOTFOUND for a missing file,
 * FVM_EXIT_FAIL for the rest (HTTP errors name the status).
 */
struct stream *stream_open(const char *source, const struct stream_opts *o);
enum stream_codec stream_codec(const struct stream *s);
enum stream_content stream_content(const struct stream *s);
const char *stream_codec_name(enum stream_codec c); /* "xz" */
/* Decoded size when known without decoding: a plain regular file's size,
 * a qcow2 disk's virtual size; else -1. */
int64_t stream_decoded_size(const struct stream *s);
/* The path of a plain (uncompressed) regular file source, else NULL. */
const char *stream_local_path(const struct stream *s);
/* That file's descriptor, the one whose bytes were sniffed, else -1:
 * hand this to other programs, not the path (which may name another
 * file by now, or mean something else to them). */
int stream_local_fd(const struct stream *s);
/*
 * Read decoded bytes: > 0 bytes, 0 at the end (only once the codec saw a
 * complete stream: a truncated file is an error), -1 with the error
 * recorded ("truncated xz data", "HTTP error 404", "interrupted").
 */
ssize_t stream_read(struct stream *s, void *buf, size_t len);
void stream_close(struct stream *s);

/* Pure parts, for unit tests. */
enum stream_codec stream_sniff_codec(const unsigned char *p, size_t n);
/* -1 with the error recorded for HTML, text, or a qcow2 disk that reads
 * other files (backing file, external data file); *size gets a qcow2
 * disk's virtual size (else -1). */
int stream_sniff_content(const unsigned char *p, size_t n,
			 enum stream_content *content, int64_t *size);
/* fast-vm's published names: "20g__c7.img.xz" gives 20 GiB; 0 if none */
uint64_t stream_name_size(const char *source);

/*
 * CURL_OPTS as fast-vm passed it to curl (split on blanks, no quoting):
 * the options fvm understands become libcurl settings; others are
 * ignored with a warning. Parsed into this for tests.
 */
struct stream_curl_opts {
	bool insecure;	      /* -k, --insecure */
	char *cacert;	      /* --cacert FILE */
	char *capath;	      /* --capath DIR */
	char *proxy;	      /* -x, --proxy URL */
	char *noproxy;	      /* --noproxy LIST */
	char *user;	      /* -u, --user USER:PASSWORD */
	char *user_agent;     /* -A, --user-agent TEXT */
	long connect_timeout; /* --connect-timeout SECONDS */
	long max_time;	      /* -m, --max-time SECONDS */
	int ipresolve;	      /* -4: 4, -6: 6, else 0 */
	struct strv headers;  /* -H, --header */
	struct strv ignored;  /* options not understood */
};
int stream_parse_curl_opts(const char *text, struct stream_curl_opts *o);
void stream_curl_opts_release(struct stream_curl_opts *o);

/*
 * The sparse writer: writes a disk image at increasing offsets into fd,
 * skipping every all-zero chunk (STREAM_CHUNK, aligned to the disk) so
 * holes stay holes; the target must read zeros where nothing is written
 * (a fresh sparse file or thin LV). It hashes everything (SHA-256, holes
 * as zeros) on the way. Writing past limit is an error naming it.
 */
#define STREAM_CHUNK (64u * 1024)
struct sparse_writer {
	int fd;
	uint64_t off;	  /* next offset */
	uint64_t limit;	  /* size of the target (UINT64_MAX: grows) */
	uint64_t written; /* bytes really written */
	const char *what; /* for messages */
	void *sha;	  /* EVP_MD_CTX */
};
int sparse_init(struct sparse_writer *w, int fd, uint64_t limit,
		const char *what);
int sparse_write(struct sparse_writer *w, const void *buf, size_t len);
/* len bytes of zeros */
int sparse_hole(struct sparse_writer *w, uint64_t len);
/* hex SHA-256 of what was written so far, writing may go on */
void sparse_digest(struct sparse_writer *w, char *hex);
/* hex SHA-256 of everything written (hex: 65 bytes) */
void sparse_finish(struct sparse_writer *w, char *hex);
void sparse_release(struct sparse_writer *w);

/* true when all len bytes are zero */
bool stream_is_zero(const void *buf, size_t len);

/* Hashing (OpenSSL EVP): name is "sha256" or "sha512". */
struct stream_hash;
struct stream_hash *stream_hash_new(const char *name);
void stream_hash_update(struct stream_hash *h, const void *buf, size_t len);
/* hex digest of what came so far; h goes on */
void stream_hash_peek(struct stream_hash *h, char *hex);
/* hex digest (hex: 129 bytes suffice), h is freed */
void stream_hash_final(struct stream_hash *h, char *hex);

/*
 * Progress on stderr, only when stderr is a tty and want is set (-q
 * clears it): bytes, rate and, when total is known (not 0), the
 * percentage and ETA. The line is drawn at the first update, then at
 * most 4 times a second, rewritten in place; progress_end draws it a
 * last time with the elapsed time and ends it. done never shows above
 * total.
 */
struct stream_progress {
	bool on, shown;
	const char *label;
	uint64_t total, done;
	double start, last;
};
void progress_start(struct stream_progress *p, bool want, const char *label,
		    uint64_t total);
void progress_update(struct stream_progress *p, uint64_t done);
void progress_end(struct stream_progress *p);

/*
 * Compressing encoder for packages and fast-vm's bare compressed disks:
 * xz through liblzma's multi-threaded encoder (16 MiB blocks, so the
 * result decodes in parallel), zstd with workers, gzip (one thread).
 * level STREAM_LEVEL_DEFAULT is the codec's default (xz 6, zstd 3,
 * gzip 6); threads 0 means every online CPU. Output goes to fd.
 */
#define STREAM_LEVEL_DEFAULT (-1000)
struct stream_enc;
struct stream_enc *stream_enc_new(enum stream_codec codec, int level,
				  unsigned threads, int fd);
/* -1 with the error recorded when level is out of the codec's range
 * (xz 0-9, zstd 1-19, gzip 1-9) */
int stream_level_check(enum stream_codec codec, int level);
int stream_enc_write(struct stream_enc *e, const void *buf, size_t len);
/*
 * Keep the compressed output in memory instead of writing it, up to cap
 * bytes: when more comes, or at stream_enc_finish at the latest,
 * ready(ud) is called first (it may write to the fd: whatever has to come
 * before this stream), then what was held is written and the rest goes
 * straight to the fd. ready failing (-1, error recorded) fails the write
 * and every later one. Without the memory, ready is called at once (its
 * result returned) and the output is not held.
 */
int stream_enc_hold(struct stream_enc *e, size_t cap, int (*ready)(void *ud),
		    void *ud);
/* flush the end; the encoder is freed either way */
int stream_enc_finish(struct stream_enc *e);
void stream_enc_abort(struct stream_enc *e);
/* The most bytes one stream of len bytes can take, however compressed. */
size_t stream_enc_bound(enum stream_codec codec, size_t len);
/*
 * Write len bytes that decoders skip where a stream may follow: a zstd
 * skippable frame or an empty gzip member with an extra field;
 * STREAM_PAD_MIN to 65000 bytes. Not for xz: its stream padding is
 * valid, yet Python's lzma module stops reading there.
 */
#define STREAM_PAD_MIN 26
int stream_enc_pad(enum stream_codec codec, int fd, size_t len);
/* "xz" "zst" "gz" as file name extensions; -1 for an unknown name */
int stream_codec_parse(const char *name, enum stream_codec *c);
const char *stream_codec_ext(enum stream_codec c);

/* Online CPUs, at least 1: the thread count of the codecs. */
unsigned stream_threads(void);

#endif
