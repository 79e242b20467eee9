/* report_doc: a whole report, its title, the lines that say what it covers, and its tables,
 * and the two plain ways of writing it (text and CSV). The spreadsheet and the HTML page are
 * in report_xlsx and report_page. A ChDoc owns its tables.
 */
#pragma once
#include <glib.h>
#include "report/report_table.h"

/* A whole report: a title, a few lines saying what it covers, and its tables. */
typedef struct {
	char *title;
	GPtrArray *lines;   /* char*: the period, when it was produced, the calendar used */
	GPtrArray *tables;  /* ChTable* */
} ChDoc;

ChDoc *ch_doc_new(const char *title);
void ch_doc_free(ChDoc *r);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(ChDoc, ch_doc_free)
void ch_doc_line(ChDoc *r, const char *fmt, ...) G_GNUC_PRINTF(2, 3);
void ch_doc_add(ChDoc *r, ChTable *t);  /* takes t */

void ch_doc_write_text(GString *out, const ChDoc *r);
/* One table: a plain CSV file (a header row, then the rows). More than one: each table
 * after the other, each opened by a record holding its title and closed by an empty line. */
void ch_doc_write_csv(GString *out, const ChDoc *r);
