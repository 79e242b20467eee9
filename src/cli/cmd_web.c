/* chaser web: the console in a browser (src/web). Options and the exit code only. */
#include <stdio.h>

#include "cli/cli.h"
#include "web/web_server.h"

int cmd_web(int argc, char **argv)
{
	int port = -1;
	GOptionEntry entries[] = {
		{ "port", 0, 0, G_OPTION_ARG_INT, &port,
		  "Listen on this port instead of [web] port (0: any free one, printed)", "PORT" },
		{ NULL },
	};
	if (!cli_parse(&argc, &argv, "",
	               "Serve the console: sign-in by emailed link for admin and [web] managers, "
	               "Today, conferences, triage. Until SIGTERM or SIGINT.",
	               entries))
		return CLI_USAGE;
	if (argc != 1)
		return cli_usage("web takes no arguments");
	if (port > 65535)
		return cli_usage("--port must be between 0 and 65535");
	g_autoptr(ChApp) app = cli_open();
	if (!app)
		return CLI_FAIL;
	GError *e = NULL;
	if (!ch_web_server_run(app, port, &e))
		return cli_error(e);
	return CLI_OK;
}
