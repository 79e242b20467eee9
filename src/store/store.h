/* store: chaser's state in SQLite, and the one transaction idiom.
 *
 * ch_store_open() opens (or creates, mode 0600) the database in WAL mode with
 * synchronous=FULL and foreign keys on, then brings the schema up to date with the numbered
 * migrations in schema.c. Every change goes inside ch_store_begin()/ch_store_commit(): BEGIN
 * IMMEDIATE takes the write lock first, so a read-then-write can never lose a race, and one
 * inbound message's whole effect commits or none of it does. A failure between begin and
 * commit must be followed by ch_store_rollback().
 *
 * Errors are CH_ERROR_TEMPORARY when the database is busy or the disk failed, CH_ERROR_FINAL
 * for a constraint (a duplicate, a missing row), each with SQLite's message.
 *
 * The SQL itself lives in the store's modules, each named for what it holds: cases.h
 * (conferences, people, escalations, reports), messages.h (inbound messages, attachments,
 * triage), outbox.h (mail queued, reply tokens, tasks for admin), due.h (what the timers
 * look for), mailbox.h (IMAP UIDVALIDITY and last UID), retention.h (what `purge` counts and
 * removes), views.h (the rows the reports and `show` read), obligations.h (open items
 * without their clock, for reconcile), web.h (the console's sign-in links, sessions and
 * sign-in requests), and the audit log below. They
 * return plain values the caller owns; SQLite itself is private to src/store
 * (store-private.h), and tests/store-only.sh fails the suite when it leaks out.
 */
#pragma once
#include <glib.h>

typedef struct ChStore ChStore;

ChStore *ch_store_open(const char *path, GError **error);
void ch_store_close(ChStore *s);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(ChStore, ch_store_close)

/* PRAGMA user_version: the last migration applied; -1 with *error when it cannot be read. */
int ch_store_schema_version(ChStore *s, GError **error);

gboolean ch_store_begin(ChStore *s, GError **error);
gboolean ch_store_commit(ChStore *s, GError **error);
void ch_store_rollback(ChStore *s);
/* A batch: the transactions begun until ch_store_batch_end() are savepoints of one
 * transaction, committed (one fsync for them all) by ch_store_batch_end(). A rollback takes
 * back only its own transaction's changes. ch_store_batch_end() is FALSE when the batch
 * could not be committed whole: then none of it was (what each transaction of it did is
 * lost, and must be done again). Begin does not touch the database. */
gboolean ch_store_batch_begin(ChStore *s);
gboolean ch_store_batch_end(ChStore *s, GError **error);
/* Ends a batch with none of it committed. */
void ch_store_batch_abandon(ChStore *s);

/* Audit: append one event. source names what caused it: "message:<sha256>", "timer",
 * "cli". The table refuses UPDATE and DELETE. */
gboolean ch_store_audit(ChStore *s, const char *at, gint64 conference_id, const char *source,
                        const char *what, const char *object, const char *old_value,
                        const char *new_value, const char *detail, GError **error);
