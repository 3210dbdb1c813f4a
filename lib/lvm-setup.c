/* lib/lvm-setup.c: setting up LVM for fvm's storage: volume groups on loop files, thin pools. */
#include "lvm-setup.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "err.h"
#include "proc.h"
#include "store.h"
#include "store-lvm.h"
#include "util.h"

bool lvm_vg_exists(const char *vg)
{
	char *const argv[] = { "vgs",	  "--noheadings", "-o",
			       "vg_name", (char *)vg,	  NULL };

	return lvm_run(argv, NULL, NULL) == 0;
}

char *lvm_lv_segtype(const char *vg, const char *lv)
{
	char *name = xasprintf("%s/%s", vg, lv), *out = NULL, *p, *e;
	char *const argv[] = { "lvs",	  "--noheadings", "-o",
			       "segtype", name,		  NULL };
	int rc = lvm_run(argv, &out, NULL);

	free(name);
	if (rc != 0) {
		free(out);
		return NULL;
	}
	for (p = out; isspace((unsigned char)*p); p++)
		;
	for (e = p; *e && !isspace((unsigned char)*e); e++)
		;
	*e = '\0';
	p = xstrdup(p);
	free(out);
	return p;
}

char *lvm_vgs_table(void)
{
	char *const argv[] = { "vgs", "-o", "vg_name,vg_attr,vg_size,vg_free",
			       NULL };
	char *out = NULL;

	if (lvm_run(argv, &out, NULL) != 0) {
		free(out);
		err_clear();
		return xstrdup("(none)");
	}
	return out;
}

char *lvm_loop_unit_name(const char *vg)
{
	return xasprintf("fvm-loop-%s.service", vg);
}

/* as fast-vm's fast-vm-loop-device.service */
char *lvm_loop_unit_text(const char *vg, const char *file)
{
	char *dir = xstrdup(file), *slash = strrchr(dir, '/'), *t;

	if (slash && slash != dir)
		*slash = '\0';
	t = xasprintf(
		"# fvm: the loop device of volume group %s, made by fvm "
		"configure\n"
		"[Unit]\n"
		"Description=Loop device of the fvm volume group %s\n"
		"DefaultDependencies=no\n"
		"RequiresMountsFor=%s\n"
		"Before=lvm2-activation.service lvm2-activation-net.service "
		"libvirtd.service virtqemud.service\n"
		"ConditionFileNotEmpty=%s\n"
		"\n"
		"[Service]\n"
		"Type=oneshot\n"
		"RemainAfterExit=yes\n"
		"ExecStart=/bin/sh -c 'losetup -j \"$$1\" | grep -q . || "
		"losetup -f \"$$1\"' sh %s\n"
		"ExecStart=/sbin/vgchange -ay %s\n"
		"TimeoutSec=60\n"
		"\n"
		"[Install]\n"
		"WantedBy=multi-user.target\n",
		vg, vg, dir, file, file, vg);
	free(dir);
	return t;
}

static int undo_losetup(void *arg)
{
	char *const argv[] = { "losetup", "-d", arg, NULL };

	return proc_run(argv, NULL, NULL) == 0 ?
		       0 :
		       err_set(FVM_EXIT_FAIL, "cannot detach %s", (char *)arg);
}

static int undo_pvcreate(void *arg)
{
	char *const argv[] = { "pvremove", "-qq", "-y", arg, NULL };

	return lvm_run(argv, NULL, NULL) == 0 ? 0 : -1;
}

static int undo_vgcreate(void *arg)
{
	char *const argv[] = { "vgremove", "-qq", "-f", arg, NULL };

	return lvm_run(argv, NULL, NULL) == 0 ? 0 : -1;
}

static int undo_lvcreate(void *arg)
{
	char *const argv[] = { "lvremove", "-qq", "-f", arg, NULL };

	return lvm_run(argv, NULL, NULL) == 0 ? 0 : -1;
}

/* the loop file of size, made new, its undo pushed */
static int make_loop_file(struct txn *t, const char *file, const char *size)
{
	char *dir = xstrdup(file), *slash = strrchr(dir, '/');
	uint64_t bytes;
	int fd, rc = -1;

	if (slash && slash != dir)
		*slash = '\0';
	if (txn_mkdirs(t, dir, 0755) < 0)
		goto out;
	if (store_parse_size(size, &bytes) < 0)
		goto out;
	fd = open(file, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0) {
		err_sys(errno == EEXIST ? FVM_EXIT_CONFLICT : FVM_EXIT_FAIL,
			"cannot make loop file %s", file);
		goto out;
	}
	txn_push(t, file, txn_undo_unlink, xstrdup(file), free);
	if (ftruncate(fd, (off_t)bytes) < 0) {
		err_sys(FVM_EXIT_FAIL, "cannot size %s", file);
		close(fd);
		goto out;
	}
	close(fd);
	rc = 0;
out:
	free(dir);
	return rc;
}

int lvm_make_loop_vg(struct txn *t, const char *vg, const char *file,
		     const char *size, char **dev)
{
	char *const losetup[] = { "losetup", "-f", "--show", (char *)file,
				  NULL };
	char *err = NULL;

	*dev = NULL;
	if (make_loop_file(t, file, size) < 0)
		return -1;
	if (proc_run(losetup, dev, &err) != 0) {
		char *line = proc_last_line(err);

		err_set(FVM_EXIT_FAIL, "losetup: %s", line);
		free(line);
		free(err);
		return -1;
	}
	free(err);
	(*dev)[strcspn(*dev, "\n")] = '\0';
	txn_push(t, *dev, undo_losetup, xstrdup(*dev), free);
	{
		char *const argv[] = { "pvcreate", "-qq", *dev, NULL };

		if (lvm_run(argv, NULL, NULL) != 0)
			return -1;
		txn_push(t, *dev, undo_pvcreate, xstrdup(*dev), free);
	}
	{
		char *const argv[] = { "vgcreate", "-qq", (char *)vg, *dev,
				       NULL };

		if (lvm_run(argv, NULL, NULL) != 0)
			return -1;
		txn_push(t, vg, undo_vgcreate, xstrdup(vg), free);
	}
	return 0;
}

int lvm_make_thin_pool(struct txn *t, const char *vg, const char *pool,
		       const char *size)
{
	char *const argv[] = { "lvcreate",   "-qq",	 "-y",	       "--type",
			       "thin-pool",  "-L",	 (char *)size, "-n",
			       (char *)pool, (char *)vg, NULL };

	if (lvm_run(argv, NULL, NULL) != 0)
		return err_context("cannot create thin pool %s/%s", vg, pool);
	txn_push(t, "thin pool", undo_lvcreate, xasprintf("%s/%s", vg, pool),
		 free);
	return 0;
}
