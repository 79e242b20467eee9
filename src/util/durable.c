#include "util/durable.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "util/error.h"

gboolean ch_durable_sync_dir(const char *dir, GError **error)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0 || fsync(fd) < 0) {
		int e = errno;
		if (fd >= 0)
			close(fd);
		g_set_error(error, CH_ERROR, CH_ERROR_TEMPORARY, "cannot sync folder %s: %s", dir,
		            g_strerror(e));
		return FALSE;
	}
	close(fd);
	return TRUE;
}

gboolean ch_durable_write(const char *path, const void *data, gsize len, int mode,
                          GError **error)
{
	GError *local = NULL;
	/* GLib's DURABLE flag writes a temp file, fsyncs it and renames it; the folder's own
	 * fsync, which makes the rename survive a power cut, is ours. */
	if (!g_file_set_contents_full(path, data, len,
	                              G_FILE_SET_CONTENTS_CONSISTENT | G_FILE_SET_CONTENTS_DURABLE,
	                              mode, &local)) {
		g_set_error(error, CH_ERROR, CH_ERROR_TEMPORARY, "cannot write %s: %s", path,
		            local->message);
		g_error_free(local);
		return FALSE;
	}
	g_autofree char *dir = g_path_get_dirname(path);
	return ch_durable_sync_dir(dir, error);
}

gboolean ch_durable_mkdir(const char *path, int mode, GError **error)
{
	if (g_mkdir_with_parents(path, mode) < 0) {
		g_set_error(error, CH_ERROR, CH_ERROR_CONFIG, "cannot make folder %s: %s", path,
		            g_strerror(errno));
		return FALSE;
	}
	return TRUE;
}
