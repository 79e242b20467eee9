#include "report/summary.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/commands.h"
#include "engine/names.h"
#include "report/register.h"
#include "store/views.h"
#include "util/clock.h"

typedef struct {
	const GDate *from;
	const GDate *to;
} Period;

static gboolean in_period(const Period *p, const char *iso)
{
	GDate d;
	return ch_register_local_date(iso, &d) && g_date_compare(&d, p->from) >= 0 &&
	       g_date_compare(&d, p->to) <= 0;
}

static int cmp_int(gconstpointer a, gconstpointer b)
{
	int x = *(const int *)a, y = *(const int *)b;
	return (x > y) - (x < y);
}

gboolean ch_summary_median_days(GPtrArray *rows, double *median_r)
{
	g_autoptr(GArray) days = g_array_new(FALSE, FALSE, sizeof(int));
	for (guint i = 0; i < rows->len; i++) {
		ChRegisterRow *r = rows->pdata[i];
		if (r->working_days >= 0)
			g_array_append_val(days, r->working_days);
	}
	if (!days->len)
		return FALSE;
	g_array_sort(days, cmp_int);
	guint n = days->len;
	int *v = (int *)days->data;
	*median_r = n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2.0;
	return TRUE;
}

/* ---- figures from the store beyond the register ----------------------------------------- */

typedef struct {
	gint64 conferences, minutes_missing;
	gint64 rep_requested, rep_on_time, rep_late, rep_missing, rep_awaited, rep_not_requested;
	gint64 safety_alerts;
	gint64 triage_opened, triage_open, triage_released, triage_dropped, quarantined;
} Figures;

/* Every figure of the summary that is a count, from five tables. Long because it is five
 * short query loops, one after another, sharing one error path; it becomes a call per table
 * when the store offers those counts. */
static gboolean gather(ChApp *app, const Period *p, Figures *f, GError **error)
{
	ChStore *s = app->store;
	g_autoptr(GPtrArray) conferences = ch_store_view_conference_minutes(s, error);
	if (!conferences)
		return FALSE;
	for (guint i = 0; i < conferences->len; i++) {
		const ChStoreRow *row = conferences->pdata[i];
		if (!in_period(p, ch_store_row_str(row, 0)))
			continue;
		f->conferences++;
		f->minutes_missing += ch_store_row_int(row, 1) > 0;
	}
	/* Reports are whatever the table holds: every state is counted, none is assumed. */
	g_autoptr(GPtrArray) reports = ch_store_view_report_timeliness(s, error);
	if (!reports)
		return FALSE;
	for (guint i = 0; i < reports->len; i++) {
		const ChStoreRow *row = reports->pdata[i];
		if (!in_period(p, ch_store_row_str(row, 0)))
			continue;
		const char *state = ch_store_row_str(row, 1);
		ChReportState rs;
		gboolean known = ch_report_state_parse(state, &rs);
		/* Owed, but the request has not gone out yet ("due_to_request": an older chaser's
		 * word for it). */
		if (!state || !strcmp(state, "due_to_request") ||
		    (known && rs == CH_REPORT_AWAITED && ch_store_row_int(row, 5))) {
			f->rep_not_requested++;
			continue;
		}
		f->rep_requested++;
		if (!known) {
			/* counted as requested, and nothing more */
		} else if (rs == CH_REPORT_AWAITED) {
			f->rep_awaited++;
		} else if (rs == CH_REPORT_MISSING) {
			f->rep_missing++;
		} else if (rs == CH_REPORT_RECEIVED) {
			gboolean on_time;
			if (!ch_store_row_is_null(row, 2)) {
				on_time = ch_store_row_int(row, 2) != 0;
			} else {
				/* Not recorded: decide it the way the register does, by the due date. */
				GDate got, due;
				on_time = ch_register_local_date(ch_store_row_str(row, 3), &got) &&
				          ch_clock_parse_date(ch_store_row_str(row, 4), &due) &&
				          g_date_compare(&got, &due) <= 0;
			}
			if (on_time)
				f->rep_on_time++;
			else
				f->rep_late++;
		}
	}
	g_autoptr(GPtrArray) alerts = ch_store_view_safety_alerts(s, error);
	if (!alerts)
		return FALSE;
	for (guint i = 0; i < alerts->len; i++)
		f->safety_alerts += in_period(p, ch_store_row_str(alerts->pdata[i], 0));
	g_autoptr(GPtrArray) triage = ch_store_view_triage_states(s, error);
	if (!triage)
		return FALSE;
	for (guint i = 0; i < triage->len; i++) {
		const ChStoreRow *row = triage->pdata[i];
		if (!in_period(p, ch_store_row_str(row, 0)))
			continue;
		ChTriageState ts;
		f->triage_opened++;
		if (!ch_triage_state_parse(ch_store_row_str(row, 1), &ts))
			continue;
		if (ts == CH_TRIAGE_OPEN)
			f->triage_open++;
		else if (ts == CH_TRIAGE_RELEASED)
			f->triage_released++;
		else if (ts == CH_TRIAGE_DROPPED)
			f->triage_dropped++;
	}
	g_autoptr(GPtrArray) quarantined = ch_store_view_quarantined(s, error);
	if (!quarantined)
		return FALSE;
	for (guint i = 0; i < quarantined->len; i++)
		f->quarantined += in_period(p, ch_store_row_str(quarantined->pdata[i], 0));
	return TRUE;
}

/* ---- tables ----------------------------------------------------------------------------- */

static ChTable *measures(const char *title, const char *sheet, const char *what)
{
	ChTable *t = ch_table_new(title, sheet, "Measure", what, NULL);
	ch_table_set_chart(t, 0, 1);
	return t;
}

static void measure(ChTable *t, const char *label, gint64 v)
{
	ch_table_row(t);
	ch_table_text(t, label);
	ch_table_int(t, v);
}

typedef struct {
	char *agency;
	gint64 raised, in_time, resolved, unresolved, open;
	gint64 asked, stage_in_time, stage_late, stage_unanswered;
} AgencyCount;

/* Each stage of each row, by its own due date (register.h): asked, answered by the date,
 * after it, not answered past it. A stage still with time counts as asked only. */
static void count_stages(const ChRegisterRow *r, gint64 *asked, gint64 *in_time, gint64 *late,
                         gint64 *unanswered)
{
	for (guint i = 0; r->stages && i < r->stages->len; i++) {
		ChTimeliness t = g_array_index(r->stages, ChStageAnswer, i).timely;
		(*asked)++;
		*in_time += t == CH_TIMELY_YES;
		*late += t == CH_TIMELY_LATE;
		*unanswered += t == CH_TIMELY_OVERDUE;
	}
}

static int by_raised(gconstpointer a, gconstpointer b)
{
	const AgencyCount *x = *(AgencyCount *const *)a, *y = *(AgencyCount *const *)b;
	if (x->raised != y->raised)
		return x->raised > y->raised ? -1 : 1;
	return g_utf8_collate(x->agency, y->agency);
}

static void agency_count_free(gpointer p)
{
	AgencyCount *a = p;
	g_free(a->agency);
	g_free(a);
}

static ChTable *by_agency(GPtrArray *rows)
{
	g_autoptr(GHashTable) seen = g_hash_table_new(g_str_hash, g_str_equal);
	g_autoptr(GPtrArray) all = g_ptr_array_new_with_free_func(agency_count_free);
	for (guint i = 0; i < rows->len; i++) {
		ChRegisterRow *r = rows->pdata[i];
		AgencyCount *a = g_hash_table_lookup(seen, r->agency);
		if (!a) {
			a = g_new0(AgencyCount, 1);
			a->agency = g_strdup(r->agency);
			g_hash_table_insert(seen, a->agency, a);
			g_ptr_array_add(all, a);
		}
		a->raised++;
		a->in_time += r->timely == CH_TIMELY_YES;
		count_stages(r, &a->asked, &a->stage_in_time, &a->stage_late, &a->stage_unanswered);
		ChEscState es;
		gboolean known = ch_esc_state_parse(r->state, &es);
		if (known && (es == CH_ESC_RESOLVED || es == CH_ESC_CLOSED))
			a->resolved++;
		else if (known && es == CH_ESC_UNRESOLVED)
			a->unresolved++;
		else
			a->open++;
	}
	g_ptr_array_sort(all, by_raised);
	ChTable *t = ch_table_new("Escalations by agency", "By agency", "Agency", "Raised",
	                          "Answered in time", "Resolved or closed", "Unresolved",
	                          "Still open", "Stages asked", "Stages answered in time",
	                          "Stages answered late", "Stages not answered", NULL);
	t->note = g_strdup("answered in time: every stage asked answered by its own due date; "
	                   "each stage is also counted on its own");
	ch_table_set_chart(t, 0, 1);
	for (guint i = 0; i < all->len; i++) {
		AgencyCount *a = all->pdata[i];
		ch_table_row(t);
		ch_table_text(t, a->agency);
		ch_table_int(t, a->raised);
		ch_table_int(t, a->in_time);
		ch_table_int(t, a->resolved);
		ch_table_int(t, a->unresolved);
		ch_table_int(t, a->open);
		ch_table_int(t, a->asked);
		ch_table_int(t, a->stage_in_time);
		ch_table_int(t, a->stage_late);
		ch_table_int(t, a->stage_unanswered);
	}
	return t;
}

static ChTable *by_reason(GPtrArray *rows)
{
	g_autoptr(GHashTable) counts = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	g_autoptr(GPtrArray) order = g_ptr_array_new_with_free_func(g_free);
	for (guint k = 0; ch_reason_codes[k]; k++) {
		g_hash_table_insert(counts, g_strdup(ch_reason_codes[k]), GINT_TO_POINTER(0));
		g_ptr_array_add(order, g_strdup(ch_reason_codes[k]));
	}
	for (guint i = 0; i < rows->len; i++) {
		ChRegisterRow *r = rows->pdata[i];
		for (char **c = r->reasons; c && *c; c++) {
			if (!**c)
				continue;
			gpointer old;
			if (!g_hash_table_lookup_extended(counts, *c, NULL, &old)) {
				old = GINT_TO_POINTER(0);
				g_ptr_array_add(order, g_strdup(*c));
			}
			g_hash_table_insert(counts, g_strdup(*c), GINT_TO_POINTER(GPOINTER_TO_INT(old) + 1));
		}
	}
	ChTable *t = ch_table_new("Escalations by reason", "By reason", "Reason code", "Reason",
	                          "Escalations", NULL);
	t->note = g_strdup("an escalation with more than one reason counts under each");
	ch_table_set_chart(t, 0, 2);
	for (guint k = 0; k < order->len; k++) {
		const char *code = order->pdata[k];
		ch_table_row(t);
		ch_table_text(t, code);
		ch_table_text(t, ch_reason_describe(code));
		ch_table_int(t, GPOINTER_TO_INT(g_hash_table_lookup(counts, code)));
	}
	return t;
}

static ChTable *by_state(GPtrArray *rows)
{
	static const struct {
		ChEscState state;
		const char *meaning;
	} states[] = {
		{ CH_ESC_OPEN, "waiting for an answer" },
		{ CH_ESC_RESPONDED, "answered; the chair to confirm" },
		{ CH_ESC_RESOLVED, "resolved" },
		{ CH_ESC_UNRESOLVED, "not resolved after the last stage; CP coordinator informed" },
		{ CH_ESC_CLOSED, "closed" },
	};
	ChTable *t = ch_table_new("Escalations by outcome", "By outcome", "State", "Meaning",
	                          "Escalations", NULL);
	ch_table_set_chart(t, 0, 2);
	for (guint k = 0; k < G_N_ELEMENTS(states); k++) {
		gint64 n = 0;
		for (guint i = 0; i < rows->len; i++) {
			ChEscState es;
			n += ch_esc_state_parse(((ChRegisterRow *)rows->pdata[i])->state, &es) &&
			     es == states[k].state;
		}
		ch_table_row(t);
		ch_table_text(t, ch_esc_state_name(states[k].state));
		ch_table_text(t, states[k].meaning);
		ch_table_int(t, n);
	}
	return t;
}

static ChTable *by_stage(GPtrArray *rows)
{
	int top = 1;
	for (guint i = 0; i < rows->len; i++)
		top = MAX(top, ((ChRegisterRow *)rows->pdata[i])->stage);
	ChTable *t = ch_table_new("Escalations by stage reached", "By stage", "Stage reached",
	                          "Escalations", NULL);
	t->note = g_strdup("stage 1 is the first person asked; each later stage is one step up "
	                   "the procedure's ladder");
	ch_table_set_chart(t, 0, 1);
	for (int k = 1; k <= top; k++) {
		gint64 n = 0;
		for (guint i = 0; i < rows->len; i++)
			n += ((ChRegisterRow *)rows->pdata[i])->stage == k;
		g_autofree char *label = g_strdup_printf("Stage %d", k);
		measure(t, label, n);
	}
	return t;
}

static ChTable *timeliness(GPtrArray *rows)
{
	gint64 n[4] = { 0 };
	for (guint i = 0; i < rows->len; i++)
		n[((ChRegisterRow *)rows->pdata[i])->timely]++;
	ChTable *t = measures("Answers and due dates", "Timeliness", "Escalations");
	t->note = g_strdup("in time: every stage asked answered on or before its own due date; "
	                   "late: one answered after it; no answer: a stage's due date passed "
	                   "without one (a stage the concern climbed from in silence)");
	measure(t, "Answered by the due date", n[CH_TIMELY_YES]);
	measure(t, "Answered after the due date", n[CH_TIMELY_LATE]);
	measure(t, "No answer, past the due date", n[CH_TIMELY_OVERDUE]);
	measure(t, "No answer yet, not yet due", n[CH_TIMELY_NOT_YET_DUE]);
	return t;
}

static int cmp_str_ptr(gconstpointer a, gconstpointer b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Each stage of each procedure's ladder: how many were asked there, and how each answered
 * by that stage's own due date. */
static ChTable *by_stage_answer(GPtrArray *rows)
{
	g_autoptr(GHashTable) seen = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
	g_autoptr(GPtrArray) keys = g_ptr_array_new();
	for (guint i = 0; i < rows->len; i++) {
		ChRegisterRow *r = rows->pdata[i];
		for (guint k = 0; r->stages && k < r->stages->len; k++) {
			const ChStageAnswer *a = &g_array_index(r->stages, ChStageAnswer, k);
			g_autofree char *key = g_strdup_printf("%s\n%03d", r->procedure, a->stage);
			gint64 *n = g_hash_table_lookup(seen, key);
			if (!n) {
				n = g_new0(gint64, 5);
				char *owned = g_strdup(key);
				g_hash_table_insert(seen, owned, n);
				g_ptr_array_add(keys, owned);
			}
			n[0]++;
			n[1 + a->timely]++;
		}
	}
	g_ptr_array_sort(keys, cmp_str_ptr);
	ChTable *t = ch_table_new("Answers by stage", "By stage answered", "Procedure", "Stage",
	                          "Asked", "Answered in time", "Answered late", "Not answered",
	                          "Not yet due", NULL);
	t->note = g_strdup("each stage's answer against that stage's own due date, from the "
	                   "record of when it was asked and answered");
	ch_table_set_chart(t, 0, 2);
	for (guint i = 0; i < keys->len; i++) {
		const char *key = keys->pdata[i];
		const gint64 *n = g_hash_table_lookup(seen, key);
		const char *nl = strchr(key, '\n');
		g_autofree char *proc = g_strndup(key, nl - key);
		ch_table_row(t);
		ch_table_text(t, proc);
		ch_table_int(t, atoi(nl + 1));
		ch_table_int(t, n[0]);
		ch_table_int(t, n[1 + CH_TIMELY_YES]);
		ch_table_int(t, n[1 + CH_TIMELY_LATE]);
		ch_table_int(t, n[1 + CH_TIMELY_OVERDUE]);
		ch_table_int(t, n[1 + CH_TIMELY_NOT_YET_DUE]);
	}
	return t;
}

typedef struct {
	char *procedure;
	gint64 raised, asked, in_time, late, unanswered;
	gint64 resolved, unresolved, closed, open, missing, missing_came;
	GHashTable *reasons;   /* code -> count */
} ProcCount;

static void proc_count_free(gpointer p)
{
	ProcCount *c = p;
	g_free(c->procedure);
	g_hash_table_unref(c->reasons);
	g_free(c);
}

static int by_procedure_name(gconstpointer a, gconstpointer b)
{
	return strcmp((*(ProcCount *const *)a)->procedure, (*(ProcCount *const *)b)->procedure);
}

/* "did not provide a report: 2; report late: 1", in the order of the reason codes. */
static char *nature_text(GHashTable *reasons)
{
	GString *s = g_string_new(NULL);
	for (guint k = 0; ch_reason_codes[k]; k++) {
		gint64 n = GPOINTER_TO_INT(g_hash_table_lookup(reasons, ch_reason_codes[k]));
		if (n)
			g_string_append_printf(s, "%s%s: %" G_GINT64_FORMAT, s->len ? "; " : "",
			                       ch_reason_describe(ch_reason_codes[k]), n);
	}
	return g_string_free(s, FALSE);
}

/* What came of the concerns, in words the board reads. */
static char *conclusions_text(const ProcCount *c)
{
	GString *s = g_string_new(NULL);
	const struct {
		gint64 n;
		const char *words;
	} parts[] = {
		{ c->resolved, "resolved between the agencies" },
		{ c->unresolved, "not resolved at the last stage and passed to the CP coordinator" },
		{ c->closed, "closed by the team" },
		{ c->open, "still being followed up" },
		{ c->missing_came, "missing reports that came in after all" },
		{ c->missing - c->missing_came, "missing reports never received" },
	};
	for (guint i = 0; i < G_N_ELEMENTS(parts); i++)
		if (parts[i].n)
			g_string_append_printf(s, "%s%" G_GINT64_FORMAT " %s", s->len ? "; " : "",
			                       parts[i].n, parts[i].words);
	if (!s->len)
		g_string_append(s, "no concerns in the period");
	return g_string_free(s, FALSE);
}

/* One row per procedure (each conference's rules file): the figures procedure 001 asks
 * for the safeguarding board (the outcome of escalations) and procedure 004 asks the
 * quality assurance group to report (the number and nature of the concerns, the enquiries
 * made, the conclusions). Enquiries are the stages asked, each counted by its own date. */
static ChTable *by_procedure(ChApp *app, GPtrArray *rows)
{
	g_autoptr(GHashTable) seen = g_hash_table_new(g_str_hash, g_str_equal);
	g_autoptr(GPtrArray) all = g_ptr_array_new_with_free_func(proc_count_free);
	for (guint i = 0; i < rows->len + 1; i++) {
		/* The configured procedure always has its row, even with nothing to count. */
		ChRegisterRow *r = i < rows->len ? rows->pdata[i] : NULL;
		const char *name = r ? r->procedure : app->cfg->procedure;
		ProcCount *c = g_hash_table_lookup(seen, name);
		if (!c) {
			c = g_new0(ProcCount, 1);
			c->procedure = g_strdup(name);
			c->reasons = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
			g_hash_table_insert(seen, c->procedure, c);
			g_ptr_array_add(all, c);
		}
		if (!r)
			continue;
		count_stages(r, &c->asked, &c->in_time, &c->late, &c->unanswered);
		if (r->raised_by == CH_RAISED_BY_MISSING) {
			c->missing++;
			c->missing_came += r->responded != NULL;
			continue;
		}
		c->raised++;
		for (char **code = r->reasons; code && *code; code++) {
			if (!**code)
				continue;
			gpointer old = g_hash_table_lookup(c->reasons, *code);
			g_hash_table_replace(c->reasons, g_strdup(*code),
			                     GINT_TO_POINTER(GPOINTER_TO_INT(old) + 1));
		}
		ChEscState es;
		gboolean known = ch_esc_state_parse(r->state, &es);
		if (known && es == CH_ESC_RESOLVED)
			c->resolved++;
		else if (known && es == CH_ESC_UNRESOLVED)
			c->unresolved++;
		else if (known && es == CH_ESC_CLOSED)
			c->closed++;
		else
			c->open++;
	}
	g_ptr_array_sort(all, by_procedure_name);
	ChTable *t = ch_table_new("Concerns by procedure", "By procedure", "Procedure",
	                          "Concerns raised", "Nature of the concerns", "Enquiries made",
	                          "Answered in time", "Answered late", "Not answered", "Resolved",
	                          "Not resolved", "Closed", "Still open",
	                          "Escalations for missing reports", "Conclusions", NULL);
	t->note = g_strdup("concerns: the chair's escalations; enquiries: each stage asked, of the "
	                   "chair's and of chaser's own for missing reports, answered or not by "
	                   "that stage's own due date");
	ch_table_set_chart(t, 0, 1);
	for (guint i = 0; i < all->len; i++) {
		ProcCount *c = all->pdata[i];
		g_autofree char *nature = nature_text(c->reasons);
		g_autofree char *concl = conclusions_text(c);
		ch_table_row(t);
		ch_table_text(t, c->procedure);
		ch_table_int(t, c->raised);
		ch_table_text(t, *nature ? nature : NULL);
		ch_table_int(t, c->asked);
		ch_table_int(t, c->in_time);
		ch_table_int(t, c->late);
		ch_table_int(t, c->unanswered);
		ch_table_int(t, c->resolved);
		ch_table_int(t, c->unresolved);
		ch_table_int(t, c->closed);
		ch_table_int(t, c->open);
		ch_table_int(t, c->missing);
		ch_table_text(t, concl);
	}
	return t;
}

static ChTable *missing_by_agency(GPtrArray *all)
{
	ChTable *t = ch_table_new("Escalations for missing reports", "Missing reports", "Agency",
	                          "Escalated", "Report came later", "Still missing", NULL);
	t->note = g_strdup("a post-conference report not received by its due date: chaser asked "
	                   "the agency lead and told the CP managers");
	ch_table_set_chart(t, 0, 1);
	g_autoptr(GPtrArray) agencies = g_ptr_array_new_with_free_func(g_free);
	for (guint i = 0; i < all->len; i++) {
		ChRegisterRow *r = all->pdata[i];
		if (r->raised_by == CH_RAISED_BY_MISSING &&
		    !g_ptr_array_find_with_equal_func(agencies, r->agency, g_str_equal, NULL))
			g_ptr_array_add(agencies, g_strdup(r->agency));
	}
	g_ptr_array_sort(agencies, cmp_str_ptr);
	for (guint k = 0; k < agencies->len; k++) {
		gint64 n = 0, came = 0;
		for (guint i = 0; i < all->len; i++) {
			ChRegisterRow *r = all->pdata[i];
			if (r->raised_by != CH_RAISED_BY_MISSING || strcmp(r->agency, agencies->pdata[k]))
				continue;
			n++;
			came += r->responded != NULL;
		}
		ch_table_row(t);
		ch_table_text(t, agencies->pdata[k]);
		ch_table_int(t, n);
		ch_table_int(t, came);
		ch_table_int(t, n - came);
	}
	return t;
}

gboolean ch_summary_add_tables(ChApp *app, ChDoc *rep, GPtrArray *all, const GDate *from,
                               const GDate *to, GError **error)
{
	/* The tables that were always about the chair's escalations stay so; chaser's own, for
	 * missing reports, have a table of their own and a column by procedure. */
	g_autoptr(GPtrArray) rows = g_ptr_array_new();
	gint64 missing = 0;
	for (guint i = 0; i < all->len; i++) {
		ChRegisterRow *r = all->pdata[i];
		if (r->raised_by == CH_RAISED_BY_CHAIR)
			g_ptr_array_add(rows, r);
		else
			missing++;
	}
	Period p = { from, to };
	Figures f = { 0 };
	if (!gather(app, &p, &f, error))
		return FALSE;
	gint64 in_time = 0, closed = 0;
	for (guint i = 0; i < rows->len; i++) {
		ChRegisterRow *r = rows->pdata[i];
		in_time += r->timely == CH_TIMELY_YES;
		closed += r->working_days >= 0;
	}
	ChTable *t = measures("Overview", "Overview", "Value");
	measure(t, "Conferences held", f.conferences);
	measure(t, "Escalations raised", rows->len);
	measure(t, "Escalations answered in time", in_time);
	measure(t, "Escalations closed", closed);
	measure(t, "Escalations for missing reports", missing);
	ch_table_row(t);
	ch_table_text(t, "Median working days to close");
	double median;
	if (ch_summary_median_days(rows, &median))
		ch_table_number(t, median);
	else
		ch_table_text(t, NULL);
	measure(t, "Post-conference reports requested", f.rep_requested);
	measure(t, "Conferences whose minutes were held for missing information",
	        f.minutes_missing);
	measure(t, "Immediate-safety alerts", f.safety_alerts);
	measure(t, "Messages put in triage", f.triage_opened);
	measure(t, "Messages quarantined", f.quarantined);
	ch_doc_add(rep, t);

	ch_doc_add(rep, by_procedure(app, all));
	ch_doc_add(rep, by_agency(rows));
	ch_doc_add(rep, by_reason(rows));
	ch_doc_add(rep, by_state(rows));
	ch_doc_add(rep, by_stage(rows));
	ch_doc_add(rep, timeliness(rows));
	ch_doc_add(rep, by_stage_answer(rows));
	ch_doc_add(rep, missing_by_agency(all));

	t = measures("Post-conference reports", "Reports", "Reports");
	t->note = g_strdup("reports owed for conferences held in the period");
	measure(t, "Requested", f.rep_requested);
	measure(t, "Received on time", f.rep_on_time);
	measure(t, "Received late", f.rep_late);
	measure(t, "Missing", f.rep_missing);
	measure(t, "Still awaited", f.rep_awaited);
	measure(t, "Not yet requested", f.rep_not_requested);
	ch_doc_add(rep, t);

	t = measures("Triage and quarantine", "Triage", "Messages");
	t->note = g_strdup("messages no rule could act on, waiting for a person or decided by one");
	measure(t, "Put in triage", f.triage_opened);
	measure(t, "Still waiting for a person", f.triage_open);
	measure(t, "Released by a person", f.triage_released);
	measure(t, "Dropped by a person", f.triage_dropped);
	measure(t, "Quarantined", f.quarantined);
	ch_doc_add(rep, t);
	return TRUE;
}

gboolean ch_summary_quarter(const char *text, GDate *from, GDate *to)
{
	int year = 0, q = 0;
	char tail = 0;
	if (!text || sscanf(text, "%4d-Q%1d%c", &year, &q, &tail) != 2 || year < 1900 ||
	    year > 2100 || q < 1 || q > 4 || strlen(text) != 7)
		return FALSE;
	g_date_clear(from, 1);
	g_date_clear(to, 1);
	g_date_set_dmy(from, 1, (GDateMonth)(3 * q - 2), (GDateYear)year);
	*to = *from;
	g_date_add_months(to, 3);
	g_date_subtract_days(to, 1);
	return TRUE;
}

void ch_summary_quarter_of(const GDate *day, int *year_r, int *q_r)
{
	*year_r = g_date_get_year(day);
	*q_r = (g_date_get_month(day) - 1) / 3 + 1;
}

ChDoc *ch_summary_doc(ChApp *app, const char *kind, const GDate *from, const GDate *to,
                      GDateTime *now, GError **error)
{
	g_autoptr(GPtrArray) rows = ch_register_load(app, from, to, now, error);
	if (!rows)
		return NULL;
	g_autofree char *from_long = ch_date_format_long(from);
	g_autofree char *to_long = ch_date_format_long(to);
	g_autofree char *now_s = ch_clock_format(now);
	g_autoptr(ChDoc) rep = ch_doc_new(!strcmp(kind, "register") ? "Escalation register"
	                                  : !strcmp(kind, "all")
	                                      ? "Partnership summary and escalation register"
	                                      : "Partnership summary");
	ch_doc_line(rep, "Period: %s to %s, both included", from_long, to_long);
	ch_doc_line(rep, "Produced by chaser on %s", now_s);
	ch_doc_line(rep, "Working days counted with calendar %s (%s)",
	            ch_calendar_version(app->cal), ch_calendar_nation(app->cal));
	if (strcmp(kind, "register") && !ch_summary_add_tables(app, rep, rows, from, to, error))
		return NULL;
	if (strcmp(kind, "summary"))
		ch_doc_add(rep, ch_register_table(rows));
	return g_steal_pointer(&rep);
}
