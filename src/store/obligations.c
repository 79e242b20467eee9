#include "store/obligations.h"

#include <string.h>

#include "store/store-private.h"

static void unclocked_free(gpointer p)
{
	ChUnclocked *u = p;
	g_free(u->ref), g_free(u->kind), g_free(u->agency), g_free(u->due), g_free(u->owner);
	g_free(u);
}

#define BY_REF "o.ref, o.kind, o.line, o.agency"

/* The open items the condition `where` picks, over the view joined to their conference
 * (alias c), by conference reference. */
static GPtrArray *open_items(ChStore *s, const char *where, const char *order, GError **error)
{
	GError *local = NULL;
	/* LEFT JOIN: an immediate-safety alert may belong to no conference. */
	g_autofree char *sql = g_strconcat("SELECT coalesce(o.ref, 'no conference'), o.kind,"
	                                   " coalesce(o.line, 0), o.agency,"
	                                   " o.due IS NULL, o.next_at IS NULL, o.due, o.owner FROM obligation o"
	                                   " LEFT JOIN conference c ON c.id = o.conference_id WHERE ",
	                                   where, " ORDER BY ", order, NULL);
	sqlite3_stmt *st = ch_store_query(s, error, sql, "");
	if (!st)
		return NULL;
	GPtrArray *out = g_ptr_array_new_with_free_func(unclocked_free);
	while (ch_store_step(s, st, &local)) {
		ChUnclocked *u = g_new0(ChUnclocked, 1);
		u->ref = ch_store_col_str(st, 0);
		u->kind = ch_store_col_str(st, 1);
		u->line = sqlite3_column_int(st, 2);
		u->agency = ch_store_col_str(st, 3);
		u->no_due = sqlite3_column_int(st, 4) != 0;
		u->no_next = sqlite3_column_int(st, 5) != 0;
		u->due = ch_store_col_str(st, 6);
		u->owner = ch_store_col_str(st, 7);
		g_ptr_array_add(out, u);
	}
	if (local) {
		g_propagate_error(error, local);
		g_ptr_array_unref(out);
		return NULL;
	}
	return out;
}

GPtrArray *ch_store_unclocked(ChStore *s, GError **error)
{
	return open_items(s, "o.due IS NULL OR o.next_at IS NULL", BY_REF, error);
}

GPtrArray *ch_store_owed_when_closed(ChStore *s, GError **error)
{
	/* A safety alert is about a child, not the conference's business: words of danger in a
	 * mail about a closed case are owed an acknowledgement all the same. */
	return open_items(s, "c.state = 'closed' AND o.kind <> 'safety_ack'", BY_REF, error);
}

GPtrArray *ch_store_owed(ChStore *s, GError **error)
{
	return open_items(s, "c.state IS NULL OR c.state <> 'closed' OR o.kind = 'safety_ack'",
	                  "o.due IS NOT NULL, o.due, o.ref, o.kind, o.line", error);
}

const char *ch_obligation_describe(const char *kind)
{
	static const struct {
		const char *kind, *words;
	} names[] = {
		{ "list_send", "the distribution list, to be sent to the chair" },
		{ "list_authorise", "the chair's authorisation of the distribution list" },
		{ "escalation_answer", "an answer to the escalation" },
		{ "escalation_confirm", "the chair's decision on the answer to the escalation" },
		{ "report", "a post-conference report" },
		{ "report_review", "the chair's review of a post-conference report" },
		{ "safety_ack", "an acknowledgement of an immediate-safety alert" },
		{ "report_high_risk", "who addresses a post-conference report marked high risk" },
		{ "reconvene_date", "the date of the reconvened conference, after the decision was set "
		                    "aside, for the escalation" },
	};
	for (guint i = 0; i < G_N_ELEMENTS(names); i++)
		if (!strcmp(names[i].kind, kind))
			return names[i].words;
	return kind;
}
