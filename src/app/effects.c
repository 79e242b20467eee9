#include "app/effects.h"

#include "outbound/outbox.h"
#include "store/cases.h"
#include "store/outbox.h"
#include "util/clock.h"

gboolean ch_effects_apply(ChApp *app, ChCase *c, ChEffects *fx, const char *in_reply_to,
                          GDateTime *now, const char *source, GError **error)
{
	ChStore *s = app->store;
	if (c && !ch_store_case_save(s, c, error))
		return FALSE;
	g_autofree char *now_s = ch_clock_format(now);
	/* Before the audit lines, which say they happened. */
	for (guint i = 0; i < fx->changes->len; i++) {
		ChChange *ch = fx->changes->pdata[i];
		gboolean ok = FALSE;
		switch (ch->kind) {
		case CH_CHANGE_OUTBOX_FAILED:
			ok = ch_store_outbox_mark_failed(s, ch->id, ch->attempts, ch->detail, error);
			break;
		case CH_CHANGE_TASK:
			ok = ch_store_task_add(s, ch->conference_id, ch->what, ch->detail, now_s, error);
			break;
		}
		if (!ok)
			return FALSE;
	}
	for (guint i = 0; i < fx->audit->len; i++) {
		ChAuditEvent *a = fx->audit->pdata[i];
		if (!ch_store_audit(s, now_s, c ? c->id : 0, source, ch_audit_name(a->what), a->object,
		                    a->old_value, a->new_value, a->detail, error))
			return FALSE;
	}
	return ch_outbox_queue(app, c, fx, in_reply_to, now, source, error);
}
