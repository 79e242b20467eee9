/* web: drives the real `chaser web` for the console's tests: starts it on a free loopback
 * port, speaks HTTP to it with libcurl, keeps its cookies as a browser would, and signs in
 * with the link chaser mailed into the spool. */
#pragma once
#include <glib.h>
#include "support/harness.h"

typedef struct {
	Harness *h;
	GPid pid;
	char *base;       /* http://127.0.0.1:PORT */
} Web;

typedef struct {
	char *session;    /* the cookies the browser holds, or NULL */
	char *pre;
	/* Sent as X-Forwarded-For and X-Forwarded-Proto when set: a client behind [web]
	 * trusted_proxy, as the proxy would say. */
	const char *forwarded_for;
	const char *forwarded_proto;
} WebBrowser;

typedef struct {
	long status;
	GString *headers; /* every header line, as received */
	char *body;
	char *location;
} WebResp;

/* Starts `chaser [--now NOW] web --port 0` and waits for it to listen. */
Web *web_start(Harness *h, const char *now);
/* The same with `chaser [--now NOW] run --web-port 0`: the loop and the console. */
Web *web_start_run(Harness *h, const char *now);
/* SIGTERM, and waits for it to end (asserting it exits 0). */
void web_stop(Web *w);
void web_browser_clear(WebBrowser *b);
void web_resp_free(WebResp *r);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(WebResp, web_resp_free)

/* A request: form is url-encoded POST data (NULL for GET); the browser's cookies go with it
 * and those the response sets are kept. */
WebResp *web_req(Web *w, WebBrowser *b, const char *path, const char *form);
/* A multipart/form-data POST, as a browser sends a form with a file: `fields` is name,
 * value pairs, NULL-terminated (may be NULL); then the file field `file_field` (NULL: none)
 * holding `len` bytes of `data`, named file_name, of content type `type` (NULL: curl's). */
WebResp *web_req_multipart(Web *w, WebBrowser *b, const char *path, const char *const *fields,
                           const char *file_field, const char *file_name, const char *type,
                           const void *data, gsize len);
/* A header's value (the first, case-insensitive), or NULL. */
char *web_header(const WebResp *r, const char *name);
/* The value of the first hidden field `name` in a page, or NULL. */
char *web_field(const char *html, const char *name);
/* The newest sign-in link mailed to `to`, decoded; NULL when none. Right after web_ask for
 * `to`, it first waits (up to 10 s) for the mail chaser sends after its answer. */
char *web_link(Harness *h, const char *to);
/* Asks for a link for `address` (through the sign-in form), as the browser b. */
WebResp *web_ask(Web *w, WebBrowser *b, const char *address);
/* Opens a link as b: shows its page, then presses Continue. */
WebResp *web_open_link(Web *w, WebBrowser *b, const char *link);
/* Asks for a link and opens it; asserts a session started. */
void web_sign_in(Web *w, WebBrowser *b, const char *address);
/* Runs tests/web/SCRIPT (Selenium in headless Chromium, tests/web/browser.py) against w as
 * admin, with the test's own arguments after BASE_URL OUTGOING_DIR ADMIN_ADDRESS; `extra` is
 * NULL-terminated, may be NULL. TRUE when every step passed; FALSE when the browser test could
 * not run (it has then been reported as skipped); a failed step fails the test with the
 * script's output. CHASER_DOWNLOADS is set to `downloads` when it is given. */
gboolean web_browser_test(Web *w, const char *script, const char *const *extra,
                          const char *downloads);
