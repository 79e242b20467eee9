/* Quoted text found by what chaser itself sent.
 *
 * First the module alone (message/quoted.h): which lines of a reply reproduce a sent mail.
 * Then the real binary: the chair answers chaser's real distribution-list mail (captured
 * from the spool) in each quote style mail clients use that the marker rules once missed:
 * tab-indented (bsd-mailx, s-nail, GNU mail), a bare or bordered <blockquote> (Mail.ru,
 * Yandex), Hotmail's stopSpelling block, Windows Mail in Russian, Outlook in Swedish, a
 * Swedish "Den ... skrev ...:" attribution, the original pasted with no header at all, and
 * re-wrapped at 72 columns. The list's own example line, "ESCALATE 3 no_report,
 * report_late: nothing arrived before the conference", sits in every quoted part: it must
 * never act, while what the chair typed above it does.
 */
#include <string.h>
#include <gmime/gmime.h>

#include "message/message.h"
#include "message/quoted.h"
#include "message/reply.h"
#include "support/harness.h"

/* ---- the module ---- */

static const char *const sent_mail =
	"Dear Dr Testwood,\n"
	"\n"
	"Here is the distribution list for conference CP-2026-0042, held on Friday\n"
	"20 November 2026. Please check it and reply to this email.\n"
	"\n"
	"To authorise the list, reply with this word on a line of its own:\n"
	"\n"
	"  AUTHORISED\n"
	"\n"
	"  ESCALATE 3 no_report, report_late: nothing arrived before the conference\n"
	"\n"
	"If nobody needs escalating you may also write NO ESCALATION.\n"
	"\n"
	"Conference Support Team\n";

/* The lines of `reply` flagged quoted, as a string of 'q' and '.' (one a line). */
static char *flags(const char *reply)
{
	const char *sent[] = { sent_mail, NULL };
	guint n = 0;
	g_autofree gboolean *q = ch_quoted_lines(reply, sent, &n);
	GString *s = g_string_new(NULL);
	for (guint i = 0; i < n; i++)
		g_string_append_c(s, q[i] ? 'q' : '.');
	return g_string_free(s, FALSE);
}

typedef struct {
	const char *name;
	const char *reply;
	const char *expect; /* one flag a line (a final newline leaves an empty last line) */
} FlagCase;

static const FlagCase flag_cases[] = {
	/* The example alone, typed or pasted, is quoted wherever it stands. */
	{ "example-alone", "ESCALATE 3 no_report, report_late: nothing arrived before the conference",
	  "q" },
	{ "example-other-case-and-spacing",
	  "escalate   3 NO_REPORT , report_late : Nothing arrived before the conference.", "q" },
	/* Typed above an unmarked copy: AUTHORISED comes after "Dear ..." in the sent mail, so
	 * it is not part of the copy; the copy is. */
	{ "typed-above-unmarked-copy",
	  "AUTHORISED\n\nDear Dr Testwood,\n\nHere is the distribution list for conference "
	  "CP-2026-0042, held on Friday\n20 November 2026. Please check it and reply to this email.\n"
	  "\nTo authorise the list, reply with this word on a line of its own:\n\n  AUTHORISED\n",
	  "..qqqqqqqq." },
	/* Re-wrapped: the short tails ("email.", "own:") follow on from the line above. */
	{ "rewrapped",
	  "ESCALATE 2 no_report: nothing from the school\n"
	  "> Here is the distribution list for conference CP-2026-0042, held on\n"
	  "> Friday 20 November 2026. Please check it and reply to this\n"
	  "> email.\n"
	  "> To authorise the list, reply with this word on a line of its\n"
	  "> own:\n",
	  ".qqqqq." },
	/* Any prefix: tab, '|', "> >", NBSP. */
	{ "prefixes",
	  "\tTo authorise the list, reply with this word on a line of its own:\n"
	  "| If nobody needs escalating you may also write NO ESCALATION.\n"
	  "> > ESCALATE 3 no_report, report_late: nothing arrived before the conference\n"
	  "\xc2\xa0\xc2\xa0" "Conference Support Team but more words here than that\n",
	  "qqq.." },
	/* A short line typed under a '>' quote is the person's own, even where the quote's
	 * next line would be the same words: the prefixes differ. */
	{ "typed-under-marked-quote",
	  "> To authorise the list, reply with this word on a line of its own:\n>\n"
	  "AUTHORISED\n",
	  "q..." },
	/* ... and the same words inside an unmarked copy, in their place, are quoted. */
	{ "short-line-inside-copy",
	  "To authorise the list, reply with this word on a line of its own:\n\nAUTHORISED\n\n"
	  "ESCALATE 3 no_report, report_late: nothing arrived before the conference\n",
	  "qqqqq." },
	/* Words of the sent mail in another order, or a command built from its pieces, are
	 * the person's own. */
	{ "own-words",
	  "ESCALATE 3 no_report: nothing arrived\nNO ESCALATION\nthe conference arrived before "
	  "nothing",
	  "..." },
	{ "nothing-sent-matches", "Thanks, I will look at this tomorrow.\n\nFfion", "..." },
	/* A line in ASCII and the same words in fullwidth letters or with a ligature are the
	 * same words (NFKC): a client's odd characters do not make a quoted example typed. */
	{ "fullwidth-example",
	  "\xef\xbc\xa5\xef\xbc\xb3\xef\xbc\xa3\xef\xbc\xa1\xef\xbc\xac\xef\xbc\xa1"
	  "\xef\xbc\xb4\xef\xbc\xa5 3 no_report, report_late: nothing arrived before the "
	  "conference\n"
	  "I\xef\xac\x81nd it: ESCALATE 3 no_report, report_late: nothing arrived before the "
	  "conference",
	  "q." },
	/* A paragraph a client joined into one line of over 256 characters is still a copy. */
	{ "joined-long-line",
	  "AUTHORISED\n\nDear Dr Testwood, Here is the distribution list for conference "
	  "CP-2026-0042, held on Friday 20 November 2026. Please check it and reply to this email. "
	  "To authorise the list, reply with this word on a line of its own: AUTHORISED ESCALATE 3 "
	  "no_report, report_late: nothing arrived before the conference If nobody needs "
	  "escalating you may also write NO ESCALATION.\n",
	  "..q." },
};

static void test_flags(gconstpointer data)
{
	const FlagCase *c = data;
	g_autofree char *got = flags(c->reply);
	g_assert_cmpstr(got, ==, c->expect);
}

static void test_strip(void)
{
	const char *sent[] = { sent_mail, NULL };
	g_autofree char *out = ch_quoted_strip(
		"AUTHORISED\nESCALATE 2 no_report: nothing came\n\nDear Dr Testwood,\n\n"
		"  ESCALATE 3 no_report, report_late: nothing arrived before the conference\n\n"
		"Conference Support Team\n",
		sent);
	/* The example goes; the short lines around it stay, since the copy skips what lies
	 * between them in the sent mail (short lines join a run only where they follow on). */
	g_assert_cmpstr(out, ==, "AUTHORISED\nESCALATE 2 no_report: nothing came\n\nDear Dr "
	                         "Testwood,\n\nConference Support Team");
	/* Nothing quoted: the text comes back as it was, byte for byte. */
	g_autofree char *same = ch_quoted_strip("AUTHORISED\n\n", sent);
	g_assert_cmpstr(same, ==, "AUTHORISED\n\n");
	/* No sent mail: nothing is quoted. */
	g_autofree char *none = ch_quoted_strip(sent_mail, NULL);
	g_assert_cmpstr(none, ==, sent_mail);
	/* Invalid UTF-8 in either is repaired, not trusted. */
	const char *bad_sent[] = { "caf\xe9 ESCALATE 3 no_report, report_late: nothing arrived", NULL };
	g_autofree char *bad = ch_quoted_strip("ESCALATE 3 no_report, report_late: nothing arrived\n"
	                                       "ok \xff\n",
	                                       bad_sent);
	g_assert_cmpstr(bad, ==, "ok \xff");
}

/* A long reply costs about a lookup a word, not a pass over the sent mail a line. */
static void test_large_reply(void)
{
	const char *sent[] = { sent_mail, NULL };
	GString *big = g_string_new("AUTHORISED\n");
	for (guint i = 0; i < 200000; i++)
		g_string_append(big, "the the the the the the the the conference\n");
	for (guint i = 0; i < 200000; i++)
		g_string_append(big, "conference\n\n\n\n\n");
	g_string_append(big, "Dear Dr Testwood,\n");
	g_autofree char *out = ch_quoted_strip(big->str, sent);
	g_assert_true(g_str_has_prefix(out, "AUTHORISED\nthe the"));
	g_assert_true(g_str_has_suffix(out, "conference\n\n\n\n\nDear Dr Testwood,\n"));
	g_string_free(big, TRUE);
}

/* ---- the client's markers (the second signal) ---- */

typedef struct {
	const char *name;
	gboolean html;
	const char *body;
	const char *expect; /* the reply's own text */
} MarkerCase;

static const MarkerCase marker_cases[] = {
	{ "outlook-swedish", FALSE,
	  "AUTHORISED\n\nFrån: Safeguarding <s@council.example>\nSkickat: den 24 november 2026 "
	  "09:30\nTill: Ffion <f@chairs.example.org>\nÄmne: list\n\nESCALATE 3 other: x\n",
	  "AUTHORISED" },
	{ "outlook-norwegian", FALSE,
	  "AUTHORISED\n\nFra: Safeguarding <s@council.example>\nSendt: 24. november 2026 09:30\n"
	  "Til: Ffion\nEmne: list\n\nESCALATE 3 other: x\n",
	  "AUTHORISED" },
	{ "outlook-polish", FALSE,
	  "AUTHORISED\n\nOd: Safeguarding <s@council.example>\nWysłano: wtorek, 24 listopada "
	  "2026 09:30\nDo: Ffion\nTemat: list\n\nESCALATE 3 other: x\n",
	  "AUTHORISED" },
	{ "windows-mail-russian", FALSE,
	  "AUTHORISED\n\nОт: Safeguarding\nОтправлено: 24 ноября 2026 г. в 9:30\nКому: Ffion\n"
	  "Тема: list\n\nESCALATE 3 other: x\n",
	  "AUTHORISED" },
	{ "hotmail-date-first", FALSE,
	  "AUTHORISED\n\nDate: Tue, 24 Nov 2026 09:30:00 +0000\nFrom: s@council.example\n"
	  "To: f@chairs.example.org\nSubject: list\n\nESCALATE 3 other: x\n",
	  "AUTHORISED" },
	{ "den-skrev", FALSE,
	  "AUTHORISED\n\nDen 24 nov. 2026 kl. 09:30 skrev Safeguarding <s@council.example>:\n\n"
	  "ESCALATE 3 other: x\n",
	  "AUTHORISED" },
	{ "napisal-gmail-polish", FALSE,
	  "AUTHORISED\n\nwt., 24 lis 2026 o 09:30 Safeguarding <s@council.example> napisał(a):\n\n"
	  "ESCALATE 3 other: x\n",
	  "AUTHORISED" },
	{ "napisal-russian", FALSE,
	  "AUTHORISED\n\n24.11.2026 9:30, Safeguarding написал(а):\n\nESCALATE 3 other: x\n",
	  "AUTHORISED" },
	{ "ysgrifennodd", FALSE,
	  "AUTHORISED\n\nDydd Mawrth 24 Tach 2026, Safeguarding <s@council.example> "
	  "ysgrifennodd:\n\nESCALATE 3 other: x\n",
	  "AUTHORISED" },
	{ "tab-indented", FALSE,
	  "AUTHORISED\n\n\tDear Dr Testwood,\n\n\t  ESCALATE 3 other: x\n\tConference Support\n",
	  "AUTHORISED" },
	/* A tab inside the person's own text, with their words after it, is theirs. */
	{ "tab-inside-own-text", FALSE, "AUTHORISED\n\tESCALATE 2 other: x\n\tand more\nFfion",
	  "AUTHORISED\n\tESCALATE 2 other: x\n\tand more\nFfion" },
	{ "hotmail-stopspelling", TRUE,
	  "<div>AUTHORISED</div><hr id=\"stopSpelling\">Date: today<br>From: s@council.example"
	  "<br><br>ESCALATE 3 other: x",
	  "AUTHORISED" },
	{ "mailru-bordered-blockquote", TRUE,
	  "<div>AUTHORISED</div><blockquote style=\"border-left:1px solid #0857A6\">"
	  "<div>ESCALATE 3 other: x</div></blockquote><div>Ffion</div>",
	  "AUTHORISED\nFfion" },
	{ "yandex-trailing-blockquote", TRUE,
	  "<div>AUTHORISED</div><div>24.11.2026, 09:30, Safeguarding:</div>"
	  "<blockquote><div>ESCALATE 3 other: x</div></blockquote>",
	  "AUTHORISED\n24.11.2026, 09:30, Safeguarding:" },
	/* A bare blockquote with the person's words after it may be their own indenting. */
	{ "blockquote-inside-own-text", TRUE,
	  "<div>AUTHORISED</div><blockquote>ESCALATE 2 other: x</blockquote><div>Ffion</div>",
	  "AUTHORISED\nESCALATE 2 other: x\nFfion" },
};

static void test_marker(gconstpointer data)
{
	const MarkerCase *c = data;
	g_autofree char *text = c->html ? ch_html_to_text(c->body, TRUE) : g_strdup(c->body);
	g_autofree char *own = ch_reply_extract(text);
	g_assert_cmpstr(own, ==, c->expect);
}

/* ---- the real binary ---- */

/* A mail chaser really sent, as the reader's client shows it (decoded by the parser). */
static char *mail_text(const char *path)
{
	g_autofree char *raw = NULL;
	gsize len = 0;
	g_assert_true(g_file_get_contents(path, &raw, &len, NULL));
	g_autoptr(ChMessage) m = ch_message_parse((const guint8 *)raw, len, NULL, NULL);
	g_assert_nonnull(m);
	return g_strdup(m->body_text);
}

static char *prefixed(const char *text, const char *prefix)
{
	char **lines = g_strsplit(text, "\n", -1);
	GString *s = g_string_new(NULL);
	for (char **l = lines; *l; l++)
		g_string_append_printf(s, "%s%s\n", prefix, *l);
	g_strfreev(lines);
	return g_string_free(s, FALSE);
}

/* Each line re-wrapped at `width` columns, words kept whole, leading spaces dropped (what a
 * client's reflow does). */
static char *rewrapped(const char *text, guint width)
{
	char **lines = g_strsplit(text, "\n", -1);
	GString *s = g_string_new(NULL);
	for (char **l = lines; *l; l++) {
		char **words = g_strsplit_set(*l, " ", -1);
		gsize col = 0;
		for (char **w = words; *w; w++) {
			if (!**w)
				continue;
			gsize n = strlen(*w);
			if (col > 0 && col + 1 + n > width) {
				g_string_append_c(s, '\n');
				col = 0;
			}
			if (col > 0) {
				g_string_append_c(s, ' ');
				col++;
			}
			g_string_append(s, *w);
			col += n;
		}
		g_string_append_c(s, '\n');
		g_strfreev(words);
	}
	g_strfreev(lines);
	return g_string_free(s, FALSE);
}

static char *html_escaped_lines(const char *text)
{
	char **lines = g_strsplit(text, "\n", -1);
	GString *s = g_string_new(NULL);
	for (char **l = lines; *l; l++) {
		g_autofree char *e = g_markup_escape_text(*l, -1);
		g_string_append_printf(s, "%s<br>\n", e);
	}
	g_strfreev(lines);
	return g_string_free(s, FALSE);
}

/* What the chair typed: two commands that must act. */
#define TYPED "AUTHORISED\nESCALATE 2 no_report: nothing came from the school\n\nFfion\n"
#define TYPED_HTML                                                                         \
	"<div>AUTHORISED</div><div>ESCALATE 2 no_report: nothing came from the school</div>" \
	"<div><br></div><div>Ffion</div>"

typedef struct {
	const char *name;
	gboolean html;
	/* The whole body, from the list mail's text. */
	char *(*body)(const char *list);
} Style;

static char *style_tab(const char *list)
{
	g_autofree char *q = prefixed(list, "\t");
	return g_strconcat(TYPED "\n", q, NULL);
}

static char *style_snail(const char *list)
{
	g_autofree char *q = prefixed(list, "\t");
	return g_strconcat(TYPED "\nSafeguarding <safeguarding@council.example> wrote:\n\n", q, NULL);
}

static char *style_mailru(const char *list)
{
	g_autofree char *q = html_escaped_lines(list);
	return g_strconcat("<html><body>" TYPED_HTML "<div><br></div>"
	                   "<div>Вторник, 24 ноября 2026, 9:30 от Safeguarding "
	                   "&lt;safeguarding@council.example&gt;:<br></div>"
	                   "<blockquote style=\"border-left:1px solid #0857A6; margin:10px; "
	                   "padding:0 0 0 10px;\"><div id=\"m1\"><div>",
	                   q, "</div></div></blockquote></body></html>", NULL);
}

static char *style_yandex(const char *list)
{
	g_autofree char *q = html_escaped_lines(list);
	return g_strconcat("<div>AUTHORISED</div><div>ESCALATE 2 no_report: nothing came from "
	                   "the school</div><div>&nbsp;</div><div>24.11.2026, 09:30, "
	                   "\"Safeguarding\" &lt;safeguarding@council.example&gt;:</div>"
	                   "<blockquote>",
	                   q, "</blockquote><div>&nbsp;</div><div>-- <br>Ffion</div>", NULL);
}

static char *style_hotmail(const char *list)
{
	g_autofree char *q = html_escaped_lines(list);
	return g_strconcat("<html><body><div dir=\"ltr\">" TYPED_HTML "<br><br>"
	                   "<hr id=\"stopSpelling\">Date: Tue, 24 Nov 2026 09:30:00 +0000<br>"
	                   "From: safeguarding@council.example<br>To: ffion.testwood@chairs."
	                   "example.org<br>Subject: [CP-2026-0042] Distribution list for "
	                   "authorisation<br><br>",
	                   q, "</div></body></html>", NULL);
}

static char *style_windows_ru(const char *list)
{
	return g_strconcat(TYPED "\nОтправлено из Почты для Windows\n\n"
	                   "От: Safeguarding\nОтправлено: 24 ноября 2026 г. в 9:30\n"
	                   "Кому: Dr Ffion Testwood\nТема: [CP-2026-0042] Distribution list for "
	                   "authorisation\n\n",
	                   list, NULL);
}

static char *style_outlook_sv(const char *list)
{
	return g_strconcat(TYPED "\n________________________________\n"
	                   "Från: Safeguarding <safeguarding@council.example>\n"
	                   "Skickat: den 24 november 2026 09:30\n"
	                   "Till: Ffion Testwood <ffion.testwood@chairs.example.org>\n"
	                   "Ämne: [CP-2026-0042] Distribution list for authorisation\n\n",
	                   list, NULL);
}

static char *style_den_skrev(const char *list)
{
	return g_strconcat(TYPED "\nDen 24 nov. 2026 kl. 09:30 skrev Safeguarding "
	                   "<safeguarding@council.example>:\n\n",
	                   list, NULL);
}

static char *style_plain(const char *list)
{
	return g_strconcat(TYPED "\n", list, NULL);
}

static char *style_rewrapped(const char *list)
{
	g_autofree char *w = rewrapped(list, 72);
	return g_strconcat(TYPED "\n", w, NULL);
}

static char *style_rewrapped_narrow(const char *list)
{
	/* A phone's narrow reflow: the example line broken into short pieces. */
	g_autofree char *w = rewrapped(list, 24);
	return g_strconcat(TYPED "\n", w, NULL);
}

static const Style styles[] = {
	{ "tab-bsd-mailx", FALSE, style_tab },
	{ "tab-s-nail", FALSE, style_snail },
	{ "mailru-blockquote", TRUE, style_mailru },
	{ "yandex-bare-blockquote", TRUE, style_yandex },
	{ "hotmail-stopspelling", TRUE, style_hotmail },
	{ "windows-mail-russian", FALSE, style_windows_ru },
	{ "outlook-swedish", FALSE, style_outlook_sv },
	{ "den-skrev", FALSE, style_den_skrev },
	{ "plain-no-header", FALSE, style_plain },
	{ "rewrapped-72", FALSE, style_rewrapped },
	{ "rewrapped-24", FALSE, style_rewrapped_narrow },
};

static void deliver_reply(Harness *h, const char *list_path, gboolean html, const char *body)
{
	g_autofree char *token = h_token(list_path);
	g_autofree char *msgid = h_msgid(list_path);
	g_autofree char *mail = g_strdup_printf(
		"From: Dr Ffion Testwood <" H_CHAIR ">\n"
		"To: Safeguarding <safeguarding+%s@council.example>\n"
		"Subject: RE: [CP-2026-0042] Distribution list for authorisation\n"
		"Message-ID: <quoted-reply@chairs.example.org>\nIn-Reply-To: <%s>\nReferences: <%s>\n"
		"Date: Tue, 24 Nov 2026 09:05:00 +0000\nMIME-Version: 1.0\n"
		"Content-Type: text/%s; charset=utf-8\nContent-Transfer-Encoding: 8bit\n\n%s\n",
		token, msgid, msgid, html ? "html" : "plain", body);
	h_deliver(h, "reply.eml", mail);
}

static void test_style(gconstpointer data)
{
	const Style *st = data;
	g_autoptr(Harness) h = h_new(NULL);
	h_story_setup(h);
	g_autofree char *list_path = h_mail(h, "distribution_list", H_CHAIR);
	g_assert_nonnull(list_path);
	g_autofree char *list = mail_text(list_path);
	g_assert_nonnull(strstr(list, "  ESCALATE 3 no_report, report_late: nothing arrived before "
	                              "the conference\n"));
	g_autofree char *body = st->body(list);
	g_assert_nonnull(strstr(body, "ESCALATE 3"));
	deliver_reply(h, list_path, st->html, body);
	g_assert_cmpint(h_run(h, "2026-11-24T09:10", "poll", NULL), ==, 0);
	g_assert_cmpint(h_run(h, "2026-11-24T09:10", "flush", NULL), ==, 0);

	g_autoptr(JsonNode) show = h_json(h, "2026-11-24T09:11", "show", H_REF, NULL);
	JsonObject *o = json_node_get_object(show);
	/* The example never acts: nobody on line 3 is escalated. */
	g_assert_null(h_escalation(show, 3));
	/* What the chair typed does. */
	g_assert_cmpstr(h_str(o, "state"), ==, "authorised");
	JsonObject *e2 = h_escalation(show, 2);
	g_assert_nonnull(e2);
	g_assert_cmpstr(h_str(e2, "comment"), ==, "nothing came from the school");
	g_assert_cmpuint(json_array_get_length(json_object_get_array_member(o, "escalations")), ==,
	                 1);
	g_assert_cmpuint(h_count_mail(h, "escalation", H_SCHOOL_SLO), ==, 1);
	g_assert_cmpuint(h_count_mail(h, "escalation", "safeguarding.lead@health.example.org"), ==,
	                 0);
}

/* The escalation mail's own examples ("RESOLVED: what was agreed or done") are quoted too:
 * an SLO's holding answer above an unmarked copy is a response, never a resolution. */
static void test_slo_example_never_resolves(void)
{
	g_autoptr(Harness) h = h_new(NULL);
	h_story_setup(h);
	h_reply_to(h, "chair", "distribution_list", H_CHAIR, H_CHAIR,
	           "AUTHORISED\nESCALATE 2 no_report: nothing came from the school\n");
	g_assert_cmpint(h_run(h, "2026-11-24T09:10", "poll", NULL), ==, 0);
	g_assert_cmpint(h_run(h, "2026-11-24T09:10", "flush", NULL), ==, 0);
	g_autofree char *esc = h_mail(h, "escalation", H_SCHOOL_SLO);
	g_assert_nonnull(esc);
	g_autofree char *text = mail_text(esc);
	g_autofree char *body = g_strconcat("We are looking into this with the head teacher.\n\n"
	                                    "Owen\n\n",
	                                    text, NULL);
	g_autofree char *token = h_token(esc);
	g_autofree char *msgid = h_msgid(esc);
	g_autofree char *mail = g_strdup_printf(
		"From: Mr Owen Pike <" H_SCHOOL_SLO ">\n"
		"To: Safeguarding <safeguarding+%s@council.example>\n"
		"Subject: RE: [CP-2026-0042] Escalation: your response is needed\n"
		"Message-ID: <slo-reply@brookfield.example.net>\nIn-Reply-To: <%s>\n"
		"Date: Wed, 25 Nov 2026 09:05:00 +0000\nMIME-Version: 1.0\n"
		"Content-Type: text/plain; charset=utf-8\n\n%s\n",
		token, msgid, body);
	h_deliver(h, "slo.eml", mail);
	g_assert_cmpint(h_run(h, "2026-11-25T09:10", "poll", NULL), ==, 0);
	g_autoptr(JsonNode) show = h_json(h, "2026-11-25T09:11", "show", H_REF, NULL);
	JsonObject *e2 = h_escalation(show, 2);
	g_assert_nonnull(e2);
	g_assert_cmpstr(h_str(e2, "state"), !=, "resolved");
	g_assert_cmpstr(h_str(e2, "state"), !=, "unresolved");
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_mime_init();
	for (gsize i = 0; i < G_N_ELEMENTS(flag_cases); i++) {
		g_autofree char *path = g_strdup_printf("/quoted/lines/%s", flag_cases[i].name);
		g_test_add_data_func(path, &flag_cases[i], test_flags);
	}
	g_test_add_func("/quoted/strip", test_strip);
	for (gsize i = 0; i < G_N_ELEMENTS(marker_cases); i++) {
		g_autofree char *path = g_strdup_printf("/quoted/markers/%s", marker_cases[i].name);
		g_test_add_data_func(path, &marker_cases[i], test_marker);
	}
	g_test_add_func("/quoted/large-reply", test_large_reply);
	for (gsize i = 0; i < G_N_ELEMENTS(styles); i++) {
		g_autofree char *path = g_strdup_printf("/quoted/list-example/%s", styles[i].name);
		g_test_add_data_func(path, &styles[i], test_style);
	}
	g_test_add_func("/quoted/slo-example-never-resolves", test_slo_example_never_resolves);
	return g_test_run();
}
