/* intake: the one door every inbound message comes through, whatever found it.
 *
 * A driver (Maildir, IMAP) hands over the raw bytes and says where it found them. intake
 * writes the bytes durably to the spool, recognises a message already handled by its SHA-256,
 * and otherwise parses, classifies and applies it in one store transaction. Only after that
 * commit (in a batch: the batch's, below) may the driver move the message out of the inbox.
 *
 *   CH_INTAKE_DONE        handled, or put in triage: move it to Processed
 *   CH_INTAKE_QUARANTINE  failed three times, or refused whole: move it to Quarantine
 *   CH_INTAKE_RETRY       a temporary failure (store busy, disk full): leave it, try later
 *   CH_INTAKE_STOP        the configuration is broken (a template that cannot be rendered, a
 *                         rules file): leave it, and stop reading until a person fixes what
 *                         *error names. Nothing was recorded and no attempt is counted: the
 *                         message is not at fault, and the first sweep after the fix takes it.
 *
 * intake logs what it did; a STOP it leaves to the caller to say, once.
 */
#pragma once
#include <glib.h>

typedef struct ChApp ChApp;

typedef enum {
	CH_INTAKE_DONE,
	CH_INTAKE_QUARANTINE,
	CH_INTAKE_RETRY,
	CH_INTAKE_STOP,
} ChIntakeResult;

/* where: e.g. "maildir:1700000000.123.host" or "imap:INBOX/42/7" (mailbox/uidvalidity/uid). */
ChIntakeResult ch_intake_message(ChApp *app, const char *where, const guint8 *data, gsize len,
                                 GError **error);

/* The same for a message a driver fetched in pieces into `file`, a file in spool/messages
 * whose bytes it has synced: map is a read-only mapping of all of it (ch_mapped_open), read
 * with its pages given back as it goes, so that the message is never all in memory. intake
 * renames the file to its place when it keeps the raw copy; the driver removes it if it is
 * still there afterwards. */
ChIntakeResult ch_intake_file(ChApp *app, const char *where, const guint8 *map, gsize len,
                              const char *file, GError **error);

/* Reading ahead, for a driver that holds a batch of messages in memory (IMAP): each handed
 * here, in the order they will be given to ch_intake_message, is read (fingerprint, parse,
 * immediate-safety scan: nothing that needs the store) on a second thread while intake
 * handles the ones before it; ch_intake_message then finds it by its bytes (the same data
 * and len) and decides as it would have. `batch` is the driver's name for the bytes' batch:
 * they must stay where they are until ch_intake_ahead_drain(batch) returns, which waits for
 * the thread and forgets what it read of that batch's messages never given to intake. Safe
 * to call from another thread than intake's. With `file` (not NULL), data is the mapping of
 * a message fetched in pieces into that file, to be given to ch_intake_file with it: the
 * file stays where it is until ch_intake_file or the drain. */
void ch_intake_ahead(ChApp *app, gconstpointer batch, const guint8 *data, gsize len,
                     const char *file);
void ch_intake_ahead_drain(gconstpointer batch);

/* A batch, for a driver that reads many messages a sweep (IMAP). Between begin and end each
 * message's transaction is a savepoint of one, and the folders of the raw copies and reports
 * are synced once each, before it commits at ch_intake_batch_end(); so a message answered
 * DONE or QUARANTINE in a batch is recorded only when ch_intake_batch_end() returns TRUE, and
 * the driver may move it only then. FALSE: nothing of the batch was recorded; its messages
 * stay where they are, to be read again (a crash anywhere in a batch is the same). One
 * message that fails takes back only its own changes. */
gboolean ch_intake_batch_begin(ChApp *app);
gboolean ch_intake_batch_end(ChApp *app, GError **error);
/* End, then begin the next: what a reader calls before it moves a batch's messages. */
gboolean ch_intake_batch_commit(ChApp *app, GError **error);
/* A sweep's end: the temporary files intake keeps for reuse while messages come are removed. */
void ch_intake_sweep_end(void);

/* A person's decision on a triage item: drop it (recorded, never acted on), or release a
 * held one (its sender check failed) and apply it as if the check had passed. Audited with
 * `source` as who decided: "cli", or "web:ADDRESS" for the person signed in to the console. */
gboolean ch_intake_decide(ChApp *app, gint64 triage_id, gboolean release, const char *source,
                          GError **error);

/* A message the driver will not fetch whole (over the size limit): recorded in triage with
 * its size; the driver then moves it to Quarantine. */
/* head: the message's first bytes where they could be read cheaply (NULL otherwise), looked
 * at for immediate-safety words only. */
ChIntakeResult ch_intake_oversized(ChApp *app, const char *where, gsize size, const char *head,
                                   gsize head_len, GError **error);
