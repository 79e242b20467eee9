/* No open obligation without a clock: the schema refuses one, an older database that holds
 * one is named by reconcile, and an SLO's free-text answer leaves the chair owing a decision
 * that is chased like everything else. The real binary, as a user runs it. */
#include <signal.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "support/harness.h"

#define CP_COORDINATOR "cp.coordinator@council.example"

static void db_exec(sqlite3 *sq, const char *sql)
{
	char *msg = NULL;
	if (sqlite3_exec(sq, sql, NULL, NULL, &msg) != SQLITE_OK)
		g_error("%s: %s", sql, msg);
}

/* The error SQLite gave for sql, or NULL when it was stored. */
static char *db_try(sqlite3 *sq, const char *sql)
{
	char *msg = NULL;
	if (sqlite3_exec(sq, sql, NULL, NULL, &msg) == SQLITE_OK)
		return NULL;
	char *copy = g_strdup(msg ? msg : "(no message)");
	sqlite3_free(msg);
	return copy;
}

static char *db_str(sqlite3 *sq, const char *sql)
{
	sqlite3_stmt *st = NULL;
	g_assert_cmpint(sqlite3_prepare_v2(sq, sql, -1, &st, NULL), ==, SQLITE_OK);
	char *v = NULL;
	if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0))
		v = g_strdup((const char *)sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	return v;
}

/* The story with the list authorised on Monday 14 December 2026 and line 2 (Brookfield
 * Primary School, SLO Owen Pike) escalated. */
static void escalated(Harness *h)
{
	h_story_setup(h);
	h_reply_to(h, "chair", "distribution_list", H_CHAIR, H_CHAIR,
	           "AUTHORISED\nESCALATE 2 no_apologies: sent nothing and did not come\n");
	g_assert_cmpint(h_run(h, "2026-12-14T09:10", "poll", NULL), ==, 0);
	g_assert_cmpint(h_run(h, "2026-12-14T09:10", "flush", NULL), ==, 0);
	g_assert_cmpuint(h_count_mail(h, "escalation", H_SCHOOL_SLO), ==, 1);
}

/* ---- the schema refuses an open item without its clock ------------------------------- */

typedef struct {
	const char *what;
	const char *refused;  /* the row without its clock */
	const char *stored;   /* the same row with it: proof the clock is what was missing */
} Row;

#define ESC_INSERT                                                                           \
	"INSERT INTO escalation(conference_id, attendee_id, reasons, stage, state, raised_at,"  \
	" stage_at, due, calendar, asked, next_at, confirm_due)"                                 \
	" SELECT c.id, a.id, 'no_report', 1, '%s', '2026-11-24T09:00:00+00:00',"                 \
	" '2026-11-24T09:00:00+00:00', '2026-12-01', 'test', 'x@agency.example.org', %s, %s"    \
	" FROM conference c JOIN attendee a ON a.conference_id = c.id"                          \
	" WHERE c.ref = 'CP-2026-0042' AND a.n = %d"
#define CONF_INSERT                                                                          \
	"INSERT INTO conference(ref, held, type, procedure, chair_email, social_worker, state,"  \
	" created_at, due, next_at) VALUES('%s', '2026-11-20T10:00:00+00:00', 'initial',"        \
	" 'default', 'chair@chairs.example.org', 'sw@council.example', '%s',"                    \
	" '2026-11-20T11:00:00+00:00', %s, %s)"
#define REPORT_INSERT                                                                        \
	"INSERT INTO report(conference_id, agency_id, asked, state, request_by, due, calendar,"  \
	" review_due, next_at) SELECT c.id, g.id, 'x@agency.example.org', '%s',"                 \
	" '2026-11-21T10:00:00+00:00', '2026-11-27', 'test', %s, %s FROM conference c, agency g" \
	" WHERE c.ref = 'CP-2026-0042' AND g.name = '%s'"
#define NEXT "'2026-12-02T09:00:00Z'"

static void test_schema_refuses_open_items_without_a_clock(void)
{
	g_autoptr(Harness) h = h_new(NULL);
	h_story_setup(h);
	sqlite3 *sq = h_db_open(h);
	db_exec(sq, "PRAGMA foreign_keys = ON");
	/* The story's own reports would share the (conference, agency) key. */
	db_exec(sq, "DELETE FROM report");
	const char *due_iso = "'2026-12-01T23:59:59Z'";
	struct {
		const char *what;
		char *refused, *refused2, *stored;
	} rows[] = {
		{ "an open escalation", g_strdup_printf(ESC_INSERT, "open", "NULL", "NULL", 1),
		  NULL, g_strdup_printf(ESC_INSERT, "open", NEXT, "NULL", 1) },
		{ "a responded escalation", g_strdup_printf(ESC_INSERT, "responded", "NULL", due_iso, 2),
		  g_strdup_printf(ESC_INSERT, "responded", NEXT, "NULL", 2),
		  g_strdup_printf(ESC_INSERT, "responded", NEXT, due_iso, 2) },
		{ "a conference whose list is not sent",
		  g_strdup_printf(CONF_INSERT, "CP-2026-0101", "held", due_iso, "NULL"),
		  g_strdup_printf(CONF_INSERT, "CP-2026-0101", "held", "NULL", NEXT),
		  g_strdup_printf(CONF_INSERT, "CP-2026-0101", "held", due_iso, NEXT) },
		{ "a conference whose list is not authorised",
		  g_strdup_printf(CONF_INSERT, "CP-2026-0102", "list_sent", due_iso, "NULL"),
		  g_strdup_printf(CONF_INSERT, "CP-2026-0102", "list_sent", "NULL", NEXT),
		  g_strdup_printf(CONF_INSERT, "CP-2026-0102", "list_sent", due_iso, NEXT) },
		{ "an awaited report",
		  g_strdup_printf(REPORT_INSERT, "awaited", "NULL", "NULL", "Northshire Police"), NULL,
		  g_strdup_printf(REPORT_INSERT, "awaited", "NULL", NEXT, "Northshire Police") },
		{ "a received report awaiting review",
		  g_strdup_printf(REPORT_INSERT, "received", due_iso, "NULL", "Northshire Health"),
		  g_strdup_printf(REPORT_INSERT, "received", "NULL", NEXT, "Northshire Health"),
		  g_strdup_printf(REPORT_INSERT, "received", due_iso, NEXT, "Northshire Health") },
	};
	for (guint i = 0; i < G_N_ELEMENTS(rows); i++) {
		g_test_message("%s", rows[i].what);
		g_autofree char *e1 = db_try(sq, rows[i].refused);
		g_assert_nonnull(e1);
		g_assert_nonnull(strstr(e1, "needs its due time and next time"));
		if (rows[i].refused2) {
			g_autofree char *e2 = db_try(sq, rows[i].refused2);
			g_assert_nonnull(e2);
			g_assert_nonnull(strstr(e2, "needs its due time and next time"));
		}
		g_autofree char *ok = db_try(sq, rows[i].stored);
		g_assert_null(ok);
		g_assert_cmpint(sqlite3_changes(sq), ==, 1);
		g_free(rows[i].refused), g_free(rows[i].refused2), g_free(rows[i].stored);
	}
	/* Nor may an update take the clock off an open item, or open one without it. */
	static const char *const updates[] = {
		"UPDATE escalation SET next_at = NULL WHERE state = 'open'",
		"UPDATE escalation SET state = 'responded', confirm_due = NULL WHERE state = 'open'",
		"UPDATE conference SET next_at = NULL WHERE ref = 'CP-2026-0042'",
		"UPDATE report SET next_at = NULL WHERE state = 'awaited'",
		"UPDATE report SET reviewed_at = NULL, review_due = NULL WHERE state = 'received'",
	};
	for (guint i = 0; i < G_N_ELEMENTS(updates); i++) {
		g_test_message("%s", updates[i]);
		g_autofree char *e = db_try(sq, updates[i]);
		g_assert_nonnull(e);
		g_assert_nonnull(strstr(e, "needs its due time and next time"));
	}
	/* Closed, an item needs no clock. */
	g_assert_null(db_try(sq, "UPDATE escalation SET state = 'resolved', next_at = NULL"
	                         " WHERE state = 'open'"));
	g_assert_cmpint(sqlite3_changes(sq), ==, 1);
	sqlite3_close(sq);
	h->broken = TRUE; /* rows written behind chaser's back, without their messages */
}

/* ---- an older database ---------------------------------------------------------------- */

/* Takes the database back to schema 3, as a chaser from before the clocks left it, with the
 * rows that chaser left without a clock: the SLO's free-text answer about line 2, a second
 * conference whose list waits for its chair, a report reminded once about its review. */
static void make_older(Harness *h)
{
	sqlite3 *sq = h_db_open(h);
	db_exec(sq, "DROP TABLE IF EXISTS safety_alert;"
	            "DROP VIEW IF EXISTS obligation;"
	            "DROP TRIGGER IF EXISTS conference_clock_insert;"
	            "DROP TRIGGER IF EXISTS conference_clock_update;"
	            "DROP TRIGGER IF EXISTS escalation_clock_insert;"
	            "DROP TRIGGER IF EXISTS escalation_clock_update;"
	            "DROP TRIGGER IF EXISTS report_clock_insert;"
	            "DROP TRIGGER IF EXISTS report_clock_update;"
	            "DROP TRIGGER IF EXISTS report_high_risk_clock_insert;"
	            "DROP TRIGGER IF EXISTS report_high_risk_clock_update;"
	            "DROP INDEX IF EXISTS report_high_risk_next;"
	            "PRAGMA user_version = 3;");
	/* What the later schemas added: the clocks (4), high risk per report (6), concerns
	 * between agencies (8), Cwm Taf's set-aside and options (9). */
	static const char *const added[][2] = {
		{ "conference", "due" }, { "escalation", "confirm_due" },
		{ "escalation", "confirm_reminded_at" }, { "escalation", "meeting_date" },
		{ "escalation", "outcome_asked_at" }, { "escalation", "chair_told_at" },
		{ "report", "high_risk_at" }, { "report", "high_risk_by" }, { "report", "high_risk_due" },
		{ "report", "high_risk_next_at" }, { "report", "high_risk_reminded_at" },
		{ "report", "addressed_by" }, { "report", "addressed_at" },
		{ "escalation", "procedure" }, { "escalation", "raiser" },
		{ "escalation", "raiser_agency" }, { "escalation", "raiser_manager" },
		{ "escalation", "raiser_slo" }, { "escalation", "stage_starts" },
		{ "escalation", "branch" },
		{ "escalation", "set_aside_at" }, { "escalation", "set_aside_by" },
		{ "escalation", "set_aside_words" }, { "escalation", "reconvene_held" },
		{ "escalation", "options" },
	};
	for (guint i = 0; i < G_N_ELEMENTS(added); i++) {
		g_autofree char *has = g_strdup_printf("SELECT name FROM pragma_table_info('%s')"
		                                       " WHERE name = '%s'",
		                                       added[i][0], added[i][1]);
		g_autofree char *name = db_str(sq, has);
		g_autofree char *drop = g_strdup_printf("ALTER TABLE %s DROP COLUMN %s", added[i][0],
		                                        added[i][1]);
		if (name)
			db_exec(sq, drop);
	}
	db_exec(sq, "UPDATE escalation SET state = 'responded', next_at = NULL,"
	            " responded_at = '2026-12-15T10:00:00+00:00', response = 'We will look at it'"
	            " WHERE attendee_id = (SELECT id FROM attendee WHERE n = 2)");
	db_exec(sq, "INSERT INTO conference(ref, held, type, procedure, chair_email, social_worker,"
	            " state, list_sent_at, created_at) VALUES('CP-2026-0050',"
	            " '2026-12-01T10:00:00+00:00', 'initial', 'default', 'chair@chairs.example.org',"
	            " 'sw@council.example', 'list_sent', '2026-12-02T09:00:00+00:00',"
	            " '2026-12-01T11:00:00+00:00')");
	db_exec(sq, "UPDATE report SET state = 'received', received_at = '2026-11-25T09:00:00Z',"
	            " review_due = '2026-11-26T09:00:00+00:00',"
	            " review_reminded_at = '2026-11-26T09:05:00+00:00', next_at = NULL"
	            " WHERE agency_id = (SELECT id FROM agency"
	            "                    WHERE name = 'Brookfield Primary School')");
	sqlite3_close(sq);
}

static void test_older_database_migrates_and_reconcile_names_what_has_no_clock(void)
{
	g_autoptr(Harness) h = h_new(NULL);
	escalated(h);
	sqlite3 *fresh = h_db_open(h);
	g_autofree char *latest = db_str(fresh, "PRAGMA user_version");
	sqlite3_close(fresh);
	make_older(h);
	/* The first run migrates; reconcile names each item and who nobody is chasing. */
	g_assert_cmpint(h_run(h, "2026-12-16T10:00", "reconcile", NULL), ==, 1);
	g_test_message("%s", h->out);
	g_assert_nonnull(strstr(h->out, "FAULT: CP-2026-0042: the chair's decision on the answer to "
	                                "the escalation of line 2 (Brookfield Primary School) is "
	                                "owed but has no due time and no next time"));
	g_assert_nonnull(strstr(h->out, "FAULT: CP-2026-0050: the chair's authorisation of the "
	                                "distribution list is owed but has no due time and no "
	                                "next time"));
	g_assert_nonnull(strstr(h->out, "FAULT: CP-2026-0042: the chair's review of a "
	                                "post-conference report (Brookfield Primary School) is owed "
	                                "but has no next time"));
	/* No one's name or address: the conference and what is owed. */
	g_assert_null(strstr(h->out, "Owen"));
	g_assert_null(strstr(h->out, "@"));
	sqlite3 *sq = h_db_open(h);
	g_autofree char *version = db_str(sq, "PRAGMA user_version");
	/* Migrated to the latest schema, the one `init` made. */
	g_assert_cmpstr(version, ==, latest);
	sqlite3_close(sq);
	/* The old rows stay usable: the SLO's decision closes line 2 and it is named no more. */
	h_reply_to(h, "slo2", "escalation", H_SCHOOL_SLO, H_SCHOOL_SLO, "RESOLVED: accepted");
	g_assert_cmpint(h_run(h, "2026-12-16T10:05", "poll", NULL), ==, 0);
	g_autoptr(JsonNode) show = h_json(h, NULL, "show", H_REF, NULL);
	g_assert_cmpstr(h_str(h_escalation(show, 2), "state"), ==, "resolved");
	g_assert_cmpint(h_run(h, "2026-12-16T10:10", "reconcile", NULL), ==, 1);
	g_assert_null(strstr(h->out, "line 2"));
	g_assert_nonnull(strstr(h->out, "CP-2026-0050"));
	h->broken = TRUE; /* the older rows were made behind chaser's back */
}

/* A conference closed while its escalation is still open (as a late reply to a closed case
 * once made happen): nothing a person looks at lists it, so reconcile must. */
static void test_reconcile_names_what_a_closed_conference_owes(void)
{
	g_autoptr(Harness) h = h_new(NULL);
	escalated(h);
	g_assert_cmpint(h_run(h, "2026-12-14T09:20", "reconcile", NULL), ==, 0);
	sqlite3 *sq = h_db_open(h);
	db_exec(sq, "UPDATE conference SET state = 'closed', closed_at = '2026-12-14T09:15:00Z'"
	            " WHERE ref = 'CP-2026-0042'");
	sqlite3_close(sq);
	g_assert_cmpint(h_run(h, "2026-12-14T09:25", "reconcile", NULL), ==, 1);
	g_test_message("%s", h->out);
	g_assert_nonnull(strstr(h->out, "FAULT: CP-2026-0042: an answer to the escalation of line 2"
	                                " (Brookfield Primary School) is owed but the conference is"
	                                " closed"));
	g_assert_null(strstr(h->out, "@"));
	h->broken = TRUE; /* the conference was closed behind chaser's back */
}

/* `chaser --now NOW run` until a mail of `kind` is in the spool (at most a minute: a loaded
 * machine under the sanitizers is slow to start), then SIGTERM, as the service is stopped;
 * returns its exit status. */
static int run_until_mail(Harness *h, const char *now, const char *kind)
{
	const char *argv[] = { h->bin, "-c", h->conf, "--now", now, "run", NULL };
	GPid pid;
	GError *e = NULL;
	g_assert_true(g_spawn_async(h->dir, (char **)argv, NULL,
	                            G_SPAWN_DO_NOT_REAP_CHILD | G_SPAWN_STDOUT_TO_DEV_NULL |
	                                G_SPAWN_STDERR_TO_DEV_NULL,
	                            NULL, NULL, &pid, &e));
	g_assert_no_error(e);
	for (guint waited = 0; waited < 600 && !h_count_mail(h, kind, NULL); waited++)
		g_usleep(100 * 1000);
	g_assert_cmpint(kill(pid, SIGTERM), ==, 0);
	int status = 0;
	g_assert_cmpint(waitpid(pid, &status, 0), ==, pid);
	g_spawn_close_pid(pid);
	g_assert_true(WIFEXITED(status));
	return WEXITSTATUS(status);
}

/* The day's account that `chaser run` mails admin says what reconcile says: an older
 * database's open items without a clock, each named, and no longer "nothing was dropped". */
static void test_daily_account_names_what_has_no_clock(void)
{
	g_autoptr(Harness) h = h_new(NULL);
	escalated(h);
	make_older(h);
	/* Wednesday 16 December 2026, in working hours: the day's account goes. */
	g_assert_cmpint(run_until_mail(h, "2026-12-16T10:00", "reconcile_daily"), ==, 0);
	g_assert_cmpuint(h_count_mail(h, "reconcile_daily", "cp.admin@council.example"), ==, 1);
	g_autofree char *mail = h_mail(h, "reconcile_daily", NULL);
	g_autofree char *body = h_body(mail);
	g_test_message("%s", body);
	g_assert_nonnull(strstr(body, "FAULTS were found"));
	g_assert_null(strstr(body, "nothing was dropped"));
	static const char *const named[] = {
		"FAULT: CP-2026-0042: the chair's decision on the answer to the escalation of line 2 "
		"(Brookfield Primary School) is owed but has no due time and no next time",
		"FAULT: CP-2026-0050: the chair's authorisation of the distribution list is owed but "
		"has no due time and no next time",
		"FAULT: CP-2026-0042: the chair's review of a post-conference report (Brookfield "
		"Primary School) is owed but has no next time",
	};
	/* The body as admin reads it: lines may be folded, so compare with spaces squeezed. */
	GString *flat = g_string_new(NULL);
	for (const char *p = body; *p; p++)
		if (!g_ascii_isspace(*p) || (flat->len && flat->str[flat->len - 1] != ' '))
			g_string_append_c(flat, g_ascii_isspace(*p) ? ' ' : *p);
	for (guint i = 0; i < G_N_ELEMENTS(named); i++)
		if (!strstr(flat->str, named[i]))
			g_error("the daily account does not say \"%s\":\n%s", named[i], body);
	g_string_free(flat, TRUE);
	/* No one's name or address in what it says of them. */
	g_assert_null(strstr(body, "Owen"));
	h->broken = TRUE; /* the older rows were made behind chaser's back */
}

/* ---- the SLO's free-text answer ------------------------------------------------------- */

static void test_free_text_answer_chases_the_chair_across_christmas(void)
{
	g_autoptr(Harness) h = h_new(NULL);
	escalated(h);
	/* Monday 21 December: an answer that is not a decision. */
	h_reply_to(h, "slo2", "escalation", H_SCHOOL_SLO, H_SCHOOL_SLO,
	           "Lena was off sick that week; I have spoken to her.");
	g_assert_cmpint(h_run(h, "2026-12-21T10:00", "poll", NULL), ==, 0);
	g_assert_cmpint(h_run(h, "2026-12-21T10:00", "flush", NULL), ==, 0);
	g_assert_cmpuint(h_count_mail(h, "escalation_response", H_CHAIR), ==, 1);
	g_autoptr(JsonNode) show = h_json(h, NULL, "show", H_REF, NULL);
	g_assert_cmpstr(h_str(h_escalation(show, 2), "state"), ==, "responded");
	/* The chair has the stage's 5 working days: 22, 23, 24, 29 and 30 December (Christmas
	 * Day, the weekend and Boxing Day's substitute on the 28th skipped); chaser looks at it
	 * at the start of the next working day. */
	sqlite3 *sq = h_db_open(h);
	g_autofree char *next = db_str(sq, "SELECT next_at FROM escalation WHERE state = 'responded'");
	g_assert_cmpstr(next, ==, "2026-12-31T09:00:00Z");
	g_autofree char *due = db_str(sq, "SELECT confirm_due FROM escalation"
	                                  " WHERE state = 'responded'");
	sqlite3_close(sq);
	g_assert_nonnull(due);
	g_assert_true(g_str_has_prefix(due, "2026-12-30T23:59:59"));

	g_assert_cmpint(h_run(h, "2026-12-30T16:00", "tick", NULL), ==, 0);
	g_assert_cmpint(h_run(h, "2026-12-30T16:00", "flush", NULL), ==, 0);
	g_assert_cmpuint(h_count_mail(h, "escalation_confirm_reminder", NULL), ==, 0);
	/* Thursday 31 December: the chair is reminded, with the answer and a way to decide. */
	g_assert_cmpint(h_run(h, "2026-12-31T09:05", "tick", NULL), ==, 0);
	g_assert_cmpint(h_run(h, "2026-12-31T09:05", "flush", NULL), ==, 0);
	g_assert_cmpint(h_run(h, "2026-12-31T09:30", "tick", NULL), ==, 0); /* twice: once */
	g_assert_cmpint(h_run(h, "2026-12-31T09:30", "flush", NULL), ==, 0);
	g_assert_cmpuint(h_count_mail(h, "escalation_confirm_reminder", NULL), ==, 1);
	g_autofree char *reminder = h_mail(h, "escalation_confirm_reminder", H_CHAIR);
	g_assert_nonnull(reminder);
	g_autofree char *date = h_header(reminder, "Date");
	g_assert_nonnull(strstr(date, "31 Dec 2026"));
	g_autofree char *body = h_body(reminder);
	g_assert_nonnull(strstr(body, "off sick"));
	g_assert_nonnull(strstr(body, "Wednesday 30 December 2026"));
	/* The reminder carries a token the chair can answer with. */
	g_autofree char *reminder_token = h_token(reminder);
	g_assert_nonnull(reminder_token);
	g_assert_cmpuint(h_count_mail(h, "chair_overdue", NULL), ==, 0);
	/* A working day's grace: New Year's Day and the weekend pass; Monday 4 January the CP
	 * coordinator is told. */
	g_assert_cmpint(h_run(h, "2027-01-01T10:00", "tick", NULL), ==, 0);
	g_assert_cmpint(h_run(h, "2027-01-01T10:00", "flush", NULL), ==, 0);
	g_assert_cmpuint(h_count_mail(h, "chair_overdue", NULL), ==, 0);
	g_assert_cmpint(h_run(h, "2027-01-04T09:05", "tick", NULL), ==, 0);
	g_assert_cmpint(h_run(h, "2027-01-04T09:05", "flush", NULL), ==, 0);
	g_assert_cmpuint(h_count_mail(h, "chair_overdue", CP_COORDINATOR), ==, 1);
	g_autofree char *told = h_mail(h, "chair_overdue", CP_COORDINATOR);
	g_autofree char *told_date = h_header(told, "Date");
	g_assert_nonnull(strstr(told_date, "4 Jan 2027"));
	g_autofree char *told_body = h_body(told);
	g_assert_nonnull(strstr(told_body, "line 2 (Brookfield Primary School)"));
	g_assert_nonnull(strstr(told_body, "Thursday 31 December 2026"));
	/* Still owed, so still on the clock; the chair's answer to the reminder decides it. */
	sq = h_db_open(h);
	g_autofree char *again = db_str(sq, "SELECT next_at FROM escalation"
	                                    " WHERE state = 'responded'");
	sqlite3_close(sq);
	g_assert_nonnull(again);
	h_reply_to(h, "chair2", "escalation_confirm_reminder", H_CHAIR, H_CHAIR,
	           "RESOLVED: apologies process explained");
	g_assert_cmpint(h_run(h, "2027-01-04T10:00", "poll", NULL), ==, 0);
	g_autoptr(JsonNode) after = h_json(h, NULL, "show", H_REF, NULL);
	g_assert_cmpstr(h_str(h_escalation(after, 2), "state"), ==, "resolved");
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/obligations/schema/refuses-open-items-without-a-clock",
	                test_schema_refuses_open_items_without_a_clock);
	g_test_add_func("/obligations/reconcile/older-database-names-what-has-no-clock",
	                test_older_database_migrates_and_reconcile_names_what_has_no_clock);
	g_test_add_func("/obligations/reconcile/names-what-a-closed-conference-owes",
	                test_reconcile_names_what_a_closed_conference_owes);
	g_test_add_func("/obligations/daily-account/names-what-has-no-clock",
	                test_daily_account_names_what_has_no_clock);
	g_test_add_func("/obligations/escalation/free-text-answer-chases-the-chair",
	                test_free_text_answer_chases_the_chair_across_christmas);
	return g_test_run();
}
