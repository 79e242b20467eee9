/* Commands that move mail and time: poll, tick, flush, and run (all three, for ever). */
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <signal.h>

#include "cli/cli.h"
#include "inbound/imap.h"
#include "inbound/maildir.h"
#include "outbound/outbox.h"
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

static ChIntakeResult imap_intake(gpointer data, const char *where, const guint8 *raw, gsize len,
                                  gsize size_if_not_fetched, GError **error)
{
	ChApp *app = data;
	if (!raw)
		return ch_intake_oversized(app, where, size_if_not_fetched, error);
	return ch_intake_message(app, where, raw, len, error);
}

typedef struct {
	ChImap *imap;
	ChImapState state;
} Inbound;

static void inbound_init(ChApp *app, Inbound *in)
{
	memset(in, 0, sizeof *in);
	if (!strcmp(app->cfg->inbound, "imap")) {
		in->state = (ChImapState){ imap_state_get, imap_state_set, app };
		in->imap = ch_imap_new(&app->cfg->imap, app->cfg->max_message_size, &in->state);
	}
}

static gboolean poll_once(ChApp *app, Inbound *in, ChPollCounts *counts, GError **error)
{
	if (in->imap) {
		guint n = 0;
		gboolean ok = ch_imap_sweep(in->imap, imap_intake, app, &n, error);
		counts->seen += n;
		return ok;
	}
	return ch_maildir_poll(app, counts, error);
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
	inbound_init(app, &in);
	ChPollCounts counts = { 0 };
	GError *e = NULL;
	gboolean ok = poll_once(app, &in, &counts, &e);
	if (in.imap)
		ch_imap_free(in.imap);
	if (!ok) {
		return cli_error(e);
	}
	if (in.imap)
		printf("%u messages handled\n", counts.seen);
	else
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

static void say_error(const char *what, GError **e)
{
	g_warning("%s: %s", what, (*e)->message);
	g_clear_error(e);
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
	inbound_init(app, &in);
	guint backoff = 1;
	g_message("running: inbound %s, outbound %s", app->cfg->inbound, app->cfg->outbound);
	while (!g_atomic_int_get(&app->stop)) {
		GError *e = NULL;
		ChPollCounts pc = { 0 };
		gboolean inbound_ok = poll_once(app, &in, &pc, &e);
		if (!inbound_ok) {
			gboolean config = e->code == CH_ERROR_CONFIG;
			say_error("inbound", &e);
			if (config && in.imap) {
				/* A refused login, an untrusted certificate or a changed UIDVALIDITY will
				 * not mend itself: keep sending what is queued, but read nothing more. */
				g_warning("inbound stopped: fix the configuration and restart");
			}
		}
		g_autoptr(GDateTime) now = ch_clock_now();
		ChTickCounts tc = { 0 };
		if (!ch_tick(app, now, &tc, &e))
			say_error("tick", &e);
		ChFlushCounts fc = { 0 };
		g_autoptr(GDateTime) now2 = ch_clock_now();
		if (!ch_outbox_flush(app, now2, &fc, &e))
			say_error("flush", &e);
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
		if (in.imap) {
			if (!ch_imap_wait(in.imap, interval, &app->stop, &e))
				say_error("idle", &e);
		} else {
			sleep_slices(app, MIN(interval, 5));
		}
	}
	if (in.imap)
		ch_imap_free(in.imap);
	g_message("stopped cleanly");
	return CLI_OK;
}
