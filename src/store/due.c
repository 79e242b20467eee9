#include "store/due.h"

#include "store/store-private.h"

GArray *ch_store_due(ChStore *s, const char *now_key, GError **error)
{
	/* Each table's next_at is indexed: the cost is what is due, not what is open. */
	static const struct {
		ChObjKind kind;
		const char *timer;
		const char *sql;
	} queries[] = {
		{ CH_OBJ_CONFERENCE, "conference", "SELECT id, id FROM conference WHERE next_at IS NOT NULL"
		                           " AND next_at <= ? ORDER BY next_at" },
		{ CH_OBJ_ESCALATION, "escalation", "SELECT conference_id, id FROM escalation WHERE next_at IS NOT NULL"
		                           " AND next_at <= ? ORDER BY next_at" },
		{ CH_OBJ_REPORT, "report", "SELECT conference_id, id FROM report WHERE next_at IS NOT NULL"
		                       " AND next_at <= ? ORDER BY next_at" },
		{ CH_OBJ_REPORT, "high_risk", "SELECT conference_id, id FROM report"
		                              " WHERE high_risk_next_at IS NOT NULL"
		                              " AND high_risk_next_at <= ? ORDER BY high_risk_next_at" },
	};
	GArray *due = g_array_new(FALSE, FALSE, sizeof(ChStoreDue));
	for (guint q = 0; q < G_N_ELEMENTS(queries); q++) {
		GError *local = NULL;
		sqlite3_stmt *st = ch_store_query(s, error, queries[q].sql, "s", now_key);
		if (!st) {
			g_array_unref(due);
			return NULL;
		}
		while (ch_store_step(s, st, &local)) {
			ChStoreDue d = { queries[q].kind, sqlite3_column_int64(st, 0),
				         sqlite3_column_int64(st, 1), queries[q].timer };
			g_array_append_val(due, d);
		}
		if (local) {
			g_propagate_error(error, local);
			g_array_unref(due);
			return NULL;
		}
	}
	return due;
}
