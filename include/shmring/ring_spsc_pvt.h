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
 * `how`, a constant at every call site: 0 for slot = pos % n, 1 for
 * pos & mask, or the element size (8 or 64) of a RING_PVT_MODE_SPSC_FAST* /
 * _N1_* ring: copies by moves of that size, never blocking, and the
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
		r->prod_cache = r->rule == RING_RULE_N1 ? RING_PVT_POS_UNKNOWN + 1 : 0;
	} else {
		r->cons_pos = RING_PVT_POS_UNKNOWN;
		r->cons_cache = r->rule == RING_RULE_N1 ? RING_PVT_POS_UNKNOWN : 0;
	}
}

/*
 * Push up to cnt elements (all of them unless burst); cnt <= capacity. `rule`
 * and `how` are constants at every call site (see RING_PVT_DISPATCH), so
 * each flavour compiles to its own straight-line code.
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
RING_PVT_INLINE ssize_t ring_pvt_spsc_enqueue(struct ring *r, const void *src, size_t cnt,
					      int burst, uint32_t rule, int how)
{
	struct ring_shared *s = r->shm;
	unsigned char *slots = r->slots;
	const uint64_t n = r->n, mask = r->mask;
	uint64_t t = r->prod_pos;
	uint64_t next;

	if (rule == RING_RULE_COUNT) {
		/* prod_cache is the position at which the ring fills given the
		 * head last read, which is <= the real head: never optimistic.
		 * RING_PVT_POS_UNKNOWN is above any such position. */
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
		uint64_t h = r->prod_cache;

		/* One element (cnt is a constant at ring_push's call site):
		 * next is computed once and the test is next == out. An
		 * unknown prod_pos comes with prod_cache RING_PVT_POS_UNKNOWN
		 * + 1 (ring_pvt_spsc_forget), which fails the test, and the
		 * refresh refuses t >= n: no range test on the common path. A
		 * known prod_pos implies a checked prod_cache (< n): the slow
		 * path that adopted the one set the other. */
#ifndef SHMRING_PVT_NO_LAPS
		/* A move that wraps the index past n - 1 (once per lap), or an
		 * unknown prod_pos (>= n), goes out of line, where the wrap is
		 * published with its lap count (RING_STAT_LAPS). So next never
		 * wraps here: one comparison where the modular step was a
		 * comparison and a conditional move. */
		if (ring_pvt_unlikely(t + cnt >= n))
			return ring_pvt_spsc_wrap(r, RING_PVT_UNCONST(src), cnt, burst, 1);
		next = t + 1;
#else
		/* Benchmarks only: the same without the lap counter. */
		next = t + 1 == n ? 0 : t + 1;
#endif
		if (ring_pvt_unlikely(cnt == 1 ? next == h : !ring_pvt_n1_fits(n, t, h, cnt))) {
			/* A1 (see ring_pvt_spsc_room): refresh inline; full,
			 * corrupt and unknown go out of line. */
			h = ring_pvt_load(&s->cons.head, acquire);
			if (ring_pvt_likely(t < n && h < n && ring_pvt_n1_fits(n, t, h, cnt))) {
				r->prod_cache = h;
			} else if (RING_PVT_HOW_FAST(how)) {
				return ring_pvt_enqueue_other(r, src, cnt, burst);
			} else {
				ssize_t room = ring_pvt_spsc_room(r, t, cnt, burst);

				if (room < 0)
					return room;
				cnt = RING_PVT_CAST(size_t, room);
				t = r->prod_pos;
				next = t + 1 == n ? 0 : t + 1;
			}
		}
		if (cnt != 1) {
			next = t + cnt;
			if (next >= n)
				next -= n;
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
	if (!RING_PVT_HOW_FAST(how) && (r->flags & RING_F_BLOCKING))
		ring_pvt_after_push(r);
	return RING_PVT_CAST(ssize_t, cnt);
}

/* Pop up to cnt elements (all of them unless burst); see the enqueue. The
 * own index is the handle's cons_pos, adopted from head by the slow path
 * (ring_pvt_spsc_avail) when RING_PVT_POS_UNKNOWN. */
RING_PVT_INLINE ssize_t ring_pvt_spsc_dequeue(struct ring *r, void *dst, size_t cnt, int burst,
					      uint32_t rule, int how)
{
	struct ring_shared *s = r->shm;
	unsigned char *slots = r->slots;
	const uint64_t n = r->n, mask = r->mask;
	uint64_t h = r->cons_pos;
	uint64_t next;

	if (rule == RING_RULE_COUNT) {
		/* cons_cache is the tail last read, <= the real tail. A head of
		 * RING_PVT_POS_UNKNOWN is above it, and the refresh's range
		 * test fails for it whatever an honest tail holds. A corrupt
		 * tail that passes the test makes the pop read slots reduced
		 * modulo n: garbage, never out of bounds. */
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
		uint64_t t = r->cons_cache;

		/* An unknown cons_pos comes with cons_cache equal to it
		 * (ring_pvt_spsc_forget): "empty", and the refresh refuses
		 * h >= n. A known cons_pos implies a checked cons_cache. */
#ifndef SHMRING_PVT_NO_LAPS
		/* A wrap or an unknown cons_pos: out of line, as in the
		 * enqueue. */
		if (ring_pvt_unlikely(h + cnt >= n))
			return ring_pvt_spsc_wrap(r, dst, cnt, burst, 0);
#endif
		if (ring_pvt_unlikely(!ring_pvt_n1_holds(n, t, h, cnt))) {
			/* A2: refresh inline; empty, closed (top bit, so
			 * t >= n), corrupt and unknown go out of line. */
			t = ring_pvt_load(&s->prod.tail, acquire);
			if (ring_pvt_likely(h < n && t < n && ring_pvt_n1_holds(n, t, h, cnt))) {
				r->cons_cache = t;
			} else if (RING_PVT_HOW_FAST(how)) {
				return ring_pvt_dequeue_other(r, dst, cnt, burst);
			} else {
				ssize_t got = ring_pvt_spsc_avail(r, h, cnt, burst);

				if (got < 0)
					return got;
				cnt = RING_PVT_CAST(size_t, got);
				h = r->cons_pos;
			}
		}
#ifndef SHMRING_PVT_NO_LAPS
		next = h + cnt; /* < n: a wrap went out of line above */
#else
		if (cnt == 1) {
			next = h + 1 == n ? 0 : h + 1;
		} else {
			next = h + cnt;
			if (next >= n)
				next -= n;
		}
#endif
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
	if (!RING_PVT_HOW_FAST(how) && (r->flags & RING_F_BLOCKING))
		ring_pvt_after_pop(r);
	return RING_PVT_CAST(ssize_t, cnt);
}

#ifdef __cplusplus
}
#endif

#endif /* SHMRING_RING_SPSC_PVT_H */
