/* web_setup: the console's pages for a new conference with its distribution list: a form
 * (the conference's fields, and the list as a CSV or xlsx file or as typed CSV rows), a
 * check-your-answers page, then the conference created and its list sent to the chair.
 *
 * Nothing here checks anything of its own: every field and every row goes through
 * app/setup.c, as `chaser conference add`, `list import` and admin's mail do, and the list
 * goes to the chair through ch_setup_list_send(), as `chaser list send` sends it. Nothing is
 * saved until everything is right and admin has confirmed.
 *
 * Between the form and the confirmation, what admin sent is kept in memory as a draft bound
 * to the session (its secret's hash), never in hidden fields and never on disk: the list
 * file's bytes are the draft's. The confirmation checks the draft again, inside the
 * transaction that creates the conference, so a reference taken meanwhile is still refused.
 * Drafts are few (one per session, at most CH_WEB_SETUP_MAX_DRAFTS, each at most an hour
 * old) and die with the server. Every view is admin's only (the route table says so) and is
 * called on the server's one thread.
 */
#pragma once
#include "web/web_views.h"

#define CH_WEB_SETUP_PATH "/conference/new"
/* The new conference's form may carry a list file: its body may be this big, no bigger. */
#define CH_WEB_SETUP_MAX_BODY (2u << 20)
#define CH_WEB_SETUP_MAX_DRAFTS 16

/* GET /conference/new: the empty form, or (?change=1) the form filled from the draft. */
void ch_web_setup_form(ChApp *app, const ChWebRequest *req, ChWebResponse *resp);
/* POST /conference/new: checked; problems show the form again (422), else the draft is
 * kept and the browser sent to the check page. */
void ch_web_setup_post(ChApp *app, const ChWebRequest *req, ChWebResponse *resp);
/* GET /conference/new/check: the draft, checked again, as a summary to confirm. */
void ch_web_setup_check(ChApp *app, const ChWebRequest *req, ChWebResponse *resp);
/* POST /conference/new/create: the conference and its list stored and the list sent to the
 * chair, in one transaction; then to the conference's page. */
void ch_web_setup_create(ChApp *app, const ChWebRequest *req, ChWebResponse *resp);
