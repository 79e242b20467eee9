/* Immediate safety: words that mean someone may be in danger now, wherever they are seen,
 * alert the CP coordinator at once, whatever else the message does. Pure. */
#include "engine/engine-private.h"
#include "engine/notices.h"
#include "engine/phrases.h"

gboolean ch_engine_safety_check(ChCase *c, const ChEngineCtx *ctx, const ChPhrases *phrases,
                                const char *text, const char *what, const char *event_id,
                                ChEffects *fx)
{
	if (!text || !phrases)
		return FALSE;
	/* Case, line breaks, punctuation, apostrophes and HTML are read past, and the team's
	 * routine words are not read as a concern (engine/phrases.h). */
	if (!ch_phrases_match(phrases, text))
		return FALSE;
	const char *to = ch_engine_coordinator_or_admin(ctx);
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
