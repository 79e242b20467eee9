/* reconcile: the daily account that nothing was silently dropped.
 *
 * Messages seen = handled + quarantined + in triage (waiting for a person, or held for a
 * sender check) + in progress (failing, to be tried again). Outbox queued = sent + retrying
 * + failed + still waiting to go out. Beyond the sums, each message is checked against what
 * should exist beside it: its raw bytes in spool/messages/, a triage row when it waits in
 * triage, and each triage row against its message. Every discrepancy is a fault naming the
 * message by the first 12 hex digits of its SHA-256 and where it was found; a figure that
 * does not add up is a fault too. So is an open obligation without its clock (a row an
 * older chaser left), or one still owed by a closed conference, named by conference and what
 * is owed. Notes are things worth knowing that are not faults.
 *
 * Read only. Errors are the store's (CH_ERROR_TEMPORARY when busy).
 */
#pragma once
#include <glib.h>
#include "app/app.h"
#include "store/obligations.h"

typedef struct {
	gint64 seen, handled, triage, held, quarantined, failing, other;
	gint64 out_total, sent, retrying, failed, waiting, out_other;
	gint64 triage_rows, triage_open;
	GPtrArray *faults;  /* char* */
	GPtrArray *notes;   /* char* */
} ChReconcile;

gboolean ch_reconcile_run(ChApp *app, ChReconcile *out, GError **error);
void ch_reconcile_clear(ChReconcile *r);
gboolean ch_reconcile_balanced(const ChReconcile *r);
/* The account as text for a person (the command's output, the daily mail to admin). */
char *ch_reconcile_text(const ChReconcile *r);
/* Runs the checks and returns the account as text; *clean_r says whether it had no fault.
 * For `chaser run` to mail admin once a day. NULL with *error when the store failed. */
char *ch_reconcile_summary_text(ChApp *app, gboolean *clean_r, GError **error);
/* The week's account for admin: everything open and owed, by due time, the overdue marked;
 * what waits in triage for a person; then the account above. *clean_r as there. */
char *ch_reconcile_week_text(ChApp *app, GDateTime *now, gboolean *clean_r, GError **error);
/* What an open item owes, in words: "the chair's authorisation of the list", with the line
 * and agency when it has them. Also the console's Today page's. */
char *ch_reconcile_owed_words(const ChUnclocked *u);
