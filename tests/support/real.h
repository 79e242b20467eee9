/* real: the chaser binary pointed at real mail servers (tests/servers), as the team would run
 * it: a config whose [imap] and [smtp] name the servers, commands run one by one (through
 * support/harness.h's h_run and h_json), and `chaser run` as a long-lived child process that
 * a test can signal, kill and restart.
 *
 * The servers themselves are started and stopped by tests/servers/harness.h in the test
 * program: its crash handler must know every folder it started, so that header's functions
 * are called from one place only. What is here needs no server: it reads what arrived
 * (mail texts as Dovecot stored them) and the chaser database (read-only).
 *
 * A RealRun child is killed with SIGKILL if the test program dies first (PR_SET_PDEATHSIG):
 * a failed assertion never leaves a chaser polling a folder that is being removed.
 */
#pragma once
#include <glib.h>
#include <sqlite3.h>

#include "support/harness.h"

/* Where the mail goes. NULL strings are left out of the config. */
typedef struct {
	const char *address;            /* [mailbox] address */
	const char *imap_url;           /* NULL: [inbound] type = maildir */
	const char *imap_user;
	const char *imap_password_file;
	const char *imap_ca_file;       /* NULL: the system CAs alone */
	const char *smtp_url;           /* NULL: [outbound] type = spool */
	const char *smtp_user;          /* NULL: no AUTH */
	const char *smtp_password_file;
	const char *smtp_ca_file;
	gboolean smtp_require_tls;
	const char *people;             /* the [people] lines */
	const char *extra;              /* more INI text, appended */
} RealConfig;

/* A chaser folder at `dir` (made), its config written and `chaser init` run. Free with
 * real_chaser_free, which leaves the folder (it lives inside the servers' folder, kept when
 * a test fails). */
Harness *real_chaser_new(const char *dir, const RealConfig *c);
/* Writes the config again, e.g. with another [imap] url. */
void real_chaser_configure(Harness *h, const RealConfig *c);
void real_chaser_free(Harness *h);

/* `chaser --now NOW run` (now may be NULL), stdout and stderr appended to DIR/run.log. */
typedef struct RealRun RealRun;
RealRun *real_run_start(Harness *h, const char *now);
GPid real_run_pid(const RealRun *r);
/* TRUE while it has not exited (reaps it when it has). */
gboolean real_run_alive(RealRun *r);
/* Sends `sig` and waits up to `ms` for the process to end. TRUE if it ended; *status_r gets
 * its wait status (may be NULL). The time it took, in ms, goes to *took_ms (may be NULL). */
gboolean real_run_stop(RealRun *r, int sig, guint ms, int *status_r, double *took_ms);
/* Everything the runs of this folder have written so far. */
char *real_run_log(Harness *h);
/* Kills it (SIGKILL) if still running, and frees. */
void real_run_free(RealRun *r);

/* Mail texts as stored by Dovecot (LF lines). A header, unfolded, or NULL; the address in
 * <> of a header (Message-Id, In-Reply-To, Reply-To), or NULL. */
char *real_header(const char *text, const char *name);
char *real_angle(const char *text, const char *name);
/* The body, after the first blank line. */
const char *real_body(const char *text);
/* The texts whose header `name` contains `value` (pointers into `texts`, not copies). */
GPtrArray *real_having(GPtrArray *texts, const char *name, const char *value);
/* How many distinct values of header `name` the texts carry; *dups_r gets how many texts
 * repeat a value already seen (may be NULL). */
guint real_distinct(GPtrArray *texts, const char *name, guint *dups_r);

/* A reply to `original` (a mail chaser sent) as a mail client writes it: From `from`, To
 * the original's Reply-To, Subject "RE: ...", In-Reply-To and References its Message-ID,
 * our own text on top and the original quoted below. CRLF lines. `id` becomes the local
 * part of the reply's Message-ID (id@example.test). */
char *real_reply(const char *original, const char *from, const char *id, const char *text);

/* The chaser database, read-only (WAL: it sees each commit as it happens). */
sqlite3 *real_db_open(Harness *h);
/* The first column of the first row of `sql`, with `param` bound to ?1 when not NULL;
 * `def` when there is no row. */
gint64 real_db_int(sqlite3 *db, gint64 def, const char *sql, const char *param);
/* As real_db_int on a connection of its own. */
gint64 real_query_int(Harness *h, gint64 def, const char *sql, const char *param);

/* Figures of a set of measurements (sorted in place). p95 is the nearest-rank value. */
typedef struct {
	double min, median, p95, max, mean;
} RealStats;
RealStats real_stats(double *v, guint n);
