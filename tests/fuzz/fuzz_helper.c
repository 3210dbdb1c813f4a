/* tests/fuzz/fuzz_helper.c: fuzz the request parser of `fvm helper` (lib/helper). */
#include "fuzz.h"

#include "err.h"
#include "privop.h"

static const struct helper_policy policy = { "fastvm-", 20, 220, 22 };

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct helper_req r, again;

	if (helper_parse((const char *)data, size, &policy, &r) == 0) {
		char *text = helper_format(&r);

		/* what the client writes the helper must read the same */
		if (helper_parse(text, strlen(text), &policy, &again) != 0 ||
		    again.op != r.op || strcmp(again.image, r.image) ||
		    strcmp(again.vm, r.vm) || again.number != r.number ||
		    again.size != r.size || again.shrink != r.shrink ||
		    strcmp(again.mac, r.mac))
			abort();
		if (r.op == HELPER_OP_RELEASE_LEASE)
			helper_mac_allowed(&policy, r.number, r.mac, NULL);
		free(text);
	} else {
		/* the reason is one line for root's log: no control bytes */
		for (const char *p = err_msg(); *p; p++)
			if ((unsigned char)*p < 0x20 || *p == 0x7f)
				abort();
	}
	err_clear();
	return 0;
}
