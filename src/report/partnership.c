#include "report/partnership.h"

#include <string.h>
#include <unistd.h>
#include <glib/gstdio.h>

#include "app/effects.h"
#include "engine/engine.h"
#include "report/report_page.h"
#include "report/register.h"
#include "report/report_xlsx.h"
#include "report/summary.h"
#include "store/outbox.h"
#include "store/views.h"
#include "util/clock.h"
#include "util/crashpoint.h"
#include "util/error.h"

void ch_partnership_due(ChApp *app, GDateTime *now, GDate *from, GDate *to, GDate *due)
{
	GDate today;
	ch_clock_local_date(now, &today);
	int year, q;
	ch_summary_quarter_of(&today, &year, &q);
	/* The quarter before today's. */
	if (--q == 0)
		q = 4, year--;
	g_autofree char *name = g_strdup_printf("%04d-Q%d", year, q);
	ch_summary_quarter(name, from, to);
	ch_calendar_add_working_days(app->cal, to, app->cfg->reports_day, due);
}

/* The report's figures by procedure, from its own table, for the body: counts and words
 * only, never a name. */
static char *figures_text(const ChDoc *rep)
{
	GString *s = g_string_new(NULL);
	for (guint k = 0; k < rep->tables->len; k++) {
		const ChTable *t = rep->tables->pdata[k];
		if (strcmp(t->title, "Concerns by procedure"))
			continue;
		for (guint r = 0; r < t->rows->len; r++) {
			g_string_append(s, s->len ? "\n" : "");
			for (guint c = 0; c < t->columns->len; c++) {
				g_autofree char *v = ch_table_cell_string(ch_table_cell(t, r, c));
				if (!c)
					g_string_append_printf(s, "Procedure %s\n", v);
				else if (*v)
					g_string_append_printf(s, "  %s: %s\n", (char *)t->columns->pdata[c], v);
			}
		}
	}
	return g_string_free(s, FALSE);
}

/* The workbook's bytes: libxlsxwriter writes only to a file, so it is written in the spool
 * (mode 0600), read back and removed. */
static GBytes *xlsx_bytes(ChApp *app, const ChDoc *rep, GError **error)
{
	g_autofree char *name = g_strdup_printf("partnership-%d.xlsx", (int)getpid());
	g_autofree char *path = g_build_filename(app->cfg->spool, name, NULL);
	if (!ch_xlsx_write(rep, path, error))
		return NULL;
	char *data = NULL;
	gsize len = 0;
	GError *local = NULL;
	gboolean ok = g_file_get_contents(path, &data, &len, &local);
	g_unlink(path);
	if (!ok) {
		g_set_error(error, CH_ERROR, CH_ERROR_TEMPORARY, "cannot read back %s: %s", path,
		            local->message);
		g_error_free(local);
		return NULL;
	}
	return g_bytes_new_take(data, len);
}

gboolean ch_partnership_tick(ChApp *app, GDateTime *now, guint *queued_r, GError **error)
{
	*queued_r = 0;
	const ChConfig *cfg = app->cfg;
	if (!cfg->reports_quarterly || !cfg->reports_to || !*cfg->reports_to)
		return TRUE;
	GDate from, to, due, today;
	ch_partnership_due(app, now, &from, &to, &due);
	ch_clock_local_date(now, &today);
	if (g_date_compare(&today, &due) < 0)
		return TRUE;
	/* Owed only for a quarter chaser kept records in: not the quarters before it started. */
	g_autoptr(GPtrArray) first = ch_store_view_first_conference(app->store, error);
	if (!first)
		return FALSE;
	GDate started;
	if (!first->len || !ch_register_local_date(ch_store_row_str(first->pdata[0], 0), &started) ||
	    g_date_compare(&started, &to) > 0)
		return TRUE;
	int year, q;
	ch_summary_quarter_of(&from, &year, &q);
	g_autofree char *quarter = g_strdup_printf("%04d-Q%d", year, q);
	g_autoptr(GPtrArray) owed = g_ptr_array_new_with_free_func(g_free);
	for (char **to_addr = cfg->reports_to; *to_addr; to_addr++) {
		g_autofree char *key = g_strdup_printf("partnership:%s:%s", quarter, *to_addr);
		gboolean sent = FALSE;
		if (!ch_store_outbox_has_event(app->store, key, &sent, error))
			return FALSE;
		if (!sent)
			g_ptr_array_add(owed, g_strdup(*to_addr));
	}
	if (!owed->len)
		return TRUE;
	g_autoptr(ChDoc) rep = ch_summary_doc(app, "summary", &from, &to, now, error);
	if (!rep)
		return FALSE;
	g_autoptr(GBytes) xlsx = xlsx_bytes(app, rep, error);
	if (!xlsx)
		return FALSE;
	g_autofree char *page = ch_page_doc(rep);
	g_autoptr(GBytes) html = g_bytes_new(page, strlen(page));
	g_autofree char *figures = figures_text(rep);
	g_autofree char *from_long = ch_date_format_long(&from);
	g_autofree char *to_long = ch_date_format_long(&to);
	g_autofree char *period = g_strdup_printf("%s to %s", from_long, to_long);
	g_autofree char *xlsx_name = g_strdup_printf("partnership-%s.xlsx", quarter);
	g_autofree char *html_name = g_strdup_printf("partnership-%s.html", quarter);

	g_autoptr(ChEffects) fx = ch_effects_new();
	for (guint k = 0; k < owed->len; k++) {
		g_autofree char *key = g_strdup_printf("partnership:%s:%s", quarter,
		                                       (char *)owed->pdata[k]);
		ChIntent *i = ch_effects_intent(fx, "partnership_report", owed->pdata[k], NULL, key);
		ch_intent_set(i, "ref", quarter);
		ch_intent_set(i, "period", period);
		ch_intent_set(i, "figures", figures);
		ch_intent_attach(i, xlsx_name,
		                 "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
		                 xlsx);
		ch_intent_attach(i, html_name, "text/html", html);
	}
	if (!ch_store_begin(app->store, error))
		return FALSE;
	gboolean ok = ch_effects_apply(app, NULL, fx, NULL, now, "timer", error);
	ch_crashpoint("partnership.before-commit");
	if (!ok || !ch_store_commit(app->store, error)) {
		ch_store_rollback(app->store);
		return FALSE;
	}
	ch_crashpoint("partnership.after-commit");
	*queued_r = owed->len;
	return TRUE;
}
