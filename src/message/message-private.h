/* message-private: helpers shared by the files of src/message/ and by nothing else.
 *
 *   text.c           bytes in a declared (or missing, or wrong) charset -> valid UTF-8 text
 *   reply.c          the plain-text reply extractor (public part in reply.h)
 *   html.c           HTML -> text with libxml2 (public part in reply.h)
 *   message-class.c  own / bounce / automatic / person, bounce details, return dates
 *   message.c        the GMime walk that ties them together (public part in message.h)
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

/* A part's decoded content as UTF-8 text (transfer encoding and charset undone). */
char *ch_part_text(GMimePart *part);

/* Does this line open an Outlook-style header block ("From:", "Von:", "De :", "*From:*")? */
gboolean ch_reply_is_from_line(const char *line);

/* Sets m->cls, m->class_reason and, for bounces and automatic replies, their details.
 * m's address, subject and body fields must already be filled. */
void ch_message_classify(ChMessage *m, GMimeMessage *msg, const ChParseOptions *opts);
