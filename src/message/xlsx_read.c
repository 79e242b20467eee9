#include "message/xlsx_read.h"

#include <archive.h>
#include <archive_entry.h>
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <string.h>

#include "util/error.h"

static gboolean refuse(GError **error, const char *why)
{
	g_set_error(error, CH_ERROR, CH_ERROR_FINAL, "the spreadsheet cannot be read: %s", why);
	return FALSE;
}

/* One entry's bytes, read in chunks so that a size the header understates never lets more
 * through than the caps. */
static GByteArray *read_entry(struct archive *a, gsize *total, GError **error)
{
	GByteArray *b = g_byte_array_new();
	guint8 buf[16384];
	for (;;) {
		la_ssize_t n = archive_read_data(a, buf, sizeof buf);
		if (n == 0)
			return b;
		if (n < 0) {
			g_byte_array_unref(b);
			refuse(error, "it is not a readable xlsx (zip) file");
			return NULL;
		}
		*total += (gsize)n;
		if (b->len + (gsize)n > CH_XLSX_MAX_ENTRY || *total > CH_XLSX_MAX_TOTAL) {
			g_byte_array_unref(b);
			refuse(error, "it unpacks to more than a distribution list could ever need (a "
			              "zip bomb, or far too large)");
			return NULL;
		}
		g_byte_array_append(b, buf, (guint)n);
	}
}

/* The sheet's file: the first worksheet by the workbook's own order is what a person sees
 * first; every writer names it xl/worksheets/sheet1.xml, and any other lowest-numbered one
 * stands in. */
static gboolean is_sheet(const char *name, guint *num_r)
{
	const char *p = "xl/worksheets/sheet";
	if (!g_str_has_prefix(name, p) || !g_str_has_suffix(name, ".xml"))
		return FALSE;
	const char *d = name + strlen(p);
	char *end = NULL;
	guint64 v = g_ascii_strtoull(d, &end, 10);
	if (end == d || strcmp(end, ".xml") || v > 10000)
		return FALSE;
	*num_r = (guint)v;
	return TRUE;
}

static xmlDoc *parse_xml(GByteArray *b)
{
	/* No network, no entities expanded, no DTD loaded: a sheet is data, not a document. */
	xmlDoc *doc = xmlReadMemory((const char *)b->data, (int)b->len, "sheet.xml", NULL,
	                            XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
	/* Nor any DOCTYPE at all: no spreadsheet program writes one, and an entity declared in
	 * it would still be expanded when a cell's text is read (one large entity referenced a
	 * million times fits the entry cap and expands to gigabytes). */
	if (doc && xmlGetIntSubset(doc)) {
		xmlFreeDoc(doc);
		return NULL;
	}
	return doc;
}

static gboolean named(xmlNode *n, const char *name)
{
	return n->type == XML_ELEMENT_NODE && !strcmp((const char *)n->name, name);
}

/* The text of a string item: <t>, or rich text's runs <r><t>. */
static void item_text(xmlNode *si, GString *out)
{
	for (xmlNode *k = si->children; k; k = k->next) {
		if (named(k, "t")) {
			xmlChar *t = xmlNodeGetContent(k);
			g_string_append(out, (const char *)t);
			xmlFree(t);
		} else if (named(k, "r")) {
			item_text(k, out);
		}
	}
}

static GPtrArray *shared_strings(GByteArray *b, GError **error)
{
	GPtrArray *out = g_ptr_array_new_with_free_func(g_free);
	if (!b)
		return out;
	xmlDoc *doc = parse_xml(b);
	if (!doc) {
		g_ptr_array_unref(out);
		refuse(error, "its shared strings are not XML");
		return NULL;
	}
	xmlNode *root = xmlDocGetRootElement(doc);
	for (xmlNode *si = root ? root->children : NULL; si; si = si->next) {
		if (!named(si, "si"))
			continue;
		if (out->len >= CH_XLSX_MAX_STRINGS) {
			xmlFreeDoc(doc);
			g_ptr_array_unref(out);
			refuse(error, "it holds more text cells than a distribution list could need");
			return NULL;
		}
		GString *s = g_string_new(NULL);
		item_text(si, s);
		g_ptr_array_add(out, g_string_free(s, FALSE));
	}
	xmlFreeDoc(doc);
	return out;
}

/* "C12" -> column 2 (from 0), or -1. */
static int column_of(const char *ref)
{
	int col = 0, letters = 0;
	for (const char *p = ref; p && g_ascii_isalpha(*p); p++, letters++) {
		col = col * 26 + (g_ascii_toupper(*p) - 'A' + 1);
		if (col > 16384)
			return -1;
	}
	return letters ? col - 1 : -1;
}

static char *cell_value(xmlNode *c, GPtrArray *strings)
{
	xmlChar *t = xmlGetProp(c, (const xmlChar *)"t");
	const char *type = t ? (const char *)t : "n";
	char *out = NULL;
	for (xmlNode *k = c->children; k && !out; k = k->next) {
		if (!strcmp(type, "inlineStr") && named(k, "is")) {
			GString *s = g_string_new(NULL);
			item_text(k, s);
			out = g_string_free(s, FALSE);
		} else if (named(k, "v")) {
			xmlChar *v = xmlNodeGetContent(k);
			if (!strcmp(type, "s")) {
				char *end = NULL;
				guint64 i = g_ascii_strtoull((const char *)v, &end, 10);
				out = g_strdup(end != (char *)v && i < strings->len ? strings->pdata[i] : "");
			} else {
				out = g_strdup((const char *)v);
			}
			xmlFree(v);
		}
	}
	xmlFree(t);
	if (!out)
		return g_strdup("");
	g_strstrip(out);
	return out;
}

static GPtrArray *sheet_rows(GByteArray *b, GPtrArray *strings, GArray *numbers,
                             GError **error)
{
	xmlDoc *doc = parse_xml(b);
	if (!doc) {
		refuse(error, "its worksheet is not XML");
		return NULL;
	}
	GPtrArray *rows = g_ptr_array_new_with_free_func((GDestroyNotify)g_ptr_array_unref);
	xmlNode *root = xmlDocGetRootElement(doc);
	xmlNode *data = NULL;
	for (xmlNode *k = root ? root->children : NULL; k && !data; k = k->next)
		if (named(k, "sheetData"))
			data = k;
	const char *bad = NULL;
	guint seen = 0;
	for (xmlNode *r = data ? data->children : NULL; r && !bad; r = r->next) {
		if (!named(r, "row"))
			continue;
		if (++seen > CH_XLSX_MAX_ROWS) {
			bad = "its sheet has more rows than a distribution list could need (at most "
			      G_STRINGIFY(CH_XLSX_MAX_ROWS) ")";
			break;
		}
		xmlChar *rn = xmlGetProp(r, (const xmlChar *)"r");
		guint number = rn ? (guint)g_ascii_strtoull((const char *)rn, NULL, 10) : seen;
		xmlFree(rn);
		GPtrArray *cells = g_ptr_array_new_with_free_func(g_free);
		gboolean any = FALSE;
		for (xmlNode *c = r->children; c && !bad; c = c->next) {
			if (!named(c, "c"))
				continue;
			xmlChar *ref = xmlGetProp(c, (const xmlChar *)"r");
			int col = ref ? column_of((const char *)ref) : (int)cells->len;
			xmlFree(ref);
			if (col < 0 || col >= CH_XLSX_MAX_COLUMNS) {
				/* An empty cell far to the right (formatting) is nothing; text there is. */
				char *v = cell_value(c, strings);
				if (*v)
					bad = "its sheet has text beyond column Z: a list has five columns";
				g_free(v);
				continue;
			}
			while ((int)cells->len < col)
				g_ptr_array_add(cells, g_strdup(""));
			char *v = cell_value(c, strings);
			any |= *v != '\0';
			if ((int)cells->len == col)
				g_ptr_array_add(cells, v);
			else
				g_free(v); /* a cell given twice: the first stands */
		}
		/* Trailing empty cells are formatting, not columns. */
		while (cells->len && !*(char *)cells->pdata[cells->len - 1])
			g_ptr_array_remove_index(cells, cells->len - 1);
		if (any) {
			g_ptr_array_add(rows, cells);
			g_array_append_val(numbers, number);
		} else {
			g_ptr_array_unref(cells);
		}
	}
	xmlFreeDoc(doc);
	if (bad) {
		g_ptr_array_unref(rows);
		refuse(error, bad);
		return NULL;
	}
	return rows;
}

GPtrArray *ch_xlsx_read_rows(const guint8 *data, gsize len, GArray **numbers_r, GError **error)
{
	struct archive *a = archive_read_new();
	archive_read_support_format_zip(a);
	GByteArray *sheet = NULL, *strings_xml = NULL;
	guint sheet_num = G_MAXUINT, entries = 0;
	gsize total = 0;
	GPtrArray *rows = NULL;
	gboolean ok = archive_read_open_memory(a, data, len) == ARCHIVE_OK;
	if (!ok)
		refuse(error, "it is not an xlsx (zip) file");
	struct archive_entry *e;
	while (ok) {
		int r = archive_read_next_header(a, &e);
		if (r == ARCHIVE_EOF)
			break;
		if (r != ARCHIVE_OK && r != ARCHIVE_WARN) {
			ok = refuse(error, "it is not a readable xlsx (zip) file");
			break;
		}
		if (++entries > CH_XLSX_MAX_ENTRIES) {
			ok = refuse(error, "it holds more files than an xlsx has");
			break;
		}
		const char *name = archive_entry_pathname(e);
		guint num = 0;
		gboolean want_sheet = name && is_sheet(name, &num) && num < sheet_num;
		gboolean want_strings = name && !strcmp(name, "xl/sharedStrings.xml") && !strings_xml;
		if (!want_sheet && !want_strings)
			continue;
		if (archive_entry_size_is_set(e) && archive_entry_size(e) > (la_int64_t)CH_XLSX_MAX_ENTRY) {
			ok = refuse(error, "it unpacks to more than a distribution list could ever need "
			                   "(a zip bomb, or far too large)");
			break;
		}
		GByteArray *b = read_entry(a, &total, error);
		if (!b) {
			ok = FALSE;
			break;
		}
		if (want_sheet) {
			if (sheet)
				g_byte_array_unref(sheet);
			sheet = b;
			sheet_num = num;
		} else {
			strings_xml = b;
		}
	}
	archive_read_free(a);
	if (ok && !sheet)
		ok = refuse(error, "it holds no worksheet: is it an xlsx file?");
	GPtrArray *strings = ok ? shared_strings(strings_xml, error) : NULL;
	GArray *numbers = g_array_new(FALSE, FALSE, sizeof(guint));
	if (strings)
		rows = sheet_rows(sheet, strings, numbers, error);
	if (strings)
		g_ptr_array_unref(strings);
	if (sheet)
		g_byte_array_unref(sheet);
	if (strings_xml)
		g_byte_array_unref(strings_xml);
	if (!rows) {
		g_array_unref(numbers);
		return NULL;
	}
	*numbers_r = numbers;
	return rows;
}
