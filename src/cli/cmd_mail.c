/* Commands that move mail and time: poll, tick, flush, and run (all three, for ever). The
 * work is app/runloop's; these parse the options and say the outcome. */
#include <stdio.h>

#include "app/runloop.h"
#include "app/service.h"
#include "cli/cli.h"
#include "outbound/outbox.h"
#include "timers/tick.h"
#include "util/clock.h"
#include "util/error.h"
#include "web/web_server.h"

int cmd_poll(int argc, char **argv)
{
	if (!cli_parse(&argc, &argv, "", "Fetch new mail from the shared mailbox once and handle it.",
	               NULL))
		return CLI_USAGE;
	g_autoptr(ChApp) app = cli_open();
	if (!app)
		return CLI_FAIL;
	ChSweepCounts counts;
	GError *e = NULL;
	if (!ch_runloop_poll(app, &counts, &e))
		return cli_error(e);
	printf("%u messages: %u handled, %u quarantined, %u left to retry\n", counts.seen,
	       counts.handled, counts.quarantined, counts.retry);
	return counts.retry ? CLI_FAIL : CLI_OK;
}

int cmd_tick(int argc, char **argv)
{
	if (!cli_parse(&argc, &argv, "",
	               "Handle what is due once: chasers, escalations that climb. Running it twice "
	               "sends nothing twice.",
	               NULL))
		return CLI_USAGE;
	g_autoptr(ChApp) app = cli_open();
	if (!app)
		return CLI_FAIL;
	g_autoptr(GDateTime) now = ch_clock_now();
	ChTickCounts counts = { 0 };
	GError *e = NULL;
	if (!ch_tick(app, now, &counts, &e)) {
		return cli_error(e);
	}
	if (counts.held)
		printf("outside working hours: chasers wait\n");
	else
		printf("%u due, %u acted on\n", counts.due, counts.acted);
	return CLI_OK;
}

int cmd_flush(int argc, char **argv)
{
	if (!cli_parse(&argc, &argv, "", "Send what the outbox holds, once.", NULL))
		return CLI_USAGE;
	g_autoptr(ChApp) app = cli_open();
	if (!app)
		return CLI_FAIL;
	g_autoptr(GDateTime) now = ch_clock_now();
	ChFlushCounts counts = { 0 };
	GError *e = NULL;
	gboolean ok = ch_outbox_flush(app, now, &counts, &e);
	if (counts.busy)
		printf("another chaser is sending the outbox: it sends what is due\n");
	else
		printf("%u sent, %u to retry, %u failed\n", counts.sent, counts.retrying,
		       counts.failed);
	if (!ok) {
		return cli_error(e);
	}
	return CLI_OK;
}

int cmd_run(int argc, char **argv)
{
	int web_port = -1;
	GOptionEntry entries[] = {
		{ "web-port", 0, 0, G_OPTION_ARG_INT, &web_port,
		  "Serve the console ([web]) on this port instead of [web] port (0: any free one, "
		  "printed)",
		  "PORT" },
		{ NULL },
	};
	if (!cli_parse(&argc, &argv, "",
	               "Poll, tick and flush for ever: IMAP IDLE wakes it when mail comes, a sweep "
	               "runs at least every poll_interval. SIGTERM or SIGINT stops it cleanly after "
	               "the message in hand. Under systemd (Type=notify) it says READY, STATUS and "
	               "STOPPING and pings the watchdog. Broken configuration (a template, a rules "
	               "file) stops it with exit 1 and one line saying what to fix; the mail that "
	               "needed it waits in the mailbox. With a [web] section it serves the console "
	               "too (as `chaser web`), its sign-in mail sent by the loop's flush.",
	               entries))
		return CLI_USAGE;
	if (web_port > 65535)
		return cli_usage("--web-port must be between 0 and 65535");
	ch_service_log_init();
	g_autoptr(ChApp) app = cli_open();
	if (!app)
		return CLI_FAIL;
	GError *e = NULL;
	/* The signals are caught before the console says it listens: a SIGTERM sent as soon as
	 * the line is read must stop both cleanly, not kill the process. */
	ch_runloop_catch_signals(app);
	ChWebServer *web = NULL;
	if (app->cfg->web.given) {
		if (!(web = ch_web_server_start(app, web_port, &app->wake, &e)))
			return cli_error(e);
		printf("chaser run: console listening on %s\n", ch_web_server_url(web));
		fflush(stdout);
		g_message("console listening on %s", ch_web_server_url(web));
	}
	gboolean ok = ch_runloop_run(app, &e);
	ch_web_server_stop(web);
	if (!ok)
		return cli_error(e);
	return CLI_OK;
}
