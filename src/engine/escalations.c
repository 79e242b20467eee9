/* Escalations: the chair raises them, the ladder of stages asks someone at each, answers
 * close them or climb them, and the timer chases silence. Pure. */
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

/* ---- a concern between agencies (003) follows a ladder of its own ---- */

static const ChStage *esc_stage(const ChEngineCtx *ctx, const ChEscalation *e, int stage)
{
	const ChRules *r = ch_engine_esc_rules(ctx, e);
	return r ? ch_rules_stage(r, stage) : NULL;
}

/* Who a role is for escalation e: the raising side from the concern itself, the rest as
 * for any escalation. NULL when nobody is known. */
static const char *esc_address(const ChCase *c, const ChEscalation *e, const ChEngineCtx *ctx,
                               ChRole role)
{
	const ChRoleInfo *info = ch_role_info(role);
	if (info && info->source == CH_ROLE_OF_RAISER) {
		const char *v = G_STRUCT_MEMBER(const char *, e, info->address_at);
		return v && *v ? v : NULL;
	}
	return ch_engine_role_address(c, e->attendee, ctx, role);
}

/* Everyone asked at the stage now (`asked` is ';'-separated: both sides of a concern). */
static char **asked_each(const ChEscalation *e)
{
	if (!e->asked || !*e->asked)
		return g_new0(char *, 1);
	return g_strsplit(e->asked, ";", -1);
}

static gboolean is_asked(const ChEscalation *e, const char *addr)
{
	g_auto(GStrv) each = asked_each(e);
	for (char **a = each; *a; a++)
		if (ch_engine_same_addr(*a, addr))
			return TRUE;
	return FALSE;
}

/* Where silence or NOT RESOLVED at the current stage leads: by the stage's choice (the way
 * `answer` names, else the first: the urgent way in the shipped file), else the next stage;
 * 0 past the end of its way. *way_r is the way taken, or NULL. */
static int esc_next(const ChEngineCtx *ctx, const ChEscalation *e, const char *answer,
                    const char **way_r)
{
	const ChRules *r = ch_engine_esc_rules(ctx, e);
	const ChStage *st = r ? ch_rules_stage(r, e->stage) : NULL;
	*way_r = NULL;
	if (!st)
		return 0;
	if (!st->choices)
		return ch_rules_next(r, e->stage);
	/* "non-urgent" holds "urgent": the longest word written wins. */
	g_autofree char *low = g_ascii_strdown(answer ? answer : "", -1);
	g_strdelimit(low, "-_", ' ');
	const ChChoice *best = NULL;
	for (guint k = 0; k < st->choices->len; k++) {
		const ChChoice *ch = st->choices->pdata[k];
		g_autofree char *w = g_strdelimit(g_strdup(ch->word), "-_", ' ');
		if (strstr(low, w) && (!best || strlen(ch->word) > strlen(best->word)))
			best = ch;
	}
	if (!best)
		best = st->choices->pdata[0];
	*way_r = best->word;
	return best->to;
}

/* When stage `step` of e began (NULL when not recorded). */
static char *step_began(const ChEscalation *e, int step)
{
	g_auto(GStrv) at = g_strsplit(e->stage_starts ? e->stage_starts : "", ";", -1);
	return step >= 1 && (guint)step <= g_strv_length(at) && *at[step - 1] ? g_strdup(at[step - 1])
	                                                                        : NULL;
}

static void record_step_began(ChEscalation *e, int step, const char *now)
{
	g_auto(GStrv) at = g_strsplit(e->stage_starts ? e->stage_starts : "", ";", -1);
	GPtrArray *out = g_ptr_array_new();
	guint have = g_strv_length(at);
	for (int k = 1; k <= MAX(step, (int)have); k++)
		g_ptr_array_add(out, k == step ? (char *)now : (guint)k <= have ? at[k - 1] : "");
	g_ptr_array_add(out, NULL);
	g_autofree char *joined = g_strjoinv(";", (char **)out->pdata);
	g_ptr_array_free(out, TRUE);
	ch_set_str(&e->stage_starts, joined);
}

/* A role of the stage nobody's address is known for: admin has a task saying who to find,
 * so the step is never silently one-sided. */
static void concern_nobody(const ChCase *c, const ChEscalation *e, const ChStage *st,
                           ChRole role, ChEffects *fx)
{
	g_autofree char *detail = g_strdup_printf(
		"concern of line %d, stage %d (%s): no address is known for the %s; find them and "
		"forward them the stage's request",
		e->attendee->n, e->stage, st->name, ch_role_name(role));
	ChChange *ch = ch_effects_change(fx, CH_CHANGE_TASK, "concern_address", detail);
	ch->conference_id = c->id;
	ch_effects_audit(fx, CH_AUDIT_CONCERN_NOBODY, esc_obj(e), NULL, ch_role_name(role),
	                 "no address known for this role; admin has a task");
}

static void set_esc_state(ChEscalation *e, ChEffects *fx, ChEscState state, const char *detail)
{
	ch_effects_audit(fx, CH_AUDIT_ESCALATION_STATE, esc_obj(e), ch_esc_state_name(e->state),
	                 ch_esc_state_name(state), detail);
	e->state = state;
	e->dirty = TRUE;
	fx->changed = TRUE;
}

static char *reasons_text(char **reasons)
{
	GString *s = g_string_new(NULL);
	for (char **r = reasons; r && *r; r++)
		g_string_append_printf(s, "%s  - %s", s->len ? "\n" : "", ch_reason_describe(*r));
	return g_string_free(s, FALSE);
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
	const char *who = ch_engine_role_greeting(c, e->attendee, st->ask);
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
	ch_intent_set(i, "raiser", e->raiser ? e->raiser : "");
	ch_intent_set(i, "raiser_agency", e->raiser_agency ? e->raiser_agency : "their agency");
	ch_intent_set(i, "about", e->comment ? e->comment : "");
	ch_intent_set(i, "asked", e->asked && *e->asked ? e->asked : "nobody (admin told)");
	ch_engine_outcome_vars(i, c, e, st);
}

/* Puts escalation e at `stage`: who is asked, by when, and the message asking them. */
static gboolean enter_stage(ChCase *c, ChEscalation *e, int stage, const ChEngineCtx *ctx,
                            ChEffects *fx)
{
	const ChStage *st = esc_stage(ctx, e, stage);
	if (!st)
		return FALSE;
	const char *to = esc_address(c, e, ctx, st->ask);
	g_autoptr(GPtrArray) all = g_ptr_array_new();
	for (guint k = 0; k < st->n_asks; k++) {
		const char *a = esc_address(c, e, ctx, st->asks[k]);
		if (a)
			g_ptr_array_add(all, (char *)a);
	}
	g_ptr_array_add(all, NULL);
	g_autofree char *asked = g_strjoinv(";", (char **)all->pdata);
	/* "within N of step K": counted from when step K began, not from now; a time already
	 * past is due today, and chased from tomorrow. */
	g_autofree char *began = st->from_step ? step_began(e, st->from_step) : NULL;
	g_autoptr(GDateTime) from = began ? g_date_time_new_from_iso8601(began, NULL) : NULL;
	GDate due, today;
	g_autoptr(GDateTime) due_at = ch_calendar_deadline(ctx->cal, from ? from : ctx->now,
	                                                   st->unit, st->amount, &due);
	ch_clock_local_date(ctx->now, &today);
	if (g_date_compare(&due, &today) < 0)
		due = today;
	g_autofree char *due_s = ch_date_format(&due);
	g_autofree char *due_long = ch_date_format_long(&due);
	g_autofree char *now = ch_engine_now_str(ctx);
	g_autofree char *old_stage = e->stage ? g_strdup_printf("%d", e->stage) : NULL;
	g_autofree char *new_stage = g_strdup_printf("%d (%s)", stage, st->name);
	e->stage = stage;
	ch_set_str(&e->stage_at, now);
	if (e->procedure)
		record_step_began(e, stage, now);
	ch_set_str(&e->due, due_s);
	ch_set_str(&e->calendar, ch_calendar_version(ctx->cal));
	ch_set_str(&e->asked, st->n_asks > 1 ? asked : to ? to : "");
	g_clear_pointer(&e->chased_at, g_free);
	e->chasers = 0;
	g_free(e->next_at);
	e->next_at = st->unit == CH_UNIT_HOURS && !from ? ch_clock_key(due_at)
	                                                : ch_engine_after_due(ctx, &due);
	e->dirty = TRUE;
	fx->changed = TRUE;
	g_autofree char *detail = g_strdup_printf("%s asked; due %s (%u %s, calendar %s)",
	                                          st->title ? st->title : st->name, due_s,
	                                          st->amount, ch_unit_name(st->unit),
	                                          ch_calendar_version(ctx->cal));
	ch_effects_audit(fx, CH_AUDIT_ESCALATION_STAGE, esc_obj(e), old_stage, new_stage, detail);
	if (st->n_asks > 1 || e->procedure) {
		for (guint k = 0; k < st->n_asks; k++) {
			ChRole role = st->asks[k];
			const char *addr = esc_address(c, e, ctx, role);
			if (!addr) {
				concern_nobody(c, e, st, role, fx);
				continue;
			}
			g_autofree char *key = g_strdup_printf("esc:%s:%d:stage%d:%s", c->ref,
			                                       e->attendee->n, stage, ch_role_name(role));
			ChIntent *i = ch_effects_intent(fx, st->template, addr,
			                                ch_engine_role_greeting(c, e->attendee, role), key);
			escalation_vars(i, c, e, st);
		}
		return TRUE;
	}
	if (!to) {
		ch_effects_audit(fx, CH_AUDIT_ESCALATION_NOBODY, esc_obj(e), NULL, NULL,
		                 "nobody is configured for this stage; admin told");
		return TRUE;
	}
	g_autofree char *key = g_strdup_printf("esc:%s:%d:stage%d", c->ref, e->attendee->n, stage);
	ChIntent *i = ch_effects_intent(fx, st->template, to, ch_engine_role_greeting(c, e->attendee, st->ask),
	                                key);
	escalation_vars(i, c, e, st);
	return TRUE;
}

/* One ESCALATE line: a new escalation, or its reasons and comment added to the one there.
 * Returns the escalation when it was already at a stage before this reply (a later concern
 * about a line escalated at authorisation), else NULL. */
static ChEscalation *add_escalation(ChCase *c, const ChCommand *cmd, const char *now)
{
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
	return e->stage ? e : NULL;
}

/* A later ESCALATE for a line already escalated: its ladder goes on where it is (the person
 * asked keeps the clock they were given); the record and the chair's transcript say what
 * was added. */
static void added_to(const ChEscalation *e, const char *old_codes, const ChCommand *cmd,
                     GString *done, ChEffects *fx)
{
	g_autofree char *codes = g_strjoinv(", ", e->reasons);
	ch_effects_audit(fx, CH_AUDIT_ESCALATION_RAISED, esc_obj(e), old_codes, codes,
	                 cmd->text ? cmd->text : "added to the escalation already raised");
	fx->changed = TRUE;
	g_autofree char *words = ch_reasons_describe(e->reasons);
	g_string_append_printf(done,
	                       "  Line %d (%s, %s) was already escalated (stage %d, %s); it now "
	                       "reads: %s.\n",
	                       e->attendee->n, e->attendee->name, e->attendee->agency, e->stage,
	                       ch_esc_state_name(e->state), words);
}

void ch_engine_escalations_raise(ChCase *c, GPtrArray *commands, const ChEngineCtx *ctx,
                                 GString *done, ChEffects *fx)
{
	g_autofree char *now = ch_engine_now_str(ctx);
	for (guint k = 0; k < commands->len; k++) {
		const ChCommand *cmd = commands->pdata[k];
		ChEscalation *was = ch_case_escalation_for(c, cmd->n);
		g_autofree char *old_codes = was && was->reasons ? g_strjoinv(", ", was->reasons)
		                                                 : NULL;
		ChEscalation *e = add_escalation(c, cmd, now);
		if (e)
			added_to(e, old_codes, cmd, done, fx);
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
}

/* Past the last stage: the CP coordinator (else admin) is told it is not resolved. */
static void tell_exhausted(const ChCase *c, const ChEscalation *e, const ChEngineCtx *ctx,
                           const char *why, ChEffects *fx)
{
	const char *to = ch_engine_coordinator_or_admin(ctx);
	if (!to)
		return;
	g_autofree char *key = g_strdup_printf("esc:%s:%d:exhausted", c->ref, e->attendee->n);
	ChIntent *i = ch_effects_intent(fx, "escalation_unresolved", to, NULL, key);
	ch_engine_base_vars(i, c);
	ch_intent_set(i, "agency", e->attendee->agency);
	ch_intent_set(i, "professional", e->attendee->name);
	ch_intent_set(i, "why", why);
}

/* 004: feedback is always given to the chair. How the concern ended goes to the chair
 * (`template`, with `why`), unless the chair wrote the ending: then their transcript says
 * it. Either way the escalation records that the chair knows; a case closes only then. */
static void tell_chair_ending(const ChCase *c, ChEscalation *e, const ChEngineCtx *ctx,
                              const char *template, const char *why, gboolean from_chair,
                              ChEffects *fx)
{
	g_autofree char *now = ch_engine_now_str(ctx);
	ch_set_str(&e->chair_told_at, now);
	e->dirty = TRUE;
	if (from_chair)
		return;
	g_autofree char *key = g_strdup_printf("esc:%s:%d:ended", c->ref, e->attendee->n);
	ChIntent *i = ch_effects_intent(fx, template, c->chair_email, c->chair_name, key);
	ch_engine_base_vars(i, c);
	ch_intent_set(i, "agency", e->attendee->agency);
	ch_intent_set(i, "professional", e->attendee->name);
	ch_intent_set(i, "outcome", why);
	ch_intent_set(i, "why", why);
}

/* The concern ends unresolved past the last stage: the CP coordinator (else admin) and the
 * chair are told. */
static void end_unresolved(ChCase *c, ChEscalation *e, const ChEngineCtx *ctx, const char *why,
                           gboolean from_chair, ChEffects *fx)
{
	/* closed_at stays unset: the register counts a concern closed, and its working days
	 * to close, only when it was resolved. */
	set_esc_state(e, fx, CH_ESC_UNRESOLVED, why);
	g_clear_pointer(&e->next_at, g_free);
	tell_exhausted(c, e, ctx, why, fx);
	tell_chair_ending(c, e, ctx, "escalation_unresolved_chair", why, from_chair, fx);
}

static const char slo_example[] =
	"  RESOLVED: the manager has met the professional and reports will be on time\n"
	"or, if it is not resolved:\n"
	"  NOT RESOLVED: why it is not";

/* The one example that fits what the sender seemed to want; both when it is not clear. */
static const char *slo_example_for(const ChCommands *cmds)
{
	switch (cmds->want) {
	case CH_WANT_RESOLVED:
		return "  RESOLVED: the manager has met the professional and reports will be on time";
	case CH_WANT_NOT_RESOLVED:
		return "  NOT RESOLVED: the report has still not been sent";
	default:
		return slo_example;
	}
}

/* Why an answer cannot be applied, into `problems` (empty when it can). */
static void reply_problems(const ChEscalation *e, const ChCommand *resolved,
                           const ChCommand *unresolved, const char *body, gboolean from_chair,
                           GPtrArray *problems)
{
	if (resolved && unresolved)
		g_ptr_array_add(problems, g_strdup("both RESOLVED and NOT RESOLVED were written: "
		                                   "send one"));
	if (e->state == CH_ESC_RESOLVED || e->state == CH_ESC_CLOSED) {
		g_autofree char *when = ch_clock_long_date(e->closed_at, "");
		g_ptr_array_add(problems, g_strdup_printf("this escalation was already closed on %s",
		                                          when));
	} else if (e->state == CH_ESC_UNRESOLVED) {
		/* Ended: the last stage passed and the coordinator was told. An answer now would
		 * reopen what the conference may already have closed on. */
		g_ptr_array_add(problems, g_strdup("this escalation has already ended as not "
		                                   "resolved: please contact the CP coordinator"));
	}
	if (!resolved && !unresolved && !*body)
		g_ptr_array_add(problems, g_strdup("the reply was empty"));
	else if (!resolved && !unresolved && from_chair)
		/* The chair was asked to decide; free text from the chair must not overwrite the
		 * answer they were asked about. */
		g_ptr_array_add(problems, g_strdup("neither RESOLVED nor NOT RESOLVED was found"));
}

/* RESOLVED: closed; the chair told unless the chair wrote it. */
static void apply_resolved(ChCase *c, ChEscalation *e, const ChCommand *resolved,
                           const char *now, gboolean from_chair, GString *done, ChEffects *fx)
{
	ch_set_str(&e->outcome, resolved->text ? resolved->text : "resolved");
	ch_set_str(&e->closed_at, now);
	g_clear_pointer(&e->next_at, g_free);
	set_esc_state(e, fx, CH_ESC_RESOLVED, e->outcome);
	g_string_append_printf(done, "  The escalation is closed as resolved.\n  Outcome: %s\n",
	                       e->outcome);
	/* The chair wrote it, or is told now: either way they know how it ended. */
	ch_set_str(&e->chair_told_at, now);
	if (from_chair)
		return;
	g_autofree char *key = g_strdup_printf("esc:%s:%d:closed", c->ref, e->attendee->n);
	ChIntent *i = ch_effects_intent(fx, "escalation_closed", c->chair_email, c->chair_name, key);
	ch_engine_base_vars(i, c);
	ch_intent_set(i, "agency", e->attendee->agency);
	ch_intent_set(i, "professional", e->attendee->name);
	ch_intent_set(i, "outcome", e->outcome);
}

/* NOT RESOLVED: the next stage at once, or past the last one, unresolved. */
/* The way a choice took, recorded and audited. */
static void esc_branch(ChEscalation *e, const char *way, ChEffects *fx)
{
	ch_effects_audit(fx, CH_AUDIT_CONCERN_BRANCH, esc_obj(e), e->branch, way,
	                 "the way the concern goes from its choice");
	ch_set_str(&e->branch, way);
	e->dirty = TRUE;
}

static void apply_not_resolved(ChCase *c, ChEscalation *e, const ChCommand *unresolved,
                               const char *body, const ChEngineCtx *ctx, gboolean from_chair,
                               GString *done, ChEffects *fx)
{
	g_autofree char *why = g_strdup(unresolved->text ? unresolved->text : "no reason given");
	ch_effects_audit(fx, CH_AUDIT_ESCALATION_NOT_RESOLVED, esc_obj(e), NULL, NULL, why);
	ch_set_str(&e->response, why);
	const char *way = NULL;
	int next = esc_next(ctx, e, body, &way);
	if (way)
		esc_branch(e, way, fx);
	if (next) {
		set_esc_state(e, fx, CH_ESC_OPEN, "climbs after NOT RESOLVED");
		enter_stage(c, e, next, ctx, fx);
		g_autofree char *due = ch_clock_long_date(e->due, "");
		g_autofree char *asked = g_strdelimit(g_strdup(e->asked), ";", ',');
		g_string_append_printf(done,
		                       "  Recorded as not resolved: %s\n"
		                       "  It moves to stage %d (%s); %s is asked to respond by %s.\n",
		                       why, next, esc_stage(ctx, e, next)->name,
		                       *asked ? asked : "nobody (admin told)", due);
		return;
	}
	g_string_append_printf(done,
	                       "  Recorded as not resolved: %s\n"
	                       "  This was the last stage; the CP coordinator and the chair are "
	                       "told.\n",
	                       why);
	end_unresolved(c, e, ctx, why, from_chair, fx);
}

/* An answer that is not a decision leaves the chair owing one. The procedures give the chair
 * no time for it; a chair expects the time the stage gave the person asked (5 working days
 * at the SLO's), then a reminder, then the CP coordinator told (ch_engine_escalation_due). */
static void confirm_clock(ChEscalation *e, const ChEngineCtx *ctx)
{
	const ChStage *st = esc_stage(ctx, e, e->stage);
	ChUnit unit = st ? st->unit : CH_UNIT_WORKING_DAYS;
	guint amount = st ? st->amount : 5;
	GDate due;
	g_autoptr(GDateTime) due_at = ch_calendar_deadline(ctx->cal, ctx->now, unit, amount, &due);
	g_free(e->confirm_due);
	e->confirm_due = ch_clock_format(due_at);
	g_clear_pointer(&e->confirm_reminded_at, g_free);
	g_free(e->next_at);
	e->next_at = unit == CH_UNIT_HOURS ? ch_clock_key(due_at) : ch_engine_after_due(ctx, &due);
	e->dirty = TRUE;
}

/* Free text: an answer, but not a decision. Keep it and let the chair decide. */
static void apply_answer(ChCase *c, ChEscalation *e, const char *body, const ChEngineCtx *ctx,
                         gboolean from_chair, GString *done, ChEffects *fx)
{
	g_autofree char *answer = g_utf8_substring(body, 0, MIN(g_utf8_strlen(body, -1), 2000));
	ch_set_str(&e->response, answer);
	confirm_clock(e, ctx);
	/* The answer itself goes on the audit line: the resolution form credits each stage
	 * with its own answer, not the latest. */
	set_esc_state(e, fx, CH_ESC_RESPONDED, answer);
	g_string_append(done, "  Your answer is recorded and the chair is asked to confirm "
	                      "whether it resolves the concern.\n");
	if (from_chair)
		return;
	g_autofree char *key = g_strdup_printf("esc:%s:%d:confirm:%s", c->ref, e->attendee->n,
	                                       ctx->event_id);
	ChIntent *i = ch_effects_intent(fx, "escalation_response", c->chair_email, c->chair_name,
	                                key);
	i->purpose = CH_PURPOSE_CONFIRM;
	i->esc = e;
	ch_engine_base_vars(i, c);
	ch_intent_set(i, "agency", e->attendee->agency);
	ch_intent_set(i, "professional", e->attendee->name);
	ch_intent_set(i, "response", answer);
}

/* ---- a meeting's date ---- */

static const char *const month_names[] = {
	"january", "february", "march", "april", "may", "june", "july", "august", "september",
	"october", "november", "december",
};

/* The month a word names (1-12: in full, or its first three letters), or 0. */
static int month_of(const char *w)
{
	for (int m = 0; m < 12; m++)
		if (!strcmp(w, month_names[m]) || (strlen(w) == 3 && !strncmp(w, month_names[m], 3)))
			return m + 1;
	return 0;
}

/* A day of the month ("12", "12th", "1st"), or 0. */
static int day_of(const char *w)
{
	char *end = NULL;
	gint64 d = g_ascii_strtoll(w, &end, 10);
	if (end == w || d < 1 || d > 31)
		return 0;
	if (*end && strcmp(end, "st") && strcmp(end, "nd") && strcmp(end, "rd") && strcmp(end, "th"))
		return 0;
	return (int)d;
}

static int year_of(const char *w)
{
	char *end = NULL;
	gint64 y = w ? g_ascii_strtoll(w, &end, 10) : 0;
	return w && end != w && !*end && y >= 2000 && y <= 2100 ? (int)y : 0;
}

/* "2027-01-12" or "12/01/2027" (day first, as in the UK): TRUE with d, m, y set. */
static gboolean numeric_date(const char *w, int *d, int *m, int *y)
{
	g_auto(GStrv) p = g_strsplit_set(w, "-/", 4);
	if (g_strv_length(p) != 3)
		return FALSE;
	guint64 n[3];
	for (int k = 0; k < 3; k++)
		if (!g_ascii_string_to_unsigned(p[k], 10, 1, 9999, &n[k], NULL))
			return FALSE;
	gboolean iso = strchr(w, '-') != NULL;
	*y = (int)(iso ? n[0] : n[2]);
	*m = (int)n[1];
	*d = (int)(iso ? n[2] : n[0]);
	return *y >= 2000 && *y <= 2100 && *m <= 12 && *d <= 31;
}

/* A date without a year is the one nearest today: "12 January" written in December is next
 * January's, "3 December" written on the 5th is this year's. */
static gboolean make_date(int d, int m, int y, const GDate *today, GDate *out)
{
	int year = y ? y : g_date_get_year(today);
	if (!g_date_valid_dmy(d, m, year))
		return FALSE;
	g_date_clear(out, 1);
	g_date_set_dmy(out, d, m, year);
	if (!y && g_date_days_between(today, out) < -183)
		g_date_add_years(out, 1);
	else if (!y && g_date_days_between(today, out) > 183)
		g_date_subtract_years(out, 1);
	return g_date_valid(out);
}

/* The first date written in `text`, as a person writes one: "12 January 2027", "Tuesday
 * 12th January", "January 12, 2027", "12/01/2027" (day first, as in the UK), "2027-01-12". */
static gboolean find_date(const char *text, const GDate *today, GDate *out)
{
	g_autofree char *low = g_ascii_strdown(text, -1);
	g_auto(GStrv) w = g_strsplit_set(low, " \t\r\n,.;:()", -1);
	GPtrArray *words = g_ptr_array_new();
	for (char **p = w; *p; p++)
		if (**p)
			g_ptr_array_add(words, *p);
	gboolean found = FALSE;
	for (guint k = 0; !found && k < words->len; k++) {
		const char *a = words->pdata[k];
		const char *b = k + 1 < words->len ? words->pdata[k + 1] : NULL;
		const char *y = k + 2 < words->len ? words->pdata[k + 2] : NULL;
		int d1, m1, y1;
		if (numeric_date(a, &d1, &m1, &y1))
			found = make_date(d1, m1, y1, today, out);
		else if (b && day_of(a) && month_of(b))
			found = make_date(day_of(a), month_of(b), year_of(y), today, out);
		else if (b && month_of(a) && day_of(b) && strlen(a) > 3)
			found = make_date(day_of(b), month_of(a), year_of(y), today, out);
	}
	g_ptr_array_free(words, TRUE);
	return found;
}

/* At a stage whose person sets a meeting, a reply naming its date: the date is recorded
 * and the escalation keeps its clock on it: the working day after the meeting they are
 * asked for the outcome (ch_engine_escalation_due), then chased. FALSE when this is not
 * such a stage or no date is written: the reply is an ordinary answer. */
static gboolean meeting_set(ChCase *c, ChEscalation *e, const char *body,
                            const ChEngineCtx *ctx, GString *done, ChEffects *fx)
{
	const ChStage *st = esc_stage(ctx, e, e->stage);
	GDate today, meeting;
	ch_clock_local_date(ctx->now, &today);
	if (!st || !st->meeting || e->state != CH_ESC_OPEN || !find_date(body, &today, &meeting))
		return FALSE;
	g_autofree char *answer = g_utf8_substring(body, 0, MIN(g_utf8_strlen(body, -1), 2000));
	g_autofree char *date = ch_date_format(&meeting);
	g_autofree char *date_long = ch_date_format_long(&meeting);
	ch_set_str(&e->response, answer);
	ch_set_str(&e->meeting_date, date);
	ch_set_str(&e->due, date);
	g_clear_pointer(&e->outcome_asked_at, g_free);
	g_clear_pointer(&e->chased_at, g_free);
	e->chasers = 0;
	/* A meeting already held (or today) is asked about the next working day. */
	const GDate *ask_after = g_date_compare(&meeting, &today) < 0 ? &today : &meeting;
	g_free(e->next_at);
	e->next_at = ch_engine_after_due(ctx, ask_after);
	e->dirty = TRUE;
	fx->changed = TRUE;
	ch_effects_audit(fx, CH_AUDIT_ESCALATION_MEETING_SET, esc_obj(e), NULL, date,
	                 "the meeting's date; its outcome is asked for the working day after");
	g_string_append_printf(done,
	                       "  The meeting's date is recorded: %s.\n"
	                       "  The working day after it you will be asked for its outcome "
	                       "(RESOLVED or NOT RESOLVED).\n",
	                       date_long);
	return TRUE;
}

ChReplyResult ch_engine_escalation_reply(ChCase *c, ChEscalation *e, const ChEngineCtx *ctx,
                                         const char *sender, gboolean from_chair,
                                         const char *text, ChEffects *fx)
{
	g_autoptr(ChCommands) cmds = ch_commands_parse_slo(text);
	g_autofree char *about = g_strdup_printf("the escalation of line %d (%s, %s)",
	                                         e->attendee->n, e->attendee->name,
	                                         e->attendee->agency);
	ChCommand *resolved = NULL, *unresolved = NULL, *set_aside = NULL;
	for (guint k = 0; k < cmds->commands->len; k++) {
		ChCommand *cmd = cmds->commands->pdata[k];
		if (cmd->kind == CH_CMD_RESOLVED && !resolved)
			resolved = cmd;
		if (cmd->kind == CH_CMD_NOT_RESOLVED && !unresolved)
			unresolved = cmd;
		if (cmd->kind == CH_CMD_SET_ASIDE && !set_aside)
			set_aside = cmd;
	}
	/* The quality assurance group's options, at a stage whose rules name them. */
	const ChStage *here = esc_stage(ctx, e, e->stage);
	guint options = here && !from_chair && !unresolved && e->state == CH_ESC_OPEN
	                    ? ch_commands_options(text) & here->outcomes & CH_OUTCOME_QASG
	                    : 0;
	g_autofree char *body = g_strstrip(g_strdup(text ? text : ""));
	g_autoptr(GPtrArray) problems = g_ptr_array_new_with_free_func(g_free);
	for (guint k = 0; k < cmds->problems->len; k++)
		g_ptr_array_add(problems, g_strdup(cmds->problems->pdata[k]));
	ch_engine_outcome_problems(c, e, ctx, set_aside, resolved || unresolved, sender,
	                           from_chair, problems);
	if (!set_aside || problems->len)
		reply_problems(e, resolved, unresolved, body, from_chair, problems);
	else if (e->state != CH_ESC_OPEN)
		g_ptr_array_add(problems, g_strdup("this escalation is no longer waiting for the Lead "
		                                   "Safeguarding Manager"));
	if (problems->len) {
		g_autofree char *quoted = ch_commands_quote(cmds, text);
		ch_notice_not_understood(c, ctx, sender, about, quoted, NULL, problems,
		                         slo_example_for(cmds), NULL, fx);
		return CH_REPLY_NOT_UNDERSTOOD;
	}
	g_autofree char *now = ch_engine_now_str(ctx);
	g_autoptr(GString) done = g_string_new(NULL);
	ChReplyResult result = CH_REPLY_APPLIED;
	gboolean was_finished = ch_esc_state_finished(e->state);
	if (!e->responded_at)
		ch_set_str(&e->responded_at, now);
	if (set_aside)
		ch_engine_apply_set_aside(c, e, set_aside, sender, ctx, done, fx);
	else if (options && !resolved)
		ch_engine_apply_options(c, e, options, body, ctx, done, fx);
	else if (resolved) {
		/* RESOLVED naming the group's options: they are recorded, and the chair's feedback
		 * is the usual closing mail. */
		if (options)
			ch_engine_record_options(e, options, resolved->text ? resolved->text : body, fx);
		apply_resolved(c, e, resolved, now, from_chair, done, fx);
	}
	else if (unresolved)
		apply_not_resolved(c, e, unresolved, body, ctx, from_chair, done, fx);
	else if (!from_chair && meeting_set(c, e, body, ctx, done, fx))
		result = CH_REPLY_RECORDED;
	else {
		apply_answer(c, e, body, ctx, from_chair, done, fx);
		result = CH_REPLY_RECORDED;
	}
	ch_notice_transcript(c, ctx, sender, about, done->str, fx);
	/* The concern ended with this answer: the resolution form, after the sender's
	 * transcript. */
	if (!was_finished && ch_esc_state_finished(e->state))
		ch_engine_form_if_ended(c, ctx, fx);
	return result;
}

/* A chaser to whoever is asked at this stage. */
static void chase(ChCase *c, ChEscalation *e, const ChStage *st, const ChEngineCtx *ctx,
                  ChEffects *fx)
{
	g_autofree char *now = ch_engine_now_str(ctx);
	GDate today;
	ch_clock_local_date(ctx->now, &today);
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
	g_auto(GStrv) each = asked_each(e);
	for (guint k = 0; each[k]; k++) {
		g_autofree char *key = k ? g_strdup_printf("esc:%s:%d:stage%d:chaser%d:%u", c->ref,
		                                           e->attendee->n, e->stage, e->chasers, k)
		                         : g_strdup_printf("esc:%s:%d:stage%d:chaser%d", c->ref,
		                                           e->attendee->n, e->stage, e->chasers);
		ChIntent *i = ch_effects_intent(fx, e->procedure ? "concern_chaser" : "escalation_chaser",
		                                each[k],
		                                k ? NULL : ch_engine_role_greeting(c, e->attendee, st->ask),
		                                key);
		escalation_vars(i, c, e, st);
	}
}

/* Silence after the chasers: the next stage is asked, and the chair told. */
static void climb(ChCase *c, ChEscalation *e, int next, const ChEngineCtx *ctx, ChEffects *fx)
{
	ch_effects_audit(fx, CH_AUDIT_ESCALATION_CLIMBS, esc_obj(e), NULL, NULL,
	                 "no answer after the chaser: the next stage is asked");
	int from = e->stage;
	enter_stage(c, e, next, ctx, fx);
	g_autofree char *key = g_strdup_printf("esc:%s:%d:climbed%d", c->ref, e->attendee->n, next);
	ChIntent *i = ch_effects_intent(fx, "escalation_climbed", c->chair_email, c->chair_name,
	                                key);
	escalation_vars(i, c, e, esc_stage(ctx, e, next));
	/* For the chair to know, not to answer: the stage's own message asks. */
	i->purpose = CH_PURPOSE_NONE;
	i->esc = NULL;
	g_autofree char *from_s = g_strdup_printf("%d", from);
	ch_intent_set(i, "from_stage", from_s);
	ch_intent_set(i, "asked", *e->asked ? e->asked : "nobody (admin told)");
}

/* The chair has not confirmed whether an answer resolves the concern: first a reminder to
 * the chair with the answer again, a working day's grace, then the CP coordinator is told,
 * and told again each time the stage's time passes while nothing comes: never silent. */
static gboolean confirm_due(ChCase *c, ChEscalation *e, const ChEngineCtx *ctx, ChEffects *fx)
{
	g_autofree char *now = ch_engine_now_str(ctx);
	GDate today;
	ch_clock_local_date(ctx->now, &today);
	g_autofree char *day = ch_date_format(&today);
	e->dirty = TRUE;
	fx->changed = TRUE;
	g_free(e->next_at);
	/* An answer recorded before the chair's decision had a time of its own: the stage's
	 * due date is the nearest thing to one. */
	if (!e->confirm_due)
		e->confirm_due = g_strdup(e->due);
	if (!e->confirm_reminded_at) {
		ch_set_str(&e->confirm_reminded_at, now);
		e->next_at = ch_engine_after_due(ctx, &today);
		ch_effects_audit(fx, CH_AUDIT_ESCALATION_CONFIRM_REMINDED, esc_obj(e), NULL,
		                 c->chair_email,
		                 "the chair has not confirmed whether the answer resolves the concern");
		g_autofree char *key = g_strdup_printf("esc:%s:%d:confirm-reminder:%s", c->ref,
		                                       e->attendee->n, e->confirm_due);
		ChIntent *i = ch_effects_intent(fx, "escalation_confirm_reminder", c->chair_email,
		                                c->chair_name, key);
		i->purpose = CH_PURPOSE_CONFIRM;
		i->esc = e;
		ch_engine_base_vars(i, c);
		g_autofree char *due = ch_clock_long_date(e->confirm_due, "");
		ch_intent_set(i, "agency", e->attendee->agency);
		ch_intent_set(i, "professional", e->attendee->name);
		ch_intent_set(i, "response", e->response);
		ch_intent_set(i, "due", due);
		return TRUE;
	}
	const ChStage *st = esc_stage(ctx, e, e->stage);
	GDate again;
	g_autoptr(GDateTime) again_at = ch_calendar_deadline(
		ctx->cal, ctx->now, st ? st->unit : CH_UNIT_WORKING_DAYS, st ? st->amount : 5, &again);
	e->next_at = st && st->unit == CH_UNIT_HOURS ? ch_clock_key(again_at)
	                                             : ch_engine_after_due(ctx, &again);
	ch_effects_audit(fx, CH_AUDIT_ESCALATION_CONFIRM_OVERDUE, esc_obj(e), NULL,
	                 ch_engine_coordinator_or_admin(ctx),
	                 "the chair was reminded and has still not confirmed");
	g_autofree char *what = g_strdup_printf("confirm whether the answer about line %d (%s) "
	                                        "resolves the concern raised",
	                                        e->attendee->n, e->attendee->agency);
	g_autofree char *key = g_strdup_printf("esc:%s:%d:confirm-overdue:%s", c->ref,
	                                       e->attendee->n, day);
	ch_notice_chair_overdue(c, ctx, what, e->confirm_due, e->confirm_reminded_at, key, fx);
	return TRUE;
}

/* The working day after the meeting: the person asked is asked for its outcome, and has
 * the stage's time to give it; then chased like any answer at the stage. */
static void ask_outcome(ChCase *c, ChEscalation *e, const ChStage *st, const ChEngineCtx *ctx,
                        ChEffects *fx)
{
	g_autofree char *now = ch_engine_now_str(ctx);
	ChUnit unit = st ? st->unit : CH_UNIT_WORKING_DAYS;
	guint amount = st ? st->amount : 1;
	GDate due;
	g_autoptr(GDateTime) due_at = ch_calendar_deadline(ctx->cal, ctx->now, unit, amount, &due);
	g_autofree char *meeting_long = ch_clock_long_date(e->meeting_date, "");
	ch_set_str(&e->outcome_asked_at, now);
	g_free(e->due);
	e->due = ch_date_format(&due);
	g_clear_pointer(&e->chased_at, g_free);
	e->chasers = 0;
	g_free(e->next_at);
	e->next_at = unit == CH_UNIT_HOURS ? ch_clock_key(due_at) : ch_engine_after_due(ctx, &due);
	e->dirty = TRUE;
	fx->changed = TRUE;
	ch_effects_audit(fx, CH_AUDIT_ESCALATION_OUTCOME_ASKED, esc_obj(e), NULL, e->asked,
	                 "the meeting's date has passed: its outcome is asked for");
	g_auto(GStrv) each = asked_each(e);
	for (guint k = 0; each[k]; k++) {
		g_autofree char *key = k ? g_strdup_printf("esc:%s:%d:stage%d:outcome:%s:%u", c->ref,
		                                           e->attendee->n, e->stage, e->meeting_date, k)
		                         : g_strdup_printf("esc:%s:%d:stage%d:outcome:%s", c->ref,
		                                           e->attendee->n, e->stage, e->meeting_date);
		ChIntent *i = ch_effects_intent(
			fx, e->procedure ? "concern_meeting_outcome" : "escalation_meeting_outcome", each[k],
			st && !k ? ch_engine_role_greeting(c, e->attendee, st->ask) : NULL, key);
		if (st)
			escalation_vars(i, c, e, st);
		ch_intent_set(i, "meeting", meeting_long);
	}
}

/* Silence at the last stage of a ladder whose rules say remind: the person asked is
 * reminded, and the CP coordinator (else admin) told that the concern still waits, again
 * every remind_every working days until somebody answers. Each mail's key carries the day,
 * so a second tick that day sends nothing new. */
static void remind_silence(ChCase *c, ChEscalation *e, const ChStage *st,
                           const ChEngineCtx *ctx, ChEffects *fx)
{
	GDate today, next;
	ch_clock_local_date(ctx->now, &today);
	ch_calendar_add_working_days(ctx->cal, &today, st->remind_days, &next);
	g_autofree char *day = ch_date_format(&today);
	g_autofree char *next_long = ch_date_format_long(&next);
	g_free(e->next_at);
	e->next_at = ch_engine_working_start(ctx, &next);
	e->dirty = TRUE;
	fx->changed = TRUE;
	const char *coordinator = ch_engine_coordinator_or_admin(ctx);
	ch_effects_audit(fx, CH_AUDIT_ESCALATION_SILENCE_REMINDED, esc_obj(e), NULL, coordinator,
	                 "no answer at the last stage: reminded, and told again until answered");
	g_auto(GStrv) each = asked_each(e);
	for (guint k = 0; each[k]; k++) {
		g_autofree char *key = k ? g_strdup_printf("esc:%s:%d:stage%d:silence:%s:%u", c->ref,
		                                           e->attendee->n, e->stage, day, k)
		                         : g_strdup_printf("esc:%s:%d:stage%d:silence:%s", c->ref,
		                                           e->attendee->n, e->stage, day);
		ChIntent *i = ch_effects_intent(
			fx, e->procedure ? "concern_still_open" : "escalation_still_open", each[k],
			k ? NULL : ch_engine_role_greeting(c, e->attendee, st->ask), key);
		escalation_vars(i, c, e, st);
		ch_intent_set(i, "next", next_long);
	}
	if (!coordinator)
		return;
	g_autofree char *key = g_strdup_printf("esc:%s:%d:stage%d:silence-told:%s", c->ref,
	                                       e->attendee->n, e->stage, day);
	ChIntent *i = ch_effects_intent(fx, "escalation_silent", coordinator, NULL, key);
	escalation_vars(i, c, e, st);
	/* For the coordinator to follow up, not to answer in the asked person's place. */
	i->purpose = CH_PURPOSE_NONE;
	i->esc = NULL;
	ch_intent_set(i, "asked", e->asked && *e->asked ? e->asked : "nobody (admin told)");
	ch_intent_set(i, "next", next_long);
}

gboolean ch_engine_escalation_due(ChCase *c, ChEscalation *e, const ChEngineCtx *ctx,
                                  ChEffects *fx)
{
	const ChStage *st = esc_stage(ctx, e, e->stage);
	if (ch_escalation_reconvene_owed(e)) {
		ch_engine_reconvene_chase(c, e, ctx, fx);
		return TRUE;
	}
	if (e->state == CH_ESC_RESPONDED)
		return confirm_due(c, e, ctx, fx);
	if (e->state != CH_ESC_OPEN) {
		g_clear_pointer(&e->next_at, g_free);
		e->dirty = TRUE;
		return FALSE;
	}
	if (e->meeting_date && !e->outcome_asked_at) {
		ask_outcome(c, e, st, ctx, fx);
		return TRUE;
	}
	/* A stage the rules no longer have (the file was changed) is past the last one: the
	 * escalation must not sit open without a clock. */
	if (st && (guint)e->chasers < st->chasers) {
		chase(c, e, st, ctx, fx);
		return TRUE;
	}
	const char *way = NULL;
	int next = esc_next(ctx, e, NULL, &way);
	if (way)
		esc_branch(e, way, fx);
	if (next) {
		climb(c, e, next, ctx, fx);
		return TRUE;
	}
	/* The last stage: silence ends nothing silently. The rules say whether it is reminded
	 * until somebody answers, or ends as unresolved with the chair and coordinator told. */
	if (st && st->on_silence == CH_SILENCE_REMIND) {
		remind_silence(c, e, st, ctx, fx);
		return TRUE;
	}
	end_unresolved(c, e, ctx, "no answer by the due date of the last stage", FALSE, fx);
	ch_engine_form_if_ended(c, ctx, fx);
	return TRUE;
}

/* ---- answers ---- */

/* Without a token: the person asked at an open escalation's stage, when they are asked about
 * one only: with two, an answer without its token cannot say which it closes. */
static gpointer escalation_awaited(const ChCase *c, const char *from, ChDomainCheck owns,
                                   gpointer owns_data, gboolean *ambiguous_r)
{
	ChEscalation *only = NULL;
	guint n = 0;
	for (guint i = 0; i < c->escalations->len; i++) {
		ChEscalation *e = c->escalations->pdata[i];
		if (e->state == CH_ESC_OPEN && is_asked(e, from))
			only = e, n++;
	}
	if (n > 1)
		*ambiguous_r = TRUE;
	return n == 1 ? only : NULL;
}

static ChReplyResult answer_escalation(ChCase *c, gpointer object, const ChEngineCtx *ctx,
                                       const ChAnswer *a, ChEffects *fx)
{
	return ch_engine_escalation_reply(c, object, ctx, a->sender, FALSE, a->text, fx);
}

static ChReplyResult answer_confirm(ChCase *c, gpointer object, const ChEngineCtx *ctx,
                                    const ChAnswer *a, ChEffects *fx)
{
	return ch_engine_escalation_reply(c, object, ctx, a->sender, TRUE, a->text, fx);
}

const ChKind ch_kinds_escalations[] = {
	{ CH_PURPOSE_ESCALATION, CH_OBJ_ESCALATION, TRUE, FALSE,
	  "reply names an escalation that is not there", escalation_awaited, answer_escalation },
	{ CH_PURPOSE_CONFIRM, CH_OBJ_ESCALATION, TRUE, FALSE,
	  "reply names an escalation that is not there", NULL, answer_confirm },
};
const guint ch_kinds_escalations_n = G_N_ELEMENTS(ch_kinds_escalations);

/* ---- a concern between agencies, raised by a professional (003) ---- */

gboolean ch_engine_concern_line(const char *own_text, char **agency_r, char **about_r)
{
	g_auto(GStrv) lines = g_strsplit(own_text ? own_text : "", "\n", -1);
	for (char **l = lines; *l; l++) {
		char *line = g_strstrip(*l);
		if (g_ascii_strncasecmp(line, "CONCERN ", 8))
			continue;
		char *colon = strchr(line + 8, ':');
		if (!colon)
			continue;
		g_autofree char *agency = g_strstrip(g_strndup(line + 8, colon - line - 8));
		g_autofree char *about = g_strstrip(g_strdup(colon + 1));
		if (!*agency || !*about)
			continue;
		*agency_r = g_steal_pointer(&agency);
		*about_r = g_steal_pointer(&about);
		return TRUE;
	}
	return FALSE;
}

/* The line of the distribution list that stands for `agency`: its first professional. */
static ChAttendee *agency_line(const ChCase *c, const char *agency)
{
	for (guint k = 0; k < c->attendees->len; k++) {
		ChAttendee *a = c->attendees->pdata[k];
		if (a->agency && !g_ascii_strcasecmp(a->agency, agency))
			return a;
	}
	return NULL;
}

ChEscalation *ch_engine_concern_start(ChCase *c, const ChEngineCtx *ctx, const char *raiser,
                                      const char *agency, const char *about, GString *done,
                                      ChEffects *fx, GError **error)
{
	if (!ctx->concern_rules) {
		g_set_error(error, CH_ERROR, CH_ERROR_CONFIG, "no %s.rules in the rules folders: a "
		            "concern between agencies has no ladder to climb", CH_CONCERN_PROCEDURE);
		return NULL;
	}
	ChAttendee *other = agency_line(c, agency);
	if (!other) {
		g_set_error(error, CH_ERROR, CH_ERROR_USAGE, "nobody from %s is on the distribution "
		            "list of %s: the other side of a concern must be on it", agency, c->ref);
		return NULL;
	}
	/* The raising side: their own line of the list, when they have one. */
	const ChAttendee *mine = NULL;
	for (guint k = 0; k < c->attendees->len; k++) {
		const ChAttendee *a = c->attendees->pdata[k];
		if (ch_engine_same_addr(a->email, raiser))
			mine = a;
	}
	if (mine && !g_ascii_strcasecmp(mine->agency, other->agency)) {
		g_set_error(error, CH_ERROR, CH_ERROR_USAGE, "%s is of %s itself: a concern is between "
		            "two agencies", raiser, other->agency);
		return NULL;
	}
	ChEscalation *was = ch_case_escalation_for(c, other->n);
	if (was) {
		g_set_error(error, CH_ERROR, CH_ERROR_USAGE, "line %d (%s) already has an escalation "
		            "(stage %d, %s): one at a time", other->n, other->agency, was->stage,
		            ch_esc_state_name(was->state));
		return NULL;
	}
	g_autofree char *now = ch_engine_now_str(ctx);
	ChEscalation *e = g_new0(ChEscalation, 1);
	e->attendee = other;
	e->attendee_id = other->id;
	e->state = CH_ESC_OPEN;
	e->raised_at = g_strdup(now);
	e->reasons = g_new0(char *, 1);
	e->comment = g_utf8_substring(about, 0, MIN(g_utf8_strlen(about, -1), 2000));
	e->procedure = g_strdup(CH_CONCERN_PROCEDURE);
	e->raiser = g_ascii_strdown(raiser, -1);
	e->raiser_agency = mine ? g_strdup(mine->agency) : NULL;
	e->raiser_manager = mine && mine->lead_email ? g_strdup(mine->lead_email) : NULL;
	e->raiser_slo = mine && mine->slo_email ? g_strdup(mine->slo_email) : NULL;
	e->dirty = TRUE;
	g_ptr_array_add(c->escalations, e);
	ch_engine_reopen(c, fx);
	ch_effects_audit(fx, CH_AUDIT_CONCERN_RAISED, esc_obj(e), NULL, other->agency,
	                 "a concern between agencies, raised by a professional on the roster");
	enter_stage(c, e, 1, ctx, fx);
	g_autofree char *due = ch_clock_long_date(e->due, "");
	g_autofree char *asked = g_strdelimit(g_strdup(e->asked), ";", ',');
	g_string_append_printf(done,
	                       "  A concern between %s and %s is raised (about line %d, %s).\n"
	                       "  Stage 1 (%s): %s asked to agree a plan by %s.\n",
	                       e->raiser_agency ? e->raiser_agency : "your agency", other->agency,
	                       other->n, other->name,
	                       ch_rules_stage(ctx->concern_rules, 1)->name,
	                       *asked ? asked : "nobody (admin told)", due);
	return e;
}

ChReplyResult ch_engine_concern_mail(ChCase *c, const ChEngineCtx *ctx, const char *sender,
                                     const char *own_text, ChEffects *fx)
{
	g_autofree char *agency = NULL, *about = NULL;
	g_autoptr(GString) done = g_string_new(NULL);
	GError *local = NULL;
	const char *what = "your concern between agencies";
	if (ch_engine_concern_line(own_text, &agency, &about) &&
	    ch_engine_concern_start(c, ctx, sender, agency, about, done, fx, &local)) {
		ch_notice_transcript(c, ctx, sender, what, done->str, fx);
		return CH_REPLY_APPLIED;
	}
	g_autoptr(GPtrArray) problems = g_ptr_array_new_with_free_func(g_free);
	g_ptr_array_add(problems, g_strdup(local ? local->message
	                                         : "no line 'CONCERN <agency>: <what it is about>'"));
	g_clear_error(&local);
	ch_notice_not_understood(c, ctx, sender, what, NULL, NULL, problems,
	                         "  CONCERN Northshire Health: the plan for the home visits", NULL,
	                         fx);
	return CH_REPLY_NOT_UNDERSTOOD;
}
