/* SPDX-License-Identifier: MIT */
/* iox_roudi.h: the RouDi daemon as a child of the benchmark. */
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "iox_roudi.h"

static pid_t roudi = -1;

/* RouDi's shared memory objects: its management segment and the payload
 * segment named after the user. RouDi 2.0 leaves both behind when it stops;
 * they are removed at stop when they did not exist before the start. */
static const char *iox_shm[2] = {"/iceoryx_mgmt", NULL};
static int iox_shm_ours[2];

static int shm_exists(const char *name)
{
	char path[256];
	struct stat st;

	snprintf(path, sizeof(path), "/dev/shm%s", name);
	return stat(path, &st) == 0;
}

int iox_roudi_start(void)
{
	static char user[128];
	struct passwd *pw = getpwuid(geteuid());
	int i;

	if (pw != NULL) {
		snprintf(user, sizeof(user), "/%s", pw->pw_name);
		iox_shm[1] = user;
	}
	for (i = 0; i < 2; i++)
		iox_shm_ours[i] = iox_shm[i] != NULL && !shm_exists(iox_shm[i]);
	roudi = fork();
	if (roudi < 0)
		return -1;
	if (roudi == 0) {
		prctl(PR_SET_PDEATHSIG, SIGTERM);
		/* Its log (and the "not responding" notes on each run's
		 * processes as they exit) would bury the results. */
		if (freopen("/dev/null", "w", stdout) == NULL || freopen("/dev/null", "w", stderr) == NULL)
			_exit(127);
		execlp("iox-roudi", "iox-roudi", "-l", "off", (char *)NULL);
		_exit(127);
	}
	/* RouDi takes a moment to create its shared memory. */
	for (i = 0; i < 40; i++) {
		int st;

		usleep(50000);
		if (waitpid(roudi, &st, WNOHANG) == roudi) {
			roudi = -1;
			return -1;
		}
	}
	return 0;
}

void iox_roudi_stop(void)
{
	if (roudi > 0) {
		int i;

		kill(roudi, SIGTERM);
		waitpid(roudi, NULL, 0);
		roudi = -1;
		for (i = 0; i < 2; i++)
			if (iox_shm_ours[i])
				shm_unlink(iox_shm[i]);
	}
}
