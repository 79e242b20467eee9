/* Bounces: what happens when a mail of ours did not arrive, or a report says how it went.
 * The caller reads the outbox row (and its conference) into a ChBounce; everything decided
 * from it, the row failed, admin's task and mail, the audit line, is added to the effects
 * for app/effects.c to carry out. Pure, like the rest of the engine. */
#include <string.h>

#include "engine/engine-private.h"

/* The words RFC 3464 2.3.3 defines, as the message module gives them (lower case). */
static const char *const dsn_actions[] = {
	[CH_DSN_FAILED] = "failed",       [CH_DSN_DELAYED] = "delayed",
	[CH_DSN_DELIVERED] = "delivered", [CH_DSN_RELAYED] = "relayed",
	[CH_DSN_EXPANDED] = "expanded",
};

ChDsnAction ch_dsn_action_parse(const char *text)
{
	for (guint a = 0; text && a < G_N_ELEMENTS(dsn_actions); a++)
		if (!strcmp(text, dsn_actions[a]))
			return (ChDsnAction)a;
	return CH_DSN_FAILED;
}

const char *ch_dsn_action_name(ChDsnAction a)
{
	return (guint)a < G_N_ELEMENTS(dsn_actions) ? dsn_actions[a] : NULL;
}

/* A mail that did not arrive must not look sent: a task on the case, and admin told by mail
 * (unless the mail that failed was itself to admin: no loop). */
static void delivery_failed(const ChBounce *b, const ChEngineCtx *ctx, ChEffects *fx)
{
	const char *why = b->why ? b->why : "refused";
	g_autofree char *task = g_strdup_printf("%s to %s was not delivered: %s", b->kind, b->rcpt,
	                                        why);
	ChChange *ch = ch_effects_change(fx, CH_CHANGE_TASK, "delivery_failed", task);
	ch->conference_id = b->conference_id;
	const char *admin = ctx->people[CH_ROLE_ADMIN];
	if (!admin || !g_ascii_strcasecmp(b->rcpt, admin))
		return;
	g_autofree char *key = g_strdup_printf("failed:outbox:%" G_GINT64_FORMAT, b->outbox_id);
	ChIntent *i = ch_effects_intent(fx, "delivery_failed", admin, NULL, key);
	ch_intent_set(i, "ref", b->c ? b->c->ref : "delivery");
	ch_intent_set(i, "kind", b->kind);
	ch_intent_set(i, "to", b->rcpt);
	ch_intent_set(i, "why", why);
}

static void row_failed(const ChBounce *b, int attempts, const char *detail, ChEffects *fx)
{
	ChChange *ch = ch_effects_change(fx, CH_CHANGE_OUTBOX_FAILED, NULL, detail);
	ch->id = b->outbox_id;
	ch->conference_id = b->conference_id;
	ch->attempts = attempts;
}

void ch_engine_bounce(const ChBounce *b, const ChEngineCtx *ctx, ChEffects *fx)
{
	ChObj obj = CH_OBJ_NUMBERED(CH_OBJ_OUTBOX, b->outbox_id);
	const char *state = ch_out_state_name(b->state);
	/* RFC 3464 2.3.3: only "failed" is final. "delayed" is a warning while the server keeps
	 * trying (Status 4.4.7 and the like): the mail may yet arrive, and the report that
	 * follows decides. "delivered", "relayed" and "expanded" say it went. Either way the
	 * report goes on the record and nothing else changes: a task for a mail still on its
	 * way would send admin chasing a delivery that happens anyway. */
	if (b->action != CH_DSN_FAILED) {
		gboolean delayed = b->action == CH_DSN_DELAYED;
		g_autofree char *said = g_strdup_printf(
			"%s to %s %s: %s%s", b->kind, b->rcpt, ch_dsn_action_name(b->action),
			b->why ? b->why : "no status given",
			delayed ? "; the receiving server is still trying" : "");
		ch_effects_audit(fx, delayed ? CH_AUDIT_MAIL_DELAYED : CH_AUDIT_MAIL_REPORTED, obj,
		                 state, state, said);
		return;
	}
	g_autofree char *detail = g_strdup_printf("%s to %s bounced: %s", b->kind, b->rcpt,
	                                          b->why ? b->why : "no reason given");
	/* Already failed (a second report, from another server or a copy): the task exists. */
	if (b->state == CH_OUT_FAILED) {
		ch_effects_audit(fx, CH_AUDIT_MAIL_BOUNCED_AGAIN, obj, state, state, detail);
		return;
	}
	row_failed(b, -1, detail, fx);
	delivery_failed(b, ctx, fx);
	ch_effects_audit(fx, CH_AUDIT_MAIL_BOUNCED, obj, ch_out_state_name(CH_OUT_SENT),
	                 ch_out_state_name(CH_OUT_FAILED), detail);
}

void ch_engine_refused(const ChBounce *b, const ChEngineCtx *ctx, ChEffects *fx)
{
	row_failed(b, b->attempts, b->why, fx);
	delivery_failed(b, ctx, fx);
	ch_effects_audit(fx, CH_AUDIT_MAIL_FAILED, CH_OBJ_NUMBERED(CH_OBJ_OUTBOX, b->outbox_id),
	                 ch_out_state_name(CH_OUT_QUEUED), ch_out_state_name(CH_OUT_FAILED), b->why);
}
