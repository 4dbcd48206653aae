/* SPDX-License-Identifier: MIT */
/*
 * How long a death takes to be noticed (a measurement, not a test: no
 * ctest entry, nothing asserted on time):
 *   - from a producer's SIGKILL to its blocked consumer's return from
 *     ring_pop_wait(..., NULL) with -ECONNRESET;
 *   - from the exit of an MPMC producer that claimed a slot and never
 *     published it to the first pop past that slot by a polling consumer.
 * Prints the median and the maximum of ROUNDS rounds of each.
 */
#include <shmring/shmring.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>
static uint64_t ns(void) { struct timespec t; clock_gettime(CLOCK_MONOTONIC, &t); return (uint64_t)t.tv_sec * 1000000000u + t.tv_nsec; }
static int cmp(const void *a, const void *b) { uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b; return x < y ? -1 : x > y; }
#define ROUNDS 30
int main(void) {
	uint64_t d[ROUNDS], e[ROUNDS];
	for (int k = 0; k < ROUNDS; k++) {
		struct ring_params p = {RING_KIND_SPSC, RING_RULE_COUNT, 64, 8, RING_F_BLOCKING, 0, 0, 0};
		struct ring r; uint64_t v = 1;
		volatile uint64_t *t0 = mmap(NULL, 4096, PROT_READ|PROT_WRITE, MAP_SHARED|MAP_ANONYMOUS, -1, 0);
		ring_create_anon(&r, &p);
		pid_t c = fork();
		if (c == 0) { ring_push(&r, &v); pause(); _exit(0); }
		ring_pop_wait(&r, &v, NULL);
		pid_t killer = fork();
		if (killer == 0) { usleep(20000 + rand() % 20000); *t0 = ns(); kill(c, SIGKILL); _exit(0); }
		int rc = ring_pop_wait(&r, &v, NULL);
		uint64_t t1 = ns();
		waitpid(killer, 0, 0); waitpid(c, 0, 0);
		if (rc != -ECONNRESET) { printf("pop_wait: %s\n", ring_strerror(rc)); return 1; }
		d[k] = t1 - *t0;
		ring_close(&r);
		/* MPMC: a producer that claimed a slot and died; a polling consumer. */
		struct ring_params q = {RING_KIND_MPMC, RING_RULE_COUNT, 64, 8, 0, 0, 0, 0};
		struct ring m; ring_create_anon(&m, &q);
		c = fork();
		if (c == 0) {
			uint64_t pos; ring_join(&m, RING_ROLE_PRODUCER);
			pos = ring_pvt_load(&m.shm->prod.tail, relaxed);
			ring_pvt_store(&m.part->intent, RING_INTENT(pos, 0, 1), release);
			ring_pvt_cas(&m.shm->prod.tail, &pos, pos + 1, release, relaxed);
			_exit(0);
		}
		waitpid(c, 0, 0);
		uint64_t start = ns();
		ring_push(&m, &v);
		while (ring_pop(&m, &v) != 0) ;
		e[k] = ns() - start;
		ring_close(&m);
	}
	qsort(d, ROUNDS, 8, cmp); qsort(e, ROUNDS, 8, cmp);
	printf("producer SIGKILL -> blocked consumer returns -ECONNRESET: median %.2f ms, max %.2f ms (%d rounds)\n", d[ROUNDS/2]/1e6, d[ROUNDS-1]/1e6, ROUNDS);
	printf("dead MPMC claimant reaped -> polling consumer past its slot: median %.2f ms, max %.2f ms\n", e[ROUNDS/2]/1e6, e[ROUNDS-1]/1e6);
	return 0;
}
