/* store/messages: the inbound messages chaser has seen (the message table), the attachments
 * kept from them, and triage, the items that wait for a person.
 *
 * A message row is known by its fingerprint (the SHA-256 of its bytes, or "oversized:..."
 * for one never fetched) and is in one of the states handled, triage, held, quarantine or
 * failing (an attempt failed and will be made again). Writes run inside the caller's
 * transaction. Lookups answer through out-parameters and return FALSE only when the store
 * failed, with *error set; strings and arrays returned belong to the caller.
 */
#pragma once
#include <glib.h>
#include "store/store.h"

/* ---- messages ---- */

/* A row for a message being handled now, in state handled until its handler says otherwise.
 * cls is the message's class name ("unreadable" when it could not be parsed). */
gboolean ch_store_message_add(ChStore *s, const char *fingerprint, const char *location,
                              const char *received_at, gint64 size, const char *message_id,
                              const char *from_addr, const char *cls, gint64 *row_r,
                              GError **error);
/* A row for a message whose handling failed before it had one (attempts 0). */
gboolean ch_store_message_add_failing(ChStore *s, const char *fingerprint, const char *location,
                                      const char *received_at, gint64 size,
                                      const char *raw_path, gint64 *row_r, GError **error);
/* A row for a message too large to fetch, in triage. */
gboolean ch_store_message_add_oversized(ChStore *s, const char *fingerprint,
                                        const char *location, const char *received_at,
                                        gint64 size, gint64 *row_r, GError **error);
/* Where the handler left it: state, kind, conference (0 stores NULL) and reason. */
gboolean ch_store_message_set(ChStore *s, gint64 row, const char *state, const char *kind,
                              gint64 conference_id, const char *reason, GError **error);
gboolean ch_store_message_set_raw_path(ChStore *s, gint64 row, const char *raw_path,
                                       GError **error);
/* The row with this fingerprint, in any state, or 0. */
gboolean ch_store_message_by_fingerprint(ChStore *s, const char *fingerprint, gint64 *row_r,
                                         GError **error);
/* A message handled before (any state but failing): its row or 0, and whether it went to
 * quarantine. */
gboolean ch_store_message_known(ChStore *s, const char *fingerprint, gint64 *row_r,
                                gboolean *quarantined_r, GError **error);
/* Whether the last attempt at this message ended with chaser stopping while it read it. */
gboolean ch_store_message_died_reading(ChStore *s, const char *fingerprint, gboolean *died_r,
                                       GError **error);
/* Removes the failing row of a message about to be handled again (its effect replaces it). */
gboolean ch_store_message_drop_failing(ChStore *s, const char *fingerprint, GError **error);
gboolean ch_store_message_attempts(ChStore *s, gint64 row, gint64 *attempts_r, GError **error);
gboolean ch_store_message_set_attempts(ChStore *s, gint64 row, gint64 attempts,
                                       const char *reason, GError **error);
gboolean ch_store_message_quarantine(ChStore *s, gint64 row, GError **error);
/* For the log line: the row's state, kind and conference reference (NULL when none);
 * *state_r stays NULL when there is no such row. */
gboolean ch_store_message_summary(ChStore *s, gint64 row, char **state_r, char **kind_r,
                                  char **ref_r, GError **error);

/* One attachment kept from a message: its file in spool/reports and its SHA-256. */
gboolean ch_store_attachment_add(ChStore *s, gint64 message_row, gint64 conference_id,
                                 gint64 report_id, gint64 n, const char *filename,
                                 const char *content_type, gint64 size, const char *sha256,
                                 const char *file, gboolean is_report, GError **error);

/* ---- triage ---- */

/* An open item about a message; conference_id 0 stores NULL. */
gboolean ch_store_triage_add(ChStore *s, gint64 message_row, gint64 conference_id,
                             const char *reason, const char *created_at, gint64 *id_r,
                             GError **error);

typedef struct {
	char *state;         /* the item's: open, released, dropped */
	gint64 message_row;
	char *message_state; /* its message's: triage, held, quarantine... */
	char *raw_path;      /* relative to spool/messages; NULL when none was recorded */
	char *fingerprint;
	gint64 conference_id; /* 0 for none */
} ChStoreTriageItem;

void ch_store_triage_item_clear(ChStoreTriageItem *t);
/* *found_r FALSE when there is no item with that id. */
gboolean ch_store_triage_get(ChStore *s, gint64 id, ChStoreTriageItem *t, gboolean *found_r,
                             GError **error);
/* A person's decision: state is "released" or "dropped". */
gboolean ch_store_triage_decide(ChStore *s, gint64 id, const char *state, const char *at,
                                GError **error);

typedef struct {
	gint64 count;    /* open items from this sender */
	char *from_addr; /* "(no sender)" when the message had none */
	gint64 newest;   /* the highest triage id among them */
} ChStoreTriageSender;

/* Open items above triage id `after` whose message had no triage alert of its own, grouped
 * by sender, the largest group first: a GPtrArray of ChStoreTriageSender, or NULL on error. */
GPtrArray *ch_store_triage_unalerted(ChStore *s, gint64 after, GError **error);
