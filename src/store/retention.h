/* store/retention: the rows `chaser purge` looks at and removes (the policy and the files
 * are report/purge.c's).
 *
 * A conference is a candidate when it is finished and quiet before the cut-off; inbound mail
 * linked to no conference is one when it was received before it (see report/purge.h for the
 * rules). ch_store_retention_delete() removes rows inside the caller's transaction, opening
 * the audit log's purge window for exactly that long. Everything returned belongs to the
 * caller; FALSE (or NULL) with *error when the store failed.
 */
#pragma once
#include <glib.h>
#include "store/store.h"

/* The rows of one conference (or of unlinked mail), counted before they go. */
typedef struct {
	guint attendees, escalations, reports, tokens, outbox, tasks, triage, messages, audit;
} ChStoreRetentionCounts;

/* Conferences finished and quiet before `before`: their ids (gint64) into ids, and, when
 * refs is not NULL, their references (char *) into refs. */
gboolean ch_store_retention_candidates(ChStore *s, const char *before, GArray *ids,
                                       GPtrArray *refs, GError **error);
/* Adds the counts of conference `id`'s rows to *c. */
gboolean ch_store_retention_count(ChStore *s, gint64 id, ChStoreRetentionCounts *c,
                                  GError **error);

/* The files a conference's rows name: raw message names (relative to spool/messages),
 * report and attachment files (as stored), and its outbox rows (id and kind: the spool
 * transport's copy is named after them). Each array is the caller's. */
typedef struct {
	GPtrArray *raw_paths;    /* char * */
	GPtrArray *report_files; /* char * */
	GPtrArray *outbox;       /* ChStoreOutboxRow * with id and kind */
} ChStoreRetentionFiles;

void ch_store_retention_files_clear(ChStoreRetentionFiles *f);
gboolean ch_store_retention_files(ChStore *s, gint64 id, ChStoreRetentionFiles *f,
                                  GError **error);

/* One inbound message linked to no conference, received before the cut-off. */
typedef struct {
	gint64 id;
	char *fingerprint;
	char *raw_path;
	GPtrArray *alerts; /* ChStoreOutboxRow *: admin's triage alert about it, sent or failed */
	guint triage;      /* its triage rows */
	guint audit;       /* its audit lines (no conference, the message as source) */
} ChStoreUnlinked;

/* A GPtrArray of ChStoreUnlinked, oldest first; NULL on error. */
GPtrArray *ch_store_retention_unlinked(ChStore *s, const char *before, GError **error);

/* Whether a report or attachment row still names this file, by any of its spellings
 * (relative to spool/reports, "reports/..." or absolute). */
gboolean ch_store_retention_file_named(ChStore *s, const char *rel, const char *prefixed,
                                       const char *path, gboolean *named_r, GError **error);

/* Removes the unlinked messages and the conferences (children first: the foreign keys are
 * on) with everything of theirs, the audit lines among them, inside a purge window. */
gboolean ch_store_retention_delete(ChStore *s, GArray *conference_ids, GArray *unlinked_ids,
                                   GError **error);
