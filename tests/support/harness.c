#include "support/harness.h"

#include <sqlite3.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <glib/gstdio.h>
#include <string.h>
#include <sys/wait.h>

char *h_ini_merge(const char *base, const char *extra)
{
	if (!extra)
		return g_strdup(base);
	g_autoptr(GKeyFile) kf = g_key_file_new();
	g_assert_true(g_key_file_load_from_data(kf, base, -1, G_KEY_FILE_NONE, NULL));
	g_autoptr(GKeyFile) more = g_key_file_new();
	g_assert_true(g_key_file_load_from_data(more, extra, -1, G_KEY_FILE_NONE, NULL));
	g_auto(GStrv) groups = g_key_file_get_groups(more, NULL);
	for (char **g = groups; *g; g++) {
		g_auto(GStrv) keys = g_key_file_get_keys(more, *g, NULL, NULL);
		for (char **k = keys; *k; k++) {
			g_autofree char *v = g_key_file_get_value(more, *g, *k, NULL);
			g_key_file_set_value(kf, *g, *k, v);
		}
	}
	return g_key_file_to_data(kf, NULL, NULL);
}

Harness *h_new(const char *extra)
{
	Harness *h = g_new0(Harness, 1);
	GError *e = NULL;
	h->dir = g_dir_make_tmp("chaser-test-XXXXXX", &e);
	g_assert_no_error(e);
	const char *bin = g_getenv("CHASER_BIN");
	g_autofree char *cwd = g_get_current_dir();
	h->bin = bin ? g_strdup(bin) : g_build_filename(cwd, "build", "chaser", NULL);
	if (!g_path_is_absolute(h->bin)) {
		char *abs = g_build_filename(cwd, h->bin, NULL);
		g_free(h->bin);
		h->bin = abs;
	}
	h->conf = g_build_filename(h->dir, "chaser.conf", NULL);
	g_autofree char *text = g_strdup_printf(
		"[chaser]\n"
		"database = spool/chaser.db\n"
		"key = spool/secret.key\n"
		"spool = spool\n"
		"rules = %s/rules\n"
		"templates = %s/templates\n"
		"holidays = %s/rules/bank-holidays.txt\n"
		"nation = england-and-wales\n"
		"authserv_id = none\n"
		"[mailbox]\n"
		"address = safeguarding@council.example\n"
		"name = Child Protection Conference Team\n"
		"[people]\n"
		"admin = cp.admin@council.example\n"
		"cp_coordinator = cp.coordinator@council.example\n"
		"lead_safeguarding_manager = lead.safeguarding@council.example\n"
		"[inbound]\n"
		"type = maildir\n"
		"maildir = spool/inbox\n"
		"[outbound]\n"
		"type = spool\n"
		"dir = spool/outgoing\n"
		"",
		cwd, cwd, cwd);
	g_autofree char *merged = h_ini_merge(text, extra);
	g_assert_true(g_file_set_contents(h->conf, merged, -1, NULL));
	g_assert_cmpint(h_run(h, NULL, "init", NULL), ==, 0);
	return h;
}

void h_free(Harness *h)
{
	if (!h)
		return;
	/* Whatever the scenario did, the account must balance at its end. */
	if (!h->broken && !g_test_failed() &&
	    g_file_test(h->conf, G_FILE_TEST_EXISTS) && h_run(h, NULL, "reconcile", NULL) != 0)
		g_error("chaser reconcile after the scenario found a fault:\n%s%s", h->out, h->err);
	if (!g_getenv("CHASER_KEEP")) {
		g_autofree char *cmd = g_strdup_printf("rm -rf '%s'", h->dir);
		g_assert_cmpint(system(cmd), ==, 0);
	} else {
		g_test_message("kept %s", h->dir);
	}
	g_free(h->dir), g_free(h->conf), g_free(h->bin), g_free(h->out), g_free(h->err);
	g_free(h);
}

GString *h_all_stderr(void)
{
	static GString *all;
	if (!all)
		all = g_string_new(NULL);
	return all;
}

static int vrun(Harness *h, const char *now, gboolean json, va_list ap)
{
	GPtrArray *argv = g_ptr_array_new();
	g_ptr_array_add(argv, h->bin);
	g_ptr_array_add(argv, "-c");
	g_ptr_array_add(argv, h->conf);
	if (now) {
		g_ptr_array_add(argv, "--now");
		g_ptr_array_add(argv, (char *)now);
	}
	const char *a;
	while ((a = va_arg(ap, const char *)))
		g_ptr_array_add(argv, (char *)a);
	if (json)
		g_ptr_array_add(argv, "--json");
	g_ptr_array_add(argv, NULL);
	g_clear_pointer(&h->out, g_free);
	g_clear_pointer(&h->err, g_free);
	GError *e = NULL;
	int wait = 0;
	gboolean ok = g_spawn_sync(h->dir, (char **)argv->pdata, NULL, G_SPAWN_DEFAULT, NULL, NULL,
	                           &h->out, &h->err, &wait, &e);
	g_assert_no_error(e);
	g_assert_true(ok);
	g_ptr_array_free(argv, TRUE);
	/* A crash is never an answer: fail loudly with what it printed. */
	if (!WIFEXITED(wait))
		g_error("chaser died by signal %d; stderr:\n%s", WTERMSIG(wait), h->err);
	h->status = WEXITSTATUS(wait);
	g_string_append(h_all_stderr(), h->err);
	if (strstr(h->err, "ERROR: AddressSanitizer") || strstr(h->err, "runtime error:") ||
	    strstr(h->err, "LeakSanitizer"))
		g_error("sanitizer report from chaser:\n%s", h->err);
	return h->status;
}

int h_run(Harness *h, const char *now, ...)
{
	va_list ap;
	va_start(ap, now);
	int rc = vrun(h, now, FALSE, ap);
	va_end(ap);
	return rc;
}

JsonNode *h_json(Harness *h, const char *now, ...)
{
	va_list ap;
	va_start(ap, now);
	int rc = vrun(h, now, TRUE, ap);
	va_end(ap);
	if (rc != 0)
		g_error("chaser --json failed (%d): %s", rc, h->err);
	GError *e = NULL;
	JsonNode *n = json_from_string(h->out, &e);
	g_assert_no_error(e);
	g_assert_nonnull(n);
	return n;
}

static gint by_name(gconstpointer a, gconstpointer b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

GPtrArray *h_outgoing(Harness *h)
{
	g_autofree char *dir = g_build_filename(h->dir, "spool", "outgoing", NULL);
	GPtrArray *out = g_ptr_array_new_with_free_func(g_free);
	GDir *d = g_dir_open(dir, 0, NULL);
	const char *n;
	while (d && (n = g_dir_read_name(d)))
		if (g_str_has_suffix(n, ".eml"))
			g_ptr_array_add(out, g_build_filename(dir, n, NULL));
	if (d)
		g_dir_close(d);
	g_ptr_array_sort(out, by_name);
	return out;
}

static gboolean mail_matches(const char *path, const char *kind, const char *to)
{
	g_autofree char *k = g_strdup_printf("-%s.eml", kind);
	if (!g_str_has_suffix(path, k))
		return FALSE;
	if (!to)
		return TRUE;
	g_autofree char *t = h_header(path, "To");
	return t && strstr(t, to);
}

char *h_mail(Harness *h, const char *kind, const char *to)
{
	g_autoptr(GPtrArray) all = h_outgoing(h);
	for (guint i = all->len; i > 0; i--)
		if (mail_matches(all->pdata[i - 1], kind, to))
			return g_strdup(all->pdata[i - 1]);
	return NULL;
}

guint h_count_mail(Harness *h, const char *kind, const char *to)
{
	g_autoptr(GPtrArray) all = h_outgoing(h);
	guint n = 0;
	for (guint i = 0; i < all->len; i++)
		n += mail_matches(all->pdata[i], kind, to);
	return n;
}

char *h_header(const char *path, const char *name)
{
	g_autofree char *text = NULL;
	if (!g_file_get_contents(path, &text, NULL, NULL))
		return NULL;
	g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
	size_t n = strlen(name);
	for (guint i = 0; lines[i] && *g_strchomp(lines[i]); i++) {
		if (g_ascii_strncasecmp(lines[i], name, n) || lines[i][n] != ':')
			continue;
		GString *v = g_string_new(g_strstrip(lines[i] + n + 1));
		for (guint k = i + 1; lines[k] && (lines[k][0] == ' ' || lines[k][0] == '\t'); k++)
			g_string_append_printf(v, " %s", g_strstrip(g_strchomp(lines[k])));
		return g_string_free(v, FALSE);
	}
	return NULL;
}

char *h_body(const char *path)
{
	g_autofree char *text = NULL;
	g_assert_true(g_file_get_contents(path, &text, NULL, NULL));
	const char *b = strstr(text, "\r\n\r\n");
	g_assert_nonnull(b);
	g_autofree char *body = g_strdup(b + 4);
	/* Un-CRLF for easy matching. */
	GString *s = g_string_new(NULL);
	for (const char *p = body; *p; p++)
		if (*p != '\r')
			g_string_append_c(s, *p);
	return g_string_free(s, FALSE);
}

char *h_token(const char *path)
{
	g_autofree char *rt = h_header(path, "Reply-To");
	g_assert_nonnull(rt);
	const char *plus = strchr(rt, '+');
	g_assert_nonnull(plus);
	const char *at = strchr(plus, '@');
	return g_strndup(plus + 1, at - plus - 1);
}

char *h_msgid(const char *path)
{
	g_autofree char *id = h_header(path, "Message-Id");
	g_assert_nonnull(id);
	char *lt = strchr(id, '<'), *gt = strchr(id, '>');
	return g_strndup(lt + 1, gt - lt - 1);
}

void h_deliver(Harness *h, const char *name, const char *content)
{
	g_autofree char *tmp = g_build_filename(h->dir, "spool", "inbox", "tmp", name, NULL);
	g_autofree char *dst = g_build_filename(h->dir, "spool", "inbox", "new", name, NULL);
	g_assert_true(g_file_set_contents(tmp, content, -1, NULL));
	g_assert_cmpint(rename(tmp, dst), ==, 0);
}

void h_reply_to(Harness *h, const char *name, const char *kind, const char *to,
                const char *from, const char *body)
{
	g_autofree char *mail = h_mail(h, kind, to);
	g_assert_nonnull(mail);
	g_autofree char *token = h_token(mail);
	g_autofree char *msgid = h_msgid(mail);
	g_autofree char *subject = h_header(mail, "Subject");
	g_autofree char *text = g_strdup_printf(
		"From: %s\nTo: Safeguarding <safeguarding+%s@council.example>\nSubject: RE: %s\n"
		"Message-ID: <%s@test.example.org>\nIn-Reply-To: <%s>\n"
		"Date: Thu, 26 Nov 2026 10:00:00 +0000\n\n%s\n",
		from, token, subject, name, msgid, body);
	h_deliver(h, name, text);
}

char *h_fixture(const char *path, const char *token, const char *msgid)
{
	g_autofree char *text = NULL;
	GError *e = NULL;
	g_assert_true(g_file_get_contents(path, &text, NULL, &e));
	g_assert_no_error(e);
	GString *s = g_string_new(text);
	g_string_replace(s, "{{TOKEN}}", token, 0);
	g_string_replace(s, "{{MSGID}}", msgid, 0);
	return g_string_free(s, FALSE);
}

void h_story_setup(Harness *h)
{
	const char *t = "2026-11-23T09:30";
	g_assert_cmpint(h_run(h, t, "agency", "add", "Northshire Police", "--slo", H_POLICE_SLO,
	                      "--slo-name", "DI Ruth Calloway", NULL), ==, 0);
	g_assert_cmpint(h_run(h, t, "agency", "add", "Brookfield Primary School", "--slo",
	                      H_SCHOOL_SLO, "--slo-name", "Mr Owen Pike", NULL), ==, 0);
	g_assert_cmpint(h_run(h, t, "agency", "add", "Northshire Health", "--slo",
	                      "safeguarding.lead@health.example.org", NULL), ==, 0);
	g_assert_cmpint(h_run(h, t, "conference", "add", H_REF, "--held", "2026-11-20T10:00",
	                      "--chair", H_CHAIR, "--chair-name", "Dr Ffion Testwood",
	                      "--social-worker", "amara.sowande@council.example", NULL), ==, 0);
	g_autofree char *csv = g_build_filename(h->dir, "list.csv", NULL);
	g_assert_true(g_file_set_contents(
		csv,
		"name,email,agency,attendance,report\n"
		"Sam Okafor,sam.okafor@police.example.org,Northshire Police,absent,none\n"
		"Lena Marsh,lena.marsh@brookfield.example.net,Brookfield Primary School,apologies,none\n"
		"Priya Nair,priya.nair@health.example.org,Northshire Health,attended,submitted\n"
		"Tom Rees,tom.rees@police.example.org,Northshire Police,attended,submitted\n",
		-1, NULL));
	g_assert_cmpint(h_run(h, t, "list", "import", H_REF, "list.csv", NULL), ==, 0);
	g_assert_cmpint(h_run(h, t, "list", "send", H_REF, NULL), ==, 0);
	g_assert_cmpint(h_run(h, t, "flush", NULL), ==, 0);
}

char *h_b64_lines(const guint8 *data, gsize len)
{
	g_autofree char *flat = g_base64_encode(data, len);
	GString *s = g_string_new(NULL);
	for (gsize i = 0, n = strlen(flat); i < n; i += 76) {
		g_string_append_len(s, flat + i, (gssize)MIN(76, n - i));
		g_string_append(s, "\r\n");
	}
	return g_string_free(s, FALSE);
}

guint8 *h_random_pdf(gsize len, guint32 seed)
{
	guint8 *pdf = g_malloc(len);
	GRand *r = g_rand_new_with_seed(seed);
	memcpy(pdf, "%PDF-1.7\n", 9);
	for (gsize i = 9; i < len; i++)
		pdf[i] = (guint8)g_rand_int_range(r, 0, 256);
	g_rand_free(r);
	return pdf;
}

/* The newest report request chaser sent to the school for a conference. */
char *h_school_request(Harness *h, const char *ref)
{
	g_autoptr(GPtrArray) all = h_outgoing(h);
	for (guint i = all->len; i > 0; i--) {
		const char *p = all->pdata[i - 1];
		if (!g_str_has_suffix(p, "-report_request.eml"))
			continue;
		g_autofree char *to = h_header(p, "To");
		g_autofree char *subject = h_header(p, "Subject");
		if (to && strstr(to, "brookfield.example.net") && subject && strstr(subject, ref))
			return g_strdup(p);
	}
	g_error("no report request to the school for %s", ref);
	return NULL;
}

/* A report mail answering that request, with one attachment given as MIME headers + body. */
char *h_report_mail(Harness *h, const char *ref, const char *name, const char *part)
{
	g_autofree char *req = h_school_request(h, ref);
	g_autofree char *token = h_token(req);
	g_autofree char *msgid = h_msgid(req);
	return g_strdup_printf(
		"From: Lena Marsh <lena.marsh@brookfield.example.net>\r\n"
		"To: safeguarding+%s@council.example\r\n"
		"Subject: RE: [%s] report\r\nMessage-ID: <%s@brookfield.example.net>\r\n"
		"In-Reply-To: <%s>\r\nDate: Thu, 26 Nov 2026 10:00:00 +0000\r\nMIME-Version: 1.0\r\n"
		"Content-Type: multipart/mixed; boundary=\"r\"\r\n\r\n--r\r\n"
		"Content-Type: text/plain\r\n\r\nOur report is attached.\r\n--r\r\n%s\r\n--r--\r\n",
		token, ref, name, msgid, part);
}

JsonObject *h_escalation(JsonNode *show, int n)
{
	JsonArray *a = json_object_get_array_member(json_node_get_object(show), "escalations");
	for (guint i = 0; i < json_array_get_length(a); i++) {
		JsonObject *o = json_array_get_object_element(a, i);
		if (json_object_get_int_member(o, "n") == n)
			return o;
	}
	return NULL;
}

const char *h_str(JsonObject *o, const char *member)
{
	return json_object_get_string_member_with_default(o, member, NULL);
}

GPtrArray *h_audit(Harness *h, const char *ref)
{
	g_autofree char *db = g_build_filename(h->dir, "spool", "chaser.db", NULL);
	sqlite3 *sq;
	g_assert_cmpint(sqlite3_open_v2(db, &sq, SQLITE_OPEN_READONLY, NULL), ==, SQLITE_OK);
	sqlite3_stmt *st;
	g_assert_cmpint(sqlite3_prepare_v2(sq,
	                                   "SELECT a.what, a.object, a.old, a.new, a.detail, a.source"
	                                   " FROM audit a JOIN conference c ON c.id = a.conference_id"
	                                   " WHERE c.ref = ? ORDER BY a.id",
	                                   -1, &st, NULL),
	                ==, SQLITE_OK);
	sqlite3_bind_text(st, 1, ref, -1, SQLITE_TRANSIENT);
	GPtrArray *out = g_ptr_array_new_with_free_func(g_free);
	while (sqlite3_step(st) == SQLITE_ROW) {
		const char *f[6];
		for (int i = 0; i < 6; i++) {
			f[i] = (const char *)sqlite3_column_text(st, i);
			f[i] = f[i] ? f[i] : "";
		}
		g_ptr_array_add(out, g_strjoin("|", f[0], f[1], f[2], f[3], f[4], f[5], NULL));
	}
	sqlite3_finalize(st);
	sqlite3_close(sq);
	return out;
}

guint h_audit_count(Harness *h, const char *ref, const char *what)
{
	g_autoptr(GPtrArray) all = h_audit(h, ref);
	g_autofree char *prefix = g_strdup_printf("%s|", what);
	guint n = 0;
	for (guint i = 0; i < all->len; i++)
		n += g_str_has_prefix(all->pdata[i], prefix);
	return n;
}

static char *value_text(sqlite3_stmt *st, int col)
{
	switch (sqlite3_column_type(st, col)) {
	case SQLITE_NULL:
		return g_strdup("NULL");
	case SQLITE_BLOB: {
		g_autofree char *sha = g_compute_checksum_for_data(
			G_CHECKSUM_SHA256, sqlite3_column_blob(st, col), sqlite3_column_bytes(st, col));
		return g_strdup_printf("blob:%d:%s", sqlite3_column_bytes(st, col), sha);
	}
	default: {
		/* Newlines escaped, so that one row stays one line. */
		GString *s = g_string_new((const char *)sqlite3_column_text(st, col));
		g_string_replace(s, "\\", "\\\\", 0);
		g_string_replace(s, "\n", "\\n", 0);
		g_string_replace(s, "\r", "\\r", 0);
		return g_string_free(s, FALSE);
	}
	}
}

static gint by_str(gconstpointer a, gconstpointer b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

char *h_dump(Harness *h, const char *const *except)
{
	g_autofree char *db = g_build_filename(h->dir, "spool", "chaser.db", NULL);
	sqlite3 *sq;
	g_assert_cmpint(sqlite3_open_v2(db, &sq, SQLITE_OPEN_READONLY, NULL), ==, SQLITE_OK);
	sqlite3_busy_timeout(sq, 5000);
	GString *out = g_string_new(NULL);
	sqlite3_stmt *st;
	g_assert_cmpint(sqlite3_prepare_v2(sq, "PRAGMA user_version", -1, &st, NULL), ==, SQLITE_OK);
	g_assert_cmpint(sqlite3_step(st), ==, SQLITE_ROW);
	g_string_append_printf(out, "user_version|%d\n", sqlite3_column_int(st, 0));
	sqlite3_finalize(st);
	g_autoptr(GPtrArray) tables = g_ptr_array_new_with_free_func(g_free);
	g_assert_cmpint(sqlite3_prepare_v2(sq,
	                                   "SELECT type, name, coalesce(sql,'') FROM sqlite_master"
	                                   " ORDER BY type, name",
	                                   -1, &st, NULL),
	                ==, SQLITE_OK);
	while (sqlite3_step(st) == SQLITE_ROW) {
		const char *type = (const char *)sqlite3_column_text(st, 0);
		const char *name = (const char *)sqlite3_column_text(st, 1);
		g_string_append_printf(out, "schema|%s|%s|%s\n", type, name,
		                       (const char *)sqlite3_column_text(st, 2));
		if (!strcmp(type, "table") && (!except || !g_strv_contains(except, name)))
			g_ptr_array_add(tables, g_strdup(name));
	}
	sqlite3_finalize(st);
	g_assert_cmpuint(tables->len, >, 0);
	for (guint t = 0; t < tables->len; t++) {
		g_autofree char *sql = g_strdup_printf("SELECT * FROM \"%s\"", (char *)tables->pdata[t]);
		g_assert_cmpint(sqlite3_prepare_v2(sq, sql, -1, &st, NULL), ==, SQLITE_OK);
		g_autoptr(GPtrArray) rows = g_ptr_array_new_with_free_func(g_free);
		while (sqlite3_step(st) == SQLITE_ROW) {
			GString *row = g_string_new(tables->pdata[t]);
			for (int c = 0; c < sqlite3_column_count(st); c++) {
				g_autofree char *v = value_text(st, c);
				g_string_append_printf(row, "|%s=%s", sqlite3_column_name(st, c), v);
			}
			g_ptr_array_add(rows, g_string_free(row, FALSE));
		}
		sqlite3_finalize(st);
		g_ptr_array_sort(rows, by_str);
		g_string_append_printf(out, "rows|%s|%u\n", (char *)tables->pdata[t], rows->len);
		for (guint r = 0; r < rows->len; r++)
			g_string_append_printf(out, "%s\n", (char *)rows->pdata[r]);
	}
	sqlite3_close(sq);
	return g_string_free(out, FALSE);
}

static void list_files(const char *root, const char *rel, GPtrArray *out)
{
	g_autofree char *dir = rel ? g_build_filename(root, rel, NULL) : g_strdup(root);
	g_autoptr(GDir) d = g_dir_open(dir, 0, NULL);
	const char *n;
	while (d && (n = g_dir_read_name(d))) {
		g_autofree char *r = rel ? g_build_filename(rel, n, NULL) : g_strdup(n);
		g_autofree char *path = g_build_filename(root, r, NULL);
		if (g_file_test(path, G_FILE_TEST_IS_DIR) && !g_file_test(path, G_FILE_TEST_IS_SYMLINK)) {
			g_ptr_array_add(out, g_strdup_printf("%s/", r));
			list_files(root, r, out);
			continue;
		}
		if (g_str_has_prefix(r, "spool/chaser.db"))
			continue;
		g_autofree char *data = NULL;
		gsize len = 0;
		g_assert_true(g_file_get_contents(path, &data, &len, NULL));
		g_autofree char *sha = g_compute_checksum_for_data(G_CHECKSUM_SHA256, (guint8 *)data, len);
		g_ptr_array_add(out, g_strdup_printf("%s %" G_GSIZE_FORMAT " %s", r, len, sha));
	}
}

char *h_files(Harness *h)
{
	g_autoptr(GPtrArray) all = g_ptr_array_new_with_free_func(g_free);
	list_files(h->dir, NULL, all);
	g_ptr_array_sort(all, by_str);
	GString *out = g_string_new(NULL);
	for (guint i = 0; i < all->len; i++)
		g_string_append_printf(out, "%s\n", (char *)all->pdata[i]);
	return g_string_free(out, FALSE);
}

/* The lines of `a` that `b` lacks (both sorted within their blocks, so a set difference). */
static GPtrArray *lines_missing(const char *a, const char *b)
{
	g_auto(GStrv) la = g_strsplit(a, "\n", -1);
	g_auto(GStrv) lb = g_strsplit(b, "\n", -1);
	g_autoptr(GHashTable) in_b = g_hash_table_new(g_str_hash, g_str_equal);
	for (guint i = 0; lb[i]; i++)
		g_hash_table_add(in_b, lb[i]);
	GPtrArray *out = g_ptr_array_new_with_free_func(g_free);
	for (guint i = 0; la[i]; i++)
		if (*la[i] && !g_hash_table_contains(in_b, la[i]))
			g_ptr_array_add(out, g_strdup(la[i]));
	return out;
}

void h_assert_same(const char *what, const char *before, const char *after)
{
	if (!strcmp(before, after))
		return;
	g_autoptr(GPtrArray) gone = lines_missing(before, after);
	g_autoptr(GPtrArray) added = lines_missing(after, before);
	GString *msg = g_string_new(NULL);
	for (guint i = 0; i < gone->len && i < 8; i++)
		g_string_append_printf(msg, "  - %.300s\n", (char *)gone->pdata[i]);
	for (guint i = 0; i < added->len && i < 8; i++)
		g_string_append_printf(msg, "  + %.300s\n", (char *)added->pdata[i]);
	g_error("%s changed (%u lines gone, %u added):\n%s", what, gone->len, added->len, msg->str);
}

GPtrArray *h_dump_added(const char *before, const char *after, const char *table)
{
	g_autoptr(GPtrArray) added = lines_missing(after, before);
	g_autofree char *prefix = g_strdup_printf("%s|", table);
	GPtrArray *out = g_ptr_array_new_with_free_func(g_free);
	for (guint i = 0; i < added->len; i++)
		if (g_str_has_prefix(added->pdata[i], prefix))
			g_ptr_array_add(out, g_strdup(added->pdata[i]));
	return out;
}

sqlite3 *h_db_open(Harness *h)
{
	g_autofree char *db = g_build_filename(h->dir, "spool", "chaser.db", NULL);
	sqlite3 *sq = NULL;
	g_assert_cmpint(sqlite3_open(db, &sq), ==, SQLITE_OK);
	sqlite3_busy_timeout(sq, 5000);
	return sq;
}

void h_run_ok(Harness *h, const char *now, const char *command)
{
	int rc = h_run(h, now, command, NULL);
	if (rc != 0)
		g_error("chaser %s at %s failed (%d): %s%s", command, now ? now : "-", rc, h->out,
		        h->err);
}

void h_poll_flush(Harness *h, const char *now)
{
	h_run_ok(h, now, "poll");
	h_run_ok(h, now, "flush");
}

void h_tick_flush(Harness *h, const char *now)
{
	h_run_ok(h, now, "tick");
	h_run_ok(h, now, "flush");
}

void h_cycle(Harness *h, const char *now)
{
	h_run_ok(h, now, "poll");
	h_run_ok(h, now, "tick");
	h_run_ok(h, now, "flush");
}

void h_reply_about(Harness *h, const char *name, const char *kind, const char *to,
                   const char *about, const char *from, const char *body,
                   const char *attachment)
{
	g_autoptr(GPtrArray) all = h_outgoing(h);
	const char *mail = NULL;
	g_autofree char *suffix = g_strdup_printf("-%s.eml", kind);
	for (guint i = all->len; i > 0 && !mail; i--) {
		const char *p = all->pdata[i - 1];
		g_autofree char *t = h_header(p, "To");
		g_autofree char *b = g_str_has_suffix(p, suffix) ? h_body(p) : NULL;
		if (b && t && strstr(t, to) && (!about || strstr(b, about)))
			mail = p;
	}
	if (!mail)
		g_error("no %s mail to %s about %s", kind, to, about ? about : "-");
	g_autofree char *token = h_token(mail);
	g_autofree char *msgid = h_msgid(mail);
	g_autofree char *subject = h_header(mail, "Subject");
	g_autofree char *text = NULL;
	if (attachment) {
		g_autofree char *b64 = g_base64_encode((const guchar *)attachment, strlen(attachment));
		text = g_strdup_printf(
			"From: %s\nTo: <safeguarding+%s@council.example>\nSubject: RE: %s\n"
			"Message-ID: <%s@test.example.org>\nIn-Reply-To: <%s>\nMIME-Version: 1.0\n"
			"Content-Type: multipart/mixed; boundary=\"b1\"\n\n--b1\n"
			"Content-Type: text/plain; charset=utf-8\n\n%s\n--b1\n"
			"Content-Type: application/pdf; name=\"report.pdf\"\n"
			"Content-Disposition: attachment; filename=\"report.pdf\"\n"
			"Content-Transfer-Encoding: base64\n\n%s\n--b1--\n",
			from, token, subject, name, msgid, body, b64);
	} else {
		text = g_strdup_printf("From: %s\nTo: <safeguarding+%s@council.example>\nSubject: RE: %s\n"
		                       "Message-ID: <%s@test.example.org>\nIn-Reply-To: <%s>\n\n%s\n",
		                       from, token, subject, name, msgid, body);
	}
	h_deliver(h, name, text);
}

void h_new_mail(Harness *h, guint *seen, GPtrArray *log)
{
	g_autoptr(GPtrArray) all = h_outgoing(h);
	for (guint i = *seen; i < all->len; i++) {
		const char *p = all->pdata[i];
		const char *dash = strrchr(p, '-');
		g_autofree char *kind = g_strndup(dash + 1, strlen(dash + 1) - strlen(".eml"));
		g_autofree char *to = h_header(p, "To");
		g_autofree char *date = h_header(p, "Date");
		/* "Thu, 03 Dec 2026 11:05:00 +0000" */
		g_autofree char *day = g_strndup(date + 5, 6);
		const char *lt = strchr(to, '<');
		g_autofree char *addr = lt ? g_strndup(lt + 1, strcspn(lt + 1, ">")) : g_strdup(to);
		g_ptr_array_add(log, g_strdup_printf("%s %s %s", day, kind, addr));
	}
	*seen = all->len;
}
