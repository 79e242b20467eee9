/* transport: how one message, already rendered into its final bytes, leaves chaser; the
 * contract the spool folder (the embedded default) and SMTP each keep, and the only way the
 * outbox reaches either.
 *
 *   open   sets the transport up from the config. May refuse with CH_ERROR_CONFIG (a URL that
 *          cannot work, a user without a secret); connects to nothing.
 *   send   delivers one message to one recipient, the bytes exactly as given (CRLF, built by
 *          render), and classes the outcome:
 *            CH_SEND_OK         accepted (SMTP: 250 after DATA; spool: the file is durable)
 *            CH_SEND_TEMPORARY  try the same bytes again later (4xx, a timeout, a lost
 *                               connection, a disk full)
 *            CH_SEND_PERMANENT  refused for good (5xx for this message or recipient)
 *            CH_SEND_CONFIG     a person must fix the settings (login refused, TLS that
 *                               cannot be verified): stop sending and say so
 *          *reply_r (the caller frees it) gets what the other side said, or why not: the
 *          server's last reply line, curl's error, the file written. Never a password or a
 *          token. Sending the same outbox row twice (after a crash) must be harmless: the
 *          spool writes the same file again, SMTP sends the same Message-ID.
 *   close  ends the connection, if any.
 */
#pragma once
#include <glib.h>
#include "app/config.h"

typedef enum {
	CH_SEND_OK,
	CH_SEND_TEMPORARY,
	CH_SEND_PERMANENT,
	CH_SEND_CONFIG,
} ChSendResult;

typedef struct {
	gint64 id;        /* the outbox row */
	const char *kind; /* the template it was rendered from */
	const char *from; /* the envelope sender */
	const char *rcpt;
	GBytes *wire;
} ChOutMail;

/* What one transport provides. self is what open returned. */
typedef struct {
	const char *name; /* as in the config's [outbound] type */
	gpointer (*open)(const ChConfig *cfg, GError **error);
	ChSendResult (*send)(gpointer self, const ChOutMail *m, char **reply_r);
	void (*close)(gpointer self);
} ChTransportOps;

extern const ChTransportOps ch_spool_transport;
extern const ChTransportOps ch_smtp_transport;

typedef struct ChTransport ChTransport;

/* The transport the config names ([outbound] type). The ChConfig must outlive it. */
ChTransport *ch_transport_open(const ChConfig *cfg, GError **error);
ChSendResult ch_transport_send(ChTransport *t, const ChOutMail *m, char **reply_r);
void ch_transport_close(ChTransport *t);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(ChTransport, ch_transport_close)
