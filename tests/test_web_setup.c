/* The console's new conference: the form (fields and a distribution list uploaded as CSV or
 * xlsx, or typed), its problems at the top and beside each field with nothing saved, the
 * check-your-answers page, and the conference created with its list sent to the chair.
 * Through the real `chaser web` with libcurl; then the same story in headless Chromium
 * (tests/web/test_setup.py; skipped without Selenium, a failure under CHASER_TEST_STRICT=1). */
#include <string.h>
#include <glib/gstdio.h>
#include <xlsxwriter.h>

#include "support/harness.h"
#include "support/web.h"

#define ADMIN "cp.admin@council.example"
#define MANAGER "team.manager@council.example"
#define NEW_REF "CP-2026-0077"
#define NEW_CHAIR "rhys.bellamy@chairs.example.org"
#define NOW "2026-11-24T10:00"

static const char good_csv[] =
	"name,email,agency,attendance,report\n"
	"Sam Okafor,sam.okafor@police.example.org,Northshire Police,absent,none\n"
	"Priya Nair,priya.nair@health.example.org,Northshire Health,attended,submitted\n";

/* Row 3 (the second professional) has no address. */
static const char bad_csv[] =
	"name,email,agency,attendance,report\n"
	"Sam Okafor,sam.okafor@police.example.org,Northshire Police,absent,none\n"
	"Priya Nair,not-an-address,Northshire Health,attended,submitted\n";

typedef struct {
	Harness *h;
	Web *w;
	WebBrowser b;
} Fixture;

static void setup(Fixture *f, gconstpointer data)
{
	f->h = h_new("[web]\nmanagers = " MANAGER "\n");
	h_story_setup(f->h);
	f->w = web_start(f->h, NOW);
	memset(&f->b, 0, sizeof f->b);
	web_sign_in(f->w, &f->b, data ? data : ADMIN);
}

static void teardown(Fixture *f, gconstpointer data)
{
	web_stop(f->w);
	web_browser_clear(&f->b);
	h_free(f->h);
}

static char *form_csrf(Fixture *f)
{
	g_autoptr(WebResp) r = web_req(f->w, &f->b, "/conference/new", NULL);
	g_assert_cmpint(r->status, ==, 200);
	g_assert_nonnull(strstr(r->body, "enctype=\"multipart/form-data\""));
	char *csrf = web_field(r->body, "csrf");
	g_assert_nonnull(csrf);
	return csrf;
}

/* The form sent with these fields' values (ref and held as given) and the list. */
static WebResp *send_form(Fixture *f, const char *csrf, const char *ref, const char *held,
                          const char *rows, const char *file_name, const char *type,
                          const void *data, gsize len)
{
	const char *fields[] = {
		"csrf", csrf ? csrf : "",
		"ref", ref,
		"held", held,
		"type", "initial",
		"chair", NEW_CHAIR,
		"chair_name", "Dr Rhys Bellamy",
		"social_worker", "amara.sowande@council.example",
		"practice_manager", "",
		"minute_taker", "",
		"procedure", "",
		"list_rows", rows ? rows : "",
		NULL,
	};
	return web_req_multipart(f->w, &f->b, "/conference/new", csrf ? fields : fields + 2,
	                         "list_file", file_name ? file_name : "", type, data, len);
}

static gboolean conference_exists(Fixture *f, const char *ref)
{
	return h_run(f->h, NOW, "show", ref, NULL) == 0;
}

static void test_bad_row(Fixture *f, gconstpointer data)
{
	g_autofree char *csrf = form_csrf(f);
	g_autoptr(WebResp) r = send_form(f, csrf, NEW_REF, "2026-11-23 14:00", NULL, "list.csv",
	                                 "text/csv", bad_csv, strlen(bad_csv));
	g_assert_cmpint(r->status, ==, 422);
	g_assert_nonnull(strstr(r->body, "role=\"alert\""));
	g_assert_nonnull(strstr(r->body, "tabindex=\"-1\""));
	g_assert_nonnull(strstr(r->body, "There is a problem"));
	g_assert_nonnull(
	    strstr(r->body, "<a href=\"#list_file\">Row 3: the email is not an email address</a>"));
	g_assert_nonnull(strstr(r->body, "id=\"list_file-error\""));
	g_assert_nonnull(strstr(r->body, "aria-describedby=\"list_file-hint list_file-error\""));
	/* What was typed is still there. */
	g_assert_nonnull(strstr(r->body, "value=\"" NEW_REF "\""));
	g_assert_nonnull(strstr(r->body, "value=\"" NEW_CHAIR "\""));
	g_assert_false(conference_exists(f, NEW_REF));

	/* Typed rows are checked the same way, each problem naming its row. */
	g_autoptr(WebResp) t = send_form(f, csrf, NEW_REF, "2026-11-23 14:00",
	                                 "Sam Okafor,sam.okafor@police.example.org,Northshire "
	                                 "Police,absent,none\nLee Kay,lee.kay@police.example.org,"
	                                 "Nowhere Agency,absent,none\n",
	                                 NULL, NULL, NULL, 0);
	g_assert_cmpint(t->status, ==, 422);
	g_assert_nonnull(strstr(t->body, "<a href=\"#list_rows\">Row 2: unknown agency"));
	g_assert_nonnull(strstr(t->body, "Lee Kay,lee.kay@police.example.org"));
	g_assert_false(conference_exists(f, NEW_REF));
}

static void test_bad_fields(Fixture *f, gconstpointer data)
{
	g_autofree char *csrf = form_csrf(f);
	g_autoptr(WebResp) r = send_form(f, csrf, "x", "someday", good_csv, NULL, NULL, NULL, 0);
	g_assert_cmpint(r->status, ==, 422);
	g_assert_nonnull(strstr(r->body, "<a href=\"#ref\">Reference must be 3 to 40"));
	g_assert_nonnull(strstr(r->body, "<a href=\"#held\">Held must be a date and time"));
	/* Beside each field, and named by its aria-describedby. */
	g_assert_nonnull(strstr(r->body, "<p class=\"error-message\" id=\"ref-error\"><span "
	                                 "class=\"visually-hidden\">Error:</span> Reference must be"));
	g_assert_nonnull(strstr(r->body, "<p class=\"error-message\" id=\"held-error\"><span "
	                                 "class=\"visually-hidden\">Error:</span> Held must be"));
	g_assert_nonnull(strstr(r->body, "aria-describedby=\"ref-hint ref-error\""));
	g_assert_nonnull(strstr(r->body, "aria-describedby=\"held-hint held-error\""));
	g_assert_null(strstr(r->body, "id=\"chair-error\""));
	g_assert_nonnull(strstr(r->body, "value=\"someday\""));

	/* A reference already in use is refused too, beside the reference. */
	g_autoptr(WebResp) taken =
	    send_form(f, csrf, H_REF, "2026-11-23 14:00", good_csv, NULL, NULL, NULL, 0);
	g_assert_cmpint(taken->status, ==, 422);
	g_assert_nonnull(strstr(taken->body, "<a href=\"#ref\">There is a conference " H_REF));
}

static void test_manager_refused(Fixture *f, gconstpointer data)
{
	g_autoptr(WebResp) get = web_req(f->w, &f->b, "/conference/new", NULL);
	g_assert_cmpint(get->status, ==, 403);
	g_assert_nonnull(strstr(get->body, "Only admin"));
	g_autoptr(WebResp) page = web_req(f->w, &f->b, "/", NULL);
	g_autofree char *csrf = web_field(page->body, "csrf");
	g_assert_null(strstr(page->body, "href=\"/conference/new\""));
	g_autoptr(WebResp) r = send_form(f, csrf, NEW_REF, "2026-11-23 14:00", good_csv, NULL,
	                                 NULL, NULL, 0);
	g_assert_cmpint(r->status, ==, 403);
	g_assert_nonnull(strstr(r->body, "Only admin"));
	g_autoptr(WebResp) c = web_req(f->w, &f->b, "/conference/new/create", "csrf=x");
	g_assert_cmpint(c->status, ==, 403);
	g_assert_false(conference_exists(f, NEW_REF));
}

static void test_no_csrf(Fixture *f, gconstpointer data)
{
	g_autoptr(WebResp) r = send_form(f, NULL, NEW_REF, "2026-11-23 14:00", good_csv, NULL,
	                                 NULL, NULL, 0);
	g_assert_cmpint(r->status, ==, 403);
	g_assert_nonnull(strstr(r->body, "Form expired"));
	g_autoptr(WebResp) wrong = send_form(f, "0123", NEW_REF, "2026-11-23 14:00", good_csv,
	                                     NULL, NULL, NULL, 0);
	g_assert_cmpint(wrong->status, ==, 403);
	g_assert_false(conference_exists(f, NEW_REF));
	/* A file goes only to the new conference's form. */
	const char *fields[] = { "csrf", "x", NULL };
	g_autoptr(WebResp) elsewhere = web_req_multipart(f->w, &f->b, "/triage/decide", fields,
	                                                 "list_file", "a.csv", "text/csv", "a", 1);
	g_assert_cmpint(elsewhere->status, ==, 415);
	/* And a body past the cap is refused whole. */
	gsize big = (2u << 20) + 1;
	g_autofree char *huge = g_malloc(big);
	memset(huge, 'a', big);
	g_autofree char *csrf = form_csrf(f);
	g_autoptr(WebResp) too_big =
	    send_form(f, csrf, NEW_REF, "2026-11-23 14:00", NULL, "list.csv", "text/csv", huge, big);
	g_assert_cmpint(too_big->status, ==, 413);
	g_assert_false(conference_exists(f, NEW_REF));
}

/* After a good form: the check page, then the confirmation; the conference is there with
 * its list, and the list went to the chair. */
static void confirm_and_verify(Fixture *f, WebResp *sent)
{
	g_assert_cmpint(sent->status, ==, 303);
	g_assert_cmpstr(sent->location, ==, "/conference/new/check");
	g_assert_false(conference_exists(f, NEW_REF));
	g_autoptr(WebResp) check = web_req(f->w, &f->b, "/conference/new/check", NULL);
	g_assert_cmpint(check->status, ==, 200);
	g_assert_nonnull(strstr(check->body, "Check your answers"));
	g_assert_nonnull(strstr(check->body, "<dd>" NEW_REF "</dd>"));
	g_assert_nonnull(strstr(check->body, "href=\"/conference/new?change=1#ref\""));
	g_assert_nonnull(strstr(check->body, "<td>Priya Nair</td>"));
	g_assert_nonnull(strstr(check->body, "Create and send the list to the chair"));
	/* Change: the form again, filled from the draft. */
	g_autoptr(WebResp) change = web_req(f->w, &f->b, "/conference/new?change=1", NULL);
	g_assert_cmpint(change->status, ==, 200);
	g_assert_nonnull(strstr(change->body, "value=\"" NEW_REF "\""));
	g_assert_false(conference_exists(f, NEW_REF));
	g_autofree char *csrf = web_field(check->body, "csrf");
	g_autofree char *form = g_strdup_printf("csrf=%s", csrf);
	g_autoptr(WebResp) done = web_req(f->w, &f->b, "/conference/new/create", form);
	g_assert_cmpint(done->status, ==, 303);
	g_assert_cmpstr(done->location, ==, "/conference?ref=" NEW_REF);
	g_autoptr(JsonNode) show = h_json(f->h, NOW, "show", NEW_REF, NULL);
	JsonObject *o = json_node_get_object(show);
	g_assert_cmpstr(h_str(o, "state"), ==, "list_sent");
	g_assert_cmpuint(json_array_get_length(json_object_get_array_member(o, "attendees")), ==,
	                 2);
	g_autofree char *mail = h_mail(f->h, "distribution_list", NEW_CHAIR);
	g_assert_nonnull(mail);
	g_autofree char *subject = h_header(mail, "Subject");
	g_assert_nonnull(strstr(subject, "[" NEW_REF "]"));
	g_autofree char *body = h_body(mail);
	g_assert_nonnull(strstr(body, "Priya Nair"));
	/* The draft is gone: confirming twice creates nothing more. */
	g_autoptr(WebResp) again = web_req(f->w, &f->b, "/conference/new/create", form);
	g_assert_cmpint(again->status, ==, 409);
	g_autoptr(WebResp) page = web_req(f->w, &f->b, "/conference?ref=" NEW_REF, NULL);
	g_assert_cmpint(page->status, ==, 200);
	g_assert_nonnull(strstr(page->body, "Awaiting the chair"));
	/* Audited with the person's address: the conference, its list and the send. */
	g_autoptr(GPtrArray) audit = h_audit(f->h, NEW_REF);
	guint by_admin = 0;
	gboolean added = FALSE, imported = FALSE, queued = FALSE;
	for (guint i = 0; i < audit->len; i++) {
		const char *line = audit->pdata[i];
		if (!g_str_has_suffix(line, "|web:" ADMIN))
			continue;
		by_admin++;
		added |= g_str_has_prefix(line, "conference.added|");
		imported |= g_str_has_prefix(line, "list.imported|");
		queued |= g_str_has_prefix(line, "list.sent|");
	}
	g_assert_true(added && imported);
	g_assert_cmpuint(by_admin, >=, 3);
	g_assert_true(queued);
}

static void test_good_csv(Fixture *f, gconstpointer data)
{
	g_autofree char *csrf = form_csrf(f);
	g_autoptr(WebResp) r = send_form(f, csrf, NEW_REF, "2026-11-23 14:00", NULL, "list.csv",
	                                 "text/csv", good_csv, strlen(good_csv));
	confirm_and_verify(f, r);
}

static GBytes *xlsx_list(void)
{
	g_autofree char *dir = g_dir_make_tmp("websetup-XXXXXX", NULL);
	g_autofree char *path = g_build_filename(dir, "list.xlsx", NULL);
	lxw_workbook *wb = workbook_new(path);
	lxw_worksheet *ws = workbook_add_worksheet(wb, "Distribution list");
	const char *rows[][5] = {
		{ "name", "email", "agency", "attendance", "report" },
		{ "Sam Okafor", "sam.okafor@police.example.org", "Northshire Police", "absent", "none" },
		{ "Priya Nair", "priya.nair@health.example.org", "Northshire Health", "attended",
		  "submitted" },
	};
	for (int r = 0; r < 3; r++)
		for (int c = 0; c < 5; c++)
			worksheet_write_string(ws, r, c, rows[r][c], NULL);
	g_assert_cmpint(workbook_close(wb), ==, LXW_NO_ERROR);
	gchar *data = NULL;
	gsize len = 0;
	g_assert_true(g_file_get_contents(path, &data, &len, NULL));
	g_unlink(path);
	g_rmdir(dir);
	return g_bytes_new_take(data, len);
}

static void test_good_xlsx(Fixture *f, gconstpointer data)
{
	g_autoptr(GBytes) x = xlsx_list();
	gsize len = 0;
	const void *bytes = g_bytes_get_data(x, &len);
	g_autofree char *csrf = form_csrf(f);
	g_autoptr(WebResp) r =
	    send_form(f, csrf, NEW_REF, "2026-11-23 14:00", NULL, "list.xlsx",
	              "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", bytes, len);
	confirm_and_verify(f, r);
}

static void test_in_chromium(void)
{
	g_autoptr(Harness) h = h_new("[web]\nmanagers = " MANAGER "\n");
	h_story_setup(h);
	g_autofree char *bad = g_build_filename(h->dir, "bad-list.csv", NULL);
	g_autofree char *good = g_build_filename(h->dir, "list.csv", NULL);
	g_assert_true(g_file_set_contents(bad, bad_csv, -1, NULL));
	g_assert_true(g_file_set_contents(good, good_csv, -1, NULL));
	Web *w = web_start(h, NOW);
	const char *extra[] = { NEW_REF, NEW_CHAIR, bad, good, NULL };
	gboolean ran = web_browser_test(w, "test_setup.py", extra, NULL);
	web_stop(w);
	if (!ran)
		return;
	g_autoptr(JsonNode) show = h_json(h, NOW, "show", NEW_REF, NULL);
	g_assert_cmpstr(h_str(json_node_get_object(show), "state"), ==, "list_sent");
	g_autofree char *mail = h_mail(h, "distribution_list", NEW_CHAIR);
	g_assert_nonnull(mail);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
#define ADD(path, fn, who) g_test_add(path, Fixture, who, setup, fn, teardown)
	ADD("/web-setup/bad-row-saves-nothing", test_bad_row, NULL);
	ADD("/web-setup/bad-fields-beside-them", test_bad_fields, NULL);
	ADD("/web-setup/manager-refused", test_manager_refused, MANAGER);
	ADD("/web-setup/csrf-and-bounds", test_no_csrf, NULL);
	ADD("/web-setup/good-csv-sent", test_good_csv, NULL);
	ADD("/web-setup/good-xlsx-sent", test_good_xlsx, NULL);
	g_test_add_func("/web-setup/in-chromium", test_in_chromium);
	return g_test_run();
}
