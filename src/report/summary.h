/* summary: the partnership summary, the figures the quality assurance group and the
 * safeguarding partnership ask for, as tables.
 *
 * Escalations are those of the register for the period (see register.h for how answered,
 * in time and working days are decided). Conference figures (post-conference reports,
 * minutes held for missing information) are for conferences held in the period; alerts,
 * triage and quarantine for what happened in it. Read only; the tables are added to `rep`.
 */
#pragma once
#include <glib.h>
#include "app/app.h"
#include "report/report_doc.h"

gboolean ch_summary_add_tables(ChApp *app, ChDoc *rep, GPtrArray *register_rows,
                               const GDate *from, const GDate *to, GError **error);
/* The median of the working days to close, FALSE when nothing in rows was closed. */
gboolean ch_summary_median_days(GPtrArray *register_rows, double *median_r);

/* A whole report for the period: kind "summary" (the tables above), "register" (the
 * register alone) or "all" (the summary, then the register), with the lines saying what
 * it covers. NULL with *error when the store failed. */
ChDoc *ch_summary_doc(ChApp *app, const char *kind, const GDate *from, const GDate *to,
                      GDateTime *now, GError **error);
/* "2026-Q3" to its first and last days (1 July, 30 September 2026); FALSE for anything
 * else. Quarters are calendar quarters: Q1 January to March. */
gboolean ch_summary_quarter(const char *text, GDate *from, GDate *to);
/* The calendar quarter a day falls in. */
void ch_summary_quarter_of(const GDate *day, int *year_r, int *q_r);
