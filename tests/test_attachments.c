/* Reports as agencies really send them, through the binary: Outlook's inline logo beside the
 * PDF, a file name longer than a filesystem allows, the same PDF for two conferences. The
 * report is the document, every attachment is kept under a safe short name, and purging one
 * case never takes a file another still names. */
#include <sqlite3.h>
#include <string.h>
#include <utime.h>
#include <glib/gstdio.h>

#include "support/harness.h"

#define SCHOOL "lena.marsh@brookfield.example.net"
#define OTHER_REF "CP-2026-0077"
#define T "2026-11-26T10:30"

static char *file_sha(const char *path)
{
	g_autofree char *data = NULL;
	gsize len = 0;
	if (!g_file_get_contents(path, &data, &len, NULL))
		return NULL;
	return g_compute_checksum_for_data(G_CHECKSUM_SHA256, (const guint8 *)data, len);
}

static char *fixture_sha(const char *path)
{
	char *sha = file_sha(path);
	g_assert_nonnull(sha);
	return sha;
}

/* Rows of a query against the store, each "col|col|...". */
static GPtrArray *rows(Harness *h, const char *sql)
{
	g_autofree char *db = g_build_filename(h->dir, "spool", "chaser.db", NULL);
	sqlite3 *sq = NULL;
	g_assert_cmpint(sqlite3_open_v2(db, &sq, SQLITE_OPEN_READONLY, NULL), ==, SQLITE_OK);
	sqlite3_busy_timeout(sq, 5000);
	sqlite3_stmt *st = NULL;
	if (sqlite3_prepare_v2(sq, sql, -1, &st, NULL) != SQLITE_OK)
		g_error("%s: %s", sql, sqlite3_errmsg(sq));
	GPtrArray *out = g_ptr_array_new_with_free_func(g_free);
	while (sqlite3_step(st) == SQLITE_ROW) {
		GString *s = g_string_new(NULL);
		for (int i = 0; i < sqlite3_column_count(st); i++) {
			const char *v = (const char *)sqlite3_column_text(st, i);
			g_string_append_printf(s, "%s%s", i ? "|" : "", v ? v : "NULL");
		}
		g_ptr_array_add(out, g_string_free(s, FALSE));
	}
	sqlite3_finalize(st);
	sqlite3_close(sq);
	return out;
}

static void sql(Harness *h, const char *text)
{
	g_autofree char *db = g_build_filename(h->dir, "spool", "chaser.db", NULL);
	sqlite3 *sq = NULL;
	g_assert_cmpint(sqlite3_open(db, &sq), ==, SQLITE_OK);
	sqlite3_busy_timeout(sq, 5000);
	char *msg = NULL;
	if (sqlite3_exec(sq, text, NULL, NULL, &msg) != SQLITE_OK)
		g_error("%s: %s", text, msg);
	sqlite3_close(sq);
}

static JsonObject *school_report(JsonNode *show)
{
	JsonArray *a = json_object_get_array_member(json_node_get_object(show), "reports");
	for (guint i = 0; i < json_array_get_length(a); i++) {
		JsonObject *o = json_array_get_object_element(a, i);
		if (!g_strcmp0(h_str(o, "agency"), "Brookfield Primary School"))
			return o;
	}
	return NULL;
}

static void assert_stored(Harness *h, const char *name, const char *sha)
{
	g_autofree char *path = g_build_filename(h->dir, "spool", "reports", name, NULL);
	g_autofree char *got = file_sha(path);
	if (g_strcmp0(got, sha))
		g_error("spool/reports/%s is %s, not the file with SHA-256 %s", name,
		        got ? "other bytes" : "missing", sha);
}

/* Outlook puts its logo (image001.png, inline, with a Content-ID) before Report.pdf: the
 * PDF is the report, and the logo is kept beside it, each with its SHA-256. */
static void test_outlook_inline_logo_is_not_the_report(void)
{
	g_autoptr(Harness) h = h_new(NULL);
	h_story_setup(h);
	g_autofree char *req = h_school_request(h, H_REF);
	g_autofree char *token = h_token(req);
	g_autofree char *msgid = h_msgid(req);
	g_autofree char *mail = h_fixture("tests/data/attach/outlook-inline-logo.eml", token, msgid);
	h_deliver(h, "outlook", mail);
	g_assert_cmpint(h_run(h, T, "poll", NULL), ==, 0);

	g_autofree char *pdf = fixture_sha("tests/data/attach/report.pdf");
	g_autofree char *png = fixture_sha("tests/data/attach/image001.png");
	g_autoptr(JsonNode) show = h_json(h, T, "show", H_REF, NULL);
	JsonObject *r = school_report(show);
	g_assert_nonnull(r);
	g_assert_cmpstr(h_str(r, "state"), ==, "received");
	g_assert_cmpstr(h_str(r, "sha256"), ==, pdf);

	g_autofree char *pdf_name = g_strdup_printf("%s-Report.pdf", pdf);
	g_autofree char *png_name = g_strdup_printf("%s-image001.png", png);
	assert_stored(h, pdf_name, pdf);
	assert_stored(h, png_name, png);
	g_autoptr(GPtrArray) att = rows(h, "SELECT n, filename, content_type, sha256, file, is_report"
	                                   " FROM attachment ORDER BY n");
	g_assert_cmpuint(att->len, ==, 2);
	g_autofree char *want0 = g_strdup_printf("0|image001.png|image/png|%s|%s|0", png, png_name);
	g_autofree char *want1 = g_strdup_printf("1|Report.pdf|application/pdf|%s|%s|1", pdf,
	                                         pdf_name);
	g_assert_cmpstr(att->pdata[0], ==, want0);
	g_assert_cmpstr(att->pdata[1], ==, want1);
	g_autoptr(GPtrArray) rep = rows(h, "SELECT file FROM report WHERE sha256 IS NOT NULL");
	g_assert_cmpuint(rep->len, ==, 1);
	g_assert_cmpstr(rep->pdata[0], ==, pdf_name);
}

/* Signatures, vCards and winmail.dat are never the report either; the document is, even
 * when it comes last. */
static void test_signature_vcard_tnef_are_not_the_report(void)
{
	g_autoptr(Harness) h = h_new(NULL);
	h_story_setup(h);
	const char *parts =
		"Content-Type: application/ms-tnef; name=\"winmail.dat\"\r\n"
		"Content-Disposition: attachment; filename=\"winmail.dat\"\r\n\r\nTNEF\r\n--r\r\n"
		"Content-Type: text/vcard; name=\"Sam Okafor.vcf\"\r\n"
		"Content-Disposition: attachment; filename=\"Sam Okafor.vcf\"\r\n\r\n"
		"BEGIN:VCARD\r\nFN:Sam Okafor\r\nEND:VCARD\r\n--r\r\n"
		"Content-Type: application/pkcs7-signature; name=\"smime.p7s\"\r\n"
		"Content-Disposition: attachment; filename=\"smime.p7s\"\r\n\r\nSIG\r\n--r\r\n"
		"Content-Type: application/vnd.oasis.opendocument.text; name=\"report.odt\"\r\n"
		"Content-Disposition: attachment; filename=\"report.odt\"\r\n\r\nthe report itself";
	g_autofree char *mail = h_report_mail(h, H_REF, "signed", parts);
	h_deliver(h, "signed", mail);
	g_assert_cmpint(h_run(h, T, "poll", NULL), ==, 0);
	g_autofree char *sha = g_compute_checksum_for_string(G_CHECKSUM_SHA256, "the report itself",
	                                                     -1);
	g_autoptr(JsonNode) show = h_json(h, T, "show", H_REF, NULL);
	g_assert_cmpstr(h_str(school_report(show), "sha256"), ==, sha);
	g_autoptr(GPtrArray) att = rows(h, "SELECT count(*), sum(is_report) FROM attachment");
	g_assert_cmpstr(att->pdata[0], ==, "4|1");
}

/* A 300-byte file name once failed every attempt (ENAMETOOLONG, taken for a passing error):
 * now the file is stored under a short safe name and the report is received. */
static void test_long_file_name_is_stored_short(void)
{
	g_autoptr(Harness) h = h_new(NULL);
	h_story_setup(h);
	GString *name = g_string_new(NULL);
	while (name->len < 296)
		g_string_append(name, "Post-conference report (Brookfield Primary School) ");
	g_string_truncate(name, 296);
	g_string_append(name, ".pdf");
	g_assert_cmpuint(name->len, ==, 300);
	g_autofree char *part = g_strdup_printf(
		"Content-Type: application/pdf\r\nContent-Disposition: attachment;\r\n"
		" filename=\"%s\"\r\n\r\n%%PDF-1.4 long-named",
		name->str);
	g_autofree char *mail = h_report_mail(h, H_REF, "long", part);
	h_deliver(h, "long", mail);
	g_assert_cmpint(h_run(h, T, "poll", NULL), ==, 0);
	g_assert_nonnull(strstr(h->out, "1 handled"));

	g_autofree char *sha = g_compute_checksum_for_string(G_CHECKSUM_SHA256, "%PDF-1.4 long-named",
	                                                     -1);
	g_autoptr(JsonNode) show = h_json(h, T, "show", H_REF, NULL);
	JsonObject *r = school_report(show);
	g_assert_cmpstr(h_str(r, "state"), ==, "received");
	g_assert_cmpstr(h_str(r, "sha256"), ==, sha);
	g_autoptr(GPtrArray) rep = rows(h, "SELECT file FROM report WHERE sha256 IS NOT NULL");
	g_assert_cmpuint(rep->len, ==, 1);
	const char *stored = rep->pdata[0];
	g_assert_cmpuint(strlen(stored), <=, 136);
	g_assert_true(g_str_has_prefix(stored, sha));
	g_assert_true(g_str_has_suffix(stored, ".pdf"));
	for (const char *p = stored; *p; p++)
		g_assert_true(g_ascii_isalnum(*p) || *p == '-' || *p == '_' || *p == '.');
	assert_stored(h, stored, sha);
	/* The name as sent stays on the record, cut to 200 bytes with its extension. */
	g_autoptr(GPtrArray) att = rows(h, "SELECT length(filename), substr(filename, -4) FROM"
	                                   " attachment");
	g_assert_cmpstr(att->pdata[0], ==, "200|.pdf");
}

/* A raw message kept for an hour with no row is one that fails every time it is tried:
 * reconcile says so, instead of "nothing was dropped". */
static void test_reconcile_names_a_message_never_recorded(void)
{
	g_autoptr(Harness) h = h_new(NULL);
	g_autofree char *dir = g_build_filename(h->dir, "spool", "messages", NULL);
	g_assert_cmpint(g_mkdir_with_parents(dir, 0700), ==, 0);
	const char *raw = "From: someone@example.net\r\nSubject: stuck\r\n\r\nnever recorded\r\n";
	g_autofree char *sha = g_compute_checksum_for_string(G_CHECKSUM_SHA256, raw, -1);
	g_autofree char *name = g_strdup_printf("%s.eml", sha);
	g_autofree char *path = g_build_filename(dir, name, NULL);
	g_assert_true(g_file_set_contents(path, raw, -1, NULL));
	/* Just written: a message in hand, a note only. */
	g_assert_cmpint(h_run(h, NULL, "reconcile", NULL), ==, 0);
	struct utimbuf old = { time(NULL) - 7200, time(NULL) - 7200 };
	g_assert_cmpint(utime(path, &old), ==, 0);
	g_assert_cmpint(h_run(h, NULL, "reconcile", NULL), ==, 1);
	g_autofree char *want = g_strdup_printf("FAULT: message %.12s has waited since", sha);
	g_assert_nonnull(strstr(h->out, want));
	g_assert_null(strstr(h->out, "nothing was dropped"));
	g_assert_cmpint(g_unlink(path), ==, 0);
}

/* The same PDF sent for two conferences is one file named by two rows: purging the first
 * leaves it for the second, whose record still names it. */
static void test_purge_keeps_a_file_another_case_names(void)
{
	g_autoptr(Harness) h = h_new(NULL);
	h_story_setup(h);
	const char *t = "2026-11-23T10:00";
	g_assert_cmpint(h_run(h, t, "conference", "add", OTHER_REF, "--held", "2026-11-20T14:00",
	                      "--chair", "quentin.harrow@chairs.example.org", "--social-worker",
	                      "bex.ormond@council.example", NULL), ==, 0);
	g_assert_cmpint(h_run(h, t, "attendee", "add", OTHER_REF, "--name", "Lena Marsh", "--email",
	                      SCHOOL, "--agency", "Brookfield Primary School", "--attendance",
	                      "apologies", "--report", "none", NULL), ==, 0);
	g_assert_cmpint(h_run(h, t, "list", "send", OTHER_REF, NULL), ==, 0);
	g_assert_cmpint(h_run(h, t, "flush", NULL), ==, 0);

	const char *part = "Content-Type: application/pdf\r\n"
	                   "Content-Disposition: attachment; filename=\"report.pdf\"\r\n\r\n"
	                   "%PDF-1.4 the same report for both";
	g_autofree char *one = h_report_mail(h, H_REF, "one", part);
	g_autofree char *two = h_report_mail(h, OTHER_REF, "two", part);
	h_deliver(h, "1-one", one);
	h_deliver(h, "2-two", two);
	g_assert_cmpint(h_run(h, T, "poll", NULL), ==, 0);
	g_autofree char *sha = g_compute_checksum_for_string(G_CHECKSUM_SHA256,
	                                                     "%PDF-1.4 the same report for both", -1);
	g_autoptr(JsonNode) a = h_json(h, T, "show", H_REF, NULL);
	g_autoptr(JsonNode) b = h_json(h, T, "show", OTHER_REF, NULL);
	g_assert_cmpstr(h_str(school_report(a), "sha256"), ==, sha);
	g_assert_cmpstr(h_str(school_report(b), "sha256"), ==, sha);
	g_autofree char *name = g_strdup_printf("%s-report.pdf", sha);
	assert_stored(h, name, sha);

	/* The first case is finished and its retention over. */
	sql(h, "UPDATE conference SET state = 'closed', closed_at = '2026-12-01T10:00:00+00:00'"
	       " WHERE ref = '" H_REF "'");
	g_assert_cmpint(h_run(h, "2027-06-02T10:00", "purge", "--before", "2027-06-01", NULL), ==, 0);
	g_assert_nonnull(strstr(h->out, "removed 1 conference,"));
	g_assert_cmpint(h_run(h, "2027-06-02T10:00", "show", H_REF, NULL), ==, 1);

	assert_stored(h, name, sha);
	g_autoptr(GPtrArray) left = rows(h, "SELECT c.ref, a.file FROM attachment a JOIN conference c"
	                                    " ON c.id = a.conference_id");
	g_assert_cmpuint(left->len, ==, 1);
	g_autofree char *want = g_strdup_printf(OTHER_REF "|%s", name);
	g_assert_cmpstr(left->pdata[0], ==, want);
	g_assert_cmpint(h_run(h, "2027-06-02T10:00", "record", OTHER_REF, NULL), ==, 0);
	g_assert_nonnull(strstr(h->out, sha));
	/* And the account of files balances (h_free's reconcile checks every named file). */
	g_assert_cmpint(h_run(h, "2027-06-02T10:00", "reconcile", NULL), ==, 0);
}

/* Base64 in lines of 76, CRLF, as mail clients write it. */
/* An attachment is decoded from the message into its own file, not kept in memory on the
 * way: the file in spool/reports holds exactly the bytes the sender attached (3 MB of every
 * byte value, base64; a quoted-printable text beside it), the rows give their sizes, and no
 * temporary file is left behind. */
static void test_attachment_decoded_to_its_file_byte_exact(void)
{
	g_autoptr(Harness) h = h_new(NULL);
	h_story_setup(h);
	gsize len = 3 * 1024 * 1024 + 17;
	guint8 *pdf = h_random_pdf(len, 18);
	g_autofree char *b64 = h_b64_lines(pdf, len);
	g_autofree char *sha = g_compute_checksum_for_data(G_CHECKSUM_SHA256, pdf, len);
	const char *note = "Caf\xc3\xa9 notes: line one\r\nline two =E2=82=AC\r\n";
	const char *note_plain = "Caf\xc3\xa9 notes: line one\r\nline two \xe2\x82\xac\r\n";
	g_autofree char *note_sha = g_compute_checksum_for_string(G_CHECKSUM_SHA256, note_plain, -1);
	g_autofree char *part = g_strdup_printf(
		"Content-Type: application/pdf; name=\"Report.pdf\"\r\n"
		"Content-Disposition: attachment; filename=\"Report.pdf\"\r\n"
		"Content-Transfer-Encoding: base64\r\n\r\n%s--r\r\n"
		"Content-Type: text/plain; charset=utf-8; name=\"notes.txt\"\r\n"
		"Content-Disposition: attachment; filename=\"notes.txt\"\r\n"
		"Content-Transfer-Encoding: quoted-printable\r\n\r\n%s",
		b64, note);
	g_autofree char *mail = h_report_mail(h, H_REF, "exact", part);
	h_deliver(h, "exact", mail);
	g_assert_cmpint(h_run(h, T, "poll", NULL), ==, 0);

	g_autofree char *pdf_name = g_strdup_printf("%s-Report.pdf", sha);
	g_autofree char *note_name = g_strdup_printf("%s-notes.txt", note_sha);
	assert_stored(h, pdf_name, sha);
	assert_stored(h, note_name, note_sha);
	g_autofree char *path = g_build_filename(h->dir, "spool", "reports", pdf_name, NULL);
	g_autofree char *got = NULL;
	gsize got_len = 0;
	g_assert_true(g_file_get_contents(path, &got, &got_len, NULL));
	g_assert_cmpmem(got, got_len, pdf, len);
	g_free(pdf);
	g_autoptr(GPtrArray) att = rows(h, "SELECT n, filename, size, sha256, is_report"
	                                   " FROM attachment ORDER BY n");
	g_assert_cmpuint(att->len, ==, 2);
	g_autofree char *want0 = g_strdup_printf("0|Report.pdf|%" G_GSIZE_FORMAT "|%s|1", len, sha);
	g_autofree char *want1 = g_strdup_printf("1|notes.txt|%" G_GSIZE_FORMAT "|%s|0",
	                                         strlen(note_plain), note_sha);
	g_assert_cmpstr(att->pdata[0], ==, want0);
	g_assert_cmpstr(att->pdata[1], ==, want1);
	g_autoptr(JsonNode) show = h_json(h, T, "show", H_REF, NULL);
	JsonObject *rep = school_report(show);
	g_assert_nonnull(rep);
	g_assert_cmpstr(h_str(rep, "sha256"), ==, sha);
	g_autofree char *dir = g_build_filename(h->dir, "spool", "reports", NULL);
	g_autoptr(GDir) d = g_dir_open(dir, 0, NULL);
	g_assert_nonnull(d);
	for (const char *n; (n = g_dir_read_name(d)) != NULL;)
		g_assert_false(g_str_has_prefix(n, ".incoming-"));
}

/* A message of more MIME parts than the limit (500) is refused before GMime builds a tree
 * for it, and held for a person, never lost: in triage with the reason, its raw copy kept
 * byte for byte under its fingerprint, and nothing of it stored as a report. */
static void test_many_parts_message_held_not_lost(void)
{
	g_autoptr(Harness) h = h_new(NULL);
	h_story_setup(h);
	GString *parts = g_string_new("Content-Type: text/plain\r\n\r\nfirst\r\n");
	for (guint i = 0; i < 20000; i++)
		g_string_append(parts, "--r\r\n\r\n");
	g_string_append(parts, "--r\r\nContent-Type: text/plain\r\n\r\nlast");
	g_autofree char *mail = h_report_mail(h, H_REF, "parts", parts->str);
	g_string_free(parts, TRUE);
	h_deliver(h, "parts", mail);
	g_assert_cmpint(h_run(h, T, "poll", NULL), ==, 0);

	g_autofree char *fp = g_compute_checksum_for_string(G_CHECKSUM_SHA256, mail, -1);
	g_autoptr(GPtrArray) msg = rows(h, "SELECT state, fingerprint, raw_path FROM message");
	g_assert_cmpuint(msg->len, ==, 1);
	g_autofree char *want = g_strdup_printf("triage|%s|%s.eml", fp, fp);
	g_assert_cmpstr(msg->pdata[0], ==, want);
	g_autoptr(GPtrArray) why = rows(h, "SELECT reason FROM triage");
	g_assert_cmpuint(why->len, ==, 1);
	g_assert_cmpstr(why->pdata[0], ==,
	                "cannot be read: message has more than 5000 MIME parts, limit 500");
	g_autofree char *name = g_strdup_printf("%s.eml", fp);
	g_autofree char *raw = g_build_filename(h->dir, "spool", "messages", name, NULL);
	g_autofree char *kept = NULL;
	gsize kept_len = 0;
	g_assert_true(g_file_get_contents(raw, &kept, &kept_len, NULL));
	g_assert_cmpmem(kept, kept_len, mail, strlen(mail));
	g_autoptr(GPtrArray) att = rows(h, "SELECT count(*) FROM attachment");
	g_assert_cmpstr(att->pdata[0], ==, "0");
}

/* A crash between decoding an attachment (or fetching a large message in ranges) and naming
 * it leaves a ".incoming-" file that no row names, and it may hold a child's report: purge
 * takes it once it is older than the date and than an hour; one being written now stays.
 * Before, such a file stayed for ever. */
static void test_purge_takes_interrupted_attachment(void)
{
	g_autoptr(Harness) h = h_new(NULL);
	g_assert_cmpint(h_run(h, "2026-11-23T09:00", "init", NULL), ==, 0);
	g_autofree char *dir = g_build_filename(h->dir, "spool", "reports", NULL);
	g_assert_cmpint(g_mkdir_with_parents(dir, 0700), ==, 0);
	g_autofree char *old = g_build_filename(dir, ".incoming-A1b2C3", NULL);
	g_autofree char *msgs = g_build_filename(h->dir, "spool", "messages", NULL);
	g_assert_cmpint(g_mkdir_with_parents(msgs, 0700), ==, 0);
	g_autofree char *old_msg = g_build_filename(msgs, ".incoming-G7h8I9", NULL);
	g_assert_true(g_file_set_contents(old_msg, "From: half a message", -1, NULL));
	g_autofree char *fresh = g_build_filename(dir, ".incoming-D4e5F6", NULL);
	g_assert_true(g_file_set_contents(old, "%PDF-1.4 half a report", -1, NULL));
	g_assert_true(g_file_set_contents(fresh, "%PDF-1.4 being written", -1, NULL));
	struct utimbuf jan = { .actime = 1767225600, .modtime = 1767225600 }; /* 1 Jan 2026 */
	g_assert_cmpint(utime(old, &jan), ==, 0);
	g_assert_cmpint(utime(old_msg, &jan), ==, 0);
	g_assert_cmpint(h_run(h, "2027-06-02T10:00", "purge", "--before", "2027-06-01",
	                      "--dry-run", NULL), ==, 0);
	g_assert_true(g_file_test(old, G_FILE_TEST_EXISTS));
	g_assert_cmpint(h_run(h, "2027-06-02T10:00", "purge", "--before", "2027-06-01", NULL), ==, 0);
	g_assert_false(g_file_test(old, G_FILE_TEST_EXISTS));
	g_assert_false(g_file_test(old_msg, G_FILE_TEST_EXISTS));
	g_assert_true(g_file_test(fresh, G_FILE_TEST_EXISTS));
	/* Not older than the date given: it stays. */
	g_assert_cmpint(utime(fresh, &jan), ==, 0);
	g_assert_cmpint(h_run(h, "2025-06-02T10:00", "purge", "--before", "2025-06-01", NULL), ==, 0);
	g_assert_true(g_file_test(fresh, G_FILE_TEST_EXISTS));
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/attachments/outlook-inline-logo-is-not-the-report",
	                test_outlook_inline_logo_is_not_the_report);
	g_test_add_func("/attachments/signature-vcard-tnef-are-not-the-report",
	                test_signature_vcard_tnef_are_not_the_report);
	g_test_add_func("/attachments/long-file-name-is-stored-short",
	                test_long_file_name_is_stored_short);
	g_test_add_func("/attachments/reconcile-names-a-message-never-recorded",
	                test_reconcile_names_a_message_never_recorded);
	g_test_add_func("/attachments/purge-takes-an-interrupted-attachment",
	                test_purge_takes_interrupted_attachment);
	g_test_add_func("/attachments/purge-keeps-a-file-another-case-names",
	                test_purge_keeps_a_file_another_case_names);
	g_test_add_func("/attachments/decoded-to-its-file-byte-exact",
	                test_attachment_decoded_to_its_file_byte_exact);
	g_test_add_func("/attachments/many-parts-message-held-not-lost",
	                test_many_parts_message_held_not_lost);
	return g_test_run();
}
