/* The MIME tree as the rest of src/message/ sees it: the one walk over it, and a part's
 * decoded content. Below message.c and message-class.c, which both use it; it uses neither. */
#include "message/message-private.h"

static gboolean walk(GMimeObject *o, const ChMimePlace *at, ChMimeVisit visit, gpointer data,
                     gboolean *skip_rest)
{
	switch (visit(o, at, data)) {
	case CH_MIME_STOP:
		return FALSE;
	case CH_MIME_SKIP_REST:
		*skip_rest = TRUE;
		return TRUE;
	case CH_MIME_SKIP:
		return TRUE;
	case CH_MIME_DESCEND:
		break;
	}
	if (GMIME_IS_MULTIPART(o)) {
		GMimeMultipart *mp = GMIME_MULTIPART(o);
		int count = g_mime_multipart_get_count(mp);
		gboolean rest = FALSE;
		for (int i = 0; i < count && !rest; i++) {
			ChMimePlace child = { o, (guint)i, at->depth + 1 };
			if (!walk(g_mime_multipart_get_part(mp, i), &child, visit, data, &rest))
				return FALSE;
		}
	} else if (GMIME_IS_MESSAGE_PART(o)) {
		GMimeMessage *inner = g_mime_message_part_get_message(GMIME_MESSAGE_PART(o));
		GMimeObject *body = inner ? g_mime_message_get_mime_part(inner) : NULL;
		ChMimePlace child = { o, 0, at->depth + 1 };
		gboolean rest = FALSE;
		if (body && !walk(body, &child, visit, data, &rest))
			return FALSE;
	}
	return TRUE;
}

void ch_mime_walk(GMimeMessage *msg, ChMimeVisit visit, gpointer data)
{
	GMimeObject *top = msg ? g_mime_message_get_mime_part(msg) : NULL;
	ChMimePlace at = { NULL, 0, 1 };
	gboolean rest = FALSE;
	if (top)
		walk(top, &at, visit, data, &rest);
}

GByteArray *ch_part_bytes(GMimePart *part)
{
	GByteArray *ba = g_byte_array_new();
	GMimeDataWrapper *content = g_mime_part_get_content(part);
	if (!content)
		return ba;
	GMimeStream *out = g_mime_stream_mem_new_with_byte_array(ba);
	g_mime_stream_mem_set_owner(GMIME_STREAM_MEM(out), FALSE);
	g_mime_data_wrapper_write_to_stream(content, out); /* undoes base64 / QP */
	g_object_unref(out);
	return ba;
}

char *ch_part_text(GMimePart *part)
{
	GByteArray *ba = ch_part_bytes(part);
	const char *charset = g_mime_object_get_content_type_parameter(GMIME_OBJECT(part), "charset");
	char *text = ch_text_from_bytes(ba->data, ba->len, charset);
	g_byte_array_unref(ba);
	return text;
}
