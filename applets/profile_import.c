/* applets/profile_import.c: `fvm profile-import NAME IMAGE XML [HACKS [DELETE_HACKS]]`: a fast-vm profile over an image. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../lib/txn.h"
#include "../cli/image.h"

/* the options' values (the table binds them) */
static struct {
	bool force, quiet, json;
} opt;

/* --json: one object */
enum { P_PROFILE, P_IMAGE, P_DIR, P_REPLACED, P_N };
static const struct out_col profile_import_cols[] = {
	[P_PROFILE] = { "profile", "Profile", OUT_STR },
	[P_IMAGE] = { "image", "Image", OUT_STR },
	[P_DIR] = { "dir", "Directory", OUT_STR },
	[P_REPLACED] = { "replaced", "Replaced", OUT_BOOL },
};

static const struct opt profile_import_opts[] = {
	OPT_BOOL('f', "force", &opt.force,
		 "replace an existing profile of that name"),
	OPT_JSON(&opt.json),
	OPT_QUIET(&opt.quiet, "print nothing but errors"),
	OPT_END(),
};

const struct applet_info profile_import_info = {
	.usage = "NAME IMAGE XML [HACKS [DELETE_HACKS]]",
	.description =
		"Make profile NAME over image IMAGE, as fast-vm-image "
		"import_profile does: the directory NAME in /etc/fast-vm for "
		"root, else in ~/.fast-vm, holding base_image (the image's "
		"name), config.xml (a copy of XML) and, when given, hacks.sh "
		"and delete-hacks.sh (copies of HACKS and DELETE_HACKS, "
		"executable). One of XML, HACKS and DELETE_HACKS may be - "
		"for standard input (at most 1 MiB, as any of them). "
		"fvm create NAME N then makes VM N from IMAGE "
		"with the profile's files; a profile without hacks uses its "
		"image's. Profile names follow the image name rules.\n"
		"The profile is written under a temporary name and appears "
		"whole or not at all. An existing profile is kept unless "
		"--force (fast-vm overwrote it), which puts the new directory "
		"in the old one's place: files of the old profile not given "
		"again are gone.\n"
		"Exit status 3: no image IMAGE, or a file not found; 4: the "
		"profile exists already, or is busy.",
	.opts = profile_import_opts,
	.min_args = 3,
	.max_args = 5,
	.args = { OPT_C_WORDS, OPT_C_IMAGE, OPT_C_FILE },
	.repeat_last = true,
	.examples = "Make profile web from image c7 with a template and a hack "
		    "file of its own, then a VM from it:\n"
		    "$ fvm profile-import web c7 web.xml hacks-web.sh\n"
		    "$ fvm create web 42",
	.see_also = "fvm-profiles(1), fvm-profile-rm(1), fvm-create(1)",
};

static int undo_remove_tree(void *arg)
{
	return image_remove_tree(arg);
}

/* Templates and hack files are a few KiB; a bigger one is a mistake. */
#define PROFILE_FILE_MAX (1024 * 1024)

/* Write len bytes of data, or the file at src, to dir/name with mode
 * (umask aside). */
static int put_file(const char *dir, const char *name, const char *src,
		    const char *data, size_t len, mode_t mode)
{
	char *path = xasprintf("%s/%s", dir, name);
	char buf[65536];
	int in = -1, out, rc = -1;
	size_t total = 0;
	ssize_t n = 0;

	out = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
		   mode);
	if (out < 0) {
		err_sys(FVM_EXIT_FAIL, "%s", path);
		goto out;
	}
	if (src) {
		in = open(src, O_RDONLY | O_CLOEXEC);
		if (in < 0) {
			err_sys(errno == ENOENT ? FVM_EXIT_NOTFOUND :
						  FVM_EXIT_FAIL,
				"%s", src);
			goto out;
		}
		while ((n = read(in, buf, sizeof(buf))) > 0) {
			total += (size_t)n;
			if (total > PROFILE_FILE_MAX) {
				err_set(FVM_EXIT_FAIL,
					"%s is larger than 1 MiB: no template "
					"or hack file is",
					src);
				goto out;
			}
			if (write(out, buf, (size_t)n) != n) {
				err_sys(FVM_EXIT_FAIL, "cannot write %s", path);
				goto out;
			}
		}
		if (n < 0) {
			err_sys(FVM_EXIT_FAIL, "cannot read %s", src);
			goto out;
		}
	} else if (write(out, data, len) != (ssize_t)len) {
		err_sys(FVM_EXIT_FAIL, "%s", path);
		goto out;
	}
	/* fast-vm's chmod +r / +rx: the files are read by other users'
	 * fvm create and sourced by /bin/sh */
	if (fchmod(out, mode) < 0) {
		err_sys(FVM_EXIT_FAIL, "%s", path);
		goto out;
	}
	rc = 0;
out:
	if (in >= 0)
		close(in);
	if (out >= 0 && close(out) < 0 && rc == 0)
		rc = err_sys(FVM_EXIT_FAIL, "%s", path);
	free(path);
	return rc;
}

/*
 * Put the finished tmp directory at final. Without replace, an entry
 * that appeared meanwhile (another tool than fvm) is not overwritten;
 * with it, the two swap in one step so there is never no profile, and
 * *old then names the old one, to be removed.
 */
static int publish(const char *tmp, const char *final, bool replace, char **old)
{
	*old = NULL;
	if (renameat2(AT_FDCWD, tmp, AT_FDCWD, final,
		      replace ? RENAME_EXCHANGE : RENAME_NOREPLACE) == 0) {
		if (replace)
			*old = xstrdup(tmp);
		return 0;
	}
	if (errno == EEXIST)
		return err_set(FVM_EXIT_CONFLICT, "%s exists already", final);
	/* filesystems without renameat2's flags: we hold the profile's
	 * lock, so a move aside and a rename do it for fvm's callers */
	if (errno != EINVAL && errno != ENOSYS)
		return err_sys(FVM_EXIT_FAIL, "cannot rename %s to %s", tmp,
			       final);
	if (replace) {
		char *aside = xasprintf("%s.old", tmp);

		if (rename(final, aside) < 0) {
			free(aside);
			return err_sys(FVM_EXIT_FAIL, "cannot move %s aside",
				       final);
		}
		*old = aside;
	}
	if (rename(tmp, final) < 0) {
		err_sys(FVM_EXIT_FAIL, "cannot rename %s to %s", tmp, final);
		if (*old && rename(*old, final) == 0) {
			free(*old);
			*old = NULL;
		}
		return -1;
	}
	return 0;
}

/* the file given as -, read before anything is made */
static struct {
	char *data;
	size_t len;
} in;

static int make_profile(const char *dir, const char *name, const char *image,
			char *const files[3], bool replace, struct txn *txn)
{
	static const char *const fname[3] = { "config.xml", "hacks.sh",
					      "delete-hacks.sh" };
	static const mode_t fmode[3] = { 0644, 0755, 0755 };
	char *final = xasprintf("%s/%s", dir, name);
	char *tmp = xasprintf("%s/.%s.fvm-profile-XXXXXX", dir, name);
	char *data = xasprintf("%s\n", image), *old = NULL;
	int rc = -1;

	if (mkdir(dir, 0755) < 0 && errno != EEXIST) {
		err_sys(FVM_EXIT_FAIL, "%s", dir);
		goto out;
	}
	if (!mkdtemp(tmp)) {
		err_sys(FVM_EXIT_FAIL, "cannot make a directory in %s", dir);
		goto out;
	}
	txn_push(txn, tmp, undo_remove_tree, xstrdup(tmp), free);
	/* mkdtemp's 0700 would hide the profile from other users */
	if (chmod(tmp, 0755) < 0) {
		err_sys(FVM_EXIT_FAIL, "%s", tmp);
		goto out;
	}
	for (int i = 0; i < 3; i++) {
		bool std_in = files[i] && !strcmp(files[i], "-");

		if (files[i] &&
		    put_file(tmp, fname[i], std_in ? NULL : files[i], in.data,
			     in.len, fmode[i]) < 0)
			goto out;
	}
	if (put_file(tmp, "base_image", NULL, data, strlen(data), 0644) < 0)
		goto out;
	if (txn_interrupted()) {
		err_set(FVM_EXIT_FAIL, "interrupted");
		goto out;
	}
	if (publish(tmp, final, replace, &old) < 0)
		goto out;
	/* from here the profile is in place: a failure to remove the old
	 * one is a warning, not a reason to undo */
	txn_commit(txn);
	if (old && image_remove_tree(old) < 0) {
		warning("the old profile stays in %s: %s", old, err_msg());
		err_clear();
	}
	rc = 0;
out:
	free(old);
	free(data);
	free(tmp);
	free(final);
	return rc;
}

int profile_import_main(int argc, char **argv)
{
	static const char *const what[3] = { "XML", "hacks", "delete-hacks" };
	struct lock pl = LOCK_INIT, il = LOCK_INIT;
	struct txn txn = TXN_INIT;
	bool force, quiet, replace = false;
	char *files[3] = { NULL, NULL, NULL }, *disk, *final;
	const char *name, *image, *dir;
	struct stat sb;
	int rc = 0, stdin_file = -1;

	applet_args(&argc, &argv);
	force = opt.force;
	quiet = opt.quiet;
	name = argv[0];
	image = argv[1];
	profile_check_name(name);
	image_check_name(image);
	for (int i = 0; i < 3 && 2 + i < argc; i++) {
		files[i] = argv[2 + i];
		if (strcmp(files[i], "-")) {
			image_check_file(files[i], what[i]);
			continue;
		}
		if (stdin_file >= 0)
			usage_error("%s file -: standard input is read once, "
				    "and the %s file is - already",
				    what[i], what[stdin_file]);
		stdin_file = i;
	}
	/* now, before anything is made: too big, nothing changes */
	if (stdin_file >= 0 &&
	    read_fd_max(0, "standard input", PROFILE_FILE_MAX, &in.data,
			&in.len) < 0) {
		err_context("%s file -", what[stdin_file]);
		die_err();
	}
	dir = image_conf_dir();
	final = xasprintf("%s/%s", dir, name);
	disk = image_disk(image);
	txn_signals_block();
	if (profile_lock(&pl, name) < 0)
		die_err();
	/* the image stays while its profile is made */
	if (image_lock(&il, image, false) < 0)
		die_err();
	if (!store_exists(image_store(), disk))
		die(FVM_EXIT_NOTFOUND, "image %s not found (no disk %s)", image,
		    disk);
	if (lstat(final, &sb) == 0) {
		if (!profile_exists(dir, name))
			die(FVM_EXIT_CONFLICT,
			    "%s exists and is not a profile (no base_image); "
			    "fvm leaves it alone",
			    final);
		if (!force)
			die(FVM_EXIT_CONFLICT,
			    "profile %s exists already (%s): --force "
			    "replaces it",
			    name, final);
		replace = true;
	}
	if (make_profile(dir, name, image, files, replace, &txn) < 0) {
		rc = report_err();
		if (rc == 0)
			rc = FVM_EXIT_FAIL;
		txn_rollback(&txn);
	} else if (opt.json) {
		struct out_table *t = out_table_new(profile_import_cols, P_N);

		out_str(t, P_PROFILE, name);
		out_str(t, P_IMAGE, image);
		out_str(t, P_DIR, final);
		out_bool(t, P_REPLACED, replace);
		out_print_record(t, OUT_JSON, stdout);
		out_table_free(t);
	} else if (!quiet) {
		printf("profile %s based on image %s %s (%s)\n", name, image,
		       replace ? "replaced" : "imported", final);
	}
	lock_drop(&il);
	lock_drop(&pl);
	free(in.data);
	free(disk);
	free(final);
	return rc;
}
