/* A distribution list nobody answers, lived with the real binary and --now: the chair is
 * reminded after one working day, admin is told the working day after, and then both again
 * every 2 working days until the chair authorises; a list admin has not sent is chased too.
 * Every day of six weeks is ticked twice, and each day's mail is checked against dates worked
 * out by hand from the calendar (weekends, Christmas Day, Boxing Day's substitute on Monday
 * 28 December and New Year's Day skipped). */
#include <string.h>

#include "support/harness.h"
#include "support/real.h"

#define ADMIN "cp.admin@council.example"

static char *db_str(Harness *h, const char *sql)
{
	sqlite3 *sq = h_db_open(h);
	sqlite3_stmt *st = NULL;
	g_assert_cmpint(sqlite3_prepare_v2(sq, sql, -1, &st, NULL), ==, SQLITE_OK);
	char *v = NULL;
	if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0))
		v = g_strdup((const char *)sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	sqlite3_close(sq);
	return v;
}

/* One agency, a conference held on Friday 20 November 2026 whose one professional attended
 * and sent a report: nothing is owed but the list itself. */
static void conference(Harness *h)
{
	const char *t = "2026-11-20T15:00";
	g_assert_cmpint(h_run(h, t, "agency", "add", "Northshire Police", "--slo", H_POLICE_SLO,
	                      NULL), ==, 0);
	g_assert_cmpint(h_run(h, t, "conference", "add", H_REF, "--held", "2026-11-20T10:00",
	                      "--chair", H_CHAIR, "--chair-name", "Dr Ffion Testwood",
	                      "--social-worker", "amara.sowande@council.example", NULL), ==, 0);
	g_assert_cmpint(h_run(h, t, "attendee", "add", H_REF, "--name", "Tom Rees", "--email",
	                      "tom.rees@police.example.org", "--agency", "Northshire Police",
	                      "--attendance", "attended", "--report", "submitted", NULL), ==, 0);
}

/* The working days of the list's life on which the chair is reminded (C) and admin told (A),
 * the list having gone on Monday 23 November at 09:30 with one working day to authorise it
 * (Tuesday 24): the chair on Wednesday 25, admin on Thursday 26; then both every 2 working
 * days: Friday 27 and Monday 30; Tuesday 1, Wednesday 2; Thursday 3, Friday 4; Monday 7,
 * Tuesday 8; ...; Wednesday 23, Thursday 24 December; Tuesday 29, Wednesday 30 (Christmas Day
 * and Monday 28 are bank holidays); Thursday 31, Monday 4 January (New Year's Day). */
static const struct {
	const char *day;
	gboolean chair, admin;
} chased[] = {
	{ "2026-11-25", TRUE, FALSE },  { "2026-11-26", FALSE, TRUE }, { "2026-11-30", TRUE, TRUE },
	{ "2026-12-02", TRUE, TRUE },   { "2026-12-04", TRUE, TRUE },  { "2026-12-08", TRUE, TRUE },
	{ "2026-12-10", TRUE, TRUE },   { "2026-12-14", TRUE, TRUE },  { "2026-12-16", TRUE, TRUE },
	{ "2026-12-18", TRUE, TRUE },   { "2026-12-22", TRUE, TRUE },  { "2026-12-24", TRUE, TRUE },
	{ "2026-12-30", TRUE, TRUE },   { "2027-01-04", TRUE, TRUE },  { "2027-01-06", TRUE, TRUE },
};

static void expected_on(const char *day, gboolean *chair, gboolean *admin)
{
	*chair = *admin = FALSE;
	for (guint k = 0; k < G_N_ELEMENTS(chased); k++)
		if (!strcmp(chased[k].day, day)) {
			*chair = chased[k].chair;
			*admin = chased[k].admin;
		}
}

static void test_silent_chair_is_reminded_then_admin_told(void)
{
	g_autoptr(Harness) h = h_new(NULL);
	conference(h);
	g_assert_cmpint(h_run(h, "2026-11-23T09:30", "list", "send", H_REF, NULL), ==, 0);
	h_run_ok(h, "2026-11-23T09:30", "flush");
	g_assert_cmpuint(h_count_mail(h, "distribution_list", H_CHAIR), ==, 1);

	guint chair_n = 0, admin_n = 0;
	g_autoptr(GDateTime) d = g_date_time_new_local(2026, 11, 23, 12, 0, 0);
	for (int i = 0; i < 46; i++) { /* Monday 23 November to Thursday 7 January */
		g_autoptr(GDateTime) day = g_date_time_add_days(d, i);
		g_autofree char *ymd = g_date_time_format(day, "%Y-%m-%d");
		/* Twice a day, as a timer would: the second tick sends nothing new. */
		g_autofree char *morning = g_strdup_printf("%sT09:05", ymd);
		g_autofree char *afternoon = g_strdup_printf("%sT15:00", ymd);
		h_tick_flush(h, morning);
		h_tick_flush(h, afternoon);
		gboolean chair, admin;
		expected_on(ymd, &chair, &admin);
		chair_n += chair;
		admin_n += admin;
		guint got_chair = h_count_mail(h, "list_authorise_reminder", H_CHAIR);
		guint got_admin = h_count_mail(h, "list_authorise_overdue", ADMIN);
		if (got_chair != chair_n || got_admin != admin_n)
			g_error("%s: the chair has %u reminders (expected %u), admin %u notices "
			        "(expected %u)",
			        ymd, got_chair, chair_n, got_admin, admin_n);
		/* Nobody else hears of it, and nothing else is sent. */
		g_assert_cmpuint(h_count_mail(h, "list_authorise_reminder", NULL), ==, chair_n);
		g_assert_cmpuint(h_count_mail(h, "list_authorise_overdue", NULL), ==, admin_n);
		g_assert_cmpuint(h_count_mail(h, "chair_overdue", NULL), ==, 0);
		/* The chair's authorisation is owed all the while, and has a next time ahead. */
		g_autofree char *next = db_str(h, "SELECT next_at FROM obligation"
		                                  " WHERE kind = 'list_authorise'");
		g_assert_nonnull(next);
		g_autofree char *after = g_strdup_printf("%sT15:00:00Z", ymd);
		if (strcmp(next, after) <= 0)
			g_error("%s: the list's next time %s is not ahead", ymd, next);
		g_assert_cmpint(h_run(h, afternoon, "reconcile", NULL), ==, 0);
	}
	g_assert_cmpuint(chair_n, ==, 14);
	g_assert_cmpuint(admin_n, ==, 14);

	/* What the chair and admin read. */
	g_autofree char *reminder = h_mail(h, "list_authorise_reminder", H_CHAIR);
	g_autofree char *rbody = h_body(reminder);
	g_assert_nonnull(strstr(rbody, "due by Tuesday 24 November 2026"));
	g_autofree char *told = h_mail(h, "list_authorise_overdue", ADMIN);
	g_autofree char *tdate = h_header(told, "Date");
	g_assert_nonnull(strstr(tdate, "6 Jan 2027"));
	g_autofree char *tbody = h_body(told);
	g_assert_nonnull(strstr(tbody, "Dr Ffion Testwood"));
	g_assert_nonnull(strstr(tbody, "last reminded on Wednesday 6 January 2027"));
	g_assert_nonnull(strstr(tbody, "on Friday 8 January 2027"));

	/* The chair answers the latest reminder: the obligation ends, nothing more is sent. */
	h_reply_to(h, "chair1", "list_authorise_reminder", H_CHAIR, H_CHAIR,
	           "AUTHORISED\nNO ESCALATION\n");
	h_run_ok(h, "2027-01-07T10:00", "poll");
	h_run_ok(h, "2027-01-07T10:00", "flush");
	g_autoptr(JsonNode) show = h_json(h, NULL, "show", H_REF, NULL);
	const char *state = h_str(json_node_get_object(show), "state");
	g_assert_nonnull(state);
	g_assert_cmpstr(state, !=, "list_sent");
	g_assert_cmpint(real_query_int(h, -1, "SELECT count(*) FROM obligation"
	                                      " WHERE kind = 'list_authorise'", NULL), ==, 0);
	h_tick_flush(h, "2027-01-08T09:05");
	h_tick_flush(h, "2027-01-12T09:05");
	g_assert_cmpuint(h_count_mail(h, "list_authorise_reminder", NULL), ==, chair_n);
	g_assert_cmpuint(h_count_mail(h, "list_authorise_overdue", NULL), ==, admin_n);
}

/* A list admin has not sent: admin is reminded each working day until it goes (list_within,
 * 24 hours: due Saturday 21 November at 10:00; Monday 23 is the first working morning). */
static void test_unsent_list_reminds_admin_each_working_day(void)
{
	g_autoptr(Harness) h = h_new(NULL);
	conference(h);
	h_tick_flush(h, "2026-11-20T16:00");
	g_assert_cmpuint(h_count_mail(h, "list_overdue", NULL), ==, 0);
	h_tick_flush(h, "2026-11-23T09:05");
	h_tick_flush(h, "2026-11-23T15:00");
	g_assert_cmpuint(h_count_mail(h, "list_overdue", ADMIN), ==, 1);
	h_tick_flush(h, "2026-11-24T09:05");
	h_tick_flush(h, "2026-11-24T15:00");
	g_assert_cmpuint(h_count_mail(h, "list_overdue", ADMIN), ==, 2);
	g_assert_cmpuint(h_count_mail(h, "list_overdue", NULL), ==, 2);
	g_autofree char *next = db_str(h, "SELECT next_at FROM obligation WHERE kind = 'list_send'");
	g_assert_cmpstr(next, ==, "2026-11-25T09:00:00Z");
	g_autofree char *mail = h_mail(h, "list_overdue", ADMIN);
	g_autofree char *body = h_body(mail);
	g_assert_nonnull(strstr(body, "chaser list send " H_REF));
	/* Sent at last: the chair's clock starts, admin's ends. */
	g_assert_cmpint(h_run(h, "2026-11-24T16:00", "list", "send", H_REF, NULL), ==, 0);
	h_run_ok(h, "2026-11-24T16:00", "flush");
	h_tick_flush(h, "2026-11-25T09:05");
	g_assert_cmpuint(h_count_mail(h, "list_overdue", NULL), ==, 2);
	g_assert_cmpuint(h_count_mail(h, "list_authorise_reminder", NULL), ==, 0);
	/* One working day to authorise (Wednesday 25); the chair reminded on Thursday 26. */
	h_tick_flush(h, "2026-11-26T09:05");
	g_assert_cmpuint(h_count_mail(h, "list_authorise_reminder", H_CHAIR), ==, 1);
	g_assert_cmpuint(h_count_mail(h, "list_authorise_overdue", NULL), ==, 0);
}

/* Without an admin there would be nobody to tell: chaser refuses to start, naming the key
 * (the engine cases show the CP coordinator told in admin's place). */
static void test_no_admin_is_refused(void)
{
	g_autoptr(Harness) h = h_new(NULL);
	g_autofree char *text = NULL;
	g_assert_true(g_file_get_contents(h->conf, &text, NULL, NULL));
	g_autoptr(GString) without = g_string_new(NULL);
	g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
	for (guint k = 0; lines[k]; k++)
		if (!g_str_has_prefix(lines[k], "admin ="))
			g_string_append_printf(without, "%s\n", lines[k]);
	g_assert_true(g_file_set_contents(h->conf, without->str, -1, NULL));
	g_assert_cmpint(h_run(h, "2026-11-23T09:05", "tick", NULL), !=, 0);
	g_assert_nonnull(strstr(h->err, "[people] admin is required"));
	h->broken = TRUE; /* no reconcile: the config is refused */
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/list_chase/silent_chair", test_silent_chair_is_reminded_then_admin_told);
	g_test_add_func("/list_chase/unsent_list", test_unsent_list_reminds_admin_each_working_day);
	g_test_add_func("/list_chase/no_admin", test_no_admin_is_refused);
	return g_test_run();
}
