#include "app/service.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <systemd/sd-daemon.h>

/* ---- logs ---- */

/* syslog(3) priorities, as GLib maps its levels for the journal. */
static const char *priority(GLogLevelFlags level)
{
	if (level & G_LOG_LEVEL_ERROR)
		return "3";
	if (level & (G_LOG_LEVEL_CRITICAL | G_LOG_LEVEL_WARNING))
		return "4";
	if (level & G_LOG_LEVEL_MESSAGE)
		return "5";
	if (level & G_LOG_LEVEL_INFO)
		return "6";
	return "7";
}

static GLogWriterOutput writer(GLogLevelFlags level, const GLogField *fields, gsize n,
                               gpointer data)
{
	if (g_log_writer_is_journald(fileno(stderr))) {
		/* The journal keeps info lines (a message handled, a mail sent): journalctl filters
		 * by priority, and an operator asking what happened to one message needs them.
		 * Debug lines only when G_MESSAGES_DEBUG asks, as on a terminal. */
		if ((level & G_LOG_LEVEL_DEBUG) && g_log_writer_default_would_drop(level, G_LOG_DOMAIN))
			return G_LOG_WRITER_HANDLED;
		/* journalctl -t chaser finds every line, GLib's own and the libraries' too. */
		GLogField *all = g_newa(GLogField, n + 1);
		memcpy(all, fields, n * sizeof *fields);
		gsize m = n;
		gboolean named = FALSE;
		for (gsize i = 0; i < n; i++)
			named = named || !strcmp(fields[i].key, "SYSLOG_IDENTIFIER");
		if (!named)
			all[m++] = (GLogField){ "SYSLOG_IDENTIFIER", "chaser", -1 };
		if (g_log_writer_journald(level, all, m, data) == G_LOG_WRITER_HANDLED)
			return G_LOG_WRITER_HANDLED;
		/* The journal socket is gone: stderr is still the journal's stream. */
		if (g_log_writer_default_would_drop(level, G_LOG_DOMAIN))
			return G_LOG_WRITER_HANDLED;
		return g_log_writer_standard_streams(level, fields, n, data);
	}
	return g_log_writer_default(level, fields, n, data);
}

void ch_service_log_init(void)
{
	static gsize once;
	if (g_once_init_enter(&once)) {
		/* Info and debug lines to stderr too: stdout is the command's answer (--json). */
		g_log_writer_default_set_use_stderr(TRUE);
		g_log_set_writer_func(writer, NULL, NULL);
		g_once_init_leave(&once, 1);
	}
}

void ch_service_log_full(const char *file, const char *line, const char *func,
                         GLogLevelFlags level, const char *ref, const char *fingerprint,
                         gint64 outbox, const char *format, ...)
{
	va_list ap;
	va_start(ap, format);
	g_autofree char *text = g_strdup_vprintf(format, ap);
	va_end(ap);
	/* The same 12 digits the text shows, so a line read on a terminal finds its fellows in
	 * the journal. */
	char fp[13] = "";
	if (fingerprint)
		g_strlcpy(fp, fingerprint, sizeof fp);
	char outbox_s[24] = "";
	if (outbox > 0)
		g_snprintf(outbox_s, sizeof outbox_s, "%" G_GINT64_FORMAT, outbox);
	GLogField f[9];
	gsize n = 0;
	f[n++] = (GLogField){ "PRIORITY", priority(level), -1 };
	f[n++] = (GLogField){ "GLIB_DOMAIN", G_LOG_DOMAIN, -1 };
	f[n++] = (GLogField){ "MESSAGE", text, -1 };
	f[n++] = (GLogField){ "CODE_FILE", file, -1 };
	f[n++] = (GLogField){ "CODE_LINE", line, -1 };
	f[n++] = (GLogField){ "CODE_FUNC", func, -1 };
	if (ref && *ref)
		f[n++] = (GLogField){ "CHASER_REF", ref, -1 };
	if (*fp)
		f[n++] = (GLogField){ "CHASER_FINGERPRINT", fp, -1 };
	if (*outbox_s)
		f[n++] = (GLogField){ "CHASER_OUTBOX", outbox_s, -1 };
	g_log_structured_array(level, f, n);
}

/* ---- notifications ---- */

static struct {
	gboolean checked;
	guint64 watchdog_usec; /* 0: no watchdog asked for */
	gint64 last_ping;      /* monotonic, microseconds */
	char *status;          /* the last STATUS sent */
	volatile gint *stop;
	gboolean stopping;
} svc;

static gboolean notifying(void)
{
	if (!svc.checked) {
		svc.checked = TRUE;
		guint64 usec = 0;
		/* > 0: WATCHDOG_USEC is set and meant for this process (WATCHDOG_PID, when set). */
		if (sd_watchdog_enabled(0, &usec) > 0)
			svc.watchdog_usec = usec;
	}
	const char *sock = g_getenv("NOTIFY_SOCKET");
	return sock && *sock;
}

static void notify(const char *text)
{
	if (!notifying())
		return;
	/* A signal (SIGTERM itself) may cut a send short while the manager's queue is full. */
	int r, tries = 0;
	while ((r = sd_notify(0, text)) == -EINTR && ++tries < 5)
		;
	if (r < 0)
		g_debug("sd_notify: %s", g_strerror(-r));
}

static void send_status(const char *prefix, const char *status)
{
	if (status == NULL || (svc.status && !strcmp(svc.status, status))) {
		if (prefix)
			notify(prefix);
		return;
	}
	g_free(svc.status);
	svc.status = g_strdup(status);
	/* One line: the manager reads STATUS up to the newline. */
	g_autofree char *flat = g_strdelimit(g_strdup(status), "\r\n", ' ');
	g_autofree char *text = g_strdup_printf("%s%sSTATUS=%s", prefix ? prefix : "",
	                                        prefix ? "\n" : "", flat);
	notify(text);
}

void ch_service_ready(const char *status)
{
	send_status("READY=1", status);
	svc.last_ping = g_get_monotonic_time();
}

void ch_service_status(const char *format, ...)
{
	if (!notifying())
		return;
	va_list ap;
	va_start(ap, format);
	g_autofree char *status = g_strdup_vprintf(format, ap);
	va_end(ap);
	send_status(NULL, status);
}

void ch_service_watch_stop(volatile gint *stop)
{
	svc.stop = stop;
}

void ch_service_stopping(const char *status)
{
	if (svc.stopping)
		return;
	svc.stopping = TRUE;
	send_status("STOPPING=1", status);
}

void ch_service_alive(void)
{
	if (!notifying())
		return;
	if (svc.stop && g_atomic_int_get(svc.stop))
		ch_service_stopping("stopping: finishing the work in hand");
	if (!svc.watchdog_usec)
		return;
	gint64 now = g_get_monotonic_time();
	/* A quarter: the caller's own steps (a 250 ms slice, one message) come on top, and the
	 * manager must still hear from us within half the interval. */
	if (now - svc.last_ping >= (gint64)(svc.watchdog_usec / 4)) {
		notify("WATCHDOG=1");
		svc.last_ping = now;
	}
}
