/* compat/fastvm-image.c: fast-vm-image's actions on images and profiles. */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fastvm-priv.h"

/* fast-vm-image's name rules, with its messages */
static int check_name(const char *name, const char *what)
{
	size_t len = strlen(name), d = len;

	for (const char *p = name; *p; p++)
		if (!isalnum((unsigned char)*p) && *p != '-' && *p != '.') {
			pmsg("err", -1,
			     "%s contains restricted characters, allowed are "
			     "only letters, numbers, dot(.) and dash(-)",
			     what);
			return -1;
		}
	while (d > 0 && isdigit((unsigned char)name[d - 1]))
		d--;
	if (d < len && d > 0 && name[d - 1] == '-') {
		pmsg("err", -1, "%s cannot end with '-XX' where XX is number.",
		     what);
		return -1;
	}
	return 0;
}

/* where fast-vm looked for an image: its LV, or the dir store's file */
static char *image_where(const char *image)
{
	char *disk = xasprintf("%s%s", fv_conf.vm_prefix, image);
	char *where = store_image_where(&fv_conf, disk);

	free(disk);
	return where;
}

/* image's size in whole GiB (lvs's LSize without its .00g), -1 when
 * there is no such image */
static long long image_gib(const char *image)
{
	char *disk = xasprintf("%s%s", fv_conf.vm_prefix, image);
	struct store *s =
		store_check_name(disk) == 0 ? store_open(&fv_conf) : NULL;
	struct store_usage u = { 0 };
	long long gib = -1;

	if (s && store_exists(s, disk)) {
		gib = 0;
		if (store_usage(s, disk, &u) == 0 && u.exists)
			gib = (long long)(u.size >> 30);
	}
	if (s)
		store_close(s);
	err_clear();
	free(disk);
	return gib;
}

/* fast-vm-image's check_image_existance: exit 2 when it is not there */
static int check_image(const char *image)
{
	char *where;

	if (image_gib(image) >= 0)
		return 0;
	where = image_where(image);
	pmsg("err", -1, "Image '%s' not found.\n '%s' is not a block device.",
	     image, where);
	free(where);
	return FVM_EXIT_USAGE;
}

/* argv[pos], an imported image: fast-vm's "missing image name" with the
 * action's usage when it is not given */
static int need_image(int argc, char **argv, int pos, const char *action)
{
	if (argc <= pos || !*argv[pos]) {
		pmsg("err", -1, "missing image name");
		return fv_usage(action);
	}
	return check_image(argv[pos]);
}

static bool is_url(const char *p)
{
	return !strncmp(p, "http://", 7) || !strncmp(p, "https://", 8);
}

static bool is_file(const char *p)
{
	struct stat sb;

	return stat(p, &sb) == 0 && S_ISREG(sb.st_mode);
}

/* fast-vm-image's check_file for a file an action needs: what, then the
 * action's own line; exit 2 */
static int need_file(const char *path, const char *what, const char *missing)
{
	if (!*path)
		pmsg("inf", -1, "provided empty file path");
	if (is_file(path))
		return 0;
	pmsg("err", -1, "%s: local file '%s' not found", what, path);
	pmsg("err", -1, "%s", missing);
	return FVM_EXIT_USAGE;
}

/* fast-vm reads a template named - from the file of that name, where
 * fvm's applets read standard input */
static const char *file_arg(const char *path)
{
	return strcmp(path, "-") ? path : "./-";
}

/* the XML, hacks and delete-hacks files of import and import_profile */
static int need_files(int argc, char **argv, int first)
{
	char *m;
	int rc;

	m = xasprintf("XML file %s not found", argc > first ? argv[first] : "");
	rc = need_file(argc > first ? argv[first] : "", "XML VM definition", m);
	free(m);
	if (!rc && argc > first + 1 && *argv[first + 1]) {
		m = xasprintf("hack file %s not found", argv[first + 1]);
		rc = need_file(argv[first + 1], "hack file", m);
		free(m);
	}
	if (!rc && argc > first + 2 && *argv[first + 2]) {
		m = xasprintf("delete hack file %s not found", argv[first + 2]);
		rc = need_file(argv[first + 2], "delete hack file", m);
		free(m);
	}
	return rc;
}

static int verify_image(const char *image, const char *dir);

static int img_import_args(int argc, char **argv, int first, const char *size)
{
	const char *name = argc > first ? argv[first] : "",
		   *path = argc > first + 1 ? argv[first + 1] : "";
	const char *base = strrchr(path, '/');
	struct strv a;
	char *dir;
	int rc;

	if (!*name) {
		pmsg("err", -1, "missing image name");
		return fv_usage("import");
	}
	if (check_name(name, "ImageName") < 0)
		return FVM_EXIT_FAIL;
	/* fvm also reads stdin (-) and fetches URLs itself */
	if (strcmp(path, "empty") && strcmp(path, "-") && !is_url(path)) {
		if (!*path)
			pmsg("inf", -1, "provided empty file path");
		if (!is_file(path)) {
			pmsg("err", -1, "image file: local file '%s' not found",
			     path);
			pmsg("err", -1, "image file not found");
			return FVM_EXIT_USAGE;
		}
	}
	rc = need_files(argc, argv, first + 2);
	if (rc)
		return rc;
	base = base ? base + 1 : path;
	if (!size && isdigit((unsigned char)*base)) {
		size_t d = strspn(base, "0123456789");

		if (!strncmp(base + d, "g__", 3))
			pmsg("inf", -1,
			     "Size of image was determined from the filename "
			     "to be %.*sG.",
			     (int)d, base);
	}
	if (image_gib(name) >= 0) {
		pmsg("err", -1,
		     "base image for '%s' version already exists. To remove "
		     "image use 'remove' parameter",
		     name);
		return FVM_EXIT_FAIL;
	}
	dir = image_where(name);
	pmsg("inf", -1, "importing image %s into %s", path, dir);
	free(dir);
	args_init(&a, "import");
	strv_push(&a, "-q");
	if (size) {
		strv_push(&a, "--size");
		strv_push(&a, size);
	}
	strv_push(&a, "--");
	for (int i = first; i < argc && i < first + 5; i++)
		strv_push(&a, i >= first + 2 ? file_arg(argv[i]) : argv[i]);
	rc = run_applet("import", &a, FVM_EXIT_USAGE);
	strv_release(&a);
	if (rc)
		return rc;
	if (!strcmp(path, "empty")) {
		pmsg("ok", -1, "Empty image imported");
		return 0;
	}
	/* as fast-vm: the checksums beside the image file, if any */
	dir = strrchr(path, '/') ?
		      xstrndup(path, (size_t)(strrchr(path, '/') - path)) :
		      xstrdup(".");
	if (!*dir) {
		free(dir);
		dir = xstrdup("/");
	}
	verify_image(name, dir);
	free(dir);
	pmsg("ok", -1, "Image %s imported", name);
	return 0;
}

static int fi_import(int argc, char **argv)
{
	return img_import_args(argc, argv, 1, NULL);
}

static int fi_import_custom(int argc, char **argv)
{
	if (argc < 2 || !*argv[1] ||
	    strspn(argv[1], "0123456789") != strlen(argv[1])) {
		pmsg("err", -1,
		     "invalid image size. Use only whole decimal numbers");
		return fv_usage("import_custom");
	}
	return img_import_args(argc, argv, 2, argv[1]);
}

static int fi_export(int argc, char **argv)
{
	const char *fmt = argc >= 3 && *argv[2] ? argv[2] : "xz", *codec;
	char *dest, *cwd;
	int rc;

	rc = need_image(argc, argv, 1, "export");
	if (rc)
		return rc;
	if (!strcmp(fmt, "zst"))
		codec = "zstd";
	else if (!strcmp(fmt, "xz") || !strcmp(fmt, "gz"))
		codec = fmt;
	else {
		pmsg("err", -1,
		     "unknown image format %s (supported: zst, xz, gz)", fmt);
		return FVM_EXIT_FAIL;
	}
	/* fast-vm 1.7 wrote NAME.img.EXT into the current directory */
	cwd = getcwd(NULL, 0);
	dest = xasprintf("%s/%s.img.%s", cwd ? cwd : ".", argv[1], fmt);
	pmsg("inf", -1, "compressing the image %s into %s", argv[1], dest);
	rc = run_args("export", FVM_EXIT_USAGE, "-q", "--format", "legacy",
		      "--compress", codec, "--force", "--", argv[1], dest,
		      NULL);
	if (!rc)
		pmsg("ok", -1, "Image compression finished");
	else
		pmsg("err", -1,
		     "There was error compressing the image, check output "
		     "above");
	free(dest);
	free(cwd);
	return rc;
}

static int fi_remove(int argc, char **argv)
{
	int rc;

	rc = need_image(argc, argv, 1, "remove");
	if (rc)
		return rc;
	pmsg("inf", -1, "stopping and undefining the base VM of %s", argv[1]);
	rc = run_args("image-rm", FVM_EXIT_USAGE, "-q", "--", argv[1], NULL);
	if (!rc)
		pmsg("ok", -1, "image %s removed", argv[1]);
	return rc;
}

/* "ok" or "missing" for F-IMAGE.xml, and fast-vm-image's hack column */
static void image_files(const char *dir, const char *image, bool system,
			const char **xml, char hacks[32])
{
	char *p = xasprintf("%s/config-%s.xml", dir, image);
	bool h, d;

	*xml = is_file(p) ? "ok" : "missing";
	free(p);
	p = xasprintf("%s/hacks-%s.sh", dir, image);
	h = is_file(p);
	free(p);
	p = xasprintf("%s/delete-hacks-%s.sh", dir, image);
	d = is_file(p);
	free(p);
	/* fast-vm-image 1.7 wrote the system column's delete over the rest */
	if (!d)
		snprintf(hacks, 32, "%s", h ? "create" : "no hack files");
	else if (system)
		snprintf(hacks, 32, ",delete");
	else
		snprintf(hacks, 32, "%s,delete",
			 h ? "create" : "no hack files");
}

/*
 * fast-vm-image list: the image names of every disk in the pool with
 * VM_PREFIX (VM disks give their image's name, as there), the image's
 * size and use, and its files in the system and user directories.
 */
static int fi_list(int argc, char **argv)
{
	bool is_short = argc >= 2 && !strcmp(argv[1], "short");
	struct store *s = store_open(&fv_conf);
	size_t plen = strlen(fv_conf.vm_prefix);
	char **names, *last = NULL;

	names = s ? store_list(s, fv_conf.vm_prefix) : NULL;
	if (!names) {
		pmsg("err", -1, "%s", err_msg());
		if (s)
			store_close(s);
		return FVM_EXIT_FAIL;
	}
	if (!is_short) {
		printf("%-36s |%-21s |%-21s |\n", "IMAGE", "SYSTEM", "USER");
		printf("%-20s   %13s |%-8s %-13s|%-8s %-13s|\n", "Image name",
		       "Size( %used )", "XML", "Hack file for", "XML",
		       "Hack file for");
	}
	for (char **n = names; *n; n++) {
		char *image = xstrdup(*n + plen), *end;
		size_t d = strlen(image);

		while (d > 0 && isdigit((unsigned char)image[d - 1]))
			d--;
		if (d < strlen(image) && d > 0 && image[d - 1] == '-')
			image[d - 1] = '\0';
		/* uniq: names come sorted */
		if (last && !strcmp(last, image)) {
			free(image);
			continue;
		}
		free(last);
		last = image;
		if (is_short) {
			printf("%s\n", image);
		} else {
			struct store_usage u = { 0 };
			const char *sx, *ux;
			char sh[32], uh[32], size[64] = "";

			end = xasprintf("%s%s", fv_conf.vm_prefix, image);
			if (store_usage(s, end, &u) == 0 && u.exists)
				fastvm_size_text(u.size, u.allocated, size,
						 sizeof(size));
			err_clear();
			free(end);
			image_files(fv_conf.system_dir, image, true, &sx, sh);
			image_files(fv_conf.user_dir, image, false, &ux, uh);
			printf("%-20s   %13s |%-8s %-13s|%-8s %-13s|\n", image,
			       size, sx, sh, ux, uh);
		}
	}
	free(last);
	store_list_free(names);
	store_close(s);
	if (!is_short) {
		printf("\nNOTE: if image is missing XML it wouldn't be "
		       "possible "
		       "to create a VM from it!\n Image with missing hack "
		       "file(s) can work if it's not needed.\n");
		printf("\n USER XML and hack file(s) takes precendense before "
		       "SYSTEM ones.\n");
	}
	return 0;
}

/* fast-vm-image list_profiles: the system directory's profiles, then
 * the user's (a profile is a directory with a base_image file) */
static int fi_list_profiles(int argc, char **argv)
{
	bool is_short = argc >= 2 && !strcmp(argv[1], "short");
	const char *dirs[2] = { fv_conf.system_dir, fv_conf.user_dir };

	if (!is_short) {
		printf("%-41s|%-41s\n", "Names", "Changes provided by profile");
		printf("%-20s|%-20s|%-5s|%-7s|%-14s\n", "Profile Name",
		       "Base Image Name", "XML", "hacks", "delete-hacks");
	}
	for (int i = 0; i < 2; i++) {
		char **names = tmpl_profile_list(dirs[i]);

		for (char **nm = names; *nm; nm++) {
			struct tmpl_profile p;

			tmpl_profile_read(dirs[i], *nm, i == 0, &p);
			err_clear();
			if (p.base_image && is_short)
				printf("%s\n", *nm);
			else if (p.base_image)
				printf("%-20s|%-20s|%-5s|%-7s|%-14s\n", *nm,
				       p.base_image, p.has_xml ? "yes" : "no",
				       p.has_hacks ? "yes" : "no",
				       p.has_delete_hacks ? "yes" : "no");
			tmpl_profile_release(&p);
		}
		strv_free(names);
	}
	return 0;
}

/*
 * fast-vm-image verify: the applet checks, the personality words its
 * lines as fast-vm did ("[__][inf] part_00 checksum OK", the summary as
 * [ok] or [err]).
 */
static int verify_image(const char *image, const char *dir)
{
	struct strv a;
	char *p0 = xasprintf("%s/%s.part_00.sha512.txt", dir, image),
	     *out = NULL;
	int rc;

	if (!is_file(p0)) {
		free(p0);
		pmsg("err", -1, "part_00 checksum file not found");
		return FVM_EXIT_USAGE;
	}
	free(p0);
	pmsg("ok", -1, "Verifying image %s (%lld) using checksums from %s",
	     image, image_gib(image), dir);
	args_init(&a, "image-verify");
	strv_push(&a, "--");
	strv_push(&a, image);
	strv_push(&a, dir);
	rc = run_applet_ex("image-verify", &a, FVM_EXIT_USAGE, false, &out);
	strv_release(&a);
	for (char *line = out, *nl; line && *line; line = nl + 1) {
		nl = strchr(line, '\n');
		if (nl)
			*nl = '\0';
		if (!strncmp(line, "CHECK SUMMARY", 13))
			pmsg(rc ? "err" : "ok", -1, "%s", line);
		else
			pmsg("inf", -1, "%s", line);
		if (!nl)
			break;
	}
	free(out);
	return rc;
}

static int fi_verify(int argc, char **argv)
{
	int rc;

	rc = need_image(argc, argv, 1, "verify");
	if (rc)
		return rc;
	return verify_image(argv[1], argc >= 3 && *argv[2] ? argv[2] : "./");
}

static int fi_gen_checksums(int argc, char **argv)
{
	struct strv a;
	char *out = NULL;
	int rc;

	rc = need_image(argc, argv, 1, "gen_checksums");
	if (rc)
		return rc;
	pmsg("ok", -1, "Generating checksums for %s (%lld)", argv[1],
	     image_gib(argv[1]));
	args_init(&a, "image-checksum");
	strv_push(&a, "--");
	strv_push(&a, argv[1]);
	rc = run_applet_ex("image-checksum", &a, FVM_EXIT_USAGE, false, &out);
	strv_release(&a);
	/* "./NAME.part_NN.sha512.txt: SUM" as "NAME.part_NN.sha512.txt: SUM";
	 * fvm's sha256 line is its own */
	for (char *line = out, *nl; line && *line; line = nl + 1) {
		nl = strchr(line, '\n');
		if (nl)
			*nl = '\0';
		if (strncmp(line, "sha256 ", 7))
			pmsg("inf", -1, "%s",
			     !strncmp(line, "./", 2) ? line + 2 : line);
		if (!nl)
			break;
	}
	free(out);
	return rc;
}

static int fi_resize(int argc, char **argv)
{
	const char *size = argc >= 3 ? argv[2] : "";
	char g[32];
	int rc;

	rc = need_image(argc, argv, 1, "resize");
	if (rc)
		return rc;
	if (!*size || strspn(size, "0123456789") != strlen(size) ||
	    strlen(size) > 9) {
		pmsg("err", -1,
		     "invalid image size. Use only whole decimal numbers");
		return fv_usage("resize");
	}
	snprintf(g, sizeof(g), "%sG", size);
	pmsg("inf", -1, "resizing image %s to %s", argv[1], g);
	/* fast-vm's lvresize -f shrank too */
	rc = run_args("image-resize", FVM_EXIT_USAGE, "-q", "--force", "--",
		      argv[1], g, NULL);
	if (!rc) {
		pmsg("ok", -1,
		     "Only newly created VMs from this image will use new "
		     "size.");
		pmsg("ok", -1, "Resize of image to %s succeeded.", g);
	} else {
		pmsg("err", -1, "Resize failed. Check logs for more details");
	}
	return rc;
}

static int fi_import_profile(int argc, char **argv)
{
	struct strv a;
	int rc;

	if (argc < 2 || !*argv[1]) {
		pmsg("err", -1, "missing profile name");
		return fv_usage("import_profile");
	}
	if (check_name(argv[1], "ProfileName") < 0)
		return FVM_EXIT_FAIL;
	rc = need_image(argc, argv, 2, "import_profile");
	if (!rc)
		rc = need_files(argc, argv, 3);
	if (rc)
		return rc;
	args_init(&a, "profile-import");
	/* fast-vm overwrote an existing profile */
	strv_push(&a, "-q");
	strv_push(&a, "--force");
	strv_push(&a, "--");
	for (int i = 1; i < argc && i <= 5; i++)
		strv_push(&a, i >= 3 ? file_arg(argv[i]) : argv[i]);
	rc = run_applet("profile-import", &a, FVM_EXIT_USAGE);
	strv_release(&a);
	if (!rc)
		pmsg("ok", -1, "Profile %s based on Image %s imported", argv[1],
		     argv[2]);
	return rc;
}

static int fi_remove_profile(int argc, char **argv)
{
	struct stat sb;
	char *u, *s;
	bool found;
	int rc;

	if (argc < 2 || !*argv[1]) {
		pmsg("err", -1, "missing profile name");
		return fv_usage("remove_profile");
	}
	u = xasprintf("%s/%s", fv_conf.user_dir, argv[1]);
	s = xasprintf("%s/%s", fv_conf.system_dir, argv[1]);
	found = (stat(u, &sb) == 0 && S_ISDIR(sb.st_mode)) ||
		(stat(s, &sb) == 0 && S_ISDIR(sb.st_mode));
	free(u);
	free(s);
	if (!found) {
		pmsg("err", -1, "profile '%s' not found", argv[1]);
		return fv_usage("remove_profile");
	}
	rc = run_args("profile-rm", FVM_EXIT_FAIL, "-q", "--", argv[1], NULL);
	if (!rc)
		pmsg("ok", -1, "Profile %s removed", argv[1]);
	return rc;
}

static int fi_compact(int argc, char **argv)
{
	int rc;

	rc = need_image(argc, argv, 1, "compact");
	if (rc)
		return rc;
	pmsg("ok", -1, "Compacting disk of image %s ....", argv[1]);
	return run_args("image-compact", FVM_EXIT_USAGE, "--", argv[1], NULL);
}

const struct action image_actions[] = { { "import", fi_import },
					{ "import_custom", fi_import_custom },
					{ "export", fi_export },
					{ "remove", fi_remove },
					{ "resize", fi_resize },
					{ "import_profile", fi_import_profile },
					{ "remove_profile", fi_remove_profile },
					{ "list", fi_list },
					{ "list_profiles", fi_list_profiles },
					{ "compact", fi_compact },
					{ "verify", fi_verify },
					{ "gen_checksums", fi_gen_checksums },
					{ NULL, NULL } };
