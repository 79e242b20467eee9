/* "Finished" means nothing is owed, and the engine and the store say it alike.
 *
 * A conference closes (ch_engine_close_if_done, through ch_case_finished) and is purged
 * (ch_store_finished_sql) only when it is finished. Both are meant to be one definition;
 * here every combination of a conference's state and minutes' due date (none, passed, due
 * today, to come) with one escalation's state (an ended one with and without the chair told
 * how it ended), one report's state (a received report with and without the chair's review)
 * and that report's high risk (none, nobody named yet, addressed) is stored, and for each:
 * the engine's answer on the loaded case equals the store's SQL on the same rows; an
 * authorised conference is never finished while the chair has not heard of an ending, its
 * minutes are not yet due or a high-risk report has nobody named; and one whose minutes' date
 * has passed and whose chair knows every ending is finished exactly when the schema's
 * `obligation` view lists nothing it is owed. In-process, on a store in a temporary folder.
 */
#include <glib/gstdio.h>
#include <sqlite3.h>
#include <string.h>

#include "engine/case.h"
#include "store/cases.h"
#include "store/retention.h"
#include "store/store.h"
#include "support/real.h"

#define NONE NULL
#define NEXT "'2027-01-04T09:00:00Z'"

static const char *const conf_states[] = { "held", "list_sent", "authorised", "closed" };

/* The day the engine and the store's SQL are asked about, and the minutes' due dates. */
#define TODAY "2027-01-15"
static const struct {
	const char *name, *sql;
	gboolean passed;
} minutes[] = {
	{ "no minutes date", "NULL", TRUE },
	{ "minutes due 8 January", "'2027-01-08'", TRUE },
	{ "minutes due today", "'" TODAY "'", FALSE },
	{ "minutes due 29 January", "'2027-01-29'", FALSE },
};

/* One escalation of line 1, and the columns its state needs to be stored with its clock. */
#define TOLD "'2027-01-04T10:00:00+00:00'"
static const struct {
	const char *state;
	const char *confirm_due, *next_at, *chair_told_at;
} escalations[] = {
	{ NONE, NULL, NULL, NULL },
	{ "open", "NULL", NEXT, "NULL" },
	{ "responded", "'2027-01-05T09:00:00+00:00'", NEXT, "NULL" },
	{ "resolved", "NULL", "NULL", TOLD },
	{ "unresolved", "NULL", "NULL", TOLD },
	{ "closed", "NULL", "NULL", TOLD },
	{ "resolved", "NULL", "NULL", "NULL" },
	{ "unresolved", "NULL", "NULL", "NULL" },
	{ "closed", "NULL", "NULL", "NULL" },
};

/* One report of the agency, likewise. */
static const struct {
	const char *name;
	const char *state;
	const char *review_due, *reviewed_at, *next_at;
} reports[] = {
	{ "none", NONE, NULL, NULL, NULL },
	{ "awaited", "awaited", "NULL", "NULL", NEXT },
	{ "received, review owed", "received", "'2026-12-22T16:30:00+00:00'", "NULL", NEXT },
	{ "received and reviewed", "received", "'2026-12-22T16:30:00+00:00'",
	  "'2026-12-22T10:00:00+00:00'", "NULL" },
	{ "missing", "missing", "NULL", "NULL", "NULL" },
};

/* That report's high risk: never marked, marked with nobody named yet (on its clock), or
 * marked and addressed. */
#define HIGH_AT "'2026-12-22T10:00:00+00:00'"
static const struct {
	const char *name;
	const char *high_risk_at, *high_risk_due, *high_risk_next_at, *addressed_by, *addressed_at;
} high_risk[] = {
	{ "not high risk", "NULL", "NULL", "NULL", "NULL", "NULL" },
	{ "high risk, nobody named", HIGH_AT, "'2026-12-23T10:00:00+00:00'", NEXT, "NULL", "NULL" },
	{ "high risk, addressed", HIGH_AT, "'2026-12-23T10:00:00+00:00'", "NULL",
	  "'Sam Jones, social worker'", "'2026-12-22T15:00:00+00:00'" },
};

static void db_exec(sqlite3 *sq, const char *sql)
{
	char *msg = NULL;
	if (sqlite3_exec(sq, sql, NULL, NULL, &msg) != SQLITE_OK)
		g_error("%s: %s", sql, msg);
}

/* The conference CP-2026-N in conf state c, minutes' date m, with escalation e and report r
 * (its high risk h); its id. */
static gint64 add_case(sqlite3 *sq, int n, guint c, guint m, guint e, guint r, guint h)
{
	gboolean waiting = c < 2; /* held, list_sent: the list is owed, with its clock */
	g_autofree char *conf = g_strdup_printf(
		"INSERT INTO conference(ref, held, type, procedure, chair_email, social_worker, state,"
		" created_at, due, next_at, minutes_due) VALUES('CP-2026-%04d',"
		" '2026-12-14T10:00:00+00:00', 'initial', 'default', 'chair@chairs.example.org',"
		" 'sw@council.example.org', '%s', '2026-12-14T11:00:00+00:00', %s, %s, %s)",
		n, conf_states[c], waiting ? "'2026-12-15T10:00:00+00:00'" : "NULL",
		waiting ? NEXT : "NULL", minutes[m].sql);
	db_exec(sq, conf);
	gint64 id = sqlite3_last_insert_rowid(sq);
	g_autofree char *att = g_strdup_printf(
		"INSERT INTO attendee(conference_id, n, name, email, agency_id, attendance, report)"
		" VALUES(%" G_GINT64_FORMAT ", 1, 'Sam Patel', 'sam.patel@school.example.org', 1,"
		" 'attended', 'awaited')",
		id);
	db_exec(sq, att);
	gint64 att_id = sqlite3_last_insert_rowid(sq);
	if (escalations[e].state) {
		g_autofree char *sql = g_strdup_printf(
			"INSERT INTO escalation(conference_id, attendee_id, reasons, stage, state,"
			" raised_at, stage_at, due, calendar, asked, next_at, confirm_due, chair_told_at)"
			" VALUES(%" G_GINT64_FORMAT ", %" G_GINT64_FORMAT ", 'no_report', 1, '%s',"
			" '2026-12-15T11:00:00+00:00', '2026-12-15T11:00:00+00:00', '2026-12-22', 'test',"
			" 'slo@school.example.org', %s, %s, %s)",
			id, att_id, escalations[e].state, escalations[e].next_at,
			escalations[e].confirm_due, escalations[e].chair_told_at);
		db_exec(sq, sql);
	}
	if (reports[r].state) {
		g_autofree char *sql = g_strdup_printf(
			"INSERT INTO report(conference_id, agency_id, attendee_id, asked, state, request_by,"
			" due, calendar, review_due, reviewed_at, next_at, high_risk_at, high_risk_due,"
			" high_risk_next_at, addressed_by, addressed_at) VALUES(%" G_GINT64_FORMAT ", 1,"
			" %" G_GINT64_FORMAT ", 'sam.patel@school.example.org', '%s',"
			" '2026-12-15T10:00:00+00:00', '2026-12-21', 'test', %s, %s, %s, %s, %s, %s, %s,"
			" %s)",
			id, att_id, reports[r].state, reports[r].review_due, reports[r].reviewed_at,
			reports[r].next_at, high_risk[h].high_risk_at, high_risk[h].high_risk_due,
			high_risk[h].high_risk_next_at, high_risk[h].addressed_by,
			high_risk[h].addressed_at);
		db_exec(sq, sql);
	}
	return id;
}

static gboolean holds(GArray *ids, gint64 id)
{
	for (guint i = 0; i < ids->len; i++)
		if (g_array_index(ids, gint64, i) == id)
			return TRUE;
	return FALSE;
}

/* One stored combination: the engine and the store agree, and "finished" means nothing
 * owed. */
static void check_case(ChStore *s, sqlite3 *sq, gint64 id, guint c, guint m, guint e, guint r,
                       guint h, GArray *finished_sql, guint *finished)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(ChCase) k = ch_store_case_load_id(s, id, &error);
	g_assert_no_error(error);
	g_assert_nonnull(k);
	gboolean engine = ch_case_finished(k, TODAY), store = holds(finished_sql, id);
	gboolean told = !escalations[e].chair_told_at || strcmp(escalations[e].chair_told_at, "NULL");
	gboolean authorised = !strcmp(conf_states[c], "authorised");
	g_autofree char *what = g_strdup_printf(
		"conference %s (%s), escalation %s%s, report %s, %s", conf_states[c],
		minutes[m].name, escalations[e].state ? escalations[e].state : "none",
		told ? "" : " (the chair not told)", reports[r].name, high_risk[h].name);
	if (engine != store)
		g_error("%s: the engine says %sfinished, the store's SQL %sfinished", what,
		        engine ? "" : "not ", store ? "" : "not ");
	/* An ending the chair has not heard of, or minutes not yet due, keep an authorised
	 * conference open whatever else is done. */
	if (authorised && engine && (!told || !minutes[m].passed))
		g_error("%s: finished before %s", what,
		        told ? "the minutes' date passed" : "the chair was told");
	/* Nor does a report marked high risk with nobody named. */
	if (authorised && engine && h == 1)
		g_error("%s: finished while nobody is named to address the high risk", what);
	if (authorised && told && minutes[m].passed) {
		/* Finished is "nothing owed": nothing in the obligation view. */
		g_autofree char *q = g_strdup_printf("SELECT count(*) FROM obligation"
		                                     " WHERE conference_id = %" G_GINT64_FORMAT,
		                                     id);
		gboolean owed = real_db_int(sq, -1, q, NULL) > 0;
		if (engine == owed)
			g_error("%s: %s, but %s", what, engine ? "finished" : "not finished",
			        owed ? "something is owed" : "nothing is owed");
	}
	*finished += engine;
}

static void test_engine_and_store_agree_on_finished(void)
{
	g_autofree char *dir = g_dir_make_tmp("chaser-finished-XXXXXX", NULL);
	g_assert_nonnull(dir);
	g_autofree char *path = g_build_filename(dir, "chaser.db", NULL);
	g_autoptr(GError) error = NULL;
	ChStore *s = ch_store_open(path, &error);
	g_assert_no_error(error);
	g_assert_nonnull(s);

	/* The rows, written as an older or newer chaser (or a person) might have left them. */
	sqlite3 *sq = NULL;
	g_assert_cmpint(sqlite3_open(path, &sq), ==, SQLITE_OK);
	db_exec(sq, "PRAGMA foreign_keys = ON; BEGIN;"
	            "INSERT INTO agency(id, name, slo_email) VALUES(1, 'Northfield School',"
	            " 'slo@school.example.org')");
	guint n_conf = G_N_ELEMENTS(conf_states), n_esc = G_N_ELEMENTS(escalations),
	      n_rep = G_N_ELEMENTS(reports), n_min = G_N_ELEMENTS(minutes),
	      n_high = G_N_ELEMENTS(high_risk);
	g_autoptr(GArray) ids = g_array_new(FALSE, FALSE, sizeof(gint64));
	int n = 0;
	/* High risk only where there is a report to carry it. */
	for (guint c = 0; c < n_conf; c++)
		for (guint m = 0; m < n_min; m++)
			for (guint e = 0; e < n_esc; e++)
				for (guint r = 0; r < n_rep; r++)
					for (guint h = 0; h < (reports[r].state ? n_high : 1); h++) {
						gint64 id = add_case(sq, ++n, c, m, e, r, h);
						g_array_append_val(ids, id);
					}
	db_exec(sq, "COMMIT");

	/* The store's answer: finished by the cut-off's day and quiet before it (no row has
	 * activity after it). */
	g_autoptr(GArray) finished_sql = g_array_new(FALSE, FALSE, sizeof(gint64));
	g_assert_true(ch_store_retention_candidates(s, TODAY "T00:00:00Z", finished_sql, NULL,
	                                            &error));
	g_assert_no_error(error);

	guint checked = 0, finished = 0;
	n = 0;
	for (guint c = 0; c < n_conf; c++)
		for (guint m = 0; m < n_min; m++)
			for (guint e = 0; e < n_esc; e++)
				for (guint r = 0; r < n_rep; r++)
					for (guint h = 0; h < (reports[r].state ? n_high : 1); h++, n++) {
						gint64 id = g_array_index(ids, gint64, n);
						check_case(s, sq, id, c, m, e, r, h, finished_sql, &finished);
						checked++;
					}
	g_assert_cmpuint(checked, ==, n_conf * n_min * n_esc * (1 + (n_rep - 1) * n_high));
	/* Every closed conference, and of the authorised ones those with nothing open. */
	g_test_message("%u of %u combinations finished", finished, checked);
	g_assert_cmpuint(finished, >, n_min * n_esc * (1 + (n_rep - 1) * n_high));
	/* The authorised ones finished: minutes passed (2 dates), the chair told of any ending
	 * (none and 3 told endings), a report in none of the owed ways (none; reviewed or
	 * missing, each not high risk or addressed: 5): 2 x 4 x 5. */
	g_assert_cmpuint(finished - n_min * n_esc * (1 + (n_rep - 1) * n_high), ==, 2 * 4 * 5);
	sqlite3_close(sq);
	ch_store_close(s);
	g_autofree char *wal = g_strconcat(path, "-wal", NULL), *shm = g_strconcat(path, "-shm", NULL);
	g_unlink(path), g_unlink(wal), g_unlink(shm);
	g_rmdir(dir);
}

/* A report marked high risk owes the decision on who addresses it, whatever its state: not
 * finished until someone is named. */
static void test_high_risk_report_is_not_finished_until_addressed(void)
{
	ChReport r = { .state = CH_REPORT_MISSING };
	g_assert_true(ch_report_finished(&r));
	r.high_risk_at = (char *)"2026-12-22T10:00:00+00:00";
	g_assert_false(ch_report_finished(&r));
	r.state = CH_REPORT_RECEIVED;
	r.reviewed_at = (char *)"2026-12-22T10:00:00+00:00";
	g_assert_false(ch_report_finished(&r));
	r.addressed_at = (char *)"2026-12-22T15:00:00+00:00";
	g_assert_true(ch_report_finished(&r));
}

/* A report that has come but is not yet reviewed still owes the chair's review: the case is
 * not finished, in memory as in the store. */
static void test_report_awaiting_review_is_not_finished(void)
{
	ChReport r = { .state = CH_REPORT_RECEIVED };
	g_assert_false(ch_report_finished(&r));
	r.reviewed_at = (char *)"2026-12-22T10:00:00+00:00";
	g_assert_true(ch_report_finished(&r));
	r.reviewed_at = NULL;
	r.state = CH_REPORT_MISSING;
	g_assert_true(ch_report_finished(&r));
	r.state = CH_REPORT_AWAITED;
	g_assert_false(ch_report_finished(&r));
}

/* An ending is over only once the chair knows how it ended; the minutes hold a case open up
 * to and including their due day. */
static void test_ending_needs_the_chair_told(void)
{
	ChEscalation e = { .state = CH_ESC_UNRESOLVED };
	g_assert_false(ch_escalation_finished(&e));
	e.chair_told_at = (char *)"2027-01-04T10:00:00+00:00";
	g_assert_true(ch_escalation_finished(&e));
	e.state = CH_ESC_OPEN;
	g_assert_false(ch_escalation_finished(&e));
	ChCase c = { .minutes_due = (char *)"2027-01-15" };
	g_assert_false(ch_case_minutes_passed(&c, "2027-01-14"));
	g_assert_false(ch_case_minutes_passed(&c, "2027-01-15"));
	g_assert_true(ch_case_minutes_passed(&c, "2027-01-16"));
	c.minutes_due = NULL;
	g_assert_true(ch_case_minutes_passed(&c, "2027-01-14"));
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/finished/engine-and-store-agree", test_engine_and_store_agree_on_finished);
	g_test_add_func("/finished/report-awaiting-review", test_report_awaiting_review_is_not_finished);
	g_test_add_func("/finished/ending-needs-the-chair-told", test_ending_needs_the_chair_told);
	g_test_add_func("/finished/high-risk-until-addressed",
	                test_high_risk_report_is_not_finished_until_addressed);
	return g_test_run();
}
