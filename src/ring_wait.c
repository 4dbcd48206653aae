/* SPDX-License-Identifier: MIT */
/*
 * Blocking and timed push/pop, end of stream, and waking.
 *
 * Words (struct ring_wait_line), per direction; consumers waiting for data
 * shown, producers waiting for room use prod_seq/prod_waiters the same way:
 *   cons_seq      the futex word consumers sleep on; wakers bump it
 *   cons_waiters  two 16-bit counts (RING_WAIT_ARMED/RING_WAIT_WOKEN, kept
 *                 as armed and armed - woken, see ring_layout.h):
 *                 armed, the consumers between "arm" and "leave" below,
 *                 each adding and later removing its own 1; woken, the
 *                 wakes issued to them and not yet used up. A sleeper
 *                 leaving takes one wake back if any is outstanding (it
 *                 may or may not be the one that was woken: the counts
 *                 are what matter).
 *
 *   sleeper (ring_pvt_wait_until)       waker (after a push of k elements)
 *   s = load(cons_seq)         seq_cst  store tail / slot seq     (R1, R3)
 *   arm: armed += 1 (CAS)      seq_cst  F1: fence(seq_cst), or only a
 *   F2: fence(seq_cst);                     compiler barrier when F2 is a
 *       membarrier(GLOBAL_EXPEDITED)        membarrier (see below)
 *   try the pop again                   w = load(cons_waiters)
 *   futex_wait(cons_seq, s, slice)      if armed(w) > woken(w):   (rare;
 *                                           one compare, RING_WAIT_PENDING)
 *   leave: armed -= 1, and woken -= 1       t = min(k, armed - woken)
 *          if woken > 0 (CAS)               woken += t (CAS)        seq_cst
 *   (repeat)                                cons_seq += 1           seq_cst
 *                                           futex_wake(cons_seq, t)
 *
 * So a push wakes no more sleepers than it made elements available, and no
 * sleeper that a wake already covers is woken again: while a woken consumer
 * has not run yet (a peer on the same CPU), later pushes see armed == woken
 * and make no system call. close wakes everyone (INT_MAX) on both words,
 * whatever the counts say.
 *
 * No lost wake-up while nobody dies:
 * 1. F1/F2 (store buffering): of "publish, then load cons_waiters" and "arm,
 *    then load the indices", at least one side sees the other's store. So
 *    either the retry finds the element, or the waker's load returns a value
 *    that counts this sleeper as armed (only the sleeper removes its 1, after
 *    its futex_wait returned).
 * 2. If that value shows armed > woken, the waker issues t >= 1 wakes. If it
 *    shows armed <= woken, every armed sleeper, this one included, is
 *    covered by wakes issued after it armed (the tokens counted before it
 *    armed covered the others): their wakers' bumps come after this
 *    sleeper's arm, each waking t queued sleepers or, having bumped first,
 *    making their futex_wait return at once. Whoever is woken retries, and a
 *    consumer that took an element and comes back retries again before it
 *    sleeps; one woken consumer drains the ring if the others sleep on.
 * 3. s was read before any bump issued for this sleeper: such a waker's CAS
 *    read a value in the modification order after the sleeper's arm (a
 *    seq_cst RMW, so a release), the sleeper's load of s happens before its
 *    bump and cannot have returned it.
 * 4. The kernel compares *cons_seq with s and queues the sleeper atomically
 *    with respect to FUTEX_WAKE: futex_wait returns at once (the bump is
 *    already there) or the sleeper is queued when the wake comes. One bump
 *    can release several sleepers that had not reached the kernel yet; they
 *    retry, one wins, the others re-arm.
 *
 * The asymmetric fence (F1 as a compiler barrier). Where the kernel offers
 * membarrier(2) MEMBARRIER_CMD_GLOBAL_EXPEDITED, every process that attaches
 * a blocking ring registers for it (ring_pvt_wait_attach; the registration
 * belongs to the address space and fork() copies it), its handles' wakers
 * then order publish/load with a compiler barrier only, and every sleeper
 * issues the membarrier after its add. The call makes every running thread
 * of every registered process execute a full barrier before it returns (a
 * thread not running passes one when it is scheduled), so for each waker
 * there is a point, between the sleeper's add and its retry, at which the
 * waker behaves as if it had executed F1: before its publish (then its load
 * comes after the barrier and sees the add), after its load (then its
 * publish came before and the retry sees it), or between them (both). The
 * handle flag `wake_fence` says which form this process's wakers use; it is
 * 1 where registration failed, and a sleeper whose membarrier call fails
 * sleeps in short slices instead (a waker elsewhere may rely on it).
 *
 * Death. Any process may die at any instruction; the bounds:
 * - A waker dying after its publish and before its futex_wake (the fence,
 *   the load, the bump, the syscall), or a closer dying between setting the
 *   closed bit and its wakes: no futex wake comes. Sleepers never sleep
 *   longer than one slice in one futex_wait, then retry: RING_PVT_SLICE_NS
 *   (10 ms), doubling while slices run out with nothing to do, up to
 *   RING_PVT_SLICE_MAX_NS (40 ms, after 30 ms idle). That slice is the
 *   worst-case delay a dying waker (or closer) causes.
 * - A waker dying between its CAS on the counts and its futex_wake leaves
 *   a wake counted that never came: the sleeper it covered, and any sleeper
 *   later pushes skip because of it, retry within a slice; leaving, they
 *   take the stale count back.
 * - A sleeper woken for an element that dies before taking it: the other
 *   sleepers retry within a slice.
 * - A sleeper dying while armed leaves its 1 in armed: never a lost wake-up.
 *   The next push counts a wake for it (one futex_wake, nobody there to
 *   wake) and armed == woken again; the pair stays, costing a system call
 *   only when a live sleeper's leaving takes back the wake it holds. No
 *   repair is needed, and a participant entry plays no part.
 * - The seq words only ever grow; a dead process leaves nothing there to
 *   repair.
 * - A sleeper dying in futex_wait leaves its 1 in fxw (cons_fxw/prod_fxw,
 *   see bump_and_wake_sleepers): wakers then make the FUTEX_WAKE they would
 *   make anyway without that count, nothing more.
 *
 * Hostile words. Nothing here trusts the wait or hint lines: bogus counts
 * cost wake syscalls or, at worst, sleeps until the slice ends; the CAS loops
 * on them give up after a bounded number of tries; a bogus seq makes futex_wait return early, which
 * counts as an unproductive wake below. A wait whose tries keep failing
 * without either index (tail, head) moving does not spin: after such a
 * wake, or a run of unproductive wakes, it sleeps for a backoff that doubles
 * up to the longest slice, so a waiting process burns a bounded share of CPU
 * whatever is written into the ring (test_wait_hostile: under 1 %).
 *
 * Liveness: ring_pvt_live_wait_check() (src/ring_live.c) runs before the
 * first sleep and whenever a slice or backoff sleep ends; it may end the wait
 * with its code (peers verified dead).
 *
 * The futex words live in the shared mapping, so these are shared futexes
 * (no FUTEX_PRIVATE_FLAG); ring_futex_pvt.h has the calls.
 */
#include "ring_internal.h"

#include <errno.h>
#include <limits.h>
#include <linux/membarrier.h>
#include <sched.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "ring_futex_pvt.h"

/* Tries before the first sleep: long enough to ride out a busy peer's short
 * stall, short against a cross-core sleep and wake (200 tries took ~3 µs on
 * the development machine, a wake ~20 µs). Skipped when the peer was last
 * seen on this CPU, where it cannot run while we spin. */
#define RING_PVT_SPINS 200
/* Instead, with the peer last seen on this CPU: tries each after a
 * sched_yield(), before the first sleep. A runnable peer on this CPU runs at
 * the yield and fills (drains) the ring until it has to wait in turn, and
 * then yields back: a whole ring moves per pair of switches, with no futex
 * wait, no wake and no membarrier, where sleeping at once let the woken
 * side preempt at the first element and move a few per switch. A peer that
 * is not runnable makes each yield return at once (a system call, well
 * under a microsecond): the tries cost a few microseconds of CPU before the
 * sleep, once per wait call. Only where the other side is one process
 * (SPSC, byte and single-producer message rings): with many producers or
 * consumers the hint words describe whichever ran last, and the yields
 * would only hand the CPU round a crowd that keeps failing. */
#define RING_PVT_YIELDS 16

/* One process on each side, so that the peer's CPU word is that peer's. */
static int one_peer(const struct ring *r)
{
	return r->kind == RING_KIND_SPSC || r->kind == RING_KIND_BYTES ||
	       (r->kind == RING_KIND_MSG && !(r->flags & RING_F_MSG_MP));
}

/* A futex sleep's first slice, 10 ms: the worst-case delay a waker or
 * closer that dies between its publish and its wake causes while the ring
 * is in use, and the period at which a waiter judges its peers
 * (ring_pvt_live_wait_check). A waiter whose slices keep running out with
 * nothing to do doubles its slice, up to RING_PVT_SLICE_MAX_NS; a wake-up
 * brings it back to the first. Each slice costs one wake-up and try, which
 * on a virtual machine is 30-110 us of CPU: 100 a second for ever would be
 * close to 1 % of a CPU for an idle waiter; 25 a second is a quarter of
 * it. */
#define RING_PVT_SLICE_NS 10000000L
/* Longest slice, 40 ms (after 10 + 20 ms asleep with nothing to do): the
 * worst-case delay a dying waker causes a waiter that had been idle that
 * long, and the longest backoff sleep. */
#define RING_PVT_SLICE_MAX_NS 40000000L
/* Slice of a sleeper whose membarrier call failed. */
#define RING_PVT_SHORT_SLICE_NS 1000000L
/* Backoff after unproductive wakes: from 1 ms, doubling, up to
 * RING_PVT_SLICE_MAX_NS. */
#define RING_PVT_BACKOFF0_NS 1000000L
/* Unproductive wakes in a row (indices moving) before backing off. */
#define RING_PVT_UNPRODUCTIVE_MAX 8

#ifdef SHMRING_TEST_HOOKS
/* Test builds: SHMRING_TEST_SLICE_MS overrides the slice (0: unbounded, so
 * that a lost wake-up hangs a stress run instead of costing one slice). */
long ring_pvt_slice_ns(void)
{
	/* Threads may compute it at once: each stores the same value. */
	static RING_ATOMIC(int64_t) cached = -1;
	int64_t v = ring_pvt_load(&cached, relaxed);
	const char *e;

	if (v < 0) {
		e = getenv("SHMRING_TEST_SLICE_MS");
		v = e != NULL ? strtol(e, NULL, 10) * 1000000L : RING_PVT_SLICE_NS;
		ring_pvt_store(&cached, v, relaxed);
	}
	return (long)v;
}
#else
long ring_pvt_slice_ns(void) { return RING_PVT_SLICE_NS; }
#endif

/* Default until src/ring_live.c provides the real check. */
__attribute__((weak)) int ring_pvt_live_wait_check(struct ring *r, int consumer)
{
	(void)r;
	(void)consumer;
	return 0;
}

/* ---- membarrier --------------------------------------------------------- */

/* 0 not asked yet, 1 GLOBAL_EXPEDITED usable and this process registered,
 * 2 not available. Per process: fork() copies both the registration and
 * this variable. */
static RING_ATOMIC(int) membarrier_state;

static int membarrier_ready(void)
{
	int st = ring_pvt_load(&membarrier_state, acquire);
	long q;

	if (st != 0)
		return st == 1;
	q = syscall(SYS_membarrier, MEMBARRIER_CMD_QUERY, 0, 0);
	st = 2;
	if (q >= 0 && (q & MEMBARRIER_CMD_GLOBAL_EXPEDITED) &&
	    (q & MEMBARRIER_CMD_REGISTER_GLOBAL_EXPEDITED) &&
	    syscall(SYS_membarrier, MEMBARRIER_CMD_REGISTER_GLOBAL_EXPEDITED, 0, 0) == 0)
		st = 1;
	ring_pvt_store(&membarrier_state, st, release);
	return st == 1;
}

void ring_pvt_wait_attach(struct ring *r)
{
	r->wake_fence = 0;
	r->wake_light = 0;
	if (!(r->flags & RING_F_BLOCKING))
		return;
#ifdef SHMRING_TEST_HOOKS
	if (getenv("SHMRING_TEST_WAKE_FENCE") != NULL) {
		r->wake_fence = 1;
		return;
	}
#endif
	r->wake_fence = membarrier_ready() ? 0 : 1;
	r->wake_light = r->wake_fence == 0;
}

/* The sleeper's half of the asymmetric fence: 0, or -1 if wakers that
 * skipped F1 may not have been ordered (use short slices then). */
int ring_pvt_sleeper_barrier(void)
{
	int st = ring_pvt_load(&membarrier_state, acquire);

	if (st == 2)
		return 0; /* nobody on this kernel skips F1 */
	if (syscall(SYS_membarrier, MEMBARRIER_CMD_GLOBAL_EXPEDITED, 0, 0) == 0)
		return 0;
	return -1;
}

/* Tries of a CAS on a count word before giving up (a hostile peer rewriting
 * it): arming then fails (the sleeper uses short slices), leaving leaves its
 * 1 (which costs at most wake system calls), a waker wakes anyway. */
#define RING_PVT_CAS_TRIES 64

/* ---- waking ------------------------------------------------------------- */

static int32_t *futex_word(RING_ATOMIC(uint32_t) *w)
{
	return (int32_t *)(void *)w;
}

static void bump_and_wake(RING_ATOMIC(uint32_t) *seq, int n)
{
	ring_pvt_fetch_add(seq, 1, seq_cst);
	RING_PVT_HOOK(RING_HOOK_WAKE_BUMPED);
	ring_pvt_futex_wake(futex_word(seq), n);
}

/*
 * The wake of ring_pvt_wake: bump, and FUTEX_WAKE only if a futex sleeper
 * may be there. fxw (cons_fxw / prod_fxw) counts the sleepers of the loop
 * below between their add, made before they arm, and their removal, made
 * after their futex_wait returned. The waker's CAS on the counts read a
 * value at or after the arm of every sleeper it counts (a seq_cst RMW,
 * so a release/acquire edge, A7: pairs with R7 below, the sleeper's add
 * sequenced before its arm): this load, after that CAS, sees each such
 * sleeper's 1 unless it was removed, which happens only after that
 * sleeper's futex_wait returned, i.e. once it is awake and about to try
 * again. So 0 here means no counted sleeper can be left in futex_wait:
 * readiness descriptor waiters alone (counted in *_waiters, never in fxw)
 * cost no FUTEX_WAKE. A hostile 0 costs the real sleepers their slice.
 */
static void bump_and_wake_sleepers(RING_ATOMIC(uint32_t) *seq, RING_ATOMIC(uint32_t) *fxw,
				   int n)
{
	ring_pvt_fetch_add(seq, 1, seq_cst);
	RING_PVT_HOOK(RING_HOOK_WAKE_BUMPED);
	if (ring_pvt_load(fxw, acquire) != 0) /* A7 */
		ring_pvt_futex_wake(futex_word(seq), n);
}

/* A futex sleeper's own 1 in fxw, never below 0 (a hostile 0 stays 0). */
static void fxw_sub(RING_ATOMIC(uint32_t) *fxw)
{
	uint32_t v = ring_pvt_load(fxw, relaxed);
	int i;

	for (i = 0; i < 64 && v != 0; i++)
		if (ring_pvt_cas(fxw, &v, v - 1, release, relaxed))
			return;
}

/*
 * Record the CPU this side runs on (see the spin in ring_pvt_wait_until).
 * Written only when it changed; on the hint line, away from the words the
 * hot path reads.
 */
static uint32_t note_cpu(RING_ATOMIC(uint32_t) *word)
{
	int cpu = sched_getcpu();
	uint32_t v = cpu < 0 ? 0 : (uint32_t)cpu + 1;

	if (ring_pvt_load(word, relaxed) != v)
		ring_pvt_store(word, v, relaxed);
	return v;
}

void ring_pvt_wake(struct ring *r, int consumers, size_t n)
{
	struct ring_wait_line *w = &r->shm->wait;
	RING_ATOMIC(uint32_t) *waiters = consumers ? &w->cons_waiters : &w->prod_waiters;
	uint32_t v = ring_pvt_load(waiters, relaxed), t;
	int i;

	RING_PVT_HOOK(RING_HOOK_WAKE_SEEN);
	/* Count the wakes first: a later waker that sees them covered makes no
	 * system call (step 2 at the top). */
	for (i = 0;; i++) {
		uint32_t a = RING_WAIT_ARMED(v), k = RING_WAIT_WOKEN(v);

		if (a <= k)
			return; /* covered by wakes already issued */
		t = a - k;
		if (n < t)
			t = (uint32_t)n;
		if (ring_pvt_cas(waiters, &v, RING_WAIT_WORD(a, k + t), seq_cst, relaxed))
			break;
		if (i == RING_PVT_CAS_TRIES) {
			/* The word keeps changing: wake anyway, FUTEX_WAKE
			 * included (no CAS orders a look at fxw). */
			t = (uint32_t)n;
			bump_and_wake(consumers ? &w->cons_seq : &w->prod_seq,
				      t >= (uint32_t)INT_MAX ? INT_MAX : (int)t);
			goto fds;
		}
	}
	bump_and_wake_sleepers(consumers ? &w->cons_seq : &w->prod_seq,
			       consumers ? &w->cons_fxw : &w->prod_fxw,
			       t >= (uint32_t)INT_MAX ? INT_MAX : (int)t);
fds:
	/* Descriptor waiters of this direction: each armed one gets its
	 * datagram (src/ring_waitfd.c). After the CAS above, which read a
	 * count that includes every waiter armed before it. */
	ring_pvt_waitfd_wake(r, consumers);
	/* Counted on the waker's side: producers wake consumers. */
	ring_pvt_stat_add(r, !consumers, RING_STAT_WAKES, 1);
	/* The waker is the other side of the sleepers it woke. */
	note_cpu(consumers ? &r->shm->hint.prod_cpu : &r->shm->hint.cons_cpu);
}

/* ---- arming and leaving ------------------------------------------------ */

/* 0 armed, -1 not counted (the counts are full or under attack). */
int ring_pvt_wait_arm(RING_ATOMIC(uint32_t) *waiters)
{
	uint32_t w = ring_pvt_load(waiters, relaxed);
	int i;

	for (i = 0; i < RING_PVT_CAS_TRIES; i++) {
		uint32_t a = RING_WAIT_ARMED(w), k = RING_WAIT_WOKEN(w);

		if (a == RING_WAIT_MAX)
			return -1;
		if (k > a)
			k = a; /* only a hostile word gets here */
		if (ring_pvt_cas(waiters, &w, RING_WAIT_WORD(a + 1, k), seq_cst, relaxed)) {
			RING_PVT_HOOK(RING_HOOK_ARMED);
			return 0;
		}
	}
	return -1;
}

void ring_pvt_wait_leave(RING_ATOMIC(uint32_t) *waiters)
{
	uint32_t w = ring_pvt_load(waiters, relaxed);
	int i;

	for (i = 0; i < RING_PVT_CAS_TRIES; i++) {
		uint32_t a = RING_WAIT_ARMED(w), k = RING_WAIT_WOKEN(w);

		if (a == 0)
			return; /* not ours to fix: only a hostile peer gets here */
		a--;
		if (k > 0)
			k--;
		if (k > a)
			k = a;
		if (ring_pvt_cas(waiters, &w, RING_WAIT_WORD(a, k), seq_cst, relaxed))
			return;
	}
}

/* ---- the wait loop ------------------------------------------------------ */

static int64_t ts_ns(const struct timespec *t)
{
	return (int64_t)t->tv_sec * 1000000000 + t->tv_nsec;
}

static struct timespec ns_ts(int64_t ns)
{
	struct timespec t;

	t.tv_sec = (time_t)(ns / 1000000000);
	t.tv_nsec = (long)(ns % 1000000000);
	return t;
}

static int64_t now_ns(void)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return ts_ns(&now);
}

/* Both indices: a wait whose tries fail while neither moves is making no
 * progress. Only compared, never used. */
uint64_t ring_pvt_progress_mark(const struct ring *r)
{
	return ring_pvt_load(&r->shm->prod.tail, relaxed) * 0x9e3779b97f4a7c15u ^
	       ring_pvt_load(&r->shm->cons.head, relaxed);
}

/*
 * Not ready: -EAGAIN (full/empty as of a word read in that try) or -EBUSY
 * (MPMC: the try lost RING_PVT_RETRIES races or kept finding its position
 * stale). -EBUSY says others are moving the ring, so a retry beats a sleep:
 * the element (room) raced for may have been published, and its publisher
 * have looked for sleepers, before this side armed. The loop retries at once
 * only while an index moves: a slot word a hostile peer set "ahead" gives
 * -EBUSY for ever.
 */
static int not_ready(ssize_t rc)
{
	return rc == -EAGAIN || rc == -EBUSY;
}

/* Sleep without the futex (backoff): the futex word may be the thing a
 * hostile peer keeps changing. Ends early only by a signal. */
static void backoff_sleep(int64_t ns, const struct timespec *deadline)
{
	struct timespec until;
	int64_t end = now_ns() + ns;

	if (deadline != NULL && ts_ns(deadline) < end)
		end = ts_ns(deadline);
	until = ns_ts(end);
	(void)clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &until, NULL);
}

ssize_t ring_pvt_wait_until(struct ring *r, int consumer, ring_pvt_try_fn try_op, void *ctx,
			    const struct timespec *deadline)
{
	struct ring_wait_line *w;
	RING_ATOMIC(uint32_t) *waiters, *seqw, *fxw;
	ssize_t rc;
	uint32_t s, cpu;
	uint64_t mark, mark2;
	int64_t backoff = RING_PVT_BACKOFF0_NS, dl_ns = 0, end, slice, idle_slice;
	struct timespec until;
	int i, spins, yield, unproductive = 0, lc, short_slice, fr, e, armed;

	if (r == NULL || r->shm == NULL)
		return -EINVAL;
	if (!(r->flags & RING_F_BLOCKING))
		return -ENOTSUP;
	if (deadline != NULL && (deadline->tv_nsec < 0 || deadline->tv_nsec >= 1000000000L))
		return -EINVAL;
	/* The operation first: a ready ring costs one try and nothing else. */
	rc = try_op(r, ctx);
	if (!not_ready(rc))
		return rc;
	if (deadline != NULL)
		dl_ns = ts_ns(deadline);
	w = &r->shm->wait;
	waiters = consumer ? &w->cons_waiters : &w->prod_waiters;
	seqw = consumer ? &w->cons_seq : &w->prod_seq;
	fxw = consumer ? &w->cons_fxw : &w->prod_fxw;
	/* Spinning waits for a peer running elsewhere. A peer last seen on
	 * this very CPU cannot run while we spin: yield to it instead (one
	 * peer), or go to sleep at once. The CPU words are hints a hostile
	 * peer may fake; they change only how long we spin or how often we
	 * yield, both bounded. */
	cpu = note_cpu(consumer ? &r->shm->hint.cons_cpu : &r->shm->hint.prod_cpu);
	yield = cpu != 0 && ring_pvt_load(consumer ? &r->shm->hint.prod_cpu : &r->shm->hint.cons_cpu,
					  relaxed) == cpu;
	spins = !yield ? RING_PVT_SPINS : one_peer(r) ? RING_PVT_YIELDS : 0;
	for (i = 0; i < spins; i++) {
		if (yield) {
			/* On a loaded CPU one yield can last a time slice of
			 * every other runnable task: a deadline that has
			 * passed ends the yields (the loop below says
			 * -ETIMEDOUT). The spins without yields take a few
			 * microseconds in all. */
			if (deadline != NULL && now_ns() >= dl_ns)
				break;
			(void)sched_yield();
		} else {
			ring_pvt_cpu_relax();
		}
		rc = try_op(r, ctx);
		if (!not_ready(rc))
			return rc;
	}
	lc = ring_pvt_live_wait_check(r, consumer);
	if (lc < 0)
		return lc;
	mark = ring_pvt_progress_mark(r);
	idle_slice = ring_pvt_slice_ns();
	for (;;) {
		/* Checked by this process's clock on every pass, whatever ended
		 * the last sleep: -ETIMEDOUT never comes before the deadline. */
		end = now_ns();
		if (deadline != NULL && end >= dl_ns) {
			ring_pvt_stat_add(r, consumer, RING_STAT_TIMEOUTS, 1);
			return -ETIMEDOUT;
		}
		s = ring_pvt_load(seqw, seq_cst);
		/* R7: before the arm, so that a waker counting this sleeper
		 * sees it (bump_and_wake_sleepers). */
		ring_pvt_fetch_add(fxw, 1, seq_cst);
		armed = ring_pvt_wait_arm(waiters) == 0;
		ring_pvt_fence(seq_cst); /* F2: pairs with F1 (and the close's RMW) */
		short_slice = ring_pvt_sleeper_barrier() < 0 || !armed;
		rc = try_op(r, ctx);
		if (!not_ready(rc)) {
			if (armed)
				ring_pvt_wait_leave(waiters);
			fxw_sub(fxw);
			return rc;
		}
		if (rc == -EBUSY) {
			/* Lost races: others are moving the index. Retry at
			 * once while they do; if nothing moved, this is no
			 * race (a stuck or hostile word): sleep as below. */
			mark2 = ring_pvt_progress_mark(r);
			if (mark2 != mark && unproductive++ < RING_PVT_UNPRODUCTIVE_MAX) {
				if (armed)
					ring_pvt_wait_leave(waiters);
				fxw_sub(fxw);
				mark = mark2;
				continue;
			}
		}
		slice = short_slice ? RING_PVT_SHORT_SLICE_NS : idle_slice;
		end = slice == 0 ? INT64_MAX : end + slice; /* 0: unbounded (test builds) */
		if (deadline != NULL && dl_ns < end)
			end = dl_ns;
		until = ns_ts(end);
		ring_pvt_stat_add(r, consumer, RING_STAT_WAITS, 1);
		fr = ring_pvt_futex_wait(futex_word(seqw), (int32_t)s,
					 end == INT64_MAX ? NULL : &until);
		e = fr < 0 ? errno : 0;
		/* After futex_wait returned: awake, this sleeper needs no
		 * FUTEX_WAKE from here on. */
		fxw_sub(fxw);
		if (armed)
			ring_pvt_wait_leave(waiters);
		/* EAGAIN: woken before we slept. EINTR: a signal. ETIMEDOUT:
		 * the slice or deadline, judged above by our own clock.
		 * Anything else (no futex support) would turn the loop into a
		 * busy one: report it. */
		if (fr < 0 && e != EAGAIN && e != EINTR && e != ETIMEDOUT)
			return -e;
		if (e == ETIMEDOUT) {
			lc = ring_pvt_live_wait_check(r, consumer);
			if (lc < 0)
				return lc;
		}
		rc = try_op(r, ctx);
		if (!not_ready(rc))
			return rc;
		/* A slice that ran out with nothing to do: the next one is
		 * twice as long, up to the longest; any wake-up (a push, a
		 * close, a hostile bump: judged below) starts again from the
		 * first. 0 (unbounded, test builds) stays 0. */
		if (e == ETIMEDOUT && idle_slice < RING_PVT_SLICE_MAX_NS)
			idle_slice = idle_slice * 2 < RING_PVT_SLICE_MAX_NS ? idle_slice * 2
									 : RING_PVT_SLICE_MAX_NS;
		else if (fr == 0 || e == EAGAIN)
			idle_slice = ring_pvt_slice_ns();
		mark2 = ring_pvt_progress_mark(r);
		/* Woken and still not ready. Fine while the indices move
		 * (another process took the element); with neither index
		 * moved, or too many times in a row, back off instead of
		 * trusting the futex word again. A slice that ran out or a
		 * signal is no wake: nothing to judge. */
		if ((fr == 0 || e == EAGAIN) &&
		    (mark2 == mark || ++unproductive >= RING_PVT_UNPRODUCTIVE_MAX)) {
			backoff_sleep(backoff, deadline);
			if (backoff < RING_PVT_SLICE_MAX_NS)
				backoff *= 2;
			unproductive = 0;
			lc = ring_pvt_live_wait_check(r, consumer);
			if (lc < 0)
				return lc;
			mark2 = ring_pvt_progress_mark(r);
		}
		mark = mark2;
	}
}

/* ---- the fixed-slot calls ----------------------------------------------- */

enum wait_op { OP_PUSH, OP_POP, OP_PUSH_BURST, OP_POP_BURST };

struct fixed_op {
	enum wait_op op;
	void *buf;
	size_t n;
};

static ssize_t try_fixed(struct ring *r, void *ctx)
{
	const struct fixed_op *f = (const struct fixed_op *)ctx;

	switch (f->op) {
	case OP_PUSH: return ring_push(r, f->buf);
	case OP_POP: return ring_pop(r, f->buf);
	case OP_PUSH_BURST: return ring_push_burst(r, f->buf, f->n);
	default: return ring_pop_burst(r, f->buf, f->n);
	}
}

static ssize_t wait_fixed(struct ring *r, enum wait_op op, void *buf, size_t n,
			  const struct timespec *deadline)
{
	struct fixed_op f;

	if (buf == NULL)
		return -EINVAL;
	f.op = op;
	f.buf = buf;
	f.n = n;
	return ring_pvt_wait_until(r, op == OP_POP || op == OP_POP_BURST, try_fixed, &f, deadline);
}

int ring_pvt_push_wait(struct ring *r, const void *elem, const struct timespec *deadline)
{
	return (int)wait_fixed(r, OP_PUSH, (void *)(uintptr_t)elem, 1, deadline);
}

int ring_pvt_pop_wait(struct ring *r, void *elem, const struct timespec *deadline)
{
	return (int)wait_fixed(r, OP_POP, elem, 1, deadline);
}

ssize_t ring_push_burst_wait(struct ring *r, const void *src, size_t n,
			     const struct timespec *deadline)
{
	if (n == 0)
		return -EINVAL;
	return wait_fixed(r, OP_PUSH_BURST, (void *)(uintptr_t)src, n, deadline);
}

ssize_t ring_pop_burst_wait(struct ring *r, void *dst, size_t n, const struct timespec *deadline)
{
	if (n == 0)
		return -EINVAL;
	return wait_fixed(r, OP_POP_BURST, dst, n, deadline);
}

/* now + timeout_ns, saturated so that a huge timeout means "practically
 * never" rather than a time_t overflow. */
int ring_pvt_deadline_after(uint64_t timeout_ns, struct timespec *d)
{
	uint64_t sec = timeout_ns / 1000000000u;

	if (clock_gettime(CLOCK_MONOTONIC, d) < 0)
		return -errno;
	if (sec > (uint64_t)INT32_MAX)
		sec = INT32_MAX; /* 68 years */
	d->tv_sec += (time_t)sec;
	d->tv_nsec += (long)(timeout_ns % 1000000000u);
	if (d->tv_nsec >= 1000000000L) {
		d->tv_sec++;
		d->tv_nsec -= 1000000000L;
	}
	return 0;
}

int ring_push_timeout(struct ring *r, const void *elem, uint64_t timeout_ns)
{
	struct timespec d;
	int rc = ring_pvt_deadline_after(timeout_ns, &d);

	return rc < 0 ? rc : ring_pvt_push_wait(r, elem, &d);
}

int ring_pop_timeout(struct ring *r, void *elem, uint64_t timeout_ns)
{
	struct timespec d;
	int rc = ring_pvt_deadline_after(timeout_ns, &d);

	return rc < 0 ? rc : ring_pvt_pop_wait(r, elem, &d);
}

int ring_close_write(struct ring *r)
{
	struct ring_wait_line *w;

	if (r == NULL || r->shm == NULL)
		return -EINVAL;
	/* Release: pairs with the acquire loads of tail in the consumers'
	 * slow paths, which then see every element pushed before. As an RMW
	 * on tail it also fails every MPMC producer CAS that comes after. */
	ring_pvt_fetch_or(&r->shm->prod.tail, RING_CLOSED_BIT, seq_cst);
	/* An SPSC producer (byte streams are SPSC rings of bytes; so does a
	 * message ring's single producer) keeps its tail in the handle and meets the bit only on its slow path: send
	 * this handle's next push there. */
	if (r->kind == RING_KIND_SPSC || r->kind == RING_KIND_BYTES || r->kind == RING_KIND_MSG)
		ring_pvt_spsc_forget(r, 1);
	if (!(r->flags & RING_F_BLOCKING))
		return 0;
	RING_PVT_HOOK(RING_HOOK_CLOSE_SET);
	/*
	 * Wake both directions unconditionally, whatever the counts say: each
	 * sleeper retries and meets the closed bit. No sleeper is missed: if a
	 * sleeper's retry (after its F2) did not see the bit, F2 precedes the
	 * seq_cst fetch_or above in the total order, so its load of s precedes
	 * the bump below and its futex_wait cannot sleep through it. A closer
	 * that dies before (or between) the wakes delays the sleepers by at
	 * most one slice: they retry and see the bit.
	 */
	w = &r->shm->wait;
	bump_and_wake(&w->cons_seq, INT_MAX);
	ring_pvt_waitfd_wake(r, 1);
	RING_PVT_HOOK(RING_HOOK_CLOSE_CONS_WOKEN);
	bump_and_wake(&w->prod_seq, INT_MAX);
	ring_pvt_waitfd_wake(r, 0);
	return 0;
}
