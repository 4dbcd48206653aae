/* SPDX-License-Identifier: MIT */
/*
 * Regression tests for defects a hostile peer or a race exposes, each
 * written so that the defect makes it fail deterministically or, for the
 * races, with near certainty within the run (never judged by time):
 * - n-1 rule indices out of range (head or tail >= n, with or without the
 *   closed bit) are -EUCLEAN on every call, never a slot address;
 * - an MPMC bulk pop after the close waits (-EAGAIN) while a claimed
 *   position below tail is still being written, and -EPIPE only when fewer
 *   than asked can ever arrive;
 * - MPMC's bounded retries end in -EBUSY, distinct from full/empty, and the
 *   blocking calls retry on it rather than sleep until a wake that may never
 *   come;
 * - ring_count under a consumer that keeps moving: always a possible count;
 * - ring_close_write racing pushes from another process: the tail never goes
 *   backwards (every push that succeeded is delivered, then -EPIPE).
 */
#include <criterion/criterion.h>

#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <time.h>
#include <unistd.h>

#include <shmring/ring.h>

#include "common.h"

#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/asan_interface.h>
#define RING_TEST_POISON(p, len) ASAN_POISON_MEMORY_REGION((p), (len))
#define RING_TEST_UNPOISON(p, len) ASAN_UNPOISON_MEMORY_REGION((p), (len))
#else
#define RING_TEST_POISON(p, len) ((void)(p), (void)(len))
#define RING_TEST_UNPOISON(p, len) ((void)(p), (void)(len))
#endif
#include "cr_ring.h"

static struct ring_params params(uint32_t kind, uint32_t rule, uint64_t slots, uint64_t esz,
				 uint32_t flags)
{
	struct ring_params p = {kind, rule, slots, esz, flags, 0, 0, 0};

	return p;
}

/* A forked child dies with its parent, so a failed assertion in the parent
 * never leaves it running. Returns 0 in the child. */
static pid_t fork_child(void)
{
	pid_t parent = getpid();
	pid_t pid = fork();

	cr_assert_geq(pid, 0, "fork: %s", strerror(errno));
	if (pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (getppid() != parent)
			_exit(99);
	}
	return pid;
}

/* A MAP_SHARED anonymous region of len bytes, seen by forked children. */
static void *shared_region(size_t len)
{
	void *m = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);

	cr_assert_neq(m, MAP_FAILED);
	return m;
}

/* ---- n-1 rule: indices out of range --------------------------------------- */

#define EXPECT_EUCLEAN(call, what, v)                                                      \
	do {                                                                               \
		ssize_t rc_ = (call);                                                      \
		cr_assert_eq(rc_, -EUCLEAN, "%s with %s %#llx: got %zd (%s)", #call, what, \
			     (unsigned long long)(v), rc_, ring_strerror((int)rc_));       \
	} while (0)

/*
 * Each hostile value is written into a fresh ring holding a few elements,
 * and the side that reads it attaches afresh (its cache then forces the read).
 * The consumer's own head out of range, the producer's own tail out of range
 * (closed or not), and the other side's index out of range are all -EUCLEAN,
 * for single, burst and bulk calls and for ring_count; the hostile word is
 * left as it was, and the ring works again once it is repaired.
 */
static void n1_hostile(uint64_t n, uint64_t esz)
{
	const uint64_t bad[] = {n,
				n + 1,
				2 * n,
				2 * n + 2,
				UINT64_MAX,
				UINT64_MAX >> 1,
				RING_CLOSED_BIT | n,
				RING_CLOSED_BIT | (n + 5),
				RING_CLOSED_BIT - 1};
	struct ring_params p = params(RING_KIND_SPSC, RING_RULE_N1, n, esz, 0);
	unsigned char *buf = calloc(n, esz);
	size_t i, len, k = n - 1 < 3 ? (size_t)n - 1 : 3;

	cr_assert_not_null(buf);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		uint64_t v = bad[i];
		struct ring maker, c, prod;
		void *mem = mem_ring(&maker, &p, &len);

		cr_assert_eq(ring_push_burst(&maker, buf, k), (ssize_t)k);
		/* The consumer's own index. */
		ring_pvt_store(&maker.shm->cons.head, v, relaxed);
		cr_assert_eq(ring_attach_mem(&c, mem, len, RING_KIND_SPSC), 0);
		EXPECT_EUCLEAN(ring_pop(&c, buf), "head", v);
		EXPECT_EUCLEAN(ring_pop_burst(&c, buf, n), "head", v);
		EXPECT_EUCLEAN(ring_pop_bulk(&c, buf, k), "head", v);
		EXPECT_EUCLEAN(ring_count(&c), "head", v);
		/* ... which is also the producer's view of the other side. */
		cr_assert_eq(ring_attach_mem(&prod, mem, len, RING_KIND_SPSC), 0);
		EXPECT_EUCLEAN(ring_push(&prod, buf), "head", v);
		EXPECT_EUCLEAN(ring_push_bulk(&prod, buf, k), "head", v);
		cr_assert_eq(ring_pvt_load(&maker.shm->cons.head, relaxed), v);
		ring_pvt_store(&maker.shm->cons.head, 0, relaxed);
		cr_assert_eq(ring_count(&c), (ssize_t)k);

		/* The producer's own index. */
		ring_pvt_store(&maker.shm->prod.tail, v, relaxed);
		cr_assert_eq(ring_attach_mem(&prod, mem, len, RING_KIND_SPSC), 0);
		EXPECT_EUCLEAN(ring_push(&prod, buf), "tail", v);
		EXPECT_EUCLEAN(ring_push_burst(&prod, buf, 2), "tail", v);
		EXPECT_EUCLEAN(ring_push_bulk(&prod, buf, k), "tail", v);
		EXPECT_EUCLEAN(ring_count(&prod), "tail", v);
		/* ... and the consumer's view of the other side. */
		cr_assert_eq(ring_attach_mem(&c, mem, len, RING_KIND_SPSC), 0);
		EXPECT_EUCLEAN(ring_pop(&c, buf), "tail", v);
		EXPECT_EUCLEAN(ring_pop_burst(&c, buf, n), "tail", v);
		cr_assert_eq(ring_pvt_load(&maker.shm->prod.tail, relaxed), v);
		cr_assert_eq(ring_pvt_load(&maker.shm->cons.head, relaxed), 0);

		/* Repaired, it works. */
		ring_pvt_store(&maker.shm->prod.tail, k, relaxed);
		cr_assert_eq(ring_attach_mem(&c, mem, len, RING_KIND_SPSC), 0);
		cr_assert_eq(ring_pop_burst(&c, buf, n), (ssize_t)k);
		cr_assert_eq(ring_push(&prod, buf), 0);
		cr_assert_eq(ring_pop(&c, buf), 0);
		ring_close(&c);
		ring_close(&prod);
		ring_close(&maker);
		free(mem);
	}
	free(buf);
}

Test(hostile, n1_indices_out_of_range_pow2) { n1_hostile(8, 8); }
Test(hostile, n1_indices_out_of_range_odd) { n1_hostile(5, 24); }
Test(hostile, n1_indices_out_of_range_two_slots) { n1_hostile(2, 1); }

/*
 * n-1 rule, power-of-two n (the inline FAST flavours, shared with the count
 * rule): a consumer in mid-stream whose tail turns into a value >= n that is
 * still within capacity of its head. The inline refresh may take it (its
 * pops then read slots pos & mask: garbage, in bounds). The slot array is
 * followed by the rest of the ring's memory, where a read past it would go
 * unseen: under ASan that rest is poisoned while the pops run, so any
 * access to it fails the test.
 *
 * Fixed: the tail stays put; the consumer gets -EUCLEAN within n pops, and
 * the producer, which then sees a head >= n, within n pushes.
 * Moving (`hostile` 1): before each call the tail is set again to the
 * consumer's position + n - 1, and every pop call (single, burst, bulk,
 * ring_pop_mpmc, which enter the n-1 code out of line) must stay in bounds
 * and end in -EUCLEAN or garbage, never an access past the slots.
 */
static void n1_fast_tail_past_n(uint64_t esz, int moving)
{
	const uint64_t n = 8;
	struct ring_params p = params(RING_KIND_SPSC, RING_RULE_N1, n, esz, 0);
	ssize_t len = ring_memsize(&p);
	unsigned char *one = malloc(esz), *many = malloc(n * esz), *mem;
	struct ring prod, c;
	int i, rc = 0;
	size_t after_slots;
	ssize_t got;

	cr_assert_gt(len, 0);
	mem = malloc((size_t)len);
	cr_assert(one != NULL && many != NULL && mem != NULL);
	memset(one, 0, esz);
	memset(many, 0, n * esz);
	cr_assert_eq(ring_init_mem(&prod, mem, (size_t)len, &p), 0);
	cr_assert_eq(ring_attach_mem(&c, mem, (size_t)len, RING_KIND_SPSC), 0);
	for (i = 0; i < 5; i++)
		cr_assert_eq(ring_push(&prod, one), 0);
	for (i = 0; i < 5; i++)
		cr_assert_eq(ring_pop(&c, one), 0);
	cr_assert_leq(c.slots + n * esz, mem + len);
	after_slots = (size_t)(mem + len - (c.slots + n * esz));
	RING_TEST_POISON(c.slots + n * esz, after_slots);
	if (!moving) {
		/* head 5: tails 8..12 are >= n but at most cap (7) ahead. */
		ring_pvt_store(&prod.shm->prod.tail, n + 4, relaxed);
		for (i = 0; i <= (int)n && (rc = ring_pop(&c, one)) == 0; i++)
			;
		cr_assert_eq(rc, -EUCLEAN, "pop after %d: %s", i, ring_strerror(rc));
		for (i = 0; i <= (int)n && (rc = ring_push(&prod, one)) == 0; i++)
			;
		cr_assert_eq(rc, -EUCLEAN, "push after %d: %s", i, ring_strerror(rc));
	} else {
		for (i = 0; i < 200; i++) {
			uint64_t h = c.cons_pos;

			ring_pvt_store(&prod.shm->prod.tail, h + n - 1, relaxed);
			switch (i % 4) {
			case 0: got = ring_pop(&c, one); break;
			case 1: got = ring_pop_burst(&c, many, n - 2); break;
			case 2: got = ring_pop_bulk(&c, many, 2); break;
			default: got = ring_pop_mpmc(&c, one); break;
			}
			cr_assert(got >= 0 || got == -EUCLEAN || got == -EAGAIN, "call %d: %s", i,
				  ring_strerror((int)got));
		}
	}
	RING_TEST_UNPOISON(c.slots + n * esz, after_slots);
	ring_close(&c);
	ring_close(&prod);
	free(mem);
	free(many);
	free(one);
}

Test(hostile, n1_fast_tail_past_n_8) { n1_fast_tail_past_n(8, 0); }
Test(hostile, n1_fast_tail_past_n_64) { n1_fast_tail_past_n(64, 0); }
Test(hostile, n1_fast_tail_moving_past_n_8) { n1_fast_tail_past_n(8, 1); }
Test(hostile, n1_fast_tail_moving_past_n_64) { n1_fast_tail_past_n(64, 1); }

/* ---- MPMC: bulk pop after a close, a claimed slot still being written ----- */

static RING_ATOMIC(uint64_t) *seq_word(const struct ring *r, uint64_t pos)
{
	return &ring_pvt_mpmc_slot(r, pos)->seq;
}

/*
 * Three elements published, position 3 claimed (tail 4) but not yet written,
 * then the close. A bulk pop of 4 must wait: all 4 can still arrive. A bulk
 * pop of 5 can never be served: -EPIPE. Once 3 is published, 4 come out in
 * order, then the end of the stream.
 */
Test(hostile, mpmc_bulk_pop_after_close_waits_for_claimed)
{
	struct ring_params p = params(RING_KIND_MPMC, RING_RULE_COUNT, 8, 8, 0);
	uint64_t v, out[8], i;
	struct ring r;
	size_t len;
	void *mem = mem_ring(&r, &p, &len);

	for (v = 0; v < 3; v++)
		cr_assert_eq(ring_push(&r, &v), 0);
	ring_pvt_store(&r.shm->prod.tail, 4, relaxed); /* claims 3, writes nothing */
	cr_assert_eq(ring_close_write(&r), 0);
	cr_assert_eq(ring_pop_bulk(&r, out, 4), -EAGAIN, "4 may still arrive");
	cr_assert_eq(ring_pop_bulk(&r, out, 5), -EPIPE, "only 4 can ever arrive");
	cr_assert_eq(ring_count(&r), 4);
	v = 3;
	memcpy(ring_pvt_mpmc_payload(ring_pvt_mpmc_slot(&r, 3)), &v, 8);
	ring_pvt_store(seq_word(&r, 3), RING_MPMC_FULL(3), release);
	cr_assert_eq(ring_pop_bulk(&r, out, 4), 4);
	for (i = 0; i < 4; i++)
		cr_assert_eq(out[i], i);
	cr_assert_eq(ring_pop_bulk(&r, out, 1), -EPIPE);
	cr_assert_eq(ring_pop(&r, out), -EPIPE);
	ring_close(&r);
	free(mem);
}

/* The same with the claimed slot in the middle of what a bulk pop asks for,
 * and positions far from zero. */
Test(hostile, mpmc_bulk_pop_after_close_claimed_inside)
{
	struct ring_params p = params(RING_KIND_MPMC, RING_RULE_COUNT, 4, 8, 0);
	const uint64_t base = UINT64_C(1) << 40;
	uint64_t v, out[4], i;
	struct ring r;
	size_t len;
	void *mem = mem_ring(&r, &p, &len);

	ring_pvt_store(&r.shm->prod.tail, base, relaxed);
	ring_pvt_store(&r.shm->cons.head, base, relaxed);
	for (i = 0; i < 4; i++)
		ring_pvt_store(seq_word(&r, base + i), RING_MPMC_FREE(base + i), relaxed);
	v = base;
	cr_assert_eq(ring_push(&r, &v), 0);
	ring_pvt_store(&r.shm->prod.tail, base + 2, relaxed); /* claims base + 1 */
	v = base + 2;
	cr_assert_eq(ring_push(&r, &v), 0);
	cr_assert_eq(ring_close_write(&r), 0);
	cr_assert_eq(ring_pop_bulk(&r, out, 3), -EAGAIN);
	cr_assert_eq(ring_pop_bulk(&r, out, 2), -EAGAIN);
	cr_assert_eq(ring_pop_bulk(&r, out, 4), -EPIPE);
	v = base + 1;
	memcpy(ring_pvt_mpmc_payload(ring_pvt_mpmc_slot(&r, base + 1)), &v, 8);
	ring_pvt_store(seq_word(&r, base + 1), RING_MPMC_FULL(base + 1), release);
	cr_assert_eq(ring_pop_bulk(&r, out, 3), 3);
	for (i = 0; i < 3; i++)
		cr_assert_eq(out[i], base + i);
	cr_assert_eq(ring_pop_burst(&r, out, 4), -EPIPE);
	ring_close(&r);
	free(mem);
}

/* ---- MPMC: -EBUSY ----------------------------------------------------------- */

/*
 * A slot word from a later lap at the position a call starts from makes every
 * try find its position stale: the bounded retries end in -EBUSY, not in
 * -EAGAIN (the ring is neither full nor empty). A full or empty ring is still
 * -EAGAIN.
 */
Test(hostile, mpmc_lost_retries_are_ebusy)
{
	struct ring_params p = params(RING_KIND_MPMC, RING_RULE_COUNT, 4, 8, 0);
	uint64_t v = 1, out[4];
	struct ring r;
	size_t len;
	void *mem = mem_ring(&r, &p, &len);

	cr_assert_eq(ring_pop(&r, &v), -EAGAIN); /* empty */
	/* Producers at 0 find a word two laps on. */
	ring_pvt_store(seq_word(&r, 0), RING_MPMC_FREE(8), relaxed);
	cr_assert_eq(ring_push(&r, &v), -EBUSY);
	cr_assert_eq(ring_push_burst(&r, out, 4), -EBUSY);
	cr_assert_eq(ring_push_bulk(&r, out, 2), -EBUSY);
	cr_assert_str_neq(ring_strerror(-EBUSY), "unknown error");
	ring_pvt_store(seq_word(&r, 0), RING_MPMC_FREE(0), relaxed);
	cr_assert_eq(ring_push(&r, &v), 0);
	/* Consumers at 0 find a word of a later lap. */
	ring_pvt_store(seq_word(&r, 0), RING_MPMC_FULL(4), relaxed);
	cr_assert_eq(ring_pop(&r, &v), -EBUSY);
	cr_assert_eq(ring_pop_burst(&r, out, 4), -EBUSY);
	cr_assert_eq(ring_pop_bulk(&r, out, 1), -EBUSY);
	ring_pvt_store(seq_word(&r, 0), RING_MPMC_FULL(0), relaxed);
	cr_assert_eq(ring_pop(&r, &v), 0);
	cr_assert_eq(v, 1);
	/* Full is still -EAGAIN. */
	for (v = 0; v < 4; v++)
		cr_assert_eq(ring_push(&r, &v), 0);
	cr_assert_eq(ring_push(&r, &v), -EAGAIN);
	ring_close(&r);
	free(mem);
}

/*
 * The blocking calls retry on -EBUSY instead of sleeping: here the word that
 * makes every try stale is repaired by another process that wakes nobody, as
 * when the element a waiter raced for was published while it was still
 * losing races. A wait that slept on -EBUSY as on -EAGAIN would sleep for
 * ever (no deadline here: the test's timeout fails it); one that retries gets
 * the room. With the word left hostile, a timed wait ends with -ETIMEDOUT,
 * never -EBUSY.
 */
Test(hostile, mpmc_wait_retries_on_ebusy, .timeout = 30)
{
	struct ring_params p = params(RING_KIND_MPMC, RING_RULE_COUNT, 4, 8, RING_F_BLOCKING);
	size_t len = (size_t)ring_memsize(&p);
	void *mem = shared_region(len);
	struct ring r;
	uint64_t v = 5;
	pid_t pid;
	int st;

	cr_assert_eq(ring_init_mem(&r, mem, len, &p), 0);
	ring_pvt_store(seq_word(&r, 0), RING_MPMC_FREE(8), relaxed);
	cr_assert_eq(ring_push_timeout(&r, &v, 1000000), -ETIMEDOUT);
	ring_pvt_store(&r.shm->wait.prod_waiters, 0, relaxed);
	pid = fork_child();
	if (pid == 0) {
		struct timespec nap = {0, 20 * 1000 * 1000};
		unsigned sp = 0;

		/* Once the waiter has armed its flag (it is past its spin and
		 * about to sleep, or retrying), and a little later: */
		while (ring_pvt_load(&r.shm->wait.prod_waiters, acquire) == 0)
			test_spin_pause(&sp);
		nanosleep(&nap, NULL);
		/* repaired without a wake: the waiter must find it itself. */
		ring_pvt_store(seq_word(&r, 0), RING_MPMC_FREE(0), release);
		_exit(0);
	}
	cr_assert_eq(ring_push_wait(&r, &v, NULL), 0);
	st = test_wait_child(pid);
	cr_assert_eq(st, 0);
	v = 0;
	cr_assert_eq(ring_pop(&r, &v), 0);
	cr_assert_eq(v, 5);
	ring_close(&r);
	munmap(mem, len);
}

/* ---- ring_count while the head moves -------------------------------------- */

/*
 * A child pushes one element and pops it, over and over, so the ring holds 0
 * or 1 elements at every instant while head and tail both keep moving. Every
 * ring_count in the parent must say 0 or 1: a snapshot that paired a tail with
 * a head read after it (once the consumer passed that tail) would say
 * -EUCLEAN. Count rule only: when the head moves through every one of
 * ring_count's bounded tries (it does, under a sanitizer's slowdown), the
 * count rule's fallback is still 0 or 1 here, but the n-1 rule cannot tell a
 * head that passed the tail from a full ring (ring_ops.c); the signal test
 * below covers the n-1 rule's snapshot.
 */
static void count_under_motion(uint32_t kind, uint32_t rule, uint64_t n)
{
	struct ring_params p = params(kind, rule, n, 8, 0);
	size_t len = (size_t)ring_memsize(&p);
	unsigned char *mem = shared_region(len + 64);
	atomic_int *stop = (atomic_int *)(void *)(mem + len);
	atomic_ullong *moves = (atomic_ullong *)(void *)(mem + len + 8);
	long bad = 0, i;
	ssize_t rc, last = 0;
	struct ring r;
	pid_t pid;
	int st;

	cr_assert_eq(ring_init_mem(&r, mem, len, &p), 0);
	atomic_store(stop, 0);
	atomic_store(moves, 0);
	pid = fork_child();
	if (pid == 0) {
		uint64_t v = 0, w;
		struct ring c;

		CHILD_CHECK(ring_attach_mem(&c, mem, len, kind) == 0);
		while (!atomic_load_explicit(stop, memory_order_relaxed)) {
			int prc;

			CHILD_CHECK(ring_push(&c, &v) == 0);
			do
				prc = ring_pop(&c, &w);
			while (prc == -EBUSY);
			CHILD_CHECK(prc == 0 && w == v);
			atomic_store_explicit(moves, ++v, memory_order_relaxed);
		}
		_exit(0);
	}
	/* At least this many counts, and until the child has moved this much
	 * (on a loaded machine it may start late). */
	for (i = 0; i < 400000 || atomic_load(moves) < 200000; i++) {
		rc = ring_count(&r);
		if (rc != 0 && rc != 1) {
			bad++;
			last = rc;
		}
	}
	atomic_store(stop, 1);
	st = test_wait_child(pid);
	cr_assert_eq(st, 0, "child exit %d", st);
	cr_assert_eq(bad, 0, "%ld of %ld counts impossible (last %zd)", bad, i, last);
	ring_close(&r);
	munmap(mem, len + 64);
}

Test(hostile, count_under_motion_spsc_count, .timeout = 60)
{
	count_under_motion(RING_KIND_SPSC, RING_RULE_COUNT, 8);
}
Test(hostile, count_under_motion_mpmc, .timeout = 60)
{
	count_under_motion(RING_KIND_MPMC, RING_RULE_COUNT, 8);
}

/*
 * The same motion from a signal handler: a timer interrupts the counting
 * loop at arbitrary instructions, many of them inside ring_count between its
 * loads, and each time moves both indices one step (one element pushed and
 * popped: the ring is empty at every instant). So every count must be 0, and
 * a snapshot that accepted a head read after the head moved (tail X, head
 * X + 1) is seen within a run, whatever the machine's load.
 */
static struct ring *motion_ring;
static volatile sig_atomic_t motion_ticks;

static void motion_step(int sig)
{
	struct ring_shared *s = motion_ring->shm;
	uint64_t t = ring_pvt_load(&s->prod.tail, relaxed) + 1;

	(void)sig;
	if (motion_ring->rule == RING_RULE_N1 && t == motion_ring->n)
		t = 0;
	ring_pvt_store(&s->prod.tail, t, release);
	ring_pvt_store(&s->cons.head, t, release);
	motion_ticks = motion_ticks + 1;
}

static void count_under_signals(uint32_t kind, uint32_t rule, uint64_t n)
{
	struct ring_params p = params(kind, rule, n, 8, 0);
	struct itimerspec every = {{0, 20000}, {0, 20000}};
	struct sigevent ev;
	struct sigaction sa;
	timer_t timer;
	long bad = 0, i;
	ssize_t rc, last = 0;
	struct ring r;
	size_t len;
	void *mem = mem_ring(&r, &p, &len);

	motion_ring = &r;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = motion_step;
	sa.sa_flags = SA_RESTART;
	cr_assert_eq(sigaction(SIGALRM, &sa, NULL), 0);
	memset(&ev, 0, sizeof(ev));
	ev.sigev_notify = SIGEV_SIGNAL;
	ev.sigev_signo = SIGALRM;
	cr_assert_eq(timer_create(CLOCK_MONOTONIC, &ev, &timer), 0);
	cr_assert_eq(timer_settime(timer, 0, &every, NULL), 0);
	for (i = 0; motion_ticks < 20000; i++) {
		rc = ring_count(&r);
		if (rc != 0) {
			bad++;
			last = rc;
		}
	}
	timer_delete(timer);
	cr_assert_eq(bad, 0, "%ld of %ld counts not 0 (last %zd) over %d moves", bad, i, last,
		     (int)motion_ticks);
	ring_close(&r);
	free(mem);
}

Test(hostile, count_under_signals_spsc_count, .timeout = 120)
{
	count_under_signals(RING_KIND_SPSC, RING_RULE_COUNT, 8);
}
Test(hostile, count_under_signals_spsc_n1, .timeout = 120)
{
	count_under_signals(RING_KIND_SPSC, RING_RULE_N1, 5);
}
Test(hostile, count_under_signals_mpmc, .timeout = 120)
{
	count_under_signals(RING_KIND_MPMC, RING_RULE_COUNT, 8);
}

/* ---- ring_close_write racing pushes ---------------------------------------- */

/*
 * One side pushes an element and pops it back, over and over, retrying
 * -EPIPE; the other closes the ring and reopens it (clears the closed bit:
 * nothing moves the tail while the bit is set), over and over. Every push
 * lands either before a close or fails with -EPIPE, so after each pop head
 * equals tail (without the bit) and the elements come out in sequence.
 *
 * A close that read tail and wrote it back with the bit set, instead of one
 * atomic RMW, undoes a push that lands in between: the tail goes backwards
 * below the element just published, and the pop that takes it leaves head
 * past tail.
 */
struct race {
	atomic_int done;
	atomic_ullong closes;
};

/* The pushing side: count elements through; 0, or the line that failed. */
static int race_pusher(struct ring *r, uint64_t count)
{
	uint64_t v, w, t, h;
	unsigned sp = 0;
	int rc;

	for (v = 0; v < count; v++) {
		while ((rc = ring_push(r, &v)) == -EPIPE || rc == -EBUSY)
			test_spin_pause(&sp);
		if (rc != 0)
			return __LINE__;
		while ((rc = ring_pop(r, &w)) == -EBUSY)
			;
		if (rc != 0 || w != v)
			return __LINE__;
		/* tail >= head whatever the closer does: it moves only the bit. */
		h = ring_pvt_load(&r->shm->cons.head, acquire);
		t = ring_pvt_load(&r->shm->prod.tail, acquire) & ~RING_CLOSED_BIT;
		if (h != v + 1 || t != h) {
			fprintf(stderr, "element %llu: head %llu, tail %llu\n", (unsigned long long)v,
				(unsigned long long)h, (unsigned long long)t);
			return __LINE__;
		}
	}
	return 0;
}

/* The closing side, until the pusher is done. */
static void race_closer(struct ring *r, struct race *ctl)
{
	uint64_t n = 0;

	while (!atomic_load_explicit(&ctl->done, memory_order_relaxed)) {
		ring_close_write(r);
		ring_pvt_store(&r->shm->prod.tail,
			       ring_pvt_load(&r->shm->prod.tail, relaxed) & ~RING_CLOSED_BIT, relaxed);
		n++;
	}
	atomic_store(&ctl->closes, n);
}

/* Across processes: the child closes, the parent pushes. */
Test(hostile, close_write_races_push_across_processes, .timeout = 300)
{
	struct ring_params p = params(RING_KIND_MPMC, RING_RULE_COUNT, 8, 8, 0);
	size_t len = (size_t)ring_memsize(&p);
	unsigned char *mem = shared_region(len + sizeof(struct race));
	struct race *ctl = (struct race *)(void *)(mem + len);
	struct ring r;
	pid_t pid;
	int st, line;

	cr_assert_eq(ring_init_mem(&r, mem, len, &p), 0);
	atomic_store(&ctl->done, 0);
	pid = fork_child();
	if (pid == 0) {
		struct ring c;

		CHILD_CHECK(ring_attach_mem(&c, mem, len, RING_KIND_MPMC) == 0);
		race_closer(&c, ctl);
		_exit(0);
	}
	line = race_pusher(&r, 1000000);
	atomic_store(&ctl->done, 1);
	st = test_wait_child(pid);
	cr_assert_eq(line, 0, "pusher failed at line %d after %llu closes", line,
		     (unsigned long long)atomic_load(&ctl->closes));
	cr_assert_eq(st, 0, "child exit %d", st);
	ring_close(&r);
	munmap(mem, len + sizeof(struct race));
}

/*
 * The same race made certain to happen: a timer signal interrupts the closing
 * loop at arbitrary instructions, inside ring_close_write among them, and the
 * handler pushes an element and pops it back. Head must never pass tail.
 */
static struct ring *race_ring;
static volatile sig_atomic_t race_ticks, race_bad;
static uint64_t race_next;

static void race_step(int sig)
{
	struct ring_shared *s = race_ring->shm;
	uint64_t h = ring_pvt_load(&s->cons.head, acquire);
	uint64_t t = ring_pvt_load(&s->prod.tail, acquire) & ~RING_CLOSED_BIT;
	uint64_t w;

	(void)sig;
	race_ticks = race_ticks + 1;
	if (h != t) {
		race_bad = 1; /* the last push was undone: tail below head */
		return;
	}
	if (ring_push(race_ring, &race_next) != 0)
		return; /* closed just now: -EPIPE */
	if (ring_pop(race_ring, &w) != 0 || w != race_next)
		race_bad = 2;
	race_next++;
}

Test(hostile, close_write_races_push_in_signal, .timeout = 120)
{
	struct ring_params p = params(RING_KIND_MPMC, RING_RULE_COUNT, 8, 8, 0);
	struct itimerspec every = {{0, 20000}, {0, 20000}};
	struct sigevent ev;
	struct sigaction sa;
	timer_t timer;
	uint64_t closes = 0, h, t;
	struct ring r;
	size_t len;
	void *mem = mem_ring(&r, &p, &len);

	race_ring = &r;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = race_step;
	sa.sa_flags = SA_RESTART;
	cr_assert_eq(sigaction(SIGALRM, &sa, NULL), 0);
	memset(&ev, 0, sizeof(ev));
	ev.sigev_notify = SIGEV_SIGNAL;
	ev.sigev_signo = SIGALRM;
	cr_assert_eq(timer_create(CLOCK_MONOTONIC, &ev, &timer), 0);
	cr_assert_eq(timer_settime(timer, 0, &every, NULL), 0);
	while (race_ticks < 20000 && !race_bad) {
		ring_close_write(&r);
		/* Reopen: nothing moves tail while the closed bit is set. */
		ring_pvt_store(&r.shm->prod.tail,
			       ring_pvt_load(&r.shm->prod.tail, relaxed) & ~RING_CLOSED_BIT, relaxed);
		closes++;
	}
	timer_delete(timer);
	h = ring_pvt_load(&r.shm->cons.head, acquire);
	t = ring_pvt_load(&r.shm->prod.tail, acquire);
	cr_assert_eq(race_bad, 0, "after %llu closes, %llu elements: head %llu, tail %llu (%d)",
		     (unsigned long long)closes, (unsigned long long)race_next,
		     (unsigned long long)h, (unsigned long long)t, (int)race_bad);
	cr_assert_gt(race_next, 0, "no push landed between closes");
	ring_close(&r);
	free(mem);
}
