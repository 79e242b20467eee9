#include "app/setup.h"

#include <string.h>

#include "app/effects.h"
#include "classify/classify.h"
#include "engine/engine.h"
#include "message/xlsx_read.h"
#include "store/cases.h"
#include "util/addr.h"
#include "util/clock.h"
#include "util/error.h"

static void problem_free(gpointer p)
{
	ChSetupProblem *pr = p;
	g_free(pr->text);
	g_free(pr);
}

GPtrArray *ch_setup_problems_new(void)
{
	return g_ptr_array_new_with_free_func(problem_free);
}

void ch_setup_problem(GPtrArray *problems, guint where, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	ChSetupProblem *p = g_new0(ChSetupProblem, 1);
	p->where = where;
	p->text = g_strdup_vprintf(fmt, ap);
	va_end(ap);
	g_ptr_array_add(problems, p);
}

static gint by_where(gconstpointer a, gconstpointer b)
{
	const ChSetupProblem *x = *(ChSetupProblem *const *)a, *y = *(ChSetupProblem *const *)b;
	return (x->where > y->where) - (x->where < y->where);
}

void ch_setup_problems_sort(GPtrArray *problems)
{
	/* g_ptr_array_sort is a merge sort in GLib: stable, so one place keeps its order. */
	g_ptr_array_sort(problems, by_where);
}

static const struct {
	const char *label, *option;
} fields[CH_SETUP_N] = {
	[CH_SETUP_REF] = { "reference", "REF" },
	[CH_SETUP_HELD] = { "held", "--held" },
	[CH_SETUP_TYPE] = { "type", "--type" },
	[CH_SETUP_CHAIR] = { "chair", "--chair" },
	[CH_SETUP_CHAIR_NAME] = { "chair name", "--chair-name" },
	[CH_SETUP_SOCIAL_WORKER] = { "social worker", "--social-worker" },
	[CH_SETUP_PRACTICE_MANAGER] = { "practice manager", "--practice-manager" },
	[CH_SETUP_MINUTE_TAKER] = { "minute taker", "--minute-taker" },
	[CH_SETUP_PROCEDURE] = { "procedure", "--procedure" },
};

const char *ch_setup_label(ChSetupField f)
{
	return fields[f].label;
}

const char *ch_setup_option(ChSetupField f)
{
	return fields[f].option;
}

static gboolean valid_ref(const char *ref)
{
	g_autofree char *tagged = g_strdup_printf("[%s]", ref ? ref : "");
	g_autofree char *back = ch_classify_subject_ref(tagged);
	return back && !strcmp(back, ref);
}

/* A problem with field f: "--held must be ..." on the command line, "line 4 (held): must
 * be ..." or "held: must be ..." in a mail. */
static void field_problem(const ChSetupConf *in, ChSetupField f, const char *what,
                          GPtrArray *problems)
{
	if (in->form)
		ch_setup_problem(problems, f + 1, "%s", what);
	else if (in->cli && f == CH_SETUP_REF)
		ch_setup_problem(problems, 0, "%s", what);
	else if (in->cli)
		ch_setup_problem(problems, 0, "%s %s", fields[f].option, what);
	else if (in->line[f])
		ch_setup_problem(problems, in->line[f], "line %u (%s): %s", in->line[f],
		                 fields[f].label, what);
	else
		ch_setup_problem(problems, 0, "%s: %s", fields[f].label, what);
}

static gboolean address_ok(const ChSetupConf *in, ChSetupField f, gboolean required,
                           GPtrArray *problems)
{
	const char *v = in->value[f];
	if ((!v && !required) || (v && ch_addr_valid(v)))
		return TRUE;
	field_problem(in, f, in->cli || v ? "must be an email address"
	                     : in->form   ? "is needed: enter an email address"
	                                  : "is missing: write its line with an email address",
	              problems);
	return FALSE;
}

ChCase *ch_setup_conference_check(const ChSetupConf *in, GPtrArray *problems)
{
	guint before = problems->len;
	const char *const *v = in->value;
	if (!valid_ref(v[CH_SETUP_REF]))
		field_problem(in, CH_SETUP_REF,
		              in->cli ? "REF must be 3 to 40 letters, digits, '-', '_', '.' or '/' "
		                        "(e.g. CP-2026-0042)"
		                      : "must be 3 to 40 letters, digits, '-', '_', '.' or '/' (e.g. "
		                        "CP-2026-0042)",
		              problems);
	g_autoptr(GDateTime) held = v[CH_SETUP_HELD] ? ch_clock_parse(v[CH_SETUP_HELD]) : NULL;
	if (!held)
		field_problem(in, CH_SETUP_HELD,
		              in->cli ? "must be an ISO 8601 date and time, e.g. 2026-11-23T10:00"
		              : in->form ? "must be a date and time, e.g. 2026-11-20 10:00"
		                         : "must be a date and time, e.g. 2026-11-20 10:00 or "
		                        "20/11/2026 10:00",
		              problems);
	address_ok(in, CH_SETUP_CHAIR, TRUE, problems);
	address_ok(in, CH_SETUP_SOCIAL_WORKER, TRUE, problems);
	address_ok(in, CH_SETUP_PRACTICE_MANAGER, FALSE, problems);
	address_ok(in, CH_SETUP_MINUTE_TAKER, FALSE, problems);
	ChConfType type = CH_CONF_INITIAL;
	if (v[CH_SETUP_TYPE] && !ch_conf_type_parse(v[CH_SETUP_TYPE], &type))
		field_problem(in, CH_SETUP_TYPE, "must be initial or review", problems);
	const char *cn = v[CH_SETUP_CHAIR_NAME];
	if (cn && strlen(cn) > 200)
		field_problem(in, CH_SETUP_CHAIR_NAME, "is longer than 200 characters", problems);
	if (problems->len > before)
		return NULL;
	ChCase *c = ch_case_new();
	c->ref = g_strdup(v[CH_SETUP_REF]);
	c->held = ch_clock_format(held);
	c->type = type;
	c->procedure = g_strdup(v[CH_SETUP_PROCEDURE]);
	c->chair_email = ch_addr_normalise(v[CH_SETUP_CHAIR]);
	c->chair_name = g_strdup(cn);
	c->social_worker = ch_addr_normalise(v[CH_SETUP_SOCIAL_WORKER]);
	c->practice_manager = v[CH_SETUP_PRACTICE_MANAGER]
	                          ? ch_addr_normalise(v[CH_SETUP_PRACTICE_MANAGER])
	                          : NULL;
	c->minute_taker = v[CH_SETUP_MINUTE_TAKER] ? ch_addr_normalise(v[CH_SETUP_MINUTE_TAKER])
	                                           : NULL;
	return c;
}

const ChRules *ch_setup_conference_rules(ChApp *app, ChCase *c, GError **error)
{
	const ChRules *rules = ch_app_rules(app, c->procedure, error);
	if (!rules || !ch_app_roles_present(app, rules, error))
		return NULL;
	if (!c->procedure)
		c->procedure = g_strdup(app->cfg->procedure);
	return rules;
}

gboolean ch_setup_conference_create(ChApp *app, ChCase *c, const ChRules *rules,
                                    GDateTime *now, const char *source, GError **error)
{
	g_autofree char *now_s = ch_clock_format(now);
	ChEngineCtx ctx;
	g_autofree char *event = g_strdup_printf("%s:conference-add", source);
	ch_app_engine_ctx(app, rules, now, event, &ctx);
	ch_engine_conference_added(c, &ctx);
	return ch_store_conference_add(app->store, c, now_s, error) &&
	       ch_store_case_save(app->store, c, error) &&
	       ch_store_audit(app->store, now_s, c->id, source,
	                      ch_audit_name(CH_AUDIT_CONFERENCE_ADDED), c->ref, NULL,
	                      ch_conf_state_name(c->state), c->procedure, error);
}

static void row_free(gpointer p)
{
	ChSetupRow *r = p;
	g_free(r->label), g_free(r->name), g_free(r->email), g_free(r->agency);
	g_free(r);
}

GPtrArray *ch_setup_rows_new(void)
{
	return g_ptr_array_new_with_free_func(row_free);
}

const char *ch_setup_attendee_check(const char *name, const char *email, const char *agency,
                                    const char *attendance, const char *report,
                                    ChAttendance *att_r, ChAttReport *rep_r)
{
	if (!name || !*name || strlen(name) > 200)
		return "a name is needed";
	if (!email || !ch_addr_valid(email))
		return "the email is not an email address";
	if (!agency || !*agency)
		return "an agency is needed";
	if (!ch_attendance_parse(attendance, att_r))
		return "attendance must be attended, apologies or absent";
	/* A person writes "none"; the list keeps "none_expected". */
	if (report && !strcmp(report, "none"))
		*rep_r = CH_ATT_REPORT_NONE_EXPECTED;
	else if (!ch_att_report_parse(report, rep_r) ||
	         (*rep_r != CH_ATT_REPORT_SUBMITTED && *rep_r != CH_ATT_REPORT_AWAITED))
		return "report must be submitted, awaited or none";
	return NULL;
}

GPtrArray *ch_setup_csv_fields(const char *line)
{
	GPtrArray *f = g_ptr_array_new_with_free_func(g_free);
	GString *cur = g_string_new(NULL);
	gboolean quoted = FALSE, was_quoted = FALSE;
	for (const char *p = line;; p++) {
		if (quoted) {
			if (!*p) {
				g_string_free(cur, TRUE);
				g_ptr_array_unref(f);
				return NULL;
			}
			if (*p == '"' && p[1] == '"')
				g_string_append_c(cur, '"'), p++;
			else if (*p == '"')
				quoted = FALSE;
			else
				g_string_append_c(cur, *p);
			continue;
		}
		if (*p == '"' && cur->len == 0 && !was_quoted) {
			quoted = was_quoted = TRUE;
			continue;
		}
		if (*p == ',' || !*p) {
			char *v = g_string_free(cur, FALSE);
			g_ptr_array_add(f, was_quoted ? v : g_strstrip(v));
			if (!*p)
				break;
			cur = g_string_new(NULL);
			was_quoted = FALSE;
			continue;
		}
		if (*p != '\r')
			g_string_append_c(cur, *p);
	}
	return f;
}

void ch_setup_list_record(GPtrArray *f, guint where, gboolean may_be_header, GPtrArray *rows,
                          GPtrArray *problems)
{
	if (may_be_header && f && f->len && !g_ascii_strcasecmp(f->pdata[0], "name"))
		return;
	ChAttendance att;
	ChAttReport rep;
	const char *bad = !f            ? "a quote is not closed"
	                  : f->len != 5 ? "needs 5 columns: name,email,agency,attendance,report"
	                                : ch_setup_attendee_check(f->pdata[0], f->pdata[1],
	                                                          f->pdata[2], f->pdata[3],
	                                                          f->pdata[4], &att, &rep);
	if (bad) {
		ch_setup_problem(problems, where, "%s", bad);
		return;
	}
	ChSetupRow *r = g_new0(ChSetupRow, 1);
	r->where = where;
	r->name = g_strdup(f->pdata[0]);
	r->email = ch_addr_normalise(f->pdata[1]);
	r->agency = g_strdup(f->pdata[2]);
	r->attendance = att;
	r->report = rep;
	g_ptr_array_add(rows, r);
}

void ch_setup_list_csv(const char *text, GPtrArray *rows, GPtrArray *problems)
{
	g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
	for (guint i = 0; lines[i]; i++) {
		g_autofree char *trimmed = g_strstrip(g_strdup(lines[i]));
		if (!*trimmed)
			continue;
		g_autoptr(GPtrArray) f = ch_setup_csv_fields(lines[i]);
		ch_setup_list_record(f, i + 1, i == 0, rows, problems);
	}
}

gboolean ch_setup_list_agencies(ChApp *app, GPtrArray *rows, GPtrArray *problems,
                                GError **error)
{
	for (guint i = 0; i < rows->len; i++) {
		const ChSetupRow *r = rows->pdata[i];
		gint64 id = 0;
		if (!ch_store_agency_id(app->store, r->agency, &id, error))
			return FALSE;
		if (!id)
			ch_setup_problem(problems, r->where,
			                 "%s%sunknown agency '%s' (add it first with: chaser agency add)",
			                 r->label ? r->label : "", r->label ? ": " : "", r->agency);
	}
	return TRUE;
}

gboolean ch_setup_list_store(ChApp *app, ChCase *c, GPtrArray *rows, const char *now_s,
                             const char *source, GError **error)
{
	for (guint i = 0; i < rows->len; i++) {
		const ChSetupRow *r = rows->pdata[i];
		if (!ch_store_attendee_add(app->store, c->id, r->name, r->email, r->agency,
		                           r->attendance, r->report, NULL, error))
			return FALSE;
	}
	g_autofree char *count = g_strdup_printf("%u", rows->len);
	return ch_store_audit(app->store, now_s, c->id, source, ch_audit_name(CH_AUDIT_LIST_IMPORTED),
	                      c->ref, NULL, count, NULL, error);
}

gboolean ch_setup_list_file(const guint8 *data, gsize len, gboolean xlsx, GPtrArray *rows,
                            GPtrArray *problems, char **why_r)
{
	*why_r = NULL;
	if (!xlsx) {
		const char *t = (const char *)data;
		if (len >= 3 && !memcmp(t, "\xef\xbb\xbf", 3))
			t += 3, len -= 3; /* Excel's "CSV UTF-8" starts with a byte-order mark */
		if (len > CH_SETUP_LIST_MAX_BYTES || !g_utf8_validate(t, (gssize)len, NULL)) {
			*why_r = g_strdup("not a UTF-8 CSV file of at most 4 MB (save it as \"CSV UTF-8\")");
			return FALSE;
		}
		g_autofree char *text = g_strndup(t, len);
		ch_setup_list_csv(text, rows, problems);
		return TRUE;
	}
	GError *e = NULL;
	GArray *numbers = NULL;
	g_autoptr(GPtrArray) cells = ch_xlsx_read_rows(data, len, &numbers, &e);
	if (!cells) {
		*why_r = g_strdup(e->message);
		g_error_free(e);
		return FALSE;
	}
	for (guint r = 0; r < cells->len; r++)
		ch_setup_list_record(cells->pdata[r], g_array_index(numbers, guint, r), r == 0, rows,
		                     problems);
	g_array_unref(numbers);
	return TRUE;
}

gboolean ch_setup_list_send(ChApp *app, ChCase *c, GDateTime *now, const char *source,
                            GError **error)
{
	const ChRules *rules = ch_app_rules(app, c->procedure, error);
	if (!rules)
		return FALSE;
	g_autofree char *event = g_strdup_printf("%s:list-send:%s", source, c->ref);
	ChEngineCtx ctx;
	ch_app_engine_ctx(app, rules, now, event, &ctx);
	g_autoptr(ChEffects) fx = ch_effects_new();
	return ch_engine_list_send(c, &ctx, fx, error) &&
	       ch_effects_apply(app, c, fx, NULL, now, source, error);
}
