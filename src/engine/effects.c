/* Effects: what one run of the engine asks for, intents, audit events and typed changes to
 * the store beyond the case (outbox rows, tasks, message rows, triage items, immediate-safety
 * alerts as they now stand), owned by the
 * ChEffects they are added to. (The mail built the same way from several places, alerts and
 * the answers to a reply, is built by notices.c.) */
#include "engine/engine-private.h"

static void intent_free(ChIntent *i)
{
	g_free(i->template), g_free(i->to), g_free(i->to_name);
	g_free(i->event_key), g_free(i->triage_var);
	g_hash_table_unref(i->vars);
	g_clear_pointer(&i->attachments, g_ptr_array_unref);
	g_free(i);
}

static void mail_part_free(ChMailPart *p)
{
	g_free(p->filename), g_free(p->content_type);
	g_bytes_unref(p->data);
	g_free(p);
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

static void message_set_free(ChMessageSet *m)
{
	g_free(m->kind), g_free(m->reason);
	g_free(m);
}

static void triage_add_free(ChTriageAdd *t)
{
	g_free(t->reason);
	g_free(t);
}

ChEffects *ch_effects_new(void)
{
	ChEffects *fx = g_new0(ChEffects, 1);
	fx->intents = g_ptr_array_new_with_free_func((GDestroyNotify)intent_free);
	fx->audit = g_ptr_array_new_with_free_func((GDestroyNotify)audit_free);
	fx->changes = g_ptr_array_new_with_free_func((GDestroyNotify)change_free);
	fx->messages = g_ptr_array_new_with_free_func((GDestroyNotify)message_set_free);
	fx->triage = g_ptr_array_new_with_free_func((GDestroyNotify)triage_add_free);
	fx->decisions = g_ptr_array_new_with_free_func(g_free);
	fx->safety = g_ptr_array_new_with_free_func((GDestroyNotify)ch_safety_alert_free);
	return fx;
}

void ch_effects_free(ChEffects *fx)
{
	if (!fx)
		return;
	g_ptr_array_unref(fx->intents);
	g_ptr_array_unref(fx->audit);
	g_ptr_array_unref(fx->changes);
	g_ptr_array_unref(fx->messages);
	g_ptr_array_unref(fx->triage);
	g_ptr_array_unref(fx->decisions);
	g_ptr_array_unref(fx->safety);
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

void ch_intent_attach(ChIntent *i, const char *filename, const char *content_type,
                      GBytes *data)
{
	if (!i->attachments)
		i->attachments = g_ptr_array_new_with_free_func((GDestroyNotify)mail_part_free);
	ChMailPart *p = g_new0(ChMailPart, 1);
	p->filename = g_strdup(filename);
	p->content_type = g_strdup(content_type);
	p->data = g_bytes_ref(data);
	g_ptr_array_add(i->attachments, p);
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

void ch_effects_message(ChEffects *fx, gint64 row, ChMsgState state, const char *kind,
                        gint64 conference_id, const char *reason)
{
	ChMessageSet *m = g_new0(ChMessageSet, 1);
	m->row = row;
	m->state = state;
	m->kind = g_strdup(kind);
	m->conference_id = conference_id;
	m->reason = g_strdup(reason);
	g_ptr_array_add(fx->messages, m);
}

ChTriageAdd *ch_effects_triage(ChEffects *fx, gint64 message_row, gint64 conference_id,
                               const char *reason)
{
	ChTriageAdd *t = g_new0(ChTriageAdd, 1);
	t->message_row = message_row;
	t->conference_id = conference_id;
	t->reason = g_strdup(reason);
	g_ptr_array_add(fx->triage, t);
	return t;
}

void ch_effects_triage_decided(ChEffects *fx, gint64 id, ChTriageState state)
{
	ChTriageDecision *d = g_new0(ChTriageDecision, 1);
	d->id = id;
	d->state = state;
	g_ptr_array_add(fx->decisions, d);
}

void ch_effects_audit_triage(ChEffects *fx, ChAudit what, const ChTriageAdd *t,
                             const char *old_value, const char *new_value, const char *detail)
{
	ch_effects_audit(fx, what, CH_OBJ_NOTHING, old_value, new_value, detail);
	((ChAuditEvent *)fx->audit->pdata[fx->audit->len - 1])->triage = t;
}

void ch_intent_set_triage_id(ChIntent *i, const char *var, const ChTriageAdd *t)
{
	i->triage = t;
	ch_set_str(&i->triage_var, var);
}

void ch_effects_resolve(ChEffects *fx)
{
	for (guint k = 0; k < fx->audit->len; k++) {
		ChAuditEvent *a = fx->audit->pdata[k];
		if (a->triage && a->triage->id) {
			g_free(a->object);
			a->object = ch_obj_text(CH_OBJ_NUMBERED(CH_OBJ_TRIAGE, a->triage->id));
		}
	}
	for (guint k = 0; k < fx->intents->len; k++) {
		ChIntent *i = fx->intents->pdata[k];
		if (i->triage && i->triage->id) {
			g_autofree char *id = g_strdup_printf("%" G_GINT64_FORMAT, i->triage->id);
			ch_intent_set(i, i->triage_var, id);
		}
	}
}

void ch_safety_alert_free(ChSafetyAlert *a)
{
	if (!a)
		return;
	g_free(a->key), g_free(a->ref), g_free(a->message), g_free(a->what), g_free(a->asked);
	g_free(a->raised_at), g_free(a->due), g_free(a->next_at);
	g_free(a->acknowledged_by), g_free(a->acknowledged_at), g_free(a->escalated_at);
	g_free(a->told);
	g_free(a);
}

ChSafetyAlert *ch_safety_alert_copy(const ChSafetyAlert *a)
{
	ChSafetyAlert *b = g_new0(ChSafetyAlert, 1);
	b->id = a->id;
	b->conference_id = a->conference_id;
	b->state = a->state;
	b->key = g_strdup(a->key), b->ref = g_strdup(a->ref), b->message = g_strdup(a->message);
	b->what = g_strdup(a->what), b->asked = g_strdup(a->asked);
	b->raised_at = g_strdup(a->raised_at), b->due = g_strdup(a->due);
	b->next_at = g_strdup(a->next_at), b->acknowledged_by = g_strdup(a->acknowledged_by);
	b->acknowledged_at = g_strdup(a->acknowledged_at);
	b->escalated_at = g_strdup(a->escalated_at), b->told = g_strdup(a->told);
	return b;
}

void ch_effects_safety(ChEffects *fx, const ChSafetyAlert *a)
{
	g_ptr_array_add(fx->safety, ch_safety_alert_copy(a));
}
