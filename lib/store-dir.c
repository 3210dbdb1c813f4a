/* lib/store-dir.c: the dir storage backend: raw images, qcow2 or reflink VMs.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <linux/fs.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "err.h"
#include "fault.h"
#include "proc.h"
#include "store-backend.h"
#include "util.h"

/*
 * Layout under FVM_STORE_DIR: images/NAME.raw (sparse raw), vms/NAME.qcow2
 * (overlay on the image, absolute backing path) or vms/NAME.raw (reflink
 * copy). Image and VM names share one namespace, as LV names do in a VG.
 */
enum dir_disk { DIR_NONE, DIR_IMAGE, DIR_VM_QCOW2, DIR_VM_RAW };

static const struct {
	const char *sub, *suffix, *format;
} dir_files[] = {
	[DIR_IMAGE] = { "images", ".raw", "raw" },
	[DIR_VM_QCOW2] = { "vms", ".qcow2", "qcow2" },
	[DIR_VM_RAW] = { "vms", ".raw", "raw" },
};

/* qcow2 as qemu writes it by default: 64 KiB clusters, 16-bit refcounts,
 * header in cluster 0, refcount table in 1, refcount block in 2, L1 from 3. */
#define QCOW2_MAGIC	   0x514649fbu
#define QCOW2_CLUSTER_BITS 16
#define QCOW2_CLUSTER	   ((uint64_t)1 << QCOW2_CLUSTER_BITS)
/* guest bytes one L1 entry (one L2 table) maps */
#define QCOW2_L2_SPAN		 (QCOW2_CLUSTER * (QCOW2_CLUSTER / 8))
#define QCOW2_HEADER_LEN	 112
#define QCOW2_EXT_BACKING_FORMAT 0xe2792acau
#define QCOW2_BACKING_MAX	 1023 /* qemu's limit on the backing name */
#define QCOW2_INCOMPAT_DIRTY	 1u
#define QCOW2_INCOMPAT_CORRUPT	 2u
#define QCOW2_INCOMPAT_DATA_FILE 4u
/* incompatible features that read no other file: dirty, corrupt,
 * compression type, extended L2 entries */
#define QCOW2_INCOMPAT_KNOWN (1u | 2u | 8u | 16u)
#define QCOW2_EXT_DATA_FILE  0x44415441u
#define QCOW2_EXT_CRYPTO     0x0537be77u

static void put_be16(unsigned char *p, uint16_t v)
{
	p[0] = (unsigned char)(v >> 8);
	p[1] = (unsigned char)v;
}

static void put_be32(unsigned char *p, uint32_t v)
{
	for (int i = 3; i >= 0; i--, v >>= 8)
		p[i] = (unsigned char)v;
}

static void put_be64(unsigned char *p, uint64_t v)
{
	for (int i = 7; i >= 0; i--, v >>= 8)
		p[i] = (unsigned char)v;
}

static uint32_t get_be32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}

static uint64_t get_be64(const unsigned char *p)
{
	return (uint64_t)get_be32(p) << 32 | get_be32(p + 4);
}

static int dir_fd(struct store *s, enum dir_disk k)
{
	return k == DIR_IMAGE ? s->images_fd : s->vms_fd;
}

static char *dir_file(enum dir_disk k, const char *name)
{
	return xasprintf("%s%s", name, dir_files[k].suffix);
}

static char *dir_path(struct store *s, enum dir_disk k, const char *name)
{
	return xasprintf("%s/%s/%s%s", s->dir, dir_files[k].sub, name,
			 dir_files[k].suffix);
}

/* Which file holds disk name (st filled when st is not NULL). */
static enum dir_disk dir_find(struct store *s, const char *name,
			      struct stat *st)
{
	struct stat sb;

	for (enum dir_disk k = DIR_IMAGE; k <= DIR_VM_RAW; k++) {
		char *f = dir_file(k, name);
		int rc = fstatat(dir_fd(s, k), f, &sb, AT_SYMLINK_NOFOLLOW);

		free(f);
		if (rc == 0 && S_ISREG(sb.st_mode)) {
			if (st)
				*st = sb;
			return k;
		}
	}
	return DIR_NONE;
}

static int dir_not_found(const char *what, const char *name)
{
	return err_set(FVM_EXIT_NOTFOUND, "%s %s not found", what, name);
}

static int dir_conflict(const char *name)
{
	return err_set(FVM_EXIT_CONFLICT, "disk %s exists already", name);
}

/*
 * Create a disk file exclusively; nobody but its maker may write it. An
 * image is 0644: everyone reads it (qemu, exports), members never change
 * it. A VM disk is 0640, in FASTVM_GROUP when that can be set: members
 * read their VMs' disks, but a qcow2 header they could write may name
 * any file on the host (a backing or data file) for root to open.
 */
static int dir_create_file(struct store *s, enum dir_disk k, const char *name)
{
	char *f = dir_file(k, name);
	int fd = openat(dir_fd(s, k), f,
			O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW,
			0600);

	if (fd < 0) {
		if (errno == EEXIST)
			dir_conflict(name);
		else
			err_sys(FVM_EXIT_FAIL, "%s/%s/%s", s->dir,
				dir_files[k].sub, f);
		free(f);
		return -1;
	}
	free(f);
	/* group ownership is a convenience for the team; not being allowed
	 * to set it is no reason to fail */
	if (k != DIR_IMAGE && s->gid != (gid_t)-1 &&
	    fchown(fd, (uid_t)-1, s->gid) < 0)
		errno = 0;
	if (fchmod(fd, k == DIR_IMAGE ? 0644 : 0640) < 0)
		errno = 0;
	return fd;
}

static void dir_unlink(struct store *s, enum dir_disk k, const char *name)
{
	char *f = dir_file(k, name);

	unlinkat(dir_fd(s, k), f, 0);
	free(f);
}

static uint64_t round_512(uint64_t v)
{
	return (v + 511) & ~(uint64_t)511;
}

static int dir_image_create(struct store *s, const char *name, uint64_t size)
{
	int fd;

	if (dir_find(s, name, NULL) != DIR_NONE)
		return dir_conflict(name);
	size = round_512(size);
	fd = dir_create_file(s, DIR_IMAGE, name);
	if (fd < 0)
		return -1;
	fault_point("store.after-image-file");
	if (ftruncate(fd, (off_t)size) < 0) {
		err_sys(FVM_EXIT_FAIL, "%s: cannot set size", name);
		close(fd);
		dir_unlink(s, DIR_IMAGE, name);
		return -1;
	}
	close(fd);
	return 0;
}

static int dir_check_handed_out(struct store *s, enum dir_disk k,
				const char *name);

static char *dir_disk_path(struct store *s, const char *name)
{
	enum dir_disk k = dir_find(s, name, NULL);

	if (k == DIR_NONE) {
		dir_not_found("disk", name);
		return NULL;
	}
	if (dir_check_handed_out(s, k, name) < 0)
		return NULL;
	return dir_path(s, k, name);
}

static const char *dir_disk_format(struct store *s, const char *name)
{
	enum dir_disk k = dir_find(s, name, NULL);

	if (k == DIR_NONE) {
		dir_not_found("disk", name);
		return NULL;
	}
	return dir_files[k].format;
}

static bool dir_exists(struct store *s, const char *name)
{
	return dir_find(s, name, NULL) != DIR_NONE;
}

struct qcow2_info {
	uint64_t size, l1_offset, incompat, backing_offset;
	uint32_t l1_size, version, cluster_bits, crypt, header_len;
	char *backing; /* malloc'd, NULL when none */
};

/* Read what fvm needs from a qcow2 header. */
static int qcow2_read(int fd, const char *name, struct qcow2_info *q)
{
	unsigned char h[QCOW2_HEADER_LEN];
	uint64_t boff;
	uint32_t blen, version;
	ssize_t n = pread(fd, h, sizeof(h), 0);

	memset(q, 0, sizeof(*q));
	if (n < 72 || get_be32(h) != QCOW2_MAGIC)
		return err_set(FVM_EXIT_FAIL, "%s: not a qcow2 file", name);
	version = get_be32(h + 4);
	/* a version-3 header is at least 104 bytes; later versions are
	 * unknown, and so are their fields */
	if (version != 2 && version != 3)
		return err_set(FVM_EXIT_FAIL,
			       "%s: unsupported qcow2 version %u", name,
			       version);
	if (version == 3 && n < 104)
		return err_set(FVM_EXIT_FAIL, "%s: short qcow2 header", name);
	boff = get_be64(h + 8);
	blen = get_be32(h + 16);
	q->version = version;
	q->cluster_bits = get_be32(h + 20);
	q->size = get_be64(h + 24);
	q->crypt = get_be32(h + 32);
	q->l1_size = get_be32(h + 36);
	q->l1_offset = get_be64(h + 40);
	q->incompat = version >= 3 ? get_be64(h + 72) : 0;
	q->header_len = version >= 3 ? get_be32(h + 100) : 72;
	q->backing_offset = boff;
	/* qemu's cluster sizes: 512 bytes to 2 MiB */
	if (q->cluster_bits < 9 || q->cluster_bits > 21)
		return err_set(FVM_EXIT_FAIL, "%s: bad qcow2 cluster size",
			       name);
	if (boff && blen) {
		if (blen > QCOW2_BACKING_MAX)
			return err_set(FVM_EXIT_FAIL,
				       "%s: bad qcow2 backing file name", name);
		q->backing = xmalloc(blen + 1);
		if (pread(fd, q->backing, blen, (off_t)boff) != (ssize_t)blen) {
			free(q->backing);
			q->backing = NULL;
			return err_set(FVM_EXIT_FAIL,
				       "%s: cannot read qcow2 backing name",
				       name);
		}
		q->backing[blen] = '\0';
	}
	return 0;
}

static int overlay_refused(const char *name, const char *why)
{
	return err_set(FVM_EXIT_FAIL,
		       "VM disk %s %s: fvm opens it no further (a qcow2 "
		       "overlay fvm makes reads its image only)",
		       name, why);
}

/*
 * The qcow2 header extensions of an overlay, which end within the first
 * cluster (and before the backing name): the backing format must be
 * raw, and no extension may name another file or a key.
 */
static int qcow2_check_extensions(int fd, const char *name,
				  const struct qcow2_info *q)
{
	uint64_t off = q->header_len, end = (uint64_t)1 << q->cluster_bits;
	bool raw = false;

	if (q->version >= 3 && (q->header_len < 104 || q->header_len > end))
		return overlay_refused(name, "has a bad qcow2 header length");
	if (q->backing_offset && q->backing_offset < end)
		end = q->backing_offset;
	for (int i = 0; i < 64 && off + 8 <= end; i++) {
		unsigned char e[8], fmt[3];
		uint32_t type, len;

		if (pread(fd, e, sizeof(e), (off_t)off) != (ssize_t)sizeof(e))
			break;
		type = get_be32(e);
		len = get_be32(e + 4);
		if (type == 0)
			return raw ? 0 :
				     overlay_refused(name, "has a backing "
							   "format other than "
							   "raw");
		off += 8;
		if (len > end - off)
			break;
		if (type == QCOW2_EXT_BACKING_FORMAT)
			raw = len == 3 && pread(fd, fmt, 3, (off_t)off) == 3 &&
			      !memcmp(fmt, "raw", 3);
		else if (type == QCOW2_EXT_DATA_FILE)
			return overlay_refused(name,
					       "names an external data file");
		else if (type == QCOW2_EXT_CRYPTO)
			return overlay_refused(name, "is encrypted");
		off += ((uint64_t)len + 7) & ~(uint64_t)7;
	}
	return overlay_refused(name, "has bad qcow2 header extensions");
}

/*
 * The overlay in fd is as fvm makes it, so that the qemu-img, libvirt
 * and libguestfs root runs on it open no other file: qcow2 version 2 or
 * 3, not encrypted, no external data file, no incompatible feature fvm
 * does not know, the backing file exactly backing with format raw.
 */
static int qcow2_check_overlay(int fd, const char *name, const char *backing)
{
	struct qcow2_info q;
	int rc = 0;

	if (qcow2_read(fd, name, &q) < 0)
		return -1;
	if (q.crypt)
		rc = overlay_refused(name, "is encrypted");
	else if (q.incompat & QCOW2_INCOMPAT_DATA_FILE)
		rc = overlay_refused(name, "has an external data file");
	else if (q.incompat & ~(uint64_t)QCOW2_INCOMPAT_KNOWN)
		rc = overlay_refused(name, "has qcow2 features fvm does not "
					   "know");
	else if (!q.backing || strcmp(q.backing, backing))
		rc = overlay_refused(name, "has a backing file other than its "
					   "image");
	else
		rc = qcow2_check_extensions(fd, name, &q);
	free(q.backing);
	return rc;
}

/*
 * Write an empty qcow2 v3 overlay of size bytes over a raw backing file:
 * nothing allocated, so every read goes to the backing file until the
 * guest writes.
 */
static int qcow2_write_overlay(int fd, const char *name, uint64_t size,
			       const char *backing)
{
	unsigned char h[QCOW2_HEADER_LEN + 24 + QCOW2_BACKING_MAX];
	unsigned char ref[8], refblock[2 * 64];
	size_t blen = strlen(backing), hlen;
	uint64_t l1_size = (size + QCOW2_L2_SPAN - 1) / QCOW2_L2_SPAN;
	uint64_t l1_clusters =
		(l1_size * 8 + QCOW2_CLUSTER - 1) / QCOW2_CLUSTER;
	uint64_t clusters;

	if (blen > QCOW2_BACKING_MAX)
		return err_set(FVM_EXIT_FAIL, "%s: backing path too long",
			       name);
	if (!l1_clusters)
		l1_clusters = 1;
	clusters = 3 + l1_clusters;
	/* 64 refcounts are written: an L1 table of up to 61 clusters,
	 * 244 TiB of virtual size */
	if (clusters > sizeof(refblock) / 2 || l1_size > UINT32_MAX)
		return err_set(FVM_EXIT_USAGE, "%s: size too large for qcow2",
			       name);
	memset(h, 0, sizeof(h));
	put_be32(h, QCOW2_MAGIC);
	put_be32(h + 4, 3);
	put_be32(h + 20, QCOW2_CLUSTER_BITS);
	put_be64(h + 24, size);
	put_be32(h + 36, (uint32_t)l1_size);
	put_be64(h + 40, 3 * QCOW2_CLUSTER);
	put_be64(h + 48, QCOW2_CLUSTER);
	put_be32(h + 56, 1);
	put_be32(h + 96, 4); /* refcount_order: 16-bit refcounts */
	put_be32(h + 100, QCOW2_HEADER_LEN);
	/* header extension: backing format "raw", so qemu never probes
	 * the image's contents to guess it */
	put_be32(h + QCOW2_HEADER_LEN, QCOW2_EXT_BACKING_FORMAT);
	put_be32(h + QCOW2_HEADER_LEN + 4, 3);
	/* NOLINTNEXTLINE(bugprone-not-null-terminated-result): qcow2 bytes */
	memcpy(h + QCOW2_HEADER_LEN + 8, "raw", 3);
	/* end of extensions at +16 (8 zero bytes), then the backing name */
	hlen = QCOW2_HEADER_LEN + 24;
	put_be64(h + 8, hlen);
	put_be32(h + 16, (uint32_t)blen);
	/* NOLINTNEXTLINE(bugprone-not-null-terminated-result): qcow2 bytes */
	memcpy(h + hlen, backing, blen);
	hlen += blen;

	put_be64(ref, 2 * QCOW2_CLUSTER);
	memset(refblock, 0, sizeof(refblock));
	for (uint64_t i = 0; i < clusters; i++)
		put_be16(refblock + 2 * i, 1);
	if (pwrite(fd, h, hlen, 0) != (ssize_t)hlen ||
	    pwrite(fd, ref, sizeof(ref), (off_t)QCOW2_CLUSTER) !=
		    (ssize_t)sizeof(ref) ||
	    pwrite(fd, refblock, 2 * clusters, (off_t)(2 * QCOW2_CLUSTER)) !=
		    (ssize_t)(2 * clusters) ||
	    ftruncate(fd, (off_t)(clusters * QCOW2_CLUSTER)) < 0)
		return err_sys(FVM_EXIT_FAIL, "%s: cannot write qcow2", name);
	return 0;
}

/* 1: cloned by reflink; 0: the filesystem cannot; -1: error recorded. */
static int dir_clone_reflink(struct store *s, int img_fd, const char *vm)
{
	int fd, e;

	if (s->no_reflink)
		return 0;
	fd = dir_create_file(s, DIR_VM_RAW, vm);
	if (fd < 0)
		return -1;
	if (ioctl(fd, FICLONE, img_fd) == 0) {
		close(fd);
		return 1;
	}
	e = errno;
	close(fd);
	dir_unlink(s, DIR_VM_RAW, vm);
	if (e == EOPNOTSUPP || e == EXDEV || e == EINVAL || e == ENOTTY ||
	    e == ENOSYS) {
		s->no_reflink = true;
		return 0;
	}
	errno = e;
	return err_sys(FVM_EXIT_FAIL, "%s: reflink", vm);
}

static int dir_vm_clone(struct store *s, const char *image, const char *vm)
{
	struct stat st;
	char *f, *backing;
	int img_fd, fd, rc;

	if (dir_find(s, image, &st) != DIR_IMAGE)
		return dir_not_found("image", image);
	if (dir_find(s, vm, NULL) != DIR_NONE)
		return dir_conflict(vm);
	f = dir_file(DIR_IMAGE, image);
	img_fd = openat(s->images_fd, f, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	free(f);
	if (img_fd < 0)
		return err_sys(FVM_EXIT_FAIL, "image %s", image);
	rc = dir_clone_reflink(s, img_fd, vm);
	close(img_fd);
	if (rc)
		return rc < 0 ? -1 : 0;

	fd = dir_create_file(s, DIR_VM_QCOW2, vm);
	if (fd < 0)
		return -1;
	fault_point("store.after-overlay-file");
	backing = dir_path(s, DIR_IMAGE, image);
	rc = qcow2_write_overlay(fd, vm, round_512((uint64_t)st.st_size),
				 backing);
	free(backing);
	close(fd);
	if (rc < 0)
		dir_unlink(s, DIR_VM_QCOW2, vm);
	return rc;
}

/* The VM disks whose qcow2 overlay reads from image (NULL when none). */
static char **dir_image_users(struct store *s, const char *image)
{
	struct strv l = STRV_INIT;
	char *backing = dir_path(s, DIR_IMAGE, image);
	const size_t slen = strlen(dir_files[DIR_VM_QCOW2].suffix);
	struct dirent *e;
	DIR *d;
	int fd = dup(s->vms_fd);

	if (fd < 0 || !(d = fdopendir(fd))) {
		if (fd >= 0)
			close(fd);
		free(backing);
		return NULL;
	}
	rewinddir(d);
	while ((e = readdir(d))) {
		size_t len = strlen(e->d_name);
		struct qcow2_info q;
		int qfd;

		if (len <= slen || strcmp(e->d_name + len - slen,
					  dir_files[DIR_VM_QCOW2].suffix))
			continue;
		qfd = openat(s->vms_fd, e->d_name,
			     O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
		if (qfd < 0)
			continue;
		if (qcow2_read(qfd, e->d_name, &q) == 0 && q.backing &&
		    !strcmp(q.backing, backing))
			strv_pushn(&l, e->d_name, len - slen);
		else
			err_clear();
		free(q.backing);
		close(qfd);
	}
	closedir(d);
	free(backing);
	/* NULL, not an empty list, is what "unused" looks like here */
	return l.n ? store_names_finish(&l) : NULL;
}

/* Refuse to pull an image from under the VM disks that read from it. */
static int dir_check_unused(struct store *s, const char *image,
			    const char *doing)
{
	char **users = dir_image_users(s, image);
	struct sbuf b = SBUF_INIT;
	size_t n = 0;

	if (!users)
		return 0;
	for (char **u = users; *u; u++, n++)
		if (n < 5)
			sbuf_addf(&b, "%s%s", n ? ", " : "", *u);
	err_set(FVM_EXIT_CONFLICT, "cannot %s image %s: VM disks use it: %s%s",
		doing, image, b.s, n > 5 ? ", ..." : "");
	sbuf_release(&b);
	store_list_free(users);
	return -1;
}

static int dir_remove(struct store *s, const char *name, bool image)
{
	enum dir_disk k = dir_find(s, name, NULL);
	char *f;
	int rc;

	if (k == DIR_NONE || (k == DIR_IMAGE) != image)
		return dir_not_found(image ? "image" : "VM disk", name);
	if (image && dir_check_unused(s, name, "remove") < 0)
		return -1;
	f = dir_file(k, name);
	rc = unlinkat(dir_fd(s, k), f, 0);
	free(f);
	if (rc < 0)
		return err_sys(errno == ENOENT ? FVM_EXIT_NOTFOUND :
						 FVM_EXIT_FAIL,
			       "cannot remove %s", name);
	return 0;
}

static int dir_image_remove(struct store *s, const char *name)
{
	return dir_remove(s, name, true);
}

static int dir_vm_remove(struct store *s, const char *vm)
{
	return dir_remove(s, vm, false);
}

static int dir_rename(struct store *s, const char *from, const char *to)
{
	enum dir_disk k = dir_find(s, from, NULL);
	char *ff, *tf;
	int rc;

	if (k == DIR_NONE)
		return dir_not_found("disk", from);
	if (dir_find(s, to, NULL) != DIR_NONE)
		return dir_conflict(to);
	/* overlays name their image by path */
	if (k == DIR_IMAGE && dir_check_unused(s, from, "rename") < 0)
		return -1;
	ff = dir_file(k, from);
	tf = dir_file(k, to);
	rc = renameat2(dir_fd(s, k), ff, dir_fd(s, k), tf, RENAME_NOREPLACE);
	free(ff);
	free(tf);
	if (rc < 0) {
		if (errno == EEXIST)
			return dir_conflict(to);
		return err_sys(errno == ENOENT ? FVM_EXIT_NOTFOUND :
						 FVM_EXIT_FAIL,
			       "cannot rename %s to %s", from, to);
	}
	return 0;
}

/* The image a VM disk's overlay must read: VM_PREFIX IMAGE-N's
 * images/VM_PREFIX IMAGE.raw (malloc'd; NULL for no VM disk name). */
static char *dir_vm_backing(struct store *s, const char *vm)
{
	const char *dash = strrchr(vm, '-');
	char *image, *path;

	if (!dash || dash == vm)
		return NULL;
	image = xstrndup(vm, (size_t)(dash - vm));
	path = dir_path(s, DIR_IMAGE, image);
	free(image);
	return path;
}

/* The overlay of VM disk vm, open in fd, is as fvm makes it. */
static int dir_check_overlay(struct store *s, int fd, const char *vm)
{
	char *backing = dir_vm_backing(s, vm);
	int rc;

	if (!backing)
		return overlay_refused(vm, "is no VM disk (IMAGE-N)");
	rc = qcow2_check_overlay(fd, vm, backing);
	free(backing);
	return rc;
}

/*
 * Root hands a qcow2 file to qemu-img only when nobody else can change
 * it between fvm's check and qemu-img's use: root's, writable by root
 * only, one link (checked on the open file).
 */
static int dir_root_only(int fd, const char *name)
{
	struct stat st;

	if (geteuid() != 0)
		return 0;
	if (fstat(fd, &st) < 0)
		return err_sys(FVM_EXIT_FAIL, "VM disk %s", name);
	if (!S_ISREG(st.st_mode) || st.st_uid != 0 || (st.st_mode & 022) ||
	    st.st_nlink != 1)
		return err_set(FVM_EXIT_FAIL,
			       "VM disk %s may be changed by others than root "
			       "(owner %u, mode %04o, %u links): fvm works on "
			       "it as root only once it is root's and writable "
			       "by root alone (chown root, chmod 0640)",
			       name, (unsigned)st.st_uid,
			       (unsigned)(st.st_mode & 07777),
			       (unsigned)st.st_nlink);
	return 0;
}

/*
 * qemu-img gets the descriptor fvm checked (/dev/fd/3), the format
 * pinned and no backing file: it opens no file of a name but that one.
 */
static int dir_qemu_img_resize(int fd, const char *name, uint64_t size,
			       bool shrink)
{
	static char json[] = "json:{\"driver\":\"qcow2\",\"backing\":null,"
			     "\"file\":{\"driver\":\"file\","
			     "\"filename\":\"/dev/fd/3\"}}";
	char *bytes = xasprintf("%llu", (unsigned long long)size);
	char *argv[] = { "qemu-img",
			 "resize",
			 "-q",
			 shrink ? "--shrink" : json,
			 shrink ? json : bytes,
			 shrink ? bytes : NULL,
			 NULL };
	struct proc_opts o = { .fd3 = fd };
	char *err = NULL, *line;
	int rc;

	if (dir_root_only(fd, name) < 0) {
		free(bytes);
		return -1;
	}
	rc = proc_run_opts(argv, &o, NULL, &err);
	if (rc > 0) {
		line = proc_last_line(err);
		err_set(FVM_EXIT_FAIL, "%s: qemu-img resize: %s", name, line);
		free(line);
		rc = -1;
	}
	free(err);
	free(bytes);
	return rc ? -1 : 0;
}

/*
 * Grow a qcow2 overlay in place when its L1 table has room (one cluster
 * of L1 covers 4 TiB): only the header's size and L1 length change, so a
 * grow costs no process. Anything else goes to qemu-img. Either way the
 * overlay is checked first: it must read its image and nothing else.
 */
static int dir_resize_qcow2(struct store *s, const char *name, uint64_t size,
			    bool allow_shrink)
{
	char *f = dir_file(DIR_VM_QCOW2, name);
	int fd = openat(s->vms_fd, f, O_RDWR | O_CLOEXEC | O_NOFOLLOW);
	struct qcow2_info q = { 0 };
	uint64_t l1_size, room;
	unsigned char buf[16];
	int rc = -1;

	free(f);
	if (fd < 0)
		return err_sys(FVM_EXIT_FAIL, "VM disk %s", name);
	if (dir_check_overlay(s, fd, name) < 0 || qcow2_read(fd, name, &q) < 0)
		goto out_close;
	if (size < q.size && !allow_shrink) {
		err_set(FVM_EXIT_USAGE,
			"%s: %llu bytes is smaller than its %llu bytes", name,
			(unsigned long long)size, (unsigned long long)q.size);
		goto out_close;
	}
	rc = 0;
	if (size == q.size)
		goto out_close;
	l1_size = (size + QCOW2_L2_SPAN - 1) / QCOW2_L2_SPAN;
	room = (q.l1_size * 8 + QCOW2_CLUSTER - 1) / QCOW2_CLUSTER *
	       QCOW2_CLUSTER / 8;
	if (size < q.size || l1_size > room ||
	    q.cluster_bits != QCOW2_CLUSTER_BITS ||
	    (q.incompat & (QCOW2_INCOMPAT_DIRTY | QCOW2_INCOMPAT_CORRUPT))) {
		rc = 1;
		goto out_close;
	}
	/* the L1 entries taken into use must be empty */
	for (uint64_t i = q.l1_size; i < l1_size; i++) {
		unsigned char e[8];

		if (pread(fd, e, 8, (off_t)(q.l1_offset + 8 * i)) == 8 &&
		    get_be64(e) != 0) {
			rc = 1;
			goto out_close;
		}
	}
	/* size (24..31), crypt_method (32..35), l1_size (36..39): one write */
	if (pread(fd, buf, sizeof(buf), 24) != (ssize_t)sizeof(buf)) {
		rc = err_sys(FVM_EXIT_FAIL, "%s: cannot read qcow2", name);
		goto out_close;
	}
	put_be64(buf, size);
	put_be32(buf + 12, (uint32_t)l1_size);
	if (pwrite(fd, buf, sizeof(buf), 24) != (ssize_t)sizeof(buf) ||
	    fdatasync(fd) < 0)
		rc = err_sys(FVM_EXIT_FAIL, "%s: cannot write qcow2", name);
out_close:
	free(q.backing);
	if (rc == 1)
		rc = dir_qemu_img_resize(fd, name, size, size < q.size);
	close(fd);
	return rc;
}

static int dir_resize(struct store *s, const char *name, uint64_t size,
		      bool allow_shrink)
{
	struct stat st;
	enum dir_disk k = dir_find(s, name, &st);
	char *f;
	int fd, rc;

	if (k == DIR_NONE)
		return dir_not_found("disk", name);
	size = round_512(size);
	if (k == DIR_VM_QCOW2)
		return dir_resize_qcow2(s, name, size, allow_shrink);
	if (size < (uint64_t)st.st_size) {
		if (!allow_shrink)
			return err_set(FVM_EXIT_USAGE,
				       "%s: %llu bytes is smaller than its "
				       "%llu bytes",
				       name, (unsigned long long)size,
				       (unsigned long long)st.st_size);
		if (k == DIR_IMAGE && dir_check_unused(s, name, "shrink") < 0)
			return -1;
	}
	f = dir_file(k, name);
	fd = openat(dir_fd(s, k), f, O_WRONLY | O_CLOEXEC | O_NOFOLLOW);
	free(f);
	if (fd < 0)
		return err_sys(FVM_EXIT_FAIL, "disk %s", name);
	rc = ftruncate(fd, (off_t)size);
	if (rc < 0)
		err_sys(FVM_EXIT_FAIL, "%s: cannot resize", name);
	close(fd);
	return rc;
}

/*
 * A VM disk is fit for root's qemu-img, libvirt and libguestfs: a qcow2
 * overlay reads its image only (a reflink copy is raw: nothing to read
 * but itself), and as root nobody else may change it.
 */
static int dir_vm_check(struct store *s, const char *vm)
{
	enum dir_disk k = dir_find(s, vm, NULL);
	char *f;
	int fd, rc;

	if (k == DIR_NONE || k == DIR_IMAGE)
		return dir_not_found("VM disk", vm);
	if (k != DIR_VM_QCOW2)
		return 0;
	f = dir_file(k, vm);
	fd = openat(s->vms_fd, f, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	free(f);
	if (fd < 0)
		return err_sys(FVM_EXIT_FAIL, "VM disk %s", vm);
	rc = dir_root_only(fd, vm);
	if (rc == 0)
		rc = dir_check_overlay(s, fd, vm);
	close(fd);
	return rc;
}

/* A qcow2 VM disk handed out by path (to libvirt, libguestfs) must read
 * its image and nothing else. */
static int dir_check_handed_out(struct store *s, enum dir_disk k,
				const char *name)
{
	char *f;
	int fd, rc;

	if (k != DIR_VM_QCOW2)
		return 0;
	f = dir_file(k, name);
	fd = openat(s->vms_fd, f, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	free(f);
	if (fd < 0)
		return err_sys(FVM_EXIT_FAIL, "VM disk %s", name);
	rc = dir_check_overlay(s, fd, name);
	close(fd);
	return rc;
}

static int dir_usage(struct store *s, const char *name, struct store_usage *u)
{
	struct stat st;
	enum dir_disk k = dir_find(s, name, &st);

	if (k == DIR_NONE)
		return 0;
	u->exists = true;
	u->size = (uint64_t)st.st_size;
	u->allocated = (uint64_t)st.st_blocks * 512;
	if (k == DIR_VM_QCOW2) {
		char *f = dir_file(k, name);
		int fd =
			openat(s->vms_fd, f, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
		struct qcow2_info q;
		int rc;

		free(f);
		if (fd < 0)
			return err_sys(FVM_EXIT_FAIL, "VM disk %s", name);
		rc = qcow2_read(fd, name, &q);
		close(fd);
		free(q.backing);
		if (rc < 0)
			return -1;
		u->size = q.size;
	}
	return 0;
}

static int dir_pool_status(struct store *s, struct store_pool *p)
{
	struct statvfs v;

	if (fstatvfs(s->vms_fd, &v) < 0)
		return err_sys(FVM_EXIT_FAIL, "%s", s->dir);
	p->size = (uint64_t)v.f_blocks * v.f_frsize;
	p->used = (uint64_t)(v.f_blocks - v.f_bfree) * v.f_frsize;
	p->read_only = (v.f_flag & ST_RDONLY) != 0;
	return 0;
}

static void dir_list_sub(struct store *s, enum dir_disk k, const char *prefix,
			 struct strv *l)
{
	const char *suffix = dir_files[k].suffix;
	size_t slen = strlen(suffix);
	struct dirent *e;
	DIR *d;
	int fd = dup(dir_fd(s, k));

	if (fd < 0 || !(d = fdopendir(fd))) {
		if (fd >= 0)
			close(fd);
		return;
	}
	rewinddir(d);
	while ((e = readdir(d))) {
		size_t len = strlen(e->d_name);
		char *name;

		if (len <= slen || strcmp(e->d_name + len - slen, suffix) ||
		    !str_starts(e->d_name, prefix))
			continue;
		name = xstrndup(e->d_name, len - slen);
		/* leftovers such as qemu-img temp files are not disks */
		if (store_check_name(name) == 0)
			strv_pushn(l, name, len - slen);
		else
			err_clear();
		free(name);
	}
	closedir(d);
}

static char **dir_list(struct store *s, const char *prefix)
{
	struct strv l = STRV_INIT;

	for (enum dir_disk k = DIR_IMAGE; k <= DIR_VM_RAW; k++)
		dir_list_sub(s, k, prefix, &l);
	return store_names_finish(&l);
}

static int dir_disk_spec(struct store *s, const char *name,
			 struct store_disk *d)
{
	enum dir_disk k = dir_find(s, name, NULL);

	if (k == DIR_NONE)
		return dir_not_found("disk", name);
	if (dir_check_handed_out(s, k, name) < 0)
		return -1;
	d->type = "file";
	d->path = dir_path(s, k, name);
	d->format = dir_files[k].format;
	return 0;
}

static void dir_close(struct store *s)
{
	if (s->images_fd >= 0)
		close(s->images_fd);
	if (s->vms_fd >= 0)
		close(s->vms_fd);
}

static const struct store_ops dir_ops = {
	.kind = "dir",
	.caps = STORE_CAP_GROWS | STORE_CAP_VMS_READ_IMAGE,
	.image_create = dir_image_create,
	.disk_path = dir_disk_path,
	.disk_format = dir_disk_format,
	.image_remove = dir_image_remove,
	.rename = dir_rename,
	.exists = dir_exists,
	.vm_clone = dir_vm_clone,
	.vm_remove = dir_vm_remove,
	.resize = dir_resize,
	.usage = dir_usage,
	.pool_status = dir_pool_status,
	.list = dir_list,
	.disk_spec = dir_disk_spec,
	.vm_check = dir_vm_check,
	.close = dir_close,
};

/* mkdir -p, each new directory 0755. */
static int dir_make(const char *path)
{
	char *p = xstrdup(path);
	int rc = 0;

	for (char *q = p + 1;; q++) {
		if (*q != '/' && *q)
			continue;
		char c = *q;

		*q = '\0';
		if (mkdir(p, 0755) < 0 && errno != EEXIST) {
			rc = err_sys(FVM_EXIT_FAIL, "cannot create %s", p);
			break;
		}
		*q = c;
		if (!c)
			break;
	}
	free(p);
	return rc;
}

static int dir_open_sub(struct store *s, const char *sub)
{
	char *path = xasprintf("%s/%s", s->dir, sub);
	int fd = -1;

	if (dir_make(path) == 0) {
		fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (fd < 0)
			err_sys(FVM_EXIT_FAIL, "cannot open %s", path);
	}
	free(path);
	return fd;
}

int store_dir_open(struct store *s, const struct fvm_conf *c)
{
	char real[PATH_MAX];

	s->ops = &dir_ops;
	if (!c->store_dir || !*c->store_dir)
		return err_set(FVM_EXIT_USAGE, "FVM_STORE_DIR is empty");
	if (dir_make(c->store_dir) < 0)
		return -1;
	/* overlays record their image by absolute path */
	if (!realpath(c->store_dir, real))
		return err_sys(FVM_EXIT_FAIL, "%s", c->store_dir);
	s->dir = xstrdup(real);
	s->images_fd = dir_open_sub(s, "images");
	if (s->images_fd < 0)
		return -1;
	s->vms_fd = dir_open_sub(s, "vms");
	if (s->vms_fd < 0)
		return -1;
	if (c->group && *c->group) {
		struct group gr, *res = NULL;
		char buf[4096];

		if (getgrnam_r(c->group, &gr, buf, sizeof(buf), &res) == 0 &&
		    res)
			s->gid = gr.gr_gid;
	}
	return 0;
}
