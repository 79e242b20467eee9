/* store/due: what the timers look for, the obligations whose next action time has come.
 *
 * Each table that owes something (conference, escalation, report) keeps its next_at, and
 * ch_store_due() returns every row whose next_at is at or before `now_key`: conferences
 * first, then escalations, then reports, then the reports marked high risk (their own
 * clock, high_risk_next_at), each in next_at order. `timer` names the clock (the timers
 * table of engine/kinds.c: "conference", "escalation", "report", "high_risk"). The array (of ChStoreDue)
 * belongs to the caller; NULL with *error on a failure.
 */
#pragma once
#include <glib.h>
#include "engine/names.h"
#include "store/store.h"

typedef struct {
	ChObjKind kind; /* whose clock: CH_OBJ_CONFERENCE, _ESCALATION or _REPORT */
	gint64 conference_id;
	gint64 id; /* the conference's, escalation's or report's own id */
	const char *timer; /* which of its clocks (static) */
} ChStoreDue;

GArray *ch_store_due(ChStore *s, const char *now_key, GError **error);
