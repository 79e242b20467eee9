#define _GNU_SOURCE /* syncfs, renameat2 */
#include "util/durable.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>
#include <glib/gstdio.h>

#include "util/error.h"

typedef enum { SYNC_FILE, SYNC_FOLDER, SYNC_FILE_SYSTEM } SyncWhat;

/* fsync of a file or a folder, or syncfs of a folder's file system: every dirty page, inode
 * and folder of it written, then the disk's cache flushed, once; write-back errors are
 * reported (Linux 5.8). */
static gboolean sync_path(const char *path, SyncWhat what, GError **error)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | (what == SYNC_FILE ? 0 : O_DIRECTORY));
	if (fd < 0 || (what == SYNC_FILE_SYSTEM ? syncfs(fd) : fsync(fd)) < 0) {
		int e = errno;
		if (fd >= 0)
			close(fd);
		static const char *const words[] = { "", "folder ", "the file system of " };
		g_set_error(error, CH_ERROR, CH_ERROR_TEMPORARY, "cannot sync %s%s: %s", words[what],
		            path, g_strerror(e));
		return FALSE;
	}
	close(fd);
	return TRUE;
}

gboolean ch_durable_sync_file(const char *path, GError **error)
{
	return sync_path(path, SYNC_FILE, error);
}

gboolean ch_durable_sync_dir(const char *dir, GError **error)
{
	return sync_path(dir, SYNC_FOLDER, error);
}

gboolean ch_durable_sync_fs(const char *dir, GError **error)
{
	return sync_path(dir, SYNC_FILE_SYSTEM, error);
}

gboolean ch_durable_write(const char *path, const void *data, gsize len, int mode,
                          GError **error)
{
	GError *local = NULL;
	/* CONSISTENT | DURABLE: GLib writes a temporary file beside the target, fsyncs it (the
	 * bytes), renames it over the target, and fsyncs the folder (the new name: without it a
	 * power cut may take the rename back). The folder's fsync is GLib's own, since 2.66 with
	 * DURABLE; strace of Debian 12's 2.74 shows open(folder), fsync, close after the rename.
	 * A second fsync of the folder here only cost time (a third of intake's fsyncs). What
	 * that gives up: GLib ignores an error from the folder's fsync, which ours reported; the
	 * file's own fsync, whose error GLib does report, has already succeeded by then. */
	if (!g_file_set_contents_full(path, data, len,
	                              G_FILE_SET_CONTENTS_CONSISTENT | G_FILE_SET_CONTENTS_DURABLE,
	                              mode, &local)) {
		g_set_error(error, CH_ERROR, CH_ERROR_TEMPORARY, "cannot write %s: %s", path,
		            local->message);
		g_error_free(local);
		return FALSE;
	}
	return TRUE;
}

gboolean ch_durable_mkdir(const char *path, int mode, GError **error)
{
	if (g_file_test(path, G_FILE_TEST_IS_DIR))
		return TRUE;
	g_autofree char *parent = g_path_get_dirname(path);
	if (strcmp(parent, path) && !ch_durable_mkdir(parent, mode, error))
		return FALSE;
	if (g_mkdir(path, mode) < 0) {
		int e = errno;
		if (e != EEXIST || !g_file_test(path, G_FILE_TEST_IS_DIR)) {
			g_set_error(error, CH_ERROR, CH_ERROR_CONFIG, "cannot make folder %s: %s", path,
			            g_strerror(e));
			return FALSE;
		}
	}
	/* A new folder is a new name in its parent, and a power cut takes it back, with all that
	 * was since renamed into it, unless the parent is synced (the Maildir's quarantine is
	 * made on first use, for the message being moved there). */
	return ch_durable_sync_dir(parent, error);
}

int ch_durable_temp(const char *dir, int mode, char **tmp_r, GError **error)
{
	char *tmp = g_build_filename(dir, ".incoming-XXXXXX", NULL);
	int fd = g_mkstemp_full(tmp, O_RDWR | O_CLOEXEC, mode);
	if (fd < 0) {
		g_set_error(error, CH_ERROR, CH_ERROR_TEMPORARY, "cannot make a file in %s: %s", dir,
		            g_strerror(errno));
		g_free(tmp);
		return -1;
	}
	*tmp_r = tmp;
	return fd;
}

gboolean ch_durable_finish_unnamed(int fd, const char *tmp, const char *path, GError **error)
{
	/* The bytes first (fsync of the file), then the name (rename; the folder's fsync is
	 * ch_durable_finish's, or the caller's). */
	if (fsync(fd) < 0) {
		int e = errno;
		close(fd);
		g_unlink(tmp);
		g_set_error(error, CH_ERROR, CH_ERROR_TEMPORARY, "cannot write %s: %s", path,
		            g_strerror(e));
		return FALSE;
	}
	return ch_durable_finish_deferred(fd, tmp, path, error);
}

gboolean ch_durable_finish(int fd, const char *tmp, const char *path, GError **error)
{
	/* The same four steps as ch_durable_write, for a file written piece by piece. */
	if (!ch_durable_finish_unnamed(fd, tmp, path, error))
		return FALSE;
	g_autofree char *dir = g_path_get_dirname(path);
	return ch_durable_sync_dir(dir, error);
}

gboolean ch_durable_finish_deferred(int fd, const char *tmp, const char *path, GError **error)
{
	close(fd);
	return ch_durable_rename(tmp, path, error);
}

gboolean ch_durable_rename(const char *tmp, const char *path, GError **error)
{
	if (g_rename(tmp, path) < 0) {
		int e = errno;
		g_unlink(tmp);
		g_set_error(error, CH_ERROR, CH_ERROR_TEMPORARY, "cannot write %s: %s", path,
		            g_strerror(e));
		return FALSE;
	}
	return TRUE;
}

gboolean ch_durable_rename_new(const char *tmp, const char *path, gboolean *renamed_r,
                               GError **error)
{
	*renamed_r = FALSE;
	if (renameat2(AT_FDCWD, tmp, AT_FDCWD, path, RENAME_NOREPLACE) == 0) {
		*renamed_r = TRUE;
		return TRUE;
	}
	if (errno == EEXIST)
		return TRUE;
	if (errno != EINVAL && errno != ENOSYS) {
		int e = errno;
		g_unlink(tmp);
		g_set_error(error, CH_ERROR, CH_ERROR_TEMPORARY, "cannot write %s: %s", path,
		            g_strerror(e));
		return FALSE;
	}
	/* No RENAME_NOREPLACE here: the one process that writes these names looks first. */
	if (g_file_test(path, G_FILE_TEST_EXISTS))
		return TRUE;
	*renamed_r = ch_durable_rename(tmp, path, error);
	return *renamed_r;
}

gboolean ch_write_all(int fd, const void *data, gsize len)
{
	for (gsize at = 0; at < len;) {
		ssize_t n = write(fd, (const char *)data + at, len - at);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			if (n == 0)
				errno = EIO;
			return FALSE;
		}
		at += (gsize)n;
	}
	return TRUE;
}

/* All of data to fd; on failure the temporary file is gone and *error names path. */
static gboolean write_all(int fd, const char *tmp, const char *path, const void *data,
                          gsize len, GError **error)
{
	if (ch_write_all(fd, data, len))
		return TRUE;
	int e = errno;
	ch_durable_abandon(fd, tmp);
	g_set_error(error, CH_ERROR, CH_ERROR_TEMPORARY, "cannot write %s: %s", path,
	            g_strerror(e));
	return FALSE;
}

static gboolean write_temp(const char *path, const void *data, gsize len, int mode,
                           gboolean sync, GError **error)
{
	g_autofree char *dir = g_path_get_dirname(path);
	g_autofree char *tmp = NULL;
	int fd = ch_durable_temp(dir, mode, &tmp, error);
	if (fd < 0 || !write_all(fd, tmp, path, data, len, error))
		return FALSE;
	return sync ? ch_durable_finish_unnamed(fd, tmp, path, error)
	            : ch_durable_finish_deferred(fd, tmp, path, error);
}

char *ch_durable_write_aside(const char *dir, const void *data, gsize len, int mode,
                             GError **error)
{
	char *tmp = NULL;
	int fd = ch_durable_temp(dir, mode, &tmp, error);
	if (fd < 0)
		return NULL;
	if (!write_all(fd, tmp, tmp, data, len, error)) {
		g_free(tmp);
		return NULL;
	}
	close(fd);
	return tmp;
}

gboolean ch_durable_write_unnamed(const char *path, const void *data, gsize len, int mode,
                                  GError **error)
{
	return write_temp(path, data, len, mode, TRUE, error);
}

gboolean ch_durable_write_deferred(const char *path, const void *data, gsize len, int mode,
                                   GError **error)
{
	return write_temp(path, data, len, mode, FALSE, error);
}

void ch_durable_abandon(int fd, const char *tmp)
{
	if (fd >= 0)
		close(fd);
	if (tmp)
		g_unlink(tmp);
}
