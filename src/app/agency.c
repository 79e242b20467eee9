#include "app/agency.h"

#include <string.h>

#include "app/setup.h"
#include "store/cases.h"
#include "store/views.h"
#include "util/addr.h"
#include "util/clock.h"
#include "util/error.h"

/* Longer than this is no agency's name: it is a paste gone wrong. */
#define NAME_MAX_CHARS 200

static const struct {
	const char *option, *label;
} fields[CH_AGENCY_N_FIELDS] = {
	[CH_AGENCY_NAME] = { "NAME", "Agency name" },
	[CH_AGENCY_SLO] = { "--slo", "SLO's email address" },
	[CH_AGENCY_SLO_NAME] = { "--slo-name", "SLO's name" },
	[CH_AGENCY_LEAD] = { "--lead", "Agency lead's email address" },
	[CH_AGENCY_DOMAIN] = { "--domain", "Mail domains" },
};

const char *ch_agency_label(ChAgencyField f)
{
	return f < CH_AGENCY_N_FIELDS ? fields[f].label : "";
}

static gboolean has_control(const char *s)
{
	for (const char *p = s; *p; p++)
		if ((guchar)*p < 0x20 || *p == 0x7f)
			return TRUE;
	return FALSE;
}

/* A name or a person's name: not blank, one line, not absurdly long. */
static void name_check(const ChAgencyIn *in, ChAgencyField f, const char *v, gboolean required,
                       GPtrArray *problems)
{
	if (!v && !required)
		return;
	g_autofree char *t = g_strstrip(g_strdup(v ? v : ""));
	const char *what = !*t && required    ? "is empty"
	                   : !*t              ? NULL
	                   : has_control(t)   ? "must be one line of text"
	                   : g_utf8_strlen(t, -1) > NAME_MAX_CHARS
	                       ? "is longer than 200 characters"
	                   : !g_utf8_validate(t, -1, NULL) ? "is not UTF-8 text"
	                                                   : NULL;
	if (!what)
		return;
	if (in->cli)
		ch_setup_problem(problems, f, "%s %s", f == CH_AGENCY_NAME ? "the agency's NAME"
		                                                         : fields[f].option, what);
	else if (f == CH_AGENCY_NAME && !*t)
		ch_setup_problem(problems, f, "Enter the agency's name");
	else
		ch_setup_problem(problems, f, "%s %s", fields[f].label, what);
}

static void address_check(const ChAgencyIn *in, ChAgencyField f, const char *v,
                          gboolean required, GPtrArray *problems)
{
	if ((!v && !required) || (v && ch_addr_valid(v)))
		return;
	if (in->cli)
		/* The command's words, as they have always been. */
		ch_setup_problem(problems, f, "%s '%s' is not an email address", fields[f].option,
		                 v ? v : "");
	else if (!v || !*v)
		ch_setup_problem(problems, f, "Enter the %s%s", f == CH_AGENCY_SLO ? "SLO's" : "agency lead's",
		                 " email address");
	else
		ch_setup_problem(problems, f, "Enter the %s email address in the correct format, like "
		                 "name@agency.example", f == CH_AGENCY_SLO ? "SLO's" : "agency lead's");
}

gboolean ch_agency_check(const ChAgencyIn *in, gboolean adding, GPtrArray *problems)
{
	guint had = problems->len;
	name_check(in, CH_AGENCY_NAME, in->name, TRUE, problems);
	address_check(in, CH_AGENCY_SLO, in->slo, TRUE, problems);
	name_check(in, CH_AGENCY_SLO_NAME, in->slo_name, FALSE, problems);
	if (adding) {
		address_check(in, CH_AGENCY_LEAD, in->lead, FALSE, problems);
		/* A domain is compared with the part of a sender's address after the '@': one
		 * that could never be that part ("@police.example.org", "police") would match
		 * nobody, and the agency's colleagues would land in triage without anyone
		 * knowing why. */
		for (const char *const *d = in->domains; d && *d; d++) {
			g_autofree char *probe = g_strdup_printf("x@%s", *d);
			if (ch_addr_valid(probe))
				continue;
			if (in->cli)
				ch_setup_problem(problems, CH_AGENCY_DOMAIN, "--domain '%s' is not a mail domain",
				                 *d);
			else
				ch_setup_problem(problems, CH_AGENCY_DOMAIN, "Mail domains: '%s' is not a mail "
				                 "domain, like police.example.org", *d);
		}
	}
	return problems->len == had;
}

static gboolean refuse_problems(const ChAgencyIn *in, gboolean adding, GError **error)
{
	g_autoptr(GPtrArray) problems = ch_setup_problems_new();
	if (ch_agency_check(in, adding, problems))
		return TRUE;
	const ChSetupProblem *p = problems->pdata[0];
	g_set_error(error, CH_ERROR, CH_ERROR_USAGE, "%s", p->text);
	return FALSE;
}

/* Commits, or rolls back what was begun when anything before failed. */
static gboolean finish(ChApp *app, gboolean ok, GError **error)
{
	if (ok && ch_store_commit(app->store, error))
		return TRUE;
	ch_store_rollback(app->store);
	return FALSE;
}

static char *blank_null(const char *v)
{
	g_autofree char *t = v ? g_strstrip(g_strdup(v)) : NULL;
	return t && *t ? g_steal_pointer(&t) : NULL;
}

gboolean ch_agency_add(ChApp *app, const ChAgencyIn *in, const char *source, GError **error)
{
	if (!refuse_problems(in, TRUE, error))
		return FALSE;
	g_autofree char *name = blank_null(in->name);
	g_autofree char *slo_name = blank_null(in->slo_name);
	g_autofree char *slo = ch_addr_normalise(in->slo);
	g_autofree char *lead = in->lead ? ch_addr_normalise(in->lead) : NULL;
	g_autoptr(GDateTime) now = ch_clock_now();
	g_autofree char *now_s = ch_clock_format(now);
	if (!ch_store_begin(app->store, error))
		return FALSE;
	gboolean ok = ch_store_agency_add(app->store, name, slo, slo_name, lead, in->domains, error) &&
	              ch_store_audit(app->store, now_s, 0, source,
	                             ch_audit_name(CH_AUDIT_AGENCY_ADDED), name, NULL, slo, NULL,
	                             error);
	return finish(app, ok, error);
}

/* The agency's SLO address as stored, NULL when there is no such agency. */
static gboolean current_slo(ChApp *app, const char *name, char **slo_r, GError **error)
{
	*slo_r = NULL;
	g_autoptr(GPtrArray) all = ch_store_view_agencies(app->store, error);
	if (!all)
		return FALSE;
	for (guint i = 0; i < all->len; i++)
		if (!g_ascii_strcasecmp(ch_store_row_str(all->pdata[i], 0), name))
			*slo_r = g_strdup(ch_store_row_str(all->pdata[i], 1));
	return TRUE;
}

gboolean ch_agency_set_slo(ChApp *app, const ChAgencyIn *in, const char *source,
                           GError **error)
{
	if (!refuse_problems(in, FALSE, error))
		return FALSE;
	g_autofree char *name = blank_null(in->name);
	g_autofree char *slo_name = blank_null(in->slo_name);
	g_autofree char *slo = ch_addr_normalise(in->slo);
	g_autoptr(GDateTime) now = ch_clock_now();
	g_autofree char *now_s = ch_clock_format(now);
	if (!ch_store_begin(app->store, error))
		return FALSE;
	gint64 id = 0;
	g_autofree char *old = NULL;
	gboolean ok = ch_store_agency_id(app->store, name, &id, error) &&
	              (id || (g_set_error(error, CH_ERROR, CH_ERROR_USAGE,
	                                  "there is no agency '%s' (chaser agency add makes one)",
	                                  name), FALSE)) &&
	              current_slo(app, name, &old, error) &&
	              ch_store_agency_set_slo(app->store, id, slo, slo_name, error) &&
	              ch_store_audit(app->store, now_s, 0, source,
	                             ch_audit_name(CH_AUDIT_AGENCY_SLO_CHANGED), name, old, slo,
	                             slo_name, error);
	return finish(app, ok, error);
}
