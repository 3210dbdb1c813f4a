/* cli/image.c: names, locks, config dirs and stored checksums shared by the image applets. */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../lib/stream.h"
#include "../lib/tmpl.h"
#include "../lib/txn.h"
#include "image.h"
#include "vm.h"

struct store *image_store(void)
{
	return vm_store();
}

void image_check_name(const char *name)
{
	if (tmpl_check_name(name, "image name") < 0)
		usage_error("%s", err_msg());
}

char *image_disk(const char *name)
{
	return vm_name(applet_conf(), name, -1);
}

int image_lock(struct lock *l, const char *name, bool exclusive)
{
	char lname[160], what[160];

	snprintf(lname, sizeof(lname), "image-%s", name);
	snprintf(what, sizeof(what), "image %s", name);
	return lock_take(l, lname, what, exclusive, LOCK_WAIT_MS);
}

const char *image_conf_dir(void)
{
	struct fvm_conf *c = applet_conf();

	return geteuid() == 0 ? c->system_dir : c->user_dir;
}

char *image_sha_path(const char *disk)
{
	return store_sha_path(applet_conf(), disk);
}

int image_sha_read(const char *disk, char hex[65])
{
	char *path = image_sha_path(disk);
	char buf[80];
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	free(path);
	if (fd < 0)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n < 64)
		return -1;
	for (int i = 0; i < 64; i++) {
		if (!isxdigit((unsigned char)buf[i]))
			return -1;
		hex[i] = (char)tolower((unsigned char)buf[i]);
	}
	hex[64] = '\0';
	return 0;
}

int image_sha_write(const char *disk, const char *hex)
{
	char *path = image_sha_path(disk);
	char *dir = xstrdup(path);
	char *line = xasprintf("%s  %s\n", hex, disk);
	int rc = 0;

	*strrchr(dir, '/') = '\0';
	/* lvm: the checksum dir, and FVM_STORE_DIR above it, are made on
	 * first use (an lvm server may never have had a dir store) */
	if (mkdir(applet_conf()->store_dir, 0755) < 0 && errno != EEXIST)
		rc = err_sys(FVM_EXIT_FAIL, "%s", applet_conf()->store_dir);
	if (!rc && mkdir(dir, 0755) < 0 && errno != EEXIST)
		rc = err_sys(FVM_EXIT_FAIL, "%s", dir);
	if (!rc)
		rc = write_file_atomic(path, line, strlen(line), 0644);
	free(line);
	free(dir);
	free(path);
	return rc;
}

/* NAME-N: a VM's disk */
static bool is_vm_name(const char *name)
{
	const char *d = strrchr(name, '-');

	if (!d || !d[1])
		return false;
	for (d++; *d; d++)
		if (!isdigit((unsigned char)*d))
			return false;
	return true;
}

char **image_list(void)
{
	struct fvm_conf *c = applet_conf();
	size_t plen = strlen(c->vm_prefix), n = 0;
	char **disks = store_list(image_store(), c->vm_prefix), **out;

	if (!disks)
		die_err();
	for (size_t i = 0; disks[i]; i++)
		n++;
	out = xcalloc(n + 1, sizeof(*out));
	n = 0;
	for (size_t i = 0; disks[i]; i++) {
		const char *name = disks[i] + plen;

		if (is_vm_name(name) || tmpl_check_name(name, "image") < 0) {
			err_clear();
			continue;
		}
		out[n++] = xstrdup(name);
	}
	store_list_free(disks);
	return out;
}

char **image_vm_disks(const char *name)
{
	char *prefix = xasprintf("%s%s-", applet_conf()->vm_prefix, name);
	char **disks = store_list(image_store(), prefix), **out;
	size_t plen = strlen(prefix), n = 0;

	if (!disks)
		die_err();
	for (size_t i = 0; disks[i]; i++)
		n++;
	out = xcalloc(n + 1, sizeof(*out));
	n = 0;
	for (size_t i = 0; disks[i]; i++) {
		const char *rest = disks[i] + plen;
		bool digits = *rest != '\0';

		for (const char *p = rest; *p; p++)
			if (!isdigit((unsigned char)*p))
				digits = false;
		/* "c7-42" belongs to c7, "c7-x-42" to image c7-x */
		if (digits)
			out[n++] = xstrdup(disks[i]);
	}
	store_list_free(disks);
	free(prefix);
	return out;
}

bool image_file_exists(const char *dir, const char *name)
{
	struct stat st;
	char *p = xasprintf("%s/%s", dir, name);
	bool ok = stat(p, &st) == 0 && S_ISREG(st.st_mode);

	free(p);
	return ok;
}

void image_check_file(const char *path, const char *what)
{
	struct stat sb;

	if (stat(path, &sb) < 0)
		die(errno == ENOENT ? FVM_EXIT_NOTFOUND : FVM_EXIT_FAIL,
		    "%s file %s: %s", what, path, strerror(errno));
	if (!S_ISREG(sb.st_mode))
		die(FVM_EXIT_FAIL, "%s file %s is not a regular file", what,
		    path);
}

const char *image_other_conf_dir(void)
{
	struct fvm_conf *c = applet_conf();

	return geteuid() == 0 ? c->user_dir : c->system_dir;
}

void profile_check_name(const char *name)
{
	if (tmpl_check_name(name, "profile name") < 0)
		usage_error("%s", err_msg());
}

bool profile_exists(const char *dir, const char *name)
{
	return tmpl_profile_exists(dir, name);
}

int profile_lock(struct lock *l, const char *name)
{
	char lname[160], what[160];

	snprintf(lname, sizeof(lname), "profile-%s", name);
	snprintf(what, sizeof(what), "profile %s", name);
	return lock_take(l, lname, what, true, LOCK_WAIT_MS);
}

static int remove_entry(const char *path, const struct stat *st, int flag,
			struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	if ((flag == FTW_DP ? rmdir(path) : unlink(path)) < 0 &&
	    errno != ENOENT) {
		err_sys(FVM_EXIT_FAIL, "cannot remove %s", path);
		return 1; /* stops the walk; the error is recorded */
	}
	return 0;
}

int image_remove_tree(const char *path)
{
	int rc = nftw(path, remove_entry, 16, FTW_DEPTH | FTW_PHYS);

	if (rc > 0)
		return -1;
	if (rc < 0 && errno != ENOENT)
		return err_sys(FVM_EXIT_FAIL, "cannot remove %s", path);
	return 0;
}

#define HASH_BUF (1024u * 1024)

int image_hash(const char *disk, bool parts, bool progress,
	       struct image_sums *sums)
{
	static const unsigned char zeros[HASH_BUF];
	struct store_usage u;
	struct stream_hash *whole, *part = NULL;
	struct stream_progress p;
	unsigned char *buf;
	uint64_t off = 0, gib;
	char *path;
	int fd, rc = 0;

	memset(sums, 0, sizeof(*sums));
	if (store_usage(image_store(), disk, &u) < 0)
		return -1;
	if (!u.exists)
		return err_set(FVM_EXIT_NOTFOUND, "no disk %s", disk);
	path = store_disk_path(image_store(), disk);
	if (!path)
		return -1;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		err_sys(FVM_EXIT_FAIL, "%s", path);
		free(path);
		return -1;
	}
	free(path);
	/* lvs --units g prints two decimals, rounded; fast-vm cut them */
	gib = (u.size * 100 + GIB / 2) / GIB / 100;
	if (parts) {
		char w[32];

		sums->nparts = (unsigned)gib + 1;
		sums->width = (unsigned)snprintf(w, sizeof(w), "%llu",
						 (unsigned long long)gib);
		if (sums->width < 2)
			sums->width = 2;
		sums->parts = xcalloc(sums->nparts, sizeof(*sums->parts));
	}
	whole = stream_hash_new("sha256");
	buf = xmalloc(HASH_BUF);
	progress_start(&p, progress, "checksum", u.size);
	for (unsigned k = 0; parts ? k < sums->nparts : off < u.size; k++) {
		uint64_t end = parts ? (k + 1) * GIB : u.size;

		if (end > u.size)
			end = u.size;
		if (parts)
			part = stream_hash_new("sha512");
		while (off < end) {
			size_t n = end - off < HASH_BUF ? (size_t)(end - off) :
							  HASH_BUF;
			off_t d = lseek(fd, (off_t)off, SEEK_DATA);
			const unsigned char *b = buf;
			ssize_t r;

			/* holes are hashed without reading them */
			if ((d < 0 && errno == ENXIO) ||
			    (d >= 0 && (uint64_t)d >= off + n)) {
				b = zeros;
			} else {
				r = pread(fd, buf, n, (off_t)off);
				if (r != (ssize_t)n) {
					rc = err_sys(FVM_EXIT_FAIL,
						     "%s: read at %llu", disk,
						     (unsigned long long)off);
					break;
				}
			}
			stream_hash_update(whole, b, n);
			if (part)
				stream_hash_update(part, b, n);
			off += n;
			progress_update(&p, off);
			if (txn_interrupted()) {
				rc = err_set(FVM_EXIT_FAIL, "interrupted");
				break;
			}
		}
		if (part) {
			stream_hash_final(part, sums->parts[k]);
			part = NULL;
		}
		if (rc < 0)
			break;
	}
	progress_end(&p);
	stream_hash_final(whole, sums->sha256);
	free(buf);
	close(fd);
	if (rc < 0)
		image_sums_release(sums);
	return rc;
}

void image_sums_release(struct image_sums *sums)
{
	free(sums->parts);
	sums->parts = NULL;
	sums->nparts = 0;
}
