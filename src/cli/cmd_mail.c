/* Commands that move mail and time: poll, tick, flush, and run (all three, for ever). */
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/file.h>

#include "app/service.h"
#include "cli/cli.h"
#include "engine/notices.h"
#include "inbound/imap.h"
#include "inbound/maildir.h"
#include "outbound/outbox.h"
#include "report/reconcile.h"
#include "timers/tick.h"
#include "util/clock.h"
#include "util/error.h"

/* IMAP state (UIDVALIDITY, last UID) kept in the store. */
static gboolean imap_state_get(gpointer data, const char *mailbox, guint32 *uidvalidity,
                               guint32 *last_uid)
{
	ChApp *app = data;
	gint64 v = ch_store_int(app->store, -1, "SELECT uidvalidity FROM mailbox WHERE name = ?", "s",
	                        mailbox);
	if (v < 0)
		return FALSE;
	*uidvalidity = (guint32)v;
	*last_uid = (guint32)ch_store_int(app->store, 0, "SELECT last_uid FROM mailbox WHERE name = ?",
	                                  "s", mailbox);
	return TRUE;
}

static gboolean imap_state_set(gpointer data, const char *mailbox, guint32 uidvalidity,
                               guint32 last_uid, GError **error)
{
	ChApp *app = data;
	return ch_store_run(app->store, error,
	                    "INSERT INTO mailbox(name, uidvalidity, last_uid) VALUES(?,?,?)"
	                    " ON CONFLICT(name) DO UPDATE SET uidvalidity = excluded.uidvalidity,"
	                    " last_uid = max(last_uid, excluded.last_uid)",
	                    "sii", mailbox, (gint64)uidvalidity, (gint64)last_uid);
}

typedef struct {
	ChApp *app;
	ChImap *imap;
	ChImapState state;
	ChPollCounts counts; /* of the sweep in progress */
	int lock;            /* IMAP: one reader per mailbox, for as long as this one lives */
	gboolean stopped;    /* a configuration error: read nothing more until restarted */
	const char *stopped_why; /* its class, for STATUS: no host, user or server words */
} Inbound;

static ChIntakeResult imap_intake(gpointer data, const char *where, const guint8 *raw, gsize len,
                                  gsize size_if_not_fetched, GError **error)
{
	Inbound *in = data;
	/* IMAP does not say beforehand how many a sweep will find: count them as they come. */
	ch_service_status("handling mail: message %u of this sweep", in->counts.seen + 1);
	ChIntakeResult r = raw ? ch_intake_message(in->app, where, raw, len, error)
	                       : ch_intake_oversized(in->app, where, size_if_not_fetched, NULL, 0,
	                                             error);
	in->counts.seen++;
	in->counts.handled += r == CH_INTAKE_DONE;
	in->counts.quarantined += r == CH_INTAKE_QUARANTINE;
	in->counts.retry += r == CH_INTAKE_RETRY;
	return r;
}

static gboolean inbound_init(ChApp *app, Inbound *in, GError **error)
{
	memset(in, 0, sizeof *in);
	in->app = app;
	in->lock = -1;
	if (strcmp(app->cfg->inbound, "imap"))
		return TRUE;
	g_autofree char *name = g_strdup_printf("imap-%s.lock", app->cfg->imap.mailbox);
	g_strdelimit(name, "/\\", '_');
	g_autofree char *path = g_build_filename(app->cfg->spool, name, NULL);
	in->lock = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (in->lock < 0 || flock(in->lock, LOCK_EX | LOCK_NB) < 0) {
		g_set_error(error, CH_ERROR, CH_ERROR_TEMPORARY,
		            "another chaser is reading mailbox %s (lock %s)", app->cfg->imap.mailbox, path);
		return FALSE;
	}
	in->state = (ChImapState){ imap_state_get, imap_state_set, app };
	in->imap = ch_imap_new(&app->cfg->imap, app->cfg->max_message_size, &in->state);
	return TRUE;
}

static void inbound_clear(Inbound *in)
{
	if (in->imap)
		ch_imap_free(in->imap);
	if (in->lock >= 0)
		close(in->lock);
}

static gboolean poll_once(Inbound *in, GError **error)
{
	memset(&in->counts, 0, sizeof in->counts);
	if (in->imap)
		return ch_imap_sweep(in->imap, imap_intake, in, NULL, error);
	return ch_maildir_poll(in->app, &in->counts, error);
}

/* What kind of trouble stopped the mailbox, in words fit for `systemctl status`, which
 * anyone on the machine may read: the class only, never the host, user or server's words. */
static const char *stop_class(const char *why)
{
	if (strstr(why, "UIDVALIDITY"))
		return "the mailbox's UIDVALIDITY changed";
	if (strstr(why, "certificate") || strstr(why, "TLS"))
		return "the server's TLS or certificate is not trusted";
	if (strstr(why, "refused") || strstr(why, "password") || strstr(why, "token") ||
	    strstr(why, "user"))
		return "the login was refused or is not configured";
	if (strstr(why, "SELECT") || strstr(why, "folder"))
		return "a mailbox folder cannot be opened or made";
	return "a configuration error";
}

/* The mailbox cannot be read until a person fixes something (a refused login, an untrusted
 * certificate, a changed UIDVALIDITY): admin is told once a day by mail, and the log says so. */
static void inbound_stopped(ChApp *app, const char *why)
{
	g_warning("inbound stopped: %s; fix the configuration and restart", why);
	if (!app->cfg->admin)
		return;
	g_autoptr(GDateTime) now = ch_clock_now();
	g_autofree char *day = g_date_time_format(now, "%Y-%m-%d");
	g_autoptr(ChEffects) fx = ch_effects_new();
	g_autofree char *key = g_strdup_printf("inbound-stopped:%s", day);
	ChIntent *i = ch_notice_alert(fx, "inbound_stopped", app->cfg->admin, key, NULL, "mailbox",
	                              FALSE);
	ch_intent_set(i, "why", why);
	GError *e = NULL;
	if (!ch_store_begin(app->store, &e) ||
	    !ch_outbox_queue(app, NULL, fx, NULL, now, "run", &e) || !ch_store_commit(app->store, &e)) {
		ch_store_rollback(app->store);
		g_warning("cannot queue the alert to admin: %s", e ? e->message : "?");
		g_clear_error(&e);
	}
}

int cmd_poll(int argc, char **argv)
{
	if (!cli_parse(&argc, &argv, "", "Fetch new mail from the shared mailbox once and handle it.",
	               NULL))
		return CLI_USAGE;
	g_autoptr(ChApp) app = cli_open();
	if (!app)
		return CLI_FAIL;
	Inbound in;
	GError *e = NULL;
	if (!inbound_init(app, &in, &e)) {
		inbound_clear(&in);
		return cli_error(e);
	}
	gboolean ok = poll_once(&in, &e);
	ChPollCounts counts = in.counts;
	inbound_clear(&in);
	if (!ok)
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
	printf("%u sent, %u to retry, %u failed\n", counts.sent, counts.retrying, counts.failed);
	if (!ok) {
		return cli_error(e);
	}
	return CLI_OK;
}

static void say_error(const char *what, GError **e)
{
	g_warning("%s: %s", what, (*e)->message);
	g_clear_error(e);
}

/* Once a working day, admin gets the account that nothing was dropped: messages seen =
 * handled + quarantined + in triage, and the outbox. The event key (the date) makes it once
 * a day however often chaser restarts. */
static void daily_account(ChApp *app, GDateTime *now)
{
	if (!app->cfg->admin || !ch_tick_working_time(app, now))
		return;
	GDate today;
	ch_clock_local_date(now, &today);
	g_autofree char *day = ch_date_format(&today);
	g_autofree char *key = g_strdup_printf("reconcile:%s", day);
	if (ch_store_int(app->store, 0, "SELECT 1 FROM outbox WHERE event_key = ?", "s", key))
		return;
	GError *e = NULL;
	gboolean clean = FALSE;
	g_autofree char *account = ch_reconcile_summary_text(app, &clean, &e);
	if (!account) {
		say_error("daily account", &e);
		return;
	}
	g_autoptr(ChEffects) fx = ch_effects_new();
	ChIntent *i = ch_effects_intent(fx, "reconcile_daily", app->cfg->admin, NULL, key);
	ch_intent_set(i, "ref", "account");
	ch_intent_set(i, "day", day);
	ch_intent_set(i, "verdict", clean ? "nothing was dropped" : "FAULTS were found: see below");
	ch_intent_set(i, "account", account);
	if (!ch_store_begin(app->store, &e) || !ch_outbox_queue(app, NULL, fx, NULL, now, "timer", &e) ||
	    !ch_store_commit(app->store, &e)) {
		ch_store_rollback(app->store);
		say_error("daily account", &e);
	}
}

/* A plain handler, not g_unix_signal_add(): the loop blocks in IMAP IDLE, not in a GLib main
 * loop, and must see the flag within a quarter of a second. Setting it is all it does;
 * STOPPING=1 goes out from the loop (ch_service_alive), as sd_notify is not signal-safe. */
static volatile gint *stop_flag;

static void on_signal(int sig)
{
	(void)sig;
	if (stop_flag)
		*stop_flag = 1;
}

static void sleep_slices(ChApp *app, guint seconds)
{
	for (guint i = 0; i < seconds * 4 && !g_atomic_int_get(&app->stop); i++) {
		ch_service_alive();
		g_usleep(250 * 1000);
	}
	ch_service_alive();
}

/* Messages waiting in the Maildir's new/, for STATUS; IMAP cannot tell before it sweeps. */
static guint maildir_waiting(ChApp *app)
{
	if (strcmp(app->cfg->inbound, "maildir") || !app->cfg->maildir)
		return 0;
	g_autofree char *new_dir = g_build_filename(app->cfg->maildir, "new", NULL);
	GDir *dir = g_dir_open(new_dir, 0, NULL);
	if (!dir)
		return 0;
	guint n = 0;
	const char *name;
	while ((name = g_dir_read_name(dir)))
		n += name[0] != '.';
	g_dir_close(dir);
	return n;
}

static guint outbox_count(ChApp *app, GDateTime *now, gboolean due)
{
	g_autofree char *now_s = ch_clock_key(now);
	return (guint)ch_store_int(app->store, 0,
	                           due ? "SELECT count(*) FROM outbox WHERE state IN"
	                                 " ('queued','retrying') AND next_attempt <= ?"
	                               : "SELECT count(*) FROM outbox WHERE state = 'retrying'"
	                                 " AND next_attempt > ?",
	                           "s", now_s);
}

/* What the loop waits with, in plain words. */
static void status_waiting(ChApp *app, Inbound *in, GDateTime *now)
{
	guint later = outbox_count(app, now, FALSE);
	g_autofree char *retry =
		later ? g_strdup_printf("; %u %s to retry later", later, later == 1 ? "mail" : "mails")
		      : g_strdup("");
	if (in->stopped)
		ch_service_status("inbound stopped: %s; fix it and restart (timers and sending go on)%s",
		                  in->stopped_why, retry);
	else
		ch_service_status("waiting for mail%s", retry);
}

/* Long because it is the service's whole life in order (options, lock, signals, the loop,
 * the stop) and each step depends on the one before; the run loop is to become a module of
 * its own, and this function its caller. */
int cmd_run(int argc, char **argv)
{
	if (!cli_parse(&argc, &argv, "",
	               "Poll, tick and flush for ever: IMAP IDLE wakes it when mail comes, a sweep "
	               "runs at least every poll_interval. SIGTERM or SIGINT stops it cleanly after "
	               "the message in hand. Under systemd (Type=notify) it says READY, STATUS and "
	               "STOPPING and pings the watchdog.",
	               NULL))
		return CLI_USAGE;
	ch_service_log_init();
	g_autoptr(ChApp) app = cli_open();
	if (!app)
		return CLI_FAIL;
	stop_flag = &app->stop;
	ch_service_watch_stop(&app->stop);
	struct sigaction sa = { .sa_handler = on_signal };
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	Inbound in;
	GError *init_error = NULL;
	if (!inbound_init(app, &in, &init_error)) {
		inbound_clear(&in);
		return cli_error(init_error);
	}
	/* Ready once the mailbox is ours (the lock) and not before the first sweep: a server that
	 * is down at start is a wait with backoff, not a failed start. */
	g_autofree char *started = g_strdup_printf("started: inbound %s, outbound %s",
	                                           app->cfg->inbound, app->cfg->outbound);
	ch_service_ready(started);
	guint backoff = 1;
	g_message("running: inbound %s, outbound %s", app->cfg->inbound, app->cfg->outbound);
	while (!g_atomic_int_get(&app->stop)) {
		ch_service_alive();
		GError *e = NULL;
		if (!in.stopped) {
			guint waiting = maildir_waiting(app);
			if (in.imap)
				ch_service_status("checking the mailbox");
			else if (waiting)
				ch_service_status("handling %u %s", waiting,
				                  waiting == 1 ? "message" : "messages");
		}
		gboolean inbound_ok = in.stopped || poll_once(&in, &e);
		if (!inbound_ok && e->code == CH_ERROR_CONFIG && in.imap) {
			/* It will not mend itself: keep timers and sending going, read nothing more. */
			in.stopped = TRUE;
			in.stopped_why = stop_class(e->message);
			inbound_stopped(app, e->message);
			g_clear_error(&e);
			inbound_ok = TRUE;
		} else if (!inbound_ok) {
			say_error("inbound", &e);
		}
		ch_service_alive();
		g_autoptr(GDateTime) now = ch_clock_now();
		ChTickCounts tc = { 0 };
		if (!ch_tick(app, now, &tc, &e))
			say_error("tick", &e);
		ChFlushCounts fc = { 0 };
		g_autoptr(GDateTime) now2 = ch_clock_now();
		guint due = outbox_count(app, now2, TRUE);
		if (due)
			ch_service_status("sending %u %s", due, due == 1 ? "mail" : "mails");
		if (!ch_outbox_flush(app, now2, &fc, &e))
			say_error("flush", &e);
		daily_account(app, now2);
		ch_service_alive();
		if (g_atomic_int_get(&app->stop))
			break;
		if (!inbound_ok) {
			/* Reconnect with capped exponential backoff after any inbound error. */
			ch_service_status("cannot read the mailbox for now; trying again in %u s", backoff);
			sleep_slices(app, backoff);
			backoff = MIN(backoff * 2, 300);
			continue;
		}
		backoff = 1;
		status_waiting(app, &in, now2);
		guint interval = app->cfg->imap.poll_interval ? app->cfg->imap.poll_interval : 60;
		if (in.imap && !in.stopped) {
			if (!ch_imap_wait(in.imap, interval, &app->stop, &e))
				say_error("idle", &e);
		} else {
			sleep_slices(app, in.imap ? interval : 1);
		}
	}
	ch_service_stopping("stopping: finishing the work in hand");
	inbound_clear(&in);
	g_message("stopped cleanly");
	return CLI_OK;
}
