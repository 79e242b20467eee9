/* cli: what every command shares: the global options, option parsing with --help, the exit
 * codes (0 done, 1 a failure reported, 2 bad usage), opening the app, JSON output.
 */
#pragma once
#include <glib.h>
#include <json-glib/json-glib.h>
#include "app/app.h"

enum { CLI_OK = 0, CLI_FAIL = 1, CLI_USAGE = 2 };

typedef struct {
	const char *config;   /* -c FILE */
	const char *now;      /* --now ISO */
} CliGlobal;

extern CliGlobal cli_global;

/* Parses a command's options (plus -c and --now, which every command takes). On --help it
 * prints and exits 0; on a bad option it prints one line and returns FALSE (exit 2). */
gboolean cli_parse(int *argc, char ***argv, const char *usage, const char *summary,
                   const GOptionEntry *entries);
/* Opens the app from -c and applies --now; prints the error and returns NULL on failure. */
ChApp *cli_open(void);
/* One line on stderr, "chaser: ...", then frees the error; returns the exit code (1). */
int cli_error(GError *e);
int cli_fail(const char *fmt, ...) G_GNUC_PRINTF(1, 2);
int cli_usage(const char *fmt, ...) G_GNUC_PRINTF(1, 2);
void cli_print_json(JsonNode *node);
/* "2026-11-23 17:00" in London time from an ISO date-time. */
char *cli_when(const char *iso);

typedef int (*CliCommand)(int argc, char **argv);
int cmd_init(int argc, char **argv);
int cmd_agency_add(int argc, char **argv);
int cmd_agency_set(int argc, char **argv);
int cmd_conference_add(int argc, char **argv);
int cmd_conference_reconvene(int argc, char **argv);
int cmd_attendee_add(int argc, char **argv);
int cmd_list_import(int argc, char **argv);
int cmd_list_send(int argc, char **argv);
int cmd_concern_start(int argc, char **argv);
int cmd_poll(int argc, char **argv);
int cmd_tick(int argc, char **argv);
int cmd_flush(int argc, char **argv);
int cmd_run(int argc, char **argv);
int cmd_show(int argc, char **argv);
int cmd_escalations(int argc, char **argv);
int cmd_outbox(int argc, char **argv);
int cmd_triage(int argc, char **argv);
int cmd_safety(int argc, char **argv);
int cmd_triage_release(int argc, char **argv);
int cmd_triage_drop(int argc, char **argv);
int cmd_key_rotate(int argc, char **argv);
int cmd_report(int argc, char **argv);
int cmd_record(int argc, char **argv);
int cmd_reconcile(int argc, char **argv);
int cmd_purge(int argc, char **argv);
int cmd_web(int argc, char **argv);
