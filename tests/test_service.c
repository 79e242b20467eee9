/* chaser run as systemd runs it: the notifications it sends (READY, STATUS, WATCHDOG,
 * STOPPING) to a NOTIFY_SOCKET the test made, its log lines on a terminal and in a journal,
 * and the unit file itself. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>
#include <glib/gstdio.h>

#include "app/service.h"
#include "servers/harness.h"
#include "support/harness.h"
#include "support/real.h"
#include "support/skip.h"

#define NOW "2026-11-24T10:00"
/* Three seconds: the pings must come well inside it even under the sanitizers. */
#define WATCHDOG_USEC G_GINT64_CONSTANT(3000000)

/* What no log line and no STATUS may carry: the story's people and the chair's words. */
static const char *const personal[] = { "@", "Okafor", "Marsh", "Nair", "Rees", "Testwood",
	                                    "Calloway", "Pike", "Sowande", "AUTHORISED",
	                                    "foster carers" };

static void assert_nothing_personal(const char *text)
{
	for (guint i = 0; i < G_N_ELEMENTS(personal); i++)
		if (strstr(text, personal[i]))
			g_error("a personal detail (%s) in: %s", personal[i], text);
}

/* ---- a service manager's end of NOTIFY_SOCKET ---- */

typedef struct {
	gint64 at;  /* monotonic, microseconds */
	pid_t pid;  /* the sender, as the kernel says (NotifyAccess=main checks it) */
	char *line; /* one assignment, e.g. "READY=1" */
} Notice;

static void notice_free(Notice *n)
{
	g_free(n->line);
	g_free(n);
}

static int notify_socket(const char *path)
{
	int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	g_assert_cmpint(fd, >=, 0);
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	g_assert_cmpuint(strlen(path), <, sizeof a.sun_path);
	strcpy(a.sun_path, path);
	g_assert_cmpint(bind(fd, (struct sockaddr *)&a, sizeof a), ==, 0);
	int on = 1;
	g_assert_cmpint(setsockopt(fd, SOL_SOCKET, SO_PASSCRED, &on, sizeof on), ==, 0);
	return fd;
}

/* Reads what arrived within timeout_ms into `into`, one Notice per line; FALSE if nothing. */
static gboolean read_notices(int fd, int timeout_ms, GPtrArray *into)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	if (poll(&p, 1, timeout_ms) <= 0)
		return FALSE;
	char buf[4096];
	union {
		struct cmsghdr h;
		char space[CMSG_SPACE(sizeof(struct ucred))];
	} control;
	struct iovec iov = { buf, sizeof buf - 1 };
	struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = &control,
		                .msg_controllen = sizeof control };
	ssize_t n = recvmsg(fd, &m, MSG_DONTWAIT);
	if (n < 0)
		return FALSE;
	buf[n] = '\0';
	pid_t pid = 0;
	for (struct cmsghdr *c = CMSG_FIRSTHDR(&m); c; c = CMSG_NXTHDR(&m, c))
		if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_CREDENTIALS)
			pid = ((struct ucred *)CMSG_DATA(c))->pid;
	g_auto(GStrv) lines = g_strsplit(buf, "\n", -1);
	for (char **l = lines; *l; l++) {
		if (!**l)
			continue;
		Notice *x = g_new0(Notice, 1);
		x->at = g_get_monotonic_time();
		x->pid = pid;
		x->line = g_strdup(*l);
		g_ptr_array_add(into, x);
	}
	return TRUE;
}

static gint find_notice(GPtrArray *notices, const char *prefix, guint from)
{
	for (guint i = from; i < notices->len; i++)
		if (g_str_has_prefix(((Notice *)notices->pdata[i])->line, prefix))
			return (gint)i;
	return -1;
}

/* ---- chaser run in the background ---- */

typedef struct {
	GPid pid;
	int notify;
	GPtrArray *notices;
	char *out_path;
	char *err_path;
} Service;

/* The story's conference with the chair's reply waiting in the Maildir: a run has a message
 * to handle and mail to send. */
static Harness *story(void)
{
	Harness *h = h_new(NULL);
	h_story_setup(h);
	h_reply_to(h, "chair-authorises", "distribution_list", H_CHAIR, H_CHAIR,
	           "AUTHORISED\nESCALATE 4 not_redacted: Report named the foster carers\n");
	return h;
}

/* Starts `chaser run` with NOTIFY_SOCKET and WATCHDOG_USEC set, as systemd would, and
 * `more` applied to its environment (NAME=VALUE sets, a bare NAME unsets; NULL-terminated;
 * may be NULL).
 * stderr_fd: where its stderr goes, or -1 for a file read by the test. */
static void service_start(Harness *h, Service *s, const char *const *more, int stderr_fd)
{
	memset(s, 0, sizeof *s);
	s->notices = g_ptr_array_new_with_free_func((GDestroyNotify)notice_free);
	g_autofree char *sock = g_build_filename(h->dir, "notify", NULL);
	s->notify = notify_socket(sock);
	char **env = g_get_environ();
	env = g_environ_setenv(env, "NOTIFY_SOCKET", sock, TRUE);
	g_autofree char *usec = g_strdup_printf("%" G_GINT64_FORMAT, WATCHDOG_USEC);
	env = g_environ_setenv(env, "WATCHDOG_USEC", usec, TRUE);
	env = g_environ_unsetenv(env, "WATCHDOG_PID");
	env = g_environ_unsetenv(env, "JOURNAL_STREAM");
	env = g_environ_unsetenv(env, "G_MESSAGES_DEBUG");
	for (const char *const *m = more; m && *m; m++) {
		g_auto(GStrv) kv = g_strsplit(*m, "=", 2);
		env = kv[1] ? g_environ_setenv(env, kv[0], kv[1], TRUE) : g_environ_unsetenv(env, kv[0]);
	}
	s->out_path = g_build_filename(h->dir, "run.out", NULL);
	s->err_path = g_build_filename(h->dir, "run.err", NULL);
	int out = open(s->out_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	int err = stderr_fd >= 0 ? stderr_fd
	                         : open(s->err_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	g_assert_cmpint(out, >=, 0);
	g_assert_cmpint(err, >=, 0);
	const char *argv[] = { h->bin, "-c", h->conf, "--now", NOW, "run", NULL };
	GError *e = NULL;
	g_assert_true(g_spawn_async_with_fds(h->dir, (char **)argv, env, G_SPAWN_DO_NOT_REAP_CHILD,
	                                     NULL, NULL, &s->pid, -1, out, err, &e));
	g_assert_no_error(e);
	close(out);
	if (stderr_fd < 0)
		close(err);
	g_strfreev(env);
}

/* Reads notices until one starts with `prefix` (searching from notice `from`) or timeout_s
 * passes; returns its index, or -1. `also` is called with every pause, to drain another
 * socket the child may fill (may be NULL). */
static gint service_wait_for(Service *s, const char *prefix, guint from, int timeout_s,
                             void (*also)(gpointer), gpointer data)
{
	gint64 end = g_get_monotonic_time() + (gint64)timeout_s * G_USEC_PER_SEC;
	gint i;
	while ((i = find_notice(s->notices, prefix, from)) < 0 && g_get_monotonic_time() < end) {
		read_notices(s->notify, 100, s->notices);
		if (also)
			also(data);
	}
	return i;
}

/* SIGTERM, as systemctl stop sends it; returns the exit status (asserting a clean exit). */
static int service_stop(Service *s, void (*also)(gpointer), gpointer data)
{
	g_assert_cmpint(kill(s->pid, SIGTERM), ==, 0);
	int status = 0;
	gint64 end = g_get_monotonic_time() + 30 * G_USEC_PER_SEC;
	pid_t r;
	while ((r = waitpid(s->pid, &status, WNOHANG)) == 0 && g_get_monotonic_time() < end) {
		read_notices(s->notify, 50, s->notices);
		if (also)
			also(data);
	}
	if (r == 0) {
		kill(s->pid, SIGKILL);
		waitpid(s->pid, &status, 0);
		g_error("chaser run did not stop within 30 s of SIGTERM");
	}
	while (read_notices(s->notify, 0, s->notices))
		;
	g_spawn_close_pid(s->pid);
	if (!WIFEXITED(status))
		g_error("chaser run died by signal %d", WTERMSIG(status));
	return WEXITSTATUS(status);
}

static void service_clear(Service *s)
{
	close(s->notify);
	g_ptr_array_unref(s->notices);
	g_free(s->out_path);
	g_free(s->err_path);
}

/* ---- the tests ---- */

/* Under systemd (Type=notify, WatchdogSec): READY once started, STATUS in plain words while it
 * handles the chair's reply and sends what follows, WATCHDOG pings inside the interval all
 * along, and STOPPING on SIGTERM before it exits 0; every notice from chaser itself. */
static void test_run_tells_systemd_ready_status_watchdog_stopping(void)
{
	g_autoptr(Harness) h = story();
	Service s;
	service_start(h, &s, NULL, -1);
	gint ready = service_wait_for(&s, "READY=1", 0, 30, NULL, NULL);
	g_assert_cmpint(ready, >=, 0);
	/* The work done, it waits; the pings go on while it waits. */
	gint waiting = service_wait_for(&s, "STATUS=waiting for mail", ready, 60, NULL, NULL);
	g_assert_cmpint(waiting, >=, 0);
	gint64 until = g_get_monotonic_time() + 2 * WATCHDOG_USEC;
	while (g_get_monotonic_time() < until)
		read_notices(s.notify, 100, s.notices);
	guint before_stop = s.notices->len;
	g_assert_cmpint(service_stop(&s, NULL, NULL), ==, 0);

	gint handling = find_notice(s.notices, "STATUS=handling 1 message", ready);
	gint sending = find_notice(s.notices, "STATUS=sending ", ready);
	g_assert_cmpint(handling, >, ready);
	g_assert_cmpint(sending, >, handling);
	g_assert_cmpint(waiting, >, sending);
	for (guint i = 0; i < s.notices->len; i++)
		g_test_message("%s%s", i < before_stop ? "" : "after SIGTERM: ",
		               ((Notice *)s.notices->pdata[i])->line);
	gint stopping = find_notice(s.notices, "STOPPING=1", before_stop);
	g_assert_cmpint(stopping, >=, 0);
	g_assert_cmpint(find_notice(s.notices, "STOPPING=1", 0), ==, stopping);

	guint pings = 0;
	gint64 last = ((Notice *)s.notices->pdata[ready])->at, widest = 0;
	for (guint i = 0; i < s.notices->len; i++) {
		Notice *n = s.notices->pdata[i];
		g_assert_cmpint(n->pid, ==, s.pid);
		assert_nothing_personal(n->line);
		if (strcmp(n->line, "WATCHDOG=1") || (gint)i < ready)
			continue;
		pings++;
		widest = MAX(widest, n->at - last);
		last = n->at;
	}
	/* Until SIGTERM: the gap from the last ping to the stop request counts too. */
	widest = MAX(widest, ((Notice *)s.notices->pdata[before_stop - 1])->at - last);
	g_test_message("%u watchdog pings, widest gap %" G_GINT64_FORMAT " ms (interval %" G_GINT64_FORMAT
	               " ms)", pings, widest / 1000, WATCHDOG_USEC / 1000);
	g_assert_cmpuint(pings, >=, 4);
	g_assert_cmpint(widest, <, WATCHDOG_USEC);
	service_clear(&s);
}

/* With a real IMAP server the wait is IDLE, which may last many minutes: it goes on pinging
 * the watchdog while it idles, without giving up IDLE to do so (one sweep, not one per ping),
 * wakes when mail comes, and stops within a second of SIGTERM. */
static void test_run_idle_pings_the_watchdog(void)
{
	ChServers srv = { 0 };
	ch_servers_watchdog(120);
	if (!ch_servers_start(&srv, "dovecot")) {
		ch_servers_watchdog(0);
		ch_servers_finish(&srv);
		return;
	}
	g_autofree char *url = g_strdup_printf("imaps://localhost:%s",
	                                       ch_servers_env(&srv, "IMAPS_PORT"));
	RealConfig cfg = {
		.address = "safeguarding@example.test",
		.imap_url = url,
		.imap_user = "safeguarding",
		.imap_password_file = ch_servers_env(&srv, "PASSWORD_FILE_safeguarding"),
		.imap_ca_file = ch_servers_env(&srv, "CA_FILE"),
		.people = "admin = admin@example.test\n"
		          "cp_coordinator = admin+coordinator@example.test\n"
		          "lead_safeguarding_manager = admin+lead@example.test\n",
	};
	g_autofree char *dir = g_build_filename(srv.dir, "chaser", NULL);
	Harness *h = real_chaser_new(dir, &cfg);
	Service s;
	service_start(h, &s, NULL, -1);
	gint ready = service_wait_for(&s, "READY=1", 0, 30, NULL, NULL);
	g_assert_cmpint(ready, >=, 0);
	gint waiting = service_wait_for(&s, "STATUS=waiting for mail", ready, 30, NULL, NULL);
	g_assert_cmpint(waiting, >=, 0);
	/* Idling now (poll_interval is 60 s): two watchdog intervals of it; the second is
	 * counted (a sweep just after the first may have a reason of its own: mail announced
	 * during the first sweep). */
	gint64 until = g_get_monotonic_time() + 2 * WATCHDOG_USEC;
	gint64 quiet_from = until - WATCHDOG_USEC;
	while (g_get_monotonic_time() < until)
		read_notices(s.notify, 100, s.notices);
	guint idled = s.notices->len;
	g_assert_true(ch_servers_deliver(&srv, "LMTP_PORT", "LMTP", "someone@elsewhere.example.com",
	                                 "safeguarding@example.test",
	                                 "From: someone@elsewhere.example.com\r\n"
	                                 "To: safeguarding@example.test\r\n"
	                                 "Subject: a question\r\n"
	                                 "Message-ID: <idle-1@elsewhere.example.com>\r\n\r\n"
	                                 "Hello\r\n"));
	g_assert_cmpint(service_wait_for(&s, "STATUS=handling mail: message 1", idled, 30, NULL,
	                                 NULL), >=, 0);
	g_assert_cmpint(service_wait_for(&s, "STATUS=waiting for mail", idled, 30, NULL, NULL), >=,
	                0);
	gint64 asked = g_get_monotonic_time();
	g_assert_cmpint(service_stop(&s, NULL, NULL), ==, 0);
	gint64 took = g_get_monotonic_time() - asked;

	guint pings = 0, sweeps = 0, quiet_pings = 0;
	gint64 last = ((Notice *)s.notices->pdata[ready])->at, widest = 0;
	for (guint i = ready; i < s.notices->len; i++) {
		Notice *n = s.notices->pdata[i];
		g_assert_cmpint(n->pid, ==, s.pid);
		gboolean quiet = n->at >= quiet_from && i < idled;
		if (quiet && !strcmp(n->line, "STATUS=checking the mailbox"))
			sweeps++;
		if (strcmp(n->line, "WATCHDOG=1"))
			continue;
		pings++;
		quiet_pings += quiet;
		widest = MAX(widest, n->at - last);
		last = n->at;
	}
	g_test_message("IDLE: %u pings (%u in the last %" G_GINT64_FORMAT " ms idling, and %u "
	               "sweeps), widest gap %" G_GINT64_FORMAT " ms, stopped in %" G_GINT64_FORMAT
	               " ms",
	               pings, quiet_pings, WATCHDOG_USEC / 1000, sweeps, widest / 1000, took / 1000);
	if (sweeps > 0) {
		for (guint i = 0; i < s.notices->len; i++) {
			Notice *n = s.notices->pdata[i];
			g_test_message("%" G_GINT64_FORMAT " ms: %s", (n->at - quiet_from) / 1000, n->line);
		}
		g_autofree char *err = NULL;
		g_file_get_contents(s.err_path, &err, NULL, NULL);
		g_test_message("chaser's stderr:\n%s", err ? err : "");
	}
	/* A wait that gave IDLE up for each ping would sweep as often as it pings (4 or 5 times
	 * here). One early wake has been seen under the sanitizers, with nothing in chaser's log:
	 * the server speaking during IDLE, which is what IDLE is for. */
	g_assert_cmpuint(quiet_pings, >=, 3);
	g_assert_cmpuint(sweeps, <=, 1);
	g_assert_cmpuint(pings, >=, 4);
	g_assert_cmpint(widest, <, WATCHDOG_USEC);
	g_assert_cmpint(find_notice(s.notices, "STOPPING=1", 0), >, 0);
	g_assert_cmpint(took, <, 5 * G_USEC_PER_SEC);
	service_clear(&s);
	real_chaser_free(h);
	ch_servers_watchdog(0);
	ch_servers_finish(&srv);
}

/* Without NOTIFY_SOCKET (a terminal, a cron job) nothing is sent and nothing fails. */
static void test_run_without_systemd_is_quiet(void)
{
	g_autoptr(Harness) h = h_new(NULL);
	Service s;
	service_start(h, &s, (const char *const[]){ "NOTIFY_SOCKET", NULL }, -1);
	g_usleep(1500 * 1000);
	g_assert_cmpint(service_stop(&s, NULL, NULL), ==, 0);
	g_assert_cmpuint(s.notices->len, ==, 0);
	service_clear(&s);
}

/* On a terminal (stderr not the journal), GLib's usual lines: each names the conference, the
 * message's fingerprint or the outbox row; none names a person or quotes a message; stdout
 * stays empty. */
static void test_run_log_lines_on_a_terminal_name_the_thing(void)
{
	g_autoptr(Harness) h = story();
	Service s;
	service_start(h, &s, (const char *const[]){ "G_MESSAGES_DEBUG=chaser", NULL }, -1);
	g_assert_cmpint(service_wait_for(&s, "STATUS=waiting for mail", 0, 60, NULL, NULL), >=, 0);
	g_assert_cmpint(service_stop(&s, NULL, NULL), ==, 0);
	g_autofree char *err = NULL, *out = NULL;
	g_assert_true(g_file_get_contents(s.err_path, &err, NULL, NULL));
	g_assert_true(g_file_get_contents(s.out_path, &out, NULL, NULL));
	g_assert_cmpstr(out, ==, "");
	g_test_message("stderr:\n%s", err);
	g_assert_true(g_regex_match_simple("^chaser-INFO: .*message [0-9a-f]{12}: handled as [a-z_]+"
	                                   " for " H_REF "$",
	                                   err, G_REGEX_MULTILINE, 0));
	g_assert_true(g_regex_match_simple("^chaser-INFO: .*outbox [0-9]+ \\(" H_REF
	                                   ", [a-z_]+\\): sent$",
	                                   err, G_REGEX_MULTILINE, 0));
	g_assert_true(g_regex_match_simple("^chaser-Message: .*running: inbound maildir, outbound "
	                                   "spool$",
	                                   err, G_REGEX_MULTILINE, 0));
	assert_nothing_personal(err);
	service_clear(&s);
}

/* ---- a journald the test plays ---- */

/* The journal's native protocol: KEY=VALUE lines, or KEY, a newline, a 64-bit little-endian
 * length and the bytes, for values holding a newline. */
static GHashTable *journal_fields(const char *buf, gsize len)
{
	GHashTable *f = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
	const char *p = buf, *end = buf + len;
	while (p < end) {
		const char *nl = memchr(p, '\n', end - p);
		g_assert_nonnull(nl);
		const char *eq = memchr(p, '=', nl - p);
		if (eq) {
			g_hash_table_replace(f, g_strndup(p, eq - p), g_strndup(eq + 1, nl - eq - 1));
			p = nl + 1;
			continue;
		}
		guint64 n = 0;
		g_assert_cmpint(end - (nl + 1), >=, 8);
		memcpy(&n, nl + 1, 8);
		n = GUINT64_FROM_LE(n);
		const char *v = nl + 9;
		g_assert_cmpuint(n, <=, (guint64)(end - v));
		g_hash_table_replace(f, g_strndup(p, nl - p), g_strndup(v, n));
		p = v + n + 1;
	}
	return f;
}

typedef struct {
	int fd;
	GPtrArray *entries; /* GHashTable* of fields */
} Journal;

static void journal_drain(gpointer data)
{
	Journal *j = data;
	static char buf[65536];
	ssize_t n;
	while ((n = recv(j->fd, buf, sizeof buf, MSG_DONTWAIT)) > 0)
		g_ptr_array_add(j->entries, journal_fields(buf, n));
}

static GHashTable *journal_find(Journal *j, const char *needle)
{
	for (guint i = 0; i < j->entries->len; i++) {
		const char *m = g_hash_table_lookup(j->entries->pdata[i], "MESSAGE");
		if (m && strstr(m, needle))
			return j->entries->pdata[i];
	}
	return NULL;
}

static int unix_socket(int type, const char *path)
{
	int fd = socket(AF_UNIX, type | SOCK_CLOEXEC, 0);
	g_assert_cmpint(fd, >=, 0);
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	strcpy(a.sun_path, path);
	g_assert_cmpint(bind(fd, (struct sockaddr *)&a, sizeof a), ==, 0);
	return fd;
}

/* A mount namespace of this process's own with an empty tmpfs on /run; 0, or an errno. */
static int private_run(void)
{
	if (unshare(CLONE_NEWNS) < 0 || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0 ||
	    mount("chaser-test-run", "/run", "tmpfs", MS_NOSUID | MS_NODEV, "mode=0755") < 0)
		return errno;
	return 0;
}

/* Whether this machine lets us (root, or CAP_SYS_ADMIN): tried in a throwaway child. */
static int can_have_private_run(void)
{
	pid_t pid = fork();
	g_assert_cmpint(pid, >=, 0);
	if (pid == 0)
		_exit(private_run());
	int status = 0;
	g_assert_cmpint(waitpid(pid, &status, 0), ==, pid);
	return WIFEXITED(status) ? WEXITSTATUS(status) : EINVAL;
}

/* Run in a child process, in a mount namespace of its own, with a private /run: there the
 * test binds /run/systemd/journal/socket and /stdout as journald does, and hands chaser a
 * stderr connected to /stdout, which is how GLib (and systemd) tell that stderr is the
 * journal. Nothing outside this process's namespace is touched. */
static void journal_child(void)
{
	g_assert_cmpint(private_run(), ==, 0);
	g_assert_cmpint(g_mkdir_with_parents("/run/systemd/journal", 0755), ==, 0);
	Journal j = { unix_socket(SOCK_DGRAM, "/run/systemd/journal/socket"),
		          g_ptr_array_new_with_free_func((GDestroyNotify)g_hash_table_unref) };
	int listener = unix_socket(SOCK_STREAM, "/run/systemd/journal/stdout");
	g_assert_cmpint(listen(listener, 1), ==, 0);
	int stream = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	struct sockaddr_un a = { .sun_family = AF_UNIX, .sun_path = "/run/systemd/journal/stdout" };
	g_assert_cmpint(connect(stream, (struct sockaddr *)&a, sizeof a), ==, 0);
	int served = accept4(listener, NULL, NULL, SOCK_CLOEXEC);
	g_assert_cmpint(served, >=, 0);

	g_autoptr(Harness) h = story();
	Service s;
	service_start(h, &s, NULL, stream);
	g_assert_cmpint(service_wait_for(&s, "STATUS=waiting for mail", 0, 60, journal_drain, &j),
	                >=, 0);
	g_assert_cmpint(service_stop(&s, journal_drain, &j), ==, 0);
	journal_drain(&j);
	close(stream);

	/* Every line went to the journal socket, none to the stream. */
	char c;
	g_assert_cmpint(recv(served, &c, 1, MSG_DONTWAIT), ==, 0);
	g_assert_cmpuint(j.entries->len, >, 0);
	for (guint i = 0; i < j.entries->len; i++) {
		GHashTableIter it;
		gpointer k, v;
		g_hash_table_iter_init(&it, j.entries->pdata[i]);
		while (g_hash_table_iter_next(&it, &k, &v)) {
			assert_nothing_personal(v);
			g_test_message("journal %u: %s=%s", i, (char *)k, (char *)v);
		}
		g_assert_cmpstr(g_hash_table_lookup(j.entries->pdata[i], "SYSLOG_IDENTIFIER"), ==,
		                "chaser");
	}

	GHashTable *running = journal_find(&j, "running: inbound maildir");
	g_assert_nonnull(running);
	g_assert_cmpstr(g_hash_table_lookup(running, "PRIORITY"), ==, "5");

	GHashTable *handled = journal_find(&j, ": handled as ");
	g_assert_nonnull(handled);
	g_assert_cmpstr(g_hash_table_lookup(handled, "PRIORITY"), ==, "6");
	g_assert_cmpstr(g_hash_table_lookup(handled, "CHASER_REF"), ==, H_REF);
	const char *fp = g_hash_table_lookup(handled, "CHASER_FINGERPRINT");
	g_assert_nonnull(fp);
	g_assert_true(g_regex_match_simple("^[0-9a-f]{12}$", fp, 0, 0));
	g_autofree char *named = g_strdup_printf("message %s: ", fp);
	g_assert_true(g_str_has_prefix(g_hash_table_lookup(handled, "MESSAGE"), named));
	g_assert_cmpstr(g_hash_table_lookup(handled, "CODE_FILE"), ==, "src/inbound/intake.c");
	g_assert_null(g_hash_table_lookup(handled, "CHASER_OUTBOX"));

	GHashTable *sent = journal_find(&j, "): sent");
	g_assert_nonnull(sent);
	g_assert_cmpstr(g_hash_table_lookup(sent, "CHASER_REF"), ==, H_REF);
	const char *outbox = g_hash_table_lookup(sent, "CHASER_OUTBOX");
	g_assert_nonnull(outbox);
	g_autofree char *row = g_strdup_printf("outbox %s (", outbox);
	g_assert_true(g_str_has_prefix(g_hash_table_lookup(sent, "MESSAGE"), row));
	g_assert_null(g_hash_table_lookup(sent, "CHASER_FINGERPRINT"));

	service_clear(&s);
	g_ptr_array_unref(j.entries);
	close(j.fd), close(listener), close(served);
}

/* As systemd runs it, stderr is the journal: each line goes over journald's native socket
 * with its priority and the fields naming its conference, message or outbox row. */
static void test_run_logs_to_the_journal_with_fields(void)
{
	if (g_test_subprocess()) {
		journal_child();
		return;
	}
	int why = can_have_private_run();
	if (why) {
		ch_test_cannot_run("no private /run for a test journal (needs root): %s",
		                   g_strerror(why));
		return;
	}
	g_test_trap_subprocess(NULL, 180 * G_USEC_PER_SEC, G_TEST_SUBPROCESS_INHERIT_STDERR);
	g_test_trap_assert_passed();
}

/* The fields themselves, through GLib's structured logging, as a writer receives them. */
static GPtrArray *captured;

static GLogWriterOutput capture(GLogLevelFlags level, const GLogField *fields, gsize n,
                                gpointer data)
{
	GHashTable *f = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
	for (gsize i = 0; i < n; i++)
		g_hash_table_replace(f, g_strdup(fields[i].key),
		                     fields[i].length < 0
		                         ? g_strdup(fields[i].value)
		                         : g_strndup(fields[i].value, fields[i].length));
	g_ptr_array_add(captured, f);
	return G_LOG_WRITER_HANDLED;
}

static void test_log_fields_name_ref_fingerprint_outbox(void)
{
	if (!g_test_subprocess()) {
		/* A writer can be set once per process: in a child of its own. */
		g_test_trap_subprocess(NULL, 30 * G_USEC_PER_SEC, G_TEST_SUBPROCESS_INHERIT_STDERR);
		g_test_trap_assert_passed();
		return;
	}
	captured = g_ptr_array_new_with_free_func((GDestroyNotify)g_hash_table_unref);
	g_log_set_writer_func(capture, NULL, NULL);
	const char *sha = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
	ch_service_log(G_LOG_LEVEL_WARNING, H_REF, NULL, 42, "outbox 42 (%s): not sent", H_REF);
	ch_service_log(G_LOG_LEVEL_INFO, NULL, sha, 0, "message %.12s: handled", sha);
	ch_service_log(G_LOG_LEVEL_MESSAGE, "", NULL, 0, "running");
	g_assert_cmpuint(captured->len, ==, 3);

	GHashTable *a = captured->pdata[0];
	g_assert_cmpstr(g_hash_table_lookup(a, "PRIORITY"), ==, "4");
	g_assert_cmpstr(g_hash_table_lookup(a, "GLIB_DOMAIN"), ==, "chaser");
	g_assert_cmpstr(g_hash_table_lookup(a, "MESSAGE"), ==, "outbox 42 (" H_REF "): not sent");
	g_assert_cmpstr(g_hash_table_lookup(a, "CHASER_REF"), ==, H_REF);
	g_assert_cmpstr(g_hash_table_lookup(a, "CHASER_OUTBOX"), ==, "42");
	g_assert_false(g_hash_table_contains(a, "CHASER_FINGERPRINT"));
	g_assert_cmpstr(g_hash_table_lookup(a, "CODE_FILE"), ==, __FILE__);
	g_assert_nonnull(g_hash_table_lookup(a, "CODE_LINE"));
	g_assert_cmpstr(g_hash_table_lookup(a, "CODE_FUNC"), ==, G_STRFUNC);

	GHashTable *b = captured->pdata[1];
	g_assert_cmpstr(g_hash_table_lookup(b, "PRIORITY"), ==, "6");
	g_assert_cmpstr(g_hash_table_lookup(b, "CHASER_FINGERPRINT"), ==, "0123456789ab");
	g_assert_cmpstr(g_hash_table_lookup(b, "MESSAGE"), ==, "message 0123456789ab: handled");
	g_assert_false(g_hash_table_contains(b, "CHASER_REF"));
	g_assert_false(g_hash_table_contains(b, "CHASER_OUTBOX"));

	GHashTable *c = captured->pdata[2];
	g_assert_cmpstr(g_hash_table_lookup(c, "PRIORITY"), ==, "5");
	g_assert_false(g_hash_table_contains(c, "CHASER_REF"));
	g_ptr_array_unref(captured);
}

/* contrib/chaser.service passes systemd-analyze verify. The unit names /usr/bin/chaser, which
 * a build tree does not have: the check runs on a copy whose ExecStart is the built binary,
 * every other line unchanged, with the tree's man pages on MANPATH for Documentation=. */
static void test_unit_file_verifies(void)
{
	g_autofree char *analyze = g_find_program_in_path("systemd-analyze");
	if (!analyze) {
		ch_test_cannot_run("systemd-analyze is not installed (package systemd)");
		return;
	}
	/* verify runs man(1) for each Documentation= page. */
	g_autofree char *man = g_find_program_in_path("man");
	if (!man) {
		ch_test_cannot_run("man is not installed (package man-db): Documentation= unchecked");
		return;
	}
	g_autofree char *unit = NULL;
	g_assert_true(g_file_get_contents("contrib/chaser.service", &unit, NULL, NULL));
	g_assert_true(g_regex_match_simple("^Type=notify$", unit, G_REGEX_MULTILINE, 0));
	g_assert_true(g_regex_match_simple("^WatchdogSec=", unit, G_REGEX_MULTILINE, 0));
	const char *exec = "\nExecStart=/usr/bin/chaser ";
	g_assert_nonnull(strstr(unit, exec));
	g_autoptr(Harness) h = h_new(NULL);
	g_autofree char *exec_here = g_strdup_printf("\nExecStart=%s ", h->bin);
	g_auto(GStrv) parts = g_strsplit(unit, exec, 2);
	g_autofree char *copy = g_strjoin(exec_here, parts[0], parts[1], NULL);
	g_autofree char *dir = g_build_filename(h->dir, "unit", NULL);
	g_assert_cmpint(g_mkdir_with_parents(dir, 0700), ==, 0);
	g_autofree char *path = g_build_filename(dir, "chaser.service", NULL);
	g_assert_true(g_file_set_contents(path, copy, -1, NULL));

	g_autofree char *mandir = g_build_filename(h->dir, "man", NULL);
	g_autofree char *cwd = g_get_current_dir();
	GDir *d = g_dir_open("man", 0, NULL);
	const char *name;
	while (d && (name = g_dir_read_name(d))) {
		const char *dot = strrchr(name, '.');
		if (!dot || !g_ascii_isdigit(dot[1]) || dot[2])
			continue;
		g_autofree char *section = g_strdup_printf("man%c", dot[1]);
		g_autofree char *sdir = g_build_filename(mandir, section, NULL);
		g_assert_cmpint(g_mkdir_with_parents(sdir, 0700), ==, 0);
		g_autofree char *target = g_build_filename(cwd, "man", name, NULL);
		g_autofree char *link = g_build_filename(sdir, name, NULL);
		g_assert_cmpint(symlink(target, link), ==, 0);
	}
	if (d)
		g_dir_close(d);

	char **env = g_environ_setenv(g_get_environ(), "MANPATH", mandir, TRUE);
	const char *argv[] = { analyze, "verify", path, NULL };
	g_autofree char *out = NULL, *err = NULL;
	int wait = 0;
	GError *e = NULL;
	g_assert_true(g_spawn_sync(NULL, (char **)argv, env, G_SPAWN_DEFAULT, NULL, NULL, &out, &err,
	                           &wait, &e));
	g_assert_no_error(e);
	g_strfreev(env);
	g_test_message("systemd-analyze verify: %s%s", out, err);
	g_assert_cmpstr(err, ==, "");
	g_assert_cmpstr(out, ==, "");
	g_assert_true(g_spawn_check_wait_status(wait, NULL));
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/service/run_tells_systemd_ready_status_watchdog_stopping",
	                test_run_tells_systemd_ready_status_watchdog_stopping);
	g_test_add_func("/service/run_idle_pings_the_watchdog", test_run_idle_pings_the_watchdog);
	g_test_add_func("/service/run_without_systemd_is_quiet", test_run_without_systemd_is_quiet);
	g_test_add_func("/service/run_log_lines_on_a_terminal_name_the_thing",
	                test_run_log_lines_on_a_terminal_name_the_thing);
	g_test_add_func("/service/run_logs_to_the_journal_with_fields",
	                test_run_logs_to_the_journal_with_fields);
	g_test_add_func("/service/log_fields_name_ref_fingerprint_outbox",
	                test_log_fields_name_ref_fingerprint_outbox);
	g_test_add_func("/service/unit_file_verifies", test_unit_file_verifies);
	return g_test_run();
}
