/* lib/pack.h: fvm image packages: a pax tar with a manifest, the sparse disk and the templates. */
#ifndef FVM_PACK_H
#define FVM_PACK_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "stream.h"

/*
 * A package holds, in this order: manifest.json (at most 64 KiB), disk.raw
 * (the raw disk as a sparse entry: only data extents are stored) and, when
 * the image has them, config.xml, hacks.sh and delete-hacks.sh. The tar is
 * compressed by stream_enc: zstd (multi-threaded), xz (multi-threaded,
 * several blocks) or gzip, as two streams one after the other (the
 * manifest entry; the rest), maybe with padding between them that
 * decoders skip: every decoder reads them as one.
 */
#define PACK_VERSION	  1
#define PACK_MANIFEST	  "manifest.json"
#define PACK_DISK	  "disk.raw"
#define PACK_MANIFEST_MAX (64 * 1024)
#define PACK_FILE_MAX	  (1024 * 1024)

enum pack_file { PACK_XML, PACK_HACKS, PACK_DELETE_HACKS, PACK_NFILES };
/* "config.xml", "hacks.sh", "delete-hacks.sh" */
extern const char *const pack_file_names[PACK_NFILES];

struct pack_manifest {
	int version;
	char *name;	 /* the image's name where it was exported */
	uint64_t size;	 /* disk size in bytes */
	char sha256[65]; /* of the whole disk, holes read as zeros */
	char *created;	 /* ISO 8601 UTC */
};
/* JSON text of a manifest (malloc'd) */
char *pack_manifest_json(const struct pack_manifest *m);
/* Parse a manifest; unknown keys are ignored, a newer format version or
 * a missing key is an error. */
int pack_manifest_parse(const char *text, size_t len, struct pack_manifest *m);
void pack_manifest_release(struct pack_manifest *m);

/* Where the data of a disk is: extents of non-zero STREAM_CHUNKs. */
struct pack_extent {
	uint64_t off, len;
};
struct pack_scan {
	struct pack_extent *v;
	size_t n;
	uint64_t data; /* bytes in extents */
	char sha256[65];
};
/*
 * Read a disk of size bytes once: files are read only where SEEK_DATA
 * finds data; block devices (thin LVs read zeros where unmapped) are
 * read whole. Chunks of zeros inside data are holes too.
 */
int pack_scan_disk(int fd, uint64_t size, bool progress, struct pack_scan *sc);
/* The same read, for the extents only: sc->sha256 stays empty. */
int pack_scan_map(int fd, uint64_t size, bool progress, struct pack_scan *sc);

/*
 * The disk's SHA-256 from its extent map: only the extents are read, the
 * rest is hashed as zeros, so the sum is pack_scan_disk's. Made to run in
 * a thread of its own while the package is written: it records no error
 * (err and err_off tell the caller what failed) and ends early, with err
 * ECANCELED, once stop is set. The caller makes and finishes h.
 */
#define PACK_HASH_BUF (1024u * 1024)
struct pack_hash {
	int fd;
	uint64_t size;
	const struct pack_scan *scan;
	struct stream_hash *h;
	unsigned char *buf;    /* PACK_HASH_BUF bytes */
	atomic_bool stop;      /* set by the caller: end early */
	atomic_bool finished;  /* set at the end, either way */
	_Atomic uint64_t done; /* bytes of the disk hashed so far */
	int rc;		       /* pack_scan_hash's */
	int err;	       /* errno; 0: the disk ended early */
	uint64_t err_off;      /* where it failed */
};
int pack_scan_hash(struct pack_hash *j);
void pack_scan_release(struct pack_scan *sc);

struct pack_out {
	const char *name;
	int disk_fd;
	uint64_t size;
	const struct pack_scan *scan;
	const char *files[PACK_NFILES]; /* paths, NULL when absent */
	enum stream_codec codec; /* STREAM_XZ, STREAM_ZSTD, STREAM_GZIP */
	int level;		 /* STREAM_LEVEL_DEFAULT: the codec's */
	unsigned threads;	 /* 0: every CPU */
	int out_fd;
	bool progress;
};
int pack_write(const struct pack_out *o);

/*
 * Reading a package from a stream (its content STREAM_PACKAGE): the
 * manifest must come first; pack_read_rest then decodes disk.raw straight
 * into the writer (gaps between blocks stay holes) and keeps the other
 * files in memory. Entries other than the known names, links, directories
 * and duplicates are refused.
 */
struct pack_reader;
struct pack_reader *pack_read_open(struct stream *s, struct pack_manifest *m);
struct pack_files {
	char *data[PACK_NFILES]; /* NULL when absent */
	size_t len[PACK_NFILES];
};
int pack_read_rest(struct pack_reader *r, struct sparse_writer *w,
		   struct pack_files *f);
void pack_read_close(struct pack_reader *r);
void pack_files_release(struct pack_files *f);

#endif
