/* secret: the one place a password or an OAuth2 token is read, from a file or a command.
 *
 * The value is returned to the caller (g_free it, ideally after clearing it) and never logged:
 * errors name the file or the command's exit status, not what it printed on stdout.
 */
#include <gio/gio.h>
#include <string.h>

#include "app/config.h"
#include "util/error.h"

/* A password or an access token is short; anything larger is a wrong path. */
#define SECRET_MAX (64 * 1024)
/* A token helper may ask a remote token endpoint: give it this long, then kill it. */
#define COMMAND_TIMEOUT_S 60

/* The first line, trimmed; NULL if that leaves nothing. Takes `text`. */
static char *first_line(char *text)
{
	char *nl = strpbrk(text, "\r\n");
	if (nl != NULL)
		*nl = '\0';
	g_strstrip(text);
	if (*text == '\0') {
		g_free(text);
		return NULL;
	}
	return text;
}

static char *read_secret_file(const char *file, GError **error)
{
	char *text = NULL;
	gsize len = 0;
	GError *e = NULL;

	if (!g_file_get_contents(file, &text, &len, &e)) {
		g_set_error(error, CH_ERROR, CH_ERROR_CONFIG, "cannot read secret file %s: %s", file,
		            e->message);
		g_error_free(e);
		return NULL;
	}
	if (len > SECRET_MAX || memchr(text, '\0', len) != NULL) {
		explicit_bzero(text, len);
		g_free(text);
		g_set_error(error, CH_ERROR, CH_ERROR_CONFIG,
		            "secret file %s is not a password or token (binary or over %d bytes)",
		            file, SECRET_MAX);
		return NULL;
	}
	char *line = first_line(text);
	if (line == NULL)
		g_set_error(error, CH_ERROR, CH_ERROR_CONFIG, "secret file %s is empty", file);
	return line;
}

typedef struct {
	GMainLoop *loop;
	GBytes *out;
	GBytes *err;
	GError *error;
	gboolean timed_out;
	GCancellable *cancel;
	GSubprocess *proc;
} CommandRun;

static void command_done(GObject *src, GAsyncResult *res, gpointer data)
{
	CommandRun *run = data;
	g_subprocess_communicate_finish(G_SUBPROCESS(src), res, &run->out, &run->err, &run->error);
	g_main_loop_quit(run->loop);
}

static gboolean command_timeout(gpointer data)
{
	CommandRun *run = data;
	run->timed_out = TRUE;
	g_subprocess_force_exit(run->proc);
	g_cancellable_cancel(run->cancel);
	return G_SOURCE_REMOVE;
}

/* The first line of stderr, shortened, to say why a helper failed. */
static char *stderr_hint(GBytes *err)
{
	if (err == NULL || g_bytes_get_size(err) == 0)
		return g_strdup("");
	gsize len = MIN(g_bytes_get_size(err), 200);
	char *text = g_strndup(g_bytes_get_data(err, NULL), len);
	char *line = first_line(text);
	if (line == NULL)
		return g_strdup("");
	char *valid = g_utf8_make_valid(line, -1);
	g_free(line);
	char *hint = g_strdup_printf(": %s", valid);
	g_free(valid);
	return hint;
}

static char *run_secret_command(const char *command, GError **error)
{
	GError *e = NULL;
	GSubprocess *proc = g_subprocess_new(G_SUBPROCESS_FLAGS_STDIN_INHERIT |
	                                     G_SUBPROCESS_FLAGS_STDOUT_PIPE |
	                                     G_SUBPROCESS_FLAGS_STDERR_PIPE,
	                                     &e, "/bin/sh", "-c", command, NULL);
	if (proc == NULL) {
		g_set_error(error, CH_ERROR, CH_ERROR_CONFIG, "cannot run token command '%s': %s",
		            command, e->message);
		g_error_free(e);
		return NULL;
	}

	/* A private main context, so that this works the same inside or outside the caller's
	 * main loop and in any thread. */
	GMainContext *ctx = g_main_context_new();
	g_main_context_push_thread_default(ctx);
	CommandRun run = {
		.loop = g_main_loop_new(ctx, FALSE),
		.cancel = g_cancellable_new(),
		.proc = proc,
	};
	GSource *timer = g_timeout_source_new_seconds(COMMAND_TIMEOUT_S);
	g_source_set_callback(timer, command_timeout, &run, NULL);
	g_source_attach(timer, ctx);
	g_subprocess_communicate_async(proc, NULL, run.cancel, command_done, &run);
	g_main_loop_run(run.loop);
	g_source_destroy(timer);
	g_source_unref(timer);
	if (run.timed_out)
		g_subprocess_wait(proc, NULL, NULL);
	g_main_context_pop_thread_default(ctx);
	g_main_loop_unref(run.loop);
	g_main_context_unref(ctx);
	g_object_unref(run.cancel);

	char *secret = NULL;
	if (run.timed_out) {
		g_set_error(error, CH_ERROR, CH_ERROR_TEMPORARY,
		            "token command '%s' did not finish within %d s", command,
		            COMMAND_TIMEOUT_S);
	} else if (run.error != NULL) {
		g_set_error(error, CH_ERROR, CH_ERROR_TEMPORARY, "token command '%s': %s", command,
		            run.error->message);
	} else if (!g_subprocess_get_if_exited(proc) || g_subprocess_get_exit_status(proc) != 0) {
		g_autofree char *hint = stderr_hint(run.err);
		int status = g_subprocess_get_if_exited(proc) ? g_subprocess_get_exit_status(proc)
		                                              : -1;
		/* 126/127: the shell could not run it at all, which no retry will mend. A helper
		 * that ran and failed has usually met a token endpoint that is down. */
		g_set_error(error, CH_ERROR,
		            status == 126 || status == 127 ? CH_ERROR_CONFIG : CH_ERROR_TEMPORARY,
		            "token command '%s' failed (%s %d)%s", command,
		            status >= 0 ? "exit status" : "signal",
		            status >= 0 ? status : g_subprocess_get_term_sig(proc), hint);
	} else {
		gsize len = 0;
		const char *data = run.out != NULL ? g_bytes_get_data(run.out, &len) : NULL;
		if (data != NULL && len <= SECRET_MAX && memchr(data, '\0', len) == NULL)
			secret = first_line(g_strndup(data, len));
		if (secret == NULL)
			g_set_error(error, CH_ERROR, CH_ERROR_CONFIG,
			            "token command '%s' printed no token", command);
	}
	if (run.out != NULL) {
		gsize len = 0;
		/* The token's copy in the pipe buffer: clear it before it goes back to malloc. */
		char *p = (char *)g_bytes_get_data(run.out, &len);
		if (p != NULL)
			explicit_bzero(p, len);
		g_bytes_unref(run.out);
	}
	if (run.err != NULL)
		g_bytes_unref(run.err);
	g_clear_error(&run.error);
	g_object_unref(proc);
	return secret;
}

char *ch_config_read_secret(const char *file, const char *command, GError **error)
{
	/* A command can mint a fresh token, a file only repeats itself: prefer the command. */
	if (command != NULL && *command != '\0')
		return run_secret_command(command, error);
	if (file != NULL && *file != '\0')
		return read_secret_file(file, error);
	g_set_error(error, CH_ERROR, CH_ERROR_CONFIG, "no secret file or command configured");
	return NULL;
}
