/* tests/tools/store-tool.c: drives lib/store from shell tests (test driver for
 * tests/lvm/store-lvm.sh). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "conf.h"
#include "err.h"
#include "store.h"
#include "util.h"

static void usage(void)
{
	fprintf(stderr,
		"usage: store-tool CMD ARG...   (config from FVM_CONFIG)\n"
		"  image-create NAME SIZE   image-remove NAME   clone IMAGE "
		"VM\n"
		"  vm-remove NAME   rename FROM TO   resize NAME SIZE "
		"[shrink]\n"
		"  usage NAME       prints: exists size allocated\n"
		"  pool             prints: size used meta_size meta_used "
		"read_only needs_check\n"
		"  list PREFIX   exists NAME   path NAME   format NAME   spec "
		"NAME\n"
		"  bench-clone IMAGE N   N clone+remove rounds; prints the "
		"median and\n"
		"                        slowest clone in microseconds\n"
		"Errors: one line on stderr, exit status the fvm exit code.\n");
	exit(2);
}

static uint64_t size_arg(const char *text)
{
	uint64_t v;

	if (store_parse_size(text, &v) < 0)
		exit(report_err());
	return v;
}

static int cmp_ll(const void *a, const void *b)
{
	long long x = *(const long long *)a, y = *(const long long *)b;

	return x < y ? -1 : x > y;
}

static int bench_clone(struct store *s, const char *image, const char *count)
{
	long n;
	long long *t;

	if (!parse_int(count, 1, 100000, &n))
		usage();
	t = xcalloc((size_t)n, sizeof(*t));
	for (long i = 0; i < n; i++) {
		char *vm = xasprintf("%s-bench", image);
		long long t0 = now_us();

		if (store_vm_clone(s, image, vm) < 0)
			return report_err();
		t[i] = now_us() - t0;
		if (store_vm_remove(s, vm) < 0)
			return report_err();
		free(vm);
	}
	qsort(t, (size_t)n, sizeof(*t), cmp_ll);
	printf("%lld %lld\n", t[n / 2], t[n - 1]);
	free(t);
	return 0;
}

static int run(struct store *s, int argc, char **argv)
{
	const char *cmd = argv[1];
	int rc = 0;

#define NEED(n)                                                                \
	do {                                                                   \
		if (argc != (n) + 2)                                           \
			usage();                                               \
	} while (0)
	if (!strcmp(cmd, "image-create")) {
		NEED(2);
		rc = store_image_create(s, argv[2], size_arg(argv[3]));
	} else if (!strcmp(cmd, "image-remove")) {
		NEED(1);
		rc = store_image_remove(s, argv[2]);
	} else if (!strcmp(cmd, "clone")) {
		NEED(2);
		rc = store_vm_clone(s, argv[2], argv[3]);
	} else if (!strcmp(cmd, "vm-remove")) {
		NEED(1);
		rc = store_vm_remove(s, argv[2]);
	} else if (!strcmp(cmd, "rename")) {
		NEED(2);
		rc = store_rename(s, argv[2], argv[3]);
	} else if (!strcmp(cmd, "resize")) {
		if (argc != 4 && (argc != 5 || strcmp(argv[4], "shrink")))
			usage();
		rc = store_resize(s, argv[2], size_arg(argv[3]), argc == 5);
	} else if (!strcmp(cmd, "usage")) {
		struct store_usage u;

		NEED(1);
		rc = store_usage(s, argv[2], &u);
		if (rc == 0)
			printf("%d %llu %llu\n", u.exists,
			       (unsigned long long)u.size,
			       (unsigned long long)u.allocated);
	} else if (!strcmp(cmd, "pool")) {
		struct store_pool p;

		NEED(0);
		rc = store_pool_status(s, &p);
		if (rc == 0)
			printf("%llu %llu %llu %llu %d %d\n",
			       (unsigned long long)p.size,
			       (unsigned long long)p.used,
			       (unsigned long long)p.meta_size,
			       (unsigned long long)p.meta_used, p.read_only,
			       p.needs_check);
	} else if (!strcmp(cmd, "list")) {
		char **names;

		NEED(1);
		names = store_list(s, argv[2]);
		if (!names)
			return report_err();
		for (char **n = names; *n; n++)
			printf("%s\n", *n);
		store_list_free(names);
	} else if (!strcmp(cmd, "exists")) {
		NEED(1);
		return store_exists(s, argv[2]) ? 0 : FVM_EXIT_NOTFOUND;
	} else if (!strcmp(cmd, "path")) {
		char *p;

		NEED(1);
		p = store_disk_path(s, argv[2]);
		if (!p)
			return report_err();
		printf("%s\n", p);
		free(p);
	} else if (!strcmp(cmd, "format")) {
		const char *f;

		NEED(1);
		f = store_disk_format(s, argv[2]);
		if (!f)
			return report_err();
		printf("%s\n", f);
	} else if (!strcmp(cmd, "spec")) {
		struct store_disk d;

		NEED(1);
		rc = store_disk_spec(s, argv[2], &d);
		if (rc == 0)
			printf("%s %s %s\n", d.type, d.path, d.format);
		store_disk_release(&d);
	} else if (!strcmp(cmd, "bench-clone")) {
		NEED(2);
		return bench_clone(s, argv[2], argv[3]);
	} else {
		usage();
	}
#undef NEED
	return rc < 0 ? report_err() : 0;
}

int main(int argc, char **argv)
{
	struct fvm_conf c;
	struct store *s;
	int rc;

	prog_name = "store-tool";
	if (argc < 2)
		usage();
	if (conf_load(&c) < 0) {
		rc = report_err();
		conf_release(&c);
		return rc;
	}
	s = store_open(&c);
	if (!s) {
		conf_release(&c);
		return report_err();
	}
	rc = run(s, argc, argv);
	store_close(s);
	conf_release(&c);
	return rc;
}
