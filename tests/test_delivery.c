/* Delivery reports (RFC 3464 multipart/report, message/delivery-status) about mail chaser
 * sent, driven through the binary: the report lands in the Maildir, `chaser poll` reads it.
 * Only a report whose Action is failed makes the mail failed (a task and a mail to admin):
 * delayed says the server is still trying, and is recorded; delivered, relayed and expanded
 * say it went, and change nothing. */
#include <string.h>

#include "support/harness.h"

#define ADMIN "cp.admin@council.example"

/* What a delivery report may change: its own message row and the audit. */
static const char *const report_tables[] = { "message", "audit", NULL };

/* The chair's distribution list, sent in the story: the mail the reports are about. */
static char *list_msgid(Harness *h)
{
	g_autofree char *list = h_mail(h, "distribution_list", H_CHAIR);
	g_assert_nonnull(list);
	return h_msgid(list);
}

static void deliver_report(Harness *h, const char *fixture, const char *name)
{
	g_autofree char *msgid = list_msgid(h);
	g_autofree char *path = g_strdup_printf("tests/data/dsn/%s.eml", fixture);
	g_autofree char *text = h_fixture(path, "", msgid);
	h_deliver(h, name, text);
}

static void poll_report(Harness *h, const char *now)
{
	g_assert_cmpint(h_run(h, now, "poll", NULL), ==, 0);
	g_assert_nonnull(strstr(h->out, "1 messages: 1 handled"));
	g_assert_cmpint(h_run(h, now, "flush", NULL), ==, 0);
}

/* The outbox row of the chair's list (the story's only one), as `chaser outbox --json`
 * shows it. */
static char *list_state(Harness *h, char **error_r)
{
	g_autoptr(JsonNode) out = h_json(h, NULL, "outbox", NULL);
	JsonArray *a = json_node_get_array(out);
	JsonObject *row = NULL;
	for (guint i = 0; i < json_array_get_length(a); i++) {
		JsonObject *o = json_array_get_object_element(a, i);
		if (!g_strcmp0(h_str(o, "kind"), "distribution_list") &&
		    !g_strcmp0(h_str(o, "to"), H_CHAIR)) {
			g_assert_null(row);
			row = o;
		}
	}
	g_assert_nonnull(row);
	if (error_r)
		*error_r = g_strdup(h_str(row, "error"));
	return g_strdup(h_str(row, "state"));
}

static guint task_rows(const char *before, const char *after)
{
	g_autoptr(GPtrArray) t = h_dump_added(before, after, "task");
	return t->len;
}

/* Nothing the report was about looks any different, and nobody was told anything. */
static void assert_nothing_changed(Harness *h, const char *cases, guint mails)
{
	g_autofree char *after = h_dump(h, report_tables);
	h_assert_same("the store", cases, after);
	g_autoptr(GPtrArray) sent = h_outgoing(h);
	g_assert_cmpuint(sent->len, ==, mails);
	g_autoptr(JsonNode) triage = h_json(h, NULL, "triage", NULL);
	g_assert_cmpuint(json_array_get_length(json_node_get_array(triage)), ==, 0);
}

/* Action: delayed (Status 4.4.7): the receiving server is still trying. The delay is on
 * the record; the mail stays sent, and there is no task and no mail to admin. */
static void test_delayed_is_recorded_not_failed(void)
{
	g_autoptr(Harness) h = h_new(NULL);
	h_story_setup(h);
	g_autofree char *cases = h_dump(h, report_tables);
	g_autoptr(GPtrArray) sent = h_outgoing(h);
	deliver_report(h, "delayed", "dsn-delayed");
	poll_report(h, "2026-11-24T13:45");
	assert_nothing_changed(h, cases, sent->len);
	g_autofree char *state = list_state(h, NULL);
	g_assert_cmpstr(state, ==, "sent");
	g_assert_cmpuint(h_count_mail(h, "delivery_failed", NULL), ==, 0);
	g_assert_cmpuint(h_audit_count(h, H_REF, "mail.delayed"), ==, 1);
	g_assert_cmpuint(h_audit_count(h, H_REF, "mail.bounced"), ==, 0);
	g_autoptr(GPtrArray) audit = h_audit(h, H_REF);
	gboolean said = FALSE;
	for (guint i = 0; i < audit->len; i++)
		if (g_str_has_prefix(audit->pdata[i], "mail.delayed|"))
			said = strstr(audit->pdata[i], "4.4.7") && strstr(audit->pdata[i], H_CHAIR);
	g_assert_true(said);
	/* The record of the case says so, for whoever looks. */
	g_assert_cmpint(h_run(h, NULL, "record", H_REF, NULL), ==, 0);
	g_assert_nonnull(strstr(h->out, "4.4.7"));
}

/* A delay, then the final report: the final one decides. */
static void test_delayed_then_failed_fails_once(void)
{
	g_autoptr(Harness) h = h_new(NULL);
	h_story_setup(h);
	g_autofree char *before = h_dump(h, NULL);
	deliver_report(h, "delayed", "dsn-delayed");
	poll_report(h, "2026-11-24T13:45");
	deliver_report(h, "delayed", "dsn-delayed-again");
	/* The same warning a day later is other bytes: another report, still a delay. */
	g_autofree char *path = g_build_filename(h->dir, "spool", "inbox", "new", "dsn-delayed-again",
	                                         NULL);
	g_autofree char *text = NULL;
	g_assert_true(g_file_get_contents(path, &text, NULL, NULL));
	GString *s = g_string_new(text);
	g_string_replace(s, "Tue, 24 Nov 2026 13:40:12", "Wed, 25 Nov 2026 13:40:12", 0);
	g_assert_true(g_file_set_contents(path, s->str, -1, NULL));
	g_string_free(s, TRUE);
	poll_report(h, "2026-11-25T13:45");
	g_autofree char *mid = h_dump(h, NULL);
	g_assert_cmpuint(task_rows(before, mid), ==, 0);
	g_autofree char *still = list_state(h, NULL);
	g_assert_cmpstr(still, ==, "sent");
	g_assert_cmpuint(h_audit_count(h, H_REF, "mail.delayed"), ==, 2);

	deliver_report(h, "failed-after-retrying", "dsn-failed");
	poll_report(h, "2026-11-28T09:35");
	g_autofree char *error = NULL;
	g_autofree char *state = list_state(h, &error);
	g_assert_cmpstr(state, ==, "failed");
	g_assert_nonnull(strstr(error, "4.4.7"));
	g_autofree char *after = h_dump(h, NULL);
	g_assert_cmpuint(task_rows(before, after), ==, 1);
	g_assert_cmpuint(h_count_mail(h, "delivery_failed", ADMIN), ==, 1);
	g_assert_cmpuint(h_audit_count(h, H_REF, "mail.bounced"), ==, 1);
}

/* Action: failed: the mail did not arrive and must not look sent. */
static void test_failed_marks_the_mail_failed(gconstpointer data)
{
	const char *fixture = data;
	g_autoptr(Harness) h = h_new(NULL);
	h_story_setup(h);
	g_autofree char *before = h_dump(h, NULL);
	deliver_report(h, fixture, "dsn-failed");
	poll_report(h, "2026-11-24T13:45");
	g_autofree char *error = NULL;
	g_autofree char *state = list_state(h, &error);
	g_assert_cmpstr(state, ==, "failed");
	g_assert_nonnull(strstr(error, H_CHAIR));
	g_autofree char *after = h_dump(h, NULL);
	g_autoptr(GPtrArray) tasks = h_dump_added(before, after, "task");
	g_assert_cmpuint(tasks->len, ==, 1);
	g_assert_nonnull(strstr(tasks->pdata[0], "|kind=delivery_failed|"));
	g_assert_cmpuint(h_count_mail(h, "delivery_failed", ADMIN), ==, 1);
	g_autofree char *told = h_mail(h, "delivery_failed", ADMIN);
	g_autofree char *body = h_body(told);
	g_assert_nonnull(strstr(body, H_CHAIR));
	g_assert_cmpuint(h_audit_count(h, H_REF, "mail.bounced"), ==, 1);
	g_assert_cmpuint(h_audit_count(h, H_REF, "mail.delayed"), ==, 0);
}

/* Two final reports for one mail (two servers, or a copy): one task, one mail to admin. */
static void test_failed_twice_one_task(void)
{
	g_autoptr(Harness) h = h_new(NULL);
	h_story_setup(h);
	g_autofree char *before = h_dump(h, NULL);
	deliver_report(h, "failed", "dsn-failed");
	poll_report(h, "2026-11-24T13:45");
	deliver_report(h, "failed-after-retrying", "dsn-failed-again");
	poll_report(h, "2026-11-28T09:35");
	g_autofree char *after = h_dump(h, NULL);
	g_assert_cmpuint(task_rows(before, after), ==, 1);
	g_assert_cmpuint(h_count_mail(h, "delivery_failed", ADMIN), ==, 1);
	g_autofree char *state = list_state(h, NULL);
	g_assert_cmpstr(state, ==, "failed");
}

/* delivered, relayed, expanded: the mail went; nothing changes and nobody is told. */
static void test_success_reports_change_nothing(gconstpointer data)
{
	const char *fixture = data;
	g_autoptr(Harness) h = h_new(NULL);
	h_story_setup(h);
	g_autofree char *cases = h_dump(h, report_tables);
	g_autoptr(GPtrArray) sent = h_outgoing(h);
	deliver_report(h, fixture, "dsn-ok");
	poll_report(h, "2026-11-24T13:45");
	assert_nothing_changed(h, cases, sent->len);
	g_autofree char *state = list_state(h, NULL);
	g_assert_cmpstr(state, ==, "sent");
	g_assert_cmpuint(h_audit_count(h, H_REF, "mail.bounced"), ==, 0);
	g_assert_cmpuint(h_audit_count(h, H_REF, "mail.delayed"), ==, 0);
	/* The message itself is handled, as a delivery report, not left in triage. */
	g_autofree char *all = h_dump(h, NULL);
	g_assert_nonnull(strstr(all, "|class=bounce|"));
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/delivery/delayed/recorded-not-failed", test_delayed_is_recorded_not_failed);
	g_test_add_func("/delivery/delayed/then-failed-fails-once", test_delayed_then_failed_fails_once);
	g_test_add_data_func("/delivery/failed/marks-the-mail-failed", "failed",
	                     test_failed_marks_the_mail_failed);
	g_test_add_data_func("/delivery/failed/after-retrying-4.4.7-marks-failed",
	                     "failed-after-retrying", test_failed_marks_the_mail_failed);
	g_test_add_func("/delivery/failed/twice-one-task", test_failed_twice_one_task);
	static const char *const ok[] = { "delivered", "relayed", "expanded" };
	for (guint i = 0; i < G_N_ELEMENTS(ok); i++) {
		g_autofree char *name = g_strdup_printf("/delivery/%s/changes-nothing", ok[i]);
		g_test_add_data_func(name, ok[i], test_success_reports_change_nothing);
	}
	return g_test_run();
}
