#include "timers/tick.h"

#include "engine/engine.h"
#include "outbound/outbox.h"
#include "store/cases.h"
#include "util/clock.h"
#include "util/crashpoint.h"
#include "util/error.h"

gboolean ch_tick_working_time(ChApp *app, GDateTime *now)
{
	GDate today;
	ch_clock_local_date(now, &today);
	if (!ch_calendar_is_working_day(app->cal, &today))
		return FALSE;
	g_autoptr(GDateTime) local = g_date_time_to_timezone(now, ch_clock_zone());
	int minutes = g_date_time_get_hour(local) * 60 + g_date_time_get_minute(local);
	return minutes >= app->cfg->hours_start && minutes < app->cfg->hours_end;
}

static gboolean escalation_step(ChApp *app, gint64 conference_id, gint64 esc_id, GDateTime *now,
                                gboolean *acted, GError **error)
{
	ChStore *s = app->store;
	if (!ch_store_begin(s, error))
		return FALSE;
	g_autoptr(ChCase) c = ch_store_case_load_id(s, conference_id, error);
	gboolean ok = c != NULL;
	if (ok) {
		ChEscalation *e = ch_case_escalation(c, esc_id);
		const ChRules *rules = ch_app_rules(app, c->procedure, error);
		ok = e && rules;
		if (ok) {
			g_autofree char *event = g_strdup_printf("timer:escalation:%" G_GINT64_FORMAT ":%s",
			                                         esc_id, e->next_at);
			ChEngineCtx ctx;
			ch_app_engine_ctx(app, rules, now, event, &ctx);
			g_autoptr(ChEffects) fx = ch_effects_new();
			*acted = ch_engine_escalation_due(c, e, &ctx, fx);
			g_autofree char *now_s = ch_clock_format(now);
			ok = ch_store_case_save(s, c, error);
			for (guint i = 0; ok && i < fx->audit->len; i++) {
				ChAuditEvent *a = fx->audit->pdata[i];
				ok = ch_store_audit(s, now_s, c->id, "timer", a->what, a->object, a->old_value,
				                    a->new_value, a->detail, error);
			}
			ok = ok && ch_outbox_queue(app, c, fx, NULL, now, "timer", error);
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

gboolean ch_tick(ChApp *app, GDateTime *now, ChTickCounts *counts, GError **error)
{
	if (!ch_tick_working_time(app, now)) {
		counts->held = TRUE;
		return TRUE;
	}
	ChStore *s = app->store;
	g_autofree char *key = ch_clock_key(now);
	GArray *due = g_array_new(FALSE, FALSE, sizeof(gint64) * 2);
	GError *local = NULL;
	sqlite3_stmt *st = ch_store_query(s, error,
	                                  "SELECT conference_id, id FROM escalation"
	                                  " WHERE next_at IS NOT NULL AND next_at <= ? ORDER BY next_at",
	                                  "s", key);
	if (!st) {
		g_array_unref(due);
		return FALSE;
	}
	while (ch_store_step(s, st, &local)) {
		gint64 pair[2] = { sqlite3_column_int64(st, 0), sqlite3_column_int64(st, 1) };
		g_array_append_val(due, pair);
	}
	gboolean ok = local == NULL;
	if (local)
		g_propagate_error(error, local);
	for (guint i = 0; ok && i < due->len && !g_atomic_int_get(&app->stop); i++) {
		gint64 *pair = &g_array_index(due, gint64, 2 * i);
		gboolean acted = FALSE;
		counts->due++;
		ok = escalation_step(app, pair[0], pair[1], now, &acted, error);
		counts->acted += acted;
	}
	g_array_unref(due);
	return ok;
}
