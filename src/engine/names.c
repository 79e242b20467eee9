/* The name tables. Each table is indexed by its enum; tests/names.sh reads the quoted names
 * of the `[CH_...] = "name"` lines below, so keep one entry to a line. */
#include "engine/names.h"

#include <string.h>

#include "engine/case.h"

/* The one place a name is compared with text. */
static gboolean lookup(const char *const *names, int n, const char *text, int *out)
{
	if (!text)
		return FALSE;
	for (int i = 0; i < n; i++)
		if (names[i] && !strcmp(names[i], text)) {
			*out = i;
			return TRUE;
		}
	return FALSE;
}

#define CH_NAME_TABLE_DEFINE(Type, prefix, table)                                             \
	const char *prefix##_name(Type v)                                                         \
	{                                                                                         \
		return (int)v >= 0 && (gsize)v < G_N_ELEMENTS(table) ? table[v] : NULL;               \
	}                                                                                         \
	gboolean prefix##_parse(const char *text, Type *out)                                      \
	{                                                                                         \
		int i;                                                                                \
		if (!lookup(table, G_N_ELEMENTS(table), text, &i))                                    \
			return FALSE;                                                                     \
		*out = (Type)i;                                                                       \
		return TRUE;                                                                          \
	}

static const char *const conf_states[CH_CONF_N_STATES] = {
	[CH_CONF_HELD] = "held",
	[CH_CONF_LIST_SENT] = "list_sent",
	[CH_CONF_AUTHORISED] = "authorised",
	[CH_CONF_CLOSED] = "closed",
};
CH_NAME_TABLE_DEFINE(ChConfState, ch_conf_state, conf_states)

static const char *const conf_types[CH_CONF_N_TYPES] = {
	[CH_CONF_INITIAL] = "initial",
	[CH_CONF_REVIEW] = "review",
};
CH_NAME_TABLE_DEFINE(ChConfType, ch_conf_type, conf_types)

static const char *const esc_states[CH_ESC_N_STATES] = {
	[CH_ESC_OPEN] = "open",
	[CH_ESC_RESPONDED] = "responded",
	[CH_ESC_RESOLVED] = "resolved",
	[CH_ESC_UNRESOLVED] = "unresolved",
	[CH_ESC_CLOSED] = "closed",
};
CH_NAME_TABLE_DEFINE(ChEscState, ch_esc_state, esc_states)

gboolean ch_esc_state_finished(ChEscState s)
{
	return s == CH_ESC_RESOLVED || s == CH_ESC_UNRESOLVED || s == CH_ESC_CLOSED;
}

static const char *const silences[CH_SILENCE_N] = {
	[CH_SILENCE_UNRESOLVED] = "unresolved",
	[CH_SILENCE_REMIND] = "remind",
};
CH_NAME_TABLE_DEFINE(ChSilence, ch_silence, silences)

static const char *const report_states[CH_REPORT_N_STATES] = {
	[CH_REPORT_AWAITED] = "awaited",
	[CH_REPORT_RECEIVED] = "received",
	[CH_REPORT_MISSING] = "missing",
};
CH_NAME_TABLE_DEFINE(ChReportState, ch_report_state, report_states)

gboolean ch_report_state_finished(ChReportState s)
{
	return s == CH_REPORT_RECEIVED || s == CH_REPORT_MISSING;
}

gboolean ch_report_state_owes_review(ChReportState s)
{
	return s == CH_REPORT_RECEIVED;
}

static const char *const attendance[CH_N_ATTENDANCE] = {
	[CH_ATTENDED] = "attended",
	[CH_APOLOGIES] = "apologies",
	[CH_ABSENT] = "absent",
};
CH_NAME_TABLE_DEFINE(ChAttendance, ch_attendance, attendance)

static const char *const att_reports[CH_ATT_REPORT_N] = {
	[CH_ATT_REPORT_SUBMITTED] = "submitted",
	[CH_ATT_REPORT_AWAITED] = "awaited",
	[CH_ATT_REPORT_LATE] = "late",
	[CH_ATT_REPORT_MISSING] = "missing",
	[CH_ATT_REPORT_NONE_EXPECTED] = "none_expected",
};
CH_NAME_TABLE_DEFINE(ChAttReport, ch_att_report, att_reports)

static const char *const msg_states[CH_MSG_N_STATES] = {
	[CH_MSG_HANDLED] = "handled",
	[CH_MSG_TRIAGE] = "triage",
	[CH_MSG_HELD] = "held",
	[CH_MSG_QUARANTINE] = "quarantine",
	[CH_MSG_FAILING] = "failing",
};
CH_NAME_TABLE_DEFINE(ChMsgState, ch_msg_state, msg_states)

static const char *const triage_states[CH_TRIAGE_N_STATES] = {
	[CH_TRIAGE_OPEN] = "open",
	[CH_TRIAGE_RELEASED] = "released",
	[CH_TRIAGE_DROPPED] = "dropped",
};
CH_NAME_TABLE_DEFINE(ChTriageState, ch_triage_state, triage_states)

static const char *const safety_states[CH_SAFETY_N_STATES] = {
	[CH_SAFETY_OPEN] = "open",
	[CH_SAFETY_ACKNOWLEDGED] = "acknowledged",
};
CH_NAME_TABLE_DEFINE(ChSafetyState, ch_safety_state, safety_states)

static const char *const out_states[CH_OUT_N_STATES] = {
	[CH_OUT_QUEUED] = "queued",
	[CH_OUT_RETRYING] = "retrying",
	[CH_OUT_SENT] = "sent",
	[CH_OUT_FAILED] = "failed",
};
CH_NAME_TABLE_DEFINE(ChOutState, ch_out_state, out_states)

/* CH_PURPOSE_NONE has no name: such mail carries no token, and no token names it. */
static const char *const purposes[CH_PURPOSE_N] = {
	[CH_PURPOSE_AUTHORISE] = "authorise",
	[CH_PURPOSE_ESCALATION] = "escalation",
	[CH_PURPOSE_CONFIRM] = "confirm",
	[CH_PURPOSE_REPORT] = "report",
	[CH_PURPOSE_REVIEW] = "review",
	[CH_PURPOSE_SETUP] = "setup",
};
CH_NAME_TABLE_DEFINE(ChPurpose, ch_purpose, purposes)

#define AT(T, f) G_STRUCT_OFFSET(T, f)
static const ChRoleInfo roles[CH_ROLE_N] = {
	[CH_ROLE_SLO] = { "slo", CH_ROLE_OF_AGENCY, AT(ChAttendee, slo_email), CH_ROLE_SLO,
	                  AT(ChAttendee, slo_name), "Senior Liaison Officer", TRUE, FALSE },
	[CH_ROLE_AGENCY_LEAD] = { "agency_lead", CH_ROLE_OF_AGENCY, AT(ChAttendee, lead_email),
	                          CH_ROLE_SLO, 0, NULL, TRUE, FALSE },
	[CH_ROLE_PROFESSIONAL] = { "professional", CH_ROLE_OF_AGENCY, AT(ChAttendee, email),
	                           CH_ROLE_PROFESSIONAL, 0, NULL, TRUE, FALSE },
	[CH_ROLE_CP_COORDINATOR] = { "cp_coordinator", CH_ROLE_OF_PEOPLE, 0, CH_ROLE_CP_COORDINATOR,
	                             0, NULL, TRUE, TRUE },
	[CH_ROLE_LEAD_SAFEGUARDING_MANAGER] = { "lead_safeguarding_manager", CH_ROLE_OF_PEOPLE, 0,
	                                        CH_ROLE_LEAD_SAFEGUARDING_MANAGER, 0, NULL, TRUE,
	                                        FALSE },
	[CH_ROLE_QASG] = { "qasg", CH_ROLE_OF_PEOPLE, 0, CH_ROLE_QASG, 0, NULL, TRUE, FALSE },
	[CH_ROLE_CHAIR] = { "chair", CH_ROLE_OF_CASE, AT(ChCase, chair_email), CH_ROLE_CHAIR,
	                    AT(ChCase, chair_name), NULL, TRUE, FALSE },
	/* Whoever would tell admin tells the CP coordinator when no admin is named. */
	[CH_ROLE_ADMIN] = { "admin", CH_ROLE_OF_PEOPLE, 0, CH_ROLE_CP_COORDINATOR, 0, NULL, TRUE,
	                    TRUE },
	[CH_ROLE_SOCIAL_WORKER] = { "social_worker", CH_ROLE_OF_CASE, AT(ChCase, social_worker),
	                            CH_ROLE_SOCIAL_WORKER, 0, NULL, FALSE, FALSE },
	[CH_ROLE_PRACTICE_MANAGER] = { "practice_manager", CH_ROLE_OF_CASE,
	                               AT(ChCase, practice_manager), CH_ROLE_PRACTICE_MANAGER, 0,
	                               NULL, FALSE, FALSE },
	[CH_ROLE_MINUTE_TAKER] = { "minute_taker", CH_ROLE_OF_CASE, AT(ChCase, minute_taker),
	                           CH_ROLE_MINUTE_TAKER, 0, NULL, FALSE, FALSE },
	[CH_ROLE_CP_MANAGERS] = { "cp_managers", CH_ROLE_OF_PEOPLE_LIST, 0, CH_ROLE_CP_MANAGERS, 0,
	                          NULL, FALSE, FALSE },
	[CH_ROLE_TEAM_MANAGER] = { "team_manager", CH_ROLE_OF_PEOPLE, 0, CH_ROLE_TEAM_MANAGER, 0,
	                           NULL, TRUE, FALSE },
	[CH_ROLE_SERVICE_MANAGER] = { "service_manager", CH_ROLE_OF_PEOPLE, 0,
	                              CH_ROLE_SERVICE_MANAGER, 0, NULL, TRUE, FALSE },
	/* A concern between agencies: no fallback, so an unknown address is admin's task, never
	 * somebody else asked in its place. */
	[CH_ROLE_RAISER] = { "raiser", CH_ROLE_OF_RAISER, AT(ChEscalation, raiser), CH_ROLE_RAISER,
	                     0, NULL, TRUE, FALSE },
	[CH_ROLE_RAISER_MANAGER] = { "raiser_manager", CH_ROLE_OF_RAISER,
	                             AT(ChEscalation, raiser_manager), CH_ROLE_RAISER_MANAGER, 0,
	                             "line manager", TRUE, FALSE },
	[CH_ROLE_RAISER_SLO] = { "raiser_slo", CH_ROLE_OF_RAISER, AT(ChEscalation, raiser_slo),
	                         CH_ROLE_RAISER_SLO, 0, "Senior Liaison Officer", TRUE, FALSE },
	[CH_ROLE_OTHER_PROFESSIONAL] = { "other_professional", CH_ROLE_OF_AGENCY,
	                                 AT(ChAttendee, email), CH_ROLE_OTHER_PROFESSIONAL,
	                                 AT(ChAttendee, name), NULL, TRUE, FALSE },
	[CH_ROLE_OTHER_MANAGER] = { "other_manager", CH_ROLE_OF_AGENCY, AT(ChAttendee, lead_email),
	                            CH_ROLE_OTHER_MANAGER, 0, "line manager", TRUE, FALSE },
	[CH_ROLE_OTHER_SLO] = { "other_slo", CH_ROLE_OF_AGENCY, AT(ChAttendee, slo_email),
	                        CH_ROLE_OTHER_SLO, AT(ChAttendee, slo_name),
	                        "Senior Liaison Officer", TRUE, FALSE },
	[CH_ROLE_INDEPENDENT_CHAIR] = { "independent_chair", CH_ROLE_OF_PEOPLE, 0,
	                                CH_ROLE_INDEPENDENT_CHAIR, 0, NULL, TRUE, FALSE },
	[CH_ROLE_PROFESSIONAL_OR_MANAGER] = { "professional_or_manager", CH_ROLE_OF_AGENCY,
	                                      AT(ChAttendee, email), CH_ROLE_AGENCY_LEAD,
	                                      0, NULL, TRUE, FALSE },
};
#undef AT

const ChRoleInfo *ch_role_info(ChRole r)
{
	return (int)r >= 0 && r < CH_ROLE_N ? &roles[r] : NULL;
}

const char *ch_role_name(ChRole r)
{
	const ChRoleInfo *i = ch_role_info(r);
	return i ? i->name : NULL;
}

gboolean ch_role_parse(const char *text, ChRole *out)
{
	for (int i = 0; text && i < CH_ROLE_N; i++)
		if (!strcmp(roles[i].name, text)) {
			*out = (ChRole)i;
			return TRUE;
		}
	return FALSE;
}

const char *ch_role_askable_list(void)
{
	static char *list;
	if (g_once_init_enter(&list)) {
		GString *s = g_string_new(NULL);
		for (int i = 0; i < CH_ROLE_N; i++)
			if (roles[i].askable)
				g_string_append_printf(s, "%s%s", s->len ? ", " : "", roles[i].name);
		g_once_init_leave(&list, g_string_free(s, FALSE));
	}
	return list;
}

static const char *const audits[CH_AUDIT_N] = {
	[CH_AUDIT_AGENCY_ADDED] = "agency.added",
	[CH_AUDIT_AGENCY_SLO_CHANGED] = "agency.slo_changed",
	[CH_AUDIT_ATTENDEE_ADDED] = "attendee.added",
	[CH_AUDIT_CONFERENCE_ADDED] = "conference.added",
	[CH_AUDIT_CONFERENCE_HIGH_RISK] = "conference.high_risk",
	[CH_AUDIT_CONFERENCE_STATE] = "conference.state",
	[CH_AUDIT_CONCERN_RAISED] = "concern.raised",
	[CH_AUDIT_CONCERN_BRANCH] = "concern.branch",
	[CH_AUDIT_CONCERN_NOBODY] = "concern.nobody",
	[CH_AUDIT_ESCALATION_CHASED] = "escalation.chased",
	[CH_AUDIT_ESCALATION_CLIMBS] = "escalation.climbs",
	[CH_AUDIT_ESCALATION_CONFIRM_OVERDUE] = "escalation.confirm_overdue",
	[CH_AUDIT_ESCALATION_CONFIRM_REMINDED] = "escalation.confirm_reminded",
	[CH_AUDIT_ESCALATION_MEETING_SET] = "escalation.meeting_set",
	[CH_AUDIT_ESCALATION_NOBODY] = "escalation.nobody",
	[CH_AUDIT_ESCALATION_NOT_RESOLVED] = "escalation.not_resolved",
	[CH_AUDIT_ESCALATION_OUTCOME_ASKED] = "escalation.outcome_asked",
	[CH_AUDIT_ESCALATION_RAISED] = "escalation.raised",
	[CH_AUDIT_ESCALATION_SILENCE_REMINDED] = "escalation.silence_reminded",
	[CH_AUDIT_ESCALATION_STAGE] = "escalation.stage",
	[CH_AUDIT_ESCALATION_STATE] = "escalation.state",
	[CH_AUDIT_LIST_IMPORTED] = "list.imported",
	[CH_AUDIT_LIST_OVERDUE] = "list.overdue",
	[CH_AUDIT_LIST_AUTHORISE_OVERDUE] = "list.authorise_overdue",
	[CH_AUDIT_LIST_AUTHORISE_REMINDED] = "list.authorise_reminded",
	[CH_AUDIT_LIST_SENT] = "list.sent",
	[CH_AUDIT_MAIL_BOUNCED] = "mail.bounced",
	[CH_AUDIT_MAIL_BOUNCED_AGAIN] = "mail.bounced_again",
	[CH_AUDIT_MAIL_DELAYED] = "mail.delayed",
	[CH_AUDIT_MAIL_FAILED] = "mail.failed",
	[CH_AUDIT_MAIL_QUEUED] = "mail.queued",
	[CH_AUDIT_MAIL_RATE_LIMITED] = "mail.rate_limited",
	[CH_AUDIT_MAIL_REFUSED] = "mail.refused",
	[CH_AUDIT_MAIL_REPORTED] = "mail.reported",
	[CH_AUDIT_MAIL_SENT] = "mail.sent",
	[CH_AUDIT_MESSAGE_AUTOMATIC] = "message.automatic",
	[CH_AUDIT_MESSAGE_HELD] = "message.held",
	[CH_AUDIT_MESSAGE_OWN] = "message.own",
	[CH_AUDIT_MESSAGE_QUARANTINE] = "message.quarantine",
	[CH_AUDIT_MESSAGE_TRIAGE] = "message.triage",
	[CH_AUDIT_REPLY_NOT_UNDERSTOOD] = "reply.not_understood",
	[CH_AUDIT_REPORT_ANSWERED] = "report.answered",
	[CH_AUDIT_REPORT_HIGH_RISK] = "report.high_risk",
	[CH_AUDIT_REPORT_HIGH_RISK_ADDRESSED] = "report.high_risk_addressed",
	[CH_AUDIT_REPORT_HIGH_RISK_OVERDUE] = "report.high_risk_overdue",
	[CH_AUDIT_REPORT_HIGH_RISK_REMINDED] = "report.high_risk_reminded",
	[CH_AUDIT_REPORT_MISSING] = "report.missing",
	[CH_AUDIT_REPORT_RECEIVED] = "report.received",
	[CH_AUDIT_REPORT_RECEIVED_AGAIN] = "report.received_again",
	[CH_AUDIT_REPORT_REMINDED] = "report.reminded",
	[CH_AUDIT_REPORT_REQUEST_LATE] = "report.request_late",
	[CH_AUDIT_REPORT_REQUESTED] = "report.requested",
	[CH_AUDIT_REPORT_REVIEW_REMINDED] = "report.review_reminded",
	[CH_AUDIT_REPORT_REVIEW_OVERDUE] = "report.review_overdue",
	[CH_AUDIT_REPORT_REVIEWED] = "report.reviewed",
	[CH_AUDIT_RETENTION_PURGE] = "retention.purge",
	[CH_AUDIT_SAFETY_ALERT] = "safety.alert",
	[CH_AUDIT_SAFETY_ACKNOWLEDGED] = "safety.acknowledged",
	[CH_AUDIT_SAFETY_AWAY] = "safety.away",
	[CH_AUDIT_SAFETY_ESCALATED] = "safety.escalated",
	[CH_AUDIT_SAFETY_REMINDED] = "safety.reminded",
	[CH_AUDIT_TRIAGE_DROPPED] = "triage.dropped",
	[CH_AUDIT_TRIAGE_RELEASED] = "triage.released",
	[CH_AUDIT_ESCALATION_SET_ASIDE] = "escalation.set_aside",
	[CH_AUDIT_ESCALATION_RECONVENE_CHASED] = "escalation.reconvene_chased",
	[CH_AUDIT_ESCALATION_RECONVENE_DATE] = "escalation.reconvene_date",
	[CH_AUDIT_ESCALATION_OPTIONS] = "escalation.options",
	[CH_AUDIT_WEB_LINK_SENT] = "web.link_sent",
	[CH_AUDIT_WEB_SIGNED_IN] = "web.signed_in",
	[CH_AUDIT_WEB_SIGNED_OUT] = "web.signed_out",
};
CH_NAME_TABLE_DEFINE(ChAudit, ch_audit, audits)

/* The numbered objects: each spelled as its words and then its number, written and read
 * back through this one table. */
static const struct {
	ChObjKind kind;
	const char *words;
} numbered[] = {
	{ CH_OBJ_ESCALATION, "escalation of line " },
	{ CH_OBJ_ATTENDEE, "line " },
	{ CH_OBJ_TRIAGE, "triage " },
	{ CH_OBJ_OUTBOX, "outbox " },
};

char *ch_obj_text(ChObj o)
{
	if (o.kind == CH_OBJ_NONE)
		return NULL;
	for (guint i = 0; i < G_N_ELEMENTS(numbered); i++)
		if (numbered[i].kind == o.kind)
			return g_strdup_printf("%s%" G_GINT64_FORMAT, numbered[i].words, o.id);
	return g_strdup(o.name);
}

gboolean ch_obj_parse(const char *text, ChObj *out)
{
	for (guint i = 0; text && i < G_N_ELEMENTS(numbered); i++) {
		gint64 id;
		if (g_str_has_prefix(text, numbered[i].words) &&
		    g_ascii_string_to_signed(text + strlen(numbered[i].words), 10, 1, G_MAXINT64, &id,
		                             NULL)) {
			*out = CH_OBJ_NUMBERED(numbered[i].kind, id);
			return TRUE;
		}
	}
	return FALSE;
}
