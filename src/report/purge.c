#include "report/purge.h"

#include <errno.h>
#include <string.h>
#include <glib/gstdio.h>

#include "store/cases.h"
#include "util/clock.h"
#include "util/durable.h"
#include "util/error.h"

/* Finished (ch_store_finished_sql: the one definition, in SQL) and quiet before the
 * cut-off. julianday() reads the stored offsets, so GMT and BST times compare as instants. */
static char *candidates_sql(void)
{
	g_autofree char *finished = ch_store_finished_sql("c");
	return g_strdup_printf(
		"SELECT c.id, c.ref FROM conference c WHERE %s"
		"   AND coalesce((SELECT max(julianday(a.at)) FROM audit a WHERE a.conference_id = c.id),"
		"                julianday(c.created_at)) < julianday(?)"
		" ORDER BY c.id",
		finished);
}

static guint count(ChStore *s, const char *sql, gint64 id)
{
	return (guint)ch_store_int(s, 0, sql, "i", id);
}

/* A report file is named relative to spool/reports/; anything that would lead out of that
 * folder is left alone. */
static char *report_file_path(ChApp *app, const char *file)
{
	g_autofree char *dir = g_build_filename(app->cfg->spool, "reports", NULL);
	const char *rel = file;
	if (g_path_is_absolute(file)) {
		if (!g_str_has_prefix(file, dir) || file[strlen(dir)] != '/')
			return NULL;
		rel = file + strlen(dir) + 1;
	} else if (g_str_has_prefix(file, "reports/")) {
		rel = file + strlen("reports/");
	}
	if (!*rel || strstr(rel, ".."))
		return NULL;
	return g_build_filename(dir, rel, NULL);
}

/* Does a row that stays still name this report file? Reports and attachments are kept by
 * content, so two cases sent the same PDF share one file: it goes with the last row naming
 * it. */
static gboolean is_report_file(ChApp *app, const char *path)
{
	g_autofree char *dir = g_build_filename(app->cfg->spool, "reports", NULL);
	return g_str_has_prefix(path, dir) && path[strlen(dir)] == '/';
}

static gboolean still_named(ChApp *app, const char *path)
{
	g_autofree char *dir = g_build_filename(app->cfg->spool, "reports", NULL);
	const char *rel = path + strlen(dir) + 1;
	g_autofree char *prefixed = g_strdup_printf("reports/%s", rel);
	return ch_store_int(app->store, 1,
	                    "SELECT EXISTS(SELECT 1 FROM report WHERE file IN (?1, ?2, ?3))"
	                    " OR EXISTS(SELECT 1 FROM attachment WHERE file = ?1)",
	                    "sss", rel, prefixed, path) != 0;
}

/* The files of one conference, named before its rows go; a failed read stops the purge. */
static gboolean collect_files(ChApp *app, gint64 id, GPtrArray *files, GError **error)
{
	ChStore *s = app->store;
	GError *local = NULL;
	g_autofree char *messages = g_build_filename(app->cfg->spool, "messages", NULL);
	sqlite3_stmt *st = ch_store_query(s, error,
	                                  "SELECT raw_path FROM message WHERE conference_id = ?"
	                                  " AND raw_path IS NOT NULL",
	                                  "i", id);
	while (st && ch_store_step(s, st, &local)) {
		const char *raw = (const char *)sqlite3_column_text(st, 0);
		if (raw && *raw && !strchr(raw, '/'))
			g_ptr_array_add(files, g_build_filename(messages, raw, NULL));
	}
	if (!st || local)
		goto fail;
	st = ch_store_query(s, error,
	                    "SELECT file FROM report WHERE conference_id = ?1 AND file IS NOT NULL"
	                    " UNION SELECT file FROM attachment WHERE conference_id = ?1",
	                    "i", id);
	while (st && ch_store_step(s, st, &local)) {
		char *path = report_file_path(app, (const char *)sqlite3_column_text(st, 0));
		if (path)
			g_ptr_array_add(files, path);
	}
	if (!st || local)
		goto fail;
	/* The spool transport keeps each sent message as NNNNNN-kind.eml (outbox id). */
	st = ch_store_query(s, error, "SELECT id, kind FROM outbox WHERE conference_id = ?", "i", id);
	while (st && ch_store_step(s, st, &local)) {
		g_autofree char *name = g_strdup_printf("%06" G_GINT64_FORMAT "-%s.eml",
		                                        (gint64)sqlite3_column_int64(st, 0),
		                                        sqlite3_column_text(st, 1));
		if (!strchr(name, '/'))
			g_ptr_array_add(files, g_build_filename(app->cfg->outgoing_dir, name, NULL));
	}
	if (!st || local)
		goto fail;
	return TRUE;
fail:
	if (local)
		g_propagate_error(error, local);
	return FALSE;
}

static void count_one(ChStore *s, gint64 id, ChPurgeCounts *c)
{
	c->conferences++;
	c->attendees += count(s, "SELECT count(*) FROM attendee WHERE conference_id = ?", id);
	c->escalations += count(s, "SELECT count(*) FROM escalation WHERE conference_id = ?", id);
	c->reports += count(s, "SELECT count(*) FROM report WHERE conference_id = ?", id);
	c->tokens += count(s, "SELECT count(*) FROM token WHERE conference_id = ?", id);
	c->outbox += count(s, "SELECT count(*) FROM outbox WHERE conference_id = ?", id);
	c->tasks += count(s, "SELECT count(*) FROM task WHERE conference_id = ?", id);
	c->triage += count(s, "SELECT count(*) FROM triage WHERE conference_id = ? OR message IN"
	                      " (SELECT id FROM message WHERE conference_id = ?1)",
	                   id);
	c->messages += count(s, "SELECT count(*) FROM message WHERE conference_id = ?", id);
	c->audit += count(s, "SELECT count(*) FROM audit WHERE conference_id = ?", id);
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
	"DELETE FROM message WHERE conference_id = ?",
	"DELETE FROM attendee WHERE conference_id = ?",
	"DELETE FROM audit WHERE conference_id = ?",
	"DELETE FROM conference WHERE id = ?",
};

char *ch_purge_counts_text(const ChPurgeCounts *c)
{
	return g_strdup_printf("%u conference%s, %u attendees, %u escalations, %u post-conference "
	                       "reports, %u reply tokens, %u outgoing messages, %u tasks, %u triage "
	                       "items, %u inbound messages, %u audit lines, %u stored files",
	                       c->conferences, c->conferences == 1 ? "" : "s", c->attendees,
	                       c->escalations, c->reports, c->tokens, c->outbox, c->tasks, c->triage,
	                       c->messages, c->audit, c->files);
}

/* Inbound mail linked to no conference: triage that matched none (open, released or dropped),
 * automatic, bounced or own mail that named no case, and quarantine with no case. Nothing
 * will ever join it to a case, and without this it would stay for ever with its sender's
 * address and raw bytes. It goes when it was received before the cut-off, as a conference
 * goes after its last activity, with its triage rows, its audit lines (no conference, the
 * message as source), admin's triage alert about it once that was sent or failed, and its
 * raw file. A message still being retried (failing), or named by a report or attachment,
 * stays. */
static const char unlinked_sql[] =
	"SELECT m.id, m.fingerprint, m.raw_path FROM message m"
	" WHERE m.conference_id IS NULL AND m.state <> 'failing'"
	"   AND julianday(m.received_at) < julianday(?)"
	"   AND NOT EXISTS (SELECT 1 FROM triage t WHERE t.message = m.id"
	"                   AND t.conference_id IS NOT NULL)"
	"   AND NOT EXISTS (SELECT 1 FROM report r WHERE r.message = m.id)"
	"   AND NOT EXISTS (SELECT 1 FROM attachment a WHERE a.message = m.id)"
	" ORDER BY m.id";

static const char *const unlinked_delete_sql[] = {
	"DELETE FROM triage WHERE message = ?",
	"DELETE FROM audit WHERE conference_id IS NULL AND source = 'message:' ||"
	" (SELECT fingerprint FROM message WHERE id = ?1)",
	"DELETE FROM outbox WHERE conference_id IS NULL AND state IN ('sent','failed')"
	" AND event_key = 'triage:' || (SELECT fingerprint FROM message WHERE id = ?1)",
	"DELETE FROM message WHERE id = ?",
};

static gboolean collect_unlinked(ChApp *app, const char *before_s, GArray *ids,
                                 GPtrArray *files, ChPurgeCounts *c, GError **error)
{
	ChStore *s = app->store;
	GError *local = NULL;
	g_autofree char *messages = g_build_filename(app->cfg->spool, "messages", NULL);
	sqlite3_stmt *st = ch_store_query(s, error, unlinked_sql, "s", before_s);
	while (st && ch_store_step(s, st, &local)) {
		gint64 id = sqlite3_column_int64(st, 0);
		const char *fp = (const char *)sqlite3_column_text(st, 1);
		const char *raw = (const char *)sqlite3_column_text(st, 2);
		g_array_append_val(ids, id);
		if (raw && *raw && !strchr(raw, '/'))
			g_ptr_array_add(files, g_build_filename(messages, raw, NULL));
		g_autofree char *key = g_strdup_printf("triage:%s", fp ? fp : "");
		g_autofree char *source = g_strdup_printf("message:%s", fp ? fp : "");
		sqlite3_stmt *o = ch_store_query(s, NULL,
		                                 "SELECT id, kind FROM outbox WHERE conference_id IS NULL"
		                                 " AND state IN ('sent','failed') AND event_key = ?",
		                                 "s", key);
		while (o && ch_store_step(s, o, NULL)) {
			g_autofree char *name = g_strdup_printf("%06" G_GINT64_FORMAT "-%s.eml",
			                                        (gint64)sqlite3_column_int64(o, 0),
			                                        sqlite3_column_text(o, 1));
			if (!strchr(name, '/'))
				g_ptr_array_add(files, g_build_filename(app->cfg->outgoing_dir, name, NULL));
			c->outbox++;
		}
		c->messages++;
		c->triage += count(s, "SELECT count(*) FROM triage WHERE message = ?", id);
		c->audit += (guint)ch_store_int(s, 0, "SELECT count(*) FROM audit WHERE conference_id"
		                                      " IS NULL AND source = ?", "s", source);
	}
	if (!st || local) {
		if (local)
			g_propagate_error(error, local);
		return FALSE;
	}
	return TRUE;
}

/* Long because the whole purge is one transaction, read then delete, and must stay one: the
 * candidates, their files and the unlinked messages are gathered, counted (for a dry run, or
 * the audit line), deleted inside the purge window the triggers allow, and the files removed
 * only after the commit. Split, the steps would pass the same five locals around. */
gboolean ch_purge(ChApp *app, GDateTime *before, gboolean dry_run, ChPurgeCounts *counts,
                  GPtrArray *refs_r, GError **error)
{
	ChStore *s = app->store;
	memset(counts, 0, sizeof *counts);
	g_autofree char *before_s = ch_clock_format(before);
	g_autoptr(GDateTime) now = ch_clock_now();
	g_autofree char *now_s = ch_clock_format(now);
	if (!ch_store_begin(s, error))
		return FALSE;
	g_autoptr(GArray) ids = g_array_new(FALSE, FALSE, sizeof(gint64));
	GError *local = NULL;
	g_autofree char *sql = candidates_sql();
	sqlite3_stmt *st = ch_store_query(s, error, sql, "s", before_s);
	while (st && ch_store_step(s, st, &local)) {
		gint64 id = sqlite3_column_int64(st, 0);
		g_array_append_val(ids, id);
		if (refs_r)
			g_ptr_array_add(refs_r, ch_store_col_str(st, 1));
	}
	if (!st || local) {
		if (local)
			g_propagate_error(error, local);
		ch_store_rollback(s);
		return FALSE;
	}
	g_autoptr(GPtrArray) files = g_ptr_array_new_with_free_func(g_free);
	for (guint i = 0; i < ids->len; i++) {
		gint64 id = g_array_index(ids, gint64, i);
		count_one(s, id, counts);
		if (!collect_files(app, id, files, error)) {
			ch_store_rollback(s);
			return FALSE;
		}
	}
	g_autoptr(GArray) unlinked = g_array_new(FALSE, FALSE, sizeof(gint64));
	if (!collect_unlinked(app, before_s, unlinked, files, counts, error)) {
		ch_store_rollback(s);
		return FALSE;
	}
	for (guint i = 0; i < files->len; i++)
		counts->files += g_file_test(files->pdata[i], G_FILE_TEST_EXISTS);
	if (dry_run || (!ids->len && !unlinked->len)) {
		ch_store_rollback(s);
		return TRUE;
	}
	gboolean ok = ch_store_run(s, error, "INSERT INTO purge_window(reason) VALUES(?)", "s",
	                           "retention");
	for (guint i = 0; ok && i < unlinked->len; i++)
		for (guint k = 0; ok && k < G_N_ELEMENTS(unlinked_delete_sql); k++)
			ok = ch_store_run(s, error, unlinked_delete_sql[k], "i",
			                  g_array_index(unlinked, gint64, i));
	for (guint i = 0; ok && i < ids->len; i++)
		for (guint k = 0; ok && k < G_N_ELEMENTS(delete_sql); k++)
			ok = ch_store_run(s, error, delete_sql[k], "i", g_array_index(ids, gint64, i));
	ok = ok && ch_store_run(s, error, "DELETE FROM purge_window", "");
	g_autofree char *what = ch_purge_counts_text(counts);
	g_autofree char *line = g_strdup_printf("removed %s; last activity before %s", what,
	                                        before_s);
	ok = ok && ch_store_audit(s, now_s, 0, "cli", ch_audit_name(CH_AUDIT_RETENTION_PURGE), NULL,
	                          NULL, NULL, line, error) &&
	     ch_store_commit(s, error);
	if (!ok) {
		ch_store_rollback(s);
		return FALSE;
	}
	/* Only now that no row of these cases names them do the files go, and a shared report
	 * file only when no other row names it either. The look and the removal happen under the
	 * write lock: intake writes a report file inside its own write transaction, so no
	 * message can name a file again between the two. Were the lock not to be had, report
	 * files stay (a leftover, never a loss). */
	g_autoptr(GHashTable) dirs = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	counts->files = 0;
	gboolean locked = ch_store_begin(s, NULL);
	for (guint i = 0; i < files->len; i++) {
		const char *path = files->pdata[i];
		if (is_report_file(app, path) && (!locked || still_named(app, path)))
			continue;
		if (g_unlink(path) == 0) {
			counts->files++;
			g_hash_table_add(dirs, g_path_get_dirname(path));
		} else if (errno != ENOENT) {
			counts->files_failed++;
			g_printerr("chaser: cannot remove %s: %s\n", path, g_strerror(errno));
		}
	}
	if (locked)
		ch_store_rollback(s);
	GHashTableIter it;
	gpointer dir;
	g_hash_table_iter_init(&it, dirs);
	while (g_hash_table_iter_next(&it, &dir, NULL))
		ch_durable_sync_dir(dir, NULL);
	return TRUE;
}
