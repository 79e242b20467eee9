/* clock: time as chaser sees it. All civil time is Europe/London.
 *
 * ch_clock_now() is the fixed --now when one was given, else the real time. Parsing accepts
 * ISO 8601 with or without an offset (without one it is London time) and plain dates
 * (midnight London). Formatting always gives an offset. The returned GDateTime is owned by
 * the caller.
 */
#pragma once
#include <glib.h>

GTimeZone *ch_clock_zone(void);                 /* Europe/London, never freed */
void ch_clock_set_fixed(GDateTime *now);        /* takes a ref; NULL restores real time */
GDateTime *ch_clock_now(void);
/* Every date and time that comes in (options, --now, CSV, mail, config) is parsed here, and
 * one outside these years is refused as not a date: a conference "held" in year 1 made the
 * working-day arithmetic step through two thousand years of days. */
#define CH_CLOCK_FIRST_YEAR 1900
#define CH_CLOCK_LAST_YEAR 2100
GDateTime *ch_clock_parse(const char *s);       /* NULL if not a date or date-time, or out of range */
gboolean ch_clock_parse_date(const char *s, GDate *out);  /* YYYY-MM-DD only, in range */
char *ch_clock_format(GDateTime *t);            /* 2026-11-23T17:00:00+00:00 */
/* UTC, "2026-11-23T17:00:00Z": for columns compared as text (timer keys), where mixed
 * offsets would sort wrongly across a clock change. */
char *ch_clock_key(GDateTime *t);
char *ch_date_format(const GDate *d);           /* 2026-11-23 */
char *ch_date_format_long(const GDate *d);      /* Monday 23 November 2026 */
/* A stored date ("2026-11-23") or date and time (its London date) in words, as above: the
 * one way a date is written for a person. `if_none` (copied) for NULL; a value that is
 * neither comes back as it is. */
char *ch_clock_long_date(const char *iso, const char *if_none);
void ch_clock_local_date(GDateTime *t, GDate *out);
