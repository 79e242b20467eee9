#include "store/views.h"

#include <stdarg.h>

#include "engine/names.h"
#include "store/store-private.h"

typedef struct {
	gboolean null;
	gint64 i;
	char *s;
	GBytes *b;
} Value;

struct ChStoreRow {
	guint n;
	Value v[];
};

static void row_free(ChStoreRow *r)
{
	for (guint i = 0; i < r->n; i++) {
		g_free(r->v[i].s);
		if (r->v[i].b)
			g_bytes_unref(r->v[i].b);
	}
	g_free(r);
}

static const Value *value(const ChStoreRow *r, guint col)
{
	g_return_val_if_fail(col < r->n, NULL);
	return &r->v[col];
}

const char *ch_store_row_str(const ChStoreRow *r, guint col)
{
	const Value *v = value(r, col);
	return v ? v->s : NULL;
}

gint64 ch_store_row_int(const ChStoreRow *r, guint col)
{
	const Value *v = value(r, col);
	return v ? v->i : 0;
}

gboolean ch_store_row_is_null(const ChStoreRow *r, guint col)
{
	const Value *v = value(r, col);
	return !v || v->null;
}

GBytes *ch_store_row_bytes(const ChStoreRow *r, guint col)
{
	const Value *v = value(r, col);
	return v ? v->b : NULL;
}

/* Every row of a query, each value copied, so that no statement stays open behind it. */
static GPtrArray *collect(ChStore *s, sqlite3_stmt *st, GError **error);

static GPtrArray *rows(ChStore *s, GError **error, const char *sql, const char *types, ...)
{
	va_list ap;
	va_start(ap, types);
	sqlite3_stmt *st = NULL;
	/* The views bind at most one value, of the type named. */
	if (!types[0])
		st = ch_store_query(s, error, sql, "");
	else if (types[0] == 'i')
		st = ch_store_query(s, error, sql, "i", va_arg(ap, gint64));
	else
		st = ch_store_query(s, error, sql, "s", va_arg(ap, const char *));
	va_end(ap);
	return st ? collect(s, st, error) : NULL;
}

/* Every row of a prepared statement, copied. */
static GPtrArray *collect(ChStore *s, sqlite3_stmt *st, GError **error)
{
	GPtrArray *out = g_ptr_array_new_with_free_func((GDestroyNotify)row_free);
	GError *local = NULL;
	while (ch_store_step(s, st, &local)) {
		guint n = (guint)sqlite3_column_count(st);
		ChStoreRow *r = g_malloc0(sizeof *r + n * sizeof(Value));
		r->n = n;
		for (guint i = 0; i < n; i++) {
			Value *v = &r->v[i];
			int type = sqlite3_column_type(st, (int)i);
			v->null = type == SQLITE_NULL;
			if (type == SQLITE_BLOB) {
				v->b = g_bytes_new(sqlite3_column_blob(st, (int)i),
				                   sqlite3_column_bytes(st, (int)i));
				continue;
			}
			v->i = sqlite3_column_int64(st, (int)i);
			v->s = ch_store_col_str(st, (int)i);
		}
		g_ptr_array_add(out, r);
	}
	if (local) {
		g_propagate_error(error, local);
		g_ptr_array_unref(out);
		return NULL;
	}
	return out;
}

GPtrArray *ch_store_view_messages(ChStore *s, GError **error)
{
	return rows(s, error,
	            "SELECT id, fingerprint, location, state, raw_path, class,"
	            " attempts FROM message ORDER BY id",
	            "");
}

gboolean ch_store_view_triage_of_message(ChStore *s, gint64 message_row, gint64 *rows_r,
                                         gint64 *open_or_dropped_r, GError **error)
{
	return ch_store_get_int(s, rows_r, 0, error, "SELECT count(*) FROM triage WHERE message = ?",
	                        "i", message_row) &&
	       ch_store_get_int(s, open_or_dropped_r, 0, error,
	                        "SELECT count(*) FROM triage WHERE message = ?"
	                        " AND state IN ('open','dropped')",
	                        "i", message_row);
}

gboolean ch_store_view_triage_totals(ChStore *s, gint64 *rows_r, gint64 *open_r,
                                     GError **error)
{
	return ch_store_get_int(s, rows_r, 0, error, "SELECT count(*) FROM triage", "") &&
	       ch_store_get_int(s, open_r, 0, error,
	                        "SELECT count(*) FROM triage WHERE state = 'open'", "");
}

GPtrArray *ch_store_view_triage_orphans(ChStore *s, GError **error)
{
	return rows(s, error,
	            "SELECT t.id, t.message, t.state FROM triage t"
	            " LEFT JOIN message m ON m.id = t.message"
	            " WHERE m.id IS NULL ORDER BY t.id",
	            "");
}

GPtrArray *ch_store_view_report_files(ChStore *s, GError **error)
{
	return rows(s, error,
	            "SELECT c.ref, 'report', r.file FROM report r"
	            " JOIN conference c ON c.id = r.conference_id"
	            " WHERE r.file IS NOT NULL"
	            " UNION SELECT c.ref, 'attachment', a.file FROM attachment a"
	            " JOIN conference c ON c.id = a.conference_id"
	            " ORDER BY 1, 3",
	            "");
}

GPtrArray *ch_store_view_outbox_states(ChStore *s, GError **error)
{
	return rows(s, error, "SELECT id, state, kind FROM outbox ORDER BY id", "");
}

GPtrArray *ch_store_view_case_messages(ChStore *s, gint64 conference_id, GError **error)
{
	return rows(s, error,
	            "SELECT id, received_at, from_addr, kind, class, state,"
	            " fingerprint, location, reason, message_id, size"
	            " FROM message WHERE conference_id = ? ORDER BY id",
	            "i", conference_id);
}

GPtrArray *ch_store_view_message_from(ChStore *s, const char *fingerprint, GError **error)
{
	return rows(s, error, "SELECT from_addr FROM message WHERE fingerprint = ? LIMIT 1", "s",
	            fingerprint);
}

GPtrArray *ch_store_view_case_outbox(ChStore *s, gint64 conference_id, GError **error)
{
	return rows(s, error,
	            "SELECT id, created_at, sent_at, rcpt, kind, subject, state,"
	            " message_id, wire, last_error FROM outbox"
	            " WHERE conference_id = ? ORDER BY id",
	            "i", conference_id);
}

GPtrArray *ch_store_view_case_audit(ChStore *s, gint64 conference_id, GError **error)
{
	return rows(s, error,
	            "SELECT id, at, source, what, object, old, new, detail"
	            " FROM audit WHERE conference_id = ? ORDER BY id",
	            "i", conference_id);
}

GPtrArray *ch_store_view_case_tasks(ChStore *s, gint64 conference_id, GError **error)
{
	return rows(s, error,
	            "SELECT id, created_at, kind, detail, done_at FROM task"
	            " WHERE conference_id = ? ORDER BY id",
	            "i", conference_id);
}

GPtrArray *ch_store_view_case_reports(ChStore *s, gint64 conference_id, GError **error)
{
	return rows(s, error,
	            "SELECT ag.name, r.state, r.asked, r.requested_at, r.due,"
	            " r.calendar, r.received_at, r.on_time, r.sha256,"
	            " r.missing_at FROM report r JOIN agency ag"
	            " ON ag.id = r.agency_id WHERE r.conference_id = ?"
	            " ORDER BY r.id",
	            "i", conference_id);
}

GPtrArray *ch_store_view_last_automatic(ChStore *s, gint64 conference_id, const char *object,
                                        GError **error)
{
	sqlite3_stmt *st = ch_store_query(s, error,
	                                  "SELECT at, detail FROM audit WHERE what = ?"
	                                  " AND conference_id = ? AND object = ?"
	                                  " ORDER BY id DESC LIMIT 1",
	                                  "sis", ch_audit_name(CH_AUDIT_MESSAGE_AUTOMATIC),
	                                  conference_id, object);
	return st ? collect(s, st, error) : NULL;
}

GPtrArray *ch_store_view_open_tasks(ChStore *s, gint64 conference_id, GError **error)
{
	return rows(s, error,
	            "SELECT kind, detail, created_at FROM task"
	            " WHERE conference_id = ? AND done_at IS NULL ORDER BY id",
	            "i", conference_id);
}

GPtrArray *ch_store_view_all_open_tasks(ChStore *s, GError **error)
{
	return rows(s, error,
	            "SELECT c.ref, t.kind, t.detail, t.created_at FROM task t"
	            " LEFT JOIN conference c ON c.id = t.conference_id"
	            " WHERE t.done_at IS NULL ORDER BY t.id",
	            "");
}

GPtrArray *ch_store_view_conferences(ChStore *s, const char *ref, const char *state,
                                     GError **error)
{
	sqlite3_stmt *st = ch_store_query(s, error,
	                                  "SELECT ref, state, held, chair_email FROM conference"
	                                  " WHERE instr(lower(ref), lower(?)) > 0"
	                                  " AND (? IS NULL OR state = ?)"
	                                  " ORDER BY held DESC, ref LIMIT 200",
	                                  "sss", ref ? ref : "", state, state);
	return st ? collect(s, st, error) : NULL;
}

GPtrArray *ch_store_view_escalation_conferences(ChStore *s, gboolean open_only,
                                                GError **error)
{
	return rows(s, error,
	            open_only ? "SELECT DISTINCT conference_id FROM escalation"
	                        " WHERE state IN ('open','responded')"
	                        " ORDER BY conference_id"
	                      : "SELECT DISTINCT conference_id FROM escalation"
	                        " ORDER BY conference_id",
	            "");
}

GPtrArray *ch_store_view_outbox(ChStore *s, GError **error)
{
	return rows(s, error,
	            "SELECT o.id, c.ref, o.kind, o.rcpt, o.subject, o.state, o.attempts, o.created_at,"
	            " o.sent_at, o.last_error, o.message_id, o.event_key FROM outbox o"
	            " LEFT JOIN conference c ON c.id = o.conference_id ORDER BY o.id",
	            "");
}

GPtrArray *ch_store_view_triage(ChStore *s, gboolean all, GError **error)
{
	return rows(s, error,
	            "SELECT t.id, c.ref, t.reason, t.state, t.created_at, m.from_addr, m.state,"
	            " m.fingerprint, m.location FROM triage t JOIN message m ON m.id = t.message"
	            " LEFT JOIN conference c ON c.id = t.conference_id"
	            " WHERE ? OR t.state = 'open' ORDER BY t.id",
	            "i", (gint64)all);
}

GPtrArray *ch_store_view_escalations(ChStore *s, GError **error)
{
	/* Ordered by the instant raised, not the text: stored times carry GMT or BST offsets. */
	return rows(s, error,
	            "SELECT e.id, c.ref, c.procedure, e.raised_at, ag.name, a.name, a.attendance,"
	            " e.reasons, e.stage, e.asked, e.stage_at, e.due, e.calendar, e.chasers,"
	            " e.responded_at, e.response, e.state, e.outcome, e.closed_at, e.comment,"
	            " c.id, a.n"
	            " FROM escalation e JOIN conference c ON c.id = e.conference_id"
	            " JOIN attendee a ON a.id = e.attendee_id JOIN agency ag ON ag.id = a.agency_id"
	            " ORDER BY julianday(e.raised_at), e.id",
	            "");
}

GPtrArray *ch_store_view_escalation_steps(ChStore *s, GError **error)
{
	sqlite3_stmt *st = ch_store_query(
	            s, error,
	            "SELECT conference_id, object, what, at, new, detail FROM audit"
	            " WHERE what IN (?, ?, ?, ?) AND object LIKE 'escalation of line %'"
	            " ORDER BY id",
	            "ssss", ch_audit_name(CH_AUDIT_ESCALATION_STAGE),
	            ch_audit_name(CH_AUDIT_ESCALATION_NOT_RESOLVED),
	            ch_audit_name(CH_AUDIT_ESCALATION_MEETING_SET),
	            ch_audit_name(CH_AUDIT_ESCALATION_STATE));
	return st ? collect(s, st, error) : NULL;
}

GPtrArray *ch_store_view_missing_reports(ChStore *s, GError **error)
{
	return rows(s, error,
	            "SELECT c.ref, c.procedure, r.missing_at, g.name, a.name, a.attendance, r.due,"
	            " r.received_at, coalesce(nullif(g.lead_email, ''), g.slo_email), r.calendar"
	            " FROM report r JOIN conference c ON c.id = r.conference_id"
	            " JOIN agency g ON g.id = r.agency_id"
	            " LEFT JOIN attendee a ON a.id = r.attendee_id"
	            " WHERE r.missing_at IS NOT NULL ORDER BY julianday(r.missing_at), r.id",
	            "");
}

GPtrArray *ch_store_view_first_conference(ChStore *s, GError **error)
{
	return rows(s, error,
	            "SELECT created_at FROM conference ORDER BY julianday(created_at) LIMIT 1", "");
}

GPtrArray *ch_store_view_conference_minutes(ChStore *s, GError **error)
{
	return rows(s, error, "SELECT held, minutes_missing_info FROM conference", "");
}

GPtrArray *ch_store_view_report_timeliness(ChStore *s, GError **error)
{
	/* Reports are whatever the table holds: every state is counted, none is assumed. */
	return rows(s, error,
	            "SELECT c.held, r.state, r.on_time, r.received_at, r.due,"
	            " r.requested_at IS NULL FROM report r"
	            " JOIN conference c ON c.id = r.conference_id",
	            "");
}

GPtrArray *ch_store_view_safety_alerts(ChStore *s, GError **error)
{
	return rows(s, error, "SELECT at FROM audit WHERE what = ?", "s",
	            ch_audit_name(CH_AUDIT_SAFETY_ALERT));
}

GPtrArray *ch_store_view_triage_states(ChStore *s, GError **error)
{
	return rows(s, error, "SELECT created_at, state FROM triage", "");
}

GPtrArray *ch_store_view_quarantined(ChStore *s, GError **error)
{
	return rows(s, error, "SELECT received_at FROM message WHERE state = 'quarantine'", "");
}

GPtrArray *ch_store_view_agencies(ChStore *s, GError **error)
{
	return rows(s, error,
	            "SELECT a.name, a.slo_email, a.slo_name, a.lead_email,"
	            " (SELECT group_concat(d.domain, ', ') FROM agency_domain d"
	            "  WHERE d.agency_id = a.id) FROM agency a ORDER BY a.name COLLATE NOCASE",
	            "");
}
