#include "store/web.h"

#include "store/store-private.h"

gboolean ch_store_web_link_add(ChStore *s, const char *hash, const char *address, gint64 now,
                               gint64 expires, GError **error)
{
	gint64 old = now - 86400;
	return ch_store_run(s, error, "DELETE FROM web_link WHERE expires < ?", "i", old) &&
	       ch_store_run(s, error,
	                    "DELETE FROM web_session WHERE expires < ? OR ended < ?", "ii", old,
	                    old) &&
	       ch_store_run(s, error, "DELETE FROM web_request WHERE at < ?", "i", old) &&
	       ch_store_run(s, error,
	                    "INSERT INTO web_link(hash, address, created, expires)"
	                    " VALUES (?, ?, ?, ?)",
	                    "ssii", hash, address, now, expires);
}

gboolean ch_store_web_link_use(ChStore *s, const char *hash, gint64 now, char **address_r,
                               GError **error)
{
	*address_r = NULL;
	if (!ch_store_begin(s, error))
		return FALSE;
	char *address = NULL;
	sqlite3_stmt *st = ch_store_query(s, error,
	                                  "SELECT address FROM web_link WHERE hash = ?"
	                                  " AND used IS NULL AND expires > ?",
	                                  "si", hash, now);
	gboolean there = FALSE;
	gboolean ok = st && ch_store_first(s, st, &there, error);
	if (ok && there)
		address = ch_store_col_str(st, 0);
	if (st)
		sqlite3_reset(st);
	/* Marked used in the same transaction that found it unused: a second opening waits for
	 * the write lock and then finds it used. */
	ok = ok && (!address || ch_store_run(s, error, "UPDATE web_link SET used = ? WHERE hash = ?",
	                                     "is", now, hash));
	if (!ok || !ch_store_commit(s, error)) {
		ch_store_rollback(s);
		g_free(address);
		return FALSE;
	}
	*address_r = address;
	return TRUE;
}

gboolean ch_store_web_session_add(ChStore *s, const char *hash, const char *address,
                                  gboolean may_act, gint64 now, gint64 expires, GError **error)
{
	return ch_store_run(s, error,
	                    "INSERT INTO web_session(hash, address, may_act, created, seen, expires)"
	                    " VALUES (?, ?, ?, ?, ?, ?)",
	                    "ssiiii", hash, address, (gint64)(may_act != 0), now, now, expires);
}

gboolean ch_store_web_session_get(ChStore *s, const char *hash, gint64 now, gint64 idle,
                                  char **address_r, gboolean *may_act_r, GError **error)
{
	*address_r = NULL;
	*may_act_r = FALSE;
	sqlite3_stmt *st = ch_store_query(s, error,
	                                  "SELECT address, may_act FROM web_session WHERE hash = ?"
	                                  " AND ended IS NULL AND expires > ? AND seen + ? > ?",
	                                  "siii", hash, now, idle, now);
	gboolean there = FALSE;
	if (!st || !ch_store_first(s, st, &there, error))
		return FALSE;
	g_autofree char *address = there ? ch_store_col_str(st, 0) : NULL;
	gboolean may_act = there && sqlite3_column_int(st, 1) != 0;
	sqlite3_reset(st);
	if (!address)
		return TRUE;
	if (!ch_store_run(s, error, "UPDATE web_session SET seen = ? WHERE hash = ?", "is", now,
	                  hash))
		return FALSE;
	*address_r = g_steal_pointer(&address);
	*may_act_r = may_act;
	return TRUE;
}

gboolean ch_store_web_session_end(ChStore *s, const char *hash, gint64 now, GError **error)
{
	return ch_store_run(s, error, "UPDATE web_session SET ended = ? WHERE hash = ?", "is", now,
	                    hash);
}

gboolean ch_store_web_link_fresh(ChStore *s, const char *address, gint64 now, gint64 since,
                                 gboolean *fresh_r, GError **error)
{
	gint64 n = 0;
	*fresh_r = FALSE;
	if (!ch_store_get_int(s, &n, 0, error,
	                      "SELECT count(*) FROM web_link WHERE address = ? AND used IS NULL"
	                      " AND expires > ? AND created >= ?",
	                      "sii", address, now, since))
		return FALSE;
	*fresh_r = n > 0;
	return TRUE;
}

gboolean ch_store_web_request(ChStore *s, const char *who, const char *client, gint64 now,
                              gint64 since, gint64 limit, gboolean *allowed_r, GError **error)
{
	gint64 by_client = 0;
	*allowed_r = FALSE;
	if (!ch_store_get_int(s, &by_client, 0, error,
	                      "SELECT count(*) FROM web_request WHERE client = ? AND at >= ?", "si",
	                      client, since))
		return FALSE;
	if (by_client >= limit)
		return TRUE;
	*allowed_r = TRUE;
	return ch_store_run(s, error, "INSERT INTO web_request(at, who, client) VALUES (?, ?, ?)",
	                    "iss", now, who, client);
}
