/* harness: runs the real chaser binary in a temporary folder, as a user would: a config, a
 * Maildir to drop replies into, a spool folder where sent mail lands as .eml files.
 *
 * The binary is $CHASER_BIN (tests/run-all sets it to the build being tested), else
 * build/chaser. Tests run from the repository root. */
#pragma once
#include <glib.h>
#include <json-glib/json-glib.h>
#include <sqlite3.h>

typedef struct {
	char *dir;
	char *conf;
	char *bin;
	char *out;      /* stdout of the last run */
	char *err;      /* stderr of the last run */
	int status;     /* exit status of the last run */
	gboolean broken; /* the test broke the store on purpose: no reconcile at the end */
} Harness;

/* h_free() ends every scenario with `chaser reconcile`, which must find nothing dropped,
 * unless the test set `broken` (it removed rows or files behind chaser's back). */

/* base with extra's keys set over it (chaser refuses a key given twice); base when extra is
 * NULL. */
char *h_ini_merge(const char *base, const char *extra);

/* extra: more INI text merged into the generated config (may be NULL). Runs chaser init. */
Harness *h_new(const char *extra);
void h_free(Harness *h);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(Harness, h_free)

/* Runs chaser --now NOW ARGS... (NULL-terminated); returns the exit status. now may be NULL. */
int h_run(Harness *h, const char *now, ...) G_GNUC_NULL_TERMINATED;
/* chaser --now NOW COMMAND (one word: poll, tick, flush...), failing the test with its output
 * when it does not exit 0; and the steps of a day as the service runs them: poll then flush,
 * tick then flush, and all three. */
void h_run_ok(Harness *h, const char *now, const char *command);
void h_poll_flush(Harness *h, const char *now);
void h_tick_flush(Harness *h, const char *now);
void h_cycle(Harness *h, const char *now);
/* A reply to the newest mail of `kind` to `to` (the newest whose body holds `about`, when
 * given), from `from`, with its reply token; with `attachment` as a PDF named report.pdf
 * when it is given. Fails the test when there is no such mail. */
void h_reply_about(Harness *h, const char *name, const char *kind, const char *to,
                   const char *about, const char *from, const char *body,
                   const char *attachment);
/* The mail sent since the first `*seen`, each "DD Mon KIND TO" (the day from its Date
 * header) added to log, and *seen moved past them. */
void h_new_mail(Harness *h, guint *seen, GPtrArray *log);
/* Everything chaser wrote to stderr in every run of this test program so far (appended by
 * h_run and h_json), e.g. to prove that no log line carries a child's details. */
GString *h_all_stderr(void);
/* As h_run with --json; returns the parsed output (asserting it parsed). */
JsonNode *h_json(Harness *h, const char *now, ...) G_GNUC_NULL_TERMINATED;

/* The sent mail (the .eml files in spool/outgoing), in order. */
GPtrArray *h_outgoing(Harness *h);
/* The newest sent mail of a kind (template name), optionally to one address; NULL if none. */
char *h_mail(Harness *h, const char *kind, const char *to);
guint h_count_mail(Harness *h, const char *kind, const char *to);
/* A header of a mail file, unfolded, or NULL. */
char *h_header(const char *path, const char *name);
char *h_body(const char *path);
/* The reply token in a mail's Reply-To, and its Message-ID without <>. */
char *h_token(const char *path);
char *h_msgid(const char *path);

/* A plain-text reply, as a mail client writes it, to the newest sent mail of `kind` to `to`:
 * to its plus-address token, In-Reply-To its Message-ID; delivered into the Maildir as `name`
 * (also its Message-ID's local part). */
void h_reply_to(Harness *h, const char *name, const char *kind, const char *to,
                const char *from, const char *body);

/* Delivers a message into the Maildir (through tmp/, as an MDA does). */
void h_deliver(Harness *h, const char *name, const char *content);
/* data in base64, 76 characters a line, each line ending CRLF, as mail clients attach it. */
char *h_b64_lines(const guint8 *data, gsize len);
/* len bytes (len >= 9, g_free) that start as a PDF does, then every byte value, from seed. */
guint8 *h_random_pdf(gsize len, guint32 seed);
/* After h_story_setup: the newest report request to the school for ref (a file of
 * h_outgoing), and a report mail answering it from the school with one MIME part (its headers
 * and body) attached; its Message-ID is <name@brookfield.example.net>. */
char *h_school_request(Harness *h, const char *ref);
char *h_report_mail(Harness *h, const char *ref, const char *name, const char *part);
/* A fixture file with {{TOKEN}} and {{MSGID}} filled in. */
char *h_fixture(const char *path, const char *token, const char *msgid);

/* Agencies, conference CP-2026-0042 (held Fri 20 Nov 2026) with four lines, list sent and
 * flushed at Mon 23 Nov 2026 09:30:
 *   1 Sam Okafor, Northshire Police        (SLO ruth.calloway@police.example.org)
 *   2 Lena Marsh, Brookfield Primary School (SLO owen.pike@brookfield.example.net)
 *   3 Priya Nair, Northshire Health        (SLO safeguarding.lead@health.example.org)
 *   4 Tom Rees, Northshire Police */
void h_story_setup(Harness *h);
#define H_REF "CP-2026-0042"
#define H_CHAIR "ffion.testwood@chairs.example.org"
#define H_POLICE_SLO "ruth.calloway@police.example.org"
#define H_SCHOOL_SLO "owen.pike@brookfield.example.net"

/* JSON helpers */
JsonObject *h_escalation(JsonNode *show, int n);  /* the escalation of line n, or NULL */
const char *h_str(JsonObject *o, const char *member);

/* The audit trail of one conference, oldest first, each "what|object|old|new|detail|source". */
GPtrArray *h_audit(Harness *h, const char *ref);
/* How many audit rows of a conference have this `what`. */
guint h_audit_count(Harness *h, const char *ref, const char *what);

/* Every table of the store as text, to prove that a refused command changed nothing anywhere:
 * the schema and PRAGMA user_version first, then every row of every table named in
 * sqlite_master, one line each ("table|col=value|..."), sorted within its table; blobs by
 * length and SHA-256. Tables named in `except` (NULL-terminated, or NULL) are left out, for a
 * refusal that is answered by mail (its message, outbox and audit rows are expected). */
char *h_dump(Harness *h, const char *const *except);
/* Every file under the test folder except the database and its -wal/-shm, one line each:
 * path, size, SHA-256. Mail written, reports stored, keys rewritten all show here. */
char *h_files(Harness *h);
/* Fails with the lines only one of two dumps holds (the first few), when they differ. */
void h_assert_same(const char *what, const char *before, const char *after);
/* The rows of one table added since a dump, as h_dump writes them. */
GPtrArray *h_dump_added(const char *before, const char *after, const char *table);
/* The case's database opened read-write beside chaser (a busy wait of 5 s), for a test that
 * writes what an older chaser or a broken hand would; the caller closes it. */
sqlite3 *h_db_open(Harness *h);
