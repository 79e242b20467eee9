/* Crash consistency: chaser killed at any moment loses nothing and repeats nothing.
 *
 * A story with a backlog in the Maildir (the chair's reply escalating three lines, SLO
 * answers, strangers, the same bytes delivered twice, an out-of-office, a bounce, a safety
 * concern) is run as a list of steps (poll, flush, more replies, poll, tick, flush, ...).
 * First once without crashes, with CHASER_CRASH_LOG counting the crash points each step
 * reaches: that is the reference. Then for k = 1, 2, 3 ... up to the most points any step
 * reaches, the whole story again from the same starting copy, where every step that reaches k
 * points is first run with CHASER_CRASH_AT=k (killed by SIGKILL at its k-th point: the
 * process dies but the page cache survives, so this tests ordering, not fsync; test_durable
 * cuts the power for real) and then restarted. For odd k the restart is itself killed once more, earlier,
 * before a clean run finishes it. Every crashed story must end exactly where the reference
 * did:
 *   - the conference (show --json), the triage list and the Maildir;
 *   - every message recorded once, with the same outcome (message rows by fingerprint);
 *   - the same audit events in the same order: no state change applied twice or lost;
 *   - the same outbox rows (event keys unique: no event has two messages), and in
 *     spool/outgoing exactly one .eml per outbox row, carrying that row's Message-ID (the
 *     spool writer is idempotent per outbox id: a crash between writing and recording
 *     rewrites the same file).
 */
#include <signal.h>
#include <sqlite3.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <glib/gstdio.h>

#include "support/harness.h"

typedef enum { STEP_RUN, STEP_DELIVER } StepKind;

typedef struct {
	StepKind kind;
	const char *cmd;  /* poll | tick | flush */
	const char *now;
} Step;

static const Step steps[] = {
	{ STEP_RUN, "poll", "2026-11-24T09:10" },
	{ STEP_RUN, "flush", "2026-11-24T09:10" },
	{ STEP_DELIVER, NULL, NULL },  /* answers that use the tokens of mail just sent */
	{ STEP_RUN, "poll", "2026-11-25T11:00" },
	{ STEP_RUN, "flush", "2026-11-25T11:00" },
	{ STEP_RUN, "tick", "2026-12-02T10:00" },
	{ STEP_RUN, "flush", "2026-12-02T10:00" },
	{ STEP_RUN, "tick", "2026-12-04T10:00" },
	{ STEP_RUN, "flush", "2026-12-04T10:00" },
};
#define N_STEPS G_N_ELEMENTS(steps)

/* ---- running chaser, killed or not ---------------------------------------------------------- */

typedef struct {
	gboolean killed;
	int status;
	char *last_point;  /* where it was killed, from the crash log */
} RunResult;

/* Runs chaser -c CONF --now NOW CMD in dir, with CHASER_CRASH_AT=crash_at (0: none) and the
 * crash log in log_path (may be NULL). */
static RunResult run_chaser(const char *bin, const char *dir, const char *cmd, const char *now,
                            int crash_at, const char *log_path)
{
	g_autofree char *conf = g_build_filename(dir, "chaser.conf", NULL);
	const char *argv[] = { bin, "-c", conf, "--now", now, cmd, NULL };
	g_auto(GStrv) env = g_get_environ();
	env = g_environ_unsetenv(env, "CHASER_CRASH_AT");
	env = g_environ_unsetenv(env, "CHASER_CRASH_LOG");
	g_autofree char *at = g_strdup_printf("%d", crash_at);
	if (crash_at)
		env = g_environ_setenv(env, "CHASER_CRASH_AT", at, TRUE);
	if (log_path) {
		g_unlink(log_path);
		env = g_environ_setenv(env, "CHASER_CRASH_LOG", log_path, TRUE);
	}
	g_autofree char *out = NULL, *err = NULL;
	int wait = 0;
	GError *e = NULL;
	g_assert_true(g_spawn_sync(dir, (char **)argv, env, G_SPAWN_DEFAULT, NULL, NULL, &out, &err,
	                           &wait, &e));
	g_assert_no_error(e);
	g_string_append(h_all_stderr(), err);
	if (strstr(err, "ERROR: AddressSanitizer") || strstr(err, "runtime error:") ||
	    strstr(err, "LeakSanitizer"))
		g_error("sanitizer report from chaser %s:\n%s", cmd, err);
	RunResult r = { 0 };
	if (WIFSIGNALED(wait)) {
		if (WTERMSIG(wait) != SIGKILL)
			g_error("chaser %s died by signal %d:\n%s", cmd, WTERMSIG(wait), err);
		r.killed = TRUE;
		g_autofree char *log = NULL;
		if (log_path && g_file_get_contents(log_path, &log, NULL, NULL)) {
			g_auto(GStrv) lines = g_strsplit(g_strchomp(log), "\n", -1);
			guint n = g_strv_length(lines);
			r.last_point = n ? g_strdup(lines[n - 1]) : NULL;
		}
	} else {
		r.status = WEXITSTATUS(wait);
		if (r.status != 0)
			g_error("chaser %s at %s exited %d:\n%s%s", cmd, now, r.status, out, err);
	}
	return r;
}

static guint count_lines(const char *path)
{
	g_autofree char *text = NULL;
	if (!g_file_get_contents(path, &text, NULL, NULL))
		return 0;
	guint n = 0;
	for (const char *p = text; *p; p++)
		n += *p == '\n';
	return n;
}

/* ---- the story ------------------------------------------------------------------------------ */

static char *sent_mail(const char *dir, const char *kind, const char *to)
{
	g_autofree char *out = g_build_filename(dir, "spool", "outgoing", NULL);
	g_autoptr(GDir) d = g_dir_open(out, 0, NULL);
	g_autofree char *suffix = g_strdup_printf("-%s.eml", kind);
	char *found = NULL;
	const char *n;
	/* The newest: names start with the outbox id. */
	while (d && (n = g_dir_read_name(d))) {
		if (!g_str_has_suffix(n, suffix))
			continue;
		g_autofree char *path = g_build_filename(out, n, NULL);
		g_autofree char *rcpt = h_header(path, "To");
		if (!rcpt || !strstr(rcpt, to))
			continue;
		if (!found || strcmp(path, found) > 0) {
			g_free(found);
			found = g_steal_pointer(&path);
		}
	}
	return found;
}

static void deliver(const char *dir, const char *name, const char *text)
{
	g_autofree char *tmp = g_build_filename(dir, "spool", "inbox", "tmp", name, NULL);
	g_autofree char *dst = g_build_filename(dir, "spool", "inbox", "new", name, NULL);
	g_assert_true(g_file_set_contents(tmp, text, -1, NULL));
	g_assert_cmpint(g_rename(tmp, dst), ==, 0);
}

/* The backlog waiting when chaser first polls. Names sort in the order they arrived. */
static void deliver_backlog(Harness *h)
{
	g_autofree char *list = h_mail(h, "distribution_list", H_CHAIR);
	g_autofree char *token = h_token(list);
	g_autofree char *msgid = h_msgid(list);
	g_autofree char *chair = g_strdup_printf(
		"From: Dr Ffion Testwood <" H_CHAIR ">\nTo: safeguarding+%s@council.example\n"
		"Subject: RE: [" H_REF "] Distribution list for authorisation\n"
		"Message-ID: <crash-chair@chairs.example.org>\nIn-Reply-To: <%s>\n\n"
		"AUTHORISED\nESCALATE 2 no_apologies, no_report: did not attend and sent nothing\n"
		"ESCALATE 3 report_quality: the report was two lines long\n"
		"ESCALATE 4 not_redacted: named the foster carers\n\nFfion\n",
		token, msgid);
	h_deliver(h, "01-chair", chair);
	/* The same bytes again, as a CC copy or a client's second send. */
	h_deliver(h, "02-chair-again", chair);
	h_deliver(h, "03-police-slo",
	          "From: DI Ruth Calloway <" H_POLICE_SLO ">\nTo: safeguarding@council.example\n"
	          "Subject: RE: [" H_REF "] Escalation: your response is needed\n"
	          "Message-ID: <crash-police@police.example.org>\n\n"
	          "RESOLVED: the sergeant now checks redaction before reports go out\n");
	h_deliver(h, "04-health-slo",
	          "From: safeguarding.lead@health.example.org\nTo: safeguarding@council.example\n"
	          "Subject: RE: [" H_REF "] Escalation: your response is needed\n"
	          "Message-ID: <crash-health@health.example.org>\n\n"
	          "We have spoken to the health visitor; a fuller report will follow.\n");
	h_deliver(h, "05-stranger",
	          "From: Pat Doe <pat.doe@elsewhere.example.com>\nTo: safeguarding@council.example\n"
	          "Subject: RE: [" H_REF "] Distribution list for authorisation\n"
	          "Message-ID: <crash-stranger@elsewhere.example.com>\n\nAUTHORISED\n");
	h_deliver(h, "06-stranger-no-tag",
	          "From: someone@elsewhere.example.com\nSubject: hello\n"
	          "Message-ID: <crash-hello@elsewhere.example.com>\n\nIs this the right address?\n");
	h_deliver(h, "07-out-of-office",
	          "From: Owen Pike <" H_SCHOOL_SLO ">\nTo: safeguarding@council.example\n"
	          "Subject: Automatic reply: [" H_REF "] Distribution list\n"
	          "Auto-Submitted: auto-replied\nMessage-ID: <crash-ooo@brookfield.example.net>\n\n"
	          "I am away until Monday 30 November.\n");
	g_autofree char *bounce = h_fixture("tests/data/trust/bounce-dsn.eml", "", msgid);
	h_deliver(h, "08-bounce", bounce);
	h_deliver(h, "09-police-slo-again",
	          "From: DI Ruth Calloway <" H_POLICE_SLO ">\nTo: safeguarding@council.example\n"
	          "Subject: RE: [" H_REF "] Escalation: your response is needed\n"
	          "Message-ID: <crash-police@police.example.org>\n\n"
	          "RESOLVED: the sergeant now checks redaction before reports go out\n");
	h_deliver(h, "10-safety",
	          "From: " H_SCHOOL_SLO "\nTo: safeguarding@council.example\n"
	          "Subject: [" H_REF "] please call\nMessage-ID: <crash-safety@brookfield.example.net>\n"
	          "\nThe teacher says the child is not safe tonight.\n");
	h_deliver(h, "11-unreadable", "not a message at all\n");
}

/* Answers that need tokens from mail sent in the first flush: no Message-ID of ours in them
 * (those carry a random part), only the plus-address, so that they are the same bytes in
 * every run. */
static void deliver_answers(const char *dir)
{
	g_autofree char *confirm = sent_mail(dir, "escalation_response", H_CHAIR);
	if (confirm) {
		g_autofree char *t = h_token(confirm);
		g_autofree char *text = g_strdup_printf(
			"From: " H_CHAIR "\nTo: safeguarding+%s@council.example\n"
			"Subject: RE: [" H_REF "] Escalation: response received, please confirm\n"
			"Message-ID: <crash-confirm@chairs.example.org>\n\nRESOLVED: accepted\n",
			t);
		deliver(dir, "20-chair-confirms", text);
	}
	g_autofree char *esc = sent_mail(dir, "escalation", H_SCHOOL_SLO);
	if (!esc)
		return; /* then this run differs from the reference, which the end will show */
	g_autofree char *t = h_token(esc);
	g_autofree char *text = g_strdup_printf(
		"From: " H_SCHOOL_SLO "\nTo: safeguarding+%s@council.example\n"
		"Subject: RE: [" H_REF "] Escalation: your response is needed\n"
		"Message-ID: <crash-school@brookfield.example.net>\n\nNOT RESOLVED: we dispute this\n",
		t);
	deliver(dir, "21-school-slo", text);
	deliver(dir, "22-school-slo-twice", text);
}

/* ---- what a finished story looks like -------------------------------------------------------- */

static void sql_rows(GString *out, sqlite3 *db, const char *sql)
{
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		g_error("%s: %s", sql, sqlite3_errmsg(db));
	while (sqlite3_step(st) == SQLITE_ROW) {
		for (int i = 0; i < sqlite3_column_count(st); i++) {
			const char *v = (const char *)sqlite3_column_text(st, i);
			g_string_append_printf(out, "%s%s", i ? " | " : "", v ? v : "NULL");
		}
		g_string_append_c(out, '\n');
	}
	sqlite3_finalize(st);
}

static gint64 sql_int(sqlite3 *db, const char *sql)
{
	sqlite3_stmt *st;
	g_assert_cmpint(sqlite3_prepare_v2(db, sql, -1, &st, NULL), ==, SQLITE_OK);
	gint64 v = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : -1;
	sqlite3_finalize(st);
	return v;
}

static char *chaser_out(const char *bin, const char *dir, const char *a, const char *b)
{
	g_autofree char *conf = g_build_filename(dir, "chaser.conf", NULL);
	const char *argv[] = { bin, "-c", conf, "--now", "2026-12-04T10:00", a, b, "--json", NULL };
	char *out = NULL;
	g_autofree char *err = NULL;
	int wait = 0;
	g_assert_true(g_spawn_sync(dir, (char **)argv, NULL, G_SPAWN_DEFAULT, NULL, NULL, &out, &err,
	                           &wait, NULL));
	g_assert_true(WIFEXITED(wait) && WEXITSTATUS(wait) == 0);
	return out;
}

static gint by_str(gconstpointer a, gconstpointer b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static char *list_dir(const char *dir)
{
	g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func(g_free);
	g_autoptr(GDir) d = g_dir_open(dir, 0, NULL);
	const char *n;
	while (d && (n = g_dir_read_name(d)))
		g_ptr_array_add(names, g_strdup(n));
	g_ptr_array_sort(names, by_str);
	g_ptr_array_add(names, NULL);
	return g_strjoinv("\n", (char **)names->pdata);
}

/* Everything that must come out the same, as one text per part, and the invariants that hold
 * in any run (asserted here). */
typedef struct {
	char *show, *triage, *messages, *audit, *audit_kinds, *outbox, *spool, *raw, *maildir_new,
		*maildir_cur;
} Outcome;

static void outcome_clear(Outcome *o)
{
	g_free(o->show), g_free(o->triage), g_free(o->messages), g_free(o->audit);
	g_free(o->audit_kinds), g_free(o->outbox), g_free(o->spool), g_free(o->raw);
	g_free(o->maildir_new), g_free(o->maildir_cur);
}

static void outcome_read(const char *bin, const char *dir, Outcome *o)
{
	o->show = chaser_out(bin, dir, "show", H_REF);
	o->triage = chaser_out(bin, dir, "triage", "--all");
	g_autofree char *path = g_build_filename(dir, "spool", "chaser.db", NULL);
	sqlite3 *db;
	g_assert_cmpint(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL), ==, SQLITE_OK);
	GString *s = g_string_new(NULL);
	sql_rows(s, db, "SELECT fingerprint, location, state, kind, class, attempts, reason, raw_path"
	                " FROM message ORDER BY fingerprint");
	o->messages = g_string_free(s, FALSE);
	s = g_string_new(NULL);
	sql_rows(s, db, "SELECT at, conference_id, source, what, object, old, new, detail"
	                " FROM audit ORDER BY id");
	o->audit = g_string_free(s, FALSE);
	s = g_string_new(NULL);
	sql_rows(s, db, "SELECT what, count(*) FROM audit GROUP BY what ORDER BY what");
	o->audit_kinds = g_string_free(s, FALSE);
	s = g_string_new(NULL);
	sql_rows(s, db, "SELECT id, conference_id, kind, event_key, rcpt, subject, state, attempts,"
	                " created_at, sent_at, last_error FROM outbox ORDER BY id");
	o->outbox = g_string_free(s, FALSE);

	/* In every run: one message per event, and the spool holds exactly one file per row
	 * that was sent, which is that row's message. */
	g_assert_cmpint(sql_int(db, "SELECT count(*) - count(DISTINCT event_key) FROM outbox"), ==, 0);
	g_assert_cmpint(sql_int(db, "SELECT count(*) - count(DISTINCT fingerprint) FROM message"),
	                ==, 0);
	g_autofree char *outgoing = g_build_filename(dir, "spool", "outgoing", NULL);
	g_autoptr(GDir) d = g_dir_open(outgoing, 0, NULL);
	guint files = 0;
	const char *n;
	while ((n = g_dir_read_name(d))) {
		if (!g_str_has_suffix(n, ".eml"))
			g_error("stray file in spool/outgoing: %s", n);
		files++;
		gint64 id = g_ascii_strtoll(n, NULL, 10);
		g_autofree char *file = g_build_filename(outgoing, n, NULL);
		g_autofree char *mid = h_msgid(file);
		g_autofree char *sql = g_strdup_printf(
			"SELECT count(*) FROM outbox WHERE id = %" G_GINT64_FORMAT " AND sent_at IS NOT NULL"
			" AND message_id = '%s' AND '%s' = printf('%%06d-%%s.eml', id, kind)",
			id, mid, n);
		if (sql_int(db, sql) != 1)
			g_error("%s in spool/outgoing is not the message of a sent outbox row", n);
	}
	/* (A row that bounced later is "failed" but was sent: its file stays.) */
	g_assert_cmpint(files, ==, sql_int(db, "SELECT count(*) FROM outbox WHERE sent_at IS NOT NULL"));
	sqlite3_close(db);
	o->spool = list_dir(outgoing);
	g_autofree char *raw = g_build_filename(dir, "spool", "messages", NULL);
	o->raw = list_dir(raw);
	g_autofree char *new_dir = g_build_filename(dir, "spool", "inbox", "new", NULL);
	g_autofree char *cur_dir = g_build_filename(dir, "spool", "inbox", "cur", NULL);
	o->maildir_new = list_dir(new_dir);
	o->maildir_cur = list_dir(cur_dir);
	g_assert_cmpstr(o->maildir_new, ==, "");
}

static void outcome_assert_equal(const Outcome *got, const Outcome *want, int k)
{
	const struct {
		const char *what;
		const char *got, *want;
	} parts[] = {
		{ "show --json", got->show, want->show },
		{ "triage --json --all", got->triage, want->triage },
		{ "messages", got->messages, want->messages },
		{ "audit events per kind", got->audit_kinds, want->audit_kinds },
		{ "audit log", got->audit, want->audit },
		{ "outbox", got->outbox, want->outbox },
		{ "spool/outgoing", got->spool, want->spool },
		{ "spool/messages", got->raw, want->raw },
		{ "Maildir cur/", got->maildir_cur, want->maildir_cur },
	};
	for (guint i = 0; i < G_N_ELEMENTS(parts); i++)
		if (strcmp(parts[i].got, parts[i].want))
			g_error("crashes at point %d: %s differs from the run without crashes.\n"
			        "--- without crashes:\n%s\n--- with crashes:\n%s",
			        k, parts[i].what, parts[i].want, parts[i].got);
}

/* ---- the test -------------------------------------------------------------------------------- */

static char *copy_of(const char *template)
{
	GError *e = NULL;
	char *dir = g_dir_make_tmp("chaser-crash-XXXXXX", &e);
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

static void test_killed_anywhere_ends_like_never_killed(void)
{
	g_autoptr(Harness) h = h_new(NULL);
	h_story_setup(h);
	deliver_backlog(h);
	const char *bin = h->bin;
	g_autofree char *logs = g_dir_make_tmp("chaser-crashlog-XXXXXX", NULL);

	/* The reference: no crash, each step's crash points counted. */
	g_autofree char *ref_dir = copy_of(h->dir);
	guint points[N_STEPS] = { 0 };
	guint most = 0;
	g_autoptr(GHashTable) names = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	for (guint i = 0; i < N_STEPS; i++) {
		if (steps[i].kind == STEP_DELIVER) {
			deliver_answers(ref_dir);
			continue;
		}
		g_autofree char *log = g_build_filename(logs, "reference", NULL);
		run_chaser(bin, ref_dir, steps[i].cmd, steps[i].now, 0, log);
		points[i] = count_lines(log);
		most = MAX(most, points[i]);
		g_autofree char *text = NULL;
		if (g_file_get_contents(log, &text, NULL, NULL)) {
			g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
			for (char **l = lines; *l; l++)
				if (**l)
					g_hash_table_add(names, g_strdup(*l));
		}
		g_test_message("step %u (%s %s): %u crash points", i, steps[i].cmd, steps[i].now,
		               points[i]);
	}
	Outcome want = { 0 };
	outcome_read(bin, ref_dir, &want);
	/* The story is worth crashing: it did things. */
	g_assert_nonnull(strstr(want.show, "\"authorised\""));
	g_assert_nonnull(strstr(want.audit_kinds, "mail.sent"));
	g_assert_nonnull(strstr(want.audit_kinds, "message.triage"));
	g_assert_nonnull(strstr(want.audit_kinds, "mail.bounced"));
	g_assert_nonnull(strstr(want.audit_kinds, "escalation.chased"));
	static const char *const known[] = {
		"intake.before-raw", "intake.after-raw", "outbox.queued-one", "intake.before-commit",
		"intake.after-commit", "maildir.after-move", "tick.before-commit", "tick.after-commit",
		"flush.after-send", "flush.before-record", "flush.after-record", NULL,
	};
	for (guint i = 0; known[i]; i++)
		if (!g_hash_table_contains(names, known[i]))
			g_error("the story never reaches crash point %s", known[i]);

	/* Then killed at every k. */
	guint runs = 0, killed = 0;
	g_autoptr(GHashTable) hit = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	g_autofree char *log = g_build_filename(logs, "crash", NULL);
	for (guint k = 1; k <= most; k++) {
		g_autofree char *dir = copy_of(h->dir);
		for (guint i = 0; i < N_STEPS; i++) {
			if (steps[i].kind == STEP_DELIVER) {
				deliver_answers(dir);
				continue;
			}
			if (k <= points[i]) {
				RunResult r = run_chaser(bin, dir, steps[i].cmd, steps[i].now, (int)k, log);
				runs++;
				/* The state before this step is the reference's, so it reaches the same
				 * points: point k is reached, and kills it. */
				if (!r.killed)
					g_error("step %u (%s) with CHASER_CRASH_AT=%u was not killed", i,
					        steps[i].cmd, k);
				killed++;
				if (r.last_point)
					g_hash_table_add(hit, r.last_point);
				/* Killed again while recovering, earlier on, every other time. */
				if (k % 2 == 1 && k > 2) {
					RunResult r2 = run_chaser(bin, dir, steps[i].cmd, steps[i].now,
					                          (int)(k / 2), log);
					runs++;
					if (r2.killed) {
						killed++;
						if (r2.last_point)
							g_hash_table_add(hit, r2.last_point);
					}
				}
			}
			run_chaser(bin, dir, steps[i].cmd, steps[i].now, 0, NULL);
			runs++;
		}
		Outcome got = { 0 };
		outcome_read(bin, dir, &got);
		outcome_assert_equal(&got, &want, (int)k);
		outcome_clear(&got);
		remove_dir(dir);
	}
	outcome_clear(&want);

	/* Every point the story reaches was a point of death at least once. */
	GHashTableIter it;
	gpointer name;
	g_hash_table_iter_init(&it, names);
	while (g_hash_table_iter_next(&it, &name, NULL))
		if (!g_hash_table_contains(hit, name))
			g_error("chaser was never killed at %s", (char *)name);
	g_assert_cmpuint(killed, >=, 50);
	g_test_message("crash consistency: %u runs, %u killed, %u distinct kill points, k = 1..%u",
	               runs, killed, g_hash_table_size(hit), most);
	printf("crash consistency: %u runs, %u killed, %u distinct kill points (of %u reached), "
	       "k = 1..%u: every crashed story ended as the uncrashed one\n",
	       runs, killed, g_hash_table_size(hit), g_hash_table_size(names), most);
	fflush(stdout);
	remove_dir(ref_dir);
	remove_dir(logs);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/crash/killed-anywhere-ends-like-never-killed",
	                test_killed_anywhere_ends_like_never_killed);
	return g_test_run();
}
