#include "report/report_table.h"

#include <stdarg.h>
#include <string.h>

#include "util/clock.h"

static void cell_free(gpointer p)
{
	ChCell *c = p;
	g_free(c->text);
	if (c->time)
		g_date_time_unref(c->time);
	g_free(c);
}

ChTable *ch_table_new(const char *title, const char *sheet, ...)
{
	ChTable *t = g_new0(ChTable, 1);
	t->title = g_strdup(title);
	t->sheet = g_strndup(sheet, 31);
	t->columns = g_ptr_array_new_with_free_func(g_free);
	t->rows = g_ptr_array_new_with_free_func((GDestroyNotify)g_ptr_array_unref);
	t->chart_label = t->chart_value = -1;
	va_list ap;
	va_start(ap, sheet);
	const char *col;
	while ((col = va_arg(ap, const char *)))
		g_ptr_array_add(t->columns, g_strdup(col));
	va_end(ap);
	return t;
}

void ch_table_free(ChTable *t)
{
	if (!t)
		return;
	g_free(t->title), g_free(t->sheet), g_free(t->note);
	g_ptr_array_unref(t->columns);
	g_ptr_array_unref(t->rows);
	g_free(t);
}

void ch_table_set_chart(ChTable *t, int label_column, int value_column)
{
	t->chart_label = label_column;
	t->chart_value = value_column;
}

void ch_table_row(ChTable *t)
{
	g_ptr_array_add(t->rows, g_ptr_array_new_with_free_func(cell_free));
}

static ChCell *add(ChTable *t, ChCellType type)
{
	g_return_val_if_fail(t->rows->len > 0, NULL);
	GPtrArray *row = t->rows->pdata[t->rows->len - 1];
	ChCell *c = g_new0(ChCell, 1);
	c->type = type;
	g_ptr_array_add(row, c);
	return c;
}

void ch_table_text(ChTable *t, const char *text)
{
	if (!text) {
		add(t, CH_CELL_EMPTY);
		return;
	}
	add(t, CH_CELL_TEXT)->text = g_strdup(text);
}

void ch_table_int(ChTable *t, gint64 v)
{
	add(t, CH_CELL_INT)->i = v;
}

void ch_table_number(ChTable *t, double v)
{
	add(t, CH_CELL_NUMBER)->d = v;
}

void ch_table_date(ChTable *t, const GDate *d)
{
	if (!d || !g_date_valid(d)) {
		add(t, CH_CELL_EMPTY);
		return;
	}
	add(t, CH_CELL_DATE)->date = *d;
}

void ch_table_time(ChTable *t, GDateTime *at)
{
	if (!at) {
		add(t, CH_CELL_EMPTY);
		return;
	}
	add(t, CH_CELL_TIME)->time = g_date_time_to_timezone(at, ch_clock_zone());
}

void ch_table_iso(ChTable *t, const char *iso, gboolean date_only)
{
	GDate d;
	if (!iso || !*iso) {
		add(t, CH_CELL_EMPTY);
		return;
	}
	if (ch_clock_parse_date(iso, &d)) {
		ch_table_date(t, &d);
		return;
	}
	g_autoptr(GDateTime) at = ch_clock_parse(iso);
	if (!at) {
		ch_table_text(t, iso);
		return;
	}
	if (date_only) {
		ch_clock_local_date(at, &d);
		ch_table_date(t, &d);
	} else {
		ch_table_time(t, at);
	}
}

const ChCell *ch_table_cell(const ChTable *t, guint row, guint col)
{
	static const ChCell empty = { CH_CELL_EMPTY };
	if (row >= t->rows->len)
		return &empty;
	GPtrArray *r = t->rows->pdata[row];
	return col < r->len ? r->pdata[col] : &empty;
}

char *ch_table_cell_string(const ChCell *c)
{
	switch (c->type) {
	case CH_CELL_EMPTY:
		return g_strdup("");
	case CH_CELL_TEXT:
		return g_strdup(c->text);
	case CH_CELL_INT:
		return g_strdup_printf("%" G_GINT64_FORMAT, c->i);
	case CH_CELL_NUMBER:
		/* Figures here are counts or medians of counts: whole, or a half. */
		if (c->d == (double)(gint64)c->d)
			return g_strdup_printf("%.0f", c->d);
		return g_strdup_printf("%.1f", c->d);
	case CH_CELL_DATE:
		return ch_date_format(&c->date);
	case CH_CELL_TIME:
		return g_date_time_format(c->time, "%Y-%m-%d %H:%M");
	}
	return g_strdup("");
}

static gboolean right_aligned(const ChCell *c)
{
	return c->type == CH_CELL_INT || c->type == CH_CELL_NUMBER;
}

static void pad(GString *out, glong n)
{
	for (glong i = 0; i < n; i++)
		g_string_append_c(out, ' ');
}

/* No line ends in spaces, whatever was empty at its end. */
static void trim_line(GString *out, gsize start)
{
	while (out->len > start && out->str[out->len - 1] == ' ')
		g_string_truncate(out, out->len - 1);
}

static void write_blocks(GString *out, const ChTable *t)
{
	glong width = 0;
	for (guint c = 0; c < t->columns->len; c++)
		width = MAX(width, g_utf8_strlen(t->columns->pdata[c], -1));
	for (guint r = 0; r < t->rows->len; r++) {
		if (r)
			g_string_append_c(out, '\n');
		for (guint c = 0; c < t->columns->len; c++) {
			g_autofree char *v = ch_table_cell_string(ch_table_cell(t, r, c));
			const char *h = t->columns->pdata[c];
			g_string_append_printf(out, "  %s:", h);
			pad(out, width - g_utf8_strlen(h, -1) + 1);
			g_string_append_printf(out, "%s\n", *v ? v : "-");
		}
	}
	if (!t->rows->len)
		g_string_append(out, "  none\n");
}

void ch_table_write_text(GString *out, const ChTable *t)
{
	g_string_append_printf(out, "%s\n", t->title);
	glong underline = g_utf8_strlen(t->title, -1);
	for (glong i = 0; i < underline; i++)
		g_string_append_c(out, '-');
	g_string_append_c(out, '\n');
	if (t->note)
		g_string_append_printf(out, "(%s)\n", t->note);
	if (t->blocks) {
		write_blocks(out, t);
		return;
	}
	guint ncol = t->columns->len;
	glong *w = g_new0(glong, ncol);
	for (guint c = 0; c < ncol; c++)
		w[c] = g_utf8_strlen(t->columns->pdata[c], -1);
	for (guint r = 0; r < t->rows->len; r++)
		for (guint c = 0; c < ncol; c++) {
			g_autofree char *v = ch_table_cell_string(ch_table_cell(t, r, c));
			w[c] = MAX(w[c], g_utf8_strlen(v, -1));
		}
	gsize start = out->len;
	g_string_append(out, "  ");
	for (guint c = 0; c < ncol; c++) {
		const char *h = t->columns->pdata[c];
		gboolean right = t->rows->len && right_aligned(ch_table_cell(t, 0, c));
		if (right)
			pad(out, w[c] - g_utf8_strlen(h, -1));
		g_string_append(out, h);
		if (!right && c + 1 < ncol)
			pad(out, w[c] - g_utf8_strlen(h, -1));
		if (c + 1 < ncol)
			g_string_append(out, "  ");
	}
	trim_line(out, start);
	g_string_append_c(out, '\n');
	for (guint r = 0; r < t->rows->len; r++) {
		start = out->len;
		g_string_append(out, "  ");
		for (guint c = 0; c < ncol; c++) {
			const ChCell *cell = ch_table_cell(t, r, c);
			g_autofree char *v = ch_table_cell_string(cell);
			glong gap = w[c] - g_utf8_strlen(v, -1);
			if (right_aligned(cell))
				pad(out, gap);
			g_string_append(out, v);
			if (!right_aligned(cell) && c + 1 < ncol)
				pad(out, gap);
			if (c + 1 < ncol)
				g_string_append(out, "  ");
		}
		trim_line(out, start);
		g_string_append_c(out, '\n');
	}
	if (!t->rows->len)
		g_string_append(out, "  none\n");
	g_free(w);
}

void ch_table_csv_field(GString *out, const char *field)
{
	if (!field)
		return;
	if (!strpbrk(field, ",\"\r\n")) {
		g_string_append(out, field);
		return;
	}
	g_string_append_c(out, '"');
	for (const char *p = field; *p; p++) {
		if (*p == '"')
			g_string_append_c(out, '"');
		g_string_append_c(out, *p);
	}
	g_string_append_c(out, '"');
}

/* A plain number or a lone dash: what a spreadsheet reads as a value, never as a formula. */
static gboolean inert(const char *s)
{
	if (!strcmp(s, "-"))
		return TRUE;
	if (*s == '-')
		s++;
	if (!g_ascii_isdigit(*s))
		return FALSE;
	while (g_ascii_isdigit(*s))
		s++;
	if (*s == '.' && g_ascii_isdigit(s[1]))
		for (s++; g_ascii_isdigit(*s);)
			s++;
	return *s == '\0';
}

char *ch_table_csv_neutral(const char *text)
{
	if (!text)
		return NULL;
	/* A spreadsheet opening the file runs a field that starts with one of these as a formula
	 * (=HYPERLINK(...) sends the row out when clicked; + - @ start formulas too, TAB and CR
	 * are skipped before one). Text that came by mail can start so: OWASP's advice is a
	 * leading apostrophe, which the spreadsheet shows as text and does not run. */
	if (strchr("=+-@\t\r", text[0]) && text[0] && !inert(text))
		return g_strconcat("'", text, NULL);
	return g_strdup(text);
}

void ch_table_write_csv(GString *out, const ChTable *t, gboolean title)
{
	if (title) {
		ch_table_csv_field(out, t->title);
		g_string_append(out, "\r\n");
	}
	for (guint c = 0; c < t->columns->len; c++) {
		if (c)
			g_string_append_c(out, ',');
		ch_table_csv_field(out, t->columns->pdata[c]);
	}
	g_string_append(out, "\r\n");
	for (guint r = 0; r < t->rows->len; r++) {
		for (guint c = 0; c < t->columns->len; c++) {
			if (c)
				g_string_append_c(out, ',');
			const ChCell *cell = ch_table_cell(t, r, c);
			g_autofree char *v = ch_table_cell_string(cell);
			/* Numbers, dates and times are chaser's own and written as they are (a negative
			 * count stays a number); text may have come from anyone. */
			g_autofree char *safe = cell->type == CH_CELL_TEXT ? ch_table_csv_neutral(v) : NULL;
			ch_table_csv_field(out, safe ? safe : v);
		}
		g_string_append(out, "\r\n");
	}
}
