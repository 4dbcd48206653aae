/* SPDX-License-Identifier: MIT */
/*
 * Blocking and timed push/pop, end of stream, and waking.
 *
 * Protocol, per direction (consumers waiting for data shown; producers
 * waiting for room use prod_seq/prod_waiters the same way):
 *
 *   sleeper                              waker (after a push)
 *   s = load(cons_seq)                   store tail (release, R1)
 *   store(cons_waiters, 1)               F1: fence(seq_cst)
 *   F2: fence(seq_cst)                   if load(cons_waiters):
 *   try the pop again                        xchg(cons_waiters, 0)
 *   futex_wait(cons_seq, s)                  cons_seq += 1
 *                                            futex_wake(cons_seq, all)
 *
 * F1/F2: of "tail store, waiters load" and "waiters store, tail load" at least
 * one side sees the other's store, so either the retry finds the element or
 * the waker sees the flag. The waker bumps cons_seq after reading the flag the
 * sleeper stored after reading s, so the sleeper's futex_wait either returns
 * at once (value changed) or is already queued when the wake comes.
 *
 * The waker clears the flag it acted on, and every sleeper re-arms it each
 * time it goes back to sleep. A process that died asleep therefore costs one
 * extra wake, after which the flag stays clear and pushes stay syscall-free.
 *
 * The futex words live in the shared mapping, so these are shared futexes
 * (no FUTEX_PRIVATE_FLAG). liburcu's futex_async() is the syscall wrapper
 * (ring_futex_pvt.h); absolute CLOCK_MONOTONIC deadlines pass
 * FUTEX_WAIT_BITSET through it, since its FUTEX_WAIT takes a relative timeout
 * that would have to be recomputed after every EINTR.
 */
#include "ring_internal.h"

#include <errno.h>
#include <limits.h>

#include "ring_futex_pvt.h"

/* Tries before sleeping: long enough to ride out a busy peer's short stall,
 * short against the ~20 µs a cross-core sleep and wake costs. */
#define RING_PVT_SPINS 200

enum wait_op { OP_PUSH, OP_POP, OP_PUSH_BURST, OP_POP_BURST };

static int32_t *futex_word(RING_ATOMIC(uint32_t) *w)
{
	return (int32_t *)(void *)w;
}

void ring_pvt_wake(struct ring *r, int consumers)
{
	struct ring_wait_line *w = &r->shm->wait;
	RING_ATOMIC(uint32_t) *waiters = consumers ? &w->cons_waiters : &w->prod_waiters;
	RING_ATOMIC(uint32_t) *seq = consumers ? &w->cons_seq : &w->prod_seq;

	/* Another waker took it, or the flag was cleared meanwhile. */
	if (ring_pvt_xchg(waiters, 0, seq_cst) == 0)
		return;
	ring_pvt_fetch_add(seq, 1, seq_cst);
	ring_pvt_futex(futex_word(seq), FUTEX_WAKE, INT_MAX, NULL, 0);
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

static ssize_t try_op(struct ring *r, enum wait_op op, void *buf, size_t n)
{
	switch (op) {
	case OP_PUSH: return ring_push(r, buf);
	case OP_POP: return ring_pop(r, buf);
	case OP_PUSH_BURST: return ring_push_burst(r, buf, n);
	default: return ring_pop_burst(r, buf, n);
	}
}

static ssize_t wait_loop(struct ring *r, enum wait_op op, void *buf, size_t n,
			 const struct timespec *deadline)
{
	int consumer = op == OP_POP || op == OP_POP_BURST;
	struct ring_wait_line *w;
	RING_ATOMIC(uint32_t) *waiters, *seqw;
	ssize_t rc;
	int i;

	if (r == NULL || r->shm == NULL || buf == NULL)
		return -EINVAL;
	if (!(r->flags & RING_F_BLOCKING))
		return -ENOTSUP;
	if (deadline != NULL && (deadline->tv_nsec < 0 || deadline->tv_nsec >= 1000000000L))
		return -EINVAL;
	w = &r->shm->wait;
	waiters = consumer ? &w->cons_waiters : &w->prod_waiters;
	seqw = consumer ? &w->cons_seq : &w->prod_seq;
	for (;;) {
		for (i = 0; i < RING_PVT_SPINS; i++) {
			rc = try_op(r, op, buf, n);
			if (rc != -EAGAIN)
				return rc;
			ring_pvt_cpu_relax();
		}
		/* Checked by this process's clock: -ETIMEDOUT never comes
		 * before the deadline, whatever woke the futex. */
		if (deadline_passed(deadline))
			return -ETIMEDOUT;
		{
			uint32_t s = ring_pvt_load(seqw, seq_cst);

			ring_pvt_store(waiters, 1, seq_cst);
			ring_pvt_fence(seq_cst); /* F2: pairs with F1 */
			rc = try_op(r, op, buf, n);
			if (rc != -EAGAIN)
				return rc;
			/* EAGAIN (woken meanwhile), EINTR, ETIMEDOUT and
			 * spurious wakes all lead back to the top, which
			 * retries and re-checks the same deadline. */
			ring_pvt_futex(futex_word(seqw), FUTEX_WAIT_BITSET, (int32_t)s, deadline,
				       FUTEX_BITSET_MATCH_ANY);
		}
	}
}

int ring_push_wait(struct ring *r, const void *elem, const struct timespec *deadline)
{
	return (int)wait_loop(r, OP_PUSH, (void *)(uintptr_t)elem, 1, deadline);
}

int ring_pop_wait(struct ring *r, void *elem, const struct timespec *deadline)
{
	return (int)wait_loop(r, OP_POP, elem, 1, deadline);
}

ssize_t ring_push_burst_wait(struct ring *r, const void *src, size_t n,
			     const struct timespec *deadline)
{
	if (n == 0)
		return -EINVAL;
	return wait_loop(r, OP_PUSH_BURST, (void *)(uintptr_t)src, n, deadline);
}

ssize_t ring_pop_burst_wait(struct ring *r, void *dst, size_t n, const struct timespec *deadline)
{
	if (n == 0)
		return -EINVAL;
	return wait_loop(r, OP_POP_BURST, dst, n, deadline);
}

static int deadline_after(uint64_t timeout_ns, struct timespec *d)
{
	if (clock_gettime(CLOCK_MONOTONIC, d) < 0)
		return -errno;
	d->tv_sec += (time_t)(timeout_ns / 1000000000u);
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
	int rc = deadline_after(timeout_ns, &d);

	return rc < 0 ? rc : ring_push_wait(r, elem, &d);
}

int ring_pop_timeout(struct ring *r, void *elem, uint64_t timeout_ns)
{
	struct timespec d;
	int rc = deadline_after(timeout_ns, &d);

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
	if (!(r->flags & RING_F_BLOCKING))
		return 0;
	w = &r->shm->wait;
	ring_pvt_fence(seq_cst); /* F1 for both directions */
	/* Wake every sleeper unconditionally: each retries and sees -EPIPE. */
	ring_pvt_store(&w->cons_waiters, 1, relaxed);
	ring_pvt_store(&w->prod_waiters, 1, relaxed);
	ring_pvt_wake(r, 1);
	ring_pvt_wake(r, 0);
	return 0;
}
