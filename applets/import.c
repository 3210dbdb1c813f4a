/* applets/import.c: `fvm import NAME SOURCE [XML [HACKS [DELETE_HACKS]]]`: an image from a file, stdin, URL or package. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../lib/log.h"
#include "../lib/fault.h"
#include "../lib/pack.h"
#include "../lib/proc.h"
#include "../lib/stream.h"
#include "../lib/txn.h"
#include "../cli/image.h"

/* the options' values (the table binds them) */
static struct {
	uint64_t size;
	bool quiet, json;
} opt;

/* --json: one object */
enum { I_IMAGE, I_DISK, I_SOURCE, I_SIZE, I_WRITTEN, I_SHA, I_N };
static const struct out_col import_cols[] = {
	[I_IMAGE] = { "image", "Image", OUT_STR },
	[I_DISK] = { "disk", "Disk", OUT_STR },
	[I_SOURCE] = { "source", "Source", OUT_STR },
	[I_SIZE] = { "size", "Size", OUT_INT },
	[I_WRITTEN] = { "written", "Written", OUT_INT },
	[I_SHA] = { "sha256", "SHA-256", OUT_STR },
};

static const struct opt import_opts[] = {
	OPT_SIZE('s', "size", &opt.size, "SIZE",
		 "size of the image (10G, 512M; a plain number is GiB)"),
	OPT_JSON(&opt.json),
	OPT_QUIET(&opt.quiet, "print nothing but errors (and no progress)"),
	OPT_END(),
};

const struct applet_info import_info = {
	.usage = "NAME SOURCE|empty [XML [HACKS [DELETE_HACKS]]]",
	.description =
		"Import image NAME from SOURCE: a file, - for stdin, or an "
		"http/https URL (fetched straight into the image with "
		"CURL_OPTS; --cacert, -k, --proxy and a few more are "
		"understood). What SOURCE is comes from its first bytes, not "
		"its name: xz (decoded on all CPUs when it has several "
		"blocks), gzip, zstd or uncompressed, holding a raw disk, a "
		"qcow2 disk (converted by qemu-img) or an fvm package made by "
		"fvm export (its templates come along and its SHA-256 is "
		"checked). An HTML page or text is refused. All-zero chunks "
		"are not written, so the image stays sparse.\n"
		"The size is --size, else fast-vm's NNg__ file name prefix "
		"(20g__c7.img.xz), else the package's or qcow2's size, else "
		"the raw file's; data of unknown size (stdin, URL) gives its "
		"own size rounded up to 1 MiB in a dir store and fast-vm's "
		"10 GiB on lvm. SOURCE empty makes an empty image (--size, "
		"default 10G).\n"
		"XML, HACKS and DELETE_HACKS are copied to config-NAME.xml, "
		"hacks-NAME.sh and delete-hacks-NAME.sh in /etc/fast-vm for "
		"root, else ~/.fast-vm; they win over a package's. One of "
		"them may be - for standard input (at most 1 MiB, as any "
		"of them), unless SOURCE is - already: standard input is "
		"read once. The "
		"image's SHA-256 is kept beside it (dir store: "
		"images/DISK.sha256; lvm: FVM_STORE_DIR/sha256/DISK.sha256) "
		"for fvm image-verify.\n"
		"The image is written under a temporary name and appears only "
		"when complete: a failure or Ctrl-C leaves nothing behind.\n"
		"Exit status 3: SOURCE or a template file not found; 4: the "
		"image exists already or is busy.",
	.opts = import_opts,
	.min_args = 2,
	.max_args = 5,
	.args = { OPT_C_WORDS, OPT_C_FILE },
	.repeat_last = true,
	.examples = "Import image c7 from a compressed disk with its template, "
		    "then an image fetched from a web server:\n"
		    "$ fvm import c7 20g__c7.img.xz config-c7.xml\n"
		    "$ fvm import -s 20G deb12 "
		    "https://example.com/deb12.img.xz deb12.xml\n"
		    "Make an empty 10 GiB image:\n"
		    "$ fvm import -s 10G scratch empty",
	.see_also =
		"fvm-export(1), fvm-images(1), fvm-image-rm(1), fvm-create(1)",
};

#define IMPORT_BUF (1024u * 1024)
#define MIB	   ((uint64_t)1 << 20)
/* data of unknown size grows the image up to the largest disk fvm makes
 * (fvm helper's 64 TiB); --size sets any other bound */
#define IMPORT_GROW_MAX ((uint64_t)1 << 46)

static const char *const conf_file_fmt[PACK_NFILES] = {
	[PACK_XML] = "config-%s.xml",
	[PACK_HACKS] = "hacks-%s.sh",
	[PACK_DELETE_HACKS] = "delete-hacks-%s.sh",
};

struct import {
	const char *name, *source;
	const char *files[PACK_NFILES]; /* from the command line */
	char *in_data;			/* the one given as -, read early */
	size_t in_len;
	uint64_t size; /* --size, 0: not given */
	bool quiet;
	struct fvm_conf *c;
	struct store *s;
	struct txn txn;
	char *disk, *tmp;	   /* the image's disk, its temporary name */
	char *staged[PACK_NFILES]; /* config files written, not yet named */
	char *final[PACK_NFILES];
	char sha[65];
	uint64_t written;
};

static int undo_remove_disk(void *arg)
{
	struct import *im = arg;

	return store_image_remove(im->s, im->tmp);
}

static int undo_rename(void *arg)
{
	struct import *im = arg;

	return store_rename(im->s, im->disk, im->tmp);
}

static int undo_unlink(void *arg)
{
	if (unlink(arg) < 0 && errno != ENOENT)
		return err_sys(FVM_EXIT_FAIL, "cannot remove %s", (char *)arg);
	return 0;
}

/* Write the templates under hidden names now; they get their real names
 * once the image has its own (import_publish). */
static int stage_files(struct import *im, const struct pack_files *pf)
{
	const char *dir = image_conf_dir();

	if (mkdir(dir, 0755) < 0 && errno != EEXIST)
		return err_sys(FVM_EXIT_FAIL, "%s", dir);
	for (int i = 0; i < PACK_NFILES; i++) {
		char *data = NULL, *base;
		size_t len = 0;
		int fd;
		bool ok;

		if (im->files[i] && !strcmp(im->files[i], "-")) {
			data = xstrndup(im->in_data, im->in_len);
			len = im->in_len;
		} else if (im->files[i]) {
			if (read_file_max(im->files[i], PACK_FILE_MAX, &data,
					  &len) < 0)
				return -1;
		} else if (pf && pf->data[i]) {
			data = xstrndup(pf->data[i], pf->len[i]);
			len = pf->len[i];
		} else {
			continue;
		}
		base = xasprintf(conf_file_fmt[i], im->name);
		im->final[i] = xasprintf("%s/%s", dir, base);
		im->staged[i] = xasprintf("%s/.%s.fvm-import", dir, base);
		free(base);
		fd = open(im->staged[i],
			  O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW,
			  i == PACK_XML ? 0644 : 0755);
		if (fd < 0) {
			free(data);
			return err_sys(FVM_EXIT_FAIL, "%s", im->staged[i]);
		}
		txn_push(&im->txn, im->staged[i], undo_unlink, im->staged[i],
			 NULL);
		ok = write(fd, data, len) == (ssize_t)len;
		/* umask may have narrowed them; fast-vm's chmod +r / +rx */
		ok = ok && fchmod(fd, i == PACK_XML ? 0644 : 0755) == 0;
		ok = close(fd) == 0 && ok;
		free(data);
		if (!ok)
			return err_sys(FVM_EXIT_FAIL, "%s", im->staged[i]);
	}
	fault_point("import.after-stage");
	return 0;
}

/* The disk's rename is the commit point, last: a crash before it leaves
 * no image, only what fvm doctor removes (the temporary disk, staged
 * files) and files an import of the same name overwrites (the checksum,
 * templates); never an image without its templates or checksum. */
static int import_publish(struct import *im)
{
	char *sha;

	if (image_sha_write(im->disk, im->sha) < 0)
		return -1;
	sha = image_sha_path(im->disk);
	txn_push(&im->txn, sha, undo_unlink, sha, free);
	fault_point("import.after-checksum");
	for (int i = 0; i < PACK_NFILES; i++) {
		if (!im->staged[i])
			continue;
		if (rename(im->staged[i], im->final[i]) < 0)
			return err_sys(FVM_EXIT_FAIL, "%s", im->final[i]);
		txn_push(&im->txn, im->final[i], undo_unlink, im->final[i],
			 NULL);
		fault_point("import.after-install");
	}
	if (store_rename(im->s, im->tmp, im->disk) < 0)
		return -1;
	txn_push(&im->txn, "image name", undo_rename, im, NULL);
	fault_point("import.after-rename");
	return 0;
}

/* Create the temporary disk and open it for writing. */
static int create_target(struct import *im, uint64_t size, int *fd,
			 uint64_t *limit)
{
	struct store_usage u;
	char *path;

	/* a leftover of a killed import of this name (we hold its lock) */
	if (store_exists(im->s, im->tmp) &&
	    store_image_remove(im->s, im->tmp) < 0)
		return -1;
	if (store_image_create(im->s, im->tmp, size) < 0)
		return -1;
	txn_push(&im->txn, im->tmp, undo_remove_disk, im, NULL);
	fault_point("import.after-target");
	if (store_usage(im->s, im->tmp, &u) < 0)
		return -1;
	if (limit)
		*limit = u.size;
	path = store_disk_path(im->s, im->tmp);
	if (!path)
		return -1;
	*fd = open(path, O_RDWR | O_CLOEXEC);
	if (*fd < 0)
		err_sys(FVM_EXIT_FAIL, "%s", path);
	free(path);
	return *fd < 0 ? -1 : 0;
}

/* Copy the decoded stream into w; more than cap bytes in all is an
 * error, too_much saying why. */
static int copy_stream(struct stream *st, struct sparse_writer *w, uint64_t cap,
		       const char *too_much)
{
	unsigned char *buf = xmalloc(IMPORT_BUF);
	int rc = 0;

	for (;;) {
		ssize_t n = stream_read(st, buf, IMPORT_BUF);

		if (n > 0 && (uint64_t)n > cap - w->off) {
			rc = err_set(FVM_EXIT_FAIL, "%s", too_much);
			break;
		}
		if (n < 0 || (n > 0 && sparse_write(w, buf, (size_t)n) < 0)) {
			rc = -1;
			break;
		}
		if (n == 0)
			break;
	}
	free(buf);
	return rc;
}

static int undo_unlink_free(void *arg)
{
	return undo_unlink(arg);
}

/* A local source only its owner (the importer) can change: nobody can
 * rewrite the header fvm checked before qemu-img reads it. */
static bool source_is_ours(int fd)
{
	struct stat st;

	return fd >= 0 && fstat(fd, &st) == 0 && S_ISREG(st.st_mode) &&
	       st.st_uid == geteuid() && !(st.st_mode & 022);
}

/*
 * qcow2: qemu-img turns it into the raw image. It reads the very file
 * whose header fvm checked (no backing file, no external data file),
 * handed over as /dev/fd/3 with the driver pinned and no backing file,
 * never by name: qemu-img would read a name such as json:{...} or nbd:
 * its own way, and a path may name another file by then. A compressed or
 * remote source, or a file someone else could rewrite meanwhile, is first
 * decoded into a file of fvm's own in the store dir. The checksum is of
 * the raw result.
 */
static int import_qcow2(struct import *im, struct stream *st, int fd)
{
	static char json[] = "json:{\"driver\":\"qcow2\",\"backing\":null,"
			     "\"file\":{\"driver\":\"file\","
			     "\"filename\":\"/dev/fd/3\"}}";
	int src_fd = stream_local_fd(st), tfd = -1;
	char *path = store_disk_path(im->s, im->tmp), *tmpf = NULL;
	char *err = NULL;
	struct proc_opts po = { 0 };
	struct pack_scan sc;
	struct store_usage u;
	int rc = -1;

	if (!path)
		return -1;
	if (!source_is_ours(src_fd)) {
		struct sparse_writer w;
		uint64_t vsize, cap;
		char *too_much;

		if (mkdir(im->c->store_dir, 0755) < 0 && errno != EEXIST) {
			err_sys(FVM_EXIT_FAIL, "%s", im->c->store_dir);
			goto out;
		}
		tmpf = xasprintf("%s/.fvm-import-%s.XXXXXX", im->c->store_dir,
				 im->name);
		tfd = mkostemp(tmpf, O_CLOEXEC);
		if (tfd < 0) {
			err_sys(FVM_EXIT_FAIL, "%s", tmpf);
			goto out;
		}
		txn_push(&im->txn, tmpf, undo_unlink_free, tmpf, free);
		/* a qcow2 file is its data plus tables: twice the disk's
		 * size and 64 MiB is more than any real one holds */
		vsize = (uint64_t)stream_decoded_size(st);
		cap = vsize > (UINT64_MAX - 64 * MIB) / 2 ?
			      UINT64_MAX :
			      2 * vsize + 64 * MIB;
		too_much = xasprintf("%s: the qcow2 data is larger than %llu "
				     "bytes, twice its disk's size and 64 "
				     "MiB: not a qcow2 disk fvm imports",
				     im->name, (unsigned long long)cap);
		sparse_init(&w, tfd, UINT64_MAX, tmpf);
		rc = copy_stream(st, &w, cap, too_much);
		free(too_much);
		sparse_release(&w);
		/* the file's length must cover trailing zeros too */
		if (rc == 0 && ftruncate(tfd, (off_t)w.off) < 0)
			rc = err_sys(FVM_EXIT_FAIL, "%s", tmpf);
		if (rc < 0)
			goto out;
		rc = -1;
		src_fd = tfd;
	}
	{
		char *argv[] = {
			"qemu-img", "convert", "-q", "-n", "--target-is-zero",
			"-O",	    "raw",     json, path, NULL
		};
		int st_rc;

		po.fd3 = src_fd;
		st_rc = proc_run_opts(argv, &po, NULL, &err);
		/* the decoded copy is not needed any more, whatever came */
		if (tmpf)
			unlink(tmpf);
		if (st_rc != 0) {
			if (st_rc > 0) {
				char *line = proc_last_line(err);

				err_set(FVM_EXIT_FAIL, "qemu-img convert: %s",
					line);
				free(line);
			}
			goto out;
		}
	}
	if (store_usage(im->s, im->tmp, &u) < 0 ||
	    pack_scan_disk(fd, u.size, !im->quiet, &sc) < 0)
		goto out;
	memcpy(im->sha, sc.sha256, sizeof(im->sha));
	im->written = sc.data;
	pack_scan_release(&sc);
	rc = 0;
out:
	if (tfd >= 0)
		close(tfd);
	free(err);
	free(path);
	return rc;
}

/* A thin pool out of data space fails the writes that reach it with
 * EIO, not ENOSPC: say that the store is full rather than "I/O error". */
static int sync_error(struct import *im)
{
	struct store_pool p = { 0 };
	int e = errno;

	if (e == EIO && store_pool_status(im->s, &p) == 0 && p.size &&
	    p.used >= p.size)
		return err_set(FVM_EXIT_FAIL,
			       "%s: disk full (no space left in the store: "
			       "%llu of %llu bytes used)",
			       im->name, (unsigned long long)p.used,
			       (unsigned long long)p.size);
	err_clear();
	errno = e;
	return err_sys(FVM_EXIT_FAIL, "%s: cannot sync", im->name);
}

static uint64_t round_up(uint64_t v, uint64_t to)
{
	return (v + to - 1) / to * to;
}

static int import_run(struct import *im)
{
	struct stream_opts so = { im->c->curl_opts, !im->quiet };
	struct pack_manifest m = { 0 };
	struct pack_reader *pr = NULL;
	struct pack_files pf = { 0 };
	struct stream *st = NULL;
	struct sparse_writer w = { .fd = -1 };
	uint64_t size = im->size, limit = 0;
	bool grow = false;
	int fd = -1, rc = -1;

	if (!strcmp(im->source, "empty")) {
		if (create_target(im, size ? size : 10 * GIB, &fd, &limit) < 0)
			goto out;
		/* an empty image reads zeros */
		sparse_init(&w, fd, limit, im->name);
		if (sparse_hole(&w, limit) < 0)
			goto out;
		sparse_finish(&w, im->sha);
		goto publish;
	}
	st = stream_open(im->source, &so);
	if (!st)
		goto out;
	if (stream_content(st) == STREAM_PACKAGE) {
		pr = pack_read_open(st, &m);
		if (!pr)
			goto out;
		if (size && size < m.size) {
			err_set(FVM_EXIT_USAGE,
				"--size is smaller than the package's disk "
				"(%llu bytes)",
				(unsigned long long)m.size);
			goto out;
		}
		if (!size)
			size = m.size;
	}
	if (!size)
		size = stream_name_size(im->source);
	if (!size && stream_decoded_size(st) > 0)
		size = (uint64_t)stream_decoded_size(st);
	if (!size) {
		/* a thin LV needs its size first; a file can grow */
		if (store_caps(im->s) & STORE_CAP_GROWS) {
			grow = true;
			size = MIB;
		} else {
			size = 10 * GIB;
		}
	}
	if (create_target(im, size, &fd, &limit) < 0)
		goto out;
	if (stream_content(st) == STREAM_QCOW2) {
		if (import_qcow2(im, st, fd) < 0)
			goto out;
		goto publish;
	}
	sparse_init(&w, fd, grow ? IMPORT_GROW_MAX : limit, im->name);
	if (pr) {
		if (pack_read_rest(pr, &w, &pf) < 0)
			goto out;
	} else if (copy_stream(st, &w, UINT64_MAX, NULL) < 0) {
		goto out;
	}
	if (pr) {
		char got[65];

		sparse_digest(&w, got);
		if (strcmp(got, m.sha256)) {
			err_set(FVM_EXIT_FAIL,
				"package disk data does not match its "
				"manifest's sha256 (corrupt package)");
			goto out;
		}
	}
	/* the checksum kept is of the whole image, zeros after the data
	 * included */
	if (grow) {
		uint64_t end = round_up(w.off, MIB);

		if (sparse_hole(&w, end - w.off) < 0)
			goto out;
		close(fd);
		fd = -1;
		if (store_resize(im->s, im->tmp, end, false) < 0)
			goto out;
	} else if (sparse_hole(&w, limit - w.off) < 0) {
		goto out;
	}
	im->written = w.written;
	sparse_finish(&w, im->sha);
publish:
	if (fd >= 0) {
		if (fdatasync(fd) < 0) {
			sync_error(im);
			goto out;
		}
		close(fd);
		fd = -1;
	}
	if (txn_interrupted()) {
		err_set(FVM_EXIT_FAIL, "interrupted");
		goto out;
	}
	fault_point("import.after-write");
	if (stage_files(im, &pf) < 0 || import_publish(im) < 0)
		goto out;
	rc = 0;
out:
	sparse_release(&w);
	if (fd >= 0)
		close(fd);
	pack_files_release(&pf);
	pack_read_close(pr);
	pack_manifest_release(&m);
	stream_close(st);
	return rc;
}

static void import_report(struct import *im)
{
	struct out_table *t = out_table_new(import_cols, I_N);
	struct store_usage u = { 0 };

	store_usage(im->s, im->disk, &u);
	out_str(t, I_IMAGE, im->name);
	out_str(t, I_DISK, im->disk);
	out_str(t, I_SOURCE, im->source);
	out_int(t, I_SIZE, (long long)u.size);
	out_int(t, I_WRITTEN, (long long)im->written);
	out_str(t, I_SHA, im->sha);
	out_print_record(t, OUT_JSON, stdout);
	out_table_free(t);
}

int import_main(int argc, char **argv)
{
	static const char *const what[PACK_NFILES] = { "XML", "hacks",
						       "delete-hacks" };
	struct import im = { 0 };
	struct lock l = LOCK_INIT;
	int rc, stdin_file = -1;

	applet_args(&argc, &argv);
	im.size = opt.size;
	im.quiet = opt.quiet;
	im.name = argv[0];
	im.source = argv[1];
	image_check_name(im.name);
	for (int i = 0; i < PACK_NFILES && 2 + i < argc; i++) {
		im.files[i] = argv[2 + i];
		if (strcmp(im.files[i], "-")) {
			image_check_file(im.files[i], what[i]);
			continue;
		}
		if (!strcmp(im.source, "-"))
			usage_error("%s file -: standard input is read once, "
				    "and SOURCE is - already",
				    what[i]);
		if (stdin_file >= 0)
			usage_error("%s file -: standard input is read once, "
				    "and the %s file is - already",
				    what[i], what[stdin_file]);
		stdin_file = i;
	}
	/* now, before anything is made: too big, nothing changes */
	if (stdin_file >= 0 && read_fd_max(0, "standard input", PACK_FILE_MAX,
					   &im.in_data, &im.in_len) < 0) {
		err_context("%s file -", what[stdin_file]);
		die_err();
	}
	im.c = applet_conf();
	im.s = image_store();
	im.disk = image_disk(im.name);
	/* '+' is in no image name: the temporary disk never collides */
	im.tmp = xasprintf("fvm+import+%s", im.name);
	txn_signals_block();
	if (image_lock(&l, im.name, true) < 0)
		die_err();
	fault_point("import.after-lock");
	if (store_exists(im.s, im.disk))
		die(FVM_EXIT_CONFLICT,
		    "image %s exists already (disk %s): fvm image-rm it first",
		    im.name, im.disk);
	if (store_check_watermark(im.s, im.c->pool_watermark) < 0)
		die_err();
	rc = import_run(&im);
	if (rc < 0) {
		rc = report_err();
		if (rc == 0)
			rc = FVM_EXIT_FAIL;
		txn_rollback(&im.txn);
	} else {
		txn_commit(&im.txn);
		log_vm(im.c, LOG_INFO, -1, "image '%s' imported from %s",
		       im.name, im.source);
		if (!im.files[PACK_XML] && !im.staged[PACK_XML] && !im.quiet) {
			char *x = xasprintf("config-%s.xml", im.name);

			if (!image_file_exists(im.c->user_dir, x) &&
			    !image_file_exists(im.c->system_dir, x))
				warning("no XML template %s: fvm create "
					"needs one",
					x);
			free(x);
		}
		if (opt.json)
			import_report(&im);
		else if (!im.quiet) {
			struct store_usage u = { 0 };

			store_usage(im.s, im.disk, &u);
			printf("image %s imported: %llu bytes, %llu written, "
			       "sha256 %s\n",
			       im.name, (unsigned long long)u.size,
			       (unsigned long long)im.written, im.sha);
		}
	}
	lock_drop(&l);
	for (int i = 0; i < PACK_NFILES; i++) {
		free(im.staged[i]);
		free(im.final[i]);
	}
	free(im.in_data);
	free(im.disk);
	free(im.tmp);
	return rc;
}
