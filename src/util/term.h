/* term: text on its way to a person's terminal.
 *
 * Much of what chaser prints came by mail (a sender's address, an SLO's outcome, a chair's
 * comment, a triage reason). A terminal obeys escape sequences in it: ESC [ ... moves the
 * cursor and rewrites earlier lines, OSC sets the window title or, in some terminals, writes
 * the clipboard or makes links. Every command that prints text for people prints it through
 * here, whole lines at a time, so the check cannot be forgotten for one field.
 *
 * What is replaced, by U+FFFD: every C0 control but TAB and LF (CR too, unless it ends a line
 * as CR LF does in CSV), DEL, every C1 control (U+0080-U+009F, which includes the 8-bit CSI
 * and OSC), the bidirectional overrides and isolates that reorder what is shown (U+202A-E,
 * U+2066-9), and bytes that are not UTF-8.
 */
#pragma once
#include <glib.h>
#include <stdio.h>

/* A cleaned copy, newly allocated; "" for NULL. */
char *ch_term_clean(const char *text, gssize len);
/* printf to stdout, cleaned. Returns what fputs returns. */
int ch_term_printf(const char *fmt, ...) G_GNUC_PRINTF(1, 2);
/* Writes len bytes of text to a stream, cleaned; FALSE when the write failed. */
gboolean ch_term_write(FILE *f, const char *text, gsize len);
