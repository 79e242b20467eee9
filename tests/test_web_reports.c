/* The console's register, agencies and reports pages through the real `chaser web`: the
 * register narrowed by its filters; an agency added and an SLO changed by admin, seen by the
 * commands afterwards and audited with admin's address; a bad address answered in the error
 * summary with nothing saved; a manager who reads and downloads but cannot change agencies;
 * forms without their token refused; the downloads the same files `chaser report` and
 * `chaser record` write; and the register filtered and downloaded as xlsx in headless
 * Chromium. Also `chaser agency set`, the command the agencies page shares its code with. */
#include <string.h>
#include <glib/gstdio.h>

#include "message/xlsx_read.h"
#include "support/harness.h"
#include "support/web.h"

#define ADMIN "cp.admin@council.example"
#define MANAGER "team.manager@council.example"
#define WEB_CONF "[web]\nmanagers = " MANAGER "\n"
#define REF2 "CP-2026-0077"
#define NEW_SLO "ann.vale@police.example.org"
/* After both conferences' escalations were raised. */
#define NOW "2026-12-04T10:00"

static const char *const no_web[] = { "web_link", "web_session", "web_request", NULL };

/* The story's conference, its chair escalating lines 1 (Northshire Police) and 2
 * (Brookfield Primary School) on 24 Nov; then a second conference whose chair escalates its
 * line 1 (Northshire Health) on 3 Dec. */
static void two_conferences(Harness *h)
{
	h_story_setup(h);
	h_reply_to(h, "chair", "distribution_list", H_CHAIR, H_CHAIR,
	           "AUTHORISED\nESCALATE 1 no_report: nothing came\n"
	           "ESCALATE 2 no_report: nothing came either\n");
	g_assert_cmpint(h_run(h, "2026-11-24T10:00", "poll", NULL), ==, 0);
	g_assert_cmpint(h_run(h, "2026-11-24T10:00", "flush", NULL), ==, 0);
	const char *t = "2026-12-02T09:00";
	g_assert_cmpint(h_run(h, t, "conference", "add", REF2, "--held", "2026-12-01T10:00",
	                      "--chair", H_CHAIR, "--chair-name", "Dr Ffion Testwood",
	                      "--social-worker", "amara.sowande@council.example", NULL), ==, 0);
	g_autofree char *csv = g_build_filename(h->dir, "list2.csv", NULL);
	g_assert_true(g_file_set_contents(
		csv, "Priya Nair,priya.nair@health.example.org,Northshire Health,absent,none\n", -1,
		NULL));
	g_assert_cmpint(h_run(h, t, "list", "import", REF2, "list2.csv", NULL), ==, 0);
	g_assert_cmpint(h_run(h, t, "list", "send", REF2, NULL), ==, 0);
	g_assert_cmpint(h_run(h, t, "flush", NULL), ==, 0);
	h_reply_to(h, "chair2", "distribution_list", H_CHAIR, H_CHAIR,
	           "AUTHORISED\nESCALATE 1 no_report: nothing from health\n");
	g_assert_cmpint(h_run(h, "2026-12-03T10:00", "poll", NULL), ==, 0);
	g_assert_cmpint(h_run(h, "2026-12-03T10:00", "flush", NULL), ==, 0);
	g_autoptr(JsonNode) all = h_json(h, NOW, "escalations", NULL);
	g_assert_cmpuint(json_array_get_length(json_node_get_array(all)), ==, 3);
}

static guint count_of(const char *hay, const char *needle)
{
	guint n = 0;
	for (const char *p = strstr(hay, needle); p; p = strstr(p + 1, needle))
		n++;
	return n;
}

/* How many register rows a page shows, and how many of them are of `ref` and of `agency`. */
static void assert_rows(const WebResp *r, guint rows, const char *ref, guint of_ref,
                        const char *agency, guint of_agency)
{
	g_assert_cmpint(r->status, ==, 200);
	g_assert_cmpuint(count_of(r->body, "<tr class=\"register-row\">"), ==, rows);
	g_autofree char *ref_cell = g_strdup_printf("\">%s</a></td>", ref);
	g_assert_cmpuint(count_of(r->body, ref_cell), ==, of_ref);
	g_autofree char *agency_cell = g_strdup_printf("<td class=\"agency\">%s</td>", agency);
	g_assert_cmpuint(count_of(r->body, agency_cell), ==, of_agency);
	g_autofree char *count = g_strdup_printf("role=\"status\">%u escalation%s</p>", rows,
	                                         rows == 1 ? "" : "s");
	if (!strstr(r->body, count))
		g_error("the page does not say '%s':\n%s", count, r->body);
}

static void test_register_filters_narrow_the_rows(void)
{
	g_autoptr(Harness) h = h_new(WEB_CONF);
	two_conferences(h);
	Web *w = web_start(h, NOW);
	WebBrowser b = { 0 };
	web_sign_in(w, &b, MANAGER);
	g_autoptr(WebResp) all = web_req(w, &b, "/register", NULL);
	assert_rows(all, 3, H_REF, 2, "Northshire Health", 1);
	g_assert_nonnull(strstr(all->body, "<strong class=\"tag tag-yellow\">Open</strong>"));
	g_autoptr(WebResp) police = web_req(w, &b, "/register?agency=Northshire+Police", NULL);
	assert_rows(police, 1, H_REF, 1, "Northshire Police", 1);
	g_autoptr(WebResp) december = web_req(w, &b, "/register?from=2026-12-01", NULL);
	assert_rows(december, 1, REF2, 1, "Northshire Health", 1);
	g_autoptr(WebResp) november = web_req(w, &b, "/register?from=2026-11-01&to=2026-11-30",
	                                      NULL);
	assert_rows(november, 2, H_REF, 2, "Brookfield Primary School", 1);
	g_autoptr(WebResp) open = web_req(w, &b, "/register?state=open&stage=1", NULL);
	assert_rows(open, 3, REF2, 1, "Northshire Police", 1);
	g_autoptr(WebResp) resolved = web_req(w, &b, "/register?state=resolved", NULL);
	assert_rows(resolved, 0, H_REF, 0, "Northshire Police", 0);
	g_assert_nonnull(strstr(resolved->body, "No escalation matches."));
	g_autoptr(WebResp) stage2 = web_req(w, &b, "/register?stage=2", NULL);
	assert_rows(stage2, 0, H_REF, 0, "Northshire Police", 0);
	g_autoptr(WebResp) both = web_req(w, &b, "/register?agency=Northshire+Health&to=2026-11-30",
	                                  NULL);
	assert_rows(both, 0, REF2, 0, "Northshire Health", 0);
	/* A date that is no date is said, at its field. */
	g_autoptr(WebResp) bad = web_req(w, &b, "/register?from=yesterday", NULL);
	g_assert_nonnull(strstr(bad->body, "There is a problem"));
	g_assert_nonnull(strstr(bad->body, "href=\"#from\""));
	g_assert_nonnull(strstr(bad->body, "id=\"from-error\""));
	web_stop(w);
	web_browser_clear(&b);
}

/* The page's form token, and the form posted with it. */
static WebResp *post_form(Web *w, WebBrowser *b, const char *path, const char *fields)
{
	g_autoptr(WebResp) page = web_req(w, b, "/agencies", NULL);
	g_assert_cmpint(page->status, ==, 200);
	g_autofree char *csrf = web_field(page->body, "csrf");
	g_assert_nonnull(csrf);
	g_autofree char *form = g_strdup_printf("csrf=%s&%s", csrf, fields);
	return web_req(w, b, path, form);
}

/* The audit lines of agencies, "what|object|old|new|source", oldest first. */
static GPtrArray *agency_audit(Harness *h)
{
	sqlite3 *db = h_db_open(h);
	sqlite3_stmt *st = NULL;
	g_assert_cmpint(sqlite3_prepare_v2(db, "SELECT what, object, ifnull(old, ''), new, source"
	                                       " FROM audit WHERE what LIKE 'agency.%' ORDER BY id",
	                                   -1, &st, NULL), ==, SQLITE_OK);
	GPtrArray *out = g_ptr_array_new_with_free_func(g_free);
	while (sqlite3_step(st) == SQLITE_ROW)
		g_ptr_array_add(out, g_strdup_printf("%s|%s|%s|%s|%s", sqlite3_column_text(st, 0),
		                                     sqlite3_column_text(st, 1),
		                                     sqlite3_column_text(st, 2),
		                                     sqlite3_column_text(st, 3),
		                                     sqlite3_column_text(st, 4)));
	sqlite3_finalize(st);
	sqlite3_close(db);
	return out;
}

static gboolean has_line(GPtrArray *lines, const char *line)
{
	for (guint i = 0; i < lines->len; i++)
		if (!strcmp(lines->pdata[i], line))
			return TRUE;
	return FALSE;
}

static void test_agency_added_and_slo_changed_by_admin(void)
{
	g_autoptr(Harness) h = h_new(WEB_CONF);
	h_story_setup(h);
	Web *w = web_start(h, "2026-11-24T09:00");
	WebBrowser b = { 0 };
	web_sign_in(w, &b, ADMIN);
	g_autoptr(WebResp) add = post_form(w, &b, "/agencies/add",
	                                   "add_name=Northshire+Fire&add_slo=jo.hart%40fire.example.org"
	                                   "&add_slo_name=WM+Jo+Hart&add_domains=fire.example.org"
	                                   "&add_lead=");
	g_assert_cmpint(add->status, ==, 303);
	g_assert_cmpstr(add->location, ==, "/agencies?done=added");
	g_autoptr(WebResp) set = post_form(w, &b, "/agencies/slo",
	                                   "set_agency=Northshire+Police&set_slo=" "ann.vale%40police."
	                                   "example.org&set_slo_name=DS+Ann+Vale");
	g_assert_cmpint(set->status, ==, 303);
	g_assert_cmpstr(set->location, ==, "/agencies?done=changed");
	g_autoptr(WebResp) page = web_req(w, &b, "/agencies?done=changed", NULL);
	g_assert_nonnull(strstr(page->body, "<td class=\"name\">Northshire Fire</td>"));
	g_assert_nonnull(strstr(page->body, "jo.hart@fire.example.org"));
	g_assert_nonnull(strstr(page->body, "DS Ann Vale <span class=\"address\">" NEW_SLO));
	g_assert_null(strstr(page->body, H_POLICE_SLO));
	g_assert_nonnull(strstr(page->body, "The agency&#39;s SLO was changed."));
	web_stop(w);

	/* The commands see both: the new agency is there (a second is refused, a professional
	 * of it may be listed) and the police's escalation now asks the new SLO. */
	g_assert_cmpint(h_run(h, "2026-11-24T09:30", "agency", "add", "Northshire Fire", "--slo",
	                      "x@fire.example.org", NULL), !=, 0);
	g_assert_nonnull(strstr(h->err, "already exists"));
	g_assert_cmpint(h_run(h, "2026-11-24T09:30", "conference", "add", REF2, "--held",
	                      "2026-11-23T10:00", "--chair", H_CHAIR, "--social-worker",
	                      "amara.sowande@council.example", NULL), ==, 0);
	if (h_run(h, "2026-11-24T09:30", "attendee", "add", REF2, "--name", "Jo Hart", "--email",
	          "jo.hart@fire.example.org", "--agency", "Northshire Fire", "--attendance",
	          "attended", "--report", "none", NULL))
		g_error("a professional of the new agency is refused: %s", h->err);
	h_reply_to(h, "chair", "distribution_list", H_CHAIR, H_CHAIR,
	           "AUTHORISED\nESCALATE 1 no_report: nothing came\n");
	g_assert_cmpint(h_run(h, "2026-11-24T10:00", "poll", NULL), ==, 0);
	g_assert_cmpint(h_run(h, "2026-11-24T10:00", "flush", NULL), ==, 0);
	g_autoptr(JsonNode) esc = h_json(h, NULL, "escalations", NULL);
	JsonArray *a = json_node_get_array(esc);
	g_assert_cmpuint(json_array_get_length(a), ==, 1);
	g_assert_cmpstr(h_str(json_array_get_object_element(a, 0), "asked"), ==, NEW_SLO);
	g_autofree char *mail = h_mail(h, "escalation", NEW_SLO);
	g_assert_nonnull(mail);
	g_assert_null(h_mail(h, "escalation", H_POLICE_SLO));

	g_autoptr(GPtrArray) audit = agency_audit(h);
	g_assert_true(has_line(audit, "agency.added|Northshire Fire||jo.hart@fire.example.org|web:"
	                              ADMIN));
	g_assert_true(has_line(audit, "agency.slo_changed|Northshire Police|" H_POLICE_SLO "|"
	                              NEW_SLO "|web:" ADMIN));
	web_browser_clear(&b);
}

static void test_bad_slo_in_error_summary_nothing_saved(void)
{
	g_autoptr(Harness) h = h_new(WEB_CONF);
	h_story_setup(h);
	Web *w = web_start(h, "2026-11-24T09:00");
	WebBrowser b = { 0 };
	web_sign_in(w, &b, ADMIN);
	g_autofree char *before = h_dump(h, no_web);
	g_autoptr(WebResp) add = post_form(w, &b, "/agencies/add",
	                                   "add_name=Northshire+Fire&add_slo=jo.hart.fire.example.org"
	                                   "&add_slo_name=&add_domains=%40fire&add_lead=");
	g_assert_cmpint(add->status, ==, 400);
	g_assert_nonnull(strstr(add->body, "<div class=\"error-summary\" role=\"alert\""));
	g_assert_nonnull(strstr(add->body, "There is a problem"));
	g_assert_nonnull(strstr(add->body, "<a href=\"#add_slo\">Enter the SLO&#39;s email address "
	                                   "in the correct format"));
	g_assert_nonnull(strstr(add->body, "<a href=\"#add_domains\">"));
	g_assert_nonnull(strstr(add->body, "<p class=\"error-message\" id=\"add_slo-error\">"));
	g_assert_nonnull(strstr(add->body, "id=\"add_slo\" name=\"add_slo\""));
	/* What was typed is there to correct. */
	g_assert_nonnull(strstr(add->body, "value=\"jo.hart.fire.example.org\""));
	g_assert_nonnull(strstr(add->body, "value=\"Northshire Fire\""));
	g_autoptr(WebResp) set = post_form(w, &b, "/agencies/slo",
	                                   "set_agency=Northshire+Police&set_slo=not+an+address");
	g_assert_cmpint(set->status, ==, 400);
	g_assert_nonnull(strstr(set->body, "<a href=\"#set_slo\">"));
	g_autoptr(WebResp) nobody = post_form(w, &b, "/agencies/slo",
	                                      "set_agency=Nowhere+Police&set_slo=a%40b.example.org");
	g_assert_cmpint(nobody->status, ==, 400);
	g_assert_nonnull(strstr(nobody->body, "<a href=\"#set_agency\">there is no agency"));
	g_autoptr(WebResp) twice = post_form(w, &b, "/agencies/add",
	                                     "add_name=Northshire+Police&add_slo=a%40b.example.org");
	g_assert_cmpint(twice->status, ==, 400);
	g_assert_nonnull(strstr(twice->body, "<a href=\"#add_name\">agency &#39;Northshire Police"
	                                     "&#39; already exists"));
	web_stop(w);
	g_autofree char *after = h_dump(h, no_web);
	h_assert_same("refused agency forms", before, after);
	web_browser_clear(&b);
}

static void test_manager_reads_and_downloads_but_cannot_change(void)
{
	g_autoptr(Harness) h = h_new(WEB_CONF);
	two_conferences(h);
	Web *w = web_start(h, NOW);
	WebBrowser m = { 0 };
	web_sign_in(w, &m, MANAGER);
	g_autofree char *before = h_dump(h, no_web);
	const char *reads[] = { "/register", "/agencies", "/reports",
		                    "/reports/download?quarter=2026-Q4&kind=register&format=csv",
		                    "/reports/download?quarter=2026-Q4&kind=summary&format=xlsx",
		                    "/reports/record?ref=" H_REF "&format=text" };
	for (guint i = 0; i < G_N_ELEMENTS(reads); i++) {
		g_autoptr(WebResp) r = web_req(w, &m, reads[i], NULL);
		if (r->status != 200)
			g_error("a manager gets %ld for %s", r->status, reads[i]);
	}
	g_autoptr(WebResp) page = web_req(w, &m, "/agencies", NULL);
	g_assert_null(strstr(page->body, "action=\"/agencies/add\""));
	g_assert_null(strstr(page->body, "action=\"/agencies/slo\""));
	g_autoptr(WebResp) add = post_form(w, &m, "/agencies/add",
	                                   "add_name=Northshire+Fire&add_slo=jo.hart%40fire.example.org");
	g_assert_cmpint(add->status, ==, 403);
	g_assert_nonnull(strstr(add->body, "Only admin can do this"));
	g_autoptr(WebResp) set = post_form(w, &m, "/agencies/slo",
	                                   "set_agency=Northshire+Police&set_slo=" "ann.vale%40police."
	                                   "example.org");
	g_assert_cmpint(set->status, ==, 403);
	web_stop(w);
	g_autofree char *after = h_dump(h, no_web);
	h_assert_same("a manager's agency forms", before, after);
	web_browser_clear(&m);
}

static void test_agency_forms_without_token_refused(void)
{
	g_autoptr(Harness) h = h_new(WEB_CONF);
	h_story_setup(h);
	Web *w = web_start(h, "2026-11-24T09:00");
	WebBrowser b = { 0 };
	web_sign_in(w, &b, ADMIN);
	g_autofree char *before = h_dump(h, no_web);
	const char *forms[] = {
		"add_name=Northshire+Fire&add_slo=jo.hart%40fire.example.org",
		"csrf=0123456789abcdef0123456789abcdef&add_name=Northshire+Fire&add_slo=jo%40fire.example.org",
	};
	for (guint i = 0; i < G_N_ELEMENTS(forms); i++) {
		g_autoptr(WebResp) r = web_req(w, &b, "/agencies/add", forms[i]);
		g_assert_cmpint(r->status, ==, 403);
		g_assert_nonnull(strstr(r->body, "Form expired"));
	}
	g_autoptr(WebResp) s = web_req(w, &b, "/agencies/slo",
	                               "set_agency=Northshire+Police&set_slo=ann.vale%40police.example.org");
	g_assert_cmpint(s->status, ==, 403);
	/* Nor without a session at all. */
	WebBrowser anon = { 0 };
	g_autoptr(WebResp) r = web_req(w, &anon, "/agencies/add", "add_name=X&add_slo=x%40y.example");
	g_assert_cmpint(r->status, ==, 303);
	g_autoptr(WebResp) g = web_req(w, &anon, "/reports/download?quarter=2026-Q4&kind=register"
	                                         "&format=csv", NULL);
	g_assert_cmpint(g->status, ==, 303);
	g_assert_cmpstr(g->location, ==, "/signin");
	web_stop(w);
	g_autofree char *after = h_dump(h, no_web);
	h_assert_same("agency forms without their token", before, after);
	web_browser_clear(&b), web_browser_clear(&anon);
}

/* The same file `chaser ARGS -o FILE` writes. */
static char *command_file(Harness *h, const char *const *args)
{
	g_autofree char *path = g_build_filename(h->dir, "from-command.out", NULL);
	g_autoptr(GStrvBuilder) sb = g_strv_builder_new();
	g_autofree char *conf = g_strdup(h->conf);
	const char *head[] = { h->bin, "-c", conf, "--now", NOW, NULL };
	g_strv_builder_addv(sb, head);
	g_strv_builder_addv(sb, (const char **)args);
	g_strv_builder_add_many(sb, "-o", path, NULL);
	g_auto(GStrv) argv = g_strv_builder_end(sb);
	int status = 0;
	GError *e = NULL;
	g_assert_true(g_spawn_sync(h->dir, argv, NULL, G_SPAWN_STDOUT_TO_DEV_NULL, NULL, NULL, NULL,
	                           NULL, &status, &e));
	g_assert_no_error(e);
	g_assert_true(g_spawn_check_wait_status(status, NULL));
	char *data = NULL;
	g_assert_true(g_file_get_contents(path, &data, NULL, NULL));
	g_unlink(path);
	return data;
}

static void assert_download(const WebResp *r, const char *type, const char *filename)
{
	g_assert_cmpint(r->status, ==, 200);
	g_autofree char *ct = web_header(r, "Content-Type");
	g_autofree char *cd = web_header(r, "Content-Disposition");
	g_autofree char *cc = web_header(r, "Cache-Control");
	g_autofree char *want = g_strdup_printf("attachment; filename=\"%s\"", filename);
	g_assert_cmpstr(ct, ==, type);
	g_assert_cmpstr(cd, ==, want);
	g_assert_cmpstr(cc, ==, "no-store");
}

/* Whether an xlsx file's first sheet has a cell holding `text`. */
static gboolean xlsx_has(const char *data, gsize len, const char *text)
{
	if (len < 4 || memcmp(data, "PK\x03\x04", 4))
		return FALSE;
	GError *e = NULL;
	g_autoptr(GArray) numbers = NULL;
	g_autoptr(GPtrArray) rows = ch_xlsx_read_rows((const guint8 *)data, len, &numbers, &e);
	g_assert_no_error(e);
	for (guint i = 0; i < rows->len; i++) {
		GPtrArray *cells = rows->pdata[i];
		for (guint k = 0; k < cells->len; k++)
			if (!strcmp(cells->pdata[k], text))
				return TRUE;
	}
	return FALSE;
}

static void test_downloads_are_the_commands_files(void)
{
	g_autoptr(Harness) h = h_new(WEB_CONF);
	two_conferences(h);
	Web *w = web_start(h, NOW);
	WebBrowser b = { 0 };
	web_sign_in(w, &b, MANAGER);
	g_autoptr(WebResp) csv = web_req(w, &b, "/reports/download?quarter=2026-Q4&kind=register"
	                                        "&format=csv", NULL);
	assert_download(csv, "text/csv; charset=utf-8", "escalation-register-2026-Q4.csv");
	const char *csv_args[] = { "report", "--quarter", "2026-Q4", "--kind", "register",
		                       "--format", "csv", NULL };
	g_autofree char *csv_cmd = command_file(h, csv_args);
	g_assert_cmpstr(csv->body, ==, csv_cmd);
	g_assert_nonnull(strstr(csv->body, REF2));

	g_autoptr(WebResp) text = web_req(w, &b, "/reports/download?from=2026-11-01&to=2026-12-31"
	                                         "&kind=summary&format=text", NULL);
	assert_download(text, "text/plain; charset=utf-8",
	                "partnership-summary-2026-11-01-to-2026-12-31.txt");
	const char *text_args[] = { "report", "--from", "2026-11-01", "--to", "2026-12-31", NULL };
	g_autofree char *text_cmd = command_file(h, text_args);
	g_assert_cmpstr(text->body, ==, text_cmd);

	g_autoptr(WebResp) html = web_req(w, &b, "/reports/download?quarter=2026-Q4&kind=all"
	                                         "&format=html", NULL);
	assert_download(html, "text/html; charset=utf-8", "summary-and-register-2026-Q4.html");

	/* A workbook: a zip (PK), whose first sheet, the register, holds both references. */
	g_autoptr(GString) raw = g_string_new(NULL);
	g_autoptr(WebResp) x = web_req(w, &b, "/reports/download?quarter=2026-Q4&kind=register"
	                                      "&format=xlsx", NULL);
	assert_download(x, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
	                "escalation-register-2026-Q4.xlsx");
	g_autofree char *len_s = web_header(x, "Content-Length");
	gsize len = g_ascii_strtoull(len_s, NULL, 10);
	g_assert_cmpuint(len, >, 1000);
	g_assert_true(xlsx_has(x->body, len, H_REF));
	g_assert_true(xlsx_has(x->body, len, REF2));

	g_autoptr(WebResp) rec = web_req(w, &b, "/reports/record?ref=" H_REF "&format=text", NULL);
	assert_download(rec, "text/plain; charset=utf-8", "case-record-" H_REF ".txt");
	const char *rec_args[] = { "record", H_REF, NULL };
	g_autofree char *rec_cmd = command_file(h, rec_args);
	g_assert_cmpstr(rec->body, ==, rec_cmd);
	g_autoptr(WebResp) rec_html = web_req(w, &b, "/reports/record?ref=" H_REF "&format=html",
	                                      NULL);
	assert_download(rec_html, "text/html; charset=utf-8", "case-record-" H_REF ".html");
	/* The conference page offers it. */
	g_autoptr(WebResp) conf = web_req(w, &b, "/conference?ref=" H_REF, NULL);
	g_assert_nonnull(strstr(conf->body, "action=\"/reports/record\""));

	/* What cannot be made is said on the form, or as no such conference. */
	g_autoptr(WebResp) bad = web_req(w, &b, "/reports/download?quarter=2026-Q5&kind=register"
	                                        "&format=csv", NULL);
	g_assert_cmpint(bad->status, ==, 400);
	g_assert_nonnull(strstr(bad->body, "<a href=\"#quarter\">"));
	g_assert_null(web_header(bad, "Content-Disposition"));
	g_autoptr(WebResp) none = web_req(w, &b, "/reports/record?ref=CP-1999-0001&format=text",
	                                  NULL);
	g_assert_cmpint(none->status, ==, 404);
	web_stop(w);
	web_browser_clear(&b);
}

static void test_agency_set_command(void)
{
	g_autoptr(Harness) h = h_new(NULL);
	h_story_setup(h);
	g_assert_cmpint(h_run(h, NULL, "agency", "set", "--help", NULL), ==, 0);
	g_assert_nonnull(strstr(h->out, "--slo"));
	g_assert_nonnull(strstr(h->out, "Senior Liaison Officer"));
	g_autofree char *before = h_dump(h, NULL);
	g_assert_cmpint(h_run(h, NULL, "agency", "set", "Northshire Police", "--slo", "nope", NULL),
	                ==, 2);
	g_assert_nonnull(strstr(h->err, "--slo 'nope' is not an email address"));
	g_assert_cmpint(h_run(h, NULL, "agency", "set", "Northshire Police", NULL), ==, 2);
	g_assert_cmpint(h_run(h, NULL, "agency", "set", "Nowhere", "--slo", NEW_SLO, NULL), ==, 1);
	g_assert_nonnull(strstr(h->err, "there is no agency 'Nowhere'"));
	g_autofree char *after = h_dump(h, NULL);
	h_assert_same("refused agency set", before, after);
	g_assert_cmpint(h_run(h, "2026-11-24T09:00", "agency", "set", "Northshire Police", "--slo",
	                      NEW_SLO, "--slo-name", "DS Ann Vale", NULL), ==, 0);
	g_assert_nonnull(strstr(h->out, NEW_SLO));
	h_reply_to(h, "chair", "distribution_list", H_CHAIR, H_CHAIR,
	           "AUTHORISED\nESCALATE 4 no_report: nothing came\n");
	g_assert_cmpint(h_run(h, "2026-11-24T10:00", "poll", NULL), ==, 0);
	g_assert_cmpint(h_run(h, "2026-11-24T10:00", "flush", NULL), ==, 0);
	g_autoptr(JsonNode) esc = h_json(h, NULL, "escalations", NULL);
	JsonArray *a = json_node_get_array(esc);
	g_assert_cmpuint(json_array_get_length(a), ==, 1);
	g_assert_cmpstr(h_str(json_array_get_object_element(a, 0), "asked"), ==, NEW_SLO);
	g_autofree char *mail = h_mail(h, "escalation", NEW_SLO);
	g_assert_nonnull(mail);
	g_autofree char *body = h_body(mail);
	g_assert_nonnull(strstr(body, "Ann Vale"));
	g_autoptr(GPtrArray) audit = agency_audit(h);
	g_assert_true(has_line(audit, "agency.slo_changed|Northshire Police|" H_POLICE_SLO "|"
	                              NEW_SLO "|cli"));
}

static void test_register_filtered_and_downloaded_in_chromium(void)
{
	g_autoptr(Harness) h = h_new(WEB_CONF);
	two_conferences(h);
	g_autofree char *downloads = g_build_filename(h->dir, "downloads", NULL);
	g_assert_cmpint(g_mkdir(downloads, 0700), ==, 0);
	Web *w = web_start(h, NOW);
	const char *extra[] = { H_REF, REF2, NULL };
	gboolean ran = web_browser_test(w, "test_reports.py", extra, downloads);
	web_stop(w);
	if (!ran)
		return;
	g_autofree char *path = g_build_filename(downloads, "escalation-register-2026-Q4.xlsx",
	                                         NULL);
	g_autofree char *data = NULL;
	gsize len = 0;
	g_assert_true(g_file_get_contents(path, &data, &len, NULL));
	g_assert_true(xlsx_has(data, len, H_REF));
	g_assert_true(xlsx_has(data, len, REF2));
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/web/register-filters-narrow-the-rows", test_register_filters_narrow_the_rows);
	g_test_add_func("/web/agency-added-and-slo-changed-by-admin",
	                test_agency_added_and_slo_changed_by_admin);
	g_test_add_func("/web/bad-slo-in-error-summary-nothing-saved",
	                test_bad_slo_in_error_summary_nothing_saved);
	g_test_add_func("/web/manager-reads-and-downloads-but-cannot-change",
	                test_manager_reads_and_downloads_but_cannot_change);
	g_test_add_func("/web/agency-forms-without-token-refused",
	                test_agency_forms_without_token_refused);
	g_test_add_func("/web/downloads-are-the-commands-files", test_downloads_are_the_commands_files);
	g_test_add_func("/cli/agency-set", test_agency_set_command);
	g_test_add_func("/web/register-filtered-and-downloaded-in-chromium",
	                test_register_filtered_and_downloaded_in_chromium);
	return g_test_run();
}
