/* The procedures' deadlines and ladders, lived through with --now stepping day by day:
 * post-conference reports, the default ladder and Cwm Taf's, tick's idempotency, working
 * hours, immediate safety, and rules files with mistakes. */
#include <sqlite3.h>
#include <string.h>
#include <glib/gstdio.h>

#include "support/harness.h"

#define REF "CP-2026-0100"
#define PM "pm.jones@council.example"
#define MT "minutes@council.example"
#define SW "amara.sowande@council.example"
#define POLICE_LEAD "lead@police.example.org"
#define HOUSING_SLO "housing.slo@housing.example.org"
#define HOUSING_LEAD "housing.lead@housing.example.org"
#define COORD "cp.coordinator@council.example"
#define LSM "lead.safeguarding@council.example"
#define QASG "qasg.chair@council.example"
#define CP_MANAGERS "cp.managers@council.example"

static const char extra[] = "[people]\ncp_managers = " CP_MANAGERS "\nqasg = " QASG "\n";

static void run_ok(Harness *h, const char *now, const char *a, const char *b)
{
	int rc = b ? h_run(h, now, a, b, NULL) : h_run(h, now, a, NULL);
	if (rc != 0)
		g_error("chaser %s at %s failed (%d): %s", a, now, rc, h->err);
}

/* Held Monday 23 November 2026 10:00; the list goes at 15:00 the same day.
 *   1 Sam Okafor, Northshire Police, absent       (police owe a report)
 *   2 Lena Marsh, Brookfield Primary, apologies   (the school owes a report)
 *   3 Priya Nair, Northshire Health, attended
 *   4 Kit Hale, Northshire Housing, absent        (housing owes a report) */
static void setup(Harness *h, const char *procedure, const char *type)
{
	const char *t = "2026-11-23T10:30";
	g_assert_cmpint(h_run(h, t, "agency", "add", "Northshire Police", "--slo", H_POLICE_SLO,
	                      "--lead", POLICE_LEAD, NULL), ==, 0);
	g_assert_cmpint(h_run(h, t, "agency", "add", "Brookfield Primary School", "--slo",
	                      H_SCHOOL_SLO, "--domain", "brookfield.example.net", NULL), ==, 0);
	g_assert_cmpint(h_run(h, t, "agency", "add", "Northshire Health", "--slo",
	                      "safeguarding.lead@health.example.org", NULL), ==, 0);
	g_assert_cmpint(h_run(h, t, "agency", "add", "Northshire Housing", "--slo", HOUSING_SLO,
	                      "--lead", HOUSING_LEAD, NULL), ==, 0);
	g_assert_cmpint(h_run(h, t, "conference", "add", REF, "--held", "2026-11-23T10:00", "--chair",
	                      H_CHAIR, "--chair-name", "Dr Ffion Testwood", "--social-worker", SW,
	                      "--practice-manager", PM, "--minute-taker", MT, "--procedure",
	                      procedure, "--type", type, NULL), ==, 0);
	g_autofree char *csv = g_build_filename(h->dir, "list.csv", NULL);
	g_assert_true(g_file_set_contents(
		csv,
		"Sam Okafor,sam.okafor@police.example.org,Northshire Police,absent,none\n"
		"Lena Marsh,lena.marsh@brookfield.example.net,Brookfield Primary School,apologies,none\n"
		"Priya Nair,priya.nair@health.example.org,Northshire Health,attended,submitted\n"
		"Kit Hale,kit.hale@housing.example.org,Northshire Housing,absent,none\n",
		-1, NULL));
	g_assert_cmpint(h_run(h, t, "list", "import", REF, "list.csv", NULL), ==, 0);
	g_assert_cmpint(h_run(h, "2026-11-23T15:00", "list", "send", REF, NULL), ==, 0);
	run_ok(h, "2026-11-23T15:00", "flush", NULL);
}

static guint sent_count(Harness *h)
{
	g_autoptr(GPtrArray) all = h_outgoing(h);
	return all->len;
}

static JsonObject *report_of(JsonNode *show, const char *agency)
{
	JsonArray *a = json_object_get_array_member(json_node_get_object(show), "reports");
	for (guint i = 0; i < json_array_get_length(a); i++) {
		JsonObject *o = json_array_get_object_element(a, i);
		if (!strcmp(h_str(o, "agency"), agency))
			return o;
	}
	return NULL;
}

static const char report_pdf[] = "%PDF-1.4 invented post-conference report from the school\n";

static void test_default_full_life(void)
{
	g_autoptr(Harness) h = h_new(extra);
	setup(h, "default", "initial");

	/* Three agencies owe a report, due five working days after Monday's conference. */
	g_autoptr(JsonNode) s0 = h_json(h, "2026-11-23T15:01", "show", REF, NULL);
	JsonObject *c0 = json_node_get_object(s0);
	g_assert_cmpuint(json_array_get_length(json_object_get_array_member(c0, "reports")), ==, 3);
	g_assert_null(report_of(s0, "Northshire Health"));
	g_assert_cmpstr(h_str(report_of(s0, "Northshire Police"), "due"), ==, "2026-11-30");
	g_assert_cmpstr(h_str(c0, "minutes_due"), ==, "2026-12-21");
	g_assert_cmpstr(h_str(c0, "minutes_not_before"), ==, "2026-11-30");
	g_assert_cmpuint(h_count_mail(h, "report_request", NULL), ==, 3);
	g_autofree char *req = h_mail(h, "report_request", "kit.hale@housing.example.org");
	g_autofree char *req_body = h_body(req);
	g_assert_nonnull(strstr(req_body, "by Monday 30 November 2026"));
	g_autofree char *list = h_mail(h, "distribution_list", H_CHAIR);
	g_autofree char *list_body = h_body(list);
	g_assert_nonnull(strstr(list_body, "due by Monday 21 December 2026"));
	g_assert_true(strstr(list_body, "do not sign the minutes before\nMonday 30 November 2026") ||
	              strstr(list_body, "do not sign the minutes before Monday 30 November 2026"));

	/* Tuesday: the chair authorises and escalates lines 1 and 4. */
	h_reply_about(h, "chair", "distribution_list", H_CHAIR, NULL, H_CHAIR,
	      "AUTHORISED\nESCALATE 1 no_report: nothing came\nESCALATE 4 no_apologies: no word at all",
	      NULL);
	h_poll_flush(h, "2026-11-24T09:00");
	g_assert_cmpuint(h_count_mail(h, "escalation", H_POLICE_SLO), ==, 1);
	g_assert_cmpuint(h_count_mail(h, "escalation", HOUSING_SLO), ==, 1);

	/* Thursday: the school's report arrives as an attachment: receipt and four notices. */
	h_reply_about(h, "school", "report_request", "lena.marsh@brookfield.example.net", NULL,
	      "Lena Marsh <lena.marsh@brookfield.example.net>", "Please find our report attached.",
	      report_pdf);
	h_poll_flush(h, "2026-11-26T11:00");
	g_autoptr(JsonNode) s1 = h_json(h, "2026-11-26T11:01", "show", REF, NULL);
	JsonObject *school = report_of(s1, "Brookfield Primary School");
	g_assert_cmpstr(h_str(school, "state"), ==, "received");
	g_assert_true(json_object_get_boolean_member(school, "on_time"));
	g_autofree char *sha = g_compute_checksum_for_string(G_CHECKSUM_SHA256, report_pdf, -1);
	g_assert_cmpstr(h_str(school, "sha256"), ==, sha);
	g_autofree char *stored = g_strdup_printf("%s/spool/reports/%s-report.pdf", h->dir, sha);
	g_autofree char *stored_bytes = NULL;
	g_assert_true(g_file_get_contents(stored, &stored_bytes, NULL, NULL));
	g_assert_cmpstr(stored_bytes, ==, report_pdf);
	GStatBuf st;
	g_assert_cmpint(g_stat(stored, &st), ==, 0);
	g_assert_cmpint(st.st_mode & 0077, ==, 0);
	g_assert_cmpuint(h_count_mail(h, "report_receipt", "lena.marsh@brookfield.example.net"), ==, 1);
	const char *notified[] = { H_CHAIR, SW, PM, MT };
	for (guint i = 0; i < G_N_ELEMENTS(notified); i++)
		g_assert_cmpuint(h_count_mail(h, "report_received", notified[i]), ==, 1);

	/* Friday 09:00: one working day before the due date, the two still owed are reminded. */
	h_tick_flush(h, "2026-11-27T09:00");
	g_assert_cmpuint(h_count_mail(h, "report_reminder", NULL), ==, 2);
	g_assert_cmpuint(h_count_mail(h, "report_reminder", "sam.okafor@police.example.org"), ==, 1);
	g_assert_cmpuint(h_count_mail(h, "report_reminder", "lena.marsh"), ==, 0);
	g_assert_cmpuint(h_count_mail(h, "report_review_reminder", NULL), ==, 0);
	/* Friday 12:00: 24 hours after it arrived the chair has not reviewed it: one reminder. */
	h_tick_flush(h, "2026-11-27T12:00");
	h_tick_flush(h, "2026-11-27T12:30");
	g_assert_cmpuint(h_count_mail(h, "report_review_reminder", H_CHAIR), ==, 1);

	/* Monday: housing's report arrives in the body, by subject, without a token. Nothing
	 * vouches for its From (the config names no receiving server), so it is held; admin
	 * checks it and releases it, and it counts as received on time. */
	h_deliver(h, "housing",
	          "From: Housing SLO <" HOUSING_SLO ">\nTo: safeguarding@council.example\n"
	          "Subject: [CP-2026-0100] Housing report\nMessage-ID: <hr@housing.example.org>\n\n"
	          "Post-conference report from Northshire Housing: the family's tenancy is secure and "
	          "a support worker visits weekly.\n");
	h_poll_flush(h, "2026-11-30T16:00");
	g_autoptr(JsonNode) held = h_json(h, NULL, "show", REF, NULL);
	g_assert_cmpstr(h_str(report_of(held, "Northshire Housing"), "state"), ==, "awaited");
	g_autoptr(JsonNode) tri = h_json(h, NULL, "triage", NULL);
	JsonArray *items = json_node_get_array(tri);
	g_assert_cmpuint(json_array_get_length(items), ==, 1);
	g_autofree char *tid = g_strdup_printf(
		"%" G_GINT64_FORMAT,
		json_object_get_int_member(json_array_get_object_element(items, 0), "id"));
	g_assert_cmpint(h_run(h, "2026-11-30T16:10", "triage", "release", tid, NULL), ==, 0);
	h_poll_flush(h, "2026-11-30T16:10");
	g_autoptr(JsonNode) s2 = h_json(h, NULL, "show", REF, NULL);
	g_assert_cmpstr(h_str(report_of(s2, "Northshire Housing"), "state"), ==, "received");
	g_assert_true(json_object_get_boolean_member(report_of(s2, "Northshire Housing"), "on_time"));
	/* The chair says it shows high risk: the practice manager is alerted at once (with the
	 * chair, the social worker and the CP coordinator). Within the 24 hours the social
	 * worker answers the alert, naming who takes it up with the professional. */
	h_reply_about(h, "highrisk", "report_received", H_CHAIR, "Northshire Housing", H_CHAIR,
	      "HIGH RISK - please call me", NULL);
	h_poll_flush(h, "2026-11-30T17:00");
	g_autoptr(JsonNode) s3 = h_json(h, NULL, "show", REF, NULL);
	g_assert_true(json_object_get_boolean_member(json_node_get_object(s3), "high_risk"));
	g_assert_cmpuint(h_count_mail(h, "high_risk_alert", PM), ==, 1);
	h_reply_about(h, "addressed", "high_risk_alert", SW, "Northshire Housing", SW,
	      "ADDRESSED BY Amara Sowande, social worker", NULL);
	h_poll_flush(h, "2026-11-30T17:30");
	g_assert_cmpuint(h_count_mail(h, "high_risk_addressed", PM), ==, 1);

	/* Tuesday 1 December: the police report never came: missing. */
	h_tick_flush(h, "2026-12-01T09:00");
	g_autoptr(JsonNode) s4 = h_json(h, NULL, "show", REF, NULL);
	g_assert_cmpstr(h_str(report_of(s4, "Northshire Police"), "state"), ==, "missing");
	g_assert_cmpint(json_object_get_int_member(json_node_get_object(s4), "minutes_missing_info"),
	                ==, 1);
	g_assert_cmpuint(h_count_mail(h, "report_missing_chair", H_CHAIR), ==, 1);
	g_assert_cmpuint(h_count_mail(h, "report_missing_agency", POLICE_LEAD), ==, 1);
	g_assert_cmpuint(h_count_mail(h, "report_missing_agency", CP_MANAGERS), ==, 1);

	/* Wednesday: both escalations were due Tuesday: one chaser each. Housing's SLO answers
	 * NOT RESOLVED: it climbs at once to the agency lead. */
	h_tick_flush(h, "2026-12-02T09:00");
	g_assert_cmpuint(h_count_mail(h, "escalation_chaser", H_POLICE_SLO), ==, 1);
	g_assert_cmpuint(h_count_mail(h, "escalation_chaser", HOUSING_SLO), ==, 1);
	h_reply_about(h, "housing-nr", "escalation", HOUSING_SLO, NULL, HOUSING_SLO,
	      "NOT RESOLVED: we dispute the concern", NULL);
	h_poll_flush(h, "2026-12-02T10:00");
	g_autoptr(JsonNode) s5 = h_json(h, NULL, "show", REF, NULL);
	JsonObject *e4 = h_escalation(s5, 4);
	g_assert_cmpint(json_object_get_int_member(e4, "stage"), ==, 2);
	g_assert_cmpstr(h_str(e4, "asked"), ==, HOUSING_LEAD);
	g_assert_cmpstr(h_str(e4, "due"), ==, "2026-12-09");

	/* Thursday: the police SLO stayed silent after the chaser: stage 2, the agency lead. */
	h_tick_flush(h, "2026-12-03T09:00");
	g_autoptr(JsonNode) s6 = h_json(h, NULL, "show", REF, NULL);
	JsonObject *e1 = h_escalation(s6, 1);
	g_assert_cmpint(json_object_get_int_member(e1, "stage"), ==, 2);
	g_assert_cmpstr(h_str(e1, "asked"), ==, POLICE_LEAD);
	g_assert_cmpstr(h_str(e1, "due"), ==, "2026-12-10");
	g_assert_cmpuint(h_count_mail(h, "escalation_climbed", H_CHAIR), ==, 1);

	/* Silence at stage 2 for both: chasers, then stage 3 (the CP coordinator, 2 days). */
	h_tick_flush(h, "2026-12-11T09:00");
	h_tick_flush(h, "2026-12-14T09:00");
	g_autoptr(JsonNode) s7 = h_json(h, NULL, "show", REF, NULL);
	g_assert_cmpint(json_object_get_int_member(h_escalation(s7, 1), "stage"), ==, 3);
	g_assert_cmpint(json_object_get_int_member(h_escalation(s7, 4), "stage"), ==, 3);
	g_assert_cmpstr(h_str(h_escalation(s7, 1), "due"), ==, "2026-12-16");
	g_assert_cmpuint(h_count_mail(h, "escalation", COORD), ==, 2);

	/* The coordinator cannot resolve line 1: the last stage, a meeting date within 24 hours;
	 * the lead safeguarding manager then reports it resolved. */
	h_reply_about(h, "coord", "escalation", COORD, "Sam Okafor", COORD,
	      "NOT RESOLVED: the SLOs could not agree", NULL);
	h_poll_flush(h, "2026-12-14T11:00");
	g_autoptr(JsonNode) s8 = h_json(h, NULL, "show", REF, NULL);
	g_assert_cmpint(json_object_get_int_member(h_escalation(s8, 1), "stage"), ==, 4);
	g_assert_cmpstr(h_str(h_escalation(s8, 1), "asked"), ==, LSM);
	g_assert_cmpstr(h_str(h_escalation(s8, 1), "due"), ==, "2026-12-15");
	g_assert_cmpuint(h_count_mail(h, "escalation_meeting", LSM), ==, 1);
	h_reply_about(h, "lsm", "escalation_meeting", LSM, NULL, LSM,
	      "RESOLVED: independent meeting on 17 December agreed a plan", NULL);
	h_poll_flush(h, "2026-12-15T10:00");

	/* Line 4 stays silent: stage 4 by silence (Friday 18th). At the last stage silence is
	 * never an ending (on_silence = remind in the shipped rules): on Monday 21st the lead
	 * safeguarding manager is reminded and the CP coordinator told. */
	h_tick_flush(h, "2026-12-17T09:00");
	h_tick_flush(h, "2026-12-18T09:00");
	h_tick_flush(h, "2026-12-21T09:00");
	g_autoptr(JsonNode) s9 = h_json(h, NULL, "show", REF, NULL);
	g_assert_cmpstr(h_str(h_escalation(s9, 1), "state"), ==, "resolved");
	g_assert_cmpstr(h_str(h_escalation(s9, 1), "outcome"), ==,
	                "independent meeting on 17 December agreed a plan");
	g_assert_cmpstr(h_str(h_escalation(s9, 4), "state"), ==, "open");
	g_assert_cmpint(json_object_get_int_member(h_escalation(s9, 4), "stage"), ==, 4);
	g_assert_cmpuint(h_count_mail(h, "escalation_still_open", LSM), ==, 1);
	g_assert_cmpuint(h_count_mail(h, "escalation_silent", COORD), ==, 1);
	g_assert_cmpuint(h_count_mail(h, "escalation_unresolved", COORD), ==, 0);
	/* Every report received or missing; but the chair has marked neither received report
	 * reviewed (HIGH RISK is not a review: the chair was reminded about both), so the review
	 * is still owed and the conference stays open. */
	g_assert_cmpstr(h_str(json_node_get_object(s9), "state"), ==, "authorised");
	g_assert_cmpstr(h_str(json_node_get_object(s8), "state"), ==, "authorised");
	/* The chair reviews both, and the lead safeguarding manager answers the reminder about
	 * line 4: nothing is left to chase. The minutes are due today (Monday 21st), so the
	 * conference stays open until the tick of the working day after closes it. */
	h_reply_about(h, "review-school", "report_received", H_CHAIR, "Brookfield Primary School", H_CHAIR,
	      "REVIEWED", NULL);
	h_reply_about(h, "review-housing", "report_received", H_CHAIR, "Northshire Housing", H_CHAIR,
	      "REVIEWED", NULL);
	h_reply_about(h, "lsm-4", "escalation_still_open", LSM, NULL, LSM,
	      "RESOLVED: the police will send apologies in good time", NULL);
	h_poll_flush(h, "2026-12-21T10:00");
	g_autoptr(JsonNode) s10a = h_json(h, NULL, "show", REF, NULL);
	g_assert_cmpstr(h_str(h_escalation(s10a, 4), "state"), ==, "resolved");
	g_assert_cmpstr(h_str(json_node_get_object(s10a), "state"), ==, "authorised");
	h_tick_flush(h, "2026-12-22T09:05");
	g_autoptr(JsonNode) s10 = h_json(h, NULL, "show", REF, NULL);
	g_assert_cmpstr(h_str(json_node_get_object(s10), "state"), ==, "closed");
	g_assert_cmpuint(h_audit_count(h, REF, "report.reviewed"), ==, 2);

	/* The audit trail holds each step, each deadline with the calendar it used. */
	g_assert_cmpuint(h_audit_count(h, REF, "report.requested"), ==, 3);
	g_assert_cmpuint(h_audit_count(h, REF, "report.received"), ==, 2);
	g_assert_cmpuint(h_audit_count(h, REF, "report.reminded"), ==, 2);
	g_assert_cmpuint(h_audit_count(h, REF, "report.review_reminded"), ==, 2);
	g_assert_cmpuint(h_audit_count(h, REF, "report.missing"), ==, 1);
	g_assert_cmpuint(h_audit_count(h, REF, "conference.high_risk"), ==, 1);
	g_assert_cmpuint(h_audit_count(h, REF, "escalation.raised"), ==, 2);
	g_assert_cmpuint(h_audit_count(h, REF, "escalation.stage"), ==, 8);
	g_assert_cmpuint(h_audit_count(h, REF, "escalation.chased"), ==, 5);
	g_assert_cmpuint(h_audit_count(h, REF, "escalation.climbs"), ==, 4);
	g_assert_cmpuint(h_audit_count(h, REF, "escalation.not_resolved"), ==, 2);
	const char *calendar = h_str(h_escalation(s9, 1), "calendar");
	g_assert_nonnull(calendar);
	g_autofree char *with_calendar = g_strdup_printf("calendar %s", calendar);
	g_autoptr(GPtrArray) trail = h_audit(h, REF);
	guint stages = 0;
	for (guint i = 0; i < trail->len; i++)
		if (g_str_has_prefix(trail->pdata[i], "escalation.stage|")) {
			g_assert_nonnull(strstr(trail->pdata[i], with_calendar));
			stages++;
		}
	g_assert_cmpuint(stages, ==, 8);
}

static void test_cwm_taf_full_life(void)
{
	g_autoptr(Harness) h = h_new(extra);
	setup(h, "cwm-taf", "review");
	g_autoptr(JsonNode) s0 = h_json(h, NULL, "show", REF, NULL);
	/* A review conference: minutes within 25 working days (Christmas Day and the Boxing Day
	 * substitute on Monday 28 December do not count). */
	g_assert_cmpstr(h_str(json_node_get_object(s0), "minutes_due"), ==, "2026-12-30");

	h_reply_about(h, "chair", "distribution_list", H_CHAIR, NULL, H_CHAIR,
	      "Authorised\nEscalate 1 report_quality: the report did not address the plan", NULL);
	h_poll_flush(h, "2026-11-24T09:00");
	/* Informal stage: the professional's side answers within two weeks. */
	g_autoptr(JsonNode) s1 = h_json(h, NULL, "show", REF, NULL);
	g_assert_cmpstr(h_str(h_escalation(s1, 1), "due"), ==, "2026-12-08");

	h_tick_flush(h, "2026-12-09T09:00"); /* chaser */
	h_tick_flush(h, "2026-12-10T09:00"); /* the CP coordinator, five working days */
	g_autoptr(JsonNode) s2 = h_json(h, NULL, "show", REF, NULL);
	g_assert_cmpint(json_object_get_int_member(h_escalation(s2, 1), "stage"), ==, 2);
	g_assert_cmpstr(h_str(h_escalation(s2, 1), "asked"), ==, COORD);
	g_assert_cmpstr(h_str(h_escalation(s2, 1), "due"), ==, "2026-12-17");

	h_reply_about(h, "coord", "escalation", COORD, NULL, COORD, "NOT RESOLVED: agency will not engage",
	      NULL);
	h_poll_flush(h, "2026-12-11T10:00");
	g_assert_cmpuint(h_count_mail(h, "escalation_set_aside", LSM), ==, 1);
	g_autofree char *lsm_mail = h_mail(h, "escalation_set_aside", LSM);
	g_autofree char *lsm_body = h_body(lsm_mail);
	g_assert_nonnull(strstr(lsm_body, "set aside the conference decision"));
	g_assert_nonnull(strstr(lsm_body, "agency will not engage"));

	h_tick_flush(h, "2026-12-21T09:00"); /* chaser: due Friday 18 December */
	h_tick_flush(h, "2026-12-22T09:00"); /* the quality assurance group, four weeks */
	g_autoptr(JsonNode) s3 = h_json(h, NULL, "show", REF, NULL);
	g_assert_cmpint(json_object_get_int_member(h_escalation(s3, 1), "stage"), ==, 4);
	g_assert_cmpstr(h_str(h_escalation(s3, 1), "asked"), ==, QASG);
	g_assert_cmpstr(h_str(h_escalation(s3, 1), "due"), ==, "2027-01-19");

	/* The group's own mail, with the history and the risks. */
	h_reply_about(h, "qasg", "escalation_qasg", QASG, NULL, QASG,
	      "RESOLVED: case audit requested; recommendations sent to the agency", NULL);
	h_poll_flush(h, "2027-01-05T10:00");
	g_autoptr(JsonNode) s4 = h_json(h, NULL, "show", REF, NULL);
	g_assert_cmpstr(h_str(h_escalation(s4, 1), "state"), ==, "resolved");
	g_assert_cmpstr(h_str(json_node_get_object(s4), "state"), ==, "closed");
	g_assert_cmpstr(h_str(json_node_get_object(s3), "state"), ==, "authorised");
	g_assert_cmpuint(h_audit_count(h, REF, "escalation.stage"), ==, 4);
	g_assert_cmpuint(h_audit_count(h, REF, "escalation.chased"), ==, 2);
	g_assert_cmpuint(h_audit_count(h, REF, "escalation.climbs"), ==, 2);
	g_assert_cmpuint(h_audit_count(h, REF, "escalation.not_resolved"), ==, 1);
	g_assert_cmpuint(h_count_mail(h, "escalation_closed", H_CHAIR), ==, 1);
}

typedef struct {
	const char *nation;
	const char *held;
	const char *due;
} ReportDue;

static const ReportDue report_dues[] = {
	{ "england-and-wales", "2026-12-22T10:00", "2026-12-31" },
	{ "scotland", "2026-12-22T10:00", "2026-12-31" },
	{ "northern-ireland", "2026-12-22T10:00", "2026-12-31" },
	/* New Year: Scotland's 2 January falls on a Saturday and moves to Monday 4 January. */
	{ "england-and-wales", "2026-12-30T10:00", "2027-01-07" },
	{ "scotland", "2026-12-30T10:00", "2027-01-08" },
	/* St Patrick's Day 2027 is a Wednesday: Northern Ireland only. */
	{ "northern-ireland", "2027-03-15T10:00", "2027-03-23" },
	{ "england-and-wales", "2027-03-15T10:00", "2027-03-22" },
};

static void test_report_due_by_nation(gconstpointer data)
{
	const ReportDue *c = data;
	g_autofree char *cfg = g_strdup_printf("[chaser]\nnation = %s\n", c->nation);
	g_autoptr(Harness) h = h_new(cfg);
	const char *t = c->held;
	h_run(h, t, "agency", "add", "Northshire Police", "--slo", H_POLICE_SLO, NULL);
	g_assert_cmpint(h_run(h, t, "conference", "add", REF, "--held", c->held, "--chair", H_CHAIR,
	                      "--social-worker", SW, NULL), ==, 0);
	g_assert_cmpint(h_run(h, t, "attendee", "add", REF, "--name", "Sam Okafor", "--email",
	                      "sam.okafor@police.example.org", "--agency", "Northshire Police",
	                      "--attendance", "absent", "--report", "none", NULL), ==, 0);
	g_assert_cmpint(h_run(h, t, "list", "send", REF, NULL), ==, 0);
	g_autoptr(JsonNode) s = h_json(h, t, "show", REF, NULL);
	JsonObject *r = report_of(s, "Northshire Police");
	g_assert_nonnull(r);
	g_assert_cmpstr(h_str(r, "due"), ==, c->due);
	g_assert_nonnull(strstr(h_str(r, "calendar"), c->nation));
}

/* tick twice at one moment sends nothing twice; after ten working days switched off it
 * catches up with one step per obligation, not one per missed day. */
static void test_tick_idempotent_and_outage(void)
{
	g_autoptr(Harness) h = h_new(extra);
	h_story_setup(h); /* held Fri 20 Nov; the school owes a report, due Fri 27 Nov */
	g_autofree char *list = h_mail(h, "distribution_list", H_CHAIR);
	g_autofree char *token = h_token(list);
	g_autofree char *msgid = h_msgid(list);
	g_autofree char *text = h_fixture("tests/data/replies/gmail.eml", token, msgid);
	h_deliver(h, "chair", text);
	h_poll_flush(h, "2026-11-24T09:10"); /* escalations of lines 2 and 4, due Tue 1 Dec */
	guint before = sent_count(h);

	h_tick_flush(h, "2026-11-26T09:00");
	h_tick_flush(h, "2026-11-26T09:00");
	g_assert_cmpuint(h_count_mail(h, "report_reminder", NULL), ==, 1);
	g_assert_cmpuint(sent_count(h), ==, before + 1);

	/* Switched off from Thursday 26 November to Monday 14 December. */
	h_tick_flush(h, "2026-12-14T09:00");
	g_assert_cmpuint(h_count_mail(h, "report_missing_chair", NULL), ==, 1);
	g_assert_cmpuint(h_count_mail(h, "escalation_chaser", NULL), ==, 2);
	g_assert_cmpuint(h_count_mail(h, "escalation", H_SCHOOL_SLO), ==, 1);
	g_autoptr(JsonNode) s = h_json(h, NULL, "show", H_REF, NULL);
	g_assert_cmpint(json_object_get_int_member(h_escalation(s, 2), "stage"), ==, 1);
	guint caught_up = sent_count(h);
	h_tick_flush(h, "2026-12-14T09:00");
	h_tick_flush(h, "2026-12-14T16:00");
	g_assert_cmpuint(sent_count(h), ==, caught_up);
	/* The next working day, the next step: each escalation climbs once. */
	h_tick_flush(h, "2026-12-15T09:00");
	g_autoptr(JsonNode) s2 = h_json(h, NULL, "show", H_REF, NULL);
	g_assert_cmpint(json_object_get_int_member(h_escalation(s2, 2), "stage"), ==, 2);
	g_assert_cmpint(json_object_get_int_member(h_escalation(s2, 4), "stage"), ==, 2);
	g_assert_cmpuint(h_count_mail(h, "escalation_climbed", NULL), ==, 2);
}

static void test_chasers_wait_for_working_hours(void)
{
	g_autoptr(Harness) h = h_new(NULL);
	h_story_setup(h);
	g_autofree char *list = h_mail(h, "distribution_list", H_CHAIR);
	g_autofree char *token = h_token(list);
	g_autofree char *msgid = h_msgid(list);
	g_autofree char *text = h_fixture("tests/data/replies/iphone.eml", token, msgid);
	h_deliver(h, "chair", text);
	h_poll_flush(h, "2026-11-24T09:10"); /* escalations due Tuesday 1 December */
	guint before = sent_count(h);
	run_ok(h, "2026-12-05T10:00", "tick", NULL); /* Saturday */
	g_assert_nonnull(strstr(h->out, "outside working hours"));
	h_tick_flush(h, "2026-12-07T08:30"); /* Monday, before hours */
	h_tick_flush(h, "2026-12-07T17:30"); /* Monday, after hours */
	g_assert_cmpuint(sent_count(h), ==, before);
	h_tick_flush(h, "2026-12-07T09:00");
	g_assert_cmpuint(h_count_mail(h, "escalation_chaser", NULL), ==, 2);
}

static void test_safety_alert_at_night(void)
{
	g_autoptr(Harness) h = h_new(NULL);
	h_story_setup(h);
	g_autofree char *list = h_mail(h, "distribution_list", H_CHAIR);
	g_autofree char *token = h_token(list);
	h_deliver(h, "night",
	          "From: Dr Ffion Testwood <" H_CHAIR ">\nTo: <safeguarding+x@council.example>\n"
	          "Subject: [CP-2026-0042] urgent\nMessage-ID: <n1@chairs.example.org>\n\n"
	          "The social worker called: the child is in immediate danger tonight.\n");
	h_poll_flush(h, "2026-11-28T02:10"); /* Saturday night */
	g_autofree char *alert = h_mail(h, "safety_alert", COORD);
	g_assert_nonnull(alert);
	g_autofree char *subject = h_header(alert, "Subject");
	g_assert_cmpstr(subject, ==, "[CP-2026-0042] URGENT: possible immediate safety concern");
	/* The alert carries no words of the message itself. */
	g_autofree char *body = h_body(alert);
	g_assert_null(strstr(body, "tonight"));
	(void)token;
}

typedef struct {
	const char *name;
	const char *from;     /* a line of rules/default.rules */
	const char *to;       /* what it becomes */
	const char *says;
} RulesMistake;

static const RulesMistake mistakes[] = {
	{ "bad-duration", "answer_within = 5 working days\ntemplate = escalation\nchasers = 1\n\n[stage managers]",
	  "answer_within = five days\ntemplate = escalation\nchasers = 1\n\n[stage managers]",
	  "answer_within = 'five days': write e.g. '5 working days'" },
	{ "unknown-setting", "report_due = 5 working days", "report_within = 5 working days",
	  "unknown setting 'report_within'" },
	{ "unknown-role", "ask = agency_lead", "ask = agency_boss", "ask = 'agency_boss' is not a role" },
	{ "missing-template", "template = escalation_meeting", "template = escalation_meting",
	  "template 'escalation_meting' is not in the templates folders" },
	{ "bad-section", "[stage slo]", "[stag slo]", "'[stag slo]' is not a section" },
	{ "wrong-unit", "report_due = 5 working days", "report_due = 5 hours",
	  "report_due = '5 hours': write e.g. '5 working days'" },
	{ "twice", "list_within = 24 hours", "list_within = 24 hours\nlist_within = 48 hours",
	  "'list_within' is given twice" },
	{ "on-silence-word", "on_silence = remind", "on_silence = wait",
	  "on_silence = 'wait': write remind or unresolved" },
	{ "on-silence-not-last", "chasers = 1\n\n[stage managers]",
	  "chasers = 1\non_silence = remind\n\n[stage managers]",
	  "on_silence is for the last stage: silence at stage 'slo' moves the concern to the next "
	  "stage" },
	{ "remind-every-duration", "remind_every = 2 working days", "remind_every = 2 weeks",
	  "remind_every = '2 weeks': write e.g. '2 working days'" },
	{ "meeting-word", "meeting = yes\non_silence", "meeting = sure\non_silence",
	  "meeting must be yes or no" },
};

/* The constructs of a concern between agencies, each used wrongly in rules/inter-agency.rules. */
static const RulesMistake ladder_mistakes[] = {
	{ "ask-unknown-in-list", "ask = raiser, other_professional", "ask = raiser, other_person",
	  "ask = 'raiser, other_person': 'other_person' is not a role" },
	{ "ask-twice", "ask = raiser_slo, other_slo", "ask = raiser_slo, raiser_slo",
	  "ask = 'raiser_slo, raiser_slo': 'raiser_slo' is named twice" },
	{ "of-later-step", "5 working days of step 1", "5 working days of step 2",
	  "answer_within = '5 working days of step 2': step 2 is not an earlier stage" },
	{ "of-no-step", "5 working days of step 1", "5 working days of stage one",
	  "answer_within = '5 working days of stage one': after 'of' write 'step'" },
	{ "choice-no-stage", "non-urgent: review-group", "non-urgent: review-board",
	  "choice 'non-urgent' leads nowhere: there is no [stage review-board]" },
	{ "choice-one-way", "choice = urgent: independent-meeting, non-urgent: review-group",
	  "choice = urgent: independent-meeting",
	  "choice = 'urgent: independent-meeting': a choice needs at least two ways" },
	{ "choice-no-colon", "choice = urgent: independent-meeting, non-urgent: review-group",
	  "choice = urgent independent-meeting, non-urgent: review-group",
	  "choice = 'urgent independent-meeting, non-urgent: review-group': write each way as "
	  "'word: stage'" },
};

static void rules_mistake_in(const RulesMistake *m, const char *file)
{
	g_autofree char *original = NULL;
	g_autofree char *src = g_strdup_printf("rules/%s", file);
	g_assert_true(g_file_get_contents(src, &original, NULL, NULL));
	g_assert_nonnull(strstr(original, m->from));
	GString *broken = g_string_new(original);
	g_string_replace(broken, m->from, m->to, 1);
	/* The line the mistake is on, counted in the broken file. */
	const char *first_diff = broken->str;
	const char *o = original;
	while (*first_diff && *first_diff == *o)
		first_diff++, o++;
	guint line = 1;
	for (const char *p = broken->str; p < first_diff; p++)
		line += *p == '\n';
	g_autoptr(Harness) h = h_new(NULL);
	g_autofree char *dir = g_build_filename(h->dir, "myrules", NULL);
	g_assert_cmpint(g_mkdir(dir, 0700), ==, 0);
	g_autofree char *path = g_build_filename(dir, file, NULL);
	g_assert_true(g_file_set_contents(path, broken->str, -1, NULL));
	g_string_free(broken, TRUE);
	g_autofree char *conf = NULL;
	g_assert_true(g_file_get_contents(h->conf, &conf, NULL, NULL));
	g_autofree char *rules_key = g_strdup_printf("[chaser]\nrules = %s\n", dir);
	g_autofree char *more = h_ini_merge(conf, rules_key);
	g_assert_true(g_file_set_contents(h->conf, more, -1, NULL));
	g_assert_cmpint(h_run(h, NULL, "escalations", NULL), ==, 1);
	h->broken = TRUE; /* the config now names broken rules: nothing can open the store */
	g_autofree char *want = g_strdup_printf("%s:%u: %s", path, line, m->says);
	if (!strstr(h->err, want))
		g_error("wanted '%s', got '%s'", want, h->err);
}

static void test_rules_mistake_named(gconstpointer data)
{
	rules_mistake_in(data, "default.rules");
}

static void test_ladder_mistake_named(gconstpointer data)
{
	rules_mistake_in(data, "inter-agency.rules");
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/procedures/default/full-life", test_default_full_life);
	g_test_add_func("/procedures/cwm-taf/full-life", test_cwm_taf_full_life);
	for (guint i = 0; i < G_N_ELEMENTS(report_dues); i++) {
		g_autofree char *name = g_strdup_printf("/procedures/report-due/%s/held-%.10s",
		                                        report_dues[i].nation, report_dues[i].held);
		g_test_add_data_func(name, &report_dues[i], test_report_due_by_nation);
	}
	g_test_add_func("/procedures/tick/twice-and-after-outage", test_tick_idempotent_and_outage);
	g_test_add_func("/procedures/hours/chasers-wait-for-working-hours",
	                test_chasers_wait_for_working_hours);
	g_test_add_func("/procedures/safety/alert-at-night", test_safety_alert_at_night);
	for (guint i = 0; i < G_N_ELEMENTS(mistakes); i++) {
		g_autofree char *name = g_strdup_printf("/procedures/rules/mistake-%s", mistakes[i].name);
		g_test_add_data_func(name, &mistakes[i], test_rules_mistake_named);
	}
	for (guint i = 0; i < G_N_ELEMENTS(ladder_mistakes); i++) {
		g_autofree char *name = g_strdup_printf("/procedures/rules/inter-agency-%s",
		                                        ladder_mistakes[i].name);
		g_test_add_data_func(name, &ladder_mistakes[i], test_ladder_mistake_named);
	}
	return g_test_run();
}
