/* store/mailbox: what the IMAP reader keeps between runs, per mailbox: the UIDVALIDITY it
 * knows and the last UID it has read.
 *
 * Kept in the store, not beside it, so that a rebuilt mailbox (a new UIDVALIDITY) is seen
 * as such after a restart and never read as new mail.
 */
#pragma once
#include <glib.h>
#include "store/store.h"

/* *known_r FALSE when the mailbox has never been read (the values are then left alone). */
gboolean ch_store_mailbox_get(ChStore *s, const char *mailbox, gboolean *known_r,
                              guint32 *uidvalidity_r, guint32 *last_uid_r, GError **error);
/* Records the UIDVALIDITY; the last UID only ever grows. */
gboolean ch_store_mailbox_set(ChStore *s, const char *mailbox, guint32 uidvalidity,
                              guint32 last_uid, GError **error);
