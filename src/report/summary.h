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
