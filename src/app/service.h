/* service: chaser under systemd, and the log lines that name what they are about.
 *
 * Notifications go to the service manager over $NOTIFY_SOCKET (sd_notify): READY once inbound
 * is set up, STATUS in plain words when what chaser does changes, WATCHDOG pings while the
 * loop turns, STOPPING once a stop was asked for. Without $NOTIFY_SOCKET (a terminal, cron, a
 * test) every call does nothing, so `chaser run` behaves the same everywhere. The state is
 * the process's, as the notification socket is: call these from the main thread only.
 *
 * Logs: ch_service_log() writes one line about one thing and gives it journal fields that
 * name it: CHASER_REF (a conference reference), CHASER_FINGERPRINT (the first 12 hex digits of
 * a message's SHA-256, as its log lines show them), CHASER_OUTBOX (an outbox row id), so that
 * `journalctl CHASER_REF=CP-2026-0042` finds every line about one conference. A terminal
 * shows only the text, so the text names the same thing; neither ever carries a personal
 * detail, a message body, a token or a password. ch_service_log_init() installs the writer:
 * the journal's native protocol when stderr is the journal, GLib's usual lines otherwise.
 */
#pragma once
#include <glib.h>

/* Installs the log writer. Once per process; later calls do nothing. */
void ch_service_log_init(void);

/* ref, fingerprint: NULL or "" for none; outbox: 0 for none. */
#define ch_service_log(level, ref, fingerprint, outbox, ...)                                     \
	ch_service_log_full(__FILE__, G_STRINGIFY(__LINE__), G_STRFUNC, (level), (ref),             \
	                    (fingerprint), (outbox), __VA_ARGS__)
void ch_service_log_full(const char *file, const char *line, const char *func,
                         GLogLevelFlags level, const char *ref, const char *fingerprint,
                         gint64 outbox, const char *format, ...) G_GNUC_PRINTF(8, 9);

/* READY=1, with the first STATUS. */
void ch_service_ready(const char *status);
/* STATUS=..., sent only when it differs from the last one. No secrets: it is shown to anyone
 * who may run `systemctl status`. */
void ch_service_status(const char *format, ...) G_GNUC_PRINTF(1, 2);
/* The flag SIGTERM sets: ch_service_alive() says STOPPING as soon as it sees it. */
void ch_service_watch_stop(volatile gint *stop);
/* The loop, and each step that may take a while (a wait, one message, one mail sent), calls
 * this: it pings the watchdog when a quarter of its interval has passed since the last ping,
 * so the manager hears from us at least every half interval. Nothing else pings on the loop's
 * behalf (no thread, no timer): a ping must mean the loop is turning. */
void ch_service_alive(void);
/* STOPPING=1 with a last STATUS; once. */
void ch_service_stopping(const char *status);
