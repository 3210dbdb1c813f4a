/* tests/unit/test_conf.c: fast-vm.conf parsing, defaults and errors. */
#include <stdlib.h>

#include "../../lib/conf.h"
#include "../../lib/err.h"
#include "../../lib/util.h"
#include "unit.h"

/* conf_get's value, kept until the next call */
static const char *conf_get_tmp(const struct fvm_conf *c, const char *key)
{
	static char *v;

	free(v);
	v = conf_get(c, key);
	return v;
}

static int parse(struct fvm_conf *c, const char *text)
{
	conf_defaults(c);
	err_clear();
	return conf_parse(c, "/etc/fast-vm.conf", text, strlen(text));
}

/* conf_connect's one order: -c, LIBVIRT_DEFAULT_URI, FVM_URI, default */
static void test_connect(void)
{
	struct fvm_conf c;

	unsetenv("LIBVIRT_DEFAULT_URI");
	CHECK_INT("no FVM_URI parses", 0, parse(&c, ""));
	CHECK_STR("connect: the default", "qemu:///system", c.connect_uri);
	CHECK_INT("connect: from the default", CONF_URI_DEFAULT,
		  c.connect_from);
	conf_release(&c);

	unsetenv("LIBVIRT_DEFAULT_URI");
	CHECK_INT("FVM_URI parses", 0, parse(&c, "FVM_URI=test:///conf\n"));
	CHECK_STR("connect: FVM_URI beats the default", "test:///conf",
		  c.connect_uri);
	CHECK_INT("connect: from FVM_URI", CONF_URI_CONFIG, c.connect_from);
	/* the same URI by another way is no other connection */
	setenv("LIBVIRT_DEFAULT_URI", "test:///conf", 1);
	CHECK_INT("env naming FVM_URI", 0, conf_connect(&c, NULL, true));
	CHECK_INT("connect: env naming FVM_URI counts as env", CONF_URI_ENV,
		  c.connect_from);
	CHECK_INT("option naming FVM_URI", 0,
		  conf_connect(&c, "test:///conf", true));
	CHECK("connect: FVM_URI by env or -c is not elsewhere",
	      conf_connect_elsewhere() == NULL);

	setenv("LIBVIRT_DEFAULT_URI", "test:///env", 1);
	CHECK_INT("env and FVM_URI", 0, conf_connect(&c, NULL, true));
	CHECK_STR("connect: env beats FVM_URI", "test:///env", c.connect_uri);
	CHECK_STR("connect: another URI is recorded",
		  "LIBVIRT_DEFAULT_URI chose the libvirt connection "
		  "test:///env, not FVM_URI test:///conf",
		  conf_connect_elsewhere());
	CHECK_INT("option, env and FVM_URI", 0,
		  conf_connect(&c, "test:///opt", true));
	CHECK_STR("connect: the option beats env", "test:///opt",
		  c.connect_uri);
	CHECK_INT("connect: from the option", CONF_URI_OPTION, c.connect_from);
	CHECK_INT("without env (the helper)", 0, conf_connect(&c, NULL, false));
	CHECK_STR("connect: the helper keeps FVM_URI", "test:///conf",
		  c.connect_uri);
	CHECK_STR("connect: elsewhere stays recorded",
		  "LIBVIRT_DEFAULT_URI chose the libvirt connection "
		  "test:///env, not FVM_URI test:///conf",
		  conf_connect_elsewhere());
	setenv("LIBVIRT_DEFAULT_URI", "", 1);
	CHECK_INT("empty env", 0, conf_connect(&c, NULL, true));
	CHECK_STR("connect: an empty env counts as unset", "test:///conf",
		  c.connect_uri);

	err_clear();
	CHECK_INT("empty option refused", -1, conf_connect(&c, "", true));
	CHECK_INT("empty option: usage", FVM_EXIT_USAGE, err_code());
	CHECK_STR("connect: a refused option changes nothing", "test:///conf",
		  c.connect_uri);
	err_clear();
	CHECK_INT("control character refused", -1,
		  conf_connect(&c, "test:///a\nb", true));
	CHECK_INT("control character: usage", FVM_EXIT_USAGE, err_code());
	setenv("LIBVIRT_DEFAULT_URI", "test:///a\tb", 1);
	CHECK_INT("control character in env refused", -1,
		  conf_connect(&c, NULL, true));
	conf_release(&c);

	setenv("LIBVIRT_DEFAULT_URI", "test:///env", 1);
	CHECK_INT("no FVM_URI, env", 0, parse(&c, ""));
	CHECK_INT("env without FVM_URI", 0, conf_connect(&c, NULL, true));
	CHECK_STR("connect: env beats the default", "test:///env",
		  c.connect_uri);
	CHECK_INT("connect: from env", CONF_URI_ENV, c.connect_from);
	unsetenv("LIBVIRT_DEFAULT_URI");
	conf_release(&c);
}

/* The table: each key reads back its default, and each rule refuses a
 * bad value with one line naming the file, line and key. */
static void test_table(void)
{
	struct fvm_conf d, c;
	size_t n = 0;

	conf_defaults(&d);
	for (const struct conf_key *k = conf_table; k->name; k++, n++) {
		char *def = conf_get(&d, k->name);
		char *line = conf_assignment(k->name, def);
		char *name =
			xasprintf("%s: its default '%s' parses", k->name, def);
		/* values a rule of each type refuses */
		const char *bad[] = { "", "-bad/", "x", "maybe", "9" };
		int refused = 0;

		CHECK_INT(name, 0, parse(&c, line));
		free(name);
		name = xasprintf("%s: reads back as its default", k->name);
		CHECK_STR(name, def, conf_get_tmp(&c, k->name));
		free(name);
		conf_release(&c);
		CHECK("the key is found", conf_key_find(k->name) == k);
		CHECK("the key has a line of documentation",
		      k->doc && *k->doc && !strchr(k->doc, '\n'));
		for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
			char *text = xasprintf("%s='%s'\n", k->name, bad[i]);
			char *start =
				xasprintf("/etc/fast-vm.conf:1: %s ", k->name);

			if (parse(&c, text) < 0) {
				refused++;
				name = xasprintf("%s: '%s' refused in a line "
						 "naming file, line and key",
						 k->name, bad[i]);
				CHECK(name,
				      str_starts(err_msg(), start) &&
					      !strchr(err_msg(), '\n') &&
					      err_code() == FVM_EXIT_USAGE);
				free(name);
			}
			conf_release(&c);
			free(text);
			free(start);
		}
		if (k->type != CONF_T_STR || k->check) {
			name = xasprintf("%s: its rule refuses bad values",
					 k->name);
			CHECK(name, refused > 0);
			free(name);
		}
		free(line);
		free(def);
	}
	CHECK("the table has the keys", n >= 21);
	CHECK("an unknown key is not found", conf_key_find("NOPE") == NULL);
	CHECK("an unknown key has no value", conf_get(&d, "NOPE") == NULL);
	conf_release(&d);

	CHECK_STR("a choice's message lists the choices",
		  "must be auto, kvm or qemu",
		  conf_check(conf_key_find("FVM_DOMAIN_TYPE"), "xen"));
	CHECK_STR("two choices' message", "must be lvm or dir",
		  conf_check(conf_key_find("FVM_STORAGE"), "zfs"));
	CHECK_STR("a number's message", "must be a number from 0 to 100",
		  conf_check(conf_key_find("FVM_POOL_WATERMARK"), "101"));
	CHECK("thin pool name: a plain one",
	      !conf_check_lvm_name("vg_0.a+b-c"));
	CHECK("thin pool name: lvm's own refused",
	      conf_check_lvm_name("snapshot") != NULL);
	CHECK("thin pool name: a blank refused",
	      conf_check_lvm_name("my vg") != NULL);
	CHECK("thin pool name: a leading - refused",
	      conf_check_lvm_name("-vg") != NULL);
	{
		char longname[129];

		memset(longname, 'a', 128);
		longname[128] = '\0';
		CHECK_STR("thin pool name: 128 characters refused",
			  "must be 127 characters at most",
			  conf_check_lvm_name(longname));
		longname[127] = '\0';
		CHECK("thin pool name: 127 characters",
		      !conf_check_lvm_name(longname));
	}
	/* the environment's table sets its fields */
	setenv("FVM_USER_DIR", "/u/dir", 1);
	conf_defaults(&d);
	CHECK_STR("FVM_USER_DIR from the environment", "/u/dir", d.user_dir);
	conf_release(&d);
	unsetenv("FVM_USER_DIR");
	for (const struct conf_env *e = conf_env_table; e->name; e++)
		CHECK("an environment variable has a line of documentation",
		      e->doc && *e->doc && !strchr(e->doc, '\n'));
}

int main(void)
{
	struct fvm_conf c;

	setenv("HOME", "/home/u", 1);
	unsetenv("XDG_STATE_HOME");
	unsetenv("FVM_USER_DIR");
	unsetenv("FVM_SYSTEM_DIR");
	test_connect();
	test_table();

	CHECK_INT("empty file parses", 0, parse(&c, ""));
	CHECK_STR("default VM_PREFIX", "fastvm-", c.vm_prefix);
	CHECK_STR("default network", "fastvm-nat", c.libvirt_network);
	CHECK_INT("default subnet", 22, c.subnet);
	CHECK_STR("default pool", "fastvm-pool", c.thinpool_lv);
	CHECK_STR("default group", "libvirt", c.group);
	CHECK_INT("default owner-only delete", 0, c.owner_only_delete);
	CHECK_INT("default range low", 20, c.vm_min);
	CHECK_INT("default range high", 220, c.vm_max);
	CHECK_INT("no VG: dir storage", FVM_STORAGE_DIR, c.storage);
	CHECK_STR("default user dir", "/home/u/.fast-vm", c.user_dir);
	CHECK_STR("default system dir", "/etc/fast-vm", c.system_dir);
	CHECK_STR("default state dir", "/home/u/.local/state/fvm", c.state_dir);
	CHECK_STR("default uri", "qemu:///system", c.uri);
	conf_release(&c);

	CHECK_INT("full file parses", 0,
		  parse(&c, "# fast-vm configuration\n"
			    "\n"
			    "VM_PREFIX=\"fvm-\"\n"
			    "  THINPOOL_VG='vg0'   # the VG\n"
			    "export SUBNET_NUMBER=33\n"
			    "FASTVM_OWNER_ONLY_DELETE=yes\n"
			    "FASTVM_GROUP=\"qa team\"\n"
			    "CURL_OPTS=\"-k --cacert \\\"/a b\\\"\"\n"
			    "SOMETHING_ELSE=kept\n"
			    "FVM_VM_RANGE=30-40\n"));
	CHECK_STR("double quotes stripped", "fvm-", c.vm_prefix);
	CHECK_STR("single quotes and comment", "vg0", c.thinpool_vg);
	CHECK_INT("export prefix", 33, c.subnet);
	CHECK_INT("yes", 1, c.owner_only_delete);
	CHECK_STR("blank inside quotes", "qa team", c.group);
	CHECK_STR("escaped quotes", "-k --cacert \"/a b\"", c.curl_opts);
	CHECK_INT("VG set: lvm storage", FVM_STORAGE_LVM, c.storage);
	CHECK_INT("range low", 30, c.vm_min);
	CHECK_INT("range high", 40, c.vm_max);
	CHECK_INT("all variables kept", 8, (long long)c.nvars);
	CHECK_STR("unknown key kept", "SOMETHING_ELSE", c.vars[6].key);
	conf_release(&c);

	CHECK_INT("last assignment wins", 0,
		  parse(&c, "SUBNET_NUMBER=1\nSUBNET_NUMBER=2\n"));
	CHECK_INT("last value", 2, c.subnet);
	conf_release(&c);

	CHECK_INT("no trailing newline", 0, parse(&c, "SUBNET_NUMBER=9"));
	CHECK_INT("no trailing newline value", 9, c.subnet);
	conf_release(&c);

	CHECK_INT("subnet 256 refused", -1, parse(&c, "\nSUBNET_NUMBER=256\n"));
	CHECK_STR("subnet error names file, line, key and value",
		  "/etc/fast-vm.conf:2: SUBNET_NUMBER must be a number from 0 "
		  "to 255, not '256'",
		  err_msg());
	CHECK_INT("config errors are usage errors", FVM_EXIT_USAGE, err_code());
	conf_release(&c);

	CHECK_INT("negative subnet refused", -1,
		  parse(&c, "SUBNET_NUMBER=-1\n"));
	conf_release(&c);
	CHECK_INT("subnet with text refused", -1,
		  parse(&c, "SUBNET_NUMBER=2x\n"));
	conf_release(&c);
	CHECK_INT("empty prefix refused", -1, parse(&c, "VM_PREFIX=\n"));
	CHECK_STR("empty prefix message",
		  "/etc/fast-vm.conf:1: VM_PREFIX must not be empty, not ''",
		  err_msg());
	conf_release(&c);
	CHECK_INT("prefix with slash refused", -1,
		  parse(&c, "VM_PREFIX=a/b\n"));
	conf_release(&c);
	CHECK_INT("line without =", -1, parse(&c, "VM_PREFIX\n"));
	CHECK_STR("line without = message",
		  "/etc/fast-vm.conf:1: expected KEY=value, got 'VM_PREFIX'",
		  err_msg());
	conf_release(&c);
	CHECK_INT("command substitution refused", -1,
		  parse(&c, "VM_PREFIX=$(rm -rf /)\n"));
	conf_release(&c);
	CHECK_INT("variable in double quotes refused", -1,
		  parse(&c, "VM_PREFIX=\"$HOME\"\n"));
	conf_release(&c);
	CHECK_INT("backticks refused", -1, parse(&c, "VM_PREFIX=`id`\n"));
	conf_release(&c);
	CHECK_INT("two commands refused", -1, parse(&c, "A=1; B=2\n"));
	conf_release(&c);
	CHECK_INT("unterminated quote refused", -1, parse(&c, "A='x\n"));
	conf_release(&c);
	CHECK_INT("bad yes/no refused", -1,
		  parse(&c, "FASTVM_OWNER_ONLY_DELETE=maybe\n"));
	conf_release(&c);
	CHECK_INT("bad storage refused", -1, parse(&c, "FVM_STORAGE=zfs\n"));
	conf_release(&c);
	CHECK_INT("lvm without VG refused", -1, parse(&c, "FVM_STORAGE=lvm\n"));
	conf_release(&c);
	CHECK_INT("backwards range refused", -1,
		  parse(&c, "FVM_VM_RANGE=50-40\n"));
	conf_release(&c);
	CHECK_INT("range into .2 refused", -1,
		  parse(&c, "FVM_VM_RANGE=2-40\n"));
	conf_release(&c);
	CHECK_INT("relative store dir refused", -1,
		  parse(&c, "FVM_STORE_DIR=var/lib\n"));
	conf_release(&c);
	CHECK_INT("log level 8 refused", -1, parse(&c, "LOG_LEVEL=8\n"));
	conf_release(&c);
	CHECK_INT("dir storage with VG allowed", 0,
		  parse(&c, "THINPOOL_VG=vg\nFVM_STORAGE=dir\n"));
	CHECK_INT("explicit dir wins", FVM_STORAGE_DIR, c.storage);
	conf_release(&c);
	CHECK_INT("domain type", 0, parse(&c, "FVM_DOMAIN_TYPE=qemu\n"));
	CHECK_INT("domain type qemu", FVM_DOMTYPE_QEMU, c.domain_type);
	conf_release(&c);
	{
		const char nul[] = "A=1\nB=\0x\n";

		conf_defaults(&c);
		CHECK_INT("NUL byte refused", -1,
			  conf_parse(&c, "f", nul, sizeof(nul) - 1));
		conf_release(&c);
	}

	/* FVM_CONFIG pointing at a missing file is an error, not defaults */
	setenv("FVM_CONFIG", "/nonexistent/fast-vm.conf", 1);
	CHECK_INT("missing explicit config", -1, conf_load(&c));
	CHECK_INT("missing explicit config code", FVM_EXIT_USAGE, err_code());
	conf_release(&c);
	UNIT_DONE();
}
