#include "util/crashpoint.h"

#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void ch_crashpoint(const char *name)
{
	static int init, at, log_fd = -1, count;
	if (!init) {
		const char *a = getenv("CHASER_CRASH_AT");
		const char *l = getenv("CHASER_CRASH_LOG");
		at = a ? atoi(a) : 0;
		if (l)
			log_fd = open(l, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
		init = 1;
	}
	if (!at && log_fd < 0)
		return;
	count++;
	if (log_fd >= 0) {
		(void)!write(log_fd, name, strlen(name));
		(void)!write(log_fd, "\n", 1);
	}
	if (at && count == at)
		kill(getpid(), SIGKILL);
}
