/* Replies as chairs and SLOs write them (tests/data/replies/table.txt), each with what it
 * must do: acted on as meant, never acted on, or asked about. Read by the real grammar
 * (src/engine/commands.c) against the story's distribution list, then a few through the
 * real binary to see the state after the reply and the answer quoting the sender's words.
 *
 * What must hold: no reply is ever acted on other than as meant (0 wrong actions), and at
 * least 95% of the replies that must act do. The figures are printed. */
#include <string.h>

#include "engine/commands.h"
#include "support/harness.h"

#define TABLE "tests/data/replies/table.txt"

/* The story's list (h_story_setup). */
static const ChListLine story[] = {
	{ 1, "Sam Okafor", "Northshire Police" },
	{ 2, "Lena Marsh", "Brookfield Primary School" },
	{ 3, "Priya Nair", "Northshire Health" },
	{ 4, "Tom Rees", "Northshire Police" },
};

typedef struct {
	guint line;      /* in the table file */
	char *klass;     /* act | not | ask */
	char *who;       /* chair | slo */
	char *expected;
	char *text;
} Row;

static void row_free(Row *r)
{
	g_free(r->klass);
	g_free(r->who);
	g_free(r->expected);
	g_free(r->text);
	g_free(r);
}

static GPtrArray *load_table(void)
{
	g_autofree char *all = NULL;
	g_autoptr(GError) error = NULL;
	if (!g_file_get_contents(TABLE, &all, NULL, &error))
		g_error("%s: %s", TABLE, error->message);
	GPtrArray *rows = g_ptr_array_new_with_free_func((GDestroyNotify)row_free);
	g_auto(GStrv) lines = g_strsplit(all, "\n", -1);
	Row *cur = NULL;
	GString *text = g_string_new(NULL);
	for (guint i = 0;; i++) {
		const char *l = lines[i];
		gboolean head = l && g_str_has_prefix(l, "=== ");
		if (!l || head) {
			if (cur) {
				while (text->len && text->str[text->len - 1] == '\n')
					g_string_truncate(text, text->len - 1);
				cur->text = g_strdup(text->str);
				g_ptr_array_add(rows, cur);
				cur = NULL;
			}
			g_string_truncate(text, 0);
			if (!l)
				break;
			/* "=== CLASS WHO | EXPECTED" */
			const char *bar = strchr(l, '|');
			if (!bar)
				g_error("%s:%u: no '|' in the heading", TABLE, i + 1);
			g_autofree char *left = g_strndup(l + 4, bar - (l + 4));
			g_auto(GStrv) f = g_strsplit(g_strstrip(left), " ", -1);
			if (g_strv_length(f) != 2)
				g_error("%s:%u: want CLASS WHO before '|'", TABLE, i + 1);
			cur = g_new0(Row, 1);
			cur->line = i + 1;
			cur->klass = g_strdup(f[0]);
			cur->who = g_strdup(f[1]);
			cur->expected = g_strstrip(g_strdup(bar + 1));
			if (strcmp(cur->klass, "act") && strcmp(cur->klass, "not") &&
			    strcmp(cur->klass, "ask"))
				g_error("%s:%u: class '%s'", TABLE, i + 1, cur->klass);
			if (strcmp(cur->who, "chair") && strcmp(cur->who, "slo"))
				g_error("%s:%u: who '%s'", TABLE, i + 1, cur->who);
			continue;
		}
		if (!cur || g_str_has_prefix(l, "//"))
			continue;
		g_string_append(text, l);
		g_string_append_c(text, '\n');
	}
	g_string_free(text, TRUE);
	return rows;
}

/* What the reply does, as the engine would take it: see the table's heading. */
static char *outcome(const Row *r)
{
	if (!strcmp(r->who, "slo")) {
		g_autoptr(ChCommands) cs = ch_commands_parse_slo(r->text);
		if (cs->problems->len)
			return g_strdup("ask");
		gboolean res = FALSE, not = FALSE;
		for (guint k = 0; k < cs->commands->len; k++) {
			ChCommand *c = cs->commands->pdata[k];
			res |= c->kind == CH_CMD_RESOLVED;
			not |= c->kind == CH_CMD_NOT_RESOLVED;
		}
		if (res && not)
			return g_strdup("ask");
		if (res)
			return g_strdup("resolved");
		if (not)
			return g_strdup("not_resolved");
		g_autofree char *body = g_strstrip(g_strdup(r->text));
		return g_strdup(*body ? "recorded" : "ask");
	}
	g_autoptr(ChCommands) cs = ch_commands_parse_chair_list(r->text, story,
	                                                        G_N_ELEMENTS(story));
	if (cs->problems->len)
		return g_strdup("ask");
	if (!cs->commands->len)
		return g_strdup("none");
	gboolean authorise = FALSE, none = FALSE;
	GString *esc = g_string_new(NULL);
	for (guint k = 0; k < cs->commands->len; k++) {
		ChCommand *c = cs->commands->pdata[k];
		if (c->kind == CH_CMD_AUTHORISE)
			authorise = TRUE;
		else if (c->kind == CH_CMD_NO_ESCALATION)
			none = TRUE;
		else if (c->kind == CH_CMD_ESCALATE) {
			if (c->n < 1 || c->n > (int)G_N_ELEMENTS(story)) {
				g_string_free(esc, TRUE);
				return g_strdup("ask"); /* no such line: refused */
			}
			g_autofree char *codes = g_strjoinv(",", c->reasons);
			g_string_append_printf(esc, " esc%d:%s", c->n, codes);
		}
	}
	/* as lists.c: escalations without AUTHORISED, or with NO ESCALATION, are refused */
	if ((esc->len && !authorise && !none) || (esc->len && none)) {
		g_string_free(esc, TRUE);
		return g_strdup("ask");
	}
	GString *s = g_string_new(NULL);
	if (authorise)
		g_string_append(s, "authorise");
	if (none)
		g_string_append_printf(s, "%sno_escalation", s->len ? " " : "");
	g_string_append(s, s->len ? esc->str : esc->str + (esc->len ? 1 : 0));
	g_string_free(esc, TRUE);
	return g_string_free(s, FALSE);
}

static gboolean acts(const char *o)
{
	return strcmp(o, "ask") && strcmp(o, "none") && strcmp(o, "recorded");
}

static void test_table(void)
{
	g_autoptr(GPtrArray) rows = load_table();
	guint n[3] = { 0 }, acted[3] = { 0 }, asked[3] = { 0 }, refused[3] = { 0 },
	      recorded[3] = { 0 };
	guint wrong = 0;
	static const char *const names[] = { "act", "not", "ask" };
	for (guint i = 0; i < rows->len; i++) {
		Row *r = rows->pdata[i];
		guint k = !strcmp(r->klass, "act") ? 0 : !strcmp(r->klass, "not") ? 1 : 2;
		g_autofree char *got = outcome(r);
		n[k]++;
		if (acts(got)) {
			if (strcmp(got, r->expected)) {
				wrong++;
				g_test_message("WRONG ACTION %s:%u (%s %s): expected %s, acted as %s:\n%s",
				               TABLE, r->line, r->klass, r->who, r->expected, got, r->text);
			} else {
				acted[k]++;
			}
		} else if (!strcmp(got, "ask")) {
			asked[k]++;
		} else if (!strcmp(got, "recorded")) {
			recorded[k]++;
		} else {
			refused[k]++;
		}
		if (!acts(got) && k == 0)
			g_test_message("not acted on %s:%u: expected %s, got %s:\n%s", TABLE, r->line,
			               r->expected, got, r->text);
		if (k != 0 && strcmp(got, r->expected))
			g_test_message("%s:%u: expected %s, got %s (not an action):\n%s", TABLE, r->line,
			               r->expected, got, r->text);
	}
	guint total = n[0] + n[1] + n[2];
	for (guint k = 0; k < 3; k++)
		g_test_message("class %-3s: %3u replies, %3u acted as meant, %3u asked, %3u refused "
		               "(no command), %3u kept as free text",
		               names[k], n[k], acted[k], asked[k], refused[k], recorded[k]);
	g_test_message("%u replies; %u wrong actions; must act: %u of %u acted on (%.1f%%)", total,
	               wrong, acted[0], n[0], n[0] ? 100.0 * acted[0] / n[0] : 0.0);
	g_assert_cmpuint(total, >=, 300);
	g_assert_cmpuint(wrong, ==, 0);
	g_assert_cmpuint(acted[0] * 100, >=, n[0] * 95);
}

/* ---- through the binary -------------------------------------------------------------------- */

static JsonObject *show(Harness *h, JsonNode **keep)
{
	*keep = h_json(h, NULL, "show", H_REF, NULL);
	return json_node_get_object(*keep);
}

/* The body as the reader sees it: quoted-printable undone (soft breaks and =XX). */
static char *readable(const char *body)
{
	GString *s = g_string_new(NULL);
	for (const char *p = body; *p; p++) {
		if (*p == '\r')
			continue;
		if (*p == '=' && p[1] == '\n') {
			p++;
			continue;
		}
		if (*p == '=' && p[1] == '\r' && p[2] == '\n') {
			p += 2;
			continue;
		}
		if (*p == '=' && g_ascii_isxdigit(p[1]) && g_ascii_isxdigit(p[2])) {
			g_string_append_c(s, (char)(g_ascii_xdigit_value(p[1]) * 16 +
			                            g_ascii_xdigit_value(p[2])));
			p += 2;
			continue;
		}
		g_string_append_c(s, *p);
	}
	return g_string_free(s, FALSE);
}

static void assert_holds(const char *raw, const char *want)
{
	g_autofree char *body = readable(raw);
	if (!strstr(body, want))
		g_error("the answer lacks '%s':\n%s", want, body);
}

/* "Authorised" then "ignore the above": nothing authorised, the answer quotes the line. */
static void test_chair_takes_it_back(void)
{
	g_autoptr(Harness) h = h_new(NULL);
	h_story_setup(h);
	h_reply_to(h, "chair", "distribution_list", H_CHAIR, H_CHAIR,
	           "Authorised\nSorry \xe2\x80\x93 ignore the above, I haven't finished checking\n");
	h_poll_flush(h, "2026-11-24T09:10");
	g_autoptr(JsonNode) keep = NULL;
	JsonObject *o = show(h, &keep);
	g_assert_cmpstr(h_str(o, "state"), ==, "list_sent");
	g_assert_cmpuint(h_count_mail(h, "transcript", NULL), ==, 0);
	g_autofree char *answer = h_mail(h, "not_understood", H_CHAIR);
	g_assert_nonnull(answer);
	g_autofree char *body = h_body(answer);
	assert_holds(body, "nothing has been changed");
	assert_holds(body, "You wrote:");
	assert_holds(body, "  > Sorry \xe2\x80\x93 ignore the above, I haven't finished checking\n");
	assert_holds(body, "it says \"ignore\"");
	assert_holds(body, "the list is authorised"); /* what was understood */
}

/* A natural authorisation with escalations in one sentence, a name for a number. */
static void test_chair_natural_escalations(void)
{
	g_autoptr(Harness) h = h_new(NULL);
	h_story_setup(h);
	h_reply_to(h, "chair", "distribution_list", H_CHAIR, H_CHAIR,
	           "Hi Jane,\n\nAuthorised \xe2\x80\x93 I've checked the list.\n"
	           "Please escalate 2 and 4, no apologys\n"
	           "Escalate Priya Nair (Health) \xe2\x80\x93 no report\n\nThanks, Ffion\n");
	h_poll_flush(h, "2026-11-24T09:10");
	g_autoptr(JsonNode) keep = NULL;
	JsonObject *o = show(h, &keep);
	g_assert_cmpstr(h_str(o, "state"), ==, "authorised");
	g_assert_cmpuint(h_count_mail(h, "not_understood", NULL), ==, 0);
	JsonObject *e2 = h_escalation(keep, 2), *e3 = h_escalation(keep, 3),
	           *e4 = h_escalation(keep, 4);
	g_assert_nonnull(e2);
	g_assert_nonnull(e3);
	g_assert_nonnull(e4);
	g_assert_null(h_escalation(keep, 1));
	JsonArray *r2 = json_object_get_array_member(e2, "reasons");
	g_assert_cmpstr(json_array_get_string_element(r2, 0), ==, "no_apologies");
	JsonArray *r3 = json_object_get_array_member(e3, "reasons");
	g_assert_cmpstr(json_array_get_string_element(r3, 0), ==, "no_report");
	g_assert_cmpuint(h_count_mail(h, "transcript", H_CHAIR), ==, 1);
}

/* The SLO's "Resolved? No - ..." leaves the escalation open and is asked about, quoted. */
static void test_slo_resolved_question_is_asked(void)
{
	g_autoptr(Harness) h = h_new(NULL);
	h_story_setup(h);
	h_reply_to(h, "chair", "distribution_list", H_CHAIR, H_CHAIR,
	           "AUTHORISED\nESCALATE 2 no_report: nothing came\n");
	h_poll_flush(h, "2026-11-24T09:10");
	h_reply_to(h, "slo", "escalation", H_SCHOOL_SLO, H_SCHOOL_SLO,
	           "Resolved? No \xe2\x80\x93 the officer still hasn't sent the report\n\nOwen\n");
	h_poll_flush(h, "2026-11-25T10:00");
	g_autoptr(JsonNode) keep = NULL;
	show(h, &keep);
	JsonObject *e2 = h_escalation(keep, 2);
	g_assert_cmpstr(h_str(e2, "state"), ==, "open");
	g_assert_cmpuint(h_count_mail(h, "escalation_closed", NULL), ==, 0);
	g_autofree char *answer = h_mail(h, "not_understood", H_SCHOOL_SLO);
	g_assert_nonnull(answer);
	g_autofree char *body = h_body(answer);
	assert_holds(body, "  > Resolved? No \xe2\x80\x93 the officer still hasn't sent the report\n");
	assert_holds(body, "it reads as a question");
	/* the one example that fits: they seemed to say it is not resolved */
	assert_holds(body, "  NOT RESOLVED: ");
	g_autofree char *plain = readable(body);
	g_assert_null(strstr(plain, "  RESOLVED: the manager"));
}

/* Natural SLO answers: resolved in a sentence closes; "has not been resolved" climbs. */
static void test_slo_natural_answers(void)
{
	g_autoptr(Harness) h = h_new(NULL);
	h_story_setup(h);
	h_reply_to(h, "chair", "distribution_list", H_CHAIR, H_CHAIR,
	           "AUTHORISED\nESCALATE 1 no_report: nothing came\nESCALATE 2 report_late\n");
	h_poll_flush(h, "2026-11-24T09:10");
	h_reply_to(h, "slo1", "escalation", H_POLICE_SLO, H_POLICE_SLO,
	           "This is now resolved. The report was sent on 20th.\n");
	h_reply_to(h, "slo2", "escalation", H_SCHOOL_SLO, H_SCHOOL_SLO,
	           "This has not been resolved\n");
	h_poll_flush(h, "2026-11-25T10:00");
	g_autoptr(JsonNode) keep = NULL;
	show(h, &keep);
	JsonObject *e1 = h_escalation(keep, 1), *e2 = h_escalation(keep, 2);
	g_assert_cmpstr(h_str(e1, "state"), ==, "resolved");
	g_assert_cmpstr(h_str(e1, "outcome"), ==,
	                "This is now resolved. The report was sent on 20th.");
	g_assert_cmpstr(h_str(e2, "state"), ==, "open");
	g_assert_cmpint(json_object_get_int_member(e2, "stage"), ==, 2);
	g_assert_cmpuint(h_count_mail(h, "not_understood", NULL), ==, 0);
}

/* A line that reads as a command but is not understood holds the whole reply. */
static void test_chair_unread_line_holds_everything(void)
{
	g_autoptr(Harness) h = h_new(NULL);
	h_story_setup(h);
	h_reply_to(h, "chair", "distribution_list", H_CHAIR, H_CHAIR,
	           "Authorised\nEscalate 2 no report\nEscalate 3 no report?\n");
	h_poll_flush(h, "2026-11-24T09:10");
	g_autoptr(JsonNode) keep = NULL;
	JsonObject *o = show(h, &keep);
	g_assert_cmpstr(h_str(o, "state"), ==, "list_sent");
	g_assert_cmpuint(json_array_get_length(json_object_get_array_member(o, "escalations")), ==,
	                 0);
	g_assert_cmpuint(h_count_mail(h, "escalation", NULL), ==, 0);
	g_autofree char *answer = h_mail(h, "not_understood", H_CHAIR);
	g_autofree char *body = h_body(answer);
	assert_holds(body, "  > Escalate 3 no report?\n");
	assert_holds(body, "escalate line 2 (Lena Marsh"); /* what was understood */
	assert_holds(body, "  ESCALATE 2 no_report");      /* their own instruction, as read */
}

/* A reply with no command at all is answered with the sender's first lines quoted. */
static void test_no_command_quotes_the_words(void)
{
	g_autoptr(Harness) h = h_new(NULL);
	h_story_setup(h);
	h_reply_to(h, "chair", "distribution_list", H_CHAIR, H_CHAIR,
	           "Thanks, I will look at this tomorrow morning.\n\nFfion\n");
	h_poll_flush(h, "2026-11-24T09:10");
	g_autofree char *answer = h_mail(h, "not_understood", H_CHAIR);
	g_autofree char *body = h_body(answer);
	assert_holds(body, "  > Thanks, I will look at this tomorrow morning.\n  > Ffion\n");
	assert_holds(body, "no command found");
	assert_holds(body, "  AUTHORISED\n  NO ESCALATION");
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/replies/table", test_table);
	g_test_add_func("/replies/chair-takes-it-back", test_chair_takes_it_back);
	g_test_add_func("/replies/chair-natural-escalations", test_chair_natural_escalations);
	g_test_add_func("/replies/slo-resolved-question-is-asked",
	                test_slo_resolved_question_is_asked);
	g_test_add_func("/replies/slo-natural-answers", test_slo_natural_answers);
	g_test_add_func("/replies/chair-unread-line-holds-everything",
	                test_chair_unread_line_holds_everything);
	g_test_add_func("/replies/no-command-quotes-the-words", test_no_command_quotes_the_words);
	return g_test_run();
}
