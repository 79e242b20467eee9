/* test_message: how chaser reads a message -- the chair's reply from each mail client, the
 * class of every kind of automatic mail, the limits, the charsets, the attachments.
 *
 * Fixtures live in tests/data/replies/ (one chair reply per mail client, all with the same
 * three commands and the same quoted original) and tests/data/mail/ (bounces, out-of-office
 * replies, our own mail). Tests run from the repository root.
 */
#include <string.h>

#include <gmime/gmime.h>

#include "message/message.h"
#include "message/reply.h"
#include "outbound/render.h"
#include "util/error.h"

#define OWN_ADDRESS "safeguarding@council.example"

/* ---- helpers ---- */

static char *read_fixture(const char *dir, const char *name, gsize *len)
{
	char *path = g_build_filename("tests", "data", dir, name, NULL);
	char *data = NULL;
	GError *error = NULL;
	if (!g_file_get_contents(path, &data, len, &error))
		g_error("fixture %s: %s", path, error->message);
	g_free(path);
	return data;
}

static void options(ChParseOptions *o)
{
	ch_parse_options_init(o);
	o->own_address = OWN_ADDRESS;
}

static ChMessage *parse_fixture(const char *dir, const char *name)
{
	gsize len;
	char *data = read_fixture(dir, name, &len);
	ChParseOptions o;
	options(&o);
	GError *error = NULL;
	ChMessage *m = ch_message_parse((const guint8 *)data, len, &o, &error);
	g_assert_no_error(error);
	g_assert_nonnull(m);
	g_free(data);
	return m;
}

static ChMessage *parse_text(const char *text, const ChParseOptions *o, GError **error)
{
	ChParseOptions defaults;
	if (!o) {
		options(&defaults);
		o = &defaults;
	}
	return ch_message_parse((const guint8 *)text, strlen(text), o, error);
}

/* A line with its white space collapsed and trimmed, as a person would read it. */
static char *normalise_line(const char *line)
{
	GString *s = g_string_new(NULL);
	gboolean space = FALSE;
	for (const char *p = line; *p; p++) {
		if (g_ascii_isspace(*p)) {
			space = s->len > 0;
			continue;
		}
		if (space)
			g_string_append_c(s, ' ');
		space = FALSE;
		g_string_append_c(s, *p);
	}
	return g_string_free(s, FALSE);
}

static guint count_lines(const char *text, const char *want)
{
	char **lines = g_strsplit(text, "\n", -1);
	guint n = 0;
	for (char **l = lines; *l; l++) {
		char *norm = normalise_line(*l);
		n += strcmp(norm, want) == 0;
		g_free(norm);
	}
	g_strfreev(lines);
	return n;
}

static void assert_reason_contains(const GError *error, const char *what)
{
	g_assert_error((GError *)error, CH_ERROR, CH_ERROR_INPUT);
	g_assert_nonnull(strstr(error->message, what));
}

/* ---- the chair's reply, from every client ---- */

typedef struct {
	const char *file;
	gboolean has_html_alternative;
	const char *extra_line; /* a line of the reply with non-ASCII text, or NULL */
} ChairReply;

static const ChairReply chair_replies[] = {
	{ "outlook-plain-html.eml", TRUE, NULL },
	{ "gmail.eml", TRUE, NULL },
	{ "html-only.eml", FALSE, NULL },
	{ "windows-1252-qp.eml", FALSE,
	  "The interpreter's fee of \u00a340 is fine \u2013 ok to book for the review." },
	{ "apple-mail.eml", TRUE, NULL },
	{ "iphone.eml", FALSE, NULL },
};

/* What every client's version of the reply must come down to: the chair's three commands
 * once each, her greeting and sign-off, and nothing of the message she replied to. */
static void assert_chair_commands(const char *reply)
{
	g_assert_true(g_utf8_validate(reply, -1, NULL));
	g_assert_cmpuint(count_lines(reply, "Hi team,"), ==, 1);
	g_assert_cmpuint(count_lines(reply, "AUTHORISED"), ==, 1);
	g_assert_cmpuint(count_lines(reply, "ESCALATE 2 no_apologies, no_report: Did not attend and "
	                                    "sent nothing"), ==, 1);
	g_assert_cmpuint(count_lines(reply, "ESCALATE 4 not_redacted: Report named the foster "
	                                    "carers"), ==, 1);
	g_assert_cmpuint(count_lines(reply, "Thanks, Ffion"), ==, 1);
	g_assert_null(strstr(reply, "ESCALATE 3"));
	g_assert_null(strstr(reply, "example only"));
	g_assert_null(strstr(reply, "Dear Dr Testwood"));
	g_assert_null(strstr(reply, "Distribution list for authorisation"));
}

static void test_chair_reply(gconstpointer data)
{
	const ChairReply *c = data;
	g_autoptr(ChMessage) m = parse_fixture("replies", c->file);
	g_assert_cmpint(m->cls, ==, CH_CLASS_PERSON);
	g_assert_cmpstr(m->from_addr, ==, "ffion.testwood@chairs.example.org");
	g_assert_cmpstr(m->in_reply_to, ==, "{{MSGID}}");
	assert_chair_commands(m->reply_text);
	/* The full body still has the quoted original: only reply_text drops it. */
	g_assert_nonnull(strstr(m->body_text, "ESCALATE 3 no_report: example only"));
	if (c->extra_line)
		g_assert_cmpuint(count_lines(m->reply_text, c->extra_line), ==, 1);
}

/* The HTML alternative of a multipart/alternative message, decoded to UTF-8. */
static char *html_alternative(const char *file)
{
	gsize len;
	char *data = read_fixture("replies", file, &len);
	GMimeStream *stream = g_mime_stream_mem_new_with_buffer(data, len);
	GMimeParser *parser = g_mime_parser_new_with_stream(stream);
	GMimeMessage *msg = g_mime_parser_construct_message(parser, NULL);
	g_assert_nonnull(msg);
	char *html = NULL;
	GMimePartIter *it = g_mime_part_iter_new(GMIME_OBJECT(msg));
	do {
		GMimeObject *o = g_mime_part_iter_get_current(it);
		GMimeContentType *ct = o ? g_mime_object_get_content_type(o) : NULL;
		if (!html && GMIME_IS_TEXT_PART(o) && g_mime_content_type_is_type(ct, "text", "html"))
			html = g_mime_text_part_get_text(GMIME_TEXT_PART(o));
	} while (g_mime_part_iter_next(it));
	g_mime_part_iter_free(it);
	g_object_unref(msg);
	g_object_unref(parser);
	g_object_unref(stream);
	g_free(data);
	g_assert_nonnull(html);
	return html;
}


/* The body text read alone, as intake reads a mail of ours that a reply quotes, is the full
 * parse's body text: for every fixture that parses (plain, HTML only, plain beside HTML, a
 * blank plain part beside HTML, bounces, attachments) and for mail chaser builds itself,
 * plain and with a file attached, accents and long lines quoted-printable. */
static void test_body_text_alone_is_the_parse(void)
{
	static const char *const dirs[] = { "mail", "replies", "attach", "dsn", "trust" };
	ChParseOptions o;
	options(&o);
	guint compared = 0;
	for (guint k = 0; k < G_N_ELEMENTS(dirs); k++) {
		g_autofree char *dir = g_build_filename("tests", "data", dirs[k], NULL);
		g_autoptr(GDir) d = g_dir_open(dir, 0, NULL);
		g_assert_nonnull(d);
		for (const char *n; (n = g_dir_read_name(d)) != NULL;) {
			if (!g_str_has_suffix(n, ".eml"))
				continue;
			gsize len;
			g_autofree char *data = read_fixture(dirs[k], n, &len);
			g_autoptr(ChMessage) m = ch_message_parse((const guint8 *)data, len, &o, NULL);
			if (!m)
				continue;
			g_autofree char *alone = ch_message_body_text((const guint8 *)data, len);
			g_assert_cmpstr(alone, ==, m->body_text);
			compared++;
		}
	}
	g_autoptr(GDateTime) date = g_date_time_new_utc(2026, 11, 26, 10, 0, 0);
	ChMail mail = {
		.from_name = "Conference team", .from_addr = "safeguarding@council.example",
		.to_name = "Dr Jo Bloggs", .to_addr = "jo.bloggs@health.example.org",
		.subject = "[CP-2026-0001] list", .message_id = "list-1@council.example",
		.kind = "chair_list", .date = date,
		.body = "Dear Dr Bloggs,\n\nPlease reply AUTHORISED if the list for CP-2026-0001 is "
		        "right, or name the lines to change: Zoë Ångström (school), Siân Ó Briain "
		        "(health visitor), and the police, whose report is due on Thursday.\n\n"
		        "> a line that looks quoted\n-- \nThe conference team\n",
	};
	ChMailPart part = { "minutes.txt", "text/plain", g_bytes_new_static("Minutes\n", 8) };
	g_autoptr(GPtrArray) parts = g_ptr_array_new();
	for (guint with = 0; with < 2; with++) {
		mail.attachments = with ? parts : NULL;
		if (with)
			g_ptr_array_add(parts, &part);
		g_autoptr(GBytes) wire = ch_mail_build(&mail, NULL);
		g_assert_nonnull(wire);
		gsize len;
		const guint8 *data = g_bytes_get_data(wire, &len);
		g_autoptr(ChMessage) m = ch_message_parse(data, len, &o, NULL);
		g_assert_nonnull(m);
		g_autofree char *alone = ch_message_body_text(data, len);
		g_assert_cmpstr(alone, ==, m->body_text);
		g_assert_nonnull(strstr(alone, "Zoë Ångström"));
		compared++;
	}
	g_bytes_unref(part.data);
	g_assert_cmpuint(compared, >=, 20);
}

/* Where a client sends both, the HTML version alone must say the same thing: the quote
 * markers in the markup (divRplyFwdMsg, gmail_quote, blockquote type=cite) do the work. */
static void test_chair_reply_html_part(gconstpointer data)
{
	const ChairReply *c = data;
	char *html = html_alternative(c->file);
	char *text = ch_html_to_text(html, TRUE);
	char *reply = ch_reply_extract(text);
	assert_chair_commands(reply);
	g_free(reply);
	g_free(text);
	g_free(html);
}

static void test_fields_of_outlook_reply(void)
{
	gsize len;
	char *data = read_fixture("replies", "outlook-plain-html.eml", &len);
	char *sha = g_compute_checksum_for_data(G_CHECKSUM_SHA256, (const guint8 *)data, len);
	g_autoptr(ChMessage) m = parse_fixture("replies", "outlook-plain-html.eml");

	g_assert_cmpstr(m->fingerprint, ==, sha);
	g_assert_cmpuint(m->size, ==, len);
	g_assert_cmpstr(m->from_name, ==, "Dr Ffion Testwood");
	g_assert_cmpstr(m->return_path, ==, "ffion.testwood@chairs.example.org");
	g_assert_cmpstr(m->subject, ==, "RE: [CP-2026-0042] Distribution list for authorisation");
	g_assert_cmpstr(m->message_id, ==,
	                "DB9PR01MB7401A2F3C5D6E7F8A9B0C1D2E3F4@DB9PR01MB7401.eurprd01.prod.exchangelabs.com");
	g_assert_cmpuint(m->references->len, ==, 1);
	g_assert_cmpstr(g_ptr_array_index(m->references, 0), ==, "{{MSGID}}");
	g_assert_nonnull(m->date);
	g_assert_cmpint(g_date_time_get_year(m->date), ==, 2026);

	/* Topmost first: the receiving server's own header is the one classify trusts. */
	g_assert_cmpuint(m->auth_results->len, ==, 2);
	g_assert_true(g_str_has_prefix(g_ptr_array_index(m->auth_results, 0), "mx.council.example;"));
	g_assert_nonnull(strstr(g_ptr_array_index(m->auth_results, 0), "dmarc=pass"));
	g_assert_true(g_str_has_prefix(g_ptr_array_index(m->auth_results, 1), "relay."));

	g_assert_cmpuint(m->rcpt_addrs->len, ==, 2);
	g_assert_cmpstr(g_ptr_array_index(m->rcpt_addrs, 0), ==,
	                "safeguarding+{{token}}@council.example");
	g_assert_cmpstr(g_ptr_array_index(m->rcpt_addrs, 1), ==, "safeguarding@council.example");
	g_assert_cmpuint(m->attachments->len, ==, 0);
	g_assert_nonnull(strstr(m->class_reason, "no"));
	g_free(sha);
	g_free(data);
}

/* ---- plain-text reply extraction ---- */

typedef struct {
	const char *name;
	const char *text;
	const char *reply;
} PlainCase;

static const PlainCase plain_cases[] = {
	{ "top-posted-on-wrote",
	  "Yes, agreed.\n\nOn Mon, 23 Nov 2026 at 10:02, Safeguarding <safeguarding@council.example> "
	  "wrote:\n> AUTHORISED\n> ESCALATE 3 no_report: example only\n",
	  "Yes, agreed." },
	{ "gmail-wrapped-attribution",
	  "AUTHORISED\n\nOn Mon, 23 Nov 2026 at 10:02, Safeguarding <\n"
	  "safeguarding@council.example> wrote:\n\n> ESCALATE 3 no_report: example only\n",
	  "AUTHORISED" },
	{ "attribution-over-unquoted-original",
	  "AUTHORISED\n\nOn 23 Nov 2026, at 10:02, Safeguarding <safeguarding@council.example> "
	  "wrote:\n\nDear Dr Testwood,\nESCALATE 3 no_report: example only\n",
	  "AUTHORISED" },
	{ "original-message-separator",
	  "AUTHORISED\n\n-----Original Message-----\nFrom: Safeguarding\nDear Dr Testwood,\n"
	  "ESCALATE 3 no_report: example only\n",
	  "AUTHORISED" },
	{ "outlook-header-block",
	  "Fine by me.\nNO ESCALATION\n\nFrom: Safeguarding <safeguarding@council.example>\n"
	  "Sent: 23 November 2026 10:02\nTo: Dr Ffion Testwood <ffion@chairs.example.org>\n"
	  "Subject: [CP-2026-0042] Distribution list\n\nESCALATE 3 no_report: example only\n",
	  "Fine by me.\nNO ESCALATION" },
	{ "outlook-rule-then-from",
	  "Fine.\n________________________________\nFrom: Safeguarding <safeguarding@council.example>\n"
	  "Sent: Monday, November 23, 2026 10:02:11 AM\nTo: Ffion\nSubject: x\n\nold\n",
	  "Fine." },
	{ "outlook-bold-keys",
	  "Agreed\n\n *From:* Safeguarding [mailto:safeguarding@council.example]\n"
	  "*Sent:* 23 November 2026 10:02\n*To:* Ffion\n*Subject:* x\n\nold\n",
	  "Agreed" },
	{ "from-line-of-a-person-is-kept",
	  "From: the chair's point of view this is fine.\nAUTHORISED\n",
	  "From: the chair's point of view this is fine.\nAUTHORISED" },
	{ "french-attribution",
	  "Bien re\u00e7u, merci.\n\nLe lun. 23 nov. 2026 \u00e0 10:02, Safeguarding "
	  "<safeguarding@council.example> a \u00e9crit\u00a0:\n> Bonjour\n",
	  "Bien re\u00e7u, merci." },
	{ "french-outlook-block",
	  "Valid\u00e9.\n\nDe : Safeguarding <safeguarding@council.example>\n"
	  "Envoy\u00e9 : lundi 23 novembre 2026 10:02\n\u00c0 : Ffion Testwood\n"
	  "Objet : [CP-2026-0042] Liste\n\nBonjour\n",
	  "Valid\u00e9." },
	{ "german-attribution",
	  "Einverstanden.\n\nAm Mo., 23. Nov. 2026 um 10:02 Uhr schrieb Safeguarding "
	  "<safeguarding@council.example>:\n> Hallo\n",
	  "Einverstanden." },
	{ "german-outlook-block",
	  "Einverstanden.\n\nVon: Safeguarding <safeguarding@council.example>\n"
	  "Gesendet: Montag, 23. November 2026 10:02\nAn: Ffion Testwood\n"
	  "Betreff: [CP-2026-0042] Liste\n\nHallo\n",
	  "Einverstanden." },
	{ "german-original-message",
	  "Ja.\n\n-----Urspr\u00fcngliche Nachricht-----\nVon: Safeguarding\nHallo\n",
	  "Ja." },
	{ "spanish-attribution",
	  "De acuerdo.\n\nEl lun, 23 nov 2026 a las 10:02, Safeguarding "
	  "(<safeguarding@council.example>) escribi\u00f3:\n> Hola\n",
	  "De acuerdo." },
	{ "dutch-attribution",
	  "Akkoord.\n\nOp ma 23 nov. 2026 om 10:02 schreef Safeguarding "
	  "<safeguarding@council.example>:\n> Hallo\n",
	  "Akkoord." },
	{ "welsh-attribution",
	  "Cytuno.\n\nAr Llun, 23 Tach 2026 am 10:02, Safeguarding "
	  "<safeguarding@council.example> ysgrifennodd:\n> Helo\n",
	  "Cytuno." },
	{ "inline-replies-keep-the-answers",
	  "On Mon, 23 Nov 2026 at 10:02, Safeguarding <safeguarding@council.example> wrote:\n"
	  "> Is item 2 right?\n\nYes, item 2 is right.\n\n> And item 4?\n\n"
	  "ESCALATE 4 not_redacted: Report named the foster carers\n\n> Thanks\n",
	  "Yes, item 2 is right.\n\nESCALATE 4 not_redacted: Report named the foster carers" },
	{ "old-style-name-wrote-above-quotes",
	  "OK\n\nSafeguarding wrote:\n> old text\n",
	  "OK" },
	{ "signature-separator",
	  "AUTHORISED\n\n-- \nDr Ffion Testwood\nIndependent Chair\n",
	  "AUTHORISED" },
	{ "sent-from-my-iphone",
	  "AUTHORISED\n\nSent from my iPhone\n\n> On 23 Nov 2026, at 10:02, Safeguarding wrote:\n",
	  "AUTHORISED" },
	{ "get-outlook-for-android",
	  "AUTHORISED\n\nGet Outlook for Android\n________________________________\n"
	  "From: Safeguarding\nSent: Monday\nTo: Ffion\n",
	  "AUTHORISED" },
	{ "sent-from-outlook-for-ios",
	  "Agreed\n\nSent from Outlook for iOS\n",
	  "Agreed" },
	{ "sent-from-in-a-sentence-is-kept",
	  "Sent from my desk, which is quicker.\nAUTHORISED\n",
	  "Sent from my desk, which is quicker.\nAUTHORISED" },
	{ "no-quote-at-all",
	  "AUTHORISED\nNO ESCALATION\n",
	  "AUTHORISED\nNO ESCALATION" },
	{ "on-without-wrote-is-kept",
	  "On Monday I will send it.\nOn Monday I wrote:\nthe report\n",
	  "On Monday I will send it.\nOn Monday I wrote:\nthe report" },
	{ "crlf-line-ends",
	  "AUTHORISED\r\n\r\nOn Mon, 23 Nov 2026 at 10:02, Safeguarding <s@council.example> wrote:\r\n"
	  "> old\r\n",
	  "AUTHORISED" },
	{ "mailing-list-footer",
	  "Thanks all.\n\n_______________________________________________\n"
	  "cp-chairs mailing list\ncp-chairs@lists.example.org\n",
	  "Thanks all." },
	/* RFC 3676 and most clients write "> ", but older clients, some phones and a person
	 * quoting by hand write ">" alone, or ">>" for a quote within a quote. */
	{ "quote-marks-without-a-space",
	  "AUTHORISED\n>ESCALATE 3 no_report: example only\n>>NO ESCALATION\n> > ESCALATE 4 other\n",
	  "AUTHORISED" },
	{ "only-quoted", "> old text\n> more\n", "" },
	{ "empty-body", "", "" },
};

static void test_plain_reply(gconstpointer data)
{
	const PlainCase *c = data;
	char *reply = ch_reply_extract(c->text);
	g_assert_cmpstr(reply, ==, c->reply);
	g_free(reply);
}

static void test_reply_null_and_invalid_utf8(void)
{
	char *reply = ch_reply_extract(NULL);
	g_assert_cmpstr(reply, ==, "");
	g_free(reply);
	reply = ch_reply_extract("caf\xe9 ok\n> quoted\n");
	g_assert_true(g_utf8_validate(reply, -1, NULL));
	g_assert_true(g_str_has_prefix(reply, "caf"));
	g_assert_null(strstr(reply, "quoted"));
	g_free(reply);
}

/* ---- HTML ---- */

typedef struct {
	const char *name;
	const char *html;
	gboolean drop_quoted;
	const char *text;
} HtmlCase;

static const HtmlCase html_cases[] = {
	{ "outlook-desktop-border-top-block",
	  "<div class=WordSection1><p class=MsoNormal>AUTHORISED<o:p></o:p></p>"
	  "<p class=MsoNormal>&nbsp;</p>"
	  "<div style='border:none;border-top:solid #E1E1E1 1.0pt;padding:3.0pt 0cm 0cm 0cm'>"
	  "<p class=MsoNormal><b>From:</b> Safeguarding<br><b>Sent:</b> 23 November 2026<br>"
	  "<b>To:</b> Ffion</p></div><p class=MsoNormal>ESCALATE 3 no_report: example only</p>"
	  "</div>",
	  TRUE, "AUTHORISED" },
	{ "outlook-web-divrplyfwdmsg",
	  "<body><div>NO ESCALATION</div><div id=\"appendonsend\"></div><hr>"
	  "<div id=\"divRplyFwdMsg\"><b>From:</b> Safeguarding</div><div>old</div></body>",
	  TRUE, "NO ESCALATION" },
	/* New Outlook and Outlook on the web without the empty div#appendonsend before it. */
	{ "outlook-divrplyfwdmsg-alone",
	  "<body><div>AUTHORISED</div><hr style=\"display:inline-block;width:98%\">"
	  "<div id=\"divRplyFwdMsg\" dir=\"ltr\"><b>From:</b> Safeguarding<br><b>Sent:</b> "
	  "Monday</div><div>ESCALATE 3 no_report: example only</div></body>",
	  TRUE, "AUTHORISED" },
	/* Gmail's quote alone: no gmail_attr line, no blockquote type=cite. */
	{ "gmail-quote-div-alone",
	  "<div dir=\"ltr\">NO ESCALATION</div><br><div class=\"gmail_quote\">"
	  "<div>ESCALATE 3 no_report: example only</div></div>",
	  TRUE, "NO ESCALATION" },
	{ "gmail-quote-between-answers",
	  "<div dir=\"ltr\">Yes<div class=\"gmail_quote\"><div class=\"gmail_attr\">On Mon, 23 Nov "
	  "2026 wrote:</div><blockquote class=\"gmail_quote\">old</blockquote></div>"
	  "<div>More</div></div>",
	  TRUE, "Yes\nMore" },
	{ "thunderbird-moz-cite",
	  "<p>OK</p><div class=\"moz-cite-prefix\">On 23/11/2026 10:02, Safeguarding wrote:<br></div>"
	  "<blockquote type=\"cite\" cite=\"mid:x@council.example\">old</blockquote>",
	  TRUE, "OK" },
	{ "apple-mail-blockquote-cite",
	  "<body>OK<div><br><blockquote type=\"cite\"><div>On 23 Nov 2026, at 10:02, S wrote:</div>"
	  "<div>old</div></blockquote></div></body>",
	  TRUE, "OK" },
	{ "yahoo-quoted",
	  "<div>OK</div><div id=\"yahoo_quoted_8812\" class=\"yahoo_quoted\"><div>On Monday, "
	  "23 November 2026, Safeguarding wrote:</div><div>old</div></div>",
	  TRUE, "OK" },
	{ "old-outlook-message-header",
	  "<div>OK</div><div class=\"OutlookMessageHeader\"><hr>From: Safeguarding</div>"
	  "<div>old</div>",
	  TRUE, "OK" },
	{ "quotes-kept-when-not-asked",
	  "<p>OK</p><blockquote type=\"cite\">old</blockquote>",
	  FALSE, "OK\nold" },
	{ "scripts-styles-and-head-hidden",
	  "<html><head><title>T</title><style>p{color:red}</style></head><body>"
	  "<script>alert(1)</script><p>Hello&nbsp;world</p></body></html>",
	  TRUE, "Hello world" },
	{ "empty-paragraphs-are-blank-lines",
	  "<p>A</p><p>&nbsp;</p><p>B</p>",
	  TRUE, "A\n\nB" },
	{ "white-space-collapsed",
	  "<div>ESCALATE   2\n  no_report:\tcomment</div>",
	  TRUE, "ESCALATE 2 no_report: comment" },
	{ "pre-keeps-white-space",
	  "<pre>a\n  b</pre>",
	  TRUE, "a\n  b" },
	{ "broken-markup-recovered",
	  "<div><p>Unclosed <b>bold<div>text",
	  TRUE, "Unclosed bold\ntext" },
	{ "meta-charset-does-not-decode-twice",
	  "<meta charset=\"windows-1252\"><p>caf\u00e9 \u00a340</p>",
	  TRUE, "caf\u00e9 \u00a340" },
	{ "empty-html", "", TRUE, "" },
};

static void test_html(gconstpointer data)
{
	const HtmlCase *c = data;
	char *text = ch_html_to_text(c->html, c->drop_quoted);
	g_assert_cmpstr(text, ==, c->text);
	g_free(text);
}

/* Nesting is the sender's to choose: no recursion, no crash, and the reply at the top (where
 * a person writes) survives even where libxml2 gives up on the depth further down. */
static void test_html_deep_nesting(void)
{
	GString *html = g_string_new("<p>AUTHORISED</p>");
	for (int i = 0; i < 100000; i++)
		g_string_append(html, "<div style=\"border-top:1px\">");
	g_string_append(html, "deep");
	char *text = ch_html_to_text(html->str, TRUE);
	g_assert_true(g_utf8_validate(text, -1, NULL));
	g_assert_true(g_str_has_prefix(text, "AUTHORISED"));
	g_free(text);
	g_string_free(html, TRUE);
}

/* ---- classes ---- */

typedef struct {
	const char *file;
	ChMessageClass cls;
	const char *reason;      /* a part of class_reason */
	const char *bounced_id;
	const char *bounced_rcpt;
	const char *status;
	const char *return_date;
} ClassCase;

static const ClassCase class_cases[] = {
	{ "bounce-rfc3464.eml", CH_CLASS_BOUNCE, "report-type=delivery-status",
	  "r7k2m9q4x8c3.17@council.example", "alex.fernhill@health.example.net", "5.1.1", NULL },
	{ "bounce-exchange-ndr.eml", CH_CLASS_BOUNCE, "multipart/report",
	  "r7k2m9q4x8c3.18@council.example", "jordan.pebble@school.example.org", "5.1.10", NULL },
	{ "ooo-exchange.eml", CH_CLASS_AUTO, "Auto-Submitted: auto-generated", NULL, NULL, NULL,
	  "Monday 7 December" },
	/* Only an out-of-office subject and X-Auto-Response-Suppress: together they are an
	 * Exchange out-of-office; neither alone would be (see the person-* cases). */
	{ "ooo-subject-only.eml", CH_CLASS_AUTO, "X-Auto-Response-Suppress", NULL, NULL, NULL,
	  "7th December" },
	{ "gmail-vacation.eml", CH_CLASS_AUTO, "Auto-Submitted: auto-replied", NULL, NULL, NULL,
	  "07/12/2026" },
	{ "person-auto-submitted-no.eml", CH_CLASS_PERSON, "no own", NULL, NULL, NULL, NULL },
	{ "person-suppress.eml", CH_CLASS_PERSON, "no own", NULL, NULL, NULL, NULL },
	{ "own.eml", CH_CLASS_OWN, "X-Chaser-Outbox", NULL, NULL, NULL, NULL },
};

static void test_class_fixture(gconstpointer data)
{
	const ClassCase *c = data;
	g_autoptr(ChMessage) m = parse_fixture("mail", c->file);
	g_assert_cmpstr(ch_message_class_name(m->cls), ==, ch_message_class_name(c->cls));
	g_assert_nonnull(m->class_reason);
	if (!strstr(m->class_reason, c->reason))
		g_error("%s: reason \"%s\" lacks \"%s\"", c->file, m->class_reason, c->reason);
	g_assert_cmpstr(m->bounced_message_id, ==, c->bounced_id);
	g_assert_cmpstr(m->bounced_rcpt, ==, c->bounced_rcpt);
	g_assert_cmpstr(m->bounce_status, ==, c->status);
	g_assert_cmpstr(m->auto_return_date, ==, c->return_date);
}

static void test_class_bounce_return_path(void)
{
	g_autoptr(ChMessage) m = parse_fixture("mail", "bounce-rfc3464.eml");
	g_assert_cmpstr(m->return_path, ==, "");
	g_assert_cmpstr(m->from_addr, ==, "mailer-daemon@mx.council.example");
}

static void test_own_mail_needs_own_address(void)
{
	gsize len;
	char *data = read_fixture("mail", "own.eml", &len);
	ChParseOptions o;
	ch_parse_options_init(&o); /* no own_address: then it is just automatic mail */
	g_autoptr(ChMessage) m = ch_message_parse((const guint8 *)data, len, &o, NULL);
	g_assert_nonnull(m);
	g_assert_cmpint(m->cls, ==, CH_CLASS_AUTO);
	g_free(data);
}

typedef struct {
	const char *name;
	const char *message;
	ChMessageClass cls;
	const char *reason;
	const char *bounced_id;
} HeaderClassCase;

#define PERSON_HEADERS                                                                       \
	"From: Dr Ffion Testwood <ffion.testwood@chairs.example.org>\n"                           \
	"To: safeguarding@council.example\n"

static const HeaderClassCase header_class_cases[] = {
	{ "auto-submitted-with-parameters",
	  PERSON_HEADERS "Subject: x\nAuto-Submitted: Auto-Replied; owner-email=\"a@example.org\"\n\nhi\n",
	  CH_CLASS_AUTO, "Auto-Submitted", NULL },
	{ "auto-submitted-no-any-case",
	  PERSON_HEADERS "Subject: x\nAuto-Submitted: No (sent by a person)\n\nhi\n",
	  CH_CLASS_PERSON, "no own", NULL },
	{ "precedence-list",
	  PERSON_HEADERS "Subject: x\nPrecedence: list\n\nhi\n", CH_CLASS_AUTO, "Precedence", NULL },
	{ "precedence-first-class-is-a-person",
	  PERSON_HEADERS "Subject: x\nPrecedence: first-class\n\nhi\n", CH_CLASS_PERSON, "no own",
	  NULL },
	{ "x-autorespond",
	  PERSON_HEADERS "Subject: x\nX-Autorespond: yes\n\nhi\n", CH_CLASS_AUTO, "X-Autorespond",
	  NULL },
	{ "list-id",
	  PERSON_HEADERS "Subject: x\nList-Id: CP chairs <cp-chairs.lists.example.org>\n\nhi\n",
	  CH_CLASS_AUTO, "List-Id", NULL },
	{ "exchange-generated-message-source",
	  PERSON_HEADERS "Subject: x\nX-MS-Exchange-Generated-Message-Source: Mailbox Rules Agent\n\nhi\n",
	  CH_CLASS_AUTO, "X-MS-Exchange-Generated-Message-Source", NULL },
	{ "out-of-office-subject-alone-is-a-person",
	  PERSON_HEADERS "Subject: Automatic reply: [CP-2026-0042] x\n\nI forwarded this.\n",
	  CH_CLASS_PERSON, "no own", NULL },
	{ "suppress-alone-is-a-person",
	  PERSON_HEADERS "Subject: RE: x\nX-Auto-Response-Suppress: All\n\nAUTHORISED\n",
	  CH_CLASS_PERSON, "no own", NULL },
	{ "read-receipt",
	  PERSON_HEADERS "Subject: Read: x\nMIME-Version: 1.0\n"
	  "Content-Type: multipart/report; report-type=disposition-notification; boundary=b\n\n"
	  "--b\nContent-Type: text/plain\n\nRead.\n--b\n"
	  "Content-Type: message/disposition-notification\n\nFinal-Recipient: rfc822;ffion@x\n"
	  "--b--\n",
	  CH_CLASS_AUTO, "disposition-notification", NULL },
	{ "exchange-ndr-without-report",
	  "From: postmaster@council.example\nTo: safeguarding@council.example\n"
	  "Subject: Undeliverable: [CP-2026-0042] x\nX-MS-Exchange-Message-Is-Ndr:\n"
	  "MIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=b\n\n"
	  "--b\nContent-Type: text/plain\n\nDelivery has failed.\n--b\n"
	  "Content-Type: message/rfc822\n\nFrom: safeguarding@council.example\n"
	  "Message-ID: <abc.23@council.example>\nSubject: x\n\nbody\n--b--\n",
	  CH_CLASS_BOUNCE, "X-MS-Exchange-Message-Is-Ndr", "abc.23@council.example" },
	{ "undeliverable-from-postmaster",
	  "Return-Path: <postmaster@council.example>\nFrom: postmaster@council.example\n"
	  "To: safeguarding@council.example\nSubject: Undeliverable: [CP-2026-0042] x\n"
	  "X-Original-Message-ID: <abc.24@council.example>\n\nDelivery has failed.\n",
	  CH_CLASS_BOUNCE, "Subject", "abc.24@council.example" },
	{ "null-sender-mailer-daemon-plain",
	  "Return-Path: <>\nFrom: MAILER-DAEMON@mx.example.net\nTo: safeguarding@council.example\n"
	  "Subject: failure notice\n\nHi. This is the qmail-send program.\n\n"
	  "--- Below this line is a copy of the message.\n\n"
	  "Message-ID: <abc.25@council.example>\nSubject: x\n",
	  CH_CLASS_BOUNCE, "Return-Path: <>", "abc.25@council.example" },
	{ "mailer-daemon-from-alone-is-not-a-bounce",
	  "Return-Path: <someone@example.net>\nFrom: MAILER-DAEMON@mx.example.net\n"
	  "To: safeguarding@council.example\nSubject: hello\n\nhi\n",
	  CH_CLASS_PERSON, "no own", NULL },
	{ "own-address-any-case",
	  "From: SAFEGUARDING@council.example\nTo: x@example.org\nSubject: x\n\nhi\n",
	  CH_CLASS_OWN, "our own address", NULL },
	{ "own-mail-bounce-order",
	  "Return-Path: <>\nFrom: safeguarding@council.example\nTo: x@example.org\n"
	  "Auto-Submitted: auto-generated\nSubject: x\n\nhi\n",
	  CH_CLASS_OWN, "our own address", NULL },
};

static void test_header_class(gconstpointer data)
{
	const HeaderClassCase *c = data;
	GError *error = NULL;
	g_autoptr(ChMessage) m = parse_text(c->message, NULL, &error);
	g_assert_no_error(error);
	g_assert_cmpstr(ch_message_class_name(m->cls), ==, ch_message_class_name(c->cls));
	if (!strstr(m->class_reason, c->reason))
		g_error("%s: reason \"%s\" lacks \"%s\"", c->name, m->class_reason, c->reason);
	g_assert_cmpstr(m->bounced_message_id, ==, c->bounced_id);
}

static void test_from_group_takes_first_mailbox(void)
{
	g_autoptr(ChMessage) m = parse_text(
		"From: Chairs: Ffion Testwood <Ffion.Testwood@Chairs.Example.org>, other@example.org;\n"
		"To: Safeguarding <safeguarding@council.example>, Team: A@Example.org;\n"
		"Cc: b@example.org, safeguarding@council.example\n"
		"Delivered-To: safeguarding@council.example\nX-Original-To: Safeguarding+ABC@council.example\n"
		"Reply-To: Office <Office@Chairs.Example.org>\nSubject: x\n\nhi\n",
		NULL, NULL);
	g_assert_nonnull(m);
	g_assert_cmpstr(m->from_addr, ==, "ffion.testwood@chairs.example.org");
	g_assert_cmpstr(m->from_name, ==, "Ffion Testwood");
	g_assert_cmpstr(m->reply_to_addr, ==, "office@chairs.example.org");
	g_assert_cmpuint(m->rcpt_addrs->len, ==, 4);
	g_assert_cmpstr(g_ptr_array_index(m->rcpt_addrs, 0), ==, "safeguarding@council.example");
	g_assert_cmpstr(g_ptr_array_index(m->rcpt_addrs, 1), ==, "a@example.org");
	g_assert_cmpstr(g_ptr_array_index(m->rcpt_addrs, 2), ==, "b@example.org");
	g_assert_cmpstr(g_ptr_array_index(m->rcpt_addrs, 3), ==, "safeguarding+abc@council.example");
}

/* ---- return dates ---- */

typedef struct {
	const char *text;
	const char *date;
} ReturnCase;

static const ReturnCase return_cases[] = {
	{ "I will be back on Monday 7 December.", "Monday 7 December" },
	{ "I return on 07/12/2026, thank you.", "07/12/2026" },
	{ "Out of the office, returning 7th December", "7th December" },
	{ "I am back in the office on Monday, 7th December 2026.", "Monday, 7th December 2026" },
	{ "I am away until 4 January 2027", "4 January 2027" },
	{ "Back on December 7", "December 7" },
	{ "I will return on Monday.", "Monday" },
	{ "Returning on the 7th of December", "the 7th of December" },
	{ "Back at work on 7.12.2026", "7.12.2026" },
	{ "I will be back at 10.30", NULL },
	{ "I am out of the office with limited access to email.", NULL },
	{ "Please send it back to me.", NULL },
};

static void test_return_dates(void)
{
	for (gsize i = 0; i < G_N_ELEMENTS(return_cases); i++) {
		char *date = ch_message_find_return_date(return_cases[i].text);
		if (g_strcmp0(date, return_cases[i].date) != 0)
			g_error("\"%s\": got \"%s\", want \"%s\"", return_cases[i].text, date,
			        return_cases[i].date);
		g_free(date);
	}
	g_assert_null(ch_message_find_return_date(NULL));
}

/* ---- limits ---- */

static void test_limit_depth(void)
{
	GString *s = g_string_new("From: a@example.org\nSubject: deep\nMIME-Version: 1.0\n");
	for (int i = 0; i < 100; i++)
		g_string_append_printf(s, "Content-Type: multipart/mixed; boundary=\"b%d\"\n\n--b%d\n", i,
		                       i);
	g_string_append(s, "Content-Type: text/plain\n\nhello\n");
	for (int i = 99; i >= 0; i--)
		g_string_append_printf(s, "--b%d--\n", i);
	GError *error = NULL;
	ChMessage *m = parse_text(s->str, NULL, &error);
	g_assert_null(m);
	assert_reason_contains(error, "101 MIME levels, limit 20");
	g_error_free(error);
	g_string_free(s, TRUE);
}

static void test_limit_headers(void)
{
	GString *s = g_string_new("From: a@example.org\nSubject: many\n");
	for (int i = 0; i < 5000; i++)
		g_string_append_printf(s, "X-Filler-%d: %d\n", i, i);
	g_string_append(s, "\nbody\n");
	GError *error = NULL;
	ChMessage *m = parse_text(s->str, NULL, &error);
	g_assert_null(m);
	assert_reason_contains(error, "5002 header fields, limit 1000");
	g_error_free(error);
	g_string_free(s, TRUE);
}

/* The top block is checked before parsing; a part's own block only after. */
static void test_limit_headers_in_a_part(void)
{
	GString *s = g_string_new("From: a@example.org\nSubject: many\nMIME-Version: 1.0\n"
	                          "Content-Type: multipart/mixed; boundary=b\n\n--b\n");
	for (int i = 0; i < 1500; i++)
		g_string_append_printf(s, "X-Filler-%d: %d\n", i, i);
	g_string_append(s, "Content-Type: text/plain\n\nbody\n--b--\n");
	GError *error = NULL;
	ChMessage *m = parse_text(s->str, NULL, &error);
	g_assert_null(m);
	assert_reason_contains(error, "header fields in one part, limit 1000");
	g_error_free(error);
	g_string_free(s, TRUE);
}

static void test_limit_size(void)
{
	ChParseOptions o;
	options(&o);
	o.max_size = 1000;
	GString *s = g_string_new("From: a@example.org\nSubject: big\n\n");
	while (s->len < 2000)
		g_string_append(s, "AUTHORISED\n");
	GError *error = NULL;
	ChMessage *m = parse_text(s->str, &o, &error);
	g_assert_null(m);
	char *want = g_strdup_printf("%" G_GSIZE_FORMAT " bytes, limit 1000", s->len);
	assert_reason_contains(error, want);
	g_free(want);
	g_error_free(error);
	g_string_free(s, TRUE);
}

static void test_limit_line(void)
{
	ChParseOptions o;
	options(&o);
	o.max_line = 100;
	GString *s = g_string_new("From: a@example.org\nSubject: long\n\n");
	for (int i = 0; i < 300; i++)
		g_string_append_c(s, 'x');
	g_string_append_c(s, '\n');
	GError *error = NULL;
	ChMessage *m = parse_text(s->str, &o, &error);
	g_assert_null(m);
	assert_reason_contains(error, "line of 300 bytes, limit 100");
	g_error_free(error);
	g_string_free(s, TRUE);
}

static char *message_with_parts(guint parts, gsize attachment_size)
{
	GString *s = g_string_new("From: a@example.org\nSubject: parts\nMIME-Version: 1.0\n"
	                          "Content-Type: multipart/mixed; boundary=b\n\n"
	                          "--b\nContent-Type: text/plain\n\nSee attached.\n");
	for (guint i = 0; i < parts; i++) {
		g_string_append_printf(s, "--b\nContent-Type: application/pdf\n"
		                          "Content-Disposition: attachment; filename=\"r%u.pdf\"\n\n", i);
		for (gsize j = 0; j < attachment_size; j++)
			g_string_append_c(s, 'p');
		g_string_append_c(s, '\n');
	}
	g_string_append(s, "--b--\n");
	return g_string_free(s, FALSE);
}

static void test_limit_parts(void)
{
	char *text = message_with_parts(600, 1);
	GError *error = NULL;
	ChMessage *m = parse_text(text, NULL, &error);
	g_assert_null(m);
	assert_reason_contains(error, "601 MIME parts, limit 500");
	g_error_free(error);
	g_free(text);
}

static void test_limit_attachment_size(void)
{
	ChParseOptions o;
	options(&o);
	o.max_attachment = 100;
	char *text = message_with_parts(1, 500);
	GError *error = NULL;
	ChMessage *m = parse_text(text, &o, &error);
	g_assert_null(m);
	assert_reason_contains(error, "attachment of 500 bytes, limit 100");
	g_error_free(error);
	g_free(text);
}

static void test_limit_attachment_count(void)
{
	ChParseOptions o;
	options(&o);
	o.max_attachments = 3;
	char *text = message_with_parts(5, 10);
	GError *error = NULL;
	ChMessage *m = parse_text(text, &o, &error);
	g_assert_null(m);
	assert_reason_contains(error, "5 attachments, limit 3");
	g_error_free(error);
	g_free(text);
}

static void test_unreadable_input(void)
{
	GError *error = NULL;
	ChMessage *m = ch_message_parse((const guint8 *)"", 0, NULL, &error);
	g_assert_null(m);
	assert_reason_contains(error, "empty");
	g_clear_error(&error);
	m = parse_text("Lorem ipsum dolor sit amet, no headers here.\nAt all.\n", NULL, &error);
	g_assert_null(m);
	assert_reason_contains(error, "header");
	g_clear_error(&error);
}

/* ---- charsets ---- */

typedef struct {
	const char *name;
	const char *message;
	const char *body;
} CharsetCase;

static const CharsetCase charset_cases[] = {
	{ "latin1-without-charset",
	  "From: a@example.org\nSubject: x\nContent-Type: text/plain\n\nCaf\xe9 \xa3" "40\n",
	  "Caf\u00e9 \u00a340\n" },
	{ "iso-8859-1-declared",
	  "From: a@example.org\nSubject: x\nContent-Type: text/plain; charset=iso-8859-1\n\n"
	  "Gr\xfc\xdf" "e\n",
	  "Gr\u00fc\u00dfe\n" },
	{ "us-ascii-declared-over-8bit",
	  "From: a@example.org\nSubject: x\nContent-Type: text/plain; charset=us-ascii\n\n"
	  "fee \x96 ok\n",
	  "fee \u2013 ok\n" },
	{ "utf8-with-a-bad-byte-repaired",
	  "From: a@example.org\nSubject: x\nContent-Type: text/plain; charset=utf-8\n\n"
	  "caf\u00e9 \xff ok\n",
	  "caf\u00e9 \ufffd ok\n" },
	{ "unknown-charset",
	  "From: a@example.org\nSubject: x\nContent-Type: text/plain; charset=x-no-such\n\nplain\n",
	  "plain\n" },
	{ "nul-bytes-stripped",
	  "From: a@example.org\nSubject: x\nContent-Type: text/plain; charset=utf-8\n"
	  "Content-Transfer-Encoding: base64\n\nQVVUSE9SAElTRUQK\n",
	  "AUTHORISED\n" },
	{ "format-flowed-joined",
	  "From: a@example.org\nSubject: x\nContent-Type: text/plain; charset=utf-8; format=flowed\n\n"
	  "ESCALATE 2 no_apologies, no_report: Did not attend \nand sent nothing\n\n-- \nFfion\n",
	  "ESCALATE 2 no_apologies, no_report: Did not attend and sent nothing\n\n-- \nFfion\n" },
	{ "html-only-windows-1252-qp",
	  "From: a@example.org\nSubject: x\nMIME-Version: 1.0\n"
	  "Content-Type: text/html; charset=windows-1252\nContent-Transfer-Encoding: quoted-printable\n\n"
	  "<p>Fee =A340 =96 ok</p>\n",
	  "Fee \u00a340 \u2013 ok" },
};

static void test_charset(gconstpointer data)
{
	const CharsetCase *c = data;
	/* The NUL case needs the bytes as written, so go through the length, not strlen. */
	GError *error = NULL;
	g_autoptr(ChMessage) m = parse_text(c->message, NULL, &error);
	g_assert_no_error(error);
	g_assert_true(g_utf8_validate(m->body_text, -1, NULL));
	g_assert_true(g_utf8_validate(m->reply_text, -1, NULL));
	g_assert_cmpstr(m->body_text, ==, c->body);
}

static void test_nul_in_raw_body(void)
{
	static const char raw[] = "From: a@example.org\nSubject: x\n\nAUTHOR\0ISED\n";
	g_autoptr(ChMessage) m = ch_message_parse((const guint8 *)raw, sizeof raw - 1, NULL, NULL);
	g_assert_nonnull(m);
	g_assert_cmpstr(m->body_text, ==, "AUTHORISED\n");
}

static void test_8bit_subject(void)
{
	g_autoptr(ChMessage) m = parse_text("From: \"Testwood, Ff\xeeon\" <f@example.org>\n"
	                                    "Subject: R\xe9union =?utf-8?q?caf=C3=A9?=\n\nhi\n",
	                                    NULL, NULL);
	g_assert_nonnull(m);
	g_assert_true(g_utf8_validate(m->subject, -1, NULL));
	g_assert_true(g_utf8_validate(m->from_name, -1, NULL));
	g_assert_nonnull(strstr(m->subject, "caf\u00e9"));
}

/* ---- attachments ---- */

static void test_attachments(void)
{
	const char *text =
		"From: a@example.org\nSubject: report\nMIME-Version: 1.0\n"
		"Content-Type: multipart/mixed; boundary=b\n\n"
		"--b\nContent-Type: multipart/alternative; boundary=c\n\n"
		"--c\nContent-Type: text/plain\n\nReport attached.\n"
		"--c\nContent-Type: text/html\n\n<p>Report attached.</p>\n--c--\n"
		"--b\nContent-Type: application/pdf\n"
		"Content-Disposition: attachment; filename=\"../../etc/Report for CP.pdf\"\n"
		"Content-Transfer-Encoding: base64\n\nJVBERi0xLjQK\n"
		"--b\nContent-Type: image/png\nContent-Transfer-Encoding: base64\n\niVBORw0K\n"
		"--b\nContent-Type: text/calendar\n\nBEGIN:VCALENDAR\nEND:VCALENDAR\n"
		"--b\nContent-Type: application/msword\n"
		"Content-Disposition: attachment; filename*=utf-8''%01evil%7F%E2%80%8B.doc\n\nx\n"
		"--b\nContent-Type: text/plain\nContent-Disposition: attachment; filename=\"...hidden\"\n\n"
		"notes\n"
		"--b\nContent-Type: message/rfc822\n\nFrom: x@example.org\nSubject: fwd\n\nold\n"
		"--b--\n";
	g_autoptr(ChMessage) m = parse_text(text, NULL, NULL);
	g_assert_nonnull(m);
	g_assert_cmpstr(m->body_text, ==, "Report attached.");
	g_assert_cmpuint(m->attachments->len, ==, 5);

	ChAttachment *pdf = g_ptr_array_index(m->attachments, 0);
	g_assert_cmpstr(pdf->filename, ==, "etcReport for CP.pdf");
	g_assert_cmpstr(pdf->content_type, ==, "application/pdf");
	gsize size;
	const char *bytes = g_bytes_get_data(pdf->data, &size);
	g_assert_cmpmem(bytes, size, "%PDF-1.4\n", 9);

	ChAttachment *png = g_ptr_array_index(m->attachments, 1);
	g_assert_null(png->filename);
	g_assert_cmpstr(png->content_type, ==, "image/png");

	ChAttachment *doc = g_ptr_array_index(m->attachments, 2);
	g_assert_cmpstr(doc->filename, ==, "evil.doc");

	ChAttachment *notes = g_ptr_array_index(m->attachments, 3);
	g_assert_cmpstr(notes->filename, ==, "hidden");

	ChAttachment *fwd = g_ptr_array_index(m->attachments, 4);
	g_assert_cmpstr(fwd->content_type, ==, "message/rfc822");
	g_assert_nonnull(g_strstr_len(g_bytes_get_data(fwd->data, NULL), (gssize)g_bytes_get_size(fwd->data),
	                              "Subject: fwd"));
}

static void test_attachment_filename_capped(void)
{
	GString *name = g_string_new(NULL);
	for (int i = 0; i < 150; i++)
		g_string_append(name, "\u00e9"); /* two bytes each: 300 bytes */
	char *text = g_strdup_printf(
		"From: a@example.org\nSubject: x\nMIME-Version: 1.0\n"
		"Content-Type: multipart/mixed; boundary=b\n\n--b\nContent-Type: text/plain\n\nhi\n"
		"--b\nContent-Type: application/pdf\nContent-Disposition: attachment; "
		"filename=\"%s.pdf\"\n\nx\n--b--\n", name->str);
	g_autoptr(ChMessage) m = parse_text(text, NULL, NULL);
	g_assert_nonnull(m);
	ChAttachment *a = g_ptr_array_index(m->attachments, 0);
	g_assert_cmpuint(strlen(a->filename), <=, 200);
	g_assert_cmpuint(strlen(a->filename), >=, 198);
	g_assert_true(g_utf8_validate(a->filename, -1, NULL));
	g_free(text);
	g_string_free(name, TRUE);
}

/* ---- main ---- */

static void add_named(const char *prefix, const char *name, gconstpointer data,
                      GTestDataFunc fn)
{
	char *path = g_strconcat(prefix, name, NULL);
	/* Test paths may not carry the fixture's ".eml". */
	char *dot = g_strrstr(path, ".eml");
	if (dot)
		*dot = '\0';
	g_test_add_data_func(path, data, fn);
	g_free(path);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_mime_init();

	for (gsize i = 0; i < G_N_ELEMENTS(chair_replies); i++) {
		add_named("/message/reply/", chair_replies[i].file, &chair_replies[i], test_chair_reply);
		if (chair_replies[i].has_html_alternative)
			add_named("/message/reply/html-alternative/", chair_replies[i].file,
			          &chair_replies[i], test_chair_reply_html_part);
	}
	g_test_add_func("/message/fields/outlook-reply", test_fields_of_outlook_reply);
	g_test_add_func("/message/body/text-alone-is-the-parse", test_body_text_alone_is_the_parse);
	for (gsize i = 0; i < G_N_ELEMENTS(plain_cases); i++)
		add_named("/message/reply/plain/", plain_cases[i].name, &plain_cases[i],
		          test_plain_reply);
	g_test_add_func("/message/reply/plain/null-and-invalid-utf8", test_reply_null_and_invalid_utf8);
	for (gsize i = 0; i < G_N_ELEMENTS(html_cases); i++)
		add_named("/message/html/", html_cases[i].name, &html_cases[i], test_html);
	g_test_add_func("/message/html/deep-nesting", test_html_deep_nesting);

	for (gsize i = 0; i < G_N_ELEMENTS(class_cases); i++)
		add_named("/message/class/", class_cases[i].file, &class_cases[i], test_class_fixture);
	g_test_add_func("/message/class/bounce-has-null-return-path", test_class_bounce_return_path);
	g_test_add_func("/message/class/own-mail-needs-own-address", test_own_mail_needs_own_address);
	for (gsize i = 0; i < G_N_ELEMENTS(header_class_cases); i++)
		add_named("/message/class/", header_class_cases[i].name, &header_class_cases[i],
		          test_header_class);
	g_test_add_func("/message/fields/from-group-and-recipients", test_from_group_takes_first_mailbox);
	g_test_add_func("/message/class/return-dates", test_return_dates);

	g_test_add_func("/message/limits/depth-100", test_limit_depth);
	g_test_add_func("/message/limits/headers-5000", test_limit_headers);
	g_test_add_func("/message/limits/headers-in-a-part", test_limit_headers_in_a_part);
	g_test_add_func("/message/limits/max-size", test_limit_size);
	g_test_add_func("/message/limits/long-line", test_limit_line);
	g_test_add_func("/message/limits/parts", test_limit_parts);
	g_test_add_func("/message/limits/attachment-size", test_limit_attachment_size);
	g_test_add_func("/message/limits/attachment-count", test_limit_attachment_count);
	g_test_add_func("/message/limits/unreadable-input", test_unreadable_input);

	for (gsize i = 0; i < G_N_ELEMENTS(charset_cases); i++)
		add_named("/message/charset/", charset_cases[i].name, &charset_cases[i], test_charset);
	g_test_add_func("/message/charset/nul-in-raw-body", test_nul_in_raw_body);
	g_test_add_func("/message/charset/8bit-headers", test_8bit_subject);

	g_test_add_func("/message/attachments/kinds-and-filenames", test_attachments);
	g_test_add_func("/message/attachments/filename-capped", test_attachment_filename_capped);

	int rc = g_test_run();
	g_mime_shutdown();
	return rc;
}
