/* smtp: one message to one recipient over SMTP with libcurl (GnuTLS).
 *
 * The bytes are sent exactly as stored (already CRLF, from the outbox). The result is classed:
 *   CH_SEND_OK         accepted (250 after DATA)
 *   CH_SEND_TEMPORARY  4xx, timeout, connection lost or refused: retry later, same bytes
 *   CH_SEND_PERMANENT  5xx for this message or recipient: mark failed, tell admin
 *   CH_SEND_CONFIG     authentication refused or TLS not verifiable: stop sending, say so
 * *reply_r gets the server's last reply line (e.g. "550 5.1.1 no such user") or curl's error,
 * never a password or token. The handle keeps its connection open between messages.
 * ch_smtp_transport (transport.h) is this module seen through the outbound contract.
 */
#pragma once
#include <glib.h>
#include "app/config.h"
#include "outbound/transport.h"


typedef struct ChSmtp ChSmtp;

ChSmtp *ch_smtp_new(const ChSmtpConfig *cfg, GError **error);
void ch_smtp_free(ChSmtp *s);
ChSendResult ch_smtp_send(ChSmtp *s, const char *mail_from, const char *rcpt,
                          const guint8 *wire, gsize len, char **reply_r);
