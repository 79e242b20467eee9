/* reply: the part of a message body a person just wrote.
 *
 * ch_reply_extract() takes a body as UTF-8 text and returns (newly allocated) only the new
 * text: it cuts at the first quote header ("On ... wrote:", "Den ... skrev ...:", Outlook's
 * "From: ... Sent: ..." block in a dozen languages, Hotmail's "Date:"-first block,
 * "-----Original Message-----" and its translations), drops ">"-quoted lines, a trailing
 * tab-indented original (s-nail, bsd-mailx, GNU mail) and trailing signatures ("-- ", "Sent
 * from my iPhone"). Top-posted and inline replies both work: inline, the unquoted lines
 * between quotes are kept. These are the client's markers; quoted.h finds what they miss
 * from the mail chaser sent.
 *
 * ch_html_to_text() turns an HTML body into plain text with a real HTML parser (libxml2),
 * leaving out what the sender's client marked as quoted (Outlook's divRplyFwdMsg and what
 * follows it, gmail_quote, moz-cite-prefix, blockquote type=cite, Apple Mail's quotes).
 */
#pragma once
#include <glib.h>

char *ch_reply_extract(const char *text);
char *ch_html_to_text(const char *html, gboolean drop_quoted);
