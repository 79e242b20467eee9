/* Immediate safety: words that mean someone may be in danger now, wherever they are seen,
 * alert the CP coordinator and the lead safeguarding manager at once, whatever else the
 * message does, and the alert waits for one of them to say they are acting on it. Silence,
 * or an out-of-office, brings in the team manager and the service manager; after that admin
 * is reminded each working day until someone acknowledges. Pure. */
#include <string.h>

#include "engine/engine-private.h"
#include "engine/notices.h"
#include "engine/phrases.h"
#include "util/clock.h"

static int ack_minutes(const ChEngineCtx *ctx)
{
	return ctx->safety_ack_minutes > 0 ? ctx->safety_ack_minutes : 60;
}

/* "1 hour", "2 hours", "30 minutes": how the mail says the time allowed. */
static char *ack_words(const ChEngineCtx *ctx)
{
	int m = ack_minutes(ctx);
	if (m % 60 == 0)
		return g_strdup_printf("%d hour%s", m / 60, m == 60 ? "" : "s");
	return g_strdup_printf("%d minute%s", m, m == 1 ? "" : "s");
}

static ChObj alert_obj(const ChSafetyAlert *a)
{
	return a->ref ? CH_OBJ_NAMED(CH_OBJ_CONFERENCE, a->ref) : CH_OBJ_NOTHING;
}

/* addr is one of the ';'-separated addresses of list. */
static gboolean in_list(const char *list, const char *addr)
{
	g_auto(GStrv) v = list ? g_strsplit(list, ";", -1) : NULL;
	for (char **p = v; p && *p; p++)
		if (ch_engine_same_addr(*p, addr))
			return TRUE;
	return FALSE;
}

/* Adds addr to the recipients (and their keys' suffixes) unless unset or there already. */
static void add_rcpt(GPtrArray *to, GPtrArray *tags, const char *addr, const char *tag)
{
	if (!addr)
		return;
	for (guint k = 0; k < to->len; k++)
		if (ch_engine_same_addr(to->pdata[k], addr))
			return;
	g_ptr_array_add(to, (gpointer)addr);
	g_ptr_array_add(tags, (gpointer)tag);
}

static char *joined(GPtrArray *to)
{
	GString *s = g_string_new(NULL);
	for (guint k = 0; k < to->len; k++)
		g_string_append_printf(s, "%s%s", k ? ";" : "", (const char *)to->pdata[k]);
	return g_string_free(s, FALSE);
}

static void alert_vars(ChIntent *i, const ChSafetyAlert *a)
{
	g_autofree char *raised = ch_clock_long_date(a->raised_at, "");
	g_autoptr(GDateTime) t = a->raised_at ? g_date_time_new_from_iso8601(a->raised_at, NULL)
	                                      : NULL;
	g_autoptr(GDateTime) local = t ? g_date_time_to_timezone(t, ch_clock_zone()) : NULL;
	g_autofree char *hm = local ? g_date_time_format(local, "%H:%M") : g_strdup("");
	g_autofree char *when = g_strdup_printf("%s at %s", raised, hm);
	ch_intent_set(i, "ref", a->ref ? a->ref : "no conference");
	ch_intent_set(i, "what", a->what);
	ch_intent_set(i, "message", a->message);
	ch_intent_set(i, "raised", when);
	ch_intent_set(i, "asked", a->asked);
}

/* The next time admin is reminded: the start of the next working day. */
static char *next_working_start(const ChEngineCtx *ctx)
{
	GDate today;
	ch_clock_local_date(ctx->now, &today);
	return ch_engine_after_due(ctx, &today);
}

void ch_engine_safety_raise(const ChCase *c, const ChEngineCtx *ctx, const char *what,
                            const char *event_id, const char *why, ChEffects *fx)
{
	/* 004: the coordinator and/or the lead safeguarding manager, at once. Admin stands in
	 * for a coordinator nobody named, as it always has: someone must be told. */
	g_autoptr(GPtrArray) to = g_ptr_array_new();
	g_autoptr(GPtrArray) tags = g_ptr_array_new();
	add_rcpt(to, tags, ch_engine_coordinator_or_admin(ctx), NULL);
	add_rcpt(to, tags, ctx->people[CH_ROLE_LEAD_SAFEGUARDING_MANAGER], "lsm");
	ch_effects_audit(fx, CH_AUDIT_SAFETY_ALERT,
	                 c ? CH_OBJ_NAMED(CH_OBJ_CONFERENCE, c->ref) : CH_OBJ_NOTHING, NULL,
	                 to->len ? to->pdata[0] : NULL, why);
	if (!to->len)
		return;
	g_autofree char *key = g_strdup_printf("safety:%s", event_id);
	g_autoptr(GDateTime) due = g_date_time_add_minutes(ctx->now, ack_minutes(ctx));
	g_autofree char *asked = joined(to);
	ChSafetyAlert a = {
		.key = key,
		.conference_id = c ? c->id : 0,
		.ref = c ? c->ref : NULL,
		.message = (char *)event_id,
		.what = (char *)what,
		.asked = asked,
		.raised_at = ch_engine_now_str(ctx),
		.due = ch_clock_format(due),
		.next_at = ch_clock_key(due),
		.state = CH_SAFETY_OPEN,
	};
	ch_effects_safety(fx, &a);
	g_autofree char *within = ack_words(ctx);
	g_autofree char *due_hm = NULL;
	{
		g_autoptr(GDateTime) local = g_date_time_to_timezone(due, ch_clock_zone());
		due_hm = g_date_time_format(local, "%H:%M");
	}
	for (guint k = 0; k < to->len; k++) {
		/* The coordinator's key is the one an alert always had: a message handled again
		 * after an upgrade sends it nothing twice. */
		g_autofree char *ikey = tags->pdata[k] ? g_strdup_printf("%s:%s", key,
		                                                         (char *)tags->pdata[k])
		                                       : g_strdup(key);
		ChIntent *i = ch_notice_alert(fx, "safety_alert", to->pdata[k], ikey, c,
		                              "no conference", TRUE);
		ch_intent_set(i, "what", what);
		ch_intent_set(i, "message", event_id);
		ch_intent_set(i, "ack_within", within);
		ch_intent_set(i, "ack_by", due_hm);
	}
	g_free(a.raised_at), g_free(a.due), g_free(a.next_at);
}

gboolean ch_engine_safety_words(const ChPhrases *phrases, const char *text)
{
	/* Case, line breaks, punctuation, apostrophes and HTML are read past, and the team's
	 * routine words are not read as a concern (engine/phrases.h). */
	return text && phrases && ch_phrases_match(phrases, text);
}

void ch_engine_safety_words_found(ChCase *c, const ChEngineCtx *ctx, const char *what,
                                  const char *event_id, ChEffects *fx)
{
	ch_engine_safety_raise(c, ctx, what, event_id,
	                       "words of an immediate-safety concern were found", fx);
}

gboolean ch_engine_safety_check(ChCase *c, const ChEngineCtx *ctx, const ChPhrases *phrases,
                                const char *text, const char *what, const char *event_id,
                                ChEffects *fx)
{
	if (!ch_engine_safety_words(phrases, text))
		return FALSE;
	ch_engine_safety_words_found(c, ctx, what, event_id, fx);
	return TRUE;
}

gboolean ch_engine_safety_marked(const ChCase *c, const ChEngineCtx *ctx, const char *sender,
                                 const char *own_text)
{
	if (!sender || !own_text)
		return FALSE;
	/* Those whose word is enough: they know what the phrase list cannot. */
	if (!(c && ch_engine_same_addr(sender, c->chair_email)) &&
	    !ch_engine_same_addr(sender, ctx->people[CH_ROLE_CP_COORDINATOR]) &&
	    !ch_engine_same_addr(sender, ctx->people[CH_ROLE_LEAD_SAFEGUARDING_MANAGER]))
		return FALSE;
	g_auto(GStrv) lines = g_strsplit(own_text, "\n", -1);
	for (char **l = lines; *l; l++) {
		const char *p = *l;
		while (g_ascii_isspace(*p) || *p == '*')
			p++;
		if (g_ascii_strncasecmp(p, "safety", 6))
			continue;
		p += 6;
		while (*p == ' ' || *p == '\t')
			p++;
		if (*p == ':')
			return TRUE;
	}
	return FALSE;
}

/* Nobody acknowledged in time, or someone asked is away: the team manager and the service
 * manager are told (admin when neither is named), once. */
static void escalate(ChSafetyAlert *a, const ChEngineCtx *ctx, const char *why, ChEffects *fx)
{
	g_autoptr(GPtrArray) to = g_ptr_array_new();
	g_autoptr(GPtrArray) tags = g_ptr_array_new();
	add_rcpt(to, tags, ctx->people[CH_ROLE_TEAM_MANAGER], "tm");
	add_rcpt(to, tags, ctx->people[CH_ROLE_SERVICE_MANAGER], "sm");
	if (!to->len)
		add_rcpt(to, tags, ctx->people[CH_ROLE_ADMIN], "admin");
	g_autofree char *told = joined(to);
	for (guint k = 0; k < to->len; k++) {
		g_autofree char *key = g_strdup_printf("safety_escalated:%s:%s", a->key,
		                                       (char *)tags->pdata[k]);
		ChIntent *i = ch_effects_intent(fx, "safety_escalated", to->pdata[k], NULL, key);
		i->urgent = TRUE;
		alert_vars(i, a);
		ch_intent_set(i, "why", why);
	}
	g_free(a->escalated_at);
	a->escalated_at = ch_engine_now_str(ctx);
	ch_set_str(&a->told, *told ? told : NULL);
	g_free(a->next_at);
	a->next_at = next_working_start(ctx);
	ch_effects_audit(fx, CH_AUDIT_SAFETY_ESCALATED, alert_obj(a), NULL, *told ? told : NULL,
	                 why);
}

gboolean ch_engine_safety_reply(ChSafetyAlert *a, const ChEngineCtx *ctx, const char *sender,
                                gboolean automatic, ChEffects *fx)
{
	if (a->state != CH_SAFETY_OPEN || !sender)
		return FALSE;
	fx->conference_id = a->conference_id;
	if (automatic) {
		/* An out-of-office says nobody is there to act: as good as silence, and sooner. */
		if (!in_list(a->asked, sender))
			return FALSE;
		ch_effects_audit(fx, CH_AUDIT_SAFETY_AWAY, alert_obj(a), NULL, sender,
		                 "an automatic reply (out-of-office) came back from someone asked to "
		                 "acknowledge: it does not acknowledge the alert");
		if (!a->escalated_at) {
			g_autofree char *why = g_strdup_printf("an out-of-office came back from %s",
			                                       sender);
			escalate(a, ctx, why, fx);
		}
		ch_effects_safety(fx, a);
		return TRUE;
	}
	if (!in_list(a->asked, sender) && !in_list(a->told, sender))
		return FALSE;
	a->state = CH_SAFETY_ACKNOWLEDGED;
	ch_set_str(&a->acknowledged_by, sender);
	g_free(a->acknowledged_at);
	a->acknowledged_at = ch_engine_now_str(ctx);
	g_clear_pointer(&a->next_at, g_free);
	ch_effects_audit(fx, CH_AUDIT_SAFETY_ACKNOWLEDGED, alert_obj(a),
	                 ch_safety_state_name(CH_SAFETY_OPEN), sender,
	                 "a reply to the immediate-safety alert acknowledges it");
	ch_effects_safety(fx, a);
	return TRUE;
}

gboolean ch_engine_safety_due(ChSafetyAlert *a, const ChEngineCtx *ctx, ChEffects *fx)
{
	if (a->state != CH_SAFETY_OPEN)
		return FALSE;
	fx->conference_id = a->conference_id;
	if (!a->escalated_at) {
		g_autofree char *within = ack_words(ctx);
		g_autofree char *why = g_strdup_printf("nobody acknowledged it within %s", within);
		escalate(a, ctx, why, fx);
		ch_effects_safety(fx, a);
		return TRUE;
	}
	/* Told already, and still nobody has said they are acting: admin sees it every working
	 * day until someone does. */
	const char *admin = ctx->people[CH_ROLE_ADMIN] ? ctx->people[CH_ROLE_ADMIN]
	                                                : ch_engine_coordinator_or_admin(ctx);
	g_autofree char *today = NULL;
	{
		GDate d;
		ch_clock_local_date(ctx->now, &d);
		today = ch_date_format(&d);
	}
	gboolean sent = FALSE;
	if (admin) {
		g_autofree char *key = g_strdup_printf("safety_open:%s:%s", a->key, today);
		ChIntent *i = ch_effects_intent(fx, "safety_open", admin, NULL, key);
		i->urgent = TRUE;
		alert_vars(i, a);
		ch_intent_set(i, "told", a->told ? a->told : "");
		sent = TRUE;
	}
	ch_effects_audit(fx, CH_AUDIT_SAFETY_REMINDED, alert_obj(a), NULL, admin,
	                 "the immediate-safety alert is still not acknowledged");
	g_free(a->next_at);
	a->next_at = next_working_start(ctx);
	ch_effects_safety(fx, a);
	return sent;
}
