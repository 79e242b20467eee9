/* app: everything one run of chaser works with, opened from one config file.
 *
 * ch_app_open() reads the config, opens the store, loads the key, the calendar and the rules
 * files, and fails with CH_ERROR_CONFIG saying what to fix. The fields are public because
 * every layer above the engine needs some of them; the ChApp owns them all.
 */
#pragma once
#include <glib.h>
#include "app/config.h"
#include "classify/token.h"
#include "engine/engine.h"
#include "engine/rules.h"
#include "message/message.h"
#include "store/store.h"
#include "timers/calendar.h"

struct ChApp {
	ChConfig *cfg;
	ChStore *store;
	ChKeys *keys;
	ChCalendar *cal;
	GHashTable *rules;       /* name -> ChRules* */
	ChPhrases *safety;       /* cfg->safety_words and the routine words, read once */
	ChParseOptions parse;
	char *domain;            /* of the shared mailbox */
	char *local_part;        /* of the shared mailbox */
	volatile gint stop;      /* set by SIGTERM/SIGINT in `chaser run` */
	volatile gint wake;      /* set by the console in `chaser run`: a mail is queued, turn now */
};
typedef struct ChApp ChApp;

ChApp *ch_app_open(const char *config_path, GError **error);
void ch_app_close(ChApp *app);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(ChApp, ch_app_close)

/* Sets up what `chaser init` makes: folders, key, database. Changes nothing that exists. */
/* `chaser init`: the config (when missing; state_dir as ch_config_default_text), then, unless
 * config_only, the key, the database and the folders it names. Says what it made in report. */
gboolean ch_app_init_files(const char *config_path, const char *state_dir,
                           gboolean config_only, GString *report, GError **error);

const ChRules *ch_app_rules(ChApp *app, const char *name, GError **error);
/* FALSE, naming the rules file's line, when a stage asks a [people] role the config lacks. */
gboolean ch_app_roles_present(ChApp *app, const ChRules *r, GError **error);
void ch_app_engine_ctx(ChApp *app, const ChRules *rules, GDateTime *now, const char *event_id,
                       ChEngineCtx *ctx);
