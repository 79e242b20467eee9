/* engine: the rules engine. Pure functions: (case, event, rules, now) -> (changed case,
 * outbound intents, audit events). No I/O: no files, no database, no network, no clock
 * reads (the time is ctx->now). Every message kind and every timer goes through here.
 *
 * The engine changes the ChCase in place and marks what it changed (dirty); the caller saves
 * those changes, makes the typed changes beyond the case (ChChange), queues the intents and
 * appends the audit events in one transaction. An
 * intent is a message to one person: a template name, a recipient and the template's
 * variables; its event_key is unique per event and recipient so queuing it twice is
 * harmless.
 *
 * The functions are implemented by what they decide (engine-private.h lists the files):
 * lists.c, escalations.c, reports.c, safety.c, bounces.c, effects.c (and notices.c for the
 * mail built the same way from several places).
 */
#pragma once
#include <glib.h>
#include "engine/case.h"
#include "engine/rules.h"
#include "timers/calendar.h"

typedef struct {
	const ChRules *rules;
	const ChCalendar *cal;
	GDateTime *now;
	const char *event_id;  /* what caused this run (a message's SHA-256, a timer key): keys
	                          the answers it sends so a re-run sends nothing twice */
	const char *people[CH_ROLE_N];  /* the [people] address of each CH_ROLE_OF_PEOPLE role,
	                                   or NULL */
	const char *const *cp_managers; /* CH_ROLE_CP_MANAGERS, the one list */
	int hours_start;   /* minutes after midnight */
	int hours_end;
} ChEngineCtx;

typedef struct {
	char *template;
	char *to;
	char *to_name;
	ChPurpose purpose;    /* reply token purpose, or CH_PURPOSE_NONE for mail that needs no
	                         answer */
	ChEscalation *esc;    /* what the token is about (borrowed), or NULL for the conference */
	ChReport *report;     /* ... or this report (borrowed) */
	char *event_key;
	GHashTable *vars;     /* char* -> char* */
	gboolean urgent;      /* an alert: never held to working hours */
	gboolean in_reply;    /* thread it under the message being handled */
} ChIntent;

typedef struct {
	ChAudit what;
	char *object;         /* ch_obj_text(): e.g. "escalation of line 4" */
	char *old_value;
	char *new_value;
	char *detail;
} ChAuditEvent;

/* A change to the store beyond the case, typed so that the applier carries it out without
 * deciding anything (app/effects.c applies them first, in order, then the audit events). */
typedef enum {
	CH_CHANGE_OUTBOX_FAILED, /* outbox row `id` is failed, `detail` its error; `attempts` the
	                            tries so far, or -1 to leave the count as it is */
	CH_CHANGE_TASK,          /* a task for admin of kind `what` on conference `conference_id`
	                            (0: none), `detail` saying what to do */
} ChChangeKind;

typedef struct {
	ChChangeKind kind;
	gint64 id;
	gint64 conference_id;
	int attempts;
	char *what;
	char *detail;
} ChChange;

typedef struct {
	GPtrArray *intents;   /* ChIntent* */
	GPtrArray *audit;     /* ChAuditEvent* */
	GPtrArray *changes;   /* ChChange*: outbox rows and tasks, beyond the case */
	gboolean changed;     /* the case's state changed */
} ChEffects;

ChEffects *ch_effects_new(void);
void ch_effects_free(ChEffects *fx);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(ChEffects, ch_effects_free)
ChIntent *ch_effects_intent(ChEffects *fx, const char *template, const char *to,
                            const char *to_name, const char *event_key);
void ch_intent_set(ChIntent *i, const char *key, const char *value);
void ch_effects_audit(ChEffects *fx, ChAudit what, ChObj object, const char *old_value,
                      const char *new_value, const char *detail);
/* Appends a change (its strings copied) and returns it, for the fields its kind uses. */
ChChange *ch_effects_change(ChEffects *fx, ChChangeKind kind, const char *what,
                            const char *detail);

typedef enum {
	CH_REPLY_APPLIED,         /* commands understood and applied */
	CH_REPLY_RECORDED,        /* recorded (a free-text answer); a person is asked to confirm */
	CH_REPLY_NOT_UNDERSTOOD,  /* nothing changed; the sender is told why */
} ChReplyResult;

/* Admin sends the distribution list to the chair: held -> list_sent. */
gboolean ch_engine_list_send(ChCase *c, const ChEngineCtx *ctx, ChEffects *fx, GError **error);

/* The chair's reply to the distribution list. */
ChReplyResult ch_engine_chair_reply(ChCase *c, const ChEngineCtx *ctx, const char *sender,
                                    const char *text, ChEffects *fx);

/* An answer about one escalation, from the person asked at its stage or (confirming) from
 * the chair. */
ChReplyResult ch_engine_escalation_reply(ChCase *c, ChEscalation *e, const ChEngineCtx *ctx,
                                         const char *sender, gboolean from_chair,
                                         const char *text, ChEffects *fx);

/* The timer for an escalation whose next_at has come: a chaser while the stage allows one,
 * then the next stage (or, past the last, unresolved and the CP coordinator told). A
 * responded one waits for the chair: a reminder, then the CP coordinator told. */
gboolean ch_engine_escalation_due(ChCase *c, ChEscalation *e, const ChEngineCtx *ctx,
                                  ChEffects *fx);

/* Immediate-safety words: TRUE (and alert intents) when text holds one of the phrases
 * `words` (the config gives ch_phrases_safety and its own; engine/phrases.h says how they
 * match). `what` says where the words were seen (e.g. "a reply from the chair"), never the
 * text itself. */
gboolean ch_engine_safety_check(ChCase *c, const ChEngineCtx *ctx, const char *const *words,
                                const char *text, const char *what, const char *event_id,
                                ChEffects *fx);

/* ---- post-conference reports (engine/reports.c) ---- */

/* At list send: which agencies owe a report (none of their people attended and none sent
 * one), the requests to them with the due date, and the minutes deadlines. Returns the
 * text for the chair about the minutes (caller frees). */
char *ch_engine_plan_reports(ChCase *c, const ChEngineCtx *ctx, ChEffects *fx);

/* A report arrived (its content already stored durably as `file` with `sha256`). */
ChReplyResult ch_engine_report_received(ChCase *c, ChReport *r, const ChEngineCtx *ctx,
                                        const char *sender, const char *sha256,
                                        const char *file, gint64 message_row, ChEffects *fx);

/* The chair's or social worker's answer to the notice of a report: REVIEWED, HIGH RISK. */
ChReplyResult ch_engine_report_reply(ChCase *c, ChReport *r, const ChEngineCtx *ctx,
                                     const char *sender, const char *text, ChEffects *fx);

/* Timers: a report's next step (reminder, missing, review reminder); the conference's own
 * (the list not sent in time). Each moves next_at on, so a second run does nothing. */
gboolean ch_engine_report_due(ChCase *c, ChReport *r, const ChEngineCtx *ctx, ChEffects *fx);
gboolean ch_engine_conference_due(ChCase *c, const ChEngineCtx *ctx, ChEffects *fx);
/* At conference add: the case's first state (held), and when the list must have gone to
 * the chair. */
void ch_engine_conference_added(ChCase *c, const ChEngineCtx *ctx);

/* authorised -> closed once nothing is left to chase: every escalation resolved, unresolved
 * or closed, and every post-conference report received or missing. TRUE if it closed. */
gboolean ch_engine_close_if_done(ChCase *c, const ChEngineCtx *ctx, ChEffects *fx);

/* ---- delivery of our own mail (engine/bounces.c) ---- */

/* A delivery report's Action (RFC 3464 2.3.3), read once from its lower-case text. A report
 * that names none, or a word the RFC does not define, counts as failed: only a report that
 * says the mail went, or is still on its way, may leave it looking sent. */
typedef enum {
	CH_DSN_FAILED,
	CH_DSN_DELAYED,
	CH_DSN_DELIVERED,
	CH_DSN_RELAYED,
	CH_DSN_EXPANDED,
} ChDsnAction;
ChDsnAction ch_dsn_action_parse(const char *text);
const char *ch_dsn_action_name(ChDsnAction a);

/* What the caller read from the store about one mail of ours that a report, or the
 * receiving server at sending, says did not (or did) arrive. Strings are borrowed. */
typedef struct {
	gint64 outbox_id;
	gint64 conference_id;  /* 0: mail of no conference */
	const ChCase *c;       /* that conference, or NULL when there is none */
	const char *kind;      /* the template it was made from */
	const char *rcpt;
	ChOutState state;      /* the outbox row's state now */
	ChDsnAction action;    /* ch_engine_bounce: what the report says */
	const char *why;       /* the report's status and recipient, or the server's refusal;
	                          NULL when none was given */
	int attempts;          /* ch_engine_refused: the tries, the refused one included */
} ChBounce;

/* A delivery report: failed marks the row failed and opens a task for admin, who is told by
 * mail unless the mail was to admin (once: a second report is only audited); delayed,
 * delivered, relayed and expanded are audited and change nothing. */
void ch_engine_bounce(const ChBounce *b, const ChEngineCtx *ctx, ChEffects *fx);
/* The receiving server refused the mail for good at sending (or it kept failing too long):
 * the row failed after b->attempts tries, b->why the reply, and admin's task as above. */
void ch_engine_refused(const ChBounce *b, const ChEngineCtx *ctx, ChEffects *fx);
