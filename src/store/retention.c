#include "store/retention.h"

#include "store/cases.h"
#include "store/outbox.h"
#include "store/store-private.h"

/* Finished by the cut-off (ch_store_finished_sql: the one definition, in SQL; its minutes
 * date passed before the cut-off's day) and quiet before it. julianday() reads the stored
 * offsets, so GMT and BST times compare as instants. */
static char *candidates_sql(void)
{
	g_autofree char *finished = ch_store_finished_sql("c", "date(?1)");
	return g_strdup_printf(
		"SELECT c.id, c.ref FROM conference c WHERE %s"
		"   AND coalesce((SELECT max(julianday(a.at)) FROM audit a WHERE a.conference_id = c.id),"
		"                julianday(c.created_at)) < julianday(?1)"
		" ORDER BY c.id",
		finished);
}

gboolean ch_store_retention_candidates(ChStore *s, const char *before, GArray *ids,
                                       GPtrArray *refs, GError **error)
{
	g_autofree char *sql = candidates_sql();
	sqlite3_stmt *st = ch_store_query(s, error, sql, "s", before);
	if (!st)
		return FALSE;
	GError *local = NULL;
	while (ch_store_step(s, st, &local)) {
		gint64 id = sqlite3_column_int64(st, 0);
		g_array_append_val(ids, id);
		if (refs)
			g_ptr_array_add(refs, ch_store_col_str(st, 1));
	}
	if (local) {
		g_propagate_error(error, local);
		return FALSE;
	}
	return TRUE;
}

static gboolean count(ChStore *s, guint *to, const char *sql, gint64 id, GError **error)
{
	gint64 n = 0;
	if (!ch_store_get_int(s, &n, 0, error, sql, "i", id))
		return FALSE;
	*to += (guint)n;
	return TRUE;
}

gboolean ch_store_retention_count(ChStore *s, gint64 id, ChStoreRetentionCounts *c,
                                  GError **error)
{
	return count(s, &c->attendees, "SELECT count(*) FROM attendee WHERE conference_id = ?", id,
	             error) &&
	       count(s, &c->escalations, "SELECT count(*) FROM escalation WHERE conference_id = ?",
	             id, error) &&
	       count(s, &c->reports, "SELECT count(*) FROM report WHERE conference_id = ?", id,
	             error) &&
	       count(s, &c->tokens, "SELECT count(*) FROM token WHERE conference_id = ?", id,
	             error) &&
	       count(s, &c->outbox, "SELECT count(*) FROM outbox WHERE conference_id = ?", id,
	             error) &&
	       count(s, &c->tasks, "SELECT count(*) FROM task WHERE conference_id = ?", id, error) &&
	       count(s, &c->triage,
	             "SELECT count(*) FROM triage WHERE conference_id = ? OR message IN"
	             " (SELECT id FROM message WHERE conference_id = ?1)",
	             id, error) &&
	       count(s, &c->messages, "SELECT count(*) FROM message WHERE conference_id = ?", id,
	             error) &&
	       count(s, &c->audit, "SELECT count(*) FROM audit WHERE conference_id = ?", id, error);
}

void ch_store_retention_files_clear(ChStoreRetentionFiles *f)
{
	g_clear_pointer(&f->raw_paths, g_ptr_array_unref);
	g_clear_pointer(&f->report_files, g_ptr_array_unref);
	g_clear_pointer(&f->outbox, g_ptr_array_unref);
}

static gboolean strings(ChStore *s, GPtrArray *into, const char *sql, gint64 id, GError **error)
{
	g_auto(GStrv) v = ch_store_strv(s, error, sql, "i", id);
	if (!v)
		return FALSE;
	for (char **p = v; *p; p++)
		g_ptr_array_add(into, g_steal_pointer(p));
	return TRUE;
}

/* Outbox rows (id and kind) of a query. */
static gboolean outbox_rows(ChStore *s, GPtrArray *into, const char *sql, const char *types,
                            gint64 id, const char *key, GError **error)
{
	sqlite3_stmt *st = key ? ch_store_query(s, error, sql, types, key)
	                       : ch_store_query(s, error, sql, types, id);
	if (!st)
		return FALSE;
	GError *local = NULL;
	while (ch_store_step(s, st, &local)) {
		ChStoreOutboxRow *r = g_new0(ChStoreOutboxRow, 1);
		r->id = sqlite3_column_int64(st, 0);
		r->kind = ch_store_col_str(st, 1);
		g_ptr_array_add(into, r);
	}
	if (local) {
		g_propagate_error(error, local);
		return FALSE;
	}
	return TRUE;
}

gboolean ch_store_retention_files(ChStore *s, gint64 id, ChStoreRetentionFiles *f,
                                  GError **error)
{
	f->raw_paths = g_ptr_array_new_with_free_func(g_free);
	f->report_files = g_ptr_array_new_with_free_func(g_free);
	f->outbox = g_ptr_array_new_with_free_func((GDestroyNotify)ch_store_outbox_row_free);
	return strings(s, f->raw_paths,
	               "SELECT raw_path FROM message WHERE conference_id = ?"
	               " AND raw_path IS NOT NULL",
	               id, error) &&
	       strings(s, f->report_files,
	               "SELECT file FROM report WHERE conference_id = ?1 AND file IS NOT NULL"
	               " UNION SELECT file FROM attachment WHERE conference_id = ?1",
	               id, error) &&
	       outbox_rows(s, f->outbox, "SELECT id, kind FROM outbox WHERE conference_id = ?", "i",
	                   id, NULL, error);
}

/* Inbound mail linked to no conference, received before the cut-off; a message still being
 * retried (failing), or named by a report or attachment, stays. */
static const char unlinked_sql[] =
	"SELECT m.id, m.fingerprint, m.raw_path FROM message m"
	" WHERE m.conference_id IS NULL AND m.state <> 'failing'"
	"   AND julianday(m.received_at) < julianday(?)"
	"   AND NOT EXISTS (SELECT 1 FROM triage t WHERE t.message = m.id"
	"                   AND t.conference_id IS NOT NULL)"
	"   AND NOT EXISTS (SELECT 1 FROM report r WHERE r.message = m.id)"
	"   AND NOT EXISTS (SELECT 1 FROM attachment a WHERE a.message = m.id)"
	" ORDER BY m.id";

static void unlinked_free(ChStoreUnlinked *u)
{
	g_free(u->fingerprint);
	g_free(u->raw_path);
	if (u->alerts)
		g_ptr_array_unref(u->alerts);
	g_free(u);
}

GPtrArray *ch_store_retention_unlinked(ChStore *s, const char *before, GError **error)
{
	sqlite3_stmt *st = ch_store_query(s, error, unlinked_sql, "s", before);
	if (!st)
		return NULL;
	g_autoptr(GPtrArray) out = g_ptr_array_new_with_free_func((GDestroyNotify)unlinked_free);
	GError *local = NULL;
	while (ch_store_step(s, st, &local)) {
		ChStoreUnlinked *u = g_new0(ChStoreUnlinked, 1);
		u->id = sqlite3_column_int64(st, 0);
		u->fingerprint = ch_store_col_str(st, 1);
		u->raw_path = ch_store_col_str(st, 2);
		g_ptr_array_add(out, u);
	}
	if (local) {
		g_propagate_error(error, local);
		return NULL;
	}
	/* Read after the walk above: each statement is cached by its text and one at a time. */
	for (guint i = 0; i < out->len; i++) {
		ChStoreUnlinked *u = out->pdata[i];
		const char *fp = u->fingerprint ? u->fingerprint : "";
		g_autofree char *key = g_strdup_printf("triage:%s", fp);
		g_autofree char *source = g_strdup_printf("message:%s", fp);
		gint64 audit = 0;
		u->alerts = g_ptr_array_new_with_free_func((GDestroyNotify)ch_store_outbox_row_free);
		if (!outbox_rows(s, u->alerts,
		                 "SELECT id, kind FROM outbox WHERE conference_id IS NULL"
		                 " AND state IN ('sent','failed') AND event_key = ?",
		                 "s", 0, key, error) ||
		    !count(s, &u->triage, "SELECT count(*) FROM triage WHERE message = ?", u->id,
		           error) ||
		    !ch_store_get_int(s, &audit, 0, error,
		                      "SELECT count(*) FROM audit WHERE conference_id"
		                      " IS NULL AND source = ?",
		                      "s", source))
			return NULL;
		u->audit = (guint)audit;
	}
	return g_steal_pointer(&out);
}

gboolean ch_store_retention_file_named(ChStore *s, const char *rel, const char *prefixed,
                                       const char *path, gboolean *named_r, GError **error)
{
	gint64 v = 1;
	if (!ch_store_get_int(s, &v, 1, error,
	                      "SELECT EXISTS(SELECT 1 FROM report WHERE file IN (?1, ?2, ?3))"
	                      " OR EXISTS(SELECT 1 FROM attachment WHERE file = ?1)",
	                      "sss", rel, prefixed, path))
		return FALSE;
	*named_r = v != 0;
	return TRUE;
}

/* Children first: the foreign keys are on. */
static const char *const delete_sql[] = {
	"DELETE FROM attachment WHERE conference_id = ?",
	"DELETE FROM triage WHERE conference_id = ? OR message IN"
	" (SELECT id FROM message WHERE conference_id = ?1)",
	"DELETE FROM report WHERE conference_id = ?",
	"DELETE FROM escalation WHERE conference_id = ?",
	"DELETE FROM token WHERE conference_id = ?",
	"DELETE FROM outbox WHERE conference_id = ?",
	"DELETE FROM task WHERE conference_id = ?",
	"DELETE FROM safety_alert WHERE conference_id = ?",
	"DELETE FROM message WHERE conference_id = ?",
	"DELETE FROM attendee WHERE conference_id = ?",
	"DELETE FROM audit WHERE conference_id = ?",
	"DELETE FROM conference WHERE id = ?",
};

static const char *const unlinked_delete_sql[] = {
	"DELETE FROM triage WHERE message = ?",
	"DELETE FROM audit WHERE conference_id IS NULL AND source = 'message:' ||"
	" (SELECT fingerprint FROM message WHERE id = ?1)",
	"DELETE FROM outbox WHERE conference_id IS NULL AND state IN ('sent','failed')"
	" AND event_key = 'triage:' || (SELECT fingerprint FROM message WHERE id = ?1)",
	"DELETE FROM message WHERE id = ?",
};

gboolean ch_store_retention_delete(ChStore *s, GArray *conference_ids, GArray *unlinked_ids,
                                   GError **error)
{
	gboolean ok = ch_store_run(s, error, "INSERT INTO purge_window(reason) VALUES(?)", "s",
	                           "retention");
	for (guint i = 0; ok && i < unlinked_ids->len; i++)
		for (guint k = 0; ok && k < G_N_ELEMENTS(unlinked_delete_sql); k++)
			ok = ch_store_run(s, error, unlinked_delete_sql[k], "i",
			                  g_array_index(unlinked_ids, gint64, i));
	for (guint i = 0; ok && i < conference_ids->len; i++)
		for (guint k = 0; ok && k < G_N_ELEMENTS(delete_sql); k++)
			ok = ch_store_run(s, error, delete_sql[k], "i",
			                  g_array_index(conference_ids, gint64, i));
	return ok && ch_store_run(s, error, "DELETE FROM purge_window", "");
}
