/* lib/out.h: one description of a result, printed as a table, JSON or quietly. */
#ifndef FVM_OUT_H
#define FVM_OUT_H

#include <stdbool.h>
#include <stdio.h>

enum out_mode { OUT_HUMAN, OUT_JSON, OUT_QUIET };

enum out_type { OUT_STR, OUT_INT, OUT_BOOL };

/*
 * A column: the JSON key, the table title and the type. Every value is
 * set once per row through the same call for both renderings, so no field
 * can be in one and missing from the other.
 */
struct out_col {
	const char *key;
	const char *title;
	enum out_type type;
	unsigned flags;
	unsigned width;	       /* table: minimum width (0: the widest value) */
	unsigned gap;	       /* table: blanks before the column (0: two) */
	const char *null_text; /* table: shown for null (NULL: "-") */
};
#define OUT_RIGHT     1u /* right-aligned in the table */
#define OUT_JSON_ONLY 2u /* not a table column (detail for scripts) */

struct out_table;

struct out_table *out_table_new(const struct out_col *cols, unsigned ncols);
void out_table_free(struct out_table *t);
/* start a new row; later setters fill it */
void out_row(struct out_table *t);
void out_str(struct out_table *t, unsigned col, const char *v); /* NULL: null */
void out_int(struct out_table *t, unsigned col, long long v);
void out_bool(struct out_table *t, unsigned col, bool v);
unsigned out_rows(const struct out_table *t);
/* order the rows by the integer column COL, smallest first (nulls first,
 * equal keys keep their order): results of work done in parallel print
 * in the same order on every run */
void out_sort_int(struct out_table *t, unsigned col);

/*
 * Print a list: a table with a title line (human), a JSON array of
 * objects, or the first column only, one value a line (quiet).
 */
void out_print_list(struct out_table *t, enum out_mode mode, FILE *f);
/*
 * Print the first row as a record: "Title: value" lines (human), a JSON
 * object, or nothing (quiet).
 */
void out_print_record(struct out_table *t, enum out_mode mode, FILE *f);

/* JSON string literal of s (quotes included); invalid UTF-8 becomes U+FFFD */
void json_put_string(FILE *f, const char *s);

#endif
