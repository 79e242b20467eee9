#include "engine/commands.h"

#include "engine/rules.h"

#include <string.h>

const char *const ch_reason_codes[] = {
	"no_apologies", "no_report", "report_late", "report_quality",
	"not_shared_with_parents", "not_redacted", "other", NULL,
};

/* The words people use for each reason. Matched after reduce() on both sides, so "the report
 * was not received" and "report not received" read the same; then word by word with a small
 * edit distance, so "no apologys" and "late reprot" read too. */
static const struct {
	const char *code;
	const char *description;
	const char *const words[32];
} reasons[] = {
	{ "no_apologies", "did not send apologies",
	  { "no apologies", "no apology", "failed to send apologies", "did not send apologies",
	    "didn't send apologies", "no apologies sent", "no apologies given",
	    "apologies not sent", "absent without apologies", "without apologies",
	    "did not give apologies", "didn't give apologies", "no apologies offered",
	    "did not attend and no apologies", "did not attend or send apologies",
	    "no apologies for absence", "absent no apologies", NULL } },
	{ "no_report", "did not provide a report",
	  { "no report", "did not provide a report", "report not provided", "missing report",
	    "no report provided", "no report sent", "didn't provide a report",
	    "did not send a report", "didn't send a report", "report missing",
	    "report not received", "report never received", "report never sent",
	    "report never arrived", "report never came", "no written report",
	    "failed to provide a report", "failed to send a report", "no report at all",
	    "did not submit a report", "didn't submit a report", "no report came",
	    "nothing sent", "no report arrived", NULL } },
	{ "report_late", "report not provided in time",
	  { "late report", "report late", "late", "report not in timescales",
	    "not in timescales", "report out of time", "report came late", "report too late",
	    "report arrived late", "late submission", "submitted late", "report not on time",
	    "report not in time", "report overdue", "overdue report", "overdue", "too late",
	    "report delayed", "delayed report", "report out of timescales",
	    "out of timescales", "report after the deadline", NULL } },
	{ "report_quality", "report not of a satisfactory quality",
	  { "report quality", "poor report", "poor quality", "quality",
	    "unsatisfactory report", "poor quality report", "report of poor quality",
	    "quality of report", "quality of the report", "low quality report",
	    "inadequate report", "report inadequate", "report not good enough",
	    "report quality poor", "report unsatisfactory", "report poor", NULL } },
	{ "not_shared_with_parents", "report not shared with parents in time",
	  { "not shared with parents", "not shared", "report not shared",
	    "not shared with parents in time", "report not shared with parents",
	    "not shared with the parents", "report not shared with the family",
	    "not shared with family", "not shared with the family", "not shared with parent",
	    "report not shared with parent", "parents had not seen the report",
	    "parents not given the report", "not shared with parents before the conference",
	    "not shared with carers", "not shared with the parents in time", NULL } },
	{ "not_redacted", "report not redacted, not translated or holding confidential information",
	  { "not redacted", "unredacted", "not translated", "confidential information",
	    "report not redacted", "confidential", "not anonymised", "names not redacted",
	    "report unredacted", "contains confidential information",
	    "holds confidential information", "report not translated",
	    "holding confidential information", "unredacted report", NULL } },
	{ "other", "another concern about the conference",
	  { "other", "other concern", "another concern", "something else", NULL } },
};

const char *ch_reason_describe(const char *code)
{
	for (guint i = 0; i < G_N_ELEMENTS(reasons); i++)
		if (!strcmp(reasons[i].code, code))
			return reasons[i].description;
	return code;
}

char *ch_reasons_describe(char **codes)
{
	GString *s = g_string_new(NULL);
	for (char **r = codes; r && *r; r++)
		g_string_append_printf(s, "%s%s", s->len ? "; " : "", ch_reason_describe(*r));
	return g_string_free(s, FALSE);
}

static gboolean word_char(char ch)
{
	return g_ascii_isalnum(ch) || ch == '\'';
}

/* The words of a text, lower case: letters, digits and apostrophes ("haven't" is one). */
static GPtrArray *words_of(const char *s)
{
	GPtrArray *w = g_ptr_array_new_with_free_func(g_free);
	const char *p = s;
	while (*p) {
		while (*p && !word_char(*p))
			p++;
		const char *b = p;
		while (*p && word_char(*p))
			p++;
		if (p > b) {
			char *one = g_ascii_strdown(b, p - b);
			/* quotes around a word are not part of it */
			size_t n = strlen(one);
			while (n && one[n - 1] == '\'')
				one[--n] = 0;
			char *start = one;
			while (*start == '\'')
				start++;
			if (*start)
				g_ptr_array_add(w, g_strdup(start));
			g_free(one);
		}
	}
	return w;
}

static gboolean in_set(const char *w, const char *const set[])
{
	for (guint i = 0; set[i]; i++)
		if (!strcmp(w, set[i]))
			return TRUE;
	return FALSE;
}

/* Words that carry no reason of their own: "the report was not received" reads as "report
 * not". Both the table and what people write go through this. */
static const char *const reason_filler[] = {
	"the", "a", "an", "was", "were", "is", "are", "has", "had", "have", "been", "any",
	"their", "his", "her", "its", "they", "he", "she", "received", "sent", "submitted",
	"provided", "given", "for", "of", "to", "by", "at", "all", "yet", "being", NULL,
};

static GPtrArray *reduce(const char *s)
{
	g_autofree char *sp = g_strdup(s);
	for (char *p = sp; *p; p++)
		if (*p == '_' || *p == '-')
			*p = ' ';
	GPtrArray *all = words_of(sp);
	GPtrArray *out = g_ptr_array_new_with_free_func(g_free);
	for (guint i = 0; i < all->len; i++)
		if (!in_set(all->pdata[i], reason_filler))
			g_ptr_array_add(out, g_strdup(all->pdata[i]));
	g_ptr_array_unref(all);
	return out;
}

/* Optimal string alignment distance (edits and swaps of neighbours), stopping early. */
static guint distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	if (la > 40 || lb > 40)
		return 99;
	guint d[42][42];
	for (size_t i = 0; i <= la; i++)
		d[i][0] = i;
	for (size_t j = 0; j <= lb; j++)
		d[0][j] = j;
	for (size_t i = 1; i <= la; i++)
		for (size_t j = 1; j <= lb; j++) {
			guint cost = a[i - 1] != b[j - 1];
			guint v = MIN(MIN(d[i - 1][j] + 1, d[i][j - 1] + 1), d[i - 1][j - 1] + cost);
			if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
				v = MIN(v, d[i - 2][j - 2] + 1);
			d[i][j] = v;
		}
	return d[la][lb];
}

/* A small spelling mistake: none in short words ("no" is not "not"), one in words of five
 * letters or more, two from eight. */
static gboolean near_word(const char *typed, const char *known)
{
	if (!strcmp(typed, known))
		return TRUE;
	size_t n = MIN(strlen(typed), strlen(known));
	guint allowed = n >= 8 ? 2 : n >= 5 ? 1 : 0;
	return allowed && distance(typed, known) <= allowed;
}

static gboolean same_words(GPtrArray *a, GPtrArray *b, gboolean fuzzy)
{
	if (a->len != b->len || !a->len)
		return FALSE;
	for (guint i = 0; i < a->len; i++) {
		gboolean ok = fuzzy ? near_word(a->pdata[i], b->pdata[i])
		                    : !strcmp(a->pdata[i], b->pdata[i]);
		if (!ok)
			return FALSE;
	}
	return TRUE;
}

const char *ch_reason_from_words(const char *words)
{
	g_autoptr(GPtrArray) w = reduce(words);
	if (!w->len)
		return NULL;
	for (int fuzzy = 0; fuzzy <= 1; fuzzy++) {
		const char *found = NULL;
		for (guint i = 0; i < G_N_ELEMENTS(reasons); i++) {
			gboolean hit = FALSE;
			g_autoptr(GPtrArray) code = reduce(reasons[i].code);
			hit = same_words(w, code, fuzzy);
			for (guint k = 0; !hit && reasons[i].words[k]; k++) {
				g_autoptr(GPtrArray) known = reduce(reasons[i].words[k]);
				hit = same_words(w, known, fuzzy);
			}
			if (hit) {
				/* A typo that could be two reasons names neither. */
				if (found && strcmp(found, reasons[i].code))
					return NULL;
				found = reasons[i].code;
			}
		}
		if (found)
			return found;
	}
	return NULL;
}

static void command_free(ChCommand *c)
{
	g_strfreev(c->reasons);
	g_free(c->text);
	g_free(c->line);
	g_free(c);
}

static ChCommands *commands_new(void)
{
	ChCommands *c = g_new0(ChCommands, 1);
	c->commands = g_ptr_array_new_with_free_func((GDestroyNotify)command_free);
	c->problems = g_ptr_array_new_with_free_func(g_free);
	c->held = g_ptr_array_new_with_free_func(g_free);
	return c;
}

void ch_commands_free(ChCommands *c)
{
	if (!c)
		return;
	g_ptr_array_unref(c->commands);
	g_ptr_array_unref(c->problems);
	g_ptr_array_unref(c->held);
	g_free(c);
}

static ChCommand *add(ChCommands *cs, ChCommandKind kind, const char *line)
{
	ChCommand *c = g_new0(ChCommand, 1);
	c->kind = kind;
	c->line = g_strdup(line);
	g_ptr_array_add(cs->commands, c);
	return c;
}

static void held_line(ChCommands *cs, const char *line)
{
	for (guint i = 0; i < cs->held->len; i++)
		if (!strcmp(cs->held->pdata[i], line))
			return;
	g_ptr_array_add(cs->held, g_strdup(line));
}

static void problem(ChCommands *cs, const char *line, const char *what)
{
	g_ptr_array_add(cs->problems, g_strdup_printf("'%s': %s", line, what));
	held_line(cs, line);
}

/* A line that reads as an instruction but may not mean it: never acted on. */
static void hold(ChCommands *cs, const char *line, const char *why)
{
	g_autofree char *what = g_strdup_printf("not acted on, because %s; nothing was changed. "
	                                        "If you meant it, write the instruction again "
	                                        "on a line of its own",
	                                        why);
	problem(cs, line, what);
}

/* A line as read for commands: trimmed, list bullets and bold markers taken off, typographic
 * quotes and dashes made plain (a dash as " - ", so it separates like one), no-break
 * spaces and tabs as spaces. */
static char *fold_line(const char *raw)
{
	GString *s = g_string_new(NULL);
	for (const guchar *p = (const guchar *)raw; *p; p++) {
		if (p[0] == 0xe2 && p[1] == 0x80 && (p[2] == 0x98 || p[2] == 0x99)) {
			g_string_append_c(s, '\'');
			p += 2;
		} else if (p[0] == 0xe2 && p[1] == 0x80 && (p[2] == 0x9c || p[2] == 0x9d)) {
			g_string_append_c(s, '"');
			p += 2;
		} else if (p[0] == 0xe2 && ((p[1] == 0x80 && (p[2] == 0x93 || p[2] == 0x94)) ||
		                            (p[1] == 0x88 && p[2] == 0x92))) {
			g_string_append(s, " - ");
			p += 2;
		} else if (p[0] == 0xe2 && p[1] == 0x80 && p[2] == 0xa2) {
			g_string_append_c(s, ' ');
			p += 2;
		} else if (p[0] == 0xc2 && p[1] == 0xa0) {
			g_string_append_c(s, ' ');
			p++;
		} else if (*p == '\t' || *p == '\r') {
			g_string_append_c(s, ' ');
		} else if (*p == '*') {
			/* bold markers: **Approved.** */
		} else {
			g_string_append_c(s, (char)*p);
		}
	}
	char *out = g_string_free(s, FALSE);
	g_strstrip(out);
	char *p = out;
	while (*p == '-' || *p == ' ' || *p == '>')
		p++;
	memmove(out, p, strlen(p) + 1);
	return out;
}

/* A line as written, for quoting back and for the record: trimmed, with list bullets and
 * bold markers people add in rich-text clients taken off the front. */
static char *clean_line(const char *raw)
{
	char *s = g_strstrip(g_strdup(raw));
	char *p = s;
	while (*p == '*' || *p == '-' || *p == '\xe2' || *p == ' ' || *p == '\t') {
		/* U+2022 BULLET is e2 80 a2 */
		if (*p == '\xe2') {
			if (p[1] == '\x80' && p[2] == '\xa2')
				p += 3;
			else
				break;
		} else {
			p++;
		}
	}
	char *out = g_strdup(p);
	g_free(s);
	size_t n = strlen(out);
	while (n && (out[n - 1] == '*' || out[n - 1] == ' '))
		out[--n] = 0;
	return out;
}

static gboolean is_neg(const char *w)
{
	static const char *const neg[] = {
		"not", "no", "never", "nor", "cannot", "cant", "dont", "wont", "isnt", "hasnt",
		"havent", "didnt", "wasnt", "werent", "arent", "couldnt", "shouldnt", "wouldnt",
		"doesnt", "aint", "nobody", "none", "neither", "un", "dis", "non", "nothing",
		"unauthorised", "unauthorized", "unapproved", "disagree", "disapprove",
		"disapproved", "disagreed", "without", NULL,
	};
	return in_set(w, neg) || g_str_has_suffix(w, "n't");
}

/* A word at a word boundary in a lower-case text. */
static const char *find_word(const char *low, const char *word)
{
	size_t n = strlen(word);
	for (const char *p = strstr(low, word); p; p = strstr(p + 1, word)) {
		gboolean left = p == low || !word_char(p[-1]);
		gboolean right = !word_char(p[n]);
		if (left && right)
			return p;
	}
	return NULL;
}

static const char *cue_of_partial(const char *low, gboolean partial_counts);

/* A question, retraction, condition or imperative on a line (see cue_of_partial). */
static const char *cue_of(const char *low)
{
	return cue_of_partial(low, TRUE);
}

/* The clauses of a line: split at sentence ends, commas, colons and dashes. */
static GPtrArray *clauses_of(const char *low)
{
	GPtrArray *out = g_ptr_array_new_with_free_func(g_free);
	GString *cur = g_string_new(NULL);
	for (const char *p = low;; p++) {
		gboolean end = !*p || strchr(".!;,:?", *p) || (p[0] == ' ' && p[1] == '-' && p[2] == ' ');
		if (end) {
			g_strstrip(cur->str);
			cur->len = strlen(cur->str);
			if (cur->len)
				g_ptr_array_add(out, g_strdup(cur->str));
			g_string_truncate(cur, 0);
			if (!*p)
				break;
			if (p[0] == ' ')
				p += 2;
			continue;
		}
		g_string_append_c(cur, *p);
	}
	g_string_free(cur, TRUE);
	return out;
}

/* Why a line that is not itself a command may still be an instruction: a question, a
 * retraction, a condition, an imperative chaser cannot follow. NULL when it is chat. */
static const char *cue_of_partial(const char *low, gboolean partial_counts)
{
	static const struct {
		const char *words;
		const char *why;
	} phrases[] = {
		{ "ignore", "it says \"ignore\"" },
		{ "disregard", "it says \"disregard\"" },
		{ "not yet", "it says \"not yet\"" },
		{ "hold on", "it says \"hold on\"" },
		{ "hang on", "it says \"hang on\"" },
		{ "hold off", "it says \"hold off\"" },
		{ "on hold", "it says \"on hold\"" },
		{ "wait", "it says \"wait\"" },
		{ "cancel", "it says \"cancel\"" },
		{ "withdraw", "it says \"withdraw\"" },
		{ "retract", "it says \"retract\"" },
		{ "scratch that", "it says \"scratch that\"" },
		{ "too soon", "it says it was sent too soon" },
		{ "too early", "it says it was sent too early" },
		{ "by mistake", "it says \"by mistake\"" },
		{ "in error", "it says \"in error\"" },
		{ "haven't finished", "it says the checking is not finished" },
		{ "have not finished", "it says the checking is not finished" },
		{ "not finished", "it says the checking is not finished" },
		{ "still checking", "it says the checking is not finished" },
		{ "changed my mind", "it says \"changed my mind\"" },
		{ "undo", "it says \"undo\"" },
		{ "in part", "it says \"in part\"" },
		{ "partly", "it says \"partly\"" },
		{ "partially", "it says \"partially\"" },
		{ "for now", "it says \"for now\"" },
		{ "yet", "it says \"yet\"" },
		{ "as far as", "it says \"as far as\"" },
		{ "by whom", "it asks \"by whom\"" },
	};
	if (strchr(low, '?'))
		return "it reads as a question";
	for (guint i = 0; i < G_N_ELEMENTS(phrases); i++) {
		if (!partial_counts && (!strcmp(phrases[i].words, "in part") ||
		                        !strcmp(phrases[i].words, "partly") ||
		                        !strcmp(phrases[i].words, "partially")))
			continue;
		if (find_word(low, phrases[i].words))
			return phrases[i].why;
	}
	/* An imperative at the start of a sentence: chaser can only do what its commands say. */
	static const char *const lead[] = { "please", "sorry", "oh", "oops", "actually", "and",
		                                "also", "but", "kindly", "can", "could", "you", NULL };
	static const char *const verbs[] = {
		"change", "amend", "correct", "remove", "delete", "add", "replace", "stop", "send",
		"chase", "swap", "include", "exclude", "put", "move", "update", "fix", "make", "dont",
		"don't", "do", "hold", "redo", "reverse", NULL,
	};
	g_autoptr(GPtrArray) parts = clauses_of(low);
	for (guint c = 0; c < parts->len; c++) {
		g_autoptr(GPtrArray) w = words_of(parts->pdata[c]);
		guint k = 0;
		while (k < w->len && in_set(w->pdata[k], lead))
			k++;
		if (k < w->len && in_set(w->pdata[k], verbs)) {
			/* "do let me know" is a sign-off */
			if (!strcmp(w->pdata[k], "do") && k + 1 < w->len &&
			    !strcmp(w->pdata[k + 1], "let"))
				continue;
			return "it reads as an instruction chaser cannot follow";
		}
	}
	return NULL;
}

static gboolean all_in(GPtrArray *w, guint from, guint to, const char *const set[])
{
	for (guint i = from; i < to && i < w->len; i++)
		if (!in_set(w->pdata[i], set))
			return FALSE;
	return TRUE;
}

/* ---- the chair ------------------------------------------------------------------------------ */

static const char *const authorise_words[] = {
	"authorised", "authorized", "authorise", "authorize", "approved", "approve", "agreed",
	"agree", NULL,
};

/* Words that may stand beside an authorisation in a plain statement of it: "I have checked
 * the list and it is authorised", "Happy to authorise", "That's fine, authorised". Any other
 * word beside it (a condition, a name, a number) makes the clause something to ask about. */
static const char *const authorise_filler[] = {
	"list", "the", "this", "distribution", "is", "it", "it's", "its", "i", "i've", "ive",
	"i'm", "im", "am", "have", "has", "been", "checked", "reviewed", "read", "looked", "at",
	"over", "through", "and", "thanks", "thank", "happy", "to", "that's", "thats", "that",
	"fine", "ok", "okay", "all", "good", "looks", "as", "now", "by", "me", "correct", "yes",
	"many", "great", "cheers", "hereby", "glad", "confirm", "can", "both", "accurate",
	"fully", "attached", "above", "below", "are", "hi", "hello", "dear", "everything",
	"we", "so", "from", "my", "side", "here", "entries", "of", "them", "done", "list's",
	"gone", "a", "please", "find", "for", "your", "help", "again", "sending", "over", NULL,
};

static const char *const none_tail[] = {
	"required", "needed", "necessary", "is", "are", "please", "thanks", "from", "me", "at",
	"this", "stage", "for", "conference", "the", "list", "needs", "any", "there", "at",
	"all", "time", "point", "i", "have", "we", NULL,
};

/* "No escalations required", "Nobody to escalate", "Escalations: none". */
static gboolean none_phrase(GPtrArray *w)
{
	static const char *const heads[][5] = {
		{ "no", "escalation", NULL }, { "no", "escalations", NULL },
		{ "no", "further", "escalation", NULL }, { "no", "further", "escalations", NULL },
		{ "escalations", "none", NULL }, { "escalation", "none", NULL },
		{ "escalations", "nil", NULL }, { "nobody", "to", "escalate", NULL },
		{ "no", "one", "to", "escalate", NULL }, { "none", "to", "escalate", NULL },
		{ "nothing", "to", "escalate", NULL }, { "no", "need", "to", "escalate" },
		{ "no", "need", "for", "escalation" }, { "no", "one", "needs", "escalating" },
		{ "nobody", "needs", "escalating", NULL }, { "there", "are", "no", "escalations" },
		{ "i", "have", "no", "escalations" }, { "not", "escalating", "anyone", NULL },
	};
	for (guint h = 0; h < G_N_ELEMENTS(heads); h++) {
		guint k = 0;
		while (k < 5 && heads[h][k] && k < w->len && !strcmp(w->pdata[k], heads[h][k]))
			k++;
		if (k < 5 && heads[h][k])
			continue;
		if (all_in(w, k, w->len, none_tail))
			return TRUE;
	}
	return FALSE;
}

static gboolean has_escalate_word(GPtrArray *w)
{
	for (guint i = 0; i < w->len; i++)
		if (g_str_has_prefix(w->pdata[i], "escalat") || g_str_has_prefix(w->pdata[i], "excalat") ||
		    g_str_has_prefix(w->pdata[i], "esclat"))
			return TRUE;
	return FALSE;
}

static gboolean has_word_in(GPtrArray *w, const char *const set[])
{
	for (guint i = 0; i < w->len; i++)
		if (in_set(w->pdata[i], set))
			return TRUE;
	return FALSE;
}

typedef struct {
	const ChListLine *list;
	guint n_list;
} ChairCtx;

/* A line reference at low + *pos: 3, 3., (3), #3, no. 3, line 3, number 3, item 3. Returns
 * the number (moving *pos past it) or 0. */
static int parse_ref(const char *low, size_t *pos)
{
	size_t p = *pos;
	while (low[p] == ' ')
		p++;
	static const char *const lead[] = { "line", "lines", "number", "numbers", "no", "nos",
		                                "num", "item", "entry", "person", NULL };
	for (guint i = 0; lead[i]; i++) {
		size_t n = strlen(lead[i]);
		if (!strncmp(low + p, lead[i], n) && !g_ascii_isalnum(low[p + n])) {
			size_t q = p + n;
			while (low[q] == '.' || low[q] == ' ')
				q++;
			if (g_ascii_isdigit(low[q]) || low[q] == '#' || low[q] == '(') {
				p = q;
				break;
			}
		}
	}
	if (low[p] == '#')
		p++;
	gboolean paren = low[p] == '(';
	if (paren)
		p++;
	if (!g_ascii_isdigit(low[p]))
		return 0;
	int n = 0;
	size_t digits = 0;
	while (g_ascii_isdigit(low[p]) && digits < 6) {
		n = n * 10 + (low[p] - '0');
		p++;
		digits++;
	}
	if (g_ascii_isalnum(low[p]))
		return 0; /* "3rd", "20th", "2026x" */
	if (paren) {
		if (low[p] != ')')
			return 0;
		p++;
	} else if (low[p] == ')') {
		p++; /* "#2)" as in a numbered list */
	}
	if (low[p] == '.' && !g_ascii_isdigit(low[p + 1]))
		p++;
	if (n <= 0)
		return 0;
	*pos = p;
	return n;
}

/* A professional named at low + *pos, by full name or by surname. Returns the line, -1 when
 * the name fits more than one line (*pos not moved), 0 when it names nobody. */
static int parse_name(const char *low, size_t *pos, const ChairCtx *cx, gboolean *agency_bad)
{
	size_t p = *pos;
	while (low[p] == ' ')
		p++;
	int found = 0;
	size_t best = 0;
	gboolean twice = FALSE;
	for (guint i = 0; cx && i < cx->n_list; i++) {
		if (!cx->list[i].name)
			continue;
		g_autofree char *full = g_ascii_strdown(cx->list[i].name, -1);
		g_strstrip(full);
		const char *sp = strrchr(full, ' ');
		const char *forms[] = { full, sp && strlen(sp + 1) >= 3 ? sp + 1 : NULL };
		for (guint f = 0; f < G_N_ELEMENTS(forms); f++) {
			if (!forms[f])
				continue;
			size_t n = strlen(forms[f]);
			if (strncmp(low + p, forms[f], n) || word_char(low[p + n]))
				continue;
			if (n > best) {
				best = n;
				found = cx->list[i].n;
				twice = FALSE;
			} else if (n == best && found != cx->list[i].n) {
				twice = TRUE;
			}
		}
	}
	if (!found)
		return 0;
	if (twice)
		return -1;
	p += best;
	/* "(Police)": the agency, when given, must be the one on that line */
	size_t q = p;
	while (low[q] == ' ')
		q++;
	if (low[q] == '(') {
		const char *close = strchr(low + q, ')');
		if (close) {
			g_autofree char *inside = g_strndup(low + q + 1, close - (low + q + 1));
			const char *agency = NULL;
			for (guint i = 0; i < cx->n_list; i++)
				if (cx->list[i].n == found)
					agency = cx->list[i].agency;
			g_autofree char *ag = g_ascii_strdown(agency ? agency : "", -1);
			g_autoptr(GPtrArray) w = words_of(inside);
			gboolean fits = w->len > 0;
			for (guint k = 0; k < w->len; k++)
				if (!find_word(ag, w->pdata[k]))
					fits = FALSE;
			if (!fits)
				*agency_bad = TRUE;
			p = close - low + 1;
		}
	}
	*pos = p;
	return found;
}

static int parse_target(const char *low, size_t *pos, const ChairCtx *cx, gboolean *agency_bad)
{
	int n = parse_ref(low, pos);
	if (n)
		return n;
	return parse_name(low, pos, cx, agency_bad);
}

static void skip_spaces(const char *s, size_t *p)
{
	while (s[*p] == ' ')
		(*p)++;
}

static gboolean at_word(const char *low, size_t p, const char *w)
{
	size_t n = strlen(w);
	return !strncmp(low + p, w, n) && !word_char(low[p + n]) && (p == 0 || !word_char(low[p - 1]));
}

/* Words a comment may not hold for the escalation to be acted on: it takes the instruction
 * back or makes it depend on something. */
static const char *comment_cue(const char *low)
{
	static const char *const words[] = { "ignore", "disregard", "wait", "hold on", "hang on",
		                                 "not yet", "only if", "unless", "until", "cancel",
		                                 "don't", "do not", "scratch that", "if", NULL };
	for (guint i = 0; words[i]; i++)
		if (find_word(low, words[i])) {
			static char why[64];
			g_snprintf(why, sizeof why, "it says \"%s\"", words[i]);
			return why;
		}
	return NULL;
}

typedef struct {
	GArray *targets;  /* int */
	GPtrArray *codes; /* char*, owned */
} Pending;

/* One escalation read from a segment. */
typedef struct {
	int n;
	char **codes;
	char *comment;
} EscOut;

static void esc_out_free(EscOut *e)
{
	g_strfreev(e->codes);
	g_free(e->comment);
	g_free(e);
}

/* The targets read so far, each with the reasons read so far, into out; pd emptied. */
static void pending_flush(Pending *pd, GPtrArray *out)
{
	for (guint t = 0; t < pd->targets->len; t++) {
		EscOut *e = g_new0(EscOut, 1);
		e->n = g_array_index(pd->targets, int, t);
		e->codes = g_new0(char *, pd->codes->len + 1);
		for (guint k = 0; k < pd->codes->len; k++)
			e->codes[k] = g_strdup(pd->codes->pdata[k]);
		g_ptr_array_add(out, e);
	}
	g_array_set_size(pd->targets, 0);
	g_ptr_array_set_size(pd->codes, 0);
}

/* "no report was received before the conference": a reason, then words that say when or
 * why, which become the comment. Only when the words after the reason start with one of a
 * few linking words, so that "no report or late report" is still not read. The comment is
 * taken in lower case (from the reason part of the line). */
static const char *reason_then_comment(const char *piece, char **comment)
{
	static const char *const starters[] = { "before", "after", "since", "from", "despite",
		                                   "at", "on", "in", "by", "for", "again", "ahead",
		                                   "last", "this", "prior", "even", NULL };
	g_autoptr(GPtrArray) w = words_of(piece);
	for (guint j = w->len; j-- > 1;) {
		if (!in_set(w->pdata[j], starters))
			continue;
		GString *head = g_string_new(NULL);
		for (guint k = 0; k < j; k++)
			g_string_append_printf(head, "%s%s", k ? " " : "", (char *)w->pdata[k]);
		const char *code = ch_reason_from_words(head->str);
		g_string_free(head, TRUE);
		if (!code)
			continue;
		/* where word j starts, found by walking the words before it */
		const char *at = piece;
		for (guint k = 0; k <= j; k++) {
			at = find_word(at, w->pdata[k]);
			if (!at)
				return NULL;
			if (k < j)
				at += strlen(w->pdata[k]);
		}
		g_free(*comment);
		*comment = g_strdup(at);
		return code;
	}
	return NULL;
}

/* One "ESCALATE ..." segment of a line (what follows the word, up to the next ESCALATE):
 * its targets, reasons and comment, into `out` as (n, codes, comment) triples. FALSE with
 * a problem added when any part is not understood. */
static gboolean parse_segment(ChCommands *cs, const char *line, const char *seg_fold,
                              const char *seg_low, const ChairCtx *cx, GPtrArray *out_cmds)
{
	size_t p = 0;
	guint seg_from = out_cmds->len;
	g_autofree char *reason_text = NULL, *comment = NULL, *comment_low = NULL;
	g_auto(GStrv) parts = NULL;
	Pending pd = { g_array_new(FALSE, FALSE, sizeof(int)),
		           g_ptr_array_new_with_free_func(g_free) };
	gboolean ok = TRUE;
	gboolean agency_bad = FALSE;
	for (;;) {
		int n = parse_target(seg_low, &p, cx, &agency_bad);
		if (n < 0) {
			problem(cs, line, "that name fits more than one line on the list: write the line "
			                  "number instead");
			ok = FALSE;
			goto done;
		}
		if (!n)
			break;
		g_array_append_val(pd.targets, n);
		if (!cs->want_n)
			cs->want_n = n;
		size_t save = p;
		skip_spaces(seg_low, &p);
		if (seg_low[p] && strchr(",&+/", seg_low[p]))
			p++;
		else if (at_word(seg_low, p, "and"))
			p += 3;
		size_t probe = p;
		gboolean dummy = FALSE;
		if (!parse_target(seg_low, &probe, cx, &dummy)) {
			p = save;
			break;
		}
	}
	if (agency_bad) {
		problem(cs, line, "the agency in brackets is not the one on that line of the list: "
		                  "write the line number instead");
		ok = FALSE;
		goto done;
	}
	if (!pd.targets->len) {
		problem(cs, line, "ESCALATE needs the line number of the professional first");
		ok = FALSE;
		goto done;
	}
	/* Separators and linking words before the reasons: "3: no report", "3 - no report",
	 * "#3 (late report)", "3 for no report", "2 and 4, no apologies". */
	gboolean paren = FALSE;
	for (;;) {
		skip_spaces(seg_low, &p);
		char ch = seg_low[p];
		if (ch == '(') {
			paren = TRUE;
			p++;
		} else if (ch && strchr(":,;-.)", ch)) {
			p++;
		} else {
			static const char *const link[] = { "for", "because", "of", "due", "to", "as", "re",
				                                "reason", "reasons", "with", "about", NULL };
			gboolean moved = FALSE;
			for (guint i = 0; link[i]; i++)
				if (at_word(seg_low, p, link[i])) {
					p += strlen(link[i]);
					moved = TRUE;
					break;
				}
			if (!moved)
				break;
		}
	}
	/* Where the reasons end and the comment starts. */
	size_t end = p;
	while (seg_low[end]) {
		char ch = seg_low[end];
		if (ch == ':' || ch == ')' || (ch == '(' && !paren))
			break;
		if (ch == ' ' && seg_low[end + 1] == '-' && seg_low[end + 2] == ' ')
			break;
		if (ch == '.' && seg_low[end + 1] == ' ' && g_ascii_isalpha(seg_low[end + 2]))
			break;
		end++;
	}
	reason_text = g_strndup(seg_low + p, end - p);
	size_t c0 = end;
	while (seg_low[c0] && strchr(":)(.- ", seg_low[c0]))
		c0++;
	comment = g_strdup(seg_fold + c0);
	g_strstrip(comment);
	/* "(nothing came)": the bracket that closes the comment's own is kept, "@SUM(A1)" */
	size_t cl = strlen(comment);
	int open = 0;
	for (size_t k = 0; k < cl; k++)
		open += comment[k] == '(' ? 1 : comment[k] == ')' ? -1 : 0;
	while (cl && open < 0 && comment[cl - 1] == ')') {
		comment[--cl] = 0;
		open++;
		while (cl && comment[cl - 1] == ' ')
			comment[--cl] = 0;
	}
	comment_low = g_ascii_strdown(comment, -1);
	const char *ccue = comment_cue(comment_low);
	if (ccue) {
		hold(cs, line, ccue);
		ok = FALSE;
		goto done;
	}
	/* The reasons, split at commas, slashes and "and"; a piece that starts with a line
	 * number starts another escalation: "escalate 2 no report and 4 late report". */
	parts = g_strsplit_set(reason_text, ",;/&+", -1);
	GPtrArray *pieces = g_ptr_array_new_with_free_func(g_free);
	for (char **r = parts; *r; r++) {
		const char *s = *r;
		const char *a;
		while ((a = find_word(s, "and"))) {
			g_ptr_array_add(pieces, g_strndup(s, a - s));
			s = a + 3;
		}
		g_ptr_array_add(pieces, g_strdup(s));
	}
	for (guint i = 0; i < pieces->len && ok; i++) {
		char *piece = g_strstrip((char *)pieces->pdata[i]);
		size_t pl = strlen(piece);
		while (pl && strchr(".!,; ", piece[pl - 1]))
			piece[--pl] = 0;
		if (!*piece)
			continue;
		size_t q = 0;
		int again = parse_ref(piece, &q);
		if (again && pd.codes->len) {
			pending_flush(&pd, out_cmds);
			g_array_append_val(pd.targets, again);
			piece += q;
			while (*piece == ' ' || *piece == ':' || *piece == '-')
				piece++;
			if (!*piece)
				continue;
		}
		const char *code = ch_reason_from_words(piece);
		if (!code && i + 1 == pieces->len && !*comment)
			code = reason_then_comment(piece, &comment);
		if (!code) {
			g_autofree char *what = g_strdup_printf("'%s' is not a reason I know", piece);
			problem(cs, line, what);
			ok = FALSE;
			break;
		}
		if (!cs->want_reason)
			cs->want_reason = code;
		gboolean dup = FALSE;
		for (guint k = 0; k < pd.codes->len; k++)
			dup |= !strcmp(pd.codes->pdata[k], code);
		if (!dup)
			g_ptr_array_add(pd.codes, g_strdup(code));
	}
	g_ptr_array_unref(pieces);
	if (ok && !pd.codes->len) {
		problem(cs, line, "ESCALATE needs at least one reason after the line number");
		ok = FALSE;
	}
	if (ok) {
		pending_flush(&pd, out_cmds);
		/* the comment belongs to every escalation of the segment */
		for (guint k = seg_from; *comment && k < out_cmds->len; k++)
			((EscOut *)out_cmds->pdata[k])->comment = g_strdup(comment);
	}
done:
	g_array_unref(pd.targets);
	g_ptr_array_unref(pd.codes);
	return ok;
}

/* Words that may come before ESCALATE on its line: "Please escalate", "Also escalate",
 * "I would like to escalate". Anything else there ("don't", "no need to", "should we",
 * "de-") leaves the line to ask about. */
static const char *const escalate_lead[] = {
	"please", "also", "and", "kindly", "i'd", "id", "i", "would", "like", "to", "want",
	"wish", "we", "need", "we'd", "could", "can", "you", "then", "so", "now", "finally",
	"lastly", "plus", NULL,
};

/* The line's ESCALATE part, from `start` (an offset into fold/low) to its end. */
static void chair_escalations(ChCommands *cs, const char *line, const char *fold,
                              const char *low, size_t start, const ChairCtx *cx)
{
	cs->want = CH_WANT_ESCALATE;
	/* the ESCALATE words of the line, by offset */
	GArray *at = g_array_new(FALSE, FALSE, sizeof(size_t));
	for (const char *p = low + start; *p; p++) {
		if ((p == low || !word_char(p[-1])) && g_str_has_prefix(p, "escalat")) {
			size_t o = p - low;
			g_array_append_val(at, o);
		}
	}
	size_t first = g_array_index(at, size_t, 0);
	g_autofree char *lead = g_strndup(low + start, first - start);
	g_autoptr(GPtrArray) lw = words_of(lead);
	for (guint i = 0; i < lw->len; i++) {
		if (is_neg(lw->pdata[i])) {
			g_autofree char *why = g_strdup_printf("it says \"%s\"", (char *)lw->pdata[i]);
			hold(cs, line, why);
			g_array_unref(at);
			return;
		}
	}
	if (!all_in(lw, 0, lw->len, escalate_lead) || strchr(lead, '-')) {
		hold(cs, line, "it does not read as an ESCALATE instruction (write ESCALATE, the "
		               "line number and a reason)");
		g_array_unref(at);
		return;
	}
	GPtrArray *out = g_ptr_array_new_with_free_func((GDestroyNotify)esc_out_free);
	gboolean ok = TRUE;
	for (guint k = 0; k < at->len && ok; k++) {
		size_t a = g_array_index(at, size_t, k);
		size_t wend = a;
		while (word_char(low[wend]))
			wend++;
		g_autofree char *word = g_strndup(low + a, wend - a);
		if (strcmp(word, "escalate")) {
			hold(cs, line, "it does not read as an ESCALATE instruction (write ESCALATE, the "
			               "line number and a reason)");
			ok = FALSE;
			break;
		}
		size_t b = k + 1 < at->len ? g_array_index(at, size_t, k + 1) : strlen(low);
		/* the words joining this segment to the next ESCALATE are not part of it */
		g_autofree char *seg_low = g_strndup(low + wend, b - wend);
		g_autofree char *seg_fold = g_strndup(fold + wend, b - wend);
		if (k + 1 < at->len) {
			for (;;) {
				size_t n = strlen(seg_low);
				while (n && strchr(" ,;.-", seg_low[n - 1]))
					n--;
				seg_low[n] = seg_fold[n] = 0;
				static const char *const joins[] = { "and", "also", "please", "then", "plus",
					                                "and also", NULL };
				gboolean cut = FALSE;
				for (guint j = 0; joins[j]; j++) {
					size_t jl = strlen(joins[j]);
					if (n >= jl && !strcmp(seg_low + n - jl, joins[j]) &&
					    (n == jl || !word_char(seg_low[n - jl - 1]))) {
						seg_low[n - jl] = seg_fold[n - jl] = 0;
						cut = TRUE;
						break;
					}
				}
				if (!cut)
					break;
			}
		}
		ok = parse_segment(cs, line, seg_fold, seg_low, cx, out);
	}
	if (ok && strchr(low, '?')) {
		hold(cs, line, "it reads as a question");
		ok = FALSE;
	}
	for (guint k = 0; ok && k < out->len; k++) {
		EscOut *e = out->pdata[k];
		ChCommand *c = add(cs, CH_CMD_ESCALATE, line);
		c->n = e->n;
		c->reasons = e->codes;
		c->text = e->comment;
		e->codes = NULL;
		e->comment = NULL;
	}
	g_ptr_array_unref(out);
	g_array_unref(at);
}

/* One clause that holds an authorisation word: AUTHORISE when it is a plain statement of it,
 * else a problem. */
static gboolean authorise_clause(ChCommands *cs, const char *line, GPtrArray *w)
{
	for (guint i = 0; i < w->len; i++) {
		const char *x = w->pdata[i];
		if (is_neg(x)) {
			g_autofree char *why = g_strdup_printf("it says \"%s\"", x);
			hold(cs, line, why);
			return FALSE;
		}
	}
	for (guint i = 0; i < w->len; i++) {
		const char *x = w->pdata[i];
		if (in_set(x, authorise_words) || in_set(x, authorise_filler))
			continue;
		/* "thank you" */
		if (!strcmp(x, "you") && i && !strcmp(w->pdata[i - 1], "thank"))
			continue;
		hold(cs, line, "I could not tell whether it authorises the list (write AUTHORISED "
		               "on a line of its own)");
		return FALSE;
	}
	return TRUE;
}

/* A condition or reservation beside a command on its line: "Authorised, but line 4 has the
 * wrong email", "Authorised once the school is added". */
static const char *condition_of(const char *low)
{
	static const struct {
		const char *words;
		const char *why;
	} cond[] = {
		{ "but", "it says \"but\"" }, { "however", "it says \"however\"" },
		{ "except", "it says \"except\"" }, { "apart from", "it says \"apart from\"" },
		{ "although", "it says \"although\"" }, { "though", "it says \"though\"" },
		{ "subject to", "it says \"subject to\"" }, { "pending", "it says \"pending\"" },
		{ "once", "it says \"once\"" }, { "provided", "it says \"provided\"" },
		{ "providing", "it says \"providing\"" }, { "condition", "it sets a condition" },
		{ "if", "it says \"if\"" }, { "unless", "it says \"unless\"" },
		{ "until", "it says \"until\"" }, { "when", "it says \"when\"" },
		{ "as long as", "it says \"as long as\"" }, { "assuming", "it says \"assuming\"" },
	};
	for (guint i = 0; i < G_N_ELEMENTS(cond); i++)
		if (find_word(low, cond[i].words))
			return cond[i].why;
	return NULL;
}

typedef struct {
	char *line;
	const char *why;
} Cue;

static void cue_free(Cue *c)
{
	g_free(c->line);
	g_free(c);
}

/* A line with no command that looks like one (an imperative, "ignore", a question): kept
 * with why, so that the whole reply is held and the answer can quote it. */
static void add_cue(GPtrArray *cues, const char *line, const char *low)
{
	const char *why = cue_of(low);
	if (!why)
		return;
	Cue *c = g_new0(Cue, 1);
	c->line = g_strdup(line);
	c->why = why;
	g_ptr_array_add(cues, c);
}

/* One line of the chair's reply. Long because its parts depend on each other: the line is
 * read clause by clause ("Approved. Thanks Jane"); an authorisation, "no escalation" or the
 * first ESCALATE clause is found (that clause runs to the end of the line, its commas and
 * colons included); only then can the rest of the line be read for a doubt (a question, a
 * retraction, a condition, a "not" in another clause), and a doubt anywhere holds the whole
 * line, so nothing is added until all of it has been read. A line with no command that
 * looks like one becomes a cue. */
static void chair_line(ChCommands *cs, const char *line, const char *fold, const char *low,
                       const ChairCtx *cx, GPtrArray *cues)
{
	g_autoptr(GPtrArray) clauses = clauses_of(low);
	guint problems_before = cs->problems->len;
	gboolean authorise = FALSE, none = FALSE;
	gssize esc_start = -1;
	size_t from = 0;
	g_autofree char *neg_seen = NULL; /* a "not" in a clause that is not the command */
	g_autoptr(GPtrArray) all_words = words_of(low);
	if (none_phrase(all_words)) {
		/* "Escalations: none" */
		g_ptr_array_set_size(clauses, 0);
		none = TRUE;
	}
	for (guint k = 0; k < clauses->len; k++) {
		const char *cl = clauses->pdata[k];
		const char *at = strstr(low + from, cl);
		if (at)
			from = at - low;
		g_autoptr(GPtrArray) w = words_of(cl);
		if (!w->len)
			continue;
		if (none_phrase(w)) {
			none = TRUE;
			continue;
		}
		if (has_escalate_word(w)) {
			/* from this clause to the end of the line: commas and colons are part of it */
			esc_start = from;
			break;
		}
		gboolean un = FALSE;
		for (guint i = 0; i < w->len; i++)
			un |= g_str_has_prefix(w->pdata[i], "unauthori") ||
			      g_str_has_prefix(w->pdata[i], "unapprov") ||
			      g_str_has_prefix(w->pdata[i], "disagree") ||
			      g_str_has_prefix(w->pdata[i], "disapprov");
		if (!has_word_in(w, authorise_words) && !neg_seen)
			for (guint i = 0; i < w->len; i++)
				if (is_neg(w->pdata[i])) {
					neg_seen = g_strdup(w->pdata[i]);
					break;
				}
		if (un || has_word_in(w, authorise_words)) {
			if (cs->want == CH_WANT_UNKNOWN)
				cs->want = CH_WANT_AUTHORISE;
			if (un) {
				hold(cs, line, "it says the list is not authorised");
				return;
			}
			if (!authorise_clause(cs, line, w))
				return;
			authorise = TRUE;
		}
	}
	if (!authorise && !none && esc_start < 0) {
		add_cue(cues, line, low);
		return;
	}
	/* A command with a question, a retraction or a condition elsewhere on its line is
	 * asked about, not acted on. An ESCALATE part checks its own comment. */
	g_autofree char *before_esc = esc_start < 0 ? g_strdup(low) : g_strndup(low, esc_start);
	const char *why = cue_of(before_esc);
	if (!why)
		why = condition_of(before_esc);
	/* "Not sure. Authorised." */
	g_autofree char *neg_why = neg_seen ? g_strdup_printf("it says \"%s\"", neg_seen) : NULL;
	if (!why && neg_why)
		why = neg_why;
	if (!why && esc_start >= 0 && strchr(low, '?'))
		why = "it reads as a question";
	if (why) {
		if (esc_start >= 0)
			cs->want = CH_WANT_ESCALATE;
		hold(cs, line, why);
		return;
	}
	guint before = cs->commands->len;
	if (authorise)
		add(cs, CH_CMD_AUTHORISE, line);
	if (none)
		add(cs, CH_CMD_NO_ESCALATION, line);
	if (esc_start >= 0) {
		chair_escalations(cs, line, fold, low, esc_start, cx);
		if (cs->problems->len > problems_before)
			g_ptr_array_set_size(cs->commands, before);
	}
}

static ChCommands *parse_lines(const char *text, const ChairCtx *cx, gboolean slo);

ChCommands *ch_commands_parse_chair(const char *text)
{
	return parse_lines(text, NULL, FALSE);
}

ChCommands *ch_commands_parse_chair_list(const char *text, const ChListLine *list, guint n_list)
{
	ChairCtx cx = { list, n_list };
	return parse_lines(text, &cx, FALSE);
}

ChCommands *ch_commands_parse_slo(const char *text)
{
	return parse_lines(text, NULL, TRUE);
}

/* ---- the SLO (and the chair confirming an answer) ------------------------------------------ */

/* The outcome: what follows "RESOLVED:" on its line and the lines after it, up to a blank
 * line. People wrap a long outcome, or write the word alone and the outcome below it. */
static char *outcome_text(const char *line, size_t skip, char **const lines, guint i)
{
	const char *p = line + skip;
	while (*p == ':' || *p == ' ' || *p == '-' || *p == '.' || *p == '\t' || *p == ',')
		p++;
	GString *s = g_string_new(p);
	for (guint k = i + 1; lines[k] && k < i + 20; k++) {
		g_autofree char *next = g_strstrip(g_strdup(lines[k]));
		if (!*next)
			break;
		if (s->len)
			g_string_append_c(s, ' ');
		g_string_append(s, next);
	}
	if (!s->len) {
		g_string_free(s, TRUE);
		return NULL;
	}
	return g_string_free(s, FALSE);
}

/* Words that may come before RESOLVED in a plain statement that it is: "This is now
 * resolved", "We have resolved this", "I can confirm the matter has been resolved". With
 * one "not" among them it is NOT RESOLVED; any other word leaves it to ask about. */
static const char *const resolved_lead[] = {
	"this", "it", "that", "the", "matter", "issue", "issues", "concern", "concerns",
	"escalation", "is", "has", "have", "had", "we", "i", "now", "been", "all", "fully",
	"was", "completely", "are", "am", "everything", "successfully", "confirm", "confirming",
	"pleased", "glad", "happy", "to", "say", "report", "i'm", "im", "we've", "i've",
	"it's", "its", "so", "yes", "ok", "okay", "thanks", "thank", "you", "hello", "hi",
	"and", "as", "already", "today", "still", "remains", "remain", "i'd", "like", "can",
	"dear", "that's", "this", "both", "our", "side", "from", "now", "well",
	"your", "query", "regarding", "re", NULL,
};

/* After RESOLVED, at the start of what follows: words that take it back or make it partial. */
static const char *const resolved_after_cue[] = {
	"no", "not", "partly", "partially", "whom", "who", "maybe", "perhaps", "possibly",
	"hopefully", "soon", "yet", "pending", "subject", "unless", "until", "if", "once",
	"except", "but", "however", "nearly", "almost", "kind", "sort", "apparently",
	"never", "nope", "apart", "provided", "subject", "think", "believe", "hope", NULL,
};

/* Words that make a set-aside a thought, not a decision: "may set aside", "whether to set
 * aside", "decline to set aside". With them (or any "not", or a question mark) the line is
 * held, never acted on. */
static const char *const set_aside_doubt[] = {
	"may", "might", "could", "should", "would", "whether", "if", "consider", "considering",
	"thinking", "decline", "declined", "declining", "refuse", "refused", "unless", "until",
	"perhaps", "maybe", "possibly", "asked", "asking", "request", "requested", "can", NULL,
};

/* SET ASIDE on a line: "SET ASIDE: the plan must be reconsidered", "I am setting aside the
 * decision", "The conference decision is set aside". TRUE when the line was about it (then
 * it is a command, or held), FALSE when it does not say it. */
static gboolean set_aside_line(ChCommands *cs, const char *line, const char *low,
                               char **const lines, guint i)
{
	g_autoptr(GPtrArray) w = words_of(low);
	gint at = -1;
	for (guint k = 0; k < w->len && at < 0; k++)
		if (!strcmp(w->pdata[k], "aside"))
			for (guint b = k; b > 0 && k - b < 5; b--) {
				const char *x = w->pdata[b - 1];
				if (!strcmp(x, "set") || !strcmp(x, "sets") || !strcmp(x, "setting")) {
					at = (gint)k;
					break;
				}
			}
	if (at < 0)
		return FALSE;
	/* "NOT RESOLVED: setting aside was considered and refused" answers RESOLVED or NOT
	 * RESOLVED, and mentions a set-aside: the RESOLVED grammar reads it. Only a line that
	 * starts with SET ASIDE is one whatever else it says. */
	const char *lead = low;
	while (*lead == ' ')
		lead++;
	gboolean explicit_form = g_str_has_prefix(lead, "set aside") ||
	                         g_str_has_prefix(lead, "set-aside");
	for (guint k = 0; !explicit_form && k < w->len; k++) {
		const char *x = w->pdata[k];
		if (g_str_has_prefix(x, "resolv") || g_str_has_prefix(x, "unresolv"))
			return FALSE;
	}
	/* "SET ASIDE: why", the form the mail asks for: the reason is the sender's text and may
	 * say "if" or ask a question; only its first words can take the set-aside back ("SET
	 * ASIDE: not yet"). Anywhere else the whole sentence is read. */
	const char *after = lead + strlen("set aside");
	while (*after == ' ')
		after++;
	gboolean with_reason = explicit_form && (*after == ':' || *after == '-');
	guint upto = with_reason ? MIN(w->len, 4) : w->len; /* "set", "aside" and two words */
	for (guint k = 0; k < upto; k++)
		if (is_neg(w->pdata[k]) || in_set(w->pdata[k], set_aside_doubt)) {
			g_autofree char *why = g_strdup_printf("it says \"%s\": I could not tell "
			                                       "whether the decision is set aside",
			                                       (char *)w->pdata[k]);
			hold(cs, line, why);
			return TRUE;
		}
	if (!with_reason && strchr(low, '?')) {
		hold(cs, line, "it reads as a question");
		return TRUE;
	}
	ChCommand *c = add(cs, CH_CMD_SET_ASIDE, line);
	/* "SET ASIDE: words" keeps the words; a sentence is kept whole, in the sender's words. */
	size_t skip = 0;
	if (explicit_form) {
		/* in the line as written (fold may differ in length): past the words */
		g_autofree char *lower = g_ascii_strdown(line, -1);
		const char *a = strstr(lower, "aside");
		skip = a ? (size_t)(a - lower) + strlen("aside") : strlen(line);
	}
	c->text = outcome_text(line, skip, lines, i);
	return TRUE;
}

static const struct {
	const char *words;
	guint bit;
} option_words[] = {
	{ "agency report", CH_OUTCOME_AGENCY_REPORTS },
	{ "agency reports", CH_OUTCOME_AGENCY_REPORTS },
	{ "multi-agency audit", CH_OUTCOME_AUDIT },
	{ "multi agency audit", CH_OUTCOME_AUDIT },
	{ "multiagency audit", CH_OUTCOME_AUDIT },
	{ "recommendation", CH_OUTCOME_RECOMMENDATIONS },
	{ "recommendations", CH_OUTCOME_RECOMMENDATIONS },
};

guint ch_commands_options(const char *text)
{
	guint bits = 0;
	g_auto(GStrv) lines = g_strsplit(text ? text : "", "\n", -1);
	for (guint i = 0; lines[i] && i < CH_COMMANDS_MAX_LINES; i++) {
		g_autofree char *fold = fold_line(lines[i]);
		g_autofree char *low = g_ascii_strdown(fold, -1);
		if (strchr(low, '?'))
			continue;
		g_autoptr(GPtrArray) w = words_of(low);
		gboolean neg = FALSE;
		for (guint k = 0; k < w->len; k++)
			neg |= is_neg(w->pdata[k]);
		if (neg)
			continue;
		for (guint k = 0; k < G_N_ELEMENTS(option_words); k++)
			if (find_word(low, option_words[k].words))
				bits |= option_words[k].bit;
	}
	return bits;
}

/* One line of an SLO's (or a later stage's) answer. Long because the answer's polarity is
 * read in steps that share what the earlier ones found: the first RESOLVE-like word (typos
 * included, so they are asked about), the words of its clause before it (only a "not" or an
 * allowed lead-in such as "this is now"), a question mark (except in the outcome of the
 * RESOLVED: form the mail asks for), the first words after it ("Resolved? No", "in part"),
 * and a "not" elsewhere in a sentence. Any doubt holds the line; only a line read to the end
 * gives RESOLVED or NOT RESOLVED with its outcome. */
static void slo_line(ChCommands *cs, const char *line, const char *low,
                     char **const lines, guint i, GPtrArray *cues)
{
	if (set_aside_line(cs, line, low, lines, i))
		return;
	/* the first RESOLVE word of the line */
	const char *hit = NULL;
	for (const char *p = low; *p; p++)
		if ((p == low || !word_char(p[-1])) &&
		    (g_str_has_prefix(p, "resolv") || g_str_has_prefix(p, "unresolv") ||
		     g_str_has_prefix(p, "resolu") ||
		     g_str_has_prefix(p, "reslov") || g_str_has_prefix(p, "resovl"))) {
			hit = p;
			break;
		}
	if (!hit) {
		add_cue(cues, line, low);
		return;
	}
	size_t wend = hit - low;
	while (word_char(low[wend]))
		wend++;
	g_autofree char *word = g_strndup(hit, wend - (hit - low));
	gboolean un = g_str_has_prefix(word, "un");
	/* the clause the word is in: back to the last sentence end before it */
	size_t cstart = hit - low;
	while (cstart > 0 && !strchr(".!;:?,", low[cstart - 1]) &&
	       !(cstart >= 3 && low[cstart - 1] == ' ' && low[cstart - 2] == '-' &&
	         low[cstart - 3] == ' '))
		cstart--;
	g_autofree char *lead = g_strndup(low + cstart, (hit - low) - cstart);
	g_autoptr(GPtrArray) lw = words_of(lead);
	g_autoptr(GPtrArray) neg_w = words_of(low);
	gboolean any_neg = un;
	for (guint k = 0; k < neg_w->len; k++)
		any_neg |= is_neg(neg_w->pdata[k]);
	ChCommandWant want = any_neg ? CH_WANT_NOT_RESOLVED : CH_WANT_RESOLVED;
	if (cs->want != CH_WANT_UNKNOWN && cs->want != want)
		want = CH_WANT_UNKNOWN;
	cs->want = want;
	/* "Resolving", "resolution" and misspellings were found above so that they are asked
	 * about, never read as an answer either way. */
	static const char *const answer_words[] = { "resolved", "unresolved", NULL };
	if (!in_set(word, answer_words)) {
		hold(cs, line, "I could not tell whether it says RESOLVED or NOT RESOLVED");
		return;
	}
	guint negs = 0;
	for (guint k = 0; k < lw->len; k++) {
		const char *x = lw->pdata[k];
		if (is_neg(x)) {
			negs++;
			continue;
		}
		/* "I can confirm it is resolved" is an answer; "can be resolved" is a hope. */
		static const char *const can_then[] = { "confirm", NULL };
		if (!strcmp(x, "can") && !(k + 1 < lw->len && in_set(lw->pdata[k + 1], can_then))) {
			hold(cs, line, "it says \"can\": it may not be resolved yet");
			return;
		}
		if (!in_set(x, resolved_lead)) {
			g_autofree char *why = g_strdup_printf("I could not tell whether it says RESOLVED "
			                                       "or NOT RESOLVED (it says \"%s\")",
			                                       x);
			hold(cs, line, why);
			return;
		}
	}
	if (negs > 1 || (un && negs)) {
		hold(cs, line, "it says \"not\" more than once");
		return;
	}
	gboolean resolved = !un && !negs;
	/* "RESOLVED: outcome", the form the mail asks for: the outcome is the sender's text and
	 * may hold a question mark (a link, a quoted question) without making the decision one.
	 * Everywhere else a question mark on the line makes it a question. */
	g_autofree char *checked = g_strdup(low);
	size_t colon_at = wend;
	while (low[colon_at] == ' ')
		colon_at++;
	if (cstart == 0 && lw->len == negs && low[colon_at] == ':')
		for (char *q = checked + colon_at; *q; q++)
			if (*q == '?')
				*q = ' ';
	low = checked;
	if (strchr(low, '?')) {
		hold(cs, line, "it reads as a question");
		return;
	}
	/* what follows the word, first words only: "Resolved? No", "Resolved in part" */
	if (resolved) {
		const char *why = NULL;
		static const char *const anywhere[] = { "in part", "partly", "partially", "by whom",
			                                   "not yet", "not fully", "not completely",
			                                   "not entirely", "apart from", "except",
			                                   "i think", "i believe", "we think",
			                                   "i hope", "hopefully", "unless", "if",
			                                   "for now", "provided", "subject to", "until",
			                                   "pending", "but", "however", NULL };
		for (guint k = 0; anywhere[k] && !why; k++)
			if (find_word(low, anywhere[k]))
				why = anywhere[k];
		g_autoptr(GPtrArray) after = words_of(low + wend);
		gboolean nfa = after->len >= 2 && !strcmp(after->pdata[0], "no") &&
		               !strcmp(after->pdata[1], "further");
		for (guint k = nfa ? 2 : 0; k < MIN(after->len, 2) && !why; k++)
			if (in_set(after->pdata[k], resolved_after_cue) || is_neg(after->pdata[k]))
				why = after->pdata[k];
		/* a sentence that says resolved and "not" elsewhere is not plainly resolved */
		gboolean explicit_form = cstart == 0 && lw->len == negs && low[colon_at] == ':';
		g_autoptr(GPtrArray) whole = words_of(low);
		for (guint k = 0; !explicit_form && !why && k < whole->len; k++)
			if (is_neg(whole->pdata[k]) &&
			    !(nfa && !strcmp(whole->pdata[k], "no")))
				why = whole->pdata[k];
		if (why) {
			g_autofree char *w = g_strdup_printf("it says \"%s\"", why);
			hold(cs, line, w);
			return;
		}
	}
	/* "NOT RESOLVED: partly" is still not resolved: only RESOLVED is made doubtful by it */
	const char *cue = cue_of_partial(low, resolved);
	if (cue) {
		hold(cs, line, cue);
		return;
	}
	ChCommand *c = add(cs, resolved ? CH_CMD_RESOLVED : CH_CMD_NOT_RESOLVED, line);
	/* "RESOLVED: outcome" and "Not resolved - why" keep what follows the word; a sentence
	 * ("We have resolved this with the officer") is kept whole, in the sender's words. */
	gboolean at_start = lw->len == negs && cstart == 0;
	size_t skip = 0;
	if (at_start) {
		/* in the line as written (fold may differ in length): past the word */
		g_autofree char *lower = g_ascii_strdown(line, -1);
		const char *r = strstr(lower, "resolved");
		skip = r ? (size_t)(r - lower) + strlen("resolved") : strlen(line);
	}
	c->text = outcome_text(line, skip, lines, i);
}

static ChCommands *parse_lines(const char *text, const ChairCtx *cx, gboolean slo)
{
	ChCommands *cs = commands_new();
	g_auto(GStrv) lines = g_strsplit(text ? text : "", "\n", -1);
	GPtrArray *cues = g_ptr_array_new_with_free_func((GDestroyNotify)cue_free);
	for (guint i = 0; lines[i] && i < CH_COMMANDS_MAX_LINES; i++) {
		g_autofree char *fold = fold_line(lines[i]);
		cs->lines_read = i + 1;
		if (!*fold)
			continue;
		g_autofree char *low = g_ascii_strdown(fold, -1);
		/* the line as quoted back, in the sender's words: trimmed, bullets and bold
		 * markers off */
		g_autofree char *shown = clean_line(lines[i]);
		if (slo)
			slo_line(cs, shown, low, lines, i, cues);
		else
			chair_line(cs, shown, fold, low, cx, cues);
	}
	/* A reply is acted on only when every line that reads as an instruction is understood:
	 * with a command in it, a question or a retraction elsewhere holds the whole reply. */
	if (cs->commands->len || cs->problems->len)
		for (guint k = 0; k < cues->len; k++) {
			Cue *c = cues->pdata[k];
			hold(cs, c->line, c->why);
		}
	g_ptr_array_unref(cues);
	gboolean none = FALSE, esc = FALSE;
	for (guint k = 0; k < cs->commands->len; k++) {
		ChCommand *c = cs->commands->pdata[k];
		none |= c->kind == CH_CMD_NO_ESCALATION;
		esc |= c->kind == CH_CMD_ESCALATE;
	}
	if (!slo && none && esc)
		cs->want = CH_WANT_BOTH;
	return cs;
}

char *ch_commands_quote(const ChCommands *cs, const char *text)
{
	GString *s = g_string_new(NULL);
	guint shown = 0;
	const guint most = 5;
	if (cs && cs->held->len) {
		for (guint k = 0; k < cs->held->len && shown < most; k++, shown++) {
			const char *l = cs->held->pdata[k];
			g_autofree char *cut = g_utf8_validate(l, -1, NULL)
			                           ? g_utf8_substring(l, 0, MIN(g_utf8_strlen(l, -1), 200))
			                           : g_strdup("(not readable text)");
			g_string_append_printf(s, "  > %s\n", cut);
		}
	} else {
		g_auto(GStrv) lines = g_strsplit(text ? text : "", "\n", -1);
		for (guint k = 0; lines[k] && shown < most && k < CH_COMMANDS_MAX_LINES; k++) {
			g_autofree char *l = fold_line(lines[k]);
			if (!*l)
				continue;
			g_autofree char *cut = g_utf8_validate(l, -1, NULL)
			                           ? g_utf8_substring(l, 0, MIN(g_utf8_strlen(l, -1), 200))
			                           : g_strdup("(not readable text)");
			g_string_append_printf(s, "  > %s\n", cut);
			shown++;
		}
	}
	if (!s->len)
		g_string_append(s, "  (nothing: the reply was empty)\n");
	return g_string_free(s, FALSE);
}
