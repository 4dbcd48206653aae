/* SPDX-License-Identifier: MIT */
/*
 * Readiness descriptors across real processes: COUNT messages go from this
 * process to a separately exec'd peer through one blocking SPSC ring and
 * come back through another, every wait an epoll_wait on readiness
 * descriptors (room on the outgoing ring, data on the incoming one, on both
 * sides). Bursts of random length with random idle gaps on both sides make
 * each side wait for data and for room many times. Every echo is checked
 * in order; a lost wake-up costs one timeout (ring_waitfd_timeout_ms), so
 * the run is repeated with SHMRING_TEST_SLICE_MS=0 (no timeout at all:
 * a lost wake-up hangs it and the watchdog fails it).
 * SHMRING_TEST_WAITFD_SOCKET=1 uses socket descriptors instead of eventfds.
 *
 *   waitfd_stream [COUNT [SEED]]               the test (default 10^6)
 *   waitfd_stream --peer IN OUT COUNT SEED     the peer (exec'd by the test)
 *
 * Exit 0 on success. The watchdog (alarm) kills the process group; the peer
 * also has PR_SET_PDEATHSIG.
 */
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <shmring/shmring.h>

#include "common.h"

#define SLOTS 64
#define WATCHDOG_S 240

#define CHECK(c)                                                                      \
	do {                                                                          \
		if (!(c)) {                                                           \
			fprintf(stderr, "%s:%d: %s failed (errno %d)\n", __FILE__, __LINE__, #c, \
				errno);                                               \
			exit(1);                                                      \
		}                                                                     \
	} while (0)

static uint64_t rng;

/* Linked against the hooked library with hook_none.c (test/block.cmake)
 * for its SHMRING_TEST_SLICE_MS switch; no kill points here. */

static uint32_t rnd(uint32_t n)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (uint32_t)(rng % n);
}

/* SHMRING_TEST_WAITFD_SOCKET=1 (inherited by the exec'd peer): socket
 * descriptors (RING_WAITFD_SOCKET) on both sides instead of eventfds. */
static uint32_t fd_mode(void)
{
	const char *e = getenv("SHMRING_TEST_WAITFD_SOCKET");

	return e != NULL && strcmp(e, "1") == 0 ? RING_WAITFD_SOCKET : 0u;
}

struct side {
	struct ring in, out;
	struct ring_waitfd din, rout; /* data on in, room on out */
	int ep;
	uint64_t polls, timeouts;
};

static void side_open(struct side *s, const char *in, const char *out)
{
	struct epoll_event ev = {0};

	CHECK(ring_open(&s->in, in, RING_KIND_SPSC) == 0);
	CHECK(ring_open(&s->out, out, RING_KIND_SPSC) == 0);
	CHECK(ring_waitfd_open(&s->din, &s->in, RING_WAITFD_DATA | fd_mode()) >= 0);
	CHECK(ring_waitfd_open(&s->rout, &s->out, RING_WAITFD_ROOM | fd_mode()) >= 0);
	/* The kind asked for is the kind made (eventfd ids are in fdinfo). */
	CHECK(!!(s->din.dirs & RING_WAITFD_SOCKET) == !!fd_mode());
	s->ep = epoll_create1(EPOLL_CLOEXEC);
	CHECK(s->ep >= 0);
	ev.events = EPOLLIN;
	ev.data.u32 = 0;
	CHECK(epoll_ctl(s->ep, EPOLL_CTL_ADD, s->din.fd, &ev) == 0);
	ev.data.u32 = 1;
	CHECK(epoll_ctl(s->ep, EPOLL_CTL_ADD, s->rout.fd, &ev) == 0);
}

static void side_close(struct side *s)
{
	close(s->ep);
	ring_waitfd_close(&s->din);
	ring_waitfd_close(&s->rout);
	ring_close(&s->in);
	ring_close(&s->out);
}

/* Wait on what blocked us: data (want_in), room (want_out), or both. */
static void side_wait(struct side *s, int want_in, int want_out)
{
	struct epoll_event ev[2];
	int t = -1, t2, rc;

	if (want_in) {
		rc = ring_waitfd_arm(&s->din);
		CHECK(rc >= 0);
		if (rc == 1)
			return;
		t = ring_waitfd_timeout_ms(&s->din);
	}
	if (want_out) {
		rc = ring_waitfd_arm(&s->rout);
		CHECK(rc >= 0);
		if (rc == 1) {
			ring_waitfd_consume(&s->din);
			return;
		}
		t2 = ring_waitfd_timeout_ms(&s->rout);
		if (t < 0 || (t2 >= 0 && t2 < t))
			t = t2;
	}
	s->polls++;
	rc = epoll_wait(s->ep, ev, 2, t);
	CHECK(rc >= 0 || errno == EINTR);
	if (rc == 0)
		s->timeouts++;
	ring_waitfd_consume(&s->din);
	ring_waitfd_consume(&s->rout);
}

/* The peer: forward COUNT values from in to out, with its own gaps. */
static int peer(const char *in, const char *out, uint64_t count, uint64_t seed)
{
	struct side s = {0};
	uint64_t buf[SLOTS], have = 0, done = 0, i;
	int rc;

	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() == 1)
		return 3;
	rng = seed * 2 + 1;
	side_open(&s, in, out);
	while (done < count) {
		int blocked_in = 0, blocked_out = 0;

		while (have < SLOTS && (rc = ring_pop(&s.in, &buf[have])) == 0)
			have++;
		if (have < SLOTS) {
			CHECK(rc == -EAGAIN);
			blocked_in = 1;
		}
		for (i = 0; i < have; i++) {
			rc = ring_push(&s.out, &buf[i]);
			if (rc == -EAGAIN)
				break;
			CHECK(rc == 0);
		}
		done += i;
		memmove(buf, buf + i, (size_t)(have - i) * sizeof(buf[0]));
		have -= i;
		if (have > 0)
			blocked_out = 1;
		if (rnd(2048) == 0)
			test_pause_us(rnd(2000)); /* idle: the test's pushes fill our input */
		else if (done < count && ((have == 0 && blocked_in) || blocked_out))
			side_wait(&s, have == 0 && blocked_in, blocked_out);
	}
	fprintf(stderr, "peer: %llu forwarded, %llu polls, %llu poll timeouts\n",
		(unsigned long long)done, (unsigned long long)s.polls,
		(unsigned long long)s.timeouts);
	side_close(&s);
	return 0;
}

static void watchdog(int sig)
{
	(void)sig;
	static const char m[] = "waitfd_stream: watchdog fired (a lost wake-up?)\n";
	(void)!write(2, m, sizeof(m) - 1);
	kill(0, SIGKILL); /* the process group: us and the peer */
}

int main(int argc, char **argv)
{
	struct ring_params p = {RING_KIND_SPSC, RING_RULE_COUNT, SLOTS, 8, RING_F_BLOCKING, 0, 0, 0};
	char na[64], nb[64], cnt[32], sd[32];
	struct ring ca, cb;
	struct side s = {0};
	uint64_t count = 1000000, seed = 1, sent = 0, got = 0, burst = 0, v;
	pid_t child;
	int rc, st;

	if (argc == 6 && strcmp(argv[1], "--peer") == 0)
		return peer(argv[2], argv[3], strtoull(argv[4], NULL, 10), strtoull(argv[5], NULL, 10));
	if (argc > 1)
		count = strtoull(argv[1], NULL, 10);
	if (argc > 2)
		seed = strtoull(argv[2], NULL, 10);
	rng = seed * 2 + 3;
	/* Our own process group, so that the watchdog takes the peer along. */
	if (getpgrp() != getpid())
		CHECK(setpgid(0, 0) == 0);
	signal(SIGALRM, watchdog);
	alarm(WATCHDOG_S);
	snprintf(na, sizeof(na), "/shmring-wfs-%ld-a", (long)getpid());
	snprintf(nb, sizeof(nb), "/shmring-wfs-%ld-b", (long)getpid());
	CHECK(ring_create(&ca, na, &p) == 0);
	CHECK(ring_create(&cb, nb, &p) == 0);
	snprintf(cnt, sizeof(cnt), "%llu", (unsigned long long)count);
	snprintf(sd, sizeof(sd), "%llu", (unsigned long long)seed);
	child = fork();
	CHECK(child >= 0);
	if (child == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		execl("/proc/self/exe", argv[0], "--peer", na, nb, cnt, sd, (char *)NULL);
		_exit(127);
	}
	side_open(&s, nb, na);
	while (got < count) {
		int blocked_out = 0;

		if (burst == 0 && sent < count) {
			burst = 1 + rnd(rnd(8) == 0 ? 3 * SLOTS : 16);
			if (rnd(64) == 0)
				test_pause_us(rnd(3000)); /* idle: the peer waits for data */
		}
		while (burst > 0 && sent < count) {
			rc = ring_push(&s.out, &sent);
			if (rc == -EAGAIN) {
				blocked_out = 1;
				break;
			}
			CHECK(rc == 0);
			sent++;
			burst--;
		}
		while ((rc = ring_pop(&s.in, &v)) == 0) {
			if (v != got) {
				fprintf(stderr, "echo %llu where %llu was due\n", (unsigned long long)v,
					(unsigned long long)got);
				kill(child, SIGKILL);
				return 1;
			}
			got++;
		}
		CHECK(rc == -EAGAIN);
		if (got < sent && (blocked_out || sent == count || (burst > 0 && rnd(4) == 0)))
			side_wait(&s, 1, blocked_out);
	}
	st = 0;
	CHECK(waitpid(child, &st, 0) == child);
	alarm(0);
	printf("waitfd_stream: %llu messages each way; %llu polls (%.4f per message), "
	       "%llu poll timeouts\n",
	       (unsigned long long)count, (unsigned long long)s.polls,
	       (double)s.polls / (double)count, (unsigned long long)s.timeouts);
	side_close(&s);
	ring_unlink(na);
	ring_unlink(nb);
	ring_close(&ca);
	ring_close(&cb);
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
		fprintf(stderr, "peer failed (status %d)\n", st);
		return 1;
	}
	return 0;
}
