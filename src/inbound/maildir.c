#include "inbound/maildir.h"

#include <errno.h>
#include <stdio.h>
#include <fcntl.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "app/service.h"
#include "inbound/intake.h"
#include "util/durable.h"
#include "util/crashpoint.h"
#include "util/error.h"

static gboolean move_to(const char *from, const char *dir, const char *name, const char *flags,
                        GError **error)
{
	g_autofree char *target_name = g_strdup_printf("%s%s", name, strchr(name, ':') ? "" : flags);
	g_autofree char *to = g_build_filename(dir, target_name, NULL);
	if (!ch_durable_mkdir(dir, 0700, error))
		return FALSE;
	if (rename(from, to) < 0) {
		g_set_error(error, CH_ERROR, CH_ERROR_TEMPORARY, "cannot move %s to %s: %s", from, dir,
		            g_strerror(errno));
		return FALSE;
	}
	/* Both folders, each for its own name: the target's so that the message is not lost
	 * with the rename, the source's so that it does not come back to new/ as well (a power
	 * cut would leave it in two places; the fingerprint would keep it from being handled
	 * twice, but a person would see it twice). The folder was synced into its parent by
	 * ch_durable_mkdir when it was made, and is only looked at (a stat) after that. */
	g_autofree char *from_dir = g_path_get_dirname(from);
	return ch_durable_sync_dir(dir, error) && ch_durable_sync_dir(from_dir, error);
}

static gint by_name(gconstpointer a, gconstpointer b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

typedef struct {
	ChApp *app;
	char *root;
	char *new_dir;
	char *cur_dir;
	char *q_dir;
} Maildir;

static gpointer maildir_open(ChApp *app, GError **error)
{
	Maildir *md = g_new0(Maildir, 1);
	md->app = app;
	md->root = g_strdup(app->cfg->maildir);
	md->new_dir = g_build_filename(md->root, "new", NULL);
	md->cur_dir = g_build_filename(md->root, "cur", NULL);
	md->q_dir = g_build_filename(md->root, ".Quarantine", "cur", NULL);
	return md;
}

static void maildir_close(gpointer self)
{
	Maildir *md = self;
	g_free(md->root), g_free(md->new_dir), g_free(md->cur_dir), g_free(md->q_dir);
	g_free(md);
}

/* The names in new/, sorted; NULL when new/ cannot be read. */
static GPtrArray *new_names(Maildir *md, GError **error)
{
	GError *local = NULL;
	GDir *dir = g_dir_open(md->new_dir, 0, &local);
	if (!dir) {
		g_set_error(error, CH_ERROR, CH_ERROR_CONFIG, "Maildir %s: %s", md->root,
		            local->message);
		g_error_free(local);
		return NULL;
	}
	GPtrArray *names = g_ptr_array_new_with_free_func(g_free);
	const char *n;
	while ((n = g_dir_read_name(dir)))
		if (n[0] != '.')
			g_ptr_array_add(names, g_strdup(n));
	g_dir_close(dir);
	g_ptr_array_sort(names, by_name);
	return names;
}

/* Too large to take in, but its start is read for immediate-safety words. */
static ChIntakeResult take_oversized(Maildir *md, const char *path, const char *where,
                                     gsize size, GError **error)
{
	char head[65536];
	gssize got = -1;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		got = read(fd, head, sizeof head);
		close(fd);
	}
	return ch_intake_oversized(md->app, where, size, got > 0 ? head : NULL,
	                           got > 0 ? (gsize)got : 0, error);
}

/* One message of new/ through intake, then where intake's answer sends it. FALSE stops the
 * sweep: a move that failed (TEMPORARY), or broken configuration (*stop_r, CONFIG). */
static gboolean sweep_one(Maildir *md, const char *name, ChSweepCounts *counts,
                          gboolean *stop_r, GError **error)
{
	g_autofree char *path = g_build_filename(md->new_dir, name, NULL);
	g_autofree char *where = g_strdup_printf("maildir:%s", name);
	struct stat st;
	if (stat(path, &st) < 0 || !S_ISREG(st.st_mode))
		return TRUE;
	GError *e = NULL;
	ChIntakeResult r;
	if ((gsize)st.st_size > md->app->cfg->max_message_size) {
		r = take_oversized(md, path, where, st.st_size, &e);
	} else {
		g_autofree char *data = NULL;
		gsize len = 0;
		if (!g_file_get_contents(path, &data, &len, &e)) {
			g_warning("maildir %s: cannot read: %s", name, e->message);
			g_clear_error(&e);
			counts->seen++;
			counts->retry++;
			return TRUE;
		}
		r = ch_intake_message(md->app, where, (const guint8 *)data, len, &e);
	}
	ch_driver_count(counts, r);
	if (r == CH_INTAKE_STOP) {
		*stop_r = TRUE;
		g_propagate_error(error, e);
		return FALSE;
	}
	if (e) {
		g_warning("maildir %s: %s", name, e->message);
		g_clear_error(&e);
	}
	gboolean ok = TRUE;
	if (r == CH_INTAKE_DONE) {
		ok = move_to(path, md->cur_dir, name, ":2,S", error);
		ch_crashpoint("maildir.after-move");
	} else if (r == CH_INTAKE_QUARANTINE) {
		ok = move_to(path, md->q_dir, name, ":2,", error);
	}
	return ok;
}

static ChDriverResult maildir_sweep(gpointer self, ChSweepCounts *counts, GError **error)
{
	Maildir *md = self;
	g_autofree char *lock_path = g_build_filename(md->root, ".chaser.lock", NULL);
	int lock = ch_driver_lock(lock_path, md->root, error);
	if (lock < 0)
		return CH_DRIVER_TEMPORARY;
	/* A Maildir that is not there (yet) is waited for, not given up: a mount may be late. */
	g_autoptr(GPtrArray) names = new_names(md, error);
	gboolean ok = names != NULL, stop = FALSE;
	for (guint i = 0; ok && i < names->len && !g_atomic_int_get(&md->app->stop); i++)
		ok = sweep_one(md, names->pdata[i], counts, &stop, error);
	close(lock);
	return stop ? CH_DRIVER_CONFIG : ok ? CH_DRIVER_OK : CH_DRIVER_TEMPORARY;
}

/* Polling: new/ is swept again after a second at most, and the loop turns with it (timers
 * and sending run once a turn). */
#define MAILDIR_POLL_S 1

static gboolean maildir_wait(gpointer self, guint seconds, GError **error)
{
	Maildir *md = self;
	ch_driver_sleep(md->app, MIN(seconds, MAILDIR_POLL_S));
	return TRUE;
}

static guint maildir_waiting(gpointer self)
{
	Maildir *md = self;
	GDir *dir = g_dir_open(md->new_dir, 0, NULL);
	if (!dir)
		return 0;
	guint n = 0;
	const char *name;
	while ((name = g_dir_read_name(dir)))
		n += name[0] != '.';
	g_dir_close(dir);
	return n;
}

const ChDriverOps ch_maildir_driver = {
	.name = "maildir",
	.open = maildir_open,
	.sweep = maildir_sweep,
	.wait = maildir_wait,
	.waiting = maildir_waiting,
	.close = maildir_close,
};
