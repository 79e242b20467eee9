/* effects: where the engine's decisions take effect. The engine returns a changed case and a
 * ChEffects (audit events, intents, typed changes: outbox rows and tasks, a message row set,
 * a triage item added); ch_effects_apply() saves the case's changes, makes the typed changes
 * (a new triage item's id is then written into the audit events and intents that name it),
 * appends the audit events (each marked with `source`, e.g. "timer", "cli",
 * "message:<sha256>") and queues the intents, all inside the caller's open transaction, so
 * that a decision is either recorded whole or not at all. Every caller of the engine
 * (intake, the timer, the command line, the outbox for mail that did not arrive) goes
 * through it; nothing here decides anything.
 *
 * c may be NULL for effects that belong to no conference (a safety alert about mail that
 * matched none). On failure nothing is rolled back here: the caller's transaction is, and the
 * error is the store's or the outbox's (temporary for a busy database, config for a broken
 * template).
 */
#pragma once
#include <glib.h>
#include "app/app.h"
#include "engine/engine.h"

gboolean ch_effects_apply(ChApp *app, ChCase *c, ChEffects *fx, const char *in_reply_to,
                          GDateTime *now, const char *source, GError **error);
