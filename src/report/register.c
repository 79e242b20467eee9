#include "report/register.h"

#include <string.h>

#include "engine/commands.h"
#include "store/views.h"
#include "util/clock.h"
#include "util/error.h"

static void row_free(gpointer p)
{
	ChRegisterRow *r = p;
	g_free(r->ref), g_free(r->procedure), g_free(r->agency), g_free(r->professional);
	g_free(r->attendance), g_strfreev(r->reasons), g_free(r->stage_title), g_free(r->asked);
	g_free(r->calendar), g_free(r->response), g_free(r->state), g_free(r->outcome);
	g_free(r->comment);
	g_clear_pointer(&r->raised, g_date_time_unref);
	g_clear_pointer(&r->stage_at, g_date_time_unref);
	g_clear_pointer(&r->responded, g_date_time_unref);
	g_clear_pointer(&r->closed, g_date_time_unref);
	g_free(r);
}

gboolean ch_register_local_date(const char *iso, GDate *out)
{
	g_date_clear(out, 1);
	if (!iso)
		return FALSE;
	if (ch_clock_parse_date(iso, out))
		return TRUE;
	g_autoptr(GDateTime) t = ch_clock_parse(iso);
	if (!t)
		return FALSE;
	ch_clock_local_date(t, out);
	return TRUE;
}

static GDateTime *local_time(const char *iso)
{
	g_autoptr(GDateTime) t = iso ? ch_clock_parse(iso) : NULL;
	return t ? g_date_time_to_timezone(t, ch_clock_zone()) : NULL;
}

const char *ch_timeliness_name(ChTimeliness t)
{
	switch (t) {
	case CH_TIMELY_YES:
		return "yes";
	case CH_TIMELY_LATE:
		return "late";
	case CH_TIMELY_OVERDUE:
		return "no answer, overdue";
	case CH_TIMELY_NOT_YET_DUE:
		return "not yet due";
	}
	return "";
}

static void decide(ChApp *app, ChRegisterRow *r, const GDate *today)
{
	GDateTime *answered = r->responded ? r->responded : r->closed;
	gboolean due_ok = g_date_valid(&r->due);
	if (answered) {
		GDate d;
		ch_clock_local_date(answered, &d);
		r->timely = !due_ok || g_date_compare(&d, &r->due) <= 0 ? CH_TIMELY_YES : CH_TIMELY_LATE;
	} else {
		r->timely = due_ok && g_date_compare(today, &r->due) > 0 ? CH_TIMELY_OVERDUE
		                                                          : CH_TIMELY_NOT_YET_DUE;
	}
	r->working_days = -1;
	if (r->closed && g_date_valid(&r->raised_date)) {
		GDate closed;
		ch_clock_local_date(r->closed, &closed);
		r->working_days = ch_calendar_working_days_between(app->cal, &r->raised_date, &closed);
	}
}

GPtrArray *ch_register_load(ChApp *app, const GDate *from, const GDate *to, GDateTime *now,
                            GError **error)
{
	GPtrArray *rows = g_ptr_array_new_with_free_func(row_free);
	GDate today;
	ch_clock_local_date(now, &today);
	g_autoptr(GPtrArray) found = ch_store_view_escalations(app->store, error);
	if (!found) {
		g_ptr_array_unref(rows);
		return NULL;
	}
	for (guint k = 0; k < found->len; k++) {
		const ChStoreRow *row = found->pdata[k];
		const char *raised = ch_store_row_str(row, 3);
		GDate rd;
		if (!ch_register_local_date(raised, &rd) || g_date_compare(&rd, from) < 0 ||
		    g_date_compare(&rd, to) > 0)
			continue;
		ChRegisterRow *r = g_new0(ChRegisterRow, 1);
		r->id = ch_store_row_int(row, 0);
		r->ref = g_strdup(ch_store_row_str(row, 1));
		r->procedure = g_strdup(ch_store_row_str(row, 2));
		r->raised = local_time(raised);
		r->raised_date = rd;
		r->agency = g_strdup(ch_store_row_str(row, 4));
		r->professional = g_strdup(ch_store_row_str(row, 5));
		r->attendance = g_strdup(ch_store_row_str(row, 6));
		const char *reasons = ch_store_row_str(row, 7);
		r->reasons = g_strsplit(reasons ? reasons : "", ",", -1);
		r->stage = (int)ch_store_row_int(row, 8);
		r->asked = g_strdup(ch_store_row_str(row, 9));
		r->stage_at = local_time(ch_store_row_str(row, 10));
		if (!ch_clock_parse_date(ch_store_row_str(row, 11), &r->due))
			g_date_clear(&r->due, 1);
		r->calendar = g_strdup(ch_store_row_str(row, 12));
		r->chasers = (int)ch_store_row_int(row, 13);
		r->responded = local_time(ch_store_row_str(row, 14));
		r->response = g_strdup(ch_store_row_str(row, 15));
		r->state = g_strdup(ch_store_row_str(row, 16));
		r->outcome = g_strdup(ch_store_row_str(row, 17));
		r->closed = local_time(ch_store_row_str(row, 18));
		r->comment = g_strdup(ch_store_row_str(row, 19));
		const ChRules *rules = ch_app_rules(app, r->procedure, NULL);
		const ChStage *stage = rules ? ch_rules_stage(rules, r->stage) : NULL;
		if (stage)
			r->stage_title = g_strdup(stage->title ? stage->title : stage->name);
		decide(app, r, &today);
		g_ptr_array_add(rows, r);
	}
	return rows;
}

ChTable *ch_register_table(GPtrArray *rows)
{
	ChTable *t = ch_table_new("Escalation register", "Register", "Reference", "Raised",
	                          "Agency", "Professional", "Attendance", "Reason codes", "Reasons",
	                          "Chair's comment", "Stage reached", "Stage", "Asked", "Asked on",
	                          "Due", "Answered", "Answered in time", "Response", "State",
	                          "Outcome", "Closed",
	                          "Working days to close", NULL);
	t->blocks = TRUE;
	for (guint i = 0; i < rows->len; i++) {
		ChRegisterRow *r = rows->pdata[i];
		g_autofree char *codes = g_strjoinv("; ", r->reasons);
		g_autofree char *words = ch_reasons_describe(r->reasons);
		ch_table_row(t);
		ch_table_text(t, r->ref);
		ch_table_date(t, &r->raised_date);
		ch_table_text(t, r->agency);
		ch_table_text(t, r->professional);
		ch_table_text(t, r->attendance);
		ch_table_text(t, codes);
		ch_table_text(t, words);
		ch_table_text(t, r->comment && *r->comment ? r->comment : NULL);
		ch_table_int(t, r->stage);
		ch_table_text(t, r->stage_title);
		ch_table_text(t, r->asked && *r->asked ? r->asked : NULL);
		ch_table_time(t, r->stage_at);
		ch_table_date(t, &r->due);
		ch_table_time(t, r->responded);
		ch_table_text(t, ch_timeliness_name(r->timely));
		ch_table_text(t, r->response && *r->response ? r->response : NULL);
		ch_table_text(t, r->state);
		ch_table_text(t, r->outcome);
		ch_table_time(t, r->closed);
		if (r->working_days >= 0)
			ch_table_int(t, r->working_days);
		else
			ch_table_text(t, NULL);
	}
	return t;
}
