/* driver: the contract every reader of the shared mailbox keeps (Maildir, IMAP), and the
 * only way the rest of chaser reaches one.
 *
 *   open    sets the reader up from the config; where one reader per mailbox must hold for
 *           the reader's whole life (IMAP), takes that lock now, and fails TEMPORARY while
 *           another chaser holds it. Connects to nothing and reads nothing.
 *   sweep   hands every message still in the mailbox to intake (ch_intake_message, or
 *           ch_intake_oversized for one over the size limit), oldest first, one at a time,
 *           in batches (CH_DRIVER_BATCH), and only after the batch that holds a message is
 *           committed moves it: DONE to the handled place (Maildir cur/, IMAP Processed),
 *           QUARANTINE to Quarantine; RETRY and STOP leave it where it is. Intake knows a
 *           message by its SHA-256, so a crash anywhere in a sweep loses nothing and repeats
 *           nothing: a message of a batch not committed is read again as new, one handled but
 *           not yet moved is moved by the next sweep. A sweep returns early, between two
 *           messages, once app->stop is set.
 *   wait    waits until new mail may have come (IMAP IDLE), or the driver's polling period
 *           or `seconds` pass, or app->stop is set; it pings the watchdog while it waits. A
 *           wake-up only: sweep after every return. It never reads mail or reconnects.
 *   waiting how many messages wait to be read, for the service's STATUS line, or
 *           CH_DRIVER_UNKNOWN when the driver cannot tell before it sweeps (IMAP).
 *   close   lets the mailbox go (the lock, the connection).
 *
 * A sweep's outcome is one of ChDriverResult, with the words in *error (which never carry a
 * password, a token or anything from a message). A message that fails for good is not among
 * them: intake quarantines it after three attempts, and the sweep goes on to the next.
 */
#pragma once
#include <glib.h>
#include "app/app.h"
#include "inbound/intake.h"

typedef enum {
	CH_DRIVER_OK,
	/* The mailbox cannot be read for now (the network, a lock held, a disk full, a Maildir
	 * not mounted yet): sweep again after a backoff. */
	CH_DRIVER_TEMPORARY,
	/* This mailbox cannot be read until a person fixes its settings (a refused login, an
	 * untrusted certificate, a changed UIDVALIDITY): read it no more. Timers and sending
	 * do not depend on it and go on. */
	CH_DRIVER_MAILBOX,
	/* A message needed configuration that is broken (a template that cannot be rendered, a
	 * rules file): stop everything and say what to fix. The message stays where it was and
	 * counts no failed attempt, so the first sweep after the fix handles it. */
	CH_DRIVER_CONFIG,
} ChDriverResult;

typedef struct {
	guint seen;
	guint handled;
	guint quarantined;
	guint retry;
} ChSweepCounts;

#define CH_DRIVER_UNKNOWN G_MAXUINT

/* A sweep records its messages a batch at a time (ch_intake_batch_begin/_end) and moves a
 * batch's messages only after that batch is committed: when it holds this many, when it has
 * been open this long (the store's write lock is held meanwhile, and the console and the
 * commands wait for it), and at the end of the sweep. */
#define CH_DRIVER_BATCH 100
#define CH_DRIVER_BATCH_MS 1000

/* What one driver provides. self is what open returned; the other calls get it back. */
typedef struct {
	const char *name; /* as in the config's [inbound] type */
	gpointer (*open)(ChApp *app, GError **error);
	ChDriverResult (*sweep)(gpointer self, ChSweepCounts *counts, GError **error);
	gboolean (*wait)(gpointer self, guint seconds, GError **error);
	guint (*waiting)(gpointer self);
	void (*close)(gpointer self);
} ChDriverOps;

extern const ChDriverOps ch_maildir_driver;
extern const ChDriverOps ch_imap_driver;

typedef struct ChDriver ChDriver;

/* The driver the config names ([inbound] type). The ChApp must outlive it. */
ChDriver *ch_driver_open(ChApp *app, GError **error);
/* *counts is set to this sweep's own counts. */
ChDriverResult ch_driver_sweep(ChDriver *d, ChSweepCounts *counts, GError **error);
/* FALSE with CH_ERROR_TEMPORARY when the wait broke off (a connection lost while idling):
 * the next sweep finds out and reconnects. */
gboolean ch_driver_wait(ChDriver *d, guint seconds, GError **error);
guint ch_driver_waiting(ChDriver *d);
const char *ch_driver_name(const ChDriver *d);
void ch_driver_close(ChDriver *d);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(ChDriver, ch_driver_close)

/* For drivers: an exclusive, non-blocking lock on the file at path (made if missing). The
 * descriptor, or -1 with CH_ERROR_TEMPORARY "another chaser is reading WHAT (lock PATH)". */
int ch_driver_lock(const char *path, const char *what, GError **error);
/* For drivers: sleeps in quarter-second slices until `seconds` pass or app->stop (or
 * app->wake) is set, pinging the watchdog at each. */
void ch_driver_sleep(ChApp *app, guint seconds);
/* For drivers: adds one intake answer to the counts. */
void ch_driver_count(ChSweepCounts *counts, ChIntakeResult r);
/* A batch holding n messages, begun at since (g_get_monotonic_time): time to commit it. */
gboolean ch_driver_batch_full(guint n, gint64 since);
/* The sweep's last batch ended (ch_intake_batch_end) however the sweep went: ok is the
 * sweep's outcome, whose error stands; a failed end is the error of a sweep that went well. */
gboolean ch_driver_batch_end(ChApp *app, gboolean ok, GError **error);
