/* html: an HTML body turned to plain text with libxml2's HTML parser.
 *
 * With drop_quoted, the nodes a mail client marks as the quoted original are removed from the
 * tree before any text is produced: a marker in the markup is far more reliable than guessing
 * at the text afterwards. Two kinds of marker:
 *
 *   - cut points, after which everything in the document is the original: Outlook on the web
 *     and new Outlook's div#appendonsend and div#divRplyFwdMsg, Outlook desktop's header
 *     block (a div with a border-top style whose text starts "From:"), old Outlook's
 *     div.OutlookMessageHeader;
 *   - quoted subtrees, removed alone because a person may answer between them: Gmail's
 *     gmail_quote / gmail_attr, Thunderbird's moz-cite-prefix, blockquote type=cite
 *     (Thunderbird, Apple Mail), Yahoo's yahoo_quoted, a blockquote with a left border
 *     (Mail.ru, Yandex); and a bare blockquote that ends the document under the sender's
 *     own text. Hotmail's stopSpelling element is a cut point.
 *
 * Whatever these miss, the lines that reproduce the mail being answered are still found
 * (quoted.h).
 *
 * Every walk over the tree is iterative: the depth of a parsed document is the sender's to
 * choose. libxml2 itself stops reading at 256 nested elements (we do not ask for
 * XML_PARSE_HUGE): the text before that point is kept, which is where a reply stands; only
 * the far end of a very deep quoted thread is lost.
 */
#include <string.h>

#include <libxml/HTMLparser.h>
#include <libxml/tree.h>

#include "message/message-private.h"
#include "message/reply.h"

/* How much text of a border-top div we read to see whether it starts "From:". */
#define HEADER_PEEK 160
#define HEADER_NODES 64

/* ---- walking ---- */

/* The next node in document order within root, descending into children when asked. */
static xmlNode *next_node(xmlNode *root, xmlNode *n, gboolean descend)
{
	if (descend && n->children)
		return n->children;
	while (n && n != root) {
		if (n->next)
			return n->next;
		n = n->parent;
	}
	return NULL;
}

static gboolean is_element(const xmlNode *n, const char *name)
{
	return n->type == XML_ELEMENT_NODE && g_ascii_strcasecmp((const char *)n->name, name) == 0;
}

/* The attribute's value (xmlFree), or NULL. */
static char *attr(const xmlNode *n, const char *name)
{
	return (char *)xmlGetProp(n, (const xmlChar *)name);
}

static gboolean attr_equals(const xmlNode *n, const char *name, const char *value)
{
	char *v = attr(n, name);
	gboolean eq = v && g_ascii_strcasecmp(g_strstrip(v), value) == 0;
	xmlFree(v);
	return eq;
}

/* class="gmail_quote gmail_quote_container" has the token gmail_quote. */
static gboolean has_class(const xmlNode *n, const char *token)
{
	char *v = attr(n, "class");
	gboolean found = FALSE;
	if (v) {
		char **tokens = g_strsplit_set(v, " \t\r\n\f", -1);
		for (char **t = tokens; *t && !found; t++)
			found = g_ascii_strcasecmp(*t, token) == 0;
		g_strfreev(tokens);
	}
	xmlFree(v);
	return found;
}

/* The first HEADER_PEEK bytes of text under n, without reading a whole large subtree: at
 * most HEADER_NODES nodes, or nested bordered divs would make the search quadratic. */
static char *leading_text(xmlNode *n)
{
	GString *s = g_string_new(NULL);
	guint visited = 0;
	for (xmlNode *c = n->children; c && s->len < HEADER_PEEK && visited++ < HEADER_NODES;
	     c = next_node(n, c, TRUE)) {
		if (c->type == XML_TEXT_NODE && c->content)
			g_string_append(s, (const char *)c->content);
	}
	return g_string_free(s, FALSE);
}

/* ---- quote markers ---- */

/* Whether the element's inline style names `what` (a CSS property such as "border-top"). */
static gboolean style_has(xmlNode *n, const char *what)
{
	char *style = attr(n, "style");
	gboolean has = FALSE;
	if (style) {
		char *low = g_ascii_strdown(style, -1);
		has = strstr(low, what) != NULL;
		g_free(low);
	}
	xmlFree(style);
	return has;
}

static gboolean is_outlook_desktop_header(xmlNode *n)
{
	if (!is_element(n, "div") || !style_has(n, "border-top"))
		return FALSE;
	char *text = leading_text(n);
	gboolean from = ch_reply_is_from_line(g_strchug(text));
	g_free(text);
	return from;
}

/* Where the original starts and the rest of the document is quoted. */
static gboolean is_cut_point(xmlNode *n)
{
	if (n->type != XML_ELEMENT_NODE)
		return FALSE;
	if (is_element(n, "div") &&
	    (attr_equals(n, "id", "divRplyFwdMsg") || attr_equals(n, "id", "appendonsend") ||
	     has_class(n, "OutlookMessageHeader")))
		return TRUE;
	/* Hotmail (and Outlook.com's older pages): <hr id="stopSpelling"> or a div so marked
	 * opens the original's header block. */
	if (attr_equals(n, "id", "stopSpelling") || has_class(n, "stopSpelling"))
		return TRUE;
	return is_outlook_desktop_header(n);
}

/* Mail.ru and Yandex quote in a bare <blockquote> drawn with a left border. */
static gboolean is_bordered_blockquote(xmlNode *n)
{
	return is_element(n, "blockquote") && style_has(n, "border-left");
}

static gboolean is_quoted_subtree(xmlNode *n)
{
	if (n->type != XML_ELEMENT_NODE)
		return FALSE;
	if (is_element(n, "blockquote") &&
	    (attr_equals(n, "type", "cite") || is_bordered_blockquote(n)))
		return TRUE;
	if (has_class(n, "gmail_quote") || has_class(n, "gmail_attr") ||
	    has_class(n, "moz-cite-prefix") || has_class(n, "yahoo_quoted"))
		return TRUE;
	char *id = attr(n, "id");
	gboolean yahoo = id && g_str_has_prefix(id, "yahoo_quoted");
	xmlFree(id);
	return yahoo;
}

static void remove_node(xmlNode *n)
{
	xmlUnlinkNode(n);
	xmlFreeNode(n);
}

/* Removes n and everything after it in document order. */
static void cut_from(xmlNode *n)
{
	for (xmlNode *cur = n; cur && cur->type != XML_DOCUMENT_NODE &&
	                       cur->type != XML_HTML_DOCUMENT_NODE;
	     cur = cur->parent) {
		while (cur->next)
			remove_node(cur->next);
	}
	remove_node(n);
}

static gboolean is_text_with_words(const xmlNode *n)
{
	if (n->type != XML_TEXT_NODE || !n->content)
		return FALSE;
	for (const xmlChar *p = n->content; *p; p++)
		if (!g_ascii_isspace(*p) && *p != 0xC2 && *p != 0xA0)
			return TRUE;
	return FALSE;
}

/* A bare <blockquote> that holds the end of the document, under text of the sender's own, is
 * the quoted original of a top-posted reply (Yandex, Mail.ru without their border, other
 * webmail): the outermost blockquote around the last text, when the first text is outside
 * it. A blockquote in the middle of a message is left alone: it may be the sender's own
 * indented words. NULL when there is none. */
static xmlNode *trailing_blockquote(xmlNode *root)
{
	xmlNode *first = NULL, *last = NULL;
	for (xmlNode *n = root; n; n = next_node(root, n, TRUE)) {
		if (!is_text_with_words(n))
			continue;
		if (!first)
			first = n;
		last = n;
	}
	xmlNode *quote = NULL;
	for (xmlNode *p = last ? last->parent : NULL; p; p = p->parent)
		if (is_element(p, "blockquote"))
			quote = p;
	if (!quote)
		return NULL;
	for (xmlNode *p = first; p; p = p->parent)
		if (p == quote)
			return NULL;
	return quote;
}

/* Any node may be the one removed, the root element included (<html class="gmail_quote">
 * is the sender's to write): the root is looked up again after the cut, and the
 * caller looks it up again afterwards, maybe to find none. */
static void drop_quoted(xmlDoc *doc)
{
	xmlNode *root = xmlDocGetRootElement(doc);
	for (xmlNode *n = root; n; n = next_node(root, n, TRUE)) {
		if (is_cut_point(n)) {
			cut_from(n);
			break;
		}
	}
	root = xmlDocGetRootElement(doc);

	GPtrArray *doomed = g_ptr_array_new();
	for (xmlNode *n = root; n;) {
		gboolean quoted = is_quoted_subtree(n);
		if (quoted)
			g_ptr_array_add(doomed, n);
		n = next_node(root, n, !quoted);
	}
	for (guint i = 0; i < doomed->len; i++)
		remove_node(g_ptr_array_index(doomed, i));
	g_ptr_array_free(doomed, TRUE);

	root = xmlDocGetRootElement(doc);
	xmlNode *trailing = root ? trailing_blockquote(root) : NULL;
	if (trailing)
		remove_node(trailing);
}

/* ---- text ---- */

typedef struct {
	GString *out;
	gboolean line_start; /* nothing written on the current line yet */
	gboolean space;      /* collapsed white space waiting to be written */
	guint pre;           /* inside <pre>: white space is kept */
} Text;

static void newline(Text *t)
{
	g_string_append_c(t->out, '\n');
	t->line_start = TRUE;
	t->space = FALSE;
}

static void end_line(Text *t)
{
	if (!t->line_start)
		newline(t);
}

static void put_text(Text *t, const char *s)
{
	for (; *s; s++) {
		guchar c = (guchar)*s;
		if (t->pre) {
			if (c == '\r')
				continue;
			g_string_append_c(t->out, (char)c);
			t->line_start = c == '\n';
			continue;
		}
		if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f') {
			t->space = TRUE;
			continue;
		}
		if (t->space && !t->line_start)
			g_string_append_c(t->out, ' ');
		t->space = FALSE;
		/* U+00A0 is written as a plain space that is never collapsed, so that Outlook's
		 * empty paragraphs (<p>&nbsp;</p>) stay blank lines between the lines of text. */
		if (c == 0xC2 && (guchar)s[1] == 0xA0) {
			g_string_append_c(t->out, ' ');
			s++;
		} else {
			g_string_append_c(t->out, (char)c);
		}
		t->line_start = FALSE;
	}
}

static const char *const block_elements[] = {
	"p", "div", "li", "ul", "ol", "dl", "dt", "dd", "tr", "table", "h1", "h2", "h3", "h4",
	"h5", "h6", "blockquote", "pre", "hr", "address", "section", "article", "header",
	"footer", "center", "form", "fieldset", "body", "html", NULL,
};

static const char *const hidden_elements[] = {
	"head", "script", "style", "title", "template", NULL,
};

static gboolean name_in(const xmlNode *n, const char *const *names)
{
	if (n->type != XML_ELEMENT_NODE)
		return FALSE;
	for (const char *const *p = names; *p; p++)
		if (g_ascii_strcasecmp((const char *)n->name, *p) == 0)
			return TRUE;
	return FALSE;
}

static void enter(Text *t, xmlNode *n)
{
	if (n->type == XML_TEXT_NODE || n->type == XML_CDATA_SECTION_NODE) {
		if (n->content)
			put_text(t, (const char *)n->content);
		return;
	}
	if (is_element(n, "br"))
		newline(t);
	else if (name_in(n, block_elements))
		end_line(t);
	if (is_element(n, "pre"))
		t->pre++;
}

static void leave(Text *t, xmlNode *n)
{
	if (is_element(n, "td") || is_element(n, "th"))
		t->space = TRUE;
	else if (name_in(n, block_elements))
		end_line(t);
	if (is_element(n, "pre") && t->pre > 0)
		t->pre--;
}

/* Depth-first with enter and leave events, without recursion. */
static void render(Text *t, xmlNode *root)
{
	xmlNode *n = root;
	while (n) {
		gboolean descend = n->children && !name_in(n, hidden_elements);
		if (!name_in(n, hidden_elements))
			enter(t, n);
		if (descend) {
			n = n->children;
			continue;
		}
		for (;;) {
			if (!name_in(n, hidden_elements))
				leave(t, n);
			if (n == root) {
				n = NULL;
				break;
			}
			if (n->next) {
				n = n->next;
				break;
			}
			n = n->parent;
		}
	}
}

/* Lines without trailing spaces, at most one blank line in a row, none at either end. */
static char *tidy(const char *text)
{
	char **lines = g_strsplit(text, "\n", -1);
	GString *out = g_string_new(NULL);
	guint blanks = 0;
	for (char **l = lines; *l; l++) {
		g_strchomp(*l);
		if (**l == '\0') {
			blanks++;
			continue;
		}
		if (out->len > 0)
			g_string_append(out, blanks > 0 ? "\n\n" : "\n");
		g_string_append(out, *l);
		blanks = 0;
	}
	g_strfreev(lines);
	return g_string_free(out, FALSE);
}

char *ch_html_to_text(const char *html, gboolean drop_quoted_nodes)
{
	if (!html || !*html)
		return g_strdup("");
	/* The body reaches us already converted to UTF-8 by GMime's part charset: a <meta
	 * charset> in the markup must not make libxml2 decode it a second time. */
	int options = HTML_PARSE_RECOVER | HTML_PARSE_NOERROR | HTML_PARSE_NOWARNING |
	              HTML_PARSE_NONET | HTML_PARSE_IGNORE_ENC;
	size_t len = strlen(html);
	htmlDocPtr doc = htmlReadMemory(html, len > G_MAXINT ? G_MAXINT : (int)len, NULL, "UTF-8",
	                                options);
	if (!doc)
		return g_strdup("");
	if (drop_quoted_nodes)
		drop_quoted(doc);
	xmlNode *root = xmlDocGetRootElement(doc);
	if (!root) {
		xmlFreeDoc(doc);
		return g_strdup("");
	}

	Text t = { g_string_new(NULL), TRUE, FALSE, 0 };
	render(&t, root);
	xmlFreeDoc(doc);
	char *raw = g_string_free(t.out, FALSE);
	char *text = tidy(raw);
	g_free(raw);
	/* libxml2 repairs bad input, but what it hands back is checked all the same. */
	if (!g_utf8_validate(text, -1, NULL)) {
		char *fixed = g_utf8_make_valid(text, -1);
		g_free(text);
		text = fixed;
	}
	return text;
}
