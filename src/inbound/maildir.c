#include "inbound/maildir.h"

#include <errno.h>
#include <stdio.h>
#include <fcntl.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "app/service.h"
#include "inbound/driver.h"
#include "inbound/intake.h"
#include "util/durable.h"
#include "util/crashpoint.h"
#include "util/error.h"

/* Renamed into dir (made, synced into its parent, on first use); the folders' own syncs
 * come after the whole batch's renames (move_pending). */
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
	return TRUE;
}

static gint by_name(gconstpointer a, gconstpointer b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* A message intake has answered for, moved once its batch is committed. */
typedef struct {
	char *name;
	gboolean quarantine;
} Pending;

static void pending_clear(gpointer p)
{
	g_free(((Pending *)p)->name);
}

typedef struct {
	ChApp *app;
	char *root;
	char *new_dir;
	char *cur_dir;
	char *q_dir;
	GArray *pending;    /* Pending, in the order read */
	gint64 batch_since; /* monotonic time of the batch's first message, 0 when none */
} Maildir;

static gpointer maildir_open(ChApp *app, GError **error)
{
	Maildir *md = g_new0(Maildir, 1);
	md->app = app;
	md->root = g_strdup(app->cfg->maildir);
	md->new_dir = g_build_filename(md->root, "new", NULL);
	md->cur_dir = g_build_filename(md->root, "cur", NULL);
	md->q_dir = g_build_filename(md->root, ".Quarantine", "cur", NULL);
	md->pending = g_array_new(FALSE, FALSE, sizeof(Pending));
	g_array_set_clear_func(md->pending, pending_clear);
	return md;
}

static void maildir_close(gpointer self)
{
	Maildir *md = self;
	g_free(md->root), g_free(md->new_dir), g_free(md->cur_dir), g_free(md->q_dir);
	g_array_free(md->pending, TRUE);
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
	if (r == CH_INTAKE_DONE || r == CH_INTAKE_QUARANTINE) {
		Pending p = { g_strdup(name), r == CH_INTAKE_QUARANTINE };
		g_array_append_val(md->pending, p);
	}
	return TRUE;
}

/* The batch committed (ch_intake_batch_end), then its messages moved, then each folder that
 * changed synced once: the target's so that a message is not lost with its rename, new/'s
 * so that it does not come back there as well (a power cut would leave it in two places;
 * the fingerprint would keep it from being handled twice, but a person would see it twice).
 * A batch that cannot be committed moves nothing: its messages are read again as new. */
static gboolean move_pending(Maildir *md, GError **error)
{
	md->batch_since = 0;
	gboolean ok = ch_intake_batch_commit(md->app, error);
	gboolean to_cur = FALSE, to_q = FALSE;
	for (guint i = 0; ok && i < md->pending->len; i++) {
		const Pending *p = &g_array_index(md->pending, Pending, i);
		g_autofree char *path = g_build_filename(md->new_dir, p->name, NULL);
		ok = move_to(path, p->quarantine ? md->q_dir : md->cur_dir, p->name,
		             p->quarantine ? ":2," : ":2,S", error);
		to_q |= ok && p->quarantine;
		to_cur |= ok && !p->quarantine;
		if (ok && !p->quarantine)
			ch_crashpoint("maildir.after-move");
	}
	g_array_set_size(md->pending, 0);
	GError *e = NULL;
	if ((to_cur && !ch_durable_sync_dir(md->cur_dir, &e)) ||
	    (to_q && !ch_durable_sync_dir(md->q_dir, &e)) ||
	    ((to_cur || to_q) && !ch_durable_sync_dir(md->new_dir, &e))) {
		if (ok)
			g_propagate_error(error, e);
		else
			g_error_free(e);
		ok = FALSE;
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
	ch_intake_batch_begin(md->app);
	for (guint i = 0; ok && i < names->len && !g_atomic_int_get(&md->app->stop); i++) {
		if (md->batch_since == 0)
			md->batch_since = g_get_monotonic_time();
		ok = sweep_one(md, names->pdata[i], counts, &stop, error);
		if (ok && ch_driver_batch_full(md->pending->len, md->batch_since))
			ok = move_pending(md, error);
	}
	/* What is pending is committed and moved however the sweep ended (a stop, broken
	 * configuration, a move that failed); a second failure is only logged. */
	GError *e = NULL;
	if (!move_pending(md, ok ? error : &e)) {
		if (ok)
			ok = FALSE;
		else {
			g_warning("maildir: handled mail left in new/ for the next sweep: %s", e->message);
			g_error_free(e);
		}
	}
	ok = ch_driver_batch_end(md->app, ok, error);
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
