#include "store/safety.h"

#include <string.h>

#include "store/store-private.h"
#include "util/error.h"

#define COLUMNS                                                                               \
	"a.id, a.key, coalesce(a.conference_id, 0), c.ref, a.message, a.what, a.asked,"           \
	" a.raised_at, a.due, a.next_at, a.state, a.acknowledged_by, a.acknowledged_at,"         \
	" a.escalated_at, a.told FROM safety_alert a LEFT JOIN conference c"                     \
	" ON c.id = a.conference_id"

/* One row of COLUMNS; FALSE (with *error) for a state this chaser does not know. */
static ChSafetyAlert *from_row(sqlite3_stmt *st, GError **error)
{
	ChSafetyAlert *a = g_new0(ChSafetyAlert, 1);
	a->id = sqlite3_column_int64(st, 0);
	a->key = ch_store_col_str(st, 1);
	a->conference_id = sqlite3_column_int64(st, 2);
	a->ref = ch_store_col_str(st, 3);
	a->message = ch_store_col_str(st, 4);
	a->what = ch_store_col_str(st, 5);
	a->asked = ch_store_col_str(st, 6);
	a->raised_at = ch_store_col_str(st, 7);
	a->due = ch_store_col_str(st, 8);
	a->next_at = ch_store_col_str(st, 9);
	g_autofree char *state = ch_store_col_str(st, 10);
	a->acknowledged_by = ch_store_col_str(st, 11);
	a->acknowledged_at = ch_store_col_str(st, 12);
	a->escalated_at = ch_store_col_str(st, 13);
	a->told = ch_store_col_str(st, 14);
	if (!ch_safety_state_parse(state, &a->state)) {
		g_set_error(error, CH_ERROR, CH_ERROR_FINAL,
		            "the database holds safety_alert.state = '%s', which this chaser does "
		            "not know",
		            state ? state : "(null)");
		ch_safety_alert_free(a);
		return NULL;
	}
	return a;
}

gboolean ch_store_safety_save(ChStore *s, ChSafetyAlert *a, GError **error)
{
	const char *state = ch_safety_state_name(a->state);
	if (a->id)
		return ch_store_run(s, error,
		                    "UPDATE safety_alert SET next_at = ?, state = ?,"
		                    " acknowledged_by = ?, acknowledged_at = ?, escalated_at = ?,"
		                    " told = ? WHERE id = ?",
		                    "ssssssi", a->next_at, state, a->acknowledged_by,
		                    a->acknowledged_at, a->escalated_at, a->told, a->id);
	/* The same event raising it again (a held message released, then handled as vouched
	 * for) is the same alert, as the outbox keeps one mail per event: the first stands. */
	if (!ch_store_run(s, error,
	                  "INSERT INTO safety_alert(key, conference_id, message, what, asked,"
	                  " raised_at, due, next_at, state, acknowledged_by, acknowledged_at,"
	                  " escalated_at, told) VALUES(?,NULLIF(?,0),?,?,?,?,?,?,?,?,?,?,?)"
	                  " ON CONFLICT(key) DO NOTHING",
	                  "sisssssssssss", a->key, a->conference_id, a->message, a->what, a->asked,
	                  a->raised_at, a->due, a->next_at, state, a->acknowledged_by,
	                  a->acknowledged_at, a->escalated_at, a->told))
		return FALSE;
	return ch_store_get_int(s, &a->id, 0, error, "SELECT id FROM safety_alert WHERE key = ?",
	                        "s", a->key);
}

ChSafetyAlert *ch_store_safety_load(ChStore *s, gint64 id, GError **error)
{
	sqlite3_stmt *st = ch_store_query(s, error, "SELECT " COLUMNS " WHERE a.id = ?", "i", id);
	if (!st)
		return NULL;
	gboolean there = FALSE;
	if (!ch_store_first(s, st, &there, error))
		return NULL;
	if (!there) {
		g_set_error(error, CH_ERROR, CH_ERROR_FINAL, "no safety alert %" G_GINT64_FORMAT, id);
		return NULL;
	}
	ChSafetyAlert *a = from_row(st, error);
	sqlite3_reset(st);
	return a;
}

gboolean ch_store_safety_by_mail(ChStore *s, const char *msgid, gint64 *id_r, GError **error)
{
	*id_r = 0;
	if (!msgid)
		return TRUE;
	/* The alert's own mail is keyed by the alert's key (and ":lsm" for the second
	 * recipient), the notice to the managers "safety_escalated:KEY:WHO"; every alert's key
	 * begins "safety:". A mail that is neither (most replies quote another) is answered
	 * without reading the alerts. */
	return ch_store_get_int(s, id_r, 0, error,
	                        "SELECT a.id FROM outbox o JOIN safety_alert a"
	                        " ON o.event_key = a.key"
	                        " OR substr(o.event_key, 1, length(a.key) + 1) = a.key || ':'"
	                        " OR substr(o.event_key, 1, length(a.key) + 18)"
	                        "    = 'safety_escalated:' || a.key || ':'"
	                        " WHERE o.message_id = ?"
	                        "   AND (substr(o.event_key, 1, 7) = 'safety:'"
	                        "        OR substr(o.event_key, 1, 17) = 'safety_escalated:')"
	                        " ORDER BY a.id DESC LIMIT 1",
	                        "s", msgid);
}

gboolean ch_store_safety_open_asking(ChStore *s, const char *addr, gint64 *id_r,
                                     GError **error)
{
	*id_r = 0;
	if (!addr)
		return TRUE;
	/* LIKE first (ASCII case aside, as lower(): it passes every row instr does, and builds no
	 * string for the rows it does not): every message from a person asks this, of every open
	 * alert. The sender's address is a stranger's words: its %, _ and backslash are escaped, so the
	 * pattern is one literal between two wildcards, whatever it holds. And its length is too:
	 * SQLite fails a LIKE whose pattern passes its limit (50,000 bytes unless built otherwise)
	 * with an error, not a miss, and the message would go to quarantine unread for safety
	 * words. An address longer than LIKE_MAX (no address of ours is; escaped, at most twice
	 * that) has no pattern, and instr alone decides. */
	enum { LIKE_MAX = 1000 };
	g_autoptr(GString) lit = NULL;
	if (strlen(addr) <= LIKE_MAX) {
		lit = g_string_new(NULL);
		for (const char *p = addr; *p; p++) {
			if (*p == '%' || *p == '_' || *p == '\\')
				g_string_append_c(lit, '\\');
			g_string_append_c(lit, *p);
		}
	}
	return ch_store_get_int(s, id_r, 0, error,
	                        "SELECT id FROM safety_alert WHERE state = ?1 AND escalated_at IS NULL"
	                        " AND (?3 IS NULL OR asked LIKE '%' || ?3 || '%' ESCAPE '\\')"
	                        " AND instr(';' || lower(asked) || ';', ';' || lower(?2) || ';') > 0"
	                        " ORDER BY id DESC LIMIT 1",
	                        "sss", ch_safety_state_name(CH_SAFETY_OPEN), addr,
	                        lit ? lit->str : NULL);
}

GArray *ch_store_safety_due(ChStore *s, const char *now_key, GError **error)
{
	sqlite3_stmt *st = ch_store_query(s, error,
	                                  "SELECT id FROM safety_alert WHERE state = ?"
	                                  " AND next_at IS NOT NULL AND next_at <= ?"
	                                  " ORDER BY next_at, id",
	                                  "ss", ch_safety_state_name(CH_SAFETY_OPEN), now_key);
	if (!st)
		return NULL;
	GArray *out = g_array_new(FALSE, FALSE, sizeof(gint64));
	GError *local = NULL;
	while (ch_store_step(s, st, &local)) {
		gint64 id = sqlite3_column_int64(st, 0);
		g_array_append_val(out, id);
	}
	if (local) {
		g_propagate_error(error, local);
		g_array_unref(out);
		return NULL;
	}
	return out;
}

GPtrArray *ch_store_safety_list(ChStore *s, gboolean all, gint64 conference_id,
                                GError **error)
{
	sqlite3_stmt *st = ch_store_query(s, error,
	                                  "SELECT " COLUMNS " WHERE (? OR a.state = ?)"
	                                  " AND (? = 0 OR a.conference_id = ?)"
	                                  " ORDER BY a.id DESC",
	                                  "isii", (gint64)all, ch_safety_state_name(CH_SAFETY_OPEN),
	                                  conference_id, conference_id);
	if (!st)
		return NULL;
	GPtrArray *out = g_ptr_array_new_with_free_func((GDestroyNotify)ch_safety_alert_free);
	GError *local = NULL;
	while (ch_store_step(s, st, &local)) {
		ChSafetyAlert *a = from_row(st, &local);
		if (!a)
			break;
		g_ptr_array_add(out, a);
	}
	if (local) {
		sqlite3_reset(st);
		g_propagate_error(error, local);
		g_ptr_array_unref(out);
		return NULL;
	}
	return out;
}
