/* SPDX-License-Identifier: MIT */
/*
 * Blocking, timed and end-of-stream behaviour across processes: a consumer
 * asleep on an empty ring and a producer asleep on a full one are woken by the
 * other side's plain push/pop (SPSC, both rules, and MPMC); a ring created
 * without RING_F_BLOCKING refuses the waiting calls and never writes its futex
 * words; timed calls never return -ETIMEDOUT before their deadline, also under
 * a storm of signals; ring_close_write() wakes every sleeper on both sides
 * after everything pushed before it was delivered; a waiter killed in its
 * sleep strands nobody.
 *
 * Rings live in anonymous shared memory inherited across fork(). Children
 * report through their exit status (CHILD_CHECK) or a shared results page;
 * only the test process asserts. "Asleep" means: the waiter count is set and
 * the child's state in /proc is S, so a wake-up really has to come from the
 * other side.
 */
#include <criterion/criterion.h>
#include <criterion/logging.h>

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <time.h>

#include <shmring/ring.h>
#include <shmring/ring_waitfd.h>
#include <sys/socket.h>

#include "common.h"

#define ESZ 16

static struct ring_params params(uint32_t kind, uint32_t rule, uint64_t slots, uint32_t flags)
{
	struct ring_params p = {kind, rule, slots, ESZ, flags, 0, 0, 0};

	return p;
}

static void make_ring(struct ring *r, uint32_t kind, uint32_t rule, uint64_t slots,
		      uint32_t flags)
{
	struct ring_params p = params(kind, rule, slots, flags);
	int rc = ring_create_anon(r, &p);

	cr_assert_eq(rc, 0, "ring_create_anon: %s", ring_strerror(rc));
}

static void *shared_page(size_t len)
{
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);

	cr_assert_neq(p, MAP_FAILED);
	memset(p, 0, len);
	return p;
}

static uint32_t word(RING_ATOMIC(uint32_t) *w)
{
	return ring_pvt_load(w, seq_cst);
}

/*
 * Wait until every child in pids is asleep in a blocking call: `flag` (a
 * waiter word) is set and each child is in state S. Returns 0 once they are,
 * -1 if one of them ended instead. No time limit: the ctest TIMEOUT is it.
 */
static int wait_asleep(const pid_t *pids, int n, RING_ATOMIC(uint32_t) *flag)
{
	for (;;) {
		int i, all = word(flag) != 0;

		for (i = 0; i < n; i++) {
			char st = test_proc_state(pids[i]);

			if (st == 'Z' || st == 'X' || st == 0)
				return -1;
			if (st != 'S')
				all = 0;
		}
		if (all)
			return 0;
		test_pause_us(1000);
	}
}

/*
 * The n sleepers asleep with their counts armed, and stopped there: a
 * sleeper whose slice runs out leaves (its count goes) and re-arms, so
 * "asleep" alone does not say that all n are counted at one moment. Each is
 * stopped, then the word is read: stopped, none can leave. Retried while
 * one was caught between a leave and its re-arm. The caller continues or
 * kills them.
 */
static void stop_asleep(const pid_t *pids, int n, RING_ATOMIC(uint32_t) *flag)
{
	int i, tries;

	for (tries = 0;; tries++) {
		cr_assert_eq(wait_asleep(pids, n, flag), 0, "a sleeper ended");
		for (i = 0; i < n; i++) {
			cr_assert_eq(kill(pids[i], SIGSTOP), 0);
			cr_assert_eq(test_wait_stopped(pids[i]), 0, "a sleeper ended");
		}
		if (RING_WAIT_ARMED(word(flag)) == (uint32_t)n)
			return;
		cr_assert_lt(tries, 1000, "never all %d armed: word %#x", n, (unsigned)word(flag));
		for (i = 0; i < n; i++)
			cr_assert_eq(kill(pids[i], SIGCONT), 0);
	}
}

static void push_seq(struct ring *r, uint64_t seq)
{
	unsigned char e[ESZ];
	int rc;

	test_fill(e, ESZ, seq);
	rc = ring_push(r, e);
	cr_assert_eq(rc, 0, "push %llu: %s", (unsigned long long)seq, ring_strerror(rc));
}

static void pop_expect(struct ring *r, uint64_t seq)
{
	unsigned char e[ESZ];
	int rc = ring_pop(r, e);

	cr_assert_eq(rc, 0, "pop (expecting %llu): %s", (unsigned long long)seq,
		     ring_strerror(rc));
	cr_assert(test_check(e, ESZ, seq), "element %llu corrupted or out of order",
		  (unsigned long long)seq);
}

static pid_t fork_child(void)
{
	pid_t pid = fork();

	cr_assert_geq(pid, 0, "fork: %s", strerror(errno));
	if (pid == 0)
		prctl(PR_SET_PDEATHSIG, SIGKILL); /* never outlive a failed test */
	return pid;
}

/* Wait until a child sets *flag; -1 if the child ended first. */
static int wait_flag(volatile uint64_t *flag, pid_t child)
{
	while (*flag == 0) {
		char st = test_proc_state(child);

		if (st == 'Z' || st == 'X' || st == 0)
			return *flag != 0 ? 0 : -1;
		sched_yield();
	}
	return 0;
}

static void expect_exit(pid_t pid, int code, const char *what)
{
	int st = test_wait_child(pid);

	cr_assert_eq(st, code, "%s: child status %d, expected %d", what, st, code);
}

/* ---- both directions, SPSC (both rules) and MPMC ------------------------ */

static void both_directions(uint32_t kind, uint32_t rule)
{
	struct ring r;
	struct ring_wait_line *w;
	unsigned char e[ESZ];
	size_t cap;
	uint64_t i;
	pid_t c;

	make_ring(&r, kind, rule, 4, RING_F_BLOCKING);
	w = &r.shm->wait;
	cap = ring_capacity(&r);

	/* Empty: the child sleeps in ring_pop_wait, then ring_pop_burst_wait;
	 * each of the parent's plain pushes must wake it. */
	c = fork_child();
	if (c == 0) {
		unsigned char buf[4 * ESZ];

		CHILD_CHECK(ring_pop_wait(&r, e, NULL) == 0);
		CHILD_CHECK(test_check(e, ESZ, 1));
		CHILD_CHECK(ring_pop_burst_wait(&r, buf, 4, NULL) == 1);
		CHILD_CHECK(test_check(buf, ESZ, 2));
		_exit(0);
	}
	cr_assert_eq(wait_asleep(&c, 1, &w->cons_waiters), 0, "consumer never slept");
	push_seq(&r, 1);
	cr_assert_eq(wait_asleep(&c, 1, &w->cons_waiters), 0, "consumer never slept again");
	test_fill(e, ESZ, 2);
	cr_assert_eq(ring_push_burst(&r, e, 1), 1);
	expect_exit(c, 0, "blocked consumer");

	/* Full: the child sleeps in ring_push_wait, then ring_push_burst_wait;
	 * each of the parent's plain pops must wake it. */
	for (i = 0; i < cap; i++)
		push_seq(&r, 10 + i);
	cr_assert_eq(ring_push(&r, e), -EAGAIN, "ring not full after capacity pushes");
	c = fork_child();
	if (c == 0) {
		test_fill(e, ESZ, 100);
		CHILD_CHECK(ring_push_wait(&r, e, NULL) == 0);
		test_fill(e, ESZ, 101);
		CHILD_CHECK(ring_push_burst_wait(&r, e, 1, NULL) == 1);
		_exit(0);
	}
	cr_assert_eq(wait_asleep(&c, 1, &w->prod_waiters), 0, "producer never slept");
	pop_expect(&r, 10);
	cr_assert_eq(wait_asleep(&c, 1, &w->prod_waiters), 0, "producer never slept again");
	pop_expect(&r, 11);
	expect_exit(c, 0, "blocked producer");
	for (i = 2; i < cap; i++)
		pop_expect(&r, 10 + i);
	pop_expect(&r, 100);
	pop_expect(&r, 101);
	cr_assert_eq(ring_pop(&r, e), -EAGAIN);
	ring_close(&r);
}

Test(blocking, spsc_count_both_directions, .timeout = 60) { both_directions(RING_KIND_SPSC, RING_RULE_COUNT); }
Test(blocking, spsc_n1_both_directions, .timeout = 60) { both_directions(RING_KIND_SPSC, RING_RULE_N1); }
Test(blocking, spsc_seq_both_directions, .timeout = 60) { both_directions(RING_KIND_SPSC, RING_RULE_SEQ); }
Test(blocking, mpmc_both_directions, .timeout = 60) { both_directions(RING_KIND_MPMC, RING_RULE_COUNT); }

/* Several MPMC consumers asleep at once: each push wakes them all, one of
 * them takes it, the others go back to sleep; nobody is left behind. */
Test(blocking, mpmc_several_sleepers, .timeout = 60)
{
	enum { NC = 3 };
	struct ring r;
	pid_t c[NC];
	int i;

	make_ring(&r, RING_KIND_MPMC, RING_RULE_COUNT, 4, RING_F_BLOCKING);
	for (i = 0; i < NC; i++) {
		c[i] = fork_child();
		if (c[i] == 0) {
			unsigned char e[ESZ];

			CHILD_CHECK(ring_pop_wait(&r, e, NULL) == 0);
			CHILD_CHECK(test_check(e, ESZ, 7));
			_exit(0);
		}
	}
	for (i = 0; i < NC; i++) {
		int k, left = 0;

		/* Every consumer still waiting is asleep before each push. */
		pid_t waiting[NC];

		for (k = 0; k < NC; k++)
			if (test_proc_state(c[k]) != 'Z' && test_proc_state(c[k]) != 0)
				waiting[left++] = c[k];
		cr_assert_eq(left, NC - i, "%d consumers left, expected %d", left, NC - i);
		cr_assert_eq(wait_asleep(waiting, left, &r.shm->wait.cons_waiters), 0);
		push_seq(&r, 7);
		/* One of them exits; wait for that before the next round. */
		while (ring_count(&r) != 0)
			test_pause_us(1000);
		for (;;) {
			int gone = 0;

			for (k = 0; k < NC; k++)
				gone += test_proc_state(c[k]) == 'Z';
			if (gone >= i + 1)
				break;
			test_pause_us(1000);
		}
	}
	for (i = 0; i < NC; i++)
		expect_exit(c[i], 0, "MPMC consumer");
	ring_close(&r);
}

/* ---- rings without RING_F_BLOCKING -------------------------------------- */

static void not_blocking(uint32_t kind, uint32_t rule)
{
	static const unsigned char zero[sizeof(struct ring_wait_line)];
	enum { N = 2000 };
	struct ring r;
	unsigned char e[ESZ], buf[2 * ESZ];
	struct timespec dl;
	uint64_t got = 0;
	unsigned spins = 0;
	pid_t c;
	int rc;

	make_ring(&r, kind, rule, 4, 0);
	clock_gettime(CLOCK_MONOTONIC, &dl);
	cr_assert_eq(ring_push_wait(&r, e, NULL), -ENOTSUP);
	cr_assert_eq(ring_pop_wait(&r, e, NULL), -ENOTSUP);
	cr_assert_eq(ring_push_wait(&r, e, &dl), -ENOTSUP);
	cr_assert_eq(ring_pop_wait(&r, e, &dl), -ENOTSUP);
	cr_assert_eq(ring_push_timeout(&r, e, 1000), -ENOTSUP);
	cr_assert_eq(ring_pop_timeout(&r, e, 1000), -ENOTSUP);
	cr_assert_eq(ring_push_burst_wait(&r, buf, 2, NULL), -ENOTSUP);
	cr_assert_eq(ring_pop_burst_wait(&r, buf, 2, NULL), -ENOTSUP);

	/* Cross-process traffic through full and empty, then a close. */
	c = fork_child();
	if (c == 0) {
		uint64_t i;

		for (i = 0; i < N; i++) {
			test_fill(e, ESZ, i);
			while ((rc = ring_push(&r, e)) == -EAGAIN)
				test_spin_pause(&spins);
			CHILD_CHECK(rc == 0);
		}
		CHILD_CHECK(ring_push_wait(&r, e, NULL) == -ENOTSUP);
		CHILD_CHECK(ring_close_write(&r) == 0);
		_exit(0);
	}
	for (;;) {
		rc = ring_pop(&r, e);
		if (rc == -EAGAIN) {
			test_spin_pause(&spins);
			continue;
		}
		if (rc == -EPIPE)
			break;
		cr_assert_eq(rc, 0, "pop: %s", ring_strerror(rc));
		cr_assert(test_check(e, ESZ, got), "element %llu", (unsigned long long)got);
		got++;
	}
	expect_exit(c, 0, "producer");
	cr_assert_eq(got, N);
	cr_assert_eq(ring_pop_wait(&r, e, NULL), -ENOTSUP);
	cr_assert_eq(memcmp(&r.shm->wait, zero, sizeof(zero)), 0,
		     "a non-blocking ring wrote its wait line: cons_seq %u cons_waiters %u "
		     "prod_seq %u prod_waiters %u",
		     word(&r.shm->wait.cons_seq), word(&r.shm->wait.cons_waiters),
		     word(&r.shm->wait.prod_seq), word(&r.shm->wait.prod_waiters));
	ring_close(&r);
}

Test(blocking, spsc_without_flag_enotsup, .timeout = 60) { not_blocking(RING_KIND_SPSC, RING_RULE_COUNT); }
Test(blocking, spsc_n1_without_flag_enotsup, .timeout = 60) { not_blocking(RING_KIND_SPSC, RING_RULE_N1); }
Test(blocking, spsc_seq_without_flag_enotsup, .timeout = 60) { not_blocking(RING_KIND_SPSC, RING_RULE_SEQ); }
Test(blocking, mpmc_without_flag_enotsup, .timeout = 60) { not_blocking(RING_KIND_MPMC, RING_RULE_COUNT); }

/* ---- timeouts ----------------------------------------------------------- */

static int64_t ns_between(const struct timespec *a, const struct timespec *b)
{
	return (int64_t)(b->tv_sec - a->tv_sec) * 1000000000 + (b->tv_nsec - a->tv_nsec);
}

static struct timespec after_ns(uint64_t ns)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	t.tv_sec += (time_t)(ns / 1000000000u);
	t.tv_nsec += (long)(ns % 1000000000u);
	if (t.tv_nsec >= 1000000000L) {
		t.tv_sec++;
		t.tv_nsec -= 1000000000L;
	}
	return t;
}

static const uint64_t timeouts_ns[] = {0, 1, 1000, 100000, 1000000, 3000000, 20000000};
#define NTIMEOUTS (sizeof(timeouts_ns) / sizeof(timeouts_ns[0]))

/*
 * Every timed flavour on an empty (pop) and a full (push) ring: each returns
 * -ETIMEDOUT, and not before the requested time (checked against the clock
 * after the call returns; there is deliberately no upper bound). Returns the
 * first failing check's line, or 0. Runs in a child under the signal storm,
 * so it reports instead of asserting.
 */
static int check_timeouts(struct ring *empty, struct ring *full)
{
	unsigned char e[4 * ESZ];
	struct timespec t0, t1, dl;
	size_t k;

	for (k = 0; k < NTIMEOUTS; k++) {
		uint64_t to = timeouts_ns[k];

		clock_gettime(CLOCK_MONOTONIC, &t0);
		if (ring_pop_timeout(empty, e, to) != -ETIMEDOUT)
			return __LINE__;
		clock_gettime(CLOCK_MONOTONIC, &t1);
		if (ns_between(&t0, &t1) < (int64_t)to)
			return __LINE__;

		clock_gettime(CLOCK_MONOTONIC, &t0);
		if (ring_push_timeout(full, e, to) != -ETIMEDOUT)
			return __LINE__;
		clock_gettime(CLOCK_MONOTONIC, &t1);
		if (ns_between(&t0, &t1) < (int64_t)to)
			return __LINE__;

		/* Absolute deadlines: the clock has reached them on return. */
		dl = after_ns(to);
		if (ring_pop_wait(empty, e, &dl) != -ETIMEDOUT)
			return __LINE__;
		clock_gettime(CLOCK_MONOTONIC, &t1);
		if (ns_between(&dl, &t1) < 0)
			return __LINE__;

		dl = after_ns(to);
		if (ring_push_wait(full, e, &dl) != -ETIMEDOUT)
			return __LINE__;
		clock_gettime(CLOCK_MONOTONIC, &t1);
		if (ns_between(&dl, &t1) < 0)
			return __LINE__;

		dl = after_ns(to);
		if (ring_pop_burst_wait(empty, e, 4, &dl) != -ETIMEDOUT)
			return __LINE__;
		clock_gettime(CLOCK_MONOTONIC, &t1);
		if (ns_between(&dl, &t1) < 0)
			return __LINE__;

		dl = after_ns(to);
		if (ring_push_burst_wait(full, e, 4, &dl) != -ETIMEDOUT)
			return __LINE__;
		clock_gettime(CLOCK_MONOTONIC, &t1);
		if (ns_between(&dl, &t1) < 0)
			return __LINE__;
	}
	return 0;
}

static void make_empty_and_full(struct ring *empty, struct ring *full, uint32_t kind,
				uint32_t rule)
{
	unsigned char e[ESZ] = {0};

	make_ring(empty, kind, rule, 4, RING_F_BLOCKING);
	make_ring(full, kind, rule, 4, RING_F_BLOCKING);
	while (ring_push(full, e) == 0)
		;
	cr_assert_eq(ring_count(full), (ssize_t)ring_capacity(full));
}

static void timeouts_plain(uint32_t kind, uint32_t rule)
{
	struct ring empty, full;
	unsigned char e[ESZ];
	struct timespec dl;
	int line;

	make_empty_and_full(&empty, &full, kind, rule);
	line = check_timeouts(&empty, &full);
	cr_assert_eq(line, 0, "timeout check at test_blocking.c:%d failed", line);

	/* A deadline already past: -ETIMEDOUT at once... */
	dl = after_ns(0);
	dl.tv_sec -= 1;
	cr_assert_eq(ring_pop_wait(&empty, e, &dl), -ETIMEDOUT);
	dl.tv_sec = -5;
	cr_assert_eq(ring_pop_wait(&empty, e, &dl), -ETIMEDOUT);
	/* ...but an element that is there is still taken. */
	test_fill(e, ESZ, 5);
	cr_assert_eq(ring_push(&empty, e), 0);
	cr_assert_eq(ring_pop_wait(&empty, e, &dl), 0);
	cr_assert(test_check(e, ESZ, 5));
	/* Malformed deadlines are refused, not slept on. */
	dl = after_ns(0);
	dl.tv_nsec = 1000000000L;
	cr_assert_eq(ring_pop_wait(&empty, e, &dl), -EINVAL);
	dl.tv_nsec = -1;
	cr_assert_eq(ring_push_wait(&full, e, &dl), -EINVAL);
	ring_close(&empty);
	ring_close(&full);
}

Test(blocking, timeouts_never_early_spsc, .timeout = 60) { timeouts_plain(RING_KIND_SPSC, RING_RULE_COUNT); }
Test(blocking, timeouts_never_early_spsc_n1, .timeout = 60) { timeouts_plain(RING_KIND_SPSC, RING_RULE_N1); }
Test(blocking, timeouts_never_early_spsc_seq, .timeout = 60) { timeouts_plain(RING_KIND_SPSC, RING_RULE_SEQ); }
Test(blocking, timeouts_never_early_mpmc, .timeout = 60) { timeouts_plain(RING_KIND_MPMC, RING_RULE_COUNT); }

static volatile sig_atomic_t signals_seen;

static void on_sigusr1(int sig)
{
	(void)sig;
	signals_seen++;
}

/*
 * The same checks in a child that another child bombards with SIGUSR1 (a
 * handler installed without SA_RESTART, so every signal interrupts the
 * futex wait with EINTR). Then an unbounded ring_pop_wait under the storm
 * must return the element a third process pushes later, not -EINTR.
 */
static void timeouts_storm(uint32_t kind, uint32_t rule)
{
	struct ring empty, full;
	volatile uint64_t *seen;
	pid_t waiter, storm, pusher;
	int st;

	make_empty_and_full(&empty, &full, kind, rule);
	seen = shared_page(4096);
	waiter = fork_child();
	if (waiter == 0) {
		struct sigaction sa;
		unsigned char e[ESZ];
		int line, rc;

		memset(&sa, 0, sizeof(sa));
		sa.sa_handler = on_sigusr1;
		sigemptyset(&sa.sa_mask);
		sa.sa_flags = 0; /* no SA_RESTART */
		CHILD_CHECK(sigaction(SIGUSR1, &sa, NULL) == 0);
		seen[1] = 1; /* ready for the storm */
		while (signals_seen == 0)
			sched_yield();
		line = check_timeouts(&empty, &full);
		if (line != 0) {
			fprintf(stderr, "timeout check at test_blocking.c:%d failed\n", line);
			_exit(2);
		}
		seen[0] = (uint64_t)signals_seen;
		seen[2] = 1; /* now waiting for the pusher */
		rc = ring_pop_wait(&empty, e, NULL);
		CHILD_CHECK(rc == 0);
		CHILD_CHECK(test_check(e, ESZ, 42));
		seen[3] = (uint64_t)signals_seen - seen[0];
		_exit(0);
	}
	if (wait_flag(&seen[1], waiter) != 0)
		expect_exit(waiter, 0, "waiter before the storm");
	storm = fork_child();
	if (storm == 0) {
		struct timespec ts = {0, 20000};

		for (;;) {
			if (kill(waiter, SIGUSR1) != 0)
				_exit(0);
			nanosleep(&ts, NULL);
		}
	}
	if (wait_flag(&seen[2], waiter) != 0 ||
	    wait_asleep(&waiter, 1, &empty.shm->wait.cons_waiters) != 0) {
		kill(storm, SIGKILL);
		test_wait_child(storm);
		expect_exit(waiter, 0, "waiter under the signal storm");
		cr_assert_fail("waiter ended early");
	}
	pusher = fork_child();
	if (pusher == 0) {
		unsigned char e[ESZ];

		test_pause_us(50000); /* let the storm interrupt the unbounded wait */
		test_fill(e, ESZ, 42);
		CHILD_CHECK(ring_push(&empty, e) == 0);
		_exit(0);
	}
	expect_exit(pusher, 0, "pusher");
	/* Stop the storm before reaping the waiter (a reaped pid could be
	 * reused); the storm ends by SIGKILL, or by itself if the waiter is
	 * already gone. */
	kill(storm, SIGKILL);
	st = test_wait_child(storm);
	cr_assert(st == 1000 + SIGKILL || st == 0, "storm child: status %d", st);
	expect_exit(waiter, 0, "waiter under the signal storm");
	cr_assert_gt(seen[0], 0, "no signal arrived during the timed waits");
	cr_log_info("signals during timed waits: %llu, during the unbounded wait: %llu",
		    (unsigned long long)seen[0], (unsigned long long)seen[3]);
	ring_close(&empty);
	ring_close(&full);
}

Test(blocking, timeouts_signal_storm_spsc, .timeout = 60) { timeouts_storm(RING_KIND_SPSC, RING_RULE_COUNT); }
Test(blocking, timeouts_signal_storm_mpmc, .timeout = 60) { timeouts_storm(RING_KIND_MPMC, RING_RULE_COUNT); }

/* ---- close -------------------------------------------------------------- */

/* Pops until -EPIPE, recording what arrived in `log` (count first); exit 0
 * only if the stream ended with -EPIPE. */
static void consume_to_eof(struct ring *r, volatile uint64_t *log, size_t max)
{
	unsigned char e[ESZ];
	uint64_t seq;
	int rc;

	for (;;) {
		rc = ring_pop_wait(r, e, NULL);
		if (rc == -EPIPE)
			_exit(0);
		CHILD_CHECK(rc == 0);
		for (seq = 0; seq < 64 && !test_check(e, ESZ, seq); seq++)
			;
		CHILD_CHECK(seq < 64);
		CHILD_CHECK(log[0] < max);
		log[1 + log[0]] = seq;
		log[0]++;
	}
}

Test(blocking, close_wakes_spsc_consumer, .timeout = 60)
{
	static const uint32_t rules[] = {RING_RULE_COUNT, RING_RULE_N1, RING_RULE_SEQ};
	size_t k;

	for (k = 0; k < 3; k++) {
		volatile uint64_t *log = shared_page(4096);
		struct ring r;
		pid_t c;

		/* Asleep on an empty ring; close alone must wake it. */
		make_ring(&r, RING_KIND_SPSC, rules[k], 8, RING_F_BLOCKING);
		c = fork_child();
		if (c == 0)
			consume_to_eof(&r, log, 16);
		cr_assert_eq(wait_asleep(&c, 1, &r.shm->wait.cons_waiters), 0);
		cr_assert_eq(ring_close_write(&r), 0);
		expect_exit(c, 0, "consumer woken by close");
		cr_assert_eq(log[0], 0);
		ring_close(&r);

		/* Asleep; three pushes and the close follow at once: all three
		 * arrive, in order, then -EPIPE. */
		make_ring(&r, RING_KIND_SPSC, rules[k], 8, RING_F_BLOCKING);
		c = fork_child();
		if (c == 0)
			consume_to_eof(&r, log, 16);
		cr_assert_eq(wait_asleep(&c, 1, &r.shm->wait.cons_waiters), 0);
		push_seq(&r, 1);
		push_seq(&r, 2);
		push_seq(&r, 3);
		cr_assert_eq(ring_close_write(&r), 0);
		cr_assert_eq(ring_push(&r, (unsigned char[ESZ]){0}), -EPIPE);
		expect_exit(c, 0, "consumer draining after close");
		cr_assert_eq(log[0], 3);
		cr_assert(log[1] == 1 && log[2] == 2 && log[3] == 3);
		ring_close(&r);
	}
}

Test(blocking, close_wakes_all_mpmc_consumers, .timeout = 60)
{
	enum { NC = 3, MAXLOG = 32 };
	volatile uint64_t *log = shared_page(4096);
	unsigned seen_mask = 0;
	struct ring r;
	pid_t c[NC];
	int i, total = 0;
	uint64_t k;

	make_ring(&r, RING_KIND_MPMC, RING_RULE_COUNT, 8, RING_F_BLOCKING);
	for (i = 0; i < NC; i++) {
		c[i] = fork_child();
		if (c[i] == 0)
			consume_to_eof(&r, log + i * (MAXLOG + 1), MAXLOG);
	}
	/* Round 1: all asleep, six elements, everyone drains back to sleep. */
	cr_assert_eq(wait_asleep(c, NC, &r.shm->wait.cons_waiters), 0);
	for (k = 0; k < 6; k++)
		push_seq(&r, k);
	while (ring_count(&r) != 0)
		test_pause_us(1000);
	/* Round 2: all asleep again; two more and the close right behind. */
	cr_assert_eq(wait_asleep(c, NC, &r.shm->wait.cons_waiters), 0);
	push_seq(&r, 6);
	push_seq(&r, 7);
	cr_assert_eq(ring_close_write(&r), 0);
	for (i = 0; i < NC; i++)
		expect_exit(c[i], 0, "MPMC consumer woken by close");
	for (i = 0; i < NC; i++) {
		volatile uint64_t *l = log + i * (MAXLOG + 1);

		for (k = 0; k < l[0]; k++) {
			cr_assert_lt(l[1 + k], 8);
			cr_assert_eq(seen_mask & (1u << l[1 + k]), 0, "element %llu twice",
				     (unsigned long long)l[1 + k]);
			seen_mask |= 1u << l[1 + k];
			total++;
		}
	}
	cr_assert_eq(total, 8, "%d of 8 elements delivered", total);
	cr_assert_eq(ring_pop(&r, (unsigned char[ESZ]){0}), -EPIPE);
	ring_close(&r);
}

Test(blocking, close_wakes_all_mpmc_producers, .timeout = 60)
{
	enum { NP = 3, PUSHED = 0, GOT_EPIPE = 10 };
	struct ring r;
	pid_t p[NP], closer, waiting[NP];
	unsigned char e[ESZ];
	int i, n, done = -1, st;
	uint64_t k, cap;

	make_ring(&r, RING_KIND_MPMC, RING_RULE_COUNT, 4, RING_F_BLOCKING);
	cap = ring_capacity(&r);
	for (k = 0; k < cap; k++)
		push_seq(&r, k);
	for (i = 0; i < NP; i++) {
		p[i] = fork_child();
		if (p[i] == 0) {
			int rc;

			test_fill(e, ESZ, 100 + (uint64_t)i);
			rc = ring_push_wait(&r, e, NULL);
			CHILD_CHECK(rc == 0 || rc == -EPIPE);
			_exit(rc == 0 ? PUSHED : GOT_EPIPE);
		}
	}
	/* One pop lets exactly one of the three sleepers in. */
	cr_assert_eq(wait_asleep(p, NP, &r.shm->wait.prod_waiters), 0);
	pop_expect(&r, 0);
	while (done < 0) {
		for (i = 0; i < NP; i++)
			if (test_proc_state(p[i]) == 'Z')
				done = i;
		test_pause_us(1000);
	}
	expect_exit(p[done], PUSHED, "producer let in by a pop");
	for (i = 0, n = 0; i < NP; i++)
		if (i != done)
			waiting[n++] = p[i];
	/* The other two are asleep on a full ring again; another process
	 * closes it and both must see -EPIPE. */
	cr_assert_eq(wait_asleep(waiting, n, &r.shm->wait.prod_waiters), 0);
	closer = fork_child();
	if (closer == 0)
		_exit(ring_close_write(&r) == 0 ? 0 : 1);
	expect_exit(closer, 0, "closer");
	for (i = 0; i < n; i++) {
		st = test_wait_child(waiting[i]);
		cr_assert_eq(st, GOT_EPIPE, "blocked producer: status %d, expected -EPIPE", st);
	}
	for (k = 1; k < cap; k++)
		pop_expect(&r, k);
	pop_expect(&r, 100 + (uint64_t)done);
	cr_assert_eq(ring_pop(&r, e), -EPIPE);
	ring_close(&r);
}

/* ---- a waiter that died asleep ------------------------------------------ */

static void dead_waiter(uint32_t kind, uint32_t rule)
{
	enum { N = 20000 };
	struct ring r;
	struct ring_wait_line *w;
	unsigned char e[ESZ];
	uint32_t seq0;
	pid_t dead, live = -1;
	int n = 1;
	pid_t both[2];

	make_ring(&r, kind, rule, 2, RING_F_BLOCKING);
	w = &r.shm->wait;
	dead = fork_child();
	if (dead == 0) {
		ring_pop_wait(&r, e, NULL);
		_exit(3); /* must not get here: it is killed asleep */
	}
	both[0] = dead;
	if (kind == RING_KIND_MPMC) {
		/* A live sleeper alongside: the dead one must not cost it
		 * its wake-up. */
		live = fork_child();
		if (live == 0) {
			CHILD_CHECK(ring_pop_wait(&r, e, NULL) == 0);
			CHILD_CHECK(test_check(e, ESZ, 1));
			_exit(0);
		}
		both[n++] = live;
	}
	stop_asleep(both, n, &w->cons_waiters);
	kill(dead, SIGKILL);
	expect_exit(dead, 1000 + SIGKILL, "waiter killed asleep");
	cr_assert_eq(RING_WAIT_ARMED(word(&w->cons_waiters)), (uint32_t)n,
		     "the dead waiter's count is gone");
	if (live > 0)
		cr_assert_eq(kill(live, SIGCONT), 0);

	/* The next push wakes (the live MPMC sleeper gets it) and counts a
	 * wake for the dead sleeper's 1 too, so later pushes with nobody
	 * else armed make no system call: the dead sleeper's leftover costs
	 * one wake, not one per push. */
	seq0 = word(&w->cons_seq);
	push_seq(&r, 1);
	cr_assert_eq(word(&w->cons_seq), seq0 + 1);
	if (live > 0)
		expect_exit(live, 0, "live MPMC sleeper");
	else
		pop_expect(&r, 1);
	seq0 = word(&w->cons_seq);
	if (live > 0) {
		/* The live sleeper's leaving took back a wake: the next push
		 * counts one for the dead 1 (one wake), then none. */
		push_seq(&r, 2);
		pop_expect(&r, 2);
		seq0 = word(&w->cons_seq);
	}
	cr_assert_eq(RING_WAIT_ARMED(word(&w->cons_waiters)), 1, "only the dead 1 should remain");
	cr_assert_eq(RING_WAIT_WOKEN(word(&w->cons_waiters)), 1, "the dead 1 should be covered");
	push_seq(&r, 3);
	cr_assert_eq(word(&w->cons_seq), seq0, "a wake for a sleeper already covered");
	pop_expect(&r, 3);

	/* A new consumer and this producer still hand over a blocking stream. */
	live = fork_child();
	if (live == 0) {
		uint64_t i;

		for (i = 0; i < N; i++) {
			CHILD_CHECK(ring_pop_wait(&r, e, NULL) == 0);
			CHILD_CHECK(test_check(e, ESZ, i));
		}
		_exit(0);
	}
	for (uint64_t i = 0; i < N; i++) {
		test_fill(e, ESZ, i);
		cr_assert_eq(ring_push_wait(&r, e, NULL), 0);
	}
	expect_exit(live, 0, "consumer after the dead waiter");
	ring_close(&r);
}

Test(blocking, dead_waiter_spsc, .timeout = 60) { dead_waiter(RING_KIND_SPSC, RING_RULE_COUNT); }
Test(blocking, dead_waiter_spsc_n1, .timeout = 60) { dead_waiter(RING_KIND_SPSC, RING_RULE_N1); }
Test(blocking, dead_waiter_spsc_seq, .timeout = 60) { dead_waiter(RING_KIND_SPSC, RING_RULE_SEQ); }
Test(blocking, dead_waiter_mpmc, .timeout = 60) { dead_waiter(RING_KIND_MPMC, RING_RULE_COUNT); }

/*
 * Readiness descriptors under hostile words: every other entry's descriptor
 * bits set (and its tag forged), the descriptor-waiter count and the
 * waiter counts made huge. A push still returns, wakes at most one
 * descriptor per entry of the table (the handle's own max_parts), each of
 * this ring, and the real waiter still gets its wake-up (one datagram, or
 * its eventfd written once); the bits are left cleared. With its own tag
 * forged as well, the eventfd waiter gets nothing written (no descriptor
 * matches the forged id) and the push still returns.
 */
static void waitfd_hostile(uint32_t mode, int forge_own)
{
	struct ring_params p = {RING_KIND_MPMC, RING_RULE_COUNT, 8, 8, RING_F_BLOCKING, 8, 0, 0};
	struct ring r;
	struct ring_waitfd f;
	struct ring_wait_line *w;
	uint64_t v = 1, own, cnt = 0;
	uint32_t i;
	char b[8];
	int got = 0;

	cr_assert_eq(ring_create_anon(&r, &p), 0);
	cr_assert_eq(ring_join(&r, RING_ROLE_PRODUCER | RING_ROLE_CONSUMER), 0);
	cr_assert_geq(ring_waitfd_open(&f, &r, RING_WAITFD_DATA | mode), 0);
	cr_assert_eq(ring_waitfd_arm(&f), 0);
	w = &r.shm->wait;
	own = ring_pvt_load(&r.part->op[RING_PART_OP_WAITFD], relaxed);
	cr_assert_eq(!!(own & RING_WAITFD_BIT_EFD), mode == 0, "descriptor kind (op word %#llx)",
		     (unsigned long long)own);
	for (i = 0; i < r.max_parts; i++)
		if (i != r.part_idx || forge_own)
			ring_pvt_store(&r.parts[i].op[RING_PART_OP_WAITFD], UINT64_MAX, relaxed);
	ring_pvt_store(&w->cons_fdw, UINT32_MAX, relaxed);
	ring_pvt_store(&w->cons_waiters, RING_WAIT_WORD(RING_WAIT_MAX, 0), relaxed);
	cr_assert_eq(ring_push(&r, &v), 0);
	cr_assert_eq(ring_push(&r, &v), 0);
	for (i = 0; i < r.max_parts; i++)
		cr_assert_eq(ring_pvt_load(&r.parts[i].op[RING_PART_OP_WAITFD], relaxed) &
				     (RING_WAITFD_BIT_DATA),
			     0, "entry %u still armed", i);
	if (mode == RING_WAITFD_SOCKET) {
		while (recv(f.fd, b, sizeof(b), MSG_DONTWAIT) == 1)
			got++;
		cr_assert_eq(got, 1, "one datagram for our arming, got %d", got);
	} else if (read(f.fd, &cnt, sizeof(cnt)) != (ssize_t)sizeof(cnt)) {
		cnt = 0;
	}
	if (mode == 0)
		cr_assert_eq(cnt, forge_own ? 0u : 1u, "eventfd written %llu times",
			     (unsigned long long)cnt);
	if (forge_own)
		ring_pvt_store(&r.part->op[RING_PART_OP_WAITFD], own & ~(uint64_t)RING_WAITFD_BIT_DATA,
			       relaxed);
	cr_assert_eq(ring_waitfd_consume(&f), 0);
	cr_assert_eq(ring_waitfd_arm(&f), 1, "data is there");
	cr_assert_eq(ring_waitfd_close(&f), 0);
	ring_close(&r);
}

Test(blocking, waitfd_hostile_words, .timeout = 60) { waitfd_hostile(0, 0); }
Test(blocking, waitfd_hostile_own_tag, .timeout = 60) { waitfd_hostile(0, 1); }
Test(blocking, waitfd_socket_hostile_words, .timeout = 60)
{
	waitfd_hostile(RING_WAITFD_SOCKET, 0);
}

/*
 * A readiness-descriptor waiter killed while armed (its eventfd published,
 * its bit set), after a waker took a copy of its eventfd: the next push
 * clears the bit and writes that copy once; later pushes never write it
 * again, and a live descriptor waiter armed afterwards gets its own wake-up.
 */
static uint64_t efd_count_by_id(uint32_t id, int *found)
{
	char path[64], buf[512], *p;
	uint64_t cnt = 0;
	int fd, f;
	ssize_t n;

	*found = 0;
	for (fd = 0; fd < 1024; fd++) {
		snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
		f = open(path, O_RDONLY | O_CLOEXEC);
		if (f < 0)
			continue;
		n = read(f, buf, sizeof(buf) - 1);
		close(f);
		if (n <= 0)
			continue;
		buf[n] = '\0';
		p = strstr(buf, "\neventfd-id:");
		if (p == NULL || strtoull(p + 12, NULL, 10) != id)
			continue;
		p = strstr(buf, "eventfd-count:");
		if (p != NULL) {
			/* Printed in hex by some kernels, decimal by others:
			 * only 0 and 1 matter here, the same in both. */
			cnt = strtoull(p + 14, NULL, 16);
			*found = 1;
		}
	}
	return cnt;
}

Test(blocking, waitfd_dead_waiter, .timeout = 60)
{
	struct ring_params p = {RING_KIND_MPMC, RING_RULE_COUNT, 8, 8, RING_F_BLOCKING, 8, 0, 0};
	struct ring r;
	struct ring_waitfd f, mine;
	RING_ATOMIC(uint64_t) *w = NULL;
	uint64_t v = 7, tag = 0, got = 0, c0, c1 = 0;
	uint32_t i;
	pid_t child;
	int found, k;

	volatile uint64_t *rearmed = shared_page(4096);
	struct pollfd pfd;

	cr_assert_eq(ring_create_anon(&r, &p), 0);
	child = fork_child();
	if (child == 0) {
		if (ring_waitfd_open(&f, &r, RING_WAITFD_DATA) < 0 || ring_waitfd_arm(&f) < 0)
			_exit(1);
		/* Woken once by the parent's first push (which takes the copy).
		 * rearmed[1] tells the parent that the next sleep is the poll:
		 * a push that lands while the arm still runs its barrier and
		 * re-check is seen by that re-check, which then disarms, and
		 * the push's wake finds no waiter (no copy taken). */
		while (ring_pop(&r, &v) != 0) {
			pfd.fd = f.fd;
			pfd.events = POLLIN;
			rearmed[1] = 1;
			/* Not ring_waitfd_timeout_ms(): a poll that timed out
			 * would disarm and re-arm, and a push in between would
			 * find no waiter to take a copy for. The parent's push
			 * wakes it; 20 s only so that a copy never taken ends
			 * in the parent's assertion, not the test's timeout. */
			(void)poll(&pfd, 1, 20000);
			rearmed[1] = 0;
			ring_waitfd_consume(&f);
			if (ring_pop(&r, &v) == 0)
				break;
			if (ring_waitfd_arm(&f) < 0)
				_exit(2);
		}
		/* The first arm may still be on (the pop won before any poll):
		 * consume, then arm afresh. */
		ring_waitfd_consume(&f);
		if (ring_waitfd_arm(&f) != 0)
			_exit(3);
		*rearmed = 1;
		for (;;)
			pause(); /* killed while armed */
	}
	cr_assert_eq(ring_join(&r, RING_ROLE_PRODUCER | RING_ROLE_CONSUMER), 0);
	/* The child's entry: armed for data, with an eventfd published. */
	while (w == NULL && test_proc_state(child) != 'Z') {
		for (i = 0; i < r.max_parts; i++) {
			uint64_t x = ring_pvt_load(&r.parts[i].op[RING_PART_OP_WAITFD], acquire);

			/* Counted too, so that the push below wakes it. */
			if (i != r.part_idx && (x & RING_WAITFD_BIT_DATA) && (x & RING_WAITFD_BIT_EFD) &&
			    RING_WAIT_ARMED(ring_pvt_load(&r.shm->wait.cons_waiters, acquire)) >= 1) {
				w = &r.parts[i].op[RING_PART_OP_WAITFD];
				tag = x;
			}
		}
		sched_yield();
	}
	cr_assert_neq(w, NULL, "the child never armed");
	/* Asleep in its poll (see the child), so that this push's wake is
	 * what wakes it. */
	while (!rearmed[1] || test_proc_state(child) != 'S')
		if (test_proc_state(child) == 'Z')
			cr_assert_fail("the child exited: status %d", test_wait_child(child));
		else
			sched_yield();
	cr_assert_eq(ring_push(&r, &v), 0);
	if (wait_flag(rearmed, child) != 0) {
		kill(child, SIGKILL);
		cr_assert_fail("the child did not re-arm: status %d", test_wait_child(child));
	}
	cr_assert_eq(ring_pvt_load(w, relaxed) & RING_WAITFD_BIT_DATA, RING_WAITFD_BIT_DATA,
		     "not re-armed: op word %#llx (was %#llx)", (unsigned long long)ring_pvt_load(w, relaxed),
		     (unsigned long long)tag);
	kill(child, SIGKILL);
	cr_assert_eq(test_wait_child(child), 1000 + SIGKILL);
	/* The first push took the copy and wrote it (the child may have read
	 * that write, or consumed before it landed: 0 or 1 left). */
	c0 = efd_count_by_id(RING_WAITFD_TAG_ID(tag), &found);
	cr_assert(found, "no copy of the dead waiter's eventfd taken");
	cr_assert_leq(c0, 1u);
	cr_assert_eq(ring_push(&r, &v), 0);
	cr_assert_eq(ring_pvt_load(w, relaxed) & RING_WAITFD_BIT_DATA, 0, "dead waiter's bit left");
	got = efd_count_by_id(RING_WAITFD_TAG_ID(tag), &found);
	cr_assert_eq(got, c0 + 1, "copy written %llu times after death (op %#llx, waiters %#x)",
		     (unsigned long long)(got - c0), (unsigned long long)ring_pvt_load(w, relaxed),
		     (unsigned)ring_pvt_load(&r.shm->wait.cons_waiters, relaxed));
	for (k = 0; k < 100; k++) {
		cr_assert_eq(ring_pop(&r, &v), 0);
		cr_assert_eq(ring_push(&r, &v), 0);
	}
	cr_assert_eq(ring_pop(&r, &v), 0);
	/* Never written again (the copy may have been dropped: its cache
	 * slot reused, the dead entry freed). */
	got = efd_count_by_id(RING_WAITFD_TAG_ID(tag), &found);
	cr_assert(!found || got == c0 + 1, "written again: %llu", (unsigned long long)got);
	/* A live waiter armed now is woken by the next push. */
	cr_assert_geq(ring_waitfd_open(&mine, &r, RING_WAITFD_DATA), 0);
	cr_assert_eq(ring_waitfd_arm(&mine), 0);
	cr_assert_eq(ring_push(&r, &v), 0);
	cr_assert_eq(read(mine.fd, &c1, sizeof(c1)), (ssize_t)sizeof(c1), "live waiter not woken");
	cr_assert_eq(c1, 1u);
	/* Never written again (the copy may have been dropped: its cache
	 * slot reused, the dead entry freed). */
	got = efd_count_by_id(RING_WAITFD_TAG_ID(tag), &found);
	cr_assert(!found || got == c0 + 1, "written again: %llu", (unsigned long long)got);
	cr_assert_eq(ring_waitfd_consume(&mine), 0);
	cr_assert_eq(ring_waitfd_close(&mine), 0);
	ring_close(&r);
}

/*
 * A waker that may not take a copy of the waiter's eventfd: the producer
 * runs as another user (uid 65534), so pidfd_getfd(2) is refused
 * (PTRACE_MODE_ATTACH_REALCREDS) and the waker sends nothing. The waiter
 * still gets every element, one timeout at a time, and its descriptor is
 * never made readable. With RING_WAITFD_SOCKET, the mode ring_waitfd.h
 * gives for peers of different users, the same producer reaches it. Each
 * push is made while the consumer sleeps in its poll (flag and state S),
 * then waits for that element's receipt.
 */
static void waitfd_other_user_waker(uint32_t opt)
{
	struct ring_params p = {RING_KIND_SPSC, RING_RULE_COUNT, 64, 8, RING_F_BLOCKING, 0, 0, 0};
	volatile uint64_t *sh;
	struct ring r;
	struct ring_waitfd f;
	struct pollfd pfd;
	uint64_t v, want = 0;
	int readable = 0, rc;
	pid_t child;

	if (geteuid() != 0)
		cr_skip_test("needs root, to run the producer as another user");
	sh = shared_page(4096);
	cr_assert_eq(ring_create_anon(&r, &p), 0);
	child = fork_child();
	if (child == 0) {
		pid_t parent = getppid();

		if (setgid(65534) != 0 || setuid(65534) != 0)
			_exit(10);
		/* A change of credentials clears the parent-death signal. */
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (getppid() != parent)
			_exit(11);
		if (ring_join(&r, RING_ROLE_PRODUCER) != 0)
			_exit(12);
		for (v = 0; v < 20; v++) {
			while (sh[0] == 0 || test_proc_state(parent) != 'S')
				sched_yield();
			if (ring_push(&r, &v) != 0)
				_exit(13);
			while (sh[1] != v + 1)
				sched_yield();
		}
		_exit(0);
	}
	cr_assert_eq(ring_join(&r, RING_ROLE_CONSUMER), 0);
	cr_assert_geq(ring_waitfd_open(&f, &r, RING_WAITFD_DATA | opt), 0);
	while (want < 20) {
		rc = ring_pop(&r, &v);
		if (rc == 0) {
			cr_assert_eq(v, want, "got %llu, expected %llu", (unsigned long long)v,
				     (unsigned long long)want);
			sh[1] = ++want;
			continue;
		}
		cr_assert_eq(rc, -EAGAIN, "pop: %s", ring_strerror(rc));
		rc = ring_waitfd_arm(&f);
		cr_assert_geq(rc, 0, "arm: %s", ring_strerror(rc));
		if (rc == 1)
			continue;
		pfd.fd = f.fd;
		pfd.events = POLLIN;
		sh[0] = 1;
		rc = poll(&pfd, 1, ring_waitfd_timeout_ms(&f));
		sh[0] = 0;
		cr_assert_geq(rc, 0, "poll: %s", strerror(errno));
		readable += rc > 0;
		cr_assert_eq(ring_waitfd_consume(&f), 0);
	}
	expect_exit(child, 0, "producer as another user");
	if (opt & RING_WAITFD_SOCKET)
		cr_assert_gt(readable, 0, "no datagram from the other user's producer");
	else
		cr_assert_eq(readable, 0, "eventfd made readable %d times by a waker refused its copy",
			     readable);
	cr_assert_eq(ring_waitfd_close(&f), 0);
	ring_close(&r);
}

Test(blocking, waitfd_waker_refused_copy, .timeout = 60)
{
	waitfd_other_user_waker(0);
}

Test(blocking, waitfd_socket_other_user, .timeout = 60)
{
	waitfd_other_user_waker(RING_WAITFD_SOCKET);
}
