/* tls: checks the certificate a TLS peer showed, because libetpan (GnuTLS build) does not.
 *
 * The chain is verified with GnuTLS against the system's trusted CAs plus, when given, the
 * CAs in one PEM file, and the leaf must name the host we meant to reach (a DNS name, or an
 * IP address for an IP literal) and be meant for TLS servers. Call it after the handshake
 * and before any credential is sent.
 *
 * Errors: CH_ERROR_CONFIG "certificate of HOST not trusted: <GnuTLS's reason>", or naming
 * the CA file that cannot be read. Nothing is kept between calls; the caller owns its
 * arguments.
 */
#pragma once
#include <glib.h>

struct _mailstream; /* libetpan's stream, as declared in <libetpan/mailstream_types.h> */

/* der: the peer's chain as sent, leaf first; n: how many. */
gboolean ch_tls_verify_chain(const GBytes *const *der, guint n, const char *host,
                             const char *ca_file, GError **error);

/* Reads the chain from a libetpan stream that has finished its TLS handshake. */
gboolean ch_tls_verify_mailstream(struct _mailstream *s, const char *host, const char *ca_file,
                                  GError **error);
