#include "store/mailbox.h"

#include "store/store-private.h"

gboolean ch_store_mailbox_get(ChStore *s, const char *mailbox, gboolean *known_r,
                              guint32 *uidvalidity_r, guint32 *last_uid_r, GError **error)
{
	*known_r = FALSE;
	sqlite3_stmt *st = ch_store_query(s, error,
	                                  "SELECT uidvalidity, last_uid FROM mailbox WHERE name = ?",
	                                  "s", mailbox);
	gboolean there;
	if (!st || !ch_store_first(s, st, &there, error))
		return FALSE;
	if (there) {
		*known_r = TRUE;
		*uidvalidity_r = (guint32)sqlite3_column_int64(st, 0);
		*last_uid_r = (guint32)sqlite3_column_int64(st, 1);
		sqlite3_reset(st);
	}
	return TRUE;
}

gboolean ch_store_mailbox_set(ChStore *s, const char *mailbox, guint32 uidvalidity,
                              guint32 last_uid, GError **error)
{
	return ch_store_run(s, error,
	                    "INSERT INTO mailbox(name, uidvalidity, last_uid) VALUES(?,?,?)"
	                    " ON CONFLICT(name) DO UPDATE SET uidvalidity = excluded.uidvalidity,"
	                    " last_uid = max(last_uid, excluded.last_uid)",
	                    "sii", mailbox, (gint64)uidvalidity, (gint64)last_uid);
}
