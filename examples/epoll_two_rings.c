/* SPDX-License-Identifier: MIT */
/*
 * One epoll loop serving two rings and a timer: two producer processes
 * each feed a blocking ring at their own pace and close it at the end; this
 * process waits on both rings' readiness descriptors and a timerfd in one
 * epoll_wait, drains whichever ring is ready, reports once per timer tick,
 * and stops when both streams have ended.
 *
 *   epoll_two_rings [COUNT]     COUNT values per producer (default 100000)
 *
 * With named rings the loop is the same: ring_open (or ring_attach) the
 * name, then ring_waitfd_open on that handle.
 */
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <sys/prctl.h>
#include <sys/timerfd.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <shmring/shmring.h>

#define NRING 2

static void producer(struct ring *r, uint64_t count, long pause_every)
{
	struct timespec gap = {0, 200000}; /* 0.2 ms idle now and then */
	uint64_t v;
	int rc;

	prctl(PR_SET_PDEATHSIG, SIGKILL);
	for (v = 0; v < count; v++) {
		rc = ring_push_wait(r, &v, NULL);
		if (rc != 0) {
			fprintf(stderr, "producer: %s\n", ring_strerror(rc));
			_exit(1);
		}
		if (v % (uint64_t)pause_every == 0)
			nanosleep(&gap, NULL);
	}
	ring_close_write(r);
	_exit(0);
}

int main(int argc, char **argv)
{
	struct ring_params p = {RING_KIND_SPSC, RING_RULE_COUNT, 256, sizeof(uint64_t),
				RING_F_BLOCKING, 0, 0, 0};
	struct ring r[NRING];
	struct ring_waitfd wf[NRING];
	struct epoll_event ev, out[NRING + 1];
	struct itimerspec tick = {{0, 50000000}, {0, 50000000}}; /* 50 ms */
	uint64_t count = argc > 1 ? strtoull(argv[1], NULL, 10) : 100000;
	uint64_t got[NRING] = {0}, expect[NRING] = {0}, v, ticks;
	pid_t pid[NRING];
	int ep, tfd, i, n, rc, open_rings = NRING, status = 0, ended[NRING] = {0};

	ep = epoll_create1(EPOLL_CLOEXEC);
	tfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	if (ep < 0 || tfd < 0 || timerfd_settime(tfd, 0, &tick, NULL) < 0) {
		perror("epoll/timerfd");
		return 1;
	}
	ev.events = EPOLLIN;
	ev.data.u32 = NRING; /* the timer */
	epoll_ctl(ep, EPOLL_CTL_ADD, tfd, &ev);
	for (i = 0; i < NRING; i++) {
		rc = ring_create_anon(&r[i], &p);
		if (rc != 0) {
			fprintf(stderr, "ring_create_anon: %s\n", ring_strerror(rc));
			return 1;
		}
		pid[i] = fork();
		if (pid[i] == 0)
			producer(&r[i], count, i == 0 ? 1000 : 97);
		rc = ring_waitfd_open(&wf[i], &r[i], RING_WAITFD_DATA);
		if (rc < 0) {
			fprintf(stderr, "ring_waitfd_open: %s\n", ring_strerror(rc));
			return 1;
		}
		ev.data.u32 = (uint32_t)i;
		epoll_ctl(ep, EPOLL_CTL_ADD, wf[i].fd, &ev);
	}
	while (open_rings > 0) {
		int timeout = -1, t;

		/* Drain what is there; arm the rings that are empty. */
		for (i = 0; i < NRING; i++) {
			if (ended[i])
				continue;
			while ((rc = ring_pop(&r[i], &v)) == 0) {
				if (v != expect[i]++) {
					fprintf(stderr, "ring %d: %" PRIu64 " out of order\n", i, v);
					return 1;
				}
				got[i]++;
			}
			if (rc == -EPIPE) { /* end of stream, drained */
				ended[i] = 1;
				open_rings--;
				epoll_ctl(ep, EPOLL_CTL_DEL, wf[i].fd, NULL);
				continue;
			}
			rc = ring_waitfd_arm(&wf[i]);
			if (rc == 1) {
				timeout = 0; /* ready meanwhile: come straight back */
				continue;
			}
			if (rc < 0) {
				fprintf(stderr, "ring_waitfd_arm: %s\n", ring_strerror(rc));
				return 1;
			}
			/* The descriptor's timeout bounds the wait (a producer
			 * that died mid-wake sends nothing). */
			t = ring_waitfd_timeout_ms(&wf[i]);
			if (timeout != 0 && t >= 0 && (timeout < 0 || t < timeout))
				timeout = t;
		}
		if (open_rings == 0)
			break;
		n = epoll_wait(ep, out, NRING + 1, timeout);
		for (i = 0; i < n; i++) {
			if (out[i].data.u32 == NRING && read(tfd, &ticks, sizeof(ticks)) > 0)
				printf("tick: %" PRIu64 " + %" PRIu64 " values\n", got[0], got[1]);
		}
		for (i = 0; i < NRING; i++)
			if (!ended[i])
				ring_waitfd_consume(&wf[i]);
	}
	for (i = 0; i < NRING; i++) {
		int st;

		ring_waitfd_close(&wf[i]);
		ring_close(&r[i]);
		if (waitpid(pid[i], &st, 0) != pid[i] || !WIFEXITED(st) || WEXITSTATUS(st) != 0)
			status = 1;
		if (got[i] != count)
			status = 1;
	}
	printf("done: %" PRIu64 " + %" PRIu64 " values of %" PRIu64 " each\n", got[0], got[1], count);
	close(tfd);
	close(ep);
	return status;
}
