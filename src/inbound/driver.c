/* driver: the inbound contract's one entry point, and what every driver shares. See driver.h.
 */
#include "inbound/driver.h"

#include <fcntl.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "app/service.h"
#include "util/error.h"

struct ChDriver {
	const ChDriverOps *ops;
	gpointer self;
};

static const ChDriverOps *const drivers[] = { &ch_maildir_driver, &ch_imap_driver };

ChDriver *ch_driver_open(ChApp *app, GError **error)
{
	const ChDriverOps *ops = NULL;
	for (guint i = 0; i < G_N_ELEMENTS(drivers); i++)
		if (!g_strcmp0(app->cfg->inbound, drivers[i]->name))
			ops = drivers[i];
	if (!ops) {
		/* The config refuses an unknown type at start; this is a second line of defence. */
		g_set_error(error, CH_ERROR, CH_ERROR_CONFIG, "inbound type '%s' is not known",
		            app->cfg->inbound ? app->cfg->inbound : "");
		return NULL;
	}
	gpointer self = ops->open(app, error);
	if (!self)
		return NULL;
	ChDriver *d = g_new0(ChDriver, 1);
	d->ops = ops;
	d->self = self;
	return d;
}

ChDriverResult ch_driver_sweep(ChDriver *d, ChSweepCounts *counts, GError **error)
{
	memset(counts, 0, sizeof *counts);
	return d->ops->sweep(d->self, counts, error);
}

gboolean ch_driver_wait(ChDriver *d, guint seconds, GError **error)
{
	return d->ops->wait(d->self, seconds, error);
}

guint ch_driver_waiting(ChDriver *d)
{
	return d->ops->waiting(d->self);
}

const char *ch_driver_name(const ChDriver *d)
{
	return d->ops->name;
}

void ch_driver_close(ChDriver *d)
{
	if (!d)
		return;
	d->ops->close(d->self);
	g_free(d);
}

int ch_driver_lock(const char *path, const char *what, GError **error)
{
	int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0 || flock(fd, LOCK_EX | LOCK_NB) < 0) {
		g_set_error(error, CH_ERROR, CH_ERROR_TEMPORARY, "another chaser is reading %s (lock %s)",
		            what, path);
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return fd;
}

void ch_driver_sleep(ChApp *app, guint seconds)
{
	for (guint i = 0; i < seconds * 4 && !g_atomic_int_get(&app->stop) &&
	                  !g_atomic_int_get(&app->wake);
	     i++) {
		ch_service_alive();
		g_usleep(250 * 1000);
	}
	ch_service_alive();
}

void ch_driver_count(ChSweepCounts *counts, ChIntakeResult r)
{
	counts->seen++;
	counts->handled += r == CH_INTAKE_DONE;
	counts->quarantined += r == CH_INTAKE_QUARANTINE;
	counts->retry += r == CH_INTAKE_RETRY;
}

gboolean ch_driver_batch_full(guint n, gint64 since)
{
	return n >= CH_DRIVER_BATCH || g_get_monotonic_time() - since >= CH_DRIVER_BATCH_MS * 1000;
}

gboolean ch_driver_batch_end(ChApp *app, gboolean ok, GError **error)
{
	GError *e = NULL;
	gboolean ended = ch_intake_batch_end(app, &e);
	ch_intake_sweep_end();
	if (ended)
		return ok;
	if (ok)
		g_propagate_error(error, e);
	else
		g_error_free(e);
	return FALSE;
}
