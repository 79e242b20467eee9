/* The chair's review of a post-conference report, lived with --now when the chair never
 * answers. 002: "The CPCO service should review the post conference report within 24 hrs of
 * being alerted." Silence never ends the review: the chair is reminded, the CP coordinator is
 * told, then the chair is reminded again (and the coordinator told again) every
 * report_review_repeat working days until the chair replies REVIEWED; all the while the
 * review is an open obligation with a clock in the future and the conference stays open.
 * The real binary, as a team lives it. */
#include <sqlite3.h>
#include <string.h>

#include "support/harness.h"

#define REF "CP-2026-0200"
#define CHAIR "chair.evans@chairs.example.org"
#define SW "sw.okoro@council.example"
#define PM "pm.lloyd@council.example"
#define MT "minutes@council.example"
#define COORD "cp.coordinator@council.example"
#define LENA "lena.marsh@brookfield.example.net"

/* The open review of the school's report, from the obligation view: its owner and its next
 * time, which must lie after `now`. FALSE when no review is open. */
static gboolean review_open(Harness *h, const char *now)
{
	sqlite3 *sq = h_db_open(h);
	sqlite3_stmt *st;
	g_assert_cmpint(sqlite3_prepare_v2(sq, "SELECT owner, due, next_at FROM obligation"
	                                       " WHERE kind = 'report_review'",
	                                   -1, &st, NULL),
	                ==, SQLITE_OK);
	gboolean open = FALSE;
	while (sqlite3_step(st) == SQLITE_ROW) {
		open = TRUE;
		g_assert_cmpstr((const char *)sqlite3_column_text(st, 0), ==, CHAIR);
		g_assert_cmpstr((const char *)sqlite3_column_text(st, 1), ==,
		                "2026-12-03T11:00:00+00:00");
		const char *next = (const char *)sqlite3_column_text(st, 2);
		g_assert_nonnull(next);
		g_autoptr(GDateTime) n = g_date_time_new_from_iso8601(next, NULL);
		g_autofree char *now_iso = g_strdup_printf("%s:00Z", now);
		g_autoptr(GDateTime) t = g_date_time_new_from_iso8601(now_iso, NULL);
		g_assert_nonnull(n);
		g_assert_nonnull(t);
		if (g_date_time_compare(n, t) <= 0)
			g_error("at %s the review's next time %s is not in the future", now, next);
	}
	sqlite3_finalize(st);
	sqlite3_close(sq);
	return open;
}

static const char *state(Harness *h)
{
	static char buf[32];
	g_autoptr(JsonNode) show = h_json(h, NULL, "show", REF, NULL);
	g_strlcpy(buf, h_str(json_node_get_object(show), "state"), sizeof buf);
	return buf;
}

/* Ticks (each followed by a flush) through every day from `from` for `days` days, at the
 * start of the day, mid-morning, late afternoon and in the evening (held: outside working
 * hours), asserting after each that the review is still open on a clock to come and the
 * conference is not closed. The mail goes to `log`. */
static void live_days(Harness *h, const char *from, guint days, guint *seen, GPtrArray *log,
                      gboolean review_owed)
{
	static const char *const hours[] = { "09:05", "09:30", "11:05", "16:55", "20:00" };
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
			g_assert_true(review_open(h, now) == review_owed);
			if (review_owed)
				g_assert_cmpstr(state(h), ==, "authorised");
		}
	}
}

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

/* Held Monday 30 November 2026, the list sent at 15:00 and authorised on Tuesday; the school
 * (apologies) owes a report and sends it on Wednesday 2 December at 11:00. */
static void report_arrives(Harness *h)
{
	const char *t = "2026-11-30T10:30";
	g_assert_cmpint(h_run(h, t, "agency", "add", "Northshire Police", "--slo",
	                      "slo@police.example.org", NULL), ==, 0);
	g_assert_cmpint(h_run(h, t, "agency", "add", "Brookfield Primary School", "--slo",
	                      "slo@brookfield.example.net", "--domain", "brookfield.example.net",
	                      NULL), ==, 0);
	g_assert_cmpint(h_run(h, t, "conference", "add", REF, "--held", "2026-11-30T10:00",
	                      "--chair", CHAIR, "--chair-name", "Rhian Evans", "--social-worker", SW,
	                      "--practice-manager", PM, "--minute-taker", MT, NULL), ==, 0);
	g_autofree char *csv = g_build_filename(h->dir, "list.csv", NULL);
	g_assert_true(g_file_set_contents(
		csv,
		"Sam Okafor,sam.okafor@police.example.org,Northshire Police,attended,submitted\n"
		"Lena Marsh," LENA ",Brookfield Primary School,apologies,none\n",
		-1, NULL));
	g_assert_cmpint(h_run(h, t, "list", "import", REF, "list.csv", NULL), ==, 0);
	g_assert_cmpint(h_run(h, "2026-11-30T15:00", "list", "send", REF, NULL), ==, 0);
	h_run_ok(h, "2026-11-30T15:00", "flush");
	g_assert_cmpuint(h_count_mail(h, "report_request", LENA), ==, 1);
	h_reply_to(h, "chair", "distribution_list", CHAIR, CHAIR, "AUTHORISED\n");
	h_poll_flush(h, "2026-12-01T09:10");
	h_reply_to(h, "school", "report_request", LENA, "Lena Marsh <" LENA ">",
	           "REPORT\nLena has met the family twice since the conference; attendance is "
	           "full.\n");
	h_poll_flush(h, "2026-12-02T11:00");
}

static void test_silent_chair_is_chased_until_reviewed(void)
{
	g_autoptr(Harness) h = h_new(NULL);
	report_arrives(h);
	guint seen = 0;
	g_autoptr(GPtrArray) setup = g_ptr_array_new_with_free_func(g_free);
	h_new_mail(h, &seen, setup);
	g_autoptr(GPtrArray) log = g_ptr_array_new_with_free_func(g_free);
	/* The chair never answers, from Thursday 3 December (the review's 24 hours end at 11:00)
	 * through Christmas Eve: fifteen working days and more. */
	live_days(h, "2026-12-03", 22, &seen, log, TRUE);
	/* Worked out by hand: the reminder when the 24 hours end (Thursday 3rd, the 11:05
	 * tick); the CP coordinator the next working day (Friday 4th); then every 2 working days
	 * the chair again and the coordinator again: Tuesday 8th (the weekend skipped), Thursday
	 * 10th, Monday 14th, Wednesday 16th, Friday 18th, Tuesday 22nd, Thursday 24th. One mail
	 * each, though tick runs five times a day. */
	static const char *const want[] = {
		"03 Dec report_review_reminder " CHAIR,
		"04 Dec chair_overdue " COORD,
		"08 Dec report_review_overdue " CHAIR, "08 Dec chair_overdue " COORD,
		"10 Dec report_review_overdue " CHAIR, "10 Dec chair_overdue " COORD,
		"14 Dec report_review_overdue " CHAIR, "14 Dec chair_overdue " COORD,
		"16 Dec report_review_overdue " CHAIR, "16 Dec chair_overdue " COORD,
		"18 Dec report_review_overdue " CHAIR, "18 Dec chair_overdue " COORD,
		"22 Dec report_review_overdue " CHAIR, "22 Dec chair_overdue " COORD,
		"24 Dec report_review_overdue " CHAIR, "24 Dec chair_overdue " COORD,
		NULL,
	};
	assert_log(log, want);
	/* What the chair and the coordinator read. */
	g_autofree char *again = h_mail(h, "report_review_overdue", CHAIR);
	g_autofree char *again_body = h_body(again);
	g_assert_nonnull(strstr(again_body, "Brookfield Primary School"));
	g_assert_nonnull(strstr(again_body, "Thursday 3 December 2026"));
	g_assert_nonnull(strstr(again_body, COORD));
	g_assert_nonnull(strstr(again_body, "REVIEWED"));
	/* Christmas Day and Boxing Day's substitute on Monday 28th are closed: next on the 30th. */
	g_assert_nonnull(strstr(again_body, "Wednesday 30 December 2026"));
	g_autofree char *told = h_mail(h, "chair_overdue", COORD);
	g_autofree char *told_body = h_body(told);
	g_assert_nonnull(strstr(told_body, "review the post-conference report from Brookfield"));
	g_assert_nonnull(strstr(told_body, "Thursday 3 December 2026"));
	g_assert_cmpuint(h_audit_count(h, REF, "report.review_reminded"), ==, 1);
	g_assert_cmpuint(h_audit_count(h, REF, "report.review_overdue"), ==, 8);

	/* Christmas Eve 14:00: the chair answers the latest reminder. The review is done: it
	 * leaves the obligations, nothing more is sent about it, and with nothing else owed the
	 * conference closes. */
	h_reply_to(h, "reviewed", "report_review_overdue", CHAIR, CHAIR, "REVIEWED\n");
	h_poll_flush(h, "2026-12-24T14:00");
	g_autoptr(JsonNode) show = h_json(h, NULL, "show", REF, NULL);
	JsonArray *reports = json_object_get_array_member(json_node_get_object(show), "reports");
	g_assert_cmpuint(json_array_get_length(reports), ==, 1);
	g_assert_nonnull(h_str(json_array_get_object_element(reports, 0), "reviewed"));
	g_assert_cmpuint(h_audit_count(h, REF, "report.reviewed"), ==, 1);
	g_assert_false(review_open(h, "2026-12-24T14:00"));
	g_ptr_array_set_size(log, 0);
	h_new_mail(h, &seen, log);
	static const char *const read_back[] = { "24 Dec transcript " CHAIR, NULL };
	assert_log(log, read_back);
	g_ptr_array_set_size(log, 0);
	live_days(h, "2026-12-29", 10, &seen, log, FALSE);
	static const char *const nothing[] = { NULL };
	assert_log(log, nothing);
	g_assert_cmpstr(state(h), ==, "closed");
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/review/silent-chair-is-chased-until-reviewed",
	                test_silent_chair_is_chased_until_reviewed);
	return g_test_run();
}
