/* record: the case record of one conference, for the child's file.
 *
 * Everything chaser holds about that conference and nothing about any other: who was on
 * the distribution list, then in time order each message in (with the SHA-256 of its raw
 * bytes), each thing it caused (commands understood, state changes, deadlines with the
 * calendar they were counted with), each message out (with the SHA-256 of the bytes sent),
 * each chaser, and the tasks opened for admin; then each escalation and its outcome. For a
 * conference under the Cwm Taf procedure the record ends with the conference chair's
 * resolution form filled in from the store; what chaser does not hold (the child's name,
 * date of birth, address and legal status) is marked to be filled in from the case file.
 *
 * Read only. Times are shown in Europe/London with their offset. A conference that does
 * not exist is CH_ERROR_USAGE naming it.
 */
#pragma once
#include <glib.h>
#include "app/app.h"

typedef enum {
	CH_RECORD_TEXT,
	CH_RECORD_HTML,
} ChRecordFormat;

char *ch_record_build(ChApp *app, const char *ref, ChRecordFormat format, GError **error);
/* The Cwm Taf conference chair resolution form alone, as text, for a mail. */
char *ch_record_form(ChApp *app, const char *ref, GError **error);
/* What happened to the escalation of list line `line`, stage by stage (each stage as it
 * was entered, reminders, and each answer with who and when under its stage), as text
 * lines for a mail. */
char *ch_record_history(ChApp *app, const char *ref, int line, GError **error);
