/* SPDX-License-Identifier: MIT */
/*
 * Blocking and timed push/pop, end of stream, and waking.
 *
 * Protocol, per direction (consumers waiting for data shown; producers
 * waiting for room use prod_seq/prod_waiters the same way):
 *
 *   sleeper (wait_loop)                  waker (after a push)
 *   s = load(cons_seq)        seq_cst    store tail / slot seq (R1, R3)
 *   store(cons_waiters, 1)    seq_cst    F1: fence(seq_cst)
 *   F2: fence(seq_cst)                   if load(cons_waiters):
 *   try the pop again                        xchg(cons_waiters, 0)  seq_cst
 *   futex_wait(cons_seq, s)                  cons_seq += 1          seq_cst
 *                                            futex_wake(cons_seq, all)
 *
 * No lost wake-up, in three steps:
 * 1. F1/F2 (store buffering): of "publish, then load the flag" and "store the
 *    flag, then load the indices" at least one side sees the other's store.
 *    So either the retry finds the element, or the waker's load returns the
 *    sleeper's 1 or a later value of cons_waiters.
 * 2. The first xchg after the sleeper's store in cons_waiters' modification
 *    order reads a 1 (only wakers' xchg write 0, besides an SPSC consumer
 *    withdrawing its own flag once it stopped waiting) and so bumps cons_seq.
 *    If the waker's load returned 0, such an xchg came in between; if 1, the
 *    waker's own xchg is one. All of these are seq_cst, so in the single
 *    total order the sleeper's load of s precedes its flag store, which
 *    precedes that xchg and its bump: s is a value from before the bump.
 * 3. The kernel compares *cons_seq with s and queues the sleeper atomically
 *    with respect to FUTEX_WAKE, so futex_wait either returns at once (value
 *    changed) or is queued when the wake comes.
 *
 * The waker wakes all sleepers and clears the flag; every sleeper that does
 * not get an element re-arms it before sleeping again. One flag serves any
 * number of MPMC sleepers this way (waking one and clearing the flag would
 * strand the others). A process that died asleep leaves the flag set: the
 * next push or pop pays one wake syscall, clears it, and later calls stay
 * syscall-free.
 *
 * The futex words live in the shared mapping, so these are shared futexes
 * (no FUTEX_PRIVATE_FLAG). Wakes go through liburcu's futex_async(); the
 * sleep is FUTEX_WAIT_BITSET, the one futex wait that takes an absolute
 * CLOCK_MONOTONIC deadline (FUTEX_WAIT's relative timeout would have to be
 * recomputed after every EINTR), issued directly: ring_futex_pvt.h says why.
 */
#include "ring_internal.h"

#include <errno.h>
#include <limits.h>
#include <sched.h>

#include "ring_futex_pvt.h"

/*
 * Sleeps are slices of at most this long (or to the deadline): after each,
 * ring_pvt_live_wait_check() repairs what dead claimants left (MPMC) and
 * tells whether the peers this wait depends on are all verified dead. A
 * death is so noticed within one slice plus the check (one /proc read per
 * participant of the other side), whether or not anyone wakes the sleeper.
 */
#define RING_PVT_SLICE_NS 10000000L

/* min(deadline, now + one slice) */
static const struct timespec *slice_end(const struct timespec *deadline, struct timespec *t)
{
	clock_gettime(CLOCK_MONOTONIC, t);
	t->tv_nsec += RING_PVT_SLICE_NS;
	if (t->tv_nsec >= 1000000000L) {
		t->tv_sec++;
		t->tv_nsec -= 1000000000L;
	}
	if (deadline != NULL && (deadline->tv_sec < t->tv_sec ||
				 (deadline->tv_sec == t->tv_sec && deadline->tv_nsec < t->tv_nsec)))
		return deadline;
	return t;
}

/* Tries before sleeping: long enough to ride out a busy peer's short stall,
 * short against a cross-core sleep and wake (200 tries took ~3 µs on the
 * development machine, a wake ~20 µs). Skipped when the peer was last seen
 * on this CPU, where it cannot run while we spin. */
#define RING_PVT_SPINS 200

enum wait_op { OP_PUSH, OP_POP, OP_PUSH_BURST, OP_POP_BURST };

static int32_t *futex_word(RING_ATOMIC(uint32_t) *w)
{
	return (int32_t *)(void *)w;
}

static void bump_and_wake(RING_ATOMIC(uint32_t) *seq)
{
	ring_pvt_fetch_add(seq, 1, seq_cst);
	ring_pvt_futex_wake(futex_word(seq));
}

/*
 * Record the CPU this side runs on (see wait_loop's spin). Written only when
 * it changed, so that it does not keep pulling the wait line, whose
 * *_waiters words the peer's fast path reads, away from the peer.
 */
static uint32_t note_cpu(RING_ATOMIC(uint32_t) *word)
{
	int cpu = sched_getcpu();
	uint32_t v = cpu < 0 ? 0 : (uint32_t)cpu + 1;

	if (ring_pvt_load(word, relaxed) != v)
		ring_pvt_store(word, v, relaxed);
	return v;
}

void ring_pvt_wake(struct ring *r, int consumers)
{
	struct ring_wait_line *w = &r->shm->wait;
	RING_ATOMIC(uint32_t) *waiters = consumers ? &w->cons_waiters : &w->prod_waiters;
	RING_ATOMIC(uint32_t) *seq = consumers ? &w->cons_seq : &w->prod_seq;

	/* 0: another waker's xchg came after the flag store our caller saw,
	 * and that waker bumps the sequence (step 2 above). */
	if (ring_pvt_xchg(waiters, 0, seq_cst) == 0)
		return;
	bump_and_wake(seq);
	/* Counted on the waker's side: producers wake consumers. */
	ring_pvt_stat_add(r, !consumers, RING_STAT_WAKES, 1);
	/* The waker is the other side of the sleepers it woke. */
	note_cpu(consumers ? &r->shm->hint.prod_cpu : &r->shm->hint.cons_cpu);
}

static int deadline_passed(const struct timespec *deadline)
{
	struct timespec now;

	if (deadline == NULL)
		return 0;
	clock_gettime(CLOCK_MONOTONIC, &now);
	return now.tv_sec > deadline->tv_sec ||
	       (now.tv_sec == deadline->tv_sec && now.tv_nsec >= deadline->tv_nsec);
}

/* The fixed-slot calls' try function for ring_pvt_wait_until(). */
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

/*
 * -EBUSY from a try (MPMC: it lost RING_PVT_RETRIES races or kept finding its
 * position stale) says others are moving the ring, not that it is full or
 * empty: the loop retries without sleeping, since the element (room) it raced
 * for may already have been published and its publisher have looked for
 * sleepers before this side set its flag. Honest contention ends within a
 * few passes; a peer that keeps a slot word permanently "ahead" (only a
 * hostile one) would make that a busy spin, so after RING_PVT_BUSY_PASSES
 * passes in a row the loop sleeps one RING_PVT_BUSY_SLICE_NS slice (woken
 * early by any wake), then tries again. -EAGAIN from an MPMC try is always
 * full/empty as of a slot word read in that try (ring_mpmc_pvt.h).
 */
#define RING_PVT_BUSY_PASSES 8
#define RING_PVT_BUSY_SLICE_NS 1000000L

/* The earlier of `deadline` (NULL: none) and now + RING_PVT_BUSY_SLICE_NS. */
static const struct timespec *busy_slice(const struct timespec *deadline, struct timespec *t)
{
	clock_gettime(CLOCK_MONOTONIC, t);
	t->tv_nsec += RING_PVT_BUSY_SLICE_NS;
	if (t->tv_nsec >= 1000000000L) {
		t->tv_sec++;
		t->tv_nsec -= 1000000000L;
	}
	if (deadline != NULL && (deadline->tv_sec < t->tv_sec ||
				 (deadline->tv_sec == t->tv_sec && deadline->tv_nsec < t->tv_nsec)))
		return deadline;
	return t;
}

ssize_t ring_pvt_wait_until(struct ring *r, int consumer, ring_pvt_try_fn try_op, void *ctx,
			    const struct timespec *deadline)
{
	struct ring_wait_line *w;
	RING_ATOMIC(uint32_t) *waiters, *seqw;
	struct timespec slice, lslice;
	ssize_t rc;
	uint32_t s, cpu;
	int i, spins, busy = 0;
	const struct timespec *until;

	if (r == NULL || r->shm == NULL)
		return -EINVAL;
	if (!(r->flags & RING_F_BLOCKING))
		return -ENOTSUP;
	if (deadline != NULL && (deadline->tv_nsec < 0 || deadline->tv_nsec >= 1000000000L))
		return -EINVAL;
	w = &r->shm->wait;
	waiters = consumer ? &w->cons_waiters : &w->prod_waiters;
	seqw = consumer ? &w->cons_seq : &w->prod_seq;
	/* Spinning waits for a peer running elsewhere. A peer last seen on
	 * this very CPU cannot run while we spin (on a busy CPU it may not run
	 * before we sleep at all): go to sleep at once. The CPU words are
	 * hints a hostile peer may fake; they change only how long we spin. */
	cpu = note_cpu(consumer ? &r->shm->hint.cons_cpu : &r->shm->hint.prod_cpu);
	spins = cpu != 0 && ring_pvt_load(consumer ? &r->shm->hint.prod_cpu : &r->shm->hint.cons_cpu, relaxed) == cpu
			? 1
			: RING_PVT_SPINS;
	for (;;) {
		for (i = 0; i < spins; i++) {
			rc = try_op(r, ctx);
			if (rc != -EAGAIN && rc != -EBUSY)
				return rc;
			ring_pvt_cpu_relax();
		}
		/* Checked by this process's clock on every pass, whatever
		 * ended the last sleep (wake, EINTR, spurious, the kernel's
		 * timer): -ETIMEDOUT never comes before the deadline, and the
		 * deadline stays the caller's absolute one. */
		if (deadline_passed(deadline)) {
			ring_pvt_stat_add(r, consumer, RING_STAT_TIMEOUTS, 1);
			return -ETIMEDOUT;
		}
		/* Peers dead, ring replaced, or dead claimants to repair:
		 * before the first sleep and after every slice. */
		rc = ring_pvt_live_wait_check(r, consumer);
		if (rc < 0)
			return rc;
		s = ring_pvt_load(seqw, seq_cst);
		ring_pvt_store(waiters, 1, seq_cst);
		ring_pvt_fence(seq_cst); /* F2: pairs with F1 (and the close's RMW) */
		rc = try_op(r, ctx);
		until = deadline;
		if (rc == -EBUSY) {
			/* Lost races, not full/empty: retry (see above). */
			if (++busy < RING_PVT_BUSY_PASSES) {
				sched_yield();
				continue;
			}
			busy = 0;
			until = busy_slice(deadline, &slice);
		} else if (rc != -EAGAIN) {
			/* SPSC: this was the only possible sleeper on this
			 * side, so withdraw the flag and spare the peer a
			 * wake syscall. MPMC: others may rely on it. */
			if (r->kind == RING_KIND_SPSC)
				ring_pvt_store(waiters, 0, relaxed);
			return rc;
		} else {
			busy = 0;
			/* A bounded slice: see RING_PVT_SLICE_NS. */
			until = slice_end(deadline, &lslice);
		}
		ring_pvt_stat_add(r, consumer, RING_STAT_WAITS, 1);
		if (ring_pvt_futex_wait(futex_word(seqw), (int32_t)s, until) < 0) {
			/* EAGAIN: woken before we slept. EINTR: a signal.
			 * ETIMEDOUT: judged above by our own clock. Anything
			 * else (no futex support) would turn the loop into a
			 * busy one: report it. */
			int e = errno;

			if (e != EAGAIN && e != EINTR && e != ETIMEDOUT)
				return -e;
		}
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

int ring_push_wait(struct ring *r, const void *elem, const struct timespec *deadline)
{
	return (int)wait_fixed(r, OP_PUSH, (void *)(uintptr_t)elem, 1, deadline);
}

int ring_pop_wait(struct ring *r, void *elem, const struct timespec *deadline)
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

	return rc < 0 ? rc : ring_push_wait(r, elem, &d);
}

int ring_pop_timeout(struct ring *r, void *elem, uint64_t timeout_ns)
{
	struct timespec d;
	int rc = ring_pvt_deadline_after(timeout_ns, &d);

	return rc < 0 ? rc : ring_pop_wait(r, elem, &d);
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
	/*
	 * Wake both directions unconditionally, whatever the flags say: each
	 * sleeper retries and meets the closed bit. No sleeper is missed: if a
	 * sleeper's retry (after its F2) did not see the bit, F2 precedes the
	 * seq_cst fetch_or above in the total order, so its load of s precedes
	 * the bump below and its futex_wait cannot sleep through it. The flags
	 * are left alone: clearing one here could hide a sleeper that armed it
	 * after this point from the next push or pop.
	 */
	w = &r->shm->wait;
	bump_and_wake(&w->cons_seq);
	bump_and_wake(&w->prod_seq);
	return 0;
}
