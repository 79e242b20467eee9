/* Tests for the working-day calendar (src/timers/calendar.c) and the shipped data file.
 *
 * The expected holidays and deadlines below are written out by hand from GOV.UK's published
 * lists (https://www.gov.uk/bank-holidays) and worked through on a calendar, not computed:
 * a rule in this file that mirrored a rule in the data would only test itself.
 * Run from the repository root, where rules/bank-holidays.txt is found.
 */
#include <glib.h>
#include <glib/gstdio.h>
#include <string.h>

#include "timers/calendar.h"
#include "util/clock.h"
#include "util/error.h"

#define DATA_FILE "rules/bank-holidays.txt"

static ChCalendar *load(const char *nation)
{
	g_autoptr(GError) error = NULL;
	ChCalendar *cal = ch_calendar_load(DATA_FILE, nation, &error);
	g_assert_no_error(error);
	g_assert_nonnull(cal);
	return cal;
}

static GDate date_of(const char *iso)
{
	GDate d;
	g_assert_true(ch_clock_parse_date(iso, &d));
	return d;
}

static const char *short_name(const char *nation)
{
	return strcmp(nation, "england-and-wales") == 0 ? "england" : nation;
}

/* ---- every holiday of every year ----------------------------------------------------- */

typedef struct {
	const char *nation;
	int year;
	const char *days;   /* month-day of each bank holiday, in order */
} YearCase;

/* 2019-2028 as GOV.UK publishes them; 2029-2030 worked out by hand from the usual rules. */
static const YearCase year_cases[] = {
	{ "england-and-wales", 2019, "01-01 04-19 04-22 05-06 05-27 08-26 12-25 12-26" },
	{ "england-and-wales", 2020, "01-01 04-10 04-13 05-08 05-25 08-31 12-25 12-28" },
	{ "england-and-wales", 2021, "01-01 04-02 04-05 05-03 05-31 08-30 12-27 12-28" },
	{ "england-and-wales", 2022,
	  "01-03 04-15 04-18 05-02 06-02 06-03 08-29 09-19 12-26 12-27" },
	{ "england-and-wales", 2023, "01-02 04-07 04-10 05-01 05-08 05-29 08-28 12-25 12-26" },
	{ "england-and-wales", 2024, "01-01 03-29 04-01 05-06 05-27 08-26 12-25 12-26" },
	{ "england-and-wales", 2025, "01-01 04-18 04-21 05-05 05-26 08-25 12-25 12-26" },
	{ "england-and-wales", 2026, "01-01 04-03 04-06 05-04 05-25 08-31 12-25 12-28" },
	{ "england-and-wales", 2027, "01-01 03-26 03-29 05-03 05-31 08-30 12-27 12-28" },
	{ "england-and-wales", 2028, "01-03 04-14 04-17 05-01 05-29 08-28 12-25 12-26" },
	{ "england-and-wales", 2029, "01-01 03-30 04-02 05-07 05-28 08-27 12-25 12-26" },
	{ "england-and-wales", 2030, "01-01 04-19 04-22 05-06 05-27 08-26 12-25 12-26" },

	{ "scotland", 2019, "01-01 01-02 04-19 05-06 05-27 08-05 12-02 12-25 12-26" },
	{ "scotland", 2020, "01-01 01-02 04-10 05-08 05-25 08-03 11-30 12-25 12-28" },
	{ "scotland", 2021, "01-01 01-04 04-02 05-03 05-31 08-02 11-30 12-27 12-28" },
	{ "scotland", 2022,
	  "01-03 01-04 04-15 05-02 06-02 06-03 08-01 09-19 11-30 12-26 12-27" },
	{ "scotland", 2023, "01-02 01-03 04-07 05-01 05-08 05-29 08-07 11-30 12-25 12-26" },
	{ "scotland", 2024, "01-01 01-02 03-29 05-06 05-27 08-05 12-02 12-25 12-26" },
	{ "scotland", 2025, "01-01 01-02 04-18 05-05 05-26 08-04 12-01 12-25 12-26" },
	{ "scotland", 2026, "01-01 01-02 04-03 05-04 05-25 06-15 08-03 11-30 12-25 12-28" },
	{ "scotland", 2027, "01-01 01-04 03-26 05-03 05-31 08-02 11-30 12-27 12-28" },
	{ "scotland", 2028, "01-03 01-04 04-14 05-01 05-29 08-07 11-30 12-25 12-26" },
	{ "scotland", 2029, "01-01 01-02 03-30 05-07 05-28 08-06 11-30 12-25 12-26" },
	{ "scotland", 2030, "01-01 01-02 04-19 05-06 05-27 08-05 12-02 12-25 12-26" },

	{ "northern-ireland", 2019, "01-01 03-18 04-19 04-22 05-06 05-27 07-12 08-26 12-25 12-26" },
	{ "northern-ireland", 2020, "01-01 03-17 04-10 04-13 05-08 05-25 07-13 08-31 12-25 12-28" },
	{ "northern-ireland", 2021, "01-01 03-17 04-02 04-05 05-03 05-31 07-12 08-30 12-27 12-28" },
	{ "northern-ireland", 2022,
	  "01-03 03-17 04-15 04-18 05-02 06-02 06-03 07-12 08-29 09-19 12-26 12-27" },
	{ "northern-ireland", 2023,
	  "01-02 03-17 04-07 04-10 05-01 05-08 05-29 07-12 08-28 12-25 12-26" },
	{ "northern-ireland", 2024, "01-01 03-18 03-29 04-01 05-06 05-27 07-12 08-26 12-25 12-26" },
	{ "northern-ireland", 2025, "01-01 03-17 04-18 04-21 05-05 05-26 07-14 08-25 12-25 12-26" },
	{ "northern-ireland", 2026, "01-01 03-17 04-03 04-06 05-04 05-25 07-13 08-31 12-25 12-28" },
	{ "northern-ireland", 2027, "01-01 03-17 03-26 03-29 05-03 05-31 07-12 08-30 12-27 12-28" },
	{ "northern-ireland", 2028, "01-03 03-17 04-14 04-17 05-01 05-29 07-12 08-28 12-25 12-26" },
	{ "northern-ireland", 2029, "01-01 03-19 03-30 04-02 05-07 05-28 07-12 08-27 12-25 12-26" },
	{ "northern-ireland", 2030, "01-01 03-18 04-19 04-22 05-06 05-27 07-12 08-26 12-25 12-26" },
};

static void test_holidays_of_year(gconstpointer data)
{
	const YearCase *c = data;
	g_autoptr(ChCalendar) cal = load(c->nation);
	g_autoptr(GString) found = g_string_new(NULL);
	GDate day;
	g_date_clear(&day, 1);
	g_date_set_dmy(&day, 1, G_DATE_JANUARY, (GDateYear)c->year);
	while (g_date_get_year(&day) == c->year) {
		if (ch_calendar_is_holiday(cal, &day))
			g_string_append_printf(found, "%s%02d-%02d", found->len ? " " : "",
			                       g_date_get_month(&day), g_date_get_day(&day));
		g_date_add_days(&day, 1);
	}
	g_assert_cmpstr(found->str, ==, c->days);
}

/* ---- "n working days after" across holidays -------------------------------------------- */

typedef struct {
	const char *name;
	const char *nation;
	const char *from;   /* the conference day; the clock reads 10:00 London time */
	guint n;
	const char *due;
} DeadlineCase;

static const DeadlineCase deadline_cases[] = {
	/* Christmas 2026: Fri 25 Dec, Boxing Day Sat 26 -> Mon 28. */
	{ "england/christmas-2026", "england-and-wales", "2026-12-22", 5, "2026-12-31" },
	{ "scotland/christmas-2026", "scotland", "2026-12-22", 5, "2026-12-31" },
	{ "northern-ireland/christmas-2026", "northern-ireland", "2026-12-22", 5, "2026-12-31" },
	/* New Year 2027: Fri 1 Jan; Scotland's 2 January is Sat -> Mon 4 Jan. */
	{ "england/new-year-2027", "england-and-wales", "2026-12-29", 5, "2027-01-06" },
	{ "scotland/new-year-2027", "scotland", "2026-12-29", 5, "2027-01-07" },
	{ "northern-ireland/new-year-2027", "northern-ireland", "2026-12-29", 5, "2027-01-06" },
	/* Christmas 2022 on a Sunday: Mon 26 Boxing Day, Tue 27 substitute; New Year Sun ->
	 * Mon 2 Jan 2023, and Scotland's 2 January -> Tue 3 Jan. */
	{ "england/christmas-2022", "england-and-wales", "2022-12-22", 5, "2023-01-03" },
	{ "scotland/christmas-2022", "scotland", "2022-12-22", 5, "2023-01-04" },
	{ "northern-ireland/christmas-2022", "northern-ireland", "2022-12-22", 5, "2023-01-03" },
	/* Christmas on a Saturday: Mon 27 and Tue 28 are the substitutes. */
	{ "england/christmas-2021", "england-and-wales", "2021-12-22", 5, "2021-12-31" },
	{ "england/christmas-2027", "england-and-wales", "2027-12-22", 5, "2027-12-31" },
	{ "scotland/christmas-2027", "scotland", "2027-12-22", 5, "2027-12-31" },
	/* ... and New Year 2028 on a Saturday: Mon 3 Jan, and Tue 4 Jan in Scotland. */
	{ "england/new-year-2028", "england-and-wales", "2027-12-22", 6, "2028-01-04" },
	{ "scotland/new-year-2028", "scotland", "2027-12-22", 6, "2028-01-05" },
	/* VE Day 2020: Mon 4 May was a working day, Fri 8 May was not. */
	{ "england/ve-day-2020", "england-and-wales", "2020-05-01", 5, "2020-05-11" },
	{ "scotland/ve-day-2020", "scotland", "2020-05-01", 5, "2020-05-11" },
	{ "northern-ireland/ve-day-2020", "northern-ireland", "2020-05-01", 5, "2020-05-11" },
	{ "england/ve-day-2020-from-4-may", "england-and-wales", "2020-05-04", 5, "2020-05-12" },
	/* Platinum Jubilee: Mon 30 May 2022 worked, Thu 2 and Fri 3 June off. */
	{ "england/jubilee-2022", "england-and-wales", "2022-05-26", 5, "2022-06-06" },
	{ "scotland/jubilee-2022", "scotland", "2022-05-26", 5, "2022-06-06" },
	{ "northern-ireland/jubilee-2022", "northern-ireland", "2022-05-26", 5, "2022-06-06" },
	/* State Funeral, Mon 19 September 2022. */
	{ "england/state-funeral-2022", "england-and-wales", "2022-09-14", 5, "2022-09-22" },
	{ "scotland/state-funeral-2022", "scotland", "2022-09-14", 5, "2022-09-22" },
	{ "northern-ireland/state-funeral-2022", "northern-ireland", "2022-09-14", 5,
	  "2022-09-22" },
	/* Coronation, Mon 8 May 2023, a week after the early May holiday. */
	{ "england/coronation-2023", "england-and-wales", "2023-04-28", 5, "2023-05-09" },
	{ "scotland/coronation-2023", "scotland", "2023-04-28", 5, "2023-05-09" },
	{ "northern-ireland/coronation-2023", "northern-ireland", "2023-04-28", 5, "2023-05-09" },
	/* Easter 2026: Good Friday 3 April everywhere, Easter Monday not in Scotland. */
	{ "england/easter-2026", "england-and-wales", "2026-04-02", 5, "2026-04-13" },
	{ "scotland/easter-2026", "scotland", "2026-04-02", 5, "2026-04-10" },
	{ "northern-ireland/easter-2026", "northern-ireland", "2026-04-02", 5, "2026-04-13" },
	/* Scotland's World Cup holiday, Mon 15 June 2026. */
	{ "scotland/world-cup-2026", "scotland", "2026-06-10", 5, "2026-06-18" },
	{ "england/world-cup-2026", "england-and-wales", "2026-06-10", 5, "2026-06-17" },
	/* Battle of the Boyne: Sun 12 July 2026 -> Mon 13. */
	{ "northern-ireland/boyne-2026", "northern-ireland", "2026-07-09", 5, "2026-07-17" },
	{ "england/boyne-2026", "england-and-wales", "2026-07-09", 5, "2026-07-16" },
	/* St Patrick's Day: Sun 17 March 2024 -> Mon 18. */
	{ "northern-ireland/st-patrick-2024", "northern-ireland", "2024-03-14", 5, "2024-03-22" },
	{ "england/st-patrick-2024", "england-and-wales", "2024-03-14", 5, "2024-03-21" },
	/* St Andrew's Day: Sun 30 November 2025 -> Mon 1 December. */
	{ "scotland/st-andrew-2025", "scotland", "2025-11-27", 5, "2025-12-05" },
	{ "england/st-andrew-2025", "england-and-wales", "2025-11-27", 5, "2025-12-04" },
	/* Summer: first Monday of August in Scotland, last Monday elsewhere. */
	{ "scotland/summer-2026", "scotland", "2026-07-30", 5, "2026-08-07" },
	{ "england/early-august-2026", "england-and-wales", "2026-07-30", 5, "2026-08-06" },
	{ "england/summer-2026", "england-and-wales", "2026-08-27", 5, "2026-09-04" },
	{ "scotland/late-august-2026", "scotland", "2026-08-27", 5, "2026-09-03" },
	/* From a holiday or a weekend, and n = 0. */
	{ "england/from-christmas-day", "england-and-wales", "2026-12-25", 1, "2026-12-29" },
	{ "england/zero-from-weekend", "england-and-wales", "2026-12-26", 0, "2026-12-29" },
	{ "england/zero-from-working-day", "england-and-wales", "2026-12-23", 0, "2026-12-23" },
	/* Past the data (2030): weekends only, so Christmas 2031 counts as working. */
	{ "england/beyond-data-2031", "england-and-wales", "2031-12-24", 2, "2031-12-26" },
};

static void test_deadline(gconstpointer data)
{
	const DeadlineCase *c = data;
	g_autoptr(ChCalendar) cal = load(c->nation);
	GDate from = date_of(c->from);

	GDate due;
	ch_calendar_add_working_days(cal, &from, c->n, &due);
	g_autofree char *due_s = ch_date_format(&due);
	g_assert_cmpstr(due_s, ==, c->due);

	g_autoptr(GDateTime) start =
		g_date_time_new(ch_clock_zone(), g_date_get_year(&from), g_date_get_month(&from),
		                g_date_get_day(&from), 10, 0, 0);
	GDate due2;
	g_autoptr(GDateTime) at = ch_calendar_deadline(cal, start, CH_UNIT_WORKING_DAYS, c->n,
	                                               &due2);
	g_autofree char *due2_s = ch_date_format(&due2);
	g_assert_cmpstr(due2_s, ==, c->due);
	/* The deadline is the end of the due day, London time. */
	g_autofree char *at_s = ch_clock_format(at);
	g_autofree char *end_of_day = g_strdup_printf("%sT23:59:59", c->due);
	g_assert_true(g_str_has_prefix(at_s, end_of_day));
}

/* ---- clock changes --------------------------------------------------------------------- */

typedef struct {
	const char *name;
	const char *start;        /* ISO 8601; without an offset it is London time */
	const char *local_date;   /* the London date counting starts from */
	const char *working_day;  /* 1 working day later */
	const char *week;         /* 1 calendar week later */
	const char *plus_24h;     /* 24 elapsed hours later, London; NULL: start did not exist */
} ClockCase;

static const ClockCase clock_cases[] = {
	/* Sunday 29 March 2026: 01:00 GMT becomes 02:00 BST, so the day has 23 hours. */
	{ "spring-2026-0030", "2026-03-29T00:30:00+00:00", "2026-03-29", "2026-03-30",
	  "2026-04-05", "2026-03-30T01:30:00+01:00" },
	{ "spring-2026-0130", "2026-03-29T01:30:00", "2026-03-29", "2026-03-30", "2026-04-05",
	  NULL },
	{ "spring-2026-0230", "2026-03-29T02:30:00+01:00", "2026-03-29", "2026-03-30",
	  "2026-04-05", "2026-03-30T02:30:00+01:00" },
	{ "spring-2026-eve-0130", "2026-03-28T01:30:00+00:00", "2026-03-28", "2026-03-30",
	  "2026-04-04", "2026-03-29T02:30:00+01:00" },
	/* Sunday 25 October 2026: 02:00 BST becomes 01:00 GMT; 25 hours, 01:30 happens twice. */
	{ "autumn-2026-0030", "2026-10-25T00:30:00+01:00", "2026-10-25", "2026-10-26",
	  "2026-11-01", "2026-10-25T23:30:00+00:00" },
	{ "autumn-2026-0030-as-utc", "2026-10-24T23:30:00Z", "2026-10-25", "2026-10-26",
	  "2026-11-01", "2026-10-25T23:30:00+00:00" },
	{ "autumn-2026-0130-bst", "2026-10-25T01:30:00+01:00", "2026-10-25", "2026-10-26",
	  "2026-11-01", "2026-10-26T00:30:00+00:00" },
	{ "autumn-2026-0130-gmt", "2026-10-25T01:30:00+00:00", "2026-10-25", "2026-10-26",
	  "2026-11-01", "2026-10-26T01:30:00+00:00" },
	{ "autumn-2026-0230", "2026-10-25T02:30:00+00:00", "2026-10-25", "2026-10-26",
	  "2026-11-01", "2026-10-26T02:30:00+00:00" },
	/* Sunday 30 March 2025 and Sunday 26 October 2025. */
	{ "spring-2025-0030", "2025-03-30T00:30:00+00:00", "2025-03-30", "2025-03-31",
	  "2025-04-06", "2025-03-31T01:30:00+01:00" },
	{ "spring-2025-0130", "2025-03-30T01:30:00", "2025-03-30", "2025-03-31", "2025-04-06",
	  NULL },
	{ "spring-2025-0230", "2025-03-30T02:30:00+01:00", "2025-03-30", "2025-03-31",
	  "2025-04-06", "2025-03-31T02:30:00+01:00" },
	{ "autumn-2025-0030", "2025-10-26T00:30:00+01:00", "2025-10-26", "2025-10-27",
	  "2025-11-02", "2025-10-26T23:30:00+00:00" },
	{ "autumn-2025-0130-bst", "2025-10-26T01:30:00+01:00", "2025-10-26", "2025-10-27",
	  "2025-11-02", "2025-10-27T00:30:00+00:00" },
	{ "autumn-2025-0130-gmt", "2025-10-26T01:30:00+00:00", "2025-10-26", "2025-10-27",
	  "2025-11-02", "2025-10-27T01:30:00+00:00" },
	{ "autumn-2025-0230", "2025-10-26T02:30:00+00:00", "2025-10-26", "2025-10-27",
	  "2025-11-02", "2025-10-27T02:30:00+00:00" },
	/* Just after midnight in summer it is already tomorrow in London, not yet in UTC. */
	{ "summer-2026-0030", "2026-06-16T00:30:00+01:00", "2026-06-16", "2026-06-17",
	  "2026-06-23", "2026-06-17T00:30:00+01:00" },
	{ "summer-2026-0030-as-utc", "2026-06-15T23:30:00Z", "2026-06-16", "2026-06-17",
	  "2026-06-23", "2026-06-17T00:30:00+01:00" },
};

static void test_clock_change(gconstpointer data)
{
	const ClockCase *c = data;
	g_autoptr(ChCalendar) cal = load("england-and-wales");
	g_autoptr(GDateTime) start = ch_clock_parse(c->start);
	g_assert_nonnull(start);

	GDate local;
	ch_clock_local_date(start, &local);
	g_autofree char *local_s = ch_date_format(&local);
	g_assert_cmpstr(local_s, ==, c->local_date);

	/* n = 0: the start day itself if it is a working day; all of these are weekends
	 * except the summer ones, so the UTC date would give the wrong answer there. */
	GDate due;
	g_autoptr(GDateTime) d0 = ch_calendar_deadline(cal, start, CH_UNIT_WORKING_DAYS, 0, &due);
	GDate expect0;
	ch_calendar_add_working_days(cal, &local, 0, &expect0);
	g_assert_cmpint(g_date_compare(&due, &expect0), ==, 0);
	g_assert_cmpint(g_date_time_get_hour(d0), ==, 23);

	g_autoptr(GDateTime) d1 = ch_calendar_deadline(cal, start, CH_UNIT_WORKING_DAYS, 1, &due);
	g_autofree char *d1_s = ch_date_format(&due);
	g_assert_cmpstr(d1_s, ==, c->working_day);
	g_autofree char *d1_at = ch_clock_format(d1);
	g_autofree char *d1_end = g_strdup_printf("%sT23:59:59", c->working_day);
	g_assert_true(g_str_has_prefix(d1_at, d1_end));

	g_autoptr(GDateTime) w1 = ch_calendar_deadline(cal, start, CH_UNIT_WEEKS, 1, &due);
	g_autofree char *w1_s = ch_date_format(&due);
	g_assert_cmpstr(w1_s, ==, c->week);
	g_autofree char *w1_at = ch_clock_format(w1);
	g_autofree char *w1_end = g_strdup_printf("%sT23:59:59", c->week);
	g_assert_true(g_str_has_prefix(w1_at, w1_end));

	if (c->plus_24h) {
		g_autoptr(GDateTime) h = ch_calendar_deadline(cal, start, CH_UNIT_HOURS, 24, &due);
		g_autofree char *h_s = ch_clock_format(h);
		g_assert_cmpstr(h_s, ==, c->plus_24h);
		g_autofree char *h_date = ch_date_format(&due);
		g_assert_true(g_str_has_prefix(c->plus_24h, h_date));
		g_assert_cmpint(g_date_time_difference(h, start), ==, 24 * G_TIME_SPAN_HOUR);
	}
}

typedef struct {
	const char *name;
	const char *start;
	guint hours;
	const char *due;
} HoursCase;

static const HoursCase hours_cases[] = {
	/* Friday 17:00 GMT + 72 h crosses the short night: Monday 18:00 BST. */
	{ "spring-2026-weekend", "2026-03-27T17:00:00+00:00", 72, "2026-03-30T18:00:00+01:00" },
	/* Friday 17:00 BST + 72 h crosses the long night: Monday 16:00 GMT. */
	{ "autumn-2026-weekend", "2026-10-23T17:00:00+01:00", 72, "2026-10-26T16:00:00+00:00" },
	{ "zero", "2026-11-23T09:15:00+00:00", 0, "2026-11-23T09:15:00+00:00" },
	{ "across-year", "2026-12-31T20:00:00+00:00", 6, "2027-01-01T02:00:00+00:00" },
};

static void test_hours(gconstpointer data)
{
	const HoursCase *c = data;
	g_autoptr(ChCalendar) cal = load("england-and-wales");
	g_autoptr(GDateTime) start = ch_clock_parse(c->start);
	g_assert_nonnull(start);
	GDate due;
	g_autoptr(GDateTime) at = ch_calendar_deadline(cal, start, CH_UNIT_HOURS, c->hours, &due);
	g_autofree char *at_s = ch_clock_format(at);
	g_assert_cmpstr(at_s, ==, c->due);
	g_autofree char *due_s = ch_date_format(&due);
	g_assert_true(g_str_has_prefix(c->due, due_s));
}

/* ---- counting and local closures ------------------------------------------------------- */

static void test_working_days_between(void)
{
	g_autoptr(ChCalendar) ew = load("england-and-wales");
	g_autoptr(ChCalendar) sc = load("scotland");
	GDate a = date_of("2026-12-22"), b = date_of("2026-12-31");
	g_assert_cmpint(ch_calendar_working_days_between(ew, &a, &b), ==, 5);
	g_assert_cmpint(ch_calendar_working_days_between(ew, &b, &a), ==, 0);
	g_assert_cmpint(ch_calendar_working_days_between(ew, &a, &a), ==, 0);

	/* Fri 18 Dec 2026 to Mon 4 Jan 2027: 21-24, 29-31 Dec and 4 Jan; Scotland loses 4 Jan. */
	GDate c = date_of("2026-12-18"), d = date_of("2027-01-04");
	g_assert_cmpint(ch_calendar_working_days_between(ew, &c, &d), ==, 8);
	g_assert_cmpint(ch_calendar_working_days_between(sc, &c, &d), ==, 7);

	/* Friday to Monday is one working day. */
	GDate e = date_of("2026-12-21");
	g_assert_cmpint(ch_calendar_working_days_between(ew, &c, &e), ==, 1);
}

/* Counting forward and counting between must agree from every day of the data. */
static void test_between_inverts_add(void)
{
	static const char *const nations[] = { "england-and-wales", "scotland",
	                                       "northern-ireland" };
	for (guint i = 0; i < G_N_ELEMENTS(nations); i++) {
		g_autoptr(ChCalendar) cal = load(nations[i]);
		GDate day = date_of("2019-01-01"), end = date_of("2031-01-01");
		for (; g_date_compare(&day, &end) < 0; g_date_add_days(&day, 1)) {
			for (guint n = 1; n <= 12; n += 5) {
				GDate due;
				ch_calendar_add_working_days(cal, &day, n, &due);
				g_assert_true(ch_calendar_is_working_day(cal, &due));
				g_assert_cmpint(ch_calendar_working_days_between(cal, &day, &due), ==,
				                (int)n);
			}
		}
	}
}

static void test_holiday_and_weekend(void)
{
	g_autoptr(ChCalendar) cal = load("england-and-wales");
	GDate boxing_sub = date_of("2026-12-28"), saturday = date_of("2026-12-26"),
	      tuesday = date_of("2026-12-29");
	g_assert_true(ch_calendar_is_holiday(cal, &boxing_sub));
	g_assert_false(ch_calendar_is_working_day(cal, &boxing_sub));
	/* The file lists the day taken, not the weekend date it replaces. */
	g_assert_false(ch_calendar_is_holiday(cal, &saturday));
	g_assert_false(ch_calendar_is_working_day(cal, &saturday));
	g_assert_false(ch_calendar_is_holiday(cal, &tuesday));
	g_assert_true(ch_calendar_is_working_day(cal, &tuesday));
}

static void test_local_closure(void)
{
	g_autoptr(ChCalendar) cal = load("england-and-wales");
	g_autoptr(ChCalendar) other = load("england-and-wales");
	GDate closed = date_of("2026-12-23"), from = date_of("2026-12-22"),
	      to = date_of("2026-12-31"), saturday = date_of("2026-12-19");
	g_assert_true(ch_calendar_is_working_day(cal, &closed));

	ch_calendar_add_closure(cal, &closed);
	ch_calendar_add_closure(cal, &saturday);   /* a weekend closure changes nothing */
	g_assert_false(ch_calendar_is_working_day(cal, &closed));
	g_assert_true(ch_calendar_is_holiday(cal, &closed));
	g_assert_cmpint(ch_calendar_working_days_between(cal, &from, &to), ==, 4);

	/* 22 Dec + 5: 24, 29, 30, 31 Dec, then Fri 1 Jan is New Year, so Mon 4 Jan. */
	GDate due;
	ch_calendar_add_working_days(cal, &from, 5, &due);
	g_autofree char *due_s = ch_date_format(&due);
	g_assert_cmpstr(due_s, ==, "2027-01-04");

	/* A closure belongs to the calendar it was added to. */
	g_assert_true(ch_calendar_is_working_day(other, &closed));
}

/* ---- identity of the data -------------------------------------------------------------- */

static void test_version_and_range(void)
{
	g_autoptr(ChCalendar) ew = load("england-and-wales");
	g_autoptr(ChCalendar) ni = load("northern-ireland");
	g_assert_cmpstr(ch_calendar_version(ew), ==, "uk-bank-holidays 2026.1 england-and-wales");
	g_assert_cmpstr(ch_calendar_version(ni), ==, "uk-bank-holidays 2026.1 northern-ireland");
	g_assert_cmpstr(ch_calendar_nation(ni), ==, "northern-ireland");
	int first = 0, last = 0;
	ch_calendar_range(ew, &first, &last);
	g_assert_cmpint(first, ==, 2019);
	g_assert_cmpint(last, ==, 2030);

	/* Outside the range only weekends count: these Christmases are working days. */
	GDate before = date_of("2018-12-25"), after = date_of("2031-12-25");
	g_assert_true(ch_calendar_is_working_day(ew, &before));
	g_assert_true(ch_calendar_is_working_day(ew, &after));
}

static void test_unknown_nation(void)
{
	static const char *const wrong[] = { "wales", "England-and-Wales", "", "uk" };
	for (guint i = 0; i < G_N_ELEMENTS(wrong); i++) {
		g_autoptr(GError) error = NULL;
		g_autoptr(ChCalendar) cal = ch_calendar_load(DATA_FILE, wrong[i], &error);
		g_assert_null(cal);
		g_assert_error(error, CH_ERROR, CH_ERROR_CONFIG);
		g_autofree char *expect = g_strdup_printf("unknown nation '%s'", wrong[i]);
		g_assert_true(g_str_has_prefix(error->message, expect));
	}
}

static void test_missing_file(void)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(ChCalendar) cal =
		ch_calendar_load("rules/no-such-holidays.txt", "scotland", &error);
	g_assert_null(cal);
	g_assert_error(error, CH_ERROR, CH_ERROR_CONFIG);
	g_assert_true(g_str_has_prefix(error->message, "rules/no-such-holidays.txt: "));
}

/* ---- malformed data files -------------------------------------------------------------- */

#define HEAD "version: t.1\nyears: 2030-2030\nsource: test\ncompiled: 2026-11-23\n"
#define EW "nation: england-and-wales\n"

typedef struct {
	const char *name;
	const char *text;
	guint line;          /* 0: the problem is the file as a whole */
	const char *problem;
} BadFileCase;

static const BadFileCase bad_file_cases[] = {
	{ "not-a-date", HEAD EW "2030-01-01  New Year\n2030-02-30  Bad day\n", 7,
	  "'2030-02-30' is not a date" },
	{ "loose-date", HEAD EW "2030-1-01  New Year\n", 6, "'2030-1-01' is not a date" },
	{ "weekend", HEAD EW "2030-12-28  Saturday\n", 6,
	  "'2030-12-28' is a Saturday: list the weekday the holiday is taken on" },
	{ "out-of-order", HEAD EW "2030-12-25  Christmas\n2030-01-01  New Year\n", 7,
	  "'2030-01-01' comes after '2030-12-25': keep each nation's dates in order" },
	{ "twice", HEAD EW "2030-01-01  New Year\n2030-01-01  New Year\n", 7,
	  "'2030-01-01' is listed twice" },
	{ "no-name", HEAD EW "2030-01-01\n", 6, "'2030-01-01' has no name after it" },
	{ "outside-years", HEAD EW "2031-01-01  New Year\n", 6,
	  "'2031-01-01' is outside the years 2030-2030 this file covers" },
	{ "before-nation", HEAD "2030-01-01  New Year\n", 5,
	  "'2030-01-01' comes before any 'nation:' line" },
	{ "unknown-nation", HEAD "nation: wales\n", 5,
	  "unknown nation 'wales' (use england-and-wales, scotland or northern-ireland)" },
	{ "second-section", HEAD EW "2030-01-01  New Year\n" EW, 7,
	  "a second 'nation: england-and-wales' section" },
	{ "missing-year",
	  "version: t.1\nyears: 2029-2030\nsource: test\ncompiled: 2026-11-23\n"
	  "\n" EW "2030-01-01  New Year\n", 6,
	  "nation 'england-and-wales' lists no holidays for 2029" },
	{ "no-version", "years: 2030-2030\nsource: test\ncompiled: 2026-11-23\n" EW, 4,
	  "'nation:' comes before the 'version:' line" },
	{ "bad-years", "version: t.1\nyears: 2030\n", 2,
	  "'2030' is not a range of years like 2019-2030" },
	{ "header-late", HEAD EW "2030-01-01  New Year\nversion: t.2\n", 7,
	  "'version:' belongs in the header, before the first 'nation:'" },
	{ "unknown-key", HEAD "colour: blue\n", 5, "unknown key 'colour:'" },
	{ "not-a-line", HEAD "hello world\n", 5,
	  "'hello world' is neither a date line nor a 'key: value' line" },
	/* The whole file is checked, not only the nation asked for. */
	{ "other-nation-broken", HEAD EW "2030-01-01  New Year\n# Scotland\nnation: scotland\n"
	  "2030-01-02  2 January\n2030-02-30  Bad day\n", 10, "'2030-02-30' is not a date" },
	{ "empty", "", 0, "no 'version:' line" },
	{ "no-section", HEAD "nation: scotland\n2030-01-01  New Year\n", 0,
	  "no 'nation: england-and-wales' section" },
	{ "binary", "version: t.1\n\xff\xfe\n", 0, "is not UTF-8 text" },
};

typedef struct {
	char *dir;
	char *path;
} TempFile;

static void temp_file_setup(TempFile *t, gconstpointer data)
{
	g_autoptr(GError) error = NULL;
	t->dir = g_dir_make_tmp("chaser-calendar-XXXXXX", &error);
	g_assert_no_error(error);
	t->path = g_build_filename(t->dir, "bank-holidays.txt", NULL);
}

static void temp_file_teardown(TempFile *t, gconstpointer data)
{
	g_remove(t->path);
	g_rmdir(t->dir);
	g_free(t->path);
	g_free(t->dir);
}

static void test_bad_file(TempFile *t, gconstpointer data)
{
	const BadFileCase *c = data;
	g_autoptr(GError) error = NULL;
	g_assert_true(g_file_set_contents(t->path, c->text, -1, &error));
	g_assert_no_error(error);

	g_autoptr(ChCalendar) cal = ch_calendar_load(t->path, "england-and-wales", &error);
	g_assert_null(cal);
	g_assert_error(error, CH_ERROR, CH_ERROR_CONFIG);
	g_autofree char *expect = c->line
		? g_strdup_printf("%s:%u: %s", t->path, c->line, c->problem)
		: g_strdup_printf("%s: %s", t->path, c->problem);
	g_assert_cmpstr(error->message, ==, expect);
}

/* Windows line ends, tabs, trailing comments and blank lines are all fine. */
static void test_small_file_loads(TempFile *t, gconstpointer data)
{
	static const char text[] =
		"# a test calendar\r\n"
		"version: t.2\r\nyears: 2030-2030\r\nsource: test\r\ncompiled: 2026-11-23\r\n"
		"\r\n"
		"nation: scotland   # only one\r\n"
		"2030-01-01\tNew Year's Day\r\n"
		"2030-12-02  St Andrew's Day (substitute day)   # 30 Nov is a Saturday\r\n";
	g_autoptr(GError) error = NULL;
	g_assert_true(g_file_set_contents(t->path, text, -1, &error));
	g_autoptr(ChCalendar) cal = ch_calendar_load(t->path, "scotland", &error);
	g_assert_no_error(error);
	g_assert_cmpstr(ch_calendar_version(cal), ==, "uk-bank-holidays t.2 scotland");
	GDate st_andrew = date_of("2030-12-02"), christmas = date_of("2030-12-25");
	g_assert_true(ch_calendar_is_holiday(cal, &st_andrew));
	g_assert_false(ch_calendar_is_holiday(cal, &christmas));
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);

	for (guint i = 0; i < G_N_ELEMENTS(year_cases); i++) {
		const YearCase *c = &year_cases[i];
		g_autofree char *path = g_strdup_printf("/calendar/%s/holidays-%d",
		                                        short_name(c->nation), c->year);
		g_test_add_data_func(path, c, test_holidays_of_year);
	}
	for (guint i = 0; i < G_N_ELEMENTS(deadline_cases); i++) {
		g_autofree char *path = g_strdup_printf("/calendar/%s", deadline_cases[i].name);
		g_test_add_data_func(path, &deadline_cases[i], test_deadline);
	}
	for (guint i = 0; i < G_N_ELEMENTS(clock_cases); i++) {
		g_autofree char *path = g_strdup_printf("/calendar/clock/%s", clock_cases[i].name);
		g_test_add_data_func(path, &clock_cases[i], test_clock_change);
	}
	for (guint i = 0; i < G_N_ELEMENTS(hours_cases); i++) {
		g_autofree char *path = g_strdup_printf("/calendar/hours/%s", hours_cases[i].name);
		g_test_add_data_func(path, &hours_cases[i], test_hours);
	}
	g_test_add_func("/calendar/working-days-between", test_working_days_between);
	g_test_add_func("/calendar/between-inverts-add", test_between_inverts_add);
	g_test_add_func("/calendar/holiday-and-weekend", test_holiday_and_weekend);
	g_test_add_func("/calendar/local-closure", test_local_closure);
	g_test_add_func("/calendar/version-and-range", test_version_and_range);
	g_test_add_func("/calendar/unknown-nation", test_unknown_nation);
	g_test_add_func("/calendar/missing-file", test_missing_file);
	for (guint i = 0; i < G_N_ELEMENTS(bad_file_cases); i++) {
		g_autofree char *path = g_strdup_printf("/calendar/bad-file/%s",
		                                        bad_file_cases[i].name);
		g_test_add(path, TempFile, &bad_file_cases[i], temp_file_setup, test_bad_file,
		           temp_file_teardown);
	}
	g_test_add("/calendar/small-file-loads", TempFile, NULL, temp_file_setup,
	           test_small_file_loads, temp_file_teardown);
	return g_test_run();
}
