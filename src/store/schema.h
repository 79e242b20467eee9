/* schema: the numbered migrations that build chaser's database.
 *
 * PRAGMA user_version holds the number of the last migration applied. Each migration runs
 * in its own transaction; a database newer than this program is refused rather than guessed
 * at. Migrations are only ever appended: a released one is never edited.
 */
#pragma once
#include <glib.h>
#include <sqlite3.h>

gboolean ch_schema_migrate(sqlite3 *db, GError **error);
int ch_schema_latest(void);
