/* The console's defences, driven through the real `chaser web` on a loopback port: nothing
 * without a session, no form without its token, links that work once and for 15 minutes,
 * the same answer for any address, the headers every response carries, the rate limits,
 * a manager who can only read, sign-out, and where it refuses to listen. */
#include <string.h>

#include "support/harness.h"
#include "support/web.h"

#define ADMIN "cp.admin@council.example"
#define MANAGER "team.manager@council.example"
#define WEB_CONF "[web]\nmanagers = " MANAGER "\n"
/* Sign-in requests one client may make in an hour (web_auth.h). */
#define CH_LIMIT_CLIENT 20
/* Tuesday 24 Nov 2026, the day after the list went to the chair. */
#define NOW "2026-11-24T10:00"

/* The story's chair answers afresh, without chaser's token: nothing vouches for the From,
 * so the reply is held in triage. Returns the triage id. */
static char *held_reply(Harness *h)
{
	h_story_setup(h);
	h_deliver(h, "afresh",
	          "From: Dr Ffion Testwood <" H_CHAIR ">\nTo: safeguarding@council.example\n"
	          "Subject: [" H_REF "] Distribution list\nMessage-ID: <afresh@chairs.example.org>\n\n"
	          "AUTHORISED\n");
	g_assert_cmpint(h_run(h, NOW, "poll", NULL), ==, 0);
	g_autoptr(JsonNode) tri = h_json(h, NULL, "triage", NULL);
	JsonArray *items = json_node_get_array(tri);
	g_assert_cmpuint(json_array_get_length(items), ==, 1);
	return g_strdup_printf("%" G_GINT64_FORMAT,
	                       json_object_get_int_member(json_array_get_object_element(items, 0),
	                                                  "id"));
}

static const char *conf_state(Harness *h)
{
	static char state[32];
	g_autoptr(JsonNode) show = h_json(h, NULL, "show", H_REF, NULL);
	g_strlcpy(state, h_str(json_node_get_object(show), "state"), sizeof state);
	return state;
}

static guint open_triage(Harness *h)
{
	g_autoptr(JsonNode) tri = h_json(h, NULL, "triage", NULL);
	return json_array_get_length(json_node_get_array(tri));
}

static void test_web_every_page_without_session_goes_to_sign_in(void)
{
	g_autoptr(Harness) h = h_new(WEB_CONF);
	Web *w = web_start(h, NOW);
	const char *gets[] = { "/", "/conferences", "/conference?ref=" H_REF, "/triage",
	                       "/triage/confirm?id=1&do=release", "/no/such/page" };
	for (guint i = 0; i < G_N_ELEMENTS(gets); i++) {
		WebBrowser b = { 0 };
		g_autoptr(WebResp) r = web_req(w, &b, gets[i], NULL);
		g_assert_cmpint(r->status, ==, 303);
		g_assert_cmpstr(r->location, ==, "/signin");
		web_browser_clear(&b);
	}
	const char *posts[] = { "/triage/decide", "/signout" };
	for (guint i = 0; i < G_N_ELEMENTS(posts); i++) {
		WebBrowser b = { 0 };
		g_autoptr(WebResp) r = web_req(w, &b, posts[i], "id=1&do=release&csrf=x");
		g_assert_cmpint(r->status, ==, 303);
		g_assert_cmpstr(r->location, ==, "/signin");
		web_browser_clear(&b);
	}
	/* A cookie chaser never made is no session. */
	WebBrowser forged = { .session = g_strnfill(64, 'a') };
	g_autoptr(WebResp) r = web_req(w, &forged, "/", NULL);
	g_assert_cmpint(r->status, ==, 303);
	web_browser_clear(&forged);
	web_stop(w);
}

static void assert_headers(const WebResp *r, const char *what)
{
	g_autofree char *csp = web_header(r, "Content-Security-Policy");
	g_autofree char *xfo = web_header(r, "X-Frame-Options");
	g_autofree char *rp = web_header(r, "Referrer-Policy");
	g_autofree char *cc = web_header(r, "Cache-Control");
	if (!csp || !strstr(csp, "default-src 'self'") || !strstr(csp, "script-src 'none'") ||
	    g_strcmp0(xfo, "DENY") || g_strcmp0(rp, "no-referrer") || g_strcmp0(cc, "no-store"))
		g_error("%s (%ld) lacks a security header:\n%s", what, r->status, r->headers->str);
	/* Nothing in a page comes from elsewhere, and no page carries script. */
	g_assert_null(strstr(r->body, "<script"));
	g_assert_null(strstr(r->body, "src=\"http"));
	g_assert_null(strstr(r->body, "href=\"http"));
}

static void test_web_headers_on_every_response(void)
{
	g_autoptr(Harness) h = h_new(WEB_CONF);
	g_autofree char *tid = held_reply(h);
	Web *w = web_start(h, NOW);
	WebBrowser anon = { 0 }, admin = { 0 }, manager = { 0 };
	const char *anon_paths[] = { "/signin", "/", "/static/console.css", "/signin/link?t=00" };
	for (guint i = 0; i < G_N_ELEMENTS(anon_paths); i++) {
		g_autoptr(WebResp) r = web_req(w, &anon, anon_paths[i], NULL);
		assert_headers(r, anon_paths[i]);
	}
	g_autoptr(WebResp) asked = web_ask(w, &anon, "nobody@elsewhere.example");
	assert_headers(asked, "the sign-in answer");
	g_autoptr(WebResp) bad = web_req(w, &anon, "/signin/link", "t=00&csrf=00");
	assert_headers(bad, "a refused form");
	web_sign_in(w, &admin, ADMIN);
	web_sign_in(w, &manager, MANAGER);
	g_autofree char *confirm = g_strdup_printf("/triage/confirm?id=%s&do=release", tid);
	const char *paths[] = { "/", "/conferences", "/conferences?ref=0042&state=list_sent",
	                        "/conference?ref=" H_REF, "/conference?ref=CP-1999-0001",
	                        "/triage", confirm, "/nothing-here" };
	for (guint i = 0; i < G_N_ELEMENTS(paths); i++) {
		g_autoptr(WebResp) r = web_req(w, &admin, paths[i], NULL);
		assert_headers(r, paths[i]);
		g_autoptr(WebResp) m = web_req(w, &manager, paths[i], NULL);
		assert_headers(m, paths[i]);
	}
	/* The session cookie cannot be read by script nor sent from another site. */
	g_autoptr(WebResp) again = web_ask(w, &anon, ADMIN);
	g_autofree char *link = web_link(h, ADMIN);
	g_autoptr(WebResp) opened = web_open_link(w, &anon, link);
	g_autofree char *cookie = web_header(opened, "Set-Cookie");
	g_assert_nonnull(strstr(cookie, "chaser_session="));
	g_assert_nonnull(strstr(cookie, "HttpOnly"));
	g_assert_nonnull(strstr(cookie, "SameSite=Strict"));
	web_browser_clear(&anon), web_browser_clear(&admin), web_browser_clear(&manager);
	web_stop(w);
}

static void test_web_post_without_or_with_wrong_token_refused(void)
{
	g_autoptr(Harness) h = h_new(WEB_CONF);
	g_autofree char *tid = held_reply(h);
	Web *w = web_start(h, NOW);
	WebBrowser admin = { 0 }, other = { 0 };
	web_sign_in(w, &admin, ADMIN);
	web_sign_in(w, &other, ADMIN);
	g_autoptr(WebResp) page = web_req(w, &other, "/", NULL);
	g_autofree char *other_token = web_field(page->body, "csrf");
	g_assert_nonnull(other_token);
	g_autofree char *none = g_strdup_printf("id=%s&do=release", tid);
	g_autofree char *wrong = g_strdup_printf("id=%s&do=release&csrf=%s", tid,
	                                         "0123456789abcdef0123456789abcdef");
	/* Another session's token is just as wrong: a token is tied to its session. */
	g_autofree char *foreign = g_strdup_printf("id=%s&do=release&csrf=%s", tid, other_token);
	const char *forms[] = { none, wrong, foreign };
	for (guint i = 0; i < G_N_ELEMENTS(forms); i++) {
		g_autoptr(WebResp) r = web_req(w, &admin, "/triage/decide", forms[i]);
		g_assert_cmpint(r->status, ==, 403);
	}
	g_autoptr(WebResp) out = web_req(w, &admin, "/signout", "csrf=");
	g_assert_cmpint(out->status, ==, 403);
	g_autoptr(WebResp) still = web_req(w, &admin, "/", NULL);
	g_assert_cmpint(still->status, ==, 200);
	web_stop(w);
	g_assert_cmpuint(open_triage(h), ==, 1);
	g_assert_cmpstr(conf_state(h), ==, "list_sent");
	web_browser_clear(&admin), web_browser_clear(&other);
}

static void test_web_used_and_expired_links_refused(void)
{
	g_autoptr(Harness) h = h_new(WEB_CONF);
	Web *w = web_start(h, NOW);
	WebBrowser b = { 0 }, thief = { 0 };
	web_sign_in(w, &b, ADMIN);
	g_autofree char *used = web_link(h, ADMIN);
	g_autoptr(WebResp) again = web_open_link(w, &thief, used);
	g_assert_cmpint(again->status, ==, 403);
	g_assert_null(thief.session);
	/* A link that was never sent, and one cut short. */
	g_autoptr(WebResp) made_up = web_open_link(w, &thief, "/signin/link?t=" "0123456789abcdef"
	                                           "0123456789abcdef0123456789abcdef0123456789abcdef");
	g_assert_cmpint(made_up->status, ==, 403);
	/* A fresh link, opened 16 minutes later. */
	g_autoptr(WebResp) asked = web_ask(w, &thief, ADMIN);
	g_autofree char *fresh = web_link(h, ADMIN);
	g_assert_cmpstr(fresh, !=, used);
	web_stop(w);
	w = web_start(h, "2026-11-24T10:16");
	g_autoptr(WebResp) late = web_open_link(w, &thief, fresh);
	g_assert_cmpint(late->status, ==, 403);
	g_assert_null(thief.session);
	web_stop(w);
	/* Within the 15 minutes it works (once). */
	g_autoptr(WebResp) asked2 = web_ask((w = web_start(h, "2026-11-24T11:00")), &thief, ADMIN);
	g_autofree char *third = web_link(h, ADMIN);
	web_stop(w);
	w = web_start(h, "2026-11-24T11:14");
	g_autoptr(WebResp) in_time = web_open_link(w, &thief, third);
	g_assert_cmpint(in_time->status, ==, 303);
	web_stop(w);
	web_browser_clear(&b), web_browser_clear(&thief);
}

static void test_web_unknown_address_same_page_no_mail(void)
{
	g_autoptr(Harness) h = h_new(WEB_CONF);
	Web *w = web_start(h, NOW);
	WebBrowser a = { 0 }, b = { 0 };
	g_autoptr(WebResp) known = web_ask(w, &a, ADMIN);
	g_autoptr(WebResp) unknown = web_ask(w, &b, "someone@elsewhere.example");
	g_autoptr(WebResp) near = web_ask(w, &b, "cp.admin@council.example.evil.example");
	g_assert_cmpint(known->status, ==, 200);
	g_assert_cmpint(unknown->status, ==, known->status);
	g_assert_cmpstr(unknown->body, ==, known->body);
	g_assert_cmpstr(near->body, ==, known->body);
	web_stop(w);
	g_assert_cmpuint(h_count_mail(h, "web_signin", ADMIN), ==, 1);
	g_assert_cmpuint(h_count_mail(h, "web_signin", "someone@elsewhere.example"), ==, 0);
	g_assert_cmpuint(h_count_mail(h, "web_signin", NULL), ==, 1);
	/* The mail's subject says nothing about the person. */
	g_autofree char *path = h_mail(h, "web_signin", ADMIN);
	g_autofree char *subject = h_header(path, "Subject");
	g_assert_null(strstr(subject, "admin"));
	web_browser_clear(&a), web_browser_clear(&b);
}

static void test_web_sign_in_requests_rate_limited(void)
{
	g_autoptr(Harness) h = h_new(WEB_CONF);
	Web *w = web_start(h, NOW);
	WebBrowser b = { 0 };
	/* Per address, no refusal (that would let anyone lock admin out): while the link mailed
	 * is fresh and unused, no other is sent, so the mailbox is not flooded. */
	for (int i = 0; i < 6; i++) {
		g_autoptr(WebResp) r = web_ask(w, &b, ADMIN);
		g_assert_cmpint(r->status, ==, 200);
	}
	g_autofree char *one = web_link(h, ADMIN);
	g_assert_nonnull(one);
	g_assert_cmpuint(h_count_mail(h, "web_signin", ADMIN), ==, 1);
	/* Per client: twenty an hour whatever the addresses; the manager's is then refused. */
	for (int i = 0; i < 14; i++) {
		g_autofree char *a = g_strdup_printf("guess%d@council.example", i);
		g_autoptr(WebResp) r = web_ask(w, &b, a);
		g_assert_cmpint(r->status, ==, 200);
	}
	g_autoptr(WebResp) limited = web_ask(w, &b, MANAGER);
	g_assert_cmpint(limited->status, ==, 429);
	g_assert_cmpuint(h_count_mail(h, "web_signin", MANAGER), ==, 0);
	web_stop(w);
	/* An hour on, the manager may ask again. */
	w = web_start(h, "2026-11-24T11:01");
	g_autoptr(WebResp) later = web_ask(w, &b, MANAGER);
	g_assert_cmpint(later->status, ==, 200);
	web_stop(w);
	g_assert_cmpuint(h_count_mail(h, "web_signin", MANAGER), ==, 1);
	web_browser_clear(&b);
}

static void test_web_manager_cannot_release_or_drop(void)
{
	g_autoptr(Harness) h = h_new(WEB_CONF);
	g_autofree char *tid = held_reply(h);
	Web *w = web_start(h, NOW);
	WebBrowser m = { 0 };
	web_sign_in(w, &m, MANAGER);
	g_autoptr(WebResp) tri = web_req(w, &m, "/triage", NULL);
	g_assert_cmpint(tri->status, ==, 200);
	/* The manager sees the held reply and the text chaser read, but no button. */
	g_assert_nonnull(strstr(tri->body, "AUTHORISED"));
	g_assert_null(strstr(tri->body, "/triage/confirm"));
	g_autofree char *token = web_field(tri->body, "csrf");
	const char *what[] = { "release", "drop" };
	for (guint i = 0; i < G_N_ELEMENTS(what); i++) {
		g_autofree char *confirm = g_strdup_printf("/triage/confirm?id=%s&do=%s", tid, what[i]);
		g_autoptr(WebResp) c = web_req(w, &m, confirm, NULL);
		g_assert_cmpint(c->status, ==, 403);
		g_autofree char *form = g_strdup_printf("id=%s&do=%s&csrf=%s", tid, what[i], token);
		g_autoptr(WebResp) d = web_req(w, &m, "/triage/decide", form);
		g_assert_cmpint(d->status, ==, 403);
	}
	web_stop(w);
	g_assert_cmpuint(open_triage(h), ==, 1);
	g_assert_cmpstr(conf_state(h), ==, "list_sent");
	web_browser_clear(&m);
}

static void test_web_admin_releases_audited_with_address(void)
{
	g_autoptr(Harness) h = h_new(WEB_CONF);
	g_autofree char *tid = held_reply(h);
	Web *w = web_start(h, NOW);
	WebBrowser a = { 0 };
	web_sign_in(w, &a, ADMIN);
	g_autofree char *confirm = g_strdup_printf("/triage/confirm?id=%s&do=release", tid);
	g_autoptr(WebResp) c = web_req(w, &a, confirm, NULL);
	g_assert_cmpint(c->status, ==, 200);
	g_autofree char *token = web_field(c->body, "csrf");
	g_autofree char *form = g_strdup_printf("id=%s&do=release&csrf=%s", tid, token);
	g_autoptr(WebResp) d = web_req(w, &a, "/triage/decide", form);
	g_assert_cmpint(d->status, ==, 303);
	g_autoptr(WebResp) show = web_req(w, &a, "/conference?ref=" H_REF, NULL);
	g_assert_nonnull(strstr(show->body, "List authorised"));
	web_stop(w);
	g_assert_cmpstr(conf_state(h), ==, "authorised");
	g_autoptr(GPtrArray) audit = h_audit(h, H_REF);
	gboolean by_web = FALSE;
	for (guint i = 0; i < audit->len; i++)
		by_web |= g_str_has_prefix(audit->pdata[i], "triage.released") &&
		          g_str_has_suffix(audit->pdata[i], "|web:" ADMIN);
	g_assert_true(by_web);
	/* No token, session id or link reached the log. */
	GString *err = h_all_stderr();
	g_assert_null(strstr(err->str, "t="));
	g_assert_null(strstr(err->str, a.session));
	web_browser_clear(&a);
}

static void test_web_sign_out_kills_the_session(void)
{
	g_autoptr(Harness) h = h_new(WEB_CONF);
	Web *w = web_start(h, NOW);
	WebBrowser b = { 0 };
	web_sign_in(w, &b, ADMIN);
	char *old = g_strdup(b.session);
	g_autoptr(WebResp) today = web_req(w, &b, "/", NULL);
	g_assert_cmpint(today->status, ==, 200);
	g_autofree char *token = web_field(today->body, "csrf");
	g_autofree char *form = g_strdup_printf("csrf=%s", token);
	g_autoptr(WebResp) out = web_req(w, &b, "/signout", form);
	g_assert_cmpint(out->status, ==, 303);
	g_assert_cmpstr(out->location, ==, "/signin");
	g_assert_null(b.session);
	/* The old cookie, sent again, is no session. */
	WebBrowser replay = { .session = old };
	g_autoptr(WebResp) r = web_req(w, &replay, "/", NULL);
	g_assert_cmpint(r->status, ==, 303);
	g_assert_cmpstr(r->location, ==, "/signin");
	web_stop(w);
	web_browser_clear(&b), web_browser_clear(&replay);
}

static void test_web_session_expires_when_idle(void)
{
	g_autoptr(Harness) h = h_new(WEB_CONF);
	Web *w = web_start(h, NOW);
	WebBrowser b = { 0 };
	web_sign_in(w, &b, ADMIN);
	web_stop(w);
	w = web_start(h, "2026-11-24T10:29");
	g_autoptr(WebResp) in_time = web_req(w, &b, "/", NULL);
	g_assert_cmpint(in_time->status, ==, 200);
	web_stop(w);
	w = web_start(h, "2026-11-24T11:00");
	g_autoptr(WebResp) idle = web_req(w, &b, "/", NULL);
	g_assert_cmpint(idle->status, ==, 303);
	web_stop(w);
	web_browser_clear(&b);
}

static void test_web_refuses_non_loopback_without_tls(void)
{
	g_autoptr(Harness) h = h_new("[web]\nlisten = 192.0.2.10\n");
	g_assert_cmpint(h_run(h, NULL, "web", "--port", "0", NULL), ==, 1);
	g_assert_nonnull(strstr(h->err, "[web] listen = 192.0.2.10 is not a loopback address"));
	g_assert_nonnull(strstr(h->err, "trusted_proxy"));
	/* Half of TLS is a mistake too. */
	g_autoptr(Harness) h2 = h_new("[web]\nlisten = 192.0.2.10\ncert_file = cert.pem\n");
	g_assert_cmpint(h_run(h2, NULL, "web", "--port", "0", NULL), ==, 1);
	g_assert_nonnull(strstr(h2->err, "cert_file and key_file go together"));
}

/* Behind the proxy (trusted_proxy), each client is known by what it forwards. */
#define PROXY_CONF "[web]\nmanagers = " MANAGER "\ntrusted_proxy = 127.0.0.1\n"

static void test_web_stranger_cannot_lock_admin_out(void)
{
	g_autoptr(Harness) h = h_new(PROXY_CONF);
	Web *w = web_start(h, NOW);
	WebBrowser stranger = { .forwarded_for = "192.0.2.66" };
	WebBrowser admin = { .forwarded_for = "198.51.100.7" };
	/* The stranger asks for admin's address until refused, and goes on. */
	for (int i = 0; i < CH_LIMIT_CLIENT; i++) {
		g_autoptr(WebResp) r = web_ask(w, &stranger, ADMIN);
		g_assert_cmpint(r->status, ==, 200);
	}
	for (int i = 0; i < 3; i++) {
		g_autoptr(WebResp) r = web_ask(w, &stranger, ADMIN);
		g_assert_cmpint(r->status, ==, 429);
	}
	/* Admin was mailed once, and may still ask, and the link in the inbox works. */
	g_autoptr(WebResp) asked = web_ask(w, &admin, ADMIN);
	g_assert_cmpint(asked->status, ==, 200);
	g_autofree char *link = web_link(h, ADMIN);
	g_assert_cmpuint(h_count_mail(h, "web_signin", ADMIN), ==, 1);
	g_autoptr(WebResp) opened = web_open_link(w, &admin, link);
	g_assert_cmpint(opened->status, ==, 303);
	g_assert_nonnull(admin.session);
	/* Forwarded headers missing or not an address: the proxy's own address counts. */
	WebBrowser bare = { 0 }, junk = { .forwarded_for = "not-an-address" };
	g_autoptr(WebResp) r1 = web_ask(w, &bare, MANAGER);
	g_autoptr(WebResp) r2 = web_ask(w, &junk, MANAGER);
	g_assert_cmpint(r1->status, ==, 200);
	g_assert_cmpint(r2->status, ==, 200);
	web_stop(w);
	/* Half an hour on the stranger is refused again, and those refusals count for nothing:
	 * an hour after the first requests the stranger may ask once more. */
	w = web_start(h, "2026-11-24T10:30");
	for (int i = 0; i < CH_LIMIT_CLIENT; i++) {
		g_autoptr(WebResp) r = web_ask(w, &stranger, "someone@elsewhere.example");
		g_assert_cmpint(r->status, ==, 429);
	}
	web_stop(w);
	w = web_start(h, "2026-11-24T11:01");
	g_autoptr(WebResp) later = web_ask(w, &stranger, ADMIN);
	g_assert_cmpint(later->status, ==, 200);
	web_stop(w);
	/* Admin's link was used: this request sent a new one. */
	g_assert_cmpuint(h_count_mail(h, "web_signin", ADMIN), ==, 2);
	web_browser_clear(&stranger), web_browser_clear(&admin);
	web_browser_clear(&bare), web_browser_clear(&junk);
}

/* Over TLS (here the proxy says so): the cookies carry the __Host- prefix and Secure, and
 * every response the Strict-Transport-Security header. */
static void test_web_tls_cookies_host_prefixed_and_hsts(void)
{
	g_autoptr(Harness) h = h_new(PROXY_CONF);
	Web *w = web_start(h, NOW);
	WebBrowser b = { .forwarded_proto = "https" };
	g_autoptr(WebResp) page = web_req(w, &b, "/signin", NULL);
	g_assert_cmpint(page->status, ==, 200);
	g_autofree char *set = web_header(page, "Set-Cookie");
	g_assert_nonnull(set);
	g_assert_true(g_str_has_prefix(set, "__Host-chaser_pre="));
	g_assert_nonnull(strstr(set, "; Secure"));
	g_assert_nonnull(strstr(set, "Path=/"));
	g_assert_null(strstr(set, "Domain"));
	g_autofree char *hsts = web_header(page, "Strict-Transport-Security");
	g_assert_cmpstr(hsts, ==, "max-age=31536000");
	web_sign_in(w, &b, ADMIN);
	g_autoptr(WebResp) today = web_req(w, &b, "/", NULL);
	g_assert_cmpint(today->status, ==, 200);
	g_autofree char *hsts2 = web_header(today, "Strict-Transport-Security");
	g_assert_nonnull(hsts2);
	/* Over plain HTTP: no prefix, no Secure, no HSTS. */
	WebBrowser http = { 0 };
	g_autoptr(WebResp) p2 = web_req(w, &http, "/signin", NULL);
	g_autofree char *set2 = web_header(p2, "Set-Cookie");
	g_assert_true(g_str_has_prefix(set2, "chaser_pre="));
	g_assert_null(strstr(set2, "Secure"));
	g_autofree char *hsts3 = web_header(p2, "Strict-Transport-Security");
	g_assert_null(hsts3);
	web_stop(w);
	web_browser_clear(&b), web_browser_clear(&http);
}

/* A pre-session cookie chaser did not make (not 64 hex digits) is not the base of a form's
 * token: a form made with a token from it is refused, and a cookie of chaser's is set. */
static void test_web_pre_cookie_not_ours_not_used(void)
{
	g_autoptr(Harness) h = h_new(WEB_CONF);
	Web *w = web_start(h, NOW);
	const char *bad[] = { "zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz",
		              "ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789",
		              "0123" };
	for (guint i = 0; i < G_N_ELEMENTS(bad); i++) {
		WebBrowser b = { .pre = g_strdup(bad[i]) };
		g_autofree char *token = g_compute_hmac_for_string(
		    G_CHECKSUM_SHA256, (const guchar *)bad[i], strlen(bad[i]), "chaser web form", -1);
		g_autofree char *form = g_strdup_printf("csrf=%s&email=%s", token, ADMIN);
		g_autoptr(WebResp) r = web_req(w, &b, "/signin", form);
		g_assert_cmpint(r->status, ==, 403);
		g_assert_cmpstr(b.pre, !=, bad[i]);
		g_assert_cmpuint(strlen(b.pre), ==, 64);
		web_browser_clear(&b);
	}
	web_stop(w);
	g_assert_cmpuint(h_count_mail(h, "web_signin", ADMIN), ==, 0);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/web/no-session-goes-to-sign-in",
	                test_web_every_page_without_session_goes_to_sign_in);
	g_test_add_func("/web/headers-on-every-response", test_web_headers_on_every_response);
	g_test_add_func("/web/post-without-or-wrong-token-refused",
	                test_web_post_without_or_with_wrong_token_refused);
	g_test_add_func("/web/used-and-expired-links-refused", test_web_used_and_expired_links_refused);
	g_test_add_func("/web/unknown-address-same-page-no-mail",
	                test_web_unknown_address_same_page_no_mail);
	g_test_add_func("/web/sign-in-requests-rate-limited", test_web_sign_in_requests_rate_limited);
	g_test_add_func("/web/stranger-cannot-lock-admin-out", test_web_stranger_cannot_lock_admin_out);
	g_test_add_func("/web/tls-cookies-host-prefixed-and-hsts",
	                test_web_tls_cookies_host_prefixed_and_hsts);
	g_test_add_func("/web/pre-cookie-not-ours-not-used", test_web_pre_cookie_not_ours_not_used);
	g_test_add_func("/web/manager-cannot-release-or-drop", test_web_manager_cannot_release_or_drop);
	g_test_add_func("/web/admin-releases-audited-with-address",
	                test_web_admin_releases_audited_with_address);
	g_test_add_func("/web/sign-out-kills-the-session", test_web_sign_out_kills_the_session);
	g_test_add_func("/web/session-expires-when-idle", test_web_session_expires_when_idle);
	g_test_add_func("/web/refuses-non-loopback-without-tls",
	                test_web_refuses_non_loopback_without_tls);
	return g_test_run();
}
