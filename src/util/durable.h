/* durable: the one way chaser puts a file on disk so that it survives a crash.
 *
 * Write to a temporary file beside the target, fsync it, rename it over the target, then
 * fsync the folder so the rename itself is on disk (GLib's g_file_set_contents_full with
 * DURABLE does all four; durable.c says how that was checked). After ch_durable_write()
 * returns TRUE the file is there with exactly these bytes, even if the power fails the next
 * instant; before it returns, the old file (if any) is untouched. Errors are
 * CH_ERROR_TEMPORARY (disk full, I/O) with the path in the message.
 */
#pragma once
#include <glib.h>

gboolean ch_durable_write(const char *path, const void *data, gsize len, int mode,
                          GError **error);
/* Makes a folder (and its parents) with this mode, each synced into its parent so that it
 * survives a power cut; fine if it exists. */
gboolean ch_durable_mkdir(const char *path, int mode, GError **error);
/* fsync a folder after a rename into or out of it */
gboolean ch_durable_sync_dir(const char *dir, GError **error);
