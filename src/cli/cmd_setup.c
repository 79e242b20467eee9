/* Commands that set things up: init, agencies, conferences, distribution lists. Each one
 * checks all its input first and changes nothing when any of it is wrong. */
#include <stdio.h>
#include <string.h>

#include "app/agency.h"
#include "app/effects.h"
#include "app/setup.h"
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

static int finish(ChApp *app, GError *e)
{
	if (e) {
		ch_store_rollback(app->store);
		return cli_error(e);
	}
	return CLI_OK;
}

/* A command that acts on one conference through the engine: the transaction begun, the case
 * loaded, and the engine's context for the event "cli:WHAT:REF" at now (*event_r holds its
 * name, which ctx points at). NULL with *error set when the case or its rules cannot be had. */
static ChCase *case_begin(ChApp *app, const char *ref, const char *what, GDateTime *now,
                          ChEngineCtx *ctx, char **event_r, GError **error)
{
	g_autoptr(ChCase) c = NULL;
	if (!ch_store_begin(app->store, error) || !(c = ch_store_case_load(app->store, ref, error)))
		return NULL;
	const ChRules *rules = ch_app_rules(app, c->procedure, error);
	if (!rules)
		return NULL;
	*event_r = g_strdup_printf("cli:%s:%s", what, c->ref);
	ch_app_engine_ctx(app, rules, now, *event_r, ctx);
	return g_steal_pointer(&c);
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
	ChAgencyIn in = { .name = argv[1], .slo = slo, .slo_name = slo_name, .lead = lead,
	                  .domains = (const char *const *)domains, .cli = TRUE };
	g_autoptr(GPtrArray) problems = ch_setup_problems_new();
	if (!ch_agency_check(&in, TRUE, problems))
		return cli_usage("%s", ((ChSetupProblem *)problems->pdata[0])->text);
	g_autoptr(ChApp) app = cli_open();
	if (!app) {
		return CLI_FAIL;
	}
	GError *e = NULL;
	if (!ch_agency_add(app, &in, "cli", &e))
		return cli_error(e);
	g_autofree char *slo_n = ch_addr_normalise(slo);
	printf("agency %s added; its SLO is %s\n", argv[1], slo_n);
	return CLI_OK;
}

int cmd_agency_set(int argc, char **argv)
{
	g_autofree char *slo = NULL, *slo_name = NULL;
	GOptionEntry entries[] = {
		{ "slo", 0, 0, G_OPTION_ARG_STRING, &slo, "The new Senior Liaison Officer's address",
		  "EMAIL" },
		{ "slo-name", 0, 0, G_OPTION_ARG_STRING, &slo_name,
		  "The new SLO's name (without it, the agency's SLO has no name)", "NAME" },
		{ NULL },
	};
	if (!cli_parse(&argc, &argv, "NAME --slo EMAIL",
	               "Change an agency's Senior Liaison Officer. Escalations raised from now on "
	               "ask the new SLO; one already asked stays with whoever was asked.",
	               entries))
		return CLI_USAGE;
	if (argc != 2)
		return cli_usage("agency set needs the agency's NAME");
	ChAgencyIn in = { .name = argv[1], .slo = slo, .slo_name = slo_name, .cli = TRUE };
	g_autoptr(GPtrArray) problems = ch_setup_problems_new();
	if (!ch_agency_check(&in, FALSE, problems))
		return cli_usage("%s", ((ChSetupProblem *)problems->pdata[0])->text);
	g_autoptr(ChApp) app = cli_open();
	if (!app)
		return CLI_FAIL;
	GError *e = NULL;
	if (!ch_agency_set_slo(app, &in, "cli", &e))
		return cli_error(e);
	g_autofree char *slo_n = ch_addr_normalise(slo);
	printf("agency %s: its SLO is now %s\n", argv[1], slo_n);
	return CLI_OK;
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
	if (argc != 2)
		return cli_usage("conference add needs the conference REF");
	/* The checks admin's mail goes through too (app/setup.c); the first problem is shown. */
	ChSetupConf in = { .cli = TRUE };
	in.value[CH_SETUP_REF] = argv[1];
	in.value[CH_SETUP_HELD] = held;
	in.value[CH_SETUP_CHAIR] = chair;
	in.value[CH_SETUP_CHAIR_NAME] = chair_name;
	in.value[CH_SETUP_SOCIAL_WORKER] = sw;
	in.value[CH_SETUP_PRACTICE_MANAGER] = pm;
	in.value[CH_SETUP_MINUTE_TAKER] = mt;
	in.value[CH_SETUP_TYPE] = type;
	in.value[CH_SETUP_PROCEDURE] = procedure;
	g_autoptr(GPtrArray) problems = ch_setup_problems_new();
	g_autoptr(ChCase) c = ch_setup_conference_check(&in, problems);
	if (!c)
		return cli_usage("%s", ((ChSetupProblem *)problems->pdata[0])->text);
	g_autoptr(ChApp) app = cli_open();
	if (!app) {
		return CLI_FAIL;
	}
	GError *e = NULL;
	const ChRules *rules = ch_setup_conference_rules(app, c, &e);
	if (!rules)
		return finish(app, e);
	g_autoptr(GDateTime) now = ch_clock_now();
	if (ch_store_begin(app->store, &e) &&
	    ch_setup_conference_create(app, c, rules, now, "cli", &e) &&
	    ch_store_commit(app->store, &e)) {
		g_autofree char *when = cli_when(c->held);
		printf("conference %s added (held %s, %s, procedure %s)\n", c->ref, when,
		       ch_conf_type_name(c->type), c->procedure);
	}
	return finish(app, e);
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
	                            : ch_setup_attendee_check(name, email, agency, attendance, report,
	                                                      &att, &rep);
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
	/* The checks admin's mail goes through too (app/setup.c): every row first, then the
	 * first problem in the file's order is shown. */
	g_autoptr(GPtrArray) rows = ch_setup_rows_new();
	g_autoptr(GPtrArray) problems = ch_setup_problems_new();
	ch_setup_list_csv(text, rows, problems);
	if (!ch_setup_list_agencies(app, rows, problems, &e))
		return finish(app, e);
	ch_setup_problems_sort(problems);
	if (problems->len) {
		const ChSetupProblem *p = problems->pdata[0];
		g_set_error(&e, CH_ERROR, CH_ERROR_USAGE, "%s:%u: %s; nothing imported", argv[2],
		            p->where, p->text);
	} else if (!rows->len) {
		g_set_error(&e, CH_ERROR, CH_ERROR_USAGE, "%s holds no rows; nothing imported", argv[2]);
	}
	if (!e && ch_setup_list_store(app, c, rows, now_s, "cli", &e) &&
	    ch_store_commit(app->store, &e))
		printf("%u professionals imported into the list of %s\n", rows->len, c->ref);
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
	g_autoptr(GDateTime) now = ch_clock_now();
	g_autoptr(ChCase) c = NULL;
	if (!ch_store_begin(app->store, &e) || !(c = ch_store_case_load(app->store, argv[1], &e)))
		return finish(app, e);
	/* The same send the console does after its check-your-answers page (app/setup.c). */
	if (ch_setup_list_send(app, c, now, "cli", &e) && ch_store_commit(app->store, &e))
		printf("distribution list of %s (%u lines) queued for %s\n", c->ref, c->attendees->len,
		       c->chair_email);
	return finish(app, e);
}

/* Cwm Taf: the date of the conference reconvened after the Lead Safeguarding Manager set
 * aside its decision. Admin's task is done and the daily reminder stops. */
int cmd_conference_reconvene(int argc, char **argv)
{
	g_autofree char *held = NULL;
	GOptionEntry entries[] = {
		{ "held", 0, 0, G_OPTION_ARG_STRING, &held,
		  "The reconvened conference's date (YYYY-MM-DD)", "DATE" },
		{ NULL },
	};
	if (!cli_parse(&argc, &argv, "REF",
	               "Enter the date of a conference reconvened after its decision was set aside.",
	               entries))
		return CLI_USAGE;
	GDate d;
	if (argc != 2)
		return cli_usage("conference reconvene needs the conference REF");
	if (!held || !ch_clock_parse_date(held, &d))
		return cli_usage("--held must be a date, e.g. 2027-01-12");
	g_autoptr(ChApp) app = cli_open();
	if (!app)
		return CLI_FAIL;
	GError *e = NULL;
	g_autoptr(GDateTime) now = ch_clock_now();
	ChEngineCtx ctx;
	g_autofree char *event = NULL;
	g_autoptr(ChCase) c = case_begin(app, argv[1], "conference-reconvene", now, &ctx, &event, &e);
	if (!c)
		return finish(app, e);
	g_autoptr(ChEffects) fx = ch_effects_new();
	g_autoptr(GString) done = g_string_new(NULL);
	g_autofree char *date = ch_date_format(&d);
	if (!ch_engine_reconvene_entered(c, date, &ctx, done, fx, &e))
		return finish(app, e);
	/* Nothing else owed: the conference may close now, as a tick would close it. */
	ch_engine_close_if_done(c, &ctx, fx);
	if (ch_effects_apply(app, c, fx, NULL, now, "cli", &e) && ch_store_commit(app->store, &e))
		printf("%s", done->str);
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
