/* tests/unit/test_stream.c: format sniffing, fast-vm's NNg__ names, CURL_OPTS, the sparse writer and package manifests. */
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../../lib/err.h"
#include "../../lib/pack.h"
#include "../../lib/stream.h"
#include "unit.h"

static int content(const void *p, size_t n, enum stream_content *c)
{
	int64_t size;

	err_clear();
	return stream_sniff_content(p, n, c, &size);
}

int main(void)
{
	unsigned char buf[1024] = { 0 };
	enum stream_content c = STREAM_RAW;
	struct stream_curl_opts co;
	struct pack_manifest m;
	int64_t size;

	CHECK("xz magic", stream_sniff_codec((const unsigned char *)"\xfd"
								    "7zXZ\0xx",
					     8) == STREAM_XZ);
	CHECK("gzip magic",
	      stream_sniff_codec((const unsigned char *)"\x1f\x8bxx", 4) ==
		      STREAM_GZIP);
	CHECK("zstd magic",
	      stream_sniff_codec((const unsigned char *)"\x28\xb5\x2f\xfdxx",
				 6) == STREAM_ZSTD);
	CHECK("anything else is plain",
	      stream_sniff_codec(buf, sizeof(buf)) == STREAM_PLAIN);

	CHECK("zeros are a raw disk",
	      content(buf, sizeof(buf), &c) == 0 && c == STREAM_RAW);
	memcpy(buf + 257, "ustar", 5);
	CHECK("ustar at 257 is a package",
	      content(buf, sizeof(buf), &c) == 0 && c == STREAM_PACKAGE);
	memset(buf, 0, sizeof(buf));
	memcpy(buf, "QFI\xfb\0\0\0\3", 8);
	buf[24 + 4] = 0x40; /* 1 GiB: 0x40000000, big-endian */
	CHECK("qcow2", stream_sniff_content(buf, sizeof(buf), &c, &size) == 0 &&
			       c == STREAM_QCOW2);
	CHECK_INT("qcow2 virtual size", 1 << 30, size);
	buf[15] = 0x70;
	CHECK("qcow2 with a backing file is refused",
	      content(buf, sizeof(buf), &c) < 0);
	CHECK("  its reason", strstr(err_msg(), "backing file") != NULL);
	CHECK("HTML refused", content("\n  <!DOCTYPE html><html>", 23, &c) < 0);
	CHECK_STR("  its reason", "not a disk image (HTML)", err_msg());
	CHECK("<html refused", content("\xef\xbb\xbf<HTML><body>", 15, &c) < 0);
	CHECK("text refused", content("404 Not Found\r\n", 15, &c) < 0);
	CHECK_STR("  its reason", "not a disk image (text)", err_msg());

	CHECK_INT("20g__ name", 20ull << 30,
		  stream_name_size("/x/20g__c7.img.xz"));
	CHECK_INT("URL name", 10ull << 30,
		  stream_name_size("http://h/d/10g__c7.img.xz"));
	CHECK_INT("no prefix", 0, stream_name_size("c7.img.xz"));
	CHECK_INT("prefix in a directory only", 0,
		  stream_name_size("/20g__x/c7.img.xz"));
	CHECK_INT("0g__ is no size", 0, stream_name_size("0g__c7.img.xz"));

	CHECK("CURL_OPTS",
	      stream_parse_curl_opts("-k --cacert /ca.pem -s --proxy "
				     "http://p:3128 -H X-A:1 --retry 3",
				     &co) == 0);
	CHECK("  -k", co.insecure);
	CHECK_STR("  --cacert", "/ca.pem", co.cacert);
	CHECK_STR("  --proxy", "http://p:3128", co.proxy);
	CHECK_STR("  -H", "X-A:1", co.headers.v ? co.headers.v[0] : NULL);
	CHECK_INT("  unknown ones kept for a warning", 2,
		  (long long)co.ignored.n);
	stream_curl_opts_release(&co);
	CHECK("CURL_OPTS: --cacert without FILE",
	      stream_parse_curl_opts("--cacert", &co) < 0);
	CHECK("CURL_OPTS: bad timeout",
	      stream_parse_curl_opts("--connect-timeout x", &co) < 0);
	CHECK("CURL_OPTS: empty",
	      stream_parse_curl_opts(NULL, &co) == 0 && !co.insecure);
	stream_curl_opts_release(&co);

	{
		char path[] = "/tmp/fvm-unit-sparse.XXXXXX", hex[65];
		int fd = mkstemp(path);
		struct sparse_writer w;
		static unsigned char data[3 * STREAM_CHUNK];
		struct stat st;

		data[STREAM_CHUNK * 2 + 5] = 1;
		sparse_init(&w, fd, 4 * STREAM_CHUNK, "unit");
		CHECK("sparse write",
		      sparse_write(&w, data, sizeof(data)) == 0);
		CHECK_INT("only the chunk with data is written", STREAM_CHUNK,
			  (long long)w.written);
		CHECK("past the limit is refused",
		      sparse_write(&w, data, sizeof(data)) < 0);
		CHECK("hole to the end", sparse_hole(&w, STREAM_CHUNK) == 0);
		sparse_finish(&w, hex);
		CHECK_INT("sha256 is hex", 64, (long long)strlen(hex));
		fstat(fd, &st);
		CHECK_INT("file ends after the data", 3 * STREAM_CHUNK,
			  (long long)st.st_size);
		close(fd);
		unlink(path);
	}

	m = (struct pack_manifest){ 1, "c7", 1 << 20, "",
				    "2026-01-01T00:00:00Z" };
	memset(m.sha256, 'a', 64);
	{
		char *j = pack_manifest_json(&m);
		struct pack_manifest r;

		CHECK("manifest round trip",
		      pack_manifest_parse(j, strlen(j), &r) == 0);
		CHECK_STR("  name", "c7", r.name);
		CHECK_INT("  size", 1 << 20, (long long)r.size);
		CHECK_INT("  version", 1, r.version);
		pack_manifest_release(&r);
		free(j);
	}
	{
		struct pack_manifest r;
		const char *newer = "{\"format\":\"fvm-image\",\"version\":2,"
				    "\"name\":\"x\",\"size\":1}";
		const char *nested = "{\"format\":\"fvm-image\",\"x\":{}}";
		const char *foreign =
			"{\"version\":1,\"name\":\"x\",\"size\":1}";

		CHECK("newer version refused",
		      pack_manifest_parse(newer, strlen(newer), &r) < 0);
		CHECK("  its reason", strstr(err_msg(), "newer") != NULL);
		CHECK("nested values refused",
		      pack_manifest_parse(nested, strlen(nested), &r) < 0);
		CHECK("not fvm's refused",
		      pack_manifest_parse(foreign, strlen(foreign), &r) < 0);
	}
	UNIT_DONE();
}
