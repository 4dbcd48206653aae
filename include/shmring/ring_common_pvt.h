/* SPDX-License-Identifier: MIT */
/*
 * Helpers shared by the SPSC and MPMC fast paths. Internal: include
 * <shmring/ring.h>.
 */
#ifndef SHMRING_RING_COMMON_PVT_H
#define SHMRING_RING_COMMON_PVT_H

#ifndef SHMRING_INSIDE_HEADERS
#error "ring_common_pvt.h is internal: include <shmring/ring.h>"
#endif

#ifdef __cplusplus
extern "C" {
#endif

/* Bound on CAS retries and stale-position reloads in one MPMC call: past it
 * the call returns -EBUSY rather than spin on other processes' progress. */
#define RING_PVT_RETRIES 64

/*
 * pos % n without a division: recip is floor((2^64 - 1) / n), computed once
 * at attach (struct ring.recip). With recip = (2^64 - 1 - e) / n, 0 <= e < n,
 * q = floor(pos * recip / 2^64) and pos * recip / 2^64 = pos / n -
 * pos * (1 + e) / (n * 2^64), which lies in (pos / n - 1, pos / n]: so
 * q is floor(pos / n) or one less, pos - q * n lies in [0, 2n), and one
 * conditional subtraction reduces it. Exact for every pos and every n >= 1,
 * so any value a hostile peer writes still gives a slot in [0, n).
 */
RING_PVT_INLINE uint64_t ring_pvt_mod(uint64_t pos, uint64_t n, uint64_t recip)
{
#if defined(__SIZEOF_INT128__)
	__extension__ typedef unsigned __int128 ring_pvt_u128;
	uint64_t q = RING_PVT_CAST(uint64_t, (RING_PVT_CAST(ring_pvt_u128, pos) * recip) >> 64);
	uint64_t rem = pos - q * n;

	return rem >= n ? rem - n : rem;
#else
	(void)recip;
	return pos % n;
#endif
}

/*
 * Inlined where the caller's element is, say, one uint64_t, gcc (11, 12) takes
 * the cases for the other sizes as reachable and warns that they overrun it
 * (-Warray-bounds, -Wstringop-overflow/-overread) in the user's build. They
 * are not reachable: esz is the ring's element size, which the caller's
 * buffer holds. Silenced here only, for this function.
 */
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Warray-bounds"
#pragma GCC diagnostic ignored "-Wstringop-overflow"
#if __GNUC__ >= 11
#pragma GCC diagnostic ignored "-Wstringop-overread"
#endif
#endif
/*
 * Copy one element. Common sizes become a few fixed-size moves instead of a
 * call into memcpy; the switch is on a handle field that never changes.
 */
RING_PVT_INLINE void ring_pvt_copy_elem(void *dst, const void *src, uint32_t esz)
{
	if (ring_pvt_likely(esz == 8)) {
		memcpy(dst, src, 8);
		return;
	}
	switch (esz) {
	case 4: memcpy(dst, src, 4); break;
	case 16: memcpy(dst, src, 16); break;
	case 32: memcpy(dst, src, 32); break;
	case 64: memcpy(dst, src, 64); break;
	default: memcpy(dst, src, esz); break;
	}
}

/* Copy `size` bytes, a constant at every call site (the element size of a
 * RING_PVT_MODE_SPSC_FAST* ring); under the same pragmas as above, for the
 * same reason: only the caller's ring's size is ever reached. */
RING_PVT_INLINE void ring_pvt_copy_const(void *dst, const void *src, unsigned size)
{
	memcpy(dst, src, size);
}
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif

/*
 * Counters (ring_layout.h, RING_STAT_*): one relaxed add to the calling
 * side's own stat line, on paths that are already out of the ordinary
 * (full, empty, closed, corrupt, contended). Orders nothing.
 */
RING_PVT_INLINE void ring_pvt_stat_inc(struct ring_stat_line *line, unsigned word)
{
#ifdef SHMRING_PVT_NO_STATS /* measurement builds only: nothing counted */
	(void)line;
	(void)word;
#else
	ring_pvt_fetch_add(&line->words[word], 1, relaxed);
#endif
}

/* Out of line (src/ring_ops.c): count counter `word` of the consumers' stat
 * line if `consumer`, else the producers' (RING_STAT_*), and return rc. For
 * the inline paths' rare returns: a call there keeps the counter's address
 * arithmetic out of the callers' loops. */
RING_API ssize_t ring_pvt_stat_ret(struct ring *r, int consumer, unsigned word, ssize_t rc);

/*
 * n-1 rule: publish this side's index `next`, which has just wrapped from
 * n - 1 past 0, and count the lap (RING_STAT_LAPS): laps + 1 (odd: "a wrap
 * is being published"), the index (release, as the caller's store would
 * be), laps + 2 (release). A reader that sees the same even value before
 * and after its read of the index knows which lap that index belongs to
 * (ring_stats.c). Runs once per n elements, out of line
 * (ring_pvt_spsc_wrap); the single writer of each side needs no RMW. An odd
 * value left by a process that died mid-wrap is rounded up.
 * SHMRING_PVT_NO_LAPS, defined before including <shmring/ring.h>, compiles
 * the inline fast path without this (benchmarks only: the price of the lap
 * counter; pushes and pops are then miscounted).
 */
RING_PVT_INLINE void ring_pvt_n1_publish_wrap(RING_ATOMIC(uint64_t) *idx,
					      RING_ATOMIC(uint64_t) *laps, uint64_t next)
{
	uint64_t l = (ring_pvt_load(laps, relaxed) + 1) & ~RING_PVT_CAST(uint64_t, 1);

	ring_pvt_store(laps, l + 1, relaxed); /* ordered before R1/R2 below */
	ring_pvt_store(idx, next, release);
	ring_pvt_store(laps, l + 2, release);
}

/*
 * Test builds only (SHMRING_TEST_HOOKS, never in an installed build): a call
 * at each step of the wake and close paths, where a test kills or stops the
 * process to show that a dying waker strands nobody.
 */
#define RING_HOOK_PUBLISHED 1   /* index/slot stored, waiter count not read */
#define RING_HOOK_WAKE_SEEN 2   /* a waiter seen, sequence not bumped */
#define RING_HOOK_WAKE_BUMPED 3 /* sequence bumped, FUTEX_WAKE not issued */
#define RING_HOOK_CLOSE_SET 4   /* closed bit set, nobody woken */
#define RING_HOOK_CLOSE_CONS_WOKEN 5 /* consumers woken, producers not */
#define RING_HOOK_ARMED 6       /* a sleeper counted itself, not asleep yet */
#define RING_HOOK_FD_CLEARED 7  /* a descriptor waiter's bit cleared, datagram not sent */
#ifdef SHMRING_TEST_HOOKS
void ring_pvt_test_hook(int point); /* defined by the test program */
#define RING_PVT_HOOK(p) ring_pvt_test_hook(p)
#else
#define RING_PVT_HOOK(p) ((void)0)
#endif

/*
 * After publishing (push) or releasing (pop) n slots on a blocking ring: wake
 * up to n of the other side's sleepers if one is armed that no wake covers
 * yet. The whole protocol,
 * sleeper side and the death cases included, is at the top of
 * src/ring_wait.c.
 *
 * F1 orders the store just made (SPSC: tail or head; MPMC: the slot's
 * sequence word) before the load of the waiter count. It pairs with F2 in
 * ring_wait.c, where a sleeper adds itself to the count, fences, then retries
 * its push/pop: with both, at least one side sees the other's store, so a
 * sleeper either finds the element (room) or is woken; release/acquire alone
 * allows both to miss (store buffering), even on x86. Where this process is
 * registered for membarrier(MEMBARRIER_CMD_GLOBAL_EXPEDITED) (r->wake_fence
 * == 0), F1 is only a compiler barrier: the sleeper's membarrier call stands
 * in for it, so a busy ring pays no fence per operation. A non-blocking ring
 * pays one flag test; a blocking one that test, the wake_fence test and one
 * compare of the waiter word (RING_WAIT_PENDING).
 */
/* The mapping starts RING_DATA_OFFSET before the first slot (attach sets
 * both, src/ring_attach.c): the shared lines' address from r->slots, which
 * the fast paths hold anyway, without a load of r->shm. */
RING_PVT_INLINE struct ring_shared *ring_pvt_shm_of(unsigned char *slots)
{
	return RING_PVT_CAST(struct ring_shared *, RING_PVT_CAST(void *, slots - RING_DATA_OFFSET));
}

/* The common end of both checks: a sleeper armed that no wake covers yet. */
RING_PVT_INLINE void ring_pvt_wake_if_pending(struct ring *r, RING_ATOMIC(uint32_t) *waiters,
					      int consumers, size_t n)
{
	uint32_t w = ring_pvt_load(waiters, relaxed);

	if (ring_pvt_unlikely(RING_WAIT_PENDING(w)))
		ring_pvt_wake(r, consumers, n);
}

RING_PVT_INLINE void ring_pvt_wake_check(struct ring *r, RING_ATOMIC(uint32_t) *waiters,
					 int consumers, size_t n)
{
	RING_PVT_HOOK(RING_HOOK_PUBLISHED);
	if (ring_pvt_unlikely(r->wake_fence))
		ring_pvt_fence(seq_cst); /* F1 */
	else
		ring_pvt_signal_fence(seq_cst); /* F1, the light half of membarrier */
	ring_pvt_wake_if_pending(r, waiters, consumers, n);
}

/*
 * The same on a handle known to have wake_light set (ring_push_wait and
 * ring_pop_wait test it before their inline try): no flag or wake_fence
 * test, and s is the caller's copy of r->shm, read before its stores (an
 * element copy may alias the handle, so a field read after it is loaded
 * again).
 */
RING_PVT_INLINE void ring_pvt_wake_check_light(struct ring *r, RING_ATOMIC(uint32_t) *waiters,
					       int consumers, size_t n)
{
	RING_PVT_HOOK(RING_HOOK_PUBLISHED);
	ring_pvt_signal_fence(seq_cst); /* F1, the light half of membarrier */
	ring_pvt_wake_if_pending(r, waiters, consumers, n);
}

/* After a push (pop) of n: light 0, test the handle (any ring); 1, the
 * caller established r->wake_light. */
RING_PVT_INLINE void ring_pvt_after_push_w(struct ring *r, struct ring_shared *s, int light,
					   size_t n)
{
	if (light)
		ring_pvt_wake_check_light(r, &s->wait.cons_waiters, 1, n);
	else if (r->flags & RING_F_BLOCKING)
		ring_pvt_wake_check(r, &s->wait.cons_waiters, 1, n);
}

RING_PVT_INLINE void ring_pvt_after_pop_w(struct ring *r, struct ring_shared *s, int light,
					  size_t n)
{
	if (light)
		ring_pvt_wake_check_light(r, &s->wait.prod_waiters, 0, n);
	else if (r->flags & RING_F_BLOCKING)
		ring_pvt_wake_check(r, &s->wait.prod_waiters, 0, n);
}

RING_PVT_INLINE void ring_pvt_after_push_n(struct ring *r, size_t n)
{
	if (r->flags & RING_F_BLOCKING)
		ring_pvt_wake_check(r, &r->shm->wait.cons_waiters, 1, n);
}

RING_PVT_INLINE void ring_pvt_after_pop_n(struct ring *r, size_t n)
{
	if (r->flags & RING_F_BLOCKING)
		ring_pvt_wake_check(r, &r->shm->wait.prod_waiters, 0, n);
}

RING_PVT_INLINE void ring_pvt_after_push(struct ring *r) { ring_pvt_after_push_n(r, 1); }
RING_PVT_INLINE void ring_pvt_after_pop(struct ring *r) { ring_pvt_after_pop_n(r, 1); }

#ifdef __cplusplus
}
#endif

#endif /* SHMRING_RING_COMMON_PVT_H */
