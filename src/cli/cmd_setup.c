/* Commands that set things up: init, agencies, conferences, distribution lists. Each one
 * checks all its input first and changes nothing when any of it is wrong. */
#include <stdio.h>
#include <string.h>

#include "app/effects.h"
#include "cli/cli.h"
#include "classify/classify.h"
#include "classify/token.h"
#include "engine/engine.h"
#include "store/cases.h"
#include "util/addr.h"
#include "util/clock.h"
#include "util/error.h"

int cmd_init(int argc, char **argv)
{
	g_autofree char *state = NULL;
	gboolean config_only = FALSE;
	GOptionEntry entries[] = {
		{ "state", 0, 0, G_OPTION_ARG_FILENAME, &state,
		  "Where a new config puts the database, key and spool (default: beside it)", "DIR" },
		{ "config-only", 0, 0, G_OPTION_ARG_NONE, &config_only,
		  "Write the config (if missing) and nothing else", NULL },
		{ NULL },
	};
	if (!cli_parse(&argc, &argv, "", "Make the config (if missing), the secret key, the "
	                                 "database and the spool folders. Running it again changes "
	                                 "nothing.", entries))
		return CLI_USAGE;
	if (argc > 1)
		return cli_usage("init takes no arguments");
	if (state && !g_path_is_absolute(state))
		return cli_usage("--state '%s' must be an absolute path", state);
	g_autoptr(GString) report = g_string_new(NULL);
	GError *e = NULL;
	if (!ch_app_init_files(cli_global.config, state, config_only, report, &e)) {
		return cli_error(e);
	}
	printf("%s", report->len ? report->str : "everything is already in place; nothing changed\n");
	return CLI_OK;
}

static gboolean valid_ref(const char *ref)
{
	g_autofree char *tagged = g_strdup_printf("[%s]", ref ? ref : "");
	g_autofree char *back = ch_classify_subject_ref(tagged);
	return back && !strcmp(back, ref);
}

static int finish(ChApp *app, GError *e)
{
	if (e) {
		ch_store_rollback(app->store);
		return cli_error(e);
	}
	return CLI_OK;
}

int cmd_agency_add(int argc, char **argv)
{
	g_autofree char *slo = NULL, *slo_name = NULL, *lead = NULL;
	g_auto(GStrv) domains = NULL;
	GOptionEntry entries[] = {
		{ "slo", 0, 0, G_OPTION_ARG_STRING, &slo, "Senior Liaison Officer's address", "EMAIL" },
		{ "slo-name", 0, 0, G_OPTION_ARG_STRING, &slo_name, "SLO's name", "NAME" },
		{ "domain", 0, 0, G_OPTION_ARG_STRING_ARRAY, &domains, "Mail domain of the agency", "DOMAIN" },
		{ "lead", 0, 0, G_OPTION_ARG_STRING, &lead, "Agency lead's address", "EMAIL" },
		{ NULL },
	};
	if (!cli_parse(&argc, &argv, "NAME", "Add an agency and its Senior Liaison Officer.", entries))
		return CLI_USAGE;
	if (argc != 2) {
		return cli_usage("agency add needs the agency's NAME");
	}
	if (!slo || !ch_addr_valid(slo)) {
		return cli_usage("--slo '%s' is not an email address", slo ? slo : "");
	}
	if (lead && !ch_addr_valid(lead)) {
		return cli_usage("--lead '%s' is not an email address", lead);
	}
	/* A domain is compared with the part of a sender's address after the '@': one that
	 * could never be that part ("@police.example.org", "police") would match nobody, and
	 * the agency's colleagues would land in triage without anyone knowing why. */
	for (char **d = domains; d && *d; d++) {
		g_autofree char *probe = g_strdup_printf("x@%s", *d);
		if (!ch_addr_valid(probe))
			return cli_usage("--domain '%s' is not a mail domain", *d);
	}
	g_autoptr(ChApp) app = cli_open();
	if (!app) {
		return CLI_FAIL;
	}
	GError *e = NULL;
	g_autofree char *slo_n = ch_addr_normalise(slo);
	g_autofree char *lead_n = lead ? ch_addr_normalise(lead) : NULL;
	g_autoptr(GDateTime) now = ch_clock_now();
	g_autofree char *now_s = ch_clock_format(now);
	if (ch_store_begin(app->store, &e) &&
	    ch_store_agency_add(app->store, argv[1], slo_n, slo_name, lead_n,
	                        (const char *const *)domains, &e) &&
	    ch_store_audit(app->store, now_s, 0, "cli", ch_audit_name(CH_AUDIT_AGENCY_ADDED),
	                   argv[1], NULL, slo_n, NULL,
	                   &e) &&
	    ch_store_commit(app->store, &e))
		printf("agency %s added; its SLO is %s\n", argv[1], slo_n);
	return finish(app, e);
}

int cmd_conference_add(int argc, char **argv)
{
	g_autofree char *held = NULL, *chair = NULL, *chair_name = NULL, *sw = NULL, *pm = NULL;
	g_autofree char *mt = NULL, *type = NULL, *procedure = NULL;
	GOptionEntry entries[] = {
		{ "held", 0, 0, G_OPTION_ARG_STRING, &held, "When it was held (ISO 8601)", "DATETIME" },
		{ "chair", 0, 0, G_OPTION_ARG_STRING, &chair, "Chair's address", "EMAIL" },
		{ "chair-name", 0, 0, G_OPTION_ARG_STRING, &chair_name, "Chair's name", "NAME" },
		{ "social-worker", 0, 0, G_OPTION_ARG_STRING, &sw, "Social worker's address", "EMAIL" },
		{ "practice-manager", 0, 0, G_OPTION_ARG_STRING, &pm, "Practice manager's address", "EMAIL" },
		{ "minute-taker", 0, 0, G_OPTION_ARG_STRING, &mt, "Minute taker's address", "EMAIL" },
		{ "type", 0, 0, G_OPTION_ARG_STRING, &type, "initial (default) or review", "TYPE" },
		{ "procedure", 0, 0, G_OPTION_ARG_STRING, &procedure, "Rules file to follow", "NAME" },
		{ NULL },
	};
	if (!cli_parse(&argc, &argv, "REF", "Add a conference that was held.", entries))
		return CLI_USAGE;
	const char *bad = NULL;
	g_autoptr(GDateTime) held_t = held ? ch_clock_parse(held) : NULL;
	if (argc != 2)
		bad = "conference add needs the conference REF";
	else if (!valid_ref(argv[1]))
		bad = "REF must be 3 to 40 letters, digits, '-', '_', '.' or '/' (e.g. CP-2026-0042)";
	else if (!held_t)
		bad = "--held must be an ISO 8601 date and time, e.g. 2026-11-23T10:00";
	else if (!chair || !ch_addr_valid(chair))
		bad = "--chair must be an email address";
	else if (!sw || !ch_addr_valid(sw))
		bad = "--social-worker must be an email address";
	else if (pm && !ch_addr_valid(pm))
		bad = "--practice-manager must be an email address";
	else if (mt && !ch_addr_valid(mt))
		bad = "--minute-taker must be an email address";
	ChConfType ctype = CH_CONF_INITIAL;
	if (!bad && type && !ch_conf_type_parse(type, &ctype))
		bad = "--type must be initial or review";
	if (bad) {
		return cli_usage("%s", bad);
	}
	g_autoptr(ChApp) app = cli_open();
	if (!app) {
		return CLI_FAIL;
	}
	GError *e = NULL;
	const ChRules *rules = ch_app_rules(app, procedure, &e);
	if (!rules || !ch_app_roles_present(app, rules, &e))
		return finish(app, e);
	g_autoptr(ChCase) c = ch_case_new();
	c->ref = g_strdup(argv[1]);
	c->held = ch_clock_format(held_t);
	c->type = ctype;
	c->procedure = g_strdup(procedure ? procedure : app->cfg->procedure);
	c->chair_email = ch_addr_normalise(chair);
	c->chair_name = g_strdup(chair_name);
	c->social_worker = ch_addr_normalise(sw);
	c->practice_manager = pm ? ch_addr_normalise(pm) : NULL;
	c->minute_taker = mt ? ch_addr_normalise(mt) : NULL;
	g_autoptr(GDateTime) now = ch_clock_now();
	g_autofree char *now_s = ch_clock_format(now);
	ChEngineCtx ctx;
	ch_app_engine_ctx(app, rules, now, "cli:conference-add", &ctx);
	ch_engine_conference_added(c, &ctx);
	if (ch_store_begin(app->store, &e) && ch_store_conference_add(app->store, c, now_s, &e) &&
	    ch_store_case_save(app->store, c, &e) &&
	    ch_store_audit(app->store, now_s, c->id, "cli", ch_audit_name(CH_AUDIT_CONFERENCE_ADDED),
	                   c->ref, NULL, ch_conf_state_name(c->state), c->procedure, &e) &&
	    ch_store_commit(app->store, &e)) {
		g_autofree char *when = cli_when(c->held);
		printf("conference %s added (held %s, %s, procedure %s)\n", c->ref, when,
		       ch_conf_type_name(c->type), c->procedure);
	}
	return finish(app, e);
}

/* One attendee's fields, checked, with their attendance and report as the list keeps them. */
static const char *check_attendee(const char *name, const char *email, const char *agency,
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

int cmd_attendee_add(int argc, char **argv)
{
	g_autofree char *name = NULL, *email = NULL, *agency = NULL, *attendance = NULL;
	g_autofree char *report = NULL;
	GOptionEntry entries[] = {
		{ "name", 0, 0, G_OPTION_ARG_STRING, &name, "Professional's name", "NAME" },
		{ "email", 0, 0, G_OPTION_ARG_STRING, &email, "Professional's address", "EMAIL" },
		{ "agency", 0, 0, G_OPTION_ARG_STRING, &agency, "Their agency (added before)", "NAME" },
		{ "attendance", 0, 0, G_OPTION_ARG_STRING, &attendance, "attended, apologies or absent", "A" },
		{ "report", 0, 0, G_OPTION_ARG_STRING, &report, "submitted, awaited or none", "R" },
		{ NULL },
	};
	if (!cli_parse(&argc, &argv, "REF", "Add a professional to a conference's distribution list.",
	               entries))
		return CLI_USAGE;
	ChAttendance att;
	ChAttReport rep;
	const char *bad = argc != 2 ? "attendee add needs the conference REF"
	                            : check_attendee(name, email, agency, attendance, report, &att,
	                                             &rep);
	if (bad) {
		return cli_usage("%s", bad);
	}
	g_autoptr(ChApp) app = cli_open();
	if (!app) {
		return CLI_FAIL;
	}
	GError *e = NULL;
	g_autoptr(ChCase) c = NULL;
	g_autofree char *mail = ch_addr_normalise(email);
	g_autoptr(GDateTime) now = ch_clock_now();
	g_autofree char *now_s = ch_clock_format(now);
	int n = 0;
	if (ch_store_begin(app->store, &e) && (c = ch_store_case_load(app->store, argv[1], &e))) {
		if (c->state != CH_CONF_HELD)
			g_set_error(&e, CH_ERROR, CH_ERROR_USAGE,
			            "the list of %s was already sent; it cannot change now", c->ref);
		else if (ch_store_attendee_add(app->store, c->id, name, mail, agency, att, rep, &n, &e)) {
			g_autofree char *obj = ch_obj_text(CH_OBJ_NUMBERED(CH_OBJ_ATTENDEE, n));
			if (ch_store_audit(app->store, now_s, c->id, "cli",
			                   ch_audit_name(CH_AUDIT_ATTENDEE_ADDED), obj, NULL,
			                   agency, NULL, &e) &&
			    ch_store_commit(app->store, &e))
				printf("line %d of %s: %s (%s)\n", n, c->ref, name, agency);
		}
	}
	return finish(app, e);
}

/* RFC 4180 fields of one record; quotes may hold commas and doubled quotes. NULL when a
 * quote is left open. */
static GPtrArray *csv_fields(const char *line)
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

int cmd_list_import(int argc, char **argv)
{
	if (!cli_parse(&argc, &argv, "REF FILE.csv",
	               "Import a distribution list: one professional per row, columns "
	               "name,email,agency,attendance,report (a header row is optional). Every row "
	               "is checked first; one bad row and nothing is imported.",
	               NULL))
		return CLI_USAGE;
	if (argc != 3)
		return cli_usage("list import needs the conference REF and a CSV file");
	g_autofree char *text = NULL;
	gsize len = 0;
	GError *e = NULL;
	if (!g_file_get_contents(argv[2], &text, &len, &e)) {
		int rc = cli_fail("%s", e->message);
		g_error_free(e);
		return rc;
	}
	if (len > 4 << 20 || !g_utf8_validate(text, len, NULL))
		return cli_fail("%s: not a UTF-8 text file of at most 4 MB", argv[2]);
	g_autoptr(ChApp) app = cli_open();
	if (!app)
		return CLI_FAIL;
	g_autoptr(ChCase) c = NULL;
	if (!ch_store_begin(app->store, &e) || !(c = ch_store_case_load(app->store, argv[1], &e)))
		return finish(app, e);
	if (c->state != CH_CONF_HELD) {
		ch_store_rollback(app->store);
		return cli_fail("the list of %s was already sent; it cannot change now", c->ref);
	}
	g_autoptr(GDateTime) now = ch_clock_now();
	g_autofree char *now_s = ch_clock_format(now);
	g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
	int added = 0;
	for (guint i = 0; lines[i] && !e; i++) {
		g_autofree char *trimmed = g_strstrip(g_strdup(lines[i]));
		if (!*trimmed)
			continue;
		g_autoptr(GPtrArray) f = csv_fields(lines[i]);
		if (i == 0 && f && f->len && !g_ascii_strcasecmp(f->pdata[0], "name"))
			continue; /* header row */
		ChAttendance att;
		ChAttReport rep;
		const char *bad = !f            ? "a quote is not closed"
		                  : f->len != 5 ? "needs 5 columns: name,email,agency,attendance,report"
		                                : check_attendee(f->pdata[0], f->pdata[1], f->pdata[2],
		                                                 f->pdata[3], f->pdata[4], &att, &rep);
		if (bad) {
			g_set_error(&e, CH_ERROR, CH_ERROR_USAGE, "%s:%u: %s; nothing imported", argv[2],
			            i + 1, bad);
			break;
		}
		g_autofree char *mail = ch_addr_normalise(f->pdata[1]);
		int n = 0;
		GError *row = NULL;
		if (!ch_store_attendee_add(app->store, c->id, f->pdata[0], mail, f->pdata[2],
		                           att, rep, &n, &row)) {
			g_set_error(&e, CH_ERROR, CH_ERROR_USAGE, "%s:%u: %s; nothing imported", argv[2],
			            i + 1, row->message);
			g_error_free(row);
			break;
		}
		added++;
	}
	if (!e && !added)
		g_set_error(&e, CH_ERROR, CH_ERROR_USAGE, "%s holds no rows; nothing imported", argv[2]);
	g_autofree char *count = g_strdup_printf("%d", added);
	if (!e && ch_store_audit(app->store, now_s, c->id, "cli",
	                         ch_audit_name(CH_AUDIT_LIST_IMPORTED), c->ref, NULL,
	                         count, NULL, &e) &&
	    ch_store_commit(app->store, &e))
		printf("%d professionals imported into the list of %s\n", added, c->ref);
	return finish(app, e);
}

int cmd_list_send(int argc, char **argv)
{
	if (!cli_parse(&argc, &argv, "REF",
	               "Send the distribution list to the chair for authorisation. The mail goes "
	               "out with the next flush.",
	               NULL))
		return CLI_USAGE;
	if (argc != 2)
		return cli_usage("list send needs the conference REF");
	g_autoptr(ChApp) app = cli_open();
	if (!app)
		return CLI_FAIL;
	GError *e = NULL;
	g_autoptr(ChCase) c = NULL;
	g_autoptr(GDateTime) now = ch_clock_now();
	if (!ch_store_begin(app->store, &e) || !(c = ch_store_case_load(app->store, argv[1], &e)))
		return finish(app, e);
	const ChRules *rules = ch_app_rules(app, c->procedure, &e);
	if (!rules)
		return finish(app, e);
	ChEngineCtx ctx;
	g_autofree char *event = g_strdup_printf("cli:list-send:%s", c->ref);
	ch_app_engine_ctx(app, rules, now, event, &ctx);
	g_autoptr(ChEffects) fx = ch_effects_new();
	if (ch_engine_list_send(c, &ctx, fx, &e) &&
	    ch_effects_apply(app, c, fx, NULL, now, "cli", &e) && ch_store_commit(app->store, &e))
		printf("distribution list of %s (%u lines) queued for %s\n", c->ref, c->attendees->len,
		       c->chair_email);
	return finish(app, e);
}

int cmd_key_rotate(int argc, char **argv)
{
	if (!cli_parse(&argc, &argv, "",
	               "Make a new reply-token key. Tokens made with the previous keys keep working "
	               "until they expire (token_days); a key is dropped token_days after it was "
	               "replaced.",
	               NULL))
		return CLI_USAGE;
	if (argc > 1)
		return cli_usage("key rotate takes no arguments");
	g_autoptr(ChApp) app = cli_open();
	if (!app)
		return CLI_FAIL;
	g_autoptr(GDateTime) now = ch_clock_now();
	g_autoptr(GDateTime) drop = g_date_time_add_days(now, -(gint)app->cfg->token_days);
	g_autofree char *today = g_date_time_format(now, "%Y-%m-%d");
	g_autofree char *before = g_date_time_format(drop, "%Y-%m-%d");
	GError *e = NULL;
	if (!ch_keys_rotate(app->cfg->key_file, today, before, &e))
		return finish(app, e);
	printf("new reply-token key made; keys replaced before %s were dropped\n", before);
	return CLI_OK;
}
