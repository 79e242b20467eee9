#include "store/outbox.h"

#include <string.h>

#include "engine/kinds.h"
#include "store/store-private.h"

static gboolean get_flag(ChStore *s, gboolean *has_r, GError **error, const char *sql,
                         const char *arg)
{
	gint64 v = 0;
	if (!ch_store_get_int(s, &v, 0, error, sql, "s", arg))
		return FALSE;
	*has_r = v != 0;
	return TRUE;
}

gboolean ch_store_outbox_has_event(ChStore *s, const char *event_key, gboolean *has_r,
                                   GError **error)
{
	return get_flag(s, has_r, error, "SELECT 1 FROM outbox WHERE event_key = ?", event_key);
}

gboolean ch_store_outbox_has_message_id(ChStore *s, const char *message_id, gboolean *has_r,
                                        GError **error)
{
	return get_flag(s, has_r, error, "SELECT 1 FROM outbox WHERE message_id = ?", message_id);
}

/* The hourly counts compare times as instants (julianday: the stored times carry the day's
 * offset, and the hour the clocks go back repeats the same local times). CREATED_AFTER adds
 * a bound on the text itself, a day before, so that the index on created_at is used: a
 * time written with any offset within a day reads, as text, after that bound. */
#define CREATED_AFTER(col)                                                                    \
	" " col " > strftime('%Y-%m-%dT%H:%M:%S', ?1, '-1 day')"                                    \
	" AND julianday(" col ") > julianday(?1)"

gboolean ch_store_outbox_count_triage_alerts_from(ChStore *s, const char *since,
                                                  const char *fingerprint, gint64 *n_r,
                                                  GError **error)
{
	/* From the sender's messages (message_from) to their alerts (event_key is unique): CROSS
	 * JOIN keeps that order, which the planner would otherwise turn round. */
	return ch_store_get_int(
		s, n_r, 0, error,
		"SELECT count(*) FROM message m CROSS JOIN outbox o"
		"  ON o.event_key = 'triage:' || m.fingerprint"
		" WHERE m.from_addr IS (SELECT from_addr FROM message WHERE fingerprint = ?2)"
		"   AND o.kind = 'triage_alert' AND" CREATED_AFTER("o.created_at"),
		"ss", since, fingerprint);
}

gboolean ch_store_outbox_count_unmatched_triage_alerts(ChStore *s, const char *since,
                                                       gint64 *n_r, GError **error)
{
	return ch_store_get_int(s, n_r, 0, error,
	                        "SELECT count(*) FROM outbox WHERE kind = 'triage_alert'"
	                        " AND conference_id IS NULL AND" CREATED_AFTER("created_at"),
	                        "s", since);
}

gboolean ch_store_outbox_count_to(ChStore *s, const char *rcpt, const char *since,
                                  const char *kind_a, const char *kind_b, gint64 *n_r,
                                  GError **error)
{
	return ch_store_get_int(s, n_r, 0, error,
	                        "SELECT count(*) FROM outbox WHERE rcpt = ?2"
	                        " AND" CREATED_AFTER("created_at") " AND kind IN (?3, ?4)",
	                        "ssss", since, rcpt, kind_a, kind_b);
}

gboolean ch_store_outbox_digest_since(ChStore *s, const char *since, gboolean *has_r,
                                      GError **error)
{
	return get_flag(s, has_r, error,
	                "SELECT 1 FROM outbox WHERE kind = 'triage_digest'"
	                " AND julianday(created_at) > julianday(?)",
	                since);
}

gboolean ch_store_outbox_digest_covered(ChStore *s, gint64 *triage_id_r, GError **error)
{
	return ch_store_get_int(s, triage_id_r, 0, error,
	                        "SELECT coalesce(max(CAST(substr(event_key, 15)"
	                        " AS INTEGER)), 0) FROM outbox"
	                        " WHERE kind = 'triage_digest'",
	                        "");
}

gboolean ch_store_outbox_count_waiting(ChStore *s, const char *now_key, gboolean due,
                                       gint64 *n_r, GError **error)
{
	return ch_store_get_int(s, n_r, 0, error,
	                        due ? "SELECT count(*) FROM outbox WHERE state IN"
	                              " ('queued','retrying') AND next_attempt <= ?"
	                            : "SELECT count(*) FROM outbox WHERE state = 'retrying'"
	                              " AND next_attempt > ?",
	                        "s", now_key);
}

gboolean ch_store_token_add(ChStore *s, const char *purpose, gint64 conference_id,
                            gint64 object_id, const char *recipient, const char *expires,
                            gint64 stage, gint64 *id_r, GError **error)
{
	if (!ch_store_run(s, error,
	                  "INSERT INTO token(purpose, conference_id, object_id, recipient, expires,"
	                  " stage) VALUES(?,?,?,?,?,NULLIF(?,0))",
	                  "siissi", purpose, conference_id, object_id, recipient, expires, stage))
		return FALSE;
	*id_r = ch_store_last_id(s);
	return TRUE;
}

void ch_store_token_clear(ChStoreToken *t)
{
	g_clear_pointer(&t->purpose, g_free);
	g_clear_pointer(&t->recipient, g_free);
}

/* A token's row, with its escalation's stage now when its purpose holds for one stage only:
 * those purposes come from the kinds table (ch_purpose_stage_bound), not from this file.
 * Built once; the names are the engine's static tables. */
static const char *token_get_sql(void)
{
	static char *sql;
	if (g_once_init_enter(&sql)) {
		g_autoptr(GString) bound = g_string_new(NULL);
		CH_STORE_NAME_LIST(bound, CH_PURPOSE_N, ch_purpose_name, ch_purpose_stage_bound, TRUE);
		char *text = g_strdup_printf("SELECT t.purpose, t.conference_id,"
		                             " coalesce(t.object_id,0), t.recipient,"
		                             " coalesce(t.stage,0), coalesce(e.stage,0)"
		                             " FROM token t LEFT JOIN escalation e"
		                             "   ON e.id = t.object_id"
		                             "  AND t.purpose IN (%s)"
		                             " WHERE t.id = ?",
		                             bound->str);
		g_once_init_leave(&sql, text);
	}
	return sql;
}

gboolean ch_store_token_get(ChStore *s, gint64 id, ChStoreToken *t, gboolean *found_r,
                            GError **error)
{
	memset(t, 0, sizeof *t);
	*found_r = FALSE;
	sqlite3_stmt *st = ch_store_query(s, error, token_get_sql(), "i", id);
	gboolean there;
	if (!st || !ch_store_first(s, st, &there, error))
		return FALSE;
	if (!there)
		return TRUE;
	t->purpose = ch_store_col_str(st, 0);
	t->conference_id = sqlite3_column_int64(st, 1);
	t->object_id = sqlite3_column_int64(st, 2);
	t->recipient = ch_store_col_str(st, 3);
	t->stage = sqlite3_column_int64(st, 4);
	t->now_stage = sqlite3_column_int64(st, 5);
	sqlite3_reset(st);
	*found_r = TRUE;
	return TRUE;
}

gboolean ch_store_outbox_add(ChStore *s, gint64 conference_id, const char *kind,
                             const char *event_key, const char *rcpt, const char *message_id,
                             const char *subject, GBytes *wire, const char *due_key,
                             const char *created_at, gint64 *id_r, GError **error)
{
	if (!ch_store_run(s, error,
	                  "INSERT INTO outbox(conference_id, kind, event_key, rcpt, message_id, subject,"
	                  " wire, state, next_attempt, created_at)"
	                  " VALUES(NULLIF(?,0),?,?,?,?,?,?,'queued',?,?)",
	                  "isssssbss", conference_id, kind, event_key, rcpt, message_id, subject, wire,
	                  due_key, created_at))
		return FALSE;
	if (id_r)
		*id_r = ch_store_last_id(s);
	return TRUE;
}

void ch_store_outbox_row_free(ChStoreOutboxRow *r)
{
	if (!r)
		return;
	g_free(r->kind), g_free(r->rcpt), g_free(r->state), g_free(r->created_at), g_free(r->ref);
	if (r->wire)
		g_bytes_unref(r->wire);
	g_free(r);
}

GPtrArray *ch_store_outbox_due(ChStore *s, const char *now_key, GError **error)
{
	sqlite3_stmt *st = ch_store_query(s, error,
	                                  "SELECT id, coalesce(conference_id,0), kind, rcpt, wire,"
	                                  " attempts, created_at, (SELECT ref FROM conference"
	                                  " WHERE id = outbox.conference_id) FROM outbox WHERE state IN"
	                                  " ('queued','retrying') AND next_attempt <= ? ORDER BY id",
	                                  "s", now_key);
	if (!st)
		return NULL;
	GPtrArray *rows = g_ptr_array_new_with_free_func((GDestroyNotify)ch_store_outbox_row_free);
	GError *local = NULL;
	while (ch_store_step(s, st, &local)) {
		ChStoreOutboxRow *r = g_new0(ChStoreOutboxRow, 1);
		r->id = sqlite3_column_int64(st, 0);
		r->conference_id = sqlite3_column_int64(st, 1);
		r->kind = ch_store_col_str(st, 2);
		r->rcpt = ch_store_col_str(st, 3);
		r->wire = g_bytes_new(sqlite3_column_blob(st, 4), sqlite3_column_bytes(st, 4));
		r->attempts = sqlite3_column_int(st, 5);
		r->created_at = ch_store_col_str(st, 6);
		r->ref = ch_store_col_str(st, 7);
		g_ptr_array_add(rows, r);
	}
	if (local) {
		g_propagate_error(error, local);
		g_ptr_array_unref(rows);
		return NULL;
	}
	return rows;
}

gboolean ch_store_outbox_by_message_id(ChStore *s, const char *message_id,
                                       ChStoreOutboxRow **row_r, GError **error)
{
	*row_r = NULL;
	sqlite3_stmt *st = ch_store_query(s, error,
	                                  "SELECT id, coalesce(conference_id,0), kind, rcpt, state"
	                                  " FROM outbox WHERE message_id = ?",
	                                  "s", message_id);
	gboolean there;
	if (!st || !ch_store_first(s, st, &there, error))
		return FALSE;
	if (!there)
		return TRUE;
	ChStoreOutboxRow *r = g_new0(ChStoreOutboxRow, 1);
	r->id = sqlite3_column_int64(st, 0);
	r->conference_id = sqlite3_column_int64(st, 1);
	r->kind = ch_store_col_str(st, 2);
	r->rcpt = ch_store_col_str(st, 3);
	r->state = ch_store_col_str(st, 4);
	sqlite3_reset(st);
	*row_r = r;
	return TRUE;
}

/* One row's wire bytes, from a statement that selects them first, or *wire_r NULL. */
static gboolean wire_of(ChStore *s, sqlite3_stmt *st, GBytes **wire_r, GError **error)
{
	*wire_r = NULL;
	gboolean there;
	if (!st || !ch_store_first(s, st, &there, error))
		return FALSE;
	if (there)
		*wire_r = g_bytes_new(sqlite3_column_blob(st, 0), sqlite3_column_bytes(st, 0));
	sqlite3_reset(st);
	return TRUE;
}

gboolean ch_store_outbox_wire(ChStore *s, const char *message_id, GBytes **wire_r,
                              GError **error)
{
	return wire_of(s,
	               ch_store_query(s, error, "SELECT wire FROM outbox WHERE message_id = ?", "s",
	                              message_id),
	               wire_r, error);
}

gboolean ch_store_outbox_wire_for_token(ChStore *s, const char *token, GBytes **wire_r,
                                        GError **error)
{
	/* Our Message-IDs are "c.TOKEN.NONCE@domain" with the token in lower case (its alphabet
	 * is case-insensitive, so a client may have changed it): the ids in [c.TOKEN., c.TOKEN/)
	 * are found on the unique index. */
	g_autofree char *low = g_ascii_strdown(token, -1);
	g_autofree char *from = g_strdup_printf("c.%s.", low);
	g_autofree char *to = g_strdup_printf("c.%s/", low);
	return wire_of(s,
	               ch_store_query(s, error,
	                              "SELECT wire FROM outbox WHERE message_id >= ? AND"
	                              " message_id < ? ORDER BY id DESC LIMIT 1",
	                              "ss", from, to),
	               wire_r, error);
}

GPtrArray *ch_store_outbox_wires_to(ChStore *s, gint64 conference_id, const char *rcpt,
                                    guint limit, GError **error)
{
	sqlite3_stmt *st = ch_store_query(s, error,
	                                  "SELECT wire FROM outbox WHERE rcpt = ? AND conference_id = ?"
	                                  " ORDER BY id DESC LIMIT ?",
	                                  "sii", rcpt, conference_id, (gint64)limit);
	if (!st)
		return NULL;
	GPtrArray *wires = g_ptr_array_new_with_free_func((GDestroyNotify)g_bytes_unref);
	GError *local = NULL;
	while (ch_store_step(s, st, &local))
		g_ptr_array_add(wires, g_bytes_new(sqlite3_column_blob(st, 0),
		                                   sqlite3_column_bytes(st, 0)));
	if (local) {
		g_propagate_error(error, local);
		g_ptr_array_unref(wires);
		return NULL;
	}
	return wires;
}

gboolean ch_store_outbox_mark_sent(ChStore *s, gint64 id, const char *at, int attempts,
                                   GError **error)
{
	return ch_store_run(s, error,
	                    "UPDATE outbox SET state = 'sent', sent_at = ?, attempts = ?,"
	                    " last_error = NULL WHERE id = ?",
	                    "sii", at, (gint64)attempts, id);
}

gboolean ch_store_outbox_mark_retrying(ChStore *s, gint64 id, int attempts,
                                       const char *next_key, const char *last_error,
                                       GError **error)
{
	return ch_store_run(s, error,
	                    "UPDATE outbox SET state = 'retrying', attempts = ?, next_attempt = ?,"
	                    " last_error = ? WHERE id = ?",
	                    "issi", (gint64)attempts, next_key, last_error, id);
}

gboolean ch_store_outbox_mark_failed(ChStore *s, gint64 id, int attempts,
                                     const char *last_error, GError **error)
{
	if (attempts < 0)
		return ch_store_run(s, error,
		                    "UPDATE outbox SET state = 'failed', last_error = ? WHERE id = ?",
		                    "si", last_error, id);
	return ch_store_run(s, error,
	                    "UPDATE outbox SET state = 'failed', attempts = ?, last_error = ?"
	                    " WHERE id = ?",
	                    "isi", (gint64)attempts, last_error, id);
}

gboolean ch_store_task_add(ChStore *s, gint64 conference_id, const char *kind,
                           const char *detail, const char *created_at, GError **error)
{
	return ch_store_run(s, error,
	                    "INSERT INTO task(conference_id, kind, detail, created_at)"
	                    " VALUES(NULLIF(?,0),?,?,?)",
	                    "isss", conference_id, kind, detail, created_at);
}

gboolean ch_store_task_done(ChStore *s, gint64 conference_id, const char *kind,
                            const char *done_at, GError **error)
{
	return ch_store_run(s, error,
	                    "UPDATE task SET done_at = ? WHERE conference_id = ? AND kind = ?"
	                    " AND done_at IS NULL",
	                    "sis", done_at, conference_id, kind);
}
