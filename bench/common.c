/* SPDX-License-Identifier: MIT */
/* Clocks, CPU pinning, shared memory and cleanup for the benchmark. */
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/mman.h>
#include <sys/msg.h>

#include "bench.h"

uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static double ns_per_tick = 1.0;

/* TSC ticks per ns from 20 ms of CLOCK_MONOTONIC (the TSC is invariant on
 * the machines this runs on: constant_tsc, nonstop_tsc). */
void tsc_calibrate(void)
{
	uint64_t t0 = now_ns(), c0 = tsc_now(), t1, c1;

	do
		t1 = now_ns();
	while (t1 - t0 < 20000000u);
	c1 = tsc_now();
	if (c1 > c0)
		ns_per_tick = (double)(t1 - t0) / (double)(c1 - c0);
}

double tsc_to_ns(uint64_t ticks)
{
	return (double)ticks * ns_per_tick;
}

int pin_cpu(int cpu)
{
	cpu_set_t s;

	CPU_ZERO(&s);
	CPU_SET(cpu, &s);
	return sched_setaffinity(0, sizeof(s), &s) == 0 ? 0 : -1;
}

void child_fail(struct child_res *res, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(res->err, sizeof(res->err), fmt, ap);
	va_end(ap);
	res->ok = 0;
}

void *shared_alloc(size_t len)
{
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED) {
		perror("mmap");
		return NULL;
	}
	return p;
}

void shared_free(void *p, size_t len)
{
	if (p != NULL)
		munmap(p, len);
}

/* SysV queues outlive the process: remember them for sysv_cleanup_all(). */
static int sysv_ids[8];
static int sysv_n;

void sysv_track(int id, int add)
{
	int i;

	if (add) {
		if (sysv_n < (int)(sizeof(sysv_ids) / sizeof(sysv_ids[0])))
			sysv_ids[sysv_n++] = id;
		return;
	}
	for (i = 0; i < sysv_n; i++) {
		if (sysv_ids[i] == id) {
			sysv_ids[i] = sysv_ids[--sysv_n];
			return;
		}
	}
}

void sysv_cleanup_all(void)
{
	while (sysv_n > 0)
		msgctl(sysv_ids[--sysv_n], IPC_RMID, NULL);
}
