/* rules_file: reads rules/NAME.rules into a ChRules.
 *
 * The format is for a team manager to read and change: "key = value" lines, '#' comments,
 * and one "[stage NAME]" section per rung of the escalation ladder, in order. Durations are
 * written "5 working days", "24 hours" or "2 weeks". Any mistake fails with CH_ERROR_CONFIG
 * and "FILE:LINE: what is wrong"; a rules file is all right or it is refused.
 */
#pragma once
#include <glib.h>
#include "engine/rules.h"

ChRules *ch_rules_file_load(const char *path, const char *name,
                            const char *const *templates_path,
                            GError **error);
