#include "report/record.h"

#include "classify/token.h"

#include <string.h>

#include "engine/commands.h"
#include "report/report_page.h"
#include "store/cases.h"
#include "store/views.h"
#include "util/clock.h"
#include "util/error.h"

/* ---- output for people and for HTML, with one set of calls ------------------------------ */

typedef struct {
	gboolean html;
	GString *s;
} Out;

static void heading(Out *o, const char *text)
{
	if (o->html) {
		g_string_append(o->s, "<h2>");
		ch_page_escaped(o->s, text);
		g_string_append(o->s, "</h2>\n");
		return;
	}
	g_string_append_printf(o->s, "\n%s\n", text);
	for (glong i = g_utf8_strlen(text, -1); i > 0; i--)
		g_string_append_c(o->s, '=');
	g_string_append_c(o->s, '\n');
}

static void subheading(Out *o, const char *text)
{
	if (o->html) {
		g_string_append(o->s, "<h3>");
		ch_page_escaped(o->s, text);
		g_string_append(o->s, "</h3>\n");
	} else {
		g_string_append_printf(o->s, "\n%s\n", text);
	}
}

static void para(Out *o, const char *text)
{
	if (o->html) {
		g_string_append(o->s, "<p>");
		ch_page_escaped(o->s, text);
		g_string_append(o->s, "</p>\n");
	} else {
		g_string_append_printf(o->s, "%s\n", text);
	}
}

static void fields_begin(Out *o)
{
	if (o->html)
		g_string_append(o->s, "<dl>\n");
}

static void fields_end(Out *o)
{
	if (o->html)
		g_string_append(o->s, "</dl>\n");
}

static void field(Out *o, const char *label, const char *value)
{
	if (!value || !*value)
		value = "-";
	if (o->html) {
		g_string_append(o->s, "<dt>");
		ch_page_escaped(o->s, label);
		g_string_append(o->s, "</dt><dd>");
		/* Several lines stay several lines. */
		g_auto(GStrv) lines = g_strsplit(value, "\n", -1);
		for (guint i = 0; lines[i]; i++) {
			if (i)
				g_string_append(o->s, "<br>");
			ch_page_escaped(o->s, lines[i]);
		}
		g_string_append(o->s, "</dd>\n");
		return;
	}
	g_auto(GStrv) lines = g_strsplit(value, "\n", -1);
	g_string_append_printf(o->s, "  %-24s %s\n", label, lines[0]);
	for (guint i = 1; lines[i]; i++)
		g_string_append_printf(o->s, "  %-24s %s\n", "", lines[i]);
}

static char *when_str(GDateTime *t)
{
	return t ? ch_clock_format(t) : g_strdup("-");
}

static char *when_iso(const char *iso)
{
	g_autoptr(GDateTime) t = iso ? ch_clock_parse(iso) : NULL;
	return t ? ch_clock_format(t) : g_strdup(iso ? iso : "-");
}

/* ---- the timeline ----------------------------------------------------------------------- */

typedef struct {
	GDateTime *at;
	int order;          /* at one instant: the message, then what it caused, then the rest */
	gint64 seq;
	char *label;        /* MESSAGE IN, EVENT, MESSAGE OUT, TASK */
	char *headline;
	GPtrArray *details; /* char*: label, value, label, value ... */
} Entry;

static void entry_free(gpointer p)
{
	Entry *e = p;
	if (e->at)
		g_date_time_unref(e->at);
	g_free(e->label), g_free(e->headline);
	g_ptr_array_unref(e->details);
	g_free(e);
}

static Entry *entry_new(GPtrArray *all, const char *at, int order, gint64 seq, const char *label)
{
	Entry *e = g_new0(Entry, 1);
	e->at = at ? ch_clock_parse(at) : NULL;
	if (!e->at) /* unreadable: keep it, at the start, rather than lose it */
		e->at = g_date_time_new_from_unix_utc(0);
	e->order = order;
	e->seq = seq;
	e->label = g_strdup(label);
	e->details = g_ptr_array_new_with_free_func(g_free);
	g_ptr_array_add(all, e);
	return e;
}

static void detail(Entry *e, const char *label, const char *value)
{
	if (!value || !*value)
		return;
	g_ptr_array_add(e->details, g_strdup(label));
	g_ptr_array_add(e->details, g_strdup(value));
}

static int entry_cmp(gconstpointer a, gconstpointer b)
{
	const Entry *x = *(Entry *const *)a, *y = *(Entry *const *)b;
	int c = g_date_time_compare(x->at, y->at);
	if (c)
		return c;
	if (x->order != y->order)
		return x->order - y->order;
	return (x->seq > y->seq) - (x->seq < y->seq);
}

typedef struct {
	gint64 id;
	char *at;
	char *sent_at;
	char *rcpt;
	char *kind;
	char *subject;
	char *state;
	char *message_id;
	char *sha256;
	char *error;
	gboolean shown;
} OutMail;

static void out_mail_free(gpointer p)
{
	OutMail *m = p;
	g_free(m->at), g_free(m->sent_at), g_free(m->rcpt), g_free(m->kind), g_free(m->subject);
	g_free(m->state), g_free(m->message_id), g_free(m->sha256), g_free(m->error);
	g_free(m);
}

static const struct {
	ChAudit what;
	const char *words;
} event_words[] = {
	{ CH_AUDIT_CONFERENCE_ADDED, "Conference entered" },
	{ CH_AUDIT_ATTENDEE_ADDED, "Professional added to the distribution list" },
	{ CH_AUDIT_LIST_IMPORTED, "Distribution list imported" },
	{ CH_AUDIT_LIST_SENT, "Distribution list sent to the chair for authorisation" },
	{ CH_AUDIT_CONFERENCE_STATE, "Conference state changed" },
	{ CH_AUDIT_ESCALATION_RAISED, "Escalation raised by the chair" },
	{ CH_AUDIT_ESCALATION_STAGE, "Escalation stage: who is asked, and by when" },
	{ CH_AUDIT_ESCALATION_CHASED, "Chaser sent: no answer by the due date" },
	{ CH_AUDIT_ESCALATION_CLIMBS, "Escalation moved up a stage: no answer after the chaser" },
	{ CH_AUDIT_ESCALATION_NOT_RESOLVED, "Answer: not resolved" },
	{ CH_AUDIT_ESCALATION_STATE, "Escalation state changed" },
	{ CH_AUDIT_ESCALATION_NOBODY, "Nobody is configured for this stage" },
	{ CH_AUDIT_REPLY_NOT_UNDERSTOOD, "Reply not understood: nothing was changed" },
	{ CH_AUDIT_MAIL_QUEUED, "Message queued to go out" },
	{ CH_AUDIT_MAIL_SENT, "Message sent" },
	{ CH_AUDIT_MAIL_FAILED, "Message could not be delivered" },
	{ CH_AUDIT_MAIL_BOUNCED, "Message came back undelivered" },
	{ CH_AUDIT_MAIL_DELAYED, "Delivery delayed: the receiving server is still trying" },
	{ CH_AUDIT_MAIL_REPORTED, "Delivery reported (delivered or relayed)" },
	{ CH_AUDIT_MAIL_BOUNCED_AGAIN, "Another report that the message was not delivered" },
	{ CH_AUDIT_MAIL_RATE_LIMITED, "Answer held back: too many to one address this hour" },
	{ CH_AUDIT_MESSAGE_HELD, "Message held until admin checks the sender" },
	{ CH_AUDIT_MESSAGE_TRIAGE, "Message put in triage for a person" },
	{ CH_AUDIT_MESSAGE_AUTOMATIC, "Automatic reply received (not acted on)" },
	{ CH_AUDIT_SAFETY_ALERT, "IMMEDIATE-SAFETY ALERT to the CP coordinator" },
	{ CH_AUDIT_SAFETY_ACKNOWLEDGED, "Immediate-safety alert acknowledged" },
	{ CH_AUDIT_SAFETY_AWAY, "Out-of-office in answer to an immediate-safety alert" },
	{ CH_AUDIT_SAFETY_ESCALATED,
	  "Immediate-safety alert not acknowledged: team and service managers told" },
	{ CH_AUDIT_SAFETY_REMINDED, "Immediate-safety alert still not acknowledged: admin told" },
	{ CH_AUDIT_TRIAGE_DROPPED, "Triage item dropped by admin" },
	{ CH_AUDIT_TRIAGE_RELEASED, "Triage item released by admin" },
	{ CH_AUDIT_ESCALATION_SET_ASIDE,
	  "The Lead Safeguarding Manager set aside the conference decision" },
	{ CH_AUDIT_ESCALATION_RECONVENE_CHASED, "Admin reminded to enter the reconvened date" },
	{ CH_AUDIT_ESCALATION_RECONVENE_DATE, "The reconvened conference's date entered" },
	{ CH_AUDIT_ESCALATION_OPTIONS, "The quality assurance group's options recorded" },
};

/* The words for an audit line; its name as stored when it has none (a line written by an
 * older or newer chaser is shown as it is). */
static const char *words_for(const char *what)
{
	ChAudit kind;
	if (!ch_audit_parse(what, &kind))
		return what;
	for (guint i = 0; i < G_N_ELEMENTS(event_words); i++)
		if (event_words[i].what == kind)
			return event_words[i].words;
	return what;
}

static void add_out_mail(Entry *e, const OutMail *m)
{
	g_autofree char *msgid = ch_token_withhold_msgid(m->message_id);
	detail(e, "to", m->rcpt);
	detail(e, "kind", m->kind);
	detail(e, "subject", m->subject);
	detail(e, "SHA-256", m->sha256);
	detail(e, "Message-ID", msgid);
	g_autofree char *sent = m->sent_at ? when_iso(m->sent_at) : NULL;
	g_autofree char *state = sent ? g_strdup_printf("%s %s", m->state, sent) : g_strdup(m->state);
	detail(e, "state now", state);
	detail(e, "error", m->error);
}

typedef struct {
	ChApp *app;
	ChCase *c;
	GPtrArray *entries;     /* Entry* */
	GHashTable *outbox;     /* id -> OutMail* */
	GHashTable *senders;    /* fingerprint -> from address (this conference's messages) */
	GPtrArray *audit;       /* AuditRow*, in order */
} Record;

typedef struct {
	gint64 id;
	char *at, *source, *what, *object, *old_value, *new_value, *detail;
	ChAudit kind;   /* what, when this chaser knows it */
	gboolean known;
	ChObj obj;      /* object, when it is a numbered one (ch_obj_parse); else CH_OBJ_NONE */
} AuditRow;

static gboolean is(const AuditRow *a, ChAudit kind)
{
	return a->known && a->kind == kind;
}

/* An escalation.state line that moved the escalation to `state`. */
static gboolean to_esc_state(const AuditRow *a, ChEscState state)
{
	ChEscState s;
	return is(a, CH_AUDIT_ESCALATION_STATE) && ch_esc_state_parse(a->new_value, &s) && s == state;
}

static void audit_row_free(gpointer p)
{
	AuditRow *a = p;
	g_free(a->at), g_free(a->source), g_free(a->what), g_free(a->object);
	g_free(a->old_value), g_free(a->new_value), g_free(a->detail);
	g_free(a);
}

static gboolean load_messages(Record *r, GError **error)
{
	g_autoptr(GPtrArray) rows = ch_store_view_case_messages(r->app->store, r->c->id, error);
	if (!rows)
		return FALSE;
	for (guint k = 0; k < rows->len; k++) {
		const ChStoreRow *row = rows->pdata[k];
		const char *col[10];
		for (int i = 0; i < 10; i++)
			col[i] = ch_store_row_str(row, i);
		Entry *e = entry_new(r->entries, col[1], 0, ch_store_row_int(row, 0), "MESSAGE IN");
		e->headline = g_strdup_printf("Message in from %s", col[2] ? col[2] : "(no sender)");
		detail(e, "to", r->app->cfg->address);
		detail(e, "about", col[3]);
		detail(e, "class", col[4]);
		detail(e, "state", col[5]);
		detail(e, "SHA-256", col[6]);
		detail(e, "found at", col[7]);
		detail(e, "Message-ID", col[9]);
		g_autofree char *size = g_strdup_printf("%" G_GINT64_FORMAT " bytes",
		                                        ch_store_row_int(row, 10));
		detail(e, "size", size);
		detail(e, "why held", col[8]);
		if (col[6])
			g_hash_table_insert(r->senders, g_strdup(col[6]), g_strdup(col[2] ? col[2] : "?"));
	}
	return TRUE;
}

static gboolean load_outbox(Record *r, GError **error)
{
	g_autoptr(GPtrArray) rows = ch_store_view_case_outbox(r->app->store, r->c->id, error);
	if (!rows)
		return FALSE;
	for (guint k = 0; k < rows->len; k++) {
		const ChStoreRow *row = rows->pdata[k];
		OutMail *m = g_new0(OutMail, 1);
		m->id = ch_store_row_int(row, 0);
		m->at = g_strdup(ch_store_row_str(row, 1));
		m->sent_at = g_strdup(ch_store_row_str(row, 2));
		m->rcpt = g_strdup(ch_store_row_str(row, 3));
		m->kind = g_strdup(ch_store_row_str(row, 4));
		m->subject = g_strdup(ch_store_row_str(row, 5));
		m->state = g_strdup(ch_store_row_str(row, 6));
		m->message_id = g_strdup(ch_store_row_str(row, 7));
		GBytes *wire = ch_store_row_bytes(row, 8);
		gsize len = 0;
		const void *data = wire ? g_bytes_get_data(wire, &len) : NULL;
		m->sha256 = g_compute_checksum_for_data(G_CHECKSUM_SHA256, data ? data : (const void *)"",
		                                        len);
		m->error = g_strdup(ch_store_row_str(row, 9));
		g_hash_table_insert(r->outbox, g_memdup2(&m->id, sizeof m->id), m);
	}
	return TRUE;
}

static gboolean load_audit(Record *r, GError **error)
{
	g_autoptr(GPtrArray) rows = ch_store_view_case_audit(r->app->store, r->c->id, error);
	if (!rows)
		return FALSE;
	for (guint k = 0; k < rows->len; k++) {
		const ChStoreRow *row = rows->pdata[k];
		AuditRow *a = g_new0(AuditRow, 1);
		a->id = ch_store_row_int(row, 0);
		a->at = g_strdup(ch_store_row_str(row, 1));
		a->source = g_strdup(ch_store_row_str(row, 2));
		a->what = g_strdup(ch_store_row_str(row, 3));
		a->known = ch_audit_parse(a->what, &a->kind);
		a->object = g_strdup(ch_store_row_str(row, 4));
		if (!ch_obj_parse(a->object, &a->obj))
			a->obj = CH_OBJ_NOTHING;
		a->old_value = g_strdup(ch_store_row_str(row, 5));
		a->new_value = g_strdup(ch_store_row_str(row, 6));
		a->detail = g_strdup(ch_store_row_str(row, 7));
		g_ptr_array_add(r->audit, a);
	}
	return TRUE;
}

/* The outbox row an audit line is about, or NULL. */
static OutMail *outbox_of(Record *r, const AuditRow *a)
{
	return a->obj.kind == CH_OBJ_OUTBOX ? g_hash_table_lookup(r->outbox, &a->obj.id) : NULL;
}

static void audit_entries(Record *r)
{
	for (guint i = 0; i < r->audit->len; i++) {
		AuditRow *a = r->audit->pdata[i];
		OutMail *m = outbox_of(r, a);
		gboolean mail = m && (is(a, CH_AUDIT_MAIL_QUEUED) || is(a, CH_AUDIT_MAIL_SENT));
		Entry *e = entry_new(r->entries, a->at, 1, a->id, mail ? "MESSAGE OUT" : "EVENT");
		const char *words = words_for(a->what);
		e->headline = words != a->what ? g_strdup_printf("%s [%s]", words, a->what)
		                               : g_strdup(a->what);
		if (mail) {
			/* The mail itself says more than its audit line: who, what, and its hash. */
			m->shown = TRUE;
			add_out_mail(e, m);
			detail(e, "caused by", a->source);
			continue;
		}
		detail(e, "about", a->object);
		if (a->old_value || a->new_value) {
			g_autofree char *change = g_strdup_printf("%s -> %s",
			                                          a->old_value ? a->old_value : "(none)",
			                                          a->new_value ? a->new_value : "(none)");
			detail(e, "change", change);
		}
		detail(e, "detail", a->detail);
		detail(e, "caused by", a->source);
	}
	/* Mail with no audit line of its own still goes on the record. */
	GHashTableIter it;
	gpointer v;
	g_hash_table_iter_init(&it, r->outbox);
	while (g_hash_table_iter_next(&it, NULL, &v)) {
		OutMail *m = v;
		if (m->shown)
			continue;
		Entry *e = entry_new(r->entries, m->at, 2, m->id, "MESSAGE OUT");
		e->headline = g_strdup_printf("Message out to %s", m->rcpt);
		add_out_mail(e, m);
	}
}

static gboolean task_entries(Record *r, GError **error)
{
	g_autoptr(GPtrArray) rows = ch_store_view_case_tasks(r->app->store, r->c->id, error);
	if (!rows)
		return FALSE;
	for (guint k = 0; k < rows->len; k++) {
		const ChStoreRow *row = rows->pdata[k];
		Entry *e = entry_new(r->entries, ch_store_row_str(row, 1), 3, ch_store_row_int(row, 0),
		                     "TASK");
		e->headline = g_strdup_printf("Task for admin: %s", ch_store_row_str(row, 2));
		detail(e, "detail", ch_store_row_str(row, 3));
		g_autofree char *done = when_iso(ch_store_row_str(row, 4));
		detail(e, "done", ch_store_row_is_null(row, 4) ? "not yet" : done);
	}
	return TRUE;
}

static void write_timeline(Record *r, Out *o)
{
	heading(o, "What happened, in time order");
	if (o->html)
		g_string_append(o->s, "<table class=\"timeline\">\n<colgroup><col class=\"when\">"
		                      "<col class=\"what\"><col></colgroup>\n<thead><tr><th>Time</th>"
		                      "<th>What</th><th>Details</th></tr></thead>\n<tbody>\n");
	for (guint i = 0; i < r->entries->len; i++) {
		Entry *e = r->entries->pdata[i];
		g_autofree char *at = when_str(e->at);
		if (o->html) {
			g_string_append(o->s, "<tr><td>");
			ch_page_escaped(o->s, at);
			g_string_append(o->s, "</td><td><b>");
			ch_page_escaped(o->s, e->label);
			g_string_append(o->s, "</b><br>");
			ch_page_escaped(o->s, e->headline);
			g_string_append(o->s, "</td><td>");
			for (guint k = 0; k + 1 < e->details->len; k += 2) {
				if (k)
					g_string_append(o->s, "<br>");
				ch_page_escaped(o->s, e->details->pdata[k]);
				g_string_append(o->s, ": ");
				ch_page_escaped(o->s, e->details->pdata[k + 1]);
			}
			g_string_append(o->s, "</td></tr>\n");
			continue;
		}
		g_string_append_printf(o->s, "%s  %-11s %s\n", at, e->label, e->headline);
		for (guint k = 0; k + 1 < e->details->len; k += 2) {
			g_autofree char *value = g_strdup(e->details->pdata[k + 1]);
			g_strdelimit(value, "\r\n", ' ');
			g_string_append_printf(o->s, "      %s: %s\n", (char *)e->details->pdata[k], value);
		}
	}
	if (o->html)
		g_string_append(o->s, "</tbody>\n</table>\n");
	if (!r->entries->len)
		para(o, "Nothing has happened yet.");
}

/* ---- the conference, its list and its escalations --------------------------------------- */

static char *person(const char *name, const char *email)
{
	if (name && email)
		return g_strdup_printf("%s <%s>", name, email);
	return g_strdup(name ? name : email);
}

static void write_header(Record *r, Out *o, const ChRules *rules)
{
	ChCase *c = r->c;
	g_autoptr(GDateTime) now = ch_clock_now();
	g_autofree char *now_s = ch_clock_format(now);
	g_autofree char *title = g_strdup_printf("Case record: conference %s", c->ref);
	if (o->html) {
		g_string_append(o->s, "<h1>");
		ch_page_escaped(o->s, title);
		g_string_append(o->s, "</h1>\n");
	} else {
		g_string_append_printf(o->s, "%s\n", title);
	}
	g_autofree char *made = g_strdup_printf("Produced by chaser on %s from its store. It holds "
	                                        "this conference only.",
	                                        now_s);
	para(o, made);
	heading(o, "The conference");
	fields_begin(o);
	field(o, "Reference", c->ref);
	g_autofree char *held = when_iso(c->held);
	field(o, "Held", held);
	field(o, "Type", ch_conf_type_name(c->type));
	g_autofree char *proc = g_strdup_printf("%s%s%s%s", c->procedure, rules ? " (" : "",
	                                        rules && rules->title ? rules->title : "",
	                                        rules ? ")" : "");
	field(o, "Procedure", proc);
	g_autofree char *chair = person(c->chair_name, c->chair_email);
	field(o, "Chair", chair);
	field(o, "Social worker", c->social_worker);
	field(o, "Practice manager", c->practice_manager);
	field(o, "Minute taker", c->minute_taker);
	field(o, "State now", ch_conf_state_name(c->state));
	g_autofree char *sent = c->list_sent_at ? when_iso(c->list_sent_at) : NULL;
	g_autofree char *auth = c->authorised_at ? when_iso(c->authorised_at) : NULL;
	g_autofree char *closed = c->closed_at ? when_iso(c->closed_at) : NULL;
	field(o, "List sent", sent);
	field(o, "List authorised", auth);
	field(o, "Closed", closed);
	g_autofree char *cal = g_strdup_printf("%s (%s)", ch_calendar_version(r->app->cal),
	                                       ch_calendar_nation(r->app->cal));
	field(o, "Calendar in use now", cal);
	fields_end(o);

	heading(o, "Distribution list");
	if (o->html)
		g_string_append(o->s, "<table>\n<thead><tr><th>Line</th><th>Name</th><th>Agency</th>"
		                      "<th>Email</th><th>Attendance</th><th>Report</th></tr></thead>\n"
		                      "<tbody>\n");
	for (guint i = 0; i < c->attendees->len; i++) {
		ChAttendee *a = c->attendees->pdata[i];
		if (!o->html) {
			g_string_append_printf(o->s, "  %2d. %s, %s <%s>: %s; report %s\n", a->n, a->name,
			                       a->agency, a->email, ch_attendance_name(a->attendance),
			                       ch_att_report_name(a->report));
			continue;
		}
		g_string_append_printf(o->s, "<tr><td>%d</td><td>", a->n);
		ch_page_escaped(o->s, a->name);
		g_string_append(o->s, "</td><td>");
		ch_page_escaped(o->s, a->agency);
		g_string_append(o->s, "</td><td>");
		ch_page_escaped(o->s, a->email);
		g_string_append(o->s, "</td><td>");
		ch_page_escaped(o->s, ch_attendance_name(a->attendance));
		g_string_append(o->s, "</td><td>");
		ch_page_escaped(o->s, ch_att_report_name(a->report));
		g_string_append(o->s, "</td></tr>\n");
	}
	if (o->html)
		g_string_append(o->s, "</tbody>\n</table>\n");
	if (!c->attendees->len)
		para(o, "No one is on the list yet.");
}

static const char *stage_title(const ChRules *rules, int stage)
{
	const ChStage *st = rules ? ch_rules_stage(rules, stage) : NULL;
	return st ? (st->title ? st->title : st->name) : NULL;
}

static void write_escalations(Record *r, Out *o, const ChRules *rules)
{
	heading(o, "Escalations and their outcome");
	if (!r->c->escalations->len) {
		para(o, "The chair raised no escalation.");
		return;
	}
	for (guint i = 0; i < r->c->escalations->len; i++) {
		ChEscalation *e = r->c->escalations->pdata[i];
		g_autofree char *title = g_strdup_printf("Escalation of line %d: %s (%s)", e->attendee->n,
		                                         e->attendee->name, e->attendee->agency);
		subheading(o, title);
		g_autofree char *codes = g_strjoinv(", ", e->reasons);
		g_autofree char *words = ch_reasons_describe(e->reasons);
		g_autofree char *reasons = g_strdup_printf("%s (%s)", words, codes);
		g_autofree char *raised = when_iso(e->raised_at);
		const char *st_title = stage_title(rules, e->stage);
		g_autofree char *stage = g_strdup_printf("%d%s%s%s", e->stage, st_title ? " (" : "",
		                                         st_title ? st_title : "", st_title ? ")" : "");
		g_autofree char *stage_at = when_iso(e->stage_at);
		g_autofree char *due = g_strdup_printf("%s, counted with calendar %s", e->due,
		                                       e->calendar);
		g_autofree char *chasers = g_strdup_printf("%d at this stage", e->chasers);
		g_autofree char *responded = e->responded_at ? when_iso(e->responded_at) : NULL;
		g_autofree char *closed = e->closed_at ? when_iso(e->closed_at) : NULL;
		fields_begin(o);
		field(o, "Reasons", reasons);
		field(o, "Chair's comment", e->comment);
		field(o, "Raised", raised);
		field(o, "Stage reached", stage);
		field(o, "Asked at this stage", e->asked);
		field(o, "Stage began", stage_at);
		field(o, "Answer due", due);
		field(o, "Chasers", chasers);
		field(o, "First answer", responded);
		field(o, "Answer", e->response);
		field(o, "State", ch_esc_state_name(e->state));
		field(o, "Outcome", e->outcome);
		field(o, "Closed", closed);
		fields_end(o);
	}
}

static gboolean write_reports(Record *r, Out *o, GError **error)
{
	g_autoptr(GPtrArray) rows = ch_store_view_case_reports(r->app->store, r->c->id, error);
	if (!rows)
		return FALSE;
	gboolean any = FALSE;
	for (guint k = 0; k < rows->len; k++) {
		const ChStoreRow *row = rows->pdata[k];
		if (!any)
			heading(o, "Post-conference reports");
		any = TRUE;
		const char *col[10];
		for (int i = 0; i < 10; i++)
			col[i] = ch_store_row_str(row, i);
		g_autofree char *title = g_strdup_printf("Report owed by %s", col[0]);
		subheading(o, title);
		g_autofree char *requested = col[3] ? when_iso(col[3]) : NULL;
		g_autofree char *due = col[4] ? g_strdup_printf("%s, counted with calendar %s", col[4],
		                                                col[5] ? col[5] : "?")
		                              : NULL;
		g_autofree char *received = col[6] ? when_iso(col[6]) : NULL;
		g_autofree char *missing = col[9] ? when_iso(col[9]) : NULL;
		const char *on_time = ch_store_row_is_null(row, 7) ? NULL
		                      : ch_store_row_int(row, 7)   ? "yes"
		                                                   : "no, late";
		fields_begin(o);
		field(o, "State", col[1]);
		field(o, "Asked", col[2]);
		field(o, "Requested", requested);
		field(o, "Due", due);
		field(o, "Received", received);
		field(o, "On time", on_time);
		field(o, "SHA-256 of the report", col[8]);
		field(o, "Marked missing", missing);
		fields_end(o);
	}
	return TRUE;
}

/* ---- the Cwm Taf conference chair resolution form --------------------------------------- */

/* The audit lines about one escalation: its object names the line on the list. */
static gboolean about(const AuditRow *a, const ChEscalation *e)
{
	return a->obj.kind == CH_OBJ_ESCALATION && a->obj.id == e->attendee->n;
}

static char *local_day(const char *iso)
{
	g_autoptr(GDateTime) t = iso ? ch_clock_parse(iso) : NULL;
	if (!t)
		return g_strdup(iso ? iso : "-");
	GDate d;
	ch_clock_local_date(t, &d);
	return ch_date_format_long(&d);
}

/* One paragraph per line, or `none` when there is no line. */
static void paras(Out *o, const char *lines_text, const char *none)
{
	g_auto(GStrv) lines = g_strsplit(lines_text, "\n", -1);
	guint n = 0;
	for (guint i = 0; lines[i]; i++)
		if (*lines[i])
			para(o, lines[i]), n++;
	if (!n)
		para(o, none);
}

static void checkbox(Out *o, gboolean ticked, const char *text)
{
	g_autofree char *line = g_strdup_printf("%s %s", o->html ? (ticked ? "\u2612" : "\u2610")
	                                                         : (ticked ? "[x]" : "[ ]"),
	                                        text);
	para(o, line);
}

/* "Form completed on": the day the last issue ended, once every one has; or why not yet. */
static char *form_completed_on(Record *r)
{
	ChCase *c = r->c;
	guint open = 0;
	const char *last = NULL;
	for (guint i = 0; i < c->escalations->len; i++) {
		ChEscalation *e = c->escalations->pdata[i];
		if (!ch_esc_state_finished(e->state)) {
			open++;
			continue;
		}
		/* An unresolved escalation ends when it was marked so; the audit has the time. */
		const char *end = e->closed_at;
		for (guint k = 0; !end && k < r->audit->len; k++) {
			AuditRow *a = r->audit->pdata[k];
			if (about(a, e) && to_esc_state(a, e->state))
				end = a->at;
		}
		g_autoptr(GDateTime) end_t = end ? ch_clock_parse(end) : NULL;
		g_autoptr(GDateTime) last_t = last ? ch_clock_parse(last) : NULL;
		if (end_t && (!last_t || g_date_time_compare(end_t, last_t) > 0))
			last = end;
	}
	char *done = NULL;
	if (!c->escalations->len)
		done = g_strdup("nothing to complete: no issue was raised");
	else if (open)
		done = g_strdup_printf("not yet: %u of %u issues still open", open,
		                       c->escalations->len);
	else
		done = local_day(last);
	return done;
}

/* Who sent the message with this fingerprint: the conference's messages, else (the one
 * being handled, not yet filed under it) the store. */
static const char *sender_of(Record *r, const char *fingerprint)
{
	const char *who = g_hash_table_lookup(r->senders, fingerprint);
	if (who)
		return who;
	g_autoptr(GPtrArray) rows = ch_store_view_message_from(r->app->store, fingerprint, NULL);
	const char *from = rows && rows->len ? ch_store_row_str(rows->pdata[0], 0) : NULL;
	if (!from)
		return NULL;
	g_hash_table_insert(r->senders, g_strdup(fingerprint), g_strdup(from));
	return g_hash_table_lookup(r->senders, fingerprint);
}

/* What happened to one escalation, stage by stage, from the audit: each stage as it was
 * entered, what was done at it (reminders, moving on), and each answer with who gave it and
 * when, credited to the stage it was given at. `actions` and `answers` get one line each;
 * `both` (when not NULL) gets them all in order, answers indented under their stage. */
static void stage_lines(Record *r, const ChEscalation *e, GString *actions, GString *answers,
                        GString *both)
{
	g_autofree char *stage = NULL; /* "2 (cp-coordinator)" */
	const AuditRow *prev = NULL;
	for (guint k = 0; k < r->audit->len; k++) {
		AuditRow *a = r->audit->pdata[k];
		if (!about(a, e))
			continue;
		const AuditRow *before = prev;
		prev = a;
		g_autofree char *day = local_day(a->at);
		g_autofree char *action = NULL;
		if (is(a, CH_AUDIT_ESCALATION_STAGE)) {
			g_free(stage);
			stage = g_strdup(a->new_value ? a->new_value : "?");
			action = g_strdup_printf("%s: line %d taken to stage %s: %s", day, e->attendee->n,
			                         stage, a->detail ? a->detail : "");
		} else if (is(a, CH_AUDIT_ESCALATION_CHASED)) {
			action = g_strdup_printf("%s: line %d, reminder %s sent (no answer by the due "
			                         "date)",
			                         day, e->attendee->n, a->new_value ? a->new_value : "");
		} else if (is(a, CH_AUDIT_ESCALATION_CLIMBS)) {
			action = g_strdup_printf("%s: line %d, no answer after the reminder: moved to the "
			                         "next stage",
			                         day, e->attendee->n);
		} else if (is(a, CH_AUDIT_ESCALATION_RECONVENE_DATE)) {
			action = g_strdup_printf("%s: line %d, the reconvened conference's date entered: "
			                         "%s",
			                         day, e->attendee->n, a->new_value ? a->new_value : "?");
		}
		if (action) {
			g_string_append_printf(actions, "%s%s", actions->len ? "\n" : "", action);
			if (both)
				g_string_append_printf(both, "%s%s", both->len ? "\n" : "", action);
			continue;
		}
		/* Answers came in a message: its sender says who. */
		gboolean by_message = a->source && g_str_has_prefix(a->source, "message:");
		const char *who = by_message ? sender_of(r, a->source + 8) : NULL;
		const char *text = NULL, *kind = NULL;
		/* The state line after a set-aside or the group's options says it again. */
		gboolean said = before && (is(before, CH_AUDIT_ESCALATION_SET_ASIDE) ||
		                           is(before, CH_AUDIT_ESCALATION_OPTIONS));
		if (is(a, CH_AUDIT_ESCALATION_NOT_RESOLVED))
			text = a->detail, kind = "not resolved";
		else if (is(a, CH_AUDIT_ESCALATION_SET_ASIDE))
			text = a->detail, kind = "the conference decision set aside";
		else if (is(a, CH_AUDIT_ESCALATION_OPTIONS)) {
			g_autofree char *k2 = g_strdup_printf("asks for %s", a->new_value ? a->new_value
			                                                                  : "?");
			g_string_append_printf(answers, "%sStage %s: %s, from %s about line %d (%s): %s",
			                       answers->len ? "\n" : "", stage ? stage : "?", day,
			                       who ? who : "a message", e->attendee->n, k2,
			                       a->detail ? a->detail : "");
			if (both)
				g_string_append_printf(both, "%s    %s, from %s (%s): %s",
				                       both->len ? "\n" : "", day, who ? who : "a message", k2,
				                       a->detail ? a->detail : "");
			continue;
		} else if (by_message && !said && to_esc_state(a, CH_ESC_RESOLVED))
			text = a->detail, kind = "resolved";
		else if (by_message && to_esc_state(a, CH_ESC_RESPONDED))
			/* An older chaser did not keep the answer on its line. */
			text = a->detail ? a->detail : "(an answer for the chair to confirm)",
			kind = "answered";
		else
			continue;
		g_string_append_printf(answers, "%sStage %s: %s, from %s about line %d (%s): %s",
		                       answers->len ? "\n" : "", stage ? stage : "?", day,
		                       who ? who : "a message", e->attendee->n, kind, text ? text : "");
		if (both)
			g_string_append_printf(both, "%s    %s, from %s (%s): %s", both->len ? "\n" : "",
			                       day, who ? who : "a message", kind, text ? text : "");
	}
}

/* The issues raised, what was done about each and when, and who answered: from the audit. */
static void form_history(Record *r, Out *o)
{
	ChCase *c = r->c;
	GString *issues = g_string_new(NULL), *actions = g_string_new(NULL);
	GString *answers = g_string_new(NULL);
	for (guint i = 0; i < c->escalations->len; i++) {
		ChEscalation *e = c->escalations->pdata[i];
		g_autofree char *words = ch_reasons_describe(e->reasons);
		g_string_append_printf(issues, "%sLine %d, %s (%s): %s.%s%s", issues->len ? "\n" : "",
		                       e->attendee->n, e->attendee->name, e->attendee->agency, words,
		                       e->comment ? " Chair's comment: " : "",
		                       e->comment ? e->comment : "");
		stage_lines(r, e, actions, answers, NULL);
	}
	subheading(o, "Issues raised, and any actions agreed at the conference");
	paras(o, issues->str, "None raised through chaser.");
	subheading(o, "What was done about them, and when");
	paras(o, actions->str, "Nothing yet.");
	subheading(o, "Answers to the issues: who answered, and when");
	paras(o, answers->str, "No answer has come yet.");
	g_string_free(issues, TRUE), g_string_free(actions, TRUE), g_string_free(answers, TRUE);
}

/* The outcome boxes: exactly one ticked for the conference (a concern still open, then a
 * decision set aside, then one not resolved, then the quality assurance group's options,
 * make it "other" or "not resolved" before "satisfied"), and a line for each issue. */
static void form_outcome(Record *r, Out *o)
{
	ChCase *c = r->c;
	subheading(o, "Outcome");
	gboolean open = FALSE, set_aside = FALSE, unresolved = FALSE, options = FALSE;
	GString *each = g_string_new(NULL);
	for (guint i = 0; i < c->escalations->len; i++) {
		ChEscalation *e = c->escalations->pdata[i];
		const char *what;
		g_autofree char *other_s = NULL;
		if (e->set_aside_at) {
			set_aside = TRUE;
			g_autofree char *held = e->reconvene_held ? ch_clock_long_date(e->reconvene_held,
			                                                               "")
			                                          : NULL;
			other_s = g_strdup_printf("other: the Lead Safeguarding Manager set aside the "
			                          "conference decision (\"%s\"); %s%s",
			                          e->set_aside_words ? e->set_aside_words : "",
			                          held ? "the conference reconvenes on " : "the conference "
			                                                                   "is to reconvene",
			                          held ? held : "");
			what = other_s;
		} else if (e->options && e->state == CH_ESC_RESOLVED) {
			options = TRUE;
			other_s = g_strdup_printf("other: the quality assurance group asks for %s; the "
			                          "chair has its feedback",
			                          e->options);
			what = other_s;
		} else if (e->state == CH_ESC_RESOLVED) {
			what = "the chair is satisfied with the outcome";
		} else if (e->state == CH_ESC_UNRESOLVED) {
			unresolved = TRUE;
			what = "not resolved; the CP coordinator has been told";
		} else {
			open = TRUE;
			other_s = g_strdup_printf("other: %s at stage %d%s", ch_esc_state_name(e->state),
			                          e->stage,
			                          e->state == CH_ESC_RESPONDED
			                              ? ", an answer waits for the chair to confirm"
			                          : e->state == CH_ESC_OPEN ? ", still waiting for an answer"
			                                                    : "");
			what = other_s;
		}
		g_string_append_printf(each, "%sLine %d (%s): %s", each->len ? "\n" : "", e->attendee->n,
		                       e->attendee->agency, what);
	}
	gboolean any = c->escalations->len > 0;
	gboolean other = open || set_aside || (!unresolved && options);
	gboolean not_resolved = !other && unresolved;
	gboolean satisfied = any && !other && !not_resolved;
	checkbox(o, satisfied, "The chair is satisfied with the outcome");
	checkbox(o, not_resolved, "Not resolved: the CP coordinator / safeguarding manager is told");
	checkbox(o, other, "Other (say what):");
	g_auto(GStrv) each_lines = g_strsplit(each->str, "\n", -1);
	for (guint i = 0; each->len && each_lines[i]; i++) {
		g_autofree char *line = g_strdup_printf("%s%s", o->html ? "" : "    ", each_lines[i]);
		para(o, line);
	}
	g_string_free(each, TRUE);
}

static void write_cwm_taf_form(Record *r, Out *o)
{
	static const char not_held[] = "(not held by chaser: fill in from the case file)";
	ChCase *c = r->c;
	if (o->html)
		g_string_append(o->s, "<section class=\"form\" style=\"border: 1.5px solid #333;"
		                      " padding: 4pt 8pt; margin-top: 12pt;\">\n");
	heading(o, "Conference chair resolution form (Cwm Taf)");
	para(o, "Filled in by chaser from this conference's record. The chair checks it, completes "
	        "what chaser does not hold, and sends it to the CP coordinator / safeguarding "
	        "manager.");
	fields_begin(o);
	field(o, "Child's name", not_held);
	field(o, "Date of birth", not_held);
	field(o, "Home address", not_held);
	field(o, "Legal status", not_held);
	field(o, "Social worker", c->social_worker);
	g_autofree char *chair = person(c->chair_name, c->chair_email);
	field(o, "Chair of the conference", chair);
	g_autofree char *done = form_completed_on(r);
	field(o, "Form completed on", done);
	fields_end(o);

	form_history(r, o);
	form_outcome(r, o);
	para(o, "If a child may not be safe now, do not wait for this form: tell the CP coordinator "
	        "or the Lead Safeguarding Manager straight away.");
	if (o->html)
		g_string_append(o->s, "</section>\n");
}

static void record_clear(Record *r)
{
	g_ptr_array_unref(r->entries);
	g_hash_table_unref(r->outbox);
	g_hash_table_unref(r->senders);
	g_ptr_array_unref(r->audit);
}

/* The conference, its messages, mail, audit and tasks, read into r (cleared by
 * record_clear, also on failure). */
static gboolean record_load(Record *r, ChApp *app, ChCase *c, GError **error)
{
	*r = (Record){
		.app = app,
		.c = c,
		.entries = g_ptr_array_new_with_free_func(entry_free),
		.outbox = g_hash_table_new_full(g_int64_hash, g_int64_equal, g_free, out_mail_free),
		.senders = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free),
		.audit = g_ptr_array_new_with_free_func(audit_row_free),
	};
	return load_messages(r, error) && load_outbox(r, error) && load_audit(r, error) &&
	       task_entries(r, error);
}

char *ch_record_build(ChApp *app, const char *ref, ChRecordFormat format, GError **error)
{
	g_autoptr(ChCase) c = ch_store_case_load(app->store, ref, error);
	if (!c)
		return NULL;
	Record r;
	char *result = NULL;
	if (record_load(&r, app, c, error)) {
		audit_entries(&r);
		g_ptr_array_sort(r.entries, entry_cmp);
		const ChRules *rules = ch_app_rules(app, c->procedure, NULL);
		Out o = { .html = format == CH_RECORD_HTML, .s = g_string_new(NULL) };
		g_autofree char *title = g_strdup_printf("Case record: conference %s", c->ref);
		if (o.html)
			ch_page_begin(o.s, title);
		write_header(&r, &o, rules);
		write_timeline(&r, &o);
		write_escalations(&r, &o, rules);
		gboolean ok = write_reports(&r, &o, error);
		if (ok && !g_ascii_strcasecmp(c->procedure, "cwm-taf"))
			write_cwm_taf_form(&r, &o);
		if (o.html)
			ch_page_end(o.s);
		result = g_string_free(o.s, !ok);
	}
	record_clear(&r);
	return result;
}

char *ch_record_form(ChApp *app, const char *ref, GError **error)
{
	g_autoptr(ChCase) c = ch_store_case_load(app->store, ref, error);
	if (!c)
		return NULL;
	Record r;
	char *result = NULL;
	if (record_load(&r, app, c, error)) {
		Out o = { .html = FALSE, .s = g_string_new(NULL) };
		write_cwm_taf_form(&r, &o);
		result = g_string_free(o.s, FALSE);
	}
	record_clear(&r);
	return result;
}

char *ch_record_history(ChApp *app, const char *ref, int line, GError **error)
{
	g_autoptr(ChCase) c = ch_store_case_load(app->store, ref, error);
	if (!c)
		return NULL;
	const ChEscalation *e = ch_case_escalation_for(c, line);
	Record r;
	char *result = NULL;
	if (record_load(&r, app, c, error)) {
		GString *actions = g_string_new(NULL), *answers = g_string_new(NULL);
		GString *both = g_string_new(NULL);
		if (e)
			stage_lines(&r, e, actions, answers, both);
		if (!both->len)
			g_string_append(both, "(nothing recorded yet)");
		g_string_free(actions, TRUE), g_string_free(answers, TRUE);
		result = g_string_free(both, FALSE);
	}
	record_clear(&r);
	return result;
}
