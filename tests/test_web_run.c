/* The console inside `chaser run`: with a [web] section the one process polls, ticks and
 * flushes and serves the console beside; the sign-in mail goes out with the loop's flush;
 * SIGTERM ends both, exit 0. Without [web] no port is opened. And, under both `chaser web`
 * and `chaser run`, the sign-in answer is the same bytes whoever's address was typed, while
 * the mail still arrives in spool/outgoing. */
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <curl/curl.h>

#include "support/harness.h"
#include "support/web.h"

#define ADMIN "cp.admin@council.example"
#define MANAGER "team.manager@council.example"
#define WEB_CONF "[web]\nmanagers = " MANAGER "\n"
#define NOW "2026-11-24T10:00"

/* Whether anything answers at base (a TCP connection is accepted). */
static gboolean answers(const char *base)
{
	CURL *c = curl_easy_init();
	g_autofree char *url = g_strconcat(base, "/signin", NULL);
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_CONNECT_ONLY, 1L);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, 5L);
	CURLcode rc = curl_easy_perform(c);
	curl_easy_cleanup(c);
	return rc == CURLE_OK;
}

/* The answer to a sign-in request, as the bytes a person's browser is given. */
static void assert_same_answer(const WebResp *a, const WebResp *b)
{
	g_assert_cmpint(a->status, ==, 200);
	g_assert_cmpint(b->status, ==, a->status);
	g_assert_cmpstr(b->body, ==, a->body);
	g_autofree char *ta = web_header(a, "Content-Type");
	g_autofree char *tb = web_header(b, "Content-Type");
	g_assert_cmpstr(tb, ==, ta);
	g_assert_cmpuint(strlen(b->body), ==, strlen(a->body));
}

static void test_run_serves_the_console(void)
{
	g_autoptr(Harness) h = h_new(WEB_CONF);
	Web *w = web_start_run(h, NOW);
	g_autofree char *base = g_strdup(w->base);
	WebBrowser b = { 0 }, other = { 0 };
	g_autoptr(WebResp) page = web_req(w, &b, "/signin", NULL);
	g_assert_cmpint(page->status, ==, 200);
	g_assert_nonnull(strstr(page->body, "Sign in"));
	/* The link is mailed by the loop's flush (the console under run does not send), and
	 * signs admin in. */
	web_sign_in(w, &b, ADMIN);
	g_autoptr(WebResp) today = web_req(w, &b, "/", NULL);
	g_assert_cmpint(today->status, ==, 200);
	/* The same answer for an address the config does not name. */
	g_autoptr(WebResp) known = web_ask(w, &other, MANAGER);
	g_autofree char *mlink = web_link(h, MANAGER);
	g_assert_nonnull(mlink);
	g_autoptr(WebResp) unknown = web_ask(w, &other, "someone@elsewhere.example");
	assert_same_answer(known, unknown);
	/* SIGTERM: exit 0 (web_stop asserts it), and the port is closed. */
	web_stop(w);
	g_assert_false(answers(base));
	g_assert_cmpuint(h_count_mail(h, "web_signin", ADMIN), ==, 1);
	g_assert_cmpuint(h_count_mail(h, "web_signin", MANAGER), ==, 1);
	g_assert_cmpuint(h_count_mail(h, "web_signin", "someone@elsewhere.example"), ==, 0);
	web_browser_clear(&b), web_browser_clear(&other);
}

static void test_web_alone_mails_after_the_answer(void)
{
	g_autoptr(Harness) h = h_new(WEB_CONF);
	Web *w = web_start(h, NOW);
	WebBrowser a = { 0 }, b = { 0 };
	g_autoptr(WebResp) known = web_ask(w, &a, ADMIN);
	g_autoptr(WebResp) unknown = web_ask(w, &b, "someone@elsewhere.example");
	assert_same_answer(known, unknown);
	g_autofree char *link = web_link(h, ADMIN);
	g_assert_nonnull(link);
	g_autoptr(WebResp) opened = web_open_link(w, &a, link);
	g_assert_cmpint(opened->status, ==, 303);
	web_stop(w);
	g_assert_cmpuint(h_count_mail(h, "web_signin", NULL), ==, 1);
	web_browser_clear(&a), web_browser_clear(&b);
}

/* The sockets a process holds open, from /proc. */
static guint sockets_of(GPid pid)
{
	g_autofree char *dir = g_strdup_printf("/proc/%d/fd", (int)pid);
	g_autoptr(GDir) d = g_dir_open(dir, 0, NULL);
	g_assert_nonnull(d);
	guint n = 0;
	const char *f;
	while ((f = g_dir_read_name(d))) {
		g_autofree char *p = g_build_filename(dir, f, NULL);
		g_autofree char *to = g_file_read_link(p, NULL);
		n += to && g_str_has_prefix(to, "socket:");
	}
	return n;
}

static void test_run_without_web_opens_no_port(void)
{
	g_autoptr(Harness) h = h_new(NULL);
	g_autofree char *out = g_build_filename(h->dir, "run.out", NULL);
	g_autofree char *err = g_build_filename(h->dir, "run.err", NULL);
	g_autofree char *cmd = g_strdup_printf("exec '%s' -c '%s' --now %s run --web-port 0 "
	                                       ">'%s' 2>'%s'",
	                                       h->bin, h->conf, NOW, out, err);
	const char *argv[] = { "/bin/sh", "-c", cmd, NULL };
	GPid pid = 0;
	GError *e = NULL;
	g_assert_true(g_spawn_async(h->dir, (char **)argv, NULL, G_SPAWN_DO_NOT_REAP_CHILD, NULL,
	                            NULL, &pid, &e));
	g_assert_no_error(e);
	/* Running once it says so; a few turns more, then look. */
	g_autofree char *said = NULL;
	for (int i = 0; i < 300; i++) {
		g_clear_pointer(&said, g_free);
		g_file_get_contents(err, &said, NULL, NULL);
		if (said && strstr(said, "running:"))
			break;
		g_usleep(100 * 1000);
	}
	g_assert_nonnull(strstr(said, "running:"));
	g_usleep(1500 * 1000);
	g_assert_cmpuint(sockets_of(pid), ==, 0);
	kill(pid, SIGTERM);
	int status = 0;
	g_assert_cmpint(waitpid(pid, &status, 0), ==, pid);
	g_spawn_close_pid(pid);
	g_assert_true(WIFEXITED(status));
	g_assert_cmpint(WEXITSTATUS(status), ==, 0);
	g_autofree char *printed = NULL;
	g_assert_true(g_file_get_contents(out, &printed, NULL, NULL));
	g_assert_null(strstr(printed, "listening"));
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	curl_global_init(CURL_GLOBAL_DEFAULT);
	g_test_add_func("/web-run/run-serves-the-console", test_run_serves_the_console);
	g_test_add_func("/web-run/web-alone-mails-after-the-answer",
	                test_web_alone_mails_after_the_answer);
	g_test_add_func("/web-run/run-without-web-opens-no-port", test_run_without_web_opens_no_port);
	return g_test_run();
}
