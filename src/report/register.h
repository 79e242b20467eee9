/* register: the escalation register, every escalation raised in a period with what the
 * safeguarding partnership asks of it.
 *
 * ch_register_load() reads the store (read only) and returns ChRegisterRow values, oldest
 * raised first, owned by the caller (free the array). A period is two civil dates in
 * Europe/London, both included; an escalation belongs to the period its raising falls in.
 *
 * How the figures are decided, in one place, so that the register and the summary agree:
 *  - answered: the first answer (responded_at), or the close when there was none;
 *  - in time: answered on or before the due date of the stage it has reached;
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

typedef struct {
	gint64 id;
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
} ChRegisterRow;

GPtrArray *ch_register_load(ChApp *app, const GDate *from, const GDate *to, GDateTime *now,
                            GError **error);
const char *ch_timeliness_name(ChTimeliness t);
/* The register as a table, one row per escalation. */
ChTable *ch_register_table(GPtrArray *rows);
/* A civil date in London from a stored time, FALSE when unreadable. */
gboolean ch_register_local_date(const char *iso, GDate *out);
