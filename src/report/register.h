/* register: the escalation register, every escalation raised in a period with what the
 * safeguarding partnership asks of it: the chair's, and chaser's own to the agency lead and
 * CP managers when a post-conference report went missing (raised_by says which).
 *
 * ch_register_load() reads the store (read only) and returns ChRegisterRow values, oldest
 * raised first, owned by the caller (free the array). A period is two civil dates in
 * Europe/London, both included; an escalation belongs to the period its raising falls in.
 *
 * How the figures are decided, in one place, so that the register and the summary agree:
 *  - each stage asked is answered or not on its own: from the audit log, the stage's
 *    asking (with the due date it was given) and the first answer while it was the stage
 *    (NOT RESOLVED, a meeting date, an answer for the chair, RESOLVED), or the close; a
 *    stage left by silence was not answered;
 *  - in time, for the escalation: every stage asked answered on or before its own due
 *    date ("yes"); else "no answer, overdue" when a stage's due date passed without an
 *    answer, "late" when one was answered after it, "not yet due" while the stage now
 *    asked still has time. An escalation whose audit lines are gone (purged, or raised by
 *    an older chaser) is judged as before: its first answer against the stage reached;
 *  - working days to close: from the day it was raised to the day it was closed (resolved
 *    or closed; an unresolved escalation went on to the CP coordinator and has no close),
 *    counted with the app's calendar, the day raised not counting.
 */
#pragma once
#include <glib.h>
#include "app/app.h"
#include "report/report_table.h"

typedef enum {
	CH_TIMELY_YES,          /* answered by the due date */
	CH_TIMELY_LATE,         /* answered after it */
	CH_TIMELY_OVERDUE,      /* no answer, and the due date has passed */
	CH_TIMELY_NOT_YET_DUE,  /* no answer yet, still in time */
} ChTimeliness;

/* One stage of one escalation: when asked, its own due date, and how it was answered. */
typedef struct {
	int stage;
	GDate due;               /* invalid when the audit line gave none */
	GDateTime *answered;     /* London, or NULL */
	ChTimeliness timely;
} ChStageAnswer;

typedef enum {
	CH_RAISED_BY_CHAIR,      /* an ESCALATE line of the chair */
	CH_RAISED_BY_MISSING,    /* a post-conference report went missing */
} ChRaisedBy;

typedef struct {
	gint64 id;
	ChRaisedBy raised_by;
	char *ref;
	char *procedure;
	GDateTime *raised;       /* London */
	GDate raised_date;
	char *agency;
	char *professional;
	char *attendance;
	char **reasons;          /* codes */
	char *comment;           /* the chair's words when raising it, or NULL */
	int stage;
	char *stage_title;       /* from the procedure's rules; NULL when it has no such stage */
	char *asked;
	GDateTime *stage_at;
	GDate due;               /* invalid when unreadable */
	char *calendar;
	int chasers;
	GDateTime *responded;
	char *response;
	char *state;
	char *outcome;
	GDateTime *closed;
	ChTimeliness timely;
	int working_days;        /* raised to closed; -1 when not closed */
	GArray *stages;          /* ChStageAnswer, in order asked; empty without audit lines */
} ChRegisterRow;

/* The name of who raised it, as the register's column says it. */
const char *ch_raised_by_name(ChRaisedBy b);

GPtrArray *ch_register_load(ChApp *app, const GDate *from, const GDate *to, GDateTime *now,
                            GError **error);
const char *ch_timeliness_name(ChTimeliness t);
/* "stage 1: yes; stage 2: no answer, overdue": each stage's word; caller frees. */
char *ch_register_stages_text(const ChRegisterRow *r);
/* The register as a table, one row per escalation. */
ChTable *ch_register_table(GPtrArray *rows);
/* A civil date in London from a stored time, FALSE when unreadable. */
gboolean ch_register_local_date(const char *iso, GDate *out);
