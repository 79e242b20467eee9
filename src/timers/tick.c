#include "timers/tick.h"

#include <string.h>

#include "app/effects.h"
#include "engine/engine.h"
#include "engine/kinds.h"
#include "outbound/outbox.h"
#include "report/partnership.h"
#include "store/cases.h"
#include "store/due.h"
#include "store/messages.h"
#include "store/outbox.h"
#include "store/safety.h"
#include "util/clock.h"
#include "util/crashpoint.h"
#include "util/error.h"

gboolean ch_tick_working_time(ChApp *app, GDateTime *now)
{
	ChEngineCtx ctx;
	ch_app_engine_ctx(app, NULL, now, NULL, &ctx);
	return ch_engine_working_time(&ctx);
}

/* One obligation's step, in its own transaction, through its timer (engine/kinds.c). */
static gboolean step(ChApp *app, const ChStoreDue *d, GDateTime *now, gboolean *acted,
                     GError **error)
{
	ChStore *s = app->store;
	if (!ch_store_begin(s, error))
		return FALSE;
	g_autoptr(ChCase) c = ch_store_case_load_id(s, d->conference_id, error);
	gboolean ok = c != NULL;
	if (ok) {
		const ChTimer *t = ch_timer_named(d->timer);
		gpointer object = t ? ch_timer_object(t, c, d->id) : NULL;
		const ChRules *rules = ch_app_rules(app, c->procedure, error);
		ok = rules && object;
		if (ok) {
			g_autofree char *event = g_strdup_printf("timer:%s:%" G_GINT64_FORMAT ":%s",
			                                         t->name, d->id, t->next_at(c, object));
			ChEngineCtx ctx;
			ch_app_engine_ctx(app, rules, now, event, &ctx);
			g_autoptr(ChEffects) fx = ch_effects_new();
			*acted = t->due(c, object, &ctx, fx);
			ch_engine_close_if_done(c, &ctx, fx);
			ok = ch_effects_apply(app, c, fx, NULL, now, "timer", error);
		}
	}
	ch_crashpoint("tick.before-commit");
	if (!ok || !ch_store_commit(s, error)) {
		ch_store_rollback(s);
		return FALSE;
	}
	ch_crashpoint("tick.after-commit");
	return TRUE;
}

/* Triage items that had no alert of their own (their sender's alerts were over the hourly
 * limit, or the message was quarantined after failing) are summed up for admin, at most
 * once an hour, so that what waits for a person is never silent. The digest's event key
 * carries the newest triage id it covers. */
static gboolean triage_digest(ChApp *app, GDateTime *now, GError **error)
{
	ChStore *s = app->store;
	if (!app->cfg->admin)
		return TRUE;
	g_autoptr(GDateTime) hour_ago = g_date_time_add_hours(now, -1);
	g_autofree char *since = ch_clock_format(hour_ago);
	gboolean recent = FALSE;
	if (!ch_store_outbox_digest_since(s, since, &recent, error))
		return FALSE;
	if (recent)
		return TRUE;
	gint64 covered = 0;
	if (!ch_store_outbox_digest_covered(s, &covered, error))
		return FALSE;
	if (!ch_store_begin(s, error))
		return FALSE;
	g_autoptr(GString) summary = g_string_new(NULL);
	gint64 newest = 0, total = 0;
	g_autoptr(GPtrArray) senders = ch_store_triage_unalerted(s, covered, error);
	gboolean ok = senders != NULL;
	for (guint i = 0; ok && i < senders->len; i++) {
		const ChStoreTriageSender *g = senders->pdata[i];
		g_string_append_printf(summary, "  %4" G_GINT64_FORMAT "  from %s\n", g->count,
		                       g->from_addr);
		newest = MAX(newest, g->newest);
		total += g->count;
	}
	if (ok && total) {
		g_autoptr(ChEffects) fx = ch_effects_new();
		g_autofree char *key = g_strdup_printf("triage_digest:%" G_GINT64_FORMAT, newest);
		ChIntent *i = ch_effects_intent(fx, "triage_digest", app->cfg->admin, NULL, key);
		g_autofree char *count = g_strdup_printf("%" G_GINT64_FORMAT, total);
		ch_intent_set(i, "ref", "triage");
		ch_intent_set(i, "count", count);
		ch_intent_set(i, "summary", summary->str);
		ok = ch_effects_apply(app, NULL, fx, NULL, now, "timer", error);
	}
	if (!ok || !ch_store_commit(s, error)) {
		ch_store_rollback(s);
		return FALSE;
	}
	return TRUE;
}

/* Immediate-safety alerts whose time has come, at any hour: a child's safety does not wait
 * for Monday. Each in its own transaction, like every other step. */
static gboolean safety_alerts(ChApp *app, GDateTime *now, ChTickCounts *counts,
                              GError **error)
{
	ChStore *s = app->store;
	g_autofree char *key = ch_clock_key(now);
	g_autoptr(GArray) due = ch_store_safety_due(s, key, error);
	if (!due)
		return FALSE;
	for (guint i = 0; i < due->len && !g_atomic_int_get(&app->stop); i++) {
		gint64 id = g_array_index(due, gint64, i);
		if (!ch_store_begin(s, error))
			return FALSE;
		g_autoptr(ChSafetyAlert) a = ch_store_safety_load(s, id, error);
		gboolean ok = a != NULL;
		if (ok) {
			g_autofree char *event = g_strdup_printf("timer:safety:%" G_GINT64_FORMAT ":%s",
			                                         id, a->next_at);
			ChEngineCtx ctx;
			ch_app_engine_ctx(app, ch_app_rules(app, NULL, NULL), now, event, &ctx);
			g_autoptr(ChEffects) fx = ch_effects_new();
			counts->due++;
			counts->acted += ch_engine_safety_due(a, &ctx, fx);
			ok = ch_effects_apply(app, NULL, fx, NULL, now, "timer", error);
		}
		if (!ok || !ch_store_commit(s, error)) {
			ch_store_rollback(s);
			return FALSE;
		}
	}
	return TRUE;
}

gboolean ch_tick(ChApp *app, GDateTime *now, ChTickCounts *counts, GError **error)
{
	if (!triage_digest(app, now, error) || !safety_alerts(app, now, counts, error))
		return FALSE;
	if (!ch_tick_working_time(app, now)) {
		counts->held = TRUE;
		return TRUE;
	}
	ChStore *s = app->store;
	g_autofree char *key = ch_clock_key(now);
	GArray *due = ch_store_due(s, key, error);
	if (!due)
		return FALSE;
	gboolean ok = TRUE;
	for (guint i = 0; ok && i < due->len && !g_atomic_int_get(&app->stop); i++) {
		gboolean acted = FALSE;
		counts->due++;
		ok = step(app, &g_array_index(due, ChStoreDue, i), now, &acted, error);
		counts->acted += acted;
	}
	g_array_unref(due);
	/* Then the quarterly report to the partnership, in working time like any mail to people
	 * at work, after the chasers (a report that cannot be built must not hold them up);
	 * once per quarter and address however often this runs (report/partnership.h). */
	if (!ok || g_atomic_int_get(&app->stop))
		return ok;
	guint reports = 0;
	if (!ch_partnership_tick(app, now, &reports, error))
		return FALSE;
	counts->acted += reports;
	return TRUE;
}
