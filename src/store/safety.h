/* store/safety: immediate-safety alerts as the store keeps them (table safety_alert,
 * migration 5): one row per message that raised one, open until someone acknowledges it,
 * with its acknowledgement clock. The engine decides (engine/safety.c); this module reads
 * and writes rows.
 *
 * Alerts returned are the caller's (ch_safety_alert_free). Errors are the store's:
 * temporary for a busy database, final for a constraint (an open alert without its clock is
 * refused by the schema's triggers).
 */
#pragma once
#include <glib.h>
#include "engine/engine.h"
#include "store/store.h"

/* Inserts a (id 0; a->id is set) or updates its row. */
gboolean ch_store_safety_save(ChStore *s, ChSafetyAlert *a, GError **error);
/* The alert of row `id`, with its conference's reference; NULL with a final *error when
 * there is none. */
ChSafetyAlert *ch_store_safety_load(ChStore *s, gint64 id, GError **error);
/* The alert that our mail of Message-ID `msgid` (without <>) was about: the alert itself,
 * or the notice of it to the team and service managers. *id_r is 0 when msgid is none of
 * those. */
gboolean ch_store_safety_by_mail(ChStore *s, const char *msgid, gint64 *id_r, GError **error);
/* The newest open alert that asked `addr` to acknowledge and has not gone further yet;
 * *id_r 0 for none. */
gboolean ch_store_safety_open_asking(ChStore *s, const char *addr, gint64 *id_r,
                                     GError **error);
/* The ids of the open alerts whose next_at is at or before now_key, oldest first. */
GArray *ch_store_safety_due(ChStore *s, const char *now_key, GError **error);
/* Alerts (ChSafetyAlert*), newest first: only open ones unless `all`; of one conference
 * when conference_id is not 0. */
GPtrArray *ch_store_safety_list(ChStore *s, gboolean all, gint64 conference_id,
                                GError **error);
