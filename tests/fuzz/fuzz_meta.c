/* tests/fuzz/fuzz_meta.c: fuzz fast-vm's description metadata (lib/meta). */
#include "fuzz.h"

#include "err.h"
#include "meta.h"

static int str_eq(const char *a, const char *b)
{
	if (!a || !b)
		return a == b;
	return strcmp(a, b) == 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *desc = fuzz_str(data, size);
	struct vm_meta m, again;

	if (meta_parse(desc, &m) == 0) {
		char *d = meta_format_description(&m);
		char *t = meta_format_title(size % 1000, &m);

		/* what fvm writes back it must read the same way */
		if (meta_parse(d, &again) != 0 ||
		    !str_eq(m.owner, again.owner) ||
		    m.activity != again.activity ||
		    !str_eq(m.profile, again.profile) ||
		    !str_eq(m.note, again.note))
			abort();
		meta_release(&again);
		if (strchr(t, '\n'))
			abort(); /* titles are one line */
		free(d);
		free(t);
	}
	err_clear();
	meta_release(&m);
	free(desc);
	return 0;
}
