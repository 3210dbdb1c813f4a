/* tests/unit/test_vmnum.c: VM number lists, ranges, IP/MAC/name derivation. */
#include <stdlib.h>

#include "../../lib/conf.h"
#include "../../lib/err.h"
#include "../../lib/vmnum.h"
#include "unit.h"

static char *joined(const struct vmlist *l)
{
	static char buf[1024];
	size_t off = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < l->len; i++)
		off += (size_t)snprintf(buf + off, sizeof(buf) - off, "%s%d",
					i ? " " : "", l->n[i]);
	return buf;
}

static const char *parse1(const char *arg)
{
	static char out[1024];
	char *args[1] = { (char *)arg };
	struct vmlist l;

	err_clear();
	if (vmnum_parse(1, args, 20, 220, &l) < 0)
		return "ERR";
	snprintf(out, sizeof(out), "%s", joined(&l));
	vmlist_release(&l);
	return out;
}

int main(void)
{
	struct fvm_conf c;
	char buf[32];
	char *name;

	CHECK_STR("single", "42", parse1("42"));
	CHECK_STR("blank list", "21 22 23", parse1("21 22 23"));
	CHECK_STR("comma list", "21 22", parse1("21,22"));
	CHECK_STR("range", "20 21 22 23", parse1("20-23"));
	CHECK_STR("mixed", "30 25 26 27 40", parse1("30, 25-27 40"));
	CHECK_STR("duplicates dropped", "21 22", parse1("21 22 21 21-22"));
	CHECK_STR("whole range edges", "220", parse1("220"));
	CHECK_STR("out of range high", "ERR", parse1("221"));
	CHECK_STR("out of range message",
		  "VM number 221 is out of range 20-220", err_msg());
	CHECK_INT("out of range code", FVM_EXIT_USAGE, err_code());
	CHECK_STR("out of range low", "ERR", parse1("19"));
	CHECK_STR("range crossing the edge", "ERR", parse1("210-230"));
	CHECK_STR("range message names the bad end",
		  "VM number 230 is out of range 20-220", err_msg());
	CHECK_STR("backwards range", "ERR", parse1("30-20"));
	CHECK_STR("not a number", "ERR", parse1("4x"));
	CHECK_STR("not a number message",
		  "'4x' is not a VM number or range (N, N-M)", err_msg());
	CHECK_STR("negative", "ERR", parse1("-5"));
	CHECK_STR("open range", "ERR", parse1("20-"));
	CHECK_STR("huge number", "ERR", parse1("99999999999999999999"));
	CHECK_STR("empty", "ERR", parse1(""));
	CHECK_STR("empty message", "no VM number given", err_msg());
	CHECK_STR("only separators", "ERR", parse1(" , "));
	{
		char *args[3] = { "21", "22-23", "24" };
		struct vmlist l;

		CHECK_INT("several arguments", 0,
			  vmnum_parse(3, args, 20, 220, &l));
		CHECK_STR("several arguments joined", "21 22 23 24",
			  joined(&l));
		vmlist_release(&l);
	}

	setenv("HOME", "/tmp", 1);
	conf_defaults(&c);
	vm_ip(&c, 42, buf);
	CHECK_STR("ip", "192.168.22.42", buf);
	vm_mac(&c, 42, buf);
	CHECK_STR("mac from subnet and number", "52:54:00:f5:16:2a", buf);
	vm_mac(&c, 43, buf);
	CHECK_STR("another number, another mac", "52:54:00:f5:16:2b", buf);
	vm_hex(10, buf);
	CHECK_STR("hex two lowercase digits", "0a", buf);
	vm_hex(220, buf);
	CHECK_STR("hex 220", "dc", buf);
	name = vm_name(&c, "c7", 42);
	CHECK_STR("vm name", "fastvm-c7-42", name);
	free(name);
	name = vm_name(&c, "c7", -1);
	CHECK_STR("base name", "fastvm-c7", name);
	free(name);
	conf_release(&c);
	UNIT_DONE();
}
