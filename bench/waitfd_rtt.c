/* SPDX-License-Identifier: MIT */
/*
 * Readiness round trip: a message to a peer process that waits in
 * epoll_wait, and its answer back, through
 *   waitfd   two blocking SPSC rings, each side waiting on a readiness
 *            descriptor (ring_waitfd.h) in epoll
 *   eventfd  two bare eventfds in epoll, a counter written and read per
 *            message (the floor: one write and one epoll wake-up a side)
 * Both peers always block: every message finds the other side in
 * epoll_wait. The modes alternate in rounds within one run; the result is
 * the median of the rounds' mean round trips, and the ratio waitfd/eventfd.
 *
 *   waitfd_rtt [ROUNDTRIPS [ROUNDS [cross|same|any]]]
 *       defaults 20000 5 cross (cross: the two processes on CPUs 0 and 1,
 *       same: both on CPU 0, any: not pinned)
 *   WAITFD_RTT_ONLY=waitfd|eventfd runs that mode only (to count its
 *   system calls: perf stat -e 'raw_syscalls:sys_enter' ...).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <shmring/shmring.h>

static int pin_mode; /* 0 cross, 1 same, 2 any */
static long waitfd_timeouts;

static void pin(int child)
{
	cpu_set_t s;

	if (pin_mode == 2)
		return;
	CPU_ZERO(&s);
	CPU_SET(pin_mode == 1 ? 0 : child, &s);
	(void)sched_setaffinity(0, sizeof(s), &s);
}

static double now_s(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

static int epoll_on(int fd)
{
	struct epoll_event ev = {0};
	int ep = epoll_create1(EPOLL_CLOEXEC);

	ev.events = EPOLLIN;
	if (ep < 0 || epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev) < 0) {
		perror("epoll");
		exit(1);
	}
	return ep;
}

/* ---- eventfd ---- */

static void efd_wait(int ep, int fd)
{
	struct epoll_event ev;
	uint64_t v;

	while (read(fd, &v, sizeof(v)) != sizeof(v))
		(void)epoll_wait(ep, &ev, 1, -1);
}

static double run_eventfd(long n)
{
	int ab = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC), ba = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	uint64_t one = 1;
	double t0, t;
	pid_t c;
	long i;
	int ep;

	c = fork();
	if (c == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		pin(1);
		ep = epoll_on(ab);
		for (i = 0; i < n; i++) {
			efd_wait(ep, ab);
			(void)!write(ba, &one, sizeof(one));
		}
		_exit(0);
	}
	pin(0);
	ep = epoll_on(ba);
	usleep(10000);
	t0 = now_s();
	for (i = 0; i < n; i++) {
		(void)!write(ab, &one, sizeof(one));
		efd_wait(ep, ba);
	}
	t = now_s() - t0;
	waitpid(c, NULL, 0);
	close(ep);
	close(ab);
	close(ba);
	return t / (double)n;
}

/* ---- readiness descriptors ---- */

static void ring_wait_pop(struct ring *r, struct ring_waitfd *f, int ep, uint64_t *v)
{
	struct epoll_event ev;
	int rc;

	for (;;) {
		rc = ring_pop(r, v);
		if (rc == 0)
			return;
		if (rc != -EAGAIN) {
			fprintf(stderr, "pop: %s\n", ring_strerror(rc));
			exit(1);
		}
		rc = ring_waitfd_arm(f);
		if (rc == 1)
			continue;
		if (rc < 0)
			exit(1);
		if (epoll_wait(ep, &ev, 1, ring_waitfd_timeout_ms(f)) == 0)
			waitfd_timeouts++;
		ring_waitfd_consume(f);
	}
}

static double run_waitfd(long n)
{
	struct ring_params p = {RING_KIND_SPSC, RING_RULE_COUNT, 16, 8, RING_F_BLOCKING, 0, 0, 0};
	struct ring ab, ba;
	struct ring_waitfd f;
	uint64_t v = 0;
	double t0, t;
	pid_t c;
	long i;
	int ep;

	if (ring_create_anon(&ab, &p) != 0 || ring_create_anon(&ba, &p) != 0)
		exit(1);
	c = fork();
	if (c == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		pin(1);
		if (ring_waitfd_open(&f, &ab, RING_WAITFD_DATA) < 0)
			_exit(1);
		ep = epoll_on(f.fd);
		for (i = 0; i < n; i++) {
			ring_wait_pop(&ab, &f, ep, &v);
			if (ring_push(&ba, &v) != 0)
				_exit(2);
		}
		if (getenv("WAITFD_RTT_DEBUG"))
			fprintf(stderr, "peer timeouts %ld\n", waitfd_timeouts);
		_exit(0);
	}
	pin(0);
	if (ring_waitfd_open(&f, &ba, RING_WAITFD_DATA) < 0)
		exit(1);
	ep = epoll_on(f.fd);
	usleep(10000);
	t0 = now_s();
	for (i = 0; i < n; i++) {
		v = (uint64_t)i;
		if (ring_push(&ab, &v) != 0)
			exit(1);
		ring_wait_pop(&ba, &f, ep, &v);
	}
	t = now_s() - t0;
	waitpid(c, NULL, 0);
	if (getenv("WAITFD_RTT_DEBUG"))
		fprintf(stderr, "timeouts %ld\n", waitfd_timeouts);
	ring_waitfd_close(&f);
	close(ep);
	ring_close(&ab);
	ring_close(&ba);
	return t / (double)n;
}

static int cmp_d(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
	long n = argc > 1 ? strtol(argv[1], NULL, 10) : 20000;
	int rounds = argc > 2 ? atoi(argv[2]) : 5, i;
	double w[64], e[64];
	const char *only;

	if (argc > 3)
		pin_mode = strcmp(argv[3], "same") == 0 ? 1 : strcmp(argv[3], "any") == 0 ? 2 : 0;
	if (rounds < 1 || rounds > 64 || n < 1)
		return 2;
	only = getenv("WAITFD_RTT_ONLY");
	for (i = 0; i < rounds; i++) {
		w[i] = only != NULL && strcmp(only, "eventfd") == 0 ? 1 : run_waitfd(n);
		e[i] = only != NULL && strcmp(only, "waitfd") == 0 ? 1 : run_eventfd(n);
	}
	qsort(w, (size_t)rounds, sizeof(w[0]), cmp_d);
	qsort(e, (size_t)rounds, sizeof(e[0]), cmp_d);
	printf("epoll readiness RTT (%s, %ld round trips x %d rounds, medians): "
	       "waitfd %.2f us, eventfd %.2f us, ratio %.3f\n",
	       pin_mode == 0 ? "cross-core" : pin_mode == 1 ? "same-core" : "unpinned", n, rounds,
	       w[rounds / 2] * 1e6, e[rounds / 2] * 1e6, w[rounds / 2] / e[rounds / 2]);
	return 0;
}
