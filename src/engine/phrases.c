/* phrases: the immediate-safety phrases, the routine vocabulary, and the matcher (phrases.h).
 * Pure. */
#include "engine/phrases.h"

#include <string.h>

/* How professionals write to a conference team when a child may not be safe now: police,
 * health, schools, housing and social workers, in a hurry, in any tense. A false alarm costs
 * a person a minute; a miss can cost a child, so a phrase that is only sometimes a concern
 * is here (a disclosure, an injury, a strategy discussion), and only the team's routine
 * words are kept out (see ch_phrases_routine). tests/data/safety/phrases.txt is the table
 * this list is held to. */
const char *const ch_phrases_safety[] = {
	/* danger now, in so many words */
	"immediate danger", "immediate risk", "immediate harm", "immediate safety",
	"imminent danger", "imminent risk", "imminent harm", "in danger", "at risk tonight",
	"not safe", "unsafe", "isnt safe", "wasnt safe", "never safe", "no longer safe",
	"not feel* safe", "dont feel* safe", "doesnt feel* safe", "didnt feel* safe",
	"never feel* safe", "cant keep ... safe", "cannot keep ... safe",
	"unable to keep ... safe", "not keep ... safe", "not keeping ... safe",
	"concern* for ... safety", "concern* about ... safety", "worried ... safety",
	"fear for", "fears for", "feared for", "fearing for", "fearful for", "in fear of",
	"frightened of", "scared of", "scared to go home", "frightened to go home",
	"afraid to go home", "scared of going home", "not want to go home",
	"dont want to go home", "doesnt want to go home", "didnt want to go home",
	"refus* to go home", "nowhere safe", "nowhere to stay tonight", "nowhere to sleep",
	"sleeping rough", "street homeless", "significant harm", "serious harm",
	"at risk of harm", "risk of serious injury", "urgent safeguarding",
	"urgent child protection", "safeguarding emergency", "urgent concern*",
	/* acting now: removal, orders, the police, section 46 and 47 */
	"remov* ... today", "remov* ... tonight", "remov* ... immediately", "remov* ... now",
	"remov* ... from the home", "remov* ... into care", "remov* ... care", "removal today",
	"removal tonight", "immediate removal", "emergency removal", "emergency placement",
	"emergency foster*", "place of safety", "police protection",
	"police powers of protection", "emergency protection order", "epo", "section 46",
	"section 47", "s46", "s47", "s 46", "s 47", "sec 47", "sec 46", "strategy discussion",
	"strategy meeting", "strategy call", "joint investigation", "achieving best evidence",
	"abe interview", "police were called", "police called", "called the police",
	"police attended the", "police attended a", "police attended an", "police attended at",
	"officers attended", "police have been called", "arrest*",
	/* what was done or said to a child */
	"disclosed", "disclosing", "a disclosure", "the disclosure", "her disclosure",
	"his disclosure", "their disclosure", "made disclosure*", "disclosure of",
	"disclosure that", "disclosure from", "disclosure to", "disclosure was",
	"disclosure made", "disclos* ... abuse", "alleg* ... hit", "alleg* ... assault*",
	"injur*", "bruis*", "fractur*", "broken arm", "broken leg", "broken bone*", "black eye",
	"bite mark*", "burn mark*", "cigarette burn*", "scald*", "marks on",
	"unexplained mark*", "non accidental", "nai", "head injur*", "bleed*",
	"covered in blood", "hit her", "hit him", "hit me", "hit them", "hits her", "hits him",
	"hits me", "hitting her", "hitting him", "hitting them", "hitting me", "was hit",
	"being hit", "hit with a", "hit by ... dad", "hit by ... father", "hit by ... mum",
	"hit by ... mother", "hit by ... partner", "hit by ... boyfriend", "hit by ... stepdad",
	"hit by ... stepfather", "beat her", "beat him", "beats her", "beats him",
	"beating her", "beating him", "beaten", "punch*", "kicked", "kick her", "kick him",
	"kicking her", "kicking him", "slap*", "smacked", "shook the baby", "shaken", "thrown",
	"threw her", "threw him", "strangl*", "chok*", "by the throat", "suffocat*", "hurt her",
	"hurt him", "hurt me", "hurts her", "hurts me", "hurting her", "hurting him",
	"assault*", "attacked", "attack on", "physical abuse", "physically abus*", "abused",
	"abusing", "kill*", "threat* to", "threat* ... life", "stab", "stabbed", "stabbing",
	"weapon*", "knife", "knives", "blade*", "machete*", "gun", "guns", "firearm*",
	"shotgun*",
	/* sexual harm, exploitation, FGM, forced marriage */
	"sexual abuse", "sexually abus*", "sexual assault*", "sexually assault*", "rape*",
	"sexual activity", "sexual images", "indecent image*", "nude image*", "sexual harm",
	"touched ... inappropriately", "touching ... inappropriately", "inappropriate touching",
	"groom*", "exploit*", "cse", "cce", "county lines", "traffick*", "modern slavery",
	"fgm", "female genital mutilation", "genital mutilation", "female circumcision",
	"forced marriage", "forced to marry", "forced into marriage", "honour based",
	"honor based", "radicalis*", "radicaliz*",
	/* left, missing, gone */
	"left alone", "home alone", "left ... alone", "left unsupervised", "left unattended",
	"abandon*", "no adult", "child missing", "children missing", "gone missing",
	"went missing", "go missing", "reported missing", "missing from home",
	"missing from care", "missing from school", "missing from education", "missing person*",
	"missing episode*", "missing overnight", "missing since", "whereabouts unknown",
	"whereabouts are unknown", "whereabouts are not known", "whereabouts not known",
	"she cannot be found", "he cannot be found", "they cannot be found",
	"she cannot be located", "he cannot be located", "cannot locate her",
	"cannot locate him", "not been seen since", "not returned home", "did not return home",
	"didnt return home", "ran away", "run away", "runaway", "absconded", "abduct*", "fled",
	/* taking their own life, harming themselves */
	"suicid*", "sucid*", "suicd*", "self harm*", "selfharm*", "self injur*",
	"harm* herself", "harm* himself", "harm* themselves", "harm* myself", "overdos*",
	"ligature*", "wants to die", "want to die", "wanted to die", "end her life",
	"end his life", "end their life", "end my life", "tak* ... own life",
	"end* ... own life", "jump* off",
	/* the adults: violence last night, drink and drugs in charge of a child */
	"domestic violence incident", "domestic abuse incident", "domestic incident",
	"dv incident", "da incident", "incident ... last night", "incident ... this morning",
	"last night ... police", "under the influence", "intoxicated", "drunk", "passed out",
	"unconscious", "not breathing", "found unresponsive", "no food", "not been fed",
	"breach* ... bail", "breach* ... non molestation", "breach* ... injunction",
	"moved back in", "back in the home", "back at the address", "returned to the home",
	"returned to the family home", "taken to hospital", "admitted to hospital",
	"rushed to hospital", "attended a e", "presented at a e", "ambulance",
	NULL,
};

/* The team's own words, which hold a phrase of a concern without being one: job titles and
 * signatures, the procedures' and our mails' wording quoted back in a reply (a reply to a
 * safety alert quotes it: it must not alert again), and reassurances in the negative. */
const char *const ch_phrases_routine[] = {
	/* our own mails, quoted in replies */
	"possible immediate safety concern", "may mean a child is not safe now",
	"under the immediate safety procedure", "immediate safety procedure",
	"whether a strategy meeting is needed",
	/* job titles, teams and documents */
	"missing person* coordinator", "missing person* unit", "missing person* team",
	"missing and exploitation", "exploitation and missing", "exploitation team",
	"exploitation coordinator", "exploitation lead", "child exploitation unit",
	"dbs disclosure", "disclosure and barring", "disclosure unit", "disclosure officer",
	"disclosure request*", "request* for disclosure",
	/* a report may be shared, and e-mail footers forbid passing mail on: about a document,
	 * not a child */
	"be disclosed", "disclosure of the report", "disclosure of reports",
	"disclosure of the contents", "disclosure of its contents", "disclosure of this",
	"disclosure of information", "disclosure of the information", "unauthorised disclosure",
	"unauthorized disclosure", "subject to disclosure", "copied disclosed",
	"disclosed distributed", "disclosed or copied", "disclosed to any other person",
	"disclosed to anyone", "disclosed to third parties", "disclosed to any third party",
	/* a report or a mail gone astray, our own account's figures: not a child */
	"report* went missing", "report* has gone missing", "report* have gone missing",
	"email* went missing", "went missing in the post", "immediate safety alert*",
	/* a mail gateway's own header ("X-NAI-Spam-Score"), a council's statement in a footer */
	"x nai*", "modern slavery statement*", "modern slavery act",
	/* a list, a service, a system, training: not a child */
	"remove me", "remove my", "remove us", "remov* ... list", "remov* ... register",
	"missing information", "missing report", "missing reports", "adult social care",
	"adult services", "no food allerg*", "no food intoleran*", "life story",
	"unconscious bias", "cyber attack*", "ambulance service*", "ambulance trust",
	"attended the conference", "attended conference", "attended the meeting",
	"attended the core group", "not safe to send", "not safe to share", "not safe to email",
	/* a deadline, not a child */
	"in danger of missing", "in danger of being late", "in danger of running late",
	"in danger of slipping", "in danger of going out late", "unsafe to assume",
	/* reassurance in the negative */
	"no immediate safeguarding concern*", "no immediate safety concern*",
	"no immediate concern*", "no immediate risk*", "not at immediate risk",
	"not safe to assume", "no concerns for ... safety", "no concerns about ... safety",
	"no current concerns for ... safety", "no current concerns about ... safety",
	"no longer ... at risk of significant harm", "no longer at risk of harm",
	NULL,
};

/* ---- reading a text ---- */

typedef struct {
	GString *buf;       /* the words, each NUL-terminated */
	GArray *starts;     /* gsize: where each word begins in buf */
	gboolean in_word;
	guint newlines;     /* line breaks since the last word: two end a sentence */
} Words;

static void words_init(Words *w, gsize hint)
{
	w->buf = g_string_sized_new(hint + 1);
	w->starts = g_array_new(FALSE, FALSE, sizeof(gsize));
	w->in_word = FALSE;
	w->newlines = 0;
}

static void words_clear(Words *w)
{
	g_string_free(w->buf, TRUE);
	g_array_free(w->starts, TRUE);
}

static const char *word_at(const Words *w, guint i)
{
	return w->buf->str + g_array_index(w->starts, gsize, i);
}

static void word_end(Words *w)
{
	if (w->in_word)
		g_string_append_c(w->buf, '\0');
	w->in_word = FALSE;
}

static void word_add(Words *w, gunichar c)
{
	if (!w->in_word) {
		gsize at = w->buf->len;
		g_array_append_val(w->starts, at);
		w->in_word = TRUE;
	}
	w->newlines = 0;
	if (c < 0x80)
		g_string_append_c(w->buf, (char)c);
	else
		g_string_append_unichar(w->buf, c);
}

/* A sentence's end is the word "." (never two in a row): a "..." does not reach over it. */
static void sentence_end(Words *w)
{
	word_end(w);
	guint n = w->starts->len;
	if (n && strcmp(word_at(w, n - 1), ".") == 0)
		return;
	word_add(w, '.');
	word_end(w);
}

/* An HTML tag ("<br>", "</b>", "<p class=x>"): its length, or 0 when '<' starts none. */
static gsize tag_len(const char *p)
{
	if (!(g_ascii_isalpha(p[1]) || p[1] == '/' || p[1] == '!'))
		return 0;
	for (gsize k = 1; k < 400 && p[k]; k++) {
		if (p[k] == '>')
			return k + 1;
		if (p[k] == '<')
			return 0;
	}
	return 0;
}

/* An HTML entity ("&nbsp;", "&#39;"): its length, or 0; *apostrophe when it is one. */
static gsize entity_len(const char *p, gboolean *apostrophe)
{
	gsize k = 1;
	while (k < 10 && (g_ascii_isalnum(p[k]) || p[k] == '#'))
		k++;
	if (k == 1 || p[k] != ';')
		return 0;
	static const char *const apos[] = { "&#39;", "&#x27;", "&apos;", "&rsquo;", "&lsquo;",
		                            "&#8217;", "&#8216;", "&#x2019;", NULL };
	*apostrophe = FALSE;
	for (const char *const *a = apos; *a; a++)
		*apostrophe = *apostrophe || g_ascii_strncasecmp(p, *a, k + 1) == 0;
	return k + 1;
}

/* Characters read as nothing, so the word goes on: apostrophes ("isn't", "child's" in any of
 * their shapes), the soft hyphen and the zero-width joiners. */
static gboolean joiner(gunichar c)
{
	return c == '\'' || c == 0x2019 || c == 0x2018 || c == '`' || c == 0x02BC || c == 0x00B4 ||
	       c == 0x00AD || c == 0x200C || c == 0x200D || c == 0xFEFF;
}

/* The words of `text` (valid UTF-8) as the header describes them. Letters are lowered one
 * by one (ASCII without a table look-up): the text may be megabytes, and a copy lowered
 * whole first would cost as much again. */
static void words_read(Words *w, const char *text)
{
	for (const char *p = text; *p;) {
		guchar b = (guchar)*p;
		if (g_ascii_isalnum(b)) {
			word_add(w, (gunichar)g_ascii_tolower(b));
			p++;
			continue;
		}
		gunichar c = b < 0x80 ? b : g_utf8_get_char(p);
		gsize step = b < 0x80 ? 1 : (gsize)(g_utf8_next_char(p) - p);
		gboolean apostrophe = FALSE;
		gsize n;
		if (c == '<' && (n = tag_len(p))) {
			word_end(w);
			step = n;
		} else if (c == '&' && (n = entity_len(p, &apostrophe))) {
			if (!apostrophe)
				word_end(w);
			step = n;
		} else if (joiner(c)) {
			/* nothing: the word goes on */
		} else if (g_unichar_isalnum(c)) {
			word_add(w, g_unichar_tolower(c));
		} else if ((c == '.' || c == '!' || c == '?') &&
		           (!p[1] || g_ascii_isspace(p[1]) || p[1] == '<')) {
			sentence_end(w);
		} else {
			word_end(w);
			if (c == '\n' && ++w->newlines == 2)
				sentence_end(w);
		}
		p += step;
	}
	word_end(w);
}

static void words_fold(Words *w, const char *text)
{
	g_autofree char *valid = g_utf8_validate(text, -1, NULL) ? NULL : g_utf8_make_valid(text, -1);
	const char *t = valid ? valid : text;
	words_init(w, strlen(t));
	words_read(w, t);
}

char *ch_phrases_fold(const char *text)
{
	Words w;
	words_fold(&w, text ? text : "");
	GString *out = g_string_new(NULL);
	for (guint i = 0; i < w.starts->len; i++)
		g_string_append_printf(out, "%s%s", i ? " " : "", word_at(&w, i));
	words_clear(&w);
	return g_string_free(out, FALSE);
}

/* ---- phrases ---- */

typedef enum { ITEM_WORD, ITEM_PREFIX, ITEM_GAP } ItemKind;

typedef struct {
	char *word;      /* NULL for a gap */
	ItemKind kind;
	gboolean fuzzy;  /* one letter may be wrong */
} Item;

typedef struct {
	const char *text;  /* as listed */
	GArray *items;     /* Item */
} Phrase;

#define GAP_WORDS 3    /* "..." stands for at most this many words */
#define FUZZY_MIN 7    /* a word this long, in a phrase of two words or more, forgives a typo */

static void item_clear(gpointer p)
{
	g_free(((Item *)p)->word);
}

static void phrase_free(gpointer p)
{
	Phrase *ph = p;
	g_array_free(ph->items, TRUE);
	g_free(ph);
}

/* One listed phrase, read the way a text is (so "Self-Harm" is "self harm"), or NULL when it
 * holds no word. `forgive`: its long words may be fuzzy. */
static Phrase *phrase_new(const char *text, gboolean forgive)
{
	GArray *items = g_array_new(FALSE, TRUE, sizeof(Item));
	g_array_set_clear_func(items, item_clear);
	g_auto(GStrv) parts = g_strsplit_set(text, " \t\r\n", -1);
	guint nwords = 0;
	for (char **part = parts; *part; part++) {
		if (!**part)
			continue;
		if (strcmp(*part, "...") == 0 || strcmp(*part, "\u2026") == 0) {
			/* A gap at the start or after another means nothing more. */
			if (items->len && g_array_index(items, Item, items->len - 1).kind != ITEM_GAP)
				g_array_append_val(items, ((Item){ NULL, ITEM_GAP, FALSE }));
			continue;
		}
		gsize len = strlen(*part);
		gboolean prefix = (*part)[len - 1] == '*';
		if (prefix)
			(*part)[len - 1] = '\0';
		Words w;
		words_fold(&w, *part);
		for (guint i = 0; i < w.starts->len; i++) {
			const char *word = word_at(&w, i);
			if (strcmp(word, ".") == 0)
				continue;
			gboolean last = i + 1 == w.starts->len;
			Item it = { g_strdup(word), prefix && last ? ITEM_PREFIX : ITEM_WORD, FALSE };
			g_array_append_val(items, it);
			nwords++;
		}
		words_clear(&w);
	}
	while (items->len && g_array_index(items, Item, items->len - 1).kind == ITEM_GAP)
		g_array_set_size(items, items->len - 1);
	if (!nwords) {
		g_array_free(items, TRUE);
		return NULL;
	}
	for (guint i = 0; forgive && nwords >= 2 && i < items->len; i++) {
		Item *it = &g_array_index(items, Item, i);
		it->fuzzy = it->kind == ITEM_WORD && strlen(it->word) >= FUZZY_MIN;
	}
	Phrase *ph = g_new0(Phrase, 1);
	ph->text = text;
	ph->items = items;
	return ph;
}

/* Phrases by the first byte of their first word: at each word of the text only those that
 * can begin there are tried (a typo is forgiven anywhere but in the first letter). */
typedef struct {
	GPtrArray *by_first[256];
	guint serial; /* this set among all made: the word cache's key (starts_init) */
} PhraseSet;

static void set_init(PhraseSet *s, const char *const *list, gboolean forgive)
{
	static gint made;
	memset(s, 0, sizeof *s);
	s->serial = (guint)g_atomic_int_add(&made, 1) + 1;
	for (const char *const *l = list; l && *l; l++) {
		Phrase *ph = phrase_new(*l, forgive);
		if (!ph)
			continue;
		guchar b = (guchar)g_array_index(ph->items, Item, 0).word[0];
		if (!s->by_first[b])
			s->by_first[b] = g_ptr_array_new_with_free_func(phrase_free);
		g_ptr_array_add(s->by_first[b], ph);
	}
}

static void set_clear(PhraseSet *s)
{
	for (guint b = 0; b < 256; b++)
		if (s->by_first[b])
			g_ptr_array_free(s->by_first[b], TRUE);
}

/* a and b differ by at most one letter: one changed, added, dropped, or two side by side
 * swapped. */
static gboolean one_edit(const char *a, const char *b)
{
	gsize la = strlen(a), lb = strlen(b);
	if (la < lb) {
		const char *t = a;
		a = b, b = t;
		gsize tl = la;
		la = lb, lb = tl;
	}
	if (la - lb > 1)
		return FALSE;
	gsize i = 0;
	while (i < lb && a[i] == b[i])
		i++;
	if (i == lb)
		return TRUE;
	if (la != lb)
		return strcmp(a + i + 1, b + i) == 0;
	if (strcmp(a + i + 1, b + i + 1) == 0)
		return TRUE;
	return i + 1 < la && a[i] == b[i + 1] && a[i + 1] == b[i] && strcmp(a + i + 2, b + i + 2) == 0;
}

static gboolean item_matches(const Item *it, const char *word)
{
	/* A blanked word is empty; the sentence's end "." matches no listed word. */
	if (word[0] != it->word[0])
		return FALSE;
	if (it->kind == ITEM_PREFIX)
		return g_str_has_prefix(word, it->word);
	return strcmp(word, it->word) == 0 || (it->fuzzy && one_edit(word, it->word));
}

/* Items k.. of ph match the text's words from `at`: TRUE, and *end is the word after. */
static gboolean match_from(const Phrase *ph, guint k, const Words *w, guint at, guint *end)
{
	if (k == ph->items->len) {
		*end = at;
		return TRUE;
	}
	const Item *it = &g_array_index(ph->items, Item, k);
	if (it->kind == ITEM_GAP) {
		for (guint skip = 0; skip <= GAP_WORDS && at + skip <= w->starts->len; skip++) {
			if (skip && strcmp(word_at(w, at + skip - 1), ".") == 0)
				return FALSE;
			if (match_from(ph, k + 1, w, at + skip, end))
				return TRUE;
		}
		return FALSE;
	}
	return at < w->starts->len && item_matches(it, word_at(w, at)) &&
	       match_from(ph, k + 1, w, at + 1, end);
}

/* The phrases of a set whose first word matches a word, found once for each different word
 * and kept for the texts that follow (a text repeats its words, "the", "and", a name, and
 * the next text mostly the same ones: headers, our own mails quoted), in the set's order;
 * most words begin none, kept as NO_HITS with nothing allocated. One cache a thread for
 * each of the two sets a matcher holds, known by the set's serial (a set freed and another
 * made at its address is not taken for it), emptied when it would hold more than
 * STARTS_KEPT words. */
#define STARTS_KEPT 2048
#define NO_HITS ((gpointer)&no_hits)
static const char no_hits;

typedef struct {
	guint serial;
	GHashTable *by_word; /* word -> GPtrArray of Phrase, or NO_HITS */
} Starts;

static void hits_free(gpointer p)
{
	if (p != NO_HITS)
		g_ptr_array_unref(p);
}

static void caches_free(gpointer p)
{
	Starts *c = p;
	for (guint i = 0; i < 2; i++)
		if (c[i].by_word)
			g_hash_table_destroy(c[i].by_word);
	g_free(c);
}

static GPrivate caches = G_PRIVATE_INIT(caches_free);

/* This thread's cache for set, which is slot (0 or 1) of its matcher. */
static Starts *starts_of_set(const PhraseSet *set, guint slot)
{
	Starts *c = g_private_get(&caches);
	if (c == NULL) {
		c = g_new0(Starts, 2);
		g_private_set(&caches, c);
	}
	Starts *st = &c[slot];
	if (st->by_word == NULL)
		st->by_word = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, hits_free);
	if (st->serial != set->serial) {
		g_hash_table_remove_all(st->by_word);
		st->serial = set->serial;
	}
	return st;
}

static const GPtrArray *starts_of(Starts *st, const PhraseSet *set, const char *word)
{
	static const GPtrArray none = { 0 };
	gpointer hits = g_hash_table_lookup(st->by_word, word);
	if (hits)
		return hits == NO_HITS ? &none : hits;
	GPtrArray *found = NULL;
	const GPtrArray *cands = set->by_first[(guchar)word[0]];
	for (guint j = 0; cands && j < cands->len; j++) {
		const Phrase *ph = g_ptr_array_index(cands, j);
		if (!item_matches(&g_array_index(ph->items, Item, 0), word))
			continue;
		if (!found)
			found = g_ptr_array_new();
		g_ptr_array_add(found, (gpointer)ph);
	}
	/* Bounded, even within one long text: what was returned before is no longer used. */
	if (g_hash_table_size(st->by_word) >= STARTS_KEPT)
		g_hash_table_remove_all(st->by_word);
	/* A copy: the routine pass blanks the text's words where they stand. */
	g_hash_table_insert(st->by_word, g_strdup(word), found ? (gpointer)found : NO_HITS);
	return found ? found : &none;
}

/* The first phrase of the set that begins at word `at`, and where it ends. A phrase's first
 * item is a word, never a gap (phrase_new). */
static const Phrase *match_at(Starts *st, const PhraseSet *set, const Words *w, guint at,
                              guint *end)
{
	const GPtrArray *hits = starts_of(st, set, word_at(w, at));
	for (guint j = 0; j < hits->len; j++) {
		const Phrase *ph = g_ptr_array_index(hits, j);
		if (match_from(ph, 1, w, at + 1, end))
			return ph;
	}
	return NULL;
}

struct ChPhrases {
	PhraseSet routine;
	PhraseSet alert;
};

ChPhrases *ch_phrases_new(const char *const *alert, const char *const *routine)
{
	ChPhrases *p = g_new0(ChPhrases, 1);
	set_init(&p->routine, routine, FALSE);
	set_init(&p->alert, alert, TRUE);
	return p;
}

void ch_phrases_free(ChPhrases *p)
{
	if (!p)
		return;
	set_clear(&p->routine);
	set_clear(&p->alert);
	g_free(p);
}

const char *ch_phrases_match(const ChPhrases *p, const char *text)
{
	if (!text || !p)
		return NULL;
	Words w;
	words_fold(&w, text);
	Starts *routine = starts_of_set(&p->routine, 0), *alert = starts_of_set(&p->alert, 1);
	/* Routine words first, blanked where they stand: "no immediate risk" is then no
	 * "immediate risk", and a concern beside it still matches. */
	for (guint i = 0; i < w.starts->len;) {
		guint end = i;
		if (match_at(routine, &p->routine, &w, i, &end) && end > i) {
			for (guint k = i; k < end; k++)
				w.buf->str[g_array_index(w.starts, gsize, k)] = '\0';
			i = end;
		} else {
			i++;
		}
	}
	const char *hit = NULL;
	for (guint i = 0; i < w.starts->len && !hit; i++) {
		guint end;
		const Phrase *ph = match_at(alert, &p->alert, &w, i, &end);
		if (ph)
			hit = ph->text;
	}
	words_clear(&w);
	return hit;
}

const char *ch_phrases_find(const char *const *alert, const char *const *routine,
                            const char *text)
{
	if (!text || !alert || !*alert)
		return NULL;
	g_autoptr(ChPhrases) p = ch_phrases_new(alert, routine);
	return ch_phrases_match(p, text);
}
