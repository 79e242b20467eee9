/* The engine's shared helpers (engine-private.h): dates, who a role is, the conference's
 * state. Pure. */
#include "engine/engine-private.h"

#include <string.h>

#include "util/clock.h"

char *ch_engine_now_str(const ChEngineCtx *ctx)
{
	return ch_clock_format(ctx->now);
}

void ch_engine_set_state(ChCase *c, ChEffects *fx, ChConfState state)
{
	ch_effects_audit(fx, CH_AUDIT_CONFERENCE_STATE, CH_OBJ_NAMED(CH_OBJ_CONFERENCE, c->ref),
	                 ch_conf_state_name(c->state), ch_conf_state_name(state), NULL);
	c->state = state;
	c->dirty = TRUE;
	fx->changed = TRUE;
}

void ch_engine_reopen(ChCase *c, ChEffects *fx)
{
	if (c->state != CH_CONF_CLOSED)
		return;
	g_clear_pointer(&c->closed_at, g_free);
	ch_engine_set_state(c, fx, CH_CONF_AUTHORISED);
}

const ChRules *ch_engine_esc_rules(const ChEngineCtx *ctx, const ChEscalation *e)
{
	return e->procedure ? ctx->concern_rules : ctx->rules;
}

const ChStage *ch_engine_esc_stage(const ChEngineCtx *ctx, const ChEscalation *e)
{
	const ChRules *r = ch_engine_esc_rules(ctx, e);
	return r ? ch_rules_stage(r, e->stage) : NULL;
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
	case CH_ROLE_OF_RAISER:
		/* Of the concern, not the case: ch_engine_concern_address() reads it. */
		return NULL;
	}
	if (!v && info->fallback != role)
		return ch_engine_role_address(c, a, ctx, info->fallback);
	return v;
}

/* How a message to the role greets them: their name where the case has one, else the
 * role's title (or NULL, for "colleague"). */
const char *ch_engine_role_greeting(const ChCase *c, const ChAttendee *a, ChRole role)
{
	const ChRoleInfo *info = ch_role_info(role);
	if (!info || !info->name_at)
		return NULL;
	const char *name = info->source == CH_ROLE_OF_CASE ? field_at(c, info->name_at)
	                                                   : field_at(a, info->name_at);
	return name ? name : info->title;
}

const char *ch_engine_coordinator_or_admin(const ChEngineCtx *ctx)
{
	return ctx->people[CH_ROLE_CP_COORDINATOR] ? ctx->people[CH_ROLE_CP_COORDINATOR]
	                                           : ctx->people[CH_ROLE_ADMIN];
}

char *ch_engine_working_start(const ChEngineCtx *ctx, const GDate *d)
{
	g_autoptr(GDateTime) t = g_date_time_new(ch_clock_zone(), g_date_get_year(d),
	                                         g_date_get_month(d), g_date_get_day(d),
	                                         ctx->hours_start / 60, ctx->hours_start % 60, 0);
	return ch_clock_key(t);
}

char *ch_engine_after_due(const ChEngineCtx *ctx, const GDate *due)
{
	GDate next;
	ch_calendar_add_working_days(ctx->cal, due, 1, &next);
	return ch_engine_working_start(ctx, &next);
}

void ch_engine_base_vars(ChIntent *i, const ChCase *c)
{
	g_autofree char *held = ch_clock_long_date(c->held, "");
	ch_intent_set(i, "ref", c->ref);
	ch_intent_set(i, "held", held);
	ch_intent_set(i, "chair_name", c->chair_name ? c->chair_name : "the chair");
}

gboolean ch_engine_same_addr(const char *a, const char *b)
{
	return a && b && !g_ascii_strcasecmp(a, b);
}

const char *ch_engine_domain_of(const char *addr)
{
	const char *at = addr ? strrchr(addr, '@') : NULL;
	return at ? at + 1 : NULL;
}
