/* addr: the small checks chaser makes on email addresses typed by admin staff. Not a full
 * RFC 5322 parser (GMime is that, for mail); this refuses what is plainly not an address. */
#pragma once
#include <glib.h>

gboolean ch_addr_valid(const char *addr);
/* Lower-cased copy (addresses are compared without case throughout). */
char *ch_addr_normalise(const char *addr);
