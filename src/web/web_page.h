/* web_page: the console's pages, rendered from template files under templates/web/.
 *
 * A template is HTML with three kinds of mark, a small subset of Mustache:
 *   {{name}}              the value, HTML-escaped (& < > " ' all escaped): the default;
 *   {{#name}}...{{/name}} the block once per item of a list, or once when the value is a
 *                         non-empty text (a condition);
 *   {{#name?}}...{{/name?}} the block once when the value is a non-empty text or list;
 *   {{^name}}...{{/name}} the block once when the value is missing, empty or an empty list;
 *   {{>name}}             the template file web/name.html (the header and footer).
 * There is no raw insertion at all: every value reaches the page escaped, and what varies in
 * structure is a list of items, each its own ChWebVars. Inside a block a name is looked up in
 * the item first, then outward.
 *
 * ChWebVars owns its values and items. ch_web_page_render() fails with CH_ERROR_CONFIG when
 * the template is not on the search path or is malformed (an unclosed block).
 */
#pragma once
#include <glib.h>

typedef struct ChWebVars ChWebVars;

ChWebVars *ch_web_vars_new(void);
void ch_web_vars_free(ChWebVars *v);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(ChWebVars, ch_web_vars_free)

/* Sets a text (copied; NULL leaves it unset). */
void ch_web_vars_set(ChWebVars *v, const char *name, const char *value);
void ch_web_vars_setf(ChWebVars *v, const char *name, const char *fmt, ...) G_GNUC_PRINTF(3, 4);
/* A new item appended to the list `name` (made when missing); owned by v. */
ChWebVars *ch_web_vars_add(ChWebVars *v, const char *name);

/* The HTML of templates/web/NAME.html found on `path`, with v filled in. */
char *ch_web_page_render(const char *const *path, const char *name, const ChWebVars *v,
                         GError **error);
/* Renders a template text (for tests and for the layout); `what` names it in errors. */
char *ch_web_page_render_text(const char *text, const char *what, const ChWebVars *v,
                              GError **error);
/* Text escaped for HTML, in an element or in a quoted attribute. */
char *ch_web_escape(const char *s);
