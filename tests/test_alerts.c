/* Alerts that must reach a person: immediate-safety words in any message, whatever chaser
 * makes of it otherwise (automatic, a bounce of nothing ours, unreadable), and triage alerts
 * that a flood of junk from one sender cannot hide. */
#include <glib.h>
#include <string.h>

#include "support/harness.h"

#define ADMIN "cp.admin@council.example"
#define COORDINATOR "cp.coordinator@council.example"
#define T "2026-11-24T10:00"

static void poll_flush(Harness *h, const char *now)
{
	g_assert_cmpint(h_run(h, now, "poll", NULL), ==, 0);
	g_assert_cmpint(h_run(h, now, "flush", NULL), ==, 0);
}

typedef struct {
	const char *name;
	const char *headers; /* what makes the message what it is */
	const char *body;
	const char *seen_in; /* the alert says where the words were seen */
} Shape;

static const Shape shapes[] = {
	{ "list-id", "List-Id: <families.lists.example.org>\r\nPrecedence: list\r\n",
	  "Forwarded to the list: the mother says the children are in immediate danger tonight.",
	  "looks automatic" },
	{ "auto-forwarded", "Auto-Submitted: auto-forwarded\r\n",
	  "Teacher's note: Jo told me she is not safe tonight at home.", "looks automatic" },
	{ "out-of-office", "Auto-Submitted: auto-replied\r\nX-Autoreply: yes\r\n",
	  "I am out of the office. URGENT: if a child is in immediate danger call the police.",
	  "looks automatic" },
	{ "bounce-of-nothing-ours",
	  "Content-Type: multipart/report; report-type=delivery-status; boundary=\"b1\"\r\n",
	  NULL, "delivery report" },
};

/* Each shape with safety words alerts the coordinator, and the alert says the message looked
 * automatic (or was a report of nothing of ours), so nobody mistakes it for a first-hand
 * disclosure or ignores it as noise. */
static void test_safety_words_in_any_class(gconstpointer data)
{
	const Shape *s = data;
	g_autoptr(Harness) h = h_new(NULL);
	h_story_setup(h);
	g_autofree char *body = NULL;
	if (s->body) {
		body = g_strdup_printf("Content-Type: text/plain; charset=utf-8\r\n\r\n%s\r\n", s->body);
	} else {
		body = g_strdup(
			"\r\n--b1\r\nContent-Type: text/plain\r\n\r\nThe message below could not be "
			"delivered.\r\n--b1\r\nContent-Type: message/delivery-status\r\n\r\n"
			"Reporting-MTA: dns; mx.elsewhere.example.net\r\n\r\nFinal-Recipient: rfc822; "
			"x@elsewhere.example.net\r\nAction: failed\r\nStatus: 5.1.1\r\n\r\n--b1\r\n"
			"Content-Type: text/plain\r\n\r\nHe hit her again and she is in immediate danger.\r\n"
			"--b1--\r\n");
	}
	const char *from = s->body ? "Northshire Families <list@lists.example.org>"
	                           : "Mail Delivery System <MAILER-DAEMON@mx.elsewhere.example.net>";
	g_autofree char *m = g_strdup_printf(
		"From: %s\r\nTo: safeguarding@council.example\r\nSubject: [" H_REF "] note\r\n"
		"Message-ID: <%s@lists.example.org>\r\nDate: Tue, 24 Nov 2026 09:55:00 +0000\r\n"
		"MIME-Version: 1.0\r\n%s%s",
		from, s->name, s->headers, body);
	h_deliver(h, s->name, m);
	poll_flush(h, T);
	g_assert_cmpuint(h_count_mail(h, "safety_alert", COORDINATOR), ==, 1);
	g_autofree char *alert = h_mail(h, "safety_alert", COORDINATOR);
	g_autofree char *text = h_body(alert);
	if (!strstr(text, s->seen_in))
		g_error("the alert does not say '%s':\n%s", s->seen_in, text);
	/* And it is not answered: no robot is talked to. */
	g_assert_cmpuint(h_count_mail(h, "not_understood", NULL), ==, 0);
	g_assert_cmpuint(h_count_mail(h, "transcript", NULL), ==, 0);
}

/* A message too large for the config's limit is not parsed, yet its words still alert. */
static void test_safety_words_in_a_message_over_the_limit(void)
{
	g_autoptr(Harness) h = h_new("[limits]\nmax_message_size = 4096\n");
	h_story_setup(h);
	g_autoptr(GString) m = g_string_new(
		"From: Pat Doe <pat.doe@elsewhere.example.org>\r\nTo: safeguarding@council.example\r\n"
		"Subject: please read\r\nMessage-ID: <big-1@elsewhere.example.org>\r\n"
		"Content-Type: text/plain; charset=utf-8\r\n\r\n"
		"The boy said he is not safe tonight and asked me to tell someone.\r\n");
	while (m->len < 20000)
		g_string_append(m, "Some more of the long letter that follows, line after line.\r\n");
	h_deliver(h, "big-1", m->str);
	poll_flush(h, T);
	g_assert_cmpuint(h_count_mail(h, "safety_alert", COORDINATOR), ==, 1);
	g_autofree char *alert = h_mail(h, "safety_alert", COORDINATOR);
	g_autofree char *text = h_body(alert);
	g_assert_nonnull(strstr(text, "too large to take in"));
	g_autoptr(JsonNode) t = h_json(h, NULL, "triage", NULL);
	g_assert_cmpuint(json_array_get_length(json_node_get_array(t)), ==, 1);
}

/* Our own safety alert bounced back repeats the words: it must not alert again (no loop). */
static void test_bounce_of_our_alert_does_not_alert_again(void)
{
	g_autoptr(Harness) h = h_new(NULL);
	h_story_setup(h);
	h_deliver(h, "first",
	          "From: Pat Doe <pat.doe@elsewhere.example.org>\r\nTo: safeguarding@council.example\r\n"
	          "Subject: worried\r\nMessage-ID: <first@elsewhere.example.org>\r\n\r\n"
	          "I think the baby is in immediate danger.\r\n");
	poll_flush(h, T);
	g_assert_cmpuint(h_count_mail(h, "safety_alert", COORDINATOR), ==, 1);
	g_autofree char *alert = h_mail(h, "safety_alert", COORDINATOR);
	g_autofree char *id = h_msgid(alert);
	g_autofree char *bounce = g_strdup_printf(
		"From: MAILER-DAEMON@council.example\r\nTo: safeguarding@council.example\r\n"
		"Subject: Undelivered Mail Returned to Sender\r\nMessage-ID: <b-1@council.example>\r\n"
		"MIME-Version: 1.0\r\nContent-Type: multipart/report; report-type=delivery-status; "
		"boundary=\"b1\"\r\n\r\n--b1\r\nContent-Type: text/plain\r\n\r\nnot delivered\r\n"
		"--b1\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; "
		"mx.council.example\r\n\r\nFinal-Recipient: rfc822; " COORDINATOR "\r\n"
		"Action: failed\r\nStatus: 5.2.2\r\n\r\n--b1\r\nContent-Type: message/rfc822\r\n\r\n"
		"Message-ID: <%s>\r\nSubject: URGENT: possible immediate safety concern\r\n\r\n"
		"words that may mean a child is not safe now: immediate danger\r\n--b1--\r\n",
		id);
	h_deliver(h, "b-1", bounce);
	poll_flush(h, "2026-11-24T10:05");
	g_assert_cmpuint(h_count_mail(h, "safety_alert", COORDINATOR), ==, 1);
}

/* Twelve junk mails from one sender in an hour: ten alerts for them, then none, yet the
 * chair's held reply that comes next still alerts admin at once, and the two held back are
 * summed up in one digest. */
static void test_junk_flood_does_not_hide_a_held_reply(void)
{
	g_autoptr(Harness) h = h_new(NULL);
	h_story_setup(h);
	guint before = h_count_mail(h, "triage_alert", ADMIN);
	for (int i = 0; i < 12; i++) {
		g_autofree char *name = g_strdup_printf("junk-%d", i);
		g_autofree char *m = g_strdup_printf(
			"From: Offers <offers@junk.example.net>\r\nTo: safeguarding@council.example\r\n"
			"Subject: Offer number %d\r\nMessage-ID: <%s@junk.example.net>\r\n\r\n"
			"Buy now.\r\n", i, name);
		h_deliver(h, name, m);
	}
	poll_flush(h, T);
	g_assert_cmpuint(h_count_mail(h, "triage_alert", ADMIN), ==, before + 10);
	/* The chair writes without the token (from a phone's new message): held for admin. */
	h_deliver(h, "chair-held",
	          "From: " H_CHAIR "\r\nTo: safeguarding@council.example\r\n"
	          "Subject: [" H_REF "] list\r\nMessage-ID: <chair-held@chairs.example.org>\r\n"
	          "\r\nAUTHORISED\r\n");
	poll_flush(h, "2026-11-24T10:10");
	g_assert_cmpuint(h_count_mail(h, "triage_alert", ADMIN), ==, before + 11);
	g_autofree char *last = h_mail(h, "triage_alert", ADMIN);
	g_autofree char *subject = h_header(last, "Subject");
	g_assert_nonnull(strstr(subject, H_REF));
	/* The two junk alerts held back are in one digest, once. */
	g_assert_cmpint(h_run(h, "2026-11-24T10:15", "tick", NULL), ==, 0);
	g_assert_cmpint(h_run(h, "2026-11-24T10:15", "flush", NULL), ==, 0);
	g_assert_cmpuint(h_count_mail(h, "triage_digest", ADMIN), ==, 1);
	g_autofree char *digest = h_mail(h, "triage_digest", ADMIN);
	g_autofree char *body = h_body(digest);
	g_assert_nonnull(strstr(body, "2  from offers@junk.example.net"));
	g_assert_null(strstr(body, H_CHAIR));
	g_assert_cmpint(h_run(h, "2026-11-24T10:20", "tick", NULL), ==, 0);
	g_assert_cmpint(h_run(h, "2026-11-24T12:20", "tick", NULL), ==, 0);
	g_assert_cmpint(h_run(h, "2026-11-24T12:20", "flush", NULL), ==, 0);
	g_assert_cmpuint(h_count_mail(h, "triage_digest", ADMIN), ==, 1);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	for (guint i = 0; i < G_N_ELEMENTS(shapes); i++) {
		g_autofree char *p = g_strdup_printf("/alerts/safety/any-class/%s", shapes[i].name);
		g_test_add_data_func(p, &shapes[i], test_safety_words_in_any_class);
	}
	g_test_add_func("/alerts/safety/over-the-size-limit",
	                test_safety_words_in_a_message_over_the_limit);
	g_test_add_func("/alerts/safety/bounce-of-our-alert-no-loop",
	                test_bounce_of_our_alert_does_not_alert_again);
	g_test_add_func("/alerts/triage/junk-flood-does-not-hide-a-held-reply",
	                test_junk_flood_does_not_hide_a_held_reply);
	return g_test_run();
}
