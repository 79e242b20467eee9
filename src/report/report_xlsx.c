#include "report/report_xlsx.h"

#include <string.h>
#include <glib/gstdio.h>
#include <xlsxwriter.h>

#include "util/durable.h"
#include "util/error.h"

typedef struct {
	lxw_format *bold;
	lxw_format *date;
	lxw_format *time;
	lxw_format *wrap;
} Formats;

/* Excel refuses these in a sheet name, and names longer than 31 characters. */
static char *sheet_name(const char *want, GHashTable *used)
{
	GString *s = g_string_new(NULL);
	for (const char *p = want; *p && s->len < 28; p++)
		g_string_append_c(s, strchr("[]:*?/\\'", *p) ? ' ' : *p);
	if (!s->len)
		g_string_append(s, "Sheet");
	g_autofree char *base = g_string_free(s, FALSE);
	char *name = g_strdup(base);
	for (int n = 2; g_hash_table_contains(used, name); n++) {
		g_free(name);
		name = g_strdup_printf("%s %d", base, n);
	}
	g_hash_table_add(used, g_strdup(name));
	return name;
}

static void write_cell(lxw_worksheet *ws, lxw_row_t row, lxw_col_t col, const ChCell *c,
                       const Formats *f)
{
	switch (c->type) {
	case CH_CELL_EMPTY:
		break;
	case CH_CELL_TEXT:
		worksheet_write_string(ws, row, col, c->text, NULL);
		break;
	case CH_CELL_INT:
		worksheet_write_number(ws, row, col, (double)c->i, NULL);
		break;
	case CH_CELL_NUMBER:
		worksheet_write_number(ws, row, col, c->d, NULL);
		break;
	case CH_CELL_DATE: {
		lxw_datetime dt = { g_date_get_year(&c->date), g_date_get_month(&c->date),
			                g_date_get_day(&c->date), 0, 0, 0 };
		worksheet_write_datetime(ws, row, col, &dt, f->date);
		break;
	}
	case CH_CELL_TIME: {
		lxw_datetime dt = { g_date_time_get_year(c->time), g_date_time_get_month(c->time),
			                g_date_time_get_day_of_month(c->time), g_date_time_get_hour(c->time),
			                g_date_time_get_minute(c->time), 0 };
		worksheet_write_datetime(ws, row, col, &dt, f->time);
		break;
	}
	}
}

static void write_table(lxw_workbook *wb, const ChTable *t, GHashTable *used, const Formats *f)
{
	g_autofree char *name = sheet_name(t->sheet ? t->sheet : t->title, used);
	lxw_worksheet *ws = workbook_add_worksheet(wb, name);
	guint ncol = t->columns->len;
	for (guint c = 0; c < ncol; c++) {
		const char *h = t->columns->pdata[c];
		worksheet_write_string(ws, 0, c, h, f->bold);
		/* Wide enough for the heading and the longest value, within reason. */
		glong w = g_utf8_strlen(h, -1);
		for (guint r = 0; r < t->rows->len; r++) {
			const ChCell *cell = ch_table_cell(t, r, c);
			g_autofree char *v = ch_table_cell_string(cell);
			w = MAX(w, g_utf8_strlen(v, -1));
		}
		worksheet_set_column(ws, c, c, MIN(w + 2, 60), NULL);
	}
	for (guint r = 0; r < t->rows->len; r++)
		for (guint c = 0; c < ncol; c++)
			write_cell(ws, r + 1, c, ch_table_cell(t, r, c), f);
	worksheet_freeze_panes(ws, 1, 0);
	worksheet_autofilter(ws, 0, 0, t->rows->len, ncol ? ncol - 1 : 0);
}

static void write_about(lxw_workbook *wb, const ChDoc *r, GHashTable *used, const Formats *f)
{
	g_autofree char *name = sheet_name("About", used);
	lxw_worksheet *ws = workbook_add_worksheet(wb, name);
	worksheet_set_column(ws, 0, 0, 90, NULL);
	worksheet_write_string(ws, 0, 0, r->title, f->bold);
	lxw_row_t row = 1;
	for (guint i = 0; i < r->lines->len; i++)
		worksheet_write_string(ws, row++, 0, r->lines->pdata[i], NULL);
	row++;
	for (guint i = 0; i < r->tables->len; i++) {
		const ChTable *t = r->tables->pdata[i];
		if (!t->note)
			continue;
		g_autofree char *line = g_strdup_printf("%s: %s", t->title, t->note);
		worksheet_write_string(ws, row++, 0, line, f->wrap);
	}
}

gboolean ch_xlsx_write(const ChDoc *r, const char *path, GError **error)
{
	GError *e = NULL;
	g_autofree char *tmpdir = g_dir_make_tmp("chaser-xlsx-XXXXXX", &e);
	if (!tmpdir) {
		g_set_error(error, CH_ERROR, CH_ERROR_TEMPORARY, "cannot make a temporary folder: %s",
		            e->message);
		g_error_free(e);
		return FALSE;
	}
	g_autofree char *tmp = g_build_filename(tmpdir, "report.xlsx", NULL);
	lxw_workbook_options opt = { .constant_memory = 0, .tmpdir = tmpdir };
	lxw_workbook *wb = workbook_new_opt(tmp, &opt);
	gboolean ok = wb != NULL;
	if (wb) {
		Formats f = {
			.bold = workbook_add_format(wb),
			.date = workbook_add_format(wb),
			.time = workbook_add_format(wb),
			.wrap = workbook_add_format(wb),
		};
		format_set_bold(f.bold);
		format_set_num_format(f.date, "yyyy-mm-dd");
		format_set_num_format(f.time, "yyyy-mm-dd hh:mm");
		format_set_text_wrap(f.wrap);
		lxw_doc_properties props = { .title = r->title, .author = "chaser" };
		workbook_set_properties(wb, &props);
		g_autoptr(GHashTable) used = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
		for (guint i = 0; i < r->tables->len; i++)
			write_table(wb, r->tables->pdata[i], used, &f);
		write_about(wb, r, used, &f);
		lxw_error rc = workbook_close(wb);
		if (rc != LXW_NO_ERROR) {
			g_set_error(error, CH_ERROR, CH_ERROR_TEMPORARY, "cannot write %s: %s", path,
			            lxw_strerror(rc));
			ok = FALSE;
		}
	} else {
		g_set_error(error, CH_ERROR, CH_ERROR_TEMPORARY, "cannot start a workbook for %s", path);
	}
	g_autofree char *data = NULL;
	gsize len = 0;
	if (ok && !g_file_get_contents(tmp, &data, &len, &e)) {
		g_set_error(error, CH_ERROR, CH_ERROR_TEMPORARY, "cannot read back %s: %s", tmp,
		            e->message);
		g_error_free(e);
		ok = FALSE;
	}
	/* libxlsxwriter writes in place; the one durable idiom puts the finished file there. */
	ok = ok && ch_durable_write(path, data, len, 0600, error);
	g_unlink(tmp);
	g_rmdir(tmpdir);
	return ok;
}
