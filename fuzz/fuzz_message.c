/* fuzz_message: libFuzzer harness for everything chaser does with bytes it did not write.
 *
 * One input is read two ways:
 *   1. as a whole message: ch_message_parse(), then what intake does with the result (the
 *      subject's reference, the reply text read as chair and as SLO commands, the
 *      Authentication-Results check, the plus-address tokens);
 *   2. as text (made valid UTF-8 first, as every caller inside chaser does): the reply
 *      extractor, the HTML reader both ways, the command readers, the subject reference, the
 *      Authentication-Results check with each line as a header value, and the token check
 *      with the first line as a token.
 *
 * Besides "does not crash", it checks the promises the headers make: every string of a
 * ChMessage is valid UTF-8, so are the reply and HTML texts, a token we make verifies and
 * the same token with one character changed does not. A broken promise aborts, which
 * libFuzzer reports as a crash.
 *
 * Build and run: make fuzz FUZZ_SECONDS=600 (see fuzz/README.md).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <gmime/gmime.h>

#include "classify/classify.h"
#include "classify/token.h"
#include "engine/commands.h"
#include "message/message.h"
#include "message/reply.h"

static ChKeys *keys;
static ChParseOptions opts;

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc, (void)argv;
	g_mime_init();
	/* A fixed key: a crash must reproduce from its input alone. */
	char path[] = "/tmp/chaser-fuzz-key-XXXXXX";
	int fd = mkstemp(path);
	if (fd < 0)
		abort();
	static const char line[] = "1 2026-01-01 "
	                           "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f\n"
	                           "2 2025-06-01 "
	                           "f0e0d0c0b0a090807060504030201000f0e0d0c0b0a090807060504030201000\n";
	if (write(fd, line, sizeof line - 1) != (ssize_t)(sizeof line - 1))
		abort();
	close(fd);
	keys = ch_keys_load(path, NULL);
	unlink(path);
	if (!keys)
		abort();
	ch_parse_options_init(&opts);
	/* Small limits, so that the fuzzer reaches them with small inputs. */
	opts.max_size = 256 * 1024;
	opts.max_headers = 200;
	opts.max_line = 16 * 1024;
	opts.max_depth = 12;
	opts.max_parts = 64;
	opts.max_attachment = 64 * 1024;
	opts.max_attachments = 16;
	opts.own_address = "safeguarding@council.example";
	return 0;
}

static void must_be_utf8(const char *s)
{
	if (s && !g_utf8_validate(s, -1, NULL))
		abort();
}

static void check_message(const ChMessage *m)
{
	must_be_utf8(m->from_addr);
	must_be_utf8(m->from_name);
	must_be_utf8(m->reply_to_addr);
	must_be_utf8(m->return_path);
	must_be_utf8(m->subject);
	must_be_utf8(m->message_id);
	must_be_utf8(m->in_reply_to);
	must_be_utf8(m->body_text);
	must_be_utf8(m->reply_text);
	must_be_utf8(m->class_reason);
	must_be_utf8(m->bounced_message_id);
	must_be_utf8(m->bounced_rcpt);
	must_be_utf8(m->bounce_status);
	must_be_utf8(m->bounce_action);
	must_be_utf8(m->auto_return_date);
	if (!m->subject || !m->body_text || !m->reply_text)
		abort();
	for (guint i = 0; i < m->rcpt_addrs->len; i++)
		must_be_utf8(m->rcpt_addrs->pdata[i]);
	for (guint i = 0; i < m->references->len; i++)
		must_be_utf8(m->references->pdata[i]);
	for (guint i = 0; i < m->auth_results->len; i++)
		must_be_utf8(m->auth_results->pdata[i]);
	for (guint i = 0; i < m->attachments->len; i++) {
		const ChAttachment *a = m->attachments->pdata[i];
		must_be_utf8(a->filename);
		must_be_utf8(a->content_type);
		if (a->filename && (strchr(a->filename, '/') || strchr(a->filename, '\\') ||
		                    a->filename[0] == '.'))
			abort();
	}
}

static void commands(const char *text)
{
	ChCommands *c = ch_commands_parse_chair(text);
	if (c->lines_read > CH_COMMANDS_MAX_LINES)
		abort();
	ch_commands_free(c);
	c = ch_commands_parse_slo(text);
	ch_commands_free(c);
}

static void token(const char *t)
{
	guint32 id = 0;
	GDate exp;
	const char *why = NULL;
	if (ch_token_check(keys, t, &id, &exp, &why)) {
		if (!g_date_valid(&exp))
			abort();
	} else if (!why) {
		abort();
	}
}

static const char *domain_of(const char *addr)
{
	const char *at = addr ? strrchr(addr, '@') : NULL;
	return at ? at + 1 : NULL;
}

static void as_message(const uint8_t *data, size_t size)
{
	GError *e = NULL;
	ChMessage *m = ch_message_parse(data, size, &opts, &e);
	if (!m) {
		/* A refusal always says why, in valid UTF-8. */
		if (!e || !e->message)
			abort();
		must_be_utf8(e->message);
		g_error_free(e);
		return;
	}
	if (e)
		abort();
	check_message(m);
	g_free(ch_classify_subject_ref(m->subject));
	commands(m->reply_text);
	const char *why = NULL;
	ch_classify_auth_ok(m->auth_results, "mx.council.example", domain_of(m->from_addr), &why);
	for (guint i = 0; i < m->rcpt_addrs->len; i++) {
		const char *a = m->rcpt_addrs->pdata[i];
		const char *plus = strchr(a, '+'), *at = strrchr(a, '@');
		if (plus && at && at > plus) {
			char *t = g_strndup(plus + 1, (gsize)(at - plus - 1));
			token(t);
			g_free(t);
		}
	}
	ch_message_free(m);
}

static void as_text(const uint8_t *data, size_t size)
{
	char *text = g_utf8_make_valid((const char *)data, (gssize)size);
	char *reply = ch_reply_extract(text);
	must_be_utf8(reply);
	g_free(reply);
	for (int drop = 0; drop < 2; drop++) {
		char *plain = ch_html_to_text(text, drop);
		must_be_utf8(plain);
		g_free(plain);
	}
	commands(text);
	g_free(ch_classify_subject_ref(text));

	GPtrArray *headers = g_ptr_array_new();
	char **lines = g_strsplit(text, "\n", 16);
	for (char **l = lines; *l; l++)
		g_ptr_array_add(headers, *l);
	const char *why = NULL;
	ch_classify_auth_ok(headers, "mx.council.example", "chairs.example.org", &why);
	ch_classify_auth_ok(headers, lines[0] ? lines[0] : "", NULL, &why);
	token(lines[0]);
	g_ptr_array_free(headers, TRUE);
	g_strfreev(lines);
	g_free(text);
}

/* A token we make verifies, with the id and expiry it was made with, in any letter case;
 * changed in any one place, it does not. The input picks the id, the expiry and the place. */
static void token_round_trip(const uint8_t *data, size_t size)
{
	if (size < 7)
		return;
	guint32 id = (guint32)data[0] << 24 | (guint32)data[1] << 16 | (guint32)data[2] << 8 | data[3];
	GDate exp;
	g_date_clear(&exp, 1);
	g_date_set_dmy(&exp, 1, 1, 2000);
	g_date_add_days(&exp, ((guint)data[4] << 8 | data[5]) % 30000);
	char *t = ch_token_make(keys, id, &exp);
	guint32 got = 0;
	GDate got_exp;
	if (strlen(t) != CH_TOKEN_LEN || !ch_token_check(keys, t, &got, &got_exp, NULL) ||
	    got != id || g_date_compare(&got_exp, &exp) != 0)
		abort();
	char *upper = g_ascii_strup(t, -1);
	if (!ch_token_check(keys, upper, NULL, NULL, NULL))
		abort();
	g_free(upper);
	size_t at = data[6] % CH_TOKEN_LEN;
	static const char alphabet[] = "abcdefghijklmnopqrstuvwxyz234567";
	char *changed = g_strdup(t);
	const char *pos = strchr(alphabet, changed[at]);
	changed[at] = alphabet[(pos - alphabet + 1 + (size > 7 ? data[7] % 31 : 0)) % 32];
	if (ch_token_check(keys, changed, NULL, NULL, NULL))
		abort();
	g_free(changed);
	g_free(t);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	as_message(data, size);
	as_text(data, size);
	token_round_trip(data, size);
	return 0;
}
