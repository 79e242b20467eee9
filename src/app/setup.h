/* setup: the checks a new conference and its distribution list go through, whoever sets
 * them up: `chaser conference add` and `list import` (cli/cmd_setup.c) and admin's mail to
 * the shared mailbox (app/adminmail.c). Written once so that the two ways in can never
 * disagree on what is right.
 *
 * Every check collects its problems rather than stopping at the first: the command line
 * shows the first, a mail answer shows them all. A problem names its place (an option, a
 * labelled line of a mail, a row of a list). The store is read (agencies, existing
 * conferences) and written only by ch_setup_conference_create() and ch_setup_list_store(),
 * inside the caller's transaction. Returned arrays and strings are the caller's.
 */
#pragma once
#include <glib.h>
#include "app/app.h"
#include "engine/case.h"

typedef enum {
	CH_SETUP_REF,
	CH_SETUP_HELD,
	CH_SETUP_TYPE,
	CH_SETUP_CHAIR,
	CH_SETUP_CHAIR_NAME,
	CH_SETUP_SOCIAL_WORKER,
	CH_SETUP_PRACTICE_MANAGER,
	CH_SETUP_MINUTE_TAKER,
	CH_SETUP_PROCEDURE,
	CH_SETUP_N
} ChSetupField;

/* A conference as written: each field's text (NULL when not given) and, for a mail, the
 * line of the body it was on (0: not on a line). `cli` names fields as options
 * ("--held"), else as a mail's labels ("held"). `form` (the console's form, which shows
 * each problem beside its field): a problem's where is its field + 1 and its text only what
 * is wrong ("must be an email address"), for the page to put after the field's label. */
typedef struct {
	const char *value[CH_SETUP_N];
	guint line[CH_SETUP_N];
	gboolean cli;
	gboolean form;
} ChSetupConf;

/* One problem: where (a line or row number, 0 for none) and what. */
typedef struct {
	guint where;
	char *text;
} ChSetupProblem;

/* An array for ChSetupProblem*, and one added. */
GPtrArray *ch_setup_problems_new(void);
void ch_setup_problem(GPtrArray *problems, guint where, const char *fmt, ...) G_GNUC_PRINTF(3, 4);

/* A mail's label for a field ("social worker"), and the option for it ("--social-worker"). */
const char *ch_setup_label(ChSetupField f);
const char *ch_setup_option(ChSetupField f);

/* The conference the fields describe, checked (reference, date and time, addresses, type),
 * or NULL with the problems added. The procedure is left as written (NULL: the default),
 * checked by ch_setup_conference_rules(). */
ChCase *ch_setup_conference_check(const ChSetupConf *in, GPtrArray *problems);
/* The rules the case follows (its procedure, else the config's), the people their stages
 * ask named in the config: the rules, with c->procedure set, or NULL with *error. */
const ChRules *ch_setup_conference_rules(ChApp *app, ChCase *c, GError **error);
/* Adds the conference (state held, its list's clock started) with its audit line. */
gboolean ch_setup_conference_create(ChApp *app, ChCase *c, const ChRules *rules,
                                    GDateTime *now, const char *source, GError **error);

/* One professional on a list, checked. */
typedef struct {
	guint where;       /* its row or line, for problems */
	char *label;       /* where it is, in words ("row 3 of list.xlsx"), or NULL: then a
	                      problem is named by `where` alone */
	char *name;
	char *email;       /* normalised */
	char *agency;
	ChAttendance attendance;
	ChAttReport report;
} ChSetupRow;

/* An array for ChSetupRow*. */
GPtrArray *ch_setup_rows_new(void);

/* Why one professional's fields are wrong, or NULL (att_r and rep_r set). */
const char *ch_setup_attendee_check(const char *name, const char *email, const char *agency,
                                    const char *attendance, const char *report,
                                    ChAttendance *att_r, ChAttReport *rep_r);
/* The fields of one CSV record (RFC 4180 quoting), or NULL when a quote is left open. */
GPtrArray *ch_setup_csv_fields(const char *line);
/* One record of a list (its cells, as CSV or a spreadsheet gives them) at `where`: added to
 * rows when right, else a problem. A header row (first cell "name") is skipped when
 * `may_be_header`. */
void ch_setup_list_record(GPtrArray *cells, guint where, gboolean may_be_header,
                          GPtrArray *rows, GPtrArray *problems);
/* Every record of a CSV text, numbered by line from 1. */
void ch_setup_list_csv(const char *text, GPtrArray *rows, GPtrArray *problems);
/* Each row's agency is one the store knows; each unknown one a problem. */
gboolean ch_setup_list_agencies(ChApp *app, GPtrArray *rows, GPtrArray *problems,
                                GError **error);
/* A list file is read whole into memory: bigger than this is not a list. */
#define CH_SETUP_LIST_MAX_BYTES (4u << 20)

/* Every record of a list file, CSV (UTF-8, Excel's byte-order mark allowed) or xlsx
 * (message/xlsx_read.h), into rows, each problem at its row (numbered as the file's lines or
 * the sheet's rows). FALSE with *why_r (the caller's) when the file cannot be read as a list
 * at all: then nothing was added. */
gboolean ch_setup_list_file(const guint8 *data, gsize len, gboolean xlsx, GPtrArray *rows,
                            GPtrArray *problems, char **why_r);
/* The rows added to c's list in order (after any it has), in the store, with the
 * list.imported audit line; c's attendees are not reloaded. */
gboolean ch_setup_list_store(ChApp *app, ChCase *c, GPtrArray *rows, const char *now_s,
                             const char *source, GError **error);
/* Sends c's list to the chair for authorisation, as `chaser list send` does: the engine's
 * event SOURCE:list-send:REF, its effects applied and audited with `source`, inside the
 * caller's transaction. The mail goes with the next flush of the outbox. */
gboolean ch_setup_list_send(ChApp *app, ChCase *c, GDateTime *now, const char *source,
                            GError **error);
/* Problems sorted by where (a stable sort: the order found within one place). */
void ch_setup_problems_sort(GPtrArray *problems);
