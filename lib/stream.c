/* lib/stream.c: import sources (file, stdin, http), sniffing, decoders. */
#include "stream.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>
#include <lzma.h>
#include <openssl/evp.h>
#include <zlib.h>
#include <zstd.h>

#include "err.h"
#include "txn.h"
#include "util.h"

/* compressed input is read in pieces this big */
#define IN_SIZE (1024u * 1024)
/* enough decoded bytes to see a tar header's magic at 257 */
#define PEEK_SIZE 4096u

struct stream {
	char *name; /* the source as given, for messages */
	/* source */
	int fd;
	bool own_fd, src_eof;
	char *path; /* plain regular file */
	int64_t src_size;
	uint64_t src_bytes;
	/* http */
	CURLM *multi;
	CURL *easy;
	struct curl_slist *headers;
	unsigned char *hbuf;
	size_t hlen, hpos, hcap;
	bool hdone;
	CURLcode hresult;
	char herr[CURL_ERROR_SIZE];
	/* compressed input */
	unsigned char *in;
	size_t in_pos, in_len;
	/* decoder */
	enum stream_codec codec;
	enum stream_content content;
	int64_t decoded_size;
	lzma_stream lz;
	z_stream z;
	ZSTD_DCtx *zd;
	bool dec_ready, dec_end, gz_member_end;
	size_t zstd_last;
	/* the first decoded bytes, handed out again by stream_read */
	unsigned char peek[PEEK_SIZE];
	size_t peek_len, peek_pos;
	struct stream_progress prog;
};

unsigned stream_threads(void)
{
	uint32_t n = lzma_cputhreads();

	return n ? n : 1;
}

/* ---- sources ---------------------------------------------------------- */

static bool is_url(const char *s)
{
	return !strncasecmp(s, "http://", 7) || !strncasecmp(s, "https://", 8);
}

static size_t http_write_cb(char *ptr, size_t size, size_t nmemb, void *ud)
{
	struct stream *s = ud;
	size_t n = size * nmemb;

	if (s->hpos && s->hpos == s->hlen)
		s->hpos = s->hlen = 0;
	if (s->hlen + n > s->hcap) {
		if (s->hpos) {
			memmove(s->hbuf, s->hbuf + s->hpos, s->hlen - s->hpos);
			s->hlen -= s->hpos;
			s->hpos = 0;
		}
		if (s->hlen + n > s->hcap) {
			s->hcap = (s->hlen + n) * 2;
			s->hbuf = xrealloc(s->hbuf, s->hcap);
		}
	}
	memcpy(s->hbuf + s->hlen, ptr, n);
	s->hlen += n;
	return n;
}

static int http_error(struct stream *s)
{
	long code = 0;

	if (s->hresult == CURLE_HTTP_RETURNED_ERROR) {
		curl_easy_getinfo(s->easy, CURLINFO_RESPONSE_CODE, &code);
		return err_set(FVM_EXIT_FAIL, "%s: HTTP error %ld", s->name,
			       code);
	}
	return err_set(FVM_EXIT_FAIL, "%s: %s", s->name,
		       s->herr[0] ? s->herr : curl_easy_strerror(s->hresult));
}

static ssize_t http_read(struct stream *s, void *buf, size_t len)
{
	for (;;) {
		int running = 0, q;
		CURLMsg *m;
		CURLMcode mc;

		if (s->hlen > s->hpos) {
			size_t n = s->hlen - s->hpos;

			if (n > len)
				n = len;
			memcpy(buf, s->hbuf + s->hpos, n);
			s->hpos += n;
			if (s->src_size < 0) {
				curl_off_t cl = -1;

				curl_easy_getinfo(
					s->easy,
					CURLINFO_CONTENT_LENGTH_DOWNLOAD_T,
					&cl);
				if (cl > 0)
					s->src_size = cl;
			}
			return (ssize_t)n;
		}
		if (s->hdone)
			return s->hresult == CURLE_OK ? 0 : http_error(s);
		if (txn_interrupted())
			return err_set(FVM_EXIT_FAIL, "interrupted");
		mc = curl_multi_perform(s->multi, &running);
		if (mc != CURLM_OK)
			return err_set(FVM_EXIT_FAIL, "%s: %s", s->name,
				       curl_multi_strerror(mc));
		if (!running) {
			while ((m = curl_multi_info_read(s->multi, &q)))
				if (m->msg == CURLMSG_DONE)
					s->hresult = m->data.result;
			s->hdone = true;
			continue;
		}
		if (s->hlen > s->hpos)
			continue;
		curl_multi_poll(s->multi, NULL, 0, 500, NULL);
	}
}

int stream_parse_curl_opts(const char *text, struct stream_curl_opts *o)
{
	char *copy = xstrdup(text ? text : ""), *save = NULL, *w;
	char *words[128];
	size_t n = 0;

	memset(o, 0, sizeof(*o));
	/* fast-vm ran `curl $CURL_OPTS URL`: the shell split on blanks */
	for (w = strtok_r(copy, " \t\n", &save); w && n < 128;
	     w = strtok_r(NULL, " \t\n", &save))
		words[n++] = w;
	for (size_t i = 0; i < n; i++) {
		const char *a = words[i];
		const char *v = i + 1 < n ? words[i + 1] : NULL;
		char **dst = NULL;
		long *num = NULL;

		if (!strcmp(a, "-k") || !strcmp(a, "--insecure"))
			o->insecure = true;
		else if (!strcmp(a, "-4") || !strcmp(a, "--ipv4"))
			o->ipresolve = 4;
		else if (!strcmp(a, "-6") || !strcmp(a, "--ipv6"))
			o->ipresolve = 6;
		else if (!strcmp(a, "-s") || !strcmp(a, "--silent") ||
			 !strcmp(a, "-S") || !strcmp(a, "--show-error") ||
			 !strcmp(a, "-L") || !strcmp(a, "--location") ||
			 !strcmp(a, "-f") || !strcmp(a, "--fail") ||
			 !strcmp(a, "-sS") || !strcmp(a, "-sSL") ||
			 !strcmp(a, "-g") || !strcmp(a, "--globoff"))
			; /* what fvm does anyway */
		else if (!strcmp(a, "--cacert"))
			dst = &o->cacert;
		else if (!strcmp(a, "--capath"))
			dst = &o->capath;
		else if (!strcmp(a, "-x") || !strcmp(a, "--proxy"))
			dst = &o->proxy;
		else if (!strcmp(a, "--noproxy"))
			dst = &o->noproxy;
		else if (!strcmp(a, "-u") || !strcmp(a, "--user"))
			dst = &o->user;
		else if (!strcmp(a, "-A") || !strcmp(a, "--user-agent"))
			dst = &o->user_agent;
		else if (!strcmp(a, "--connect-timeout"))
			num = &o->connect_timeout;
		else if (!strcmp(a, "-m") || !strcmp(a, "--max-time"))
			num = &o->max_time;
		else if (!strcmp(a, "-H") || !strcmp(a, "--header")) {
			if (!v)
				goto missing;
			strv_push(&o->headers, v);
			i++;
		} else
			strv_push(&o->ignored, a);
		if (dst || num) {
			if (!v)
				goto missing;
			if (dst) {
				free(*dst);
				*dst = xstrdup(v);
			} else if (!parse_int(v, 0, 86400, num)) {
				err_set(FVM_EXIT_USAGE,
					"CURL_OPTS: %s wants seconds, not '%s'",
					a, v);
				goto fail;
			}
			i++;
		}
		continue;
missing:
		err_set(FVM_EXIT_USAGE, "CURL_OPTS: %s needs an argument", a);
		goto fail;
	}
	free(copy);
	return 0;
fail:
	free(copy);
	stream_curl_opts_release(o);
	return -1;
}

void stream_curl_opts_release(struct stream_curl_opts *o)
{
	free(o->cacert);
	free(o->capath);
	free(o->proxy);
	free(o->noproxy);
	free(o->user);
	free(o->user_agent);
	strv_release(&o->headers);
	strv_release(&o->ignored);
	memset(o, 0, sizeof(*o));
}

static int http_open(struct stream *s, const struct stream_opts *o)
{
	struct stream_curl_opts co;
	CURL *e;

	if (stream_parse_curl_opts(o->curl_opts, &co) < 0)
		return -1;
	for (size_t i = 0; i < co.ignored.n; i++)
		warning("CURL_OPTS: %s is not supported, ignored",
			co.ignored.v[i]);
	curl_global_init(CURL_GLOBAL_DEFAULT);
	s->easy = e = curl_easy_init();
	s->multi = curl_multi_init();
	if (!e || !s->multi) {
		stream_curl_opts_release(&co);
		return err_set(FVM_EXIT_FAIL, "cannot set up libcurl");
	}
	curl_easy_setopt(e, CURLOPT_URL, s->name);
	/* an error page must not become a disk */
	curl_easy_setopt(e, CURLOPT_FAILONERROR, 1L);
	curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 1L);
	curl_easy_setopt(e, CURLOPT_MAXREDIRS, 10L);
	/* a redirect may not lead to file:// or other local schemes */
	curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(e, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(e, CURLOPT_ERRORBUFFER, s->herr);
	curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, http_write_cb);
	curl_easy_setopt(e, CURLOPT_WRITEDATA, s);
	curl_easy_setopt(e, CURLOPT_BUFFERSIZE, 512L * 1024);
	curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(e, CURLOPT_USERAGENT, "fvm/" FVM_VERSION);
	/* a stalled server fails the import instead of hanging it */
	curl_easy_setopt(e, CURLOPT_LOW_SPEED_LIMIT, 1L);
	curl_easy_setopt(e, CURLOPT_LOW_SPEED_TIME, 120L);
	if (co.insecure) {
		curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, 0L);
		curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, 0L);
	}
	if (co.cacert)
		curl_easy_setopt(e, CURLOPT_CAINFO, co.cacert);
	if (co.capath)
		curl_easy_setopt(e, CURLOPT_CAPATH, co.capath);
	if (co.proxy)
		curl_easy_setopt(e, CURLOPT_PROXY, co.proxy);
	if (co.noproxy)
		curl_easy_setopt(e, CURLOPT_NOPROXY, co.noproxy);
	if (co.user)
		curl_easy_setopt(e, CURLOPT_USERPWD, co.user);
	if (co.user_agent)
		curl_easy_setopt(e, CURLOPT_USERAGENT, co.user_agent);
	if (co.connect_timeout)
		curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT, co.connect_timeout);
	if (co.max_time)
		curl_easy_setopt(e, CURLOPT_TIMEOUT, co.max_time);
	if (co.ipresolve)
		curl_easy_setopt(e, CURLOPT_IPRESOLVE,
				 co.ipresolve == 4 ? CURL_IPRESOLVE_V4 :
						     CURL_IPRESOLVE_V6);
	for (size_t i = 0; i < co.headers.n; i++)
		s->headers = curl_slist_append(s->headers, co.headers.v[i]);
	if (s->headers)
		curl_easy_setopt(e, CURLOPT_HTTPHEADER, s->headers);
	stream_curl_opts_release(&co);
	if (curl_multi_add_handle(s->multi, e) != CURLM_OK)
		return err_set(FVM_EXIT_FAIL, "cannot set up libcurl");
	return 0;
}

static int file_open(struct stream *s)
{
	struct stat st;

	if (!strcmp(s->name, "-")) {
		s->fd = 0;
	} else {
		/* not blocking: a FIFO without a writer would hold the open
		 * with signals blocked (lib/txn); src_read's poll waits for
		 * the writer and still notices Ctrl-C */
		s->fd = open(s->name, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
		if (s->fd < 0)
			return err_sys(errno == ENOENT ? FVM_EXIT_NOTFOUND :
							 FVM_EXIT_FAIL,
				       "%s", s->name);
		s->own_fd = true;
		if (fcntl(s->fd, F_SETFL, 0) < 0)
			return err_sys(FVM_EXIT_FAIL, "%s", s->name);
	}
	if (fstat(s->fd, &st) < 0)
		return err_sys(FVM_EXIT_FAIL, "%s", s->name);
	if (S_ISDIR(st.st_mode))
		return err_set(FVM_EXIT_FAIL, "%s is a directory", s->name);
	if (S_ISREG(st.st_mode)) {
		s->src_size = st.st_size;
		if (s->own_fd)
			s->path = xstrdup(s->name);
		posix_fadvise(s->fd, 0, 0, POSIX_FADV_SEQUENTIAL);
	}
	return 0;
}

/* read from the source itself: 0 at its end */
static ssize_t src_read(struct stream *s, void *buf, size_t len)
{
	ssize_t n;

	if (s->src_eof)
		return 0;
	if (s->multi)
		n = http_read(s, buf, len);
	else {
		/* signals are blocked while fvm works (lib/txn): a stalled
		 * pipe must still notice Ctrl-C */
		struct pollfd pfd = { s->fd, POLLIN, 0 };

		while (poll(&pfd, 1, 250) == 0 || (pfd.revents == 0))
			if (txn_interrupted())
				return err_set(FVM_EXIT_FAIL, "interrupted");
		do {
			n = read(s->fd, buf, len);
		} while (n < 0 && errno == EINTR && !txn_interrupted());
		if (n < 0)
			return err_sys(FVM_EXIT_FAIL, "%s: read", s->name);
	}
	if (n == 0)
		s->src_eof = true;
	if (n > 0)
		s->src_bytes += (uint64_t)n;
	return n;
}

/* refill the compressed input buffer when it is used up; 0 at the end */
static ssize_t in_fill(struct stream *s)
{
	ssize_t n;

	if (s->in_pos < s->in_len)
		return (ssize_t)(s->in_len - s->in_pos);
	s->in_pos = s->in_len = 0;
	n = src_read(s, s->in, IN_SIZE);
	if (n > 0)
		s->in_len = (size_t)n;
	return n;
}

/* ---- sniffing --------------------------------------------------------- */

enum stream_codec stream_sniff_codec(const unsigned char *p, size_t n)
{
	if (n >= 6 && !memcmp(p,
			      "\xfd"
			      "7zXZ\0",
			      6))
		return STREAM_XZ;
	if (n >= 2 && p[0] == 0x1f && p[1] == 0x8b)
		return STREAM_GZIP;
	if (n >= 4 && !memcmp(p, "\x28\xb5\x2f\xfd", 4))
		return STREAM_ZSTD;
	return STREAM_PLAIN;
}

static uint64_t be64(const unsigned char *p)
{
	uint64_t v = 0;

	for (int i = 0; i < 8; i++)
		v = v << 8 | p[i];
	return v;
}

static bool starts_nocase(const unsigned char *p, size_t n, const char *w)
{
	size_t l = strlen(w);

	return n >= l && !strncasecmp((const char *)p, w, l);
}

int stream_sniff_content(const unsigned char *p, size_t n,
			 enum stream_content *content, int64_t *size)
{
	const unsigned char *t = p;
	size_t tn = n, i;

	*size = -1;
	if (n >= 263 && !memcmp(p + 257, "ustar", 5)) {
		*content = STREAM_PACKAGE;
		return 0;
	}
	if (n >= 4 && !memcmp(p, "QFI\xfb", 4)) {
		uint32_t version =
			n >= 8 ? (uint32_t)(be64(p) & 0xffffffff) : 0;

		if (n < 104)
			return err_set(FVM_EXIT_FAIL, "truncated qcow2 header");
		if (be64(p + 8) != 0)
			return err_set(FVM_EXIT_FAIL,
				       "qcow2 disk with a backing file: "
				       "import a standalone one (qemu-img "
				       "convert it first)");
		/* bit 2: the data lives in another file */
		if (version >= 3 && (be64(p + 72) & 4))
			return err_set(FVM_EXIT_FAIL,
				       "qcow2 disk with an external data "
				       "file: import a standalone one");
		*content = STREAM_QCOW2;
		*size = (int64_t)be64(p + 24);
		return 0;
	}
	/* an HTTP server's error page, or a file that is not a disk */
	if (tn >= 3 && !memcmp(t, "\xef\xbb\xbf", 3))
		t += 3, tn -= 3;
	while (tn && isspace(*t))
		t++, tn--;
	if (starts_nocase(t, tn, "<!doctype html") ||
	    starts_nocase(t, tn, "<html") || starts_nocase(t, tn, "<head"))
		return err_set(FVM_EXIT_FAIL, "not a disk image (HTML)");
	if (n > 512)
		n = 512;
	for (i = 0; i < n; i++)
		if (!(isprint(p[i]) || p[i] == '\t' || p[i] == '\n' ||
		      p[i] == '\r'))
			break;
	if (i == n)
		return err_set(FVM_EXIT_FAIL, "not a disk image (text)");
	*content = STREAM_RAW;
	return 0;
}

uint64_t stream_name_size(const char *source)
{
	const char *b = strrchr(source, '/');
	unsigned long long g = 0;
	int used = 0;

	b = b ? b + 1 : source;
	if (!isdigit((unsigned char)*b))
		return 0;
	if (sscanf(b, "%llu%n", &g, &used) != 1 || strncmp(b + used, "g__", 3))
		return 0;
	if (g == 0 || g > (1ull << 20))
		return 0;
	return (uint64_t)g * GIB;
}

const char *stream_codec_name(enum stream_codec c)
{
	switch (c) {
	case STREAM_XZ:
		return "xz";
	case STREAM_GZIP:
		return "gzip";
	case STREAM_ZSTD:
		return "zstd";
	default:
		return "uncompressed";
	}
}

const char *stream_codec_ext(enum stream_codec c)
{
	switch (c) {
	case STREAM_XZ:
		return "xz";
	case STREAM_GZIP:
		return "gz";
	case STREAM_ZSTD:
		return "zst";
	default:
		return "raw";
	}
}

int stream_codec_parse(const char *name, enum stream_codec *c)
{
	if (!strcmp(name, "xz"))
		*c = STREAM_XZ;
	else if (!strcmp(name, "gz") || !strcmp(name, "gzip"))
		*c = STREAM_GZIP;
	else if (!strcmp(name, "zst") || !strcmp(name, "zstd"))
		*c = STREAM_ZSTD;
	else
		return -1;
	return 0;
}

/* ---- decoders --------------------------------------------------------- */

static int dec_init(struct stream *s)
{
	switch (s->codec) {
	case STREAM_XZ: {
		lzma_mt mt;
		lzma_ret r;

		memset(&mt, 0, sizeof(mt));
		mt.flags = LZMA_CONCATENATED;
		/* liblzma decodes single-block files on one thread by itself */
		mt.threads = stream_threads();
		mt.timeout = 0;
		mt.memlimit_threading = lzma_physmem() / 4;
		mt.memlimit_stop = UINT64_MAX;
		s->lz = (lzma_stream)LZMA_STREAM_INIT;
		r = lzma_stream_decoder_mt(&s->lz, &mt);
		if (r != LZMA_OK)
			return err_set(FVM_EXIT_FAIL,
				       "cannot start the xz decoder (%d)", r);
		break;
	}
	case STREAM_GZIP:
		memset(&s->z, 0, sizeof(s->z));
		if (inflateInit2(&s->z, 32 + MAX_WBITS) != Z_OK)
			return err_set(FVM_EXIT_FAIL,
				       "cannot start the gzip decoder");
		break;
	case STREAM_ZSTD:
		s->zd = ZSTD_createDCtx();
		if (!s->zd)
			return err_set(FVM_EXIT_FAIL,
				       "cannot start the zstd decoder");
		s->zstd_last = 0;
		break;
	default:
		break;
	}
	s->dec_ready = true;
	return 0;
}

static void dec_end(struct stream *s)
{
	if (!s->dec_ready)
		return;
	if (s->codec == STREAM_XZ)
		lzma_end(&s->lz);
	else if (s->codec == STREAM_GZIP)
		inflateEnd(&s->z);
	else if (s->codec == STREAM_ZSTD)
		ZSTD_freeDCtx(s->zd);
	s->dec_ready = false;
}

static int xz_error(struct stream *s, lzma_ret r)
{
	switch (r) {
	case LZMA_BUF_ERROR:
		return err_set(FVM_EXIT_FAIL, "%s: truncated xz data", s->name);
	case LZMA_DATA_ERROR:
	case LZMA_FORMAT_ERROR:
		return err_set(FVM_EXIT_FAIL, "%s: corrupt xz data", s->name);
	case LZMA_OPTIONS_ERROR:
		return err_set(FVM_EXIT_FAIL, "%s: unsupported xz options",
			       s->name);
	case LZMA_MEM_ERROR:
	case LZMA_MEMLIMIT_ERROR:
		return err_set(FVM_EXIT_FAIL, "%s: out of memory decoding xz",
			       s->name);
	default:
		return err_set(FVM_EXIT_FAIL, "%s: xz decoder error %d",
			       s->name, r);
	}
}

static ssize_t xz_read(struct stream *s, unsigned char *out, size_t len)
{
	s->lz.next_out = out;
	s->lz.avail_out = len;
	for (;;) {
		lzma_ret r;

		if (s->lz.avail_in == 0 &&
		    (s->in_pos < s->in_len || !s->src_eof)) {
			ssize_t n = in_fill(s);

			if (n < 0)
				return -1;
			s->lz.next_in = s->in + s->in_pos;
			s->lz.avail_in = s->in_len - s->in_pos;
			s->in_pos = s->in_len;
		}
		r = lzma_code(&s->lz, s->src_eof && s->in_pos == s->in_len ?
					      LZMA_FINISH :
					      LZMA_RUN);
		if (r == LZMA_STREAM_END) {
			s->dec_end = true;
			return (ssize_t)(len - s->lz.avail_out);
		}
		if (r != LZMA_OK)
			return xz_error(s, r);
		if (s->lz.avail_out < len)
			return (ssize_t)(len - s->lz.avail_out);
	}
}

static ssize_t gz_read(struct stream *s, unsigned char *out, size_t len)
{
	s->z.next_out = out;
	s->z.avail_out = (uInt)len;
	for (;;) {
		int r;

		if (s->z.avail_in == 0) {
			ssize_t n = in_fill(s);

			if (n < 0)
				return -1;
			if (n == 0) {
				if (s->gz_member_end) {
					s->dec_end = true;
					return (ssize_t)(len - s->z.avail_out);
				}
				return err_set(FVM_EXIT_FAIL,
					       "%s: truncated gzip data",
					       s->name);
			}
			s->z.next_in = s->in + s->in_pos;
			s->z.avail_in = (uInt)(s->in_len - s->in_pos);
			s->in_pos = s->in_len;
		}
		if (s->gz_member_end) {
			/* another member follows (as `cat a.gz b.gz`) */
			inflateReset(&s->z);
			s->gz_member_end = false;
		}
		r = inflate(&s->z, Z_NO_FLUSH);
		if (r == Z_STREAM_END)
			s->gz_member_end = true;
		else if (r == Z_DATA_ERROR || r == Z_NEED_DICT)
			return err_set(FVM_EXIT_FAIL,
				       "%s: corrupt gzip data%s%s", s->name,
				       s->z.msg ? ": " : "",
				       s->z.msg ? s->z.msg : "");
		else if (r == Z_MEM_ERROR)
			return err_set(FVM_EXIT_FAIL, "%s: out of memory",
				       s->name);
		if (s->z.avail_out < len)
			return (ssize_t)(len - s->z.avail_out);
	}
}

static ssize_t zstd_read(struct stream *s, unsigned char *out, size_t len)
{
	ZSTD_outBuffer ob = { out, len, 0 };

	for (;;) {
		ZSTD_inBuffer ib;
		size_t r;

		if (s->in_pos == s->in_len && in_fill(s) < 0)
			return -1;
		/* with no input left, a finished frame is the end; calling
		 * the decoder again would only ask for the next frame */
		if (s->src_eof && s->in_pos == s->in_len && s->zstd_last == 0) {
			s->dec_end = true;
			return 0;
		}
		ib.src = s->in;
		ib.size = s->in_len;
		ib.pos = s->in_pos;
		r = ZSTD_decompressStream(s->zd, &ob, &ib);
		s->in_pos = ib.pos;
		if (ZSTD_isError(r))
			return err_set(FVM_EXIT_FAIL,
				       "%s: corrupt zstd data: %s", s->name,
				       ZSTD_getErrorName(r));
		s->zstd_last = r;
		if (ob.pos > 0)
			return (ssize_t)ob.pos;
		if (s->src_eof && s->in_pos == s->in_len) {
			if (s->zstd_last != 0)
				return err_set(FVM_EXIT_FAIL,
					       "%s: truncated zstd data",
					       s->name);
			s->dec_end = true;
			return 0;
		}
	}
}

static ssize_t plain_read(struct stream *s, unsigned char *out, size_t len)
{
	if (s->in_pos < s->in_len) {
		size_t n = s->in_len - s->in_pos;

		if (n > len)
			n = len;
		memcpy(out, s->in + s->in_pos, n);
		s->in_pos += n;
		return (ssize_t)n;
	}
	return src_read(s, out, len);
}

static ssize_t dec_read(struct stream *s, unsigned char *out, size_t len)
{
	if (s->dec_end)
		return 0;
	switch (s->codec) {
	case STREAM_XZ:
		return xz_read(s, out, len);
	case STREAM_GZIP:
		return gz_read(s, out, len);
	case STREAM_ZSTD:
		return zstd_read(s, out, len);
	default:
		return plain_read(s, out, len);
	}
}

/* ---- the stream ------------------------------------------------------- */

struct stream *stream_open(const char *source, const struct stream_opts *o)
{
	struct stream *s = xcalloc(1, sizeof(*s));
	static const struct stream_opts none;

	if (!o)
		o = &none;
	s->name = xstrdup(source);
	s->fd = -1;
	s->src_size = -1;
	s->decoded_size = -1;
	s->in = xmalloc(IN_SIZE);
	if ((is_url(source) ? http_open(s, o) : file_open(s)) < 0)
		goto fail;
	/* enough raw bytes to tell the codec */
	while (s->in_len < 512 && !s->src_eof) {
		ssize_t n = src_read(s, s->in + s->in_len, IN_SIZE - s->in_len);

		if (n < 0)
			goto fail;
		s->in_len += (size_t)n;
	}
	if (s->in_len == 0) {
		err_set(FVM_EXIT_FAIL, "%s is empty", source);
		goto fail;
	}
	s->codec = stream_sniff_codec(s->in, s->in_len);
	if (dec_init(s) < 0)
		goto fail;
	while (s->peek_len < sizeof(s->peek) && !s->dec_end) {
		ssize_t n = dec_read(s, s->peek + s->peek_len,
				     sizeof(s->peek) - s->peek_len);

		if (n < 0)
			goto fail;
		if (n == 0 && (s->dec_end || s->src_eof))
			break;
		s->peek_len += (size_t)n;
	}
	if (s->peek_len == 0) {
		err_set(FVM_EXIT_FAIL, "%s holds no data", source);
		goto fail;
	}
	if (stream_sniff_content(s->peek, s->peek_len, &s->content,
				 &s->decoded_size) < 0) {
		err_context("%s", source);
		goto fail;
	}
	if (s->codec == STREAM_PLAIN && s->content == STREAM_RAW && s->path)
		s->decoded_size = s->src_size;
	progress_start(&s->prog, o->progress, "read",
		       s->src_size > 0 ? (uint64_t)s->src_size : 0);
	return s;
fail:
	stream_close(s);
	return NULL;
}

enum stream_codec stream_codec(const struct stream *s)
{
	return s->codec;
}

enum stream_content stream_content(const struct stream *s)
{
	return s->content;
}

int64_t stream_decoded_size(const struct stream *s)
{
	return s->decoded_size;
}

const char *stream_local_path(const struct stream *s)
{
	return s->codec == STREAM_PLAIN ? s->path : NULL;
}

int stream_local_fd(const struct stream *s)
{
	return stream_local_path(s) ? s->fd : -1;
}

ssize_t stream_read(struct stream *s, void *buf, size_t len)
{
	ssize_t n;

	if (txn_interrupted())
		return err_set(FVM_EXIT_FAIL, "interrupted");
	if (s->peek_pos < s->peek_len) {
		size_t k = s->peek_len - s->peek_pos;

		if (k > len)
			k = len;
		memcpy(buf, s->peek + s->peek_pos, k);
		s->peek_pos += k;
		return (ssize_t)k;
	}
	n = dec_read(s, buf, len);
	if (s->prog.on) {
		if (s->src_size > 0)
			s->prog.total = (uint64_t)s->src_size;
		progress_update(&s->prog, s->src_bytes);
	}
	return n;
}

void stream_close(struct stream *s)
{
	if (!s)
		return;
	progress_end(&s->prog);
	dec_end(s);
	if (s->multi) {
		if (s->easy)
			curl_multi_remove_handle(s->multi, s->easy);
		curl_multi_cleanup(s->multi);
	}
	if (s->easy)
		curl_easy_cleanup(s->easy);
	curl_slist_free_all(s->headers);
	if (s->own_fd && s->fd >= 0)
		close(s->fd);
	free(s->hbuf);
	free(s->in);
	free(s->path);
	free(s->name);
	free(s);
}
