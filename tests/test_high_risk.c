/* High-risk reports, lived with --now. 002: "When the information submitted later suggests
 * the child/ren should be removed or are at high risks, the CPCO and Social Worker need to
 * decide between them who will address this with the professional directly within 24 hours
 * and Practice Managers should be made aware of this."
 *
 * So: each report marked HIGH RISK (every agency's, not only the first) alerts the chair, the
 * social worker, the practice manager and the CP coordinator; a reply naming who takes it up
 * (ADDRESSED BY ..., or a sentence) is recorded and everyone told learns who; silence reminds
 * the chair and the social worker when the 24 hours end and each working day after, with
 * admin told, and never stops; and the conference neither closes nor is purged while a
 * high-risk report waits for someone to address it. The real binary, as a team lives it. */
#include <sqlite3.h>
#include <string.h>

#include "support/harness.h"

#define REF "CP-2026-0300"
#define CHAIR "chair.evans@chairs.example.org"
#define SW "sw.okoro@council.example"
#define PM "pm.lloyd@council.example"
#define MT "minutes@council.example"
#define COORD "cp.coordinator@council.example"
#define ADMIN "cp.admin@council.example"
#define LENA "lena.marsh@brookfield.example.net"
#define OMAR "omar.haddad@housing.example.org"

static void assert_log(GPtrArray *log, const char *const *want)
{
	guint n = g_strv_length((char **)want);
	for (guint i = 0; i < MAX(n, log->len); i++) {
		const char *got = i < log->len ? log->pdata[i] : "(nothing)";
		const char *exp = i < n ? want[i] : "(nothing)";
		if (strcmp(got, exp)) {
			for (guint k = 0; k < log->len; k++)
				g_test_message("sent: %s", (char *)log->pdata[k]);
			g_error("mail %u: expected \"%s\", sent \"%s\"", i + 1, exp, got);
		}
	}
}

static char *state(Harness *h)
{
	g_autoptr(JsonNode) show = h_json(h, NULL, "show", REF, NULL);
	return g_strdup(h_str(json_node_get_object(show), "state"));
}

/* How many high-risk decisions the obligation view holds open; each must have its owner (the
 * chair), its due time and a next time after `now` (YYYY-MM-DDTHH:MM, UTC in winter). */
static guint high_risk_open(Harness *h, const char *now)
{
	sqlite3 *sq = h_db_open(h);
	sqlite3_stmt *st;
	g_assert_cmpint(sqlite3_prepare_v2(sq, "SELECT owner, due, next_at FROM obligation"
	                                       " WHERE kind = 'report_high_risk'",
	                                   -1, &st, NULL),
	                ==, SQLITE_OK);
	guint open = 0;
	g_autofree char *now_iso = g_strdup_printf("%s:00Z", now);
	g_autoptr(GDateTime) t = g_date_time_new_from_iso8601(now_iso, NULL);
	g_assert_nonnull(t);
	while (sqlite3_step(st) == SQLITE_ROW) {
		open++;
		g_assert_cmpstr((const char *)sqlite3_column_text(st, 0), ==, CHAIR);
		g_assert_nonnull(sqlite3_column_text(st, 1));
		const char *next = (const char *)sqlite3_column_text(st, 2);
		g_assert_nonnull(next);
		g_autoptr(GDateTime) n = g_date_time_new_from_iso8601(next, NULL);
		g_assert_nonnull(n);
		if (g_date_time_compare(n, t) <= 0)
			g_error("at %s the high-risk decision's next time %s is not in the future", now,
			        next);
	}
	sqlite3_finalize(st);
	sqlite3_close(sq);
	return open;
}

/* Held Monday 30 November 2026, the list sent at 15:00 and authorised on Tuesday. The school
 * (apologies) owes a report, and with `housing` Northshire Housing (absent) owes one too;
 * each arrives on Wednesday 2 December at 11:00. */
static void reports_arrive(Harness *h, gboolean housing)
{
	const char *t = "2026-11-30T10:30";
	g_assert_cmpint(h_run(h, t, "agency", "add", "Northshire Police", "--slo",
	                      "slo@police.example.org", NULL), ==, 0);
	g_assert_cmpint(h_run(h, t, "agency", "add", "Brookfield Primary School", "--slo",
	                      "slo@brookfield.example.net", "--domain", "brookfield.example.net",
	                      NULL), ==, 0);
	g_assert_cmpint(h_run(h, t, "agency", "add", "Northshire Housing", "--slo",
	                      "slo@housing.example.org", "--domain", "housing.example.org", NULL),
	                ==, 0);
	g_assert_cmpint(h_run(h, t, "conference", "add", REF, "--held", "2026-11-30T10:00",
	                      "--chair", CHAIR, "--chair-name", "Rhian Evans", "--social-worker", SW,
	                      "--practice-manager", PM, "--minute-taker", MT, NULL), ==, 0);
	g_autofree char *csv = g_build_filename(h->dir, "list.csv", NULL);
	g_autofree char *rows = g_strdup_printf(
		"Sam Okafor,sam.okafor@police.example.org,Northshire Police,attended,submitted\n"
		"Lena Marsh," LENA ",Brookfield Primary School,apologies,none\n"
		"%s",
		housing ? "Omar Haddad," OMAR ",Northshire Housing,absent,none\n" : "");
	g_assert_true(g_file_set_contents(csv, rows, -1, NULL));
	g_assert_cmpint(h_run(h, t, "list", "import", REF, "list.csv", NULL), ==, 0);
	g_assert_cmpint(h_run(h, "2026-11-30T15:00", "list", "send", REF, NULL), ==, 0);
	h_run_ok(h, "2026-11-30T15:00", "flush");
	h_reply_to(h, "chair", "distribution_list", CHAIR, CHAIR, "AUTHORISED\n");
	h_poll_flush(h, "2026-12-01T09:10");
	h_reply_to(h, "school", "report_request", LENA, "Lena Marsh <" LENA ">",
	           "REPORT\nLena has met the family twice since the conference; the younger "
	           "child's attendance has dropped to two days a week.\n");
	if (housing)
		h_reply_to(h, "housing", "report_request", OMAR, "Omar Haddad <" OMAR ">",
		           "REPORT\nThe tenancy officer visited on Tuesday; rent arrears have grown "
		           "and the family may be moved to other housing.\n");
	h_poll_flush(h, "2026-12-02T11:00");
}

/* The chair's reply `body` to the newest notice about `agency`'s report. */
static void chair_answers(Harness *h, const char *name, const char *agency, const char *body,
                          const char *now)
{
	g_autoptr(GPtrArray) all = h_outgoing(h);
	const char *mail = NULL;
	for (guint i = all->len; i > 0 && !mail; i--) {
		const char *p = all->pdata[i - 1];
		g_autofree char *to = h_header(p, "To");
		g_autofree char *b = g_str_has_suffix(p, "-report_received.eml") ? h_body(p) : NULL;
		if (b && to && strstr(to, CHAIR) && strstr(b, agency))
			mail = p;
	}
	g_assert_nonnull(mail);
	g_autofree char *token = h_token(mail);
	g_autofree char *msgid = h_msgid(mail);
	g_autofree char *text = g_strdup_printf(
		"From: Rhian Evans <" CHAIR ">\nTo: <safeguarding+%s@council.example>\n"
		"Subject: RE: [" REF "] Post-conference report received\nMessage-ID: <%s@chairs."
		"example.org>\nIn-Reply-To: <%s>\n\n%s",
		token, name, msgid, body);
	h_deliver(h, name, text);
	h_poll_flush(h, now);
}

static const char *const four[] = { CHAIR, SW, PM, COORD };

/* 002's four people are told of each report marked high risk, the second agency's as well as
 * the first. (On the engine before per-report high risk: only the practice manager was told,
 * and the housing report's HIGH RISK was answered "already flagged" with nothing sent.) */
static void test_each_report_alerts_the_four(void)
{
	g_autoptr(Harness) h = h_new(NULL);
	reports_arrive(h, TRUE);
	chair_answers(h, "hr-school", "Brookfield Primary School", "HIGH RISK\n",
	              "2026-12-02T12:00");
	for (guint k = 0; k < G_N_ELEMENTS(four); k++)
		g_assert_cmpuint(h_count_mail(h, "high_risk_alert", four[k]), ==, 1);
	g_assert_cmpuint(h_count_mail(h, "high_risk_alert", MT), ==, 0);
	g_assert_cmpuint(high_risk_open(h, "2026-12-02T12:00"), ==, 1);
	/* What they read: which report, who raised it, by when to decide, how to answer; the
	 * subject only the reference. */
	g_autofree char *alert = h_mail(h, "high_risk_alert", SW);
	g_autofree char *body = h_body(alert);
	g_autofree char *subject = h_header(alert, "Subject");
	g_assert_nonnull(strstr(body, "Brookfield Primary School"));
	g_assert_nonnull(strstr(body, CHAIR));
	g_assert_nonnull(strstr(body, "Thursday 3 December 2026 at 12:00"));
	g_assert_nonnull(strstr(body, "ADDRESSED BY"));
	g_assert_cmpstr(subject, ==, "[" REF "] URGENT: post-conference report shows high risk");
	g_autofree char *alert_token = h_token(alert);
	g_assert_nonnull(alert_token);

	/* Half an hour later the housing report is marked too: alerted again, its own clock. */
	chair_answers(h, "hr-housing", "Northshire Housing", "High risk - see the second "
	              "paragraph.\n", "2026-12-02T12:30");
	for (guint k = 0; k < G_N_ELEMENTS(four); k++)
		g_assert_cmpuint(h_count_mail(h, "high_risk_alert", four[k]), ==, 2);
	g_autofree char *second = h_mail(h, "high_risk_alert", PM);
	g_autofree char *second_body = h_body(second);
	g_assert_nonnull(strstr(second_body, "Northshire Housing"));
	g_assert_cmpuint(high_risk_open(h, "2026-12-02T12:30"), ==, 2);
	g_assert_cmpuint(h_audit_count(h, REF, "report.high_risk"), ==, 2);
	g_assert_cmpuint(h_audit_count(h, REF, "conference.high_risk"), ==, 1);
	/* The same report marked again: no third round. */
	chair_answers(h, "hr-school-again", "Brookfield Primary School", "HIGH RISK\n",
	              "2026-12-02T13:00");
	for (guint k = 0; k < G_N_ELEMENTS(four); k++)
		g_assert_cmpuint(h_count_mail(h, "high_risk_alert", four[k]), ==, 2);
	g_autoptr(JsonNode) show = h_json(h, NULL, "show", REF, NULL);
	g_assert_true(json_object_get_boolean_member(json_node_get_object(show), "high_risk"));

	/* The CP coordinator answers the housing alert: anyone told may say who. That report's
	 * decision is made and all four hear it; the school's stays open on its clock. */
	h_reply_to(h, "coord", "high_risk_alert", COORD, COORD,
	           "Hi all,\n\nHigh risk addressed by the CP coordinator (strategy meeting "
	           "tomorrow).\n\nThanks\n");
	h_poll_flush(h, "2026-12-02T14:00");
	for (guint k = 0; k < G_N_ELEMENTS(four); k++)
		g_assert_cmpuint(h_count_mail(h, "high_risk_addressed", four[k]), ==, 1);
	g_autofree char *named = h_mail(h, "high_risk_addressed", CHAIR);
	g_autofree char *named_body = h_body(named);
	g_assert_nonnull(strstr(named_body, "Northshire Housing"));
	g_assert_nonnull(strstr(named_body, "the CP coordinator (strategy meeting tomorrow)"));
	g_assert_cmpuint(high_risk_open(h, "2026-12-02T14:00"), ==, 1);
	g_autofree char *st = state(h);
	g_assert_cmpstr(st, ==, "authorised");
}

/* Ticks (each followed by a flush) through every day from `from` for `days` days at five
 * times of day, asserting after each that `open` high-risk decisions are open on a clock to
 * come and the conference is `want_state`. */
static void live_days(Harness *h, const char *from, guint days, guint *seen, GPtrArray *log,
                      guint open, const char *want_state)
{
	static const char *const hours[] = { "09:05", "11:05", "12:05", "16:55", "20:00" };
	GDate d;
	g_date_set_parse(&d, from);
	g_assert_true(g_date_valid(&d));
	for (guint k = 0; k < days; k++, g_date_add_days(&d, 1)) {
		for (guint j = 0; j < G_N_ELEMENTS(hours); j++) {
			g_autofree char *now = g_strdup_printf("%04d-%02d-%02dT%s", g_date_get_year(&d),
			                                       g_date_get_month(&d), g_date_get_day(&d),
			                                       hours[j]);
			h_run_ok(h, now, "tick");
			h_run_ok(h, now, "flush");
			h_new_mail(h, seen, log);
			g_assert_cmpuint(high_risk_open(h, now), ==, open);
			g_autofree char *st = state(h);
			g_assert_cmpstr(st, ==, want_state);
		}
	}
}

/* Nobody names who addresses it: at the end of the 24 hours the chair and the social worker
 * are reminded; each working day after, both again and admin told; a weekend skipped, never
 * stopping. Then the social worker's sentence naming who is recorded, everyone told, and the
 * reminders stop. (Before: nothing was ever sent after the one alert.) */
static void test_silence_reminds_then_a_reply_naming_who_stops_it(void)
{
	g_autoptr(Harness) h = h_new(NULL);
	reports_arrive(h, FALSE);
	/* The chair reviews it and finds high risk in one reply: the review is done, so only the
	 * high risk is chased. */
	chair_answers(h, "hr", "Brookfield Primary School", "Reviewed\nHIGH RISK\n",
	              "2026-12-02T12:00");
	guint seen = 0;
	g_autoptr(GPtrArray) setup = g_ptr_array_new_with_free_func(g_free);
	h_new_mail(h, &seen, setup);
	g_autoptr(GPtrArray) log = g_ptr_array_new_with_free_func(g_free);
	/* Thursday 3 December to Tuesday 8 December. */
	live_days(h, "2026-12-03", 6, &seen, log, 1, "authorised");
	static const char *const want[] = {
		"03 Dec high_risk_reminder " CHAIR, "03 Dec high_risk_reminder " SW,
		"04 Dec high_risk_reminder " CHAIR, "04 Dec high_risk_reminder " SW,
		"04 Dec high_risk_overdue " ADMIN,
		"07 Dec high_risk_reminder " CHAIR, "07 Dec high_risk_reminder " SW,
		"07 Dec high_risk_overdue " ADMIN,
		"08 Dec high_risk_reminder " CHAIR, "08 Dec high_risk_reminder " SW,
		"08 Dec high_risk_overdue " ADMIN,
		NULL,
	};
	assert_log(log, want);
	/* The first reminder went when the 24 hours ended, not before. */
	g_autofree char *first = h_mail(h, "high_risk_reminder", SW);
	g_autofree char *first_body = h_body(first);
	g_assert_nonnull(strstr(first_body, "Thursday 3 December 2026 at 12:00"));
	g_assert_nonnull(strstr(first_body, "ADDRESSED BY"));
	g_autofree char *first_token = h_token(first);
	g_assert_nonnull(first_token);
	g_autofree char *told = h_mail(h, "high_risk_overdue", ADMIN);
	g_autofree char *told_body = h_body(told);
	g_assert_nonnull(strstr(told_body, "Brookfield Primary School"));
	g_assert_cmpuint(h_audit_count(h, REF, "report.high_risk_reminded"), ==, 1);
	g_assert_cmpuint(h_audit_count(h, REF, "report.high_risk_overdue"), ==, 3);

	/* Tuesday 14:00: the social worker answers the latest reminder in a sentence. */
	h_reply_to(h, "addressed", "high_risk_reminder", SW, SW,
	           "Sam Jones (social worker) will address this with the school tomorrow.\n");
	h_poll_flush(h, "2026-12-08T14:00");
	g_autoptr(JsonNode) show = h_json(h, NULL, "show", REF, NULL);
	JsonArray *reports = json_object_get_array_member(json_node_get_object(show), "reports");
	g_assert_cmpuint(json_array_get_length(reports), ==, 1);
	JsonObject *r = json_array_get_object_element(reports, 0);
	g_assert_cmpstr(h_str(r, "addressed_by"), ==, "Sam Jones (social worker)");
	g_assert_nonnull(h_str(r, "addressed"));
	g_assert_cmpuint(h_audit_count(h, REF, "report.high_risk_addressed"), ==, 1);
	g_assert_cmpuint(high_risk_open(h, "2026-12-08T14:00"), ==, 0);
	g_ptr_array_set_size(log, 0);
	h_new_mail(h, &seen, log);
	/* Everyone told of the high risk is told who; the social worker gets the read-back. */
	static const char *const who[] = {
		"08 Dec high_risk_addressed " CHAIR, "08 Dec high_risk_addressed " SW,
		"08 Dec high_risk_addressed " PM, "08 Dec high_risk_addressed " COORD,
		"08 Dec transcript " SW, NULL,
	};
	assert_log(log, who);
	g_autofree char *named = h_mail(h, "high_risk_addressed", PM);
	g_autofree char *named_body = h_body(named);
	g_assert_nonnull(strstr(named_body, "Sam Jones (social worker)"));
	/* Nothing more is sent; the conference waits only for its minutes' due date (Wednesday
	 * 30 December: 20 working days after the conference, past Christmas Day and the Boxing
	 * Day holiday on Monday 28th) and closes the working day after. */
	g_ptr_array_set_size(log, 0);
	live_days(h, "2026-12-09", 5, &seen, log, 0, "authorised");
	static const char *const nothing[] = { NULL };
	assert_log(log, nothing);
	live_days(h, "2026-12-30", 1, &seen, log, 0, "authorised");
	live_days(h, "2026-12-31", 1, &seen, log, 0, "closed");
	assert_log(log, nothing);
}

/* Reviewed and nothing else owed, but nobody named for the high risk: the conference stays
 * open and `chaser purge` leaves it (both ask the one definition of finished). Once the chair
 * names who, it closes when its minutes' date has passed, and purge may take it. (Before: it closed at once, and purge removed
 * it with the high risk still unaddressed.) */
static void test_open_and_kept_until_addressed(void)
{
	g_autoptr(Harness) h = h_new(NULL);
	reports_arrive(h, FALSE);
	chair_answers(h, "hr", "Brookfield Primary School", "REVIEWED\nHIGH RISK\n",
	              "2026-12-02T12:00");
	g_autofree char *st = state(h);
	g_assert_cmpstr(st, ==, "authorised");
	g_assert_cmpint(h_run(h, "2026-12-16T10:00", "purge", "--before", "2026-12-15", NULL), ==,
	                0);
	g_assert_cmpint(h_run(h, "2026-12-16T10:00", "show", REF, NULL), ==, 0);
	g_autofree char *still = state(h);
	g_assert_cmpstr(still, ==, "authorised");

	h_reply_to(h, "addressed", "high_risk_alert", CHAIR, CHAIR,
	           "ADDRESSED BY the social worker, Dee Okoro\n");
	h_poll_flush(h, "2026-12-16T10:30");
	g_assert_cmpuint(h_count_mail(h, "high_risk_addressed", SW), ==, 1);
	/* Nothing is owed now but the minutes (due Wednesday 30 December): the tick the working
	 * day after closes it. */
	h_run_ok(h, "2026-12-30T16:00", "tick");
	g_autofree char *open = state(h);
	g_assert_cmpstr(open, ==, "authorised");
	h_run_ok(h, "2026-12-31T09:05", "tick");
	g_autofree char *closed = state(h);
	g_assert_cmpstr(closed, ==, "closed");
	g_assert_cmpint(h_run(h, "2027-01-05T10:00", "purge", "--before", "2027-01-04", NULL), ==,
	                0);
	g_assert_cmpint(h_run(h, "2027-01-05T10:00", "show", REF, NULL), !=, 0);
}

/* The chair reviews, the conference closes, and weeks later the chair answers the same
 * notice again: HIGH RISK. Who addresses it is owed, so the conference is open again and the
 * decision chased. (Before: the mark was taken and the conference stayed closed, owing it;
 * found by the random lives of test_property.) */
static void test_marked_after_closing_reopens(void)
{
	g_autoptr(Harness) h = h_new(NULL);
	reports_arrive(h, FALSE);
	chair_answers(h, "reviewed", "Brookfield Primary School", "REVIEWED\n", "2026-12-02T12:00");
	h_run_ok(h, "2026-12-31T09:05", "tick");
	g_autofree char *closed = state(h);
	g_assert_cmpstr(closed, ==, "closed");
	chair_answers(h, "late-hr", "Brookfield Primary School", "HIGH RISK\n", "2027-01-06T10:00");
	g_autofree char *open = state(h);
	g_assert_cmpstr(open, ==, "authorised");
	g_assert_cmpuint(high_risk_open(h, "2027-01-06T10:00"), ==, 1);
	g_assert_cmpuint(h_count_mail(h, "high_risk_alert", SW), ==, 1);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/high-risk/each-report-alerts-the-four", test_each_report_alerts_the_four);
	g_test_add_func("/high-risk/marked-after-closing-reopens", test_marked_after_closing_reopens);
	g_test_add_func("/high-risk/silence-reminds-then-a-reply-naming-who-stops-it",
	                test_silence_reminds_then_a_reply_naming_who_stops_it);
	g_test_add_func("/high-risk/open-and-kept-until-addressed",
	                test_open_and_kept_until_addressed);
	return g_test_run();
}
