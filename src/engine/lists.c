/* The conference: the distribution list to the chair and the chair's reply, the list's own
 * timer, and closing the case once nothing is left to chase. Pure. */
#include "engine/engine-private.h"
#include "engine/notices.h"

#include "engine/commands.h"
#include "util/clock.h"
#include "util/error.h"

char *ch_engine_list_text(const ChCase *c)
{
	GString *s = g_string_new(NULL);
	for (guint k = 0; k < c->attendees->len; k++) {
		ChAttendee *a = c->attendees->pdata[k];
		g_string_append_printf(s, "%3d. %s, %s: %s; report %s\n", a->n, a->name, a->agency,
		                       ch_attendance_name(a->attendance),
		                       a->report == CH_ATT_REPORT_NONE_EXPECTED
		                           ? "not expected"
		                           : ch_att_report_name(a->report));
	}
	return g_string_free(s, FALSE);
}

gboolean ch_engine_list_send(ChCase *c, const ChEngineCtx *ctx, ChEffects *fx, GError **error)
{
	if (c->state != CH_CONF_HELD) {
		g_set_error(error, CH_ERROR, CH_ERROR_USAGE,
		            "the distribution list of %s was already sent (conference is %s)", c->ref,
		            ch_conf_state_name(c->state));
		return FALSE;
	}
	if (c->attendees->len == 0) {
		g_set_error(error, CH_ERROR, CH_ERROR_USAGE,
		            "%s has no one on its distribution list yet", c->ref);
		return FALSE;
	}
	g_autofree char *now = ch_engine_now_str(ctx);
	ch_set_str(&c->list_sent_at, now);
	ch_engine_set_state(c, fx, CH_CONF_LIST_SENT);
	/* The chair now owes the authorisation: it has a due time and a next time like
	 * everything owed (ch_engine_conference_due reminds, then tells the CP coordinator). */
	GDate by;
	g_autoptr(GDateTime) by_at = ch_calendar_deadline(ctx->cal, ctx->now, CH_UNIT_WORKING_DAYS,
	                                                  ctx->rules->list_authorise_days, &by);
	g_free(c->due);
	c->due = ch_clock_key(by_at);
	g_free(c->next_at);
	c->next_at = ch_engine_after_due(ctx, &by);
	g_autofree char *key = g_strdup_printf("list:%s", c->ref);
	ChIntent *i = ch_effects_intent(fx, "distribution_list", c->chair_email, c->chair_name, key);
	i->purpose = CH_PURPOSE_AUTHORISE;
	ch_engine_base_vars(i, c);
	g_autofree char *list = ch_engine_list_text(c);
	ch_intent_set(i, "list", list);
	g_autofree char *minutes = ch_engine_plan_reports(c, ctx, fx);
	ch_intent_set(i, "minutes", minutes);
	ch_effects_audit(fx, CH_AUDIT_LIST_SENT, CH_OBJ_NAMED(CH_OBJ_CONFERENCE, c->ref), NULL,
	                 c->chair_email,
	                 "distribution list sent to the chair for authorisation");
	return TRUE;
}

static const char chair_example[] =
	"  AUTHORISED\n"
	"  ESCALATE 3 no_report, report_late: nothing arrived before the conference\n"
	"or, when nobody needs escalating:\n"
	"  AUTHORISED\n"
	"  NO ESCALATION";

/* The one example that fits what the chair seemed to want: the line and the reason they
 * wrote when those were read, so the example is their own instruction written as chaser
 * reads it. Both forms when it is not clear. */
static char *chair_example_for(const ChCase *c, const ChCommands *cmds, gboolean later)
{
	const char *again = later ? "\n(the list is already authorised: AUTHORISED is not needed "
	                            "again)"
	                          : "";
	if (cmds->want == CH_WANT_ESCALATE) {
		int n = cmds->want_n > 0 && ch_case_attendee(c, cmds->want_n) ? cmds->want_n : 1;
		return g_strdup_printf("%s  ESCALATE %d %s: what happened%s", later ? "" : "  AUTHORISED\n",
		                       n, cmds->want_reason ? cmds->want_reason : "no_report", again);
	}
	if (later)
		return NULL;
	if (cmds->want == CH_WANT_BOTH)
		return g_strdup(chair_example);
	return g_strdup("  AUTHORISED\n  NO ESCALATION\n"
	                "(add a line such as ESCALATE 3 no_report for anyone to escalate)");
}

/* The list as the parser sees it, to read names instead of line numbers. */
static ChCommands *parse_chair_reply(const ChCase *c, const char *text)
{
	g_autofree ChListLine *list = g_new0(ChListLine, c->attendees->len + 1);
	for (guint k = 0; k < c->attendees->len; k++) {
		ChAttendee *a = c->attendees->pdata[k];
		list[k].n = a->n;
		list[k].name = a->name;
		list[k].agency = a->agency;
	}
	return ch_commands_parse_chair_list(text, list, c->attendees->len);
}

/* What the chair's commands say, read against the list: what was understood, the problems,
 * the ESCALATE commands (borrowed from cmds) and whether AUTHORISED or NO ESCALATION was
 * there. */
static void read_chair_commands(const ChCase *c, const ChCommands *cmds, GPtrArray *understood,
                                GPtrArray *problems, GPtrArray *esc, gboolean *authorise_r,
                                gboolean *none_r)
{
	for (guint k = 0; k < cmds->problems->len; k++)
		g_ptr_array_add(problems, g_strdup(cmds->problems->pdata[k]));
	for (guint k = 0; k < cmds->commands->len; k++) {
		ChCommand *cmd = cmds->commands->pdata[k];
		switch (cmd->kind) {
		case CH_CMD_AUTHORISE:
			*authorise_r = TRUE;
			g_ptr_array_add(understood, g_strdup("the list is authorised"));
			break;
		case CH_CMD_NO_ESCALATION:
			*none_r = TRUE;
			g_ptr_array_add(understood, g_strdup("no escalation is needed"));
			break;
		case CH_CMD_ESCALATE: {
			ChAttendee *a = ch_case_attendee(c, cmd->n);
			if (!a) {
				g_ptr_array_add(problems,
				                g_strdup_printf("'%s': there is no line %d on the list (it has "
				                                "%u lines)",
				                                cmd->line, cmd->n, c->attendees->len));
				break;
			}
			g_autofree char *codes = g_strjoinv(", ", cmd->reasons);
			g_ptr_array_add(understood, g_strdup_printf("escalate line %d (%s, %s): %s",
			                                            cmd->n, a->name, a->agency, codes));
			g_ptr_array_add(esc, cmd);
			break;
		}
		default:
			break;
		}
	}
}

/* Why the reply as a whole cannot be applied (the commands, and the conference's state). */
static void chair_reply_problems(const ChCase *c, const ChCommands *cmds, gboolean authorise,
                                 gboolean none, guint escalations, GPtrArray *problems)
{
	if (c->state == CH_CONF_CLOSED) {
		/* Nothing is chased any more: a concern now is for admin, whatever was written. */
		g_autofree char *when = ch_clock_long_date(c->authorised_at, "");
		g_autofree char *closed = ch_clock_long_date(c->closed_at, "");
		g_ptr_array_add(problems, g_strdup_printf("the list was already authorised on %s and "
		                                          "the conference was closed on %s; nothing "
		                                          "was changed (ask admin for a change)",
		                                          when, closed));
		return;
	}
	if (cmds->commands->len == 0 && problems->len == 0)
		g_ptr_array_add(problems, g_strdup("no command found: the reply needs AUTHORISED on a "
		                                   "line of its own"));
	else if (!authorise && !none && problems->len == 0)
		g_ptr_array_add(problems, g_strdup("escalations were marked but the list was not "
		                                   "authorised: add AUTHORISED on a line of its own"));
	if (none && escalations)
		g_ptr_array_add(problems, g_strdup("NO ESCALATION and ESCALATE lines are both there: "
		                                   "send one or the other"));
	/* (An authorised list is answered by chair_later_reply.) */
	if (!problems->len && c->state == CH_CONF_HELD)
		g_ptr_array_add(problems, g_strdup("the list has not been sent for authorisation yet"));
}

static const char later_example[] =
	"  ESCALATE 3 no_report, report_late: nothing arrived before the conference\n"
	"(the list is already authorised: AUTHORISED is not needed again)";

/* The chair's reply once the list is authorised (to the list or to the transcript of an
 * earlier reply): a concern that comes up later is raised as it would have been at
 * authorisation. AUTHORISED again and NO ESCALATION change nothing already done. */
static ChReplyResult chair_later_reply(ChCase *c, const ChEngineCtx *ctx, const char *sender,
                                       const char *text, const ChCommands *cmds,
                                       GPtrArray *understood,
                                       GPtrArray *problems, GPtrArray *esc, gboolean authorise,
                                       gboolean none, ChEffects *fx)
{
	if (cmds->commands->len == 0 && problems->len == 0)
		g_ptr_array_add(problems, g_strdup("no command found: the list is already authorised; "
		                                   "to raise a concern write ESCALATE, the line number "
		                                   "and a reason on a line of its own"));
	if (none && esc->len)
		g_ptr_array_add(problems, g_strdup("NO ESCALATION and ESCALATE lines are both there: "
		                                   "send one or the other"));
	if (problems->len) {
		g_autofree char *quoted = ch_commands_quote(cmds, text);
		g_autofree char *fit = chair_example_for(c, cmds, TRUE);
		ch_notice_not_understood(c, ctx, sender, "the distribution list", quoted, understood,
		                         problems, fit ? fit : later_example, NULL, fx);
		return CH_REPLY_NOT_UNDERSTOOD;
	}
	g_autoptr(GString) done = g_string_new(NULL);
	g_autofree char *when = ch_clock_long_date(c->authorised_at, "");
	if (authorise)
		g_string_append_printf(done, "  The distribution list was already authorised%s%s; "
		                             "that stands.\n",
		                       *when ? " on " : "", when);
	ch_engine_escalations_raise(c, esc, ctx, done, fx);
	if (none)
		g_string_append(done, c->escalations->len
		                          ? "  No new escalation; those already raised go on as they "
		                            "were.\n"
		                          : "  No one is escalated.\n");
	g_string_append(done, "  To raise a concern later, reply to this email with an ESCALATE "
	                      "line.\n");
	ChIntent *i = ch_notice_transcript(c, ctx, sender, "the distribution list", done->str, fx);
	i->purpose = CH_PURPOSE_AUTHORISE;
	return CH_REPLY_APPLIED;
}

ChReplyResult ch_engine_chair_reply(ChCase *c, const ChEngineCtx *ctx, const char *sender,
                                    const char *text, ChEffects *fx)
{
	g_autoptr(ChCommands) cmds = parse_chair_reply(c, text);
	g_autoptr(GPtrArray) understood = g_ptr_array_new_with_free_func(g_free);
	g_autoptr(GPtrArray) problems = g_ptr_array_new_with_free_func(g_free);
	g_autoptr(GPtrArray) esc = g_ptr_array_new(); /* ChCommand*, borrowed */
	gboolean authorise = FALSE, none = FALSE;
	read_chair_commands(c, cmds, understood, problems, esc, &authorise, &none);
	if (c->state == CH_CONF_AUTHORISED)
		return chair_later_reply(c, ctx, sender, text, cmds, understood, problems, esc, authorise,
		                         none, fx);
	chair_reply_problems(c, cmds, authorise, none, esc->len, problems);
	if (problems->len) {
		g_autofree char *quoted = ch_commands_quote(cmds, text);
		g_autofree char *fit = chair_example_for(c, cmds, FALSE);
		ch_notice_not_understood(c, ctx, sender, "the distribution list", quoted, understood,
		                         problems, fit, NULL, fx);
		return CH_REPLY_NOT_UNDERSTOOD;
	}
	g_autofree char *now = ch_engine_now_str(ctx);
	ch_set_str(&c->authorised_at, now);
	g_clear_pointer(&c->due, g_free);
	g_clear_pointer(&c->next_at, g_free);
	ch_engine_set_state(c, fx, CH_CONF_AUTHORISED);
	g_autoptr(GString) done = g_string_new("  The distribution list is authorised.\n");
	ch_engine_escalations_raise(c, esc, ctx, done, fx);
	if (!esc->len)
		g_string_append(done, "  No one is escalated.\n");
	/* The transcript can be answered like the list: a concern that comes up after
	 * authorising is raised by replying to either. */
	ChIntent *i = ch_notice_transcript(c, ctx, sender, "the distribution list", done->str, fx);
	i->purpose = CH_PURPOSE_AUTHORISE;
	return CH_REPLY_APPLIED;
}

void ch_engine_conference_added(ChCase *c, const ChEngineCtx *ctx)
{
	/* Every case starts held: the list waits for admin to send it. */
	c->state = CH_CONF_HELD;
	c->dirty = TRUE;
	g_autoptr(GDateTime) held = ch_clock_parse(c->held);
	g_autoptr(GDateTime) by = g_date_time_add_hours(held, ctx->rules->list_within_hours);
	g_free(c->next_at);
	c->next_at = ch_clock_key(by);
	g_free(c->due);
	c->due = ch_clock_key(by);
}

/* Who is told when the chair does not answer or the list is not sent: admin, who sends the
 * list and knows the chair; when no admin is named, the role table's fallback for admin (the
 * CP coordinator), so that silence never ends in nobody being told. */
static const char *list_admin(const ChCase *c, const ChEngineCtx *ctx)
{
	return ch_engine_role_address(c, NULL, ctx, CH_ROLE_ADMIN);
}

static void remind_chair(ChCase *c, const ChEngineCtx *ctx, const GDate *today, ChEffects *fx)
{
	g_autofree char *now = ch_engine_now_str(ctx);
	g_autofree char *day = ch_date_format(today);
	ch_set_str(&c->list_reminded_at, now);
	ch_effects_audit(fx, CH_AUDIT_LIST_AUTHORISE_REMINDED, CH_OBJ_NAMED(CH_OBJ_CONFERENCE, c->ref),
	                 NULL, c->chair_email, "the chair has not authorised the distribution list");
	g_autofree char *key = g_strdup_printf("list:%s:authorise-reminder:%s", c->ref, day);
	ChIntent *i = ch_effects_intent(fx, "list_authorise_reminder", c->chair_email, c->chair_name,
	                                key);
	i->purpose = CH_PURPOSE_AUTHORISE;
	ch_engine_base_vars(i, c);
	g_autofree char *due = ch_clock_long_date(c->due, "");
	ch_intent_set(i, "due", due);
}

/* The chair has not authorised the list by its due time. The working day after it, the chair
 * is reminded with a token to authorise by; the working day after that, admin is told; then
 * every list_authorise_repeat working days the chair is reminded again and admin told again,
 * until the chair answers (2 in the shipped rules: often enough that a list never sits a week
 * unnoticed, seldom enough that a chair away for a week gets two or three reminders, not
 * five). The conference always keeps a next time while the list waits. Each mail's key
 * carries the day, so a second tick on the same day sends nothing new. */
static gboolean authorise_due(ChCase *c, const ChEngineCtx *ctx, ChEffects *fx)
{
	GDate today;
	ch_clock_local_date(ctx->now, &today);
	fx->changed = TRUE;
	g_autoptr(GDateTime) sent = ch_clock_parse(c->list_sent_at);
	g_autoptr(GDateTime) reminded = ch_clock_parse(c->list_reminded_at);
	/* list_reminded_at told admin about a list not sent; later than the sending, it is the
	 * chair's reminder. */
	if (!reminded || (sent && g_date_time_compare(reminded, sent) < 0)) {
		remind_chair(c, ctx, &today, fx);
		c->next_at = ch_engine_after_due(ctx, &today);
		return TRUE;
	}
	/* The chair's last reminder is list_authorise_repeat working days old or more: remind again.
	 * (The first time admin is told, the working day after the first reminder, it is not.) */
	GDate reminded_day, again;
	ch_clock_local_date(reminded, &reminded_day);
	ch_calendar_add_working_days(ctx->cal, &reminded_day, ctx->rules->list_repeat_days, &again);
	if (g_date_compare(&today, &again) >= 0)
		remind_chair(c, ctx, &today, fx);
	GDate next;
	ch_calendar_add_working_days(ctx->cal, &today, ctx->rules->list_repeat_days, &next);
	g_free(c->next_at);
	c->next_at = ch_engine_working_start(ctx, &next);
	const char *to = list_admin(c, ctx);
	ch_effects_audit(fx, CH_AUDIT_LIST_AUTHORISE_OVERDUE, CH_OBJ_NAMED(CH_OBJ_CONFERENCE, c->ref),
	                 NULL, to, "the chair was reminded and has still not authorised the list");
	if (!to)
		return TRUE;
	g_autofree char *day = ch_date_format(&today);
	g_autofree char *key = g_strdup_printf("list:%s:authorise-overdue:%s", c->ref, day);
	ChIntent *i = ch_effects_intent(fx, "list_authorise_overdue", to, NULL, key);
	ch_engine_base_vars(i, c);
	g_autofree char *due = ch_clock_long_date(c->due, "");
	g_autofree char *sent_long = ch_clock_long_date(c->list_sent_at, "");
	g_autofree char *reminded_long = ch_clock_long_date(c->list_reminded_at, "");
	g_autofree char *next_long = ch_date_format_long(&next);
	ch_intent_set(i, "due", due);
	ch_intent_set(i, "sent", sent_long);
	ch_intent_set(i, "reminded", reminded_long);
	ch_intent_set(i, "next", next_long);
	return TRUE;
}

gboolean ch_engine_conference_due(ChCase *c, const ChEngineCtx *ctx, ChEffects *fx)
{
	c->dirty = TRUE;
	g_clear_pointer(&c->next_at, g_free);
	if (c->state == CH_CONF_LIST_SENT)
		return authorise_due(c, ctx, fx);
	if (c->state != CH_CONF_HELD)
		return FALSE;
	g_autofree char *now = ch_engine_now_str(ctx);
	GDate today;
	ch_clock_local_date(ctx->now, &today);
	/* Again the next working day, until the list goes. */
	c->next_at = ch_engine_after_due(ctx, &today);
	const char *to = list_admin(c, ctx);
	if (!to)
		return FALSE;
	ch_set_str(&c->list_reminded_at, now);
	fx->changed = TRUE;
	g_autofree char *day = ch_date_format(&today);
	ch_effects_audit(fx, CH_AUDIT_LIST_OVERDUE, CH_OBJ_NAMED(CH_OBJ_CONFERENCE, c->ref), NULL, NULL,
	                 "the distribution list has not been sent to the chair");
	g_autofree char *key = g_strdup_printf("list-overdue:%s:%s", c->ref, day);
	ChIntent *i = ch_effects_intent(fx, "list_overdue", to, NULL, key);
	ch_engine_base_vars(i, c);
	return TRUE;
}

/* Everything owed is done but the minutes are not yet due: the conference's own timer
 * looks again the working day after their due date, so the tick closes it then (no answer
 * may ever come to close it). */
static void wait_for_minutes(ChCase *c, const ChEngineCtx *ctx)
{
	GDate due;
	if (!c->minutes_due || !ch_clock_parse_date(c->minutes_due, &due))
		return;
	GDate after = due;
	g_date_add_days(&after, 1);
	g_autofree char *after_s = ch_date_format(&after);
	/* Not finished even once the minutes are due: something else is owed, on its own clock. */
	if (!ch_case_finished(c, after_s))
		return;
	g_autofree char *next = ch_engine_after_due(ctx, &due);
	if (ch_set_str(&c->next_at, next))
		c->dirty = TRUE;
}

gboolean ch_engine_close_if_done(ChCase *c, const ChEngineCtx *ctx, ChEffects *fx)
{
	GDate today_d;
	ch_clock_local_date(ctx->now, &today_d);
	g_autofree char *today = ch_date_format(&today_d);
	if (c->state != CH_CONF_AUTHORISED)
		return FALSE;
	if (!ch_case_finished(c, today)) {
		wait_for_minutes(c, ctx);
		return FALSE;
	}
	g_autofree char *now = ch_engine_now_str(ctx);
	ch_set_str(&c->closed_at, now);
	g_clear_pointer(&c->next_at, g_free);
	ch_engine_set_state(c, fx, CH_CONF_CLOSED);
	return TRUE;
}

/* ---- answers ---- */

/* Without a token: the chair, while the list waits for them. */
static gpointer chair_awaited(const ChCase *c, const char *from, ChDomainCheck owns,
                              gpointer owns_data, gboolean *ambiguous_r)
{
	return ch_engine_same_addr(from, c->chair_email) && c->state == CH_CONF_LIST_SENT
	           ? (gpointer)c
	           : NULL;
}

static ChReplyResult answer_list(ChCase *c, gpointer object, const ChEngineCtx *ctx,
                                 const ChAnswer *a, ChEffects *fx)
{
	return ch_engine_chair_reply(c, ctx, a->sender, a->text, fx);
}

const ChKind ch_kinds_lists[] = {
	{ CH_PURPOSE_AUTHORISE, CH_OBJ_CONFERENCE, FALSE, FALSE, NULL, chair_awaited, answer_list },
};
const guint ch_kinds_lists_n = G_N_ELEMENTS(ch_kinds_lists);
