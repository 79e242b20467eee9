/* A concern between agencies (procedure 003, rules/inter-agency.rules) lived through the
 * real binary with --now: started by a professional's own email, both sides asked at each
 * step, step 2 timed from step 1, a bank holiday in the way, NOT RESOLVED climbing, the
 * SLOs' choice (urgent: an independent meeting, its date recorded and its outcome asked;
 * non-urgent: the review group), silence chased, a stranger's CONCERN starting nothing. */
#include <string.h>

#include "support/harness.h"

#define AUTH "[chaser]\nauthserv_id = mx.council.example\n" \
	"[people]\nindependent_chair = indie.chair@partnership.example.org\n" \
	"qasg = review.group@partnership.example.org\n"
#define SAM "sam.okafor@police.example.org"
#define LENA "lena.marsh@brookfield.example.net"
#define POLICE_LEAD "inspector.hale@police.example.org"
#define INDIE "indie.chair@partnership.example.org"
#define QASG "review.group@partnership.example.org"

/* The story's conference, the police agency with a line manager (the school has none). */
static void setup(Harness *h)
{
	const char *t = "2026-11-23T09:30";
	g_assert_cmpint(h_run(h, t, "agency", "add", "Northshire Police", "--slo", H_POLICE_SLO,
	                      "--lead", POLICE_LEAD, NULL), ==, 0);
	g_assert_cmpint(h_run(h, t, "agency", "add", "Brookfield Primary School", "--slo",
	                      H_SCHOOL_SLO, NULL), ==, 0);
	g_assert_cmpint(h_run(h, t, "conference", "add", H_REF, "--held", "2026-11-20T10:00",
	                      "--chair", H_CHAIR, "--social-worker", "amara.sowande@council.example",
	                      NULL), ==, 0);
	g_autofree char *csv = g_build_filename(h->dir, "list.csv", NULL);
	g_assert_true(g_file_set_contents(csv,
		"name,email,agency,attendance,report\n"
		"Sam Okafor," SAM ",Northshire Police,attended,submitted\n"
		"Lena Marsh," LENA ",Brookfield Primary School,attended,submitted\n", -1, NULL));
	g_assert_cmpint(h_run(h, t, "list", "import", H_REF, "list.csv", NULL), ==, 0);
}

/* A message as our MX hands it on: its verdict on the From domain first. */
static void deliver(Harness *h, const char *name, const char *from, const char *to,
                    const char *subject, const char *extra, const char *body)
{
	const char *dom = strrchr(from, '@') + 1;
	g_autofree char *text = g_strdup_printf(
		"Authentication-Results: mx.council.example; dmarc=pass header.from=%s\n"
		"From: %s\nTo: %s\nSubject: %s\nMessage-ID: <%s@test.example.org>\n%s"
		"Date: Wed, 23 Dec 2026 10:00:00 +0000\n\n%s\n",
		dom, from, to, subject, name, extra ? extra : "", body);
	h_deliver(h, name, text);
}

static void reply(Harness *h, const char *name, const char *kind, const char *to,
                  const char *body)
{
	g_autofree char *mail = h_mail(h, kind, to);
	if (!mail)
		g_error("no %s mail to %s", kind, to);
	g_autofree char *token = h_token(mail);
	g_autofree char *msgid = h_msgid(mail);
	g_autofree char *rcpt = g_strdup_printf("safeguarding+%s@council.example", token);
	g_autofree char *irt = g_strdup_printf("In-Reply-To: <%s>\n", msgid);
	deliver(h, name, to, rcpt, "RE: [" H_REF "] concern", irt, body);
}

static char *esc(Harness *h, const char *column)
{
	sqlite3 *sq = h_db_open(h);
	g_autofree char *sql = g_strdup_printf("SELECT %s FROM escalation", column);
	sqlite3_stmt *st;
	g_assert_cmpint(sqlite3_prepare_v2(sq, sql, -1, &st, NULL), ==, SQLITE_OK);
	char *v = NULL;
	if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0))
		v = g_strdup((const char *)sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	sqlite3_close(sq);
	return v;
}

static void assert_esc(Harness *h, const char *column, const char *want)
{
	g_autofree char *v = esc(h, column);
	if (g_strcmp0(v, want))
		g_error("escalation.%s is '%s', wanted '%s'", column, v ? v : "(none)", want);
}

/* The answer to a CONCERN chaser could not read gives an example line. A professional who
 * answers it without its token (a new mail, the notice pasted below with no quote marker or
 * header at all, as some clients forward) has not raised that example: nothing is started. */
static void test_quoted_example_starts_nothing(void)
{
	g_autoptr(Harness) h = h_new(AUTH);
	setup(h);
	const char *t = "2026-11-23T09:30";
	g_assert_cmpint(h_run(h, t, "agency", "add", "Northshire Health", "--slo",
	                      "safeguarding.lead@health.example.org", NULL), ==, 0);
	g_assert_cmpint(h_run(h, t, "attendee", "add", H_REF, "--name", "Priya Nair", "--email",
	                      "priya.nair@health.example.org", "--agency", "Northshire Health",
	                      "--attendance", "attended", "--report", "submitted", NULL), ==, 0);
	deliver(h, "bad", SAM, "safeguarding@council.example", "[" H_REF "] concern", NULL,
	        "CONCERN Northshire Housing: the tenancy");
	h_cycle(h, "2026-12-23T10:05");
	g_autofree char *notice = h_mail(h, "not_understood", SAM);
	g_assert_nonnull(notice);
	g_autofree char *body = h_body(notice);
	g_assert_nonnull(strstr(body, "CONCERN Northshire Health:"));
	g_autofree char *id = h_msgid(notice);
	GString *quoted = g_string_new("Sorry, I meant to send this to my manager.\n\n");
	g_auto(GStrv) lines = g_strsplit(body, "\n", -1);
	for (guint i = 0; lines[i]; i++)
		g_string_append_printf(quoted, "%s\n", lines[i]);
	g_autofree char *extra = g_strdup_printf("In-Reply-To: <%s>\n", id);
	deliver(h, "quoted", SAM, "safeguarding@council.example", "Re: [" H_REF "] concern", extra,
	        quoted->str);
	g_string_free(quoted, TRUE);
	h_cycle(h, "2026-12-23T11:05");
	g_autofree char *state = esc(h, "state");
	g_assert_null(state);
	g_assert_cmpuint(h_count_mail(h, "concern_step", NULL), ==, 0);
}

static void test_full_life_urgent(void)
{
	g_autoptr(Harness) h = h_new(AUTH);
	setup(h);
	/* A stranger's CONCERN, and a forged one, start nothing. */
	deliver(h, "stranger", "mallory@evil.example.com", "safeguarding@council.example",
	        "[" H_REF "] concern", NULL, "CONCERN Brookfield Primary School: attendance");
	h_deliver(h, "forged",
	          "Authentication-Results: mx.council.example; dmarc=fail header.from=police.example.org\n"
	          "From: " SAM "\nTo: safeguarding@council.example\nSubject: [" H_REF "] concern\n"
	          "Message-ID: <forged@test.example.org>\n\n"
	          "CONCERN Brookfield Primary School: attendance\n");
	h_cycle(h, "2026-12-22T10:00");
	g_assert_null(esc(h, "id"));
	g_assert_cmpuint(h_count_mail(h, "concern_step", NULL), ==, 0);
	/* Wednesday 23 December: Sam (police) raises one about the school. */
	deliver(h, "raise", SAM, "safeguarding@council.example", "[" H_REF "] a concern", NULL,
	        "CONCERN Brookfield Primary School: the plan for the child's attendance\n");
	h_cycle(h, "2026-12-23T10:00");
	assert_esc(h, "procedure", "inter-agency");
	assert_esc(h, "stage", "1");
	assert_esc(h, "asked", SAM ";" LENA);
	/* 2 working days past Christmas Day and the Boxing Day holiday (Mon 28th). */
	assert_esc(h, "due", "2026-12-29");
	g_assert_cmpuint(h_count_mail(h, "concern_step", SAM), ==, 1);
	g_assert_cmpuint(h_count_mail(h, "concern_step", LENA), ==, 1);
	g_assert_cmpuint(h_count_mail(h, "transcript", SAM), ==, 1);
	g_autofree char *m1 = h_mail(h, "concern_step", LENA);
	g_autofree char *subj = h_header(m1, "Subject");
	g_assert_cmpstr(subj, ==, "[" H_REF "] Concern between agencies: please tell us the outcome");
	/* Silence: on its due day nothing; the working day after, a reminder to both; the
	 * next, step 2. */
	h_cycle(h, "2026-12-29T16:00");
	g_assert_cmpuint(h_count_mail(h, "concern_chaser", NULL), ==, 0);
	h_cycle(h, "2026-12-30T09:05");
	g_assert_cmpuint(h_count_mail(h, "concern_chaser", SAM), ==, 1);
	g_assert_cmpuint(h_count_mail(h, "concern_chaser", LENA), ==, 1);
	h_cycle(h, "2026-12-31T09:05");
	assert_esc(h, "stage", "2");
	/* 5 working days of step 1 (23 Dec): 24, 29, 30, 31 Dec, New Year's Day skipped, 4 Jan. */
	assert_esc(h, "due", "2027-01-04");
	assert_esc(h, "asked", POLICE_LEAD);
	g_assert_cmpuint(h_count_mail(h, "concern_step", POLICE_LEAD), ==, 1);
	/* The school has no line manager on record: admin has a task, not silence. */
	g_autoptr(JsonNode) show = h_json(h, "2026-12-31T09:10", "show", H_REF, NULL);
	JsonArray *tasks = json_object_get_array_member(json_node_get_object(show), "tasks");
	gboolean found = FALSE;
	for (guint i = 0; i < json_array_get_length(tasks); i++)
		found |= !g_strcmp0(h_str(json_array_get_object_element(tasks, i), "kind"),
		                    "concern_address");
	g_assert_true(found);
	/* NOT RESOLVED climbs to the SLOs: both agencies' SLOs, not the CP coordinator. */
	reply(h, "nr2", "concern_step", POLICE_LEAD, "NOT RESOLVED: we still disagree\n");
	h_cycle(h, "2027-01-04T11:00");
	assert_esc(h, "stage", "3");
	assert_esc(h, "asked", H_POLICE_SLO ";" H_SCHOOL_SLO);
	assert_esc(h, "due", "2027-01-06");
	g_assert_cmpuint(h_count_mail(h, "concern_step", "cp.coordinator@council.example"), ==, 0);
	/* The SLOs: not resolved, urgent: the independent chair sets a date within 24 hours. */
	reply(h, "nr3", "concern_step", H_SCHOOL_SLO, "NOT RESOLVED: urgent, the child is at risk\n");
	h_cycle(h, "2027-01-05T10:00");
	assert_esc(h, "stage", "4");
	assert_esc(h, "branch", "urgent");
	g_assert_cmpuint(h_count_mail(h, "concern_meeting", INDIE), ==, 1);
	g_assert_cmpuint(h_count_mail(h, "concern_review_group", NULL), ==, 0);
	reply(h, "date", "concern_meeting", INDIE, "The meeting is on 8 January 2027.\n");
	h_cycle(h, "2027-01-05T15:00");
	assert_esc(h, "meeting_date", "2027-01-08");
	/* The working day after the meeting, its outcome is asked for. */
	h_cycle(h, "2027-01-11T09:05");
	g_assert_cmpuint(h_count_mail(h, "concern_meeting_outcome", INDIE), ==, 1);
	reply(h, "done", "concern_meeting_outcome", INDIE, "RESOLVED: a joint plan was minuted\n");
	h_cycle(h, "2027-01-11T12:00");
	assert_esc(h, "state", "resolved");
	/* The record, the register and the escalations list read a concern as any escalation. */
	g_assert_cmpint(h_run(h, "2027-01-11T12:05", "record", H_REF, NULL), ==, 0);
	g_assert_cmpint(h_run(h, "2027-01-11T12:05", "escalations", NULL), ==, 0);
	g_assert_cmpint(h_run(h, "2027-01-11T12:05", "report", "--from", "2026-12-01", "--to",
	                      "2027-01-31", NULL), ==, 0);
}

static void test_non_urgent_review_group(void)
{
	g_autoptr(Harness) h = h_new(AUTH);
	setup(h);
	/* Admin starts it for Lena, who telephoned. */
	g_assert_cmpint(h_run(h, "2027-02-01T10:00", "concern", "start", H_REF, "--raiser", LENA,
	                      "--agency", "Northshire Police", "--about", "who visits the home",
	                      NULL), ==, 0);
	h_run_ok(h, "2027-02-01T10:01", "flush");
	assert_esc(h, "asked", LENA ";" SAM);
	reply(h, "nr1", "concern_step", SAM, "NOT RESOLVED: no agreement\n");
	h_cycle(h, "2027-02-01T15:00");
	assert_esc(h, "stage", "2");
	/* Step 2 within 5 working days of step 1 (Mon 1 Feb): Mon 8 Feb, not 5 from today. */
	assert_esc(h, "due", "2027-02-08");
	reply(h, "nr2", "concern_step", POLICE_LEAD, "NOT RESOLVED: still no agreement\n");
	h_cycle(h, "2027-02-02T10:00");
	assert_esc(h, "stage", "3");
	reply(h, "nr3", "concern_step", H_POLICE_SLO,
	      "NOT RESOLVED: non-urgent; lessons learned for the partnership\n");
	h_cycle(h, "2027-02-03T10:00");
	assert_esc(h, "branch", "non-urgent");
	assert_esc(h, "stage", "5");
	g_assert_cmpuint(h_count_mail(h, "concern_review_group", QASG), ==, 1);
	g_assert_cmpuint(h_count_mail(h, "concern_meeting", NULL), ==, 0);
	/* Silence at the review group (4 weeks: due Wed 3 March): a reminder, then asked again
	 * and the CP coordinator told, never an ending. */
	h_cycle(h, "2027-03-04T09:05");
	g_assert_cmpuint(h_count_mail(h, "concern_chaser", QASG), ==, 1);
	h_cycle(h, "2027-03-05T09:05");
	g_assert_cmpuint(h_count_mail(h, "concern_still_open", QASG), ==, 1);
	g_assert_cmpuint(h_count_mail(h, "escalation_silent", "cp.coordinator@council.example"), ==, 1);
	assert_esc(h, "state", "open");
}

static const char *conf_state(Harness *h, JsonNode **n)
{
	*n = h_json(h, NULL, "show", H_REF, NULL);
	return h_str(json_node_get_object(*n), "state");
}

/* A disagreement about the child's plan can come after the conference has closed (nothing
 * was owed, the minutes' date had passed). The concern opens the conference again, and its
 * clock runs: the silence after the due day is chased as on an open one. Before, the ladder
 * ran on a conference still marked closed, which reconcile reports as a fault. */
static void test_concern_after_closing_is_chased(void)
{
	g_autoptr(Harness) h = h_new(AUTH);
	setup(h);
	g_assert_cmpint(h_run(h, "2026-11-23T09:35", "list", "send", H_REF, NULL), ==, 0);
	h_cycle(h, "2026-11-23T09:40");
	reply(h, "chair", "distribution_list", H_CHAIR, "AUTHORISED");
	h_cycle(h, "2026-11-24T09:10");
	h_cycle(h, "2026-12-21T09:05");
	g_autoptr(JsonNode) n0 = NULL;
	g_assert_cmpstr(conf_state(h, &n0), ==, "closed");
	deliver(h, "raise", SAM, "safeguarding@council.example", "[" H_REF "] a concern", NULL,
	        "CONCERN Brookfield Primary School: the plan for the child's attendance\n");
	h_cycle(h, "2026-12-23T10:00");
	assert_esc(h, "stage", "1");
	assert_esc(h, "due", "2026-12-29");
	g_assert_cmpuint(h_count_mail(h, "concern_step", LENA), ==, 1);
	g_autoptr(JsonNode) n1 = NULL;
	g_assert_cmpstr(conf_state(h, &n1), ==, "authorised");
	h_cycle(h, "2026-12-30T09:05");
	g_assert_cmpuint(h_count_mail(h, "concern_chaser", SAM), ==, 1);
	g_assert_cmpuint(h_count_mail(h, "concern_chaser", LENA), ==, 1);
	h_cycle(h, "2026-12-31T09:05");
	assert_esc(h, "stage", "2");
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/interagency/full-life-urgent", test_full_life_urgent);
	g_test_add_func("/interagency/non-urgent-review-group", test_non_urgent_review_group);
	g_test_add_func("/interagency/concern-after-closing-is-chased",
	                test_concern_after_closing_is_chased);
	g_test_add_func("/interagency/quoted-example-starts-nothing",
	                test_quoted_example_starts_nothing);
	return g_test_run();
}
