/* web_server: `chaser web`, the console over HTTP, served by libmicrohttpd.
 *
 * The server parses nothing of HTTP itself: libmicrohttpd reads requests, their query,
 * cookies and url-encoded forms; this module turns one into a ChWebRequest (who is signed in,
 * from which client), hands it to web_views.c and sends what comes back with the headers
 * every response carries (Content-Security-Policy, X-Frame-Options, Referrer-Policy,
 * Cache-Control, and Strict-Transport-Security over TLS). Requests are served one at a time,
 * on the daemon's one thread, with a ChApp (a store connection) of its own; sign-in links are
 * made and mailed by a sender thread with another, after the response has gone, so that
 * the response is the same bytes and takes the same time whatever address was typed. Under
 * `chaser web` the sender flushes the outbox itself; under `chaser run` it wakes the run
 * loop, whose flush sends the mail.
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

typedef struct ChWebServer ChWebServer;

/* Starts serving in threads of its own (they take no SIGTERM or SIGINT) and returns once
 * listening. port: the config's unless `port_override` >= 0 (0: any free port). wake: when
 * given, set once a sign-in mail is queued, for the caller's loop to flush the outbox;
 * NULL: the server flushes it. Only app->cfg is read: the server opens its own ChApps. */
ChWebServer *ch_web_server_start(ChApp *app, int port_override, volatile gint *wake,
                                 GError **error);
/* Where it listens: "http://127.0.0.1:PORT/" (https with TLS). */
const char *ch_web_server_url(const ChWebServer *srv);
/* Stops listening, then waits for the sign-in links asked for to be queued (and, without
 * wake, sent), and frees. NULL is fine. */
void ch_web_server_stop(ChWebServer *srv);

/* `chaser web`: serves until SIGTERM or SIGINT. Prints one line on stdout once listening:
 * "chaser web: listening on URL". */
gboolean ch_web_server_run(ChApp *app, int port_override, GError **error);
