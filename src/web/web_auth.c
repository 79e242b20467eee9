#include "web/web_auth.h"

#include <string.h>
#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>

#include "app/effects.h"
#include "engine/engine.h"
#include "outbound/outbox.h"
#include "store/web.h"
#include "util/clock.h"
#include "util/error.h"

ChWebRole ch_web_auth_role(const ChConfig *cfg, const char *address)
{
	if (!address || !*address)
		return CH_WEB_NOBODY;
	if (cfg->admin && !g_ascii_strcasecmp(cfg->admin, address))
		return CH_WEB_ADMIN;
	for (char **m = cfg->web.managers; m && *m; m++)
		if (!g_ascii_strcasecmp(*m, address))
			return CH_WEB_MANAGER;
	return CH_WEB_NOBODY;
}

char *ch_web_auth_secret(void)
{
	guint8 b[32];
	/* GNUTLS_RND_KEY: the generator GnuTLS uses for keys, seeded from the kernel. A failure
	 * here is not something to work around with a weaker source. */
	if (gnutls_rnd(GNUTLS_RND_KEY, b, sizeof b) != 0)
		g_error("the random number generator failed");
	GString *s = g_string_sized_new(2 * sizeof b);
	for (guint i = 0; i < sizeof b; i++)
		g_string_append_printf(s, "%02x", b[i]);
	memset(b, 0, sizeof b);
	return g_string_free(s, FALSE);
}

char *ch_web_auth_hash(const char *secret)
{
	return g_compute_checksum_for_string(G_CHECKSUM_SHA256, secret ? secret : "", -1);
}

char *ch_web_auth_source(const char *address)
{
	return g_strdup_printf("web:%s", address);
}

static gint64 now_unix(GDateTime **now_r)
{
	*now_r = ch_clock_now();
	return g_date_time_to_unix(*now_r);
}

gboolean ch_web_auth_audit(ChApp *app, gint64 conference_id, const char *address, ChAudit what,
                           const char *object, const char *detail, GError **error)
{
	g_autoptr(GDateTime) now = ch_clock_now();
	g_autofree char *at = ch_clock_format(now);
	g_autofree char *source = ch_web_auth_source(address);
	return ch_store_audit(app->store, at, conference_id, source, ch_audit_name(what), object,
	                      NULL, NULL, detail, error);
}

/* The link's mail, queued as any other: an intent applied in a transaction of its own, with
 * the audit line saying who asked. It is not flushed here: the caller's flush sends it. */
static gboolean mail_link(ChApp *app, const char *address, const char *link, const char *hash,
                          GDateTime *now, GError **error)
{
	g_autoptr(ChEffects) fx = ch_effects_new();
	g_autofree char *key = g_strdup_printf("web_signin:%.16s", hash);
	ChIntent *in = ch_effects_intent(fx, "web_signin", address, NULL, key);
	ch_intent_set(in, "ref", "sign-in");
	ch_intent_set(in, "link", link);
	ch_intent_set(in, "minutes", G_STRINGIFY(CH_WEB_LINK_MINUTES));
	g_autofree char *source = ch_web_auth_source(address);
	g_autofree char *at = ch_clock_format(now);
	if (!ch_store_begin(app->store, error))
		return FALSE;
	if (!ch_effects_apply(app, NULL, fx, NULL, now, source, error) ||
	    !ch_store_audit(app->store, at, 0, source, ch_audit_name(CH_AUDIT_WEB_LINK_SENT), NULL,
	                    NULL, NULL, "a sign-in link was mailed", error) ||
	    !ch_store_commit(app->store, error)) {
		ch_store_rollback(app->store);
		return FALSE;
	}
	return TRUE;
}

gboolean ch_web_auth_request_link(ChApp *app, const char *address, const char *client,
                                  gboolean *limited_r, char **address_r, GError **error)
{
	*limited_r = FALSE;
	*address_r = NULL;
	g_autoptr(GDateTime) now = NULL;
	gint64 t = now_unix(&now);
	g_autofree char *lower = g_ascii_strdown(address ? address : "", -1);
	g_strstrip(lower);
	g_autofree char *who = ch_web_auth_hash(lower);
	gboolean allowed = FALSE;
	if (!ch_store_web_request(app->store, who, client, t, t - 3600, CH_WEB_LIMIT_CLIENT,
	                          &allowed, error))
		return FALSE;
	*limited_r = !allowed;
	if (allowed)
		*address_r = g_steal_pointer(&lower);
	return TRUE;
}

gboolean ch_web_auth_send_link(ChApp *app, const char *address, const char *base_url,
                               gboolean *queued_r, GError **error)
{
	*queued_r = FALSE;
	if (ch_web_auth_role(app->cfg, address) == CH_WEB_NOBODY)
		return TRUE;
	g_autoptr(GDateTime) now = NULL;
	gint64 t = now_unix(&now);
	gboolean fresh = FALSE;
	if (!ch_store_web_link_fresh(app->store, address, t, t - CH_WEB_RESEND_MINUTES * 60, &fresh,
	                             error))
		return FALSE;
	if (fresh)
		return TRUE;
	g_autofree char *token = ch_web_auth_secret();
	g_autofree char *hash = ch_web_auth_hash(token);
	if (!ch_store_web_link_add(app->store, hash, address, t, t + CH_WEB_LINK_MINUTES * 60, error))
		return FALSE;
	g_autofree char *link = g_strdup_printf("%s/signin/link?t=%s", base_url, token);
	if (!mail_link(app, address, link, hash, now, error))
		return FALSE;
	*queued_r = TRUE;
	return TRUE;
}

gboolean ch_web_auth_open_link(ChApp *app, const char *token, char **session_r, GError **error)
{
	*session_r = NULL;
	if (!token || strlen(token) != 64)
		return TRUE;
	g_autoptr(GDateTime) now = NULL;
	gint64 t = now_unix(&now);
	g_autofree char *hash = ch_web_auth_hash(token);
	g_autofree char *address = NULL;
	if (!ch_store_web_link_use(app->store, hash, t, &address, error))
		return FALSE;
	/* The config may have changed since the link was sent: it is read again now. */
	ChWebRole role = ch_web_auth_role(app->cfg, address);
	if (!address || role == CH_WEB_NOBODY)
		return TRUE;
	g_autofree char *session = ch_web_auth_secret();
	g_autofree char *shash = ch_web_auth_hash(session);
	gint64 expires = t + (gint64)app->cfg->web.session_max * 60;
	if (!ch_store_web_session_add(app->store, shash, address, role == CH_WEB_ADMIN, t, expires,
	                              error) ||
	    !ch_web_auth_audit(app, 0, address, CH_AUDIT_WEB_SIGNED_IN, NULL,
	                       role == CH_WEB_ADMIN ? "signed in to act" : "signed in to read",
	                       error))
		return FALSE;
	*session_r = g_steal_pointer(&session);
	return TRUE;
}

gboolean ch_web_auth_session(ChApp *app, const char *session, char **address_r,
                             ChWebRole *role_r, GError **error)
{
	*address_r = NULL;
	*role_r = CH_WEB_NOBODY;
	if (!session || strlen(session) != 64)
		return TRUE;
	g_autoptr(GDateTime) now = NULL;
	gint64 t = now_unix(&now);
	g_autofree char *hash = ch_web_auth_hash(session);
	g_autofree char *address = NULL;
	gboolean may_act = FALSE;
	if (!ch_store_web_session_get(app->store, hash, t, (gint64)app->cfg->web.session_idle * 60,
	                              &address, &may_act, error))
		return FALSE;
	if (!address)
		return TRUE;
	/* What the config says now wins over what it said at sign-in: a manager removed from
	 * the config is out at once, and admin demoted cannot act. */
	ChWebRole role = ch_web_auth_role(app->cfg, address);
	if (role == CH_WEB_NOBODY)
		return TRUE;
	*role_r = may_act ? role : CH_WEB_MANAGER;
	*address_r = g_steal_pointer(&address);
	return TRUE;
}

gboolean ch_web_auth_sign_out(ChApp *app, const char *session, const char *address,
                              GError **error)
{
	g_autoptr(GDateTime) now = NULL;
	gint64 t = now_unix(&now);
	g_autofree char *hash = ch_web_auth_hash(session);
	return ch_store_web_session_end(app->store, hash, t, error) &&
	       ch_web_auth_audit(app, 0, address, CH_AUDIT_WEB_SIGNED_OUT, NULL, "signed out",
	                         error);
}

char *ch_web_auth_csrf(const char *base)
{
	return g_compute_hmac_for_string(G_CHECKSUM_SHA256, (const guchar *)base, strlen(base),
	                                 "chaser web form", -1);
}

gboolean ch_web_auth_csrf_ok(const char *base, const char *token)
{
	if (!base || !token)
		return FALSE;
	g_autofree char *want = ch_web_auth_csrf(base);
	gsize n = strlen(want);
	if (strlen(token) != n)
		return FALSE;
	guint8 diff = 0;
	for (gsize i = 0; i < n; i++)
		diff |= (guint8)(want[i] ^ token[i]);
	return diff == 0;
}
