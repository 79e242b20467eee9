/* Effects: what one run of the engine asks for, intents, audit events and typed changes to
 * the store beyond the case, owned by the ChEffects they are added to. (The mail built the
 * same way from several places, alerts and the answers to a reply, is built by notices.c.) */
#include "engine/engine-private.h"

static void intent_free(ChIntent *i)
{
	g_free(i->template), g_free(i->to), g_free(i->to_name);
	g_free(i->event_key);
	g_hash_table_unref(i->vars);
	g_free(i);
}

static void change_free(ChChange *ch)
{
	g_free(ch->what), g_free(ch->detail);
	g_free(ch);
}

static void audit_free(ChAuditEvent *a)
{
	g_free(a->object), g_free(a->old_value), g_free(a->new_value);
	g_free(a->detail);
	g_free(a);
}

ChEffects *ch_effects_new(void)
{
	ChEffects *fx = g_new0(ChEffects, 1);
	fx->intents = g_ptr_array_new_with_free_func((GDestroyNotify)intent_free);
	fx->audit = g_ptr_array_new_with_free_func((GDestroyNotify)audit_free);
	fx->changes = g_ptr_array_new_with_free_func((GDestroyNotify)change_free);
	return fx;
}

void ch_effects_free(ChEffects *fx)
{
	if (!fx)
		return;
	g_ptr_array_unref(fx->intents);
	g_ptr_array_unref(fx->audit);
	g_ptr_array_unref(fx->changes);
	g_free(fx);
}

ChIntent *ch_effects_intent(ChEffects *fx, const char *template, const char *to,
                            const char *to_name, const char *event_key)
{
	ChIntent *i = g_new0(ChIntent, 1);
	i->template = g_strdup(template);
	i->to = g_ascii_strdown(to, -1);
	i->to_name = g_strdup(to_name);
	i->event_key = g_strdup(event_key);
	i->vars = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
	g_ptr_array_add(fx->intents, i);
	return i;
}

void ch_intent_set(ChIntent *i, const char *key, const char *value)
{
	g_hash_table_replace(i->vars, g_strdup(key), g_strdup(value ? value : ""));
}

void ch_effects_audit(ChEffects *fx, ChAudit what, ChObj object, const char *old_value,
                      const char *new_value, const char *detail)
{
	ChAuditEvent *a = g_new0(ChAuditEvent, 1);
	a->what = what;
	a->object = ch_obj_text(object);
	a->old_value = g_strdup(old_value);
	a->new_value = g_strdup(new_value);
	a->detail = g_strdup(detail);
	g_ptr_array_add(fx->audit, a);
}

ChChange *ch_effects_change(ChEffects *fx, ChChangeKind kind, const char *what,
                            const char *detail)
{
	ChChange *ch = g_new0(ChChange, 1);
	ch->kind = kind;
	ch->attempts = -1;
	ch->what = g_strdup(what);
	ch->detail = g_strdup(detail);
	g_ptr_array_add(fx->changes, ch);
	return ch;
}
