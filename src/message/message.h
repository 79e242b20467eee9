/* message: raw RFC 5322 bytes in, one plain struct out.
 *
 * ch_message_parse() reads a whole message with GMime and fills a ChMessage that owns every
 * string in it (all UTF-8, all valid); free it with ch_message_free(). It never aborts on
 * input: what breaks a limit or cannot be read at all fails with CH_ERROR_INPUT and a short
 * reason fit for the triage list (it names the limit, never the content).
 *
 * The class is decided in this order: our own mail coming back, a bounce, automatic mail, a
 * person. Only a person's message may ever be acted on.
 */
#pragma once
#include <glib.h>

typedef enum {
	CH_CLASS_PERSON,
	CH_CLASS_OWN,    /* sent by chaser itself and seen again (loop guard) */
	CH_CLASS_BOUNCE, /* a delivery status notification or NDR */
	CH_CLASS_AUTO,   /* out-of-office, vacation, list or bulk mail */
} ChMessageClass;

const char *ch_message_class_name(ChMessageClass c);

typedef struct {
	gsize max_size;         /* whole message, bytes */
	guint max_headers;      /* header fields in any one header block */
	gsize max_line;         /* longest line, bytes */
	guint max_depth;        /* MIME nesting */
	guint max_parts;        /* MIME parts in all (counted on the raw bytes before the parse:
	                           containers too; after it: leaves) */
	guint max_fields;       /* header fields in all header blocks together */
	gsize max_attachment;   /* one decoded attachment, bytes */
	guint max_attachments;  /* attachments kept */
	const char *own_address; /* the shared mailbox, to recognise our own mail; may be NULL */
} ChParseOptions;

/* Sensible limits for a council mailbox: 40 MB message, 1000 header fields per block and
 * 10,000 in all, 1 MiB line, 20 MIME levels, 500 parts, 100 attachments of at most 25 MB;
 * own_address NULL.
 * ch_message_parse() takes NULL options to mean these. */
void ch_parse_options_init(ChParseOptions *o);

typedef struct {
	char *filename;     /* sanitised: no path separators, no control chars, at most 200
	                       bytes (a longer one cut before its extension); may be NULL */
	char *content_type; /* "type/subtype", lower case */
	GBytes *data;       /* decoded content; NULL when parsed from a file
	                       (ch_message_parse_file): then ch_attachment_write() decodes it */
	gsize size;         /* decoded bytes, always set */
	gpointer part;      /* private: the GMime object, when data is NULL */
	char *disposition;  /* "attachment", "inline" (lower case, as sent), or NULL if none */
	gboolean has_content_id; /* referred to from the HTML (an inline logo, a picture) */
} ChAttachment;

typedef struct {
	char fingerprint[65];  /* lower-case hex SHA-256 of the raw bytes */
	gsize size;

	char *from_addr;       /* lower-case addr-spec of the first From mailbox, or NULL */
	char *from_name;       /* display name, or NULL */
	char *reply_to_addr;   /* lower-case, or NULL */
	char *return_path;     /* as found without <>, "" for the null sender <>, NULL if absent */
	GPtrArray *rcpt_addrs; /* lower-case addr-specs from To, Cc, Delivered-To, X-Original-To */
	char *subject;         /* decoded, "" when absent */
	char *message_id;      /* without <>, or NULL */
	char *in_reply_to;     /* first id, without <>, or NULL */
	GPtrArray *references; /* ids without <>, oldest first */
	GDateTime *date;       /* or NULL */
	GPtrArray *auth_results; /* raw Authentication-Results values, topmost first */

	char *body_text;       /* the text of the message: text/plain, or HTML turned to text */
	char *reply_text;      /* the new text only: quotes, quote headers, signatures removed */
	GPtrArray *attachments; /* of ChAttachment* */

	ChMessageClass cls;
	char *class_reason;    /* why it got that class, e.g. "Auto-Submitted: auto-replied" */
	char *bounced_message_id; /* for a bounce: the Message-ID of what bounced, if found */
	char *bounced_rcpt;       /* for a bounce: the recipient that failed, if found */
	char *bounce_status;      /* for a bounce: e.g. "5.1.1", if found */
	char *bounce_action;      /* for a delivery report: the recipient's Action (failed,
	                             delayed, delivered, relayed, expanded), lower case; NULL
	                             when the bounce names none */
	char *auto_return_date;   /* for an out-of-office: a return date if one is stated (as
	                             written, e.g. "Monday 7 December"), or NULL */
} ChMessage;

ChMessage *ch_message_parse(const guint8 *data, gsize len, const ChParseOptions *opts,
                            GError **error);
/* The same, for bytes whose fingerprint (ch_message_fingerprint) the caller has already. */
ChMessage *ch_message_parse_known(const guint8 *data, gsize len, const char *fingerprint,
                                  const ChParseOptions *opts, GError **error);
/* The same, for a message whose bytes are also the file at path (intake's raw copy): the
 * bounds and the fingerprint are read from data, which is not copied; GMime parses the file
 * through a stream on it, so that a part's content is a window on the file rather than a
 * copy in memory; and attachments are not decoded into memory (data NULL, size counted by
 * decoding into nothing): ch_attachment_write() decodes one straight into a file. So the
 * memory the parse adds is GMime's tree (bounded by max_parts) and the text parts, not the
 * attachments. A file that cannot be opened fails with CH_ERROR_TEMPORARY. fingerprint:
 * ch_message_fingerprint() of data when the caller has it already (intake), else NULL. */
ChMessage *ch_message_parse_file(const guint8 *data, gsize len, const char *path,
                                 const char *fingerprint, const ChParseOptions *opts,
                                 GError **error);
/* The same for a message fetched in pieces into the file at path: map is a mapping of all of
 * it (ch_mapped_open), and each pass over the bytes before the parse gives back the pages it
 * has read (mapped.h), so the message costs a few MB of memory however large it is. */
ChMessage *ch_message_parse_mapped(const guint8 *map, gsize len, const char *path,
                                   const char *fingerprint, const ChParseOptions *opts,
                                   GError **error);
/* The body's text alone (ChMessage.body_text: the plain part, or the HTML's text), for a
 * mail of our own whose lines a reply quotes: none of the rest of the parse, and not its
 * bounds, which our own mail is within. "" when it has none (g_free). */
char *ch_message_body_text(const guint8 *data, gsize len);
/* The lower-case hex SHA-256 of data (the fingerprint); mapped: data is a mapping whose pages
 * are given back as it is read (mapped.h), or NULL. */
void ch_message_fingerprint(const guint8 *data, gsize len, const guint8 *mapped, char out[65]);
/* Writes a's decoded content to fd (through GMime's decoder, a few KB at a time, when it is
 * not in memory; fd then open for reading too) and its lower-case hex SHA-256 to sha, of the
 * bytes in memory or read back from fd. FALSE with CH_ERROR_TEMPORARY when the write fails (a
 * full disk) or fewer bytes came than counted. */
gboolean ch_attachment_write(const ChAttachment *a, int fd, char sha[65], GError **error);
/* a's decoded content in memory (a new reference: g_bytes_unref), decoded now when it was
 * left in the file; for a reader that needs the whole of it (an administrator's list). */
GBytes *ch_attachment_bytes(const ChAttachment *a);

/* Which attachment is the report an agency sent, by disposition and type: never an inline or
 * referenced picture, a signature (.p7s, S/MIME, PGP), a vCard, a calendar entry or Outlook's
 * winmail.dat; a document (PDF, Word, ODT, RTF, text) sent as an attachment first, then any
 * document, then anything attached, then the rest. The index in m->attachments, or -1 when
 * none can be the report. */
int ch_message_report_attachment(const ChMessage *m);
void ch_message_free(ChMessage *m);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(ChMessage, ch_message_free)

/* The first return date stated in an out-of-office text ("back on Monday 7 December",
 * "returning 7th December", "until 07/12/2026"), as written, newly allocated; or NULL.
 * Best effort: ch_message_parse() uses it to fill auto_return_date. */
char *ch_message_find_return_date(const char *text);
