/* The run loop and broken configuration: what `chaser poll` and `chaser run` do when the
 * configuration chaser runs on breaks after it started (an admin edits a template), as the
 * admin and the people who wrote in would see it.
 *
 * A broken template is nobody's message's fault: the reply that needed it must wait where it
 * is, untouched, until the template is fixed, and never be counted as a failed attempt (three
 * of those quarantine a message). chaser stops with one line that names the file to fix.
 */
#include <string.h>
#include <sys/wait.h>
#include <glib/gstdio.h>

#include "support/harness.h"

#define T_REPLY "2026-11-24T10:00"
#define ADMIN "cp.admin@council.example"

/* A folder of the council's own templates, a copy of the shipped ones, searched first. */
static Harness *harness_with_own_templates(char **templates_r)
{
	Harness *h = h_new("[chaser]\ntemplates = tpl\n");
	g_autofree char *cwd = g_get_current_dir();
	g_autofree char *cmd = g_strdup_printf("cp -r '%s/templates' '%s/tpl'", cwd, h->dir);
	g_assert_cmpint(system(cmd), ==, 0);
	*templates_r = g_build_filename(h->dir, "tpl", NULL);
	return h;
}

/* The edit an admin might make: a line naming a variable no message has. Well-formed, so
 * chaser starts; every read-back of a reply then needs it. */
static char *break_template(const char *path)
{
	g_autofree char *text = NULL;
	g_assert_true(g_file_get_contents(path, &text, NULL, NULL));
	g_autofree char *broken = g_strdup_printf("%sYour case number: {{case_number}}\n", text);
	g_assert_true(g_file_set_contents(path, broken, -1, NULL));
	return g_steal_pointer(&text);
}

static guint count_lines(const char *s)
{
	guint n = 0;
	for (const char *p = s; *p; p++)
		n += *p == '\n';
	return n;
}

static char *conference_state(Harness *h)
{
	g_autoptr(JsonNode) n = h_json(h, NULL, "show", H_REF, NULL);
	return g_strdup(h_str(json_node_get_object(n), "state"));
}

static guint triage_count(Harness *h)
{
	g_autoptr(JsonNode) t = h_json(h, NULL, "triage", NULL);
	return json_array_get_length(json_node_get_array(t));
}

/* The last line of a text, without its newline. */
static char *last_line(const char *s)
{
	g_auto(GStrv) lines = g_strsplit(s, "\n", -1);
	guint n = g_strv_length(lines);
	while (n > 0 && lines[n - 1][0] == '\0')
		n--;
	return n ? g_strdup(lines[n - 1]) : g_strdup("");
}

/* `chaser run`, which should stop on its own: killed after two minutes if it does not, so a
 * loop that goes on for ever fails the test instead of hanging it. */
static int run_until_it_stops(Harness *h, const char *now, char **err_r)
{
	const char *argv[] = { "timeout", "-s", "KILL", "120", h->bin, "-c", h->conf, "--now",
	                       now, "run", NULL };
	int wait = 0;
	GError *e = NULL;
	g_assert_true(g_spawn_sync(h->dir, (char **)argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL,
	                           NULL, err_r, &wait, &e));
	g_assert_no_error(e);
	g_assert_true(WIFEXITED(wait));
	return WEXITSTATUS(wait);
}

static void assert_reply_waits(Harness *h, const char *reply_path)
{
	g_assert_true(g_file_test(reply_path, G_FILE_TEST_EXISTS));
	g_assert_cmpuint(triage_count(h), ==, 0);
	g_autofree char *state = conference_state(h);
	g_assert_cmpstr(state, ==, "list_sent");
}

/* The admin breaks the read-back template after init; the chair's AUTHORISED comes in. Each
 * poll stops with one line naming the template, and the reply stays in the Maildir, never
 * quarantined however often it is tried; `chaser run` stops the same way and tells admin by
 * mail. Once the template is fixed, the next poll authorises the list. */
static void test_broken_template_stops_and_reply_waits(void)
{
	g_autofree char *tpl = NULL;
	g_autoptr(Harness) h = harness_with_own_templates(&tpl);
	h_story_setup(h);
	g_autofree char *transcript = g_build_filename(tpl, "transcript.txt", NULL);
	g_autofree char *good = break_template(transcript);
	h_reply_to(h, "chair-authorises", "distribution_list", H_CHAIR, H_CHAIR, "AUTHORISED\n");
	g_autofree char *reply = g_build_filename(h->dir, "spool", "inbox", "new",
	                                          "chair-authorises", NULL);

	for (int attempt = 1; attempt <= 4; attempt++) {
		g_assert_cmpint(h_run(h, T_REPLY, "poll", NULL), ==, 1);
		g_test_message("poll said: %s", h->err);
		g_assert_cmpuint(count_lines(h->err), ==, 1);
		g_assert_nonnull(strstr(h->err, transcript));
		g_assert_nonnull(strstr(h->err, "{{case_number}}"));
		assert_reply_waits(h, reply);
	}

	g_autofree char *err = NULL;
	g_assert_cmpint(run_until_it_stops(h, T_REPLY, &err), ==, 1);
	g_test_message("run said:\n%s", err);
	g_autofree char *line = last_line(err);
	g_assert_nonnull(strstr(line, transcript));
	g_assert_true(g_str_has_prefix(line, "chaser: "));
	assert_reply_waits(h, reply);
	/* Admin is told by mail, once a day however often it is started again. */
	g_assert_cmpuint(h_count_mail(h, "config_stopped", ADMIN), ==, 1);
	g_autofree char *mail = h_mail(h, "config_stopped", ADMIN);
	g_autofree char *body = h_body(mail);
	g_assert_nonnull(strstr(body, "{{case_number}}"));
	g_autofree char *err2 = NULL;
	g_assert_cmpint(run_until_it_stops(h, T_REPLY, &err2), ==, 1);
	g_assert_cmpuint(h_count_mail(h, "config_stopped", ADMIN), ==, 1);
	assert_reply_waits(h, reply);

	g_assert_true(g_file_set_contents(transcript, good, -1, NULL));
	g_assert_cmpint(h_run(h, T_REPLY, "poll", NULL), ==, 0);
	g_assert_nonnull(strstr(h->out, "1 handled"));
	g_assert_false(g_file_test(reply, G_FILE_TEST_EXISTS));
	g_autofree char *state = conference_state(h);
	g_assert_cmpstr(state, ==, "authorised");
	g_assert_cmpuint(triage_count(h), ==, 0);
}

/* A timer's mail whose template is broken stops `chaser run` as well: it would fail on every
 * turn until fixed. Every template but admin's alert is broken here, so whatever is due
 * first is sure to need one. */
static void test_broken_template_stops_run_at_a_timer(void)
{
	g_autofree char *tpl = NULL;
	g_autoptr(Harness) h = harness_with_own_templates(&tpl);
	h_story_setup(h);
	g_autoptr(GDir) dir = g_dir_open(tpl, 0, NULL);
	g_assert_nonnull(dir);
	const char *name;
	while ((name = g_dir_read_name(dir))) {
		if (!strcmp(name, "config_stopped.txt"))
			continue;
		g_autofree char *path = g_build_filename(tpl, name, NULL);
		/* templates/web holds the console's pages, not mail. */
		if (g_file_test(path, G_FILE_TEST_IS_DIR))
			continue;
		g_free(break_template(path));
	}
	g_autofree char *err = NULL;
	g_assert_cmpint(run_until_it_stops(h, "2026-12-10T10:00", &err), ==, 1);
	g_autofree char *line = last_line(err);
	g_assert_true(g_str_has_prefix(line, "chaser: stopped: template "));
	g_assert_nonnull(strstr(line, tpl));
	g_assert_nonnull(strstr(line, "{{case_number}}"));
	g_assert_cmpuint(h_count_mail(h, "config_stopped", ADMIN), ==, 1);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/loop/config/broken-template-stops-reply-waits",
	                test_broken_template_stops_and_reply_waits);
	g_test_add_func("/loop/config/broken-template-stops-run-at-a-timer",
	                test_broken_template_stops_run_at_a_timer);
	return g_test_run();
}
