#include "util/clock.h"

#include <stdio.h>
#include <string.h>

static GDateTime *fixed_now;

GTimeZone *ch_clock_zone(void)
{
	static GTimeZone *zone;
	if (g_once_init_enter(&zone)) {
		GTimeZone *z = g_time_zone_new_identifier("Europe/London");
		/* Without tzdata there is no safe answer for civil time. */
		if (!z)
			g_error("time zone Europe/London not found: install the tzdata package");
		g_once_init_leave(&zone, z);
	}
	return zone;
}

void ch_clock_set_fixed(GDateTime *now)
{
	g_clear_pointer(&fixed_now, g_date_time_unref);
	if (now)
		fixed_now = g_date_time_to_timezone(now, ch_clock_zone());
}

GDateTime *ch_clock_now(void)
{
	if (fixed_now)
		return g_date_time_ref(fixed_now);
	return g_date_time_new_now(ch_clock_zone());
}

gboolean ch_clock_parse_date(const char *s, GDate *out)
{
	int y, m, d;
	char tail;
	if (!s || strlen(s) != 10 || sscanf(s, "%4d-%2d-%2d%c", &y, &m, &d, &tail) != 3)
		return FALSE;
	if (!g_date_valid_dmy(d, m, y) || y < CH_CLOCK_FIRST_YEAR || y > CH_CLOCK_LAST_YEAR)
		return FALSE;
	g_date_clear(out, 1);
	g_date_set_dmy(out, d, m, y);
	return TRUE;
}

GDateTime *ch_clock_parse(const char *s)
{
	GDate d;
	if (!s || !*s)
		return NULL;
	if (ch_clock_parse_date(s, &d))
		return g_date_time_new(ch_clock_zone(), g_date_get_year(&d), g_date_get_month(&d),
		                       g_date_get_day(&d), 0, 0, 0);
	/* People write "2026-11-23 10:00": allow a space for the T and leave out the seconds. */
	g_autofree char *norm = g_strdup(s);
	if (strlen(norm) > 10 && norm[10] == ' ')
		norm[10] = 'T';
	if (strlen(norm) == 16 && norm[13] == ':') {
		char *with_seconds = g_strconcat(norm, ":00", NULL);
		g_free(norm);
		norm = with_seconds;
	}
	/* Without an offset the time is London's, whatever the machine's zone. */
	GDateTime *t = g_date_time_new_from_iso8601(norm, ch_clock_zone());
	if (!t)
		return NULL;
	GDateTime *local = g_date_time_to_timezone(t, ch_clock_zone());
	g_date_time_unref(t);
	int y = g_date_time_get_year(local);
	if (y < CH_CLOCK_FIRST_YEAR || y > CH_CLOCK_LAST_YEAR) {
		g_date_time_unref(local);
		return NULL;
	}
	return local;
}

char *ch_clock_format(GDateTime *t)
{
	g_autoptr(GDateTime) local = g_date_time_to_timezone(t, ch_clock_zone());
	return g_date_time_format(local, "%Y-%m-%dT%H:%M:%S%:z");
}

char *ch_clock_key(GDateTime *t)
{
	g_autoptr(GDateTime) utc = g_date_time_to_utc(t);
	return g_date_time_format(utc, "%Y-%m-%dT%H:%M:%SZ");
}

char *ch_date_format(const GDate *d)
{
	return g_strdup_printf("%04d-%02d-%02d", g_date_get_year(d), g_date_get_month(d),
	                       g_date_get_day(d));
}

char *ch_date_format_long(const GDate *d)
{
	static const char *const days[] = { "", "Monday", "Tuesday", "Wednesday", "Thursday",
	                                    "Friday", "Saturday", "Sunday" };
	static const char *const months[] = { "", "January", "February", "March", "April",
	                                      "May", "June", "July", "August", "September",
	                                      "October", "November", "December" };
	return g_strdup_printf("%s %d %s %d", days[g_date_get_weekday(d)], g_date_get_day(d),
	                       months[g_date_get_month(d)], g_date_get_year(d));
}

char *ch_clock_long_date(const char *iso, const char *if_none)
{
	GDate d;
	if (!iso)
		return g_strdup(if_none);
	if (ch_clock_parse_date(iso, &d))
		return ch_date_format_long(&d);
	g_autoptr(GDateTime) t = ch_clock_parse(iso);
	if (!t)
		return g_strdup(iso);
	ch_clock_local_date(t, &d);
	return ch_date_format_long(&d);
}

void ch_clock_local_date(GDateTime *t, GDate *out)
{
	g_autoptr(GDateTime) local = g_date_time_to_timezone(t, ch_clock_zone());
	g_date_clear(out, 1);
	g_date_set_dmy(out, g_date_time_get_day_of_month(local), g_date_time_get_month(local),
	               g_date_time_get_year(local));
}
