#include "classify/classify.h"

#include <string.h>

#include "classify/token.h"
#include "store/cases.h"
#include "util/clock.h"
#include "util/error.h"

void ch_match_clear(ChMatch *m)
{
	g_free(m->purpose);
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

/* A token from "local+TOKEN@domain" among the recipients, or from an id we made,
 * "c.TOKEN.NONCE@domain". */
static char *find_token(ChApp *app, const ChMessage *m)
{
	for (guint i = 0; m->rcpt_addrs && i < m->rcpt_addrs->len; i++) {
		const char *a = m->rcpt_addrs->pdata[i];
		const char *at = strrchr(a, '@');
		size_t ll = strlen(app->local_part);
		if (at && !g_ascii_strcasecmp(at + 1, app->domain) &&
		    !g_ascii_strncasecmp(a, app->local_part, ll) && a[ll] == '+' &&
		    at - (a + ll + 1) == CH_TOKEN_LEN)
			return g_strndup(a + ll + 1, CH_TOKEN_LEN);
	}
	GPtrArray *ids = g_ptr_array_new();
	if (m->in_reply_to)
		g_ptr_array_add(ids, m->in_reply_to);
	for (guint i = 0; m->references && i < m->references->len; i++)
		g_ptr_array_add(ids, m->references->pdata[m->references->len - 1 - i]);
	char *found = NULL;
	for (guint i = 0; i < ids->len && !found; i++) {
		const char *id = ids->pdata[i];
		const char *at = strrchr(id, '@');
		if (at && !g_ascii_strcasecmp(at + 1, app->domain) && !strncmp(id, "c.", 2) &&
		    strlen(id) > 2 + CH_TOKEN_LEN && id[2 + CH_TOKEN_LEN] == '.')
			found = g_strndup(id + 2, CH_TOKEN_LEN);
	}
	g_ptr_array_free(ids, TRUE);
	return found;
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

/* Drops RFC 5322 comments "(...)" so "dkim=pass (good signature) header.d=x" reads plainly. */
static char *strip_comments(const char *s)
{
	GString *out = g_string_new(NULL);
	int depth = 0;
	for (const char *p = s; *p; p++) {
		if (*p == '(')
			depth++;
		else if (*p == ')' && depth)
			depth--;
		else if (!depth)
			g_string_append_c(out, *p);
	}
	return g_string_free(out, FALSE);
}

gboolean ch_classify_auth_ok(GPtrArray *auth_results, const char *authserv_id,
                             const char *from_domain, const char **why_r)
{
	const char *why = "no Authentication-Results header from the receiving server";
	for (guint i = 0; auth_results && i < auth_results->len; i++) {
		g_autofree char *v = strip_comments(auth_results->pdata[i]);
		g_auto(GStrv) parts = g_strsplit(v, ";", -1);
		if (!parts[0])
			continue;
		g_auto(GStrv) idw = g_strsplit_set(g_strstrip(parts[0]), " \t", 2);
		if (!idw[0] || g_ascii_strcasecmp(idw[0], authserv_id))
			continue;
		/* Only the topmost header from our own server counts: anything below it was there
		 * before our server saw the message, and may have been written by the sender. */
		why = "the receiving server did not find DMARC, or aligned DKIM or SPF, to pass";
		for (guint k = 1; parts[k]; k++) {
			g_auto(GStrv) w = g_strsplit_set(g_strstrip(parts[k]), " \t", -1);
			if (!w[0])
				continue;
			char *eq = strchr(w[0], '=');
			if (!eq)
				continue;
			*eq = 0;
			const char *method = w[0], *result = eq + 1;
			if (g_ascii_strcasecmp(result, "pass"))
				continue;
			if (!g_ascii_strcasecmp(method, "dmarc")) {
				const char *hf = NULL;
				for (guint q = 1; w[q]; q++)
					if (!g_ascii_strncasecmp(w[q], "header.from=", 12))
						hf = w[q] + 12;
				if (!hf || aligned(hf, from_domain))
					return TRUE;
			}
			const char *prop = !g_ascii_strcasecmp(method, "dkim")  ? "header.d="
			                   : !g_ascii_strcasecmp(method, "spf") ? "smtp.mailfrom="
			                                                        : NULL;
			for (guint q = 1; prop && w[q]; q++)
				if (!g_ascii_strncasecmp(w[q], prop, strlen(prop))) {
					const char *d = w[q] + strlen(prop);
					const char *at = strrchr(d, '@');
					if (aligned(at ? at + 1 : d, from_domain))
						return TRUE;
				}
		}
		break;
	}
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
	sqlite3_stmt *st = ch_store_query(s, error,
	                                  "SELECT purpose, conference_id, coalesce(object_id,0),"
	                                  " recipient FROM token WHERE id = ?",
	                                  "i", (gint64)id);
	if (!st)
		return FALSE;
	GError *local = NULL;
	if (!ch_store_step(s, st, &local)) {
		if (local) {
			g_propagate_error(error, local);
			return FALSE;
		}
		set(out, CH_MATCH_NONE, "reply token names nothing we sent");
		return TRUE;
	}
	out->purpose = ch_store_col_str(st, 0);
	out->conference_id = sqlite3_column_int64(st, 1);
	out->object_id = sqlite3_column_int64(st, 2);
	g_autofree char *recipient = ch_store_col_str(st, 3);
	sqlite3_reset(st);
	out->by_token = TRUE;
	GDate today;
	ch_clock_local_date(now, &today);
	if (g_date_compare(&today, &exp) > 0) {
		g_autofree char *e = ch_date_format(&exp);
		set(out, CH_MATCH_NONE, "reply token expired on %s", e);
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
		gint64 other = ch_store_conference_by_ref(s, tag);
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

/* TRUE when addr's domain belongs to an agency that owes this conference a report. */
static gboolean agency_domain_owes(ChApp *app, const ChCase *c, const char *addr)
{
	const char *d = domain_of(addr);
	for (guint i = 0; d && i < c->reports->len; i++) {
		ChReport *r = c->reports->pdata[i];
		if (!strcmp(r->state, "awaited") || !strcmp(r->state, "missing"))
			if (ch_store_int(app->store, 0,
			                 "SELECT 1 FROM agency_domain WHERE agency_id = ? AND domain = ?",
			                 "is", r->agency_id, d))
				return TRUE;
	}
	return FALSE;
}

/* No token: the subject's conference, and a sender that conference is waiting on. */
static gboolean by_subject(ChApp *app, const ChMessage *m, ChMatch *out, GError **error)
{
	g_autofree char *tag = ch_classify_subject_ref(m->subject);
	if (!tag) {
		set(out, CH_MATCH_NONE, "no reply token, no known thread and no conference reference");
		return TRUE;
	}
	gint64 id = ch_store_conference_by_ref(app->store, tag);
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
	if (!ch_case_on_roster(c, from) && !agency_domain_owes(app, c, from)) {
		set(out, CH_MATCH_NONE, "sender %s is not on the roster of %s", from ? from : "(none)",
		    c->ref);
		return TRUE;
	}
	if (!g_ascii_strcasecmp(from, c->chair_email) && !strcmp(c->state, "list_sent")) {
		out->purpose = g_strdup("authorise");
		out->result = CH_MATCH_OK;
		return TRUE;
	}
	/* A report from an agency that owes one: its people on the list, its SLO or lead, or an
	 * address in its own mail domain. */
	const char *from_domain = domain_of(from);
	for (guint i = 0; i < c->reports->len; i++) {
		ChReport *r = c->reports->pdata[i];
		if (strcmp(r->state, "awaited") && strcmp(r->state, "missing"))
			continue;
		gboolean theirs = FALSE;
		for (guint k = 0; k < c->attendees->len; k++) {
			ChAttendee *a = c->attendees->pdata[k];
			if (a->agency_id == r->agency_id &&
			    (!g_ascii_strcasecmp(from, a->email) ||
			     (a->slo_email && !g_ascii_strcasecmp(from, a->slo_email)) ||
			     (a->lead_email && !g_ascii_strcasecmp(from, a->lead_email))))
				theirs = TRUE;
		}
		if (!theirs && from_domain &&
		    ch_store_int(app->store, 0,
		                 "SELECT 1 FROM agency_domain WHERE agency_id = ? AND domain = ?", "is",
		                 r->agency_id, from_domain))
			theirs = TRUE;
		if (theirs) {
			out->purpose = g_strdup("report");
			out->object_id = r->id;
			out->result = CH_MATCH_OK;
			return TRUE;
		}
	}
	ChEscalation *only = NULL;
	guint n = 0;
	for (guint i = 0; i < c->escalations->len; i++) {
		ChEscalation *e = c->escalations->pdata[i];
		if (!strcmp(e->state, "open") && e->asked && !g_ascii_strcasecmp(e->asked, from))
			only = e, n++;
	}
	if (n == 1) {
		out->purpose = g_strdup("escalation");
		out->object_id = only->id;
		out->result = CH_MATCH_OK;
		return TRUE;
	}
	set(out, CH_MATCH_NONE,
	    n ? "sender %s is asked about several escalations of %s: cannot tell which"
	      : "sender %s is on the roster of %s but nothing there awaits their reply",
	    from, c->ref);
	return TRUE;
}

gboolean ch_classify(ChApp *app, const ChMessage *m, GDateTime *now, ChMatch *out,
                     GError **error)
{
	memset(out, 0, sizeof *out);
	g_autofree char *token = find_token(app, m);
	gboolean ok = token ? by_token(app, m, token, now, out, error) : by_subject(app, m, out, error);
	if (!ok || out->result != CH_MATCH_OK)
		return ok;
	const char *authserv = app->cfg->authserv_id;
	const char *why = NULL;
	if (authserv && !ch_classify_auth_ok(m->auth_results, authserv, domain_of(m->from_addr), &why))
		set(out, CH_MATCH_HELD, "sender not verified: %s", why);
	return TRUE;
}
