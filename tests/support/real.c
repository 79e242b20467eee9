#include "support/real.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

/* ---- the chaser folder ------------------------------------------------------------------ */

static char *config_text(const RealConfig *c)
{
	g_autofree char *cwd = g_get_current_dir();
	GString *s = g_string_new(NULL);
	/* reply_limit: the tests have one chair answer many conferences within the hour, which
	 * the default (10 answers an hour to one address) would rightly cut short. */
	g_string_append_printf(s,
	                       "[chaser]\n"
	                       "database = spool/chaser.db\n"
	                       "key = spool/secret.key\n"
	                       "spool = spool\n"
	                       "rules = %s/rules\n"
	                       "templates = %s/templates\n"
	                       "holidays = %s/rules/bank-holidays.txt\n"
	                       "nation = england-and-wales\n"
	                       "authserv_id = none\n"
	                       "reply_limit = 100\n"
	                       "[mailbox]\n"
	                       "address = %s\n"
	                       "name = Child Protection Conference Team\n"
	                       "plus_addressing = true\n"
	                       "[people]\n%s",
	                       cwd, cwd, cwd, c->address, c->people ? c->people : "");
	if (c->imap_url != NULL) {
		g_string_append_printf(s,
		                       "[inbound]\ntype = imap\n"
		                       "[imap]\nurl = %s\nuser = %s\npassword_file = %s\n"
		                       "timeout = 10\n",
		                       c->imap_url, c->imap_user, c->imap_password_file);
		if (c->imap_ca_file != NULL)
			g_string_append_printf(s, "ca_file = %s\n", c->imap_ca_file);
	} else {
		g_string_append(s, "[inbound]\ntype = maildir\nmaildir = spool/inbox\n");
	}
	if (c->smtp_url != NULL) {
		g_string_append_printf(s,
		                       "[outbound]\ntype = smtp\n"
		                       "[smtp]\nurl = %s\nrequire_tls = %s\nhelo = chaser.example.test\n"
		                       "timeout = 10\n",
		                       c->smtp_url, c->smtp_require_tls ? "true" : "false");
		if (c->smtp_user != NULL)
			g_string_append_printf(s, "user = %s\npassword_file = %s\n", c->smtp_user,
			                       c->smtp_password_file);
		if (c->smtp_ca_file != NULL)
			g_string_append_printf(s, "ca_file = %s\n", c->smtp_ca_file);
	} else {
		g_string_append(s, "[outbound]\ntype = spool\ndir = spool/outgoing\n");
	}
	g_autofree char *base = g_string_free(s, FALSE);
	return h_ini_merge(base, c->extra);
}

void real_chaser_configure(Harness *h, const RealConfig *c)
{
	g_autofree char *text = config_text(c);
	GError *e = NULL;
	g_file_set_contents(h->conf, text, -1, &e);
	g_assert_no_error(e);
}

Harness *real_chaser_new(const char *dir, const RealConfig *c)
{
	Harness *h = g_new0(Harness, 1);
	g_assert_cmpint(g_mkdir_with_parents(dir, 0700), ==, 0);
	h->dir = g_strdup(dir);
	h->conf = g_build_filename(dir, "chaser.conf", NULL);
	const char *bin = g_getenv("CHASER_BIN");
	g_autofree char *cwd = g_get_current_dir();
	h->bin = bin ? g_strdup(bin) : g_build_filename(cwd, "build", "chaser", NULL);
	if (!g_path_is_absolute(h->bin)) {
		char *abs = g_build_filename(cwd, h->bin, NULL);
		g_free(h->bin);
		h->bin = abs;
	}
	real_chaser_configure(h, c);
	if (h_run(h, NULL, "init", NULL) != 0)
		g_error("chaser init failed: %s", h->err);
	return h;
}

void real_chaser_free(Harness *h)
{
	if (h == NULL)
		return;
	g_free(h->dir), g_free(h->conf), g_free(h->bin), g_free(h->out), g_free(h->err);
	g_free(h);
}

/* ---- chaser run as a child --------------------------------------------------------------- */

struct RealRun {
	GPid pid;
	gboolean exited;
	int status;
};

static void die_with_parent(gpointer data)
{
	(void)data;
	prctl(PR_SET_PDEATHSIG, SIGKILL);
}

RealRun *real_run_start(Harness *h, const char *now)
{
	g_autofree char *log = g_build_filename(h->dir, "run.log", NULL);
	int fd = open(log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
	g_assert_cmpint(fd, >=, 0);
	GPtrArray *argv = g_ptr_array_new();
	g_ptr_array_add(argv, h->bin);
	g_ptr_array_add(argv, "-c");
	g_ptr_array_add(argv, h->conf);
	if (now != NULL) {
		g_ptr_array_add(argv, "--now");
		g_ptr_array_add(argv, (char *)now);
	}
	g_ptr_array_add(argv, "run");
	g_ptr_array_add(argv, NULL);
	/* The driver's info lines (logins, moves) make a failed test's log worth reading. */
	g_auto(GStrv) envp = g_environ_setenv(g_get_environ(), "G_MESSAGES_DEBUG", "chaser", TRUE);
	RealRun *r = g_new0(RealRun, 1);
	GError *e = NULL;
	g_spawn_async_with_fds(h->dir, (char **)argv->pdata, envp, G_SPAWN_DO_NOT_REAP_CHILD,
	                       die_with_parent, NULL, &r->pid, -1, fd, fd, &e);
	g_assert_no_error(e);
	close(fd);
	g_ptr_array_free(argv, TRUE);
	return r;
}

GPid real_run_pid(const RealRun *r)
{
	return r->pid;
}

gboolean real_run_alive(RealRun *r)
{
	if (r->exited)
		return FALSE;
	int st = 0;
	pid_t p = waitpid(r->pid, &st, WNOHANG);
	if (p == r->pid) {
		r->exited = TRUE;
		r->status = st;
		return FALSE;
	}
	return TRUE;
}

gboolean real_run_stop(RealRun *r, int sig, guint ms, int *status_r, double *took_ms)
{
	gint64 t0 = g_get_monotonic_time();
	if (real_run_alive(r))
		kill(r->pid, sig);
	gint64 end = t0 + (gint64)ms * 1000;
	while (real_run_alive(r) && g_get_monotonic_time() < end)
		g_usleep(2 * 1000);
	if (took_ms != NULL)
		*took_ms = (double)(g_get_monotonic_time() - t0) / 1000.0;
	if (status_r != NULL)
		*status_r = r->status;
	return r->exited;
}

char *real_run_log(Harness *h)
{
	g_autofree char *log = g_build_filename(h->dir, "run.log", NULL);
	char *text = NULL;
	if (!g_file_get_contents(log, &text, NULL, NULL))
		return g_strdup("");
	return text;
}

void real_run_free(RealRun *r)
{
	if (r == NULL)
		return;
	if (!r->exited) {
		kill(r->pid, SIGKILL);
		int st;
		while (waitpid(r->pid, &st, 0) < 0 && errno == EINTR)
			;
	}
	g_free(r);
}

/* ---- mail texts -------------------------------------------------------------------------- */

char *real_header(const char *text, const char *name)
{
	gsize n = strlen(name);
	const char *p = text;
	while (p && *p && *p != '\n' && !(p[0] == '\r' && p[1] == '\n')) {
		const char *eol = strchr(p, '\n');
		if (g_ascii_strncasecmp(p, name, n) == 0 && p[n] == ':') {
			GString *v = g_string_new(NULL);
			const char *q = p + n + 1;
			for (;;) {
				const char *e = strchr(q, '\n');
				gsize len = e ? (gsize)(e - q) : strlen(q);
				if (len > 0 && q[len - 1] == '\r')
					len--;
				g_autofree char *part = g_strndup(q, len);
				if (v->len)
					g_string_append_c(v, ' ');
				g_string_append(v, g_strstrip(part));
				if (e == NULL || (e[1] != ' ' && e[1] != '\t'))
					break;
				q = e + 1;
			}
			return g_string_free(v, FALSE);
		}
		p = eol ? eol + 1 : NULL;
	}
	return NULL;
}

char *real_angle(const char *text, const char *name)
{
	g_autofree char *v = real_header(text, name);
	const char *lt = v ? strrchr(v, '<') : NULL;
	const char *gt = lt ? strchr(lt, '>') : NULL;
	return gt ? g_strndup(lt + 1, (gsize)(gt - lt - 1)) : NULL;
}

const char *real_body(const char *text)
{
	const char *lf = strstr(text, "\n\n"), *crlf = strstr(text, "\r\n\r\n");
	if (crlf != NULL && (lf == NULL || crlf < lf))
		return crlf + 4;
	return lf ? lf + 2 : "";
}

GPtrArray *real_having(GPtrArray *texts, const char *name, const char *value)
{
	GPtrArray *out = g_ptr_array_new();
	for (guint i = 0; i < texts->len; i++) {
		g_autofree char *v = real_header(texts->pdata[i], name);
		if (v != NULL && strstr(v, value) != NULL)
			g_ptr_array_add(out, texts->pdata[i]);
	}
	return out;
}

guint real_distinct(GPtrArray *texts, const char *name, guint *dups_r)
{
	g_autoptr(GHashTable) seen = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	guint dups = 0;
	for (guint i = 0; i < texts->len; i++) {
		char *v = real_header(texts->pdata[i], name);
		if (v == NULL)
			continue;
		if (!g_hash_table_add(seen, v))
			dups++;
	}
	if (dups_r != NULL)
		*dups_r = dups;
	return g_hash_table_size(seen);
}

static void append_crlf(GString *s, const char *text, const char *prefix)
{
	g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
	guint n = g_strv_length(lines);
	/* A text ending in a newline has an empty last piece: not a line of its own. */
	if (n > 0 && lines[n - 1][0] == '\0')
		n--;
	for (guint i = 0; i < n; i++) {
		gsize len = strlen(lines[i]);
		if (len > 0 && lines[i][len - 1] == '\r')
			lines[i][len - 1] = '\0';
		g_string_append_printf(s, "%s%s\r\n", prefix, lines[i]);
	}
}

char *real_reply(const char *original, const char *from, const char *id, const char *text)
{
	g_autofree char *reply_to = real_angle(original, "Reply-To");
	g_autofree char *msgid = real_angle(original, "Message-Id");
	g_autofree char *subject = real_header(original, "Subject");
	g_autofree char *date = real_header(original, "Date");
	g_assert_nonnull(reply_to);
	g_assert_nonnull(msgid);
	g_assert_nonnull(subject);
	GString *s = g_string_new(NULL);
	g_string_append_printf(s,
	                       "From: %s\r\n"
	                       "To: Child Protection Conference Team <%s>\r\n"
	                       "Subject: RE: %s\r\n"
	                       "Message-ID: <%s@example.test>\r\n"
	                       "In-Reply-To: <%s>\r\n"
	                       "References: <%s>\r\n"
	                       "Date: Tue, 24 Nov 2026 09:05:00 +0000\r\n"
	                       "MIME-Version: 1.0\r\n"
	                       "Content-Type: text/plain; charset=utf-8\r\n"
	                       "Content-Transfer-Encoding: 8bit\r\n"
	                       "\r\n",
	                       from, reply_to, subject, id, msgid, msgid);
	append_crlf(s, text, "");
	g_string_append_printf(s, "\r\nOn %s, Child Protection Conference Team wrote:\r\n",
	                       date ? date : "Monday");
	append_crlf(s, real_body(original), "> ");
	return g_string_free(s, FALSE);
}

/* ---- the database ------------------------------------------------------------------------ */

sqlite3 *real_db_open(Harness *h)
{
	g_autofree char *path = g_build_filename(h->dir, "spool", "chaser.db", NULL);
	sqlite3 *db = NULL;
	g_assert_cmpint(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL), ==, SQLITE_OK);
	sqlite3_busy_timeout(db, 2000);
	return db;
}

gint64 real_db_int(sqlite3 *db, gint64 def, const char *sql, const char *param)
{
	sqlite3_stmt *st = NULL;
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		g_error("%s: %s", sql, sqlite3_errmsg(db));
	if (param != NULL)
		sqlite3_bind_text(st, 1, param, -1, SQLITE_TRANSIENT);
	gint64 v = def;
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW && sqlite3_column_type(st, 0) != SQLITE_NULL)
		v = sqlite3_column_int64(st, 0);
	else if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		g_error("%s: %s", sql, sqlite3_errmsg(db));
	sqlite3_finalize(st);
	return v;
}

gint64 real_query_int(Harness *h, gint64 def, const char *sql, const char *param)
{
	sqlite3 *db = real_db_open(h);
	gint64 v = real_db_int(db, def, sql, param);
	sqlite3_close(db);
	return v;
}

/* ---- figures ----------------------------------------------------------------------------- */

static int by_value(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

RealStats real_stats(double *v, guint n)
{
	RealStats s = { 0 };
	if (n == 0)
		return s;
	qsort(v, n, sizeof *v, by_value);
	double sum = 0;
	for (guint i = 0; i < n; i++)
		sum += v[i];
	s.min = v[0];
	s.max = v[n - 1];
	s.mean = sum / n;
	s.median = n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
	guint rank = (95 * n + 99) / 100; /* ceil(0.95 n) */
	s.p95 = v[MAX(rank, 1) - 1];
	return s;
}
