/* header: the parts chaser puts in the header of a mail it sends, checked one by one.
 *
 * Everything that reaches an outgoing header (an id it answers, a person's name, an address)
 * may have come from a stranger's mail, and GMime hands those back decoded: an RFC 2047 word
 * in a Message-ID becomes a real CR LF. So each part is taken apart and put back together
 * here, and what does not survive that is left out rather than passed on. Every function
 * returns a new string the caller frees, or NULL when the part is not safe to write.
 */
#pragma once
#include <glib.h>

/* Longest id (without <>) we repeat: far below the 998-byte line limit, longer than any
 * real client's. */
#define CH_HEADER_MSGID_MAX 250
/* Longest display name we write, in characters. */
#define CH_HEADER_NAME_MAX 200

/* A msg-id (without <>) as RFC 5322 reads it, re-serialised from GMime's parse of "<id>":
 * dot-atom-text "@" (dot-atom-text or a [domain literal]), printable ASCII, no space, no <>,
 * no encoded-word ("=?"), at most CH_HEADER_MSGID_MAX bytes. NULL otherwise. */
char *ch_header_msgid(const char *id);

/* A display name fit for GMime to encode: valid UTF-8, control characters (C0, DEL, C1,
 * line and paragraph separators) turned to spaces, runs of spaces made one, trimmed, at most
 * CH_HEADER_NAME_MAX characters. NULL when nothing is left. */
char *ch_header_name(const char *name);

/* An unstructured text (a subject): as ch_header_name, without the length limit. */
char *ch_header_text(const char *text);

/* A plain addr-spec (ch_addr_valid: local@domain, ASCII, no quotes, spaces or controls),
 * as given. NULL otherwise. */
char *ch_header_addr(const char *addr);
