/* The SMTP sender against real servers started by tests/servers/start: OpenSMTPD (plain
 * text, delivering through Dovecot LMTP into the recipients' Maildirs) and Dovecot's
 * submission service (STARTTLS, implicit TLS, AUTH; it relays to OpenSMTPD). A small
 * scripted server covers the replies real servers cannot be told to give (451, 554 after
 * DATA, a cut connection, XOAUTH2).
 *
 * What is asserted is what the team would see: the chaser arrives, byte for byte, in the
 * recipient's mailbox, or the outbox learns why not, in the server's own words.
 */
#include <arpa/inet.h>
#include <curl/curl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "outbound/smtp.h"
#include "servers/harness.h"
#include "util/error.h"

typedef struct {
	ChServers srv;
	gboolean ready;
	ChSmtpConfig cfg;
	GPtrArray *strings;
	ChSmtp *smtp;
} Fix;

static char *keep(Fix *f, char *s)
{
	g_ptr_array_add(f->strings, s);
	return s;
}

static const char *env(Fix *f, const char *key)
{
	return ch_servers_env(&f->srv, key);
}

static void setup(Fix *f, gconstpointer data)
{
	ch_servers_watchdog(60);
	f->strings = g_ptr_array_new_with_free_func(g_free);
	if (!ch_servers_start(&f->srv, "dovecot smtpd"))
		return;
	/* OpenSMTPD in plain text, as a relay on the local network would be. */
	f->cfg.url = keep(f, g_strdup_printf("smtp://127.0.0.1:%s", env(f, "SMTP_PORT")));
	f->cfg.require_tls = FALSE;
	f->cfg.helo = "chaser.example.test";
	f->cfg.timeout = 10;
	f->ready = TRUE;
}

static void teardown(Fix *f, gconstpointer data)
{
	ch_servers_watchdog(0);
	ch_smtp_free(f->smtp);
	ch_servers_finish(&f->srv);
	g_ptr_array_free(f->strings, TRUE);
}

#define READY(f)                 \
	do {                     \
		if (!(f)->ready) \
			return;  \
	} while (0)

/* As the outbox stores it: CRLF lines, a line that starts with a dot, 8-bit text. */
static char *chaser(const char *to, const char *subject)
{
	static int n;
	return g_strdup_printf(
		"From: Safeguarding <safeguarding@example.test>\r\n"
		"To: <%s>\r\n"
		"Subject: %s\r\n"
		"Message-ID: <smtp-test-%d-%d@example.test>\r\n"
		"Date: Mon, 23 Nov 2026 10:00:00 +0000\r\n"
		"Auto-Submitted: auto-generated\r\n"
		"MIME-Version: 1.0\r\n"
		"Content-Type: text/plain; charset=utf-8\r\n"
		"Content-Transfer-Encoding: 8bit\r\n"
		"\r\n"
		"Your report for conference CP-2026-0042 is due on 30 November.\r\n"
		".\r\n"
		". a line that starts with a dot\r\n"
		"..two dots\r\n"
		"Caf\xc3\xa9 \xe2\x82\xac 10\r\n"
		"\r\n"
		"-- \r\nSafeguarding team\r\n",
		to, subject, (int)getpid(), ++n);
}

static ChSmtp *smtp(Fix *f)
{
	if (f->smtp == NULL) {
		GError *e = NULL;
		f->smtp = ch_smtp_new(&f->cfg, &e);
		g_assert_no_error(e);
	}
	return f->smtp;
}

static ChSendResult send_to(Fix *f, const char *rcpt, const char *msg, char **reply)
{
	return ch_smtp_send(smtp(f), "safeguarding@example.test", rcpt, (const guint8 *)msg,
	                    strlen(msg), reply);
}

/* The user's Maildir, once the message is there: the stored file ends with what was sent
 * (servers add trace headers only on top; Maildir stores LF lines). */
static void assert_arrived(Fix *f, const char *user, guint n, const char *msg)
{
	GPtrArray *got = ch_servers_wait_maildir(&f->srv, user, "", n, 10);
	g_assert_cmpuint(got->len, ==, n);
	g_autofree char *lf = ch_servers_lf(msg, strlen(msg));
	gboolean found = FALSE;
	for (guint i = 0; i < got->len; i++)
		found |= g_str_has_suffix(got->pdata[i], lf);
	g_assert_true(found);
	g_ptr_array_free(got, TRUE);
}

static guint log_count(Fix *f, const char *key, const char *what)
{
	g_autofree char *text = NULL;
	g_assert_true(g_file_get_contents(env(f, key), &text, NULL, NULL));
	guint n = 0;
	for (const char *p = text; (p = strstr(p, what)) != NULL; p++)
		n++;
	return n;
}

/* How many OpenSMTPD sessions carried a message (its log starts each line with the session
 * id; the start script's port probe is a session without one). */
static guint sessions_with_messages(Fix *f)
{
	g_autofree char *text = NULL;
	g_assert_true(g_file_get_contents(env(f, "SMTPD_LOG"), &text, NULL, NULL));
	g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
	g_autoptr(GHashTable) ids = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	for (char **l = lines; *l; l++) {
		char *sp = strstr(*l, " smtp message ");
		if (sp != NULL)
			g_hash_table_add(ids, g_strndup(*l, (gsize)(sp - *l)));
	}
	return g_hash_table_size(ids);
}

static void test_plain_delivery_is_byte_identical(Fix *f, gconstpointer d)
{
	READY(f);
	g_autofree char *m1 = chaser("slo1@example.test", "[CP-2026-0042] Report due");
	g_autofree char *m2 = chaser("chair@example.test", "[CP-2026-0042] Please authorise");
	g_autofree char *reply = NULL;
	g_assert_cmpint(send_to(f, "slo1@example.test", m1, &reply), ==, CH_SEND_OK);
	g_assert_true(g_str_has_prefix(reply, "250"));
	g_clear_pointer(&reply, g_free);
	assert_arrived(f, "slo1", 1, m1);

	/* The second message goes over the same connection. */
	g_assert_cmpint(send_to(f, "chair@example.test", m2, &reply), ==, CH_SEND_OK);
	assert_arrived(f, "chair", 1, m2);
	g_assert_cmpuint(log_count(f, "SMTPD_LOG", "smtp message"), ==, 2);
	g_assert_cmpuint(sessions_with_messages(f), ==, 1);
}

static void test_refused_recipient_is_permanent(Fix *f, gconstpointer d)
{
	READY(f);
	const char *refused = env(f, "REJECT_RCPT");
	g_autofree char *m1 = chaser(refused, "[CP-2026-0042] Report due");
	g_autofree char *reply = NULL;
	g_assert_cmpint(send_to(f, refused, m1, &reply), ==, CH_SEND_PERMANENT);
	/* The server's own words, for the admin task. */
	g_assert_true(g_str_has_prefix(reply, "550"));
	g_assert_nonnull(strstr(reply, "Invalid recipient"));
	g_clear_pointer(&reply, g_free);

	/* The handle is still good for the next message. */
	g_autofree char *m2 = chaser("slo2@example.test", "[CP-2026-0042] Escalation");
	g_assert_cmpint(send_to(f, "slo2@example.test", m2, &reply), ==, CH_SEND_OK);
	assert_arrived(f, "slo2", 1, m2);
}

static void test_server_down_is_temporary_then_sends(Fix *f, gconstpointer d)
{
	READY(f);
	g_autofree char *m = chaser("slo1@example.test", "[CP-2026-0042] Report due");
	g_autofree char *reply = NULL;
	g_assert_cmpint(send_to(f, "slo1@example.test", m, &reply), ==, CH_SEND_OK);
	g_clear_pointer(&reply, g_free);
	/* Delivered before the stop: OpenSMTPD stopped with a message still in its queue delivers
	 * it again after the restart (its own at-least-once), which is not what this tests. */
	assert_arrived(f, "slo1", 1, m);

	g_assert_true(ch_servers_stop(&f->srv, "smtpd"));
	g_assert_cmpint(send_to(f, "slo1@example.test", m, &reply), ==, CH_SEND_TEMPORARY);
	g_assert_nonnull(reply);
	g_clear_pointer(&reply, g_free);

	g_assert_true(ch_servers_start(&f->srv, "smtpd"));
	g_assert_cmpint(send_to(f, "slo1@example.test", m, &reply), ==, CH_SEND_OK);
	assert_arrived(f, "slo1", 2, m);
}

/* Dovecot's submission service: STARTTLS on one port, implicit TLS on another, AUTH. */
static void submission(Fix *f, const char *scheme, const char *host, const char *port_key)
{
	f->cfg.url = keep(f, g_strdup_printf("%s://%s:%s", scheme, host, env(f, port_key)));
	f->cfg.require_tls = TRUE;
	f->cfg.ca_file = (char *)env(f, "CA_FILE");
	f->cfg.user = "safeguarding";
	f->cfg.password_file = (char *)env(f, "PASSWORD_FILE_safeguarding");
}

static void test_starttls_and_login_via_submission(Fix *f, gconstpointer d)
{
	READY(f);
	submission(f, "smtp", "localhost", "SUBMISSION_PORT");
	g_autofree char *m1 = chaser("slo2@example.test", "[CP-2026-0042] Over STARTTLS");
	g_autofree char *reply = NULL;
	g_assert_cmpint(send_to(f, "slo2@example.test", m1, &reply), ==, CH_SEND_OK);
	assert_arrived(f, "slo2", 1, m1);
	g_assert_true(ch_servers_log_has(&f->srv, "DOVECOT_LOG", "submission-login",
	                                 "user=<safeguarding>", "method=PLAIN", "TLS", NULL));

	ch_smtp_free(g_steal_pointer(&f->smtp));
	submission(f, "smtps", "localhost", "SUBMISSIONS_PORT");
	g_autofree char *m2 = chaser("admin@example.test", "[CP-2026-0042] Over implicit TLS");
	g_clear_pointer(&reply, g_free);
	g_assert_cmpint(send_to(f, "admin@example.test", m2, &reply), ==, CH_SEND_OK);
	assert_arrived(f, "admin", 1, m2);
}

static void test_wrong_password_is_config(Fix *f, gconstpointer d)
{
	READY(f);
	submission(f, "smtp", "localhost", "SUBMISSION_PORT");
	g_autofree char *pw = g_build_filename(f->srv.dir, "wrong.password", NULL);
	g_assert_true(g_file_set_contents(pw, "not-the-password\n", -1, NULL));
	f->cfg.password_file = pw;
	g_autofree char *m = chaser("slo1@example.test", "[CP-2026-0042] Report due");
	g_autofree char *reply = NULL;
	g_assert_cmpint(send_to(f, "slo1@example.test", m, &reply), ==, CH_SEND_CONFIG);
	g_assert_true(g_str_has_prefix(reply, "535"));
	g_assert_null(strstr(reply, "not-the-password"));
	GPtrArray *got = ch_servers_maildir(&f->srv, "slo1", "");
	g_assert_cmpuint(got->len, ==, 0);
	g_ptr_array_free(got, TRUE);
}

static void test_untrusted_certificate_is_config(Fix *f, gconstpointer d)
{
	READY(f);
	submission(f, "smtps", env(f, "SUBMISSIONS_UNTRUSTED_HOST"), "SUBMISSIONS_UNTRUSTED_PORT");
	g_autofree char *m = chaser("slo1@example.test", "[CP-2026-0042] Report due");
	g_autofree char *reply = NULL;
	g_assert_cmpint(send_to(f, "slo1@example.test", m, &reply), ==, CH_SEND_CONFIG);
	g_assert_nonnull(reply);
	g_clear_pointer(&reply, g_free);

	/* The test CA is not among the system's: STARTTLS without ca_file fails too. */
	ch_smtp_free(g_steal_pointer(&f->smtp));
	submission(f, "smtp", "localhost", "SUBMISSION_PORT");
	f->cfg.ca_file = NULL;
	g_assert_cmpint(send_to(f, "slo1@example.test", m, &reply), ==, CH_SEND_CONFIG);
	g_assert_false(ch_servers_log_has(&f->srv, "DOVECOT_LOG", "Login:", NULL));
	GPtrArray *got = ch_servers_maildir(&f->srv, "slo1", "");
	g_assert_cmpuint(got->len, ==, 0);
	g_ptr_array_free(got, TRUE);
}

static void test_tls_required_but_not_offered_is_config(Fix *f, gconstpointer d)
{
	READY(f);
	f->cfg.require_tls = TRUE; /* OpenSMTPD here offers no STARTTLS */
	g_autofree char *m = chaser("slo1@example.test", "[CP-2026-0042] Report due");
	g_autofree char *reply = NULL;
	g_assert_cmpint(send_to(f, "slo1@example.test", m, &reply), ==, CH_SEND_CONFIG);
	g_assert_cmpuint(log_count(f, "SMTPD_LOG", "smtp message"), ==, 0);
}

static void test_bearer_token_never_falls_back_to_password(Fix *f, gconstpointer d)
{
	READY(f);
	submission(f, "smtp", "localhost", "SUBMISSION_PORT"); /* offers AUTH PLAIN only */
	f->cfg.password_file = NULL;
	f->cfg.oauth2_token_file = keep(f, g_build_filename(f->srv.dir, "token", NULL));
	g_assert_true(g_file_set_contents(f->cfg.oauth2_token_file, "a-token\n", -1, NULL));
	g_autofree char *m = chaser("slo1@example.test", "[CP-2026-0042] Report due");
	g_autofree char *reply = NULL;
	g_assert_cmpint(send_to(f, "slo1@example.test", m, &reply), ==, CH_SEND_CONFIG);
	g_assert_false(ch_servers_log_has(&f->srv, "DOVECOT_LOG", "auth failed", NULL));
	g_assert_false(ch_servers_log_has(&f->srv, "DOVECOT_LOG", "Login:", NULL));
}

/* The harness's real out-of-office (Sieve vacation), as the chair's mailbox would answer. */
static void test_out_of_office_answers_people_not_chasers(Fix *f, gconstpointer d)
{
	READY(f);
	const char *argv[] = { "tests/servers/vacation", f->srv.dir, "chair", NULL };
	g_assert_true(ch_servers_run(argv, NULL));

	/* A chaser says Auto-Submitted: RFC 3834 responders stay silent, so no loop starts. */
	g_autofree char *m = chaser("chair@example.test", "[CP-2026-0042] Please authorise");
	g_autofree char *reply = NULL;
	g_assert_cmpint(send_to(f, "chair@example.test", m, &reply), ==, CH_SEND_OK);
	assert_arrived(f, "chair", 1, m);
	gboolean discarded = FALSE;
	for (int i = 0; i < 100 && !discarded; i++, g_usleep(50 * 1000))
		discarded = ch_servers_log_has(&f->srv, "DOVECOT_LOG",
		                               "discarding vacation response to auto-submitted", NULL);
	g_assert_true(discarded);

	/* A message as a person writes it gets the out-of-office reply. */
	const char *personal = "From: Admin <admin@example.test>\r\n"
	                       "To: <chair@example.test>\r\n"
	                       "Subject: Quick question\r\n"
	                       "Message-ID: <personal-1@example.test>\r\n"
	                       "\r\n"
	                       "Are you free on Thursday?\r\n";
	g_clear_pointer(&reply, g_free);
	g_assert_cmpint(ch_smtp_send(smtp(f), "admin@example.test", "chair@example.test",
	                             (const guint8 *)personal, strlen(personal), &reply),
	                ==, CH_SEND_OK);
	GPtrArray *back = ch_servers_wait_maildir(&f->srv, "admin", "", 1, 10);
	g_assert_cmpuint(back->len, ==, 1);
	const char *r = back->pdata[0];
	g_assert_nonnull(strstr(r, "\nAuto-Submitted: auto-replied (vacation)\n"));
	g_assert_nonnull(strstr(r, "\nPrecedence: bulk\n"));
	g_assert_nonnull(strstr(r, "\nIn-Reply-To: <personal-1@example.test>\n"));
	g_ptr_array_free(back, TRUE);
}

static void test_bad_configuration_is_refused_at_once(void)
{
	ChSmtpConfig cfg = { .url = "http://mail.example.test", .timeout = 5 };
	GError *e = NULL;
	g_assert_null(ch_smtp_new(&cfg, &e));
	g_assert_error(e, CH_ERROR, CH_ERROR_CONFIG);
	g_clear_error(&e);
	cfg.url = "smtps://mail.example.test";
	cfg.user = "safeguarding";
	g_assert_null(ch_smtp_new(&cfg, &e));
	g_assert_error(e, CH_ERROR, CH_ERROR_CONFIG);
	g_assert_nonnull(strstr(e->message, "password_file"));
	g_clear_error(&e);
}

/* ---- a scripted server, for replies a real one will not give on demand ------------------- */

typedef enum {
	FAKE_RCPT_451,       /* RCPT TO: 451 */
	FAKE_DATA_554,       /* end of DATA: 554 */
	FAKE_CUT_AFTER_DATA, /* closes the connection instead of answering DATA's end */
	FAKE_XOAUTH2,        /* AUTH XOAUTH2, accepting "fresh-token" only */
} FakeMode;

typedef struct {
	FakeMode mode;
	int listen_fd;
	guint16 port;
	GThread *thread;
	volatile gint quit;
	GMutex lock;
	GPtrArray *seen;
	GString *data; /* the last message's DATA, as received */
} Fake;


static gboolean fake_auth(Fake *fk, int fd, const char *initial)
{
	g_autofree char *resp = NULL;
	if (initial == NULL || *initial == '\0') {
		ch_fake_write(fd, "334 \r\n");
		resp = ch_fake_line(&fk->quit, fd);
		if (resp == NULL)
			return FALSE;
		initial = resp;
	}
	gsize n = 0;
	g_autofree guchar *raw = g_base64_decode(initial, &n);
	g_autofree char *sasl = g_strndup((const char *)raw, n);
	if (strstr(sasl, "auth=Bearer fresh-token\001") != NULL) {
		ch_fake_write(fd, "235 2.7.0 Accepted\r\n");
		return TRUE;
	}
	ch_fake_write(fd, "334 eyJzdGF0dXMiOiI0MDEifQ==\r\n");
	g_free(ch_fake_line(&fk->quit, fd));
	ch_fake_write(fd, "535 5.7.8 Username and Password not accepted\r\n");
	return TRUE;
}

static void fake_session(Fake *fk, int fd)
{
	ch_fake_write(fd, "220 fake.example.test ESMTP scripted\r\n");
	char *line;
	while ((line = ch_fake_line(&fk->quit, fd)) != NULL) {
		g_autofree char *cmd = line;
		g_mutex_lock(&fk->lock);
		g_ptr_array_add(fk->seen, g_strdup(cmd));
		g_mutex_unlock(&fk->lock);
		if (g_ascii_strncasecmp(cmd, "EHLO", 4) == 0) {
			ch_fake_write(fd, fk->mode == FAKE_XOAUTH2
			                      ? "250-fake.example.test\r\n250-AUTH XOAUTH2\r\n250 SIZE 10000000\r\n"
			                      : "250-fake.example.test\r\n250 SIZE 10000000\r\n");
		} else if (g_ascii_strncasecmp(cmd, "AUTH XOAUTH2", 12) == 0) {
			if (!fake_auth(fk, fd, cmd[12] == ' ' ? cmd + 13 : NULL))
				return;
		} else if (g_ascii_strncasecmp(cmd, "MAIL FROM:", 10) == 0) {
			ch_fake_write(fd, "250 2.1.0 Ok\r\n");
		} else if (g_ascii_strncasecmp(cmd, "RCPT TO:", 8) == 0) {
			ch_fake_write(fd, fk->mode == FAKE_RCPT_451
			                      ? "451 4.3.0 Mailbox temporarily unavailable, try later\r\n"
			                      : "250 2.1.5 Ok\r\n");
		} else if (g_ascii_strcasecmp(cmd, "DATA") == 0) {
			ch_fake_write(fd, "354 End data with <CR><LF>.<CR><LF>\r\n");
			g_string_truncate(fk->data, 0);
			char *l;
			while ((l = ch_fake_line(&fk->quit, fd)) != NULL && strcmp(l, ".") != 0) {
				g_string_append(fk->data, l[0] == '.' ? l + 1 : l);
				g_string_append(fk->data, "\r\n");
				g_free(l);
			}
			g_free(l);
			if (fk->mode == FAKE_CUT_AFTER_DATA)
				return;
			ch_fake_write(fd, fk->mode == FAKE_DATA_554
			                      ? "554 5.7.1 Message refused by policy\r\n"
			                      : "250 2.0.0 Ok: queued as F4KE\r\n");
		} else if (g_ascii_strcasecmp(cmd, "QUIT") == 0) {
			ch_fake_write(fd, "221 2.0.0 Bye\r\n");
			return;
		} else {
			ch_fake_write(fd, "250 2.0.0 Ok\r\n");
		}
	}
}

static gpointer fake_thread(gpointer data)
{
	Fake *fk = data;
	while (!g_atomic_int_get(&fk->quit)) {
		struct pollfd p = { .fd = fk->listen_fd, .events = POLLIN };
		if (poll(&p, 1, 100) <= 0)
			continue;
		int fd = accept(fk->listen_fd, NULL, NULL);
		if (fd < 0)
			continue;
		fake_session(fk, fd);
		close(fd);
	}
	return NULL;
}

typedef struct {
	Fake fake;
	ChSmtpConfig cfg;
	char *dir;
	char *url;
	char *command;
	ChSmtp *smtp;
} FakeFix;

static void fake_setup(FakeFix *ff, gconstpointer data)
{
	ch_servers_watchdog(60);
	Fake *fk = &ff->fake;
	fk->mode = GPOINTER_TO_INT(data);
	fk->seen = g_ptr_array_new_with_free_func(g_free);
	fk->data = g_string_new(NULL);
	g_mutex_init(&fk->lock);
	fk->listen_fd = socket(AF_INET, SOCK_STREAM, 0);
	g_assert_cmpint(fk->listen_fd, >=, 0);
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	g_assert_cmpint(bind(fk->listen_fd, (struct sockaddr *)&a, sizeof a), ==, 0);
	g_assert_cmpint(listen(fk->listen_fd, 4), ==, 0);
	socklen_t len = sizeof a;
	g_assert_cmpint(getsockname(fk->listen_fd, (struct sockaddr *)&a, &len), ==, 0);
	fk->port = ntohs(a.sin_port);
	fk->thread = g_thread_new("fake-smtp", fake_thread, fk);

	GError *e = NULL;
	ff->dir = g_dir_make_tmp("chaser-fake-XXXXXX", &e);
	g_assert_no_error(e);
	ff->url = g_strdup_printf("smtp://127.0.0.1:%u", fk->port);
	ff->cfg.url = ff->url;
	ff->cfg.require_tls = FALSE;
	ff->cfg.helo = "chaser.example.test";
	ff->cfg.timeout = 5;
}

static void fake_teardown(FakeFix *ff, gconstpointer data)
{
	ch_servers_watchdog(0);
	ch_smtp_free(ff->smtp);
	Fake *fk = &ff->fake;
	g_atomic_int_set(&fk->quit, 1);
	g_thread_join(fk->thread);
	close(fk->listen_fd);
	g_ptr_array_free(fk->seen, TRUE);
	g_string_free(fk->data, TRUE);
	g_mutex_clear(&fk->lock);
	const char *argv[] = { "rm", "-rf", ff->dir, NULL };
	ch_servers_run(argv, NULL);
	g_free(ff->dir), g_free(ff->url), g_free(ff->command);
}

static ChSendResult fake_send_one(FakeFix *ff, const char *msg, char **reply)
{
	if (ff->smtp == NULL) {
		GError *e = NULL;
		ff->smtp = ch_smtp_new(&ff->cfg, &e);
		g_assert_no_error(e);
	}
	return ch_smtp_send(ff->smtp, "safeguarding@example.test", "slo1@example.test",
	                    (const guint8 *)msg, strlen(msg), reply);
}

static guint fake_count(Fake *fk, const char *prefix)
{
	guint n = 0;
	g_mutex_lock(&fk->lock);
	for (guint i = 0; i < fk->seen->len; i++)
		n += g_str_has_prefix(fk->seen->pdata[i], prefix);
	g_mutex_unlock(&fk->lock);
	return n;
}

static void test_451_on_recipient_is_temporary(FakeFix *ff, gconstpointer d)
{
	g_autofree char *m = chaser("slo1@example.test", "Report due");
	g_autofree char *reply = NULL;
	g_assert_cmpint(fake_send_one(ff, m, &reply), ==, CH_SEND_TEMPORARY);
	g_assert_cmpstr(reply, ==, "451 4.3.0 Mailbox temporarily unavailable, try later");
	g_assert_cmpuint(fake_count(&ff->fake, "DATA"), ==, 0);
}

static void test_554_after_data_is_permanent(FakeFix *ff, gconstpointer d)
{
	g_autofree char *m = chaser("slo1@example.test", "Report due");
	g_autofree char *reply = NULL;
	g_assert_cmpint(fake_send_one(ff, m, &reply), ==, CH_SEND_PERMANENT);
	g_assert_cmpstr(reply, ==, "554 5.7.1 Message refused by policy");
	/* What went over the wire, once dot-unstuffed, is the stored message exactly. */
	g_assert_cmpstr(ff->fake.data->str, ==, m);
}

static void test_connection_cut_after_data_is_temporary(FakeFix *ff, gconstpointer d)
{
	g_autofree char *m = chaser("slo1@example.test", "Report due");
	g_autofree char *reply = NULL;
	g_assert_cmpint(fake_send_one(ff, m, &reply), ==, CH_SEND_TEMPORARY);
	g_assert_nonnull(reply);
}

static void test_xoauth2_refreshes_a_refused_token_once(FakeFix *ff, gconstpointer d)
{
	g_autofree char *flag = g_build_filename(ff->dir, "asked", NULL);
	ff->command = g_strdup_printf("if [ -e %s ]; then echo fresh-token; else touch %s; "
	                              "echo stale-token; fi", flag, flag);
	ff->cfg.user = "safeguarding@example.test";
	ff->cfg.oauth2_token_command = ff->command;
	g_autofree char *m = chaser("slo1@example.test", "Report due");
	g_autofree char *reply = NULL;
	g_assert_cmpint(fake_send_one(ff, m, &reply), ==, CH_SEND_OK);
	g_assert_cmpuint(fake_count(&ff->fake, "AUTH XOAUTH2"), ==, 2);
	g_assert_cmpstr(ff->fake.data->str, ==, m);

	/* A helper that only has stale tokens: told once more, then it is configuration. */
	ch_smtp_free(g_steal_pointer(&ff->smtp));
	ff->cfg.oauth2_token_command = "echo stale-token";
	g_clear_pointer(&reply, g_free);
	g_assert_cmpint(fake_send_one(ff, m, &reply), ==, CH_SEND_CONFIG);
	/* curl 7.88 gives up at the server's "334 <error>" challenge, before any 535. */
	g_assert_true(g_str_has_prefix(reply, "535") || strstr(reply, "Login denied") != NULL);
	g_assert_cmpuint(fake_count(&ff->fake, "AUTH XOAUTH2"), ==, 4);
}

int main(int argc, char **argv)
{
	signal(SIGPIPE, SIG_IGN);
	curl_global_init(CURL_GLOBAL_DEFAULT);
	g_test_init(&argc, &argv, NULL);

#define REAL(name, fn) g_test_add("/smtp/" name, Fix, NULL, setup, fn, teardown)
	REAL("plain-delivery-is-byte-identical", test_plain_delivery_is_byte_identical);
	REAL("refused-recipient-is-permanent", test_refused_recipient_is_permanent);
	REAL("server-down-is-temporary-then-sends", test_server_down_is_temporary_then_sends);
	REAL("starttls-and-login-via-submission", test_starttls_and_login_via_submission);
	REAL("wrong-password-is-config", test_wrong_password_is_config);
	REAL("untrusted-certificate-is-config", test_untrusted_certificate_is_config);
	REAL("tls-required-but-not-offered-is-config",
	     test_tls_required_but_not_offered_is_config);
	REAL("bearer-token-never-falls-back-to-password",
	     test_bearer_token_never_falls_back_to_password);
	REAL("out-of-office-answers-people-not-chasers",
	     test_out_of_office_answers_people_not_chasers);
	g_test_add_func("/smtp/bad-configuration-is-refused-at-once",
	                test_bad_configuration_is_refused_at_once);

#define FAKE(name, fn, mode) \
	g_test_add("/smtp/scripted/" name, FakeFix, GINT_TO_POINTER(mode), fake_setup, fn, \
	           fake_teardown)
	FAKE("451-on-recipient-is-temporary", test_451_on_recipient_is_temporary, FAKE_RCPT_451);
	FAKE("554-after-data-is-permanent", test_554_after_data_is_permanent, FAKE_DATA_554);
	FAKE("connection-cut-after-data-is-temporary", test_connection_cut_after_data_is_temporary,
	     FAKE_CUT_AFTER_DATA);
	FAKE("xoauth2-refreshes-a-refused-token-once", test_xoauth2_refreshes_a_refused_token_once,
	     FAKE_XOAUTH2);
	int r = g_test_run();
	curl_global_cleanup();
	return r;
}
