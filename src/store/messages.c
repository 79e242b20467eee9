#include "store/messages.h"

#include <string.h>

#include "store/store-private.h"

gboolean ch_store_message_add(ChStore *s, const char *fingerprint, const char *location,
                              const char *received_at, gint64 size, const char *message_id,
                              const char *from_addr, const char *cls, gint64 *row_r,
                              GError **error)
{
	if (!ch_store_run(s, error,
	                  "INSERT INTO message(fingerprint, location, received_at, size, message_id,"
	                  " from_addr, class, state, raw_path) VALUES(?,?,?,?,?,?,?,'handled',?)",
	                  "sssissss", fingerprint, location, received_at, size, message_id,
	                  from_addr, cls, NULL))
		return FALSE;
	*row_r = ch_store_last_id(s);
	return TRUE;
}

gboolean ch_store_message_add_failing(ChStore *s, const char *fingerprint, const char *location,
                                      const char *received_at, gint64 size,
                                      const char *raw_path, gint64 *row_r, GError **error)
{
	if (!ch_store_run(s, error,
	                  "INSERT INTO message(fingerprint, location, received_at, size, state,"
	                  " attempts, raw_path) VALUES(?,?,?,?,'failing',0,?)",
	                  "sssis", fingerprint, location, received_at, size, raw_path))
		return FALSE;
	*row_r = ch_store_last_id(s);
	return TRUE;
}

gboolean ch_store_message_add_oversized(ChStore *s, const char *fingerprint,
                                        const char *location, const char *received_at,
                                        gint64 size, gint64 *row_r, GError **error)
{
	if (!ch_store_run(s, error,
	                  "INSERT INTO message(fingerprint, location, received_at, size,"
	                  " class, state) VALUES(?,?,?,?,'oversized','triage')",
	                  "sssi", fingerprint, location, received_at, size))
		return FALSE;
	*row_r = ch_store_last_id(s);
	return TRUE;
}

gboolean ch_store_message_set(ChStore *s, gint64 row, const char *state, const char *kind,
                              gint64 conference_id, const char *reason, GError **error)
{
	return ch_store_run(s, error,
	                    "UPDATE message SET state = ?, kind = ?, conference_id = NULLIF(?,0),"
	                    " reason = ? WHERE id = ?",
	                    "ssisi", state, kind, conference_id, reason, row);
}

gboolean ch_store_message_set_raw_path(ChStore *s, gint64 row, const char *raw_path,
                                       GError **error)
{
	return ch_store_run(s, error, "UPDATE message SET raw_path = ? WHERE id = ?", "si", raw_path,
	                    row);
}

gboolean ch_store_message_by_fingerprint(ChStore *s, const char *fingerprint, gint64 *row_r,
                                         GError **error)
{
	return ch_store_get_int(s, row_r, 0, error, "SELECT id FROM message WHERE fingerprint = ?",
	                        "s", fingerprint);
}

gboolean ch_store_message_known(ChStore *s, const char *fingerprint, gint64 *row_r,
                                gboolean *quarantined_r, GError **error)
{
	*quarantined_r = FALSE;
	if (!ch_store_get_int(s, row_r, 0, error,
	                      "SELECT id FROM message WHERE fingerprint = ?"
	                      " AND state <> 'failing'",
	                      "s", fingerprint))
		return FALSE;
	if (!*row_r)
		return TRUE;
	gint64 q = 0;
	if (!ch_store_get_int(s, &q, 0, error,
	                      "SELECT state = 'quarantine' FROM message WHERE id = ?", "i", *row_r))
		return FALSE;
	*quarantined_r = q != 0;
	return TRUE;
}

gboolean ch_store_message_died_reading(ChStore *s, const char *fingerprint, gboolean *died_r,
                                       GError **error)
{
	gint64 v = 0;
	if (!ch_store_get_int(s, &v, 0, error,
	                      "SELECT 1 FROM message WHERE fingerprint = ?"
	                      " AND state = 'failing' AND reason LIKE"
	                      " 'chaser stopped while reading%'",
	                      "s", fingerprint))
		return FALSE;
	*died_r = v != 0;
	return TRUE;
}

gboolean ch_store_message_drop_failing(ChStore *s, const char *fingerprint, GError **error)
{
	return ch_store_run(s, error,
	                    "DELETE FROM message WHERE fingerprint = ? AND state = 'failing'", "s",
	                    fingerprint);
}

gboolean ch_store_message_attempts(ChStore *s, gint64 row, gint64 *attempts_r, GError **error)
{
	return ch_store_get_int(s, attempts_r, 0, error,
	                        "SELECT attempts FROM message WHERE id = ?", "i", row);
}

gboolean ch_store_message_set_attempts(ChStore *s, gint64 row, gint64 attempts,
                                       const char *reason, GError **error)
{
	return ch_store_run(s, error, "UPDATE message SET attempts = ?, reason = ? WHERE id = ?",
	                    "isi", attempts, reason, row);
}

gboolean ch_store_message_quarantine(ChStore *s, gint64 row, GError **error)
{
	return ch_store_run(s, error, "UPDATE message SET state = 'quarantine' WHERE id = ?", "i",
	                    row);
}

gboolean ch_store_message_summary(ChStore *s, gint64 row, char **state_r, char **kind_r,
                                  char **ref_r, GError **error)
{
	*state_r = *kind_r = *ref_r = NULL;
	sqlite3_stmt *st = ch_store_query(s, error,
	                                  "SELECT m.state, m.kind, c.ref FROM message m LEFT JOIN"
	                                  " conference c ON c.id = m.conference_id WHERE m.id = ?",
	                                  "i", row);
	gboolean there;
	if (!st || !ch_store_first(s, st, &there, error))
		return FALSE;
	if (there) {
		*state_r = ch_store_col_str(st, 0);
		*kind_r = ch_store_col_str(st, 1);
		*ref_r = ch_store_col_str(st, 2);
		sqlite3_reset(st);
	}
	return TRUE;
}

gboolean ch_store_attachment_add(ChStore *s, gint64 message_row, gint64 conference_id,
                                 gint64 report_id, gint64 n, const char *filename,
                                 const char *content_type, gint64 size, const char *sha256,
                                 const char *file, gboolean is_report, GError **error)
{
	return ch_store_run(s, error,
	                    "INSERT INTO attachment(message, conference_id, report_id, n, filename,"
	                    " content_type, size, sha256, file, is_report)"
	                    " VALUES(?,?,?,?,?,?,?,?,?,?)",
	                    "iiiississi", message_row, conference_id, report_id, n, filename,
	                    content_type, size, sha256, file, (gint64)(is_report != FALSE));
}

gboolean ch_store_triage_add(ChStore *s, gint64 message_row, gint64 conference_id,
                             const char *reason, const char *created_at, gint64 *id_r,
                             GError **error)
{
	if (!ch_store_run(s, error,
	                  "INSERT INTO triage(message, conference_id, reason, state, created_at)"
	                  " VALUES(?,NULLIF(?,0),?,'open',?)",
	                  "iiss", message_row, conference_id, reason, created_at))
		return FALSE;
	if (id_r)
		*id_r = ch_store_last_id(s);
	return TRUE;
}

void ch_store_triage_item_clear(ChStoreTriageItem *t)
{
	g_clear_pointer(&t->state, g_free);
	g_clear_pointer(&t->message_state, g_free);
	g_clear_pointer(&t->raw_path, g_free);
	g_clear_pointer(&t->fingerprint, g_free);
}

gboolean ch_store_triage_get(ChStore *s, gint64 id, ChStoreTriageItem *t, gboolean *found_r,
                             GError **error)
{
	memset(t, 0, sizeof *t);
	*found_r = FALSE;
	sqlite3_stmt *st = ch_store_query(s, error,
	                                  "SELECT t.state, m.id, m.state, m.raw_path, m.fingerprint,"
	                                  " coalesce(t.conference_id,0) FROM triage t"
	                                  " JOIN message m ON m.id = t.message WHERE t.id = ?",
	                                  "i", id);
	gboolean there;
	if (!st || !ch_store_first(s, st, &there, error))
		return FALSE;
	if (!there)
		return TRUE;
	t->state = ch_store_col_str(st, 0);
	t->message_row = sqlite3_column_int64(st, 1);
	t->message_state = ch_store_col_str(st, 2);
	t->raw_path = ch_store_col_str(st, 3);
	t->fingerprint = ch_store_col_str(st, 4);
	t->conference_id = sqlite3_column_int64(st, 5);
	sqlite3_reset(st);
	*found_r = TRUE;
	return TRUE;
}

gboolean ch_store_triage_decide(ChStore *s, gint64 id, const char *state, const char *at,
                                GError **error)
{
	return ch_store_run(s, error, "UPDATE triage SET state = ?, decided_at = ? WHERE id = ?",
	                    "ssi", state, at, id);
}

static void sender_free(ChStoreTriageSender *g)
{
	g_free(g->from_addr);
	g_free(g);
}

GPtrArray *ch_store_triage_unalerted(ChStore *s, gint64 after, GError **error)
{
	sqlite3_stmt *st = ch_store_query(
		s, error,
		"SELECT count(*), coalesce(m.from_addr, '(no sender)'), max(t.id) FROM triage t"
		" JOIN message m ON m.id = t.message"
		" WHERE t.state = 'open' AND t.id > ?"
		"   AND NOT EXISTS (SELECT 1 FROM outbox o WHERE o.event_key = 'triage:' ||"
		"                   m.fingerprint)"
		" GROUP BY 2 ORDER BY 1 DESC, 2",
		"i", after);
	if (!st)
		return NULL;
	GPtrArray *out = g_ptr_array_new_with_free_func((GDestroyNotify)sender_free);
	GError *local = NULL;
	while (ch_store_step(s, st, &local)) {
		ChStoreTriageSender *g = g_new0(ChStoreTriageSender, 1);
		g->count = sqlite3_column_int64(st, 0);
		g->from_addr = ch_store_col_str(st, 1);
		g->newest = sqlite3_column_int64(st, 2);
		g_ptr_array_add(out, g);
	}
	if (local) {
		g_propagate_error(error, local);
		g_ptr_array_unref(out);
		return NULL;
	}
	return out;
}
