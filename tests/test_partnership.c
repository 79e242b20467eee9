/* The reports to the partnership, lived with --now through the real binary.
 *
 * 001: the team reports "to LSCB on outcome of escalations". 004: "QASG offers regular
 * reports to CTSCB, detailing the number and nature of concerns raised, what enquiries are
 * made and what are the conclusions."
 *
 * One quarter (October to December 2026) of two conferences under two procedures, built
 * through the real commands and replies:
 *   - CP-2026-0042 (default): the chair escalates line 1 (police, report_late) and line 2
 *     (the school, no_report). The police SLO answers RESOLVED in time. The school's SLO
 *     answers NOT RESOLVED in time at stage 1, then nobody answers stages 2, 3 and 4: the
 *     concern climbs in silence. On main that counted as answered in time (its first
 *     answer was).
 *   - CP-2026-0043 (cwm-taf): the chair escalates line 1 (health, no_apologies); the one
 *     asked answers RESOLVED after the due date, the day after the chaser.
 *   - Nobody sends any post-conference report: each one requested goes missing, and each
 *     is an escalation to the agency lead, which must be on the register.
 * With [reports] send = quarterly, day = 5, the report is due on the 5th working day after
 * 31 December 2026: worked out by hand, Friday 8 January 2027 (1 January is a bank
 * holiday; Monday 4 to Friday 8 are days 1 to 5).
 */
#include <fcntl.h>
#include <glib/gstdio.h>
#include <sqlite3.h>
#include <string.h>

#include <gmime/gmime.h>

#include "support/harness.h"

#define REF_B "CP-2026-0043"
#define HEALTH_SLO "safeguarding.lead@health.example.org"
#define BOARD "board@partnership.example.org"
#define QASG "qasg.chair@council.example"

/* The newest mail whose file name says `kind` and whose subject names `ref`. */
static char *mail_about(Harness *h, const char *kind, const char *ref)
{
	g_autoptr(GPtrArray) all = h_outgoing(h);
	g_autofree char *suffix = g_strdup_printf("-%s.eml", kind);
	for (guint i = all->len; i > 0; i--) {
		const char *p = all->pdata[i - 1];
		if (!g_str_has_suffix(p, suffix))
			continue;
		g_autofree char *subject = h_header(p, "Subject");
		if (subject && strstr(subject, ref))
			return g_strdup(p);
	}
	return NULL;
}

/* A reply from whoever `mail` went to, carrying its token. */
static void answer(Harness *h, const char *name, const char *mail, const char *body)
{
	g_assert_nonnull(mail);
	g_autofree char *to = h_header(mail, "To");
	g_autofree char *token = h_token(mail);
	g_autofree char *msgid = h_msgid(mail);
	g_autofree char *subject = h_header(mail, "Subject");
	/* "Name <addr>" or a bare address. */
	const char *lt = strchr(to, '<');
	g_autofree char *addr = lt ? g_strndup(lt + 1, strcspn(lt + 1, ">")) : g_strdup(to);
	g_autofree char *text = g_strdup_printf(
		"From: %s\nTo: Safeguarding <safeguarding+%s@council.example>\nSubject: RE: %s\n"
		"Message-ID: <%s@test.example.org>\nIn-Reply-To: <%s>\n"
		"Date: Thu, 26 Nov 2026 10:00:00 +0000\n\n%s\n",
		addr, token, subject, name, msgid, body);
	h_deliver(h, name, text);
}

static char *esc_state(Harness *h, const char *now, const char *ref, int n)
{
	g_autoptr(JsonNode) show = h_json(h, now, "show", ref, NULL);
	JsonObject *e = h_escalation(show, n);
	g_assert_nonnull(e);
	return g_strdup_printf("%s at stage %" G_GINT64_FORMAT, h_str(e, "state"),
	                       json_object_get_int_member(e, "stage"));
}

static gint64 db_count(Harness *h, const char *sql)
{
	sqlite3 *sq = h_db_open(h);
	sqlite3_stmt *st;
	g_assert_cmpint(sqlite3_prepare_v2(sq, sql, -1, &st, NULL), ==, SQLITE_OK);
	g_assert_cmpint(sqlite3_step(st), ==, SQLITE_ROW);
	gint64 n = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	sqlite3_close(sq);
	return n;
}

/* What the test did, and so what the report must say. */
typedef struct {
	gint64 concerns, asked, in_time, late, unanswered, resolved, open, missing;
} ProcWant;

typedef struct {
	Harness *h;
	ProcWant def, cwm;
	/* per agency, the chair's escalations: stages asked, in time, late, not answered */
	gint64 school[4], police[4], health[4];
	guint missing_school;
} World;

/* Every working day's ticks, 09:05 and 16:00, from `from` to `to` (both included). */
static void tick_days(Harness *h, int d1, int m1, int y1, int d2, int m2, int y2)
{
	GDate d, end;
	g_date_set_dmy(&d, d1, m1, y1);
	g_date_set_dmy(&end, d2, m2, y2);
	for (; g_date_compare(&d, &end) <= 0; g_date_add_days(&d, 1)) {
		GDateWeekday wd = g_date_get_weekday(&d);
		if (wd == G_DATE_SATURDAY || wd == G_DATE_SUNDAY)
			continue;
		static const char *const hours[] = { "09:05", "16:00" };
		for (guint j = 0; j < G_N_ELEMENTS(hours); j++) {
			g_autofree char *now = g_strdup_printf("%04d-%02d-%02dT%s", g_date_get_year(&d),
			                                       g_date_get_month(&d), g_date_get_day(&d),
			                                       hours[j]);
			h_tick_flush(h, now);
		}
	}
}

/* How many report requests went out for conference `ref`, one per agency owing. */
static guint requests_for(Harness *h, const char *ref)
{
	g_autoptr(GPtrArray) all = h_outgoing(h);
	g_autoptr(GHashTable) agencies = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	for (guint i = 0; i < all->len; i++) {
		const char *p = all->pdata[i];
		if (!g_str_has_suffix(p, "-report_request.eml") &&
		    !g_str_has_suffix(p, "-report_request_late.eml"))
			continue;
		g_autofree char *subject = h_header(p, "Subject");
		g_autofree char *to = h_header(p, "To");
		if (!subject || !strstr(subject, ref) || !to)
			continue;
		const char *at = strrchr(to, '@');
		g_hash_table_add(agencies, g_strndup(at, strcspn(at, ">")));
	}
	return g_hash_table_size(agencies);
}

static World *the_quarter(void)
{
	static World *w;
	if (w)
		return w;
	w = g_new0(World, 1);
	Harness *h = w->h = h_new("[people]\n"
	                          "qasg = " QASG "\n"
	                          "[reports]\n"
	                          "to = " BOARD "; " QASG "\n"
	                          "send = quarterly\n"
	                          "day = 5\n");
	h_story_setup(h);
	/* A: authorised with two escalations on Tuesday 24 November. */
	h_reply_to(h, "chair-a", "distribution_list", H_CHAIR, H_CHAIR,
	           "AUTHORISED\nESCALATE 1 report_late: it came the morning of the conference\n"
	           "ESCALATE 2 no_report: nothing came before the conference\n");
	h_poll_flush(h, "2026-11-24T09:10");
	/* Wednesday 25th, within the 5 working days: police resolved, school not. */
	h_reply_to(h, "police-1", "escalation", H_POLICE_SLO, H_POLICE_SLO,
	           "RESOLVED: the report will come a week before from now on\n");
	h_poll_flush(h, "2026-11-25T10:00");
	h_reply_to(h, "school-1", "escalation", H_SCHOOL_SLO, H_SCHOOL_SLO,
	           "NOT RESOLVED: we dispute that a report was needed\n");
	h_poll_flush(h, "2026-11-25T11:00");
	g_autofree char *st = esc_state(h, "2026-11-25T11:05", H_REF, 2);
	g_assert_cmpstr(st, ==, "open at stage 2");

	/* The second conference, under Cwm Taf's procedure. */
	const char *t = "2026-11-26T09:30";
	g_assert_cmpint(h_run(h, t, "conference", "add", REF_B, "--held", "2026-11-25T10:00",
	                      "--chair", H_CHAIR, "--social-worker", "amara.sowande@council.example",
	                      "--procedure", "cwm-taf", NULL),
	                ==, 0);
	g_autofree char *csv = g_build_filename(h->dir, "list-b.csv", NULL);
	g_assert_true(g_file_set_contents(
		csv,
		"name,email,agency,attendance,report\n"
		"Nia Powell,nia.powell@health.example.org,Northshire Health,absent,none\n"
		"Ben Cole,ben.cole@police.example.org,Northshire Police,attended,submitted\n",
		-1, NULL));
	g_assert_cmpint(h_run(h, t, "list", "import", REF_B, "list-b.csv", NULL), ==, 0);
	g_assert_cmpint(h_run(h, t, "list", "send", REF_B, NULL), ==, 0);
	h_run_ok(h, t, "flush");

	/* B: authorised on Thursday 26th, one escalation. */
	g_autofree char *list_b = mail_about(h, "distribution_list", REF_B);
	answer(h, "chair-b", list_b, "AUTHORISED\nESCALATE 1 no_apologies\n");
	h_poll_flush(h, "2026-11-26T10:00");
	g_autofree char *asked_b = mail_about(h, "escalation", REF_B);
	g_assert_nonnull(asked_b);

	/* Every working day to Thursday 10 December: the school's concern climbs in silence;
	 * B's first stage (two weeks) is due on the 10th. */
	tick_days(h, 27, 11, 2026, 10, 12, 2026);
	/* Friday 11th: the chaser goes at 09:05; the answer comes at 11:00, a day late. */
	h_tick_flush(h, "2026-12-11T09:05");
	g_autofree char *b_state = esc_state(h, "2026-12-11T09:10", REF_B, 1);
	g_assert_cmpstr(b_state, ==, "open at stage 1");
	answer(h, "health-1", asked_b, "RESOLVED: apologies will be sent from now on\n");
	h_poll_flush(h, "2026-12-11T11:00");
	b_state = (g_free(b_state), esc_state(h, "2026-12-11T11:05", REF_B, 1));
	g_assert_cmpstr(b_state, ==, "resolved at stage 1");
	/* The rest of the quarter, and the first days of January before the report is due. */
	tick_days(h, 14, 12, 2026, 31, 12, 2026);
	g_autofree char *school = esc_state(h, "2026-12-31T16:05", H_REF, 2);
	g_assert_cmpstr(school, ==, "open at stage 4");

	/* What was done, counted here. Default: line 1, one stage, in time, resolved; line 2,
	 * stage 1 in time then stages 2, 3 and 4 with no answer, still open. */
	w->police[0] = 1, w->police[1] = 1;
	w->school[0] = 4, w->school[1] = 1, w->school[3] = 3;
	w->health[0] = 1, w->health[2] = 1;
	guint missing_a = requests_for(h, H_REF), missing_b = requests_for(h, REF_B);
	g_assert_cmpuint(missing_a, >=, 1);
	g_assert_cmpuint(missing_b, ==, 1);
	w->missing_school = 1;
	w->def = (ProcWant){ .concerns = 2, .asked = 5 + missing_a, .in_time = 2, .late = 0,
		                 .unanswered = 3 + missing_a, .resolved = 1, .open = 1,
		                 .missing = missing_a };
	w->cwm = (ProcWant){ .concerns = 1, .asked = 1 + missing_b, .in_time = 0, .late = 1,
		                 .unanswered = missing_b, .resolved = 1, .open = 0,
		                 .missing = missing_b };
	return w;
}

/* ---- CSV ---------------------------------------------------------------------------- */

/* RFC 4180 records. */
static GPtrArray *csv_parse(const char *text)
{
	GPtrArray *records = g_ptr_array_new_with_free_func((GDestroyNotify)g_ptr_array_unref);
	GPtrArray *rec = g_ptr_array_new_with_free_func(g_free);
	GString *f = g_string_new(NULL);
	gboolean q = FALSE, any = FALSE;
	for (const char *p = text; *p; p++) {
		if (q) {
			if (*p == '"' && p[1] == '"')
				g_string_append_c(f, '"'), p++;
			else if (*p == '"')
				q = FALSE;
			else
				g_string_append_c(f, *p);
		} else if (*p == '"') {
			q = TRUE, any = TRUE;
		} else if (*p == ',') {
			g_ptr_array_add(rec, g_strdup(f->str)), g_string_truncate(f, 0), any = TRUE;
		} else if (*p == '\r') {
		} else if (*p == '\n') {
			if (any || f->len)
				g_ptr_array_add(rec, g_strdup(f->str));
			g_string_truncate(f, 0);
			g_ptr_array_add(records, rec);
			rec = g_ptr_array_new_with_free_func(g_free);
			any = FALSE;
		} else {
			g_string_append_c(f, *p), any = TRUE;
		}
	}
	g_ptr_array_unref(rec);
	g_string_free(f, TRUE);
	return records;
}

/* The table titled `title` of a multi-table CSV: its header, then its rows. */
static GPtrArray *csv_table(GPtrArray *records, const char *title)
{
	for (guint i = 0; i < records->len; i++) {
		GPtrArray *r = records->pdata[i];
		if (r->len != 1 || strcmp(r->pdata[0], title))
			continue;
		GPtrArray *out = g_ptr_array_new();
		for (guint k = i + 1; k < records->len && ((GPtrArray *)records->pdata[k])->len; k++)
			g_ptr_array_add(out, records->pdata[k]);
		return out;
	}
	g_error("no table %s", title);
}

static const char *csv_cell(GPtrArray *table, const char *row, const char *col)
{
	GPtrArray *head = table->pdata[0];
	guint c = 0;
	while (c < head->len && strcmp(head->pdata[c], col))
		c++;
	if (c == head->len)
		g_error("no column %s", col);
	for (guint i = 1; i < table->len; i++) {
		GPtrArray *r = table->pdata[i];
		if (!strcmp(r->pdata[0], row))
			return r->pdata[c];
	}
	g_error("no row %s", row);
}

static void assert_int(GPtrArray *table, const char *row, const char *col, gint64 want)
{
	const char *got = csv_cell(table, row, col);
	if (g_ascii_strtoll(got, NULL, 10) != want || !*got)
		g_error("%s / %s: the report says %s, the test counted %" G_GINT64_FORMAT, row, col,
		        got, want);
}

static void assert_procedure(GPtrArray *t, const char *name, const ProcWant *p)
{
	assert_int(t, name, "Concerns raised", p->concerns);
	assert_int(t, name, "Enquiries made", p->asked);
	assert_int(t, name, "Answered in time", p->in_time);
	assert_int(t, name, "Answered late", p->late);
	assert_int(t, name, "Not answered", p->unanswered);
	assert_int(t, name, "Resolved", p->resolved);
	assert_int(t, name, "Still open", p->open);
	assert_int(t, name, "Escalations for missing reports", p->missing);
}

static GPtrArray *quarter_csv(World *w, const char *kind)
{
	g_assert_cmpint(h_run(w->h, "2027-01-08T12:00", "report", "--quarter", "2026-Q4", "--kind",
	                      kind, "--format", "csv", NULL),
	                ==, 0);
	return csv_parse(w->h->out);
}

/* ---- the mail ------------------------------------------------------------------------ */

typedef struct {
	char *body;
	GBytes *xlsx, *html;
	char *xlsx_name, *html_name;
} Sent;

static void sent_clear(Sent *s)
{
	g_free(s->body), g_free(s->xlsx_name), g_free(s->html_name);
	g_clear_pointer(&s->xlsx, g_bytes_unref);
	g_clear_pointer(&s->html, g_bytes_unref);
}

static GBytes *part_bytes(GMimePart *part)
{
	GMimeDataWrapper *w = g_mime_part_get_content(part);
	GMimeStream *mem = g_mime_stream_mem_new();
	g_mime_data_wrapper_write_to_stream(w, mem);
	GByteArray *a = g_mime_stream_mem_get_byte_array(GMIME_STREAM_MEM(mem));
	GBytes *b = g_bytes_new(a->data, a->len);
	g_object_unref(mem);
	return b;
}

static void read_sent(const char *path, Sent *s)
{
	memset(s, 0, sizeof *s);
	GMimeStream *st = g_mime_stream_fs_open(path, O_RDONLY, 0, NULL);
	g_assert_nonnull(st);
	GMimeParser *p = g_mime_parser_new_with_stream(st);
	GMimeMessage *m = g_mime_parser_construct_message(p, NULL);
	g_assert_nonnull(m);
	GMimeObject *top = g_mime_message_get_mime_part(m);
	g_assert_true(GMIME_IS_MULTIPART(top));
	GMimeMultipart *mp = GMIME_MULTIPART(top);
	for (int i = 0; i < g_mime_multipart_get_count(mp); i++) {
		GMimeObject *o = g_mime_multipart_get_part(mp, i);
		GMimeContentType *ct = g_mime_object_get_content_type(o);
		GMimePart *part = GMIME_PART(o);
		const char *fn = g_mime_part_get_filename(part);
		GBytes *b = part_bytes(part);
		if (g_mime_content_type_is_type(ct, "text", "plain") && !fn) {
			g_autoptr(GString) t = g_string_new_len(g_bytes_get_data(b, NULL),
			                                         g_bytes_get_size(b));
			g_string_replace(t, "\r\n", "\n", 0);
			s->body = g_strdup(t->str);
			g_bytes_unref(b);
		} else if (g_mime_content_type_is_type(ct, "text", "html")) {
			s->html = b, s->html_name = g_strdup(fn);
		} else {
			s->xlsx = b, s->xlsx_name = g_strdup(fn);
		}
	}
	g_object_unref(m);
	g_object_unref(p);
	g_object_unref(st);
}

/* "  Label: N" under "Procedure NAME" in the body. */
static gint64 body_figure(const char *body, const char *procedure, const char *label)
{
	g_autofree char *head = g_strdup_printf("Procedure %s\n", procedure);
	const char *b = strstr(body, head);
	if (!b)
		g_error("the body has no block for procedure %s:\n%s", procedure, body);
	const char *end = strstr(b + strlen(head), "Procedure ");
	g_autofree char *want = g_strdup_printf("\n  %s: ", label);
	const char *f = g_strstr_len(b, end ? end - b : -1, want);
	if (!f)
		g_error("procedure %s: no %s in the body", procedure, label);
	return g_ascii_strtoll(f + strlen(want), NULL, 10);
}

static void assert_body_procedure(const char *body, const char *name, const ProcWant *p)
{
	g_assert_cmpint(body_figure(body, name, "Concerns raised"), ==, p->concerns);
	g_assert_cmpint(body_figure(body, name, "Enquiries made"), ==, p->asked);
	g_assert_cmpint(body_figure(body, name, "Answered in time"), ==, p->in_time);
	g_assert_cmpint(body_figure(body, name, "Not answered"), ==, p->unanswered);
	g_assert_cmpint(body_figure(body, name, "Resolved"), ==, p->resolved);
}

/* `chaser tick` at `now`, killed at its `k`-th crash point (CHASER_CRASH_AT): it may die by
 * SIGKILL, which h_run() takes for a crash of chaser's own. */
static void tick_killed_at(Harness *h, const char *now, int k, const char *log)
{
	g_autofree char *at = g_strdup_printf("%d", k);
	g_auto(GStrv) env = g_get_environ();
	env = g_environ_setenv(env, "CHASER_CRASH_AT", at, TRUE);
	env = g_environ_setenv(env, "CHASER_CRASH_LOG", log, TRUE);
	const char *argv[] = { h->bin, "-c", h->conf, "--now", now, "tick", NULL };
	int wait = 0;
	GError *e = NULL;
	g_assert_true(g_spawn_sync(h->dir, (char **)argv, env, G_SPAWN_STDOUT_TO_DEV_NULL |
	                           G_SPAWN_STDERR_TO_DEV_NULL, NULL, NULL, NULL, NULL, &wait, &e));
	g_assert_no_error(e);
}

static gint64 partnership_rows(Harness *h)
{
	return db_count(h, "SELECT count(*) FROM outbox WHERE kind = 'partnership_report'");
}

/* Not before its day; then once, whatever crashes, restarts and second ticks do. */
static void test_quarterly_report_sent_once(void)
{
	World *w = the_quarter();
	Harness *h = w->h;
	tick_days(h, 4, 1, 2027, 7, 1, 2027);
	g_assert_cmpint(partnership_rows(h), ==, 0);
	g_assert_cmpuint(h_count_mail(h, "partnership_report", NULL), ==, 0);

	/* Friday 8 January, 09:05: killed at each step of the tick in turn, until the kill
	 * falls just after the report's commit. Before it, nothing is queued. */
	g_autofree char *log = g_build_filename(h->dir, "crash.log", NULL);
	gboolean after = FALSE;
	for (int k = 1; k < 40 && !after; k++) {
		g_unlink(log);
		tick_killed_at(h, "2027-01-08T09:05", k, log);
		g_autofree char *text = NULL;
		if (!g_file_get_contents(log, &text, NULL, NULL))
			g_error("the tick reached no crash point %d", k);
		g_strchomp(text);
		const char *last = strrchr(text, '\n');
		last = last ? last + 1 : text;
		after = !strcmp(last, "partnership.after-commit");
		if (!after)
			g_assert_cmpint(partnership_rows(h), ==, 0);
	}
	g_assert_true(after);
	g_assert_cmpint(partnership_rows(h), ==, 2);
	/* A second tick, a restart later the same day, and the next working day: nothing more. */
	h_tick_flush(h, "2027-01-08T09:30");
	h_tick_flush(h, "2027-01-08T16:00");
	h_tick_flush(h, "2027-01-11T09:05");
	g_assert_cmpint(partnership_rows(h), ==, 2);
	g_assert_cmpuint(h_count_mail(h, "partnership_report", BOARD), ==, 1);
	g_assert_cmpuint(h_count_mail(h, "partnership_report", QASG), ==, 1);
	g_assert_cmpuint(h_count_mail(h, "partnership_report", NULL), ==, 2);

	g_autofree char *mail = h_mail(h, "partnership_report", BOARD);
	g_autofree char *subject = h_header(mail, "Subject");
	g_assert_cmpstr(subject, ==, "[2026-Q4] Quarterly report to the safeguarding partnership");
	Sent s;
	read_sent(mail, &s);
	g_assert_nonnull(s.body);
	g_assert_nonnull(strstr(s.body, "1 October 2026"));
	g_assert_nonnull(strstr(s.body, "31 December 2026"));
	assert_body_procedure(s.body, "default", &w->def);
	assert_body_procedure(s.body, "cwm-taf", &w->cwm);
	/* No child's, family's or professional's detail: not in the body, nor attached. */
	static const char *const private[] = { "Lena", "Marsh", "Sam Okafor", "Nia Powell",
		                                   "amara", "CP-2026-0042", "CP-2026-0043" };
	for (guint i = 0; i < G_N_ELEMENTS(private); i++) {
		g_assert_null(strstr(subject, private[i]));
		g_assert_null(strstr(s.body, private[i]));
		g_assert_null(g_strstr_len(g_bytes_get_data(s.html, NULL), g_bytes_get_size(s.html),
		                           private[i]));
	}
	g_assert_cmpstr(s.xlsx_name, ==, "partnership-2026-Q4.xlsx");
	g_assert_cmpstr(s.html_name, ==, "partnership-2026-Q4.html");
	g_assert_cmpint(memcmp(g_bytes_get_data(s.xlsx, NULL), "PK", 2), ==, 0);
	const char *page = g_bytes_get_data(s.html, NULL);
	g_assert_nonnull(g_strstr_len(page, g_bytes_get_size(s.html), "Concerns by procedure"));
	sent_clear(&s);
}

/* Each stage against its own due date: the school answered stage 1 in time and ignored
 * the next three, and counts as late, by agency and on the register. */
static void test_each_stage_counted(void)
{
	World *w = the_quarter();
	g_autoptr(GPtrArray) all = quarter_csv(w, "summary");
	g_autoptr(GPtrArray) proc = csv_table(all, "Concerns by procedure");
	assert_procedure(proc, "default", &w->def);
	assert_procedure(proc, "cwm-taf", &w->cwm);
	g_assert_nonnull(strstr(csv_cell(proc, "default", "Nature of the concerns"),
	                        "did not provide a report: 1"));
	g_autoptr(GPtrArray) ag = csv_table(all, "Escalations by agency");
	struct {
		const char *name;
		const gint64 *want;
		gint64 in_time;
	} agencies[] = {
		{ "Brookfield Primary School", w->school, 0 },
		{ "Northshire Police", w->police, 1 },
		{ "Northshire Health", w->health, 0 },
	};
	for (guint i = 0; i < G_N_ELEMENTS(agencies); i++) {
		assert_int(ag, agencies[i].name, "Raised", 1);
		assert_int(ag, agencies[i].name, "Answered in time", agencies[i].in_time);
		assert_int(ag, agencies[i].name, "Stages asked", agencies[i].want[0]);
		assert_int(ag, agencies[i].name, "Stages answered in time", agencies[i].want[1]);
		assert_int(ag, agencies[i].name, "Stages answered late", agencies[i].want[2]);
		assert_int(ag, agencies[i].name, "Stages not answered", agencies[i].want[3]);
	}
	g_autoptr(GPtrArray) o = csv_table(all, "Overview");
	/* Police only: the school ignored stages, health answered late. */
	assert_int(o, "Escalations answered in time", "Value", 1);

	g_autoptr(GPtrArray) reg_all = quarter_csv(w, "register");
	GPtrArray *head = reg_all->pdata[0];
	guint c_agency = 0, c_by = 0, c_time = 0;
	for (guint c = 0; c < head->len; c++) {
		c_agency = strcmp(head->pdata[c], "Agency") ? c_agency : c;
		c_by = strcmp(head->pdata[c], "Raised by") ? c_by : c;
		c_time = strcmp(head->pdata[c], "Answered in time") ? c_time : c;
	}
	gboolean seen = FALSE;
	for (guint i = 1; i < reg_all->len; i++) {
		GPtrArray *r = reg_all->pdata[i];
		if (r->len <= c_time || strcmp(r->pdata[c_agency], "Brookfield Primary School") ||
		    strcmp(r->pdata[c_by], "chair"))
			continue;
		g_assert_cmpstr(r->pdata[c_time], ==, "no answer, overdue");
		seen = TRUE;
	}
	g_assert_true(seen);
}

/* The escalation chaser made when the school's report went missing is on the register. */
static void test_missing_report_on_register(void)
{
	World *w = the_quarter();
	g_autoptr(GPtrArray) reg = quarter_csv(w, "register");
	GPtrArray *head = reg->pdata[0];
	int c_ref = -1, c_agency = -1, c_by = -1, c_codes = -1, c_state = -1;
	for (guint c = 0; c < head->len; c++) {
		const char *n = head->pdata[c];
		c_ref = !strcmp(n, "Reference") ? (int)c : c_ref;
		c_agency = !strcmp(n, "Agency") ? (int)c : c_agency;
		c_by = !strcmp(n, "Raised by") ? (int)c : c_by;
		c_codes = !strcmp(n, "Reason codes") ? (int)c : c_codes;
		c_state = !strcmp(n, "State") ? (int)c : c_state;
	}
	g_assert_cmpint(c_by, >=, 0);
	guint school = 0, all = 0;
	for (guint i = 1; i < reg->len; i++) {
		GPtrArray *r = reg->pdata[i];
		if ((int)r->len <= c_state || strcmp(r->pdata[c_by], "chaser: report missing"))
			continue;
		all++;
		g_assert_cmpstr(r->pdata[c_codes], ==, "no_report");
		g_assert_cmpstr(r->pdata[c_state], ==, "report missing");
		school += !strcmp(r->pdata[c_ref], H_REF) &&
		          !strcmp(r->pdata[c_agency], "Brookfield Primary School");
	}
	g_assert_cmpuint(school, ==, w->missing_school);
	g_assert_cmpint(all, ==, w->def.missing + w->cwm.missing);
	g_autoptr(GPtrArray) sum = quarter_csv(w, "summary");
	g_autoptr(GPtrArray) o = csv_table(sum, "Overview");
	assert_int(o, "Escalations for missing reports", "Value", w->def.missing + w->cwm.missing);
	assert_int(o, "Escalations raised", "Value", w->def.concerns + w->cwm.concerns);
}

/* [reports] mistakes refused at start with their line; --quarter read strictly. */
static void test_reports_config_and_quarter(void)
{
	g_autoptr(Harness) h = h_new(NULL);
	g_autofree char *conf = NULL;
	g_assert_true(g_file_get_contents(h->conf, &conf, NULL, NULL));
	static const char *const bad[] = { "send = monthly\nto = " BOARD "\n",
		                               "send = quarterly\n", "to = not-an-address\n",
		                               "to = " BOARD "\nday = 0\n" };
	for (guint i = 0; i < G_N_ELEMENTS(bad); i++) {
		g_autofree char *text = g_strdup_printf("%s[reports]\n%s", conf, bad[i]);
		g_assert_true(g_file_set_contents(h->conf, text, -1, NULL));
		g_assert_cmpint(h_run(h, NULL, "report", "--quarter", "2026-Q4", NULL), !=, 0);
		g_assert_nonnull(strstr(h->err, "[reports]"));
		g_assert_nonnull(strstr(h->err, "chaser.conf:"));
	}
	g_assert_true(g_file_set_contents(h->conf, conf, -1, NULL));
	static const char *const quarters[] = { "2026-Q5", "2026Q1", "2026-Q1x", "26-Q1" };
	for (guint i = 0; i < G_N_ELEMENTS(quarters); i++)
		g_assert_cmpint(h_run(h, NULL, "report", "--quarter", quarters[i], NULL), ==, 2);
	g_assert_cmpint(h_run(h, NULL, "report", "--quarter", "2026-Q3", NULL), ==, 0);
	g_assert_nonnull(strstr(h->out, "1 July 2026 to"));
	g_assert_nonnull(strstr(h->out, "30 September 2026"));
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_mime_init();
	g_test_add_func("/partnership/each-stage-counted", test_each_stage_counted);
	g_test_add_func("/partnership/missing-report-on-register", test_missing_report_on_register);
	g_test_add_func("/partnership/quarterly-report-sent-once", test_quarterly_report_sent_once);
	g_test_add_func("/partnership/reports-config-and-quarter", test_reports_config_and_quarter);
	return g_test_run();
}
