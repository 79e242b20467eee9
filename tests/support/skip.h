/* skip: what a test does when this machine cannot run it.
 *
 * A person running one test program by hand may lack a package, a server or root; the test
 * is then skipped and says why. `make check` sets CHASER_TEST_STRICT=1: there the machine is
 * the supported one (root, Debian 12, after scripts/install-deps test), so the same want is a
 * failure with the same reason, and a green make check never hides a test that did not run.
 *
 * The skips strict mode keeps: the shared corpora's absence (a user's clone has no
 * ../shared): ch_test_no_corpora(); and axe-core that scripts/install-deps tried and could not
 * get from the npm registry (a network that cannot reach it): ch_test_no_npm(). Each says so
 * in words tests/run-all recognises.
 */
#pragma once
#include <glib.h>
#include <stdarg.h>
#include <string.h>

static G_GNUC_UNUSED gboolean ch_test_strict(void)
{
	const char *v = g_getenv("CHASER_TEST_STRICT");
	return v != NULL && *v != '\0' && strcmp(v, "0") != 0;
}

/* For a missing package, server or right: a skip by hand, a failure under make check. */
static G_GNUC_UNUSED G_GNUC_PRINTF(1, 2) void ch_test_cannot_run(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	g_autofree char *why = g_strdup_vprintf(fmt, ap);
	va_end(ap);
	if (ch_test_strict())
		g_test_fail_printf("not run: %s (CHASER_TEST_STRICT=1 needs everything)", why);
	else
		g_test_skip(why);
}

/* Every reason of this skip starts with these words; tests/run-all lets only them through in
 * strict mode. */
#define CH_TEST_NO_CORPORA "no ../shared/corpora"

/* The corpora are not in this repository: without ../shared (a user's clone) their tests are
 * skipped, in strict mode too. A folder named by CHASER_CORPORA that is not there is a
 * mistake, not a clone without data: that fails. */
static G_GNUC_UNUSED void ch_test_no_corpora(const char *what)
{
	const char *env = g_getenv("CHASER_CORPORA");
	if (env != NULL && *env != '\0')
		g_test_fail_printf("CHASER_CORPORA=%s is not a folder: %s not checked", env, what);
	else
		g_test_skip_printf(CH_TEST_NO_CORPORA " (a clone without the shared test data): %s "
		                   "not checked",
		                   what);
}

/* Every reason of this skip starts with these words (tests/run-all lets them through). */
#define CH_TEST_NO_NPM "no axe-core from the npm registry"

/* axe-core is not in this repository: where scripts/install-deps tried to fetch it and could
 * not (`why`, from what it recorded), its test is skipped, in strict mode too. */
static G_GNUC_UNUSED void ch_test_no_npm(const char *why, const char *what)
{
	g_test_skip_printf(CH_TEST_NO_NPM " (scripts/install-deps: %s): %s not checked", why, what);
}
