/* text: whatever bytes a part holds -> text the rest of chaser can trust (valid UTF-8).
 *
 * We convert charsets ourselves rather than through g_mime_text_part_get_text(): GMime hands
 * back the raw bytes when a part declares no charset, and silently drops bytes that are
 * invalid in a declared one. Mail in a council inbox is mostly UTF-8 or windows-1252 (Outlook),
 * so windows-1252 is the fallback guess before a byte-level repair.
 */
#include <string.h>

#include "message/message-private.h"

static gboolean charset_is_utf8(const char *charset)
{
	return charset && (g_ascii_strcasecmp(charset, "utf-8") == 0 ||
	                   g_ascii_strcasecmp(charset, "utf8") == 0);
}

/* NUL bytes end C strings early and upset every later consumer (SQLite, logs, regexes). */
static void strip_nuls(GString *s)
{
	gsize w = 0;
	for (gsize r = 0; r < s->len; r++)
		if (s->str[r] != '\0')
			s->str[w++] = s->str[r];
	g_string_truncate(s, w);
}

/* CRLF and lone CR become LF, so the line-based code downstream sees one kind of line end. */
static void normalise_newlines(GString *s)
{
	gsize w = 0;
	for (gsize r = 0; r < s->len; r++) {
		char c = s->str[r];
		if (c == '\r') {
			if (r + 1 < s->len && s->str[r + 1] == '\n')
				continue;
			c = '\n';
		}
		s->str[w++] = c;
	}
	g_string_truncate(s, w);
}

/* Converts with iconv; NULL when the charset is unknown or the bytes are invalid in it. */
static char *convert_strict(const char *data, gsize len, const char *charset)
{
	const char *iconv_name = g_mime_charset_iconv_name(charset);
	gsize written = 0;
	char *out = g_convert(data, (gssize)len, "UTF-8", iconv_name ? iconv_name : charset, NULL,
	                      &written, NULL);
	if (out && !g_utf8_validate(out, (gssize)written, NULL)) {
		g_free(out);
		return NULL;
	}
	if (out && memchr(out, '\0', written)) {
		/* A NUL inside the converted text: keep what follows it too. */
		GString *s = g_string_new_len(out, (gssize)written);
		g_free(out);
		strip_nuls(s);
		return g_string_free(s, FALSE);
	}
	return out;
}

/* Like g_string_new_take(), which only arrived in GLib 2.78. */
static GString *string_take(char *str)
{
	GString *s = g_string_new(str);
	g_free(str);
	return s;
}

static char *finish(GString *s)
{
	normalise_newlines(s);
	return g_string_free(s, FALSE);
}

char *ch_text_from_bytes(const guint8 *data, gsize len, const char *charset)
{
	if (!data || len == 0)
		return g_strdup("");

	/* A declared charset other than UTF-8 is believed first; if it is unknown or the bytes
	 * are not valid in it (us-ascii declared over 8-bit text is common), we fall through to
	 * the guesses below. */
	if (charset && *charset && !charset_is_utf8(charset)) {
		char *conv = convert_strict((const char *)data, len, charset);
		if (conv)
			return finish(string_take(conv));
	}

	GString *s = g_string_new_len((const char *)data, (gssize)len);
	strip_nuls(s);
	if (g_utf8_validate(s->str, (gssize)s->len, NULL))
		return finish(s);

	/* Declared UTF-8 with a few bad bytes: repair those bytes only, rather than reading the
	 * whole part as windows-1252 and turning every correct accent into mojibake. */
	if (!charset_is_utf8(charset)) {
		char *conv = convert_strict(s->str, s->len, "WINDOWS-1252");
		if (conv) {
			g_string_free(s, TRUE);
			return finish(string_take(conv));
		}
	}
	char *fixed = g_utf8_make_valid(s->str, (gssize)s->len);
	g_string_free(s, TRUE);
	return finish(string_take(fixed));
}

char *ch_text_dup_valid(const char *str)
{
	if (!str)
		return NULL;
	if (g_utf8_validate(str, -1, NULL))
		return g_strdup(str);
	char *conv = convert_strict(str, strlen(str), "WINDOWS-1252");
	return conv ? conv : g_utf8_make_valid(str, -1);
}

/* How many '>' open this line (RFC 3676 section 4.5), and where its content starts after
 * the quote marks and one space of stuffing. */
static guint flowed_depth(const char *line, const char **content)
{
	guint depth = 0;
	while (line[depth] == '>')
		depth++;
	const char *c = line + depth;
	if (*c == ' ')
		c++;
	*content = c;
	return depth;
}

char *ch_text_unflow(const char *text, gboolean delsp)
{
	if (!text)
		return g_strdup("");
	char **lines = g_strsplit(text, "\n", -1);
	GString *out = g_string_sized_new(strlen(text));
	gboolean joining = FALSE;
	guint join_depth = 0;

	for (char **l = lines; *l; l++) {
		const char *content;
		guint depth = flowed_depth(*l, &content);
		gsize clen = strlen(content);
		/* A soft break only joins lines of the same quote depth; anything else is a new
		 * line even if the previous one ended with a space. */
		if (joining && depth != join_depth)
			g_string_append_c(out, '\n');
		if (!joining || depth != join_depth) {
			for (guint i = 0; i < depth; i++)
				g_string_append_c(out, '>');
			if (depth > 0)
				g_string_append_c(out, ' ');
		}
		/* "-- " is the signature separator, never a soft break. */
		gboolean is_sig = strcmp(content, "-- ") == 0;
		gboolean soft = clen > 0 && content[clen - 1] == ' ' && !is_sig;
		g_string_append_len(out, content, (gssize)(soft && delsp ? clen - 1 : clen));
		joining = soft;
		join_depth = depth;
		if (!soft && l[1])
			g_string_append_c(out, '\n');
	}
	g_strfreev(lines);
	return g_string_free(out, FALSE);
}
