#include "engine/commands.h"

#include <string.h>

const char *const ch_reason_codes[] = {
	"no_apologies", "no_report", "report_late", "report_quality",
	"not_shared_with_parents", "not_redacted", "other", NULL,
};

static const struct {
	const char *code;
	const char *description;
	const char *const words[8]; /* plain words that clearly name it, normalised */
} reasons[] = {
	{ "no_apologies", "did not send apologies",
	  { "no apologies", "no apology", "failed to send apologies", "did not send apologies",
	    "no apologies sent", NULL } },
	{ "no_report", "did not provide a report",
	  { "no report", "did not provide a report", "report not provided", "missing report",
	    "no report provided", "no report sent", NULL } },
	{ "report_late", "report not provided in time",
	  { "late report", "report late", "late", "report not in timescales",
	    "not in timescales", "report out of time", NULL } },
	{ "report_quality", "report not of a satisfactory quality",
	  { "report quality", "poor report", "poor quality", "quality",
	    "unsatisfactory report", "poor quality report", NULL } },
	{ "not_shared_with_parents", "report not shared with parents in time",
	  { "not shared with parents", "not shared", "report not shared",
	    "not shared with parents in time", NULL } },
	{ "not_redacted", "report not redacted, not translated or holding confidential information",
	  { "not redacted", "unredacted", "not translated", "confidential information",
	    "report not redacted", "confidential", NULL } },
	{ "other", "another concern about the conference", { "other", NULL } },
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

/* Lower case, '_' and '-' as spaces, runs of white space as one, trimmed: so "Not_Redacted",
 * "not-redacted" and "not  redacted" read the same. */
static char *normalise(const char *s)
{
	GString *out = g_string_new(NULL);
	gboolean space = FALSE;
	for (const char *p = s; *p; p++) {
		char ch = *p;
		if (ch == '_' || ch == '-' || g_ascii_isspace(ch)) {
			space = out->len > 0;
			continue;
		}
		if (space)
			g_string_append_c(out, ' ');
		space = FALSE;
		g_string_append_c(out, g_ascii_tolower(ch));
	}
	return g_string_free(out, FALSE);
}

const char *ch_reason_from_words(const char *words)
{
	g_autofree char *w = normalise(words);
	size_t len = strlen(w);
	while (len && (w[len - 1] == '.' || w[len - 1] == '!'))
		w[--len] = 0;
	for (guint i = 0; i < G_N_ELEMENTS(reasons); i++) {
		g_autofree char *code = normalise(reasons[i].code);
		if (!strcmp(w, code))
			return reasons[i].code;
		for (guint k = 0; reasons[i].words[k]; k++)
			if (!strcmp(w, reasons[i].words[k]))
				return reasons[i].code;
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
	return c;
}

void ch_commands_free(ChCommands *c)
{
	if (!c)
		return;
	g_ptr_array_unref(c->commands);
	g_ptr_array_unref(c->problems);
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

/* A line as read for commands: trimmed, with list bullets and bold markers people add in
 * rich-text clients taken off the front. */
static char *clean_line(const char *raw)
{
	char *s = g_strstrip(g_strdup(raw));
	char *p = s;
	while (*p == '*' || *p == '-' || *p == '\xe2' || (*p == ' ')) {
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

/* The first word of a normalised line, and whether the line is that word with only
 * punctuation after it. */
static gboolean line_is(const char *norm, const char *const words[])
{
	for (guint i = 0; words[i]; i++) {
		size_t n = strlen(words[i]);
		if (!strncmp(norm, words[i], n)) {
			const char *rest = norm + n;
			while (*rest == '.' || *rest == '!' || *rest == ' ')
				rest++;
			if (!*rest)
				return TRUE;
		}
	}
	return FALSE;
}

static gboolean starts_word(const char *norm, const char *word)
{
	size_t n = strlen(word);
	return !strncmp(norm, word, n) && !g_ascii_isalnum(norm[n]);
}

static void problem(ChCommands *cs, const char *line, const char *what)
{
	g_ptr_array_add(cs->problems, g_strdup_printf("'%s': %s", line, what));
}

static void parse_escalate(ChCommands *cs, const char *line)
{
	/* ESCALATE n reason[, reason]: comment */
	const char *p = line + strlen("escalate");
	while (*p == ' ' || *p == '\t')
		p++;
	if (*p == '#')
		p++;
	char *end = NULL;
	gint64 n = g_ascii_strtoll(p, &end, 10);
	if (end == p || n <= 0 || n > 100000) {
		problem(cs, line, "ESCALATE needs the line number of the professional first");
		return;
	}
	p = end;
	while (*p == ' ' || *p == '.' || *p == ')')
		p++;
	const char *colon = strchr(p, ':');
	g_autofree char *reason_text = colon ? g_strndup(p, colon - p) : g_strdup(p);
	char *comment = colon ? g_strstrip(g_strdup(colon + 1)) : NULL;
	g_auto(GStrv) parts = g_strsplit_set(reason_text, ",;/", -1);
	GPtrArray *codes = g_ptr_array_new();
	gboolean bad = FALSE;
	for (char **r = parts; *r; r++) {
		g_strstrip(*r);
		if (!**r)
			continue;
		/* "no report and late report": "and" joins two reasons */
		g_auto(GStrv) sub = g_strsplit(*r, " and ", -1);
		for (char **s = sub; *s; s++) {
			g_strstrip(*s);
			if (!**s)
				continue;
			const char *code = ch_reason_from_words(*s);
			if (!code) {
				g_autofree char *what = g_strdup_printf("'%s' is not a reason I know", *s);
				problem(cs, line, what);
				bad = TRUE;
				continue;
			}
			gboolean dup = FALSE;
			for (guint i = 0; i < codes->len; i++)
				dup |= !strcmp(codes->pdata[i], code);
			if (!dup)
				g_ptr_array_add(codes, g_strdup(code));
		}
	}
	if (!bad && codes->len == 0) {
		problem(cs, line, "ESCALATE needs at least one reason after the line number");
		bad = TRUE;
	}
	if (bad) {
		g_ptr_array_set_free_func(codes, g_free);
		g_ptr_array_unref(codes);
		g_free(comment);
		return;
	}
	g_ptr_array_add(codes, NULL);
	ChCommand *c = add(cs, CH_CMD_ESCALATE, line);
	c->n = (int)n;
	c->reasons = (char **)g_ptr_array_free(codes, FALSE);
	c->text = comment && *comment ? comment : (g_free(comment), NULL);
}

typedef gboolean (*LineFunc)(ChCommands *cs, const char *line, const char *norm,
                             char **const lines, guint i);

static ChCommands *parse_lines(const char *text, LineFunc fn)
{
	ChCommands *cs = commands_new();
	g_auto(GStrv) lines = g_strsplit(text ? text : "", "\n", -1);
	for (guint i = 0; lines[i] && i < CH_COMMANDS_MAX_LINES; i++) {
		g_autofree char *line = clean_line(lines[i]);
		cs->lines_read = i + 1;
		if (!*line)
			continue;
		g_autofree char *norm = normalise(line);
		fn(cs, line, norm, lines, i);
	}
	return cs;
}

static gboolean chair_line(ChCommands *cs, const char *line, const char *norm, char **const lines,
                           guint i)
{
	static const char *const authorise[] = { "authorised", "authorized", "authorise",
		                                     "authorize", "approved", "approve", "agreed",
		                                     "agree", NULL };
	static const char *const none[] = { "no escalation", "no escalations",
		                                "no escalation required", "no escalations required",
		                                NULL };
	if (line_is(norm, authorise))
		add(cs, CH_CMD_AUTHORISE, line);
	else if (line_is(norm, none))
		add(cs, CH_CMD_NO_ESCALATION, line);
	else if (starts_word(norm, "escalate")) {
		g_autofree char *lower = g_ascii_strdown(line, -1);
		const char *p = strstr(lower, "escalate");
		parse_escalate(cs, line + (p - lower));
	}
	return TRUE;
}

ChCommands *ch_commands_parse_chair(const char *text)
{
	return parse_lines(text, chair_line);
}

/* The outcome: what follows "RESOLVED:" on its line and the lines after it, up to a blank
 * line. People wrap a long outcome, or write the word alone and the outcome below it. */
static char *outcome_text(const char *line, size_t skip, char **const lines, guint i)
{
	const char *p = line + skip;
	while (*p == ':' || *p == ' ' || *p == '-' || *p == '.' || *p == '\t')
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

static gboolean slo_line(ChCommands *cs, const char *line, const char *norm, char **const lines,
                         guint i)
{
	/* "not resolved" is tested first: "resolved" is its tail. */
	if (starts_word(norm, "not resolved") || starts_word(norm, "unresolved")) {
		/* the outcome starts where the word "resolved" ends in the line as written */
		g_autofree char *lower = g_ascii_strdown(line, -1);
		const char *r = strstr(lower, "resolved");
		size_t skip = r ? (size_t)(r - lower) + strlen("resolved") : strlen(line);
		ChCommand *c = add(cs, CH_CMD_NOT_RESOLVED, line);
		c->text = outcome_text(line, skip, lines, i);
	} else if (starts_word(norm, "resolved")) {
		ChCommand *c = add(cs, CH_CMD_RESOLVED, line);
		c->text = outcome_text(line, strlen("resolved"), lines, i);
	}
	return TRUE;
}

ChCommands *ch_commands_parse_slo(const char *text)
{
	return parse_lines(text, slo_line);
}
