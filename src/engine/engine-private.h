/* engine-private: what the engine's own files share, and nothing outside src/engine sees.
 *
 * The engine is split by what it decides, each file using only this header's helpers (in
 * engine-private.c) and the public engine.h, never one another's statics:
 *
 *   effects.c      ChEffects: intents, audit events and typed changes to the store
 *   notices.c      alerts, and the not-understood and transcript answers (notices.h)
 *   lists.c        the conference: the distribution list, the chair's reply, the list's own
 *                  timer, closing a finished case
 *   escalations.c  escalations: raising, the ladder of stages, answers, the timer
 *   reports.c      post-conference reports
 *   safety.c       immediate-safety words, matched by phrases.c (phrases.h: the phrases
 *                  and the matcher, which calls nothing of the engine)
 *   bounces.c      mail of ours that did not arrive: delivery reports, refusals at sending
 *   triage.c       a message no answer handles (triage, automatic mail); the daily account
 *
 * lists.c calls into escalations.c (the chair raises them) and reports.c (the list plans
 * them); neither calls back. Pure, like the rest of the engine: no I/O headers.
 */
#pragma once
#include <glib.h>
#include "engine/engine.h"
#include "engine/kinds.h"
#include "engine/commands.h"

/* ---- engine-private.c ---- */

/* ctx->now as stored (ISO 8601 with offset). */
char *ch_engine_now_str(const ChEngineCtx *ctx);
/* ref, held, chair_name: what every message about a case can say. */
void ch_engine_base_vars(ChIntent *i, const ChCase *c);

/* Who a role is for this attendee and case (NULL when nobody is configured); a role with a
 * fallback (agency_lead: the SLO) falls back when its own address is unset. */
const char *ch_engine_role_address(const ChCase *c, const ChAttendee *a, const ChEngineCtx *ctx,
                                   ChRole role);
/* How a message to the role greets them, or NULL ("colleague"). */
const char *ch_engine_role_greeting(const ChCase *c, const ChAttendee *a, ChRole role);
/* Alerts and the end of a ladder go to the CP coordinator, else to admin (or NULL). */
const char *ch_engine_coordinator_or_admin(const ChEngineCtx *ctx);

/* The start of working hours on `d`. */
char *ch_engine_working_start(const ChEngineCtx *ctx, const GDate *d);
/* When the timer should look at an obligation due on `due`: the start of working hours on
 * the next working day after it. */
char *ch_engine_after_due(const ChEngineCtx *ctx, const GDate *due);

/* The conference moves to `state`, audited. */
void ch_engine_set_state(ChCase *c, ChEffects *fx, ChConfState state);
/* closed -> authorised: something is owed again on a conference that had closed (a report
 * marked high risk, a concern between agencies), so it is open, and chased, until that is
 * settled and a tick closes it once more. Nothing when it is not closed. */
void ch_engine_reopen(ChCase *c, ChEffects *fx);

/* ---- escalations.c ---- */

/* The chair's ESCALATE lines (ChCommand*, each naming a line on the list): new escalations,
 * or reasons added to one already there; then every escalation not yet at a stage enters
 * stage 1. What was done is appended to `done` for the chair's transcript. */
void ch_engine_escalations_raise(ChCase *c, GPtrArray *commands, const ChEngineCtx *ctx,
                                 GString *done, ChEffects *fx);

/* ---- the kinds of answer (kinds.h), each in the file of what it decides ---- */

extern const ChKind ch_kinds_lists[];       /* lists.c: the chair's answer to the list */
extern const guint ch_kinds_lists_n;
extern const ChKind ch_kinds_reports[];     /* reports.c: a report; its review */
extern const guint ch_kinds_reports_n;
extern const ChKind ch_kinds_escalations[]; /* escalations.c: an answer; the chair's confirmation */
extern const guint ch_kinds_escalations_n;

/* Addresses compared as mail compares them (case aside); NULL is never the same. */
gboolean ch_engine_same_addr(const char *a, const char *b);
/* The domain of an address (after its last '@'), or NULL. */
const char *ch_engine_domain_of(const char *addr);
/* A report still owed: awaited, or missing (late but still wanted). */
gboolean ch_engine_report_owed(const ChReport *r);

/* The rules e climbs: a concern's own (inter-agency.rules), else the conference's; and the
 * stage it stands at there (NULL past the last). */
const ChRules *ch_engine_esc_rules(const ChEngineCtx *ctx, const ChEscalation *e);
const ChStage *ch_engine_esc_stage(const ChEngineCtx *ctx, const ChEscalation *e);

/* ---- outcomes.c: a stage's named outcomes (SET ASIDE, the quality assurance group's
 * options), the history and risks for the group, the resolution form at the end ---- */
/* SET ASIDE that may not act here (the wrong stage, the wrong person, with another
 * decision): why, into `problems`. */
void ch_engine_outcome_problems(const ChCase *c, const ChEscalation *e, const ChEngineCtx *ctx,
                                const ChCommand *set_aside, gboolean with_decision,
                                const char *sender, gboolean from_chair, GPtrArray *problems);
void ch_engine_apply_set_aside(ChCase *c, ChEscalation *e, const ChCommand *cmd,
                               const char *sender, const ChEngineCtx *ctx, GString *done,
                               ChEffects *fx);
/* The decision was set aside and no new date is entered: admin reminded, again the next
 * working day. */
void ch_engine_reconvene_chase(ChCase *c, ChEscalation *e, const ChEngineCtx *ctx,
                               ChEffects *fx);
/* The quality assurance group named `options` (ChOutcome bits): recorded, the concern ends,
 * the chair gets the feedback. */
void ch_engine_apply_options(ChCase *c, ChEscalation *e, guint options, const char *text,
                             const ChEngineCtx *ctx, GString *done, ChEffects *fx);
/* RESOLVED naming the group's options: the options recorded beside the usual ending. */
void ch_engine_record_options(ChEscalation *e, guint options, const char *text, ChEffects *fx);
/* The history, risks and options of a mail to a stage with the group's options. */
void ch_engine_outcome_vars(ChIntent *i, const ChCase *c, const ChEscalation *e,
                            const ChStage *st);
/* A Cwm Taf conference whose concerns have all ended: the resolution form to the CP
 * coordinator and the social worker. */
void ch_engine_form_if_ended(ChCase *c, const ChEngineCtx *ctx, ChEffects *fx);
