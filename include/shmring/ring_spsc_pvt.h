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
 * "more used than capacity" is reported as -EUCLEAN, never acted on.
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

/* Copy cnt elements between the ring, from slot idx on, and buf. */
RING_PVT_INLINE void ring_pvt_spsc_copy(const struct ring *r, uint64_t idx, void *buf,
				      size_t cnt, int to_ring)
{
	unsigned char *slot = r->slots + idx * r->esz;
	unsigned char *b = (unsigned char *)buf;
	size_t first;

	if (cnt == 1) {
		if (to_ring)
			ring_pvt_copy_elem(slot, b, r->esz);
		else
			ring_pvt_copy_elem(b, slot, r->esz);
		return;
	}
	first = (size_t)(r->n - idx);
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
 * `how`, a constant at every call site: 0 for slot = pos % n, 1 for
 * pos & mask, or the element size (8 or 64) of a RING_PVT_MODE_SPSC_FAST8 /
 * _FAST64 ring: a mask, copies by moves of that size, never blocking, and
 * the full/empty cases handed whole to the out-of-line function.
 */
#define RING_PVT_HOW_FAST(how) ((how) >= 8)

/* Slot index of position pos. */
RING_PVT_INLINE uint64_t ring_pvt_spsc_index(const struct ring *r, uint64_t pos, uint32_t rule,
					     int how)
{
	if (rule == RING_RULE_N1)
		return pos; /* already in [0, n) */
	return how ? pos & r->mask : pos % r->n;
}

/*
 * Push up to cnt elements (all of them unless burst); cnt <= capacity. `rule`
 * and `how` are constants at every call site (see RING_PVT_DISPATCH), so
 * each flavour compiles to its own straight-line code.
 */
RING_PVT_INLINE ssize_t ring_pvt_spsc_enqueue(struct ring *r, const void *src, size_t cnt,
					      int burst, uint32_t rule, int how)
{
	struct ring_shared *s = r->shm;
	/* Own index: only this producer writes it, so relaxed is enough. It is
	 * still range-checked below: the peer can write it too. */
	uint64_t t = ring_pvt_load(&s->prod.tail, relaxed);
	uint64_t next;

	if (rule == RING_RULE_COUNT) {
		/* prod_cache is the position at which the ring fills given the
		 * head last read, which is <= the real head: never optimistic.
		 * A closed tail (top bit) is above any such position: slow
		 * path. A corrupt tail below it passes, and then writes at
		 * most cnt <= capacity slots, each reduced modulo n. */
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
			cnt = (size_t)room;
			next = t + cnt;
		}
	} else {
		uint64_t h = r->prod_cache;
		uint64_t free_slots;

		/* t >= n: closed (top bit) or corrupt; both are slow-path news. */
		if (ring_pvt_unlikely(t >= r->n))
			return ring_pvt_spsc_room(r, t, cnt, burst);
		free_slots = ring_pvt_n1_free(r, t, h);
		/* h == n: no index read yet (see ring_pvt_attach). */
		if (ring_pvt_unlikely(h >= r->n || free_slots < cnt)) {
			/* A1 (see ring_pvt_spsc_room): refresh inline; full and
			 * corrupt go out of line. */
			h = ring_pvt_load(&s->cons.head, acquire);
			free_slots = ring_pvt_n1_free(r, t, h);
			if (ring_pvt_likely(h < r->n && free_slots >= cnt)) {
				r->prod_cache = h;
			} else {
				ssize_t room = ring_pvt_spsc_room(r, t, cnt, burst);

				if (room < 0)
					return room;
				cnt = (size_t)room;
			}
		}
		next = t + cnt;
		if (next >= r->n)
			next -= r->n;
	}
	if (RING_PVT_HOW_FAST(how) && cnt == 1)
		ring_pvt_copy_const(r->slots + (t & r->mask) * (unsigned)how, src, (unsigned)how);
	else
		ring_pvt_spsc_copy(r, ring_pvt_spsc_index(r, t, rule, how),
				   (void *)(uintptr_t)src, cnt, 1);
	/* R1: publishes the slots written above. Pairs with A2 in
	 * ring_pvt_spsc_dequeue() / ring_pvt_spsc_avail(): a consumer that
	 * sees this tail sees them. */
	ring_pvt_store(&s->prod.tail, next, release);
	if (!RING_PVT_HOW_FAST(how) && (r->flags & RING_F_BLOCKING))
		ring_pvt_after_push(r);
	return (ssize_t)cnt;
}

/* Pop up to cnt elements (all of them unless burst); see the enqueue. */
RING_PVT_INLINE ssize_t ring_pvt_spsc_dequeue(struct ring *r, void *dst, size_t cnt, int burst,
					      uint32_t rule, int how)
{
	struct ring_shared *s = r->shm;
	/* Own index: only this consumer writes it, so relaxed is enough. */
	uint64_t h = ring_pvt_load(&s->cons.head, relaxed);
	uint64_t next;

	if (rule == RING_RULE_COUNT) {
		/* cons_cache is the tail last read, <= the real tail. A head
		 * above it (or corrupt) asks for a refresh; a corrupt head far
		 * below it passes and reads slots reduced modulo n: garbage,
		 * never out of bounds. */
		next = h + cnt;
		if (ring_pvt_unlikely(next > r->cons_cache)) {
			/* A2: pairs with R1: the slots before t are written.
			 * The common refresh stays inline; empty, closed and
			 * corrupt go out of line. */
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
				cnt = (size_t)got;
				next = h + cnt;
			}
		}
	} else {
		uint64_t t = r->cons_cache;
		uint64_t avail;

		if (ring_pvt_unlikely(h >= r->n))
			return -EUCLEAN;
		avail = ring_pvt_n1_used(r, t, h);
		/* t == n: no index read yet (see ring_pvt_attach). */
		if (ring_pvt_unlikely(t >= r->n || avail < cnt)) {
			/* A2: refresh inline; empty, closed (top bit, so
			 * t >= n) and corrupt go out of line. */
			t = ring_pvt_load(&s->prod.tail, acquire);
			avail = ring_pvt_n1_used(r, t, h);
			if (ring_pvt_likely(t < r->n && avail >= cnt)) {
				r->cons_cache = t;
			} else {
				ssize_t got = ring_pvt_spsc_avail(r, h, cnt, burst);

				if (got < 0)
					return got;
				cnt = (size_t)got;
			}
		}
		next = h + cnt;
		if (next >= r->n)
			next -= r->n;
	}
	if (RING_PVT_HOW_FAST(how) && cnt == 1)
		ring_pvt_copy_const(dst, r->slots + (h & r->mask) * (unsigned)how, (unsigned)how);
	else
		ring_pvt_spsc_copy(r, ring_pvt_spsc_index(r, h, rule, how), dst, cnt, 0);
	/* R2: frees the slots read above. Pairs with A1 in
	 * ring_pvt_spsc_room(): the producer overwrites them only after it
	 * sees this head, so only after these reads. */
	ring_pvt_store(&s->cons.head, next, release);
	if (!RING_PVT_HOW_FAST(how) && (r->flags & RING_F_BLOCKING))
		ring_pvt_after_pop(r);
	return (ssize_t)cnt;
}

#ifdef __cplusplus
}
#endif

#endif /* SHMRING_RING_SPSC_PVT_H */
