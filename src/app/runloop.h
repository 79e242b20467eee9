/* runloop: `chaser poll` (one sweep of the shared mailbox) and `chaser run` (sweep, tick and
 * flush for ever), over the inbound contract (inbound/driver.h) and the outbox.
 *
 * The run loop owns the mailbox for its whole life (the driver's lock), turns once per wake-up
 * (IMAP IDLE, or the driver's polling period), backs off exponentially (1 s doubling to
 * 5 minutes) after a sweep that failed for now, keeps the service manager told (READY,
 * STATUS, the watchdog, STOPPING: app/service.h) and stops cleanly on SIGTERM or SIGINT after
 * the message in hand.
 *
 * What it does with each class of failure:
 *   temporary (the mailbox, a tick, a flush)  logged; the mailbox is swept again after the
 *                                             backoff, timers and sending on the next turn
 *   a mailbox that needs its settings fixed   read no more; admin told by mail once a day;
 *   (IMAP: login, certificate, UIDVALIDITY)   timers and sending go on
 *   broken configuration met by a message     the loop stops: FALSE with CH_ERROR_CONFIG, one
 *   or a timer (a template, a rules file)     line naming what to fix; admin told by mail once
 *                                             a day. The message stays in the mailbox, counts
 *                                             no failed attempt, and is read after the fix.
 */
#pragma once
#include <glib.h>
#include "app/app.h"
#include "inbound/driver.h"

/* One sweep. FALSE for any sweep that did not finish: TEMPORARY (the mailbox cannot be read
 * now), or CONFIG (fix the mailbox's settings, or what a message needed; the message waits). */
gboolean ch_runloop_poll(ChApp *app, ChSweepCounts *counts, GError **error);

/* Until SIGTERM or SIGINT (TRUE), or broken configuration (FALSE, CH_ERROR_CONFIG), or the
 * mailbox held by another chaser at start (FALSE, CH_ERROR_TEMPORARY). app->wake, set from
 * another thread, ends the loop's wait: a turn (sweep, tick, flush) starts at once; the
 * console sets it when it has queued a sign-in link. */
gboolean ch_runloop_run(ChApp *app, GError **error);
/* SIGTERM and SIGINT set app->stop from here on (ch_runloop_run does it too): for a caller
 * that starts something beside the loop (the console) and announces it before the loop. */
void ch_runloop_catch_signals(ChApp *app);
