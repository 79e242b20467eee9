#include "engine/kinds.h"

#include "engine/engine-private.h"

#include <string.h>

/* Each file of the engine holds the kinds of answer it decides (engine-private.h); these are
 * gathered in the order a message without a token is tried: the chair's answer to the list
 * first (the chair may also be asked about an escalation), then a report an agency owes, then
 * an escalation's answer. */
static const struct {
	const ChKind *kinds;
	const guint *n;
} sets[] = {
	{ ch_kinds_lists, &ch_kinds_lists_n },
	{ ch_kinds_reports, &ch_kinds_reports_n },
	{ ch_kinds_escalations, &ch_kinds_escalations_n },
};

/* The i-th kind across the sets, or NULL past the last. */
static const ChKind *nth_kind(guint i)
{
	for (guint s = 0; s < G_N_ELEMENTS(sets); s++) {
		if (i < *sets[s].n)
			return &sets[s].kinds[i];
		i -= *sets[s].n;
	}
	return NULL;
}

gboolean ch_kind_owing_domain(const ChCase *c, const char *from, ChDomainCheck owns,
                              gpointer owns_data)
{
	const char *d = ch_engine_domain_of(from);
	for (guint i = 0; d && owns && i < c->reports->len; i++) {
		ChReport *r = c->reports->pdata[i];
		if (ch_engine_report_owed(r) && owns(owns_data, r->agency_id, d))
			return TRUE;
	}
	return FALSE;
}

const ChKind *ch_kind(ChPurpose purpose)
{
	const ChKind *k;
	for (guint i = 0; (k = nth_kind(i)); i++)
		if (k->purpose == purpose)
			return k;
	return NULL;
}

gboolean ch_purpose_stage_bound(ChPurpose purpose)
{
	const ChKind *k = ch_kind(purpose);
	return k && k->stage_bound && k->object == CH_OBJ_ESCALATION;
}

/* The conference itself, or one of its escalations or reports by id. */
static gpointer object_in(ChObjKind kind, const ChCase *c, gint64 id)
{
	switch (kind) {
	case CH_OBJ_CONFERENCE:
		return (gpointer)c;
	case CH_OBJ_ESCALATION:
		return ch_case_escalation(c, id);
	case CH_OBJ_REPORT:
		return ch_case_report(c, id);
	default:
		return NULL;
	}
}

gpointer ch_kind_object(const ChKind *k, const ChCase *c, gint64 id)
{
	return object_in(k->object, c, id);
}

gint64 ch_kind_object_id(const ChKind *k, gconstpointer object)
{
	switch (k->object) {
	case CH_OBJ_ESCALATION:
		return ((const ChEscalation *)object)->id;
	case CH_OBJ_REPORT:
		return ((const ChReport *)object)->id;
	default:
		return 0;
	}
}

const ChKind *ch_kind_tokenless(const ChCase *c, const char *from, ChDomainCheck owns,
                                gpointer owns_data, gpointer *object_r, gboolean *ambiguous_r)
{
	*object_r = NULL;
	*ambiguous_r = FALSE;
	if (!from)
		return NULL;
	const ChKind *k;
	for (guint i = 0; (k = nth_kind(i)); i++) {
		gpointer o = k->tokenless ? k->tokenless(c, from, owns, owns_data, ambiguous_r) : NULL;
		if (o) {
			*object_r = o;
			return k;
		}
	}
	return NULL;
}

/* ---- timers ---- */

static const char *conference_next(const ChCase *c, gconstpointer object)
{
	return c->next_at;
}

static const char *escalation_next(const ChCase *c, gconstpointer object)
{
	return ((const ChEscalation *)object)->next_at;
}

static const char *report_next(const ChCase *c, gconstpointer object)
{
	return ((const ChReport *)object)->next_at;
}

static const char *high_risk_next(const ChCase *c, gconstpointer object)
{
	return ((const ChReport *)object)->high_risk_next_at;
}

static gboolean conference_due(ChCase *c, gpointer object, const ChEngineCtx *ctx,
                               ChEffects *fx)
{
	return ch_engine_conference_due(c, ctx, fx);
}

static gboolean escalation_due(ChCase *c, gpointer object, const ChEngineCtx *ctx,
                               ChEffects *fx)
{
	return ch_engine_escalation_due(c, object, ctx, fx);
}

static gboolean report_due(ChCase *c, gpointer object, const ChEngineCtx *ctx, ChEffects *fx)
{
	return ch_engine_report_due(c, object, ctx, fx);
}

static gboolean high_risk_due(ChCase *c, gpointer object, const ChEngineCtx *ctx,
                              ChEffects *fx)
{
	return ch_engine_high_risk_due(c, object, ctx, fx);
}

/* A report has two clocks: its own (request, review) and, once marked high risk, the one for
 * deciding who addresses it; each is a timer, so neither waits on the other. */
static const ChTimer timers[] = {
	{ CH_OBJ_CONFERENCE, "conference", conference_next, conference_due },
	{ CH_OBJ_ESCALATION, "escalation", escalation_next, escalation_due },
	{ CH_OBJ_REPORT, "report", report_next, report_due },
	{ CH_OBJ_REPORT, "high_risk", high_risk_next, high_risk_due },
};

const ChTimer *ch_timer(ChObjKind object)
{
	for (guint i = 0; i < G_N_ELEMENTS(timers); i++)
		if (timers[i].object == object)
			return &timers[i];
	return NULL;
}

const ChTimer *ch_timer_named(const char *name)
{
	for (guint i = 0; name && i < G_N_ELEMENTS(timers); i++)
		if (!strcmp(timers[i].name, name))
			return &timers[i];
	return NULL;
}

gpointer ch_timer_object(const ChTimer *t, ChCase *c, gint64 id)
{
	return object_in(t->object, c, id);
}
