#include "report/report_doc.h"

#include <stdarg.h>

ChDoc *ch_doc_new(const char *title)
{
	ChDoc *r = g_new0(ChDoc, 1);
	r->title = g_strdup(title);
	r->lines = g_ptr_array_new_with_free_func(g_free);
	r->tables = g_ptr_array_new_with_free_func((GDestroyNotify)ch_table_free);
	return r;
}

void ch_doc_free(ChDoc *r)
{
	if (!r)
		return;
	g_free(r->title);
	g_ptr_array_unref(r->lines);
	g_ptr_array_unref(r->tables);
	g_free(r);
}

void ch_doc_line(ChDoc *r, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	g_ptr_array_add(r->lines, g_strdup_vprintf(fmt, ap));
	va_end(ap);
}

void ch_doc_add(ChDoc *r, ChTable *t)
{
	g_ptr_array_add(r->tables, t);
}

void ch_doc_write_text(GString *out, const ChDoc *r)
{
	g_string_append_printf(out, "%s\n", r->title);
	for (guint i = 0; i < r->lines->len; i++)
		g_string_append_printf(out, "%s\n", (char *)r->lines->pdata[i]);
	for (guint i = 0; i < r->tables->len; i++) {
		g_string_append_c(out, '\n');
		ch_table_write_text(out, r->tables->pdata[i]);
	}
}

void ch_doc_write_csv(GString *out, const ChDoc *r)
{
	if (r->tables->len == 1) {
		ch_table_write_csv(out, r->tables->pdata[0], FALSE);
		return;
	}
	for (guint i = 0; i < r->tables->len; i++) {
		if (i)
			g_string_append(out, "\r\n");
		ch_table_write_csv(out, r->tables->pdata[i], TRUE);
	}
}
