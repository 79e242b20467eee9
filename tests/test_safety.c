/* Immediate safety, lived as the procedure says (004): the alert reaches the CP coordinator
 * and the lead safeguarding manager at once, whatever the hour; one of them acknowledges by
 * replying; silence for [safety] ack_within, or an out-of-office, brings in the team manager
 * and the service manager, and the alert stays on admin's list until someone acknowledges.
 * A chair's or coordinator's SAFETY: line raises one whatever the words. Driven through the
 * binary with --now. */
#include <glib.h>
#include <string.h>

#include "engine/phrases.h"
#include "support/harness.h"

#define ADMIN "cp.admin@council.example"
#define COORD "cp.coordinator@council.example"
#define LSM "lead.safeguarding@council.example"
#define TM "team.manager@council.example"
#define SM "service.manager@council.example"

#define MANAGERS "[people]\nteam_manager = " TM "\nservice_manager = " SM "\n"

/* Saturday 28 November 2026, 23:00 (London, GMT). */
#define SAT_NIGHT "2026-11-28T23:00"

/* The police SLO writes about the child late on a Saturday night. */
static void disclosure(Harness *h)
{
	h_deliver(h, "disclosure",
	          "From: DI Ruth Calloway <" H_POLICE_SLO ">\nTo: safeguarding@council.example\n"
	          "Subject: [" H_REF "] update\nMessage-ID: <d1@police.example.org>\n"
	          "Date: Sat, 28 Nov 2026 22:58:00 +0000\n\n"
	          "We were called to the house tonight. The child is in immediate danger and we "
	          "are staying until a social worker arrives.\n");
	h_poll_flush(h, SAT_NIGHT);
}

/* A reply to the newest safety alert to `to`, threaded by its Message-ID only (the alert
 * carries no reply token), from `from`, with `headers` (automatic ones) and `body`. */
static void answer(Harness *h, const char *name, const char *kind, const char *to,
                   const char *from, const char *headers, const char *body)
{
	g_autofree char *alert = h_mail(h, kind, to);
	g_assert_nonnull(alert);
	g_autofree char *msgid = h_msgid(alert);
	g_autofree char *subject = h_header(alert, "Subject");
	g_autofree char *mail = g_strdup_printf(
		"From: %s\nTo: safeguarding@council.example\nSubject: RE: %s\n"
		"Message-ID: <%s@council.example>\nIn-Reply-To: <%s>\nReferences: <%s>\n%s\n%s\n",
		from, subject, name, msgid, msgid, headers ? headers : "", body);
	h_deliver(h, name, mail);
}

/* `chaser safety --json --all`: the alerts, newest first. */
static JsonArray *alerts(Harness *h, JsonNode **root, const char *now)
{
	*root = h_json(h, now, "safety", "--all", NULL);
	g_assert_true(JSON_NODE_HOLDS_ARRAY(*root));
	return json_node_get_array(*root);
}

static void test_alert_reaches_coordinator_and_lsm_saturday_night(void)
{
	g_autoptr(Harness) h = h_new(MANAGERS);
	h_story_setup(h);
	disclosure(h);
	g_assert_cmpuint(h_count_mail(h, "safety_alert", COORD), ==, 1);
	g_assert_cmpuint(h_count_mail(h, "safety_alert", LSM), ==, 1);
	g_assert_cmpuint(h_count_mail(h, "safety_alert", NULL), ==, 2);
	/* The managers are not told yet: the coordinator and the LSM have their hour. */
	g_assert_cmpuint(h_count_mail(h, "safety_escalated", NULL), ==, 0);
	g_autofree char *mail = h_mail(h, "safety_alert", LSM);
	g_autofree char *subject = h_header(mail, "Subject");
	g_assert_cmpstr(subject, ==, "[" H_REF "] URGENT: possible immediate safety concern");
	g_autofree char *body = h_body(mail);
	g_assert_nonnull(strstr(body, "reply to this email"));
	g_assert_nonnull(strstr(body, "1 hour"));
	g_assert_null(strstr(body, "staying"));
	g_autoptr(JsonNode) root = NULL;
	JsonArray *a = alerts(h, &root, SAT_NIGHT);
	g_assert_cmpuint(json_array_get_length(a), ==, 1);
	JsonObject *o = json_array_get_object_element(a, 0);
	g_assert_cmpstr(h_str(o, "state"), ==, "open");
	g_assert_cmpstr(h_str(o, "ref"), ==, H_REF);
	g_assert_cmpstr(h_str(o, "asked"), ==, COORD ";" LSM);
}

static void test_coordinator_reply_acknowledges(void)
{
	g_autoptr(Harness) h = h_new(MANAGERS);
	h_story_setup(h);
	disclosure(h);
	/* Any words from someone asked; quoting the alert raises no alert of its own. */
	g_autofree char *alert = h_mail(h, "safety_alert", COORD);
	g_autofree char *quoted = h_body(alert);
	g_autoptr(GString) body = g_string_new("Seen. I am calling the duty team now.\n\n");
	g_auto(GStrv) lines = g_strsplit(quoted, "\n", -1);
	for (char **l = lines; *l; l++)
		g_string_append_printf(body, "> %s\n", *l);
	answer(h, "ack", "safety_alert", COORD, "Cathy Coordinator <" COORD ">", NULL, body->str);
	h_poll_flush(h, "2026-11-28T23:20");
	h_tick_flush(h, "2026-11-29T00:30");
	h_tick_flush(h, "2026-11-30T09:30");
	g_assert_cmpuint(h_count_mail(h, "safety_escalated", NULL), ==, 0);
	g_assert_cmpuint(h_count_mail(h, "safety_open", NULL), ==, 0);
	g_assert_cmpuint(h_count_mail(h, "safety_alert", NULL), ==, 2);
	g_assert_cmpuint(h_count_mail(h, "not_understood", NULL), ==, 0);
	g_autoptr(JsonNode) root = NULL;
	JsonArray *a = alerts(h, &root, "2026-11-30T09:30");
	g_assert_cmpuint(json_array_get_length(a), ==, 1);
	JsonObject *o = json_array_get_object_element(a, 0);
	g_assert_cmpstr(h_str(o, "state"), ==, "acknowledged");
	g_assert_cmpstr(h_str(o, "acknowledged_by"), ==, COORD);
	g_assert_cmpuint(h_audit_count(h, H_REF, "safety.acknowledged"), ==, 1);
	/* The reply waits in triage for nobody (the disclosure itself does: its sender must be
	 * checked before it may change anything). */
	g_autoptr(JsonNode) tri = h_json(h, "2026-11-30T09:30", "triage", NULL);
	JsonArray *t = json_node_get_array(tri);
	for (guint k = 0; k < json_array_get_length(t); k++)
		g_assert_cmpstr(h_str(json_array_get_object_element(t, k), "from"), !=, COORD);
	/* And the open list says so. */
	g_assert_cmpint(h_run(h, "2026-11-30T09:30", "safety", NULL), ==, 0);
	g_assert_nonnull(strstr(h->out, "every immediate-safety alert has been acknowledged"));
}

/* Where the receiving server's verdict can be read, an acknowledgement in the coordinator's
 * name that the server says is not from the coordinator's domain acknowledges nothing: the
 * managers are still told when the hour is up. One the server vouches for does. */
static void test_forged_acknowledgement_acknowledges_nothing(void)
{
	g_autoptr(Harness) h = h_new(MANAGERS "[chaser]\nauthserv_id = mx.council.example\n");
	h_story_setup(h);
	disclosure(h);
	answer(h, "forged-ack", "safety_alert", COORD, "Cathy Coordinator <" COORD ">",
	       "Authentication-Results: mx.council.example; dmarc=fail (p=reject)"
	       " header.from=council.example; spf=fail smtp.mailfrom=" COORD "\n",
	       "Seen, all in hand, no need to tell anyone else.");
	h_poll_flush(h, "2026-11-28T23:20");
	g_autoptr(JsonNode) root = NULL;
	JsonArray *a = alerts(h, &root, "2026-11-28T23:20");
	g_assert_cmpstr(h_str(json_array_get_object_element(a, 0), "state"), ==, "open");
	g_assert_cmpuint(h_audit_count(h, H_REF, "safety.acknowledged"), ==, 0);
	h_tick_flush(h, "2026-11-29T00:01");
	g_assert_cmpuint(h_count_mail(h, "safety_escalated", TM), ==, 1);
	g_assert_cmpuint(h_count_mail(h, "safety_escalated", SM), ==, 1);
	answer(h, "real-ack", "safety_alert", COORD, "Cathy Coordinator <" COORD ">",
	       "Authentication-Results: mx.council.example; dmarc=pass header.from=council.example;"
	       " spf=pass smtp.mailfrom=" COORD "\n",
	       "I am calling the duty team now.");
	h_poll_flush(h, "2026-11-29T00:10");
	g_autoptr(JsonNode) after = NULL;
	a = alerts(h, &after, "2026-11-29T00:10");
	JsonObject *o = json_array_get_object_element(a, 0);
	g_assert_cmpstr(h_str(o, "state"), ==, "acknowledged");
	g_assert_cmpstr(h_str(o, "acknowledged_by"), ==, COORD);
}

static void test_silence_tells_managers_and_stays_open(void)
{
	g_autoptr(Harness) h = h_new(MANAGERS);
	h_story_setup(h);
	disclosure(h);
	h_tick_flush(h, "2026-11-28T23:59");
	g_assert_cmpuint(h_count_mail(h, "safety_escalated", NULL), ==, 0);
	h_tick_flush(h, "2026-11-29T00:01"); /* an hour has passed, on a Sunday morning */
	g_assert_cmpuint(h_count_mail(h, "safety_escalated", TM), ==, 1);
	g_assert_cmpuint(h_count_mail(h, "safety_escalated", SM), ==, 1);
	g_autofree char *mail = h_mail(h, "safety_escalated", TM);
	g_autofree char *subject = h_header(mail, "Subject");
	g_assert_cmpstr(subject, ==, "[" H_REF "] URGENT: immediate safety alert not yet "
	                             "acknowledged");
	g_autofree char *body = h_body(mail);
	g_assert_nonnull(strstr(body, "nobody acknowledged it within 1 hour"));
	/* Once each. */
	h_tick_flush(h, "2026-11-29T03:00");
	g_assert_cmpuint(h_count_mail(h, "safety_escalated", NULL), ==, 2);
	/* Admin still sees it open. */
	g_autoptr(JsonNode) root = NULL;
	JsonArray *a = alerts(h, &root, "2026-11-29T03:00");
	JsonObject *o = json_array_get_object_element(a, 0);
	g_assert_cmpstr(h_str(o, "state"), ==, "open");
	g_assert_cmpstr(h_str(o, "told"), ==, TM ";" SM);
	g_assert_cmpint(h_run(h, "2026-11-29T03:00", "show", H_REF, NULL), ==, 0);
	g_assert_nonnull(strstr(h->out, "Immediate-safety alerts not yet acknowledged"));
	/* The first working day, admin is reminded; the alert keeps a clock. */
	h_tick_flush(h, "2026-11-30T09:05");
	g_assert_cmpuint(h_count_mail(h, "safety_open", ADMIN), ==, 1);
	h_tick_flush(h, "2026-11-30T15:00");
	g_assert_cmpuint(h_count_mail(h, "safety_open", ADMIN), ==, 1);
	h_tick_flush(h, "2026-12-01T09:05");
	g_assert_cmpuint(h_count_mail(h, "safety_open", ADMIN), ==, 2);
	/* The team manager answers the notice: that acknowledges it, and the reminders stop. */
	answer(h, "tm-ack", "safety_escalated", TM, TM, NULL, "Dealt with: the duty team went.");
	h_poll_flush(h, "2026-12-01T09:30");
	h_tick_flush(h, "2026-12-02T09:05");
	g_assert_cmpuint(h_count_mail(h, "safety_open", ADMIN), ==, 2);
	g_autoptr(JsonNode) after = NULL;
	a = alerts(h, &after, "2026-12-02T09:05");
	g_assert_cmpuint(json_array_get_length(a), ==, 1); /* the reply raised none of its own */
	o = json_array_get_object_element(a, 0);
	g_assert_cmpstr(h_str(o, "state"), ==, "acknowledged");
	g_assert_cmpstr(h_str(o, "acknowledged_by"), ==, TM);
}

static void test_out_of_office_tells_managers_at_once(void)
{
	g_autoptr(Harness) h = h_new(MANAGERS);
	h_story_setup(h);
	disclosure(h);
	answer(h, "ooo", "safety_alert", COORD, COORD,
	       "Auto-Submitted: auto-replied (vacation)\nPrecedence: bulk",
	       "I am out of the office, back Monday 7 December.");
	h_poll_flush(h, "2026-11-28T23:01");
	g_assert_cmpuint(h_count_mail(h, "safety_escalated", TM), ==, 1);
	g_assert_cmpuint(h_count_mail(h, "safety_escalated", SM), ==, 1);
	g_autofree char *mail = h_mail(h, "safety_escalated", SM);
	g_autofree char *body = h_body(mail);
	g_assert_nonnull(strstr(body, "an out-of-office came back from " COORD));
	/* It acknowledges nothing, and the hour passing tells nobody twice. */
	h_tick_flush(h, "2026-11-29T00:30");
	g_assert_cmpuint(h_count_mail(h, "safety_escalated", NULL), ==, 2);
	g_autoptr(JsonNode) root = NULL;
	JsonArray *a = alerts(h, &root, "2026-11-29T00:30");
	JsonObject *o = json_array_get_object_element(a, 0);
	g_assert_cmpstr(h_str(o, "state"), ==, "open");
	g_assert_null(h_str(o, "acknowledged_by"));
	g_assert_cmpuint(h_audit_count(h, H_REF, "safety.away"), ==, 1);
	g_assert_cmpuint(h_audit_count(h, H_REF, "safety.acknowledged"), ==, 0);
	/* The out-of-office is answered by nobody. */
	g_assert_cmpuint(h_count_mail(h, "not_understood", NULL), ==, 0);
}

/* An out-of-office from `from` that does not thread (no In-Reply-To, no References), its
 * body one line, then `more` if given. */
static void unthreaded_away(Harness *h, const char *name, const char *from, const char *more)
{
	g_autofree char *mail = g_strdup_printf(
		"From: %s\nTo: safeguarding@council.example\nSubject: Automatic reply: away\n"
		"Message-ID: <%s@council.example>\nAuto-Submitted: auto-replied\n\n"
		"I am out of the office until Monday.%s\n",
		from, name, more ? more : "");
	h_deliver(h, name, mail);
}

/* An out-of-office from someone an open alert asked (its server dropped the thread) is found by the
 * sender's address, whatever its case, with the '_' of that address (a wildcard to SQL's LIKE)
 * matched as itself: the managers are told at once. Out-of-offices from addresses that only a
 * wildcard would match tell nobody. */
static void test_unthreaded_out_of_office_found_by_address(void)
{
	g_autoptr(Harness) h = h_new(MANAGERS "cp_coordinator = cp_coord@council.example\n");
	h_story_setup(h);
	disclosure(h);
	g_assert_cmpuint(h_count_mail(h, "safety_alert", "cp_coord@council.example"), ==, 1);
	unthreaded_away(h, "away-1", "Other Person <cp%coord@council.example>", NULL);
	unthreaded_away(h, "away-2", "Other Person <cpxcoord@council.example>", NULL);
	unthreaded_away(h, "away-3", "Other Person <coord@council.example>", NULL);
	h_poll_flush(h, "2026-11-28T23:01");
	g_assert_cmpuint(h_count_mail(h, "safety_escalated", NULL), ==, 0);
	unthreaded_away(h, "away-4", "Coordinator <CP_Coord@Council.Example>", NULL);
	h_poll_flush(h, "2026-11-28T23:02");
	g_assert_cmpuint(h_count_mail(h, "safety_escalated", TM), ==, 1);
	g_assert_cmpuint(h_count_mail(h, "safety_escalated", SM), ==, 1);
	g_assert_cmpuint(h_audit_count(h, H_REF, "safety.away"), ==, 1);
}

/* While an alert is open, an out-of-office from an address longer than any SQL pattern may be
 * (60,000 bytes, a third of it '%', which the LIKE's escaping doubles) is still read: the poll
 * succeeds, nothing goes to quarantine, and its own safety words raise an alert. */
static void test_endless_address_still_read_for_safety(void)
{
	g_autoptr(Harness) h = h_new(MANAGERS);
	h_story_setup(h);
	disclosure(h);
	g_assert_cmpuint(h_count_mail(h, "safety_alert", NULL), ==, 2);
	GString *from = g_string_new("Away <");
	for (guint i = 0; i < 60000; i++)
		g_string_append_c(from, i % 3 ? 'a' : '%');
	g_string_append(from, "@evil.example.net>");
	unthreaded_away(h, "away-long", from->str, " The child is in immediate danger tonight.");
	g_string_free(from, TRUE);
	h_poll_flush(h, "2026-11-28T23:05");
	g_assert_cmpuint(h_count_mail(h, "safety_alert", NULL), ==, 4);
	g_autoptr(JsonNode) t = h_json(h, "2026-11-28T23:05", "triage", NULL);
	JsonArray *held = json_node_get_array(t);
	for (guint i = 0; i < json_array_get_length(held); i++)
		g_assert_cmpstr(h_str(json_array_get_object_element(held, i), "message_state"), !=,
		                "quarantine");
}

#define SAFETY_LINE "SAFETY: the family left the refuge and I cannot say where the children are."

static void test_safety_line_from_chair(void)
{
	/* No phrase of the table is in it: only the chair's word raises the alert. */
	g_autoptr(ChPhrases) p = ch_phrases_new(ch_phrases_safety, ch_phrases_routine);
	g_assert_null(ch_phrases_match(p, SAFETY_LINE));
	g_autoptr(Harness) h = h_new(MANAGERS);
	h_story_setup(h);
	/* The same line from an SLO is not enough. */
	h_deliver(h, "slo-line",
	          "From: " H_SCHOOL_SLO "\nTo: safeguarding@council.example\n"
	          "Subject: [" H_REF "] note\nMessage-ID: <s1@brookfield.example.net>\n\n"
	          SAFETY_LINE "\n");
	h_poll_flush(h, "2026-11-24T10:00");
	g_assert_cmpuint(h_count_mail(h, "safety_alert", NULL), ==, 0);
	h_deliver(h, "chair-line",
	          "From: Dr Ffion Testwood <" H_CHAIR ">\nTo: safeguarding@council.example\n"
	          "Subject: [" H_REF "] note\nMessage-ID: <c1@chairs.example.org>\n\n"
	          "Hello,\n\n  " SAFETY_LINE "\n\nFfion\n");
	h_poll_flush(h, "2026-11-24T10:05");
	g_assert_cmpuint(h_count_mail(h, "safety_alert", COORD), ==, 1);
	g_assert_cmpuint(h_count_mail(h, "safety_alert", LSM), ==, 1);
	g_assert_cmpuint(h_audit_count(h, H_REF, "safety.alert"), ==, 1);
}

static void test_no_roles_falls_back(void)
{
	/* Neither manager named (the shipped rules need the coordinator and the lead
	 * safeguarding manager, so those two are): the alert goes as before, and when nobody
	 * acknowledges, admin is told, once, then reminded each working day. */
	g_autoptr(Harness) h = h_new(NULL);
	h_story_setup(h);
	disclosure(h);
	g_assert_cmpuint(h_count_mail(h, "safety_alert", COORD), ==, 1);
	g_assert_cmpuint(h_count_mail(h, "safety_alert", LSM), ==, 1);
	g_assert_cmpuint(h_count_mail(h, "safety_alert", NULL), ==, 2);
	h_tick_flush(h, "2026-11-29T00:05");
	g_assert_cmpuint(h_count_mail(h, "safety_escalated", ADMIN), ==, 1);
	g_assert_cmpuint(h_count_mail(h, "safety_escalated", NULL), ==, 1);
	h_tick_flush(h, "2026-11-30T09:05");
	g_assert_cmpuint(h_count_mail(h, "safety_open", ADMIN), ==, 1);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/safety/forged-acknowledgement-acknowledges-nothing",
	                test_forged_acknowledgement_acknowledges_nothing);
	g_test_add_func("/safety/alert-reaches-coordinator-and-lsm-saturday-night",
	                test_alert_reaches_coordinator_and_lsm_saturday_night);
	g_test_add_func("/safety/coordinator-reply-acknowledges", test_coordinator_reply_acknowledges);
	g_test_add_func("/safety/silence-tells-managers-and-stays-open",
	                test_silence_tells_managers_and_stays_open);
	g_test_add_func("/safety/out-of-office-tells-managers-at-once",
	                test_out_of_office_tells_managers_at_once);
	g_test_add_func("/safety/unthreaded-out-of-office-found-by-address",
	                test_unthreaded_out_of_office_found_by_address);
	g_test_add_func("/safety/endless-address-still-read-for-safety",
	                test_endless_address_still_read_for_safety);
	g_test_add_func("/safety/safety-line-from-chair", test_safety_line_from_chair);
	g_test_add_func("/safety/no-roles-falls-back", test_no_roles_falls_back);
	return g_test_run();
}
