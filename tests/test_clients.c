/* Replies written by real mail clients, as installed from Debian packages.
 *
 * The chair answers chaser's real distribution-list mail (the .eml chaser spooled for her)
 * with mutt, s-nail, bsd-mailx, GNU Mailutils' mail and nmh's repl, each driven without a
 * person at the keyboard and each quoting the original in its own default way (a tab for
 * the mailx family, "> " under an attribution for mutt and nmh; nothing here sets a quote
 * prefix). She types two lines above the quote:
 *
 *   AUTHORISED
 *   ESCALATE 2 no_report: nothing arrived
 *
 * The quoted original carries the list's own example line, "ESCALATE 3 no_report,
 * report_late: nothing arrived before the conference". The client hands the message to a
 * sendmail stand-in that only keeps it in a file; the test delivers that file into chaser's
 * Maildir, as an MDA would, and polls. What she typed must act; the example never.
 *
 * No client can reach a real MTA or the network: each runs with a temporary HOME, its own
 * startup file in it (the system-wide one skipped where the client allows), and the
 * stand-in named as its sendmail. Every client runs under `timeout` and is killed by its pid
 * if it outlives its time. A client that is not installed is skipped, saying so (a failure
 * under CHASER_TEST_STRICT=1, where scripts/install-deps test has installed them all).
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pty.h>
#include <signal.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "support/harness.h"
#include "support/skip.h"

#define TYPED "AUTHORISED\nESCALATE 2 no_report: nothing arrived\n"
/* The same, as a printf format in the editor scripts. */
#define TYPED_FMT "AUTHORISED\\nESCALATE 2 no_report: nothing arrived\\n"
#define EXAMPLE "ESCALATE 3 no_report, report_late: nothing arrived before the conference"
#define CHAIR_FROM "Dr Ffion Testwood <" H_CHAIR ">"
/* Seconds a client may take, whole, before it is killed. */
#define CLIENT_SECONDS 60

typedef struct {
	char *dir;     /* the client's world: HOME, mailbox, scripts */
	char *home;
	char *mbox;    /* the list mail in an mbox, as the chair's MDA left it */
	char *capture; /* where the sendmail stand-in keeps the message */
	char *list;    /* the list mail with LF line ends */
} Client;

static void client_free(Client *c)
{
	if (c->dir) {
		const char *argv[] = { "rm", "-rf", c->dir, NULL };
		g_spawn_sync(NULL, (char **)argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, NULL, NULL,
		             NULL, NULL);
	}
	g_free(c->dir);
	g_free(c->home);
	g_free(c->mbox);
	g_free(c->capture);
	g_free(c->list);
	g_free(c);
}
G_DEFINE_AUTOPTR_CLEANUP_FUNC(Client, client_free)

static void write_file(const char *path, const char *text, int mode)
{
	GError *e = NULL;
	g_assert_true(g_file_set_contents(path, text, -1, &e));
	g_assert_no_error(e);
	g_assert_cmpint(chmod(path, mode), ==, 0);
}

static char *in_dir(Client *c, const char *name)
{
	return g_build_filename(c->dir, name, NULL);
}

/* The stand-in for sendmail: keeps the message whole (written aside, then renamed, so a
 * half-written file is never read) and says it was accepted. */
static char *sendmail_script(Client *c)
{
	g_autofree char *path = in_dir(c, "sendmail");
	g_autofree char *text = g_strdup_printf("#!/bin/sh\n"
	                                        "cat > '%s.part' || exit 75\n"
	                                        "mv '%s.part' '%s'\n",
	                                        c->capture, c->capture, c->capture);
	write_file(path, text, 0755);
	return g_steal_pointer(&path);
}

/* The person's editor: types the answer above the quote. `after_headers`: the file starts
 * with the draft's headers (nmh), ended by an empty or dashed line; else it is the body. */
static char *editor_script(Client *c, gboolean after_headers)
{
	g_autofree char *path = in_dir(c, after_headers ? "editor-draft" : "editor-body");
	const char *text =
		after_headers
			? "#!/bin/sh\n"
			  "awk 'BEGIN { t = 0 } { print } !t && /^-*$/ { printf \"" TYPED_FMT "\\n\"; "
			  "t = 1 }' \"$1\" > \"$1.new\" && mv \"$1.new\" \"$1\"\n"
			: "#!/bin/sh\n"
			  "{ printf '" TYPED_FMT "\\n'; cat \"$1\"; } > \"$1.new\" && mv \"$1.new\" \"$1\"\n";
	write_file(path, text, 0755);
	return g_steal_pointer(&path);
}

static Client *client_new(const char *list_path)
{
	Client *c = g_new0(Client, 1);
	GError *e = NULL;
	c->dir = g_dir_make_tmp("chaser-client-XXXXXX", &e);
	g_assert_no_error(e);
	c->home = in_dir(c, "home");
	g_assert_cmpint(g_mkdir(c->home, 0700), ==, 0);
	c->mbox = in_dir(c, "mbox");
	c->capture = in_dir(c, "sent.eml");
	g_autofree char *raw = NULL;
	g_assert_true(g_file_get_contents(list_path, &raw, NULL, &e));
	g_assert_no_error(e);
	/* Delivered locally, the wire's CRLF becomes LF (what an MDA writes). */
	GString *s = g_string_new(raw);
	g_string_replace(s, "\r\n", "\n", 0);
	c->list = g_string_free(s, FALSE);
	g_autofree char *mbox = g_strdup_printf("From safeguarding@council.example Mon Nov 23 "
	                                        "09:30:00 2026\n%s\n",
	                                        c->list);
	write_file(c->mbox, mbox, 0600);
	return c;
}

static char **client_env(Client *c, const char *const *extra)
{
	g_autofree char *home = g_strdup_printf("HOME=%s", c->home);
	g_autofree char *tmp = g_strdup_printf("TMPDIR=%s", c->home);
	g_autofree char *mailrc = g_strdup_printf("MAILRC=%s/mailrc", c->home);
	GPtrArray *env = g_ptr_array_new();
	g_ptr_array_add(env, g_strdup(home));
	g_ptr_array_add(env, g_strdup(tmp));
	g_ptr_array_add(env, g_strdup(mailrc));
	g_ptr_array_add(env, g_strdup("PATH=/usr/bin:/bin"));
	g_ptr_array_add(env, g_strdup("TERM=xterm"));
	g_ptr_array_add(env, g_strdup("LANG=C.UTF-8"));
	g_ptr_array_add(env, g_strdup("USER=ffion"));
	g_ptr_array_add(env, g_strdup("LOGNAME=ffion"));
	g_ptr_array_add(env, g_strdup("TZ=UTC"));
	for (const char *const *x = extra; x && *x; x++)
		g_ptr_array_add(env, g_strdup(*x));
	g_ptr_array_add(env, NULL);
	return (char **)g_ptr_array_free(env, FALSE);
}

/* Waits for the child, killing it by its pid once `deadline` passes; returns its wait
 * status, or -1 when it had to be killed. */
static int reap(GPid pid, gint64 deadline)
{
	int st = 0;
	for (;;) {
		pid_t r = waitpid(pid, &st, WNOHANG);
		if (r == pid)
			return st;
		if (r < 0 && errno != EINTR)
			return -1;
		if (g_get_monotonic_time() > deadline) {
			kill(pid, SIGKILL);
			waitpid(pid, &st, 0);
			return -1;
		}
		g_usleep(50 * 1000);
	}
}

/* Runs a client with `input` on its stdin (a pipe) and returns once it ends. */
static void run_piped(Client *c, const char *const *argv, char **env, const char *input)
{
	GPtrArray *a = g_ptr_array_new();
	const char *pre[] = { "timeout", "-s", "KILL", G_STRINGIFY(CLIENT_SECONDS) };
	for (gsize i = 0; i < G_N_ELEMENTS(pre); i++)
		g_ptr_array_add(a, (char *)pre[i]);
	for (const char *const *p = argv; *p; p++)
		g_ptr_array_add(a, (char *)*p);
	g_ptr_array_add(a, NULL);
	GPid pid;
	int in_fd;
	GError *e = NULL;
	g_assert_true(g_spawn_async_with_pipes(c->dir, (char **)a->pdata, env,
	                                       G_SPAWN_DO_NOT_REAP_CHILD | G_SPAWN_SEARCH_PATH |
	                                               G_SPAWN_STDOUT_TO_DEV_NULL |
	                                               G_SPAWN_STDERR_TO_DEV_NULL,
	                                       NULL, NULL, &pid, &in_fd, NULL, NULL, &e));
	g_assert_no_error(e);
	g_ptr_array_free(a, TRUE);
	gsize len = strlen(input), off = 0;
	while (off < len) {
		ssize_t n = write(in_fd, input + off, len - off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		off += (gsize)n;
	}
	close(in_fd);
	int st = reap(pid, g_get_monotonic_time() + (CLIENT_SECONDS + 5) * G_USEC_PER_SEC);
	g_spawn_close_pid(pid);
	if (st == -1 || !WIFEXITED(st))
		g_test_message("client did not end by itself (status %d)", st);
}

/* Runs a client on a terminal (a pty) for the clients that read the keyboard only from one:
 * `input` is typed at once; once the message is handed to sendmail, `quit` is typed every
 * second (a client that resets the terminal may drop what was typed ahead), and after a
 * few seconds more the client is killed. Its screen output is drained and dropped. */
static void run_on_tty(Client *c, const char *const *argv, char **env, const char *input,
                       const char *quit)
{
	/* Built before the fork: the child only changes folder and execs. */
	GPtrArray *a = g_ptr_array_new();
	const char *pre[] = { "/usr/bin/timeout", "--foreground", "-s", "KILL",
		              G_STRINGIFY(CLIENT_SECONDS) };
	for (gsize i = 0; i < G_N_ELEMENTS(pre); i++)
		g_ptr_array_add(a, (char *)pre[i]);
	for (const char *const *p = argv; *p; p++)
		g_ptr_array_add(a, (char *)*p);
	g_ptr_array_add(a, NULL);
	int master = -1;
	struct winsize ws = { .ws_row = 24, .ws_col = 80 };
	pid_t pid = forkpty(&master, NULL, NULL, &ws);
	g_assert_cmpint(pid, >=, 0);
	if (pid == 0) {
		if (chdir(c->dir) != 0)
			_exit(126);
		execve(a->pdata[0], (char **)a->pdata, env);
		_exit(127);
	}
	g_ptr_array_free(a, TRUE);
	if (input && *input && write(master, input, strlen(input)) < 0)
		g_test_message("typing failed: %s", g_strerror(errno));
	g_autoptr(GString) screen = g_string_new(NULL);
	gint64 start = g_get_monotonic_time();
	gint64 sent_at = 0, last_quit = 0;
	int st = -1;
	for (;;) {
		struct pollfd pfd = { .fd = master, .events = POLLIN };
		if (poll(&pfd, 1, 100) > 0) {
			char buf[4096];
			ssize_t n = read(master, buf, sizeof buf);
			if (n > 0)
				g_string_append_len(screen, buf, n);
			else
				g_usleep(50 * 1000);
		}
		pid_t r = waitpid(pid, &st, WNOHANG);
		if (r == pid)
			break;
		gint64 now = g_get_monotonic_time();
		if (!sent_at && g_file_test(c->capture, G_FILE_TEST_EXISTS))
			sent_at = now;
		if (sent_at && quit && now - last_quit > G_USEC_PER_SEC) {
			if (write(master, quit, strlen(quit)) < 0)
				g_test_message("typing failed: %s", g_strerror(errno));
			last_quit = now;
		}
		if ((sent_at && now - sent_at > 8 * G_USEC_PER_SEC) ||
		    now - start > (CLIENT_SECONDS + 5) * G_USEC_PER_SEC) {
			kill(pid, SIGKILL);
			waitpid(pid, &st, 0);
			st = -1;
			break;
		}
	}
	close(master);
	if (st == -1 || !WIFEXITED(st))
		g_test_message("client did not end by itself (status %d)", st);
	if (!g_file_test(c->capture, G_FILE_TEST_EXISTS))
		g_test_message("the client's screen:\n%s", screen->str);
}

/* ---- the clients ---- */

/* reply to the list mail, type the answer, read the original in (~m: quoted with the
 * client's indent prefix), end the message (~.: a lone "." ends it only where "dot" is set),
 * quit. */
static const char *const mailx_keys = "reply 1\n" TYPED "~m\n~.\nquit\n";

static void drive_s_nail(Client *c, const char *bin)
{
	g_autofree char *sm = sendmail_script(c);
	g_autofree char *mta = g_strdup_printf("mta=%s", sm);
	/* -n: the built-in defaults (a tab as the quote prefix), not the system's startup file;
	 * Reply-To honoured, as the person would answer the prompt that asks. */
	const char *argv[] = { bin,  "-n", "-#", "-R", "-S", mta, "-S", "reply-to-honour=yes",
		               "-r", CHAIR_FROM, "-f", c->mbox, NULL };
	g_auto(GStrv) env = client_env(c, NULL);
	run_piped(c, argv, env, mailx_keys);
}

static void drive_bsd_mailx(Client *c, const char *bin)
{
	g_autofree char *sm = sendmail_script(c);
	g_autofree char *rc = g_build_filename(c->home, "mailrc", NULL);
	/* `interactive` is what bsd-mailx sets itself on a terminal; it turns on the compose
	 * escapes (~m) for the typed keys. */
	g_autofree char *text = g_strdup_printf("set sendmail=%s\nset interactive\n", sm);
	write_file(rc, text, 0600);
	const char *argv[] = { bin, "-n", "-f", c->mbox, NULL };
	g_auto(GStrv) env = client_env(c, NULL);
	run_piped(c, argv, env, mailx_keys);
}

static void drive_mailutils(Client *c, const char *bin)
{
	g_autofree char *sm = sendmail_script(c);
	g_autofree char *rc = g_build_filename(c->home, "mailrc", NULL);
	g_autofree char *text = g_strdup_printf("set sendmail=%s\n", sm);
	write_file(rc, text, 0600);
	/* GNU mail reads compose escapes only from a terminal. */
	const char *argv[] = { bin, "-n", "-N", "--no-site-config", "--no-user-config", "-f",
		               c->mbox, NULL };
	g_auto(GStrv) env = client_env(c, NULL);
	run_on_tty(c, argv, env, mailx_keys, "quit\n");
}

static void drive_mutt(Client *c, const char *bin)
{
	g_autofree char *sm = sendmail_script(c);
	g_autofree char *ed = editor_script(c, FALSE);
	g_autofree char *rc = g_build_filename(c->home, "muttrc", NULL);
	/* A folder that is missing is a question at startup. */
	g_autofree char *folder = g_build_filename(c->home, "Mail", NULL);
	g_assert_cmpint(g_mkdir(folder, 0700), ==, 0);
	/* Where it sends, who she is, and no questions the keys below do not answer; the
	 * quoting (include, indent_string, attribution) is mutt's own. */
	g_autofree char *text = g_strdup_printf(
		"set sendmail=\"%s\"\nset editor=\"%s\"\nset include=yes\nset fast_reply=yes\n"
		"set reply_to=yes\nset quit=yes\nset move=no\nset from=\"" CHAIR_FROM "\"\n"
		"set use_from=yes\nset hostname=chairs.example.org\nset folder=\"%s/Mail\"\n"
		"set spoolfile=\"%s\"\nset record=\"\"\nset postponed=\"%s/postponed\"\n"
		"set tmpdir=\"%s\"\nset mail_check=0\n",
		sm, ed, c->home, c->mbox, c->home, c->home);
	write_file(rc, text, 0600);
	/* r: reply; y: send from the compose menu; q: quit the index. */
	const char *argv[] = { bin, "-n", "-F", rc, "-f", c->mbox, "-e", "push ryq", NULL };
	g_auto(GStrv) env = client_env(c, NULL);
	run_on_tty(c, argv, env, NULL, NULL);
}

static void drive_nmh(Client *c, const char *bin)
{
	g_autofree char *sm = sendmail_script(c);
	g_autofree char *ed = editor_script(c, TRUE);
	g_autofree char *profile = g_build_filename(c->home, ".mh_profile", NULL);
	g_autofree char *mts = g_build_filename(c->home, "mts.conf", NULL);
	g_autofree char *inbox = g_build_filename(c->home, "Mail", "inbox", NULL);
	g_assert_cmpint(g_mkdir_with_parents(inbox, 0700), ==, 0);
	g_autofree char *msg = g_build_filename(inbox, "1", NULL);
	write_file(msg, c->list, 0600);
	write_file(profile, "Path: Mail\nLocal-Mailbox: " CHAIR_FROM "\n", 0600);
	g_autofree char *mtext = g_strdup_printf("mts: sendmail/pipe\nsendmail: %s\n"
	                                         "localname: chairs.example.org\n",
	                                         sm);
	write_file(mts, mtext, 0600);
	g_autofree char *e_mh = g_strdup_printf("MH=%s", profile);
	g_autofree char *e_mts = g_strdup_printf("MHMTSCONF=%s", mts);
	const char *extra[] = { e_mh, e_mts, "MHCONTEXT=", NULL };
	const char *argv[] = { bin, "-filter", "mhl.reply", "-editor", ed, "+inbox", "1", NULL };
	g_auto(GStrv) env = client_env(c, extra);
	/* repl's "What now?" reads the answer from stdin. */
	run_piped(c, argv, env, "send\n");
}

typedef struct {
	const char *name;
	const char *bin;
	const char *package;
	void (*drive)(Client *c, const char *bin);
	const char *quote; /* how this client marks the quoted example, to prove it was quoted */
} ClientKind;

static const ClientKind clients[] = {
	{ "mutt", "/usr/bin/mutt", "mutt", drive_mutt, ">   " EXAMPLE },
	{ "s-nail", "/usr/bin/s-nail", "s-nail", drive_s_nail, "\t  " EXAMPLE },
	{ "bsd-mailx", "/usr/bin/bsd-mailx", "bsd-mailx", drive_bsd_mailx, "\t  " EXAMPLE },
	{ "mailutils", "/usr/bin/mail.mailutils", "mailutils", drive_mailutils, "\t  " EXAMPLE },
	/* mhl.reply folds at 80 columns, and the body goes out quoted-printable: the example's
	 * tail is a soft line break away. */
	{ "nmh", "/usr/bin/mh/repl", "nmh", drive_nmh, ">   ESCALATE 3 no_report, report_late: " },
};

/* What a local MTA adds to a message a client left without them. */
static char *as_mta_delivers(const char *sent)
{
	const char *end = strstr(sent, "\n\n");
	g_assert_nonnull(end);
	g_autofree char *head = g_strndup(sent, end - sent + 1);
	g_autofree char *lower = g_ascii_strdown(head, -1);
	GString *s = g_string_new(NULL);
	if (!g_str_has_prefix(lower, "from:") && !strstr(lower, "\nfrom:"))
		g_string_append(s, "From: " CHAIR_FROM "\n");
	if (!g_str_has_prefix(lower, "date:") && !strstr(lower, "\ndate:"))
		g_string_append(s, "Date: Tue, 24 Nov 2026 09:05:00 +0000\n");
	if (!g_str_has_prefix(lower, "message-id:") && !strstr(lower, "\nmessage-id:"))
		g_string_append(s, "Message-ID: <client-reply@chairs.example.org>\n");
	g_string_append(s, sent);
	return g_string_free(s, FALSE);
}

static void test_client(gconstpointer data)
{
	const ClientKind *k = data;
	if (!g_file_test(k->bin, G_FILE_TEST_IS_EXECUTABLE)) {
		ch_test_cannot_run("%s is not installed (Debian package %s)", k->bin, k->package);
		return;
	}
	g_autoptr(Harness) h = h_new(NULL);
	h_story_setup(h);
	g_autofree char *list_path = h_mail(h, "distribution_list", H_CHAIR);
	g_assert_nonnull(list_path);
	g_autofree char *list_raw = NULL;
	g_assert_true(g_file_get_contents(list_path, &list_raw, NULL, NULL));
	/* The list really carries its example line. */
	g_assert_nonnull(strstr(list_raw, "  " EXAMPLE "\r\n"));

	g_autoptr(Client) c = client_new(list_path);
	k->drive(c, k->bin);
	g_autofree char *sent = NULL;
	if (!g_file_get_contents(c->capture, &sent, NULL, NULL)) {
		g_test_fail_printf("%s sent nothing to the sendmail stand-in", k->name);
		return;
	}
	/* The client's own reply: what she typed above, the example quoted below, in its way. */
	g_assert_nonnull(strstr(sent, "\n\n" TYPED));
	if (!strstr(sent, k->quote)) {
		g_test_fail_printf("%s's reply does not quote the example as expected:\n%s",
		                   k->name, sent);
		return;
	}
	g_test_message("%s's reply:\n%s", k->name, sent);

	g_autofree char *mail = as_mta_delivers(sent);
	h_deliver(h, "client-reply.eml", mail);
	g_assert_cmpint(h_run(h, "2026-11-24T09:10", "poll", NULL), ==, 0);
	g_assert_cmpint(h_run(h, "2026-11-24T09:10", "flush", NULL), ==, 0);

	g_autoptr(JsonNode) show = h_json(h, "2026-11-24T09:11", "show", H_REF, NULL);
	JsonObject *o = json_node_get_object(show);
	/* As typed: the list authorised, line 2 escalated with her comment. */
	g_assert_cmpstr(h_str(o, "state"), ==, "authorised");
	JsonObject *e2 = h_escalation(show, 2);
	g_assert_nonnull(e2);
	g_assert_cmpstr(h_str(e2, "comment"), ==, "nothing arrived");
	g_assert_cmpuint(h_count_mail(h, "escalation", H_SCHOOL_SLO), ==, 1);
	/* The quoted example never: nobody on line 3 escalated, nothing to Health's SLO. */
	g_assert_null(h_escalation(show, 3));
	g_assert_cmpuint(json_array_get_length(json_object_get_array_member(o, "escalations")), ==,
	                 1);
	g_assert_cmpuint(h_count_mail(h, "escalation", "safeguarding.lead@health.example.org"), ==,
	                 0);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	/* A client that ends before reading all it was given must not kill the test. */
	signal(SIGPIPE, SIG_IGN);
	for (gsize i = 0; i < G_N_ELEMENTS(clients); i++) {
		g_autofree char *path = g_strdup_printf("/clients/reply/%s", clients[i].name);
		g_test_add_data_func(path, &clients[i], test_client);
	}
	return g_test_run();
}
