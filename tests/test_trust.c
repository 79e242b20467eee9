/* Trust: who sent a message, whether a machine wrote it, what hostile input does to chaser,
 * and what never leaves it. Every test drives the real binary (tests/support/harness.h) and
 * looks at what a user sees: `show --json`, `triage --json`, `outbox --json` and the mail in
 * spool/outgoing; the audit log is read straight from the database, as `chaser record` would.
 *
 * The token tests at the top call src/classify/token.c directly, and the fuzzer's crash
 * inputs (tests/data/trust/crashes/) go through the same checks the fuzzer makes.
 */
#include <gmime/gmime.h>
#include <signal.h>
#include <sqlite3.h>
#include <string.h>
#include <unistd.h>
#include <glib/gstdio.h>

#include "support/harness.h"
#include "servers/harness.h"

#include "classify/token.h"

/* The fuzzer's own checks (LLVMFuzzerInitialize, LLVMFuzzerTestOneInput), so that every crash
 * it found is replayed here with exactly the assertions that caught it. */
#include "../fuzz/fuzz_message.c"

#define T_REPLY "2026-11-24T09:10"
#define T_LATER "2026-11-25T10:00"
#define ADMIN "cp.admin@council.example"
/* An immediate-safety alert goes to both: one mail each per event. */
#define COORD "cp.coordinator@council.example"
#define LSM "lead.safeguarding@council.example"
#define REF_B "CP-2026-0043"
/* The harness writes its own [chaser] group first; GKeyFile merges a repeated group (and
 * for a repeated key the later value wins), so this extra text adds to that group. */
#define AUTHSERV "[chaser]\nauthserv_id = mx.council.example\n"

/* ---- helpers ------------------------------------------------------------------------------ */

static sqlite3 *db_open(Harness *h)
{
	g_autofree char *path = g_build_filename(h->dir, "spool", "chaser.db", NULL);
	sqlite3 *db;
	g_assert_cmpint(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL), ==, SQLITE_OK);
	return db;
}

/* One number from the store, e.g. a count of audit events. */
static gint64 sql_int(Harness *h, const char *sql)
{
	sqlite3 *db = db_open(h);
	sqlite3_stmt *st;
	g_assert_cmpint(sqlite3_prepare_v2(db, sql, -1, &st, NULL), ==, SQLITE_OK);
	gint64 v = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : -1;
	sqlite3_finalize(st);
	sqlite3_close(db);
	return v;
}

static char *sql_text(Harness *h, const char *sql)
{
	sqlite3 *db = db_open(h);
	sqlite3_stmt *st;
	g_assert_cmpint(sqlite3_prepare_v2(db, sql, -1, &st, NULL), ==, SQLITE_OK);
	char *v = sqlite3_step(st) == SQLITE_ROW ? g_strdup((const char *)sqlite3_column_text(st, 0))
	                                         : NULL;
	sqlite3_finalize(st);
	sqlite3_close(db);
	return v;
}

/* A conference as `show --json` prints it, as one string to compare. */
static char *show(Harness *h, const char *ref)
{
	g_autoptr(JsonNode) n = h_json(h, NULL, "show", ref, NULL);
	return json_to_string(n, FALSE);
}

static char *conference_state(Harness *h, const char *ref)
{
	g_autoptr(JsonNode) n = h_json(h, NULL, "show", ref, NULL);
	return g_strdup(h_str(json_node_get_object(n), "state"));
}

static guint mail_count(Harness *h)
{
	g_autoptr(GPtrArray) all = h_outgoing(h);
	return all->len;
}

/* Sent mail to anyone but the team's admin: what a sender could see come back. */
static guint mail_to_others(Harness *h)
{
	g_autoptr(GPtrArray) all = h_outgoing(h);
	guint n = 0;
	for (guint i = 0; i < all->len; i++) {
		g_autofree char *to = h_header(all->pdata[i], "To");
		n += !to || !strstr(to, ADMIN);
	}
	return n;
}

/* The open triage items, as `triage --json` prints them. */
static JsonNode *triage(Harness *h)
{
	return h_json(h, NULL, "triage", NULL);
}

static void poll_and_flush(Harness *h, const char *now)
{
	g_assert_cmpint(h_run(h, now, "poll", NULL), ==, 0);
	g_assert_cmpint(h_run(h, now, "flush", NULL), ==, 0);
}

/* The chair authorises CP-2026-0042 escalating line 2 (school) and line 4 (police); the
 * escalation requests go out. */
static void setup_escalated(Harness *h)
{
	g_autofree char *list = h_mail(h, "distribution_list", H_CHAIR);
	g_autofree char *token = h_token(list);
	g_autofree char *msgid = h_msgid(list);
	g_autofree char *text = g_strdup_printf(
		"From: Dr Ffion Testwood <" H_CHAIR ">\n"
		"To: Safeguarding <safeguarding+%s@council.example>\n"
		"Subject: RE: [" H_REF "] Distribution list for authorisation\n"
		"Message-ID: <chair-authorises@chairs.example.org>\nIn-Reply-To: <%s>\n\n"
		"AUTHORISED\nESCALATE 2 no_report: nothing came\n"
		"ESCALATE 4 not_redacted: named the foster carers\n",
		token, msgid);
	h_deliver(h, "chair-authorises", text);
	poll_and_flush(h, T_REPLY);
	g_autofree char *state = conference_state(h, H_REF);
	g_assert_cmpstr(state, ==, "authorised");
	g_assert_cmpuint(h_count_mail(h, "escalation", H_POLICE_SLO), ==, 1);
	g_assert_cmpuint(h_count_mail(h, "escalation", H_SCHOOL_SLO), ==, 1);
}

/* A second conference, CP-2026-0043, with the same chair, its list sent. */
static void setup_second_conference(Harness *h)
{
	const char *t = "2026-11-23T09:40";
	g_assert_cmpint(h_run(h, t, "conference", "add", REF_B, "--held", "2026-11-19T14:00",
	                      "--chair", H_CHAIR, "--chair-name", "Dr Ffion Testwood",
	                      "--social-worker", "amara.sowande@council.example", NULL), ==, 0);
	g_assert_cmpint(h_run(h, t, "attendee", "add", REF_B, "--name", "Nia Brightwater",
	                      "--email", "nia.brightwater@police.example.org", "--agency",
	                      "Northshire Police", "--attendance", "absent", "--report", "none", NULL),
	                ==, 0);
	g_assert_cmpint(h_run(h, t, "list", "send", REF_B, NULL), ==, 0);
	g_assert_cmpint(h_run(h, t, "flush", NULL), ==, 0);
}

/* ---- reply tokens, unit ------------------------------------------------------------------- */

static ChKeys *fresh_keys(const char *dir, const char *name, char **path_r)
{
	g_autofree char *path = g_build_filename(dir, name, NULL);
	GError *e = NULL;
	g_assert_true(ch_keys_create(path, &e));
	g_assert_no_error(e);
	ChKeys *k = ch_keys_load(path, &e);
	g_assert_no_error(e);
	if (path_r)
		*path_r = g_steal_pointer(&path);
	return k;
}

static void date_of(GDate *d, int day, int month, int year)
{
	g_date_clear(d, 1);
	g_date_set_dmy(d, day, month, year);
}

static void test_token_round_trip_any_case(void)
{
	g_autofree char *dir = g_dir_make_tmp("chaser-keys-XXXXXX", NULL);
	g_autoptr(ChKeys) k = fresh_keys(dir, "k", NULL);
	const guint32 ids[] = { 1, 42, 65535, 0x7fffffff, 0xffffffff };
	for (guint i = 0; i < G_N_ELEMENTS(ids); i++) {
		GDate exp, got_exp;
		date_of(&exp, 23, 3, 2027);
		g_autofree char *t = ch_token_make(k, ids[i], &exp);
		g_assert_cmpuint(strlen(t), ==, CH_TOKEN_LEN);
		guint32 id = 0;
		g_assert_true(ch_token_check(k, t, &id, &got_exp, NULL));
		g_assert_cmpuint(id, ==, ids[i]);
		g_assert_cmpint(g_date_compare(&exp, &got_exp), ==, 0);
		/* Mail systems change the case of addresses: both spellings verify. */
		g_autofree char *up = g_ascii_strup(t, -1);
		id = 0;
		g_assert_true(ch_token_check(k, up, &id, NULL, NULL));
		g_assert_cmpuint(id, ==, ids[i]);
	}
	g_autofree char *cmd = g_strdup_printf("rm -rf '%s'", dir);
	g_assert_cmpint(system(cmd), ==, 0);
}

static void test_token_every_changed_character_refused(void)
{
	g_autofree char *dir = g_dir_make_tmp("chaser-keys-XXXXXX", NULL);
	g_autoptr(ChKeys) k = fresh_keys(dir, "k", NULL);
	static const char alphabet[] = "abcdefghijklmnopqrstuvwxyz234567";
	GDate exp;
	date_of(&exp, 1, 1, 2030);
	g_autofree char *t = ch_token_make(k, 7, &exp);
	guint tried = 0;
	for (guint pos = 0; pos < CH_TOKEN_LEN; pos++) {
		/* Every other letter in this place, and so every single-bit change of the 5 bits
		 * it stands for, including the unused low bits of the last character. */
		for (guint c = 0; c < 32; c++) {
			if (alphabet[c] == t[pos])
				continue;
			g_autofree char *bad = g_strdup(t);
			bad[pos] = alphabet[c];
			const char *why = NULL;
			if (ch_token_check(k, bad, NULL, NULL, &why))
				g_error("token with '%c' at %u instead of '%c' verified", alphabet[c], pos,
				        t[pos]);
			g_assert_nonnull(why);
			tried++;
		}
	}
	g_assert_cmpuint(tried, ==, CH_TOKEN_LEN * 31);
	/* Wrong length, foreign characters, nothing at all. */
	const char *junk[] = { "", "abc", "0000000000000000000000000000", "!!!!!!!!!!!!!!!!!!!!!!!!!!!!",
		               NULL };
	for (guint i = 0; junk[i]; i++)
		g_assert_false(ch_token_check(k, junk[i], NULL, NULL, NULL));
	g_autofree char *longer = g_strdup_printf("%sa", t);
	g_assert_false(ch_token_check(k, longer, NULL, NULL, NULL));
	g_assert_false(ch_token_check(k, NULL, NULL, NULL, NULL));
	g_autofree char *cmd = g_strdup_printf("rm -rf '%s'", dir);
	g_assert_cmpint(system(cmd), ==, 0);
}

static void test_token_wrong_key_refused(void)
{
	g_autofree char *dir = g_dir_make_tmp("chaser-keys-XXXXXX", NULL);
	g_autoptr(ChKeys) ours = fresh_keys(dir, "ours", NULL);
	g_autoptr(ChKeys) theirs = fresh_keys(dir, "theirs", NULL);
	GDate exp;
	date_of(&exp, 1, 1, 2030);
	g_autofree char *t = ch_token_make(theirs, 12, &exp);
	const char *why = NULL;
	/* Same key id (1), another key: the MAC gives it away. */
	g_assert_false(ch_token_check(ours, t, NULL, NULL, &why));
	g_assert_cmpstr(why, ==, "token does not verify (altered or forged)");
	g_autofree char *cmd = g_strdup_printf("rm -rf '%s'", dir);
	g_assert_cmpint(system(cmd), ==, 0);
}

static void test_token_expiry_is_returned(void)
{
	g_autofree char *dir = g_dir_make_tmp("chaser-keys-XXXXXX", NULL);
	g_autoptr(ChKeys) k = fresh_keys(dir, "k", NULL);
	GDate past, got;
	date_of(&past, 2, 2, 2021);
	g_autofree char *t = ch_token_make(k, 99, &past);
	/* An expired token still verifies: the caller says "expired", not "forged". */
	g_assert_true(ch_token_check(k, t, NULL, &got, NULL));
	g_assert_cmpint(g_date_compare(&past, &got), ==, 0);
	g_autofree char *cmd = g_strdup_printf("rm -rf '%s'", dir);
	g_assert_cmpint(system(cmd), ==, 0);
}

static void test_token_rotation_keeps_old_tokens(void)
{
	g_autofree char *dir = g_dir_make_tmp("chaser-keys-XXXXXX", NULL);
	g_autofree char *path = NULL;
	g_autoptr(ChKeys) before = fresh_keys(dir, "k", &path);
	GDate exp;
	date_of(&exp, 1, 1, 2030);
	g_autofree char *old_token = ch_token_make(before, 5, &exp);
	GError *e = NULL;
	g_assert_true(ch_keys_rotate(path, "2026-11-24", NULL, &e));
	g_assert_no_error(e);
	g_autoptr(ChKeys) after = ch_keys_load(path, &e);
	g_assert_no_error(e);
	guint32 id = 0;
	g_assert_true(ch_token_check(after, old_token, &id, NULL, NULL));
	g_assert_cmpuint(id, ==, 5);
	/* New tokens use the new key: the set of keys from before rotation does not know it. */
	g_autofree char *new_token = ch_token_make(after, 6, &exp);
	const char *why = NULL;
	g_assert_false(ch_token_check(before, new_token, NULL, NULL, &why));
	g_assert_cmpstr(why, ==, "token made with an unknown or retired key");
	g_assert_true(ch_token_check(after, new_token, NULL, NULL, NULL));
	/* Once the old key is dropped, its tokens stop working. */
	g_assert_true(ch_keys_rotate(path, "2027-06-01", "2027-01-01", &e));
	g_assert_no_error(e);
	g_autoptr(ChKeys) later = ch_keys_load(path, &e);
	g_assert_no_error(e);
	g_assert_false(ch_token_check(later, old_token, NULL, NULL, &why));
	g_assert_cmpstr(why, ==, "token made with an unknown or retired key");
	g_autofree char *cmd = g_strdup_printf("rm -rf '%s'", dir);
	g_assert_cmpint(system(cmd), ==, 0);
}

/* The same through the command line: `chaser key rotate` between sending the list and the
 * chair's answer breaks nothing. */
static void test_key_rotate_keeps_threads_working(void)
{
	g_autoptr(Harness) h = h_new(NULL);
	h_story_setup(h);
	g_autofree char *path = g_build_filename(h->dir, "spool", "secret.key", NULL);
	g_autoptr(ChKeys) before = ch_keys_load(path, NULL);
	g_assert_nonnull(before);
	g_assert_cmpint(h_run(h, "2026-11-23T12:00", "key", "rotate", NULL), ==, 0);
	setup_escalated(h);
	/* And the mail sent after the rotation carries tokens of the new key (id 2), which a
	 * reply can use too: the keys from before the rotation do not know it. */
	g_autofree char *esc = h_mail(h, "escalation", H_POLICE_SLO);
	g_autofree char *token = h_token(esc);
	g_autofree char *msgid = h_msgid(esc);
	g_autoptr(ChKeys) k = ch_keys_load(path, NULL);
	g_assert_nonnull(k);
	const char *why = NULL;
	g_assert_false(ch_token_check(before, token, NULL, NULL, &why));
	g_assert_cmpstr(why, ==, "token made with an unknown or retired key");
	g_assert_true(ch_token_check(k, token, NULL, NULL, NULL));
	g_autofree char *text = g_strdup_printf(
		"From: " H_POLICE_SLO "\nTo: safeguarding+%s@council.example\nSubject: RE: ["
		H_REF "] Escalation\nMessage-ID: <slo-after-rotation@police.example.org>\n"
		"In-Reply-To: <%s>\n\nRESOLVED: sorted after the rotation\n",
		token, msgid);
	h_deliver(h, "slo", text);
	poll_and_flush(h, T_LATER);
	g_autoptr(JsonNode) s = h_json(h, NULL, "show", H_REF, NULL);
	g_assert_cmpstr(h_str(h_escalation(s, 4), "state"), ==, "resolved");
}

/* ---- who sent it: the trust matrix -------------------------------------------------------- */

enum { SETUP_LIST, SETUP_ESCALATED, SETUP_TWO_CONFERENCES };

typedef struct {
	const char *name;
	int setup;
	gboolean authserv;   /* [chaser] authserv_id = mx.council.example */
	const char *now;     /* when the message is read; NULL: the morning after the list */
	/* The message. {{LIST}} and {{LIST_ID}}: the token and Message-ID of the distribution
	 * list sent to the chair; {{LIST_ALTERED}}: that token with one character changed;
	 * {{ESC}} and {{ESC_ID}}: those of the escalation request sent to the police SLO. */
	const char *message;
	const char *state;   /* "triage" (unmatched) or "held" (matched, sender not trusted) */
	const char *reason;  /* a part of the reason triage shows */
} TrustRow;

#define CHAIR_TO_LIST                                                                      \
	"From: Dr Ffion Testwood <" H_CHAIR ">\n"                                          \
	"To: Safeguarding <safeguarding+{{LIST}}@council.example>\n"                       \
	"Subject: RE: [" H_REF "] Distribution list for authorisation\n"                   \
	"In-Reply-To: <{{LIST_ID}}>\n"
#define AUTHORISE_BODY "\nAUTHORISED\nESCALATE 1 other: forged escalation\n"

static const TrustRow trust_rows[] = {
	{ "forged-from-without-token-or-tag", SETUP_LIST, FALSE, NULL,
	  "From: Dr Ffion Testwood <" H_CHAIR ">\nTo: safeguarding@council.example\n"
	  "Subject: Distribution list\n" AUTHORISE_BODY,
	  "triage", "no reply token, no known thread and no conference reference" },
	{ "valid-token-wrong-sender", SETUP_LIST, FALSE, NULL,
	  "From: Sam Okafor <sam.okafor@police.example.org>\n"
	  "To: safeguarding+{{LIST}}@council.example\n"
	  "Subject: RE: [" H_REF "] Distribution list for authorisation\n"
	  "In-Reply-To: <{{LIST_ID}}>\n" AUTHORISE_BODY,
	  "triage", "sender sam.okafor@police.example.org is not the person this reply token" },
	{ "token-of-one-conference-used-on-another", SETUP_TWO_CONFERENCES, FALSE, NULL,
	  "From: " H_CHAIR "\nTo: safeguarding+{{LIST}}@council.example\n"
	  "Subject: RE: [" REF_B "] Distribution list for authorisation\n" AUTHORISE_BODY,
	  "triage", "subject names conference " REF_B " but the reply token is for another" },
	{ "escalation-token-used-as-the-lists", SETUP_ESCALATED, FALSE, NULL,
	  "From: " H_POLICE_SLO "\nTo: safeguarding+{{ESC}}@council.example\n"
	  "Subject: RE: [" H_REF "] Distribution list for authorisation\n"
	  "In-Reply-To: <{{LIST_ID}}>\n\nAUTHORISED\n",
	  "triage", "the reply token in the address and the message this answers belong to "
	            "different threads" },
	{ "escalation-token-used-by-the-chair", SETUP_ESCALATED, FALSE, NULL,
	  "From: " H_CHAIR "\nTo: safeguarding+{{ESC}}@council.example\n"
	  "Subject: RE: [" H_REF "] Escalation: your response is needed\n"
	  "In-Reply-To: <{{ESC_ID}}>\n\nRESOLVED: closing this myself\n",
	  "triage", "sender " H_CHAIR " is not the person this reply token was sent to" },
	{ "expired-token", SETUP_LIST, FALSE, "2027-06-01T10:00",
	  CHAIR_TO_LIST AUTHORISE_BODY, "triage", "reply token expired on 2027-03-2" },
	{ "token-with-one-character-changed", SETUP_LIST, FALSE, NULL,
	  "From: " H_CHAIR "\nTo: safeguarding+{{LIST_ALTERED}}@council.example\n"
	  "Subject: RE: [" H_REF "] Distribution list for authorisation\n" AUTHORISE_BODY,
	  "triage", "reply token refused: token does not verify (altered or forged)" },
	{ "token-changed-in-the-address-only", SETUP_LIST, FALSE, NULL,
	  "From: " H_CHAIR "\nTo: safeguarding+{{LIST_ALTERED}}@council.example\n"
	  "Subject: RE: [" H_REF "] Distribution list for authorisation\n"
	  "In-Reply-To: <{{LIST_ID}}>\n" AUTHORISE_BODY,
	  "triage", "belong to different threads" },
	{ "display-name-spoofing-with-subject-tag", SETUP_LIST, FALSE, NULL,
	  "From: \"" H_CHAIR "\" <attacker@evil.example.com>\nTo: safeguarding@council.example\n"
	  "Subject: RE: [" H_REF "] Distribution list for authorisation\n" AUTHORISE_BODY,
	  "triage", "sender attacker@evil.example.com is not on the roster of " H_REF },
	{ "display-name-spoofing-unquoted-with-token", SETUP_LIST, FALSE, NULL,
	  "From: " H_CHAIR " <attacker@evil.example.com>\n"
	  "To: safeguarding+{{LIST}}@council.example\n"
	  "Subject: RE: [" H_REF "] Distribution list for authorisation\n"
	  "In-Reply-To: <{{LIST_ID}}>\n" AUTHORISE_BODY,
	  "triage", "sender attacker@evil.example.com is not the person this reply token" },
	{ "reply-to-is-the-chair-from-is-not", SETUP_LIST, FALSE, NULL,
	  "From: Pat Outsider <pat.outsider@elsewhere.example.com>\n"
	  "Reply-To: Dr Ffion Testwood <" H_CHAIR ">\nTo: safeguarding@council.example\n"
	  "Subject: RE: [" H_REF "] Distribution list for authorisation\n" AUTHORISE_BODY,
	  "triage", "sender pat.outsider@elsewhere.example.com is not on the roster" },
	{ "reply-to-is-the-chair-with-token", SETUP_LIST, FALSE, NULL,
	  "From: Pat Outsider <pat.outsider@elsewhere.example.com>\n"
	  "Reply-To: " H_CHAIR "\nTo: safeguarding+{{LIST}}@council.example\n"
	  "Subject: RE: [" H_REF "] Distribution list for authorisation\n"
	  "In-Reply-To: <{{LIST_ID}}>\n" AUTHORISE_BODY,
	  "triage", "sender pat.outsider@elsewhere.example.com is not the person" },
	/* With authserv_id set, a matched message from the right address still needs the
	 * receiving server's word. Our MX prepends its Authentication-Results, so in real mail a
	 * forged one written by the sender sits BELOW the real one: the check trusts the topmost
	 * header naming our server, and that one says fail. */
	{ "auth-real-fail-above-forged-pass", SETUP_LIST, TRUE, NULL,
	  "Authentication-Results: mx.council.example; spf=fail smtp.mailfrom=chairs.example.org;"
	  " dmarc=fail (p=reject) header.from=chairs.example.org\n"
	  "Authentication-Results: mx.council.example; dmarc=pass header.from=chairs.example.org\n"
	  CHAIR_TO_LIST AUTHORISE_BODY,
	  "held", "sender not verified: " },
	/* The other order cannot come from outside unless something after our MX adds headers
	 * or the MX appends. Position alone then would trust the forgery; the check sees two
	 * headers naming our server that disagree about dmarc, and trusts neither. */
	{ "auth-forged-pass-above-real-fail", SETUP_LIST, TRUE, NULL,
	  "Authentication-Results: mx.council.example; dmarc=pass header.from=chairs.example.org\n"
	  "Authentication-Results: mx.council.example; spf=fail smtp.mailfrom=chairs.example.org;"
	  " dmarc=fail (p=reject) header.from=chairs.example.org\n"
	  CHAIR_TO_LIST AUTHORISE_BODY,
	  "held", "headers naming the receiving server disagree" },
	{ "auth-dmarc-fail", SETUP_LIST, TRUE, NULL,
	  "Authentication-Results: mx.council.example; dkim=none; spf=softfail"
	  " smtp.mailfrom=chairs.example.org; dmarc=fail header.from=chairs.example.org\n"
	  CHAIR_TO_LIST AUTHORISE_BODY,
	  "held", "did not find DMARC, or aligned DKIM or SPF, to pass" },
	{ "auth-dmarc-bestguesspass", SETUP_LIST, TRUE, NULL,
	  "Authentication-Results: mx.council.example; spf=none (sender has no SPF record);"
	  " dkim=none (message not signed); dmarc=bestguesspass action=none"
	  " header.from=chairs.example.org\n"
	  CHAIR_TO_LIST AUTHORISE_BODY,
	  "held", "did not find DMARC, or aligned DKIM or SPF, to pass" },
	{ "auth-only-another-servers-header", SETUP_LIST, TRUE, NULL,
	  "Authentication-Results: relay.chairs.example.org; dkim=pass header.d=chairs.example.org;"
	  " dmarc=pass header.from=chairs.example.org\n"
	  CHAIR_TO_LIST AUTHORISE_BODY,
	  "held", "no Authentication-Results header from the receiving server" },
	{ "auth-no-header", SETUP_LIST, TRUE, NULL, CHAIR_TO_LIST AUTHORISE_BODY,
	  "held", "no Authentication-Results header from the receiving server" },
	/* GMime reads "a@b@c" as a@b; the server's DMARC read it as c: the pass it reports is for
	 * a domain that is not the one chaser sees. */
	{ "auth-pass-for-the-domain-a-server-read-differently", SETUP_LIST, TRUE, NULL,
	  "Authentication-Results: mx.council.example; dkim=pass header.d=evil.example.com;"
	  " dmarc=pass header.from=evil.example.com\n"
	  "From: " H_CHAIR "@evil.example.com\nTo: safeguarding+{{LIST}}@council.example\n"
	  "Subject: RE: [" H_REF "] Distribution list for authorisation\n" AUTHORISE_BODY,
	  "held", "did not find DMARC, or aligned DKIM or SPF, to pass" },
	/* Two authors: which From did the server's "dmarc=pass" (no header.from) judge? */
	{ "auth-dmarc-pass-without-header-from", SETUP_LIST, TRUE, NULL,
	  "Authentication-Results: mx.council.example; dmarc=pass\n"
	  "From: Dr Ffion Testwood <" H_CHAIR ">, Mallory <mallory@evil.example.com>\n"
	  "Sender: mallory@evil.example.com\nTo: safeguarding+{{LIST}}@council.example\n"
	  "Subject: RE: [" H_REF "] Distribution list for authorisation\n" AUTHORISE_BODY,
	  "held", "did not find DMARC, or aligned DKIM or SPF, to pass" },
};

/* Which results of the receiving server verify the From domain (chairs.example.org). */
typedef struct {
	const char *name;
	const char *results; /* what our server wrote after "mx.council.example;" */
	gboolean acts;       /* TRUE: the chair's reply acts at once; FALSE: held for admin */
} AuthRow;

static const AuthRow auth_rows[] = {
	/* Relaxed alignment (RFC 7489 section 3.1): a DKIM signature or an envelope sender of
	 * a subdomain of the From domain, or of its parent, aligns with it; DKIM or SPF alone
	 * is enough when the server states no DMARC result. */
	{ "dkim-pass-for-a-subdomain-acts", "dkim=pass header.d=mail.chairs.example.org; spf=none",
	  TRUE },
	{ "dkim-pass-for-the-parent-domain-acts", "dkim=pass (2048-bit key) header.d=example.org",
	  TRUE },
	{ "spf-pass-for-a-subdomain-acts",
	  "spf=pass smtp.mailfrom=bounces@mail.chairs.example.org; dkim=none", TRUE },
	/* ... and only at a label boundary: xchairs.example.org is somebody else's domain, and
	 * hairs.example.org is not a parent of chairs.example.org. */
	{ "dkim-pass-for-a-lookalike-domain-held",
	  "dkim=pass header.d=xchairs.example.org; spf=none", FALSE },
	{ "dkim-pass-for-a-suffix-that-is-not-a-parent-held", "dkim=pass header.d=hairs.example.org",
	  FALSE },
	{ "spf-pass-for-a-lookalike-domain-held",
	  "spf=pass smtp.mailfrom=bounces@xchairs.example.org", FALSE },
	{ "dmarc-pass-for-a-lookalike-domain-held", "dmarc=pass header.from=xchairs.example.org",
	  FALSE },
	/* The domain's own policy failed (say adkim=s against that subdomain): the relaxed
	 * reading of the DKIM pass beside it must not outvote it. */
	{ "dmarc-fail-beside-an-aligned-dkim-pass-held",
	  "dkim=pass header.d=mail.chairs.example.org; dmarc=fail header.from=chairs.example.org",
	  FALSE },
};

/* The first mail of a kind to an address (h_mail gives the newest). */
static char *first_mail(Harness *h, const char *kind, const char *to)
{
	g_autoptr(GPtrArray) all = h_outgoing(h);
	g_autofree char *suffix = g_strdup_printf("-%s.eml", kind);
	for (guint i = 0; i < all->len; i++) {
		if (!g_str_has_suffix(all->pdata[i], suffix))
			continue;
		g_autofree char *rcpt = h_header(all->pdata[i], "To");
		if (rcpt && strstr(rcpt, to))
			return g_strdup(all->pdata[i]);
	}
	return NULL;
}

static char *fill_row(Harness *h, const TrustRow *row)
{
	GString *s = g_string_new(row->message);
	/* CP-2026-0042's list: with two conferences, the first one sent. */
	g_autofree char *list = first_mail(h, "distribution_list", H_CHAIR);
	g_autofree char *token = h_token(list);
	g_autofree char *msgid = h_msgid(list);
	g_autofree char *altered = g_strdup(token);
	/* The middle of the token: its MAC. */
	altered[14] = altered[14] == 'q' ? 'r' : 'q';
	g_string_replace(s, "{{LIST_ALTERED}}", altered, 0);
	g_string_replace(s, "{{LIST}}", token, 0);
	g_string_replace(s, "{{LIST_ID}}", msgid, 0);
	if (strstr(s->str, "{{ESC")) {
		g_autofree char *esc = h_mail(h, "escalation", H_POLICE_SLO);
		g_assert_nonnull(esc);
		g_autofree char *et = h_token(esc);
		g_autofree char *eid = h_msgid(esc);
		g_string_replace(s, "{{ESC}}", et, 0);
		g_string_replace(s, "{{ESC_ID}}", eid, 0);
	}
	g_autofree char *id = g_strdup_printf("Message-ID: <%s@test.example.org>\n"
	                                      "Date: Tue, 24 Nov 2026 09:05:00 +0000\n", row->name);
	g_string_prepend(s, id);
	return g_string_free(s, FALSE);
}

static void test_untrusted_message_changes_nothing(gconstpointer data)
{
	const TrustRow *row = data;
	g_autoptr(Harness) h = h_new(row->authserv ? AUTHSERV : NULL);
	h_story_setup(h);
	if (row->setup == SETUP_TWO_CONFERENCES)
		setup_second_conference(h);
	if (row->setup == SETUP_ESCALATED) {
		/* The chair's authorisation must itself pass the check when one is configured;
		 * these rows do not use it. */
		g_assert_false(row->authserv);
		setup_escalated(h);
	}
	g_autofree char *before_a = show(h, H_REF);
	g_autofree char *before_b = row->setup == SETUP_TWO_CONFERENCES ? show(h, REF_B) : NULL;
	guint mails = mail_count(h);
	const char *changes = "SELECT count(*) FROM audit WHERE what IN ('conference.state',"
	                      " 'escalation.state','escalation.raised','escalation.stage')";
	gint64 changes_before = sql_int(h, changes);
	g_autofree char *text = fill_row(h, row);
	h_deliver(h, row->name, text);
	const char *now = row->now ? row->now : T_REPLY;
	poll_and_flush(h, now);

	/* Nothing changed on either conference. */
	g_autofree char *after_a = show(h, H_REF);
	g_assert_cmpstr(after_a, ==, before_a);
	if (before_b) {
		g_autofree char *after_b = show(h, REF_B);
		g_assert_cmpstr(after_b, ==, before_b);
	}
	/* One item waits for a person, saying why. */
	g_autoptr(JsonNode) t = triage(h);
	JsonArray *items = json_node_get_array(t);
	g_assert_cmpuint(json_array_get_length(items), ==, 1);
	JsonObject *item = json_array_get_object_element(items, 0);
	g_assert_cmpstr(h_str(item, "message_state"), ==, row->state);
	g_assert_cmpstr(h_str(item, "state"), ==, "open");
	if (!strstr(h_str(item, "reason"), row->reason))
		g_error("%s: triage reason '%s' lacks '%s'", row->name, h_str(item, "reason"),
		        row->reason);
	/* The sender is not answered; admin is told, and that is the only mail. */
	g_assert_cmpuint(mail_count(h), ==, mails + 1);
	g_assert_cmpuint(h_count_mail(h, "triage_alert", ADMIN), ==, 1);
	g_assert_cmpint(sql_int(h, changes), ==, changes_before);
}

/* The chair's AUTHORISED under one Authentication-Results header from our server: it acts
 * at once, or it waits for admin and changes nothing. */
static void test_auth_results_verdict(gconstpointer data)
{
	const AuthRow *row = data;
	g_autoptr(Harness) h = h_new(AUTHSERV);
	h_story_setup(h);
	g_autofree char *message = g_strdup_printf("Authentication-Results: mx.council.example; %s\n"
	                                           CHAIR_TO_LIST "\nAUTHORISED\nNO ESCALATION\n",
	                                           row->results);
	const TrustRow t = { row->name, SETUP_LIST, TRUE, NULL, message, NULL, NULL };
	g_autofree char *text = fill_row(h, &t);
	h_deliver(h, row->name, text);
	poll_and_flush(h, T_REPLY);
	g_autofree char *state = conference_state(h, H_REF);
	g_autoptr(JsonNode) tr = triage(h);
	JsonArray *items = json_node_get_array(tr);
	if (row->acts) {
		g_assert_cmpstr(state, ==, "authorised");
		g_assert_cmpuint(json_array_get_length(items), ==, 0);
		g_assert_cmpuint(h_count_mail(h, "transcript", H_CHAIR), ==, 1);
		return;
	}
	g_assert_cmpstr(state, ==, "list_sent");
	g_assert_cmpuint(json_array_get_length(items), ==, 1);
	JsonObject *item = json_array_get_object_element(items, 0);
	g_assert_cmpstr(h_str(item, "message_state"), ==, "held");
	g_assert_nonnull(strstr(h_str(item, "reason"), "sender not verified: "));
	g_assert_cmpuint(h_count_mail(h, "transcript", NULL), ==, 0);
	g_assert_cmpuint(h_count_mail(h, "triage_alert", ADMIN), ==, 1);
}

/* Held messages wait for a person: `triage release` applies one as if the check had passed
 * (audited as such), `triage drop` records it and applies nothing. */
static void test_held_release_applies_drop_discards(void)
{
	g_autoptr(Harness) h = h_new(AUTHSERV);
	h_story_setup(h);
	g_autofree char *list = h_mail(h, "distribution_list", H_CHAIR);
	g_autofree char *token = h_token(list);
	g_autofree char *msgid = h_msgid(list);
	g_autofree char *held = g_strdup_printf(
		"From: " H_CHAIR "\nTo: safeguarding+%s@council.example\n"
		"Subject: RE: [" H_REF "] Distribution list for authorisation\n"
		"Message-ID: <held-1@chairs.example.org>\nIn-Reply-To: <%s>\n\n"
		"AUTHORISED\nESCALATE 4 not_redacted: named the foster carers\n",
		token, msgid);
	h_deliver(h, "held-1", held);
	poll_and_flush(h, T_REPLY);
	g_autofree char *state = conference_state(h, H_REF);
	g_assert_cmpstr(state, ==, "list_sent");

	g_autoptr(JsonNode) t1 = triage(h);
	JsonArray *items = json_node_get_array(t1);
	g_assert_cmpuint(json_array_get_length(items), ==, 1);
	JsonObject *item = json_array_get_object_element(items, 0);
	g_assert_cmpstr(h_str(item, "message_state"), ==, "held");
	g_autofree char *id = g_strdup_printf("%" G_GINT64_FORMAT,
	                                      json_object_get_int_member(item, "id"));
	g_assert_cmpuint(h_count_mail(h, "transcript", NULL), ==, 0);

	g_assert_cmpint(h_run(h, T_LATER, "triage", "release", id, NULL), ==, 0);
	g_assert_cmpint(h_run(h, T_LATER, "flush", NULL), ==, 0);
	g_autoptr(JsonNode) s = h_json(h, NULL, "show", H_REF, NULL);
	g_assert_cmpstr(h_str(json_node_get_object(s), "state"), ==, "authorised");
	JsonObject *e4 = h_escalation(s, 4);
	g_assert_nonnull(e4);
	g_assert_cmpstr(h_str(e4, "state"), ==, "open");
	g_assert_cmpuint(h_count_mail(h, "transcript", H_CHAIR), ==, 1);
	g_assert_cmpuint(h_count_mail(h, "escalation", H_POLICE_SLO), ==, 1);
	/* Audited: who vouched (the command line), then the change, from that message. */
	g_assert_cmpint(sql_int(h, "SELECT count(*) FROM audit WHERE what = 'triage.released'"
	                           " AND source = 'cli' AND new = 'released'"), ==, 1);
	g_assert_cmpint(sql_int(h, "SELECT count(*) FROM audit WHERE what = 'conference.state'"
	                           " AND new = 'authorised' AND source LIKE 'message:%'"), ==, 1);
	g_assert_cmpint(sql_int(h, "SELECT (SELECT max(id) FROM audit WHERE what = 'triage.released')"
	                           " < (SELECT id FROM audit WHERE what = 'conference.state'"
	                           " AND new = 'authorised')"), ==, 1);
	/* Released once only. */
	g_assert_cmpint(h_run(h, T_LATER, "triage", "release", id, NULL), ==, 1);
	g_assert_nonnull(strstr(h->err, "was already released"));

	/* Now an SLO's answer without the server's word: dropped, it changes nothing. */
	g_autofree char *esc = h_mail(h, "escalation", H_POLICE_SLO);
	g_autofree char *et = h_token(esc);
	g_autofree char *eid = h_msgid(esc);
	g_autofree char *slo = g_strdup_printf(
		"From: " H_POLICE_SLO "\nTo: safeguarding+%s@council.example\n"
		"Subject: RE: [" H_REF "] Escalation\nMessage-ID: <held-2@police.example.org>\n"
		"In-Reply-To: <%s>\n\nRESOLVED: nothing to see\n",
		et, eid);
	h_deliver(h, "held-2", slo);
	poll_and_flush(h, T_LATER);
	g_autoptr(JsonNode) t2 = triage(h);
	items = json_node_get_array(t2);
	g_assert_cmpuint(json_array_get_length(items), ==, 1);
	item = json_array_get_object_element(items, 0);
	g_assert_cmpstr(h_str(item, "message_state"), ==, "held");
	g_autofree char *id2 = g_strdup_printf("%" G_GINT64_FORMAT,
	                                       json_object_get_int_member(item, "id"));
	g_autofree char *before = show(h, H_REF);
	guint mails = mail_count(h);
	g_assert_cmpint(h_run(h, T_LATER, "triage", "drop", id2, NULL), ==, 0);
	g_assert_cmpint(h_run(h, T_LATER, "flush", NULL), ==, 0);
	g_autofree char *after = show(h, H_REF);
	g_assert_cmpstr(after, ==, before);
	g_assert_cmpuint(mail_count(h), ==, mails);
	g_assert_cmpint(sql_int(h, "SELECT count(*) FROM audit WHERE what = 'triage.dropped'"), ==, 1);
	g_autoptr(JsonNode) t3 = triage(h);
	g_assert_cmpuint(json_array_get_length(json_node_get_array(t3)), ==, 0);
	g_assert_cmpint(h_run(h, T_LATER, "triage", "release", id2, NULL), ==, 1);
	g_assert_nonnull(strstr(h->err, "was already dropped"));
}

/* A held message that also names an immediate-safety concern: the alert goes at once, before
 * any check of the sender, and when admin releases the message its commands apply and the
 * alert is not sent a second time (the outbox keeps one message per event). */
static void test_held_with_safety_words_released_alerts_once(void)
{
	g_autoptr(Harness) h = h_new(AUTHSERV);
	h_story_setup(h);
	g_autofree char *list = h_mail(h, "distribution_list", H_CHAIR);
	g_autofree char *token = h_token(list);
	g_autofree char *msgid = h_msgid(list);
	g_autofree char *held = g_strdup_printf(
		"From: " H_CHAIR "\nTo: safeguarding+%s@council.example\n"
		"Subject: RE: [" H_REF "] Distribution list for authorisation\n"
		"Message-ID: <held-safety@chairs.example.org>\nIn-Reply-To: <%s>\n\n"
		"AUTHORISED\nNO ESCALATION\nThe child told the school she is not safe tonight.\n",
		token, msgid);
	h_deliver(h, "held-safety", held);
	poll_and_flush(h, T_REPLY);
	g_autofree char *state = conference_state(h, H_REF);
	g_assert_cmpstr(state, ==, "list_sent");
	g_assert_cmpuint(h_count_mail(h, "safety_alert", COORD), ==, 1);
	g_assert_cmpuint(h_count_mail(h, "safety_alert", LSM), ==, 1);
	g_autoptr(JsonNode) t = triage(h);
	JsonArray *items = json_node_get_array(t);
	g_assert_cmpuint(json_array_get_length(items), ==, 1);
	JsonObject *item = json_array_get_object_element(items, 0);
	g_assert_cmpstr(h_str(item, "message_state"), ==, "held");
	g_autofree char *id = g_strdup_printf("%" G_GINT64_FORMAT,
	                                      json_object_get_int_member(item, "id"));

	if (h_run(h, T_LATER, "triage", "release", id, NULL) != 0)
		g_error("triage release exited %d: %s", h->status, h->err);
	g_assert_cmpint(h_run(h, T_LATER, "flush", NULL), ==, 0);
	g_autofree char *after = conference_state(h, H_REF);
	g_assert_cmpstr(after, ==, "authorised");
	g_assert_cmpuint(h_count_mail(h, "transcript", H_CHAIR), ==, 1);
	g_assert_cmpuint(h_count_mail(h, "safety_alert", COORD), ==, 1);
	g_assert_cmpuint(h_count_mail(h, "safety_alert", LSM), ==, 1);
}

/* A message that matched nothing cannot be "released" into a case: there is none. */
static void test_release_refuses_unmatched(void)
{
	g_autoptr(Harness) h = h_new(NULL);
	h_story_setup(h);
	h_deliver(h, "stranger", "From: pat.doe@elsewhere.example.com\nSubject: hello\n\nAUTHORISED\n");
	poll_and_flush(h, T_REPLY);
	g_autoptr(JsonNode) t = triage(h);
	JsonObject *item = json_array_get_object_element(json_node_get_array(t), 0);
	g_autofree char *id = g_strdup_printf("%" G_GINT64_FORMAT,
	                                      json_object_get_int_member(item, "id"));
	g_assert_cmpint(h_run(h, T_LATER, "triage", "release", id, NULL), ==, 1);
	g_assert_nonnull(strstr(h->err, "was not held for a sender check"));
	g_autofree char *state = conference_state(h, H_REF);
	g_assert_cmpstr(state, ==, "list_sent");
}

/* The control: with the server's pass, the same reply acts at once. */
static void test_verified_sender_acts(void)
{
	g_autoptr(Harness) h = h_new(AUTHSERV);
	h_story_setup(h);
	const TrustRow row = {
		"verified", SETUP_LIST, TRUE, NULL,
		"Authentication-Results: mx.council.example; dkim=pass header.d=chairs.example.org;"
		" dmarc=pass (p=quarantine) header.from=chairs.example.org\n"
		"Authentication-Results: relay.chairs.example.org; dmarc=fail\n"
		CHAIR_TO_LIST "\nAUTHORISED\nNO ESCALATION\n",
		NULL, NULL,
	};
	g_autofree char *text = fill_row(h, &row);
	h_deliver(h, "verified", text);
	poll_and_flush(h, T_REPLY);
	g_autofree char *state = conference_state(h, H_REF);
	g_assert_cmpstr(state, ==, "authorised");
	g_autoptr(JsonNode) t = triage(h);
	g_assert_cmpuint(json_array_get_length(json_node_get_array(t)), ==, 0);
	g_assert_cmpuint(h_count_mail(h, "transcript", H_CHAIR), ==, 1);
}

/* ---- automatic mail ------------------------------------------------------------------------ */

typedef enum {
	AUTO_BOUNCE,     /* our mail bounced: its outbox row fails, admin gets a task */
	AUTO_IGNORED,    /* automatic: recorded, never answered, changes nothing */
	PERSON_AUTHORISES,
	PERSON_RESOLVES,
} AutoOutcome;

typedef struct {
	const char *name;
	const char *fixture;     /* tests/data/trust/NAME.eml, {{TOKEN}} and {{MSGID}} filled */
	gboolean escalated;      /* needs the escalation requests sent */
	const char *kind, *to;   /* the sent mail it answers or bounces */
	AutoOutcome outcome;
	const char *cls;         /* the class the message table records */
} AutoRow;

static const AutoRow auto_rows[] = {
	{ "rfc3464-bounce-of-our-escalation", "bounce-dsn", TRUE, "escalation", H_SCHOOL_SLO,
	  AUTO_BOUNCE, "bounce" },
	{ "exchange-ndr-of-our-escalation", "bounce-exchange-ndr", TRUE, "escalation", H_POLICE_SLO,
	  AUTO_BOUNCE, "bounce" },
	{ "exchange-out-of-office", "ooo-exchange", TRUE, "escalation", H_POLICE_SLO, AUTO_IGNORED,
	  "auto" },
	{ "gmail-vacation", "gmail-vacation", TRUE, "escalation", H_SCHOOL_SLO, AUTO_IGNORED,
	  "auto" },
	{ "auto-submitted-no-is-a-person", "person-auto-submitted-no", FALSE, "distribution_list",
	  H_CHAIR, PERSON_AUTHORISES, "person" },
	{ "x-auto-response-suppress-alone-is-a-person", "person-suppress-only", TRUE, "escalation",
	  H_POLICE_SLO, PERSON_RESOLVES, "person" },
};

/* The outbox listing withholds the token of our Message-IDs (c.TOKEN.NONCE@domain): a row is
 * found by what stays, the nonce and the domain. */
static JsonObject *outbox_row(JsonNode *outbox, const char *message_id)
{
	const char *dot = strchr(message_id + 2, '.');
	g_autofree char *shown = g_str_has_prefix(message_id, "c.") && dot
	                       ? g_strdup_printf("c.(token withheld)%s", dot)
	                       : g_strdup(message_id);
	JsonArray *a = json_node_get_array(outbox);
	for (guint i = 0; i < json_array_get_length(a); i++) {
		JsonObject *o = json_array_get_object_element(a, i);
		if (!g_strcmp0(h_str(o, "message_id"), shown))
			return o;
	}
	return NULL;
}

/* show --json without "tasks" and without each escalation's "auto_reply" (the newest
 * out-of-office shown beside it): the state of the case alone. */
static char *case_state(Harness *h)
{
	g_autoptr(JsonNode) n = h_json(h, NULL, "show", H_REF, NULL);
	JsonObject *o = json_node_get_object(n);
	json_object_remove_member(o, "tasks");
	JsonArray *esc = json_object_get_array_member(o, "escalations");
	for (guint i = 0; i < json_array_get_length(esc); i++)
		json_object_remove_member(json_array_get_object_element(esc, i), "auto_reply");
	return json_to_string(n, FALSE);
}

static void test_automatic_mail(gconstpointer data)
{
	const AutoRow *row = data;
	g_autoptr(Harness) h = h_new(NULL);
	h_story_setup(h);
	if (row->escalated)
		setup_escalated(h);
	g_autofree char *sent = h_mail(h, row->kind, row->to);
	g_assert_nonnull(sent);
	g_autofree char *token = h_token(sent);
	g_autofree char *msgid = h_msgid(sent);
	g_autofree char *path = g_strdup_printf("tests/data/trust/%s.eml", row->fixture);
	g_autofree char *text = h_fixture(path, token, msgid);
	g_autofree char *before = case_state(h);
	g_autoptr(JsonNode) before_full = h_json(h, NULL, "show", H_REF, NULL);
	guint tasks_before = json_array_get_length(
		json_object_get_array_member(json_node_get_object(before_full), "tasks"));
	guint mails = mail_count(h), others = mail_to_others(h);

	h_deliver(h, row->name, text);
	poll_and_flush(h, T_LATER);

	g_autofree char *cls = sql_text(h, "SELECT class FROM message ORDER BY id DESC LIMIT 1");
	g_assert_cmpstr(cls, ==, row->cls);
	g_autoptr(JsonNode) t = triage(h);
	g_assert_cmpuint(json_array_get_length(json_node_get_array(t)), ==, 0);
	g_autofree char *after = case_state(h);
	g_autoptr(JsonNode) s = h_json(h, NULL, "show", H_REF, NULL);
	JsonArray *tasks = json_object_get_array_member(json_node_get_object(s), "tasks");
	switch (row->outcome) {
	case AUTO_BOUNCE: {
		/* The escalation request never arrived: it must not look sent. */
		g_autoptr(JsonNode) outbox = h_json(h, NULL, "outbox", NULL);
		JsonObject *o = outbox_row(outbox, msgid);
		g_assert_nonnull(o);
		g_assert_cmpstr(h_str(o, "state"), ==, "failed");
		g_assert_nonnull(strstr(h_str(o, "error"), "bounced"));
		g_assert_cmpuint(json_array_get_length(tasks), ==, tasks_before + 1);
		JsonObject *task = json_array_get_object_element(tasks, tasks_before);
		g_assert_cmpstr(h_str(task, "kind"), ==, "delivery_failed");
		g_assert_nonnull(strstr(h_str(task, "detail"), row->to));
		g_assert_cmpstr(after, ==, before);
		/* Nobody outside hears of it (admin may be told of the failure). */
		g_assert_cmpuint(mail_to_others(h), ==, others);
		break;
	}
	case AUTO_IGNORED:
		/* Its "RESOLVED:" / "NOT RESOLVED:" lines were never read as commands. */
		g_assert_cmpstr(after, ==, before);
		g_assert_cmpuint(json_array_get_length(tasks), ==, tasks_before);
		g_assert_cmpuint(mail_count(h), ==, mails);
		g_assert_cmpint(sql_int(h, "SELECT count(*) FROM audit WHERE what = 'message.automatic'"),
		                ==, 1);
		break;
	case PERSON_AUTHORISES: {
		g_autofree char *state = conference_state(h, H_REF);
		g_assert_cmpstr(state, ==, "authorised");
		g_assert_cmpuint(h_count_mail(h, "transcript", H_CHAIR), ==, 1);
		break;
	}
	case PERSON_RESOLVES:
		g_assert_cmpstr(h_str(h_escalation(s, 4), "state"), ==, "resolved");
		g_assert_cmpuint(h_count_mail(h, "transcript", H_POLICE_SLO), ==, 1);
		break;
	}
}

/* A bounce that names no message we sent is not acted on either: it waits in triage. */
static void test_bounce_for_unknown_message_goes_to_triage(void)
{
	g_autoptr(Harness) h = h_new(NULL);
	h_story_setup(h);
	g_autofree char *text = h_fixture("tests/data/trust/bounce-dsn.eml", "x",
	                                  "c.not-ours.0000@council.example");
	g_autofree char *before = show(h, H_REF);
	h_deliver(h, "bounce", text);
	poll_and_flush(h, T_LATER);
	g_autofree char *after = show(h, H_REF);
	g_assert_cmpstr(after, ==, before);
	g_autoptr(JsonNode) t = triage(h);
	JsonArray *a = json_node_get_array(t);
	g_assert_cmpuint(json_array_get_length(a), ==, 1);
	g_assert_cmpstr(h_str(json_array_get_object_element(a, 0), "reason"), ==,
	                "a bounce for no message we sent");
	g_assert_cmpuint(h_count_mail(h, "not_understood", NULL), ==, 0);
	g_assert_cmpuint(h_count_mail(h, "transcript", NULL), ==, 0);
}

/* A real out-of-office: Dovecot's Sieve vacation answers a copy of our distribution list sent
 * to the chair through OpenSMTPD, and its reply is fed to chaser. */
static void test_real_sieve_vacation_reply_is_ignored(void)
{
	ChServers srv = { 0 };
	if (!ch_servers_start(&srv, "dovecot smtpd")) {
		ch_servers_finish(&srv); /* skipped, or half started: stop what runs */
		return;
	}
	ch_servers_watchdog(120);
	g_autoptr(Harness) h = h_new(NULL);
	h_story_setup(h);
	g_autofree char *list = h_mail(h, "distribution_list", H_CHAIR);
	g_autofree char *msgid = h_msgid(list);
	g_autofree char *subject = h_header(list, "Subject");
	const char *argv[] = { "tests/servers/vacation", srv.dir, "chair", "Out of office",
		               "I am away until Monday 30 November. RESOLVED: not a command.", NULL };
	g_assert_true(ch_servers_run(argv, NULL));
	/* chaser's own mail says Auto-Submitted, which Sieve rightly never answers: what goes to
	 * the chair here is the same message as a person would have sent it (same Message-ID,
	 * so the vacation reply names our thread). */
	g_autofree char *msg = g_strdup_printf(
		"From: Child Protection Conference Team <safeguarding@example.test>\r\n"
		"To: Dr Ffion Testwood <chair@example.test>\r\n"
		"Subject: %s\r\nMessage-ID: <%s>\r\nDate: Mon, 23 Nov 2026 09:30:00 +0000\r\n"
		"MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n"
		"Please authorise the distribution list.\r\n",
		subject, msgid);
	g_assert_true(ch_servers_deliver(&srv, "SMTP_PORT", "SMTP", "safeguarding@example.test",
	                                 "chair@example.test", msg));
	g_autoptr(GPtrArray) got = ch_servers_wait_maildir(&srv, "safeguarding", "", 1, 20);
	g_assert_cmpuint(got->len, ==, 1);
	const char *reply = got->pdata[0];
	g_assert_nonnull(strstr(reply, "Auto-Submitted: auto-replied (vacation)"));
	g_autofree char *irt = g_strdup_printf("In-Reply-To: <%s>", msgid);
	g_assert_nonnull(strstr(reply, irt));

	g_autofree char *before = show(h, H_REF);
	guint mails = mail_count(h);
	h_deliver(h, "sieve-vacation", reply);
	poll_and_flush(h, T_REPLY);
	g_autofree char *after = show(h, H_REF);
	g_assert_cmpstr(after, ==, before);
	g_assert_cmpuint(mail_count(h), ==, mails);
	g_autofree char *cls = sql_text(h, "SELECT class FROM message ORDER BY id DESC LIMIT 1");
	g_assert_cmpstr(cls, ==, "auto");
	g_autoptr(JsonNode) t = triage(h);
	g_assert_cmpuint(json_array_get_length(json_node_get_array(t)), ==, 0);
	ch_servers_watchdog(0);
	ch_servers_finish(&srv);
}

/* ---- hostile input: limits ---------------------------------------------------------------- */

typedef struct {
	const char *name;
	const char *extra;                    /* config */
	char *(*make)(void);
	const char *reason;                   /* names the limit */
	const char *message_state;
} LimitRow;

static const char chair_head[] = "From: Dr Ffion Testwood <" H_CHAIR ">\n"
                                 "To: safeguarding@council.example\n"
                                 "Subject: RE: [" H_REF "] Distribution list for authorisation\n"
                                 "Message-ID: <limits@chairs.example.org>\n";

static char *make_oversized(void)
{
	GString *s = g_string_new(chair_head);
	g_string_append(s, "\nAUTHORISED\n");
	while (s->len < 100 * 1024)
		g_string_append(s, "This line only makes the message large, nothing more.\n");
	return g_string_free(s, FALSE);
}

static char *make_deep(void)
{
	GString *s = g_string_new(chair_head);
	g_string_append(s, "MIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=\"l0\"\n\n");
	for (int i = 0; i < 100; i++)
		g_string_append_printf(s, "--l%d\nContent-Type: multipart/mixed; boundary=\"l%d\"\n\n",
		                       i, i + 1);
	g_string_append(s, "--l100\nContent-Type: text/plain\n\nAUTHORISED\n");
	for (int i = 100; i >= 0; i--)
		g_string_append_printf(s, "--l%d--\n", i);
	return g_string_free(s, FALSE);
}

static char *make_many_headers(void)
{
	GString *s = g_string_new(chair_head);
	for (int i = 0; i < 1500; i++)
		g_string_append_printf(s, "X-Filler-%d: one of very many fields\n", i);
	g_string_append(s, "\nAUTHORISED\n");
	return g_string_free(s, FALSE);
}

static char *make_many_attachments(void)
{
	GString *s = g_string_new(chair_head);
	g_string_append(s, "MIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=\"a\"\n\n"
	                   "--a\nContent-Type: text/plain\n\nAUTHORISED\n");
	for (int i = 0; i < 150; i++)
		g_string_append_printf(s, "--a\nContent-Type: application/octet-stream\n"
		                          "Content-Disposition: attachment; filename=\"part%d.bin\"\n"
		                          "Content-Transfer-Encoding: base64\n\nAAECAwQF\n", i);
	g_string_append(s, "--a--\n");
	return g_string_free(s, FALSE);
}

static char *make_many_parts(void)
{
	GString *s = g_string_new(chair_head);
	g_string_append(s, "MIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=\"p\"\n\n");
	for (int i = 0; i < 600; i++)
		g_string_append_printf(s, "--p\nContent-Type: text/plain\n\nAUTHORISED %d\n", i);
	g_string_append(s, "--p--\n");
	return g_string_free(s, FALSE);
}

static char *make_long_line(void)
{
	GString *s = g_string_new(chair_head);
	g_string_append(s, "\nAUTHORISED\n");
	for (int i = 0; i < 1100 * 1024; i++)
		g_string_append_c(s, 'x');
	g_string_append_c(s, '\n');
	return g_string_free(s, FALSE);
}

static const LimitRow limit_rows[] = {
	{ "message-over-the-size-limit", "[limits]\nmax_message_size = 65536\n", make_oversized,
	  "is over the limit of 65536; not fetched", "quarantine" },
	{ "100-mime-levels", NULL, make_deep, "MIME levels, limit 20", "triage" },
	{ "too-many-header-fields", NULL, make_many_headers, "header fields, limit 1000", "triage" },
	{ "too-many-attachments", NULL, make_many_attachments, "150 attachments, limit 100",
	  "triage" },
	{ "too-many-mime-parts", NULL, make_many_parts, "600 MIME parts, limit 500", "triage" },
	{ "line-over-the-length-limit", NULL, make_long_line, "limit 1048576", "triage" },
};

static void test_limit_refused_to_triage(gconstpointer data)
{
	const LimitRow *row = data;
	g_autoptr(Harness) h = h_new(row->extra);
	h_story_setup(h);
	g_autofree char *text = row->make();
	h_deliver(h, row->name, text);
	/* h_run fails the test if chaser dies by a signal or a sanitizer speaks. */
	poll_and_flush(h, T_REPLY);
	g_autofree char *state = conference_state(h, H_REF);
	g_assert_cmpstr(state, ==, "list_sent");
	g_autoptr(JsonNode) t = triage(h);
	JsonArray *a = json_node_get_array(t);
	g_assert_cmpuint(json_array_get_length(a), ==, 1);
	JsonObject *item = json_array_get_object_element(a, 0);
	if (!strstr(h_str(item, "reason"), row->reason))
		g_error("%s: reason '%s' does not name the limit ('%s')", row->name,
		        h_str(item, "reason"), row->reason);
	g_assert_cmpstr(h_str(item, "message_state"), ==, row->message_state);
	g_assert_cmpuint(h_count_mail(h, "triage_alert", ADMIN), ==, 1);
	g_assert_cmpuint(h_count_mail(h, "transcript", NULL), ==, 0);
	g_autofree char *new_dir = g_build_filename(h->dir, "spool", "inbox", "new", NULL);
	g_autoptr(GDir) d = g_dir_open(new_dir, 0, NULL);
	g_assert_null(g_dir_read_name(d));
}

/* A message whose handling fails every time (here: the database refuses the change it makes,
 * as it would a fault of chaser's own on that one message) is tried three times, then
 * quarantined with its reason; the messages after it are handled all along. (Broken
 * configuration, such as a template naming a variable no message has, is not the message's
 * fault and never quarantines it: tests/test_loop.c.) */
static void test_third_failure_quarantines_and_reader_moves_on(void)
{
	g_autoptr(Harness) h = h_new(NULL);
	h_story_setup(h);
	/* Well-formed, so chaser starts; every reply that would authorise the list fails. */
	g_autofree char *db_path = g_build_filename(h->dir, "spool", "chaser.db", NULL);
	sqlite3 *db;
	g_assert_cmpint(sqlite3_open(db_path, &db), ==, SQLITE_OK);
	g_assert_cmpint(sqlite3_exec(db,
	                             "CREATE TRIGGER test_refuses BEFORE UPDATE OF state ON conference"
	                             " WHEN NEW.state = 'authorised' BEGIN"
	                             " SELECT RAISE(ABORT, 'refused by the test'); END",
	                             NULL, NULL, NULL),
	                ==, SQLITE_OK);
	sqlite3_close(db);

	g_autofree char *list = h_mail(h, "distribution_list", H_CHAIR);
	g_autofree char *token = h_token(list);
	g_autofree char *msgid = h_msgid(list);
	g_autofree char *bad = g_strdup_printf(
		"From: " H_CHAIR "\nTo: safeguarding+%s@council.example\n"
		"Subject: RE: [" H_REF "] Distribution list\nMessage-ID: <fails@chairs.example.org>\n"
		"In-Reply-To: <%s>\n\nAUTHORISED\n",
		token, msgid);
	h_deliver(h, "a-fails-every-time", bad);
	h_deliver(h, "b-stranger", "From: pat.doe@elsewhere.example.com\nSubject: hello\n\nhi\n");
	g_autofree char *new_bad = g_build_filename(h->dir, "spool", "inbox", "new",
	                                            "a-fails-every-time", NULL);
	for (int attempt = 1; attempt <= 2; attempt++) {
		/* Left to retry: the poll says so (exit 1), the message stays in new/. */
		g_assert_cmpint(h_run(h, T_REPLY, "poll", NULL), ==, 1);
		g_assert_nonnull(strstr(h->out, "1 left to retry"));
		g_assert_true(g_file_test(new_bad, G_FILE_TEST_EXISTS));
		g_autoptr(JsonNode) t = triage(h);
		/* The stranger behind it was handled on the first pass. */
		g_assert_cmpuint(json_array_get_length(json_node_get_array(t)), ==, 1);
	}
	g_assert_cmpint(h_run(h, T_REPLY, "poll", NULL), ==, 0);
	g_assert_nonnull(strstr(h->out, "1 quarantined"));
	g_assert_false(g_file_test(new_bad, G_FILE_TEST_EXISTS));
	g_autofree char *qdir = g_build_filename(h->dir, "spool", "inbox", ".Quarantine", "cur", NULL);
	g_autoptr(GDir) q = g_dir_open(qdir, 0, NULL);
	g_assert_nonnull(q);
	const char *qname = g_dir_read_name(q);
	g_assert_nonnull(qname);
	g_assert_true(g_str_has_prefix(qname, "a-fails-every-time"));

	g_autoptr(JsonNode) t = triage(h);
	JsonArray *a = json_node_get_array(t);
	g_assert_cmpuint(json_array_get_length(a), ==, 2);
	JsonObject *item = json_array_get_object_element(a, 1);
	g_assert_cmpstr(h_str(item, "message_state"), ==, "quarantine");
	g_assert_nonnull(strstr(h_str(item, "reason"), "failed 3 times: "));
	g_assert_nonnull(strstr(h_str(item, "reason"), "refused by the test"));
	/* Each attempt rolled back whole. */
	g_autofree char *state = conference_state(h, H_REF);
	g_assert_cmpstr(state, ==, "list_sent");
	g_assert_cmpint(sql_int(h, "SELECT count(*) FROM audit WHERE what = 'message.quarantine'"),
	                ==, 1);
	/* And the next poll has nothing left to do. */
	g_assert_cmpint(h_run(h, T_REPLY, "poll", NULL), ==, 0);
	g_assert_nonnull(strstr(h->out, "0 messages"));
}

/* ---- what never leaves: a child's details -------------------------------------------------- */

#define CHILD "Jayden Quillfeather-Test"

static char *with_attachment(const char *head, const char *body, const char *filename)
{
	return g_strdup_printf("%sMIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=\"m\"\n\n"
	                       "--m\nContent-Type: text/plain; charset=utf-8\n\n%s\n"
	                       "--m\nContent-Type: application/pdf\n"
	                       "Content-Disposition: attachment; filename=\"%s\"\n"
	                       "Content-Transfer-Encoding: base64\n\nJVBERi0xLjQK\n--m--\n",
	                       head, body, filename);
}

static void assert_no_child(const char *where, const char *text)
{
	if (text && (strstr(text, "Quillfeather") || strstr(text, "Jayden")))
		g_error("the child's name appears in %s: %s", where, text);
}

/* `chaser run` at a fixed --now for `ms`, then SIGTERM: everything it logged, debug and info
 * lines included (the journal keeps those). Its exit status must be 0. */
static char *run_logged(Harness *h, const char *now, guint ms)
{
	g_autoptr(GSubprocessLauncher) l = g_subprocess_launcher_new(G_SUBPROCESS_FLAGS_STDOUT_PIPE |
	                                                              G_SUBPROCESS_FLAGS_STDERR_MERGE);
	g_subprocess_launcher_set_cwd(l, h->dir);
	g_subprocess_launcher_setenv(l, "G_MESSAGES_DEBUG", "all", TRUE);
	GError *e = NULL;
	g_autoptr(GSubprocess) p = g_subprocess_launcher_spawn(l, &e, h->bin, "-c", h->conf, "--now",
	                                                       now, "run", NULL);
	g_assert_no_error(e);
	g_usleep(ms * 1000);
	g_subprocess_send_signal(p, SIGTERM);
	char *out = NULL;
	g_assert_true(g_subprocess_communicate_utf8(p, NULL, NULL, &out, NULL, &e));
	g_assert_no_error(e);
	g_assert_true(g_subprocess_get_if_exited(p));
	g_assert_cmpint(g_subprocess_get_exit_status(p), ==, 0);
	g_string_append(h_all_stderr(), out);
	return out;
}

/* A whole story in which the child's name is in subjects, bodies and attachment names of what
 * people send: it never appears in a subject chaser sends, nor in anything chaser logs. */
static void test_child_details_never_in_subjects_or_logs(void)
{
	g_autoptr(Harness) h = h_new(NULL);
	h_story_setup(h);
	g_autofree char *list = h_mail(h, "distribution_list", H_CHAIR);
	g_autofree char *token = h_token(list);
	g_autofree char *msgid = h_msgid(list);
	g_autofree char *head = g_strdup_printf(
		"From: Dr Ffion Testwood <" H_CHAIR ">\nTo: safeguarding+%s@council.example\n"
		"Subject: RE: [" H_REF "] " CHILD " - distribution list\n"
		"Message-ID: <child-1@chairs.example.org>\nIn-Reply-To: <%s>\n",
		token, msgid);
	g_autofree char *chair = with_attachment(
		head,
		"AUTHORISED\nESCALATE 2 no_report: nothing came about " CHILD "\n"
		"ESCALATE 4 not_redacted: the report named " CHILD "'s foster carers\n",
		CHILD " conference notes.pdf");
	h_deliver(h, "c1-chair", chair);
	poll_and_flush(h, T_REPLY);

	g_autofree char *esc = h_mail(h, "escalation", H_POLICE_SLO);
	g_autofree char *et = h_token(esc);
	g_autofree char *eid = h_msgid(esc);
	g_autofree char *slo_head = g_strdup_printf(
		"From: " H_POLICE_SLO "\nTo: safeguarding+%s@council.example\n"
		"Subject: RE: [" H_REF "] Escalation about " CHILD "\n"
		"Message-ID: <child-2@police.example.org>\nIn-Reply-To: <%s>\n",
		et, eid);
	g_autofree char *slo = with_attachment(
		slo_head, "RESOLVED: spoke to the officer about " CHILD "'s report",
		CHILD " - police report.docx");
	h_deliver(h, "c2-slo", slo);
	/* The school SLO writes by subject tag alone (no token). */
	h_deliver(h, "c3-school",
	          "From: " H_SCHOOL_SLO "\nTo: safeguarding@council.example\n"
	          "Subject: [" H_REF "] " CHILD "\nMessage-ID: <child-3@brookfield.example.net>\n\n"
	          CHILD " was absent that week; the report is on its way.\n");
	/* Strangers, a safety concern, and unreadable mail, each naming the child. */
	h_deliver(h, "c4-stranger",
	          "From: Pat Doe <pat.doe@elsewhere.example.com>\nTo: safeguarding@council.example\n"
	          "Subject: About " CHILD " [" H_REF "]\n\nWhat is happening with " CHILD "?\n");
	h_deliver(h, "c5-no-tag",
	          "From: " CHILD " <jayden.quillfeather@elsewhere.example.com>\n"
	          "Subject: " CHILD "\n\n" CHILD "\n");
	h_deliver(h, "c6-safety",
	          "From: " H_CHAIR "\nTo: safeguarding@council.example\n"
	          "Subject: RE: [" H_REF "] urgent\n\n" CHILD " is not safe tonight.\n");
	g_autofree char *many = make_many_headers();
	g_autofree char *unreadable = g_strdup_printf("Subject: " CHILD "\n%s", many);
	h_deliver(h, "c7-unreadable", unreadable);
	h_deliver(h, "c8-junk", "\x01\x02 " CHILD " \xff\xfe");
	poll_and_flush(h, T_LATER);
	/* Timers: the open escalation is chased, then climbs. */
	for (int day = 2; day <= 20; day++) {
		g_autofree char *now = g_strdup_printf("2026-12-%02dT10:00", day);
		g_assert_cmpint(h_run(h, now, "tick", NULL), ==, 0);
		g_assert_cmpint(h_run(h, now, "flush", NULL), ==, 0);
	}

	/* The story did happen. */
	g_autoptr(JsonNode) s = h_json(h, NULL, "show", H_REF, NULL);
	g_assert_cmpstr(h_str(h_escalation(s, 4), "state"), ==, "resolved");
	g_assert_cmpuint(h_count_mail(h, "safety_alert", COORD), ==, 1);
	g_assert_cmpuint(h_count_mail(h, "safety_alert", LSM), ==, 1);
	g_assert_cmpuint(h_count_mail(h, "triage_alert", ADMIN), >=, 3);

	g_autoptr(GPtrArray) sent = h_outgoing(h);
	g_assert_cmpuint(sent->len, >=, 10);
	for (guint i = 0; i < sent->len; i++) {
		g_autofree char *raw = h_header(sent->pdata[i], "Subject");
		g_assert_nonnull(raw);
		g_autofree char *decoded = g_mime_utils_header_decode_text(NULL, raw);
		assert_no_child(sent->pdata[i], raw);
		assert_no_child(sent->pdata[i], decoded);
		/* Nor in any other header: To, In-Reply-To, Message-ID are ours or the sender's. */
		g_autofree char *text = NULL;
		g_assert_true(g_file_get_contents(sent->pdata[i], &text, NULL, NULL));
		char *end = strstr(text, "\r\n\r\n");
		g_assert_nonnull(end);
		*end = '\0';
		assert_no_child("headers", text);
	}
	g_autoptr(JsonNode) outbox = h_json(h, NULL, "outbox", NULL);
	JsonArray *rows = json_node_get_array(outbox);
	for (guint i = 0; i < json_array_get_length(rows); i++)
		assert_no_child("outbox subject", h_str(json_array_get_object_element(rows, i), "subject"));
	/* Triage reasons never quote a message either. */
	g_autoptr(JsonNode) t = h_json(h, NULL, "triage", "--all", NULL);
	JsonArray *items = json_node_get_array(t);
	g_assert_cmpuint(json_array_get_length(items), >=, 3);
	for (guint i = 0; i < json_array_get_length(items); i++)
		assert_no_child("triage reason", h_str(json_array_get_object_element(items, i), "reason"));

	/* The service logs as it works: `chaser run` (a child's name in the mail it reads, the
	 * triage it makes and the alerts it sends) writes none of it either, at any level. */
	g_autofree char *unreadable2 = g_strdup_printf("Subject: Re: " CHILD "\n%s", many);
	h_deliver(h, "c9-run-stranger",
	          "From: Pat Doe <pat.doe@elsewhere.example.com>\nTo: safeguarding@council.example\n"
	          "Subject: Still about " CHILD " [" H_REF "]\n\n" CHILD " again.\n");
	h_deliver(h, "c10-run-safety",
	          "From: " H_CHAIR "\nTo: safeguarding@council.example\n"
	          "Subject: RE: [" H_REF "] " CHILD "\n\n" CHILD " is not safe tonight.\n");
	h_deliver(h, "c11-run-unreadable", unreadable2);
	h_deliver(h, "c12-run-junk", "\x01\x02 " CHILD " \xff\xfe again");
	guint triage_before = json_array_get_length(items);
	guint alerts_before = h_count_mail(h, "safety_alert", COORD);
	g_autofree char *log = run_logged(h, "2026-12-21T10:00", 2500);
	assert_no_child("chaser run's log", log);
	/* It did read them, and said so. */
	g_assert_nonnull(strstr(log, "message "));
	g_autoptr(JsonNode) t2 = h_json(h, NULL, "triage", "--all", NULL);
	JsonArray *items2 = json_node_get_array(t2);
	g_assert_cmpuint(json_array_get_length(items2), >=, triage_before + 3);
	for (guint i = 0; i < json_array_get_length(items2); i++)
		assert_no_child("triage reason", h_str(json_array_get_object_element(items2, i), "reason"));
	g_assert_cmpuint(h_count_mail(h, "safety_alert", COORD), ==, alerts_before + 1);
	g_autoptr(GPtrArray) sent2 = h_outgoing(h);
	for (guint i = sent->len; i < sent2->len; i++) {
		g_autofree char *raw = h_header(sent2->pdata[i], "Subject");
		g_autofree char *decoded = g_mime_utils_header_decode_text(NULL, raw);
		assert_no_child(sent2->pdata[i], decoded);
	}

	/* Nor anything chaser wrote to stderr, in this test or any before it in this program. */
	assert_no_child("stderr", h_all_stderr()->str);
}

/* ---- regressions from the fuzzer ---------------------------------------------------------- */

/* Each input in tests/data/trust/crashes once crashed fuzz/fuzz_message (or broke one of its
 * checks); it goes through the same code and checks again, in a child process so that a
 * regression fails this test rather than the whole program. */
static void test_fuzzer_crashes_stay_fixed(void)
{
	if (g_test_subprocess()) {
		const char *path = g_getenv("CHASER_REPLAY");
		g_autofree char *data = NULL;
		gsize len = 0;
		g_assert_true(g_file_get_contents(path, &data, &len, NULL));
		int argc = 0;
		char **argv = NULL;
		LLVMFuzzerInitialize(&argc, &argv);
		LLVMFuzzerTestOneInput((const uint8_t *)data, len);
		g_clear_pointer(&keys, ch_keys_free);
		return;
	}
	const char *dir = "tests/data/trust/crashes";
	g_autoptr(GDir) d = g_dir_open(dir, 0, NULL);
	g_assert_nonnull(d);
	guint n = 0;
	const char *f;
	while ((f = g_dir_read_name(d))) {
		g_autofree char *path = g_build_filename(dir, f, NULL);
		g_test_message("replaying %s", path);
		g_setenv("CHASER_REPLAY", path, TRUE);
		g_test_trap_subprocess(NULL, 60 * G_USEC_PER_SEC, G_TEST_SUBPROCESS_INHERIT_STDERR);
		g_test_trap_assert_passed();
		n++;
	}
	g_assert_cmpuint(n, >=, 1);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_mime_init();
	g_test_add_func("/trust/token/round-trip-in-any-case", test_token_round_trip_any_case);
	g_test_add_func("/trust/token/every-changed-character-refused",
	                test_token_every_changed_character_refused);
	g_test_add_func("/trust/token/wrong-key-refused", test_token_wrong_key_refused);
	g_test_add_func("/trust/token/expiry-is-returned", test_token_expiry_is_returned);
	g_test_add_func("/trust/token/rotation-keeps-old-tokens", test_token_rotation_keeps_old_tokens);
	g_test_add_func("/trust/token/key-rotate-keeps-threads-working",
	                test_key_rotate_keeps_threads_working);
	for (guint i = 0; i < G_N_ELEMENTS(trust_rows); i++) {
		g_autofree char *name = g_strdup_printf("/trust/sender/%s-changes-nothing",
		                                        trust_rows[i].name);
		g_test_add_data_func(name, &trust_rows[i], test_untrusted_message_changes_nothing);
	}
	for (guint i = 0; i < G_N_ELEMENTS(auth_rows); i++) {
		g_autofree char *name = g_strdup_printf("/trust/sender/%s", auth_rows[i].name);
		g_test_add_data_func(name, &auth_rows[i], test_auth_results_verdict);
	}
	g_test_add_func("/trust/sender/held-release-applies-drop-discards",
	                test_held_release_applies_drop_discards);
	g_test_add_func("/trust/sender/held-with-safety-words-released-alerts-once",
	                test_held_with_safety_words_released_alerts_once);
	g_test_add_func("/trust/sender/release-refuses-unmatched", test_release_refuses_unmatched);
	g_test_add_func("/trust/sender/verified-sender-acts", test_verified_sender_acts);
	for (guint i = 0; i < G_N_ELEMENTS(auto_rows); i++) {
		g_autofree char *name = g_strdup_printf("/trust/automatic/%s", auto_rows[i].name);
		g_test_add_data_func(name, &auto_rows[i], test_automatic_mail);
	}
	g_test_add_func("/trust/automatic/bounce-for-unknown-message-goes-to-triage",
	                test_bounce_for_unknown_message_goes_to_triage);
	g_test_add_func("/trust/automatic/real-sieve-vacation-reply-is-ignored",
	                test_real_sieve_vacation_reply_is_ignored);
	for (guint i = 0; i < G_N_ELEMENTS(limit_rows); i++) {
		g_autofree char *name = g_strdup_printf("/trust/limits/%s-goes-to-triage",
		                                        limit_rows[i].name);
		g_test_add_data_func(name, &limit_rows[i], test_limit_refused_to_triage);
	}
	g_test_add_func("/trust/limits/third-failure-quarantines-and-reader-moves-on",
	                test_third_failure_quarantines_and_reader_moves_on);
	g_test_add_func("/trust/fuzz/crashes-stay-fixed", test_fuzzer_crashes_stay_fixed);
	/* Last: it also reads the stderr of every test before it. */
	g_test_add_func("/trust/privacy/child-details-never-in-subjects-or-logs",
	                test_child_details_never_in_subjects_or_logs);
	return g_test_run();
}
