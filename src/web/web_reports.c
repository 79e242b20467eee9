#include "web/web_reports.h"

#include <string.h>
#include <unistd.h>
#include <glib/gstdio.h>

#include "app/agency.h"
#include "app/setup.h"
#include "engine/commands.h"
#include "report/record.h"
#include "report/register.h"
#include "report/report_doc.h"
#include "report/report_page.h"
#include "report/report_xlsx.h"
#include "report/summary.h"
#include "store/views.h"
#include "util/clock.h"
#include "util/error.h"
#include "web/web_page.h"

#define XLSX_TYPE "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

/* The register page's states in words, and the colour of their tags. */
static const char *esc_words(ChEscState st, const char **tag)
{
	switch (st) {
	case CH_ESC_OPEN: *tag = "tag-yellow"; return "Open";
	case CH_ESC_RESPONDED: *tag = "tag-blue"; return "Answered, to confirm";
	case CH_ESC_RESOLVED: *tag = "tag-green"; return "Resolved";
	case CH_ESC_UNRESOLVED: *tag = "tag-red"; return "Unresolved";
	default: *tag = "tag-grey"; return "Closed";
	}
}

/* One problem of a form: in the error summary (a link to its field) and beside the field
 * (the value "e_FIELD"). */
static void form_error(ChWebVars *v, const char *field, const char *text)
{
	ChWebVars *item = ch_web_vars_add(v, "errors");
	ch_web_vars_setf(item, "href", "#%s", field);
	ch_web_vars_set(item, "text", text);
	g_autofree char *key = g_strdup_printf("e_%s", field);
	ch_web_vars_set(v, key, text);
}

/* The field, and it kept in the form as "v_FIELD" for the page shown again. */
static const char *kept(const ChWebRequest *req, ChWebVars *v, const char *field)
{
	const char *value = ch_web_views_arg(req, field);
	g_autofree char *key = g_strdup_printf("v_%s", field);
	ch_web_vars_set(v, key, value);
	return value;
}

/* A date field: TRUE with *d set, or an empty field (*given FALSE); FALSE when it is not a
 * date, with the problem added. */
static gboolean date_field(const ChWebRequest *req, ChWebVars *v, const char *field,
                           const char *label, GDate *d, gboolean *given)
{
	const char *s = kept(req, v, field);
	GDate parsed;
	*given = *s != '\0';
	if (!*given)
		return TRUE;
	if (ch_clock_parse_date(s, &parsed)) {
		*d = parsed;
		return TRUE;
	}
	g_autofree char *why = g_strdup_printf("%s must be a date, like 2026-10-01", label);
	form_error(v, field, why);
	return FALSE;
}

/* ---- the register --------------------------------------------------------------------- */

typedef struct {
	const char *agency;     /* "" for any */
	gboolean by_state;
	ChEscState state;
	gint64 stage;           /* 0 for any */
} RegisterFilter;

static gboolean register_keeps(const RegisterFilter *f, const ChRegisterRow *r)
{
	ChEscState st;
	if (*f->agency && g_ascii_strcasecmp(f->agency, r->agency ? r->agency : ""))
		return FALSE;
	if (f->by_state && (!ch_esc_state_parse(r->state, &st) || st != f->state))
		return FALSE;
	return !f->stage || r->stage == f->stage;
}

static void register_row(ChWebVars *v, const ChRegisterRow *r)
{
	ChWebVars *item = ch_web_vars_add(v, "rows");
	g_autofree char *q = g_uri_escape_string(r->ref, NULL, TRUE);
	g_autofree char *raised = ch_date_format_long(&r->raised_date);
	g_autofree char *why = ch_reasons_describe(r->reasons);
	ch_web_vars_set(item, "ref", r->ref);
	ch_web_vars_setf(item, "href", "/conference?ref=%s", q);
	ch_web_vars_set(item, "agency", r->agency);
	ch_web_vars_set(item, "professional", r->professional);
	ch_web_vars_set(item, "raised", raised);
	ch_web_vars_set(item, "why", why);
	ch_web_vars_setf(item, "stage", "%d", r->stage);
	ch_web_vars_set(item, "stage_title", r->stage_title);
	ChEscState st;
	const char *tag = "tag-grey";
	ch_web_vars_set(item, "state", ch_esc_state_parse(r->state, &st) ? esc_words(st, &tag)
	                                                                   : r->state);
	ch_web_vars_set(item, "tag", tag);
	ch_web_vars_set(item, "timely", ch_timeliness_name(r->timely));
	ch_web_vars_set(item, "outcome", r->outcome);
}

void ch_web_register(ChApp *app, const ChWebRequest *req, ChWebResponse *resp)
{
	g_autoptr(ChWebVars) v = ch_web_vars_new();
	RegisterFilter f = { .agency = kept(req, v, "agency") };
	const char *state = kept(req, v, "state");
	f.by_state = *state && ch_esc_state_parse(state, &f.state);
	const char *stage = kept(req, v, "stage");
	guint64 n = 0;
	if (*stage && g_ascii_string_to_unsigned(stage, 10, 1, 99, &n, NULL))
		f.stage = (gint64)n;
	/* No dates: every escalation chaser holds. */
	GDate from, to;
	g_date_set_dmy(&from, 1, 1, 1900);
	g_date_set_dmy(&to, 31, 12, 2100);
	gboolean given;
	date_field(req, v, "from", "Raised from", &from, &given);
	date_field(req, v, "to", "Raised to", &to, &given);
	GError *e = NULL;
	g_autoptr(GDateTime) now = ch_clock_now();
	g_autoptr(GPtrArray) rows = ch_register_load(app, &from, &to, now, &e);
	g_autoptr(GPtrArray) agencies = rows ? ch_store_view_agencies(app->store, &e) : NULL;
	if (!agencies) {
		ch_web_views_store_failed(app, req, resp, e);
		return;
	}
	for (guint i = 0; i < agencies->len; i++) {
		const char *name = ch_store_row_str(agencies->pdata[i], 0);
		ChWebVars *o = ch_web_vars_add(v, "agencies");
		ch_web_vars_set(o, "name", name);
		if (!g_ascii_strcasecmp(name, f.agency))
			ch_web_vars_set(o, "selected", "yes");
	}
	for (int k = 0; k < CH_ESC_N_STATES; k++) {
		ChWebVars *o = ch_web_vars_add(v, "states");
		const char *tag;
		ch_web_vars_set(o, "value", ch_esc_state_name(k));
		ch_web_vars_set(o, "words", esc_words(k, &tag));
		if (f.by_state && (int)f.state == k)
			ch_web_vars_set(o, "selected", "yes");
	}
	int top = 3;
	for (guint i = 0; i < rows->len; i++)
		top = MAX(top, ((ChRegisterRow *)rows->pdata[i])->stage);
	for (int k = 1; k <= top; k++) {
		ChWebVars *o = ch_web_vars_add(v, "stages");
		ch_web_vars_setf(o, "value", "%d", k);
		if (f.stage == k)
			ch_web_vars_set(o, "selected", "yes");
	}
	guint shown = 0;
	for (guint i = 0; i < rows->len; i++) {
		if (!register_keeps(&f, rows->pdata[i]))
			continue;
		register_row(v, rows->pdata[i]);
		shown++;
	}
	ch_web_vars_setf(v, "count", "%u escalation%s", shown, shown == 1 ? "" : "s");
	ch_web_views_page(app, req, resp, 200, "register", "Escalation register", v);
}

/* ---- agencies ------------------------------------------------------------------------- */

static const char *const add_fields[CH_AGENCY_N_FIELDS] = {
	[CH_AGENCY_NAME] = "add_name", [CH_AGENCY_SLO] = "add_slo",
	[CH_AGENCY_SLO_NAME] = "add_slo_name", [CH_AGENCY_LEAD] = "add_lead",
	[CH_AGENCY_DOMAIN] = "add_domains",
};
static const char *const set_fields[CH_AGENCY_N_FIELDS] = {
	[CH_AGENCY_NAME] = "set_agency", [CH_AGENCY_SLO] = "set_slo",
	[CH_AGENCY_SLO_NAME] = "set_slo_name", [CH_AGENCY_LEAD] = "set_slo",
	[CH_AGENCY_DOMAIN] = "set_slo",
};

/* The page, with `v` holding what a refused form needs shown again. */
static void agencies_page(ChApp *app, const ChWebRequest *req, ChWebResponse *resp,
                          guint status, ChWebVars *v)
{
	GError *e = NULL;
	g_autoptr(GPtrArray) all = ch_store_view_agencies(app->store, &e);
	if (!all) {
		ch_web_views_store_failed(app, req, resp, e);
		return;
	}
	const char *chosen = ch_web_views_arg(req, "set_agency");
	for (guint i = 0; i < all->len; i++) {
		const ChStoreRow *row = all->pdata[i];
		ChWebVars *item = ch_web_vars_add(v, "agencies");
		ch_web_vars_set(item, "name", ch_store_row_str(row, 0));
		ch_web_vars_set(item, "slo", ch_store_row_str(row, 1));
		ch_web_vars_set(item, "slo_name", ch_store_row_str(row, 2));
		ch_web_vars_set(item, "lead", ch_store_row_str(row, 3));
		ch_web_vars_set(item, "domains", ch_store_row_str(row, 4));
		if (!g_ascii_strcasecmp(chosen, ch_store_row_str(row, 0)))
			ch_web_vars_set(item, "selected", "yes");
	}
	const char *done = ch_web_views_arg(req, "done");
	if (!strcmp(done, "added"))
		ch_web_vars_set(v, "done", "The agency was added.");
	else if (!strcmp(done, "changed"))
		ch_web_vars_set(v, "done", "The agency's SLO was changed.");
	ch_web_views_page(app, req, resp, status,  "agencies",
	                 status == 200 ? "Agencies" : "Error: Agencies", v);
}

void ch_web_agencies(ChApp *app, const ChWebRequest *req, ChWebResponse *resp)
{
	g_autoptr(ChWebVars) v = ch_web_vars_new();
	agencies_page(app, req, resp, 200, v);
}

/* What a refused agency form gets: each problem at its field, or the store's failure. */
static void agency_refused(ChApp *app, const ChWebRequest *req, ChWebResponse *resp,
                           ChWebVars *v, GPtrArray *problems, GError *e,
                           const char *const *field_of)
{
	if (e && e->code == CH_ERROR_TEMPORARY) {
		ch_web_views_store_failed(app, req, resp, e);
		return;
	}
	if (e) {
		/* A name taken, or no agency by that name: the name's field. */
		form_error(v, field_of[CH_AGENCY_NAME], e->message);
		g_error_free(e);
	}
	for (guint i = 0; problems && i < problems->len; i++) {
		const ChSetupProblem *p = problems->pdata[i];
		form_error(v, field_of[p->where < CH_AGENCY_N_FIELDS ? p->where : 0], p->text);
	}
	agencies_page(app, req, resp, 400, v);
}

/* "police.example.org, police.example.net" (commas or spaces) as a vector. */
static char **domains_of(const char *text)
{
	g_auto(GStrv) parts = g_strsplit_set(text, ", \t\r\n", -1);
	GPtrArray *out = g_ptr_array_new();
	for (char **p = parts; *p; p++)
		if (**p)
			g_ptr_array_add(out, g_strdup(*p));
	g_ptr_array_add(out, NULL);
	return (char **)g_ptr_array_free(out, FALSE);
}

static const char *or_null(const char *s)
{
	return s && *s ? s : NULL;
}

void ch_web_agency_add(ChApp *app, const ChWebRequest *req, ChWebResponse *resp)
{
	g_autoptr(ChWebVars) v = ch_web_vars_new();
	g_auto(GStrv) domains = domains_of(kept(req, v, "add_domains"));
	ChAgencyIn in = { .name = kept(req, v, "add_name"), .slo = kept(req, v, "add_slo"),
	                  .slo_name = or_null(kept(req, v, "add_slo_name")),
	                  .lead = or_null(kept(req, v, "add_lead")),
	                  .domains = (const char *const *)domains };
	g_autoptr(GPtrArray) problems = ch_setup_problems_new();
	if (!ch_agency_check(&in, TRUE, problems)) {
		agency_refused(app, req, resp, v, problems, NULL, add_fields);
		return;
	}
	g_autofree char *source = ch_web_auth_source(req->address);
	GError *e = NULL;
	if (!ch_agency_add(app, &in, source, &e)) {
		agency_refused(app, req, resp, v, NULL, e, add_fields);
		return;
	}
	g_message("web: an agency added from the console");
	ch_web_views_redirect(resp, "/agencies?done=added");
}

void ch_web_agency_slo(ChApp *app, const ChWebRequest *req, ChWebResponse *resp)
{
	g_autoptr(ChWebVars) v = ch_web_vars_new();
	ChAgencyIn in = { .name = ch_web_views_arg(req, "set_agency"),
	                  .slo = kept(req, v, "set_slo"),
	                  .slo_name = or_null(kept(req, v, "set_slo_name")) };
	g_autoptr(GPtrArray) problems = ch_setup_problems_new();
	if (!ch_agency_check(&in, FALSE, problems)) {
		/* An agency not chosen is said as such, not as a name left empty. */
		for (guint i = 0; i < problems->len; i++) {
			ChSetupProblem *p = problems->pdata[i];
			if (p->where == CH_AGENCY_NAME) {
				g_free(p->text);
				p->text = g_strdup("Choose the agency whose SLO changes");
			}
		}
		agency_refused(app, req, resp, v, problems, NULL, set_fields);
		return;
	}
	g_autofree char *source = ch_web_auth_source(req->address);
	GError *e = NULL;
	if (!ch_agency_set_slo(app, &in, source, &e)) {
		agency_refused(app, req, resp, v, NULL, e, set_fields);
		return;
	}
	g_message("web: an agency's SLO changed from the console");
	ch_web_views_redirect(resp, "/agencies?done=changed");
}

/* ---- reports -------------------------------------------------------------------------- */

static void reports_page(ChApp *app, const ChWebRequest *req, ChWebResponse *resp,
                         guint status, ChWebVars *v)
{
	if (!*ch_web_views_arg(req, "quarter") && !*ch_web_views_arg(req, "from") &&
	    status == 200) {
		/* The quarter now, the one most often asked for. */
		g_autoptr(GDateTime) now = ch_clock_now();
		GDate today;
		ch_clock_local_date(now, &today);
		int y, q;
		ch_summary_quarter_of(&today, &y, &q);
		ch_web_vars_setf(v, "v_quarter", "%d-Q%d", y, q);
	}
	const char *kind = ch_web_views_arg(req, "kind");
	const char *format = ch_web_views_arg(req, "format");
	const char *kinds[] = { "summary", "register", "all" };
	const char *kind_words[] = { "Partnership summary", "Escalation register",
		                         "Both: the summary, then the register" };
	for (guint i = 0; i < G_N_ELEMENTS(kinds); i++) {
		ChWebVars *o = ch_web_vars_add(v, "kinds");
		ch_web_vars_set(o, "value", kinds[i]);
		ch_web_vars_set(o, "words", kind_words[i]);
		if (!strcmp(kind, kinds[i]))
			ch_web_vars_set(o, "selected", "yes");
	}
	const char *formats[] = { "xlsx", "csv", "html", "text" };
	const char *format_words[] = { "Spreadsheet (xlsx)", "CSV", "Web page (HTML)",
		                           "Plain text" };
	for (guint i = 0; i < G_N_ELEMENTS(formats); i++) {
		ChWebVars *o = ch_web_vars_add(v, "formats");
		ch_web_vars_set(o, "value", formats[i]);
		ch_web_vars_set(o, "words", format_words[i]);
		if (!strcmp(format, formats[i]))
			ch_web_vars_set(o, "selected", "yes");
	}
	ch_web_views_page(app, req, resp, status, "reports",
	                 status == 200 ? "Reports" : "Error: Reports", v);
}

void ch_web_reports(ChApp *app, const ChWebRequest *req, ChWebResponse *resp)
{
	g_autoptr(ChWebVars) v = ch_web_vars_new();
	reports_page(app, req, resp, 200, v);
}

/* The body of an attachment named `name`: only ASCII letters, digits, '-', '_' and '.'
 * reach the header (a reference or a period never needs more). */
static void attachment(ChWebResponse *resp, const char *type, const char *name, char *body,
                       gsize len)
{
	g_autofree char *safe = g_strdup(name);
	for (char *p = safe; *p; p++)
		if (!g_ascii_isalnum(*p) && *p != '-' && *p != '_' && *p != '.')
			*p = '_';
	resp->status = 200;
	resp->type = type;
	resp->body = body;
	resp->body_len = len;
	resp->disposition = g_strdup_printf("attachment; filename=\"%s\"", safe);
}

/* The workbook's bytes: ch_xlsx_write writes a file, so it is written in a private folder
 * and read back. */
static char *xlsx_bytes(const ChDoc *doc, gsize *len, GError **error)
{
	g_autofree char *dir = g_dir_make_tmp("chaser-web-XXXXXX", error);
	if (!dir)
		return NULL;
	g_autofree char *path = g_build_filename(dir, "report.xlsx", NULL);
	char *data = NULL;
	if (ch_xlsx_write(doc, path, error))
		g_file_get_contents(path, &data, len, error);
	g_unlink(path);
	g_rmdir(dir);
	return data;
}

/* The period a report form asks for, as a quarter ("2026-Q3") or two dates: its name for
 * the file ("2026-Q3", "2026-10-01-to-2026-12-31"), or NULL with the problems added to v. */
static char *report_period(const ChWebRequest *req, ChWebVars *v, GDate *from, GDate *to)
{
	const char *quarter = kept(req, v, "quarter");
	gboolean f_given = FALSE, t_given = FALSE;
	if (*quarter) {
		kept(req, v, "from"), kept(req, v, "to");
		if (!ch_summary_quarter(quarter, from, to)) {
			form_error(v, "quarter", "Quarter must be like 2026-Q3");
			return NULL;
		}
		int y, q;
		ch_summary_quarter_of(from, &y, &q);
		return g_strdup_printf("%d-Q%d", y, q);
	}
	gboolean ok = date_field(req, v, "from", "From", from, &f_given);
	ok = date_field(req, v, "to", "To", to, &t_given) && ok;
	if (!ok)
		return NULL;
	if (!f_given || !t_given) {
		form_error(v, f_given ? "to" : "from",
		           "Enter a quarter, or the first and last days of the period");
		return NULL;
	}
	if (g_date_compare(from, to) > 0) {
		form_error(v, "to", "To must be the same day as From or after it");
		return NULL;
	}
	char a[16], b[16];
	g_date_strftime(a, sizeof a, "%Y-%m-%d", from);
	g_date_strftime(b, sizeof b, "%Y-%m-%d", to);
	return g_strdup_printf("%s-to-%s", a, b);
}

void ch_web_report_download(ChApp *app, const ChWebRequest *req, ChWebResponse *resp)
{
	g_autoptr(ChWebVars) v = ch_web_vars_new();
	const char *kind = ch_web_views_arg(req, "kind");
	const char *format = ch_web_views_arg(req, "format");
	GDate from, to;
	g_autofree char *period = report_period(req, v, &from, &to);
	gboolean ok = period != NULL;
	if (strcmp(kind, "summary") && strcmp(kind, "register") && strcmp(kind, "all")) {
		form_error(v, "kind", "Choose what to download");
		ok = FALSE;
	}
	if (strcmp(format, "text") && strcmp(format, "csv") && strcmp(format, "xlsx") &&
	    strcmp(format, "html")) {
		form_error(v, "format", "Choose a format");
		ok = FALSE;
	}
	if (!ok) {
		reports_page(app, req, resp, 400, v);
		return;
	}
	GError *e = NULL;
	g_autoptr(GDateTime) now = ch_clock_now();
	g_autoptr(ChDoc) doc = ch_summary_doc(app, kind, &from, &to, now, &e);
	if (!doc) {
		ch_web_views_store_failed(app, req, resp, e);
		return;
	}
	const char *base = !strcmp(kind, "register") ? "escalation-register"
	                   : !strcmp(kind, "all")    ? "summary-and-register"
	                                             : "partnership-summary";
	g_autofree char *name = g_strdup_printf("%s-%s.%s", base, period,
	                                        !strcmp(format, "text") ? "txt" : format);
	if (!strcmp(format, "xlsx")) {
		gsize len = 0;
		char *data = xlsx_bytes(doc, &len, &e);
		if (!data) {
			ch_web_views_store_failed(app, req, resp, e);
			return;
		}
		attachment(resp, XLSX_TYPE, name, data, len);
	} else {
		GString *out = g_string_new(NULL);
		const char *type = "text/plain; charset=utf-8";
		if (!strcmp(format, "csv")) {
			ch_doc_write_csv(out, doc);
			type = "text/csv; charset=utf-8";
		} else if (!strcmp(format, "html")) {
			g_autofree char *page = ch_page_doc(doc);
			g_string_append(out, page);
			type = "text/html; charset=utf-8";
		} else {
			ch_doc_write_text(out, doc);
		}
		gsize len = out->len;
		attachment(resp, type, name, g_string_free(out, FALSE), len);
	}
	g_message("web: a report downloaded from the console");
}

void ch_web_record_download(ChApp *app, const ChWebRequest *req, ChWebResponse *resp)
{
	const char *ref = ch_web_views_arg(req, "ref");
	const char *format = ch_web_views_arg(req, "format");
	gboolean html = !strcmp(format, "html");
	if (!*ref || (!html && *format && strcmp(format, "text"))) {
		g_autoptr(ChWebVars) v = ch_web_vars_new();
		kept(req, v, "ref");
		if (!*ref)
			form_error(v, "ref", "Enter the conference's reference, like CP-2026-0042");
		else
			form_error(v, "record_format", "Choose a format");
		reports_page(app, req, resp, 400, v);
		return;
	}
	GError *e = NULL;
	g_autofree char *text = ch_record_build(app, ref, html ? CH_RECORD_HTML : CH_RECORD_TEXT,
	                                        &e);
	if (!text) {
		if (e->code == CH_ERROR_TEMPORARY) {
			ch_web_views_store_failed(app, req, resp, e);
			return;
		}
		g_clear_error(&e);
		ch_web_views_message(app, req, resp, 404, "No such conference",
		                    "There is no conference with that reference.");
		return;
	}
	g_autofree char *name = g_strdup_printf("case-record-%s.%s", ref, html ? "html" : "txt");
	gsize len = strlen(text);
	attachment(resp, html ? "text/html; charset=utf-8" : "text/plain; charset=utf-8", name,
	           g_steal_pointer(&text), len);
	g_message("web: a case record downloaded from the console");
}
