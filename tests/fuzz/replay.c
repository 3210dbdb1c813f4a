/*
 * tests/fuzz/replay.c: run a fuzz target over saved inputs without
 * libFuzzer, so the unit tier replays the corpus and every regression
 * input with any compiler.
 *
 *   fuzz-replay-TARGET              corpus/TARGET and regressions/TARGET
 *   fuzz-replay-TARGET FILE|DIR...  the inputs given
 *
 * The directories are found under $TOP/tests/fuzz (tests/run sets TOP),
 * else where the source tree was at build time. An input that crashes
 * the target ends the run, so the runner sees a non-zero exit.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fuzz.h"

#ifndef FUZZ_TARGET
#error "FUZZ_TARGET must name the target"
#endif
#ifndef FUZZ_SRCDIR
#define FUZZ_SRCDIR "tests/fuzz"
#endif

static int read_file(const char *path, uint8_t **data, size_t *size)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf = NULL;
	size_t len = 0, cap = 0, n;

	if (!f)
		return -1;
	do {
		if (len == cap) {
			cap = cap ? cap * 2 : 4096;
			buf = realloc(buf, cap);
			if (!buf)
				abort();
		}
		n = fread(buf + len, 1, cap - len, f);
		len += n;
	} while (n > 0);
	fclose(f);
	*data = buf;
	*size = len;
	return 0;
}

static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Replay path (a file, or every file of a directory in name order);
 * returns the number of inputs, -1 when path cannot be read. */
static long replay(const char *path)
{
	struct stat st;
	DIR *d;
	struct dirent *de;
	char **names = NULL;
	size_t n = 0, cap = 0;
	long count = 0;

	if (stat(path, &st) < 0)
		return -1;
	if (!S_ISDIR(st.st_mode)) {
		uint8_t *data;
		size_t size;

		if (read_file(path, &data, &size) < 0)
			return -1;
		LLVMFuzzerTestOneInput(data, size);
		free(data);
		return 1;
	}
	d = opendir(path);
	if (!d)
		return -1;
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 64;
			names = realloc(names, cap * sizeof(*names));
			if (!names)
				abort();
		}
		if (asprintf(&names[n++], "%s/%s", path, de->d_name) < 0)
			abort();
	}
	closedir(d);
	if (n)
		qsort(names, n, sizeof(*names), by_name);
	for (size_t i = 0; i < n; i++) {
		long k = replay(names[i]);

		if (k < 0) {
			fprintf(stderr, "fuzz-replay: %s: %s\n", names[i],
				strerror(errno));
			count = -1;
		} else if (count >= 0) {
			count += k;
		}
		free(names[i]);
	}
	free(names);
	return count;
}

int main(int argc, char **argv)
{
	static const char *const sets[] = { "corpus", "regressions" };
	const char *top = getenv("TOP");
	int rc = 0;

	if (argc > 1) {
		for (int i = 1; i < argc; i++)
			if (replay(argv[i]) < 0) {
				fprintf(stderr, "fuzz-replay: %s: %s\n",
					argv[i], strerror(errno));
				rc = 1;
			}
		return rc;
	}
	for (size_t i = 0; i < sizeof(sets) / sizeof(sets[0]); i++) {
		char *dir;
		long k;

		if (top && *top) {
			if (asprintf(&dir, "%s/tests/fuzz/%s/%s", top, sets[i],
				     FUZZ_TARGET) < 0)
				abort();
		} else if (asprintf(&dir, "%s/%s/%s", FUZZ_SRCDIR, sets[i],
				    FUZZ_TARGET) < 0) {
			abort();
		}
		k = replay(dir);
		if (k > 0) {
			printf("ok - fuzz %s: %ld %s inputs replay cleanly\n",
			       FUZZ_TARGET, k, sets[i]);
		} else if (i == 0 || (k < 0 && errno != ENOENT)) {
			/* the corpus is committed; regressions come when a
			 * crash was found */
			printf("FAIL - fuzz %s: no inputs in %s\n", FUZZ_TARGET,
			       dir);
			rc = 1;
		}
		free(dir);
	}
	return rc;
}
