/* chaser concern start: admin raises a concern between agencies (003) for a professional
 * who telephoned or wrote without the subject line, as their email would have raised it. */
#include "cli/cli.h"

#include <stdio.h>

#include "app/effects.h"
#include "engine/engine.h"
#include "store/cases.h"
#include "util/clock.h"
#include "util/error.h"

int cmd_concern_start(int argc, char **argv)
{
	g_autofree char *raiser = NULL, *agency = NULL, *about = NULL;
	const GOptionEntry entries[] = {
		{ "raiser", 0, 0, G_OPTION_ARG_STRING, &raiser,
		  "The professional who raises it (their address)", "ADDR" },
		{ "agency", 0, 0, G_OPTION_ARG_STRING, &agency,
		  "The other agency, as the distribution list names it", "NAME" },
		{ "about", 0, 0, G_OPTION_ARG_STRING, &about, "What the disagreement is about",
		  "TEXT" },
		{ NULL },
	};
	if (!cli_parse(&argc, &argv, "REF",
	               "Start a concern between agencies (the inter-agency procedure) on a "
	               "conference: the raiser and the other agency's professional are asked to "
	               "agree a plan, then their managers, then their SLOs.",
	               entries))
		return CLI_USAGE;
	if (argc != 2 || !raiser || !agency || !about)
		return cli_usage("concern start needs REF, --raiser ADDR, --agency NAME and "
		                 "--about TEXT");
	g_autoptr(ChApp) app = cli_open();
	if (!app)
		return CLI_FAIL;
	GError *e = NULL;
	g_autoptr(ChCase) c = NULL;
	g_autoptr(GDateTime) now = ch_clock_now();
	if (!ch_store_begin(app->store, &e) || !(c = ch_store_case_load(app->store, argv[1], &e))) {
		ch_store_rollback(app->store);
		return cli_error(e);
	}
	if (!ch_case_on_roster(c, raiser)) {
		ch_store_rollback(app->store);
		return cli_fail("%s is not on the roster of %s: only its professionals raise a "
		                "concern", raiser, c->ref);
	}
	const ChRules *rules = ch_app_rules(app, c->procedure, NULL);
	if (!rules)
		rules = ch_app_rules(app, NULL, NULL);
	ChEngineCtx ctx;
	g_autofree char *event = g_strdup_printf("cli:concern:%s:%s", c->ref, agency);
	ch_app_engine_ctx(app, rules, now, event, &ctx);
	g_autoptr(ChEffects) fx = ch_effects_new();
	g_autoptr(GString) done = g_string_new(NULL);
	if (ch_engine_concern_start(c, &ctx, raiser, agency, about, done, fx, &e) &&
	    ch_effects_apply(app, c, fx, NULL, now, "cli", &e) && ch_store_commit(app->store, &e)) {
		fputs(done->str, stdout);
		return CLI_OK;
	}
	ch_store_rollback(app->store);
	return cli_error(e);
}
