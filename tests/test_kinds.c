/* The kinds table and the audit objects, as the store and the record read them: an
 * object's one spelling reads back as the same typed object, a name never reads as a
 * numbered object, and the purposes whose token holds for one stage only are the kinds'
 * stage_bound rows. In-process, no store.
 */
#include "engine/kinds.h"
#include "engine/names.h"

static void test_numbered_objects_read_back(void)
{
	static const ChObjKind kinds[] = { CH_OBJ_ESCALATION, CH_OBJ_ATTENDEE, CH_OBJ_TRIAGE,
		                               CH_OBJ_OUTBOX };
	static const gint64 ids[] = { 1, 4, 12, G_MAXINT64 };
	for (guint k = 0; k < G_N_ELEMENTS(kinds); k++)
		for (guint i = 0; i < G_N_ELEMENTS(ids); i++) {
			g_autofree char *text = ch_obj_text(CH_OBJ_NUMBERED(kinds[k], ids[i]));
			ChObj back = CH_OBJ_NOTHING;
			if (!ch_obj_parse(text, &back))
				g_error("'%s' does not read back", text);
			g_assert_cmpint(back.kind, ==, kinds[k]);
			g_assert_cmpint(back.id, ==, ids[i]);
			g_assert_null(back.name);
		}
	g_autofree char *esc = ch_obj_text(CH_OBJ_NUMBERED(CH_OBJ_ESCALATION, 4));
	g_assert_cmpstr(esc, ==, "escalation of line 4");
}

static void test_names_are_not_numbered_objects(void)
{
	static const char *const texts[] = {
		"CP-2026-0042", "Brookfield Police", "the distribution list", "outbox", "outbox ",
		"outbox 0", "outbox -3", "outbox 12a", "line four", "escalation 7", "triage 7 ", "",
	};
	for (guint i = 0; i < G_N_ELEMENTS(texts); i++) {
		ChObj o = CH_OBJ_NOTHING;
		if (ch_obj_parse(texts[i], &o))
			g_error("'%s' read as a numbered object", texts[i]);
	}
	ChObj o;
	g_assert_false(ch_obj_parse(NULL, &o));
}

static void test_stage_bound_purposes_are_the_kinds_rows(void)
{
	guint bound = 0;
	for (int p = 0; p < CH_PURPOSE_N; p++) {
		const ChKind *k = ch_kind((ChPurpose)p);
		gboolean want = k && k->stage_bound;
		g_assert_cmpint(ch_purpose_stage_bound((ChPurpose)p), ==, want);
		/* Only an escalation climbs a ladder of stages. */
		if (want)
			g_assert_cmpint(k->object, ==, CH_OBJ_ESCALATION);
		bound += want;
	}
	g_assert_false(ch_purpose_stage_bound(CH_PURPOSE_NONE));
	/* The escalation's own answer and the chair's confirmation of it. */
	g_assert_true(ch_purpose_stage_bound(CH_PURPOSE_ESCALATION));
	g_assert_true(ch_purpose_stage_bound(CH_PURPOSE_CONFIRM));
	g_assert_cmpuint(bound, ==, 2);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/kinds/objects/numbered-read-back", test_numbered_objects_read_back);
	g_test_add_func("/kinds/objects/names-are-not-numbered", test_names_are_not_numbered_objects);
	g_test_add_func("/kinds/stage-bound-purposes", test_stage_bound_purposes_are_the_kinds_rows);
	return g_test_run();
}
