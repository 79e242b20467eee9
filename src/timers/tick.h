/* tick: hands every obligation whose time has come to the rules engine, once.
 *
 * Each obligation carries next_at, the UTC time its timer next looks at it (indexed), so a
 * tick costs what is due, not what is open. Each one is handled in its own transaction that
 * also moves next_at on; run twice at the same moment, the second run finds nothing. Chasers
 * and reminders wait for working hours on a working day; alerts about a child's safety never
 * wait: they are sent by the message that raised them, and the timer that tells the managers
 * when nobody acknowledged one runs at any hour.
 */
#pragma once
#include <glib.h>
#include "app/app.h"

typedef struct {
	guint due;        /* obligations looked at */
	guint acted;      /* that produced a step (chaser, climb, ...) */
	gboolean held;    /* outside working hours: nothing done */
} ChTickCounts;

gboolean ch_tick(ChApp *app, GDateTime *now, ChTickCounts *counts, GError **error);

/* TRUE within the configured hours on a working day. */
gboolean ch_tick_working_time(ChApp *app, GDateTime *now);
