#include "outbound/render.h"

#include <gmime/gmime.h>
#include <string.h>

#include "app/config.h"
#include "util/error.h"
#include "util/header.h"

static gboolean substitute(const char *tpl, GHashTable *vars, const char *name,
                           gboolean subject, GString *out, GError **error)
{
	const char *p = tpl;
	while (*p) {
		const char *open = strstr(p, "{{");
		if (!open) {
			g_string_append(out, p);
			break;
		}
		g_string_append_len(out, p, open - p);
		const char *close = strstr(open + 2, "}}");
		if (!close) {
			g_set_error(error, CH_ERROR, CH_ERROR_CONFIG, "template %s: '{{' without '}}'", name);
			return FALSE;
		}
		g_autofree char *var = g_strstrip(g_strndup(open + 2, close - open - 2));
		if (subject && strcmp(var, "ref")) {
			g_set_error(error, CH_ERROR, CH_ERROR_CONFIG,
			            "template %s: a subject may only use {{ref}}, not {{%s}}", name, var);
			return FALSE;
		}
		const char *v = g_hash_table_lookup(vars, var);
		if (!v) {
			g_set_error(error, CH_ERROR, CH_ERROR_CONFIG,
			            "template %s uses {{%s}}, which this message does not have", name, var);
			return FALSE;
		}
		g_string_append(out, v);
		p = close + 2;
	}
	return TRUE;
}

gboolean ch_render(const char *const *templates_path, const char *name, GHashTable *vars,
                   char **subject_r, char **body_r, GError **error)
{
	g_autofree char *file = g_strdup_printf("%s.txt", name);
	g_autofree char *path = ch_config_find(templates_path, file);
	if (!path) {
		g_set_error(error, CH_ERROR, CH_ERROR_CONFIG, "template %s is in no templates folder",
		            file);
		return FALSE;
	}
	g_autofree char *text = NULL;
	GError *local = NULL;
	if (!g_file_get_contents(path, &text, NULL, &local)) {
		g_set_error(error, CH_ERROR, CH_ERROR_CONFIG, "template %s: %s", path, local->message);
		g_error_free(local);
		return FALSE;
	}
	/* Lines starting with '#' before the subject are notes for whoever edits the file. */
	const char *p = text;
	while (*p == '#') {
		const char *nl = strchr(p, '\n');
		p = nl ? nl + 1 : p + strlen(p);
	}
	const char *nl = strchr(p, '\n');
	if (strncmp(p, "Subject:", 8) || !nl) {
		g_set_error(error, CH_ERROR, CH_ERROR_CONFIG,
		            "template %s must start with a Subject: line", path);
		return FALSE;
	}
	g_autofree char *subject_tpl = g_strstrip(g_strndup(p + 8, nl - p - 8));
	const char *body_tpl = nl + 1;
	if (*body_tpl == '\n')
		body_tpl++;
	g_autoptr(GString) subject = g_string_new(NULL);
	g_autoptr(GString) body = g_string_new(NULL);
	if (!substitute(subject_tpl, vars, path, TRUE, subject, error) ||
	    !substitute(body_tpl, vars, path, FALSE, body, error))
		return FALSE;
	*subject_r = g_strdup(subject->str);
	*body_r = g_strdup(body->str);
	return TRUE;
}

/* A template name: lower-case letters, digits and '_', as the files in templates/ are. */
static gboolean kind_valid(const char *kind)
{
	if (!kind || !*kind || strlen(kind) > 64)
		return FALSE;
	for (const char *p = kind; *p; p++)
		if (!g_ascii_islower(*p) && !g_ascii_isdigit(*p) && *p != '_')
			return FALSE;
	return TRUE;
}

static gboolean refuse(GError **error, const char *what)
{
	g_set_error(error, CH_ERROR, CH_ERROR_INPUT, "mail not built: %s is not safe to write", what);
	return FALSE;
}

/* This is the one place where chaser writes a mail header, and each value in it is rebuilt
 * from its checked parts (util/header.h): ids and addresses that do not survive the check are
 * refused or left out, names and subjects lose their control characters and are encoded by
 * GMime. Nothing is ever set from a raw string, so no CR LF from a stranger's mail can start
 * a header line of its own. */
/* One file as a base64 attachment part; the caller unrefs it once added. Only
 * our own files come here (the partnership report), so the name is ours too. */
static GMimeObject *attachment_part(const ChMailPart *p)
{
	g_autofree char *type = g_strdup(p->content_type);
	char *slash = strchr(type, '/');
	if (slash)
		*slash++ = '\0';
	GMimePart *part = g_mime_part_new_with_type(type, slash ? slash : "octet-stream");
	gsize len = 0;
	const void *data = g_bytes_get_data(p->data, &len);
	GMimeStream *st = g_mime_stream_mem_new_with_buffer(data, len);
	GMimeDataWrapper *w = g_mime_data_wrapper_new_with_stream(st, GMIME_CONTENT_ENCODING_DEFAULT);
	g_mime_part_set_content(part, w);
	g_object_unref(w);
	g_object_unref(st);
	g_mime_part_set_content_encoding(part, GMIME_CONTENT_ENCODING_BASE64);
	g_mime_part_set_filename(part, p->filename);
	return GMIME_OBJECT(part);
}

GBytes *ch_mail_build(const ChMail *m, GError **error)
{
	g_autofree char *from_addr = ch_header_addr(m->from_addr);
	g_autofree char *to_addr = ch_header_addr(m->to_addr);
	g_autofree char *reply_to = m->reply_to ? ch_header_addr(m->reply_to) : NULL;
	g_autofree char *msgid = ch_header_msgid(m->message_id);
	if (!from_addr && !refuse(error, "the From address"))
		return NULL;
	if (!to_addr && !refuse(error, "the recipient's address"))
		return NULL;
	if (m->reply_to && !reply_to && !refuse(error, "the Reply-To address"))
		return NULL;
	if (!msgid && !refuse(error, "the Message-ID"))
		return NULL;
	if (!kind_valid(m->kind) && !refuse(error, "the message kind"))
		return NULL;
	g_autofree char *from_name = ch_header_name(m->from_name);
	g_autofree char *to_name = ch_header_name(m->to_name);
	g_autofree char *subject = ch_header_text(m->subject);
	/* An id we answer that is not a plain msg-id is left out: the answer loses its thread in
	 * the reader's mail client, which is better than carrying a stranger's header lines. */
	g_autofree char *irt = m->in_reply_to ? ch_header_msgid(m->in_reply_to) : NULL;

	GMimeMessage *msg = g_mime_message_new(TRUE);
	GMimeObject *obj = GMIME_OBJECT(msg);
	g_mime_message_add_mailbox(msg, GMIME_ADDRESS_TYPE_FROM, from_name, from_addr);
	g_mime_message_add_mailbox(msg, GMIME_ADDRESS_TYPE_TO, to_name, to_addr);
	if (reply_to)
		g_mime_message_add_mailbox(msg, GMIME_ADDRESS_TYPE_REPLY_TO, from_name, reply_to);
	g_mime_message_set_subject(msg, subject ? subject : "", "utf-8");
	g_mime_message_set_date(msg, m->date);
	g_mime_message_set_message_id(msg, msgid);
	if (irt) {
		g_autofree char *value = g_strdup_printf("<%s>", irt);
		g_mime_object_set_header(obj, "In-Reply-To", value, NULL);
		g_mime_object_set_header(obj, "References", value, NULL);
	}
	/* We are a machine: say so (RFC 3834), and ask Exchange not to answer with its own
	 * automatic replies, so two robots can never talk to each other. */
	g_mime_object_set_header(obj, "Auto-Submitted", "auto-generated", NULL);
	g_mime_object_set_header(obj, "X-Auto-Response-Suppress", "All", NULL);
	g_mime_object_set_header(obj, "X-Chaser-Outbox", m->kind, NULL);
	GMimeTextPart *tp = g_mime_text_part_new_with_subtype("plain");
	g_mime_text_part_set_text(tp, m->body ? m->body : "");
	if (m->attachments && m->attachments->len) {
		GMimeMultipart *mixed = g_mime_multipart_new_with_subtype("mixed");
		g_mime_multipart_add(mixed, GMIME_OBJECT(tp));
		for (guint k = 0; k < m->attachments->len; k++) {
			GMimeObject *part = attachment_part(m->attachments->pdata[k]);
			g_mime_multipart_add(mixed, part);
			g_object_unref(part);
		}
		g_mime_message_set_mime_part(msg, GMIME_OBJECT(mixed));
		g_object_unref(mixed);
	} else {
		g_mime_message_set_mime_part(msg, GMIME_OBJECT(tp));
	}
	g_object_unref(tp);
	g_mime_object_encode(obj, GMIME_ENCODING_CONSTRAINT_7BIT);
	GMimeFormatOptions *fo = g_mime_format_options_new();
	g_mime_format_options_set_newline_format(fo, GMIME_NEWLINE_FORMAT_DOS);
	char *wire = g_mime_object_to_string(obj, fo);
	g_mime_format_options_free(fo);
	g_object_unref(msg);
	return g_bytes_new_take(wire, strlen(wire));
}
