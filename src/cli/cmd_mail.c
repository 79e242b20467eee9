/* Commands that move mail and time: poll, tick, flush, and run (all three, for ever). */
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/file.h>

#include "cli/cli.h"
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
} Inbound;

static ChIntakeResult imap_intake(gpointer data, const char *where, const guint8 *raw, gsize len,
                                  gsize size_if_not_fetched, GError **error)
{
	Inbound *in = data;
	ChIntakeResult r = raw ? ch_intake_message(in->app, where, raw, len, error)
	                       : ch_intake_oversized(in->app, where, size_if_not_fetched, error);
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
	ChIntent *i = ch_effects_intent(fx, "inbound_stopped", app->cfg->admin, NULL, key);
	ch_intent_set(i, "ref", "mailbox");
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
 * loop, and must see the flag within a quarter of a second. Setting it is all it does. */
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
		g_usleep(250 * 1000);
	}
}


int cmd_run(int argc, char **argv)
{
	if (!cli_parse(&argc, &argv, "",
	               "Poll, tick and flush for ever: IMAP IDLE wakes it when mail comes, a sweep "
	               "runs at least every poll_interval. SIGTERM or SIGINT stops it cleanly after "
	               "the message in hand.",
	               NULL))
		return CLI_USAGE;
	g_autoptr(ChApp) app = cli_open();
	if (!app)
		return CLI_FAIL;
	stop_flag = &app->stop;
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
	guint backoff = 1;
	g_message("running: inbound %s, outbound %s", app->cfg->inbound, app->cfg->outbound);
	while (!g_atomic_int_get(&app->stop)) {
		GError *e = NULL;
		gboolean inbound_ok = in.stopped || poll_once(&in, &e);
		if (!inbound_ok && e->code == CH_ERROR_CONFIG && in.imap) {
			/* It will not mend itself: keep timers and sending going, read nothing more. */
			in.stopped = TRUE;
			inbound_stopped(app, e->message);
			g_clear_error(&e);
			inbound_ok = TRUE;
		} else if (!inbound_ok) {
			say_error("inbound", &e);
		}
		g_autoptr(GDateTime) now = ch_clock_now();
		ChTickCounts tc = { 0 };
		if (!ch_tick(app, now, &tc, &e))
			say_error("tick", &e);
		ChFlushCounts fc = { 0 };
		g_autoptr(GDateTime) now2 = ch_clock_now();
		if (!ch_outbox_flush(app, now2, &fc, &e))
			say_error("flush", &e);
		daily_account(app, now2);
		if (g_atomic_int_get(&app->stop))
			break;
		if (!inbound_ok) {
			/* Reconnect with capped exponential backoff after any inbound error. */
			sleep_slices(app, backoff);
			backoff = MIN(backoff * 2, 300);
			continue;
		}
		backoff = 1;
		guint interval = app->cfg->imap.poll_interval ? app->cfg->imap.poll_interval : 60;
		if (in.imap && !in.stopped) {
			if (!ch_imap_wait(in.imap, interval, &app->stop, &e))
				say_error("idle", &e);
		} else {
			sleep_slices(app, in.imap ? interval : 1);
		}
	}
	inbound_clear(&in);
	g_message("stopped cleanly");
	return CLI_OK;
}
