/* applets/export.c: `fvm export NAME [DEST|-]`: an image as an fvm package or fast-vm's bare compressed disk. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../lib/pack.h"
#include "../lib/stream.h"
#include "../lib/txn.h"
#include "../cli/image.h"

static int parse_codec(const struct opt *o, const char *arg);

/* the options' values (the table binds them) */
static struct {
	int format;		 /* FORMAT_*: the index of --format's word */
	enum stream_codec codec; /* STREAM_PLAIN: the format's default */
	int level, threads;
	bool force, quiet, json;
} opt = { .codec = STREAM_PLAIN, .level = STREAM_LEVEL_DEFAULT };

/* --json: one object */
enum { E_IMAGE, E_FILE, E_FORMAT, E_COMPRESS, E_SIZE, E_BYTES, E_N };
static const struct out_col export_cols[] = {
	[E_IMAGE] = { "image", "Image", OUT_STR },
	[E_FILE] = { "file", "File", OUT_STR },
	[E_FORMAT] = { "format", "Format", OUT_STR },
	[E_COMPRESS] = { "compression", "Compression", OUT_STR },
	[E_SIZE] = { "size", "Size", OUT_INT },
	[E_BYTES] = { "bytes", "Bytes", OUT_INT },
};

enum { FORMAT_FVM, FORMAT_LEGACY };

static const struct opt export_opts[] = {
	OPT_CHOICE('F', "format", &opt.format, "FORMAT",
		   "fvm (package with templates, default) or legacy "
		   "(fast-vm's NNg__NAME.img.EXT)",
		   "fvm legacy"),
	OPT_CALLBACK_WORDS('c', "compress", &opt.codec, "CODEC",
			   "zstd (default), xz (legacy's default) or gz",
			   parse_codec, "zstd xz gz"),
	OPT_INT(0, "level", &opt.level, "N",
		"compression level: zstd 1-19 (default 3), xz 0-9 "
		"(default 6), gz 1-9 (default 6)",
		0, 19),
	OPT_INT('T', "threads", &opt.threads, "N",
		"compress on N threads (default 0: every CPU; gz uses one)", 0,
		1024),
	OPT_BOOL('f', "force", &opt.force, "replace DEST when it exists"),
	OPT_JSON(&opt.json),
	OPT_QUIET(&opt.quiet, "print nothing but errors (and no progress)"),
	OPT_END(),
};

const struct applet_info export_info = {
	.usage = "NAME [DEST|-]",
	.description =
		"Export image NAME to DEST (a file or a directory; - for "
		"stdout). The fvm format is a pax tar holding manifest.json "
		"(name, size, sha256, format version, creation time), the "
		"disk as a sparse entry (only its data is stored) and the "
		"image's config.xml, hacks.sh and delete-hacks.sh, compressed "
		"with zstd on all CPUs (or xz, gz); fvm import takes it back "
		"with its templates and checks the sha256, so `fvm export c7 "
		"- | ssh host2 fvm import c7 -` moves an image. The legacy "
		"format is fast-vm's: the bare compressed raw disk, named "
		"SIZEg__NAME.img.xz (xz in 16 MiB blocks, so it decodes in "
		"parallel).\n"
		"The default DEST is NAME.fvm.tar.zst (legacy: "
		"SIZEg__NAME.img.xz) "
		"in the current directory. A file is written under a temporary "
		"name and renamed when complete.\n"
		"Exit status 3: no image NAME; 4: DEST exists or the image is "
		"busy.",
	.opts = export_opts,
	.min_args = 1,
	.max_args = 2,
	.args = { OPT_C_IMAGE, OPT_C_FILE },
	.examples = "Export image c7 as a package with its templates, then in "
		    "fast-vm's format compressed with zstd:\n"
		    "$ fvm export c7 c7.fvm\n"
		    "$ fvm export -F legacy -c zstd c7",
	.see_also = "fvm-import(1)",
};

#define BUF (1024u * 1024)

/* zst and gzip are taken too, as by fast-vm-image and fvm import */
static int parse_codec(const struct opt *o, const char *arg)
{
	if (stream_codec_parse(arg, o->value) < 0)
		return err_set(FVM_EXIT_USAGE,
			       "--compress is xz, zstd or gz, not '%s'", arg);
	return 0;
}

static const char *const file_fmt[PACK_NFILES] = { "config-%s.xml",
						   "hacks-%s.sh",
						   "delete-hacks-%s.sh" };

/* the image's templates, user dir first as fvm create finds them */
static void find_files(const char *name, char *files[PACK_NFILES])
{
	struct fvm_conf *c = applet_conf();
	const char *dirs[] = { c->user_dir, c->system_dir };

	for (int i = 0; i < PACK_NFILES; i++) {
		char *base = xasprintf(file_fmt[i], name);

		files[i] = NULL;
		for (int d = 0; d < 2 && !files[i]; d++)
			if (image_file_exists(dirs[d], base))
				files[i] = xasprintf("%s/%s", dirs[d], base);
		free(base);
	}
}

/* fast-vm's bare compressed disk: holes are fed as zeros */
static int export_legacy(int disk, uint64_t size, enum stream_codec codec,
			 int out, bool progress)
{
	struct stream_enc *e =
		stream_enc_new(codec, opt.level, (unsigned)opt.threads, out);
	unsigned char *buf = xmalloc(BUF);
	static const unsigned char zeros[BUF];
	struct stream_progress p;
	struct stat st;
	uint64_t off = 0;
	int rc = -1;

	if (!e) {
		free(buf);
		return -1;
	}
	progress_start(&p, progress, "export", size);
	if (fstat(disk, &st) < 0) {
		err_sys(FVM_EXIT_FAIL, "stat");
		goto out;
	}
	while (off < size) {
		uint64_t data = off, hole = size;

		if (S_ISREG(st.st_mode)) {
			off_t d = lseek(disk, (off_t)off, SEEK_DATA);
			off_t h;

			data = d < 0 ? size : (uint64_t)d;
			if (data > size)
				data = size;
			h = data < size ? lseek(disk, (off_t)data, SEEK_HOLE) :
					  -1;
			if (h >= 0 && (uint64_t)h < size)
				hole = (uint64_t)h;
		}
		while (off < data) {
			size_t n =
				BUF < data - off ? BUF : (size_t)(data - off);

			if (txn_interrupted() ||
			    stream_enc_write(e, zeros, n) < 0)
				goto out;
			off += n;
			progress_update(&p, off);
		}
		while (off < hole) {
			size_t n =
				hole - off < BUF ? (size_t)(hole - off) : BUF;
			ssize_t r = pread(disk, buf, n, (off_t)off);

			if (txn_interrupted()) {
				err_set(FVM_EXIT_FAIL, "interrupted");
				goto out;
			}
			if (r <= 0) {
				if (r == 0)
					errno = EIO;
				err_sys(FVM_EXIT_FAIL, "read");
				goto out;
			}
			if (stream_enc_write(e, buf, (size_t)r) < 0)
				goto out;
			off += (uint64_t)r;
			progress_update(&p, off);
		}
	}
	rc = stream_enc_finish(e);
	e = NULL;
out:
	if (rc < 0 && txn_interrupted())
		err_set(FVM_EXIT_FAIL, "interrupted");
	progress_end(&p);
	stream_enc_abort(e);
	free(buf);
	return rc;
}

static void export_report(const char *name, const char *dest, bool legacy,
			  enum stream_codec codec, uint64_t size)
{
	struct out_table *t = out_table_new(export_cols, E_N);
	struct stat sb;

	out_str(t, E_IMAGE, name);
	out_str(t, E_FILE, dest);
	out_str(t, E_FORMAT, legacy ? "legacy" : "fvm");
	out_str(t, E_COMPRESS, stream_codec_ext(codec));
	out_int(t, E_SIZE, (long long)size);
	out_int(t, E_BYTES, stat(dest, &sb) == 0 ? (long long)sb.st_size : 0);
	out_print_record(t, OUT_JSON, stdout);
	out_table_free(t);
}

/* zstd: what fvm import has always read, several times faster than xz;
 * legacy stays xz, the format every fast-vm imports */
static enum stream_codec choose_codec(bool legacy)
{
	enum stream_codec c = opt.codec != STREAM_PLAIN ? opt.codec :
			      legacy			? STREAM_XZ :
							  STREAM_ZSTD;

	if (stream_level_check(c, opt.level) < 0)
		die_err();
	return c;
}

/* where the archive goes: NULL for standard output ("-"), else a file
 * (the default name in the cwd, or in DIR when arg is a directory) */
static char *export_dest(const char *arg, const char *name, bool legacy,
			 enum stream_codec codec, uint64_t size)
{
	char *base, *dest;
	struct stat sb;

	if (arg && !strcmp(arg, "-"))
		return NULL;
	base = legacy ? xasprintf("%llug__%s.img.%s",
				  (unsigned long long)((size + GIB - 1) / GIB),
				  name, stream_codec_ext(codec)) :
			xasprintf("%s.fvm.tar.%s", name,
				  stream_codec_ext(codec));
	if (!arg)
		return base;
	if (stat(arg, &sb) == 0 && S_ISDIR(sb.st_mode))
		dest = xasprintf("%s/%s", arg, base);
	else
		dest = xstrdup(arg);
	free(base);
	return dest;
}

int export_main(int argc, char **argv)
{
	enum stream_codec codec;
	bool legacy;
	struct lock l = LOCK_INIT;
	struct store_usage u;
	struct pack_scan sc = { 0 };
	char *files[PACK_NFILES] = { NULL };
	char *disk, *path, *dest, *tmp = NULL;
	const char *name;
	int fd, out = 1, rc = 0;

	applet_args(&argc, &argv);
	legacy = opt.format == FORMAT_LEGACY;
	codec = choose_codec(legacy);
	name = argv[0];
	image_check_name(name);
	/* the archive is standard output: there is no room for JSON */
	if (opt.json && argc == 2 && !strcmp(argv[1], "-"))
		die(FVM_EXIT_USAGE,
		    "--json reports on an export to a file, not to "
		    "standard output (-)");
	disk = image_disk(name);
	txn_signals_block();
	if (image_lock(&l, name, false) < 0)
		die_err();
	if (store_usage(image_store(), disk, &u) < 0)
		die_err();
	if (!u.exists)
		die(FVM_EXIT_NOTFOUND, "image %s not found (no disk %s)", name,
		    disk);
	path = store_disk_path(image_store(), disk);
	if (!path)
		die_err();
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		die(FVM_EXIT_FAIL, "%s: %s", path, strerror(errno));
	dest = export_dest(argc < 2 ? NULL : argv[1], name, legacy, codec,
			   u.size);
	if (!dest) {
		if (isatty(1))
			die(FVM_EXIT_USAGE,
			    "not writing an image to a terminal: "
			    "redirect stdout");
	} else {
		if (!opt.force && access(dest, F_OK) == 0)
			die(FVM_EXIT_CONFLICT,
			    "%s exists already (--force "
			    "replaces it)",
			    dest);
		tmp = xasprintf("%s.fvm-export.%d", dest, (int)getpid());
		out = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
		if (out < 0)
			die(FVM_EXIT_FAIL, "%s: %s", tmp, strerror(errno));
	}
	if (legacy) {
		rc = export_legacy(fd, u.size, codec, out, !opt.quiet);
	} else {
		struct pack_out po = { 0 };

		find_files(name, files);
		rc = pack_scan_map(fd, u.size, !opt.quiet, &sc);
		po.name = name;
		po.disk_fd = fd;
		po.size = u.size;
		po.scan = &sc;
		for (int i = 0; i < PACK_NFILES; i++)
			po.files[i] = files[i];
		po.codec = codec;
		po.level = opt.level;
		po.threads = (unsigned)opt.threads;
		po.out_fd = out;
		po.progress = !opt.quiet;
		if (rc == 0)
			rc = pack_write(&po);
	}
	if (rc == 0 && tmp && (fsync(out) < 0 || rename(tmp, dest) < 0))
		rc = err_sys(FVM_EXIT_FAIL, "%s", dest);
	if (rc < 0) {
		if (tmp)
			unlink(tmp);
		rc = report_err();
		if (!rc)
			rc = FVM_EXIT_FAIL;
	} else if (opt.json && dest) {
		export_report(name, dest, legacy, codec, u.size);
	} else if (!opt.quiet && dest) {
		printf("image %s exported to %s\n", name, dest);
	}
	if (tmp)
		close(out);
	close(fd);
	lock_drop(&l);
	pack_scan_release(&sc);
	for (int i = 0; i < PACK_NFILES; i++)
		free(files[i]);
	free(tmp);
	free(dest);
	free(path);
	free(disk);
	return rc;
}
