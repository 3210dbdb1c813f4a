/* tests/unit/test_reconcile.c: doctor's name rules and the syslog lines of lib/log. */
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "../../lib/conf.h"
#include "../../lib/log.h"
#include "../../lib/reconcile.h"
#include "unit.h"

static void test_ip(void)
{
	CHECK_INT("ip: VM address", 42,
		  reconcile_ip_vm("192.168.22.42", 22, 20, 220));
	CHECK_INT("ip: other subnet", -1,
		  reconcile_ip_vm("192.168.23.42", 22, 20, 220));
	CHECK_INT("ip: below the range (dummy .2)", -1,
		  reconcile_ip_vm("192.168.22.2", 22, 20, 220));
	CHECK_INT("ip: above the range", -1,
		  reconcile_ip_vm("192.168.22.250", 22, 20, 220));
	CHECK_INT("ip: prefix of a longer subnet", -1,
		  reconcile_ip_vm("192.168.221.42", 22, 20, 220));
	CHECK_INT("ip: leading zero", -1,
		  reconcile_ip_vm("192.168.22.042", 22, 20, 220));
	CHECK_INT("ip: trailing junk", -1,
		  reconcile_ip_vm("192.168.22.42x", 22, 20, 220));
	CHECK_INT("ip: NULL", -1, reconcile_ip_vm(NULL, 22, 20, 220));
}

static void test_vm_number(void)
{
	CHECK_INT("name: VM", 42,
		  reconcile_vm_number("fastvm-", "fastvm-c7-42"));
	CHECK_INT("name: image with a dash", 7,
		  reconcile_vm_number("fastvm-", "fastvm-rhel-8-7"));
	CHECK_INT("name: image", -1,
		  reconcile_vm_number("fastvm-", "fastvm-c7"));
	CHECK_INT("name: other prefix", -1,
		  reconcile_vm_number("fastvm-", "other-c7-42"));
	CHECK_INT("name: no image part", -1,
		  reconcile_vm_number("fastvm-", "fastvm--42"));
	CHECK_INT("name: not a number", -1,
		  reconcile_vm_number("fastvm-", "fastvm-c7-4x"));
}

static void check_lock(const char *name, const char *want, char *got)
{
	CHECK_STR(name, want ? want : "(none)", got ? got : "(none)");
	free(got);
}

static void test_temp(void)
{
	check_lock("temp: import's decoded copy", "image-c7",
		   reconcile_temp_lock(RECONCILE_STORE_DIR,
				       ".fvm-import-c7.Ab12Cd", "fastvm-"));
	check_lock("temp: image name with dots", "image-c7.9",
		   reconcile_temp_lock(RECONCILE_STORE_DIR,
				       ".fvm-import-c7.9.Ab12Cd", "fastvm-"));
	check_lock("temp: not mkstemp's suffix", NULL,
		   reconcile_temp_lock(RECONCILE_STORE_DIR, ".fvm-import-c7",
				       "fastvm-"));
	check_lock(
		"temp: a disk is no leftover", NULL,
		reconcile_temp_lock(RECONCILE_STORE_DIR, "images", "fastvm-"));
	check_lock("temp: staged template", "image-c7",
		   reconcile_temp_lock(RECONCILE_CONF_DIR,
				       ".config-c7.xml.fvm-import", "fastvm-"));
	check_lock("temp: staged delete hacks", "image-c7",
		   reconcile_temp_lock(RECONCILE_CONF_DIR,
				       ".delete-hacks-c7.sh.fvm-import",
				       "fastvm-"));
	check_lock("temp: a real template is no leftover", NULL,
		   reconcile_temp_lock(RECONCILE_CONF_DIR, "config-c7.xml",
				       "fastvm-"));
	check_lock("temp: profile being made", "profile-web",
		   reconcile_temp_lock(RECONCILE_CONF_DIR,
				       ".web.fvm-profile-x1Y2z3", "fastvm-"));
	check_lock("temp: profile being removed", "profile-web",
		   reconcile_temp_lock(RECONCILE_CONF_DIR,
				       ".web.fvm-profile-rm", "fastvm-"));
	check_lock("temp: checksum being written", "image-c7",
		   reconcile_temp_lock(RECONCILE_SHA_DIR,
				       "fastvm-c7.sha256.tmp", "fastvm-"));
	check_lock("temp: checksum being written atomically", "image-c7",
		   reconcile_temp_lock(RECONCILE_SHA_DIR,
				       ".fastvm-c7.sha256.aB3dE9", "fastvm-"));
	check_lock("temp: another dot file is no leftover", NULL,
		   reconcile_temp_lock(RECONCILE_SHA_DIR, ".fastvm-c7.aB3dE9",
				       "fastvm-"));
	check_lock("temp: a checksum is no leftover", NULL,
		   reconcile_temp_lock(RECONCILE_SHA_DIR, "fastvm-c7.sha256",
				       "fastvm-"));
	check_lock("temp: import's disk", "image-c7",
		   reconcile_temp_disk_lock("fvm+import+c7"));
	check_lock("temp: an image disk", NULL,
		   reconcile_temp_disk_lock("fastvm-c7"));
}

static void test_log(void)
{
	struct fvm_conf c;
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	char dir[] = "/tmp/fvm-unit-log.XXXXXX", buf[4096], want[512];
	int fd;
	ssize_t n;

	log_format(buf, sizeof(buf), "alice", 42, "VM 'fastvm-c7-42' deleted",
		   123);
	CHECK_STR("log: fast-vm's line",
		  "fvm[123]: alice |42| VM 'fastvm-c7-42' deleted", buf);
	log_format(buf, sizeof(buf), "alice", -1, "image 'c7' removed", 9);
	CHECK_STR("log: no VM is __", "fvm[9]: alice |__| image 'c7' removed",
		  buf);

	if (!mkdtemp(dir)) {
		printf("SKIP - log: socket: no temporary directory\n");
		return;
	}
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/log", dir);
	fd = socket(AF_UNIX, SOCK_DGRAM, 0);
	CHECK("log: test socket bound",
	      fd >= 0 && bind(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0);
	setenv("FVM_SYSLOG_SOCKET", sa.sun_path, 1);
	setenv("SUDO_USER", "bob", 1);
	conf_defaults(&c);
	c.log_level = 6;
	log_vm(&c, LOG_DEBUG, 42, "not logged: above LOG_LEVEL");
	log_vm(&c, LOG_INFO, 42, "VM '%s' started", "fastvm-c7-42");
	n = recv(fd, buf, sizeof(buf) - 1, MSG_DONTWAIT);
	buf[n > 0 ? n : 0] = '\0';
	snprintf(want, sizeof(want),
		 "fvm[%ld]: bob |42| VM 'fastvm-c7-42' started",
		 (long)getpid());
	CHECK("log: priority user.info", !strncmp(buf, "<14>", 4));
	CHECK_STR("log: SUDO_USER and the message", want,
		  strstr(buf, "fvm[") ? strstr(buf, "fvm[") : buf);
	n = recv(fd, buf, sizeof(buf) - 1, MSG_DONTWAIT);
	CHECK("log: nothing more (debug was above LOG_LEVEL)", n < 0);
	CHECK("log: DISPLAY_LEVEL 7 shows debug", log_display(&c, LOG_DEBUG));
	c.display_level = 4;
	CHECK("log: DISPLAY_LEVEL 4 hides info", !log_display(&c, LOG_INFO));
	conf_release(&c);
	close(fd);
	unlink(sa.sun_path);
	rmdir(dir);
}

int main(void)
{
	test_ip();
	test_vm_number();
	test_temp();
	test_log();
	return unit_failed;
}
