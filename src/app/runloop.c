/* runloop: `chaser poll` and `chaser run`. See runloop.h. */
#include "app/runloop.h"

#include <signal.h>
#include <string.h>

#include "app/effects.h"
#include "app/service.h"
#include "engine/engine.h"
#include "outbound/outbox.h"
#include "report/reconcile.h"
#include "store/outbox.h"
#include "timers/tick.h"
#include "util/clock.h"
#include "util/error.h"

/* One line that says what stopped chaser and that nothing was lost: the message that met the
 * broken configuration is still in the mailbox, and is read again once it is fixed. */
static void stop_words(GError *e, gboolean message_waits)
{
	char *line = g_strdup_printf("stopped: %s%s", e->message,
	                             message_waits ? "; the message waits in the mailbox and is "
	                                             "read once this is fixed"
	                                           : "; fix it and start chaser again");
	g_free(e->message);
	e->message = line;
}

gboolean ch_runloop_poll(ChApp *app, ChSweepCounts *counts, GError **error)
{
	memset(counts, 0, sizeof *counts);
	g_autoptr(ChDriver) in = ch_driver_open(app, error);
	if (!in)
		return FALSE;
	GError *e = NULL;
	ChDriverResult r = ch_driver_sweep(in, counts, &e);
	if (r == CH_DRIVER_OK)
		return TRUE;
	if (r == CH_DRIVER_CONFIG)
		stop_words(e, TRUE);
	g_propagate_error(error, e);
	return FALSE;
}

/* ---- telling admin ---------------------------------------------------------------------- */

static void say_error(const char *what, GError **e)
{
	g_warning("%s: %s", what, (*e)->message);
	g_clear_error(e);
}

/* One alert to admin, once a day (the event key), in its own transaction. */
static void tell_admin(ChApp *app, const char *kind, const char *key_prefix, const char *ref,
                       const char *why)
{
	g_autoptr(GDateTime) now = ch_clock_now();
	ChEngineCtx ctx;
	ch_app_engine_ctx(app, NULL, now, NULL, &ctx);
	g_autoptr(ChEffects) fx = ch_effects_new();
	if (!ch_engine_admin_alert(&ctx, kind, key_prefix, ref, why, fx))
		return;
	GError *e = NULL;
	if (!ch_store_begin(app->store, &e) ||
	    !ch_effects_apply(app, NULL, fx, NULL, now, "run", &e) || !ch_store_commit(app->store, &e)) {
		ch_store_rollback(app->store);
		g_warning("cannot queue the alert to admin: %s", e ? e->message : "?");
		g_clear_error(&e);
	}
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

/* Once a working day, admin gets the account that nothing was dropped: messages seen =
 * handled + quarantined + in triage, and the outbox; once a week ([admin] weekly) what is
 * open, overdue and waiting for a person, with that account. Whether each goes is the
 * engine's (engine/triage.c); this reads what it needs, the account only when it may go. */
static void account_mail(ChApp *app, GDateTime *now, gboolean weekly)
{
	ChEngineCtx ctx;
	ch_app_engine_ctx(app, NULL, now, NULL, &ctx);
	g_autofree char *key = weekly ? ch_engine_weekly_account_key(&ctx, app->cfg->admin_weekly)
	                              : ch_engine_daily_account_key(&ctx);
	if (!key)
		return;
	const char *what = weekly ? "weekly account" : "daily account";
	GError *e = NULL;
	gboolean sent = FALSE;
	if (!ch_store_outbox_has_event(app->store, key, &sent, &e)) {
		say_error(what, &e);
		return;
	}
	gboolean clean = FALSE;
	g_autofree char *account = sent     ? NULL
	                           : weekly ? ch_reconcile_week_text(app, now, &clean, &e)
	                                    : ch_reconcile_summary_text(app, &clean, &e);
	if (!sent && !account) {
		say_error(what, &e);
		return;
	}
	g_autoptr(ChEffects) fx = ch_effects_new();
	if (!(weekly ? ch_engine_weekly_account(&ctx, key, sent, account, clean, fx)
	             : ch_engine_daily_account(&ctx, key, sent, account, clean, fx)))
		return;
	if (!ch_store_begin(app->store, &e) || !ch_effects_apply(app, NULL, fx, NULL, now, "timer", &e) ||
	    !ch_store_commit(app->store, &e)) {
		ch_store_rollback(app->store);
		say_error(what, &e);
	}
}

/* ---- the loop --------------------------------------------------------------------------- */

typedef struct {
	ChApp *app;
	ChDriver *in;
	gboolean stopped;        /* the mailbox needs its settings fixed: read nothing more */
	const char *stopped_why; /* its class, for STATUS: no host, user or server words */
	gboolean failed;         /* the last sweep failed for now: back off */
	guint backoff;           /* seconds, doubling to 5 minutes */
} Loop;

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

void ch_runloop_catch_signals(ChApp *app)
{
	stop_flag = &app->stop;
	ch_service_watch_stop(&app->stop);
	struct sigaction sa = { .sa_handler = on_signal };
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
}

static guint outbox_count(ChApp *app, GDateTime *now, gboolean due)
{
	g_autofree char *now_s = ch_clock_key(now);
	gint64 n = 0;
	GError *e = NULL;
	if (!ch_store_outbox_count_waiting(app->store, now_s, due, &n, &e))
		say_error("outbox", &e);
	return (guint)n;
}

/* What the loop waits with, in plain words. */
static void status_waiting(Loop *l, GDateTime *now)
{
	guint later = outbox_count(l->app, now, FALSE);
	g_autofree char *retry =
		later ? g_strdup_printf("; %u %s to retry later", later, later == 1 ? "mail" : "mails")
		      : g_strdup("");
	if (l->stopped)
		ch_service_status("inbound stopped: %s; fix it and restart (timers and sending go on)%s",
		                  l->stopped_why, retry);
	else
		ch_service_status("waiting for mail%s", retry);
}

/* One sweep of the loop. FALSE only when the loop must stop (*error: what to fix). */
static gboolean turn_inbound(Loop *l, GError **error)
{
	l->failed = FALSE;
	if (l->stopped)
		return TRUE;
	guint waiting = ch_driver_waiting(l->in);
	if (waiting == CH_DRIVER_UNKNOWN)
		ch_service_status("checking the mailbox");
	else if (waiting)
		ch_service_status("handling %u %s", waiting, waiting == 1 ? "message" : "messages");
	ChSweepCounts counts;
	GError *e = NULL;
	switch (ch_driver_sweep(l->in, &counts, &e)) {
	case CH_DRIVER_OK:
		return TRUE;
	case CH_DRIVER_MAILBOX:
		/* It will not mend itself: keep timers and sending going, read nothing more. The
		 * mailbox cannot be read until a person fixes something (a refused login, an
		 * untrusted certificate, a changed UIDVALIDITY): admin is told once a day by mail,
		 * and the log says so. */
		l->stopped = TRUE;
		l->stopped_why = stop_class(e->message);
		g_warning("inbound stopped: %s; fix the configuration and restart", e->message);
		tell_admin(l->app, "inbound_stopped", "inbound-stopped", "mailbox", e->message);
		g_clear_error(&e);
		return TRUE;
	case CH_DRIVER_TEMPORARY:
		say_error("inbound", &e);
		l->failed = TRUE;
		return TRUE;
	case CH_DRIVER_CONFIG:
		stop_words(e, TRUE);
		g_propagate_error(error, e);
		return FALSE;
	}
	g_assert_not_reached();
}

/* Timers, then the outbox, then the day's account. FALSE when a timer met broken
 * configuration (a template, a rules file): that will fail on every turn until fixed. */
static gboolean turn_timers_and_outbox(Loop *l, GError **error)
{
	ChApp *app = l->app;
	GError *e = NULL;
	g_autoptr(GDateTime) now = ch_clock_now();
	ChTickCounts tc = { 0 };
	if (!ch_tick(app, now, &tc, &e)) {
		if (e->code == CH_ERROR_CONFIG) {
			stop_words(e, FALSE);
			g_propagate_error(error, e);
			return FALSE;
		}
		say_error("tick", &e);
	}
	ChFlushCounts fc = { 0 };
	g_autoptr(GDateTime) now2 = ch_clock_now();
	guint due = outbox_count(app, now2, TRUE);
	if (due)
		ch_service_status("sending %u %s", due, due == 1 ? "mail" : "mails");
	/* A refused SMTP login is the server's settings, as a refused IMAP login is: it is
	 * logged and tried again next turn, and the mail keeps its place in the outbox. */
	if (!ch_outbox_flush(app, now2, &fc, &e))
		say_error("flush", &e);
	account_mail(app, now2, FALSE);
	account_mail(app, now2, TRUE);
	return TRUE;
}

/* Until the next turn: the backoff after a failed sweep, else the driver's wait. */
static void wait_for_next_turn(Loop *l)
{
	ChApp *app = l->app;
	if (l->failed) {
		/* Reconnect with capped exponential backoff after any inbound error. */
		ch_service_status("cannot read the mailbox for now; trying again in %u s", l->backoff);
		ch_driver_sleep(app, l->backoff);
		l->backoff = MIN(l->backoff * 2, 300);
		return;
	}
	l->backoff = 1;
	g_autoptr(GDateTime) now = ch_clock_now();
	status_waiting(l, now);
	guint interval = app->cfg->imap.poll_interval ? app->cfg->imap.poll_interval : 60;
	GError *e = NULL;
	if (l->stopped)
		ch_driver_sleep(app, interval);
	else if (!ch_driver_wait(l->in, interval, &e))
		say_error("idle", &e);
}

/* Stopped by broken configuration: admin is told (once a day), and the alert is sent now,
 * before chaser exits, unless the outbox is what is broken. */
static void config_stopped(ChApp *app, const GError *why)
{
	tell_admin(app, "config_stopped", "config-stopped", "configuration", why->message);
	g_autoptr(GDateTime) now = ch_clock_now();
	ChFlushCounts fc = { 0 };
	GError *e = NULL;
	if (!ch_outbox_flush(app, now, &fc, &e))
		say_error("flush", &e);
}

gboolean ch_runloop_run(ChApp *app, GError **error)
{
	ch_runloop_catch_signals(app);
	Loop l = { .app = app, .backoff = 1 };
	if (!(l.in = ch_driver_open(app, error)))
		return FALSE;
	/* Ready once the mailbox is ours (the lock) and not before the first sweep: a server that
	 * is down at start is a wait with backoff, not a failed start. */
	g_autofree char *started = g_strdup_printf("started: inbound %s, outbound %s",
	                                           app->cfg->inbound, app->cfg->outbound);
	ch_service_ready(started);
	g_message("running: inbound %s, outbound %s", app->cfg->inbound, app->cfg->outbound);
	gboolean ok = TRUE;
	GError *e = NULL;
	while (ok && !g_atomic_int_get(&app->stop)) {
		/* Cleared before the turn: a mail the console queues during it wakes the next wait. */
		g_atomic_int_set(&app->wake, 0);
		ch_service_alive();
		ok = turn_inbound(&l, &e);
		ch_service_alive();
		ok = ok && turn_timers_and_outbox(&l, &e);
		ch_service_alive();
		if (ok && !g_atomic_int_get(&app->stop))
			wait_for_next_turn(&l);
	}
	if (!ok) {
		/* The one line that says what to fix is the caller's to print. */
		config_stopped(app, e);
		ch_service_stopping("stopped: the configuration is broken; see the log");
		g_propagate_error(error, e);
	} else {
		ch_service_stopping("stopping: finishing the work in hand");
	}
	ch_driver_close(l.in);
	if (ok)
		g_message("stopped cleanly");
	return ok;
}
