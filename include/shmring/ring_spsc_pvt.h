/* SPDX-License-Identifier: MIT */
/*
 * SPSC fast path, both capacity rules. Internal: include <shmring/ring.h>.
 *
 * n-1 rule (RING_RULE_N1): tail = in and head = out, both in [0, n). Empty
 * when in == out, full when (in + 1) % n == out: one slot stays unused so that
 * full and empty differ while each side writes only its own index.
 *
 * Count rule (RING_RULE_COUNT): tail and head count elements ever pushed and
 * popped (free-running 64-bit, compared only by unsigned difference); the
 * count is tail - head, so all n slots hold data and each word still has one
 * writer.
 *
 * Both indices are shared memory and may be written by a hostile peer, so
 * every value read is range-checked before it decides a slot address, and
 * "more used than capacity" is reported as -EUCLEAN, never acted on. Each
 * side keeps its own index in its handle (prod_pos, cons_pos) and stores it
 * to shared memory, never loading it back on the fast path; the slow paths
 * compare (producer) or adopt (first call) what shared memory holds.
 */
#ifndef SHMRING_RING_SPSC_PVT_H
#define SHMRING_RING_SPSC_PVT_H

#ifndef SHMRING_INSIDE_HEADERS
#error "ring_spsc_pvt.h is internal: include <shmring/ring.h>"
#endif

#include <errno.h>

#include "ring_common_pvt.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Slow paths (src/ring_ops.c): reload the other side's index and decide
 * how many elements move, or why none can. */
RING_API ssize_t ring_pvt_spsc_room(struct ring *r, uint64_t tail, size_t cnt, int burst);
RING_API ssize_t ring_pvt_spsc_avail(struct ring *r, uint64_t head, size_t cnt, int burst);
/* n-1 rule, out of line: a push (push != 0) or pop of up to cnt elements
 * whose move wraps the index past n - 1, or whose own index is not known
 * yet. Publishes a wrap with its lap (ring_pvt_n1_publish_wrap); results
 * as the inline calls. */
RING_API ssize_t ring_pvt_spsc_wrap(struct ring *r, void *buf, size_t cnt, int burst, int push);

/* Copy cnt elements between the ring, from slot idx on, and buf. */
RING_PVT_INLINE void ring_pvt_spsc_copy(const struct ring *r, uint64_t idx, void *buf,
				      size_t cnt, int to_ring)
{
	unsigned char *slot = r->slots + idx * r->esz;
	unsigned char *b = RING_PVT_CAST(unsigned char *, buf);
	size_t first;

	if (cnt == 1) {
		if (to_ring)
			ring_pvt_copy_elem(slot, b, r->esz);
		else
			ring_pvt_copy_elem(b, slot, r->esz);
		return;
	}
	first = RING_PVT_CAST(size_t, r->n - idx);
	if (first > cnt)
		first = cnt;
	if (to_ring) {
		memcpy(slot, b, first * r->esz);
		memcpy(r->slots, b + first * r->esz, (cnt - first) * r->esz);
	} else {
		memcpy(b, slot, first * r->esz);
		memcpy(b + first * r->esz, r->slots, (cnt - first) * r->esz);
	}
}

/* n-1 rule, out = h and in = t in [0, n) (an h or t of n, "not read yet",
 * gives values the callers never act on): elements stored, and free slots
 * (n - 1 - used, written so that it costs no more than the subtraction). */
RING_PVT_INLINE uint64_t ring_pvt_n1_used(const struct ring *r, uint64_t t, uint64_t h)
{
	return t >= h ? t - h : t + r->n - h;
}

RING_PVT_INLINE uint64_t ring_pvt_n1_free(const struct ring *r, uint64_t t, uint64_t h)
{
	return (h > t ? h - t : h + r->n - t) - 1;
}

/*
 * n-1 rule, in = t and out = h both in [0, n): do cnt more elements fit
 * (producer), are cnt stored (consumer)? With cnt == 1, a constant at the
 * single-element call sites, these are one comparison each: full when
 * in + 1 == out (mod n), empty when in == out.
 */
RING_PVT_INLINE int ring_pvt_n1_fits(uint64_t n, uint64_t t, uint64_t h, size_t cnt)
{
	if (cnt == 1)
		return (t + 1 == n ? 0 : t + 1) != h;
	return (h > t ? h - t : h + n - t) - 1 >= cnt;
}

RING_PVT_INLINE int ring_pvt_n1_holds(uint64_t n, uint64_t t, uint64_t h, size_t cnt)
{
	if (cnt == 1)
		return t != h;
	return (t >= h ? t - h : t + n - h) >= cnt;
}

/*
 * n-1 rule, the handle's caches as limits (prod_cache, cons_cache): the own
 * index up to which a move needs no refresh and does not wrap, from an in
 * (t) and out (h) both checked < n. Producer: up to out - 1 when out is
 * ahead, else up to n - 1 (the wrap goes out of line). Consumer: up to in
 * when in is not behind, else up to n - 1. So the inline test of a move of
 * cnt from own index x is x + cnt > limit, one comparison as in the count
 * rule, and x + cnt <= limit <= n - 1 keeps every slot touched in range.
 * A limit stays true while the index moves up to it without wrapping (the
 * other side only frees or fills more); a move that wraps resets it to 0
 * ("refresh first"), as ring_pvt_spsc_forget does. The inline refreshes
 * below compute the same values branch by branch.
 */
RING_PVT_INLINE uint64_t ring_pvt_n1_plimit(uint64_t n, uint64_t t, uint64_t h)
{
	return h > t ? h - 1 : n - 1;
}

RING_PVT_INLINE uint64_t ring_pvt_n1_climit(uint64_t n, uint64_t t, uint64_t h)
{
	return t >= h ? t : n - 1;
}

/*
 * `how`, a constant at every call site: 0 for slot = pos % n, 1 for
 * pos & mask, or the element size (8 or 64) of a RING_PVT_MODE_SPSC_FAST* /
 * _N1_* ring: copies by moves of that size, and the
 * full/empty cases handed whole to the out-of-line function.
 */
#define RING_PVT_HOW_FAST(how) ((how) >= 8)

/* Slot index of position pos (no division: see ring_pvt_mod). */
RING_PVT_INLINE uint64_t ring_pvt_spsc_index(const struct ring *r, uint64_t pos, uint64_t n,
					     uint64_t mask, uint32_t rule, int how)
{
	if (rule == RING_RULE_N1)
		return pos; /* already in [0, n) */
	return how ? pos & mask : ring_pvt_mod(pos, n, r->idx.recip);
}

/*
 * Make the handle forget its own index on one side (producer: prod, else
 * consumer), as after attach: the next call on that side takes its slow
 * path and reads the index from shared memory. The caches are set so that
 * every fast-path test fails for an unknown position (see the enqueue and
 * dequeue) without a range test of its own.
 */
RING_PVT_INLINE void ring_pvt_spsc_forget(struct ring *r, int prod)
{
	if (prod) {
		r->prod_pos = RING_PVT_POS_UNKNOWN;
		r->prod_cache = 0; /* both rules: below every position */
	} else {
		r->cons_pos = RING_PVT_POS_UNKNOWN;
		r->cons_cache = 0;
	}
}

/*
 * Push up to cnt elements (all of them unless burst); cnt <= capacity. `rule`
 * and `how` are constants at every call site (see RING_PVT_DISPATCH), so
 * each flavour compiles to its own straight-line code; so is `light`: 1 only
 * where the caller tested r->wake_light (ring_push_wait), see
 * ring_pvt_after_push_w.
 *
 * Own index: the handle's prod_pos, never loaded from shared memory here
 * (that line is the one the consumer polls; loading it put a coherence miss
 * on every push). The slow path (ring_pvt_spsc_room) reads tail once per
 * refresh, adopts it when prod_pos is RING_PVT_POS_UNKNOWN, and otherwise
 * checks it: a closed bit gives -EPIPE, any other difference -EUCLEAN.
 *
 * Every handle field is read into a local before the first store: the
 * element copy goes through unsigned char, which may alias the handle, so a
 * field read after it would be loaded again.
 */
RING_PVT_INLINE ssize_t ring_pvt_spsc_enqueue_w(struct ring *r, const void *src, size_t cnt,
						int burst, uint32_t rule, int how, int light)
{
	unsigned char *slots = r->slots;
	struct ring_shared *s = ring_pvt_shm_of(slots);
	const uint64_t n = r->n, mask = r->mask;
	uint64_t t = r->prod_pos;
	uint64_t next;

	if (rule == RING_RULE_COUNT) {
		/* prod_cache is the position at which the ring fills given the
		 * head last read, which is <= the real head: never optimistic.
		 * RING_PVT_POS_UNKNOWN is above any such position. An n-1 ring
		 * of a FAST mode comes here too (RING_PVT_MODE_SPSC_FAST8):
		 * its prod_cache is ring_pvt_n1_plimit, so next <= n - 1 and
		 * the index does not wrap here; refreshing and wrapping are
		 * the out-of-line call's, which takes the n-1 branch below. */
		next = t + cnt;
		if (ring_pvt_unlikely(next > r->prod_cache)) {
			ssize_t room;

			/* The inlined flavour hands the whole call over (a tail
			 * call): no value outlives a call, so the caller's
			 * loop saves no registers for this rare case. */
			if (RING_PVT_HOW_FAST(how))
				return ring_pvt_enqueue_other(r, src, cnt, burst);
			room = ring_pvt_spsc_room(r, t, cnt, burst);
			if (room < 0)
				return room;
			cnt = RING_PVT_CAST(size_t, room);
			t = r->prod_pos;
			next = t + cnt;
		}
	} else {
		/* prod_cache is the limit of ring_pvt_n1_plimit (0 while the
		 * index is unknown or after a wrap): the common push is one
		 * comparison, as in the count rule. */
		next = t + cnt;
		if (ring_pvt_unlikely(next > r->prod_cache)) {
			/* n read here, not with the other fields: the common
			 * path does not need it, and no store came before. */
			const uint64_t nn = r->n;
			/* A1 (see ring_pvt_spsc_room): refresh inline; full,
			 * corrupt (out >= n), a lost role and a move that
			 * wraps go out of line. */
			uint64_t h = ring_pvt_load(&s->cons.head, acquire);
			int ok;

			if (h > t) {
				/* Out ahead: up to out - 1; out < n keeps
				 * next < n. */
				ok = next < h && h < nn;
				if (ring_pvt_likely(ok))
					r->prod_cache = h - 1;
			} else {
				/* Up to n - 1. A move that wraps the index past
				 * n - 1 (once per lap), or an unknown prod_pos
				 * (RING_PVT_POS_UNKNOWN >= n), goes out of line,
				 * where the wrap is published with its lap count
				 * (RING_STAT_LAPS). */
				if (ring_pvt_unlikely(next >= nn))
					return ring_pvt_spsc_wrap(r, RING_PVT_UNCONST(src), cnt, burst, 1);
				ok = h < nn; /* and t < next < n */
				if (ring_pvt_likely(ok))
					r->prod_cache = nn - 1;
			}
			if (ring_pvt_unlikely(!ok)) {
				ssize_t room;

				if (RING_PVT_HOW_FAST(how))
					return ring_pvt_enqueue_other(r, src, cnt, burst);
				/* Any move that would wrap is the wrap path's,
				 * whatever the refresh found. */
				if (next >= nn)
					return ring_pvt_spsc_wrap(r, RING_PVT_UNCONST(src), cnt, burst, 1);
				room = ring_pvt_spsc_room(r, t, cnt, burst);
				if (room < 0)
					return room;
				/* t was known (< n, an unknown one wrapped
				 * above) and room gives at most cnt: next
				 * stays < n. */
				cnt = RING_PVT_CAST(size_t, room);
				t = r->prod_pos;
				next = t + cnt;
			}
		}
	}
	if (RING_PVT_HOW_FAST(how) && cnt == 1)
		ring_pvt_copy_const(slots + ring_pvt_spsc_index(r, t, n, mask, rule, how) * RING_PVT_CAST(unsigned, how),
				    src, RING_PVT_CAST(unsigned, how));
	else
		ring_pvt_spsc_copy(r, ring_pvt_spsc_index(r, t, n, mask, rule, how),
				   RING_PVT_UNCONST(src), cnt, 1);
	/* R1: publishes the slots written above. Pairs with A2 in
	 * ring_pvt_spsc_dequeue() / ring_pvt_spsc_avail(): a consumer that
	 * sees this tail sees them. */
	ring_pvt_store(&s->prod.tail, next, release);
	r->prod_pos = next;
	ring_pvt_after_push_w(r, s, light, cnt);
	return RING_PVT_CAST(ssize_t, cnt);
}

RING_PVT_INLINE ssize_t ring_pvt_spsc_enqueue(struct ring *r, const void *src, size_t cnt,
					      int burst, uint32_t rule, int how)
{
	return ring_pvt_spsc_enqueue_w(r, src, cnt, burst, rule, how, 0);
}

/* Pop up to cnt elements (all of them unless burst); see the enqueue. The
 * own index is the handle's cons_pos, adopted from head by the slow path
 * (ring_pvt_spsc_avail) when RING_PVT_POS_UNKNOWN. */
RING_PVT_INLINE ssize_t ring_pvt_spsc_dequeue_w(struct ring *r, void *dst, size_t cnt, int burst,
						uint32_t rule, int how, int light)
{
	unsigned char *slots = r->slots;
	struct ring_shared *s = ring_pvt_shm_of(slots);
	const uint64_t n = r->n, mask = r->mask;
	uint64_t h = r->cons_pos;
	uint64_t next;

	if (rule == RING_RULE_COUNT) {
		/* cons_cache is the tail last read, <= the real tail. A head of
		 * RING_PVT_POS_UNKNOWN is above it, and the refresh's range
		 * test fails for it whatever an honest tail holds. A corrupt
		 * tail that passes the test makes the pop read slots reduced
		 * modulo n: garbage, never out of bounds.
		 * An n-1 ring of a FAST mode (power-of-two n) comes here too:
		 * its cons_cache is ring_pvt_n1_climit, and the refresh below
		 * is that of the n-1 branch. An honest in t < n passes the
		 * test exactly when h < t and next <= t (then t - h <= n - 1
		 * = cap), so cons_cache = t is climit's value and the pop does
		 * not wrap; a producer that wrapped (t < h) or an empty ring
		 * fails it and goes out of line, to the n-1 branch. A corrupt
		 * t >= n that passes is as above (slots pos & mask, in bounds)
		 * and leaves cons_cache >= n and cons_pos up to it; the n-1
		 * code, which indexes slots unmasked, is entered only through
		 * ring_pvt_dequeue_other, which then makes it refresh first,
		 * and its range tests give -EUCLEAN. */
		next = h + cnt;
		if (ring_pvt_unlikely(next > r->cons_cache)) {
			/* A2: pairs with R1: the slots before t are written.
			 * The common refresh stays inline; empty, closed,
			 * corrupt and a first pop go out of line. */
			uint64_t t = ring_pvt_load(&s->prod.tail, acquire);
			uint64_t avail = t - h;

			if (ring_pvt_likely(avail - 1 < r->cap && avail >= cnt)) {
				r->cons_cache = t;
			} else if (RING_PVT_HOW_FAST(how)) {
				return ring_pvt_dequeue_other(r, dst, cnt, burst);
			} else {
				ssize_t got = ring_pvt_spsc_avail(r, h, cnt, burst);

				if (got < 0)
					return got;
				cnt = RING_PVT_CAST(size_t, got);
				h = r->cons_pos;
				next = h + cnt;
			}
		}
	} else {
		/* cons_cache is the limit of ring_pvt_n1_climit (0 while the
		 * index is unknown or after a wrap). */
		next = h + cnt;
		if (ring_pvt_unlikely(next > r->cons_cache)) {
			const uint64_t nn = r->n; /* as in the enqueue */
			/* A2: refresh inline; empty, closed (top bit, so
			 * in >= n), corrupt, a lost role and a move that wraps
			 * go out of line. */
			uint64_t t = ring_pvt_load(&s->prod.tail, acquire);
			int ok;

			if (t >= h) {
				/* In not behind: up to in; next <= t < n, so
				 * no wrap and every slot in range. */
				ok = next <= t && t < nn;
				if (ring_pvt_likely(ok))
					r->cons_cache = t;
			} else {
				/* Up to n - 1; a wrap or an unknown cons_pos
				 * (>= n) goes out of line, as in the enqueue. */
				if (ring_pvt_unlikely(next >= nn))
					return ring_pvt_spsc_wrap(r, dst, cnt, burst, 0);
				ok = 1; /* t < h < next < n */
				r->cons_cache = nn - 1;
			}
			if (ring_pvt_unlikely(!ok)) {
				ssize_t got;

				if (RING_PVT_HOW_FAST(how))
					return ring_pvt_dequeue_other(r, dst, cnt, burst);
				/* A closed in (>= n) passes the branch above
				 * whatever the data: a move that would wrap is
				 * the wrap path's, as in the enqueue. */
				if (next >= nn)
					return ring_pvt_spsc_wrap(r, dst, cnt, burst, 0);
				got = ring_pvt_spsc_avail(r, h, cnt, burst);
				if (got < 0)
					return got;
				cnt = RING_PVT_CAST(size_t, got);
				h = r->cons_pos;
				next = h + cnt; /* < n, as in the enqueue */
			}
		}
	}
	if (RING_PVT_HOW_FAST(how) && cnt == 1)
		ring_pvt_copy_const(dst, slots + ring_pvt_spsc_index(r, h, n, mask, rule, how) * RING_PVT_CAST(unsigned, how),
				    RING_PVT_CAST(unsigned, how));
	else
		ring_pvt_spsc_copy(r, ring_pvt_spsc_index(r, h, n, mask, rule, how), dst, cnt, 0);
	/* R2: frees the slots read above. Pairs with A1 in
	 * ring_pvt_spsc_room(): the producer overwrites them only after it
	 * sees this head, so only after these reads. */
	ring_pvt_store(&s->cons.head, next, release);
	r->cons_pos = next;
	ring_pvt_after_pop_w(r, s, light, cnt);
	return RING_PVT_CAST(ssize_t, cnt);
}

RING_PVT_INLINE ssize_t ring_pvt_spsc_dequeue(struct ring *r, void *dst, size_t cnt, int burst,
					      uint32_t rule, int how)
{
	return ring_pvt_spsc_dequeue_w(r, dst, cnt, burst, rule, how, 0);
}

#ifdef __cplusplus
}
#endif

#endif /* SHMRING_RING_SPSC_PVT_H */
