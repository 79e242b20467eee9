/* message: raw bytes -> ChMessage, with GMime doing the MIME and this file doing the bounds.
 *
 * The steps, each of which may refuse the message with CH_ERROR_INPUT:
 *   1. cheap checks on the raw bytes (size, longest line, fields in the top header block),
 *      then the MIME shape followed over the same bytes (parts, depth, fields per block),
 *      all before GMime allocates anything for them;
 *   2. GMime parses; we survey the tree (depth, leaves, fields per header block);
 *   3. headers -> fields, the body -> body_text and reply_text, leaves -> attachments;
 *   4. message-class.c decides the class.
 * GMime itself stops nesting at 1024 multipart levels and 512 embedded messages (verified),
 * so the recursive walks here are bounded before the depth limit is even checked.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>
#include <gnutls/crypto.h>

#include "message/message-private.h"
#include "message/reply.h"
#include "util/durable.h"
#include "util/error.h"
#include "util/mapped.h"

/* Filenames are capped at this many bytes (on a UTF-8 character boundary). */
#define FILENAME_MAX_BYTES 200

void ch_parse_options_init(ChParseOptions *o)
{
	*o = (ChParseOptions){
		.max_size = 40 * 1024 * 1024,
		.max_headers = 1000,
		/* RFC 5322 says 998, but HTML from some senders arrives as one long 8-bit line. */
		.max_line = 1024 * 1024,
		.max_depth = 20,
		.max_parts = 500,
		.max_fields = 10000,
		.max_attachment = 25 * 1024 * 1024,
		.max_attachments = 100,
		.own_address = NULL,
	};
}

static void attachment_free(gpointer p)
{
	ChAttachment *a = p;
	if (!a)
		return;
	g_free(a->filename);
	g_free(a->content_type);
	g_free(a->disposition);
	if (a->data)
		g_bytes_unref(a->data);
	if (a->part)
		g_object_unref(a->part);
	g_free(a);
}

void ch_message_free(ChMessage *m)
{
	if (!m)
		return;
	g_free(m->from_addr);
	g_free(m->from_name);
	g_free(m->reply_to_addr);
	g_free(m->return_path);
	g_ptr_array_unref(m->rcpt_addrs);
	g_free(m->subject);
	g_free(m->message_id);
	g_free(m->in_reply_to);
	g_ptr_array_unref(m->references);
	if (m->date)
		g_date_time_unref(m->date);
	g_ptr_array_unref(m->auth_results);
	g_free(m->body_text);
	g_free(m->reply_text);
	g_ptr_array_unref(m->attachments);
	g_free(m->class_reason);
	g_free(m->bounced_message_id);
	g_free(m->bounced_rcpt);
	g_free(m->bounce_status);
	g_free(m->bounce_action);
	g_free(m->auto_return_date);
	g_free(m);
}

static gboolean refuse(GError **error, const char *fmt, ...) G_GNUC_PRINTF(2, 3);
static gboolean refuse(GError **error, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *reason = g_strdup_vprintf(fmt, ap);
	va_end(ap);
	g_set_error_literal(error, CH_ERROR, CH_ERROR_INPUT, reason);
	g_free(reason);
	return FALSE;
}

/* ---- 1. raw checks ---- */

static gboolean check_raw(const guint8 *data, gsize len, const ChParseOptions *o,
                          const guint8 *mapped, GError **error)
{
	ChMappedPass pass = { mapped, 0 };
	if (len > o->max_size)
		return refuse(error, "message is %" G_GSIZE_FORMAT " bytes, limit %" G_GSIZE_FORMAT,
		              len, o->max_size);

	gsize longest = 0;
	guint fields = 0;
	gboolean in_header = TRUE;
	for (gsize start = 0; start < len;) {
		const guint8 *nl = memchr(data + start, '\n', len - start);
		gsize end = nl ? (gsize)(nl - data) : len;
		gsize line = end - start;
		if (line > longest)
			longest = line;
		if (in_header) {
			gboolean blank = line == 0 || (line == 1 && data[start] == '\r');
			if (blank)
				in_header = FALSE;
			else if (data[start] != ' ' && data[start] != '\t')
				fields++;
		}
		start = end + 1;
		ch_mapped_release(&pass, start);
	}
	ch_mapped_release_all(&pass, len);
	if (longest > o->max_line)
		return refuse(error, "message has a line of %" G_GSIZE_FORMAT " bytes, limit %"
		              G_GSIZE_FORMAT, longest, o->max_line);
	if (fields > o->max_headers)
		return refuse(error, "message has %u header fields, limit %u", fields, o->max_headers);
	return TRUE;
}

/* ---- 1b. the shape, followed over the raw bytes ----
 *
 * GMime builds its whole tree before anything can count it, and a tree costs far more than
 * the bytes that describe it: an empty part ("--b" and a blank line, 5 bytes) is some 800
 * bytes of objects, so 40 MB of them took 6 GB and half a minute. So the parts are counted
 * first, over the raw bytes, following the boundaries the way GMime's parser does (3.2,
 * gmime-parser.c): a stack of open multipart boundaries, the innermost tried first, and a
 * parent's boundary closing every level inside it; a line is a boundary when it is
 * "--" boundary (then "--" for the last) and nothing but blanks after; a header block ends
 * at a blank line, a boundary or the end; the last Content-Type of a block decides, with
 * GMime's own parser for its value; a message/rfc822 part that is not transfer-encoded holds
 * a message whose headers follow; parts of multipart/digest are message/rfc822 by default.
 * It counts leaves and levels as check_structure() does, and containers (multiparts, message
 * parts) too, which GMime's tree pays for as well. What it keeps is bounded whatever the
 * input (at most SHAPE_LEVELS_MAX boundaries of at most SHAPE_BOUNDARY_MAX bytes, one field
 * value), and so is its work: once a bound is passed it reads SHAPE_TAIL bytes more, so that
 * a message a little over names its real figures and one far over "at least" these, and it
 * stops at SHAPE_LEVELS_MAX levels or SHAPE_PARTS_FACTOR times the part limit (each part
 * costs a Content-Type parse, each level a comparison on every "--" line). Where it
 * and GMime could differ it counts more (a part GMime drops), and check_structure() counts
 * GMime's tree again afterwards.
 *
 * Chosen over the two other ways: the parse in a child process under a memory limit costs a
 * fork and a pipe per message and would send the whole ChMessage (attachments and all) back
 * through it, for a bound that this scan gives at memchr speed (about 20 ms for 40 MB);
 * and GMime 3.2's one parser callback (a header regex) sees no part without headers and
 * cannot stop the parse. */

/* Longer than any real Content-Type or Content-Transfer-Encoding value, or boundary (RFC 2046
 * allows 70 characters): refused rather than read differently from GMime. */
#define SHAPE_FIELD_MAX (64 * 1024)
#define SHAPE_BOUNDARY_MAX 200
#define SHAPE_LEVELS_MAX 128
#define SHAPE_PARTS_FACTOR 10
#define SHAPE_TAIL (1024 * 1024)

typedef struct {
	char *delim;      /* "--" boundary, or NULL for the level of a nested message */
	gsize len;
	guint depth;      /* the depth of the entities directly inside */
	gboolean digest;  /* multipart/digest: its parts default to message/rfc822 */
} ShapeLevel;

typedef struct {
	const ChParseOptions *o;
	GMimeParserOptions *po;
	GArray *stack;      /* of ShapeLevel, outermost first */
	guint leaves, containers, depth, fields_block, fields_total;
	GError **error;
	gboolean refused;
	/* the header block being read */
	gboolean in_headers;
	guint block_depth;
	gboolean block_digest;  /* its entity sits directly in a multipart/digest */
	guint block_lines;
	guint block_fields;
	GString *ctype, *cte;
	gboolean have_cte;
	GString *field;         /* the value being read (ctype or cte), or NULL */
} Shape;

static void shape_level_clear(gpointer p)
{
	g_free(((ShapeLevel *)p)->delim);
}

static gboolean only_blanks(const guint8 *p, gsize n)
{
	for (gsize i = 0; i < n; i++)
		if (p[i] != ' ' && p[i] != '\t' && p[i] != '\r')
			return FALSE;
	return TRUE;
}

/* The level whose boundary this line is (its index), or -1; *end for a closing one. */
static int shape_boundary(Shape *s, const guint8 *line, gsize len, gboolean *end)
{
	if (len < 2 || line[0] != '-' || line[1] != '-')
		return -1;
	for (guint k = s->stack->len; k > 0; k--) {
		ShapeLevel *l = &g_array_index(s->stack, ShapeLevel, k - 1);
		if (!l->delim || len < l->len || memcmp(line, l->delim, l->len) != 0)
			continue;
		const guint8 *rest = line + l->len;
		gsize n = len - l->len;
		if (n >= 2 && rest[0] == '-' && rest[1] == '-' && only_blanks(rest + 2, n - 2)) {
			*end = TRUE;
			return (int)k - 1;
		}
		if (only_blanks(rest, n)) {
			*end = FALSE;
			return (int)k - 1;
		}
	}
	return -1;
}

static void shape_start_block(Shape *s, guint depth, gboolean digest)
{
	s->in_headers = TRUE;
	s->block_depth = depth;
	s->block_digest = digest;
	s->block_lines = 0;
	s->block_fields = 0;
	g_string_truncate(s->ctype, 0);
	g_string_truncate(s->cte, 0);
	s->have_cte = FALSE;
	s->field = NULL;
}

static void shape_refuse(Shape *s, const char *fmt, ...) G_GNUC_PRINTF(2, 3);
static void shape_refuse(Shape *s, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *reason = g_strdup_vprintf(fmt, ap);
	va_end(ap);
	g_set_error_literal(s->error, CH_ERROR, CH_ERROR_INPUT, reason);
	g_free(reason);
	s->refused = TRUE;
}

static gboolean is_rfc822_subtype(const char *sub)
{
	return sub && (!g_ascii_strcasecmp(sub, "rfc822") || !g_ascii_strcasecmp(sub, "rfc2822") ||
	               !g_ascii_strcasecmp(sub, "global") || !g_ascii_strcasecmp(sub, "news"));
}

/* The header block is over: count its entity and open what it contains. has_content is
 * FALSE when a boundary or the end of the message closed it. */
static void shape_end_block(Shape *s, gboolean has_content)
{
	s->in_headers = FALSE;
	s->field = NULL;
	if (s->block_fields > s->fields_block)
		s->fields_block = s->block_fields;
	/* GMime makes no part of a boundary followed at once by another, or by the end. */
	if (!has_content && s->block_lines == 0)
		return;
	if (s->block_depth > s->depth)
		s->depth = s->block_depth;
	if (s->depth > SHAPE_LEVELS_MAX && s->depth > s->o->max_depth) {
		shape_refuse(s, "message has more than %u MIME levels, limit %u", SHAPE_LEVELS_MAX,
		             s->o->max_depth);
		return;
	}
	guint most = SHAPE_PARTS_FACTOR * MAX(s->o->max_parts, 1);
	if (s->leaves + s->containers >= most) {
		shape_refuse(s, "message has more than %u MIME parts, limit %u", most, s->o->max_parts);
		return;
	}
	const char *type = s->block_digest ? "message" : "text";
	const char *sub = s->block_digest ? "rfc822" : "plain";
	GMimeContentType *ct = NULL;
	if (s->ctype->len) {
		char *value = g_mime_utils_header_unfold(s->ctype->str);
		ct = g_mime_content_type_parse(s->po, g_strstrip(value));
		g_free(value);
		if (ct && g_mime_content_type_get_media_type(ct) &&
		    g_mime_content_type_get_media_subtype(ct)) {
			type = g_mime_content_type_get_media_type(ct);
			sub = g_mime_content_type_get_media_subtype(ct);
		}
	}
	gboolean room = s->stack->len < SHAPE_LEVELS_MAX;
	if (!g_ascii_strcasecmp(type, "multipart")) {
		s->containers++;
		const char *b = ct ? g_mime_content_type_get_parameter(ct, "boundary") : NULL;
		if (b && strlen(b) > SHAPE_BOUNDARY_MAX)
			shape_refuse(s, "message has a MIME boundary of %" G_GSIZE_FORMAT " bytes, limit %u",
			             strlen(b), SHAPE_BOUNDARY_MAX);
		/* Without a boundary GMime reads the whole body as the multipart's prologue. */
		else if (b && *b && has_content && room) {
			ShapeLevel l = { g_strdup_printf("--%s", b), 0, s->block_depth + 1,
			                 !g_ascii_strcasecmp(sub, "digest") };
			l.len = strlen(l.delim);
			g_array_append_val(s->stack, l);
		}
	} else if (!g_ascii_strcasecmp(type, "message") && is_rfc822_subtype(sub)) {
		s->containers++;
		GMimeContentEncoding enc = s->have_cte
			? g_mime_content_encoding_from_string(g_strstrip(s->cte->str))
			: GMIME_CONTENT_ENCODING_DEFAULT;
		if (has_content && room && enc != GMIME_CONTENT_ENCODING_BASE64 &&
		    enc != GMIME_CONTENT_ENCODING_QUOTEDPRINTABLE &&
		    enc != GMIME_CONTENT_ENCODING_UUENCODE) {
			ShapeLevel l = { NULL, 0, s->block_depth + 1, FALSE };
			g_array_append_val(s->stack, l);
			shape_start_block(s, s->block_depth + 1, FALSE);
		}
	} else {
		s->leaves++;
	}
	if (ct)
		g_object_unref(ct);
}

static void shape_header_line(Shape *s, const guint8 *line, gsize len)
{
	s->block_lines++;
	if (line[0] == ' ' || line[0] == '\t') {
		if (s->field) {
			if (s->field->len + len > SHAPE_FIELD_MAX) {
				shape_refuse(s, "message has a MIME header field over %u bytes",
				             SHAPE_FIELD_MAX);
				return;
			}
			g_string_append_c(s->field, '\n');
			g_string_append_len(s->field, (const char *)line, (gssize)len);
		}
		return;
	}
	s->field = NULL;
	s->block_fields++;
	s->fields_total++;
	const guint8 *colon = memchr(line, ':', len);
	if (!colon)
		return;
	gsize n = (gsize)(colon - line);
	while (n > 0 && (line[n - 1] == ' ' || line[n - 1] == '\t'))
		n--;
	GString *into = NULL;
	if (n == 12 && !g_ascii_strncasecmp((const char *)line, "Content-Type", 12)) {
		into = s->ctype;  /* the last one counts, as in GMime */
	} else if (n == 25 && !s->have_cte &&
	           !g_ascii_strncasecmp((const char *)line, "Content-Transfer-Encoding", 25)) {
		into = s->cte;    /* the first one counts, as in GMime */
		s->have_cte = TRUE;
	}
	if (!into)
		return;
	gsize vlen = len - (gsize)(colon + 1 - line);
	if (vlen > SHAPE_FIELD_MAX) {
		shape_refuse(s, "message has a MIME header field over %u bytes", SHAPE_FIELD_MAX);
		return;
	}
	g_string_truncate(into, 0);
	g_string_append_len(into, (const char *)colon + 1, (gssize)vlen);
	s->field = into;
}

static void shape_line(Shape *s, const guint8 *line, gsize len)
{
	if (len > 0 && line[len - 1] == '\r')
		len--;
	gboolean end = FALSE;
	int k = shape_boundary(s, line, len, &end);
	if (s->in_headers) {
		if (len == 0) {
			shape_end_block(s, TRUE);
			return;
		}
		if (k < 0) {
			shape_header_line(s, line, len);
			return;
		}
		shape_end_block(s, FALSE);
		if (s->refused)
			return;
		/* The block may have opened a level; the boundary is looked up again. */
		k = shape_boundary(s, line, len, &end);
	}
	if (k < 0)
		return;
	ShapeLevel *l = &g_array_index(s->stack, ShapeLevel, k);
	guint depth = l->depth;
	gboolean digest = l->digest;
	g_array_set_size(s->stack, (guint)k + (end ? 0 : 1));
	if (!end)
		shape_start_block(s, depth, digest);
}

static gboolean check_shape(const guint8 *data, gsize len, const ChParseOptions *o,
                            GMimeParserOptions *po, const guint8 *mapped, GError **error)
{
	ChMappedPass pass = { mapped, 0 }; /* shape_line() copies what it keeps of a line */
	Shape s = { .o = o, .po = po, .error = error };
	s.stack = g_array_new(FALSE, TRUE, sizeof(ShapeLevel));
	g_array_set_clear_func(s.stack, shape_level_clear);
	s.ctype = g_string_new(NULL);
	s.cte = g_string_new(NULL);
	shape_start_block(&s, 1, FALSE);
	gsize crossed = 0;     /* where a bound was first passed, 0 while none is */
	gboolean cut = FALSE;  /* stopped before the end: the figures are lower bounds */
	for (gsize start = 0; start < len && !s.refused;) {
		const guint8 *nl = memchr(data + start, '\n', len - start);
		gsize end = nl ? (gsize)(nl - data) : len;
		/* Outside a header block only a line starting "--" can matter. */
		if (s.in_headers || (end - start >= 2 && data[start] == '-' && data[start + 1] == '-'))
			shape_line(&s, data + start, end - start);
		start = end + 1;
		ch_mapped_release(&pass, start);
		if (!crossed && (s.depth > o->max_depth || s.leaves > o->max_parts ||
		                 s.containers > o->max_parts || s.block_fields > o->max_headers ||
		                 s.fields_block > o->max_headers || s.fields_total > o->max_fields))
			crossed = start;
		/* Refused already: a little more is read for the figures, not 40 MB. */
		if (crossed && start - crossed > SHAPE_TAIL && start < len) {
			cut = TRUE;
			break;
		}
	}
	ch_mapped_release_all(&pass, len);
	if (!s.refused && !cut && s.in_headers)
		shape_end_block(&s, FALSE);
	if (s.block_fields > s.fields_block)
		s.fields_block = s.block_fields;
	/* In check_structure()'s order and words, with the figures it would find. */
	const char *has = cut ? "has at least" : "has";
	if (s.refused)
		;
	else if (s.depth > o->max_depth)
		shape_refuse(&s, "message %s %u MIME levels, limit %u", has, s.depth, o->max_depth);
	else if (s.leaves > o->max_parts)
		shape_refuse(&s, "message %s %u MIME parts, limit %u", has, s.leaves, o->max_parts);
	else if (s.containers > o->max_parts)
		shape_refuse(&s, "message %s %u multiparts and attached messages, limit %u", has,
		             s.containers, o->max_parts);
	else if (s.fields_block > o->max_headers)
		shape_refuse(&s, "message %s %u header fields in one part, limit %u", has,
		             s.fields_block, o->max_headers);
	else if (s.fields_total > o->max_fields)
		shape_refuse(&s, "message %s %u header fields in all, limit %u", has, s.fields_total,
		             o->max_fields);
	g_array_unref(s.stack);
	g_string_free(s.ctype, TRUE);
	g_string_free(s.cte, TRUE);
	return !s.refused;
}

/* ---- 2. parse and survey ---- */

static GMimeParserOptions *parser_options(void)
{
	GMimeParserOptions *po = g_mime_parser_options_new();
	g_mime_parser_options_set_rfc2047_compliance_mode(po, GMIME_RFC_COMPLIANCE_LOOSE);
	g_mime_parser_options_set_address_compliance_mode(po, GMIME_RFC_COMPLIANCE_LOOSE);
	g_mime_parser_options_set_parameter_compliance_mode(po, GMIME_RFC_COMPLIANCE_LOOSE);
	/* Headers only: the body's charset is handled in text.c. */
	const char *fallback[] = { "utf-8", "windows-1252", NULL };
	g_mime_parser_options_set_fallback_charsets(po, fallback);
	return po;
}

static GMimeMessage *parse_mime(const guint8 *data, gsize len, GMimeParserOptions *po)
{
	GMimeStream *stream = g_mime_stream_mem_new_with_buffer((const char *)data, len);
	GMimeParser *parser = g_mime_parser_new_with_stream(stream);
	g_object_unref(stream);
	GMimeMessage *msg = g_mime_parser_construct_message(parser, po);
	g_object_unref(parser);
	return msg;
}

/* From the file: GMime's stream on it is seekable, and with the parser's persistent stream
 * (its default, said here because the memory depends on it) each part's content is a
 * substream of the file, read when decoded, instead of bytes copied during the parse. */
static GMimeMessage *parse_mime_file(const char *path, GMimeParserOptions *po,
                                     GError **error)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		g_set_error(error, CH_ERROR, CH_ERROR_TEMPORARY, "cannot read %s: %s", path,
		            g_strerror(errno));
		return NULL;
	}
	GMimeStream *stream = g_mime_stream_fs_new(fd); /* owns fd */
	GMimeParser *parser = g_mime_parser_new_with_stream(stream);
	g_object_unref(stream);
	g_mime_parser_set_persist_stream(parser, TRUE);
	GMimeMessage *msg = g_mime_parser_construct_message(parser, po);
	g_object_unref(parser);
	return msg;
}

typedef struct {
	guint depth;   /* deepest level seen; the message's own body is level 1 */
	guint leaves;
	guint fields;  /* most fields in one header block */
} Survey;

static void count_fields(GMimeObject *o, Survey *s)
{
	GMimeHeaderList *list = g_mime_object_get_header_list(o);
	int n = list ? g_mime_header_list_get_count(list) : 0;
	if (n > 0 && (guint)n > s->fields)
		s->fields = (guint)n;
}

/* Each node's depth and header fields; a leaf is a part, or an attached message with no
 * body of its own. */
static ChMimeStep on_survey(GMimeObject *o, const ChMimePlace *at, gpointer data)
{
	Survey *s = data;
	if (at->depth > s->depth)
		s->depth = at->depth;
	count_fields(o, s);
	if (GMIME_IS_MESSAGE_PART(o)) {
		GMimeMessage *inner = g_mime_message_part_get_message(GMIME_MESSAGE_PART(o));
		if (inner)
			count_fields(GMIME_OBJECT(inner), s);
		if (!inner || !g_mime_message_get_mime_part(inner))
			s->leaves++;
	} else if (!GMIME_IS_MULTIPART(o)) {
		s->leaves++;
	}
	return CH_MIME_DESCEND;
}

static gboolean check_structure(GMimeMessage *msg, const ChParseOptions *o, GError **error)
{
	Survey s = { 0 };
	count_fields(GMIME_OBJECT(msg), &s);
	ch_mime_walk(msg, on_survey, &s);
	if (s.depth > o->max_depth)
		return refuse(error, "message has %u MIME levels, limit %u", s.depth, o->max_depth);
	if (s.leaves > o->max_parts)
		return refuse(error, "message has %u MIME parts, limit %u", s.leaves, o->max_parts);
	if (s.fields > o->max_headers)
		return refuse(error, "message has %u header fields in one part, limit %u", s.fields,
		              o->max_headers);
	return TRUE;
}

/* ---- 3a. header fields ---- */

static char *lower_valid(const char *s)
{
	if (!s || !*s)
		return NULL;
	char *valid = ch_text_dup_valid(s);
	char *low = g_utf8_strdown(valid, -1);
	g_free(valid);
	return low;
}

/* The first mailbox of a list, looking inside a group ("Team: a@x, b@x;") if need be. */
static InternetAddressMailbox *first_mailbox(InternetAddressList *list)
{
	int n = list ? internet_address_list_length(list) : 0;
	for (int i = 0; i < n; i++) {
		InternetAddress *a = internet_address_list_get_address(list, i);
		if (INTERNET_ADDRESS_IS_MAILBOX(a))
			return INTERNET_ADDRESS_MAILBOX(a);
		if (INTERNET_ADDRESS_IS_GROUP(a)) {
			InternetAddressList *members =
				internet_address_group_get_members(INTERNET_ADDRESS_GROUP(a));
			int m = members ? internet_address_list_length(members) : 0;
			for (int j = 0; j < m; j++) {
				InternetAddress *b = internet_address_list_get_address(members, j);
				if (INTERNET_ADDRESS_IS_MAILBOX(b))
					return INTERNET_ADDRESS_MAILBOX(b);
			}
		}
	}
	return NULL;
}

static void add_address(GPtrArray *out, const char *addr)
{
	char *low = lower_valid(addr);
	if (!low)
		return;
	for (guint i = 0; i < out->len; i++) {
		if (strcmp(g_ptr_array_index(out, i), low) == 0) {
			g_free(low);
			return;
		}
	}
	g_ptr_array_add(out, low);
}

static void add_addresses(GPtrArray *out, InternetAddressList *list)
{
	int n = list ? internet_address_list_length(list) : 0;
	for (int i = 0; i < n; i++) {
		InternetAddress *a = internet_address_list_get_address(list, i);
		if (INTERNET_ADDRESS_IS_MAILBOX(a)) {
			add_address(out, internet_address_mailbox_get_addr(INTERNET_ADDRESS_MAILBOX(a)));
		} else if (INTERNET_ADDRESS_IS_GROUP(a)) {
			InternetAddressList *members =
				internet_address_group_get_members(INTERNET_ADDRESS_GROUP(a));
			int m = members ? internet_address_list_length(members) : 0;
			for (int j = 0; j < m; j++) {
				InternetAddress *b = internet_address_list_get_address(members, j);
				if (INTERNET_ADDRESS_IS_MAILBOX(b))
					add_address(out, internet_address_mailbox_get_addr(
						INTERNET_ADDRESS_MAILBOX(b)));
			}
		}
	}
}

/* Each field called name, in order, topmost first. fn gets its unfolded raw value. */
static void each_header(GMimeObject *o, const char *name,
                        void (*fn)(const char *value, gpointer data), gpointer data)
{
	GMimeHeaderList *list = g_mime_object_get_header_list(o);
	int n = list ? g_mime_header_list_get_count(list) : 0;
	for (int i = 0; i < n; i++) {
		GMimeHeader *h = g_mime_header_list_get_header_at(list, i);
		if (g_ascii_strcasecmp(g_mime_header_get_name(h), name) != 0)
			continue;
		const char *raw = g_mime_header_get_raw_value(h);
		char *value = g_mime_utils_header_unfold(raw ? raw : "");
		fn(g_strstrip(value), data);
		g_free(value);
	}
}

typedef struct {
	GPtrArray *out;
	GMimeParserOptions *po;
} AddrCtx;

static void on_envelope_rcpt(const char *value, gpointer data)
{
	AddrCtx *c = data;
	InternetAddressList *list = internet_address_list_parse(c->po, value);
	if (list) {
		add_addresses(c->out, list);
		g_object_unref(list);
	}
}

static void on_auth_results(const char *value, gpointer data)
{
	g_ptr_array_add(data, ch_text_dup_valid(value));
}

/* Message ids without <>, in order. GMime's parser first; if it finds nothing (an id
 * without '@', such as a test's "<{{MSGID}}>"), whatever stands between < and >. */
static void add_ids(GPtrArray *out, const char *value, GMimeParserOptions *po)
{
	if (!value)
		return;
	GMimeReferences *refs = g_mime_references_parse(po, value);
	int n = refs ? g_mime_references_length(refs) : 0;
	for (int i = 0; i < n; i++)
		g_ptr_array_add(out, ch_text_dup_valid(g_mime_references_get_message_id(refs, i)));
	if (refs)
		g_mime_references_free(refs);
	if (n > 0)
		return;
	for (const char *p = strchr(value, '<'); p; p = strchr(p, '<')) {
		const char *gt = strchr(p, '>');
		if (!gt)
			break;
		char *id = g_strstrip(g_strndup(p + 1, (gsize)(gt - p - 1)));
		if (*id)
			g_ptr_array_add(out, ch_text_dup_valid(id));
		g_free(id);
		p = gt;
	}
}

/* "<bounce@example.org>" -> "bounce@example.org", "<>" -> "". */
static char *return_path_of(const char *value)
{
	if (!value)
		return NULL;
	char *v = g_strstrip(ch_text_dup_valid(value));
	if (v[0] == '<') {
		char *gt = strchr(v, '>');
		char *inner = g_strndup(v + 1, gt ? (gsize)(gt - v - 1) : strlen(v + 1));
		g_free(v);
		v = g_strstrip(inner);
	}
	return v;
}

static void fill_headers(ChMessage *m, GMimeMessage *msg, GMimeParserOptions *po)
{
	GMimeObject *o = GMIME_OBJECT(msg);

	InternetAddressMailbox *from = first_mailbox(g_mime_message_get_from(msg));
	if (from) {
		m->from_addr = lower_valid(internet_address_mailbox_get_addr(from));
		const char *name = internet_address_get_name(INTERNET_ADDRESS(from));
		m->from_name = name && *name ? ch_text_dup_valid(name) : NULL;
	}
	InternetAddressMailbox *reply_to = first_mailbox(g_mime_message_get_reply_to(msg));
	if (reply_to)
		m->reply_to_addr = lower_valid(internet_address_mailbox_get_addr(reply_to));
	m->return_path = return_path_of(g_mime_object_get_header(o, "Return-Path"));

	add_addresses(m->rcpt_addrs, g_mime_message_get_addresses(msg, GMIME_ADDRESS_TYPE_TO));
	add_addresses(m->rcpt_addrs, g_mime_message_get_addresses(msg, GMIME_ADDRESS_TYPE_CC));
	AddrCtx ctx = { m->rcpt_addrs, po };
	each_header(o, "Delivered-To", on_envelope_rcpt, &ctx);
	each_header(o, "X-Original-To", on_envelope_rcpt, &ctx);

	const char *subject = g_mime_message_get_subject(msg);
	m->subject = ch_text_dup_valid(subject ? subject : "");
	const char *mid = g_mime_message_get_message_id(msg);
	m->message_id = mid && *mid ? ch_text_dup_valid(mid) : NULL;

	GPtrArray *irt = g_ptr_array_new_with_free_func(g_free);
	add_ids(irt, g_mime_object_get_header(o, "In-Reply-To"), po);
	if (irt->len > 0)
		m->in_reply_to = g_strdup(g_ptr_array_index(irt, 0));
	g_ptr_array_unref(irt);
	add_ids(m->references, g_mime_object_get_header(o, "References"), po);

	GDateTime *date = g_mime_message_get_date(msg);
	m->date = date ? g_date_time_ref(date) : NULL;

	each_header(o, "Authentication-Results", on_auth_results, m->auth_results);
}

/* ---- 3b. body ---- */

static gboolean is_text(GMimeObject *o, const char *subtype)
{
	GMimeContentType *ct = g_mime_object_get_content_type(o);
	return ct && g_mime_content_type_is_type(ct, "text", subtype);
}

/* A text part meant to be read in the message, not a file attached to it. */
static gboolean is_body_candidate(GMimeObject *o)
{
	if (!GMIME_IS_PART(o) || (!is_text(o, "plain") && !is_text(o, "html")))
		return FALSE;
	GMimePart *part = GMIME_PART(o);
	return !g_mime_part_is_attachment(part) && !g_mime_part_get_filename(part);
}

typedef struct {
	GMimeObject *plain;
	GMimeObject *html;
} Body;

static gboolean is_alternative(GMimeObject *o)
{
	GMimeContentType *ct = o ? g_mime_object_get_content_type(o) : NULL;
	return ct && g_mime_content_type_is_type(ct, "multipart", "alternative");
}

/* The first readable text in the tree: in multipart/alternative both the plain and the HTML
 * version (plain is preferred later), elsewhere the first part that has either (so, once
 * one is found, a container's later parts are not looked at). Encrypted parts are not read;
 * attached messages are attachments, never the body. */
static ChMimeStep on_body(GMimeObject *o, const ChMimePlace *at, gpointer data)
{
	Body *b = data;
	if (at->index > 0 && (b->plain || b->html) && !is_alternative(at->parent))
		return CH_MIME_SKIP_REST;
	if (GMIME_IS_MULTIPART_ENCRYPTED(o))
		return CH_MIME_SKIP;
	if (GMIME_IS_MULTIPART(o))
		return CH_MIME_DESCEND;
	if (!is_body_candidate(o))
		return CH_MIME_SKIP;
	if (is_text(o, "plain") && !b->plain)
		b->plain = o;
	else if (is_text(o, "html") && !b->html)
		b->html = o;
	return CH_MIME_SKIP;
}

static char *plain_text(GMimeObject *o)
{
	char *text = ch_part_text(GMIME_PART(o));
	const char *format = g_mime_object_get_content_type_parameter(o, "format");
	if (format && g_ascii_strcasecmp(format, "flowed") == 0) {
		const char *delsp = g_mime_object_get_content_type_parameter(o, "delsp");
		char *unflowed = ch_text_unflow(text, delsp && g_ascii_strcasecmp(delsp, "yes") == 0);
		g_free(text);
		text = unflowed;
	}
	return text;
}

static gboolean is_blank_text(const char *s)
{
	for (; *s; s++)
		if (!g_ascii_isspace(*s))
			return FALSE;
	return TRUE;
}

/* The body's text: its plain part, unless that is blank beside an HTML one (some clients send
 * an empty plain alternative next to the real HTML), else the HTML's text; "" with neither.
 * *html_r: the HTML itself when the text is its (g_free), else NULL. */
static char *body_text_of(const Body *b, char **html_r)
{
	*html_r = NULL;
	if (b->plain) {
		char *text = plain_text(b->plain);
		if (!is_blank_text(text) || !b->html)
			return text;
		g_free(text);
	}
	if (b->html) {
		*html_r = ch_part_text(GMIME_PART(b->html));
		return ch_html_to_text(*html_r, FALSE);
	}
	return g_strdup("");
}

static void fill_body(ChMessage *m, GMimeMessage *msg, Body *b)
{
	ch_mime_walk(msg, on_body, b);
	g_autofree char *html = NULL;
	m->body_text = body_text_of(b, &html);
	if (html) {
		/* Quotes marked in the markup go first; then the plain-text rules catch what the
		 * markup did not mark (an Outlook header block written as ordinary paragraphs). */
		g_autofree char *unquoted = ch_html_to_text(html, TRUE);
		m->reply_text = ch_reply_extract(unquoted);
	} else {
		m->reply_text = b->plain ? ch_reply_extract(m->body_text) : g_strdup("");
	}
}

char *ch_message_body_text(const guint8 *data, gsize len)
{
	GMimeParserOptions *po = parser_options();
	GMimeMessage *msg = parse_mime(data, len, po);
	char *text = NULL;
	if (msg) {
		Body body = { 0 };
		g_autofree char *html = NULL;
		ch_mime_walk(msg, on_body, &body);
		text = body_text_of(&body, &html);
		g_object_unref(msg);
	}
	g_mime_parser_options_free(po);
	return text ? text : g_strdup("");
}

/* ---- 3c. attachments ---- */

/* The first bytes of s, at most max, cut on a character boundary. */
static void utf8_cut(GString *s, gsize max)
{
	if (s->len <= max)
		return;
	const char *end = g_utf8_find_prev_char(s->str, s->str + max + 1);
	g_string_truncate(s, end ? (gsize)(end - s->str) : 0);
}

/* Attacker-controlled: no path separators, no control or format characters, no leading dots
 * (hidden files, "..") and at most FILENAME_MAX_BYTES, so that it is safe to show and store.
 * A name cut short keeps its extension: "...long title.pdf" is still a PDF. */
static char *sanitise_filename(const char *name)
{
	if (!name)
		return NULL;
	char *valid = ch_text_dup_valid(name);
	GString *s = g_string_new(NULL);
	for (const char *p = valid; *p; p = g_utf8_next_char(p)) {
		gunichar c = g_utf8_get_char(p);
		/* Format characters too: U+202E turns "cod.exe" into what reads as "exe.doc". */
		if (c == '/' || c == '\\' || g_unichar_iscntrl(c) ||
		    g_unichar_type(c) == G_UNICODE_FORMAT)
			continue;
		if (s->len == 0 && (c == '.' || g_unichar_isspace(c)))
			continue;
		g_string_append_len(s, p, (gssize)(g_utf8_next_char(p) - p));
	}
	g_free(valid);
	if (s->len > FILENAME_MAX_BYTES) {
		const char *dot = strrchr(s->str, '.');
		gsize ext = dot ? s->len - (gsize)(dot - s->str) : 0;
		g_autofree char *tail = ext > 0 && ext <= 16 ? g_strdup(dot) : NULL;
		utf8_cut(s, FILENAME_MAX_BYTES - (tail ? ext : 0));
		if (tail)
			g_string_append(s, tail);
	}
	g_strchomp(s->str);
	s->len = strlen(s->str);
	if (s->len == 0) {
		g_string_free(s, TRUE);
		return NULL;
	}
	return g_string_free(s, FALSE);
}

typedef struct {
	const ChParseOptions *o;
	const Body *body;
	GPtrArray *out;
	guint count;
	GError **error;
	gboolean failed;
	gboolean lazy; /* parsed from a file: keep the part, not its bytes */
} Attach;

static char *content_type_of(GMimeObject *o)
{
	GMimeContentType *ct = g_mime_object_get_content_type(o);
	char *type = ct ? g_mime_content_type_get_mime_type(ct) : NULL;
	char *low = g_ascii_strdown(type ? type : "application/octet-stream", -1);
	g_free(type);
	char *valid = ch_text_dup_valid(low);
	g_free(low);
	return valid;
}

/* An attachment's content written out: a part's decoded (base64, QP undone), an attached
 * message whole. -1 when writing failed. */
static gssize write_content(GMimeObject *o, GMimeStream *out)
{
	if (GMIME_IS_MESSAGE_PART(o)) {
		GMimeMessage *inner = g_mime_message_part_get_message(GMIME_MESSAGE_PART(o));
		return inner ? g_mime_object_write_to_stream(GMIME_OBJECT(inner), NULL, out) : 0;
	}
	GMimeDataWrapper *content = g_mime_part_get_content(GMIME_PART(o));
	return content ? g_mime_data_wrapper_write_to_stream(content, out) : 0;
}

/* Decoded into nothing, counting: the size without the bytes. */
static gsize decoded_size(GMimeObject *o)
{
	GMimeStream *null = g_mime_stream_null_new();
	write_content(o, null);
	gsize n = GMIME_STREAM_NULL(null)->written;
	g_object_unref(null);
	return n;
}

static void keep_attachment(Attach *a, GMimeObject *o, const char *filename, GByteArray *ba)
{
	gsize size = ba ? ba->len : decoded_size(o);
	if (size > a->o->max_attachment) {
		a->failed = !refuse(a->error, "message has an attachment of %" G_GSIZE_FORMAT
		                    " bytes, limit %" G_GSIZE_FORMAT, size, a->o->max_attachment);
		if (ba)
			g_byte_array_unref(ba);
		return;
	}
	ChAttachment *att = g_new0(ChAttachment, 1);
	att->filename = sanitise_filename(filename);
	att->content_type = content_type_of(o);
	att->size = size;
	if (ba)
		att->data = g_byte_array_free_to_bytes(ba);
	else
		att->part = g_object_ref(o);
	const char *disposition = g_mime_object_get_disposition(o);
	att->disposition = disposition && *disposition ? lower_valid(disposition) : NULL;
	const char *cid = g_mime_object_get_content_id(o);
	att->has_content_id = cid && *cid;
	g_ptr_array_add(a->out, att);
}

static GByteArray *message_bytes(GMimeMessage *inner)
{
	GByteArray *ba = g_byte_array_new();
	if (!inner)
		return ba;
	GMimeStream *out = g_mime_stream_mem_new_with_byte_array(ba);
	g_mime_stream_mem_set_owner(GMIME_STREAM_MEM(out), FALSE);
	g_mime_object_write_to_stream(GMIME_OBJECT(inner), NULL, out);
	g_object_unref(out);
	return ba;
}

static ChMimeStep on_attachment(GMimeObject *o, const ChMimePlace *at, gpointer data)
{
	Attach *a = data;
	(void)at;
	if (GMIME_IS_MULTIPART(o))
		return CH_MIME_DESCEND;
	if (o == a->body->plain || o == a->body->html)
		return CH_MIME_SKIP;

	const char *filename = NULL;
	gboolean attached;
	if (GMIME_IS_MESSAGE_PART(o)) {
		/* A forwarded or returned message is kept whole, as one attachment. */
		filename = g_mime_object_get_content_disposition_parameter(o, "filename");
		if (!filename)
			filename = g_mime_object_get_content_type_parameter(o, "name");
		attached = TRUE;
	} else if (GMIME_IS_PART(o)) {
		GMimePart *part = GMIME_PART(o);
		filename = g_mime_part_get_filename(part);
		GMimeContentType *ct = g_mime_object_get_content_type(o);
		gboolean text = ct && g_mime_content_type_is_type(ct, "text", "*");
		attached = g_mime_part_is_attachment(part) || filename || !text;
	} else {
		return CH_MIME_SKIP;
	}
	if (!attached)
		return CH_MIME_SKIP;
	/* Count them all, so that the refusal can say how many there were. */
	if (++a->count > a->o->max_attachments)
		return CH_MIME_SKIP;
	GByteArray *ba = a->lazy ? NULL
		: GMIME_IS_MESSAGE_PART(o)
		? message_bytes(g_mime_message_part_get_message(GMIME_MESSAGE_PART(o)))
		: ch_part_bytes(GMIME_PART(o));
	keep_attachment(a, o, filename, ba);
	return a->failed ? CH_MIME_STOP : CH_MIME_SKIP;
}

static gboolean fill_attachments(ChMessage *m, GMimeMessage *msg, const Body *b,
                                 const ChParseOptions *o, gboolean lazy, GError **error)
{
	Attach a = { o, b, m->attachments, 0, error, FALSE, lazy };
	ch_mime_walk(msg, on_attachment, &a);
	if (a.failed)
		return FALSE;
	if (a.count > o->max_attachments)
		return refuse(error, "message has %u attachments, limit %u", a.count,
		              o->max_attachments);
	return TRUE;
}

/* ---- 3d. which attachment is the report ---- */

static gboolean has_ext(const char *name, const char *const *exts)
{
	const char *dot = name ? strrchr(name, '.') : NULL;
	if (!dot)
		return FALSE;
	for (guint i = 0; exts[i]; i++)
		if (!g_ascii_strcasecmp(dot + 1, exts[i]))
			return TRUE;
	return FALSE;
}

static gboolean is_type(const char *type, const char *const *types)
{
	for (guint i = 0; types[i]; i++)
		if (!g_strcmp0(type, types[i]))
			return TRUE;
	return FALSE;
}

/* 0: never the report; higher is likelier. */
static int report_score(const ChAttachment *a)
{
	static const char *const not_types[] = {
		"application/pkcs7-signature", "application/x-pkcs7-signature",
		"application/pgp-signature", "application/pgp-keys", "text/vcard", "text/x-vcard",
		"text/directory", "text/calendar", "application/ms-tnef", "application/vnd.ms-tnef",
		NULL,
	};
	static const char *const not_exts[] = { "p7s", "p7m", "p7c", "asc", "sig", "vcf", "ics",
	                                        NULL };
	static const char *const doc_types[] = {
		"application/pdf", "application/msword",
		"application/vnd.openxmlformats-officedocument.wordprocessingml.document",
		"application/vnd.oasis.opendocument.text", "application/rtf", "text/rtf",
		"text/plain", NULL,
	};
	static const char *const doc_exts[] = { "pdf", "docx", "doc", "odt", "rtf", "txt", NULL };
	gsize size = a->size;
	if (size == 0 || is_type(a->content_type, not_types) || has_ext(a->filename, not_exts) ||
	    (a->filename && !g_ascii_strcasecmp(a->filename, "winmail.dat")))
		return 0;
	gboolean attached = !g_strcmp0(a->disposition, "attachment");
	/* A picture shown in the mail (Outlook's image001.png, a signature's logo). */
	if (g_str_has_prefix(a->content_type, "image/") && (a->has_content_id || !attached))
		return 0;
	gboolean doc = is_type(a->content_type, doc_types) || has_ext(a->filename, doc_exts);
	return doc && attached ? 4 : doc ? 3 : attached ? 2 : 1;
}

int ch_message_report_attachment(const ChMessage *m)
{
	int best = -1, best_score = 0;
	for (guint i = 0; m->attachments && i < m->attachments->len; i++) {
		int score = report_score(m->attachments->pdata[i]);
		if (score > best_score)
			best = (int)i, best_score = score;
	}
	return best;
}

/* ---- the whole ---- */

/* The SHA-256 of data, read in steps so that a mapping gives its pages back as it goes.
 * GnuTLS's, not GLib's: it uses the processor's SHA instructions, some four times faster
 * here, and every message is hashed whole. */
void ch_message_fingerprint(const guint8 *data, gsize len, const guint8 *mapped, char out[65])
{
	ChMappedPass pass = { mapped, 0 };
	gnutls_hash_hd_t sum;
	guint8 digest[32];
	if (gnutls_hash_init(&sum, GNUTLS_DIG_SHA256) < 0)
		g_error("message: SHA-256 is not available from GnuTLS");
	for (gsize at = 0; at < len;) {
		gsize n = MIN(len - at, (gsize)1 << 20);
		gnutls_hash(sum, data + at, n);
		at += n;
		ch_mapped_release(&pass, at);
	}
	ch_mapped_release_all(&pass, len);
	gnutls_hash_deinit(sum, digest);
	for (int i = 0; i < 32; i++)
		g_snprintf(out + 2 * i, 3, "%02x", digest[i]);
}

static ChMessage *message_new(const guint8 *data, gsize len, const guint8 *mapped,
                              const char *fingerprint)
{
	ChMessage *m = g_new0(ChMessage, 1);
	if (fingerprint != NULL)
		g_strlcpy(m->fingerprint, fingerprint, sizeof m->fingerprint);
	else
		ch_message_fingerprint(data, len, mapped, m->fingerprint);
	m->size = len;
	m->rcpt_addrs = g_ptr_array_new_with_free_func(g_free);
	m->references = g_ptr_array_new_with_free_func(g_free);
	m->auth_results = g_ptr_array_new_with_free_func(g_free);
	m->attachments = g_ptr_array_new_with_free_func(attachment_free);
	return m;
}

/* mapped: data is a mapping of the file at path (ch_mapped_open), whose pages the passes over
 * it give back as they go; NULL for bytes in memory. */
static ChMessage *parse(const guint8 *data, gsize len, const char *path, gboolean mapped,
                        const char *fingerprint, const ChParseOptions *opts, GError **error)
{
	ChParseOptions defaults;
	if (!opts) {
		ch_parse_options_init(&defaults);
		opts = &defaults;
	}
	static const guint8 empty[1];
	if (!data)
		data = empty, len = 0, mapped = FALSE;
	const guint8 *map = mapped ? data : NULL;
	if (!check_raw(data, len, opts, map, error))
		return NULL;

	GMimeParserOptions *po = parser_options();
	if (!check_shape(data, len, opts, po, map, error)) {
		g_mime_parser_options_free(po);
		return NULL;
	}
	GError *local = NULL;
	GMimeMessage *msg = path ? parse_mime_file(path, po, &local) : parse_mime(data, len, po);
	if (!msg) {
		g_mime_parser_options_free(po);
		if (local) {
			g_propagate_error(error, local);
			return NULL;
		}
		/* GMime gives up only on input that does not start with a header block at all
		 * (plain prose, an empty file). */
		if (len == 0)
			refuse(error, "message is empty");
		else
			refuse(error, "message has no readable header block");
		return NULL;
	}

	ChMessage *m = NULL;
	if (check_structure(msg, opts, error)) {
		m = message_new(data, len, map, fingerprint);
		Body body = { 0 };
		fill_headers(m, msg, po);
		fill_body(m, msg, &body);
		if (fill_attachments(m, msg, &body, opts, path != NULL, error)) {
			ch_message_classify(m, msg, opts);
		} else {
			ch_message_free(m);
			m = NULL;
		}
	}
	g_object_unref(msg);
	g_mime_parser_options_free(po);
	return m;
}

ChMessage *ch_message_parse(const guint8 *data, gsize len, const ChParseOptions *opts,
                            GError **error)
{
	return parse(data, len, NULL, FALSE, NULL, opts, error);
}

ChMessage *ch_message_parse_known(const guint8 *data, gsize len, const char *fingerprint,
                                  const ChParseOptions *opts, GError **error)
{
	return parse(data, len, NULL, FALSE, fingerprint, opts, error);
}

ChMessage *ch_message_parse_file(const guint8 *data, gsize len, const char *path,
                                 const char *fingerprint, const ChParseOptions *opts,
                                 GError **error)
{
	return parse(data, len, path, FALSE, fingerprint, opts, error);
}

ChMessage *ch_message_parse_mapped(const guint8 *map, gsize len, const char *path,
                                   const char *fingerprint, const ChParseOptions *opts,
                                   GError **error)
{
	return parse(map, len, path, TRUE, fingerprint, opts, error);
}

/* The SHA-256 of the first len bytes of fd, read back a piece at a time (GnuTLS's, as the
 * fingerprint's: GMime's checksum filter is GLib's, some four times slower). */
static gboolean hash_back(int fd, gsize len, gnutls_hash_hd_t sum)
{
	enum { PIECE = 64 * 1024 };
	g_autofree guint8 *buf = g_malloc(PIECE);
	for (gsize at = 0; at < len;) {
		ssize_t n = pread(fd, buf, MIN(PIECE, len - at), (off_t)at);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			if (n == 0)
				errno = EIO;
			return FALSE;
		}
		gnutls_hash(sum, buf, (gsize)n);
		at += (gsize)n;
	}
	return TRUE;
}

gboolean ch_attachment_write(const ChAttachment *a, int fd, char sha[65], GError **error)
{
	gnutls_hash_hd_t sum;
	if (gnutls_hash_init(&sum, GNUTLS_DIG_SHA256) < 0)
		g_error("message: SHA-256 is not available from GnuTLS");
	gboolean ok;
	if (a->data) {
		gsize len = 0;
		const guint8 *bytes = g_bytes_get_data(a->data, &len);
		ok = ch_write_all(fd, bytes, len);
		if (len)
			gnutls_hash(sum, bytes, len);
	} else {
		/* Decoded by GMime a few KB at a time into the file, then hashed from it. */
		GMimeStream *file = g_mime_stream_fs_new(fd);
		g_mime_stream_fs_set_owner(GMIME_STREAM_FS(file), FALSE);
		gssize n = a->part ? write_content(a->part, file) : 0;
		ok = n >= 0 && g_mime_stream_flush(file) == 0;
		if (ok && g_mime_stream_tell(file) != (gint64)a->size) {
			ok = FALSE;
			errno = EIO;
		}
		g_object_unref(file);
		ok = ok && hash_back(fd, a->size, sum);
	}
	int e = errno;
	guint8 digest[32];
	gnutls_hash_deinit(sum, digest);
	for (int i = 0; i < 32; i++)
		g_snprintf(sha + 2 * i, 3, "%02x", digest[i]);
	if (!ok)
		g_set_error(error, CH_ERROR, CH_ERROR_TEMPORARY, "cannot write an attachment: %s",
		            g_strerror(e));
	return ok;
}

GBytes *ch_attachment_bytes(const ChAttachment *a)
{
	if (a->data)
		return g_bytes_ref(a->data);
	GByteArray *ba = g_byte_array_sized_new((guint)MIN(a->size, G_MAXUINT));
	if (a->part) {
		GMimeStream *out = g_mime_stream_mem_new_with_byte_array(ba);
		g_mime_stream_mem_set_owner(GMIME_STREAM_MEM(out), FALSE);
		write_content(a->part, out);
		g_object_unref(out);
	}
	return g_byte_array_free_to_bytes(ba);
}
