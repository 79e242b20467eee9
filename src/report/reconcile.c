#include "report/reconcile.h"

#include <string.h>
#include <glib/gstdio.h>

#include "engine/names.h"
#include "store/obligations.h"
#include "store/views.h"
#include "util/clock.h"
#include "util/error.h"

void ch_reconcile_clear(ChReconcile *r)
{
	if (r->faults)
		g_ptr_array_unref(r->faults);
	if (r->notes)
		g_ptr_array_unref(r->notes);
	memset(r, 0, sizeof *r);
}

static void fault(ChReconcile *r, const char *fmt, ...) G_GNUC_PRINTF(2, 3);
static void fault(ChReconcile *r, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	g_ptr_array_add(r->faults, g_strdup_vprintf(fmt, ap));
	va_end(ap);
}

static void note(ChReconcile *r, const char *fmt, ...) G_GNUC_PRINTF(2, 3);
static void note(ChReconcile *r, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	g_ptr_array_add(r->notes, g_strdup_vprintf(fmt, ap));
	va_end(ap);
}

typedef struct {
	gint64 id;
	char *fp, *location, *state, *raw_path, *cls;
	gint64 attempts;
	ChMsgState st;  /* state, when known (an unknown one is a fault below) */
	gboolean known;
} Msg;

static void msg_free(gpointer p)
{
	Msg *m = p;
	g_free(m->fp), g_free(m->location), g_free(m->state), g_free(m->raw_path), g_free(m->cls);
	g_free(m);
}

static gboolean is(const Msg *m, ChMsgState st)
{
	return m->known && m->st == st;
}

static gboolean in_triage_state(const Msg *m)
{
	return is(m, CH_MSG_TRIAGE) || is(m, CH_MSG_HELD) || is(m, CH_MSG_QUARANTINE);
}

static gboolean check_messages(ChApp *app, ChReconcile *r, GHashTable *files, GError **error)
{
	ChStore *s = app->store;
	g_autoptr(GPtrArray) msgs = g_ptr_array_new_with_free_func(msg_free);
	g_autoptr(GPtrArray) rows = ch_store_view_messages(s, error);
	if (!rows)
		return FALSE;
	for (guint i = 0; i < rows->len; i++) {
		const ChStoreRow *row = rows->pdata[i];
		Msg *m = g_new0(Msg, 1);
		m->id = ch_store_row_int(row, 0);
		m->fp = g_strdup(ch_store_row_str(row, 1));
		m->location = g_strdup(ch_store_row_str(row, 2));
		m->state = g_strdup(ch_store_row_str(row, 3));
		m->known = ch_msg_state_parse(m->state, &m->st);
		m->raw_path = g_strdup(ch_store_row_str(row, 4));
		m->cls = g_strdup(ch_store_row_str(row, 5));
		m->attempts = ch_store_row_int(row, 6);
		g_ptr_array_add(msgs, m);
	}
	g_autofree char *dir = g_build_filename(app->cfg->spool, "messages", NULL);
	for (guint i = 0; i < msgs->len; i++) {
		Msg *m = msgs->pdata[i];
		const char *loc = m->location ? m->location : "unknown place";
		r->seen++;
		if (is(m, CH_MSG_HANDLED))
			r->handled++;
		else if (is(m, CH_MSG_TRIAGE))
			r->triage++;
		else if (is(m, CH_MSG_HELD))
			r->held++;
		else if (is(m, CH_MSG_QUARANTINE))
			r->quarantined++;
		else if (is(m, CH_MSG_FAILING))
			r->failing++;
		else {
			r->other++;
			fault(r, "message %.12s (%s) is in state '%s', which counts as nothing", m->fp, loc,
			      m->state);
		}
		if (is(m, CH_MSG_FAILING))
			note(r, "message %.12s (%s) is in progress: failed %" G_GINT64_FORMAT
			        " time(s), to be tried again",
			     m->fp, loc, m->attempts);
		/* The raw bytes are written before the row: a row without them lost its evidence. */
		if (m->raw_path) {
			g_hash_table_remove(files, m->raw_path);
			g_autofree char *path = g_build_filename(dir, m->raw_path, NULL);
			if (strchr(m->raw_path, '/') || !g_file_test(path, G_FILE_TEST_IS_REGULAR))
				fault(r, "message %.12s (%s): its raw file %s is missing", m->fp, loc, path);
		} else if (!is(m, CH_MSG_FAILING) && g_strcmp0(m->cls, "oversized")) {
			fault(r, "message %.12s (%s) has no raw file recorded", m->fp, loc);
		}
		if (is(m, CH_MSG_FAILING)) {
			g_autofree char *name = g_strdup_printf("%s.eml", m->fp);
			g_hash_table_remove(files, name);
		}
		if (!in_triage_state(m))
			continue;
		gint64 triage_rows = 0, undecided_or_dropped = 0;
		if (!ch_store_view_triage_of_message(s, m->id, &triage_rows, &undecided_or_dropped,
		                                     error))
			return FALSE;
		if (!triage_rows)
			fault(r, "message %.12s (%s) is in %s but has no triage row", m->fp, loc, m->state);
		else if (!undecided_or_dropped)
			fault(r, "message %.12s (%s) was released from triage but is still in %s", m->fp,
			      loc, m->state);
	}
	return TRUE;
}

static gboolean check_triage(ChApp *app, ChReconcile *r, GError **error)
{
	ChStore *s = app->store;
	gint64 total = 0, open = 0;
	if (!ch_store_view_triage_totals(s, &total, &open, error))
		return FALSE;
	r->triage_rows = total;
	r->triage_open = open;
	g_autoptr(GPtrArray) rows = ch_store_view_triage_orphans(s, error);
	if (!rows)
		return FALSE;
	for (guint i = 0; i < rows->len; i++) {
		const ChStoreRow *row = rows->pdata[i];
		fault(r, "triage %" G_GINT64_FORMAT " (%s) names message row %" G_GINT64_FORMAT
		         ", which is not there",
		      ch_store_row_int(row, 0), ch_store_row_str(row, 2), ch_store_row_int(row, 1));
	}
	return TRUE;
}

/* Every report and attachment on record has its file: one gone (removed by hand, or by a
 * purge of another case that shared it) is evidence lost, and says so. */
static gboolean check_report_files(ChApp *app, ChReconcile *r, GError **error)
{
	g_autofree char *dir = g_build_filename(app->cfg->spool, "reports", NULL);
	g_autoptr(GPtrArray) rows = ch_store_view_report_files(app->store, error);
	if (!rows)
		return FALSE;
	for (guint i = 0; i < rows->len; i++) {
		const ChStoreRow *row = rows->pdata[i];
		const char *ref = ch_store_row_str(row, 0);
		const char *what = ch_store_row_str(row, 1);
		const char *file = ch_store_row_str(row, 2);
		const char *rel = g_str_has_prefix(file, "reports/") ? file + strlen("reports/") : file;
		g_autofree char *path = g_path_is_absolute(rel) ? g_strdup(rel)
		                                                : g_build_filename(dir, rel, NULL);
		if (strstr(rel, "..") || !g_file_test(path, G_FILE_TEST_IS_REGULAR))
			fault(r, "%s: the file of its %s, %s, is missing", ref, what, path);
	}
	return TRUE;
}

static gboolean check_outbox(ChApp *app, ChReconcile *r, GError **error)
{
	g_autoptr(GPtrArray) rows = ch_store_view_outbox_states(app->store, error);
	if (!rows)
		return FALSE;
	for (guint i = 0; i < rows->len; i++) {
		const ChStoreRow *row = rows->pdata[i];
		const char *state = ch_store_row_str(row, 1);
		ChOutState os;
		gboolean known = ch_out_state_parse(state, &os);
		r->out_total++;
		if (known && os == CH_OUT_SENT)
			r->sent++;
		else if (known && os == CH_OUT_RETRYING)
			r->retrying++;
		else if (known && os == CH_OUT_FAILED)
			r->failed++;
		else if (known && os == CH_OUT_QUEUED)
			r->waiting++;
		else {
			r->out_other++;
			fault(r, "outbox %" G_GINT64_FORMAT " (%s) is in state '%s', none of queued,"
			         " retrying, sent or failed",
			      ch_store_row_int(row, 0), ch_store_row_str(row, 2),
			      state ? state : "(none)");
		}
	}
	return TRUE;
}

/* What an open item owes, in words: "an answer to the escalation of line 2 (Agency)". */
char *ch_reconcile_owed_words(const ChUnclocked *u)
{
	g_autofree char *line = u->line ? g_strdup_printf(" of line %d", u->line) : g_strdup("");
	g_autofree char *agency = u->agency ? g_strdup_printf(" (%s)", u->agency) : g_strdup("");
	return g_strconcat(ch_obligation_describe(u->kind), line, agency, NULL);
}

/* Everything owed has a clock; a row an older chaser left without one waits for ever, and
 * only a person can decide what it should be. Named by conference and what is owed, never by
 * who (the owner may be a person's address). */
static gboolean check_obligations(ChApp *app, ChReconcile *r, GError **error)
{
	g_autoptr(GPtrArray) open = ch_store_unclocked(app->store, error);
	if (!open)
		return FALSE;
	for (guint i = 0; i < open->len; i++) {
		const ChUnclocked *u = open->pdata[i];
		g_autofree char *owed = ch_reconcile_owed_words(u);
		fault(r, "%s: %s is owed but has no %s: nothing will chase it", u->ref, owed,
		      u->no_due && u->no_next ? "due time and no next time"
		      : u->no_due             ? "due time"
		                              : "next time");
	}
	/* A closed conference is out of every list a person looks at; what it still owes would
	 * be chased by its own clock with nobody expecting it. */
	g_autoptr(GPtrArray) closed = ch_store_owed_when_closed(app->store, error);
	if (!closed)
		return FALSE;
	for (guint i = 0; i < closed->len; i++) {
		const ChUnclocked *u = closed->pdata[i];
		g_autofree char *owed = ch_reconcile_owed_words(u);
		fault(r, "%s: %s is owed but the conference is closed", u->ref, owed);
	}
	return TRUE;
}

gboolean ch_reconcile_run(ChApp *app, ChReconcile *r, GError **error)
{
	memset(r, 0, sizeof *r);
	r->faults = g_ptr_array_new_with_free_func(g_free);
	r->notes = g_ptr_array_new_with_free_func(g_free);
	/* Stored raw files, to find those no row names. */
	g_autoptr(GHashTable) files = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	g_autofree char *dir = g_build_filename(app->cfg->spool, "messages", NULL);
	g_autoptr(GDir) d = g_dir_open(dir, 0, NULL);
	const char *name;
	while (d && (name = g_dir_read_name(d)))
		if (g_str_has_suffix(name, ".eml"))
			g_hash_table_add(files, g_strdup(name));
	if (!check_messages(app, r, files, error) || !check_triage(app, r, error) ||
	    !check_report_files(app, r, error) || !check_outbox(app, r, error) ||
	    !check_obligations(app, r, error))
		return FALSE;
	if (r->seen != r->handled + r->triage + r->held + r->quarantined + r->failing)
		fault(r, "messages do not add up: %" G_GINT64_FORMAT " seen", r->seen);
	if (r->out_total != r->sent + r->retrying + r->failed + r->waiting)
		fault(r, "outbox does not add up: %" G_GINT64_FORMAT " queued", r->out_total);
	/* A raw file no row names: a message being handled right now, or one a crash left
	 * before its row was written (the inbox still holds it and the next poll takes it). One
	 * that has waited an hour is neither: every attempt at it fails as if for a moment (a
	 * full disk, a file that cannot be written), and it has been seen but never recorded.
	 * File times are the machine's, so the age is against the machine's clock. */
	guint stale = 0;
	gint64 now_s = g_get_real_time() / G_USEC_PER_SEC;
	GHashTableIter it;
	gpointer key;
	g_hash_table_iter_init(&it, files);
	while (g_hash_table_iter_next(&it, &key, NULL)) {
		g_autofree char *path = g_build_filename(dir, key, NULL);
		GStatBuf st;
		if (g_stat(path, &st) == 0 && now_s - (gint64)st.st_mtime > 3600) {
			stale++;
			g_autoptr(GDateTime) t = g_date_time_new_from_unix_utc((gint64)st.st_mtime);
			g_autofree char *when = g_date_time_format(t, "%Y-%m-%d %H:%M UTC");
			fault(r, "message %.12s has waited since %s without being recorded: it fails"
			         " every time it is tried (see the log)",
			      (const char *)key, when);
		}
	}
	if (g_hash_table_size(files) > stale)
		note(r, "%u stored raw file(s) in %s have no message row yet",
		     g_hash_table_size(files) - stale, dir);
	return TRUE;
}

gboolean ch_reconcile_balanced(const ChReconcile *r)
{
	return r->faults && r->faults->len == 0;
}

char *ch_reconcile_text(const ChReconcile *r)
{
	GString *s = g_string_new(NULL);
	gint64 in_triage = r->triage + r->held;
	g_string_append_printf(s, "Messages seen: %" G_GINT64_FORMAT "\n", r->seen);
	g_string_append_printf(s, "  handled               %" G_GINT64_FORMAT "\n", r->handled);
	g_string_append_printf(s, "  in triage             %" G_GINT64_FORMAT
	                          " (%" G_GINT64_FORMAT " waiting for a person, %" G_GINT64_FORMAT
	                          " held for a sender check)\n",
	                       in_triage, r->triage, r->held);
	g_string_append_printf(s, "  quarantined           %" G_GINT64_FORMAT "\n", r->quarantined);
	g_string_append_printf(s, "  in progress           %" G_GINT64_FORMAT
	                          " (failing, to be tried again)\n",
	                       r->failing);
	gboolean msgs_ok = r->seen == r->handled + in_triage + r->quarantined + r->failing;
	g_string_append_printf(s, "  %" G_GINT64_FORMAT " = %" G_GINT64_FORMAT " + %" G_GINT64_FORMAT
	                          " + %" G_GINT64_FORMAT " + %" G_GINT64_FORMAT ": %s\n",
	                       r->seen, r->handled, in_triage, r->quarantined, r->failing,
	                       msgs_ok ? "adds up" : "DOES NOT ADD UP");
	g_string_append_printf(s, "Triage items: %" G_GINT64_FORMAT " in all, %" G_GINT64_FORMAT
	                          " still open\n",
	                       r->triage_rows, r->triage_open);
	g_string_append_printf(s, "Outbox: %" G_GINT64_FORMAT " queued in all\n", r->out_total);
	g_string_append_printf(s, "  sent                  %" G_GINT64_FORMAT "\n", r->sent);
	g_string_append_printf(s, "  retrying              %" G_GINT64_FORMAT "\n", r->retrying);
	g_string_append_printf(s, "  failed                %" G_GINT64_FORMAT "\n", r->failed);
	g_string_append_printf(s, "  waiting to go out     %" G_GINT64_FORMAT "\n", r->waiting);
	gboolean out_ok = r->out_total == r->sent + r->retrying + r->failed + r->waiting;
	g_string_append_printf(s, "  %" G_GINT64_FORMAT " = %" G_GINT64_FORMAT " + %" G_GINT64_FORMAT
	                          " + %" G_GINT64_FORMAT " + %" G_GINT64_FORMAT ": %s\n",
	                       r->out_total, r->sent, r->retrying, r->failed, r->waiting,
	                       out_ok ? "adds up" : "DOES NOT ADD UP");
	for (guint i = 0; r->notes && i < r->notes->len; i++)
		g_string_append_printf(s, "note: %s\n", (char *)r->notes->pdata[i]);
	if (!r->faults || !r->faults->len)
		g_string_append(s, "No faults: nothing was dropped.\n");
	for (guint i = 0; r->faults && i < r->faults->len; i++)
		g_string_append_printf(s, "FAULT: %s\n", (char *)r->faults->pdata[i]);
	return g_string_free(s, FALSE);
}

char *ch_reconcile_summary_text(ChApp *app, gboolean *clean_r, GError **error)
{
	ChReconcile r;
	if (!ch_reconcile_run(app, &r, error)) {
		ch_reconcile_clear(&r);
		return NULL;
	}
	char *text = ch_reconcile_text(&r);
	if (clean_r)
		*clean_r = ch_reconcile_balanced(&r);
	ch_reconcile_clear(&r);
	return text;
}

char *ch_reconcile_week_text(ChApp *app, GDateTime *now, gboolean *clean_r, GError **error)
{
	g_autoptr(GPtrArray) owed = ch_store_owed(app->store, error);
	if (!owed)
		return NULL;
	ChReconcile r;
	if (!ch_reconcile_run(app, &r, error)) {
		ch_reconcile_clear(&r);
		return NULL;
	}
	GString *s = g_string_new(NULL);
	g_autoptr(GHashTable) refs = g_hash_table_new(g_str_hash, g_str_equal);
	guint overdue = 0;
	for (guint i = 0; i < owed->len; i++) {
		const ChUnclocked *u = owed->pdata[i];
		g_hash_table_add(refs, u->ref);
		g_autoptr(GDateTime) due = u->due ? ch_clock_parse(u->due) : NULL;
		overdue += due && g_date_time_compare(due, now) < 0;
	}
	guint nrefs = g_hash_table_size(refs);
	g_string_append_printf(s, "Open: %u %s, %u %s owed, %u overdue.\n", nrefs,
	                       nrefs == 1 ? "conference" : "conferences", owed->len,
	                       owed->len == 1 ? "thing" : "things", overdue);
	for (guint i = 0; i < owed->len; i++) {
		const ChUnclocked *u = owed->pdata[i];
		g_autofree char *what = ch_reconcile_owed_words(u);
		g_autoptr(GDateTime) due = u->due ? ch_clock_parse(u->due) : NULL;
		g_autofree char *when = u->due ? ch_clock_long_date(u->due, "") : g_strdup("no due time");
		g_string_append_printf(s, "  %s%s: %s, due %s\n",
		                       due && g_date_time_compare(due, now) < 0 ? "OVERDUE " : "", u->ref,
		                       what, when);
	}
	g_string_append_printf(s, "Waiting for a person: %" G_GINT64_FORMAT " messages in triage (%"
	                          G_GINT64_FORMAT " to look at, %" G_GINT64_FORMAT
	                          " held for a sender check): chaser triage lists them.\n\n",
	                       r.triage + r.held, r.triage, r.held);
	g_autofree char *account = ch_reconcile_text(&r);
	g_string_append(s, account);
	if (clean_r)
		*clean_r = ch_reconcile_balanced(&r);
	ch_reconcile_clear(&r);
	return g_string_free(s, FALSE);
}
