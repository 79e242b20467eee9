/* fuzz_answer: libFuzzer harness for the mail chaser writes in answer to mail it did not write.
 *
 * One input is parsed as a message (ch_message_parse()), then every answer that takes data
 * from it is rendered and built into its final bytes, as the outbox would queue it:
 *   1. through the rules engine, on a conference made up here (no store): the message as the
 *      chair's reply to the list (transcript, not understood, escalations to SLOs carrying the
 *      chair's comment), as an SLO's answer to an escalation (closed, unresolved, response to
 *      the chair), as the chair's answer to a report notice (transcript, high-risk alert), as
 *      a report arriving (receipt, notices), and its text through the immediate-safety check
 *      (alerts); the message's sender and display name stand in for the chair, its subject for
 *      an agency's name, so they reach the headers and bodies those mails carry;
 *   2. every template in templates/ with each of its {{variables}} filled from the message
 *      (subject, names, ids, reply text, attachment names), and admin's triage alert with the
 *      parser's refusal as its reason when the message cannot be read.
 * Each answer is built answering the message's own Message-ID, as the outbox does, and again
 * answering one of its In-Reply-To and References ids in turn (ch_mail_build() must rebuild
 * or drop each), then read back: every header
 * line must be one of the fixed list below (or a fold of one), each at most once, lines end
 * CR LF, the block ends at the first empty line, and GMime must read the result back as one
 * text/plain part with the same header names. A broken promise aborts (a crash to libFuzzer).
 *
 * Build and run: make fuzz FUZZ_TARGET=fuzz_answer FUZZ_SECONDS=600 (fuzz/README.md).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <gmime/gmime.h>

#include "app/rules_file.h"
#include "engine/case.h"
#include "engine/engine.h"
#include "message/message.h"
#include "outbound/render.h"
#include "timers/calendar.h"
#include "util/clock.h"
#include "util/error.h"
#include "util/header.h"

#ifndef FUZZ_TREE
#define FUZZ_TREE "."
#endif

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The header lines chaser writes, and no others: kept here apart from render.c on purpose,
 * so that a header added there without thought fails here. */
static const char *const allowed[] = {
	"From", "To", "Reply-To", "Subject", "Date", "Message-Id", "In-Reply-To", "References",
	"Auto-Submitted", "X-Auto-Response-Suppress", "X-Chaser-Outbox", "MIME-Version",
	"Content-Type", "Content-Transfer-Encoding", NULL,
};

static ChParseOptions opts;
static ChRules *rules;
static ChCalendar *cal;
static GDateTime *now;
static char *templates_dir;
static const char *templates_path[2];
static GPtrArray *templates; /* names, without .txt */

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc, (void)argv;
	g_mime_init();
	ch_parse_options_init(&opts);
	opts.max_size = 256 * 1024;
	opts.max_headers = 200;
	opts.max_line = 16 * 1024;
	opts.max_depth = 12;
	opts.max_parts = 64;
	opts.max_attachment = 64 * 1024;
	opts.max_attachments = 16;
	opts.own_address = "safeguarding@council.example";
	templates_dir = g_build_filename(FUZZ_TREE, "templates", NULL);
	templates_path[0] = templates_dir;
	GError *e = NULL;
	g_autofree char *rules_file = g_build_filename(FUZZ_TREE, "rules", "default.rules", NULL);
	rules = ch_rules_file_load(rules_file, "default", templates_path, &e);
	g_autofree char *hol = g_build_filename(FUZZ_TREE, "rules", "bank-holidays.txt", NULL);
	cal = rules ? ch_calendar_load(hol, "england-and-wales", &e) : NULL;
	if (!cal) {
		fprintf(stderr, "fuzz_answer: %s\n", e ? e->message : "no rules");
		abort();
	}
	now = g_date_time_new(ch_clock_zone(), 2026, 11, 24, 10, 0, 0);
	templates = g_ptr_array_new_with_free_func(g_free);
	GDir *d = g_dir_open(templates_dir, 0, NULL);
	const char *n;
	while (d && (n = g_dir_read_name(d)))
		if (g_str_has_suffix(n, ".txt"))
			g_ptr_array_add(templates, g_strndup(n, strlen(n) - 4));
	if (d)
		g_dir_close(d);
	if (!templates->len)
		abort();
	return 0;
}

/* ---- the check ---------------------------------------------------------------------------- */

static const char *allowed_name(const char *line, gsize len)
{
	for (guint k = 0; allowed[k]; k++)
		if (strlen(allowed[k]) == len && !g_ascii_strncasecmp(allowed[k], line, len))
			return allowed[k];
	return NULL;
}

static void check_wire(GBytes *wire, const char *answered)
{
	gsize len;
	const char *text = g_bytes_get_data(wire, &len);
	if (memchr(text, '\0', len))
		abort();
	const char *end = g_strstr_len(text, (gssize)len, "\r\n\r\n");
	if (!end)
		abort();
	const char *seen[G_N_ELEMENTS(allowed)] = { 0 };
	guint nseen = 0;
	for (const char *p = text; p < end + 2;) {
		const char *eol = g_strstr_len(p, end + 2 - p, "\r\n");
		if (!eol)
			abort();
		for (const char *q = p; q < eol; q++)
			if (*q == '\r' || *q == '\n' || *q == '\0')
				abort(); /* a bare CR or LF inside a header line */
		if (*p == ' ' || *p == '\t') {
			if (p == text)
				abort(); /* a fold with nothing to continue */
		} else {
			const char *colon = memchr(p, ':', (gsize)(eol - p));
			const char *name = colon ? allowed_name(p, (gsize)(colon - p)) : NULL;
			if (!name)
				abort(); /* a header line chaser did not write */
			for (guint k = 0; k < nseen; k++)
				if (seen[k] == name)
					abort(); /* written twice */
			seen[nseen++] = name;
		}
		p = eol + 2;
	}
	/* Read back: one text/plain part, the same headers, and an answered id only as we made it. */
	GMimeStream *s = g_mime_stream_mem_new_with_buffer(text, len);
	GMimeParser *parser = g_mime_parser_new_with_stream(s);
	GMimeMessage *m = g_mime_parser_construct_message(parser, NULL);
	if (!m)
		abort();
	GMimeObject *part = g_mime_message_get_mime_part(m);
	if (!part || !GMIME_IS_TEXT_PART(part) ||
	    !g_mime_content_type_is_type(g_mime_object_get_content_type(part), "text", "plain"))
		abort();
	GMimeHeaderList *lists[] = { g_mime_object_get_header_list(GMIME_OBJECT(m)),
	                             g_mime_object_get_header_list(part) };
	for (guint l = 0; l < G_N_ELEMENTS(lists); l++)
		for (int i = 0; i < g_mime_header_list_get_count(lists[l]); i++) {
			const char *n = g_mime_header_get_name(g_mime_header_list_get_header_at(lists[l], i));
			if (!allowed_name(n, strlen(n)))
				abort();
		}
	const char *irt = g_mime_object_get_header(GMIME_OBJECT(m), "In-Reply-To");
	g_autofree char *expect = answered ? ch_header_msgid(answered) : NULL;
	g_autofree char *expect_v = expect ? g_strdup_printf("<%s>", expect) : NULL;
	if (g_strcmp0(irt, expect_v))
		abort();
	if (g_strcmp0(g_mime_object_get_header(GMIME_OBJECT(m), "References"), expect_v))
		abort();
	g_object_unref(m), g_object_unref(parser), g_object_unref(s);
}

/* Builds one mail as queue_one() does: answering the message's Message-ID (what the outbox
 * does), and once more answering one of its other ids, a different one for each mail. */
static guint turn;

static void build_all(const char *kind, const char *to, const char *to_name,
                      const char *subject, const char *body, const ChMessage *m)
{
	const char *ids[2] = { m ? m->message_id : NULL, NULL };
	guint others = m ? (m->in_reply_to != NULL) + m->references->len : 0;
	if (others) {
		guint k = turn++ % others;
		ids[1] = m->in_reply_to ? (k == 0 ? m->in_reply_to : m->references->pdata[k - 1])
		                        : m->references->pdata[k];
	}
	for (guint i = 0; i < G_N_ELEMENTS(ids); i++) {
		if (i > 0 && !ids[i])
			continue;
		ChMail mail = {
			.from_name = "Child Protection Conference Team",
			.from_addr = "safeguarding@council.example",
			.to_name = to_name,
			.to_addr = to,
			.reply_to = "safeguarding+abcdefghijklmnopqrstuvwxyz23@council.example",
			.subject = subject,
			.message_id = "c.abcdefghijklmnopqrstuvwxyz23.0011223344556677@council.example",
			.in_reply_to = ids[i],
			.kind = kind,
			.date = now,
			.body = body,
		};
		GError *e = NULL;
		GBytes *wire = ch_mail_build(&mail, &e);
		if (!wire) {
			/* Refused only for an address it cannot write, and then it says so. */
			if (!g_error_matches(e, CH_ERROR, CH_ERROR_INPUT) || ch_header_addr(to))
				abort();
			g_error_free(e);
			continue;
		}
		check_wire(wire, ids[i]);
		g_bytes_unref(wire);
	}
}

static void build_unthreaded(const char *kind, const char *to, const char *to_name,
                             const char *subject, const char *body)
{
	ChMessage none = { 0 };
	none.references = g_ptr_array_new();
	build_all(kind, to, to_name, subject, body, &none);
	g_ptr_array_unref(none.references);
}

static void render_and_build(const char *kind, GHashTable *vars, const char *to,
                             const char *to_name, const ChMessage *m)
{
	char *subject = NULL, *body = NULL;
	GError *e = NULL;
	if (!ch_render(templates_path, kind, vars, &subject, &body, &e)) {
		/* Only a variable the engine did not set (an intent the generic pass covers). */
		if (!g_error_matches(e, CH_ERROR, CH_ERROR_CONFIG))
			abort();
		g_error_free(e);
		return;
	}
	build_all(kind, to, to_name, subject, body, m);
	g_free(subject), g_free(body);
}

/* ---- 1. the engine's answers --------------------------------------------------------------- */

static ChAttendee *attendee(ChCase *c, int n, const char *name, const char *agency,
                            const char *attendance, const char *report, gint64 agency_id)
{
	ChAttendee *a = g_new0(ChAttendee, 1);
	a->id = n;
	a->n = n;
	a->name = g_strdup(name);
	a->email = g_strdup_printf("person%d@agency.example.org", n);
	a->agency_id = agency_id;
	a->agency = g_strdup(agency);
	a->slo_email = g_strdup_printf("slo%" G_GINT64_FORMAT "@agency.example.org", agency_id);
	a->slo_name = g_strdup(name);
	a->attendance = g_strdup(attendance);
	a->report = g_strdup(report);
	g_ptr_array_add(c->attendees, a);
	return a;
}

/* CP-2026-0042 with its list sent: line 1 absent with no report (a report owed), line 2 with
 * an open escalation at stage 1. The message's sender is the chair. */
static ChCase *made_up_case(const ChMessage *m, const char *sender)
{
	ChCase *c = ch_case_new();
	c->id = 1;
	c->ref = g_strdup("CP-2026-0042");
	c->held = g_strdup("2026-11-20T10:00:00+00:00");
	c->type = g_strdup("initial");
	c->procedure = g_strdup("default");
	c->chair_email = g_strdup(sender);
	c->chair_name = g_strdup(m->from_name);
	c->social_worker = g_strdup("sw@council.example");
	c->practice_manager = g_strdup("pm@council.example");
	c->minute_taker = g_strdup("minutes@council.example");
	c->state = g_strdup("list_sent");
	c->list_sent_at = g_strdup("2026-11-23T09:30:00+00:00");
	const char *agency = m->subject && *m->subject ? m->subject : "Northshire Police";
	const char *name = m->from_name ? m->from_name : "Sam Okafor";
	ChAttendee *a1 = attendee(c, 1, name, agency, "absent", "awaited", 1);
	ChAttendee *a2 = attendee(c, 2, name, agency, "apologies", "none_expected", 2);
	attendee(c, 3, "Priya Nair", "Northshire Health", "attended", "submitted", 3);
	ChEscalation *e = g_new0(ChEscalation, 1);
	e->id = 1;
	e->attendee_id = a2->id;
	e->attendee = a2;
	e->reasons = g_strsplit("no_report", ",", -1);
	e->comment = g_strdup(m->reply_text);
	e->stage = 1;
	e->state = g_strdup("open");
	e->raised_at = g_strdup("2026-11-23T10:00:00+00:00");
	e->stage_at = g_strdup(e->raised_at);
	e->due = g_strdup("2026-11-30");
	e->calendar = g_strdup(ch_calendar_version(cal));
	e->asked = g_strdup(a2->slo_email);
	g_ptr_array_add(c->escalations, e);
	ChReport *r = g_new0(ChReport, 1);
	r->id = 1;
	r->agency_id = a1->agency_id;
	r->agency = g_strdup(agency);
	r->attendee = a1;
	r->asked = g_strdup(a1->email);
	r->state = g_strdup("awaited");
	r->requested_at = g_strdup("2026-11-23T09:30:00+00:00");
	r->due = g_strdup("2026-11-30");
	r->calendar = g_strdup(ch_calendar_version(cal));
	r->on_time = -1;
	g_ptr_array_add(c->reports, r);
	return c;
}

static void ctx_init(ChEngineCtx *ctx, const char *event_id)
{
	static const char *const managers[] = { "cp.manager@council.example", NULL };
	memset(ctx, 0, sizeof *ctx);
	ctx->rules = rules;
	ctx->cal = cal;
	ctx->now = now;
	ctx->event_id = event_id;
	ctx->admin = "cp.admin@council.example";
	ctx->cp_coordinator = "cp.coordinator@council.example";
	ctx->lead_safeguarding_manager = "lead.safeguarding@council.example";
	ctx->qasg = "qasg@council.example";
	ctx->cp_managers = managers;
	ctx->hours_start = 9 * 60;
	ctx->hours_end = 17 * 60;
}

static void send_effects(ChEffects *fx, const ChMessage *m)
{
	for (guint i = 0; i < fx->intents->len; i++) {
		ChIntent *in = fx->intents->pdata[i];
		if (!in->in_reply) {
			/* Not threaded: built with no id to answer. */
			char *subject = NULL, *body = NULL;
			if (!ch_render(templates_path, in->template, in->vars, &subject, &body, NULL))
				abort(); /* the engine sets every variable its templates use */
			build_unthreaded(in->template, in->to, in->to_name, subject, body);
			g_free(subject), g_free(body);
			continue;
		}
		render_and_build(in->template, in->vars, in->to, in->to_name, m);
	}
}

typedef enum { AS_CHAIR, AS_SLO, AS_CONFIRM, AS_REVIEW, AS_REPORT, AS_SAFETY } Role;

static void through_engine(const ChMessage *m, Role role)
{
	const char *sender = m->from_addr ? m->from_addr : "someone@example.org";
	ChCase *c = made_up_case(m, sender);
	ChEffects *fx = ch_effects_new();
	ChEngineCtx ctx;
	ctx_init(&ctx, m->fingerprint);
	const char *reply = m->reply_text ? m->reply_text : "";
	static const char *const words[] = { "immediate danger", "at risk tonight", NULL };
	switch (role) {
	case AS_CHAIR:
		ch_engine_chair_reply(c, &ctx, sender, reply, fx);
		break;
	case AS_SLO:
	case AS_CONFIRM:
		ch_engine_escalation_reply(c, c->escalations->pdata[0], &ctx, sender,
		                           role == AS_CONFIRM, reply, fx);
		break;
	case AS_REVIEW:
		ch_engine_report_reply(c, c->reports->pdata[0], &ctx, sender, reply, fx);
		break;
	case AS_REPORT: {
		const char *file = "report.txt";
		if (m->attachments->len && ((ChAttachment *)m->attachments->pdata[0])->filename)
			file = ((ChAttachment *)m->attachments->pdata[0])->filename;
		ch_engine_report_received(c, c->reports->pdata[0], &ctx, sender, m->fingerprint, file,
		                          1, fx);
		break;
	}
	case AS_SAFETY: {
		g_autofree char *what = g_strdup_printf("a message from %s", sender);
		ch_engine_safety_check(c, &ctx, words, m->body_text ? m->body_text : "", what,
		                       m->fingerprint, fx);
		/* And a text that surely holds the words, so the alert is always built. */
		g_autofree char *text = g_strconcat(m->subject, " immediate danger ", NULL);
		ch_engine_safety_check(c, &ctx, words, text, what, "fuzz-safety", fx);
		break;
	}
	}
	ch_engine_close_if_done(c, &ctx, fx);
	send_effects(fx, m);
	ch_effects_free(fx);
	ch_case_free(c);
}

/* ---- 2. every template, every variable from the message ------------------------------------ */

static GHashTable *vars_from(const char *tpl_text, const ChMessage *m)
{
	const char *fields[8];
	guint nf = 0;
	fields[nf++] = m->subject;
	fields[nf++] = m->from_name ? m->from_name : "";
	fields[nf++] = m->reply_text;
	fields[nf++] = m->message_id ? m->message_id : "";
	fields[nf++] = m->from_addr ? m->from_addr : "";
	fields[nf++] = m->body_text;
	fields[nf++] = m->attachments->len && ((ChAttachment *)m->attachments->pdata[0])->filename
	                   ? ((ChAttachment *)m->attachments->pdata[0])->filename
	                   : "";
	GHashTable *vars = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	guint k = 0;
	for (const char *p = strstr(tpl_text, "{{"); p; p = strstr(p + 2, "{{")) {
		const char *close = strstr(p + 2, "}}");
		if (!close)
			break;
		char *var = g_strstrip(g_strndup(p + 2, (gsize)(close - p - 2)));
		/* {{ref}} may reach the subject: give it the message's subject too. */
		g_hash_table_insert(vars, var, (gpointer)fields[k++ % nf]);
	}
	return vars;
}

static void every_template(const ChMessage *m)
{
	const char *to = m->from_addr ? m->from_addr : "someone@example.org";
	for (guint i = 0; i < templates->len; i++) {
		const char *kind = templates->pdata[i];
		g_autofree char *file = g_strdup_printf("%s/%s.txt", templates_dir, kind);
		g_autofree char *text = NULL;
		if (!g_file_get_contents(file, &text, NULL, NULL))
			abort();
		GHashTable *vars = vars_from(text, m);
		render_and_build(kind, vars, to, m->from_name, m);
		g_hash_table_unref(vars);
	}
}

/* Admin's triage alert for a message that cannot be read: the refusal is its reason. */
static void triage_alert(const char *reason)
{
	GHashTable *vars = g_hash_table_new(g_str_hash, g_str_equal);
	g_autofree char *r = g_strdup_printf("cannot be read: %s", reason);
	g_hash_table_insert(vars, "ref", "triage");
	g_hash_table_insert(vars, "triage_id", "1");
	g_hash_table_insert(vars, "reason", r);
	g_hash_table_insert(vars, "state", "waiting in triage");
	char *subject = NULL, *body = NULL;
	if (!ch_render(templates_path, "triage_alert", vars, &subject, &body, NULL))
		abort();
	build_unthreaded("triage_alert", "cp.admin@council.example", NULL, subject, body);
	g_free(subject), g_free(body);
	g_hash_table_unref(vars);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	turn = 0; /* so that an input alone reproduces what it did */
	GError *e = NULL;
	ChMessage *m = ch_message_parse(data, size, &opts, &e);
	if (!m) {
		triage_alert(e && e->message ? e->message : "unknown");
		g_clear_error(&e);
		return 0;
	}
	for (Role r = AS_CHAIR; r <= AS_SAFETY; r++)
		through_engine(m, r);
	every_template(m);
	ch_message_free(m);
	return 0;
}
