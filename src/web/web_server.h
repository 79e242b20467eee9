/* web_server: `chaser web`, the console over HTTP, served by libmicrohttpd.
 *
 * The server parses nothing of HTTP itself: libmicrohttpd reads requests, their query,
 * cookies and url-encoded forms; this module turns one into a ChWebRequest (who is signed in,
 * from which client), hands it to web_views.c and sends what comes back with the headers
 * every response carries (Content-Security-Policy, X-Frame-Options, Referrer-Policy,
 * Cache-Control). Requests are served one at a time, on the daemon's one thread, so the
 * store is never used by two threads at once.
 *
 * Where it may listen is checked before anything opens: a loopback address always; any other
 * only with TLS (cert_file and key_file) or behind the reverse proxy [web] trusted_proxy
 * names, whose X-Forwarded-For and X-Forwarded-Proto are then believed, and nobody else's.
 * Errors are CH_ERROR_CONFIG (say what to fix) or CH_ERROR_TEMPORARY (the port is taken).
 */
#pragma once
#include <glib.h>
#include "app/app.h"

/* Whether the config's [web] may be served as it is (listen, TLS, proxy); the message says
 * what to change. */
gboolean ch_web_server_check(const ChConfig *cfg, GError **error);

/* Serves until SIGTERM or SIGINT. port: the config's unless `port_override` >= 0 (0: any
 * free port). Prints one line on stdout once listening: "chaser web: listening on URL". */
gboolean ch_web_server_run(ChApp *app, int port_override, GError **error);
