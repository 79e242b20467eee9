/* calendar: working days for a UK nation, from a shipped bank-holiday file.
 *
 * The data file (rules/bank-holidays.txt) lists each nation's bank holidays with the source
 * and a version line; ch_calendar_load() reads it for one nation and fails with CH_ERROR_CONFIG
 * naming the file, line and problem when it is malformed or the nation is unknown. Local
 * closures (a council's own closed days) are added with ch_calendar_add_closure().
 *
 * Dates are civil dates in Europe/London. Working days step by date, never by 86,400 s, so
 * clock changes cannot move a deadline. The calendar is immutable after loading apart from
 * closures, and owns nothing the caller passes in.
 */
#pragma once
#include <glib.h>

typedef struct ChCalendar ChCalendar;

typedef enum {
	CH_UNIT_WORKING_DAYS,
	CH_UNIT_HOURS,
	CH_UNIT_WEEKS,   /* calendar weeks */
} ChUnit;

/* nation: "england-and-wales", "scotland" or "northern-ireland" */
ChCalendar *ch_calendar_load(const char *path, const char *nation, GError **error);
void ch_calendar_free(ChCalendar *cal);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(ChCalendar, ch_calendar_free)

/* e.g. "uk-bank-holidays 2026.1 england-and-wales": stored beside every deadline */
const char *ch_calendar_version(const ChCalendar *cal);
const char *ch_calendar_nation(const ChCalendar *cal);
/* first and last year the data covers; dates outside count weekends only, and say so */
void ch_calendar_range(const ChCalendar *cal, int *first_year, int *last_year);

void ch_calendar_add_closure(ChCalendar *cal, const GDate *day);
gboolean ch_calendar_is_holiday(const ChCalendar *cal, const GDate *day);
gboolean ch_calendar_is_working_day(const ChCalendar *cal, const GDate *day);

/* The n-th working day after `from` (from itself never counts; n = 0 gives `from` if it is a
 * working day, else the next working day). */
void ch_calendar_add_working_days(const ChCalendar *cal, const GDate *from, guint n, GDate *out);

/* Working days strictly after `a` up to and including `b` (0 when b <= a). */
int ch_calendar_working_days_between(const ChCalendar *cal, const GDate *a, const GDate *b);

/* A deadline from an instant: for working days and weeks the result is the local civil date
 * the obligation is due on (the deadline is the end of that day); for hours it is the instant
 * `start` + n hours (elapsed time, correct across clock changes), with *due_date set to its
 * local date. `start` may carry any offset; it is read in Europe/London. Returns the due
 * instant: end of day (23:59:59 local) for day units, the exact instant for hours. */
GDateTime *ch_calendar_deadline(const ChCalendar *cal, GDateTime *start, ChUnit unit, guint n,
                                GDate *due_date);
