/* spool: the embedded default transport (transport.h), sent mail written as .eml files into
 * a folder, for a person or another program to pick up.
 *
 * The file's name is the outbox row's id and the template's name, so a message written again
 * after a crash replaces itself instead of appearing twice. Each file is written durably
 * (util/durable.h) before the send counts as done.
 */
#include "outbound/transport.h"

#include "util/durable.h"

static gpointer spool_open(const ChConfig *cfg, GError **error)
{
	return g_strdup(cfg->outgoing_dir);
}

static ChSendResult spool_send(gpointer self, const ChOutMail *m, char **reply_r)
{
	const char *dir = self;
	g_autofree char *name = g_strdup_printf("%06" G_GINT64_FORMAT "-%s.eml", m->id, m->kind);
	g_autofree char *path = g_build_filename(dir, name, NULL);
	gsize len;
	const void *data = g_bytes_get_data(m->wire, &len);
	GError *e = NULL;
	if (!ch_durable_write(path, data, len, 0600, &e)) {
		*reply_r = g_strdup(e->message);
		g_error_free(e);
		return CH_SEND_TEMPORARY;
	}
	*reply_r = g_strdup_printf("written to %s", name);
	return CH_SEND_OK;
}

const ChTransportOps ch_spool_transport = {
	.name = "spool",
	.open = spool_open,
	.send = spool_send,
	.close = g_free,
};
