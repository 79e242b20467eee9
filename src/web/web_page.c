#include "web/web_page.h"

#include <string.h>

#include "app/config.h"
#include "util/error.h"

typedef struct {
	char *text;       /* a text value, or NULL */
	GPtrArray *items; /* ChWebVars*, or NULL */
} Value;

struct ChWebVars {
	GHashTable *values; /* name -> Value* */
	const ChWebVars *parent; /* while rendering an item: where names are looked up next */
};

static void value_free(gpointer p)
{
	Value *val = p;
	g_free(val->text);
	if (val->items)
		g_ptr_array_unref(val->items);
	g_free(val);
}

ChWebVars *ch_web_vars_new(void)
{
	ChWebVars *v = g_new0(ChWebVars, 1);
	v->values = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, value_free);
	return v;
}

void ch_web_vars_free(ChWebVars *v)
{
	if (!v)
		return;
	g_hash_table_unref(v->values);
	g_free(v);
}

void ch_web_vars_set(ChWebVars *v, const char *name, const char *value)
{
	if (!value)
		return;
	Value *val = g_new0(Value, 1);
	val->text = g_strdup(value);
	g_hash_table_replace(v->values, g_strdup(name), val);
}

void ch_web_vars_setf(ChWebVars *v, const char *name, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	g_autofree char *s = g_strdup_vprintf(fmt, ap);
	va_end(ap);
	ch_web_vars_set(v, name, s);
}

ChWebVars *ch_web_vars_add(ChWebVars *v, const char *name)
{
	Value *val = g_hash_table_lookup(v->values, name);
	if (!val || !val->items) {
		val = g_new0(Value, 1);
		val->items = g_ptr_array_new_with_free_func((GDestroyNotify)ch_web_vars_free);
		g_hash_table_replace(v->values, g_strdup(name), val);
	}
	ChWebVars *item = ch_web_vars_new();
	g_ptr_array_add(val->items, item);
	return item;
}

char *ch_web_escape(const char *s)
{
	GString *out = g_string_new(NULL);
	for (const char *p = s ? s : ""; *p; p++) {
		switch (*p) {
		case '&': g_string_append(out, "&amp;"); break;
		case '<': g_string_append(out, "&lt;"); break;
		case '>': g_string_append(out, "&gt;"); break;
		case '"': g_string_append(out, "&quot;"); break;
		case '\'': g_string_append(out, "&#39;"); break;
		default: g_string_append_c(out, *p);
		}
	}
	return g_string_free(out, FALSE);
}

static const Value *lookup(const ChWebVars *v, const char *name)
{
	for (; v; v = v->parent) {
		const Value *val = g_hash_table_lookup(v->values, name);
		if (val)
			return val;
	}
	return NULL;
}

static gboolean truthy(const Value *val)
{
	return val && ((val->text && *val->text) || (val->items && val->items->len));
}

typedef struct {
	const char *what;
	GError **error;
	const char *const *path; /* where {{>name}} finds its file; NULL: no partials */
	int depth;               /* partials within partials, bounded */
} Ctx;

static char *load(const char *const *path, const char *name, char **full_r, GError **error)
{
	g_autofree char *file = g_strdup_printf("web/%s.html", name);
	g_autofree char *full = path ? ch_config_find(path, file) : NULL;
	char *text = NULL;
	GError *e = NULL;
	if (!full || !g_file_get_contents(full, &text, NULL, &e)) {
		g_set_error(error, CH_ERROR, CH_ERROR_CONFIG, "template %s: %s", file,
		            e ? e->message : "in none of the template folders");
		g_clear_error(&e);
		return NULL;
	}
	*full_r = g_steal_pointer(&full);
	return text;
}

static gboolean render(Ctx *x, const char *p, const char *end, const ChWebVars *v, GString *out);

/* {{>name}}: another template file, the header or footer every page shares. */
static gboolean render_partial(Ctx *x, const char *name, const ChWebVars *v, GString *out)
{
	if (x->depth >= 4) {
		g_set_error(x->error, CH_ERROR, CH_ERROR_CONFIG, "%s: {{>%s}} nests too deep", x->what,
		            name);
		return FALSE;
	}
	g_autofree char *full = NULL;
	g_autofree char *text = load(x->path, name, &full, x->error);
	if (!text)
		return FALSE;
	Ctx inner = { full, x->error, x->path, x->depth + 1 };
	return render(&inner, text, text + strlen(text), v, out);
}

/* The end of the block `name` opened just before p: the matching {{/name}}, counting blocks
 * of the same name opened inside it. NULL when it is never closed. */
static const char *block_end(const char *p, const char *end, const char *name, const char **after)
{
	g_autofree char *open1 = g_strdup_printf("{{#%s}}", name);
	g_autofree char *open2 = g_strdup_printf("{{^%s}}", name);
	g_autofree char *close = g_strdup_printf("{{/%s}}", name);
	int depth = 0;
	for (const char *q = p; q < end; q++) {
		if (strncmp(q, "{{", 2))
			continue;
		if (g_str_has_prefix(q, open1) || g_str_has_prefix(q, open2)) {
			depth++;
		} else if (g_str_has_prefix(q, close)) {
			if (!depth--) {
				*after = q + strlen(close);
				return q;
			}
		}
	}
	return NULL;
}

/* One {{#name}} or {{^name}} block starting at the mark's text after its sigil. */
static gboolean render_block(Ctx *x, char sigil, const char *name, const char *body,
                             const char *body_end, const ChWebVars *v, GString *out)
{
	/* "name?" asks only whether there is something, without repeating for each item. */
	gsize n = strlen(name);
	gboolean test = n > 1 && name[n - 1] == '?';
	g_autofree char *bare = g_strndup(name, test ? n - 1 : n);
	const Value *val = lookup(v, bare);
	if (sigil == '^')
		return truthy(val) ? TRUE : render(x, body, body_end, v, out);
	if (!truthy(val))
		return TRUE;
	if (!val->items || test)
		return render(x, body, body_end, v, out);
	for (guint i = 0; i < val->items->len; i++) {
		ChWebVars *item = val->items->pdata[i];
		item->parent = v;
		gboolean ok = render(x, body, body_end, item, out);
		item->parent = NULL;
		if (!ok)
			return FALSE;
	}
	return TRUE;
}

static gboolean render(Ctx *x, const char *p, const char *end, const ChWebVars *v, GString *out)
{
	while (p < end) {
		const char *open = g_strstr_len(p, end - p, "{{");
		if (!open) {
			g_string_append_len(out, p, end - p);
			return TRUE;
		}
		g_string_append_len(out, p, open - p);
		const char *close = g_strstr_len(open, end - open, "}}");
		if (!close) {
			g_set_error(x->error, CH_ERROR, CH_ERROR_CONFIG, "%s: a '{{' is never closed",
			            x->what);
			return FALSE;
		}
		char sigil = open[2];
		gboolean block = sigil == '#' || sigil == '^';
		g_autofree char *name = g_strstrip(g_strndup(open + 2 + (block || sigil == '/'),
		                                             close - open - 2 - (block || sigil == '/')));
		if (sigil == '/') {
			g_set_error(x->error, CH_ERROR, CH_ERROR_CONFIG, "%s: {{/%s}} closes nothing",
			            x->what, name);
			return FALSE;
		}
		if (sigil == '>') {
			g_autofree char *partial = g_strstrip(g_strndup(open + 3, close - open - 3));
			if (!render_partial(x, partial, v, out))
				return FALSE;
			p = close + 2;
			continue;
		}
		if (!block) {
			const Value *val = lookup(v, name);
			g_autofree char *esc = ch_web_escape(val ? val->text : NULL);
			g_string_append(out, esc);
			p = close + 2;
			continue;
		}
		const char *after = NULL;
		const char *bend = block_end(close + 2, end, name, &after);
		if (!bend) {
			g_set_error(x->error, CH_ERROR, CH_ERROR_CONFIG, "%s: {{%c%s}} is never closed",
			            x->what, sigil, name);
			return FALSE;
		}
		if (!render_block(x, sigil, name, close + 2, bend, v, out))
			return FALSE;
		p = after;
	}
	return TRUE;
}

char *ch_web_page_render_text(const char *text, const char *what, const ChWebVars *v,
                              GError **error)
{
	Ctx x = { what, error, NULL, 0 };
	GString *out = g_string_new(NULL);
	if (!render(&x, text, text + strlen(text), v, out)) {
		g_string_free(out, TRUE);
		return NULL;
	}
	return g_string_free(out, FALSE);
}

char *ch_web_page_render(const char *const *path, const char *name, const ChWebVars *v,
                         GError **error)
{
	g_autofree char *full = NULL;
	g_autofree char *text = load(path, name, &full, error);
	if (!text)
		return NULL;
	Ctx x = { full, error, path, 0 };
	GString *out = g_string_new(NULL);
	if (!render(&x, text, text + strlen(text), v, out)) {
		g_string_free(out, TRUE);
		return NULL;
	}
	return g_string_free(out, FALSE);
}
