/* The console in a real browser: makes a conference with a reply held in triage, starts
 * `chaser web`, and runs tests/web/test_console.py (headless Chromium through Selenium):
 * sign in with the link found in the spool, see Today, release the held reply and see the
 * conference's state change, sign out, and the old session cookie is refused. Without
 * Selenium, Chromium or its driver the test is skipped (a failure under CHASER_TEST_STRICT=1). */
#include <string.h>
#include <sys/wait.h>

#include "support/harness.h"
#include "support/skip.h"
#include "support/web.h"

#define PYTHON "/usr/bin/python3"

static void test_web_console_in_chromium(void)
{
	if (!g_file_test(PYTHON, G_FILE_TEST_IS_EXECUTABLE)) {
		ch_test_cannot_run("no " PYTHON " (scripts/install-deps test)");
		return;
	}
	g_autoptr(Harness) h = h_new("[web]\nmanagers = team.manager@council.example\n");
	h_story_setup(h);
	h_deliver(h, "afresh",
	          "From: Dr Ffion Testwood <" H_CHAIR ">\nTo: safeguarding@council.example\n"
	          "Subject: [" H_REF "] Distribution list\nMessage-ID: <afresh@chairs.example.org>\n\n"
	          "AUTHORISED\n");
	g_assert_cmpint(h_run(h, "2026-11-24T10:00", "poll", NULL), ==, 0);
	Web *w = web_start(h, "2026-11-24T10:00");
	g_autofree char *cwd = g_get_current_dir();
	g_autofree char *script = g_build_filename(cwd, "tests", "web", "test_console.py", NULL);
	g_autofree char *outgoing = g_build_filename(h->dir, "spool", "outgoing", NULL);
	const char *argv[] = { PYTHON, script, w->base, outgoing, "cp.admin@council.example",
	                       H_REF, NULL };
	g_autofree char *out = NULL, *err = NULL;
	int status = 0;
	GError *e = NULL;
	g_assert_true(g_spawn_sync(NULL, (char **)argv, NULL, G_SPAWN_DEFAULT, NULL, NULL, &out,
	                           &err, &status, &e));
	g_assert_no_error(e);
	web_stop(w);
	g_test_message("%s", out);
	if (WIFEXITED(status) && WEXITSTATUS(status) == 77) {
		ch_test_cannot_run("%s", g_strstrip(out));
		return;
	}
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		g_error("the browser test failed:\n%s\n%s", out, err);
	g_autoptr(JsonNode) show = h_json(h, NULL, "show", H_REF, NULL);
	g_assert_cmpstr(h_str(json_node_get_object(show), "state"), ==, "authorised");
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/web/console-in-chromium", test_web_console_in_chromium);
	return g_test_run();
}
