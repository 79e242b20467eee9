/* report_xlsx: a report as an Excel workbook (libxlsxwriter), one sheet per table.
 *
 * Each sheet has its header row in bold, frozen above the rows, and an autofilter over the
 * table; dates and times are real Excel dates (so they sort and filter as dates), counts are
 * numbers. A last sheet, "About", holds the report's title and what it covers. The file is
 * put in place durably (written beside, then renamed), mode 0600: it names people.
 * Errors: CH_ERROR_TEMPORARY when the file cannot be written, naming it.
 */
#pragma once
#include <glib.h>
#include "report/report_doc.h"

gboolean ch_xlsx_write(const ChDoc *r, const char *path, GError **error);
