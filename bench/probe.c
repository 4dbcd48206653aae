/* SPDX-License-Identifier: MIT */
/*
 * Placement probe: two threads pinned to CPU 0 and CPU 1 bounce one cache
 * line. The round trip tells how far apart the host put the two vCPUs (on
 * the reference VM about 75 ns near, 350 ns far, for minutes at a time).
 */
#include <pthread.h>
#include <stdlib.h>

#include "shmbench.h"

#define PROBE_BATCHES 9
#define PROBE_TRIPS 1000

static struct {
	uint64_t word __attribute__((aligned(128)));
	uint32_t start;
	uint32_t quit;
} line;

static void *probe_echo(void *arg)
{
	uint64_t i;

	(void)arg;
	pin_cpu(1);
	__atomic_store_n(&line.start, 1, __ATOMIC_RELEASE);
	for (i = 1;; i += 2) {
		while (__atomic_load_n(&line.word, __ATOMIC_ACQUIRE) != i) {
			if (__atomic_load_n(&line.quit, __ATOMIC_RELAXED))
				return NULL;
			cpu_relax();
		}
		__atomic_store_n(&line.word, i + 1, __ATOMIC_RELEASE);
	}
}

static int cmp_d(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

double probe_c2c(void)
{
	double per[PROBE_BATCHES];
	pthread_t th;
	cpu_set_t old;
	uint64_t v = 0;
	int b, t;

	pthread_getaffinity_np(pthread_self(), sizeof(old), &old);
	line.word = 0;
	line.start = 0;
	line.quit = 0;
	if (pin_cpu(0) != 0 || pthread_create(&th, NULL, probe_echo, NULL) != 0)
		return -1;
	while (!__atomic_load_n(&line.start, __ATOMIC_ACQUIRE))
		cpu_relax();
	for (b = 0; b < PROBE_BATCHES; b++) {
		uint64_t t0 = now_ns();

		for (t = 0; t < PROBE_TRIPS; t++) {
			__atomic_store_n(&line.word, ++v, __ATOMIC_RELEASE);
			++v;
			while (__atomic_load_n(&line.word, __ATOMIC_ACQUIRE) != v)
				cpu_relax();
		}
		per[b] = (double)(now_ns() - t0) / PROBE_TRIPS;
	}
	__atomic_store_n(&line.quit, 1, __ATOMIC_RELAXED);
	pthread_join(th, NULL);
	pthread_setaffinity_np(pthread_self(), sizeof(old), &old);
	qsort(per, PROBE_BATCHES, sizeof(per[0]), cmp_d);
	return per[PROBE_BATCHES / 2];
}
