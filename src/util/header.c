#include "util/header.h"

#include <gmime/gmime.h>
#include <string.h>

#include "util/addr.h"

static gboolean is_atext(char c)
{
	return g_ascii_isalnum(c) || (c && strchr("!#$%&'*+-/=?^_`{|}~", c));
}

/* dot-atom-text: atext runs joined by single dots, none at either end. */
static gboolean dot_atom(const char *s, gsize len)
{
	if (len == 0 || s[0] == '.' || s[len - 1] == '.')
		return FALSE;
	for (gsize i = 0; i < len; i++)
		if (s[i] == '.' ? s[i + 1] == '.' : !is_atext(s[i]))
			return FALSE;
	return TRUE;
}

/* "[...]" holding printable ASCII other than [ ] \ */
static gboolean domain_literal(const char *s, gsize len)
{
	if (len < 3 || s[0] != '[' || s[len - 1] != ']')
		return FALSE;
	for (gsize i = 1; i + 1 < len; i++)
		if (s[i] <= ' ' || s[i] >= 0x7f || strchr("[]\\", s[i]))
			return FALSE;
	return TRUE;
}

static gboolean msgid_shape(const char *id)
{
	gsize len = strlen(id);
	if (len == 0 || len > CH_HEADER_MSGID_MAX || strstr(id, "=?"))
		return FALSE;
	const char *at = strchr(id, '@');
	if (!at || strchr(at + 1, '@'))
		return FALSE;
	gsize left = (gsize)(at - id), right = len - left - 1;
	return dot_atom(id, left) && (dot_atom(at + 1, right) || domain_literal(at + 1, right));
}

char *ch_header_msgid(const char *id)
{
	/* The shape first, on what we were given: GMime's parser is lenient (it keeps spaces,
	 * skips junk between ids), so it must never be the only judge. */
	if (!id || !msgid_shape(id))
		return NULL;
	g_autofree char *bracketed = g_strdup_printf("<%s>", id);
	GMimeReferences *refs = g_mime_references_parse(NULL, bracketed);
	char *out = NULL;
	if (refs && g_mime_references_length(refs) == 1) {
		const char *parsed = g_mime_references_get_message_id(refs, 0);
		if (parsed && !strcmp(parsed, id) && msgid_shape(parsed))
			out = g_strdup(parsed);
	}
	if (refs)
		g_mime_references_free(refs);
	return out;
}

static gboolean is_control(gunichar c)
{
	return c < 0x20 || (c >= 0x7f && c < 0xa0) || c == 0x2028 || c == 0x2029;
}

static char *clean(const char *text, glong max_chars)
{
	if (!text)
		return NULL;
	g_autofree char *valid = g_utf8_make_valid(text, -1);
	GString *s = g_string_new(NULL);
	glong n = 0;
	gboolean space = TRUE; /* drops leading spaces */
	for (const char *p = valid; *p && (max_chars < 0 || n < max_chars); p = g_utf8_next_char(p)) {
		gunichar c = g_utf8_get_char(p);
		if (is_control(c) || g_unichar_isspace(c)) {
			if (!space)
				g_string_append_c(s, ' '), n++;
			space = TRUE;
			continue;
		}
		g_string_append_unichar(s, c);
		n++;
		space = FALSE;
	}
	while (s->len && s->str[s->len - 1] == ' ')
		g_string_truncate(s, s->len - 1);
	if (!s->len) {
		g_string_free(s, TRUE);
		return NULL;
	}
	return g_string_free(s, FALSE);
}

char *ch_header_name(const char *name)
{
	return clean(name, CH_HEADER_NAME_MAX);
}

char *ch_header_text(const char *text)
{
	return clean(text, -1);
}

char *ch_header_addr(const char *addr)
{
	if (!addr || !ch_addr_valid(addr))
		return NULL;
	return g_strdup(addr);
}
