/* Refusals change nothing, anywhere: every table of the store and every file beside it is
 * compared before and after a refused command, and a refused reply changes nothing but the
 * record of the message and the answer to its sender. Also `init` run again on a filled store,
 * `key rotate`, and the paths taken when a second chaser or a broken mailbox is met. */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <string.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>
#include <glib/gstdio.h>

#include "support/harness.h"

#define ADMIN "cp.admin@council.example"
#define CP_COORDINATOR "cp.coordinator@council.example"
#define LSM "lead.safeguarding@council.example"
#define HEALTH_SLO "safeguarding.lead@health.example.org"
#define T_REFUSE "2026-11-24T12:00"

/* ---- a filled store ------------------------------------------------------------------------ */

/* The story's conference authorised with two escalations and its mail sent, a stranger's
 * message in triage, a second conference still being set up (one line, list not sent), a
 * third with nobody on its list, and the CSV files the refusals below try to import. */
static void filled(Harness *h)
{
	h_story_setup(h);
	h_reply_to(h, "chair", "distribution_list", H_CHAIR, H_CHAIR,
	           "AUTHORISED\nESCALATE 2 no_report: nothing came\nESCALATE 4 not_redacted: names\n");
	g_assert_cmpint(h_run(h, "2026-11-24T09:10", "poll", NULL), ==, 0);
	g_assert_cmpint(h_run(h, "2026-11-24T09:10", "flush", NULL), ==, 0);
	h_deliver(h, "stranger",
	          "From: Pat Doe <pat.doe@elsewhere.example.com>\nTo: safeguarding@council.example\n"
	          "Subject: RE: [CP-2026-0042] Distribution list\nMessage-ID: <s1@elsewhere.example.com>"
	          "\n\nAUTHORISED\n");
	g_assert_cmpint(h_run(h, "2026-11-24T09:20", "poll", NULL), ==, 0);
	g_assert_cmpint(h_run(h, "2026-11-24T09:20", "flush", NULL), ==, 0);
	const char *t = "2026-11-24T09:30";
	g_assert_cmpint(h_run(h, t, "conference", "add", "CP-2026-0050", "--held", "2026-11-23T14:00",
	                      "--chair", H_CHAIR, "--social-worker", "amara.sowande@council.example",
	                      NULL),
	                ==, 0);
	g_assert_cmpint(h_run(h, t, "attendee", "add", "CP-2026-0050", "--name", "Ann Lee", "--email",
	                      "ann.lee@police.example.org", "--agency", "Northshire Police",
	                      "--attendance", "attended", "--report", "submitted", NULL),
	                ==, 0);
	g_assert_cmpint(h_run(h, t, "conference", "add", "CP-2026-0051", "--held", "2026-11-23T15:00",
	                      "--chair", H_CHAIR, "--social-worker", "amara.sowande@council.example",
	                      NULL),
	                ==, 0);
	static const char *const csv[][2] = {
		{ "unknown-agency.csv",
		  "name,email,agency,attendance,report\n"
		  "Bo Reed,bo.reed@police.example.org,Northshire Police,attended,submitted\n"
		  "Cy Hale,cy.hale@health.example.org,Northshire Health,absent,none\n"
		  "Di Moss,di.moss@school.example.org,Greenfield School,attended,none\n" },
		{ "short-row.csv", "Bo Reed,bo.reed@police.example.org,Northshire Police,attended\n" },
		{ "open-quote.csv",
		  "Bo Reed,bo.reed@police.example.org,\"Northshire Police,attended,submitted\n" },
		{ "bad-email.csv", "Bo Reed,bo.reed(at)police.example.org,Northshire Police,attended,none\n" },
		{ "bad-report.csv", "Bo Reed,bo.reed@police.example.org,Northshire Police,attended,maybe\n" },
		{ "header-only.csv", "name,email,agency,attendance,report\n\n" },
		{ "not-utf8.csv", "B\xf6 Reed,bo@police.example.org,Northshire Police,attended,none\n" },
	};
	for (guint i = 0; i < G_N_ELEMENTS(csv); i++) {
		g_autofree char *path = g_build_filename(h->dir, csv[i][0], NULL);
		g_assert_true(g_file_set_contents(path, csv[i][1], -1, NULL));
	}
	/* The story's stores and mail are in place: a refusal has something to spoil. */
	g_autoptr(JsonNode) show = h_json(h, t, "show", H_REF, NULL);
	g_assert_cmpstr(h_str(json_node_get_object(show), "state"), ==, "authorised");
	g_autoptr(JsonNode) triage = h_json(h, t, "triage", NULL);
	g_assert_cmpuint(json_array_get_length(json_node_get_array(triage)), ==, 1);
}

/* ---- refused commands ---------------------------------------------------------------------- */

typedef struct {
	const char *name;
	const char *args[16];
	int status;
	const char *says;
} Refusal;

static const Refusal refusals[] = {
	/* agency add */
	{ "agency-bad-slo", { "agency", "add", "Harbourside Housing", "--slo", "not-an-address", NULL },
	  2, "--slo 'not-an-address' is not an email address" },
	{ "agency-no-slo", { "agency", "add", "Harbourside Housing", NULL }, 2,
	  "is not an email address" },
	{ "agency-bad-slo-after-good-options",
	  { "agency", "add", "Harbourside Housing", "--domain", "harbourside.example.com", "--lead",
	    "lead@harbourside.example.com", "--slo", "slo@@harbourside.example.com", NULL },
	  2, "is not an email address" },
	{ "agency-bad-lead", { "agency", "add", "Harbourside Housing", "--slo",
	                       "slo@harbourside.example.com", "--lead", "lead at harbourside", NULL },
	  2, "--lead 'lead at harbourside' is not an email address" },
	{ "agency-bad-domain", { "agency", "add", "Harbourside Housing", "--slo",
	                         "slo@harbourside.example.com", "--domain", "@harbourside.example.com",
	                         NULL },
	  2, "--domain '@harbourside.example.com' is not a mail domain" },
	{ "agency-no-name", { "agency", "add", "--slo", "slo@harbourside.example.com", NULL }, 2,
	  "agency add needs the agency's NAME" },
	{ "agency-duplicate", { "agency", "add", "northshire POLICE", "--slo", "x@police.example.org",
	                        NULL },
	  1, "agency 'northshire POLICE' already exists" },
	/* conference add */
	{ "conference-bad-ref", { "conference", "add", "CP 2026 0099", "--held", "2026-11-20T10:00",
	                          "--chair", H_CHAIR, "--social-worker", "sw@council.example", NULL },
	  2, "REF must be 3 to 40 letters" },
	{ "conference-bad-held", { "conference", "add", "CP-2026-0099", "--held", "20/11/2026",
	                           "--chair", H_CHAIR, "--social-worker", "sw@council.example", NULL },
	  2, "--held must be an ISO 8601 date and time" },
	{ "conference-no-chair", { "conference", "add", "CP-2026-0099", "--held", "2026-11-20T10:00",
	                           "--social-worker", "sw@council.example", NULL },
	  2, "--chair must be an email address" },
	{ "conference-bad-social-worker",
	  { "conference", "add", "CP-2026-0099", "--held", "2026-11-20T10:00", "--chair", H_CHAIR,
	    "--social-worker", "social worker", NULL },
	  2, "--social-worker must be an email address" },
	{ "conference-bad-minute-taker",
	  { "conference", "add", "CP-2026-0099", "--held", "2026-11-20T10:00", "--chair", H_CHAIR,
	    "--social-worker", "sw@council.example", "--minute-taker", "mt@", NULL },
	  2, "--minute-taker must be an email address" },
	{ "conference-bad-type", { "conference", "add", "CP-2026-0099", "--held", "2026-11-20T10:00",
	                           "--chair", H_CHAIR, "--social-worker", "sw@council.example",
	                           "--type", "urgent", NULL },
	  2, "--type must be initial or review" },
	{ "conference-unknown-procedure",
	  { "conference", "add", "CP-2026-0099", "--held", "2026-11-20T10:00", "--chair", H_CHAIR,
	    "--social-worker", "sw@council.example", "--procedure", "nowhere", NULL },
	  1, "nowhere" },
	{ "conference-duplicate", { "conference", "add", "cp-2026-0042", "--held", "2026-11-20T10:00",
	                            "--chair", H_CHAIR, "--social-worker", "sw@council.example", NULL },
	  1, "already exists" },
	{ "conference-two-refs", { "conference", "add", "CP-2026-0099", "CP-2026-0098", "--held",
	                           "2026-11-20T10:00", "--chair", H_CHAIR, "--social-worker",
	                           "sw@council.example", NULL },
	  2, "conference add needs the conference REF" },
	/* attendee add */
	{ "attendee-unknown-agency",
	  { "attendee", "add", "CP-2026-0050", "--name", "A B", "--email", "a.b@elsewhere.example.org",
	    "--agency", "Nowhere Council", "--attendance", "attended", "--report", "none", NULL },
	  1, "unknown agency 'Nowhere Council'" },
	{ "attendee-bad-email",
	  { "attendee", "add", "CP-2026-0050", "--name", "A B", "--email", "a.b", "--agency",
	    "Northshire Police", "--attendance", "attended", "--report", "none", NULL },
	  2, "the email is not an email address" },
	{ "attendee-bad-attendance",
	  { "attendee", "add", "CP-2026-0050", "--name", "A B", "--email", "a.b@police.example.org",
	    "--agency", "Northshire Police", "--attendance", "maybe", "--report", "none", NULL },
	  2, "attendance must be attended, apologies or absent" },
	{ "attendee-bad-report",
	  { "attendee", "add", "CP-2026-0050", "--name", "A B", "--email", "a.b@police.example.org",
	    "--agency", "Northshire Police", "--attendance", "absent", "--report", "late", NULL },
	  2, "report must be submitted, awaited or none" },
	{ "attendee-no-name",
	  { "attendee", "add", "CP-2026-0050", "--email", "a.b@police.example.org", "--agency",
	    "Northshire Police", "--attendance", "absent", "--report", "none", NULL },
	  2, "a name is needed" },
	{ "attendee-list-already-sent",
	  { "attendee", "add", H_REF, "--name", "A B", "--email", "a.b@police.example.org", "--agency",
	    "Northshire Police", "--attendance", "attended", "--report", "none", NULL },
	  1, "the list of CP-2026-0042 was already sent; it cannot change now" },
	{ "attendee-unknown-conference",
	  { "attendee", "add", "CP-1999-0001", "--name", "A B", "--email", "a.b@police.example.org",
	    "--agency", "Northshire Police", "--attendance", "attended", "--report", "none", NULL },
	  1, "CP-1999-0001" },
	/* list import: one bad row and nothing is imported */
	{ "import-unknown-agency-row-4", { "list", "import", "CP-2026-0050", "unknown-agency.csv", NULL },
	  1, "unknown-agency.csv:4: unknown agency 'Greenfield School'" },
	{ "import-short-row", { "list", "import", "CP-2026-0050", "short-row.csv", NULL }, 1,
	  "short-row.csv:1: needs 5 columns" },
	{ "import-open-quote", { "list", "import", "CP-2026-0050", "open-quote.csv", NULL }, 1,
	  "open-quote.csv:1: a quote is not closed" },
	{ "import-bad-email", { "list", "import", "CP-2026-0050", "bad-email.csv", NULL }, 1,
	  "bad-email.csv:1: the email is not an email address" },
	{ "import-bad-report", { "list", "import", "CP-2026-0050", "bad-report.csv", NULL }, 1,
	  "bad-report.csv:1: report must be submitted, awaited or none" },
	{ "import-no-rows", { "list", "import", "CP-2026-0050", "header-only.csv", NULL }, 1,
	  "header-only.csv holds no rows; nothing imported" },
	{ "import-not-utf8", { "list", "import", "CP-2026-0050", "not-utf8.csv", NULL }, 1,
	  "not a UTF-8 text file" },
	{ "import-no-file", { "list", "import", "CP-2026-0050", "missing.csv", NULL }, 1,
	  "missing.csv" },
	{ "import-list-already-sent", { "list", "import", H_REF, "unknown-agency.csv", NULL }, 1,
	  "the list of CP-2026-0042 was already sent; it cannot change now" },
	/* list send */
	{ "list-send-again", { "list", "send", H_REF, NULL }, 1,
	  "the distribution list of CP-2026-0042 was already sent (conference is authorised)" },
	{ "list-send-nobody-on-it", { "list", "send", "CP-2026-0051", NULL }, 1,
	  "CP-2026-0051 has no one on its distribution list yet" },
	{ "list-send-unknown", { "list", "send", "CP-1999-0001", NULL }, 1, "CP-1999-0001" },
	/* triage */
	{ "triage-release-unknown", { "triage", "release", "999", NULL }, 1, "999" },
	{ "triage-drop-unknown", { "triage", "drop", "999", NULL }, 1, "999" },
	{ "triage-drop-not-a-number", { "triage", "drop", "first", NULL }, 2,
	  "triage drop needs the triage ID" },
	{ "triage-release-zero", { "triage", "release", "0", NULL }, 2,
	  "triage release needs the triage ID" },
	/* purge, init, key rotate */
	{ "purge-before-the-future", { "purge", "--before", "2027-01-01", NULL }, 2,
	  "is later than now" },
	{ "purge-bad-date", { "purge", "--before", "last year", NULL }, 2,
	  "--before must be a date" },
	{ "purge-no-date", { "purge", NULL }, 2, "purge needs --before DATE" },
	{ "init-with-argument", { "init", "again", NULL }, 2, "init takes no arguments" },
	{ "key-rotate-with-argument", { "key", "rotate", "now", NULL }, 2,
	  "key rotate takes no arguments" },
};

static void test_refused_command_changes_nothing(gconstpointer data)
{
	const Refusal *r = data;
	g_autoptr(Harness) h = h_new(NULL);
	filled(h);
	g_autofree char *tables = h_dump(h, NULL);
	g_autofree char *files = h_files(h);
	const char *const *a = r->args;
	int rc = h_run(h, T_REFUSE, a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7], a[8], a[9], a[10],
	               a[11], a[12], a[13], a[14], NULL);
	if (rc != r->status || !strstr(h->err, r->says))
		g_error("exit %d (want %d), stderr lacks '%s':\n%s%s", rc, r->status, r->says, h->err,
		        h->out);
	/* One clear line, and nothing on stdout that reads as success. */
	g_assert_true(g_str_has_suffix(h->err, "\n"));
	g_assert_true(strchr(h->err, '\n') == h->err + strlen(h->err) - 1);
	g_assert_cmpstr(h->out, ==, "");
	g_autofree char *tables_after = h_dump(h, NULL);
	g_autofree char *files_after = h_files(h);
	h_assert_same("the store", tables, tables_after);
	h_assert_same("the files", files, files_after);
}

/* The same refusals on a store with nothing in it but what init made. */
static void test_refused_agency_on_empty_store_stores_nothing(void)
{
	g_autoptr(Harness) h = h_new(NULL);
	g_autofree char *tables = h_dump(h, NULL);
	g_assert_cmpint(h_run(h, NULL, "agency", "add", "Northshire Police", "--slo", "police", NULL),
	                ==, 2);
	g_autofree char *after = h_dump(h, NULL);
	h_assert_same("the store", tables, after);
	/* And an agency that is right is stored, so the comparison can see one. */
	g_assert_cmpint(h_run(h, NULL, "agency", "add", "Northshire Police", "--slo", H_POLICE_SLO,
	                      "--domain", "Police.Example.org", NULL),
	                ==, 0);
	g_autofree char *added = h_dump(h, NULL);
	g_autoptr(GPtrArray) rows = h_dump_added(tables, added, "agency");
	g_assert_cmpuint(rows->len, ==, 1);
	g_assert_nonnull(strstr(rows->pdata[0], "name=Northshire Police"));
}

/* --dry-run lists what would go and changes nothing; without it, the same case goes. */
static void test_purge_dry_run_changes_nothing(void)
{
	g_autoptr(Harness) h = h_new(NULL);
	h_story_setup(h);
	h_reply_to(h, "chair", "distribution_list", H_CHAIR, H_CHAIR, "AUTHORISED\nNO ESCALATION\n");
	g_assert_cmpint(h_run(h, "2026-11-24T09:10", "poll", NULL), ==, 0);
	g_assert_cmpint(h_run(h, "2026-11-24T09:10", "flush", NULL), ==, 0);
	/* The school's report never comes: missing after its due date, and then nothing is
	 * owed but the minutes, due Friday 18 December; the tick of the working day after
	 * closes the conference. */
	for (int d = 25; d <= 30; d++) {
		g_autofree char *t = g_strdup_printf("2026-11-%02dT09:05", d);
		g_assert_cmpint(h_run(h, t, "tick", NULL), ==, 0);
		g_assert_cmpint(h_run(h, t, "flush", NULL), ==, 0);
	}
	g_autoptr(JsonNode) waiting = h_json(h, "2026-12-01T09:00", "show", H_REF, NULL);
	g_assert_cmpstr(h_str(json_node_get_object(waiting), "state"), ==, "authorised");
	g_assert_cmpint(h_run(h, "2026-12-21T09:05", "tick", NULL), ==, 0);
	g_autoptr(JsonNode) show = h_json(h, "2026-12-21T09:10", "show", H_REF, NULL);
	g_assert_cmpstr(h_str(json_node_get_object(show), "state"), ==, "closed");
	g_autofree char *tables = h_dump(h, NULL);
	g_autofree char *files = h_files(h);
	const char *now = "2027-06-01T10:00";
	g_assert_cmpint(h_run(h, now, "purge", "--before", "2027-01-01", "--dry-run", NULL), ==, 0);
	g_assert_nonnull(strstr(h->out, "would remove"));
	g_assert_nonnull(strstr(h->out, "  " H_REF "\n"));
	g_autofree char *tables_after = h_dump(h, NULL);
	g_autofree char *files_after = h_files(h);
	h_assert_same("the store", tables, tables_after);
	h_assert_same("the files", files, files_after);
	g_assert_cmpint(h_run(h, now, "purge", "--before", "2027-01-01", NULL), ==, 0);
	g_assert_nonnull(strstr(h->out, "removed"));
	g_assert_cmpint(h_run(h, now, "show", H_REF, NULL), ==, 1);
}

/* ---- refused replies: the engine's refusals, through the binary ----------------------------- */

/* What a refused reply may change: the message is recorded, its answer queued and the audit
 * says so. Nothing else. */
static const char *const mail_tables[] = { "message", "outbox", "audit", NULL };

typedef enum {
	AT_LIST,           /* the list is with the chair */
	AT_AUTHORISED,     /* authorised, lines 2 and 4 escalated */
	AT_RESOLVED,       /* and the police SLO has resolved line 4 */
	AT_CLOSED,         /* authorised with no escalation, the school's report missing: closed */
} Stage;

typedef struct {
	const char *name;
	Stage stage;
	const char *kind;   /* the mail replied to */
	const char *to;     /* its recipient, who replies */
	const char *body;
	const char *problem; /* what the answer names */
} ReplyRefusal;

static const ReplyRefusal reply_refusals[] = {
	{ "escalate-without-authorised", AT_LIST, "distribution_list", H_CHAIR,
	  "ESCALATE 2 no_report: nothing came\n\nFfion",
	  "escalations were marked but the list was not authorised" },
	{ "no-escalation-with-escalate", AT_LIST, "distribution_list", H_CHAIR,
	  "AUTHORISED\nNO ESCALATION\nESCALATE 2 no_report: nothing came\n",
	  "NO ESCALATION and ESCALATE lines are both there" },
	/* After authorising the chair may still escalate (a later concern), but only a line
	 * that is on the list. */
	{ "later-escalate-no-such-line", AT_AUTHORISED, "distribution_list", H_CHAIR,
	  "AUTHORISED\nESCALATE 9 no_report: nothing\n", "there is no line 9 on the list" },
	{ "list-reply-after-close", AT_CLOSED, "distribution_list", H_CHAIR, "AUTHORISED\n",
	  "the list was already authorised on" },
	{ "empty-list-reply", AT_LIST, "distribution_list", H_CHAIR, "", "no command found" },
	{ "resolved-and-not-resolved", AT_AUTHORISED, "escalation", H_SCHOOL_SLO,
	  "RESOLVED: spoken to her\nNOT RESOLVED: we disagree\n",
	  "both RESOLVED and NOT RESOLVED were written" },
	{ "escalation-already-closed", AT_RESOLVED, "escalation", H_POLICE_SLO,
	  "NOT RESOLVED: on second thoughts, no\n", "this escalation was already closed on" },
	{ "empty-escalation-reply", AT_AUTHORISED, "escalation", H_SCHOOL_SLO, "",
	  "the reply was empty" },
	{ "whitespace-escalation-reply", AT_AUTHORISED, "escalation", H_SCHOOL_SLO, " \n\t\n  \n",
	  "the reply was empty" },
};

static void reach(Harness *h, Stage stage)
{
	h_story_setup(h);
	if (stage == AT_LIST)
		return;
	if (stage == AT_CLOSED) {
		h_reply_to(h, "chair", "distribution_list", H_CHAIR, H_CHAIR,
		           "AUTHORISED\nNO ESCALATION\n");
		g_assert_cmpint(h_run(h, "2026-11-24T09:10", "poll", NULL), ==, 0);
		for (int d = 24; d <= 30; d++) {
			g_autofree char *t = g_strdup_printf("2026-11-%02dT09:15", d);
			g_assert_cmpint(h_run(h, t, "tick", NULL), ==, 0);
			g_assert_cmpint(h_run(h, t, "flush", NULL), ==, 0);
		}
		/* Nothing owed but the minutes (due Friday 18 December): closed the working day
		 * after. */
		g_assert_cmpint(h_run(h, "2026-12-21T09:15", "tick", NULL), ==, 0);
		g_autoptr(JsonNode) show = h_json(h, NULL, "show", H_REF, NULL);
		g_assert_cmpstr(h_str(json_node_get_object(show), "state"), ==, "closed");
		return;
	}
	h_reply_to(h, "chair", "distribution_list", H_CHAIR, H_CHAIR,
	           "AUTHORISED\nESCALATE 2 no_report: nothing came\nESCALATE 4 not_redacted: names\n");
	g_assert_cmpint(h_run(h, "2026-11-24T09:10", "poll", NULL), ==, 0);
	g_assert_cmpint(h_run(h, "2026-11-24T09:10", "flush", NULL), ==, 0);
	if (stage == AT_AUTHORISED)
		return;
	h_reply_to(h, "slo1", "escalation", H_POLICE_SLO, H_POLICE_SLO, "RESOLVED: sorted\n");
	g_assert_cmpint(h_run(h, "2026-11-25T10:00", "poll", NULL), ==, 0);
	g_assert_cmpint(h_run(h, "2026-11-25T10:00", "flush", NULL), ==, 0);
	g_autoptr(JsonNode) show = h_json(h, NULL, "show", H_REF, NULL);
	g_assert_cmpstr(h_str(h_escalation(show, 4), "state"), ==, "resolved");
}

static void test_refused_reply_changes_nothing(gconstpointer data)
{
	const ReplyRefusal *r = data;
	g_autoptr(Harness) h = h_new(NULL);
	reach(h, r->stage);
	g_autofree char *cases = h_dump(h, mail_tables);
	g_autofree char *all = h_dump(h, NULL);
	g_autoptr(GPtrArray) sent = h_outgoing(h);
	h_reply_to(h, "refused", r->kind, r->to, r->to, r->body);
	g_assert_cmpint(h_run(h, "2026-12-01T11:00", "poll", NULL), ==, 0);
	g_assert_nonnull(strstr(h->out, "1 messages: 1 handled"));
	g_assert_cmpint(h_run(h, "2026-12-01T11:00", "flush", NULL), ==, 0);
	/* Every table but the message's own record is as it was. */
	g_autofree char *cases_after = h_dump(h, mail_tables);
	h_assert_same("the cases", cases, cases_after);
	/* The one mail out is the answer to the sender, naming the problem. */
	g_autofree char *all_after = h_dump(h, NULL);
	g_autoptr(GPtrArray) queued = h_dump_added(all, all_after, "outbox");
	g_assert_cmpuint(queued->len, ==, 1);
	g_assert_nonnull(strstr(queued->pdata[0], "|kind=not_understood|"));
	g_autoptr(GPtrArray) sent_after = h_outgoing(h);
	g_assert_cmpuint(sent_after->len, ==, sent->len + 1);
	g_autofree char *answer = h_mail(h, "not_understood", r->to);
	g_assert_nonnull(answer);
	g_autofree char *body = h_body(answer);
	if (!strstr(body, r->problem))
		g_error("the answer lacks '%s':\n%s", r->problem, body);
	g_assert_nonnull(strstr(body, "nothing has been changed"));
	/* The audit records the message and the refusal, and no change of state. */
	g_autoptr(GPtrArray) audit = h_dump_added(all, all_after, "audit");
	guint refused = 0;
	for (guint i = 0; i < audit->len; i++) {
		const char *row = audit->pdata[i];
		refused += strstr(row, "|what=reply.not_understood|") != NULL;
		if (!strstr(row, "|what=reply.not_understood|") && !strstr(row, "|what=mail.queued|") &&
		    !strstr(row, "|what=mail.sent|"))
			g_error("a refused reply wrote this audit line: %s", row);
	}
	g_assert_cmpuint(refused, ==, 1);
	g_autoptr(GPtrArray) msgs = h_dump_added(all, all_after, "message");
	g_assert_cmpuint(msgs->len, ==, 1);
	g_assert_nonnull(strstr(msgs->pdata[0], "|state=handled|"));
}

/* The last rung of the default ladder is the independent chaired meeting (the partnership's
 * protocol, step 4): there is nobody above it. NOT RESOLVED there ends the escalation as
 * unresolved; the CP coordinator is told, the sender gets the read-back, nothing more is
 * chased, and the conference can close. */
static void test_not_resolved_at_the_last_stage(void)
{
	g_autoptr(Harness) h = h_new(NULL);
	h_story_setup(h);
	h_reply_to(h, "chair", "distribution_list", H_CHAIR, H_CHAIR,
	           "AUTHORISED\nESCALATE 2 no_report: nothing came\n");
	g_assert_cmpint(h_run(h, "2026-11-24T09:10", "poll", NULL), ==, 0);
	g_assert_cmpint(h_run(h, "2026-11-24T09:10", "flush", NULL), ==, 0);
	/* The school has no agency lead: stage 2 asks its SLO again; stage 3 the CP coordinator;
	 * stage 4 the lead safeguarding manager, who is asked to set a meeting date. */
	static const char *const asked[] = { H_SCHOOL_SLO, H_SCHOOL_SLO, CP_COORDINATOR, LSM };
	static const char *const kind[] = { "escalation", "escalation", "escalation",
		                                "escalation_meeting" };
	static const char *const when[] = { "2026-11-25T10:00", "2026-11-26T10:00",
		                                "2026-11-27T10:00", "2026-11-30T10:00" };
	for (int stage = 1; stage <= 4; stage++) {
		g_autoptr(JsonNode) show = h_json(h, when[stage - 1], "show", H_REF, NULL);
		JsonObject *e = h_escalation(show, 2);
		g_assert_cmpint(json_object_get_int_member(e, "stage"), ==, stage);
		g_assert_cmpstr(h_str(e, "state"), ==, "open");
		g_autofree char *name = g_strdup_printf("nr%d", stage);
		g_autofree char *why = g_strdup_printf("NOT RESOLVED: still disputed at stage %d", stage);
		h_reply_to(h, name, kind[stage - 1], asked[stage - 1], asked[stage - 1], why);
		g_assert_cmpint(h_run(h, when[stage - 1], "poll", NULL), ==, 0);
		g_assert_cmpint(h_run(h, when[stage - 1], "flush", NULL), ==, 0);
	}
	g_autoptr(JsonNode) show = h_json(h, "2026-11-30T10:01", "show", H_REF, NULL);
	JsonObject *e = h_escalation(show, 2);
	g_assert_cmpstr(h_str(e, "state"), ==, "unresolved");
	g_assert_cmpint(json_object_get_int_member(e, "stage"), ==, 4);
	g_assert_cmpuint(h_count_mail(h, "escalation_unresolved", CP_COORDINATOR), ==, 1);
	g_autofree char *told = h_mail(h, "escalation_unresolved", CP_COORDINATOR);
	g_autofree char *told_body = h_body(told);
	g_assert_nonnull(strstr(told_body, "still disputed at stage 4"));
	g_autofree char *readback = h_mail(h, "transcript", LSM);
	g_autofree char *rb = h_body(readback);
	g_assert_nonnull(strstr(rb, "This was the last stage"));
	g_assert_cmpuint(h_count_mail(h, "not_understood", NULL), ==, 0);
	/* Nothing climbs or is chased after the end, however long the timer runs. */
	g_autoptr(GPtrArray) before = h_outgoing(h);
	guint sent = before->len;
	for (int d = 1; d <= 21; d++) {
		g_autofree char *t = g_strdup_printf("2026-12-%02dT09:05", d);
		g_assert_cmpint(h_run(h, t, "tick", NULL), ==, 0);
		g_assert_cmpint(h_run(h, t, "flush", NULL), ==, 0);
	}
	g_autoptr(GPtrArray) later = h_outgoing(h);
	for (guint i = sent; i < later->len; i++)
		if (strstr(later->pdata[i], "escalation"))
			g_error("sent after the last stage ended: %s", (char *)later->pdata[i]);
	g_autoptr(JsonNode) end = h_json(h, "2026-12-21T10:00", "show", H_REF, NULL);
	g_assert_cmpstr(h_str(h_escalation(end, 2), "state"), ==, "unresolved");
	g_assert_cmpint(json_object_get_int_member(h_escalation(end, 2), "stage"), ==, 4);
	/* Nothing is owed any more (the school's report went missing on the way, the chair was
	 * told how the concern ended) and the minutes' date, Friday 18th, has passed: Monday's
	 * tick closed it. */
	g_assert_cmpuint(h_count_mail(h, "escalation_unresolved_chair", H_CHAIR), ==, 1);
	g_assert_cmpstr(h_str(json_node_get_object(end), "state"), ==, "closed");
	/* The same NOT RESOLVED again: the engine asks for the same notice to the CP coordinator
	 * (the same event), and the outbox keeps it to the one mail already sent. */
	h_reply_to(h, "nr4-again", "escalation_meeting", LSM, LSM,
	           "NOT RESOLVED: still disputed at stage 4");
	g_assert_cmpint(h_run(h, "2026-12-21T11:00", "poll", NULL), ==, 0);
	g_assert_cmpint(h_run(h, "2026-12-21T11:00", "flush", NULL), ==, 0);
	g_assert_cmpuint(h_count_mail(h, "escalation_unresolved", CP_COORDINATOR), ==, 1);
}

/* ---- init again, key rotate ------------------------------------------------------------------ */

static char *read_text(const char *path)
{
	g_autofree char *text = NULL;
	g_assert_true(g_file_get_contents(path, &text, NULL, NULL));
	return g_steal_pointer(&text);
}

static void test_init_again_on_a_filled_store_changes_nothing(void)
{
	g_autoptr(Harness) h = h_new(NULL);
	filled(h);
	g_autofree char *tables = h_dump(h, NULL);
	g_autofree char *files = h_files(h);
	g_autofree char *key_path = g_build_filename(h->dir, "spool", "secret.key", NULL);
	g_autofree char *key = read_text(key_path);
	g_assert_cmpint(h_run(h, T_REFUSE, "init", NULL), ==, 0);
	g_assert_nonnull(strstr(h->out, "nothing changed"));
	g_autofree char *tables_after = h_dump(h, NULL);
	g_autofree char *files_after = h_files(h);
	h_assert_same("the store", tables, tables_after);
	h_assert_same("the files", files, files_after);
	g_autofree char *key_after = read_text(key_path);
	g_assert_cmpstr(key, ==, key_after);
	/* And the story goes on as before: the school's SLO can still answer by the old token. */
	h_reply_to(h, "slo2", "escalation", H_SCHOOL_SLO, H_SCHOOL_SLO, "RESOLVED: apologies agreed");
	g_assert_cmpint(h_run(h, "2026-11-25T10:00", "poll", NULL), ==, 0);
	g_autoptr(JsonNode) show = h_json(h, NULL, "show", H_REF, NULL);
	g_assert_cmpstr(h_str(h_escalation(show, 2), "state"), ==, "resolved");
}

/* The key id a token was made with: the first of its 17 bytes (base32, lower case). */
static guint token_key_id(const char *token)
{
	static const char alphabet[] = "abcdefghijklmnopqrstuvwxyz234567";
	const char *a = strchr(alphabet, g_ascii_tolower(token[0]));
	const char *b = strchr(alphabet, g_ascii_tolower(token[1]));
	g_assert_nonnull(a);
	g_assert_nonnull(b);
	return (guint)(((a - alphabet) << 3) | ((b - alphabet) >> 2));
}

/* The key lines of the key file, newest first: "ID CREATED". */
static GPtrArray *key_lines(Harness *h)
{
	g_autofree char *path = g_build_filename(h->dir, "spool", "secret.key", NULL);
	g_autofree char *text = read_text(path);
	g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
	GPtrArray *out = g_ptr_array_new_with_free_func(g_free);
	for (guint i = 0; lines[i]; i++) {
		if (!*lines[i] || lines[i][0] == '#')
			continue;
		g_auto(GStrv) f = g_strsplit(lines[i], " ", 3);
		g_assert_cmpuint(g_strv_length(f), ==, 3);
		g_assert_cmpuint(strlen(f[2]), ==, 64);
		g_ptr_array_add(out, g_strdup_printf("%s %s %s", f[0], f[1], f[2]));
	}
	return out;
}

static void test_key_rotate_makes_a_new_key_and_keeps_the_old(void)
{
	g_autoptr(Harness) h = h_new(NULL);
	h_story_setup(h);
	g_autofree char *key_path = g_build_filename(h->dir, "spool", "secret.key", NULL);
	g_autofree char *before = read_text(key_path);
	g_autoptr(GPtrArray) old_keys = key_lines(h);
	g_assert_cmpuint(old_keys->len, ==, 1);
	g_autofree char *list = h_mail(h, "distribution_list", H_CHAIR);
	g_autofree char *old_token = h_token(list);
	g_assert_cmpuint(token_key_id(old_token), ==, 1);

	g_assert_cmpint(h_run(h, "2026-11-23T10:00", "key", "rotate", NULL), ==, 0);
	g_assert_nonnull(strstr(h->out, "new reply-token key made"));
	g_autofree char *after = read_text(key_path);
	g_assert_cmpstr(before, !=, after);
	GStatBuf st;
	g_assert_cmpint(g_stat(key_path, &st), ==, 0);
	g_assert_cmpint(st.st_mode & 0777, ==, 0600);
	g_autoptr(GPtrArray) keys = key_lines(h);
	g_assert_cmpuint(keys->len, ==, 2);
	/* Newest first: a new id and new key bytes; the old line kept as it was. */
	g_assert_true(g_str_has_prefix(keys->pdata[0], "2 "));
	g_assert_cmpstr(keys->pdata[1], ==, old_keys->pdata[0]);
	g_assert_cmpstr(strrchr(keys->pdata[0], ' '), !=, strrchr(keys->pdata[1], ' '));

	/* New mail carries tokens under the new key: the chair's reply brings escalations. */
	h_reply_to(h, "chair", "distribution_list", H_CHAIR, H_CHAIR,
	           "AUTHORISED\nESCALATE 2 no_report: nothing came\n");
	g_assert_cmpint(h_run(h, "2026-11-24T09:10", "poll", NULL), ==, 0);
	g_assert_cmpint(h_run(h, "2026-11-24T09:10", "flush", NULL), ==, 0);
	g_autoptr(JsonNode) show = h_json(h, NULL, "show", H_REF, NULL);
	g_assert_cmpstr(h_str(json_node_get_object(show), "state"), ==, "authorised");
	g_autofree char *esc = h_mail(h, "escalation", H_SCHOOL_SLO);
	g_autofree char *new_token = h_token(esc);
	g_assert_cmpuint(token_key_id(new_token), ==, 2);
	/* ... and they verify: the SLO's answer by the new token is acted on. */
	h_reply_to(h, "slo", "escalation", H_SCHOOL_SLO, H_SCHOOL_SLO, "RESOLVED: agreed a plan");
	g_assert_cmpint(h_run(h, "2026-11-25T10:00", "poll", NULL), ==, 0);
	g_autoptr(JsonNode) later = h_json(h, NULL, "show", H_REF, NULL);
	g_assert_cmpstr(h_str(h_escalation(later, 2), "state"), ==, "resolved");
	g_autoptr(JsonNode) triage = h_json(h, NULL, "triage", NULL);
	g_assert_cmpuint(json_array_get_length(json_node_get_array(triage)), ==, 0);
}

/* The overlap `key rotate` promises: a token keeps working until it expires (token_days
 * after it was made), whatever the age of the key that made it; a key goes only once every
 * token it can have made has expired, token_days after the rotation that retired it. */
static void test_key_rotate_keeps_old_tokens_until_they_expire(void)
{
	g_autoptr(Harness) h = h_new("[chaser]\ntoken_days = 30\n");
	/* The key in use was made in September, long before this conference. */
	g_autofree char *key_path = g_build_filename(h->dir, "spool", "secret.key", NULL);
	g_autofree char *text = read_text(key_path);
	GString *k = g_string_new(text);
	g_autoptr(GPtrArray) first = key_lines(h);
	g_autofree char *made = g_strndup(first->pdata[0], 12); /* "1 YYYY-MM-DD" */
	g_assert_cmpuint(g_string_replace(k, made, "1 2026-09-01", 1), ==, 1);
	g_assert_true(g_file_set_contents(key_path, k->str, -1, NULL));
	g_assert_cmpint(g_chmod(key_path, 0600), ==, 0);
	g_string_free(k, TRUE);
	h_story_setup(h);
	g_autofree char *list = h_mail(h, "distribution_list", H_CHAIR);
	g_autofree char *token = h_token(list);
	g_assert_cmpuint(token_key_id(token), ==, 1);

	/* Rotated the next morning: the chair's token of yesterday (valid until 23 December)
	 * still works. */
	g_assert_cmpint(h_run(h, "2026-11-24T08:00", "key", "rotate", NULL), ==, 0);
	g_autoptr(GPtrArray) keys = key_lines(h);
	g_assert_cmpuint(keys->len, ==, 2);
	g_assert_true(g_str_has_prefix(keys->pdata[0], "2 2026-11-24 "));
	g_assert_true(g_str_has_prefix(keys->pdata[1], "1 2026-09-01 "));
	h_reply_to(h, "chair", "distribution_list", H_CHAIR, H_CHAIR, "AUTHORISED\nNO ESCALATION\n");
	g_assert_cmpint(h_run(h, "2026-11-24T09:10", "poll", NULL), ==, 0);
	g_autoptr(JsonNode) show = h_json(h, NULL, "show", H_REF, NULL);
	g_assert_cmpstr(h_str(json_node_get_object(show), "state"), ==, "authorised");
	g_autoptr(JsonNode) triage = h_json(h, NULL, "triage", NULL);
	g_assert_cmpuint(json_array_get_length(json_node_get_array(triage)), ==, 0);

	/* A month and more after it was retired, the first key goes; the second, retired
	 * today, stays. */
	g_assert_cmpint(h_run(h, "2026-12-26T10:00", "key", "rotate", NULL), ==, 0);
	g_assert_nonnull(strstr(h->out, "new reply-token key made"));
	g_autoptr(GPtrArray) later = key_lines(h);
	g_assert_cmpuint(later->len, ==, 2);
	g_assert_true(g_str_has_prefix(later->pdata[0], "3 2026-12-26 "));
	g_assert_true(g_str_has_prefix(later->pdata[1], "2 2026-11-24 "));
}

/* ---- a second chaser, and a mailbox that cannot be read ------------------------------------- */

/* An IMAP server that greets and refuses every login, as a server does when the password
 * was changed: the one configuration error chaser cannot mend by retrying. */
typedef struct {
	int listener;
	guint16 port;
	GThread *thread;
	gint logins;
	gint stop;
} RefusingImap;

static void send_all(int fd, const char *s)
{
	size_t n = strlen(s);
	while (n) {
		ssize_t w = send(fd, s, n, MSG_NOSIGNAL);
		if (w <= 0)
			return;
		s += w, n -= (size_t)w;
	}
}

static void serve_one(RefusingImap *srv, int fd)
{
	send_all(fd, "* OK [CAPABILITY IMAP4rev1 AUTH=PLAIN] mail.council.example ready\r\n");
	GString *line = g_string_new(NULL);
	char ch;
	while (recv(fd, &ch, 1, 0) == 1) {
		if (ch != '\n') {
			if (line->len < 4096)
				g_string_append_c(line, ch);
			continue;
		}
		g_auto(GStrv) w = g_strsplit(g_strchomp(line->str), " ", 3);
		g_string_truncate(line, 0);
		if (!w[0] || !w[1])
			continue;
		g_autofree char *tag = g_strdup(w[0]);
		g_autofree char *cmd = g_ascii_strup(w[1], -1);
		g_autofree char *reply = NULL;
		if (!strcmp(cmd, "CAPABILITY"))
			reply = g_strdup_printf("* CAPABILITY IMAP4rev1 AUTH=PLAIN\r\n%s OK done\r\n", tag);
		else if (!strcmp(cmd, "LOGIN") || !strcmp(cmd, "AUTHENTICATE")) {
			g_atomic_int_inc(&srv->logins);
			reply = g_strdup_printf("%s NO [AUTHENTICATIONFAILED] Authentication failed.\r\n",
			                        tag);
		} else if (!strcmp(cmd, "LOGOUT")) {
			g_autofree char *bye = g_strdup_printf("* BYE\r\n%s OK bye\r\n", tag);
			send_all(fd, bye);
			break;
		} else
			reply = g_strdup_printf("%s BAD not now\r\n", tag);
		send_all(fd, reply);
	}
	g_string_free(line, TRUE);
	close(fd);
}

static gpointer refusing_loop(gpointer data)
{
	RefusingImap *srv = data;
	while (!g_atomic_int_get(&srv->stop)) {
		int fd = accept(srv->listener, NULL, NULL);
		if (fd < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		serve_one(srv, fd);
	}
	return NULL;
}

static RefusingImap *refusing_imap_start(void)
{
	RefusingImap *srv = g_new0(RefusingImap, 1);
	srv->listener = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	g_assert_cmpint(srv->listener, >=, 0);
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	g_assert_cmpint(bind(srv->listener, (struct sockaddr *)&a, sizeof a), ==, 0);
	socklen_t len = sizeof a;
	g_assert_cmpint(getsockname(srv->listener, (struct sockaddr *)&a, &len), ==, 0);
	g_assert_cmpint(listen(srv->listener, 8), ==, 0);
	srv->port = ntohs(a.sin_port);
	srv->thread = g_thread_new("refusing-imap", refusing_loop, srv);
	return srv;
}

static void refusing_imap_stop(RefusingImap *srv)
{
	g_atomic_int_set(&srv->stop, 1);
	shutdown(srv->listener, SHUT_RDWR);
	close(srv->listener);
	g_thread_join(srv->thread);
	g_free(srv);
}

static Harness *imap_harness(RefusingImap *srv)
{
	g_autofree char *extra = g_strdup_printf("[inbound]\ntype = imap\n"
	                                         "[imap]\nurl = imap://127.0.0.1:%u\n"
	                                         "starttls = false\nuser = safeguarding\n"
	                                         "password_file = imap-password\npoll_interval = 1\n",
	                                         srv->port);
	Harness *h = h_new(extra);
	g_autofree char *pw = g_build_filename(h->dir, "imap-password", NULL);
	g_assert_true(g_file_set_contents(pw, "not-the-password\n", -1, NULL));
	g_assert_cmpint(g_chmod(pw, 0600), ==, 0);
	return h;
}

static GPid run_start(Harness *h, const char *now, int *err_fd)
{
	const char *argv[] = { h->bin, "-c", h->conf, "--now", now, "run", NULL };
	GPid pid;
	GError *e = NULL;
	g_assert_true(g_spawn_async_with_pipes(h->dir, (char **)argv, NULL,
	                                       G_SPAWN_DO_NOT_REAP_CHILD | G_SPAWN_STDOUT_TO_DEV_NULL,
	                                       NULL, NULL, &pid, NULL, NULL, err_fd, &e));
	g_assert_no_error(e);
	return pid;
}

static int run_stop(GPid pid)
{
	kill(pid, SIGTERM);
	int status = 0;
	g_assert_cmpint(waitpid(pid, &status, 0), ==, pid);
	g_spawn_close_pid(pid);
	g_assert_true(WIFEXITED(status));
	return WEXITSTATUS(status);
}

static char *drain(int fd)
{
	GString *s = g_string_new(NULL);
	char buf[4096];
	ssize_t n;
	while ((n = read(fd, buf, sizeof buf)) > 0)
		g_string_append_len(s, buf, n);
	close(fd);
	return g_string_free(s, FALSE);
}

/* Waits until `pred` holds, up to ten seconds. */
static gboolean wait_for(gboolean (*pred)(Harness *), Harness *h)
{
	for (int i = 0; i < 200; i++) {
		if (pred(h))
			return TRUE;
		g_usleep(50 * 1000);
	}
	return FALSE;
}

static gboolean stopped_mail_sent(Harness *h)
{
	return h_count_mail(h, "inbound_stopped", ADMIN) > 0;
}

/* The first loop also queues the day's account for admin; it goes out on the next. */
static gboolean account_sent(Harness *h)
{
	return h_count_mail(h, "reconcile_daily", ADMIN) > 0;
}

static gboolean lock_held(Harness *h)
{
	g_autofree char *path = g_build_filename(h->dir, "spool", "imap-INBOX.lock", NULL);
	int fd = open(path, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return FALSE;
	gboolean held = flock(fd, LOCK_EX | LOCK_NB) < 0 && errno == EWOULDBLOCK;
	close(fd);
	return held;
}

/* The password was changed on the server: `chaser run` stops reading, tells admin once by
 * mail (the outbox keeps it to one a day however often chaser restarts), and goes on
 * sending and ticking. While it runs, a second chaser refuses to read the same mailbox. */
static void test_mailbox_stops_admin_told_second_reader_refused(void)
{
	RefusingImap *srv = refusing_imap_start();
	g_autoptr(Harness) h = imap_harness(srv);
	int err_fd = -1;
	GPid pid = run_start(h, "2026-11-24T10:00", &err_fd);
	g_assert_true(wait_for(stopped_mail_sent, h));
	g_assert_true(lock_held(h));
	g_autofree char *mail = h_mail(h, "inbound_stopped", ADMIN);
	g_autofree char *subject = h_header(mail, "Subject");
	g_assert_cmpstr(subject, ==, "[mailbox] chaser has stopped reading the shared mailbox");
	g_autofree char *body = h_body(mail);
	g_assert_nonnull(strstr(body, "login as safeguarding on 127.0.0.1 refused"));
	g_assert_null(strstr(body, "not-the-password"));

	/* A second reader, once or for ever, is refused while the first holds the mailbox. */
	g_assert_true(wait_for(account_sent, h));
	g_usleep(300 * 1000);
	g_autofree char *tables = h_dump(h, NULL);
	g_assert_cmpint(h_run(h, "2026-11-24T10:01", "poll", NULL), ==, 1);
	g_assert_nonnull(strstr(h->err, "another chaser is reading mailbox INBOX"));
	g_assert_cmpint(h_run(h, "2026-11-24T10:01", "run", NULL), ==, 1);
	g_assert_nonnull(strstr(h->err, "another chaser is reading mailbox INBOX"));
	g_autofree char *tables_after = h_dump(h, NULL);
	h_assert_same("the store", tables, tables_after);

	/* It stopped trying: no login for as long as it runs (poll_interval is 1 second). */
	gint logins = g_atomic_int_get(&srv->logins);
	g_usleep(2500 * 1000);
	g_assert_cmpint(g_atomic_int_get(&srv->logins), ==, logins);
	g_assert_cmpint(run_stop(pid), ==, 0);
	g_autofree char *log = drain(err_fd);
	g_assert_nonnull(strstr(log, "inbound stopped"));
	g_assert_null(strstr(log, "not-the-password"));
	g_assert_false(lock_held(h));

	/* Restarted the same day: the same refusal, and no second mail. */
	pid = run_start(h, "2026-11-24T11:00", &err_fd);
	g_assert_true(wait_for(lock_held, h));
	for (int i = 0; i < 100 && g_atomic_int_get(&srv->logins) == logins; i++)
		g_usleep(50 * 1000);
	g_usleep(1500 * 1000);
	g_assert_cmpint(run_stop(pid), ==, 0);
	g_free(drain(err_fd));
	g_assert_cmpint(g_atomic_int_get(&srv->logins), >, logins);
	g_assert_cmpuint(h_count_mail(h, "inbound_stopped", ADMIN), ==, 1);
	g_autoptr(JsonNode) outbox = h_json(h, NULL, "outbox", NULL);
	JsonArray *rows = json_node_get_array(outbox);
	guint stopped = 0;
	for (guint i = 0; i < json_array_get_length(rows); i++)
		stopped += !g_strcmp0(h_str(json_array_get_object_element(rows, i), "kind"),
		                      "inbound_stopped");
	g_assert_cmpuint(stopped, ==, 1);

	/* The next day it says so again. */
	pid = run_start(h, "2026-11-25T10:00", &err_fd);
	for (int i = 0; i < 200 && h_count_mail(h, "inbound_stopped", ADMIN) < 2; i++)
		g_usleep(50 * 1000);
	g_assert_cmpint(run_stop(pid), ==, 0);
	g_free(drain(err_fd));
	g_assert_cmpuint(h_count_mail(h, "inbound_stopped", ADMIN), ==, 2);

	/* Alone, `chaser poll` says what is wrong and exits 1; it mails nobody. */
	g_assert_cmpint(h_run(h, "2026-11-25T11:00", "poll", NULL), ==, 1);
	g_assert_nonnull(strstr(h->err, "refused"));
	g_assert_null(strstr(h->err, "another chaser"));
	refusing_imap_stop(srv);
}

/* The Maildir is locked for the length of a sweep: a second chaser polling while another
 * sweeps (here the test holds the lock, as that chaser would) refuses at once, exit 1,
 * and touches nothing; the message waits in new/ for the next poll. */
static void test_maildir_second_reader_refused(void)
{
	g_autoptr(Harness) h = h_new(NULL);
	h_story_setup(h);
	h_reply_to(h, "chair", "distribution_list", H_CHAIR, H_CHAIR, "AUTHORISED\nNO ESCALATION\n");
	g_autofree char *path = g_build_filename(h->dir, "spool", "inbox", ".chaser.lock", NULL);
	int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	g_assert_cmpint(fd, >=, 0);
	g_assert_cmpint(flock(fd, LOCK_EX | LOCK_NB), ==, 0);
	g_autofree char *tables = h_dump(h, NULL);
	g_autofree char *files = h_files(h);
	g_assert_cmpint(h_run(h, "2026-11-24T09:10", "poll", NULL), ==, 1);
	g_assert_nonnull(strstr(h->err, "another chaser is reading"));
	g_autofree char *tables_after = h_dump(h, NULL);
	g_autofree char *files_after = h_files(h);
	h_assert_same("the store", tables, tables_after);
	h_assert_same("the files", files, files_after);
	close(fd);
	g_assert_cmpint(h_run(h, "2026-11-24T09:20", "poll", NULL), ==, 0);
	g_assert_nonnull(strstr(h->out, "1 messages: 1 handled"));
	g_autoptr(JsonNode) show = h_json(h, NULL, "show", H_REF, NULL);
	g_assert_cmpstr(h_str(json_node_get_object(show), "state"), ==, "authorised");
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	for (guint i = 0; i < G_N_ELEMENTS(refusals); i++) {
		g_autofree char *name = g_strdup_printf("/refusals/cli/%s", refusals[i].name);
		g_test_add_data_func(name, &refusals[i], test_refused_command_changes_nothing);
	}
	g_test_add_func("/refusals/cli/agency-on-empty-store-stores-nothing",
	                test_refused_agency_on_empty_store_stores_nothing);
	g_test_add_func("/refusals/cli/purge-dry-run-changes-nothing",
	                test_purge_dry_run_changes_nothing);
	for (guint i = 0; i < G_N_ELEMENTS(reply_refusals); i++) {
		g_autofree char *name = g_strdup_printf("/refusals/reply/%s", reply_refusals[i].name);
		g_test_add_data_func(name, &reply_refusals[i], test_refused_reply_changes_nothing);
	}
	g_test_add_func("/refusals/reply/not-resolved-at-the-last-stage",
	                test_not_resolved_at_the_last_stage);
	g_test_add_func("/refusals/init/again-on-a-filled-store-changes-nothing",
	                test_init_again_on_a_filled_store_changes_nothing);
	g_test_add_func("/refusals/key/rotate-makes-a-new-key-and-keeps-the-old",
	                test_key_rotate_makes_a_new_key_and_keeps_the_old);
	g_test_add_func("/refusals/key/rotate-keeps-old-tokens-until-they-expire",
	                test_key_rotate_keeps_old_tokens_until_they_expire);
	g_test_add_func("/refusals/inbound/stopped-admin-told-second-reader-refused",
	                test_mailbox_stops_admin_told_second_reader_refused);
	g_test_add_func("/refusals/inbound/maildir-second-reader-refused",
	                test_maildir_second_reader_refused);
	return g_test_run();
}
