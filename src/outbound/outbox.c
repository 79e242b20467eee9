#include "outbound/outbox.h"

#include <fcntl.h>
#include <string.h>
#include <sys/file.h>
#include <sys/random.h>
#include <unistd.h>

#include "app/effects.h"
#include "app/service.h"
#include "outbound/render.h"
#include "outbound/transport.h"
#include "store/cases.h"
#include "store/outbox.h"
#include "util/clock.h"
#include "util/crashpoint.h"
#include "util/error.h"

/* The mail a stranger can make chaser send: answers to whoever wrote (transcripts, "not
 * understood"), and admin's triage alerts. Each group (of at most two kinds) is limited per
 * address per hour, so a flood of mail in cannot become a flood of mail out. */
static gboolean rate_group(const char *kind, const char **a, const char **b)
{
	if (!strcmp(kind, "transcript") || !strcmp(kind, "not_understood")) {
		*a = "transcript", *b = "not_understood";
		return TRUE;
	}
	if (!strcmp(kind, "triage_alert")) {
		*a = *b = "triage_alert";
		return TRUE;
	}
	return FALSE;
}

static char *nonce(void)
{
	guint8 b[8];
	if (getrandom(b, sizeof b, 0) != sizeof b)
		memset(b, 0, sizeof b);
	return g_strdup_printf("%02x%02x%02x%02x%02x%02x%02x%02x", b[0], b[1], b[2], b[3], b[4],
	                       b[5], b[6], b[7]);
}

/* One intent to one row: de-duplicated, held to the hourly limits, given its token, rendered
 * and built. Long because those steps share the row's state and each may end it (a limit, a
 * refused address) with an audit line instead of a row; the limits' queries are to move into
 * the store with the rest of its SQL, which shortens it. */
static gboolean queue_one(ChApp *app, const ChCase *c, ChIntent *in, const char *in_reply_to,
                          GDateTime *now, const char *source, GError **error)
{
	ChStore *s = app->store;
	g_autofree char *now_s = ch_clock_format(now);
	gboolean queued = FALSE;
	if (!ch_store_outbox_has_event(s, in->event_key, &queued, error))
		return FALSE;
	if (queued)
		return TRUE; /* this event already has its message */
	const char *kind_a = NULL, *kind_b = NULL;
	gboolean group = rate_group(in->template, &kind_a, &kind_b);
	if (!strcmp(in->template, "triage_alert") && g_str_has_prefix(in->event_key, "triage:")) {
		/* Counted per sender of the message in triage, not per admin: a flood from one
		 * address must not hide the alert for somebody else's held reply. What is held
		 * back here is summed up in the triage digest (tick), never lost. */
		g_autoptr(GDateTime) hour_ago = g_date_time_add_hours(now, -1);
		g_autofree char *since = ch_clock_format(hour_ago);
		const char *fp = in->event_key + strlen("triage:");
		gint64 n = 0;
		if (!ch_store_outbox_count_triage_alerts_from(s, since, fp, &n, error))
			return FALSE;
		/* Mail that matched no conference from many addresses at once (spam, a mail loop)
		 * must not spend the mailbox's sending quota either: past three times the limit in
		 * an hour such alerts wait for the digest too. A held message of a conference is
		 * never held back by that overall count. */
		gint64 all = 0;
		if (!c && !ch_store_outbox_count_unmatched_triage_alerts(s, since, &all, error))
			return FALSE;
		if (n >= app->cfg->reply_limit || all >= 3 * (gint64)app->cfg->reply_limit)
			return ch_store_audit(s, now_s, c ? c->id : 0, source,
			                      ch_audit_name(CH_AUDIT_MAIL_RATE_LIMITED),
			                      in->template, NULL, NULL,
			                      n >= app->cfg->reply_limit
			                          ? "not sent: too many triage alerts about one sender "
			                            "this hour; in the next triage digest"
			                          : "not sent: too many triage alerts about mail of no "
			                            "conference this hour; in the next triage digest",
			                      error);
		group = FALSE;
	}
	if (group) {
		g_autoptr(GDateTime) hour_ago = g_date_time_add_hours(now, -1);
		g_autofree char *since = ch_clock_format(hour_ago);
		gint64 n = 0;
		if (!ch_store_outbox_count_to(s, in->to, since, kind_a, kind_b, &n, error))
			return FALSE;
		if (n >= app->cfg->reply_limit)
			return ch_store_audit(s, now_s, c ? c->id : 0, source,
			                      ch_audit_name(CH_AUDIT_MAIL_RATE_LIMITED),
			                      in->template, NULL, NULL,
			                      "not sent: too many to one address this hour", error);
	}
	g_autofree char *token = NULL;
	if (in->purpose != CH_PURPOSE_NONE) {
		g_autoptr(GDateTime) exp = g_date_time_add_days(now, app->cfg->token_days);
		g_autofree char *exp_s = ch_clock_format(exp);
		gint64 object = in->esc ? in->esc->id : in->report ? in->report->id : 0;
		if (in->esc || in->report)
			g_return_val_if_fail(object > 0, FALSE);
		gint64 stage = in->esc ? in->esc->stage : 0;
		gint64 token_id = 0;
		if (!ch_store_token_add(s, ch_purpose_name(in->purpose), c->id, object, in->to, exp_s, stage, &token_id,
		                        error))
			return FALSE;
		GDate exp_d;
		ch_clock_local_date(exp, &exp_d);
		token = ch_token_make(app->keys, (guint32)token_id, &exp_d);
	}
	g_autofree char *subject = NULL, *body = NULL;
	if (!ch_render((const char *const *)app->cfg->templates_path, in->template, in->vars, &subject, &body, error))
		return FALSE;
	g_autofree char *n = nonce();
	g_autofree char *msgid = token ? g_strdup_printf("c.%s.%s@%s", token, n, app->domain)
	                               : g_strdup_printf("c.%s@%s", n, app->domain);
	g_autofree char *reply_to = token && app->cfg->plus_addressing
	                                ? g_strdup_printf("%s+%s@%s", app->local_part, token,
	                                                  app->domain)
	                                : NULL;
	ChMail m = {
		.from_name = app->cfg->display_name,
		.from_addr = app->cfg->address,
		.to_name = in->to_name,
		.to_addr = in->to,
		.reply_to = reply_to,
		.subject = subject,
		.message_id = msgid,
		.in_reply_to = in->in_reply ? in_reply_to : NULL,
		.kind = in->template,
		.date = now,
		.body = body,
		.attachments = in->attachments,
	};
	GError *local = NULL;
	g_autoptr(GBytes) wire = ch_mail_build(&m, &local);
	if (!wire && g_error_matches(local, CH_ERROR, CH_ERROR_INPUT)) {
		/* An address from a stranger's mail that cannot be written safely: that one answer
		 * is not sent, the rest of the message's effect stands, and the record says so. */
		gboolean ok = ch_store_audit(s, now_s, c ? c->id : 0, source,
		                             ch_audit_name(CH_AUDIT_MAIL_REFUSED),
		                             in->template, NULL, NULL, local->message, error);
		g_error_free(local);
		return ok;
	}
	if (!wire) {
		g_propagate_error(error, local);
		return FALSE;
	}
	g_autofree char *due_key = ch_clock_key(now);
	gint64 row = 0;
	if (!ch_store_outbox_add(s, c ? c->id : (gint64)0, in->template, in->event_key, in->to,
	                         msgid, subject, wire, due_key, now_s, &row, error))
		return FALSE;
	g_autofree char *outbox_id = ch_obj_text(CH_OBJ_NUMBERED(CH_OBJ_OUTBOX, row));
	return ch_store_audit(s, now_s, c ? c->id : 0, source, ch_audit_name(CH_AUDIT_MAIL_QUEUED),
	                      outbox_id, NULL,
	                      in->to, in->template, error);
}

gboolean ch_outbox_queue(ChApp *app, const ChCase *c, ChEffects *fx, const char *in_reply_to,
                         GDateTime *now, const char *source, GError **error)
{
	for (guint i = 0; i < fx->intents->len; i++)
		if (!queue_one(app, c, fx->intents->pdata[i], in_reply_to, now, source, error))
			return FALSE;
		else
			ch_crashpoint("outbox.queued-one");
	return TRUE;
}

/* ---- flush ------------------------------------------------------------------------------ */

typedef ChStoreOutboxRow Row;

/* The engine decides what a mail that did not arrive changes (engine/bounces.c); here the
 * facts are read and its effects applied, in the caller's transaction. */
static gboolean not_delivered(ChApp *app, ChBounce *b, gboolean refused, GDateTime *now,
                              const char *source, GError **error)
{
	g_autoptr(ChCase) c = NULL;
	if (b->conference_id && !(c = ch_store_case_load_id(app->store, b->conference_id, error)))
		return FALSE;
	b->c = c;
	const ChRules *rules = ch_app_rules(app, c ? c->procedure : NULL, NULL);
	ChEngineCtx ctx;
	ch_app_engine_ctx(app, rules ? rules : ch_app_rules(app, NULL, NULL), now, source, &ctx);
	g_autoptr(ChEffects) fx = ch_effects_new();
	if (refused)
		ch_engine_refused(b, &ctx, fx);
	else
		ch_engine_bounce(b, &ctx, fx);
	return ch_effects_apply(app, c, fx, NULL, now, source, error);
}

static gboolean record(ChApp *app, const Row *r, ChSendResult res, const char *reply,
                       GDateTime *now, ChFlushCounts *counts, GError **error)
{
	ChStore *s = app->store;
	g_autofree char *now_s = ch_clock_format(now);
	g_autofree char *obj = ch_obj_text(CH_OBJ_NUMBERED(CH_OBJ_OUTBOX, r->id));
	int attempts = r->attempts + 1;
	if (!ch_store_begin(s, error))
		return FALSE;
	gboolean ok = TRUE;
	if (res == CH_SEND_TEMPORARY) {
		g_autoptr(GDateTime) created = ch_clock_parse(r->created_at);
		gboolean too_long = created && g_date_time_difference(now, created) > 2 * G_TIME_SPAN_DAY;
		if (too_long)
			res = CH_SEND_PERMANENT;
	}
	switch (res) {
	case CH_SEND_OK:
		ok = ch_store_outbox_mark_sent(s, r->id, now_s, attempts, error) &&
		     ch_store_audit(s, now_s, r->conference_id, "flush",
		                    ch_audit_name(CH_AUDIT_MAIL_SENT), obj, ch_out_state_name(CH_OUT_QUEUED),
		                    ch_out_state_name(CH_OUT_SENT), r->rcpt, error);
		counts->sent++;
		break;
	case CH_SEND_TEMPORARY:
	case CH_SEND_CONFIG: {
		/* Capped exponential backoff: 1, 2, 4 ... minutes, never more than an hour. */
		gint64 wait = MIN(60 << MIN(attempts - 1, 10), 3600);
		g_autoptr(GDateTime) next = g_date_time_add_seconds(now, wait);
		g_autofree char *next_s = ch_clock_key(next);
		ok = ch_store_outbox_mark_retrying(s, r->id, attempts, next_s, reply, error);
		counts->retrying++;
		break;
	}
	case CH_SEND_PERMANENT: {
		ChBounce b = { .outbox_id = r->id, .conference_id = r->conference_id, .kind = r->kind,
		               .rcpt = r->rcpt, .state = CH_OUT_QUEUED, .why = reply,
		               .attempts = attempts };
		ok = not_delivered(app, &b, TRUE, now, "flush", error);
		counts->failed++;
		break;
	}
	}
	ch_crashpoint("flush.before-record");
	if (!ok || !ch_store_commit(s, error)) {
		ch_store_rollback(s);
		return FALSE;
	}
	ch_crashpoint("flush.after-record");
	return TRUE;
}

/* Only one flush at a time sends: the rows due are read, then sent one by one, each marked
 * sent only after its SMTP answer, so two flushes at once (`chaser run`, `chaser flush` by
 * hand, the console mailing a sign-in link) would both read a row and both send it. The
 * second one leaves it to the first: what it would have sent the first sends, or the next
 * flush, seconds later. -1 when another chaser holds the lock. */
static int flush_lock(ChApp *app)
{
	g_autofree char *path = g_build_filename(app->cfg->spool, "outbox.lock", NULL);
	int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd >= 0 && flock(fd, LOCK_EX | LOCK_NB) < 0) {
		close(fd);
		return -1;
	}
	/* A lock file that cannot be made is no reason to hold mail back. */
	return fd < 0 ? -2 : fd;
}

static gboolean flush_locked(ChApp *app, GDateTime *now, ChFlushCounts *counts, GError **error)
{
	ChStore *s = app->store;
	g_autofree char *now_s = ch_clock_key(now);
	g_autoptr(GPtrArray) rows = ch_store_outbox_due(s, now_s, error);
	if (!rows)
		return FALSE;
	/* Opened only when there is something to send: an idle loop makes no connection. */
	g_autoptr(ChTransport) transport = NULL;
	if (rows->len && !(transport = ch_transport_open(app->cfg, error)))
		return FALSE;
	gboolean ok = TRUE;
	for (guint i = 0; i < rows->len && ok && !g_atomic_int_get(&app->stop); i++) {
		Row *r = rows->pdata[i];
		g_autofree char *reply = NULL;
		/* Sending many mails is a long step: each one tells the watchdog we are alive. */
		ch_service_alive();
		ChOutMail mail = { .id = r->id, .kind = r->kind, .from = app->cfg->address,
		                   .rcpt = r->rcpt, .wire = r->wire };
		ChSendResult res = ch_transport_send(transport, &mail, &reply);
		ch_crashpoint("flush.after-send");
		/* The row, its conference and its template name; never the recipient. */
		g_autofree char *what = g_strdup_printf("outbox %" G_GINT64_FORMAT " (%s%s%s)", r->id,
		                                        r->ref ? r->ref : "", r->ref ? ", " : "",
		                                        r->kind);
		if (res != CH_SEND_OK)
			ch_service_log(G_LOG_LEVEL_WARNING, r->ref, NULL, r->id, "%s: not sent (%s)", what,
			               res == CH_SEND_TEMPORARY   ? "temporary, will retry"
			               : res == CH_SEND_PERMANENT ? "refused for good"
			                                          : "configuration");
		ok = record(app, r, res, reply, now, counts, error);
		if (ok && res == CH_SEND_OK)
			ch_service_log(G_LOG_LEVEL_INFO, r->ref, NULL, r->id, "%s: sent", what);
		if (ok && res == CH_SEND_CONFIG) {
			/* Authentication or TLS trouble will not fix itself between two messages:
			 * stop sending and say what to fix. */
			g_set_error(error, CH_ERROR, CH_ERROR_CONFIG, "sending stopped: %s",
			            reply ? reply : "the mail server refused our login");
			ok = FALSE;
		}
	}
	return ok;
}

gboolean ch_outbox_flush(ChApp *app, GDateTime *now, ChFlushCounts *counts, GError **error)
{
	int lock = flush_lock(app);
	if (lock == -1) {
		counts->busy = TRUE;
		return TRUE;
	}
	gboolean ok = flush_locked(app, now, counts, error);
	if (lock >= 0)
		close(lock);
	return ok;
}

gboolean ch_outbox_mark_bounced(ChApp *app, const char *message_id, const char *action,
                                const char *why, const char *at, const char *source,
                                gint64 *conference_r, GError **error)
{
	g_autoptr(ChStoreOutboxRow) row = NULL;
	if (!ch_store_outbox_by_message_id(app->store, message_id, &row, error))
		return FALSE;
	if (!row)
		return TRUE;
	if (conference_r)
		*conference_r = row->conference_id;
	/* The schema's CHECK lets a row hold only the four states, so this parse cannot fail. */
	ChOutState state = CH_OUT_SENT;
	if (row->state)
		(void)ch_out_state_parse(row->state, &state);
	ChBounce b = { .outbox_id = row->id, .conference_id = row->conference_id,
	               .kind = row->kind, .rcpt = row->rcpt, .state = state,
	               .action = ch_dsn_action_parse(action), .why = why };
	g_autoptr(GDateTime) now = ch_clock_parse(at);
	return not_delivered(app, &b, FALSE, now, source, error);
}
