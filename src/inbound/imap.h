/* imap: the shared mailbox over IMAP with libetpan.
 *
 * A ChImap holds one connection to one mailbox. ch_imap_sweep() connects if needed (TLS
 * verified against the system CAs or the configured CA file, and the host name, before any
 * credential is sent; SNI set), SELECTs the mailbox, checks UIDVALIDITY against the store,
 * finds every message still in the mailbox, asks the sizes of all of them in one UID FETCH,
 * fetches each with BODY.PEEK[] (over the size limit: not at all; a large one in pieces into
 * a file, ch_imap_set_pieces), hands it to the intake
 * function, and moves it to the Processed or Quarantine folder (creating them) only after
 * intake answered: in batches, one UID MOVE for up to 100 answered messages and one for what
 * is left when the sweep ends or stops (imap.c says why a crash before a batch's move loses
 * nothing). A RETRY answer leaves the message where it is; a STOP answer leaves it too and
 * ends the sweep with intake's error, after the messages answered before it are moved.
 * ch_imap_driver (driver.h) is this module seen through the inbound contract.
 *
 * Errors: CH_ERROR_TEMPORARY for anything network (the caller reconnects with backoff),
 * CH_ERROR_CONFIG for a refused login, an untrusted certificate, or a changed UIDVALIDITY
 * (the mailbox is stopped; a person must look).
 */
#pragma once
#include <glib.h>
#include "app/config.h"
#include "inbound/intake.h"

typedef struct ChImap ChImap;

/* file: NULL, or (a message fetched in pieces) the file in the spool folder that holds raw,
 * which is then a read-only mapping of it (ch_mapped_open, mapped.h); the function may rename
 * the file away (intake keeps it as the raw copy), and the driver removes it otherwise. */
typedef ChIntakeResult (*ChIntakeFunc)(gpointer data, const char *where, const guint8 *raw,
                                       gsize len, gsize size_if_not_fetched, const char *file,
                                       GError **error);

/* state: callbacks to remember (uidvalidity, last_uid) per mailbox in the store. get
 * answers TRUE with the values when the mailbox is known, FALSE when it is not; FALSE with
 * *error set when the store could not say (the sweep then stops: a UIDVALIDITY that cannot
 * be read back must not be taken for a new mailbox). */
typedef struct {
	gboolean (*get)(gpointer data, const char *mailbox, guint32 *uidvalidity, guint32 *last_uid,
	                GError **error);
	gboolean (*set)(gpointer data, const char *mailbox, guint32 uidvalidity, guint32 last_uid,
	                GError **error);
	gpointer data;
	/* NULL, or called before handled messages are moved: makes what intake did for them
	 * durable (FALSE: it could not, and none of them is moved). */
	gboolean (*commit)(gpointer data, GError **error);
	/* NULL, or told of each message of a body batch as soon as the batch is fetched, before
	 * the first is handed to intake (ch_intake_ahead), perhaps from a second thread while the
	 * batch before it is handled; drain is called before the batch's bytes are freed
	 * (ch_intake_ahead_drain). `batch` names the batch. A large message fetched in pieces
	 * is told too, alone in its batch, with its file (the mapping of which is raw). */
	void (*ahead)(gpointer data, gconstpointer batch, const guint8 *raw, gsize len,
	              const char *file);
	void (*drain)(gpointer data, gconstpointer batch);
} ChImapState;

ChImap *ch_imap_new(const ChImapConfig *cfg, gsize max_message_size, const ChImapState *state);
/* The flag a stop request sets (SIGTERM): once set, a sweep ends after the message in hand. */
void ch_imap_set_stop(ChImap *m, volatile gint *stop);
/* A flag that, once set, ends a wait early (ch_imap_wait) without stopping a sweep: the
 * console asks for a turn when it has queued a sign-in mail. NULL: none. */
void ch_imap_set_wake(ChImap *m, volatile gint *wake);
void ch_imap_free(ChImap *m);
/* Where a message larger than piece_over bytes is fetched to, in pieces of at most `piece`
 * bytes (BODY.PEEK[]<offset.length>) appended to a file there, instead of as one literal that
 * libetpan holds whole in memory: a folder on the spool's file system (intake renames the file
 * into spool/messages). Without it (dir NULL, the default) every message is fetched whole. */
void ch_imap_set_pieces(ChImap *m, const char *dir, gsize piece_over, gsize piece);
/* One sweep. *count_r: messages handed to intake. `where` is "imap:MAILBOX/UIDVALIDITY/UID";
 * raw is NULL (and len 0) only for a message over max_message_size, whose size is then in
 * size_if_not_fetched. The bytes belong to the driver: copy what must outlive the call.
 * A failure after some messages were handled keeps their moves; *count_r counts them. */
gboolean ch_imap_sweep(ChImap *m, ChIntakeFunc fn, gpointer data, guint *count_r, GError **error);
/* Waits for new mail with IDLE (or sleeps without it) for at most `seconds`, returning early
 * when *stop becomes non-zero (checked at least every 250 ms) or the server says something.
 * It never connects: IDLE needs the live, selected connection a successful sweep leaves;
 * otherwise it sleeps. IDLE is a wake-up only: sweep after every return. A connection lost
 * while idling is CH_ERROR_TEMPORARY, and the next sweep reconnects. */
gboolean ch_imap_wait(ChImap *m, guint seconds, volatile gint *stop, GError **error);
