#include "web/web_views.h"

#include <string.h>

#include "engine/commands.h"
#include "inbound/intake.h"
#include "message/message.h"
#include "report/reconcile.h"
#include "store/cases.h"
#include "store/messages.h"
#include "store/obligations.h"
#include "store/safety.h"
#include "store/views.h"
#include "util/clock.h"
#include "util/error.h"
#include "web/web_page.h"
#include "web/web_setup.h"
#include "web/web_reports.h"

/* Days ahead the Today page looks for what falls due. */
#define SOON_WORKING_DAYS 5

void ch_web_response_clear(ChWebResponse *r)
{
	g_free(r->body), g_free(r->location), g_free(r->new_session), g_free(r->disposition);
	g_free(r->signin_for);
	g_free(r->set_cookie[0]), g_free(r->set_cookie[1]);
	memset(r, 0, sizeof *r);
}

static const char *arg(const ChWebRequest *req, const char *name)
{
	const char *v = req->args ? g_hash_table_lookup(req->args, name) : NULL;
	return v ? v : "";
}

/* "Mon 23 Nov 2026 09:30" in London time, as the commands print it. */
static char *when_words(const char *iso)
{
	g_autoptr(GDateTime) t = iso ? ch_clock_parse(iso) : NULL;
	if (!t)
		return g_strdup(iso ? iso : "-");
	g_autoptr(GDateTime) local = g_date_time_to_timezone(t, ch_clock_zone());
	return g_date_time_format(local, "%a %-d %b %Y %H:%M");
}

static void redirect(ChWebResponse *resp, const char *to)
{
	resp->status = 303;
	g_free(resp->location);
	resp->location = g_strdup(to);
}

/* What every page has: who is signed in, the form token, the title; then the page's own
 * template. A template that cannot be rendered is the installation's fault: a plain 500. */
static void page(ChApp *app, const ChWebRequest *req, ChWebResponse *resp, guint status,
                 const char *name, const char *title, ChWebVars *v)
{
	ch_web_vars_set(v, "title", title);
	ch_web_vars_set(v, "signed_in", req->address);
	if (req->role == CH_WEB_ADMIN)
		ch_web_vars_set(v, "may_act", "yes");
	if (req->csrf_base) {
		g_autofree char *csrf = ch_web_auth_csrf(req->csrf_base);
		ch_web_vars_set(v, "csrf", csrf);
	}
	GError *e = NULL;
	char *html = ch_web_page_render((const char *const *)app->cfg->templates_path, name, v, &e);
	if (!html) {
		g_warning("web: %s", e->message);
		g_clear_error(&e);
		resp->status = 500;
		resp->type = "text/plain; charset=utf-8";
		resp->body = g_strdup("The console's page could not be made; see the log.\n");
		return;
	}
	resp->status = status;
	resp->type = "text/html; charset=utf-8";
	resp->body = html;
}

/* A page that only says something: an error, a refusal, a confirmation of what happened. */
static void message_page(ChApp *app, const ChWebRequest *req, ChWebResponse *resp, guint status,
                         const char *title, const char *text)
{
	g_autoptr(ChWebVars) v = ch_web_vars_new();
	ch_web_vars_set(v, "text", text);
	page(app, req, resp, status, "message", title, v);
}

static void store_failed(ChApp *app, const ChWebRequest *req, ChWebResponse *resp, GError *e)
{
	g_warning("web: %s: the store failed: %s", req->path, e ? e->message : "?");
	if (e)
		g_error_free(e);
	message_page(app, req, resp, 503, "Try again",
	             "chaser could not read or write its records just now. Try again in a minute.");
}

/* ---- sign-in -------------------------------------------------------------------------- */

static void signin_get(ChApp *app, const ChWebRequest *req, ChWebResponse *resp)
{
	g_autoptr(ChWebVars) v = ch_web_vars_new();
	page(app, req, resp, 200, "signin", "Sign in", v);
}

static void signin_post(ChApp *app, const ChWebRequest *req, ChWebResponse *resp)
{
	const char *email = arg(req, "email");
	if (!*email || strlen(email) > 254 || !strchr(email, '@')) {
		g_autoptr(ChWebVars) v = ch_web_vars_new();
		ch_web_vars_set(v, "error", "Enter your email address, like name@council.example");
		ch_web_vars_set(v, "email", email);
		page(app, req, resp, 400, "signin", "Error: Sign in", v);
		return;
	}
	gboolean limited = FALSE;
	GError *e = NULL;
	if (!ch_web_auth_request_link(app, email, req->client, &limited, &resp->signin_for, &e)) {
		store_failed(app, req, resp, e);
		return;
	}
	if (limited) {
		message_page(app, req, resp, 429, "Too many requests",
		             "There have been too many sign-in requests from this computer. Wait an "
		             "hour, then try again.");
		return;
	}
	/* The same words whether or not the address may sign in. */
	g_autoptr(ChWebVars) v = ch_web_vars_new();
	ch_web_vars_setf(v, "minutes", "%d", CH_WEB_LINK_MINUTES);
	page(app, req, resp, 200, "signin_sent", "Check your email", v);
}

static void link_get(ChApp *app, const ChWebRequest *req, ChWebResponse *resp)
{
	/* Opening the link only shows a button: mail scanners that fetch every link they see
	 * must not use it up before the person does. */
	g_autoptr(ChWebVars) v = ch_web_vars_new();
	ch_web_vars_set(v, "token", arg(req, "t"));
	page(app, req, resp, 200, "signin_link", "Sign in", v);
}

static void link_post(ChApp *app, const ChWebRequest *req, ChWebResponse *resp)
{
	g_autofree char *session = NULL;
	GError *e = NULL;
	if (!ch_web_auth_open_link(app, arg(req, "t"), &session, &e)) {
		store_failed(app, req, resp, e);
		return;
	}
	if (!session) {
		message_page(app, req, resp, 403, "This link cannot be used",
		             "The link has been used already, has expired (it works for 15 minutes), "
		             "or was not sent by chaser. Ask for a new one from the sign-in page.");
		return;
	}
	resp->new_session = g_steal_pointer(&session);
	redirect(resp, "/");
}

static void signout_post(ChApp *app, const ChWebRequest *req, ChWebResponse *resp)
{
	GError *e = NULL;
	if (!ch_web_auth_sign_out(app, req->session, req->address, &e)) {
		store_failed(app, req, resp, e);
		return;
	}
	resp->end_session = TRUE;
	redirect(resp, "/signin");
}

/* ---- Today ---------------------------------------------------------------------------- */

/* The conference page's address for a reference, the reference escaped for a URL (the
 * page escapes it again for HTML). */
static void set_href(ChWebVars *v, const char *ref)
{
	if (!ref)
		return;
	g_autofree char *q = g_uri_escape_string(ref, NULL, TRUE);
	ch_web_vars_setf(v, "href", "/conference?ref=%s", q);
}

/* When an item is due, as a day, and whether that is past. A due date (YYYY-MM-DD) is past
 * once its day has gone; a due time once it has passed. */
static gboolean due_day(const char *due, GDateTime *now, GDate *day, gboolean *past)
{
	GDate today;
	ch_clock_local_date(now, &today);
	if (ch_clock_parse_date(due, day)) {
		*past = g_date_compare(day, &today) < 0;
		return TRUE;
	}
	g_autoptr(GDateTime) t = ch_clock_parse(due);
	if (!t)
		return FALSE;
	ch_clock_local_date(t, day);
	*past = g_date_time_compare(t, now) < 0;
	return TRUE;
}

static gboolean today_obligations(ChApp *app, ChWebVars *v, GError **error)
{
	/* Items with no due time are reconcile's faults, not today's work: due_day skips them. */
	g_autoptr(GPtrArray) open = ch_store_owed(app->store, error);
	if (!open)
		return FALSE;
	g_autoptr(GDateTime) now = ch_clock_now();
	GDate today, until;
	ch_clock_local_date(now, &today);
	ch_calendar_add_working_days(app->cal, &today, SOON_WORKING_DAYS, &until);
	for (guint i = 0; i < open->len; i++) {
		const ChUnclocked *u = open->pdata[i];
		GDate day;
		gboolean past = FALSE;
		if (!due_day(u->due, now, &day, &past))
			continue;
		if (!past && g_date_compare(&day, &until) > 0)
			continue;
		ChWebVars *item = ch_web_vars_add(v, past ? "overdue" : "soon");
		g_autofree char *owed = ch_reconcile_owed_words(u);
		g_autofree char *when = ch_date_format_long(&day);
		ch_web_vars_set(item, "ref", u->ref);
		set_href(item, u->ref);
		ch_web_vars_set(item, "owed", owed);
		ch_web_vars_set(item, "owner", u->owner);
		ch_web_vars_set(item, "due", when);
	}
	return TRUE;
}

/* Everything waiting for a person: triage, failed mail, tasks, safety alerts. */
static gboolean today_waiting(ChApp *app, ChWebVars *v, GError **error)
{
	g_autoptr(GPtrArray) triage = ch_store_view_triage(app->store, FALSE, error);
	g_autoptr(GPtrArray) outbox = triage ? ch_store_view_outbox(app->store, error) : NULL;
	g_autoptr(GPtrArray) tasks = outbox ? ch_store_view_all_open_tasks(app->store, error) : NULL;
	g_autoptr(GPtrArray) alerts = tasks ? ch_store_safety_list(app->store, FALSE, 0, error)
	                                    : NULL;
	if (!alerts)
		return FALSE;
	for (guint i = 0; i < triage->len; i++) {
		const ChStoreRow *row = triage->pdata[i];
		ChWebVars *item = ch_web_vars_add(v, "triage");
		ch_web_vars_set(item, "id", ch_store_row_str(row, 0));
		ch_web_vars_set(item, "ref", ch_store_row_str(row, 1));
		ch_web_vars_set(item, "reason", ch_store_row_str(row, 2));
		ch_web_vars_set(item, "state", ch_store_row_str(row, 6));
	}
	for (guint i = 0; i < outbox->len; i++) {
		const ChStoreRow *row = outbox->pdata[i];
		ChOutState os;
		if (!ch_out_state_parse(ch_store_row_str(row, 5), &os) || os != CH_OUT_FAILED)
			continue;
		ChWebVars *item = ch_web_vars_add(v, "failed");
		ch_web_vars_set(item, "ref", ch_store_row_str(row, 1));
		ch_web_vars_set(item, "kind", ch_store_row_str(row, 2));
		ch_web_vars_set(item, "to", ch_store_row_str(row, 3));
		ch_web_vars_set(item, "error", ch_store_row_str(row, 9));
	}
	for (guint i = 0; i < tasks->len; i++) {
		const ChStoreRow *row = tasks->pdata[i];
		ChWebVars *item = ch_web_vars_add(v, "tasks");
		g_autofree char *when = when_words(ch_store_row_str(row, 3));
		ch_web_vars_set(item, "ref", ch_store_row_str(row, 0));
		ch_web_vars_set(item, "detail", ch_store_row_str(row, 2));
		ch_web_vars_set(item, "created", when);
	}
	for (guint i = 0; i < alerts->len; i++) {
		const ChSafetyAlert *a = alerts->pdata[i];
		ChWebVars *item = ch_web_vars_add(v, "safety");
		g_autofree char *when = when_words(a->raised_at);
		ch_web_vars_set(item, "ref", a->ref ? a->ref : "no conference");
		ch_web_vars_set(item, "what", a->what);
		ch_web_vars_set(item, "asked", a->asked);
		ch_web_vars_set(item, "raised", when);
	}
	return TRUE;
}

static void today(ChApp *app, const ChWebRequest *req, ChWebResponse *resp)
{
	g_autoptr(ChWebVars) v = ch_web_vars_new();
	GError *e = NULL;
	if (!today_obligations(app, v, &e) || !today_waiting(app, v, &e)) {
		store_failed(app, req, resp, e);
		return;
	}
	g_autoptr(GDateTime) now = ch_clock_now();
	GDate d;
	ch_clock_local_date(now, &d);
	g_autofree char *day = ch_date_format_long(&d);
	ch_web_vars_set(v, "today", day);
	ch_web_vars_setf(v, "soon_days", "%d", SOON_WORKING_DAYS);
	page(app, req, resp, 200, "today", "Today", v);
}

/* ---- conferences ---------------------------------------------------------------------- */

/* A conference's state in the words of `chaser show`, and the tag's colour class. */
static const char *state_words(ChConfState st, const char **tag)
{
	switch (st) {
	case CH_CONF_HELD: *tag = "tag-grey"; return "List not sent";
	case CH_CONF_LIST_SENT: *tag = "tag-yellow"; return "Awaiting the chair";
	case CH_CONF_AUTHORISED: *tag = "tag-blue"; return "List authorised";
	default: *tag = "tag-green"; return "Closed";
	}
}

static void set_state(ChWebVars *v, const char *state_text)
{
	ChConfState st;
	const char *tag = "tag-grey";
	const char *words = ch_conf_state_parse(state_text, &st) ? state_words(st, &tag) : state_text;
	ch_web_vars_set(v, "state", words);
	ch_web_vars_set(v, "tag", tag);
}

static void conferences(ChApp *app, const ChWebRequest *req, ChWebResponse *resp)
{
	const char *ref = arg(req, "ref");
	const char *state = arg(req, "state");
	ChConfState st;
	gboolean by_state = *state && ch_conf_state_parse(state, &st);
	GError *e = NULL;
	g_autoptr(GPtrArray) rows = ch_store_view_conferences(app->store, ref,
	                                                      by_state ? state : NULL, &e);
	if (!rows) {
		store_failed(app, req, resp, e);
		return;
	}
	g_autoptr(ChWebVars) v = ch_web_vars_new();
	ch_web_vars_set(v, "ref", ref);
	for (int k = 0; k < CH_CONF_N_STATES; k++) {
		ChWebVars *o = ch_web_vars_add(v, "states");
		const char *tag;
		ch_web_vars_set(o, "value", ch_conf_state_name(k));
		ch_web_vars_set(o, "words", state_words(k, &tag));
		if (by_state && (int)st == k)
			ch_web_vars_set(o, "selected", "yes");
	}
	for (guint i = 0; i < rows->len; i++) {
		const ChStoreRow *row = rows->pdata[i];
		ChWebVars *item = ch_web_vars_add(v, "conferences");
		g_autofree char *held = when_words(ch_store_row_str(row, 2));
		ch_web_vars_set(item, "ref", ch_store_row_str(row, 0));
		set_href(item, ch_store_row_str(row, 0));
		set_state(item, ch_store_row_str(row, 1));
		ch_web_vars_set(item, "held", held);
		ch_web_vars_set(item, "chair", ch_store_row_str(row, 3));
	}
	page(app, req, resp, 200, "conferences", "Conferences", v);
}

static void conference_case(ChWebVars *v, const ChCase *c)
{
	g_autofree char *held = when_words(c->held);
	ch_web_vars_set(v, "ref", c->ref);
	ch_web_vars_set(v, "type", ch_conf_type_name(c->type));
	ch_web_vars_set(v, "procedure", c->procedure);
	ch_web_vars_set(v, "held", held);
	ch_web_vars_set(v, "chair", c->chair_email);
	ch_web_vars_set(v, "chair_name", c->chair_name);
	set_state(v, ch_conf_state_name(c->state));
	if (c->high_risk)
		ch_web_vars_set(v, "high_risk", "yes");
	for (guint i = 0; i < c->attendees->len; i++) {
		const ChAttendee *a = c->attendees->pdata[i];
		ChWebVars *item = ch_web_vars_add(v, "attendees");
		ch_web_vars_setf(item, "n", "%d", a->n);
		ch_web_vars_set(item, "name", a->name);
		ch_web_vars_set(item, "agency", a->agency);
		ch_web_vars_set(item, "attendance", ch_attendance_name(a->attendance));
		ch_web_vars_set(item, "report", ch_att_report_name(a->report));
	}
	for (guint i = 0; i < c->reports->len; i++) {
		const ChReport *r = c->reports->pdata[i];
		ChWebVars *item = ch_web_vars_add(v, "reports");
		g_autofree char *due = ch_clock_long_date(r->due, "-");
		ch_web_vars_set(item, "agency", r->agency);
		ch_web_vars_set(item, "state", ch_report_state_name(r->state));
		ch_web_vars_set(item, "due", due);
	}
	for (guint i = 0; i < c->escalations->len; i++) {
		const ChEscalation *x = c->escalations->pdata[i];
		ChWebVars *item = ch_web_vars_add(v, "escalations");
		g_autofree char *why = ch_reasons_describe(x->reasons);
		g_autofree char *due = ch_clock_long_date(x->due, "-");
		ch_web_vars_setf(item, "line", "%d", x->attendee->n);
		ch_web_vars_set(item, "professional", x->attendee->name);
		ch_web_vars_set(item, "why", why);
		ch_web_vars_set(item, "state", ch_esc_state_name(x->state));
		ch_web_vars_setf(item, "stage", "%d", x->stage);
		ch_web_vars_set(item, "due", due);
	}
}

static void conference(ChApp *app, const ChWebRequest *req, ChWebResponse *resp)
{
	GError *e = NULL;
	g_autoptr(ChCase) c = ch_store_case_load(app->store, arg(req, "ref"), &e);
	if (!c) {
		/* Busy is worth another try; anything else is a reference with no conference. */
		if (e && e->code == CH_ERROR_TEMPORARY) {
			store_failed(app, req, resp, e);
			return;
		}
		g_clear_error(&e);
		message_page(app, req, resp, 404, "No such conference",
		             "There is no conference with that reference.");
		return;
	}
	g_autoptr(ChWebVars) v = ch_web_vars_new();
	conference_case(v, c);
	g_autoptr(GPtrArray) audit = ch_store_view_case_audit(app->store, c->id, &e);
	g_autoptr(GPtrArray) tasks = audit ? ch_store_view_open_tasks(app->store, c->id, &e) : NULL;
	if (!tasks) {
		store_failed(app, req, resp, e);
		return;
	}
	for (guint i = 0; i < audit->len; i++) {
		const ChStoreRow *row = audit->pdata[i];
		ChWebVars *item = ch_web_vars_add(v, "timeline");
		g_autofree char *at = when_words(ch_store_row_str(row, 1));
		ch_web_vars_set(item, "at", at);
		ch_web_vars_set(item, "what", ch_store_row_str(row, 3));
		ch_web_vars_set(item, "object", ch_store_row_str(row, 4));
		ch_web_vars_set(item, "new", ch_store_row_str(row, 6));
		ch_web_vars_set(item, "detail", ch_store_row_str(row, 7));
	}
	for (guint i = 0; i < tasks->len; i++) {
		ChWebVars *item = ch_web_vars_add(v, "tasks");
		ch_web_vars_set(item, "detail", ch_store_row_str(tasks->pdata[i], 1));
	}
	page(app, req, resp, 200, "conference", c->ref, v);
}

/* ---- triage --------------------------------------------------------------------------- */

/* The text chaser read in a held message (its new text, quotes and signature removed), or
 * NULL when the stored message cannot be read. */
static char *triage_text(ChApp *app, gint64 id, char **subject_r)
{
	ChStoreTriageItem item = { 0 };
	gboolean found = FALSE;
	GError *e = NULL;
	*subject_r = NULL;
	if (!ch_store_triage_get(app->store, id, &item, &found, &e) || !found || !item.raw_path) {
		g_clear_error(&e);
		ch_store_triage_item_clear(&item);
		return NULL;
	}
	g_autofree char *path = g_build_filename(app->cfg->spool, "messages", item.raw_path, NULL);
	ch_store_triage_item_clear(&item);
	g_autofree char *data = NULL;
	gsize len = 0;
	if (!g_file_get_contents(path, &data, &len, NULL))
		return NULL;
	g_autoptr(ChMessage) m = ch_message_parse((const guint8 *)data, len, &app->parse, &e);
	if (!m) {
		g_clear_error(&e);
		return NULL;
	}
	*subject_r = g_strdup(m->subject);
	return g_strdup(m->reply_text ? m->reply_text : m->body_text);
}

static void triage(ChApp *app, const ChWebRequest *req, ChWebResponse *resp)
{
	GError *e = NULL;
	g_autoptr(GPtrArray) rows = ch_store_view_triage(app->store, FALSE, &e);
	if (!rows) {
		store_failed(app, req, resp, e);
		return;
	}
	g_autoptr(ChWebVars) v = ch_web_vars_new();
	for (guint i = 0; i < rows->len; i++) {
		const ChStoreRow *row = rows->pdata[i];
		ChWebVars *item = ch_web_vars_add(v, "items");
		g_autofree char *subject = NULL;
		g_autofree char *text = triage_text(app, ch_store_row_int(row, 0), &subject);
		g_autofree char *when = when_words(ch_store_row_str(row, 4));
		ch_web_vars_set(item, "id", ch_store_row_str(row, 0));
		ch_web_vars_set(item, "ref", ch_store_row_str(row, 1));
		ch_web_vars_set(item, "reason", ch_store_row_str(row, 2));
		ch_web_vars_set(item, "received", when);
		ch_web_vars_set(item, "from", ch_store_row_str(row, 5));
		ch_web_vars_set(item, "state", ch_store_row_str(row, 6));
		ch_web_vars_set(item, "subject", subject);
		ch_web_vars_set(item, "text", text ? text : "(the stored message could not be read)");
	}
	page(app, req, resp, 200, "triage", "Triage", v);
}

static gboolean triage_args(const ChWebRequest *req, guint64 *id, gboolean *release)
{
	const char *what = arg(req, "do");
	*release = !strcmp(what, "release");
	return (*release || !strcmp(what, "drop")) &&
	       g_ascii_string_to_unsigned(arg(req, "id"), 10, 1, G_MAXINT64, id, NULL);
}

static void triage_confirm(ChApp *app, const ChWebRequest *req, ChWebResponse *resp)
{
	guint64 id;
	gboolean release;
	if (!triage_args(req, &id, &release)) {
		message_page(app, req, resp, 400, "Not understood", "Choose a message on the triage page.");
		return;
	}
	g_autoptr(ChWebVars) v = ch_web_vars_new();
	g_autofree char *subject = NULL;
	g_autofree char *text = triage_text(app, (gint64)id, &subject);
	ch_web_vars_setf(v, "id", "%" G_GUINT64_FORMAT, id);
	ch_web_vars_set(v, "do", release ? "release" : "drop");
	ch_web_vars_set(v, release ? "release" : "drop", "yes");
	ch_web_vars_set(v, "subject", subject);
	ch_web_vars_set(v, "text", text);
	page(app, req, resp, 200, "triage_confirm", release ? "Release this message" : "Drop this message", v);
}

static void triage_decide(ChApp *app, const ChWebRequest *req, ChWebResponse *resp)
{
	guint64 id;
	gboolean release;
	if (!triage_args(req, &id, &release)) {
		message_page(app, req, resp, 400, "Not understood", "Choose a message on the triage page.");
		return;
	}
	g_autofree char *source = ch_web_auth_source(req->address);
	GError *e = NULL;
	if (!ch_intake_decide(app, (gint64)id, release, source, &e)) {
		if (e->code == CH_ERROR_TEMPORARY) {
			store_failed(app, req, resp, e);
			return;
		}
		g_autofree char *why = g_strdup_printf("Nothing was changed: %s", e->message);
		g_error_free(e);
		message_page(app, req, resp, 409, "Not done", why);
		return;
	}
	g_message("web: triage %" G_GUINT64_FORMAT " %s from the console", id,
	          release ? "released" : "dropped");
	redirect(resp, "/triage");
}

/* ---- for the pages of other modules (web_setup.c, web_reports.c) ---------------------- */

void ch_web_views_page(ChApp *app, const ChWebRequest *req, ChWebResponse *resp, guint status,
                       const char *name, const char *title, ChWebVars *v)
{
	page(app, req, resp, status, name, title, v);
}

void ch_web_views_message(ChApp *app, const ChWebRequest *req, ChWebResponse *resp,
                          guint status, const char *title, const char *text)
{
	message_page(app, req, resp, status, title, text);
}

void ch_web_views_store_failed(ChApp *app, const ChWebRequest *req, ChWebResponse *resp,
                               GError *e)
{
	store_failed(app, req, resp, e);
}

const char *ch_web_views_arg(const ChWebRequest *req, const char *name)
{
	return arg(req, name);
}

void ch_web_views_redirect(ChWebResponse *resp, const char *to)
{
	redirect(resp, to);
}

/* ---- dispatch ------------------------------------------------------------------------- */

static void stylesheet(ChApp *app, ChWebResponse *resp)
{
	g_autofree char *path = ch_config_find((const char *const *)app->cfg->templates_path,
	                                       "web/console.css");
	char *css = NULL;
	if (!path || !g_file_get_contents(path, &css, NULL, NULL)) {
		resp->status = 404;
		resp->type = "text/plain; charset=utf-8";
		resp->body = g_strdup("no stylesheet\n");
		return;
	}
	resp->status = 200;
	resp->type = "text/css; charset=utf-8";
	resp->body = css;
}

typedef void (*View)(ChApp *app, const ChWebRequest *req, ChWebResponse *resp);

static const struct {
	const char *method, *path;
	View view;
	gboolean open;  /* needs no session */
	gboolean acts;  /* admin only */
} routes[] = {
	{ "GET", "/signin", signin_get, TRUE, FALSE },
	{ "POST", "/signin", signin_post, TRUE, FALSE },
	{ "GET", "/signin/link", link_get, TRUE, FALSE },
	{ "POST", "/signin/link", link_post, TRUE, FALSE },
	{ "GET", "/", today, FALSE, FALSE },
	{ "GET", "/conferences", conferences, FALSE, FALSE },
	{ "GET", "/conference", conference, FALSE, FALSE },
	{ "GET", "/triage", triage, FALSE, FALSE },
	{ "GET", "/triage/confirm", triage_confirm, FALSE, TRUE },
	{ "POST", "/triage/decide", triage_decide, FALSE, TRUE },
	{ "POST", "/signout", signout_post, FALSE, FALSE },
	{ "GET", CH_WEB_SETUP_PATH, ch_web_setup_form, FALSE, TRUE },
	{ "POST", CH_WEB_SETUP_PATH, ch_web_setup_post, FALSE, TRUE },
	{ "GET", "/conference/new/check", ch_web_setup_check, FALSE, TRUE },
	{ "POST", "/conference/new/create", ch_web_setup_create, FALSE, TRUE },
	{ "GET", "/register", ch_web_register, FALSE, FALSE },
	{ "GET", "/agencies", ch_web_agencies, FALSE, FALSE },
	{ "POST", "/agencies/add", ch_web_agency_add, FALSE, TRUE },
	{ "POST", "/agencies/slo", ch_web_agency_slo, FALSE, TRUE },
	{ "GET", "/reports", ch_web_reports, FALSE, FALSE },
	{ "GET", "/reports/download", ch_web_report_download, FALSE, FALSE },
	{ "GET", "/reports/record", ch_web_record_download, FALSE, FALSE },
};

/* The order of the checks is the point: the stylesheet; then a session for every page that
 * needs one; then the form token of every POST; then what the role may do. */
void ch_web_views_handle(ChApp *app, const ChWebRequest *req, ChWebResponse *resp)
{
	if (!strcmp(req->path, "/static/console.css")) {
		stylesheet(app, resp);
		return;
	}
	int found = -1;
	gboolean path_known = FALSE;
	for (guint i = 0; i < G_N_ELEMENTS(routes); i++) {
		if (strcmp(routes[i].path, req->path))
			continue;
		path_known = TRUE;
		if (!strcmp(routes[i].method, req->method))
			found = (int)i;
	}
	if (!req->address && (found < 0 || !routes[found].open)) {
		redirect(resp, "/signin");
		return;
	}
	if (found < 0) {
		message_page(app, req, resp, path_known ? 405 : 404,
		             path_known ? "Not allowed" : "Page not found",
		             path_known ? "That page cannot be used that way." : "There is no such page.");
		return;
	}
	if (!strcmp(req->method, "POST") && !ch_web_auth_csrf_ok(req->csrf_base, arg(req, "csrf"))) {
		message_page(app, req, resp, 403, "Form expired",
		             "The form was not sent from this sign-in, or it is too old. Go back, "
		             "reload the page and try again.");
		return;
	}
	if (routes[found].acts && req->role != CH_WEB_ADMIN) {
		message_page(app, req, resp, 403, "Only admin can do this",
		             "You are signed in to read. Ask admin to release or drop messages.");
		return;
	}
	routes[found].view(app, req, resp);
}
