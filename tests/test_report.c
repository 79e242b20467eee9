/* Registers, partnership reports, the case record, reconciliation and retention, as a
 * manager and admin use them: the real binary, a Maildir in, a spool folder out.
 *
 * The year test drives a year of invented activity through the binary (conferences added,
 * lists imported and sent, chairs' replies, SLOs answering RESOLVED, NOT RESOLVED, in free
 * text or not at all, the timer moving silence up the ladder) and keeps its own count of
 * what it caused, with its own calendar; then every report in every format must agree with
 * that count. A seeded GRand makes the year the same on every run. */
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <glib/gstdio.h>
#include <libxml/HTMLparser.h>
#include <libxml/xpath.h>

#include "support/harness.h"
#include "support/skip.h"

/* ---- a calendar of our own: England and Wales, 2026 and 2027 (GOV.UK) -------------------- */

static const char *const bank_holidays[] = {
	"2026-01-01", "2026-04-03", "2026-04-06", "2026-05-04", "2026-05-25", "2026-08-31",
	"2026-12-25", "2026-12-28", "2027-01-01", "2027-03-26", "2027-03-29", "2027-05-03",
	"2027-05-31", "2027-08-30", "2027-12-27", "2027-12-28", NULL,
};

static char *ymd(const GDate *d)
{
	return g_strdup_printf("%04d-%02d-%02d", g_date_get_year(d), g_date_get_month(d),
	                       g_date_get_day(d));
}

static gboolean working(const GDate *d)
{
	GDateWeekday w = g_date_get_weekday(d);
	if (w == G_DATE_SATURDAY || w == G_DATE_SUNDAY)
		return FALSE;
	g_autofree char *s = ymd(d);
	for (guint i = 0; bank_holidays[i]; i++)
		if (!strcmp(s, bank_holidays[i]))
			return FALSE;
	return TRUE;
}

/* The n-th working day after d (d itself never counts). */
static GDate add_wd(GDate d, int n)
{
	while (n > 0) {
		g_date_add_days(&d, 1);
		n -= working(&d);
	}
	return d;
}

static int wd_between(GDate a, const GDate *b)
{
	int n = 0;
	while (g_date_compare(&a, b) < 0) {
		g_date_add_days(&a, 1);
		n += working(&a);
	}
	return n;
}

static GDate day_of(int y, int m, int d)
{
	GDate g;
	g_date_clear(&g, 1);
	g_date_set_dmy(&g, d, m, y);
	return g;
}

static GDate plus_days(GDate d, int n)
{
	if (n >= 0)
		g_date_add_days(&d, n);
	else
		g_date_subtract_days(&d, -n);
	return d;
}

static char *at(const GDate *d, const char *hhmm)
{
	g_autofree char *s = ymd(d);
	return g_strdup_printf("%sT%s", s, hhmm);
}

/* ---- small helpers ---------------------------------------------------------------------- */

static char *path_in(Harness *h, const char *name)
{
	return g_build_filename(h->dir, name, NULL);
}

static gint64 db_int(sqlite3 *sq, const char *sql)
{
	sqlite3_stmt *st = NULL;
	if (sqlite3_prepare_v2(sq, sql, -1, &st, NULL) != SQLITE_OK)
		g_error("%s: %s", sql, sqlite3_errmsg(sq));
	gint64 v = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : -1;
	sqlite3_finalize(st);
	return v;
}

static char *db_str(sqlite3 *sq, const char *sql)
{
	sqlite3_stmt *st = NULL;
	if (sqlite3_prepare_v2(sq, sql, -1, &st, NULL) != SQLITE_OK)
		g_error("%s: %s", sql, sqlite3_errmsg(sq));
	char *v = sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0)
	              ? g_strdup((const char *)sqlite3_column_text(st, 0))
	              : NULL;
	sqlite3_finalize(st);
	return v;
}

static void db_exec(sqlite3 *sq, const char *sql)
{
	char *msg = NULL;
	if (sqlite3_exec(sq, sql, NULL, NULL, &msg) != SQLITE_OK)
		g_error("%s: %s", sql, msg);
}

static void run_ok(Harness *h, const char *now, const char *what, int rc)
{
	if (rc != 0)
		g_error("chaser %s at %s failed (%d): %s%s", what, now ? now : "-", rc, h->err, h->out);
}

static char *read_file(const char *path)
{
	char *text = NULL;
	GError *e = NULL;
	g_file_get_contents(path, &text, NULL, &e);
	g_assert_no_error(e);
	return text;
}

static guint count_of(const char *hay, const char *needle)
{
	guint n = 0;
	for (const char *p = hay; (p = strstr(p, needle)); p += strlen(needle))
		n++;
	return n;
}

/* ---- CSV, read as RFC 4180 says ---------------------------------------------------------- */

/* Records of fields. With strict, every record must end in CRLF. */
static GPtrArray *csv_parse(const char *text, gboolean strict)
{
	GPtrArray *records = g_ptr_array_new_with_free_func((GDestroyNotify)g_ptr_array_unref);
	GPtrArray *rec = g_ptr_array_new_with_free_func(g_free);
	GString *f = g_string_new(NULL);
	gboolean quoted = FALSE, any = FALSE;
	for (const char *p = text; *p; p++) {
		if (quoted) {
			if (*p == '"' && p[1] == '"')
				g_string_append_c(f, '"'), p++;
			else if (*p == '"')
				quoted = FALSE;
			else
				g_string_append_c(f, *p);
			continue;
		}
		if (*p == '"') {
			quoted = any = TRUE;
		} else if (*p == ',') {
			g_ptr_array_add(rec, g_strdup(f->str));
			g_string_truncate(f, 0);
			any = TRUE;
		} else if (*p == '\r' || *p == '\n') {
			if (strict && (*p != '\r' || p[1] != '\n'))
				g_error("CSV line does not end in CRLF near: %.40s", p);
			if (*p == '\r' && p[1] == '\n')
				p++;
			g_ptr_array_add(rec, g_strdup(f->str));
			g_string_truncate(f, 0);
			g_ptr_array_add(records, rec);
			rec = g_ptr_array_new_with_free_func(g_free);
			any = FALSE;
		} else {
			g_string_append_c(f, *p);
			any = TRUE;
		}
	}
	g_assert_false(quoted);
	if (any || f->len) {
		if (strict)
			g_error("CSV does not end in CRLF");
		g_ptr_array_add(rec, g_strdup(f->str));
		g_ptr_array_add(records, rec);
	} else {
		g_ptr_array_unref(rec);
	}
	g_string_free(f, TRUE);
	return records;
}

static gboolean blank_record(GPtrArray *r)
{
	return r->len == 1 && !*(char *)r->pdata[0];
}

typedef struct {
	GPtrArray *header; /* char* (borrowed) */
	GPtrArray *rows;   /* GPtrArray* (borrowed) */
} Section;

static void section_free(gpointer p)
{
	Section *s = p;
	g_ptr_array_unref(s->rows);
	g_free(s);
}

/* Summary CSV: title record, header, rows, a blank record between sections. */
static GHashTable *csv_sections(GPtrArray *records)
{
	GHashTable *t = g_hash_table_new_full(g_str_hash, g_str_equal, NULL, section_free);
	for (guint i = 0; i < records->len;) {
		GPtrArray *title = records->pdata[i];
		g_assert_cmpuint(title->len, ==, 1);
		g_assert_cmpuint(i + 1, <, records->len);
		Section *s = g_new0(Section, 1);
		s->header = records->pdata[i + 1];
		s->rows = g_ptr_array_new();
		i += 2;
		while (i < records->len && !blank_record(records->pdata[i]))
			g_ptr_array_add(s->rows, records->pdata[i++]);
		i++; /* the blank record */
		g_hash_table_insert(t, title->pdata[0], s);
	}
	return t;
}

static Section *section(GHashTable *t, const char *title)
{
	Section *s = g_hash_table_lookup(t, title);
	if (!s)
		g_error("the summary CSV has no section '%s'", title);
	return s;
}

static int column(Section *s, const char *name)
{
	for (guint i = 0; i < s->header->len; i++)
		if (!strcmp(s->header->pdata[i], name))
			return i;
	g_error("no column '%s'", name);
	return -1;
}

static const char *cell(Section *s, const char *key, const char *col)
{
	int c = column(s, col);
	for (guint i = 0; i < s->rows->len; i++) {
		GPtrArray *r = s->rows->pdata[i];
		if (!strcmp(r->pdata[0], key))
			return (guint)c < r->len ? r->pdata[c] : "";
	}
	g_error("no row '%s'", key);
	return NULL;
}

static void assert_cell(Section *s, const char *key, const char *col, gint64 want)
{
	g_autofree char *w = g_strdup_printf("%" G_GINT64_FORMAT, want);
	const char *got = cell(s, key, col);
	if (strcmp(got, w))
		g_error("row '%s', column '%s': report says %s, we counted %s", key, col, got, w);
}

/* ---- the year: its people and what each one does ----------------------------------------- */

typedef struct {
	const char *name;
	const char *slo;
	const char *lead;      /* NULL: stage 2 of the default ladder asks the SLO again */
	const char *domain;
} Agency;

static const Agency agencies[] = {
	{ "Northshire Police", "ruth.calloway@police.example.org", NULL, "police.example.org" },
	{ "Northshire Health", "safeguarding.lead@health.example.org", "health.lead@health.example.org",
	  "health.example.org" },
	{ "Brookfield Primary School", "owen.pike@brookfield.example.net", NULL,
	  "brookfield.example.net" },
	{ "Riverside \"North\" Academy, Trust", "dsl@riverside.example.net",
	  "trust.lead@riverside.example.net", "riverside.example.net" },
	{ "Northshire Probation Service", "slo@probation.example.org", NULL,
	  "probation.example.org" },
	{ "Harbourside Housing", "safeguarding@harbourside.example.com",
	  "housing.lead@harbourside.example.com", "harbourside.example.com" },
	{ "Northshire Children's Centre", "centre.slo@children.example.org", NULL,
	  "children.example.org" },
	{ "Greenway Mental Health Trust", "slo@greenway.example.org", "lead@greenway.example.org",
	  "greenway.example.org" },
};

static const char *const chairs[][2] = {
	{ "ffion.testwood@chairs.example.org", "Dr Ffion Testwood" },
	{ "amos.keel@chairs.example.org", "Amos Keel" },
	{ "rhian.vale@chairs.example.org", "Rhian Vale" },
	{ "jonah.brightwater@chairs.example.org", "Jonah Brightwater" },
};

static const char *const firsts[] = { "Sam", "Lena", "Priya", "Tom", "Ade", "Marta", "Kofi",
	                                  "Ines", "Oren", "Bea", "Cal", "Dana", "Eli", "Fen" };
static const char *const lasts[] = { "Okafor", "Marsh", "Nair", "Rees", "Quill", "Hartley",
	                                 "Mensah", "Lowry", "Ashdown", "Pennick", "Trew", "Vosper" };

#define CP_COORDINATOR "cp.coordinator@council.example"
#define QASG "qasg.chair@council.example"
#define LSM "lead.safeguarding@council.example"

typedef enum {
	B_RESOLVED,        /* RESOLVED two days on */
	B_LATE,            /* RESOLVED the working day after the due date, after the chaser */
	B_CLIMB_RESOLVED,  /* NOT RESOLVED, then RESOLVED at stage 2 */
	B_CLIMB_SILENT,    /* NOT RESOLVED, then silence up the ladder */
	B_CONFIRMED,       /* free text, then the chair confirms RESOLVED */
	B_UNCONFIRMED,     /* free text, and the chair never confirms */
	B_SILENT,          /* nothing at all */
	B_COUNT,
} Behaviour;

static const int behaviour_weight[B_COUNT] = { 30, 10, 12, 8, 12, 8, 20 };

/* What a professional who missed the conference does about the report their agency owes. */
typedef enum {
	R_NONE,     /* nothing: missing after the due date */
	R_ON_TIME,  /* sends it on the Wednesday after the conference */
	R_LATE,     /* sends it two working days after the due date, once it is missing */
	R_COUNT,
} ReportBehaviour;

static const int report_weight[R_COUNT] = { 45, 35, 20 };

typedef struct Conf Conf;

typedef struct {
	Conf *conf;
	int n;
	char *name;
	char *email;
	const Agency *agency;
	const char *attendance;
	gboolean escalated;
	gboolean owes;        /* missed the conference: their agency owes a report */
	ReportBehaviour rb;
	GPtrArray *codes;     /* char* reason codes, as the store keeps them */
	char *written;        /* the reasons as the chair wrote them */
	Behaviour b;
	gboolean safety;
	/* what we expect */
	GDate raised, due1, closed;
	const char *state;
	int stage;
	const char *timely;
	int wd;               /* -1: not closed */
} Person;

struct Conf {
	char *ref;
	gboolean cwm;
	gboolean review;
	int chair;
	GDate monday;
	GPtrArray *people;    /* Person* */
	gboolean escalates;
};

typedef enum {
	EV_TICK,
	EV_SETUP,
	EV_CHAIR,
	EV_SLO1,
	EV_CONFIRM,
	EV_STAGE2,
	EV_LATE,
	EV_STRANGER,
	EV_OVERSIZE,
	EV_REPORT,
} EvType;

typedef struct {
	char *when;
	EvType type;
	guint seq;
	gpointer data;
} Event;

typedef struct {
	int id;
	char *kind, *to, *ref, *token, *msgid, *subject, *body;
} Sent;

typedef struct {
	Harness *h;
	GPtrArray *confs;     /* Conf* */
	GPtrArray *events;    /* Event* */
	GHashTable *sent;     /* ref -> GPtrArray of Sent*, oldest first */
	GPtrArray *all_sent;  /* Sent* (owner) */
	int last_sent;
	guint delivered;
	guint strangers, oversized, safety;
	int stages_default, stages_cwm;
	char *end;            /* --now for the reports */
} World;

static void sent_free(gpointer p)
{
	Sent *s = p;
	g_free(s->kind), g_free(s->to), g_free(s->ref), g_free(s->token), g_free(s->msgid);
	g_free(s->subject), g_free(s->body);
	g_free(s);
}

static char *address_of(const char *header)
{
	if (!header)
		return NULL;
	const char *lt = strrchr(header, '<'), *gt = lt ? strchr(lt, '>') : NULL;
	g_autofree char *a = lt && gt ? g_strndup(lt + 1, gt - lt - 1) : g_strdup(header);
	return g_ascii_strdown(g_strstrip(a), -1);
}

static int by_id(gconstpointer a, gconstpointer b)
{
	return (*(Sent *const *)a)->id - (*(Sent *const *)b)->id;
}

/* Reads the sent mail that appeared since the last look. */
static void scan_sent(World *w)
{
	g_autofree char *dir = g_build_filename(w->h->dir, "spool", "outgoing", NULL);
	g_autoptr(GDir) d = g_dir_open(dir, 0, NULL);
	if (!d)
		return;
	g_autoptr(GPtrArray) fresh = g_ptr_array_new();
	const char *name;
	int top = w->last_sent;
	while ((name = g_dir_read_name(d))) {
		const char *dash = strchr(name, '-');
		if (!dash || !g_str_has_suffix(name, ".eml"))
			continue;
		int id = atoi(name);
		if (id <= w->last_sent)
			continue;
		top = MAX(top, id);
		Sent *s = g_new0(Sent, 1);
		s->id = id;
		s->kind = g_strndup(dash + 1, strlen(dash + 1) - 4);
		g_autofree char *path = g_build_filename(dir, name, NULL);
		g_autofree char *to = h_header(path, "To");
		s->to = address_of(to);
		s->subject = h_header(path, "Subject");
		const char *lb = s->subject ? strchr(s->subject, '[') : NULL;
		const char *rb = lb ? strchr(lb, ']') : NULL;
		s->ref = lb && rb ? g_strndup(lb + 1, rb - lb - 1) : g_strdup("");
		g_autofree char *rt = h_header(path, "Reply-To");
		const char *plus = rt ? strchr(rt, '+') : NULL;
		const char *atsign = plus ? strchr(plus, '@') : NULL;
		s->token = plus && atsign ? g_strndup(plus + 1, atsign - plus - 1) : NULL;
		s->msgid = h_msgid(path);
		if (!strcmp(s->kind, "escalation") || !strcmp(s->kind, "escalation_response"))
			s->body = h_body(path);
		g_ptr_array_add(fresh, s);
	}
	g_ptr_array_sort(fresh, by_id);
	for (guint i = 0; i < fresh->len; i++) {
		Sent *s = fresh->pdata[i];
		g_ptr_array_add(w->all_sent, s);
		GPtrArray *list = g_hash_table_lookup(w->sent, s->ref);
		if (!list) {
			list = g_ptr_array_new();
			g_hash_table_insert(w->sent, g_strdup(s->ref), list);
		}
		g_ptr_array_add(list, s);
	}
	w->last_sent = top;
}

/* The newest mail of a kind about a conference, to one address, whose body holds `has`. */
static Sent *find_sent(World *w, const char *ref, const char *kind, const char *to,
                       const char *has, const char *has2)
{
	GPtrArray *list = g_hash_table_lookup(w->sent, ref);
	for (guint i = list ? list->len : 0; i > 0; i--) {
		Sent *s = list->pdata[i - 1];
		if (strcmp(s->kind, kind) || (to && g_ascii_strcasecmp(s->to, to)))
			continue;
		if (has && (!s->body || !strstr(s->body, has)))
			continue;
		if (has2 && (!s->body || !strstr(s->body, has2)))
			continue;
		return s;
	}
	g_error("no %s mail about %s to %s%s%s", kind, ref, to ? to : "anyone",
	        has ? " mentioning " : "", has ? has : "");
	return NULL;
}

static void deliver_reply(World *w, Sent *s, const char *from, const char *body)
{
	g_assert_nonnull(s->token);
	g_autofree char *name = g_strdup_printf("reply-%05u", ++w->delivered);
	g_autofree char *text = g_strdup_printf(
		"From: %s\nTo: Safeguarding <safeguarding+%s@council.example>\nSubject: RE: %s\n"
		"Message-ID: <%s@test.example.org>\nIn-Reply-To: <%s>\n"
		"Date: Mon, 12 Jan 2026 10:00:00 +0000\n\n%s\n",
		from, s->token, s->subject, name, s->msgid, body);
	h_deliver(w->h, name, text);
}

static void add_event(World *w, const char *when, EvType type, gpointer data)
{
	Event *e = g_new0(Event, 1);
	e->when = g_strdup(when);
	e->type = type;
	e->seq = w->events->len;
	e->data = data;
	g_ptr_array_add(w->events, e);
}

static int event_cmp(gconstpointer a, gconstpointer b)
{
	const Event *x = *(Event *const *)a, *y = *(Event *const *)b;
	int c = strcmp(x->when, y->when);
	if (c)
		return c;
	if (x->type != y->type)
		return (int)x->type - (int)y->type;
	return (x->seq > y->seq) - (x->seq < y->seq);
}

static int stages_in(const char *rules_file)
{
	g_autofree char *text = read_file(rules_file);
	int n = count_of(text, "\n[stage ");
	g_assert_cmpint(n, >=, 2);
	return n;
}

static Behaviour pick_behaviour(GRand *r)
{
	int total = 0;
	for (int i = 0; i < B_COUNT; i++)
		total += behaviour_weight[i];
	int x = g_rand_int_range(r, 0, total);
	for (int i = 0; i < B_COUNT; i++) {
		if (x < behaviour_weight[i])
			return i;
		x -= behaviour_weight[i];
	}
	return B_SILENT;
}

static void person_free(gpointer p)
{
	Person *x = p;
	g_free(x->name), g_free(x->email), g_free(x->written);
	if (x->codes)
		g_ptr_array_unref(x->codes);
	g_free(x);
}

static void conf_free(gpointer p)
{
	Conf *c = p;
	g_free(c->ref);
	g_ptr_array_unref(c->people);
	g_free(c);
}

static void event_free(gpointer p)
{
	Event *e = p;
	g_free(e->when);
	g_free(e);
}

static const char *const reason_codes[] = { "no_apologies", "no_report", "report_late",
	                                        "report_quality", "not_shared_with_parents",
	                                        "not_redacted", "other" };
/* Plain words a chair may write instead of a code, and the code they name. */
static const char *const reason_words[][2] = { { "late report", "report_late" },
	                                           { "no apologies", "no_apologies" },
	                                           { "not shared with parents",
	                                             "not_shared_with_parents" } };

/* Decides the whole year up front, so that what is expected is known before it happens. */
static void plan_year(World *w, GRand *r, guint weeks, guint per_week)
{
	/* Reports have a generator of their own: the escalations planned from `r` stay as
	 * they were before reports were sent. */
	g_autoptr(GRand) rr = g_rand_new_with_seed(20261201);
	GDate first = day_of(2026, 1, 12);
	guint index = 0;
	for (guint wk = 0; wk < weeks; wk++) {
		GDate monday = plus_days(first, 7 * wk);
		GPtrArray *week = g_ptr_array_new();
		for (guint k = 0; k < per_week; k++) {
			Conf *c = g_new0(Conf, 1);
			c->ref = g_strdup_printf("CP-2026-%04u", ++index);
			c->cwm = g_rand_int_range(r, 0, 5) == 0;
			c->review = g_rand_int_range(r, 0, 3) == 0;
			c->chair = g_rand_int_range(r, 0, G_N_ELEMENTS(chairs));
			c->monday = monday;
			c->people = g_ptr_array_new_with_free_func(person_free);
			/* 3 to 6 agencies, one professional each. */
			int order[G_N_ELEMENTS(agencies)];
			for (guint i = 0; i < G_N_ELEMENTS(agencies); i++)
				order[i] = i;
			for (guint i = G_N_ELEMENTS(agencies) - 1; i > 0; i--) {
				int j = g_rand_int_range(r, 0, i + 1), t = order[i];
				order[i] = order[j], order[j] = t;
			}
			int m = g_rand_int_range(r, 3, 7);
			for (int i = 0; i < m; i++) {
				Person *p = g_new0(Person, 1);
				p->conf = c;
				p->n = i + 1;
				p->agency = &agencies[order[i]];
				for (;;) {
					const char *f = firsts[g_rand_int_range(r, 0, G_N_ELEMENTS(firsts))];
					const char *l = lasts[g_rand_int_range(r, 0, G_N_ELEMENTS(lasts))];
					g_free(p->name);
					p->name = g_strdup_printf("%s %s", f, l);
					gboolean dup = FALSE;
					for (guint q = 0; q < c->people->len; q++)
						dup |= !strcmp(((Person *)c->people->pdata[q])->name, p->name);
					if (!dup) {
						g_autofree char *local = g_strdup_printf("%s.%s", f, l);
						g_autofree char *lower = g_ascii_strdown(local, -1);
						p->email = g_strdup_printf("%s@%s", lower, p->agency->domain);
						break;
					}
				}
				static const char *const att[] = { "attended", "attended", "apologies",
					                               "absent" };
				p->attendance = att[g_rand_int_range(r, 0, 4)];
				/* One professional per agency: an agency owes a report when its one
				 * professional did not attend (their list row says report none). */
				p->owes = strcmp(p->attendance, "attended") != 0;
				if (p->owes) {
					int x = g_rand_int_range(rr, 0, 100);
					p->rb = x < report_weight[R_NONE]                       ? R_NONE
					        : x < report_weight[R_NONE] + report_weight[R_ON_TIME] ? R_ON_TIME
					                                                              : R_LATE;
				}
				p->wd = -1;
				g_ptr_array_add(c->people, p);
			}
			c->escalates = g_rand_int_range(r, 0, 5) != 0;
			if (c->escalates) {
				int e = g_rand_int_range(r, 1, MIN(3, m) + 1);
				for (int i = 0; i < e; i++) {
					Person *p = c->people->pdata[g_rand_int_range(r, 0, m)];
					if (p->escalated)
						continue;
					p->escalated = TRUE;
					p->codes = g_ptr_array_new();
					GString *written = g_string_new(NULL);
					int nr = g_rand_int_range(r, 1, 3);
					for (int q = 0; q < nr; q++) {
						gboolean words = g_rand_int_range(r, 0, 6) == 0;
						const char *code, *as;
						if (words) {
							int k2 = g_rand_int_range(r, 0, G_N_ELEMENTS(reason_words));
							code = reason_words[k2][1], as = reason_words[k2][0];
						} else {
							code = as = reason_codes[g_rand_int_range(r, 0,
							                                           G_N_ELEMENTS(reason_codes))];
						}
						gboolean have = FALSE;
						for (guint z = 0; z < p->codes->len; z++)
							have |= !strcmp(p->codes->pdata[z], code);
						if (have)
							continue;
						g_ptr_array_add(p->codes, (gpointer)code);
						g_string_append_printf(written, "%s%s", written->len ? ", " : "", as);
					}
					p->written = g_string_free(written, FALSE);
					p->b = pick_behaviour(r);
					p->safety = (p->b == B_CONFIRMED || p->b == B_UNCONFIRMED) &&
					            g_rand_int_range(r, 0, 3) == 0;
				}
			}
			g_ptr_array_add(w->confs, c);
			g_ptr_array_add(week, c);
		}
		g_autofree char *setup = at(&monday, "09:30");
		add_event(w, setup, EV_SETUP, week);
		GDate tue = plus_days(monday, 1), thu = plus_days(monday, 3), fri = plus_days(monday, 4);
		GDate next_mon = plus_days(monday, 7), wed = plus_days(monday, 2);
		g_autofree char *chair_at = at(&tue, "10:00");
		g_autofree char *slo_at = at(&thu, "11:00");
		g_autofree char *confirm_at = at(&fri, "11:00");
		g_autofree char *stage2_at = at(&next_mon, "11:00");
		/* Held on the Friday before: due five working days on. */
		GDate report_due = add_wd(plus_days(monday, -3), 5);
		GDate report_late = add_wd(report_due, 2);
		g_autofree char *report_on_time_at = at(&wed, "12:00");
		g_autofree char *report_late_at = at(&report_late, "14:00");
		for (guint k = 0; k < week->len; k++) {
			Conf *c = week->pdata[k];
			for (guint i = 0; i < c->people->len; i++) {
				Person *p = c->people->pdata[i];
				if (p->owes && p->rb == R_ON_TIME)
					add_event(w, report_on_time_at, EV_REPORT, p);
				else if (p->owes && p->rb == R_LATE)
					add_event(w, report_late_at, EV_REPORT, p);
			}
		}
		for (guint k = 0; k < week->len; k++) {
			Conf *c = week->pdata[k];
			add_event(w, chair_at, EV_CHAIR, c);
			for (guint i = 0; i < c->people->len; i++) {
				Person *p = c->people->pdata[i];
				if (!p->escalated)
					continue;
				p->raised = tue;
				p->due1 = c->cwm ? plus_days(tue, 14) : add_wd(tue, 5);
				int last = c->cwm ? w->stages_cwm : w->stages_default;
				switch (p->b) {
				case B_RESOLVED:
					add_event(w, slo_at, EV_SLO1, p);
					p->state = "resolved", p->stage = 1, p->timely = "yes", p->closed = thu;
					break;
				case B_LATE: {
					GDate late = add_wd(p->due1, 1);
					g_autofree char *late_at = at(&late, "14:00");
					add_event(w, late_at, EV_LATE, p);
					p->state = "resolved", p->stage = 1, p->timely = "late", p->closed = late;
					break;
				}
				case B_CLIMB_RESOLVED:
					add_event(w, slo_at, EV_SLO1, p);
					add_event(w, stage2_at, EV_STAGE2, p);
					p->state = "resolved", p->stage = 2, p->timely = "yes";
					p->closed = next_mon;
					break;
				case B_CLIMB_SILENT:
					add_event(w, slo_at, EV_SLO1, p);
					/* Stage 1 answered in time, every later stage ignored: each stage
					 * counts by its own due date, so it is not answered in time. */
					p->state = "unresolved", p->stage = last,
					p->timely = "no answer, overdue";
					break;
				case B_CONFIRMED:
					add_event(w, slo_at, EV_SLO1, p);
					add_event(w, confirm_at, EV_CONFIRM, p);
					p->state = "resolved", p->stage = 1, p->timely = "yes", p->closed = fri;
					break;
				case B_UNCONFIRMED:
					add_event(w, slo_at, EV_SLO1, p);
					p->state = "responded", p->stage = 1, p->timely = "yes";
					break;
				default:
					p->state = "unresolved", p->stage = last, p->timely = "no answer, overdue";
					break;
				}
				if (!strcmp(p->state, "resolved"))
					p->wd = wd_between(p->raised, &p->closed);
				w->safety += p->safety;
			}
		}
		if (wk % 4 == 1) {
			g_autofree char *s_at = at(&wed, "15:00");
			add_event(w, s_at, EV_STRANGER, week->pdata[0]);
			w->strangers++;
		}
		if (wk == 9 || wk == 29) {
			g_autofree char *o_at = at(&wed, "15:30");
			add_event(w, o_at, EV_OVERSIZE, NULL);
			w->oversized++;
		}
	}
	/* The timer, every weekday until the last silence has climbed every stage. */
	GDate last_day = plus_days(first, 7 * weeks + 7 * 16);
	for (GDate d = first; g_date_compare(&d, &last_day) <= 0; g_date_add_days(&d, 1)) {
		GDateWeekday wd = g_date_get_weekday(&d);
		if (wd == G_DATE_SATURDAY || wd == G_DATE_SUNDAY)
			continue;
		g_autofree char *t = at(&d, "09:05");
		add_event(w, t, EV_TICK, NULL);
	}
	GDate end = plus_days(last_day, 3);
	w->end = at(&end, "12:00");
	g_ptr_array_sort(w->events, event_cmp);
}

static void setup_week(World *w, const char *now, GPtrArray *week)
{
	Harness *h = w->h;
	for (guint k = 0; k < week->len; k++) {
		Conf *c = week->pdata[k];
		GDate friday = plus_days(c->monday, -3);
		g_autofree char *held = at(&friday, "10:00");
		run_ok(h, now, "conference add",
		       h_run(h, now, "conference", "add", c->ref, "--held", held, "--chair",
		             chairs[c->chair][0], "--chair-name", chairs[c->chair][1], "--social-worker",
		             "amara.sowande@council.example", "--type", c->review ? "review" : "initial",
		             "--procedure", c->cwm ? "cwm-taf" : "default", NULL));
		GString *csv = g_string_new("name,email,agency,attendance,report\n");
		for (guint i = 0; i < c->people->len; i++) {
			Person *p = c->people->pdata[i];
			g_autoptr(GString) agency = g_string_new(p->agency->name);
			g_string_replace(agency, "\"", "\"\"", 0);
			g_string_append_printf(csv, "%s,%s,\"%s\",%s,%s\n", p->name, p->email, agency->str,
			                       p->attendance,
			                       !strcmp(p->attendance, "attended") ? "submitted" : "none");
		}
		g_autofree char *file = path_in(h, "list.csv");
		g_assert_true(g_file_set_contents(file, csv->str, -1, NULL));
		g_string_free(csv, TRUE);
		run_ok(h, now, "list import", h_run(h, now, "list", "import", c->ref, "list.csv", NULL));
		run_ok(h, now, "list send", h_run(h, now, "list", "send", c->ref, NULL));
	}
}

static void chair_reply(World *w, Conf *c)
{
	GString *body = g_string_new("Thank you, this is fine.\n\nAUTHORISED\n");
	gboolean any = FALSE;
	for (guint i = 0; i < c->people->len; i++) {
		Person *p = c->people->pdata[i];
		if (!p->escalated)
			continue;
		any = TRUE;
		g_string_append_printf(body, "ESCALATE %d %s: concern about line %d\n", p->n, p->written,
		                       p->n);
	}
	if (!any)
		g_string_append(body, "NO ESCALATION\n");
	g_string_append(body, "\nRegards\n");
	Sent *list = find_sent(w, c->ref, "distribution_list", chairs[c->chair][0], NULL, NULL);
	deliver_reply(w, list, chairs[c->chair][0], body->str);
	g_string_free(body, TRUE);
}

/* Who stage 1 asks: the SLO; under Cwm Taf the professional ("the conference attendee or
 * their manager"). */
static const char *stage1_to(const Person *p)
{
	return p->conf->cwm ? p->email : p->agency->slo;
}

/* The request at stage 1: the newest escalation mail to whoever stage 1 asks, naming the
 * professional (names are unique within a conference, and stage 2 has not been asked yet). */
static Sent *stage1_mail(World *w, Person *p)
{
	return find_sent(w, p->conf->ref, "escalation", stage1_to(p), p->name, NULL);
}

static void slo_first_reply(World *w, Person *p)
{
	Sent *s = stage1_mail(w, p);
	const char *body = NULL;
	g_autofree char *free_text = NULL;
	switch (p->b) {
	case B_RESOLVED:
		body = "RESOLVED: spoken to the professional; reports will come on time\n\nSLO";
		break;
	case B_CLIMB_RESOLVED:
	case B_CLIMB_SILENT:
		body = "NOT RESOLVED: we do not accept that a report was owed\n\nSLO";
		break;
	case B_CONFIRMED:
	case B_UNCONFIRMED:
		free_text = g_strdup_printf("We have met %s and agreed a plan with their manager.%s\n\nSLO",
		                            p->name,
		                            p->safety ? " I also think the child may be in immediate "
		                                        "danger at home."
		                                      : "");
		body = free_text;
		break;
	default:
		g_assert_not_reached();
	}
	deliver_reply(w, s, stage1_to(p), body);
}

static void stage2_reply(World *w, Person *p)
{
	const char *to = p->conf->cwm ? CP_COORDINATOR
	                              : (p->agency->lead ? p->agency->lead : p->agency->slo);
	Sent *s = find_sent(w, p->conf->ref, "escalation", to, p->name, NULL);
	deliver_reply(w, s, to, "RESOLVED: managers met and agreed the way forward");
}

static void confirm_reply(World *w, Person *p)
{
	const char *chair = chairs[p->conf->chair][0];
	Sent *s = find_sent(w, p->conf->ref, "escalation_response", chair, p->name, NULL);
	deliver_reply(w, s, chair, "RESOLVED: accepted, the plan answers the concern");
}

static void late_reply(World *w, Person *p)
{
	deliver_reply(w, stage1_mail(w, p), stage1_to(p),
	              "RESOLVED: sorry for the delay; addressed with the team");
}

/* The report, as the text of a reply to the request (no attachment: the body is the report). */
static void report_reply(World *w, Person *p)
{
	Sent *s = find_sent(w, p->conf->ref, "report_request", p->email, NULL, NULL);
	g_autofree char *body = g_strdup_printf(
		"Please find below the post-conference report of %s for %s.\n\n"
		"Contact since the conference: two home visits; attendance at school is good.\n\n"
		"%s", p->agency->name, p->conf->ref, p->name);
	deliver_reply(w, s, p->email, body);
}

static void stranger(World *w, Conf *c)
{
	g_autofree char *name = g_strdup_printf("stranger-%05u", ++w->delivered);
	g_autofree char *text = g_strdup_printf(
		"From: Pat Doe <pat.doe@elsewhere.example.com>\nTo: safeguarding@council.example\n"
		"Subject: RE: [%s] Distribution list for authorisation\n"
		"Message-ID: <%s@elsewhere.example.com>\n\nAUTHORISED\n",
		c->ref, name);
	h_deliver(w->h, name, text);
}

static void oversized(World *w)
{
	g_autofree char *name = g_strdup_printf("big-%05u", ++w->delivered);
	GString *text = g_string_new("From: Big Sender <big@elsewhere.example.com>\n"
	                             "To: safeguarding@council.example\nSubject: scans\n\n");
	while (text->len < 300 * 1024)
		g_string_append(text, "0123456789abcdef0123456789abcdef0123456789abcdef0123456789\n");
	h_deliver(w->h, name, text->str);
	g_string_free(text, TRUE);
}

static void flush_and_scan(World *w, const char *now)
{
	run_ok(w->h, now, "flush", h_run(w->h, now, "flush", NULL));
	scan_sent(w);
}

static void live_year(World *w)
{
	Harness *h = w->h;
	const char *t0 = "2026-01-05T09:00";
	for (guint i = 0; i < G_N_ELEMENTS(agencies); i++) {
		const Agency *a = &agencies[i];
		if (a->lead)
			run_ok(h, t0, "agency add",
			       h_run(h, t0, "agency", "add", a->name, "--slo", a->slo, "--domain", a->domain,
			             "--lead", a->lead, NULL));
		else
			run_ok(h, t0, "agency add",
			       h_run(h, t0, "agency", "add", a->name, "--slo", a->slo, "--domain", a->domain,
			             NULL));
	}
	for (guint i = 0; i < w->events->len;) {
		Event *first = w->events->pdata[i];
		const char *now = first->when;
		gboolean delivered = FALSE;
		for (; i < w->events->len && !strcmp(((Event *)w->events->pdata[i])->when, now); i++) {
			Event *e = w->events->pdata[i];
			switch (e->type) {
			case EV_SETUP:
				setup_week(w, now, e->data);
				flush_and_scan(w, now);
				break;
			case EV_CHAIR:
				chair_reply(w, e->data);
				delivered = TRUE;
				break;
			case EV_SLO1:
				slo_first_reply(w, e->data);
				delivered = TRUE;
				break;
			case EV_CONFIRM:
				confirm_reply(w, e->data);
				delivered = TRUE;
				break;
			case EV_STAGE2:
				stage2_reply(w, e->data);
				delivered = TRUE;
				break;
			case EV_LATE:
				late_reply(w, e->data);
				delivered = TRUE;
				break;
			case EV_STRANGER:
				stranger(w, e->data);
				delivered = TRUE;
				break;
			case EV_OVERSIZE:
				oversized(w);
				delivered = TRUE;
				break;
			case EV_REPORT:
				report_reply(w, e->data);
				delivered = TRUE;
				break;
			case EV_TICK:
				run_ok(h, now, "tick", h_run(h, now, "tick", NULL));
				if (!g_str_has_prefix(h->out, "outside") && !g_str_has_prefix(h->out, "0 due"))
					flush_and_scan(w, now);
				break;
			}
		}
		if (delivered) {
			run_ok(h, now, "poll", h_run(h, now, "poll", NULL));
			g_assert_nonnull(strstr(h->out, " 0 left to retry"));
			flush_and_scan(w, now);
		}
	}
}

static World *year;

static void year_free(void)
{
	if (!year)
		return;
	h_free(year->h);
	g_ptr_array_unref(year->confs);
	g_ptr_array_unref(year->events);
	g_hash_table_unref(year->sent);
	g_ptr_array_unref(year->all_sent);
	g_free(year->end);
	g_free(year);
	year = NULL;
}

/* The council of the year ends silence at the last stage as unresolved (on_silence =
 * unresolved in its own copies of both rules files), so that its reports have concerns that
 * ended unresolved to count; the shipped rules remind instead (test_endings). */
static void council_ends_silence(Harness *h)
{
	g_autofree char *dir = g_build_filename(h->dir, "council-rules", NULL);
	g_assert_cmpint(g_mkdir(dir, 0700), ==, 0);
	static const char *const files[] = { "default.rules", "cwm-taf.rules" };
	for (guint i = 0; i < G_N_ELEMENTS(files); i++) {
		g_autofree char *shipped = g_build_filename("rules", files[i], NULL);
		g_autofree char *text = NULL;
		g_assert_true(g_file_get_contents(shipped, &text, NULL, NULL));
		g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
		GString *own = g_string_new(NULL);
		guint changed = 0;
		for (char **l = lines; *l; l++) {
			if (g_str_has_prefix(*l, "remind_every ="))
				continue;
			if (g_str_has_prefix(*l, "on_silence =")) {
				g_string_append(own, "on_silence = unresolved\n");
				changed++;
			} else if (l[1])
				g_string_append_printf(own, "%s\n", *l);
		}
		g_assert_cmpuint(changed, ==, 1);
		g_autofree char *path = g_build_filename(dir, files[i], NULL);
		g_assert_true(g_file_set_contents(path, own->str, -1, NULL));
		g_string_free(own, TRUE);
	}
	g_autofree char *conf = NULL;
	g_assert_true(g_file_get_contents(h->conf, &conf, NULL, NULL));
	g_autofree char *key = g_strdup_printf("[chaser]\nrules = %s\n", dir);
	g_autofree char *more = h_ini_merge(conf, key);
	g_assert_true(g_file_set_contents(h->conf, more, -1, NULL));
}

/* The year, lived once and shared by the tests that read its reports. */
static World *the_year(void)
{
	if (year)
		return year;
	World *w = g_new0(World, 1);
	w->h = h_new("[people]\nqasg = " QASG "\n[limits]\nmax_message_size = 200000\n");
	council_ends_silence(w->h);
	w->confs = g_ptr_array_new_with_free_func(conf_free);
	w->events = g_ptr_array_new_with_free_func(event_free);
	w->sent = g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
	                                (GDestroyNotify)g_ptr_array_unref);
	w->all_sent = g_ptr_array_new_with_free_func(sent_free);
	w->stages_default = stages_in("rules/default.rules");
	w->stages_cwm = stages_in("rules/cwm-taf.rules");
	g_autoptr(GRand) r = g_rand_new_with_seed(20260112);
	const char *env = g_getenv("CHASER_REPORT_WEEKS");
	guint weeks = env ? (guint)atoi(env) : 46;
	plan_year(w, r, weeks, 5);
	g_autoptr(GTimer) timer = g_timer_new();
	live_year(w);
	g_test_message("year: %u conferences, %u events, %u mails sent, %.1f s", w->confs->len,
	               w->events->len, w->all_sent->len, g_timer_elapsed(timer, NULL));
	year = w;
	return w;
}

/* ---- what we expect, counted by us -------------------------------------------------------- */

typedef struct {
	gint64 raised, in_time, resolved, unresolved, open;
} AgencyWant;

typedef struct {
	gint64 conferences, escalations, in_time, late, overdue, closed;
	gint64 state[5];     /* open responded resolved unresolved closed */
	gint64 stage[8];
	GHashTable *agency;  /* name -> AgencyWant* */
	GHashTable *reason;  /* code -> count */
	char *median;
} Want;

static const char *const states[] = { "open", "responded", "resolved", "unresolved", "closed" };

static int cmp_int(gconstpointer a, gconstpointer b)
{
	return *(const int *)a - *(const int *)b;
}

static void want_count(World *w, Want *x)
{
	memset(x, 0, sizeof *x);
	x->agency = g_hash_table_new_full(g_str_hash, g_str_equal, NULL, g_free);
	x->reason = g_hash_table_new(g_str_hash, g_str_equal);
	g_autoptr(GArray) days = g_array_new(FALSE, FALSE, sizeof(int));
	x->conferences = w->confs->len;
	for (guint i = 0; i < w->confs->len; i++) {
		Conf *c = w->confs->pdata[i];
		for (guint k = 0; k < c->people->len; k++) {
			Person *p = c->people->pdata[k];
			if (!p->escalated)
				continue;
			x->escalations++;
			AgencyWant *a = g_hash_table_lookup(x->agency, p->agency->name);
			if (!a) {
				a = g_new0(AgencyWant, 1);
				g_hash_table_insert(x->agency, (gpointer)p->agency->name, a);
			}
			a->raised++;
			gboolean in_time = !strcmp(p->timely, "yes");
			a->in_time += in_time;
			x->in_time += in_time;
			x->late += !strcmp(p->timely, "late");
			x->overdue += !strcmp(p->timely, "no answer, overdue");
			for (guint s = 0; s < G_N_ELEMENTS(states); s++)
				x->state[s] += !strcmp(p->state, states[s]);
			if (!strcmp(p->state, "resolved"))
				a->resolved++;
			else if (!strcmp(p->state, "unresolved"))
				a->unresolved++;
			else
				a->open++;
			g_assert_cmpint(p->stage, <, 8);
			x->stage[p->stage]++;
			for (guint q = 0; q < p->codes->len; q++) {
				gpointer code = p->codes->pdata[q];
				g_hash_table_insert(x->reason, code,
				                    GINT_TO_POINTER(GPOINTER_TO_INT(
				                                        g_hash_table_lookup(x->reason, code)) +
				                                    1));
			}
			if (p->wd >= 0) {
				x->closed++;
				g_array_append_val(days, p->wd);
			}
		}
	}
	g_array_sort(days, cmp_int);
	guint n = days->len;
	g_assert_cmpuint(n, >, 0);
	int *v = (int *)days->data;
	if (n % 2)
		x->median = g_strdup_printf("%d", v[n / 2]);
	else if ((v[n / 2 - 1] + v[n / 2]) % 2 == 0)
		x->median = g_strdup_printf("%d", (v[n / 2 - 1] + v[n / 2]) / 2);
	else
		x->median = g_strdup_printf("%.1f", (v[n / 2 - 1] + v[n / 2]) / 2.0);
}

static void want_clear(Want *x)
{
	g_hash_table_unref(x->agency);
	g_hash_table_unref(x->reason);
	g_free(x->median);
}

/* Post-conference reports and minutes, counted from what we planned: every agency whose one
 * professional missed a conference was asked at once (when the list went); nobody answers a
 * report after the year, so each one ends received (on time or late) or missing. A report
 * that came late was missing first, and its conference's minutes were held for it. Triage
 * holds the strangers and the oversized messages, and nobody releases or drops them. */
typedef struct {
	gint64 requested, on_time, late, missing, awaited, not_requested, minutes_missing;
	gint64 triage_open;
} ReportWant;

static void report_count(World *w, ReportWant *s)
{
	memset(s, 0, sizeof *s);
	for (guint i = 0; i < w->confs->len; i++) {
		Conf *c = w->confs->pdata[i];
		gboolean held_for_missing = FALSE;
		for (guint k = 0; k < c->people->len; k++) {
			Person *p = c->people->pdata[k];
			if (!p->owes)
				continue;
			s->requested++;
			s->on_time += p->rb == R_ON_TIME;
			s->late += p->rb == R_LATE;
			s->missing += p->rb == R_NONE;
			held_for_missing |= p->rb != R_ON_TIME;
		}
		s->minutes_missing += held_for_missing;
	}
	s->triage_open = w->strangers + w->oversized;
}

/* ---- the year's tests --------------------------------------------------------------------- */

/* What chaser holds is what we drove: otherwise the driving went wrong, not the report. */
static void test_year_store_holds_what_was_driven(void)
{
	World *w = the_year();
	/* CHASER_REPORT_WEEKS makes a shorter year for working on this test. */
	if (!g_getenv("CHASER_REPORT_WEEKS"))
		g_assert_cmpuint(w->confs->len, >=, 200);
	g_autoptr(JsonNode) all = h_json(w->h, w->end, "escalations", NULL);
	JsonArray *a = json_node_get_array(all);
	g_autoptr(GHashTable) got = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	for (guint i = 0; i < json_array_get_length(a); i++) {
		JsonObject *o = json_array_get_object_element(a, i);
		g_hash_table_insert(got,
		                    g_strdup_printf("%s#%" G_GINT64_FORMAT, h_str(o, "ref"),
		                                    json_object_get_int_member(o, "n")),
		                    o);
	}
	guint escalations = 0;
	for (guint i = 0; i < w->confs->len; i++) {
		Conf *c = w->confs->pdata[i];
		for (guint k = 0; k < c->people->len; k++) {
			Person *p = c->people->pdata[k];
			g_autofree char *key = g_strdup_printf("%s#%d", c->ref, p->n);
			JsonObject *o = g_hash_table_lookup(got, key);
			if (!p->escalated) {
				g_assert_null(o);
				continue;
			}
			escalations++;
			if (!o)
				g_error("%s line %d was not escalated", c->ref, p->n);
			if (strcmp(h_str(o, "state"), p->state) ||
			    json_object_get_int_member(o, "stage") != p->stage)
				g_error("%s line %d (behaviour %d): %s at stage %" G_GINT64_FORMAT
				        ", we expected %s at stage %d",
				        c->ref, p->n, p->b, h_str(o, "state"),
				        json_object_get_int_member(o, "stage"), p->state, p->stage);
		}
	}
	g_assert_cmpuint(escalations, ==, json_array_get_length(a));
	if (!g_getenv("CHASER_REPORT_WEEKS"))
		g_assert_cmpuint(escalations, >=, 250);
	/* Each conference's reports and list as we drove them: the report owed by each agency
	 * that missed it, received or missing, and the professional's row saying so. */
	static const char *const report_state[R_COUNT] = { "missing", "received", "received" };
	static const char *const row_state[R_COUNT] = { "missing", "submitted", "late" };
	for (guint i = 0; i < w->confs->len; i++) {
		Conf *c = w->confs->pdata[i];
		g_autoptr(JsonNode) show = h_json(w->h, w->end, "show", c->ref, NULL);
		JsonObject *o = json_node_get_object(show);
		JsonArray *reports = json_object_get_array_member(o, "reports");
		JsonArray *rows = json_object_get_array_member(o, "attendees");
		guint owed = 0;
		for (guint k = 0; k < c->people->len; k++) {
			Person *p = c->people->pdata[k];
			JsonObject *row = json_array_get_object_element(rows, p->n - 1);
			g_assert_cmpint(json_object_get_int_member(row, "n"), ==, p->n);
			const char *want_row = p->owes ? row_state[p->rb] : "submitted";
			if (g_strcmp0(h_str(row, "report"), want_row))
				g_error("%s line %d: report %s, we drove %s", c->ref, p->n,
				        h_str(row, "report"), want_row);
			if (!p->owes)
				continue;
			owed++;
			JsonObject *r = NULL;
			for (guint q = 0; q < json_array_get_length(reports); q++)
				if (!g_strcmp0(h_str(json_array_get_object_element(reports, q), "agency"),
				               p->agency->name))
					r = json_array_get_object_element(reports, q);
			if (!r)
				g_error("%s: no report owed by %s", c->ref, p->agency->name);
			if (g_strcmp0(h_str(r, "state"), report_state[p->rb]))
				g_error("%s: the report of %s is %s, we drove %s", c->ref, p->agency->name,
				        h_str(r, "state"), report_state[p->rb]);
		}
		g_assert_cmpuint(json_array_get_length(reports), ==, owed);
	}
	/* And nothing was dropped along the way. */
	int rc = h_run(w->h, w->end, "reconcile", NULL);
	if (rc)
		g_error("reconcile after the year: %s%s", w->h->out, w->h->err);
}

static void check_summary_csv(World *w, GHashTable *sec, const Want *x, const ReportWant *s)
{
	Section *o = section(sec, "Overview");
	assert_cell(o, "Conferences held", "Value", x->conferences);
	assert_cell(o, "Escalations raised", "Value", x->escalations);
	assert_cell(o, "Escalations answered in time", "Value", x->in_time);
	assert_cell(o, "Escalations closed", "Value", x->closed);
	g_assert_cmpstr(cell(o, "Median working days to close", "Value"), ==, x->median);
	assert_cell(o, "Post-conference reports requested", "Value", s->requested);
	assert_cell(o, "Conferences whose minutes were held for missing information", "Value",
	            s->minutes_missing);
	assert_cell(o, "Immediate-safety alerts", "Value", w->safety);
	assert_cell(o, "Messages put in triage", "Value", w->strangers + w->oversized);
	assert_cell(o, "Messages quarantined", "Value", w->oversized);

	Section *ag = section(sec, "Escalations by agency");
	g_assert_cmpuint(ag->rows->len, ==, g_hash_table_size(x->agency));
	GHashTableIter it;
	gpointer k, v;
	g_hash_table_iter_init(&it, x->agency);
	while (g_hash_table_iter_next(&it, &k, &v)) {
		AgencyWant *a = v;
		assert_cell(ag, k, "Raised", a->raised);
		assert_cell(ag, k, "Answered in time", a->in_time);
		assert_cell(ag, k, "Resolved or closed", a->resolved);
		assert_cell(ag, k, "Unresolved", a->unresolved);
		assert_cell(ag, k, "Still open", a->open);
	}
	Section *re = section(sec, "Escalations by reason");
	for (guint i = 0; i < G_N_ELEMENTS(reason_codes); i++)
		assert_cell(re, reason_codes[i], "Escalations",
		            GPOINTER_TO_INT(g_hash_table_lookup(x->reason, reason_codes[i])));
	Section *st = section(sec, "Escalations by outcome");
	for (guint i = 0; i < G_N_ELEMENTS(states); i++)
		assert_cell(st, states[i], "Escalations", x->state[i]);
	Section *sg = section(sec, "Escalations by stage reached");
	for (int i = 1; i < 8; i++) {
		if (!x->stage[i])
			continue;
		g_autofree char *label = g_strdup_printf("Stage %d", i);
		assert_cell(sg, label, "Escalations", x->stage[i]);
	}
	Section *tm = section(sec, "Answers and due dates");
	assert_cell(tm, "Answered by the due date", "Escalations", x->in_time);
	assert_cell(tm, "Answered after the due date", "Escalations", x->late);
	assert_cell(tm, "No answer, past the due date", "Escalations", x->overdue);
	assert_cell(tm, "No answer yet, not yet due", "Escalations", 0);
	Section *rp = section(sec, "Post-conference reports");
	assert_cell(rp, "Requested", "Reports", s->requested);
	assert_cell(rp, "Received on time", "Reports", s->on_time);
	assert_cell(rp, "Received late", "Reports", s->late);
	assert_cell(rp, "Missing", "Reports", s->missing);
	assert_cell(rp, "Still awaited", "Reports", s->awaited);
	assert_cell(rp, "Not yet requested", "Reports", s->not_requested);
	Section *tr = section(sec, "Triage and quarantine");
	assert_cell(tr, "Put in triage", "Messages", w->strangers + w->oversized);
	assert_cell(tr, "Still waiting for a person", "Messages", s->triage_open);
	assert_cell(tr, "Quarantined", "Messages", w->oversized);
}

static void test_year_summary_csv_matches_own_counts(void)
{
	World *w = the_year();
	Want x;
	want_count(w, &x);
	ReportWant s;
	report_count(w, &s);
	g_test_message("year: %" G_GINT64_FORMAT " escalations, %" G_GINT64_FORMAT
	               " in time, %" G_GINT64_FORMAT " late, %" G_GINT64_FORMAT
	               " overdue, median %s working days; %u safety alerts",
	               x.escalations, x.in_time, x.late, x.overdue, x.median, w->safety);
	g_test_message("year: %" G_GINT64_FORMAT " reports requested, %" G_GINT64_FORMAT
	               " on time, %" G_GINT64_FORMAT " late, %" G_GINT64_FORMAT " missing; %"
	               G_GINT64_FORMAT " conferences' minutes held for missing information",
	               s.requested, s.on_time, s.late, s.missing, s.minutes_missing);
	g_assert_cmpint(x.late, >, 0);
	g_assert_cmpint(x.overdue, >, 0);
	g_assert_cmpuint(w->safety, >, 0);
	g_assert_cmpint(s.on_time, >, 0);
	g_assert_cmpint(s.late, >, 0);
	g_assert_cmpint(s.missing, >, 0);
	/* To a file with -o, as a manager would. */
	g_assert_cmpint(h_run(w->h, w->end, "report", "--from", "2026-01-01", "--to", "2026-12-31",
	                      "--format", "csv", "-o", "summary.csv", NULL),
	                ==, 0);
	g_autofree char *file = path_in(w->h, "summary.csv");
	g_autofree char *text = read_file(file);
	g_autoptr(GPtrArray) records = csv_parse(text, TRUE);
	g_autoptr(GHashTable) sec = csv_sections(records);
	check_summary_csv(w, sec, &x, &s);
	/* A period with nothing in it has nothing in it. */
	g_assert_cmpint(h_run(w->h, w->end, "report", "--from", "2025-01-01", "--to", "2025-12-31",
	                      "--format", "csv", NULL),
	                ==, 0);
	g_autoptr(GPtrArray) empty_r = csv_parse(w->h->out, TRUE);
	g_autoptr(GHashTable) empty = csv_sections(empty_r);
	assert_cell(section(empty, "Overview"), "Escalations raised", "Value", 0);
	assert_cell(section(empty, "Overview"), "Conferences held", "Value", 0);
	/* Half a year holds the escalations raised in it, and only those. */
	gint64 first_half = 0;
	GDate mid = day_of(2026, 6, 30);
	for (guint i = 0; i < w->confs->len; i++) {
		Conf *c = w->confs->pdata[i];
		for (guint k = 0; k < c->people->len; k++) {
			Person *p = c->people->pdata[k];
			first_half += p->escalated && g_date_compare(&p->raised, &mid) <= 0;
		}
	}
	g_assert_cmpint(h_run(w->h, w->end, "report", "--from", "2026-01-01", "--to", "2026-06-30",
	                      "--format", "csv", NULL),
	                ==, 0);
	g_autoptr(GPtrArray) half_r = csv_parse(w->h->out, TRUE);
	g_autoptr(GHashTable) half = csv_sections(half_r);
	assert_cell(section(half, "Overview"), "Escalations raised", "Value", first_half);
	want_clear(&x);
}

static void test_year_register_csv_one_row_per_escalation(void)
{
	World *w = the_year();
	g_assert_cmpint(h_run(w->h, w->end, "report", "--from", "2026-01-01", "--to", "2026-12-31",
	                      "--kind", "register", "--format", "csv", NULL),
	                ==, 0);
	g_autoptr(GPtrArray) records = csv_parse(w->h->out, TRUE);
	Section reg = { records->pdata[0], g_ptr_array_new() };
	for (guint i = 1; i < records->len; i++)
		g_ptr_array_add(reg.rows, records->pdata[i]);
	g_autoptr(GHashTable) by_key = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	int c_ref = column(&reg, "Reference"), c_prof = column(&reg, "Professional");
	/* The chair's escalations are checked one by one below; chaser's own, for reports that
	 * went missing, are on the register too (test_partnership counts them). */
	int c_by = column(&reg, "Raised by"), c_codes = column(&reg, "Reason codes");
	guint chair_rows = 0;
	for (guint i = 0; i < reg.rows->len; i++) {
		GPtrArray *r = reg.rows->pdata[i];
		g_assert_cmpuint(r->len, ==, reg.header->len);
		if (strcmp(r->pdata[c_by], "chair")) {
			g_assert_cmpstr(r->pdata[c_by], ==, "chaser: report missing");
			g_assert_cmpstr(r->pdata[c_codes], ==, "no_report");
			continue;
		}
		chair_rows++;
		g_hash_table_insert(by_key, g_strdup_printf("%s/%s", (char *)r->pdata[c_ref],
		                                            (char *)r->pdata[c_prof]),
		                    r);
	}
	guint n = 0;
	GDate prev;
	g_date_clear(&prev, 1);
	for (guint i = 0; i < w->confs->len; i++) {
		Conf *c = w->confs->pdata[i];
		for (guint k = 0; k < c->people->len; k++) {
			Person *p = c->people->pdata[k];
			if (!p->escalated)
				continue;
			n++;
			g_autofree char *key = g_strdup_printf("%s/%s", c->ref, p->name);
			GPtrArray *r = g_hash_table_lookup(by_key, key);
			if (!r)
				g_error("register lacks %s", key);
#define COL(name) ((const char *)r->pdata[column(&reg, name)])
			g_assert_cmpstr(COL("Agency"), ==, p->agency->name);
			g_assert_cmpstr(COL("Attendance"), ==, p->attendance);
			g_autoptr(GString) codes = g_string_new(NULL);
			for (guint q = 0; q < p->codes->len; q++)
				g_string_append_printf(codes, "%s%s", q ? "; " : "", (char *)p->codes->pdata[q]);
			g_assert_cmpstr(COL("Reason codes"), ==, codes->str);
			g_autofree char *raised = ymd(&p->raised);
			g_assert_cmpstr(COL("Raised"), ==, raised);
			g_autofree char *stage = g_strdup_printf("%d", p->stage);
			g_assert_cmpstr(COL("Stage reached"), ==, stage);
			g_assert_cmpstr(COL("State"), ==, p->state);
			g_assert_cmpstr(COL("Answered in time"), ==, p->timely);
			if (p->stage == 1) {
				g_autofree char *due = ymd(&p->due1);
				g_assert_cmpstr(COL("Due"), ==, due);
				g_assert_cmpstr(COL("Asked"), ==, stage1_to(p));
			}
			g_autofree char *wd = p->wd >= 0 ? g_strdup_printf("%d", p->wd) : g_strdup("");
			if (strcmp(COL("Working days to close"), wd))
				g_error("%s: %s working days to close, we counted %s", key,
				        COL("Working days to close"), wd);
			if (g_date_valid(&p->closed)) {
				g_autofree char *closed = ymd(&p->closed);
				g_assert_true(g_str_has_prefix(COL("Closed"), closed));
			}
#undef COL
		}
	}
	g_assert_cmpuint(chair_rows, ==, n);
	/* Oldest raised first. */
	int c_raised = column(&reg, "Raised");
	for (guint i = 1; i < reg.rows->len; i++)
		g_assert_cmpstr(((GPtrArray *)reg.rows->pdata[i - 1])->pdata[c_raised], <=,
		                ((GPtrArray *)reg.rows->pdata[i])->pdata[c_raised]);
	g_ptr_array_unref(reg.rows);
}

/* A text line "  LABEL   VALUE" as the text report aligns it. */
static gboolean text_has_figure(const char *text, const char *label, const char *value)
{
	g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
	for (guint i = 0; lines[i]; i++) {
		g_autofree char *l = g_strstrip(g_strdup(lines[i]));
		if (!g_str_has_prefix(l, label))
			continue;
		g_auto(GStrv) words = g_strsplit_set(l, " ", -1);
		guint n = g_strv_length(words);
		if (n && !strcmp(words[n - 1], value))
			return TRUE;
	}
	return FALSE;
}

static void test_year_text_summary_has_key_figures(void)
{
	World *w = the_year();
	Want x;
	want_count(w, &x);
	g_assert_cmpint(h_run(w->h, w->end, "report", "--from", "2026-01-01", "--to", "2026-12-31",
	                      NULL),
	                ==, 0);
	const char *t = w->h->out;
	g_autofree char *esc = g_strdup_printf("%" G_GINT64_FORMAT, x.escalations);
	g_autofree char *intime = g_strdup_printf("%" G_GINT64_FORMAT, x.in_time);
	g_autofree char *late = g_strdup_printf("%" G_GINT64_FORMAT, x.late);
	g_autofree char *safety = g_strdup_printf("%u", w->safety);
	g_assert_true(text_has_figure(t, "Escalations raised", esc));
	g_assert_true(text_has_figure(t, "Escalations answered in time", intime));
	g_assert_true(text_has_figure(t, "Median working days to close", x.median));
	g_assert_true(text_has_figure(t, "Answered after the due date", late));
	g_assert_true(text_has_figure(t, "Immediate-safety alerts", safety));
	g_autofree char *resolved = g_strdup_printf("%" G_GINT64_FORMAT, x.state[2]);
	g_assert_true(text_has_figure(t, "resolved    resolved", resolved));
	g_assert_nonnull(strstr(t, "Period: Thursday 1 January 2026 to Thursday 31 December 2026"));
	/* The register as text: one block per escalation. */
	g_assert_cmpint(h_run(w->h, w->end, "report", "--from", "2026-01-01", "--to", "2026-12-31",
	                      "--kind", "register", NULL),
	                ==, 0);
	/* The chair's escalations; chaser's own for missing reports are blocks too. */
	g_autoptr(GRegex) chair = g_regex_new("\n  Raised by: +chair\n", 0, 0, NULL);
	g_autoptr(GMatchInfo) mi = NULL;
	guint chair_blocks = 0;
	for (g_regex_match(chair, w->h->out, 0, &mi); g_match_info_matches(mi);
	     g_match_info_next(mi, NULL))
		chair_blocks++;
	g_assert_cmpuint(chair_blocks, ==, x.escalations);
	g_assert_cmpuint(count_of(w->h->out, "\n  Reference:"), >=, x.escalations);
	want_clear(&x);
}

typedef struct {
	GPtrArray *errors;
} HtmlErrors;

static void html_error(void *data, const xmlError *e)
{
	HtmlErrors *h = data;
	/* libxml2's HTML parser knows HTML 4: inline SVG's tags are news to it, not faults. */
	if (e->code == XML_HTML_UNKNOWN_TAG)
		return;
	g_ptr_array_add(h->errors, g_strdup_printf("line %d: %s", e->line, e->message));
}

static char *node_text(xmlNode *n)
{
	xmlChar *t = xmlNodeGetContent(n);
	char *s = g_strstrip(g_strdup((const char *)t));
	xmlFree(t);
	return s;
}

/* The value beside a label in the table of the section with this heading. */
static char *html_figure(xmlXPathContext *xp, const char *heading, const char *label)
{
	g_autofree char *q = g_strdup_printf("//section[h2='%s']//tbody/tr[td[1]='%s']/td[last()]",
	                                     heading, label);
	xmlXPathObject *o = xmlXPathEvalExpression((const xmlChar *)q, xp);
	g_assert_nonnull(o);
	char *v = o->nodesetval && o->nodesetval->nodeNr ? node_text(o->nodesetval->nodeTab[0])
	                                                 : NULL;
	xmlXPathFreeObject(o);
	if (!v)
		g_error("HTML summary: no '%s' under '%s'", label, heading);
	return v;
}

static int html_count(xmlXPathContext *xp, const char *q)
{
	xmlXPathObject *o = xmlXPathEvalExpression((const xmlChar *)q, xp);
	int n = o && o->nodesetval ? o->nodesetval->nodeNr : 0;
	xmlXPathFreeObject(o);
	return n;
}

static void test_year_html_summary_is_self_contained(void)
{
	World *w = the_year();
	Want x;
	want_count(w, &x);
	g_assert_cmpint(h_run(w->h, w->end, "report", "--from", "2026-01-01", "--to", "2026-12-31",
	                      "--format", "html", "-o", "summary.html", NULL),
	                ==, 0);
	g_autofree char *file = path_in(w->h, "summary.html");
	g_autofree char *html = read_file(file);
	g_autofree char *lower = g_ascii_strdown(html, -1);
	g_assert_null(strstr(lower, "<script"));
	g_assert_null(strstr(lower, "http://"));
	g_assert_null(strstr(lower, "https://"));
	g_assert_null(strstr(lower, "<link"));
	g_assert_null(strstr(lower, "<img"));
	g_assert_nonnull(strstr(html, "@page { size: A4"));
	g_assert_nonnull(strstr(html, "page-break-inside: avoid"));

	HtmlErrors errs = { g_ptr_array_new_with_free_func(g_free) };
	xmlSetStructuredErrorFunc(&errs, (xmlStructuredErrorFunc)html_error);
	htmlDocPtr doc = htmlReadMemory(html, strlen(html), "summary.html", "UTF-8",
	                                HTML_PARSE_NONET);
	xmlSetStructuredErrorFunc(NULL, NULL);
	g_assert_nonnull(doc);
	for (guint i = 0; i < errs.errors->len; i++)
		g_test_message("HTML: %s", (char *)errs.errors->pdata[i]);
	g_assert_cmpuint(errs.errors->len, ==, 0);
	g_ptr_array_unref(errs.errors);
	xmlXPathContext *xp = xmlXPathNewContext(doc);
	int tables = html_count(xp, "//table");
	/* Eight tables, and three more: concerns by procedure, answers by stage, escalations
	 * for missing reports. */
	g_assert_cmpint(tables, ==, 11);
	g_assert_cmpint(html_count(xp, "//svg"), ==, tables);
	g_assert_cmpint(html_count(xp, "//script"), ==, 0);
	g_autofree char *esc = html_figure(xp, "Overview", "Escalations raised");
	g_assert_cmpint(atoi(esc), ==, x.escalations);
	g_autofree char *median = html_figure(xp, "Overview", "Median working days to close");
	g_assert_cmpstr(median, ==, x.median);
	g_autofree char *late = html_figure(xp, "Answers and due dates",
	                                    "Answered after the due date");
	g_assert_cmpint(atoi(late), ==, x.late);
	g_autofree char *police = html_figure(xp, "Escalations by reason", "no_report");
	g_assert_cmpint(atoi(police), ==,
	                GPOINTER_TO_INT(g_hash_table_lookup(x.reason, "no_report")));
	/* The agency with a comma and quotes in its name is escaped, not broken: one cell of its
	 * own in the table by agency (the table of missing reports may name it too). */
	g_assert_cmpint(html_count(xp, "//section[h2='Escalations by agency']"
	                               "//td[.='Riverside \"North\" Academy, Trust']"),
	                ==, 1);
	xmlXPathFreeContext(xp);
	xmlFreeDoc(doc);

	/* Rendered as it would print, where Chromium is installed. */
	g_autofree char *chromium = g_find_program_in_path("chromium");
	if (!chromium) {
		ch_test_cannot_run("Chromium is not installed (Debian: chromium): the picture of the "
		                   "page is not checked");
	} else {
		g_autofree char *png = path_in(w->h, "summary.png");
		const char *argv[] = { "scripts/render-report", file, png, NULL };
		int status = 0;
		GError *e = NULL;
		g_spawn_sync(NULL, (char **)argv, NULL, G_SPAWN_DEFAULT, NULL, NULL, NULL, NULL,
		             &status, &e);
		g_assert_no_error(e);
		g_assert_true(g_spawn_check_wait_status(status, NULL));
		g_autofree char *data = NULL;
		gsize len = 0;
		g_assert_true(g_file_get_contents(png, &data, &len, NULL));
		g_assert_cmpuint(len, >, 20000);
		g_assert_cmpint(memcmp(data, "\x89PNG\r\n\x1a\n", 8), ==, 0);
		const char *keep = g_getenv("CHASER_REPORT_PNG");
		if (keep)
			g_file_set_contents(keep, data, len, NULL);
	}
	want_clear(&x);
}

static const char *const sheets[][2] = {
	{ "Overview", "Overview" },
	{ "Escalations by agency", "By agency" },
	{ "Escalations by reason", "By reason" },
	{ "Escalations by outcome", "By outcome" },
	{ "Escalations by stage reached", "By stage" },
	{ "Answers and due dates", "Timeliness" },
	{ "Post-conference reports", "Reports" },
	{ "Triage and quarantine", "Triage" },
	{ "Escalation register", "Register" },
};

static void test_year_xlsx_opens_in_libreoffice_and_matches_csv(void)
{
	World *w = the_year();
	g_assert_cmpint(h_run(w->h, w->end, "report", "--from", "2026-01-01", "--to", "2026-12-31",
	                      "--kind", "all", "--format", "xlsx", NULL),
	                ==, 2);
	g_assert_nonnull(strstr(w->h->err, "needs -o"));
	g_assert_cmpint(h_run(w->h, w->end, "report", "--from", "2026-01-01", "--to", "2026-12-31",
	                      "--kind", "all", "--format", "xlsx", "-o", "year.xlsx", NULL),
	                ==, 0);
	g_autofree char *xlsx = path_in(w->h, "year.xlsx");
	g_autofree char *data = NULL;
	gsize len = 0;
	g_assert_true(g_file_get_contents(xlsx, &data, &len, NULL));
	g_assert_cmpint(memcmp(data, "PK\x03\x04", 4), ==, 0);
	GStatBuf st;
	g_assert_cmpint(g_stat(xlsx, &st), ==, 0);
	g_assert_cmpint(st.st_mode & 0077, ==, 0);

	g_autofree char *office = g_find_program_in_path("soffice");
	if (!office)
		office = g_find_program_in_path("libreoffice");
	if (!office) {
		ch_test_cannot_run("LibreOffice is not installed (Debian: libreoffice-calc-nogui): the "
		                   "workbook is not opened");
		return;
	}
	g_assert_cmpint(h_run(w->h, w->end, "report", "--from", "2026-01-01", "--to", "2026-12-31",
	                      "--kind", "all", "--format", "csv", NULL),
	                ==, 0);
	g_autoptr(GPtrArray) records = csv_parse(w->h->out, TRUE);
	g_autoptr(GHashTable) sec = csv_sections(records);

	/* Every sheet to its own CSV, cells as shown (so dates read as the CSV writes them). */
	g_autofree char *outdir = path_in(w->h, "lo");
	g_autofree char *profile = g_strdup_printf("-env:UserInstallation=file://%s/lo-profile",
	                                           w->h->dir);
	const char *argv[] = { office, profile, "--headless", "--convert-to",
		                   "csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,true,false,"
		                   "false,-1",
		                   "--outdir", outdir, xlsx, NULL };
	int status = 0;
	GError *e = NULL;
	g_autofree char *out = NULL, *err = NULL;
	g_spawn_sync(NULL, (char **)argv, NULL, G_SPAWN_DEFAULT, NULL, NULL, &out, &err, &status,
	             &e);
	g_assert_no_error(e);
	if (!g_spawn_check_wait_status(status, NULL))
		g_error("LibreOffice failed: %s %s", out, err);
	for (guint i = 0; i < G_N_ELEMENTS(sheets); i++) {
		g_autofree char *name = g_strdup_printf("year-%s.csv", sheets[i][1]);
		g_autofree char *path = g_build_filename(outdir, name, NULL);
		if (!g_file_test(path, G_FILE_TEST_EXISTS))
			g_error("LibreOffice made no %s: %s", name, out);
		g_autofree char *text = read_file(path);
		g_autoptr(GPtrArray) got = csv_parse(text, FALSE);
		Section *want = section(sec, sheets[i][0]);
		g_assert_cmpuint(got->len, ==, want->rows->len + 1);
		for (guint r = 0; r < got->len; r++) {
			GPtrArray *g = got->pdata[r];
			GPtrArray *x = r ? want->rows->pdata[r - 1] : want->header;
			g_assert_cmpuint(g->len, ==, x->len);
			for (guint c = 0; c < g->len; c++)
				if (strcmp(g->pdata[c], x->pdata[c]))
					g_error("sheet %s row %u column %u: the workbook says '%s', the CSV '%s'",
					        sheets[i][1], r, c, (char *)g->pdata[c], (char *)x->pdata[c]);
		}
	}
}

/* ---- post-conference reports as the table holds them ------------------------------------- */

static void test_report_figures_for_report_rows_as_stored(void)
{
	g_autoptr(Harness) h = h_new(NULL);
	h_story_setup(h);
	const char *t = "2026-11-23T09:40";
	g_assert_cmpint(h_run(h, t, "conference", "add", "CP-2026-0043", "--held", "2026-11-20T14:00",
	                      "--chair", H_CHAIR, "--social-worker", "amara.sowande@council.example",
	                      NULL),
	                ==, 0);
	g_assert_cmpint(h_run(h, t, "conference", "add", "CP-2025-0900", "--held", "2025-12-12T10:00",
	                      "--chair", H_CHAIR, "--social-worker", "amara.sowande@council.example",
	                      NULL),
	                ==, 0);
	/* Whatever the report part of chaser made, these rows are the whole table now. Each
	 * report still owed carries its clock, as the schema requires of every open item. */
	sqlite3 *sq = h_db_open(h);
	db_exec(sq, "DELETE FROM report");
#define INSERT_REPORT                                                                        \
	"WITH v(state) AS (SELECT '%s')"                                                           \
	" INSERT INTO report(conference_id, agency_id, asked, state, request_by,"                  \
	" requested_at, due, calendar, received_at, on_time, review_due, next_at)"                 \
	" SELECT c.id, a.id, 'x@agency.example.org', v.state, '2026-11-21T10:00:00+00:00', %s,"   \
	" '2026-11-27', 'test', %s, %s,"                                                           \
	" CASE v.state WHEN 'received' THEN '2026-11-28T09:00:00+00:00' END,"                      \
	" CASE v.state WHEN 'missing' THEN NULL ELSE '2026-12-01T09:00:00Z' END"                   \
	" FROM v, conference c, agency a WHERE c.ref = '%s' AND a.name = '%s'"
	static const char *const rows[][6] = {
		/* state, requested_at, received_at, on_time, conference, agency */
		{ "received", "'2026-11-21T10:00:00+00:00'", "'2026-11-25T09:00:00+00:00'", "1",
		  "CP-2026-0042", "Northshire Police" },
		{ "received", "'2026-11-21T10:00:00+00:00'", "'2026-12-02T09:00:00+00:00'", "0",
		  "CP-2026-0042", "Brookfield Primary School" },
		{ "missing", "'2026-11-21T10:00:00+00:00'", "NULL", "NULL", "CP-2026-0042",
		  "Northshire Health" },
		{ "awaited", "'2026-11-21T10:00:00+00:00'", "NULL", "NULL", "CP-2026-0043",
		  "Northshire Police" },
		/* on time not recorded: decided by the due date */
		{ "received", "'2026-11-21T10:00:00+00:00'", "'2026-11-27T16:00:00+00:00'", "NULL",
		  "CP-2026-0043", "Brookfield Primary School" },
		/* owed, the request not yet sent */
		{ "awaited", "NULL", "NULL", "NULL", "CP-2026-0043", "Northshire Health" },
		/* held in 2025: outside the period */
		{ "missing", "'2025-12-13T10:00:00+00:00'", "NULL", "NULL", "CP-2025-0900",
		  "Northshire Police" },
	};
	for (guint i = 0; i < G_N_ELEMENTS(rows); i++) {
		g_autofree char *sql = g_strdup_printf(INSERT_REPORT, rows[i][0], rows[i][1], rows[i][2],
		                                       rows[i][3], rows[i][4], rows[i][5]);
		db_exec(sq, sql);
		g_assert_cmpint(sqlite3_changes(sq), ==, 1);
	}
	db_exec(sq, "UPDATE conference SET minutes_missing_info = 1 WHERE ref = 'CP-2026-0042'");
	db_exec(sq, "UPDATE conference SET minutes_missing_info = 2 WHERE ref = 'CP-2025-0900'");
	sqlite3_close(sq);

	g_assert_cmpint(h_run(h, "2026-12-10T10:00", "report", "--from", "2026-01-01", "--to",
	                      "2026-12-31", "--format", "csv", NULL),
	                ==, 0);
	g_autoptr(GPtrArray) records = csv_parse(h->out, TRUE);
	g_autoptr(GHashTable) sec = csv_sections(records);
	Section *rp = section(sec, "Post-conference reports");
	assert_cell(rp, "Requested", "Reports", 5);
	assert_cell(rp, "Received on time", "Reports", 2);
	assert_cell(rp, "Received late", "Reports", 1);
	assert_cell(rp, "Missing", "Reports", 1);
	assert_cell(rp, "Still awaited", "Reports", 1);
	assert_cell(rp, "Not yet requested", "Reports", 1);
	Section *ov = section(sec, "Overview");
	assert_cell(ov, "Conferences held", "Value", 2);
	assert_cell(ov, "Post-conference reports requested", "Value", 5);
	assert_cell(ov, "Conferences whose minutes were held for missing information", "Value", 1);
	/* The record of the conference shows its reports as stored. */
	g_assert_cmpint(h_run(h, "2026-12-10T10:00", "record", "CP-2026-0042", NULL), ==, 0);
	g_assert_nonnull(strstr(h->out, "Report owed by Brookfield Primary School"));
	g_assert_nonnull(strstr(h->out, "no, late"));
}

/* ---- the case record ---------------------------------------------------------------------- */

#define OTHER_REF "CP-2026-0077"

/* The Cwm Taf ladder's last stage asks the quality assurance group's chair. */
#define CWM_PEOPLE "[people]\nqasg = " QASG "\n"

/* The reply `body` from `from` to the one mail of kind `suffix` that went to them about H_REF
 * (an SLO has a mail about each of the two conferences), delivered as message `id`. How many
 * were answered: the caller asserts one. */
static guint answer_mail_about_ref(Harness *h, const char *suffix, const char *from,
                                   const char *id, const char *body)
{
	g_autoptr(GPtrArray) sent = h_outgoing(h);
	guint delivered = 0;
	for (guint i = 0; i < sent->len; i++) {
		if (!g_str_has_suffix(sent->pdata[i], suffix))
			continue;
		g_autofree char *subject = h_header(sent->pdata[i], "Subject");
		g_autofree char *to = h_header(sent->pdata[i], "To");
		if (!strstr(subject, H_REF) || !strstr(to, from))
			continue;
		g_autofree char *token = h_token(sent->pdata[i]);
		g_autofree char *msgid = h_msgid(sent->pdata[i]);
		g_autofree char *text = g_strdup_printf(
			"From: %s\nTo: safeguarding+%s@council.example\nSubject: RE: %s\n"
			"Message-ID: <%s@test.example.org>\nIn-Reply-To: <%s>\n\n%s\n",
			from, token, subject, id, msgid, body);
		h_deliver(h, id, text);
		delivered++;
	}
	return delivered;
}

/* Two conferences at once: H_REF under the Cwm Taf procedure, and another beside it whose
 * people must never show in the first's record. */
static void two_conferences(Harness *h)
{
	const char *t = "2026-11-23T09:30";
	g_assert_cmpint(h_run(h, t, "agency", "add", "Northshire Police", "--slo", H_POLICE_SLO,
	                      "--slo-name", "DI Ruth Calloway", NULL), ==, 0);
	g_assert_cmpint(h_run(h, t, "agency", "add", "Brookfield Primary School", "--slo",
	                      H_SCHOOL_SLO, NULL), ==, 0);
	g_assert_cmpint(h_run(h, t, "agency", "add", "Westmoor Council Housing", "--slo",
	                      "housing.slo@westmoor.example.com", NULL), ==, 0);
	g_assert_cmpint(h_run(h, t, "conference", "add", H_REF, "--held", "2026-11-20T10:00",
	                      "--chair", H_CHAIR, "--chair-name", "Dr Ffion Testwood",
	                      "--social-worker", "amara.sowande@council.example", "--procedure",
	                      "cwm-taf", NULL), ==, 0);
	g_assert_cmpint(h_run(h, t, "conference", "add", OTHER_REF, "--held", "2026-11-20T14:00",
	                      "--chair", "quentin.harrow@chairs.example.org", "--chair-name",
	                      "Quentin Harrow", "--social-worker", "bex.ormond@council.example",
	                      NULL), ==, 0);
	g_autofree char *a = path_in(h, "a.csv");
	g_assert_true(g_file_set_contents(
		a,
		"Sam Okafor,sam.okafor@police.example.org,Northshire Police,absent,none\n"
		"Lena Marsh,lena.marsh@brookfield.example.net,Brookfield Primary School,apologies,none\n",
		-1, NULL));
	g_autofree char *b = path_in(h, "b.csv");
	g_assert_true(g_file_set_contents(
		b,
		"Zed Pomfrey,zed.pomfrey@police.example.org,Northshire Police,absent,none\n"
		"Yolanda Crisp,yolanda.crisp@westmoor.example.com,Westmoor Council Housing,attended,"
		"submitted\n",
		-1, NULL));
	g_assert_cmpint(h_run(h, t, "list", "import", H_REF, "a.csv", NULL), ==, 0);
	g_assert_cmpint(h_run(h, t, "list", "import", OTHER_REF, "b.csv", NULL), ==, 0);
	g_assert_cmpint(h_run(h, t, "list", "send", H_REF, NULL), ==, 0);
	g_assert_cmpint(h_run(h, t, "list", "send", OTHER_REF, NULL), ==, 0);
	g_assert_cmpint(h_run(h, t, "flush", NULL), ==, 0);
	h_reply_to(h, "chair-a", "distribution_list", H_CHAIR, H_CHAIR,
	         "AUTHORISED\nESCALATE 1 no_report: nothing arrived\n"
	         "ESCALATE 2 not_redacted: named the foster carers\n");
	h_reply_to(h, "chair-b", "distribution_list", "quentin.harrow@chairs.example.org",
	         "quentin.harrow@chairs.example.org",
	         "AUTHORISED\nESCALATE 1 report_late: Pomfrey report came late\n");
	g_assert_cmpint(h_run(h, "2026-11-24T10:00", "poll", NULL), ==, 0);
	g_assert_cmpint(h_run(h, "2026-11-24T10:00", "flush", NULL), ==, 0);
	/* Under Cwm Taf the informal stage asks the officer (the police SLO is asked about the
	 * other conference): the officer answers. */
	g_assert_cmpuint(answer_mail_about_ref(h, "-escalation.eml", "sam.okafor@police.example.org",
	                                       "slo-a",
	                                       "RESOLVED: the officer now sends reports before each "
	                                       "conference"),
	                 ==, 1);
	h_deliver(h, "stranger",
	          "From: Pat Doe <pat.doe@elsewhere.example.com>\nTo: safeguarding@council.example\n"
	          "Subject: RE: [" H_REF "] Distribution list\nMessage-ID: <s1@elsewhere.example.com>"
	          "\n\nAUTHORISED\n");
	g_assert_cmpint(h_run(h, "2026-11-26T10:05", "poll", NULL), ==, 0);
	g_assert_cmpint(h_run(h, "2026-11-26T10:05", "flush", NULL), ==, 0);
	/* The school's SLO says nothing: two weeks on, a chaser. */
	g_assert_cmpint(h_run(h, "2026-12-09T09:30", "tick", NULL), ==, 0);
	g_assert_cmpint(h_run(h, "2026-12-09T09:30", "flush", NULL), ==, 0);
}

static GPtrArray *db_strings(sqlite3 *sq, const char *sql)
{
	GPtrArray *out = g_ptr_array_new_with_free_func(g_free);
	sqlite3_stmt *st = NULL;
	g_assert_cmpint(sqlite3_prepare_v2(sq, sql, -1, &st, NULL), ==, SQLITE_OK);
	while (sqlite3_step(st) == SQLITE_ROW) {
		if (sqlite3_column_type(st, 0) == SQLITE_BLOB) {
			g_ptr_array_add(out, g_compute_checksum_for_data(G_CHECKSUM_SHA256,
			                                                 sqlite3_column_blob(st, 0),
			                                                 sqlite3_column_bytes(st, 0)));
		} else {
			g_ptr_array_add(out, g_strdup((const char *)sqlite3_column_text(st, 0)));
		}
	}
	sqlite3_finalize(st);
	return out;
}

static void test_record_lists_every_event_in_order_and_no_other_case(void)
{
	g_autoptr(Harness) h = h_new(CWM_PEOPLE);
	two_conferences(h);
	g_assert_cmpint(h_run(h, "2026-12-10T10:00", "record", H_REF, NULL), ==, 0);
	g_autofree char *text = g_strdup(h->out);

	sqlite3 *sq = h_db_open(h);
	g_autofree char *id = db_str(sq, "SELECT id FROM conference WHERE ref = '" H_REF "'");
	g_autofree char *q_msg = g_strdup_printf("SELECT fingerprint FROM message WHERE"
	                                         " conference_id = %s", id);
	g_autofree char *q_out = g_strdup_printf("SELECT wire FROM outbox WHERE conference_id = %s",
	                                         id);
	g_autofree char *q_audit = g_strdup_printf("SELECT what FROM audit WHERE conference_id = %s",
	                                           id);
	g_autofree char *q_task = g_strdup_printf("SELECT count(*) FROM task WHERE conference_id"
	                                          " = %s", id);
	g_autoptr(GPtrArray) msgs = db_strings(sq, q_msg);
	g_autoptr(GPtrArray) wires = db_strings(sq, q_out);
	g_autoptr(GPtrArray) whats = db_strings(sq, q_audit);
	gint64 tasks = db_int(sq, q_task);
	sqlite3_close(sq);

	/* Every message in (the chair's reply, the SLO's answer, the stranger in triage) and
	 * every message out, each by the SHA-256 of its bytes. */
	g_assert_cmpuint(msgs->len, ==, 3);
	for (guint i = 0; i < msgs->len; i++)
		if (!strstr(text, msgs->pdata[i]))
			g_error("the record lacks message %s", (char *)msgs->pdata[i]);
	g_assert_cmpuint(wires->len, >=, 6);
	for (guint i = 0; i < wires->len; i++)
		if (!strstr(text, wires->pdata[i]))
			g_error("the record lacks sent mail %s", (char *)wires->pdata[i]);
	/* One entry per audit line, per message in and per task; times never go back. */
	g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
	guint entries = 0;
	g_autoptr(GDateTime) prev = NULL;
	for (guint i = 0; lines[i]; i++) {
		if (!g_regex_match_simple("^\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d[+-]\\d\\d:\\d\\d  ",
		                          lines[i], 0, 0))
			continue;
		entries++;
		g_autofree char *stamp = g_strndup(lines[i], 25);
		GDateTime *t = g_date_time_new_from_iso8601(stamp, NULL);
		g_assert_nonnull(t);
		if (prev && g_date_time_compare(prev, t) > 0)
			g_error("the record goes back in time at: %s", lines[i]);
		g_clear_pointer(&prev, g_date_time_unref);
		prev = t;
	}
	g_assert_cmpuint(entries, ==, whats->len + msgs->len + tasks);
	for (guint i = 0; i < whats->len; i++) {
		g_autofree char *tag = g_strdup_printf("[%s]", (char *)whats->pdata[i]);
		if (!strstr(text, tag) && !strstr(text, whats->pdata[i]))
			g_error("the record lacks event %s", (char *)whats->pdata[i]);
	}
	g_assert_nonnull(strstr(text, "Escalation raised by the chair [escalation.raised]"));
	g_assert_nonnull(strstr(text, "Chaser sent: no answer by the due date [escalation.chased]"));
	g_assert_nonnull(strstr(text, "counted with calendar uk-bank-holidays"));
	/* Nothing of the other conference. */
	static const char *const other[] = { OTHER_REF, "Pomfrey", "Zed", "Yolanda", "Crisp",
		                                 "Quentin", "Harrow", "Westmoor", "bex.ormond", NULL };
	for (guint i = 0; other[i]; i++)
		if (strstr(text, other[i]))
			g_error("the record of %s holds '%s' of another conference", H_REF, other[i]);

	/* The Cwm Taf form, filled from the store, in our words. */
	g_assert_nonnull(strstr(text, "Conference chair resolution form (Cwm Taf)"));
	g_assert_cmpuint(count_of(text, "(not held by chaser: fill in from the case file)"), ==, 4);
	g_assert_nonnull(strstr(text, "Social worker            amara.sowande@council.example"));
	g_assert_nonnull(strstr(text, "Dr Ffion Testwood <" H_CHAIR ">"));
	g_assert_nonnull(strstr(text, "not yet: 1 of 2 issues still open"));
	g_assert_nonnull(strstr(text, "Stage 1 (informal): Thursday 26 November 2026, from "
	                              "sam.okafor@police.example.org about line 1 (resolved): the "
	                              "officer"));
	g_assert_nonnull(strstr(text, "reminder 1 sent"));
	/* One box: line 2 is still open, so "other", not "satisfied" as well. */
	g_assert_nonnull(strstr(text, "[ ] The chair is satisfied with the outcome"));
	g_assert_nonnull(strstr(text, "[ ] Not resolved"));
	g_assert_nonnull(strstr(text, "[x] Other (say what):"));

	/* The same as a page, and to a file. */
	g_assert_cmpint(h_run(h, "2026-12-10T10:00", "record", H_REF, "--format", "html", "-o",
	                      "record.html", NULL), ==, 0);
	g_autofree char *file = path_in(h, "record.html");
	g_autofree char *html = read_file(file);
	htmlDocPtr doc = htmlReadMemory(html, strlen(html), "record.html", "UTF-8",
	                                HTML_PARSE_NONET | HTML_PARSE_NOERROR | HTML_PARSE_NOWARNING);
	g_assert_nonnull(doc);
	xmlFreeDoc(doc);
	for (guint i = 0; i < msgs->len; i++)
		g_assert_nonnull(strstr(html, msgs->pdata[i]));
	for (guint i = 0; other[i]; i++)
		g_assert_null(strstr(html, other[i]));
	g_assert_null(strstr(html, "<script"));

	/* The other conference's record is its own, and has no Cwm Taf form. */
	g_assert_cmpint(h_run(h, "2026-12-10T10:00", "record", OTHER_REF, NULL), ==, 0);
	g_assert_null(strstr(h->out, "Lena Marsh"));
	g_assert_null(strstr(h->out, "resolution form"));
	g_assert_cmpint(h_run(h, "2026-12-10T10:00", "record", "CP-1999-0001", NULL), ==, 1);
	g_assert_nonnull(strstr(h->err, "no conference CP-1999-0001"));
}

/* ---- reconcile ---------------------------------------------------------------------------- */

typedef struct {
	const char *name;
	const char *damage;   /* "triage-row", "raw-file", "message-row" */
} Damage;

static const Damage damages[] = {
	{ "triage-row-deleted", "triage-row" },
	{ "raw-file-removed", "raw-file" },
	{ "message-row-deleted", "message-row" },
};

static void test_reconcile_passes_then_names_the_damaged_message(gconstpointer data)
{
	const Damage *d = data;
	g_autoptr(Harness) h = h_new(CWM_PEOPLE);
	two_conferences(h);
	const char *now = "2026-12-10T10:00";
	g_autoptr(JsonNode) n = h_json(h, now, "reconcile", NULL);
	JsonObject *o = json_node_get_object(n);
	JsonObject *m = json_object_get_object_member(o, "messages");
	JsonObject *out = json_object_get_object_member(o, "outbox");
	gint64 seen = json_object_get_int_member(m, "seen");
	g_assert_cmpint(seen, ==, 4);
	g_assert_cmpint(seen, ==, json_object_get_int_member(m, "handled") +
	                              json_object_get_int_member(m, "triage") +
	                              json_object_get_int_member(m, "held") +
	                              json_object_get_int_member(m, "quarantined") +
	                              json_object_get_int_member(m, "in_progress"));
	g_assert_cmpint(json_object_get_int_member(m, "triage"), ==, 1);
	g_assert_cmpint(json_object_get_int_member(out, "queued"), ==,
	                json_object_get_int_member(out, "sent") +
	                    json_object_get_int_member(out, "retrying") +
	                    json_object_get_int_member(out, "failed") +
	                    json_object_get_int_member(out, "waiting"));
	g_assert_cmpint(json_object_get_int_member(out, "waiting"), ==, 0);
	g_assert_true(json_object_get_boolean_member(o, "balanced"));
	g_assert_cmpint(h_run(h, now, "reconcile", NULL), ==, 0);
	g_assert_nonnull(strstr(h->out, "adds up"));
	g_assert_nonnull(strstr(h->out, "No faults"));

	/* Behind chaser's back. */
	sqlite3 *sq = h_db_open(h);
	g_autofree char *fp = NULL, *where = NULL;
	if (!strcmp(d->damage, "triage-row")) {
		fp = db_str(sq, "SELECT m.fingerprint FROM triage t JOIN message m ON m.id = t.message");
		where = db_str(sq, "SELECT m.location FROM triage t JOIN message m ON m.id = t.message");
		db_exec(sq, "DELETE FROM triage");
	} else if (!strcmp(d->damage, "raw-file")) {
		fp = db_str(sq, "SELECT fingerprint FROM message WHERE kind = 'escalation'");
		where = db_str(sq, "SELECT location FROM message WHERE kind = 'escalation'");
		g_autofree char *raw = db_str(sq, "SELECT raw_path FROM message WHERE kind ="
		                                  " 'escalation'");
		g_autofree char *path = g_build_filename(h->dir, "spool", "messages", raw, NULL);
		g_assert_cmpint(g_unlink(path), ==, 0);
	} else {
		/* The message under a triage row goes: the row names nothing. */
		g_autofree char *tid = db_str(sq, "SELECT id FROM triage");
		fp = g_strdup_printf("triage %s", tid);
		db_exec(sq, "PRAGMA foreign_keys = OFF; DELETE FROM message WHERE id ="
		            " (SELECT message FROM triage)");
	}
	sqlite3_close(sq);
	h->broken = TRUE; /* damaged on purpose: the teardown's own reconcile would fail too */
	g_assert_cmpint(h_run(h, now, "reconcile", NULL), ==, 1);
	if (strstr(d->damage, "message-row")) {
		g_assert_nonnull(strstr(h->out, fp));
		g_assert_nonnull(strstr(h->out, "which is not there"));
	} else {
		g_autofree char *prefix = g_strndup(fp, 12);
		g_autofree char *named = g_strdup_printf("FAULT: message %s (%s)", prefix, where);
		if (!strstr(h->out, named))
			g_error("reconcile does not name %s:\n%s", named, h->out);
	}
	g_assert_nonnull(strstr(h->err, "reconcile found 1 fault"));
	g_autoptr(JsonNode) bad = NULL;
	g_assert_cmpint(h_run(h, now, "reconcile", "--json", NULL), ==, 1);
	bad = json_from_string(h->out, NULL);
	g_assert_nonnull(bad);
	g_assert_false(json_object_get_boolean_member(json_node_get_object(bad), "balanced"));
}

/* ---- retention ---------------------------------------------------------------------------- */

static GPtrArray *files_of(Harness *h, const char *ref)
{
	sqlite3 *sq = h_db_open(h);
	g_autofree char *q = g_strdup_printf(
		"SELECT 'spool/messages/' || raw_path FROM message m JOIN conference c"
		" ON c.id = m.conference_id WHERE c.ref = '%s' AND raw_path IS NOT NULL"
		" UNION ALL SELECT printf('spool/outgoing/%%06d-%%s.eml', o.id, o.kind) FROM outbox o"
		" JOIN conference c ON c.id = o.conference_id WHERE c.ref = '%s'",
		ref, ref);
	GPtrArray *files = db_strings(sq, q);
	sqlite3_close(sq);
	for (guint i = 0; i < files->len; i++) {
		char *full = g_build_filename(h->dir, files->pdata[i], NULL);
		g_free(files->pdata[i]);
		files->pdata[i] = full;
	}
	return files;
}

static void test_purge_removes_a_finished_case_and_nothing_else(void)
{
	g_autoptr(Harness) h = h_new(CWM_PEOPLE);
	two_conferences(h);
	/* The school answers at last (Cwm Taf's informal stage asks the professional, Lena
	 * Marsh): every escalation of H_REF is resolved. */
	h_reply_to(h, "slo-b", "escalation", "lena.marsh@brookfield.example.net",
	           "lena.marsh@brookfield.example.net", "RESOLVED: redaction checklist now used");
	g_assert_cmpint(h_run(h, "2026-12-10T10:00", "poll", NULL), ==, 0);
	g_assert_cmpint(h_run(h, "2026-12-10T10:00", "flush", NULL), ==, 0);
	g_autoptr(JsonNode) show = h_json(h, "2026-12-10T10:01", "show", H_REF, NULL);
	JsonArray *esc = json_object_get_array_member(json_node_get_object(show), "escalations");
	for (guint i = 0; i < json_array_get_length(esc); i++)
		g_assert_cmpstr(h_str(json_array_get_object_element(esc, i), "state"), ==, "resolved");
	/* Post-conference reports are settled too (whatever chaser made of them): received and
	 * reviewed, since a report awaiting review is still owed. */
	sqlite3 *sq = h_db_open(h);
	db_exec(sq, "UPDATE report SET state = 'received', on_time = 1, received_at ="
	            " '2026-11-25T10:00:00+00:00', reviewed_at = '2026-11-25T15:00:00+00:00'"
	            " WHERE conference_id = (SELECT id FROM conference WHERE ref = '" H_REF "')");
	/* Each case keeps a stored report file under spool/reports/. */
	db_exec(sq, "UPDATE report SET file = 'aaaa-police-report.pdf' WHERE conference_id ="
	            " (SELECT id FROM conference WHERE ref = '" H_REF "') AND agency_id ="
	            " (SELECT id FROM agency WHERE name = 'Northshire Police')");
	db_exec(sq, "UPDATE report SET file = 'bbbb-police-report.pdf', state = 'received',"
	            " reviewed_at = '2026-11-25T15:00:00+00:00' WHERE conference_id = (SELECT id FROM conference WHERE ref = '" OTHER_REF "')"
	            " AND agency_id = (SELECT id FROM agency WHERE name = 'Northshire Police')");
	g_assert_cmpint(sqlite3_changes(sq), ==, 1);
	g_autofree char *report_a = g_build_filename(h->dir, "spool", "reports",
	                                             "aaaa-police-report.pdf", NULL);
	g_autofree char *report_b = g_build_filename(h->dir, "spool", "reports",
	                                             "bbbb-police-report.pdf", NULL);
	g_assert_true(g_file_set_contents(report_a, "%PDF-1.4 invented", -1, NULL));
	g_assert_true(g_file_set_contents(report_b, "%PDF-1.4 invented", -1, NULL));
	gint64 other_rows = db_int(sq, "SELECT (SELECT count(*) FROM attendee) + (SELECT count(*)"
	                               " FROM escalation) + (SELECT count(*) FROM outbox)");
	gint64 other_audit = db_int(sq, "SELECT count(*) FROM audit WHERE conference_id ="
	                                " (SELECT id FROM conference WHERE ref = '" OTHER_REF "')");
	sqlite3_close(sq);
	g_autoptr(GPtrArray) mine = files_of(h, H_REF);
	g_autoptr(GPtrArray) theirs = files_of(h, OTHER_REF);
	g_assert_cmpuint(mine->len, >=, 8);
	for (guint i = 0; i < mine->len; i++)
		g_assert_true(g_file_test(mine->pdata[i], G_FILE_TEST_EXISTS));

	/* Not yet: its last activity is after the cut-off; nor a cut-off in the future. */
	g_assert_cmpint(h_run(h, "2027-06-02T10:00", "purge", "--before", "2026-12-01", NULL), ==, 0);
	g_assert_nonnull(strstr(h->out, "removed 0 conferences"));
	g_assert_cmpint(h_run(h, "2027-06-02T10:00", "purge", "--before", "2027-07-01", NULL), ==, 2);
	g_assert_cmpint(h_run(h, "2027-06-02T10:00", "purge", NULL), ==, 2);
	/* A dry run names it and changes nothing. */
	g_assert_cmpint(h_run(h, "2027-06-02T10:00", "purge", "--before", "2027-06-01", "--dry-run",
	                      NULL), ==, 0);
	g_assert_nonnull(strstr(h->out, "would remove 1 conference,"));
	g_assert_nonnull(strstr(h->out, "  " H_REF "\n"));
	g_assert_null(strstr(h->out, OTHER_REF));
	g_assert_cmpint(h_run(h, "2027-06-02T10:00", "show", H_REF, NULL), ==, 0);

	g_assert_cmpint(h_run(h, "2027-06-02T10:00", "purge", "--before", "2027-06-01", NULL), ==, 0);
	g_assert_nonnull(strstr(h->out, "removed 1 conference,"));
	g_assert_null(strstr(h->out, H_REF));
	g_assert_cmpint(h_run(h, "2027-06-02T10:00", "show", H_REF, NULL), ==, 1);
	g_assert_nonnull(strstr(h->err, "no conference " H_REF));
	for (guint i = 0; i < mine->len; i++)
		if (g_file_test(mine->pdata[i], G_FILE_TEST_EXISTS))
			g_error("purge left %s", (char *)mine->pdata[i]);
	for (guint i = 0; i < theirs->len; i++)
		g_assert_true(g_file_test(theirs->pdata[i], G_FILE_TEST_EXISTS));
	g_assert_false(g_file_test(report_a, G_FILE_TEST_EXISTS));
	g_assert_true(g_file_test(report_b, G_FILE_TEST_EXISTS));
	g_assert_cmpint(h_run(h, "2027-06-02T10:00", "show", OTHER_REF, NULL), ==, 0);

	sq = h_db_open(h);
	g_assert_cmpint(db_int(sq, "SELECT count(*) FROM audit WHERE conference_id = (SELECT id FROM"
	                           " conference WHERE ref = '" OTHER_REF "')"),
	                ==, other_audit);
	gint64 left = db_int(sq, "SELECT (SELECT count(*) FROM attendee) + (SELECT count(*)"
	                         " FROM escalation) + (SELECT count(*) FROM outbox)");
	g_assert_cmpint(left, <, other_rows);
	g_assert_cmpint(db_int(sq, "SELECT count(*) FROM attendee a JOIN conference c ON c.id ="
	                           " a.conference_id WHERE c.ref = '" OTHER_REF "'"),
	                ==, 2);
	g_assert_cmpint(db_int(sq, "SELECT count(*) FROM message WHERE conference_id IS NOT NULL"
	                           " AND conference_id NOT IN (SELECT id FROM conference)"),
	                ==, 0);
	g_assert_cmpint(db_int(sq, "SELECT count(*) FROM purge_window"), ==, 0);
	/* One audit line says what went, in counts, naming no one and no case. */
	g_assert_cmpint(db_int(sq, "SELECT count(*) FROM audit WHERE what = 'retention.purge'"), ==,
	                1);
	g_assert_cmpint(db_int(sq, "SELECT count(*) FROM audit WHERE what = 'retention.purge' AND"
	                           " conference_id IS NULL"),
	                ==, 1);
	g_autofree char *line = db_str(sq, "SELECT coalesce(object,'') || '|' || coalesce(old,'') ||"
	                                   " '|' || coalesce(new,'') || '|' || detail FROM audit"
	                                   " WHERE what = 'retention.purge'");
	sqlite3_close(sq);
	g_test_message("purge audit: %s", line);
	g_assert_nonnull(strstr(line, "removed 1 conference, 2 attendees, 2 escalations"));
	static const char *const personal[] = { H_REF, "Okafor", "Marsh", "Sam", "Lena", "Ffion",
		                                    "Testwood", "@", "Police", "Brookfield", NULL };
	for (guint i = 0; personal[i]; i++)
		if (strstr(line, personal[i]))
			g_error("the purge line holds '%s': %s", personal[i], line);
	/* Nothing is left dangling: the account still balances. */
	g_assert_cmpint(h_run(h, "2027-06-02T10:00", "reconcile", NULL), ==, 0);
	/* And purging again finds nothing more. */
	g_assert_cmpint(h_run(h, "2027-06-02T10:00", "purge", "--before", "2027-06-01", NULL), ==, 0);
	g_assert_nonnull(strstr(h->out, "removed 0 conferences"));
}

/* A report has come but the chair has not marked it reviewed: the review is still owed, so
 * the conference is not finished. It stays open when its last escalation ends, purge keeps
 * it however old, and once the chair marks the report reviewed it closes and may go. */
static void test_purge_keeps_a_case_whose_report_awaits_review(void)
{
	g_autoptr(Harness) h = h_new(CWM_PEOPLE);
	two_conferences(h);
	/* Both reports were missed by their due date; the police send theirs late, answering the
	 * mail about this conference (the SLO has one about each). */
	g_assert_cmpuint(answer_mail_about_ref(h, "-report_missing_agency.eml", H_POLICE_SLO,
	                                       "report-p",
	                                       "REPORT\nSent late: the officer has no further "
	                                       "concerns to add."),
	                 ==, 1);
	g_assert_cmpint(h_run(h, "2026-12-10T09:00", "poll", NULL), ==, 0);
	g_assert_cmpint(h_run(h, "2026-12-10T09:00", "flush", NULL), ==, 0);
	g_assert_cmpuint(h_count_mail(h, "report_received", H_CHAIR), ==, 1);
	/* The school answers at last (Cwm Taf's informal stage asks the professional, Lena
	 * Marsh): every escalation of H_REF is resolved. */
	h_reply_to(h, "slo-b", "escalation", "lena.marsh@brookfield.example.net",
	           "lena.marsh@brookfield.example.net", "RESOLVED: redaction checklist now used");
	g_assert_cmpint(h_run(h, "2026-12-10T10:00", "poll", NULL), ==, 0);
	g_assert_cmpint(h_run(h, "2026-12-10T10:00", "flush", NULL), ==, 0);
	g_autoptr(JsonNode) show = h_json(h, "2026-12-10T10:01", "show", H_REF, NULL);
	JsonObject *conf = json_node_get_object(show);
	JsonArray *esc = json_object_get_array_member(conf, "escalations");
	/* The chair escalated lines 1 and 2 (two_conferences). */
	g_assert_cmpuint(json_array_get_length(esc), ==, 2);
	for (guint i = 0; i < json_array_get_length(esc); i++)
		g_assert_cmpstr(h_str(json_array_get_object_element(esc, i), "state"), ==, "resolved");
	/* The chair still owes the police report's review: not closed. */
	g_assert_cmpstr(h_str(conf, "state"), ==, "authorised");

	g_assert_cmpint(h_run(h, "2027-06-02T10:00", "purge", "--before", "2027-06-01", "--dry-run",
	                      NULL), ==, 0);
	g_assert_nonnull(strstr(h->out, "would remove 0 conferences"));
	g_assert_cmpint(h_run(h, "2027-06-02T10:00", "purge", "--before", "2027-06-01", NULL), ==, 0);
	g_assert_nonnull(strstr(h->out, "removed 0 conferences"));
	g_assert_cmpint(h_run(h, "2027-06-02T10:00", "show", H_REF, NULL), ==, 0);

	/* Reviewed: nothing is owed any more but the minutes, due Friday 18 December; the
	 * tick of the working day after closes the conference, and then it may go. */
	h_reply_to(h, "review", "report_received", H_CHAIR, H_CHAIR, "REVIEWED");
	g_assert_cmpint(h_run(h, "2026-12-10T11:00", "poll", NULL), ==, 0);
	g_autoptr(JsonNode) reviewed = h_json(h, "2026-12-10T11:01", "show", H_REF, NULL);
	g_assert_cmpstr(h_str(json_node_get_object(reviewed), "state"), ==, "authorised");
	g_assert_cmpint(h_run(h, "2026-12-21T09:05", "tick", NULL), ==, 0);
	g_autoptr(JsonNode) after = h_json(h, "2026-12-21T09:06", "show", H_REF, NULL);
	g_assert_cmpstr(h_str(json_node_get_object(after), "state"), ==, "closed");
	g_assert_cmpint(h_run(h, "2027-06-02T10:00", "purge", "--before", "2027-06-01", NULL), ==, 0);
	g_assert_nonnull(strstr(h->out, "removed 1 conference,"));
	g_assert_cmpint(h_run(h, "2027-06-02T10:00", "show", H_REF, NULL), ==, 1);
}

/* ---- usage -------------------------------------------------------------------------------- */

typedef struct {
	const char *name;
	const char *args[12];
	int status;
	const char *says;
} UsageCase;

static const UsageCase usage_cases[] = {
	{ "report-without-period", { "report", NULL }, 2, "--from must be a date" },
	{ "report-period-backwards", { "report", "--from", "2026-12-31", "--to", "2026-01-01", NULL },
	  2, "is after --to" },
	{ "report-unknown-format", { "report", "--from", "2026-01-01", "--to", "2026-12-31",
	                             "--format", "pdf", NULL },
	  2, "--format must be text, csv, xlsx or html" },
	{ "report-unknown-kind", { "report", "--from", "2026-01-01", "--to", "2026-12-31", "--kind",
	                           "everything", NULL },
	  2, "--kind must be summary, register or all" },
	{ "record-without-ref", { "record", NULL }, 2, "record needs the conference REF" },
	{ "record-unknown-format", { "record", H_REF, "--format", "pdf", NULL }, 2,
	  "--format must be text or html" },
	{ "purge-bad-date", { "purge", "--before", "last year", NULL }, 2,
	  "--before must be a date" },
};

static void test_cli_refuses_bad_report_usage(gconstpointer data)
{
	const UsageCase *c = data;
	g_autoptr(Harness) h = h_new(NULL);
	const char *const *a = c->args;
	int rc = h_run(h, "2026-12-01T10:00", a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7], a[8],
	               a[9], NULL);
	g_assert_cmpint(rc, ==, c->status);
	if (!strstr(h->err, c->says))
		g_error("stderr lacks '%s': %s", c->says, h->err);
	g_assert_true(strchr(h->err, '\n') == h->err + strlen(h->err) - 1);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/report/year/store-holds-what-was-driven",
	                test_year_store_holds_what_was_driven);
	g_test_add_func("/report/year/summary-csv-matches-own-counts",
	                test_year_summary_csv_matches_own_counts);
	g_test_add_func("/report/year/register-csv-one-row-per-escalation",
	                test_year_register_csv_one_row_per_escalation);
	g_test_add_func("/report/year/text-summary-has-key-figures",
	                test_year_text_summary_has_key_figures);
	g_test_add_func("/report/year/html-summary-is-self-contained",
	                test_year_html_summary_is_self_contained);
	g_test_add_func("/report/year/xlsx-opens-in-libreoffice-and-matches-csv",
	                test_year_xlsx_opens_in_libreoffice_and_matches_csv);
	g_test_add_func("/report/reports-table/figures-for-rows-as-stored",
	                test_report_figures_for_report_rows_as_stored);
	g_test_add_func("/report/record/every-event-in-order-and-no-other-case",
	                test_record_lists_every_event_in_order_and_no_other_case);
	for (guint i = 0; i < G_N_ELEMENTS(damages); i++) {
		g_autofree char *name = g_strdup_printf("/report/reconcile/passes-then-names-%s",
		                                        damages[i].name);
		g_test_add_data_func(name, &damages[i],
		                     test_reconcile_passes_then_names_the_damaged_message);
	}
	g_test_add_func("/report/purge/removes-a-finished-case-and-nothing-else",
	                test_purge_removes_a_finished_case_and_nothing_else);
	g_test_add_func("/report/purge/keeps-a-case-whose-report-awaits-review",
	                test_purge_keeps_a_case_whose_report_awaits_review);
	for (guint i = 0; i < G_N_ELEMENTS(usage_cases); i++) {
		g_autofree char *name = g_strdup_printf("/report/cli/refuses-%s", usage_cases[i].name);
		g_test_add_data_func(name, &usage_cases[i], test_cli_refuses_bad_report_usage);
	}
	int rc = g_test_run();
	year_free();
	return rc;
}
