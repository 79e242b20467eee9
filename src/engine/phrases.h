/* phrases: does a message say that a child may not be safe now? The built-in phrases of an
 * immediate-safety concern, as professionals write them to a conference team, the routine
 * team vocabulary that is read as nothing, and the matcher. Pure: no I/O, no state.
 *
 * How a text is read (ch_phrases_fold): lower case; apostrophes dropped ("isn't" is "isnt");
 * HTML tags and entities, punctuation, line breaks and every kind of space separate words; a
 * full stop, "!" or "?" before a space, or a blank line, ends a sentence. A phrase is words
 * separated by spaces, matched word for word against the text:
 *
 *   word      the same word; in a phrase of two words or more, a word of seven letters or
 *             more also with one letter wrong, missing, added, or two swapped ("signficant
 *             harm"), the first letter right (a single word forgiven so would catch too much:
 *             "stacked" for "smacked")
 *   word*     any word that begins so ("bruis*": bruise, bruised, bruising)
 *   ...       up to three other words in between, in the same sentence ("remov* ... today")
 *
 * Routine phrases are found first and blanked: job titles, our own mails' wording quoted in
 * a reply, reassurances in the negative ("no immediate safeguarding concerns"). A blanked
 * word matches no word of a phrase (a "..." may pass over it); anything else in the message
 * still alerts. Routine phrases match exactly (no letter forgiven): a miss there costs only a
 * false alarm.
 *
 * Everything returned points into the lists given (no ownership passes).
 */
#pragma once
#include <glib.h>

/* The phrases of an immediate-safety concern that every message is read for, whatever the
 * config adds; NULL-terminated. */
extern const char *const ch_phrases_safety[];
/* The routine phrases blanked before looking; NULL-terminated. */
extern const char *const ch_phrases_routine[];

/* The two lists read once into phrases ready to match (every message is read for them):
 * the lists must outlive the set, which points into them. Either may be NULL. */
typedef struct ChPhrases ChPhrases;
ChPhrases *ch_phrases_new(const char *const *alert, const char *const *routine);
void ch_phrases_free(ChPhrases *p);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(ChPhrases, ch_phrases_free)

/* The first alert phrase (in list order) found in `text` once the routine phrases are
 * blanked, or NULL (also for a NULL set). */
const char *ch_phrases_match(const ChPhrases *p, const char *text);
/* The same for lists read just for this text (tests, one-off checks). */
const char *ch_phrases_find(const char *const *alert, const char *const *routine,
                            const char *text);

/* `text` as the matcher reads it: its words separated by one space, a sentence's end as
 * " . ". For tests and for explaining a match (caller frees). */
char *ch_phrases_fold(const char *text);
