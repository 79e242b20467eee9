/* The core loop as a user sees it: the real binary, a Maildir in, a spool folder out. */
#include <fcntl.h>
#include <signal.h>
#include <sqlite3.h>
#include <sys/file.h>
#include <sys/wait.h>
#include <unistd.h>
#include <string.h>
#include <glib/gstdio.h>

#include "support/harness.h"
#include "support/skip.h"

/* The chair's reply in every client's shape carries the same three commands:
 *   AUTHORISED
 *   ESCALATE 2 no_apologies, no_report: Did not attend and sent nothing
 *   ESCALATE 4 not_redacted: Report named the foster carers
 * and quotes our own mail, which holds other ESCALATE lines that must not count. */
static void assert_story_escalations(Harness *h, const char *due)
{
	g_autoptr(JsonNode) show = h_json(h, "2026-11-24T09:15", "show", H_REF, NULL);
	JsonObject *o = json_node_get_object(show);
	g_assert_cmpstr(h_str(o, "state"), ==, "authorised");
	JsonArray *all = json_object_get_array_member(o, "escalations");
	g_assert_cmpuint(json_array_get_length(all), ==, 2);

	JsonObject *e2 = h_escalation(show, 2);
	g_assert_nonnull(e2);
	JsonArray *r2 = json_object_get_array_member(e2, "reasons");
	g_assert_cmpuint(json_array_get_length(r2), ==, 2);
	g_assert_cmpstr(json_array_get_string_element(r2, 0), ==, "no_apologies");
	g_assert_cmpstr(json_array_get_string_element(r2, 1), ==, "no_report");
	g_assert_cmpstr(h_str(e2, "comment"), ==, "Did not attend and sent nothing");
	g_assert_cmpstr(h_str(e2, "agency"), ==, "Brookfield Primary School");
	g_assert_cmpstr(h_str(e2, "state"), ==, "open");
	g_assert_cmpint(json_object_get_int_member(e2, "stage"), ==, 1);
	g_assert_cmpstr(h_str(e2, "due"), ==, due);

	JsonObject *e4 = h_escalation(show, 4);
	g_assert_nonnull(e4);
	JsonArray *r4 = json_object_get_array_member(e4, "reasons");
	g_assert_cmpuint(json_array_get_length(r4), ==, 1);
	g_assert_cmpstr(json_array_get_string_element(r4, 0), ==, "not_redacted");
	g_assert_cmpstr(h_str(e4, "comment"), ==, "Report named the foster carers");
	g_assert_cmpstr(h_str(e4, "agency"), ==, "Northshire Police");
	g_assert_null(h_escalation(show, 3));

	/* Each SLO got one request naming the due date; the chair got the read-back. */
	g_assert_cmpuint(h_count_mail(h, "escalation", H_SCHOOL_SLO), ==, 1);
	g_assert_cmpuint(h_count_mail(h, "escalation", H_POLICE_SLO), ==, 1);
	g_autofree char *school = h_mail(h, "escalation", H_SCHOOL_SLO);
	g_autofree char *body = h_body(school);
	g_assert_nonnull(strstr(body, "Lena Marsh"));
	g_assert_nonnull(strstr(body, "did not send apologies"));
	g_assert_cmpuint(h_count_mail(h, "transcript", H_CHAIR), ==, 1);
	g_assert_cmpuint(h_count_mail(h, "not_understood", NULL), ==, 0);
}

static void deliver_fixture(Harness *h, const char *fixture, const char *name)
{
	g_autofree char *list = h_mail(h, "distribution_list", H_CHAIR);
	g_assert_nonnull(list);
	g_autofree char *token = h_token(list);
	g_autofree char *msgid = h_msgid(list);
	g_autofree char *text = h_fixture(fixture, token, msgid);
	h_deliver(h, name, text);
}

static void test_chair_reply_client(gconstpointer data)
{
	const char *fixture = data;
	g_autoptr(Harness) h = h_new(NULL);
	h_story_setup(h);
	deliver_fixture(h, fixture, "reply.eml");
	g_assert_cmpint(h_run(h, "2026-11-24T09:10", "poll", NULL), ==, 0);
	g_assert_cmpint(h_run(h, "2026-11-24T09:10", "flush", NULL), ==, 0);
	/* Authorised on Tuesday 24 November: five working days on is Tuesday 1 December. */
	assert_story_escalations(h, "2026-12-01");
}

static void test_story_end_to_end(void)
{
	g_autoptr(Harness) h = h_new(NULL);
	h_story_setup(h);
	g_autoptr(JsonNode) before = h_json(h, "2026-11-23T09:31", "show", H_REF, NULL);
	g_assert_cmpstr(h_str(json_node_get_object(before), "state"), ==, "list_sent");
	g_assert_cmpuint(h_count_mail(h, "distribution_list", H_CHAIR), ==, 1);

	deliver_fixture(h, "tests/data/replies/gmail.eml", "chair.eml");
	g_assert_cmpint(h_run(h, "2026-11-24T09:10", "poll", NULL), ==, 0);
	g_assert_cmpint(h_run(h, "2026-11-24T09:10", "flush", NULL), ==, 0);
	assert_story_escalations(h, "2026-12-01");

	/* The police SLO answers "resolved": that escalation closes, the chair is told. */
	h_reply_to(h, "slo1", "escalation", H_POLICE_SLO, "DI Ruth Calloway <" H_POLICE_SLO ">",
	         "RESOLVED: the officer's sergeant now checks reports before each conference\n\nRuth");
	g_assert_cmpint(h_run(h, "2026-11-26T10:05", "poll", NULL), ==, 0);
	g_assert_cmpint(h_run(h, "2026-11-26T10:05", "flush", NULL), ==, 0);
	g_autoptr(JsonNode) after = h_json(h, "2026-11-26T10:06", "show", H_REF, NULL);
	JsonObject *e4 = h_escalation(after, 4);
	g_assert_cmpstr(h_str(e4, "state"), ==, "resolved");
	g_assert_cmpstr(h_str(e4, "outcome"), ==,
	                "the officer's sergeant now checks reports before each conference");
	JsonObject *e2 = h_escalation(after, 2);
	g_assert_cmpstr(h_str(e2, "state"), ==, "open");
	g_assert_cmpstr(h_str(e2, "due"), ==, "2026-12-01");
	g_assert_cmpuint(h_count_mail(h, "escalation_closed", H_CHAIR), ==, 1);
	g_assert_cmpuint(h_count_mail(h, "transcript", H_POLICE_SLO), ==, 1);

	g_autoptr(JsonNode) open = h_json(h, "2026-11-26T10:06", "escalations", "--open", NULL);
	JsonArray *oa = json_node_get_array(open);
	g_assert_cmpuint(json_array_get_length(oa), ==, 1);
	g_assert_cmpint(json_object_get_int_member(json_array_get_object_element(oa, 0), "n"), ==, 2);
}

/* Nothing a chaser sends carries more than the reference and the kind of message. */
/* Two chasers sending the outbox at once (run's loop, a flush by hand, the console mailing a
 * sign-in link) would each read the same due rows and send each mail twice. While another
 * holds the outbox's lock, a flush sends nothing and says so; then the mail goes once. */
static void test_flush_while_another_sends(void)
{
	g_autoptr(Harness) h = h_new(NULL);
	h_story_setup(h);
	g_autoptr(GPtrArray) first = h_outgoing(h);
	guint before = first->len;
	h_reply_to(h, "chair", "distribution_list", H_CHAIR, H_CHAIR, "AUTHORISED");
	g_assert_cmpint(h_run(h, "2026-11-24T09:10", "poll", NULL), ==, 0);
	g_autofree char *lock = g_build_filename(h->dir, "spool", "outbox.lock", NULL);
	int fd = open(lock, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	g_assert_cmpint(fd, >=, 0);
	g_assert_cmpint(flock(fd, LOCK_EX), ==, 0);
	g_assert_cmpint(h_run(h, "2026-11-24T09:10", "flush", NULL), ==, 0);
	g_assert_nonnull(strstr(h->out, "another chaser is sending"));
	g_autoptr(GPtrArray) held = h_outgoing(h);
	g_assert_cmpuint(held->len, ==, before);
	close(fd);
	g_assert_cmpint(h_run(h, "2026-11-24T09:11", "flush", NULL), ==, 0);
	g_autoptr(GPtrArray) after = h_outgoing(h);
	g_assert_cmpuint(after->len, >, before);
	g_assert_cmpuint(h_count_mail(h, "transcript", H_CHAIR), ==, 1);
}

static void test_subjects_carry_only_the_reference(void)
{
	g_autoptr(Harness) h = h_new(NULL);
	h_story_setup(h);
	deliver_fixture(h, "tests/data/replies/outlook-plain-html.eml", "chair.eml");
	h_run(h, "2026-11-24T09:10", "poll", NULL);
	h_run(h, "2026-11-24T09:10", "flush", NULL);
	h_reply_to(h, "slo1", "escalation", H_POLICE_SLO, H_POLICE_SLO, "We are looking into it.");
	h_reply_to(h, "slo2", "escalation", H_SCHOOL_SLO, H_SCHOOL_SLO, "NOT RESOLVED: disputed");
	h_run(h, "2026-11-26T10:05", "poll", NULL);
	h_run(h, "2026-11-26T10:05", "flush", NULL);
	h_deliver(h, "junk", "From: x@y.example.com\nSubject: hello [CP-2026-0042]\n\nAUTHORISED\n");
	h_run(h, "2026-11-26T10:05", "poll", NULL);
	h_run(h, "2026-12-10T10:00", "tick", NULL);
	h_run(h, "2026-12-10T10:00", "flush", NULL);
	static const char *const kinds[] = {
		"Distribution list for authorisation", "Escalation: your response is needed",
		"Your reply has been recorded", "Escalation: response received, please confirm",
		"Reminder: escalation response overdue", "Escalation moved to the next stage",
		"A message needs a person", "Post-conference report requested",
		"Reminder: post-conference report due soon", "Post-conference report missing",
		"Post-conference report not received",
		"Reminder: escalation response awaiting your decision",
		"Reminder: distribution list awaiting your authorisation",
		"Waiting for the chair: please follow up", NULL,
	};
	static const char *const names[] = { "Okafor", "Marsh", "Nair", "Rees", "Ffion", "Lena",
		                                     "Calloway", "Pike", "foster", NULL };
	g_autoptr(GPtrArray) sent = h_outgoing(h);
	g_assert_cmpuint(sent->len, >=, 8);
	for (guint i = 0; i < sent->len; i++) {
		g_autofree char *subject = h_header(sent->pdata[i], "Subject");
		g_assert_nonnull(subject);
		gboolean known = FALSE;
		for (guint k = 0; kinds[k]; k++) {
			g_autofree char *want = g_strdup_printf("[%s] %s", H_REF, kinds[k]);
			g_autofree char *triage = g_strdup_printf("[triage] %s", kinds[k]);
			known |= !strcmp(subject, want) || !strcmp(subject, triage);
		}
		if (!known)
			g_error("unexpected subject: %s", subject);
		for (guint k = 0; names[k]; k++)
			g_assert_null(strstr(subject, names[k]));
	}
}

static void test_chair_reply_not_understood_changes_nothing(void)
{
	g_autoptr(Harness) h = h_new(NULL);
	h_story_setup(h);
	h_reply_to(h, "chair", "distribution_list", H_CHAIR, H_CHAIR,
	         "Hi, looks fine to me\nEscalate Lena please, she never sent anything\n\nFfion");
	g_assert_cmpint(h_run(h, "2026-11-24T09:10", "poll", NULL), ==, 0);
	g_assert_cmpint(h_run(h, "2026-11-24T09:10", "flush", NULL), ==, 0);
	g_autoptr(JsonNode) show = h_json(h, "2026-11-24T09:11", "show", H_REF, NULL);
	JsonObject *o = json_node_get_object(show);
	g_assert_cmpstr(h_str(o, "state"), ==, "list_sent");
	g_assert_cmpuint(json_array_get_length(json_object_get_array_member(o, "escalations")), ==, 0);
	g_assert_cmpuint(h_count_mail(h, "escalation", NULL), ==, 0);
	g_assert_cmpuint(h_count_mail(h, "transcript", NULL), ==, 0);
	g_autofree char *answer = h_mail(h, "not_understood", H_CHAIR);
	g_assert_nonnull(answer);
	g_autofree char *body = h_body(answer);
	g_assert_nonnull(strstr(body, "nothing has been changed"));
	g_assert_nonnull(strstr(body, "line number"));       /* what was wrong */
	g_assert_nonnull(strstr(body, "  AUTHORISED\n"));    /* an example */
	/* The reply threads under the chair's message. */
	g_autofree char *irt = h_header(answer, "In-Reply-To");
	g_assert_cmpstr(irt, ==, "<chair@test.example.org>");
}

static void test_chair_reply_no_command_changes_nothing(void)
{
	g_autoptr(Harness) h = h_new(NULL);
	h_story_setup(h);
	h_reply_to(h, "chair", "distribution_list", H_CHAIR, H_CHAIR,
	         "Thanks, I will look at this tomorrow morning.\n\nFfion");
	h_run(h, "2026-11-24T09:10", "poll", NULL);
	h_run(h, "2026-11-24T09:10", "flush", NULL);
	g_autoptr(JsonNode) show = h_json(h, NULL, "show", H_REF, NULL);
	g_assert_cmpstr(h_str(json_node_get_object(show), "state"), ==, "list_sent");
	g_autofree char *answer = h_mail(h, "not_understood", H_CHAIR);
	g_autofree char *body = h_body(answer);
	g_assert_nonnull(strstr(body, "no command found"));
}

static void test_chair_reply_line_not_on_list_refused(void)
{
	g_autoptr(Harness) h = h_new(NULL);
	h_story_setup(h);
	h_reply_to(h, "chair", "distribution_list", H_CHAIR, H_CHAIR,
	         "AUTHORISED\nESCALATE 2 no_report: nothing came\nESCALATE 9 report_late: late\n");
	h_run(h, "2026-11-24T09:10", "poll", NULL);
	h_run(h, "2026-11-24T09:10", "flush", NULL);
	g_autoptr(JsonNode) show = h_json(h, NULL, "show", H_REF, NULL);
	JsonObject *o = json_node_get_object(show);
	g_assert_cmpstr(h_str(o, "state"), ==, "list_sent");
	g_assert_cmpuint(json_array_get_length(json_object_get_array_member(o, "escalations")), ==, 0);
	g_assert_cmpuint(h_count_mail(h, "escalation", NULL), ==, 0);
	g_autofree char *answer = h_mail(h, "not_understood", H_CHAIR);
	g_autofree char *body = h_body(answer);
	g_assert_nonnull(strstr(body, "there is no line 9 on the list"));
	/* What was understood is said too. */
	g_assert_nonnull(strstr(body, "escalate line 2 (Lena Marsh"));
}

static void test_stranger_with_subject_tag_goes_to_triage(void)
{
	g_autoptr(Harness) h = h_new(NULL);
	h_story_setup(h);
	h_deliver(h, "stranger",
	          "From: Pat Doe <pat.doe@elsewhere.example.com>\n"
	          "To: safeguarding@council.example\n"
	          "Subject: RE: [CP-2026-0042] Distribution list for authorisation\n"
	          "Message-ID: <s1@elsewhere.example.com>\n\nAUTHORISED\nESCALATE 1 other: x\n");
	g_assert_cmpint(h_run(h, "2026-11-24T09:10", "poll", NULL), ==, 0);
	h_run(h, "2026-11-24T09:10", "flush", NULL);
	g_autoptr(JsonNode) show = h_json(h, NULL, "show", H_REF, NULL);
	g_assert_cmpstr(h_str(json_node_get_object(show), "state"), ==, "list_sent");
	g_autoptr(JsonNode) triage = h_json(h, NULL, "triage", NULL);
	JsonArray *a = json_node_get_array(triage);
	g_assert_cmpuint(json_array_get_length(a), ==, 1);
	JsonObject *t = json_array_get_object_element(a, 0);
	g_assert_cmpstr(h_str(t, "from"), ==, "pat.doe@elsewhere.example.com");
	g_assert_cmpstr(h_str(t, "ref"), ==, H_REF);
	g_assert_nonnull(strstr(h_str(t, "reason"), "not on the roster"));
	/* Admin is told; the stranger is not answered. */
	g_assert_cmpuint(h_count_mail(h, "triage_alert", "cp.admin@council.example"), ==, 1);
	g_assert_cmpuint(h_count_mail(h, "not_understood", NULL), ==, 0);
}

static void test_same_bytes_twice_handled_once(void)
{
	g_autoptr(Harness) h = h_new(NULL);
	h_story_setup(h);
	g_autofree char *list = h_mail(h, "distribution_list", H_CHAIR);
	g_autofree char *token = h_token(list);
	g_autofree char *msgid = h_msgid(list);
	g_autofree char *text = h_fixture("tests/data/replies/iphone.eml", token, msgid);
	h_deliver(h, "copy1", text);
	h_deliver(h, "copy2", text);
	g_assert_cmpint(h_run(h, "2026-11-24T09:10", "poll", NULL), ==, 0);
	h_deliver(h, "copy3", text);
	g_assert_cmpint(h_run(h, "2026-11-24T09:20", "poll", NULL), ==, 0);
	h_run(h, "2026-11-24T09:20", "flush", NULL);
	g_assert_cmpuint(h_count_mail(h, "transcript", NULL), ==, 1);
	g_assert_cmpuint(h_count_mail(h, "escalation", NULL), ==, 2);
	g_assert_cmpuint(h_count_mail(h, "not_understood", NULL), ==, 0);
	/* All three copies left new/ for cur/. */
	g_autofree char *new_dir = g_build_filename(h->dir, "spool", "inbox", "new", NULL);
	GDir *d = g_dir_open(new_dir, 0, NULL);
	g_assert_null(g_dir_read_name(d));
	g_dir_close(d);
}

typedef struct {
	const char *authorised;
	const char *due;
} DueCase;

static const DueCase due_cases[] = {
	{ "2026-11-24T09:10", "2026-12-01" }, /* Tuesday: the Tuesday after */
	{ "2026-11-26T16:00", "2026-12-03" }, /* Thursday: over one weekend */
	{ "2026-11-27T09:00", "2026-12-04" }, /* Friday */
	{ "2026-11-28T11:00", "2026-12-04" }, /* Saturday: counts from Monday */
	{ "2026-12-22T10:00", "2026-12-31" }, /* over Christmas Day and Boxing Day's substitute */
};

static void test_escalation_due_date(gconstpointer data)
{
	const DueCase *c = data;
	g_autoptr(Harness) h = h_new(NULL);
	h_story_setup(h);
	h_reply_to(h, "chair", "distribution_list", H_CHAIR, H_CHAIR,
	         "AUTHORISED\nESCALATE 1 no_report: nothing came\n");
	g_assert_cmpint(h_run(h, c->authorised, "poll", NULL), ==, 0);
	g_autoptr(JsonNode) show = h_json(h, c->authorised, "show", H_REF, NULL);
	JsonObject *e = h_escalation(show, 1);
	g_assert_nonnull(e);
	g_assert_cmpstr(h_str(e, "due"), ==, c->due);
}

static void test_slo_free_text_asks_the_chair(void)
{
	g_autoptr(Harness) h = h_new(NULL);
	h_story_setup(h);
	deliver_fixture(h, "tests/data/replies/apple-mail.eml", "chair.eml");
	h_run(h, "2026-11-24T09:10", "poll", NULL);
	h_run(h, "2026-11-24T09:10", "flush", NULL);
	h_reply_to(h, "slo2", "escalation", H_SCHOOL_SLO, H_SCHOOL_SLO,
	         "Lena was off sick that week; I have spoken to her and she will send apologies in "
	         "future.");
	h_run(h, "2026-11-26T10:05", "poll", NULL);
	h_run(h, "2026-11-26T10:05", "flush", NULL);
	g_autoptr(JsonNode) show = h_json(h, NULL, "show", H_REF, NULL);
	JsonObject *e2 = h_escalation(show, 2);
	g_assert_cmpstr(h_str(e2, "state"), ==, "responded");
	g_assert_nonnull(strstr(h_str(e2, "response"), "off sick"));
	g_autofree char *ask = h_mail(h, "escalation_response", H_CHAIR);
	g_assert_nonnull(ask);
	/* Free text from the chair is not a decision: nothing changes and the SLO's answer stays. */
	h_reply_to(h, "chair1", "escalation_response", H_CHAIR, H_CHAIR, "Thanks, I'll think about it");
	h_run(h, "2026-11-26T11:00", "poll", NULL);
	h_run(h, "2026-11-26T11:00", "flush", NULL);
	g_assert_cmpuint(h_count_mail(h, "not_understood", H_CHAIR), ==, 1);
	g_autoptr(JsonNode) mid = h_json(h, NULL, "show", H_REF, NULL);
	g_assert_cmpstr(h_str(h_escalation(mid, 2), "state"), ==, "responded");
	g_assert_nonnull(strstr(h_str(h_escalation(mid, 2), "response"), "off sick"));
	/* The chair confirms by replying to that mail. */
	h_reply_to(h, "chair2", "escalation_response", H_CHAIR, H_CHAIR,
	         "RESOLVED: accepted, apologies process explained");
	h_run(h, "2026-11-27T10:05", "poll", NULL);
	g_autoptr(JsonNode) after = h_json(h, NULL, "show", H_REF, NULL);
	JsonObject *e2b = h_escalation(after, 2);
	g_assert_cmpstr(h_str(e2b, "state"), ==, "resolved");
	g_assert_cmpstr(h_str(e2b, "outcome"), ==, "accepted, apologies process explained");
}

static void test_slo_not_resolved_climbs(void)
{
	g_autoptr(Harness) h = h_new(NULL);
	h_story_setup(h);
	deliver_fixture(h, "tests/data/replies/html-only.eml", "chair.eml");
	h_run(h, "2026-11-24T09:10", "poll", NULL);
	h_run(h, "2026-11-24T09:10", "flush", NULL);
	h_reply_to(h, "slo2", "escalation", H_SCHOOL_SLO, H_SCHOOL_SLO,
	         "NOT RESOLVED: we do not accept that a report was expected");
	h_run(h, "2026-11-26T10:05", "poll", NULL);
	h_run(h, "2026-11-26T10:05", "flush", NULL);
	g_autoptr(JsonNode) show = h_json(h, NULL, "show", H_REF, NULL);
	JsonObject *e2 = h_escalation(show, 2);
	g_assert_cmpstr(h_str(e2, "state"), ==, "open");
	g_assert_cmpint(json_object_get_int_member(e2, "stage"), ==, 2);
	/* Stage 2 of the default ladder asks the agency lead, or the SLO when none is known;
	 * five working days from Thursday 26 November. */
	g_assert_cmpstr(h_str(e2, "due"), ==, "2026-12-03");
	g_assert_cmpuint(h_count_mail(h, "escalation", H_SCHOOL_SLO), ==, 2);
}

/* tick and flush at one moment, twice; returns how many mails the second pair sent. */
static guint tick_twice(Harness *h, const char *now)
{
	g_assert_cmpint(h_run(h, now, "tick", NULL), ==, 0);
	g_assert_cmpint(h_run(h, now, "flush", NULL), ==, 0);
	g_autoptr(GPtrArray) once = h_outgoing(h);
	g_assert_cmpint(h_run(h, now, "tick", NULL), ==, 0);
	g_assert_cmpint(h_run(h, now, "flush", NULL), ==, 0);
	g_autoptr(GPtrArray) twice = h_outgoing(h);
	return twice->len - once->len;
}

/* tick may run as often as anyone likes (cron, a restarted service, a person): twice at one
 * moment sends nothing twice, and an escalation nobody answers moves one step per working
 * day: the chaser the day after it was due, the next stage the working day after that. */
static void test_tick_twice_sends_once_and_steps_by_day(void)
{
	g_autoptr(Harness) h = h_new(NULL);
	h_story_setup(h);
	h_reply_to(h, "chair", "distribution_list", H_CHAIR, H_CHAIR,
	           "AUTHORISED\nESCALATE 4 not_redacted: named the foster carers");
	h_run(h, "2026-11-24T09:10", "poll", NULL);
	h_run(h, "2026-11-24T09:10", "flush", NULL);
	g_autoptr(JsonNode) s0 = h_json(h, NULL, "show", H_REF, NULL);
	g_assert_cmpstr(h_str(h_escalation(s0, 4), "due"), ==, "2026-12-01");
	g_assert_cmpuint(h_count_mail(h, "escalation", H_POLICE_SLO), ==, 1);

	/* Wednesday 2 December: one chaser, however often tick runs that day. */
	g_assert_cmpuint(tick_twice(h, "2026-12-02T09:00"), ==, 0);
	g_assert_cmpuint(tick_twice(h, "2026-12-02T16:00"), ==, 0);
	g_assert_cmpuint(h_count_mail(h, "escalation_chaser", H_POLICE_SLO), ==, 1);
	g_assert_cmpuint(h_count_mail(h, "escalation_climbed", NULL), ==, 0);
	g_autoptr(JsonNode) s1 = h_json(h, NULL, "show", H_REF, NULL);
	g_assert_cmpint(json_object_get_int_member(h_escalation(s1, 4), "stage"), ==, 1);

	/* Thursday 3 December: the next stage, once; the chair is told, once. */
	g_assert_cmpuint(tick_twice(h, "2026-12-03T09:00"), ==, 0);
	g_autoptr(JsonNode) s2 = h_json(h, NULL, "show", H_REF, NULL);
	g_assert_cmpint(json_object_get_int_member(h_escalation(s2, 4), "stage"), ==, 2);
	g_assert_cmpuint(h_count_mail(h, "escalation_climbed", H_CHAIR), ==, 1);
	g_assert_cmpuint(h_count_mail(h, "escalation_chaser", H_POLICE_SLO), ==, 1);
}

typedef struct {
	const char *name;
	const char *args[16];
	int status;
	const char *says;
} CliCase;

static const CliCase cli_cases[] = {
	{ "unknown-agency", { "attendee", "add", H_REF, "--name", "A B", "--email", "a@b.example.org",
	                      "--agency", "Nowhere Council", "--attendance", "attended", "--report",
	                      "none", NULL },
	  1, "unknown agency 'Nowhere Council'" },
	{ "bad-date", { "conference", "add", "CP-2026-0099", "--held", "20/11/2026", "--chair",
	                H_CHAIR, "--social-worker", "sw@council.example", NULL },
	  2, "--held must be an ISO 8601 date" },
	{ "bad-address", { "agency", "add", "Foo", "--slo", "not-an-address", NULL },
	  2, "is not an email address" },
	{ "duplicate-ref", { "conference", "add", "CP-2026-0001", "--held", "2026-11-20T10:00",
	                     "--chair", H_CHAIR, "--social-worker", "sw@council.example", NULL },
	  1, "conference CP-2026-0001 already exists" },
	{ "duplicate-agency", { "agency", "add", "northshire police", "--slo", "x@police.example.org",
	                        NULL },
	  1, "already exists" },
	{ "bad-attendance", { "attendee", "add", H_REF, "--name", "A B", "--email",
	                      "a@b.example.org", "--agency", "Northshire Police", "--attendance",
	                      "maybe", "--report", "none", NULL },
	  2, "attendance must be attended, apologies or absent" },
	{ "unknown-conference", { "show", "CP-1999-0001", NULL }, 1, "no conference CP-1999-0001" },
	{ "unknown-command", { "frobnicate", NULL }, 2, "unknown command" },
	{ "bad-now", { "show", H_REF, NULL }, 2, "is not an ISO 8601" },
};

static void test_cli_refuses_bad_input(gconstpointer data)
{
	const CliCase *c = data;
	g_autoptr(Harness) h = h_new(NULL);
	const char *t = "2026-11-20T09:00";
	h_run(h, t, "agency", "add", "Northshire Police", "--slo", H_POLICE_SLO, NULL);
	h_run(h, t, "conference", "add", H_REF, "--held", "2026-11-20T10:00", "--chair", H_CHAIR,
	      "--social-worker", "sw@council.example", NULL);
	h_run(h, t, "conference", "add", "CP-2026-0001", "--held", "2026-11-19T10:00", "--chair",
	      H_CHAIR, "--social-worker", "sw@council.example", NULL);
	g_autoptr(JsonNode) before = h_json(h, t, "show", H_REF, NULL);
	g_autofree char *before_s = json_to_string(before, FALSE);
	const char *now = strcmp(c->name, "bad-now") ? t : "yesterday";
	const char *const *a = c->args;
	int rc = h_run(h, now, a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7], a[8], a[9], a[10],
	               a[11], a[12], a[13], a[14], NULL);
	g_assert_cmpint(rc, ==, c->status);
	if (!strstr(h->err, c->says))
		g_error("stderr lacks '%s': %s", c->says, h->err);
	/* One clear line (an unknown command also prints the list of commands). */
	if (strcmp(c->name, "unknown-command")) {
		g_assert_true(g_str_has_suffix(h->err, "\n"));
		g_assert_true(strchr(h->err, '\n') == h->err + strlen(h->err) - 1);
	}
	g_autoptr(JsonNode) after = h_json(h, t, "show", H_REF, NULL);
	g_autofree char *after_s = json_to_string(after, FALSE);
	g_assert_cmpstr(before_s, ==, after_s);
}

static void test_csv_import_all_or_nothing(void)
{
	g_autoptr(Harness) h = h_new(NULL);
	const char *t = "2026-11-20T09:00";
	h_run(h, t, "agency", "add", "Northshire Police", "--slo", H_POLICE_SLO, NULL);
	h_run(h, t, "conference", "add", H_REF, "--held", "2026-11-20T10:00", "--chair", H_CHAIR,
	      "--social-worker", "sw@council.example", NULL);
	g_autofree char *csv = g_build_filename(h->dir, "bad.csv", NULL);
	g_assert_true(g_file_set_contents(csv,
	                                  "Sam Okafor,sam@police.example.org,Northshire Police,absent,none\n"
	                                  "Ann Lee,ann@police.example.org,Northshire Police,attended,submitted\n"
	                                  "Bob Roe,bob@school.example.org,Greenfield School,attended,none\n",
	                                  -1, NULL));
	g_assert_cmpint(h_run(h, t, "list", "import", H_REF, "bad.csv", NULL), ==, 1);
	g_assert_nonnull(strstr(h->err, "bad.csv:3: unknown agency 'Greenfield School'"));
	g_autoptr(JsonNode) show = h_json(h, t, "show", H_REF, NULL);
	JsonArray *att = json_object_get_array_member(json_node_get_object(show), "attendees");
	g_assert_cmpuint(json_array_get_length(att), ==, 0);
}

static void test_init_twice_changes_nothing(void)
{
	g_autoptr(Harness) h = h_new(NULL);
	g_autofree char *key = g_build_filename(h->dir, "spool", "secret.key", NULL);
	g_autofree char *k1 = NULL, *k2 = NULL;
	g_assert_true(g_file_get_contents(key, &k1, NULL, NULL));
	g_assert_cmpint(h_run(h, NULL, "init", NULL), ==, 0);
	g_assert_nonnull(strstr(h->out, "nothing changed"));
	g_assert_true(g_file_get_contents(key, &k2, NULL, NULL));
	g_assert_cmpstr(k1, ==, k2);
	GStatBuf st;
	g_assert_cmpint(g_stat(key, &st), ==, 0);
	g_assert_cmpint(st.st_mode & 0777, ==, 0600);
	g_autofree char *db = g_build_filename(h->dir, "spool", "chaser.db", NULL);
	g_assert_cmpint(g_stat(db, &st), ==, 0);
	g_assert_cmpint(st.st_mode & 0077, ==, 0);
}

/* Every message of the shared corpora goes through `chaser poll`: none crashes it, and each
 * ends handled or in triage with a reason (none is left behind in new/). */
static void test_corpora_through_poll(void)
{
	const char *root = g_getenv("CHASER_CORPORA") ? g_getenv("CHASER_CORPORA")
	                                                : "../shared/corpora";
	if (!g_file_test(root, G_FILE_TEST_IS_DIR)) {
		ch_test_no_corpora("chaser poll of real-world mail is");
		return;
	}
	g_autoptr(Harness) h = h_new(NULL);
	h_story_setup(h);
	guint n = 0;
	g_autoptr(GDir) top = g_dir_open(root, 0, NULL);
	const char *sub;
	while ((sub = g_dir_read_name(top))) {
		g_autofree char *subdir = g_build_filename(root, sub, NULL);
		g_autoptr(GDir) d = g_dir_open(subdir, 0, NULL);
		const char *f;
		while (d && (f = g_dir_read_name(d))) {
			if (!strcmp(f, "README.md") || !strcmp(f, "LICENSE") || !strcmp(f, "COPYING") ||
			    !strcmp(f, "COMMIT"))
				continue;
			g_autofree char *path = g_build_filename(subdir, f, NULL);
			g_autofree char *text = NULL;
			gsize len;
			if (!g_file_get_contents(path, &text, &len, NULL))
				continue;
			g_autofree char *name = g_strdup_printf("corpus-%s-%s", sub, f);
			g_autofree char *tmp = g_build_filename(h->dir, "spool", "inbox", "tmp", name, NULL);
			g_autofree char *dst = g_build_filename(h->dir, "spool", "inbox", "new", name, NULL);
			g_assert_true(g_file_set_contents(tmp, text, len, NULL));
			g_assert_cmpint(g_rename(tmp, dst), ==, 0);
			n++;
		}
	}
	g_assert_cmpuint(n, >, 50);
	g_assert_cmpint(h_run(h, "2026-11-24T09:10", "poll", NULL), ==, 0);
	g_autofree char *summary = g_strdup_printf("%u messages:", n);
	g_assert_nonnull(strstr(h->out, summary));
	g_autofree char *new_dir = g_build_filename(h->dir, "spool", "inbox", "new", NULL);
	g_autoptr(GDir) left = g_dir_open(new_dir, 0, NULL);
	g_assert_null(g_dir_read_name(left));
	/* The store's own account: every message handled, or in triage with a reason. */
	g_autofree char *db = g_build_filename(h->dir, "spool", "chaser.db", NULL);
	sqlite3 *sq;
	g_assert_cmpint(sqlite3_open_v2(db, &sq, SQLITE_OPEN_READONLY, NULL), ==, SQLITE_OK);
	sqlite3_stmt *st;
	g_assert_cmpint(sqlite3_prepare_v2(sq,
	                                   "SELECT m.state, count(*), sum(m.state <> 'handled' AND"
	                                   " (t.reason IS NULL OR t.reason = '')) FROM message m"
	                                   " LEFT JOIN triage t ON t.message = m.id GROUP BY m.state",
	                                   -1, &st, NULL),
	                ==, SQLITE_OK);
	guint total = 0;
	while (sqlite3_step(st) == SQLITE_ROW) {
		const char *state = (const char *)sqlite3_column_text(st, 0);
		guint count = sqlite3_column_int(st, 1);
		g_test_message("corpora: %u %s", count, state);
		g_assert_true(!strcmp(state, "handled") || !strcmp(state, "triage") ||
		              !strcmp(state, "quarantine"));
		g_assert_cmpint(sqlite3_column_int(st, 2), ==, 0);
		total += count;
	}
	sqlite3_finalize(st);
	sqlite3_close(sq);
	/* Identical files in the corpora count once (the same bytes are one message). */
	g_assert_cmpuint(total, <=, n);
	g_assert_cmpuint(total, >, n - 5);
}

/* An SLO's out-of-office is recorded against the escalation with its return date, shown to
 * admin, never answered and never taken as their reply. */
static void test_slo_out_of_office_shown_not_answered(void)
{
	g_autoptr(Harness) h = h_new(NULL);
	h_story_setup(h);
	deliver_fixture(h, "tests/data/replies/gmail.eml", "chair.eml");
	h_run(h, "2026-11-24T09:10", "poll", NULL);
	h_run(h, "2026-11-24T09:10", "flush", NULL);
	g_autofree char *esc = h_mail(h, "escalation", H_SCHOOL_SLO);
	g_autofree char *token = h_token(esc);
	g_autofree char *msgid = h_msgid(esc);
	g_autofree char *ooo = g_strdup_printf(
		"From: Mr Owen Pike <" H_SCHOOL_SLO ">\nTo: <safeguarding+%s@council.example>\n"
		"Subject: Automatic reply: [CP-2026-0042] Escalation: your response is needed\n"
		"Message-ID: <ooo1@brookfield.example.net>\nIn-Reply-To: <%s>\n"
		"Auto-Submitted: auto-replied\nX-Auto-Response-Suppress: All\n\n"
		"I am out of the office and will be back on Monday 7 December.\n",
		token, msgid);
	h_deliver(h, "ooo", ooo);
	guint before = h_count_mail(h, "transcript", NULL) + h_count_mail(h, "not_understood", NULL);
	g_assert_cmpint(h_run(h, "2026-11-24T11:00", "poll", NULL), ==, 0);
	h_run(h, "2026-11-24T11:00", "flush", NULL);
	g_assert_cmpuint(h_count_mail(h, "transcript", NULL) + h_count_mail(h, "not_understood", NULL),
	                 ==, before);
	g_assert_cmpuint(h_count_mail(h, "escalation_response", NULL), ==, 0);
	g_autoptr(JsonNode) show = h_json(h, NULL, "show", H_REF, NULL);
	JsonObject *e2 = h_escalation(show, 2);
	g_assert_cmpstr(h_str(e2, "state"), ==, "open");
	g_assert_nonnull(h_str(e2, "auto_reply"));
	g_assert_nonnull(strstr(h_str(e2, "auto_reply"), "7 December"));
	g_assert_cmpint(h_run(h, NULL, "show", H_REF, NULL), ==, 0);
	g_assert_nonnull(strstr(h->out, "automatic reply"));
}

/* A flood in is not a flood out: answers to one address, and admin's triage alerts, are
 * limited per hour ([chaser] reply_limit, 10). Everything is still recorded. */
static void test_replies_rate_limited(void)
{
	g_autoptr(Harness) h = h_new(NULL);
	h_story_setup(h);
	for (int i = 0; i < 15; i++) {
		g_autofree char *name = g_strdup_printf("chair%d", i);
		g_autofree char *body = g_strdup_printf("Thanks, will check later (%d)", i);
		h_reply_to(h, name, "distribution_list", H_CHAIR, H_CHAIR, body);
		g_autofree char *sname = g_strdup_printf("stranger%d", i);
		g_autofree char *spam = g_strdup_printf(
			"From: someone@elsewhere.example.com\nSubject: offer %d\nMessage-ID: <s%d@x>\n\n"
			"Buy now\n", i, i);
		h_deliver(h, sname, spam);
	}
	g_assert_cmpint(h_run(h, "2026-11-24T09:10", "poll", NULL), ==, 0);
	h_run(h, "2026-11-24T09:10", "flush", NULL);
	g_assert_cmpuint(h_count_mail(h, "not_understood", H_CHAIR), ==, 10);
	g_assert_cmpuint(h_count_mail(h, "triage_alert", NULL), ==, 10);
	g_autoptr(JsonNode) triage = h_json(h, NULL, "triage", NULL);
	g_assert_cmpuint(json_array_get_length(json_node_get_array(triage)), ==, 15);
	g_assert_cmpuint(h_audit_count(h, H_REF, "mail.rate_limited"), ==, 5);
	/* An hour later the limit has room again. */
	h_reply_to(h, "chair-late", "distribution_list", H_CHAIR, H_CHAIR, "Still looking");
	h_run(h, "2026-11-24T10:30", "poll", NULL);
	h_run(h, "2026-11-24T10:30", "flush", NULL);
	g_assert_cmpuint(h_count_mail(h, "not_understood", H_CHAIR), ==, 11);
}

/* Runs `chaser run` at a fixed --now for a moment, then stops it with SIGTERM; returns its
 * exit status. */
static int run_briefly(Harness *h, const char *now, guint ms)
{
	const char *argv[] = { h->bin, "-c", h->conf, "--now", now, "run", NULL };
	GPid pid;
	GError *e = NULL;
	g_assert_true(g_spawn_async(h->dir, (char **)argv, NULL, G_SPAWN_DO_NOT_REAP_CHILD |
	                            G_SPAWN_STDOUT_TO_DEV_NULL | G_SPAWN_STDERR_TO_DEV_NULL,
	                            NULL, NULL, &pid, &e));
	g_assert_no_error(e);
	g_usleep(ms * 1000);
	kill(pid, SIGTERM);
	int status = 0;
	g_assert_cmpint(waitpid(pid, &status, 0), ==, pid);
	g_spawn_close_pid(pid);
	g_assert_true(WIFEXITED(status));
	return WEXITSTATUS(status);
}

/* chaser run mails admin the day's account once a working day, however often it restarts. */
static void test_run_daily_account_once_a_day(void)
{
	g_autoptr(Harness) h = h_new(NULL);
	h_story_setup(h);
	g_assert_cmpint(run_briefly(h, "2026-11-24T10:00", 1500), ==, 0);
	g_assert_cmpint(run_briefly(h, "2026-11-24T11:00", 1500), ==, 0);
	g_assert_cmpuint(h_count_mail(h, "reconcile_daily", "cp.admin@council.example"), ==, 1);
	g_autofree char *mail = h_mail(h, "reconcile_daily", NULL);
	g_autofree char *subject = h_header(mail, "Subject");
	g_assert_cmpstr(subject, ==, "[account] Daily account");
	g_autofree char *body = h_body(mail);
	g_assert_nonnull(strstr(body, "nothing was dropped"));
	/* Saturday: no account; Monday: the next one. */
	g_assert_cmpint(run_briefly(h, "2026-11-28T10:00", 1500), ==, 0);
	g_assert_cmpuint(h_count_mail(h, "reconcile_daily", NULL), ==, 1);
	g_assert_cmpint(run_briefly(h, "2026-11-30T10:00", 1500), ==, 0);
	g_assert_cmpuint(h_count_mail(h, "reconcile_daily", NULL), ==, 2);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	static const char *const fixtures[] = { "outlook-plain-html", "gmail", "html-only",
		                                    "windows-1252-qp", "apple-mail", "iphone" };
	for (guint i = 0; i < G_N_ELEMENTS(fixtures); i++) {
		g_autofree char *name = g_strdup_printf("/flow/chair-reply/%s-authorises", fixtures[i]);
		char *path = g_strdup_printf("tests/data/replies/%s.eml", fixtures[i]);
		g_test_add_data_func_full(name, path, test_chair_reply_client, g_free);
	}
	g_test_add_func("/flow/story/list-to-closed-escalation", test_story_end_to_end);
	g_test_add_func("/flow/subjects/carry-only-the-reference", test_subjects_carry_only_the_reference);
	g_test_add_func("/flow/outbox/flush-while-another-sends", test_flush_while_another_sends);
	g_test_add_func("/flow/chair-reply/not-understood-changes-nothing",
	                test_chair_reply_not_understood_changes_nothing);
	g_test_add_func("/flow/chair-reply/no-command-changes-nothing",
	                test_chair_reply_no_command_changes_nothing);
	g_test_add_func("/flow/chair-reply/line-not-on-list-refused",
	                test_chair_reply_line_not_on_list_refused);
	g_test_add_func("/flow/triage/stranger-with-subject-tag",
	                test_stranger_with_subject_tag_goes_to_triage);
	g_test_add_func("/flow/inbound/same-bytes-twice-handled-once", test_same_bytes_twice_handled_once);
	for (guint i = 0; i < G_N_ELEMENTS(due_cases); i++) {
		g_autofree char *name = g_strdup_printf("/flow/due/authorised-%.10s", due_cases[i].authorised);
		g_test_add_data_func(name, &due_cases[i], test_escalation_due_date);
	}
	g_test_add_func("/flow/slo-reply/free-text-asks-the-chair", test_slo_free_text_asks_the_chair);
	g_test_add_func("/flow/slo-reply/not-resolved-climbs", test_slo_not_resolved_climbs);
	g_test_add_func("/flow/tick/twice-sends-once-and-steps-by-day",
	                test_tick_twice_sends_once_and_steps_by_day);
	g_test_add_func("/flow/slo-reply/out-of-office-shown-not-answered",
	                test_slo_out_of_office_shown_not_answered);
	for (guint i = 0; i < G_N_ELEMENTS(cli_cases); i++) {
		g_autofree char *name = g_strdup_printf("/flow/cli/refuses-%s", cli_cases[i].name);
		g_test_add_data_func(name, &cli_cases[i], test_cli_refuses_bad_input);
	}
	g_test_add_func("/flow/cli/csv-import-all-or-nothing", test_csv_import_all_or_nothing);
	g_test_add_func("/flow/limits/replies-rate-limited", test_replies_rate_limited);
	g_test_add_func("/flow/run/daily-account-once-a-day", test_run_daily_account_once_a_day);
	g_test_add_func("/flow/cli/init-twice-changes-nothing", test_init_twice_changes_nothing);
	g_test_add_func("/flow/corpora/every-message-handled-or-triaged", test_corpora_through_poll);
	return g_test_run();
}
