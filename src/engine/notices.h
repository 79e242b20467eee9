/* notices: the mail the engine and its callers build in the same shape from several places,
 * built here once so that each kind reads the same wherever it is decided.
 *
 *   alerts      a person must act now (immediate safety, high risk, a message in triage,
 *               the mailbox that cannot be read): one recipient, one event key, the
 *               conference's variables or a stand-in reference
 *   follow-up   the chair was reminded and has still not done what chaser waits for:
 *               the CP coordinator (admin when none is named) is asked to follow it up
 *   answers     to whoever wrote: "not understood" (what was understood, what was not, an
 *               example) and the transcript of what was done, threaded under their message
 *
 * Pure like the rest of src/engine: each adds an intent (and, for not understood, its audit
 * event) to fx. The intent is owned by fx; the returned pointer is borrowed, for the caller
 * to add the variables of its own template.
 */
#pragma once
#include <glib.h>
#include "engine/engine.h"

/* An alert to `to`, keyed `event_key`. With a case its base variables (ref, held, chair);
 * without one `ref` stands for it (e.g. "no conference", "triage", "mailbox"). `urgent`
 * alerts are never held to working hours. */
ChIntent *ch_notice_alert(ChEffects *fx, const char *template, const char *to,
                          const char *event_key, const ChCase *c, const char *ref,
                          gboolean urgent);

/* "Not understood" to the sender about `about`: the sender's own words (`quoted`, lines of
 * "  > ..." from ch_commands_quote; NULL: none to show), the lines understood (NULL or
 * empty: "nothing"), the problems, the example that fits what the sender seemed to want.
 * Audited as reply.not_understood with `audit_detail`, or the problems when it is NULL. */
void ch_notice_not_understood(const ChCase *c, const ChEngineCtx *ctx, const char *sender,
                              const char *about, const char *quoted, GPtrArray *understood,
                              GPtrArray *problems, const char *example,
                              const char *audit_detail, ChEffects *fx);

/* The transcript to the sender: `done` is the lines of what was done, each ending "\n".
 * Returned borrowed, for a caller whose transcript may itself be answered (a purpose). */
ChIntent *ch_notice_transcript(const ChCase *c, const ChEngineCtx *ctx, const char *sender,
                               const char *about, const char *done, ChEffects *fx);

/* The chair did not `what` (e.g. "authorise the distribution list") by `due` though reminded
 * on `reminded`: chair_overdue to the CP coordinator, or admin, keyed `key`. Nothing when
 * neither is named. */
void ch_notice_chair_overdue(const ChCase *c, const ChEngineCtx *ctx, const char *what,
                             const char *due, const char *reminded, const char *key,
                             ChEffects *fx);
