/* kinds: every kind of answer chaser waits for, and every timer, in one table each.
 *
 * A message chaser sends that wants an answer carries a reply token with a purpose
 * (names.h). The kind of that purpose says what the token's object is (the conference, an
 * escalation, a report), whether the token holds for one stage of a ladder only, whether
 * intake must store the message's report before the engine sees it, who may answer without a
 * token, and the engine's handler. Each row sits in the engine file of what it decides
 * (ch_kinds_lists, ch_kinds_reports, ch_kinds_escalations in engine-private.h) beside its
 * handler; kinds.c gathers them. Intake, classify and the timers dispatch through these tables
 * and name no purpose themselves, so a new kind of answer is a purpose in names.h and names.c
 * and a row with its handler in one engine file: see docs/ARCHITECTURE.md.
 *
 * Pure like the rest of the engine. The rows are static; objects returned are borrowed from
 * the case.
 */
#pragma once
#include <glib.h>
#include "engine/engine.h"

/* What arrived, as a kind's handler needs it. For a report, intake has already stored the
 * content durably. */
typedef struct {
	const char *sender;
	const char *text;         /* the reply's own text (quoted text removed), never NULL */
	const char *sha256;       /* a report's content: its hash, file under spool/reports/ */
	const char *file;
	gboolean body;            /* that content is the message's body, not an attachment:
	                             stored because ch_engine_report_marked(text) said so */
	gint64 message_row;       /* the message row it came in */
} ChAnswer;

/* Asks the store whether an agency owns a mail domain; the engine has no store. */
typedef gboolean (*ChDomainCheck)(gpointer data, gint64 agency_id, const char *domain);

typedef struct {
	ChPurpose purpose;
	ChObjKind object;        /* what the token's object id names */
	gboolean stage_bound;    /* the token holds only while the ladder is at its stage (the
	                            object is then an escalation: only an escalation climbs) */
	gboolean carries_report; /* intake stores the report before the handler runs */
	const char *missing;     /* triage reason when the object is no longer there */
	/* A sender without a token (but on the roster): the object this kind would take it as
	 * answering, or NULL; *ambiguous_r set when several would do and none may be guessed.
	 * NULL for kinds that are only ever answered with their token. */
	gpointer (*tokenless)(const ChCase *c, const char *from, ChDomainCheck owns,
	                      gpointer owns_data, gboolean *ambiguous_r);
	ChReplyResult (*answer)(ChCase *c, gpointer object, const ChEngineCtx *ctx,
	                        const ChAnswer *a, ChEffects *fx);
} ChKind;

/* The kind of a purpose, or NULL for CH_PURPOSE_NONE (mail that expects no answer). */
const ChKind *ch_kind(ChPurpose purpose);
/* Whether a token of this purpose holds only for the stage of its escalation it was sent
 * at: the kind's stage_bound (FALSE for a purpose with no kind). The store reads the
 * escalation's stage now for these tokens, so a new stage-bound kind needs no store change. */
gboolean ch_purpose_stage_bound(ChPurpose purpose);
/* The object a kind's token names in this case, or NULL when it is not there. */
gpointer ch_kind_object(const ChKind *k, const ChCase *c, gint64 id);
/* The id of an object ch_kind_object or tokenless returned (0 for the conference). */
gint64 ch_kind_object_id(const ChKind *k, gconstpointer object);

/* A message with no token from `from`, who is on c's roster or in an owing agency's domain:
 * the kinds are tried in the order of the table, the first that takes it wins. Returns the
 * kind (and *object_r), or NULL: nothing awaits this sender, or (*ambiguous_r) several
 * things of one kind do and chaser must not guess which. */
const ChKind *ch_kind_tokenless(const ChCase *c, const char *from, ChDomainCheck owns,
                                gpointer owns_data, gpointer *object_r, gboolean *ambiguous_r);

/* TRUE when `from` (an address) is in the mail domain of an agency that owes c a report. */
gboolean ch_kind_owing_domain(const ChCase *c, const char *from, ChDomainCheck owns,
                              gpointer owns_data);

/* ---- timers ---- */

typedef struct {
	ChObjKind object;        /* conference, escalation or report */
	const char *name;        /* in the timer's event key: "timer:NAME:ID:NEXT_AT" */
	const char *(*next_at)(const ChCase *c, gconstpointer object);
	gboolean (*due)(ChCase *c, gpointer object, const ChEngineCtx *ctx, ChEffects *fx);
} ChTimer;

/* The (first) timer of an object kind, or NULL when that kind has none. */
const ChTimer *ch_timer(ChObjKind object);
/* The timer of that name (ChTimer.name), or NULL. */
const ChTimer *ch_timer_named(const char *name);
/* The object a timer row names in this case (the case itself for the conference). */
gpointer ch_timer_object(const ChTimer *t, ChCase *c, gint64 id);
