/* Immediate-safety phrases (src/engine/phrases.c) held to how professionals write: every line
 * of tests/data/safety/phrases.txt goes through ch_engine_safety_check, the function intake
 * calls on every message, with the phrases a config written by `chaser init` gives. A line
 * that goes the wrong way is named with its line number; the counts are printed.
 *
 * Beside the table: what a reply quoting our own mail holds must not alert (a reply to a
 * safety alert quotes it), the config's own words add to the built-in ones, and the way a
 * text is read (case, line breaks, apostrophes, HTML, sentences) is pinned on small cases.
 * Run from the repository root, where tests/data and templates/ are found.
 */
#include <glib.h>
#include <glib/gstdio.h>
#include <string.h>

#include "app/config.h"
#include "engine/engine.h"
#include "engine/phrases.h"

#define TABLE "tests/data/safety/phrases.txt"
#define COORDINATOR "cp.coordinator@council.example"
#define LSM "lead.safeguarding@council.example"

/* A config as `chaser init` writes it, with `safety` in place of its [safety] words line. */
static ChConfig *config_with(const char *safety)
{
	g_autofree char *dir = g_dir_make_tmp("safety-phrases-XXXXXX", NULL);
	g_assert_nonnull(dir);
	g_autofree char *state = g_strconcat(dir, "/", NULL);
	g_autofree char *text = ch_config_default_text(state);
	const char *line = strstr(text, "\nwords =\n");
	g_assert_nonnull(line);
	g_autofree char *head = g_strndup(text, (gsize)(line - text) + 1);
	g_autofree char *edited = g_strconcat(head, safety, "\n", line + strlen("\nwords =\n"), NULL);
	g_autofree char *path = g_build_filename(dir, "chaser.conf", NULL);
	g_assert_true(g_file_set_contents(path, edited, -1, NULL));
	g_autoptr(GError) error = NULL;
	ChConfig *cfg = ch_config_load(path, &error);
	g_assert_no_error(error);
	g_unlink(path);
	g_rmdir(dir);
	return cfg;
}

/* TRUE when `text` alerts, as intake's safety scan would see it; an alert must be a mail to
 * the coordinator and one to the lead safeguarding manager (the config names both). */
static gboolean alerts(const ChConfig *cfg, const char *text)
{
	ChEngineCtx ctx;
	memset(&ctx, 0, sizeof ctx);
	ctx.event_id = "msg-table";
	/* The alert's acknowledgement is due an hour from now: the engine needs its clock. */
	g_autoptr(GDateTime) now = g_date_time_new_utc(2026, 11, 28, 23, 0, 0);
	ctx.now = now;
	for (int role = 0; role < CH_ROLE_N; role++)
		ctx.people[role] = cfg->people[role];
	g_autoptr(ChEffects) fx = ch_effects_new();
	g_autoptr(ChPhrases) phrases = ch_phrases_new((const char *const *)cfg->safety_words,
	                                              ch_phrases_routine);
	gboolean hit = ch_engine_safety_check(NULL, &ctx, phrases, text, "a test sentence",
	                                      ctx.event_id, fx);
	g_assert_cmpuint(fx->intents->len, ==, hit ? 2 : 0);
	if (hit) {
		const ChIntent *i = g_ptr_array_index(fx->intents, 0);
		g_assert_cmpstr(i->template, ==, "safety_alert");
		g_assert_cmpstr(i->to, ==, COORDINATOR);
		const ChIntent *j = g_ptr_array_index(fx->intents, 1);
		g_assert_cmpstr(j->template, ==, "safety_alert");
		g_assert_cmpstr(j->to, ==, LSM);
	}
	return hit;
}

typedef struct {
	guint alert, quiet, alert_doubtful, quiet_doubtful, wrong;
} Counts;

/* One line of the table: checked, counted, and named when it goes the wrong way. */
static void table_line(const ChConfig *cfg, const char *line, guint n, Counts *k)
{
	g_auto(GStrv) f = g_strsplit(line, " | ", 3);
	g_autofree char *verdict = g_strstrip(g_strdup(f[0]));
	gboolean want = g_str_has_prefix(verdict, "alert");
	gboolean doubtful = g_str_has_suffix(verdict, "?");
	if (!f[1] || (strcmp(verdict, "alert") && strcmp(verdict, "quiet") &&
	              strcmp(verdict, "alert?") && strcmp(verdict, "quiet?")))
		g_error("%s:%u: not VERDICT | SENTENCE [| WHY]: %s", TABLE, n, line);
	/* A doubtful line says why it goes the way it goes; a plain one has nothing to explain. */
	if (doubtful != (f[2] != NULL))
		g_error("%s:%u: %s", TABLE, n,
		        doubtful ? "a doubtful line says why" : "only a doubtful line has a why");
	g_autofree char *sentence = g_strcompress(f[1]);
	if (alerts(cfg, sentence) != want) {
		g_test_message("%s:%u: %s, but it %s: %s", TABLE, n,
		               want ? "must alert" : "must not alert", want ? "does not" : "does",
		               f[1]);
		k->wrong++;
	}
	if (want)
		doubtful ? k->alert_doubtful++ : k->alert++;
	else
		doubtful ? k->quiet_doubtful++ : k->quiet++;
}

static void test_table(void)
{
	g_autoptr(ChConfig) cfg = config_with("words =");
	g_autofree char *text = NULL;
	g_assert_true(g_file_get_contents(TABLE, &text, NULL, NULL));
	g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
	Counts k = { 0 };
	for (guint i = 0; lines[i]; i++) {
		const char *l = lines[i];
		if (*l && *l != '#')
			table_line(cfg, l, i + 1, &k);
	}
	g_test_message("%u lines must alert (%u of them doubtful), %u must not (%u doubtful); "
	               "%u went the wrong way",
	               k.alert + k.alert_doubtful, k.alert_doubtful, k.quiet + k.quiet_doubtful,
	               k.quiet_doubtful, k.wrong);
	g_assert_cmpuint(k.wrong, ==, 0);
	/* The table is the promise: at least 60 each way, not counting the doubtful. */
	g_assert_cmpuint(k.alert, >=, 60);
	g_assert_cmpuint(k.quiet, >=, 60);
}

/* Every shipped template's words, as a reply quoting it holds them: none alerts. A reply to
 * a safety alert quotes the alert; alerting on it would answer every acknowledgement with
 * another alert. */
static void test_our_own_mail_quoted(void)
{
	g_autoptr(ChConfig) cfg = config_with("words =");
	g_autoptr(GDir) dir = g_dir_open("templates", 0, NULL);
	g_assert_nonnull(dir);
	guint n = 0;
	for (const char *name; (name = g_dir_read_name(dir));) {
		if (!g_str_has_suffix(name, ".txt"))
			continue;
		g_autofree char *path = g_build_filename("templates", name, NULL);
		g_autofree char *text = NULL;
		g_assert_true(g_file_get_contents(path, &text, NULL, NULL));
		/* The first line is the template's comment, not mail. */
		const char *mail = strchr(text, '\n');
		g_auto(GStrv) lines = g_strsplit(mail ? mail : text, "\n", -1);
		g_autofree char *quoted = g_strjoinv("\n> ", lines);
		if (alerts(cfg, quoted))
			g_test_fail_printf("templates/%s: a reply quoting it would alert", name);
		n++;
	}
	g_assert_cmpuint(n, >=, 20);
}

/* The config's [safety] words are looked for as well as the built-in phrases, never instead
 * of them: a config written when the list was shorter does not narrow what alerts. */
static void test_config_adds(void)
{
	g_autoptr(ChConfig) plain = config_with("words =");
	g_autoptr(ChConfig) own = config_with("words = Code Amber; not safe tonight");
	g_assert_false(alerts(plain, "We have called a CODE AMBER for the Hale children."));
	g_assert_true(alerts(own, "We have called a CODE AMBER for the Hale children."));
	g_assert_true(alerts(own, "She is at risk of significant harm."));
	g_assert_true(alerts(plain, "She is at risk of significant harm."));
	g_assert_false(alerts(own, "The report is attached."));
	/* The engine looks only for the words it is given (the config gives it the built-in
	 * ones). */
	g_autoptr(ChEffects) fx = ch_effects_new();
	ChEngineCtx ctx = { 0 };
	g_assert_false(ch_engine_safety_check(NULL, &ctx, NULL, "She is in immediate danger.",
	                                      "a test sentence", "msg-none", fx));
}

/* How a text is read, on cases small enough to see. */
static void test_fold(void)
{
	static const struct {
		const char *text, *folded;
	} cases[] = {
		{ "She ISN'T safe", "she isnt safe" },
		{ "She isn\u2019t safe", "she isnt safe" },
		{ "not\n\tsafe\u00a0at home", "not safe at home" },
		{ "<p>not <b>safe</b>&nbsp;now</p>", "not safe now" },
		{ "child&#39;s room", "childs room" },
		{ "self-harm, s.47", "self harm s 47" },
		{ "Removed from the list. Today we meet", "removed from the list . today we meet" },
		{ "first paragraph\n\nsecond", "first paragraph . second" },
		{ "A&E at 10.30", "a e at 10 30" },
	};
	for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
		g_autofree char *got = ch_phrases_fold(cases[i].text);
		g_assert_cmpstr(got, ==, cases[i].folded);
	}
}

/* The rules of a phrase, each on a pair that must and must not match. */
static void test_phrase_rules(void)
{
	static const char *const list[] = { "remov* ... today", "significant harm", "bruis*",
		                            "in danger", NULL };
	static const char *const routine[] = { "in danger of missing", NULL };
	static const struct {
		const char *text;
		gboolean hit;
	} cases[] = {
		{ "They should be removed from mum today.", TRUE },     /* a gap of three words */
		{ "Removed from the old distribution list for today", FALSE }, /* four is too many */
		{ "He was removed from the list. Today we meet.", FALSE }, /* not across a sentence */
		{ "risk of signifcant harm", TRUE },                    /* one letter forgiven */
		{ "risk of sgnfcnt harm", FALSE },                      /* not three */
		{ "risk of fignificant harm", FALSE },                  /* nor the first letter */
		{ "bruising to the arm", TRUE },                        /* a word that begins so */
		{ "harmless", FALSE },
		{ "They are in danger of missing the deadline", FALSE }, /* routine, blanked */
		{ "They are in danger of missing the deadline, and the child is in danger", TRUE },
		{ "", FALSE },
	};
	for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
		const char *hit = ch_phrases_find(list, routine, cases[i].text);
		if ((hit != NULL) != cases[i].hit)
			g_test_fail_printf("'%s' %s", cases[i].text,
			                   cases[i].hit ? "must match" : "must not match");
	}
	g_assert_null(ch_phrases_find(NULL, routine, "in danger"));
	g_assert_nonnull(ch_phrases_find(list, NULL, "in danger of missing"));
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/safety/phrases/table", test_table);
	g_test_add_func("/safety/phrases/our-own-mail-quoted", test_our_own_mail_quoted);
	g_test_add_func("/safety/phrases/config-adds-to-built-in", test_config_adds);
	g_test_add_func("/safety/phrases/fold", test_fold);
	g_test_add_func("/safety/phrases/phrase-rules", test_phrase_rules);
	return g_test_run();
}
