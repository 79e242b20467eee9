#include "app/config.h"

#include <stdio.h>
#include <string.h>

#include "util/error.h"

/* Used when the config does not list its own: an immediate-safety alert must never be off
 * because a key was left out. */
#define SAFETY_WORDS                                                                          \
	"immediate danger;not safe tonight;immediate risk;at risk of serious harm now;"           \
	"disclosed abuse today;police protection"

static const char default_text[] =
	"# chaser configuration. Relative paths are taken from this file's folder.\n"
	"# Secrets never go in this file: name a file that holds them (mode 0600).\n"
	"\n"
	"[chaser]\n"
	"database = spool/chaser.db\n"
	"key = spool/secret.key\n"
	"spool = spool\n"
	"rules = rules\n"
	"templates = templates\n"
	"holidays = rules/bank-holidays.txt\n"
	"# england-and-wales, scotland or northern-ireland\n"
	"nation = england-and-wales\n"
	"# the rules file in rules/ used when a conference names none\n"
	"procedure = default\n"
	"# the receiving server's authserv-id; when set, commands need DMARC pass from it\n"
	"#authserv_id = mx.council.example\n"
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
	"admin = cp.admin@council.example\n"
	"cp_coordinator = cp.coordinator@council.example\n"
	"lead_safeguarding_manager = lead.safeguarding@council.example\n"
	"# chair of the quality assurance group, for procedures whose ladder ends there\n"
	"qasg = qasg.chair@council.example\n"
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
	"# words that mean a child may not be safe now: any message holding one alerts the\n"
	"# CP coordinator at once\n"
	"words = " SAFETY_WORDS "\n"
	"\n"
	"[inbound]\n"
	"# maildir (the embedded default) or imap\n"
	"type = maildir\n"
	"maildir = spool/inbox\n"
	"\n"
	"[imap]\n"
	"#url = imaps://outlook.office365.com:993\n"
	"#user = safeguarding@council.example\n"
	"#password_file = /etc/chaser/imap-password\n"
	"#oauth2_token_command = /usr/local/bin/get-token imap\n"
	"#ca_file =\n"
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
	"dir = spool/outgoing\n"
	"\n"
	"[smtp]\n"
	"#url = smtp://smtp.office365.com:587\n"
	"#user = safeguarding@council.example\n"
	"#password_file = /etc/chaser/smtp-password\n"
	"#oauth2_token_command = /usr/local/bin/get-token smtp\n"
	"require_tls = true\n"
	"timeout = 60\n"
	"\n"
	"[limits]\n"
	"max_message_size = 41943040\n"
	"max_attachment_size = 31457280\n";

const char *ch_config_default_text(void)
{
	return default_text;
}

typedef struct {
	GKeyFile *kf;
	const char *path;
	GError **error;
	gboolean failed;
} Reader;

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
			            "%s: [%s] %s = '%s' is not a whole number", r->path, group, key, v);
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
		            "%s: [%s] %s = '%s' must be true or false", r->path, group, key, v);
	r->failed = TRUE;
	return def;
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

static int get_hhmm(Reader *r, const char *group, const char *key, const char *def)
{
	g_autofree char *v = get_str(r, group, key, def);
	int h, m;
	char tail;
	if (sscanf(v, "%d:%d%c", &h, &m, &tail) != 2 || h < 0 || h > 24 || m < 0 || m > 59) {
		if (!r->failed)
			g_set_error(r->error, CH_ERROR, CH_ERROR_CONFIG,
			            "%s: [%s] %s = '%s' is not a time like 09:00", r->path, group, key, v);
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

ChConfig *ch_config_load(const char *path, GError **error)
{
	g_autoptr(GKeyFile) kf = g_key_file_new();
	GError *local = NULL;
	if (!g_key_file_load_from_file(kf, path, G_KEY_FILE_NONE, &local)) {
		g_set_error(error, CH_ERROR, CH_ERROR_CONFIG, "cannot read config %s: %s", path,
		            local->message);
		g_error_free(local);
		return NULL;
	}
	Reader r = { kf, path, error, FALSE };
	ChConfig *c = g_new0(ChConfig, 1);
	c->path = g_strdup(path);
	c->dir = g_path_get_dirname(path);
	const char *d = c->dir;

	c->database = get_path(&r, d, "chaser", "database", "spool/chaser.db");
	c->key_file = get_path(&r, d, "chaser", "key", "spool/secret.key");
	c->spool = get_path(&r, d, "chaser", "spool", "spool");
	c->rules_dir = get_path(&r, d, "chaser", "rules", "rules");
	c->templates_dir = get_path(&r, d, "chaser", "templates", "templates");
	c->holidays_file = get_path(&r, d, "chaser", "holidays", "rules/bank-holidays.txt");
	c->nation = get_str(&r, "chaser", "nation", "england-and-wales");
	c->procedure = get_str(&r, "chaser", "procedure", "default");
	c->authserv_id = get_str(&r, "chaser", "authserv_id", NULL);
	c->token_days = get_uint(&r, "chaser", "token_days", 120);
	c->reply_limit = get_uint(&r, "chaser", "reply_limit", 10);
	c->retention_days = get_uint(&r, "chaser", "retention_days", 0);

	c->address = get_str(&r, "mailbox", "address", NULL);
	c->display_name = get_str(&r, "mailbox", "name", "Child Protection Conference Team");
	c->plus_addressing = get_bool(&r, "mailbox", "plus_addressing", TRUE);

	c->admin = get_str(&r, "people", "admin", NULL);
	c->cp_coordinator = get_str(&r, "people", "cp_coordinator", NULL);
	c->lead_safeguarding_manager = get_str(&r, "people", "lead_safeguarding_manager", NULL);
	c->qasg = get_str(&r, "people", "qasg", NULL);
	c->cp_managers = get_list(&r, "people", "cp_managers", "");

	c->hours_start = get_hhmm(&r, "hours", "start", "09:00");
	c->hours_end = get_hhmm(&r, "hours", "end", "17:00");
	c->closures = get_list(&r, "hours", "closures", "");
	c->safety_words = get_list(&r, "safety", "words", SAFETY_WORDS);

	c->inbound = get_str(&r, "inbound", "type", "maildir");
	c->maildir = get_path(&r, d, "inbound", "maildir", "spool/inbox");
	ChImapConfig *im = &c->imap;
	im->url = get_str(&r, "imap", "url", NULL);
	im->user = get_str(&r, "imap", "user", NULL);
	im->password_file = get_path(&r, d, "imap", "password_file", NULL);
	im->oauth2_token_file = get_path(&r, d, "imap", "oauth2_token_file", NULL);
	im->oauth2_token_command = get_str(&r, "imap", "oauth2_token_command", NULL);
	im->ca_file = get_path(&r, d, "imap", "ca_file", NULL);
	im->starttls = get_bool(&r, "imap", "starttls", TRUE);
	im->mailbox = get_str(&r, "imap", "mailbox", "INBOX");
	im->processed = get_str(&r, "imap", "processed", "Processed");
	im->quarantine = get_str(&r, "imap", "quarantine", "Quarantine");
	im->idle = get_bool(&r, "imap", "idle", TRUE);
	im->poll_interval = get_uint(&r, "imap", "poll_interval", 60);
	im->timeout = get_uint(&r, "imap", "timeout", 60);

	c->outbound = get_str(&r, "outbound", "type", "spool");
	c->outgoing_dir = get_path(&r, d, "outbound", "dir", "spool/outgoing");
	ChSmtpConfig *sm = &c->smtp;
	sm->url = get_str(&r, "smtp", "url", NULL);
	sm->user = get_str(&r, "smtp", "user", NULL);
	sm->password_file = get_path(&r, d, "smtp", "password_file", NULL);
	sm->oauth2_token_file = get_path(&r, d, "smtp", "oauth2_token_file", NULL);
	sm->oauth2_token_command = get_str(&r, "smtp", "oauth2_token_command", NULL);
	sm->ca_file = get_path(&r, d, "smtp", "ca_file", NULL);
	sm->require_tls = get_bool(&r, "smtp", "require_tls", TRUE);
	sm->helo = get_str(&r, "smtp", "helo", NULL);
	sm->timeout = get_uint(&r, "smtp", "timeout", 60);

	c->max_message_size = get_uint(&r, "limits", "max_message_size", 40u << 20);
	c->max_attachment_size = get_uint(&r, "limits", "max_attachment_size", 30u << 20);

	if (r.failed)
		goto fail;
	const char *bad = NULL;
	if (!plausible_address(c->address))
		bad = "[mailbox] address";
	else if (c->admin && !plausible_address(c->admin))
		bad = "[people] admin";
	else if (c->cp_coordinator && !plausible_address(c->cp_coordinator))
		bad = "[people] cp_coordinator";
	if (bad) {
		g_set_error(error, CH_ERROR, CH_ERROR_CONFIG, "%s: %s must be an email address",
		            path, bad);
		goto fail;
	}
	if (strcmp(c->inbound, "maildir") && strcmp(c->inbound, "imap")) {
		g_set_error(error, CH_ERROR, CH_ERROR_CONFIG,
		            "%s: [inbound] type must be maildir or imap", path);
		goto fail;
	}
	if (strcmp(c->outbound, "spool") && strcmp(c->outbound, "smtp")) {
		g_set_error(error, CH_ERROR, CH_ERROR_CONFIG,
		            "%s: [outbound] type must be spool or smtp", path);
		goto fail;
	}
	if (c->hours_end <= c->hours_start) {
		g_set_error(error, CH_ERROR, CH_ERROR_CONFIG,
		            "%s: [hours] end must be after start", path);
		goto fail;
	}
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
	g_free(c->spool), g_free(c->rules_dir), g_free(c->templates_dir);
	g_free(c->holidays_file), g_free(c->nation), g_free(c->procedure);
	g_free(c->authserv_id), g_free(c->address), g_free(c->display_name);
	g_free(c->admin), g_free(c->cp_coordinator), g_free(c->lead_safeguarding_manager);
	g_free(c->qasg);
	g_strfreev(c->cp_managers), g_strfreev(c->closures), g_strfreev(c->safety_words);
	g_free(c->inbound), g_free(c->maildir), g_free(c->outbound), g_free(c->outgoing_dir);
	ChImapConfig *im = &c->imap;
	g_free(im->url), g_free(im->user), g_free(im->password_file);
	g_free(im->oauth2_token_file), g_free(im->oauth2_token_command), g_free(im->ca_file);
	g_free(im->mailbox), g_free(im->processed), g_free(im->quarantine);
	ChSmtpConfig *sm = &c->smtp;
	g_free(sm->url), g_free(sm->user), g_free(sm->password_file);
	g_free(sm->oauth2_token_file), g_free(sm->oauth2_token_command), g_free(sm->ca_file);
	g_free(sm->helo);
	g_free(c);
}
