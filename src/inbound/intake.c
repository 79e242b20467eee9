#define _GNU_SOURCE /* gettid */
#include "inbound/intake.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>
#include <sys/file.h>
#include <glib/gstdio.h>

#include "app/adminmail.h"
#include "app/app.h"
#include "app/effects.h"
#include "app/service.h"
#include "classify/classify.h"
#include "engine/engine.h"
#include "engine/kinds.h"
#include "message/quoted.h"
#include "outbound/outbox.h"
#include "store/cases.h"
#include "store/messages.h"
#include "store/outbox.h"
#include "store/safety.h"
#include "util/clock.h"
#include "util/durable.h"
#include "util/crashpoint.h"
#include "util/error.h"
#include "util/mapped.h"

/* A message that makes the handler fail this many times goes to quarantine. */
#define MAX_ATTEMPTS 3

typedef struct Ahead Ahead;

typedef struct {
	ChApp *app;
	const char *fp;
	const char *where;
	GDateTime *now;
	char *now_s;
	char *source;      /* "message:<sha256>" for the audit log */
	gint64 row;        /* message table id */
	gboolean release;  /* a person vouched for the sender (triage release) */
	gboolean quiet;    /* to triage without an alert of its own (the digest counts it) */
	const guint8 *raw; /* the message's bytes, while it is handled */
	gsize raw_len;
	gboolean mapped;   /* raw is a mapping of the spooled file (ch_intake_file) */
	Ahead *ahead;      /* what the second thread read of it (reading ahead), or NULL */
	gboolean scanned;  /* the safety scan is done: */
	gboolean words;    /* and found words of an immediate-safety concern */
} Ctx;

static gboolean set_message(Ctx *x, ChMsgState state, const char *kind, gint64 conference_id,
                            const char *reason, GError **error)
{
	return ch_store_message_set(x->app->store, x->row, ch_msg_state_name(state), kind,
	                            conference_id, reason, error);
}

static gboolean apply_effects(Ctx *x, ChCase *c, ChEffects *fx, const char *in_reply_to,
                              GError **error)
{
	return ch_effects_apply(x->app, c, fx, in_reply_to, x->now, x->source, error);
}

/* The engine's context for the message in hand: its case's rules, or the default. */
static void engine_ctx(Ctx *x, const ChCase *c, ChEngineCtx *ctx)
{
	const ChRules *rules = ch_app_rules(x->app, c ? c->procedure : NULL, NULL);
	if (!rules)
		rules = ch_app_rules(x->app, NULL, NULL);
	ch_app_engine_ctx(x->app, rules, x->now, x->fp, ctx);
}

/* Triage, as the engine decides it (engine/triage.c), for the message of case c (or none). */
static gboolean to_triage_case(Ctx *x, ChCase *c, ChMsgState state, const char *reason,
                               GError **error)
{
	ChEngineCtx ctx;
	engine_ctx(x, c, &ctx);
	g_autoptr(ChEffects) fx = ch_effects_new();
	ch_engine_triage(c, &ctx, x->row, state, reason, x->quiet, fx);
	return apply_effects(x, c, fx, NULL, error);
}

/* ... for a message of conference `conference_id` (0: none), its case loaded here. */
static gboolean to_triage(Ctx *x, ChMsgState state, gint64 conference_id, const char *reason,
                          GError **error)
{
	g_autoptr(ChCase) c = conference_id ? ch_store_case_load_id(x->app->store, conference_id,
	                                                            error)
	                                    : NULL;
	if (conference_id && !c)
		return FALSE;
	return to_triage_case(x, c, state, reason, error);
}

/* Immediate safety is looked for in every message, whatever its class and whether or not it
 * can be matched, trusted or even read: a disclosure forwarded by a rule, sent through a list
 * or caught in an out-of-office must still reach someone who acts. `what` tells the person
 * alerted where the words were seen, and says when the message looked automatic. */
static gboolean safety_anyway(Ctx *x, ChCase *c, gboolean words, const char *what,
                              GError **error)
{
	if (!words)
		return TRUE;
	g_autoptr(ChEffects) fx = ch_effects_new();
	ChEngineCtx ctx;
	engine_ctx(x, c, &ctx);
	ch_engine_safety_words_found(c, &ctx, what, x->fp, fx);
	return apply_effects(x, c, fx, NULL, error);
}

/* The raw message as words could be seen in it, whatever part they sit in (a second text
 * part, a .txt attachment, a forwarded message) and however it was encoded: quoted-printable
 * soft breaks and =XX undone, and every run of base64-looking lines decoded beside the
 * original. Best effort and only for the safety scan: nothing else reads it. */
#define VIEW_MAX (4u << 20)        /* the decoded view reads the first 4 MiB of a message */
#define VIEW_B64_MAX (1u << 20)    /* and decodes base64 runs up to 1 MiB (not a PDF's) */

/* Decoded bytes that are text, in any charset: almost no control characters, where a PDF,
 * an image or a zip has one byte in eight. Only text is read for the words: in binary, short
 * phrases ("gun", "s 47") turn up by chance, and every report sent as a file would alert. */
static gsize control_chars(const guchar *b, gsize n)
{
	gsize control = 0;
	for (gsize k = 0; k < n; k++)
		control += (b[k] < 0x20 && !g_ascii_isspace(b[k])) || b[k] == 0x7f;
	return control;
}

#define B64_PIECE 4096

/* A run of base64 lines, decoded onto out (when long enough to be a part, and text: one
 * control character in a hundred at most), then emptied. A run cut at VIEW_B64_MAX is an
 * attachment's start: decoded as far as it goes. Decoded a piece at a time, and given up
 * as soon as the control characters seen are more than a hundredth of what the whole run
 * could decode to: then it cannot be text, and a PDF's is known so after a tenth. */
static void add_base64_run(GString *run, GString *out)
{
	if (run->len >= 16 && run->len <= VIEW_B64_MAX + 4096) {
		gsize most = run->len / 4 * 3 + 3, n = 0, control = 0;
		guchar *bin = g_malloc(most + 1);
		gint state = 0;
		guint save = 0;
		for (gsize at = 0; at < run->len && control * 100 <= most; at += B64_PIECE) {
			gsize got = g_base64_decode_step(run->str + at, MIN(B64_PIECE, run->len - at),
			                                 bin + n, &state, &save);
			control += control_chars(bin + n, got);
			n += got;
		}
		if (control * 100 <= n) {
			g_autofree char *valid = g_utf8_make_valid((const char *)bin, (gssize)n);
			g_string_append_c(out, '\n');
			g_string_append(out, valid);
		}
		g_free(bin);
	}
	g_string_truncate(run, 0);
}

static gboolean base64ish(char c)
{
	return g_ascii_isalnum(c) || c == '+' || c == '/' || c == '=' || c == '-' || c == '_';
}

/* Quoted-printable undone on one line (its line break included), wherever it appears:
 * harmless on text that is not. A stretch of 40 characters or more of the base64 alphabets
 * is one space: no one writes so much without a space, and a signature's b= value, a
 * Message-ID or a link's token would otherwise be read as words split at '/' and '+', in
 * which short ones ("gun", "stab") turn up by chance. */
static void append_qp_undone(GString *out, const char *l, gsize n)
{
	const char *end = l + n;
	for (const char *p = l; p < end; p++) {
		if (p == l || !base64ish(p[-1])) {
			gsize run = 0;
			while (p + run < end && base64ish(p[run]))
				run++;
			if (run >= 40) {
				g_string_append_c(out, ' ');
				p += run - 1;
				continue;
			}
		}
		gsize left = (gsize)(end - p);
		if (p[0] == '=' && left > 1 &&
		    (p[1] == '\n' || (p[1] == '\r' && left > 2 && p[2] == '\n'))) {
			p += p[1] == '\r' ? 2 : 1;
		} else if (p[0] == '=' && left > 2 && g_ascii_isxdigit(p[1]) &&
		           g_ascii_isxdigit(p[2])) {
			char c = (char)(g_ascii_xdigit_value(p[1]) * 16 + g_ascii_xdigit_value(p[2]));
			g_string_append_c(out, c == '\0' ? ' ' : c);
			p += 2;
		} else {
			g_string_append_c(out, *p);
		}
	}
}

/* The decoded view of raw, appended to out. mapped: raw is a mapping of the spooled file
 * (mapped.h), given back once copied. */
static void decoded_view(GString *out, const guint8 *raw, gsize len, const guint8 *mapped)
{
	/* Bounded: what a person writes sits in the first megabytes; a 25 MB attachment must not
	 * cost ten times its size here, and its text was read by the parser already. Bytes in
	 * memory that are valid UTF-8 already (no NUL either) are read where they are. */
	len = MIN(len, VIEW_MAX);
	const char *text = (const char *)raw;
	g_autofree char *copy = NULL;
	if (mapped || !g_utf8_validate_len(text, len, NULL)) {
		text = copy = g_utf8_make_valid(text, (gssize)len);
		ChMappedPass pass = { mapped, 0 };
		ch_mapped_release_all(&pass, len);
		len = strlen(copy);
	}
	const char *end = text + len;
	/* Each line as it is (quoted-printable undone), and each run of lines made only of the
	 * base64 alphabet decoded after it. A run's lines are left out once one is 40
	 * characters or more (its last, shorter line too): only what they decode to is read.
	 * The lines are walked in place: a split of 40 MB of short lines costs ten times its
	 * size. */
	GString *run = g_string_new(NULL);
	gboolean in_long_run = FALSE;
	for (const char *l = text;;) {
		const char *nl = memchr(l, '\n', (gsize)(end - l));
		gsize n = nl ? (gsize)(nl - l) : (gsize)(end - l);
		gsize body = n > 0 && l[n - 1] == '\r' ? n - 1 : n;
		gboolean b64 = body >= 8;
		for (gsize k = 0; b64 && k < body; k++)
			b64 = g_ascii_isalnum(l[k]) || l[k] == '+' || l[k] == '/' || l[k] == '=';
		if (b64 && run->len <= VIEW_B64_MAX)
			g_string_append_len(run, l, (gssize)body);
		else if (!b64)
			add_base64_run(run, out);
		in_long_run = b64 && (in_long_run || body >= 40);
		if (!in_long_run)
			append_qp_undone(out, l, nl ? n + 1 : n);
		if (!nl)
			break;
		l = nl + 1;
	}
	add_base64_run(run, out);
	g_string_free(run, TRUE);
}

/* What the safety scan reads of a message: its subject, its body as understood, and the
 * decoded view of all its bytes, as valid UTF-8. One buffer, copied again only when the
 * view made something invalid (a quoted-printable byte). */
static char *safety_text(const ChMessage *m, const guint8 *raw, gsize len,
                         const guint8 *mapped)
{
	GString *out = g_string_sized_new(MIN(len, VIEW_MAX) * 3 / 2 + 64);
	if (m) {
		g_string_append(out, m->subject ? m->subject : "");
		g_string_append_c(out, '\n');
		g_string_append(out, m->body_text ? m->body_text : "");
	}
	g_string_append_c(out, '\n');
	if (raw)
		decoded_view(out, raw, len, mapped);
	if (g_utf8_validate_len(out->str, out->len, NULL))
		return g_string_free(out, FALSE);
	char *valid = g_utf8_make_valid(out->str, (gssize)out->len);
	g_string_free(out, TRUE);
	return valid;
}

/* Does the safety scan find words in the message in hand (m NULL: it could not be read)?
 * Read once, on the second thread when it read the message ahead. */
static gboolean words_found(Ctx *x, const ChMessage *m)
{
	if (!x->scanned) {
		g_autofree char *text = safety_text(m, x->raw, x->raw_len, x->mapped ? x->raw : NULL);
		x->words = ch_engine_safety_words(x->app->safety, text);
		x->scanned = TRUE;
	}
	return x->words;
}

/* The immediate-safety alert this message answers, by the mail of ours it replies to
 * (In-Reply-To, then References, newest first); NULL with no error when it answers none.
 * An alert goes to people, not to a conference's thread, so it carries no reply token: its
 * Message-ID, which only its recipients saw, names it. */
static gboolean alert_of_thread(Ctx *x, const ChMessage *m, ChSafetyAlert **a_r,
                                GError **error)
{
	ChStore *s = x->app->store;
	gint64 id = 0;
	*a_r = NULL;
	if (!ch_store_safety_by_mail(s, m->in_reply_to, &id, error))
		return FALSE;
	for (guint i = 0; !id && m->references && i < m->references->len; i++)
		if (!ch_store_safety_by_mail(s, m->references->pdata[m->references->len - 1 - i], &id,
		                             error))
			return FALSE;
	if (id && !(*a_r = ch_store_safety_load(s, id, error)))
		return FALSE;
	return TRUE;
}

static gboolean handle_bounce(Ctx *x, const ChMessage *m, GError **error)
{
	gint64 conf = 0;
	gboolean ours = FALSE;
	if (m->bounced_message_id &&
	    !ch_store_outbox_has_message_id(x->app->store, m->bounced_message_id, &ours, error))
		return FALSE;
	if (!ours) {
		/* A bounce of our own mail repeats our own words (a safety alert among them): only
		 * one that bounces nothing of ours is read for them. */
		/* The message it carries back is not ours, so all of it is read, not only the
		 * report's first part. */
		g_autofree char *what = g_strdup_printf(
			"a delivery report from %s that answers no mail of ours (it may carry someone "
			"else's message)", m->from_addr ? m->from_addr : "an unknown sender");
		/* No alert of its own: a bouncing admin address would otherwise answer every alert
		 * with a bounce, and every bounce with an alert. The triage digest counts it. */
		x->quiet = TRUE;
		return safety_anyway(x, NULL, words_found(x, m), what, error) &&
		       to_triage(x, CH_MSG_TRIAGE, 0, "a bounce for no message we sent", error);
	}
	g_autofree char *why = g_strdup_printf("%s%s%s", m->bounce_status ? m->bounce_status : "",
	                                       m->bounce_status && m->bounced_rcpt ? " " : "",
	                                       m->bounced_rcpt ? m->bounced_rcpt : "");
	return ch_outbox_mark_bounced(x->app, m->bounced_message_id, m->bounce_action,
	                              *why ? why : NULL, x->now_s, x->source, &conf, error) &&
	       set_message(x, CH_MSG_HANDLED, "bounce", conf, NULL, error);
}

/* Automatic mail is recorded on its case when it can be linked, and never answered: no
 * out-of-office is ever read as a reply, and no robot ever talks to ours. */
static gboolean handle_auto(Ctx *x, const ChMessage *m, GError **error)
{
	ChMatch match;
	if (!ch_classify(x->app, m, x->now, &match, error))
		return FALSE;
	/* Linked to its case only when the thread was found and the sender belongs: an automatic
	 * reply with a refused token says nothing about anyone's case. */
	gboolean linked = match.result != CH_MATCH_NONE;
	gint64 conf = linked ? match.conference_id : 0;
	g_autoptr(ChCase) c = conf ? ch_store_case_load_id(x->app->store, conf, error) : NULL;
	if (conf && !c) {
		ch_match_clear(&match);
		return FALSE;
	}
	g_autofree char *what = g_strdup_printf(
		"a message from %s that looks automatic (%s): it may have been forwarded, sent by a "
		"list or caught in an out-of-office, so check who wrote it",
		m->from_addr ? m->from_addr : "an unknown sender",
		m->class_reason ? m->class_reason : "automatic mail");
	if (!safety_anyway(x, c, words_found(x, m), what, error)) {
		ch_match_clear(&match);
		return FALSE;
	}
	ChAutoMail am = { .row = x->row, .from = m->from_addr, .why = m->class_reason,
	                  .back = m->auto_return_date };
	g_autoptr(ChEffects) fx = ch_effects_new();
	ch_engine_automatic(c, linked ? match.purpose : CH_PURPOSE_NONE, match.object_id, &am, fx);
	ch_match_clear(&match);
	/* An out-of-office from someone asked to acknowledge an immediate-safety alert: in
	 * answer to the alert, or (a server that drops the thread) from them while one waits
	 * for them. Nobody is there to act, so the managers are told now. */
	g_autoptr(ChSafetyAlert) alert = NULL;
	gint64 waiting = 0;
	if (!alert_of_thread(x, m, &alert, error) ||
	    (!alert && !ch_store_safety_open_asking(x->app->store, m->from_addr, &waiting, error)) ||
	    (waiting && !(alert = ch_store_safety_load(x->app->store, waiting, error))))
		return FALSE;
	if (alert) {
		ChEngineCtx ctx;
		engine_ctx(x, c, &ctx);
		ch_engine_safety_reply(alert, &ctx, m->from_addr, TRUE, fx);
	}
	return apply_effects(x, c, fx, NULL, error);
}

/* [A-Za-z0-9_-] of s, at most max bytes, each run of anything else one '_'. */
static void safe_append(GString *out, const char *s, gsize max)
{
	gsize start = out->len;
	for (const char *p = s; p && *p && out->len - start < max; p++) {
		if (g_ascii_isalnum(*p) || *p == '-' || *p == '_')
			g_string_append_c(out, *p);
		else if (out->len > start && out->str[out->len - 1] != '_')
			g_string_append_c(out, '_');
	}
	while (out->len > start && out->str[out->len - 1] == '_')
		g_string_truncate(out, out->len - 1);
}

static const char *ext_for_type(const char *type)
{
	static const char *const map[][2] = {
		{ "application/pdf", "pdf" },
		{ "application/msword", "doc" },
		{ "application/vnd.openxmlformats-officedocument.wordprocessingml.document", "docx" },
		{ "application/vnd.oasis.opendocument.text", "odt" },
		{ "application/rtf", "rtf" },
		{ "text/rtf", "rtf" },
		{ "text/plain", "txt" },
		{ "text/html", "html" },
		{ "image/png", "png" },
		{ "image/jpeg", "jpg" },
		{ "message/rfc822", "eml" },
	};
	for (guint i = 0; i < G_N_ELEMENTS(map); i++)
		if (!g_strcmp0(type, map[i][0]))
			return map[i][1];
	return "bin";
}

/* A stored file's name is safe and short whatever the sender wrote: its SHA-256 in hex, then
 * at most 60 bytes of the name's stem and 10 of its extension, each in [A-Za-z0-9_-]: at most
 * 136 bytes, never a '/', a control character or a leading dot (a sender's 300-byte name
 * once made every attempt fail for ever). The name as sent stays on the attachment's row. */
static char *stored_name(const char *sha, const char *filename, const char *type)
{
	GString *s = g_string_new(sha);
	g_autofree char *stem = g_strdup(filename ? filename : "");
	char *dot = strrchr(stem, '.');
	GString *ext = g_string_new(NULL);
	if (dot) {
		*dot = '\0';
		safe_append(ext, dot + 1, 10);
	}
	g_string_append_c(s, '-');
	gsize before = s->len;
	safe_append(s, stem, 60);
	if (s->len == before)
		g_string_append(s, "attachment");
	g_string_append_printf(s, ".%s", ext->len ? ext->str : ext_for_type(type));
	g_string_free(ext, TRUE);
	return g_string_free(s, FALSE);
}

/* spool/messages and spool/reports exist once `chaser init` or an earlier message made them,
 * each synced into the spool (ch_durable_mkdir: a new folder's name is lost to a power cut
 * otherwise). Looked at once per folder and process, not once per message; a write into a
 * folder that fails makes the next one look again (the folder may have been removed). */
static GHashTable *spool_dirs_made;

static gboolean spool_dir(const char *dir, GError **error)
{
	if (spool_dirs_made != NULL && g_hash_table_contains(spool_dirs_made, dir))
		return TRUE;
	if (!ch_durable_mkdir(dir, 0700, error))
		return FALSE;
	if (spool_dirs_made == NULL)
		spool_dirs_made = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	g_hash_table_add(spool_dirs_made, g_strdup(dir));
	return TRUE;
}

/* The folders given new names since a batch began (ch_intake_batch_begin), synced once
 * each before the batch commits; NULL outside a batch, where each is synced at once. And the
 * files written there unsynced (spool_write, store_attachment). */
static GHashTable *batch_dirs;
static GPtrArray *batch_files;

/* A batch of at most this many new files syncs each, and each folder, as outside a batch: a
 * syncfs is one flush for many files, but it also writes out whatever else the machine has
 * waiting (the mail server's files), and the one or two messages IMAP IDLE brings at a time
 * would wait for all that. */
#define FEW_FILES 4

/* A new name was made in dir (a rename into it): synced now, or before the batch that
 * records it commits. Either way nothing names the file in the store before its name is on
 * disk. */
static gboolean spool_named(const char *dir, GError **error)
{
	if (batch_dirs == NULL)
		return ch_durable_sync_dir(dir, error);
	if (!g_hash_table_contains(batch_dirs, dir))
		g_hash_table_add(batch_dirs, g_strdup(dir));
	return TRUE;
}

/* In a batch, a file under a name that is not there yet is written with no sync at all:
 * ch_intake_batch_end syncs it (batch_sync) before the commit that first names it. A name
 * that is there already may be one a committed row names, so it is only replaced durably
 * (fsync, rename), as outside a batch. */
static gboolean deferred_for(const char *path)
{
	return batch_dirs != NULL && !g_file_test(path, G_FILE_TEST_EXISTS);
}

/* After the rename to path, in dir: a deferred file is the batch's to sync. */
static gboolean spool_kept(const char *dir, const char *path, gboolean deferred,
                           GError **error)
{
	if (deferred)
		g_ptr_array_add(batch_files, g_strdup(path));
	return spool_named(dir, error);
}

/* A raw copy or a report's text, durable now or with its batch (deferred_for). */
static gboolean spool_write(const char *dir, const char *path, const guint8 *data, gsize len,
                            GError **error)
{
	if (!spool_dir(dir, error))
		return FALSE;
	gboolean deferred = deferred_for(path);
	if (deferred ? ch_durable_write_deferred(path, data, len, 0600, error)
	             : ch_durable_write_unnamed(path, data, len, 0600, error))
		return spool_kept(dir, path, deferred, error);
	if (spool_dirs_made != NULL)
		g_hash_table_remove(spool_dirs_made, dir);
	return FALSE;
}

/* A file written aside in dir (by the second thread, or decode_temp) given its name: synced
 * with the batch when the name is new (deferred_for; here the rename that fails when the name
 * is there, one call where a look and a rename were two), else synced first, since a name
 * that is there may be one a committed row names (the bytes, the rename, then the folder by
 * spool_named, as ch_durable_write_unnamed). *tmp is gone either way. */
static gboolean spool_name(const char *dir, char **tmp, const char *path, GError **error)
{
	gboolean deferred = FALSE;
	gboolean named = batch_dirs == NULL || ch_durable_rename_new(*tmp, path, &deferred, error);
	if (named && !deferred) {
		named = ch_durable_sync_file(*tmp, error);
		if (named)
			named = ch_durable_rename(*tmp, path, error);
		else
			(void)g_unlink(*tmp);
	}
	g_clear_pointer(tmp, g_free);
	return named && spool_kept(dir, path, deferred, error);
}

gboolean ch_intake_batch_begin(ChApp *app)
{
	g_return_val_if_fail(batch_dirs == NULL, FALSE);
	if (!ch_store_batch_begin(app->store))
		return FALSE;
	batch_dirs = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	batch_files = g_ptr_array_new_with_free_func(g_free);
	return TRUE;
}

/* The batch's new files and names on disk: each file and folder synced when they are few,
 * else one syncfs for each folder's file system (the second on the same one finds nothing
 * left to write). */
static gboolean batch_sync(GHashTable *dirs, GPtrArray *files, GError **error)
{
	gboolean few = files->len <= FEW_FILES;
	for (guint i = 0; few && i < files->len; i++)
		if (!ch_durable_sync_file(files->pdata[i], error))
			return FALSE;
	GHashTableIter it;
	gpointer dir;
	g_hash_table_iter_init(&it, dirs);
	while (g_hash_table_iter_next(&it, &dir, NULL))
		if (!(few ? ch_durable_sync_dir(dir, error) : ch_durable_sync_fs(dir, error)))
			return FALSE;
	return TRUE;
}

gboolean ch_intake_batch_end(ChApp *app, GError **error)
{
	g_return_val_if_fail(batch_dirs != NULL, FALSE);
	g_autoptr(GHashTable) dirs = g_steal_pointer(&batch_dirs);
	g_autoptr(GPtrArray) files = g_steal_pointer(&batch_files);
	if (!batch_sync(dirs, files, error)) {
		/* A file that may not be on disk must not be committed: none of the batch is. */
		ch_store_batch_abandon(app->store);
		return FALSE;
	}
	return ch_store_batch_end(app->store, error);
}

gboolean ch_intake_batch_commit(ChApp *app, GError **error)
{
	gboolean ok = ch_intake_batch_end(app, error);
	ch_intake_batch_begin(app);
	return ok;
}

/* Files are kept by content in spool/reports, so the same PDF sent for two conferences is one
 * file named by two rows; purge removes a file only when no row names it any more, holding
 * the store's write lock while it looks and removes (see purge.c). That is safe because the
 * file is written here, inside intake's own write transaction. */
static gboolean store_file(Ctx *x, const char *name, const guint8 *data, gsize len,
                           GError **error)
{
	g_autofree char *dir = g_build_filename(x->app->cfg->spool, "reports", NULL);
	g_autofree char *path = g_build_filename(dir, name, NULL);
	return spool_write(dir, path, data, len, error);
}

/* An attachment decoded by the second thread into a temporary file of spool/reports, with
 * its SHA-256: store_attachment names it if the message turns out to be a report, else it
 * goes with its Ahead (a stranger's attachment is on disk no longer than the message is
 * handled, in the folder only the service reads, beside the raw copy that holds it anyway). */
typedef struct {
	char *tmp; /* NULL: not written; store_attachment decodes it itself */
	char sha[65];
} Decoded;

/* Temporary files of spool/reports emptied for the next attachment decoded aside. One that is
 * not kept (a stranger's, a newsletter's) is truncated, its content gone as it would be by
 * unlink, and its file taken for the next decode: files created where files were just
 * removed cost ext4 without a journal a walk past every one removed in the last minutes
 * (find_inode_bit -> recently_deleted), so each removal made every later file of the sweep
 * dearer. At most SPARES are kept, and they are removed when the sweep ends
 * (ch_intake_sweep_end); one a kill leaves is an ".incoming-" file purge removes. */
#define SPARES 4

static GMutex spares_lock;
static GPtrArray *spares; /* of char *, under spares_lock */

static void spare_put(char *tmp)
{
	gboolean kept = FALSE;
	if (truncate(tmp, 0) == 0) {
		g_mutex_lock(&spares_lock);
		if (spares == NULL)
			spares = g_ptr_array_new_with_free_func(g_free);
		kept = spares->len < SPARES;
		if (kept)
			g_ptr_array_add(spares, tmp);
		g_mutex_unlock(&spares_lock);
	}
	if (!kept) {
		(void)g_unlink(tmp);
		g_free(tmp);
	}
}

/* A spare of dir opened empty for writing, its name in *tmp_r, or -1 when there is none. */
static int spare_take(const char *dir, char **tmp_r)
{
	gsize n = strlen(dir);
	for (;;) {
		char *tmp = NULL;
		g_mutex_lock(&spares_lock);
		for (guint i = 0; spares && i < spares->len && !tmp; i++) {
			const char *t = spares->pdata[i];
			if (!strncmp(t, dir, n) && t[n] == G_DIR_SEPARATOR)
				tmp = g_ptr_array_steal_index_fast(spares, i);
		}
		g_mutex_unlock(&spares_lock);
		if (tmp == NULL)
			return -1;
		int fd = open(tmp, O_RDWR | O_TRUNC | O_CLOEXEC | O_NOFOLLOW);
		if (fd >= 0) {
			*tmp_r = tmp;
			return fd;
		}
		g_free(tmp); /* gone (purge), or not ours to open: the next, or a new one */
	}
}

void ch_intake_sweep_end(void)
{
	g_mutex_lock(&spares_lock);
	g_autoptr(GPtrArray) gone = g_steal_pointer(&spares);
	g_mutex_unlock(&spares_lock);
	for (guint i = 0; gone && i < gone->len; i++)
		(void)g_unlink(gone->pdata[i]);
}

static void decoded_free(gpointer p)
{
	Decoded *d = p;
	if (d->tmp)
		spare_put(d->tmp);
	g_free(d);
}

/* Attachment a decoded into a temporary file of dir (a spare, or new), closed, with its
 * SHA-256 (GMime's decoder a few KB at a time, hashed as it goes: no copy of it in memory):
 * the file's name (g_free), or NULL with nothing left behind. */
static char *decode_temp(const char *dir, const ChAttachment *a, char sha[65], GError **error)
{
	char *tmp = NULL;
	int fd = spare_take(dir, &tmp);
	if (fd < 0)
		fd = ch_durable_temp(dir, 0600, &tmp, error);
	if (fd < 0)
		return NULL;
	if (!ch_attachment_write(a, fd, sha, error)) {
		ch_durable_abandon(fd, tmp);
		g_free(tmp);
		return NULL;
	}
	close(fd);
	return tmp;
}

static GPtrArray *decode_aside(ChApp *app, const ChMessage *m)
{
	g_autofree char *dir = g_build_filename(app->cfg->spool, "reports", NULL);
	GPtrArray *out = g_ptr_array_new_with_free_func(decoded_free);
	for (guint i = 0; i < m->attachments->len; i++) {
		Decoded *d = g_new0(Decoded, 1);
		d->tmp = decode_temp(dir, m->attachments->pdata[i], d->sha, NULL);
		g_ptr_array_add(out, d);
	}
	return out;
}

/* Attachment i of the message as the second thread decoded it, or NULL (not read ahead). */
static Decoded *ahead_decoded(const Ahead *a, guint i);

/* One attachment into spool/reports: decoded into a temporary file there (by the second
 * thread when it read the message ahead, decode_aside; else now), then named by its SHA-256
 * (stored_name) and made durable as store_file's are (spool_name). The same content already
 * there under that name is the same file: the new copy replaces it. */
static gboolean store_attachment(Ctx *x, const ChAttachment *a, guint i, char sha[65],
                                 char **file_r, GError **error)
{
	g_autofree char *dir = g_build_filename(x->app->cfg->spool, "reports", NULL);
	if (!spool_dir(dir, error))
		return FALSE;
	Decoded *d = x->ahead ? ahead_decoded(x->ahead, i) : NULL;
	g_autofree char *tmp = NULL;
	if (d && d->tmp) {
		tmp = g_steal_pointer(&d->tmp);
		memcpy(sha, d->sha, 65);
	} else if (!(tmp = decode_temp(dir, a, sha, error))) {
		if (spool_dirs_made != NULL)
			g_hash_table_remove(spool_dirs_made, dir);
		return FALSE;
	}
	g_autofree char *file = stored_name(sha, a->filename, a->content_type);
	g_autofree char *path = g_build_filename(dir, file, NULL);
	if (!spool_name(dir, &tmp, path, error))
		return FALSE;
	*file_r = g_steal_pointer(&file);
	return TRUE;
}

/* The report, and everything that came with it, kept apart from the message: the attachment
 * that is the report by disposition and type (never Outlook's inline logo, a signature or a
 * vCard), else the body when the agency wrote the report in the email and marked it so (the
 * engine's rule, ch_engine_report_marked: a holding reply is not stored as a report). Every
 * attachment is written durably before the commit that records it, each on a row of its own
 * with its SHA-256; the report's SHA-256 and file go on the report, *body_r says it is the
 * body. TRUE with *empty_r when there is no report at all and the reply has no text either
 * (the engine takes a reply with text and no report as an answer). */
static gboolean store_report(Ctx *x, const ChCase *c, const ChReport *r, const ChMessage *m,
                             const char *reply, char **sha_r, char **file_r, gboolean *body_r,
                             gboolean *empty_r, GError **error)
{
	int pick = ch_message_report_attachment(m);
	*empty_r = TRUE;
	*body_r = FALSE;
	for (guint i = 0; m->attachments && i < m->attachments->len; i++) {
		const ChAttachment *a = m->attachments->pdata[i];
		char sha[65];
		g_autofree char *file = NULL;
		if (!store_attachment(x, a, i, sha, &file, error) ||
		    !ch_store_attachment_add(x->app->store, x->row, c->id, r->id, (gint64)i, a->filename,
		                             a->content_type, (gint64)a->size, sha, file, (int)i == pick,
		                             error))
			return FALSE;
		if ((int)i == pick) {
			*sha_r = g_strdup(sha);
			*file_r = g_steal_pointer(&file);
			*empty_r = FALSE;
		}
	}
	if (pick < 0 && ch_engine_report_marked(reply)) {
		const guint8 *data = (const guint8 *)m->body_text;
		gsize len = strlen(m->body_text);
		g_autofree char *sha = g_compute_checksum_for_data(G_CHECKSUM_SHA256, data, len);
		g_autofree char *file = stored_name(sha, "report.txt", "text/plain");
		if (!store_file(x, file, data, len, error))
			return FALSE;
		*sha_r = g_steal_pointer(&sha);
		*file_r = g_steal_pointer(&file);
		*body_r = TRUE;
		*empty_r = FALSE;
	} else if (pick < 0) {
		/* No report, but words: the engine takes them as an answer; nothing to store. */
		for (const char *p = reply; *p && *empty_r; p++)
			if (!g_ascii_isspace(*p))
				*empty_r = FALSE;
	}
	return TRUE;
}

/* How many of the ids a reply names (In-Reply-To, then References newest first) are looked
 * up among the mail we sent. */
#define ANSWERED_MAX 8

/* The body text of mails of ours that replies answered lately, by their bytes: a chair's
 * list, a report request, an escalation is answered many times over, and parsing it again
 * for each answer was a tenth of intake's time. Kept small (a few hundred KB at most: the
 * table is emptied when it would hold more), and for intake's thread alone. */
#define ANSWERED_CACHE_BYTES (256 * 1024)
static GHashTable *answered_cache; /* GBytes wire -> char *body text ("" for none) */
static gsize answered_cache_bytes;

/* The body text of a mail of ours (g_free; "" for none). */
static char *answered_body(GBytes *wire)
{
	const char *known = answered_cache ? g_hash_table_lookup(answered_cache, wire) : NULL;
	if (known)
		return g_strdup(known);
	gsize len = 0;
	const guint8 *data = g_bytes_get_data(wire, &len);
	/* Our own mail always parses; one that did not would only leave the markers to judge. */
	char *text = ch_message_body_text(data, len);
	gsize cost = len + strlen(text);
	if (cost > ANSWERED_CACHE_BYTES / 4)
		return text; /* too large to keep (a mail with an attachment) */
	if (answered_cache == NULL)
		answered_cache = g_hash_table_new_full(g_bytes_hash, g_bytes_equal,
		                                       (GDestroyNotify)g_bytes_unref, g_free);
	if (answered_cache_bytes + cost > ANSWERED_CACHE_BYTES) {
		g_hash_table_remove_all(answered_cache);
		answered_cache_bytes = 0;
	}
	g_hash_table_insert(answered_cache, g_bytes_ref(wire), g_strdup(text));
	answered_cache_bytes += cost;
	return text;
}

static void add_answered(GBytes *wire, GPtrArray *wires, GPtrArray *bodies)
{
	for (guint i = 0; i < wires->len; i++)
		if (g_bytes_equal(wire, wires->pdata[i])) {
			g_bytes_unref(wire);
			return;
		}
	g_ptr_array_add(wires, wire);
	char *body = answered_body(wire);
	if (*body)
		g_ptr_array_add(bodies, body);
	else
		g_free(body);
}

/* The reply's own words: m->reply_text (what the client's quote markers left) without the
 * lines that reproduce the mails of ours it answers (message/quoted.h), found by its reply
 * token and by the ids it names; when it names none (a client that dropped them, a reply
 * matched by its subject), the last mails of its conference sent to its sender. Nothing
 * quoted is ever read as a command, whatever the client did or did not mark. */
static gboolean own_words(Ctx *x, const ChMessage *m, gint64 conference_id, char **own_r,
                          GError **error)
{
	ChStore *s = x->app->store;
	g_autoptr(GPtrArray) wires = g_ptr_array_new_with_free_func((GDestroyNotify)g_bytes_unref);
	g_autoptr(GPtrArray) bodies = g_ptr_array_new_with_free_func(g_free);
	g_autofree char *token = ch_classify_token(x->app, m);
	GBytes *wire = NULL;
	if (token && !ch_store_outbox_wire_for_token(s, token, &wire, error))
		return FALSE;
	if (wire)
		add_answered(wire, wires, bodies);
	g_autoptr(GPtrArray) ids = g_ptr_array_new();
	if (m->in_reply_to)
		g_ptr_array_add(ids, m->in_reply_to);
	for (guint i = m->references ? m->references->len : 0; i-- > 0 && ids->len < ANSWERED_MAX;)
		g_ptr_array_add(ids, m->references->pdata[i]);
	for (guint i = 0; i < ids->len; i++) {
		if (!ch_store_outbox_wire(s, ids->pdata[i], &wire, error))
			return FALSE;
		if (wire)
			add_answered(wire, wires, bodies);
	}
	if (wires->len == 0 && conference_id && m->from_addr) {
		g_autoptr(GPtrArray) to = ch_store_outbox_wires_to(s, conference_id, m->from_addr,
		                                                   ANSWERED_MAX, error);
		if (!to)
			return FALSE;
		for (guint i = 0; i < to->len; i++)
			add_answered(g_bytes_ref(to->pdata[i]), wires, bodies);
	}
	g_ptr_array_add(bodies, NULL);
	*own_r = ch_quoted_strip(m->reply_text ? m->reply_text : "",
	                         (const char *const *)bodies->pdata);
	return TRUE;
}

/* A concern between agencies (003): no token, the conference's reference in the subject, a
 * sender on its roster and a CONCERN line of their own. It starts a ladder, so it is
 * verified as any command is: the receiving server must vouch for the From address (or a
 * person released the message); else it is held. A stranger's CONCERN is not one: it goes
 * the way of any other message. 0: not a concern; 1: handled; -1: failed (*error). */
static int concern_mail(Ctx *x, ChCase *c, const ChMessage *m, const ChMatch *match,
                        const ChEngineCtx *ctx, ChEffects *fx, GError **error)
{
	g_autofree char *agency = NULL, *about = NULL, *tag = NULL, *own = NULL;
	if (!c || match->by_token || !m->from_addr ||
	    !(tag = ch_classify_subject_ref(m->subject)) || g_ascii_strcasecmp(tag, c->ref) ||
	    !ch_case_on_roster(c, m->from_addr))
		return 0;
	/* The sender's own words, as for any command: a CONCERN line quoted from one of our
	 * mails (the example in a not-understood answer) starts nothing. */
	if (!own_words(x, m, c->id, &own, error))
		return -1;
	if (!ch_engine_concern_line(own, &agency, &about))
		return 0;
	const char *why = NULL;
	gboolean vouched = x->release ||
	                   (x->app->cfg->authserv_id && ch_classify_from_vouched(x->app, m, &why));
	if (!vouched) {
		g_autofree char *reason = g_strdup_printf(
			"sender not verified: %s", why ? why : "a concern starts a ladder, and no receiving "
			"server is named to check the From address ([chaser] authserv_id = none)");
		return apply_effects(x, c, fx, NULL, error) &&
		               to_triage_case(x, c, CH_MSG_HELD, reason, error)
		           ? 1
		           : -1;
	}
	ch_engine_concern_mail(c, ctx, m->from_addr, own, fx);
	ch_engine_close_if_done(c, ctx, fx);
	return apply_effects(x, c, fx, m->message_id, error) &&
	               set_message(x, CH_MSG_HANDLED, "concern", c->id, NULL, error)
	           ? 1
	           : -1;
}

/* An acknowledgement of a safety alert stops the managers being told, so it must come from
 * whom it says: the alert's Message-ID, which only its recipients saw, stands in for a reply
 * token (an alert may belong to no conference, and tokens do), and where a receiving
 * server's verdict is there to read it must vouch for the From address as well. */
static gboolean handle_person(Ctx *x, const ChMessage *m, GError **error)
{
	g_autofree char *sha = NULL, *file = NULL, *own = NULL;
	ChApp *app = x->app;
	ChMatch match;
	if (!ch_classify(app, m, x->now, &match, error))
		return FALSE;
	gboolean ok = FALSE;
	g_autoptr(ChCase) c = NULL;
	g_autoptr(ChEffects) fx = ch_effects_new();
	g_autoptr(ChSafetyAlert) alert = NULL;
	g_autofree char *what = g_strdup_printf("a message from %s", m->from_addr ? m->from_addr
	                                                                         : "an unknown sender");
	ChEngineCtx ctx;
	if (match.conference_id && !(c = ch_store_case_load_id(app->store, match.conference_id, error)))
		goto out;
	const ChRules *rules = ch_app_rules(app, c ? c->procedure : NULL, NULL);
	if (!rules)
		rules = ch_app_rules(app, NULL, NULL);
	ch_app_engine_ctx(app, rules, x->now, x->fp, &ctx);
	/* Immediate safety first, whatever else the message does or fails to do: the words, or
	 * a SAFETY: line from someone whose word is enough. */
	if (words_found(x, m))
		ch_engine_safety_words_found(c, &ctx, what, x->fp, fx);
	else if (ch_engine_safety_marked(c, &ctx, m->from_addr, m->reply_text))
		ch_engine_safety_raise(c, &ctx, what, x->fp, "a SAFETY: line from the chair or the "
		                       "CP coordinator", fx);
	/* A reply to an immediate-safety alert from someone it asked (or told) acknowledges it,
	 * whatever else the thread would make of it. */
	if (!alert_of_thread(x, m, &alert, error))
		goto out;
	/* The alert's Message-ID stands in for a token; a server's verdict must vouch too. */
	const char *unvouched = NULL;
	if (alert && ch_classify_from_vouched(app, m, &unvouched) &&
	    ch_engine_safety_reply(alert, &ctx, m->from_addr, FALSE, fx)) {
		ok = apply_effects(x, c, fx, NULL, error) &&
		     set_message(x, CH_MSG_HANDLED, "safety_ack", alert->conference_id, NULL, error);
		goto out;
	}
	int concern = concern_mail(x, c, m, &match, &ctx, fx, error);
	if (concern) {
		ok = concern > 0;
		goto out;
	}
	if (x->release && match.result == CH_MATCH_HELD)
		match.result = CH_MATCH_OK;
	/* Admin setting up a conference by mail (app/adminmail.c): a new one, verified only by
	 * the receiving server's verdict (it can carry no token), or a reply to what chaser
	 * answered about one, verified by its token like any command. */
	gboolean admin_new = !match.by_token && ch_adminmail_is_new(app, m);
	if (admin_new || (match.result == CH_MATCH_OK && match.purpose == CH_PURPOSE_SETUP)) {
		const char *why = "no receiving server is named to check the From address "
		                  "([chaser] authserv_id = none)";
		if (admin_new && !x->release &&
		    !(app->cfg->authserv_id && ch_classify_from_vouched(app, m, &why))) {
			g_autofree char *reason = g_strdup_printf("a new conference from admin's address, "
			                                          "but the sender is not verified: %s",
			                                          why);
			ok = apply_effects(x, c, fx, NULL, error) &&
			     to_triage_case(x, NULL, CH_MSG_HELD, reason, error);
			goto out;
		}
		gint64 conf = 0;
		ok = apply_effects(x, c, fx, NULL, error) &&
		     own_words(x, m, admin_new ? 0 : match.conference_id, &own, error) &&
		     ch_adminmail_handle(app, m, own, admin_new ? 0 : match.conference_id, x->now, x->fp,
		                         x->source, &conf, error) &&
		     set_message(x, CH_MSG_HANDLED, "admin", conf, NULL, error);
		goto out;
	}
	if (match.result != CH_MATCH_OK) {
		ok = apply_effects(x, c, fx, NULL, error) &&
		     to_triage_case(x, c, match.result == CH_MATCH_HELD ? CH_MSG_HELD : CH_MSG_TRIAGE,
		                    match.reason, error);
		goto out;
	}
	/* What the answer is about decides what it needs and who handles it (engine/kinds.c). */
	const ChKind *kind = ch_kind(match.purpose);
	gpointer object = kind ? ch_kind_object(kind, c, match.object_id) : NULL;
	if (!object) {
		ok = apply_effects(x, c, fx, NULL, error) &&
		     to_triage_case(x, c, CH_MSG_TRIAGE,
		                    kind ? kind->missing : "reply to a message that expects no answer",
		                    error);
		goto out;
	}
	if (!own_words(x, m, c->id, &own, error))
		goto out;
	ChAnswer answer = { .sender = m->from_addr, .text = own, .message_row = x->row };
	if (kind->carries_report) {
		gboolean empty = FALSE, body = FALSE;
		if (!store_report(x, c, object, m, own, &sha, &file, &body, &empty, error))
			goto out;
		if (empty) {
			ok = apply_effects(x, c, fx, NULL, error) &&
			     to_triage_case(x, c, CH_MSG_TRIAGE,
			                    "a message about a report, but with no attachment and no text",
			                    error);
			goto out;
		}
		answer.sha256 = sha, answer.file = file, answer.body = body;
	}
	kind->answer(c, object, &ctx, &answer, fx);
	ch_engine_close_if_done(c, &ctx, fx);
	ok = apply_effects(x, c, fx, m->message_id, error) &&
	     set_message(x, CH_MSG_HANDLED, ch_purpose_name(match.purpose), c->id, NULL, error);
out:
	ch_match_clear(&match);
	return ok;
}

/* A message that kills chaser while it is being read (a crash in the parser, memory run out)
 * would kill it again on every poll, and nothing after it would ever be read. So while the
 * parser works, the message's fingerprint is written in this process's mark file,
 * spool/reading/PID, which it holds under an flock for as long as it lives and
 * blanks after each parse. The next process takes the lock of every mark file whose writer
 * has gone; a fingerprint in one names a message that died being read, and it goes to
 * quarantine if it dies there again (see intake). One file a process, not one a message:
 * creating and removing a file for every message cost ext4 a search of its inode table
 * each time (3 % of a 2,000-message ingest's CPU). The mark need only outlive the process, not the
 * machine (the page cache keeps it when a process dies), so it is never synced. A thread
 * that reads messages ahead (below) has a mark file of its own, spool/reading/PID.TID. */
#define MARK_BLANK "----------------------------------------------------------------"

static __thread int mark_fd = -1;
static __thread gboolean mark_made;
static GMutex marks_lock;       /* marks_found, read by both threads */
static GHashTable *marks_found; /* fingerprint -> mark file, of processes gone */

static void mark_close(void)
{
	close(mark_fd);
	mark_fd = -1;
}

/* This thread's own mark file, made at its first message. Without it the parse still goes
 * ahead, as it would have before. */
static void mark_make(const char *dir)
{
	long pid = (long)getpid(), tid = (long)gettid();
	g_autofree char *name = tid == pid ? g_strdup_printf("%ld", pid)
	                                   : g_strdup_printf("%ld.%ld", pid, tid);
	g_autofree char *path = g_build_filename(dir, name, NULL);
	mark_made = TRUE;
	mark_fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (mark_fd >= 0 && flock(mark_fd, LOCK_EX | LOCK_NB) < 0)
		mark_close();
}

static void marks_take_over(const char *dir)
{
	GDir *d = g_dir_open(dir, 0, NULL);
	const char *name;
	while (d && (name = g_dir_read_name(d))) {
		g_autofree char *path = g_build_filename(dir, name, NULL);
		int fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			continue;
		/* Held: its process is alive, reading its own messages. */
		if (flock(fd, LOCK_EX | LOCK_NB) == 0) {
			char fp[65] = { 0 };
			/* Kept until its message has been dealt with (mark_forget), so that a process
			 * that dies before then leaves it to the next. */
			if (pread(fd, fp, 64, 0) == 64 && strspn(fp, "0123456789abcdef") == 64)
				g_hash_table_replace(marks_found, g_strdup(fp), g_steal_pointer(&path));
			else
				g_unlink(path);
		}
		close(fd);
	}
	if (d)
		g_dir_close(d);
}

/* Was this message being read when a process died? Asked first at a process's first
 * message, which is when the marks left are taken over and this process's own is made. */
static gboolean mark_found(ChApp *app, const char *fp)
{
	g_autofree char *dir = NULL;
	g_mutex_lock(&marks_lock);
	if (marks_found == NULL || !mark_made)
		dir = g_build_filename(app->cfg->spool, "reading", NULL);
	if (marks_found == NULL) {
		marks_found = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
		if (g_mkdir_with_parents(dir, 0700) < 0)
			g_warning("intake: cannot make %s: %s", dir, g_strerror(errno));
		marks_take_over(dir);
	}
	if (!mark_made)
		mark_make(dir);
	gboolean found = g_hash_table_contains(marks_found, fp);
	g_mutex_unlock(&marks_lock);
	return found;
}

static void mark_forget(const char *fp)
{
	g_mutex_lock(&marks_lock);
	const char *path = g_hash_table_lookup(marks_found, fp);
	if (path != NULL)
		g_unlink(path);
	g_hash_table_remove(marks_found, fp);
	g_mutex_unlock(&marks_lock);
}

static void mark_write(const char *text)
{
	if (mark_fd >= 0 && pwrite(mark_fd, text, 64, 0) != 64)
		mark_close(); /* a mark half written is not read as one */
}

/* Parsed from the raw copy just written (ch_message_parse_file): GMime reads the file, and
 * attachments stay in it until store_attachment decodes them to theirs. */
static ChMessage *parse_marked(Ctx *x, const guint8 *data, gsize len, GError **error)
{
	mark_write(x->fp);
	g_autofree char *name = g_strdup_printf("%s.eml", x->fp);
	g_autofree char *raw = g_build_filename(x->app->cfg->spool, "messages", name, NULL);
	ChMessage *m = x->mapped
	                   ? ch_message_parse_mapped(data, len, raw, x->fp, &x->app->parse, error)
	                   : ch_message_parse_file(data, len, raw, x->fp, &x->app->parse, error);
	mark_write(MARK_BLANK);
	return m;
}

/* ---- reading ahead ---------------------------------------------------------------------
 *
 * What intake does with a message before it needs the store (its fingerprint, the parse, the
 * immediate-safety scan: half its work) is done for the next messages of a batch on a second
 * thread while this one handles the message before them. Nothing is decided there: the
 * thread only reads bytes the reader holds in memory, under its own reading mark, and hands
 * back what ch_intake_message would have found itself, in the same order. */
struct Ahead {
	ChApp *app;
	gconstpointer batch; /* the reader's name for the bytes' batch (ch_intake_ahead_drain) */
	const guint8 *data; /* the reader's, until ch_intake_message or ch_intake_ahead_drain */
	gsize len;
	char fp[65];
	gboolean marked; /* a mark left by a process that died names it: not parsed here */
	ChMessage *m;    /* the parse (NULL: perr says why) */
	GError *perr;
	gboolean words;  /* safety_text(m) holds words of an immediate-safety concern */
	char *file;      /* data maps this file, fetched in pieces (ch_intake_file), or NULL */
	char *aside;     /* the bytes in a temporary file of spool/messages (spool_aside), or NULL */
	GPtrArray *decoded; /* of Decoded, one for each of m's attachments, or NULL */
	gboolean done;   /* under ahead_lock */
};

static GMutex ahead_lock;
static GCond ahead_cond;
static GPtrArray *ahead_queue; /* of Ahead*, in the order given; under ahead_lock */
static GThreadPool *ahead_pool; /* one thread, for the life of the process */

static Decoded *ahead_decoded(const Ahead *a, guint i)
{
	return a->decoded && i < a->decoded->len ? a->decoded->pdata[i] : NULL;
}

static void ahead_free(Ahead *a)
{
	if (a->aside) {
		(void)g_unlink(a->aside); /* intake did not take it: a message known, or none */
		g_free(a->aside);
	}
	if (a->decoded)
		g_ptr_array_free(a->decoded, TRUE);
	if (a->m)
		ch_message_free(a->m);
	g_clear_error(&a->perr);
	g_free(a->file);
	g_free(a);
}
G_DEFINE_AUTOPTR_CLEANUP_FUNC(Ahead, ahead_free)

static void ahead_read(gpointer job, gpointer unused)
{
	Ahead *a = job;
	const guint8 *mapped = a->file ? a->data : NULL;
	ch_message_fingerprint(a->data, a->len, mapped, a->fp);
	/* A message that killed a process is not read again here: intake takes it as it does
	 * any such message (died reading it, once or twice). */
	a->marked = mark_found(a->app, a->fp);
	if (!a->marked) {
		/* The raw copy's bytes too, under a temporary name that nothing refers to: intake
		 * names it (spool_aside) when it needs it, and a kill leaves an ".incoming-" file
		 * that retention removes (report/purge.c). NULL: intake writes it itself. A message
		 * fetched in pieces is in its file already. */
		if (!a->file) {
			g_autofree char *dir = g_build_filename(a->app->cfg->spool, "messages", NULL);
			a->aside = ch_durable_write_aside(dir, a->data, a->len, 0600, NULL);
		}
		mark_write(a->fp);
		ch_crashpoint_aside("intake.ahead-parse");
		/* From the file, as parse_marked would: its attachments are read from the file
		 * (open before intake renames it), not copied into memory. */
		a->m = a->file ? ch_message_parse_mapped(a->data, a->len, a->file, a->fp,
		                                         &a->app->parse, &a->perr)
		               : ch_message_parse_known(a->data, a->len, a->fp, &a->app->parse,
		                                        &a->perr);
		if (a->m && a->m->attachments && a->m->attachments->len > 0)
			a->decoded = decode_aside(a->app, a->m);
		mark_write(MARK_BLANK);
		g_autofree char *text = safety_text(a->m, a->data, a->len, mapped);
		a->words = ch_engine_safety_words(a->app->safety, text);
	}
	g_mutex_lock(&ahead_lock);
	a->done = TRUE;
	g_cond_broadcast(&ahead_cond);
	g_mutex_unlock(&ahead_lock);
}

void ch_intake_ahead(ChApp *app, gconstpointer batch, const guint8 *data, gsize len,
                     const char *file)
{
	g_mutex_lock(&ahead_lock);
	if (ahead_pool == NULL) {
		GError *e = NULL;
		ahead_pool = g_thread_pool_new(ahead_read, NULL, 1, TRUE, &e);
		if (ahead_pool == NULL) {
			/* No second thread: intake reads every message itself, as it always could. */
			g_mutex_unlock(&ahead_lock);
			g_warning("intake: cannot start a thread to read ahead: %s", e->message);
			g_error_free(e);
			return;
		}
		ahead_queue = g_ptr_array_new();
	}
	Ahead *a = g_new0(Ahead, 1);
	a->app = app, a->batch = batch, a->data = data, a->len = len, a->file = g_strdup(file);
	g_ptr_array_add(ahead_queue, a);
	g_thread_pool_push(ahead_pool, a, NULL);
	g_mutex_unlock(&ahead_lock);
}

/* The message read ahead at data (taken off the queue once the thread is done with it), or
 * NULL when it was not. */
static Ahead *ahead_take(const guint8 *data, gsize len)
{
	Ahead *a = NULL;
	g_mutex_lock(&ahead_lock);
	for (guint i = 0; ahead_queue && i < ahead_queue->len && !a; i++) {
		Ahead *q = ahead_queue->pdata[i];
		if (q->data == data && q->len == len)
			a = g_ptr_array_steal_index(ahead_queue, i);
	}
	while (a && !a->done)
		g_cond_wait(&ahead_cond, &ahead_lock);
	g_mutex_unlock(&ahead_lock);
	return a;
}

void ch_intake_ahead_drain(gconstpointer batch)
{
	g_mutex_lock(&ahead_lock);
	for (guint i = ahead_queue ? ahead_queue->len : 0; i-- > 0;) {
		Ahead *a = ahead_queue->pdata[i];
		if (a->batch != batch)
			continue;
		while (!a->done)
			g_cond_wait(&ahead_cond, &ahead_lock);
		g_ptr_array_remove_index(ahead_queue, i);
		ahead_free(a);
	}
	g_mutex_unlock(&ahead_lock);
}

static gboolean handle(Ctx *x, const guint8 *data, gsize len, GError **error)
{
	ChApp *app = x->app;
	GError *perr = NULL;
	g_autoptr(ChMessage) m = NULL;
	if (x->ahead && !x->ahead->marked) {
		m = g_steal_pointer(&x->ahead->m);
		perr = g_steal_pointer(&x->ahead->perr);
		x->scanned = TRUE;
		x->words = x->ahead->words;
	} else {
		m = parse_marked(x, data, len, &perr);
	}
	if (!m && g_error_matches(perr, CH_ERROR, CH_ERROR_TEMPORARY)) {
		/* The raw copy could not be read back: the disk, not the message. */
		g_propagate_error(error, perr);
		return FALSE;
	}
	if (!ch_store_message_add(app->store, x->fp, x->where, x->now_s, (gint64)len,
	                          m ? m->message_id : NULL, m ? m->from_addr : NULL,
	                          m ? ch_message_class_name(m->cls) : "unreadable", &x->row, error))
		goto fail;
	x->raw = data;
	x->raw_len = len;
	if (!m) {
		g_autofree char *reason = g_strdup_printf("cannot be read: %s", perr->message);
		g_clear_error(&perr);
		/* Not readable as MIME, or over a limit: its bytes are still looked at as text. */
		return safety_anyway(x, NULL, words_found(x, NULL),
		                     "a message chaser could not read (too large or malformed): "
		                     "open it from triage",
		                     error) &&
		       to_triage(x, CH_MSG_TRIAGE, 0, reason, error);
	}
	switch (m->cls) {
	case CH_CLASS_OWN: {
		/* Only a mail we really sent is ignored as ours: staff writing as the shared mailbox,
		 * or a form that uses its address, is read like anyone's mail. */
		gboolean ours = FALSE;
		if (m->message_id &&
		    !ch_store_outbox_has_message_id(app->store, m->message_id, &ours, error))
			return FALSE;
		if (!ours)
			return handle_person(x, m, error);
		g_autoptr(ChEffects) fx = ch_effects_new();
		ch_engine_own_mail(x->row, fx);
		return apply_effects(x, NULL, fx, NULL, error);
	}
	case CH_CLASS_BOUNCE:
		return handle_bounce(x, m, error);
	case CH_CLASS_AUTO:
		return handle_auto(x, m, error);
	case CH_CLASS_PERSON:
		return handle_person(x, m, error);
	}
fail:
	g_clear_error(&perr);
	return FALSE;
}


/* Counts a failed attempt in a transaction of its own; the third sends it to quarantine, and
 * so does the first when at_once (an attempt that killed chaser is not made again). */
static ChIntakeResult failed_attempt(Ctx *x, gsize len, const GError *why, gboolean at_once)
{
	ChStore *s = x->app->store;
	GError *e = NULL;
	ChIntakeResult r = CH_INTAKE_RETRY;
	if (!ch_store_begin(s, &e))
		goto out;
	gint64 row = 0;
	if (!ch_store_message_by_fingerprint(s, x->fp, &row, &e))
		goto out;
	if (!row) {
		/* The raw bytes are already in the spool (intake writes them first): record where. */
		g_autofree char *raw = g_strdup_printf("%s.eml", x->fp);
		if (!ch_store_message_add_failing(s, x->fp, x->where, x->now_s, (gint64)len, raw, &row,
		                                  &e))
			goto out;
	}
	gint64 attempts = 0;
	if (!ch_store_message_attempts(s, row, &attempts, &e))
		goto out;
	attempts++;
	if (!ch_store_message_set_attempts(s, row, attempts, why ? why->message : NULL, &e))
		goto out;
	if (attempts >= MAX_ATTEMPTS || at_once) {
		g_autofree char *reason = at_once ? g_strdup(why ? why->message : "unknown error")
		                                  : g_strdup_printf("failed %d times: %s", MAX_ATTEMPTS,
		                                                    why ? why->message
		                                                        : "unknown error");
		if (!ch_store_message_quarantine(s, row, &e) ||
		    !ch_store_triage_add(s, row, 0, reason, x->now_s, NULL, &e) ||
		    !ch_store_audit(s, x->now_s, 0, x->source, ch_audit_name(CH_AUDIT_MESSAGE_QUARANTINE),
		                    NULL, NULL, ch_msg_state_name(CH_MSG_QUARANTINE), reason, &e))
			goto out;
		r = CH_INTAKE_QUARANTINE;
	}
	if (!ch_store_commit(s, &e))
		r = CH_INTAKE_RETRY;
out:
	if (e) {
		ch_store_rollback(s);
		ch_service_log(G_LOG_LEVEL_WARNING, NULL, x->fp, 0,
		               "message %.12s: cannot record failed attempt: %s", x->fp, e->message);
		g_error_free(e);
		r = CH_INTAKE_RETRY;
	}
	return r;
}

/* What a failed attempt at handling means. A broken configuration (a template, a rules
 * file) is no fault of the message: it stays as it was, counts no attempt and is not logged
 * here, since the caller stops and says so once. Anything else but a temporary failure
 * counts towards quarantine. */
static ChIntakeResult not_handled(Ctx *x, gsize len, const GError *e)
{
	if (e && e->domain == CH_ERROR && e->code == CH_ERROR_CONFIG)
		return CH_INTAKE_STOP;
	ChIntakeResult r = e && e->code == CH_ERROR_TEMPORARY ? CH_INTAKE_RETRY
	                                                      : failed_attempt(x, len, e, FALSE);
	ch_service_log(G_LOG_LEVEL_WARNING, NULL, x->fp, 0, "message %.12s: %s", x->fp,
	               e ? e->message : "failed");
	return r;
}

/* One line per message handled, naming what it was and the conference it belongs to, so
 * that the journal follows a conference (CHASER_REF) and a message (CHASER_FINGERPRINT).
 * State, kind and reference are our own words; nothing from the message itself. */
static void log_handled(ChApp *app, const char *fp, gint64 row)
{
	GError *e = NULL;
	g_autofree char *state = NULL, *kind = NULL, *ref = NULL;
	/* Only a log line: the message's effect is committed whether or not it can be written. */
	if (!ch_store_message_summary(app->store, row, &state, &kind, &ref, &e))
		ch_service_log(G_LOG_LEVEL_WARNING, NULL, fp, 0, "message %.12s: handled (%s)", fp,
		               e->message);
	g_clear_error(&e);
	if (!state)
		return;
	if (!g_strcmp0(kind, state))
		g_clear_pointer(&kind, g_free); /* "triage", not "triage as triage" */
	ch_service_log(G_LOG_LEVEL_INFO, ref, fp, 0, "message %.12s: %s%s%s%s%s", fp, state,
	               kind ? " as " : "", kind ? kind : "", ref ? " for " : "", ref ? ref : "");
}

/* One message, from its bytes to its committed effect. Long because the order is the
 * guarantee and reads best in one place: known already (done), raw copy first (never lost),
 * a reading mark left by a crash (read again, or quarantine), then one transaction for the
 * effect, and a failed attempt counted in a transaction of its own. */
/* The raw copy from a driver's file: renamed into its place (the driver synced the bytes, as
 * ch_durable_write does before its rename), then the folder synced (spool_named), as
 * ch_durable_write does after it. */
static gboolean spool_take(const char *dir, const char *file, const char *path, GError **error)
{
	if (!spool_dir(dir, error))
		return FALSE;
	if (g_rename(file, path) < 0) {
		int e = errno;
		if (spool_dirs_made != NULL)
			g_hash_table_remove(spool_dirs_made, dir);
		g_set_error(error, CH_ERROR, CH_ERROR_TEMPORARY, "cannot write %s: %s", path,
		            g_strerror(e));
		return FALSE;
	}
	return spool_named(dir, error);
}

/* The raw copy the second thread wrote aside (ahead_read), given its name as spool_write
 * would have written it. */
static gboolean spool_aside(const char *dir, char **aside, const char *path, GError **error)
{
	return spool_dir(dir, error) && spool_name(dir, aside, path, error);
}

static ChIntakeResult intake(ChApp *app, const char *where, const guint8 *data, gsize len,
                             const char *file, GError **error);

ChIntakeResult ch_intake_message(ChApp *app, const char *where, const guint8 *data, gsize len,
                                 GError **error)
{
	return intake(app, where, data, len, NULL, error);
}

ChIntakeResult ch_intake_file(ChApp *app, const char *where, const guint8 *map, gsize len,
                              const char *file, GError **error)
{
	return intake(app, where, map, len, file, error);
}

/* Long because it is every message's one path, in the order durability needs: known
 * already?, the raw bytes on disk, died reading it before?, then handled in one transaction.
 * The crash points test_crash stops at mark its steps; split, they would be spread over
 * functions passing the same context along. */
static ChIntakeResult intake(ChApp *app, const char *where, const guint8 *data, gsize len,
                             const char *file, GError **error)
{
	/* A sweep of many messages is a long step: each one tells the watchdog we are alive. */
	ch_service_alive();
	g_autoptr(Ahead) ahead = ahead_take(data, len);
	char fp[65];
	if (ahead)
		memcpy(fp, ahead->fp, sizeof fp);
	else
		ch_message_fingerprint(data, len, file ? data : NULL, fp);
	ChStore *s = app->store;
	g_autoptr(GDateTime) now = ch_clock_now();
	gint64 known = 0;
	gboolean quarantined = FALSE;
	if (!ch_store_message_known(s, fp, &known, &quarantined, error))
		return CH_INTAKE_RETRY;
	if (known) {
		/* Handled before (a crash came between our commit and the move, or the same bytes
		 * were delivered twice): nothing to do but let the driver move it. */
		return quarantined ? CH_INTAKE_QUARANTINE : CH_INTAKE_DONE;
	}
	/* The raw bytes go to disk before anything else happens: whatever follows, the message
	 * itself is never lost. */
	g_autofree char *dir = g_build_filename(app->cfg->spool, "messages", NULL);
	g_autofree char *name = g_strdup_printf("%s.eml", fp);
	g_autofree char *path = g_build_filename(dir, name, NULL);
	ch_crashpoint("intake.before-raw");
	/* Written even when a file of that name is there: an attempt that did not commit (a
	 * batch a power cut ended before its sync) may have left it with none of its bytes. It
	 * is replaced durably then (spool_write), and nothing committed names it yet. */
	gboolean raw = file                    ? spool_take(dir, file, path, error)
	               : ahead && ahead->aside ? spool_aside(dir, &ahead->aside, path, error)
	                                       : spool_write(dir, path, data, len, error);
	if (!raw)
		return CH_INTAKE_RETRY;
	ch_crashpoint("intake.after-raw");
	Ctx x = {
		.app = app,
		.fp = fp,
		.where = where,
		.now = now,
		.now_s = ch_clock_format(now),
		.source = g_strdup_printf("message:%s", fp),
		.mapped = file != NULL,
		.ahead = ahead,
	};
	GError *e = NULL;
	ChIntakeResult r = CH_INTAKE_DONE;
	if (mark_found(app, fp)) {
		/* Once may be chance: the service stopped with SIGKILL, the machine went down, the
		 * OOM killer chose us for someone else's memory. A message that kills the parser
		 * kills it every time, so dying in the same place twice quarantines it. Either way
		 * it waits for the next sweep, and the messages after it are read now. */
		gboolean again = FALSE;
		if (!ch_store_message_died_reading(s, fp, &again, &e)) {
			/* The mark stays: the next sweep asks again. */
			r = CH_INTAKE_RETRY;
			goto done;
		}
		g_autoptr(GError) died = g_error_new_literal(
			CH_ERROR, CH_ERROR_FINAL,
			again ? "chaser stopped while reading this message twice (the parser crashed or "
			        "ran out of memory); quarantined so that the messages after it are read"
			      : "chaser stopped while reading this message; it is read again at the next "
			        "sweep");
		mark_forget(fp);
		r = failed_attempt(&x, len, died, again);
		ch_service_log(G_LOG_LEVEL_WARNING, NULL, fp, 0, "message %.12s: %s", fp,
		               died->message);
	} else if (!ch_store_begin(s, &e)) {
		r = CH_INTAKE_RETRY;
	} else {
		/* A message that failed before has a 'failing' row; its effect replaces it. */
		gboolean ok = ch_store_message_drop_failing(s, fp, &e) && handle(&x, data, len, &e) &&
		              ch_store_message_set_raw_path(s, x.row, name, &e);
		ch_crashpoint("intake.before-commit");
		ok = ok && ch_store_commit(s, &e);
		ch_crashpoint("intake.after-commit");
		if (!ok) {
			ch_store_rollback(s);
			r = not_handled(&x, len, e);
			g_propagate_error(error, e);
			e = NULL;
		} else {
			log_handled(app, fp, x.row);
		}
	}
done:
	if (e)
		g_propagate_error(error, e);
	g_free(x.now_s);
	g_free(x.source);
	return r;
}

ChIntakeResult ch_intake_oversized(ChApp *app, const char *where, gsize size, const char *head,
                                   gsize head_len, GError **error)
{
	g_autofree char *fp = g_compute_checksum_for_string(G_CHECKSUM_SHA256, where, -1);
	g_autofree char *key = g_strdup_printf("oversized:%s", fp);
	ChStore *s = app->store;
	gint64 known = 0;
	if (!ch_store_message_by_fingerprint(s, key, &known, error))
		return CH_INTAKE_RETRY;
	if (known)
		return CH_INTAKE_QUARANTINE;
	g_autoptr(GDateTime) now = ch_clock_now();
	Ctx x = { .app = app, .fp = key, .where = where, .now = now,
	          .now_s = ch_clock_format(now), .source = g_strdup_printf("message:%s", key) };
	g_autofree char *reason = g_strdup_printf("message of %" G_GSIZE_FORMAT " bytes is over the "
	                                          "limit of %" G_GSIZE_FORMAT "; not fetched",
	                                          size, app->cfg->max_message_size);
	GError *e = NULL;
	gboolean ok = ch_store_begin(s, &e) &&
	              ch_store_message_add_oversized(s, key, where, x.now_s, (gint64)size, &x.row,
	                                             &e);
	if (ok) {
		g_autofree char *text = head ? safety_text(NULL, (const guint8 *)head, head_len, NULL)
		                             : NULL;
		ok = (!text || safety_anyway(&x, NULL, ch_engine_safety_words(app->safety, text),
		                             "the first part of a message too large to take in: open "
		                             "it from triage",
		                             &e)) &&
		     to_triage(&x, CH_MSG_QUARANTINE, 0, reason, &e) && ch_store_commit(s, &e);
	}
	if (!ok)
		ch_store_rollback(s);
	g_free(x.now_s);
	g_free(x.source);
	if (ok)
		return CH_INTAKE_QUARANTINE;
	/* The alert's template, say: nothing was recorded, so the next sweep after the fix
	 * finds the message as new. */
	ChIntakeResult r = e && e->code == CH_ERROR_CONFIG ? CH_INTAKE_STOP : CH_INTAKE_RETRY;
	g_propagate_error(error, e);
	return r;
}

/* What the store holds of triage item `triage_id`, read as the engine's words: it exists,
 * and its states are names this chaser knows. */
static gboolean triage_facts(gint64 triage_id, const char *tstate, const char *mstate,
                             ChTriageState *ts, ChMsgState *ms, GError **error)
{
	if (!tstate)
		g_set_error(error, CH_ERROR, CH_ERROR_USAGE, "no triage item %" G_GINT64_FORMAT,
		            triage_id);
	else if (!ch_triage_state_parse(tstate, ts) || !ch_msg_state_parse(mstate, ms))
		g_set_error(error, CH_ERROR, CH_ERROR_FINAL,
		            "the database holds triage.state = '%s', message.state = '%s' for triage %"
		            G_GINT64_FORMAT ", which this chaser does not know",
		            tstate, mstate ? mstate : "(null)", triage_id);
	else
		return TRUE;
	return FALSE;
}

/* A person's decision on a triage item: the engine decides whether it may be made and what
 * it changes (engine/triage.c); a release then hands the stored message to handle_person as
 * vouched for, in the same transaction. */
gboolean ch_intake_decide(ChApp *app, gint64 triage_id, gboolean release, const char *source,
                          GError **error)
{
	ChStore *s = app->store;
	g_autoptr(GDateTime) now = ch_clock_now();
	g_autofree char *now_s = ch_clock_format(now);
	if (!ch_store_begin(s, error))
		return FALSE;
	ChStoreTriageItem item;
	gboolean found = FALSE;
	if (!ch_store_triage_get(s, triage_id, &item, &found, error)) {
		ch_store_rollback(s);
		return FALSE;
	}
	g_autofree char *tstate = g_steal_pointer(&item.state);
	g_autofree char *mstate = g_steal_pointer(&item.message_state);
	g_autofree char *raw = g_steal_pointer(&item.raw_path);
	g_autofree char *fp = g_steal_pointer(&item.fingerprint);
	gint64 row = item.message_row, conf = item.conference_id;
	ChTriageState ts = CH_TRIAGE_OPEN;
	ChMsgState ms = CH_MSG_TRIAGE;
	g_autoptr(ChEffects) fx = ch_effects_new();
	gboolean ok = triage_facts(triage_id, found ? tstate : NULL, mstate, &ts, &ms, error) &&
	              ch_engine_triage_decide(triage_id, ts, ms, conf, release, fx, error);
	if (ok && !release) {
		ok = ch_effects_apply(app, NULL, fx, NULL, now, source, error);
	} else if (ok) {
		g_autofree char *path = g_build_filename(app->cfg->spool, "messages", raw, NULL);
		g_autofree char *data = NULL;
		gsize len = 0;
		GError *e = NULL;
		if (!raw || !g_file_get_contents(path, &data, &len, &e)) {
			g_set_error(error, CH_ERROR, CH_ERROR_FINAL, "the stored message is missing: %s",
			            e ? e->message : "no file recorded");
			g_clear_error(&e);
			ok = FALSE;
		} else {
			Ctx x = { .app = app, .fp = fp, .where = "triage", .now = now, .now_s = now_s,
			          .source = g_strdup_printf("message:%s", fp), .row = row,
			          .release = TRUE };
			g_autoptr(ChMessage) m = ch_message_parse((const guint8 *)data, len, &app->parse,
			                                          error);
			ok = m && ch_effects_apply(app, NULL, fx, NULL, now, source, error) &&
			     handle_person(&x, m, error);
			g_free(x.source);
		}
	}
	if (!ok || !ch_store_commit(s, error)) {
		ch_store_rollback(s);
		return FALSE;
	}
	return TRUE;
}
