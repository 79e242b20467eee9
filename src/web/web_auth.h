/* web_auth: who may use the console and how they prove it: sign-in by an emailed one-time
 * link, then a session; and the CSRF token every form carries.
 *
 * No passwords. Admin ([people] admin) may act; [web] managers may read. A link is 32 random
 * bytes (GnuTLS's generator), mailed through the outbox, kept in the store only as its
 * SHA-256, good for 15 minutes and once, and bound to the address it was sent to. Opening it
 * starts a session: another 32 random bytes, also kept hashed, with an idle and an absolute
 * expiry ([web] session_idle, session_max). A form's CSRF token is an HMAC of the session's
 * secret (or, before sign-in, of a pre-session cookie's), so it needs no storage and dies
 * with the session.
 *
 * Strings returned are the caller's. Errors are the store's or the outbox's; the caller
 * shows a person only that something failed, never the secret.
 */
#pragma once
#include <glib.h>
#include "app/app.h"

#define CH_WEB_LINK_MINUTES 15
/* Sign-in requests allowed per hour from one client. An address is not limited by refusals
 * (a stranger asking for admin's address must not lock admin out): while a link sent to it
 * in the last CH_WEB_RESEND_MINUTES is unused, no other is sent, and the one in the inbox
 * works. So a flood brings an address at most one mail each five minutes. */
#define CH_WEB_LIMIT_CLIENT 20
#define CH_WEB_RESEND_MINUTES 5

typedef enum {
	CH_WEB_NOBODY,  /* not named by the config: gets no mail */
	CH_WEB_MANAGER, /* reads and downloads */
	CH_WEB_ADMIN,   /* acts */
} ChWebRole;

/* What the config says of an address (compared without regard to case). */
ChWebRole ch_web_auth_role(const ChConfig *cfg, const char *address);

/* A new secret: 64 hex digits from 32 random bytes. */
char *ch_web_auth_secret(void);
/* The SHA-256 of a secret, in hex: what the store keeps. */
char *ch_web_auth_hash(const char *secret);

/* A person asks for a link: the request is counted for the client (over the last hour) and
 * *limited_r set past the limit; otherwise *address_r is the address as it will be mailed
 * (trimmed, lower case), for ch_web_auth_send_link. Nothing here depends on whether the
 * config names the address, so the answer, and the time it takes, are the same for all. */
gboolean ch_web_auth_request_link(ChApp *app, const char *address, const char *client,
                                  gboolean *limited_r, char **address_r, GError **error);
/* Outside the request (web_server.c's sender): when the config names the address and no
 * fresh link to it is outstanding, a link to base_url + "/signin/link?t=..." is queued in the
 * outbox (*queued_r), to go with the next flush. An address the config does not name gets
 * nothing. */
gboolean ch_web_auth_send_link(ChApp *app, const char *address, const char *base_url,
                               gboolean *queued_r, GError **error);
/* Uses a link: *session_r is the new session's secret, NULL when the link is unknown, used,
 * expired, or its address is no longer in the config. Audited. */
gboolean ch_web_auth_open_link(ChApp *app, const char *token, char **session_r, GError **error);
/* The session of a cookie: *address_r NULL when it is not live. */
gboolean ch_web_auth_session(ChApp *app, const char *session, char **address_r,
                             ChWebRole *role_r, GError **error);
/* Ends the session (audited with its address). */
gboolean ch_web_auth_sign_out(ChApp *app, const char *session, const char *address,
                              GError **error);

/* The CSRF token of forms made under `base` (a session's or pre-session's secret). */
char *ch_web_auth_csrf(const char *base);
/* Whether `token` is base's token, in time independent of where they differ. */
gboolean ch_web_auth_csrf_ok(const char *base, const char *token);

/* Audits an action done through the console by `address` ("web:ADDRESS" as the source). */
gboolean ch_web_auth_audit(ChApp *app, gint64 conference_id, const char *address, ChAudit what,
                           const char *object, const char *detail, GError **error);
/* The audit source for an address: "web:ADDRESS". */
char *ch_web_auth_source(const char *address);
