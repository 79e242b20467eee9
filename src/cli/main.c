/* chaser: the command line. Global options come before the command; every command also
 * takes them, and --help. Exit 0 on success, 1 on a failure it reports, 2 on bad usage. */
#include <gmime/gmime.h>
#include <locale.h>
#include <malloc.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <curl/curl.h>

#include "app/config.h"
#include "app/service.h"
#include "cli/cli.h"

static const struct {
	const char *name;
	const char *sub;
	CliCommand fn;
	const char *help;
} commands[] = {
	{ "init", NULL, cmd_init, "make the config, key, database and folders (safe to repeat)" },
	{ "agency", "add", cmd_agency_add, "add an agency and its Senior Liaison Officer" },
	{ "agency", "set", cmd_agency_set, "give an agency a new Senior Liaison Officer" },
	{ "conference", "add", cmd_conference_add, "add a conference that was held" },
	{ "conference", "reconvene", cmd_conference_reconvene,
	  "enter the date of a conference reconvened after its decision was set aside" },
	{ "attendee", "add", cmd_attendee_add, "add a professional to a distribution list" },
	{ "list", "import", cmd_list_import, "import a distribution list from CSV (all or nothing)" },
	{ "list", "send", cmd_list_send, "send the distribution list to the chair" },
	{ "concern", "start", cmd_concern_start, "start a concern between agencies for a professional" },
	{ "poll", NULL, cmd_poll, "fetch and handle new mail once" },
	{ "tick", NULL, cmd_tick, "handle what is due once (chasers, escalations)" },
	{ "flush", NULL, cmd_flush, "send the outbox once" },
	{ "run", NULL, cmd_run, "poll, tick and flush for ever, until SIGTERM" },
	{ "show", NULL, cmd_show, "show one conference" },
	{ "escalations", NULL, cmd_escalations, "list escalations" },
	{ "outbox", NULL, cmd_outbox, "list mail queued and sent" },
	{ "triage", "release", cmd_triage_release, "apply a held message after checking it" },
	{ "triage", "drop", cmd_triage_drop, "discard a message in triage" },
	{ "triage", NULL, cmd_triage, "list messages waiting for a person" },
	{ "safety", NULL, cmd_safety, "list immediate-safety alerts not yet acknowledged" },
	{ "key", "rotate", cmd_key_rotate, "make a new reply-token key, keeping the old one for a while" },
	{ "report", NULL, cmd_report, "the partnership summary and the escalation register" },
	{ "record", NULL, cmd_record, "the case record of one conference, for the child's file" },
	{ "reconcile", NULL, cmd_reconcile, "check that nothing was dropped: messages and mail" },
	{ "purge", NULL, cmd_purge, "remove finished cases older than a date (retention)" },
	{ "web", NULL, cmd_web, "serve the console in a browser (sign-in by emailed link)" },
};

static void usage(FILE *out)
{
	fprintf(out, "Usage: chaser [-c FILE] [--now TIME] COMMAND [options]\n\nCommands:\n");
	for (guint i = 0; i < G_N_ELEMENTS(commands); i++) {
		g_autofree char *name = g_strdup_printf("%s%s%s", commands[i].name,
		                                        commands[i].sub ? " " : "",
		                                        commands[i].sub ? commands[i].sub : "");
		/* Two spaces at least between a command and its words, as readers split them. */
		fprintf(out, "  %-21s %s\n", name, commands[i].help);
	}
	fprintf(out, "\nEach command takes --help. Global options:\n"
	             "  -c FILE       configuration file (default ./chaser.conf)\n"
	             "  --now TIME    act as if it were this time (ISO 8601)\n"
	             "  --version     print the version and exit\n");
}

int main(int argc, char **argv)
{
	setlocale(LC_ALL, "");
	/* glibc raises its mmap threshold to the size of the largest block freed (up to 32 MB):
	 * after the first large buffer (a piece of a large message in libetpan, a batch of
	 * bodies, the safety scan's copies of a long message), every later one of that size
	 * comes from the heap, which goes back to the system only from its top, so a long ingest
	 * keeps the heap of its worst moment. A fixed threshold (which also fixes the trim
	 * threshold) keeps each block of 128 KB or more a mapping of its own, returned when
	 * freed: steady memory is what is in use, not what once was. */
	mallopt(M_MMAP_THRESHOLD, 128 * 1024);
	/* A peer closing a socket must be an error to handle, not a signal that kills us. */
	signal(SIGPIPE, SIG_IGN);
	umask(077);
	/* Every command's log lines go to the journal with their fields when run under systemd. */
	ch_service_log_init();
	int i = 1;
	/* Global options before the command. */
	while (i < argc && argv[i][0] == '-') {
		if ((!strcmp(argv[i], "-c") || !strcmp(argv[i], "--config")) && i + 1 < argc) {
			cli_global.config = argv[i + 1];
			i += 2;
		} else if (!strncmp(argv[i], "--config=", 9)) {
			cli_global.config = argv[i] + 9;
			i++;
		} else if (!strcmp(argv[i], "--now") && i + 1 < argc) {
			cli_global.now = argv[i + 1];
			i += 2;
		} else if (!strncmp(argv[i], "--now=", 6)) {
			cli_global.now = argv[i] + 6;
			i++;
		} else if (!strcmp(argv[i], "--version") || !strcmp(argv[i], "-V")) {
			printf("chaser %s\n", ch_version());
			return CLI_OK;
		} else if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			usage(stdout);
			return CLI_OK;
		} else {
			fprintf(stderr, "chaser: unknown option %s\n", argv[i]);
			usage(stderr);
			return CLI_USAGE;
		}
	}
	if (i >= argc) {
		usage(stderr);
		return CLI_USAGE;
	}
	const char *name = argv[i];
	const char *sub = i + 1 < argc ? argv[i + 1] : NULL;
	for (guint k = 0; k < G_N_ELEMENTS(commands); k++) {
		if (strcmp(commands[k].name, name))
			continue;
		if (commands[k].sub && (!sub || strcmp(commands[k].sub, sub)))
			continue;
		int skip = commands[k].sub ? 2 : 1;
		/* argv for the command: "chaser NAME [SUB]" as argv[0], then its own words. */
		int cargc = argc - i - skip + 1;
		char **cargv = g_new0(char *, cargc + 1);
		cargv[0] = g_strdup_printf("chaser %s%s%s", name, commands[k].sub ? " " : "",
		                           commands[k].sub ? commands[k].sub : "");
		for (int a = 1; a < cargc; a++)
			cargv[a] = g_strdup(argv[i + skip + a - 1]);
		g_mime_init();
		int rc = commands[k].fn(cargc, cargv);
		g_strfreev(cargv);
		curl_global_cleanup(); /* nothing to do unless the command sent mail (smtp.c) */
		g_mime_shutdown();
		return rc;
	}
	fprintf(stderr, "chaser: unknown command '%s%s%s'\n", name, sub ? " " : "", sub ? sub : "");
	usage(stderr);
	return CLI_USAGE;
}
