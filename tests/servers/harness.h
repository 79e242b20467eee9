/* harness: real mail servers for a GTest fixture, through tests/servers/start and stop.
 *
 *   ChServers s = { 0 };
 *   if (!ch_servers_start(&s, "dovecot smtpd")) return;   // skipped, or failed: said why
 *   ch_servers_env(&s, "IMAPS_PORT") ...
 *   ch_servers_finish(&s);                                 // teardown: always
 *
 * Tests run from the top of the tree (tests/run-all does). Without root, or without the
 * programs of the servers it names, a test is skipped with the reason; with
 * CHASER_TEST_STRICT=1 (make check) it fails with that reason instead (tests/support/skip.h).
 * A failed test keeps its folder (logs, maildirs) and says where; its processes are stopped
 * in every case.
 */
#pragma once
#include <errno.h>
#include <fcntl.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <signal.h>
#include <stdarg.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "support/skip.h"

typedef struct {
	char *dir;
	GHashTable *env;
	gboolean up;
} ChServers;

/* A failed g_assert aborts the test program before any teardown runs. So that no server
 * outlives it, the folders of running servers are noted here, and a handler for the fatal
 * signals runs tests/servers/stop on each (fork, exec and waitpid are safe in a handler). */
#define CH_SERVERS_SLOTS 4
static char ch_servers_running[CH_SERVERS_SLOTS][512];

static G_GNUC_UNUSED void ch_servers_crash(int sig)
{
	for (int i = 0; i < CH_SERVERS_SLOTS; i++) {
		if (ch_servers_running[i][0] == '\0')
			continue;
		pid_t p = fork();
		if (p == 0) {
			int devnull = open("/dev/null", O_WRONLY);
			if (devnull >= 0)
				dup2(devnull, 1);
			execl("/bin/bash", "bash", "tests/servers/stop", ch_servers_running[i],
			      (char *)NULL);
			_exit(127);
		}
		if (p > 0)
			waitpid(p, NULL, 0);
		static const char msg[] = "# servers stopped after the failure; files kept in ";
		(void)!write(2, msg, sizeof msg - 1);
		(void)!write(2, ch_servers_running[i], strlen(ch_servers_running[i]));
		(void)!write(2, "\n", 1);
	}
	signal(sig, SIG_DFL);
	raise(sig);
}

/* A test that hangs (a server that never answers, a library stuck in a loop) is killed
 * after `seconds` instead of stalling the whole suite; its servers are stopped first.
 * 0 disarms it. */
static G_GNUC_UNUSED void ch_servers_watchdog(unsigned seconds)
{
	alarm(seconds);
}

static G_GNUC_UNUSED void ch_servers_note(const char *dir, gboolean running)
{
	static gboolean handlers;
	if (!handlers) {
		/* SIGTRAP: GLib's fatal log messages end in G_BREAKPOINT(). SIGALRM: the
		 * watchdog of ch_servers_watchdog(). */
		int sigs[] = { SIGABRT, SIGTRAP, SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGTERM, SIGINT,
			       SIGALRM };
		for (guint i = 0; i < G_N_ELEMENTS(sigs); i++)
			signal(sigs[i], ch_servers_crash);
		handlers = TRUE;
	}
	for (int i = 0; i < CH_SERVERS_SLOTS; i++) {
		if (running && ch_servers_running[i][0] == '\0') {
			g_strlcpy(ch_servers_running[i], dir, sizeof ch_servers_running[i]);
			return;
		}
		if (!running && strcmp(ch_servers_running[i], dir) == 0) {
			ch_servers_running[i][0] = '\0';
			return;
		}
	}
}

/* Looks in PATH and /usr/sbin; or, where CHASER_TEST_SERVERS_PATH is set, only in its folders
 * (colon-separated), so that tests/run-all-selftest can make one program look missing
 * without removing a package. */
static G_GNUC_UNUSED gboolean ch_servers_have(const char *prog)
{
	const char *only = g_getenv("CHASER_TEST_SERVERS_PATH");
	if (only != NULL) {
		g_auto(GStrv) dirs = g_strsplit(only, ":", -1);
		for (char **d = dirs; *d; d++) {
			g_autofree char *p = g_build_filename(**d ? *d : ".", prog, NULL);
			if (g_file_test(p, G_FILE_TEST_IS_EXECUTABLE))
				return TRUE;
		}
		return FALSE;
	}
	g_autofree char *p = g_find_program_in_path(prog);
	if (p != NULL)
		return TRUE;
	g_autofree char *sbin = g_build_filename("/usr/sbin", prog, NULL);
	return g_file_test(sbin, G_FILE_TEST_IS_EXECUTABLE);
}

/* Why the servers of `names` cannot start here, or NULL. Only what those servers need is
 * asked for: a Dovecot-only test runs without OpenSMTPD. swaks is always needed, as the
 * helpers below deliver and submit with it. */
static G_GNUC_UNUSED char *ch_servers_cannot(const char *names)
{
	if (geteuid() != 0)
		return g_strdup("needs root: Dovecot and OpenSMTPD drop privileges to their users");
	g_auto(GStrv) list = g_strsplit(names, " ", -1);
	GString *missing = g_string_new(NULL);
	for (char **n = list; *n; n++) {
		const char *pkg = strcmp(*n, "dovecot") == 0 ? "dovecot-imapd"
		                  : strcmp(*n, "smtpd") == 0 ? "opensmtpd"
		                                             : NULL;
		if (pkg != NULL && !ch_servers_have(*n))
			g_string_append_printf(missing, "%s%s (%s)", missing->len ? ", " : "", *n, pkg);
	}
	if (!ch_servers_have("swaks"))
		g_string_append_printf(missing, "%sswaks (swaks)", missing->len ? ", " : "");
	if (missing->len) {
		g_string_prepend(missing, "not installed: ");
		g_string_append(missing, "; scripts/install-deps test installs them");
		return g_string_free(missing, FALSE);
	}
	g_string_free(missing, TRUE);
	if (!g_file_test("tests/servers/start", G_FILE_TEST_IS_EXECUTABLE))
		return g_strdup("run from the top of the source tree (tests/servers/start not found)");
	return NULL;
}

/* Runs argv; TRUE on exit status 0. Output goes to *out (may be NULL), stderr is shown on
 * failure. */
static G_GNUC_UNUSED gboolean ch_servers_run(const char *const *argv, char **out)
{
	g_autofree char *o = NULL, *e = NULL;
	int status = 0;
	GError *err = NULL;
	if (!g_spawn_sync(NULL, (char **)argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, &o, &e,
	                  &status, &err)) {
		g_printerr("cannot run %s: %s\n", argv[0], err->message);
		g_error_free(err);
		return FALSE;
	}
	if (!g_spawn_check_wait_status(status, NULL)) {
		g_printerr("%s failed:\n%s%s", argv[0], o ? o : "", e ? e : "");
		return FALSE;
	}
	if (out != NULL)
		*out = g_steal_pointer(&o);
	return TRUE;
}

static G_GNUC_UNUSED void ch_servers_read_env(ChServers *s)
{
	g_autofree char *path = g_build_filename(s->dir, "env", NULL);
	g_autofree char *text = NULL;
	if (s->env == NULL)
		s->env = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
	if (!g_file_get_contents(path, &text, NULL, NULL))
		return;
	g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
	for (char **l = lines; *l; l++) {
		char *eq = strchr(*l, '=');
		if (eq == NULL)
			continue;
		char *v = eq + 1;
		gsize n = strlen(v);
		if (n >= 2 && v[0] == '"' && v[n - 1] == '"')
			v = g_strndup(v + 1, n - 2);
		else
			v = g_strdup(v);
		g_hash_table_replace(s->env, g_strndup(*l, (gsize)(eq - *l)), v);
	}
}

/* names: "dovecot", "smtpd" or both, space-separated. The first call makes the folder. FALSE
 * when the test cannot go on: skipped or failed, and it said why. */
static G_GNUC_UNUSED gboolean ch_servers_start(ChServers *s, const char *names)
{
	g_autofree char *cannot = ch_servers_cannot(names);
	if (cannot != NULL) {
		/* Skipped by hand; under make check (CHASER_TEST_STRICT=1) a failure. */
		ch_test_cannot_run("%s", cannot);
		return FALSE;
	}
	if (s->dir == NULL) {
		GError *e = NULL;
		s->dir = g_dir_make_tmp("chaser-servers-XXXXXX", &e);
		g_assert_no_error(e);
	}
	g_auto(GStrv) list = g_strsplit(names, " ", -1);
	GPtrArray *argv = g_ptr_array_new();
	g_ptr_array_add(argv, "tests/servers/start");
	g_ptr_array_add(argv, s->dir);
	for (char **n = list; *n; n++)
		if (**n)
			g_ptr_array_add(argv, *n);
	g_ptr_array_add(argv, NULL);
	if (!s->up)
		ch_servers_note(s->dir, TRUE);
	s->up = TRUE; /* even half-started: finish must stop it */
	gboolean ok = ch_servers_run((const char *const *)argv->pdata, NULL);
	g_ptr_array_free(argv, TRUE);
	ch_servers_read_env(s);
	if (!ok)
		g_test_fail_printf("tests/servers/start %s %s failed", s->dir, names);
	return ok;
}

static G_GNUC_UNUSED gboolean ch_servers_stop(ChServers *s, const char *names)
{
	if (s->dir == NULL)
		return TRUE;
	g_auto(GStrv) list = g_strsplit(names ? names : "", " ", -1);
	GPtrArray *argv = g_ptr_array_new();
	g_ptr_array_add(argv, "tests/servers/stop");
	g_ptr_array_add(argv, s->dir);
	for (char **n = list; *n; n++)
		if (**n)
			g_ptr_array_add(argv, *n);
	g_ptr_array_add(argv, NULL);
	gboolean ok = ch_servers_run((const char *const *)argv->pdata, NULL);
	g_ptr_array_free(argv, TRUE);
	return ok;
}

static G_GNUC_UNUSED const char *ch_servers_env(ChServers *s, const char *key)
{
	const char *v = s->env ? g_hash_table_lookup(s->env, key) : NULL;
	if (v == NULL)
		g_error("tests/servers: %s not in %s/env", key, s->dir);
	return v;
}

/* Stops everything; removes the folder unless the test failed. */
static G_GNUC_UNUSED void ch_servers_finish(ChServers *s)
{
	if (s->dir != NULL) {
		ch_servers_stop(s, NULL);
		if (s->up)
			ch_servers_note(s->dir, FALSE);
		if (g_test_failed()) {
			g_printerr("# servers' logs and mail kept in %s\n", s->dir);
		} else {
			const char *argv[] = { "rm", "-rf", "--one-file-system", s->dir, NULL };
			ch_servers_run(argv, NULL);
		}
	}
	g_clear_pointer(&s->dir, g_free);
	g_clear_pointer(&s->env, g_hash_table_unref);
	s->up = FALSE;
}

/* Hands `msg` (CRLF lines, ending in CRLF) to Dovecot over LMTP with swaks, as OpenSMTPD
 * would; the message is in the mailbox when this returns. swaks ends DATA with its own CRLF,
 * so the last one of `msg` is left out of what it is given: the delivered bytes are `msg`. */
static G_GNUC_UNUSED gboolean ch_servers_deliver(ChServers *s, const char *port_key,
                                                 const char *proto, const char *from,
                                                 const char *to, const char *msg)
{
	static int n;
	g_autofree char *file = g_strdup_printf("%s/msg-%d.eml", s->dir, ++n);
	gsize len = strlen(msg);
	if (len >= 2 && msg[len - 2] == '\r' && msg[len - 1] == '\n')
		len -= 2;
	g_assert_true(g_file_set_contents(file, msg, (gssize)len, NULL));
	g_autofree char *server = g_strdup_printf("127.0.0.1:%s", ch_servers_env(s, port_key));
	g_autofree char *data = g_strdup_printf("@%s", file);
	const char *argv[] = { "swaks", "--server", server, "--protocol", proto, "--from", from,
		               "--to", to, "--data", data, "--silent", "2", NULL };
	return ch_servers_run(argv, NULL);
}

/* The messages of a user's Maildir folder ("" = INBOX), oldest name first. */
static G_GNUC_UNUSED GPtrArray *ch_servers_maildir(ChServers *s, const char *user,
                                                   const char *folder)
{
	GPtrArray *out = g_ptr_array_new_with_free_func(g_free);
	g_autofree char *base = g_strdup_printf("%s/%s%s%s", ch_servers_env(s, "MAIL_DIR"), user,
	                                        folder && *folder ? "/." : "",
	                                        folder && *folder ? folder : "");
	GPtrArray *names = g_ptr_array_new_with_free_func(g_free);
	const char *subs[] = { "new", "cur" };
	for (guint i = 0; i < G_N_ELEMENTS(subs); i++) {
		g_autofree char *d = g_build_filename(base, subs[i], NULL);
		GDir *dir = g_dir_open(d, 0, NULL);
		if (dir == NULL)
			continue;
		const char *name;
		while ((name = g_dir_read_name(dir)) != NULL)
			g_ptr_array_add(names, g_build_filename(d, name, NULL));
		g_dir_close(dir);
	}
	for (guint i = 0; i < names->len; i++) {
		char *text = NULL;
		if (g_file_get_contents(names->pdata[i], &text, NULL, NULL))
			g_ptr_array_add(out, text);
	}
	g_ptr_array_free(names, TRUE);
	return out;
}

/* Waits up to `seconds` for a user's folder to hold `n` messages (OpenSMTPD delivers from
 * its queue a moment after it accepted). */
static G_GNUC_UNUSED GPtrArray *ch_servers_wait_maildir(ChServers *s, const char *user,
                                                        const char *folder, guint n,
                                                        guint seconds)
{
	gint64 end = g_get_monotonic_time() + (gint64)seconds * G_USEC_PER_SEC;
	for (;;) {
		GPtrArray *msgs = ch_servers_maildir(s, user, folder);
		if (msgs->len >= n || g_get_monotonic_time() > end)
			return msgs;
		g_ptr_array_free(msgs, TRUE);
		g_usleep(50 * 1000);
	}
}

/* How many messages of a user's folder carry the Maildir flag `flag` ('S' seen, 'T'
 * deleted), and how many there are in all (*total). */
static G_GNUC_UNUSED guint ch_servers_maildir_flagged(ChServers *s, const char *user,
                                                     const char *folder, char flag,
                                                     guint *total)
{
	guint n = 0, all = 0;
	g_autofree char *base = g_strdup_printf("%s/%s%s%s", ch_servers_env(s, "MAIL_DIR"), user,
	                                        folder && *folder ? "/." : "",
	                                        folder && *folder ? folder : "");
	const char *subs[] = { "new", "cur" };
	for (guint i = 0; i < G_N_ELEMENTS(subs); i++) {
		g_autofree char *d = g_build_filename(base, subs[i], NULL);
		GDir *dir = g_dir_open(d, 0, NULL);
		if (dir == NULL)
			continue;
		const char *name;
		while ((name = g_dir_read_name(dir)) != NULL) {
			const char *info = strstr(name, ":2,");
			all++;
			if (info != NULL && strchr(info + 3, flag) != NULL)
				n++;
		}
		g_dir_close(dir);
	}
	if (total != NULL)
		*total = all;
	return n;
}

/* The file's text with CRLF turned into LF, as Dovecot's Maildir stores it. */
static G_GNUC_UNUSED char *ch_servers_lf(const char *crlf, gsize len)
{
	GString *s = g_string_sized_new(len);
	for (gsize i = 0; i < len; i++)
		if (!(crlf[i] == '\r' && i + 1 < len && crlf[i + 1] == '\n'))
			g_string_append_c(s, crlf[i]);
	return g_string_free(s, FALSE);
}

/* TRUE if the named log holds a line containing every one of the given strings. */
static G_GNUC_UNUSED gboolean ch_servers_log_has(ChServers *s, const char *log_key, ...)
{
	g_autofree char *text = NULL;
	if (!g_file_get_contents(ch_servers_env(s, log_key), &text, NULL, NULL))
		return FALSE;
	g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
	for (char **l = lines; *l; l++) {
		va_list ap;
		va_start(ap, log_key);
		gboolean all = TRUE;
		const char *want;
		while ((want = va_arg(ap, const char *)) != NULL)
			if (strstr(*l, want) == NULL)
				all = FALSE;
		va_end(ap);
		if (all)
			return TRUE;
	}
	return FALSE;
}

/* How many lines of the named log contain every one of the given strings (NULL-terminated):
 * for "did a new line of this kind appear since", where the servers' own start-up probes
 * already wrote one. */
static G_GNUC_UNUSED guint ch_servers_log_count(ChServers *s, const char *log_key, ...)
{
	g_autofree char *text = NULL;
	if (!g_file_get_contents(ch_servers_env(s, log_key), &text, NULL, NULL))
		return 0;
	g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
	guint n = 0;
	for (char **l = lines; *l; l++) {
		va_list ap;
		va_start(ap, log_key);
		gboolean all = TRUE;
		const char *want;
		while ((want = va_arg(ap, const char *)) != NULL)
			if (strstr(*l, want) == NULL)
				all = FALSE;
		va_end(ap);
		n += all;
	}
	return n;
}

/* Sends `msg` (CRLF lines) as a mail client does: Dovecot's submission service with
 * STARTTLS and AUTH PLAIN as `user` (a name in USERS), which relays it through OpenSMTPD.
 * TRUE once the server accepted it; delivery follows a moment later. */
static G_GNUC_UNUSED gboolean ch_servers_submit(ChServers *s, const char *user, const char *to,
                                                const char *msg)
{
	static int n;
	g_autofree char *file = g_strdup_printf("%s/submit-%d.eml", s->dir, ++n);
	gsize len = strlen(msg);
	if (len >= 2 && msg[len - 2] == '\r' && msg[len - 1] == '\n')
		len -= 2;
	g_assert_true(g_file_set_contents(file, msg, (gssize)len, NULL));
	g_autofree char *server = g_strdup_printf("127.0.0.1:%s",
	                                          ch_servers_env(s, "SUBMISSION_PORT"));
	g_autofree char *data = g_strdup_printf("@%s", file);
	g_autofree char *from = g_strdup_printf("%s@%s", user, ch_servers_env(s, "DOMAIN"));
	g_autofree char *pw_key = g_strdup_printf("PASSWORD_%s", user);
	const char *argv[] = { "swaks", "--server", server, "--tls", "--auth", "PLAIN",
		               "--auth-user", user, "--auth-password", ch_servers_env(s, pw_key),
		               "--from", from, "--to", to, "--data", data, "--silent", "2", NULL };
	return ch_servers_run(argv, NULL);
}

/* Runs `smtpctl ARGS...` (NULL-terminated) against the test OpenSMTPD. Its control socket
 * is at a fixed path inside the private mount namespace `start` made for it, so smtpctl runs
 * in that namespace (nsenter). Output to *out (may be NULL). */
static G_GNUC_UNUSED gboolean ch_servers_smtpctl(ChServers *s, char **out, ...)
{
	g_autofree char *pidfile = g_build_filename(s->dir, "smtpd", "smtpd.pid", NULL);
	g_autofree char *pid = NULL;
	if (!g_file_get_contents(pidfile, &pid, NULL, NULL))
		return FALSE;
	g_strstrip(pid);
	GPtrArray *argv = g_ptr_array_new();
	g_ptr_array_add(argv, "nsenter");
	g_ptr_array_add(argv, "-t");
	g_ptr_array_add(argv, pid);
	g_ptr_array_add(argv, "-m");
	g_ptr_array_add(argv, "smtpctl");
	va_list ap;
	va_start(ap, out);
	const char *a;
	while ((a = va_arg(ap, const char *)) != NULL)
		g_ptr_array_add(argv, (char *)a);
	va_end(ap);
	g_ptr_array_add(argv, NULL);
	gboolean ok = ch_servers_run((const char *const *)argv->pdata, out);
	g_ptr_array_free(argv, TRUE);
	return ok;
}

/* How many envelopes wait in OpenSMTPD's queue (e.g. while Dovecot's LMTP is down). */
static G_GNUC_UNUSED guint ch_servers_smtpd_queued(ChServers *s)
{
	g_autofree char *out = NULL;
	if (!ch_servers_smtpctl(s, &out, "show", "queue", NULL))
		return 0;
	guint n = 0;
	for (const char *p = out; p && *p; p++)
		n += *p == '\n';
	return n;
}

/* Asks OpenSMTPD to try everything in its queue now, instead of at its next retry (the
 * first comes about 10 s after a failure, later ones further apart). */
static G_GNUC_UNUSED gboolean ch_servers_smtpd_retry_now(ChServers *s)
{
	return ch_servers_smtpctl(s, NULL, "schedule", "all", NULL);
}

/* ---- scripted fake servers, for faults a real server cannot be made to produce ---- */

/* All of s out on fd (a peer that went away ends it quietly). */
static G_GNUC_UNUSED void ch_fake_write(int fd, const char *s)
{
	gsize n = strlen(s), off = 0;
	while (off < n) {
		ssize_t w = send(fd, s + off, n - off, MSG_NOSIGNAL);
		if (w <= 0)
			return;
		off += (gsize)w;
	}
}

/* One line from fd without its CRLF, or NULL at end of stream or once *quit is set. */
static G_GNUC_UNUSED char *ch_fake_line(volatile gint *quit, int fd)
{
	GString *l = g_string_new(NULL);
	for (;;) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		int n = poll(&p, 1, 100);
		if (g_atomic_int_get(quit) || n < 0) {
			g_string_free(l, TRUE);
			return NULL;
		}
		if (n == 0)
			continue;
		char c;
		if (recv(fd, &c, 1, 0) != 1) {
			g_string_free(l, TRUE);
			return NULL;
		}
		if (c == '\n') {
			if (l->len && l->str[l->len - 1] == '\r')
				g_string_truncate(l, l->len - 1);
			return g_string_free(l, FALSE);
		}
		g_string_append_c(l, c);
	}
}
