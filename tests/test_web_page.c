/* The console's page templates: every value escaped, blocks for lists and conditions, the
 * shared header and footer, and malformed templates refused. In-process (web/web_page.h). */
#include <string.h>

#include "util/error.h"
#include "web/web_page.h"

static char *render(const char *text, ChWebVars *v)
{
	GError *e = NULL;
	char *out = ch_web_page_render_text(text, "test", v, &e);
	g_assert_no_error(e);
	return out;
}

static void test_web_page_escapes_every_value(void)
{
	g_autoptr(ChWebVars) v = ch_web_vars_new();
	ch_web_vars_set(v, "name", "<script>alert(\"x\")</script> & 'y'");
	g_autofree char *out = render("<p title=\"{{name}}\">{{name}}</p>", v);
	g_assert_cmpstr(out, ==,
	                "<p title=\"&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;y&#39;\">"
	                "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;y&#39;</p>");
	/* A value that looks like a mark is text, not a mark. */
	ch_web_vars_set(v, "name", "{{secret}}");
	ch_web_vars_set(v, "secret", "hidden");
	g_autofree char *twice = render("{{name}}", v);
	g_assert_cmpstr(twice, ==, "{{secret}}");
}

static void test_web_page_lists_and_conditions(void)
{
	g_autoptr(ChWebVars) v = ch_web_vars_new();
	ch_web_vars_set(v, "title", "T");
	for (int i = 1; i <= 3; i++) {
		ChWebVars *item = ch_web_vars_add(v, "rows");
		ch_web_vars_setf(item, "n", "%d", i);
	}
	g_autofree char *out = render("{{#rows?}}<ul>{{#rows}}<li>{{n}} {{title}}</li>{{/rows}}</ul>"
	                              "{{/rows?}}{{^rows}}none{{/rows}}{{^empty}}!{{/empty}}",
	                              v);
	g_assert_cmpstr(out, ==, "<ul><li>1 T</li><li>2 T</li><li>3 T</li></ul>!");
	g_autoptr(ChWebVars) none = ch_web_vars_new();
	g_autofree char *empty = render("{{#rows?}}<ul>{{/rows?}}{{^rows}}none{{/rows}}", none);
	g_assert_cmpstr(empty, ==, "none");
}

static void test_web_page_malformed_refused(void)
{
	const char *bad[] = { "{{#open}} never closed", "{{/stray}}", "{{unclosed" };
	for (guint i = 0; i < G_N_ELEMENTS(bad); i++) {
		g_autoptr(ChWebVars) v = ch_web_vars_new();
		GError *e = NULL;
		g_autofree char *out = ch_web_page_render_text(bad[i], "bad", v, &e);
		g_assert_null(out);
		g_assert_error(e, CH_ERROR, CH_ERROR_CONFIG);
		g_error_free(e);
	}
}

static void test_web_page_shipped_templates_render(void)
{
	g_autofree char *cwd = g_get_current_dir();
	g_autofree char *dir = g_build_filename(cwd, "templates", NULL);
	const char *path[] = { dir, NULL };
	const char *pages[] = { "signin", "signin_sent", "signin_link", "message", "today",
	                        "conferences", "conference", "triage", "triage_confirm" };
	for (guint i = 0; i < G_N_ELEMENTS(pages); i++) {
		g_autoptr(ChWebVars) v = ch_web_vars_new();
		ch_web_vars_set(v, "title", "<T>");
		ch_web_vars_set(v, "signed_in", "a@example.org");
		GError *e = NULL;
		g_autofree char *html = ch_web_page_render(path, pages[i], v, &e);
		g_assert_no_error(e);
		g_assert_true(g_str_has_prefix(html, "<!DOCTYPE html>"));
		g_assert_nonnull(strstr(html, "&lt;T&gt;"));
		g_assert_null(strstr(html, "<T>"));
		g_assert_null(strstr(html, "{{"));
		g_assert_null(strstr(html, "<script"));
		g_assert_null(strstr(html, " style="));
	}
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/web/page/escapes-every-value", test_web_page_escapes_every_value);
	g_test_add_func("/web/page/lists-and-conditions", test_web_page_lists_and_conditions);
	g_test_add_func("/web/page/malformed-refused", test_web_page_malformed_refused);
	g_test_add_func("/web/page/shipped-templates-render", test_web_page_shipped_templates_render);
	return g_test_run();
}
