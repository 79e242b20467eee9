#include "web/web_setup.h"

#include <string.h>

#include "app/setup.h"
#include "message/xlsx_read.h"
#include "outbound/outbox.h"
#include "store/cases.h"
#include "util/clock.h"
#include "util/error.h"

/* A draft older than this is dropped: admin has gone away, or started again. */
#define DRAFT_SECONDS 3600

/* What admin sent, as sent: the fields' texts (NULL when blank) and the list, as a file or
 * as typed rows. The rows are checked again from this, never taken from the page. */
typedef struct {
	gint64 at; /* monotonic, microseconds */
	char *value[CH_SETUP_N];
	char *rows_text;
	char *file_name;
	char *file_type;
	GBytes *file;
} Draft;

static void draft_free(gpointer p)
{
	Draft *d = p;
	if (!d)
		return;
	for (int k = 0; k < CH_SETUP_N; k++)
		g_free(d->value[k]);
	g_free(d->rows_text), g_free(d->file_name), g_free(d->file_type);
	if (d->file)
		g_bytes_unref(d->file);
	g_free(d);
}
G_DEFINE_AUTOPTR_CLEANUP_FUNC(Draft, draft_free)

/* The session's hash -> Draft. Used only on the server's one thread. */
static GHashTable *drafts;

static char *draft_key(const ChWebRequest *req)
{
	return ch_web_auth_hash(req->session ? req->session : "");
}

/* Old drafts go; past the cap, the oldest goes too. */
static void drafts_prune(void)
{
	if (!drafts)
		drafts = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, draft_free);
	gint64 now = g_get_monotonic_time();
	GHashTableIter it;
	gpointer k, v;
	g_hash_table_iter_init(&it, drafts);
	while (g_hash_table_iter_next(&it, &k, &v))
		if (now - ((Draft *)v)->at > (gint64)DRAFT_SECONDS * G_USEC_PER_SEC)
			g_hash_table_iter_remove(&it);
	while (g_hash_table_size(drafts) >= CH_WEB_SETUP_MAX_DRAFTS) {
		gpointer oldest = NULL;
		gint64 at = G_MAXINT64;
		g_hash_table_iter_init(&it, drafts);
		while (g_hash_table_iter_next(&it, &k, &v))
			if (((Draft *)v)->at < at)
				at = ((Draft *)v)->at, oldest = k;
		g_hash_table_remove(drafts, oldest);
	}
}

static const Draft *draft_get(const ChWebRequest *req)
{
	drafts_prune();
	g_autofree char *key = draft_key(req);
	return g_hash_table_lookup(drafts, key);
}

static void draft_keep(const ChWebRequest *req, Draft *d)
{
	g_autofree char *key = draft_key(req);
	if (drafts)
		g_hash_table_remove(drafts, key);
	drafts_prune();
	d->at = g_get_monotonic_time();
	g_hash_table_replace(drafts, g_steal_pointer(&key), d);
}

static void draft_drop(const ChWebRequest *req)
{
	g_autofree char *key = draft_key(req);
	if (drafts)
		g_hash_table_remove(drafts, key);
}

/* ---- the fields ---------------------------------------------------------------------- */

/* Each field's id (the form's name and the element's id), its label and its hint. */
static const struct {
	const char *id, *label, *hint;
	gboolean optional;
} fields[CH_SETUP_N] = {
	[CH_SETUP_REF] = { "ref", "Reference", "As in the case record, for example CP-2026-0042" },
	[CH_SETUP_HELD] = { "held", "Held", "Date and time, for example 2026-11-20 10:00" },
	[CH_SETUP_TYPE] = { "type", "Type", NULL },
	[CH_SETUP_CHAIR] = { "chair", "Chair's email", NULL },
	[CH_SETUP_CHAIR_NAME] = { "chair_name", "Chair's name", NULL, TRUE },
	[CH_SETUP_SOCIAL_WORKER] = { "social_worker", "Social worker's email", NULL },
	[CH_SETUP_PRACTICE_MANAGER] = { "practice_manager", "Practice manager's email", NULL, TRUE },
	[CH_SETUP_MINUTE_TAKER] = { "minute_taker", "Minute taker's email", NULL, TRUE },
	[CH_SETUP_PROCEDURE] = { "procedure", "Procedure", "The rules file to follow; leave "
	                                                   "blank for the usual one", TRUE },
};

#define LIST_FILE "list_file"
#define LIST_ROWS "list_rows"

/* A field's text, trimmed; NULL when blank (setup.c reads NULL as "not given"). */
static char *given(const char *v)
{
	char *t = g_strstrip(g_strdup(v ? v : ""));
	if (!*t)
		g_clear_pointer(&t, g_free);
	return t;
}

/* The draft of a form sent now. The list file: the one uploaded, else (when the form says
 * to keep it) the one the earlier draft holds. */
static Draft *draft_of(const ChWebRequest *req, const Draft *before)
{
	Draft *d = g_new0(Draft, 1);
	for (int k = 0; k < CH_SETUP_N; k++)
		d->value[k] = given(ch_web_views_arg(req, fields[k].id));
	d->rows_text = given(ch_web_views_arg(req, LIST_ROWS));
	const ChWebUpload *u = req->upload;
	if (u && !strcmp(u->field, LIST_FILE) && (u->len || (u->filename && *u->filename))) {
		d->file = g_bytes_new(u->data, u->len);
		d->file_name = g_strdup(u->filename && *u->filename ? u->filename : "the file");
		d->file_type = g_strdup(u->content_type);
	} else if (!strcmp(ch_web_views_arg(req, "keep"), "yes") && before && before->file) {
		d->file = g_bytes_ref(before->file);
		d->file_name = g_strdup(before->file_name);
		d->file_type = g_strdup(before->file_type);
	}
	return d;
}

/* ---- checking ------------------------------------------------------------------------ */

typedef struct {
	const char *field; /* the element's id */
	char *text;
} Problem;

static void problem_free(gpointer p)
{
	Problem *pr = p;
	g_free(pr->text);
	g_free(pr);
}

static void add_problem(GPtrArray *problems, const char *field, char *text)
{
	Problem *p = g_new0(Problem, 1);
	p->field = field;
	p->text = text;
	g_ptr_array_add(problems, p);
}

typedef struct {
	GPtrArray *problems; /* Problem*, in the form's order */
	ChCase *c;
	const ChRules *rules;
	GPtrArray *rows;     /* ChSetupRow* */
} Checked;

static void checked_clear(Checked *k)
{
	g_clear_pointer(&k->problems, g_ptr_array_unref);
	g_clear_pointer(&k->c, ch_case_free);
	g_clear_pointer(&k->rows, g_ptr_array_unref);
}

static gboolean is_xlsx(const Draft *d)
{
	const char *n = d->file_name ? d->file_name : "";
	return g_str_has_suffix(n, ".xlsx") || g_str_has_suffix(n, ".XLSX") ||
	       !g_strcmp0(d->file_type,
	                  "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet");
}

static gboolean is_csv(const Draft *d)
{
	const char *n = d->file_name ? d->file_name : "";
	return g_str_has_suffix(n, ".csv") || g_str_has_suffix(n, ".CSV") ||
	       !g_strcmp0(d->file_type, "text/csv");
}

/* The list's rows from the draft, each problem as "Row N: ..." at the list's field. */
static gboolean check_list(ChApp *app, const Draft *d, Checked *k, GError **error)
{
	const char *at = d->file ? LIST_FILE : LIST_ROWS;
	g_autoptr(GPtrArray) found = ch_setup_problems_new();
	if (d->file && d->rows_text) {
		add_problem(k->problems, LIST_ROWS,
		            g_strdup("Give the list one way: choose a file or type its rows, not both"));
		return TRUE;
	}
	if (!d->file && !d->rows_text) {
		add_problem(k->problems, LIST_FILE,
		            g_strdup("Add the distribution list: choose a CSV or xlsx file, or type "
		                     "its rows"));
		return TRUE;
	}
	if (d->file) {
		gboolean xlsx = is_xlsx(d);
		if (!xlsx && !is_csv(d)) {
			add_problem(k->problems, LIST_FILE,
			            g_strdup_printf("%s: the list must be a CSV file (.csv) or a "
			                            "spreadsheet (.xlsx)", d->file_name));
			return TRUE;
		}
		gsize len = 0;
		const guint8 *data = g_bytes_get_data(d->file, &len);
		g_autofree char *why = NULL;
		if (!ch_setup_list_file(data, len, xlsx, k->rows, found, &why)) {
			add_problem(k->problems, LIST_FILE, g_strdup_printf("%s: %s", d->file_name, why));
			return TRUE;
		}
	} else {
		ch_setup_list_csv(d->rows_text, k->rows, found);
	}
	if (!ch_setup_list_agencies(app, k->rows, found, error))
		return FALSE;
	ch_setup_problems_sort(found);
	for (guint i = 0; i < found->len; i++) {
		const ChSetupProblem *p = found->pdata[i];
		add_problem(k->problems, at, g_strdup_printf("Row %u: %s", p->where, p->text));
	}
	if (!found->len && !k->rows->len)
		add_problem(k->problems, at, g_strdup("The list has no one on it: one professional a "
		                                      "row, columns name,email,agency,attendance,"
		                                      "report"));
	else if (k->rows->len > CH_XLSX_MAX_ROWS)
		add_problem(k->problems, at,
		            g_strdup_printf("A list has at most %u rows", CH_XLSX_MAX_ROWS));
	return TRUE;
}

/* Everything of the draft, through app/setup.c. FALSE only when the store failed. */
static gboolean check(ChApp *app, const Draft *d, Checked *k, GError **error)
{
	memset(k, 0, sizeof *k);
	k->problems = g_ptr_array_new_with_free_func(problem_free);
	k->rows = ch_setup_rows_new();
	ChSetupConf in = { .form = TRUE };
	for (int f = 0; f < CH_SETUP_N; f++)
		in.value[f] = d->value[f];
	g_autoptr(GPtrArray) found = ch_setup_problems_new();
	k->c = ch_setup_conference_check(&in, found);
	ch_setup_problems_sort(found);
	for (guint i = 0; i < found->len; i++) {
		const ChSetupProblem *p = found->pdata[i];
		guint f = p->where ? p->where - 1 : CH_SETUP_REF;
		add_problem(k->problems, fields[f].id,
		            g_strdup_printf("%s %s", fields[f].label, p->text));
	}
	if (k->c) {
		gint64 existing = 0;
		GError *e = NULL;
		if (!ch_store_conference_by_ref(app->store, k->c->ref, &existing, error))
			return FALSE;
		if (existing)
			add_problem(k->problems, fields[CH_SETUP_REF].id,
			            g_strdup_printf("There is a conference %s already: each conference has "
			                            "its own reference", k->c->ref));
		else if (!(k->rules = ch_setup_conference_rules(app, k->c, &e))) {
			add_problem(k->problems, fields[CH_SETUP_PROCEDURE].id,
			            g_strdup_printf("Procedure: %s", e->message));
			g_error_free(e);
		}
	}
	return check_list(app, d, k, error);
}

/* ---- pages --------------------------------------------------------------------------- */

static void form_page(ChApp *app, const ChWebRequest *req, ChWebResponse *resp, guint status,
                      const Draft *d, GPtrArray *problems)
{
	g_autoptr(ChWebVars) v = ch_web_vars_new();
	for (guint i = 0; problems && i < problems->len; i++) {
		const Problem *p = problems->pdata[i];
		ChWebVars *item = ch_web_vars_add(v, "problems");
		ch_web_vars_setf(item, "href", "#%s", p->field);
		ch_web_vars_set(item, "text", p->text);
		if (!strcmp(p->field, LIST_FILE) || !strcmp(p->field, LIST_ROWS)) {
			ChWebVars *e = ch_web_vars_add(v, !strcmp(p->field, LIST_FILE) ? "file_errors"
			                                                                : "rows_errors");
			ch_web_vars_set(e, "text", p->text);
		}
	}
	for (int f = 0; f < CH_SETUP_N; f++) {
		ChWebVars *item = ch_web_vars_add(v, f == CH_SETUP_TYPE ? "type_field" : "fields");
		ch_web_vars_set(item, "id", fields[f].id);
		ch_web_vars_set(item, "label", fields[f].label);
		ch_web_vars_set(item, "hint", fields[f].hint);
		if (fields[f].optional)
			ch_web_vars_set(item, "optional", "yes");
		ch_web_vars_set(item, "value", d ? d->value[f] : NULL);
		for (guint i = 0; problems && i < problems->len; i++) {
			const Problem *p = problems->pdata[i];
			if (!strcmp(p->field, fields[f].id)) {
				ch_web_vars_set(item, "error", p->text);
				break;
			}
		}
		if (f == CH_SETUP_TYPE) {
			const char *had = d && d->value[f] ? d->value[f] : "initial";
			const char *types[] = { "initial", "review" };
			for (guint t = 0; t < G_N_ELEMENTS(types); t++) {
				ChWebVars *o = ch_web_vars_add(item, "options");
				ch_web_vars_set(o, "option", types[t]);
				if (!g_ascii_strcasecmp(had, types[t]))
					ch_web_vars_set(o, "selected", "yes");
			}
		}
	}
	if (d)
		ch_web_vars_set(v, "rows_text", d->rows_text);
	/* A file the draft holds is kept unless another is chosen (a browser cannot fill a file
	 * field in again). Only a draft that was all right is kept, so its file was too. */
	const Draft *kept = draft_get(req);
	if (kept && kept->file && d == kept)
		ch_web_vars_set(v, "kept_file", kept->file_name);
	ch_web_views_page(app, req, resp, status, "conference_new",
	                  problems && problems->len ? "Error: New conference" : "New conference", v);
}

void ch_web_setup_form(ChApp *app, const ChWebRequest *req, ChWebResponse *resp)
{
	const Draft *d = !strcmp(ch_web_views_arg(req, "change"), "1") ? draft_get(req) : NULL;
	form_page(app, req, resp, 200, d, NULL);
}

void ch_web_setup_post(ChApp *app, const ChWebRequest *req, ChWebResponse *resp)
{
	g_autoptr(Draft) d = draft_of(req, draft_get(req));
	Checked k;
	GError *e = NULL;
	if (!check(app, d, &k, &e)) {
		checked_clear(&k);
		ch_web_views_store_failed(app, req, resp, e);
		return;
	}
	if (k.problems->len) {
		form_page(app, req, resp, 422, d, k.problems);
		checked_clear(&k);
		return;
	}
	checked_clear(&k);
	draft_keep(req, g_steal_pointer(&d));
	ch_web_views_redirect(resp, "/conference/new/check");
}

static void summary_row(ChWebVars *v, const char *label, const char *value, const char *id)
{
	ChWebVars *item = ch_web_vars_add(v, "summary");
	ch_web_vars_set(item, "label", label);
	ch_web_vars_set(item, "value", value && *value ? value : "Not given");
	ch_web_vars_set(item, "id", id);
}

void ch_web_setup_check(ChApp *app, const ChWebRequest *req, ChWebResponse *resp)
{
	const Draft *d = draft_get(req);
	if (!d) {
		ch_web_views_redirect(resp, CH_WEB_SETUP_PATH);
		return;
	}
	Checked k;
	GError *e = NULL;
	if (!check(app, d, &k, &e)) {
		checked_clear(&k);
		ch_web_views_store_failed(app, req, resp, e);
		return;
	}
	if (k.problems->len) {
		form_page(app, req, resp, 422, d, k.problems);
		checked_clear(&k);
		return;
	}
	g_autoptr(ChWebVars) v = ch_web_vars_new();
	const ChCase *c = k.c;
	g_autofree char *held = ch_clock_long_date(c->held, "");
	g_autoptr(GDateTime) t = ch_clock_parse(c->held);
	g_autoptr(GDateTime) local = t ? g_date_time_to_timezone(t, ch_clock_zone()) : NULL;
	g_autofree char *when = local ? g_date_time_format(local, "%a %-d %b %Y %H:%M")
	                              : g_strdup(held);
	summary_row(v, "Reference", c->ref, "ref");
	summary_row(v, "Held", when, "held");
	summary_row(v, "Type", ch_conf_type_name(c->type), "type");
	summary_row(v, "Chair's email", c->chair_email, "chair");
	summary_row(v, "Chair's name", c->chair_name, "chair_name");
	summary_row(v, "Social worker's email", c->social_worker, "social_worker");
	summary_row(v, "Practice manager's email", c->practice_manager, "practice_manager");
	summary_row(v, "Minute taker's email", c->minute_taker, "minute_taker");
	summary_row(v, "Procedure", c->procedure, "procedure");
	summary_row(v, "List from", d->file ? d->file_name : "the rows typed in",
	            d->file ? LIST_FILE : LIST_ROWS);
	for (guint i = 0; i < k.rows->len; i++) {
		const ChSetupRow *r = k.rows->pdata[i];
		ChWebVars *item = ch_web_vars_add(v, "rows");
		ch_web_vars_setf(item, "n", "%u", i + 1);
		ch_web_vars_set(item, "name", r->name);
		ch_web_vars_set(item, "email", r->email);
		ch_web_vars_set(item, "agency", r->agency);
		ch_web_vars_set(item, "attendance", ch_attendance_name(r->attendance));
		ch_web_vars_set(item, "report", ch_att_report_name(r->report));
	}
	ch_web_vars_setf(v, "count", "%u", k.rows->len);
	ch_web_vars_set(v, "ref", c->ref);
	ch_web_vars_set(v, "chair", c->chair_email);
	checked_clear(&k);
	ch_web_views_page(app, req, resp, 200, "conference_check", "Check your answers", v);
}

void ch_web_setup_create(ChApp *app, const ChWebRequest *req, ChWebResponse *resp)
{
	const Draft *d = draft_get(req);
	if (!d) {
		ch_web_views_message(app, req, resp, 409, "Nothing to create",
		                     "There is no new conference waiting to be created from this "
		                     "sign-in (it is kept for an hour). Start again from New "
		                     "conference.");
		return;
	}
	GError *e = NULL;
	Checked k = { 0 };
	/* Checked again inside the transaction that writes: what was right on the check page
	 * may not be now (the reference taken, an agency removed). */
	if (!ch_store_begin(app->store, &e) || !check(app, d, &k, &e)) {
		ch_store_rollback(app->store);
		checked_clear(&k);
		ch_web_views_store_failed(app, req, resp, e);
		return;
	}
	if (k.problems->len) {
		ch_store_rollback(app->store);
		form_page(app, req, resp, 422, d, k.problems);
		checked_clear(&k);
		return;
	}
	g_autofree char *source = ch_web_auth_source(req->address);
	g_autoptr(GDateTime) now = ch_clock_now();
	g_autofree char *now_s = ch_clock_format(now);
	g_autoptr(ChCase) loaded = NULL;
	gboolean ok = ch_setup_conference_create(app, k.c, k.rules, now, source, &e) &&
	              ch_setup_list_store(app, k.c, k.rows, now_s, source, &e) &&
	              (loaded = ch_store_case_load_id(app->store, k.c->id, &e)) &&
	              ch_setup_list_send(app, loaded, now, source, &e) &&
	              ch_store_commit(app->store, &e);
	checked_clear(&k);
	if (!ok) {
		ch_store_rollback(app->store);
		if (e && e->code != CH_ERROR_TEMPORARY) {
			g_autofree char *why = g_strdup_printf("Nothing was saved: %s", e->message);
			g_clear_error(&e);
			ch_web_views_message(app, req, resp, 409, "Not done", why);
			return;
		}
		ch_web_views_store_failed(app, req, resp, e);
		return;
	}
	draft_drop(req);
	g_message("web: a conference and its list were added from the console; the list is "
	          "queued for the chair");
	/* The list is queued; a send that fails now is retried by the outbox like any mail. */
	ChFlushCounts counts = { 0 };
	if (!ch_outbox_flush(app, now, &counts, &e)) {
		g_warning("web: the outbox could not be flushed: %s", e->message);
		g_clear_error(&e);
	}
	g_autofree char *q = g_uri_escape_string(loaded->ref, NULL, TRUE);
	g_autofree char *to = g_strdup_printf("/conference?ref=%s", q);
	ch_web_views_redirect(resp, to);
}
