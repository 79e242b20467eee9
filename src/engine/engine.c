#include "engine/engine.h"
#include "engine/notices.h"

#include <string.h>

#include "engine/commands.h"
#include "util/clock.h"
#include "util/error.h"

/* ---- effects ---------------------------------------------------------------------------- */

static void intent_free(ChIntent *i)
{
	g_free(i->template), g_free(i->to), g_free(i->to_name);
	g_free(i->event_key);
	g_hash_table_unref(i->vars);
	g_free(i);
}

static void audit_free(ChAuditEvent *a)
{
	g_free(a->object), g_free(a->old_value), g_free(a->new_value);
	g_free(a->detail);
	g_free(a);
}

ChEffects *ch_effects_new(void)
{
	ChEffects *fx = g_new0(ChEffects, 1);
	fx->intents = g_ptr_array_new_with_free_func((GDestroyNotify)intent_free);
	fx->audit = g_ptr_array_new_with_free_func((GDestroyNotify)audit_free);
	return fx;
}

void ch_effects_free(ChEffects *fx)
{
	if (!fx)
		return;
	g_ptr_array_unref(fx->intents);
	g_ptr_array_unref(fx->audit);
	g_free(fx);
}

ChIntent *ch_effects_intent(ChEffects *fx, const char *template, const char *to,
                            const char *to_name, const char *event_key)
{
	ChIntent *i = g_new0(ChIntent, 1);
	i->template = g_strdup(template);
	i->to = g_ascii_strdown(to, -1);
	i->to_name = g_strdup(to_name);
	i->event_key = g_strdup(event_key);
	i->vars = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
	g_ptr_array_add(fx->intents, i);
	return i;
}

void ch_intent_set(ChIntent *i, const char *key, const char *value)
{
	g_hash_table_replace(i->vars, g_strdup(key), g_strdup(value ? value : ""));
}

void ch_effects_audit(ChEffects *fx, ChAudit what, ChObj object, const char *old_value,
                      const char *new_value, const char *detail)
{
	ChAuditEvent *a = g_new0(ChAuditEvent, 1);
	a->what = what;
	a->object = ch_obj_text(object);
	a->old_value = g_strdup(old_value);
	a->new_value = g_strdup(new_value);
	a->detail = g_strdup(detail);
	g_ptr_array_add(fx->audit, a);
}

/* ---- helpers ---------------------------------------------------------------------------- */

static char *now_str(const ChEngineCtx *ctx)
{
	return ch_clock_format(ctx->now);
}

static void set_state(ChCase *c, ChEffects *fx, ChConfState state)
{
	ch_effects_audit(fx, CH_AUDIT_CONFERENCE_STATE, CH_OBJ_NAMED(CH_OBJ_CONFERENCE, c->ref),
	                 ch_conf_state_name(c->state), ch_conf_state_name(state), NULL);
	c->state = state;
	c->dirty = TRUE;
	fx->changed = TRUE;
}

static ChObj esc_obj(const ChEscalation *e)
{
	return CH_OBJ_NUMBERED(CH_OBJ_ESCALATION, e->attendee->n);
}

static void set_esc_state(ChEscalation *e, ChEffects *fx, ChEscState state, const char *detail)
{
	ch_effects_audit(fx, CH_AUDIT_ESCALATION_STATE, esc_obj(e), ch_esc_state_name(e->state),
	                 ch_esc_state_name(state), detail);
	e->state = state;
	e->dirty = TRUE;
	fx->changed = TRUE;
}

/* A char* field of the case or the attendee, at an offset the role table gives. */
static const char *field_at(gconstpointer base, gsize offset)
{
	return base && offset ? G_STRUCT_MEMBER(const char *, base, offset) : NULL;
}

const char *ch_engine_role_address(const ChCase *c, const ChAttendee *a, const ChEngineCtx *ctx,
                                   ChRole role)
{
	const ChRoleInfo *info = ch_role_info(role);
	if (!info)
		return NULL;
	const char *v = NULL;
	switch (info->source) {
	case CH_ROLE_OF_AGENCY:
		v = field_at(a, info->address_at);
		break;
	case CH_ROLE_OF_CASE:
		v = field_at(c, info->address_at);
		break;
	case CH_ROLE_OF_PEOPLE:
		v = ctx->people[role];
		break;
	case CH_ROLE_OF_PEOPLE_LIST:
		/* A list is copied, never asked: it has no one address. */
		return NULL;
	}
	if (!v && info->fallback != role)
		return ch_engine_role_address(c, a, ctx, info->fallback);
	return v;
}

/* How a message to the role greets them: their name where the case has one, else the
 * role's title (or NULL, for "colleague"). */
static const char *role_name(const ChCase *c, const ChAttendee *a, ChRole role)
{
	const ChRoleInfo *info = ch_role_info(role);
	if (!info || !info->name_at)
		return NULL;
	const char *name = info->source == CH_ROLE_OF_CASE ? field_at(c, info->name_at)
	                                                   : field_at(a, info->name_at);
	return name ? name : info->title;
}

char *ch_engine_after_due(const ChEngineCtx *ctx, const GDate *due)
{
	GDate next;
	ch_calendar_add_working_days(ctx->cal, due, 1, &next);
	g_autoptr(GDateTime) t = g_date_time_new(ch_clock_zone(), g_date_get_year(&next),
	                                         g_date_get_month(&next), g_date_get_day(&next),
	                                         ctx->hours_start / 60, ctx->hours_start % 60, 0);
	return ch_clock_key(t);
}

static char *reasons_text(char **reasons)
{
	GString *s = g_string_new(NULL);
	for (char **r = reasons; r && *r; r++)
		g_string_append_printf(s, "%s  - %s", s->len ? "\n" : "", ch_reason_describe(*r));
	return g_string_free(s, FALSE);
}

void ch_engine_base_vars(ChIntent *i, const ChCase *c)
{
	g_autofree char *held = ch_clock_long_date(c->held, "");
	ch_intent_set(i, "ref", c->ref);
	ch_intent_set(i, "held", held);
	ch_intent_set(i, "chair_name", c->chair_name ? c->chair_name : "the chair");
}

/* What every message about an escalation can say: an intent asking for an answer. */
static void escalation_vars(ChIntent *i, const ChCase *c, ChEscalation *e, const ChStage *st)
{
	i->purpose = CH_PURPOSE_ESCALATION;
	i->esc = e;
	ch_engine_base_vars(i, c);
	g_autofree char *due_long = ch_clock_long_date(e->due, "");
	g_autofree char *reasons = reasons_text(e->reasons);
	g_autofree char *amount = g_strdup_printf("%u %s", st->amount, ch_unit_name(st->unit));
	g_autofree char *stage_s = g_strdup_printf("%d", e->stage);
	g_autofree char *n = g_strdup_printf("%d", e->attendee->n);
	const char *who = role_name(c, e->attendee, st->ask);
	ch_intent_set(i, "agency", e->attendee->agency);
	ch_intent_set(i, "professional", e->attendee->name);
	ch_intent_set(i, "n", n);
	ch_intent_set(i, "reasons", reasons);
	ch_intent_set(i, "comment", e->comment ? e->comment : "(none given)");
	ch_intent_set(i, "due", due_long);
	ch_intent_set(i, "time_allowed", amount);
	ch_intent_set(i, "stage", stage_s);
	ch_intent_set(i, "stage_title", st->title ? st->title : st->name);
	ch_intent_set(i, "response", e->response ? e->response : "(no answer yet)");
	ch_intent_set(i, "greeting_name", who ? who : "colleague");
}

/* Puts escalation e at `stage`: who is asked, by when, and the message asking them. */
static gboolean enter_stage(ChCase *c, ChEscalation *e, int stage, const ChEngineCtx *ctx,
                            ChEffects *fx)
{
	const ChStage *st = ch_rules_stage(ctx->rules, stage);
	if (!st)
		return FALSE;
	const char *to = ch_engine_role_address(c, e->attendee, ctx, st->ask);
	GDate due;
	g_autoptr(GDateTime) due_at = ch_calendar_deadline(ctx->cal, ctx->now, st->unit, st->amount,
	                                                   &due);
	g_autofree char *due_s = ch_date_format(&due);
	g_autofree char *due_long = ch_date_format_long(&due);
	g_autofree char *now = now_str(ctx);
	g_autofree char *old_stage = e->stage ? g_strdup_printf("%d", e->stage) : NULL;
	g_autofree char *new_stage = g_strdup_printf("%d (%s)", stage, st->name);
	e->stage = stage;
	ch_set_str(&e->stage_at, now);
	ch_set_str(&e->due, due_s);
	ch_set_str(&e->calendar, ch_calendar_version(ctx->cal));
	ch_set_str(&e->asked, to ? to : "");
	g_clear_pointer(&e->chased_at, g_free);
	e->chasers = 0;
	g_free(e->next_at);
	e->next_at = st->unit == CH_UNIT_HOURS ? ch_clock_key(due_at)
	                                       : ch_engine_after_due(ctx, &due);
	e->dirty = TRUE;
	fx->changed = TRUE;
	g_autofree char *detail = g_strdup_printf("%s asked; due %s (%u %s, calendar %s)",
	                                          st->title ? st->title : st->name, due_s,
	                                          st->amount, ch_unit_name(st->unit),
	                                          ch_calendar_version(ctx->cal));
	ch_effects_audit(fx, CH_AUDIT_ESCALATION_STAGE, esc_obj(e), old_stage, new_stage, detail);
	if (!to) {
		ch_effects_audit(fx, CH_AUDIT_ESCALATION_NOBODY, esc_obj(e), NULL, NULL,
		                 "nobody is configured for this stage; admin told");
		return TRUE;
	}
	g_autofree char *key = g_strdup_printf("esc:%s:%d:stage%d", c->ref, e->attendee->n, stage);
	ChIntent *i = ch_effects_intent(fx, st->template, to, role_name(c, e->attendee, st->ask),
	                                key);
	escalation_vars(i, c, e, st);
	return TRUE;
}

/* ---- list send -------------------------------------------------------------------------- */

static char *list_text(const ChCase *c)
{
	GString *s = g_string_new(NULL);
	for (guint k = 0; k < c->attendees->len; k++) {
		ChAttendee *a = c->attendees->pdata[k];
		g_string_append_printf(s, "%3d. %s, %s: %s; report %s\n", a->n, a->name, a->agency,
		                       ch_attendance_name(a->attendance),
		                       a->report == CH_ATT_REPORT_NONE_EXPECTED
		                           ? "not expected"
		                           : ch_att_report_name(a->report));
	}
	return g_string_free(s, FALSE);
}

gboolean ch_engine_list_send(ChCase *c, const ChEngineCtx *ctx, ChEffects *fx, GError **error)
{
	if (c->state != CH_CONF_HELD) {
		g_set_error(error, CH_ERROR, CH_ERROR_USAGE,
		            "the distribution list of %s was already sent (conference is %s)", c->ref,
		            ch_conf_state_name(c->state));
		return FALSE;
	}
	if (c->attendees->len == 0) {
		g_set_error(error, CH_ERROR, CH_ERROR_USAGE,
		            "%s has no one on its distribution list yet", c->ref);
		return FALSE;
	}
	g_autofree char *now = now_str(ctx);
	ch_set_str(&c->list_sent_at, now);
	set_state(c, fx, CH_CONF_LIST_SENT);
	g_autofree char *key = g_strdup_printf("list:%s", c->ref);
	ChIntent *i = ch_effects_intent(fx, "distribution_list", c->chair_email, c->chair_name, key);
	i->purpose = CH_PURPOSE_AUTHORISE;
	ch_engine_base_vars(i, c);
	g_autofree char *list = list_text(c);
	ch_intent_set(i, "list", list);
	g_autofree char *minutes = ch_engine_plan_reports(c, ctx, fx);
	ch_intent_set(i, "minutes", minutes);
	ch_effects_audit(fx, CH_AUDIT_LIST_SENT, CH_OBJ_NAMED(CH_OBJ_CONFERENCE, c->ref), NULL,
	                 c->chair_email,
	                 "distribution list sent to the chair for authorisation");
	return TRUE;
}

/* ---- replies ---------------------------------------------------------------------------- */

static const char chair_example[] =
	"  AUTHORISED\n"
	"  ESCALATE 3 no_report, report_late: nothing arrived before the conference\n"
	"or, when nobody needs escalating:\n"
	"  AUTHORISED\n"
	"  NO ESCALATION";

/* Long because a reply is judged whole before anything changes: every problem in it is
 * gathered (so the chair hears all of them in one answer), and only a reply with none is
 * applied, escalation by escalation, into the one transcript. */
ChReplyResult ch_engine_chair_reply(ChCase *c, const ChEngineCtx *ctx, const char *sender,
                                    const char *text, ChEffects *fx)
{
	g_autoptr(ChCommands) cmds = ch_commands_parse_chair(text);
	g_autoptr(GPtrArray) understood = g_ptr_array_new_with_free_func(g_free);
	g_autoptr(GPtrArray) problems = g_ptr_array_new_with_free_func(g_free);
	for (guint k = 0; k < cmds->problems->len; k++)
		g_ptr_array_add(problems, g_strdup(cmds->problems->pdata[k]));
	gboolean authorise = FALSE, none = FALSE;
	GPtrArray *esc = g_ptr_array_new(); /* ChCommand*, borrowed */
	for (guint k = 0; k < cmds->commands->len; k++) {
		ChCommand *cmd = cmds->commands->pdata[k];
		switch (cmd->kind) {
		case CH_CMD_AUTHORISE:
			authorise = TRUE;
			g_ptr_array_add(understood, g_strdup("the list is authorised"));
			break;
		case CH_CMD_NO_ESCALATION:
			none = TRUE;
			g_ptr_array_add(understood, g_strdup("no escalation is needed"));
			break;
		case CH_CMD_ESCALATE: {
			ChAttendee *a = ch_case_attendee(c, cmd->n);
			if (!a) {
				g_ptr_array_add(problems,
				                g_strdup_printf("'%s': there is no line %d on the list (it has "
				                                "%u lines)",
				                                cmd->line, cmd->n, c->attendees->len));
				break;
			}
			g_autofree char *codes = g_strjoinv(", ", cmd->reasons);
			g_ptr_array_add(understood, g_strdup_printf("escalate line %d (%s, %s): %s",
			                                            cmd->n, a->name, a->agency, codes));
			g_ptr_array_add(esc, cmd);
			break;
		}
		default:
			break;
		}
	}
	if (cmds->commands->len == 0 && problems->len == 0)
		g_ptr_array_add(problems, g_strdup("no command found: the reply needs AUTHORISED on a "
		                                   "line of its own"));
	else if (!authorise && !none && problems->len == 0)
		g_ptr_array_add(problems, g_strdup("escalations were marked but the list was not "
		                                   "authorised: add AUTHORISED on a line of its own"));
	if (none && esc->len)
		g_ptr_array_add(problems, g_strdup("NO ESCALATION and ESCALATE lines are both there: "
		                                   "send one or the other"));
	if (!problems->len && c->state != CH_CONF_LIST_SENT) {
		g_autofree char *when = ch_clock_long_date(c->authorised_at, "");
		g_ptr_array_add(problems,
		                c->state == CH_CONF_HELD
		                    ? g_strdup("the list has not been sent for authorisation yet")
		                    : g_strdup_printf("the list was already authorised on %s; "
		                                      "nothing was changed (ask admin for a change)",
		                                      when));
	}
	if (problems->len) {
		ch_notice_not_understood(c, ctx, sender, "the distribution list", understood,
		                         problems, chair_example, NULL, fx);
		g_ptr_array_unref(esc);
		return CH_REPLY_NOT_UNDERSTOOD;
	}

	g_autofree char *now = now_str(ctx);
	ch_set_str(&c->authorised_at, now);
	set_state(c, fx, CH_CONF_AUTHORISED);
	GString *done = g_string_new("  The distribution list is authorised.\n");
	for (guint k = 0; k < esc->len; k++) {
		ChCommand *cmd = esc->pdata[k];
		ChAttendee *a = ch_case_attendee(c, cmd->n);
		ChEscalation *e = ch_case_escalation_for(c, cmd->n);
		if (!e) {
			e = g_new0(ChEscalation, 1);
			e->attendee = a;
			e->attendee_id = a->id;
			e->state = CH_ESC_OPEN;
			e->raised_at = g_strdup(now);
			g_ptr_array_add(c->escalations, e);
		}
		/* Two ESCALATE lines for one professional add up. */
		GPtrArray *all = g_ptr_array_new();
		for (char **r = e->reasons; r && *r; r++)
			g_ptr_array_add(all, g_strdup(*r));
		for (char **r = cmd->reasons; *r; r++) {
			gboolean have = FALSE;
			for (guint q = 0; q < all->len; q++)
				have |= !strcmp(all->pdata[q], *r);
			if (!have)
				g_ptr_array_add(all, g_strdup(*r));
		}
		g_ptr_array_add(all, NULL);
		g_strfreev(e->reasons);
		e->reasons = (char **)g_ptr_array_free(all, FALSE);
		if (cmd->text) {
			char *joined = e->comment ? g_strdup_printf("%s; %s", e->comment, cmd->text)
			                          : g_strdup(cmd->text);
			g_free(e->comment);
			e->comment = joined;
		}
		e->dirty = TRUE;
	}
	for (guint k = 0; k < c->escalations->len; k++) {
		ChEscalation *e = c->escalations->pdata[k];
		if (e->stage)
			continue;
		g_autofree char *codes = g_strjoinv(", ", e->reasons);
		g_autofree char *words = ch_reasons_describe(e->reasons);
		ch_effects_audit(fx, CH_AUDIT_ESCALATION_RAISED, esc_obj(e), NULL, codes, e->comment);
		enter_stage(c, e, 1, ctx, fx);
		g_autofree char *due = ch_clock_long_date(e->due, "");
		g_string_append_printf(done,
		                       "  Line %d (%s, %s) is escalated: %s.\n"
		                       "    %s has been asked to respond by %s.\n",
		                       e->attendee->n, e->attendee->name, e->attendee->agency, words,
		                       *e->asked ? e->asked : "nobody (admin told)", due);
	}
	if (!esc->len)
		g_string_append(done, "  No one is escalated.\n");
	ch_notice_transcript(c, ctx, sender, "the distribution list", done->str, fx);
	g_string_free(done, TRUE);
	g_ptr_array_unref(esc);
	return CH_REPLY_APPLIED;
}

static const char slo_example[] =
	"  RESOLVED: the manager has met the professional and reports will be on time\n"
	"or, if it is not resolved:\n"
	"  NOT RESOLVED: why it is not";

/* Long for the same reason as the chair's reply: the problems first, all together, then one
 * of three outcomes (resolved, not resolved, an answer for the chair to confirm), each with
 * its state, its mail to the chair and its line in the transcript. */
ChReplyResult ch_engine_escalation_reply(ChCase *c, ChEscalation *e, const ChEngineCtx *ctx,
                                         const char *sender, gboolean from_chair,
                                         const char *text, ChEffects *fx)
{
	g_autoptr(ChCommands) cmds = ch_commands_parse_slo(text);
	g_autofree char *about = g_strdup_printf("the escalation of line %d (%s, %s)",
	                                         e->attendee->n, e->attendee->name,
	                                         e->attendee->agency);
	g_autoptr(GPtrArray) problems = g_ptr_array_new_with_free_func(g_free);
	ChCommand *resolved = NULL, *unresolved = NULL;
	for (guint k = 0; k < cmds->commands->len; k++) {
		ChCommand *cmd = cmds->commands->pdata[k];
		if (cmd->kind == CH_CMD_RESOLVED && !resolved)
			resolved = cmd;
		if (cmd->kind == CH_CMD_NOT_RESOLVED && !unresolved)
			unresolved = cmd;
	}
	if (resolved && unresolved)
		g_ptr_array_add(problems, g_strdup("both RESOLVED and NOT RESOLVED were written: "
		                                   "send one"));
	if (e->state == CH_ESC_RESOLVED || e->state == CH_ESC_CLOSED) {
		g_autofree char *when = ch_clock_long_date(e->closed_at, "");
		g_ptr_array_add(problems, g_strdup_printf("this escalation was already closed on %s",
		                                          when));
	}
	g_autofree char *body = g_strstrip(g_strdup(text ? text : ""));
	if (!resolved && !unresolved && !*body)
		g_ptr_array_add(problems, g_strdup("the reply was empty"));
	else if (!resolved && !unresolved && from_chair)
		/* The chair was asked to decide; free text from the chair must not overwrite the
		 * answer they were asked about. */
		g_ptr_array_add(problems, g_strdup("neither RESOLVED nor NOT RESOLVED was found"));
	if (problems->len) {
		ch_notice_not_understood(c, ctx, sender, about, NULL, problems, slo_example, NULL, fx);
		return CH_REPLY_NOT_UNDERSTOOD;
	}
	g_autofree char *now = now_str(ctx);
	GString *done = g_string_new(NULL);
	ChReplyResult result = CH_REPLY_APPLIED;
	if (!e->responded_at)
		ch_set_str(&e->responded_at, now);
	if (resolved) {
		ch_set_str(&e->outcome, resolved->text ? resolved->text : "resolved");
		ch_set_str(&e->closed_at, now);
		g_clear_pointer(&e->next_at, g_free);
		set_esc_state(e, fx, CH_ESC_RESOLVED, e->outcome);
		g_string_append_printf(done, "  The escalation is closed as resolved.\n  Outcome: %s\n",
		                       e->outcome);
		g_autofree char *key = g_strdup_printf("esc:%s:%d:closed", c->ref, e->attendee->n);
		if (!from_chair) {
			ChIntent *i = ch_effects_intent(fx, "escalation_closed", c->chair_email,
			                                c->chair_name, key);
			ch_engine_base_vars(i, c);
			ch_intent_set(i, "agency", e->attendee->agency);
			ch_intent_set(i, "professional", e->attendee->name);
			ch_intent_set(i, "outcome", e->outcome);
		}
	} else if (unresolved) {
		g_autofree char *why = g_strdup(unresolved->text ? unresolved->text : "no reason given");
		ch_effects_audit(fx, CH_AUDIT_ESCALATION_NOT_RESOLVED, esc_obj(e), NULL, NULL, why);
		ch_set_str(&e->response, why);
		int next = e->stage + 1;
		if (ch_rules_stage(ctx->rules, next)) {
			set_esc_state(e, fx, CH_ESC_OPEN, "climbs after NOT RESOLVED");
			enter_stage(c, e, next, ctx, fx);
			g_autofree char *due = ch_clock_long_date(e->due, "");
			g_string_append_printf(done,
			                       "  Recorded as not resolved: %s\n"
			                       "  It moves to stage %d (%s); %s is asked to respond by %s.\n",
			                       why, next, ch_rules_stage(ctx->rules, next)->name,
			                       *e->asked ? e->asked : "nobody (admin told)", due);
		} else {
			set_esc_state(e, fx, CH_ESC_UNRESOLVED, "past the last stage of the procedure");
			g_clear_pointer(&e->next_at, g_free);
			g_string_append_printf(done,
			                       "  Recorded as not resolved: %s\n"
			                       "  This was the last stage; the CP coordinator is told.\n",
			                       why);
			g_autofree char *key = g_strdup_printf("esc:%s:%d:exhausted", c->ref,
			                                       e->attendee->n);
			const char *to = ch_engine_role_address(c, NULL, ctx, CH_ROLE_CP_COORDINATOR);
			to = to ? to : ctx->people[CH_ROLE_ADMIN];
			if (to) {
				ChIntent *i = ch_effects_intent(fx, "escalation_unresolved", to, NULL, key);
				ch_engine_base_vars(i, c);
				ch_intent_set(i, "agency", e->attendee->agency);
				ch_intent_set(i, "professional", e->attendee->name);
				ch_intent_set(i, "why", why);
			}
		}
	} else {
		/* Free text: an answer, but not a decision. Keep it and let the chair decide. */
		g_autofree char *answer = g_utf8_substring(body, 0, MIN(g_utf8_strlen(body, -1), 2000));
		ch_set_str(&e->response, answer);
		g_clear_pointer(&e->next_at, g_free);
		set_esc_state(e, fx, CH_ESC_RESPONDED, NULL);
		g_string_append(done, "  Your answer is recorded and the chair is asked to confirm "
		                      "whether it resolves the concern.\n");
		result = CH_REPLY_RECORDED;
		if (!from_chair) {
			g_autofree char *key = g_strdup_printf("esc:%s:%d:confirm:%s", c->ref,
			                                       e->attendee->n, ctx->event_id);
			ChIntent *i = ch_effects_intent(fx, "escalation_response", c->chair_email,
			                                c->chair_name, key);
			i->purpose = CH_PURPOSE_CONFIRM;
			i->esc = e;
			ch_engine_base_vars(i, c);
			ch_intent_set(i, "agency", e->attendee->agency);
			ch_intent_set(i, "professional", e->attendee->name);
			ch_intent_set(i, "response", answer);
		}
	}
	ch_notice_transcript(c, ctx, sender, about, done->str, fx);
	g_string_free(done, TRUE);
	return result;
}

char *ch_engine_fold_space(const char *text)
{
	g_autofree char *down = g_utf8_strdown(text, -1);
	GString *out = g_string_sized_new(strlen(down));
	gboolean space = FALSE;
	for (const char *p = down; *p; p = g_utf8_next_char(p)) {
		gunichar c = g_utf8_get_char(p);
		if (g_unichar_isspace(c) || c == 0x00A0 || c == 0x202F || c == 0x2007) {
			space = TRUE;
			continue;
		}
		if (space && out->len)
			g_string_append_c(out, ' ');
		space = FALSE;
		g_string_append_unichar(out, c);
	}
	return g_string_free(out, FALSE);
}

gboolean ch_engine_safety_check(ChCase *c, const ChEngineCtx *ctx, const char *const *words,
                                const char *text, const char *what, const char *event_id,
                                ChEffects *fx)
{
	if (!text || !words)
		return FALSE;
	/* People wrap lines where they like ("in immediate\ndanger"), and clients turn spaces
	 * into tabs and no-break spaces: every run of white space counts as one space, in the
	 * text and in the phrase alike. */
	g_autofree char *lower = ch_engine_fold_space(text);
	const char *hit = NULL;
	for (const char *const *w = words; *w && !hit; w++) {
		g_autofree char *word = ch_engine_fold_space(*w);
		if (*word && strstr(lower, word))
			hit = *w;
	}
	if (!hit)
		return FALSE;
	const char *to = ctx->people[CH_ROLE_CP_COORDINATOR] ? ctx->people[CH_ROLE_CP_COORDINATOR]
	                                                    : ctx->people[CH_ROLE_ADMIN];
	ch_effects_audit(fx, CH_AUDIT_SAFETY_ALERT,
	                 c ? CH_OBJ_NAMED(CH_OBJ_CONFERENCE, c->ref) : CH_OBJ_NOTHING, NULL, to,
	                 "words of an immediate-safety concern were found");
	if (!to)
		return TRUE;
	g_autofree char *key = g_strdup_printf("safety:%s", event_id);
	ChIntent *i = ch_notice_alert(fx, "safety_alert", to, key, c, "no conference", TRUE);
	ch_intent_set(i, "what", what);
	ch_intent_set(i, "message", event_id);
	return TRUE;
}

gboolean ch_engine_escalation_due(ChCase *c, ChEscalation *e, const ChEngineCtx *ctx,
                                  ChEffects *fx)
{
	const ChStage *st = ch_rules_stage(ctx->rules, e->stage);
	if (e->state != CH_ESC_OPEN || !st) {
		g_clear_pointer(&e->next_at, g_free);
		e->dirty = TRUE;
		return FALSE;
	}
	g_autofree char *now = now_str(ctx);
	GDate today;
	ch_clock_local_date(ctx->now, &today);
	if ((guint)e->chasers < st->chasers) {
		e->chasers++;
		ch_set_str(&e->chased_at, now);
		g_free(e->next_at);
		/* One chaser, then a working day's grace before the next step: however long the
		 * timer was off, each obligation moves one step per run. */
		e->next_at = ch_engine_after_due(ctx, &today);
		e->dirty = TRUE;
		fx->changed = TRUE;
		g_autofree char *n = g_strdup_printf("%d", e->chasers);
		ch_effects_audit(fx, CH_AUDIT_ESCALATION_CHASED, esc_obj(e), NULL, n,
		                 "no answer by the due date");
		const char *to = e->asked && *e->asked ? e->asked : NULL;
		if (to) {
			g_autofree char *key = g_strdup_printf("esc:%s:%d:stage%d:chaser%d", c->ref,
			                                       e->attendee->n, e->stage, e->chasers);
			ChIntent *i = ch_effects_intent(fx, "escalation_chaser", to,
			                                role_name(c, e->attendee, st->ask), key);
			escalation_vars(i, c, e, st);
		}
		return TRUE;
	}
	int next = e->stage + 1;
	if (ch_rules_stage(ctx->rules, next)) {
		ch_effects_audit(fx, CH_AUDIT_ESCALATION_CLIMBS, esc_obj(e), NULL, NULL,
		                 "no answer after the chaser: the next stage is asked");
		int from = e->stage;
		enter_stage(c, e, next, ctx, fx);
		g_autofree char *key = g_strdup_printf("esc:%s:%d:climbed%d", c->ref, e->attendee->n,
		                                       next);
		ChIntent *i = ch_effects_intent(fx, "escalation_climbed", c->chair_email, c->chair_name,
		                                key);
		escalation_vars(i, c, e, ch_rules_stage(ctx->rules, next));
		i->purpose = CH_PURPOSE_NONE;
		i->esc = NULL;
		g_autofree char *from_s = g_strdup_printf("%d", from);
		ch_intent_set(i, "from_stage", from_s);
		ch_intent_set(i, "asked", *e->asked ? e->asked : "nobody (admin told)");
		return TRUE;
	}
	set_esc_state(e, fx, CH_ESC_UNRESOLVED, "no answer by the due date of the last stage");
	g_clear_pointer(&e->next_at, g_free);
	const char *to = ctx->people[CH_ROLE_CP_COORDINATOR] ? ctx->people[CH_ROLE_CP_COORDINATOR]
	                                                    : ctx->people[CH_ROLE_ADMIN];
	if (to) {
		g_autofree char *key = g_strdup_printf("esc:%s:%d:exhausted", c->ref, e->attendee->n);
		ChIntent *i = ch_effects_intent(fx, "escalation_unresolved", to, NULL, key);
		ch_engine_base_vars(i, c);
		ch_intent_set(i, "agency", e->attendee->agency);
		ch_intent_set(i, "professional", e->attendee->name);
		ch_intent_set(i, "why", "no answer by the due date of the last stage");
	}
	return TRUE;
}

gboolean ch_engine_close_if_done(ChCase *c, const ChEngineCtx *ctx, ChEffects *fx)
{
	if (c->state != CH_CONF_AUTHORISED || !ch_case_finished(c))
		return FALSE;
	g_autofree char *now = now_str(ctx);
	ch_set_str(&c->closed_at, now);
	g_clear_pointer(&c->next_at, g_free);
	set_state(c, fx, CH_CONF_CLOSED);
	return TRUE;
}
