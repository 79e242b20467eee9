/* test_corpora: real-world mail written by other projects' authors and mail clients.
 *
 * Every file in the corpora folder must either parse, with valid UTF-8 body and reply text,
 * or be refused with CH_ERROR_INPUT and a reason: never a crash, a hang or a leak. The
 * email_reply_parser bodies have no headers, so they are wrapped in a minimal message first;
 * for those the upstream project's own test states what the visible reply is, and a handful
 * of those expectations are checked here through the whole parse path.
 *
 * Which files are refused is pinned (refused_files below): a parser change that refuses one
 * more, or one fewer, fails here and the list is updated on purpose.
 *
 * The corpora are not part of this repository: the folder is $CHASER_CORPORA, or
 * ../shared/corpora from the repository root. Without ../shared (a user's clone) the tests
 * skip and say so, under make check too; a $CHASER_CORPORA that is not there fails.
 */
#include <string.h>

#include <gmime/gmime.h>

#include "message/message.h"
#include "message/reply.h"
#include "support/skip.h"
#include "util/error.h"

/* Every file the parser refuses, relative to the corpora folder, and why. Neither has a header
 * block: python-email's msg_19 is a mailing-list digest body, rt's lorem-ipsum plain prose. */
static const char *const refused_files[][2] = {
	{ "python-email/msg_19.txt", "message has no readable header block" },
	{ "rt/lorem-ipsum", "message has no readable header block" },
};

static const char *corpora_dir(void)
{
	const char *env = g_getenv("CHASER_CORPORA");
	return env && *env ? env : "../shared/corpora";
}

/* Licences and provenance notes sit beside the data; they are not mail. */
static gboolean is_data_file(const char *name)
{
	static const char *const skip[] = { "README", "LICENSE", "COPYING", "COMMIT", NULL };
	for (const char *const *s = skip; *s; s++)
		if (g_str_has_prefix(name, *s))
			return FALSE;
	return name[0] != '.';
}

static void list_files(const char *dir, GPtrArray *out)
{
	GDir *d = g_dir_open(dir, 0, NULL);
	if (!d)
		return;
	const char *name;
	while ((name = g_dir_read_name(d))) {
		char *path = g_build_filename(dir, name, NULL);
		if (g_file_test(path, G_FILE_TEST_IS_DIR))
			list_files(path, out);
		else if (is_data_file(name))
			g_ptr_array_add(out, g_steal_pointer(&path));
		g_free(path);
	}
	g_dir_close(d);
}

static gboolean is_reply_body(const char *path)
{
	return strstr(path, "email_reply_parser") != NULL;
}

/* A body with no headers becomes the simplest message a mail client could have sent. */
static GBytes *as_message(const char *path, const char *data, gsize len)
{
	if (!is_reply_body(path))
		return g_bytes_new(data, len);
	GString *s = g_string_new("From: Corpus <corpus@example.org>\n"
	                          "To: Safeguarding <safeguarding@council.example>\n"
	                          "Subject: corpus\nMIME-Version: 1.0\n"
	                          "Content-Type: text/plain; charset=utf-8\n\n");
	g_string_append_len(s, data, (gssize)len);
	return g_string_free_to_bytes(s);
}

static ChMessage *parse_path(const char *path, GError **error)
{
	char *data = NULL;
	gsize len = 0;
	if (!g_file_get_contents(path, &data, &len, error))
		return NULL;
	GBytes *msg = as_message(path, data, len);
	ChParseOptions o;
	ch_parse_options_init(&o);
	o.own_address = "safeguarding@council.example";
	gsize size;
	const guint8 *bytes = g_bytes_get_data(msg, &size);
	ChMessage *m = ch_message_parse(bytes, size, &o, error);
	/* The body text read alone (a mail of ours that a reply quotes) is the parse's. */
	g_autofree char *alone = m ? ch_message_body_text(bytes, size) : NULL;
	if (m && g_strcmp0(alone, m->body_text) != 0)
		g_test_fail_printf("%s: the body text read alone differs from the parse's", path);
	g_bytes_unref(msg);
	g_free(data);
	return m;
}

static void check_parsed(const char *path, const ChMessage *m)
{
	if (!g_utf8_validate(m->body_text, -1, NULL))
		g_test_fail_printf("%s: body_text is not valid UTF-8", path);
	if (!g_utf8_validate(m->reply_text, -1, NULL))
		g_test_fail_printf("%s: reply_text is not valid UTF-8", path);
	if (!g_utf8_validate(m->subject, -1, NULL))
		g_test_fail_printf("%s: subject is not valid UTF-8", path);
	for (guint i = 0; i < m->attachments->len; i++) {
		const ChAttachment *a = g_ptr_array_index(m->attachments, i);
		if (a->filename && (strchr(a->filename, '/') || !g_utf8_validate(a->filename, -1, NULL)))
			g_test_fail_printf("%s: unsafe attachment name", path);
	}
	/* The extractor on its own output must also hold up (and stay valid). */
	char *again = ch_reply_extract(m->body_text);
	if (!g_utf8_validate(again, -1, NULL))
		g_test_fail_printf("%s: ch_reply_extract gave invalid UTF-8", path);
	g_free(again);
}

static void test_every_file_parses_or_is_refused(void)
{
	const char *dir = corpora_dir();
	if (!g_file_test(dir, G_FILE_TEST_IS_DIR)) {
		ch_test_no_corpora("parsing real-world mail is");
		return;
	}
	GPtrArray *files = g_ptr_array_new_with_free_func(g_free);
	list_files(dir, files);
	g_assert_cmpuint(files->len, >, 0);

	guint parsed = 0, refused = 0;
	GHashTable *reasons = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	/* relative path -> reason, for every file refused */
	GHashTable *got = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
	for (guint i = 0; i < files->len; i++) {
		const char *path = g_ptr_array_index(files, i);
		GError *error = NULL;
		ChMessage *m = parse_path(path, &error);
		if (m) {
			parsed++;
			check_parsed(path, m);
			ch_message_free(m);
			continue;
		}
		refused++;
		if (!g_error_matches(error, CH_ERROR, CH_ERROR_INPUT) || !error->message[0]) {
			g_test_fail_printf("%s: refused without an input reason (%s)", path,
			                   error ? error->message : "no error");
		} else {
			char *key = g_strdup_printf("%s (%s)", error->message, path + strlen(dir) + 1);
			g_hash_table_add(reasons, key);
		}
		g_hash_table_replace(got, g_strdup(path + strlen(dir) + 1),
		                     g_strdup(error ? error->message : ""));
		g_clear_error(&error);
	}

	g_test_message("corpora: %u files, %u parsed, %u refused", files->len, parsed, refused);
	GList *keys = g_list_sort(g_hash_table_get_keys(reasons), (GCompareFunc)strcmp);
	for (GList *k = keys; k; k = k->next)
		g_test_message("refused: %s", (const char *)k->data);
	g_list_free(keys);

	/* The refused set is exactly the pinned one, each for its reason. */
	GString *wrong = g_string_new(NULL);
	for (gsize i = 0; i < G_N_ELEMENTS(refused_files); i++) {
		const char *file = refused_files[i][0], *why = refused_files[i][1];
		g_autofree char *full = g_build_filename(dir, file, NULL);
		const char *reason = g_hash_table_lookup(got, file);
		if (!g_file_test(full, G_FILE_TEST_EXISTS))
			g_string_append_printf(wrong, "; %s: pinned as refused, not in the corpora", file);
		else if (reason == NULL)
			g_string_append_printf(wrong, "; %s: pinned as refused (%s), parsed", file, why);
		else if (strcmp(reason, why) != 0)
			g_string_append_printf(wrong, "; %s: refused (%s), pinned (%s)", file, reason, why);
		g_hash_table_remove(got, file);
	}
	GList *extra = g_list_sort(g_hash_table_get_keys(got), (GCompareFunc)strcmp);
	for (GList *k = extra; k; k = k->next)
		g_string_append_printf(wrong, "; %s: refused (%s), not pinned",
		                       (const char *)k->data,
		                       (const char *)g_hash_table_lookup(got, k->data));
	g_list_free(extra);
	if (wrong->len)
		g_test_fail_printf("the refused set changed (update refused_files if meant)%s",
		                   wrong->str);
	g_string_free(wrong, TRUE);
	g_hash_table_unref(got);
	g_hash_table_unref(reasons);
	g_ptr_array_unref(files);
}

/* ---- email_reply_parser's own expectations ---- */

typedef struct {
	const char *file;
	const char *starts;         /* the visible reply starts with this, or NULL */
	const char *equals;         /* ... or is exactly this, or NULL */
	const char *contains[3];    /* ... and contains these */
	const char *excludes[3];    /* ... but none of these (quoted or signature) */
} ReplyExpectation;

static const ReplyExpectation expectations[] = {
	{ "email_1_1.txt", "Hi folks", NULL, { "I am currently using the Java HTTP API." }, { NULL } },
	{ "email_1_2.txt", "Hi,", NULL, { "You can list the keys for the bucket" },
	  { "What is the best way", "Abhishek Kona wrote" } },
	{ "email_1_3.txt", "Oh thanks.\n\nHaving", NULL, { NULL },
	  { "Russell Brown wrote", "You can list the keys", "riak-users mailing list" } },
	{ "email_1_4.txt", "Awesome", NULL, { NULL }, { "Loader", "defunkt" } },
	{ "email_1_5.txt", "One: Here's what I've got.", NULL,
	  { "This is the fourth bullet point", "It goes on and on\nfor a while." }, { NULL } },
	{ "email_1_6.txt", "I get", NULL, { NULL }, { "Was this", "Corey Donohoe" } },
	{ "email_1_7.txt", ":+1:", NULL, { NULL }, { "Steps 0-2", "Chris Wanstrath" } },
	{ "email_1_8.txt", "I will reply under this one", NULL, { "and under this." },
	  { "okay?", "Hey there, this is my signature", "Tim Haines" } },
	{ "email_2_1.txt", NULL, "Outlook with a reply", { NULL }, { NULL } },
	{ "email_2_2.txt", NULL, "Outlook with a reply directly above line", { NULL }, { NULL } },
	{ "correct_sig.txt", NULL, "this is an email with a correct -- signature.", { NULL },
	  { "rick" } },
	{ "email_iPhone.txt", NULL, "Here is another email", { NULL }, { NULL } },
	{ "email_BlackBerry.txt", NULL, "Here is another email", { NULL }, { NULL } },
	{ "email_multi_word_sent_from_my_mobile_device.txt", NULL, "Here is another email",
	  { NULL }, { NULL } },
	{ "email_sent_from_my_not_signature.txt", NULL,
	  "Here is another email\n\nSent from my desk, is much easier then my mobile phone.",
	  { NULL }, { NULL } },
	{ "email_bullets.txt", NULL,
	  "test 2 this should list second\n\nand have spaces\n\nand retain this formatting\n\n\n"
	  "   - how about bullets\n   - and another",
	  { NULL }, { NULL } },
	{ "email_one_is_not_on.txt", "Thank, this is really helpful.", NULL,
	  { "One outstanding question" }, { "Dave Tapley", "good news" } },
	{ "email_sig_delimiter_in_middle_of_line.txt", "Hi there!", NULL,
	  { "this is not a signature", "kthxbai" }, { NULL } },
	{ "greedy_on.txt", "On your remote host you can run:", NULL,
	  { "the tunnel is not working." }, { "George Plymale", "odd issue" } },
	{ "pathological.txt", "I think you're onto something.", NULL, { "get back to a computer." },
	  { "John Sullivan", "organism.sequence" } },
};

static void test_reply_expectation(gconstpointer data)
{
	const ReplyExpectation *e = data;
	const char *dir = corpora_dir();
	if (!g_file_test(dir, G_FILE_TEST_IS_DIR)) {
		ch_test_no_corpora("this reply of email_reply_parser is");
		return;
	}
	char *path = g_build_filename(dir, "email_reply_parser", e->file, NULL);
	/* With the corpora present, a missing file is a change to them, not a reason to skip. */
	if (!g_file_test(path, G_FILE_TEST_EXISTS))
		g_error("%s is not in the corpora", path);
	gint64 start = g_get_monotonic_time();
	GError *error = NULL;
	ChMessage *m = parse_path(path, &error);
	g_assert_no_error(error);
	/* pathological.txt is upstream's guard against a regex that backtracks for ever. */
	g_assert_cmpint(g_get_monotonic_time() - start, <, G_USEC_PER_SEC);

	const char *reply = m->reply_text;
	if (e->equals)
		g_assert_cmpstr(reply, ==, e->equals);
	if (e->starts && !g_str_has_prefix(reply, e->starts))
		g_error("%s: reply does not start with \"%s\":\n%s", e->file, e->starts, reply);
	for (int i = 0; i < 3 && e->contains[i]; i++)
		if (!strstr(reply, e->contains[i]))
			g_error("%s: reply lacks \"%s\":\n%s", e->file, e->contains[i], reply);
	for (int i = 0; i < 3 && e->excludes[i]; i++)
		if (strstr(reply, e->excludes[i]))
			g_error("%s: reply keeps \"%s\":\n%s", e->file, e->excludes[i], reply);
	ch_message_free(m);
	g_free(path);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_mime_init();
	g_test_add_func("/corpora/every-file-parses-or-is-refused",
	                test_every_file_parses_or_is_refused);
	for (gsize i = 0; i < G_N_ELEMENTS(expectations); i++) {
		char *name = g_strndup(expectations[i].file, strlen(expectations[i].file) - 4);
		char *test = g_strconcat("/corpora/email-reply-parser/", name, NULL);
		g_test_add_data_func(test, &expectations[i], test_reply_expectation);
		g_free(test);
		g_free(name);
	}
	int rc = g_test_run();
	g_mime_shutdown();
	return rc;
}
