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

#include "util/error.h"
#include "web/web_auth.h"
#include "web/web_setup.h"
#include "web/web_views.h"

#define SESSION_COOKIE "chaser_session"
#define PRE_COOKIE "chaser_pre"
/* A form is a few fields: anything bigger is not one of ours. */
#define MAX_FORM_BYTES (64 * 1024)

typedef struct {
	ChApp *app;
	gboolean tls;
	char *base_url;
	GInetAddress *proxy; /* or NULL */
} Server;

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
	Conn *cc = *con_cls;
	if (!cc)
		return;
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
	return g_strdup_printf("%s=%s; Path=/; HttpOnly; SameSite=Strict%s%s", name,
	                       value ? value : "", secure ? "; Secure" : "",
	                       value ? "" : "; Max-Age=0");
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

static enum MHD_Result refuse(struct MHD_Connection *conn, guint status, const char *text)
{
	ChWebResponse resp = { .status = status, .type = "text/plain; charset=utf-8",
	                       .body = g_strdup(text) };
	enum MHD_Result ok = send_response(conn, &resp, FALSE);
	ch_web_response_clear(&resp);
	return ok;
}

/* Who is asking: the session of the cookie when it is live, else the pre-session cookie
 * (made now when missing) that the sign-in forms' token is made from. */
static gboolean identify(Server *srv, struct MHD_Connection *conn, ChWebRequest *req,
                         char **address, char **pre, ChWebResponse *resp, gboolean secure)
{
	const char *session = MHD_lookup_connection_value(conn, MHD_COOKIE_KIND, SESSION_COOKIE);
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
	const char *had = MHD_lookup_connection_value(conn, MHD_COOKIE_KIND, PRE_COOKIE);
	if (had && strlen(had) == 64) {
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
		return refuse(conn, 503, "chaser could not read its records just now; try again.\n");
	}
	ch_web_views_handle(srv->app, &req, &resp);
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
		return refuse(conn, 405, "Only GET and POST are used here.\n");
	if (cc->too_big)
		return refuse(conn, 413, "That form is too large.\n");
	if (cc->not_form)
		return refuse(conn, 415, "A form must be sent url-encoded (a file only with the new "
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
	    MHD_OPTION_NOTIFY_COMPLETED, on_completed, NULL,
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

gboolean ch_web_server_run(ChApp *app, int port_override, GError **error)
{
	const ChWebConfig *w = &app->cfg->web;
	if (!ch_web_server_check(app->cfg, error))
		return FALSE;
	g_autoptr(GInetAddress) addr = g_inet_address_new_from_string(w->listen);
	Server srv = { .app = app, .tls = w->cert_file != NULL };
	if (w->trusted_proxy)
		srv.proxy = g_inet_address_new_from_string(w->trusted_proxy);
	guint port = port_override >= 0 ? (guint)port_override : w->port;
	/* SIGTERM and SIGINT are waited for here, not handled: blocked before the daemon's
	 * thread starts, so that thread inherits the mask and never takes them. */
	sigset_t stop;
	sigemptyset(&stop);
	sigaddset(&stop, SIGTERM);
	sigaddset(&stop, SIGINT);
	pthread_sigmask(SIG_BLOCK, &stop, NULL);
	struct MHD_Daemon *d = start(&srv, addr, port, error);
	if (!d) {
		g_clear_object(&srv.proxy);
		return FALSE;
	}
	const union MHD_DaemonInfo *di = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
	guint bound = di ? di->port : port;
	g_autofree char *here = url_of(srv.tls ? "https" : "http", addr, bound);
	srv.base_url = g_strdup(w->url ? w->url : here);
	while (srv.base_url[0] && g_str_has_suffix(srv.base_url, "/"))
		srv.base_url[strlen(srv.base_url) - 1] = '\0';
	printf("chaser web: listening on %s/\n", here);
	fflush(stdout);
	int sig = 0;
	sigwait(&stop, &sig);
	MHD_stop_daemon(d);
	g_free(srv.base_url);
	g_clear_object(&srv.proxy);
	return TRUE;
}
