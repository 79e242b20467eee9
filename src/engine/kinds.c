#include "engine/kinds.h"

#include <string.h>

#include "engine/engine-private.h"

static const char *domain_of(const char *addr)
{
	const char *at = addr ? strrchr(addr, '@') : NULL;
	return at ? at + 1 : NULL;
}

static gboolean same(const char *a, const char *b)
{
	return a && b && !g_ascii_strcasecmp(a, b);
}

/* ---- who may answer without a token ---- */

/* The chair, while the list waits for them. */
static gpointer chair_awaited(const ChCase *c, const char *from, ChDomainCheck owns,
                              gpointer owns_data, gboolean *ambiguous_r)
{
	return same(from, c->chair_email) && c->state == CH_CONF_LIST_SENT ? (gpointer)c : NULL;
}

/* An agency that owes a report: its people on the list, its SLO or lead, or an address in
 * its own mail domain. The first owed report of theirs is the one they are sending. */
static gboolean report_theirs(const ChCase *c, const ChReport *r, const char *from,
                              ChDomainCheck owns, gpointer owns_data)
{
	for (guint k = 0; k < c->attendees->len; k++) {
		ChAttendee *a = c->attendees->pdata[k];
		if (a->agency_id == r->agency_id &&
		    (same(from, a->email) || same(from, a->slo_email) || same(from, a->lead_email)))
			return TRUE;
	}
	const char *d = domain_of(from);
	return d && owns && owns(owns_data, r->agency_id, d);
}

static gboolean report_owed(const ChReport *r)
{
	return r->state == CH_REPORT_AWAITED || r->state == CH_REPORT_MISSING;
}

static gpointer report_awaited(const ChCase *c, const char *from, ChDomainCheck owns,
                               gpointer owns_data, gboolean *ambiguous_r)
{
	for (guint i = 0; i < c->reports->len; i++) {
		ChReport *r = c->reports->pdata[i];
		if (report_owed(r) && report_theirs(c, r, from, owns, owns_data))
			return r;
	}
	return NULL;
}

/* The person asked at an open escalation's stage, when they are asked about one only: with
 * two, an answer without its token cannot say which it closes. */
static gpointer escalation_awaited(const ChCase *c, const char *from, ChDomainCheck owns,
                                   gpointer owns_data, gboolean *ambiguous_r)
{
	ChEscalation *only = NULL;
	guint n = 0;
	for (guint i = 0; i < c->escalations->len; i++) {
		ChEscalation *e = c->escalations->pdata[i];
		if (e->state == CH_ESC_OPEN && same(e->asked, from))
			only = e, n++;
	}
	if (n > 1)
		*ambiguous_r = TRUE;
	return n == 1 ? only : NULL;
}

gboolean ch_kind_owing_domain(const ChCase *c, const char *from, ChDomainCheck owns,
                              gpointer owns_data)
{
	const char *d = domain_of(from);
	for (guint i = 0; d && owns && i < c->reports->len; i++) {
		ChReport *r = c->reports->pdata[i];
		if (report_owed(r) && owns(owns_data, r->agency_id, d))
			return TRUE;
	}
	return FALSE;
}

/* ---- the handlers: the engine's entry points, in one shape ---- */

static ChReplyResult answer_list(ChCase *c, gpointer object, const ChEngineCtx *ctx,
                                 const ChAnswer *a, ChEffects *fx)
{
	return ch_engine_chair_reply(c, ctx, a->sender, a->text, fx);
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

static ChReplyResult answer_report(ChCase *c, gpointer object, const ChEngineCtx *ctx,
                                   const ChAnswer *a, ChEffects *fx)
{
	return ch_engine_report_received(c, object, ctx, a->sender, a->sha256, a->file,
	                                 a->message_row, fx);
}

static ChReplyResult answer_review(ChCase *c, gpointer object, const ChEngineCtx *ctx,
                                   const ChAnswer *a, ChEffects *fx)
{
	return ch_engine_report_reply(c, object, ctx, a->sender, a->text, fx);
}

/* In the order a message without a token is tried: the chair's answer to the list first
 * (the chair may also be asked about an escalation), then a report an agency owes, then an
 * escalation's answer. */
static const ChKind kinds[] = {
	{ CH_PURPOSE_AUTHORISE, CH_OBJ_CONFERENCE, FALSE, FALSE, NULL, chair_awaited, answer_list },
	{ CH_PURPOSE_REPORT, CH_OBJ_REPORT, FALSE, TRUE, "reply names a report that is not there",
	  report_awaited, answer_report },
	{ CH_PURPOSE_ESCALATION, CH_OBJ_ESCALATION, TRUE, FALSE,
	  "reply names an escalation that is not there", escalation_awaited, answer_escalation },
	{ CH_PURPOSE_CONFIRM, CH_OBJ_ESCALATION, TRUE, FALSE,
	  "reply names an escalation that is not there", NULL, answer_confirm },
	{ CH_PURPOSE_REVIEW, CH_OBJ_REPORT, FALSE, FALSE, "reply names a report that is not there",
	  NULL, answer_review },
};

const ChKind *ch_kind(ChPurpose purpose)
{
	for (guint i = 0; i < G_N_ELEMENTS(kinds); i++)
		if (kinds[i].purpose == purpose)
			return &kinds[i];
	return NULL;
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
	for (guint i = 0; from && i < G_N_ELEMENTS(kinds); i++) {
		if (!kinds[i].tokenless)
			continue;
		gpointer o = kinds[i].tokenless(c, from, owns, owns_data, ambiguous_r);
		if (o) {
			*object_r = o;
			return &kinds[i];
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

static const ChTimer timers[] = {
	{ CH_OBJ_CONFERENCE, "conference", conference_next, conference_due },
	{ CH_OBJ_ESCALATION, "escalation", escalation_next, escalation_due },
	{ CH_OBJ_REPORT, "report", report_next, report_due },
};

const ChTimer *ch_timer(ChObjKind object)
{
	for (guint i = 0; i < G_N_ELEMENTS(timers); i++)
		if (timers[i].object == object)
			return &timers[i];
	return NULL;
}

gpointer ch_timer_object(const ChTimer *t, ChCase *c, gint64 id)
{
	return object_in(t->object, c, id);
}
