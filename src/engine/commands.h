/* commands: the words a person writes in a reply, read as commands.
 *
 * A reply is read whole, line by line, as people write: the command word may sit inside a
 * short sentence ("I have checked the list and it is authorised.", "This is now resolved.
 * The report was sent on the 20th."), line numbers come as 3, 3., (3), #3, no. 3, line 3 or
 * number 3, a professional may be named instead of numbered when the name is unambiguous on
 * the list, several escalations may share a line, and reasons may be written in words with
 * small spelling mistakes. Polarity is read before anything acts: a command word with "not",
 * "n't", "no", "un-", a question mark, "by whom", "in part", "wait", "ignore", "not yet" and
 * the like around it is never taken as the command. A line that reads as an instruction but
 * is not understood is a problem; any problem makes the whole reply change nothing (the
 * sender is told, with their own line quoted, what was and was not understood). Lines that
 * are plainly chat (greetings, thanks, sign-offs) are ignored.
 *
 * The text given is the reply with quoted text already taken out (src/message).
 *
 * Pure functions over text. The result owns its strings; free with ch_commands_free().
 */
#pragma once
#include <glib.h>

typedef enum {
	CH_CMD_AUTHORISE,
	CH_CMD_ESCALATE,      /* n, reasons, text = comment */
	CH_CMD_NO_ESCALATION,
	CH_CMD_RESOLVED,      /* text = outcome */
	CH_CMD_NOT_RESOLVED,  /* text = why */
	CH_CMD_SET_ASIDE,     /* "SET ASIDE: why", "I am setting aside the decision": text = the
	                         sender's words (who may, and where, is the engine's to say) */
} ChCommandKind;

typedef struct {
	ChCommandKind kind;
	int n;
	char **reasons;       /* codes, NULL-terminated (ESCALATE only) */
	char *text;
	char *line;           /* the line as written, trimmed */
} ChCommand;

/* What the sender seemed to want, for the one example an answer gives. */
typedef enum {
	CH_WANT_UNKNOWN,
	CH_WANT_AUTHORISE,
	CH_WANT_ESCALATE,
	CH_WANT_BOTH,         /* NO ESCALATION and ESCALATE both written */
	CH_WANT_RESOLVED,
	CH_WANT_NOT_RESOLVED,
} ChCommandWant;

typedef struct {
	GPtrArray *commands;  /* ChCommand* in the order written */
	GPtrArray *problems;  /* char*: "'ESCALATE x': ESCALATE needs the line number ..." */
	GPtrArray *held;      /* char*: the lines as written that the problems are about */
	guint lines_read;
	ChCommandWant want;
	int want_n;           /* the line the sender meant, when one was read (else 0) */
	const char *want_reason; /* a reason code the sender meant, when one was read */
} ChCommands;

/* One line of the distribution list, for escalations that name the professional. */
typedef struct {
	int n;
	const char *name;
	const char *agency;
} ChListLine;

ChCommands *ch_commands_parse_chair(const char *text);
/* As ch_commands_parse_chair, with the list the chair is answering: "Escalate Rob Ford
 * (Police) - no report" reads as line n when that name is on exactly one line. */
ChCommands *ch_commands_parse_chair_list(const char *text, const ChListLine *list, guint n_list);
ChCommands *ch_commands_parse_slo(const char *text);
void ch_commands_free(ChCommands *c);
/* The quality assurance group's options an answer names, as ChOutcome bits (rules.h):
 * "individual agency reports", "a multi-agency audit", "recommendations". A line with a
 * "not", "no" or a question mark names none. */
guint ch_commands_options(const char *text);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(ChCommands, ch_commands_free)

/* Reason codes and their plain descriptions. */
extern const char *const ch_reason_codes[];
const char *ch_reason_describe(const char *code);
/* "did not send apologies; did not provide a report" for a list of codes. */
char *ch_reasons_describe(char **codes);
/* A reason as a person writes it ("late report", "Not-Redacted", "no apologys") to its code,
 * or NULL when it names none or could name more than one. */
const char *ch_reason_from_words(const char *words);

/* The sender's own words to quote in an answer: the lines at issue (cs->held) when there
 * are any, else the first lines of the text; at most a few, each "  > line\n". */
char *ch_commands_quote(const ChCommands *cs, const char *text);

/* At most this many lines of a reply are read for commands. */
#define CH_COMMANDS_MAX_LINES 200
