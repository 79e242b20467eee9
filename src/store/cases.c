#include "store/cases.h"

#include "store/store-private.h"

#include <string.h>

#include "util/error.h"

gboolean ch_store_agency_add(ChStore *s, const char *name, const char *slo_email,
                             const char *slo_name, const char *lead_email,
                             const char *const *domains, GError **error)
{
	gint64 have = 0;
	if (!ch_store_agency_id(s, name, &have, error))
		return FALSE;
	if (have) {
		g_set_error(error, CH_ERROR, CH_ERROR_USAGE, "agency '%s' already exists", name);
		return FALSE;
	}
	if (!ch_store_run(s, error,
	                  "INSERT INTO agency(name, slo_email, slo_name, lead_email) VALUES(?,?,?,?)",
	                  "ssss", name, slo_email, slo_name, lead_email))
		return FALSE;
	gint64 id = ch_store_last_id(s);
	for (const char *const *d = domains; d && *d; d++)
		if (!ch_store_run(s, error,
		                  "INSERT OR IGNORE INTO agency_domain(agency_id, domain) VALUES(?,?)",
		                  "is", id, *d))
			return FALSE;
	return TRUE;
}

gboolean ch_store_agency_set_slo(ChStore *s, gint64 agency_id, const char *slo_email,
                                 const char *slo_name, GError **error)
{
	return ch_store_run(s, error, "UPDATE agency SET slo_email = ?, slo_name = ? WHERE id = ?",
	                    "ssi", slo_email, slo_name, agency_id);
}

gboolean ch_store_agency_id(ChStore *s, const char *name, gint64 *id_r, GError **error)
{
	return ch_store_get_int(s, id_r, 0, error, "SELECT id FROM agency WHERE name = ?", "s", name);
}

gboolean ch_store_agency_has_domain(ChStore *s, gint64 agency_id, const char *domain,
                                    gboolean *has_r, GError **error)
{
	gint64 v = 0;
	if (!ch_store_get_int(s, &v, 0, error,
	                      "SELECT 1 FROM agency_domain WHERE agency_id = ? AND domain = ?", "is",
	                      agency_id, domain))
		return FALSE;
	*has_r = v != 0;
	return TRUE;
}

char **ch_store_procedures_in_use(ChStore *s, GError **error)
{
	return ch_store_strv(s, error, "SELECT DISTINCT procedure FROM conference"
	                               " WHERE state <> 'closed' ORDER BY 1", "");
}

gboolean ch_store_conference_by_ref(ChStore *s, const char *ref, gint64 *id_r, GError **error)
{
	return ch_store_get_int(s, id_r, 0, error, "SELECT id FROM conference WHERE ref = ?", "s",
	                        ref);
}

gboolean ch_store_conference_add(ChStore *s, ChCase *c, const char *now, GError **error)
{
	gint64 have = 0;
	if (!ch_store_conference_by_ref(s, c->ref, &have, error))
		return FALSE;
	if (have) {
		g_set_error(error, CH_ERROR, CH_ERROR_USAGE, "conference %s already exists", c->ref);
		return FALSE;
	}
	if (!ch_store_run(s, error,
	                  "INSERT INTO conference(ref, held, type, procedure, chair_email, chair_name,"
	                  " social_worker, practice_manager, minute_taker, state, created_at, due,"
	                  " next_at) VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?)",
	                  "sssssssssssss", c->ref, c->held, ch_conf_type_name(c->type), c->procedure,
	                  c->chair_email, c->chair_name, c->social_worker, c->practice_manager,
	                  c->minute_taker, ch_conf_state_name(c->state), now, c->due, c->next_at))
		return FALSE;
	c->id = ch_store_last_id(s);
	return TRUE;
}

gboolean ch_store_attendee_add(ChStore *s, gint64 conference_id, const char *name,
                               const char *email, const char *agency, ChAttendance attendance,
                               ChAttReport report, int *n_r, GError **error)
{
	gint64 agency_id = 0;
	if (!ch_store_agency_id(s, agency, &agency_id, error))
		return FALSE;
	if (!agency_id) {
		g_set_error(error, CH_ERROR, CH_ERROR_USAGE,
		            "unknown agency '%s' (add it first with: chaser agency add)", agency);
		return FALSE;
	}
	gint64 n = 0;
	if (!ch_store_get_int(s, &n, 0, error, "SELECT max(n) FROM attendee WHERE conference_id = ?",
	                      "i", conference_id))
		return FALSE;
	n++;
	if (!ch_store_run(s, error,
	                  "INSERT INTO attendee(conference_id, n, name, email, agency_id, attendance,"
	                  " report) VALUES(?,?,?,?,?,?,?)",
	                  "iississ", conference_id, n, name, email, agency_id,
	                  ch_attendance_name(attendance), ch_att_report_name(report)))
		return FALSE;
	if (n_r)
		*n_r = (int)n;
	return TRUE;
}

static char **split_reasons(const char *s)
{
	return s && *s ? g_strsplit(s, ",", -1) : g_new0(char *, 1);
}

/* A state or other named value read from the database: a name the tables do not know means
 * the row was written by something else (or a newer chaser), and nothing may be decided on
 * it. */
static gboolean unknown_value(GError **error, const char *column, const unsigned char *value)
{
	g_set_error(error, CH_ERROR, CH_ERROR_FINAL,
	            "the database holds %s = '%s', which this chaser does not know", column,
	            value ? (const char *)value : "(null)");
	return FALSE;
}

#define COL_ENUM(st, col, parse, out, column, error)                                          \
	(parse((const char *)sqlite3_column_text(st, col), (out)) ||                              \
	 unknown_value(error, column, sqlite3_column_text(st, col)))

/* A case's attendees, escalations and reports, each table read row by row into the ChCase.
 * Long because the three reads are the same loop over three column lists; each is read
 * once, in order, since escalations and reports point at attendees already loaded. */
static gboolean load_children(ChStore *s, ChCase *c, GError **error)
{
	GError *local = NULL;
	sqlite3_stmt *st = ch_store_query(
		s, error,
		"SELECT a.id, a.n, a.name, a.email, a.agency_id, g.name, g.slo_email, g.slo_name,"
		" g.lead_email, a.attendance, a.report FROM attendee a JOIN agency g"
		" ON g.id = a.agency_id WHERE a.conference_id = ? ORDER BY a.n",
		"i", c->id);
	if (!st)
		return FALSE;
	while (ch_store_step(s, st, &local)) {
		ChAttendee *a = g_new0(ChAttendee, 1);
		a->id = sqlite3_column_int64(st, 0);
		a->n = sqlite3_column_int(st, 1);
		a->name = ch_store_col_str(st, 2);
		a->email = ch_store_col_str(st, 3);
		a->agency_id = sqlite3_column_int64(st, 4);
		a->agency = ch_store_col_str(st, 5);
		a->slo_email = ch_store_col_str(st, 6);
		a->slo_name = ch_store_col_str(st, 7);
		a->lead_email = ch_store_col_str(st, 8);
		g_ptr_array_add(c->attendees, a);
		if (!COL_ENUM(st, 9, ch_attendance_parse, &a->attendance, "attendee.attendance",
		              &local) ||
		    !COL_ENUM(st, 10, ch_att_report_parse, &a->report, "attendee.report", &local))
			break;
	}
	if (local) {
		g_propagate_error(error, local);
		return FALSE;
	}
	st = ch_store_query(s, error,
	                    "SELECT id, attendee_id, reasons, comment, stage, state, raised_at,"
	                    " stage_at, due, calendar, asked, chased_at, responded_at, response,"
	                    " outcome, closed_at, next_at, chasers, confirm_due, confirm_reminded_at,"
	                    " meeting_date, outcome_asked_at, chair_told_at, procedure, raiser,"
	                    " raiser_agency, raiser_manager, raiser_slo, stage_starts, branch,"
	                    " set_aside_at, set_aside_by, set_aside_words, reconvene_held, options"
	                    " FROM escalation WHERE conference_id = ?"
	                    " ORDER BY id",
	                    "i", c->id);
	if (!st)
		return FALSE;
	while (ch_store_step(s, st, &local)) {
		ChEscalation *e = g_new0(ChEscalation, 1);
		e->id = sqlite3_column_int64(st, 0);
		e->attendee_id = sqlite3_column_int64(st, 1);
		e->attendee = ch_case_attendee_by_id(c, e->attendee_id);
		e->reasons = split_reasons((const char *)sqlite3_column_text(st, 2));
		e->comment = ch_store_col_str(st, 3);
		e->stage = sqlite3_column_int(st, 4);
		e->raised_at = ch_store_col_str(st, 6);
		e->stage_at = ch_store_col_str(st, 7);
		e->due = ch_store_col_str(st, 8);
		e->calendar = ch_store_col_str(st, 9);
		e->asked = ch_store_col_str(st, 10);
		e->chased_at = ch_store_col_str(st, 11);
		e->responded_at = ch_store_col_str(st, 12);
		e->response = ch_store_col_str(st, 13);
		e->outcome = ch_store_col_str(st, 14);
		e->closed_at = ch_store_col_str(st, 15);
		e->next_at = ch_store_col_str(st, 16);
		e->chasers = sqlite3_column_int(st, 17);
		e->confirm_due = ch_store_col_str(st, 18);
		e->confirm_reminded_at = ch_store_col_str(st, 19);
		e->meeting_date = ch_store_col_str(st, 20);
		e->outcome_asked_at = ch_store_col_str(st, 21);
		e->chair_told_at = ch_store_col_str(st, 22);
		e->procedure = ch_store_col_str(st, 23);
		e->raiser = ch_store_col_str(st, 24);
		e->raiser_agency = ch_store_col_str(st, 25);
		e->raiser_manager = ch_store_col_str(st, 26);
		e->raiser_slo = ch_store_col_str(st, 27);
		e->stage_starts = ch_store_col_str(st, 28);
		e->branch = ch_store_col_str(st, 29);
		e->set_aside_at = ch_store_col_str(st, 30);
		e->set_aside_by = ch_store_col_str(st, 31);
		e->set_aside_words = ch_store_col_str(st, 32);
		e->reconvene_held = ch_store_col_str(st, 33);
		e->options = ch_store_col_str(st, 34);
		g_ptr_array_add(c->escalations, e);
		if (!COL_ENUM(st, 5, ch_esc_state_parse, &e->state, "escalation.state", &local))
			break;
	}
	if (local) {
		g_propagate_error(error, local);
		return FALSE;
	}
	st = ch_store_query(s, error,
	                    "SELECT r.id, r.agency_id, g.name, coalesce(r.attendee_id,0), r.asked,"
	                    " r.state, r.request_by, r.requested_at, r.due, r.calendar, r.reminded_at,"
	                    " r.received_at, coalesce(r.on_time,-1), r.sha256, r.file,"
	                    " coalesce(r.message,0), r.review_due, r.reviewed_at,"
	                    " r.review_reminded_at, r.missing_at, r.next_at, r.high_risk_at,"
	                    " r.high_risk_by, r.high_risk_due, r.high_risk_next_at,"
	                    " r.high_risk_reminded_at, r.addressed_by, r.addressed_at FROM report r"
	                    " JOIN agency g ON g.id = r.agency_id WHERE r.conference_id = ? ORDER BY r.id",
	                    "i", c->id);
	if (!st)
		return FALSE;
	while (ch_store_step(s, st, &local)) {
		ChReport *r = g_new0(ChReport, 1);
		r->id = sqlite3_column_int64(st, 0);
		r->agency_id = sqlite3_column_int64(st, 1);
		r->agency = ch_store_col_str(st, 2);
		r->attendee = ch_case_attendee_by_id(c, sqlite3_column_int64(st, 3));
		r->asked = ch_store_col_str(st, 4);
		r->request_by = ch_store_col_str(st, 6);
		r->requested_at = ch_store_col_str(st, 7);
		r->due = ch_store_col_str(st, 8);
		r->calendar = ch_store_col_str(st, 9);
		r->reminded_at = ch_store_col_str(st, 10);
		r->received_at = ch_store_col_str(st, 11);
		r->on_time = sqlite3_column_int(st, 12);
		r->sha256 = ch_store_col_str(st, 13);
		r->file = ch_store_col_str(st, 14);
		r->message = sqlite3_column_int64(st, 15);
		r->review_due = ch_store_col_str(st, 16);
		r->reviewed_at = ch_store_col_str(st, 17);
		r->review_reminded_at = ch_store_col_str(st, 18);
		r->missing_at = ch_store_col_str(st, 19);
		r->next_at = ch_store_col_str(st, 20);
		r->high_risk_at = ch_store_col_str(st, 21);
		r->high_risk_by = ch_store_col_str(st, 22);
		r->high_risk_due = ch_store_col_str(st, 23);
		r->high_risk_next_at = ch_store_col_str(st, 24);
		r->high_risk_reminded_at = ch_store_col_str(st, 25);
		r->addressed_by = ch_store_col_str(st, 26);
		r->addressed_at = ch_store_col_str(st, 27);
		g_ptr_array_add(c->reports, r);
		if (!COL_ENUM(st, 5, ch_report_state_parse, &r->state, "report.state", &local))
			break;
	}
	if (local) {
		g_propagate_error(error, local);
		return FALSE;
	}
	return TRUE;
}

static ChCase *load_where(ChStore *s, const char *sql, const char *types, const char *ref,
                          gint64 id, GError **error)
{
	GError *local = NULL;
	sqlite3_stmt *st = ref ? ch_store_query(s, error, sql, types, ref)
	                       : ch_store_query(s, error, sql, types, id);
	if (!st)
		return NULL;
	if (!ch_store_step(s, st, &local)) {
		if (local)
			g_propagate_error(error, local);
		else if (ref)
			g_set_error(error, CH_ERROR, CH_ERROR_USAGE, "no conference %s", ref);
		else
			g_set_error(error, CH_ERROR, CH_ERROR_FINAL, "no conference with id %" G_GINT64_FORMAT,
			            id);
		return NULL;
	}
	ChCase *c = ch_case_new();
	c->id = sqlite3_column_int64(st, 0);
	c->ref = ch_store_col_str(st, 1);
	c->held = ch_store_col_str(st, 2);
	c->procedure = ch_store_col_str(st, 4);
	c->chair_email = ch_store_col_str(st, 5);
	c->chair_name = ch_store_col_str(st, 6);
	c->social_worker = ch_store_col_str(st, 7);
	c->practice_manager = ch_store_col_str(st, 8);
	c->minute_taker = ch_store_col_str(st, 9);
	c->list_sent_at = ch_store_col_str(st, 11);
	c->authorised_at = ch_store_col_str(st, 12);
	c->closed_at = ch_store_col_str(st, 13);
	c->high_risk = sqlite3_column_int(st, 14) != 0;
	c->minutes_due = ch_store_col_str(st, 15);
	c->minutes_not_before = ch_store_col_str(st, 16);
	c->minutes_missing_info = sqlite3_column_int(st, 17);
	c->list_reminded_at = ch_store_col_str(st, 18);
	c->next_at = ch_store_col_str(st, 19);
	c->due = ch_store_col_str(st, 20);
	if (!COL_ENUM(st, 3, ch_conf_type_parse, &c->type, "conference.type", error) ||
	    !COL_ENUM(st, 10, ch_conf_state_parse, &c->state, "conference.state", error)) {
		sqlite3_reset(st);
		ch_case_free(c);
		return NULL;
	}
	sqlite3_reset(st);
	if (!load_children(s, c, error)) {
		ch_case_free(c);
		return NULL;
	}
	return c;
}

#define CONFERENCE_COLUMNS                                                                    \
	"SELECT id, ref, held, type, procedure, chair_email, chair_name, social_worker,"         \
	" practice_manager, minute_taker, state, list_sent_at, authorised_at, closed_at,"        \
	" high_risk, minutes_due, minutes_not_before, minutes_missing_info,"                     \
	" list_reminded_at, next_at, due FROM conference "

ChCase *ch_store_case_load(ChStore *s, const char *ref, GError **error)
{
	return load_where(s, CONFERENCE_COLUMNS "WHERE ref = ?", "s", ref, 0, error);
}

ChCase *ch_store_case_load_id(ChStore *s, gint64 id, GError **error)
{
	return load_where(s, CONFERENCE_COLUMNS "WHERE id = ?", "i", NULL, id, error);
}

/* One changed escalation of case c: inserted first when it has no row yet. */
static gboolean save_escalation(ChStore *s, const ChCase *c, ChEscalation *e, GError **error)
{
	g_autofree char *reasons = g_strjoinv(",", e->reasons);
	if (!e->id) {
		if (!ch_store_run(s, error,
		                  "INSERT INTO escalation(conference_id, attendee_id, reasons, comment,"
		                  " stage, state, raised_at, stage_at, due, calendar, asked, next_at,"
		                  " confirm_due, procedure, raiser, raiser_agency, raiser_manager,"
		                  " raiser_slo) VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
		                  "iississsssssssssss", c->id, e->attendee_id, reasons, e->comment,
		                  (gint64)e->stage, ch_esc_state_name(e->state), e->raised_at,
		                  e->stage_at, e->due, e->calendar, e->asked, e->next_at,
		                  e->confirm_due, e->procedure, e->raiser, e->raiser_agency,
		                  e->raiser_manager, e->raiser_slo))
			return FALSE;
		e->id = ch_store_last_id(s);
	}
	if (!ch_store_run(s, error,
	                  "UPDATE escalation SET reasons = ?, comment = ?, stage = ?, state = ?,"
	                  " stage_at = ?, due = ?, calendar = ?, asked = ?, chased_at = ?,"
	                  " responded_at = ?, response = ?, outcome = ?, closed_at = ?,"
	                  " next_at = ?, chasers = ?, confirm_due = ?, confirm_reminded_at = ?,"
	                  " meeting_date = ?, outcome_asked_at = ?, chair_told_at = ?,"
	                  " stage_starts = ?, branch = ?,"
	                  " set_aside_at = ?, set_aside_by = ?, set_aside_words = ?,"
	                  " reconvene_held = ?, options = ? WHERE id = ?",
	                  "ssisssssssssssissssssssssssi", reasons, e->comment, (gint64)e->stage,
	                  ch_esc_state_name(e->state),
	                  e->stage_at, e->due, e->calendar, e->asked, e->chased_at,
	                  e->responded_at, e->response, e->outcome, e->closed_at, e->next_at,
	                  (gint64)e->chasers, e->confirm_due, e->confirm_reminded_at,
	                  e->meeting_date, e->outcome_asked_at, e->chair_told_at,
	                  e->stage_starts, e->branch, e->set_aside_at,
	                  e->set_aside_by, e->set_aside_words, e->reconvene_held, e->options,
	                  e->id))
		return FALSE;
	e->dirty = FALSE;
	return TRUE;
}

gboolean ch_store_case_save(ChStore *s, ChCase *c, GError **error)
{
	if (c->dirty &&
	    !ch_store_run(s, error,
	                  "UPDATE conference SET state = ?, list_sent_at = ?, authorised_at = ?,"
	                  " closed_at = ?, high_risk = ?, minutes_due = ?, minutes_not_before = ?,"
	                  " minutes_missing_info = ?, list_reminded_at = ?, next_at = ?, due = ?"
	                  " WHERE id = ?",
	                  "ssssississsi", ch_conf_state_name(c->state), c->list_sent_at,
	                  c->authorised_at, c->closed_at,
	                  (gint64)c->high_risk, c->minutes_due, c->minutes_not_before,
	                  (gint64)c->minutes_missing_info, c->list_reminded_at, c->next_at, c->due,
	                  c->id))
		return FALSE;
	c->dirty = FALSE;
	for (guint i = 0; i < c->attendees->len; i++) {
		ChAttendee *a = c->attendees->pdata[i];
		if (a->dirty && !ch_store_run(s, error,
		                              "UPDATE attendee SET attendance = ?, report = ? WHERE id = ?",
		                              "ssi", ch_attendance_name(a->attendance),
		                              ch_att_report_name(a->report), a->id))
			return FALSE;
		a->dirty = FALSE;
	}
	for (guint i = 0; i < c->escalations->len; i++) {
		ChEscalation *e = c->escalations->pdata[i];
		if (e->dirty && !save_escalation(s, c, e, error))
			return FALSE;
	}
	for (guint i = 0; i < c->reports->len; i++) {
		ChReport *r = c->reports->pdata[i];
		if (!r->dirty)
			continue;
		if (!r->id) {
			if (!ch_store_run(s, error,
			                  "INSERT INTO report(conference_id, agency_id, attendee_id, asked, state,"
			                  " request_by, due, calendar, next_at)"
			                  " VALUES(?,?,NULLIF(?,0),?,?,?,?,?,?)",
			                  "iiissssss", c->id, r->agency_id,
			                  r->attendee ? r->attendee->id : (gint64)0, r->asked,
			                  ch_report_state_name(r->state),
			                  r->request_by, r->due, r->calendar, r->next_at))
				return FALSE;
			r->id = ch_store_last_id(s);
		}
		if (!ch_store_run(s, error,
		                  "UPDATE report SET state = ?, requested_at = ?, reminded_at = ?,"
		                  " received_at = ?, on_time = NULLIF(?,-1), sha256 = ?, file = ?,"
		                  " message = NULLIF(?,0), review_due = ?, reviewed_at = ?,"
		                  " review_reminded_at = ?, missing_at = ?, next_at = ?, asked = ?,"
		                  " high_risk_at = ?, high_risk_by = ?, high_risk_due = ?,"
		                  " high_risk_next_at = ?, high_risk_reminded_at = ?, addressed_by = ?,"
		                  " addressed_at = ? WHERE id = ?",
		                  "ssssississsssssssssssi", ch_report_state_name(r->state), r->requested_at, r->reminded_at,
		                  r->received_at, (gint64)r->on_time, r->sha256, r->file, r->message,
		                  r->review_due, r->reviewed_at, r->review_reminded_at, r->missing_at,
		                  r->next_at, r->asked, r->high_risk_at, r->high_risk_by,
		                  r->high_risk_due, r->high_risk_next_at, r->high_risk_reminded_at,
		                  r->addressed_by, r->addressed_at, r->id))
			return FALSE;
		r->dirty = FALSE;
	}
	return TRUE;
}

/* ch_escalation_finished(): ended, the chair told how, and no reconvened date owed. */
static char *escalation_owed_sql(const char *e)
{
	g_autoptr(GString) open = g_string_new(NULL);
	CH_STORE_NAME_LIST(open, CH_ESC_N_STATES, ch_esc_state_name, ch_esc_state_finished, FALSE);
	return g_strdup_printf("(%s.state IN (%s) OR %s.chair_told_at IS NULL"
	                       " OR (%s.set_aside_at IS NOT NULL AND %s.reconvene_held IS NULL))",
	                       e, open->str, e, e, e);
}

/* ch_case_minutes_passed(): no minutes date, or one before today. */
static char *minutes_passed_sql(const char *conf, const char *today)
{
	return g_strdup_printf("(%s.minutes_due IS NULL OR %s.minutes_due < %s)", conf, conf, today);
}

char *ch_store_finished_sql(const char *conf, const char *today)
{
	g_autoptr(GString) rep_open = g_string_new(NULL);
	CH_STORE_NAME_LIST(rep_open, CH_REPORT_N_STATES, ch_report_state_name,
	                   ch_report_state_finished, FALSE);
	/* ch_report_finished(): a report in these states is owed its review until reviewed. */
	g_autoptr(GString) rep_review = g_string_new(NULL);
	CH_STORE_NAME_LIST(rep_review, CH_REPORT_N_STATES, ch_report_state_name,
	                   ch_report_state_owes_review, TRUE);
	g_autofree char *esc_owed = escalation_owed_sql("e_f");
	g_autofree char *minutes = minutes_passed_sql(conf, today);
	return g_strdup_printf("(%s.state = '%s'"
	                       " OR (%s.state = '%s'"
	                       " AND NOT EXISTS (SELECT 1 FROM escalation e_f"
	                       " WHERE e_f.conference_id = %s.id AND %s)"
	                       " AND NOT EXISTS (SELECT 1 FROM report r_f"
	                       " WHERE r_f.conference_id = %s.id AND (r_f.state IN (%s)"
	                       " OR (r_f.state IN (%s) AND r_f.reviewed_at IS NULL)"
	                       /* ch_report_high_risk_open() */
	                       " OR (r_f.high_risk_at IS NOT NULL AND r_f.addressed_at IS NULL)))"
	                       " AND %s))",
	                       conf, ch_conf_state_name(CH_CONF_CLOSED), conf,
	                       ch_conf_state_name(CH_CONF_AUTHORISED), conf, esc_owed, conf,
	                       rep_open->str, rep_review->str, minutes);
}

gboolean ch_store_attendee_remove(ChStore *s, gint64 conference_id, int n, GError **error)
{
	/* Only before the list goes (nothing refers to a line yet): the lines after it move up
	 * one, so the list the chair sees is numbered 1, 2, 3 without a gap. */
	return ch_store_run(s, error, "DELETE FROM attendee WHERE conference_id = ? AND n = ?", "ii",
	                    conference_id, (gint64)n) &&
	       /* Through negative numbers: UNIQUE(conference_id, n) is checked row by row. */
	       ch_store_run(s, error,
	                    "UPDATE attendee SET n = 1 - n WHERE conference_id = ? AND n > ?", "ii",
	                    conference_id, (gint64)n) &&
	       ch_store_run(s, error, "UPDATE attendee SET n = -n WHERE conference_id = ? AND n < 0",
	                    "i", conference_id);
}

gboolean ch_store_attendees_clear(ChStore *s, gint64 conference_id, GError **error)
{
	return ch_store_run(s, error, "DELETE FROM attendee WHERE conference_id = ?", "i",
	                    conference_id);
}
