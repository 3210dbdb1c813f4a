/* tests/unit/test_out.c: JSON escaping and the table/JSON/quiet renderings. */
#include <stdlib.h>

#include "../../lib/out.h"
#include "unit.h"

static char *render_json(const char *s)
{
	char *buf;
	size_t len;
	FILE *f = open_memstream(&buf, &len);

	json_put_string(f, s);
	fclose(f);
	return buf;
}

static const struct out_col cols[] = {
	{ "number", "VM#", OUT_INT, OUT_RIGHT },
	{ "image", "Image", OUT_STR, 0 },
	{ "running", "Running", OUT_BOOL, 0 },
	{ "note", "Notes", OUT_STR, 0 },
	{ "mac", "MAC", OUT_STR, OUT_JSON_ONLY },
};

static char *render(struct out_table *t, enum out_mode m, int record)
{
	char *buf;
	size_t len;
	FILE *f = open_memstream(&buf, &len);

	if (record)
		out_print_record(t, m, f);
	else
		out_print_list(t, m, f);
	fclose(f);
	return buf;
}

#define CHECK_JSON(name, want, in)                                             \
	do {                                                                   \
		char *got_ = render_json(in);                                  \
		CHECK_STR(name, want, got_);                                   \
		free(got_);                                                    \
	} while (0)

#define CHECK_RENDER(name, want, t, m, rec)                                    \
	do {                                                                   \
		char *got_ = render(t, m, rec);                                \
		CHECK_STR(name, want, got_);                                   \
		free(got_);                                                    \
	} while (0)

int main(void)
{
	struct out_table *t;

	CHECK_JSON("plain", "\"abc\"", "abc");
	CHECK_JSON("quote and backslash", "\"a\\\"b\\\\c\"", "a\"b\\c");
	CHECK_JSON("newline tab cr", "\"a\\nb\\tc\\rd\"", "a\nb\tc\rd");
	CHECK_JSON("control chars", "\"\\u0001\\u001f\\u007f\"",
		   "\x01\x1f\x7f");
	CHECK_JSON("utf-8 kept", "\"n\xc3\xa1z\xe2\x82\xac\xf0\x9f\x98\x80\"",
		   "n\xc3\xa1z\xe2\x82\xac\xf0\x9f\x98\x80");
	CHECK_JSON("invalid byte replaced", "\"a\\ufffdb\"",
		   "a\xff"
		   "b");
	CHECK_JSON("truncated sequence: each byte replaced",
		   "\"\\ufffd\\ufffd\"", "\xe2\x82");
	CHECK_JSON("overlong encoding replaced", "\"\\ufffd\\ufffd\"",
		   "\xc0\xaf");
	CHECK_JSON("surrogate replaced", "\"\\ufffd\\ufffd\\ufffd\"",
		   "\xed\xa0\x80");
	CHECK_JSON("slash left alone", "\"a/b\"", "a/b");

	t = out_table_new(cols, 5);
	out_row(t);
	out_int(t, 0, 21);
	out_str(t, 1, "c7");
	out_bool(t, 2, true);
	out_str(t, 3, "a \"note\"");
	out_str(t, 4, "52:54:00:00:00:01");
	out_row(t);
	out_int(t, 0, 142);
	out_str(t, 1, "debian-12");
	out_bool(t, 2, false);
	out_str(t, 3, NULL);
	CHECK_INT("rows", 2, out_rows(t));
	CHECK_RENDER(
		"table aligned, JSON-only column hidden, no trailing blanks",
		"VM#  Image      Running  Notes\n"
		" 21  c7         yes      a \"note\"\n"
		"142  debian-12  no       -\n",
		t, OUT_HUMAN, 0);
	CHECK_RENDER(
		"json array with types and nulls",
		"[\n"
		"  {\n    \"number\": 21,\n    \"image\": \"c7\",\n"
		"    \"running\": true,\n"
		"    \"note\": \"a \\\"note\\\"\",\n"
		"    \"mac\": \"52:54:00:00:00:01\"\n  },\n"
		"  {\n    \"number\": 142,\n    \"image\": \"debian-12\",\n"
		"    \"running\": false,\n    \"note\": null,\n"
		"    \"mac\": null\n  }\n"
		"]\n",
		t, OUT_JSON, 0);
	CHECK_RENDER("quiet prints the first column", "21\n142\n", t, OUT_QUIET,
		     0);
	CHECK_RENDER("record",
		     "VM#:     21\nImage:   c7\nRunning: yes\n"
		     "Notes:   a \"note\"\n",
		     t, OUT_HUMAN, 1);
	out_table_free(t);

	/* rows recorded in the order parallel work finished print in VM
	 * order; rows without a number first, equal numbers kept in order */
	t = out_table_new(cols, 5);
	out_row(t);
	out_int(t, 0, 57);
	out_str(t, 1, "a");
	out_row(t);
	out_int(t, 0, 50);
	out_str(t, 1, "b");
	out_row(t);
	out_str(t, 0, NULL);
	out_str(t, 1, "c");
	out_row(t);
	out_int(t, 0, 50);
	out_str(t, 1, "d");
	out_row(t);
	out_int(t, 0, 9);
	out_str(t, 1, "e");
	out_sort_int(t, 0);
	CHECK_RENDER("sorted by VM number, stable, null first",
		     "-\n9\n50\n50\n57\n", t, OUT_QUIET, 0);
	out_table_free(t);
	t = out_table_new(cols, 5);
	out_row(t);
	out_int(t, 0, 3);
	out_str(t, 1, "b");
	out_row(t);
	out_int(t, 0, 3);
	out_str(t, 1, "a");
	out_sort_int(t, 0);
	CHECK_RENDER("equal numbers keep their order",
		     "VM#  Image  Running  Notes\n"
		     "  3  b      -        -\n"
		     "  3  a      -        -\n",
		     t, OUT_HUMAN, 0);
	out_table_free(t);

	/* a note with control characters: one table line, the real text
	 * in JSON */
	t = out_table_new(cols, 5);
	out_row(t);
	out_int(t, 0, 42);
	out_str(t, 1, "c7");
	out_bool(t, 2, false);
	out_str(t, 3,
		"two\nlines\tand \x1b[31mred\r\x7f \xc2\x9b"
		"2J \xc3\xa9");
	CHECK_RENDER("table escapes control characters",
		     "VM#  Image  Running  Notes\n"
		     " 42  c7     no       two\\nlines\\tand "
		     "\\x1b[31mred\\r\\x7f \\u009b2J \xc3\xa9\n",
		     t, OUT_HUMAN, 0);
	CHECK_RENDER("record escapes control characters",
		     "VM#:     42\nImage:   c7\nRunning: no\n"
		     "Notes:   two\\nlines\\tand \\x1b[31mred\\r\\x7f "
		     "\\u009b2J \xc3\xa9\n",
		     t, OUT_HUMAN, 1);
	CHECK_RENDER("json keeps the real text",
		     "[\n  {\n    \"number\": 42,\n    \"image\": \"c7\",\n"
		     "    \"running\": false,\n"
		     "    \"note\": \"two\\nlines\\tand \\u001b[31mred\\r"
		     "\\u007f \xc2\x9b"
		     "2J \xc3\xa9\",\n"
		     "    \"mac\": null\n  }\n]\n",
		     t, OUT_JSON, 0);
	out_table_free(t);

	t = out_table_new(cols, 5);
	CHECK_RENDER("empty json list", "[]\n", t, OUT_JSON, 0);
	CHECK_RENDER("empty table has its title",
		     "VM#  Image  Running  Notes\n", t, OUT_HUMAN, 0);
	out_table_free(t);
	UNIT_DONE();
}
