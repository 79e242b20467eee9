/* maildir: the embedded default inbound, a Maildir (new/cur/tmp) on local disk; one driver of
 * the inbound contract (driver.h: ch_maildir_driver).
 *
 * A sweep reads every file in new/ in name order (the delivery order of Maildir names),
 * hands it to intake, and only after intake answered moves it: handled mail to cur/ with
 * the Seen flag, quarantined mail to the .Quarantine/ sub-Maildir; a message intake asks to
 * retry, or that met broken configuration, stays in new/. A lock file in the Maildir keeps a
 * second reader out for the length of a sweep (not between sweeps: `chaser poll` beside a
 * running chaser waits for nothing but the sweep in hand). Waiting is polling: new/ is looked
 * at again after at most a second.
 */
#pragma once
#include "inbound/driver.h"
