/* names: the words of the domain, each with one spelling.
 *
 * Every state, reply-token purpose, role and audit event is an enum here with one name
 * table in names.c. The database, the rules files and the audit trail keep the names (the
 * text values do not change); the code compares enums. Parsing an unknown name returns
 * FALSE and the caller says what was wrong and where (a column, a rules-file line): there is
 * never a silent default. tests/names.sh reads the tables in names.c and fails when any
 * other file under src/ compares a string against one of these names.
 *
 * "Finished" (nothing is owed any more) is defined once, here: ch_esc_state_finished(),
 * ch_report_state_finished() and ch_report_state_owes_review(), put together by
 * ch_report_finished(), ch_escalation_finished() (ended, and the chair told how),
 * ch_case_minutes_passed() and ch_case_finished() in case.c (which add the one obligation
 * that is not a state: a report marked high risk owes the decision on who addresses it
 * until its addressed_at is set); the SQL that has to say it is built
 * from the same predicates (ch_store_finished_sql() in store/cases.c), and
 * tests/test_finished.c checks the two agree with each other and with the schema's
 * `obligation` view.
 *
 * Adding a role that the config names ([people]) touches this file and names.c only: the
 * config reads one [people] key per such role, the engine context carries its address and a
 * rules file may ask it. A role of the case or of an agency also needs its database column.
 *
 * Pure: no I/O. Names returned are static strings.
 */
#pragma once
#include <glib.h>

/* Defines NAME_name(value) -> const char* (NULL out of range) and
 * NAME_parse(text, &value) -> FALSE for an unknown (or NULL) text. */
#define CH_NAME_TABLE_DECLARE(Type, prefix)                                                   \
	const char *prefix##_name(Type v);                                                        \
	gboolean prefix##_parse(const char *text, Type *out)

/* ---- states ---- */

typedef enum {
	CH_CONF_HELD,
	CH_CONF_LIST_SENT,
	CH_CONF_AUTHORISED,
	CH_CONF_CLOSED,
	CH_CONF_N_STATES
} ChConfState;
CH_NAME_TABLE_DECLARE(ChConfState, ch_conf_state);

typedef enum {
	CH_CONF_INITIAL,
	CH_CONF_REVIEW,
	CH_CONF_N_TYPES
} ChConfType;
CH_NAME_TABLE_DECLARE(ChConfType, ch_conf_type);

typedef enum {
	CH_ESC_OPEN,
	CH_ESC_RESPONDED,  /* a free-text answer waits for the chair to confirm */
	CH_ESC_RESOLVED,
	CH_ESC_UNRESOLVED, /* past the last stage */
	CH_ESC_CLOSED,
	CH_ESC_N_STATES
} ChEscState;
CH_NAME_TABLE_DECLARE(ChEscState, ch_esc_state);
/* Nothing left to chase: resolved, unresolved or closed. */
gboolean ch_esc_state_finished(ChEscState s);

typedef enum {
	CH_REPORT_AWAITED,
	CH_REPORT_RECEIVED,
	CH_REPORT_MISSING,
	CH_REPORT_N_STATES
} ChReportState;
CH_NAME_TABLE_DECLARE(ChReportState, ch_report_state);
/* Nothing left to chase of the report itself: received or missing. */
gboolean ch_report_state_finished(ChReportState s);
/* A report in this state owes the chair's review until it is marked reviewed (its
 * reviewed_at): received. ch_report_finished() (case.h) puts the two together. */
gboolean ch_report_state_owes_review(ChReportState s);

typedef enum {
	CH_ATTENDED,
	CH_APOLOGIES,
	CH_ABSENT,
	CH_N_ATTENDANCE
} ChAttendance;
CH_NAME_TABLE_DECLARE(ChAttendance, ch_attendance);

/* An attendee's report, as the distribution list shows it. */
typedef enum {
	CH_ATT_REPORT_SUBMITTED,
	CH_ATT_REPORT_AWAITED,
	CH_ATT_REPORT_LATE,
	CH_ATT_REPORT_MISSING,
	CH_ATT_REPORT_NONE_EXPECTED,
	CH_ATT_REPORT_N
} ChAttReport;
CH_NAME_TABLE_DECLARE(ChAttReport, ch_att_report);

/* A message row: what became of a message read from the mailbox. */
typedef enum {
	CH_MSG_HANDLED,
	CH_MSG_TRIAGE,
	CH_MSG_HELD,       /* matched, but the sender must be checked by a person */
	CH_MSG_QUARANTINE,
	CH_MSG_FAILING,    /* found half-read once; read again at the next sweep */
	CH_MSG_N_STATES
} ChMsgState;
CH_NAME_TABLE_DECLARE(ChMsgState, ch_msg_state);

typedef enum {
	CH_TRIAGE_OPEN,
	CH_TRIAGE_RELEASED,
	CH_TRIAGE_DROPPED,
	CH_TRIAGE_N_STATES
} ChTriageState;
CH_NAME_TABLE_DECLARE(ChTriageState, ch_triage_state);

typedef enum {
	CH_OUT_QUEUED,
	CH_OUT_RETRYING,
	CH_OUT_SENT,
	CH_OUT_FAILED,
	CH_OUT_N_STATES
} ChOutState;
CH_NAME_TABLE_DECLARE(ChOutState, ch_out_state);

/* An immediate-safety alert: waiting for someone to say they are acting on it, or done. */
typedef enum {
	CH_SAFETY_OPEN,
	CH_SAFETY_ACKNOWLEDGED,
	CH_SAFETY_N_STATES
} ChSafetyState;
CH_NAME_TABLE_DECLARE(ChSafetyState, ch_safety_state);

/* What silence means at the last stage of a ladder, after its chasers (a rules file's
 * on_silence): the person asked is reminded (and the CP coordinator told) again and again
 * until somebody answers; or the concern ends as unresolved, the chair and CP coordinator
 * told. */
typedef enum {
	CH_SILENCE_UNRESOLVED,
	CH_SILENCE_REMIND,
	CH_SILENCE_N
} ChSilence;
CH_NAME_TABLE_DECLARE(ChSilence, ch_silence);

/* ---- reply-token purposes: what an answer to a message we sent is about ---- */

typedef enum {
	CH_PURPOSE_NONE,       /* mail that needs no answer: no token (no name) */
	CH_PURPOSE_AUTHORISE,  /* the distribution list, to the chair */
	CH_PURPOSE_ESCALATION, /* an escalation, to the person asked at its stage */
	CH_PURPOSE_CONFIRM,    /* a free-text answer, to the chair to confirm */
	CH_PURPOSE_REPORT,     /* a post-conference report request */
	CH_PURPOSE_REVIEW,     /* the notice of a received report: REVIEWED, HIGH RISK */
	CH_PURPOSE_SETUP,      /* a conference admin set up by mail: SEND, REPLACE LIST, ADD,
	                          REMOVE (app/adminmail.c; no engine kind) */
	CH_PURPOSE_N
} ChPurpose;
CH_NAME_TABLE_DECLARE(ChPurpose, ch_purpose);

/* ---- roles ---- */

typedef enum {
	CH_ROLE_SLO,
	CH_ROLE_AGENCY_LEAD,
	CH_ROLE_PROFESSIONAL,
	CH_ROLE_CP_COORDINATOR,
	CH_ROLE_LEAD_SAFEGUARDING_MANAGER,
	CH_ROLE_QASG,
	CH_ROLE_CHAIR,
	CH_ROLE_ADMIN,
	CH_ROLE_SOCIAL_WORKER,
	CH_ROLE_PRACTICE_MANAGER,
	CH_ROLE_MINUTE_TAKER,
	CH_ROLE_CP_MANAGERS,
	CH_ROLE_TEAM_MANAGER,    /* told when an immediate-safety alert is not acknowledged */
	CH_ROLE_SERVICE_MANAGER, /* ... likewise */
	/* The two sides of a concern between agencies (003): the professional who raised it, and
	 * the other agency's professional on the distribution list; each side's line manager
	 * (its agency's lead) and Senior Liaison Officer; the independent chair ([people]). */
	CH_ROLE_RAISER,
	CH_ROLE_RAISER_MANAGER,
	CH_ROLE_RAISER_SLO,
	CH_ROLE_OTHER_PROFESSIONAL,
	CH_ROLE_OTHER_MANAGER,
	CH_ROLE_OTHER_SLO,
	CH_ROLE_INDEPENDENT_CHAIR,
	/* 004's informal stage: "the conference attendee or their manager from the agency
	 * concerned": the professional on the list, else their agency's lead (else its SLO). */
	CH_ROLE_PROFESSIONAL_OR_MANAGER,
	CH_ROLE_N
} ChRole;
CH_NAME_TABLE_DECLARE(ChRole, ch_role);

/* Where a role's address is found. */
typedef enum {
	CH_ROLE_OF_AGENCY,      /* a field of the attendee's agency (ChAttendee) */
	CH_ROLE_OF_CASE,        /* a field of the conference (ChCase) */
	CH_ROLE_OF_PEOPLE,      /* the config's [people] key of the role's name: one address */
	CH_ROLE_OF_PEOPLE_LIST, /* ... a list of addresses */
	CH_ROLE_OF_RAISER,      /* a field of the concern's raising side (ChEscalation) */
} ChRoleSource;

typedef struct {
	const char *name;
	ChRoleSource source;
	gsize address_at;   /* AGENCY, CASE: G_STRUCT_OFFSET of the char* address field */
	ChRole fallback;    /* asked instead when the address is unset (itself for none) */
	gsize name_at;      /* offset of the char* display-name field; 0 for none (offset 0 is
	                       the gint64 id of both structs, never a name) */
	const char *title;  /* how a message greets them without a name, or NULL */
	gboolean askable;   /* a rules file's stage may ask it */
	gboolean required;  /* PEOPLE: the config must name it */
} ChRoleInfo;

const ChRoleInfo *ch_role_info(ChRole r);
/* "slo, agency_lead, ...": the roles a stage may ask, for messages. Static. */
const char *ch_role_askable_list(void);

/* ---- audit events ---- */

typedef enum {
	CH_AUDIT_AGENCY_ADDED,
	CH_AUDIT_AGENCY_SLO_CHANGED,
	CH_AUDIT_ATTENDEE_ADDED,
	CH_AUDIT_CONFERENCE_ADDED,
	CH_AUDIT_CONFERENCE_HIGH_RISK,
	CH_AUDIT_CONFERENCE_STATE,
	CH_AUDIT_CONCERN_RAISED,
	CH_AUDIT_CONCERN_BRANCH,
	CH_AUDIT_CONCERN_NOBODY,
	CH_AUDIT_ESCALATION_CHASED,
	CH_AUDIT_ESCALATION_CLIMBS,
	CH_AUDIT_ESCALATION_CONFIRM_OVERDUE,
	CH_AUDIT_ESCALATION_CONFIRM_REMINDED,
	CH_AUDIT_ESCALATION_MEETING_SET,
	CH_AUDIT_ESCALATION_NOBODY,
	CH_AUDIT_ESCALATION_NOT_RESOLVED,
	CH_AUDIT_ESCALATION_OUTCOME_ASKED,
	CH_AUDIT_ESCALATION_RAISED,
	CH_AUDIT_ESCALATION_SILENCE_REMINDED,
	CH_AUDIT_ESCALATION_STAGE,
	CH_AUDIT_ESCALATION_STATE,
	CH_AUDIT_LIST_IMPORTED,
	CH_AUDIT_LIST_OVERDUE,
	CH_AUDIT_LIST_AUTHORISE_OVERDUE,
	CH_AUDIT_LIST_AUTHORISE_REMINDED,
	CH_AUDIT_LIST_SENT,
	CH_AUDIT_MAIL_BOUNCED,
	CH_AUDIT_MAIL_BOUNCED_AGAIN,
	CH_AUDIT_MAIL_DELAYED,
	CH_AUDIT_MAIL_FAILED,
	CH_AUDIT_MAIL_QUEUED,
	CH_AUDIT_MAIL_RATE_LIMITED,
	CH_AUDIT_MAIL_REFUSED,
	CH_AUDIT_MAIL_REPORTED,
	CH_AUDIT_MAIL_SENT,
	CH_AUDIT_MESSAGE_AUTOMATIC,
	CH_AUDIT_MESSAGE_HELD,
	CH_AUDIT_MESSAGE_OWN,
	CH_AUDIT_MESSAGE_QUARANTINE,
	CH_AUDIT_MESSAGE_TRIAGE,
	CH_AUDIT_REPLY_NOT_UNDERSTOOD,
	CH_AUDIT_REPORT_ANSWERED,
	CH_AUDIT_REPORT_HIGH_RISK,
	CH_AUDIT_REPORT_HIGH_RISK_ADDRESSED,
	CH_AUDIT_REPORT_HIGH_RISK_OVERDUE,
	CH_AUDIT_REPORT_HIGH_RISK_REMINDED,
	CH_AUDIT_REPORT_MISSING,
	CH_AUDIT_REPORT_RECEIVED,
	CH_AUDIT_REPORT_RECEIVED_AGAIN,
	CH_AUDIT_REPORT_REMINDED,
	CH_AUDIT_REPORT_REQUEST_LATE,
	CH_AUDIT_REPORT_REQUESTED,
	CH_AUDIT_REPORT_REVIEW_REMINDED,
	CH_AUDIT_REPORT_REVIEW_OVERDUE,
	CH_AUDIT_REPORT_REVIEWED,
	CH_AUDIT_RETENTION_PURGE,
	CH_AUDIT_SAFETY_ALERT,
	CH_AUDIT_SAFETY_ACKNOWLEDGED,
	CH_AUDIT_SAFETY_AWAY,
	CH_AUDIT_SAFETY_ESCALATED,
	CH_AUDIT_SAFETY_REMINDED,
	CH_AUDIT_TRIAGE_DROPPED,
	CH_AUDIT_TRIAGE_RELEASED,
	CH_AUDIT_ESCALATION_SET_ASIDE,        /* Cwm Taf: the conference decision set aside */
	CH_AUDIT_ESCALATION_RECONVENE_CHASED, /* admin reminded to enter the reconvened date */
	CH_AUDIT_ESCALATION_RECONVENE_DATE,   /* ... and the date entered */
	CH_AUDIT_ESCALATION_OPTIONS,          /* the quality assurance group's named options */
	CH_AUDIT_WEB_LINK_SENT,
	CH_AUDIT_WEB_SIGNED_IN,
	CH_AUDIT_WEB_SIGNED_OUT,
	CH_AUDIT_N
} ChAudit;
CH_NAME_TABLE_DECLARE(ChAudit, ch_audit);

/* What an audit line is about. Each kind has one spelling (ch_obj_text):
 *   CONFERENCE  the reference (name)            "CP-2026-0042"
 *   ESCALATION  the line on the list (id)       "escalation of line 4"
 *   REPORT      the agency that owes it (name)  "Brookfield Police"
 *   ATTENDEE    the line on the list (id)       "line 4"
 *   AGENCY      its name (name)
 *   TRIAGE      the triage item (id)            "triage 7"
 *   OUTBOX      the outbox row (id)             "outbox 12"
 *   ABOUT       what a reply was about (name)   "the distribution list"
 * An escalation is named by its line, not its row id: the engine audits an escalation
 * before it has a row, and the line is what the chair wrote and the record shows. */
typedef enum {
	CH_OBJ_NONE,
	CH_OBJ_CONFERENCE,
	CH_OBJ_ESCALATION,
	CH_OBJ_REPORT,
	CH_OBJ_ATTENDEE,
	CH_OBJ_AGENCY,
	CH_OBJ_TRIAGE,
	CH_OBJ_OUTBOX,
	CH_OBJ_ABOUT,
} ChObjKind;

typedef struct {
	ChObjKind kind;
	gint64 id;
	const char *name; /* borrowed */
} ChObj;

#define CH_OBJ_NOTHING ((ChObj){ CH_OBJ_NONE, 0, NULL })
#define CH_OBJ_NAMED(k, n) ((ChObj){ (k), 0, (n) })
#define CH_OBJ_NUMBERED(k, i) ((ChObj){ (k), (i), NULL })

/* The object's one spelling (caller frees), or NULL for CH_OBJ_NONE. */
char *ch_obj_text(ChObj o);
/* An audit line's object read back from its spelling: TRUE, with *out set (name NULL), for
 * the numbered kinds (escalation, attendee, triage, outbox); FALSE for any other text, a
 * name, whose kind the text alone does not say (the audit line's event does). */
gboolean ch_obj_parse(const char *text, ChObj *out);
