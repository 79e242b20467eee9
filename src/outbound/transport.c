/* transport: the outbound contract's one entry point. See transport.h. */
#include "outbound/transport.h"

#include "util/error.h"

struct ChTransport {
	const ChTransportOps *ops;
	gpointer self;
};

static const ChTransportOps *const transports[] = { &ch_spool_transport, &ch_smtp_transport };

ChTransport *ch_transport_open(const ChConfig *cfg, GError **error)
{
	const ChTransportOps *ops = NULL;
	for (guint i = 0; i < G_N_ELEMENTS(transports); i++)
		if (!g_strcmp0(cfg->outbound, transports[i]->name))
			ops = transports[i];
	if (!ops) {
		/* The config refuses an unknown type at start; this is a second line of defence. */
		g_set_error(error, CH_ERROR, CH_ERROR_CONFIG, "outbound type '%s' is not known",
		            cfg->outbound ? cfg->outbound : "");
		return NULL;
	}
	gpointer self = ops->open(cfg, error);
	if (!self)
		return NULL;
	ChTransport *t = g_new0(ChTransport, 1);
	t->ops = ops;
	t->self = self;
	return t;
}

ChSendResult ch_transport_send(ChTransport *t, const ChOutMail *m, char **reply_r)
{
	return t->ops->send(t->self, m, reply_r);
}

void ch_transport_close(ChTransport *t)
{
	if (!t)
		return;
	t->ops->close(t->self);
	g_free(t);
}
