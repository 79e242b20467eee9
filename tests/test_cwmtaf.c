/* Cwm Taf's resolution procedure for conference chairs (004), lived through the real binary
 * with --now, reading the mail chaser sends:
 *
 * - The informal stage asks "the conference attendee or their manager", not the SLO.
 * - "the Lead Safeguarding Manager has the authority to set aside the conference decision
 *   and require conference to reconvene": SET ASIDE from the LSM at their stage marks the
 *   conference to reconvene, tells the chair, the CP coordinator, the social worker and
 *   admin, and gives admin a task, chased each working day until the new date is entered.
 *   A SET ASIDE from anyone else, or "not setting aside", changes nothing.
 * - "The concern will be reported to the Chair of QASG via email, outlining the issue, any
 *   attempts to resolve, and the identified risks": each earlier stage's answer with who and
 *   when, the chair's comment and the report marked high risk.
 * - QASG's options are recorded as named; "Feedback will always be offered to the
 *   Conference Chair".
 * - The Conference Chair Resolution Form: each stage's own answer, one outcome ticked, sent
 *   to the CP coordinator and the social worker when the concern ends.
 * - outcomes = ... in a rules file: an unknown name refused with its FILE:LINE; the old
 *   last_stage_can_set_aside = yes still works.
 */
#include <glib/gstdio.h>
#include <string.h>

#include "support/harness.h"

#define REF "CP-2026-0200"
#define SW "amara.sowande@council.example"
#define COORD "cp.coordinator@council.example"
#define LSM "lead.safeguarding@council.example"
#define ADMIN "cp.admin@council.example"
#define QASG "qasg.chair@council.example"
#define SAM "sam.okafor@police.example.org"
#define POLICE_LEAD "lead@police.example.org"
#define LENA "lena.marsh@brookfield.example.net"

static const char extra[] = "[people]\nqasg = " QASG "\n";
static const char report_pdf[] = "%PDF-1.4 the school's post-conference report";

/* A reply to the newest mail of `kind` to `to`, from `from`, with its token; with a PDF
 * attached when `attach`. */
static void reply(Harness *h, const char *name, const char *kind, const char *to,
                  const char *from, const char *body, gboolean attach)
{
	h_reply_about(h, name, kind, to, NULL, from, body, attach ? report_pdf : NULL);
}

static JsonObject *esc1(JsonNode *show)
{
	JsonObject *e = h_escalation(show, 1);
	g_assert_nonnull(e);
	return e;
}

static const char *maybe_str(JsonObject *o, const char *member)
{
	return json_object_has_member(o, member) && !json_object_get_null_member(o, member)
	           ? json_object_get_string_member(o, member)
	           : NULL;
}

/* The body of the newest mail of a kind to an address (asserting there is one). */
static char *body_of(Harness *h, const char *kind, const char *to)
{
	g_autofree char *mail = h_mail(h, kind, to);
	if (!mail)
		g_error("no %s mail to %s", kind, to);
	return h_body(mail);
}

static guint count_of(const char *text, const char *what)
{
	guint n = 0;
	for (const char *p = strstr(text, what); p; p = strstr(p + 1, what))
		n++;
	return n;
}

/* Held Monday 23 November 2026 under Cwm Taf; the chair escalates line 1 (the police
 * officer) on Tuesday; the school's report comes on Wednesday and the chair marks it high
 * risk; the officer answers NOT RESOLVED on Wednesday 25th, the CP coordinator on Thursday
 * 26th: the Lead Safeguarding Manager is asked. */
static void reach_stage(Harness *h, int stage)
{
	const char *t = "2026-11-23T10:30";
	g_assert_cmpint(h_run(h, t, "agency", "add", "Northshire Police", "--slo", H_POLICE_SLO,
	                      "--lead", POLICE_LEAD, NULL), ==, 0);
	g_assert_cmpint(h_run(h, t, "agency", "add", "Brookfield Primary School", "--slo",
	                      H_SCHOOL_SLO, "--domain", "brookfield.example.net", NULL), ==, 0);
	g_assert_cmpint(h_run(h, t, "conference", "add", REF, "--held", "2026-11-23T10:00", "--chair",
	                      H_CHAIR, "--chair-name", "Dr Ffion Testwood", "--social-worker", SW,
	                      "--procedure", "cwm-taf", NULL), ==, 0);
	g_autofree char *csv = g_build_filename(h->dir, "list.csv", NULL);
	g_assert_true(g_file_set_contents(
		csv,
		"Sam Okafor," SAM ",Northshire Police,attended,submitted\n"
		"Lena Marsh," LENA ",Brookfield Primary School,apologies,none\n",
		-1, NULL));
	g_assert_cmpint(h_run(h, t, "list", "import", REF, "list.csv", NULL), ==, 0);
	g_assert_cmpint(h_run(h, "2026-11-23T15:00", "list", "send", REF, NULL), ==, 0);
	h_run_ok(h, "2026-11-23T15:00", "flush");

	reply(h, "chair", "distribution_list", H_CHAIR, H_CHAIR,
	      "AUTHORISED\nESCALATE 1 report_quality: the plan leaves the child alone at weekends",
	      FALSE);
	h_poll_flush(h, "2026-11-24T09:00");
	/* 004 stage 1: the attendee (or their manager), not the SLO. */
	g_assert_cmpuint(h_count_mail(h, "escalation", SAM), ==, 1);
	g_assert_cmpuint(h_count_mail(h, "escalation", H_POLICE_SLO), ==, 0);

	reply(h, "school", "report_request", LENA, "Lena Marsh <" LENA ">",
	      "Please find our report attached.", TRUE);
	h_poll_flush(h, "2026-11-24T11:00");
	reply(h, "highrisk", "report_received", H_CHAIR, H_CHAIR, "HIGH RISK - please call me",
	      FALSE);
	h_poll_flush(h, "2026-11-24T12:00");

	reply(h, "sam", "escalation", SAM, SAM, "NOT RESOLVED: I do not accept the plan was wrong",
	      FALSE);
	h_poll_flush(h, "2026-11-25T10:00");
	if (stage == 2)
		return;
	reply(h, "coord", "escalation", COORD, COORD, "NOT RESOLVED: the agency will not engage",
	      FALSE);
	h_poll_flush(h, "2026-11-26T10:00");
	g_autoptr(JsonNode) s = h_json(h, NULL, "show", REF, NULL);
	g_assert_cmpint(json_object_get_int_member(esc1(s), "stage"), ==, 3);
	g_assert_cmpstr(h_str(esc1(s), "asked"), ==, LSM);
	g_assert_cmpuint(h_count_mail(h, "escalation_set_aside", LSM), ==, 1);
}

static void reach_lsm(Harness *h)
{
	reach_stage(h, 3);
}

/* Every row of the store but the ones a refused reply is answered with. */
static char *dump_but_answer(Harness *h)
{
	static const char *const except[] = { "message", "outbox", "audit", "token", NULL };
	return h_dump(h, except);
}

static void test_set_aside(void)
{
	g_autoptr(Harness) h = h_new(extra);
	reach_lsm(h);
	guint sent = h_outgoing(h)->len;

	/* "not setting aside" from the LSM themself changes nothing. */
	g_autofree char *before = dump_but_answer(h);
	reply(h, "lsm-not", "escalation_set_aside", LSM, LSM,
	      "I am not setting aside the decision at this point.", FALSE);
	h_poll_flush(h, "2026-11-26T11:00");
	g_autofree char *after_not = dump_but_answer(h);
	h_assert_same("a set-aside with \"not\"", before, after_not);
	g_assert_cmpuint(h_count_mail(h, "not_understood", LSM), ==, 1);
	g_autofree char *nu = body_of(h, "not_understood", LSM);
	g_assert_nonnull(strstr(nu, "> I am not setting aside the decision at this point."));
	g_assert_cmpuint(h_count_mail(h, "escalation_set_aside_told", NULL), ==, 0);
	g_assert_cmpuint(h_outgoing(h)->len, ==, sent + 1);

	/* The LSM's words, in a sentence of their own. */
	reply(h, "lsm", "escalation_set_aside", LSM, "Lead Safeguarding <" LSM ">",
	      "Having read the file, I am setting aside the decision: the plan must be "
	      "reconsidered with the police present.",
	      FALSE);
	h_poll_flush(h, "2026-11-26T14:00");
	g_autoptr(JsonNode) s = h_json(h, NULL, "show", REF, NULL);
	JsonObject *e = esc1(s);
	g_assert_cmpstr(h_str(e, "state"), ==, "resolved");
	g_assert_cmpstr(maybe_str(e, "reconvene"), ==, "owed");
	g_assert_cmpstr(maybe_str(e, "set_aside_by"), ==, LSM);
	g_assert_nonnull(strstr(maybe_str(e, "set_aside_words"), "the plan must be reconsidered"));
	/* The chair, the CP coordinator, the social worker and admin are told, the subject
	 * only the reference. */
	static const char *const told[] = { H_CHAIR, COORD, SW };
	for (guint i = 0; i < G_N_ELEMENTS(told); i++) {
		g_assert_cmpuint(h_count_mail(h, "escalation_set_aside_told", told[i]), ==, 1);
		g_autofree char *m = h_mail(h, "escalation_set_aside_told", told[i]);
		g_autofree char *subject = h_header(m, "Subject");
		g_assert_cmpstr(subject, ==, "[" REF "] Conference decision set aside");
		g_autofree char *b = h_body(m);
		g_assert_nonnull(strstr(b, "the plan must be reconsidered"));
		g_assert_nonnull(strstr(b, "must reconvene"));
	}
	g_assert_cmpuint(h_count_mail(h, "escalation_reconvene", ADMIN), ==, 1);
	g_autofree char *adm = body_of(h, "escalation_reconvene", ADMIN);
	g_assert_nonnull(strstr(adm, "chaser conference reconvene " REF " --held YYYY-MM-DD"));
	/* Admin's task, in `chaser show`. */
	JsonArray *tasks = json_object_get_array_member(json_node_get_object(s), "tasks");
	g_assert_cmpuint(json_array_get_length(tasks), ==, 1);
	g_assert_cmpint(h_run(h, NULL, "show", REF, NULL), ==, 0);
	g_assert_nonnull(strstr(h->out, "TO RECONVENE"));

	/* Chased each working day (not at the weekend, once a day) until the date is entered. */
	h_tick_flush(h, "2026-11-27T09:05");
	h_tick_flush(h, "2026-11-27T15:00");
	h_tick_flush(h, "2026-11-28T09:05"); /* Saturday */
	h_tick_flush(h, "2026-11-30T09:05");
	g_assert_cmpuint(h_count_mail(h, "escalation_reconvene", ADMIN), ==, 3);
	g_autoptr(JsonNode) s2 = h_json(h, NULL, "show", REF, NULL);
	g_assert_cmpstr(h_str(json_node_get_object(s2), "state"), !=, "closed");

	/* A date that is not one is refused; then admin enters it. */
	g_assert_cmpint(h_run(h, "2026-11-30T10:00", "conference", "reconvene", REF, "--held",
	                      "next week", NULL), !=, 0);
	g_assert_cmpint(h_run(h, "2026-11-30T10:00", "conference", "reconvene", REF, "--held",
	                      "2026-12-07", NULL), ==, 0);
	g_autoptr(JsonNode) s3 = h_json(h, NULL, "show", REF, NULL);
	g_assert_cmpstr(maybe_str(esc1(s3), "reconvene"), ==, "date entered");
	g_assert_cmpstr(maybe_str(esc1(s3), "reconvene_held"), ==, "2026-12-07");
	g_assert_cmpuint(json_array_get_length(json_object_get_array_member(
		                 json_node_get_object(s3), "tasks")),
	                 ==, 0);
	h_tick_flush(h, "2026-12-01T09:05");
	h_tick_flush(h, "2026-12-02T09:05");
	g_assert_cmpuint(h_count_mail(h, "escalation_reconvene", ADMIN), ==, 3);
	/* Entering it twice is refused: nothing waits for a date. */
	g_assert_cmpint(h_run(h, "2026-12-02T10:00", "conference", "reconvene", REF, "--held",
	                      "2026-12-08", NULL), !=, 0);

	/* The form, when the concern ended, to the coordinator and the social worker: each
	 * stage's own answer, the LSM's words, one outcome ticked. */
	static const char *const form_to[] = { COORD, SW };
	for (guint i = 0; i < G_N_ELEMENTS(form_to); i++) {
		g_assert_cmpuint(h_count_mail(h, "resolution_form", form_to[i]), ==, 1);
		g_autofree char *f = body_of(h, "resolution_form", form_to[i]);
		g_assert_nonnull(strstr(f, "Stage 1 (informal): Wednesday 25 November 2026, from " SAM
		                           " about line 1 (not resolved): I do not accept the plan was "
		                           "wrong"));
		g_assert_nonnull(strstr(f, "Stage 2 (cp-coordinator): Thursday 26 November 2026, from "
		                           COORD " about line 1 (not resolved): the agency will not "
		                           "engage"));
		g_assert_nonnull(strstr(f, "Stage 3 (lead-safeguarding-manager): Thursday 26 November "
		                           "2026, from " LSM " about line 1 (the conference decision "
		                           "set aside): Having read the file, I am setting aside the "
		                           "decision: the plan must be reconsidered"));
		g_assert_cmpuint(count_of(f, "[x]"), ==, 1);
		g_assert_nonnull(strstr(f, "[x] Other (say what):"));
		g_assert_nonnull(strstr(f, "set aside the conference decision (\"Having read"));
	}
	/* The record's form says the new date. */
	g_assert_cmpint(h_run(h, "2026-12-02T10:00", "record", REF, NULL), ==, 0);
	g_assert_nonnull(strstr(h->out, "the conference reconvenes on Monday 7 December 2026"));
	g_assert_cmpuint(count_of(h->out, "[x]"), ==, 1);
}

/* SET ASIDE from anyone but the LSM (here the police SLO with the LSM's mail), or from
 * the LSM at a stage without the outcome, changes nothing and is answered quoting it. */
static void test_set_aside_refused(void)
{
	g_autoptr(Harness) h = h_new(extra);
	reach_lsm(h);
	static const char *const except[] = { "message", "outbox", "audit", "token", "triage",
		                                  NULL };
	/* Another person with the LSM's mail: the token was not sent to them, so intake holds
	 * it for admin, and nothing acts on it. */
	g_autofree char *before = h_dump(h, except);
	reply(h, "forged", "escalation_set_aside", LSM, "Ruth Calloway <" H_POLICE_SLO ">",
	      "SET ASIDE: the decision was wrong", FALSE);
	h_poll_flush(h, "2026-11-26T11:00");
	g_autofree char *after = h_dump(h, except);
	h_assert_same("a set-aside from another person", before, after);
	g_assert_cmpuint(h_count_mail(h, "escalation_set_aside_told", NULL), ==, 0);
	g_assert_cmpuint(h_count_mail(h, "escalation_reconvene", NULL), ==, 0);
	/* The LSM has handed over to a successor (the config names the new one) when the old
	 * one answers from their own address with their own token: no longer the LSM, they
	 * cannot set the decision aside; nothing acts on it. */
	g_autofree char *conf = NULL;
	g_assert_true(g_file_get_contents(h->conf, &conf, NULL, NULL));
	g_autoptr(GString) c2 = g_string_new(conf);
	g_assert_cmpuint(g_string_replace(c2, LSM, "new.lsm@council.example", 0), ==, 1);
	g_assert_true(g_file_set_contents(h->conf, c2->str, -1, NULL));
	g_autofree char *before1 = dump_but_answer(h);
	reply(h, "old-lsm", "escalation_set_aside", LSM, LSM, "SET ASIDE: the decision was wrong",
	      FALSE);
	h_poll_flush(h, "2026-11-26T11:10");
	g_autofree char *after1 = dump_but_answer(h);
	h_assert_same("a set-aside from the LSM who handed over", before1, after1);
	g_assert_cmpuint(h_count_mail(h, "escalation_set_aside_told", NULL), ==, 0);
	g_autofree char *nu0 = body_of(h, "not_understood", LSM);
	g_assert_nonnull(strstr(nu0, "only the Lead Safeguarding Manager"));
	g_assert_true(g_file_set_contents(h->conf, conf, -1, NULL));

	/* The chair, asked to confirm the LSM's free-text answer, writes SET ASIDE: only the
	 * LSM may; nothing changes and the chair is told, their line quoted. */
	reply(h, "lsm-text", "escalation_set_aside", LSM, LSM,
	      "I will look at the file with the team this week.", FALSE);
	h_poll_flush(h, "2026-11-26T12:00");
	g_assert_cmpuint(h_count_mail(h, "escalation_response", H_CHAIR), ==, 1);
	g_autofree char *before2 = dump_but_answer(h);
	reply(h, "chair-sa", "escalation_response", H_CHAIR, H_CHAIR,
	      "SET ASIDE: the chair thinks the decision was wrong", FALSE);
	h_poll_flush(h, "2026-11-26T13:00");
	g_autofree char *after2 = dump_but_answer(h);
	h_assert_same("a set-aside from the chair", before2, after2);
	g_autofree char *nu = body_of(h, "not_understood", H_CHAIR);
	g_assert_nonnull(strstr(nu, "SET ASIDE: the chair thinks the decision was wrong"));
	g_assert_nonnull(strstr(nu, "only the Lead Safeguarding Manager"));
	g_assert_cmpuint(h_count_mail(h, "escalation_set_aside_told", NULL), ==, 0);
}

/* The CP coordinator writes SET ASIDE at their own stage, which has no such outcome. */
static void test_set_aside_wrong_stage(void)
{
	g_autoptr(Harness) h = h_new(extra);
	reach_stage(h, 2);
	g_autofree char *before = dump_but_answer(h);
	reply(h, "coord-sa", "escalation", COORD, COORD, "SET ASIDE: the plan is wrong", FALSE);
	h_poll_flush(h, "2026-11-26T10:00");
	g_autofree char *after = dump_but_answer(h);
	h_assert_same("a set-aside at the coordinator's stage", before, after);
	g_autofree char *nu = body_of(h, "not_understood", COORD);
	g_assert_nonnull(strstr(nu, "SET ASIDE: the plan is wrong"));
	g_assert_nonnull(strstr(nu, "only at the Lead Safeguarding Manager's stage"));
	g_assert_cmpuint(h_count_mail(h, "escalation_set_aside_told", NULL), ==, 0);
}

static void test_qasg(void)
{
	g_autoptr(Harness) h = h_new(extra);
	reach_lsm(h);
	reply(h, "lsm", "escalation_set_aside", LSM, LSM, "NOT RESOLVED: this needs the group",
	      FALSE);
	h_poll_flush(h, "2026-11-27T10:00");
	g_assert_cmpuint(h_count_mail(h, "escalation_qasg", QASG), ==, 1);
	g_autofree char *q = body_of(h, "escalation_qasg", QASG);
	/* The issue. */
	g_assert_nonnull(strstr(q, "Sam Okafor (Northshire Police, line 1 of the list)"));
	/* Each earlier stage: entered when, and its answer with who and when. */
	g_assert_nonnull(strstr(q, "Tuesday 24 November 2026: line 1 taken to stage 1 (informal)"));
	g_assert_nonnull(strstr(q, "    Wednesday 25 November 2026, from " SAM
	                           " (not resolved): I do not accept the plan was wrong"));
	g_assert_nonnull(strstr(q, "line 1 taken to stage 2 (cp-coordinator)"));
	g_assert_nonnull(strstr(q, "    Thursday 26 November 2026, from " COORD
	                           " (not resolved): the agency will not engage"));
	g_assert_nonnull(strstr(q, "line 1 taken to stage 3 (lead-safeguarding-manager)"));
	g_assert_nonnull(strstr(q, "    Friday 27 November 2026, from " LSM
	                           " (not resolved): this needs the group"));
	/* The identified risks: the chair's comment and the report marked high risk. */
	g_assert_nonnull(strstr(q, "The chair's comment: the plan leaves the child alone at "
	                           "weekends"));
	g_assert_nonnull(strstr(q, "HIGH RISK: the report of Brookfield Primary School was marked "
	                           "high risk on Tuesday 24 November 2026 by " H_CHAIR));
	g_assert_nonnull(strstr(q, "agency reports, multi-agency audit, recommendations"));

	/* The group names two of its options: recorded; the chair gets the feedback; the form
	 * goes to the coordinator and the social worker. */
	reply(h, "qasg", "escalation_qasg", QASG, QASG,
	      "The group requests a multi-agency audit and individual agency reports from the "
	      "police and the school.",
	      FALSE);
	h_poll_flush(h, "2026-12-03T10:00");
	g_autoptr(JsonNode) s = h_json(h, NULL, "show", REF, NULL);
	g_assert_cmpstr(h_str(esc1(s), "state"), ==, "resolved");
	g_assert_cmpstr(maybe_str(esc1(s), "options"), ==, "agency reports, multi-agency audit");
	g_assert_cmpuint(h_audit_count(h, REF, "escalation.options"), ==, 1);
	g_assert_cmpuint(h_count_mail(h, "escalation_qasg_feedback", H_CHAIR), ==, 1);
	g_autofree char *fb = body_of(h, "escalation_qasg_feedback", H_CHAIR);
	g_assert_nonnull(strstr(fb, "It asks for: agency reports, multi-agency audit."));
	g_assert_nonnull(strstr(fb, "individual agency reports from the police"));
	static const char *const form_to[] = { COORD, SW };
	for (guint i = 0; i < G_N_ELEMENTS(form_to); i++) {
		g_autofree char *f = body_of(h, "resolution_form", form_to[i]);
		g_assert_cmpuint(count_of(f, "[x]"), ==, 1);
		g_assert_nonnull(strstr(f, "[x] Other (say what):"));
		g_assert_nonnull(strstr(f, "asks for agency reports, multi-agency audit"));
		g_assert_nonnull(strstr(f, "Stage 1 (informal): Wednesday 25 November 2026, from " SAM
		                           " about line 1 (not resolved)"));
		g_assert_nonnull(strstr(f, "Stage 4 (qasg): Thursday 3 December 2026, from " QASG
		                           " about line 1 (asks for agency reports, multi-agency "
		                           "audit)"));
	}
	g_assert_cmpuint(h_count_mail(h, "resolution_form", NULL), ==, 2);
}

/* The group answers NOT RESOLVED: the chair still gets the feedback, and the form ticks
 * "not resolved" alone. */
static void test_qasg_not_resolved_feedback(void)
{
	g_autoptr(Harness) h = h_new(extra);
	reach_lsm(h);
	reply(h, "lsm", "escalation_set_aside", LSM, LSM, "NOT RESOLVED: this needs the group",
	      FALSE);
	h_poll_flush(h, "2026-11-27T10:00");
	reply(h, "qasg", "escalation_qasg", QASG, QASG,
	      "NOT RESOLVED: the group could not agree a way forward", FALSE);
	h_poll_flush(h, "2026-12-03T10:00");
	g_assert_cmpuint(h_count_mail(h, "escalation_unresolved_chair", H_CHAIR), ==, 1);
	g_autofree char *f = body_of(h, "resolution_form", SW);
	g_assert_cmpuint(count_of(f, "[x]"), ==, 1);
	g_assert_nonnull(strstr(f, "[x] Not resolved"));
}

/* A rules file with an outcome chaser does not know is refused at start with its line; the
 * old key last_stage_can_set_aside = yes still lets the last stage's LSM set aside. */
static void test_rules_outcomes(void)
{
	g_autoptr(Harness) h = h_new(extra);
	g_autofree char *dir = g_build_filename(h->dir, "myrules", NULL);
	g_assert_cmpint(g_mkdir(dir, 0700), ==, 0);
	g_autofree char *old = g_build_filename(dir, "old-council.rules", NULL);
	g_assert_true(g_file_set_contents(old,
	                                  "title = An older council file\n"
	                                  "last_stage_can_set_aside = yes\n"
	                                  "\n[stage lsm]\nask = lead_safeguarding_manager\n"
	                                  "answer_within = 5 working days\n",
	                                  -1, NULL));
	g_autofree char *conf = NULL;
	g_assert_true(g_file_get_contents(h->conf, &conf, NULL, NULL));
	g_autofree char *rules_key = g_strdup_printf("[chaser]\nrules = %s\n", dir);
	g_autofree char *more = h_ini_merge(conf, rules_key);
	g_assert_true(g_file_set_contents(h->conf, more, -1, NULL));
	const char *t = "2026-11-23T10:30";
	g_assert_cmpint(h_run(h, t, "agency", "add", "Northshire Police", "--slo", H_POLICE_SLO,
	                      NULL), ==, 0);
	g_assert_cmpint(h_run(h, t, "conference", "add", REF, "--held", "2026-11-23T10:00", "--chair",
	                      H_CHAIR, "--social-worker", SW, "--procedure", "old-council", NULL),
	                ==, 0);
	g_assert_cmpint(h_run(h, t, "attendee", "add", REF, "--name", "Sam Okafor", "--email", SAM,
	                      "--agency", "Northshire Police", "--attendance", "attended",
	                      "--report", "submitted", NULL), ==, 0);
	g_assert_cmpint(h_run(h, t, "list", "send", REF, NULL), ==, 0);
	h_run_ok(h, t, "flush");
	reply(h, "chair", "distribution_list", H_CHAIR, H_CHAIR,
	      "AUTHORISED\nESCALATE 1 report_quality: wrong plan", FALSE);
	h_poll_flush(h, "2026-11-24T09:00");
	/* The reason may say "not" and "if": only the first words could take it back. */
	reply(h, "lsm", "escalation", LSM, LSM,
	      "SET ASIDE: the plan must be reconsidered; it is not clear if the child is safe",
	      FALSE);
	h_poll_flush(h, "2026-11-24T10:00");
	g_autoptr(JsonNode) s = h_json(h, NULL, "show", REF, NULL);
	g_assert_cmpstr(maybe_str(esc1(s), "reconvene"), ==, "owed");
	g_assert_cmpstr(maybe_str(esc1(s), "set_aside_words"), ==,
	                "the plan must be reconsidered; it is not clear if the child is safe");
	g_assert_cmpuint(h_count_mail(h, "escalation_set_aside_told", H_CHAIR), ==, 1);
	g_assert_cmpuint(h_count_mail(h, "escalation_reconvene", ADMIN), ==, 1);
	g_assert_cmpint(h_run(h, "2026-11-24T11:00", "conference", "reconvene", REF, "--held",
	                      "2026-12-01", NULL), ==, 0);

	/* Now a mistake: an outcome chaser does not know, on line 6. */
	g_autofree char *bad = g_build_filename(dir, "bad.rules", NULL);
	g_assert_true(g_file_set_contents(bad,
	                                  "title = A mistaken file\n"
	                                  "\n[stage lsm]\nask = lead_safeguarding_manager\n"
	                                  "answer_within = 5 working days\n"
	                                  "outcomes = set aside, send flowers\n",
	                                  -1, NULL));
	g_assert_cmpint(h_run(h, NULL, "escalations", NULL), ==, 1);
	h->broken = TRUE; /* the config now names broken rules: nothing can open the store */
	g_autofree char *want = g_strdup_printf("%s:6: outcomes: 'send flowers' is not an outcome",
	                                        bad);
	if (!strstr(h->err, want))
		g_error("wanted '%s', got '%s'", want, h->err);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/cwmtaf/set-aside", test_set_aside);
	g_test_add_func("/cwmtaf/set-aside-refused", test_set_aside_refused);
	g_test_add_func("/cwmtaf/set-aside-wrong-stage", test_set_aside_wrong_stage);
	g_test_add_func("/cwmtaf/qasg", test_qasg);
	g_test_add_func("/cwmtaf/qasg-not-resolved-feedback", test_qasg_not_resolved_feedback);
	g_test_add_func("/cwmtaf/rules-outcomes", test_rules_outcomes);
	return g_test_run();
}
