#include "app/effects.h"

#include <string.h>

#include "outbound/outbox.h"
#include "report/record.h"
#include "store/cases.h"
#include "store/messages.h"
#include "store/outbox.h"
#include "store/safety.h"
#include "util/clock.h"

/* The store changes beyond the case, before the audit lines that say they happened: outbox
 * rows failed and tasks, message rows, new triage items (each gets its id here, before
 * anything that names it is written), decided ones, immediate-safety alerts as they now
 * stand. */
static gboolean apply_store_changes(ChStore *s, ChEffects *fx, const char *now_s,
                                    GError **error)
{
	for (guint i = 0; i < fx->changes->len; i++) {
		const ChChange *ch = fx->changes->pdata[i];
		gboolean ok = FALSE;
		switch (ch->kind) {
		case CH_CHANGE_OUTBOX_FAILED:
			ok = ch_store_outbox_mark_failed(s, ch->id, ch->attempts, ch->detail, error);
			break;
		case CH_CHANGE_TASK:
			ok = ch_store_task_add(s, ch->conference_id, ch->what, ch->detail, now_s, error);
			break;
		case CH_CHANGE_TASK_DONE:
			ok = ch_store_task_done(s, ch->conference_id, ch->what, now_s, error);
			break;
		}
		if (!ok)
			return FALSE;
	}
	for (guint i = 0; i < fx->messages->len; i++) {
		const ChMessageSet *m = fx->messages->pdata[i];
		if (!ch_store_message_set(s, m->row, ch_msg_state_name(m->state), m->kind,
		                          m->conference_id, m->reason, error))
			return FALSE;
	}
	for (guint i = 0; i < fx->triage->len; i++) {
		ChTriageAdd *t = fx->triage->pdata[i];
		if (!ch_store_triage_add(s, t->message_row, t->conference_id, t->reason, now_s, &t->id,
		                         error))
			return FALSE;
	}
	for (guint i = 0; i < fx->decisions->len; i++) {
		const ChTriageDecision *d = fx->decisions->pdata[i];
		if (!ch_store_triage_decide(s, d->id, ch_triage_state_name(d->state), now_s, error))
			return FALSE;
	}
	for (guint i = 0; i < fx->safety->len; i++)
		if (!ch_store_safety_save(s, fx->safety->pdata[i], error))
			return FALSE;
	ch_effects_resolve(fx);
	return TRUE;
}

/* The engine holds no audit trail: a mail carrying a stage's history or the resolution
 * form is filled in from the record here, once the audit lines of this very event are
 * written, so that it holds the answer that caused it. */
static gboolean fill_from_record(ChApp *app, ChCase *c, ChEffects *fx, GError **error)
{
	for (guint i = 0; i < fx->intents->len; i++) {
		ChIntent *in = fx->intents->pdata[i];
		const char *history = g_hash_table_lookup(in->vars, "history");
		if (history && !strcmp(history, ch_engine_fill_history) && in->esc) {
			g_autofree char *text = ch_record_history(app, c->ref, in->esc->attendee->n,
			                                          error);
			if (!text)
				return FALSE;
			ch_intent_set(in, "history", text);
		}
		const char *form = g_hash_table_lookup(in->vars, "form");
		if (form && !strcmp(form, ch_engine_fill_form)) {
			g_autofree char *text = ch_record_form(app, c->ref, error);
			if (!text)
				return FALSE;
			ch_intent_set(in, "form", text);
		}
	}
	return TRUE;
}

gboolean ch_effects_apply(ChApp *app, ChCase *c, ChEffects *fx, const char *in_reply_to,
                          GDateTime *now, const char *source, GError **error)
{
	ChStore *s = app->store;
	if (c && !ch_store_case_save(s, c, error))
		return FALSE;
	g_autofree char *now_s = ch_clock_format(now);
	if (!apply_store_changes(s, fx, now_s, error))
		return FALSE;
	for (guint i = 0; i < fx->audit->len; i++) {
		ChAuditEvent *a = fx->audit->pdata[i];
		if (!ch_store_audit(s, now_s, c ? c->id : fx->conference_id, source,
		                    ch_audit_name(a->what), a->object, a->old_value, a->new_value,
		                    a->detail, error))
			return FALSE;
	}
	if (c && !fill_from_record(app, c, fx, error))
		return FALSE;
	return ch_outbox_queue(app, c, fx, in_reply_to, now, source, error);
}
