/* Post-conference reports: who owes one, the request, the reminder, receipt and review,
 * and what happens when one never comes. Pure, like the rest of the engine. */
#include <string.h>

#include "engine/commands.h"
#include "engine/engine-private.h"
#include "engine/notices.h"
#include "util/clock.h"

static char *date_after(const ChEngineCtx *ctx, const char *held, guint days, GDate *out)
{
	g_autoptr(GDateTime) t = ch_clock_parse(held);
	g_autoptr(GDateTime) due = ch_calendar_deadline(ctx->cal, t, CH_UNIT_WORKING_DAYS, days, out);
	return ch_date_format(out);
}

/* When the reminder before the due date goes: report_chase_before_days working days before
 * it, at the start of working hours; if that has passed, straight to the due date's check. */
static char *reminder_at(const ChEngineCtx *ctx, const GDate *due)
{
	guint before = ctx->rules->report_chase_before_days;
	GDate d = *due, today;
	ch_clock_local_date(ctx->now, &today);
	for (guint k = 0; k < before;) {
		g_date_subtract_days(&d, 1);
		if (ch_calendar_is_working_day(ctx->cal, &d))
			k++;
	}
	if (before && g_date_compare(&d, &today) > 0)
		return ch_engine_working_start(ctx, &d);
	return ch_engine_after_due(ctx, due);
}

static gboolean attended(const ChAttendee *a)
{
	return a->attendance == CH_ATTENDED;
}

static ChObj report_obj(const ChReport *r)
{
	return CH_OBJ_NAMED(CH_OBJ_REPORT, r->agency);
}

static void report_vars(ChIntent *i, const ChCase *c, const ChReport *r)
{
	ch_engine_base_vars(i, c);
	g_autofree char *due_long = ch_clock_long_date(r->due, "");
	ch_intent_set(i, "agency", r->agency);
	ch_intent_set(i, "due", due_long);
	ch_intent_set(i, "professional", r->attendee ? r->attendee->name : r->agency);
}

/* An agency owes a report when none of its people attended and none sent one. */
static gboolean owes_report(const ChCase *c, const ChAttendee *a)
{
	for (guint q = 0; q < c->attendees->len; q++) {
		ChAttendee *b = c->attendees->pdata[q];
		if (b->agency_id == a->agency_id &&
		    (attended(b) || b->report == CH_ATT_REPORT_SUBMITTED))
			return FALSE;
	}
	return TRUE;
}

/* The report a's agency owes, and the request to everyone it sent to the list. */
static void request_report(ChCase *c, ChAttendee *a, const ChEngineCtx *ctx,
                           GDateTime *request_by, gboolean late, const GDate *due,
                           const char *due_s, ChEffects *fx)
{
	ChReport *r = g_new0(ChReport, 1);
	r->agency_id = a->agency_id;
	r->agency = g_strdup(a->agency);
	r->attendee = a;
	r->asked = g_strdup(a->email);
	r->state = CH_REPORT_AWAITED;
	r->request_by = ch_clock_format(request_by);
	r->requested_at = ch_engine_now_str(ctx);
	r->due = g_strdup(due_s);
	r->calendar = g_strdup(ch_calendar_version(ctx->cal));
	r->on_time = -1;
	r->next_at = reminder_at(ctx, due);
	r->dirty = TRUE;
	g_ptr_array_add(c->reports, r);
	g_autofree char *detail = g_strdup_printf("due %s (%u working days after the %s, "
	                                          "calendar %s)", due_s, ctx->rules->report_days,
	                                          late ? "request" : "conference", r->calendar);
	ch_effects_audit(fx, CH_AUDIT_REPORT_REQUESTED, report_obj(r), NULL,
	                 ch_report_state_name(r->state), detail);
	if (late)
		ch_effects_audit(fx, CH_AUDIT_REPORT_REQUEST_LATE, report_obj(r), NULL, due_s,
		                 "the request went out later than the procedure asks; the due date "
		                 "counts from the request");
	/* Everyone the agency sent to the list is asked; one message each. */
	for (guint q = 0; q < c->attendees->len; q++) {
		ChAttendee *b = c->attendees->pdata[q];
		if (b->agency_id != a->agency_id)
			continue;
		g_autofree char *key = g_strdup_printf("report:%s:%" G_GINT64_FORMAT ":request:%s",
		                                       c->ref, a->agency_id, b->email);
		ChIntent *i = ch_effects_intent(fx, "report_request", b->email, b->name, key);
		i->purpose = CH_PURPOSE_REPORT;
		i->report = r;
		report_vars(i, c, r);
		ch_intent_set(i, "professional", b->name);
	}
}

/* Whether the requests go out later than the procedure allows: after the day its
 * report_request_within ends, or after the next working day when that day is a closed one
 * (nobody can send on a Saturday). A request sent by then leaves the agency what the
 * procedure gives; the time of day is not counted, as the due date is a day too. */
static gboolean request_late(const ChEngineCtx *ctx, GDateTime *request_by)
{
	GDate last, today;
	ch_clock_local_date(request_by, &last);
	ch_calendar_add_working_days(ctx->cal, &last, 0, &last);
	ch_clock_local_date(ctx->now, &today);
	return g_date_compare(&today, &last) > 0;
}

/* Admin is told once that the requests went late and which date they now carry. */
static void tell_late(const ChCase *c, const ChEngineCtx *ctx, const GDate *due,
                      const GDate *procedure_due, const char *agencies, ChEffects *fx)
{
	const char *admin = ctx->people[CH_ROLE_ADMIN];
	if (!admin || !*agencies)
		return;
	g_autofree char *key = g_strdup_printf("report:%s:request-late", c->ref);
	ChIntent *i = ch_effects_intent(fx, "report_request_late", admin, NULL, key);
	ch_engine_base_vars(i, c);
	g_autofree char *due_long = ch_date_format_long(due);
	g_autofree char *procedure_long = ch_date_format_long(procedure_due);
	ch_intent_set(i, "due", due_long);
	ch_intent_set(i, "procedure_due", procedure_long);
	ch_intent_set(i, "agencies", agencies);
}

char *ch_engine_plan_reports(ChCase *c, const ChEngineCtx *ctx, ChEffects *fx)
{
	const ChRules *rules = ctx->rules;
	g_autoptr(GDateTime) held = ch_clock_parse(c->held);
	g_autoptr(GDateTime) request_by = g_date_time_add_hours(held, rules->request_within_hours);
	GDate due, procedure_due, minutes, not_before;
	g_autofree char *due_s = date_after(ctx, c->held, rules->report_days, &due);
	procedure_due = due;
	/* A late request would leave the agency less than the procedure's working days: the
	 * due date then counts from the day the request goes out, never earlier than the
	 * procedure's own. */
	gboolean late = request_late(ctx, request_by);
	if (late) {
		GDate from_now;
		g_autoptr(GDateTime) by = ch_calendar_deadline(ctx->cal, ctx->now, CH_UNIT_WORKING_DAYS,
		                                               rules->report_days, &from_now);
		if (g_date_compare(&from_now, &due) > 0) {
			due = from_now;
			g_free(due_s);
			due_s = ch_date_format(&due);
		}
	}
	g_autofree char *minutes_s = date_after(ctx, c->held,
	                                        c->type == CH_CONF_REVIEW ? rules->minutes_review_days
	                                                                   : rules->minutes_initial_days,
	                                        &minutes);
	ch_set_str(&c->minutes_due, minutes_s);
	c->dirty = TRUE;
	GString *owed = g_string_new(NULL);
	GString *late_list = g_string_new(NULL);
	for (guint k = 0; k < c->attendees->len; k++) {
		ChAttendee *a = c->attendees->pdata[k];
		if (ch_case_report_for_agency(c, a->agency_id))
			continue;
		if (!owes_report(c, a))
			continue;
		request_report(c, a, ctx, request_by, late, &due, due_s, fx);
		g_autofree char *due_long = ch_date_format_long(&due);
		g_string_append_printf(owed, "  - %s, due %s\n", a->agency, due_long);
		g_string_append_printf(late_list, "  - %s\n", a->agency);
	}
	if (late && g_date_compare(&due, &procedure_due) > 0)
		tell_late(c, ctx, &due, &procedure_due, late_list->str, fx);
	g_string_free(late_list, TRUE);
	g_autofree char *minutes_long = ch_date_format_long(&minutes);
	GString *text = g_string_new(NULL);
	g_string_append_printf(text, "The minutes of this %s conference are due by %s.\n",
	                       ch_conf_type_name(c->type), minutes_long);
	if (owed->len) {
		g_autofree char *nb = date_after(ctx, c->held, rules->minutes_not_before_days,
		                                 &not_before);
		/* Signing before the reports given more time are due would leave them out. */
		if (late && g_date_compare(&due, &not_before) > 0) {
			not_before = due;
			g_free(nb);
			nb = ch_date_format(&not_before);
		}
		ch_set_str(&c->minutes_not_before, nb);
		g_autofree char *nb_long = ch_date_format_long(&not_before);
		g_string_append_printf(text,
		                       "Post-conference reports have been requested from:\n%s"
		                       "While they are awaited, please do not sign the minutes before "
		                       "%s.\n",
		                       owed->str, nb_long);
	}
	g_string_free(owed, TRUE);
	return g_string_free(text, FALSE);
}

static ChIntent *tell(ChEffects *fx, const char *kind, const ChCase *c, const ChReport *r,
                      const char *to, ChPurpose purpose, const char *suffix)
{
	if (!to || !*to)
		return NULL;
	g_autofree char *key = g_strdup_printf("report:%s:%" G_GINT64_FORMAT ":%s:%s", c->ref,
	                                       r->agency_id, suffix, to);
	ChIntent *i = ch_effects_intent(fx, kind, to, NULL, key);
	if (purpose != CH_PURPOSE_NONE) {
		i->purpose = purpose;
		i->report = (ChReport *)r;
	}
	report_vars(i, c, r);
	return i;
}

ChReplyResult ch_engine_report_received(ChCase *c, ChReport *r, const ChEngineCtx *ctx,
                                        const char *sender, const char *sha256,
                                        const char *file, gint64 message_row, ChEffects *fx)
{
	g_autofree char *now = ch_clock_format(ctx->now);
	if (r->state != CH_REPORT_AWAITED && r->state != CH_REPORT_MISSING) {
		/* A second copy, or a corrected one: kept on the record, no new notices. */
		ch_effects_audit(fx, CH_AUDIT_REPORT_RECEIVED_AGAIN, report_obj(r), NULL, sha256,
		                 "another report from the agency after the first");
		tell(fx, "report_receipt", c, r, sender, CH_PURPOSE_NONE, sha256);
		return CH_REPLY_RECORDED;
	}
	GDate today, due;
	ch_clock_local_date(ctx->now, &today);
	ch_clock_parse_date(r->due, &due);
	r->on_time = g_date_compare(&today, &due) <= 0;
	ChReportState old = r->state;
	r->state = CH_REPORT_RECEIVED;
	ch_set_str(&r->received_at, now);
	ch_set_str(&r->sha256, sha256);
	ch_set_str(&r->file, file);
	r->message = message_row;
	g_autoptr(GDateTime) review = g_date_time_add_hours(ctx->now, ctx->rules->review_hours);
	g_free(r->review_due);
	r->review_due = ch_clock_format(review);
	g_free(r->next_at);
	r->next_at = ch_clock_key(review);
	r->dirty = TRUE;
	fx->changed = TRUE;
	if (r->attendee) {
		r->attendee->report = r->on_time ? CH_ATT_REPORT_SUBMITTED : CH_ATT_REPORT_LATE;
		r->attendee->dirty = TRUE;
	}
	g_autofree char *detail = g_strdup_printf("%s; SHA-256 %s", r->on_time ? "on time" : "late",
	                                          sha256);
	ch_effects_audit(fx, CH_AUDIT_REPORT_RECEIVED, report_obj(r), ch_report_state_name(old),
	                 ch_report_state_name(r->state), detail);
	/* A report marked missing may be all that kept the conference open; one that arrives
	 * after it closed is still owed a review, so the conference is open again until then. */
	ch_engine_reopen(c, fx);
	tell(fx, "report_receipt", c, r, sender, CH_PURPOSE_NONE, "receipt");
	/* The chair and the social worker may answer the notice (REVIEWED, HIGH RISK). */
	tell(fx, "report_received", c, r, c->chair_email, CH_PURPOSE_REVIEW, "notice");
	tell(fx, "report_received", c, r, c->social_worker, CH_PURPOSE_REVIEW, "notice");
	tell(fx, "report_received", c, r, c->practice_manager, CH_PURPOSE_NONE, "notice");
	tell(fx, "report_received", c, r, c->minute_taker, CH_PURPOSE_NONE, "notice");
	return CH_REPLY_APPLIED;
}

/* ---- high risk ----
 *
 * 002: when a report suggests the child should be removed or is at high risk, the chair and
 * the social worker decide between them, within 24 hours, who takes it up with the
 * professional, and the practice manager is made aware. So each report marked high risk owes
 * that decision: the chair, the social worker, the practice manager and the CP coordinator are
 * told at once (any of them may answer who), the answer is recorded and everyone told learns
 * who, and silence brings reminders to the chair and the social worker, then admin, on the
 * report's own high-risk clock until someone is named. */

/* Who is told about a report's high risk, each address once: the chair and the social worker
 * (who decide), the practice manager, the CP coordinator. */
static guint high_risk_people(const ChCase *c, const ChEngineCtx *ctx, const char **to,
                              const char **role)
{
	const char *const cand[][2] = {
		{ c->chair_email, "the chair" },
		{ c->social_worker, "the social worker" },
		{ c->practice_manager, "the practice manager" },
		{ ctx->people[CH_ROLE_CP_COORDINATOR], "the CP coordinator" },
	};
	guint n = 0;
	for (guint k = 0; k < G_N_ELEMENTS(cand); k++) {
		if (!cand[k][0] || !*cand[k][0])
			continue;
		gboolean dup = FALSE;
		for (guint j = 0; j < n; j++)
			dup = dup || ch_engine_same_addr(to[j], cand[k][0]);
		if (dup)
			continue;
		to[n] = cand[k][0];
		role[n++] = cand[k][1];
	}
	return n;
}

/* "the chair, the social worker and the practice manager" */
static char *roles_text(const char **role, guint n)
{
	GString *s = g_string_new(NULL);
	for (guint k = 0; k < n; k++)
		g_string_append_printf(s, "%s%s", k == 0 ? "" : k + 1 == n ? " and " : ", ", role[k]);
	return g_string_free(s, FALSE);
}

/* A time for a person: "Thursday 3 December 2026 at 11:00" (London). */
static char *long_time(const char *iso)
{
	g_autoptr(GDateTime) t = ch_clock_parse(iso);
	if (!t)
		return g_strdup(iso ? iso : "");
	g_autoptr(GDateTime) local = g_date_time_to_timezone(t, ch_clock_zone());
	g_autofree char *day = ch_clock_long_date(iso, "");
	g_autofree char *hm = g_date_time_format(local, "%H:%M");
	return g_strdup_printf("%s at %s", day, hm);
}

/* The most of a name chaser keeps: a person's name or a role, never a paragraph. */
#define CH_ADDRESSED_BY_MAX 120

/* Who one sentence names in "<who> will address it" (also "will speak to", "will take it
 * up", ...), "I" (and "I'll") being the sender; NULL when it names nobody. `sentence` is the
 * original text, `low` its lower-case copy, both `n` bytes. */
static char *sentence_who(const char *sentence, const char *low, gsize n, const char *sender)
{
	static const char *const verbs[] = {
		" will address", " will speak to", " will take it up", " will take this up",
		" will contact the professional", NULL,
	};
	g_autofree char *l = g_strndup(low, n);
	g_autofree char *orig = g_strndup(sentence, n);
	gsize skip = 0;
	if (g_str_has_prefix(l, "high risk"))
		skip = strlen("high risk");
	while (l[skip] && strchr(" :-,", l[skip]))
		skip++;
	const char *from = l + skip;
	g_autofree char *norm = NULL;
	if (g_str_has_prefix(from, "i'll "))
		from = norm = g_strconcat("i will ", from + strlen("i'll "), NULL);
	else if (g_str_has_prefix(from, "i\xe2\x80\x99ll "))
		from = norm = g_strconcat("i will ", from + strlen("i\xe2\x80\x99ll "), NULL);
	g_autofree char *who = NULL;
	for (guint v = 0; verbs[v] && !who; v++) {
		const char *at = strstr(from, verbs[v]);
		if (at && at > from)
			who = norm ? g_strndup(from, (gsize)(at - from))
			           : g_strndup(orig + skip, (gsize)(at - from));
	}
	if (!who)
		return NULL;
	g_strstrip(who);
	if (!g_ascii_strcasecmp(who, "i"))
		return g_strdup(sender ? sender : "the sender");
	/* A long clause before "will address" is a sentence about something else. */
	guint words = 1;
	for (const char *p = who; *p; p++)
		words += *p == ' ';
	return words > 8 || !*who ? NULL : g_steal_pointer(&who);
}

/* Who a line names to address a high-risk report, or NULL when it names nobody: "ADDRESSED
 * BY <who>" (also "HIGH RISK ADDRESSED BY ...", "to be addressed by ...", "it will be
 * addressed by ..."), or, when `sentences` (the report is high risk, or this reply marks it),
 * a sentence of it naming who (sentence_who): "I will speak to the school" in a reply about
 * a report nobody marked is about something else. *empty_r is set for ADDRESSED BY with no
 * name after it. `line` is the original line, `low` its lower-case
 * copy. */
static char *addressed_by(const char *line, const char *low, const char *sender,
                          gboolean sentences, gboolean *empty_r)
{
	*empty_r = FALSE;
	const char *by = strstr(low, "addressed by");
	g_autofree char *who = NULL;
	if (by) {
		who = g_strdup(line + (by - low) + strlen("addressed by"));
	} else if (sentences) {
		/* Sentence by sentence: "Thanks. I'll speak to her today." */
		for (gsize at = 0; low[at] && !who;) {
			gsize n = strcspn(low + at, ".!?;");
			who = sentence_who(line + at, low + at, n, sender);
			at += n;
			while (low[at] && strchr(".!?; ", low[at]))
				at++;
		}
	}
	if (!who)
		return NULL;
	g_strstrip(who);
	gsize skip = 0;
	while (who[skip] && strchr(":-,", who[skip]))
		skip++;
	char *w = g_strstrip(g_strdup(who + skip));
	gsize n = strlen(w);
	while (n && strchr(".,;:", w[n - 1]))
		w[--n] = '\0';
	if (!*w) {
		g_free(w);
		*empty_r = TRUE;
		return NULL;
	}
	if (g_utf8_strlen(w, -1) > CH_ADDRESSED_BY_MAX) {
		char *cut = g_utf8_substring(w, 0, CH_ADDRESSED_BY_MAX);
		g_free(w);
		w = cut;
	}
	return w;
}

/* Report r is marked high risk now by `sender`: its own obligation, the conference's flag,
 * and the alert to everyone who must know, each with the report's review token so that any
 * of them may answer who addresses it. */
static void mark_high_risk(ChCase *c, ChReport *r, const ChEngineCtx *ctx, const char *sender,
                           GString *done, ChEffects *fx)
{
	/* Marked after the conference closed (a late review): who addresses it is owed, and a
	 * closed conference owes nothing, so it is open again until someone is named. */
	ch_engine_reopen(c, fx);
	g_autoptr(GDateTime) due = g_date_time_add_hours(ctx->now, ctx->rules->high_risk_hours);
	g_free(r->high_risk_at);
	r->high_risk_at = ch_clock_format(ctx->now);
	ch_set_str(&r->high_risk_by, sender);
	g_free(r->high_risk_due);
	r->high_risk_due = ch_clock_format(due);
	g_free(r->high_risk_next_at);
	r->high_risk_next_at = ch_clock_key(due);
	r->dirty = TRUE;
	fx->changed = TRUE;
	g_autofree char *decide = long_time(r->high_risk_due);
	g_autofree char *detail = g_strdup_printf("raised by %s; who addresses it is to be decided "
	                                          "by %s", sender ? sender : "an unknown sender",
	                                          r->high_risk_due);
	if (!c->high_risk) {
		c->high_risk = TRUE;
		c->dirty = TRUE;
		g_autofree char *who = g_strdup_printf("raised by %s", sender);
		ch_effects_audit(fx, CH_AUDIT_CONFERENCE_HIGH_RISK,
		                 CH_OBJ_NAMED(CH_OBJ_CONFERENCE, c->ref), "no", "yes", who);
	}
	ch_effects_audit(fx, CH_AUDIT_REPORT_HIGH_RISK, report_obj(r), NULL, "high risk", detail);
	const char *to[4], *role[4];
	guint n = high_risk_people(c, ctx, to, role);
	for (guint k = 0; k < n; k++) {
		g_autofree char *key = g_strdup_printf("highrisk:%s:%" G_GINT64_FORMAT ":alert:%s",
		                                       c->ref, r->agency_id, to[k]);
		ChIntent *i = ch_notice_alert(fx, "high_risk_alert", to[k], key, c, NULL, TRUE);
		i->purpose = CH_PURPOSE_REVIEW;
		i->report = r;
		report_vars(i, c, r);
		ch_intent_set(i, "raised_by", sender);
		ch_intent_set(i, "decide_by", decide);
	}
	g_autofree char *told = roles_text(role, n);
	g_string_append_printf(done, "  The report from %s is marked as high risk, and %s %s been "
	                       "told. Who takes it up with the professional is to be decided by "
	                       "%s: reply ADDRESSED BY and a name or role.\n",
	                       r->agency, told, n == 1 ? "has" : "have", decide);
}

/* `who` will address report r's high risk, as `sender` said: recorded, the clock stopped,
 * and everyone told about the high risk is told who. A later answer naming someone else is
 * recorded over it the same way. */
static void mark_addressed(ChCase *c, ChReport *r, const ChEngineCtx *ctx, const char *sender,
                           const char *who, GString *done, ChEffects *fx)
{
	if (r->addressed_by && !g_strcmp0(r->addressed_by, who)) {
		g_string_append_printf(done, "  %s was already recorded as addressing the high-risk "
		                       "report from %s.\n", who, r->agency);
		return;
	}
	g_autofree char *old = g_strdup(r->addressed_by);
	ch_set_str(&r->addressed_by, who);
	g_free(r->addressed_at);
	r->addressed_at = ch_clock_format(ctx->now);
	g_clear_pointer(&r->high_risk_next_at, g_free);
	r->dirty = TRUE;
	fx->changed = TRUE;
	g_autofree char *detail = g_strdup_printf("named by %s", sender ? sender : "an unknown sender");
	ch_effects_audit(fx, CH_AUDIT_REPORT_HIGH_RISK_ADDRESSED, report_obj(r), old, who, detail);
	const char *to[4], *role[4];
	guint n = high_risk_people(c, ctx, to, role);
	for (guint k = 0; k < n; k++) {
		g_autofree char *key = g_strdup_printf("highrisk:%s:%" G_GINT64_FORMAT ":addressed:%s:%s",
		                                       c->ref, r->agency_id,
		                                       ctx->event_id ? ctx->event_id : "", to[k]);
		ChIntent *i = ch_effects_intent(fx, "high_risk_addressed", to[k], NULL, key);
		report_vars(i, c, r);
		ch_intent_set(i, "addressed_by", who);
		ch_intent_set(i, "named_by", sender);
	}
	g_autofree char *told = roles_text(role, n);
	g_string_append_printf(done, "  Recorded: %s will address the high-risk report from %s; "
	                       "%s %s been told.\n", who, r->agency, told, n == 1 ? "has" : "have");
}

ChReplyResult ch_engine_report_reply(ChCase *c, ChReport *r, const ChEngineCtx *ctx,
                                     const char *sender, const char *text, ChEffects *fx)
{
	g_autofree char *now = ch_clock_format(ctx->now);
	gboolean reviewed = FALSE, high = FALSE, high_line = FALSE, empty = FALSE;
	g_autofree char *who = NULL;
	g_auto(GStrv) lines = g_strsplit(text ? text : "", "\n", CH_COMMANDS_MAX_LINES);
	for (guint k = 0; lines[k]; k++) {
		g_autofree char *l = g_ascii_strdown(g_strstrip(lines[k]), -1);
		if (g_str_has_prefix(l, "reviewed")) {
			reviewed = TRUE;
		} else if (g_str_has_prefix(l, "high risk")) {
			/* "HIGH RISK" marks it; "HIGH RISK ADDRESSED BY ..." marks it if it is not yet
			 * and names who. */
			high_line = TRUE;
			high = high || !strstr(l, "addressed by");
		}
	}
	for (guint k = 0; lines[k] && !who; k++) {
		g_autofree char *l = g_ascii_strdown(lines[k], -1);
		gboolean no_name = FALSE;
		who = addressed_by(lines[k], l, sender, r->high_risk_at || high_line, &no_name);
		empty = empty || no_name;
	}
	gboolean is_chair = sender && !g_ascii_strcasecmp(sender, c->chair_email);
	g_autofree char *about = g_strdup_printf("the report from %s", r->agency);
	if (empty || (!reviewed && !high && !who)) {
		g_autoptr(GPtrArray) problems = g_ptr_array_new_with_free_func(g_free);
		g_ptr_array_add(problems, g_strdup(empty ? "ADDRESSED BY needs the name or role of "
		                                           "whoever will address it"
		                                         : "neither REVIEWED nor HIGH RISK was found"));
		g_autofree char *quoted = ch_commands_quote(NULL, text);
		ch_notice_not_understood(c, ctx, sender, about, quoted, NULL, problems,
		                         "  REVIEWED\nor, when the report shows the child may be at "
		                         "high risk:\n  HIGH RISK\nand, once you know who takes it up "
		                         "with the professional:\n  ADDRESSED BY Sam Jones, social "
		                         "worker",
		                         empty ? "ADDRESSED BY without a name"
		                               : "no REVIEWED or HIGH RISK", fx);
		return CH_REPLY_NOT_UNDERSTOOD;
	}
	GString *done = g_string_new(NULL);
	if (reviewed && is_chair && !r->reviewed_at) {
		ch_set_str(&r->reviewed_at, now);
		g_clear_pointer(&r->next_at, g_free);
		r->dirty = TRUE;
		fx->changed = TRUE;
		ch_effects_audit(fx, CH_AUDIT_REPORT_REVIEWED, report_obj(r), NULL, "reviewed", NULL);
		g_string_append(done, "  The report is marked as reviewed.\n");
	} else if (reviewed && !is_chair) {
		g_string_append(done, "  Only the chair's review counts for the record; noted.\n");
	}
	/* Every report marked high risk is its own obligation: a second agency's high risk is
	 * alerted like the first. Only the same report marked again is not. "HIGH RISK
	 * ADDRESSED BY ..." marks it and names who at once. */
	gboolean mark = high_line && !r->high_risk_at;
	if (mark) {
		mark_high_risk(c, r, ctx, sender, done, fx);
	} else if (high && !who) {
		g_autofree char *when = long_time(r->high_risk_at);
		g_string_append_printf(done, "  The report from %s was already marked as high risk "
		                       "(%s).\n", r->agency, when);
	}
	if (who && r->high_risk_at)
		mark_addressed(c, r, ctx, sender, who, done, fx);
	else if (who)
		g_string_append_printf(done, "  The report from %s is not marked as high risk, so "
		                       "there is nothing to address; reply HIGH RISK first if it "
		                       "should be.\n", r->agency);
	ch_notice_transcript(c, ctx, sender, about, done->str, fx);
	g_string_free(done, TRUE);
	return CH_REPLY_APPLIED;
}

/* The decision on who addresses a high-risk report is due and nobody has been named. At the
 * due time the chair and the social worker are reminded; from then on, each working day,
 * both are reminded again and admin (the CP coordinator when no admin is named) is told. The
 * next look is always at the start of a working day to come: silence never ends it. */
gboolean ch_engine_high_risk_due(ChCase *c, ChReport *r, const ChEngineCtx *ctx,
                                 ChEffects *fx)
{
	r->dirty = TRUE;
	if (!ch_report_high_risk_open(r)) {
		g_clear_pointer(&r->high_risk_next_at, g_free);
		return FALSE;
	}
	GDate today;
	ch_clock_local_date(ctx->now, &today);
	gboolean again = r->high_risk_reminded_at != NULL;
	g_free(r->high_risk_reminded_at);
	r->high_risk_reminded_at = ch_clock_format(ctx->now);
	g_free(r->high_risk_next_at);
	r->high_risk_next_at = ch_engine_after_due(ctx, &today);
	fx->changed = TRUE;
	g_autofree char *day = ch_date_format(&today);
	g_autofree char *decide = long_time(r->high_risk_due);
	g_autofree char *raised = long_time(r->high_risk_at);
	GDate next;
	ch_calendar_add_working_days(ctx->cal, &today, 1, &next);
	g_autofree char *next_long = ch_date_format_long(&next);
	const char *admin = ch_engine_role_address(c, NULL, ctx, CH_ROLE_ADMIN);
	if (!admin)
		admin = ctx->people[CH_ROLE_CP_COORDINATOR];
	ch_effects_audit(fx, again ? CH_AUDIT_REPORT_HIGH_RISK_OVERDUE
	                           : CH_AUDIT_REPORT_HIGH_RISK_REMINDED,
	                 report_obj(r), NULL, again ? admin : NULL,
	                 again ? "still nobody named to address it: the chair and the social worker "
	                         "reminded again, admin told"
	                       : "nobody named to address it in the time allowed: the chair and the "
	                         "social worker reminded");
	const char *decide_to[] = { c->chair_email, c->social_worker };
	for (guint k = 0; k < G_N_ELEMENTS(decide_to); k++) {
		if (!decide_to[k] || !*decide_to[k] ||
		    (k == 1 && ch_engine_same_addr(decide_to[0], decide_to[1])))
			continue;
		g_autofree char *suffix = g_strdup_printf("high-risk-reminder:%s", day);
		ChIntent *i = tell(fx, "high_risk_reminder", c, r, decide_to[k], CH_PURPOSE_REVIEW,
		                   suffix);
		ch_intent_set(i, "raised", raised);
		ch_intent_set(i, "decide_by", decide);
		ch_intent_set(i, "next", next_long);
	}
	if (again && admin) {
		g_autofree char *suffix = g_strdup_printf("high-risk-overdue:%s", day);
		ChIntent *i = tell(fx, "high_risk_overdue", c, r, admin, CH_PURPOSE_NONE, suffix);
		ch_intent_set(i, "raised", raised);
		ch_intent_set(i, "decide_by", decide);
		ch_intent_set(i, "next", next_long);
	}
	return TRUE;
}

/* The chair was reminded about the review and it is still owed. The first working day after
 * the reminder the CP coordinator (admin when none is named) is told; from then on, every
 * report_review_repeat working days, the chair is reminded again and the coordinator told
 * again, until the chair replies REVIEWED: silence never ends the review, and the next look
 * is always at the start of a working day to come, so a closed day leaves no clock behind. */
static void review_overdue(ChCase *c, ChReport *r, const ChEngineCtx *ctx, const GDate *today,
                           ChEffects *fx)
{
	GDate reminded, first, again;
	g_autoptr(GDateTime) reminded_t = ch_clock_parse(r->review_reminded_at);
	gboolean later = FALSE;
	if (reminded_t) {
		/* The first round, or a later one (also when chaser was stopped past the first). */
		ch_clock_local_date(reminded_t, &reminded);
		ch_calendar_add_working_days(ctx->cal, &reminded, 1, &first);
		later = g_date_compare(today, &first) > 0;
	}
	ch_calendar_add_working_days(ctx->cal, today, MAX(ctx->rules->review_repeat_days, 1),
	                             &again);
	g_free(r->next_at);
	r->next_at = ch_engine_working_start(ctx, &again);
	fx->changed = TRUE;
	const char *to = ch_engine_coordinator_or_admin(ctx);
	ch_effects_audit(fx, CH_AUDIT_REPORT_REVIEW_OVERDUE, report_obj(r), NULL, to,
	                 later ? "still not marked reviewed: the chair reminded again and the "
	                         "follow-up asked again"
	                       : "the chair was reminded and has still not marked it reviewed");
	g_autofree char *day = ch_date_format(today);
	if (later) {
		g_autofree char *suffix = g_strdup_printf("review-again:%s", day);
		ChIntent *i = tell(fx, "report_review_overdue", c, r, c->chair_email,
		                   CH_PURPOSE_REVIEW, suffix);
		if (i) {
			g_autofree char *review_due = ch_clock_long_date(r->review_due, "");
			g_autofree char *reminded_long = ch_clock_long_date(r->review_reminded_at, "");
			g_autofree char *next_long = ch_date_format_long(&again);
			ch_intent_set(i, "review_due", review_due);
			ch_intent_set(i, "reminded", reminded_long);
			ch_intent_set(i, "next", next_long);
			ch_intent_set(i, "follow_up", to ? to : "nobody (no CP coordinator or admin "
			                                         "is named)");
		}
	}
	g_autofree char *what = g_strdup_printf("review the post-conference report from %s",
	                                        r->agency);
	g_autofree char *key = g_strdup_printf("report:%s:%" G_GINT64_FORMAT ":review-overdue:%s",
	                                       c->ref, r->agency_id, day);
	ch_notice_chair_overdue(c, ctx, what, r->review_due, r->review_reminded_at, key, fx);
}

gboolean ch_engine_report_due(ChCase *c, ChReport *r, const ChEngineCtx *ctx, ChEffects *fx)
{
	g_autofree char *now = ch_clock_format(ctx->now);
	GDate today, due;
	ch_clock_local_date(ctx->now, &today);
	ch_clock_parse_date(r->due, &due);
	r->dirty = TRUE;
	g_clear_pointer(&r->next_at, g_free);
	if (r->state == CH_REPORT_AWAITED && g_date_compare(&today, &due) <= 0) {
		if (r->reminded_at) {
			r->next_at = ch_engine_after_due(ctx, &due);
			return FALSE;
		}
		ch_set_str(&r->reminded_at, now);
		r->next_at = ch_engine_after_due(ctx, &due);
		ch_effects_audit(fx, CH_AUDIT_REPORT_REMINDED, report_obj(r), NULL, NULL, NULL);
		for (guint q = 0; q < c->attendees->len; q++) {
			ChAttendee *b = c->attendees->pdata[q];
			if (b->agency_id == r->agency_id)
				tell(fx, "report_reminder", c, r, b->email, CH_PURPOSE_REPORT, "reminder");
		}
		fx->changed = TRUE;
		return TRUE;
	}
	if (r->state == CH_REPORT_AWAITED) {
		r->state = CH_REPORT_MISSING;
		ch_set_str(&r->missing_at, now);
		if (r->attendee) {
			r->attendee->report = CH_ATT_REPORT_MISSING;
			r->attendee->dirty = TRUE;
		}
		c->minutes_missing_info++;
		c->dirty = TRUE;
		fx->changed = TRUE;
		ch_effects_audit(fx, CH_AUDIT_REPORT_MISSING, report_obj(r),
		                 ch_report_state_name(CH_REPORT_AWAITED), ch_report_state_name(r->state),
		                 "not received by the due date; the minutes may note missing information");
		tell(fx, "report_missing_chair", c, r, c->chair_email, CH_PURPOSE_NONE, "missing");
		const char *lead = ch_engine_role_address(c, r->attendee, ctx, CH_ROLE_AGENCY_LEAD);
		tell(fx, "report_missing_agency", c, r, lead, CH_PURPOSE_REPORT, "missing");
		for (const char *const *m = ctx->cp_managers; m && *m; m++)
			tell(fx, "report_missing_agency", c, r, *m, CH_PURPOSE_NONE, "missing");
		return TRUE;
	}
	if (r->state == CH_REPORT_RECEIVED && !r->reviewed_at && !r->review_reminded_at) {
		ch_set_str(&r->review_reminded_at, now);
		/* Still owed: a working day's grace, then the CP coordinator is told. */
		r->next_at = ch_engine_after_due(ctx, &today);
		fx->changed = TRUE;
		ch_effects_audit(fx, CH_AUDIT_REPORT_REVIEW_REMINDED, report_obj(r), NULL, NULL,
		                 "not marked reviewed within the time allowed");
		tell(fx, "report_review_reminder", c, r, c->chair_email, CH_PURPOSE_REVIEW,
		     "review-reminder");
		return TRUE;
	}
	if (r->state == CH_REPORT_RECEIVED && !r->reviewed_at) {
		review_overdue(c, r, ctx, &today, fx);
		return TRUE;
	}
	return FALSE;
}

/* ---- a report written in the email ---- */

/* The marker is REPORT as a title, not as a word in a sentence: before it only the words of
 * a lead-in ("please find our", "here is the", "post-conference", "agency's"), after it
 * nothing, or "below", "follows", "as follows", "is below". The title may also say whose
 * report it is ("of", "for", "from" and any words) when it ends in a colon ("Post-conference
 * report from Northshire Housing: ...") or its lead-in says the report is below ("Please find
 * below the report of Brookfield School for CP-2026-0042"). A colon ends the title and may
 * start the report on the same line. So "Report to follow", "our report is attached" (when
 * nothing is), "report from us will be late", "we will send the report next week" are
 * sentences about a report and never mark one. A holding reply that begins "Report: not
 * ready yet" would be taken as the report; people do not write that, and the agency's
 * receipt says what came. */
static const char *const report_word[] = { "report", NULL };
static const char *const report_lead[] = {
	"please", "find", "see", "here", "is", "our", "the", "my", "agency", "agency's",
	"post", "conference", "written", "full", "s", "below", NULL,
};
static const char *const report_below[] = { "below", NULL };
static const char *const report_tail[] = { "as", "is", "below", "follows", NULL };
static const char *const report_tail_end[] = { "below", "follows", NULL };
static const char *const report_whose[] = { "from", "of", "for", NULL };

static gboolean word_in(const char *w, const char *const *list)
{
	for (; *list; list++)
		if (!strcmp(w, *list))
			return TRUE;
	return FALSE;
}

/* The words of line[0..n): runs of ASCII letters, digits and apostrophes (a typographic one
 * read as ASCII), lower-cased. Any other character separates words. */
static GPtrArray *line_words(const char *line, gsize n)
{
	GPtrArray *w = g_ptr_array_new_with_free_func(g_free);
	GString *cur = g_string_new(NULL);
	for (gsize k = 0; k <= n; k++) {
		gboolean apos = k + 2 < n && !memcmp(line + k, "\xe2\x80\x99", 3);
		char ch = k < n ? line[k] : ' ';
		if (g_ascii_isalnum(ch) || ch == '\'' || apos) {
			g_string_append_c(cur, apos ? '\'' : g_ascii_tolower(ch));
			k += apos ? 2 : 0;
			continue;
		}
		if (cur->len)
			g_ptr_array_add(w, g_strdup(cur->str));
		g_string_truncate(cur, 0);
	}
	g_string_free(cur, TRUE);
	return w;
}

/* TRUE when line (n bytes) is a marker; *rest_r is what follows its colon, or NULL. */
static gboolean marker_line(const char *line, gsize n, const char **rest_r)
{
	const char *colon = memchr(line, ':', n);
	*rest_r = colon ? colon + 1 : NULL;
	g_autoptr(GPtrArray) w = line_words(line, colon ? (gsize)(colon - line) : n);
	guint k = 0;
	gboolean below = FALSE;
	for (; k < w->len && word_in(w->pdata[k], report_lead); k++)
		below = below || word_in(w->pdata[k], report_below);
	if (k == w->len || !word_in(w->pdata[k], report_word))
		return FALSE;
	k++;
	if ((colon || below) && k < w->len && word_in(w->pdata[k], report_whose))
		return TRUE;
	for (guint t = k; t < w->len; t++)
		if (!word_in(w->pdata[t], report_tail))
			return FALSE;
	return k == w->len || word_in(w->pdata[w->len - 1], report_tail_end);
}

static gboolean blank(const char *s, gsize n)
{
	for (gsize k = 0; k < n; k++)
		if (!g_ascii_isspace(s[k]))
			return FALSE;
	return TRUE;
}

gboolean ch_engine_report_marked(const char *text)
{
	if (!text)
		return FALSE;
	/* The marker is looked for where a person puts a title, in the first lines they wrote;
	 * the report itself may be any length after it. */
	const char *p = text;
	for (guint lines = 0; *p && lines < CH_COMMANDS_MAX_LINES; lines++) {
		const char *nl = strchr(p, '\n');
		gsize n = nl ? (gsize)(nl - p) : strlen(p);
		const char *rest = NULL;
		if (marker_line(p, n, &rest)) {
			/* The report is what follows the marker: a marker with nothing after it is a
			 * report that was meant to be pasted and was not. */
			if (rest && !blank(rest, (gsize)(p + n - rest)))
				return TRUE;
			if (nl && !blank(nl + 1, strlen(nl + 1)))
				return TRUE;
		}
		if (!nl)
			break;
		p = nl + 1;
	}
	return FALSE;
}

/* A reply to a report request that is not the report: a holding reply ("we will send it next
 * week"), a question, a report meant to be attached and forgotten. It is an answer: on the
 * record, shown to admin (who may want to phone the agency), and the request keeps its state
 * and its clock, so the reminder and the missing notice still go when they are due. The
 * agency is told that it was not taken as the report and how to send one; that receipt
 * carries the request's token, so a reply to it with the report attached is the report. */
static ChReplyResult report_answered(ChCase *c, ChReport *r, const ChEngineCtx *ctx,
                                     const char *sender, ChEffects *fx)
{
	gboolean owed = ch_engine_report_owed(r);
	g_autofree char *due_long = ch_clock_long_date(r->due, "");
	g_autofree char *standing =
		r->state == CH_REPORT_AWAITED
			? g_strdup_printf("is still awaited, due by %s, and the reminders go on as planned",
			                  due_long)
		: r->state == CH_REPORT_MISSING
			? g_strdup_printf("was due by %s and is recorded as missing; it is still taken "
			                  "when it comes", due_long)
			: g_strdup("had already arrived; this reply came after it");
	g_autofree char *detail = g_strdup_printf("a reply from %s without the report (nothing "
	                                          "attached, no REPORT line); the report %s",
	                                          sender ? sender : "an unknown sender", standing);
	ch_effects_audit(fx, CH_AUDIT_REPORT_ANSWERED, report_obj(r), NULL, NULL, detail);
	/* Admin, who keeps the conference's reports; the CP coordinator when no admin is named,
	 * so that someone sees it. Only the reference and the agency: the reply's words stay on
	 * the record, not in mail. */
	const char *admin = ch_engine_role_address(c, NULL, ctx, CH_ROLE_ADMIN);
	g_autofree char *suffix = g_strdup_printf("answer:%s", ctx->event_id ? ctx->event_id : "");
	ChIntent *i = tell(fx, "report_answer", c, r, admin, CH_PURPOSE_NONE, suffix);
	if (i)
		ch_intent_set(i, "standing", standing);
	if (owed) {
		ChIntent *back = tell(fx, "report_answer_receipt", c, r, sender, CH_PURPOSE_REPORT,
		                      suffix);
		if (back) {
			back->in_reply = TRUE;
			ch_intent_set(back, "standing", standing);
		}
	}
	return CH_REPLY_RECORDED;
}

/* ---- answers ---- */

gboolean ch_engine_report_owed(const ChReport *r)
{
	return r->state == CH_REPORT_AWAITED || r->state == CH_REPORT_MISSING;
}

/* An agency that owes a report: its people on the list, its SLO or lead, or an address in
 * its own mail domain. */
static gboolean report_theirs(const ChCase *c, const ChReport *r, const char *from,
                              ChDomainCheck owns, gpointer owns_data)
{
	for (guint k = 0; k < c->attendees->len; k++) {
		ChAttendee *a = c->attendees->pdata[k];
		if (a->agency_id == r->agency_id &&
		    (ch_engine_same_addr(from, a->email) || ch_engine_same_addr(from, a->slo_email) ||
		     ch_engine_same_addr(from, a->lead_email)))
			return TRUE;
	}
	const char *d = ch_engine_domain_of(from);
	return d && owns && owns(owns_data, r->agency_id, d);
}

/* Without a token: the first owed report of the sender's agency is the one they send. */
static gpointer report_awaited(const ChCase *c, const char *from, ChDomainCheck owns,
                               gpointer owns_data, gboolean *ambiguous_r)
{
	for (guint i = 0; i < c->reports->len; i++) {
		ChReport *r = c->reports->pdata[i];
		if (ch_engine_report_owed(r) && report_theirs(c, r, from, owns, owns_data))
			return r;
	}
	return NULL;
}

static ChReplyResult answer_report(ChCase *c, gpointer object, const ChEngineCtx *ctx,
                                   const ChAnswer *a, ChEffects *fx)
{
	/* An attachment is the report; the body is one only when the agency marked it. Intake
	 * stored the body because it was marked; it is asked again here, so the rule is decided
	 * in one place whoever calls. */
	if (!a->sha256 || (a->body && !ch_engine_report_marked(a->text)))
		return report_answered(c, object, ctx, a->sender, fx);
	return ch_engine_report_received(c, object, ctx, a->sender, a->sha256, a->file,
	                                 a->message_row, fx);
}

static ChReplyResult answer_review(ChCase *c, gpointer object, const ChEngineCtx *ctx,
                                   const ChAnswer *a, ChEffects *fx)
{
	return ch_engine_report_reply(c, object, ctx, a->sender, a->text, fx);
}

const ChKind ch_kinds_reports[] = {
	{ CH_PURPOSE_REPORT, CH_OBJ_REPORT, FALSE, TRUE, "reply names a report that is not there",
	  report_awaited, answer_report },
	{ CH_PURPOSE_REVIEW, CH_OBJ_REPORT, FALSE, FALSE, "reply names a report that is not there",
	  NULL, answer_review },
};
const guint ch_kinds_reports_n = G_N_ELEMENTS(ch_kinds_reports);
