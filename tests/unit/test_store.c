/* tests/unit/test_store.c: size parsing, disk names, lib/proc and the dir
 * backend end to end. */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "conf.h"
#include "err.h"
#include "proc.h"
#include "store.h"
#include "unit.h"
#include "util.h"

#define MiB (1024ULL * 1024)

static void test_parse_size(void)
{
	static const struct {
		const char *text;
		uint64_t want; /* 0: must fail */
	} cases[] = {
		{ "123456", 123456 },
		{ "1", 1 },
		{ "512M", 512 * MiB },
		{ "10G", 10ULL << 30 },
		{ "10g", 10ULL << 30 },
		{ "10GB", 10ULL << 30 },
		{ "10GiB", 10ULL << 30 },
		{ "10gib", 10ULL << 30 },
		{ "10gb", 10ULL << 30 },
		{ "1T", 1ULL << 40 },
		{ "4k", 4096 },
		{ "4KiB", 4096 },
		{ "100b", 100 },
		{ "100B", 100 },
		{ "8388607T", 8388607ULL << 40 },
		{ "0", 0 },
		{ "0G", 0 },
		{ "", 0 },
		{ "G", 0 },
		{ "-1G", 0 },
		{ "+1G", 0 },
		{ " 1G", 0 },
		{ "1G ", 0 },
		{ "1.5G", 0 },
		{ "1P", 0 },
		{ "1Gx", 0 },
		{ "1GiBB", 0 },
		{ "1iB", 0 },
		{ "1Bi", 0 },
		{ "8388608T", 0 },
		{ "18446744073709551616", 0 },
		{ "99999999999999999999999", 0 },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		uint64_t got = 0;
		int rc = store_parse_size(cases[i].text, &got);
		char *name = xasprintf("parse_size '%s'", cases[i].text);

		if (cases[i].want) {
			CHECK_INT(name, 0, rc);
			CHECK_INT(name, (long long)cases[i].want,
				  (long long)got);
		} else {
			CHECK(name, rc == -1 && err_code() == FVM_EXIT_USAGE);
		}
		free(name);
	}
	CHECK("parse_size NULL", store_parse_size(NULL, &(uint64_t){ 0 }) < 0);
	{
		uint64_t b = 0;

		CHECK("gib: bare number is GiB",
		      store_parse_size_gib("20", &b) == 0 && b == 20ULL << 30);
		CHECK("gib: units kept",
		      store_parse_size_gib("512M", &b) == 0 &&
			      b == 512ULL << 20);
		CHECK("gib: empty refused", store_parse_size_gib("", &b) < 0);
		CHECK("gib: garbage refused",
		      store_parse_size_gib("x1", &b) < 0);
	}
}

static void test_names(void)
{
	static const char *const good[] = {
		"fastvm-c7", "fastvm-c7-42", "a",
		"A.b_c+d-e", "0img",	     "fastvm-rhel-9.4-20",
	};
	static const char *const bad[] = {
		"",	  "-rf",  ".hidden", "..",  ".",	 "a/b",
		"../etc", "a b",  "a\nb",    "a;b", "a$b",	 "a*",
		"é",	  "a\tb", "a\\b",    "a:b", "x\033[31m",
	};
	char long_name[200];

	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		char *n = xasprintf("name ok '%s'", good[i]);

		CHECK_INT(n, 0, store_check_name(good[i]));
		free(n);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char *n = xasprintf("name refused #%zu", i);

		CHECK(n, store_check_name(bad[i]) == -1 &&
				 err_code() == FVM_EXIT_USAGE);
		free(n);
	}
	CHECK("name refused NULL", store_check_name(NULL) == -1);
	store_check_name("x\033[31m");
	CHECK("name error has no control characters",
	      !strchr(err_msg(), '\033'));
	memset(long_name, 'a', sizeof(long_name));
	long_name[127] = '\0';
	CHECK_INT("name of 127 characters", 0, store_check_name(long_name));
	long_name[127] = 'a';
	long_name[128] = '\0';
	CHECK("name of 128 characters refused",
	      store_check_name(long_name) == -1);
}

static void test_proc(void)
{
	char *out, *err;
	int rc;

	{
		char *argv[] = { "echo", "hello", NULL };

		rc = proc_run(argv, &out, &err);
		CHECK_INT("proc_run exit status", 0, rc);
		CHECK_STR("proc_run stdout", "hello\n", out);
		CHECK_STR("proc_run stderr empty", "", err);
		free(out);
		free(err);
	}
	{
		char *argv[] = { "false", NULL };

		CHECK_INT("proc_run non-zero status", 1,
			  proc_run(argv, NULL, NULL));
	}
	{
		char *argv[] = { "cat", NULL };
		char *env[] = { "FVM_TEST_VAR=1", NULL };
		struct proc_opts o = { .in = "line one\nline two\n",
				       .in_len = 18,
				       .env = env };

		rc = proc_run_opts(argv, &o, &out, NULL);
		CHECK_INT("proc_run stdin status", 0, rc);
		CHECK_STR("proc_run stdin reaches the child",
			  "line one\nline two\n", out);
		free(out);
	}
	{
		/* more than a pipe holds in both directions at once */
		size_t n = 1 << 20;
		char *big = xmalloc(n);
		char *argv[] = { "cat", NULL };
		struct proc_opts o = { .in = big, .in_len = n };

		memset(big, 'x', n);
		rc = proc_run_opts(argv, &o, &out, NULL);
		CHECK("proc_run 1 MiB through cat",
		      rc == 0 && strlen(out) == n && out[n - 1] == 'x');
		free(out);
		free(big);
	}
	{
		/* the child may exit without reading: no SIGPIPE for us */
		char *argv[] = { "true", NULL };
		size_t n = 1 << 20;
		char *big = xcalloc(1, n);
		struct proc_opts o = { .in = big, .in_len = n };

		CHECK_INT("proc_run child ignoring stdin", 0,
			  proc_run_opts(argv, &o, NULL, NULL));
		free(big);
	}
	{
		char *argv[] = { "env", NULL };
		char *env[] = { "FVM_TEST_VAR=42", "LC_ALL=POSIX", NULL };
		struct proc_opts o = { .env = env };

		setenv("FVM_TEST_VAR", "old", 1);
		rc = proc_run_opts(argv, &o, &out, NULL);
		CHECK("proc_run env addition",
		      rc == 0 && strstr(out, "\nFVM_TEST_VAR=42\n") &&
			      !strstr(out, "FVM_TEST_VAR=old"));
		CHECK("proc_run env overrides LC_ALL",
		      strstr(out, "LC_ALL=POSIX") &&
			      !strstr(out, "LC_ALL=C\n"));
		free(out);
		unsetenv("FVM_TEST_VAR");
		rc = proc_run(argv, &out, NULL);
		CHECK("proc_run sets LC_ALL=C",
		      rc == 0 && strstr(out, "LC_ALL=C\n"));
		free(out);
	}
	{
		char *argv[] = { "ls", "/nonexistent-fvm-dir", NULL };

		rc = proc_run(argv, NULL, &err);
		CHECK("proc_run captures stderr",
		      rc > 0 && strstr(err, "nonexistent"));
		free(err);
	}
	{
		char *argv[] = { "fvm-no-such-command", NULL };

		rc = proc_run(argv, &out, &err);
		CHECK("proc_run command not found",
		      rc == -1 && err_code() == FVM_EXIT_NOTFOUND);
		CHECK_STR("proc_run not found gives empty output", "", out);
		free(out);
		free(err);
	}
	{
		char *argv[] = { "echo", "x", NULL };
		struct proc_opts o = { .path = "/nonexistent" };

		CHECK("proc_run searches only the given path",
		      proc_run_opts(argv, &o, NULL, NULL) == -1);
	}
	{
		static const struct {
			const char *in, *want;
		} c[] = {
			{ "", "" },
			{ "\n\n", "" },
			{ "one", "one" },
			{ "one\ntwo\n", "two" },
			{ "  WARNING: x\n  Logical Volume \"a\" already "
			  "exists\n\n  "
			  "\n",
			  "Logical Volume \"a\" already exists" },
		};

		for (size_t i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
			char *got = proc_last_line(c[i].in);

			CHECK_STR("proc_last_line", c[i].want, got);
			free(got);
		}
	}
}

/* Run a command, 0 when it exits 0; its stdout in *out when out is set. */
static int run_argv(char **out, char *argv[])
{
	char *err = NULL;
	int rc = proc_run(argv, out, &err);

	if (rc != 0)
		printf("# %s: %s", argv[0], err ? err : "");
	free(err);
	return rc;
}
#define run(out, ...) run_argv(out, (char *[]){ __VA_ARGS__, NULL })

static bool files_equal(const char *a, const char *b)
{
	int fa = open(a, O_RDONLY), fb = open(b, O_RDONLY);
	static char ba[1 << 16], bb[1 << 16];
	bool same = fa >= 0 && fb >= 0;

	while (same) {
		ssize_t na = read(fa, ba, sizeof(ba));
		ssize_t nb = read(fb, bb, sizeof(bb));

		if (na != nb || na < 0 || memcmp(ba, bb, (size_t)na))
			same = false;
		if (na <= 0)
			break;
	}
	if (fa >= 0)
		close(fa);
	if (fb >= 0)
		close(fb);
	return same;
}

static void write_at(const char *path, off_t off, const char *data)
{
	int fd = open(path, O_WRONLY);

	if (fd < 0 || pwrite(fd, data, strlen(data), off) < 0)
		printf("# write %s: %s\n", path, strerror(errno));
	if (fd >= 0)
		close(fd);
}

/* qemu-img agrees that the disk is a valid qcow2 of size bytes over a raw
 * backing file. */
static void check_qemu_img(const char *what, const char *path, uint64_t size)
{
	char *out = NULL, *name, *want;

	name = xasprintf("%s: qemu-img check", what);
	CHECK(name, run(NULL, "qemu-img", "check", "-q", "-f", "qcow2",
			(char *)path) == 0);
	free(name);
	name = xasprintf("%s: qemu-img info", what);
	want = xasprintf("\"virtual-size\": %llu,", (unsigned long long)size);
	CHECK(name,
	      run(&out, "qemu-img", "info", "--output=json", "-f", "qcow2",
		  (char *)path) == 0 &&
		      strstr(out, want) &&
		      strstr(out, "\"backing-filename-format\": \"raw\""));
	free(out);
	free(want);
	free(name);
}

static void test_dir_backend(void)
{
	char tmpl[] = "/tmp/fvm-test-store.XXXXXX";
	char *top = mkdtemp(tmpl);
	struct fvm_conf c;
	struct store *s;
	struct store_usage u;
	struct store_pool p;
	struct store_disk d;
	char *img_path, *vm_path, *raw, **names;
	const char *fmt;
	bool have_qemu_img = access("/usr/bin/qemu-img", X_OK) == 0;

	if (!top) {
		printf("FAIL - mkdtemp: %s\n", strerror(errno));
		unit_failed = 1;
		return;
	}
	conf_defaults(&c);
	c.storage = FVM_STORAGE_DIR;
	free(c.store_dir);
	c.store_dir = xasprintf("%s/store", top);
	s = store_open(&c);
	CHECK("dir: open creates the store", s != NULL);
	if (!s) {
		printf("# %s\n", err_msg());
		conf_release(&c);
		return;
	}
	CHECK_STR("dir: kind", "dir", store_kind(s));

	/* image */
	CHECK_INT("dir: image create", 0,
		  store_image_create(s, "fvm-img", 64 * MiB));
	CHECK("dir: image create again is a conflict",
	      store_image_create(s, "fvm-img", 64 * MiB) == -1 &&
		      err_code() == FVM_EXIT_CONFLICT);
	CHECK("dir: image create with a bad name",
	      store_image_create(s, "../fvm-img", MiB) == -1 &&
		      err_code() == FVM_EXIT_USAGE);
	CHECK("dir: image create with an option-like name",
	      store_image_create(s, "-rf", MiB) == -1 &&
		      err_code() == FVM_EXIT_USAGE);
	CHECK("dir: exists", store_exists(s, "fvm-img"));
	CHECK("dir: not exists", !store_exists(s, "fvm-none"));
	CHECK("dir: exists with a bad name", !store_exists(s, "../store"));
	CHECK_INT("dir: usage", 0, store_usage(s, "fvm-img", &u));
	CHECK("dir: image usage",
	      u.exists && u.size == 64 * MiB && u.allocated < MiB);
	CHECK_STR("dir: image format", "raw", store_disk_format(s, "fvm-img"));
	img_path = store_disk_path(s, "fvm-img");
	raw = xasprintf("%s/store/images/fvm-img.raw", top);
	CHECK_STR("dir: image path", raw, img_path);
	free(raw);
	write_at(img_path, 0, "fvm image data at zero");
	write_at(img_path, (off_t)(40 * MiB + 7), "more data, unaligned");
	store_usage(s, "fvm-img", &u);
	CHECK("dir: allocated grows with data", u.allocated > 0);

	/* VM */
	CHECK_INT("dir: clone", 0, store_vm_clone(s, "fvm-img", "fvm-img-42"));
	CHECK("dir: clone again is a conflict",
	      store_vm_clone(s, "fvm-img", "fvm-img-42") == -1 &&
		      err_code() == FVM_EXIT_CONFLICT);
	CHECK("dir: clone onto the image name is a conflict",
	      store_vm_clone(s, "fvm-img", "fvm-img") == -1 &&
		      err_code() == FVM_EXIT_CONFLICT);
	CHECK("dir: clone of a missing image",
	      store_vm_clone(s, "fvm-none", "fvm-none-1") == -1 &&
		      err_code() == FVM_EXIT_NOTFOUND);
	CHECK("dir: clone of a VM disk is refused",
	      store_vm_clone(s, "fvm-img-42", "fvm-img-43") == -1 &&
		      err_code() == FVM_EXIT_NOTFOUND);
	CHECK("dir: image create over a VM name is a conflict",
	      store_image_create(s, "fvm-img-42", MiB) == -1 &&
		      err_code() == FVM_EXIT_CONFLICT);
	fmt = store_disk_format(s, "fvm-img-42");
	CHECK("dir: VM format",
	      fmt && (!strcmp(fmt, "qcow2") || !strcmp(fmt, "raw")));
	printf("# VM disk format on this filesystem: %s\n", fmt ? fmt : "?");
	CHECK_INT("dir: VM usage", 0, store_usage(s, "fvm-img-42", &u));
	CHECK("dir: VM usage numbers",
	      u.exists && u.size == 64 * MiB && u.allocated < 2 * MiB);
	CHECK_INT("dir: disk spec", 0, store_disk_spec(s, "fvm-img-42", &d));
	CHECK_STR("dir: disk spec type", "file", d.type);
	CHECK_STR("dir: disk spec format", fmt ? fmt : "", d.format);
	vm_path = store_disk_path(s, "fvm-img-42");
	CHECK_STR("dir: disk spec path", vm_path ? vm_path : "", d.path);
	store_disk_release(&d);

	if (have_qemu_img && fmt && !strcmp(fmt, "qcow2")) {
		char *conv = xasprintf("%s/conv.raw", top);
		char *out = NULL;

		check_qemu_img("dir: new overlay", vm_path, 64 * MiB);
		CHECK("dir: overlay reads the image's data",
		      run(NULL, "qemu-img", "convert", "-f", "qcow2", "-O",
			  "raw", vm_path, conv) == 0 &&
			      files_equal(conv, img_path));
		/* a guest write lands in the overlay, not in the image */
		CHECK("dir: qemu-io writes into the overlay",
		      run(&out, "qemu-io", "-f", "qcow2", "-c",
			  "write -P 0xab 1M 64k", vm_path) == 0);
		free(out);
		check_qemu_img("dir: written overlay", vm_path, 64 * MiB);
		unlink(conv);
		CHECK("dir: the image stays as it was",
		      run(NULL, "qemu-img", "convert", "-f", "qcow2", "-O",
			  "raw", vm_path, conv) == 0 &&
			      !files_equal(conv, img_path));
		store_usage(s, "fvm-img-42", &u);
		CHECK("dir: VM allocation grows with guest writes",
		      u.allocated >= 64 * 1024);

		/* resize: native grow, then qemu-img for what is beyond */
		CHECK_INT("dir: VM grow", 0,
			  store_resize(s, "fvm-img-42", 100 * MiB, false));
		check_qemu_img("dir: grown overlay", vm_path, 100 * MiB);
		CHECK("dir: VM shrink refused",
		      store_resize(s, "fvm-img-42", 80 * MiB, false) == -1 &&
			      err_code() == FVM_EXIT_USAGE);
		CHECK_INT("dir: VM shrink allowed", 0,
			  store_resize(s, "fvm-img-42", 80 * MiB, true));
		check_qemu_img("dir: shrunk overlay", vm_path, 80 * MiB);
		CHECK_INT("dir: VM grow past its L1 table", 0,
			  store_resize(s, "fvm-img-42", 5ULL << 40, false));
		check_qemu_img("dir: overlay grown to 5 TiB", vm_path,
			       5ULL << 40);
		CHECK_INT("dir: VM resize to the same size", 0,
			  store_resize(s, "fvm-img-42", 5ULL << 40, false));
		store_usage(s, "fvm-img-42", &u);
		CHECK("dir: VM usage after resize", u.size == 5ULL << 40);
		free(conv);

		/* the image is in use by the overlay */
		CHECK("dir: image remove while a VM uses it",
		      store_image_remove(s, "fvm-img") == -1 &&
			      err_code() == FVM_EXIT_CONFLICT &&
			      strstr(err_msg(), "fvm-img-42"));
		CHECK("dir: image rename while a VM uses it",
		      store_rename(s, "fvm-img", "fvm-img2") == -1 &&
			      err_code() == FVM_EXIT_CONFLICT);
	} else if (!have_qemu_img) {
		printf("SKIP - dir: qemu-img checks: qemu-img not installed\n");
	}

	/* a large image gets a multi-cluster L1 table */
	CHECK_INT("dir: big image", 0,
		  store_image_create(s, "fvm-big", 6ULL << 40));
	CHECK_INT("dir: big clone", 0,
		  store_vm_clone(s, "fvm-big", "fvm-big-1"));
	if (have_qemu_img && fmt && !strcmp(fmt, "qcow2")) {
		char *big = store_disk_path(s, "fvm-big-1");

		check_qemu_img("dir: 6 TiB overlay", big, 6ULL << 40);
		free(big);
	}
	CHECK_INT("dir: big clone remove", 0, store_vm_remove(s, "fvm-big-1"));
	CHECK_INT("dir: big image remove", 0, store_image_remove(s, "fvm-big"));

	/* list */
	CHECK_INT("dir: clone a second VM", 0,
		  store_vm_clone(s, "fvm-img", "fvm-img-7"));
	names = store_list(s, "fvm-");
	CHECK("dir: list all", names && names[0] && names[1] && names[2] &&
				       !names[3] &&
				       !strcmp(names[0], "fvm-img") &&
				       !strcmp(names[1], "fvm-img-42") &&
				       !strcmp(names[2], "fvm-img-7"));
	store_list_free(names);
	names = store_list(s, "fvm-img-");
	CHECK("dir: list by prefix",
	      names && names[0] && names[1] && !names[2]);
	store_list_free(names);
	names = store_list(s, "other");
	CHECK("dir: list nothing", names && !names[0]);
	store_list_free(names);

	/* rename */
	CHECK("dir: rename onto an existing disk",
	      store_rename(s, "fvm-img-7", "fvm-img-42") == -1 &&
		      err_code() == FVM_EXIT_CONFLICT);
	CHECK("dir: rename a missing disk",
	      store_rename(s, "fvm-img-8", "fvm-img-9") == -1 &&
		      err_code() == FVM_EXIT_NOTFOUND);
	CHECK("dir: rename to a bad name",
	      store_rename(s, "fvm-img-7", "a/b") == -1 &&
		      err_code() == FVM_EXIT_USAGE);
	CHECK_INT("dir: rename", 0, store_rename(s, "fvm-img-7", "fvm-img-8"));
	CHECK("dir: renamed",
	      store_exists(s, "fvm-img-8") && !store_exists(s, "fvm-img-7"));

	/* raw image resize */
	CHECK("dir: image shrink refused",
	      store_resize(s, "fvm-img", 32 * MiB, false) == -1 &&
		      err_code() == FVM_EXIT_USAGE);
	CHECK_INT("dir: image grow", 0,
		  store_resize(s, "fvm-img", 128 * MiB + 1, false));
	store_usage(s, "fvm-img", &u);
	CHECK_INT("dir: image grown, rounded to 512", 128 * MiB + 512, u.size);
	CHECK("dir: resize a missing disk",
	      store_resize(s, "fvm-none", MiB, false) == -1 &&
		      err_code() == FVM_EXIT_NOTFOUND);

	/* pool */
	CHECK_INT("dir: pool status", 0, store_pool_status(s, &p));
	CHECK("dir: pool numbers",
	      p.size > 0 && p.used <= p.size && p.meta_size == 0);

	/* remove */
	CHECK("dir: image remove of a VM disk",
	      store_image_remove(s, "fvm-img-42") == -1 &&
		      err_code() == FVM_EXIT_NOTFOUND);
	CHECK("dir: VM remove of an image",
	      store_vm_remove(s, "fvm-img") == -1 &&
		      err_code() == FVM_EXIT_NOTFOUND);
	CHECK_INT("dir: VM remove", 0, store_vm_remove(s, "fvm-img-42"));
	CHECK_INT("dir: VM remove 2", 0, store_vm_remove(s, "fvm-img-8"));
	CHECK("dir: VM remove again", store_vm_remove(s, "fvm-img-42") == -1 &&
					      err_code() == FVM_EXIT_NOTFOUND);
	CHECK_INT("dir: usage of a missing disk", 0,
		  store_usage(s, "fvm-img-42", &u));
	CHECK("dir: missing disk does not exist", !u.exists);
	CHECK("dir: path of a missing disk",
	      !store_disk_path(s, "fvm-img-42") &&
		      err_code() == FVM_EXIT_NOTFOUND);
	CHECK("dir: format of a missing disk",
	      !store_disk_format(s, "fvm-img-42") &&
		      err_code() == FVM_EXIT_NOTFOUND);
	CHECK_INT("dir: image remove", 0, store_image_remove(s, "fvm-img"));
	names = store_list(s, "");
	CHECK("dir: empty after removing everything", names && !names[0]);
	store_list_free(names);
	free(img_path);
	free(vm_path);
	store_close(s);

	/* a store dir that is a file cannot open */
	raw = xasprintf("%s/file", top);
	close(open(raw, O_CREAT | O_WRONLY, 0600));
	free(c.store_dir);
	c.store_dir = raw;
	s = store_open(&c);
	CHECK("dir: open on a file fails", !s && err_code() == FVM_EXIT_FAIL);
	store_close(s);
	conf_release(&c);

	{
		char *argv[] = { "rm", "-rf", top, NULL };

		proc_run(argv, NULL, NULL);
	}
}

int main(void)
{
	test_parse_size();
	test_names();
	test_proc();
	test_dir_backend();
	UNIT_DONE();
}
