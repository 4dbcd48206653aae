/* SPDX-License-Identifier: MIT */
/*
 * Wake only as many as can proceed: 16 consumer processes blocked in
 * ring_pop_wait() on one MPMC ring, one producer pushing elements one at a
 * time with a pause after each (so that every element finds the consumers
 * asleep). Each push may wake one consumer; the consumers' context switches
 * (getrusage of each consumer: ru_nvcsw voluntary, ru_nivcsw involuntary)
 * per element are printed, and the run fails if the voluntary ones (sleeps
 * that blocked, each following a wake) exceed 1.1 per element. A wake-all
 * protocol costs about one per sleeping consumer (16) per element. Linked
 * against the hooked library, and ctest runs it with SHMRING_TEST_SLICE_MS=0
 * (test/block.cmake): bounded sleeps would add one switch per consumer per
 * slice of elapsed time, which counts the run's duration (the machine's
 * load), not the wakes.
 *
 *   wake_count [ELEMENTS [CONSUMERS]]    defaults 4000 and 16
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <shmring/ring.h>

#define MAXC 64

struct slot {
	long nvcsw, nivcsw, got;
	int rc;
};

int main(int argc, char **argv)
{
	long n = argc > 1 ? strtol(argv[1], NULL, 10) : 4000;
	int nc = argc > 2 ? atoi(argv[2]) : 16;
	struct ring_params p = {RING_KIND_MPMC, RING_RULE_COUNT, 64, 8, RING_F_BLOCKING, 0, 0, 0};
	struct timespec gap = {0, 200000};
	struct slot *res;
	struct ring r;
	pid_t pid[MAXC];
	long i, vol = 0, invol = 0, got = 0;
	int k, rc, failed = 0;

	if (n <= 0 || nc <= 0 || nc > MAXC) {
		fprintf(stderr, "usage: %s [ELEMENTS [CONSUMERS <= %d]]\n", argv[0], MAXC);
		return 2;
	}
	res = mmap(NULL, sizeof(*res) * MAXC, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS,
		   -1, 0);
	if (res == MAP_FAILED || (rc = ring_create_anon(&r, &p)) != 0) {
		fprintf(stderr, "setup failed\n");
		return 1;
	}
	memset(res, 0, sizeof(*res) * MAXC);
	for (k = 0; k < nc; k++) {
		pid[k] = fork();
		if (pid[k] < 0)
			return 1;
		if (pid[k] == 0) {
			struct rusage ru0, ru1;
			uint64_t v;

			prctl(PR_SET_PDEATHSIG, SIGKILL);
			getrusage(RUSAGE_SELF, &ru0);
			while ((rc = ring_pop_wait(&r, &v, NULL)) == 0)
				res[k].got++;
			getrusage(RUSAGE_SELF, &ru1);
			res[k].rc = rc;
			res[k].nvcsw = ru1.ru_nvcsw - ru0.ru_nvcsw;
			res[k].nivcsw = ru1.ru_nivcsw - ru0.ru_nivcsw;
			_exit(rc == -EPIPE ? 0 : 1);
		}
	}
	/* Everyone asleep before the first element. */
	while (RING_WAIT_ARMED(ring_pvt_load(&r.shm->wait.cons_waiters, seq_cst)) < (uint32_t)nc)
		nanosleep(&gap, NULL);
	for (i = 0; i < n; i++) {
		uint64_t v = (uint64_t)i;

		if ((rc = ring_push_wait(&r, &v, NULL)) != 0) {
			fprintf(stderr, "push: %s\n", ring_strerror(rc));
			failed = 1;
			break;
		}
		nanosleep(&gap, NULL);
	}
	ring_close_write(&r);
	for (k = 0; k < nc; k++) {
		int st;

		while (waitpid(pid[k], &st, 0) < 0 && errno == EINTR)
			;
		if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
			failed = 1;
		vol += res[k].nvcsw;
		invol += res[k].nivcsw;
		got += res[k].got;
	}
	printf("%d consumers, %ld elements: %.3f voluntary + %.3f involuntary context switches "
	       "per element (consumers' getrusage)\n",
	       nc, n, (double)vol / (double)n, (double)invol / (double)n);
	if (got != n) {
		fprintf(stderr, "delivered %ld of %ld\n", got, n);
		failed = 1;
	}
	if ((double)vol / (double)n > 1.1) {
		fprintf(stderr, "more than 1.1 voluntary context switches per element\n");
		failed = 1;
	}
	ring_close(&r);
	return failed;
}
