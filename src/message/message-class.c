/* message-class: is this our own mail, a bounce, automatic mail, or a person?
 *
 * The order is the loop guard. Our own mail coming back must never be read as a command; a
 * bounce must reach the outbox it belongs to even though it is also "automatic"; and chaser
 * never answers automatic mail, so anything a machine sent must land in AUTO before the
 * fall-through to PERSON. Only documented signals count (RFC 3834, RFC 3464, RFC 2369/2919,
 * and what Exchange states about its own headers), so that a person's reply is not lost to a
 * guess.
 */
#include <string.h>

#include "message/message-private.h"

const char *ch_message_class_name(ChMessageClass c)
{
	switch (c) {
	case CH_CLASS_PERSON:
		return "person";
	case CH_CLASS_OWN:
		return "own";
	case CH_CLASS_BOUNCE:
		return "bounce";
	case CH_CLASS_AUTO:
		return "auto";
	}
	return "unknown";
}

static void decide(ChMessage *m, ChMessageClass cls, char *reason)
{
	m->cls = cls;
	g_free(m->class_reason);
	m->class_reason = reason;
}

static const char *header(GMimeMessage *msg, const char *name)
{
	return g_mime_object_get_header(GMIME_OBJECT(msg), name);
}

/* A header value as shown in class_reason: one line, bounded, valid UTF-8. */
static char *reason_with(const char *name, const char *value)
{
	char *v = ch_text_dup_valid(value ? value : "");
	g_strstrip(v);
	if (g_utf8_strlen(v, -1) > 60) {
		char *cut = g_utf8_substring(v, 0, 60);
		g_free(v);
		v = cut;
	}
	char *r = g_strdup_printf("%s: %s", name, v);
	g_free(v);
	return r;
}

/* The keyword of a structured value, before any ';' parameters or "(comment)". */
static char *keyword(const char *value)
{
	gsize n = strcspn(value, ";(");
	char *k = g_strndup(value, n);
	return g_strstrip(k);
}

static gboolean local_part_is(const char *addr, const char *const *names)
{
	if (!addr)
		return FALSE;
	const char *at = strchr(addr, '@');
	gsize n = at ? (gsize)(at - addr) : strlen(addr);
	for (const char *const *p = names; *p; p++)
		if (strlen(*p) == n && g_ascii_strncasecmp(addr, *p, n) == 0)
			return TRUE;
	/* Exchange sends its NDRs as "MicrosoftExchange329e71ec88ae4615bbc36ab6ce41109e@...". */
	return g_ascii_strncasecmp(addr, "microsoftexchange", 17) == 0;
}

static const char *const daemon_names[] = { "mailer-daemon", "postmaster", NULL };

static gboolean subject_starts(const char *subject, const char *const *prefixes)
{
	if (!subject)
		return FALSE;
	while (*subject == ' ')
		subject++;
	for (const char *const *p = prefixes; *p; p++)
		if (g_ascii_strncasecmp(subject, *p, strlen(*p)) == 0)
			return TRUE;
	return FALSE;
}

/* ---- own ---- */

static gboolean classify_own(ChMessage *m, GMimeMessage *msg, const ChParseOptions *opts)
{
	if (!opts->own_address || !m->from_addr ||
	    g_ascii_strcasecmp(m->from_addr, opts->own_address) != 0)
		return FALSE;
	decide(m, CH_CLASS_OWN,
	       g_strdup(header(msg, "X-Chaser-Outbox") ? "X-Chaser-Outbox and From: our own address"
	                                               : "From: our own address"));
	return TRUE;
}

/* ---- bounces ---- */

static const char *const ndr_subjects[] = {
	"Undeliverable:", "Undelivered Mail Returned to Sender", "Non remis", "Unzustellbar:",
	"No se puede entregar:", "Onbestelbaar:", "Delivery Status Notification (Failure)", NULL,
};

static gboolean is_report_of(GMimeMessage *msg, const char *report_type)
{
	GMimeObject *top = g_mime_message_get_mime_part(msg);
	if (!top)
		return FALSE;
	GMimeContentType *ct = g_mime_object_get_content_type(top);
	if (!ct || !g_mime_content_type_is_type(ct, "multipart", "report"))
		return FALSE;
	const char *rt = g_mime_content_type_get_parameter(ct, "report-type");
	return rt && g_ascii_strcasecmp(rt, report_type) == 0;
}

static gboolean classify_bounce(ChMessage *m, GMimeMessage *msg)
{
	if (is_report_of(msg, "delivery-status")) {
		decide(m, CH_CLASS_BOUNCE,
		       g_strdup("Content-Type: multipart/report; report-type=delivery-status"));
		return TRUE;
	}
	if (header(msg, "X-MS-Exchange-Message-Is-Ndr")) {
		decide(m, CH_CLASS_BOUNCE, g_strdup("X-MS-Exchange-Message-Is-Ndr"));
		return TRUE;
	}
	gboolean from_daemon = local_part_is(m->from_addr, daemon_names);
	/* RFC 5321 4.5.5: notifications go out with the null reverse-path; a daemon's From
	 * alone could be anyone's forgery. */
	if (from_daemon && m->return_path && !*m->return_path) {
		decide(m, CH_CLASS_BOUNCE, g_strdup("Return-Path: <> from a mailer daemon"));
		return TRUE;
	}
	if (from_daemon && subject_starts(m->subject, ndr_subjects)) {
		decide(m, CH_CLASS_BOUNCE, reason_with("Subject from a mailer daemon", m->subject));
		return TRUE;
	}
	return FALSE;
}

/* The id between <> in a Message-ID value, or the trimmed value. */
static char *message_id_of(const char *value)
{
	const char *lt = strchr(value, '<');
	const char *gt = lt ? strchr(lt, '>') : NULL;
	char *id = lt && gt ? g_strndup(lt + 1, (gsize)(gt - lt - 1)) : g_strdup(value);
	g_strstrip(id);
	if (!*id) {
		g_free(id);
		return NULL;
	}
	char *valid = ch_text_dup_valid(id);
	g_free(id);
	return valid;
}

typedef struct {
	char *rfc822_id;   /* Message-ID of the returned message/rfc822 part */
	char *headers_id;  /* Message-ID in a text/rfc822-headers part */
	char *envelope_id; /* Original-Envelope-Id of the delivery-status */
	char *rcpt;        /* first Final-Recipient */
	char *status;      /* its Status */
	char *action;      /* its Action, lower case */
} Bounce;

typedef void (*FieldFunc)(const char *name, const char *value, gpointer data);

/* Reads "Name: value" fields with folded continuation lines; blank lines separate the
 * per-message and per-recipient blocks of a delivery-status and are simply skipped. */
static void each_field(const char *text, FieldFunc fn, gpointer data)
{
	char **lines = g_strsplit(text, "\n", -1);
	GString *field = g_string_new(NULL);
	for (char **l = lines;; l++) {
		gboolean continuation = *l && (**l == ' ' || **l == '\t');
		if (continuation) {
			g_string_append(field, *l);
			continue;
		}
		char *colon = field->len ? strchr(field->str, ':') : NULL;
		if (colon) {
			*colon = '\0';
			fn(g_strstrip(field->str), g_strstrip(colon + 1), data);
		}
		if (!*l)
			break;
		g_string_assign(field, *l);
	}
	g_string_free(field, TRUE);
	g_strfreev(lines);
}

static void on_status_field(const char *name, const char *value, gpointer data)
{
	Bounce *b = data;
	if (!b->rcpt && g_ascii_strcasecmp(name, "Final-Recipient") == 0) {
		/* "rfc822; someone@example.org": the address type comes first. */
		const char *semi = strchr(value, ';');
		char *addr = message_id_of(semi ? semi + 1 : value);
		if (addr) {
			b->rcpt = g_utf8_strdown(addr, -1);
			g_free(addr);
		}
	} else if (!b->status && g_ascii_strcasecmp(name, "Status") == 0) {
		gsize n = strspn(value, "0123456789.");
		if (n > 0)
			b->status = g_strndup(value, n);
	} else if (!b->action && g_ascii_strcasecmp(name, "Action") == 0) {
		/* RFC 3464 2.3.3: one word; anything after it (a comment) is not ours to keep. */
		gsize n = 0;
		while (g_ascii_isalpha(value[n]))
			n++;
		if (n > 0 && n <= 16)
			b->action = g_ascii_strdown(value, (gssize)n);
	} else if (!b->envelope_id && g_ascii_strcasecmp(name, "Original-Envelope-Id") == 0) {
		b->envelope_id = message_id_of(value);
	}
}

static void on_header_field(const char *name, const char *value, gpointer data)
{
	Bounce *b = data;
	if (!b->headers_id && g_ascii_strcasecmp(name, "Message-ID") == 0)
		b->headers_id = message_id_of(value);
}

static ChMimeStep on_bounce_part(GMimeObject *o, const ChMimePlace *at, gpointer data)
{
	Bounce *b = data;
	(void)at;
	if (GMIME_IS_MULTIPART(o))
		return CH_MIME_DESCEND;
	if (GMIME_IS_MESSAGE_PART(o)) {
		GMimeMessage *inner = g_mime_message_part_get_message(GMIME_MESSAGE_PART(o));
		const char *id = inner ? g_mime_message_get_message_id(inner) : NULL;
		if (id && !b->rfc822_id)
			b->rfc822_id = ch_text_dup_valid(id);
		return CH_MIME_SKIP;
	}
	if (!GMIME_IS_PART(o))
		return CH_MIME_SKIP;
	GMimeContentType *ct = g_mime_object_get_content_type(o);
	gboolean status = g_mime_content_type_is_type(ct, "message", "delivery-status") ||
	                  g_mime_content_type_is_type(ct, "message", "global-delivery-status");
	gboolean headers = g_mime_content_type_is_type(ct, "text", "rfc822-headers") ||
	                   g_mime_content_type_is_type(ct, "message", "global-headers");
	if (!status && !headers)
		return CH_MIME_SKIP;
	char *text = ch_part_text(GMIME_PART(o));
	each_field(text, status ? on_status_field : on_header_field, b);
	g_free(text);
	return CH_MIME_SKIP;
}

/* Bounces that are not multipart/report (qmail, some gateways) quote the returned headers in
 * the body text: the first "Message-ID:" line there is the best remaining clue. */
static char *message_id_in_body(const char *body)
{
	if (!body)
		return NULL;
	char *found = NULL;
	char **lines = g_strsplit(body, "\n", -1);
	for (char **l = lines; *l && !found; l++) {
		const char *s = *l;
		while (*s == ' ' || *s == '\t' || *s == '>')
			s++;
		if (g_ascii_strncasecmp(s, "Message-ID:", 11) == 0)
			found = message_id_of(s + 11);
	}
	g_strfreev(lines);
	return found;
}

static void bounce_details(ChMessage *m, GMimeMessage *msg)
{
	Bounce b = { 0 };
	ch_mime_walk(msg, on_bounce_part, &b);

	const char *xorig = header(msg, "X-Original-Message-ID");
	if (b.rfc822_id)
		m->bounced_message_id = g_steal_pointer(&b.rfc822_id);
	else if (b.headers_id)
		m->bounced_message_id = g_steal_pointer(&b.headers_id);
	else if (b.envelope_id)
		m->bounced_message_id = g_steal_pointer(&b.envelope_id);
	else if (xorig)
		m->bounced_message_id = message_id_of(xorig);
	else
		m->bounced_message_id = message_id_in_body(m->body_text);
	m->bounced_rcpt = g_steal_pointer(&b.rcpt);
	m->bounce_status = g_steal_pointer(&b.status);
	m->bounce_action = g_steal_pointer(&b.action);
	g_free(b.rfc822_id);
	g_free(b.headers_id);
	g_free(b.envelope_id);
}

/* ---- automatic mail ---- */

static const char *const auto_subjects[] = {
	"Automatic reply:", "Out of Office:", "Out of Office AutoReply:", "Autosvar:",
	"Automatische Antwort:", "Réponse automatique :", "Réponse automatique:",
	"Respuesta automática:", "Automatisch antwoord:", "Ateb awtomatig:", NULL,
};

/* Exchange puts these on every out-of-office it sends, but a person's Outlook may set
 * X-Auto-Response-Suppress too (and chaser sets it on all its own mail), so they only
 * confirm an out-of-office subject; alone they decide nothing. */
static const char *weak_auto_hint(ChMessage *m, GMimeMessage *msg)
{
	if (header(msg, "X-Auto-Response-Suppress"))
		return "X-Auto-Response-Suppress";
	if (header(msg, "X-MS-Exchange-Inbox-Rules-Loop"))
		return "X-MS-Exchange-Inbox-Rules-Loop";
	if (m->return_path && !*m->return_path)
		return "Return-Path: <>";
	return NULL;
}

static gboolean classify_auto(ChMessage *m, GMimeMessage *msg)
{
	const char *v = header(msg, "Auto-Submitted");
	if (v) {
		/* RFC 3834 5.1: "no" means a person sent it; parameters and comments after the
		 * keyword ("auto-replied; vacation", "auto-generated (failure)") do not matter. */
		char *kw = keyword(v);
		gboolean is_no = g_ascii_strcasecmp(kw, "no") == 0;
		g_free(kw);
		if (!is_no) {
			decide(m, CH_CLASS_AUTO, reason_with("Auto-Submitted", v));
			return TRUE;
		}
	}
	v = header(msg, "Precedence");
	if (v) {
		char *kw = keyword(v);
		gboolean bulk = g_ascii_strcasecmp(kw, "bulk") == 0 ||
		                g_ascii_strcasecmp(kw, "junk") == 0 ||
		                g_ascii_strcasecmp(kw, "list") == 0;
		g_free(kw);
		if (bulk) {
			decide(m, CH_CLASS_AUTO, reason_with("Precedence", v));
			return TRUE;
		}
	}
	static const char *const presence[] = {
		"X-Autoreply", "X-Autorespond", "X-MS-Exchange-Generated-Message-Source",
		"List-Id", "List-Unsubscribe", NULL,
	};
	for (const char *const *h = presence; *h; h++) {
		if (header(msg, *h)) {
			decide(m, CH_CLASS_AUTO, g_strdup(*h));
			return TRUE;
		}
	}
	/* Read receipts (RFC 8098) are reports too, but nobody wrote them. */
	if (is_report_of(msg, "disposition-notification")) {
		decide(m, CH_CLASS_AUTO,
		       g_strdup("Content-Type: multipart/report; report-type=disposition-notification"));
		return TRUE;
	}
	const char *hint = weak_auto_hint(m, msg);
	if (hint && subject_starts(m->subject, auto_subjects)) {
		decide(m, CH_CLASS_AUTO, g_strdup_printf("out-of-office Subject with %s", hint));
		return TRUE;
	}
	return FALSE;
}

/* ---- return dates in out-of-office text ---- */

static const char *const weekdays[] = {
	"monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday",
	"tues", "thurs", "mon", "tue", "wed", "thu", "fri", "sat", "sun", NULL,
};
static const char *const months[] = {
	"january", "february", "march", "april", "may", "june", "july", "august", "september",
	"october", "november", "december", "sept", "jan", "feb", "mar", "apr", "jun", "jul",
	"aug", "sep", "oct", "nov", "dec", NULL,
};
/* Words that announce a return ("I am back on ...", "returning 7th December"). */
static const char *const triggers[] = {
	"back", "return", "returning", "returns", "until", "till", NULL,
};
/* Words allowed between the trigger and the date: "back in the office on Monday". */
static const char *const fillers[] = {
	"on", "in", "to", "the", "office", "work", "at", "my", "desk", "again", "from", "by",
	"will", "be", "i", "am", "and", "of", NULL,
};

/* Length of the word from list at s (whole word, lower-case input); an abbreviation takes
 * its '.' ("Dec."), a full word leaves it to end the sentence. */
static gsize match_word(const char *s, const char *const *list)
{
	for (const char *const *w = list; *w; w++) {
		gsize n = strlen(*w);
		if (strncmp(s, *w, n) == 0 && !g_ascii_isalpha(s[n]))
			return s[n] == '.' && n <= 4 ? n + 1 : n;
	}
	return 0;
}

static gsize digits(const char *s, gsize max)
{
	gsize n = 0;
	while (n < max && g_ascii_isdigit(s[n]))
		n++;
	return g_ascii_isdigit(s[n]) ? 0 : n;
}

static const char *skip_blanks(const char *s, gboolean comma)
{
	while (*s == ' ' || *s == '\t' || (comma && *s == ','))
		s++;
	return s;
}

/* A day number with its ordinal ("7", "7th"), or 0. */
static gsize day_number(const char *s)
{
	gsize n = digits(s, 2);
	if (n == 0)
		return 0;
	static const char *const ordinals[] = { "st", "nd", "rd", "th", NULL };
	gsize o = match_word(s + n, ordinals);
	if (o == 0 && g_ascii_isalpha(s[n]))
		return 0;
	return n + o;
}

/* An optional ", 2026" or " 2026" after a day and month; returns the new end. */
static const char *year_after(const char *p)
{
	const char *q = skip_blanks(p, TRUE);
	return q != p && digits(q, 4) == 4 ? q + 4 : p;
}

/* The length of a date phrase at s (lower-case text), or 0: "monday 7 december",
 * "7th of december 2026", "december 7", "07/12/2026", or a weekday alone. */
static gsize date_phrase(const char *s)
{
	const char *p = s, *end = NULL;
	gsize n = match_word(p, weekdays);
	if (n) {
		p += n;
		end = p;
		p = skip_blanks(p, TRUE);
	}
	if (strncmp(p, "the ", 4) == 0)
		p += 4;

	gsize d = digits(p, 2);
	char sep = d ? p[d] : '\0';
	if ((sep == '/' || sep == '.' || sep == '-') && g_ascii_isdigit(p[d + 1])) {
		const char *q = p + d + 1;
		gsize m = digits(q, 2);
		if (m) {
			q += m;
			gsize y = *q == sep ? digits(q + 1, 4) : 0;
			if (y >= 2)
				q += 1 + y;
			/* "10.30" is a time; a dotted date needs its year. */
			else if (sep == '.')
				return end ? (gsize)(end - s) : 0;
			return (gsize)(q - s);
		}
	}
	if ((d = day_number(p))) {
		const char *q = skip_blanks(p + d, FALSE);
		if (strncmp(q, "of ", 3) == 0)
			q += 3;
		gsize m = match_word(q, months);
		if (m)
			end = year_after(q + m);
	} else if ((n = match_word(p, months))) {
		const char *q = skip_blanks(p + n, FALSE);
		if ((d = day_number(q)))
			end = year_after(q + d);
	}
	return end ? (gsize)(end - s) : 0;
}

char *ch_message_find_return_date(const char *text)
{
	if (!text)
		return NULL;
	/* ASCII lower-casing keeps every byte where it was, so offsets map back to text. */
	char *low = g_ascii_strdown(text, -1);
	char *found = NULL;
	for (const char *p = low; *p && !found; p++) {
		if (p != low && g_ascii_isalpha(p[-1]))
			continue;
		gsize t = match_word(p, triggers);
		if (!t || p[t - 1] == '.')
			continue;
		const char *q = skip_blanks(p + t, TRUE);
		for (int words = 0; words <= 5 && !found; words++) {
			gsize len = date_phrase(q);
			if (len) {
				found = g_strndup(text + (q - low), len);
				break;
			}
			gsize f = match_word(q, fillers);
			if (!f)
				break;
			q = skip_blanks(q + f, TRUE);
		}
	}
	g_free(low);
	return found;
}

void ch_message_classify(ChMessage *m, GMimeMessage *msg, const ChParseOptions *opts)
{
	if (classify_own(m, msg, opts))
		return;
	if (classify_bounce(m, msg)) {
		bounce_details(m, msg);
		return;
	}
	if (classify_auto(m, msg)) {
		m->auto_return_date = ch_message_find_return_date(m->body_text);
		return;
	}
	decide(m, CH_CLASS_PERSON, g_strdup("no own, bounce or automatic-mail signal"));
}
