/* tests/fuzz/fuzz_pack.c: fuzz fvm packages: manifest and tar entries (lib/pack). */
#include "fuzz.h"

#include <stdio.h>
#include <sys/mman.h>
#include <unistd.h>

#include "err.h"
#include "pack.h"
#include "stream.h"
#include "tmpl.h"

/* a manifest may claim any size; holes are hashed, so keep runs short */
#define DISK_MAX (16u << 20)

/* Read the input as `fvm import PACKAGE` does, into a memory file. */
static void read_package(const uint8_t *data, size_t size)
{
	int in = memfd_create("fuzz-pack", MFD_CLOEXEC), out;
	struct pack_manifest m = { 0 };
	struct pack_reader *r;
	struct pack_files f;
	struct sparse_writer w;
	struct stream *s;
	char path[64], hex[65];

	if (in < 0)
		abort();
	if (size && write(in, data, size) != (ssize_t)size)
		abort();
	snprintf(path, sizeof(path), "/proc/self/fd/%d", in);
	s = stream_open(path, NULL);
	if (!s || stream_content(s) != STREAM_PACKAGE)
		goto out;
	r = pack_read_open(s, &m);
	if (!r)
		goto out;
	if (m.size <= DISK_MAX) {
		out = memfd_create("fuzz-disk", MFD_CLOEXEC);
		if (out < 0)
			abort();
		sparse_init(&w, out, m.size, "disk");
		if (pack_read_rest(r, &w, &f) == 0) {
			sparse_finish(&w, hex);
			pack_files_release(&f);
		}
		sparse_release(&w);
		close(out);
	}
	pack_read_close(r);
out:
	err_clear();
	pack_manifest_release(&m);
	stream_close(s);
	close(in);
}

/* what fvm export can write: a valid image name, a printable time */
static int exportable(const struct pack_manifest *m)
{
	int ok = tmpl_check_name(m->name, "image name") == 0;

	for (const char *p = m->created; ok && p && *p; p++)
		ok = *p >= 0x20 && *p < 0x7f;
	err_clear();
	return ok;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pack_manifest m = { 0 };

	/* the manifest on its own, then the whole package */
	if (pack_manifest_parse((const char *)data, size, &m) == 0 &&
	    exportable(&m)) {
		char *json = pack_manifest_json(&m);
		struct pack_manifest again = { 0 };

		/* what export writes import must read back the same */
		if (pack_manifest_parse(json, strlen(json), &again) != 0 ||
		    again.size != m.size || strcmp(again.name, m.name) ||
		    strcmp(again.sha256, m.sha256))
			abort();
		pack_manifest_release(&again);
		free(json);
	}
	err_clear();
	pack_manifest_release(&m);
	read_package(data, size);
	return 0;
}
