/* outbox: mail chaser has decided to send, kept in the store until it is sent.
 *
 * ch_outbox_queue() turns the engine's intents into rows inside the caller's transaction:
 * one row per recipient and event (the event key is unique, so the same event queued twice
 * yields one message), each rendered and built into its final bytes with a Message-ID fixed
 * now and reused on every retry. Nothing leaves before the transaction commits.
 *
 * ch_outbox_flush() sends what is due, one message at a time, by the configured transport
 * (outbound/transport.h: the spool folder, or SMTP), and records each result in its own small transaction:
 * sent; retrying with capped exponential backoff (temporary failures); or failed with a task
 * for admin (permanent failures, or still failing after two days). A crash between a send
 * and its record re-sends that one message with the same Message-ID (the spool writes the
 * same file again; an SMTP receiver may see it twice, never a different one).
 */
#pragma once
#include <glib.h>
#include "app/app.h"
#include "engine/case.h"
#include "engine/engine.h"

gboolean ch_outbox_queue(ChApp *app, const ChCase *c, ChEffects *fx, const char *in_reply_to,
                         GDateTime *now, const char *source, GError **error);

typedef struct {
	guint sent;
	guint retrying;
	guint failed;
	gboolean busy; /* another chaser was sending: this flush sent nothing, and that one sends */
} ChFlushCounts;

gboolean ch_outbox_flush(ChApp *app, GDateTime *now, ChFlushCounts *counts, GError **error);

/* A delivery report about an outbox message. `action` is its RFC 3464 Action (NULL for a
 * bounce that names none, which counts as failed). The row and its conference are read here;
 * what follows is decided by ch_engine_bounce() (engine/bounces.c) and applied by
 * ch_effects_apply() in the caller's transaction: failed marks the message failed and opens
 * a task for admin (once: a second report adds only an audit line); delayed, delivered,
 * relayed and expanded are recorded and change nothing. A refusal at sending goes the same
 * way through ch_engine_refused(). */
gboolean ch_outbox_mark_bounced(ChApp *app, const char *message_id, const char *action,
                                const char *why, const char *at, const char *source,
                                gint64 *conference_r, GError **error);
