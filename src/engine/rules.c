#include "engine/rules.h"

#include <string.h>

static void choice_free(ChChoice *c)
{
	g_free(c->word), g_free(c->stage);
	g_free(c);
}

static void stage_free(ChStage *s)
{
	if (s->choices)
		g_ptr_array_unref(s->choices);
	g_free(s->name), g_free(s->title), g_free(s->template);
	g_free(s);
}

ChRules *ch_rules_new(const char *name)
{
	ChRules *r = g_new0(ChRules, 1);
	r->name = g_strdup(name);
	r->stages = g_ptr_array_new_with_free_func((GDestroyNotify)stage_free);
	r->list_within_hours = 24;
	r->list_authorise_days = 1;
	r->list_repeat_days = 2;
	r->report_days = 5;
	r->request_within_hours = 24;
	r->review_hours = 24;
	r->review_repeat_days = 2;
	r->high_risk_hours = 24;
	r->minutes_initial_days = 20;
	r->minutes_review_days = 25;
	r->minutes_not_before_days = 5;
	r->report_chase_before_days = 1;
	return r;
}

void ch_rules_free(ChRules *r)
{
	if (!r)
		return;
	g_free(r->name), g_free(r->file), g_free(r->title);
	g_ptr_array_unref(r->stages);
	g_free(r);
}

ChStage *ch_rules_add_stage(ChRules *r, const char *name)
{
	ChStage *s = g_new0(ChStage, 1);
	s->name = g_strdup(name);
	s->unit = CH_UNIT_WORKING_DAYS;
	s->amount = 5;
	s->template = g_strdup("escalation");
	s->ask = CH_ROLE_SLO;
	s->chasers = 1;
	s->on_silence = CH_SILENCE_UNRESOLVED;
	s->remind_days = 2;
	s->asks[0] = CH_ROLE_SLO;
	s->n_asks = 1;
	g_ptr_array_add(r->stages, s);
	return s;
}

const ChStage *ch_rules_stage(const ChRules *r, int stage)
{
	if (stage < 1 || (guint)stage > r->stages->len)
		return NULL;
	return r->stages->pdata[stage - 1];
}

int ch_rules_stage_named(const ChRules *r, const char *name)
{
	for (guint i = 0; name && i < r->stages->len; i++)
		if (!g_strcmp0(((const ChStage *)r->stages->pdata[i])->name, name))
			return (int)i + 1;
	return 0;
}

int ch_rules_next(const ChRules *r, int stage)
{
	const ChStage *st = ch_rules_stage(r, stage);
	if (!st || st->branch_end || !ch_rules_stage(r, stage + 1))
		return 0;
	return stage + 1;
}

void ch_rules_add_choice(ChStage *st, const char *word, const char *stage)
{
	if (!st->choices)
		st->choices = g_ptr_array_new_with_free_func((GDestroyNotify)choice_free);
	ChChoice *c = g_new0(ChChoice, 1);
	c->word = g_strdup(word);
	c->stage = g_strdup(stage);
	g_ptr_array_add(st->choices, c);
}

const char *ch_unit_name(ChUnit u)
{
	switch (u) {
	case CH_UNIT_WORKING_DAYS:
		return "working days";
	case CH_UNIT_HOURS:
		return "hours";
	case CH_UNIT_WEEKS:
		return "weeks";
	}
	return "?";
}

static const struct {
	guint bit;
	const char *name;
	const char *alias; /* another way people write it, or NULL */
} outcomes[] = {
	{ CH_OUTCOME_SET_ASIDE, "set aside", "set-aside" },
	{ CH_OUTCOME_AGENCY_REPORTS, "agency reports", "individual agency reports" },
	{ CH_OUTCOME_AUDIT, "multi-agency audit", "multi agency audit" },
	{ CH_OUTCOME_RECOMMENDATIONS, "recommendations", NULL },
};

guint ch_outcome_parse(const char *name)
{
	if (!name)
		return 0;
	/* one space between words, lower case */
	g_auto(GStrv) w = g_strsplit_set(name, " \t", -1);
	GString *s = g_string_new(NULL);
	for (char **p = w; *p; p++)
		if (**p)
			g_string_append_printf(s, "%s%s", s->len ? " " : "", *p);
	g_autofree char *norm = g_ascii_strdown(s->str, -1);
	g_string_free(s, TRUE);
	for (guint i = 0; i < G_N_ELEMENTS(outcomes); i++)
		if (!strcmp(norm, outcomes[i].name) ||
		    (outcomes[i].alias && !strcmp(norm, outcomes[i].alias)))
			return outcomes[i].bit;
	return 0;
}

const char *ch_outcome_name(guint bit)
{
	for (guint i = 0; i < G_N_ELEMENTS(outcomes); i++)
		if (outcomes[i].bit == bit)
			return outcomes[i].name;
	return "?";
}

const char *ch_outcome_list(void)
{
	return "set aside, agency reports, multi-agency audit, recommendations";
}
