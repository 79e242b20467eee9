/* Admin sets up a conference by mailing the shared mailbox (procedure 000: the support
 * assistant produces the distribution list and emails it to the chair), lived through the
 * real binary with --now: an Outlook-shaped and a Gmail-shaped mail, a CSV list and an xlsx
 * list, a bad row answered by its number with nothing created, a stranger's and a forged
 * admin's mail changing nothing, SEND, and corrections before and after the list has gone.
 */
#include <archive.h>
#include <archive_entry.h>
#include <glib/gstdio.h>
#include <signal.h>
#include <sys/wait.h>
#include <string.h>
#include <xlsxwriter.h>

#include "support/harness.h"

#define ADMIN "cp.admin@council.example"
#define MX "mx.council.example"
#define NOW "2026-11-23T09:30"

static const char xlsx_type[] = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
/* What a mail answered (or sent to triage) adds whatever it says: its own row, the answer, the
 * audit of both. */
static const char *const answered[] = { "message", "outbox", "audit", "triage", NULL };

static const char conf_extra[] = "[chaser]\nauthserv_id = " MX "\n";

static Harness *setup(void)
{
	Harness *h = h_new(conf_extra);
	const char *agencies[][2] = {
		{ "Northshire Police", "ruth.calloway@police.example.org" },
		{ "Brookfield Primary School", "owen.pike@brookfield.example.net" },
		{ "Northshire Health", "safeguarding.lead@health.example.org" },
	};
	for (guint i = 0; i < G_N_ELEMENTS(agencies); i++)
		g_assert_cmpint(h_run(h, NOW, "agency", "add", agencies[i][0], "--slo", agencies[i][1],
		                      NULL), ==, 0);
	return h;
}

static const char csv_list[] =
	"name,email,agency,attendance,report\r\n"
	"Sam Okafor,sam.okafor@police.example.org,Northshire Police,absent,none\r\n"
	"Lena Marsh,lena.marsh@brookfield.example.net,Brookfield Primary School,apologies,none\r\n"
	"Priya Nair,priya.nair@health.example.org,Northshire Health,attended,submitted\r\n";

static const char details[] =
	"Held: 20/11/2026 10:00\r\n"
	"Type: initial\r\n"
	"Chair: Dr Ffion Testwood <ffion.testwood@chairs.example.org>\r\n"
	"Social worker: amara.sowande@council.example\r\n";

/* As Outlook (Exchange Online) sends it: multipart/mixed around multipart/alternative, the
 * receiving server's verdict on top. `auth` is that header's result ("pass", "fail"). */
static char *outlook_mail(const char *from, const char *subject, const char *auth,
                          const char *body, const char *fname, const char *type,
                          const guint8 *att, gsize att_len)
{
	const char *dom = strrchr(from, '@') + 1;
	g_autofree char *b64 = att ? h_b64_lines(att, att_len) : NULL;
	g_autofree char *part = att ? g_strdup_printf(
		"--_004_outer_\r\nContent-Type: %s; name=\"%s\"\r\nContent-Description: %s\r\n"
		"Content-Disposition: attachment; filename=\"%s\"; size=%" G_GSIZE_FORMAT "\r\n"
		"Content-Transfer-Encoding: base64\r\n\r\n%s\r\n",
		type, fname, fname, fname, att_len, b64) : g_strdup("");
	return g_strdup_printf(
		"Authentication-Results: " MX "; dkim=%s header.d=%s; spf=%s smtp.mailfrom=%s; "
		"dmarc=%s action=none header.from=%s\r\n"
		"From: Kim Adler <%s>\r\nTo: Child Protection Conference Team <safeguarding@council.example>\r\n"
		"Subject: %s\r\nThread-Topic: %s\r\nThread-Index: AdnB2xYZabc123==\r\n"
		"Date: Mon, 23 Nov 2026 09:12:44 +0000\r\n"
		"Message-ID: <DB9PR01MB1234%s@DB9PR01MB1234.eurprd01.prod.example.com>\r\n"
		"Accept-Language: en-GB, en-US\r\nContent-Language: en-GB\r\n"
		"X-MS-Has-Attach: %s\r\nX-MS-TNEF-Correlator:\r\nMIME-Version: 1.0\r\n"
		"Content-Type: multipart/mixed; boundary=\"_004_outer_\"\r\n\r\n"
		"--_004_outer_\r\nContent-Type: multipart/alternative; boundary=\"_000_alt_\"\r\n\r\n"
		"--_000_alt_\r\nContent-Type: text/plain; charset=\"us-ascii\"\r\n"
		"Content-Transfer-Encoding: quoted-printable\r\n\r\n%s\r\nKim Adler\r\n"
		"Safeguarding Support Assistant\r\n\r\n"
		"--_000_alt_\r\nContent-Type: text/html; charset=\"us-ascii\"\r\n\r\n"
		"<html><body><p>see text part</p></body></html>\r\n--_000_alt_--\r\n\r\n%s"
		"--_004_outer_--\r\n",
		auth, dom, auth, from, auth, dom, from, subject, subject, subject, att ? "yes" : "",
		body, part);
}

/* As Gmail (Google Workspace) sends it: a multipart/mixed with its own boundary style. */
static char *gmail_mail(const char *subject, const char *body, const char *fname,
                        const char *type, const guint8 *att, gsize att_len)
{
	g_autofree char *b64 = att ? h_b64_lines(att, att_len) : NULL;
	g_autofree char *part = att ? g_strdup_printf(
		"--000000000000a1b2c3d4e5f60789\r\nContent-Type: %s; name=\"%s\"\r\n"
		"Content-Disposition: attachment; filename=\"%s\"\r\nContent-Transfer-Encoding: base64\r\n"
		"X-Attachment-Id: f_lq1abc0\r\nContent-ID: <f_lq1abc0>\r\n\r\n%s\r\n",
		type, fname, fname, b64) : g_strdup("");
	return g_strdup_printf(
		"Authentication-Results: " MX "; dkim=pass header.i=@council.example header.s=google "
		"header.b=AbCdEf12; spf=pass (domain of " ADMIN " designates 209.85.0.1 as permitted "
		"sender) smtp.mailfrom=" ADMIN "; dmarc=pass (p=QUARANTINE sp=QUARANTINE dis=NONE) "
		"header.from=council.example\r\n"
		"MIME-Version: 1.0\r\nDate: Mon, 23 Nov 2026 09:14:02 +0000\r\n"
		"Message-ID: <CAGm3qMZx8b2=Yq1@mail.gmail.com>\r\nSubject: %s\r\n"
		"From: Kim Adler <" ADMIN ">\r\nTo: safeguarding@council.example\r\n"
		"Content-Type: multipart/mixed; boundary=\"000000000000a1b2c3d4e5f60789\"\r\n\r\n"
		"--000000000000a1b2c3d4e5f60789\r\n"
		"Content-Type: multipart/alternative; boundary=\"000000000000f1e2d3c4b5a69788\"\r\n\r\n"
		"--000000000000f1e2d3c4b5a69788\r\nContent-Type: text/plain; charset=\"UTF-8\"\r\n\r\n"
		"%s\r\n--000000000000f1e2d3c4b5a69788\r\nContent-Type: text/html; charset=\"UTF-8\"\r\n\r\n"
		"<div dir=\"ltr\">see text</div>\r\n--000000000000f1e2d3c4b5a69788--\r\n%s"
		"--000000000000a1b2c3d4e5f60789--\r\n",
		subject, body, part);
}

/* Admin's reply to the newest mail of `kind` chaser sent them, as a client writes it (to the
 * plus-address, In-Reply-To its Message-ID, the receiving server's pass on top), with an
 * Outlook-style quote of the original below; an attachment when att. */
static void admin_reply(Harness *h, const char *name, const char *kind, const char *body,
                        const char *fname, const char *type, GBytes *att)
{
	g_autofree char *mail = h_mail(h, kind, ADMIN);
	g_assert_nonnull(mail);
	g_autofree char *token = h_token(mail);
	g_autofree char *msgid = h_msgid(mail);
	g_autofree char *subject = h_header(mail, "Subject");
	g_autofree char *orig = h_body(mail);
	gsize len = 0;
	const guint8 *d = att ? g_bytes_get_data(att, &len) : NULL;
	g_autofree char *b64 = att ? h_b64_lines(d, len) : NULL;
	g_autofree char *part = att ? g_strdup_printf(
		"--_b_\r\nContent-Type: %s; name=\"%s\"\r\nContent-Disposition: attachment; "
		"filename=\"%s\"\r\nContent-Transfer-Encoding: base64\r\n\r\n%s\r\n",
		type, fname, fname, b64) : g_strdup("");
	g_autofree char *text = g_strdup_printf(
		"Authentication-Results: " MX "; dkim=pass header.d=council.example; "
		"spf=pass smtp.mailfrom=" ADMIN "; dmarc=pass header.from=council.example\r\n"
		"From: Kim Adler <" ADMIN ">\r\nTo: Safeguarding <safeguarding+%s@council.example>\r\n"
		"Subject: RE: %s\r\nMessage-ID: <%s@council.example>\r\nIn-Reply-To: <%s>\r\n"
		"Date: Mon, 23 Nov 2026 09:40:00 +0000\r\nMIME-Version: 1.0\r\n"
		"Content-Type: multipart/mixed; boundary=\"_b_\"\r\n\r\n"
		"--_b_\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n%s\r\n\r\n"
		"________________________________\r\nFrom: Child Protection Conference Team "
		"<safeguarding@council.example>\r\nSent: 23 November 2026 09:31\r\nTo: Kim Adler "
		"<" ADMIN ">\r\nSubject: %s\r\n\r\n%s\r\n%s--_b_--\r\n",
		token, subject, name, msgid, body, subject, orig, part);
	h_deliver(h, name, text);
}

/* An xlsx written by libxlsxwriter, as a council's own tools write one. */
static GBytes *xlsx_list(guint extra_rows, const char *bad_email_row2)
{
	g_autofree char *dir = g_dir_make_tmp("adminmail-XXXXXX", NULL);
	g_autofree char *path = g_build_filename(dir, "list.xlsx", NULL);
	lxw_workbook *wb = workbook_new(path);
	lxw_worksheet *ws = workbook_add_worksheet(wb, "Distribution list");
	const char *rows[][5] = {
		{ "name", "email", "agency", "attendance", "report" },
		{ "Sam Okafor", "sam.okafor@police.example.org", "Northshire Police", "absent", "none" },
		{ "Lena Marsh", "lena.marsh@brookfield.example.net", "Brookfield Primary School",
		  "apologies", "none" },
		{ "Priya Nair", "priya.nair@health.example.org", "Northshire Health", "attended",
		  "submitted" },
	};
	for (int r = 0; r < 4; r++)
		for (int c = 0; c < 5; c++)
			worksheet_write_string(ws, r, c,
			                       r == 2 && c == 1 && bad_email_row2 ? bad_email_row2 : rows[r][c],
			                       NULL);
	for (guint r = 0; r < extra_rows; r++)
		for (int c = 0; c < 5; c++)
			worksheet_write_string(ws, 4 + r, c, rows[1][c], NULL);
	g_assert_cmpint(workbook_close(wb), ==, LXW_NO_ERROR);
	gchar *data = NULL;
	gsize len = 0;
	g_assert_true(g_file_get_contents(path, &data, &len, NULL));
	g_unlink(path);
	g_rmdir(dir);
	return g_bytes_new_take(data, len);
}


static JsonObject *show(Harness *h, JsonNode **node_r)
{
	*node_r = h_json(h, NOW, "show", H_REF, NULL);
	return json_node_get_object(*node_r);
}

static guint list_len(Harness *h)
{
	g_autoptr(JsonNode) n = NULL;
	JsonObject *o = show(h, &n);
	return json_array_get_length(json_object_get_array_member(o, "attendees"));
}

static gboolean conference_exists(Harness *h)
{
	return h_run(h, NOW, "show", H_REF, NULL) == 0;
}

static void assert_created_and_previewed(Harness *h)
{
	g_assert_true(conference_exists(h));
	g_assert_cmpuint(list_len(h), ==, 3);
	g_autofree char *p = h_mail(h, "admin_setup_list", ADMIN);
	g_assert_nonnull(p);
	g_autofree char *body = h_body(p);
	g_assert_nonnull(strstr(body, "  1. Sam Okafor, Northshire Police: absent; report not expected"));
	g_assert_nonnull(strstr(body, "SEND"));
	g_autofree char *token = h_token(p);
	g_assert_nonnull(token);
	/* Nothing has gone to the chair yet. */
	g_assert_cmpuint(h_count_mail(h, "distribution_list", NULL), ==, 0);
}

static void test_outlook_csv(void)
{
	g_autoptr(Harness) h = setup();
	g_autofree char *mail = outlook_mail(ADMIN, "New conference " H_REF, "pass", details,
	                                     "CP-2026-0042 list.csv", "text/csv",
	                                     (const guint8 *)csv_list, strlen(csv_list));
	h_deliver(h, "outlook-new", mail);
	h_poll_flush(h, NOW);
	assert_created_and_previewed(h);
	/* SEND by reply: the list goes to the chair. */
	admin_reply(h, "send", "admin_setup_list", "SEND\r\n\r\nThanks, Kim", NULL, NULL, NULL);
	h_poll_flush(h, "2026-11-23T09:40");
	g_assert_cmpuint(h_count_mail(h, "distribution_list", H_CHAIR), ==, 1);
	g_autoptr(JsonNode) n = NULL;
	g_assert_cmpstr(h_str(show(h, &n), "state"), ==, "list_sent");
	/* After it has gone, changes are refused with what to do instead. */
	admin_reply(h, "late-add", "admin_setup_answer",
	            "ADD Tom Rees,tom.rees@police.example.org,Northshire Police,attended,none",
	            NULL, NULL, NULL);
	h_poll_flush(h, "2026-11-23T10:00");
	g_assert_cmpuint(list_len(h), ==, 3);
	g_autofree char *ans = h_mail(h, "admin_setup_answer", ADMIN);
	g_autofree char *body = h_body(ans);
	g_assert_nonnull(strstr(body, "cannot change now"));
	g_assert_nonnull(strstr(body, "What to do instead"));
	g_assert_cmpuint(h_count_mail(h, "distribution_list", H_CHAIR), ==, 1);
}

static void test_gmail_xlsx(void)
{
	g_autoptr(Harness) h = setup();
	g_autoptr(GBytes) x = xlsx_list(0, NULL);
	gsize len = 0;
	const guint8 *d = g_bytes_get_data(x, &len);
	g_autofree char *mail = gmail_mail("New conference " H_REF, details, "list.xlsx", xlsx_type,
	                                   d, len);
	h_deliver(h, "gmail-new", mail);
	h_poll_flush(h, NOW);
	assert_created_and_previewed(h);
}

static void test_libreoffice_xlsx(void)
{
	g_autoptr(Harness) h = setup();
	gchar *data = NULL;
	gsize len = 0;
	g_assert_true(g_file_get_contents("tests/data/adminmail/list-libreoffice.xlsx", &data, &len,
	                                  NULL));
	g_autofree char *mail = outlook_mail(ADMIN, "New conference " H_REF, "pass", details,
	                                     "list.xlsx", xlsx_type, (guint8 *)data, len);
	g_free(data);
	h_deliver(h, "lo-new", mail);
	h_poll_flush(h, NOW);
	assert_created_and_previewed(h);
}

static void test_body_list_and_corrections(void)
{
	g_autoptr(Harness) h = setup();
	g_autofree char *body = g_strdup_printf("Hello,\r\n\r\n%sList:\r\n%s\r\nThanks", details,
	                                        csv_list);
	g_autofree char *mail = gmail_mail("New conference " H_REF, body, NULL, NULL, NULL, 0);
	h_deliver(h, "body-new", mail);
	h_poll_flush(h, NOW);
	assert_created_and_previewed(h);
	admin_reply(h, "fix", "admin_setup_list",
	            "REMOVE 2\r\nADD Tom Rees,tom.rees@police.example.org,Northshire Police,attended,none",
	            NULL, NULL, NULL);
	h_poll_flush(h, "2026-11-23T09:40");
	g_assert_cmpuint(list_len(h), ==, 3);
	g_autofree char *p = h_mail(h, "admin_setup_list", ADMIN);
	g_autofree char *b = h_body(p);
	g_assert_nonnull(strstr(b, "  2. Priya Nair"));
	g_assert_nonnull(strstr(b, "  3. Tom Rees"));
	g_assert_nonnull(strstr(b, "Line 2 (Lena Marsh, Brookfield Primary School) was removed."));
	g_assert_null(strstr(b, ". Lena Marsh"));
	admin_reply(h, "replace", "admin_setup_list",
	            "REPLACE LIST\r\nSam Okafor,sam.okafor@police.example.org,Northshire Police,absent,none",
	            NULL, NULL, NULL);
	h_poll_flush(h, "2026-11-23T09:50");
	g_assert_cmpuint(list_len(h), ==, 1);
	/* The new list attached, as a spreadsheet. */
	g_autoptr(GBytes) x = xlsx_list(0, NULL);
	admin_reply(h, "replace-xlsx", "admin_setup_list", "REPLACE LIST", "new list.xlsx",
	            xlsx_type, x);
	h_poll_flush(h, "2026-11-23T09:55");
	g_assert_cmpuint(list_len(h), ==, 3);
	g_assert_cmpuint(h_count_mail(h, "distribution_list", NULL), ==, 0);
}

static void test_bad_row_nothing_created(void)
{
	g_autoptr(Harness) h = setup();
	g_autoptr(GBytes) x = xlsx_list(0, "lena.marsh.example.net");
	gsize len = 0;
	const guint8 *d = g_bytes_get_data(x, &len);
	g_autofree char *mail = outlook_mail(ADMIN, "New conference " H_REF, "pass", details,
	                                     "list.xlsx", xlsx_type, d, len);
	g_autofree char *before = h_dump(h, answered);
	h_deliver(h, "bad", mail);
	h_poll_flush(h, NOW);
	g_autofree char *after = h_dump(h, answered);
	h_assert_same("a list with a bad row", before, after);
	g_assert_false(conference_exists(h));
	g_autofree char *p = h_mail(h, "admin_setup_problems", ADMIN);
	g_assert_nonnull(p);
	g_autofree char *body = h_body(p);
	g_assert_nonnull(strstr(body, "row 3 of list.xlsx: the email is not an email address"));
	g_assert_nonnull(strstr(body, "Chair: Dr Ffion Testwood"));
}

static void test_stranger_and_forged(void)
{
	g_autoptr(Harness) h = setup();
	g_autofree char *stranger = outlook_mail("someone@elsewhere.example.net",
	                                         "New conference " H_REF, "pass", details, "l.csv",
	                                         "text/csv", (const guint8 *)csv_list,
	                                         strlen(csv_list));
	g_autofree char *before = h_dump(h, answered);
	h_deliver(h, "stranger", stranger);
	g_autofree char *forged = outlook_mail(ADMIN, "New conference " H_REF, "fail", details,
	                                       "l.csv", "text/csv", (const guint8 *)csv_list,
	                                       strlen(csv_list));
	h_deliver(h, "forged", forged);
	h_poll_flush(h, NOW);
	g_autofree char *after = h_dump(h, answered);
	h_assert_same("a stranger's and a forged admin's mail", before, after);
	g_assert_false(conference_exists(h));
	/* The forged one waits in triage, held for a sender check, saying why. */
	g_assert_cmpint(h_run(h, NOW, "triage", NULL), ==, 0);
	g_assert_nonnull(strstr(h->out, "not verified"));
	g_assert_cmpuint(h_count_mail(h, "admin_setup_list", NULL), ==, 0);
	g_assert_cmpuint(h_count_mail(h, "admin_setup_problems", NULL), ==, 0);
}

/* A zip whose one sheet entry unpacks to 64 MiB of zeros. */
static GBytes *zip_bomb(void)
{
	struct archive *a = archive_write_new();
	archive_write_set_format_zip(a);
	size_t cap = 1 << 20, used = 0;
	guint8 *buf = g_malloc(cap);
	g_assert_cmpint(archive_write_open_memory(a, buf, cap, &used), ==, ARCHIVE_OK);
	struct archive_entry *e = archive_entry_new();
	archive_entry_set_pathname(e, "xl/worksheets/sheet1.xml");
	archive_entry_set_filetype(e, AE_IFREG);
	archive_entry_set_perm(e, 0644);
	archive_write_header(a, e);
	g_autofree char *zeros = g_malloc0(1 << 20);
	for (int i = 0; i < 64; i++)
		archive_write_data(a, zeros, 1 << 20);
	archive_entry_free(e);
	archive_write_close(a);
	archive_write_free(a);
	return g_bytes_new_take(buf, used);
}

/* A zip of the named entries, each with its text. */
static GBytes *zip_of(const char *const *entries)
{
	struct archive *a = archive_write_new();
	archive_write_set_format_zip(a);
	size_t cap = 1 << 20, used = 0;
	guint8 *buf = g_malloc(cap);
	g_assert_cmpint(archive_write_open_memory(a, buf, cap, &used), ==, ARCHIVE_OK);
	for (guint i = 0; entries[i]; i += 2) {
		struct archive_entry *e = archive_entry_new();
		archive_entry_set_pathname(e, entries[i]);
		archive_entry_set_filetype(e, AE_IFREG);
		archive_entry_set_perm(e, 0644);
		archive_entry_set_size(e, (la_int64_t)strlen(entries[i + 1]));
		archive_write_header(a, e);
		archive_write_data(a, entries[i + 1], strlen(entries[i + 1]));
		archive_entry_free(e);
	}
	archive_write_close(a);
	archive_write_free(a);
	return g_bytes_new_take(buf, used);
}

/* Shared strings that declare an entity and use it many times: small in the zip, huge once
 * the references are expanded (here kept to a few megabytes; an attacker's would not be). */
static GBytes *entity_xlsx(void)
{
	GString *ss = g_string_new("<?xml version=\"1.0\"?>\n<!DOCTYPE sst [<!ENTITY a \"");
	for (int i = 0; i < 4096; i++)
		g_string_append_c(ss, 'x');
	g_string_append(ss, "\">]>\n<sst xmlns=\"http://schemas.openxmlformats.org/"
	                    "spreadsheetml/2006/main\"><si><t>");
	for (int i = 0; i < 1000; i++)
		g_string_append(ss, "&a;");
	g_string_append(ss, "</t></si></sst>");
	const char *entries[] = {
		"xl/sharedStrings.xml", ss->str,
		"xl/worksheets/sheet1.xml",
		"<?xml version=\"1.0\"?>\n<worksheet xmlns=\"http://schemas.openxmlformats.org/"
		"spreadsheetml/2006/main\"><sheetData><row r=\"1\"><c r=\"A1\" t=\"s\"><v>0</v>"
		"</c></row></sheetData></worksheet>",
		NULL,
	};
	GBytes *z = zip_of(entries);
	g_string_free(ss, TRUE);
	return z;
}

static void assert_refused(GBytes *x, const char *why)
{
	g_autoptr(Harness) h = setup();
	gsize len = 0;
	const guint8 *d = g_bytes_get_data(x, &len);
	g_autofree char *mail = outlook_mail(ADMIN, "New conference " H_REF, "pass", details,
	                                     "list.xlsx", xlsx_type, d, len);
	g_autofree char *before = h_dump(h, answered);
	h_deliver(h, "hostile", mail);
	h_poll_flush(h, NOW);
	g_autofree char *after = h_dump(h, answered);
	h_assert_same("a hostile spreadsheet", before, after);
	g_assert_false(conference_exists(h));
	g_autofree char *p = h_mail(h, "admin_setup_problems", ADMIN);
	g_assert_nonnull(p);
	g_autofree char *body = h_body(p);
	if (!strstr(body, why))
		g_error("the answer does not say '%s':\n%s", why, body);
}

static void test_hostile_xlsx(void)
{
	g_autoptr(GBytes) bomb = zip_bomb();
	g_assert_cmpuint(g_bytes_get_size(bomb), <, 1 << 20);
	assert_refused(bomb, "zip bomb");
	g_autoptr(GBytes) big = xlsx_list(1200, NULL);
	assert_refused(big, "more rows than a distribution list could need");
	g_autoptr(GBytes) entity = entity_xlsx();
	assert_refused(entity, "shared strings are not");
}

static void test_confirm_no_sends_at_once(void)
{
	g_autoptr(Harness) h = h_new("[chaser]\nauthserv_id = " MX "\n[admin]\nconfirm = no\n");
	g_assert_cmpint(h_run(h, NOW, "agency", "add", "Northshire Police", "--slo",
	                      "ruth.calloway@police.example.org", NULL), ==, 0);
	g_autofree char *body = g_strdup_printf("%sList:\r\nSam Okafor,sam.okafor@police.example.org,"
	                                        "Northshire Police,absent,none\r\n", details);
	g_autofree char *mail = gmail_mail("New conference " H_REF, body, NULL, NULL, NULL, 0);
	h_deliver(h, "at-once", mail);
	h_poll_flush(h, NOW);
	g_assert_cmpuint(h_count_mail(h, "distribution_list", H_CHAIR), ==, 1);
	g_assert_cmpuint(h_count_mail(h, "admin_setup_list", NULL), ==, 0);
	g_autofree char *p = h_mail(h, "admin_setup_answer", ADMIN);
	g_autofree char *b = h_body(p);
	g_assert_nonnull(strstr(b, "went to the chair (" H_CHAIR ")"));
}

/* Every problem of the form at once, each naming its line; nothing created. */
static void test_form_problems_name_lines(void)
{
	g_autoptr(Harness) h = setup();
	const char body[] = "Hi team,\r\n\r\nHeld: next Tuesday\r\nChair: Ffion Testwood\r\n"
	                    "Social worker: amara.sowande@council.example\r\nList:\r\n"
	                    "Sam Okafor,sam.okafor@police.example.org,Northshire Polise,absent,none\r\n"
	                    "Lena Marsh,lena.marsh@brookfield.example.net,Brookfield Primary School,"
	                    "maybe,none\r\n";
	g_autofree char *mail = outlook_mail(ADMIN, "New conference " H_REF, "pass", body, NULL, NULL,
	                                     NULL, 0);
	h_deliver(h, "form", mail);
	h_poll_flush(h, NOW);
	g_assert_false(conference_exists(h));
	g_autofree char *p = h_mail(h, "admin_setup_problems", ADMIN);
	g_autofree char *b = h_body(p);
	const char *want[] = {
		"line 3 (held): must be a date and time",
		"line 4 (chair): must be an email address",
		"line 7: unknown agency 'Northshire Polise'",
		"line 8: attendance must be attended, apologies or absent",
	};
	for (guint i = 0; i < G_N_ELEMENTS(want); i++)
		if (!strstr(b, want[i]))
			g_error("the answer does not say '%s':\n%s", want[i], b);
}

/* A label written twice with two values (a date corrected lower down, the old line left in)
 * is asked about, naming both lines: chaser never picks one of them silently. The same value
 * twice is no problem. */
static void test_label_twice_asked(void)
{
	g_autoptr(Harness) h = setup();
	g_autofree char *body = g_strconcat(details, "Held: 27/11/2026 10:00\r\n"
	                                    "Type: initial\r\n", NULL);
	g_autofree char *mail = outlook_mail(ADMIN, "New conference " H_REF, "pass", body,
	                                     "CP-2026-0042 list.csv", "text/csv",
	                                     (const guint8 *)csv_list, strlen(csv_list));
	h_deliver(h, "twice", mail);
	h_poll_flush(h, NOW);
	g_assert_false(conference_exists(h));
	g_autofree char *p = h_mail(h, "admin_setup_problems", ADMIN);
	g_autofree char *b = h_body(p);
	if (!strstr(b, "held is written twice, differently (lines 1 and 5)"))
		g_error("the answer does not name both held lines:\n%s", b);
	g_assert_null(strstr(b, "type is written twice"));
}

/* Admin corrects the form by answering the problems mail: what she types above the quote
 * (which still holds her wrong lines, as the form to correct) creates the conference; the
 * quoted wrong lines are not read again. */
static void test_corrected_form_by_reply(void)
{
	g_autoptr(Harness) h = setup();
	const char bad[] = "Held: next Tuesday\r\n"
	                   "Chair: Dr Ffion Testwood <ffion.testwood@chairs.example.org>\r\n"
	                   "Social worker: amara.sowande@council.example\r\nList:\r\n"
	                   "Sam Okafor,sam.okafor@police.example.org,Northshire Polise,absent,none\r\n";
	g_autofree char *mail = outlook_mail(ADMIN, "New conference " H_REF, "pass", bad, NULL, NULL,
	                                     NULL, 0);
	h_deliver(h, "form", mail);
	h_poll_flush(h, NOW);
	g_assert_false(conference_exists(h));
	g_autofree char *problems = h_mail(h, "admin_setup_problems", ADMIN);
	g_assert_nonnull(problems);
	g_autofree char *psubject = h_header(problems, "Subject");
	g_autofree char *pbody = h_body(problems);
	/* The answer asks her to reply keeping the subject; it carries no token, so the reply is
	 * vouched for by the receiving server's pass, as the first mail was. */
	g_autofree char *subject = g_strdup_printf("RE: %s", psubject);
	g_autofree char *fixed = g_strdup_printf(
		"%sList:\r\n%s\r\n________________________________\r\nFrom: Child Protection "
		"Conference Team <safeguarding@council.example>\r\nSent: 23 November 2026 09:31\r\n"
		"To: Kim Adler <" ADMIN ">\r\nSubject: %s\r\n\r\n%s",
		details, strchr(csv_list, '\n') + 1, psubject, pbody);
	g_autofree char *reply = outlook_mail(ADMIN, subject, "pass", fixed, NULL, NULL, NULL, 0);
	h_deliver(h, "fixed", reply);
	h_poll_flush(h, "2026-11-23T09:40");
	assert_created_and_previewed(h);
	g_autoptr(JsonNode) n = NULL;
	JsonObject *o = show(h, &n);
	JsonArray *a = json_object_get_array_member(o, "attendees");
	/* The agency as typed in the correction, not the quoted misspelling. */
	g_assert_cmpstr(json_object_get_string_member(json_array_get_object_element(a, 0), "agency"),
	                ==, "Northshire Police");
}

/* `chaser run` at a fixed --now for a moment, stopped with SIGTERM. */
static void run_briefly(Harness *h, const char *now, guint ms)
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
	g_assert_cmpint(WEXITSTATUS(status), ==, 0);
}

/* Once a week (Monday by default) admin is told what is open, overdue and waiting for a
 * person; once, however often chaser restarts; not on other days. */
static void test_weekly_account(void)
{
	g_autoptr(Harness) h = setup();
	g_autofree char *mail = outlook_mail(ADMIN, "New conference " H_REF, "pass", details,
	                                     "list.csv", "text/csv", (const guint8 *)csv_list,
	                                     strlen(csv_list));
	h_deliver(h, "new", mail);
	h_poll_flush(h, NOW);
	/* A stranger's mail waits in triage for a person. */
	h_deliver(h, "stranger", "From: someone@elsewhere.example.net\nTo: safeguarding@council.example\n"
	                         "Subject: hello\nMessage-ID: <s1@elsewhere.example.net>\n\nhello\n");
	/* Tuesday: no weekly account. */
	run_briefly(h, "2026-11-24T10:00", 1500);
	g_assert_cmpuint(h_count_mail(h, "admin_weekly", NULL), ==, 0);
	/* Monday 30 November: the list, due within 24 hours of the conference, is overdue. */
	run_briefly(h, "2026-11-30T10:00", 1500);
	run_briefly(h, "2026-11-30T11:00", 1500);
	g_assert_cmpuint(h_count_mail(h, "admin_weekly", ADMIN), ==, 1);
	g_autofree char *p = h_mail(h, "admin_weekly", ADMIN);
	g_autofree char *b = h_body(p);
	const char *want[] = {
		"Open: 1 conference, 1 thing owed, 1 overdue.",
		"OVERDUE " H_REF ": the distribution list, to be sent to the chair",
		"Waiting for a person: 1 messages in triage",
		"Messages seen:",
	};
	for (guint i = 0; i < G_N_ELEMENTS(want); i++)
		if (!strstr(b, want[i]))
			g_error("the weekly account does not say '%s':\n%s", want[i], b);
	g_autofree char *subject = h_header(p, "Subject");
	g_assert_cmpstr(subject, ==, "[week] Weekly account");
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/adminmail/outlook-csv-send-then-refused", test_outlook_csv);
	g_test_add_func("/adminmail/gmail-xlsx-libxlsxwriter", test_gmail_xlsx);
	g_test_add_func("/adminmail/xlsx-saved-by-libreoffice", test_libreoffice_xlsx);
	g_test_add_func("/adminmail/body-list-remove-add-replace", test_body_list_and_corrections);
	g_test_add_func("/adminmail/bad-row-named-nothing-created", test_bad_row_nothing_created);
	g_test_add_func("/adminmail/stranger-and-forged-change-nothing", test_stranger_and_forged);
	g_test_add_func("/adminmail/hostile-xlsx-refused", test_hostile_xlsx);
	g_test_add_func("/adminmail/confirm-no-sends-at-once", test_confirm_no_sends_at_once);
	g_test_add_func("/adminmail/form-problems-name-lines", test_form_problems_name_lines);
	g_test_add_func("/adminmail/corrected-form-by-reply", test_corrected_form_by_reply);
	g_test_add_func("/adminmail/label-twice-asked", test_label_twice_asked);
	g_test_add_func("/adminmail/weekly-account", test_weekly_account);
	return g_test_run();
}
