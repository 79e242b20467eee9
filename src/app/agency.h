/* agency: adding an agency and changing its Senior Liaison Officer, whoever does it: the
 * commands `chaser agency add` and `agency set` (cli/cmd_setup.c) and the console's
 * agencies page (web/web_reports.c). Written once so that the two ways in check the same
 * things and audit the same way.
 *
 * ch_agency_check() collects every problem (ChSetupProblem, app/setup.h) with `where` the
 * ChAgencyField it is about, worded for the command line (naming the option) or for a form
 * (naming the field's label). ch_agency_add() and ch_agency_set_slo() run in a transaction
 * of their own and change nothing when anything fails: an agency that exists already, or
 * one that does not (CH_ERROR_USAGE naming it), or the store (its own errors). Each writes
 * one audit line with `source` ("cli", or "web:ADDRESS").
 */
#pragma once
#include <glib.h>
#include "app/app.h"

typedef enum {
	CH_AGENCY_NAME,
	CH_AGENCY_SLO,
	CH_AGENCY_SLO_NAME,
	CH_AGENCY_LEAD,
	CH_AGENCY_DOMAIN,
	CH_AGENCY_N_FIELDS
} ChAgencyField;

/* An agency as written (NULL: not given). Only name, slo and slo_name for a new SLO. */
typedef struct {
	const char *name;
	const char *slo;
	const char *slo_name;
	const char *lead;
	const char *const *domains;
	gboolean cli;  /* problems name options ("--slo"), else the form's labels */
} ChAgencyIn;

/* The form's label of a field ("SLO's email address"). */
const char *ch_agency_label(ChAgencyField f);
/* Every problem of `in`, added to problems; TRUE when there was none. `adding`: a new
 * agency (lead and domains are looked at too). */
gboolean ch_agency_check(const ChAgencyIn *in, gboolean adding, GPtrArray *problems);
/* Adds the agency, addresses normalised; checks first (the first problem is the
 * CH_ERROR_USAGE message). */
gboolean ch_agency_add(ChApp *app, const ChAgencyIn *in, const char *source, GError **error);
/* Gives agency in->name the SLO in->slo, named in->slo_name (NULL: no name, since the old
 * one was the old SLO's). */
gboolean ch_agency_set_slo(ChApp *app, const ChAgencyIn *in, const char *source,
                           GError **error);
