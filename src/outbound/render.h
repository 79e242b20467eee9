/* render: a template and its variables to a subject and a body; a subject and body to MIME.
 *
 * templates/NAME.txt holds a "Subject:" line, a blank line, then the body. {{name}} is
 * replaced by the variable's value. A subject may use {{ref}} and nothing else, so no
 * detail of a case can ever reach a subject line; a template that tries is a configuration
 * error, and so is one that uses a variable the message does not have.
 */
#pragma once
#include <glib.h>
#include "engine/engine.h"

gboolean ch_render(const char *const *templates_path, const char *name, GHashTable *vars,
                   char **subject_r, char **body_r, GError **error);

typedef struct {
	const char *from_name;
	const char *from_addr;
	const char *to_name;
	const char *to_addr;
	const char *reply_to;    /* or NULL */
	const char *subject;
	const char *message_id;  /* without <> */
	const char *in_reply_to; /* without <>, or NULL */
	const char *kind;        /* X-Chaser-Outbox: what this message is */
	GDateTime *date;
	const char *body;        /* UTF-8 text */
	GPtrArray *attachments;  /* ChMailPart* (engine/engine.h), or NULL: then the mail is
	                            the text alone; else multipart/mixed, the text first */
} ChMail;

/* The whole message, CRLF line ends, 7-bit clean (quoted-printable where needed). Every
 * header is rebuilt from checked parts (util/header.h): an in_reply_to that is not a plain
 * msg-id is left out, control characters in names and the subject become spaces, and a
 * From, To, Reply-To or Message-ID that is not a plain address or id fails with
 * CH_ERROR_INPUT (the mail cannot be sent safely; nothing is written). */
GBytes *ch_mail_build(const ChMail *m, GError **error);

