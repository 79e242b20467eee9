#include "store/schema.h"

#include "util/error.h"

/* Times are ISO 8601 text with an offset; dates (deadlines counted in days) are YYYY-MM-DD,
 * the civil date in Europe/London on which the obligation falls due. */
/* The obligations of migration 4: the rows of the view `obligation`, kept as one text so
 * that a later migration that adds a kind recreates the view with every kind before it. */
#define OBLIGATIONS_4 \
	"  SELECT 'list_send' AS kind, c.id AS conference_id, c.ref AS ref, NULL AS line," \
	"    NULL AS agency, 'admin' AS owner, c.due AS due, c.next_at AS next_at" \
	"    FROM conference c WHERE c.state = 'held'" \
	"  UNION ALL SELECT 'list_authorise', c.id, c.ref, NULL, NULL, c.chair_email, c.due," \
	"    c.next_at FROM conference c WHERE c.state = 'list_sent'" \
	"  UNION ALL SELECT 'escalation_answer', e.conference_id, c.ref, a.n, g.name," \
	"    coalesce(nullif(e.asked, ''), 'admin'), e.due, e.next_at" \
	"    FROM escalation e JOIN conference c ON c.id = e.conference_id" \
	"    JOIN attendee a ON a.id = e.attendee_id JOIN agency g ON g.id = a.agency_id" \
	"    WHERE e.state = 'open'" \
	"  UNION ALL SELECT 'escalation_confirm', e.conference_id, c.ref, a.n, g.name," \
	"    c.chair_email, e.confirm_due, e.next_at" \
	"    FROM escalation e JOIN conference c ON c.id = e.conference_id" \
	"    JOIN attendee a ON a.id = e.attendee_id JOIN agency g ON g.id = a.agency_id" \
	"    WHERE e.state = 'responded'" \
	"  UNION ALL SELECT 'report', r.conference_id, c.ref, NULL, g.name, r.asked, r.due," \
	"    r.next_at FROM report r JOIN conference c ON c.id = r.conference_id" \
	"    JOIN agency g ON g.id = r.agency_id WHERE r.state = 'awaited'" \
	"  UNION ALL SELECT 'report_review', r.conference_id, c.ref, NULL, g.name," \
	"    c.chair_email, r.review_due, r.next_at" \
	"    FROM report r JOIN conference c ON c.id = r.conference_id" \
	"    JOIN agency g ON g.id = r.agency_id" \
	"    WHERE r.state = 'received' AND r.reviewed_at IS NULL" \

/* The view of migration 7: that of 4, the immediate-safety alerts of 5 and the high-risk
 * reports of 7; one text so that migration 8 recreates it with its kind added. */
#define OBLIGATIONS_7 OBLIGATIONS_4 \
	"  UNION ALL SELECT 'safety_ack', a.conference_id, c.ref, NULL, NULL, a.asked, a.due," \
	"    a.next_at FROM safety_alert a LEFT JOIN conference c ON c.id = a.conference_id" \
	"    WHERE a.state = 'open'" \
	"  UNION ALL SELECT 'report_high_risk', r.conference_id, c.ref, NULL, g.name," \
	"    c.chair_email, r.high_risk_due, r.high_risk_next_at" \
	"    FROM report r JOIN conference c ON c.id = r.conference_id" \
	"    JOIN agency g ON g.id = r.agency_id" \
	"    WHERE r.high_risk_at IS NOT NULL AND r.addressed_at IS NULL"

static const char *const migrations[] = {
	/* 1: the core loop */
	"CREATE TABLE agency("
	"  id INTEGER PRIMARY KEY,"
	"  name TEXT NOT NULL UNIQUE COLLATE NOCASE,"
	"  slo_email TEXT NOT NULL,"
	"  slo_name TEXT,"
	"  lead_email TEXT) STRICT;"
	"CREATE TABLE agency_domain("
	"  agency_id INTEGER NOT NULL REFERENCES agency(id),"
	"  domain TEXT NOT NULL COLLATE NOCASE,"
	"  PRIMARY KEY(agency_id, domain)) STRICT;"
	"CREATE TABLE conference("
	"  id INTEGER PRIMARY KEY,"
	"  ref TEXT NOT NULL UNIQUE COLLATE NOCASE,"
	"  held TEXT NOT NULL,"
	"  type TEXT NOT NULL CHECK(type IN ('initial','review')),"
	"  procedure TEXT NOT NULL,"
	"  chair_email TEXT NOT NULL,"
	"  chair_name TEXT,"
	"  social_worker TEXT NOT NULL,"
	"  practice_manager TEXT,"
	"  minute_taker TEXT,"
	"  state TEXT NOT NULL CHECK(state IN ('held','list_sent','authorised','closed')),"
	"  list_sent_at TEXT,"
	"  authorised_at TEXT,"
	"  closed_at TEXT,"
	"  high_risk INTEGER NOT NULL DEFAULT 0,"
	"  minutes_due TEXT,"
	"  minutes_not_before TEXT,"
	"  minutes_missing_info INTEGER NOT NULL DEFAULT 0,"
	"  list_reminded_at TEXT,"
	"  next_at TEXT,"
	"  created_at TEXT NOT NULL) STRICT;"
	"CREATE INDEX conference_next ON conference(next_at) WHERE next_at IS NOT NULL;"
	"CREATE TABLE attendee("
	"  id INTEGER PRIMARY KEY,"
	"  conference_id INTEGER NOT NULL REFERENCES conference(id),"
	"  n INTEGER NOT NULL,"
	"  name TEXT NOT NULL,"
	"  email TEXT NOT NULL COLLATE NOCASE,"
	"  agency_id INTEGER NOT NULL REFERENCES agency(id),"
	"  attendance TEXT NOT NULL CHECK(attendance IN ('attended','apologies','absent')),"
	"  report TEXT NOT NULL CHECK(report IN"
	"    ('submitted','awaited','late','missing','none_expected')),"
	"  UNIQUE(conference_id, n)) STRICT;"
	"CREATE TABLE escalation("
	"  id INTEGER PRIMARY KEY,"
	"  conference_id INTEGER NOT NULL REFERENCES conference(id),"
	"  attendee_id INTEGER NOT NULL REFERENCES attendee(id),"
	"  reasons TEXT NOT NULL,"
	"  comment TEXT,"
	"  stage INTEGER NOT NULL,"
	"  state TEXT NOT NULL CHECK(state IN"
	"    ('open','responded','resolved','unresolved','closed')),"
	"  raised_at TEXT NOT NULL,"
	"  stage_at TEXT NOT NULL,"
	"  due TEXT NOT NULL,"
	"  calendar TEXT NOT NULL,"
	"  asked TEXT NOT NULL,"
	"  chased_at TEXT,"
	"  chasers INTEGER NOT NULL DEFAULT 0,"
	"  responded_at TEXT,"
	"  response TEXT,"
	"  outcome TEXT,"
	"  closed_at TEXT,"
	"  next_at TEXT,"
	"  UNIQUE(conference_id, attendee_id)) STRICT;"
	"CREATE INDEX escalation_next ON escalation(next_at) WHERE next_at IS NOT NULL;"
	/* A post-conference report owed by an agency that missed the conference. */
	"CREATE TABLE report("
	"  id INTEGER PRIMARY KEY,"
	"  conference_id INTEGER NOT NULL REFERENCES conference(id),"
	"  agency_id INTEGER NOT NULL REFERENCES agency(id),"
	"  attendee_id INTEGER REFERENCES attendee(id),"
	"  asked TEXT NOT NULL,"
	"  state TEXT NOT NULL CHECK(state IN ('awaited','received','missing')),"
	"  request_by TEXT NOT NULL,"
	"  requested_at TEXT,"
	"  due TEXT NOT NULL,"
	"  calendar TEXT NOT NULL,"
	"  reminded_at TEXT,"
	"  received_at TEXT,"
	"  on_time INTEGER,"
	"  sha256 TEXT,"
	"  file TEXT,"
	"  message INTEGER REFERENCES message(id),"
	"  review_due TEXT,"
	"  reviewed_at TEXT,"
	"  review_reminded_at TEXT,"
	"  missing_at TEXT,"
	"  next_at TEXT,"
	"  UNIQUE(conference_id, agency_id)) STRICT;"
	"CREATE INDEX report_next ON report(next_at) WHERE next_at IS NOT NULL;"
	"CREATE TABLE message("
	"  id INTEGER PRIMARY KEY,"
	"  fingerprint TEXT NOT NULL UNIQUE,"
	"  location TEXT NOT NULL,"
	"  received_at TEXT NOT NULL,"
	"  size INTEGER NOT NULL,"
	"  message_id TEXT,"
	"  from_addr TEXT,"
	"  class TEXT,"
	"  kind TEXT,"
	"  state TEXT NOT NULL CHECK(state IN ('handled','triage','held','quarantine','failing')),"
	"  attempts INTEGER NOT NULL DEFAULT 0,"
	"  conference_id INTEGER REFERENCES conference(id),"
	"  reason TEXT,"
	"  raw_path TEXT) STRICT;"
	"CREATE INDEX message_conference ON message(conference_id);"
	"CREATE TABLE triage("
	"  id INTEGER PRIMARY KEY,"
	"  message INTEGER NOT NULL REFERENCES message(id),"
	"  conference_id INTEGER REFERENCES conference(id),"
	"  reason TEXT NOT NULL,"
	"  state TEXT NOT NULL CHECK(state IN ('open','released','dropped')),"
	"  created_at TEXT NOT NULL,"
	"  decided_at TEXT) STRICT;"
	"CREATE TABLE token("
	"  id INTEGER PRIMARY KEY,"
	"  purpose TEXT NOT NULL,"
	"  conference_id INTEGER NOT NULL REFERENCES conference(id),"
	"  object_id INTEGER,"
	"  recipient TEXT NOT NULL COLLATE NOCASE,"
	"  expires TEXT NOT NULL) STRICT;"
	"CREATE TABLE outbox("
	"  id INTEGER PRIMARY KEY,"
	"  conference_id INTEGER REFERENCES conference(id),"
	"  kind TEXT NOT NULL,"
	"  event_key TEXT NOT NULL UNIQUE,"
	"  rcpt TEXT NOT NULL,"
	"  message_id TEXT NOT NULL UNIQUE,"
	"  subject TEXT NOT NULL,"
	"  wire BLOB NOT NULL,"
	"  state TEXT NOT NULL CHECK(state IN ('queued','retrying','sent','failed')),"
	"  attempts INTEGER NOT NULL DEFAULT 0,"
	"  next_attempt TEXT NOT NULL,"
	"  created_at TEXT NOT NULL,"
	"  sent_at TEXT,"
	"  last_error TEXT) STRICT;"
	"CREATE INDEX outbox_due ON outbox(state, next_attempt);"
	"CREATE INDEX outbox_rcpt ON outbox(rcpt, created_at);"
	"CREATE TABLE task("
	"  id INTEGER PRIMARY KEY,"
	"  conference_id INTEGER REFERENCES conference(id),"
	"  kind TEXT NOT NULL,"
	"  detail TEXT NOT NULL,"
	"  created_at TEXT NOT NULL,"
	"  done_at TEXT) STRICT;"
	"CREATE TABLE mailbox("
	"  name TEXT PRIMARY KEY,"
	"  uidvalidity INTEGER NOT NULL,"
	"  last_uid INTEGER NOT NULL) STRICT;"
	/* The audit log is the record that goes on the child's file: it only grows. */
	"CREATE TABLE audit("
	"  id INTEGER PRIMARY KEY,"
	"  at TEXT NOT NULL,"
	"  conference_id INTEGER,"
	"  source TEXT NOT NULL,"
	"  what TEXT NOT NULL,"
	"  object TEXT,"
	"  old TEXT,"
	"  new TEXT,"
	"  detail TEXT) STRICT;"
	"CREATE INDEX audit_conference ON audit(conference_id, id);"
	"CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit"
	"  BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;"
	/* Retention is the one way out of the audit log: `chaser purge` opens a window (a row
	 * here) inside its own transaction, deletes a closed case's rows, and closes it again. */
	"CREATE TABLE purge_window(reason TEXT NOT NULL) STRICT;"
	"CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit"
	"  WHEN NOT EXISTS (SELECT 1 FROM purge_window)"
	"  BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;",
	/* 2: a token asking about an escalation names the stage it asked at; once the concern
	 * has climbed, the earlier stage's answer no longer decides it. */
	"ALTER TABLE token ADD COLUMN stage INTEGER",
	/* 3: every attachment of a report kept, each with its SHA-256 and its file in
	 * spool/reports (relative to it; kept by content, so two cases sent the same bytes name
	 * one file); the report's own is_report. Rows of a case go with it when it is purged,
	 * and a file once no row names it. */
	"CREATE TABLE attachment("
	"  id INTEGER PRIMARY KEY,"
	"  message INTEGER NOT NULL REFERENCES message(id),"
	"  conference_id INTEGER NOT NULL REFERENCES conference(id),"
	"  report_id INTEGER REFERENCES report(id),"
	"  n INTEGER NOT NULL,"
	"  filename TEXT,"
	"  content_type TEXT NOT NULL,"
	"  size INTEGER NOT NULL,"
	"  sha256 TEXT NOT NULL,"
	"  file TEXT NOT NULL,"
	"  is_report INTEGER NOT NULL) STRICT;"
	"CREATE INDEX attachment_conference ON attachment(conference_id)",
	/* 4: no open obligation without a clock. What each open row owes, who owes it, by when
	 * and when chaser looks at it next is the view `obligation`; the triggers below refuse
	 * to store an open row without its due time or its next time.
	 *
	 * Triggers rather than CHECK constraints: a CHECK needs each table rebuilt (foreign
	 * keys, indexes and the audit log's triggers with it), and the rebuild would fail on the
	 * rows an older chaser left without a clock (a conference whose list awaits the chair, an
	 * escalation whose SLO wrote free text, a report reminded once about its review). Those
	 * rows stay as they are, `chaser reconcile` names them, and an update may touch them
	 * without giving them a clock; no write may make a new one. */
	"ALTER TABLE conference ADD COLUMN due TEXT;"
	"ALTER TABLE escalation ADD COLUMN confirm_due TEXT;"
	"ALTER TABLE escalation ADD COLUMN confirm_reminded_at TEXT;"
	/* A held conference's list was due list_within (24 hours in every shipped rules file)
	 * after it was held; its next time is there already. */
	"UPDATE conference SET due = strftime('%Y-%m-%dT%H:%M:%SZ', held, '+24 hours')"
	"  WHERE state = 'held' AND next_at IS NOT NULL;"
	"CREATE VIEW obligation AS" OBLIGATIONS_4 ";"
#define UNCLOCKED_CONFERENCE(X)                                                               \
	"(" X ".state IN ('held','list_sent') AND (" X ".due IS NULL OR " X ".next_at IS NULL))"
#define UNCLOCKED_ESCALATION(X)                                                               \
	"((" X ".state = 'open' AND (" X ".due IS NULL OR " X ".next_at IS NULL))"                \
	" OR (" X ".state = 'responded' AND (" X ".confirm_due IS NULL OR " X ".next_at IS NULL)))"
#define UNCLOCKED_REPORT(X)                                                                   \
	"((" X ".state = 'awaited' AND " X ".next_at IS NULL)"                                   \
	" OR (" X ".state = 'received' AND " X ".reviewed_at IS NULL"                             \
	"     AND (" X ".review_due IS NULL OR " X ".next_at IS NULL)))"
#define CLOCK_TRIGGERS(T, UNCLOCKED, WHAT)                                                    \
	"CREATE TRIGGER " T "_clock_insert BEFORE INSERT ON " T " WHEN " UNCLOCKED("NEW")         \
	"  BEGIN SELECT RAISE(ABORT, 'an open " WHAT " needs its due time and next time'); END;"  \
	"CREATE TRIGGER " T "_clock_update BEFORE UPDATE ON " T                                   \
	"  WHEN " UNCLOCKED("NEW") " AND NOT " UNCLOCKED("OLD")                                   \
	"  BEGIN SELECT RAISE(ABORT, 'an open " WHAT " needs its due time and next time'); END;"
	CLOCK_TRIGGERS("conference", UNCLOCKED_CONFERENCE, "conference")
	CLOCK_TRIGGERS("escalation", UNCLOCKED_ESCALATION, "escalation")
	CLOCK_TRIGGERS("report", UNCLOCKED_REPORT, "report"),
	/* 5: immediate-safety alerts: one row per message that raised one, open until someone
	 * asked (or, once it went further, told) acknowledges it, with the time the
	 * acknowledgement is due and the timer's next time (the team and service managers told,
	 * then admin reminded each working day). An open alert is an obligation like the rest,
	 * of the people asked; one of no conference has no reference. */
	"CREATE TABLE safety_alert("
	"  id INTEGER PRIMARY KEY,"
	"  key TEXT NOT NULL UNIQUE,"
	"  conference_id INTEGER REFERENCES conference(id),"
	"  message TEXT NOT NULL,"
	"  what TEXT,"
	"  asked TEXT NOT NULL,"
	"  raised_at TEXT NOT NULL,"
	"  due TEXT,"
	"  next_at TEXT,"
	"  state TEXT NOT NULL CHECK(state IN ('open','acknowledged')),"
	"  acknowledged_by TEXT,"
	"  acknowledged_at TEXT,"
	"  escalated_at TEXT,"
	"  told TEXT) STRICT;"
	"CREATE INDEX safety_alert_next ON safety_alert(next_at) WHERE next_at IS NOT NULL;"
	"CREATE INDEX safety_alert_conference ON safety_alert(conference_id);"
	"DROP VIEW obligation;"
	"CREATE VIEW obligation AS" OBLIGATIONS_4
	"  UNION ALL SELECT 'safety_ack', a.conference_id, c.ref, NULL, NULL, a.asked, a.due,"
	"    a.next_at FROM safety_alert a LEFT JOIN conference c ON c.id = a.conference_id"
	"    WHERE a.state = 'open';"
#define UNCLOCKED_SAFETY(X)                                                                   \
	"(" X ".state = 'open' AND (" X ".due IS NULL OR " X ".next_at IS NULL))"
	CLOCK_TRIGGERS("safety_alert", UNCLOCKED_SAFETY, "immediate-safety alert"),
	/* 6: how escalations end. The meeting date the person asked has set, and when they were
	 * asked for its outcome; when the chair was told how the concern ended. A case closes
	 * only once the chair has been told of every ending. Escalations that ended under an
	 * older chaser are taken as told: what it sent is in the audit log, and holding their
	 * cases open with nothing left to chase would keep them open for ever. */
	"ALTER TABLE escalation ADD COLUMN meeting_date TEXT;"
	"ALTER TABLE escalation ADD COLUMN outcome_asked_at TEXT;"
	"ALTER TABLE escalation ADD COLUMN chair_told_at TEXT;"
	"UPDATE escalation SET chair_told_at = coalesce(closed_at, stage_at)"
	"  WHERE state IN ('resolved','unresolved','closed')",
	/* 7: high risk per report. Each report marked high risk owes a decision on who takes it
	 * up with the professional (002: the chair and the social worker, within 24 hours), with
	 * its own due time and next time beside the review's; conference.high_risk still says
	 * that any of its reports is. A conference flagged by an older chaser names no report:
	 * it keeps its flag and owes nothing new. The view is the one of 5 (6 did not change it) and the new kind. */
	"ALTER TABLE report ADD COLUMN high_risk_at TEXT;"
	"ALTER TABLE report ADD COLUMN high_risk_by TEXT;"
	"ALTER TABLE report ADD COLUMN high_risk_due TEXT;"
	"ALTER TABLE report ADD COLUMN high_risk_next_at TEXT;"
	"ALTER TABLE report ADD COLUMN high_risk_reminded_at TEXT;"
	"ALTER TABLE report ADD COLUMN addressed_by TEXT;"
	"ALTER TABLE report ADD COLUMN addressed_at TEXT;"
	"CREATE INDEX report_high_risk_next ON report(high_risk_next_at)"
	"  WHERE high_risk_next_at IS NOT NULL;"
	"DROP VIEW obligation;"
	"CREATE VIEW obligation AS" OBLIGATIONS_7 ";"
#define UNCLOCKED_HIGH_RISK(X)                                                                \
	"(" X ".high_risk_at IS NOT NULL AND " X ".addressed_at IS NULL"                           \
	" AND (" X ".high_risk_due IS NULL OR " X ".high_risk_next_at IS NULL))"
#define CLOCK_TRIGGERS_NAMED(N, T, UNCLOCKED, WHAT)                                           \
	"CREATE TRIGGER " N "_clock_insert BEFORE INSERT ON " T " WHEN " UNCLOCKED("NEW")         \
	"  BEGIN SELECT RAISE(ABORT, 'an open " WHAT " needs its due time and next time'); END;"  \
	"CREATE TRIGGER " N "_clock_update BEFORE UPDATE ON " T                                   \
	"  WHEN " UNCLOCKED("NEW") " AND NOT " UNCLOCKED("OLD")                                   \
	"  BEGIN SELECT RAISE(ABORT, 'an open " WHAT " needs its due time and next time'); END;"
	CLOCK_TRIGGERS_NAMED("report_high_risk", "report", UNCLOCKED_HIGH_RISK,
	                     "high-risk report"),
	/* 8: concerns between agencies (003), raised by a professional: the ladder they climb
	 * (NULL: the conference's own), the raising side's addresses as they were when it was
	 * raised, when each stage began (a stage may be timed from an earlier one), and the way
	 * a stage's choice took. */
	"ALTER TABLE escalation ADD COLUMN procedure TEXT;"
	"ALTER TABLE escalation ADD COLUMN raiser TEXT;"
	"ALTER TABLE escalation ADD COLUMN raiser_agency TEXT;"
	"ALTER TABLE escalation ADD COLUMN raiser_manager TEXT;"
	"ALTER TABLE escalation ADD COLUMN raiser_slo TEXT;"
	"ALTER TABLE escalation ADD COLUMN stage_starts TEXT;"
	"ALTER TABLE escalation ADD COLUMN branch TEXT",
	/* 9: Cwm Taf's outcomes. The Lead Safeguarding Manager's set-aside of the conference
	 * decision (when, who, their words) and the new conference's date admin enters; until
	 * then admin owes that date, chased on the escalation's own timer. The quality assurance
	 * group's named options ("agency reports, multi-agency audit"). */
	"ALTER TABLE escalation ADD COLUMN set_aside_at TEXT;"
	"ALTER TABLE escalation ADD COLUMN set_aside_by TEXT;"
	"ALTER TABLE escalation ADD COLUMN set_aside_words TEXT;"
	"ALTER TABLE escalation ADD COLUMN reconvene_held TEXT;"
	"ALTER TABLE escalation ADD COLUMN options TEXT;"
	"DROP VIEW obligation;"
	"CREATE VIEW obligation AS" OBLIGATIONS_7
	"  UNION ALL SELECT 'reconvene_date', e.conference_id, c.ref, a.n, g.name, 'admin',"
	"    substr(e.set_aside_at, 1, 10), e.next_at"
	"    FROM escalation e JOIN conference c ON c.id = e.conference_id"
	"    JOIN attendee a ON a.id = e.attendee_id JOIN agency g ON g.id = a.agency_id"
	"    WHERE e.set_aside_at IS NOT NULL AND e.reconvene_held IS NULL;",
	/* 10: the web console's sign-in (store/web.h). Links and sessions are kept only as the
	 * SHA-256 of their secret, so a copy of the database signs nobody in; times are Unix
	 * seconds, compared as numbers whatever the offset of the day. A sign-in request keeps
	 * the hash of the address typed, not the address: most are of people who may not sign in. */
	"CREATE TABLE IF NOT EXISTS web_link("
	"  id INTEGER PRIMARY KEY,"
	"  hash TEXT NOT NULL UNIQUE,"
	"  address TEXT NOT NULL,"
	"  created INTEGER NOT NULL,"
	"  expires INTEGER NOT NULL,"
	"  used INTEGER) STRICT;"
	"CREATE TABLE IF NOT EXISTS web_session("
	"  id INTEGER PRIMARY KEY,"
	"  hash TEXT NOT NULL UNIQUE,"
	"  address TEXT NOT NULL,"
	"  may_act INTEGER NOT NULL,"
	"  created INTEGER NOT NULL,"
	"  seen INTEGER NOT NULL,"
	"  expires INTEGER NOT NULL,"
	"  ended INTEGER) STRICT;"
	"CREATE TABLE IF NOT EXISTS web_request("
	"  id INTEGER PRIMARY KEY,"
	"  at INTEGER NOT NULL,"
	"  who TEXT NOT NULL,"
	"  client TEXT NOT NULL) STRICT;"
	"CREATE INDEX IF NOT EXISTS web_request_at ON web_request(at);",
	/* 11: the hourly limits' counts (outbound/outbox.c) read an index, not the outbox: every
	 * message of a sweep asks them, and a scan of the outbox's rows (each with its mail)
	 * made a backlog of n messages cost n squared. */
	"CREATE INDEX IF NOT EXISTS outbox_kind ON outbox(kind, created_at, conference_id);"
	"CREATE INDEX IF NOT EXISTS message_from ON message(from_addr);",
	/* 12: the limits on mail to one address (ch_store_outbox_count_to) read only this index:
	 * with the address's rows alone, each row's kind was read from the table, one page of
	 * mail each, and the team's own address is sent thousands in a backlog. */
	"CREATE INDEX IF NOT EXISTS outbox_rcpt_kind ON outbox(rcpt, kind, created_at);",
};

int ch_schema_latest(void)
{
	return G_N_ELEMENTS(migrations);
}

static int user_version(sqlite3 *db)
{
	sqlite3_stmt *st;
	int v = -1;
	if (sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &st, NULL) == SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	return v;
}

gboolean ch_schema_migrate(sqlite3 *db, GError **error)
{
	int want = ch_schema_latest();
	/* Each step re-reads the version under the write lock: two processes opening a new
	 * database at once must not both apply the same migration. */
	for (;;) {
		if (sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK) {
			g_set_error(error, CH_ERROR, CH_ERROR_TEMPORARY, "database busy: %s",
			            sqlite3_errmsg(db));
			return FALSE;
		}
		int have = user_version(db);
		if (have < 0 || have > want) {
			sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
			g_set_error(error, CH_ERROR, CH_ERROR_CONFIG,
			            "database schema version %d is newer than this chaser knows (%d)", have,
			            want);
			return FALSE;
		}
		if (have == want)
			return sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) == SQLITE_OK;
		g_autofree char *sql = g_strdup_printf("%s; PRAGMA user_version=%d;", migrations[have],
		                                       have + 1);
		char *msg = NULL;
		if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK ||
		    sqlite3_exec(db, "COMMIT", NULL, NULL, &msg) != SQLITE_OK) {
			g_set_error(error, CH_ERROR, CH_ERROR_CONFIG, "database migration %d failed: %s",
			            have + 1, msg ? msg : "unknown error");
			sqlite3_free(msg);
			sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
			return FALSE;
		}
	}
}
