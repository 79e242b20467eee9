#include "classify/token.h"

#include <string.h>
#include <sys/random.h>

#include "util/durable.h"
#include "util/error.h"

#define KEY_BYTES 32
#define PAYLOAD 7
#define MAC_BYTES 10
#define RAW (PAYLOAD + MAC_BYTES)

typedef struct {
	guint8 id;
	char created[11];
	guint8 key[KEY_BYTES];
} Key;

struct ChKeys {
	GArray *keys; /* Key, newest first */
};

static const char alphabet[] = "abcdefghijklmnopqrstuvwxyz234567";

static char *base32(const guint8 *in, gsize n)
{
	GString *s = g_string_new(NULL);
	guint32 buf = 0;
	int bits = 0;
	for (gsize i = 0; i < n; i++) {
		buf = (buf << 8) | in[i];
		bits += 8;
		while (bits >= 5) {
			g_string_append_c(s, alphabet[(buf >> (bits - 5)) & 31]);
			bits -= 5;
		}
	}
	if (bits > 0)
		g_string_append_c(s, alphabet[(buf << (5 - bits)) & 31]);
	return g_string_free(s, FALSE);
}

static gboolean unbase32(const char *in, guint8 *out, gsize n)
{
	guint32 buf = 0;
	int bits = 0;
	gsize o = 0;
	for (const char *p = in; *p; p++) {
		char ch = g_ascii_tolower(*p);
		const char *at = strchr(alphabet, ch);
		if (!ch || !at)
			return FALSE;
		buf = (buf << 5) | (guint32)(at - alphabet);
		bits += 5;
		if (bits >= 8) {
			if (o >= n)
				return FALSE;
			out[o++] = (buf >> (bits - 8)) & 0xff;
			bits -= 8;
		}
	}
	/* The last character carries bits beyond the final byte. They must be zero: otherwise
	 * up to 16 different spellings decode to one token, and "one character changed" would
	 * still verify. */
	return o == n && bits < 5 && (buf & ((1u << bits) - 1)) == 0;
}

static gboolean parse_hex(const char *hex, guint8 *out, gsize n)
{
	if (strlen(hex) != n * 2)
		return FALSE;
	for (gsize i = 0; i < n; i++) {
		int hi = g_ascii_xdigit_value(hex[2 * i]), lo = g_ascii_xdigit_value(hex[2 * i + 1]);
		if (hi < 0 || lo < 0)
			return FALSE;
		out[i] = (guint8)(hi << 4 | lo);
	}
	return TRUE;
}

static char *new_key_line(guint8 id, const char *today)
{
	guint8 key[KEY_BYTES];
	/* GLib's GRand is not for secrets: the key comes from the kernel. */
	if (getrandom(key, sizeof key, 0) != sizeof key)
		g_error("cannot read random bytes for a new key");
	GString *s = g_string_new(NULL);
	g_string_append_printf(s, "%u %s ", id, today);
	for (int i = 0; i < KEY_BYTES; i++)
		g_string_append_printf(s, "%02x", key[i]);
	memset(key, 0, sizeof key);
	return g_string_free(s, FALSE);
}

static char *today_str(void)
{
	g_autoptr(GDateTime) now = g_date_time_new_now_utc();
	return g_date_time_format(now, "%Y-%m-%d");
}

gboolean ch_keys_create(const char *path, GError **error)
{
	if (g_file_test(path, G_FILE_TEST_EXISTS))
		return TRUE;
	g_autofree char *today = today_str();
	g_autofree char *line = new_key_line(1, today);
	g_autofree char *text = g_strdup_printf(
		"# chaser reply-token keys, newest first: ID CREATED KEY. Keep this file secret.\n%s\n",
		line);
	return ch_durable_write(path, text, strlen(text), 0600, error);
}

ChKeys *ch_keys_load(const char *path, GError **error)
{
	g_autofree char *text = NULL;
	GError *local = NULL;
	if (!g_file_get_contents(path, &text, NULL, &local)) {
		g_set_error(error, CH_ERROR, CH_ERROR_CONFIG, "cannot read key file %s: %s (run chaser init)",
		            path, local->message);
		g_error_free(local);
		return NULL;
	}
	ChKeys *k = g_new0(ChKeys, 1);
	k->keys = g_array_new(FALSE, TRUE, sizeof(Key));
	g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
	for (guint i = 0; lines[i]; i++) {
		char *l = g_strstrip(lines[i]);
		if (!*l || *l == '#')
			continue;
		g_auto(GStrv) f = g_strsplit_set(l, " \t", 3);
		Key key = { 0 };
		guint64 id;
		if (g_strv_length(f) != 3 || !g_ascii_string_to_unsigned(f[0], 10, 1, 255, &id, NULL) ||
		    strlen(f[1]) != 10 || !parse_hex(f[2], key.key, KEY_BYTES)) {
			g_set_error(error, CH_ERROR, CH_ERROR_CONFIG, "%s:%u: not a key line", path, i + 1);
			ch_keys_free(k);
			return NULL;
		}
		key.id = (guint8)id;
		memcpy(key.created, f[1], 10);
		g_array_append_val(k->keys, key);
	}
	if (k->keys->len == 0) {
		g_set_error(error, CH_ERROR, CH_ERROR_CONFIG, "%s holds no key", path);
		ch_keys_free(k);
		return NULL;
	}
	return k;
}

void ch_keys_free(ChKeys *k)
{
	if (!k)
		return;
	memset(k->keys->data, 0, k->keys->len * sizeof(Key));
	g_array_unref(k->keys);
	g_free(k);
}

gboolean ch_keys_rotate(const char *path, const char *today, const char *drop_before,
                        GError **error)
{
	g_autoptr(ChKeys) k = ch_keys_load(path, error);
	if (!k)
		return FALSE;
	guint8 next = 1;
	for (guint i = 0; i < k->keys->len; i++)
		next = MAX(next, (guint8)(g_array_index(k->keys, Key, i).id + 1));
	if (next == 0)
		next = 1;
	g_autofree char *line = new_key_line(next, today);
	GString *s = g_string_new("# chaser reply-token keys, newest first: ID CREATED KEY. "
	                          "Keep this file secret.\n");
	g_string_append_printf(s, "%s\n", line);
	for (guint i = 0; i < k->keys->len; i++) {
		Key *key = &g_array_index(k->keys, Key, i);
		/* A key makes tokens until the next one replaces it, and those tokens live
		 * token_days: so a key goes when its successor is older than that, never by its
		 * own age (a key in use for a year would take every live token with it). The
		 * newest key is replaced now, by the line above. */
		const char *retired = i ? g_array_index(k->keys, Key, i - 1).created : today;
		if (drop_before && strncmp(retired, drop_before, 10) < 0)
			continue;
		g_string_append_printf(s, "%u %.10s ", key->id, key->created);
		for (int b = 0; b < KEY_BYTES; b++)
			g_string_append_printf(s, "%02x", key->key[b]);
		g_string_append_c(s, '\n');
	}
	gboolean ok = ch_durable_write(path, s->str, s->len, 0600, error);
	memset(s->str, 0, s->len);
	g_string_free(s, TRUE);
	return ok;
}

static const Key *find_key(const ChKeys *k, guint8 id)
{
	for (guint i = 0; i < k->keys->len; i++)
		if (g_array_index(k->keys, Key, i).id == id)
			return &g_array_index(k->keys, Key, i);
	return NULL;
}

static void mac(const Key *key, const guint8 *payload, guint8 *out)
{
	GHmac *h = g_hmac_new(G_CHECKSUM_SHA256, key->key, KEY_BYTES);
	g_hmac_update(h, payload, PAYLOAD);
	guint8 digest[32];
	gsize len = sizeof digest;
	g_hmac_get_digest(h, digest, &len);
	g_hmac_unref(h);
	memcpy(out, digest, MAC_BYTES);
}

static guint days_since_2000(const GDate *d)
{
	GDate base;
	g_date_clear(&base, 1);
	g_date_set_dmy(&base, 1, 1, 2000);
	return (guint)g_date_days_between(&base, d);
}

char *ch_token_make(const ChKeys *k, guint32 id, const GDate *expires)
{
	const Key *key = &g_array_index(k->keys, Key, 0);
	guint8 raw[RAW];
	guint days = MIN(days_since_2000(expires), 0xffff);
	raw[0] = key->id;
	raw[1] = id >> 24, raw[2] = id >> 16, raw[3] = id >> 8, raw[4] = id;
	raw[5] = days >> 8, raw[6] = days;
	mac(key, raw, raw + PAYLOAD);
	return base32(raw, RAW);
}

gboolean ch_token_check(const ChKeys *k, const char *token, guint32 *id_r, GDate *expires_r,
                        const char **reason_r)
{
	guint8 raw[RAW], want[MAC_BYTES];
	const char *reason = NULL;
	if (!token || strlen(token) != CH_TOKEN_LEN || !unbase32(token, raw, RAW))
		reason = "malformed token";
	const Key *key = reason ? NULL : find_key(k, raw[0]);
	if (!reason && !key)
		reason = "token made with an unknown or retired key";
	if (!reason) {
		mac(key, raw, want);
		/* Constant time: every byte is compared whatever the first difference. */
		guint8 diff = 0;
		for (int i = 0; i < MAC_BYTES; i++)
			diff |= want[i] ^ raw[PAYLOAD + i];
		if (diff)
			reason = "token does not verify (altered or forged)";
	}
	if (reason) {
		if (reason_r)
			*reason_r = reason;
		return FALSE;
	}
	if (id_r)
		*id_r = (guint32)raw[1] << 24 | (guint32)raw[2] << 16 | (guint32)raw[3] << 8 | raw[4];
	if (expires_r) {
		g_date_clear(expires_r, 1);
		g_date_set_dmy(expires_r, 1, 1, 2000);
		g_date_add_days(expires_r, (guint)raw[5] << 8 | raw[6]);
	}
	return TRUE;
}

char *ch_token_withhold_msgid(const char *msgid)
{
	if (!msgid || !g_str_has_prefix(msgid, "c."))
		return g_strdup(msgid);
	const char *dot = strchr(msgid + 2, '.'), *at = strchr(msgid, '@');
	if (!dot || !at || dot > at)
		return g_strdup(msgid);
	return g_strdup_printf("c.(token withheld)%s", dot);
}
