/* The IMAP driver against a real Dovecot (IMAP with TLS from a test CA, LMTP for delivery),
 * started for each test by tests/servers/start, and against a small scripted server for what
 * Dovecot cannot be made to do (XOAUTH2, a server without STARTTLS, a cut connection).
 *
 * Each test reads like what the team would see: mail delivered to the shared mailbox is
 * handed over byte for byte, then found in Processed or Quarantine, or left in the inbox.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gmime/gmime.h>
#include <glib/gstdio.h>

#include "inbound/imap.h"
#include "message/message.h"
#include "servers/harness.h"
#include "support/real.h"
#include "util/error.h"

/* ---- what the intake side saw and answered ---------------------------------------------- */

typedef struct {
	char *where;
	GBytes *raw; /* NULL: not fetched (over the size limit) */
	gsize size;
	char *file_sha;    /* fetched in pieces: the SHA-256 of the file as intake found it */
	GBytes *report;    /* and the attachment "Report.pdf", decoded from that file */
} Call;

static void call_free(gpointer p)
{
	Call *c = p;
	g_free(c->where);
	if (c->raw)
		g_bytes_unref(c->raw);
	g_free(c->file_sha);
	if (c->report)
		g_bytes_unref(c->report);
	g_free(c);
}

typedef struct {
	gboolean known;
	guint32 validity;
	guint32 last_uid;
	guint sets;
} MemState;

static gboolean state_get(gpointer data, const char *mailbox, guint32 *v, guint32 *last,
                          GError **error)
{
	(void)error;
	MemState *st = data;
	g_assert_cmpstr(mailbox, ==, "INBOX");
	if (!st->known)
		return FALSE;
	*v = st->validity;
	*last = st->last_uid;
	return TRUE;
}

static gboolean state_set(gpointer data, const char *mailbox, guint32 v, guint32 last,
                          GError **error)
{
	MemState *st = data;
	st->known = TRUE;
	st->validity = v;
	st->last_uid = last;
	st->sets++;
	return TRUE;
}

typedef struct {
	ChServers srv;
	gboolean ready;
	ChImapConfig cfg;
	GPtrArray *strings; /* owned config strings */
	MemState state;
	ChImapState state_cb;
	GPtrArray *calls;
	gboolean retry_now_done; /* "[retry]" messages are answered DONE from now on */
	gboolean config_fixed;   /* "[stop]" messages are answered DONE from now on */
	ChImap *imap;
} Fix;

/* Answers by subject: "[quarantine]" -> QUARANTINE, "[retry]" -> RETRY, "[stop]" -> STOP
 * (broken configuration), else DONE; a
 * message not fetched goes to Quarantine, as intake does with oversized mail. */
static ChIntakeResult intake(gpointer data, const char *where, const guint8 *raw, gsize len,
                             gsize size, const char *file, GError **error)
{
	Fix *f = data;
	Call *c = g_new0(Call, 1);
	c->where = g_strdup(where);
	c->raw = raw ? g_bytes_new(raw, len) : NULL;
	c->size = size;
	if (file != NULL) {
		/* What intake would read: the file itself, and an attachment decoded from it
		 * through the parse of the mapping. */
		g_autofree char *bytes = NULL;
		gsize n = 0;
		g_assert_true(g_file_get_contents(file, &bytes, &n, NULL));
		c->file_sha = g_compute_checksum_for_data(G_CHECKSUM_SHA256, (guint8 *)bytes, n);
		GError *pe = NULL;
		ChMessage *m = ch_message_parse_mapped(raw, len, file, NULL, NULL, &pe);
		g_assert_no_error(pe);
		for (guint i = 0; i < m->attachments->len; i++) {
			const ChAttachment *a = m->attachments->pdata[i];
			if (g_strcmp0(a->filename, "Report.pdf") == 0)
				c->report = ch_attachment_bytes(a);
		}
		ch_message_free(m);
	}
	g_ptr_array_add(f->calls, c);
	if (raw == NULL)
		return CH_INTAKE_QUARANTINE;
	g_autofree char *text = g_strndup((const char *)raw, len);
	if (strstr(text, "[quarantine]"))
		return CH_INTAKE_QUARANTINE;
	if (strstr(text, "[retry]") && !f->retry_now_done) {
		g_set_error(error, CH_ERROR, CH_ERROR_TEMPORARY, "store busy (test)");
		return CH_INTAKE_RETRY;
	}
	if (strstr(text, "[stop]") && !f->config_fixed) {
		g_set_error(error, CH_ERROR, CH_ERROR_CONFIG, "template transcript.txt is broken (test)");
		return CH_INTAKE_STOP;
	}
	return CH_INTAKE_DONE;
}

static char *keep(Fix *f, char *s)
{
	g_ptr_array_add(f->strings, s);
	return s;
}

static const char *env(Fix *f, const char *key)
{
	return ch_servers_env(&f->srv, key);
}

/* The shared mailbox over implicit TLS, trusting the test CA. */
static void default_config(Fix *f)
{
	f->cfg.url = keep(f, g_strdup_printf("imaps://localhost:%s", env(f, "IMAPS_PORT")));
	f->cfg.user = "safeguarding";
	f->cfg.password_file = (char *)env(f, "PASSWORD_FILE_safeguarding");
	f->cfg.ca_file = (char *)env(f, "CA_FILE");
	f->cfg.starttls = TRUE;
	f->cfg.mailbox = "INBOX";
	f->cfg.processed = "Processed";
	f->cfg.quarantine = "Quarantine";
	f->cfg.idle = TRUE;
	f->cfg.poll_interval = 60;
	f->cfg.timeout = 10;
}

static void fix_init(Fix *f)
{
	ch_servers_watchdog(60);
	f->strings = g_ptr_array_new_with_free_func(g_free);
	f->calls = g_ptr_array_new_with_free_func(call_free);
	f->state_cb = (ChImapState){ state_get, state_set, &f->state };
}

/* test data: extra Dovecot configuration, or NULL. */
static void setup(Fix *f, gconstpointer data)
{
	fix_init(f);
	const char *extra = data;
	if (extra != NULL) {
		GError *e = NULL;
		f->srv.dir = g_dir_make_tmp("chaser-servers-XXXXXX", &e);
		g_assert_no_error(e);
		g_autofree char *p = g_build_filename(f->srv.dir, "dovecot-extra.conf", NULL);
		g_assert_true(g_file_set_contents(p, extra, -1, NULL));
	}
	if (!ch_servers_start(&f->srv, "dovecot"))
		return;
	default_config(f);
	f->ready = TRUE;
}

static void teardown(Fix *f, gconstpointer data)
{
	ch_servers_watchdog(0);
	ch_imap_free(f->imap);
	ch_servers_finish(&f->srv);
	g_ptr_array_free(f->calls, TRUE);
	g_ptr_array_free(f->strings, TRUE);
}

#define READY(f)                  \
	do {                      \
		if (!(f)->ready)  \
			return;   \
	} while (0)

/* ---- messages ---------------------------------------------------------------------------- */

static char *message(const char *subject, const char *extra_body)
{
	static int n;
	return g_strdup_printf("From: Chair <chair@example.test>\r\n"
	                       "To: safeguarding@example.test\r\n"
	                       "Subject: %s\r\n"
	                       "Message-ID: <chaser-test-%d-%d@example.test>\r\n"
	                       "Date: Mon, 23 Nov 2026 10:00:00 +0000\r\n"
	                       "\r\n"
	                       "Authorised.\r\n"
	                       ".a line starting with a dot\r\n"
	                       "%s"
	                       "-- \r\nChair\r\n",
	                       subject, (int)getpid(), ++n, extra_body ? extra_body : "");
}

static void deliver(Fix *f, const char *msg)
{
	g_assert_true(ch_servers_deliver(&f->srv, "LMTP_PORT", "LMTP", "chair@example.test",
	                                 "safeguarding@example.test", msg));
}

static gboolean has_suffix(GBytes *b, const char *suffix)
{
	gsize len = 0, n = strlen(suffix);
	const char *p = g_bytes_get_data(b, &len);
	return len >= n && memcmp(p + len - n, suffix, n) == 0;
}

static Call *call(Fix *f, guint i)
{
	g_assert_cmpuint(i, <, f->calls->len);
	return f->calls->pdata[i];
}

static guint folder_count(Fix *f, const char *folder)
{
	GPtrArray *m = ch_servers_maildir(&f->srv, "safeguarding", folder);
	guint n = m->len;
	g_ptr_array_free(m, TRUE);
	return n;
}

static gboolean sweep(Fix *f, guint *count, GError **error)
{
	if (f->imap == NULL)
		f->imap = ch_imap_new(&f->cfg, 10 * 1024 * 1024, &f->state_cb);
	return ch_imap_sweep(f->imap, intake, f, count, error);
}

/* ---- tests against Dovecot --------------------------------------------------------------- */

/* TRUE once Dovecot's log has a line with both pieces (b may be NULL). Dovecot writes its
 * log a moment after it answers, so wait up to five seconds before saying no. */
static gboolean logged(Fix *f, const char *a, const char *b)
{
	for (int i = 0; i < 50; i++) {
		if (ch_servers_log_has(&f->srv, "DOVECOT_LOG", a, b, NULL))
			return TRUE;
		g_usleep(100 * 1000);
	}
	return FALSE;
}

static void test_sweep_hands_over_exact_bytes_then_moves_to_processed(Fix *f, gconstpointer d)
{
	READY(f);
	g_autofree char *m1 = message("Report from health", NULL);
	g_autofree char *m2 = message("Report from education", NULL);
	g_autofree char *m3 = message("=?UTF-8?Q?R=C3=A9ponse?=", "Caf\xc3\xa9 \xe2\x82\xac\r\n");
	deliver(f, m1), deliver(f, m2), deliver(f, m3);

	GError *e = NULL;
	guint count = 0;
	g_assert_true(sweep(f, &count, &e));
	g_assert_no_error(e);
	g_assert_cmpuint(count, ==, 3);
	g_assert_cmpuint(f->calls->len, ==, 3);

	/* In delivery order, each exactly as sent (the servers only add trace headers on top),
	 * known by mailbox, UIDVALIDITY and UID. */
	const char *sent[] = { m1, m2, m3 };
	g_assert_true(f->state.known);
	g_assert_cmpuint(f->state.validity, !=, 0);
	for (guint i = 0; i < 3; i++) {
		g_autofree char *where = g_strdup_printf("imap:INBOX/%u/%u", f->state.validity, i + 1);
		g_assert_cmpstr(call(f, i)->where, ==, where);
		g_assert_nonnull(call(f, i)->raw);
		g_assert_cmpuint(call(f, i)->size, ==, 0);
		g_assert_true(has_suffix(call(f, i)->raw, sent[i]));
	}
	g_assert_cmpuint(f->state.last_uid, ==, 3);

	/* Moved: the inbox is empty, Processed holds the very same bytes, still unread. */
	g_assert_cmpuint(folder_count(f, ""), ==, 0);
	GPtrArray *done = ch_servers_maildir(&f->srv, "safeguarding", "Processed");
	g_assert_cmpuint(done->len, ==, 3);
	for (guint i = 0; i < 3; i++) {
		gsize len = 0;
		const char *raw = g_bytes_get_data(call(f, i)->raw, &len);
		g_autofree char *lf = ch_servers_lf(raw, len);
		gboolean found = FALSE;
		for (guint j = 0; j < done->len; j++)
			found |= strcmp(done->pdata[j], lf) == 0;
		g_assert_true(found);
	}
	g_ptr_array_free(done, TRUE);
	guint total = 0;
	g_assert_cmpuint(ch_servers_maildir_flagged(&f->srv, "safeguarding", "Processed", 'S',
	                                            &total), ==, 0);
	g_assert_cmpuint(total, ==, 3);

	/* Nothing is handed over twice. */
	g_assert_true(sweep(f, &count, &e));
	g_assert_no_error(e);
	g_assert_cmpuint(count, ==, 0);
	g_assert_cmpuint(f->calls->len, ==, 3);
}

static void test_quarantine_and_retry_answers(Fix *f, gconstpointer d)
{
	READY(f);
	g_autofree char *ok = message("Authorised", NULL);
	g_autofree char *bad = message("Broken [quarantine]", NULL);
	g_autofree char *later = message("Busy store [retry]", NULL);
	deliver(f, ok), deliver(f, bad), deliver(f, later);

	GError *e = NULL;
	guint count = 0;
	g_assert_true(sweep(f, &count, &e));
	g_assert_no_error(e);
	g_assert_cmpuint(count, ==, 3);
	g_assert_cmpuint(folder_count(f, "Processed"), ==, 1);
	g_assert_cmpuint(folder_count(f, "Quarantine"), ==, 1);
	GPtrArray *inbox = ch_servers_maildir(&f->srv, "safeguarding", "");
	g_assert_cmpuint(inbox->len, ==, 1);
	g_assert_nonnull(strstr(inbox->pdata[0], "Subject: Busy store [retry]"));
	g_ptr_array_free(inbox, TRUE);
	GPtrArray *q = ch_servers_maildir(&f->srv, "safeguarding", "Quarantine");
	g_assert_nonnull(strstr(q->pdata[0], "Subject: Broken [quarantine]"));
	g_ptr_array_free(q, TRUE);

	/* The message left behind comes again, under the same name, until it is handled. */
	g_assert_true(sweep(f, &count, &e));
	g_assert_no_error(e);
	g_assert_cmpuint(count, ==, 1);
	g_assert_cmpstr(call(f, 3)->where, ==, call(f, 2)->where);
	g_assert_true(has_suffix(call(f, 3)->raw, later));
	g_assert_cmpuint(folder_count(f, ""), ==, 1);

	f->retry_now_done = TRUE;
	g_assert_true(sweep(f, &count, &e));
	g_assert_no_error(e);
	g_assert_cmpuint(count, ==, 1);
	g_assert_cmpuint(folder_count(f, ""), ==, 0);
	g_assert_cmpuint(folder_count(f, "Processed"), ==, 2);
}

/* Intake meets broken configuration: that message and every one after it stay in the inbox
 * untouched, the sweep ends with intake's CONFIG error, and once the configuration is fixed
 * the next sweep takes them in their order. */
static void test_stop_answer_leaves_the_rest_in_the_inbox(Fix *f, gconstpointer d)
{
	READY(f);
	g_autofree char *first = message("Authorised", NULL);
	g_autofree char *stopper = message("Needs a template [stop]", NULL);
	g_autofree char *after = message("Report from school", NULL);
	deliver(f, first), deliver(f, stopper), deliver(f, after);

	GError *e = NULL;
	guint count = 0;
	g_assert_false(sweep(f, &count, &e));
	g_assert_error(e, CH_ERROR, CH_ERROR_CONFIG);
	g_assert_nonnull(strstr(e->message, "transcript.txt"));
	g_clear_error(&e);
	g_assert_cmpuint(count, ==, 2);
	g_assert_cmpuint(f->calls->len, ==, 2);
	g_assert_cmpuint(folder_count(f, "Processed"), ==, 1);
	g_assert_cmpuint(folder_count(f, ""), ==, 2);
	g_assert_cmpuint(folder_count(f, "Quarantine"), ==, 0);

	f->config_fixed = TRUE;
	g_assert_true(sweep(f, &count, &e));
	g_assert_no_error(e);
	g_assert_cmpuint(count, ==, 2);
	g_assert_true(has_suffix(call(f, 2)->raw, stopper));
	g_assert_true(has_suffix(call(f, 3)->raw, after));
	g_assert_cmpuint(folder_count(f, ""), ==, 0);
	g_assert_cmpuint(folder_count(f, "Processed"), ==, 3);
}

static void test_message_over_size_limit_is_not_fetched(Fix *f, gconstpointer d)
{
	READY(f);
	GString *big = g_string_new(NULL);
	for (int i = 0; i < 400; i++)
		g_string_append_printf(big, "Line %03d of a long attached report, padded out.\r\n", i);
	g_autofree char *small = message("Small", NULL);
	g_autofree char *large = message("Large", big->str);
	g_string_free(big, TRUE);
	deliver(f, small), deliver(f, large);

	f->imap = ch_imap_new(&f->cfg, 4096, &f->state_cb);
	GError *e = NULL;
	guint count = 0;
	g_assert_true(ch_imap_sweep(f->imap, intake, f, &count, &e));
	g_assert_no_error(e);
	g_assert_cmpuint(count, ==, 2);
	g_assert_nonnull(call(f, 0)->raw);
	g_assert_true(has_suffix(call(f, 0)->raw, small));
	/* Only its size: the size the server counts, CRLF lines, of what is now quarantined. */
	g_assert_null(call(f, 1)->raw);
	GPtrArray *q = ch_servers_maildir(&f->srv, "safeguarding", "Quarantine");
	g_assert_cmpuint(q->len, ==, 1);
	const char *stored = q->pdata[0];
	gsize lines = 0;
	for (const char *p = stored; *p; p++)
		lines += *p == '\n';
	g_assert_cmpuint(call(f, 1)->size, ==, strlen(stored) + lines);
	g_assert_cmpuint(call(f, 1)->size, >, 4096);
	g_ptr_array_free(q, TRUE);
	g_assert_cmpuint(folder_count(f, "Processed"), ==, 1);
	g_assert_cmpuint(folder_count(f, ""), ==, 0);
}

static void test_starttls_on_plain_port(Fix *f, gconstpointer d)
{
	READY(f);
	g_autofree char *m = message("Over STARTTLS", NULL);
	deliver(f, m);
	f->cfg.url = keep(f, g_strdup_printf("imap://localhost:%s", env(f, "IMAP_PORT")));
	GError *e = NULL;
	guint count = 0;
	g_assert_true(sweep(f, &count, &e));
	g_assert_no_error(e);
	g_assert_cmpuint(count, ==, 1);
	g_assert_true(has_suffix(call(f, 0)->raw, m));
	/* Dovecot says the login came over TLS. */
	g_assert_true(logged(f, "Login: user=<safeguarding>", "TLS"));
}

/* Waits for Dovecot's login process to log the end of a connection from `lip`. */
static gboolean login_log_settles(Fix *f, const char *lip)
{
	g_autofree char *l = g_strdup_printf("lip=%s", lip);
	for (int i = 0; i < 60; i++) {
		if (ch_servers_log_has(&f->srv, "DOVECOT_LOG", "imap-login", l, NULL))
			return TRUE;
		g_usleep(50 * 1000);
	}
	return FALSE;
}

static void test_untrusted_certificate_refused_before_login(Fix *f, gconstpointer d)
{
	READY(f);
	g_autofree char *m = message("Sent to an impostor?", NULL);
	deliver(f, m);
	const char *host = env(f, "IMAPS_UNTRUSTED_HOST");
	f->cfg.url = keep(f, g_strdup_printf("imaps://%s:%s", host, env(f, "IMAPS_UNTRUSTED_PORT")));

	GError *e = NULL;
	guint count = 0;
	g_assert_false(sweep(f, &count, &e));
	g_assert_error(e, CH_ERROR, CH_ERROR_CONFIG);
	g_autofree char *want = g_strdup_printf("certificate of %s not trusted", host);
	g_assert_nonnull(strstr(e->message, want));
	g_assert_nonnull(strstr(e->message, "issuer"));
	g_clear_error(&e);
	g_assert_cmpuint(f->calls->len, ==, 0);
	/* No password was offered: Dovecot saw a connection with no login attempt. */
	g_assert_true(login_log_settles(f, host));
	g_assert_true(logged(f, "no auth attempts", host));
	g_assert_false(ch_servers_log_has(&f->srv, "DOVECOT_LOG", "Login:", NULL));
	g_assert_false(ch_servers_log_has(&f->srv, "DOVECOT_LOG", "auth failed", NULL));

	/* Trusting that certificate's own CA file makes it work. */
	ch_imap_free(g_steal_pointer(&f->imap));
	f->cfg.ca_file = (char *)env(f, "UNTRUSTED_CA_FILE");
	g_assert_true(sweep(f, &count, &e));
	g_assert_no_error(e);
	g_assert_cmpuint(count, ==, 1);

	/* The system CAs alone do not know the test CA either. */
	ch_imap_free(g_steal_pointer(&f->imap));
	f->cfg.url = keep(f, g_strdup_printf("imaps://localhost:%s", env(f, "IMAPS_PORT")));
	f->cfg.ca_file = NULL;
	g_assert_false(sweep(f, &count, &e));
	g_assert_error(e, CH_ERROR, CH_ERROR_CONFIG);
	g_assert_nonnull(strstr(e->message, "certificate of localhost not trusted"));
	g_clear_error(&e);
}

static void test_certificate_for_another_name_refused(Fix *f, gconstpointer d)
{
	READY(f);
	const char *host = env(f, "IMAPS_WRONGNAME_HOST");
	f->cfg.url = keep(f, g_strdup_printf("imaps://%s:%s", host, env(f, "IMAPS_WRONGNAME_PORT")));
	GError *e = NULL;
	guint count = 0;
	g_assert_false(sweep(f, &count, &e));
	g_assert_error(e, CH_ERROR, CH_ERROR_CONFIG);
	g_autofree char *want = g_strdup_printf("certificate of %s not trusted", host);
	g_assert_nonnull(strstr(e->message, want));
	g_assert_nonnull(strstr(e->message, "match"));
	g_clear_error(&e);
	g_assert_true(login_log_settles(f, host));
	g_assert_false(ch_servers_log_has(&f->srv, "DOVECOT_LOG", "Login:", NULL));
}

static void test_wrong_password_is_a_config_error(Fix *f, gconstpointer d)
{
	READY(f);
	g_autofree char *pw = g_build_filename(f->srv.dir, "wrong.password", NULL);
	g_assert_true(g_file_set_contents(pw, "not-the-password\n", -1, NULL));
	f->cfg.password_file = pw;
	GError *e = NULL;
	guint count = 0;
	g_assert_false(sweep(f, &count, &e));
	g_assert_error(e, CH_ERROR, CH_ERROR_CONFIG);
	g_assert_nonnull(strstr(e->message, "login as safeguarding on localhost refused"));
	g_assert_null(strstr(e->message, "not-the-password"));
	g_clear_error(&e);
	/* It stays a configuration error, sweep after sweep, until someone fixes it. */
	g_assert_false(sweep(f, &count, &e));
	g_assert_error(e, CH_ERROR, CH_ERROR_CONFIG);
	g_clear_error(&e);
	f->cfg.password_file = (char *)env(f, "PASSWORD_FILE_safeguarding");
	ch_imap_free(g_steal_pointer(&f->imap));
	g_assert_true(sweep(f, &count, &e));
	g_assert_no_error(e);
}

static void test_uidvalidity_change_stops_the_mailbox(Fix *f, gconstpointer d)
{
	READY(f);
	g_autofree char *m1 = message("Before", NULL);
	g_autofree char *m2 = message("After the mailbox was rebuilt", NULL);
	deliver(f, m1);
	GError *e = NULL;
	guint count = 0;
	g_assert_true(sweep(f, &count, &e));
	g_assert_no_error(e);
	g_assert_cmpuint(count, ==, 1);
	guint32 before = f->state.validity;

	/* What a restore from backup or a rebuilt mailbox does: new UIDVALIDITY. */
	deliver(f, m2);
	g_autofree char *nv = g_strdup_printf("%u", before + 1000);
	const char *argv[] = { "doveadm", "-c", env(f, "DOVECOT_CONF"), "mailbox", "update",
		               "-u", "safeguarding", "--uid-validity", nv, "INBOX", NULL };
	g_assert_true(ch_servers_run(argv, NULL));

	/* The open session may first be dropped by Dovecot: that try is temporary. */
	gboolean ok = sweep(f, &count, &e);
	if (!ok && e->code == CH_ERROR_TEMPORARY) {
		g_clear_error(&e);
		ok = sweep(f, &count, &e);
	}
	g_assert_false(ok);
	g_assert_error(e, CH_ERROR, CH_ERROR_CONFIG);
	g_autofree char *want = g_strdup_printf("UIDVALIDITY of INBOX changed from %u to %u: "
	                                        "stopped", before, before + 1000);
	g_assert_cmpstr(e->message, ==, want);
	g_clear_error(&e);
	g_assert_cmpuint(f->calls->len, ==, 1);
	g_assert_cmpuint(folder_count(f, ""), ==, 1);
	g_assert_cmpuint(f->state.validity, ==, before);

	/* And it stays stopped until a person resets the stored value. */
	g_assert_false(sweep(f, &count, &e));
	g_assert_error(e, CH_ERROR, CH_ERROR_CONFIG);
	g_clear_error(&e);
	g_assert_cmpuint(f->calls->len, ==, 1);
}

/* The same, through the store: each `chaser poll` is a new process, so the UIDVALIDITY it
 * compares with is the one an earlier run kept in the database. The mailbox rebuilt between
 * two polls is not read at all, and the poll says why. */
static void test_uidvalidity_kept_in_the_store_across_runs(Fix *f, gconstpointer d)
{
	READY(f);
	RealConfig rc = {
		.address = "safeguarding@example.test",
		.imap_url = keep(f, g_strdup_printf("imaps://localhost:%s", env(f, "IMAPS_PORT"))),
		.imap_user = "safeguarding",
		.imap_password_file = env(f, "PASSWORD_FILE_safeguarding"),
		.imap_ca_file = env(f, "CA_FILE"),
		.people = "admin = admin@example.test\n"
		          "cp_coordinator = admin+coordinator@example.test\n"
		          "lead_safeguarding_manager = admin+lead@example.test\n"
		          "qasg = admin+qasg@example.test\n"
		          "cp_managers = admin+managers@example.test\n",
	};
	g_autofree char *dir = g_build_filename(f->srv.dir, "chaser", NULL);
	Harness *h = real_chaser_new(dir, &rc);
	g_autofree char *m1 = message("Before", NULL);
	g_autofree char *m2 = message("After the mailbox was rebuilt", NULL);
	deliver(f, m1);
	g_assert_cmpint(h_run(h, "2026-11-24T10:00", "poll", NULL), ==, 0);
	g_assert_nonnull(strstr(h->out, "1 messages: 1 handled"));
	gint64 before = real_query_int(h, 0, "SELECT uidvalidity FROM mailbox WHERE name = ?1",
	                               "INBOX");
	g_assert_cmpint(before, >, 0);
	g_assert_cmpuint(folder_count(f, "Processed"), ==, 1);

	deliver(f, m2);
	g_autofree char *nv = g_strdup_printf("%" G_GINT64_FORMAT, before + 1000);
	const char *argv[] = { "doveadm", "-c", env(f, "DOVECOT_CONF"), "mailbox", "update",
		               "-u", "safeguarding", "--uid-validity", nv, "INBOX", NULL };
	g_assert_true(ch_servers_run(argv, NULL));

	g_autofree char *want = g_strdup_printf("UIDVALIDITY of INBOX changed from %" G_GINT64_FORMAT
	                                        " to %" G_GINT64_FORMAT ": stopped",
	                                        before, before + 1000);
	for (int run = 0; run < 2; run++) {
		g_assert_cmpint(h_run(h, "2026-11-24T10:05", "poll", NULL), ==, 1);
		if (!strstr(h->err, want))
			g_error("poll %d after the rebuild: '%s' lacks '%s'", run + 1, h->err, want);
		/* Nothing read: the new message waits in the inbox, the store is as it was. */
		g_assert_cmpint(real_query_int(h, 0, "SELECT count(*) FROM message", NULL), ==, 1);
		g_assert_cmpint(real_query_int(h, 0, "SELECT uidvalidity FROM mailbox WHERE name = ?1",
		                               "INBOX"),
		                ==, before);
		g_assert_cmpuint(folder_count(f, ""), ==, 1);
		g_assert_cmpuint(folder_count(f, "Processed"), ==, 1);
	}
	real_chaser_free(h);
}

static void test_server_restart_between_sweeps(Fix *f, gconstpointer d)
{
	READY(f);
	g_autofree char *m1 = message("First", NULL);
	g_autofree char *m2 = message("Second", NULL);
	g_autofree char *m3 = message("After the restart", NULL);
	deliver(f, m1), deliver(f, m2);
	GError *e = NULL;
	guint count = 0;
	g_assert_true(sweep(f, &count, &e));
	g_assert_no_error(e);
	g_assert_cmpuint(count, ==, 2);

	g_assert_true(ch_servers_stop(&f->srv, "dovecot"));
	g_assert_true(ch_servers_start(&f->srv, "dovecot"));
	deliver(f, m3);

	g_assert_false(sweep(f, &count, &e));
	g_assert_error(e, CH_ERROR, CH_ERROR_TEMPORARY);
	g_clear_error(&e);
	g_assert_cmpuint(f->calls->len, ==, 2);

	g_assert_true(sweep(f, &count, &e));
	g_assert_no_error(e);
	g_assert_cmpuint(count, ==, 1);
	g_assert_true(has_suffix(call(f, 2)->raw, m3));
	g_assert_cmpuint(folder_count(f, "Processed"), ==, 3);
	g_assert_cmpuint(folder_count(f, ""), ==, 0);
}

typedef struct {
	Fix *f;
	guint delay_ms;
	const char *msg;    /* deliver this after the delay, or */
	volatile gint *stop; /* set this */
} Later;

static gpointer later_thread(gpointer data)
{
	Later *l = data;
	g_usleep(l->delay_ms * 1000);
	if (l->msg != NULL)
		deliver(l->f, l->msg);
	if (l->stop != NULL)
		g_atomic_int_set(l->stop, 1);
	return NULL;
}

static double since(gint64 t0)
{
	return (double)(g_get_monotonic_time() - t0) / G_USEC_PER_SEC;
}

static void test_idle_wakes_on_delivery_and_stop(Fix *f, gconstpointer d)
{
	READY(f);
	GError *e = NULL;
	guint count = 0;
	g_assert_true(sweep(f, &count, &e));
	g_assert_no_error(e);
	g_assert_cmpuint(count, ==, 0);

	/* New mail wakes the wait long before its 30 s. */
	g_autofree char *m = message("Arrives while idling", NULL);
	volatile gint stop = 0;
	Later l = { f, 700, m, NULL };
	GThread *t = g_thread_new("deliver", later_thread, &l);
	gint64 t0 = g_get_monotonic_time();
	g_assert_true(ch_imap_wait(f->imap, 30, &stop, &e));
	double waited = since(t0);
	g_thread_join(t);
	g_assert_no_error(e);
	g_assert_cmpfloat(waited, >=, 0.6);
	g_assert_cmpfloat(waited, <, 10.0);
	g_assert_true(sweep(f, &count, &e));
	g_assert_no_error(e);
	g_assert_cmpuint(count, ==, 1);

	/* A stop request ends the IDLE within a slice or two. */
	Later s = { f, 300, NULL, &stop };
	t = g_thread_new("stop", later_thread, &s);
	t0 = g_get_monotonic_time();
	g_assert_true(ch_imap_wait(f->imap, 30, &stop, &e));
	g_assert_no_error(e);
	g_assert_cmpfloat(since(t0), <, 2.0);
	g_thread_join(t);

	/* Quiet mailbox: the wait lasts its time, and the connection is fine afterwards. */
	g_atomic_int_set(&stop, 0);
	t0 = g_get_monotonic_time();
	g_assert_true(ch_imap_wait(f->imap, 1, &stop, &e));
	g_assert_no_error(e);
	g_assert_cmpfloat(since(t0), >=, 0.9);
	g_assert_cmpfloat(since(t0), <, 5.0);
	g_assert_true(sweep(f, &count, &e));
	g_assert_no_error(e);
	g_assert_cmpuint(count, ==, 0);

	/* Without IDLE it sleeps, and still hears the stop request. */
	ch_imap_free(g_steal_pointer(&f->imap));
	f->cfg.idle = FALSE;
	g_assert_true(sweep(f, &count, &e));
	g_assert_no_error(e);
	s.stop = &stop;
	t = g_thread_new("stop", later_thread, &s);
	t0 = g_get_monotonic_time();
	g_assert_true(ch_imap_wait(f->imap, 30, &stop, &e));
	g_assert_no_error(e);
	g_assert_cmpfloat(since(t0), <, 2.0);
	g_thread_join(t);
}

/* Dovecot told to offer neither MOVE (and, for the second, nor UIDPLUS); the mail_log
 * plugin shows which commands the driver used. */
#define NO_MOVE_CONF(caps)                                                                   \
	"protocol imap {\n"                                                                  \
	"  imap_capability = IMAP4rev1 SASL-IR LOGIN-REFERRALS ID ENABLE IDLE LITERAL+ " caps \
	"\n"                                                                                 \
	"  mail_plugins = $mail_plugins notify mail_log\n"                                   \
	"}\n"                                                                                \
	"plugin {\n"                                                                         \
	"  mail_log_events = copy delete expunge\n"                                          \
	"  mail_log_fields = uid box flags\n"                                                \
	"}\n"

static void test_copy_and_uid_expunge_without_move(Fix *f, gconstpointer d)
{
	READY(f);
	g_autofree char *m1 = message("One", NULL);
	g_autofree char *m2 = message("Two", NULL);
	deliver(f, m1), deliver(f, m2);
	GError *e = NULL;
	guint count = 0;
	g_assert_true(sweep(f, &count, &e));
	g_assert_no_error(e);
	g_assert_cmpuint(count, ==, 2);
	g_assert_cmpuint(folder_count(f, ""), ==, 0);
	g_assert_cmpuint(folder_count(f, "Processed"), ==, 2);
	/* COPY, then \Deleted set (a MOVE sets no flag), then UID EXPUNGE. */
	g_assert_true(logged(f, ": copy from INBOX: box=Processed", NULL));
	g_assert_true(logged(f, ": delete: box=INBOX, uid=2", NULL));
	g_assert_true(logged(f, ": expunge: box=INBOX, uid=2", NULL));
}

static void count_warning(const char *domain, GLogLevelFlags level, const char *msg,
                          gpointer data)
{
	if (strstr(msg, "neither MOVE nor UIDPLUS") != NULL)
		(*(guint *)data)++;
}

static void test_copy_without_uidplus_leaves_it_flagged_deleted(Fix *f, gconstpointer d)
{
	READY(f);
	/* This test expects a warning: not fatal here, and counted. */
	guint warnings = 0;
	GLogLevelFlags fatal = g_log_set_always_fatal(G_LOG_FATAL_MASK | G_LOG_LEVEL_CRITICAL);
	guint handler = g_log_set_handler(G_LOG_DOMAIN, G_LOG_LEVEL_WARNING, count_warning,
	                                  &warnings);
	g_autofree char *m1 = message("First of two", NULL);
	g_autofree char *m2 = message("Second of two", NULL);
	deliver(f, m1), deliver(f, m2);
	GError *e = NULL;
	guint count = 0;
	g_assert_true(sweep(f, &count, &e));
	g_assert_no_error(e);
	g_assert_cmpuint(count, ==, 2);
	g_assert_cmpuint(folder_count(f, "Processed"), ==, 2);
	g_log_remove_handler(G_LOG_DOMAIN, handler);
	g_log_set_always_fatal(fatal);
	g_assert_cmpuint(warnings, ==, 1); /* the operator is told, once */
	/* No plain EXPUNGE: it would take what other people flagged too. */
	guint total = 0;
	g_assert_cmpuint(ch_servers_maildir_flagged(&f->srv, "safeguarding", "", 'T', &total), ==,
	                 2);
	g_assert_cmpuint(total, ==, 2);
	g_assert_true(logged(f, ": delete: box=INBOX, uid=2", NULL));
	g_assert_false(ch_servers_log_has(&f->srv, "DOVECOT_LOG", ": expunge:", NULL));
	/* And it is not handed over again. */
	g_assert_true(sweep(f, &count, &e));
	g_assert_no_error(e);
	g_assert_cmpuint(count, ==, 0);
}

/* ---- large messages, in pieces ----------------------------------------------------------- */

/* Base64 in lines of 76, CRLF, as mail clients write it. */
static guint files_in(const char *dir)
{
	guint n = 0;
	g_autoptr(GDir) d = g_dir_open(dir, 0, NULL);
	while (d != NULL && g_dir_read_name(d) != NULL)
		n++;
	return n;
}

/* A report of 3 MB (a PDF of 2.2 MB, base64) over the 1 MB mark comes in pieces of 256 KB
 * into a file: intake gets exactly the bytes Dovecot holds, the file it is handed has their
 * SHA-256, the PDF decoded from that file is the one attached, and the message is moved; the
 * driver leaves no file of its own behind. */
static void test_large_message_in_pieces_arrives_whole(Fix *f, gconstpointer d)
{
	READY(f);
	gsize len = 2200 * 1024 + 5;
	guint8 *pdf = h_random_pdf(len, 3501);
	g_autofree char *b64 = h_b64_lines(pdf, len);
	g_autofree char *msg = g_strdup_printf(
		"From: Lena Marsh <lena.marsh@brookfield.example.net>\r\n"
		"To: safeguarding@example.test\r\nSubject: Our report\r\n"
		"Message-ID: <pieces-%d@brookfield.example.net>\r\n"
		"Date: Thu, 26 Nov 2026 10:00:00 +0000\r\nMIME-Version: 1.0\r\n"
		"Content-Type: multipart/mixed; boundary=\"r\"\r\n\r\n--r\r\n"
		"Content-Type: text/plain\r\n\r\nOur report is attached.\r\n--r\r\n"
		"Content-Type: application/pdf; name=\"Report.pdf\"\r\n"
		"Content-Disposition: attachment; filename=\"Report.pdf\"\r\n"
		"Content-Transfer-Encoding: base64\r\n\r\n%s--r--\r\n",
		(int)getpid(), b64);
	g_assert_cmpuint(strlen(msg), >, 3 * 1000 * 1000);
	deliver(f, msg);

	g_autofree char *dir = g_build_filename(f->srv.dir, "pieces", NULL);
	f->imap = ch_imap_new(&f->cfg, 10 * 1024 * 1024, &f->state_cb);
	ch_imap_set_pieces(f->imap, dir, 1024 * 1024, 256 * 1024);
	GError *e = NULL;
	guint count = 0;
	g_assert_true(sweep(f, &count, &e));
	g_assert_no_error(e);
	g_assert_cmpuint(count, ==, 1);
	Call *c = call(f, 0);
	g_assert_nonnull(c->raw);
	g_assert_true(has_suffix(c->raw, msg));
	g_autofree char *raw_sha = g_compute_checksum_for_bytes(G_CHECKSUM_SHA256, c->raw);
	g_assert_cmpstr(c->file_sha, ==, raw_sha);
	g_assert_nonnull(c->report);
	gsize got = 0;
	const guint8 *bytes = g_bytes_get_data(c->report, &got);
	g_assert_cmpmem(bytes, got, pdf, len);
	g_free(pdf);

	/* Dovecot's copy, now in Processed, is the very message intake was handed. */
	g_assert_cmpuint(folder_count(f, ""), ==, 0);
	GPtrArray *done = ch_servers_maildir(&f->srv, "safeguarding", "Processed");
	g_assert_cmpuint(done->len, ==, 1);
	gsize n = 0;
	const char *raw = g_bytes_get_data(c->raw, &n);
	g_autofree char *lf = ch_servers_lf(raw, n);
	g_assert_true(strcmp(done->pdata[0], lf) == 0);
	g_ptr_array_free(done, TRUE);
	g_assert_cmpuint(files_in(dir), ==, 0);
}

/* ---- a scripted server, for what Dovecot will not do ------------------------------------- */

typedef enum {
	FAKE_XOAUTH2,          /* AUTH=XOAUTH2, accepts the token "fresh-token" only */
	FAKE_NO_STARTTLS,      /* plain server that never offers STARTTLS */
	FAKE_CUT_IN_LITERAL,   /* first connection drops halfway through the message */
	FAKE_SHORT_PIECE,      /* a large message; the first sweep's second piece comes short */
} FakeMode;

#define FAKE_MSG "Subject: scripted\r\n\r\nThe whole message.\r\n"

typedef struct {
	FakeMode mode;
	int listen_fd;
	guint16 port;
	GThread *thread;
	volatile gint quit;
	GMutex lock;
	GPtrArray *seen; /* command lines received, without tags */
	guint connections;
	gboolean moved;
	char *msg;          /* the one message: FAKE_MSG, or a large one */
	gboolean cut_short; /* FAKE_SHORT_PIECE: a piece was sent short already */
} Fake;

static void fake_send(int fd, const char *fmt, ...) G_GNUC_PRINTF(2, 3);
static void fake_send(int fd, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	g_autofree char *s = g_strdup_vprintf(fmt, ap);
	va_end(ap);
	ch_fake_write(fd, s);
}

static void fake_session(Fake *fk, int fd, guint nth)
{
	const char *caps = fk->mode == FAKE_XOAUTH2 ? "IMAP4rev1 AUTH=XOAUTH2 SASL-IR IDLE MOVE"
	                                            : "IMAP4rev1 IDLE MOVE UIDPLUS";
	fake_send(fd, "* OK [CAPABILITY %s] scripted server ready\r\n", caps);
	char *next;
	while ((next = ch_fake_line(&fk->quit, fd)) != NULL) {
		g_autofree char *line = next;
		char *sp = strchr(line, ' ');
		if (sp == NULL)
			continue;
		g_autofree char *tag = g_strndup(line, (gsize)(sp - line));
		const char *cmd = sp + 1;
		g_mutex_lock(&fk->lock);
		g_ptr_array_add(fk->seen, g_strdup(cmd));
		g_mutex_unlock(&fk->lock);

		if (g_str_has_prefix(cmd, "CAPABILITY")) {
			fake_send(fd, "* CAPABILITY %s\r\n%s OK done\r\n", caps, tag);
		} else if (g_str_has_prefix(cmd, "LOGIN")) {
			fake_send(fd, "%s OK logged in\r\n", tag);
		} else if (g_str_has_prefix(cmd, "AUTHENTICATE XOAUTH2 ")) {
			gsize n = 0;
			g_autofree guchar *raw = g_base64_decode(cmd + strlen("AUTHENTICATE XOAUTH2 "), &n);
			g_autofree char *sasl = g_strndup((const char *)raw, n);
			if (strstr(sasl, "auth=Bearer fresh-token\001") != NULL) {
				fake_send(fd, "%s OK authenticated\r\n", tag);
			} else {
				/* RFC 7628-style: a JSON error as a challenge, the client's empty line,
				 * then NO. */
				fake_send(fd, "+ eyJzdGF0dXMiOiI0MDEifQ==\r\n");
				g_free(ch_fake_line(&fk->quit, fd));
				fake_send(fd, "%s NO [AUTHENTICATIONFAILED] Invalid credentials\r\n", tag);
			}
		} else if (g_str_has_prefix(cmd, "SELECT")) {
			fake_send(fd, "* FLAGS (\\Seen \\Deleted)\r\n* %d EXISTS\r\n* 0 RECENT\r\n"
			              "* OK [UIDVALIDITY 77] ok\r\n* OK [UIDNEXT 2] ok\r\n"
			              "%s OK [READ-WRITE] selected\r\n", fk->moved ? 0 : 1, tag);
		} else if (g_str_has_prefix(cmd, "UID SEARCH")) {
			fake_send(fd, "* SEARCH%s\r\n%s OK done\r\n", fk->moved ? "" : " 1", tag);
		} else if (g_str_has_prefix(cmd, "UID FETCH") && strstr(cmd, "BODY.PEEK[]<")) {
			/* A range, RFC 3501 6.4.5: the bytes from offset, at most length of them. */
			guint off = 0, want = 0;
			g_assert_cmpint(sscanf(strstr(cmd, "[]<") + 3, "%u.%u", &off, &want), ==, 2);
			gsize total = strlen(fk->msg);
			gsize n = off < total ? MIN(want, total - off) : 0;
			if (fk->mode == FAKE_SHORT_PIECE && off > 0 && !fk->cut_short) {
				fk->cut_short = TRUE;
				n = want / 2; /* fewer than asked, before the end */
			}
			fake_send(fd, "* 1 FETCH (UID 1 BODY[]<%u> {%zu}\r\n", off, n);
			g_autofree char *piece = g_strndup(fk->msg + off, n);
			ch_fake_write(fd, piece);
			fake_send(fd, ")\r\n%s OK done\r\n", tag);
		} else if (g_str_has_prefix(cmd, "UID FETCH") && strstr(cmd, "BODY.PEEK")) {
			gsize n = strlen(FAKE_MSG);
			if (fk->mode == FAKE_CUT_IN_LITERAL && nth == 1) {
				fake_send(fd, "* 1 FETCH (UID 1 BODY[] {%zu}\r\n%.*s", n, 10, FAKE_MSG);
				return; /* the connection drops mid-message */
			}
			fake_send(fd, "* 1 FETCH (UID 1 BODY[] {%zu}\r\n%s)\r\n%s OK done\r\n", n,
			          FAKE_MSG, tag);
		} else if (g_str_has_prefix(cmd, "UID FETCH")) {
			fake_send(fd, "* 1 FETCH (UID 1 RFC822.SIZE %zu)\r\n%s OK done\r\n",
			          strlen(fk->msg), tag);
		} else if (g_str_has_prefix(cmd, "LIST")) {
			fake_send(fd, "* LIST () \"/\" Processed\r\n%s OK done\r\n", tag);
		} else if (g_str_has_prefix(cmd, "UID MOVE")) {
			fk->moved = TRUE;
			fake_send(fd, "* 1 EXPUNGE\r\n%s OK moved\r\n", tag);
		} else if (g_str_has_prefix(cmd, "LOGOUT")) {
			fake_send(fd, "* BYE bye\r\n%s OK done\r\n", tag);
			return;
		} else {
			fake_send(fd, "%s BAD not scripted\r\n", tag);
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
		fake_session(fk, fd, ++fk->connections);
		close(fd);
	}
	return NULL;
}

static void fake_start(Fake *fk, FakeMode mode)
{
	fk->mode = mode;
	fk->seen = g_ptr_array_new_with_free_func(g_free);
	if (mode == FAKE_SHORT_PIECE) {
		GString *big = g_string_new("Subject: scripted, large\r\n\r\n");
		for (guint i = 0; big->len < 300 * 1024; i++)
			g_string_append_printf(big, "Line %u of the minutes of the meeting.\r\n", i);
		fk->msg = g_string_free(big, FALSE);
	} else {
		fk->msg = g_strdup(FAKE_MSG);
	}
	g_mutex_init(&fk->lock);
	fk->listen_fd = socket(AF_INET, SOCK_STREAM, 0);
	g_assert_cmpint(fk->listen_fd, >=, 0);
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	g_assert_cmpint(bind(fk->listen_fd, (struct sockaddr *)&a, sizeof a), ==, 0);
	g_assert_cmpint(listen(fk->listen_fd, 4), ==, 0);
	socklen_t len = sizeof a;
	g_assert_cmpint(getsockname(fk->listen_fd, (struct sockaddr *)&a, &len), ==, 0);
	fk->port = ntohs(a.sin_port);
	fk->thread = g_thread_new("fake-imap", fake_thread, fk);
}

static void fake_stop(Fake *fk)
{
	if (fk->thread == NULL)
		return;
	g_atomic_int_set(&fk->quit, 1);
	g_thread_join(fk->thread);
	close(fk->listen_fd);
	g_ptr_array_free(fk->seen, TRUE);
	g_free(fk->msg);
	g_mutex_clear(&fk->lock);
	fk->thread = NULL;
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

typedef struct {
	Fix fix;
	Fake fake;
} FakeFix;

static void fake_setup(FakeFix *ff, gconstpointer data)
{
	Fix *f = &ff->fix;
	fix_init(f);
	fake_start(&ff->fake, GPOINTER_TO_INT(data));
	f->cfg.url = keep(f, g_strdup_printf("imap://127.0.0.1:%u", ff->fake.port));
	f->cfg.user = "safeguarding@example.test";
	f->cfg.starttls = FALSE; /* a scripted server speaks no TLS */
	f->cfg.mailbox = "INBOX";
	f->cfg.processed = "Processed";
	f->cfg.quarantine = "Quarantine";
	f->cfg.timeout = 5;
	GError *e = NULL;
	f->srv.dir = g_dir_make_tmp("chaser-fake-XXXXXX", &e);
	g_assert_no_error(e);
	f->cfg.password_file = keep(f, g_build_filename(f->srv.dir, "password", NULL));
	g_assert_true(g_file_set_contents(f->cfg.password_file, "secret\n", -1, NULL));
	f->ready = TRUE;
}

static void fake_teardown(FakeFix *ff, gconstpointer data)
{
	ch_servers_watchdog(0);
	Fix *f = &ff->fix;
	ch_imap_free(g_steal_pointer(&f->imap));
	fake_stop(&ff->fake);
	const char *argv[] = { "rm", "-rf", f->srv.dir, NULL };
	ch_servers_run(argv, NULL);
	g_free(f->srv.dir);
	g_ptr_array_free(f->calls, TRUE);
	g_ptr_array_free(f->strings, TRUE);
}

static void test_xoauth2_refreshes_a_refused_token_once(FakeFix *ff, gconstpointer d)
{
	Fix *f = &ff->fix;
	/* The helper's first token has expired; asked again, it mints a fresh one. */
	g_autofree char *flag = g_build_filename(f->srv.dir, "asked", NULL);
	f->cfg.oauth2_token_command = keep(
		f, g_strdup_printf("if [ -e %s ]; then echo fresh-token; else touch %s; "
		                   "echo stale-token; fi", flag, flag));
	GError *e = NULL;
	guint count = 0;
	g_assert_true(sweep(f, &count, &e));
	g_assert_no_error(e);
	g_assert_cmpuint(count, ==, 1);
	g_assert_true(has_suffix(call(f, 0)->raw, FAKE_MSG));
	g_assert_cmpuint(fake_count(&ff->fake, "AUTHENTICATE XOAUTH2"), ==, 2);
	g_assert_cmpuint(fake_count(&ff->fake, "LOGIN"), ==, 0);
}

static void test_xoauth2_refused_after_refresh_is_config(FakeFix *ff, gconstpointer d)
{
	Fix *f = &ff->fix;
	f->cfg.oauth2_token_command = "echo stale-token";
	GError *e = NULL;
	guint count = 0;
	g_assert_false(sweep(f, &count, &e));
	g_assert_error(e, CH_ERROR, CH_ERROR_CONFIG);
	g_assert_nonnull(strstr(e->message, "XOAUTH2 login as safeguarding@example.test"));
	g_assert_nonnull(strstr(e->message, "refused"));
	g_assert_null(strstr(e->message, "stale-token"));
	g_clear_error(&e);
	g_assert_cmpuint(fake_count(&ff->fake, "AUTHENTICATE XOAUTH2"), ==, 2);
	g_assert_cmpuint(fake_count(&ff->fake, "SELECT"), ==, 0);

	/* A token file cannot be refreshed: one try. */
	ch_imap_free(g_steal_pointer(&f->imap));
	f->cfg.oauth2_token_command = NULL;
	f->cfg.oauth2_token_file = keep(f, g_build_filename(f->srv.dir, "token", NULL));
	g_assert_true(g_file_set_contents(f->cfg.oauth2_token_file, "stale-token\n", -1, NULL));
	g_assert_false(sweep(f, &count, &e));
	g_assert_error(e, CH_ERROR, CH_ERROR_CONFIG);
	g_clear_error(&e);
	g_assert_cmpuint(fake_count(&ff->fake, "AUTHENTICATE XOAUTH2"), ==, 3);
}

static void test_no_starttls_offered_means_no_login(FakeFix *ff, gconstpointer d)
{
	Fix *f = &ff->fix;
	f->cfg.starttls = TRUE;
	GError *e = NULL;
	guint count = 0;
	g_assert_false(sweep(f, &count, &e));
	g_assert_error(e, CH_ERROR, CH_ERROR_CONFIG);
	g_assert_nonnull(strstr(e->message, "does not offer STARTTLS"));
	g_clear_error(&e);
	g_assert_cmpuint(fake_count(&ff->fake, "LOGIN"), ==, 0);
	g_assert_cmpuint(fake_count(&ff->fake, "AUTHENTICATE"), ==, 0);
}

static void test_connection_cut_mid_message_is_temporary(FakeFix *ff, gconstpointer d)
{
	Fix *f = &ff->fix;
	GError *e = NULL;
	guint count = 0;
	g_assert_false(sweep(f, &count, &e));
	g_assert_error(e, CH_ERROR, CH_ERROR_TEMPORARY);
	g_clear_error(&e);
	g_assert_cmpuint(f->calls->len, ==, 0);

	/* The next sweep connects afresh and gets the whole message. */
	g_assert_true(sweep(f, &count, &e));
	g_assert_no_error(e);
	g_assert_cmpuint(count, ==, 1);
	g_assert_true(has_suffix(call(f, 0)->raw, FAKE_MSG));
	g_assert_cmpuint(ff->fake.connections, ==, 2);
	g_assert_cmpuint(fake_count(&ff->fake, "UID MOVE 1 Processed"), ==, 1);
}

static void count_short(const char *domain, GLogLevelFlags level, const char *msg,
                        gpointer data)
{
	if (strstr(msg, "RFC822.SIZE says; left in INBOX for a later sweep") != NULL)
		(*(guint *)data)++;
}

/* A server that answers a range with fewer bytes than asked, before the end of the message,
 * has not given the message: nothing is handed to intake, nothing is moved, no file is left,
 * and the operator is told once; the next sweep fetches it again and hands over every byte. */
static void test_short_piece_leaves_the_message_for_later(FakeFix *ff, gconstpointer d)
{
	Fix *f = &ff->fix;
	g_autofree char *dir = g_build_filename(f->srv.dir, "pieces", NULL);
	f->imap = ch_imap_new(&f->cfg, 10 * 1024 * 1024, &f->state_cb);
	ch_imap_set_pieces(f->imap, dir, 100 * 1024, 64 * 1024);
	guint warnings = 0;
	GLogLevelFlags fatal = g_log_set_always_fatal(G_LOG_FATAL_MASK | G_LOG_LEVEL_CRITICAL);
	guint handler = g_log_set_handler(G_LOG_DOMAIN, G_LOG_LEVEL_WARNING, count_short,
	                                  &warnings);
	GError *e = NULL;
	guint count = 0;
	g_assert_true(sweep(f, &count, &e));
	g_assert_no_error(e);
	g_log_remove_handler(G_LOG_DOMAIN, handler);
	g_log_set_always_fatal(fatal);
	g_assert_cmpuint(warnings, ==, 1);
	g_assert_cmpuint(count, ==, 0);
	g_assert_cmpuint(f->calls->len, ==, 0);
	g_assert_cmpuint(fake_count(&ff->fake, "UID FETCH 1 (UID BODY.PEEK[]<"), ==, 2);
	g_assert_cmpuint(fake_count(&ff->fake, "UID MOVE"), ==, 0);
	g_assert_cmpuint(files_in(dir), ==, 0);

	/* Next sweep: whole, in 64 KB pieces, and moved. */
	g_assert_true(sweep(f, &count, &e));
	g_assert_no_error(e);
	g_assert_cmpuint(count, ==, 1);
	gsize n = 0;
	const char *raw = g_bytes_get_data(call(f, 0)->raw, &n);
	g_assert_cmpmem(raw, n, ff->fake.msg, strlen(ff->fake.msg));
	g_assert_nonnull(call(f, 0)->file_sha);
	g_assert_cmpuint(fake_count(&ff->fake, "UID FETCH 1 (UID BODY.PEEK[]<"), ==,
	                 2 + (strlen(ff->fake.msg) + 65535) / 65536);
	g_assert_cmpuint(fake_count(&ff->fake, "UID MOVE 1 Processed"), ==, 1);
	g_assert_cmpuint(files_in(dir), ==, 0);
}

int main(int argc, char **argv)
{
	signal(SIGPIPE, SIG_IGN); /* as main() does: libetpan writes with send() without flags */
	g_test_init(&argc, &argv, NULL);
	g_mime_init(); /* the large-message test parses what it is handed, as intake does */

#define DOVECOT_TEST(name, fn, extra) \
	g_test_add("/imap/" name, Fix, extra, setup, fn, teardown)
	DOVECOT_TEST("sweep-hands-over-exact-bytes-then-moves-to-processed",
	             test_sweep_hands_over_exact_bytes_then_moves_to_processed, NULL);
	DOVECOT_TEST("quarantine-and-retry-answers", test_quarantine_and_retry_answers, NULL);
	DOVECOT_TEST("stop-answer-leaves-the-rest-in-the-inbox",
	             test_stop_answer_leaves_the_rest_in_the_inbox, NULL);
	DOVECOT_TEST("message-over-size-limit-is-not-fetched",
	             test_message_over_size_limit_is_not_fetched, NULL);
	DOVECOT_TEST("starttls-on-plain-port", test_starttls_on_plain_port, NULL);
	DOVECOT_TEST("untrusted-certificate-refused-before-login",
	             test_untrusted_certificate_refused_before_login, NULL);
	DOVECOT_TEST("certificate-for-another-name-refused",
	             test_certificate_for_another_name_refused, NULL);
	DOVECOT_TEST("wrong-password-is-a-config-error", test_wrong_password_is_a_config_error,
	             NULL);
	DOVECOT_TEST("uidvalidity-change-stops-the-mailbox",
	             test_uidvalidity_change_stops_the_mailbox, NULL);
	DOVECOT_TEST("uidvalidity-kept-in-the-store-across-runs",
	             test_uidvalidity_kept_in_the_store_across_runs, NULL);
	DOVECOT_TEST("server-restart-between-sweeps", test_server_restart_between_sweeps, NULL);
	DOVECOT_TEST("idle-wakes-on-delivery-and-stop", test_idle_wakes_on_delivery_and_stop,
	             NULL);
	DOVECOT_TEST("copy-and-uid-expunge-without-move", test_copy_and_uid_expunge_without_move,
	             NO_MOVE_CONF("UIDPLUS"));
	DOVECOT_TEST("copy-without-uidplus-leaves-it-flagged-deleted",
	             test_copy_without_uidplus_leaves_it_flagged_deleted, NO_MOVE_CONF(""));
	DOVECOT_TEST("large-message-in-pieces-arrives-whole",
	             test_large_message_in_pieces_arrives_whole, NULL);

#define FAKE_TEST(name, fn, mode) \
	g_test_add("/imap/scripted/" name, FakeFix, GINT_TO_POINTER(mode), fake_setup, fn, \
	           fake_teardown)
	FAKE_TEST("xoauth2-refreshes-a-refused-token-once",
	          test_xoauth2_refreshes_a_refused_token_once, FAKE_XOAUTH2);
	FAKE_TEST("xoauth2-refused-after-refresh-is-config",
	          test_xoauth2_refused_after_refresh_is_config, FAKE_XOAUTH2);
	FAKE_TEST("no-starttls-offered-means-no-login", test_no_starttls_offered_means_no_login,
	          FAKE_NO_STARTTLS);
	FAKE_TEST("connection-cut-mid-message-is-temporary",
	          test_connection_cut_mid_message_is_temporary, FAKE_CUT_IN_LITERAL);
	FAKE_TEST("short-piece-leaves-the-message-for-later",
	          test_short_piece_leaves_the_message_for_later, FAKE_SHORT_PIECE);
	return g_test_run();
}
