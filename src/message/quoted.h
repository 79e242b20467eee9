/* quoted: the lines of a reply that reproduce a mail chaser sent.
 *
 * chaser keeps every mail it sends, so it need not trust a mail client's quote markers to
 * know what was quoted: a line of the reply whose words are a stretch of the words of the
 * mail being answered, in order, is quoted, however the client marked it (a '>', '|' or tab
 * prefix, a bare <blockquote>, a header block in a language the marker rules do not know, or
 * nothing at all), however it re-wrapped the lines, and whatever charset or HTML it carried
 * (the callers give text already decoded and rendered). The marker rules in reply.c and
 * html.c stay the first signal; this is the second, and either one makes a line quoted.
 *
 * How a line is judged (words: runs of letters, digits and '_', case folded, NFKC; so
 * punctuation, spacing, quote prefixes and wrapping never matter):
 *
 *   - a line of at least CH_QUOTED_SEED_WORDS words that appears whole and in order in a
 *     sent mail is quoted wherever it stands: the list mail's example line
 *     "ESCALATE 3 no_report, report_late: ..." can never be read as a command;
 *   - a shorter line that also appears in a sent mail ("AUTHORISED", "Dear Dr Testwood,", a
 *     tail left by re-wrapping) is quoted only inside a quoted run: its neighbour above (or
 *     below, blank lines skipped) is quoted, has the same quote prefix, and its words follow
 *     on from that neighbour's words in the sent mail (or lead into them). So a chair who
 *     types AUTHORISED above an unmarked copy of the list keeps the command: in the sent
 *     mail AUTHORISED comes after "Dear ...", not before it.
 *
 * Pure: no I/O, no globals. Every string is UTF-8 (invalid bytes are repaired first).
 */
#pragma once
#include <glib.h>

/* Lines this long in words that appear in a sent mail are quoted on their own. */
#define CH_QUOTED_SEED_WORDS 6

/* One flag a line of `text` (split on '\n'): TRUE where the line reproduces one of `sent`
 * (a NULL-terminated array of the bodies of the mails being answered; NULL or empty: no line
 * is quoted). *n_lines_r gets the number of lines. g_free the result. */
gboolean *ch_quoted_lines(const char *text, const char *const *sent, guint *n_lines_r);

/* `text` without the lines ch_quoted_lines() finds quoted, blank runs left by them folded to
 * one, no blank lines at either end. Newly allocated; `text` itself when nothing is quoted. */
char *ch_quoted_strip(const char *text, const char *const *sent);
