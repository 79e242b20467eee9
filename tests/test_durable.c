/* Durability: a power cut at any instant loses nothing chaser said it kept.
 *
 * test_crash kills chaser with SIGKILL, but a killed process loses nothing the kernel holds:
 * what it wrote reaches the disk anyway, so a missing fsync cannot show there. Here chaser
 * runs under tests/support/fsfault (an LD_PRELOAD library, built as BUILD/tests/fsfault.so)
 * which keeps what a power cut would leave: a file's bytes as of its last fsync, a name in a
 * folder once that folder was fsynced after it (fsfault.c says the rules). The rules are
 * first shown on a few lines of Perl (a write never synced leaves nothing, a synced folder
 * with an unsynced file leaves an empty file, ...).
 *
 * The story, each step run by the real binary as a user would: `list send` (queued), `flush`
 * (the list and a report request written to spool/outgoing), then replies in the Maildir (the
 * chair authorising and escalating, the same bytes twice, the agency's report, a stranger, an
 * out-of-office, something unreadable, a message over the size limit), `poll`, `flush`,
 * `tick` a week on, `flush`.
 *
 * Once without a cut: each step's journal gives the order of what it did, and the test holds
 * it to write, fsync the file, rename, fsync the folder (or, for a batch of messages, write,
 * rename, and one syncfs for them all), commit, and only then move the message out of new/. Then for every step and every sync k it makes (and k = one more: just
 * after it ended), the step again from the same starting copy with the power cut before its
 * k-th sync. What the disk then holds must be what a user relies on:
 *   - the database opens and is whole, and `chaser reconcile` finds nothing dropped;
 *   - every message moved out of new/ is recorded, and every message is in exactly one of
 *     new/, cur/ and the quarantine;
 *   - every raw message, report and sent mail the database names is there with exactly its
 *     bytes, and no file is visible under its final name half-written;
 *   - running the step again ends where the run without a cut did.
 * CHASER_FSFAULT_SO names the library if it is not beside this program; CHASER_KEEP=1 keeps
 * the folders.
 */
#include <sqlite3.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <glib/gstdio.h>

#include "store/messages.h"
#include "store/store.h"
#include "support/harness.h"

#define SAM "sam.okafor@police.example.org"
#define LENA "lena.marsh@brookfield.example.net"
#define LIMIT "[limits]\nmax_message_size = 8192\n"

typedef struct {
	const char *argv[4];
	const char *now;
	gboolean replies_before; /* the Maildir gets its replies first */
} Step;

static const Step steps[] = {
	{ { "list", "send", H_REF, NULL }, "2026-11-23T09:30", FALSE },
	{ { "flush", NULL }, "2026-11-23T09:30", FALSE },
	{ { "poll", NULL }, "2026-11-24T09:10", TRUE },
	{ { "flush", NULL }, "2026-11-24T09:10", FALSE },
	{ { "tick", NULL }, "2026-12-02T10:00", FALSE },
	{ { "flush", NULL }, "2026-12-02T10:00", FALSE },
};
#define N_STEPS G_N_ELEMENTS(steps)

/* ---- running chaser, under the power-cut library or not ------------------------------------- */

static const char *fsfault_so(void)
{
	static char *path;
	if (!path) {
		const char *env = g_getenv("CHASER_FSFAULT_SO");
		g_autofree char *self = g_file_read_link("/proc/self/exe", NULL);
		g_autofree char *here = self ? g_path_get_dirname(self) : g_strdup("build/tests");
		path = env ? g_strdup(env) : g_build_filename(here, "fsfault.so", NULL);
		if (!g_file_test(path, G_FILE_TEST_IS_REGULAR))
			g_error("%s is missing: build it with make BUILD/tests/test_durable", path);
	}
	return path;
}

typedef struct {
	gboolean cut;  /* the power went (the library killed chaser) */
	int status;
	char *err;
} Run;

static void run_clear(Run *r)
{
	g_free(r->err);
}

/* chaser -c DIR/chaser.conf --now NOW ARGV... in dir. shim: under the library, with its
 * journal in log (may be NULL) and the power cut before sync cut_at (0: never). */
static Run run_in(const char *bin, const char *dir, const char *const *args, const char *now,
                  gboolean shim, const char *log, int cut_at)
{
	g_autofree char *conf = g_build_filename(dir, "chaser.conf", NULL);
	g_autoptr(GPtrArray) argv = g_ptr_array_new();
	g_ptr_array_add(argv, (char *)bin);
	g_ptr_array_add(argv, "-c");
	g_ptr_array_add(argv, conf);
	g_ptr_array_add(argv, "--now");
	g_ptr_array_add(argv, (char *)now);
	for (guint i = 0; args[i]; i++)
		g_ptr_array_add(argv, (char *)args[i]);
	g_ptr_array_add(argv, NULL);
	g_auto(GStrv) env = g_get_environ();
	env = g_environ_unsetenv(env, "CHASER_CRASH_AT");
	env = g_environ_unsetenv(env, "CHASER_CRASH_LOG");
	env = g_environ_unsetenv(env, "CHASER_FSFAULT_ROOT");
	env = g_environ_unsetenv(env, "CHASER_FSFAULT_LOG");
	env = g_environ_unsetenv(env, "CHASER_FSFAULT_CRASH_AT");
	if (shim) {
		env = g_environ_setenv(env, "LD_PRELOAD", fsfault_so(), TRUE);
		env = g_environ_setenv(env, "CHASER_FSFAULT_ROOT", dir, TRUE);
		if (log) {
			g_unlink(log);
			env = g_environ_setenv(env, "CHASER_FSFAULT_LOG", log, TRUE);
		}
		g_autofree char *at = g_strdup_printf("%d", cut_at);
		if (cut_at)
			env = g_environ_setenv(env, "CHASER_FSFAULT_CRASH_AT", at, TRUE);
		/* Under AddressSanitizer the library is loaded before the sanitizer's runtime. */
		const char *asan = g_environ_getenv(env, "ASAN_OPTIONS");
		g_autofree char *opts = g_strdup_printf("%s%sverify_asan_link_order=0", asan ? asan : "",
		                                        asan && *asan ? ":" : "");
		env = g_environ_setenv(env, "ASAN_OPTIONS", opts, TRUE);
	}
	g_autofree char *out = NULL;
	Run r = { 0 };
	int wait = 0;
	GError *e = NULL;
	g_assert_true(g_spawn_sync(dir, (char **)argv->pdata, env, G_SPAWN_DEFAULT, NULL, NULL, &out,
	                           &r.err, &wait, &e));
	g_assert_no_error(e);
	g_string_append(h_all_stderr(), r.err);
	if (strstr(r.err, "ERROR: AddressSanitizer") || strstr(r.err, "runtime error:") ||
	    strstr(r.err, "LeakSanitizer"))
		g_error("sanitizer report from chaser %s:\n%s", args[0], r.err);
	if (WIFSIGNALED(wait)) {
		if (WTERMSIG(wait) != SIGKILL || !cut_at)
			g_error("chaser %s died by signal %d:\n%s", args[0], WTERMSIG(wait), r.err);
		r.cut = TRUE;
	} else {
		r.status = WEXITSTATUS(wait);
	}
	return r;
}

/* A step run to its end (again, after a cut): must succeed. `list send` a second time is
 * refused when the first had committed, which is the answer a user then gets. */
static void run_step_to_end(const char *bin, const char *dir, const Step *s, gboolean shim,
                            const char *log)
{
	Run r = run_in(bin, dir, s->argv, s->now, shim, log, 0);
	gboolean again_refused = !strcmp(s->argv[0], "list") && r.status == 1 &&
	                         strstr(r.err, "was already sent");
	if (r.status != 0 && !again_refused)
		g_error("chaser %s at %s exited %d:\n%s", s->argv[0], s->now, r.status, r.err);
	run_clear(&r);
}

static char *copy_of(const char *template)
{
	GError *e = NULL;
	char *dir = g_dir_make_tmp("chaser-durable-XXXXXX", &e);
	g_assert_no_error(e);
	g_autofree char *cmd = g_strdup_printf("cp -a '%s/.' '%s/'", template, dir);
	g_assert_cmpint(system(cmd), ==, 0);
	return dir;
}

static void remove_dir(const char *dir)
{
	if (g_getenv("CHASER_KEEP"))
		return;
	g_autofree char *cmd = g_strdup_printf("rm -rf '%s'", dir);
	g_assert_cmpint(system(cmd), ==, 0);
}

/* ---- the journal ------------------------------------------------------------------------------ */

typedef struct {
	char *op, *a, *b;
} Entry;

static void entry_free(gpointer p)
{
	Entry *e = p;
	g_free(e->op), g_free(e->a), g_free(e->b);
	g_free(e);
}

static GPtrArray *journal_read(const char *path)
{
	g_autofree char *text = NULL;
	g_assert_true(g_file_get_contents(path, &text, NULL, NULL));
	GPtrArray *out = g_ptr_array_new_with_free_func(entry_free);
	g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
	for (guint i = 0; lines[i]; i++) {
		if (!*lines[i])
			continue;
		g_auto(GStrv) w = g_strsplit(lines[i], " ", 3);
		Entry *e = g_new0(Entry, 1);
		e->op = g_strdup(w[0]);
		e->a = g_strdup(w[1]);
		e->b = w[1] ? g_strdup(w[2]) : NULL;
		if (!strcmp(e->op, "unsupported"))
			g_error("the power-cut model does not cover what chaser did: %s", lines[i]);
		g_ptr_array_add(out, e);
	}
	return out;
}

static gboolean is_sync(const Entry *e)
{
	return !strcmp(e->op, "fsync") || !strcmp(e->op, "fdatasync") ||
	       !strcmp(e->op, "dirsync") || !strcmp(e->op, "syncfs");
}

/* A sync of the database or its write-ahead log: with synchronous=FULL, a commit. */
static gboolean is_commit(const Entry *e)
{
	return (!strcmp(e->op, "fsync") || !strcmp(e->op, "fdatasync")) &&
	       (!g_strcmp0(e->a, "spool/chaser.db") || !g_strcmp0(e->a, "spool/chaser.db-wal"));
}

static guint count_syncs(GPtrArray *j)
{
	guint n = 0;
	for (guint i = 0; i < j->len; i++)
		n += is_sync(j->pdata[i]);
	return n;
}

/* The first entry from `from` on with this op and first path (NULL: any), or -1. */
static int find(GPtrArray *j, int from, const char *op, const char *a)
{
	for (int i = MAX(from, 0); i < (int)j->len; i++) {
		const Entry *e = j->pdata[i];
		if (!strcmp(e->op, op) && (!a || !g_strcmp0(e->a, a)))
			return i;
	}
	return -1;
}

static int find_commit(GPtrArray *j, int from)
{
	for (int i = MAX(from, 0); i < (int)j->len; i++)
		if (is_commit(j->pdata[i]))
			return i;
	return -1;
}

/* The durable write of `final` (relative to the data folder): a temporary file beside it is
 * created, written, fsynced, renamed to the final name, then the folder is fsynced; nothing
 * is committed before that folder sync, and something is after it. Returns the index of the
 * first commit after the folder's sync. */
static int assert_durable_write(GPtrArray *j, const char *final, const char *what)
{
	int rename = -1;
	for (guint i = 0; i < j->len && rename < 0; i++) {
		const Entry *e = j->pdata[i];
		if (!strcmp(e->op, "rename") && !g_strcmp0(e->b, final))
			rename = (int)i;
	}
	if (rename < 0)
		g_error("%s: %s never got its name by a rename (not written through a temporary file)",
		        what, final);
	const char *tmp = ((Entry *)j->pdata[rename])->a;
	g_autofree char *dir = g_path_get_dirname(final);
	/* Beside it: a rename within the folder, which the folder's fsync then keeps. */
	g_autofree char *tmp_dir = g_path_get_dirname(tmp);
	g_assert_cmpstr(tmp_dir, ==, dir);
	int create = find(j, 0, "create", tmp);
	int write = find(j, create, "write", tmp);
	int fsync = -1;
	for (int i = MAX(write, 0); i < rename && fsync < 0; i++) {
		const Entry *e = j->pdata[i];
		if ((!strcmp(e->op, "fsync") || !strcmp(e->op, "fdatasync")) && !g_strcmp0(e->a, tmp))
			fsync = i;
	}
	int dirsync = find(j, rename, "dirsync", dir);
	/* Or, in a batch, nothing synced on its own and the whole file system synced once after
	 * the rename (syncfs: the bytes and the name together), before the batch's commit. */
	int syncfs = find(j, rename, "syncfs", NULL);
	if (create < 0 || write < 0 || write > rename)
		g_error("%s: %s was not written before its rename", what, final);
	if (fsync < 0 && syncfs < 0)
		g_error("%s: %s was renamed to its name before its bytes were fsynced", what, final);
	if (dirsync < 0 && syncfs < 0)
		g_error("%s: %s was renamed but its folder %s was never fsynced after", what, final, dir);
	if (fsync < 0 || dirsync < 0 || (syncfs >= 0 && syncfs < dirsync))
		dirsync = syncfs;
	int early = find_commit(j, create);
	if (early >= 0 && early < dirsync)
		g_error("%s: a commit came before %s was safely on disk (entry %d, folder sync %d)", what,
		        final, early, dirsync);
	int commit = find_commit(j, dirsync);
	if (commit < 0)
		g_error("%s: nothing was committed after %s was written", what, final);
	return commit;
}

/* ---- what is on disk -------------------------------------------------------------------------- */

static char *sha256_of_file(const char *path, gsize *len_r)
{
	g_autofree char *data = NULL;
	gsize len = 0;
	if (!g_file_get_contents(path, &data, &len, NULL))
		return NULL;
	if (len_r)
		*len_r = len;
	return g_compute_checksum_for_data(G_CHECKSUM_SHA256, (const guint8 *)data, len);
}

static gint by_str(gconstpointer a, gconstpointer b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static GPtrArray *names_in(const char *dir)
{
	GPtrArray *names = g_ptr_array_new_with_free_func(g_free);
	g_autoptr(GDir) d = g_dir_open(dir, 0, NULL);
	const char *n;
	while (d && (n = g_dir_read_name(d)))
		g_ptr_array_add(names, g_strdup(n));
	g_ptr_array_sort(names, by_str);
	return names;
}

/* The files under root/sub, as paths relative to root, sorted. */
static void files_under(const char *root, const char *sub, GPtrArray *out)
{
	g_autofree char *dir = g_build_filename(root, sub, NULL);
	g_autoptr(GPtrArray) names = names_in(dir);
	for (guint i = 0; i < names->len; i++) {
		char *rel = *sub ? g_build_filename(sub, names->pdata[i], NULL) : g_strdup(names->pdata[i]);
		g_autofree char *path = g_build_filename(root, rel, NULL);
		if (g_file_test(path, G_FILE_TEST_IS_DIR)) {
			files_under(root, rel, out);
			g_free(rel);
		} else {
			g_ptr_array_add(out, rel);
		}
	}
}

static char *listing(const char *dir)
{
	g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func(g_free);
	files_under(dir, "", names);
	g_ptr_array_add(names, NULL);
	return g_strjoinv(" ", (char **)names->pdata);
}

static sqlite3 *db_open(const char *dir)
{
	g_autofree char *path = g_build_filename(dir, "spool", "chaser.db", NULL);
	sqlite3 *db;
	/* Read-write: opening is where SQLite recovers its write-ahead log, as chaser would. */
	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK)
		g_error("%s: the database does not open: %s", dir, sqlite3_errmsg(db));
	sqlite3_busy_timeout(db, 5000);
	return db;
}

static sqlite3_stmt *query(sqlite3 *db, const char *sql)
{
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		g_error("%s: %s", sql, sqlite3_errmsg(db));
	return st;
}

static char *col(sqlite3_stmt *st, int i)
{
	const char *v = (const char *)sqlite3_column_text(st, i);
	return g_strdup(v ? v : "NULL");
}

/* The messages delivered into the Maildir so far: name and SHA-256 of the bytes. */
static GPtrArray *delivered_names, *delivered_sha;

static void deliver(Harness *h, const char *name, const char *text)
{
	h_deliver(h, name, text);
	g_ptr_array_add(delivered_names, g_strdup(name));
	g_ptr_array_add(delivered_sha,
	                g_compute_checksum_for_data(G_CHECKSUM_SHA256, (const guint8 *)text,
	                                            strlen(text)));
}

/* Where a delivered message is: "new", "cur" or "quarantine", or NULL when in none (or in
 * more than one, which is as bad). */
static const char *maildir_place(const char *dir, const char *name, char **path_r)
{
	static const char *const places[][2] = {
		{ "new", "new" }, { "cur", "cur" }, { "quarantine", ".Quarantine/cur" },
	};
	const char *found = NULL;
	int n = 0;
	for (guint p = 0; p < G_N_ELEMENTS(places); p++) {
		g_autofree char *d = g_build_filename(dir, "spool", "inbox", places[p][1], NULL);
		g_autoptr(GPtrArray) names = names_in(d);
		for (guint i = 0; i < names->len; i++) {
			const char *f = names->pdata[i];
			size_t l = strlen(name);
			if (!strncmp(f, name, l) && (f[l] == 0 || f[l] == ':')) {
				found = places[p][0];
				n++;
				if (path_r) {
					g_free(*path_r);
					*path_r = g_build_filename(d, f, NULL);
				}
			}
		}
	}
	return n == 1 ? found : NULL;
}

/* What the disk holds after a power cut (`when` says which), held to what a user relies on. */
static void assert_kept(const char *bin, const char *dir, const char *when, guint delivered)
{
	sqlite3 *db = db_open(dir);
	sqlite3_stmt *st = query(db, "PRAGMA integrity_check");
	g_assert_cmpint(sqlite3_step(st), ==, SQLITE_ROW);
	if (strcmp((const char *)sqlite3_column_text(st, 0), "ok"))
		g_error("%s: the database is damaged: %s", when, sqlite3_column_text(st, 0));
	sqlite3_finalize(st);

	/* Raw messages: each file has the bytes its name promises, each row's file is there. */
	g_autofree char *raw = g_build_filename(dir, "spool", "messages", NULL);
	g_autoptr(GPtrArray) files = names_in(raw);
	for (guint i = 0; i < files->len; i++) {
		const char *n = files->pdata[i];
		g_autofree char *path = g_build_filename(raw, n, NULL);
		g_autofree char *sha = sha256_of_file(path, NULL);
		if (!g_str_has_suffix(n, ".eml") || strlen(n) != 68 || strncmp(n, sha, 64))
			g_error("%s: spool/messages/%s is not a whole stored message (its bytes hash to %s)",
			        when, n, sha);
	}
	st = query(db, "SELECT fingerprint, raw_path, state FROM message WHERE raw_path IS NOT NULL");
	while (sqlite3_step(st) == SQLITE_ROW) {
		g_autofree char *fp = col(st, 0), *name = col(st, 1);
		g_autofree char *path = g_build_filename(raw, name, NULL);
		g_autofree char *sha = sha256_of_file(path, NULL);
		if (g_strcmp0(sha, fp))
			g_error("%s: message %.12s is recorded but its raw file %s is %s", when, fp, name,
			        sha ? "not its bytes" : "missing");
	}
	sqlite3_finalize(st);

	/* The Maildir: nothing lost, and nothing moved out of new/ before it was recorded. */
	for (guint i = 0; i < delivered; i++) {
		const char *name = delivered_names->pdata[i];
		g_autofree char *path = NULL;
		const char *place = maildir_place(dir, name, &path);
		if (!place)
			g_error("%s: delivered message %s is not in exactly one of new/, cur/ and the "
			        "quarantine", when, name);
		if (!strcmp(place, "new"))
			continue;
		g_autofree char *loc = g_strdup_printf("maildir:%s", name);
		st = query(db, "SELECT state FROM message WHERE (fingerprint = ?1 OR location = ?2)"
		               " AND state <> 'failing'");
		sqlite3_bind_text(st, 1, delivered_sha->pdata[i], -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, loc, -1, SQLITE_STATIC);
		if (sqlite3_step(st) != SQLITE_ROW)
			g_error("%s: message %s was moved to %s but the database does not record it", when,
			        name, place);
		sqlite3_finalize(st);
	}

	/* Sent mail: each file is its outbox row's message, whole; each row sent has its file. */
	g_autofree char *out = g_build_filename(dir, "spool", "outgoing", NULL);
	g_autoptr(GPtrArray) mails = names_in(out);
	for (guint i = 0; i < mails->len; i++) {
		const char *n = mails->pdata[i];
		g_autofree char *path = g_build_filename(out, n, NULL);
		g_autofree char *data = NULL;
		gsize len = 0;
		g_assert_true(g_file_get_contents(path, &data, &len, NULL));
		st = query(db, "SELECT wire FROM outbox WHERE printf('%06d-%s.eml', id, kind) = ?");
		sqlite3_bind_text(st, 1, n, -1, SQLITE_STATIC);
		if (sqlite3_step(st) != SQLITE_ROW)
			g_error("%s: spool/outgoing/%s is no outbox row's message", when, n);
		if ((gsize)sqlite3_column_bytes(st, 0) != len ||
		    memcmp(sqlite3_column_blob(st, 0), data, len))
			g_error("%s: spool/outgoing/%s is not its whole message (%" G_GSIZE_FORMAT
			        " bytes of %d)", when, n, len, sqlite3_column_bytes(st, 0));
		sqlite3_finalize(st);
	}
	st = query(db, "SELECT printf('%06d-%s.eml', id, kind), state FROM outbox"
	               " WHERE sent_at IS NOT NULL");
	while (sqlite3_step(st) == SQLITE_ROW) {
		g_autofree char *n = col(st, 0), *state = col(st, 1);
		g_autofree char *path = g_build_filename(out, n, NULL);
		if (!g_file_test(path, G_FILE_TEST_IS_REGULAR))
			g_error("%s: outbox row %s is %s but its mail is not in spool/outgoing", when, n,
			        state);
	}
	sqlite3_finalize(st);

	/* Reports and attachments kept from agencies (spool/reports, in folders or not): each
	 * file's name starts with (a prefix of) the SHA-256 of its bytes, and every file a row
	 * names is there with the bytes the row records. */
	g_autofree char *reports = g_build_filename(dir, "spool", "reports", NULL);
	g_autoptr(GPtrArray) kept = g_ptr_array_new_with_free_func(g_free);
	files_under(reports, "", kept);
	for (guint i = 0; i < kept->len; i++) {
		const char *n = kept->pdata[i];
		g_autofree char *path = g_build_filename(reports, n, NULL);
		g_autofree char *sha = sha256_of_file(path, NULL);
		const char *base = strrchr(n, '/') ? strrchr(n, '/') + 1 : n;
		size_t hex = strspn(base, "0123456789abcdef");
		if (hex < 16 || !sha || strncmp(base, sha, hex))
			g_error("%s: spool/reports/%s is not a whole report (its bytes hash to %s)", when,
			        n, sha);
	}
	static const char *const named[] = {
		"SELECT file, sha256 FROM report WHERE file IS NOT NULL",
		"SELECT file, sha256 FROM attachment WHERE file IS NOT NULL",
	};
	for (guint q = 0; q < G_N_ELEMENTS(named); q++) {
		if (sqlite3_prepare_v2(db, named[q], -1, &st, NULL) != SQLITE_OK)
			continue; /* no such table in this schema */
		while (sqlite3_step(st) == SQLITE_ROW) {
			g_autofree char *n = col(st, 0), *sha = col(st, 1);
			const char *rel = g_str_has_prefix(n, "reports/") ? n + strlen("reports/") : n;
			g_autofree char *path = g_path_is_absolute(rel) ? g_strdup(rel)
			                                                : g_build_filename(reports, rel, NULL);
			g_autofree char *got = sha256_of_file(path, NULL);
			if (g_strcmp0(got, sha))
				g_error("%s: a received report is recorded but spool/reports/%s is %s", when,
				        rel, got ? "not its bytes" : "missing");
		}
		sqlite3_finalize(st);
	}
	sqlite3_close(db);

	const char *args[] = { "reconcile", NULL };
	Run r = run_in(bin, dir, args, "2026-12-04T10:00", FALSE, NULL, 0);
	if (r.status != 0)
		g_error("%s: chaser reconcile found a fault:\n%s", when, r.err);
	run_clear(&r);
}

/* Everything a finished step leaves, as text: every table (without the random part of our
 * Message-IDs, which a step redone after a cut draws again) and the folders. */
static char *outcome(const char *dir)
{
	sqlite3 *db = db_open(dir);
	GString *s = g_string_new(NULL);
	sqlite3_stmt *t = query(db, "SELECT name FROM sqlite_master WHERE type = 'table'"
	                            " ORDER BY name");
	while (sqlite3_step(t) == SQLITE_ROW) {
		const char *table = (const char *)sqlite3_column_text(t, 0);
		g_autofree char *sql = g_strdup_printf("SELECT * FROM \"%s\"", table);
		sqlite3_stmt *st = query(db, sql);
		g_autoptr(GPtrArray) rows = g_ptr_array_new_with_free_func(g_free);
		while (sqlite3_step(st) == SQLITE_ROW) {
			GString *row = g_string_new(table);
			for (int c = 0; c < sqlite3_column_count(st); c++) {
				const char *name = sqlite3_column_name(st, c);
				if (!strcmp(table, "outbox") && (!strcmp(name, "message_id") ||
				                                 !strcmp(name, "wire")))
					continue;
				g_autofree char *v = col(st, c);
				g_string_append_printf(row, "|%s=%s", name, v);
			}
			g_ptr_array_add(rows, g_string_free(row, FALSE));
		}
		sqlite3_finalize(st);
		g_ptr_array_sort(rows, by_str);
		for (guint i = 0; i < rows->len; i++)
			g_string_append_printf(s, "%s\n", (char *)rows->pdata[i]);
	}
	sqlite3_finalize(t);
	sqlite3_close(db);
	static const char *const folders[] = {
		"spool/outgoing", "spool/messages", "spool/reports", "spool/inbox/new",
		"spool/inbox/cur", "spool/inbox/.Quarantine/cur", NULL,
	};
	for (guint i = 0; folders[i]; i++) {
		g_autofree char *d = g_build_filename(dir, folders[i], NULL);
		g_autofree char *l = listing(d);
		g_string_append_printf(s, "%s: %s\n", folders[i], l);
	}
	return g_string_free(s, FALSE);
}

static void assert_same_outcome(const char *got, const char *want, const char *when)
{
	if (!strcmp(got, want))
		return;
	g_auto(GStrv) a = g_strsplit(got, "\n", -1), b = g_strsplit(want, "\n", -1);
	guint i = 0;
	while (a[i] && b[i] && !strcmp(a[i], b[i]))
		i++;
	g_error("%s, then the step run again: not where the run without a cut ended.\n"
	        "first difference, without a cut:\n  %s\nafter the cut:\n  %s",
	        when, b[i] ? b[i] : "(nothing more)", a[i] ? a[i] : "(nothing more)");
}

/* ---- the story -------------------------------------------------------------------------------- */

typedef struct {
	Harness *h;
	char *logs;
	char *before[N_STEPS];  /* the data folder before each step */
	GPtrArray *journal[N_STEPS];
	guint syncs[N_STEPS];
	char *after[N_STEPS];   /* outcome() of the step run without a cut */
	guint delivered[N_STEPS]; /* messages in the Maildir by then */
} Story;

static Story *story;

static void setup_conference(Harness *h)
{
	const char *t = "2026-11-23T09:30";
	g_assert_cmpint(h_run(h, t, "agency", "add", "Northshire Police", "--slo", H_POLICE_SLO,
	                      "--slo-name", "DI Ruth Calloway", NULL), ==, 0);
	g_assert_cmpint(h_run(h, t, "agency", "add", "Brookfield Primary School", "--slo",
	                      H_SCHOOL_SLO, "--slo-name", "Mr Owen Pike", NULL), ==, 0);
	g_assert_cmpint(h_run(h, t, "conference", "add", H_REF, "--held", "2026-11-20T10:00",
	                      "--chair", H_CHAIR, "--chair-name", "Dr Ffion Testwood",
	                      "--social-worker", "amara.sowande@council.example", NULL), ==, 0);
	g_autofree char *csv = g_build_filename(h->dir, "list.csv", NULL);
	g_assert_true(g_file_set_contents(
		csv,
		"name,email,agency,attendance,report\n"
		"Sam Okafor," SAM ",Northshire Police,absent,none\n"
		"Lena Marsh," LENA ",Brookfield Primary School,apologies,none\n"
		"Tom Rees,tom.rees@police.example.org,Northshire Police,attended,submitted\n",
		-1, NULL));
	g_assert_cmpint(h_run(h, t, "list", "import", H_REF, "list.csv", NULL), ==, 0);
}

static char *reply_text(Harness *h, const char *kind, const char *to, const char *from,
                        const char *msgid, const char *body)
{
	g_autofree char *mail = h_mail(h, kind, to);
	g_assert_nonnull(mail);
	g_autofree char *token = h_token(mail);
	g_autofree char *ours = h_msgid(mail);
	return g_strdup_printf("From: %s\nTo: safeguarding+%s@council.example\n"
	                       "Subject: RE: [" H_REF "] your mail\nMessage-ID: <%s>\n"
	                       "In-Reply-To: <%s>\nDate: Tue, 24 Nov 2026 08:00:00 +0000\n\n%s\n",
	                       from, token, msgid, ours, body);
}

static void deliver_replies(Harness *h)
{
	g_autofree char *chair = reply_text(
		h, "distribution_list", H_CHAIR, "Dr Ffion Testwood <" H_CHAIR ">",
		"durable-chair@chairs.example.org",
		"AUTHORISED\nESCALATE 1 no_apologies, no_report: did not attend and sent nothing\n\n"
		"Ffion");
	deliver(h, "01-chair", chair);
	deliver(h, "02-chair-again", chair); /* the same bytes: a CC copy */
	g_autofree char *report = reply_text(
		h, "report_request", LENA, "Lena Marsh <" LENA ">", "durable-report@brookfield.example.net",
		"Our report: the teacher visited twice in November and found the home warm, the "
		"children fed and at school every day.");
	deliver(h, "03-report", report);
	deliver(h, "04-stranger",
	        "From: Pat Doe <pat.doe@elsewhere.example.com>\nTo: safeguarding@council.example\n"
	        "Subject: RE: [" H_REF "] Distribution list for authorisation\n"
	        "Message-ID: <durable-stranger@elsewhere.example.com>\n\nAUTHORISED\n");
	deliver(h, "05-out-of-office",
	        "From: Owen Pike <" H_SCHOOL_SLO ">\nTo: safeguarding@council.example\n"
	        "Subject: Automatic reply: [" H_REF "] Distribution list\n"
	        "Auto-Submitted: auto-replied\nMessage-ID: <durable-ooo@brookfield.example.net>\n\n"
	        "I am away until Monday 30 November.\n");
	deliver(h, "06-unreadable", "not a message at all\n");
	/* Over [limits] max_message_size: never read, recorded, moved to the quarantine. */
	GString *big = g_string_new("From: " H_SCHOOL_SLO "\nTo: safeguarding@council.example\n"
	                            "Subject: scans\nMessage-ID: <durable-big@brookfield.example.net>"
	                            "\n\n");
	while (big->len < 12000)
		g_string_append(big, "a scanned page of nothing in particular, again and again\n");
	deliver(h, "07-too-big", big->str);
	g_string_free(big, TRUE);
}

static const char *step_name(guint i)
{
	static char buf[N_STEPS][64];
	if (!buf[i][0])
		g_snprintf(buf[i], sizeof buf[i], "step %u (%s%s%s at %s)", i + 1, steps[i].argv[0],
		           steps[i].argv[1] ? " " : "", steps[i].argv[1] ? steps[i].argv[1] : "",
		           steps[i].now);
	return buf[i];
}

/* The story once without a cut, each step journalled. */
static Story *story_get(void)
{
	if (story)
		return story;
	story = g_new0(Story, 1);
	delivered_names = g_ptr_array_new_with_free_func(g_free);
	delivered_sha = g_ptr_array_new_with_free_func(g_free);
	Harness *h = story->h = h_new(LIMIT);
	setup_conference(h);
	story->logs = g_dir_make_tmp("chaser-durable-log-XXXXXX", NULL);
	for (guint i = 0; i < N_STEPS; i++) {
		if (steps[i].replies_before)
			deliver_replies(h);
		story->before[i] = copy_of(h->dir);
		story->delivered[i] = delivered_names->len;
		g_autofree char *name = g_strdup_printf("journal-%u", i + 1);
		g_autofree char *log = g_build_filename(story->logs, name, NULL);
		run_step_to_end(h->bin, h->dir, &steps[i], TRUE, log);
		story->journal[i] = journal_read(log);
		story->syncs[i] = count_syncs(story->journal[i]);
		story->after[i] = outcome(h->dir);
		assert_kept(h->bin, h->dir, step_name(i), story->delivered[i]);
		g_test_message("%s: %u syncs", step_name(i), story->syncs[i]);
	}
	/* The story is worth cutting: it did what it was meant to. */
	g_autofree char *end = outcome(h->dir);
	g_assert_nonnull(strstr(end, "state=authorised"));
	g_assert_true(strstr(end, "what=escalation.chased") || strstr(end, "kind=escalation_chaser"));
	g_assert_nonnull(strstr(end, "what=message.triage"));
	g_assert_nonnull(strstr(end, "state=quarantine"));
	g_assert_nonnull(strstr(end, "state=received"));
	g_assert_nonnull(strstr(end, "spool/inbox/.Quarantine/cur: 07-too-big"));
	g_assert_nonnull(strstr(end, "spool/inbox/new: \n"));
	return story;
}

static void story_free(void)
{
	if (!story)
		return;
	for (guint i = 0; i < N_STEPS; i++) {
		if (story->before[i])
			remove_dir(story->before[i]);
		g_free(story->before[i]), g_free(story->after[i]);
		if (story->journal[i])
			g_ptr_array_unref(story->journal[i]);
	}
	remove_dir(story->logs);
	g_free(story->logs);
	h_free(story->h);
	g_free(story);
	story = NULL;
}

/* ---- the tests -------------------------------------------------------------------------------- */

/* The library itself, on a program small enough to read (Perl is part of every Debian): what
 * is left when the power goes just after it ends. g holds "old" before each case. */
static const char model_script[] =
	"use IO::Handle; use Fcntl;\n"
	"sub put { my ($p, $s, $sync) = @_; open(my $f, '>', $p) or die; print $f $s;\n"
	"          $f->flush; ($f->sync or die) if $sync; close $f; }\n"
	"sub dsync { sysopen(my $d, $_[0], O_RDONLY) or die; $d->sync or die; close $d; }\n"
	"my %do = (\n"
	"  'write'                        => sub { put('f', 'data', 0) },\n"
	"  'write, fsync'                 => sub { put('f', 'data', 1) },\n"
	"  'write, fsync folder'          => sub { put('f', 'data', 0); dsync('.') },\n"
	"  'write, fsync, fsync folder'   => sub { put('f', 'data', 1); dsync('.') },\n"
	"  'overwrite in place'           => sub { put('g', 'new', 0) },\n"
	"  'temp, fsync, rename'          => sub { put('t', 'new', 1); rename('t', 'g') or die },\n"
	"  'temp, fsync, rename, fsync folder' =>\n"
	"                                    sub { put('t', 'new', 1); rename('t', 'g') or die;\n"
	"                                          dsync('.') },\n"
	"  'unlink'                       => sub { unlink('g') or die },\n"
	"  'unlink, fsync folder'         => sub { unlink('g') or die; dsync('.') },\n"
	"  'mkdir, file in it synced'     => sub { mkdir('sub') or die; put('sub/f', 'x', 1);\n"
	"                                          dsync('sub') },\n"
	"  'mkdir, file synced, parent synced' =>\n"
	"                                    sub { mkdir('sub') or die; put('sub/f', 'x', 1);\n"
	"                                          dsync('sub'); dsync('.') },\n"
	");\n"
	"$do{$ARGV[0]}->();\n";

static void tree_text(GString *out, const char *root, const char *sub)
{
	g_autofree char *dir = g_build_filename(root, sub, NULL);
	g_autoptr(GPtrArray) names = names_in(dir);
	for (guint i = 0; i < names->len; i++) {
		g_autofree char *rel = *sub ? g_build_filename(sub, names->pdata[i], NULL)
		                            : g_strdup(names->pdata[i]);
		g_autofree char *path = g_build_filename(root, rel, NULL);
		g_autofree char *text = NULL;
		if (g_file_test(path, G_FILE_TEST_IS_DIR)) {
			g_string_append_printf(out, "%s%s/", out->len ? " " : "", rel);
			tree_text(out, root, rel);
		} else {
			g_assert_true(g_file_get_contents(path, &text, NULL, NULL));
			g_string_append_printf(out, "%s%s=%s", out->len ? " " : "", rel, text);
		}
	}
}

static void test_model_what_a_power_cut_leaves(void)
{
	static const struct {
		const char *what;
		int syncs;
		const char *left;
	} cases[] = {
		{ "write", 0, "g=old" },
		{ "write, fsync", 1, "g=old" },
		{ "write, fsync folder", 1, "f= g=old" }, /* the name without the bytes */
		{ "write, fsync, fsync folder", 2, "f=data g=old" },
		{ "overwrite in place", 0, "g=old" },
		{ "temp, fsync, rename", 1, "g=old" },
		{ "temp, fsync, rename, fsync folder", 2, "g=new" },
		{ "unlink", 0, "g=old" },
		{ "unlink, fsync folder", 1, "" },
		{ "mkdir, file in it synced", 2, "g=old" },
		{ "mkdir, file synced, parent synced", 3, "g=old sub/ sub/f=x" },
	};
	g_autofree char *scripts = g_dir_make_tmp("chaser-durable-model-XXXXXX", NULL);
	g_autofree char *script = g_build_filename(scripts, "model.pl", NULL);
	g_assert_true(g_file_set_contents(script, model_script, -1, NULL));
	for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
		g_autofree char *dir = g_dir_make_tmp("chaser-durable-model-XXXXXX", NULL);
		g_autofree char *g = g_build_filename(dir, "g", NULL);
		g_assert_true(g_file_set_contents(g, "old", -1, NULL));
		g_autofree char *at = g_strdup_printf("%d", cases[i].syncs + 1);
		const char *argv[] = { "perl", script, cases[i].what, NULL };
		g_auto(GStrv) env = g_get_environ();
		env = g_environ_setenv(env, "LD_PRELOAD", fsfault_so(), TRUE);
		env = g_environ_setenv(env, "CHASER_FSFAULT_ROOT", dir, TRUE);
		env = g_environ_setenv(env, "CHASER_FSFAULT_CRASH_AT", at, TRUE);
		env = g_environ_unsetenv(env, "CHASER_FSFAULT_LOG");
		g_autofree char *err = NULL;
		int wait = 0;
		GError *e = NULL;
		g_assert_true(g_spawn_sync(dir, (char **)argv, env, G_SPAWN_SEARCH_PATH, NULL, NULL, NULL,
		                           &err, &wait, &e));
		g_assert_no_error(e);
		if (!WIFSIGNALED(wait) || WTERMSIG(wait) != SIGKILL)
			g_error("%s: the power was not cut after %d syncs:\n%s", cases[i].what,
			        cases[i].syncs, err);
		g_autoptr(GString) left = g_string_new(NULL);
		tree_text(left, dir, "");
		if (strcmp(left->str, cases[i].left))
			g_error("%s, then a power cut: left \"%s\", not \"%s\"", cases[i].what, left->str,
			        cases[i].left);
		remove_dir(dir);
	}
	remove_dir(scripts);
}

/* Write, fsync the file, rename, fsync the folder, commit, then move. */
static void test_order_write_sync_rename_sync_commit_move(void)
{
	Story *s = story_get();
	guint raw_checked = 0, mail_checked = 0, reports_checked = 0;
	for (guint i = 0; i < N_STEPS; i++) {
		GPtrArray *j = s->journal[i];
		/* The moves of a batch follow the batch's one commit: run_start is the last move of
		 * the batch before (-1: none), so that the commit looked for is the one after it. */
		int last_move = -1, run_start = -1;
		for (guint k = 0; k < j->len; k++) {
			const Entry *e = j->pdata[k];
			if (e->a == NULL)
				continue; /* a syncfs: no path */
			gboolean kept_file = g_str_has_prefix(e->a, "spool/outgoing/") ||
			                     g_str_has_prefix(e->a, "spool/messages/") ||
			                     g_str_has_prefix(e->a, "spool/reports/");
			/* What chaser keeps is never written in place, where a cut leaves it half done
			 * (a scratch file removed again before the step ends is not kept). */
			if (!strcmp(e->op, "create") && kept_file) {
				gboolean renamed = FALSE;
				for (guint x = k + 1; x < j->len && !renamed; x++) {
					const Entry *r = j->pdata[x];
					renamed = (!strcmp(r->op, "rename") || !strcmp(r->op, "unlink")) &&
					          !g_strcmp0(r->a, e->a);
				}
				if (!renamed)
					g_error("%s: %s was written under its final name, not through a "
					        "temporary file renamed once synced", step_name(i), e->a);
			}
			if (strcmp(e->op, "rename"))
				continue;
			g_autofree char *what = g_strdup_printf("%s, %s", step_name(i), e->b);
			if (g_str_has_prefix(e->b, "spool/outgoing/")) {
				/* Before the commit that records the mail as sent. */
				assert_durable_write(j, e->b, what);
				mail_checked++;
			} else if (g_str_has_prefix(e->b, "spool/reports/")) {
				assert_durable_write(j, e->b, what);
				reports_checked++;
			} else if (g_str_has_prefix(e->b, "spool/messages/")) {
				raw_checked++;
			} else if (g_str_has_prefix(e->a, "spool/inbox/new/")) {
				/* The move of a message out of new/: its raw bytes were stored and its
				 * effect committed first; then both folders are synced. */
				const char *name = e->a + strlen("spool/inbox/new/");
				for (guint d = 0; d < delivered_names->len; d++) {
					if (strcmp(delivered_names->pdata[d], name))
						continue;
					g_autofree char *raw = g_strdup_printf("spool/messages/%s.eml",
					                                       (char *)delivered_sha->pdata[d]);
					gboolean written_now = FALSE;
					for (guint x = 0; x < k; x++) {
						const Entry *w = j->pdata[x];
						written_now |= !strcmp(w->op, "rename") && !g_strcmp0(w->b, raw);
					}
					if (written_now) {
						int commit = assert_durable_write(j, raw, what);
						if (commit > (int)k)
							g_error("%s: moved out of new/ before its effect was committed",
							        what);
					} else if (strcmp(name, "02-chair-again")) {
						/* Not stored (the quarantine of a message too big to read): still
						 * recorded before the move. */
						int commit = find_commit(j, run_start);
						if (commit < 0 || commit > (int)k)
							g_error("%s: moved out of new/ with nothing committed first", what);
					}
				}
				g_autofree char *to_dir = g_path_get_dirname(e->b);
				int to_sync = find(j, (int)k, "dirsync", to_dir);
				int from_sync = find(j, (int)k, "dirsync", "spool/inbox/new");
				if (to_sync < 0 || from_sync < 0)
					g_error("%s: the move was not followed by fsyncs of both folders", what);
				int since = find_commit(j, last_move);
				if (last_move >= 0 && since >= 0 && since < (int)k)
					run_start = last_move; /* a commit between: this move starts a batch */
				last_move = (int)k;
			}
		}
	}
	/* Six messages stored (the same bytes twice are stored once, the big one never), the
	 * agency's report, and every mail of the three flushes. */
	g_assert_cmpuint(raw_checked, ==, 5);
	g_assert_cmpuint(reports_checked, ==, 1);
	g_assert_cmpuint(mail_checked, >=, 8);
	printf("order held for %u raw messages, %u report, %u sent mails: write, fsync, rename, "
	       "fsync folder (or, in a batch, write, rename, one syncfs), commit, move\n",
	       raw_checked, reports_checked, mail_checked);
	fflush(stdout);
}

static void test_power_cut_anywhere_loses_nothing(void)
{
	Story *s = story_get();
	const char *bin = s->h->bin;
	guint cuts = 0;
	for (guint i = 0; i < N_STEPS; i++) {
		for (guint k = 1; k <= s->syncs[i] + 1; k++) {
			g_autofree char *dir = copy_of(s->before[i]);
			g_autofree char *when = g_strdup_printf("%s, power cut before sync %u of %u", step_name(i),
			                                        k, s->syncs[i]);
			g_autofree char *log = g_build_filename(s->logs, "cut", NULL);
			Run r = run_in(bin, dir, steps[i].argv, steps[i].now, TRUE, log, (int)k);
			if (!r.cut)
				g_error("%s: chaser was not stopped (exit %d):\n%s", when, r.status, r.err);
			run_clear(&r);
			g_autoptr(GPtrArray) j = journal_read(log);
			g_assert_cmpuint(count_syncs(j), ==, k - 1);
			cuts++;
			assert_kept(bin, dir, when, s->delivered[i]);
			/* The power comes back and the user runs the step again. */
			run_step_to_end(bin, dir, &steps[i], FALSE, NULL);
			g_autofree char *got = outcome(dir);
			assert_same_outcome(got, s->after[i], when);
			remove_dir(dir);
		}
	}
	printf("power cuts: %u, at every sync of %u steps: nothing kept was lost\n", cuts,
	       (guint)N_STEPS);
	fflush(stdout);
}

/* ---- a batch: one commit for many messages ---------------------------------------------- */

static gint64 rows_seen_by_another(const char *path)
{
	sqlite3 *db = NULL;
	g_assert_cmpint(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL), ==, SQLITE_OK);
	sqlite3_stmt *st = NULL;
	g_assert_cmpint(sqlite3_prepare_v2(db, "SELECT count(*) FROM message", -1, &st, NULL), ==,
	                SQLITE_OK);
	g_assert_cmpint(sqlite3_step(st), ==, SQLITE_ROW);
	gint64 n = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	sqlite3_close(db);
	return n;
}

static gboolean add_message(ChStore *s, const char *fp, gboolean keep)
{
	GError *e = NULL;
	gint64 row = 0;
	g_assert_true(ch_store_begin(s, &e));
	g_assert_true(ch_store_message_add(s, fp, "imap:INBOX/1/1", "2026-11-26T10:00:00+00:00", 10,
	                                   NULL, NULL, "person", &row, &e));
	g_assert_no_error(e);
	if (!keep) {
		ch_store_rollback(s);
		return FALSE;
	}
	g_assert_true(ch_store_commit(s, &e));
	g_assert_no_error(e);
	return TRUE;
}

/* What the IMAP reader does with a sweep's messages (ch_intake_batch_*): each message's
 * transaction is a savepoint, so one taken back leaves the others, and nothing of the batch
 * is on disk, for another connection to see or a crash to keep, until the batch's one
 * commit. A batch abandoned (a folder that would not sync) keeps nothing. */
static void test_batch_savepoints_and_one_commit(void)
{
	g_autofree char *dir = g_dir_make_tmp("chaser-batch-XXXXXX", NULL);
	g_autofree char *path = g_build_filename(dir, "chaser.db", NULL);
	GError *e = NULL;
	ChStore *s = ch_store_open(path, &e);
	g_assert_no_error(e);
	g_assert_true(ch_store_batch_begin(s));
	add_message(s, "a1", TRUE);
	add_message(s, "a2", FALSE);
	add_message(s, "a3", TRUE);
	g_assert_cmpint(rows_seen_by_another(path), ==, 0);
	g_assert_true(ch_store_batch_end(s, &e));
	g_assert_no_error(e);
	g_assert_cmpint(rows_seen_by_another(path), ==, 2);

	g_assert_true(ch_store_batch_begin(s));
	add_message(s, "b1", TRUE);
	ch_store_batch_abandon(s);
	g_assert_cmpint(rows_seen_by_another(path), ==, 2);
	/* Outside a batch, each transaction is its own commit again. */
	add_message(s, "c1", TRUE);
	g_assert_cmpint(rows_seen_by_another(path), ==, 3);
	ch_store_close(s);
	g_autofree char *rm = g_strdup_printf("rm -rf '%s'", dir);
	g_assert_cmpint(system(rm), ==, 0);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/durable/model/what-a-power-cut-leaves", test_model_what_a_power_cut_leaves);
	g_test_add_func("/durable/order/write-fsync-rename-fsync-folder-commit-move",
	                test_order_write_sync_rename_sync_commit_move);
	g_test_add_func("/durable/power-cut/anywhere-loses-nothing",
	                test_power_cut_anywhere_loses_nothing);
	g_test_add_func("/durable/batch/savepoints-and-one-commit",
	                test_batch_savepoints_and_one_commit);
	int rc = g_test_run();
	story_free();
	return rc;
}
