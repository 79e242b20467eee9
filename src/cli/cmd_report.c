/* Commands for managers and for the record: report (the escalation register and the
 * partnership summary), record (one conference's case record), reconcile (the account that
 * nothing was dropped) and purge (retention). All but purge only read. */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "report/purge.h"
#include "report/reconcile.h"
#include "report/record.h"
#include "report/register.h"
#include "report/report_page.h"
#include "report/report_doc.h"
#include "report/report_xlsx.h"
#include "report/summary.h"
#include "util/clock.h"
#include "util/durable.h"
#include "util/error.h"
#include "util/term.h"

/* Prints the error and frees it. */
static int fail_with(GError *e)
{
	return cli_error(e);
}

/* To the file durably (mode 0600: these name people), as it is; or to stdout, where a
 * terminal may show it, with control characters replaced (util/term.h). */
static int emit(const char *path, const char *data, gsize len)
{
	if (!path) {
		ch_term_write(stdout, data, len);
		return fflush(stdout) == 0 ? CLI_OK : cli_fail("cannot write to standard output");
	}
	GError *e = NULL;
	if (!ch_durable_write(path, data, len, 0600, &e))
		return fail_with(e);
	return CLI_OK;
}

/* What `chaser report --help` says: what each table counts, and how. */
static const char report_help[] =
	"Reports for the safeguarding partnership on escalations raised from --from "
	"to --to (London dates, both included), or in --quarter YYYY-Qn (calendar "
	"quarters: Q1 is January to March).\n\n"
	"--kind summary (the default, in every format): the partnership summary: "
	"concerns by procedure (each conference's rules file: the number and nature of "
	"the concerns, the enquiries made, each stage answered in time or not, the "
	"conclusions); escalations by agency, reason, outcome and stage reached; answers "
	"in time, per escalation and per stage; escalations for missing reports; "
	"the median working days to close; post-conference reports requested, "
	"received on time or late, missing (for conferences held in the period); "
	"minutes held for missing information; immediate-safety alerts; triage and "
	"quarantine.\n"
	"--kind register: the escalation register, one row per escalation: the chair's, "
	"and chaser's own to the agency lead when a post-conference report went missing.\n"
	"--kind all: the summary, then the register.\n\n"
	"Formats: text for reading; csv (RFC 4180, CRLF; the register alone is one "
	"table, else each table follows the last under a row with its title); xlsx "
	"(one sheet per table, with real dates, a frozen header row and filters; "
	"needs -o); html (one page, no script and nothing fetched, a bar chart per "
	"summary table, prints on A4).\n\n"
	"Answered in time: each stage asked answered (or the concern closed) on or "
	"before that stage's own due date; a stage the concern climbed from in silence "
	"was not answered. Working days to close: from the day raised to the day "
	"closed, with the configured calendar; an unresolved escalation went to the "
	"CP coordinator and has no close.";

int cmd_report(int argc, char **argv)
{
	g_autofree char *from = NULL, *to = NULL, *format = NULL, *kind = NULL, *output = NULL;
	g_autofree char *quarter = NULL;
	GOptionEntry entries[] = {
		{ "quarter", 0, 0, G_OPTION_ARG_STRING, &quarter,
		  "The calendar quarter, e.g. 2026-Q3 (instead of --from and --to)", "YYYY-Qn" },
		{ "from", 0, 0, G_OPTION_ARG_STRING, &from, "First day of the period (YYYY-MM-DD)",
		  "DATE" },
		{ "to", 0, 0, G_OPTION_ARG_STRING, &to, "Last day of the period, included", "DATE" },
		{ "kind", 0, 0, G_OPTION_ARG_STRING, &kind,
		  "summary (default), register, or all (the summary, then the register)", "KIND" },
		{ "format", 0, 0, G_OPTION_ARG_STRING, &format, "text (default), csv, xlsx or html",
		  "FORMAT" },
		{ "output", 'o', 0, G_OPTION_ARG_FILENAME, &output,
		  "Write to FILE (needed for xlsx) instead of standard output", "FILE" },
		{ NULL },
	};
	if (!cli_parse(&argc, &argv, "--from DATE --to DATE | --quarter YYYY-Qn", report_help,
	               entries))
		return CLI_USAGE;
	if (argc != 1)
		return cli_usage("report takes no arguments besides its options");
	GDate d_from, d_to;
	if (quarter && (from || to))
		return cli_usage("give --quarter, or --from and --to, not both");
	if (quarter) {
		if (!ch_summary_quarter(quarter, &d_from, &d_to))
			return cli_usage("--quarter must be YYYY-Qn, e.g. 2026-Q3, from 1900 to 2100");
	} else {
		if (!from || !ch_clock_parse_date(from, &d_from))
			return cli_usage("--from must be a date, YYYY-MM-DD, from 1900 to 2100");
		if (!to || !ch_clock_parse_date(to, &d_to))
			return cli_usage("--to must be a date, YYYY-MM-DD, from 1900 to 2100");
	}
	if (g_date_compare(&d_from, &d_to) > 0)
		return cli_usage("--from %s is after --to %s", from, to);
	const char *fmt = format ? format : "text";
	if (strcmp(fmt, "text") && strcmp(fmt, "csv") && strcmp(fmt, "xlsx") && strcmp(fmt, "html"))
		return cli_usage("--format must be text, csv, xlsx or html");
	const char *k = kind ? kind : "summary";
	if (strcmp(k, "summary") && strcmp(k, "register") && strcmp(k, "all"))
		return cli_usage("--kind must be summary, register or all");
	if (!strcmp(fmt, "xlsx") && !output)
		return cli_usage("--format xlsx needs -o FILE");
	g_autoptr(ChApp) app = cli_open();
	if (!app)
		return CLI_FAIL;
	g_autoptr(GDateTime) now = ch_clock_now();
	GError *e = NULL;
	g_autoptr(ChDoc) rep = ch_summary_doc(app, k, &d_from, &d_to, now, &e);
	if (!rep)
		return fail_with(e);
	if (!strcmp(fmt, "xlsx")) {
		if (!ch_xlsx_write(rep, output, &e))
			return fail_with(e);
		return CLI_OK;
	}
	g_autoptr(GString) out = g_string_new(NULL);
	if (!strcmp(fmt, "csv")) {
		ch_doc_write_csv(out, rep);
	} else if (!strcmp(fmt, "html")) {
		g_autofree char *page = ch_page_doc(rep);
		g_string_append(out, page);
	} else {
		ch_doc_write_text(out, rep);
	}
	return emit(output, out->str, out->len);
}

int cmd_record(int argc, char **argv)
{
	g_autofree char *format = NULL, *output = NULL;
	GOptionEntry entries[] = {
		{ "format", 0, 0, G_OPTION_ARG_STRING, &format, "text (default) or html", "FORMAT" },
		{ "output", 'o', 0, G_OPTION_ARG_FILENAME, &output,
		  "Write to FILE instead of standard output", "FILE" },
		{ NULL },
	};
	if (!cli_parse(&argc, &argv, "REF",
	               "The case record of one conference, for the child's file: the distribution "
	               "list; then, in time order, each message in and out with the SHA-256 of its "
	               "bytes, each command understood, each state change and deadline with the "
	               "calendar it was counted with, each chaser and each task; then each "
	               "escalation and its outcome. Nothing from any other conference. Under the "
	               "Cwm Taf procedure it ends with the conference chair's resolution form, "
	               "filled in from the record.",
	               entries))
		return CLI_USAGE;
	if (argc != 2)
		return cli_usage("record needs the conference REF");
	const char *fmt = format ? format : "text";
	if (strcmp(fmt, "text") && strcmp(fmt, "html"))
		return cli_usage("--format must be text or html");
	g_autoptr(ChApp) app = cli_open();
	if (!app)
		return CLI_FAIL;
	GError *e = NULL;
	g_autofree char *text = ch_record_build(app, argv[1],
	                                        !strcmp(fmt, "html") ? CH_RECORD_HTML : CH_RECORD_TEXT,
	                                        &e);
	if (!text)
		return fail_with(e);
	return emit(output, text, strlen(text));
}

static JsonNode *reconcile_json(const ChReconcile *r)
{
	g_autoptr(JsonBuilder) b = json_builder_new();
	json_builder_begin_object(b);
	json_builder_set_member_name(b, "messages");
	json_builder_begin_object(b);
	const struct {
		const char *name;
		gint64 v;
	} m[] = { { "seen", r->seen },           { "handled", r->handled },
		      { "triage", r->triage },       { "held", r->held },
		      { "quarantined", r->quarantined }, { "in_progress", r->failing } };
	for (guint i = 0; i < G_N_ELEMENTS(m); i++) {
		json_builder_set_member_name(b, m[i].name);
		json_builder_add_int_value(b, m[i].v);
	}
	json_builder_end_object(b);
	json_builder_set_member_name(b, "outbox");
	json_builder_begin_object(b);
	const struct {
		const char *name;
		gint64 v;
	} o[] = { { "queued", r->out_total }, { "sent", r->sent },   { "retrying", r->retrying },
		      { "failed", r->failed },    { "waiting", r->waiting } };
	for (guint i = 0; i < G_N_ELEMENTS(o); i++) {
		json_builder_set_member_name(b, o[i].name);
		json_builder_add_int_value(b, o[i].v);
	}
	json_builder_end_object(b);
	json_builder_set_member_name(b, "triage");
	json_builder_begin_object(b);
	json_builder_set_member_name(b, "items");
	json_builder_add_int_value(b, r->triage_rows);
	json_builder_set_member_name(b, "open");
	json_builder_add_int_value(b, r->triage_open);
	json_builder_end_object(b);
	json_builder_set_member_name(b, "faults");
	json_builder_begin_array(b);
	for (guint i = 0; i < r->faults->len; i++)
		json_builder_add_string_value(b, r->faults->pdata[i]);
	json_builder_end_array(b);
	json_builder_set_member_name(b, "notes");
	json_builder_begin_array(b);
	for (guint i = 0; i < r->notes->len; i++)
		json_builder_add_string_value(b, r->notes->pdata[i]);
	json_builder_end_array(b);
	json_builder_set_member_name(b, "balanced");
	json_builder_add_boolean_value(b, ch_reconcile_balanced(r));
	json_builder_end_object(b);
	return json_builder_get_root(b);
}

int cmd_reconcile(int argc, char **argv)
{
	gboolean json = FALSE;
	GOptionEntry entries[] = {
		{ "json", 0, 0, G_OPTION_ARG_NONE, &json, "Print JSON", NULL },
		{ NULL },
	};
	if (!cli_parse(&argc, &argv, "",
	               "The account that nothing was silently dropped: messages seen = handled + "
	               "quarantined + in triage (+ in progress), outbox queued = sent + retrying + "
	               "failed (+ waiting); each message has its raw bytes and, in triage, its "
	               "triage row. Any fault names the message (SHA-256 prefix and where it was "
	               "found) and the exit status is 1.",
	               entries))
		return CLI_USAGE;
	if (argc != 1)
		return cli_usage("reconcile takes no arguments");
	g_autoptr(ChApp) app = cli_open();
	if (!app)
		return CLI_FAIL;
	ChReconcile r;
	GError *e = NULL;
	if (!ch_reconcile_run(app, &r, &e)) {
		ch_reconcile_clear(&r);
		return fail_with(e);
	}
	if (json) {
		g_autoptr(JsonNode) n = reconcile_json(&r);
		cli_print_json(n);
	} else {
		g_autofree char *text = ch_reconcile_text(&r);
		ch_term_write(stdout, text, strlen(text));
	}
	gboolean clean = ch_reconcile_balanced(&r);
	if (!clean)
		fprintf(stderr, "chaser: reconcile found %u fault%s\n", r.faults->len,
		        r.faults->len == 1 ? "" : "s");
	ch_reconcile_clear(&r);
	return clean ? CLI_OK : CLI_FAIL;
}

int cmd_purge(int argc, char **argv)
{
	g_autofree char *before = NULL;
	gboolean dry_run = FALSE;
	GOptionEntry entries[] = {
		{ "before", 0, 0, G_OPTION_ARG_STRING, &before,
		  "Remove finished cases whose last activity was before this (date or date-time)",
		  "DATE" },
		{ "dry-run", 0, 0, G_OPTION_ARG_NONE, &dry_run,
		  "Change nothing: list the references that would go, and the counts", NULL },
		{ NULL },
	};
	if (!cli_parse(&argc, &argv, "[--before DATE]",
	               "Retention: remove finished conferences (closed, or authorised with every "
	               "escalation ended and every report missing, or received and reviewed by the "
	               "chair) whose last activity was before DATE, with everything of theirs: "
	               "list, escalations, reports and "
	               "their files, tokens, mail in and out and its files, triage items, tasks and "
	               "audit lines. One audit line records what went, in counts only. --dry-run "
	               "shows what would go. Without --before, [chaser] retention_days sets DATE.",
	               entries))
		return CLI_USAGE;
	if (argc != 1)
		return cli_usage("purge takes no arguments besides its options");
	g_autoptr(GDateTime) cut = before ? ch_clock_parse(before) : NULL;
	if (before && !cut)
		return cli_usage("--before must be a date (YYYY-MM-DD) or an ISO 8601 date-time, "
		                 "from 1900 to 2100");
	g_autoptr(ChApp) app = cli_open();
	if (!app)
		return CLI_FAIL;
	g_autoptr(GDateTime) now = ch_clock_now();
	if (!cut && !app->cfg->retention_days)
		return cli_usage("purge needs --before DATE, or [chaser] retention_days in the config");
	if (!cut) {
		/* The configured retention period, counted back from now. */
		cut = g_date_time_add_days(now, -(gint)app->cfg->retention_days);
		before = ch_clock_format(cut);
	}
	if (g_date_time_compare(cut, now) > 0)
		return cli_usage("--before %s is later than now: nothing that recent may be purged",
		                 before);
	ChPurgeCounts counts;
	g_autoptr(GPtrArray) refs = g_ptr_array_new_with_free_func(g_free);
	GError *e = NULL;
	if (!ch_purge(app, cut, dry_run, &counts, dry_run ? refs : NULL, &e))
		return fail_with(e);
	g_autofree char *what = ch_purge_counts_text(&counts);
	if (dry_run) {
		ch_term_printf("would remove %s\n", what);
		for (guint i = 0; i < refs->len; i++)
			ch_term_printf("  %s\n", (char *)refs->pdata[i]);
		return CLI_OK;
	}
	ch_term_printf("removed %s\n", what);
	if (counts.files_failed)
		return cli_fail("%u stored file%s could not be removed", counts.files_failed,
		                counts.files_failed == 1 ? "" : "s");
	return CLI_OK;
}
