/* classify: what a person's message is about, and whether its sender may act on it.
 *
 * The thread is found by, in order: a reply token in a recipient's plus-address; a token in
 * an In-Reply-To or References id we sent; a conference reference in a subject tag together
 * with a sender on that conference's roster. A subject tag alone never attaches a message.
 * Then the sender is checked: the token's own person, or (without a token) someone the
 * conference is waiting on. Where the config names the receiving server's authserv-id, its
 * topmost Authentication-Results must show DMARC pass, or DKIM or SPF pass aligned with the
 * From domain, before a command may change state.
 *
 * The result is one of: matched (act on it); held (matched, but the sender could not be
 * trusted: a person must release it); unmatched (triage). `reason` says why, in words fit for
 * the triage list, never quoting the message.
 */
#pragma once
#include <glib.h>
#include "app/app.h"
#include "engine/names.h"
#include "message/message.h"

typedef enum {
	CH_MATCH_NONE,
	CH_MATCH_HELD,
	CH_MATCH_OK,
} ChMatchResult;

typedef struct {
	ChMatchResult result;
	gint64 conference_id;  /* 0 when unknown */
	ChPurpose purpose;     /* CH_PURPOSE_NONE when nothing matched */
	gint64 object_id;      /* the escalation, for escalation and confirm */
	gboolean by_token;
	char *reason;
} ChMatch;

void ch_match_clear(ChMatch *m);

/* Finds the thread and checks the sender. Reads the store; changes nothing. Errors are only
 * store failures (temporary), and a token row whose purpose this chaser does not know
 * (final). */
gboolean ch_classify(ChApp *app, const ChMessage *m, GDateTime *now, ChMatch *out,
                     GError **error);

/* The reply token the message carries, as ch_classify() finds it (the plus-address, else
 * In-Reply-To, else References), not yet checked; NULL when none. */
char *ch_classify_token(ChApp *app, const ChMessage *m);

/* The conference reference in a subject tag such as "[CP-2026-0042]", or NULL. */
char *ch_classify_subject_ref(const char *subject);

/* Authentication-Results check: TRUE when the topmost header from authserv_id shows DMARC
 * pass with a header.from aligned with from_domain, or DKIM/SPF pass aligned with it.
 * Headers from authserv_id that disagree on a method count as not verified. *why_r says
 * what failed. */
gboolean ch_classify_auth_ok(GPtrArray *auth_results, const char *authserv_id,
                             const char *from_domain, const char **why_r);

/* The receiving server's verdict on the message's From address, where [chaser] authserv_id
 * names one: TRUE when it vouches for it (ch_classify_auth_ok), or when no server is named.
 * *why_r says what failed. */
gboolean ch_classify_from_vouched(ChApp *app, const ChMessage *m, const char **why_r);
