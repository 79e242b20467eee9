/* Forged senders on the configuration `chaser init` writes: a mail whose From is the chair,
 * an SLO or an address at an agency's domain, with the conference reference in its subject
 * and no reply token, changes nothing unless a receiving server the config names vouches for
 * it; the receiving server's own dmarc=fail holds whatever else it says. */
#include <glib.h>
#include <string.h>

#include "support/harness.h"

#define ADMIN "cp.admin@council.example"
#define AUTHSERV "[chaser]\nauthserv_id = mx.council.example\n"
#define LATER "2026-11-24T10:00"

static char *state_of(Harness *h)
{
	g_autoptr(JsonNode) n = h_json(h, NULL, "show", H_REF, NULL);
	return g_strdup(h_str(json_node_get_object(n), "state"));
}

static guint triage_count(Harness *h)
{
	g_autoptr(JsonNode) n = h_json(h, NULL, "triage", NULL);
	return json_array_get_length(json_node_get_array(n));
}

/* A mail from `from`, tagged with the reference, answering nothing chaser sent, with an
 * optional Authentication-Results header. */
static void deliver_tagged(Harness *h, const char *name, const char *from, const char *auth,
                           const char *body)
{
	g_autofree char *m = g_strdup_printf(
		"%s%s%s"
		"From: %s\r\nTo: Safeguarding <safeguarding@council.example>\r\n"
		"Subject: RE: [" H_REF "] Distribution list for authorisation\r\n"
		"Message-ID: <%s@mail.example.org>\r\nDate: Tue, 24 Nov 2026 09:55:00 +0000\r\n"
		"Content-Type: text/plain; charset=utf-8\r\n\r\n%s\r\n",
		auth ? "Authentication-Results: " : "", auth ? auth : "", auth ? "\r\n" : "", from,
		name, body);
	h_deliver(h, name, m);
}

/* The config init writes says authserv_id = none: a chair's address in From with the
 * reference and AUTHORISED is held for admin, not acted on. */
static void test_forged_chair_without_token_is_held(void)
{
	g_autoptr(Harness) h = h_new(NULL);
	h_story_setup(h);
	guint alerts = h_count_mail(h, "triage_alert", ADMIN);
	deliver_tagged(h, "forged-1", "Dr Ffion Testwood <" H_CHAIR ">", NULL,
	               "AUTHORISED\r\nESCALATE 1 no_report: nothing came");
	g_assert_cmpint(h_run(h, LATER, "poll", NULL), ==, 0);
	g_assert_cmpint(h_run(h, LATER, "flush", NULL), ==, 0);
	g_autofree char *st = state_of(h);
	g_assert_cmpstr(st, ==, "list_sent");
	g_assert_cmpuint(triage_count(h), ==, 1);
	g_assert_cmpint(h_run(h, NULL, "triage", NULL), ==, 0);
	g_assert_nonnull(strstr(h->out, "no reply token"));
	g_assert_cmpuint(h_count_mail(h, "triage_alert", ADMIN), ==, alerts + 1);
	g_assert_cmpuint(h_count_mail(h, "escalation", NULL), ==, 0);
	g_assert_cmpuint(h_count_mail(h, "transcript", H_CHAIR), ==, 0);
}

/* A "report" from any address at an agency's domain, without a token, is not filed. */
static void test_forged_agency_report_without_token_is_held(void)
{
	g_autoptr(Harness) h = h_new(NULL);
	h_story_setup(h);
	deliver_tagged(h, "forged-2", "Records <records@police.example.org>", NULL,
	               "Please find our report below. Nothing further to add about the family.");
	g_assert_cmpint(h_run(h, LATER, "poll", NULL), ==, 0);
	g_assert_cmpint(h_run(h, LATER, "flush", NULL), ==, 0);
	g_assert_cmpuint(h_count_mail(h, "report_receipt", NULL), ==, 0);
	g_assert_cmpuint(h_count_mail(h, "report_received", NULL), ==, 0);
	g_autoptr(JsonNode) n = h_json(h, NULL, "show", H_REF, NULL);
	JsonArray *reports = json_object_get_array_member(json_node_get_object(n), "reports");
	for (guint i = 0; i < json_array_get_length(reports); i++)
		g_assert_cmpstr(h_str(json_array_get_object_element(reports, i), "state"), ==,
		                "awaited");
	g_assert_cmpuint(triage_count(h), ==, 1);
}

/* With the receiving server named, its aligned DMARC pass vouches for a token-less reply. */
static void test_verified_chair_without_token_acts(void)
{
	g_autoptr(Harness) h = h_new(AUTHSERV);
	h_story_setup(h);
	deliver_tagged(h, "verified-1", "Dr Ffion Testwood <" H_CHAIR ">",
	               "mx.council.example; dmarc=pass header.from=chairs.example.org",
	               "AUTHORISED");
	g_assert_cmpint(h_run(h, LATER, "poll", NULL), ==, 0);
	g_autofree char *st = state_of(h);
	g_assert_cmpstr(st, ==, "authorised");
	g_assert_cmpuint(triage_count(h), ==, 0);
}

/* The server's explicit dmarc=fail holds, even beside aligned DKIM and SPF passes, and even
 * on a reply that carries a valid token. */
static void test_dmarc_fail_outvotes_aligned_passes(gconstpointer with_token)
{
	g_autoptr(Harness) h = h_new(AUTHSERV);
	h_story_setup(h);
	const char *auth = "mx.council.example; dmarc=fail (p=reject) header.from=chairs.example.org;"
	                   " dkim=pass header.d=chairs.example.org; spf=pass "
	                   "smtp.mailfrom=ffion.testwood@chairs.example.org";
	if (with_token) {
		g_autofree char *list = h_mail(h, "distribution_list", H_CHAIR);
		g_autofree char *token = h_token(list);
		g_autofree char *msgid = h_msgid(list);
		g_autofree char *m = g_strdup_printf(
			"Authentication-Results: %s\r\nFrom: " H_CHAIR "\r\n"
			"To: safeguarding+%s@council.example\r\nSubject: RE: [" H_REF "] list\r\n"
			"Message-ID: <df-token@chairs.example.org>\r\nIn-Reply-To: <%s>\r\n"
			"Content-Type: text/plain\r\n\r\nAUTHORISED\r\n",
			auth, token, msgid);
		h_deliver(h, "df-token", m);
	} else {
		deliver_tagged(h, "df-1", H_CHAIR, auth, "AUTHORISED");
	}
	g_assert_cmpint(h_run(h, LATER, "poll", NULL), ==, 0);
	g_autofree char *st = state_of(h);
	g_assert_cmpstr(st, ==, "list_sent");
	g_assert_cmpuint(triage_count(h), ==, 1);
	g_assert_cmpint(h_run(h, NULL, "triage", NULL), ==, 0);
	g_assert_nonnull(strstr(h->out, "sender not verified"));
}

/* A quoted string the server echoed from the sender (envelope or HELO) cannot add results or
 * open a comment that swallows the real dmarc=fail. */
static void test_quoted_strings_in_auth_results_add_nothing(gconstpointer data)
{
	g_autoptr(Harness) h = h_new(AUTHSERV);
	h_story_setup(h);
	deliver_tagged(h, "quoted-1", "Dr Ffion Testwood <" H_CHAIR ">", data, "AUTHORISED");
	g_assert_cmpint(h_run(h, LATER, "poll", NULL), ==, 0);
	g_autofree char *st = state_of(h);
	g_assert_cmpstr(st, ==, "list_sent");
	g_assert_cmpuint(triage_count(h), ==, 1);
}

/* A reply with its token still acts on the init config: the token is the proof. */
static void test_token_reply_acts_without_authserv(void)
{
	g_autoptr(Harness) h = h_new(NULL);
	h_story_setup(h);
	h_reply_to(h, "chair-ok", "distribution_list", H_CHAIR, H_CHAIR, "AUTHORISED");
	g_assert_cmpint(h_run(h, LATER, "poll", NULL), ==, 0);
	g_autofree char *st = state_of(h);
	g_assert_cmpstr(st, ==, "authorised");
}

/* The choice must be made: a config without authserv_id is refused, naming [chaser]. */
static void test_authserv_id_is_required(void)
{
	g_autoptr(Harness) h = h_new(NULL);
	g_autofree char *text = NULL;
	g_assert_true(g_file_get_contents(h->conf, &text, NULL, NULL));
	g_autoptr(GString) t = g_string_new(text);
	g_assert_cmpuint(g_string_replace(t, "authserv_id = none\n", "", 1), ==, 1);
	g_assert_true(g_file_set_contents(h->conf, t->str, -1, NULL));
	g_assert_cmpint(h_run(h, NULL, "triage", NULL), ==, 1);
	g_autofree char *where = g_strdup_printf("%s:1: [chaser] authserv_id is required", h->conf);
	g_assert_nonnull(strstr(h->err, where));
	g_assert_true(g_file_set_contents(h->conf, text, -1, NULL));
}

/* The chair authorises and escalates line 1 (police); the escalation goes to the police SLO. */
static void escalate_police(Harness *h)
{
	h_reply_to(h, "chair-esc", "distribution_list", H_CHAIR, H_CHAIR,
	           "AUTHORISED\nESCALATE 1 no_report: nothing came before the conference");
	g_assert_cmpint(h_run(h, "2026-11-23T11:00", "poll", NULL), ==, 0);
	g_assert_cmpint(h_run(h, "2026-11-23T11:00", "flush", NULL), ==, 0);
}

static char *escalation_field(Harness *h, const char *field)
{
	g_autoptr(JsonNode) n = h_json(h, NULL, "show", H_REF, NULL);
	JsonObject *e = h_escalation(n, 1);
	g_assert_nonnull(e);
	if (!strcmp(field, "stage"))
		return g_strdup_printf("%" G_GINT64_FORMAT, json_object_get_int_member(e, "stage"));
	return g_strdup(h_str(e, field));
}

/* A stage-1 SLO's token no longer closes the concern once it has climbed to stage 2. */
static void test_earlier_stage_token_does_not_close(void)
{
	g_autoptr(Harness) h = h_new(NULL);
	h_story_setup(h);
	escalate_police(h);
	g_autofree char *first = h_mail(h, "escalation", H_POLICE_SLO);
	g_assert_nonnull(first);
	g_autofree char *old_token = h_token(first);
	g_autofree char *old_msgid = h_msgid(first);
	h_reply_to(h, "slo-no", "escalation", H_POLICE_SLO, H_POLICE_SLO,
	           "NOT RESOLVED: the officer is on leave and nobody else can answer");
	g_assert_cmpint(h_run(h, "2026-11-24T10:00", "poll", NULL), ==, 0);
	g_autofree char *stage = escalation_field(h, "stage");
	g_assert_cmpstr(stage, ==, "2");
	/* The same SLO answers the first request again, with its stage-1 token. */
	g_autofree char *m = g_strdup_printf(
		"From: " H_POLICE_SLO "\r\nTo: safeguarding+%s@council.example\r\n"
		"Subject: RE: [" H_REF "] escalation\r\nMessage-ID: <slo-late@police.example.org>\r\n"
		"In-Reply-To: <%s>\r\nContent-Type: text/plain\r\n\r\n"
		"RESOLVED: spoke to the officer, all sorted\r\n",
		old_token, old_msgid);
	h_deliver(h, "slo-late", m);
	g_assert_cmpint(h_run(h, "2026-11-25T10:00", "poll", NULL), ==, 0);
	g_autofree char *state = escalation_field(h, "state");
	g_assert_cmpstr(state, ==, "open");
	g_autofree char *stage2 = escalation_field(h, "stage");
	g_assert_cmpstr(stage2, ==, "2");
	g_assert_cmpint(h_run(h, NULL, "triage", NULL), ==, 0);
	g_assert_nonnull(strstr(h->out, "stage 1 of this escalation"));
	g_assert_cmpuint(h_count_mail(h, "escalation_closed", NULL), ==, 0);
}

/* The case record, which goes on the child's file, carries no live reply token. */
static void test_record_shows_no_live_token(void)
{
	g_autoptr(Harness) h = h_new(NULL);
	h_story_setup(h);
	escalate_police(h);
	g_assert_cmpint(h_run(h, NULL, "record", H_REF, NULL), ==, 0);
	g_autofree char *text = g_strdup(h->out);
	g_assert_cmpint(h_run(h, NULL, "record", H_REF, "--format", "html", NULL), ==, 0);
	g_autofree char *html = g_strdup(h->out);
	g_autoptr(GPtrArray) all = h_outgoing(h);
	guint tokens = 0;
	for (guint i = 0; i < all->len; i++) {
		g_autofree char *rt = h_header(all->pdata[i], "Reply-To");
		if (!rt || !strchr(rt, '+'))
			continue;
		g_autofree char *t = h_token(all->pdata[i]);
		tokens++;
		g_assert_null(strstr(text, t));
		g_assert_null(strstr(html, t));
	}
	g_assert_cmpuint(tokens, >=, 3); /* the list and two escalation requests at least */
	g_assert_nonnull(strstr(text, "token withheld"));
}

/* `chaser outbox --json` lists Message-IDs without their live tokens. */
static void test_outbox_listing_shows_no_live_token(void)
{
	g_autoptr(Harness) h = h_new(NULL);
	h_story_setup(h);
	g_autofree char *list = h_mail(h, "distribution_list", H_CHAIR);
	g_autofree char *token = h_token(list);
	g_assert_cmpint(h_run(h, NULL, "outbox", "--json", NULL), ==, 0);
	g_assert_null(strstr(h->out, token));
	g_assert_nonnull(strstr(h->out, "token withheld"));
	g_assert_cmpint(h_run(h, NULL, "outbox", NULL), ==, 0);
	g_assert_null(strstr(h->out, token));
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/forged/no-authserv/chair-without-token-held",
	                test_forged_chair_without_token_is_held);
	g_test_add_func("/forged/no-authserv/agency-domain-report-without-token-held",
	                test_forged_agency_report_without_token_is_held);
	g_test_add_func("/forged/no-authserv/token-reply-acts", test_token_reply_acts_without_authserv);
	g_test_add_func("/forged/authserv/verified-chair-without-token-acts",
	                test_verified_chair_without_token_acts);
	g_test_add_data_func("/forged/authserv/dmarc-fail-outvotes-aligned-passes", NULL,
	                     test_dmarc_fail_outvotes_aligned_passes);
	g_test_add_data_func("/forged/authserv/dmarc-fail-holds-a-token-reply", "token",
	                     test_dmarc_fail_outvotes_aligned_passes);
	g_test_add_func("/forged/config/authserv-id-required", test_authserv_id_is_required);
	g_test_add_func("/forged/token/earlier-stage-token-does-not-close",
	                test_earlier_stage_token_does_not_close);
	g_test_add_func("/forged/token/record-shows-no-live-token", test_record_shows_no_live_token);
	g_test_add_func("/forged/token/outbox-listing-shows-no-live-token",
	                test_outbox_listing_shows_no_live_token);
	g_test_add_data_func("/forged/authserv/quoted-envelope-adds-no-pass",
	                     "mx.council.example; spf=pass smtp.mailfrom=\"x;dmarc=pass "
	                     "header.from=chairs.example.org x=\"@evil.example; dmarc=none "
	                     "header.from=chairs.example.org",
	                     test_quoted_strings_in_auth_results_add_nothing);
	g_test_add_data_func("/forged/authserv/quoted-paren-hides-no-fail",
	                     "mx.council.example; dkim=pass header.d=chairs.example.org; spf=none "
	                     "smtp.helo=\"a(\"; dmarc=fail header.from=chairs.example.org",
	                     test_quoted_strings_in_auth_results_add_nothing);
	return g_test_run();
}
