/* The console's accessibility in a real browser: makes a state where every page has
 * something to show (a conference with escalations, a reply held in triage, an open safety
 * alert), starts `chaser web`, and runs tests/web/test_a11y.py: axe-core on the sign-in
 * pages, Today, the conferences, one conference, triage and its confirmation and every page
 * the menu and Today link to, at 1280 and 320 px wide, failing on any serious or critical
 * violation and on any page that scrolls sideways at 320 px. Screenshots of Today, the
 * conference and triage at both widths go to BUILD/screenshots (beside the test programs), or
 * to CHASER_SCREENSHOTS when it names a folder (docs/screenshots/README).
 *
 * axe-core comes from the npm registry into tests/web/node_modules (scripts/install-deps
 * test). Where install-deps tried and the registry could not be reached it left its reason in
 * tests/web/.axe-unavailable, and the test is skipped, under CHASER_TEST_STRICT=1 too; without
 * axe-core for any other reason, or without Selenium, Chromium or its driver, it is skipped
 * by hand and fails under CHASER_TEST_STRICT=1. */
#include "support/harness.h"
#include "support/skip.h"
#include "support/web.h"

static char *build_dir; /* where the test program is: build/ or build-asan/ */

/* TRUE when axe-core is there to run (or CHASER_AXE names it); else the skip is reported when
 * install-deps could not have it. */
static gboolean axe_or_known_why(void)
{
	if (g_getenv("CHASER_AXE") ||
	    g_file_test("tests/web/node_modules/axe-core/axe.min.js", G_FILE_TEST_EXISTS))
		return TRUE;
	g_autofree char *why = NULL;
	if (!g_file_get_contents("tests/web/.axe-unavailable", &why, NULL, NULL))
		return TRUE; /* not tried: the script says so, a failure under strict */
	ch_test_no_npm(g_strstrip(why), "the console's accessibility");
	return FALSE;
}

static void test_web_pages_accessible(void)
{
	if (!axe_or_known_why())
		return;
	g_autoptr(Harness) h = h_new("[web]\nmanagers = team.manager@council.example\n"
	                             "[people]\nteam_manager = team.manager@council.example\n"
	                             "service_manager = service.manager@council.example\n");
	h_story_setup(h);
	/* The chair authorises the list and escalates two professionals to their SLOs. */
	h_reply_to(h, "chair", "distribution_list", H_CHAIR, H_CHAIR,
	           "AUTHORISED\nESCALATE 2 no_apologies, no_report: Did not attend and sent nothing\n"
	           "ESCALATE 4 not_redacted: Report named the foster carers\n");
	g_assert_cmpint(h_run(h, "2026-11-24T09:10", "poll", NULL), ==, 0);
	g_assert_cmpint(h_run(h, "2026-11-24T09:10", "flush", NULL), ==, 0);
	/* The chair's reply without its token: held for a person in triage. */
	h_deliver(h, "afresh",
	          "From: Dr Ffion Testwood <" H_CHAIR ">\nTo: safeguarding@council.example\n"
	          "Subject: [" H_REF "] Distribution list again\nMessage-ID: <afresh@chairs.example.org>\n\n"
	          "AUTHORISED\n");
	g_assert_cmpint(h_run(h, "2026-11-24T10:00", "poll", NULL), ==, 0);
	/* The police write about the child: an open safety alert on Today. */
	h_deliver(h, "disclosure",
	          "From: DI Ruth Calloway <" H_POLICE_SLO ">\nTo: safeguarding@council.example\n"
	          "Subject: [" H_REF "] update\nMessage-ID: <d1@police.example.org>\n"
	          "Date: Sat, 28 Nov 2026 22:58:00 +0000\n\n"
	          "We were called to the house tonight. The child is in immediate danger and we "
	          "are staying until a social worker arrives.\n");
	g_assert_cmpint(h_run(h, "2026-11-28T23:00", "poll", NULL), ==, 0);
	/* A week on: reports and acknowledgements are overdue. */
	g_assert_cmpint(h_run(h, "2026-11-30T09:30", "tick", NULL), ==, 0);
	g_assert_cmpint(h_run(h, "2026-11-30T09:30", "flush", NULL), ==, 0);
	Web *w = web_start(h, "2026-11-30T10:00");
	g_autofree char *shots = g_build_filename(build_dir, "screenshots", NULL);
	const char *extra[] = { H_REF, shots, NULL };
	web_browser_test(w, "test_a11y.py", extra, NULL);
	web_stop(w);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_autofree char *tests_dir = g_path_get_dirname(argv[0]);
	build_dir = g_path_get_dirname(tests_dir);
	g_test_add_func("/web/a11y/axe-and-320px", test_web_pages_accessible);
	int rc = g_test_run();
	g_free(build_dir);
	return rc;
}
