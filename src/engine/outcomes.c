/* Named outcomes at a stage of the ladder (rules.h: a stage's `outcomes`), beyond RESOLVED
 * and NOT RESOLVED. Cwm Taf (004):
 *
 * - SET ASIDE: the Lead Safeguarding Manager "has the authority to set aside the conference
 *   decision and require conference to reconvene". From the LSM at a stage that allows it,
 *   the concern ends with the decision set aside; the chair, the CP coordinator, the social
 *   worker and admin are told; admin has a task, chased each working day on the
 *   escalation's own timer, until the reconvened conference's date is entered. From anyone
 *   else, or at a stage without the outcome, it changes nothing and the sender is told.
 * - The quality assurance group's options (individual agency reports, a multi-agency audit,
 *   recommendations): recorded as named, and the chair always gets the feedback.
 * - The mail to the group carries the history (filled in by the app from the record: the
 *   engine marks where) and the identified risks: the chair's comment and any report
 *   marked high risk.
 * - When the last open concern of a Cwm Taf conference ends, the conference chair
 *   resolution form (again filled in by the app, from the record) goes to the CP
 *   coordinator and the social worker.
 *
 * Pure, like the rest of the engine. */
#include "engine/engine-private.h"
#include "engine/notices.h"

#include <string.h>

#include "engine/commands.h"
#include "util/clock.h"
#include "util/error.h"

static ChObj esc_obj(const ChEscalation *e)
{
	return CH_OBJ_NUMBERED(CH_OBJ_ESCALATION, e->attendee->n);
}

static void set_state(ChEscalation *e, ChEffects *fx, ChEscState state, const char *detail)
{
	ch_effects_audit(fx, CH_AUDIT_ESCALATION_STATE, esc_obj(e), ch_esc_state_name(e->state),
	                 ch_esc_state_name(state), detail);
	e->state = state;
	e->dirty = TRUE;
	fx->changed = TRUE;
}

static void person_vars(ChIntent *i, const ChCase *c, const ChEscalation *e)
{
	ch_engine_base_vars(i, c);
	ch_intent_set(i, "agency", e->attendee->agency);
	ch_intent_set(i, "professional", e->attendee->name);
	g_autofree char *n = g_strdup_printf("%d", e->attendee->n);
	ch_intent_set(i, "n", n);
}

const char ch_engine_fill_history[] = "(filled in from the record)";
const char ch_engine_fill_form[] = "(the form, filled in from the record)";

/* ---- problems ---- */

void ch_engine_outcome_problems(const ChCase *c, const ChEscalation *e, const ChEngineCtx *ctx,
                                const ChCommand *set_aside, gboolean with_decision,
                                const char *sender, gboolean from_chair, GPtrArray *problems)
{
	(void)c;
	if (!set_aside)
		return;
	const ChStage *st = ch_engine_esc_stage(ctx, e);
	const char *lsm = ctx->people[CH_ROLE_LEAD_SAFEGUARDING_MANAGER];
	if (!st || !(st->outcomes & CH_OUTCOME_SET_ASIDE)) {
		g_ptr_array_add(problems, g_strdup_printf(
			"'%s': the conference decision can be set aside only at the Lead Safeguarding "
			"Manager's stage, and this concern is at stage %d (%s); nothing was changed",
			set_aside->line, e->stage, st ? (st->title ? st->title : st->name) : "?"));
		return;
	}
	if (from_chair || !lsm || !ch_engine_same_addr(sender, lsm)) {
		g_ptr_array_add(problems, g_strdup_printf(
			"'%s': only the Lead Safeguarding Manager can set aside the conference decision; "
			"nothing was changed",
			set_aside->line));
		return;
	}
	if (with_decision)
		g_ptr_array_add(problems, g_strdup("SET ASIDE was written with RESOLVED or NOT "
		                                   "RESOLVED: send one"));
}

/* ---- the conference decision set aside ---- */

static void tell_set_aside(const ChCase *c, const ChEscalation *e, const char *to,
                           const char *to_name, const char *who, const ChEngineCtx *ctx,
                           ChEffects *fx)
{
	if (!to || !*to)
		return;
	g_autofree char *key = g_strdup_printf("esc:%s:%d:set-aside:%s", c->ref, e->attendee->n,
	                                       who);
	ChIntent *i = ch_effects_intent(fx, "escalation_set_aside_told", to, to_name, key);
	person_vars(i, c, e);
	ch_intent_set(i, "words", e->set_aside_words);
	ch_intent_set(i, "lsm", e->set_aside_by);
	g_autofree char *when = ch_clock_long_date(e->set_aside_at, "");
	ch_intent_set(i, "when", when);
	(void)ctx;
}

static void reconvene_task_mail(const ChCase *c, const ChEscalation *e, const char *to,
                                const char *day, ChEffects *fx)
{
	g_autofree char *key = g_strdup_printf("esc:%s:%d:reconvene:%s", c->ref, e->attendee->n,
	                                       day);
	ChIntent *i = ch_effects_intent(fx, "escalation_reconvene", to, NULL, key);
	person_vars(i, c, e);
	ch_intent_set(i, "words", e->set_aside_words);
	g_autofree char *when = ch_clock_long_date(e->set_aside_at, "");
	ch_intent_set(i, "when", when);
}

void ch_engine_apply_set_aside(ChCase *c, ChEscalation *e, const ChCommand *cmd,
                               const char *sender, const ChEngineCtx *ctx, GString *done,
                               ChEffects *fx)
{
	g_autofree char *now = ch_engine_now_str(ctx);
	GDate today;
	ch_clock_local_date(ctx->now, &today);
	g_autofree char *day = ch_date_format(&today);
	const char *words = cmd->text ? cmd->text : "(no reason given)";
	ch_set_str(&e->set_aside_at, now);
	ch_set_str(&e->set_aside_by, sender);
	ch_set_str(&e->set_aside_words, words);
	ch_set_str(&e->response, words);
	g_autofree char *outcome = g_strdup_printf("The Lead Safeguarding Manager set aside the "
	                                           "conference decision: %s. The conference is to "
	                                           "reconvene.",
	                                           words);
	ch_set_str(&e->outcome, outcome);
	ch_set_str(&e->closed_at, now);
	/* The chair is told below: the ending is known to them. */
	ch_set_str(&e->chair_told_at, now);
	/* Admin owes the reconvened conference's date: chased from the next working day. */
	g_free(e->next_at);
	e->next_at = ch_engine_after_due(ctx, &today);
	ch_effects_audit(fx, CH_AUDIT_ESCALATION_SET_ASIDE, esc_obj(e), NULL, sender, words);
	set_state(e, fx, CH_ESC_RESOLVED, outcome);
	const char *admin = ch_engine_role_address(c, e->attendee, ctx, CH_ROLE_ADMIN);
	g_autofree char *task = g_strdup_printf("Conference %s: the Lead Safeguarding Manager set "
	                                        "aside its decision; arrange the reconvened "
	                                        "conference and enter its date: chaser conference "
	                                        "reconvene %s --held DATE",
	                                        c->ref, c->ref);
	ChChange *ch = ch_effects_change(fx, CH_CHANGE_TASK, "reconvene", task);
	ch->conference_id = c->id;
	tell_set_aside(c, e, c->chair_email, c->chair_name, "chair", ctx, fx);
	tell_set_aside(c, e, ctx->people[CH_ROLE_CP_COORDINATOR], NULL, "coordinator", ctx, fx);
	tell_set_aside(c, e, c->social_worker, NULL, "social-worker", ctx, fx);
	if (admin)
		reconvene_task_mail(c, e, admin, day, fx);
	g_string_append_printf(done,
	                       "  The conference decision is set aside: %s\n"
	                       "  The conference is marked to reconvene. The chair, the CP "
	                       "coordinator, the social worker and admin are told; admin is asked "
	                       "to enter the new conference's date.\n",
	                       words);
}

void ch_engine_reconvene_chase(ChCase *c, ChEscalation *e, const ChEngineCtx *ctx,
                               ChEffects *fx)
{
	GDate today;
	ch_clock_local_date(ctx->now, &today);
	g_autofree char *day = ch_date_format(&today);
	g_free(e->next_at);
	e->next_at = ch_engine_after_due(ctx, &today);
	e->dirty = TRUE;
	fx->changed = TRUE;
	const char *admin = ch_engine_role_address(c, e->attendee, ctx, CH_ROLE_ADMIN);
	ch_effects_audit(fx, CH_AUDIT_ESCALATION_RECONVENE_CHASED, esc_obj(e), NULL, admin,
	                 "the reconvened conference's date has not been entered");
	if (admin)
		reconvene_task_mail(c, e, admin, day, fx);
}

gboolean ch_engine_reconvene_entered(ChCase *c, const char *date, const ChEngineCtx *ctx,
                                     GString *done, ChEffects *fx, GError **error)
{
	guint n = 0;
	for (guint i = 0; i < c->escalations->len; i++) {
		ChEscalation *e = c->escalations->pdata[i];
		if (!ch_escalation_reconvene_owed(e))
			continue;
		ch_set_str(&e->reconvene_held, date);
		g_clear_pointer(&e->next_at, g_free);
		e->dirty = TRUE;
		fx->changed = TRUE;
		ch_effects_audit(fx, CH_AUDIT_ESCALATION_RECONVENE_DATE, esc_obj(e), NULL, date,
		                 "the reconvened conference's date, entered by admin");
		n++;
	}
	if (!n) {
		g_set_error(error, CH_ERROR, CH_ERROR_USAGE,
		            "conference %s has no set-aside decision waiting for a new date", c->ref);
		return FALSE;
	}
	ChChange *ch = ch_effects_change(fx, CH_CHANGE_TASK_DONE, "reconvene", NULL);
	ch->conference_id = c->id;
	g_string_append_printf(done, "conference %s reconvenes on %s; admin's task is done\n",
	                       c->ref, date);
	(void)ctx;
	return TRUE;
}

/* ---- the quality assurance group ---- */

static char *options_words(guint bits)
{
	GString *s = g_string_new(NULL);
	for (guint bit = 1; bit <= CH_OUTCOME_RECOMMENDATIONS; bit <<= 1)
		if (bits & bit)
			g_string_append_printf(s, "%s%s", s->len ? ", " : "", ch_outcome_name(bit));
	return g_string_free(s, FALSE);
}

void ch_engine_apply_options(ChCase *c, ChEscalation *e, guint options, const char *text,
                             const ChEngineCtx *ctx, GString *done, ChEffects *fx)
{
	g_autofree char *now = ch_engine_now_str(ctx);
	g_autofree char *names = options_words(options);
	g_autofree char *answer = g_utf8_substring(text, 0, MIN(g_utf8_strlen(text, -1), 2000));
	g_autofree char *outcome = g_strdup_printf("The quality assurance group asked for: %s. %s",
	                                           names, answer);
	ch_set_str(&e->options, names);
	ch_set_str(&e->response, answer);
	ch_set_str(&e->outcome, outcome);
	ch_set_str(&e->closed_at, now);
	ch_set_str(&e->chair_told_at, now);
	g_clear_pointer(&e->next_at, g_free);
	ch_effects_audit(fx, CH_AUDIT_ESCALATION_OPTIONS, esc_obj(e), NULL, names, answer);
	set_state(e, fx, CH_ESC_RESOLVED, outcome);
	/* 004 section 5: feedback will always be offered to the conference chair. */
	g_autofree char *key = g_strdup_printf("esc:%s:%d:qasg-feedback", c->ref, e->attendee->n);
	ChIntent *i = ch_effects_intent(fx, "escalation_qasg_feedback", c->chair_email,
	                                c->chair_name, key);
	person_vars(i, c, e);
	ch_intent_set(i, "options", names);
	ch_intent_set(i, "answer", answer);
	g_string_append_printf(done, "  Recorded: the quality assurance group asks for %s.\n"
	                             "  The chair is sent the group's feedback.\n",
	                       names);
}

void ch_engine_record_options(ChEscalation *e, guint options, const char *text, ChEffects *fx)
{
	g_autofree char *names = options_words(options);
	ch_set_str(&e->options, names);
	e->dirty = TRUE;
	ch_effects_audit(fx, CH_AUDIT_ESCALATION_OPTIONS, esc_obj(e), NULL, names, text);
}

/* The identified risks to the child: the chair's comment and every report marked high
 * risk, for the mail to the quality assurance group. */
static char *risks_text(const ChCase *c, const ChEscalation *e)
{
	GString *s = g_string_new(NULL);
	g_string_append_printf(s, "  - The chair's comment: %s", e->comment ? e->comment
	                                                                   : "(none given)");
	guint flagged = 0;
	for (guint i = 0; i < c->reports->len; i++) {
		const ChReport *r = c->reports->pdata[i];
		if (!r->high_risk_at)
			continue;
		g_autofree char *when = ch_clock_long_date(r->high_risk_at, "");
		g_string_append_printf(s, "\n  - HIGH RISK: the report of %s was marked high risk on "
		                          "%s%s%s",
		                       r->agency, when, r->high_risk_by ? " by " : "",
		                       r->high_risk_by ? r->high_risk_by : "");
		flagged++;
	}
	if (!flagged && c->high_risk)
		g_string_append(s, "\n  - HIGH RISK: the conference is marked high risk");
	else if (!flagged)
		g_string_append(s, "\n  - No report on this conference is marked high risk");
	return g_string_free(s, FALSE);
}

void ch_engine_outcome_vars(ChIntent *i, const ChCase *c, const ChEscalation *e,
                            const ChStage *st)
{
	if (!st || !(st->outcomes & CH_OUTCOME_QASG))
		return;
	ch_intent_set(i, "history", ch_engine_fill_history);
	g_autofree char *risks = risks_text(c, e);
	ch_intent_set(i, "risks", risks);
	g_autofree char *names = options_words(st->outcomes & CH_OUTCOME_QASG);
	ch_intent_set(i, "options", names);
}

/* ---- the resolution form ---- */

void ch_engine_form_if_ended(ChCase *c, const ChEngineCtx *ctx, ChEffects *fx)
{
	if (!c->procedure || g_ascii_strcasecmp(c->procedure, "cwm-taf"))
		return;
	for (guint i = 0; i < c->escalations->len; i++)
		if (!ch_esc_state_finished(((ChEscalation *)c->escalations->pdata[i])->state))
			return;
	const char *to[] = { ctx->people[CH_ROLE_CP_COORDINATOR], c->social_worker };
	const char *who[] = { "coordinator", "social-worker" };
	for (guint k = 0; k < G_N_ELEMENTS(to); k++) {
		if (!to[k] || !*to[k])
			continue;
		g_autofree char *key = g_strdup_printf("form:%s:%s:%s", c->ref, who[k], ctx->event_id);
		ChIntent *i = ch_effects_intent(fx, "resolution_form", to[k], NULL, key);
		ch_engine_base_vars(i, c);
		ch_intent_set(i, "form", ch_engine_fill_form);
	}
}
