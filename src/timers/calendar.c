/* calendar: working days for one UK nation, read from rules/bank-holidays.txt.
 *
 * The whole file is checked on every load, not only the requested nation's section: a typo
 * in the Scottish dates is a broken data file for an English team too, and it is better
 * found the day the file is changed than the day a Scottish team starts using it.
 *
 * Outside the years the file declares ("years: 2019-2030") there is nothing to look up, so
 * only weekends and local closures stop a day being a working day. The version string does
 * not change for such dates; ch_calendar_range() tells the caller where the data ends, and
 * the caller (the CLI, the deadline code) warns when a deadline runs past it.
 *
 * ch_calendar_is_holiday() is TRUE for the nation's bank holidays and for local closures
 * alike: both are days the office is shut although it is a weekday.
 */
#include "timers/calendar.h"

#include <stdio.h>
#include <string.h>

#include "util/clock.h"
#include "util/error.h"

/* The file is ours and small (about 450 lines); these only stop a wrong path (a log, a
 * binary) from being read into memory whole or line by line. */
#define MAX_FILE_BYTES (256 * 1024)
#define MAX_LINE_CHARS 300
#define MIN_YEAR 1900
#define MAX_YEAR 2200

static const char *const nations[] = { "england-and-wales", "scotland", "northern-ireland" };
#define N_NATIONS G_N_ELEMENTS(nations)

struct ChCalendar {
	char *nation;
	char *version;
	int first_year;
	int last_year;
	GHashTable *holidays;   /* julian day -> the same; the nation's bank holidays */
	GHashTable *closures;   /* julian day -> the same; local closures */
};

static int nation_index(const char *name)
{
	for (guint i = 0; i < N_NATIONS; i++)
		if (g_strcmp0(name, nations[i]) == 0)
			return (int)i;
	return -1;
}

static gpointer day_key(const GDate *day)
{
	return GUINT_TO_POINTER(g_date_get_julian(day));
}

static gboolean is_weekend(const GDate *day)
{
	GDateWeekday wd = g_date_get_weekday(day);
	return wd == G_DATE_SATURDAY || wd == G_DATE_SUNDAY;
}

/* ---- loading --------------------------------------------------------------------------- */

typedef struct {
	const char *path;
	guint lineno;
	int want;                /* index of the requested nation */
	GHashTable *out;         /* the requested nation's days */

	char *version;
	gboolean have_source;
	gboolean have_compiled;
	int first_year;          /* 0 until "years:" */
	int last_year;

	int section;             /* nation being read, -1 before the first "nation:" */
	guint section_line;
	gboolean seen[N_NATIONS];
	GDate last;              /* the section's previous date, invalid at its start */
	gboolean *year_listed;   /* per year of the range, for the current section */
} Parser;

G_GNUC_PRINTF(3, 4)
static gboolean fail_line(Parser *p, GError **error, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	g_autofree char *msg = g_strdup_vprintf(fmt, ap);
	va_end(ap);
	g_set_error(error, CH_ERROR, CH_ERROR_CONFIG, "%s:%u: %s", p->path, p->lineno, msg);
	return FALSE;
}

G_GNUC_PRINTF(3, 4)
static gboolean fail_file(Parser *p, GError **error, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	g_autofree char *msg = g_strdup_vprintf(fmt, ap);
	va_end(ap);
	g_set_error(error, CH_ERROR, CH_ERROR_CONFIG, "%s: %s", p->path, msg);
	return FALSE;
}

/* A section that skips a whole year is almost certainly cut short or mislabelled, and
 * would silently turn that year's holidays into working days. */
static gboolean end_section(Parser *p, GError **error)
{
	if (p->section < 0)
		return TRUE;
	for (int y = p->first_year; y <= p->last_year; y++) {
		if (!p->year_listed[y - p->first_year]) {
			p->lineno = p->section_line;
			return fail_line(p, error, "nation '%s' lists no holidays for %d",
			                 nations[p->section], y);
		}
	}
	return TRUE;
}

static gboolean parse_years(const char *value, int *first, int *last)
{
	int a, b;
	char tail;
	if (sscanf(value, "%d-%d%c", &a, &b, &tail) != 2)
		return FALSE;
	if (a < MIN_YEAR || b > MAX_YEAR || a > b)
		return FALSE;
	*first = a;
	*last = b;
	return TRUE;
}

/* Strictly "YYYY-MM-DD": ch_clock_parse_date() alone lets a sign or a space through. */
static gboolean parse_strict_date(const char *s, GDate *out)
{
	static const char shape[] = "dddd-dd-dd";
	if (strlen(s) != sizeof shape - 1)
		return FALSE;
	for (guint i = 0; shape[i]; i++) {
		if (shape[i] == 'd' ? !g_ascii_isdigit(s[i]) : s[i] != shape[i])
			return FALSE;
	}
	return ch_clock_parse_date(s, out);
}

static gboolean parse_key(Parser *p, char *line, GError **error)
{
	char *colon = strchr(line, ':');
	if (!colon)
		return fail_line(p, error, "'%s' is neither a date line nor a 'key: value' line",
		                 line);
	*colon = '\0';
	const char *key = g_strstrip(line);
	const char *value = g_strstrip(colon + 1);

	if (strcmp(key, "nation") == 0) {
		if (!p->version)
			return fail_line(p, error, "'nation:' comes before the 'version:' line");
		if (!p->first_year)
			return fail_line(p, error, "'nation:' comes before the 'years:' line");
		if (!p->have_source)
			return fail_line(p, error, "'nation:' comes before the 'source:' line");
		if (!p->have_compiled)
			return fail_line(p, error, "'nation:' comes before the 'compiled:' line");
		int n = nation_index(value);
		if (n < 0)
			return fail_line(p, error,
			                 "unknown nation '%s' (use england-and-wales, scotland or "
			                 "northern-ireland)", value);
		if (p->seen[n])
			return fail_line(p, error, "a second 'nation: %s' section", value);
		if (!end_section(p, error))
			return FALSE;
		p->section = n;
		p->section_line = p->lineno;
		p->seen[n] = TRUE;
		g_date_clear(&p->last, 1);
		memset(p->year_listed, 0,
		       sizeof *p->year_listed * (gsize)(p->last_year - p->first_year + 1));
		return TRUE;
	}

	if (p->section >= 0)
		return fail_line(p, error, "'%s:' belongs in the header, before the first 'nation:'",
		                 key);
	if (!*value)
		return fail_line(p, error, "'%s:' has no value", key);

	if (strcmp(key, "version") == 0) {
		if (p->version)
			return fail_line(p, error, "a second 'version:' line");
		for (const char *c = value; *c; c++)
			if (!g_ascii_isgraph(*c))
				return fail_line(p, error, "version '%s' must be one word", value);
		p->version = g_strdup(value);
	} else if (strcmp(key, "years") == 0) {
		if (p->first_year)
			return fail_line(p, error, "a second 'years:' line");
		if (!parse_years(value, &p->first_year, &p->last_year))
			return fail_line(p, error, "'%s' is not a range of years like 2019-2030",
			                 value);
		p->year_listed = g_new0(gboolean, p->last_year - p->first_year + 1);
	} else if (strcmp(key, "source") == 0) {
		if (p->have_source)
			return fail_line(p, error, "a second 'source:' line");
		p->have_source = TRUE;
	} else if (strcmp(key, "compiled") == 0) {
		GDate d;
		if (p->have_compiled)
			return fail_line(p, error, "a second 'compiled:' line");
		if (!parse_strict_date(value, &d))
			return fail_line(p, error, "compiled date '%s' is not a date", value);
		p->have_compiled = TRUE;
	} else {
		return fail_line(p, error, "unknown key '%s:'", key);
	}
	return TRUE;
}

static gboolean parse_date_line(Parser *p, char *line, GError **error)
{
	char *name = line + strcspn(line, " \t");
	if (*name)
		*name++ = '\0';
	name = g_strstrip(name);

	GDate day;
	if (!parse_strict_date(line, &day))
		return fail_line(p, error, "'%s' is not a date", line);
	if (!*name)
		return fail_line(p, error, "'%s' has no name after it", line);
	if (p->section < 0)
		return fail_line(p, error, "'%s' comes before any 'nation:' line", line);

	int year = g_date_get_year(&day);
	if (year < p->first_year || year > p->last_year)
		return fail_line(p, error, "'%s' is outside the years %d-%d this file covers", line,
		                 p->first_year, p->last_year);
	/* The list holds the days offices close; a weekend date means the substitute weekday
	 * was forgotten, which would lose a holiday. */
	if (is_weekend(&day))
		return fail_line(p, error, "'%s' is a %s: list the weekday the holiday is taken on",
		                 line, g_date_get_weekday(&day) == G_DATE_SATURDAY ? "Saturday"
		                                                                   : "Sunday");
	if (g_date_valid(&p->last)) {
		int order = g_date_compare(&day, &p->last);
		if (order == 0)
			return fail_line(p, error, "'%s' is listed twice", line);
		if (order < 0) {
			g_autofree char *prev = ch_date_format(&p->last);
			return fail_line(p, error,
			                 "'%s' comes after '%s': keep each nation's dates in order",
			                 line, prev);
		}
	}

	p->last = day;
	p->year_listed[year - p->first_year] = TRUE;
	if (p->section == p->want)
		g_hash_table_add(p->out, day_key(&day));
	return TRUE;
}

static gboolean parse_line(Parser *p, char *line, GError **error)
{
	char *hash = strchr(line, '#');
	if (hash)
		*hash = '\0';
	line = g_strstrip(line);
	if (!*line)
		return TRUE;
	if (g_ascii_isdigit(*line))
		return parse_date_line(p, line, error);
	return parse_key(p, line, error);
}

static gboolean parse_text(Parser *p, char *text, gsize len, GError **error)
{
	if (len > MAX_FILE_BYTES)
		return fail_file(p, error, "is larger than %d bytes: is this the bank-holiday file?",
		                 MAX_FILE_BYTES);
	if (memchr(text, '\0', len) || !g_utf8_validate(text, (gssize)len, NULL))
		return fail_file(p, error, "is not UTF-8 text");

	char *line = text;
	while (*line) {
		char *end = strchr(line, '\n');
		char *next = end ? end + 1 : line + strlen(line);
		if (end)
			*end = '\0';
		p->lineno++;
		if (g_utf8_strlen(line, -1) > MAX_LINE_CHARS)
			return fail_line(p, error, "line is longer than %d characters", MAX_LINE_CHARS);
		if (!parse_line(p, line, error))
			return FALSE;
		line = next;
	}

	if (!end_section(p, error))
		return FALSE;
	if (!p->version)
		return fail_file(p, error, "no 'version:' line");
	if (!p->seen[p->want])
		return fail_file(p, error, "no 'nation: %s' section", nations[p->want]);
	return TRUE;
}

ChCalendar *ch_calendar_load(const char *path, const char *nation, GError **error)
{
	g_return_val_if_fail(path != NULL, NULL);
	g_return_val_if_fail(error == NULL || *error == NULL, NULL);

	int want = nation_index(nation);
	if (want < 0) {
		g_set_error(error, CH_ERROR, CH_ERROR_CONFIG,
		            "unknown nation '%s' for the bank-holiday calendar (use "
		            "england-and-wales, scotland or northern-ireland)",
		            nation ? nation : "(none)");
		return NULL;
	}

	g_autofree char *text = NULL;
	gsize len = 0;
	g_autoptr(GError) read_error = NULL;
	if (!g_file_get_contents(path, &text, &len, &read_error)) {
		g_set_error(error, CH_ERROR, CH_ERROR_CONFIG, "%s: cannot read the bank-holiday "
		            "file: %s", path, read_error->message);
		return NULL;
	}

	Parser p = { .path = path, .want = want, .section = -1 };
	p.out = g_hash_table_new(g_direct_hash, g_direct_equal);
	g_date_clear(&p.last, 1);
	gboolean ok = parse_text(&p, text, len, error);
	g_free(p.year_listed);
	if (!ok) {
		g_hash_table_unref(p.out);
		g_free(p.version);
		return NULL;
	}

	ChCalendar *cal = g_new0(ChCalendar, 1);
	cal->nation = g_strdup(nations[want]);
	cal->version = g_strdup_printf("uk-bank-holidays %s %s", p.version, cal->nation);
	cal->first_year = p.first_year;
	cal->last_year = p.last_year;
	cal->holidays = p.out;
	cal->closures = g_hash_table_new(g_direct_hash, g_direct_equal);
	g_free(p.version);
	return cal;
}

void ch_calendar_free(ChCalendar *cal)
{
	if (!cal)
		return;
	g_hash_table_unref(cal->holidays);
	g_hash_table_unref(cal->closures);
	g_free(cal->nation);
	g_free(cal->version);
	g_free(cal);
}

/* ---- questions ------------------------------------------------------------------------- */

const char *ch_calendar_version(const ChCalendar *cal)
{
	return cal->version;
}

const char *ch_calendar_nation(const ChCalendar *cal)
{
	return cal->nation;
}

void ch_calendar_range(const ChCalendar *cal, int *first_year, int *last_year)
{
	if (first_year)
		*first_year = cal->first_year;
	if (last_year)
		*last_year = cal->last_year;
}

void ch_calendar_add_closure(ChCalendar *cal, const GDate *day)
{
	g_return_if_fail(g_date_valid(day));
	g_hash_table_add(cal->closures, day_key(day));
}

gboolean ch_calendar_is_holiday(const ChCalendar *cal, const GDate *day)
{
	g_return_val_if_fail(g_date_valid(day), FALSE);
	return g_hash_table_contains(cal->holidays, day_key(day)) ||
	       g_hash_table_contains(cal->closures, day_key(day));
}

gboolean ch_calendar_is_working_day(const ChCalendar *cal, const GDate *day)
{
	g_return_val_if_fail(g_date_valid(day), FALSE);
	return !is_weekend(day) && !ch_calendar_is_holiday(cal, day);
}

/* ---- counting -------------------------------------------------------------------------- */

/* One civil day at a time: GDate has no time of day, so a 23- or 25-hour day is still one
 * step, and the few iterations (a deadline is days or weeks away) cost nothing. */
void ch_calendar_add_working_days(const ChCalendar *cal, const GDate *from, guint n, GDate *out)
{
	g_return_if_fail(g_date_valid(from));
	*out = *from;
	if (n == 0) {
		while (!ch_calendar_is_working_day(cal, out))
			g_date_add_days(out, 1);
		return;
	}
	while (n > 0) {
		g_date_add_days(out, 1);
		if (ch_calendar_is_working_day(cal, out))
			n--;
	}
}

int ch_calendar_working_days_between(const ChCalendar *cal, const GDate *a, const GDate *b)
{
	g_return_val_if_fail(g_date_valid(a) && g_date_valid(b), 0);
	int count = 0;
	GDate day = *a;
	while (g_date_compare(&day, b) < 0) {
		g_date_add_days(&day, 1);
		if (ch_calendar_is_working_day(cal, &day))
			count++;
	}
	return count;
}

static GDateTime *end_of_day(const GDate *day)
{
	/* 23:59:59 exists on every London day: the clocks change at 01:00 and 02:00. */
	return g_date_time_new(ch_clock_zone(), g_date_get_year(day), g_date_get_month(day),
	                       g_date_get_day(day), 23, 59, 59);
}

GDateTime *ch_calendar_deadline(const ChCalendar *cal, GDateTime *start, ChUnit unit, guint n,
                                GDate *due_date)
{
	g_return_val_if_fail(start != NULL, NULL);
	GDate day;

	switch (unit) {
	case CH_UNIT_HOURS: {
		/* Hours are elapsed time: add to the instant, then read the result in London. */
		g_return_val_if_fail(n <= G_MAXINT, NULL);
		g_autoptr(GDateTime) later = g_date_time_add_hours(start, (int)n);
		g_return_val_if_fail(later != NULL, NULL);
		if (due_date)
			ch_clock_local_date(later, due_date);
		return g_date_time_to_timezone(later, ch_clock_zone());
	}
	case CH_UNIT_WORKING_DAYS:
		/* The day the obligation starts is London's, whatever offset `start` carries:
		 * 00:30 BST is already tomorrow although it is still today in UTC. */
		ch_clock_local_date(start, &day);
		ch_calendar_add_working_days(cal, &day, n, &day);
		break;
	case CH_UNIT_WEEKS:
		/* Calendar weeks land on the same weekday n weeks on, as the procedures count
		 * them; they are not moved off a weekend or a holiday. */
		ch_clock_local_date(start, &day);
		g_date_add_days(&day, 7 * n);
		break;
	default:
		g_return_val_if_reached(NULL);
	}

	if (due_date)
		*due_date = day;
	return end_of_day(&day);
}
