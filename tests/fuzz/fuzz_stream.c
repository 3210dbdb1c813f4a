/* tests/fuzz/fuzz_stream.c: fuzz format sniffing and the decoders (lib/stream). */
#include "fuzz.h"

#include <stdio.h>
#include <sys/mman.h>
#include <unistd.h>

#include "err.h"
#include "stream.h"

/* decode at most this much: a small input may expand a lot */
#define DECODE_MAX (8u << 20)

/* Open the input the way `fvm import FILE` does and read it through. */
static void decode(const uint8_t *data, size_t size)
{
	int fd = memfd_create("fuzz-stream", MFD_CLOEXEC);
	char path[64], *buf;
	struct stream *s;
	size_t total = 0;

	if (fd < 0)
		abort();
	if (size && write(fd, data, size) != (ssize_t)size)
		abort();
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	s = stream_open(path, NULL);
	if (s) {
		buf = malloc(64 * 1024);
		while (total < DECODE_MAX) {
			ssize_t n = stream_read(s, buf, 64 * 1024);

			if (n <= 0)
				break;
			total += (size_t)n;
		}
		free(buf);
		stream_close(s);
	}
	err_clear();
	close(fd);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = fuzz_str(data, size);
	struct stream_curl_opts o;
	enum stream_content content;
	int64_t vsize;

	stream_sniff_codec(data, size);
	stream_sniff_content(data, size, &content, &vsize);
	err_clear();
	/* the same bytes as a file name and as CURL_OPTS */
	stream_name_size(text);
	if (stream_parse_curl_opts(text, &o) == 0)
		stream_curl_opts_release(&o);
	err_clear();
	decode(data, size);
	free(text);
	return 0;
}
