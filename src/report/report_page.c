#include "report/report_page.h"

#include <string.h>

static const char style[] =
	"@page { size: A4; margin: 14mm 12mm; }\n"
	"body { font-family: 'DejaVu Sans', 'Liberation Sans', Arial, sans-serif; font-size: 10pt;"
	" color: #1a1a1a; max-width: 186mm; margin: 8mm auto; }\n"
	"h1 { font-size: 16pt; margin: 0 0 4pt; }\n"
	"h2 { font-size: 12pt; margin: 14pt 0 4pt; border-bottom: 1px solid #8a8a8a; }\n"
	"h3 { font-size: 10.5pt; margin: 10pt 0 3pt; }\n"
	"p { margin: 2pt 0; }\n"
	"p.meta { color: #444; }\n"
	"p.note { font-size: 8.5pt; color: #555; }\n"
	"section { page-break-inside: avoid; break-inside: avoid; }\n"
	"section.long { page-break-inside: auto; break-inside: auto; }\n"
	"table { border-collapse: collapse; width: 100%; margin: 4pt 0 8pt;"
	" page-break-inside: avoid; break-inside: avoid; }\n"
	"section.long table { page-break-inside: auto; break-inside: auto; font-size: 7.5pt; }\n"
	"tr { page-break-inside: avoid; break-inside: avoid; }\n"
	"thead { display: table-header-group; }\n"
	"th, td { border: 1px solid #b4b4b4; padding: 2pt 4pt; text-align: left;"
	" vertical-align: top; }\n"
	"th { background: #e6edf4; }\n"
	"td.n { text-align: right; }\n"
	"td { overflow-wrap: anywhere; }\n"
	"table.timeline { table-layout: fixed; font-size: 8pt; }\n"
	"table.timeline col.when { width: 19%; }\n"
	"table.timeline col.what { width: 27%; }\n"
	"svg { display: block; max-width: 100%; height: auto; margin: 4pt 0; }\n"
	"dl { display: grid; grid-template-columns: 48mm 1fr; column-gap: 3mm; row-gap: 1pt;"
	" margin: 2pt 0; }\n"
	"dt { font-weight: bold; }\n"
	"dd { margin: 0; overflow-wrap: anywhere; }\n"
	"@media print { body { max-width: none; margin: 0; } }\n";

void ch_page_escaped(GString *out, const char *text)
{
	if (!text)
		return;
	g_autofree char *e = g_markup_escape_text(text, -1);
	g_string_append(out, e);
}

void ch_page_begin(GString *out, const char *title)
{
	g_string_append(out, "<!DOCTYPE html>\n<html lang=\"en-GB\">\n<head>\n"
	                     "<meta charset=\"utf-8\">\n<title>");
	ch_page_escaped(out, title);
	g_string_append_printf(out, "</title>\n<style>\n%s</style>\n</head>\n<body>\n", style);
}

void ch_page_end(GString *out)
{
	g_string_append(out, "</body>\n</html>\n");
}

/* A label cut to fit the space before the bars; the table beside it has the whole text. */
static char *short_label(const char *s)
{
	if (g_utf8_strlen(s, -1) <= 38)
		return g_strdup(s);
	g_autofree char *head = g_utf8_substring(s, 0, 37);
	return g_strdup_printf("%s\u2026", head);
}

void ch_page_chart(GString *out, const ChTable *t)
{
	if (t->chart_label < 0 || t->chart_value < 0)
		return;
	const int width = 640, label_w = 250, bar_max = 330, row_h = 18, top = 4;
	gint64 max = 0;
	guint bars = 0;
	for (guint r = 0; r < t->rows->len; r++) {
		const ChCell *v = ch_table_cell(t, r, t->chart_value);
		if (v->type != CH_CELL_INT)
			continue;
		max = MAX(max, v->i);
		bars++;
	}
	int height = top * 2 + MAX(bars, 1) * row_h;
	g_string_append_printf(out,
	                       "<svg width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" role=\"img\""
	                       " aria-label=\"Bar chart: ",
	                       width, height, width, height);
	ch_page_escaped(out, t->title);
	g_string_append(out, "\">\n<title>");
	ch_page_escaped(out, t->title);
	g_string_append(out, "</title>\n");
	g_string_append_printf(out, "<line x1=\"%d\" y1=\"0\" x2=\"%d\" y2=\"%d\" stroke=\"#777\""
	                            " stroke-width=\"1\"/>\n",
	                       label_w, label_w, height);
	int y = top;
	for (guint r = 0; r < t->rows->len; r++) {
		const ChCell *v = ch_table_cell(t, r, t->chart_value);
		if (v->type != CH_CELL_INT)
			continue;
		g_autofree char *label_full = ch_table_cell_string(ch_table_cell(t, r, t->chart_label));
		g_autofree char *label = short_label(label_full);
		int w = max > 0 ? (int)(v->i * bar_max / max) : 0;
		if (v->i > 0 && w < 2)
			w = 2;
		g_string_append_printf(out,
		                       "<text x=\"%d\" y=\"%d\" text-anchor=\"end\" font-size=\"11\""
		                       " font-family=\"sans-serif\">",
		                       label_w - 6, y + 13);
		ch_page_escaped(out, label);
		g_string_append_printf(out,
		                       "</text>\n<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"12\""
		                       " fill=\"#3d6f9e\"/>\n"
		                       "<text x=\"%d\" y=\"%d\" font-size=\"11\" font-family=\"sans-serif\">"
		                       "%" G_GINT64_FORMAT "</text>\n",
		                       label_w + 1, y + 3, w, label_w + w + 6, y + 13, v->i);
		y += row_h;
	}
	if (!bars)
		g_string_append_printf(out, "<text x=\"%d\" y=\"%d\" font-size=\"11\">no figures"
		                            "</text>\n",
		                       label_w + 6, top + 13);
	g_string_append(out, "</svg>\n");
}

void ch_page_table(GString *out, const ChTable *t)
{
	gboolean long_table = t->chart_value < 0;
	g_string_append_printf(out, "<section%s>\n<h2>", long_table ? " class=\"long\"" : "");
	ch_page_escaped(out, t->title);
	g_string_append(out, "</h2>\n");
	if (t->note) {
		g_string_append(out, "<p class=\"note\">");
		ch_page_escaped(out, t->note);
		g_string_append(out, "</p>\n");
	}
	ch_page_chart(out, t);
	g_string_append(out, "<table>\n<thead><tr>");
	for (guint c = 0; c < t->columns->len; c++) {
		g_string_append(out, "<th>");
		ch_page_escaped(out, t->columns->pdata[c]);
		g_string_append(out, "</th>");
	}
	g_string_append(out, "</tr></thead>\n<tbody>\n");
	for (guint r = 0; r < t->rows->len; r++) {
		g_string_append(out, "<tr>");
		for (guint c = 0; c < t->columns->len; c++) {
			const ChCell *cell = ch_table_cell(t, r, c);
			g_autofree char *v = ch_table_cell_string(cell);
			gboolean n = cell->type == CH_CELL_INT || cell->type == CH_CELL_NUMBER;
			g_string_append(out, n ? "<td class=\"n\">" : "<td>");
			ch_page_escaped(out, v);
			g_string_append(out, "</td>");
		}
		g_string_append(out, "</tr>\n");
	}
	if (!t->rows->len)
		g_string_append_printf(out, "<tr><td colspan=\"%u\">none</td></tr>\n",
		                       MAX(t->columns->len, 1));
	g_string_append(out, "</tbody>\n</table>\n</section>\n");
}

char *ch_page_doc(const ChDoc *r)
{
	GString *out = g_string_new(NULL);
	ch_page_begin(out, r->title);
	g_string_append(out, "<h1>");
	ch_page_escaped(out, r->title);
	g_string_append(out, "</h1>\n");
	for (guint i = 0; i < r->lines->len; i++) {
		g_string_append(out, "<p class=\"meta\">");
		ch_page_escaped(out, r->lines->pdata[i]);
		g_string_append(out, "</p>\n");
	}
	for (guint i = 0; i < r->tables->len; i++)
		ch_page_table(out, r->tables->pdata[i]);
	ch_page_end(out);
	return g_string_free(out, FALSE);
}
