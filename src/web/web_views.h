/* web_views: the console's pages, one function per page, each from a request already
 * decoded (web_server.c does the HTTP) to a response to send.
 *
 * Pages read the store through the same modules `chaser show`, `triage`, `safety` and
 * `reconcile` use, and act only through the code the commands use (ch_intake_decide). Every
 * page is rendered from templates/web/ (web_page.h), escaped. A view never sees a secret it
 * does not need: the session's only as the base of the form token.
 *
 * ChWebRequest is borrowed from the server for one call; the view fills the ChWebResponse,
 * whose strings it then owns (ch_web_response_clear frees them).
 */
#pragma once
#include <glib.h>
#include "app/app.h"
#include "web/web_auth.h"
#include "web/web_page.h"

/* The file of a multipart form (only the new conference's form has one), borrowed. */
typedef struct {
	const char *field;        /* the form field's name */
	const char *filename;     /* as the browser gave it ("" when none) */
	const char *content_type; /* or NULL */
	const guint8 *data;
	gsize len;
} ChWebUpload;

typedef struct {
	const char *method;     /* "GET" or "POST" (others are refused before a view) */
	const char *path;       /* without the query */
	GHashTable *args;       /* query (GET) or form (POST) fields: name -> value */
	const char *client;     /* the client's address (the forwarded one behind the proxy) */
	const char *base_url;   /* what people open, without a trailing slash */
	const char *address;    /* signed in as, or NULL */
	ChWebRole role;         /* CH_WEB_NOBODY when not signed in */
	const char *csrf_base;  /* the session's secret, or the pre-session cookie's; or NULL */
	const char *session;    /* the session's secret (for sign-out), or NULL */
	const ChWebUpload *upload; /* a multipart form's file, or NULL */
} ChWebRequest;

typedef struct {
	guint status;
	char *body;             /* HTML, or NULL */
	gsize body_len;         /* the body's bytes when it is not text (a spreadsheet); 0: a
	                           string, sent up to its NUL */
	const char *type;       /* Content-Type, static; text/html by default */
	char *disposition;      /* Content-Disposition (a download), or NULL */
	char *location;         /* for a redirect */
	char *set_cookie[2];    /* Set-Cookie values (made by the server's cookie helper) */
	char *new_session;      /* a session started: the server sets its cookie */
	gboolean end_session;   /* the session ended: the server clears its cookie */
	char *signin_for;       /* a sign-in link is to be sent to this address (maybe one the
	                           config does not name): the server's sender does it after the
	                           response, so the response cannot tell the two apart */
	gboolean need_pre;      /* the page carries a form before sign-in: the server makes sure
	                           the pre-session cookie is there */
} ChWebResponse;

void ch_web_response_clear(ChWebResponse *r);

/* The page for the request. Pages that need no sign-in: /signin (GET, POST), /signin/link
 * (GET, POST), /static/console.css. Every other one sends a person without a session to
 * /signin. A POST whose form token is missing or wrong is refused (403) before anything. */
void ch_web_views_handle(ChApp *app, const ChWebRequest *req, ChWebResponse *resp);

/* For the pages of other modules (web_setup.c, web_reports.c): the page `name` with what every page has
 * (who is signed in, the form token, the title), and a page that only says something. */
void ch_web_views_page(ChApp *app, const ChWebRequest *req, ChWebResponse *resp, guint status,
                       const char *name, const char *title, ChWebVars *v);
void ch_web_views_message(ChApp *app, const ChWebRequest *req, ChWebResponse *resp,
                          guint status, const char *title, const char *text);
/* The store failed: logged, and a page that says to try again. Takes e. */
void ch_web_views_store_failed(ChApp *app, const ChWebRequest *req, ChWebResponse *resp,
                               GError *e);
/* A query or form field, "" when missing. */
const char *ch_web_views_arg(const ChWebRequest *req, const char *name);
/* 303 to `to`. */
void ch_web_views_redirect(ChWebResponse *resp, const char *to);
