#include "app/config.h"

#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "engine/phrases.h"
#include "util/error.h"

#ifndef CHASER_DATADIR
#define CHASER_DATADIR "/usr/local/share/chaser"
#endif
#ifndef CHASER_VERSION
#define CHASER_VERSION "unknown"
#endif

const char *ch_config_builtin_data_dir(void)
{
	return CHASER_DATADIR;
}

const char *ch_version(void)
{
	return CHASER_VERSION;
}

/* Every section and key the file may hold. Anything else is refused: a misspelt [people]
 * would otherwise leave every alert addressed to nobody, silently. */
static const char *const known[] = {
	"chaser", "database", "key", "spool", "data", "rules", "templates", "holidays", "nation",
	"procedure", "authserv_id", "token_days", "reply_limit", "retention_days", NULL,
	"mailbox", "address", "name", "plus_addressing", NULL,
	"people", NULL, /* its keys are the roles of the name table (people_key) */
	"hours", "start", "end", "closures", NULL,
	"safety", "words", "ack_within", NULL,
	"admin", "confirm", "weekly", NULL,
	"inbound", "type", "maildir", NULL,
	"imap", "url", "user", "password_file", "oauth2_token_file", "oauth2_token_command",
	"ca_file", "starttls", "mailbox", "processed", "quarantine", "idle", "poll_interval",
	"timeout", NULL,
	"outbound", "type", "dir", NULL,
	"smtp", "url", "user", "password_file", "oauth2_token_file", "oauth2_token_command",
	"ca_file", "require_tls", "helo", "timeout", NULL,
	"limits", "max_message_size", "max_attachment_size", NULL,
	"web", "listen", "port", "url", "cert_file", "key_file", "trusted_proxy", "managers",
	"session_idle", "session_max", NULL,
	"reports", "to", "send", "day", NULL,
	NULL,
};

/* A [people] key is the name of a role the config names (engine/names.c): adding such a
 * role there adds its key here. The others, slo, chair and so on, are people of the case. */
static gboolean people_key(const char *key, ChRole *role_r)
{
	ChRole role;
	if (!ch_role_parse(key, &role))
		return FALSE;
	ChRoleSource src = ch_role_info(role)->source;
	if (src != CH_ROLE_OF_PEOPLE && src != CH_ROLE_OF_PEOPLE_LIST)
		return FALSE;
	if (role_r)
		*role_r = role;
	return TRUE;
}

static const char *const *known_section(const char *group)
{
	for (const char *const *k = known; *k; k++) {
		if (!strcmp(*k, group))
			return k + 1;
		while (*k)
			k++;
	}
	return NULL;
}

static gboolean known_key(const char *const *keys, const char *key)
{
	for (; *keys; keys++)
		if (!strcmp(*keys, key))
			return TRUE;
	return FALSE;
}

static const char default_text[] =
	"# chaser configuration (chaser.conf(5)). Relative paths are taken from this file's\n"
	"# folder. Secrets never go in this file: name a file that holds them (mode 0600).\n"
	"# A section or key chaser does not know is refused at start, with its line.\n"
	"\n"
	"[chaser]\n"
	"database = @STATE@chaser.db\n"
	"key = @STATE@secret.key\n"
	"spool = @STATE_DIR@\n"
	"# the installed rules, templates and bank holidays\n"
	"#data = @DATA@\n"
	"# folders of the council's own rules files and templates, searched before the\n"
	"# installed ones: copy a file there, edit it, and name the folder here\n"
	"#rules = /etc/chaser/rules\n"
	"#templates = /etc/chaser/templates\n"
	"# the bank-holiday file; by default bank-holidays.txt from the rules folders\n"
	"#holidays = /etc/chaser/rules/bank-holidays.txt\n"
	"# england-and-wales, scotland or northern-ireland\n"
	"nation = england-and-wales\n"
	"# the rules file (NAME.rules) used when a conference names none\n"
	"procedure = default\n"
	"# Who vouches for a sender (required; chaser.conf(5), README \"Security\"). Either the\n"
	"# authserv-id your receiving mail server writes in its Authentication-Results header:\n"
	"#   authserv_id = mx.council.example\n"
	"# and then every command needs that server's DMARC pass (or aligned DKIM or SPF), and a\n"
	"# mail without a reply token is acted on only when it has one; or\n"
	"#   authserv_id = none\n"
	"# and then only replies carrying chaser's reply token act: every other command, however\n"
	"# right its From looks, is held for admin to check.\n"
	"authserv_id = none\n"
	"# reply tokens stop working after this many days\n"
	"token_days = 120\n"
	"# answers to any one address in an hour, at most\n"
	"reply_limit = 10\n"
	"# chaser purge without --before removes finished cases idle this many days (0: never)\n"
	"#retention_days = 2555\n"
	"\n"
	"[mailbox]\n"
	"# the team's shared mailbox: everything is sent from it and read from it\n"
	"address = safeguarding@council.example\n"
	"name = Child Protection Conference Team\n"
	"# replies come back to address+TOKEN@domain\n"
	"plus_addressing = true\n"
	"\n"
	"[people]\n"
	"# admin and cp_coordinator are required; the others when a rules file asks them\n"
	"admin = cp.admin@council.example\n"
	"cp_coordinator = cp.coordinator@council.example\n"
	"lead_safeguarding_manager = lead.safeguarding@council.example\n"
	"# told when an immediate-safety alert is not acknowledged in time ([safety] ack_within)\n"
	"# or an out-of-office answers it\n"
	"#team_manager = team.manager@council.example\n"
	"#service_manager = service.manager@council.example\n"
	"# chair of the quality assurance group, for procedures whose ladder ends there\n"
	"qasg = qasg.chair@council.example\n"
	"# chairs the independent meeting of a concern between agencies (inter-agency.rules)\n"
	"#independent_chair = independent.chair@partnership.example\n"
	"cp_managers = cp.managers@council.example\n"
	"\n"
	"[hours]\n"
	"# chasers and reminders go out in these hours on working days only;\n"
	"# immediate-safety alerts are never held back\n"
	"start = 09:00\n"
	"end = 17:00\n"
	"# the council's own closed days, YYYY-MM-DD;...\n"
	"closures =\n"
	"\n"
	"[safety]\n"
	"# any message holding a phrase of an immediate-safety concern alerts the CP coordinator\n"
	"# and the lead safeguarding manager at once; chaser knows how professionals write one\n"
	"# (chaser.conf(5)): phrases of your own, separated by ;, are looked for as well\n"
	"words =\n"
	"# one of them must acknowledge by replying within this time (minutes or hours), or\n"
	"# the team manager and the service manager are told\n"
	"ack_within = 1 hour\n"
	"\n"
	"[admin]\n"
	"# admin may mail the shared mailbox \"New conference REF\" with the conference and its\n"
	"# distribution list (chaser(8), ADMIN BY EMAIL): with confirm = yes the list waits for\n"
	"# admin to reply SEND; with no, it goes to the chair as soon as it is right\n"
	"confirm = yes\n"
	"# the day admin is mailed what is open, overdue and waiting for a person (or off)\n"
	"weekly = monday\n"
	"\n"
	"[reports]\n"
	"# the quarterly report to the safeguarding partnership, sent by chaser run with the\n"
	"# spreadsheet and the HTML page attached (figures only, no names); addresses split by ;\n"
	"#to = board@partnership.example; qasg.chair@council.example\n"
	"# quarterly, or never (the default)\n"
	"#send = quarterly\n"
	"# it goes on this working day after the quarter ends\n"
	"#day = 5\n"
	"\n"
	"[inbound]\n"
	"# maildir (the embedded default) or imap\n"
	"type = maildir\n"
	"maildir = @STATE@inbox\n"
	"\n"
	"[imap]\n"
	"#url = imaps://outlook.office365.com:993\n"
	"#user = safeguarding@council.example\n"
	"#password_file = /etc/chaser/imap-password\n"
	"#oauth2_token_file = /etc/chaser/imap-token\n"
	"#oauth2_token_command = /usr/local/bin/get-token imap\n"
	"#ca_file =\n"
	"#starttls = true\n"
	"mailbox = INBOX\n"
	"processed = Processed\n"
	"quarantine = Quarantine\n"
	"idle = true\n"
	"poll_interval = 60\n"
	"timeout = 60\n"
	"\n"
	"[outbound]\n"
	"# spool (write .eml files, the embedded default) or smtp\n"
	"type = spool\n"
	"dir = @STATE@outgoing\n"
	"\n"
	"[smtp]\n"
	"#url = smtp://smtp.office365.com:587\n"
	"#user = safeguarding@council.example\n"
	"#password_file = /etc/chaser/smtp-password\n"
	"#oauth2_token_file = /etc/chaser/smtp-token\n"
	"#oauth2_token_command = /usr/local/bin/get-token smtp\n"
	"#ca_file =\n"
	"#helo = council.example\n"
	"require_tls = true\n"
	"timeout = 60\n"
	"\n"
	"[limits]\n"
	"max_message_size = 41943040\n"
	"max_attachment_size = 31457280\n"
	"\n"
	"[web]\n"
	"# chaser web: the console in a browser. Admin ([people] admin) signs in to act, the\n"
	"# managers to read, each with a one-time link chaser emails; no passwords. It listens\n"
	"# on loopback only, unless it has TLS (cert_file, key_file) or a proxy in front\n"
	"#listen = 127.0.0.1\n"
	"#port = 8470\n"
	"# the address people open, for the link in the mail (behind a proxy)\n"
	"#url = https://chaser.council.example\n"
	"#cert_file = /etc/chaser/web-cert.pem\n"
	"#key_file = /etc/chaser/web-key.pem\n"
	"#trusted_proxy = 127.0.0.1\n"
	"#managers = team.manager@council.example; service.manager@council.example\n"
	"#session_idle = 30 minutes\n"
	"#session_max = 8 hours\n";

char *ch_config_default_text(const char *state_dir)
{
	g_autofree char *state = state_dir ? g_strdup_printf("%s/", state_dir) : g_strdup("spool/");
	g_autofree char *state_bare = state_dir ? g_strdup(state_dir) : g_strdup("spool");
	GString *out = g_string_new(default_text);
	g_string_replace(out, "@STATE@", state, 0);
	g_string_replace(out, "@STATE_DIR@", state_bare, 0);
	g_string_replace(out, "@DATA@", CHASER_DATADIR, 0);
	return g_string_free(out, FALSE);
}

char *ch_config_find(const char *const *path, const char *file)
{
	for (; path && *path; path++) {
		char *full = g_build_filename(*path, file, NULL);
		if (g_file_test(full, G_FILE_TEST_EXISTS))
			return full;
		g_free(full);
	}
	return NULL;
}

static char *line_key(const char *group, const char *key)
{
	return g_strdup_printf("%s\n%s", group, key ? key : "");
}

guint ch_config_line(const ChConfig *c, const char *group, const char *key)
{
	g_autofree char *k = line_key(group, key);
	return c->lines ? GPOINTER_TO_UINT(g_hash_table_lookup(c->lines, k)) : 0;
}

gboolean ch_config_has_role(const ChConfig *c, ChRole role, gboolean *known_r)
{
	*known_r = ch_role_info(role)->source == CH_ROLE_OF_PEOPLE;
	return *known_r && c->people[role] != NULL;
}

/* Reads the file's shape before GKeyFile does, for what GKeyFile cannot say: the line of
 * each key, an unknown section or key, a key given twice. Comments and blank lines aside,
 * every line is [section] or key = value. */
static gboolean scan_lines(const char *path, const char *text, gsize len, GHashTable *lines,
                           GError **error)
{
	/* Whatever GKeyFile would read, this reads too: a NUL would end the scan early while
	 * GKeyFile went on to the end, and a byte-order mark would hide in the first key. */
	if (memchr(text, '\0', len)) {
		g_set_error(error, CH_ERROR, CH_ERROR_CONFIG, "%s: holds a NUL byte: not a text file",
		            path);
		return FALSE;
	}
	if (g_str_has_prefix(text, "\xef\xbb\xbf")) {
		g_set_error(error, CH_ERROR, CH_ERROR_CONFIG,
		            "%s:1: starts with a byte-order mark: save it as plain UTF-8", path);
		return FALSE;
	}
	g_auto(GStrv) ls = g_strsplit(text, "\n", -1);
	g_autofree char *group = NULL;
	const char *const *keys = NULL;
	for (guint i = 0; ls[i]; i++) {
		guint n = i + 1;
		char *l = g_strstrip(ls[i]);
		if (!*l || *l == '#')
			continue;
		if (*l == '[') {
			char *close = strchr(l, ']');
			if (!close || close[1]) {
				g_set_error(error, CH_ERROR, CH_ERROR_CONFIG,
				            "%s:%u: '%s' is not a section: write [NAME]", path, n, l);
				return FALSE;
			}
			g_free(group);
			group = g_strndup(l + 1, close - l - 1);
			/* GKeyFile keeps the spaces of "[safety ]": the section would be read as
			 * another, and its keys silently replaced by the defaults. */
			if (!(keys = known_section(group))) {
				g_set_error(error, CH_ERROR, CH_ERROR_CONFIG,
				            "%s:%u: unknown section [%s] (chaser.conf(5) lists them)", path, n,
				            group);
				return FALSE;
			}
			g_autofree char *k = line_key(group, NULL);
			if (g_hash_table_contains(lines, k)) {
				g_set_error(error, CH_ERROR, CH_ERROR_CONFIG,
				            "%s:%u: section [%s] is given twice", path, n, group);
				return FALSE;
			}
			g_hash_table_insert(lines, g_steal_pointer(&k), GUINT_TO_POINTER(n));
			continue;
		}
		char *eq = strchr(l, '=');
		if (!eq) {
			g_set_error(error, CH_ERROR, CH_ERROR_CONFIG,
			            "%s:%u: '%s' is not 'key = value'", path, n, l);
			return FALSE;
		}
		if (!group) {
			g_set_error(error, CH_ERROR, CH_ERROR_CONFIG,
			            "%s:%u: a key before any [section]", path, n);
			return FALSE;
		}
		g_autofree char *key = g_strstrip(g_strndup(l, eq - l));
		const char *hash = strstr(eq + 1, " #");
		if (hash || strstr(eq + 1, "\t#")) {
			g_set_error(error, CH_ERROR, CH_ERROR_CONFIG,
			            "%s:%u: [%s] %s: '#' after a value is read as part of it: put the "
			            "comment on a line of its own",
			            path, n, group, key);
			return FALSE;
		}
		if (!known_key(keys, key) && !(!strcmp(group, "people") && people_key(key, NULL))) {
			g_set_error(error, CH_ERROR, CH_ERROR_CONFIG,
			            "%s:%u: unknown key '%s' in [%s] (chaser.conf(5) lists them)", path, n,
			            key, group);
			return FALSE;
		}
		g_autofree char *k = line_key(group, key);
		if (g_hash_table_contains(lines, k)) {
			g_set_error(error, CH_ERROR, CH_ERROR_CONFIG,
			            "%s:%u: [%s] %s is given twice (first on line %u)", path, n, group, key,
			            GPOINTER_TO_UINT(g_hash_table_lookup(lines, k)));
			return FALSE;
		}
		g_hash_table_insert(lines, g_steal_pointer(&k), GUINT_TO_POINTER(n));
	}
	return TRUE;
}

typedef struct {
	GKeyFile *kf;
	const char *path;
	GHashTable *lines;
	GError **error;
	gboolean failed;
} Reader;

static guint line_of(Reader *r, const char *group, const char *key)
{
	g_autofree char *k = line_key(group, key);
	return GPOINTER_TO_UINT(g_hash_table_lookup(r->lines, k));
}

static char *get_str(Reader *r, const char *group, const char *key, const char *def)
{
	char *v = g_key_file_get_string(r->kf, group, key, NULL);
	if (v) {
		g_strstrip(v);
		if (*v)
			return v;
		g_free(v);
	}
	return g_strdup(def);
}

static char *resolve(const char *dir, char *path)
{
	if (!path || g_path_is_absolute(path))
		return path;
	char *full = g_build_filename(dir, path, NULL);
	g_free(path);
	return full;
}

static char *get_path(Reader *r, const char *dir, const char *group, const char *key,
                      const char *def)
{
	return resolve(dir, get_str(r, group, key, def));
}

static guint64 get_uint(Reader *r, const char *group, const char *key, guint64 def)
{
	g_autofree char *v = get_str(r, group, key, NULL);
	guint64 n;
	if (!v)
		return def;
	if (!g_ascii_string_to_unsigned(v, 10, 0, G_MAXUINT32 * (guint64)16, &n, NULL)) {
		if (!r->failed)
			g_set_error(r->error, CH_ERROR, CH_ERROR_CONFIG,
			            "%s:%u: [%s] %s = '%s' is not a whole number", r->path,
			            line_of(r, group, key), group, key, v);
		r->failed = TRUE;
		return def;
	}
	return n;
}

static gboolean get_bool(Reader *r, const char *group, const char *key, gboolean def)
{
	g_autofree char *v = get_str(r, group, key, NULL);
	if (!v)
		return def;
	if (!g_ascii_strcasecmp(v, "true") || !g_ascii_strcasecmp(v, "yes") || !strcmp(v, "1"))
		return TRUE;
	if (!g_ascii_strcasecmp(v, "false") || !g_ascii_strcasecmp(v, "no") || !strcmp(v, "0"))
		return FALSE;
	if (!r->failed)
		g_set_error(r->error, CH_ERROR, CH_ERROR_CONFIG,
		            "%s:%u: [%s] %s = '%s' must be true or false", r->path,
		            line_of(r, group, key), group, key, v);
	r->failed = TRUE;
	return def;
}

/* A day of the week by its English name ("monday", "Mon"), or "off". */
static GDateWeekday get_weekday(Reader *r, const char *group, const char *key, const char *def)
{
	static const char *const days[] = { "monday", "tuesday", "wednesday", "thursday", "friday",
		                                "saturday", "sunday" };
	g_autofree char *v = get_str(r, group, key, def);
	if (!g_ascii_strcasecmp(v, "off") || !g_ascii_strcasecmp(v, "none"))
		return G_DATE_BAD_WEEKDAY;
	for (guint i = 0; i < G_N_ELEMENTS(days); i++)
		if (strlen(v) >= 3 && !g_ascii_strncasecmp(days[i], v, strlen(v)))
			return (GDateWeekday)(i + 1);
	if (!r->failed)
		g_set_error(r->error, CH_ERROR, CH_ERROR_CONFIG,
		            "%s:%u: [%s] %s = '%s' must be a day of the week (monday ... sunday) or off",
		            r->path, line_of(r, group, key), group, key, v);
	r->failed = TRUE;
	return G_DATE_BAD_WEEKDAY;
}

static char **get_list(Reader *r, const char *group, const char *key, const char *def)
{
	g_autofree char *v = get_str(r, group, key, def);
	char **parts = g_strsplit(v, ";", -1);
	GPtrArray *out = g_ptr_array_new();
	for (char **p = parts; *p; p++) {
		g_strstrip(*p);
		if (**p)
			g_ptr_array_add(out, g_ascii_strdown(*p, -1));
	}
	g_strfreev(parts);
	g_ptr_array_add(out, NULL);
	return (char **)g_ptr_array_free(out, FALSE);
}

/* A time in minutes or hours ("1 hour", "90 minutes"): in minutes, at least one. */
static guint get_minutes(Reader *r, const char *group, const char *key, guint def)
{
	g_autofree char *v = get_str(r, group, key, NULL);
	if (!v)
		return def;
	g_auto(GStrv) w = g_strsplit_set(v, " \t", -1);
	guint n_words = 0;
	const char *words[2] = { NULL, NULL };
	for (char **p = w; *p; p++) {
		if (!**p)
			continue;
		if (n_words < 2)
			words[n_words] = *p;
		n_words++;
	}
	guint64 n = 0;
	if (n_words == 2 && g_ascii_string_to_unsigned(words[0], 10, 1, 10000, &n, NULL)) {
		const char *u = words[1];
		if (!g_ascii_strcasecmp(u, "minute") || !g_ascii_strcasecmp(u, "minutes"))
			return (guint)n;
		if (!g_ascii_strcasecmp(u, "hour") || !g_ascii_strcasecmp(u, "hours"))
			return (guint)n * 60;
	}
	if (!r->failed)
		g_set_error(r->error, CH_ERROR, CH_ERROR_CONFIG,
		            "%s:%u: [%s] %s = '%s': write e.g. '1 hour' or '30 minutes'", r->path,
		            line_of(r, group, key), group, key, v);
	r->failed = TRUE;
	return def;
}

/* The built-in phrases and the config's own after them: a config written when the list was
 * shorter, or one that lists a council's own words, never narrows what alerts. */
static char **safety_words(Reader *r)
{
	g_auto(GStrv) own = get_list(r, "safety", "words", "");
	GPtrArray *out = g_ptr_array_new();
	for (const char *const *w = ch_phrases_safety; *w; w++)
		g_ptr_array_add(out, g_strdup(*w));
	for (char **w = own; *w; w++)
		g_ptr_array_add(out, g_strdup(*w));
	g_ptr_array_add(out, NULL);
	return (char **)g_ptr_array_free(out, FALSE);
}

static int get_hhmm(Reader *r, const char *group, const char *key, const char *def)
{
	g_autofree char *v = get_str(r, group, key, def);
	int h, m;
	char tail;
	if (sscanf(v, "%d:%d%c", &h, &m, &tail) != 2 || h < 0 || h > 24 || m < 0 || m > 59) {
		if (!r->failed)
			g_set_error(r->error, CH_ERROR, CH_ERROR_CONFIG,
			            "%s:%u: [%s] %s = '%s' is not a time like 09:00", r->path,
			            line_of(r, group, key), group, key, v);
		r->failed = TRUE;
		return 0;
	}
	return h * 60 + m;
}

static gboolean plausible_address(const char *a)
{
	const char *at = a ? strchr(a, '@') : NULL;
	return at && at != a && at[1] && !strchr(at + 1, '@') && !strpbrk(a, " \t<>,;\"");
}

/* A folder list: the council's own folder (when named) first, then the data folder's. */
static char **search_path(Reader *r, const char *dir, const char *key, const char *data)
{
	GPtrArray *p = g_ptr_array_new();
	char *own = get_path(r, dir, "chaser", key, NULL);
	if (own)
		g_ptr_array_add(p, own);
	g_ptr_array_add(p, g_build_filename(data, key, NULL));
	g_ptr_array_add(p, NULL);
	return (char **)g_ptr_array_free(p, FALSE);
}

/* A file that holds a secret must not be readable by others, nor writable by its group:
 * anyone who can read the reply-token key can forge a chair's authorisation. Group read is
 * allowed, for the usual root:chaser 0640. */
static gboolean secret_ok(Reader *r, const char *group, const char *key, const char *file)
{
	struct stat st;
	if (!file || stat(file, &st) != 0 || !(st.st_mode & (S_IRWXO | S_IWGRP)))
		return TRUE;
	if (!r->failed)
		g_set_error(r->error, CH_ERROR, CH_ERROR_CONFIG,
		            "%s:%u: [%s] %s: %s can be %s by others (mode %03o): chmod 600 it",
		            r->path, line_of(r, group, key), group, key, file,
		            (st.st_mode & S_IROTH) ? "read" : "changed", st.st_mode & 0777);
	r->failed = TRUE;
	return FALSE;
}

/* [chaser]: where things are, which procedure, and whose From headers are trusted. */
static void read_chaser(Reader *r, ChConfig *c)
{
	const char *d = c->dir;
	c->database = get_path(r, d, "chaser", "database", "spool/chaser.db");
	c->key_file = get_path(r, d, "chaser", "key", "spool/secret.key");
	c->spool = get_path(r, d, "chaser", "spool", "spool");
	c->data_dir = get_path(r, d, "chaser", "data", CHASER_DATADIR);
	c->rules_path = search_path(r, d, "rules", c->data_dir);
	c->templates_path = search_path(r, d, "templates", c->data_dir);
	c->holidays_file = get_path(r, d, "chaser", "holidays", NULL);
	if (!c->holidays_file)
		c->holidays_file = ch_config_find((const char *const *)c->rules_path,
		                                  "bank-holidays.txt");
	c->nation = get_str(r, "chaser", "nation", "england-and-wales");
	c->procedure = get_str(r, "chaser", "procedure", "default");
	c->authserv_id = get_str(r, "chaser", "authserv_id", NULL);
	if (!c->authserv_id && !r->failed) {
		/* Not a default either way: trusting From headers must be a choice someone made. */
		g_set_error(r->error, CH_ERROR, CH_ERROR_CONFIG,
		            "%s:%u: [chaser] authserv_id is required: name the receiving server's "
		            "authserv-id, or write 'none' (then only replies with a reply token act)",
		            r->path, ch_config_line(c, "chaser", NULL));
		r->failed = TRUE;
	} else if (c->authserv_id && !g_ascii_strcasecmp(c->authserv_id, "none")) {
		g_clear_pointer(&c->authserv_id, g_free);
	}
	c->token_days = get_uint(r, "chaser", "token_days", 120);
	c->reply_limit = get_uint(r, "chaser", "reply_limit", 10);
	c->retention_days = get_uint(r, "chaser", "retention_days", 0);
}

/* [mailbox], [people], [hours], [safety]: who chaser writes as, to whom, and when. */
static void read_people(Reader *r, ChConfig *c)
{
	c->address = get_str(r, "mailbox", "address", NULL);
	c->display_name = get_str(r, "mailbox", "name", "Child Protection Conference Team");
	c->plus_addressing = get_bool(r, "mailbox", "plus_addressing", TRUE);

	for (int role = 0; role < CH_ROLE_N; role++)
		if (ch_role_info(role)->source == CH_ROLE_OF_PEOPLE)
			c->people[role] = get_str(r, "people", ch_role_name(role), NULL);
	c->admin = c->people[CH_ROLE_ADMIN];
	c->cp_managers = get_list(r, "people", ch_role_name(CH_ROLE_CP_MANAGERS), "");

	c->hours_start = get_hhmm(r, "hours", "start", "09:00");
	c->hours_end = get_hhmm(r, "hours", "end", "17:00");
	c->closures = get_list(r, "hours", "closures", "");
	c->safety_words = safety_words(r);
	c->safety_ack_minutes = get_minutes(r, "safety", "ack_within", 60);
	c->admin_confirm = get_bool(r, "admin", "confirm", TRUE);
	c->admin_weekly = get_weekday(r, "admin", "weekly", "monday");

	/* [reports]: the quarterly report to the partnership, sent by chaser run. */
	c->reports_to = get_list(r, "reports", "to", "");
	g_autofree char *send = get_str(r, "reports", "send", NULL);
	c->reports_quarterly = send && !strcmp(send, "quarterly");
	if (send && !c->reports_quarterly && strcmp(send, "never") && !r->failed) {
		g_set_error(r->error, CH_ERROR, CH_ERROR_CONFIG,
		            "%s:%u: [reports] send must be quarterly or never, not '%s'", r->path,
		            line_of(r, "reports", "send"), send);
		r->failed = TRUE;
	}
	c->reports_day = get_uint(r, "reports", "day", 5);
}

/* [inbound], [imap], [outbound], [smtp], [limits]: how mail comes and goes, and the files
 * of secrets it needs (each checked to be private). */
static void read_transports(Reader *r, ChConfig *c)
{
	const char *d = c->dir;
	c->inbound = get_str(r, "inbound", "type", "maildir");
	c->maildir = get_path(r, d, "inbound", "maildir", "spool/inbox");
	ChImapConfig *im = &c->imap;
	im->url = get_str(r, "imap", "url", NULL);
	im->user = get_str(r, "imap", "user", NULL);
	im->password_file = get_path(r, d, "imap", "password_file", NULL);
	im->oauth2_token_file = get_path(r, d, "imap", "oauth2_token_file", NULL);
	im->oauth2_token_command = get_str(r, "imap", "oauth2_token_command", NULL);
	im->ca_file = get_path(r, d, "imap", "ca_file", NULL);
	im->starttls = get_bool(r, "imap", "starttls", TRUE);
	im->mailbox = get_str(r, "imap", "mailbox", "INBOX");
	im->processed = get_str(r, "imap", "processed", "Processed");
	im->quarantine = get_str(r, "imap", "quarantine", "Quarantine");
	im->idle = get_bool(r, "imap", "idle", TRUE);
	im->poll_interval = get_uint(r, "imap", "poll_interval", 60);
	im->timeout = get_uint(r, "imap", "timeout", 60);

	c->outbound = get_str(r, "outbound", "type", "spool");
	c->outgoing_dir = get_path(r, d, "outbound", "dir", "spool/outgoing");
	ChSmtpConfig *sm = &c->smtp;
	sm->url = get_str(r, "smtp", "url", NULL);
	sm->user = get_str(r, "smtp", "user", NULL);
	sm->password_file = get_path(r, d, "smtp", "password_file", NULL);
	sm->oauth2_token_file = get_path(r, d, "smtp", "oauth2_token_file", NULL);
	sm->oauth2_token_command = get_str(r, "smtp", "oauth2_token_command", NULL);
	sm->ca_file = get_path(r, d, "smtp", "ca_file", NULL);
	sm->require_tls = get_bool(r, "smtp", "require_tls", TRUE);
	sm->helo = get_str(r, "smtp", "helo", NULL);
	sm->timeout = get_uint(r, "smtp", "timeout", 60);

	c->max_message_size = get_uint(r, "limits", "max_message_size", 40u << 20);
	c->max_attachment_size = get_uint(r, "limits", "max_attachment_size", 30u << 20);

	secret_ok(r, "chaser", "key", c->key_file);
	secret_ok(r, "imap", "password_file", im->password_file);
	secret_ok(r, "imap", "oauth2_token_file", im->oauth2_token_file);
	secret_ok(r, "smtp", "password_file", sm->password_file);
	secret_ok(r, "smtp", "oauth2_token_file", sm->oauth2_token_file);
}

/* [web]: the console (chaser web). Loopback by default; where it may listen otherwise is
 * checked when it starts (web/web_server.c), as it needs TLS or a proxy in front. */
static void read_web(Reader *r, ChConfig *c)
{
	ChWebConfig *w = &c->web;
	w->given = g_key_file_has_group(r->kf, "web");
	w->listen = get_str(r, "web", "listen", "127.0.0.1");
	w->port = get_uint(r, "web", "port", 8470);
	w->url = get_str(r, "web", "url", NULL);
	w->cert_file = get_path(r, c->dir, "web", "cert_file", NULL);
	w->key_file = get_path(r, c->dir, "web", "key_file", NULL);
	w->trusted_proxy = get_str(r, "web", "trusted_proxy", NULL);
	w->managers = get_list(r, "web", "managers", "");
	w->session_idle = get_minutes(r, "web", "session_idle", 30);
	w->session_max = get_minutes(r, "web", "session_max", 8 * 60);
	if (w->port == 0 || w->port > 65535) {
		if (!r->failed)
			g_set_error(r->error, CH_ERROR, CH_ERROR_CONFIG,
			            "%s:%u: [web] port must be between 1 and 65535", r->path,
			            line_of(r, "web", "port"));
		r->failed = TRUE;
	}
	secret_ok(r, "web", "key_file", w->key_file);
}

/* One address the config must or may give: [group] key, required or not. */
static gboolean check_address(const ChConfig *c, const char *path, const char *g, const char *k,
                              const char *value, gboolean required, GError **error)
{
	if (!value && required) {
		/* Without these, a triage alert or an immediate-safety alert has nobody to go to. */
		g_set_error(error, CH_ERROR, CH_ERROR_CONFIG, "%s:%u: [%s] %s is required", path,
		            ch_config_line(c, g, NULL), g, k);
		return FALSE;
	}
	if (value && !plausible_address(value)) {
		g_set_error(error, CH_ERROR, CH_ERROR_CONFIG, "%s:%u: [%s] %s must be an email address",
		            path, ch_config_line(c, g, k), g, k);
		return FALSE;
	}
	return TRUE;
}

/* The mailbox's address, then every [people] role of the name table: admin first, as it
 * always was (every alert falls back to it), then the others in the table's order. */
static gboolean check_addresses(const ChConfig *c, const char *path, GError **error)
{
	if (!check_address(c, path, "mailbox", "address", c->address, TRUE, error))
		return FALSE;
	for (int k = -1; k < CH_ROLE_N; k++) {
		ChRole role = k < 0 ? CH_ROLE_ADMIN : (ChRole)k;
		const ChRoleInfo *info = ch_role_info(role);
		if (info->source != CH_ROLE_OF_PEOPLE || (k >= 0 && role == CH_ROLE_ADMIN))
			continue;
		if (!check_address(c, path, "people", info->name, c->people[role], info->required,
		                   error))
			return FALSE;
	}
	return TRUE;
}

/* What each value read cannot say alone: required addresses, one of the known types, hours
 * that end after they start, a bank-holiday file found. */
static gboolean check_config(const ChConfig *c, const char *path, GError **error)
{
	if (!check_addresses(c, path, error))
		return FALSE;
	for (char **m = c->cp_managers; *m; m++) {
		if (!plausible_address(*m)) {
			g_set_error(error, CH_ERROR, CH_ERROR_CONFIG,
			            "%s:%u: [people] cp_managers: '%s' is not an email address", path,
			            ch_config_line(c, "people", "cp_managers"), *m);
			return FALSE;
		}
	}
	for (char **m = c->web.managers; *m; m++) {
		if (!plausible_address(*m)) {
			g_set_error(error, CH_ERROR, CH_ERROR_CONFIG,
			            "%s:%u: [web] managers: '%s' is not an email address", path,
			            ch_config_line(c, "web", "managers"), *m);
			return FALSE;
		}
	}
	for (char **m = c->reports_to; *m; m++) {
		if (!plausible_address(*m)) {
			g_set_error(error, CH_ERROR, CH_ERROR_CONFIG,
			            "%s:%u: [reports] to: '%s' is not an email address", path,
			            ch_config_line(c, "reports", "to"), *m);
			return FALSE;
		}
	}
	if (c->reports_quarterly && !*c->reports_to) {
		g_set_error(error, CH_ERROR, CH_ERROR_CONFIG,
		            "%s:%u: [reports] send = quarterly needs to = the addresses it goes to",
		            path, ch_config_line(c, "reports", "send"));
		return FALSE;
	}
	if (c->reports_day < 1 || c->reports_day > 40) {
		g_set_error(error, CH_ERROR, CH_ERROR_CONFIG,
		            "%s:%u: [reports] day must be a working day from 1 to 40 after the "
		            "quarter ends",
		            path, ch_config_line(c, "reports", "day"));
		return FALSE;
	}
	if (strcmp(c->inbound, "maildir") && strcmp(c->inbound, "imap")) {
		g_set_error(error, CH_ERROR, CH_ERROR_CONFIG,
		            "%s:%u: [inbound] type must be maildir or imap", path,
		            ch_config_line(c, "inbound", "type"));
		return FALSE;
	}
	if (strcmp(c->outbound, "spool") && strcmp(c->outbound, "smtp")) {
		g_set_error(error, CH_ERROR, CH_ERROR_CONFIG,
		            "%s:%u: [outbound] type must be spool or smtp", path,
		            ch_config_line(c, "outbound", "type"));
		return FALSE;
	}
	if (c->hours_end <= c->hours_start) {
		g_set_error(error, CH_ERROR, CH_ERROR_CONFIG, "%s:%u: [hours] end must be after start",
		            path, ch_config_line(c, "hours", "end"));
		return FALSE;
	}
	if (!c->holidays_file) {
		g_autofree char *where = g_strjoinv(", ", c->rules_path);
		g_set_error(error, CH_ERROR, CH_ERROR_CONFIG,
		            "%s: no bank-holiday file: bank-holidays.txt is in none of %s (is [chaser] "
		            "data right?)",
		            path, where);
		return FALSE;
	}
	return TRUE;
}

ChConfig *ch_config_load(const char *path, GError **error)
{
	g_autoptr(GKeyFile) kf = g_key_file_new();
	g_autofree char *text = NULL;
	gsize len = 0;
	GError *local = NULL;
	if (!g_file_get_contents(path, &text, &len, &local)) {
		g_set_error(error, CH_ERROR, CH_ERROR_CONFIG, "cannot read config %s: %s", path,
		            local->message);
		g_error_free(local);
		return NULL;
	}
	g_autoptr(GHashTable) lines = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	if (!scan_lines(path, text, len, lines, error))
		return NULL;
	if (!g_key_file_load_from_data(kf, text, len, G_KEY_FILE_NONE, &local)) {
		g_set_error(error, CH_ERROR, CH_ERROR_CONFIG, "cannot read config %s: %s", path,
		            local->message);
		g_error_free(local);
		return NULL;
	}
	Reader r = { kf, path, lines, error, FALSE };
	ChConfig *c = g_new0(ChConfig, 1);
	c->path = g_strdup(path);
	c->dir = g_path_get_dirname(path);
	c->lines = g_hash_table_ref(lines);

	read_chaser(&r, c);
	read_people(&r, c);
	read_transports(&r, c);
	read_web(&r, c);
	if (r.failed || !check_config(c, path, error))
		goto fail;
	char *lower = g_ascii_strdown(c->address, -1);
	g_free(c->address);
	c->address = lower;
	return c;
fail:
	ch_config_free(c);
	return NULL;
}

void ch_config_free(ChConfig *c)
{
	if (!c)
		return;
	g_free(c->path), g_free(c->dir), g_free(c->database), g_free(c->key_file);
	g_free(c->spool), g_free(c->data_dir);
	g_strfreev(c->rules_path), g_strfreev(c->templates_path);
	if (c->lines)
		g_hash_table_unref(c->lines);
	g_free(c->holidays_file), g_free(c->nation), g_free(c->procedure);
	g_free(c->authserv_id), g_free(c->address), g_free(c->display_name);
	for (int role = 0; role < CH_ROLE_N; role++)
		g_free(c->people[role]);
	g_strfreev(c->cp_managers), g_strfreev(c->reports_to), g_strfreev(c->closures), g_strfreev(c->safety_words);
	g_free(c->inbound), g_free(c->maildir), g_free(c->outbound), g_free(c->outgoing_dir);
	ChImapConfig *im = &c->imap;
	g_free(im->url), g_free(im->user), g_free(im->password_file);
	g_free(im->oauth2_token_file), g_free(im->oauth2_token_command), g_free(im->ca_file);
	g_free(im->mailbox), g_free(im->processed), g_free(im->quarantine);
	ChSmtpConfig *sm = &c->smtp;
	g_free(sm->url), g_free(sm->user), g_free(sm->password_file);
	g_free(sm->oauth2_token_file), g_free(sm->oauth2_token_command), g_free(sm->ca_file);
	g_free(sm->helo);
	ChWebConfig *w = &c->web;
	g_free(w->listen), g_free(w->url), g_free(w->cert_file), g_free(w->key_file);
	g_free(w->trusted_proxy), g_strfreev(w->managers);
	g_free(c);
}
