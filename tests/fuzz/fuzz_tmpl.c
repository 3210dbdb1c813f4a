/* tests/fuzz/fuzz_tmpl.c: fuzz template expansion and rewriting (lib/tmpl). */
#include "fuzz.h"

#include "conf.h"
#include "err.h"
#include "store.h"
#include "tmpl.h"

/*
 * The input is a template. Its last byte picks the variant (as a user's
 * settings would): VM or base, lvm or dir disk, domain type, with or
 * without a MAC.
 */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	unsigned v = size ? data[size - 1] : 0;
	char path[] = "/dev/vg/fastvm-c7-42";
	struct store_disk disk = { (v & 1) ? "file" : "block", path,
				   (v & 1) ? "qcow2" : "raw" };
	struct tmpl_vars vars = {
		.vm_name = "fastvm-c7-42",
		.image = "c7",
		.number = (v & 2) ? -1 : 42,
		.disk = (v & 4) ? NULL : &disk,
		.mac = (v & 8) ? NULL : "52:54:00:00:00:2a",
		.domain_type = (enum fvm_domain_type)((v >> 4) % 3),
		.kvm_usable = (v & 64) != 0,
	};
	char *text = fuzz_str(data, size), *xml, *mac = NULL;
	struct fvm_conf c;

	conf_defaults(&c);
	free(tmpl_expand_macros(&c, text, &vars));
	xml = tmpl_expand(&c, (const char *)data, size, &vars, &mac);
	err_clear();
	free(xml);
	free(mac);
	tmpl_check_name(text, "image name");
	err_clear();
	conf_release(&c);
	free(text);
	return 0;
}
