/* partnership: the quarterly report to the safeguarding partnership, sent by chaser itself.
 *
 * [reports] (chaser.conf(5)) names who gets it (to) and whether it goes (send = quarterly)
 * and on which working day after the quarter ends (day, the 5th by default). From that day
 * on, each working-time tick looks at the last quarter that ended: for every recipient the
 * summary of that quarter (report/summary.h, kind summary: figures by procedure and agency,
 * no register, so no professional's or child's name) is queued with the spreadsheet and the
 * HTML page attached, under the event key "partnership:YYYY-Qn:ADDRESS". The outbox keeps
 * one row per event key, and every recipient's mail is queued in one transaction, so a
 * second tick, a restart or a crash before the commit never sends it twice; a crash after
 * the commit leaves it queued, and the flush sends it. Only the last quarter is ever sent
 * (a report a year old is no use to the board), and only when chaser held a conference
 * added on or before its last day: a first start sends nothing for the time before it.
 *
 * The subject carries the quarter only ([2026-Q3]); the body the quarter and its figures
 * by procedure, never a child's or a professional's detail.
 */
#pragma once
#include <glib.h>
#include "app/app.h"

/* The working day of `now`'s quarter-before on which its report is due ([reports] day
 * working days after the quarter's last day), and that quarter's first and last days. */
void ch_partnership_due(ChApp *app, GDateTime *now, GDate *from, GDate *to, GDate *due);

/* Queues the last quarter's report for whoever has not had it, when it is due. TRUE with
 * *queued_r the mails queued (0 when nothing was due or all had gone). */
gboolean ch_partnership_tick(ChApp *app, GDateTime *now, guint *queued_r, GError **error);
