#include "cli/cli.h"

#include <stdio.h>
#include <stdlib.h>

#include "util/clock.h"
#include "util/error.h"

CliGlobal cli_global = { "./chaser.conf", NULL };

static const GOptionEntry global_entries[] = {
	{ "config", 'c', 0, G_OPTION_ARG_FILENAME, &cli_global.config,
	  "Configuration file (default ./chaser.conf)", "FILE" },
	{ "now", 0, 0, G_OPTION_ARG_STRING, &cli_global.now,
	  "Act as if it were this time (ISO 8601; for tests and drills)", "TIME" },
	{ NULL },
};

gboolean cli_parse(int *argc, char ***argv, const char *usage, const char *summary,
                   const GOptionEntry *entries)
{
	g_autoptr(GOptionContext) ctx = g_option_context_new(usage);
	g_option_context_set_summary(ctx, summary);
	if (entries)
		g_option_context_add_main_entries(ctx, entries, NULL);
	GOptionGroup *g = g_option_group_new("global", "Options every command takes:",
	                                     "Show global options", NULL, NULL);
	g_option_group_add_entries(g, global_entries);
	g_option_context_add_group(ctx, g);
	g_option_context_set_help_enabled(ctx, TRUE);
	GError *e = NULL;
	/* parse_strv frees what it removes, so the caller's g_strfreev() stays right. */
	if (!g_option_context_parse_strv(ctx, argv, &e)) {
		fprintf(stderr, "chaser: %s\n", e->message);
		g_error_free(e);
		return FALSE;
	}
	*argc = g_strv_length(*argv);
	return TRUE;
}

ChApp *cli_open(void)
{
	GError *e = NULL;
	if (cli_global.now) {
		g_autoptr(GDateTime) t = ch_clock_parse(cli_global.now);
		if (!t) {
			fprintf(stderr, "chaser: --now '%s' is not an ISO 8601 date or time\n",
			        cli_global.now);
			exit(CLI_USAGE);
		}
		ch_clock_set_fixed(t);
	}
	ChApp *app = ch_app_open(cli_global.config, &e);
	if (!app)
		cli_error(e);
	return app;
}

int cli_error(GError *e)
{
	fprintf(stderr, "chaser: %s\n", e ? e->message : "failed");
	if (e)
		g_error_free(e);
	return CLI_FAIL;
}

int cli_fail(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	g_autofree char *m = g_strdup_vprintf(fmt, ap);
	va_end(ap);
	fprintf(stderr, "chaser: %s\n", m);
	return CLI_FAIL;
}

int cli_usage(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	g_autofree char *m = g_strdup_vprintf(fmt, ap);
	va_end(ap);
	fprintf(stderr, "chaser: %s\n", m);
	return CLI_USAGE;
}

void cli_print_json(JsonNode *node)
{
	g_autoptr(JsonGenerator) gen = json_generator_new();
	json_generator_set_pretty(gen, TRUE);
	json_generator_set_root(gen, node);
	g_autofree char *s = json_generator_to_data(gen, NULL);
	printf("%s\n", s);
}

char *cli_when(const char *iso)
{
	g_autoptr(GDateTime) t = iso ? ch_clock_parse(iso) : NULL;
	if (!t)
		return g_strdup(iso ? iso : "-");
	return g_date_time_format(t, "%a %-d %b %Y %H:%M");
}
