#include "app/app.h"

#include <string.h>
#include <sys/stat.h>

#include "app/rules_file.h"
#include "store/cases.h"
#include "util/clock.h"
#include "util/durable.h"
#include "util/error.h"

/* Every NAME.rules on the search path; where two folders hold the same name, the first (the
 * council's own) wins, so a council overrides a shipped procedure by copying it. */
static gboolean load_rules(ChApp *app, GError **error)
{
	app->rules = g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
	                                   (GDestroyNotify)ch_rules_free);
	const char *const *tp = (const char *const *)app->cfg->templates_path;
	for (char **d = app->cfg->rules_path; *d; d++) {
		g_autoptr(GDir) dir = g_dir_open(*d, 0, NULL);
		if (!dir)
			continue; /* a folder not there is a place with nothing in it */
		const char *f;
		while ((f = g_dir_read_name(dir))) {
			if (!g_str_has_suffix(f, ".rules"))
				continue;
			g_autofree char *name = g_strndup(f, strlen(f) - strlen(".rules"));
			if (g_hash_table_contains(app->rules, name))
				continue;
			g_autofree char *path = g_build_filename(*d, f, NULL);
			ChRules *r = ch_rules_file_load(path, name, tp, error);
			if (!r)
				return FALSE;
			g_hash_table_insert(app->rules, g_strdup(name), r);
		}
	}
	g_autofree char *where = g_strjoinv(", ", app->cfg->rules_path);
	if (!g_hash_table_contains(app->rules, app->cfg->procedure)) {
		g_set_error(error, CH_ERROR, CH_ERROR_CONFIG,
		            "%s:%u: procedure '%s' has no rules file %s.rules in %s", app->cfg->path,
		            ch_config_line(app->cfg, "chaser", "procedure"), app->cfg->procedure,
		            app->cfg->procedure, where);
		return FALSE;
	}
	return TRUE;
}

/* One template's shape, as ch_render() will need it: notes, a Subject: line that uses only
 * {{ref}}, then the body, every {{ closed. Checked at start, so that a council's broken copy
 * stops chaser with its line instead of failing the first safety alert that needs it. */
static gboolean template_ok(const char *path, GError **error)
{
	g_autofree char *text = NULL;
	GError *local = NULL;
	if (!g_file_get_contents(path, &text, NULL, &local)) {
		g_set_error(error, CH_ERROR, CH_ERROR_CONFIG, "template %s: %s", path, local->message);
		g_error_free(local);
		return FALSE;
	}
	if (!g_utf8_validate(text, -1, NULL)) {
		g_set_error(error, CH_ERROR, CH_ERROR_CONFIG, "%s: not UTF-8 text", path);
		return FALSE;
	}
	g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
	guint i = 0;
	while (lines[i] && lines[i][0] == '#')
		i++;
	if (!lines[i] || strncmp(lines[i], "Subject:", 8)) {
		g_set_error(error, CH_ERROR, CH_ERROR_CONFIG,
		            "%s:%u: a template starts with a Subject: line (after any # notes)", path,
		            i + 1);
		return FALSE;
	}
	for (guint n = i; lines[n]; n++) {
		for (const char *p = lines[n]; (p = strstr(p, "{{"));) {
			const char *close = strstr(p + 2, "}}");
			if (!close) {
				g_set_error(error, CH_ERROR, CH_ERROR_CONFIG, "%s:%u: '{{' without '}}'", path,
				            n + 1);
				return FALSE;
			}
			g_autofree char *var = g_strstrip(g_strndup(p + 2, close - p - 2));
			if (n == i && strcmp(var, "ref")) {
				g_set_error(error, CH_ERROR, CH_ERROR_CONFIG,
				            "%s:%u: a subject may use {{ref}} only, not {{%s}}", path, n + 1,
				            var);
				return FALSE;
			}
			p = close + 2;
		}
	}
	return TRUE;
}

/* The templates chaser names in its own code (the rules name the stages' own, checked when
 * a rules file is read): one missing would fail the first message that needs it, perhaps
 * months later, so it stops chaser at start instead. */
static const char *const needed_templates[] = {
	"admin_setup_answer", "admin_setup_list", "admin_setup_problems", "admin_weekly",
	"chair_overdue", "concern_chaser", "concern_meeting_outcome", "concern_still_open",
	"config_stopped", "delivery_failed", "distribution_list",
	"escalation_chaser", "escalation_climbed", "escalation_closed",
	"escalation_confirm_reminder", "escalation_meeting_outcome", "escalation_response",
	"escalation_silent", "escalation_still_open", "escalation_unresolved",
	"escalation_unresolved_chair", "high_risk_addressed", "high_risk_alert",
	"high_risk_overdue", "high_risk_reminder", "inbound_stopped", "list_authorise_overdue",
	"list_authorise_reminder", "list_overdue",
	"not_understood", "partnership_report", "reconcile_daily", "report_answer", "report_answer_receipt",
	"report_missing_agency", "report_missing_chair", "report_receipt", "report_received",
	"report_reminder", "report_request", "report_request_late", "report_review_overdue",
	"report_review_reminder",
	"safety_alert", "safety_escalated", "safety_open", "transcript", "triage_alert", "triage_digest",
	"web_signin",
};

/* Every template on the search path, the copy that would be used of each. */
static gboolean check_templates(ChApp *app, GError **error)
{
	g_autoptr(GHashTable) seen = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	for (char **d = app->cfg->templates_path; *d; d++) {
		g_autoptr(GDir) dir = g_dir_open(*d, 0, NULL);
		const char *f;
		while (dir && (f = g_dir_read_name(dir))) {
			if (!g_str_has_suffix(f, ".txt") || g_hash_table_contains(seen, f))
				continue;
			g_hash_table_add(seen, g_strdup(f));
			g_autofree char *path = g_build_filename(*d, f, NULL);
			if (!template_ok(path, error))
				return FALSE;
		}
	}
	for (guint k = 0; k < G_N_ELEMENTS(needed_templates); k++) {
		g_autofree char *file = g_strconcat(needed_templates[k], ".txt", NULL);
		if (!g_hash_table_contains(seen, file)) {
			g_autofree char *where = g_strjoinv(", ", app->cfg->templates_path);
			g_set_error(error, CH_ERROR, CH_ERROR_CONFIG, "template %s is in none of %s", file,
			            where);
			return FALSE;
		}
	}
	return TRUE;
}

/* A stage that asks a role the config does not name would send its mail to nobody. */
gboolean ch_app_roles_present(ChApp *app, const ChRules *r, GError **error)
{
	for (guint i = 0; i < r->stages->len; i++) {
		const ChStage *st = r->stages->pdata[i];
		for (guint k = 0; k < st->n_asks; k++) {
			gboolean known;
			if (!ch_config_has_role(app->cfg, st->asks[k], &known) && known) {
				g_set_error(error, CH_ERROR, CH_ERROR_CONFIG,
				            "%s:%u: stage '%s' asks %s, but %s has no [people] %s", r->file,
				            st->ask_line, st->name, ch_role_name(st->asks[k]),
				            app->cfg->path, ch_role_name(st->asks[k]));
				return FALSE;
			}
		}
	}
	return TRUE;
}

/* Refused at start, not at the first escalation: the default procedure and every
 * procedure an open conference follows must have their people. */
static gboolean check_roles(ChApp *app, GError **error)
{
	if (!ch_app_roles_present(app, g_hash_table_lookup(app->rules, app->cfg->procedure), error))
		return FALSE;
	g_auto(GStrv) used = ch_store_procedures_in_use(app->store, error);
	if (!used)
		return FALSE;
	for (char **p = used; *p; p++) {
		const ChRules *r = g_hash_table_lookup(app->rules, *p);
		if (r && !ch_app_roles_present(app, r, error))
			return FALSE;
	}
	return TRUE;
}

ChApp *ch_app_open(const char *config_path, GError **error)
{
	g_autoptr(ChApp) app = g_new0(ChApp, 1);
	app->cfg = ch_config_load(config_path, error);
	if (!app->cfg)
		return NULL;
	const char *at = strchr(app->cfg->address, '@');
	app->local_part = g_strndup(app->cfg->address, at - app->cfg->address);
	app->domain = g_strdup(at + 1);
	ch_parse_options_init(&app->parse);
	app->parse.own_address = app->cfg->address;
	app->parse.max_size = app->cfg->max_message_size;
	app->parse.max_attachment = app->cfg->max_attachment_size;
	if (!g_file_test(app->cfg->database, G_FILE_TEST_EXISTS)) {
		g_set_error(error, CH_ERROR, CH_ERROR_CONFIG,
		            "no database at %s: run chaser init first", app->cfg->database);
		return NULL;
	}
	if (!(app->store = ch_store_open(app->cfg->database, error)))
		return NULL;
	if (!(app->keys = ch_keys_load(app->cfg->key_file, error)))
		return NULL;
	if (!(app->cal = ch_calendar_load(app->cfg->holidays_file, app->cfg->nation, error)))
		return NULL;
	for (char **d = app->cfg->closures; *d; d++) {
		GDate day;
		if (!ch_clock_parse_date(*d, &day)) {
			g_set_error(error, CH_ERROR, CH_ERROR_CONFIG,
			            "%s: [hours] closures: '%s' is not a date (YYYY-MM-DD)", config_path, *d);
			return NULL;
		}
		ch_calendar_add_closure(app->cal, &day);
	}
	if (!load_rules(app, error) || !check_roles(app, error) || !check_templates(app, error))
		return NULL;
	app->safety = ch_phrases_new((const char *const *)app->cfg->safety_words,
	                             ch_phrases_routine);
	return g_steal_pointer(&app);
}

void ch_app_close(ChApp *app)
{
	if (!app)
		return;
	if (app->rules)
		g_hash_table_destroy(app->rules);
	ch_phrases_free(app->safety);
	ch_calendar_free(app->cal);
	ch_keys_free(app->keys);
	ch_store_close(app->store);
	ch_config_free(app->cfg);
	g_free(app->domain);
	g_free(app->local_part);
	g_free(app);
}

const ChRules *ch_app_rules(ChApp *app, const char *name, GError **error)
{
	const ChRules *r = g_hash_table_lookup(app->rules, name ? name : app->cfg->procedure);
	if (!r)
		g_set_error(error, CH_ERROR, CH_ERROR_USAGE, "no procedure '%s' (no %s.rules in the "
		            "rules folders)", name, name);
	return r;
}

void ch_app_engine_ctx(ChApp *app, const ChRules *rules, GDateTime *now, const char *event_id,
                       ChEngineCtx *ctx)
{
	memset(ctx, 0, sizeof *ctx);
	ctx->rules = rules;
	ctx->concern_rules = g_hash_table_lookup(app->rules, CH_CONCERN_PROCEDURE);
	ctx->cal = app->cal;
	ctx->now = now;
	ctx->event_id = event_id;
	for (int role = 0; role < CH_ROLE_N; role++)
		ctx->people[role] = app->cfg->people[role];
	ctx->cp_managers = (const char *const *)app->cfg->cp_managers;
	ctx->hours_start = app->cfg->hours_start;
	ctx->hours_end = app->cfg->hours_end;
	ctx->safety_ack_minutes = (int)app->cfg->safety_ack_minutes;
}

gboolean ch_app_init_files(const char *config_path, const char *state_dir,
                           gboolean config_only, GString *report, GError **error)
{
	if (!g_file_test(config_path, G_FILE_TEST_EXISTS)) {
		g_autofree char *text = ch_config_default_text(state_dir);
		if (!ch_durable_write(config_path, text, strlen(text), 0600, error))
			return FALSE;
		g_string_append_printf(report, "wrote %s (edit it: addresses, people, mail)\n",
		                       config_path);
	}
	if (config_only)
		return TRUE;
	g_autoptr(ChConfig) cfg = ch_config_load(config_path, error);
	if (!cfg)
		return FALSE;
	const char *dirs[] = { cfg->spool, cfg->outgoing_dir, NULL };
	for (int i = 0; dirs[i]; i++) {
		if (!g_file_test(dirs[i], G_FILE_TEST_IS_DIR)) {
			if (!ch_durable_mkdir(dirs[i], 0700, error))
				return FALSE;
			g_string_append_printf(report, "made %s\n", dirs[i]);
		}
	}
	g_autofree char *messages = g_build_filename(cfg->spool, "messages", NULL);
	g_autofree char *reports = g_build_filename(cfg->spool, "reports", NULL);
	const char *sub[] = { messages, reports, NULL };
	for (int i = 0; sub[i]; i++)
		if (!g_file_test(sub[i], G_FILE_TEST_IS_DIR)) {
			if (!ch_durable_mkdir(sub[i], 0700, error))
				return FALSE;
			g_string_append_printf(report, "made %s\n", sub[i]);
		}
	if (!strcmp(cfg->inbound, "maildir")) {
		const char *parts[] = { "new", "cur", "tmp", NULL };
		for (int i = 0; parts[i]; i++) {
			g_autofree char *p = g_build_filename(cfg->maildir, parts[i], NULL);
			if (!g_file_test(p, G_FILE_TEST_IS_DIR)) {
				if (!ch_durable_mkdir(p, 0700, error))
					return FALSE;
				g_string_append_printf(report, "made %s\n", p);
			}
		}
	}
	if (!g_file_test(cfg->key_file, G_FILE_TEST_EXISTS)) {
		if (!ch_keys_create(cfg->key_file, error))
			return FALSE;
		g_string_append_printf(report, "made key %s (mode 0600)\n", cfg->key_file);
	}
	gboolean fresh = !g_file_test(cfg->database, G_FILE_TEST_EXISTS);
	g_autoptr(ChStore) store = ch_store_open(cfg->database, error);
	if (!store)
		return FALSE;
	if (fresh) {
		int version = ch_store_schema_version(store, error);
		if (version < 0)
			return FALSE;
		g_string_append_printf(report, "made database %s (schema %d)\n", cfg->database,
		                       version);
	}
	return TRUE;
}
