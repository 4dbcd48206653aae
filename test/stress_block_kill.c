/* SPDX-License-Identifier: MIT */
/*
 * Random kill -9 of blocking producers and consumers: nobody is stranded.
 *
 * Producers loop on ring_push_wait(), consumers on ring_pop_wait(), without
 * deadlines, through a tiny blocking ring, so both sides keep falling asleep.
 * The supervisor (this process) kills a random worker with SIGKILL, starts a
 * replacement, and then requires the stream to move again: after each kill
 * the consumers' pop counter must advance. A sleeper stranded by a dead
 * waker (or a dead peer's leftover count) would stop the stream; the
 * supervisor then reports which kill it was and fails. Repeated KILLS times.
 *
 * SPSC: the victim is killed wherever it is (mid-push, mid-pop, between a
 * publish and its wake, asleep). MPMC: only while it sleeps (state S: in its
 * futex wait or backoff, never inside a claim), because a process killed
 * between claiming a slot and publishing it leaves the slot to the liveness
 * repair (src/ring_live.c), which this program does not depend on. Elements
 * may be lost or repeated by a kill; only progress is checked.
 *
 *   stress_block_kill spsc|mpmc KILLS [SEED]
 */
#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <shmring/ring.h>

#include "common.h"

#define MAXW 8
/* No progress for this long after a kill: stranded. A hang detector, far
 * above the 10 ms slice the protocol allows. */
#define STUCK_NS (20 * 1000000000LL)

struct shared {
	RING_ATOMIC(uint64_t) popped;
	RING_ATOMIC(uint64_t) pushed;
};

static struct ring r;
static struct shared *sh;

static int64_t now_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (int64_t)t.tv_sec * 1000000000 + t.tv_nsec;
}

static void worker(int producer)
{
	uint64_t v = 0;
	int rc;

	prctl(PR_SET_PDEATHSIG, SIGKILL);
	for (;;) {
		rc = producer ? ring_push_wait(&r, &v, NULL) : ring_pop_wait(&r, &v, NULL);
		if (rc != 0) {
			fprintf(stderr, "worker: %s\n", ring_strerror(rc));
			_exit(1);
		}
		ring_pvt_fetch_add(producer ? &sh->pushed : &sh->popped, 1, relaxed);
		v++;
	}
}

static pid_t spawn(int producer)
{
	pid_t pid = fork();

	if (pid == 0)
		worker(producer);
	return pid;
}

int main(int argc, char **argv)
{
	struct ring_params p = {RING_KIND_SPSC, RING_RULE_COUNT, 2, 8, RING_F_BLOCKING, 0, 0, 0};
	int mpmc, np, nc, nw, i, kills, done = 0, failed = 0, rc;
	pid_t pid[MAXW];
	unsigned seed;
	int64_t worst = 0;

	if (argc < 3 || (strcmp(argv[1], "spsc") != 0 && strcmp(argv[1], "mpmc") != 0)) {
		fprintf(stderr, "usage: %s spsc|mpmc KILLS [SEED]\n", argv[0]);
		return 2;
	}
	mpmc = strcmp(argv[1], "mpmc") == 0;
	kills = atoi(argv[2]);
	seed = argc > 3 ? (unsigned)strtoul(argv[3], NULL, 10) : (unsigned)getpid();
	srand(seed);
	np = nc = mpmc ? 3 : 1;
	nw = np + nc;
	if (mpmc)
		p.kind = RING_KIND_MPMC;
	sh = mmap(NULL, sizeof(*sh), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (sh == MAP_FAILED || (rc = ring_create_anon(&r, &p)) != 0) {
		fprintf(stderr, "setup failed\n");
		return 1;
	}
	for (i = 0; i < nw; i++)
		if ((pid[i] = spawn(i < np)) < 0)
			return 1;
	while (done < kills && !failed) {
		struct timespec gap = {0, (long)(rand() % 2000) * 1000L};
		uint64_t before;
		int64_t t0;
		int v = rand() % nw, tries;

		nanosleep(&gap, NULL);
		/* MPMC: a victim asleep (see the top of the file). */
		for (tries = 0; mpmc && test_proc_state(pid[v]) != 'S' && tries < 1000; tries++) {
			v = rand() % nw;
			if (tries % 16 == 15)
				sched_yield();
		}
		if (mpmc && test_proc_state(pid[v]) != 'S')
			continue;
		kill(pid[v], SIGKILL);
		while (waitpid(pid[v], NULL, 0) < 0 && errno == EINTR)
			;
		done++;
		before = ring_pvt_load(&sh->popped, relaxed);
		if ((pid[v] = spawn(v < np)) < 0)
			return 1;
		/* The stream must move again. */
		t0 = now_ns();
		while (ring_pvt_load(&sh->popped, relaxed) < before + 2) {
			if (now_ns() - t0 > STUCK_NS) {
				fprintf(stderr, "kill %d (%s %d): no progress for %lld s: stranded\n", done,
					v < np ? "producer" : "consumer", v, STUCK_NS / 1000000000LL);
				failed = 1;
				break;
			}
			sched_yield();
		}
		if (now_ns() - t0 > worst)
			worst = now_ns() - t0;
	}
	for (i = 0; i < nw; i++) {
		kill(pid[i], SIGKILL);
		waitpid(pid[i], NULL, 0);
	}
	printf("%s: %d kills (seed %u), %llu pushed, %llu popped, longest wait for progress "
	       "after a kill %.1f ms, armed/woken left: consumers %u/%u producers %u/%u%s\n",
	       argv[1], done, seed, (unsigned long long)ring_pvt_load(&sh->pushed, relaxed),
	       (unsigned long long)ring_pvt_load(&sh->popped, relaxed), (double)worst / 1e6,
	       RING_WAIT_ARMED(ring_pvt_load(&r.shm->wait.cons_waiters, relaxed)),
	       RING_WAIT_WOKEN(ring_pvt_load(&r.shm->wait.cons_waiters, relaxed)),
	       RING_WAIT_ARMED(ring_pvt_load(&r.shm->wait.prod_waiters, relaxed)),
	       RING_WAIT_WOKEN(ring_pvt_load(&r.shm->wait.prod_waiters, relaxed)),
	       failed ? "  FAILED" : "");
	ring_close(&r);
	return failed;
}
