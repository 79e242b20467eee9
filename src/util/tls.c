#include "util/tls.h"

#include <gnutls/gnutls.h>
#include <gnutls/x509.h>
#include <libetpan/libetpan.h>

#include "util/error.h"

static gboolean not_trusted(GError **error, const char *host, const char *why)
{
	g_set_error(error, CH_ERROR, CH_ERROR_CONFIG, "certificate of %s not trusted: %s", host,
	            why);
	return FALSE;
}

gboolean ch_tls_verify_chain(const GBytes *const *der, guint n, const char *host,
                             const char *ca_file, GError **error)
{
	if (n == 0)
		return not_trusted(error, host, "the server sent no certificate");

	gnutls_x509_trust_list_t trust = NULL;
	gnutls_x509_crt_t *crts = g_new0(gnutls_x509_crt_t, n);
	gboolean ok = FALSE;
	int r;

	for (guint i = 0; i < n; i++) {
		gsize len = 0;
		const guint8 *data = g_bytes_get_data((GBytes *)der[i], &len);
		gnutls_datum_t d = { (unsigned char *)data, (unsigned int)len };
		if (gnutls_x509_crt_init(&crts[i]) < 0 ||
		    (r = gnutls_x509_crt_import(crts[i], &d, GNUTLS_X509_FMT_DER)) < 0) {
			g_autofree char *why = g_strdup_printf(
				"certificate %u of the chain is unreadable", i + 1);
			not_trusted(error, host, why);
			goto out;
		}
	}

	if (gnutls_x509_trust_list_init(&trust, 0) < 0) {
		not_trusted(error, host, "cannot set up GnuTLS");
		goto out;
	}
	/* The system store may be missing on a minimal host; a configured CA file then still
	 * works, and with neither nothing verifies, which is the safe way to fail. */
	(void)gnutls_x509_trust_list_add_system_trust(trust, 0, 0);
	if (ca_file != NULL && *ca_file != '\0') {
		r = gnutls_x509_trust_list_add_trust_file(trust, ca_file, NULL, GNUTLS_X509_FMT_PEM,
		                                          0, 0);
		if (r <= 0) {
			g_set_error(error, CH_ERROR, CH_ERROR_CONFIG,
			            "CA file %s: %s", ca_file,
			            r == 0 ? "holds no PEM certificate" : gnutls_strerror(r));
			goto out;
		}
	}

	/* The name check takes an IP literal too, matched against the iPAddress entries. */
	gnutls_typed_vdata_st vdata[2] = {
		{ .type = GNUTLS_DT_DNS_HOSTNAME, .data = (unsigned char *)host },
		{ .type = GNUTLS_DT_KEY_PURPOSE_OID, .data = (unsigned char *)GNUTLS_KP_TLS_WWW_SERVER },
	};
	unsigned int status = 0;
	r = gnutls_x509_trust_list_verify_crt2(trust, crts, n, vdata, 2, 0, &status, NULL);
	if (r < 0) {
		not_trusted(error, host, gnutls_strerror(r));
		goto out;
	}
	if (status != 0) {
		gnutls_datum_t out = { NULL, 0 };
		if (gnutls_certificate_verification_status_print(status, GNUTLS_CRT_X509, &out, 0) ==
		    0) {
			g_autofree char *why = g_strstrip(g_strdup((const char *)out.data));
			gnutls_free(out.data);
			not_trusted(error, host, why);
		} else {
			not_trusted(error, host, "verification failed");
		}
		goto out;
	}
	ok = TRUE;
out:
	if (trust != NULL)
		gnutls_x509_trust_list_deinit(trust, 1);
	for (guint i = 0; i < n; i++)
		if (crts[i] != NULL)
			gnutls_x509_crt_deinit(crts[i]);
	g_free(crts);
	return ok;
}

gboolean ch_tls_verify_mailstream(struct _mailstream *s, const char *host, const char *ca_file,
                                  GError **error)
{
	carray *chain = s != NULL ? mailstream_get_certificate_chain(s) : NULL;
	guint n = chain != NULL ? carray_count(chain) : 0;
	GBytes **der = g_new0(GBytes *, n + 1);
	for (guint i = 0; i < n; i++) {
		MMAPString *c = carray_get(chain, i);
		der[i] = g_bytes_new(c->str, c->len);
	}
	gboolean ok = ch_tls_verify_chain((const GBytes *const *)der, n, host, ca_file, error);
	for (guint i = 0; i < n; i++)
		g_bytes_unref(der[i]);
	g_free(der);
	if (chain != NULL)
		mailstream_certificate_chain_free(chain);
	return ok;
}
