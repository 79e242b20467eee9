/* config: the INI file (GKeyFile) that says where everything is and how to reach the mail.
 *
 * Relative paths in the file are taken from the file's own folder, so a config can move with
 * its data. ch_config_load() fails with CH_ERROR_CONFIG naming the key that is wrong.
 * Secrets are never in the file itself: only paths to files holding them, or a command
 * that prints a token.
 */
#pragma once
#include <glib.h>
#include "engine/names.h"

typedef struct {
	char *url;              /* imaps://host:993 or imap://host:143 (STARTTLS) */
	char *user;
	char *password_file;    /* a file holding the password (first line) */
	char *oauth2_token_file;    /* a file holding an OAuth2 access token */
	char *oauth2_token_command; /* a command printing an access token on stdout */
	char *ca_file;          /* extra trusted CA (PEM); NULL = system CAs only */
	gboolean starttls;      /* imap://: STARTTLS required (default true) */
	char *mailbox;          /* INBOX */
	char *processed;        /* Processed */
	char *quarantine;       /* Quarantine */
	gboolean idle;          /* use IDLE where offered (default true) */
	guint poll_interval;    /* seconds between sweeps without IDLE, and the IDLE re-sweep (60) */
	guint timeout;          /* network timeout, seconds (60) */
} ChImapConfig;

typedef struct {
	char *url;              /* smtps://host:465 or smtp://host:587 */
	char *user;
	char *password_file;
	char *oauth2_token_file;
	char *oauth2_token_command;
	char *ca_file;
	gboolean require_tls;   /* smtp://: STARTTLS required (default true) */
	char *helo;             /* EHLO name, default the mailbox domain */
	guint timeout;          /* seconds (60) */
} ChSmtpConfig;

/* [web]: the console `chaser web` serves (web/web_server.h). */
typedef struct {
	char *listen;           /* address to listen on (127.0.0.1) */
	guint port;             /* 8470 */
	char *url;              /* the address people open, for the sign-in link; NULL: made
	                           from listen and port */
	char *cert_file;        /* PEM certificate and key: the console speaks TLS itself */
	char *key_file;
	char *trusted_proxy;    /* a reverse proxy's address: its forwarded headers are believed */
	char **managers;        /* addresses that may sign in to read (admin may also act) */
	guint session_idle;     /* minutes a session lives unused (30) */
	guint session_max;      /* minutes a session lives at most (480) */
	gboolean given;         /* the file has a [web] section: `chaser run` serves it too */
} ChWebConfig;

typedef struct {
	char *path;             /* the config file itself */
	GHashTable *lines;      /* "group\nkey" -> line number, for messages */
	char *dir;              /* its folder: relative paths start here */

	char *database;         /* chaser.db */
	char *key_file;         /* secret.key, mode 0600 */
	char *spool;            /* runtime data: messages, reports */
	char *data_dir;         /* the installed data: rules/ and templates/ (compiled in) */
	char **rules_path;      /* folders searched for NAME.rules: the council's own, then data */
	char **templates_path;  /* likewise for NAME.txt */
	char *holidays_file;
	char *nation;           /* england-and-wales | scotland | northern-ireland */
	char *procedure;        /* default rules file name */
	char *authserv_id;      /* receiving server's authserv-id; NULL for "none" (required) */
	guint token_days;       /* reply tokens expire after this many days (120) */
	guint reply_limit;      /* replies to one address per hour (10) */
	guint retention_days;   /* chaser purge without --before: finished cases older (0: off) */

	char *address;          /* the shared mailbox */
	char *display_name;
	gboolean plus_addressing;

	char *people[CH_ROLE_N]; /* [people]: the address of each CH_ROLE_OF_PEOPLE role, or
	                            NULL (qasg: chair of the quality assurance group, Cwm Taf) */
	const char *admin;      /* the team's admin address: people[CH_ROLE_ADMIN], borrowed */
	char **cp_managers;     /* copied on missing-report escalations */
	gboolean admin_confirm; /* [admin] confirm: a list set up by mail waits for SEND (yes) */
	GDateWeekday admin_weekly; /* [admin] weekly: the day of the weekly account (monday);
	                              G_DATE_BAD_WEEKDAY for off */

	int hours_start;        /* minutes after midnight, working hours for chasers */
	int hours_end;
	char **closures;        /* local closure dates YYYY-MM-DD */
	char **safety_words;    /* immediate-safety phrases: ch_phrases_safety, then [safety] words */
	guint safety_ack_minutes; /* [safety] ack_within: an alert's acknowledgement is due (60) */

	char *inbound;          /* maildir | imap */
	char *maildir;
	ChImapConfig imap;
	char *outbound;         /* spool | smtp */
	char *outgoing_dir;
	ChSmtpConfig smtp;

	gsize max_message_size;
	gsize max_attachment_size;

	ChWebConfig web;
	char **reports_to;      /* [reports] to: who gets the quarterly report (may be empty) */
	gboolean reports_quarterly; /* [reports] send = quarterly (default never) */
	guint reports_day;      /* [reports] day: sent on this working day after the quarter (5) */
} ChConfig;

ChConfig *ch_config_load(const char *path, GError **error);
void ch_config_free(ChConfig *c);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(ChConfig, ch_config_free)

/* The commented file `chaser init` writes. state_dir: where the database, key and spool go
 * (absolute), or NULL for folders beside the config file. The caller frees it. */
char *ch_config_default_text(const char *state_dir);

/* The first folder of a search path (NULL-terminated) that holds `file`, joined with it; NULL
 * when none does. */
char *ch_config_find(const char *const *path, const char *file);

/* The line of the config file where [group] key was written (or [group], with key NULL);
 * 0 when it was not written there. For FILE:LINE: messages. */
guint ch_config_line(const ChConfig *c, const char *group, const char *key);

/* Whether the config sets the role's address; *known says whether the role is one of
 * [people] at all (the others are people of the case). */
gboolean ch_config_has_role(const ChConfig *c, ChRole role, gboolean *known);

/* The data folder compiled in (make DATADIR=...), and the program's version. */
const char *ch_config_builtin_data_dir(void);
const char *ch_version(void);

/* Reads a secret from a file (first line, trimmed) or runs a command for it. */
char *ch_config_read_secret(const char *file, const char *command, GError **error);
