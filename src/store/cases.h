/* cases: conferences, agencies and their people in the store, as ChCase values.
 *
 * ch_store_case_load() returns a whole case (attendees with their agency's SLO and lead, and
 * every escalation) owned by the caller; ch_store_case_save() writes back what the engine
 * marked dirty and gives new escalations their ids. Both run inside the caller's
 * transaction. A missing conference or agency is CH_ERROR_USAGE naming it; a lookup that
 * finds nothing answers 0 and TRUE, and FALSE only when the store failed. States are enums
 * in memory and their names (engine/names.h) in the database; a name the tables do not know
 * is CH_ERROR_FINAL naming the column and the value.
 */
#pragma once
#include <glib.h>
#include "engine/case.h"
#include "store/store.h"

gboolean ch_store_agency_add(ChStore *s, const char *name, const char *slo_email,
                             const char *slo_name, const char *lead_email,
                             const char *const *domains, GError **error);
/* Gives an existing agency (by id) a new Senior Liaison Officer: address and name (NULL
 * clears the name). */
gboolean ch_store_agency_set_slo(ChStore *s, gint64 agency_id, const char *slo_email,
                                 const char *slo_name, GError **error);
/* The agency's id into *id_r, 0 when there is none by that name. */
gboolean ch_store_agency_id(ChStore *s, const char *name, gint64 *id_r, GError **error);
/* Whether `domain` is one of the agency's own mail domains. */
gboolean ch_store_agency_has_domain(ChStore *s, gint64 agency_id, const char *domain,
                                    gboolean *has_r, GError **error);

/* c->ref, held, type, procedure, chair_*, social_worker, practice_manager, minute_taker
 * and state (the first state, set by the caller) are read; c->id is set. */
gboolean ch_store_conference_add(ChStore *s, ChCase *c, const char *now, GError **error);
/* Before the list is sent: line n removed (the lines after it renumbered), or every line. */
gboolean ch_store_attendee_remove(ChStore *s, gint64 conference_id, int n, GError **error);
gboolean ch_store_attendees_clear(ChStore *s, gint64 conference_id, GError **error);
gboolean ch_store_attendee_add(ChStore *s, gint64 conference_id, const char *name,
                               const char *email, const char *agency, ChAttendance attendance,
                               ChAttReport report, int *n_r, GError **error);

ChCase *ch_store_case_load(ChStore *s, const char *ref, GError **error);
ChCase *ch_store_case_load_id(ChStore *s, gint64 id, GError **error);
gboolean ch_store_case_save(ChStore *s, ChCase *c, GError **error);
/* The procedures (rules names) of the conferences not yet closed; NULL on error. */
char **ch_store_procedures_in_use(ChStore *s, GError **error);
/* The conference with that reference (a subject tag, a command line) into *id_r, or 0. */
gboolean ch_store_conference_by_ref(ChStore *s, const char *ref, gint64 *id_r, GError **error);

/* The SQL condition "conference `conf` (a table alias) is finished on `today`":
 * ch_case_finished() said in SQL, built from the same predicates (engine/names.h), so the
 * two cannot drift. `today` is an SQL expression giving the YYYY-MM-DD date (e.g.
 * "date(?1)"), written into the condition as it is: never text from outside. */
char *ch_store_finished_sql(const char *conf, const char *today);
