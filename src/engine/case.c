#include "engine/case.h"

#include <string.h>

ChCase *ch_case_new(void)
{
	ChCase *c = g_new0(ChCase, 1);
	c->attendees = g_ptr_array_new_with_free_func((GDestroyNotify)ch_attendee_free);
	c->escalations = g_ptr_array_new_with_free_func((GDestroyNotify)ch_escalation_free);
	c->reports = g_ptr_array_new_with_free_func((GDestroyNotify)ch_report_free);
	return c;
}

void ch_attendee_free(ChAttendee *a)
{
	if (!a)
		return;
	g_free(a->name), g_free(a->email), g_free(a->agency), g_free(a->slo_email);
	g_free(a->slo_name), g_free(a->lead_email);
	g_free(a);
}

void ch_escalation_free(ChEscalation *e)
{
	if (!e)
		return;
	g_strfreev(e->reasons);
	g_free(e->procedure), g_free(e->raiser), g_free(e->raiser_agency);
	g_free(e->raiser_manager), g_free(e->raiser_slo), g_free(e->stage_starts);
	g_free(e->branch);
	g_free(e->comment), g_free(e->raised_at), g_free(e->stage_at);
	g_free(e->due), g_free(e->calendar), g_free(e->asked), g_free(e->chased_at);
	g_free(e->responded_at), g_free(e->response), g_free(e->outcome), g_free(e->closed_at);
	g_free(e->next_at), g_free(e->confirm_due), g_free(e->confirm_reminded_at);
	g_free(e->meeting_date), g_free(e->outcome_asked_at), g_free(e->chair_told_at);
	g_free(e->set_aside_at), g_free(e->set_aside_by), g_free(e->set_aside_words);
	g_free(e->reconvene_held), g_free(e->options);
	g_free(e);
}

void ch_report_free(ChReport *r)
{
	if (!r)
		return;
	g_free(r->agency), g_free(r->asked), g_free(r->request_by);
	g_free(r->requested_at), g_free(r->due), g_free(r->calendar), g_free(r->reminded_at);
	g_free(r->received_at), g_free(r->sha256), g_free(r->file), g_free(r->review_due);
	g_free(r->reviewed_at), g_free(r->review_reminded_at), g_free(r->missing_at);
	g_free(r->next_at);
	g_free(r->high_risk_at), g_free(r->high_risk_by), g_free(r->high_risk_due);
	g_free(r->high_risk_next_at), g_free(r->high_risk_reminded_at);
	g_free(r->addressed_by), g_free(r->addressed_at);
	g_free(r);
}

void ch_case_free(ChCase *c)
{
	if (!c)
		return;
	g_free(c->ref), g_free(c->held), g_free(c->procedure);
	g_free(c->chair_email), g_free(c->chair_name), g_free(c->social_worker);
	g_free(c->practice_manager), g_free(c->minute_taker);
	g_free(c->list_sent_at), g_free(c->authorised_at), g_free(c->closed_at);
	g_free(c->minutes_due), g_free(c->minutes_not_before), g_free(c->list_reminded_at);
	g_free(c->next_at), g_free(c->due);
	g_ptr_array_unref(c->reports);
	g_ptr_array_unref(c->escalations);
	g_ptr_array_unref(c->attendees);
	g_free(c);
}

ChAttendee *ch_case_attendee(const ChCase *c, int n)
{
	for (guint i = 0; i < c->attendees->len; i++) {
		ChAttendee *a = c->attendees->pdata[i];
		if (a->n == n)
			return a;
	}
	return NULL;
}

ChAttendee *ch_case_attendee_by_id(const ChCase *c, gint64 id)
{
	for (guint i = 0; i < c->attendees->len; i++) {
		ChAttendee *a = c->attendees->pdata[i];
		if (a->id == id)
			return a;
	}
	return NULL;
}

ChEscalation *ch_case_escalation(const ChCase *c, gint64 id)
{
	for (guint i = 0; i < c->escalations->len; i++) {
		ChEscalation *e = c->escalations->pdata[i];
		if (e->id == id)
			return e;
	}
	return NULL;
}

ChEscalation *ch_case_escalation_for(const ChCase *c, int n)
{
	for (guint i = 0; i < c->escalations->len; i++) {
		ChEscalation *e = c->escalations->pdata[i];
		if (e->attendee && e->attendee->n == n)
			return e;
	}
	return NULL;
}

ChReport *ch_case_report(const ChCase *c, gint64 id)
{
	for (guint i = 0; i < c->reports->len; i++) {
		ChReport *r = c->reports->pdata[i];
		if (r->id == id)
			return r;
	}
	return NULL;
}

ChReport *ch_case_report_for_agency(const ChCase *c, gint64 agency_id)
{
	for (guint i = 0; i < c->reports->len; i++) {
		ChReport *r = c->reports->pdata[i];
		if (r->agency_id == agency_id)
			return r;
	}
	return NULL;
}

static gboolean same(const char *a, const char *b)
{
	return a && b && !g_ascii_strcasecmp(a, b);
}

gboolean ch_case_on_roster(const ChCase *c, const char *addr)
{
	if (!addr)
		return FALSE;
	if (same(addr, c->chair_email) || same(addr, c->social_worker) ||
	    same(addr, c->practice_manager) || same(addr, c->minute_taker))
		return TRUE;
	for (guint i = 0; i < c->attendees->len; i++) {
		ChAttendee *a = c->attendees->pdata[i];
		if (same(addr, a->email) || same(addr, a->slo_email) || same(addr, a->lead_email))
			return TRUE;
	}
	for (guint i = 0; i < c->escalations->len; i++) {
		ChEscalation *e = c->escalations->pdata[i];
		if (same(addr, e->asked))
			return TRUE;
	}
	return FALSE;
}

gboolean ch_case_finished(const ChCase *c, const char *today)
{
	if (c->state == CH_CONF_CLOSED)
		return TRUE;
	if (c->state != CH_CONF_AUTHORISED)
		return FALSE;
	for (guint i = 0; i < c->escalations->len; i++)
		if (!ch_escalation_finished(c->escalations->pdata[i]))
			return FALSE;
	if (!ch_case_minutes_passed(c, today))
		return FALSE;
	for (guint i = 0; i < c->reports->len; i++)
		if (!ch_report_finished(c->reports->pdata[i]))
			return FALSE;
	return TRUE;
}

gboolean ch_escalation_finished(const ChEscalation *e)
{
	/* 004: feedback is always given to the chair. An ending the chair has not heard of is
	 * not the end of it. */
	return ch_esc_state_finished(e->state) && e->chair_told_at &&
	       !ch_escalation_reconvene_owed(e);
}

gboolean ch_escalation_reconvene_owed(const ChEscalation *e)
{
	return e->set_aside_at && !e->reconvene_held;
}

gboolean ch_case_minutes_passed(const ChCase *c, const char *today)
{
	/* Both are YYYY-MM-DD, so text order is date order. */
	return !c->minutes_due || g_strcmp0(c->minutes_due, today) < 0;
}

gboolean ch_report_finished(const ChReport *r)
{
	/* A report that came is not the end of it: the chair's review is owed, chased by the
	 * report's timer, until the chair marks it reviewed. */
	return ch_report_state_finished(r->state) &&
	       !(ch_report_state_owes_review(r->state) && !r->reviewed_at) &&
	       !ch_report_high_risk_open(r);
}

gboolean ch_report_high_risk_open(const ChReport *r)
{
	/* A high-risk report stays owed whatever its state: the case must not close, nor be
	 * purged, before someone is named to take it up with the professional. */
	return r->high_risk_at && !r->addressed_at;
}

gboolean ch_set_str(char **field, const char *value)
{
	if (g_strcmp0(*field, value) == 0)
		return FALSE;
	g_free(*field);
	*field = g_strdup(value);
	return TRUE;
}
