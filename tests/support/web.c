#include "support/web.h"
#include "support/skip.h"

#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <curl/curl.h>

/* The addresses asked for through web_ask and not yet looked for, each with how many
 * sign-in mails it had then: the link is mailed after the answer, by chaser's sender, so
 * web_link waits for it. Forgotten when a chaser starts (a new harness, a new count). */
static GHashTable *asked_for;

static Web *start(Harness *h, const char *now, const char *command, const char *port_option)
{
	if (asked_for)
		g_hash_table_remove_all(asked_for);
	Web *w = g_new0(Web, 1);
	w->h = h;
	GPtrArray *argv = g_ptr_array_new();
	g_ptr_array_add(argv, h->bin);
	g_ptr_array_add(argv, "-c");
	g_ptr_array_add(argv, h->conf);
	if (now) {
		g_ptr_array_add(argv, "--now");
		g_ptr_array_add(argv, (char *)now);
	}
	g_ptr_array_add(argv, (char *)command);
	g_ptr_array_add(argv, (char *)port_option);
	g_ptr_array_add(argv, "0");
	g_ptr_array_add(argv, NULL);
	int out = -1;
	GError *e = NULL;
	g_assert_true(g_spawn_async_with_pipes(h->dir, (char **)argv->pdata, NULL,
	                                       G_SPAWN_DO_NOT_REAP_CHILD, NULL, NULL, &w->pid, NULL,
	                                       &out, NULL, &e));
	g_assert_no_error(e);
	g_ptr_array_free(argv, TRUE);
	/* One line says where it listens; read byte by byte, so nothing after it is taken. */
	GString *line = g_string_new(NULL);
	char c;
	while (read(out, &c, 1) == 1 && c != '\n')
		g_string_append_c(line, c);
	close(out);
	const char *at = strstr(line->str, "http://");
	g_assert_nonnull(at);
	w->base = g_strdup(at);
	if (g_str_has_suffix(w->base, "/"))
		w->base[strlen(w->base) - 1] = '\0';
	g_string_free(line, TRUE);
	return w;
}

Web *web_start(Harness *h, const char *now)
{
	return start(h, now, "web", "--port");
}

Web *web_start_run(Harness *h, const char *now)
{
	return start(h, now, "run", "--web-port");
}

void web_stop(Web *w)
{
	if (!w)
		return;
	kill(w->pid, SIGTERM);
	int status = 0;
	g_assert_cmpint(waitpid(w->pid, &status, 0), ==, w->pid);
	g_spawn_close_pid(w->pid);
	g_assert_true(WIFEXITED(status));
	g_assert_cmpint(WEXITSTATUS(status), ==, 0);
	g_free(w->base);
	g_free(w);
}

void web_browser_clear(WebBrowser *b)
{
	g_clear_pointer(&b->session, g_free);
	g_clear_pointer(&b->pre, g_free);
}

void web_resp_free(WebResp *r)
{
	if (!r)
		return;
	g_string_free(r->headers, TRUE);
	g_free(r->body), g_free(r->location);
	g_free(r);
}

static size_t on_body(char *p, size_t size, size_t n, void *cls)
{
	g_string_append_len(cls, p, size * n);
	return size * n;
}

/* Keeps a cookie the response sets; Max-Age=0 drops it. */
static void keep_cookie(WebBrowser *b, const char *line)
{
	const char *v = line + strlen("Set-Cookie:");
	while (*v == ' ')
		v++;
	const char *eq = strchr(v, '=');
	const char *semi = strchr(v, ';');
	if (!eq || !semi)
		return;
	/* Over TLS the names carry the __Host- prefix; the browser keeps them the same. */
	if (g_str_has_prefix(v, "__Host-"))
		v += strlen("__Host-");
	g_autofree char *name = g_strndup(v, eq - v);
	char *value = g_strndup(eq + 1, semi - eq - 1);
	gboolean gone = strstr(line, "Max-Age=0") != NULL || !*value;
	char **slot = !strcmp(name, "chaser_session") ? &b->session
	              : !strcmp(name, "chaser_pre")   ? &b->pre
	                                              : NULL;
	if (!slot) {
		g_free(value);
		return;
	}
	g_free(*slot);
	*slot = gone ? NULL : value;
	if (gone)
		g_free(value);
}

/* One request: url-encoded `form`, or the multipart `mime`, or neither (GET). */
static WebResp *request(Web *w, WebBrowser *b, const char *path, const char *form,
                        curl_mime *(*make)(CURL *, gpointer), gpointer make_data)
{
	CURL *curl = curl_easy_init();
	g_assert_nonnull(curl);
	g_autofree char *url = g_strconcat(w->base, path, NULL);
	GString *body = g_string_new(NULL);
	GString *headers = g_string_new(NULL);
	curl_easy_setopt(curl, CURLOPT_URL, url);
	curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(curl, CURLOPT_WRITEDATA, body);
	curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, on_body);
	curl_easy_setopt(curl, CURLOPT_HEADERDATA, headers);
	curl_easy_setopt(curl, CURLOPT_TIMEOUT, 30L);
	if (form)
		curl_easy_setopt(curl, CURLOPT_POSTFIELDS, form);
	curl_mime *mime = make ? make(curl, make_data) : NULL;
	if (mime)
		curl_easy_setopt(curl, CURLOPT_MIMEPOST, mime);
	GString *cookies = g_string_new(NULL);
	const char *pfx =
	    b && b->forwarded_proto && !strcmp(b->forwarded_proto, "https") ? "__Host-" : "";
	if (b && b->session)
		g_string_append_printf(cookies, "%schaser_session=%s; ", pfx, b->session);
	if (b && b->pre)
		g_string_append_printf(cookies, "%schaser_pre=%s; ", pfx, b->pre);
	if (cookies->len)
		curl_easy_setopt(curl, CURLOPT_COOKIE, cookies->str);
	struct curl_slist *extra = NULL;
	if (b && b->forwarded_for) {
		g_autofree char *hd = g_strdup_printf("X-Forwarded-For: %s", b->forwarded_for);
		extra = curl_slist_append(extra, hd);
	}
	if (b && b->forwarded_proto) {
		g_autofree char *hd = g_strdup_printf("X-Forwarded-Proto: %s", b->forwarded_proto);
		extra = curl_slist_append(extra, hd);
	}
	if (extra)
		curl_easy_setopt(curl, CURLOPT_HTTPHEADER, extra);
	g_assert_cmpint(curl_easy_perform(curl), ==, CURLE_OK);
	curl_slist_free_all(extra);
	WebResp *r = g_new0(WebResp, 1);
	curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &r->status);
	curl_easy_cleanup(curl);
	curl_mime_free(mime);
	g_string_free(cookies, TRUE);
	r->headers = headers;
	r->body = g_string_free(body, FALSE);
	r->location = web_header(r, "Location");
	g_auto(GStrv) lines = g_strsplit(headers->str, "\r\n", -1);
	for (char **l = lines; b && *l; l++)
		if (!g_ascii_strncasecmp(*l, "Set-Cookie:", 11))
			keep_cookie(b, *l);
	return r;
}

WebResp *web_req(Web *w, WebBrowser *b, const char *path, const char *form)
{
	return request(w, b, path, form, NULL, NULL);
}

typedef struct {
	const char *const *fields;
	const char *file_field, *file_name, *type;
	const void *data;
	gsize len;
} Multipart;

static curl_mime *make_multipart(CURL *curl, gpointer p)
{
	const Multipart *m = p;
	curl_mime *mime = curl_mime_init(curl);
	for (guint i = 0; m->fields && m->fields[i] && m->fields[i + 1]; i += 2) {
		curl_mimepart *part = curl_mime_addpart(mime);
		curl_mime_name(part, m->fields[i]);
		curl_mime_data(part, m->fields[i + 1], CURL_ZERO_TERMINATED);
	}
	if (m->file_field) {
		curl_mimepart *part = curl_mime_addpart(mime);
		curl_mime_name(part, m->file_field);
		curl_mime_filename(part, m->file_name ? m->file_name : "");
		curl_mime_data(part, m->data ? m->data : "", m->len);
		if (m->type)
			curl_mime_type(part, m->type);
	}
	return mime;
}

WebResp *web_req_multipart(Web *w, WebBrowser *b, const char *path, const char *const *fields,
                           const char *file_field, const char *file_name, const char *type,
                           const void *data, gsize len)
{
	Multipart m = { fields, file_field, file_name, type, data, len };
	return request(w, b, path, NULL, make_multipart, &m);
}

char *web_header(const WebResp *r, const char *name)
{
	g_auto(GStrv) lines = g_strsplit(r->headers->str, "\r\n", -1);
	gsize n = strlen(name);
	for (char **l = lines; *l; l++)
		if (!g_ascii_strncasecmp(*l, name, n) && (*l)[n] == ':')
			return g_strstrip(g_strdup(*l + n + 1));
	return NULL;
}

char *web_field(const char *html, const char *name)
{
	g_autofree char *needle = g_strdup_printf("name=\"%s\" value=\"", name);
	const char *p = strstr(html, needle);
	if (!p)
		return NULL;
	p += strlen(needle);
	const char *end = strchr(p, '"');
	return end ? g_strndup(p, end - p) : NULL;
}

char *web_link(Harness *h, const char *to)
{
	g_autofree char *key = to ? g_ascii_strdown(to, -1) : NULL;
	gpointer had = NULL;
	if (asked_for && key && g_hash_table_lookup_extended(asked_for, key, NULL, &had)) {
		for (int i = 0; i < 200 && h_count_mail(h, "web_signin", to) <= GPOINTER_TO_UINT(had);
		     i++)
			g_usleep(50 * 1000);
		g_hash_table_remove(asked_for, key);
	}
	g_autofree char *path = h_mail(h, "web_signin", to);
	if (!path)
		return NULL;
	g_autofree char *body = h_body(path);
	/* Quoted-printable: soft line breaks joined, "=3D" back to "=". */
	g_autofree char *joined = NULL;
	{
		g_auto(GStrv) parts = g_strsplit(body, "=\n", -1);
		joined = g_strjoinv("", parts);
	}
	g_auto(GStrv) eq = g_strsplit(joined, "=3D", -1);
	g_autofree char *plain = g_strjoinv("=", eq);
	const char *at = strstr(plain, "/signin/link?t=");
	if (!at)
		return NULL;
	const char *end = at + strlen("/signin/link?t=");
	while (g_ascii_isxdigit(*end))
		end++;
	return g_strndup(at, end - at);
}

WebResp *web_ask(Web *w, WebBrowser *b, const char *address)
{
	g_autoptr(WebResp) page = web_req(w, b, "/signin", NULL);
	g_assert_cmpint(page->status, ==, 200);
	g_autofree char *csrf = web_field(page->body, "csrf");
	g_assert_nonnull(csrf);
	g_autofree char *esc = g_uri_escape_string(address, NULL, TRUE);
	g_autofree char *form = g_strdup_printf("csrf=%s&email=%s", csrf, esc);
	if (!asked_for)
		asked_for = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	char *key = g_ascii_strdown(address, -1);
	if (!g_hash_table_contains(asked_for, key))
		g_hash_table_insert(asked_for, key,
		                    GUINT_TO_POINTER(h_count_mail(w->h, "web_signin", address)));
	else
		g_free(key);
	return web_req(w, b, "/signin", form);
}

WebResp *web_open_link(Web *w, WebBrowser *b, const char *link)
{
	g_autoptr(WebResp) page = web_req(w, b, link, NULL);
	g_assert_cmpint(page->status, ==, 200);
	g_autofree char *csrf = web_field(page->body, "csrf");
	g_autofree char *t = web_field(page->body, "t");
	g_assert_nonnull(csrf);
	g_autofree char *form = g_strdup_printf("csrf=%s&t=%s", csrf, t ? t : "");
	return web_req(w, b, "/signin/link", form);
}

void web_sign_in(Web *w, WebBrowser *b, const char *address)
{
	g_autoptr(WebResp) asked = web_ask(w, b, address);
	g_assert_cmpint(asked->status, ==, 200);
	g_autofree char *link = web_link(w->h, address);
	g_assert_nonnull(link);
	g_autoptr(WebResp) opened = web_open_link(w, b, link);
	g_assert_cmpint(opened->status, ==, 303);
	g_assert_cmpstr(opened->location, ==, "/");
	g_assert_nonnull(b->session);
}

#define PYTHON "/usr/bin/python3"

gboolean web_browser_test(Web *w, const char *script, const char *const *extra,
                          const char *downloads)
{
	if (!g_file_test(PYTHON, G_FILE_TEST_IS_EXECUTABLE)) {
		ch_test_cannot_run("no " PYTHON " (scripts/install-deps test)");
		return FALSE;
	}
	g_autofree char *cwd = g_get_current_dir();
	g_autofree char *path = g_build_filename(cwd, "tests", "web", script, NULL);
	g_autofree char *outgoing = g_build_filename(w->h->dir, "spool", "outgoing", NULL);
	g_autoptr(GPtrArray) argv = g_ptr_array_new();
	g_ptr_array_add(argv, (char *)PYTHON);
	g_ptr_array_add(argv, path);
	g_ptr_array_add(argv, w->base);
	g_ptr_array_add(argv, outgoing);
	g_ptr_array_add(argv, (char *)"cp.admin@council.example");
	for (guint i = 0; extra && extra[i]; i++)
		g_ptr_array_add(argv, (char *)extra[i]);
	g_ptr_array_add(argv, NULL);
	g_auto(GStrv) env = g_get_environ();
	if (downloads)
		env = g_environ_setenv(env, "CHASER_DOWNLOADS", downloads, TRUE);
	g_autofree char *out = NULL, *err = NULL;
	int status = 0;
	GError *e = NULL;
	g_assert_true(g_spawn_sync(NULL, (char **)argv->pdata, env, G_SPAWN_DEFAULT, NULL, NULL,
	                           &out, &err, &status, &e));
	g_assert_no_error(e);
	g_test_message("%s", out);
	if (WIFEXITED(status) && WEXITSTATUS(status) == 77) {
		ch_test_cannot_run("%s", g_strstrip(out));
		return FALSE;
	}
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		g_error("the browser test %s failed:\n%s\n%s", script, out, err);
	return TRUE;
}
