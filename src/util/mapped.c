/* mapped: see mapped.h. */
#include "util/mapped.h"

#include <errno.h>
#include <sys/mman.h>
#include <unistd.h>

#include "util/error.h"

/* Pages are given back in steps of this much: one madvise() per 512 KB read is nothing next
 * to reading it, and a pass never holds more than this of the file. */
#define RELEASE_STEP (512u << 10)

const guint8 *ch_mapped_open(int fd, gsize len, const char *path, GError **error)
{
	void *p = mmap(NULL, len, PROT_READ, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED) {
		g_set_error(error, CH_ERROR, CH_ERROR_TEMPORARY, "cannot read %s: %s", path,
		            g_strerror(errno));
		return NULL;
	}
	return p;
}

void ch_mapped_close(const guint8 *map, gsize len)
{
	if (map != NULL)
		munmap((void *)map, len);
}

void ch_mapped_release(ChMappedPass *p, gsize upto)
{
	if (upto >= p->released + RELEASE_STEP)
		ch_mapped_release_all(p, upto);
}

void ch_mapped_release_all(ChMappedPass *p, gsize upto)
{
	if (p->base == NULL || upto <= p->released)
		return;
	gsize page = (gsize)sysconf(_SC_PAGESIZE);
	gsize end = upto / page * page;
	if (end <= p->released)
		return;
	/* MADV_DONTNEED on a read-only shared file mapping only unmaps: the bytes stay the
	 * file's, and a later read faults them in again from the page cache. */
	(void)madvise((void *)(p->base + p->released), end - p->released, MADV_DONTNEED);
	p->released = end;
}
