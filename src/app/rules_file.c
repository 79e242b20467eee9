#include "app/rules_file.h"

#include <string.h>

#include "app/config.h"
#include "util/error.h"

static gboolean parse_duration(const char *v, ChUnit *unit, guint *amount)
{
	g_auto(GStrv) w = g_strsplit_set(v, " \t", -1);
	GPtrArray *words = g_ptr_array_new();
	for (char **p = w; *p; p++)
		if (**p)
			g_ptr_array_add(words, *p);
	gboolean ok = FALSE;
	guint64 n;
	if (words->len >= 2 &&
	    g_ascii_string_to_unsigned(words->pdata[0], 10, 0, 10000, &n, NULL)) {
		g_autofree char *rest = NULL;
		GString *r = g_string_new(NULL);
		for (guint i = 1; i < words->len; i++)
			g_string_append_printf(r, "%s%s", i > 1 ? " " : "", (char *)words->pdata[i]);
		rest = g_string_free(r, FALSE);
		*amount = (guint)n;
		if (!strcmp(rest, "working days") || !strcmp(rest, "working day"))
			*unit = CH_UNIT_WORKING_DAYS, ok = TRUE;
		else if (!strcmp(rest, "hours") || !strcmp(rest, "hour"))
			*unit = CH_UNIT_HOURS, ok = TRUE;
		else if (!strcmp(rest, "weeks") || !strcmp(rest, "week"))
			*unit = CH_UNIT_WEEKS, ok = TRUE;
	}
	g_ptr_array_free(words, TRUE);
	return ok;
}

/* The working-day figure of a top-level key, which must be in working days or hours. */
static gboolean set_days(guint *field, ChUnit want, const char *v)
{
	ChUnit u;
	guint n;
	if (!parse_duration(v, &u, &n) || u != want)
		return FALSE;
	*field = n;
	return TRUE;
}

/* The top-level settings given as a duration: each one's field and the unit it is in. */
static const struct {
	const char *key;
	gsize offset;
	ChUnit unit;
	const char *example;
} durations[] = {
	{ "list_within", G_STRUCT_OFFSET(ChRules, list_within_hours), CH_UNIT_HOURS, "24 hours" },
	{ "list_authorise_within", G_STRUCT_OFFSET(ChRules, list_authorise_days),
	  CH_UNIT_WORKING_DAYS, "1 working day" },
	{ "list_authorise_repeat", G_STRUCT_OFFSET(ChRules, list_repeat_days),
	  CH_UNIT_WORKING_DAYS, "2 working days" },
	{ "report_due", G_STRUCT_OFFSET(ChRules, report_days), CH_UNIT_WORKING_DAYS,
	  "5 working days" },
	{ "report_request_within", G_STRUCT_OFFSET(ChRules, request_within_hours), CH_UNIT_HOURS,
	  "24 hours" },
	{ "report_review_within", G_STRUCT_OFFSET(ChRules, review_hours), CH_UNIT_HOURS,
	  "24 hours" },
	{ "report_review_repeat", G_STRUCT_OFFSET(ChRules, review_repeat_days),
	  CH_UNIT_WORKING_DAYS, "2 working days" },
	{ "high_risk_decide_within", G_STRUCT_OFFSET(ChRules, high_risk_hours), CH_UNIT_HOURS,
	  "24 hours" },
	{ "report_reminder_before", G_STRUCT_OFFSET(ChRules, report_chase_before_days),
	  CH_UNIT_WORKING_DAYS, "1 working day" },
	{ "minutes_due_initial", G_STRUCT_OFFSET(ChRules, minutes_initial_days),
	  CH_UNIT_WORKING_DAYS, "20 working days" },
	{ "minutes_due_review", G_STRUCT_OFFSET(ChRules, minutes_review_days),
	  CH_UNIT_WORKING_DAYS, "25 working days" },
	{ "minutes_not_before", G_STRUCT_OFFSET(ChRules, minutes_not_before_days),
	  CH_UNIT_WORKING_DAYS, "5 working days" },
};

/* One setting before the first [stage]: NULL, or what is wrong with it. */
static char *top_setting(ChRules *r, const char *key, const char *v)
{
	if (!strcmp(key, "title")) {
		r->title = g_strdup(v);
		return NULL;
	}
	for (guint k = 0; k < G_N_ELEMENTS(durations); k++) {
		if (strcmp(key, durations[k].key))
			continue;
		guint *field = G_STRUCT_MEMBER_P(r, durations[k].offset);
		if (!set_days(field, durations[k].unit, v))
			return g_strdup_printf("%s = '%s': write e.g. '%s'", key, v, durations[k].example);
		return NULL;
	}
	if (!strcmp(key, "last_stage_can_set_aside")) {
		if (!strcmp(v, "yes"))
			r->can_set_aside = TRUE;
		else if (strcmp(v, "no"))
			return g_strdup("last_stage_can_set_aside must be yes or no");
		return NULL;
	}
	return g_strdup_printf("unknown setting '%s'", key);
}

/* The settings of a stage about how a concern ends (on line lineno): NULL, or what is
 * wrong. Whether on_silence may be said here is known only once every stage is read. */
static char *silence_setting(ChStage *stage, const char *key, const char *v, guint lineno)
{
	if (!strcmp(key, "on_silence")) {
		if (!ch_silence_parse(v, &stage->on_silence))
			return g_strdup_printf("on_silence = '%s': write remind or unresolved", v);
		stage->on_silence_line = lineno;
		return NULL;
	}
	if (!strcmp(key, "remind_every")) {
		if (!set_days(&stage->remind_days, CH_UNIT_WORKING_DAYS, v) || !stage->remind_days)
			return g_strdup_printf("remind_every = '%s': write e.g. '2 working days'", v);
		stage->remind_line = lineno;
		return NULL;
	}
	if (!strcmp(key, "meeting")) {
		if (!strcmp(v, "yes"))
			stage->meeting = TRUE;
		else if (strcmp(v, "no"))
			return g_strdup("meeting must be yes or no");
		return NULL;
	}
	return g_strdup_printf("unknown stage setting '%s'", key);
}

/* on_silence and remind_every said where they mean something: on_silence at the last stage
 * (silence at an earlier one climbs), remind_every with on_silence = remind. NULL, or what is
 * wrong, with its line in *line_r. */
static char *silence_problem(const ChRules *r, guint *line_r)
{
	for (guint i = 0; i < r->stages->len; i++) {
		const ChStage *s = r->stages->pdata[i];
		/* A stage a choice leads to ends its way, as the last stage does. */
		gboolean last = i + 1 == r->stages->len || s->branch_end;
		if (s->on_silence_line && !last) {
			*line_r = s->on_silence_line;
			return g_strdup_printf("on_silence is for the last stage: silence at stage '%s' "
			                       "moves the concern to the next stage",
			                       s->name);
		}
		if (s->remind_line && s->on_silence != CH_SILENCE_REMIND) {
			*line_r = s->remind_line;
			return g_strdup_printf("remind_every needs on_silence = remind in stage '%s'",
			                       s->name);
		}
	}
	return NULL;
}

/* ---- concerns between agencies (003): several people asked, timings from an earlier
 * step, a choice of ways at a stage ---- */

/* ask = ROLE[, ROLE...]: everyone asked at the stage, both sides of a concern at once. NULL,
 * or what is wrong. */
static char *ladder_ask(ChStage *stage, const char *v, guint lineno)
{
	g_auto(GStrv) parts = g_strsplit(v, ",", -1);
	guint n = 0;
	ChRole got[CH_STAGE_ASKS_MAX];
	for (char **p = parts; *p; p++) {
		char *name = g_strstrip(*p);
		ChRole role;
		if (!*name)
			return g_strdup_printf("ask = '%s': a comma with no role after it", v);
		if (!ch_role_parse(name, &role) || !ch_role_info(role)->askable) {
			if (!parts[1])
				return g_strdup_printf("ask = '%s' is not a role (one of %s)", v,
				                       ch_role_askable_list());
			return g_strdup_printf("ask = '%s': '%s' is not a role (one of %s)", v, name,
			                       ch_role_askable_list());
		}
		for (guint k = 0; k < n; k++)
			if (got[k] == role)
				return g_strdup_printf("ask = '%s': '%s' is named twice", v, name);
		if (n == CH_STAGE_ASKS_MAX)
			return g_strdup_printf("ask = '%s': at most %d people at one stage", v,
			                       CH_STAGE_ASKS_MAX);
		got[n++] = role;
	}
	memcpy(stage->asks, got, sizeof got[0] * n);
	stage->n_asks = n;
	stage->ask = got[0];
	stage->ask_line = lineno;
	return NULL;
}

/* answer_within = DURATION [of step K]: counted from when stage K began, K an earlier stage
 * (this_step is the stage's own number). NULL, or what is wrong. */
static char *ladder_within(ChStage *stage, const char *v, guint lineno, guint this_step)
{
	static const char example[] = "write e.g. '5 working days', '24 hours', '2 weeks' or "
	                              "'5 working days of step 1'";
	g_autofree char *duration = g_strdup(v);
	char *of = strstr(duration, " of ");
	stage->from_step = 0;
	if (of) {
		*of = 0;
		char *step = g_strstrip(of + 4);
		guint64 k;
		if (strncmp(step, "step ", 5) ||
		    !g_ascii_string_to_unsigned(g_strstrip(step + 5), 10, 1, 1000, &k, NULL))
			return g_strdup_printf("answer_within = '%s': after 'of' write 'step' and a stage's "
			                       "number, e.g. '5 working days of step 1'", v);
		if (k >= this_step)
			return g_strdup_printf("answer_within = '%s': step %u is not an earlier stage "
			                       "(this is step %u): the time counts from a stage already "
			                       "begun", v, (guint)k, this_step);
		stage->from_step = (int)k;
		stage->from_line = lineno;
	}
	if (!parse_duration(g_strstrip(duration), &stage->unit, &stage->amount) || !stage->amount)
		return g_strdup_printf("answer_within = '%s': %s", v, example);
	return NULL;
}

/* choice = WORD: STAGE, WORD: STAGE...: NOT RESOLVED at this stage goes the way its answer
 * names. The stages are checked once the whole file is read (ladder_complete). */
static char *ladder_choice(ChStage *stage, const char *v, guint lineno)
{
	g_auto(GStrv) ways = g_strsplit(v, ",", -1);
	for (char **w = ways; *w; w++) {
		char *colon = strchr(*w, ':');
		if (!colon)
			return g_strdup_printf("choice = '%s': write each way as 'word: stage', e.g. "
			                       "'urgent: independent-meeting, non-urgent: review-group'", v);
		*colon = 0;
		char *word = g_strstrip(*w), *to = g_strstrip(colon + 1);
		gboolean plain = *word != 0;
		for (const char *c = word; *c; c++)
			plain &= g_ascii_islower(*c) || *c == '-';
		if (!plain)
			return g_strdup_printf("choice = '%s': '%s' is not a word (lower-case letters and "
			                       "'-')", v, word);
		if (!*to)
			return g_strdup_printf("choice = '%s': '%s' names no stage", v, word);
		for (guint k = 0; stage->choices && k < stage->choices->len; k++)
			if (!strcmp(((ChChoice *)stage->choices->pdata[k])->word, word))
				return g_strdup_printf("choice = '%s': '%s' is given twice", v, word);
		ch_rules_add_choice(stage, word, to);
	}
	if (!stage->choices || stage->choices->len < 2)
		return g_strdup_printf("choice = '%s': a choice needs at least two ways", v);
	stage->choice_line = lineno;
	return NULL;
}

/* What only the whole ladder can say of the constructs above: each choice leads to a stage
 * that exists and comes later, and such a stage ends its way. */
static gboolean ladder_complete(ChRules *r, const char *path, GError **error)
{
	for (guint i = 0; i < r->stages->len; i++) {
		ChStage *s = r->stages->pdata[i];
		for (guint k = 0; s->choices && k < s->choices->len; k++) {
			ChChoice *c = s->choices->pdata[k];
			c->to = ch_rules_stage_named(r, c->stage);
			g_autofree char *what =
				!c->to ? g_strdup_printf("there is no [stage %s]", c->stage)
				: c->to <= (int)i + 1 ? g_strdup_printf("stage '%s' is not a later stage",
				                                        c->stage)
				                      : NULL;
			if (what) {
				g_set_error(error, CH_ERROR, CH_ERROR_CONFIG, "%s:%u: choice '%s' leads "
				            "nowhere: %s", path, s->choice_line, c->word, what);
				return FALSE;
			}
			((ChStage *)r->stages->pdata[c->to - 1])->branch_end = TRUE;
		}
	}
	return TRUE;
}

/* outcomes = set aside | agency reports, multi-agency audit, recommendations: what the
 * stage's person may decide beyond RESOLVED and NOT RESOLVED. NULL, or what is wrong. */
static char *outcomes_setting(ChStage *stage, const char *v, guint lineno)
{
	g_auto(GStrv) names = g_strsplit(v, ",", -1);
	guint bits = 0;
	for (char **p = names; *p; p++) {
		g_autofree char *name = g_strstrip(g_strdup(*p));
		guint bit = ch_outcome_parse(name);
		if (!bit)
			return g_strdup_printf("outcomes: '%s' is not an outcome (one of %s)", name,
			                       ch_outcome_list());
		bits |= bit;
	}
	stage->outcomes = bits;
	stage->outcomes_line = lineno;
	return NULL;
}

/* The old top-level key last_stage_can_set_aside = yes is outcomes = set aside on the last
 * stage, so that council files written for it keep working. */
static void apply_old_set_aside(ChRules *r)
{
	if (r->can_set_aside && r->stages->len) {
		ChStage *last = r->stages->pdata[r->stages->len - 1];
		last->outcomes |= CH_OUTCOME_SET_ASIDE;
	}
}

/* One setting of a [stage] (on line lineno): NULL, or what is wrong with it. */
static char *stage_setting(ChStage *stage, const char *key, const char *v, guint lineno,
                           guint step, const char *const *templates_path)
{
	char *problem = NULL;
	if (!strcmp(key, "title"))
		stage->title = g_strdup(v);
	else if (!strcmp(key, "ask"))
		problem = ladder_ask(stage, v, lineno);
	else if (!strcmp(key, "answer_within"))
		problem = ladder_within(stage, v, lineno, step);
	else if (!strcmp(key, "choice"))
		problem = ladder_choice(stage, v, lineno);
	else if (!strcmp(key, "template")) {
		g_autofree char *f = g_strdup_printf("%s.txt", v);
		g_autofree char *tp = ch_config_find(templates_path, f);
		if (!tp)
			problem = g_strdup_printf("template '%s' is not in the templates "
			                          "folders (no %s)", v, f);
		else {
			g_free(stage->template);
			stage->template = g_strdup(v);
		}
	} else if (!strcmp(key, "chasers")) {
		guint64 n;
		if (!g_ascii_string_to_unsigned(v, 10, 0, 5, &n, NULL))
			problem = g_strdup_printf("chasers = '%s': a number from 0 to 5", v);
		else
			stage->chasers = (guint)n;
	} else if (!strcmp(key, "outcomes"))
		problem = outcomes_setting(stage, v, lineno);
	else
		problem = silence_setting(stage, key, v, lineno);
	return problem;
}

/* What only the whole ladder can say: every stage names who it asks, and on_silence and
 * remind_every are where they mean something. */
static gboolean stages_complete(const ChRules *r, const char *path, GError **error)
{
	for (guint i = 0; i < r->stages->len; i++) {
		ChStage *s = r->stages->pdata[i];
		if (!s->ask_line) {
			g_set_error(error, CH_ERROR, CH_ERROR_CONFIG, "%s: stage '%s' does not say who to ask "
			            "(ask = ...)", path, s->name);
			return FALSE;
		}
	}
	guint line = 0;
	g_autofree char *problem = silence_problem(r, &line);
	if (problem) {
		g_set_error(error, CH_ERROR, CH_ERROR_CONFIG, "%s:%u: %s", path, line, problem);
		return FALSE;
	}
	return TRUE;
}

ChRules *ch_rules_file_load(const char *path, const char *name,
                            const char *const *templates_path,
                            GError **error)
{
	g_autofree char *text = NULL;
	GError *local = NULL;
	if (!g_file_get_contents(path, &text, NULL, &local)) {
		g_set_error(error, CH_ERROR, CH_ERROR_CONFIG, "rules %s: %s", path, local->message);
		g_error_free(local);
		return NULL;
	}
	g_autoptr(ChRules) r = ch_rules_new(name);
	r->file = g_strdup(path);
	g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
	ChStage *stage = NULL;
	g_autoptr(GHashTable) seen = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	for (guint i = 0; lines[i]; i++) {
		guint lineno = i + 1;
		char *l = g_strstrip(lines[i]);
		if (!*l || *l == '#')
			continue;
		g_autofree char *problem = NULL;
		if (*l == '[') {
			size_t n = strlen(l);
			if (l[n - 1] != ']' || strncmp(l, "[stage ", 7)) {
				problem = g_strdup_printf("'%s' is not a section: write [stage NAME]", l);
			} else {
				g_autofree char *sname = g_strstrip(g_strndup(l + 7, n - 8));
				if (!*sname)
					problem = g_strdup("a stage needs a name");
				else {
					stage = ch_rules_add_stage(r, sname);
					stage->ask_line = 0; /* not said yet */
					g_hash_table_remove_all(seen);
				}
			}
		} else {
			char *eq = strchr(l, '=');
			if (!eq) {
				problem = g_strdup_printf("'%s' is not 'key = value'", l);
			} else {
				*eq = 0;
				char *key = g_strstrip(l), *v = g_strstrip(eq + 1);
				if (g_hash_table_contains(seen, key))
					problem = g_strdup_printf("'%s' is given twice", key);
				g_hash_table_add(seen, g_strdup(key));
				if (problem) {
				} else if (!*v) {
					problem = g_strdup_printf("'%s' has no value", key);
				} else if (!stage) {
					problem = top_setting(r, key, v);
				} else {
					problem = stage_setting(stage, key, v, lineno, r->stages->len,
					                        templates_path);
				}
			}
		}
		if (problem) {
			g_set_error(error, CH_ERROR, CH_ERROR_CONFIG, "%s:%u: %s", path, lineno, problem);
			return NULL;
		}
		if (stage && !stage->ask_line && g_hash_table_size(seen) == 0)
			continue;
	}
	if (r->stages->len == 0) {
		g_set_error(error, CH_ERROR, CH_ERROR_CONFIG,
		            "%s: no [stage NAME] section: the escalation ladder needs at least one", path);
		return NULL;
	}
	if (!ladder_complete(r, path, error) || !stages_complete(r, path, error))
		return NULL;
	apply_old_set_aside(r);
	return g_steal_pointer(&r);
}
