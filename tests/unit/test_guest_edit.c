/* tests/unit/test_guest_edit.c: root password hashes, shadow lines, serial console and network edits as pure text (no appliance). */
#include <crypt.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../../lib/err.h"
#include "../../lib/guest.h"
#include "unit.h"

#define SERIAL GUEST_SERIAL_ARGS

static char *bootcfg(enum guest_bootcfg kind, const char *text, int *changed)
{
	err_clear();
	return guest_bootcfg_serial(kind, text, changed);
}

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	fputs(text, f);
	fclose(f);
}

static int parse1(const char *key, const char *value, struct guest_edits *e)
{
	guest_edits_release(e);
	err_clear();
	return guest_edit_parse(e, key, value, NULL) < 0 ? err_code() : 0;
}

/* does hash verify password, as login would check it? */
static int verifies(const char *password, const char *hash)
{
	struct crypt_data cd = { 0 };
	const char *h = crypt_r(password, hash, &cd);

	return h && !strcmp(h, hash);
}

static void test_hash(void)
{
	char *a, *b;

	CHECK_STR("Debian 10: SHA-512", "$6$",
		  guest_hash_prefix("debian", 10, 0));
	CHECK_STR("Debian 11: yescrypt", "$y$",
		  guest_hash_prefix("debian", 11, 0));
	CHECK_STR("Debian 12: yescrypt", "$y$",
		  guest_hash_prefix("debian", 12, 5));
	CHECK_STR("Ubuntu 20.04: SHA-512", "$6$",
		  guest_hash_prefix("ubuntu", 20, 4));
	CHECK_STR("Ubuntu 21.10: SHA-512", "$6$",
		  guest_hash_prefix("ubuntu", 21, 10));
	CHECK_STR("Ubuntu 22.04: yescrypt", "$y$",
		  guest_hash_prefix("ubuntu", 22, 4));
	CHECK_STR("Ubuntu 24.04: yescrypt", "$y$",
		  guest_hash_prefix("ubuntu", 24, 4));
	CHECK_STR("Fedora 34: SHA-512", "$6$",
		  guest_hash_prefix("fedora", 34, 0));
	CHECK_STR("Fedora 35: yescrypt", "$y$",
		  guest_hash_prefix("fedora", 35, 0));
	CHECK_STR("RHEL 8: SHA-512", "$6$", guest_hash_prefix("rhel", 8, 9));
	CHECK_STR("RHEL 9: yescrypt", "$y$", guest_hash_prefix("rhel", 9, 0));
	CHECK_STR("Rocky 9: yescrypt", "$y$", guest_hash_prefix("rocky", 9, 2));
	CHECK_STR("CentOS 7: SHA-512", "$6$",
		  guest_hash_prefix("centos", 7, 9));
	CHECK_STR("unknown distribution: SHA-512", "$6$",
		  guest_hash_prefix("unknown", 0, 0));
	CHECK_STR("no distribution: SHA-512", "$6$",
		  guest_hash_prefix(NULL, 0, 0));

	a = guest_hash_password("s3cret pass", "$y$");
	b = guest_hash_password("s3cret pass", "$y$");
	CHECK("yescrypt hash made", a && b);
	if (a && b) {
		CHECK("yescrypt hash is $y$", !strncmp(a, "$y$", 3));
		CHECK("yescrypt hash verifies", verifies("s3cret pass", a));
		CHECK("yescrypt: another password does not",
		      !verifies("s3cret pasS", a));
		CHECK("a fresh salt each time", strcmp(a, b) != 0);
	}
	free(a);
	free(b);
	a = guest_hash_password("fvm", "$6$");
	CHECK("SHA-512 hash is $6$", a && !strncmp(a, "$6$", 3));
	CHECK("SHA-512 hash verifies", a && verifies("fvm", a));
	free(a);
	a = guest_hash_password("x", "$nonsense$");
	CHECK("an unknown scheme fails", a == NULL);
	free(a);
}

static void test_shadow(void)
{
	char *s;

	s = guest_shadow_set("root:*:19000:0:99999:7:::\n"
			     "daemon:*:19000:0:99999:7:::\n",
			     "root", "$6$salt$hash", 20000);
	CHECK_STR("shadow: root's hash and day, the rest kept",
		  "root:$6$salt$hash:20000:0:99999:7:::\n"
		  "daemon:*:19000:0:99999:7:::\n",
		  s);
	free(s);
	s = guest_shadow_set("rootx:*:1:::::\nbin:*:1:::::", "root", "H", 5);
	CHECK_STR("shadow: a line added when root has none",
		  "rootx:*:1:::::\nbin:*:1:::::\nroot:H:5:0:99999:7:::\n", s);
	free(s);
	s = guest_shadow_set("root:!\n", "root", "H", 5);
	CHECK_STR("shadow: a short line gets the usual fields",
		  "root:H:5:0:99999:7:::\n", s);
	free(s);
	s = guest_shadow_set("root::0:0:99999:7:1:2:\n", "root", "H", 5);
	CHECK_STR("shadow: aging fields kept", "root:H:5:0:99999:7:1:2:\n", s);
	free(s);
}

static void test_cmdline(void)
{
	char *s;

	s = guest_cmdline_serial("root=/dev/vda1 ro console=ttyS0 quiet");
	CHECK_STR("cmdline: console= out, ours at the end",
		  "root=/dev/vda1 ro quiet " SERIAL, s);
	{
		char *again = guest_cmdline_serial(s);

		CHECK_STR("cmdline: twice is once", s, again);
		free(again);
	}
	free(s);
	s = guest_cmdline_serial("");
	CHECK_STR("cmdline: empty", SERIAL, s);
	free(s);
	s = guest_cmdline_serial(
		"  a\tdyndbg=\"file x.c +p\"  console=tty1 b ");
	CHECK_STR("cmdline: quotes keep words together, blanks squeezed",
		  "a dyndbg=\"file x.c +p\" b " SERIAL, s);
	free(s);
}

static void test_bootcfg(void)
{
	int n;
	char *s;
	char env[1024 + 1];

	/* extlinux as the test guest has it */
	s = bootcfg(BOOTCFG_SYSLINUX,
		    "SERIAL 0 115200\nDEFAULT fvm\nLABEL fvm\n"
		    "\tLINUX /boot/vmlinuz\n"
		    "\tAPPEND root=UUID=x rw console=ttyS0 net.ifnames=0\n",
		    &n);
	CHECK_STR("extlinux: APPEND edited",
		  "SERIAL 0 115200\nDEFAULT fvm\nLABEL fvm\n"
		  "\tLINUX /boot/vmlinuz\n"
		  "\tAPPEND root=UUID=x rw net.ifnames=0 " SERIAL "\n",
		  s);
	CHECK_INT("extlinux: one line changed", 1, n);
	free(s);
	s = bootcfg(BOOTCFG_SYSLINUX,
		    "default linux\nlabel linux\n  kernel vmlinuz\n"
		    "  append root=/dev/sda1\nlabel hd\n  localboot 0\n"
		    "  append -\n",
		    &n);
	CHECK_STR("syslinux: SERIAL first, lowercase append, 'append -' kept",
		  "SERIAL 0 115200\ndefault linux\nlabel linux\n"
		  "  kernel vmlinuz\n  append root=/dev/sda1 " SERIAL "\n"
		  "label hd\n  localboot 0\n  append -\n",
		  s);
	CHECK_INT("syslinux: two changes", 2, n);
	free(s);
	s = bootcfg(BOOTCFG_SYSLINUX, "DEFAULT x\nLABEL x\n  KERNEL k\n", &n);
	CHECK_INT("syslinux without APPEND: nothing changed", 0, n);
	CHECK_STR("syslinux without APPEND: text kept",
		  "DEFAULT x\nLABEL x\n  KERNEL k\n", s);
	free(s);

	s = bootcfg(BOOTCFG_GRUB_DEFAULT,
		    "GRUB_DEFAULT=0\n"
		    "GRUB_CMDLINE_LINUX_DEFAULT=\"quiet console=tty1\"\n"
		    "GRUB_CMDLINE_LINUX=\"crashkernel=auto rhgb\"\n",
		    &n);
	CHECK_STR("/etc/default/grub: _DEFAULT loses console=, LINUX gets ours",
		  "GRUB_DEFAULT=0\nGRUB_CMDLINE_LINUX_DEFAULT=\"quiet\"\n"
		  "GRUB_CMDLINE_LINUX=\"crashkernel=auto rhgb " SERIAL "\"\n",
		  s);
	CHECK_INT("/etc/default/grub: two lines", 2, n);
	free(s);
	s = bootcfg(BOOTCFG_GRUB_DEFAULT, "GRUB_CMDLINE_LINUX=''  # none\n",
		    &n);
	CHECK_STR("/etc/default/grub: single quotes and comment kept",
		  "GRUB_CMDLINE_LINUX='" SERIAL "'  # none\n", s);
	free(s);
	s = bootcfg(BOOTCFG_GRUB_DEFAULT, "GRUB_TIMEOUT=5", &n);
	CHECK_STR("/etc/default/grub: the line added",
		  "GRUB_TIMEOUT=5\nGRUB_CMDLINE_LINUX=\"" SERIAL "\"\n", s);
	CHECK_INT("/etc/default/grub: one added", 1, n);
	free(s);

	s = bootcfg(
		BOOTCFG_GRUB_CFG,
		"set linux_gfx_mode=\nmenuentry 'Debian' {\n"
		"\tlinux\t/boot/vmlinuz-6.1.0-18-amd64 root=UUID=u ro  quiet\n"
		"\tinitrd\t/boot/initrd.img-6.1.0-18-amd64\n}\n"
		"menuentry 'old' {\n"
		"  linux16 /vmlinuz-3.10 root=/dev/vda1 console=ttyS0,9600\n"
		"  linuxefi /vmlinuz\n}\n",
		&n);
	CHECK_STR("grub.cfg: linux, linux16, linuxefi lines, path first",
		  "set linux_gfx_mode=\nmenuentry 'Debian' {\n"
		  "\tlinux\t/boot/vmlinuz-6.1.0-18-amd64 root=UUID=u ro "
		  "quiet " SERIAL
		  "\n\tinitrd\t/boot/initrd.img-6.1.0-18-amd64\n}\n"
		  "menuentry 'old' {\n"
		  "  linux16 /vmlinuz-3.10 root=/dev/vda1 " SERIAL "\n"
		  "  linuxefi /vmlinuz " SERIAL "\n}\n",
		  s);
	CHECK_INT("grub.cfg: three lines", 3, n);
	free(s);
	s = bootcfg(BOOTCFG_GRUB_CFG, "insmod blscfg\nblscfg\n", &n);
	CHECK_INT("grub.cfg of BLS: nothing to change", 0, n);
	free(s);

	s = bootcfg(
		BOOTCFG_BLS,
		"title Fedora\nversion 6.5\nlinux /vmlinuz-6.5\n"
		"options root=UUID=u ro rhgb quiet\ngrub_users $grub_users\n",
		&n);
	CHECK_STR("BLS entry: options line",
		  "title Fedora\nversion 6.5\nlinux /vmlinuz-6.5\n"
		  "options root=UUID=u ro rhgb quiet " SERIAL
		  "\ngrub_users $grub_users\n",
		  s);
	free(s);
	s = bootcfg(BOOTCFG_BLS, "title R8\noptions $kernelopts $tuned\n", &n);
	CHECK_INT("BLS entry with $kernelopts: left to grubenv", 0, n);
	free(s);
	s = bootcfg(BOOTCFG_BLS, "title x\nlinux /vmlinuz\n", &n);
	CHECK_STR("BLS entry without options: one added",
		  "title x\nlinux /vmlinuz\noptions " SERIAL "\n", s);
	free(s);

	memset(env, '#', 1024);
	env[1024] = 0;
	memcpy(env,
	       "# GRUB Environment Block\nsaved_entry=x\n"
	       "kernelopts=root=/dev/vda1 ro console=ttyS0\n",
	       80);
	s = bootcfg(BOOTCFG_GRUBENV, env, &n);
	CHECK("grubenv: edited", s != NULL);
	if (s) {
		CHECK_INT("grubenv: still 1024 bytes", 1024,
			  (long long)strlen(s));
		CHECK("grubenv: kernelopts edited",
		      strstr(s, "\nkernelopts=root=/dev/vda1 ro " SERIAL
				"\n###") != NULL);
		CHECK("grubenv: other lines kept",
		      strstr(s, "\nsaved_entry=x\n") != NULL);
	}
	free(s);
	memset(env, 'a', 1023);
	memcpy(env, "kernelopts=", 11);
	env[1023] = '\n';
	s = bootcfg(BOOTCFG_GRUBENV, env, &n);
	CHECK("grubenv: overflow refused",
	      s == NULL && strstr(err_msg(), "do not fit") != NULL);
	free(s);
	s = bootcfg(BOOTCFG_KERNEL_CMDLINE, "root=UUID=u ro\n", &n);
	CHECK_STR("/etc/kernel/cmdline", "root=UUID=u ro " SERIAL "\n", s);
	free(s);
}

static void test_ifupdown(void)
{
	char *s = guest_ifupdown_drop(
		"source /etc/network/interfaces.d/*\n\n"
		"auto lo\niface lo inet loopback\n\n"
		"allow-hotplug eth0\niface eth0 inet static\n"
		"    address 10.0.0.5/24\n    # a comment\n"
		"    gateway 10.0.0.1\n\n"
		"iface eth0:1 inet static\n    address 10.0.1.5\n"
		"auto eth1\niface eth1 inet dhcp\n",
		"eth0");

	CHECK_STR("ifupdown: eth0's stanza and auto line out, others kept",
		  "source /etc/network/interfaces.d/*\n\n"
		  "auto lo\niface lo inet loopback\n\n"
		  "# fvm: allow-hotplug eth0\n# fvm: iface eth0 inet static\n"
		  "# fvm:     address 10.0.0.5/24\n    # a comment\n"
		  "# fvm:     gateway 10.0.0.1\n\n"
		  "iface eth0:1 inet static\n    address 10.0.1.5\n"
		  "auto eth1\niface eth1 inet dhcp\n",
		  s);
	free(s);
}

static void test_parse(const char *dir)
{
	struct guest_edits e = { 0 };
	char path[256];

	snprintf(path, sizeof(path), "%s/pw", dir);
	write_file(path, "pass word:1\r\nsecond line\n");
	CHECK_INT("root-password-file", 0,
		  parse1("root-password-file", path, &e));
	CHECK("root-password edit",
	      e.n == 1 && e.v[0].kind == GUEST_ROOT_PASSWORD);
	CHECK_STR("first line, without its end", "pass word:1", e.v[0].a);
	write_file(path, "\nx\n");
	CHECK_INT("empty first line", FVM_EXIT_USAGE,
		  parse1("root-password-file", path, &e));
	write_file(path, "");
	CHECK_INT("empty password file", FVM_EXIT_USAGE,
		  parse1("root-password-file", path, &e));
	CHECK_INT("missing password file", FVM_EXIT_FAIL,
		  parse1("root-password-file", "/nonexistent/pw", &e));
	CHECK_INT("no password file named", FVM_EXIT_USAGE,
		  parse1("root-password-file", "", &e));
	unlink(path);

	CHECK_INT("serial-console = yes", 0,
		  parse1("serial-console", "yes", &e));
	CHECK("serial-console edit",
	      e.n == 1 && e.v[0].kind == GUEST_SERIAL_CONSOLE);
	CHECK_INT("serial-console = no", 0, parse1("serial-console", "no", &e));
	CHECK("serial-console = no: no edit", e.n == 0);
	CHECK_INT("serial-console = maybe", FVM_EXIT_USAGE,
		  parse1("serial-console", "maybe", &e));
	CHECK_INT("dhcp = yes", 0, parse1("dhcp", "yes", &e));
	CHECK("dhcp edit", e.n == 1 && e.v[0].kind == GUEST_DHCP);
	guest_edits_release(&e);
}

static void test_appliance(const char *dir)
{
	char sub[256], path[300];
	const char *files[] = { "kernel", "initrd", "root" };

	unsetenv("LIBGUESTFS_PATH");
	CHECK_STR("appliance: a path is taken as it is", "/nonexistent/app",
		  guest_appliance_dir("/nonexistent/app"));
	setenv("LIBGUESTFS_PATH", "/somewhere", 1);
	CHECK("appliance: LIBGUESTFS_PATH wins",
	      guest_appliance_dir("/nonexistent/app") == NULL);
	unsetenv("LIBGUESTFS_PATH");

	err_clear();
	CHECK("appliance: none to check", guest_appliance_check(NULL) == 0);
	CHECK("appliance: a missing directory fails",
	      guest_appliance_check("/nonexistent/app") < 0);
	CHECK_INT("appliance: a configuration error", FVM_EXIT_USAGE,
		  err_code());
	CHECK("appliance: the message names the key and the tool",
	      strstr(err_msg(), "FASTVM_APPLIANCE: no directory "
				"/nonexistent/app") &&
		      strstr(err_msg(), "libguestfs-make-fixed-appliance"));
	snprintf(sub, sizeof(sub), "%s/appliance", dir);
	mkdir(sub, 0755);
	err_clear();
	CHECK("appliance: an empty directory fails",
	      guest_appliance_check(sub) < 0 &&
		      strstr(err_msg(), "holds no fixed appliance"));
	for (int i = 0; i < 3; i++) {
		snprintf(path, sizeof(path), "%s/%s", sub, files[i]);
		write_file(path, "x");
	}
	err_clear();
	CHECK("appliance: kernel, initrd and root make one",
	      guest_appliance_check(sub) == 0);
	for (int i = 0; i < 3; i++) {
		snprintf(path, sizeof(path), "%s/%s", sub, files[i]);
		unlink(path);
	}
	rmdir(sub);
}

int main(void)
{
	char dir[] = "/tmp/fvm-unit-guest-edit.XXXXXX";

	if (!mkdtemp(dir))
		return 1;
	test_hash();
	test_shadow();
	test_cmdline();
	test_bootcfg();
	test_ifupdown();
	test_parse(dir);
	test_appliance(dir);
	rmdir(dir);
	UNIT_DONE();
}
