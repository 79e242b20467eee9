/* adminmail: admin sets up a conference and its distribution list by mailing the shared
 * mailbox, as procedure 000 has the support assistant email the list to the chair.
 *
 * A mail from the config's admin address whose subject says "New conference REF" holds the
 * conference as labelled lines (held, type, chair, social worker, practice manager, minute
 * taker, procedure) and the list as a CSV or xlsx attachment, or as CSV lines under a line
 * "List:". Everything goes through the checks `conference add` and `list import` use
 * (app/setup.c). One problem and nothing is created: admin is answered with every problem,
 * each naming its line or row, and the form to send back. All right: the conference and its
 * list are created and admin gets the list as the chair will see it, with a reply token, to
 * answer SEND (or, with [admin] confirm = no, it goes to the chair at once). Before the list
 * has gone, a reply may also REPLACE LIST (a new attachment, or lines), ADD lines and REMOVE
 * lines; after, every change is refused with what to do instead.
 *
 * Whether the sender is admin, verified, is intake's (a reply token, or the receiving
 * server's DMARC verdict, as for any command); this module is handed a mail it may act on,
 * inside intake's transaction, and answers through the outbox like the engine's mail.
 */
#pragma once
#include <glib.h>
#include "app/app.h"
#include "message/message.h"

/* Whether m is from admin and, carrying no reply token, says in its subject that it sets
 * up a new conference. */
gboolean ch_adminmail_is_new(ChApp *app, const ChMessage *m);

/* Handles a verified new-conference mail (conference_id 0) or a verified reply to one of
 * the mails this module sent about conference `conference_id`. `own` is the reply's own
 * words (quoted text taken out). *conference_r is the conference it ends up about (0 for
 * none). The message row is left for the caller to mark. */
gboolean ch_adminmail_handle(ChApp *app, const ChMessage *m, const char *own,
                             gint64 conference_id, GDateTime *now, const char *event_id,
                             const char *source, gint64 *conference_r, GError **error);
