/* What becomes of a message that no answer handles (engine.h): triage (held for a sender
 * check, nothing to apply it to, not taken in) and a person's decision on it, our own mail
 * come back, automatic mail; and what chaser tells admin of itself: whether today's account
 * goes, and the alert when it cannot go on. Pure: intake and the run loop read the facts,
 * call these, and apply the effects. */
#include "engine/engine-private.h"

#include "engine/notices.h"
#include "util/clock.h"
#include "util/error.h"

void ch_engine_triage(const ChCase *c, const ChEngineCtx *ctx, gint64 row, ChMsgState state,
                      const char *reason, gboolean quiet, ChEffects *fx)
{
	gint64 conf = c ? c->id : 0;
	gboolean held = state == CH_MSG_HELD;
	/* Recorded and visible to admin, acted on by nobody until a person decides. */
	ch_effects_message(fx, row, state, "triage", conf, reason);
	const ChTriageAdd *t = ch_effects_triage(fx, row, conf, reason);
	ch_effects_audit_triage(fx, held ? CH_AUDIT_MESSAGE_HELD : CH_AUDIT_MESSAGE_TRIAGE, t, NULL,
	                        ch_msg_state_name(state), reason);
	const char *admin = ctx->people[CH_ROLE_ADMIN];
	if (!admin || quiet)
		return;
	g_autofree char *key = g_strdup_printf("triage:%s", ctx->event_id);
	ChIntent *i = ch_notice_alert(fx, "triage_alert", admin, key, c, "triage", FALSE);
	ch_intent_set_triage_id(i, "triage_id", t);
	ch_intent_set(i, "reason", reason);
	ch_intent_set(i, "state", held ? "held until you release it" : "waiting in triage");
}

gboolean ch_engine_triage_decide(gint64 triage_id, ChTriageState ts, ChMsgState ms,
                                 gint64 conference_id, gboolean release, ChEffects *fx,
                                 GError **error)
{
	if (ts != CH_TRIAGE_OPEN) {
		g_set_error(error, CH_ERROR, CH_ERROR_USAGE, "triage %" G_GINT64_FORMAT " was already %s",
		            triage_id, ch_triage_state_name(ts));
		return FALSE;
	}
	/* Only a sender check is a person's to settle: a message that matched nothing has
	 * nothing to be applied to once released. */
	if (release && ms != CH_MSG_HELD) {
		g_set_error(error, CH_ERROR, CH_ERROR_USAGE,
		            "triage %" G_GINT64_FORMAT " was not held for a sender check: it matched "
		            "nothing to apply it to (drop it, and act by hand if needed)",
		            triage_id);
		return FALSE;
	}
	ChTriageState to = release ? CH_TRIAGE_RELEASED : CH_TRIAGE_DROPPED;
	fx->conference_id = conference_id;
	ch_effects_triage_decided(fx, triage_id, to);
	ch_effects_audit(fx, release ? CH_AUDIT_TRIAGE_RELEASED : CH_AUDIT_TRIAGE_DROPPED,
	                 CH_OBJ_NUMBERED(CH_OBJ_TRIAGE, triage_id), ch_triage_state_name(ts),
	                 ch_triage_state_name(to), release ? "a person vouched for the sender" : NULL);
	return TRUE;
}

void ch_engine_own_mail(gint64 row, ChEffects *fx)
{
	ch_effects_audit(fx, CH_AUDIT_MESSAGE_OWN, CH_OBJ_NOTHING, NULL, NULL,
	                 "our own mail came back; ignored");
	ch_effects_message(fx, row, CH_MSG_HANDLED, "own", 0, NULL);
}

void ch_engine_automatic(const ChCase *c, ChPurpose purpose, gint64 object_id,
                         const ChAutoMail *m, ChEffects *fx)
{
	g_autofree char *detail = g_strdup_printf("%s%s%s", m->why ? m->why : "",
	                                          m->back ? "; back " : "", m->back ? m->back : "");
	/* An out-of-office in an escalation's thread is named as the engine names that
	 * escalation, by its line on the list (names.h), so the record shows it beside it. */
	const ChKind *kind = c ? ch_kind(purpose) : NULL;
	const ChEscalation *esc = kind && kind->object == CH_OBJ_ESCALATION
	                              ? ch_case_escalation(c, object_id)
	                              : NULL;
	ChObj obj = esc && esc->attendee ? CH_OBJ_NUMBERED(CH_OBJ_ESCALATION, esc->attendee->n)
	                                 : CH_OBJ_NOTHING;
	ch_effects_audit(fx, CH_AUDIT_MESSAGE_AUTOMATIC, obj, NULL, m->from, detail);
	/* Handled, never answered: no robot ever talks to ours. */
	ch_effects_message(fx, m->row, CH_MSG_HANDLED, "automatic", c ? c->id : 0, detail);
}

gboolean ch_engine_working_time(const ChEngineCtx *ctx)
{
	GDate today;
	ch_clock_local_date(ctx->now, &today);
	if (!ch_calendar_is_working_day(ctx->cal, &today))
		return FALSE;
	g_autoptr(GDateTime) local = g_date_time_to_timezone(ctx->now, ch_clock_zone());
	int minutes = g_date_time_get_hour(local) * 60 + g_date_time_get_minute(local);
	return minutes >= ctx->hours_start && minutes < ctx->hours_end;
}

/* Today's date in Europe/London, as the key and the account say it. */
static char *today(const ChEngineCtx *ctx)
{
	GDate d;
	ch_clock_local_date(ctx->now, &d);
	return ch_date_format(&d);
}

char *ch_engine_daily_account_key(const ChEngineCtx *ctx)
{
	if (!ctx->people[CH_ROLE_ADMIN] || !ch_engine_working_time(ctx))
		return NULL;
	g_autofree char *day = today(ctx);
	return g_strdup_printf("reconcile:%s", day);
}

char *ch_engine_weekly_account_key(const ChEngineCtx *ctx, GDateWeekday weekday)
{
	GDate d;
	ch_clock_local_date(ctx->now, &d);
	if (weekday == G_DATE_BAD_WEEKDAY || g_date_get_weekday(&d) != weekday)
		return NULL;
	/* The same rule as the daily account's (an admin named, working time): one key. */
	g_autofree char *daily = ch_engine_daily_account_key(ctx);
	return daily ? g_strdup_printf("weekly:%s", daily + strlen("reconcile:")) : NULL;
}

/* The account mail under `key`, to admin. */
static gboolean account_mail(const ChEngineCtx *ctx, const char *template, const char *ref,
                             const char *key, gboolean sent, const char *account,
                             gboolean clean, ChEffects *fx)
{
	if (!key || sent)
		return FALSE;
	g_autofree char *day = today(ctx);
	ChIntent *i = ch_effects_intent(fx, template, ctx->people[CH_ROLE_ADMIN], NULL, key);
	ch_intent_set(i, "ref", ref);
	ch_intent_set(i, "day", day);
	ch_intent_set(i, "verdict", clean ? "nothing was dropped" : "FAULTS were found: see below");
	ch_intent_set(i, "account", account);
	return TRUE;
}

gboolean ch_engine_daily_account(const ChEngineCtx *ctx, const char *key, gboolean sent_today,
                                 const char *account, gboolean clean, ChEffects *fx)
{
	return account_mail(ctx, "reconcile_daily", "account", key, sent_today, account, clean, fx);
}

gboolean ch_engine_weekly_account(const ChEngineCtx *ctx, const char *key, gboolean sent,
                                  const char *account, gboolean clean, ChEffects *fx)
{
	return account_mail(ctx, "admin_weekly", "week", key, sent, account, clean, fx);
}

gboolean ch_engine_admin_alert(const ChEngineCtx *ctx, const char *template,
                               const char *key_prefix, const char *ref, const char *why,
                               ChEffects *fx)
{
	const char *admin = ctx->people[CH_ROLE_ADMIN];
	if (!admin)
		return FALSE;
	g_autofree char *day = g_date_time_format(ctx->now, "%Y-%m-%d");
	g_autofree char *key = g_strdup_printf("%s:%s", key_prefix, day);
	ChIntent *i = ch_notice_alert(fx, template, admin, key, NULL, ref, FALSE);
	ch_intent_set(i, "why", why);
	return TRUE;
}
