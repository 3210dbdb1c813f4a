/* tests/unit/test_meta.c: fast-vm's title/description metadata format. */
#include <stdlib.h>

#include "err.h"
#include "meta.h"
#include "unit.h"

static void round_trip(const char *name, const char *desc)
{
	struct vm_meta m;
	char *again;

	if (meta_parse(desc, &m) < 0) {
		printf("FAIL - %s: parse: %s\n", name, err_msg());
		unit_failed = 1;
		return;
	}
	again = meta_format_description(&m);
	CHECK_STR(name, desc, again);
	free(again);
	meta_release(&m);
}

static void rejects(const char *name, const char *desc)
{
	struct vm_meta m;
	int rc = meta_parse(desc, &m);

	CHECK(name, rc == -1 && err_code() == FVM_EXIT_FAIL && !m.owner &&
			    !m.note && !m.profile);
	err_clear();
}

int main(void)
{
	struct vm_meta m;
	char *s;

	CHECK_INT("parse plain", 0,
		  meta_parse("1,ondrej,1700000000,---,CentOS 7.6 minimal", &m));
	CHECK_STR("owner", "ondrej", m.owner);
	CHECK_INT("activity", 1700000000, (long long)m.activity);
	CHECK("--- is no profile", m.profile == NULL);
	CHECK_STR("note", "CentOS 7.6 minimal", m.note);
	s = meta_format_title(42, &m);
	CHECK_STR("title", "042 ondrej CentOS 7.6 minimal", s);
	free(s);
	s = meta_format_description(&m);
	CHECK_STR("description", "1,ondrej,1700000000,---,CentOS 7.6 minimal",
		  s);
	free(s);
	meta_release(&m);

	CHECK_INT(
		"parse commas in note", 0,
		meta_parse("1,root,5,c7-cluster,node 1, shared, storage,", &m));
	CHECK_STR("profile", "c7-cluster", m.profile);
	CHECK_STR("note keeps its commas", "node 1, shared, storage,", m.note);
	meta_release(&m);

	CHECK_INT("parse empty note", 0, meta_parse("1,root,0,---,", &m));
	CHECK_STR("empty note", "", m.note);
	CHECK_INT("zero activity", 0, (long long)m.activity);
	meta_release(&m);

	round_trip("round trip plain", "1,ondrej,1700000000,---,a note");
	round_trip("round trip profile", "1,qa,1,c6.9-cluster,node 2");
	round_trip("round trip commas", "1,qa,1,---,a,b,,c");
	round_trip("round trip empty note", "1,qa,1,---,");
	round_trip("round trip empty owner", "1,,1,---,x");

	/* a struct built by fvm: no profile and no note */
	m = (struct vm_meta){ .owner = "bob", .activity = 7 };
	s = meta_format_description(&m);
	CHECK_STR("format NULL profile and note", "1,bob,7,---,", s);
	free(s);
	m.profile = "";
	s = meta_format_description(&m);
	CHECK_STR("format empty profile as ---", "1,bob,7,---,", s);
	free(s);
	s = meta_format_title(42, &m);
	CHECK_STR("title without note (fast-vm create)", "042 bob", s);
	free(s);
	m.note = "";
	s = meta_format_title(7, &m);
	CHECK_STR("title with empty note", "007 bob", s);
	free(s);
	m.note = "two\nlines";
	s = meta_format_title(220, &m);
	CHECK_STR("title has no line break", "220 bob two lines", s);
	free(s);
	m.note = "a,b";
	s = meta_format_title(21, &m);
	CHECK_STR("title with commas", "021 bob a,b", s);
	free(s);

	rejects("reject NULL", NULL);
	rejects("reject empty", "");
	rejects("reject free text", "my web server");
	rejects("reject other version", "2,bob,7,---,x");
	rejects("reject four fields", "1,bob,7,---");
	rejects("reject bad epoch", "1,bob,yesterday,---,x");
	rejects("reject negative epoch", "1,bob,-5,---,x");
	rejects("reject empty epoch", "1,bob,,---,x");
	rejects("reject empty profile", "1,bob,7,,x");
	rejects("reject huge epoch", "1,bob,99999999999999999999999,---,x");
	UNIT_DONE();
}
