/* An agency's reply to a report request: the report (attached, or written in the email under
 * a REPORT line), or an answer (a holding reply, a question) that leaves the report owed and
 * its chasers running. The real binary, as a team lives it with --now; then the marker itself,
 * on the ways people write it and the sentences that must not count. */
#include <string.h>

#include "engine/engine.h"
#include "support/harness.h"

#define LENA "lena.marsh@brookfield.example.net"
#define ADMIN "cp.admin@council.example"

static JsonObject *school_report(Harness *h)
{
	g_autoptr(JsonNode) show = h_json(h, NULL, "show", H_REF, NULL);
	JsonArray *a = json_object_get_array_member(json_node_get_object(show), "reports");
	for (guint i = 0; i < json_array_get_length(a); i++) {
		JsonObject *o = json_array_get_object_element(a, i);
		if (!strcmp(h_str(o, "agency"), "Brookfield Primary School"))
			return json_object_ref(o);
	}
	return NULL;
}

/* 002: an agency that missed the conference sends its report within five working days, and
 * "when the post conference report is received" the social worker, practice manager, chair and
 * minute taker are emailed. A holding reply is not that report. */
static void test_holding_reply_keeps_the_report_owed_and_chased(void)
{
	g_autoptr(Harness) h = h_new(NULL);
	/* Conference on Friday 20 November 2026; the list goes on Monday 23rd, and the school
	 * (apologies, no report) is asked for its report by Friday 27 November. */
	h_story_setup(h);
	g_assert_cmpuint(h_count_mail(h, "report_request", LENA), ==, 1);
	h_reply_to(h, "chair", "distribution_list", H_CHAIR, H_CHAIR, "AUTHORISED\n");
	h_poll_flush(h, "2026-11-24T09:10");
	g_autoptr(JsonObject) before = school_report(h);
	g_assert_cmpstr(h_str(before, "state"), ==, "awaited");
	g_assert_cmpstr(h_str(before, "due"), ==, "2026-11-27");

	/* Tuesday: the school answers the request with a holding reply. */
	h_reply_to(h, "holding", "report_request", LENA, "Lena Marsh <" LENA ">",
	           "Apologies, we will try to send something next month.\n\nLena");
	h_poll_flush(h, "2026-11-24T11:00");
	g_autoptr(JsonObject) held = school_report(h);
	g_assert_cmpstr(h_str(held, "state"), ==, "awaited");
	g_assert_cmpstr(h_str(held, "due"), ==, "2026-11-27");
	g_assert_null(h_str(held, "received"));
	g_assert_cmpuint(h_count_mail(h, "report_receipt", NULL), ==, 0);
	g_assert_cmpuint(h_count_mail(h, "report_received", NULL), ==, 0);
	g_assert_cmpuint(h_audit_count(h, H_REF, "report.received"), ==, 0);
	g_assert_cmpuint(h_audit_count(h, H_REF, "report.answered"), ==, 1);
	/* Nothing of it is kept as a report: only the message itself is on the record. */
	g_autofree char *reports_dir = g_build_filename(h->dir, "spool", "reports", NULL);
	g_autoptr(GDir) reports = g_dir_open(reports_dir, 0, NULL);
	g_assert_true(!reports || !g_dir_read_name(reports));
	/* Admin is told, by the reference and the agency; the reply's words stay on the record. */
	g_assert_cmpuint(h_count_mail(h, "report_answer", ADMIN), ==, 1);
	g_autofree char *told = h_mail(h, "report_answer", ADMIN);
	g_autofree char *told_subject = h_header(told, "Subject");
	g_assert_nonnull(strstr(told_subject, "[" H_REF "]"));
	g_autofree char *told_body = h_body(told);
	g_assert_nonnull(strstr(told_body, "Brookfield Primary School"));
	g_assert_nonnull(strstr(told_body, "Friday 27 November 2026"));
	g_assert_null(strstr(told_body, "next month"));
	/* The school is told the report is still due, and how to send it. */
	g_assert_cmpuint(h_count_mail(h, "report_answer_receipt", LENA), ==, 1);
	g_autofree char *ack = h_mail(h, "report_answer_receipt", LENA);
	g_autofree char *ack_body = h_body(ack);
	g_assert_nonnull(strstr(ack_body, "Friday 27 November 2026"));
	g_assert_nonnull(strstr(ack_body, "REPORT"));

	/* The request kept its clock: nothing on Wednesday, the reminder on Thursday 26th at
	 * 09:00, one working day before the due date, once. */
	h_tick_flush(h, "2026-11-25T16:00");
	g_assert_cmpuint(h_count_mail(h, "report_reminder", NULL), ==, 0);
	h_tick_flush(h, "2026-11-26T09:05");
	h_tick_flush(h, "2026-11-26T09:30");
	g_assert_cmpuint(h_count_mail(h, "report_reminder", LENA), ==, 1);

	/* Thursday: the report, written in the email under the REPORT line the request asks for. */
	h_reply_to(h, "report", "report_reminder", LENA, "Lena Marsh <" LENA ">",
	           "Hi,\n\nREPORT\nSince the conference Lena has met the family twice; attendance "
	           "has been full and the children are settled in class.\n\nLena Marsh");
	h_poll_flush(h, "2026-11-26T10:00");
	g_autoptr(JsonObject) after = school_report(h);
	g_assert_cmpstr(h_str(after, "state"), ==, "received");
	g_assert_true(json_object_get_boolean_member(after, "on_time"));
	g_assert_cmpuint(h_count_mail(h, "report_receipt", LENA), ==, 1);
	const char *notified[] = { H_CHAIR, "amara.sowande@council.example" };
	for (guint i = 0; i < G_N_ELEMENTS(notified); i++)
		g_assert_cmpuint(h_count_mail(h, "report_received", notified[i]), ==, 1);
	g_assert_cmpuint(h_audit_count(h, H_REF, "report.received"), ==, 1);
	g_assert_cmpuint(h_count_mail(h, "report_answer", NULL), ==, 1);
	/* Received, so the due date's check sends nothing. */
	h_tick_flush(h, "2026-11-30T09:05");
	g_assert_cmpuint(h_count_mail(h, "report_missing_chair", NULL), ==, 0);
}

/* ---- the marker ---------------------------------------------------------------------- */

typedef struct {
	const char *text;
	gboolean report;
} Marked;

/* How people head a report they write in the email, and the sentences about a report that
 * are not one. Each marker has the report's text after it. */
static const Marked marked[] = {
	{ "REPORT\nThe family was seen twice.", TRUE },
	{ "report\nThe family was seen twice.", TRUE },
	{ "Report:\nThe family was seen twice.", TRUE },
	{ "Report: the family was seen twice.", TRUE },
	{ "  Report.  \nThe family was seen twice.", TRUE },
	{ "**REPORT**\nThe family was seen twice.", TRUE },
	{ "Report -\nThe family was seen twice.", TRUE },
	{ "Our report:\nThe family was seen twice.", TRUE },
	{ "Our report below\nThe family was seen twice.", TRUE },
	{ "Our report is below.\nThe family was seen twice.", TRUE },
	{ "Please find our report below.\n\nThe family was seen twice.", TRUE },
	{ "Please see the report below:\nThe family was seen twice.", TRUE },
	{ "Here is our report:\nThe family was seen twice.", TRUE },
	{ "Report as follows:\nThe family was seen twice.", TRUE },
	{ "Post-conference report\nThe family was seen twice.", TRUE },
	{ "POST CONFERENCE REPORT:\nThe family was seen twice.", TRUE },
	{ "Agency\xe2\x80\x99s report:\nThe family was seen twice.", TRUE },
	{ "Post-conference report from Northshire Housing: the tenancy is secure.", TRUE },
	{ "Please find below the post-conference report of Brookfield School for CP-2026-0042."
	  "\n\nTwo home visits.", TRUE },
	{ "Please find below our report\nTwo home visits.", TRUE },
	{ "Hi all,\n\nREPORT\nThe family was seen twice.\n\nKind regards\nLena", TRUE },
	{ "Good morning,\nplease find our report below\n\nThe family was seen twice.", TRUE },
	/* Not a report: holding replies, questions, a forgotten attachment, a marker with
	 * nothing after it. */
	{ "Apologies, we will try to send something next month.", FALSE },
	{ "Report to follow.", FALSE },
	{ "Report to follow\nwe are waiting for the health visitor's notes.", FALSE },
	{ "Our report will be with you next week.", FALSE },
	{ "We will send the report by Friday.", FALSE },
	{ "Please find our report attached.", FALSE },
	{ "Please find attached our report.", FALSE },
	{ "Report attached.", FALSE },
	{ "The report is attached, thanks.", FALSE },
	{ "Is a report needed from us? Lena did not attend.", FALSE },
	{ "Who should the report go to?", FALSE },
	{ "Report from us will be late, sorry.", FALSE },
	{ "The report for the school is late.", FALSE },
	{ "Please find our report of last week attached.", FALSE },
	{ "Re: report\nWe are still waiting for notes.", FALSE },
	{ "REPORT", FALSE },
	{ "Please find our report below.\n\n", FALSE },
	{ "Reports are sent by our safeguarding lead.", FALSE },
	{ "", FALSE },
};

static void test_marker_is_read_as_people_write_it(void)
{
	for (guint i = 0; i < G_N_ELEMENTS(marked); i++) {
		if (ch_engine_report_marked(marked[i].text) != marked[i].report)
			g_error("\"%s\" should %s a report", marked[i].text,
			        marked[i].report ? "be" : "not be");
	}
	g_assert_false(ch_engine_report_marked(NULL));
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/report-replies/holding-reply-keeps-the-report-owed-and-chased",
	                test_holding_reply_keeps_the_report_owed_and_chased);
	g_test_add_func("/report-replies/marker-is-read-as-people-write-it",
	                test_marker_is_read_as_people_write_it);
	return g_test_run();
}
