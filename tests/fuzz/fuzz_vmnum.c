/* tests/fuzz/fuzz_vmnum.c: fuzz VM number lists and ranges (lib/vmnum). */
#include "fuzz.h"

#include "conf.h"
#include "err.h"
#include "vmnum.h"

#define MAX_ARGS 16

/* one run over args within [min, max]; checks what it promises */
static void parse_in(int nargs, char *const *args, int min, int max,
		     const struct fvm_conf *c)
{
	struct vmlist l = { 0 };

	if (vmnum_parse(nargs, args, min, max, &l) == 0) {
		for (size_t i = 0; i < l.len; i++) {
			char ip[16], mac[18], hex[3], *name;

			if (l.n[i] < min || l.n[i] > max)
				abort();
			for (size_t j = 0; j < i && i < 256; j++)
				if (l.n[j] == l.n[i])
					abort(); /* duplicates are dropped */
			if (i > 64)
				continue;
			vm_ip(c, l.n[i], ip);
			vm_mac(c, l.n[i], mac);
			vm_hex(l.n[i], hex);
			name = vm_name(c, "img", l.n[i]);
			free(name);
		}
	}
	err_clear();
	vmlist_release(&l);
}

/* The input is up to MAX_ARGS arguments separated by NUL bytes. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *buf = fuzz_str(data, size), *args[MAX_ARGS];
	struct fvm_conf c;
	int n = 0;
	size_t i = 0;

	while (n < MAX_ARGS && i <= size) {
		args[n++] = buf + i;
		i += strlen(buf + i) + 1;
	}
	conf_defaults(&c);
	parse_in(n, args, c.vm_min, c.vm_max, &c);
	/* FVM_VM_RANGE may be anything the user writes */
	parse_in(n, args, 0, 4095, &c);
	conf_release(&c);
	free(buf);
	return 0;
}
