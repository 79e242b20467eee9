/* token: reply tokens that nobody outside can forge.
 *
 * A token names one row of the token table (which says purpose, conference, object and the
 * one recipient it was made for) and carries its expiry and an HMAC-SHA256 over both, with a
 * key made at init. It is written in lower-case base32, read case-insensitively (mail systems
 * change case), and its MAC is compared in constant time. The key file holds one key per
 * line, newest first ("ID CREATED HEX"); older keys keep verifying the tokens they made until
 * they are rotated out, so a rotation breaks no thread within the grace period.
 */
#pragma once
#include <glib.h>

typedef struct ChKeys ChKeys;

/* Makes a key file (mode 0600) if there is none; TRUE if it exists or was made. */
gboolean ch_keys_create(const char *path, GError **error);
ChKeys *ch_keys_load(const char *path, GError **error);
void ch_keys_free(ChKeys *k);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(ChKeys, ch_keys_free)
/* Adds a new key at the top and drops the keys that were replaced before `drop_before`
 * (YYYY-MM-DD): every token they made has expired by then. */
gboolean ch_keys_rotate(const char *path, const char *today, const char *drop_before,
                        GError **error);

#define CH_TOKEN_LEN 28

char *ch_token_make(const ChKeys *k, guint32 id, const GDate *expires);
/* FALSE (with a short reason in *reason_r, static) for a malformed token, an unknown key, a
 * bad MAC; an expired token still returns TRUE with *expires_r set, so the caller can say
 * "expired" rather than "forged". */
gboolean ch_token_check(const ChKeys *k, const char *token, guint32 *id_r, GDate *expires_r,
                        const char **reason_r);

/* One of our Message-IDs (c.TOKEN.NONCE@domain) with its token withheld, for anything a
 * person reads: a live token in a record or a listing would let its reader answer as the
 * person it was sent to. The nonce still tells the mails apart. Other ids are copied. */
char *ch_token_withhold_msgid(const char *msgid);
