/* reply: keep what a person just wrote, drop what their mail client quoted.
 *
 * One pass over the lines, top to bottom. A line either belongs to the reply, is quoted
 * (">") and dropped, or starts the quoted original / a signature, where the reply ends.
 * Quote headers come in two kinds, and the difference matters for inline replies:
 *
 *   - headers after which everything is the original, unmarked ("-----Original Message-----",
 *     Outlook's "From: / Sent: / To:" block): the reply ends there;
 *   - attributions ("On <date>, <name> wrote:"): if ">" lines follow, the person may be
 *     answering between the quotes, so only the attribution line is dropped and reading goes
 *     on; if unquoted text follows, it is a top-posted reply and the reply ends there.
 *
 * Every recogniser is deliberately narrow (a date or address in an attribution, a "Sent:" and
 * a "To:" near a "From:"), because a false cut loses a chair's command, while a missed quote
 * header only leaves extra text that the command reader ignores or reads back to the sender.
 */
#include <string.h>

#include "message/message-private.h"
#include "message/reply.h"

/* How far below a "From:" line the rest of an Outlook header block may appear. */
#define HEADER_BLOCK_LINES 6
/* How many physical lines one attribution may be wrapped over (Gmail: 2, some clients: 3). */
#define ATTRIBUTION_LINES 3
/* Longer than this is prose, not an attribution. */
#define ATTRIBUTION_MAX 400
/* A trailing "_____" rule with at most this many lines under it is a mailing-list footer. */
#define FOOTER_LINES 4

/* ---- small line predicates ---- */

/* Spaces, tabs and U+00A0 (HTML conversions and French typography leave NBSPs about). */
static const char *skip_space(const char *s)
{
	for (;;) {
		if (*s == ' ' || *s == '\t')
			s++;
		else if ((guchar)s[0] == 0xC2 && (guchar)s[1] == 0xA0)
			s += 2;
		else
			return s;
	}
}

static gboolean is_blank(const char *line)
{
	return *skip_space(line) == '\0';
}

static gboolean is_quoted(const char *line)
{
	return line[0] == '>';
}

static gboolean is_word_char(char c)
{
	return g_ascii_isalnum(c) || (guchar)c >= 0x80;
}

/* Where s would end (before end) with trailing spaces and NBSPs removed. */
static const char *rtrim(const char *s, const char *end)
{
	for (;;) {
		if (end > s && (end[-1] == ' ' || end[-1] == '\t'))
			end--;
		else if (end - s >= 2 && (guchar)end[-2] == 0xC2 && (guchar)end[-1] == 0xA0)
			end -= 2;
		else
			return end;
	}
}

/* ---- Outlook header blocks ---- */

/* Header names as Outlook, Windows Mail and Hotmail write them in English, French, German,
 * Spanish, Dutch, Welsh, Italian, Swedish, Norwegian, Danish, Polish and Russian. They are
 * only trusted together (see outlook_block_at), never one at a time. */
static const char *const from_keys[] = {
	"From", "Von", "De", "Van", "Oddi wrth", "Gan", "Da", "Från", "Fra", "Od", "От", NULL,
};
static const char *const date_keys[] = {
	"Sent", "Date", "Gesendet", "Datum", "Envoyé", "Enviado", "Fecha", "Verzonden",
	"Anfonwyd", "Dyddiad", "Inviato", "Data", "Skickat", "Sendt", "Dato", "Wysłano",
	"Wysłane", "Отправлено", "Дата", NULL,
};
static const char *const to_keys[] = {
	"To", "Subject", "Cc", "An", "Betreff", "À", "A", "Objet", "Para", "Asunto", "Aan",
	"Onderwerp", "At", "Pwnc", "Oggetto", "Till", "Ämne", "Kopia", "Til", "Emne", "Kopi",
	"Do", "Temat", "DW", "Кому", "Тема", "Копия", NULL,
};

/* "From:", "*From:*" (Outlook marks the names bold when it writes its own plain text) and
 * "De :" (French puts a space before the colon) all name the key "From"/"De". */
static gboolean line_has_key(const char *line, const char *const *keys)
{
	const char *s = skip_space(line);
	while (*s == '*')
		s++;
	for (const char *const *k = keys; *k; k++) {
		gsize n = strlen(*k);
		if (g_ascii_strncasecmp(s, *k, n) != 0)
			continue;
		const char *p = s + n;
		while (*p == '*')
			p++;
		if (*skip_space(p) == ':')
			return TRUE;
	}
	return FALSE;
}

gboolean ch_reply_is_from_line(const char *line)
{
	return line && line_has_key(line, from_keys);
}

/* A "From:" line is a quote header only with a "Sent:"/"Date:" and a "To:"/"Subject:" line
 * just below it; a person may well start a line of their own with "From:". Some clients put
 * the date first (Hotmail's "Date: / From: / To: / Subject:"), so a block may also open with
 * a date or "To:" line, as long as every line of it up to the "From:" is a header line. */
static gboolean outlook_block_at(char **lines, guint n, guint i)
{
	gboolean from = line_has_key(lines[i], from_keys);
	gboolean date = !from && line_has_key(lines[i], date_keys);
	gboolean to = !from && !date && line_has_key(lines[i], to_keys);
	if (!from && !date && !to)
		return FALSE;
	guint seen = 0;
	for (guint j = i + 1; j < n && seen < HEADER_BLOCK_LINES; j++) {
		if (is_blank(lines[j]))
			continue;
		seen++;
		if (line_has_key(lines[j], from_keys))
			from = TRUE;
		else if (line_has_key(lines[j], date_keys))
			date = TRUE;
		else if (line_has_key(lines[j], to_keys))
			to = TRUE;
		else if (!from)
			return FALSE; /* before the "From:", only header lines */
	}
	return from && date && to;
}

/* ---- separators ---- */

static const char *const original_phrases[] = {
	"original message", "ursprüngliche nachricht", "original-nachricht",
	"message d'origine", "message d’origine", "mensaje original", "oorspronkelijk bericht",
	"neges wreiddiol", "forwarded message", "weitergeleitete nachricht",
	"message transféré", "mensaje reenviado", "doorgestuurd bericht", "messaggio originale",
	"messaggio inoltrato", "mensagem original", NULL,
};

/* "-----Original Message-----", "-------- Original Message --------" and translations. */
static gboolean is_original_message_line(const char *line)
{
	const char *s = skip_space(line);
	gsize lead = strspn(s, "-");
	if (lead < 2)
		return FALSE;
	s = skip_space(s + lead);
	const char *end = rtrim(s, s + strlen(s));
	gsize trail = 0;
	while (end > s && end[-1] == '-') {
		end--;
		trail++;
	}
	if (trail < 2)
		return FALSE;
	while (end > s && end[-1] == ' ')
		end--;
	gsize n = (gsize)(end - s);
	for (const char *const *p = original_phrases; *p; p++)
		if (strlen(*p) == n && g_ascii_strncasecmp(s, *p, n) == 0)
			return TRUE;
	return FALSE;
}

/* A rule of ten or more '_' or '-' and nothing else: Outlook's line above its header
 * block, or a mailing list's above its footer. */
static gboolean is_rule_line(const char *line, char c)
{
	const char *s = skip_space(line);
	gsize n = 0;
	while (*s == c) {
		s++;
		n++;
	}
	return n >= 10 && is_blank(s);
}

static gboolean is_any_rule_line(const char *line)
{
	return is_rule_line(line, '_') || is_rule_line(line, '-');
}

static gboolean rule_then_from_at(char **lines, guint n, guint i)
{
	if (!is_any_rule_line(lines[i]))
		return FALSE;
	for (guint j = i + 1; j < n; j++)
		if (!is_blank(lines[j]))
			return ch_reply_is_from_line(lines[j]);
	return FALSE;
}

/* ---- attributions ("On ... wrote:") ---- */

typedef struct {
	const char *lead;    /* the word the line starts with; NULL: any (the verb must end it) */
	const char *verb;    /* the verb it contains */
	gboolean verb_last;  /* the verb ends the line ("wrote:"), or the name follows it */
} Attribution;

static const Attribution attributions[] = {
	{ "On", "wrote", TRUE },           /* On Mon, 23 Nov 2026 at 10:02, A <a@x> wrote: */
	{ "Le", "a écrit", TRUE },         /* Le lun. 23 nov. 2026 à 10:02, A <a@x> a écrit : */
	{ "Am", "schrieb", FALSE },        /* Am 23.11.2026 um 10:02 schrieb A <a@x>: */
	{ "El", "escribió", TRUE },        /* El lun, 23 nov 2026 a las 10:02, A (<a@x>) escribió: */
	{ "Op", "schreef", FALSE },        /* Op ma 23 nov. 2026 om 10:02 schreef A <a@x>: */
	{ "Ar", "ysgrifennodd", TRUE },    /* Ar Llun, 23 Tach 2026 am 10:02, A <a@x> ysgrifennodd: */
	{ "Il", "ha scritto", TRUE },      /* Il giorno lun 23 nov 2026 alle 10:02 A <a@x> ha scritto: */
	{ "Em", "escreveu", TRUE },        /* Em seg., 23 de nov. de 2026 às 10:02, A <a@x> escreveu: */
	{ "Den", "skrev", FALSE },         /* Den 23 nov. 2026 kl. 10:02 skrev A <a@x>: (sv, no, da) */
	{ "W dniu", "napisał", TRUE },     /* W dniu 23.11.2026 o 10:02, A <a@x> napisał: */
	{ "W dniu", "pisze", TRUE },       /* W dniu 23.11.2026 o 10:02, A pisze: (Thunderbird) */
	/* Verbs that end an attribution whatever it starts with (Gmail puts the weekday first:
	 * "pon., 23 lis 2026 o 10:02 A <a@x> napisał(a):"); a date or an address is still
	 * needed. The English "wrote:" alone stays weak: it ends ordinary sentences. */
	{ NULL, "schrieb", TRUE },
	{ NULL, "a écrit", TRUE },
	{ NULL, "escribió", TRUE },
	{ NULL, "schreef", TRUE },
	{ NULL, "skrev", TRUE },
	{ NULL, "napisał", TRUE },
	{ NULL, "napisała", TRUE },
	{ NULL, "napisał(a)", TRUE },
	{ NULL, "ysgrifennodd", TRUE },
	{ NULL, "написал", TRUE },
	{ NULL, "написала", TRUE },
	{ NULL, "написал(а)", TRUE },
	{ NULL, "пишет", TRUE },
};

static gboolean contains_word(const char *s, const char *end, const char *word)
{
	gsize n = strlen(word);
	for (const char *p = s; p + n <= end; p++) {
		if (g_ascii_strncasecmp(p, word, n) != 0)
			continue;
		gboolean before = p == s || !is_word_char(p[-1]);
		gboolean after = p + n == end || !is_word_char(p[n]);
		if (before && after)
			return TRUE;
	}
	return FALSE;
}

/* s (up to end, already without its trailing ':') ends with the word verb. */
static gboolean ends_with_word(const char *s, const char *end, const char *verb)
{
	gsize n = strlen(verb);
	if ((gsize)(end - s) < n || g_ascii_strncasecmp(end - n, verb, n) != 0)
		return FALSE;
	/* "<notifications@github.com>wrote:" (email_1_7) has no space before the verb. */
	return end - n == s || !is_word_char(end[-(gssize)n - 1]);
}

static gboolean has_date_or_address(const char *s, const char *end)
{
	for (const char *p = s; p < end; p++)
		if (g_ascii_isdigit(*p) || *p == '@')
			return TRUE;
	return FALSE;
}

typedef enum { ATTR_NONE, ATTR_WEAK, ATTR_STRONG } AttrKind;

/* STRONG: lead word, a date or an address, the verb, a colon at the end: an attribution
 * wherever it stands. WEAK: only "<anything> wrote:", which we trust only right above ">"
 * lines (Thunderbird's old "Ffion Testwood wrote:"). */
static AttrKind attribution_kind(const char *text)
{
	const char *end = rtrim(text, text + strlen(text));
	if (end == text || end[-1] != ':')
		return ATTR_NONE;
	end = rtrim(text, end - 1); /* French: "a écrit :" */

	AttrKind kind = ATTR_NONE;
	for (gsize i = 0; i < G_N_ELEMENTS(attributions); i++) {
		const Attribution *a = &attributions[i];
		gboolean verb_at_end = ends_with_word(text, end, a->verb);
		gsize lead = a->lead ? strlen(a->lead) : 0;
		gboolean lead_ok = !a->lead || (g_ascii_strncasecmp(text, a->lead, lead) == 0 &&
		                                text[lead] == ' ');
		gboolean verb_ok = a->verb_last ? verb_at_end : contains_word(text, end, a->verb);
		if (lead_ok && verb_ok && has_date_or_address(text, end))
			return ATTR_STRONG;
		if (verb_at_end)
			kind = ATTR_WEAK;
	}
	return kind;
}

static gboolean starts_with_lead(const char *text)
{
	for (gsize i = 0; i < G_N_ELEMENTS(attributions); i++) {
		if (!attributions[i].lead)
			continue;
		gsize n = strlen(attributions[i].lead);
		if (g_ascii_strncasecmp(text, attributions[i].lead, n) == 0 && text[n] == ' ')
			return TRUE;
	}
	return FALSE;
}

/* If an attribution starts at line i, returns how many lines it spans (Gmail wraps long
 * ones: "On Mon, ... Safeguarding <\nsafeguarding@council.example> wrote:"), else 0. */
static guint attribution_at(char **lines, guint n, guint i, AttrKind *kind)
{
	guint span = 0;
	GString *joined = g_string_new(NULL);
	for (guint k = 0; k < ATTRIBUTION_LINES && i + k < n; k++) {
		const char *line = lines[i + k];
		if (is_blank(line) || is_quoted(line))
			break;
		line = skip_space(line);
		if (joined->len + strlen(line) > ATTRIBUTION_MAX)
			break;
		if (k > 0)
			g_string_append_c(joined, ' ');
		g_string_append(joined, line);
		AttrKind found = attribution_kind(joined->str);
		/* A weak match counts only on its own line: "wrote:" two lines below some text
		 * is just the end of a sentence. */
		if (found == ATTR_STRONG || (found == ATTR_WEAK && k == 0)) {
			*kind = found;
			span = k + 1;
			break;
		}
		if (!starts_with_lead(joined->str))
			break;
	}
	g_string_free(joined, TRUE);
	return span;
}

/* Where a tab-indented original at the end of the message starts (s-nail, bsd-mailx and GNU
 * mail quote with a tab, not a '>'), or n: from the last line up, blank lines and lines
 * opening with a tab, at least TAB_QUOTE_LINES of them with text, and some text of the
 * person's own above them (a message indented throughout is theirs, not a quote). Only a
 * trailing block: a tab inside a person's own text is left alone. */
#define TAB_QUOTE_LINES 2
static guint tab_quote_start(char **lines, guint n)
{
	guint start = n, with_text = 0;
	for (guint i = n; i-- > 0;) {
		if (is_blank(lines[i]))
			continue;
		if (lines[i][0] != '\t')
			break;
		with_text++;
		start = i;
	}
	if (with_text < TAB_QUOTE_LINES)
		return n;
	for (guint i = 0; i < start; i++)
		if (!is_blank(lines[i]))
			return start;
	return n;
}

static gboolean next_text_is_quoted(char **lines, guint n, guint i, guint tab_start)
{
	for (; i < n; i++)
		if (!is_blank(lines[i]))
			return is_quoted(lines[i]) || i >= tab_start;
	return FALSE;
}

/* ---- signatures ---- */

/* "-- " is the standard separator (RFC 3676 4.3); many clients lose the trailing space. */
static gboolean is_signature_separator(const char *line)
{
	return line[0] == '-' && line[1] == '-' && is_blank(line + 2);
}

static const char *const device_prefixes[] = {
	"Sent from my ", "Sent from Outlook", "Get Outlook for ", "Sent from Mail for ",
	"Sent from Yahoo Mail", "Sent from Samsung", "Envoyé de mon ",
	"Envoyé depuis mon ", "Von meinem ", "Enviado desde mi ", "Verzonden vanaf mijn ",
	"Verstuurd vanaf mijn ", "Verzonden met mijn ", "Anfonwyd o fy ", "Inviato da ", NULL,
};

/* "Sent from my iPhone", "Get Outlook for Android", ...: short and without a comma, so
 * "Sent from my desk, is much easier then my mobile phone." stays part of the reply. */
static gboolean is_device_signature(const char *line)
{
	const char *s = skip_space(line);
	if (strlen(s) > 80 || strchr(s, ',') || strchr(s, ':'))
		return FALSE;
	for (const char *const *p = device_prefixes; *p; p++)
		if (g_ascii_strncasecmp(s, *p, strlen(*p)) == 0)
			return TRUE;
	return FALSE;
}

/* ---- the pass ---- */

/* Everything from here down is the quoted original, whatever follows. */
static gboolean original_starts_at(char **lines, guint n, guint i)
{
	return is_original_message_line(lines[i]) || rule_then_from_at(lines, n, i) ||
	       outlook_block_at(lines, n, i);
}

/* Trailing blank lines and bare rules ("-----" left above a cut Outlook block). */
static void trim_tail(GPtrArray *kept)
{
	while (kept->len > 0) {
		const char *last = g_ptr_array_index(kept, kept->len - 1);
		if (!is_blank(last) && !is_any_rule_line(last))
			break;
		g_ptr_array_set_size(kept, kept->len - 1);
	}
}

/* A mailing list's footer: a "_____" rule near the very end with a few lines under it. */
static void drop_list_footer(GPtrArray *kept)
{
	guint below = 0;
	for (guint i = kept->len; i-- > 0;) {
		const char *line = g_ptr_array_index(kept, i);
		if (is_rule_line(line, '_')) {
			g_ptr_array_set_size(kept, i);
			return;
		}
		if (!is_blank(line) && ++below > FOOTER_LINES)
			return;
	}
}

char *ch_reply_extract(const char *text)
{
	if (!text)
		return g_strdup("");
	char *repaired = g_utf8_validate(text, -1, NULL) ? NULL : g_utf8_make_valid(text, -1);
	char **lines = g_strsplit(repaired ? repaired : text, "\n", -1);
	guint n = g_strv_length(lines);
	for (guint i = 0; i < n; i++)
		g_strchomp(lines[i]); /* also the '\r' of CRLF text */

	GPtrArray *kept = g_ptr_array_new();
	guint tab_start = tab_quote_start(lines, n);
	/* Dropping a quote leaves the blank lines around it; keep one, not a stack of them. */
	gboolean dropped = FALSE;
	for (guint i = 0; i < tab_start; i++) {
		const char *line = lines[i];
		if (is_quoted(line)) {
			dropped = TRUE;
			continue;
		}
		if (original_starts_at(lines, n, i))
			break;
		AttrKind kind = ATTR_NONE;
		guint span = attribution_at(lines, n, i, &kind);
		if (span > 0 && next_text_is_quoted(lines, n, i + span, tab_start)) {
			i += span - 1;
			dropped = TRUE;
			continue;
		}
		if (span > 0 && kind == ATTR_STRONG)
			break;
		if (is_signature_separator(line) || is_device_signature(line))
			break;
		if (is_blank(line)) {
			gboolean after_blank = kept->len > 0 &&
			                       is_blank(g_ptr_array_index(kept, kept->len - 1));
			if (after_blank && dropped)
				continue;
		} else {
			dropped = FALSE;
		}
		g_ptr_array_add(kept, (gpointer)line);
	}

	trim_tail(kept);
	drop_list_footer(kept);
	trim_tail(kept);
	guint first = 0;
	while (first < kept->len && is_blank(g_ptr_array_index(kept, first)))
		first++;

	GString *out = g_string_new(NULL);
	for (guint i = first; i < kept->len; i++) {
		const char *line = g_ptr_array_index(kept, i);
		if (i > first)
			g_string_append_c(out, '\n');
		if (!is_blank(line))
			g_string_append(out, line);
	}
	g_ptr_array_free(kept, TRUE);
	g_strfreev(lines);
	g_free(repaired);
	return g_string_free(out, FALSE);
}
