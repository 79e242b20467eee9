/* report_table: one table of figures, the shape every report format writes.
 *
 * A report is a list of ChTable: a title, a short sheet name for spreadsheets, the column
 * headings, and rows of typed cells. Typing the cells is what lets each writer do the right
 * thing with them: a spreadsheet gets real dates and numbers, CSV and text get ISO dates,
 * HTML gets a bar chart from the column the table names for it.
 *
 * Rows are filled left to right: ch_table_row() starts one, each ch_table_* call adds the
 * next cell. The table owns everything in it; times are kept in Europe/London.
 */
#pragma once
#include <glib.h>

typedef enum {
	CH_CELL_EMPTY,
	CH_CELL_TEXT,
	CH_CELL_INT,
	CH_CELL_NUMBER,  /* a figure that may have a fraction (a median) */
	CH_CELL_DATE,    /* a civil date */
	CH_CELL_TIME,    /* a date and time, London */
} ChCellType;

typedef struct {
	ChCellType type;
	char *text;
	gint64 i;
	double d;
	GDate date;
	GDateTime *time;
} ChCell;

typedef struct {
	char *title;         /* "Escalations by agency" */
	char *sheet;         /* spreadsheet tab, at most 31 characters */
	char *note;          /* how the figures are counted, or NULL */
	GPtrArray *columns;  /* char* */
	GPtrArray *rows;     /* GPtrArray* of ChCell* */
	int chart_label;     /* column of the bar labels, or -1 for no chart */
	int chart_value;     /* column of the bar values (INT or NUMBER cells) */
	gboolean blocks;     /* as text: one block of "heading: value" lines per row */
} ChTable;

/* Columns are NULL-terminated. */
ChTable *ch_table_new(const char *title, const char *sheet, ...) G_GNUC_NULL_TERMINATED;
void ch_table_free(ChTable *t);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(ChTable, ch_table_free)

void ch_table_set_chart(ChTable *t, int label_column, int value_column);
void ch_table_row(ChTable *t);
void ch_table_text(ChTable *t, const char *text);   /* NULL adds an empty cell */
void ch_table_int(ChTable *t, gint64 v);
void ch_table_number(ChTable *t, double v);
void ch_table_date(ChTable *t, const GDate *d);     /* NULL or invalid adds an empty cell */
void ch_table_time(ChTable *t, GDateTime *at);      /* NULL adds an empty cell */
/* Adds "YYYY-MM-DD" as a date and an ISO date-time as a time; other text stays text. */
void ch_table_iso(ChTable *t, const char *iso, gboolean date_only);

const ChCell *ch_table_cell(const ChTable *t, guint row, guint col);
/* A cell as plain text: ISO date, "YYYY-MM-DD HH:MM", integer, "3" or "3.5". Never NULL. */
char *ch_table_cell_string(const ChCell *c);

/* Text for people: aligned columns, or blocks when t->blocks. */
void ch_table_write_text(GString *out, const ChTable *t);
/* CSV per RFC 4180: CRLF line ends, fields with a comma, quote, CR or LF quoted. With
 * title, the table's title comes first as a record of its own. */
void ch_table_write_csv(GString *out, const ChTable *t, gboolean title);
void ch_table_csv_field(GString *out, const char *field);
/* Text for a CSV field that no spreadsheet runs as a formula: text starting with = + - @
 * TAB or CR gets a leading apostrophe (OWASP's advice), except a plain number ("-3", "2.5")
 * or a lone "-". ch_table_write_csv() applies it to every text cell; numbers, dates and
 * times are written as they are. The xlsx writer needs none of this: its cells are typed
 * strings. Newly allocated; NULL for NULL. */
char *ch_table_csv_neutral(const char *text);

