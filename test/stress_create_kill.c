/* SPDX-License-Identifier: MIT */
/*
 * A creator killed at random points of ring_create() must never leave an
 * unusable name: after each kill, the name is either absent or a complete
 * ring, and open-or-create (ring_attach with RING_ATTACH_CREATE) succeeds.
 *
 *   stress_create_kill KILLS
 *
 * Half the kills hit a small ring (256 KiB), half a big one (16 MiB MPMC);
 * each creator is killed after a random delay within the time a create
 * takes on this machine (measured first). Exit status 0 on success.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <time.h>
#include <unistd.h>

#include <shmring/shmring.h>

#include "common.h"

static uint64_t now_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (uint64_t)t.tv_sec * 1000000000u + (uint64_t)t.tv_nsec;
}

static void sleep_ns(uint64_t ns)
{
	struct timespec t = {(time_t)(ns / 1000000000u), (long)(ns % 1000000000u)};

	while (nanosleep(&t, &t) != 0 && errno == EINTR)
		;
}

int main(int argc, char **argv)
{
	long kills = argc > 1 ? atol(argv[1]) : 200;
	struct ring_params ps[2];
	uint64_t took[2];
	long k, opened = 0, created = 0, absent = 0;
	char name[64];
	int i;

	setpgid(0, 0);
	memset(ps, 0, sizeof(ps));
	ps[0].kind = RING_KIND_SPSC;
	ps[0].rule = RING_RULE_COUNT;
	ps[0].slots = 32768;
	ps[0].elem_size = 8;
	ps[1].kind = RING_KIND_MPMC;
	ps[1].rule = RING_RULE_COUNT;
	ps[1].slots = 1u << 20;
	ps[1].elem_size = 8;
	srand((unsigned)getpid());
	test_shm_name(name, sizeof(name), "ckill");
	for (i = 0; i < 2; i++) {
		struct ring r;
		uint64_t t0 = now_ns();

		if (ring_create(&r, name, &ps[i]) != 0) {
			fprintf(stderr, "create failed\n");
			return 1;
		}
		took[i] = now_ns() - t0 + 20000; /* + fork and exec of the child's start */
		ring_close(&r);
		ring_unlink(name);
	}
	for (k = 0; k < kills; k++) {
		const struct ring_params *p = &ps[k & 1];
		struct ring_attach_opts o;
		struct ring r;
		pid_t c;
		int rc;

		c = fork();
		if (c < 0)
			return 1;
		if (c == 0) {
			prctl(PR_SET_PDEATHSIG, SIGKILL);
			rc = ring_create(&r, name, p);
			pause(); /* die attached, killed */
			_exit(rc == 0 ? 0 : 3);
		}
		sleep_ns((uint64_t)rand() % took[k & 1]);
		kill(c, SIGKILL);
		rc = test_wait_child(c);
		if (rc != 1000 + SIGKILL) {
			fprintf(stderr, "creator %ld: status %d\n", k, rc);
			return 1;
		}
		/* The name is absent or a complete ring... */
		rc = ring_open(&r, name, RING_KIND_ANY);
		if (rc == 0) {
			opened++;
			ring_close(&r);
		} else if (rc == -ENOENT) {
			absent++;
		} else {
			fprintf(stderr, "kill %ld: ring_open: %s\n", k, ring_strerror(rc));
			return 1;
		}
		/* ...and usable: open-or-create (attaches the complete ring,
		 * or creates one). */
		memset(&o, 0, sizeof(o));
		o.flags = RING_ATTACH_CREATE;
		o.params = p;
		rc = ring_attach(&r, name, &o);
		if (rc < 0) {
			fprintf(stderr, "kill %ld: ring_attach(CREATE): %s\n", k, ring_strerror(rc));
			return 1;
		}
		created += rc;
		ring_close(&r); /* stale again: the next create replaces it */
		if (rand() % 4 == 0)
			ring_unlink(name);
	}
	ring_unlink(name);
	printf("stress_create_kill: %ld kills: name absent %ld, complete ring %ld; "
	       "open-or-create created %ld; 0 unusable\n",
	       kills, absent, opened, created);
	return 0;
}
