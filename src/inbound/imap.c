/* imap: the shared mailbox over IMAP (libetpan 1.9.4, GnuTLS build). See imap.h.
 *
 * One ChImap is one connection, opened lazily by a sweep and dropped on any stream or parse
 * error: after either, libetpan's reader may be out of step with the server, and the only
 * safe state is a new connection (next sweep). Answers the server refuses (NO/BAD) keep it.
 *
 * Order of a connection, and why:
 *   connect (TLS, or plain then STARTTLS)  -> verify chain and name   libetpan does neither
 *   -> CAPABILITY again                      cached ones from before TLS must not be trusted
 *   -> LOGIN / AUTHENTICATE XOAUTH2          only now may a secret cross the wire
 *   -> CAPABILITY again                      servers add MOVE, UIDPLUS, IDLE after login
 */
#include "inbound/imap.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <libetpan/libetpan.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdarg.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "app/service.h"
#include "inbound/driver.h"
#include "store/mailbox.h"
#include "util/crashpoint.h"
#include "util/durable.h"
#include "util/error.h"
#include "util/mapped.h"
#include "util/tls.h"

/* RFC 2177: servers may drop an IDLE after 30 minutes; start a new one well before. */
#define IDLE_MAX_S (25 * 60)
#define SLICE_MS 250

struct ChImap {
	/* From the configuration, copied: the caller's ChConfig may go first. */
	char *host;
	guint16 port;
	gboolean implicit_tls;
	char *url_error; /* a URL we cannot use: every sweep says so */
	char *user;
	char *password_file;
	char *token_file;
	char *token_command;
	char *ca_file;
	gboolean starttls;
	gboolean idle;
	char *mailbox;
	char *processed;
	char *quarantine;
	guint timeout;
	gsize max_size;
	ChImapState state;
	volatile gint *stop; /* the service's stop flag, or NULL: a sweep ends between messages */
	char *piece_dir;     /* where large messages are fetched in pieces to, or NULL */
	gsize piece_over;    /* larger than this: in pieces */
	gsize piece;         /* bytes asked for at a time */
	struct Piece *ready; /* a large message fetched ahead (prefetch_run), until handled */
	volatile gint *wake; /* ends a wait early, or NULL (ch_imap_set_wake) */

	/* The connection. */
	mailimap *imap; /* NULL while disconnected */
	gboolean selected;
	guint32 uidvalidity;
	gboolean can_move;
	gboolean can_uidplus;
	gboolean can_idle;
	gboolean have_processed; /* the folder is known to exist */
	gboolean have_quarantine;
	gboolean warned_no_uidplus;
	GArray *to_processed; /* UIDs intake answered DONE for, not yet moved (flush_moves) */
	gint64 batch_since;   /* monotonic time of the first of them, 0 when none */
	GArray *to_quarantine; /* and QUARANTINE */
	guint left;      /* messages the last sweep left in the mailbox on purpose */
	guint idle_failures; /* IDLE refused to start this many times in a row */

	char *token; /* the last token the command printed, reused until refused */
};

/* ---- errors ---------------------------------------------------------------------------- */

/* Results that mean the stream can no longer be trusted to be in step with the server. */
static gboolean broken(int r)
{
	switch (r) {
	case MAILIMAP_ERROR_STREAM:
	case MAILIMAP_ERROR_PARSE:
	case MAILIMAP_ERROR_FATAL:
	case MAILIMAP_ERROR_MEMORY:
	case MAILIMAP_ERROR_PROTOCOL:
	case MAILIMAP_ERROR_BAD_STATE:
	case MAILIMAP_ERROR_SSL:
	case MAILIMAP_ERROR_CONNECTION_REFUSED:
	case MAILIMAP_ERROR_DONT_ACCEPT_CONNECTION:
		return TRUE;
	default:
		return FALSE;
	}
}

static const char *describe(mailimap *imap, int r)
{
	switch (r) {
	case MAILIMAP_ERROR_STREAM:
		return "connection lost or timed out";
	case MAILIMAP_ERROR_PARSE:
		return "unreadable reply from the server";
	case MAILIMAP_ERROR_FATAL:
		return "the server ended the session";
	case MAILIMAP_ERROR_MEMORY:
		return "out of memory";
	case MAILIMAP_ERROR_PROTOCOL:
		return "protocol error";
	case MAILIMAP_ERROR_BAD_STATE:
		return "command not allowed in this state";
	case MAILIMAP_ERROR_SSL:
		return "TLS handshake failed";
	case MAILIMAP_ERROR_CONNECTION_REFUSED:
		return "cannot connect";
	case MAILIMAP_ERROR_DONT_ACCEPT_CONNECTION:
		return "the server refused the connection";
	default:
		if (imap != NULL && imap->imap_response != NULL && *imap->imap_response != '\0')
			return imap->imap_response;
		return "refused by the server";
	}
}

static void disconnect(ChImap *m)
{
	if (m->imap == NULL)
		return;
	mailimap_free(m->imap); /* closes the stream; no LOGOUT on a connection we distrust */
	m->imap = NULL;
	m->selected = FALSE;
	m->have_processed = m->have_quarantine = FALSE;
}

/* Sets *error for libetpan result r. A broken connection is dropped and the error is
 * TEMPORARY; a refusal keeps the connection and gets `code`. Returns FALSE. */
G_GNUC_PRINTF(5, 6)
static gboolean fail(ChImap *m, int r, int code, GError **error, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	g_autofree char *what = g_strdup_vprintf(fmt, ap);
	va_end(ap);
	gboolean lost = broken(r);
	g_set_error(error, CH_ERROR, lost ? CH_ERROR_TEMPORARY : code, "%s: %s", what,
	            describe(m->imap, r));
	if (lost)
		disconnect(m);
	return FALSE;
}

/* ---- connecting ------------------------------------------------------------------------ */

/* libetpan 1.9.4 reads a literal in a loop that ends only when all its bytes have come: if
 * the server closes the connection halfway through a message, read() returns 0 for ever and
 * the loop spins at full CPU (seen here with a scripted server). The stream's driver table
 * is public (mailstream_types.h), so each connection's driver is wrapped in one whose read
 * turns end-of-file into an error, which every caller of it already handles. In IMAP an end
 * of stream in the middle of a response is always an error. */
typedef struct {
	mailstream_low_driver driver; /* first: the stream sees only this */
	mailstream_low_driver *orig;
} EofDriver;

static ssize_t eof_read(mailstream_low *low, void *buf, size_t count)
{
	const EofDriver *d = (const EofDriver *)low->driver;
	ssize_t n = d->orig->mailstream_read(low, buf, count);
	return n == 0 && count > 0 ? -1 : n;
}

/* One wrapper per libetpan driver (socket, TLS), made once and kept for the process. */
static void wrap_eof(mailimap *imap)
{
	static GMutex lock;
	static GSList *wrappers;
	mailstream_low *low = imap->imap_stream ? mailstream_get_low(imap->imap_stream) : NULL;
	if (low == NULL || low->driver == NULL || low->driver->mailstream_read == eof_read)
		return;
	g_mutex_lock(&lock);
	EofDriver *w = NULL;
	for (GSList *l = wrappers; l != NULL; l = l->next)
		if (((EofDriver *)l->data)->orig == low->driver)
			w = l->data;
	if (w == NULL) {
		w = g_new0(EofDriver, 1);
		w->driver = *low->driver;
		w->driver.mailstream_read = eof_read;
		w->orig = low->driver;
		wrappers = g_slist_prepend(wrappers, w);
	}
	g_mutex_unlock(&lock);
	low->driver = &w->driver;
}

static void tls_setup(struct mailstream_ssl_context *ctx, void *data)
{
	ChImap *m = data;
	/* SNI carries host names only (RFC 6066); servers with several certificates need it. */
	if (!g_hostname_is_ip_address(m->host))
		mailstream_ssl_set_server_name(ctx, m->host);
}

/* libetpan 1.9.4 sets no keepalive: without it a half-open connection sits in IDLE until
 * the 25-minute renewal. With it the kernel notices a dead peer in about two minutes. */
static void set_keepalive(mailimap *imap)
{
	int fd = mailstream_low_get_fd(mailstream_get_low(imap->imap_stream));
	if (fd < 0)
		return;
	int on = 1, idle = 60, intvl = 10, cnt = 6;
	(void)setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &on, sizeof on);
	(void)setsockopt(fd, IPPROTO_TCP, TCP_KEEPIDLE, &idle, sizeof idle);
	(void)setsockopt(fd, IPPROTO_TCP, TCP_KEEPINTVL, &intvl, sizeof intvl);
	(void)setsockopt(fd, IPPROTO_TCP, TCP_KEEPCNT, &cnt, sizeof cnt);
}

/* CAPABILITY, so that libetpan's cached list is the server's current one. */
static gboolean refresh_capabilities(ChImap *m, GError **error)
{
	struct mailimap_capability_data *caps = NULL;
	int r = mailimap_capability(m->imap, &caps);
	if (caps != NULL)
		mailimap_capability_data_free(caps);
	if (r != MAILIMAP_NO_ERROR)
		return fail(m, r, CH_ERROR_TEMPORARY, error, "CAPABILITY on %s", m->host);
	return TRUE;
}

static gboolean verify_peer(ChImap *m, GError **error)
{
	if (ch_tls_verify_mailstream(m->imap->imap_stream, m->host, m->ca_file, error))
		return TRUE;
	disconnect(m);
	return FALSE;
}

static gboolean use_oauth2(const ChImap *m)
{
	return m->token_command != NULL || m->token_file != NULL;
}

/* The token: the command's cached one unless `fresh`; a token file is read every time, as
 * whatever renews it writes it in place. */
static char *get_token(ChImap *m, gboolean fresh, GError **error)
{
	if (m->token_command == NULL)
		return ch_config_read_secret(m->token_file, NULL, error);
	if (fresh || m->token == NULL) {
		char *t = ch_config_read_secret(NULL, m->token_command, error);
		if (t == NULL)
			return NULL;
		if (m->token != NULL)
			explicit_bzero(m->token, strlen(m->token));
		g_free(m->token);
		m->token = t;
	}
	return g_strdup(m->token);
}

static void forget_secret(char *s)
{
	if (s != NULL) {
		explicit_bzero(s, strlen(s));
		g_free(s);
	}
}

/* A refused login: RFC 5530's UNAVAILABLE says the server's back end is down (try later);
 * anything else is the credentials, which a person must fix. */
static gboolean login_refused(ChImap *m, int r, GError **error, const char *how)
{
	if (r == MAILIMAP_ERROR_LOGIN && m->imap->imap_response_info != NULL &&
	    m->imap->imap_response_info->rsp_atom != NULL &&
	    g_ascii_strcasecmp(m->imap->imap_response_info->rsp_atom, "UNAVAILABLE") == 0)
		return fail(m, r, CH_ERROR_TEMPORARY, error, "%s as %s on %s", how, m->user,
		            m->host);
	return fail(m, r, CH_ERROR_CONFIG, error, "%s as %s on %s refused", how, m->user,
	            m->host);
}

static gboolean login(ChImap *m, GError **error)
{
	int r;
	if (m->user == NULL) {
		disconnect(m);
		g_set_error(error, CH_ERROR, CH_ERROR_CONFIG, "imap: no user configured");
		return FALSE;
	}
	if (!use_oauth2(m) && m->password_file == NULL) {
		disconnect(m);
		g_set_error(error, CH_ERROR, CH_ERROR_CONFIG,
		            "imap: user %s has no password_file, oauth2_token_file or "
		            "oauth2_token_command", m->user);
		return FALSE;
	}
	if (!use_oauth2(m)) {
		char *password = ch_config_read_secret(m->password_file, NULL, error);
		if (password == NULL) {
			disconnect(m);
			return FALSE;
		}
		r = mailimap_login(m->imap, m->user, password);
		forget_secret(password);
		if (r != MAILIMAP_NO_ERROR)
			return login_refused(m, r, error, "login");
		return TRUE;
	}

	if (!mailimap_has_xoauth2(m->imap)) {
		g_set_error(error, CH_ERROR, CH_ERROR_CONFIG,
		            "%s does not offer AUTH=XOAUTH2; configure a password_file instead",
		            m->host);
		disconnect(m);
		return FALSE;
	}
	char *token = get_token(m, FALSE, error);
	if (token == NULL) {
		disconnect(m);
		return FALSE;
	}
	r = mailimap_oauth2_authenticate(m->imap, m->user, token);
	forget_secret(token);
	/* Access tokens expire within the hour: one refusal earns one fresh token. */
	if (r == MAILIMAP_ERROR_LOGIN && m->token_command != NULL) {
		g_message("imap: XOAUTH2 login as %s on %s refused; asking the token command for "
		          "a new token", m->user, m->host);
		token = get_token(m, TRUE, error);
		if (token == NULL) {
			disconnect(m);
			return FALSE;
		}
		r = mailimap_oauth2_authenticate(m->imap, m->user, token);
		forget_secret(token);
	}
	if (r != MAILIMAP_NO_ERROR) {
		if (r == MAILIMAP_ERROR_LOGIN)
			forget_secret(g_steal_pointer(&m->token));
		return login_refused(m, r, error, "XOAUTH2 login");
	}
	return TRUE;
}

static gboolean imap_connect(ChImap *m, GError **error)
{
	if (m->url_error != NULL) {
		g_set_error_literal(error, CH_ERROR, CH_ERROR_CONFIG, m->url_error);
		return FALSE;
	}
	m->imap = mailimap_new(0, NULL);
	if (m->imap == NULL) {
		g_set_error(error, CH_ERROR, CH_ERROR_TEMPORARY, "imap: out of memory");
		return FALSE;
	}
	/* Before connect: libetpan copies it into the stream it makes there. */
	mailimap_set_timeout(m->imap, m->timeout);

	int r;
	if (m->implicit_tls)
		r = mailimap_ssl_connect_with_callback(m->imap, m->host, m->port, tls_setup, m);
	else
		r = mailimap_socket_connect(m->imap, m->host, m->port);
	/* Success is 1 (PREAUTH greeting) or 2 (OK greeting), never 0. */
	if (r != MAILIMAP_NO_ERROR_AUTHENTICATED && r != MAILIMAP_NO_ERROR_NON_AUTHENTICATED) {
		g_set_error(error, CH_ERROR, CH_ERROR_TEMPORARY, "imap: %s:%u: %s", m->host,
		            m->port, describe(NULL, r));
		disconnect(m);
		return FALSE;
	}
	set_keepalive(m->imap);
	wrap_eof(m->imap);

	if (m->implicit_tls) {
		if (!verify_peer(m, error))
			return FALSE;
	} else if (m->starttls) {
		if (!mailimap_has_extension(m->imap, "STARTTLS") && !refresh_capabilities(m, error))
			return FALSE;
		if (!mailimap_has_extension(m->imap, "STARTTLS")) {
			g_set_error(error, CH_ERROR, CH_ERROR_CONFIG,
			            "%s:%u does not offer STARTTLS; not logging in without TLS",
			            m->host, m->port);
			disconnect(m);
			return FALSE;
		}
		r = mailimap_socket_starttls_with_callback(m->imap, tls_setup, m);
		if (r != MAILIMAP_NO_ERROR)
			return fail(m, r, CH_ERROR_CONFIG, error, "STARTTLS with %s:%u", m->host,
			            m->port);
		wrap_eof(m->imap); /* a new stream, with the TLS driver */
		if (!verify_peer(m, error))
			return FALSE;
		/* What was said before TLS may have been forged: ask again (RFC 3501 6.2.1). */
		if (!refresh_capabilities(m, error))
			return FALSE;
	}
	if ((m->imap->imap_connection_info == NULL ||
	     m->imap->imap_connection_info->imap_capability == NULL) &&
	    !refresh_capabilities(m, error))
		return FALSE;
	if (!login(m, error))
		return FALSE;
	if (!refresh_capabilities(m, error))
		return FALSE;
	m->can_move = mailimap_has_extension(m->imap, "MOVE");
	m->can_uidplus = mailimap_has_extension(m->imap, "UIDPLUS");
	m->can_idle = mailimap_has_idle(m->imap);
	g_info("imap: logged in to %s:%u as %s%s%s%s", m->host, m->port, m->user,
	       m->can_move ? ", MOVE" : "", m->can_uidplus ? ", UIDPLUS" : "",
	       m->can_idle ? ", IDLE" : "");
	return TRUE;
}

/* ---- the public part ------------------------------------------------------------------- */

void ch_imap_set_stop(ChImap *m, volatile gint *stop)
{
	m->stop = stop;
}

void ch_imap_set_pieces(ChImap *m, const char *dir, gsize piece_over, gsize piece)
{
	g_free(m->piece_dir);
	m->piece_dir = g_strdup(dir);
	m->piece_over = piece_over;
	m->piece = MAX(piece, 1);
}

void ch_imap_set_wake(ChImap *m, volatile gint *wake)
{
	m->wake = wake;
}

ChImap *ch_imap_new(const ChImapConfig *cfg, gsize max_message_size, const ChImapState *state)
{
	ChImap *m = g_new0(ChImap, 1);
	m->user = g_strdup(cfg->user);
	m->password_file = g_strdup(cfg->password_file);
	m->token_file = cfg->oauth2_token_file && *cfg->oauth2_token_file
	                        ? g_strdup(cfg->oauth2_token_file) : NULL;
	m->token_command = cfg->oauth2_token_command && *cfg->oauth2_token_command
	                           ? g_strdup(cfg->oauth2_token_command) : NULL;
	m->ca_file = cfg->ca_file && *cfg->ca_file ? g_strdup(cfg->ca_file) : NULL;
	m->starttls = cfg->starttls;
	m->idle = cfg->idle;
	m->mailbox = g_strdup(cfg->mailbox ? cfg->mailbox : "INBOX");
	m->processed = g_strdup(cfg->processed ? cfg->processed : "Processed");
	m->quarantine = g_strdup(cfg->quarantine ? cfg->quarantine : "Quarantine");
	m->timeout = cfg->timeout ? cfg->timeout : 60;
	m->max_size = max_message_size;
	m->to_processed = g_array_new(FALSE, FALSE, sizeof(guint32));
	m->to_quarantine = g_array_new(FALSE, FALSE, sizeof(guint32));
	if (state != NULL)
		m->state = *state;

	GError *e = NULL;
	GUri *uri = cfg->url ? g_uri_parse(cfg->url, G_URI_FLAGS_NONE, &e) : NULL;
	const char *scheme = uri ? g_uri_get_scheme(uri) : NULL;
	if (uri == NULL) {
		m->url_error = g_strdup_printf("imap: url '%s' is not a URL%s%s",
		                               cfg->url ? cfg->url : "", e ? ": " : "",
		                               e ? e->message : "");
	} else if (g_ascii_strcasecmp(scheme, "imaps") != 0 &&
	           g_ascii_strcasecmp(scheme, "imap") != 0) {
		m->url_error = g_strdup_printf("imap: url '%s' must start imaps:// or imap://",
		                               cfg->url);
	} else if (g_uri_get_host(uri) == NULL || *g_uri_get_host(uri) == '\0') {
		m->url_error = g_strdup_printf("imap: url '%s' names no host", cfg->url);
	} else {
		m->implicit_tls = g_ascii_strcasecmp(scheme, "imaps") == 0;
		m->host = g_strdup(g_uri_get_host(uri));
		int port = g_uri_get_port(uri);
		m->port = port > 0 ? (guint16)port : m->implicit_tls ? 993 : 143;
	}
	g_clear_error(&e);
	if (uri != NULL)
		g_uri_unref(uri);
	if (m->host == NULL)
		m->host = g_strdup("(none)");
	return m;
}

void ch_imap_free(ChImap *m)
{
	if (m == NULL)
		return;
	if (m->imap != NULL)
		(void)mailimap_logout(m->imap); /* polite, and harmless if it fails */
	disconnect(m);
	forget_secret(m->token);
	g_free(m->host), g_free(m->url_error), g_free(m->user), g_free(m->password_file);
	g_free(m->token_file), g_free(m->token_command), g_free(m->ca_file);
	g_free(m->mailbox), g_free(m->processed), g_free(m->quarantine), g_free(m->piece_dir);
	g_array_free(m->to_processed, TRUE), g_array_free(m->to_quarantine, TRUE);
	g_free(m);
}

/* ---- the sweep ------------------------------------------------------------------------- */

/* Creates `name` unless LIST shows it; once per connection. */
static gboolean ensure_folder(ChImap *m, const char *name, gboolean *known, GError **error)
{
	if (*known)
		return TRUE;
	clist *list = NULL;
	int r = mailimap_list(m->imap, "", name, &list);
	gboolean found = r == MAILIMAP_NO_ERROR && list != NULL && clist_count(list) > 0;
	if (list != NULL)
		mailimap_list_result_free(list);
	if (r != MAILIMAP_NO_ERROR)
		return fail(m, r, CH_ERROR_TEMPORARY, error, "LIST %s", name);
	if (!found) {
		r = mailimap_create(m->imap, name);
		if (r != MAILIMAP_NO_ERROR) {
			/* Someone else may have made it meanwhile: look once more. */
			if (broken(r))
				return fail(m, r, CH_ERROR_TEMPORARY, error, "CREATE %s", name);
			list = NULL;
			int r2 = mailimap_list(m->imap, "", name, &list);
			found = r2 == MAILIMAP_NO_ERROR && list != NULL && clist_count(list) > 0;
			if (list != NULL)
				mailimap_list_result_free(list);
			if (!found)
				return fail(m, r, CH_ERROR_CONFIG, error, "cannot create folder %s on %s",
				            name, m->host);
		} else {
			g_message("imap: created folder %s on %s", name, m->host);
		}
	}
	*known = TRUE;
	return TRUE;
}

/* Ranges per command when a UID set is sent: a set of n ranges is up to 22n bytes on the
 * command line, and servers cap a line (Dovecot's imap_max_line_length is 64 KB). A mailbox
 * whose UIDs are contiguous is one range whatever its size. */
#define SET_MAX_RANGES 1000

/* Builds UID sets from ascending uids[from..n), at most SET_MAX_RANGES ranges each; *next is
 * where the next set starts. */
static struct mailimap_set *uid_set(const guint32 *uids, guint from, guint n, guint *next)
{
	struct mailimap_set *set = mailimap_set_new_empty();
	guint i = from, ranges = 0;
	while (i < n && ranges < SET_MAX_RANGES) {
		guint j = i;
		while (j + 1 < n && uids[j + 1] == uids[j] + 1)
			j++;
		mailimap_set_add_interval(set, uids[i], uids[j]);
		ranges++;
		i = j + 1;
	}
	*next = i;
	return set;
}

/* Moves these UIDs (ascending) out of the mailbox: one UID MOVE per set, not one per
 * message. On a Maildir, Dovecot rereads the whole cur/ folder after each change, so moving
 * one message at a time made a backlog of n messages cost n squared. Without MOVE: one UID
 * COPY, one UID STORE +FLAGS (\Deleted) and one UID EXPUNGE of the same set. A plain EXPUNGE
 * would also remove what another client flagged \Deleted; without UIDPLUS the messages stay
 * flagged, and the sweep's UNDELETED search skips them. */
static gboolean move_uids(ChImap *m, GArray *uids, const char *folder, gboolean *known,
                          GError **error)
{
	if (uids->len == 0)
		return TRUE;
	if (!ensure_folder(m, folder, known, error))
		return FALSE;
	const guint32 *u = (const guint32 *)uids->data;
	for (guint i = 0; i < uids->len;) {
		guint next = 0;
		struct mailimap_set *set = uid_set(u, i, uids->len, &next);
		guint32 first = u[i], last = u[next - 1];
		i = next;
		int r;
		gboolean ok = FALSE;
		if (m->can_move) {
			r = mailimap_uid_move(m->imap, set, folder);
			if (r != MAILIMAP_NO_ERROR) {
				*known = FALSE; /* a vanished folder is made again next time */
				fail(m, r, CH_ERROR_TEMPORARY, error, "UID MOVE %u:%u from %s to %s", first,
				     last, m->mailbox, folder);
				goto out;
			}
		} else {
			r = mailimap_uid_copy(m->imap, set, folder);
			if (r != MAILIMAP_NO_ERROR) {
				*known = FALSE;
				fail(m, r, CH_ERROR_TEMPORARY, error, "UID COPY %u:%u from %s to %s", first,
				     last, m->mailbox, folder);
				goto out;
			}
			struct mailimap_flag_list *flags = mailimap_flag_list_new_empty();
			mailimap_flag_list_add(flags, mailimap_flag_new_deleted());
			struct mailimap_store_att_flags *att =
				mailimap_store_att_flags_new_add_flags_silent(flags);
			r = mailimap_uid_store(m->imap, set, att);
			mailimap_store_att_flags_free(att);
			if (r != MAILIMAP_NO_ERROR) {
				fail(m, r, CH_ERROR_TEMPORARY, error,
				     "UID STORE %u:%u +FLAGS (\\Deleted) in %s", first, last, m->mailbox);
				goto out;
			}
			if (m->can_uidplus) {
				r = mailimap_uid_expunge(m->imap, set);
				if (r != MAILIMAP_NO_ERROR) {
					fail(m, r, CH_ERROR_TEMPORARY, error, "UID EXPUNGE %u:%u in %s", first,
					     last, m->mailbox);
					goto out;
				}
			} else if (!m->warned_no_uidplus) {
				m->warned_no_uidplus = TRUE;
				g_warning("imap: %s offers neither MOVE nor UIDPLUS: handled mail stays in %s "
				          "flagged \\Deleted until another client expunges it", m->host,
				          m->mailbox);
			}
		}
		ok = TRUE;
	out:
		mailimap_set_free(set);
		if (!ok)
			return FALSE;
	}
	return TRUE;
}

/* Messages intake has answered for but that are still in the mailbox, moved in batches.
 *
 * Why the move may wait for later messages: intake's answer is recorded in the store before
 * the move, by the commit of its own transaction or, when the reader commits for many
 * messages at once (state.commit: intake's batch), by that commit, which comes first here.
 * A message whose fingerprint the store holds is answered again at once, without effect
 * (ch_intake_message: "known"; an oversized one by its place, ch_intake_oversized). So a
 * crash, a lost connection or a refused MOVE anywhere between a commit and its batch's move
 * leaves only handled messages in the inbox: the next sweep finds them, intake answers DONE
 * or QUARANTINE from the store, and they are moved then. A crash before the commit leaves
 * messages whose effect was never recorded: read again, as new. A commit that fails moves
 * nothing. Nothing is lost (the move comes only after the commit), nothing is handled twice
 * (the fingerprint). A batch is committed and moved when it holds CH_DRIVER_BATCH messages
 * or has been open CH_DRIVER_BATCH_MS (driver.h), and whatever is pending when the sweep
 * ends or stops, so that a long backlog empties steadily and a person looking at the inbox
 * sees handled mail go within a batch's time. */

static gboolean flush_moves(ChImap *m, GError **error)
{
	m->batch_since = 0;
	if (m->state.commit != NULL && !m->state.commit(m->state.data, error)) {
		/* Not recorded: they stay in the inbox and are read again as new. */
		g_array_set_size(m->to_processed, 0);
		g_array_set_size(m->to_quarantine, 0);
		return FALSE;
	}
	if (m->to_processed->len == 0 && m->to_quarantine->len == 0)
		return TRUE;
	/* A test kills chaser here: every message of the batch committed, none moved. */
	ch_crashpoint("imap.before-move");
	gboolean ok = move_uids(m, m->to_processed, m->processed, &m->have_processed, error);
	if (ok)
		g_info("imap: %u message%s moved from %s to %s", m->to_processed->len,
		       m->to_processed->len == 1 ? "" : "s", m->mailbox, m->processed);
	if (ok && m->to_quarantine->len > 0) {
		ok = move_uids(m, m->to_quarantine, m->quarantine, &m->have_quarantine, error);
		if (ok)
			g_info("imap: %u message%s moved from %s to %s", m->to_quarantine->len,
			       m->to_quarantine->len == 1 ? "" : "s", m->mailbox, m->quarantine);
	}
	/* Moved or not, they are no longer ours to move: a failure leaves them in the inbox,
	 * where the next sweep finds them by fingerprint. */
	g_array_set_size(m->to_processed, 0);
	g_array_set_size(m->to_quarantine, 0);
	return ok;
}

/* Moves what is pending when a sweep stops early, keeping the sweep's own error: a move
 * that fails too is only logged (those messages wait for the next sweep). */
static void flush_moves_anyway(ChImap *m)
{
	if (m->imap == NULL) {
		g_array_set_size(m->to_processed, 0);
		g_array_set_size(m->to_quarantine, 0);
		return;
	}
	GError *e = NULL;
	if (!flush_moves(m, &e)) {
		g_message("imap: handled mail left in %s for the next sweep: %s", m->mailbox,
		          e->message);
		g_error_free(e);
	}
}

/* UID SEARCH UNDELETED: the mailbox holds only what is not yet handled. Ascending. */
static gboolean search_uids(ChImap *m, GArray *uids, GError **error)
{
	struct mailimap_search_key *key = mailimap_search_key_new(
		MAILIMAP_SEARCH_KEY_UNDELETED, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
		NULL, NULL, NULL, NULL, NULL, 0, NULL, NULL, NULL, NULL, NULL, NULL, 0, NULL, NULL,
		NULL);
	clist *result = NULL;
	int r = mailimap_uid_search(m->imap, NULL, key, &result);
	mailimap_search_key_free(key);
	if (r != MAILIMAP_NO_ERROR) {
		if (result != NULL)
			mailimap_search_result_free(result);
		return fail(m, r, CH_ERROR_TEMPORARY, error, "UID SEARCH in %s", m->mailbox);
	}
	for (clistiter *c = clist_begin(result); c != NULL; c = clist_next(c)) {
		guint32 uid = *(uint32_t *)clist_content(c);
		g_array_append_val(uids, uid);
	}
	mailimap_search_result_free(result);
	return TRUE;
}

typedef struct {
	gboolean found;
	guint32 size;
	gboolean has_size;
	const char *body; /* points into the libetpan result */
	gsize body_len;
	gboolean has_body;
} Fetched;

/* Reads the items of the FETCH response for `uid`; unsolicited FETCH responses about other
 * messages (flag changes by other clients) are skipped. */
static void read_fetch(clist *result, guint32 uid, Fetched *f)
{
	memset(f, 0, sizeof *f);
	for (clistiter *c = clist_begin(result); c != NULL; c = clist_next(c)) {
		struct mailimap_msg_att *att = clist_content(c);
		Fetched one = { 0 };
		guint32 got_uid = 0;
		for (clistiter *i = clist_begin(att->att_list); i != NULL; i = clist_next(i)) {
			struct mailimap_msg_att_item *item = clist_content(i);
			if (item->att_type != MAILIMAP_MSG_ATT_ITEM_STATIC)
				continue;
			struct mailimap_msg_att_static *s = item->att_data.att_static;
			switch (s->att_type) {
			case MAILIMAP_MSG_ATT_UID:
				got_uid = s->att_data.att_uid;
				break;
			case MAILIMAP_MSG_ATT_RFC822_SIZE:
				one.size = s->att_data.att_rfc822_size;
				one.has_size = TRUE;
				break;
			case MAILIMAP_MSG_ATT_BODY_SECTION:
				if (s->att_data.att_body_section != NULL) {
					one.body = s->att_data.att_body_section->sec_body_part;
					one.body_len = s->att_data.att_body_section->sec_length;
					one.has_body = TRUE;
				}
				break;
			default:
				break;
			}
		}
		if (got_uid == uid) {
			one.found = TRUE;
			*f = one;
		}
	}
}

/* UID FETCH uid (UID BODY.PEEK[]): the whole message, and \Seen stays as it was for the
 * humans. */
static gboolean fetch_body(ChImap *m, guint32 uid, clist **result, GError **error)
{
	struct mailimap_fetch_type *ft = mailimap_fetch_type_new_fetch_att_list_empty();
	mailimap_fetch_type_new_fetch_att_list_add(ft, mailimap_fetch_att_new_uid());
	mailimap_fetch_type_new_fetch_att_list_add(
		ft, mailimap_fetch_att_new_body_peek_section(mailimap_section_new(NULL)));
	struct mailimap_set *set = mailimap_set_new_single(uid);
	*result = NULL;
	int r = mailimap_uid_fetch(m->imap, set, ft, result);
	mailimap_set_free(set);
	mailimap_fetch_type_free(ft);
	if (r != MAILIMAP_NO_ERROR) {
		if (*result != NULL)
			mailimap_fetch_list_free(*result);
		*result = NULL;
		return fail(m, r, CH_ERROR_TEMPORARY, error, "UID FETCH %u in %s", uid, m->mailbox);
	}
	return TRUE;
}

/* Bodies of small messages are asked for together: one UID FETCH (UID BODY.PEEK[]) over up
 * to BODY_BATCH UIDs whose sizes add up to at most BODY_BATCH_BYTES, so that a backlog costs
 * one round trip per batch, not per message. The answer is held until every message of it
 * has been through intake (each still one at a time, each committed before its move), so
 * the bytes cap is what this costs in memory: libetpan keeps the whole answer. A message
 * larger than the cap is fetched alone, as before. */
#define BODY_BATCH 50
#define BODY_BATCH_BYTES (512 * 1024)

/* The FETCH itself: libetpan's answer, *result set only when it is MAILIMAP_NO_ERROR. */
static int fetch_bodies_now(ChImap *m, const guint32 *uids, guint n, clist **result)
{
	struct mailimap_fetch_type *ft = mailimap_fetch_type_new_fetch_att_list_empty();
	mailimap_fetch_type_new_fetch_att_list_add(ft, mailimap_fetch_att_new_uid());
	mailimap_fetch_type_new_fetch_att_list_add(
		ft, mailimap_fetch_att_new_body_peek_section(mailimap_section_new(NULL)));
	guint next = 0;
	struct mailimap_set *set = uid_set(uids, 0, n, &next); /* n < SET_MAX_RANGES: one set */
	*result = NULL;
	int r = mailimap_uid_fetch(m->imap, set, ft, result);
	mailimap_set_free(set);
	mailimap_fetch_type_free(ft);
	if (r != MAILIMAP_NO_ERROR && *result != NULL) {
		mailimap_fetch_list_free(*result);
		*result = NULL;
	}
	return r;
}

static gboolean fetch_failed(ChImap *m, int r, const guint32 *uids, guint n, GError **error)
{
	return fail(m, r, CH_ERROR_TEMPORARY, error, "UID FETCH %u:%u in %s", uids[0],
	            uids[n - 1], m->mailbox);
}

static gboolean fetch_bodies(ChImap *m, const guint32 *uids, guint n, clist **result,
                             GError **error)
{
	int r = fetch_bodies_now(m, uids, n, result);
	return r == MAILIMAP_NO_ERROR || fetch_failed(m, r, uids, n, error);
}

/* RFC822.SIZE of every UID of the sweep, in one UID FETCH over the set (one per
 * SET_MAX_RANGES ranges), instead of one round trip per message. sizes: uid -> size + 1
 * (0 is "absent"); a UID missing from the answer is gone (another client moved it). */
static gboolean fetch_sizes(ChImap *m, GArray *uids, GHashTable *sizes, GError **error)
{
	const guint32 *u = (const guint32 *)uids->data;
	for (guint i = 0; i < uids->len;) {
		guint next = 0;
		struct mailimap_set *set = uid_set(u, i, uids->len, &next);
		struct mailimap_fetch_type *ft = mailimap_fetch_type_new_fetch_att_list_empty();
		mailimap_fetch_type_new_fetch_att_list_add(ft, mailimap_fetch_att_new_uid());
		mailimap_fetch_type_new_fetch_att_list_add(ft, mailimap_fetch_att_new_rfc822_size());
		clist *result = NULL;
		int r = mailimap_uid_fetch(m->imap, set, ft, &result);
		mailimap_set_free(set);
		mailimap_fetch_type_free(ft);
		if (r != MAILIMAP_NO_ERROR) {
			if (result != NULL)
				mailimap_fetch_list_free(result);
			return fail(m, r, CH_ERROR_TEMPORARY, error, "UID FETCH %u:%u (RFC822.SIZE) in %s",
			            u[i], u[next - 1], m->mailbox);
		}
		for (clistiter *c = clist_begin(result); c != NULL; c = clist_next(c)) {
			struct mailimap_msg_att *att = clist_content(c);
			guint32 uid = 0, size = 0;
			gboolean has_size = FALSE;
			for (clistiter *it = clist_begin(att->att_list); it != NULL; it = clist_next(it)) {
				struct mailimap_msg_att_item *item = clist_content(it);
				if (item->att_type != MAILIMAP_MSG_ATT_ITEM_STATIC)
					continue;
				struct mailimap_msg_att_static *st = item->att_data.att_static;
				if (st->att_type == MAILIMAP_MSG_ATT_UID)
					uid = st->att_data.att_uid;
				else if (st->att_type == MAILIMAP_MSG_ATT_RFC822_SIZE) {
					size = st->att_data.att_rfc822_size;
					has_size = TRUE;
				}
			}
			/* Unsolicited FETCH responses (flag changes by others) carry no size. */
			if (uid != 0 && has_size)
				g_hash_table_insert(sizes, GUINT_TO_POINTER(uid),
				                    GSIZE_TO_POINTER((gsize)size + 1));
		}
		mailimap_fetch_list_free(result);
		i = next;
	}
	return TRUE;
}

/* ---- large messages, in pieces ----
 *
 * libetpan 1.9.4 reads a literal whole into memory (its buffer grown by doubling) and keeps it
 * until the result is freed, after intake: a 35 MB message cost 64 MB there alone. So a large
 * message is asked for in ranges (RFC 3501 6.4.5, BODY.PEEK[]<offset.length>, \Seen left as it
 * is), each appended to a file in the spool and freed before the next is asked: libetpan
 * holds one piece. The file's length must come out as RFC822.SIZE said: a server that sends
 * fewer bytes than asked before the end, or more in all, has not given us this message, and it
 * is left in the mailbox for the next sweep rather than handed over cut. */

typedef enum {
	PIECES_OK,
	PIECES_LEFT,   /* not all of it came, or the disk refused it: left for the next sweep */
	PIECES_GONE,   /* the server no longer has the message */
	PIECES_FAILED, /* the connection: *error set, the sweep stops */
} Pieces;

static gboolean fetch_piece(ChImap *m, guint32 uid, guint32 offset, guint32 length,
                            clist **result, GError **error)
{
	struct mailimap_fetch_type *ft = mailimap_fetch_type_new_fetch_att_list_empty();
	mailimap_fetch_type_new_fetch_att_list_add(ft, mailimap_fetch_att_new_uid());
	mailimap_fetch_type_new_fetch_att_list_add(
		ft, mailimap_fetch_att_new_body_peek_section_partial(mailimap_section_new(NULL), offset,
		                                                     length));
	struct mailimap_set *set = mailimap_set_new_single(uid);
	*result = NULL;
	int r = mailimap_uid_fetch(m->imap, set, ft, result);
	mailimap_set_free(set);
	mailimap_fetch_type_free(ft);
	if (r != MAILIMAP_NO_ERROR) {
		if (*result != NULL)
			mailimap_fetch_list_free(*result);
		*result = NULL;
		return fail(m, r, CH_ERROR_TEMPORARY, error, "UID FETCH %u (BODY.PEEK[]<%u.%u>) in %s",
		            uid, offset, length, m->mailbox);
	}
	return TRUE;
}

/* The message `uid` of `size` bytes into a new file in m->piece_dir, synced (the bytes are on
 * disk before intake renames the file into its place, as ch_durable_write does): on PIECES_OK,
 * *fd_r and *tmp_r (g_free) are the file, whose length is size. */
static Pieces fetch_pieces(ChImap *m, guint32 uid, guint32 size, const char *where, int *fd_r,
                           char **tmp_r, GError **error)
{
	GError *e = NULL;
	if (!ch_durable_mkdir(m->piece_dir, 0700, &e)) {
		g_warning("imap: %s left in %s: %s", where, m->mailbox, e->message);
		g_error_free(e);
		return PIECES_LEFT;
	}
	char *tmp = NULL;
	int fd = ch_durable_temp(m->piece_dir, 0600, &tmp, &e);
	if (fd < 0) {
		g_warning("imap: %s left in %s: %s", where, m->mailbox, e->message);
		g_error_free(e);
		return PIECES_LEFT;
	}
	Pieces out = PIECES_OK;
	gsize total = 0;
	const char *why = NULL;
	while (total < size) {
		guint32 ask = (guint32)MIN((gsize)size - total, m->piece);
		clist *result = NULL;
		if (!fetch_piece(m, uid, (guint32)total, ask, &result, error)) {
			out = PIECES_FAILED;
			break;
		}
		Fetched f;
		read_fetch(result, uid, &f);
		gboolean written = f.found && f.has_body &&
		                   ch_write_all(fd, f.body != NULL ? f.body : "", f.body_len);
		int werr = errno;
		mailimap_fetch_list_free(result);
		if (!f.found) {
			out = PIECES_GONE;
			break;
		}
		if (!f.has_body) {
			why = "the server sent no body";
			out = PIECES_LEFT;
			break;
		}
		if (!written) {
			g_warning("imap: %s left in %s: cannot write %s: %s", where, m->mailbox, tmp,
			          g_strerror(werr));
			out = PIECES_LEFT;
			break;
		}
		total += f.body_len;
		/* Fewer than asked means the server's message ended here (RFC 3501 6.4.5). */
		if (f.body_len < ask)
			break;
	}
	if (out == PIECES_OK && total != size) {
		g_warning("imap: %s: the server sent %" G_GSIZE_FORMAT " bytes of the %u its "
		          "RFC822.SIZE says; left in %s for a later sweep",
		          where, total, size, m->mailbox);
		out = PIECES_LEFT;
	} else if (out == PIECES_LEFT && why != NULL) {
		g_warning("imap: %s: %s; left in %s", where, why, m->mailbox);
	}
	if (out == PIECES_OK && fsync(fd) < 0) {
		g_warning("imap: %s left in %s: cannot write %s: %s", where, m->mailbox, tmp,
		          g_strerror(errno));
		out = PIECES_LEFT;
	}
	if (out != PIECES_OK) {
		ch_durable_abandon(fd, tmp);
		g_free(tmp);
		return out;
	}
	*fd_r = fd;
	*tmp_r = tmp;
	return PIECES_OK;
}

/* A large message fetched into a file: by the batch's thread ahead of its turn (prefetch_run)
 * or now, mapped, and told to the reader, which reads it on its second thread. */
typedef struct Piece {
	guint32 uid;
	Pieces out;
	GError *error;      /* PIECES_FAILED: why */
	int fd;             /* PIECES_OK: the file, synced, and its mapping */
	char *tmp;
	const guint8 *map;  /* NULL: it could not be mapped (logged), and is left */
	guint32 size;
} Piece;

static Piece *piece_fetch(ChImap *m, guint32 uid, guint32 size, const char *where)
{
	Piece *p = g_new0(Piece, 1);
	p->uid = uid, p->size = size, p->fd = -1;
	p->out = fetch_pieces(m, uid, size, where, &p->fd, &p->tmp, &p->error);
	if (p->out != PIECES_OK)
		return p;
	GError *e = NULL;
	p->map = ch_mapped_open(p->fd, size, p->tmp, &e);
	if (p->map == NULL) {
		g_warning("imap: %s left in %s: %s", where, m->mailbox, e->message);
		g_error_free(e);
	} else if (m->state.ahead != NULL) {
		m->state.ahead(m->state.data, p, p->map, size, p->tmp);
	}
	return p;
}

/* Done with: the reader's reading of it waited for, the mapping closed, and the file removed
 * (gone already when intake kept it as the raw copy). */
static void piece_free(ChImap *m, Piece *p)
{
	if (p == NULL)
		return;
	if (p->map != NULL) {
		if (m->state.drain != NULL)
			m->state.drain(m->state.data, p);
		ch_mapped_close(p->map, p->size);
	}
	if (p->fd >= 0)
		close(p->fd);
	if (p->tmp != NULL)
		(void)g_unlink(p->tmp);
	g_free(p->tmp);
	g_clear_error(&p->error);
	g_free(p);
}

/* A large message: fetched into a file (or taken as fetched ahead), handed to intake as a
 * mapping of it. FALSE stops the sweep (*error set); *res is intake's answer when *handed. */
static gboolean handle_in_pieces(ChImap *m, guint32 uid, guint32 size, const char *where,
                                 ChIntakeFunc fn, gpointer data, gboolean *handed,
                                 ChIntakeResult *res, GError **ferr, GError **error)
{
	Piece *p = m->ready != NULL && m->ready->uid == uid ? g_steal_pointer(&m->ready)
	                                                     : piece_fetch(m, uid, size, where);
	*handed = FALSE;
	gboolean ok = TRUE;
	switch (p->out) {
	case PIECES_FAILED:
		g_propagate_error(error, g_steal_pointer(&p->error));
		ok = FALSE;
		break;
	case PIECES_GONE:
		g_info("imap: %s is gone before its body was read", where);
		break;
	case PIECES_LEFT:
		m->left++;
		break;
	case PIECES_OK:
		if (p->map == NULL) {
			m->left++;
			break;
		}
		*res = fn(data, where, p->map, size, 0, p->tmp, ferr);
		*handed = TRUE;
		break;
	}
	piece_free(m, p);
	return ok;
}

/* One message: its size (from the sweep's FETCH), maybe its body (from the batch's FETCH
 * when batch is not NULL, else its own), intake, then its move. FALSE stops the sweep. */
static gboolean handle_uid(ChImap *m, guint32 uid, GHashTable *sizes, clist *batch,
                           ChIntakeFunc fn, gpointer data, guint *count, GError **error)
{
	clist *result = batch;
	Fetched f = { 0 };
	gsize size1 = GPOINTER_TO_SIZE(g_hash_table_lookup(sizes, GUINT_TO_POINTER(uid)));
	if (size1 == 0) {
		g_info("imap: %s UID %u is gone (another client moved it)", m->mailbox, uid);
		return TRUE;
	}
	f.size = (guint32)(size1 - 1);

	g_autofree char *where = g_strdup_printf("imap:%s/%u/%u", m->mailbox, m->uidvalidity, uid);
	ChIntakeResult res;
	GError *ferr = NULL;
	if (m->max_size > 0 && f.size > m->max_size) {
		/* libetpan 1.9.4 holds a whole literal in memory with no cap: never ask for it. */
		g_message("imap: %s is %u bytes, over the %" G_GSIZE_FORMAT "-byte limit: not fetched",
		          where, f.size, m->max_size);
		res = fn(data, where, NULL, 0, f.size, NULL, &ferr);
	} else if (batch == NULL && m->piece_dir != NULL && f.size > m->piece_over) {
		gboolean handed = FALSE;
		if (!handle_in_pieces(m, uid, f.size, where, fn, data, &handed, &res, &ferr, error))
			return FALSE;
		if (!handed)
			return TRUE;
	} else {
		if (batch == NULL && !fetch_body(m, uid, &result, error))
			return FALSE;
		read_fetch(result, uid, &f);
		if (!f.found) {
			if (batch == NULL)
				mailimap_fetch_list_free(result);
			g_info("imap: %s is gone before its body was read", where);
			return TRUE;
		}
		if (!f.has_body) {
			/* Stopping here would stop the whole mailbox behind one odd message. */
			if (batch == NULL)
				mailimap_fetch_list_free(result);
			g_warning("imap: %s: the server sent no body; left in %s", where, m->mailbox);
			m->left++;
			return TRUE;
		}
		static const guint8 empty[1] = { 0 };
		res = fn(data, where, f.body != NULL ? (const guint8 *)f.body : empty, f.body_len, 0,
		         NULL, &ferr);
		if (batch == NULL)
			mailimap_fetch_list_free(result);
	}
	(*count)++;

	switch (res) {
	case CH_INTAKE_DONE:
		g_clear_error(&ferr);
		g_array_append_val(m->to_processed, uid);
		g_info("imap: %s to be moved to %s", where, m->processed);
		break;
	case CH_INTAKE_QUARANTINE:
		g_clear_error(&ferr);
		g_array_append_val(m->to_quarantine, uid);
		g_message("imap: %s to be moved to %s", where, m->quarantine);
		break;
	case CH_INTAKE_STOP:
		/* Broken configuration: the message stays, and so does every one after it, until a
		 * person fixes what intake's error names. */
		g_info("imap: %s left in %s until the configuration is fixed", where, m->mailbox);
		m->left++;
		if (ferr)
			g_propagate_error(error, ferr);
		else
			g_set_error(error, CH_ERROR, CH_ERROR_CONFIG, "stopped at %s", where);
		return FALSE;
	case CH_INTAKE_RETRY:
	default:
		g_message("imap: %s left in %s for a later sweep%s%s", where, m->mailbox,
		          ferr ? ": " : "", ferr ? ferr->message : "");
		m->left++;
		g_clear_error(&ferr);
		break;
	}
	return TRUE;
}

/* How many UIDs from uids[from] go into one body FETCH: consecutive ones in the sweep's
 * order, each with a known size under the limit, up to BODY_BATCH and BODY_BATCH_BYTES. 1
 * when the first is gone, too large or alone (fetched_whole says how it is fetched). */
static guint batch_members(ChImap *m, GArray *uids, guint from, GHashTable *sizes)
{
	gsize bytes = 0;
	guint n = 0;
	for (guint i = from; i < uids->len && n < BODY_BATCH; i++) {
		guint32 uid = g_array_index(uids, guint32, i);
		gsize size1 = GPOINTER_TO_SIZE(g_hash_table_lookup(sizes, GUINT_TO_POINTER(uid)));
		if (size1 == 0 || (m->max_size > 0 && size1 - 1 > m->max_size) ||
		    bytes + size1 - 1 > BODY_BATCH_BYTES)
			break;
		bytes += size1 - 1;
		n++;
	}
	return MAX(n, 1);
}

/* The batch's messages told to the reader (ChImapState.ahead), in the order they will be
 * handled: handle_uid hands each to intake with the same bytes. */
static void read_ahead(ChImap *m, clist *batch, const guint32 *uids, guint n)
{
	for (guint i = 0; m->state.ahead != NULL && i < n; i++) {
		Fetched f;
		read_fetch(batch, uids[i], &f);
		if (f.found && f.has_body && f.body != NULL)
			m->state.ahead(m->state.data, batch, (const guint8 *)f.body, f.body_len, NULL);
	}
}

/* The batch's bytes freed, once the reader is done with them. */
static void batch_free(ChImap *m, clist *batch)
{
	if (batch == NULL)
		return;
	if (m->state.drain != NULL)
		m->state.drain(m->state.data, batch);
	mailimap_fetch_list_free(batch);
}

/* The next body batch, fetched on a thread of its own while this one handles the batch
 * before it: the server reads and sends while intake works, instead of each waiting for the
 * other. Nothing else uses the connection meanwhile: the batch in hand needs none (its bodies
 * are here, and its moves wait for the next batch boundary), and the sweep waits for the
 * fetch (prefetch_join) before it uses the connection again, or ends. A large message is
 * such a batch too, fetched in pieces into its file (piece_fetch). */
typedef struct {
	ChImap *m;
	const guint32 *uids; /* the sweep's, which outlives it */
	guint n;
	guint32 size;        /* of a message in pieces (piece_fetch), else 0 */
	char *where;
	clist *result;
	Piece *piece;
	int r;
	GThread *thread;
} Prefetch;

static gpointer prefetch_run(gpointer data)
{
	Prefetch *p = data;
	if (p->size > 0) {
		p->piece = piece_fetch(p->m, p->uids[0], p->size, p->where);
		return NULL;
	}
	p->r = fetch_bodies_now(p->m, p->uids, p->n, &p->result);
	if (p->r == MAILIMAP_NO_ERROR)
		read_ahead(p->m, p->result, p->uids, p->n);
	return NULL;
}

/* NULL when no thread can be had: the batch is then fetched when it is reached. */
static Prefetch *prefetch_start(ChImap *m, const guint32 *uids, guint n, gsize size)
{
	Prefetch *p = g_new0(Prefetch, 1);
	p->m = m, p->uids = uids, p->n = n, p->size = (guint32)size;
	if (size > 0)
		p->where = g_strdup_printf("imap:%s/%u/%u", m->mailbox, m->uidvalidity, uids[0]);
	p->thread = g_thread_try_new("imap-fetch", prefetch_run, p, NULL);
	if (p->thread == NULL) {
		g_free(p->where);
		g_clear_pointer(&p, g_free);
	}
	return p;
}

/* Waits for the fetch; its batch in *batch_r, or its large message in m->ready (batch_r
 * NULL: neither kept, the result freed). FALSE with *error as a fetch of the batch's own
 * would have failed. */
static gboolean prefetch_join(ChImap *m, Prefetch *p, clist **batch_r, GError **error)
{
	g_thread_join(p->thread);
	gboolean ok;
	if (p->size > 0) {
		ok = p->piece->out != PIECES_FAILED;
		if (!ok)
			g_propagate_error(error, g_steal_pointer(&p->piece->error));
		if (ok && batch_r != NULL)
			m->ready = g_steal_pointer(&p->piece);
		piece_free(m, p->piece);
	} else {
		ok = p->r == MAILIMAP_NO_ERROR || fetch_failed(m, p->r, p->uids, p->n, error);
		if (ok && batch_r != NULL)
			*batch_r = p->result;
		else if (ok)
			batch_free(m, p->result);
	}
	g_free(p->where);
	g_free(p);
	return ok;
}

static gboolean stopped(volatile gint *stop)
{
	return stop != NULL && g_atomic_int_get(stop) != 0;
}

static gint compare_uid(gconstpointer a, gconstpointer b)
{
	guint32 x = *(const guint32 *)a, y = *(const guint32 *)b;
	return x < y ? -1 : x > y;
}

/* The selected mailbox's UIDVALIDITY against the one stored: the same, or first seen (then
 * stored), sets *last_uid and m->uidvalidity; a change stops the sweep for a person. */
static gboolean check_validity(ChImap *m, guint32 validity, guint32 *last_uid, GError **error)
{
	guint32 known_validity = 0;
	*last_uid = 0;
	GError *state_error = NULL;
	gboolean known = m->state.get != NULL &&
	                 m->state.get(m->state.data, m->mailbox, &known_validity, last_uid,
	                              &state_error) &&
	                 known_validity != 0;
	if (state_error) {
		g_propagate_error(error, state_error);
		m->selected = FALSE;
		return FALSE;
	}
	if (known && known_validity != validity) {
		/* Every UID we knew now names another message, or none: reading on could hand
		 * over old mail as new. A person must look (and reset the stored value). */
		g_set_error(error, CH_ERROR, CH_ERROR_CONFIG,
		            "UIDVALIDITY of %s changed from %u to %u: stopped", m->mailbox,
		            known_validity, validity);
		m->selected = FALSE; /* and no IDLE on it either */
		return FALSE;
	}
	if (!known && m->state.set != NULL) {
		if (!m->state.set(m->state.data, m->mailbox, validity, 0, error))
			return FALSE;
		*last_uid = 0;
	}
	m->uidvalidity = validity;
	return TRUE;
}

/* The size of message uid when it is fetched at all: 0 when it is gone or over the limit. */
static gsize fetched_size(ChImap *m, guint32 uid, GHashTable *sizes)
{
	gsize size1 = GPOINTER_TO_SIZE(g_hash_table_lookup(sizes, GUINT_TO_POINTER(uid)));
	return size1 == 0 || (m->max_size > 0 && size1 - 1 > m->max_size) ? 0 : size1 - 1;
}

/* The size of message uid when it is fetched in pieces (handle_in_pieces), else 0. */
static gsize in_pieces(ChImap *m, guint32 uid, GHashTable *sizes)
{
	gsize size = fetched_size(m, uid, sizes);
	return m->piece_dir != NULL && size > m->piece_over ? size : 0;
}

/* Is the batch of n from uids[i] fetched as one FETCH, in memory, and read ahead? Every
 * batch of more than one; a message alone when it is fetched whole (not in pieces, not over
 * the limit, not gone): one of 512 KB - 1 MB, a report's large attachment, is read on the
 * second thread like any other while the batch before it is handled. */
static gboolean fetched_whole(ChImap *m, GArray *uids, guint i, guint n, GHashTable *sizes)
{
	if (n != 1)
		return n > 1;
	guint32 uid = g_array_index(uids, guint32, i);
	return fetched_size(m, uid, sizes) > 0 && in_pieces(m, uid, sizes) == 0;
}

/* At uids[i], the end of the last body batch: that batch is freed and the one from i taken
 * (the fetch started ahead of it, or fetched now; a message in pieces, over the limit or gone
 * is handled on its own, with no batch), the moves the last batch filled are sent while the
 * connection is free, and the fetch of the batch after this one is started. */
static gboolean next_batch(ChImap *m, GArray *uids, guint i, GHashTable *sizes, clist **batch,
                           Prefetch **next, guint *batch_end, GError **error)
{
	const guint32 *all = (const guint32 *)uids->data;
	batch_free(m, *batch);
	*batch = NULL;
	piece_free(m, g_steal_pointer(&m->ready)); /* handled, or the sweep ended before it */
	guint n = batch_members(m, uids, i, sizes);
	gboolean ok = TRUE;
	if (*next != NULL) {
		ok = prefetch_join(m, *next, batch, error);
		*next = NULL;
	} else if (fetched_whole(m, uids, i, n, sizes)) {
		ok = fetch_bodies(m, all + i, n, batch, error);
		if (ok)
			read_ahead(m, *batch, all + i, n);
	}
	*batch_end = i + n;
	if (ok && ch_driver_batch_full(m->to_processed->len + m->to_quarantine->len,
	                               m->batch_since))
		ok = flush_moves(m, error);
	if (!ok)
		return FALSE;
	/* Started when the batch in hand needs no connection: its bodies, or its large message,
	 * are here already. */
	if (*batch == NULL && m->ready == NULL)
		return TRUE;
	guint after = *batch_end < uids->len ? batch_members(m, uids, *batch_end, sizes) : 0;
	gsize pieces = after == 1 ? in_pieces(m, all[*batch_end], sizes) : 0;
	if (pieces > 0 || fetched_whole(m, uids, *batch_end, after, sizes))
		*next = prefetch_start(m, all + *batch_end, after, pieces);
	return TRUE;
}

gboolean ch_imap_sweep(ChImap *m, ChIntakeFunc fn, gpointer data, guint *count_r,
                       GError **error)
{
	guint count = 0;
	m->left = 0;
	if (count_r != NULL)
		*count_r = 0;
	/* A connection that did not get as far as logged in is no use to the next sweep. */
	if (m->imap == NULL && !imap_connect(m, error)) {
		disconnect(m);
		return FALSE;
	}

	/* SELECT every sweep: it is what tells us UIDVALIDITY, and it resynchronises. */
	m->selected = FALSE;
	int r = mailimap_select(m->imap, m->mailbox);
	if (r != MAILIMAP_NO_ERROR || m->imap->imap_selection_info == NULL)
		return fail(m, r, CH_ERROR_CONFIG, error, "SELECT %s on %s", m->mailbox, m->host);
	m->selected = TRUE;
	guint32 validity = m->imap->imap_selection_info->sel_uidvalidity;
	guint32 last_uid = 0;
	if (!check_validity(m, validity, &last_uid, error))
		return FALSE;

	GArray *uids = g_array_new(FALSE, FALSE, sizeof(guint32));
	GHashTable *sizes = g_hash_table_new(g_direct_hash, g_direct_equal);
	gboolean ok = search_uids(m, uids, error);
	g_array_sort(uids, compare_uid);
	ok = ok && fetch_sizes(m, uids, sizes, error);
	guint32 highest = last_uid;
	clist *batch = NULL;
	guint batch_end = 0; /* uids[..batch_end) are covered by batch */
	Prefetch *next = NULL; /* the batch from uids[batch_end], being fetched */
	/* A stop asked for ends the sweep between messages: what is handled is moved below, and
	 * the rest is still in the mailbox for the next start. */
	for (guint i = 0; ok && i < uids->len && !stopped(m->stop); i++) {
		guint32 uid = g_array_index(uids, guint32, i);
		if (i >= batch_end && !next_batch(m, uids, i, sizes, &batch, &next, &batch_end, error)) {
			ok = FALSE;
			break;
		}
		if (m->batch_since == 0)
			m->batch_since = g_get_monotonic_time();
		ok = handle_uid(m, uid, sizes, batch, fn, data, &count, error);
		if (ok && uid > highest)
			highest = uid;
		if (ok && batch == NULL && next == NULL &&
		    ch_driver_batch_full(m->to_processed->len + m->to_quarantine->len,
		                         m->batch_since))
			ok = flush_moves(m, error);
	}
	/* A fetch still under way is waited for, and its batch forgotten: those messages are
	 * still in the mailbox. Its failure is the sweep's only when nothing else failed. */
	if (next != NULL) {
		GError *e = NULL;
		gboolean fetched = prefetch_join(m, next, NULL, ok ? error : &e);
		ok = ok && fetched;
		g_clear_error(&e);
	}
	batch_free(m, batch);
	piece_free(m, g_steal_pointer(&m->ready));
	if (ok)
		ok = flush_moves(m, error);
	else
		flush_moves_anyway(m);
	g_hash_table_destroy(sizes);
	g_array_free(uids, TRUE);

	/* last_uid is for reference (reports, a person's eye): failing to store it loses
	 * nothing, since the mailbox itself says what is left to handle. */
	if (highest > last_uid && m->state.set != NULL) {
		GError *e = NULL;
		if (!m->state.set(m->state.data, m->mailbox, validity, highest, &e)) {
			g_warning("imap: cannot record last UID %u of %s: %s", highest, m->mailbox,
			          e->message);
			g_error_free(e);
		}
	}
	if (count_r != NULL)
		*count_r = count;
	return ok;
}

/* ---- waiting --------------------------------------------------------------------------- */

/* libetpan 1.9.4 waits out the whole stream timeout, then fails, when a server sends any
 * untagged data before "+ idling" (upstream issue #393). After this many failed starts in a
 * row the driver stops asking and sleeps instead: the sweeps still find every message. */
#define IDLE_MAX_FAILURES 3

/* Every slice of a wait tells the service manager that the loop is alive (the watchdog):
 * a wait may last up to IDLE_MAX_S, far longer than any watchdog interval. */
static void sleep_until(gint64 deadline, volatile gint *stop, volatile gint *wake)
{
	while (!stopped(stop) && !stopped(wake)) {
		ch_service_alive();
		gint64 left = deadline - g_get_monotonic_time();
		if (left <= 0)
			break;
		g_usleep(MIN(left, SLICE_MS * 1000));
	}
}

gboolean ch_imap_wait(ChImap *m, guint seconds, volatile gint *stop, GError **error)
{
	gint64 start = g_get_monotonic_time();
	gint64 deadline = start + (gint64)seconds * G_USEC_PER_SEC;

	/* IDLE only on a live, selected connection: after a failed sweep the caller is backing
	 * off, and waiting must not reconnect behind its back. */
	if (m->imap == NULL || !m->selected || !m->idle || !m->can_idle ||
	    m->idle_failures >= IDLE_MAX_FAILURES) {
		sleep_until(deadline, stop, m->wake);
		return TRUE;
	}
	deadline = MIN(deadline, start + (gint64)IDLE_MAX_S * G_USEC_PER_SEC);

	/* Mail that arrived during the sweep was announced (EXISTS) inside the answers to our
	 * own commands; IDLE would not announce it again. More messages than the sweep left on
	 * purpose means: sweep again now. */
	struct mailimap_selection_info *sel = m->imap->imap_selection_info;
	if (sel != NULL && sel->sel_has_exists && sel->sel_exists > m->left)
		return TRUE;

	int r = mailimap_idle(m->imap);
	if (r != MAILIMAP_NO_ERROR) {
		if (++m->idle_failures == IDLE_MAX_FAILURES)
			g_warning("imap: IDLE on %s failed %d times in a row; polling instead",
			          m->host, IDLE_MAX_FAILURES);
		return fail(m, r, CH_ERROR_TEMPORARY, error, "IDLE in %s", m->mailbox);
	}
	m->idle_failures = 0;

	/* libetpan may already hold the server's news in its buffer, read together with
	 * "+ idling": poll() on the socket would never see it (libraries.md B1.8). */
	gboolean woken = m->imap->imap_stream != NULL && m->imap->imap_stream->read_buffer_len > 0;
	int fd = mailimap_idle_get_fd(m->imap);
	while (!woken && fd >= 0 && !stopped(stop) && !stopped(m->wake)) {
		ch_service_alive();
		gint64 left = deadline - g_get_monotonic_time();
		if (left <= 0)
			break;
		struct pollfd p = { .fd = fd, .events = POLLIN };
		int n = poll(&p, 1, (int)MIN(left / 1000 + 1, SLICE_MS));
		if (n < 0 && errno != EINTR)
			break;
		if (n > 0)
			woken = TRUE; /* data, or the peer hung up: DONE below tells which */
	}

	r = mailimap_idle_done(m->imap);
	if (r != MAILIMAP_NO_ERROR)
		return fail(m, r, CH_ERROR_TEMPORARY, error, "IDLE in %s ended badly", m->mailbox);
	return TRUE;
}

/* ---- the inbound contract (driver.h) ---------------------------------------------------- */

/* Over 1 MB a message is fetched in 1 MB pieces: above the 512 KB a batch of small bodies
 * holds, so the largest literal libetpan ever keeps is about 1 MB; a piece that size is still
 * one round trip per MB, next to nothing beside the transfer itself. */
#define PIECE_OVER (1024 * 1024)
#define PIECE_SIZE (1024 * 1024)

typedef struct {
	ChApp *app;
	ChImap *imap;
	ChImapState state;
	int lock;              /* one reader per mailbox, for as long as this one lives */
	ChSweepCounts *counts; /* of the sweep in progress */
	gboolean stopped;      /* intake met broken configuration in this sweep */
} Reader;

/* IMAP state (UIDVALIDITY, last UID) kept in the store. */
static gboolean reader_state_get(gpointer data, const char *mailbox, guint32 *uidvalidity,
                                 guint32 *last_uid, GError **error)
{
	Reader *rd = data;
	gboolean known = FALSE;
	if (!ch_store_mailbox_get(rd->app->store, mailbox, &known, uidvalidity, last_uid, error))
		return FALSE;
	return known;
}

static gboolean reader_state_set(gpointer data, const char *mailbox, guint32 uidvalidity,
                                 guint32 last_uid, GError **error)
{
	Reader *rd = data;
	return ch_store_mailbox_set(rd->app->store, mailbox, uidvalidity, last_uid, error);
}

/* The messages intake handled since the last commit, recorded now, before their move. */
static gboolean reader_commit(gpointer data, GError **error)
{
	Reader *rd = data;
	return ch_intake_batch_commit(rd->app, error);
}

static void reader_ahead(gpointer data, gconstpointer batch, const guint8 *raw, gsize len,
                         const char *file)
{
	Reader *rd = data;
	ch_intake_ahead(rd->app, batch, raw, len, file);
}

static void reader_drain(gpointer data, gconstpointer batch)
{
	ch_intake_ahead_drain(batch);
}

static ChIntakeResult reader_intake(gpointer data, const char *where, const guint8 *raw,
                                    gsize len, gsize size_if_not_fetched, const char *file,
                                    GError **error)
{
	Reader *rd = data;
	/* IMAP does not say beforehand how many a sweep will find: count them as they come. */
	ch_service_status("handling mail: message %u of this sweep", rd->counts->seen + 1);
	ChIntakeResult r = file ? ch_intake_file(rd->app, where, raw, len, file, error)
	                   : raw  ? ch_intake_message(rd->app, where, raw, len, error)
	                          : ch_intake_oversized(rd->app, where, size_if_not_fetched, NULL, 0,
	                                             error);
	ch_driver_count(rd->counts, r);
	rd->stopped |= r == CH_INTAKE_STOP;
	return r;
}

static gpointer reader_open(ChApp *app, GError **error)
{
	g_autofree char *name = g_strdup_printf("imap-%s.lock", app->cfg->imap.mailbox);
	g_strdelimit(name, "/\\", '_');
	g_autofree char *path = g_build_filename(app->cfg->spool, name, NULL);
	g_autofree char *what = g_strdup_printf("mailbox %s", app->cfg->imap.mailbox);
	int lock = ch_driver_lock(path, what, error);
	if (lock < 0)
		return NULL;
	Reader *rd = g_new0(Reader, 1);
	rd->app = app;
	rd->lock = lock;
	rd->state = (ChImapState){ reader_state_get, reader_state_set, rd, reader_commit,
		                       reader_ahead, reader_drain };
	rd->imap = ch_imap_new(&app->cfg->imap, app->cfg->max_message_size, &rd->state);
	ch_imap_set_stop(rd->imap, &app->stop);
	/* Large messages in pieces straight into spool/messages, where intake keeps them. */
	g_autofree char *messages = g_build_filename(app->cfg->spool, "messages", NULL);
	ch_imap_set_pieces(rd->imap, messages, PIECE_OVER, PIECE_SIZE);
	ch_imap_set_wake(rd->imap, &app->wake);
	return rd;
}

static ChDriverResult reader_sweep(gpointer self, ChSweepCounts *counts, GError **error)
{
	Reader *rd = self;
	rd->counts = counts;
	rd->stopped = FALSE;
	GError *e = NULL;
	/* The sweep's messages are recorded a batch at a time (reader_commit), each batch before
	 * its messages are moved: one fsync of the database for a batch, not one a message. */
	ch_intake_batch_begin(rd->app);
	gboolean ok = ch_imap_sweep(rd->imap, reader_intake, rd, NULL, &e);
	/* What is left after the last move (failed attempts counted, the last UID): recorded
	 * whether the sweep ended well or not. */
	ok = ch_driver_batch_end(rd->app, ok, &e);
	rd->counts = NULL;
	if (ok)
		return CH_DRIVER_OK;
	ChDriverResult r = rd->stopped                 ? CH_DRIVER_CONFIG
	                   : e->code == CH_ERROR_CONFIG ? CH_DRIVER_MAILBOX
	                                                : CH_DRIVER_TEMPORARY;
	g_propagate_error(error, e);
	return r;
}

static gboolean reader_wait(gpointer self, guint seconds, GError **error)
{
	Reader *rd = self;
	return ch_imap_wait(rd->imap, seconds, &rd->app->stop, error);
}

static guint reader_waiting(gpointer self)
{
	return CH_DRIVER_UNKNOWN;
}

static void reader_close(gpointer self)
{
	Reader *rd = self;
	ch_imap_free(rd->imap);
	close(rd->lock);
	g_free(rd);
}

const ChDriverOps ch_imap_driver = {
	.name = "imap",
	.open = reader_open,
	.sweep = reader_sweep,
	.wait = reader_wait,
	.waiting = reader_waiting,
	.close = reader_close,
};
