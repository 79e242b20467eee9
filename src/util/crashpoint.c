#include "util/crashpoint.h"

#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int at, log_fd = -1, count;
static char *at_name; /* NAME of CHASER_CRASH_AT=NAME:N, or NULL */

static void crash_init(void)
{
	const char *a = getenv("CHASER_CRASH_AT");
	const char *l = getenv("CHASER_CRASH_LOG");
	const char *colon = a ? strrchr(a, ':') : NULL;
	if (colon != NULL) {
		at_name = strndup(a, (size_t)(colon - a));
		at = atoi(colon + 1);
	} else {
		at = a ? atoi(a) : 0;
	}
	if (l)
		log_fd = open(l, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
}

static void crash_reached(const char *name, int aside)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;
	pthread_once(&once, crash_init);
	if (!at && log_fd < 0)
		return;
	if (at_name != NULL) {
		if (strcmp(name, at_name) == 0 && __atomic_add_fetch(&count, 1, __ATOMIC_SEQ_CST) == at)
			kill(getpid(), SIGKILL);
		return;
	}
	if (aside)
		return;
	count++;
	if (log_fd >= 0) {
		(void)!write(log_fd, name, strlen(name));
		(void)!write(log_fd, "\n", 1);
	}
	if (at && count == at)
		kill(getpid(), SIGKILL);
}

void ch_crashpoint(const char *name)
{
	crash_reached(name, 0);
}

void ch_crashpoint_aside(const char *name)
{
	crash_reached(name, 1);
}
