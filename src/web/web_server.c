/* Why libmicrohttpd and not libsoup 3: both are maintained Debian packages that parse HTTP
 * for us, but libmicrohttpd is a small C API with no GObject types and no GLib main loop to
 * run; chaser's commands run no main loop, and `chaser run` blocks in IMAP IDLE. It runs its
 * own polling thread (one, so requests are served in turn), bounds connections per client,
 * and speaks TLS through GnuTLS, which chaser already links for IMAP and SMTP. */
#include "web/web_server.h"

#include <errno.h>
#include <pthread.h>
#include <netdb.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <gio/gio.h>
#include <microhttpd.h>

#include "outbound/outbox.h"
#include "util/clock.h"
#include "util/error.h"
#include "web/web_auth.h"
#include "web/web_setup.h"
#include "web/web_views.h"

#define SESSION_COOKIE "chaser_session"
#define PRE_COOKIE "chaser_pre"
/* Over TLS the cookies are named __Host-...: a browser then takes them only with Secure,
 * Path=/ and no Domain, so a neighbour on another subdomain, or a page over plain HTTP,
 * cannot plant one. */
#define HOST_PREFIX "__Host-"
/* A form is a few fields: anything bigger is not one of ours. */
#define MAX_FORM_BYTES (64 * 1024)

/* Each thread its own ChApp, so its own SQLite connection (libraries.md B4: a connection's
 * errors are its own, and SQLite's NOMUTEX connections are not for sharing): `app` for the
 * daemon's one thread that serves requests, `sender_app` for the sender. The caller's ChApp
 * is never touched from here, so `chaser run` goes on using it in its loop. */
struct ChWebServer {
	ChApp *app;
	ChApp *sender_app;
	gboolean tls;
	char *base_url;
	char *here;             /* where it listens, for the line printed */
	GInetAddress *proxy;    /* or NULL */
	struct MHD_Daemon *daemon;
	/* Sign-in links are made and mailed here, after the response has gone: the request
	 * does the same work whatever the address, so neither its answer nor its time tells a
	 * listed address from another, and a slow mail server keeps nobody's page waiting. */
	GThread *sender;
	GAsyncQueue *jobs;      /* addresses (char *), then the stop mark */
	volatile gint *wake;    /* `chaser run`'s: its loop flushes; NULL: the sender flushes */
};
typedef struct ChWebServer Server;

/* The job that ends the sender, after what was queued before it. */
static char stop_job[] = "";

typedef struct {
	GHashTable *args;
	struct MHD_PostProcessor *pp;
	gsize size;
	gsize limit;        /* bytes of body allowed: a form's, or the list upload's */
	gboolean too_big;
	gboolean not_form;
	/* The one file of a multipart form, kept in memory (bounded by limit), never on disk. */
	char *file_field, *file_name, *file_type;
	GByteArray *file;
	char *signin_for;       /* for the sender, once the response has gone (on_completed) */
} Conn;

static gboolean is_loopback(const char *listen, GInetAddress **addr_r)
{
	GInetAddress *a = g_inet_address_new_from_string(listen);
	*addr_r = a;
	return a && g_inet_address_get_is_loopback(a);
}

gboolean ch_web_server_check(const ChConfig *cfg, GError **error)
{
	const ChWebConfig *w = &cfg->web;
	g_autoptr(GInetAddress) addr = NULL;
	gboolean loopback = is_loopback(w->listen, &addr);
	if (!addr) {
		g_set_error(error, CH_ERROR, CH_ERROR_CONFIG,
		            "%s:%u: [web] listen = %s is not an IP address", cfg->path,
		            ch_config_line(cfg, "web", "listen"), w->listen);
		return FALSE;
	}
	if (!!w->cert_file != !!w->key_file) {
		g_set_error(error, CH_ERROR, CH_ERROR_CONFIG,
		            "%s: [web] cert_file and key_file go together: give both or neither",
		            cfg->path);
		return FALSE;
	}
	if (w->trusted_proxy) {
		g_autoptr(GInetAddress) p = g_inet_address_new_from_string(w->trusted_proxy);
		if (!p) {
			g_set_error(error, CH_ERROR, CH_ERROR_CONFIG,
			            "%s:%u: [web] trusted_proxy = %s is not an IP address", cfg->path,
			            ch_config_line(cfg, "web", "trusted_proxy"), w->trusted_proxy);
			return FALSE;
		}
	}
	/* Sign-in links and session cookies must not cross a network in the clear. */
	if (!loopback && !w->cert_file && !w->trusted_proxy) {
		g_set_error(error, CH_ERROR, CH_ERROR_CONFIG,
		            "%s:%u: [web] listen = %s is not a loopback address: give cert_file and "
		            "key_file for TLS, or name the reverse proxy that terminates TLS in front "
		            "of chaser as trusted_proxy",
		            cfg->path, ch_config_line(cfg, "web", "listen"), w->listen);
		return FALSE;
	}
	return TRUE;
}

/* ---- one request ---------------------------------------------------------------------- */

static enum MHD_Result add_arg(void *cls, enum MHD_ValueKind kind, const char *key,
                               const char *value)
{
	g_hash_table_replace(cls, g_strdup(key), g_strdup(value ? value : ""));
	return MHD_YES;
}

static enum MHD_Result post_field(void *cls, enum MHD_ValueKind kind, const char *key,
                                  const char *filename, const char *content_type,
                                  const char *transfer_encoding, const char *data, uint64_t off,
                                  size_t size)
{
	Conn *cc = cls;
	if (filename) {
		/* A file: its bytes as they are (they may hold NULs). Only the first file field is
		 * kept; the page has one. */
		if (!cc->file) {
			cc->file = g_byte_array_new();
			cc->file_field = g_strdup(key);
			cc->file_name = g_strdup(filename);
			cc->file_type = g_strdup(content_type);
		}
		if (!strcmp(cc->file_field, key) && size)
			g_byte_array_append(cc->file, (const guint8 *)data, (guint)size);
		return MHD_YES;
	}
	const char *had = g_hash_table_lookup(cc->args, key);
	/* A long value comes in pieces: each is appended to what came before. */
	char *v = off && had ? g_strconcat(had, "", NULL) : g_strdup("");
	char *joined = g_strdup_printf("%s%.*s", v, (int)size, data ? data : "");
	g_free(v);
	g_hash_table_replace(cc->args, g_strdup(key), joined);
	return MHD_YES;
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
	Server *srv = cls;
	Conn *cc = *con_cls;
	if (!cc)
		return;
	/* The answer is sent (or the client went away): only now is the link made and mailed,
	 * so nothing of that work falls within the request's time. */
	if (cc->signin_for)
		g_async_queue_push(srv->jobs, g_steal_pointer(&cc->signin_for));
	if (cc->pp)
		MHD_destroy_post_processor(cc->pp);
	g_hash_table_unref(cc->args);
	if (cc->file)
		g_byte_array_unref(cc->file);
	g_free(cc->file_field), g_free(cc->file_name), g_free(cc->file_type);
	g_free(cc);
	*con_cls = NULL;
}

/* The client's address as text; behind the trusted proxy, the last address it forwarded
 * (the one it saw), and whether it spoke TLS to the client. */
static char *client_of(Server *srv, struct MHD_Connection *conn, gboolean *tls_r)
{
	*tls_r = srv->tls;
	const union MHD_ConnectionInfo *ci =
	    MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	char host[NI_MAXHOST] = "unknown";
	if (ci && ci->client_addr) {
		socklen_t len = ci->client_addr->sa_family == AF_INET6 ? sizeof(struct sockaddr_in6)
		                                                      : sizeof(struct sockaddr_in);
		if (getnameinfo(ci->client_addr, len, host, sizeof host, NULL, 0, NI_NUMERICHOST))
			g_strlcpy(host, "unknown", sizeof host);
	}
	g_autoptr(GInetAddress) peer = g_inet_address_new_from_string(host);
	if (!srv->proxy || !peer || !g_inet_address_equal(peer, srv->proxy))
		return g_strdup(host);
	const char *proto = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "X-Forwarded-Proto");
	*tls_r = proto && !g_ascii_strcasecmp(proto, "https");
	const char *fwd = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "X-Forwarded-For");
	const char *last = fwd ? strrchr(fwd, ',') : NULL;
	g_autofree char *who = g_strstrip(g_strdup(last ? last + 1 : fwd ? fwd : host));
	g_autoptr(GInetAddress) parsed = g_inet_address_new_from_string(who);
	return g_strdup(parsed ? who : host);
}

static char *cookie(const char *name, const char *value, gboolean secure)
{
	return g_strdup_printf("%s%s=%s; Path=/; HttpOnly; SameSite=Strict%s%s",
	                       secure ? HOST_PREFIX : "", name, value ? value : "",
	                       secure ? "; Secure" : "", value ? "" : "; Max-Age=0");
}

static const char *cookie_value(struct MHD_Connection *conn, const char *name, gboolean secure)
{
	g_autofree char *full = g_strconcat(secure ? HOST_PREFIX : "", name, NULL);
	return MHD_lookup_connection_value(conn, MHD_COOKIE_KIND, full);
}

/* What ch_web_auth_secret() makes: 64 lower-case hex digits. A cookie is the browser's to
 * send, so anything else in it is not ours and is not used. */
static gboolean is_secret(const char *v)
{
	if (!v || strlen(v) != 64)
		return FALSE;
	for (const char *p = v; *p; p++)
		if (!g_ascii_isxdigit(*p) || g_ascii_isupper(*p))
			return FALSE;
	return TRUE;
}

/* The headers every response carries, whatever it is. */
static void common_headers(struct MHD_Response *r)
{
	MHD_add_response_header(r, "Content-Security-Policy",
	                        "default-src 'self'; script-src 'none'; object-src 'none'; "
	                        "base-uri 'none'; form-action 'self'; frame-ancestors 'none'");
	MHD_add_response_header(r, "X-Frame-Options", "DENY");
	MHD_add_response_header(r, "Referrer-Policy", "no-referrer");
	MHD_add_response_header(r, "Cache-Control", "no-store");
	MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
}

static enum MHD_Result send_response(struct MHD_Connection *conn, ChWebResponse *resp,
                                     gboolean secure)
{
	const char *body = resp->body ? resp->body : "";
	gsize len = resp->body && resp->body_len ? resp->body_len : strlen(body);
	struct MHD_Response *r =
	    MHD_create_response_from_buffer(len, (void *)body, MHD_RESPMEM_MUST_COPY);
	if (!r)
		return MHD_NO;
	common_headers(r);
	/* Over TLS, the browser is told to come back only over TLS, for a year. */
	if (secure)
		MHD_add_response_header(r, "Strict-Transport-Security", "max-age=31536000");
	MHD_add_response_header(r, "Content-Type",
	                        resp->type ? resp->type : "text/html; charset=utf-8");
	if (resp->location)
		MHD_add_response_header(r, "Location", resp->location);
	if (resp->disposition)
		MHD_add_response_header(r, "Content-Disposition", resp->disposition);
	for (guint i = 0; i < G_N_ELEMENTS(resp->set_cookie); i++)
		if (resp->set_cookie[i])
			MHD_add_response_header(r, "Set-Cookie", resp->set_cookie[i]);
	enum MHD_Result ok = MHD_queue_response(conn, resp->status ? resp->status : 200, r);
	MHD_destroy_response(r);
	return ok;
}

static enum MHD_Result refuse(Server *srv, struct MHD_Connection *conn, guint status,
                              const char *text)
{
	ChWebResponse resp = { .status = status, .type = "text/plain; charset=utf-8",
	                       .body = g_strdup(text) };
	enum MHD_Result ok = send_response(conn, &resp, srv->tls);
	ch_web_response_clear(&resp);
	return ok;
}

/* Who is asking: the session of the cookie when it is live, else the pre-session cookie
 * (made now when missing) that the sign-in forms' token is made from. */
static gboolean identify(Server *srv, struct MHD_Connection *conn, ChWebRequest *req,
                         char **address, char **pre, ChWebResponse *resp, gboolean secure)
{
	const char *session = cookie_value(conn, SESSION_COOKIE, secure);
	if (!is_secret(session))
		session = NULL;
	GError *e = NULL;
	if (!ch_web_auth_session(srv->app, session, address, &req->role, &e)) {
		g_warning("web: the store failed: %s", e->message);
		g_error_free(e);
		return FALSE;
	}
	if (*address) {
		req->address = *address;
		req->session = session;
		req->csrf_base = session;
		return TRUE;
	}
	const char *had = cookie_value(conn, PRE_COOKIE, secure);
	if (is_secret(had)) {
		req->csrf_base = had;
		return TRUE;
	}
	*pre = ch_web_auth_secret();
	req->csrf_base = *pre;
	resp->set_cookie[1] = cookie(PRE_COOKIE, *pre, secure);
	return TRUE;
}

static enum MHD_Result serve(Server *srv, struct MHD_Connection *conn, const char *url,
                             const char *method, Conn *cc)
{
	gboolean secure = FALSE;
	g_autofree char *client = client_of(srv, conn, &secure);
	if (!strcmp(method, "GET") || !strcmp(method, "HEAD"))
		MHD_get_connection_values(conn, MHD_GET_ARGUMENT_KIND, add_arg, cc->args);
	ChWebRequest req = { .method = strcmp(method, "HEAD") ? method : "GET", .path = url,
	                     .args = cc->args, .client = client, .base_url = srv->base_url };
	ChWebUpload upload = { 0 };
	if (cc->file) {
		upload = (ChWebUpload){ .field = cc->file_field, .filename = cc->file_name,
		                        .content_type = cc->file_type, .data = cc->file->data,
		                        .len = cc->file->len };
		req.upload = &upload;
	}
	ChWebResponse resp = { 0 };
	g_autofree char *address = NULL, *pre = NULL;
	if (!identify(srv, conn, &req, &address, &pre, &resp, secure)) {
		ch_web_response_clear(&resp);
		return refuse(srv, conn, 503, "chaser could not read its records just now; try again.\n");
	}
	ch_web_views_handle(srv->app, &req, &resp);
	cc->signin_for = g_steal_pointer(&resp.signin_for);
	if (resp.new_session) {
		g_free(resp.set_cookie[0]);
		resp.set_cookie[0] = cookie(SESSION_COOKIE, resp.new_session, secure);
	} else if (resp.end_session) {
		g_free(resp.set_cookie[0]);
		resp.set_cookie[0] = cookie(SESSION_COOKIE, NULL, secure);
	}
	enum MHD_Result ok = send_response(conn, &resp, secure);
	ch_web_response_clear(&resp);
	return ok;
}

/* libmicrohttpd calls this once as a request starts, once per piece of a POST body, and once
 * more when the body is all in: only then is it served. */
static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
                                  const char *method, const char *version,
                                  const char *upload_data, size_t *upload_size, void **con_cls)
{
	Server *srv = cls;
	Conn *cc = *con_cls;
	gboolean post = !strcmp(method, "POST");
	if (!cc) {
		cc = g_new0(Conn, 1);
		cc->args = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
		*con_cls = cc;
		cc->limit = MAX_FORM_BYTES;
		if (post) {
			/* Multipart is for the one form that uploads a file, and only it may be big. */
			const char *type =
			    MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_TYPE);
			if (type && !g_ascii_strncasecmp(type, MHD_HTTP_POST_ENCODING_MULTIPART_FORMDATA,
			                                 strlen(MHD_HTTP_POST_ENCODING_MULTIPART_FORMDATA))) {
				if (strcmp(url, CH_WEB_SETUP_PATH)) {
					cc->not_form = TRUE;
					return MHD_YES;
				}
				cc->limit = CH_WEB_SETUP_MAX_BODY;
			}
			cc->pp = MHD_create_post_processor(conn, 16 * 1024, post_field, cc);
			cc->not_form = cc->pp == NULL;
		}
		return MHD_YES;
	}
	if (post && *upload_size) {
		cc->size += *upload_size;
		if (cc->size > cc->limit)
			cc->too_big = TRUE;
		else if (cc->pp && MHD_post_process(cc->pp, upload_data, *upload_size) != MHD_YES)
			cc->not_form = TRUE;
		*upload_size = 0;
		return MHD_YES;
	}
	if (!post && strcmp(method, "GET") && strcmp(method, "HEAD"))
		return refuse(srv, conn, 405, "Only GET and POST are used here.\n");
	if (cc->too_big)
		return refuse(srv, conn, 413, "That form is too large.\n");
	if (cc->not_form)
		return refuse(srv, conn, 415, "A form must be sent url-encoded (a file only with the new "
		                              "conference's form).\n");
	return serve(srv, conn, url, method, cc);
}

/* ---- the daemon ----------------------------------------------------------------------- */

static gboolean read_tls(const ChWebConfig *w, char **cert, char **key, GError **error)
{
	GError *e = NULL;
	if (!g_file_get_contents(w->cert_file, cert, NULL, &e) ||
	    !g_file_get_contents(w->key_file, key, NULL, &e)) {
		g_set_error(error, CH_ERROR, CH_ERROR_CONFIG, "[web] TLS: %s", e->message);
		g_error_free(e);
		return FALSE;
	}
	if (!MHD_is_feature_supported(MHD_FEATURE_TLS)) {
		g_set_error(error, CH_ERROR, CH_ERROR_CONFIG,
		            "[web] cert_file is given but this libmicrohttpd has no TLS");
		return FALSE;
	}
	return TRUE;
}

static char *url_of(const char *scheme, GInetAddress *a, guint port)
{
	g_autofree char *host = g_inet_address_to_string(a);
	gboolean v6 = g_inet_address_get_family(a) == G_SOCKET_FAMILY_IPV6;
	return g_strdup_printf("%s://%s%s%s:%u", scheme, v6 ? "[" : "", host, v6 ? "]" : "", port);
}

static struct MHD_Daemon *start(Server *srv, GInetAddress *addr, guint port, GError **error)
{
	const ChWebConfig *w = &srv->app->cfg->web;
	g_autoptr(GSocketAddress) sa = g_inet_socket_address_new(addr, port);
	struct sockaddr_storage native;
	if (!g_socket_address_to_native(sa, &native, sizeof native, error))
		return NULL;
	g_autofree char *cert = NULL, *key = NULL;
	if (srv->tls && !read_tls(w, &cert, &key, error))
		return NULL;
	unsigned int flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG;
	if (g_inet_address_get_family(addr) == G_SOCKET_FAMILY_IPV6)
		flags |= MHD_USE_IPv6;
	if (srv->tls)
		flags |= MHD_USE_TLS;
	struct MHD_OptionItem tls_opts[] = {
		{ MHD_OPTION_HTTPS_MEM_CERT, 0, cert },
		{ MHD_OPTION_HTTPS_MEM_KEY, 0, key },
		{ MHD_OPTION_END, 0, NULL },
	};
	struct MHD_Daemon *d = MHD_start_daemon(
	    flags, (uint16_t)port, NULL, NULL, on_request, srv,
	    MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&native,
	    MHD_OPTION_NOTIFY_COMPLETED, on_completed, srv,
	    MHD_OPTION_CONNECTION_LIMIT, (unsigned int)64,
	    MHD_OPTION_PER_IP_CONNECTION_LIMIT, (unsigned int)16,
	    MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)30,
	    MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)(128 * 1024),
	    srv->tls ? MHD_OPTION_ARRAY : MHD_OPTION_END, tls_opts, MHD_OPTION_END);
	if (!d)
		g_set_error(error, CH_ERROR, CH_ERROR_TEMPORARY,
		            "chaser web: cannot listen on %s port %u (in use, or not this machine's)",
		            w->listen, port);
	return d;
}

/* ---- the sender ----------------------------------------------------------------------- */

static void flush(Server *srv)
{
	g_autoptr(GDateTime) now = ch_clock_now();
	ChFlushCounts counts = { 0 };
	GError *e = NULL;
	/* A send that fails now is retried by the outbox like any mail. */
	if (!ch_outbox_flush(srv->sender_app, now, &counts, &e)) {
		g_warning("web: the outbox could not be flushed: %s", e->message);
		g_clear_error(&e);
	}
}

static gpointer sender_main(gpointer data)
{
	Server *srv = data;
	gboolean queued = FALSE;
	for (;;) {
		char *address = g_async_queue_pop(srv->jobs);
		if (address == stop_job)
			break;
		gboolean one = FALSE;
		GError *e = NULL;
		if (!ch_web_auth_send_link(srv->sender_app, address, srv->base_url, &one, &e)) {
			g_warning("web: a sign-in link could not be queued: %s", e->message);
			g_clear_error(&e);
		}
		g_free(address);
		queued |= one;
		/* One flush for what came together. */
		if (!queued || g_async_queue_length(srv->jobs) > 0)
			continue;
		queued = FALSE;
		if (srv->wake)
			g_atomic_int_set(srv->wake, 1);
		else
			flush(srv);
	}
	if (queued && !srv->wake)
		flush(srv);
	return NULL;
}

/* ---- starting and stopping ------------------------------------------------------------ */

void ch_web_server_stop(ChWebServer *srv)
{
	if (!srv)
		return;
	/* No more requests first, then the sender ends once it has done what they asked. */
	if (srv->daemon)
		MHD_stop_daemon(srv->daemon);
	if (srv->sender) {
		g_async_queue_push(srv->jobs, stop_job);
		g_thread_join(srv->sender);
	}
	if (srv->jobs) {
		char *left;
		while ((left = g_async_queue_try_pop(srv->jobs)))
			if (left != stop_job)
				g_free(left);
		g_async_queue_unref(srv->jobs);
	}
	g_free(srv->base_url);
	g_free(srv->here);
	g_clear_object(&srv->proxy);
	if (srv->app)
		ch_app_close(srv->app);
	if (srv->sender_app)
		ch_app_close(srv->sender_app);
	g_free(srv);
}

const char *ch_web_server_url(const ChWebServer *srv)
{
	return srv->here;
}

ChWebServer *ch_web_server_start(ChApp *app, int port_override, volatile gint *wake,
                                 GError **error)
{
	const ChWebConfig *w = &app->cfg->web;
	if (!ch_web_server_check(app->cfg, error))
		return NULL;
	Server *srv = g_new0(Server, 1);
	srv->tls = w->cert_file != NULL;
	srv->wake = wake;
	if (!(srv->app = ch_app_open(app->cfg->path, error)) ||
	    !(srv->sender_app = ch_app_open(app->cfg->path, error))) {
		ch_web_server_stop(srv);
		return NULL;
	}
	if (w->trusted_proxy)
		srv->proxy = g_inet_address_new_from_string(w->trusted_proxy);
	g_autoptr(GInetAddress) addr = g_inet_address_new_from_string(w->listen);
	guint port = port_override >= 0 ? (guint)port_override : w->port;
	/* The threads made here take no SIGTERM or SIGINT: they are the caller's to handle
	 * (sigwait in `chaser web`, the run loop's flag in `chaser run`). */
	sigset_t stop, old;
	sigemptyset(&stop);
	sigaddset(&stop, SIGTERM);
	sigaddset(&stop, SIGINT);
	pthread_sigmask(SIG_BLOCK, &stop, &old);
	/* The sender's queue is there before the first request can come. */
	srv->jobs = g_async_queue_new();
	srv->sender = g_thread_new("web-sender", sender_main, srv);
	srv->daemon = start(srv, addr, port, error);
	if (srv->daemon) {
		const union MHD_DaemonInfo *di =
		    MHD_get_daemon_info(srv->daemon, MHD_DAEMON_INFO_BIND_PORT);
		guint bound = di ? di->port : port;
		g_autofree char *here = url_of(srv->tls ? "https" : "http", addr, bound);
		srv->here = g_strconcat(here, "/", NULL);
		srv->base_url = g_strdup(w->url ? w->url : here);
		while (srv->base_url[0] && g_str_has_suffix(srv->base_url, "/"))
			srv->base_url[strlen(srv->base_url) - 1] = '\0';
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (!srv->daemon) {
		ch_web_server_stop(srv);
		return NULL;
	}
	return srv;
}

gboolean ch_web_server_run(ChApp *app, int port_override, GError **error)
{
	/* SIGTERM and SIGINT are waited for here, not handled: blocked before any thread
	 * starts, and taken by sigwait. */
	sigset_t stop;
	sigemptyset(&stop);
	sigaddset(&stop, SIGTERM);
	sigaddset(&stop, SIGINT);
	pthread_sigmask(SIG_BLOCK, &stop, NULL);
	ChWebServer *srv = ch_web_server_start(app, port_override, NULL, error);
	if (!srv)
		return FALSE;
	printf("chaser web: listening on %s\n", srv->here);
	fflush(stdout);
	int sig = 0;
	sigwait(&stop, &sig);
	ch_web_server_stop(srv);
	return TRUE;
}
