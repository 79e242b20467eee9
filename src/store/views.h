/* store/views: the rows the reports and the inspecting commands read (reconcile, record,
 * register, summary, show, outbox, triage, escalations), copied out of the store.
 *
 * Each view returns a GPtrArray of ChStoreRow owned by the caller (freeing the array frees
 * the rows), or NULL with *error when the store failed. A row's columns are read by index,
 * in the order its view's comment lists them; every value but a blob can be read as text
 * (the number as SQLite writes it) and as an integer. Nothing here changes the store.
 */
#pragma once
#include <glib.h>
#include "store/store.h"

typedef struct ChStoreRow ChStoreRow;

/* Text of a column; NULL for NULL (and for a blob). Valid as long as the row. */
const char *ch_store_row_str(const ChStoreRow *r, guint col);
/* A column as an integer; 0 for NULL. */
gint64 ch_store_row_int(const ChStoreRow *r, guint col);
gboolean ch_store_row_is_null(const ChStoreRow *r, guint col);
/* A blob column's bytes (borrowed); NULL for NULL. */
GBytes *ch_store_row_bytes(const ChStoreRow *r, guint col);

/* ---- reconcile ---- */

/* Every inbound message: id, fingerprint, location, state, raw_path, class, attempts. */
GPtrArray *ch_store_view_messages(ChStore *s, GError **error);
/* The triage rows of one message, and how many of them are open or dropped. */
gboolean ch_store_view_triage_of_message(ChStore *s, gint64 message_row, gint64 *rows_r,
                                         gint64 *open_or_dropped_r, GError **error);
/* Every triage row, and the open ones. */
gboolean ch_store_view_triage_totals(ChStore *s, gint64 *rows_r, gint64 *open_r,
                                     GError **error);
/* Triage rows whose message row is gone: id, message, state. */
GPtrArray *ch_store_view_triage_orphans(ChStore *s, GError **error);
/* Every report file and attachment on record: conference ref, "report" or "attachment",
 * file (as stored), ordered by ref and file. */
GPtrArray *ch_store_view_report_files(ChStore *s, GError **error);
/* Every outbox row: id, state, kind. */
GPtrArray *ch_store_view_outbox_states(ChStore *s, GError **error);

/* ---- one conference's record (record.c) ---- */

/* id, received_at, from_addr, kind, class, state, fingerprint, location, reason, message_id,
 * size. */
GPtrArray *ch_store_view_case_messages(ChStore *s, gint64 conference_id, GError **error);
/* id, created_at, sent_at, rcpt, kind, subject, state, message_id, wire (blob),
 * last_error. */
GPtrArray *ch_store_view_case_outbox(ChStore *s, gint64 conference_id, GError **error);
/* id, at, source, what, object, old, new, detail. */
GPtrArray *ch_store_view_case_audit(ChStore *s, gint64 conference_id, GError **error);
/* The sender of the message with this fingerprint, whatever conference it is filed under
 * yet (one row: from_addr; none when there is no such message). */
GPtrArray *ch_store_view_message_from(ChStore *s, const char *fingerprint, GError **error);
/* Every task, done or not: id, created_at, kind, detail, done_at. */
GPtrArray *ch_store_view_case_tasks(ChStore *s, gint64 conference_id, GError **error);
/* agency name, state, asked, requested_at, due, calendar, received_at, on_time, sha256,
 * missing_at. */
GPtrArray *ch_store_view_case_reports(ChStore *s, gint64 conference_id, GError **error);

/* ---- show, outbox, triage, escalations (cli/cmd_show.c) ---- */

/* The newest automatic reply recorded against `object` ("escalation of line N", which is
 * only unique within its conference): at, detail; at most one row. */
GPtrArray *ch_store_view_last_automatic(ChStore *s, gint64 conference_id, const char *object,
                                        GError **error);
/* Tasks not yet done: kind, detail, created_at. */
GPtrArray *ch_store_view_open_tasks(ChStore *s, gint64 conference_id, GError **error);
/* The conferences with escalations (open or responded ones only, with open_only): id. */
GPtrArray *ch_store_view_escalation_conferences(ChStore *s, gboolean open_only,
                                                GError **error);
/* Every outbox row: id, conference ref, kind, rcpt, subject, state, attempts, created_at,
 * sent_at, last_error, message_id, event_key. */
GPtrArray *ch_store_view_outbox(ChStore *s, GError **error);
/* Triage (the open items, or all with `all`): id, conference ref, reason, state,
 * created_at, from_addr, message state, fingerprint, location. */
GPtrArray *ch_store_view_triage(ChStore *s, gboolean all, GError **error);

/* ---- the web console (web/web_views.c) ---- */

/* Tasks not yet done of every conference (and of none): conference ref, kind, detail,
 * created_at, oldest first. */
GPtrArray *ch_store_view_all_open_tasks(ChStore *s, GError **error);
/* Conferences whose reference contains `ref` (any case; "" for all) and whose state is
 * `state` (NULL for any): ref, state, held, chair_email, newest held first, at most 200. */
GPtrArray *ch_store_view_conferences(ChStore *s, const char *ref, const char *state,
                                     GError **error);

/* ---- register and summary ---- */

/* Every escalation, by the instant raised: id, ref, procedure, raised_at, agency,
 * professional, attendance, reasons, stage, asked, stage_at, due, calendar, chasers,
 * responded_at, response, state, outcome, closed_at, comment, conference id, line. */
GPtrArray *ch_store_view_escalations(ChStore *s, GError **error);
/* The audit lines that say when each escalation's stage was asked and answered, oldest
 * first: conference id, object ("escalation of line N"), what, at, new, detail. */
GPtrArray *ch_store_view_escalation_steps(ChStore *s, GError **error);
/* Every post-conference report that went missing (the agency lead and CP managers were
 * told), by the instant: ref, procedure, missing_at, agency, professional (or NULL),
 * attendance (or NULL), due, received_at, the agency lead's address (or its SLO's),
 * calendar. */
GPtrArray *ch_store_view_missing_reports(ChStore *s, GError **error);
/* When the first conference still on record was added: one row, created_at (NULL when
 * there is none). */
GPtrArray *ch_store_view_first_conference(ChStore *s, GError **error);
/* Every conference: held, minutes_missing_info. */
GPtrArray *ch_store_view_conference_minutes(ChStore *s, GError **error);
/* Every report with its conference: held, state, on_time, received_at, due,
 * requested_at IS NULL. */
GPtrArray *ch_store_view_report_timeliness(ChStore *s, GError **error);
/* When each safety alert was raised: at. */
GPtrArray *ch_store_view_safety_alerts(ChStore *s, GError **error);
/* Every triage row: created_at, state. */
GPtrArray *ch_store_view_triage_states(ChStore *s, GError **error);
/* When each quarantined message came: received_at. */
GPtrArray *ch_store_view_quarantined(ChStore *s, GError **error);

/* ---- agencies ---- */

/* Every agency, by name: name, slo_email, slo_name, lead_email, its mail domains ("a, b"
 * or NULL). */
GPtrArray *ch_store_view_agencies(ChStore *s, GError **error);
