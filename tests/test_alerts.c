/* Alerts that must reach a person: immediate-safety words in any message, whatever chaser
 * makes of it otherwise (automatic, a bounce of nothing ours, unreadable), and triage alerts
 * that a flood of junk from one sender cannot hide. */
#include <glib.h>
#include <glib/gstdio.h>
#include <string.h>

#include "engine/phrases.h"
#include "support/harness.h"

#define ADMIN "cp.admin@council.example"
#define COORDINATOR "cp.coordinator@council.example"
#define T "2026-11-24T10:00"

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
	h_poll_flush(h, T);
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
	h_poll_flush(h, T);
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
	h_poll_flush(h, T);
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
	h_poll_flush(h, "2026-11-24T10:05");
	g_assert_cmpuint(h_count_mail(h, "safety_alert", COORDINATOR), ==, 1);
}

/* tpl with every "{i}" replaced by i. */
static char *with_i(const char *tpl, int i)
{
	GString *out = g_string_new(tpl);
	g_autofree char *n = g_strdup_printf("%d", i);
	g_string_replace(out, "{i}", n, 0);
	return g_string_free(out, FALSE);
}

/* n mails into the Maildir, named PREFIX-i; from and subject may hold {i}. */
static void deliver_flood(Harness *h, const char *prefix, int n, const char *from,
                          const char *subject, const char *extra_headers)
{
	for (int i = 0; i < n; i++) {
		g_autofree char *name = g_strdup_printf("%s-%d", prefix, i);
		g_autofree char *f = with_i(from, i);
		g_autofree char *subj = with_i(subject, i);
		g_autofree char *m = g_strdup_printf(
			"From: %s\r\nTo: safeguarding@council.example\r\n%sSubject: %s\r\n"
			"Message-ID: <%s@flood.example.net>\r\n\r\nHello.\r\n",
			f, extra_headers ? extra_headers : "", subj, name);
		h_deliver(h, name, m);
	}
}

/* The chair writes afresh, without the token (from a phone's new message): held for admin. */
static void deliver_chair_without_token(Harness *h)
{
	h_deliver(h, "chair-held",
	          "From: " H_CHAIR "\r\nTo: safeguarding@council.example\r\n"
	          "Subject: [" H_REF "] list\r\nMessage-ID: <chair-held@chairs.example.org>\r\n"
	          "\r\nAUTHORISED\r\n");
}

/* Twelve junk mails from one sender in an hour: ten alerts for them, then none, yet the
 * chair's held reply that comes next still alerts admin at once, and the two held back are
 * summed up in one digest. */
static void test_junk_flood_does_not_hide_a_held_reply(void)
{
	g_autoptr(Harness) h = h_new(NULL);
	h_story_setup(h);
	guint before = h_count_mail(h, "triage_alert", ADMIN);
	deliver_flood(h, "junk", 12, "Offers <offers@junk.example.net>", "Offer number {i}", NULL);
	h_poll_flush(h, T);
	g_assert_cmpuint(h_count_mail(h, "triage_alert", ADMIN), ==, before + 10);
	deliver_chair_without_token(h);
	h_poll_flush(h, "2026-11-24T10:10");
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

/* Person mail as people send it: the words in the subject only, wrapped across a line, in a
 * second text part, in a base64 .txt attachment, in a forwarded message; from the shared
 * mailbox's own address; unreadable (too many header lines) with a base64 body. */
typedef struct {
	const char *name;
	const char *from;
	const char *subject;
	const char *rest; /* headers after Subject, blank line, body */
} Person;

static const Person people[] = {
	{ "subject-only", "pat.doe@elsewhere.example.org", "child not safe tonight",
	  "\r\nPlease call me back.\r\n" },
	{ "wrapped-line", "pat.doe@elsewhere.example.org", "worried",
	  "\r\nI think she is in immediate\r\ndanger at home.\r\n" },
	{ "second-text-part", "pat.doe@elsewhere.example.org", "photos",
	  "MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"m\"\r\n\r\n--m\r\n"
	  "Content-Type: text/plain\r\n\r\nSee the picture.\r\n--m\r\nContent-Type: image/png\r\n"
	  "Content-Transfer-Encoding: base64\r\n\r\niVBORw0KGgo=\r\n--m\r\n"
	  "Content-Type: text/plain\r\n\r\nShe said she is not safe tonight.\r\n--m--\r\n" },
	{ "txt-attachment-base64", "pat.doe@elsewhere.example.org", "notes",
	  "MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"m\"\r\n\r\n--m\r\n"
	  "Content-Type: text/plain\r\n\r\nNotes attached.\r\n--m\r\n"
	  "Content-Type: text/plain; name=\"notes.txt\"\r\nContent-Disposition: attachment; "
	  "filename=\"notes.txt\"\r\nContent-Transfer-Encoding: base64\r\n\r\n"
	  "Q2hpbGQgZGlzY2xvc2VkIGFidXNlIHRvZGF5Lg==\r\n--m--\r\n" },
	{ "forwarded-message", "pat.doe@elsewhere.example.org", "Fwd: from the school",
	  "MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"m\"\r\n\r\n--m\r\n"
	  "Content-Type: text/plain\r\n\r\nSee below.\r\n--m\r\nContent-Type: message/rfc822\r\n\r\n"
	  "From: teacher@school.example.org\r\nSubject: Jo\r\n\r\nJo is not safe tonight.\r\n"
	  "--m--\r\n" },
	{ "from-the-shared-mailbox", "safeguarding@council.example", "phone message",
	  "\r\nNeighbour rang: the child is not safe tonight.\r\n" },
};

static void test_safety_words_where_people_put_them(gconstpointer data)
{
	const Person *p = data;
	g_autoptr(Harness) h = h_new(NULL);
	h_story_setup(h);
	g_autofree char *m = g_strdup_printf("From: %s\r\nTo: safeguarding@council.example\r\n"
	                                     "Message-ID: <%s@elsewhere.example.org>\r\n"
	                                     "Subject: %s\r\n%s",
	                                     p->from, p->name, p->subject, p->rest);
	h_deliver(h, p->name, m);
	h_poll_flush(h, T);
	g_assert_cmpuint(h_count_mail(h, "safety_alert", COORDINATOR), ==, 1);
	g_autoptr(JsonNode) t = h_json(h, NULL, "triage", NULL);
	g_assert_cmpuint(json_array_get_length(json_node_get_array(t)), ==, 1);
}

/* Over the header-line limit, so not parsed; its base64 body still read for the words. */
static void test_safety_words_in_unreadable_base64(void)
{
	g_autoptr(Harness) h = h_new(NULL);
	h_story_setup(h);
	g_autoptr(GString) m = g_string_new("From: pat.doe@elsewhere.example.org\r\n"
	                                    "Subject: hops\r\n");
	for (int i = 0; i < 1200; i++)
		g_string_append_printf(m, "X-Trace-%d: hop\r\n", i);
	g_autofree char *b64 = g_base64_encode((const guchar *)"She is in immediate danger.\n", 28);
	g_string_append_printf(m, "Content-Transfer-Encoding: base64\r\n\r\n%s\r\n", b64);
	h_deliver(h, "hops", m->str);
	h_poll_flush(h, T);
	g_assert_cmpuint(h_count_mail(h, "safety_alert", COORDINATOR), ==, 1);
}

/* A report sent as a PDF or a scan decodes to bytes in which short words ("gun", "s 47")
 * turn up by chance, and so does base64 itself, in the attachment and in the headers:
 * binary attachments and long base64 are not read for the words, so the report of every
 * agency does not alert; a text attachment still is (the .txt person above). */
static void test_binary_attachments_raise_nothing(void)
{
	g_autoptr(Harness) h = h_new(NULL);
	h_story_setup(h);
	g_autoptr(GRand) r = g_rand_new_with_seed(47);
	/* Base64 in the headers too, split at '/' and '+' into "gun", "stab", "kill" by chance. */
	g_autoptr(GString) m = g_string_new("From: pat.doe@elsewhere.example.org\r\n"
	                                    "To: safeguarding@council.example\r\n"
	                                    "Message-ID: <CAK4x=Qm9keQ/gun+stab_Zm9vYmFyYmF6cXV4"
	                                    "@mail.elsewhere.example.org>\r\n"
	                                    "DKIM-Signature: v=1; a=rsa-sha256; d=elsewhere.example.org;\r\n"
	                                    "\tb=dGhpcyBpcyBub3QgYSByZWFsIHNp/kill+Z25hdHVyZQ/gun/s+47/Ab"
	                                    "Zm9vYmFy\r\n"
	                                    "Subject: our reports\r\n"
	                                    "Content-Type: multipart/mixed; boundary=\"s\"\r\n\r\n"
	                                    "--s\r\nContent-Type: text/plain\r\n\r\n"
	                                    "Please find our reports attached.\r\n");
	guint by_chance = 0;
	for (int k = 0; k < 4; k++) {
		g_autofree guchar *bin = g_malloc(300 * 1024);
		for (gsize i = 0; i < 300 * 1024; i++)
			bin[i] = (guchar)g_rand_int_range(r, 0, 256);
		/* The bytes, read as text, do hold phrases by chance: what the scan must not read. */
		g_autofree char *as_text = g_utf8_make_valid((const char *)bin, 300 * 1024);
		by_chance += ch_phrases_find(ch_phrases_safety, ch_phrases_routine, as_text) != NULL;
		g_autofree char *b64 = g_base64_encode(bin, 300 * 1024);
		g_string_append_printf(m, "--s\r\nContent-Type: application/pdf; name=\"r%d.pdf\"\r\n"
		                       "Content-Transfer-Encoding: base64\r\n\r\n", k);
		for (gsize at = 0, len = strlen(b64); at < len; at += 76)
			g_string_append_printf(m, "%.76s\r\n", b64 + at);
	}
	g_string_append(m, "--s--\r\n");
	g_assert_cmpuint(by_chance, >, 0);
	h_deliver(h, "scans", m->str);
	h_poll_flush(h, T);
	g_assert_cmpuint(h_count_mail(h, "safety_alert", COORDINATOR), ==, 0);
	/* Taken in (a stranger's mail: to triage), not lost. */
	g_autoptr(JsonNode) t = h_json(h, NULL, "triage", NULL);
	g_assert_cmpuint(json_array_get_length(json_node_get_array(t)), ==, 1);
}

/* A delivery report for no mail of ours goes to triage without an alert of its own, so a
 * bouncing admin mailbox cannot answer every alert with a bounce and every bounce with an
 * alert; the digest counts it. */
static void test_foreign_bounce_alerts_only_in_the_digest(void)
{
	g_autoptr(Harness) h = h_new(NULL);
	h_story_setup(h);
	guint before = h_count_mail(h, "triage_alert", ADMIN);
	for (int i = 0; i < 3; i++) {
		g_autofree char *prefix = g_strdup_printf("ndr-%d", i);
		deliver_flood(h, prefix, 1, "MAILER-DAEMON@mx.council.example",
		              "Undeliverable: A message needs a person",
		              "Return-Path: <>\r\nX-MS-Exchange-Message-Is-Ndr: \r\n");
		h_poll_flush(h, T);
	}
	g_assert_cmpuint(h_count_mail(h, "triage_alert", ADMIN), ==, before);
	g_assert_cmpint(h_run(h, "2026-11-24T10:30", "tick", NULL), ==, 0);
	g_assert_cmpint(h_run(h, "2026-11-24T10:30", "flush", NULL), ==, 0);
	g_assert_cmpuint(h_count_mail(h, "triage_digest", ADMIN), ==, 1);
}

/* A council's broken copy of the safety alert is refused at start with its line, instead of
 * failing the first alert that needs it. */
static void test_broken_council_template_refused_at_start(void)
{
	g_autoptr(Harness) h = h_new(NULL);
	g_autofree char *own = g_build_filename(h->dir, "own", NULL);
	g_assert_cmpint(g_mkdir(own, 0700), ==, 0);
	g_autofree char *bad = g_build_filename(own, "safety_alert.txt", NULL);
	g_assert_true(g_file_set_contents(bad, "# ours\nURGENT {{ref}}\n", -1, NULL));
	g_autofree char *text = NULL;
	g_assert_true(g_file_get_contents(h->conf, &text, NULL, NULL));
	g_autofree char *cwd = g_get_current_dir();
	g_autofree char *line = g_strdup_printf("templates = %s/templates\n", cwd);
	g_autoptr(GString) t = g_string_new(text);
	g_assert_cmpuint(g_string_replace(t, line, "templates = own\n", 1), ==, 1);
	g_assert_true(g_file_set_contents(h->conf, t->str, -1, NULL));
	g_assert_cmpint(h_run(h, NULL, "poll", NULL), ==, 1);
	g_autofree char *where = g_strdup_printf("%s:2: a template starts with a Subject: line", bad);
	g_assert_nonnull(strstr(h->err, where));
	g_assert_true(g_file_set_contents(h->conf, text, -1, NULL));
}

/* Forty strangers in an hour: thirty alerts (three times the limit), the rest in the digest;
 * a held reply of a conference still alerts at once. */
static void test_many_strangers_capped_held_reply_still_alerts(void)
{
	g_autoptr(Harness) h = h_new(NULL);
	h_story_setup(h);
	guint before = h_count_mail(h, "triage_alert", ADMIN);
	deliver_flood(h, "x", 40, "x+{i}@junk.example.net", "hello {i}", NULL);
	h_poll_flush(h, T);
	g_assert_cmpuint(h_count_mail(h, "triage_alert", ADMIN), ==, before + 30);
	deliver_chair_without_token(h);
	h_poll_flush(h, "2026-11-24T10:10");
	g_assert_cmpuint(h_count_mail(h, "triage_alert", ADMIN), ==, before + 31);
	g_assert_cmpint(h_run(h, "2026-11-24T10:15", "tick", NULL), ==, 0);
	g_assert_cmpint(h_run(h, "2026-11-24T10:15", "flush", NULL), ==, 0);
	g_autofree char *digest = h_mail(h, "triage_digest", ADMIN);
	g_assert_nonnull(digest);
	g_autofree char *body = h_body(digest);
	g_assert_nonnull(strstr(body, "10 message(s)"));
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
	for (guint i = 0; i < G_N_ELEMENTS(people); i++) {
		g_autofree char *p = g_strdup_printf("/alerts/safety/person/%s", people[i].name);
		g_test_add_data_func(p, &people[i], test_safety_words_where_people_put_them);
	}
	g_test_add_func("/alerts/safety/unreadable-base64-body", test_safety_words_in_unreadable_base64);
	g_test_add_func("/alerts/safety/binary-attachments-raise-nothing",
	                test_binary_attachments_raise_nothing);
	g_test_add_func("/alerts/triage/foreign-bounce-only-in-the-digest",
	                test_foreign_bounce_alerts_only_in_the_digest);
	g_test_add_func("/alerts/triage/many-strangers-capped-held-reply-still-alerts",
	                test_many_strangers_capped_held_reply_still_alerts);
	g_test_add_func("/alerts/templates/broken-council-copy-refused",
	                test_broken_council_template_refused_at_start);
	return g_test_run();
}
