/* engine: the rules engine. Pure functions: (case, event, rules, now) -> (changed case,
 * outbound intents, audit events). No I/O: no files, no database, no network, no clock
 * reads (the time is ctx->now). Every message kind and every timer goes through here.
 *
 * The engine changes the ChCase in place and marks what it changed (dirty); the caller saves
 * those changes, makes the typed changes beyond the case (ChChange: an outbox row, a task;
 * a message row's state, a triage item), queues the intents and appends the audit events in
 * one transaction. An
 * intent is a message to one person: a template name, a recipient and the template's
 * variables; its event_key is unique per event and recipient so queuing it twice is
 * harmless.
 *
 * The functions are implemented by what they decide (engine-private.h lists the files):
 * lists.c, escalations.c, reports.c, safety.c, bounces.c, triage.c, effects.c (and notices.c
 * for the
 * mail built the same way from several places).
 */
#pragma once
#include <glib.h>
#include "engine/case.h"
#include "engine/phrases.h"
#include "engine/rules.h"
#include "timers/calendar.h"

/* The rules file a concern between agencies (003) follows: rules/inter-agency.rules. */
#define CH_CONCERN_PROCEDURE "inter-agency"

typedef struct {
	const ChRules *rules;
	const ChRules *concern_rules; /* CH_CONCERN_PROCEDURE's, or NULL when there is none */
	const ChCalendar *cal;
	GDateTime *now;
	const char *event_id;  /* what caused this run (a message's SHA-256, a timer key): keys
	                          the answers it sends so a re-run sends nothing twice */
	const char *people[CH_ROLE_N];  /* the [people] address of each CH_ROLE_OF_PEOPLE role,
	                                   or NULL */
	const char *const *cp_managers; /* CH_ROLE_CP_MANAGERS, the one list */
	int hours_start;   /* minutes after midnight */
	int hours_end;
	int safety_ack_minutes; /* [safety] ack_within; 0 for the default, an hour */
} ChEngineCtx;

/* An immediate-safety alert, as the store keeps it (store/safety.h): who was asked to
 * acknowledge it, by when, and what became of it. Strings are owned. */
typedef struct {
	gint64 id;             /* 0 until saved */
	char *key;             /* "safety:<event id>": one alert per message that raised it */
	gint64 conference_id;  /* 0: about mail of no conference */
	char *ref;             /* that conference's reference, or NULL */
	char *message;         /* the event that raised it (a message's SHA-256) */
	char *what;            /* where the words were seen, in our words */
	char *asked;           /* the addresses asked to acknowledge, ';'-separated */
	char *raised_at;
	char *due;             /* the acknowledgement is due by (ISO) */
	char *next_at;         /* when the timer next looks at it (UTC key); NULL once done */
	ChSafetyState state;
	char *acknowledged_by;
	char *acknowledged_at;
	char *escalated_at;    /* the team and service managers told */
	char *told;            /* who was told then, ';'-separated: they may acknowledge too */
} ChSafetyAlert;

void ch_safety_alert_free(ChSafetyAlert *a);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(ChSafetyAlert, ch_safety_alert_free)
ChSafetyAlert *ch_safety_alert_copy(const ChSafetyAlert *a);

/* ---- store changes: what becomes of the message being handled ----
 *
 * Typed, so that the engine decides them and the applier (app/effects.c) only carries them
 * out. A triage item's id is the store's, known only once the applier has added it: the
 * audit events and intents that name it point at its ChTriageAdd, and ch_effects_resolve()
 * writes the id into them once it is set. */

/* Set message row `row` to `state`, read as `kind` ("triage", "automatic", ...), about
 * `conference_id` (0 for none), with `reason` (or NULL). */
typedef struct {
	gint64 row;
	ChMsgState state;
	char *kind;
	gint64 conference_id;
	char *reason;
} ChMessageSet;

/* Add an open triage item for message row `message_row`; `id` is 0 until it is added. */
typedef struct {
	gint64 message_row;
	gint64 conference_id;
	char *reason;
	gint64 id;
} ChTriageAdd;

/* A person decided triage item `id`: it moves to `state` (released, dropped). */
typedef struct {
	gint64 id;
	ChTriageState state;
} ChTriageDecision;

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
	const ChTriageAdd *triage; /* var `triage_var` is this triage item's id (borrowed) */
	char *triage_var;
	GPtrArray *attachments; /* ChMailPart*: files sent with the mail (a report), or NULL */
} ChIntent;

/* A file sent with a mail: its name as the reader sees it, its MIME type and its bytes. */
typedef struct {
	char *filename;
	char *content_type;
	GBytes *data;
} ChMailPart;

typedef struct {
	ChAudit what;
	char *object;         /* ch_obj_text(): e.g. "escalation of line 4" */
	char *old_value;
	char *new_value;
	char *detail;
	const ChTriageAdd *triage; /* the object is this triage item, once it has its id */
} ChAuditEvent;

/* A change to the store beyond the case, typed so that the applier carries it out without
 * deciding anything (app/effects.c applies them first, in order, then the audit events). */
typedef enum {
	CH_CHANGE_OUTBOX_FAILED, /* outbox row `id` is failed, `detail` its error; `attempts` the
	                            tries so far, or -1 to leave the count as it is */
	CH_CHANGE_TASK,          /* a task for admin of kind `what` on conference `conference_id`
	                            (0: none), `detail` saying what to do */
	CH_CHANGE_TASK_DONE,     /* admin's open tasks of kind `what` on conference `conference_id`
	                            are done */
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
	GPtrArray *messages;  /* ChMessageSet*: message rows to set, in order */
	GPtrArray *triage;    /* ChTriageAdd*: triage items to add, in order */
	GPtrArray *decisions; /* ChTriageDecision*: triage items decided */
	gint64 conference_id; /* applied without its case: the conference the audit events are
	                         about (0 for none) */
	GPtrArray *safety;    /* ChSafetyAlert*: immediate-safety alerts to save as they are
	                         (a new one has id 0), copies owned by fx */
} ChEffects;

ChEffects *ch_effects_new(void);
void ch_effects_free(ChEffects *fx);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(ChEffects, ch_effects_free)
ChIntent *ch_effects_intent(ChEffects *fx, const char *template, const char *to,
                            const char *to_name, const char *event_key);
void ch_intent_set(ChIntent *i, const char *key, const char *value);
/* A file to send with the mail (copied: the caller keeps `data`). */
void ch_intent_attach(ChIntent *i, const char *filename, const char *content_type,
                      GBytes *data);
void ch_effects_audit(ChEffects *fx, ChAudit what, ChObj object, const char *old_value,
                      const char *new_value, const char *detail);
/* Appends a change (its strings copied) and returns it, for the fields its kind uses. */
ChChange *ch_effects_change(ChEffects *fx, ChChangeKind kind, const char *what,
                            const char *detail);
void ch_effects_message(ChEffects *fx, gint64 row, ChMsgState state, const char *kind,
                        gint64 conference_id, const char *reason);
/* The new item, owned by fx, for the audit events and intents that name it. */
ChTriageAdd *ch_effects_triage(ChEffects *fx, gint64 message_row, gint64 conference_id,
                               const char *reason);
void ch_effects_triage_decided(ChEffects *fx, gint64 id, ChTriageState state);
/* Alert a is to be saved as it is now (a copy is kept). */
void ch_effects_safety(ChEffects *fx, const ChSafetyAlert *a);
/* An audit event about the triage item t (named "triage N" once t has its id). */
void ch_effects_audit_triage(ChEffects *fx, ChAudit what, const ChTriageAdd *t,
                             const char *old_value, const char *new_value, const char *detail);
/* Intent i's variable `var` is t's id, once it has one. */
void ch_intent_set_triage_id(ChIntent *i, const char *var, const ChTriageAdd *t);
/* Once every triage item of fx has its id: the audit objects and intent variables that name
 * one say it. Pure; the applier calls it between adding the items and writing the rest. */
void ch_effects_resolve(ChEffects *fx);

typedef enum {
	CH_REPLY_APPLIED,         /* commands understood and applied */
	CH_REPLY_RECORDED,        /* recorded (a free-text answer); a person is asked to confirm */
	CH_REPLY_NOT_UNDERSTOOD,  /* nothing changed; the sender is told why */
} ChReplyResult;

/* The distribution list as the chair sees it: one numbered line per professional. */
char *ch_engine_list_text(const ChCase *c);

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

/* A concern between agencies (003): `own_text` (the sender's own words) has a line
 * "CONCERN <agency>: <what it is about>"; TRUE with both set (caller frees). */
gboolean ch_engine_concern_line(const char *own_text, char **agency_r, char **about_r);

/* `raiser`, a professional on c's roster, raises a concern with `agency` (named on c's
 * distribution list: its first line there is the other side) about `about`: a new
 * escalation climbing ctx->concern_rules, at stage 1 with its people asked (both sides, as
 * the stage says; admin given a task for anyone whose address is not known). What was done
 * is appended to `done`. NULL with a CH_ERROR_USAGE *error, nothing added, when the agency
 * has nobody on the list, is the raiser's own, or its line already has an escalation;
 * CH_ERROR_CONFIG when there is no inter-agency rules file. */
ChEscalation *ch_engine_concern_start(ChCase *c, const ChEngineCtx *ctx, const char *raiser,
                                      const char *agency, const char *about, GString *done,
                                      ChEffects *fx, GError **error);

/* A professional's email raising a concern (the caller has checked that they are on c's
 * roster and that the receiving server vouches for them): the concern started and the
 * sender sent what was done, or told what is wrong (no such agency on the list, ...). */
ChReplyResult ch_engine_concern_mail(ChCase *c, const ChEngineCtx *ctx, const char *sender,
                                     const char *own_text, ChEffects *fx);

/* The timer for an escalation whose next_at has come: a chaser while the stage allows one,
 * then the next stage (or, past the last, unresolved and the CP coordinator told). A
 * responded one waits for the chair: a reminder, then the CP coordinator told. */
gboolean ch_engine_escalation_due(ChCase *c, ChEscalation *e, const ChEngineCtx *ctx,
                                  ChEffects *fx);

/* What the app fills in from the record before a mail is queued, where an intent's var
 * `history` (each stage's answer, who and when) or `form` (the resolution form) holds this
 * text: the engine holds no audit trail. */
extern const char ch_engine_fill_history[];
extern const char ch_engine_fill_form[];

/* Cwm Taf: admin enters the date (YYYY-MM-DD) of the conference reconvened after its
 * decision was set aside; the task is done and the chasing stops. CH_ERROR_USAGE when no
 * set-aside decision waits for a date. What was done goes into `done`. */
gboolean ch_engine_reconvene_entered(ChCase *c, const char *date, const ChEngineCtx *ctx,
                                     GString *done, ChEffects *fx, GError **error);

/* Immediate-safety words: TRUE (and alert intents) when text holds one of `phrases` (the
 * app reads them once: ch_phrases_safety, the config's own, the routine words;
 * engine/phrases.h says how they match; NULL finds nothing). `what` says where the words
 * were seen (e.g. "a reply from the chair"), never the text itself. */
gboolean ch_engine_safety_check(ChCase *c, const ChEngineCtx *ctx, const ChPhrases *phrases,
                                const char *text, const char *what, const char *event_id,
                                ChEffects *fx);

/* The two halves of ch_engine_safety_check, for intake, which reads a message's words on a
 * second thread ahead of the message (inbound/intake.h): does text hold one of `phrases`
 * (pure: no case, no store), and the alert for words found. */
gboolean ch_engine_safety_words(const ChPhrases *phrases, const char *text);
void ch_engine_safety_words_found(ChCase *c, const ChEngineCtx *ctx, const char *what,
                                  const char *event_id, ChEffects *fx);

/* Raises an immediate-safety alert whatever the words (the words were found, or someone
 * who may raise one wrote a SAFETY: line): the alert, to be saved, with its acknowledgement
 * clock ([safety] ack_within), and safety_alert at once, at any hour, to the CP coordinator
 * (admin when none is named) and the lead safeguarding manager, asking each to
 * acknowledge by replying. Audited as safety.alert with `why`. */
void ch_engine_safety_raise(const ChCase *c, const ChEngineCtx *ctx, const char *what,
                            const char *event_id, const char *why, ChEffects *fx);

/* Whether `own_text` (the sender's own words, quotes removed) holds a line that begins
 * "SAFETY:" and the sender may raise an alert so: the chair of c, the CP coordinator or the
 * lead safeguarding manager. */
gboolean ch_engine_safety_marked(const ChCase *c, const ChEngineCtx *ctx, const char *sender,
                                 const char *own_text);

/* A message in answer to alert a (its thread, or for automatic mail its sender, names it).
 * A person's reply from someone asked or told acknowledges it; an automatic reply (an
 * out-of-office) from someone asked tells the team and service managers at once, as
 * silence would, and acknowledges nothing. FALSE, and nothing added, when the message is
 * not one of those (another sender, or an alert already acknowledged): the caller handles
 * it as any other. */
gboolean ch_engine_safety_reply(ChSafetyAlert *a, const ChEngineCtx *ctx, const char *sender,
                                gboolean automatic, ChEffects *fx);

/* The alert's timer (its next_at has come), at any hour: not acknowledged in time, the team
 * and service managers are told (admin when neither is named), once; after that admin is
 * reminded each working day until someone acknowledges. The alert always keeps a next
 * time while it is open. TRUE when it sent something. */
gboolean ch_engine_safety_due(ChSafetyAlert *a, const ChEngineCtx *ctx, ChEffects *fx);

/* ---- post-conference reports (engine/reports.c) ---- */

/* At list send: which agencies owe a report (none of their people attended and none sent
 * one), the requests to them with the due date, and the minutes deadlines. Returns the
 * text for the chair about the minutes (caller frees). */
char *ch_engine_plan_reports(ChCase *c, const ChEngineCtx *ctx, ChEffects *fx);

/* Whether the reply's own text (quoted text removed) is a report written in the email: it
 * has a line that marks it, the word REPORT on a line of its own or leading it ("REPORT",
 * "Report:", "Our report below", "Please find our report below", "Post-conference report
 * from Northshire Housing: ..."), in any case, with some text after that line. An
 * attachment is always the report; a body is one only when marked, so a holding reply
 * ("we will send it next week") or a question is an answer, not a report. Intake asks this
 * to know whether to store the body as the report; the report's answer handler asks it
 * again before it takes a body as one. */
gboolean ch_engine_report_marked(const char *text);

/* A report arrived (its content already stored durably as `file` with `sha256`). */
ChReplyResult ch_engine_report_received(ChCase *c, ChReport *r, const ChEngineCtx *ctx,
                                        const char *sender, const char *sha256,
                                        const char *file, gint64 message_row, ChEffects *fx);

/* An answer about a received report, from the chair or the social worker (the notice), or
 * anyone told of its high risk: REVIEWED (the chair's counts), HIGH RISK (the report's own
 * high-risk obligation: the chair, social worker, practice manager and CP coordinator told,
 * 24 hours to decide who addresses it), ADDRESSED BY <who> (or "<who> will address it"):
 * who takes it up, recorded, everyone told, the clock stopped. */
ChReplyResult ch_engine_report_reply(ChCase *c, ChReport *r, const ChEngineCtx *ctx,
                                     const char *sender, const char *text, ChEffects *fx);

/* Timers: a report's next step (reminder, missing, review reminder); the conference's own
 * (the list not sent in time). Each moves next_at on, so a second run does nothing. */
gboolean ch_engine_report_due(ChCase *c, ChReport *r, const ChEngineCtx *ctx, ChEffects *fx);
gboolean ch_engine_conference_due(ChCase *c, const ChEngineCtx *ctx, ChEffects *fx);
/* A high-risk report's own timer (high_risk_next_at): nobody named to address it by the
 * due time reminds the chair and the social worker; each working day after, both again and
 * admin (else the CP coordinator) told. Never stops until someone is named. */
gboolean ch_engine_high_risk_due(ChCase *c, ChReport *r, const ChEngineCtx *ctx,
                                 ChEffects *fx);
/* At conference add: the case's first state (held), and when the list must have gone to
 * the chair. */
void ch_engine_conference_added(ChCase *c, const ChEngineCtx *ctx);

/* ---- what becomes of a message no answer handles (engine/triage.c) ---- */

/* Message row `row` goes to triage: `state` is CH_MSG_HELD (matched, the sender must be
 * checked), CH_MSG_TRIAGE (nothing to apply it to) or CH_MSG_QUARANTINE (not taken in); c is
 * its case, or NULL. The row set, the triage item, its audit event, and the alert to admin
 * unless `quiet` (the triage digest counts it) or no admin is named, keyed by
 * ctx->event_id. */
void ch_engine_triage(const ChCase *c, const ChEngineCtx *ctx, gint64 row, ChMsgState state,
                      const char *reason, gboolean quiet, ChEffects *fx);

/* A person decides open triage item `triage_id` (ts, its message's ms, its conference
 * `conference_id`): drop it, or release a held message for intake to handle as vouched
 * for. The decision and its audit event; FALSE with a CH_ERROR_USAGE *error, and nothing
 * added, when it was decided already or a release names a message not held for a sender
 * check. */
gboolean ch_engine_triage_decide(gint64 triage_id, ChTriageState ts, ChMsgState ms,
                                 gint64 conference_id, gboolean release, ChEffects *fx,
                                 GError **error);

/* A mail we really sent came back into the mailbox: handled as our own and ignored. */
void ch_engine_own_mail(gint64 row, ChEffects *fx);

/* Automatic mail (an out-of-office, a list's robot), recorded and never answered. */
typedef struct {
	gint64 row;          /* its message row */
	const char *from;    /* its sender, or NULL */
	const char *why;     /* why it reads as automatic (message-class.c), or NULL */
	const char *back;    /* the return date an out-of-office gives, or NULL */
} ChAutoMail;

/* c is its case when the thread was found and the sender belongs (NULL otherwise), and
 * purpose and object_id what the thread is about: an escalation is named by its line. */
void ch_engine_automatic(const ChCase *c, ChPurpose purpose, gint64 object_id,
                         const ChAutoMail *m, ChEffects *fx);

/* Inside working time: a working day of ctx->cal, between ctx->hours_start and _end. */
gboolean ch_engine_working_time(const ChEngineCtx *ctx);

/* The daily account to admin, decided in two steps so that the caller reads only what the
 * decision needs. ch_engine_daily_account_key(): the event key of today's account (one a
 * day, however often chaser restarts), or NULL when none may go now (no admin named,
 * outside working time); caller frees. The caller looks that key up in the outbox and reads
 * the account; ch_engine_daily_account() then adds reconcile_daily under that key unless it
 * is NULL or `sent_today`. TRUE when it did. */
char *ch_engine_daily_account_key(const ChEngineCtx *ctx);
gboolean ch_engine_daily_account(const ChEngineCtx *ctx, const char *key, gboolean sent_today,
                                 const char *account, gboolean clean, ChEffects *fx);

/* The weekly account to admin ([admin] weekly), decided as the daily one: the key of this
 * week's (on `weekday`, in working time, an admin named; "weekly:DATE"), or NULL; then
 * admin_weekly under it unless NULL or sent already. */
char *ch_engine_weekly_account_key(const ChEngineCtx *ctx, GDateWeekday weekday);
gboolean ch_engine_weekly_account(const ChEngineCtx *ctx, const char *key, gboolean sent,
                                  const char *account, gboolean clean, ChEffects *fx);

/* chaser itself needs a person (the mailbox cannot be read, the configuration is broken):
 * `template` to admin with `why`, `ref` standing for a conference, once a day (the key is
 * `key_prefix`:the date of ctx->now). FALSE, and nothing added, when no admin is named. */
gboolean ch_engine_admin_alert(const ChEngineCtx *ctx, const char *template,
                               const char *key_prefix, const char *ref, const char *why,
                               ChEffects *fx);

/* authorised -> closed once nothing is owed (ch_case_finished): every escalation resolved,
 * unresolved or closed with the chair told how, every post-conference report missing, or
 * received and reviewed by the chair, every report marked high risk addressed, and the
 * minutes' due date passed. When only the minutes' date is left, the conference's timer is
 * set for the working day after it, so the tick closes it then. TRUE if it closed. */
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
