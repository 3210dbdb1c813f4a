/* lib/out.c: table, JSON and quiet rendering of results. */
#include "out.h"

#include <inttypes.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

struct cell {
	char *text; /* NULL for null */
	long long num;
	bool set;
};

struct out_table {
	const struct out_col *cols;
	unsigned ncols;
	struct cell *cells; /* rows * ncols */
	unsigned rows, cap;
};

struct out_table *out_table_new(const struct out_col *cols, unsigned ncols)
{
	struct out_table *t = xcalloc(1, sizeof(*t));

	t->cols = cols;
	t->ncols = ncols;
	return t;
}

void out_table_free(struct out_table *t)
{
	if (!t)
		return;
	for (unsigned i = 0; i < t->rows * t->ncols; i++)
		free(t->cells[i].text);
	free(t->cells);
	free(t);
}

void out_row(struct out_table *t)
{
	if (t->rows == t->cap) {
		t->cap = t->cap ? t->cap * 2 : 16;
		t->cells = xrealloc(t->cells,
				    sizeof(*t->cells) * t->cap * t->ncols);
	}
	memset(&t->cells[t->rows * t->ncols], 0, sizeof(*t->cells) * t->ncols);
	t->rows++;
}

unsigned out_rows(const struct out_table *t)
{
	return t->rows;
}

static struct cell *cur(struct out_table *t, unsigned col)
{
	struct cell *c;

	if (!t->rows)
		out_row(t);
	c = &t->cells[(t->rows - 1) * t->ncols + col];
	free(c->text);
	c->text = NULL;
	c->set = true;
	return c;
}

void out_str(struct out_table *t, unsigned col, const char *v)
{
	cur(t, col)->text = v ? xstrdup(v) : NULL;
}

void out_int(struct out_table *t, unsigned col, long long v)
{
	struct cell *c = cur(t, col);

	c->num = v;
	c->text = xasprintf("%lld", v);
}

void out_bool(struct out_table *t, unsigned col, bool v)
{
	struct cell *c = cur(t, col);

	c->num = v;
	c->text = xstrdup(v ? "yes" : "no");
}

static long long sort_key(const struct out_table *t, unsigned row, unsigned col)
{
	const struct cell *c = &t->cells[row * t->ncols + col];

	return c->text ? c->num : LLONG_MIN;
}

void out_sort_int(struct out_table *t, unsigned col)
{
	size_t w = sizeof(*t->cells) * t->ncols;
	struct cell *tmp;

	if (t->rows < 2 || col >= t->ncols)
		return;
	tmp = xmalloc(w);
	/* insertion sort: stable, and tables are a few hundred rows */
	for (unsigned i = 1; i < t->rows; i++) {
		long long k = sort_key(t, i, col);
		unsigned j = i;

		while (j > 0 && sort_key(t, j - 1, col) > k)
			j--;
		if (j == i)
			continue;
		memcpy(tmp, &t->cells[i * t->ncols], w);
		memmove(&t->cells[(j + 1) * t->ncols], &t->cells[j * t->ncols],
			w * (i - j));
		memcpy(&t->cells[j * t->ncols], tmp, w);
	}
	free(tmp);
}

/* length in UTF-8 characters, for column widths */
static size_t text_width(const char *s)
{
	size_t w = 0;

	for (; *s; s++)
		if (((unsigned char)*s & 0xc0) != 0x80)
			w++;
	return w;
}

static const char *human_text(const struct out_col *col, const struct cell *c)
{
	if (c->text)
		return c->text;
	return col->null_text ? col->null_text : "-";
}

/* Length of the valid UTF-8 sequence at s, or 0 when it is not valid. */
static size_t utf8_seq(const unsigned char *s)
{
	unsigned cp;
	size_t n;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		n = 2, cp = s[0] & 0x1f;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		n = 3, cp = s[0] & 0x0f;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		n = 4, cp = s[0] & 0x07;
	else
		return 0;
	for (size_t i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3f);
	}
	if ((n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) ||
	    cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return n;
}

/*
 * What a table shows of a text: control characters (C0, DEL and C1)
 * written out as \n, \t, \r, \xHH or \uHHHH, so that a note keeps to
 * its line and cannot move the cursor or recolour another user's
 * terminal; JSON carries the real text. malloc'd.
 */
static char *table_text(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	struct sbuf b = SBUF_INIT;

	while (*p) {
		if (*p == '\n')
			sbuf_adds(&b, "\\n");
		else if (*p == '\t')
			sbuf_adds(&b, "\\t");
		else if (*p == '\r')
			sbuf_adds(&b, "\\r");
		else if (*p < 0x20 || *p == 0x7f)
			sbuf_addf(&b, "\\x%02x", *p);
		else if (*p == 0xc2 && p[1] >= 0x80 && p[1] <= 0x9f)
			sbuf_addf(&b, "\\u%04x", p[1]);
		else {
			sbuf_add(&b, (const char *)p, 1);
			p++;
			continue;
		}
		p += *p == 0xc2 ? 2 : 1;
	}
	return b.s ? sbuf_detach(&b) : xstrdup("");
}

void json_put_string(FILE *f, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	fputc('"', f);
	while (*p) {
		size_t n;

		switch (*p) {
		case '"':
			fputs("\\\"", f);
			p++;
			continue;
		case '\\':
			fputs("\\\\", f);
			p++;
			continue;
		case '\n':
			fputs("\\n", f);
			p++;
			continue;
		case '\r':
			fputs("\\r", f);
			p++;
			continue;
		case '\t':
			fputs("\\t", f);
			p++;
			continue;
		case '\b':
			fputs("\\b", f);
			p++;
			continue;
		case '\f':
			fputs("\\f", f);
			p++;
			continue;
		default:
			break;
		}
		if (*p < 0x20 || *p == 0x7f) {
			fprintf(f, "\\u%04x", *p);
			p++;
			continue;
		}
		n = utf8_seq(p);
		if (!n) {
			fputs("\\ufffd", f);
			p++;
			continue;
		}
		fwrite(p, 1, n, f);
		p += n;
	}
	fputc('"', f);
}

static void json_value(FILE *f, const struct out_col *col, const struct cell *c)
{
	if (!c->set || !c->text)
		fputs("null", f);
	else if (col->type == OUT_INT)
		fprintf(f, "%lld", c->num);
	else if (col->type == OUT_BOOL)
		fputs(c->num ? "true" : "false", f);
	else
		json_put_string(f, c->text);
}

static void json_object(FILE *f, const struct out_table *t, unsigned row,
			const char *indent)
{
	fputs("{", f);
	for (unsigned c = 0; c < t->ncols; c++) {
		fprintf(f, "%s\n%s  ", c ? "," : "", indent);
		json_put_string(f, t->cols[c].key);
		fputs(": ", f);
		json_value(f, &t->cols[c], &t->cells[row * t->ncols + c]);
	}
	fprintf(f, "\n%s}", indent);
}

void out_print_list(struct out_table *t, enum out_mode mode, FILE *f)
{
	char **shown;
	size_t *w;

	if (mode == OUT_JSON) {
		fputs("[", f);
		for (unsigned r = 0; r < t->rows; r++) {
			fputs(r ? ",\n  " : "\n  ", f);
			json_object(f, t, r, "  ");
		}
		fputs(t->rows ? "\n]\n" : "]\n", f);
		return;
	}
	if (mode == OUT_QUIET) {
		for (unsigned r = 0; r < t->rows; r++) {
			char *v = table_text(human_text(
				&t->cols[0], &t->cells[r * t->ncols]));

			fprintf(f, "%s\n", v);
			free(v);
		}
		return;
	}
	shown = xcalloc((size_t)t->rows * t->ncols + 1, sizeof(*shown));
	for (unsigned i = 0; i < t->rows * t->ncols; i++)
		shown[i] = table_text(
			human_text(&t->cols[i % t->ncols], &t->cells[i]));
	w = xcalloc(t->ncols, sizeof(*w));
	for (unsigned c = 0; c < t->ncols; c++) {
		w[c] = text_width(t->cols[c].title);
		if (t->cols[c].width > w[c])
			w[c] = t->cols[c].width;
		for (unsigned r = 0; r < t->rows; r++) {
			size_t x = text_width(shown[r * t->ncols + c]);

			if (x > w[c])
				w[c] = x;
		}
	}
	for (int r = -1; r < (int)t->rows; r++) {
		bool first = true;
		struct sbuf line = SBUF_INIT;

		for (unsigned c = 0; c < t->ncols; c++) {
			const struct out_col *col = &t->cols[c];
			const char *s;
			size_t pad;

			if (col->flags & OUT_JSON_ONLY)
				continue;
			s = r < 0 ? col->title : shown[r * t->ncols + c];
			pad = w[c] > text_width(s) ? w[c] - text_width(s) : 0;
			if (!first)
				sbuf_addf(&line, "%*s",
					  col->gap ? (int)col->gap : 2, "");
			first = false;
			if (col->flags & OUT_RIGHT)
				sbuf_addf(&line, "%*s%s", (int)pad, "", s);
			else
				sbuf_addf(&line, "%s%*s", s, (int)pad, "");
		}
		/* no trailing blanks */
		while (line.len && line.s[line.len - 1] == ' ')
			line.s[--line.len] = '\0';
		fprintf(f, "%s\n", line.s ? line.s : "");
		sbuf_release(&line);
	}
	for (unsigned i = 0; i < t->rows * t->ncols; i++)
		free(shown[i]);
	free(shown);
	free(w);
}

void out_print_record(struct out_table *t, enum out_mode mode, FILE *f)
{
	size_t w = 0;

	if (!t->rows || mode == OUT_QUIET)
		return;
	if (mode == OUT_JSON) {
		json_object(f, t, 0, "");
		fputc('\n', f);
		return;
	}
	for (unsigned c = 0; c < t->ncols; c++)
		if (!(t->cols[c].flags & OUT_JSON_ONLY) &&
		    text_width(t->cols[c].title) > w)
			w = text_width(t->cols[c].title);
	for (unsigned c = 0; c < t->ncols; c++) {
		char *v;

		if (t->cols[c].flags & OUT_JSON_ONLY)
			continue;
		v = table_text(human_text(&t->cols[c], &t->cells[c]));
		fprintf(f, "%s:%*s %s\n", t->cols[c].title,
			(int)(w - text_width(t->cols[c].title)), "", v);
		free(v);
	}
}
