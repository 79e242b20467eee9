#include "report/register.h"

#include <stdlib.h>
#include <string.h>

#include "engine/commands.h"
#include "engine/names.h"
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
	g_clear_pointer(&r->stages, g_array_unref);
	g_free(r);
}

static void stage_answer_clear(gpointer p)
{
	ChStageAnswer *a = p;
	g_clear_pointer(&a->answered, g_date_time_unref);
}

static GArray *stages_new(void)
{
	GArray *a = g_array_new(FALSE, TRUE, sizeof(ChStageAnswer));
	g_array_set_clear_func(a, stage_answer_clear);
	return a;
}

const char *ch_raised_by_name(ChRaisedBy b)
{
	return b == CH_RAISED_BY_MISSING ? "chaser: report missing" : "chair";
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

/* One answer against one due date: in time, late, or (none yet) overdue or not yet due. */
static ChTimeliness judge(GDateTime *answered, const GDate *due, const GDate *today)
{
	gboolean due_ok = g_date_valid(due);
	if (answered) {
		GDate d;
		ch_clock_local_date(answered, &d);
		return !due_ok || g_date_compare(&d, due) <= 0 ? CH_TIMELY_YES : CH_TIMELY_LATE;
	}
	return due_ok && g_date_compare(today, due) > 0 ? CH_TIMELY_OVERDUE : CH_TIMELY_NOT_YET_DUE;
}

/* The escalation's word from its stages': a stage that went unanswered past its date
 * outweighs one answered late, which outweighs a stage still with time. */
static ChTimeliness worst(GArray *stages)
{
	static const int weight[] = { [CH_TIMELY_YES] = 0, [CH_TIMELY_NOT_YET_DUE] = 1,
		                          [CH_TIMELY_LATE] = 2, [CH_TIMELY_OVERDUE] = 3 };
	ChTimeliness w = CH_TIMELY_YES;
	for (guint i = 0; i < stages->len; i++) {
		ChTimeliness t = g_array_index(stages, ChStageAnswer, i).timely;
		if (weight[t] > weight[w])
			w = t;
	}
	return w;
}

static void decide(ChApp *app, ChRegisterRow *r, const GDate *today)
{
	if (r->stages->len) {
		/* The stage now asked, unanswered, is answered by the close if there was one. */
		ChStageAnswer *last = &g_array_index(r->stages, ChStageAnswer, r->stages->len - 1);
		if (!last->answered && r->closed)
			last->answered = g_date_time_ref(r->closed);
		for (guint i = 0; i < r->stages->len; i++) {
			ChStageAnswer *a = &g_array_index(r->stages, ChStageAnswer, i);
			/* A stage left without an answer is past: its silence is what moved it on. */
			a->timely = i + 1 < r->stages->len && !a->answered
			                ? CH_TIMELY_OVERDUE
			                : judge(a->answered, &a->due, today);
		}
		r->timely = worst(r->stages);
	} else {
		GDateTime *answered = r->responded ? r->responded : r->closed;
		r->timely = judge(answered, &r->due, today);
	}
	r->working_days = -1;
	if (r->closed && g_date_valid(&r->raised_date)) {
		GDate closed;
		ch_clock_local_date(r->closed, &closed);
		r->working_days = ch_calendar_working_days_between(app->cal, &r->raised_date, &closed);
	}
}

/* Walks the audit lines of every escalation once, filling each row's stages. */
static gboolean read_stages(ChApp *app, GHashTable *by_line, GError **error)
{
	g_autoptr(GPtrArray) steps = ch_store_view_escalation_steps(app->store, error);
	if (!steps)
		return FALSE;
	const char *stage_w = ch_audit_name(CH_AUDIT_ESCALATION_STAGE);
	const char *state_w = ch_audit_name(CH_AUDIT_ESCALATION_STATE);
	for (guint k = 0; k < steps->len; k++) {
		const ChStoreRow *row = steps->pdata[k];
		ChObj obj;
		if (!ch_obj_parse(ch_store_row_str(row, 1), &obj) || obj.kind != CH_OBJ_ESCALATION)
			continue;
		g_autofree char *key = g_strdup_printf("%" G_GINT64_FORMAT "/%" G_GINT64_FORMAT,
		                                       ch_store_row_int(row, 0), obj.id);
		ChRegisterRow *r = g_hash_table_lookup(by_line, key);
		if (!r)
			continue;
		const char *what = ch_store_row_str(row, 2);
		const char *new_v = ch_store_row_str(row, 4);
		if (!strcmp(what, stage_w)) {
			ChStageAnswer a = { .stage = new_v ? atoi(new_v) : 0 };
			g_date_clear(&a.due, 1);
			const char *detail = ch_store_row_str(row, 5);
			const char *due = detail ? strstr(detail, "; due ") : NULL;
			if (due) {
				g_autofree char *d = g_strndup(due + strlen("; due "), 10);
				if (!ch_clock_parse_date(d, &a.due))
					g_date_clear(&a.due, 1);
			}
			g_array_append_val(r->stages, a);
			continue;
		}
		if (!strcmp(what, state_w)) {
			ChEscState es;
			if (!new_v || !ch_esc_state_parse(new_v, &es) ||
			    (es != CH_ESC_RESPONDED && es != CH_ESC_RESOLVED))
				continue;
		}
		if (!r->stages->len)
			continue;
		ChStageAnswer *cur = &g_array_index(r->stages, ChStageAnswer, r->stages->len - 1);
		if (!cur->answered)
			cur->answered = local_time(ch_store_row_str(row, 3));
	}
	return TRUE;
}

/* The escalations chaser raised itself when a post-conference report went missing: asked
 * of the agency lead (the CP managers copied), due when the report was, answered when the
 * report came, if it did. */
static gboolean add_missing(GPtrArray *rows, ChApp *app, const GDate *from, const GDate *to,
                            GError **error)
{
	g_autoptr(GPtrArray) found = ch_store_view_missing_reports(app->store, error);
	if (!found)
		return FALSE;
	for (guint k = 0; k < found->len; k++) {
		const ChStoreRow *row = found->pdata[k];
		const char *raised = ch_store_row_str(row, 2);
		GDate rd;
		if (!ch_register_local_date(raised, &rd) || g_date_compare(&rd, from) < 0 ||
		    g_date_compare(&rd, to) > 0)
			continue;
		ChRegisterRow *r = g_new0(ChRegisterRow, 1);
		r->raised_by = CH_RAISED_BY_MISSING;
		r->ref = g_strdup(ch_store_row_str(row, 0));
		r->procedure = g_strdup(ch_store_row_str(row, 1));
		r->raised = local_time(raised);
		r->raised_date = rd;
		r->agency = g_strdup(ch_store_row_str(row, 3));
		r->professional = g_strdup(ch_store_row_str(row, 4));
		r->attendance = g_strdup(ch_store_row_str(row, 5));
		r->reasons = g_strsplit("no_report", ",", -1);
		r->stage = 1;
		r->stage_title = g_strdup("Report missing: the agency lead asked, CP managers told");
		r->asked = g_strdup(ch_store_row_str(row, 8));
		r->stage_at = local_time(raised);
		if (!ch_clock_parse_date(ch_store_row_str(row, 6), &r->due))
			g_date_clear(&r->due, 1);
		r->calendar = g_strdup(ch_store_row_str(row, 9));
		r->responded = local_time(ch_store_row_str(row, 7));
		r->closed = r->responded ? g_date_time_ref(r->responded) : NULL;
		r->state = g_strdup(r->responded ? "report received" : "report missing");
		r->outcome = r->responded ? g_strdup("the report came after its due date") : NULL;
		r->stages = stages_new();
		ChStageAnswer a = { .stage = 1, .due = r->due };
		a.answered = r->responded ? g_date_time_ref(r->responded) : NULL;
		g_array_append_val(r->stages, a);
		g_ptr_array_add(rows, r);
	}
	return TRUE;
}

static int by_raised_time(gconstpointer a, gconstpointer b)
{
	const ChRegisterRow *x = *(ChRegisterRow *const *)a, *y = *(ChRegisterRow *const *)b;
	if (x->raised && y->raised) {
		int c = g_date_time_compare(x->raised, y->raised);
		if (c)
			return c;
	}
	if (x->raised_by != y->raised_by)
		return x->raised_by < y->raised_by ? -1 : 1;
	return (x->id > y->id) - (x->id < y->id);
}

GPtrArray *ch_register_load(ChApp *app, const GDate *from, const GDate *to, GDateTime *now,
                            GError **error)
{
	GPtrArray *rows = g_ptr_array_new_with_free_func(row_free);
	GDate today;
	ch_clock_local_date(now, &today);
	g_autoptr(GHashTable) by_line = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
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
		r->stages = stages_new();
		g_hash_table_insert(by_line,
		                    g_strdup_printf("%" G_GINT64_FORMAT "/%" G_GINT64_FORMAT,
		                                    ch_store_row_int(row, 20), ch_store_row_int(row, 21)),
		                    r);
		const ChRules *rules = ch_app_rules(app, r->procedure, NULL);
		const ChStage *stage = rules ? ch_rules_stage(rules, r->stage) : NULL;
		if (stage)
			r->stage_title = g_strdup(stage->title ? stage->title : stage->name);
		g_ptr_array_add(rows, r);
	}
	if (!read_stages(app, by_line, error) || !add_missing(rows, app, from, to, error)) {
		g_ptr_array_unref(rows);
		return NULL;
	}
	for (guint k = 0; k < rows->len; k++)
		decide(app, rows->pdata[k], &today);
	g_ptr_array_sort(rows, by_raised_time);
	return rows;
}

char *ch_register_stages_text(const ChRegisterRow *r)
{
	GString *s = g_string_new(NULL);
	for (guint i = 0; r->stages && i < r->stages->len; i++) {
		const ChStageAnswer *a = &g_array_index(r->stages, ChStageAnswer, i);
		g_string_append_printf(s, "%sstage %d: %s", s->len ? "; " : "", a->stage,
		                       ch_timeliness_name(a->timely));
	}
	return g_string_free(s, FALSE);
}

ChTable *ch_register_table(GPtrArray *rows)
{
	ChTable *t = ch_table_new("Escalation register", "Register", "Reference", "Procedure",
	                          "Raised by", "Raised", "Agency", "Professional", "Attendance", "Reason codes", "Reasons",
	                          "Chair's comment", "Stage reached", "Stage", "Asked", "Asked on",
	                          "Due", "Answered", "Answered in time", "Response", "State",
	                          "Outcome", "Closed",
	                          "Working days to close", "Stages answered", NULL);
	t->blocks = TRUE;
	for (guint i = 0; i < rows->len; i++) {
		ChRegisterRow *r = rows->pdata[i];
		g_autofree char *codes = g_strjoinv("; ", r->reasons);
		g_autofree char *words = ch_reasons_describe(r->reasons);
		ch_table_row(t);
		ch_table_text(t, r->ref);
		ch_table_text(t, r->procedure);
		ch_table_text(t, ch_raised_by_name(r->raised_by));
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
		g_autofree char *each = ch_register_stages_text(r);
		ch_table_text(t, *each ? each : NULL);
	}
	return t;
}
