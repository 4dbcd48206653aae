/* SPDX-License-Identifier: MIT */
/*
 * A waker, a closer or a sleeper that dies (SIGKILL) or stops (SIGSTOP) at
 * each step of the wake and close paths strands nobody: every sleeper gets
 * its element, its room or its -EPIPE within the wait's slice, SPSC and
 * MPMC, both directions.
 *
 * Built against a library compiled with SHMRING_TEST_HOOKS (and with the
 * macro here, for the inline half of the wake in ring_common_pvt.h): the
 * library calls ring_pvt_test_hook(point) at each step, and the child taking
 * the waker's role raises the chosen signal at the chosen point. The delay
 * between the waker's end and the last sleeper's wake-up is logged (the
 * documented bound is the 10 ms slice); only the wake-up itself is asserted,
 * the ctest TIMEOUT being the limit.
 */
#include <criterion/criterion.h>
#include <criterion/logging.h>

#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <time.h>

#include <shmring/ring.h>
#include <shmring/ring_waitfd.h>

#include "common.h"

#define ESZ 8
#define NSLEEP_MPMC 3

static volatile int hook_point;  /* 0: no hook armed in this process */
static volatile int hook_signal; /* SIGKILL or SIGSTOP */

void ring_pvt_test_hook(int point)
{
	if (point == hook_point) {
		hook_point = 0;
		raise(hook_signal);
	}
}

static pid_t fork_child(void)
{
	pid_t pid = fork();

	cr_assert_geq(pid, 0, "fork: %s", strerror(errno));
	if (pid == 0)
		prctl(PR_SET_PDEATHSIG, SIGKILL);
	return pid;
}

static double now_s(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

/* Every pid asleep (state S) and `count` at least n. */
static void wait_asleep(const pid_t *pids, int n, RING_ATOMIC(uint32_t) *count)
{
	for (;;) {
		int i, all = RING_WAIT_ARMED(ring_pvt_load(count, seq_cst)) >= (uint32_t)n;

		for (i = 0; i < n; i++) {
			char st = test_proc_state(pids[i]);

			cr_assert(st != 'Z' && st != 0, "sleeper %d ended before the test", i);
			if (st != 'S')
				all = 0;
		}
		if (all)
			return;
		test_pause_us(500);
	}
}

/* The waker child's end: SIGKILL'd, or stopped (state T, then killed by us
 * once the sleepers are done). */
static void wait_waker_gone(pid_t w, int sig)
{
	if (sig == SIGKILL) {
		cr_assert_eq(test_wait_child(w), 1000 + SIGKILL, "waker did not die at its hook");
		return;
	}
	for (;;) {
		char st = test_proc_state(w);

		cr_assert(st != 'Z' && st != 0, "waker ended instead of stopping at its hook");
		if (st == 'T' || st == 't')
			return;
		test_pause_us(200);
	}
}

static void reap_waker(pid_t w, int sig)
{
	if (sig == SIGSTOP) {
		kill(w, SIGKILL);
		cr_assert_eq(test_wait_child(w), 1000 + SIGKILL);
	}
}

enum what { DATA, ROOM };

/*
 * Fill the ring from a child that then exits. An SPSC producer role is
 * exclusive: the filler's role, held by a process verified dead once we have
 * reaped it, is taken over by the sleeper's push (ring_live.h); had this
 * process filled the ring, it would hold the role alive and the sleeper get
 * -EADDRINUSE.
 */
static void fill_from_child(struct ring *r)
{
	pid_t f = fork_child();

	if (f == 0) {
		uint64_t v = 0;
		int rc;

		while ((rc = ring_push(r, &v)) == 0)
			v++;
		_exit(rc == -EAGAIN && v > 0 ? 0 : 10);
	}
	cr_assert_eq(test_wait_child(f), 0, "filler failed");
}

/*
 * A sleeper's one pop (DATA) or push (ROOM): a blocking call, or (use_fd)
 * the readiness-descriptor loop an event loop runs: try, arm, poll with
 * ring_waitfd_timeout_ms, consume, try again.
 */
static int sleeper_op(struct ring *r, enum what what, int use_fd, uint64_t *e)
{
	struct ring_waitfd f;
	struct pollfd pfd;
	int rc;

	if (!use_fd)
		return what == DATA ? ring_pop_wait(r, e, NULL) : ring_push_wait(r, e, NULL);
	rc = ring_waitfd_open(&f, r, (what == DATA ? RING_WAITFD_DATA : RING_WAITFD_ROOM) |
					     (use_fd == 2 ? RING_WAITFD_SOCKET : 0u));
	if (rc < 0)
		return rc;
	for (;;) {
		rc = what == DATA ? ring_pop(r, e) : ring_push(r, e);
		if (rc != -EAGAIN)
			break;
		rc = ring_waitfd_arm(&f);
		if (rc < 0)
			break;
		if (rc == 1)
			continue;
		pfd.fd = f.fd;
		pfd.events = POLLIN;
		(void)poll(&pfd, 1, ring_waitfd_timeout_ms(&f));
		ring_waitfd_consume(&f);
	}
	ring_waitfd_close(&f);
	return rc;
}

/*
 * Sleepers wait for data (pop on an empty ring) or room (push on a full one);
 * a child takes the waker's role (one push, or one pop) and dies or stops at
 * `point`. The first sleeper must get what the waker made available; the
 * others then get theirs from this process's plain calls.
 */
static void wake_dies_how(uint32_t kind, enum what what, int point, int sig, int use_fd)
{
	struct ring_params p = {kind, RING_RULE_COUNT, 2, ESZ, RING_F_BLOCKING, 0, 0, 0};
	int ns = kind == RING_KIND_MPMC ? NSLEEP_MPMC : 1;
	pid_t sl[NSLEEP_MPMC], waker;
	RING_ATOMIC(uint32_t) *count;
	struct ring r;
	uint64_t v = 0;
	double t0, worst = 0;
	int i, rc, done = 0;

	rc = ring_create_anon(&r, &p);
	cr_assert_eq(rc, 0, "%s", ring_strerror(rc));
	count = what == DATA ? &r.shm->wait.cons_waiters : &r.shm->wait.prod_waiters;
	if (what == ROOM)
		fill_from_child(&r);
	for (i = 0; i < ns; i++) {
		sl[i] = fork_child();
		if (sl[i] == 0) {
			uint64_t e = 100 + (uint64_t)i;

			rc = sleeper_op(&r, what, use_fd, &e);
			_exit(rc == 0 ? 0 : 10);
		}
	}
	wait_asleep(sl, ns, count);
	waker = fork_child();
	if (waker == 0) {
		uint64_t e = 7;

		hook_signal = sig;
		hook_point = point;
		rc = what == DATA ? ring_push(&r, &e) : ring_pop(&r, &e);
		fprintf(stderr, "waker: %s\n", ring_strerror(rc));
		_exit(50); /* must not get here: the hook ends or stops us */
	}
	wait_waker_gone(waker, sig);
	t0 = now_s();
	/* One sleeper must now get through without anyone else's help. */
	while (done == 0) {
		for (i = 0; i < ns; i++) {
			char st = test_proc_state(sl[i]);

			if (st == 'Z') {
				cr_assert_eq(test_wait_child(sl[i]), 0, "sleeper %d failed", i);
				sl[i] = 0;
				done++;
				worst = now_s() - t0;
				break;
			}
		}
		if (done == 0)
			test_pause_us(200);
	}
	/* The rest through ordinary wakes. */
	for (i = 0; i < ns; i++) {
		if (sl[i] == 0)
			continue;
		if (what == DATA) {
			v = 9;
			cr_assert_eq(ring_push_wait(&r, &v, NULL), 0);
		} else {
			cr_assert_eq(ring_pop_wait(&r, &v, NULL), 0);
		}
	}
	for (i = 0; i < ns; i++)
		if (sl[i] != 0)
			cr_assert_eq(test_wait_child(sl[i]), 0, "sleeper %d failed", i);
	reap_waker(waker, sig);
	cr_log_info("kind %u %s%s point %d %s: first sleeper through %.1f ms after the waker's end",
		    kind, what == DATA ? "data" : "room", use_fd ? " (descriptor)" : "", point,
		    sig == SIGKILL ? "kill" : "stop", worst * 1e3);
	ring_close(&r);
}

static void wake_dies(uint32_t kind, enum what what, int point, int sig)
{
	wake_dies_how(kind, what, point, sig, 0);
}

/*
 * Sleepers wait for data (empty ring) or room (full ring); a child closes the
 * ring and dies or stops at `point`: after the closed bit, before any wake
 * (RING_HOOK_CLOSE_SET), or after waking the consumers, before the producers
 * (RING_HOOK_CLOSE_CONS_WOKEN). Every sleeper must return -EPIPE.
 */
static void close_dies(uint32_t kind, enum what what, int point, int sig)
{
	struct ring_params p = {kind, RING_RULE_COUNT, 2, ESZ, RING_F_BLOCKING, 0, 0, 0};
	int ns = kind == RING_KIND_MPMC ? NSLEEP_MPMC : 1;
	pid_t sl[NSLEEP_MPMC], closer;
	struct ring r;
	double t0;
	int i, rc;

	cr_assert_eq(ring_create_anon(&r, &p), 0);
	if (what == ROOM)
		fill_from_child(&r);
	for (i = 0; i < ns; i++) {
		sl[i] = fork_child();
		if (sl[i] == 0) {
			uint64_t e = 0;

			rc = what == DATA ? ring_pop_wait(&r, &e, NULL) : ring_push_wait(&r, &e, NULL);
			/* DATA: the ring was empty, so -EPIPE at once. */
			_exit(rc == -EPIPE ? 0 : 10);
		}
	}
	wait_asleep(sl, ns, what == DATA ? &r.shm->wait.cons_waiters : &r.shm->wait.prod_waiters);
	closer = fork_child();
	if (closer == 0) {
		hook_signal = sig;
		hook_point = point;
		ring_close_write(&r);
		_exit(50);
	}
	wait_waker_gone(closer, sig);
	t0 = now_s();
	for (i = 0; i < ns; i++)
		cr_assert_eq(test_wait_child(sl[i]), 0, "sleeper %d did not see -EPIPE", i);
	cr_log_info("kind %u %s close point %d %s: all sleepers out %.1f ms after the closer's end",
		    kind, what == DATA ? "data" : "room", point, sig == SIGKILL ? "kill" : "stop",
		    (now_s() - t0) * 1e3);
	reap_waker(closer, sig);
	ring_close(&r);
}

#define WAKE_CASE(name, kind, what, point)                                           \
	Test(wake_kill, name##_kill, .timeout = 60) { wake_dies(kind, what, point, SIGKILL); } \
	Test(wake_kill, name##_stop, .timeout = 60) { wake_dies(kind, what, point, SIGSTOP); }

WAKE_CASE(spsc_data_published, RING_KIND_SPSC, DATA, RING_HOOK_PUBLISHED)
WAKE_CASE(spsc_data_seen, RING_KIND_SPSC, DATA, RING_HOOK_WAKE_SEEN)
WAKE_CASE(spsc_data_bumped, RING_KIND_SPSC, DATA, RING_HOOK_WAKE_BUMPED)
WAKE_CASE(spsc_room_published, RING_KIND_SPSC, ROOM, RING_HOOK_PUBLISHED)
WAKE_CASE(spsc_room_seen, RING_KIND_SPSC, ROOM, RING_HOOK_WAKE_SEEN)
WAKE_CASE(spsc_room_bumped, RING_KIND_SPSC, ROOM, RING_HOOK_WAKE_BUMPED)
WAKE_CASE(mpmc_data_published, RING_KIND_MPMC, DATA, RING_HOOK_PUBLISHED)
WAKE_CASE(mpmc_data_seen, RING_KIND_MPMC, DATA, RING_HOOK_WAKE_SEEN)
WAKE_CASE(mpmc_data_bumped, RING_KIND_MPMC, DATA, RING_HOOK_WAKE_BUMPED)
WAKE_CASE(mpmc_room_published, RING_KIND_MPMC, ROOM, RING_HOOK_PUBLISHED)
WAKE_CASE(mpmc_room_seen, RING_KIND_MPMC, ROOM, RING_HOOK_WAKE_SEEN)
WAKE_CASE(mpmc_room_bumped, RING_KIND_MPMC, ROOM, RING_HOOK_WAKE_BUMPED)

/* The same with the sleepers polling readiness descriptors: the waker also
 * dies after clearing a waiter's bit, before sending its datagram. */
#define FD_WAKE_CASE(name, kind, what, point)                                                  \
	Test(wake_kill, name##_kill, .timeout = 60) { wake_dies_how(kind, what, point, SIGKILL, 1); } \
	Test(wake_kill, name##_stop, .timeout = 60) { wake_dies_how(kind, what, point, SIGSTOP, 1); }

FD_WAKE_CASE(fd_spsc_data_published, RING_KIND_SPSC, DATA, RING_HOOK_PUBLISHED)
FD_WAKE_CASE(fd_spsc_data_cleared, RING_KIND_SPSC, DATA, RING_HOOK_FD_CLEARED)
FD_WAKE_CASE(fd_spsc_room_cleared, RING_KIND_SPSC, ROOM, RING_HOOK_FD_CLEARED)
FD_WAKE_CASE(fd_mpmc_data_published, RING_KIND_MPMC, DATA, RING_HOOK_PUBLISHED)
FD_WAKE_CASE(fd_mpmc_data_cleared, RING_KIND_MPMC, DATA, RING_HOOK_FD_CLEARED)
FD_WAKE_CASE(fd_mpmc_room_cleared, RING_KIND_MPMC, ROOM, RING_HOOK_FD_CLEARED)

/* Socket descriptors (RING_WAITFD_SOCKET): the same two windows. */
#define SOCK_WAKE_CASE(name, kind, what, point)                                                \
	Test(wake_kill, name##_kill, .timeout = 60) { wake_dies_how(kind, what, point, SIGKILL, 2); } \
	Test(wake_kill, name##_stop, .timeout = 60) { wake_dies_how(kind, what, point, SIGSTOP, 2); }

SOCK_WAKE_CASE(sock_spsc_data_cleared, RING_KIND_SPSC, DATA, RING_HOOK_FD_CLEARED)
SOCK_WAKE_CASE(sock_mpmc_room_cleared, RING_KIND_MPMC, ROOM, RING_HOOK_FD_CLEARED)

#define CLOSE_CASE(name, kind, what, point)                                          \
	Test(wake_kill, name##_kill, .timeout = 60) { close_dies(kind, what, point, SIGKILL); } \
	Test(wake_kill, name##_stop, .timeout = 60) { close_dies(kind, what, point, SIGSTOP); }

CLOSE_CASE(spsc_close_data_set, RING_KIND_SPSC, DATA, RING_HOOK_CLOSE_SET)
CLOSE_CASE(spsc_close_room_set, RING_KIND_SPSC, ROOM, RING_HOOK_CLOSE_SET)
CLOSE_CASE(spsc_close_room_cons_woken, RING_KIND_SPSC, ROOM, RING_HOOK_CLOSE_CONS_WOKEN)
CLOSE_CASE(mpmc_close_data_set, RING_KIND_MPMC, DATA, RING_HOOK_CLOSE_SET)
CLOSE_CASE(mpmc_close_room_set, RING_KIND_MPMC, ROOM, RING_HOOK_CLOSE_SET)
CLOSE_CASE(mpmc_close_room_cons_woken, RING_KIND_MPMC, ROOM, RING_HOOK_CLOSE_CONS_WOKEN)

/*
 * A sleeper killed right after counting itself (RING_HOOK_ARMED) leaves its
 * 1 in the armed count: the next push counts a wake for it (one futex_wake),
 * later pushes make none, and a live sleeper still gets its wake-ups.
 */
static void armed_sleeper_dies(uint32_t kind)
{
	struct ring_params p = {kind, RING_RULE_COUNT, 2, ESZ, RING_F_BLOCKING, 0, 0, 0};
	struct ring_wait_line *w;
	struct ring r;
	uint64_t v = 1;
	uint32_t seq0;
	pid_t c;

	cr_assert_eq(ring_create_anon(&r, &p), 0);
	w = &r.shm->wait;
	c = fork_child();
	if (c == 0) {
		hook_signal = SIGKILL;
		hook_point = RING_HOOK_ARMED;
		ring_pop_wait(&r, &v, NULL);
		_exit(50);
	}
	cr_assert_eq(test_wait_child(c), 1000 + SIGKILL);
	cr_assert_eq(ring_pvt_load(&w->cons_waiters, seq_cst), RING_WAIT_WORD(1, 0));
	seq0 = ring_pvt_load(&w->cons_seq, seq_cst);
	cr_assert_eq(ring_push(&r, &v), 0);
	cr_assert_eq(ring_pvt_load(&w->cons_seq, seq_cst), seq0 + 1, "the armed 1 asks for a wake");
	cr_assert_eq(ring_pvt_load(&w->cons_waiters, seq_cst), RING_WAIT_WORD(1, 1));
	cr_assert_eq(ring_push(&r, &v), 0);
	cr_assert_eq(ring_pvt_load(&w->cons_seq, seq_cst), seq0 + 1, "a second wake for it");
	/* A live sleeper still gets woken. */
	cr_assert_eq(ring_pop(&r, &v), 0);
	cr_assert_eq(ring_pop(&r, &v), 0);
	c = fork_child();
	if (c == 0)
		_exit(ring_pop_wait(&r, &v, NULL) == 0 ? 0 : 1);
	while (RING_WAIT_ARMED(ring_pvt_load(&w->cons_waiters, seq_cst)) < 2)
		sched_yield();
	cr_assert_eq(ring_push(&r, &v), 0);
	cr_assert_eq(test_wait_child(c), 0);
	ring_close(&r);
}

Test(wake_kill, spsc_armed_sleeper_dies, .timeout = 60) { armed_sleeper_dies(RING_KIND_SPSC); }
Test(wake_kill, mpmc_armed_sleeper_dies, .timeout = 60) { armed_sleeper_dies(RING_KIND_MPMC); }
