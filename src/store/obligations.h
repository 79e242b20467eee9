/* obligations: what is owed, as the store holds it.
 *
 * Every open item (a list to send or to authorise, an escalation's answer or the chair's
 * confirmation of one, a report awaited or awaiting review) has an owner, a due time and a
 * next time; the view `obligation` (schema.c, migration 4) lists them and the schema's
 * triggers refuse to store a new one without its clock. A database from before that
 * migration may still hold such rows: ch_store_unclocked() names them for reconcile.
 *
 * The returned array and its items are the caller's. Errors are the store's.
 */
#pragma once
#include <glib.h>
#include "store/store.h"

typedef struct {
	char *ref;       /* conference reference ("no conference" for a safety alert of none) */
	char *kind;      /* list_send | list_authorise | escalation_answer | escalation_confirm |
	                    report | report_review | safety_ack */
	int line;        /* the escalation's line on the list, or 0 */
	char *agency;    /* the agency concerned, or NULL */
	char *due;       /* when it is due (ISO), or NULL */
	gboolean no_due; /* what is missing: the due time, the next time, or both */
	gboolean no_next;
	char *owner;     /* who owes it: an address, or a role's name; NULL when unknown */
} ChUnclocked;

/* Open items without a due time or a next time, by conference reference. NULL on error. */
GPtrArray *ch_store_unclocked(ChStore *s, GError **error);
/* Open items of a conference that is closed: owed, though nothing about the conference says
 * so any more. Safety alerts are not among them: they are owed whatever the conference's
 * state. NULL on error. */
GPtrArray *ch_store_owed_when_closed(ChStore *s, GError **error);

/* Every open item of a conference not closed, and every open safety acknowledgement, by
 * due time (those with none first). NULL on error. */
GPtrArray *ch_store_owed(ChStore *s, GError **error);

/* What `kind` owes, in words for a person ("the chair's authorisation of the list"). */
const char *ch_obligation_describe(const char *kind);
