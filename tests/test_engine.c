/* The rules engine in-process: one test per tests/data/engine/NAME.case file.
 *
 * Each case file (a GKeyFile; tests/data/engine/README says what every group and key means)
 * holds a conference as the store would load it, one event with the time it happens, and what
 * the procedure says must follow: the states after, every message (template, recipient, key
 * variables), every audit event and every change to the store beyond the case (an outbox row
 * failed, a task for admin). The engine runs on the real rules files (the rules loader)
 * and the real bank holidays (the calendar loader); no binary, no database, no mail.
 *
 * The expected values in the case files are worked out from the procedures and the rules by
 * hand, not copied from a run. A case fails with the list of everything that differed.
 * Adding a case is adding a file; the files under bugs/ are not run (see its README).
 * Run from the repository root, where rules/ and templates/ are found.
 */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "app/rules_file.h"
#include "engine/engine.h"
#include "engine/kinds.h"
#include "timers/calendar.h"
#include "util/clock.h"

#define CASE_DIR "tests/data/engine"
#define NONE "(none)"

/* ---- fields: the one place that knows how a case file's words become struct fields ------ */

typedef enum { F_STR, F_INT, F_INT64, F_BOOL, F_STRV, F_ENUM } FieldType;

/* An enum field's name table (engine/names.h), as int. */
typedef struct {
	const char *(*name)(int v);
	gboolean (*parse)(const char *text, int *v);
} Names;

typedef struct {
	const char *name;
	FieldType type;
	size_t offset;
	const Names *names; /* F_ENUM */
} Field;

#define NAMES(Type, prefix)                                                                   \
	static const char *prefix##_n(int v)                                                      \
	{                                                                                         \
		return prefix##_name((Type)v);                                                        \
	}                                                                                         \
	static gboolean prefix##_p(const char *text, int *v)                                      \
	{                                                                                         \
		Type t;                                                                               \
		if (!prefix##_parse(text, &t))                                                        \
			return FALSE;                                                                     \
		*v = (int)t;                                                                          \
		return TRUE;                                                                          \
	}                                                                                         \
	static const Names prefix##_names = { prefix##_n, prefix##_p };
NAMES(ChConfState, ch_conf_state)
NAMES(ChConfType, ch_conf_type)
NAMES(ChAttendance, ch_attendance)
NAMES(ChAttReport, ch_att_report)
NAMES(ChEscState, ch_esc_state)
NAMES(ChReportState, ch_report_state)

#define FS(T, f) { #f, F_STR, offsetof(T, f) }
#define FI(T, f) { #f, F_INT, offsetof(T, f) }
#define FL(T, f) { #f, F_INT64, offsetof(T, f) }
#define FB(T, f) { #f, F_BOOL, offsetof(T, f) }
#define FV(T, f) { #f, F_STRV, offsetof(T, f) }
#define FE(T, f, table) { #f, F_ENUM, offsetof(T, f), &table##_names }

static const Field case_fields[] = {
	FL(ChCase, id), FS(ChCase, ref), FS(ChCase, held), FE(ChCase, type, ch_conf_type),
	FS(ChCase, procedure), FS(ChCase, chair_email), FS(ChCase, chair_name),
	FS(ChCase, social_worker), FS(ChCase, practice_manager), FS(ChCase, minute_taker),
	FE(ChCase, state, ch_conf_state), FS(ChCase, list_sent_at), FS(ChCase, authorised_at),
	FS(ChCase, closed_at), FB(ChCase, high_risk), FS(ChCase, minutes_due),
	FS(ChCase, minutes_not_before), FI(ChCase, minutes_missing_info),
	FS(ChCase, list_reminded_at), FS(ChCase, next_at), FS(ChCase, due), { NULL, 0, 0 },
};

static const Field attendee_fields[] = {
	FL(ChAttendee, id), FS(ChAttendee, name), FS(ChAttendee, email),
	FL(ChAttendee, agency_id), FS(ChAttendee, agency), FS(ChAttendee, slo_email),
	FS(ChAttendee, slo_name), FS(ChAttendee, lead_email),
	FE(ChAttendee, attendance, ch_attendance), FE(ChAttendee, report, ch_att_report), { NULL, 0, 0 },
};

static const Field escalation_fields[] = {
	FL(ChEscalation, id), FV(ChEscalation, reasons), FS(ChEscalation, comment),
	FI(ChEscalation, stage), FE(ChEscalation, state, ch_esc_state), FS(ChEscalation, raised_at),
	FS(ChEscalation, stage_at), FS(ChEscalation, due), FS(ChEscalation, calendar),
	FS(ChEscalation, asked), FS(ChEscalation, chased_at), FI(ChEscalation, chasers),
	FS(ChEscalation, responded_at), FS(ChEscalation, response), FS(ChEscalation, outcome),
	FS(ChEscalation, closed_at), FS(ChEscalation, next_at), FS(ChEscalation, confirm_due),
	FS(ChEscalation, confirm_reminded_at), FS(ChEscalation, meeting_date),
	FS(ChEscalation, outcome_asked_at), FS(ChEscalation, chair_told_at), { NULL, 0, 0 },
};

static const Field report_fields[] = {
	FL(ChReport, id), FS(ChReport, agency), FS(ChReport, asked), FE(ChReport, state, ch_report_state),
	FS(ChReport, request_by), FS(ChReport, requested_at), FS(ChReport, due),
	FS(ChReport, calendar), FS(ChReport, reminded_at), FS(ChReport, received_at),
	FI(ChReport, on_time), FS(ChReport, sha256), FS(ChReport, file), FL(ChReport, message),
	FS(ChReport, review_due), FS(ChReport, reviewed_at), FS(ChReport, review_reminded_at),
	FS(ChReport, missing_at), FS(ChReport, next_at), FS(ChReport, high_risk_at),
	FS(ChReport, high_risk_by), FS(ChReport, high_risk_due), FS(ChReport, high_risk_next_at),
	FS(ChReport, high_risk_reminded_at), FS(ChReport, addressed_by),
	FS(ChReport, addressed_at), { NULL, 0, 0 },
};

static const Field *field_find(const Field *table, const char *name)
{
	for (const Field *f = table; f->name; f++)
		if (!strcmp(f->name, name))
			return f;
	return NULL;
}

/* Sets one field from its words in the case file; FALSE when the words do not fit. */
static gboolean field_set(void *obj, const Field *f, const char *value)
{
	void *p = (char *)obj + f->offset;
	gboolean none = !strcmp(value, NONE);
	char *end = NULL;
	switch (f->type) {
	case F_STR:
		return ch_set_str((char **)p, none ? NULL : value), TRUE;
	case F_INT:
		*(int *)p = (int)g_ascii_strtoll(value, &end, 10);
		return end != value && !*end;
	case F_INT64:
		*(gint64 *)p = g_ascii_strtoll(value, &end, 10);
		return end != value && !*end;
	case F_BOOL:
		*(gboolean *)p = !strcmp(value, "true");
		return !strcmp(value, "true") || !strcmp(value, "false");
	case F_STRV: {
		g_strfreev(*(char ***)p);
		g_auto(GStrv) parts = g_strsplit(value, ",", -1);
		GPtrArray *a = g_ptr_array_new();
		for (char **s = parts; !none && *s; s++)
			if (*g_strstrip(*s))
				g_ptr_array_add(a, g_strdup(*s));
		g_ptr_array_add(a, NULL);
		*(char ***)p = (char **)g_ptr_array_free(a, FALSE);
		return TRUE;
	}
	case F_ENUM:
		return f->names->parse(value, (int *)p);
	}
	return FALSE;
}

/* A field as the case file writes it, for comparing with what is expected. */
static char *field_text(const void *obj, const Field *f)
{
	const void *p = (const char *)obj + f->offset;
	switch (f->type) {
	case F_STR:
		return g_strdup(*(char *const *)p ? *(char *const *)p : NONE);
	case F_INT:
		return g_strdup_printf("%d", *(const int *)p);
	case F_INT64:
		return g_strdup_printf("%" G_GINT64_FORMAT, *(const gint64 *)p);
	case F_BOOL:
		return g_strdup(*(const gboolean *)p ? "true" : "false");
	case F_STRV: {
		char **v = *(char **const *)p;
		return v && *v ? g_strjoinv(", ", v) : g_strdup(NONE);
	}
	case F_ENUM: {
		const char *name = f->names->name(*(const int *)p);
		return g_strdup(name ? name : NONE);
	}
	}
	return NULL;
}

/* ---- one case ----------------------------------------------------------------------------- */

typedef struct {
	const char *path;
	GKeyFile *kf;
	GString *fail;      /* every difference found, one per line */
} Run;

static G_GNUC_PRINTF(2, 3) void differ(Run *run, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	g_string_append_c(run->fail, '\n');
	g_string_append_vprintf(run->fail, fmt, ap);
	va_end(ap);
}

static char *get(Run *run, const char *group, const char *key)
{
	return g_key_file_get_string(run->kf, group, key, NULL);
}

/* Every key of `group` set on obj through `table`; a key that names no field is a mistake
 * in the case file, not something to ignore. */
static void load_fields(Run *run, const char *group, void *obj, const Field *table,
                        const char *const *extra)
{
	g_auto(GStrv) keys = g_key_file_get_keys(run->kf, group, NULL, NULL);
	for (char **k = keys; k && *k; k++) {
		if (extra && g_strv_contains(extra, *k))
			continue;
		const Field *f = field_find(table, *k);
		g_autofree char *v = get(run, group, *k);
		if (!f || !field_set(obj, f, v))
			g_error("%s: [%s] %s = '%s': no such field or not its kind of value", run->path,
			        group, *k, v);
	}
}

static gint64 group_number(const char *group, const char *prefix)
{
	return g_ascii_strtoll(group + strlen(prefix), NULL, 10);
}

static ChCase *load_case(Run *run)
{
	ChCase *c = ch_case_new();
	load_fields(run, "conference", c, case_fields, NULL);
	g_auto(GStrv) groups = g_key_file_get_groups(run->kf, NULL);
	/* Attendees first: escalations and reports point at them by line. */
	for (char **g = groups; *g; g++) {
		if (!g_str_has_prefix(*g, "attendee "))
			continue;
		ChAttendee *a = g_new0(ChAttendee, 1);
		a->n = (int)group_number(*g, "attendee ");
		a->id = a->n;
		load_fields(run, *g, a, attendee_fields, NULL);
		g_ptr_array_add(c->attendees, a);
	}
	static const char *const report_extra[] = { "attendee", NULL };
	for (char **g = groups; *g; g++) {
		if (g_str_has_prefix(*g, "escalation ")) {
			ChEscalation *e = g_new0(ChEscalation, 1);
			e->attendee = ch_case_attendee(c, (int)group_number(*g, "escalation "));
			if (!e->attendee)
				g_error("%s: [%s]: no attendee on that line", run->path, *g);
			e->attendee_id = e->attendee->id;
			load_fields(run, *g, e, escalation_fields, NULL);
			g_ptr_array_add(c->escalations, e);
		} else if (g_str_has_prefix(*g, "report ")) {
			ChReport *r = g_new0(ChReport, 1);
			r->agency_id = group_number(*g, "report ");
			r->on_time = -1;
			g_autofree char *line = get(run, *g, "attendee");
			if (line)
				r->attendee = ch_case_attendee(c, atoi(line));
			load_fields(run, *g, r, report_fields, report_extra);
			g_ptr_array_add(c->reports, r);
		}
	}
	return c;
}

/* [people]: who the council's configuration names, with these defaults. */
static const char *const people_keys[] = { "admin", "cp_coordinator",
	                                       "lead_safeguarding_manager", "qasg", "cp_managers",
	                                       NULL };
static const char *const people_defaults[] = {
	"admin@council.example.org", "cp.coordinator@council.example.org",
	"lead.safeguarding@council.example.org", "qasg.chair@partnership.example.org",
	"cp.managers@council.example.org",
};

/* ---- what came out, against what the case expects ------------------------------------------ */

static void check_fields(Run *run, const char *group, const void *obj, const Field *table)
{
	g_auto(GStrv) keys = g_key_file_get_keys(run->kf, group, NULL, NULL);
	for (char **k = keys; k && *k; k++) {
		const Field *f = field_find(table, *k);
		if (!f)
			g_error("%s: [%s] %s: no such field", run->path, group, *k);
		g_autofree char *want = get(run, group, *k);
		g_autofree char *got = field_text(obj, f);
		if (strcmp(want, got))
			differ(run, "[%s] %s: expected '%s', got '%s'", group, *k, want, got);
	}
}

static void check_after(Run *run, const ChCase *c)
{
	g_auto(GStrv) groups = g_key_file_get_groups(run->kf, NULL);
	for (char **g = groups; *g; g++) {
		if (!strcmp(*g, "after conference")) {
			check_fields(run, *g, c, case_fields);
		} else if (g_str_has_prefix(*g, "after attendee ")) {
			ChAttendee *a = ch_case_attendee(c, (int)group_number(*g, "after attendee "));
			if (!a)
				differ(run, "[%s]: no such attendee", *g);
			else
				check_fields(run, *g, a, attendee_fields);
		} else if (g_str_has_prefix(*g, "after escalation ")) {
			ChEscalation *e = ch_case_escalation_for(c, (int)group_number(*g, "after escalation "));
			if (!e)
				differ(run, "[%s]: there is no escalation of that line", *g);
			else
				check_fields(run, *g, e, escalation_fields);
		} else if (g_str_has_prefix(*g, "after report ")) {
			ChReport *r = ch_case_report_for_agency(c, group_number(*g, "after report "));
			if (!r)
				differ(run, "[%s]: there is no report of that agency", *g);
			else
				check_fields(run, *g, r, report_fields);
		}
	}
	/* The number of escalations and reports, when the case says (new ones appear). */
	if (g_key_file_has_key(run->kf, "expect", "escalations", NULL)) {
		int want = g_key_file_get_integer(run->kf, "expect", "escalations", NULL);
		if ((guint)want != c->escalations->len)
			differ(run, "expected %d escalations, the case has %u", want, c->escalations->len);
	}
	if (g_key_file_has_key(run->kf, "expect", "reports", NULL)) {
		int want = g_key_file_get_integer(run->kf, "expect", "reports", NULL);
		if ((guint)want != c->reports->len)
			differ(run, "expected %d reports, the case has %u", want, c->reports->len);
	}
}

/* What an intent's token is about, in the case file's words. */
static char *intent_about(const ChIntent *i)
{
	if (i->esc)
		return g_strdup_printf("escalation %d", i->esc->attendee->n);
	if (i->report)
		return g_strdup_printf("report %" G_GINT64_FORMAT, i->report->agency_id);
	return g_strdup(NONE);
}

static void check_intent(Run *run, const char *group, const ChIntent *i)
{
	g_auto(GStrv) keys = g_key_file_get_keys(run->kf, group, NULL, NULL);
	for (char **k = keys; k && *k; k++) {
		g_autofree char *want = get(run, group, *k);
		g_autofree char *got = NULL;
		gboolean contains = FALSE;
		if (!strcmp(*k, "template"))
			got = g_strdup(i->template);
		else if (!strcmp(*k, "to"))
			got = g_strdup(i->to);
		else if (!strcmp(*k, "to_name"))
			got = g_strdup(i->to_name ? i->to_name : NONE);
		else if (!strcmp(*k, "purpose"))
			got = g_strdup(i->purpose != CH_PURPOSE_NONE ? ch_purpose_name(i->purpose) : NONE);
		else if (!strcmp(*k, "key"))
			got = g_strdup(i->event_key);
		else if (!strcmp(*k, "urgent"))
			got = g_strdup(i->urgent ? "true" : "false");
		else if (!strcmp(*k, "in_reply"))
			got = g_strdup(i->in_reply ? "true" : "false");
		else if (!strcmp(*k, "about"))
			got = intent_about(i);
		else if (g_str_has_prefix(*k, "var.") || g_str_has_prefix(*k, "has.") ||
		         g_str_has_prefix(*k, "lacks.")) {
			const char *v = g_hash_table_lookup(i->vars, strchr(*k, '.') + 1);
			got = g_strdup(v ? v : NONE);
			if (g_str_has_prefix(*k, "lacks.")) {
				if (strstr(got, want))
					differ(run, "[%s] (%s to %s) %s: expected text without '%s', got '%s'",
					       group, i->template, i->to, *k, want, got);
				continue;
			}
			contains = g_str_has_prefix(*k, "has.");
		} else
			g_error("%s: [%s] %s: not something an intent has", run->path, group, *k);
		if (contains ? !strstr(got, want) : strcmp(want, got) != 0)
			differ(run, "[%s] (%s to %s) %s: expected %s'%s', got '%s'", group, i->template,
			       i->to, *k, contains ? "text holding " : "", want, got);
	}
}

static void check_intents(Run *run, const ChEffects *fx)
{
	g_auto(GStrv) groups = g_key_file_get_groups(run->kf, NULL);
	guint n = 0;
	for (char **g = groups; *g; g++) {
		if (!g_str_has_prefix(*g, "intent "))
			continue;
		if (n < fx->intents->len)
			check_intent(run, *g, fx->intents->pdata[n]);
		n++;
	}
	if (n != fx->intents->len) {
		GString *got = g_string_new(NULL);
		for (guint k = 0; k < fx->intents->len; k++) {
			const ChIntent *i = fx->intents->pdata[k];
			g_string_append_printf(got, " %s->%s", i->template, i->to);
		}
		differ(run, "expected %u intents, got %u:%s", n, fx->intents->len, got->str);
		g_string_free(got, TRUE);
	}
}

/* An [audit] line: "WHAT OBJECT", or "WHAT OBJECT: OLD -> NEW" to check the values too. */
static void check_audit(Run *run, const ChEffects *fx)
{
	g_auto(GStrv) keys = g_key_file_get_keys(run->kf, "audit", NULL, NULL);
	guint n = keys ? g_strv_length(keys) : 0;
	for (guint k = 0; k < n && k < fx->audit->len; k++) {
		const ChAuditEvent *a = fx->audit->pdata[k];
		g_autofree char *want = get(run, "audit", keys[k]);
		g_autofree char *got = g_strdup_printf("%s %s", ch_audit_name(a->what),
		                                       a->object ? a->object : NONE);
		g_autofree char *got_values = g_strdup_printf("%s: %s -> %s", got,
		                                              a->old_value ? a->old_value : NONE,
		                                              a->new_value ? a->new_value : NONE);
		if (strcmp(want, strstr(want, ": ") ? got_values : got))
			differ(run, "[audit] %s: expected '%s', got '%s'", keys[k], want, got_values);
	}
	if (n != fx->audit->len) {
		GString *got = g_string_new(NULL);
		for (guint k = 0; k < fx->audit->len; k++) {
			const ChAuditEvent *a = fx->audit->pdata[k];
			g_string_append_printf(got, "\n    %s %s", ch_audit_name(a->what),
			                       a->object ? a->object : NONE);
		}
		differ(run, "expected %u audit events, got %u:%s", n, fx->audit->len, got->str);
		g_string_free(got, TRUE);
	}
}

/* [audit detail] N = the detail of the N-th audit event, exactly (the words on the record). */
static void check_audit_detail(Run *run, const ChEffects *fx)
{
	g_auto(GStrv) keys = g_key_file_get_keys(run->kf, "audit detail", NULL, NULL);
	for (char **k = keys; k && *k; k++) {
		guint n = (guint)g_ascii_strtoull(*k, NULL, 10);
		if (n < 1 || n > fx->audit->len) {
			differ(run, "[audit detail] %s: there is no such audit event", *k);
			continue;
		}
		const ChAuditEvent *a = fx->audit->pdata[n - 1];
		g_autofree char *want = get(run, "audit detail", *k);
		if (g_strcmp0(want, a->detail ? a->detail : NONE))
			differ(run, "[audit detail] %s: expected '%s', got '%s'", *k, want,
			       a->detail ? a->detail : NONE);
	}
}

/* A typed change to the store, in the case file's words. */
static const char *change_kind_name(ChChangeKind k)
{
	switch (k) {
	case CH_CHANGE_OUTBOX_FAILED:
		return "outbox_failed";
	case CH_CHANGE_TASK:
		return "task";
	case CH_CHANGE_TASK_DONE:
		return "task_done";
	}
	return "?";
}

static void check_change(Run *run, const char *group, const ChChange *ch)
{
	g_auto(GStrv) keys = g_key_file_get_keys(run->kf, group, NULL, NULL);
	for (char **k = keys; k && *k; k++) {
		g_autofree char *want = get(run, group, *k);
		g_autofree char *got = NULL;
		if (!strcmp(*k, "kind"))
			got = g_strdup(change_kind_name(ch->kind));
		else if (!strcmp(*k, "id"))
			got = g_strdup_printf("%" G_GINT64_FORMAT, ch->id);
		else if (!strcmp(*k, "conference"))
			got = g_strdup_printf("%" G_GINT64_FORMAT, ch->conference_id);
		else if (!strcmp(*k, "attempts"))
			got = g_strdup_printf("%d", ch->attempts);
		else if (!strcmp(*k, "what"))
			got = g_strdup(ch->what ? ch->what : NONE);
		else if (!strcmp(*k, "detail"))
			got = g_strdup(ch->detail ? ch->detail : NONE);
		else
			g_error("%s: [%s] %s: not something a change has", run->path, group, *k);
		if (strcmp(want, got))
			differ(run, "[%s] (%s) %s: expected '%s', got '%s'", group,
			       change_kind_name(ch->kind), *k, want, got);
	}
}

/* [change K]: the K-th typed change to the store, exactly those listed. */
static void check_changes(Run *run, const ChEffects *fx)
{
	g_auto(GStrv) groups = g_key_file_get_groups(run->kf, NULL);
	guint n = 0;
	for (char **g = groups; *g; g++) {
		if (!g_str_has_prefix(*g, "change "))
			continue;
		if (n < fx->changes->len)
			check_change(run, *g, fx->changes->pdata[n]);
		n++;
	}
	if (n != fx->changes->len) {
		GString *got = g_string_new(NULL);
		for (guint k = 0; k < fx->changes->len; k++)
			g_string_append_printf(got, " %s",
			                       change_kind_name(((ChChange *)fx->changes->pdata[k])->kind));
		differ(run, "expected %u changes, got %u:%s", n, fx->changes->len, got->str);
		g_string_free(got, TRUE);
	}
}

/* [message K] and [triage K]: the K-th message row set and triage item added, exactly those
 * listed, like the intents. */
static void check_value(Run *run, const char *group, const char *key, const char *got)
{
	g_autofree char *want = get(run, group, key);
	if (want && strcmp(want, got))
		differ(run, "[%s] %s: expected '%s', got '%s'", group, key, want, got);
}

static char *int_text(gint64 v)
{
	return g_strdup_printf("%" G_GINT64_FORMAT, v);
}

static guint count_groups(Run *run, const char *prefix)
{
	g_auto(GStrv) groups = g_key_file_get_groups(run->kf, NULL);
	guint n = 0;
	for (char **g = groups; *g; g++)
		n += g_str_has_prefix(*g, prefix);
	return n;
}

static void check_store_changes(Run *run, const ChEffects *fx)
{
	guint n = count_groups(run, "message ");
	if (n != fx->messages->len)
		differ(run, "expected %u message rows set, got %u", n, fx->messages->len);
	for (guint k = 0; k < n && k < fx->messages->len; k++) {
		const ChMessageSet *m = fx->messages->pdata[k];
		g_autofree char *group = g_strdup_printf("message %u", k + 1);
		g_autofree char *row = int_text(m->row), *conf = int_text(m->conference_id);
		check_value(run, group, "row", row);
		check_value(run, group, "state", ch_msg_state_name(m->state));
		check_value(run, group, "kind", m->kind ? m->kind : NONE);
		check_value(run, group, "conference", conf);
		check_value(run, group, "reason", m->reason ? m->reason : NONE);
	}
	n = count_groups(run, "triage ");
	if (n != fx->triage->len)
		differ(run, "expected %u triage items added, got %u", n, fx->triage->len);
	for (guint k = 0; k < n && k < fx->triage->len; k++) {
		const ChTriageAdd *t = fx->triage->pdata[k];
		g_autofree char *group = g_strdup_printf("triage %u", k + 1);
		g_autofree char *row = int_text(t->message_row), *conf = int_text(t->conference_id);
		check_value(run, group, "message", row);
		check_value(run, group, "conference", conf);
		check_value(run, group, "reason", t->reason ? t->reason : NONE);
	}
}

static const char *reply_name(ChReplyResult r)
{
	switch (r) {
	case CH_REPLY_APPLIED:
		return "applied";
	case CH_REPLY_RECORDED:
		return "recorded";
	case CH_REPLY_NOT_UNDERSTOOD:
		return "not_understood";
	}
	return "?";
}

/* ---- the event ---------------------------------------------------------------------------- */

/* The escalation an event is about: by the line of the professional, or by its id as a reply
 * token names it. */
static ChEscalation *event_escalation(Run *run, ChCase *c)
{
	ChEscalation *e;
	if (g_key_file_has_key(run->kf, "event", "escalation", NULL))
		e = ch_case_escalation(c, g_key_file_get_int64(run->kf, "event", "escalation", NULL));
	else
		e = ch_case_escalation_for(c, g_key_file_get_integer(run->kf, "event", "line", NULL));
	if (!e)
		g_error("%s: [event]: the case has no such escalation", run->path);
	return e;
}

/* The report: by its agency, or by its id. */
static ChReport *event_report(Run *run, ChCase *c)
{
	ChReport *r;
	if (g_key_file_has_key(run->kf, "event", "report", NULL))
		r = ch_case_report(c, g_key_file_get_int64(run->kf, "event", "report", NULL));
	else
		r = ch_case_report_for_agency(c, g_key_file_get_int64(run->kf, "event", "agency", NULL));
	if (!r)
		g_error("%s: [event]: the case has no such report", run->path);
	return r;
}

/* A timer through the timers table, its key's name and next time checked on the way. */
static char *due(const ChTimer *t, ChCase *c, gpointer object, gint64 id,
                 const ChEngineCtx *ctx, ChEffects *fx)
{
	g_assert_nonnull(t);
	g_assert_true(ch_timer_object(t, c, id) == object);
	(void)t->next_at(c, object);
	return g_strdup(t->due(c, object, ctx, fx) ? "true" : "false");
}

/* [event] domains = AGENCY_ID:DOMAIN;...: the agencies' mail domains, as the store knows them. */
static gboolean owns_domain(gpointer data, gint64 agency_id, const char *domain)
{
	g_autofree char *want = g_strdup_printf("%" G_GINT64_FORMAT ":%s", agency_id, domain);
	for (char **d = data; d && *d; d++)
		if (!g_ascii_strcasecmp(*d, want))
			return TRUE;
	return FALSE;
}

/* A message without a token: "PURPOSE OBJECT" (the escalation's line, the report's agency
 * id, 0 for the list), "ambiguous", or "none"; and whether the sender is in an owing
 * agency's domain, after a space, when [event] domains is given. */
static char *tokenless(Run *run, ChCase *c, const char *from)
{
	g_auto(GStrv) domains = g_key_file_get_string_list(run->kf, "event", "domains", NULL, NULL);
	gpointer object = NULL;
	gboolean ambiguous = FALSE;
	const ChKind *k = ch_kind_tokenless(c, from, owns_domain, domains, &object, &ambiguous);
	const char *owing = !domains ? ""
	                    : ch_kind_owing_domain(c, from, owns_domain, domains) ? " owing"
	                                                                           : " not-owing";
	if (!k)
		return g_strdup_printf("%s%s", ambiguous ? "ambiguous" : "none", owing);
	gint64 n = k->object == CH_OBJ_ESCALATION ? ((ChEscalation *)object)->attendee->n
	           : k->object == CH_OBJ_REPORT   ? ((ChReport *)object)->agency_id
	                                          : 0;
	g_assert_true(ch_kind_object(k, c, ch_kind_object_id(k, object)) == object);
	return g_strdup_printf("%s %" G_GINT64_FORMAT "%s", ch_purpose_name(k->purpose), n, owing);
}

/* bounce, refused: a mail of ours, as the outbox row says (outbox, conference, kind, rcpt,
 * state, attempts), and what the report or the server said (action, why). The case file's
 * conference is the row's when `conference` is not 0. */
static char *delivery(Run *run, ChCase *c, const ChEngineCtx *ctx, ChEffects *fx,
                      gboolean refused)
{
	g_autofree char *kind = get(run, "event", "template");
	g_autofree char *rcpt = get(run, "event", "rcpt");
	g_autofree char *state = get(run, "event", "state");
	g_autofree char *action = get(run, "event", "action");
	g_autofree char *why = get(run, "event", "why");
	ChBounce b = {
		.outbox_id = g_key_file_get_int64(run->kf, "event", "outbox", NULL),
		.conference_id = g_key_file_get_int64(run->kf, "event", "conference", NULL),
		.kind = kind, .rcpt = rcpt, .action = ch_dsn_action_parse(action),
		.why = why && strcmp(why, NONE) ? why : NULL,
		.attempts = g_key_file_get_integer(run->kf, "event", "attempts", NULL),
	};
	b.c = b.conference_id ? c : NULL;
	if (!kind || !rcpt || !state || !ch_out_state_parse(state, &b.state))
		g_error("%s: [event] needs template, rcpt and state (an outbox state)", run->path);
	if (refused)
		ch_engine_refused(&b, ctx, fx);
	else
		ch_engine_bounce(&b, ctx, fx);
	return NULL;
}

/* Runs the event; returns the result in the case file's words, or NULL for a call that
 * returns nothing (and the text it gave back, for the calls that return one). */
static char *run_event(Run *run, ChCase *c, const ChEngineCtx *ctx, ChEffects *fx, char **text)
{
	g_autofree char *kind = get(run, "event", "kind");
	g_autofree char *from = get(run, "event", "from");
	g_autofree char *body = get(run, "event", "text");
	if (!kind)
		g_error("%s: [event] has no kind", run->path);
	if (!strcmp(kind, "list_send")) {
		g_autoptr(GError) error = NULL;
		gboolean ok = ch_engine_list_send(c, ctx, fx, &error);
		if (error)
			*text = g_strdup(error->message);
		return g_strdup(ok ? "true" : "false");
	}
	/* Answers and timers go through the kinds and timers tables, as intake and tick do. */
	ChAnswer a = { .sender = from, .text = body ? body : "" };
	if (!strcmp(kind, "chair_reply"))
		return g_strdup(reply_name(ch_kind(CH_PURPOSE_AUTHORISE)->answer(c, c, ctx, &a, fx)));
	if (!strcmp(kind, "escalation_reply")) {
		gboolean chair = g_key_file_get_boolean(run->kf, "event", "from_chair", NULL);
		const ChKind *k = ch_kind(chair ? CH_PURPOSE_CONFIRM : CH_PURPOSE_ESCALATION);
		return g_strdup(reply_name(k->answer(c, event_escalation(run, c), ctx, &a, fx)));
	}
	if (!strcmp(kind, "escalation_due"))
		{
		ChEscalation *e = event_escalation(run, c);
		return due(ch_timer(CH_OBJ_ESCALATION), c, e, e->id, ctx, fx);
	}
	if (!strcmp(kind, "tokenless"))
		return tokenless(run, c, from);
	if (!strcmp(kind, "plan_reports")) {
		*text = ch_engine_plan_reports(c, ctx, fx);
		return NULL;
	}
	if (!strcmp(kind, "report_received")) {
		g_autofree char *sha = get(run, "event", "sha256");
		g_autofree char *file = get(run, "event", "file");
		a.sha256 = sha, a.file = file;
		a.body = g_key_file_get_boolean(run->kf, "event", "body", NULL);
		a.message_row = g_key_file_get_int64(run->kf, "event", "message", NULL);
		return g_strdup(reply_name(ch_kind(CH_PURPOSE_REPORT)->answer(c, event_report(run, c), ctx,
		                                                              &a, fx)));
	}
	if (!strcmp(kind, "report_reply"))
		return g_strdup(
			reply_name(ch_kind(CH_PURPOSE_REVIEW)->answer(c, event_report(run, c), ctx, &a, fx)));
	if (!strcmp(kind, "report_due"))
		{
		ChReport *r = event_report(run, c);
		return due(ch_timer(CH_OBJ_REPORT), c, r, r->id, ctx, fx);
	}
	if (!strcmp(kind, "high_risk_due")) {
		ChReport *r = event_report(run, c);
		return due(ch_timer_named("high_risk"), c, r, r->id, ctx, fx);
	}
	if (!strcmp(kind, "conference_due"))
		return due(ch_timer(CH_OBJ_CONFERENCE), c, c, c->id, ctx, fx);
	if (!strcmp(kind, "conference_added")) {
		ch_engine_conference_added(c, ctx);
		return NULL;
	}
	if (!strcmp(kind, "on_roster"))
		return g_strdup(ch_case_on_roster(c, from) ? "true" : "false");
	if (!strcmp(kind, "close_if_done"))
		return g_strdup(ch_engine_close_if_done(c, ctx, fx) ? "true" : "false");
	if (!strcmp(kind, "safety_check")) {
		g_auto(GStrv) words = g_key_file_get_string_list(run->kf, "event", "words", NULL, NULL);
		g_autoptr(ChPhrases) phrases =
			words ? ch_phrases_new((const char *const *)words, ch_phrases_routine) : NULL;
		g_autofree char *what = get(run, "event", "what");
		gboolean no_case = g_key_file_get_boolean(run->kf, "event", "no_case", NULL);
		return g_strdup(ch_engine_safety_check(no_case ? NULL : c, ctx, phrases, body, what,
		                                       ctx->event_id, fx)
		                    ? "true"
		                    : "false");
	}
	if (!strcmp(kind, "bounce") || !strcmp(kind, "refused"))
		return delivery(run, c, ctx, fx, !strcmp(kind, "refused"));
	gboolean no_case = g_key_file_get_boolean(run->kf, "event", "no_case", NULL);
	gint64 row = g_key_file_has_key(run->kf, "event", "message", NULL)
	                 ? g_key_file_get_int64(run->kf, "event", "message", NULL)
	                 : 1;
	if (!strcmp(kind, "triage")) {
		g_autofree char *state = get(run, "event", "state");
		g_autofree char *reason = get(run, "event", "reason");
		ChMsgState ms;
		if (!ch_msg_state_parse(state, &ms))
			g_error("%s: [event] state = '%s': not a message state", run->path, state);
		gboolean quiet = g_key_file_get_boolean(run->kf, "event", "quiet", NULL);
		ch_engine_triage(no_case ? NULL : c, ctx, row, ms, reason, quiet, fx);
		return NULL;
	}
	if (!strcmp(kind, "triage_decide")) {
		g_autofree char *tstate = get(run, "event", "triage_state");
		g_autofree char *mstate = get(run, "event", "message_state");
		ChTriageState ts;
		ChMsgState ms;
		if (!ch_triage_state_parse(tstate, &ts) || !ch_msg_state_parse(mstate, &ms))
			g_error("%s: [event] triage_state, message_state: not states", run->path);
		gint64 id = g_key_file_get_int64(run->kf, "event", "triage", NULL);
		gboolean release = g_key_file_get_boolean(run->kf, "event", "release", NULL);
		g_autoptr(GError) error = NULL;
		gboolean ok = ch_engine_triage_decide(id, ts, ms, no_case ? 0 : c->id, release, fx,
		                                      &error);
		if (error)
			*text = g_strdup(error->message);
		if (fx->conference_id != (ok && !no_case ? c->id : 0))
			differ(run, "the decision's audit belongs to conference %" G_GINT64_FORMAT,
			       fx->conference_id);
		for (guint k = 0; k < fx->decisions->len; k++) {
			const ChTriageDecision *d = fx->decisions->pdata[k];
			g_autofree char *want = get(run, "expect", "decided");
			g_autofree char *got = g_strdup_printf("triage %" G_GINT64_FORMAT " %s", d->id,
			                                       ch_triage_state_name(d->state));
			if (g_strcmp0(want, got))
				differ(run, "decided: expected '%s', got '%s'", want ? want : NONE, got);
		}
		if (!fx->decisions->len && g_key_file_has_key(run->kf, "expect", "decided", NULL))
			differ(run, "decided: expected a decision, none made");
		return g_strdup(ok ? "true" : "false");
	}
	if (!strcmp(kind, "own_mail")) {
		ch_engine_own_mail(row, fx);
		return NULL;
	}
	if (!strcmp(kind, "automatic")) {
		g_autofree char *why = get(run, "event", "why");
		g_autofree char *back = get(run, "event", "back");
		g_autofree char *purpose = get(run, "event", "purpose");
		ChPurpose p = CH_PURPOSE_NONE;
		if (purpose && !ch_purpose_parse(purpose, &p))
			g_error("%s: [event] purpose = '%s': not a purpose", run->path, purpose);
		gint64 object = g_key_file_get_int64(run->kf, "event", "object", NULL);
		ChAutoMail m = { .row = row, .from = from, .why = why, .back = back };
		ch_engine_automatic(no_case ? NULL : c, p, object, &m, fx);
		return NULL;
	}
	if (!strcmp(kind, "admin_alert")) {
		g_autofree char *template = get(run, "event", "template");
		g_autofree char *prefix = get(run, "event", "key_prefix");
		g_autofree char *ref = get(run, "event", "ref");
		g_autofree char *why = get(run, "event", "why");
		return g_strdup(ch_engine_admin_alert(ctx, template, prefix, ref, why, fx) ? "true"
		                                                                            : "false");
	}
	if (!strcmp(kind, "daily_account")) {
		gboolean sent = g_key_file_get_boolean(run->kf, "event", "sent", NULL);
		gboolean clean = g_key_file_get_boolean(run->kf, "event", "clean", NULL);
		g_autofree char *account = get(run, "event", "account");
		*text = ch_engine_daily_account_key(ctx);
		return g_strdup(ch_engine_daily_account(ctx, *text, sent, account, clean, fx) ? "true"
		                                                                               : "false");
	}
	g_error("%s: [event] kind = %s: not an event this test knows", run->path, kind);
}

/* The shipped bank holidays for the case's nation, and the council's closures it names. */
static ChCalendar *load_calendar(Run *run)
{
	g_autoptr(GError) error = NULL;
	g_autofree char *nation = get(run, "case", "nation");
	ChCalendar *cal = ch_calendar_load("rules/bank-holidays.txt",
	                                   nation ? nation : "england-and-wales", &error);
	g_assert_no_error(error);
	g_auto(GStrv) closures = g_key_file_get_string_list(run->kf, "case", "closures", NULL, NULL);
	for (char **d = closures; d && *d; d++) {
		GDate day;
		if (!ch_clock_parse_date(g_strstrip(*d), &day))
			g_error("%s: [case] closures: '%s' is not a date", run->path, *d);
		ch_calendar_add_closure(cal, &day);
	}
	return cal;
}

static void test_case(gconstpointer data)
{
	const char *path = data;
	g_autoptr(GError) error = NULL;
	g_autoptr(GKeyFile) kf = g_key_file_new();
	if (!g_key_file_load_from_file(kf, path, G_KEY_FILE_NONE, &error))
		g_error("%s: %s", path, error->message);
	Run run = { path, kf, g_string_new(NULL) };

	g_autofree char *rules_name = get(&run, "case", "rules");
	g_autofree char *rules_path = g_strdup_printf("rules/%s.rules", rules_name);
	static const char *const templates[] = { "templates", NULL };
	g_autoptr(ChRules) rules = ch_rules_file_load(rules_path, rules_name, templates, &error);
	g_assert_no_error(error);
	g_autoptr(ChCalendar) cal = load_calendar(&run);

	char *people[G_N_ELEMENTS(people_defaults)];
	for (guint k = 0; k < G_N_ELEMENTS(people_defaults); k++) {
		people[k] = get(&run, "people", people_keys[k]);
		if (!people[k])
			people[k] = g_strdup(people_defaults[k]);
		if (!strcmp(people[k], NONE))
			g_clear_pointer(&people[k], g_free);
	}
	g_auto(GStrv) managers = people[4] ? g_strsplit(people[4], ",", -1) : NULL;
	for (char **m = managers; m && *m; m++)
		g_strstrip(*m);

	g_autofree char *now_s = get(&run, "event", "now");
	g_autoptr(GDateTime) now = now_s ? ch_clock_parse(now_s) : NULL;
	if (!now)
		g_error("%s: [event] now = '%s' is not a time", path, now_s ? now_s : "");
	g_autofree char *event_id = get(&run, "event", "id");
	ChEngineCtx ctx = {
		.rules = rules, .cal = cal, .now = now,
		.event_id = event_id ? event_id : "event-1",
		.people = { [CH_ROLE_ADMIN] = people[0], [CH_ROLE_CP_COORDINATOR] = people[1],
		            [CH_ROLE_LEAD_SAFEGUARDING_MANAGER] = people[2], [CH_ROLE_QASG] = people[3] },
		.cp_managers = (const char *const *)managers,
		.hours_start = 9 * 60, .hours_end = 17 * 60,
	};

	g_autoptr(ChCase) c = load_case(&run);
	g_autoptr(ChEffects) fx = ch_effects_new();
	g_autofree char *text = NULL;
	g_autofree char *result = run_event(&run, c, &ctx, fx, &text);
	/* then = close_if_done: what intake and tick do after every answer and timer. */
	g_autofree char *then = get(&run, "event", "then");
	if (then && strcmp(then, "close_if_done"))
		g_error("%s: [event] then = '%s': only close_if_done is known", path, then);
	if (then)
		ch_engine_close_if_done(c, &ctx, fx);
	/* The ids the store gives new triage items, from [event] triage_id (1 if not given), as
	 * the applier sets them before it writes what names them. */
	gint64 triage_id = g_key_file_has_key(kf, "event", "triage_id", NULL)
	                       ? g_key_file_get_int64(kf, "event", "triage_id", NULL)
	                       : 1;
	for (guint k = 0; k < fx->triage->len; k++)
		((ChTriageAdd *)fx->triage->pdata[k])->id = triage_id + k;
	ch_effects_resolve(fx);

	g_autofree char *want_result = get(&run, "expect", "result");
	if (want_result && !result)
		differ(&run, "result: this event's call returns nothing, so [expect] result checks "
		             "nothing");
	else if (want_result && strcmp(want_result, result))
		differ(&run, "result: expected %s, got %s", want_result, result);
	if (g_key_file_has_key(kf, "expect", "changed", NULL)) {
		gboolean want = g_key_file_get_boolean(kf, "expect", "changed", NULL);
		if (want != fx->changed)
			differ(&run, "changed: expected %s", want ? "true" : "false");
	}
	/* text: what the call gave back (list_send's error, plan_reports' words for the chair),
	 * as text that holds each of these lines. */
	g_auto(GStrv) holds = g_key_file_get_string_list(kf, "expect", "text", NULL, NULL);
	for (char **h = holds; h && *h; h++)
		if (!text || !strstr(text, *h))
			differ(&run, "text: expected it to hold '%s', got '%s'", *h, text ? text : NONE);
	if (!holds && text && !g_strcmp0(result, "false"))
		differ(&run, "failed unexpectedly: %s", text);
	check_after(&run, c);
	check_intents(&run, fx);
	check_audit(&run, fx);
	check_audit_detail(&run, fx);
	check_changes(&run, fx);
	check_store_changes(&run, fx);

	for (guint k = 0; k < G_N_ELEMENTS(people); k++)
		g_free(people[k]);
	if (run.fail->len)
		g_test_fail_printf("%s:%s", path, run.fail->str);
	g_string_free(run.fail, TRUE);
}

/* g_ptr_array_sort hands the comparison pointers to the elements. */
static gint by_name(gconstpointer a, gconstpointer b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_autoptr(GError) error = NULL;
	g_autoptr(GDir) dir = g_dir_open(CASE_DIR, 0, &error);
	if (!dir)
		g_error("%s (run from the repository root): %s", CASE_DIR, error->message);
	g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func(g_free);
	const char *f;
	while ((f = g_dir_read_name(dir)))
		if (g_str_has_suffix(f, ".case"))
			g_ptr_array_add(names, g_strndup(f, strlen(f) - strlen(".case")));
	g_ptr_array_sort(names, by_name);
	g_autoptr(GPtrArray) paths = g_ptr_array_new_with_free_func(g_free);
	for (guint k = 0; k < names->len; k++) {
		char *name = names->pdata[k];
		char *p = g_strdup_printf("%s/%s.case", CASE_DIR, name);
		g_ptr_array_add(paths, p);
		g_autofree char *test = g_strdup_printf("/engine/%s", name);
		g_test_add_data_func(test, p, test_case);
	}
	return g_test_run();
}
