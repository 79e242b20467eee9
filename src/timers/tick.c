#include "timers/tick.h"

#include <string.h>

#include "app/effects.h"
#include "engine/engine.h"
#include "engine/kinds.h"
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

typedef struct {
	ChObjKind kind;   /* whose clock: the conference, an escalation, a report */
	gint64 conference_id;
	gint64 id;
} Due;

/* One obligation's step, in its own transaction, through its timer (engine/kinds.c). */
static gboolean step(ChApp *app, const Due *d, GDateTime *now, gboolean *acted, GError **error)
{
	ChStore *s = app->store;
	if (!ch_store_begin(s, error))
		return FALSE;
	g_autoptr(ChCase) c = ch_store_case_load_id(s, d->conference_id, error);
	gboolean ok = c != NULL;
	if (ok) {
		const ChTimer *t = ch_timer(d->kind);
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
	if (ch_store_int(s, 0, "SELECT 1 FROM outbox WHERE kind = 'triage_digest'"
	                       " AND julianday(created_at) > julianday(?)", "s", since))
		return TRUE;
	gint64 covered = ch_store_int(s, 0, "SELECT coalesce(max(CAST(substr(event_key, 15)"
	                                    " AS INTEGER)), 0) FROM outbox"
	                                    " WHERE kind = 'triage_digest'", "");
	if (!ch_store_begin(s, error))
		return FALSE;
	sqlite3_stmt *st = ch_store_query(
		s, error,
		"SELECT count(*), coalesce(m.from_addr, '(no sender)'), max(t.id) FROM triage t"
		" JOIN message m ON m.id = t.message"
		" WHERE t.state = 'open' AND t.id > ?"
		"   AND NOT EXISTS (SELECT 1 FROM outbox o WHERE o.event_key = 'triage:' ||"
		"                   m.fingerprint)"
		" GROUP BY 2 ORDER BY 1 DESC, 2",
		"i", covered);
	g_autoptr(GString) summary = g_string_new(NULL);
	gint64 newest = 0, total = 0;
	GError *local = NULL;
	while (st && ch_store_step(s, st, &local)) {
		gint64 n = sqlite3_column_int64(st, 0);
		g_string_append_printf(summary, "  %4" G_GINT64_FORMAT "  from %s\n", n,
		                       (const char *)sqlite3_column_text(st, 1));
		newest = MAX(newest, sqlite3_column_int64(st, 2));
		total += n;
	}
	gboolean ok = st && !local;
	if (local)
		g_propagate_error(error, local);
	if (ok && total) {
		g_autoptr(ChEffects) fx = ch_effects_new();
		g_autofree char *key = g_strdup_printf("triage_digest:%" G_GINT64_FORMAT, newest);
		ChIntent *i = ch_effects_intent(fx, "triage_digest", app->cfg->admin, NULL, key);
		g_autofree char *count = g_strdup_printf("%" G_GINT64_FORMAT, total);
		ch_intent_set(i, "ref", "triage");
		ch_intent_set(i, "count", count);
		ch_intent_set(i, "summary", summary->str);
		ok = ch_outbox_queue(app, NULL, fx, NULL, now, "timer", error);
	}
	if (!ok || !ch_store_commit(s, error)) {
		ch_store_rollback(s);
		return FALSE;
	}
	return TRUE;
}

gboolean ch_tick(ChApp *app, GDateTime *now, ChTickCounts *counts, GError **error)
{
	if (!triage_digest(app, now, error))
		return FALSE;
	if (!ch_tick_working_time(app, now)) {
		counts->held = TRUE;
		return TRUE;
	}
	ChStore *s = app->store;
	g_autofree char *key = ch_clock_key(now);
	GArray *due = g_array_new(FALSE, FALSE, sizeof(Due));
	/* Each table's next_at is indexed: the cost is what is due, not what is open. */
	static const struct {
		ChObjKind kind;
		const char *sql;
	} queries[] = {
		{ CH_OBJ_CONFERENCE, "SELECT id, id FROM conference WHERE next_at IS NOT NULL"
		                  " AND next_at <= ? ORDER BY next_at" },
		{ CH_OBJ_ESCALATION, "SELECT conference_id, id FROM escalation WHERE next_at IS NOT NULL"
		                  " AND next_at <= ? ORDER BY next_at" },
		{ CH_OBJ_REPORT, "SELECT conference_id, id FROM report WHERE next_at IS NOT NULL"
		              " AND next_at <= ? ORDER BY next_at" },
	};
	gboolean ok = TRUE;
	for (guint q = 0; q < G_N_ELEMENTS(queries) && ok; q++) {
		GError *local = NULL;
		sqlite3_stmt *st = ch_store_query(s, error, queries[q].sql, "s", key);
		if (!st) {
			ok = FALSE;
			break;
		}
		while (ch_store_step(s, st, &local)) {
			Due d = { queries[q].kind, sqlite3_column_int64(st, 0), sqlite3_column_int64(st, 1) };
			g_array_append_val(due, d);
		}
		if (local) {
			g_propagate_error(error, local);
			ok = FALSE;
		}
	}
	for (guint i = 0; ok && i < due->len && !g_atomic_int_get(&app->stop); i++) {
		gboolean acted = FALSE;
		counts->due++;
		ok = step(app, &g_array_index(due, Due, i), now, &acted, error);
		counts->acted += acted;
	}
	g_array_unref(due);
	return ok;
}
