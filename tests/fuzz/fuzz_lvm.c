/* tests/fuzz/fuzz_lvm.c: fuzz the reader of lvs' JSON report (lib/store-lvm). */
#include "fuzz.h"

#include "err.h"
#include "store-lvm.h"
#include "store.h"

static void each_lv(const char *obj, const char *end, void *arg)
{
	static const char *const keys[] = { "lv_name", "lv_size", "pool_lv",
					    "data_percent" };
	size_t *count = arg;

	if (obj > end)
		abort();
	(*count)++;
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		char *v = lvm_json_field(obj, end, keys[i]);

		if (v && i == 1) {
			uint64_t bytes;

			store_parse_size(v, &bytes);
			err_clear();
		}
		free(v);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *json = fuzz_str(data, size);
	size_t count = 0;

	lvm_json_each_lv(json, each_lv, &count);
	free(json);
	return 0;
}
