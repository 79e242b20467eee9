/* Commands that show: a conference, the escalations, the outbox, triage, the
 * immediate-safety alerts. Text for people,
 * --json for programs. Nothing here changes state except triage release and drop. */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "classify/token.h"
#include "engine/commands.h"
#include "inbound/intake.h"
#include "store/cases.h"
#include "store/safety.h"
#include "store/views.h"
#include "util/clock.h"
#include "util/error.h"
#include "util/term.h"

static void json_str(JsonBuilder *b, const char *key, const char *v)
{
	json_builder_set_member_name(b, key);
	if (v)
		json_builder_add_string_value(b, v);
	else
		json_builder_add_null_value(b);
}

static void json_int(JsonBuilder *b, const char *key, gint64 v)
{
	json_builder_set_member_name(b, key);
	json_builder_add_int_value(b, v);
}

/* The newest automatic reply (out-of-office) recorded against an escalation, with its
 * return date when the reply gave one; NULL when none came. */
static char *auto_reply_of(ChApp *app, const ChCase *c, const ChEscalation *e)
{
	g_autofree char *obj = ch_obj_text(CH_OBJ_NUMBERED(CH_OBJ_ESCALATION, e->attendee->n));
	GError *err = NULL;
	g_autoptr(GPtrArray) rows = ch_store_view_last_automatic(app->store, c->id, obj, &err);
	if (!rows) {
		/* The escalation is shown without it, and the reader is told why. */
		g_autofree char *why = g_strdup_printf("(could not be read: %s)", err->message);
		g_error_free(err);
		return g_steal_pointer(&why);
	}
	if (!rows->len)
		return NULL;
	const ChStoreRow *row = rows->pdata[0];
	g_autofree char *when = cli_when(ch_store_row_str(row, 0));
	return g_strdup_printf("%s: %s", when, ch_store_row_str(row, 1));
}

static void escalation_json(ChApp *app, JsonBuilder *b, const ChCase *c, const ChEscalation *e)
{
	json_builder_begin_object(b);
	json_int(b, "id", e->id);
	json_str(b, "ref", c->ref);
	json_int(b, "n", e->attendee->n);
	json_str(b, "professional", e->attendee->name);
	json_str(b, "agency", e->attendee->agency);
	json_builder_set_member_name(b, "reasons");
	json_builder_begin_array(b);
	for (char **r = e->reasons; r && *r; r++)
		json_builder_add_string_value(b, *r);
	json_builder_end_array(b);
	json_str(b, "comment", e->comment);
	json_int(b, "stage", e->stage);
	json_str(b, "state", ch_esc_state_name(e->state));
	json_str(b, "asked", e->asked);
	json_str(b, "raised", e->raised_at);
	json_str(b, "due", e->due);
	json_str(b, "calendar", e->calendar);
	json_int(b, "chasers", e->chasers);
	json_str(b, "responded", e->responded_at);
	json_str(b, "response", e->response);
	json_str(b, "outcome", e->outcome);
	json_str(b, "closed", e->closed_at);
	json_str(b, "meeting", e->meeting_date);
	json_str(b, "chair_told", e->chair_told_at);
	json_str(b, "set_aside", e->set_aside_at);
	json_str(b, "set_aside_by", e->set_aside_by);
	json_str(b, "set_aside_words", e->set_aside_words);
	json_str(b, "reconvene_held", e->reconvene_held);
	json_str(b, "reconvene", e->set_aside_at ? (e->reconvene_held ? "date entered" : "owed")
	                                         : NULL);
	json_str(b, "options", e->options);
	g_autofree char *auto_reply = auto_reply_of(app, c, e);
	json_str(b, "auto_reply", auto_reply);
	json_builder_end_object(b);
}

static void escalation_text(ChApp *app, const ChCase *c, const ChEscalation *e,
                            gboolean with_ref)
{
	g_autofree char *why = ch_reasons_describe(e->reasons);
	g_autofree char *due = ch_clock_long_date(e->due, "-");
	ch_term_printf("  %s#%" G_GINT64_FORMAT " line %d, %s (%s): %s\n", with_ref ? c->ref : "",
	       e->id, e->attendee->n, e->attendee->name, e->attendee->agency, why);
	if (e->comment)
		ch_term_printf("      chair's comment: %s\n", e->comment);
	if (e->state == CH_ESC_RESOLVED) {
		g_autofree char *when = cli_when(e->closed_at);
		ch_term_printf("      RESOLVED %s: %s\n", when, e->outcome ? e->outcome : "");
		if (ch_escalation_reconvene_owed(e))
			ch_term_printf("      TO RECONVENE: the decision was set aside; admin owes the new "
			               "conference's date (chaser conference reconvene %s --held DATE)\n",
			               c->ref);
		else if (e->reconvene_held) {
			g_autofree char *held = ch_clock_long_date(e->reconvene_held, "-");
			ch_term_printf("      reconvenes on %s\n", held);
		}
	} else if (e->state == CH_ESC_UNRESOLVED) {
		ch_term_printf("      UNRESOLVED after stage %d: the CP coordinator has it\n", e->stage);
	} else {
		ch_term_printf("      %s at stage %d: %s asked, due %s%s\n",
		       e->state == CH_ESC_RESPONDED ? "ANSWERED, chair to confirm" : "OPEN",
		       e->stage, e->asked && *e->asked ? e->asked : "nobody", due,
		       e->chasers ? " (chased)" : "");
		if (e->response)
			ch_term_printf("      answer so far: %s\n", e->response);
		if (e->meeting_date) {
			g_autofree char *meeting = ch_clock_long_date(e->meeting_date, "-");
			ch_term_printf("      meeting set for %s; its outcome is asked the working day "
			               "after\n", meeting);
		}
		g_autofree char *auto_reply = auto_reply_of(app, c, e);
		if (auto_reply)
			ch_term_printf("      automatic reply %s\n", auto_reply);
	}
}

/* An attendee's report as the list says it to a person. */
static const char *att_report_words(const ChAttendee *a)
{
	return a->report == CH_ATT_REPORT_NONE_EXPECTED ? "not expected"
	                                                : ch_att_report_name(a->report);
}

static void safety_json(JsonBuilder *b, const ChSafetyAlert *a)
{
	json_builder_begin_object(b);
	json_int(b, "id", a->id);
	json_str(b, "ref", a->ref);
	json_str(b, "state", ch_safety_state_name(a->state));
	json_str(b, "raised", a->raised_at);
	json_str(b, "what", a->what);
	json_str(b, "message", a->message);
	json_str(b, "asked", a->asked);
	json_str(b, "due", a->due);
	json_str(b, "escalated", a->escalated_at);
	json_str(b, "told", a->told);
	json_str(b, "acknowledged_by", a->acknowledged_by);
	json_str(b, "acknowledged", a->acknowledged_at);
	json_builder_end_object(b);
}

static void safety_text_one(const ChSafetyAlert *a)
{
	g_autofree char *raised = cli_when(a->raised_at);
	ch_term_printf("%4" G_GINT64_FORMAT "  %s  %s  %s\n", a->id, raised,
	               a->ref ? a->ref : "-", a->what ? a->what : "");
	if (a->state == CH_SAFETY_ACKNOWLEDGED) {
		g_autofree char *w = cli_when(a->acknowledged_at);
		ch_term_printf("      acknowledged by %s, %s\n", a->acknowledged_by, w);
		return;
	}
	g_autofree char *due = cli_when(a->due);
	ch_term_printf("      OPEN: asked %s to acknowledge by %s\n", a->asked, due);
	if (a->escalated_at) {
		g_autofree char *w = cli_when(a->escalated_at);
		ch_term_printf("      not acknowledged: %s told, %s\n", a->told ? a->told : "nobody",
		               w);
	}
}

/* The conference's alerts that wait for an acknowledgement, for admin to see. */
static void safety_section(ChApp *app, const ChCase *c)
{
	GError *e = NULL;
	g_autoptr(GPtrArray) alerts = ch_store_safety_list(app->store, FALSE, c->id, &e);
	if (!alerts) {
		ch_term_printf("\nImmediate-safety alerts: could not be read (%s)\n", e->message);
		g_clear_error(&e);
		return;
	}
	for (guint i = 0; i < alerts->len; i++) {
		if (!i)
			ch_term_printf("\nImmediate-safety alerts not yet acknowledged\n");
		safety_text_one(alerts->pdata[i]);
	}
}

/* Every alert of the conference, acknowledged or not: the member "safety_alerts". */
static gboolean safety_member(ChApp *app, JsonBuilder *b, const ChCase *c, GError **error)
{
	json_builder_set_member_name(b, "safety_alerts");
	json_builder_begin_array(b);
	g_autoptr(GPtrArray) alerts = ch_store_safety_list(app->store, TRUE, c->id, error);
	if (!alerts)
		return FALSE;
	for (guint i = 0; i < alerts->len; i++)
		safety_json(b, alerts->pdata[i]);
	json_builder_end_array(b);
	return TRUE;
}

/* Where a case stands, for a person: one section after another (the conference, the
 * minutes, the reports and their high risk, the escalations, admin's tasks), in the order a
 * reader looks for them; long because it is a list, not a decision. */
static void show_text(ChApp *app, const ChCase *c)
{
	g_autofree char *held = cli_when(c->held);
	ch_term_printf("Conference %s (%s conference, procedure %s)\n", c->ref,
	               ch_conf_type_name(c->type), c->procedure);
	ch_term_printf("  held:   %s\n", held);
	ch_term_printf("  chair:  %s%s%s%s\n", c->chair_name ? c->chair_name : "", c->chair_name ? " <" : "",
	       c->chair_email, c->chair_name ? ">" : "");
	const char *state = c->state == CH_CONF_HELD        ? "held; list not sent yet"
	                    : c->state == CH_CONF_LIST_SENT ? "list sent to the chair, awaiting "
	                                                      "authorisation"
	                    : c->state == CH_CONF_AUTHORISED ? "list authorised by the chair"
	                                                     : "closed: nothing left to chase";
	ch_term_printf("  state:  %s\n", state);
	if (c->list_sent_at) {
		g_autofree char *w = cli_when(c->list_sent_at);
		ch_term_printf("  list sent:  %s\n", w);
	}
	if (c->authorised_at) {
		g_autofree char *w = cli_when(c->authorised_at);
		ch_term_printf("  authorised: %s\n", w);
	}
	if (c->closed_at) {
		g_autofree char *w = cli_when(c->closed_at);
		ch_term_printf("  closed:     %s\n", w);
	}
	ch_term_printf("\nDistribution list\n");
	for (guint i = 0; i < c->attendees->len; i++) {
		ChAttendee *a = c->attendees->pdata[i];
		ch_term_printf("  %2d. %s, %s (%s): %s; report %s\n", a->n, a->name, a->agency, a->email,
		       ch_attendance_name(a->attendance), att_report_words(a));
	}
	if (c->minutes_due) {
		g_autofree char *md = ch_clock_long_date(c->minutes_due, "-");
		ch_term_printf("  minutes due: %s", md);
		if (c->minutes_not_before) {
			g_autofree char *nb = ch_clock_long_date(c->minutes_not_before, "-");
			ch_term_printf(" (not signed before %s while reports are awaited)", nb);
		}
		ch_term_printf("\n");
	}
	if (c->high_risk)
		ch_term_printf("  HIGH RISK: a post-conference report was marked as showing high risk\n");
	if (c->reports->len)
		ch_term_printf("\nPost-conference reports\n");
	for (guint i = 0; i < c->reports->len; i++) {
		ChReport *r = c->reports->pdata[i];
		g_autofree char *due = ch_clock_long_date(r->due, "-");
		if (r->state == CH_REPORT_RECEIVED) {
			g_autofree char *when = cli_when(r->received_at);
			ch_term_printf("  %s: received %s (%s)%s\n", r->agency, when, r->on_time ? "on time" : "late",
			       r->reviewed_at ? ", reviewed by the chair" : ", not yet reviewed");
		} else if (r->state == CH_REPORT_MISSING) {
			ch_term_printf("  %s: MISSING (was due %s); the minutes may note missing information\n",
			       r->agency, due);
		} else {
			ch_term_printf("  %s: awaited from %s, due %s%s\n", r->agency, r->asked, due,
			       r->reminded_at ? " (reminded)" : "");
		}
		if (r->high_risk_at && r->addressed_at) {
			ch_term_printf("    HIGH RISK: to be addressed by %s\n", r->addressed_by);
		} else if (r->high_risk_at) {
			g_autofree char *by = cli_when(r->high_risk_due);
			ch_term_printf("    HIGH RISK: who addresses it is not yet decided (due %s)\n", by);
		}
	}
	ch_term_printf("\nEscalations\n");
	if (!c->escalations->len)
		ch_term_printf("  none\n");
	for (guint i = 0; i < c->escalations->len; i++)
		escalation_text(app, c, c->escalations->pdata[i], FALSE);
	safety_section(app, c);
	GError *e = NULL;
	g_autoptr(GPtrArray) tasks = ch_store_view_open_tasks(app->store, c->id, &e);
	if (!tasks) {
		ch_term_printf("\nTasks for admin: could not be read (%s)\n", e->message);
		g_clear_error(&e);
		return;
	}
	for (guint i = 0; i < tasks->len; i++) {
		const ChStoreRow *row = tasks->pdata[i];
		if (!i)
			ch_term_printf("\nTasks for admin\n");
		g_autofree char *w = cli_when(ch_store_row_str(row, 2));
		ch_term_printf("  %s: %s\n", w, ch_store_row_str(row, 1));
	}
}

/* One conference for programs. Long because the JSON that chaser(8) promises is one list of
 * members, read most easily in the order it is written. */
static JsonNode *case_json(ChApp *app, const ChCase *c, GError **error)
{
	g_autoptr(JsonBuilder) b = json_builder_new();
	json_builder_begin_object(b);
	json_str(b, "ref", c->ref);
	json_str(b, "state", ch_conf_state_name(c->state));
	json_str(b, "type", ch_conf_type_name(c->type));
	json_str(b, "procedure", c->procedure);
	json_str(b, "held", c->held);
	json_str(b, "chair", c->chair_email);
	json_str(b, "chair_name", c->chair_name);
	json_str(b, "social_worker", c->social_worker);
	json_str(b, "list_sent", c->list_sent_at);
	json_str(b, "authorised", c->authorised_at);
	json_str(b, "closed", c->closed_at);
	json_builder_set_member_name(b, "attendees");
	json_builder_begin_array(b);
	for (guint i = 0; i < c->attendees->len; i++) {
		ChAttendee *a = c->attendees->pdata[i];
		json_builder_begin_object(b);
		json_int(b, "n", a->n);
		json_str(b, "name", a->name);
		json_str(b, "email", a->email);
		json_str(b, "agency", a->agency);
		json_str(b, "attendance", ch_attendance_name(a->attendance));
		json_str(b, "report", ch_att_report_name(a->report));
		json_builder_end_object(b);
	}
	json_builder_end_array(b);
	json_str(b, "minutes_due", c->minutes_due);
	json_str(b, "minutes_not_before", c->minutes_not_before);
	json_int(b, "minutes_missing_info", c->minutes_missing_info);
	json_builder_set_member_name(b, "high_risk");
	json_builder_add_boolean_value(b, c->high_risk);
	json_builder_set_member_name(b, "reports");
	json_builder_begin_array(b);
	for (guint i = 0; i < c->reports->len; i++) {
		ChReport *r = c->reports->pdata[i];
		json_builder_begin_object(b);
		json_int(b, "id", r->id);
		json_str(b, "agency", r->agency);
		json_str(b, "asked", r->asked);
		json_str(b, "state", ch_report_state_name(r->state));
		json_str(b, "requested", r->requested_at);
		json_str(b, "due", r->due);
		json_str(b, "calendar", r->calendar);
		json_str(b, "reminded", r->reminded_at);
		json_str(b, "received", r->received_at);
		json_builder_set_member_name(b, "on_time");
		if (r->on_time < 0)
			json_builder_add_null_value(b);
		else
			json_builder_add_boolean_value(b, r->on_time);
		json_str(b, "sha256", r->sha256);
		json_str(b, "reviewed", r->reviewed_at);
		json_str(b, "missing", r->missing_at);
		json_str(b, "high_risk", r->high_risk_at);
		json_str(b, "high_risk_due", r->high_risk_due);
		json_str(b, "addressed_by", r->addressed_by);
		json_str(b, "addressed", r->addressed_at);
		json_builder_end_object(b);
	}
	json_builder_end_array(b);
	json_builder_set_member_name(b, "escalations");
	json_builder_begin_array(b);
	for (guint i = 0; i < c->escalations->len; i++)
		escalation_json(app, b, c, c->escalations->pdata[i]);
	json_builder_end_array(b);
	json_builder_set_member_name(b, "tasks");
	json_builder_begin_array(b);
	g_autoptr(GPtrArray) tasks = ch_store_view_open_tasks(app->store, c->id, error);
	if (!tasks)
		return NULL;
	for (guint i = 0; i < tasks->len; i++) {
		const ChStoreRow *row = tasks->pdata[i];
		json_builder_begin_object(b);
		json_str(b, "kind", ch_store_row_str(row, 0));
		json_str(b, "detail", ch_store_row_str(row, 1));
		json_str(b, "created", ch_store_row_str(row, 2));
		json_builder_end_object(b);
	}
	json_builder_end_array(b);
	if (!safety_member(app, b, c, error))
		return NULL;
	json_builder_end_object(b);
	return json_builder_get_root(b);
}

int cmd_show(int argc, char **argv)
{
	gboolean json = FALSE;
	GOptionEntry entries[] = {
		{ "json", 0, 0, G_OPTION_ARG_NONE, &json, "Print JSON", NULL },
		{ NULL },
	};
	if (!cli_parse(&argc, &argv, "REF", "Show one conference: its list, escalations and tasks.",
	               entries))
		return CLI_USAGE;
	if (argc != 2)
		return cli_usage("show needs the conference REF");
	g_autoptr(ChApp) app = cli_open();
	if (!app)
		return CLI_FAIL;
	GError *e = NULL;
	g_autoptr(ChCase) c = ch_store_case_load(app->store, argv[1], &e);
	if (!c) {
		return cli_error(e);
	}
	if (json) {
		JsonNode *n = case_json(app, c, &e);
		if (!n)
			return cli_error(e);
		cli_print_json(n);
		json_node_unref(n);
	} else {
		show_text(app, c);
	}
	return CLI_OK;
}

int cmd_escalations(int argc, char **argv)
{
	gboolean json = FALSE, open_only = FALSE;
	GOptionEntry entries[] = {
		{ "open", 0, 0, G_OPTION_ARG_NONE, &open_only, "Only those still open", NULL },
		{ "json", 0, 0, G_OPTION_ARG_NONE, &json, "Print JSON", NULL },
		{ NULL },
	};
	if (!cli_parse(&argc, &argv, "", "List escalations, oldest first.", entries))
		return CLI_USAGE;
	if (argc != 1)
		return cli_usage("escalations takes no arguments");
	g_autoptr(ChApp) app = cli_open();
	if (!app)
		return CLI_FAIL;
	GError *e = NULL;
	g_autoptr(GArray) ids = g_array_new(FALSE, FALSE, sizeof(gint64));
	g_autoptr(GPtrArray) found = ch_store_view_escalation_conferences(app->store, open_only, &e);
	if (!found)
		return cli_error(e);
	for (guint i = 0; i < found->len; i++) {
		gint64 id = ch_store_row_int(found->pdata[i], 0);
		g_array_append_val(ids, id);
	}
	g_autoptr(JsonBuilder) b = json_builder_new();
	json_builder_begin_array(b);
	guint shown = 0;
	for (guint i = 0; i < ids->len; i++) {
		g_autoptr(ChCase) c = ch_store_case_load_id(app->store, g_array_index(ids, gint64, i), &e);
		if (!c) {
			return cli_error(e);
		}
		for (guint k = 0; k < c->escalations->len; k++) {
			ChEscalation *x = c->escalations->pdata[k];
			if (open_only && ch_esc_state_finished(x->state))
				continue;
			shown++;
			if (json)
				escalation_json(app, b, c, x);
			else
				escalation_text(app, c, x, TRUE);
		}
	}
	json_builder_end_array(b);
	if (json) {
		g_autoptr(JsonNode) root = json_builder_get_root(b);
		cli_print_json(root);
	} else if (!shown) {
		ch_term_printf("no escalations%s\n", open_only ? " open" : "");
	}
	return CLI_OK;
}

int cmd_outbox(int argc, char **argv)
{
	gboolean json = FALSE;
	GOptionEntry entries[] = {
		{ "json", 0, 0, G_OPTION_ARG_NONE, &json, "Print JSON", NULL },
		{ NULL },
	};
	if (!cli_parse(&argc, &argv, "", "List the mail chaser has queued and sent.", entries))
		return CLI_USAGE;
	g_autoptr(ChApp) app = cli_open();
	if (!app)
		return CLI_FAIL;
	GError *e = NULL;
	g_autoptr(GPtrArray) rows = ch_store_view_outbox(app->store, &e);
	if (!rows)
		return cli_error(e);
	g_autoptr(JsonBuilder) b = json_builder_new();
	json_builder_begin_array(b);
	guint n = 0;
	for (guint k = 0; k < rows->len; k++) {
		const ChStoreRow *row = rows->pdata[k];
		n++;
		const char *col[12];
		for (int i = 0; i < 12; i++)
			col[i] = ch_store_row_str(row, i);
		if (json) {
			json_builder_begin_object(b);
			json_int(b, "id", ch_store_row_int(row, 0));
			json_str(b, "ref", col[1]);
			json_str(b, "kind", col[2]);
			json_str(b, "to", col[3]);
			json_str(b, "subject", col[4]);
			json_str(b, "state", col[5]);
			json_int(b, "attempts", ch_store_row_int(row, 6));
			json_str(b, "queued", col[7]);
			json_str(b, "sent", col[8]);
			json_str(b, "error", col[9]);
			g_autofree char *shown = ch_token_withhold_msgid(col[10]);
			json_str(b, "message_id", shown);
			json_str(b, "event", col[11]);
			json_builder_end_object(b);
		} else {
			g_autofree char *w = cli_when(col[7]);
			ch_term_printf("%4s  %-8s %-22s %-34s %s\n", col[0], col[5], col[2], col[3], w);
		}
	}
	json_builder_end_array(b);
	if (json) {
		g_autoptr(JsonNode) root = json_builder_get_root(b);
		cli_print_json(root);
	} else if (!n) {
		ch_term_printf("the outbox is empty\n");
	}
	return CLI_OK;
}

int cmd_triage(int argc, char **argv)
{
	gboolean json = FALSE, all = FALSE;
	GOptionEntry entries[] = {
		{ "json", 0, 0, G_OPTION_ARG_NONE, &json, "Print JSON", NULL },
		{ "all", 0, 0, G_OPTION_ARG_NONE, &all, "Also those already released or dropped", NULL },
		{ NULL },
	};
	if (!cli_parse(&argc, &argv, "",
	               "List messages waiting for a person: not matched to a conference, not "
	               "trusted, or failing. Release one with 'chaser triage release ID', discard "
	               "with 'chaser triage drop ID'.",
	               entries))
		return CLI_USAGE;
	g_autoptr(ChApp) app = cli_open();
	if (!app)
		return CLI_FAIL;
	GError *e = NULL;
	g_autoptr(GPtrArray) rows = ch_store_view_triage(app->store, all, &e);
	if (!rows)
		return cli_error(e);
	g_autoptr(JsonBuilder) b = json_builder_new();
	json_builder_begin_array(b);
	guint n = 0;
	for (guint k = 0; k < rows->len; k++) {
		const ChStoreRow *row = rows->pdata[k];
		n++;
		const char *col[9];
		for (int i = 0; i < 9; i++)
			col[i] = ch_store_row_str(row, i);
		if (json) {
			json_builder_begin_object(b);
			json_int(b, "id", ch_store_row_int(row, 0));
			json_str(b, "ref", col[1]);
			json_str(b, "reason", col[2]);
			json_str(b, "state", col[3]);
			json_str(b, "created", col[4]);
			json_str(b, "from", col[5]);
			json_str(b, "message_state", col[6]);
			json_str(b, "sha256", col[7]);
			json_str(b, "location", col[8]);
			json_builder_end_object(b);
		} else {
			g_autofree char *w = cli_when(col[4]);
			ch_term_printf("%4s  %s  %-8s %s  from %s\n      %s\n", col[0], w, col[6],
			       col[1] ? col[1] : "-", col[5] ? col[5] : "(unknown)", col[2]);
		}
	}
	json_builder_end_array(b);
	if (json) {
		g_autoptr(JsonNode) root = json_builder_get_root(b);
		cli_print_json(root);
	} else if (!n) {
		ch_term_printf("nothing waits in triage\n");
	}
	return CLI_OK;
}

int cmd_safety(int argc, char **argv)
{
	gboolean json = FALSE, all = FALSE;
	GOptionEntry entries[] = {
		{ "json", 0, 0, G_OPTION_ARG_NONE, &json, "Print JSON", NULL },
		{ "all", 0, 0, G_OPTION_ARG_NONE, &all, "Also those already acknowledged", NULL },
		{ NULL },
	};
	if (!cli_parse(&argc, &argv, "",
	               "List immediate-safety alerts that nobody has acknowledged yet: who was "
	               "asked, by when, and who was told when nobody answered. An alert stays "
	               "here until someone asked or told replies to it.",
	               entries))
		return CLI_USAGE;
	g_autoptr(ChApp) app = cli_open();
	if (!app)
		return CLI_FAIL;
	GError *e = NULL;
	g_autoptr(GPtrArray) alerts = ch_store_safety_list(app->store, all, 0, &e);
	if (!alerts)
		return cli_error(e);
	if (json) {
		g_autoptr(JsonBuilder) b = json_builder_new();
		json_builder_begin_array(b);
		for (guint i = 0; i < alerts->len; i++)
			safety_json(b, alerts->pdata[i]);
		json_builder_end_array(b);
		g_autoptr(JsonNode) root = json_builder_get_root(b);
		cli_print_json(root);
		return CLI_OK;
	}
	for (guint i = 0; i < alerts->len; i++)
		safety_text_one(alerts->pdata[i]);
	if (!alerts->len)
		ch_term_printf(all ? "no immediate-safety alerts\n"
		                   : "every immediate-safety alert has been acknowledged\n");
	return CLI_OK;
}

static int triage_decide(int argc, char **argv, gboolean release)
{
	if (!cli_parse(&argc, &argv, "ID",
	               release ? "Apply a held message as if its sender had been verified. Check "
	                         "with the sender first."
	                       : "Discard a message in triage: it stays recorded, and nothing acts on "
	                         "it.",
	               NULL))
		return CLI_USAGE;
	guint64 id;
	if (argc != 2 || !g_ascii_string_to_unsigned(argv[1], 10, 1, G_MAXINT64, &id, NULL))
		return cli_usage("triage %s needs the triage ID", release ? "release" : "drop");
	g_autoptr(ChApp) app = cli_open();
	if (!app)
		return CLI_FAIL;
	GError *e = NULL;
	if (!ch_intake_decide(app, (gint64)id, release, "cli", &e)) {
		return cli_error(e);
	}
	ch_term_printf("triage %" G_GUINT64_FORMAT " %s\n", id, release ? "released and applied" : "dropped");
	return CLI_OK;
}

int cmd_triage_release(int argc, char **argv)
{
	return triage_decide(argc, argv, TRUE);
}

int cmd_triage_drop(int argc, char **argv)
{
	return triage_decide(argc, argv, FALSE);
}
