/* quoted: lines of a reply found in the mail it answers (see quoted.h for the rules).
 *
 * The sent mails become one sequence of word ids (a separator between two mails, so no run
 * spans both) with an index from each word to where it occurs. A reply line is looked up by
 * its first word and checked word by word: only lines made wholly of words of the sent mails
 * get that far, so a long reply costs about one hash lookup a word. Runs are then grown from
 * the long lines ("seeds") to their short neighbours, in both directions, until nothing
 * changes.
 */
#include <string.h>

#include "message/quoted.h"

/* How many places in the sent mails one line is tried at (a word such as "the" occurs
 * often; a line that starts with it is still found, at one of its first places). */
#define MAX_PLACES 64
/* Lines of fewer words than this are too common to follow a neighbour loosely. */
#define SHORT_WORDS 3
/* Words a client may have left out between two quoted lines (a line it altered). */
#define GAP_WORDS 3
/* How many times the runs are grown in both directions at most (each sweep carries a run
 * as far as it goes one way; a second is needed only where runs meet). */
#define MAX_SWEEPS 8
/* Between two sent mails in the sequence: no word has this id. */
#define SEPARATOR G_MAXUINT

typedef struct {
	GHashTable *ids;    /* word (owned) -> id + 1 */
	GArray *seq;        /* guint ids, SEPARATOR between mails */
	GPtrArray *places;  /* id -> GArray of guint positions in seq */
	GHashTable *lines;  /* start + 1 -> end + 1 of each whole sent line */
} Sent;

typedef struct {
	GArray *words;  /* guint ids; NULL when a word is not in the sent mails */
	guint m;        /* number of words */
	guint sig;      /* quote prefix: 2 per '>' or '|', 1 for a tab */
	GArray *occ;    /* guint starts where the whole line occurs in seq; NULL for none */
	gint up, down;  /* the nearest lines with words above and below, or -1 */
	gboolean quoted;
	guint pos;      /* where it was placed, when quoted */
} Line;

/* ---- words ---- */

static gboolean is_prefix_char(const char *s, gsize *len_r)
{
	if (*s == ' ' || *s == '\t' || *s == '>' || *s == '|') {
		*len_r = 1;
		return TRUE;
	}
	if ((guchar)s[0] == 0xC2 && (guchar)s[1] == 0xA0) { /* NBSP */
		*len_r = 2;
		return TRUE;
	}
	return FALSE;
}

/* Skips the quote prefix, returning where the text starts and its signature. */
static const char *skip_prefix(const char *line, guint *sig_r)
{
	guint sig = 0;
	gboolean tab = FALSE;
	gsize n = 0;
	const char *s = line;
	while (*s && is_prefix_char(s, &n)) {
		if (*s == '>' || *s == '|')
			sig += 2;
		else if (*s == '\t')
			tab = TRUE;
		s += n;
	}
	*sig_r = sig + (tab ? 1 : 0);
	return s;
}

/* each_word for a line of ASCII alone, which NFKC leaves as it is and case folding only
 * lowers: the same words, without the Unicode tables' cost per character (most lines of
 * most mail). FALSE, having called fn for nothing, when s is not all ASCII. */
static gboolean each_ascii_word(const char *s, void (*fn)(const char *w, gsize n, gpointer d),
                                gpointer d)
{
	gsize len = 0;
	for (; s[len]; len++)
		if ((guchar)s[len] >= 0x80)
			return FALSE;
	char small[256];
	g_autofree char *big = len < sizeof small ? NULL : g_malloc(len + 1);
	char *low = big ? big : small;
	for (gsize i = 0; i <= len; i++)
		low[i] = g_ascii_tolower(s[i]);
	const char *start = NULL;
	for (const char *p = low;; p++) {
		gboolean word = *p && (g_ascii_isalnum(*p) || *p == '_');
		if (word && !start)
			start = p;
		if (!word && start) {
			fn(start, (gsize)(p - start), d);
			start = NULL;
		}
		if (!*p)
			return TRUE;
	}
}

/* The words of s (NFKC, case folded): maximal runs of letters, digits, marks and '_'. */
static void each_word(const char *s, void (*fn)(const char *w, gsize n, gpointer d), gpointer d)
{
	if (each_ascii_word(s, fn, d))
		return;
	g_autofree char *norm = g_utf8_normalize(s, -1, G_NORMALIZE_NFKC);
	g_autofree char *fold = g_utf8_casefold(norm ? norm : s, -1);
	const char *start = NULL;
	for (const char *p = fold;; p = g_utf8_next_char(p)) {
		gunichar c = g_utf8_get_char(p);
		gboolean word = c && (g_unichar_isalnum(c) || g_unichar_ismark(c) || c == '_');
		if (word && !start)
			start = p;
		if (!word && start) {
			fn(start, (gsize)(p - start), d);
			start = NULL;
		}
		if (!c)
			break;
	}
}

/* ---- the sent mails ---- */

typedef struct {
	Sent *sent;
	guint line_start;
} AddCtx;

static void add_word(const char *w, gsize n, gpointer d)
{
	Sent *s = ((AddCtx *)d)->sent;
	char *key = g_strndup(w, n);
	gpointer v = g_hash_table_lookup(s->ids, key);
	guint id;
	if (v) {
		id = GPOINTER_TO_UINT(v) - 1;
		g_free(key);
	} else {
		id = s->places->len;
		g_hash_table_insert(s->ids, key, GUINT_TO_POINTER(id + 1));
		g_ptr_array_add(s->places, g_array_new(FALSE, FALSE, sizeof(guint)));
	}
	guint at = s->seq->len;
	g_array_append_val(s->seq, id);
	g_array_append_val(g_ptr_array_index(s->places, id), at);
}

/* Lines of `text`, as g_strsplit(text, "\n", -1) gives them. Each line is found with memchr
 * over the rest, once: a reply of a million lines costs one pass, where strstr-based
 * splitting is quadratic under AddressSanitizer, whose strstr measures the whole rest of the
 * text at every call. */
static char **split_lines(const char *text)
{
	GPtrArray *out = g_ptr_array_new();
	const char *p = text, *end = text + strlen(text);
	/* g_strsplit gives no lines at all for an empty text */
	for (; *text;) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		if (!nl) {
			g_ptr_array_add(out, g_strndup(p, (gsize)(end - p)));
			break;
		}
		g_ptr_array_add(out, g_strndup(p, (gsize)(nl - p)));
		p = nl + 1;
	}
	g_ptr_array_add(out, NULL);
	return (char **)g_ptr_array_free(out, FALSE);
}

static void sent_add(Sent *s, const char *text)
{
	if (s->seq->len > 0) {
		guint sep = SEPARATOR;
		g_array_append_val(s->seq, sep);
	}
	char **lines = split_lines(text);
	for (char **l = lines; *l; l++) {
		guint sig = 0;
		AddCtx ctx = { s, s->seq->len };
		each_word(skip_prefix(*l, &sig), add_word, &ctx);
		if (s->seq->len > ctx.line_start)
			g_hash_table_insert(s->lines, GUINT_TO_POINTER(ctx.line_start + 1),
			                    GUINT_TO_POINTER(s->seq->len + 1));
	}
	g_strfreev(lines);
}

static void free_places(gpointer p)
{
	g_array_free(p, TRUE);
}

static Sent *sent_new(const char *const *texts)
{
	Sent *s = g_new0(Sent, 1);
	s->ids = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	s->seq = g_array_new(FALSE, FALSE, sizeof(guint));
	s->places = g_ptr_array_new_with_free_func(free_places);
	s->lines = g_hash_table_new(g_direct_hash, g_direct_equal);
	for (guint i = 0; texts && texts[i]; i++) {
		if (g_utf8_validate(texts[i], -1, NULL)) {
			sent_add(s, texts[i]);
		} else {
			g_autofree char *valid = g_utf8_make_valid(texts[i], -1);
			sent_add(s, valid);
		}
	}
	return s;
}

static void sent_free(Sent *s)
{
	g_hash_table_destroy(s->ids);
	g_array_free(s->seq, TRUE);
	g_ptr_array_free(s->places, TRUE);
	g_hash_table_destroy(s->lines);
	g_free(s);
}

/* The whole sent line [p, p + m), as opposed to a stretch of one. */
static gboolean whole_line(const Sent *s, guint p, guint m)
{
	gpointer end = g_hash_table_lookup(s->lines, GUINT_TO_POINTER(p + 1));
	return end && GPOINTER_TO_UINT(end) - 1 == p + m;
}

/* ---- the reply's lines ---- */

/* Most lines of a reply are found nowhere and carry no array. */
#define OCC_LEN(l) ((l)->occ ? (l)->occ->len : 0u)

typedef struct {
	const Sent *sent;
	Line *line;
} LookCtx;

static void look_word(const char *w, gsize n, gpointer d)
{
	LookCtx *c = d;
	Line *l = c->line;
	l->m++;
	if (!l->words)
		return;
	g_autofree char *key = g_strndup(w, n);
	gpointer v = g_hash_table_lookup(c->sent->ids, key);
	if (!v || l->m > c->sent->seq->len) {
		g_array_free(l->words, TRUE);
		l->words = NULL;
		return;
	}
	guint id = GPOINTER_TO_UINT(v) - 1;
	g_array_append_val(l->words, id);
}

/* Where the whole line occurs in the sent sequence (at most MAX_PLACES starts). */
static void find_places(const Sent *s, Line *l)
{
	if (!l->words || l->m == 0)
		return;
	const guint *w = (const guint *)(gpointer)l->words->data;
	const guint *seq = (const guint *)(gpointer)s->seq->data;
	GArray *first = g_ptr_array_index(s->places, w[0]);
	for (guint k = 0; k < first->len && OCC_LEN(l) < MAX_PLACES; k++) {
		guint p = g_array_index(first, guint, k);
		if (p + l->m > s->seq->len)
			break;
		guint j = 1;
		while (j < l->m && seq[p + j] == w[j])
			j++;
		if (j == l->m) {
			if (!l->occ)
				l->occ = g_array_new(FALSE, FALSE, sizeof(guint));
			g_array_append_val(l->occ, p);
		}
	}
}

static void line_read(const Sent *s, const char *text, Line *l)
{
	memset(l, 0, sizeof *l);
	l->words = g_array_new(FALSE, FALSE, sizeof(guint));
	LookCtx c = { s, l };
	each_word(skip_prefix(text, &l->sig), look_word, &c);
	find_places(s, l);
	if (l->words)
		g_array_free(l->words, TRUE);
	l->words = NULL;
}

/* ---- growing the runs ---- */

static gboolean placed_after(const Sent *s, const Line *l, guint e, guint *p_r)
{
	for (guint k = 0; k < OCC_LEN(l); k++) {
		guint p = g_array_index(l->occ, guint, k);
		guint gap = l->m >= SHORT_WORDS || whole_line(s, p, l->m) ? GAP_WORDS : 0;
		if (p >= e && p <= e + gap) {
			*p_r = p;
			return TRUE;
		}
	}
	return FALSE;
}

static gboolean placed_before(const Sent *s, const Line *l, guint start, guint *p_r)
{
	for (guint k = OCC_LEN(l); k-- > 0;) {
		guint p = g_array_index(l->occ, guint, k);
		guint gap = l->m >= SHORT_WORDS || whole_line(s, p, l->m) ? GAP_WORDS : 0;
		if (p + l->m <= start && start <= p + l->m + gap) {
			*p_r = p;
			return TRUE;
		}
	}
	return FALSE;
}

/* The nearest line with words above (dir -1) or below (dir 1) line i, or -1. */
static gint neighbour(const Line *lines, guint n, guint i, gint dir)
{
	(void)n;
	return dir < 0 ? lines[i].up : lines[i].down;
}

/* Each line's nearest lines with words, once: long runs of blank lines cost one pass. */
static void link_neighbours(Line *lines, guint n)
{
	gint last = -1;
	for (guint i = 0; i < n; i++) {
		lines[i].up = last;
		if (lines[i].m > 0)
			last = (gint)i;
	}
	last = -1;
	for (guint i = n; i-- > 0;) {
		lines[i].down = last;
		if (lines[i].m > 0)
			last = (gint)i;
	}
}

/* Index of p among l's places, or -1. */
static gint place_index(const Line *l, guint p)
{
	for (guint k = 0; k < OCC_LEN(l); k++)
		if (g_array_index(l->occ, guint, k) == p)
			return (gint)k;
	return -1;
}

/* Seeds: runs of lines (blank lines between them skipped, one quote prefix) whose words
 * follow on exactly from one line to the next in a sent mail, CH_QUOTED_SEED_WORDS words or
 * more in all: one long line, or a paragraph a phone re-wrapped into short pieces. For each
 * place of each line, `before` counts the run's words up to and including it, `after` from
 * it on; a place whose run totals enough is a seed there. */
static void place_seeds(Line *lines, guint n)
{
	GArray **before = g_new0(GArray *, n + 1), **after = g_new0(GArray *, n + 1);
	for (guint i = 0; i < n; i++) {
		guint places = OCC_LEN(&lines[i]);
		if (places == 0)
			continue;
		before[i] = g_array_sized_new(FALSE, TRUE, sizeof(guint), places);
		after[i] = g_array_sized_new(FALSE, TRUE, sizeof(guint), places);
		g_array_set_size(before[i], places);
		g_array_set_size(after[i], places);
	}
	for (guint i = 0; i < n; i++) {
		gint j = neighbour(lines, n, i, -1);
		for (guint k = 0; k < OCC_LEN(&lines[i]); k++) {
			guint p = g_array_index(lines[i].occ, guint, k), run = 0;
			gint at = j >= 0 && lines[j].sig == lines[i].sig && p >= lines[j].m
			                  ? place_index(&lines[j], p - lines[j].m)
			                  : -1;
			if (at >= 0)
				run = g_array_index(before[j], guint, at);
			g_array_index(before[i], guint, k) = run + lines[i].m;
		}
	}
	for (guint i = n; i-- > 0;) {
		gint j = neighbour(lines, n, i, 1);
		for (guint k = 0; k < OCC_LEN(&lines[i]); k++) {
			guint p = g_array_index(lines[i].occ, guint, k), run = 0;
			gint at = j >= 0 && lines[j].sig == lines[i].sig
			                  ? place_index(&lines[j], p + lines[i].m)
			                  : -1;
			if (at >= 0)
				run = g_array_index(after[j], guint, at);
			g_array_index(after[i], guint, k) = run + lines[i].m;
		}
	}
	for (guint i = 0; i < n; i++) {
		guint best = 0;
		for (guint k = 0; k < OCC_LEN(&lines[i]); k++) {
			guint total = g_array_index(before[i], guint, k) +
			              g_array_index(after[i], guint, k) - lines[i].m;
			if (total >= CH_QUOTED_SEED_WORDS && total > best) {
				best = total;
				lines[i].quoted = TRUE;
				lines[i].pos = g_array_index(lines[i].occ, guint, k);
			}
		}
		if (before[i]) {
			g_array_free(before[i], TRUE);
			g_array_free(after[i], TRUE);
		}
	}
	g_free(before);
	g_free(after);
}

/* One sweep down and one up; TRUE when a line joined a run. */
static gboolean grow(const Sent *s, Line *lines, guint n)
{
	gboolean changed = FALSE;
	for (guint i = 0; i < n; i++) {
		Line *l = &lines[i];
		if (l->quoted || OCC_LEN(l) == 0)
			continue;
		gint j = neighbour(lines, n, i, -1);
		if (j >= 0 && lines[j].quoted && lines[j].sig == l->sig &&
		    placed_after(s, l, lines[j].pos + lines[j].m, &l->pos))
			l->quoted = changed = TRUE;
	}
	for (guint i = n; i-- > 0;) {
		Line *l = &lines[i];
		if (l->quoted || OCC_LEN(l) == 0)
			continue;
		gint k = neighbour(lines, n, i, 1);
		if (k >= 0 && lines[k].quoted && lines[k].sig == l->sig &&
		    placed_before(s, l, lines[k].pos, &l->pos))
			l->quoted = changed = TRUE;
	}
	return changed;
}

gboolean *ch_quoted_lines(const char *text, const char *const *sent, guint *n_lines_r)
{
	g_autofree char *repaired = text && !g_utf8_validate(text, -1, NULL)
	                                    ? g_utf8_make_valid(text, -1)
	                                    : NULL;
	char **split = split_lines(repaired ? repaired : text ? text : "");
	guint n = g_strv_length(split);
	gboolean *out = g_new0(gboolean, n + 1);
	*n_lines_r = n;
	Sent *s = sent_new(sent);
	if (s->seq->len == 0) {
		sent_free(s);
		g_strfreev(split);
		return out;
	}
	Line *lines = g_new0(Line, n + 1);
	for (guint i = 0; i < n; i++)
		line_read(s, split[i], &lines[i]);
	link_neighbours(lines, n);
	place_seeds(lines, n);
	for (guint k = 0; k < MAX_SWEEPS && grow(s, lines, n); k++)
		;
	for (guint i = 0; i < n; i++) {
		out[i] = lines[i].quoted;
		/* A blank line inside a quoted run belongs to it. */
		if (lines[i].m == 0) {
			gint a = neighbour(lines, n, i, -1), b = neighbour(lines, n, i, 1);
			out[i] = a >= 0 && b >= 0 && lines[a].quoted && lines[b].quoted;
		}
		if (lines[i].occ)
			g_array_free(lines[i].occ, TRUE);
	}
	g_free(lines);
	sent_free(s);
	g_strfreev(split);
	return out;
}

static gboolean blank_line(const char *l)
{
	for (; *l; l++)
		if (!g_ascii_isspace(*l))
			return FALSE;
	return TRUE;
}

char *ch_quoted_strip(const char *text, const char *const *sent)
{
	if (!text)
		return g_strdup("");
	guint n = 0;
	g_autofree gboolean *quoted = ch_quoted_lines(text, sent, &n);
	gboolean any = FALSE;
	for (guint i = 0; i < n; i++)
		any |= quoted[i];
	if (!any)
		return g_strdup(text);

	char **lines = split_lines(text);
	GPtrArray *kept = g_ptr_array_new();
	gboolean dropped = FALSE;
	for (guint i = 0; i < n; i++) {
		if (quoted[i]) {
			dropped = TRUE;
			continue;
		}
		gboolean blank = blank_line(lines[i]);
		if (blank && (kept->len == 0 ||
		              (dropped && blank_line(g_ptr_array_index(kept, kept->len - 1)))))
			continue;
		if (!blank)
			dropped = FALSE;
		g_ptr_array_add(kept, lines[i]);
	}
	while (kept->len > 0 && blank_line(g_ptr_array_index(kept, kept->len - 1)))
		g_ptr_array_set_size(kept, kept->len - 1);
	GString *out = g_string_new(NULL);
	for (guint i = 0; i < kept->len; i++) {
		if (i > 0)
			g_string_append_c(out, '\n');
		g_string_append(out, g_ptr_array_index(kept, i));
	}
	g_ptr_array_free(kept, TRUE);
	g_strfreev(lines);
	return g_string_free(out, FALSE);
}
