/* error: the one error domain of chaser, and how every failure is classed.
 *
 * Every function that can fail returns gboolean (or a pointer, NULL on failure) and fills a
 * GError in CH_ERROR. The code says what the caller should do about it:
 *   CH_ERROR_TEMPORARY  try again later (network down, lock held, server said 4xx)
 *   CH_ERROR_FINAL      this item failed for good; tell a person (5xx, unreadable message)
 *   CH_ERROR_CONFIG     the configuration is broken; stop and say exactly what to fix
 *   CH_ERROR_USAGE      the command line or the operator's input is wrong (exit 2 or 1)
 *   CH_ERROR_INPUT      input from outside broke a rule (a limit, a malformed part); the
 *                       item goes to triage with the message as its reason, never an abort
 */
#pragma once
#include <glib.h>

#define CH_ERROR (ch_error_quark())
GQuark ch_error_quark(void);

typedef enum {
	CH_ERROR_TEMPORARY,
	CH_ERROR_FINAL,
	CH_ERROR_CONFIG,
	CH_ERROR_USAGE,
	CH_ERROR_INPUT,
} ChErrorCode;
