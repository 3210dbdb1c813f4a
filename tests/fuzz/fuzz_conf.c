/* tests/fuzz/fuzz_conf.c: fuzz the fast-vm.conf parser (lib/conf). */
#include "fuzz.h"

#include "conf.h"
#include "err.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fvm_conf c;

	conf_defaults(&c);
	if (conf_parse(&c, "fuzz.conf", (const char *)data, size) == 0) {
		/* what `fvm config` prints for every key */
		for (const struct conf_key *k = conf_table; k->name; k++)
			free(conf_get(&c, k->name));
	}
	err_clear();
	conf_release(&c);
	return 0;
}
