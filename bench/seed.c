/* bench-seed: the benchmarks' timer load, made through chaser's own store and engine.
 *
 *   bench-seed CONFIG clone REF PREFIX COPIES WHEN
 *   bench-seed CONFIG retime REF WHEN
 *
 * clone makes COPIES conferences PREFIX1 .. PREFIXn like REF, each the way chaser made REF:
 * the conference and its lines added through the store, then REF's history replayed through
 * the engine at REF's own times (the list sent when REF's was, the chair's reply with REF's
 * authorisation and escalations when REF's came). Every open timer of a clone is then set to
 * WHEN. retime sets REF's own open timers to WHEN. WHEN is a time as chaser stores timers
 * ("2026-11-25T09:00:00Z"), or "spread": 09:00 UTC on one of the 300 days from 4 January
 * 2027, by the clone's number.
 *
 * Everything is saved with ch_store_case_save() inside ch_store_begin()/ch_store_commit(), so
 * the schema's checks apply to every row. The engine's intents and audit events are dropped
 * on purpose: the load is the state that timers act on, not the mail and history that made
 * it (REF itself has both, made by chaser's commands). Clones are committed a few hundred at
 * a time; a failure rolls back the batch in hand and stops with one line on stderr.
 */
#include <glib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/app.h"
#include "engine/engine.h"
#include "store/cases.h"
#include "store/store.h"
#include "util/clock.h"
#include "util/error.h"

#define BATCH 500

/* The time a timer is set to: `when` itself, or the clone's day in 2027. */
static char *timer_at(const char *when, guint64 n)
{
	if (strcmp(when, "spread"))
		return g_strdup(when);
	GDate d;
	g_date_clear(&d, 1);
	g_date_set_dmy(&d, 4, G_DATE_JANUARY, 2027);
	g_date_add_days(&d, (guint)(n % 300));
	return g_strdup_printf("%04d-%02d-%02dT09:00:00Z", g_date_get_year(&d), g_date_get_month(&d),
	                       g_date_get_day(&d));
}

/* Every open timer of the case (conference, escalations, reports) set to `at`. */
static void retime(ChCase *c, const char *at)
{
	if (c->next_at) {
		ch_set_str(&c->next_at, at);
		c->dirty = TRUE;
	}
	for (guint k = 0; k < c->escalations->len; k++) {
		ChEscalation *e = c->escalations->pdata[k];
		if (e->next_at) {
			ch_set_str(&e->next_at, at);
			e->dirty = TRUE;
		}
	}
	for (guint k = 0; k < c->reports->len; k++) {
		ChReport *r = c->reports->pdata[k];
		if (r->next_at) {
			ch_set_str(&r->next_at, at);
			r->dirty = TRUE;
		}
	}
}

/* What the chair said to authorise `tpl`, as commands: AUTHORISED and one ESCALATE line per
 * escalation, with its reasons and comment. */
static char *chair_reply_of(const ChCase *tpl)
{
	GString *s = g_string_new("AUTHORISED\n");
	for (guint k = 0; k < tpl->escalations->len; k++) {
		const ChEscalation *e = tpl->escalations->pdata[k];
		g_autofree char *reasons = g_strjoinv(", ", e->reasons);
		g_string_append_printf(s, "ESCALATE %d %s", e->attendee->n, reasons);
		if (e->comment && *e->comment)
			g_string_append_printf(s, ": %s", e->comment);
		g_string_append_c(s, '\n');
	}
	return g_string_free(s, FALSE);
}

/* An engine run over `c` at the time `at` (as stored), its intents and audit dropped. */
static gboolean engine_at(ChApp *app, const ChRules *rules, const char *at, const char *event,
                          ChEngineCtx *ctx, GDateTime **now, GError **error)
{
	g_clear_pointer(now, g_date_time_unref);
	*now = ch_clock_parse(at);
	if (!*now) {
		g_set_error(error, CH_ERROR, CH_ERROR_USAGE, "the pattern's time '%s' is not a time", at);
		return FALSE;
	}
	ch_app_engine_ctx(app, rules, *now, event, ctx);
	return TRUE;
}

static gboolean clone_one(ChApp *app, const ChCase *tpl, const ChRules *rules, const char *ref,
                          const char *at, GError **error)
{
	ChStore *s = app->store;
	/* conference add: what the command stores */
	g_autoptr(ChCase) add = ch_case_new();
	add->ref = g_strdup(ref);
	add->held = g_strdup(tpl->held);
	add->type = tpl->type;
	add->procedure = g_strdup(tpl->procedure);
	add->chair_email = g_strdup(tpl->chair_email);
	add->chair_name = g_strdup(tpl->chair_name);
	add->social_worker = g_strdup(tpl->social_worker);
	add->practice_manager = g_strdup(tpl->practice_manager);
	add->minute_taker = g_strdup(tpl->minute_taker);
	const char *created = tpl->list_sent_at ? tpl->list_sent_at : tpl->held;
	g_autoptr(GDateTime) now = NULL;
	ChEngineCtx ctx;
	g_autofree char *event = g_strdup_printf("bench-seed:%s", ref);
	/* The first state and its clocks before the row is stored, as `conference add` does:
	 * the schema refuses an open conference without them. */
	if (!engine_at(app, rules, created, event, &ctx, &now, error))
		return FALSE;
	ch_engine_conference_added(add, &ctx);
	if (!ch_store_conference_add(s, add, created, error))
		return FALSE;
	/* list import: the same lines */
	for (guint k = 0; k < tpl->attendees->len; k++) {
		const ChAttendee *a = tpl->attendees->pdata[k];
		if (!ch_store_attendee_add(s, add->id, a->name, a->email, a->agency, a->attendance,
		                           a->report, NULL, error))
			return FALSE;
	}
	g_autoptr(ChCase) c = ch_store_case_load_id(s, add->id, error);
	if (!c)
		return FALSE;
	if (tpl->list_sent_at) {
		g_autoptr(ChEffects) fx = ch_effects_new();
		if (!engine_at(app, rules, tpl->list_sent_at, event, &ctx, &now, error) ||
		    !ch_engine_list_send(c, &ctx, fx, error))
			return FALSE;
	}
	if (tpl->authorised_at) {
		g_autoptr(ChEffects) fx = ch_effects_new();
		g_autofree char *text = chair_reply_of(tpl);
		if (!engine_at(app, rules, tpl->authorised_at, event, &ctx, &now, error))
			return FALSE;
		if (ch_engine_chair_reply(c, &ctx, tpl->chair_email, text, fx) != CH_REPLY_APPLIED) {
			g_set_error(error, CH_ERROR, CH_ERROR_FINAL,
			            "the engine did not take the chair's reply for %s", ref);
			return FALSE;
		}
	}
	retime(c, at);
	return ch_store_case_save(s, c, error);
}

static gboolean clone(ChApp *app, const char *ref, const char *prefix, guint64 copies,
                      const char *when, GError **error)
{
	ChStore *s = app->store;
	if (!ch_store_begin(s, error))
		return FALSE;
	g_autoptr(ChCase) tpl = ch_store_case_load(s, ref, error);
	const ChRules *rules = tpl ? ch_app_rules(app, tpl->procedure, error) : NULL;
	gboolean ok = rules != NULL;
	for (guint64 n = 1; ok && n <= copies; n++) {
		g_autofree char *r = g_strdup_printf("%s%" G_GUINT64_FORMAT, prefix, n);
		g_autofree char *at = timer_at(when, n);
		ok = clone_one(app, tpl, rules, r, at, error);
		if (ok && n % BATCH == 0)
			ok = ch_store_commit(s, error) && ch_store_begin(s, error);
	}
	if (ok)
		return ch_store_commit(s, error);
	ch_store_rollback(s);
	return FALSE;
}

static gboolean retime_ref(ChApp *app, const char *ref, const char *when, GError **error)
{
	ChStore *s = app->store;
	if (!ch_store_begin(s, error))
		return FALSE;
	g_autoptr(ChCase) c = ch_store_case_load(s, ref, error);
	g_autofree char *at = timer_at(when, 0);
	if (c)
		retime(c, at);
	if (c && ch_store_case_save(s, c, error) && ch_store_commit(s, error))
		return TRUE;
	ch_store_rollback(s);
	return FALSE;
}

static int usage(void)
{
	fprintf(stderr, "usage: bench-seed CONFIG clone REF PREFIX COPIES WHEN\n"
	                "       bench-seed CONFIG retime REF WHEN\n"
	                "WHEN: a stored time such as 2026-11-25T09:00:00Z, or spread\n");
	return 2;
}

int main(int argc, char **argv)
{
	gboolean is_clone = argc == 7 && !strcmp(argv[2], "clone");
	gboolean is_retime = argc == 5 && !strcmp(argv[2], "retime");
	if (!is_clone && !is_retime)
		return usage();
	guint64 copies = 0;
	GError *e = NULL;
	if (is_clone && !g_ascii_string_to_unsigned(argv[5], 10, 0, G_MAXUINT32, &copies, &e)) {
		fprintf(stderr, "bench-seed: COPIES: %s\n", e->message);
		g_error_free(e);
		return 2;
	}
	const char *when = argv[argc - 1];
	g_autoptr(GDateTime) when_t = strcmp(when, "spread") ? ch_clock_parse(when) : NULL;
	if (strcmp(when, "spread") && !when_t) {
		fprintf(stderr, "bench-seed: WHEN '%s' is not a time\n", when);
		return 2;
	}
	ChApp *app = ch_app_open(argv[1], &e);
	gboolean ok = app && (is_clone ? clone(app, argv[3], argv[4], copies, when, &e)
	                               : retime_ref(app, argv[3], when, &e));
	if (app)
		ch_app_close(app);
	if (!ok) {
		fprintf(stderr, "bench-seed: %s\n", e ? e->message : "failed");
		g_clear_error(&e);
		return 1;
	}
	return 0;
}
