/* What comes late, lived with the real binary and --now as a team would: a concern the chair
 * raises after authorising the list, and a list (with its report requests) sent later than
 * the procedure allows. Each asserts what the people involved see in their mail. */
#include <string.h>

#include "support/harness.h"

#define ADMIN "cp.admin@council.example"

static void assert_body_has(const char *mail, const char *text)
{
	g_assert_nonnull(mail);
	g_autofree char *body = h_body(mail);
	if (!strstr(body, text))
		g_error("%s lacks '%s':\n%s", mail, text, body);
}

/* ---- the chair's later concerns ------------------------------------------------------- */

/* Authorised with no escalation on Tuesday 24 November; on Thursday 26 November the chair
 * replies to the list again: the school has still sent nothing. Then, answering the
 * read-back, the police too, and more about the school. */
static void test_chair_escalates_after_authorising(void)
{
	g_autoptr(Harness) h = h_new(NULL);
	h_story_setup(h);
	h_reply_to(h, "chair1", "distribution_list", H_CHAIR, H_CHAIR, "AUTHORISED\nNO ESCALATION\n");
	h_poll_flush(h, "2026-11-24T09:10");
	g_assert_cmpuint(h_count_mail(h, "escalation", NULL), ==, 0);

	/* To the list, two days later. */
	h_reply_to(h, "chair2", "distribution_list", H_CHAIR, H_CHAIR,
	           "Sorry, one more thing:\nESCALATE 2 no_apologies: the school has still sent "
	           "nothing\n\nFfion");
	h_poll_flush(h, "2026-11-26T10:00");
	/* The SLO is asked as at authorisation, with the stage's 5 working days: Friday 27,
	 * Monday 30 November, Tuesday 1, Wednesday 2, Thursday 3 December. */
	g_assert_cmpuint(h_count_mail(h, "escalation", H_SCHOOL_SLO), ==, 1);
	g_autofree char *asked = h_mail(h, "escalation", H_SCHOOL_SLO);
	assert_body_has(asked, "Thursday 3 December 2026");
	assert_body_has(asked, "the school has still sent nothing");
	g_autoptr(JsonNode) show = h_json(h, NULL, "show", H_REF, NULL);
	g_assert_cmpstr(h_str(json_node_get_object(show), "state"), ==, "authorised");
	JsonObject *e2 = h_escalation(show, 2);
	g_assert_nonnull(e2);
	g_assert_cmpint(json_object_get_int_member(e2, "stage"), ==, 1);
	g_assert_cmpstr(h_str(e2, "state"), ==, "open");
	g_assert_true(g_str_has_prefix(h_str(e2, "due"), "2026-12-03"));
	/* The chair's read-back says what was done, and can itself be answered. */
	g_autofree char *tr = h_mail(h, "transcript", H_CHAIR);
	assert_body_has(tr, "Line 2 (Lena Marsh, Brookfield Primary School) is escalated");
	assert_body_has(tr, "respond by Thursday 3 December 2026");
	g_autofree char *tr_token = h_token(tr);
	g_assert_nonnull(tr_token);
	g_assert_cmpuint(h_count_mail(h, "not_understood", NULL), ==, 0);

	/* To the read-back, on Friday: the police officer too, and more about the school. */
	h_reply_to(h, "chair3", "transcript", H_CHAIR, H_CHAIR,
	           "ESCALATE 1 no_report: nothing from the police either\n"
	           "ESCALATE 2 report_quality: and what the school said on the phone was not "
	           "enough\n");
	h_poll_flush(h, "2026-11-27T11:00");
	g_assert_cmpuint(h_count_mail(h, "escalation", H_POLICE_SLO), ==, 1);
	g_autofree char *police = h_mail(h, "escalation", H_POLICE_SLO);
	/* Monday 30 November to Friday 4 December. */
	assert_body_has(police, "Friday 4 December 2026");
	/* A second ESCALATE for line 2 adds to it: the SLO is not asked again, the clock stands. */
	g_assert_cmpuint(h_count_mail(h, "escalation", H_SCHOOL_SLO), ==, 1);
	g_autoptr(JsonNode) show2 = h_json(h, NULL, "show", H_REF, NULL);
	JsonObject *e2b = h_escalation(show2, 2);
	g_assert_true(g_str_has_prefix(h_str(e2b, "due"), "2026-12-03"));
	JsonArray *reasons = json_object_get_array_member(e2b, "reasons");
	g_assert_cmpuint(json_array_get_length(reasons), ==, 2);
	g_assert_cmpstr(json_array_get_string_element(reasons, 1), ==, "report_quality");
	g_autofree char *tr2 = h_mail(h, "transcript", H_CHAIR);
	assert_body_has(tr2, "Line 1 (Sam Okafor, Northshire Police) is escalated");
	assert_body_has(tr2, "Line 2 (Lena Marsh, Brookfield Primary School) was already escalated");

	/* AUTHORISED again, and NO ESCALATION, change nothing: the chair is told so. */
	guint escalations_sent = h_count_mail(h, "escalation", NULL);
	h_reply_to(h, "chair4", "distribution_list", H_CHAIR, H_CHAIR, "AUTHORISED\nNO ESCALATION\n");
	h_poll_flush(h, "2026-11-30T10:00");
	g_assert_cmpuint(h_count_mail(h, "escalation", NULL), ==, escalations_sent);
	g_autofree char *tr3 = h_mail(h, "transcript", H_CHAIR);
	assert_body_has(tr3, "already authorised on Tuesday 24 November 2026");
	assert_body_has(tr3, "those already raised go on as they were");
	g_autoptr(JsonNode) show3 = h_json(h, NULL, "show", H_REF, NULL);
	g_assert_cmpstr(h_str(h_escalation(show3, 1), "state"), ==, "open");
	g_assert_cmpstr(h_str(h_escalation(show3, 2), "state"), ==, "open");

	/* The later escalation keeps its clock: silence past Thursday 3 December brings the
	 * SLO's chaser on Friday 4. */
	h_tick_flush(h, "2026-12-03T16:00");
	g_assert_cmpuint(h_count_mail(h, "escalation_chaser", H_SCHOOL_SLO), ==, 0);
	h_tick_flush(h, "2026-12-04T09:05");
	g_assert_cmpuint(h_count_mail(h, "escalation_chaser", H_SCHOOL_SLO), ==, 1);
}

/* ---- report requests sent late -------------------------------------------------------- */

typedef struct {
	const char *held;       /* the conference */
	const char *sent;       /* when admin sends the list, and with it the requests */
	const char *due_long;   /* what the school's request says */
	const char *due;        /* show's due */
	const char *old_due;    /* counted from the conference, as the procedure assumes */
	const char *reminder;   /* one working day before the due date */
	const char *before;     /* a moment before the reminder */
	const char *missing;    /* the working day after the due date */
} LateList;

static const LateList late_lists[] = {
	/* Held Monday 7 December, sent Wednesday 9: five working days from the request are
	 * Thursday 10, Friday 11, Monday 14, Tuesday 15, Wednesday 16 December (from the
	 * conference they would end on Monday 14, three working days away). */
	{ "2026-12-07T10:00", "2026-12-09T11:00", "Wednesday 16 December 2026", "2026-12-16",
	  "Monday 14 December 2026", "2026-12-15T09:05", "2026-12-14T16:00", "2026-12-17T09:05" },
	/* Held Monday 21 December, sent Wednesday 23: Thursday 24, then Christmas Day, the
	 * weekend, Boxing Day's substitute on Monday 28; Tuesday 29, Wednesday 30, Thursday 31,
	 * then New Year's Day and the weekend: Monday 4 January 2027. */
	{ "2026-12-21T10:00", "2026-12-23T11:00", "Monday 4 January 2027", "2027-01-04",
	  "Wednesday 30 December 2026", "2026-12-31T09:05", "2026-12-30T16:00", "2027-01-05T09:05" },
};

static void test_late_list_gives_agencies_the_procedures_time(gconstpointer data)
{
	const LateList *c = data;
	g_autoptr(Harness) h = h_new(NULL);
	g_assert_cmpint(h_run(h, c->held, "agency", "add", "Northshire Police", "--slo",
	                      H_POLICE_SLO, NULL), ==, 0);
	g_assert_cmpint(h_run(h, c->held, "agency", "add", "Brookfield Primary School", "--slo",
	                      H_SCHOOL_SLO, NULL), ==, 0);
	g_assert_cmpint(h_run(h, c->held, "conference", "add", H_REF, "--held", c->held, "--chair",
	                      H_CHAIR, "--social-worker", "amara.sowande@council.example", NULL),
	                ==, 0);
	g_assert_cmpint(h_run(h, c->held, "attendee", "add", H_REF, "--name", "Lena Marsh",
	                      "--email", "lena.marsh@brookfield.example.net", "--agency",
	                      "Brookfield Primary School", "--attendance", "apologies", "--report",
	                      "none", NULL), ==, 0);
	g_assert_cmpint(h_run(h, c->held, "attendee", "add", H_REF, "--name", "Tom Rees", "--email",
	                      "tom.rees@police.example.org", "--agency", "Northshire Police",
	                      "--attendance", "attended", "--report", "submitted", NULL), ==, 0);
	g_assert_cmpint(h_run(h, c->sent, "list", "send", H_REF, NULL), ==, 0);
	h_run_ok(h, c->sent, "flush");

	/* The school is asked for its report by the later date, and so is the chair told. */
	g_autofree char *request = h_mail(h, "report_request", "lena.marsh@brookfield.example.net");
	assert_body_has(request, c->due_long);
	g_autofree char *list = h_mail(h, "distribution_list", H_CHAIR);
	g_autofree char *school_due = g_strdup_printf("Brookfield Primary School, due %s",
	                                              c->due_long);
	assert_body_has(list, school_due);
	g_autoptr(JsonNode) show = h_json(h, NULL, "show", H_REF, NULL);
	JsonArray *reports = json_object_get_array_member(json_node_get_object(show), "reports");
	g_assert_cmpuint(json_array_get_length(reports), ==, 1);
	JsonObject *r = json_array_get_object_element(reports, 0);
	g_assert_true(g_str_has_prefix(h_str(r, "due"), c->due));

	/* Admin is told once: the conference and the new date; the subject names only the
	 * reference. */
	g_assert_cmpuint(h_count_mail(h, "report_request_late", ADMIN), ==, 1);
	g_autofree char *notice = h_mail(h, "report_request_late", ADMIN);
	g_autofree char *subject = h_header(notice, "Subject");
	g_assert_cmpstr(subject, ==, "[" H_REF "] Report requests went out late: new due date");
	assert_body_has(notice, H_REF);
	assert_body_has(notice, c->due_long);
	assert_body_has(notice, c->old_due);
	assert_body_has(notice, "Brookfield Primary School");

	/* The reminder comes a working day before the new date, not the old one; the report is
	 * missing only after the new date. */
	h_tick_flush(h, c->before);
	g_assert_cmpuint(h_count_mail(h, "report_reminder", NULL), ==, 0);
	g_assert_cmpuint(h_count_mail(h, "report_missing_chair", NULL), ==, 0);
	h_tick_flush(h, c->reminder);
	g_assert_cmpuint(h_count_mail(h, "report_reminder", "lena.marsh@brookfield.example.net"), ==,
	                 1);
	g_assert_cmpuint(h_count_mail(h, "report_missing_chair", NULL), ==, 0);
	h_tick_flush(h, c->missing);
	g_assert_cmpuint(h_count_mail(h, "report_missing_chair", H_CHAIR), ==, 1);
	g_assert_cmpuint(h_count_mail(h, "report_request_late", NULL), ==, 1);
}

/* A list sent on time (Friday's conference, Monday morning's list: the 24 hours end on the
 * Saturday) keeps the procedure's date, and admin is not told. */
static void test_list_on_time_keeps_the_procedures_date(void)
{
	g_autoptr(Harness) h = h_new(NULL);
	h_story_setup(h); /* held Friday 20 November, sent Monday 23 November 09:30 */
	g_autofree char *request = h_mail(h, "report_request", "lena.marsh@brookfield.example.net");
	assert_body_has(request, "Friday 27 November 2026");
	g_assert_cmpuint(h_count_mail(h, "report_request_late", NULL), ==, 0);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/late/chair/escalates-after-authorising",
	                test_chair_escalates_after_authorising);
	g_test_add_data_func("/late/list/two-days-after-a-monday-conference", &late_lists[0],
	                     test_late_list_gives_agencies_the_procedures_time);
	g_test_add_data_func("/late/list/over-christmas", &late_lists[1],
	                     test_late_list_gives_agencies_the_procedures_time);
	g_test_add_func("/late/list/on-time-keeps-the-procedures-date",
	                test_list_on_time_keeps_the_procedures_date);
	return g_test_run();
}
