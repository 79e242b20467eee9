#include "report/purge.h"

#include <errno.h>
#include <string.h>
#include <sys/stat.h>
#include <glib/gstdio.h>

#include "store/outbox.h"
#include "store/retention.h"
#include "util/clock.h"
#include "util/durable.h"
#include "util/error.h"

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
	gboolean named = TRUE;
	GError *e = NULL;
	/* When the store cannot say, the file stays: a leftover, never a loss. */
	if (!ch_store_retention_file_named(app->store, rel, prefixed, path, &named, &e)) {
		g_printerr("chaser: keeping %s: %s\n", path, e->message);
		g_error_free(e);
		return TRUE;
	}
	return named;
}

/* The spool transport keeps each sent message as NNNNNN-kind.eml (outbox id). */
static void add_sent_copies(ChApp *app, GPtrArray *outbox, GPtrArray *files)
{
	for (guint i = 0; i < outbox->len; i++) {
		const ChStoreOutboxRow *o = outbox->pdata[i];
		g_autofree char *name = g_strdup_printf("%06" G_GINT64_FORMAT "-%s.eml", o->id,
		                                        o->kind);
		if (!strchr(name, '/'))
			g_ptr_array_add(files, g_build_filename(app->cfg->outgoing_dir, name, NULL));
	}
}

/* The files of one conference, named before its rows go; a failed read stops the purge. */
static gboolean collect_files(ChApp *app, gint64 id, GPtrArray *files, GError **error)
{
	g_autofree char *messages = g_build_filename(app->cfg->spool, "messages", NULL);
	ChStoreRetentionFiles f = { 0 };
	if (!ch_store_retention_files(app->store, id, &f, error)) {
		ch_store_retention_files_clear(&f);
		return FALSE;
	}
	for (guint i = 0; i < f.raw_paths->len; i++) {
		const char *raw = f.raw_paths->pdata[i];
		if (raw && *raw && !strchr(raw, '/'))
			g_ptr_array_add(files, g_build_filename(messages, raw, NULL));
	}
	for (guint i = 0; i < f.report_files->len; i++) {
		char *path = report_file_path(app, f.report_files->pdata[i]);
		if (path)
			g_ptr_array_add(files, path);
	}
	add_sent_copies(app, f.outbox, files);
	ch_store_retention_files_clear(&f);
	return TRUE;
}

static gboolean count_one(ChStore *s, gint64 id, ChPurgeCounts *c, GError **error)
{
	ChStoreRetentionCounts n = { 0 };
	if (!ch_store_retention_count(s, id, &n, error))
		return FALSE;
	c->conferences++;
	c->attendees += n.attendees;
	c->escalations += n.escalations;
	c->reports += n.reports;
	c->tokens += n.tokens;
	c->outbox += n.outbox;
	c->tasks += n.tasks;
	c->triage += n.triage;
	c->messages += n.messages;
	c->audit += n.audit;
	return TRUE;
}

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
 * stays (store/retention.c holds the query). */
static gboolean collect_unlinked(ChApp *app, const char *before_s, GArray *ids,
                                 GPtrArray *files, ChPurgeCounts *c, GError **error)
{
	g_autofree char *messages = g_build_filename(app->cfg->spool, "messages", NULL);
	g_autoptr(GPtrArray) unlinked = ch_store_retention_unlinked(app->store, before_s, error);
	if (!unlinked)
		return FALSE;
	for (guint i = 0; i < unlinked->len; i++) {
		const ChStoreUnlinked *u = unlinked->pdata[i];
		g_array_append_val(ids, u->id);
		if (u->raw_path && *u->raw_path && !strchr(u->raw_path, '/'))
			g_ptr_array_add(files, g_build_filename(messages, u->raw_path, NULL));
		add_sent_copies(app, u->alerts, files);
		c->outbox += u->alerts->len;
		c->messages++;
		c->triage += u->triage;
		c->audit += u->audit;
	}
	return TRUE;
}

/* Files are written piece by piece into a temporary ".incoming-" file and then renamed: a
 * decoded attachment in spool/reports (intake.c store_attachment), a large message fetched
 * in ranges in spool/messages (imap.c). A crash between the two leaves the temporary file,
 * which no row names and which may hold a report about a child. Retention covers it too: one
 * older than `before` and than an hour (no write takes that long, and the age is the
 * machine's clock, as the file's time is) goes, counted with the files. */
static void leftovers_in(const char *dir, gint64 limit, gboolean dry_run,
                         ChPurgeCounts *counts)
{
	g_autoptr(GDir) d = g_dir_open(dir, 0, NULL);
	gboolean removed = FALSE;
	const char *name;
	while (d && (name = g_dir_read_name(d))) {
		g_autofree char *path = g_build_filename(dir, name, NULL);
		GStatBuf st;
		if (!g_str_has_prefix(name, ".incoming-") || g_lstat(path, &st) != 0 ||
		    !S_ISREG(st.st_mode) || (gint64)st.st_mtime >= limit)
			continue;
		if (dry_run) {
			counts->files++;
		} else if (g_unlink(path) == 0) {
			counts->files++;
			removed = TRUE;
		} else if (errno != ENOENT) {
			counts->files_failed++;
			g_printerr("chaser: cannot remove %s: %s\n", path, g_strerror(errno));
		}
	}
	if (removed)
		ch_durable_sync_dir(dir, NULL);
}

static void leftovers(ChApp *app, GDateTime *before, gboolean dry_run, ChPurgeCounts *counts)
{
	gint64 limit = MIN(g_date_time_to_unix(before), g_get_real_time() / G_USEC_PER_SEC - 3600);
	static const char *const dirs[] = { "reports", "messages" };
	for (guint i = 0; i < G_N_ELEMENTS(dirs); i++) {
		g_autofree char *dir = g_build_filename(app->cfg->spool, dirs[i], NULL);
		leftovers_in(dir, limit, dry_run, counts);
	}
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
	if (!ch_store_retention_candidates(s, before_s, ids, refs_r, error)) {
		ch_store_rollback(s);
		return FALSE;
	}
	g_autoptr(GPtrArray) files = g_ptr_array_new_with_free_func(g_free);
	for (guint i = 0; i < ids->len; i++) {
		gint64 id = g_array_index(ids, gint64, i);
		if (!count_one(s, id, counts, error) || !collect_files(app, id, files, error)) {
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
		leftovers(app, before, dry_run, counts);
		return TRUE;
	}
	gboolean ok = ch_store_retention_delete(s, ids, unlinked, error);
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
	leftovers(app, before, FALSE, counts);
	return TRUE;
}
