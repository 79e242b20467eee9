#include "util/term.h"

#include <stdarg.h>
#include <string.h>

static gboolean unsafe(gunichar c)
{
	return (c < 0x20 && c != '\t' && c != '\n') || c == 0x7f || (c >= 0x80 && c < 0xa0) ||
	       (c >= 0x202a && c <= 0x202e) || (c >= 0x2066 && c <= 0x2069);
}

char *ch_term_clean(const char *text, gssize len)
{
	if (!text)
		return g_strdup("");
	gsize n = len < 0 ? strlen(text) : (gsize)len;
	/* Invalid bytes become U+FFFD first; a NUL inside len would end the string early, so
	 * it is made a control character to be replaced like any other. */
	GString *s = g_string_sized_new(n + 16);
	const char *p = text, *end = text + n;
	while (p < end) {
		const char *bad = NULL;
		gsize rest = (gsize)(end - p);
		if (g_utf8_validate_len(p, rest, &bad)) {
			bad = end;
		}
		for (const char *q = p; q < bad; q = g_utf8_next_char(q)) {
			gunichar c = g_utf8_get_char(q);
			if (c == '\r' && q + 1 < end && q[1] == '\n')
				g_string_append_c(s, '\r');
			else if (c == 0 || unsafe(c))
				g_string_append(s, "\xef\xbf\xbd");
			else
				g_string_append_len(s, q, g_utf8_next_char(q) - q);
		}
		if (bad < end) {
			g_string_append(s, "\xef\xbf\xbd");
			bad++;
		}
		p = bad;
	}
	return g_string_free(s, FALSE);
}

int ch_term_printf(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	g_autofree char *raw = g_strdup_vprintf(fmt, ap);
	va_end(ap);
	g_autofree char *clean = ch_term_clean(raw, -1);
	return fputs(clean, stdout);
}

gboolean ch_term_write(FILE *f, const char *text, gsize len)
{
	g_autofree char *clean = ch_term_clean(text, (gssize)len);
	return fputs(clean, f) >= 0;
}
