/* tests/unit/test_helper.c: fvm helper's request parser and checks, the sudoers rule. */
#include <stdlib.h>
#include <string.h>

#include "../../lib/err.h"
#include "../../lib/privop.h"
#include "unit.h"

static const struct helper_policy pol = { "fvm-", 20, 220, 22 };

/* parse text: the exit code class (0 when it passed) */
static int code_of(const char *text)
{
	struct helper_req r;

	err_clear();
	if (helper_parse(text, strlen(text), &pol, &r) == 0)
		return 0;
	return err_code();
}

static int refused(const char *text)
{
	return code_of(text) == HELPER_EXIT_INVALID;
}

int main(void)
{
	struct helper_req r, back;
	char big[HELPER_REQ_MAX + 64], *text, *rule;

	/* what a client sends */
	CHECK_INT("clone parses", 0,
		  code_of("op=clone\nimage=fvm-c7\nvm=fvm-c7-42\n"));
	err_clear();
	text = "op=clone\nimage=fvm-c7\nvm=fvm-c7-42\n";
	CHECK("clone fields",
	      helper_parse(text, strlen(text), &pol, &r) == 0 &&
		      r.op == HELPER_OP_CLONE && r.number == 42 &&
		      !strcmp(r.image, "fvm-c7") && !strcmp(r.vm, "fvm-c7-42"));
	CHECK_INT("keys in any order", 0,
		  code_of("vm=fvm-c7-42\nop=clone\nimage=fvm-c7\n"));
	CHECK_INT("remove parses", 0,
		  code_of("op=remove\nvm=fvm-c7.1-x-220\n"));
	CHECK_INT("resize parses", 0,
		  code_of("op=resize\nvm=fvm-c7-20\nsize=21474836480\n"
			  "shrink=yes\n"));
	CHECK_INT("release-lease parses", 0,
		  code_of("op=release-lease\nnumber=42\nmac=52:54:00:f5:16:"
			  "2a\n"));
	CHECK_INT("check parses", 0, code_of("op=check\n"));
	CHECK_INT("image names may hold dashes", 0,
		  code_of("op=clone\nimage=fvm-deb-bookworm\n"
			  "vm=fvm-deb-bookworm-30\n"));
	/* the image part follows import's rule for image names (fast-vm's):
	 * an image import takes has VMs the helper makes */
	CHECK_INT("image names may start with a dot", 0,
		  code_of("op=clone\nimage=fvm-.x\nvm=fvm-.x-42\n"));
	CHECK_INT("a VM of image .x", 0, code_of("op=remove\nvm=fvm-.x-42\n"));

	/* the request's shape */
	CHECK("empty", refused(""));
	CHECK("no final newline", refused("op=check"));
	CHECK("empty line", refused("op=check\n\n"));
	CHECK("CRLF", refused("op=check\r\n"));
	CHECK("no =", refused("op=check\nvm\n"));
	CHECK("unknown key", refused("op=remove\nvm=fvm-c7-42\npath=/etc\n"));
	CHECK("key case matters", refused("OP=check\n"));
	CHECK("key with blank", refused("op =check\n"));
	CHECK("duplicate key",
	      refused("op=remove\nvm=fvm-c7-42\nvm=fvm-c7-43\n"));
	CHECK("duplicate op", refused("op=check\nop=remove\nvm=fvm-c7-42\n"));
	CHECK("no op", refused("vm=fvm-c7-42\n"));
	CHECK("unknown op", refused("op=lvremove\nvm=fvm-c7-42\n"));
	CHECK("op needs its keys", refused("op=clone\nvm=fvm-c7-42\n"));
	CHECK("op takes only its keys",
	      refused("op=remove\nvm=fvm-c7-42\nsize=1048576\n"));
	CHECK("empty value", refused("op=remove\nvm=\n"));
	CHECK("blank in value", refused("op=remove\nvm=fvm-c7-42 x\n"));
	CHECK("tab in value", refused("op=remove\nvm=fvm-c7\t-42\n"));
	CHECK("NUL in request",
	      helper_parse("op=remove\nvm=fvm\0c7-42\n", 24, &pol, &r) < 0 &&
		      err_code() == HELPER_EXIT_INVALID);
	CHECK("byte beyond ASCII", refused("op=remove\nvm=fvm-c\xc3\xa9"
					   "7-42\n"));
	memset(big, 'a', sizeof(big));
	memcpy(big, "op=remove\nvm=fvm-", 17);
	memcpy(big + 17 + 300, "-42\n", 5);
	CHECK("overlong value", refused(big));
	memset(big, 0, sizeof(big));
	for (size_t off = 0; off + 10 < HELPER_REQ_MAX + 20;)
		off += (size_t)snprintf(big + off, sizeof(big) - off,
					"op=check\n");
	CHECK("overlong request", refused(big));

	/* names */
	CHECK("vm outside the prefix", refused("op=remove\nvm=other-c7-42\n"));
	CHECK("vm is the prefix's image only",
	      refused("op=remove\nvm=fvm-42\n"));
	CHECK("vm with /", refused("op=remove\nvm=fvm-c7/../x-42\n"));
	CHECK("vm with ..", refused("op=remove\nvm=fvm-..-42\n"));
	CHECK("vm with newline", refused("op=remove\nvm=fvm-c7\n-42\n"));
	CHECK("vm -rf", refused("op=remove\nvm=-rf\n"));
	CHECK("vm whose image is -rf", refused("op=remove\nvm=fvm--rf-42\n"));
	CHECK("vm whose image holds _ (no image name does)",
	      refused("op=remove\nvm=fvm-c7_1-42\n"));
	CHECK("vm whose image holds +", refused("op=remove\nvm=fvm-c+7-42\n"));
	CHECK("vm whose image ends in -N",
	      refused("op=remove\nvm=fvm-deb-12-42\n"));
	CHECK("clone of image ..x", refused("op=clone\nimage=fvm-..x\n"
					    "vm=fvm-..x-42\n"));
	CHECK("vm without number", refused("op=remove\nvm=fvm-c7\n"));
	CHECK("vm number below range", refused("op=remove\nvm=fvm-c7-19\n"));
	CHECK("vm number above range", refused("op=remove\nvm=fvm-c7-221\n"));
	CHECK("vm number with leading zero",
	      refused("op=remove\nvm=fvm-c7-042\n"));
	CHECK("vm number signed", refused("op=remove\nvm=fvm-c7-+42\n"));
	memset(big, 'x', 200);
	memcpy(big, "op=remove\nvm=fvm-", 17);
	memcpy(big + 150, "-42\n", 5);
	CHECK("vm name too long for LVM", refused(big));
	CHECK("clone of another image",
	      refused("op=clone\nimage=fvm-c7\nvm=fvm-c8-42\n"));
	CHECK("clone of a VM disk",
	      refused("op=clone\nimage=fvm-c7-42\nvm=fvm-c7-42-43\n"));
	CHECK("clone image outside the prefix",
	      refused("op=clone\nimage=c7\nvm=fvm-c7-42\n"));
	CHECK("clone image -rf",
	      refused("op=clone\nimage=-rf\nvm=fvm-c7-42\n"));

	/* numbers, sizes, MACs */
	CHECK("number out of range",
	      refused("op=release-lease\nnumber=221\nmac=52:54:00:f5:16:dd\n"));
	CHECK("number 0",
	      refused("op=release-lease\nnumber=0\nmac=52:54:00:f5:16:00\n"));
	CHECK("number negative",
	      refused("op=release-lease\nnumber=-1\nmac=52:54:00:f5:16:2a\n"));
	CHECK("number huge", refused("op=release-lease\nnumber=4294967338\n"
				     "mac=52:54:00:f5:16:2a\n"));
	CHECK("size zero", refused("op=resize\nvm=fvm-c7-42\nsize=0\n"));
	CHECK("size below 1 MiB",
	      refused("op=resize\nvm=fvm-c7-42\nsize=4096\n"));
	CHECK("size with unit", refused("op=resize\nvm=fvm-c7-42\nsize=20G\n"));
	CHECK("size beyond 64 TiB",
	      refused("op=resize\nvm=fvm-c7-42\nsize=70368744177665\n"));
	CHECK("size overflowing",
	      refused("op=resize\nvm=fvm-c7-42\nsize=99999999999999999999\n"));
	CHECK("shrink neither yes nor no",
	      refused("op=resize\nvm=fvm-c7-42\nsize=1048576\nshrink=1\n"));
	CHECK("mac too short",
	      refused("op=release-lease\nnumber=42\nmac=52:54:00:f5:16\n"));
	CHECK("mac uppercase",
	      refused("op=release-lease\nnumber=42\nmac=52:54:00:F5:16:2A\n"));
	CHECK("mac with dashes",
	      refused("op=release-lease\nnumber=42\nmac=52-54-00-f5-16-2a\n"));
	CHECK("mac multicast",
	      refused("op=release-lease\nnumber=42\nmac=01:00:5e:00:00:01\n"));
	CHECK("mac broadcast",
	      refused("op=release-lease\nnumber=42\nmac=ff:ff:ff:ff:ff:ff\n"));
	CHECK("mac zero",
	      refused("op=release-lease\nnumber=42\nmac=00:00:00:00:00:00\n"));

	/* which MAC a VM's lease may be released for */
	CHECK("fvm's own MAC of VM 42",
	      helper_mac_allowed(&pol, 42, "52:54:00:f5:16:2a", NULL));
	CHECK("another VM's MAC",
	      !helper_mac_allowed(&pol, 42, "52:54:00:f5:16:2b", NULL));
	CHECK("another subnet's MAC",
	      !helper_mac_allowed(&pol, 42, "52:54:00:f5:17:2a", NULL));
	CHECK("the domain's own MAC",
	      helper_mac_allowed(&pol, 42, "52:54:00:12:34:56",
				 "52:54:00:12:34:56"));
	CHECK("not the domain's MAC",
	      !helper_mac_allowed(&pol, 42, "52:54:00:12:34:57",
				  "52:54:00:12:34:56"));

	/* what the client writes, the parser reads back */
	memset(&r, 0, sizeof(r));
	r.op = HELPER_OP_RESIZE;
	strcpy(r.vm, "fvm-c7-42");
	r.size = 10737418240ULL;
	r.shrink = true;
	text = helper_format(&r);
	CHECK_STR("resize text",
		  "op=resize\nvm=fvm-c7-42\nsize=10737418240\nshrink=yes\n",
		  text);
	CHECK("resize round trip",
	      helper_parse(text, strlen(text), &pol, &back) == 0 &&
		      back.op == r.op && back.size == r.size && back.shrink &&
		      back.number == 42 && !strcmp(back.vm, r.vm));
	free(text);
	memset(&r, 0, sizeof(r));
	r.op = HELPER_OP_RELEASE_LEASE;
	r.number = 42;
	strcpy(r.mac, "52:54:00:f5:16:2a");
	text = helper_format(&r);
	CHECK("release-lease round trip",
	      helper_parse(text, strlen(text), &pol, &back) == 0 &&
		      back.number == 42 && !strcmp(back.mac, r.mac));
	free(text);

	/* the reason never echoes control characters */
	code_of("op=remove\nvm=fvm-c7\x1b[2J-42\n");
	CHECK("message without escape", !strchr(err_msg(), '\x1b'));
	code_of("op=remove\n\x1b[2J=x\n");
	CHECK("unknown key message without escape", !strchr(err_msg(), '\x1b'));

	/* sudoers */
	rule = helper_sudoers_rule("libvirt", "/usr/local/bin/fvm", NULL);
	CHECK_STR("sudoers rule",
		  "%libvirt ALL=(root) NOPASSWD: /usr/local/bin/fvm helper",
		  rule);
	free(rule);
	rule = helper_sudoers_rule("fvm-team", "/usr/bin/fvm",
				   "/etc/fvm/site.conf");
	CHECK_STR("sudoers rule with config",
		  "%fvm-team ALL=(root) NOPASSWD: /usr/bin/fvm helper "
		  "--config /etc/fvm/site.conf",
		  rule);
	free(rule);
	CHECK("sudoers group with comma",
	      !helper_sudoers_rule("a,b", "/usr/bin/fvm", NULL));
	CHECK("sudoers group with blank",
	      !helper_sudoers_rule("a b", "/usr/bin/fvm", NULL));
	CHECK("sudoers path with blank",
	      !helper_sudoers_rule("g", "/opt/my fvm/fvm", NULL));
	CHECK("sudoers relative path", !helper_sudoers_rule("g", "fvm", NULL));
	CHECK("sudoers config with wildcard",
	      !helper_sudoers_rule("g", "/usr/bin/fvm", "/etc/*.conf"));
	UNIT_DONE();
}
