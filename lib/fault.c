/* lib/fault.c: kill points for crash tests: fvm dies by SIGKILL where a test asks. */
#include "fault.h"

#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static pthread_once_t fault_once = PTHREAD_ONCE_INIT;
static bool fault_active, fault_list;
static char fault_name[128];
static long fault_hit = 1;
static atomic_long fault_hits;

static void fault_init(void)
{
	const char *at = getenv("FVM_KILL_AT");
	const char *list = getenv("FVM_KILL_LIST");
	char *colon, *end;
	long k = 1;

	fault_list = list && *list && strcmp(list, "0");
	if (at && *at && strlen(at) < sizeof(fault_name)) {
		strcpy(fault_name, at);
		colon = strrchr(fault_name, ':');
		if (colon) {
			k = strtol(colon + 1, &end, 10);
			*colon = '\0';
			/* a malformed count kills nowhere rather than
			 * somewhere the test did not mean */
			if (end == colon + 1 || *end || k < 1)
				fault_name[0] = '\0';
		}
		fault_hit = k;
	}
	fault_active = fault_list || fault_name[0];
}

void fault_point(const char *name)
{
	pthread_once(&fault_once, fault_init);
	if (!fault_active)
		return;
	if (fault_list) {
		char line[160];
		int len =
			snprintf(line, sizeof(line), "fault point: %s\n", name);

		/* one write: lines of parallel threads stay whole */
		if (len > 0 && write(2, line, (size_t)len) < 0)
			/* NOLINTNEXTLINE(clang-analyzer-deadcode.DeadStores) */
			len = 0; /* write's result must be used */
	}
	if (fault_name[0] && !strcmp(name, fault_name) &&
	    atomic_fetch_add(&fault_hits, 1) + 1 == fault_hit) {
		kill(getpid(), SIGKILL);
		for (;;)
			pause();
	}
}
