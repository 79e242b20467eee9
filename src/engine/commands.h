/* commands: the words a person writes in a reply, read as commands.
 *
 * Commands are words on their own lines, case-insensitive, as DESIGN.md lists them. Lines
 * that do not start with a command word (greetings, sign-offs, chat) are ignored; a line
 * that starts with one but cannot be read is a problem, and any problem makes the whole
 * reply change nothing (the sender is told what was and was not understood).
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
} ChCommandKind;

typedef struct {
	ChCommandKind kind;
	int n;
	char **reasons;       /* codes, NULL-terminated (ESCALATE only) */
	char *text;
	char *line;           /* the line as written, trimmed */
} ChCommand;

typedef struct {
	GPtrArray *commands;  /* ChCommand* in the order written */
	GPtrArray *problems;  /* char*: "line 'ESCALATE x': no line number" */
	guint lines_read;
} ChCommands;

ChCommands *ch_commands_parse_chair(const char *text);
ChCommands *ch_commands_parse_slo(const char *text);
void ch_commands_free(ChCommands *c);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(ChCommands, ch_commands_free)

/* Reason codes and their plain descriptions. */
extern const char *const ch_reason_codes[];
const char *ch_reason_describe(const char *code);
/* "did not send apologies; did not provide a report" for a list of codes. */
char *ch_reasons_describe(char **codes);
/* A reason as a person writes it ("late report", "Not-Redacted") to its code, or NULL. */
const char *ch_reason_from_words(const char *words);

/* At most this many lines of a reply are read for commands. */
#define CH_COMMANDS_MAX_LINES 200
