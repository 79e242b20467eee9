/* purge: retention, the one way a finished case leaves chaser.
 *
 * A conference can go when it is finished and quiet: closed, or authorised with every
 * escalation ended (resolved, closed or unresolved) and every post-conference report
 * missing, or received and reviewed by the chair (ch_case_finished: nothing owed); and its
 * last activity (its latest audit line, or when it was entered if it has none) is before
 * `before`. A conference still waiting for its list to be sent or
 * authorised is never finished.
 *
 * Everything of those conferences goes in one transaction: attendees, escalations, reports,
 * reply tokens, outbox rows, tasks, triage rows, inbound message rows and their audit
 * lines. The audit log refuses deletes unless a purge window is open, so the transaction
 * opens one (a row in purge_window), deletes, closes it, and appends one audit line that
 * says what went, in counts only. After the commit the files go: the raw messages in
 * spool/messages/, stored report files under spool/reports/, and the copies of sent mail in
 * the outgoing spool folder. A crash between the commit and the files leaves files no row
 * names, which `chaser reconcile` reports; never a row whose file is gone.
 *
 * Why no reference in the audit line: a conference reference is not a child's name, but it
 * is the key that joins this log to the child's file in the council's case system, so
 * keeping it after the purge would keep a trace of whose case it was. Counts say enough.
 *
 * Inbound mail linked to no conference (triage that matched none, whether still open,
 * released or dropped; automatic or bounced mail that named no case; quarantine with no
 * case) goes the same way once it was received before `before`: its triage rows, its audit
 * lines, admin's alert about it and its raw file, counted with the rest.
 *
 * A temporary file a crash left half written (".incoming-*" in spool/reports or
 * spool/messages, named by no row) goes once older than `before` and than an hour, counted
 * with the files.
 *
 * With dry_run nothing changes and refs_r lists the references that would go.
 */
#pragma once
#include <glib.h>
#include "app/app.h"

typedef struct {
	guint conferences, attendees, escalations, reports, tokens, outbox, tasks, triage;
	guint messages, audit;
	guint files;          /* raw messages, report files and sent-mail copies removed */
	guint files_failed;   /* ... that could not be removed (named on stderr) */
} ChPurgeCounts;

gboolean ch_purge(ChApp *app, GDateTime *before, gboolean dry_run, ChPurgeCounts *counts,
                  GPtrArray *refs_r, GError **error);
/* "2 conferences, 9 attendees, ..." */
char *ch_purge_counts_text(const ChPurgeCounts *c);
