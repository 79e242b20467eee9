/* case: one conference and everything hanging off it, as the rules engine sees it.
 *
 * The store loads a ChCase, the engine changes it in memory (marking what changed), and the
 * store writes the changes back in the same transaction. A ChCase owns all its strings and
 * children; free it with ch_case_free(). Times are ISO 8601 with offset, due dates
 * YYYY-MM-DD (London civil dates).
 */
#pragma once
#include <glib.h>
#include "engine/names.h"

typedef struct {
	gint64 id;
	int n;                 /* line number on the distribution list, from 1 */
	char *name;
	char *email;
	gint64 agency_id;
	char *agency;
	char *slo_email;
	char *slo_name;
	char *lead_email;
	ChAttendance attendance;
	ChAttReport report;
	gboolean dirty;
} ChAttendee;

typedef struct {
	gint64 id;             /* 0 until saved */
	gint64 attendee_id;
	ChAttendee *attendee;  /* borrowed from the case */
	char **reasons;        /* reason codes */
	char *comment;
	int stage;             /* from 1 */
	ChEscState state;
	char *raised_at;
	char *stage_at;        /* when the current stage began */
	char *due;             /* YYYY-MM-DD */
	char *calendar;        /* version of the calendar `due` was computed with */
	char *asked;           /* address asked at this stage */
	char *chased_at;       /* last chaser at this stage */
	int chasers;           /* chasers sent at this stage */
	char *responded_at;
	char *response;
	char *outcome;
	char *closed_at;
	char *next_at;         /* when the timer next looks at it; never NULL while open or
	                          responded (the schema refuses it) */
	char *confirm_due;     /* responded: when the chair's confirmation is due (ISO) */
	char *confirm_reminded_at; /* responded: when the chair was reminded to confirm */
	char *meeting_date;    /* YYYY-MM-DD: the meeting the person asked has set, or NULL */
	char *outcome_asked_at; /* when they were asked for the meeting's outcome */
	char *chair_told_at;   /* ended: when the chair was told how (or wrote the ending) */
	/* A concern between agencies (003), raised by a professional rather than the chair: it
	 * climbs the ladder of the rules named by `procedure` (NULL for the conference's own
	 * escalations). The attendee is the other agency's professional; the raising side's
	 * addresses are copied here when it is raised (NULL: not known, admin's task). */
	char *procedure;
	char *raiser;          /* the professional who raised it */
	char *raiser_agency;   /* their agency's name, or NULL */
	char *raiser_manager;  /* that agency's lead (line manager) */
	char *raiser_slo;      /* that agency's SLO */
	char *stage_starts;    /* when each stage began, ';'-separated from stage 1 */
	char *branch;          /* the way chosen at a stage's choice (e.g. "urgent"), or NULL */
	/* Cwm Taf: the Lead Safeguarding Manager set aside the conference decision; admin owes
	 * the reconvened conference's date (YYYY-MM-DD) until it is entered. */
	char *set_aside_at;
	char *set_aside_by;
	char *set_aside_words;
	char *reconvene_held;
	char *options;         /* the named options the answer chose ("multi-agency audit") */
	gboolean dirty;
} ChEscalation;

/* A post-conference report owed by an agency that missed the conference. */
typedef struct {
	gint64 id;             /* 0 until saved */
	gint64 agency_id;
	char *agency;
	ChAttendee *attendee;  /* the professional asked (borrowed), or NULL */
	char *asked;           /* address the request went to */
	ChReportState state;
	char *request_by;      /* when the request had to go out (ISO) */
	char *requested_at;
	char *due;             /* YYYY-MM-DD */
	char *calendar;
	char *reminded_at;
	char *received_at;
	int on_time;           /* -1 unknown, 0 late, 1 on time */
	char *sha256;          /* of the report as received */
	char *file;            /* under spool/reports/ */
	gint64 message;        /* the message row it came in */
	char *review_due;
	char *reviewed_at;
	char *review_reminded_at;
	char *missing_at;
	char *next_at;
	/* High risk (002: the chair and the social worker decide between them, within 24 hours,
	 * who addresses it): an obligation of its own, on its own clock, beside the review. */
	char *high_risk_at;          /* when it was marked high risk, or NULL */
	char *high_risk_by;          /* who marked it */
	char *high_risk_due;         /* when the decision on who addresses it is due (ISO) */
	char *high_risk_next_at;     /* its timer; never NULL while unaddressed */
	char *high_risk_reminded_at; /* the last reminder about it */
	char *addressed_by;          /* who will address it, as the reply named them */
	char *addressed_at;          /* when that reply came: the obligation ends */
	gboolean dirty;
} ChReport;

typedef struct {
	gint64 id;
	char *ref;
	char *held;
	ChConfType type;
	char *procedure;
	char *chair_email;
	char *chair_name;
	char *social_worker;
	char *practice_manager;
	char *minute_taker;
	ChConfState state;
	char *list_sent_at;
	char *authorised_at;
	char *closed_at;
	gboolean high_risk;
	char *minutes_due;       /* YYYY-MM-DD */
	char *minutes_not_before;
	int minutes_missing_info; /* reports missing when the minutes were due to be signed */
	char *list_reminded_at;
	char *next_at;           /* the conference's own timer: the list not sent (held), not
	                            authorised (list_sent); never NULL in those states */
	char *due;               /* ISO: when the list is due to the chair (held), or the
	                            chair's authorisation (list_sent) */
	gboolean dirty;
	GPtrArray *attendees;    /* ChAttendee*, by n */
	GPtrArray *escalations;  /* ChEscalation* */
	GPtrArray *reports;      /* ChReport* */
} ChCase;

ChCase *ch_case_new(void);
void ch_case_free(ChCase *c);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(ChCase, ch_case_free)

ChAttendee *ch_case_attendee(const ChCase *c, int n);
ChAttendee *ch_case_attendee_by_id(const ChCase *c, gint64 id);
ChEscalation *ch_case_escalation(const ChCase *c, gint64 id);
ChEscalation *ch_case_escalation_for(const ChCase *c, int n);
ChReport *ch_case_report(const ChCase *c, gint64 id);
ChReport *ch_case_report_for_agency(const ChCase *c, gint64 agency_id);
/* TRUE when addr (any case) is on the conference's roster: chair, social worker, practice
 * manager, minute taker, an attendee, or the SLO or lead of an attendee's agency. */
gboolean ch_case_on_roster(const ChCase *c, const char *addr);

void ch_escalation_free(ChEscalation *e);
void ch_report_free(ChReport *r);
void ch_attendee_free(ChAttendee *a);

/* authorised, with nothing owed on `today` (YYYY-MM-DD, London): every escalation and every
 * post-conference report finished, and the minutes' due date passed; or already closed.
 * The one definition of a finished case (names.h). */
gboolean ch_case_finished(const ChCase *c, const char *today);
/* Nothing owed for this escalation: it ended (resolved, unresolved, closed) and the chair
 * was told how it ended. */
gboolean ch_escalation_finished(const ChEscalation *e);
/* Cwm Taf: the conference decision was set aside and admin has not yet entered the
 * reconvened conference's date. */
gboolean ch_escalation_reconvene_owed(const ChEscalation *e);
/* The conference's minutes are due before `today` (YYYY-MM-DD): the case may close from the
 * day after. A conference with no minutes date (never sent its list) has none to wait for. */
gboolean ch_case_minutes_passed(const ChCase *c, const char *today);
/* Nothing owed for this report: missing, or received and, when its state owes the chair's
 * review, reviewed; and, when it was marked high risk, addressed. */
gboolean ch_report_finished(const ChReport *r);
/* Marked high risk and nobody yet named to address it. */
gboolean ch_report_high_risk_open(const ChReport *r);

/* Replaces *field with a copy of value, returning TRUE if it changed. */
gboolean ch_set_str(char **field, const char *value);
