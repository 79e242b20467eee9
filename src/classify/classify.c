#include "classify/classify.h"

#include <string.h>

#include "classify/token.h"
#include "engine/kinds.h"
#include "store/cases.h"
#include "store/outbox.h"
#include "util/clock.h"
#include "util/error.h"

void ch_match_clear(ChMatch *m)
{
	g_free(m->reason);
	memset(m, 0, sizeof *m);
}

static void set(ChMatch *out, ChMatchResult r, const char *fmt, ...) G_GNUC_PRINTF(3, 4);
static void set(ChMatch *out, ChMatchResult r, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	out->result = r;
	g_free(out->reason);
	out->reason = g_strdup_vprintf(fmt, ap);
	va_end(ap);
}

char *ch_classify_subject_ref(const char *subject)
{
	for (const char *p = subject ? strchr(subject, '[') : NULL; p; p = strchr(p + 1, '[')) {
		const char *end = strchr(p, ']');
		if (!end)
			break;
		size_t n = end - p - 1;
		if (n < 3 || n > 40)
			continue;
		gboolean ok = TRUE;
		for (const char *q = p + 1; q < end; q++)
			ok &= g_ascii_isalnum(*q) || *q == '-' || *q == '/' || *q == '_' || *q == '.';
		if (ok)
			return g_strndup(p + 1, n);
	}
	return NULL;
}

/* A token from "local+TOKEN@domain" among the recipients. */
static char *token_in_rcpts(ChApp *app, const ChMessage *m)
{
	size_t ll = strlen(app->local_part);
	for (guint i = 0; m->rcpt_addrs && i < m->rcpt_addrs->len; i++) {
		const char *a = m->rcpt_addrs->pdata[i];
		const char *at = strrchr(a, '@');
		if (at && !g_ascii_strcasecmp(at + 1, app->domain) &&
		    !g_ascii_strncasecmp(a, app->local_part, ll) && a[ll] == '+' &&
		    at - (a + ll + 1) == CH_TOKEN_LEN)
			return g_strndup(a + ll + 1, CH_TOKEN_LEN);
	}
	return NULL;
}

/* A token from an id we made, "c.TOKEN.NONCE@domain". */
static char *token_in_id(ChApp *app, const char *id)
{
	const char *at = id ? strrchr(id, '@') : NULL;
	if (at && !g_ascii_strcasecmp(at + 1, app->domain) && !strncmp(id, "c.", 2) &&
	    strlen(id) > 2 + CH_TOKEN_LEN && id[2 + CH_TOKEN_LEN] == '.')
		return g_strndup(id + 2, CH_TOKEN_LEN);
	return NULL;
}

/* The reply token: from the plus-address, else from In-Reply-To, else from References
 * (newest first). *conflict_r is set when the plus-address and In-Reply-To both carry one
 * and they differ: a mail client replying to one of our messages takes both from that one
 * message (its Reply-To and its Message-ID carry the same token), so two different tokens
 * mean a hand-made or altered reply, and which thread it belongs to is a person's call. */
static char *find_token(ChApp *app, const ChMessage *m, gboolean *conflict_r)
{
	char *plus = token_in_rcpts(app, m);
	char *parent = token_in_id(app, m->in_reply_to);
	*conflict_r = plus && parent && g_ascii_strcasecmp(plus, parent) != 0;
	if (plus) {
		g_free(parent);
		return plus;
	}
	if (parent)
		return parent;
	for (guint i = 0; m->references && i < m->references->len; i++) {
		char *t = token_in_id(app, m->references->pdata[m->references->len - 1 - i]);
		if (t)
			return t;
	}
	return NULL;
}

static const char *domain_of(const char *addr)
{
	const char *at = addr ? strrchr(addr, '@') : NULL;
	return at ? at + 1 : NULL;
}

/* Relaxed alignment (RFC 7489): the same domain, or one a subdomain of the other. */
static gboolean aligned(const char *a, const char *b)
{
	if (!a || !b)
		return FALSE;
	if (!g_ascii_strcasecmp(a, b))
		return TRUE;
	size_t la = strlen(a), lb = strlen(b);
	if (la > lb && a[la - lb - 1] == '.' && !g_ascii_strcasecmp(a + la - lb, b))
		return TRUE;
	if (lb > la && b[lb - la - 1] == '.' && !g_ascii_strcasecmp(b + lb - la, a))
		return TRUE;
	return FALSE;
}

/* Drops RFC 5322 comments "(...)" so "dkim=pass (good signature) header.d=x" reads plainly,
 * and defuses quoted strings: a server may echo the sender's own envelope or HELO text in
 * quotes (smtp.mailfrom="..."), and nothing inside quotes may open a comment, end a result
 * with ';' or start another with a space. Inside quotes only the characters that can be part
 * of an address are kept. */
static char *strip_comments(const char *s)
{
	GString *out = g_string_new(NULL);
	int depth = 0;
	gboolean quoted = FALSE;
	for (const char *p = s; *p; p++) {
		if (quoted) {
			if (*p == '\\' && p[1])
				p++;
			else if (*p == '"')
				quoted = FALSE;
			else if (g_ascii_isalnum(*p) || strchr("@.-_+", *p))
				g_string_append_c(out, *p);
		} else if (*p == '"' && !depth) {
			quoted = TRUE;
		} else if (*p == '(') {
			depth++;
		} else if (*p == ')' && depth) {
			depth--;
		} else if (!depth) {
			g_string_append_c(out, *p);
		}
	}
	return g_string_free(out, FALSE);
}

/* One Authentication-Results value, read: NULL if it is not from authserv_id, else the set
 * of what it states (comments dropped): "dmarc" and "dmarc=pass", and so on. *pass_r says
 * whether it shows DMARC pass for the From domain, or DKIM or SPF pass aligned with it. */
static GHashTable *read_auth_results(const char *value, const char *authserv_id,
                                     const char *from_domain, gboolean *pass_r)
{
	g_autofree char *v = strip_comments(value);
	g_auto(GStrv) parts = g_strsplit(v, ";", -1);
	if (!parts[0])
		return NULL;
	g_auto(GStrv) idw = g_strsplit_set(g_strstrip(parts[0]), " \t", 2);
	if (!idw[0] || g_ascii_strcasecmp(idw[0], authserv_id))
		return NULL;
	GHashTable *results = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	gboolean pass = FALSE, dmarc_fail = FALSE;
	for (guint k = 1; parts[k]; k++) {
		g_auto(GStrv) w = g_strsplit_set(g_strstrip(parts[k]), " \t", -1);
		if (!w[0])
			continue;
		char *eq = strchr(w[0], '=');
		if (!eq)
			continue;
		char *method = g_strndup(w[0], eq - w[0]);
		const char *result = eq + 1;
		g_hash_table_add(results, g_ascii_strdown(method, -1));
		g_hash_table_add(results, g_ascii_strdown(w[0], -1));
		gboolean is_pass = !g_ascii_strcasecmp(result, "pass");
		/* The server applied the domain's own policy and it failed: no DKIM or SPF pass
		 * beside it may outvote that (a replayed signature, a shared sending service). */
		if (!g_ascii_strcasecmp(method, "dmarc") && !g_ascii_strcasecmp(result, "fail"))
			dmarc_fail = TRUE;
		/* DMARC pass counts for the From domain the server names in header.from, and only
		 * if that is ours: a From header that two parsers read differently (two mailboxes,
		 * "a@b@c", a quoted '@') must not lend one domain's pass to another. Every common
		 * implementation writes header.from. */
		const char *prop = !g_ascii_strcasecmp(method, "dmarc")  ? "header.from="
		                   : !g_ascii_strcasecmp(method, "dkim") ? "header.d="
		                   : !g_ascii_strcasecmp(method, "spf")  ? "smtp.mailfrom="
		                                                         : NULL;
		for (guint q = 1; is_pass && prop && w[q]; q++)
			if (!g_ascii_strncasecmp(w[q], prop, strlen(prop))) {
				const char *d = w[q] + strlen(prop);
				const char *at = strrchr(d, '@');
				if (aligned(at ? at + 1 : d, from_domain))
					pass = TRUE;
			}
		g_free(method);
	}
	*pass_r = pass && !dmarc_fail;
	return results;
}

/* Does `lower` state a result for a method that `top` states, but not that result? Each
 * table holds "method" and "method=result" for every result a header states (a header may
 * state one method more than once, e.g. one dkim= per signature). */
static gboolean disagree(GHashTable *top, GHashTable *lower)
{
	GHashTableIter it;
	gpointer key;
	g_hash_table_iter_init(&it, lower);
	while (g_hash_table_iter_next(&it, &key, NULL)) {
		const char *eq = strchr(key, '=');
		if (!eq)
			continue;
		g_autofree char *method = g_strndup(key, eq - (const char *)key);
		if (g_hash_table_contains(top, method) && !g_hash_table_contains(top, key))
			return TRUE;
	}
	return FALSE;
}

gboolean ch_classify_auth_ok(GPtrArray *auth_results, const char *authserv_id,
                             const char *from_domain, const char **why_r)
{
	/* Which header is trusted: the topmost one naming our server. The receiving server
	 * prepends its own (RFC 8601 section 5, as every hop prepends its trace fields), so
	 * whatever sits below it came with the message and may have been written by the sender.
	 * A forged header can only sit above the real one if something after our server added
	 * it, or the server appends rather than prepends: position alone cannot be relied on
	 * then, so any lower header naming our server that states another result for a method
	 * the topmost one states makes the sender unverified. (Several real headers from one
	 * server, one per milter, state different methods and do not conflict.) */
	const char *why = "no Authentication-Results header from the receiving server";
	GHashTable *top = NULL;
	gboolean found = FALSE, pass = FALSE, conflict = FALSE;
	for (guint i = 0; auth_results && i < auth_results->len && !conflict; i++) {
		gboolean p = FALSE;
		GHashTable *r = read_auth_results(auth_results->pdata[i], authserv_id, from_domain, &p);
		if (!r)
			continue;
		if (!top) {
			top = r;
			pass = p;
			continue;
		}
		conflict = disagree(top, r);
		g_hash_table_unref(r);
	}
	if (top) {
		found = TRUE;
		g_hash_table_unref(top);
	}
	if (found && pass && !conflict)
		return TRUE;
	if (conflict)
		why = "Authentication-Results headers naming the receiving server disagree: one of "
		      "them is forged";
	else if (found)
		why = "the receiving server did not find DMARC, or aligned DKIM or SPF, to pass";
	if (why_r)
		*why_r = why;
	return FALSE;
}

static gboolean by_token(ChApp *app, const ChMessage *m, const char *token, GDateTime *now,
                         ChMatch *out, GError **error)
{
	guint32 id;
	GDate exp;
	const char *reason = NULL;
	if (!ch_token_check(app->keys, token, &id, &exp, &reason)) {
		set(out, CH_MATCH_NONE, "reply token refused: %s", reason);
		return TRUE;
	}
	ChStore *s = app->store;
	ChStoreToken row;
	gboolean found = FALSE;
	if (!ch_store_token_get(s, (gint64)id, &row, &found, error))
		return FALSE;
	if (!found) {
		set(out, CH_MATCH_NONE, "reply token names nothing we sent");
		return TRUE;
	}
	if (!ch_purpose_parse(row.purpose, &out->purpose)) {
		g_set_error(error, CH_ERROR, CH_ERROR_FINAL,
		            "the database holds token.purpose = '%s', which this chaser does not know",
		            row.purpose);
		ch_store_token_clear(&row);
		return FALSE;
	}
	g_clear_pointer(&row.purpose, g_free);
	out->conference_id = row.conference_id;
	out->object_id = row.object_id;
	g_autofree char *recipient = g_steal_pointer(&row.recipient);
	gint64 token_stage = row.stage, now_stage = row.now_stage;
	out->by_token = TRUE;
	GDate today;
	ch_clock_local_date(now, &today);
	if (g_date_compare(&today, &exp) > 0) {
		g_autofree char *e = ch_date_format(&exp);
		set(out, CH_MATCH_NONE, "reply token expired on %s", e);
		return TRUE;
	}
	if (token_stage && now_stage && token_stage != now_stage) {
		/* Whoever was asked at an earlier stage no longer closes the concern: the person
		 * asked now does. */
		set(out, CH_MATCH_NONE,
		    "reply token was for stage %" G_GINT64_FORMAT " of this escalation, which is now "
		    "at stage %" G_GINT64_FORMAT, token_stage, now_stage);
		return TRUE;
	}
	if (!m->from_addr || g_ascii_strcasecmp(m->from_addr, recipient)) {
		set(out, CH_MATCH_NONE,
		    "sender %s is not the person this reply token was sent to",
		    m->from_addr ? m->from_addr : "(none)");
		return TRUE;
	}
	g_autofree char *tag = ch_classify_subject_ref(m->subject);
	if (tag) {
		gint64 other = 0;
		if (!ch_store_conference_by_ref(s, tag, &other, error))
			return FALSE;
		if (other && other != out->conference_id) {
			set(out, CH_MATCH_NONE, "subject names conference %s but the reply token is for "
			                        "another conference",
			    tag);
			return TRUE;
		}
	}
	out->result = CH_MATCH_OK;
	return TRUE;
}

/* The store's answer for the engine's tokenless match: does this agency own that domain?
 * The engine cannot take an error, so the first one is kept here and by_subject fails on it
 * after the engine has answered: a busy database is never read as "not theirs". */
typedef struct {
	ChApp *app;
	GError *error;
} Owns;

static gboolean agency_owns(gpointer data, gint64 agency_id, const char *domain)
{
	Owns *o = data;
	gboolean has = FALSE;
	if (!o->error && !ch_store_agency_has_domain(o->app->store, agency_id, domain, &has,
	                                             &o->error))
		return FALSE;
	return has;
}

/* No token: the subject's conference, and a sender that conference is waiting on. */
static gboolean by_subject(ChApp *app, const ChMessage *m, ChMatch *out, GError **error)
{
	g_autofree char *tag = ch_classify_subject_ref(m->subject);
	if (!tag) {
		set(out, CH_MATCH_NONE, "no reply token, no known thread and no conference reference");
		return TRUE;
	}
	gint64 id = 0;
	if (!ch_store_conference_by_ref(app->store, tag, &id, error))
		return FALSE;
	if (!id) {
		set(out, CH_MATCH_NONE, "subject names %s, which is not a conference here", tag);
		return TRUE;
	}
	out->conference_id = id;
	g_autoptr(ChCase) c = ch_store_case_load_id(app->store, id, error);
	if (!c)
		return FALSE;
	if (!m->from_addr) {
		set(out, CH_MATCH_NONE, "message has no sender address");
		return TRUE;
	}
	const char *from = m->from_addr;
	Owns owns = { app, NULL };
	gboolean listed = ch_case_on_roster(c, from) || ch_kind_owing_domain(c, from, agency_owns,
	                                                                      &owns);
	if (owns.error) {
		g_propagate_error(error, owns.error);
		return FALSE;
	}
	if (!listed) {
		set(out, CH_MATCH_NONE, "sender %s is not on the roster of %s", from, c->ref);
		return TRUE;
	}
	/* Which of the things this conference waits for the sender is answering (engine/kinds.c). */
	gpointer object;
	gboolean ambiguous;
	const ChKind *k = ch_kind_tokenless(c, from, agency_owns, &owns, &object, &ambiguous);
	if (owns.error) {
		g_propagate_error(error, owns.error);
		return FALSE;
	}
	if (k) {
		out->purpose = k->purpose;
		out->object_id = ch_kind_object_id(k, object);
		out->result = CH_MATCH_OK;
		return TRUE;
	}
	set(out, CH_MATCH_NONE,
	    ambiguous ? "sender %s is asked about several escalations of %s: cannot tell which"
	              : "sender %s is on the roster of %s but nothing there awaits their reply",
	    from, c->ref);
	return TRUE;
}

char *ch_classify_token(ChApp *app, const ChMessage *m)
{
	gboolean conflict = FALSE;
	return find_token(app, m, &conflict);
}

gboolean ch_classify_from_vouched(ChApp *app, const ChMessage *m, const char **why_r)
{
	const char *authserv = app->cfg->authserv_id;
	return !authserv ||
	       ch_classify_auth_ok(m->auth_results, authserv, domain_of(m->from_addr), why_r);
}

gboolean ch_classify(ChApp *app, const ChMessage *m, GDateTime *now, ChMatch *out,
                     GError **error)
{
	memset(out, 0, sizeof *out);
	gboolean conflict = FALSE;
	g_autofree char *token = find_token(app, m, &conflict);
	if (conflict) {
		set(out, CH_MATCH_NONE, "the reply token in the address and the message this answers "
		                        "belong to different threads");
		return TRUE;
	}
	gboolean ok = token ? by_token(app, m, token, now, out, error) : by_subject(app, m, out, error);
	if (!ok || out->result != CH_MATCH_OK)
		return ok;
	const char *why = NULL;
	if (!ch_classify_from_vouched(app, m, &why))
		set(out, CH_MATCH_HELD, "sender not verified: %s", why);
	else if (!app->cfg->authserv_id && !token)
		/* Anyone can write the chair's address in From. Without a token only a receiving
		 * server's verdict could vouch for it, and the config names none. */
		set(out, CH_MATCH_HELD, "sender not verified: no reply token, and no receiving "
		                        "server is named to check the From address ([chaser] "
		                        "authserv_id = none)");
	return TRUE;
}
