/* mapped: a file read through a read-only mapping, the pages already read given back as the
 * reader goes.
 *
 * A large message fetched in pieces sits in a spool file, not in memory; the checks that read
 * a message as bytes (fingerprint, line and part counts) read it through a mapping of that
 * file. Every page such a pass touches counts in the process's resident memory until it is
 * unmapped, so a pass over 35 MB would cost 35 MB all the same. ch_mapped_release() drops the
 * pages below a point from this process (they stay in the page cache, and reading them again
 * maps them again): a pass that calls it as it goes holds only 512 KB of the file. It must
 * only be given a mapping made by ch_mapped_open(): on ordinary memory it would zero it.
 *
 * The caller owns the mapping and closes it with ch_mapped_close(). Errors: CH_ERROR_TEMPORARY
 * (the file cannot be read), with the path in the message.
 */
#pragma once
#include <glib.h>

/* A read-only mapping of the first len bytes of fd (len > 0). */
const guint8 *ch_mapped_open(int fd, gsize len, const char *path, GError **error);
void ch_mapped_close(const guint8 *map, gsize len);

/* How far a pass over a mapping has given its pages back. */
typedef struct {
	const guint8 *base; /* NULL: not a mapping, nothing is ever released */
	gsize released;
} ChMappedPass;

/* Releases the pages of base below `upto` once the pass is 512 KB past the last release. */
void ch_mapped_release(ChMappedPass *p, gsize upto);
/* Releases them below `upto` now, at the end of a pass (or of what it reads). */
void ch_mapped_release_all(ChMappedPass *p, gsize upto);
