/* store/web: what the web console keeps (web/web_auth.c): one-time sign-in links, sessions,
 * and the sign-in requests counted for the rate limits (migration 8).
 *
 * Secrets never reach the store: links and sessions are found by the SHA-256 (hex) of their
 * secret, which the caller computes. Times are Unix seconds from the caller's clock (so
 * --now works). Strings returned are the caller's. Errors are the store's (CH_ERROR_TEMPORARY
 * when busy).
 */
#pragma once
#include <glib.h>
#include "store/store.h"

/* A new link for `address`, good until `expires`. Old links and sessions (ended or expired a
 * day ago) are removed at the same time: nothing of them is worth keeping. */
gboolean ch_store_web_link_add(ChStore *s, const char *hash, const char *address, gint64 now,
                               gint64 expires, GError **error);
/* Uses the link once: *address_r is its address when it was unused and not expired (it is
 * then marked used), NULL otherwise. In its own transaction, so two openings of one link
 * cannot both succeed. */
gboolean ch_store_web_link_use(ChStore *s, const char *hash, gint64 now, char **address_r,
                               GError **error);

gboolean ch_store_web_session_add(ChStore *s, const char *hash, const char *address,
                                  gboolean may_act, gint64 now, gint64 expires, GError **error);
/* The live session of that hash: not ended, before its absolute expiry and used within
 * `idle` seconds; it is then marked seen now. *address_r NULL when there is none. */
gboolean ch_store_web_session_get(ChStore *s, const char *hash, gint64 now, gint64 idle,
                                  char **address_r, gboolean *may_act_r, GError **error);
gboolean ch_store_web_session_end(ChStore *s, const char *hash, gint64 now, GError **error);

/* Whether `address` has a link sent since `since` that is still unused and unexpired. */
gboolean ch_store_web_link_fresh(ChStore *s, const char *address, gint64 now, gint64 since,
                                 gboolean *fresh_r, GError **error);

/* One sign-in request from `client` (`who` the hash of the address typed): *allowed_r when
 * that client made fewer than `limit` since `since`, and only then is it recorded, so that
 * requests refused count against nobody. */
gboolean ch_store_web_request(ChStore *s, const char *who, const char *client, gint64 now,
                              gint64 since, gint64 limit, gboolean *allowed_r, GError **error);
