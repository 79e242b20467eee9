/* xlsx_read: the first worksheet of an .xlsx file (as Excel, LibreOffice or libxlsxwriter
 * save it) read as rows of text, for a distribution list mailed as a spreadsheet.
 *
 * Debian 12 has no maintained C library that reads xlsx, so the zip is read with libarchive
 * and the sheet's XML with libxml2. Everything is bounded, like every input from a mail:
 * the number of entries, each entry's and all entries' uncompressed size (read in chunks and
 * stopped at the cap, whatever the zip's headers claim, so a zip bomb costs no more than the
 * cap), the shared strings, the rows and the columns. A file over any bound, or not an xlsx,
 * is refused (CH_ERROR_FINAL) with a reason a person can act on; nothing is half read.
 *
 * The rows are a GPtrArray of GPtrArray of char* (a missing cell is ""), the caller's; each
 * row's number in the sheet is in *numbers_r (GArray of guint), so a problem names the row a
 * person sees in their spreadsheet. Empty rows are left out.
 */
#pragma once
#include <glib.h>

#define CH_XLSX_MAX_ENTRIES 200
#define CH_XLSX_MAX_ENTRY (8u << 20)   /* bytes, one file inside the zip */
#define CH_XLSX_MAX_TOTAL (16u << 20)  /* bytes, everything read */
#define CH_XLSX_MAX_ROWS 1000
#define CH_XLSX_MAX_COLUMNS 26         /* A to Z: a list has five */
#define CH_XLSX_MAX_STRINGS 20000

GPtrArray *ch_xlsx_read_rows(const guint8 *data, gsize len, GArray **numbers_r, GError **error);
