#include "app/adminmail.h"

#include <stdio.h>
#include <string.h>

#include "app/effects.h"
#include "app/setup.h"
#include "engine/engine.h"
#include "message/xlsx_read.h"
#include "store/cases.h"
#include "util/addr.h"
#include "util/clock.h"
#include "util/error.h"

/* A list in a mail's body or a CSV attachment is read up to this size, and this many rows. */
#define LIST_MAX_ROWS CH_XLSX_MAX_ROWS
/* Problems are sorted by place: an attachment's rows come after every line of the mail. */
#define ATTACHED 100000u

static const char *find_ci(const char *hay, const char *needle)
{
	size_t n = strlen(needle);
	for (const char *p = hay; p && *p; p++)
		if (!g_ascii_strncasecmp(p, needle, n))
			return p;
	return NULL;
}

/* The reference after "new conference" in a subject, or NULL. */
static char *subject_ref(const char *subject)
{
	const char *p = find_ci(subject, "new conference");
	if (!p)
		return NULL;
	p += strlen("new conference");
	while (*p == ' ' || *p == ':' || *p == '[' || *p == '-' || *p == '\t')
		p++;
	const char *b = p;
	while (*p && (g_ascii_isalnum(*p) || strchr("-_./", *p)))
		p++;
	while (p > b && p[-1] == '.')
		p--; /* a full stop ending the subject */
	return p > b ? g_strndup(b, p - b) : NULL;
}

gboolean ch_adminmail_is_new(ChApp *app, const ChMessage *m)
{
	return app->cfg->admin && m->from_addr && !g_ascii_strcasecmp(m->from_addr, app->cfg->admin) &&
	       find_ci(m->subject, "new conference");
}

/* ---- reading the mail ---- */

/* A line as written, for reading: bullets and bold markers people add off, trimmed. */
static char *plain_line(const char *raw)
{
	GString *s = g_string_new(NULL);
	for (const char *p = raw; *p; p++) {
		if (*p == '*' || *p == '\r')
			continue;
		if (*p == '\t')
			g_string_append_c(s, ' ');
		else if ((guchar)p[0] == 0xc2 && (guchar)p[1] == 0xa0)
			g_string_append_c(s, ' '), p++;
		else
			g_string_append_c(s, *p);
	}
	char *out = g_strstrip(g_string_free(s, FALSE));
	char *q = out;
	while (*q == '-' || *q == ' ' || !strncmp(q, "\xe2\x80\xa2", 3))
		q += *q == '\xe2' ? 3 : 1;
	memmove(out, q, strlen(q) + 1);
	return out;
}

static const struct {
	const char *label;
	int field; /* ChSetupField, or -1 for the list */
} labels[] = {
	{ "reference", CH_SETUP_REF }, { "ref", CH_SETUP_REF },
	{ "conference", CH_SETUP_REF },
	{ "held", CH_SETUP_HELD }, { "date held", CH_SETUP_HELD }, { "held on", CH_SETUP_HELD },
	{ "type", CH_SETUP_TYPE },
	{ "chair", CH_SETUP_CHAIR },
	{ "social worker", CH_SETUP_SOCIAL_WORKER },
	{ "practice manager", CH_SETUP_PRACTICE_MANAGER },
	{ "minute taker", CH_SETUP_MINUTE_TAKER },
	{ "procedure", CH_SETUP_PROCEDURE },
	{ "list", -1 }, { "distribution list", -1 },
};

/* The label of "Social Worker: x" (lower case, single spaces), or NULL; *value_r the rest. */
static int label_of(const char *line, const char **value_r)
{
	const char *colon = strchr(line, ':');
	if (!colon || colon - line > 30)
		return -2;
	g_autofree char *l = g_ascii_strdown(line, colon - line);
	g_strstrip(l);
	for (char *p = l; *p; p++)
		if (*p == '_' || *p == '-')
			*p = ' ';
	for (guint i = 0; i < G_N_ELEMENTS(labels); i++)
		if (!strcmp(l, labels[i].label)) {
			const char *v = colon + 1;
			while (*v == ' ')
				v++;
			*value_r = v;
			return labels[i].field;
		}
	return -2;
}

/* "Dr Ffion Testwood <ffion@x>" -> the address (and the name when name_r). */
static char *address_part(const char *v, char **name_r)
{
	const char *lt = strrchr(v, '<'), *gt = lt ? strchr(lt, '>') : NULL;
	if (!lt || !gt)
		return g_strdup(v);
	if (name_r) {
		g_autofree char *n = g_strndup(v, lt - v);
		g_strstrip(n);
		g_strdelimit(n, "\"", ' ');
		g_strstrip(n);
		*name_r = *n ? g_strdup(n) : NULL;
	}
	return g_strndup(lt + 1, gt - lt - 1);
}

/* "20/11/2026 10:00" (as written in the UK) or "2026-11-20 10:00" as ISO 8601. */
static char *held_iso(const char *v)
{
	int d, mo, y, h = -1, mi = 0;
	char tail;
	if (sscanf(v, "%d/%d/%d %d:%d%c", &d, &mo, &y, &h, &mi, &tail) >= 5 ||
	    sscanf(v, "%d/%d/%d %d.%d%c", &d, &mo, &y, &h, &mi, &tail) == 5)
		return g_strdup_printf("%04d-%02d-%02dT%02d:%02d", y, mo, d, h, mi);
	char *s = g_strdup(v);
	if (strlen(s) > 10 && s[10] == ' ')
		s[10] = 'T';
	return s;
}

typedef struct {
	char *value[CH_SETUP_N];
	guint line[CH_SETUP_N];
	guint again[CH_SETUP_N]; /* a later line that gave the field another value: admin is
	                            asked which one is meant, never the last taken silently */
	GPtrArray *body_rows;  /* GPtrArray* of cells, from the lines under "List:" */
	GArray *body_lines;    /* their line numbers */
	GPtrArray *form;       /* the lines as read, for the form sent back */
} Form;

static void form_clear(Form *f)
{
	for (int i = 0; i < CH_SETUP_N; i++)
		g_free(f->value[i]);
	g_ptr_array_unref(f->body_rows);
	g_array_unref(f->body_lines);
	g_ptr_array_unref(f->form);
}

static void read_form(const char *text, Form *f)
{
	memset(f, 0, sizeof *f);
	f->body_rows = g_ptr_array_new_with_free_func((GDestroyNotify)g_ptr_array_unref);
	f->body_lines = g_array_new(FALSE, FALSE, sizeof(guint));
	f->form = g_ptr_array_new_with_free_func(g_free);
	g_auto(GStrv) lines = g_strsplit(text ? text : "", "\n", 2000);
	gboolean in_list = FALSE;
	for (guint i = 0; lines[i]; i++) {
		g_autofree char *l = plain_line(lines[i]);
		guint n = i + 1;
		if (!*l) {
			if (in_list && f->body_rows->len)
				in_list = FALSE;
			continue;
		}
		const char *v = NULL;
		int field = label_of(l, &v);
		if (field == -1) {
			in_list = TRUE;
			g_ptr_array_add(f->form, g_strdup("List:"));
			continue;
		}
		if (field >= 0 && !in_list) {
			if (!*v)
				continue;
			char *name = NULL, *value;
			if (field == CH_SETUP_CHAIR)
				value = address_part(v, &name);
			else if (field == CH_SETUP_HELD)
				value = held_iso(v);
			else if (field == CH_SETUP_SOCIAL_WORKER || field == CH_SETUP_PRACTICE_MANAGER ||
			         field == CH_SETUP_MINUTE_TAKER)
				value = address_part(v, NULL);
			else
				value = g_strdup(v);
			if (f->value[field]) {
				if (!f->again[field] && g_strcmp0(f->value[field], value))
					f->again[field] = n;
				g_free(value);
				g_free(name);
				g_ptr_array_add(f->form, g_strdup(l));
				continue;
			}
			f->value[field] = value;
			if (field == CH_SETUP_CHAIR)
				f->value[CH_SETUP_CHAIR_NAME] = name;
			f->line[field] = n;
			if (field == CH_SETUP_CHAIR)
				f->line[CH_SETUP_CHAIR_NAME] = n;
			g_ptr_array_add(f->form, g_strdup(l));
			continue;
		}
		if (in_list && f->body_rows->len < LIST_MAX_ROWS + 1) {
			g_ptr_array_add(f->body_rows, ch_setup_csv_fields(l));
			g_array_append_val(f->body_lines, n);
			g_ptr_array_add(f->form, g_strdup(l));
		}
	}
}

/* Rows from `from` on are at `label` (a printf format taking the row's number and `name`),
 * sorted as `base` + their number. */
static void label_rows(GPtrArray *rows, guint from, guint base, const char *name)
{
	for (guint i = from; i < rows->len; i++) {
		ChSetupRow *r = rows->pdata[i];
		r->label = name ? g_strdup_printf("row %u of %s", r->where, name)
		                : g_strdup_printf("line %u", r->where);
		r->where += base;
	}
}

/* The list an attachment holds: rows checked into `rows`, problems naming "row N of
 * FILE". *found_r when there was a list attachment at all. */
static void attachment_list(const ChMessage *m, GPtrArray *rows, GPtrArray *problems,
                            gboolean *found_r)
{
	*found_r = FALSE;
	for (guint i = 0; m->attachments && i < m->attachments->len; i++) {
		const ChAttachment *a = m->attachments->pdata[i];
		const char *fn = a->filename ? a->filename : "";
		gboolean csv = g_str_has_suffix(fn, ".csv") || g_str_has_suffix(fn, ".CSV") ||
		               !g_strcmp0(a->content_type, "text/csv");
		gboolean xlsx = g_str_has_suffix(fn, ".xlsx") || g_str_has_suffix(fn, ".XLSX") ||
		                !g_strcmp0(a->content_type, "application/"
		                                             "vnd.openxmlformats-officedocument."
		                                             "spreadsheetml.sheet");
		if (!csv && !xlsx)
			continue;
		const char *name = *fn ? fn : (csv ? "the CSV attachment" : "the xlsx attachment");
		if (*found_r) {
			ch_setup_problem(problems, ATTACHED, "%s: only one list may be attached; send the "
			                                   "list as one file",
			                 name);
			return;
		}
		*found_r = TRUE;
		gsize len = 0;
		/* Parsed from the spool, an attachment is still in the message's file: read now. */
		g_autoptr(GBytes) bytes = ch_attachment_bytes(a);
		const guint8 *data = g_bytes_get_data(bytes, &len);
		g_autoptr(GPtrArray) found = ch_setup_problems_new();
		guint from = rows->len;
		g_autofree char *why = NULL;
		if (!ch_setup_list_file(data, len, !csv, rows, found, &why)) {
			ch_setup_problem(problems, ATTACHED, "%s: %s", name, why);
			continue;
		}
		label_rows(rows, from, ATTACHED, name);
		for (guint k = 0; k < found->len; k++) {
			const ChSetupProblem *p = found->pdata[k];
			ch_setup_problem(problems, ATTACHED + p->where, "row %u of %s: %s", p->where, name,
			                 p->text);
		}
	}
}

/* Rows from lines of the body (under "List:", after REPLACE LIST, after ADD). */
static void body_list(GPtrArray *cells, GArray *lines, GPtrArray *rows, GPtrArray *problems)
{
	for (guint i = 0; i < cells->len; i++) {
		guint n = g_array_index(lines, guint, i);
		if (i >= LIST_MAX_ROWS) {
			ch_setup_problem(problems, n, "line %u: a list has at most %u rows", n,
			                 LIST_MAX_ROWS);
			return;
		}
		g_autoptr(GPtrArray) found = ch_setup_problems_new();
		guint from = rows->len;
		ch_setup_list_record(cells->pdata[i], n, i == 0, rows, found);
		label_rows(rows, from, 0, NULL);
		for (guint k = 0; k < found->len; k++)
			ch_setup_problem(problems, n, "line %u: %s", n,
			                 ((ChSetupProblem *)found->pdata[k])->text);
	}
}

static char *problems_text(GPtrArray *problems)
{
	ch_setup_problems_sort(problems);
	GString *s = g_string_new(NULL);
	for (guint i = 0; i < problems->len; i++)
		g_string_append_printf(s, "  - %s\n", ((ChSetupProblem *)problems->pdata[i])->text);
	return g_string_free(s, FALSE);
}

static const char form_example[] =
	"  Held: 20/11/2026 10:00\n"
	"  Type: initial\n"
	"  Chair: Dr Ffion Testwood <ffion.testwood@chairs.example.org>\n"
	"  Social worker: amara.sowande@council.example\n"
	"  Practice manager: (optional)\n"
	"  Minute taker: (optional)\n"
	"  Procedure: (optional)\n"
	"  List:\n"
	"  name,email,agency,attendance,report\n"
	"  Sam Okafor,sam.okafor@police.example.org,Northshire Police,absent,none\n";

/* ---- answers ---- */

static ChIntent *answer(ChEffects *fx, ChApp *app, const char *template, const char *key,
                        const char *ref)
{
	ChIntent *i = ch_effects_intent(fx, template, app->cfg->admin, NULL, key);
	i->in_reply = TRUE;
	ch_intent_set(i, "ref", ref);
	return i;
}

static gboolean apply(ChApp *app, ChCase *c, ChEffects *fx, const ChMessage *m, GDateTime *now,
                      const char *source, GError **error)
{
	return ch_effects_apply(app, c, fx, m->message_id, now, source, error);
}

/* The list is ready: admin is shown it as the chair will see it, and asked to SEND. */
static void ask_send(ChApp *app, ChCase *c, const char *event_id, const char *what,
                     ChEffects *fx)
{
	g_autofree char *key = g_strdup_printf("admin:%s:preview:%s", c->ref, event_id);
	ChIntent *i = answer(fx, app, "admin_setup_list", key, c->ref);
	i->purpose = CH_PURPOSE_SETUP;
	g_autofree char *held = ch_clock_long_date(c->held, "");
	ch_intent_set(i, "held", held);
	ch_intent_set(i, "chair_name", c->chair_name ? c->chair_name : "the chair");
	g_autofree char *list = ch_engine_list_text(c);
	ch_intent_set(i, "list", list);
	ch_intent_set(i, "what", what);
	ch_intent_set(i, "chair", c->chair_email);
}

/* The list goes to the chair now; admin is told. */
static gboolean send_now(ChApp *app, ChCase *c, GDateTime *now, const char *event_id,
                         const char *what, ChEffects *fx, GError **error)
{
	const ChRules *rules = ch_app_rules(app, c->procedure, error);
	if (!rules)
		return FALSE;
	ChEngineCtx ctx;
	ch_app_engine_ctx(app, rules, now, event_id, &ctx);
	if (!ch_engine_list_send(c, &ctx, fx, error))
		return FALSE;
	g_autofree char *key = g_strdup_printf("admin:%s:sent:%s", c->ref, event_id);
	ChIntent *i = answer(fx, app, "admin_setup_answer", key, c->ref);
	i->purpose = CH_PURPOSE_SETUP;
	g_autofree char *list = ch_engine_list_text(c);
	g_autofree char *text = g_strdup_printf(
		"%s\nThe distribution list of %s went to the chair (%s) for authorisation:\n\n%s\n"
		"The chair is chased if they do not answer. The list cannot be changed by mail any "
		"more.\n",
		what, c->ref, c->chair_email, list);
	ch_intent_set(i, "headline", "Distribution list sent to the chair");
	ch_intent_set(i, "answer", text);
	return TRUE;
}

/* ---- a new conference ---- */

static void asked_twice(const Form *f, GPtrArray *problems)
{
	for (int k = 0; k < CH_SETUP_N; k++)
		if (f->again[k])
			ch_setup_problem(problems, f->again[k],
			                 "%s is written twice, differently (lines %u and %u): keep the "
			                 "one you mean",
			                 ch_setup_label(k), f->line[k], f->again[k]);
}

static gboolean from_form(ChApp *app, const ChMessage *m, Form *fp, GDateTime *now,
                          const char *event_id, const char *source, gint64 *conf_r,
                          GError **error)
{
	Form f = *fp;
	ChSetupConf in = { .cli = FALSE };
	for (int k = 0; k < CH_SETUP_N; k++) {
		in.value[k] = f.value[k];
		in.line[k] = f.line[k];
	}
	g_autoptr(GPtrArray) problems = ch_setup_problems_new();
	asked_twice(&f, problems);
	g_autoptr(ChCase) c = ch_setup_conference_check(&in, problems);
	const ChRules *rules = NULL;
	if (c) {
		gint64 existing = 0;
		GError *e = NULL;
		if (!ch_store_conference_by_ref(app->store, c->ref, &existing, error)) {
			return FALSE;
		}
		if (existing)
			ch_setup_problem(problems, 0, "%s is already a conference here: to change its "
			                              "list before it is sent, reply to chaser's mail "
			                              "about it with REPLACE LIST, ADD or REMOVE",
			                 c->ref);
		else if (!(rules = ch_setup_conference_rules(app, c, &e))) {
			ch_setup_problem(problems, f.line[CH_SETUP_PROCEDURE], "procedure: %s", e->message);
			g_error_free(e);
		}
	}
	g_autoptr(GPtrArray) rows = ch_setup_rows_new();
	gboolean attached = FALSE;
	attachment_list(m, rows, problems, &attached);
	if (attached && f.body_rows->len)
		ch_setup_problem(problems, g_array_index(f.body_lines, guint, 0),
		                 "the list is both attached and written in the mail: send one");
	else if (!attached)
		body_list(f.body_rows, f.body_lines, rows, problems);
	if (!attached && !f.body_rows->len)
		ch_setup_problem(problems, 0, "no distribution list: attach it as a CSV or xlsx file "
		                              "(columns name,email,agency,attendance,report), or write "
		                              "it under a line \"List:\", one professional a line");
	if (!ch_setup_list_agencies(app, rows, problems, error)) {
		return FALSE;
	}
	g_autoptr(ChEffects) fx = ch_effects_new();
	if (problems->len) {
		g_autofree char *ptext = problems_text(problems);
		g_autofree char *form = f.form->len ? NULL : g_strdup(form_example);
		if (!form) {
			GString *s = g_string_new(NULL);
			for (guint i = 0; i < f.form->len; i++)
				g_string_append_printf(s, "  %s\n", (char *)f.form->pdata[i]);
			form = g_string_free(s, FALSE);
		}
		const char *ref = f.value[CH_SETUP_REF] ? f.value[CH_SETUP_REF] : "REF";
		g_autofree char *key = g_strdup_printf("admin:new:problems:%s", event_id);
		ChIntent *i = answer(fx, app, "admin_setup_problems", key, ref);
		ch_intent_set(i, "problems", ptext);
		ch_intent_set(i, "form", form);
		ch_intent_set(i, "attached", attached ? "Attach the corrected list again.\n" : "");
		return apply(app, NULL, fx, m, now, source, error);
	}
	g_autofree char *now_s = ch_clock_format(now);
	g_autoptr(ChCase) loaded = NULL;
	if (!ch_setup_conference_create(app, c, rules, now, source, error) ||
	    !ch_setup_list_store(app, c, rows, now_s, source, error) ||
	    !(loaded = ch_store_case_load_id(app->store, c->id, error)))
		return FALSE;
	*conf_r = loaded->id;
	g_autofree char *what = g_strdup_printf("Conference %s is set up, with %u professionals on "
	                                        "its distribution list.",
	                                        loaded->ref, rows->len);
	if (app->cfg->admin_confirm)
		ask_send(app, loaded, event_id, what, fx);
	else if (!send_now(app, loaded, now, event_id, what, fx, error)) {
		return FALSE;
	}
	return apply(app, loaded, fx, m, now, source, error);
}

static gboolean new_conference(ChApp *app, const ChMessage *m, const char *own, GDateTime *now,
                               const char *event_id, const char *source, gint64 *conf_r,
                               GError **error)
{
	Form f;
	read_form(own, &f);
	if (!f.value[CH_SETUP_REF])
		f.value[CH_SETUP_REF] = subject_ref(m->subject);
	gboolean ok = from_form(app, m, &f, now, event_id, source, conf_r, error);
	form_clear(&f);
	return ok;
}

/* ---- a reply about a conference set up by mail ---- */

typedef enum { CMD_SEND, CMD_REPLACE, CMD_ADD, CMD_REMOVE } Cmd;

/* The command word a line starts with, and the rest. */
static gboolean command_of(const char *l, Cmd *cmd_r, const char **rest_r)
{
	static const struct {
		const char *word;
		Cmd cmd;
	} words[] = {
		{ "replace list", CMD_REPLACE }, { "send", CMD_SEND }, { "add", CMD_ADD },
		{ "remove", CMD_REMOVE },
	};
	for (guint i = 0; i < G_N_ELEMENTS(words); i++) {
		size_t n = strlen(words[i].word);
		if (!g_ascii_strncasecmp(l, words[i].word, n) &&
		    (!l[n] || l[n] == ' ' || l[n] == ':' || l[n] == '.' || l[n] == '!')) {
			const char *r = l + n;
			while (*r == ' ' || *r == ':')
				r++;
			/* SEND is the word alone ("SEND", "Send it", "Send."), not a sentence about
			 * sending something. */
			if (words[i].cmd == CMD_SEND && *r && g_ascii_strcasecmp(r, "it") &&
			    g_ascii_strcasecmp(r, "it.") && strcmp(r, "."))
				return FALSE;
			*cmd_r = words[i].cmd;
			*rest_r = r;
			return TRUE;
		}
	}
	return FALSE;
}

/* REMOVE 3 / REMOVE Sam Okafor: the line number on the list, or 0 with a problem. */
static int remove_target(const ChCase *c, const char *what, guint n, GPtrArray *problems)
{
	char *end = NULL;
	guint64 v = g_ascii_strtoull(what, &end, 10);
	if (end != what && (!*end || *end == '.')) {
		if (v >= 1 && v <= c->attendees->len)
			return (int)v;
		ch_setup_problem(problems, n, "line %u: there is no line %s on the list (it has %u)", n,
		                 what, c->attendees->len);
		return 0;
	}
	int found = 0, count = 0;
	for (guint k = 0; k < c->attendees->len; k++) {
		const ChAttendee *a = c->attendees->pdata[k];
		if (!g_ascii_strcasecmp(a->name, what) || !g_ascii_strcasecmp(a->email, what))
			found = a->n, count++;
	}
	if (count == 1)
		return found;
	ch_setup_problem(problems, n, count ? "line %u: '%s' is on several lines: give the number"
	                                    : "line %u: '%s' is not on the list: give the number",
	                 n, what);
	return 0;
}

static gint desc_int(gconstpointer a, gconstpointer b)
{
	return *(const int *)b - *(const int *)a;
}

/* A reply about a conference set up by mail: its commands read, then refused whole when the
 * list has gone, then every change checked before any is made, then made in order (the
 * list replaced, lines removed from the last, lines added) and answered. Long because that
 * order is the guarantee that a reply with one problem changes nothing; it reads best in
 * one place. */
static gboolean setup_reply(ChApp *app, const ChMessage *m, const char *own, gint64 conf,
                            GDateTime *now, const char *event_id, const char *source,
                            GError **error)
{
	g_autoptr(ChCase) c = ch_store_case_load_id(app->store, conf, error);
	if (!c)
		return FALSE;
	g_autoptr(GPtrArray) problems = ch_setup_problems_new();
	g_autoptr(GPtrArray) add_cells = g_ptr_array_new_with_free_func((GDestroyNotify)g_ptr_array_unref);
	g_autoptr(GArray) add_lines = g_array_new(FALSE, FALSE, sizeof(guint));
	g_autoptr(GPtrArray) repl_cells = g_ptr_array_new_with_free_func((GDestroyNotify)g_ptr_array_unref);
	g_autoptr(GArray) repl_lines = g_array_new(FALSE, FALSE, sizeof(guint));
	g_autoptr(GArray) removes = g_array_new(FALSE, FALSE, sizeof(int));
	gboolean send = FALSE, replace = FALSE, in_replace = FALSE, any = FALSE;
	g_auto(GStrv) lines = g_strsplit(own ? own : "", "\n", 2000);
	for (guint i = 0; lines[i]; i++) {
		g_autofree char *l = plain_line(lines[i]);
		guint n = i + 1;
		Cmd cmd;
		const char *rest = NULL;
		if (!*l) {
			if (in_replace && repl_cells->len)
				in_replace = FALSE;
			continue;
		}
		if (!command_of(l, &cmd, &rest)) {
			/* Lines under REPLACE LIST are the new list; anything else is chat. */
			if (in_replace) {
				g_ptr_array_add(repl_cells, ch_setup_csv_fields(l));
				g_array_append_val(repl_lines, n);
			}
			continue;
		}
		any = TRUE;
		in_replace = FALSE;
		switch (cmd) {
		case CMD_SEND:
			send = TRUE;
			break;
		case CMD_REPLACE:
			replace = in_replace = TRUE;
			break;
		case CMD_ADD:
			g_ptr_array_add(add_cells, ch_setup_csv_fields(rest));
			g_array_append_val(add_lines, n);
			break;
		case CMD_REMOVE: {
			int t = c->state == CH_CONF_HELD ? remove_target(c, rest, n, problems) : 0;
			if (t)
				g_array_append_val(removes, t);
			break;
		}
		}
	}
	g_autoptr(ChEffects) fx = ch_effects_new();
	gboolean changes = replace || add_cells->len || removes->len;
	g_autofree char *key = g_strdup_printf("admin:%s:answer:%s", c->ref, event_id);
	if (c->state != CH_CONF_HELD && any) {
		/* The chair has the list: a change now would make chaser's list and the chair's
		 * differ. Say what to do instead. */
		g_autofree char *when = ch_clock_long_date(c->list_sent_at, "");
		g_autofree char *text = g_strdup_printf(
			"The distribution list of %s went to the chair on %s; it cannot change now, "
			"and nothing was changed%s.\n\n"
			"What to do instead: write to the chair (%s) with the correction, so that the "
			"authorised copy they return is right; a professional left off the list can "
			"still be escalated by the chair in their reply. The list as sent is below.\n\n%s",
			c->ref, when, send && !changes ? " (it was not sent again)" : "", c->chair_email,
			"");
		g_autofree char *list = ch_engine_list_text(c);
		g_autofree char *all = g_strconcat(text, list, NULL);
		ChIntent *i = answer(fx, app, "admin_setup_answer", key, c->ref);
		ch_intent_set(i, "headline", "The list was already sent: nothing changed");
		ch_intent_set(i, "answer", all);
		return apply(app, c, fx, m, now, source, error);
	}
	g_autoptr(GPtrArray) rows = ch_setup_rows_new();
	gboolean attached = FALSE;
	if (replace) {
		attachment_list(m, rows, problems, &attached);
		if (attached && repl_cells->len)
			ch_setup_problem(problems, g_array_index(repl_lines, guint, 0),
			                 "the new list is both attached and written in the mail: send one");
		else if (!attached)
			body_list(repl_cells, repl_lines, rows, problems);
		if (!attached && !repl_cells->len)
			ch_setup_problem(problems, 0, "REPLACE LIST needs the new list: attach it as a CSV "
			                              "or xlsx file, or write its lines under REPLACE LIST");
		if (removes->len)
			ch_setup_problem(problems, 0, "REPLACE LIST and REMOVE are both there: send the "
			                              "whole new list, or the lines to remove");
	}
	guint first_added = rows->len;
	for (guint k = 0; k < add_cells->len; k++) {
		guint n = g_array_index(add_lines, guint, k);
		g_autoptr(GPtrArray) found = ch_setup_problems_new();
		guint from = rows->len;
		ch_setup_list_record(add_cells->pdata[k], n, FALSE, rows, found);
		label_rows(rows, from, 0, NULL);
		for (guint q = 0; q < found->len; q++)
			ch_setup_problem(problems, n, "line %u (ADD): %s", n,
			                 ((ChSetupProblem *)found->pdata[q])->text);
	}
	if (!ch_setup_list_agencies(app, rows, problems, error))
		return FALSE;
	if (!any)
		ch_setup_problem(problems, 0, "no command found: reply SEND on a line of its own to "
		                              "send the list to the chair, or REPLACE LIST, ADD or "
		                              "REMOVE lines to change it first");
	if (problems->len) {
		g_autofree char *ptext = problems_text(problems);
		g_autofree char *list = ch_engine_list_text(c);
		g_autofree char *text = g_strdup_printf(
			"Nothing was changed and nothing was sent, because:\n\n%s\n"
			"The list is still:\n\n%s\n"
			"Reply to this email with the corrected lines, for example:\n"
			"  ADD Tom Rees,tom.rees@police.example.org,Northshire Police,attended,none\n"
			"  REMOVE 2\n"
			"  REPLACE LIST (with the whole list attached, or its lines below)\n"
			"  SEND\n",
			ptext, list);
		ChIntent *i = answer(fx, app, "admin_setup_answer", key, c->ref);
		i->purpose = CH_PURPOSE_SETUP;
		ch_intent_set(i, "headline", "Not understood: nothing changed");
		ch_intent_set(i, "answer", text);
		return apply(app, c, fx, m, now, source, error);
	}
	g_autofree char *now_s = ch_clock_format(now);
	GString *done = g_string_new(NULL);
	if (replace) {
		if (!ch_store_attendees_clear(app->store, c->id, error))
			return g_string_free(done, TRUE), FALSE;
		g_string_append_printf(done, "The list was replaced (%u professionals).\n", first_added);
	}
	g_array_sort(removes, desc_int);
	for (guint k = 0; k < removes->len; k++) {
		int n = g_array_index(removes, int, k);
		if (k && n == g_array_index(removes, int, k - 1))
			continue;
		const ChAttendee *a = ch_case_attendee(c, n);
		g_string_append_printf(done, "Line %d (%s, %s) was removed.\n", n, a->name, a->agency);
		if (!ch_store_attendee_remove(app->store, c->id, n, error))
			return g_string_free(done, TRUE), FALSE;
	}
	for (guint k = first_added; k < rows->len; k++) {
		const ChSetupRow *r = rows->pdata[k];
		g_string_append_printf(done, "%s (%s) was added.\n", r->name, r->agency);
	}
	if (rows->len && !ch_setup_list_store(app, c, rows, now_s, source, error))
		return g_string_free(done, TRUE), FALSE;
	g_autofree char *what = g_string_free(done, FALSE);
	g_autoptr(ChCase) now_c = ch_store_case_load_id(app->store, c->id, error);
	if (!now_c)
		return FALSE;
	if (!now_c->attendees->len) {
		g_autofree char *text = g_strdup_printf("%sThe list is now empty: add professionals "
		                                        "with ADD lines, or REPLACE LIST, before it "
		                                        "can be sent.\n",
		                                        what);
		ChIntent *i = answer(fx, app, "admin_setup_answer", key, c->ref);
		i->purpose = CH_PURPOSE_SETUP;
		ch_intent_set(i, "headline", "The list is empty");
		ch_intent_set(i, "answer", text);
	} else if (send) {
		if (!send_now(app, now_c, now, event_id, what, fx, error))
			return FALSE;
	} else {
		ask_send(app, now_c, event_id, *what ? what : "The list is unchanged.", fx);
	}
	return apply(app, now_c, fx, m, now, source, error);
}

gboolean ch_adminmail_handle(ChApp *app, const ChMessage *m, const char *own,
                             gint64 conference_id, GDateTime *now, const char *event_id,
                             const char *source, gint64 *conference_r, GError **error)
{
	*conference_r = conference_id;
	if (!conference_id)
		return new_conference(app, m, own, now, event_id, source, conference_r, error);
	return setup_reply(app, m, own, conference_id, now, event_id, source, error);
}
