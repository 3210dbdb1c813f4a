/* lib/reconcile.c: how fvm doctor tells fvm's objects and leftovers by their names. */
#include "reconcile.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "util.h"

int reconcile_ip_vm(const char *ip, int subnet, int min, int max)
{
	char want[32];
	size_t len;
	long n;

	snprintf(want, sizeof(want), "192.168.%d.", subnet);
	len = strlen(want);
	if (!ip || strncmp(ip, want, len) || !isdigit((unsigned char)ip[len]))
		return -1;
	/* "042" is not how libvirt writes .42 */
	if (ip[len] == '0' && ip[len + 1])
		return -1;
	if (!parse_int(ip + len, min, max, &n))
		return -1;
	return (int)n;
}

int reconcile_vm_number(const char *prefix, const char *name)
{
	size_t plen = strlen(prefix);
	const char *dash;
	long n;

	if (!name || strncmp(name, prefix, plen))
		return -1;
	dash = strrchr(name + plen, '-');
	if (!dash || dash == name + plen || !isdigit((unsigned char)dash[1]))
		return -1;
	if (dash[1] == '0' && dash[2])
		return -1;
	if (!parse_int(dash + 1, 0, 99999, &n))
		return -1;
	return (int)n;
}

static bool ends_with(const char *s, const char *suffix, size_t *stem)
{
	size_t a = strlen(s), b = strlen(suffix);

	if (a < b || strcmp(s + a - b, suffix))
		return false;
	*stem = a - b;
	return true;
}

/* "image-NAME" when NAME is a plausible image or profile name */
static char *lock_of(const char *kind, const char *name, size_t len)
{
	if (!len)
		return NULL;
	for (size_t i = 0; i < len; i++)
		if (!isalnum((unsigned char)name[i]) &&
		    !strchr("._+-", name[i]))
			return NULL;
	return xasprintf("%s-%.*s", kind, (int)len, name);
}

char *reconcile_temp_lock(enum reconcile_place where, const char *file,
			  const char *vm_prefix)
{
	static const char *const staged[][2] = {
		{ ".config-", ".xml.fvm-import" },
		{ ".hacks-", ".sh.fvm-import" },
		{ ".delete-hacks-", ".sh.fvm-import" },
	};
	const char *p;
	size_t stem;

	switch (where) {
	case RECONCILE_STORE_DIR:
		/* .fvm-import-IMAGE.XXXXXX (mkstemp) */
		if (!str_starts(file, ".fvm-import-"))
			return NULL;
		file += strlen(".fvm-import-");
		p = strrchr(file, '.');
		if (!p || strlen(p + 1) != 6)
			return NULL;
		return lock_of("image", file, (size_t)(p - file));
	case RECONCILE_CONF_DIR:
		for (size_t i = 0; i < sizeof(staged) / sizeof(staged[0]);
		     i++) {
			size_t pre = strlen(staged[i][0]);

			if (str_starts(file, staged[i][0]) &&
			    ends_with(file, staged[i][1], &stem) && stem > pre)
				return lock_of("image", file + pre, stem - pre);
		}
		/* .NAME.fvm-profile-XXXXXX[.old] and .NAME.fvm-profile-rm */
		if (file[0] != '.' || !(p = strstr(file, ".fvm-profile-")))
			return NULL;
		return lock_of("profile", file + 1, (size_t)(p - file - 1));
	case RECONCILE_SHA_DIR:
		/* .DISK.sha256.XXXXXX (write_file_atomic), or DISK.sha256.tmp
		 * as older versions named it; DISK = VM_PREFIX + IMAGE */
		if (file[0] == '.' && (p = strrchr(file, '.')) &&
		    strlen(p + 1) == 6 && p - file > 7 &&
		    !strncmp(p - 7, ".sha256", 7)) {
			stem = (size_t)(p - 7 - file) - 1;
			file++;
		} else if (!ends_with(file, ".sha256.tmp", &stem)) {
			return NULL;
		}
		if (strncmp(file, vm_prefix, strlen(vm_prefix)) ||
		    stem <= strlen(vm_prefix))
			return NULL;
		return lock_of("image", file + strlen(vm_prefix),
			       stem - strlen(vm_prefix));
	}
	return NULL;
}

char *reconcile_temp_disk_lock(const char *disk)
{
	if (!str_starts(disk, RECONCILE_IMPORT_DISK))
		return NULL;
	disk += strlen(RECONCILE_IMPORT_DISK);
	return lock_of("image", disk, strlen(disk));
}
