/* store-private: the SQLite plumbing the store modules share, and nobody else.
 *
 * Only the store's own .c files include this header: SQL text and sqlite3_ calls stay inside
 * the store, and every other part of chaser asks a store module (cases, messages, outbox,
 * due, mailbox, views) for plain values it then owns. tests/store-only.sh holds the line.
 *
 * Statements are prepared once and cached by their SQL text. The bind type string is 's' text
 * (NULL binds NULL), 'i' gint64, 'b' a GBytes blob. Errors are CH_ERROR_TEMPORARY when the
 * database is busy or the disk failed, CH_ERROR_FINAL for a constraint (a duplicate, a missing
 * row), each with SQLite's message.
 */
#pragma once
#include <glib.h>
#include <sqlite3.h>

#include "store/store.h"

/* A cached statement with its bindings applied, ready to step; reset by the next use. */
sqlite3_stmt *ch_store_query(ChStore *s, GError **error, const char *sql, const char *types, ...);
/* Runs a statement that returns no rows. */
gboolean ch_store_run(ChStore *s, GError **error, const char *sql, const char *types, ...);
/* Steps a query from ch_store_query: TRUE with a row, FALSE at the end or on error
 * (then *error is set). */
gboolean ch_store_step(ChStore *s, sqlite3_stmt *st, GError **error);
/* Steps a query to its first row: FALSE on error; else *there_r says whether a row came
 * (the caller reads it, then resets st). */
gboolean ch_store_first(ChStore *s, sqlite3_stmt *st, gboolean *there_r, GError **error);
gint64 ch_store_last_id(ChStore *s);
/* One integer (first column of the first row) into *out, or `def` when there is no row or
 * it is NULL. FALSE, with *error set, only when the query failed: a caller never mistakes a
 * busy database for "not there". */
gboolean ch_store_get_int(ChStore *s, gint64 *out, gint64 def, GError **error, const char *sql,
                          const char *types, ...);
/* Appends "'a','b'" to the GString out: the names (name(k), k from 0 to n-1) of the values
 * a predicate of the engine holds (want TRUE) or does not hold for (want FALSE). The SQL
 * that has to name states or purposes builds its IN lists this way from the engine's one
 * definition instead of spelling them. The names are the static tables of engine/names.c:
 * never text from outside. */
#define CH_STORE_NAME_LIST(out, n, name, pred, want)                                          \
	do {                                                                                      \
		for (int k_ = 0; k_ < (n); k_++)                                                      \
			if ((pred(k_) != 0) == (want) && name(k_))                                        \
				g_string_append_printf((out), "%s'%s'", (out)->len ? "," : "", name(k_));     \
	} while (0)

/* Column text copied (NULL stays NULL). */
char *ch_store_col_str(sqlite3_stmt *st, int col);
/* Every row of a query that reads one text column into a NULL-terminated vector; NULL on
 * error. */
char **ch_store_strv(ChStore *s, GError **error, const char *sql, const char *types, ...);
