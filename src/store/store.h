/* store: chaser's state in SQLite, and the one transaction idiom.
 *
 * ch_store_open() opens (or creates, mode 0600) the database in WAL mode with
 * synchronous=FULL and foreign keys on, then brings the schema up to date with the numbered
 * migrations in schema.c. Every change goes inside ch_store_begin()/ch_store_commit(): BEGIN
 * IMMEDIATE takes the write lock first, so a read-then-write can never lose a race, and one
 * inbound message's whole effect commits or none of it does. A failure between begin and
 * commit must be followed by ch_store_rollback().
 *
 * Statements are prepared once and cached by their SQL text. ch_store_run() binds by a type
 * string: 's' text (NULL binds NULL), 'i' gint64, 'b' a GBytes blob. Errors are
 * CH_ERROR_TEMPORARY when the database is busy or the disk failed, CH_ERROR_FINAL for a
 * constraint (a duplicate, a missing row), each with SQLite's message.
 */
#pragma once
#include <glib.h>
#include <sqlite3.h>

typedef struct ChStore ChStore;

ChStore *ch_store_open(const char *path, GError **error);
void ch_store_close(ChStore *s);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(ChStore, ch_store_close)

int ch_store_schema_version(ChStore *s);

gboolean ch_store_begin(ChStore *s, GError **error);
gboolean ch_store_commit(ChStore *s, GError **error);
void ch_store_rollback(ChStore *s);

/* A cached statement with its bindings applied, ready to step; reset by the next use. */
sqlite3_stmt *ch_store_query(ChStore *s, GError **error, const char *sql, const char *types, ...);
/* Runs a statement that returns no rows. */
gboolean ch_store_run(ChStore *s, GError **error, const char *sql, const char *types, ...);
/* Steps a query from ch_store_query: TRUE with a row, FALSE at the end or on error
 * (then *error is set). */
gboolean ch_store_step(ChStore *s, sqlite3_stmt *st, GError **error);
gint64 ch_store_last_id(ChStore *s);
/* One integer from a query (first column of the first row), or `def` when there is no row. */
gint64 ch_store_int(ChStore *s, gint64 def, const char *sql, const char *types, ...);
/* Column text copied (NULL stays NULL). */
char *ch_store_col_str(sqlite3_stmt *st, int col);

/* Audit: append one event. source names what caused it: "message:<sha256>", "timer",
 * "cli". The table refuses UPDATE and DELETE. */
gboolean ch_store_audit(ChStore *s, const char *at, gint64 conference_id, const char *source,
                        const char *what, const char *object, const char *old_value,
                        const char *new_value, const char *detail, GError **error);
