/* tests/unit/test_util.c: lib/util's vectors, clock, size column, files. */
#include <dirent.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "err.h"
#include "util.h"
#include "unit.h"

static void test_strv(void)
{
	struct strv a = STRV_INIT;
	char **v;

	strv_push(&a, "b");
	strv_pushf(&a, "%s-%d", "a", 1);
	strv_pushn(&a, "bxx", 1);
	strv_push(&a, "c");
	CHECK_INT("four pushed", 4, (long long)a.n);
	CHECK("NULL-terminated", a.v[a.n] == NULL);
	CHECK("has a-1", strv_has(&a, "a-1"));
	CHECK("has no a", !strv_has(&a, "a"));
	strv_sort_uniq(&a);
	CHECK_INT("duplicate dropped", 3, (long long)a.n);
	CHECK_STR("sorted first", "a-1", a.v[0]);
	CHECK_STR("sorted last", "c", a.v[2]);
	CHECK("still NULL-terminated", a.v[3] == NULL);
	v = strv_detach(&a);
	CHECK("detach empties", a.v == NULL && a.n == 0);
	CHECK_STR("detached vector", "b", v[1]);
	strv_free(v);
	v = strv_detach(&a);
	CHECK("empty detach: an empty vector", v && v[0] == NULL);
	strv_free(v);
	strv_free(NULL);
	strv_release(&a);
}

static void test_clock(void)
{
	long long a = now_ms(), us = now_us();
	double s = now_s();

	usleep(20000);
	CHECK("ms advance", now_ms() - a >= 20);
	CHECK("us advance", now_us() - us >= 20000);
	CHECK("s advance", now_s() - s >= 0.02);
}

static void test_size_text(void)
{
	char b[FASTVM_SIZE_TEXT];

	fastvm_size_text(10 * GIB, GIB, b, sizeof(b));
	CHECK_STR("whole GiB", " 10g( 10.00%)", b);
	fastvm_size_text(GIB + GIB / 2, 0, b, sizeof(b));
	CHECK_STR("fraction of a GiB", "1.50g(  0.00%)", b);
	fastvm_size_text(0, 0, b, sizeof(b));
	CHECK_STR("empty", "  0g(  0.00%)", b);
	fastvm_size_text(1234 * GIB, 1234 * GIB, b, sizeof(b));
	CHECK_STR("wide", "1234g(100.00%)", b);
}

static int count_entries(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	int n = 0;

	while (d && (de = readdir(d)))
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
			n++;
	if (d)
		closedir(d);
	return n;
}

static void test_files(void)
{
	char dir[] = "/tmp/fvm-unit-util.XXXXXX";
	char *path, *big, *data = NULL;
	struct stat st;
	size_t len = 0;

	if (!mkdtemp(dir)) {
		CHECK("mkdtemp", 0);
		return;
	}
	path = xasprintf("%s/f", dir);
	CHECK_INT("atomic write", 0, write_file_atomic(path, "one\n", 4, 0600));
	CHECK_INT("atomic replace", 0,
		  write_file_atomic(path, "two!\n", 5, 0644));
	CHECK("mode set", stat(path, &st) == 0 && (st.st_mode & 0777) == 0644);
	CHECK_INT("no temporary file left", 1, count_entries(dir));
	CHECK_INT("read back", 0, read_file_max(path, 5, &data, &len));
	CHECK_STR("content", "two!\n", data);
	CHECK_INT("length", 5, (long long)len);
	free(data);
	CHECK_INT("over the cap", -1, read_file_max(path, 4, &data, &len));
	CHECK("over the cap: says so",
	      strstr(err_msg(), "larger than 4 bytes"));
	CHECK("over the cap: nothing returned", data == NULL && len == 0);
	big = xasprintf("%s/none", dir);
	CHECK_INT("missing file", -1, read_file_max(big, 10, &data, &len));
	CHECK_INT("missing file: not found", FVM_EXIT_NOTFOUND, err_code());
	err_clear();
	CHECK_INT("no directory: error", -1,
		  write_file_atomic("/nonexistent/dir/f", "x", 1, 0644));
	chmod(dir, 0500);
	if (geteuid() != 0) {
		CHECK_INT("unwritable directory: error", -1,
			  write_file_atomic(path, "x", 1, 0644));
		CHECK_INT("unwritable directory: file kept", 0,
			  read_file_max(path, 100, &data, &len) == 0 &&
					  !strcmp(data, "two!\n") ?
				  0 :
				  -1);
		free(data);
	}
	chmod(dir, 0700);
	unlink(path);
	rmdir(dir);
	free(big);
	free(path);
}

int main(void)
{
	test_strv();
	test_clock();
	test_size_text();
	test_files();
	UNIT_DONE();
}
