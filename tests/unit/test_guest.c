/* tests/unit/test_guest.c: customisation values and customize.conf parsing (no appliance). */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "../../lib/err.h"
#include "../../lib/guest.h"
#include "unit.h"

/* parse one key/value into a fresh list: the exit class or 0 */
static int parse1(const char *key, const char *value, struct guest_edits *e)
{
	guest_edits_release(e);
	err_clear();
	return guest_edit_parse(e, key, value, NULL) < 0 ? err_code() : 0;
}

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	fputs(text, f);
	fclose(f);
}

int main(void)
{
	struct guest_edits e = { 0 };
	char dir[] = "/tmp/fvm-unit-guest.XXXXXX", path[256], conf[256];

	if (!mkdtemp(dir))
		return 1;

	CHECK_INT("hostname", 0, parse1("hostname", "web1.example.com", &e));
	CHECK("hostname edit", e.n == 1 && e.v[0].kind == GUEST_HOSTNAME);
	CHECK_INT("empty hostname: the VM's", 0, parse1("hostname", "", &e));
	CHECK_INT("hostname with a space", FVM_EXIT_USAGE,
		  parse1("hostname", "a b", &e));
	CHECK_INT("hostname with a leading dash", FVM_EXIT_USAGE,
		  parse1("hostname", "-a", &e));
	CHECK_INT("hostname with an empty label", FVM_EXIT_USAGE,
		  parse1("hostname", "a..b", &e));
	CHECK_INT("hostname label of 64", FVM_EXIT_USAGE,
		  parse1("hostname",
			 "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
			 "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
			 &e));
	CHECK_INT("hostname label of 63", 0,
		  parse1("hostname",
			 "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
			 "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
			 &e));

	CHECK_INT("timezone", 0, parse1("timezone", "Europe/Prague", &e));
	CHECK_STR("timezone kept", "Europe/Prague", e.v[0].a);
	CHECK_INT("timezone Etc/GMT+2", 0, parse1("timezone", "Etc/GMT+2", &e));
	CHECK_INT("timezone with ..", FVM_EXIT_USAGE,
		  parse1("timezone", "../../etc/shadow", &e));
	CHECK_INT("absolute timezone", FVM_EXIT_USAGE,
		  parse1("timezone", "/etc/shadow", &e));

	CHECK_INT("write", 0, parse1("write", "/etc/motd:a:b", &e));
	CHECK_STR("write path", "/etc/motd", e.v[0].a);
	CHECK_STR("write content after the first colon", "a:b", e.v[0].b);
	CHECK_INT("write empty content", 0, parse1("write", "/etc/x:", &e));
	CHECK_INT("write without colon", FVM_EXIT_USAGE,
		  parse1("write", "/etc/motd", &e));
	CHECK_INT("write to a relative path", FVM_EXIT_USAGE,
		  parse1("write", "etc/motd:x", &e));
	CHECK_INT("write to /..", FVM_EXIT_USAGE,
		  parse1("write", "/etc/..:x", &e));

	CHECK_INT("copy-in", 0, parse1("copy-in", "/tmp/a:/root/", &e));
	CHECK("copy-in edit", e.n == 1 && e.v[0].kind == GUEST_COPY_IN);
	CHECK_INT("copy-in to a relative path", FVM_EXIT_USAGE,
		  parse1("copy-in", "/tmp/a:root", &e));
	CHECK_INT("firstboot", 0, parse1("firstboot-command", "touch /x", &e));
	CHECK_INT("empty firstboot", FVM_EXIT_USAGE,
		  parse1("firstboot-command", "", &e));
	CHECK_INT("machine-id empty", 0, parse1("machine-id", "empty", &e));
	CHECK_INT("machine-id other", FVM_EXIT_USAGE,
		  parse1("machine-id", "keep", &e));
	CHECK_INT("unknown key", FVM_EXIT_USAGE, parse1("password", "x", &e));

	snprintf(path, sizeof(path), "%s/k.pub", dir);
	write_file(path, "# comment\nssh-ed25519 AAAAC3Nza one\n\n"
			 "ssh-rsa AAAAB3Nza two\n");
	CHECK_INT("ssh-key for root", 0, parse1("ssh-key", path, &e));
	CHECK_STR("ssh-key lines",
		  "ssh-ed25519 AAAAC3Nza one\n"
		  "ssh-rsa AAAAB3Nza two\n",
		  e.v[0].a);
	CHECK("ssh-key user root", e.v[0].b == NULL);
	{
		char *v = NULL;

		if (asprintf(&v, "alice:%s", path) < 0)
			return 1;
		CHECK_INT("ssh-key for a user", 0, parse1("ssh-key", v, &e));
		CHECK_STR("ssh-key user", "alice", e.v[0].b);
		free(v);
	}
	CHECK_INT("missing key file", FVM_EXIT_FAIL,
		  parse1("ssh-key", "/nonexistent/k.pub", &e));
	snprintf(path, sizeof(path), "%s/priv", dir);
	write_file(path, "-----BEGIN OPENSSH PRIVATE KEY-----\nxx\n");
	CHECK_INT("private key refused", FVM_EXIT_USAGE,
		  parse1("ssh-key", path, &e));

	/* the file: comments, escapes, relative paths, line numbers */
	snprintf(conf, sizeof(conf), "%s/customize.conf", dir);
	write_file(conf, "# a comment\n\n  hostname =  web1  \n"
			 "ssh-key = k.pub\n"
			 "write = /etc/motd:one\\ntwo\\\\n\n"
			 "copy-in = files/a:/root/\n");
	guest_edits_release(&e);
	err_clear();
	CHECK_INT("file parses", 0, guest_edits_parse_file(&e, conf));
	CHECK_INT("file: four edits", 4, (long long)e.n);
	if (e.n == 4) {
		char want[300];

		CHECK_STR("file: value trimmed", "web1", e.v[0].a);
		CHECK_STR("file: \\n and \\\\", "one\ntwo\\n", e.v[2].b);
		snprintf(want, sizeof(want), "%s/files/a", dir);
		CHECK_STR("file: relative host path", want, e.v[3].a);
	}
	write_file(conf, "hostname = ok\n\nwrite /etc/x\n");
	guest_edits_release(&e);
	err_clear();
	CHECK("bad line fails", guest_edits_parse_file(&e, conf) < 0);
	CHECK("bad line: file and line named",
	      strstr(err_msg(), "customize.conf:3: not key = value") != NULL);
	write_file(conf, "timezone = ../x\n");
	guest_edits_release(&e);
	err_clear();
	CHECK("bad value fails", guest_edits_parse_file(&e, conf) < 0);
	CHECK_INT("bad value is a usage error", FVM_EXIT_USAGE, err_code());
	CHECK("bad value: line named",
	      strstr(err_msg(), "customize.conf:1: time zone") != NULL);

	CHECK("appliance: a directory", guest_appliance_dir(dir) != NULL);
	CHECK("appliance: 'import' is none", !guest_appliance_dir("import"));

	guest_edits_release(&e);
	unlink(conf);
	unlink(path);
	snprintf(path, sizeof(path), "%s/k.pub", dir);
	unlink(path);
	rmdir(dir);
	UNIT_DONE();
}
