#include "inbound/maildir.h"

#include <errno.h>
#include <stdio.h>
#include <fcntl.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

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
	g_autofree char *from_dir = g_path_get_dirname(from);
	return ch_durable_sync_dir(dir, error) && ch_durable_sync_dir(from_dir, error);
}

static gint by_name(gconstpointer a, gconstpointer b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int lock_maildir(const char *maildir, GError **error)
{
	g_autofree char *path = g_build_filename(maildir, ".chaser.lock", NULL);
	int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0 || flock(fd, LOCK_EX | LOCK_NB) < 0) {
		g_set_error(error, CH_ERROR, CH_ERROR_TEMPORARY,
		            "another chaser is reading %s (lock %s)", maildir, path);
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return fd;
}

gboolean ch_maildir_poll(ChApp *app, ChPollCounts *counts, GError **error)
{
	const char *md = app->cfg->maildir;
	g_autofree char *new_dir = g_build_filename(md, "new", NULL);
	g_autofree char *cur_dir = g_build_filename(md, "cur", NULL);
	g_autofree char *q_dir = g_build_filename(md, ".Quarantine", "cur", NULL);
	int lock = lock_maildir(md, error);
	if (lock < 0)
		return FALSE;
	GError *local = NULL;
	GDir *dir = g_dir_open(new_dir, 0, &local);
	if (!dir) {
		g_set_error(error, CH_ERROR, CH_ERROR_CONFIG, "Maildir %s: %s", md, local->message);
		g_error_free(local);
		close(lock);
		return FALSE;
	}
	g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func(g_free);
	const char *n;
	while ((n = g_dir_read_name(dir)))
		if (n[0] != '.')
			g_ptr_array_add(names, g_strdup(n));
	g_dir_close(dir);
	g_ptr_array_sort(names, by_name);
	gboolean ok = TRUE;
	for (guint i = 0; i < names->len && ok && !g_atomic_int_get(&app->stop); i++) {
		const char *name = names->pdata[i];
		g_autofree char *path = g_build_filename(new_dir, name, NULL);
		g_autofree char *where = g_strdup_printf("maildir:%s", name);
		struct stat st;
		if (stat(path, &st) < 0 || !S_ISREG(st.st_mode))
			continue;
		counts->seen++;
		ChIntakeResult r;
		GError *e = NULL;
		if ((gsize)st.st_size > app->cfg->max_message_size) {
			/* Too large to take in, but its start is read for immediate-safety words. */
			char head[65536];
			gssize got = -1;
			int fd = open(path, O_RDONLY | O_CLOEXEC);
			if (fd >= 0) {
				got = read(fd, head, sizeof head);
				close(fd);
			}
			r = ch_intake_oversized(app, where, st.st_size, got > 0 ? head : NULL,
			                        got > 0 ? (gsize)got : 0, &e);
		} else {
			g_autofree char *data = NULL;
			gsize len = 0;
			if (!g_file_get_contents(path, &data, &len, &e)) {
				g_warning("maildir %s: cannot read: %s", name, e->message);
				g_clear_error(&e);
				counts->retry++;
				continue;
			}
			r = ch_intake_message(app, where, (const guint8 *)data, len, &e);
		}
		if (e) {
			g_warning("maildir %s: %s", name, e->message);
			g_clear_error(&e);
		}
		switch (r) {
		case CH_INTAKE_DONE:
			ok = move_to(path, cur_dir, name, ":2,S", error);
			ch_crashpoint("maildir.after-move");
			counts->handled++;
			break;
		case CH_INTAKE_QUARANTINE:
			ok = move_to(path, q_dir, name, ":2,", error);
			counts->quarantined++;
			break;
		case CH_INTAKE_RETRY:
			counts->retry++;
			break;
		}
	}
	close(lock);
	return ok;
}
