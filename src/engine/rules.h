/* rules: what one procedure asks for, as data. The engine reads a ChRules; it never reads a
 * file. rules/NAME.rules files are turned into a ChRules by app/rules_file.c.
 *
 * An escalation climbs the ladder of stages: at each stage someone (`ask`, a role) is
 * emailed with `template` and has `amount` `unit`s to answer; silence past the due date gets
 * `chasers` chasers (each a working day apart), then the escalation climbs to the next stage.
 * "NOT RESOLVED" climbs at once. Silence at the last stage does what its `on_silence` says:
 * the person asked is reminded every `remind_every` (and the CP coordinator told) until
 * somebody answers, or the concern ends as unresolved; either way the chair hears how a
 * concern ended. A `meeting` stage's person sets a meeting: a reply naming its date is
 * recorded, and the working day after it they are asked for the outcome, then chased.
 * A stage's `outcomes` name what its person may decide beyond RESOLVED and NOT RESOLVED:
 * SET ASIDE the conference decision (the conference must reconvene), or the quality
 * assurance group's options (agency reports, a multi-agency audit, recommendations).
 */
#pragma once
#include <glib.h>
#include "engine/names.h"
#include "timers/calendar.h"

/* One way out of a stage's choice: a word the answer may carry, and the stage it leads to. */
typedef struct {
	char *word;        /* e.g. "urgent", "non-urgent" */
	char *stage;       /* the stage's name */
	int to;            /* its number, from 1 (set once the whole file is read) */
} ChChoice;

#define CH_STAGE_ASKS_MAX 4
/* What a stage's person may decide beyond RESOLVED / NOT RESOLVED: bits of ChStage.outcomes. */
typedef enum {
	CH_OUTCOME_SET_ASIDE = 1 << 0,       /* "set aside": the conference decision, to reconvene */
	CH_OUTCOME_AGENCY_REPORTS = 1 << 1,  /* "agency reports": individual agency reports asked */
	CH_OUTCOME_AUDIT = 1 << 2,           /* "multi-agency audit" */
	CH_OUTCOME_RECOMMENDATIONS = 1 << 3, /* "recommendations" to agencies */
} ChOutcome;
#define CH_OUTCOME_QASG (CH_OUTCOME_AGENCY_REPORTS | CH_OUTCOME_AUDIT | CH_OUTCOME_RECOMMENDATIONS)

typedef struct {
	char *name;        /* short name, e.g. "slo" */
	char *title;       /* for people: "Senior Liaison Officer of the agency" */
	ChRole ask;        /* an askable role (names.h) */
	guint ask_line;    /* where the rules file said it, for messages */
	ChUnit unit;
	guint amount;
	char *template;    /* templates/NAME.txt */
	guint chasers;
	ChSilence on_silence;  /* the last stage: what silence after the chasers means */
	guint on_silence_line; /* where the rules file said it (0: not said) */
	guint remind_days;     /* on_silence = remind: again every, working days (2) */
	guint remind_line;
	gboolean meeting;      /* the answer is a meeting date; then its outcome is asked */
	/* Concerns between agencies (003). */
	ChRole asks[CH_STAGE_ASKS_MAX]; /* everyone asked at the stage: asks[0] is `ask` */
	guint n_asks;
	int from_step;         /* answer_within counts from when this stage began (0: this one) */
	guint from_line;
	GPtrArray *choices;    /* ChChoice*: NOT RESOLVED here goes the way the answer names,
	                          silence the first way; NULL for the next stage */
	guint choice_line;
	gboolean branch_end;   /* a stage a choice leads to: the concern ends there */
	guint outcomes;        /* ChOutcome bits: what the stage's person may decide */
	guint outcomes_line;
} ChStage;

typedef struct {
	char *name;
	char *file;        /* where it came from, for messages */
	char *title;
	GPtrArray *stages;          /* ChStage*, from stage 1 */
	guint list_within_hours;    /* distribution list to the chair within (24) */
	guint list_authorise_days;  /* the chair authorises the list within, working days (1) */
	guint list_repeat_days;     /* then reminded again every, working days (2) */
	guint report_days;          /* post-conference report due, working days (5) */
	guint request_within_hours; /* report request out within (24) */
	guint review_hours;         /* chair reviews a received report within (24) */
	guint review_repeat_days;   /* then reminded again every, working days (2) */
	guint high_risk_hours;      /* who addresses a high-risk report decided within (24) */
	guint minutes_initial_days; /* minutes due after an initial conference (20) */
	guint minutes_review_days;  /* ... after a review conference (25) */
	guint minutes_not_before_days; /* not signed before this while reports are awaited (5) */
	guint report_chase_before_days; /* a reminder this many working days before due (1) */
	gboolean can_set_aside;     /* the old key last_stage_can_set_aside: the last stage has
	                               outcomes = set aside (the loader applies it) */
} ChRules;

ChRules *ch_rules_new(const char *name);
void ch_rules_free(ChRules *r);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(ChRules, ch_rules_free)
ChStage *ch_rules_add_stage(ChRules *r, const char *name);
const ChStage *ch_rules_stage(const ChRules *r, int stage); /* from 1; NULL past the last */
/* The stage named `name` (its number from 1), or 0. */
int ch_rules_stage_named(const ChRules *r, const char *name);
/* Where stage `stage` goes on NOT RESOLVED or silence when it has no choice: the next stage,
 * or 0 when it is the last of its way (the last of the file, or a stage a choice leads to). */
int ch_rules_next(const ChRules *r, int stage);
/* Adds a way out to a stage's choice (the stage's number is found once the file is read). */
void ch_rules_add_choice(ChStage *st, const char *word, const char *stage);
const char *ch_unit_name(ChUnit u);
/* "set aside", "agency reports", "multi-agency audit", "recommendations" to its bit; 0 for
 * none. Case and spacing as people write them ("Set Aside", "multi agency audit"). */
guint ch_outcome_parse(const char *name);
/* The words of one bit, as the rules file writes it. */
const char *ch_outcome_name(guint bit);
/* "set aside, agency reports, ...": every outcome name, for messages. */
const char *ch_outcome_list(void);
