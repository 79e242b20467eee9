/* report_page: a report as one self-contained HTML page, for the screen and for A4 paper.
 *
 * Everything is inside the page: the style sheet is inline, each table's bar chart is
 * inline SVG drawn here, and there is no script and no outside resource (no fonts, images
 * or links to fetch), so the page shows the same offline, in a mail client or in a case
 * file. Tables do not break across printed pages where they fit on one. All text from the
 * store is escaped.
 */
#pragma once
#include <glib.h>
#include "report/report_doc.h"

char *ch_page_doc(const ChDoc *r);

/* The pieces, for other pages (the case record). */
void ch_page_begin(GString *out, const char *title);
void ch_page_end(GString *out);
void ch_page_escaped(GString *out, const char *text);
void ch_page_table(GString *out, const ChTable *t);
/* A horizontal bar chart of the table's chart columns; nothing when it has none. */
void ch_page_chart(GString *out, const ChTable *t);
