/* store/outbox: the rows of mail chaser sends (the outbox table), the reply tokens issued
 * with it, and the tasks that tell admin a delivery failed.
 *
 * Writes run inside the caller's transaction (ch_store_begin/commit stay with the caller).
 * Lookups answer through out-parameters and return FALSE only when the store failed, with
 * *error set: "not there" is never confused with "could not look". Rows come back as
 * ChStoreOutboxRow values (or a GPtrArray of them) owned by the caller.
 */
#pragma once
#include <glib.h>
#include "store/store.h"

/* ---- queueing ---- */

/* Whether a message is already queued for this event (the event key is unique). */
gboolean ch_store_outbox_has_event(ChStore *s, const char *event_key, gboolean *has_r,
                                   GError **error);
/* Whether one of our outgoing rows carries this Message-ID (our own mail coming back, or a
 * bounce about it). */
gboolean ch_store_outbox_has_message_id(ChStore *s, const char *message_id, gboolean *has_r,
                                        GError **error);
/* Triage alerts created after `since` about messages from the sender of the message with
 * this fingerprint. */
gboolean ch_store_outbox_count_triage_alerts_from(ChStore *s, const char *since,
                                                  const char *fingerprint, gint64 *n_r,
                                                  GError **error);
/* Triage alerts created after `since` about mail of no conference. */
gboolean ch_store_outbox_count_unmatched_triage_alerts(ChStore *s, const char *since,
                                                       gint64 *n_r, GError **error);
/* Mail of kind `kind_a` or `kind_b` (pass one twice for a single kind) queued to `rcpt`
 * after `since`. */
gboolean ch_store_outbox_count_to(ChStore *s, const char *rcpt, const char *since,
                                  const char *kind_a, const char *kind_b, gint64 *n_r,
                                  GError **error);
/* Whether a triage digest went out after `since`. */
gboolean ch_store_outbox_digest_since(ChStore *s, const char *since, gboolean *has_r,
                                      GError **error);
/* The newest triage id a digest has covered (its event key "triage_digest:N"), or 0. */
gboolean ch_store_outbox_digest_covered(ChStore *s, gint64 *triage_id_r, GError **error);
/* Rows queued or retrying: due (next attempt at or before `now_key`) or, with !due, retrying
 * and waiting beyond it. */
gboolean ch_store_outbox_count_waiting(ChStore *s, const char *now_key, gboolean due,
                                       gint64 *n_r, GError **error);

/* A reply token's row; its id goes into the token's text. stage 0 stores NULL. */
gboolean ch_store_token_add(ChStore *s, const char *purpose, gint64 conference_id,
                            gint64 object_id, const char *recipient, const char *expires,
                            gint64 stage, gint64 *id_r, GError **error);

/* What a token's row says, with the stage its escalation is at now (0 for none). */
typedef struct {
	char *purpose;
	gint64 conference_id;
	gint64 object_id;
	char *recipient;
	gint64 stage;     /* the stage the token asked at, 0 for none */
	gint64 now_stage; /* its escalation's stage now, 0 for none */
} ChStoreToken;

void ch_store_token_clear(ChStoreToken *t);
/* *found_r is FALSE when no token has that id (t is then left zeroed). */
gboolean ch_store_token_get(ChStore *s, gint64 id, ChStoreToken *t, gboolean *found_r,
                            GError **error);

/* A new row in state queued, due at `due_key`; conference_id 0 stores NULL. */
gboolean ch_store_outbox_add(ChStore *s, gint64 conference_id, const char *kind,
                             const char *event_key, const char *rcpt, const char *message_id,
                             const char *subject, GBytes *wire, const char *due_key,
                             const char *created_at, gint64 *id_r, GError **error);

/* ---- sending ---- */

typedef struct {
	gint64 id;
	gint64 conference_id; /* 0 for none */
	char *kind;
	char *rcpt;
	char *state;
	GBytes *wire;      /* only from ch_store_outbox_due */
	int attempts;
	char *created_at;
	char *ref; /* the conference's reference; NULL for none */
} ChStoreOutboxRow;

void ch_store_outbox_row_free(ChStoreOutboxRow *r);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(ChStoreOutboxRow, ch_store_outbox_row_free)

/* The rows queued or retrying whose next attempt is at or before `now_key`, oldest first;
 * NULL on error. */
GPtrArray *ch_store_outbox_due(ChStore *s, const char *now_key, GError **error);
/* The row carrying this Message-ID (kind, rcpt, state, conference), or *row_r NULL. */
gboolean ch_store_outbox_by_message_id(ChStore *s, const char *message_id,
                                       ChStoreOutboxRow **row_r, GError **error);

/* The bytes of our mail with this Message-ID (without <>), or *wire_r NULL when we sent
 * none: the mail a reply answers, to tell what the reply quotes of it. */
gboolean ch_store_outbox_wire(ChStore *s, const char *message_id, GBytes **wire_r,
                              GError **error);
/* ... of our newest mail whose Message-ID carries this reply token, or *wire_r NULL. */
gboolean ch_store_outbox_wire_for_token(ChStore *s, const char *token, GBytes **wire_r,
                                        GError **error);

/* The bytes of the newest `limit` mails of a conference sent to `rcpt`, newest first; NULL
 * on error. For a reply that names none of our mails. */
GPtrArray *ch_store_outbox_wires_to(ChStore *s, gint64 conference_id, const char *rcpt,
                                    guint limit, GError **error);

gboolean ch_store_outbox_mark_sent(ChStore *s, gint64 id, const char *at, int attempts,
                                   GError **error);
gboolean ch_store_outbox_mark_retrying(ChStore *s, gint64 id, int attempts,
                                       const char *next_key, const char *last_error,
                                       GError **error);
/* attempts < 0 leaves the count as it is (a bounce after the send). */
gboolean ch_store_outbox_mark_failed(ChStore *s, gint64 id, int attempts,
                                     const char *last_error, GError **error);

/* A task for admin; conference_id 0 stores NULL. */
gboolean ch_store_task_add(ChStore *s, gint64 conference_id, const char *kind,
                           const char *detail, const char *created_at, GError **error);
/* Admin's open tasks of this kind on the conference are done at `done_at`. */
gboolean ch_store_task_done(ChStore *s, gint64 conference_id, const char *kind,
                            const char *done_at, GError **error);
