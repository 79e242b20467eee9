#include "store/store-private.h"

#include <fcntl.h>
#include <stdarg.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "store/schema.h"
#include "util/error.h"

struct ChStore {
	sqlite3 *db;
	GHashTable *stmts; /* SQL text -> sqlite3_stmt* */
	gboolean in_tx;
	gboolean in_batch;     /* between ch_store_batch_begin and _end */
	gboolean batch_open;   /* the batch's own transaction has begun */
	gboolean batch_broken; /* and something of it was rolled back */
};

static void set_sql_error(ChStore *s, GError **error, const char *what)
{
	int code = sqlite3_extended_errcode(s->db);
	int primary = code & 0xff;
	ChErrorCode c = (primary == SQLITE_BUSY || primary == SQLITE_LOCKED ||
	                 primary == SQLITE_IOERR || primary == SQLITE_FULL)
	                    ? CH_ERROR_TEMPORARY
	                    : CH_ERROR_FINAL;
	g_set_error(error, CH_ERROR, c, "%s: %s", what, sqlite3_errmsg(s->db));
}

static void finalize_stmt(gpointer p)
{
	sqlite3_finalize(p);
}

ChStore *ch_store_open(const char *path, GError **error)
{
	ChStore *s = g_new0(ChStore, 1);
	s->stmts = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, finalize_stmt);
	/* Create the file readable by the service alone before SQLite opens it; the -wal and
	 * -shm files SQLite makes take the same mode. Only when it is not there: close() of any
	 * descriptor of a file drops every POSIX lock this process holds on it, so opening and
	 * closing the database beside a connection already open (the console's threads each
	 * open their own) dropped that connection's lock; the next chaser command to close
	 * then took itself for the last, checkpointed and deleted the WAL under the open
	 * connection, and what it committed afterwards was lost. */
	int fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd >= 0) {
		close(fd);
	} else if (errno != EEXIST) {
		g_set_error(error, CH_ERROR, CH_ERROR_CONFIG, "cannot open database %s: %s", path,
		            g_strerror(errno));
		ch_store_close(s);
		return NULL;
	}
	int rc = sqlite3_open_v2(path, &s->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL);
	if (rc != SQLITE_OK) {
		g_set_error(error, CH_ERROR, CH_ERROR_CONFIG, "cannot open database %s: %s", path,
		            s->db ? sqlite3_errmsg(s->db) : sqlite3_errstr(rc));
		ch_store_close(s);
		return NULL;
	}
	sqlite3_extended_result_codes(s->db, 1);
	sqlite3_busy_timeout(s->db, 10000);
	sqlite3_stmt *st = NULL;
	gboolean wal = FALSE;
	if (sqlite3_prepare_v2(s->db, "PRAGMA journal_mode=WAL", -1, &st, NULL) == SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_ROW)
		wal = !g_ascii_strcasecmp((const char *)sqlite3_column_text(st, 0), "wal");
	sqlite3_finalize(st);
	/* FULL, not NORMAL: a commit here guards an outside effect (a message moved, a mail
	 * sent), so it must survive a power cut, not only a crash. Temporary storage in memory:
	 * each message of an intake batch is a savepoint (below), whose journal holds the pages
	 * it changes; past 64 KiB SQLite moved it to an unnamed file in /var/tmp, so the
	 * database's pages (a child's name among them) went to a second disk, a write call per
	 * page. Released with each message, that journal stays one message's pages. */
	if (!wal || sqlite3_exec(s->db, "PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON; "
	                         "PRAGMA temp_store=MEMORY;", NULL, NULL, NULL) != SQLITE_OK) {
		g_set_error(error, CH_ERROR, CH_ERROR_CONFIG,
		            "database %s: cannot set WAL mode and synchronous=FULL (%s)", path,
		            sqlite3_errmsg(s->db));
		ch_store_close(s);
		return NULL;
	}
	if (!ch_schema_migrate(s->db, error)) {
		ch_store_close(s);
		return NULL;
	}
	return s;
}

void ch_store_close(ChStore *s)
{
	if (!s)
		return;
	g_hash_table_destroy(s->stmts);
	if (s->db)
		sqlite3_close(s->db);
	g_free(s);
}

int ch_store_schema_version(ChStore *s, GError **error)
{
	gint64 v = -1;
	if (!ch_store_get_int(s, &v, -1, error, "PRAGMA user_version", ""))
		return -1;
	return (int)v;
}

/* Inside a batch each transaction is a savepoint of the batch's one, begun with the first
 * of them (so that the write lock is not held while the driver waits for the server). A
 * savepoint rolled back takes back only its own changes. SQLite may itself end the whole
 * transaction on an error (disk full, I/O): that is seen here, since it is in autocommit
 * again, and the batch is broken, whatever happens to it after. */
static gboolean batch_savepoint(ChStore *s, GError **error)
{
	if (s->batch_open && sqlite3_get_autocommit(s->db)) {
		s->batch_broken = TRUE;
		s->batch_open = FALSE;
	}
	if (!s->batch_open) {
		if (sqlite3_exec(s->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK) {
			set_sql_error(s, error, "begin");
			return FALSE;
		}
		s->batch_open = TRUE;
	}
	if (sqlite3_exec(s->db, "SAVEPOINT message", NULL, NULL, NULL) != SQLITE_OK) {
		set_sql_error(s, error, "begin");
		return FALSE;
	}
	s->in_tx = TRUE;
	return TRUE;
}

gboolean ch_store_begin(ChStore *s, GError **error)
{
	g_return_val_if_fail(!s->in_tx, FALSE);
	if (s->in_batch)
		return batch_savepoint(s, error);
	if (sqlite3_exec(s->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK) {
		set_sql_error(s, error, "begin");
		return FALSE;
	}
	s->in_tx = TRUE;
	return TRUE;
}

gboolean ch_store_commit(ChStore *s, GError **error)
{
	const char *sql = s->in_batch ? "RELEASE message" : "COMMIT";
	if (sqlite3_exec(s->db, sql, NULL, NULL, NULL) != SQLITE_OK) {
		set_sql_error(s, error, "commit");
		ch_store_rollback(s);
		return FALSE;
	}
	s->in_tx = FALSE;
	return TRUE;
}

void ch_store_rollback(ChStore *s)
{
	if (s->in_batch) {
		/* Only the savepoint: what the batch did before it stays, to be committed. */
		if (s->in_tx && !sqlite3_get_autocommit(s->db) &&
		    sqlite3_exec(s->db, "ROLLBACK TO message; RELEASE message", NULL, NULL, NULL) ==
		        SQLITE_OK) {
			s->in_tx = FALSE;
			return;
		}
		if (s->in_tx) {
			sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
			s->batch_broken = TRUE;
			s->batch_open = FALSE;
		}
		s->in_tx = FALSE;
		return;
	}
	if (s->in_tx || !sqlite3_get_autocommit(s->db))
		sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
	s->in_tx = FALSE;
}

gboolean ch_store_batch_begin(ChStore *s)
{
	g_return_val_if_fail(!s->in_tx && !s->in_batch, FALSE);
	s->in_batch = TRUE;
	s->batch_open = FALSE;
	s->batch_broken = FALSE;
	return TRUE;
}

void ch_store_batch_abandon(ChStore *s)
{
	g_return_if_fail(s->in_batch && !s->in_tx);
	if (s->batch_open && !sqlite3_get_autocommit(s->db))
		sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
	s->in_batch = s->batch_open = FALSE;
}

gboolean ch_store_batch_end(ChStore *s, GError **error)
{
	g_return_val_if_fail(s->in_batch && !s->in_tx, FALSE);
	s->in_batch = FALSE;
	if (s->batch_open && sqlite3_get_autocommit(s->db))
		s->batch_broken = TRUE;
	else if (s->batch_open && sqlite3_exec(s->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) {
		set_sql_error(s, error, "commit");
		sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
		s->batch_open = FALSE;
		return FALSE;
	}
	s->batch_open = FALSE;
	if (s->batch_broken)
		g_set_error(error, CH_ERROR, CH_ERROR_TEMPORARY,
		            "a batch of messages was rolled back by the database");
	return !s->batch_broken;
}

static sqlite3_stmt *prepare(ChStore *s, const char *sql, GError **error)
{
	sqlite3_stmt *st = g_hash_table_lookup(s->stmts, sql);
	if (st) {
		sqlite3_reset(st);
		sqlite3_clear_bindings(st);
		return st;
	}
	if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) != SQLITE_OK) {
		set_sql_error(s, error, "prepare");
		return NULL;
	}
	g_hash_table_insert(s->stmts, g_strdup(sql), st);
	return st;
}

static sqlite3_stmt *vquery(ChStore *s, GError **error, const char *sql, const char *types,
                            va_list ap)
{
	sqlite3_stmt *st = prepare(s, sql, error);
	if (!st)
		return NULL;
	for (int i = 0; types[i]; i++) {
		int rc = SQLITE_OK;
		switch (types[i]) {
		case 's': {
			const char *v = va_arg(ap, const char *);
			rc = v ? sqlite3_bind_text(st, i + 1, v, -1, SQLITE_TRANSIENT)
			       : sqlite3_bind_null(st, i + 1);
			break;
		}
		case 'i':
			rc = sqlite3_bind_int64(st, i + 1, va_arg(ap, gint64));
			break;
		case 'b': {
			GBytes *b = va_arg(ap, GBytes *);
			gsize n = 0;
			const void *p = b ? g_bytes_get_data(b, &n) : NULL;
			rc = b ? sqlite3_bind_blob64(st, i + 1, p ? p : "", n, SQLITE_TRANSIENT)
			       : sqlite3_bind_null(st, i + 1);
			break;
		}
		default:
			g_error("store: bad bind type '%c' for %s", types[i], sql);
		}
		if (rc != SQLITE_OK) {
			set_sql_error(s, error, "bind");
			return NULL;
		}
	}
	return st;
}

sqlite3_stmt *ch_store_query(ChStore *s, GError **error, const char *sql, const char *types, ...)
{
	va_list ap;
	va_start(ap, types);
	sqlite3_stmt *st = vquery(s, error, sql, types, ap);
	va_end(ap);
	return st;
}

gboolean ch_store_step(ChStore *s, sqlite3_stmt *st, GError **error)
{
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		return TRUE;
	if (rc != SQLITE_DONE)
		set_sql_error(s, error, "step");
	/* Reset at once so the statement holds no read snapshot open (that would stop WAL
	 * checkpoints and let the -wal file grow). */
	sqlite3_reset(st);
	return FALSE;
}

gboolean ch_store_first(ChStore *s, sqlite3_stmt *st, gboolean *there_r, GError **error)
{
	GError *local = NULL;
	*there_r = ch_store_step(s, st, &local);
	if (local) {
		g_propagate_error(error, local);
		return FALSE;
	}
	return TRUE;
}

gboolean ch_store_run(ChStore *s, GError **error, const char *sql, const char *types, ...)
{
	va_list ap;
	va_start(ap, types);
	sqlite3_stmt *st = vquery(s, error, sql, types, ap);
	va_end(ap);
	if (!st)
		return FALSE;
	int rc = sqlite3_step(st);
	sqlite3_reset(st);
	if (rc != SQLITE_DONE && rc != SQLITE_ROW) {
		set_sql_error(s, error, "write");
		return FALSE;
	}
	return TRUE;
}

gint64 ch_store_last_id(ChStore *s)
{
	return sqlite3_last_insert_rowid(s->db);
}

gboolean ch_store_get_int(ChStore *s, gint64 *out, gint64 def, GError **error, const char *sql,
                          const char *types, ...)
{
	va_list ap;
	va_start(ap, types);
	sqlite3_stmt *st = vquery(s, error, sql, types, ap);
	va_end(ap);
	if (!st)
		return FALSE;
	*out = def;
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW && sqlite3_column_type(st, 0) != SQLITE_NULL)
		*out = sqlite3_column_int64(st, 0);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
		set_sql_error(s, error, "step");
		sqlite3_reset(st);
		return FALSE;
	}
	sqlite3_reset(st);
	return TRUE;
}

char **ch_store_strv(ChStore *s, GError **error, const char *sql, const char *types, ...)
{
	va_list ap;
	va_start(ap, types);
	sqlite3_stmt *st = vquery(s, error, sql, types, ap);
	va_end(ap);
	if (!st)
		return NULL;
	GPtrArray *out = g_ptr_array_new();
	GError *local = NULL;
	while (ch_store_step(s, st, &local))
		g_ptr_array_add(out, ch_store_col_str(st, 0));
	g_ptr_array_add(out, NULL);
	char **v = (char **)g_ptr_array_free(out, FALSE);
	if (local) {
		g_propagate_error(error, local);
		g_clear_pointer(&v, g_strfreev);
	}
	return v;
}

char *ch_store_col_str(sqlite3_stmt *st, int col)
{
	const unsigned char *t = sqlite3_column_text(st, col);
	return t ? g_strdup((const char *)t) : NULL;
}

gboolean ch_store_audit(ChStore *s, const char *at, gint64 conference_id, const char *source,
                        const char *what, const char *object, const char *old_value,
                        const char *new_value, const char *detail, GError **error)
{
	if (conference_id > 0)
		return ch_store_run(s, error,
		                    "INSERT INTO audit(at, conference_id, source, what, object, old, new, "
		                    "detail) VALUES(?,?,?,?,?,?,?,?)",
		                    "sissssss", at, conference_id, source, what, object, old_value,
		                    new_value, detail);
	return ch_store_run(s, error,
	                    "INSERT INTO audit(at, conference_id, source, what, object, old, new, "
	                    "detail) VALUES(?,NULL,?,?,?,?,?,?)",
	                    "sssssss", at, source, what, object, old_value, new_value, detail);
}
