/* smtp: one message to one recipient with libcurl (GnuTLS). See smtp.h.
 *
 * One easy handle lives as long as the ChSmtp, so libcurl keeps the connection (and its TLS
 * session and login) between messages; what belongs to one message is set again for each.
 * libcurl's global state is made when a command first opens a connection (smtp_curl_init).
 *
 * The server's own words are taken from the protocol trace (CURLOPT_DEBUGFUNCTION, incoming
 * reply lines only): curl's error text says "RCPT failed: 550" but not why, and a person
 * deciding what to do about a failed chaser needs the why.
 */
#include "outbound/smtp.h"

#include <curl/curl.h>
#include <string.h>

#include "util/error.h"

/* curl_global_init() when the first connection is opened, not in main(): it starts GnuTLS and
 * libssh2's OpenSSL, 1.9 MB of memory measured, which the commands that never send mail over
 * SMTP (poll and tick, which only queue it; status; the reports) have no use for. Any thread
 * may call it once libcurl says so (CURL_VERSION_THREADSAFE, 7.84 and later; Debian 12 has
 * 7.88); g_once makes it once whatever the version. */
static void smtp_curl_init(void)
{
	static gsize done;
	if (g_once_init_enter(&done)) {
		curl_global_init(CURL_GLOBAL_DEFAULT);
		g_once_init_leave(&done, 1);
	}
}

struct ChSmtp {
	CURL *curl;
	char *url;
	char *host; /* for messages */
	char *user;
	char *password_file;
	char *token_file;
	char *token_command;
	char *token; /* the command's last token, reused until refused */
	char errbuf[CURL_ERROR_SIZE];
	char *last_line;  /* the last reply line from the server */
	char *last_error; /* the last 4xx/5xx reply line */
};

typedef struct {
	const guint8 *p;
	gsize left;
} Source;

static size_t read_cb(char *buf, size_t size, size_t nitems, void *data)
{
	Source *src = data;
	gsize n = MIN(size * nitems, src->left);
	memcpy(buf, src->p, n);
	src->p += n;
	src->left -= n;
	return n;
}

static int debug_cb(CURL *h, curl_infotype type, char *data, size_t size, void *ctx)
{
	ChSmtp *s = ctx;
	/* Only what the server says: what we send holds AUTH lines and the message itself. */
	if (type != CURLINFO_HEADER_IN || size < 3)
		return 0;
	if (!g_ascii_isdigit(data[0]) || !g_ascii_isdigit(data[1]) || !g_ascii_isdigit(data[2]))
		return 0;
	gsize len = MIN(size, 512);
	while (len > 0 && (data[len - 1] == '\n' || data[len - 1] == '\r'))
		len--;
	char *line = g_utf8_make_valid(data, (gssize)len);
	if (data[0] == '4' || data[0] == '5') {
		g_free(s->last_error);
		s->last_error = g_strdup(line);
	}
	g_free(s->last_line);
	s->last_line = line;
	return 0;
}

static void forget_secret(char *p)
{
	if (p != NULL) {
		explicit_bzero(p, strlen(p));
		g_free(p);
	}
}

static gboolean has(const char *p)
{
	return p != NULL && *p != '\0';
}

static char *nonempty(const char *p)
{
	return has(p) ? g_strdup(p) : NULL;
}

/* The transfer's settings, fixed for the life of the handle: TLS, timeouts, logging, login. */
static void set_options(ChSmtp *s, const ChSmtpConfig *cfg, gboolean implicit_tls)
{
	CURL *curl = s->curl;
	long timeout = cfg->timeout ? (long)cfg->timeout : 60;
	curl_easy_setopt(curl, CURLOPT_URL, s->url);
	/* STARTTLS or nothing: CURLUSESSL_TRY would quietly send in clear text when a man in
	 * the middle strips the STARTTLS offer. NONE is for plain test servers only. */
	curl_easy_setopt(curl, CURLOPT_USE_SSL,
	                 (long)(cfg->require_tls || implicit_tls ? CURLUSESSL_ALL : CURLUSESSL_NONE));
	if (cfg->ca_file != NULL && *cfg->ca_file != '\0')
		curl_easy_setopt(curl, CURLOPT_CAINFO, cfg->ca_file);
	curl_easy_setopt(curl, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_easy_setopt(curl, CURLOPT_SSL_VERIFYHOST, 2L);
	/* The network timeout is for silence: connecting, or any stretch without a byte either
	 * way (a server that stops answering). The whole transaction gets ten times as long,
	 * so that a large report on a slow line still goes, but nothing hangs for ever. */
	curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT, timeout);
	curl_easy_setopt(curl, CURLOPT_LOW_SPEED_LIMIT, 1L);
	curl_easy_setopt(curl, CURLOPT_LOW_SPEED_TIME, timeout);
	curl_easy_setopt(curl, CURLOPT_TIMEOUT, timeout * 10);
	curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, s->errbuf);
	curl_easy_setopt(curl, CURLOPT_VERBOSE, 1L);
	curl_easy_setopt(curl, CURLOPT_DEBUGFUNCTION, debug_cb);
	curl_easy_setopt(curl, CURLOPT_DEBUGDATA, s);
	curl_easy_setopt(curl, CURLOPT_UPLOAD, 1L);
	curl_easy_setopt(curl, CURLOPT_READFUNCTION, read_cb);
	if (s->user != NULL)
		curl_easy_setopt(curl, CURLOPT_USERNAME, s->user);
	if (s->user != NULL && (s->token_file != NULL || s->token_command != NULL))
		/* Forced: with a bearer set and no XOAUTH2 offered, curl would otherwise fall back
		 * to PLAIN with an empty password, and the refusal would not say why. */
		curl_easy_setopt(curl, CURLOPT_LOGIN_OPTIONS, "AUTH=XOAUTH2");
}

ChSmtp *ch_smtp_new(const ChSmtpConfig *cfg, GError **error)
{
	GError *e = NULL;
	GUri *uri = cfg->url ? g_uri_parse(cfg->url, G_URI_FLAGS_NONE, &e) : NULL;
	if (uri == NULL) {
		g_set_error(error, CH_ERROR, CH_ERROR_CONFIG, "smtp: url '%s' is not a URL%s%s",
		            cfg->url ? cfg->url : "", e ? ": " : "", e ? e->message : "");
		g_clear_error(&e);
		return NULL;
	}
	const char *scheme = g_uri_get_scheme(uri);
	gboolean implicit_tls = g_ascii_strcasecmp(scheme, "smtps") == 0;
	if ((!implicit_tls && g_ascii_strcasecmp(scheme, "smtp") != 0) || g_uri_get_host(uri) == NULL ||
	    *g_uri_get_host(uri) == '\0') {
		g_set_error(error, CH_ERROR, CH_ERROR_CONFIG,
		            "smtp: url '%s' must be smtps://HOST[:PORT] or smtp://HOST[:PORT]",
		            cfg->url);
		g_uri_unref(uri);
		return NULL;
	}
	gboolean oauth2 = has(cfg->oauth2_token_file) || has(cfg->oauth2_token_command);
	if (has(cfg->user) && !oauth2 && !has(cfg->password_file)) {
		g_set_error(error, CH_ERROR, CH_ERROR_CONFIG,
		            "smtp: user %s has no password_file, oauth2_token_file or "
		            "oauth2_token_command", cfg->user);
		g_uri_unref(uri);
		return NULL;
	}

	smtp_curl_init();
	CURL *curl = curl_easy_init();
	if (curl == NULL) {
		g_set_error(error, CH_ERROR, CH_ERROR_TEMPORARY, "smtp: cannot set up libcurl");
		g_uri_unref(uri);
		return NULL;
	}
	ChSmtp *s = g_new0(ChSmtp, 1);
	s->curl = curl;
	s->host = g_strdup(g_uri_get_host(uri));
	s->user = nonempty(cfg->user);
	s->password_file = nonempty(cfg->password_file);
	s->token_file = nonempty(cfg->oauth2_token_file);
	s->token_command = nonempty(cfg->oauth2_token_command);

	/* The URL's path is the EHLO name. */
	int port = g_uri_get_port(uri);
	g_autofree char *helo = cfg->helo && *cfg->helo
	                                ? g_uri_escape_string(cfg->helo, NULL, FALSE) : NULL;
	gboolean v6 = strchr(s->host, ':') != NULL;
	s->url = g_strdup_printf("%s://%s%s%s%s%d/%s", implicit_tls ? "smtps" : "smtp",
	                         v6 ? "[" : "", s->host, v6 ? "]" : "", ":",
	                         port > 0 ? port : implicit_tls ? 465 : 587, helo ? helo : "");
	g_uri_unref(uri);

	set_options(s, cfg, implicit_tls);
	return s;
}

void ch_smtp_free(ChSmtp *s)
{
	if (s == NULL)
		return;
	curl_easy_cleanup(s->curl);
	forget_secret(s->token);
	g_free(s->url), g_free(s->host), g_free(s->user), g_free(s->password_file);
	g_free(s->token_file), g_free(s->token_command);
	g_free(s->last_line), g_free(s->last_error);
	g_free(s);
}

/* Sets this send's credentials. FALSE with *reply_r when the secret cannot be had. */
static gboolean set_credentials(ChSmtp *s, gboolean fresh_token, ChSendResult *res,
                                char **reply_r)
{
	GError *e = NULL;
	char *secret = NULL;
	if (s->user == NULL)
		return TRUE;
	if (s->token_command != NULL) {
		if (fresh_token || s->token == NULL) {
			char *t = ch_config_read_secret(NULL, s->token_command, &e);
			if (t != NULL) {
				forget_secret(s->token);
				s->token = t;
			}
		}
		secret = s->token ? g_strdup(s->token) : NULL;
	} else if (s->token_file != NULL) {
		secret = ch_config_read_secret(s->token_file, NULL, &e);
	} else {
		secret = ch_config_read_secret(s->password_file, NULL, &e);
	}
	if (secret == NULL) {
		*res = e && e->code == CH_ERROR_TEMPORARY ? CH_SEND_TEMPORARY : CH_SEND_CONFIG;
		if (reply_r != NULL)
			*reply_r = g_strdup(e ? e->message : "no credentials");
		g_clear_error(&e);
		return FALSE;
	}
	if (s->token_file != NULL || s->token_command != NULL)
		curl_easy_setopt(s->curl, CURLOPT_XOAUTH2_BEARER, secret);
	else
		curl_easy_setopt(s->curl, CURLOPT_PASSWORD, secret);
	forget_secret(secret); /* libcurl keeps its own copy */
	return TRUE;
}

/* The classes of libraries.md B3: the server's code where there is one, else curl's. */
static ChSendResult classify(CURLcode rc, long code)
{
	switch (rc) {
	case CURLE_OK:
		return CH_SEND_OK;
	case CURLE_LOGIN_DENIED:
	case CURLE_PEER_FAILED_VERIFICATION:
	case CURLE_SSL_CONNECT_ERROR:
	case CURLE_USE_SSL_FAILED:
	case CURLE_SSL_CACERT_BADFILE:
	case CURLE_SSL_CERTPROBLEM:
	case CURLE_SSL_ISSUER_ERROR:
	case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
	case CURLE_URL_MALFORMAT:
	case CURLE_UNSUPPORTED_PROTOCOL:
	case CURLE_NOT_BUILT_IN:
		return CH_SEND_CONFIG;
	default:
		break;
	}
	/* 530: the server wants a login we were not told to make. That is every message's
	 * problem, not this one's. */
	if (code == 530)
		return CH_SEND_CONFIG;
	if (code >= 500 && code < 600)
		return CH_SEND_PERMANENT;
	return CH_SEND_TEMPORARY;
}

static CURLcode perform(ChSmtp *s, const char *from, struct curl_slist *rcpt, const guint8 *wire,
                        gsize len, long *code)
{
	Source src = { wire, len };
	g_autofree char *mail_from = g_strdup_printf("<%s>", from ? from : "");
	g_clear_pointer(&s->last_line, g_free);
	g_clear_pointer(&s->last_error, g_free);
	s->errbuf[0] = '\0';
	curl_easy_setopt(s->curl, CURLOPT_MAIL_FROM, mail_from);
	curl_easy_setopt(s->curl, CURLOPT_MAIL_RCPT, rcpt);
	curl_easy_setopt(s->curl, CURLOPT_READDATA, &src);
	curl_easy_setopt(s->curl, CURLOPT_INFILESIZE_LARGE, (curl_off_t)len);
	CURLcode rc = curl_easy_perform(s->curl);
	*code = 0;
	curl_easy_getinfo(s->curl, CURLINFO_RESPONSE_CODE, code);
	/* Nothing of this message may outlive the call inside the handle. */
	curl_easy_setopt(s->curl, CURLOPT_MAIL_RCPT, NULL);
	curl_easy_setopt(s->curl, CURLOPT_READDATA, NULL);
	return rc;
}

ChSendResult ch_smtp_send(ChSmtp *s, const char *mail_from, const char *rcpt,
                          const guint8 *wire, gsize len, char **reply_r)
{
	ChSendResult res = CH_SEND_CONFIG;
	if (reply_r != NULL)
		*reply_r = NULL;
	if (rcpt == NULL || *rcpt == '\0' || strpbrk(rcpt, "<>\r\n") != NULL ||
	    (mail_from != NULL && strpbrk(mail_from, "<>\r\n") != NULL)) {
		if (reply_r != NULL)
			*reply_r = g_strdup("invalid sender or recipient address");
		return CH_SEND_PERMANENT;
	}
	if (!set_credentials(s, FALSE, &res, reply_r))
		return res;

	g_autofree char *to = g_strdup_printf("<%s>", rcpt);
	struct curl_slist *rcpts = curl_slist_append(NULL, to);
	long code = 0;
	CURLcode rc = perform(s, mail_from, rcpts, wire, len, &code);
	if (rc == CURLE_LOGIN_DENIED && s->token_command != NULL) {
		/* Tokens expire: one refusal earns one fresh token and one more try. */
		g_message("smtp: XOAUTH2 login as %s on %s refused; asking the token command for a "
		          "new token", s->user, s->host);
		if (!set_credentials(s, TRUE, &res, reply_r)) {
			curl_slist_free_all(rcpts);
			return res;
		}
		rc = perform(s, mail_from, rcpts, wire, len, &code);
		if (rc == CURLE_LOGIN_DENIED)
			forget_secret(g_steal_pointer(&s->token));
	}
	if (classify(rc, code) == CH_SEND_TEMPORARY && code == 452) {
		/* Servers limit messages per session (OpenSMTPD: 100) and say 452: that is this
		 * connection's limit, not the message's, so try once more on a new one now. */
		curl_easy_setopt(s->curl, CURLOPT_FRESH_CONNECT, 1L);
		rc = perform(s, mail_from, rcpts, wire, len, &code);
		curl_easy_setopt(s->curl, CURLOPT_FRESH_CONNECT, 0L);
	}
	curl_slist_free_all(rcpts);

	res = classify(rc, code);
	gboolean cert = rc == CURLE_PEER_FAILED_VERIFICATION || rc == CURLE_SSL_ISSUER_ERROR ||
	                rc == CURLE_SSL_CACERT_BADFILE;
	if (reply_r != NULL) {
		/* Say it the way the IMAP side does, so admin reads one kind of message. */
		if (cert)
			*reply_r = g_strdup_printf("certificate of %s not trusted: %s", s->host,
			                           s->errbuf[0] ? s->errbuf : curl_easy_strerror(rc));
		else if (res == CH_SEND_OK)
			*reply_r = g_strdup(s->last_line ? s->last_line : "250");
		else if (s->last_error != NULL)
			*reply_r = g_strdup(s->last_error);
		else
			*reply_r = g_strdup_printf("%s", s->errbuf[0] ? s->errbuf
			                                              : curl_easy_strerror(rc));
	}
	return res;
}

/* ---- the outbound contract (transport.h) ------------------------------------------------ */

static gpointer transport_open(const ChConfig *cfg, GError **error)
{
	return ch_smtp_new(&cfg->smtp, error);
}

static ChSendResult transport_send(gpointer self, const ChOutMail *m, char **reply_r)
{
	gsize len;
	const guint8 *data = g_bytes_get_data(m->wire, &len);
	return ch_smtp_send(self, m->from, m->rcpt, data, len, reply_r);
}

static void transport_close(gpointer self)
{
	ch_smtp_free(self);
}

const ChTransportOps ch_smtp_transport = {
	.name = "smtp",
	.open = transport_open,
	.send = transport_send,
	.close = transport_close,
};
