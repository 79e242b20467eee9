/* Immediate safety: words that mean someone may be in danger now, wherever they are seen,
 * alert the CP coordinator at once, whatever else the message does. Pure. */
#include "engine/engine-private.h"
#include "engine/notices.h"

#include <string.h>

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
