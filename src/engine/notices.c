#include "engine/notices.h"

#include "engine/engine-private.h"
#include "util/clock.h"

ChIntent *ch_notice_alert(ChEffects *fx, const char *template, const char *to,
                          const char *event_key, const ChCase *c, const char *ref,
                          gboolean urgent)
{
	ChIntent *i = ch_effects_intent(fx, template, to, NULL, event_key);
	i->urgent = urgent;
	if (c)
		ch_engine_base_vars(i, c);
	else
		ch_intent_set(i, "ref", ref);
	return i;
}

/* Each line indented two spaces under its heading; none at all reads "nothing". */
static char *indented(GPtrArray *lines)
{
	GString *s = g_string_new(NULL);
	for (guint k = 0; lines && k < lines->len; k++)
		g_string_append_printf(s, "  %s\n", (char *)lines->pdata[k]);
	return g_string_free(s, FALSE);
}

void ch_notice_not_understood(const ChCase *c, const ChEngineCtx *ctx, const char *sender,
                              const char *about, const char *quoted, GPtrArray *understood,
                              GPtrArray *problems, const char *example,
                              const char *audit_detail, ChEffects *fx)
{
	g_autofree char *us = indented(understood);
	g_autofree char *ps = indented(problems);
	g_autofree char *key = g_strdup_printf("nu:%s:%s:%s", c->ref, sender, ctx->event_id);
	ChIntent *i = ch_effects_intent(fx, "not_understood", sender, NULL, key);
	i->in_reply = TRUE;
	ch_engine_base_vars(i, c);
	ch_intent_set(i, "about", about);
	ch_intent_set(i, "quoted", quoted && *quoted ? quoted : "  (nothing: the reply was empty)\n");
	ch_intent_set(i, "understood", *us ? us : "  nothing\n");
	ch_intent_set(i, "problems", ps);
	ch_intent_set(i, "example", example);
	ch_effects_audit(fx, CH_AUDIT_REPLY_NOT_UNDERSTOOD, CH_OBJ_NAMED(CH_OBJ_ABOUT, about), NULL,
	                 NULL, audit_detail ? audit_detail : ps);
}

ChIntent *ch_notice_transcript(const ChCase *c, const ChEngineCtx *ctx, const char *sender,
                               const char *about, const char *done, ChEffects *fx)
{
	g_autofree char *key = g_strdup_printf("tr:%s:%s:%s", c->ref, sender, ctx->event_id);
	ChIntent *i = ch_effects_intent(fx, "transcript", sender, NULL, key);
	i->in_reply = TRUE;
	ch_engine_base_vars(i, c);
	ch_intent_set(i, "about", about);
	ch_intent_set(i, "done", done);
	return i;
}

void ch_notice_chair_overdue(const ChCase *c, const ChEngineCtx *ctx, const char *what,
                             const char *due, const char *reminded, const char *key,
                             ChEffects *fx)
{
	const char *to = ch_engine_coordinator_or_admin(ctx);
	if (!to)
		return;
	ChIntent *i = ch_effects_intent(fx, "chair_overdue", to, NULL, key);
	ch_engine_base_vars(i, c);
	g_autofree char *due_long = ch_clock_long_date(due, "");
	g_autofree char *reminded_long = ch_clock_long_date(reminded, "");
	ch_intent_set(i, "what", what);
	ch_intent_set(i, "due", due_long);
	ch_intent_set(i, "reminded", reminded_long);
}
