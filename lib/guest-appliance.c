/* lib/guest-appliance.c: which fixed libguestfs appliance fvm uses (FASTVM_APPLIANCE). */
#include "guest.h"
#include "guest-priv.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>

#include "err.h"

#define FASTVM_APPLIANCE_DIR "/var/lib/fast-vm/appliance"

static bool has_appliance(const char *dir)
{
	static const char *const files[] = { "kernel", "initrd", "root" };
	char path[PATH_MAX];
	struct stat st;

	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, files[i]);
		if (stat(path, &st) < 0 || !S_ISREG(st.st_mode))
			return false;
	}
	return true;
}

const char *guest_appliance_dir(const char *v)
{
	const char *env = getenv("LIBGUESTFS_PATH");

	if (env && *env)
		return NULL;
	if (v && v[0] == '/')
		return v;
	/* where fast-vm's configure-fast-vm puts the imported one */
	if (has_appliance(FASTVM_APPLIANCE_DIR))
		return FASTVM_APPLIANCE_DIR;
	return NULL;
}

int guest_appliance_check(const char *dir)
{
	struct stat st;

	if (!dir || has_appliance(dir))
		return 0;
	if (stat(dir, &st) < 0 || !S_ISDIR(st.st_mode))
		return err_set(FVM_EXIT_USAGE,
			       "FASTVM_APPLIANCE: no directory %s: make a "
			       "fixed appliance there with "
			       "libguestfs-make-fixed-appliance %s, or set "
			       "FASTVM_APPLIANCE=import",
			       dir, dir);
	return err_set(FVM_EXIT_USAGE,
		       "FASTVM_APPLIANCE: %s holds no fixed appliance (kernel, "
		       "initrd, root): make one with "
		       "libguestfs-make-fixed-appliance %s, or set "
		       "FASTVM_APPLIANCE=import",
		       dir, dir);
}
