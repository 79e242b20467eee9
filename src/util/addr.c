#include "util/addr.h"

#include <string.h>

gboolean ch_addr_valid(const char *a)
{
	if (!a || strlen(a) > 254)
		return FALSE;
	const char *at = strrchr(a, '@');
	if (!at || at == a || !at[1] || strchr(a, '@') != at || at - a > 64)
		return FALSE;
	for (const char *p = a; *p; p++)
		if ((unsigned char)*p <= ' ' || strchr("<>(),;:\"[]\\", *p) || (unsigned char)*p >= 0x7f)
			return FALSE;
	const char *dot = strchr(at + 1, '.');
	return dot && dot[1] && at[1] != '.' && a[strlen(a) - 1] != '.';
}

char *ch_addr_normalise(const char *addr)
{
	return g_ascii_strdown(addr, -1);
}
