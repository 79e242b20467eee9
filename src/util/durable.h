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
/* A file written piece by piece (a decoded attachment, whose name is its SHA-256 and so
 * known only at the end): ch_durable_temp() makes a temporary file in dir (a name starting
 * ".incoming-") and returns its descriptor and *tmp_r (g_free); the caller writes, then
 * ch_durable_finish() fsyncs it, closes it, renames it to path and fsyncs the folder, after
 * which it is as ch_durable_write() leaves a file. ch_durable_abandon() closes and removes it
 * instead. On failure the temporary file is gone. */
int ch_durable_temp(const char *dir, int mode, char **tmp_r, GError **error);
gboolean ch_durable_finish(int fd, const char *tmp, const char *path, GError **error);
void ch_durable_abandon(int fd, const char *tmp);
/* The same without the folder's fsync, for a caller that syncs the folder itself, once for
 * many files, before anything that names them is committed (intake's batches): the bytes
 * are on disk, the new name not until that fsync. */
gboolean ch_durable_write_unnamed(const char *path, const void *data, gsize len, int mode,
                                  GError **error);
gboolean ch_durable_finish_unnamed(int fd, const char *tmp, const char *path, GError **error);
/* Written and named with no sync at all, for a name nothing refers to yet (it must not be
 * there already: a file a committed row names is only ever replaced durably): the caller
 * makes it durable with ch_durable_sync_fs() before anything that names it is committed.
 * Until then a power cut may leave the name with none, part or all of the bytes. */
gboolean ch_durable_write_deferred(const char *path, const void *data, gsize len, int mode,
                                   GError **error);
gboolean ch_durable_finish_deferred(int fd, const char *tmp, const char *path, GError **error);
/* The rename of ch_durable_finish_deferred alone, for a file already closed: on failure the
 * temporary file is gone. */
gboolean ch_durable_rename(const char *tmp, const char *path, GError **error);
/* The same rename only when no file has the name (one call: renameat2 RENAME_NOREPLACE, or
 * a look first where the file system cannot): *renamed_r FALSE, and tmp left as it is, when
 * one has. FALSE with *error, tmp gone, when it could not be done. */
gboolean ch_durable_rename_new(const char *tmp, const char *path, gboolean *renamed_r,
                               GError **error);
/* The same bytes in a temporary file of dir (".incoming-"), closed, neither synced nor named:
 * its name (g_free) for the caller to rename into place as ch_durable_write_deferred() would
 * have, or to remove; NULL with *error when it could not be written (nothing is left). */
char *ch_durable_write_aside(const char *dir, const void *data, gsize len, int mode,
                             GError **error);
/* All of data to fd, a write() at a time until it is written (EINTR tried again): FALSE with
 * errno set (EIO for a write of nothing) when one fails. */
gboolean ch_write_all(int fd, const void *data, gsize len);
/* syncfs() of the file system holding dir: every file written and named on it so far is on
 * disk when it returns TRUE; one flush of the disk for any number of files. */
gboolean ch_durable_sync_fs(const char *dir, GError **error);
/* fsync of the file at path (its bytes, written through another descriptor) */
gboolean ch_durable_sync_file(const char *path, GError **error);
/* fsync a folder after a rename into or out of it */
gboolean ch_durable_sync_dir(const char *dir, GError **error);
