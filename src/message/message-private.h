/* message-private: helpers shared by the files of src/message/ and by nothing else.
 *
 *   text.c           bytes in a declared (or missing, or wrong) charset -> valid UTF-8 text
 *   reply.c          the plain-text reply extractor (public part in reply.h)
 *   html.c           HTML -> text with libxml2 (public part in reply.h)
 *   mime.c           the one walk over the parsed MIME tree; a part's decoded content
 *   message-class.c  own / bounce / automatic / person, bounce details, return dates
 *   message.c        the parse that ties them together (public part in message.h)
 *   quoted.c         lines of a reply found in the mail chaser sent (quoted.h; uses none
 *                    of these helpers, so intake can call it on text from anywhere)
 *
 * The files call each other in one direction only: message.c uses message-class.c, and
 * both use mime.c, text.c, reply.c and html.c; none of those uses message.c or
 * message-class.c (tests/shape.sh fails on a pair of files that call each other).
 *
 * Every char * returned here is newly allocated (g_free) and valid UTF-8.
 */
#pragma once
#include <glib.h>
#include <gmime/gmime.h>

#include "message/message.h"

/* Decoded part content -> UTF-8 with LF line ends and no NUL bytes. charset is the part's
 * declared charset or NULL. Never fails: what cannot be converted is repaired. */
char *ch_text_from_bytes(const guint8 *data, gsize len, const char *charset);

/* A header value (or any C string) made valid UTF-8 the same way; NULL stays NULL. */
char *ch_text_dup_valid(const char *s);

/* RFC 3676 format=flowed text -> one line per paragraph line, space-stuffing removed. */
char *ch_text_unflow(const char *text, gboolean delsp);

/* Where the walk is: the node's container (NULL for the top), its index there and its
 * level (the message's own body is level 1; a message/rfc822 part's body is one below it). */
typedef struct {
	GMimeObject *parent;
	guint index;
	guint depth;
} ChMimePlace;

typedef enum {
	CH_MIME_DESCEND,   /* into its children: a multipart's parts, a message/rfc822's body */
	CH_MIME_SKIP,      /* not into its children */
	CH_MIME_SKIP_REST, /* neither into its children nor on to the siblings after it */
	CH_MIME_STOP,      /* end the walk */
} ChMimeStep;

typedef ChMimeStep (*ChMimeVisit)(GMimeObject *o, const ChMimePlace *at, gpointer data);

/* Every node of msg's MIME tree, depth first in order, the top first; `visit` says how to
 * go on from each. It recurses once a level: the parse refused deeper trees than
 * max_depth before it was built (check_shape in message.c). */
void ch_mime_walk(GMimeMessage *msg, ChMimeVisit visit, gpointer data);

/* A part's decoded content (transfer encoding undone), and as UTF-8 text (charset too). */
GByteArray *ch_part_bytes(GMimePart *part);
char *ch_part_text(GMimePart *part);

/* Does this line open an Outlook-style header block ("From:", "Von:", "De :", "*From:*")? */
gboolean ch_reply_is_from_line(const char *line);

/* Sets m->cls, m->class_reason and, for bounces and automatic replies, their details.
 * m's address, subject and body fields must already be filled. */
void ch_message_classify(ChMessage *m, GMimeMessage *msg, const ChParseOptions *opts);
