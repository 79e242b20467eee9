/* The console in a real browser: makes a conference with a reply held in triage, starts
 * `chaser web`, and runs tests/web/test_console.py (headless Chromium through Selenium):
 * sign in with the link found in the spool, see Today, release the held reply and see the
 * conference's state change, sign out, and the old session cookie is refused. Without
 * Selenium, Chromium or its driver the test is skipped (a failure under CHASER_TEST_STRICT=1). */
#include "support/harness.h"
#include "support/web.h"

static void test_web_console_in_chromium(void)
{
	g_autoptr(Harness) h = h_new("[web]\nmanagers = team.manager@council.example\n");
	h_story_setup(h);
	h_deliver(h, "afresh",
	          "From: Dr Ffion Testwood <" H_CHAIR ">\nTo: safeguarding@council.example\n"
	          "Subject: [" H_REF "] Distribution list\nMessage-ID: <afresh@chairs.example.org>\n\n"
	          "AUTHORISED\n");
	g_assert_cmpint(h_run(h, "2026-11-24T10:00", "poll", NULL), ==, 0);
	Web *w = web_start(h, "2026-11-24T10:00");
	const char *extra[] = { H_REF, NULL };
	gboolean ran = web_browser_test(w, "test_console.py", extra, NULL);
	web_stop(w);
	if (!ran)
		return;
	g_autoptr(JsonNode) show = h_json(h, NULL, "show", H_REF, NULL);
	g_assert_cmpstr(h_str(json_node_get_object(show), "state"), ==, "authorised");
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/web/console-in-chromium", test_web_console_in_chromium);
	return g_test_run();
}
