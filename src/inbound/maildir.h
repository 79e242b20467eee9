/* maildir: the embedded default inbound, a Maildir (new/cur/tmp) on local disk.
 *
 * One sweep reads every file in new/ in name order (the delivery order of Maildir names),
 * hands it to intake, and only after intake answered moves it: handled mail to cur/ with
 * the Seen flag, quarantined mail to the .Quarantine/ sub-Maildir; a message intake asks to
 * retry stays in new/. A lock file keeps a second reader out.
 */
#pragma once
#include <glib.h>
#include "app/app.h"

typedef struct {
	guint seen;
	guint handled;
	guint quarantined;
	guint retry;
} ChPollCounts;

gboolean ch_maildir_poll(ChApp *app, ChPollCounts *counts, GError **error);
