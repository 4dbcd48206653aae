/* SPDX-License-Identifier: MIT */
/*
 * Slot-sequenced SPSC fast path (RING_RULE_SEQ). Internal: include
 * <shmring/ring.h>.
 *
 * Every slot carries its own sequence word (ring_layout.h, struct
 * ring_seq_slot), so a hand-off moves the slot's line and nothing else: the
 * producer at position p waits for seq == p (free), writes the element and
 * stores seq = p + 1; the consumer at position c waits for seq == c + 1,
 * copies the element out and stores seq = c + n (free for the producer's
 * next lap). Neither side reads an index word on this path; each keeps its
 * position in its handle (prod_pos, cons_pos) and stores it to prod.tail /
 * cons.head once per call (relaxed), after its slot words, for ring_count,
 * statistics, the wait loop's progress test and a role taker's recovery
 * (src/ring_seq.c).
 *
 * Ordering:
 *   R8 (producer, seq = p + 1, release) pairs with A8 (consumer's acquire
 *      load that reads p + 1): the element written before R8 is what the
 *      consumer copies.
 *   R9 (consumer, seq = c + n, release) pairs with A9 (producer's acquire
 *      load that reads p = c + n): the consumer's copy of the element is
 *      complete before the producer overwrites the slot.
 * Blocking rings (RING_PVT_MODE_SEQ): the publish of the wait protocol
 * (src/ring_wait.c, src/ring_waitfd.c) is R8 (R9 for room) and the copy of
 * the position stored after it; both come before F1 in
 * ring_pvt_after_push_n / _pop_n. A sleeper's retry after its F2 is a
 * push/pop that loads the slot word (store buffering between the slot word
 * and *_waiters, as for the index of the other rules); a descriptor waiter's
 * look is ring_count, which reads the copies, stored before F1 as well. So
 * either the sleeper (waiter) sees the element (room) or the waker sees it
 * armed. Close: ring_close_write's RMW on tail, as for the other rules; the
 * consumer's slow path loads tail (acquire) and then the slot word again
 * (src/ring_seq.c).
 *
 * Each sequence word is loaded once and compared with the one value that
 * lets the call go on; any other value (not ready, or garbage from a
 * hostile peer) goes out of line, which tells full/empty from corrupt. A
 * garbage value that happens to match only lets the call copy a slot that
 * is in bounds whatever the position (p & mask): garbage payload, never an
 * out-of-bounds access.
 */
#ifndef SHMRING_RING_SEQ_PVT_H
#define SHMRING_RING_SEQ_PVT_H

#ifndef SHMRING_INSIDE_HEADERS
#error "ring_seq_pvt.h is internal: include <shmring/ring.h>"
#endif

#include <errno.h>

#include "ring_common_pvt.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Slow paths (src/ring_seq.c): the first slot of a call was not ready, or
 * the handle does not know its position or lacks the role. They recover the
 * position if needed, tell full/empty, closed and corrupt apart, and move
 * the elements when they can. Results as the inline calls. */
RING_API ssize_t ring_pvt_seq_push_slow(struct ring *r, const void *src, size_t cnt, int burst);
RING_API ssize_t ring_pvt_seq_pop_slow(struct ring *r, void *dst, size_t cnt, int burst);

/* The sequence word of the slot of position pos (stride bytes per slot). */
RING_PVT_INLINE RING_ATOMIC(uint64_t) *ring_pvt_seq_at(unsigned char *slots, uint64_t pos,
						       uint64_t mask, uint64_t stride)
{
	return &RING_PVT_CAST(struct ring_seq_slot *, RING_PVT_CAST(void *, slots + (pos & mask) * stride))->seq;
}

/*
 * The copy loops of a bulk or burst call whose last slot was found ready
 * (A9 / A8 on it, see the callers): cnt slots from position pos, walked as
 * at most two runs of consecutive slots (to the end of the array, then from
 * its start), each with a pointer step instead of the position's address
 * arithmetic per slot, four slots per round. Each slot still gets its own
 * R8 / R9 store, after its element is copied: the orders are those of the
 * single-slot path. In bounds by construction (pos & mask, then at most
 * n - (pos & mask) slots, then the rest of cnt <= n from slot 0), whatever a
 * peer wrote.
 */
#define RING_PVT_SEQ_SLOT_WORD(at) (&RING_PVT_CAST(struct ring_seq_slot *, RING_PVT_CAST(void *, (at)))->seq)

/* Fill len consecutive slots from at; the first one's word becomes v. */
RING_PVT_INLINE void ring_pvt_seq_fill_run(unsigned char *at, uint64_t stride, uint32_t esz,
					   const unsigned char *b, uint64_t v, size_t len)
{
	for (; len >= 4; len -= 4, at += 4 * stride, b += 4 * esz, v += 4) {
		ring_pvt_copy_elem(at + 8, b, esz);
		ring_pvt_store(RING_PVT_SEQ_SLOT_WORD(at), v, release); /* R8 */
		ring_pvt_copy_elem(at + stride + 8, b + esz, esz);
		ring_pvt_store(RING_PVT_SEQ_SLOT_WORD(at + stride), v + 1, release); /* R8 */
		ring_pvt_copy_elem(at + 2 * stride + 8, b + 2 * esz, esz);
		ring_pvt_store(RING_PVT_SEQ_SLOT_WORD(at + 2 * stride), v + 2, release); /* R8 */
		ring_pvt_copy_elem(at + 3 * stride + 8, b + 3 * esz, esz);
		ring_pvt_store(RING_PVT_SEQ_SLOT_WORD(at + 3 * stride), v + 3, release); /* R8 */
	}
	for (; len > 0; len--, at += stride, b += esz, v++) {
		ring_pvt_copy_elem(at + 8, b, esz);
		ring_pvt_store(RING_PVT_SEQ_SLOT_WORD(at), v, release); /* R8 */
	}
}

/* Empty len consecutive slots from at into b; the first one's word becomes v. */
RING_PVT_INLINE void ring_pvt_seq_drain_run(unsigned char *at, uint64_t stride, uint32_t esz,
					    unsigned char *b, uint64_t v, size_t len)
{
	for (; len >= 4; len -= 4, at += 4 * stride, b += 4 * esz, v += 4) {
		ring_pvt_copy_elem(b, at + 8, esz);
		ring_pvt_store(RING_PVT_SEQ_SLOT_WORD(at), v, release); /* R9 */
		ring_pvt_copy_elem(b + esz, at + stride + 8, esz);
		ring_pvt_store(RING_PVT_SEQ_SLOT_WORD(at + stride), v + 1, release); /* R9 */
		ring_pvt_copy_elem(b + 2 * esz, at + 2 * stride + 8, esz);
		ring_pvt_store(RING_PVT_SEQ_SLOT_WORD(at + 2 * stride), v + 2, release); /* R9 */
		ring_pvt_copy_elem(b + 3 * esz, at + 3 * stride + 8, esz);
		ring_pvt_store(RING_PVT_SEQ_SLOT_WORD(at + 3 * stride), v + 3, release); /* R9 */
	}
	for (; len > 0; len--, at += stride, b += esz, v++) {
		ring_pvt_copy_elem(b, at + 8, esz);
		ring_pvt_store(RING_PVT_SEQ_SLOT_WORD(at), v, release); /* R9 */
	}
}

/* Positions pos .. pos + cnt - 1: slot word pos + i + 1 (full). */
RING_PVT_INLINE void ring_pvt_seq_fill(unsigned char *slots, uint64_t pos, uint64_t mask,
				       uint64_t stride, uint32_t esz, const unsigned char *b,
				       size_t cnt)
{
	uint64_t first = pos & mask, run = mask + 1 - first;

	if (run >= cnt) {
		ring_pvt_seq_fill_run(slots + first * stride, stride, esz, b, pos + 1, cnt);
		return;
	}
	ring_pvt_seq_fill_run(slots + first * stride, stride, esz, b, pos + 1, run);
	ring_pvt_seq_fill_run(slots, stride, esz, b + run * esz, pos + run + 1, cnt - run);
}

/* Positions pos .. pos + cnt - 1: slot word pos + i + n (read). */
RING_PVT_INLINE void ring_pvt_seq_drain(unsigned char *slots, uint64_t pos, uint64_t mask,
					uint64_t stride, uint32_t esz, unsigned char *b, size_t cnt)
{
	uint64_t first = pos & mask, n = mask + 1, run = n - first;

	if (run >= cnt) {
		ring_pvt_seq_drain_run(slots + first * stride, stride, esz, b, pos + n, cnt);
		return;
	}
	ring_pvt_seq_drain_run(slots + first * stride, stride, esz, b, pos + n, run);
	ring_pvt_seq_drain_run(slots, stride, esz, b + run * esz, pos + run + n, cnt - run);
}

/*
 * Push up to cnt elements (all of them unless burst), 1 <= cnt <= n. `how`,
 * a constant at every call site: the element size of a RING_PVT_MODE_SEQ8 /
 * SEQ64 handle (not blocking: no wake check), or 0 for any size (the
 * handle's, with the wake check of blocking rings). `inner`: called by the
 * slow path after it checked the first slot, so a slot found not ready is
 * -EAGAIN here instead of another trip out of line.
 *
 * Bulk and burst: the last slot is checked first. The consumer frees
 * positions in order, each with R9, so A9 reading "free" in the last one
 * makes every earlier one visible as free too; the slots between are then
 * written without a check. If it is not free, a bulk (all or none) fails
 * and a burst checks each slot in turn. A hostile peer can only make this
 * write slots that are in bounds.
 */
RING_PVT_INLINE ssize_t ring_pvt_seq_enqueue(struct ring *r, const void *src, size_t cnt,
					     int burst, unsigned how, int inner)
{
	unsigned char *slots = r->slots;
	struct ring_shared *s = ring_pvt_shm_of(slots);
	const uint64_t mask = r->mask;
	const uint64_t stride = how ? how + 8u : r->stride;
	const uint32_t esz = how ? how : r->esz;
	const unsigned char *b = RING_PVT_CAST(const unsigned char *, src);
	uint64_t p = r->prod_pos;
	RING_ATOMIC(uint64_t) *sq;
	size_t i;

	if (cnt == 1) {
		sq = ring_pvt_seq_at(slots, p, mask, stride);
		if (ring_pvt_unlikely(ring_pvt_load(sq, acquire) != p)) /* A9 */
			goto slow;
		if (how)
			ring_pvt_copy_const(RING_PVT_CAST(unsigned char *, RING_PVT_CAST(void *, sq)) + 8, b, how);
		else
			ring_pvt_copy_elem(RING_PVT_CAST(unsigned char *, RING_PVT_CAST(void *, sq)) + 8, b, esz);
		ring_pvt_store(sq, p + 1, release); /* R8 */
		p += 1;
	} else {
		/* The last slot first (A9): free means all are (see above),
		 * and ring_pvt_seq_fill writes them without a test; else a
		 * bulk fails and a burst tests each slot. */
		sq = ring_pvt_seq_at(slots, p + cnt - 1, mask, stride);
		if (ring_pvt_likely(ring_pvt_load(sq, acquire) == p + cnt - 1)) {
			ring_pvt_seq_fill(slots, p, mask, stride, esz, b, cnt);
		} else {
			if (!burst)
				goto slow;
			for (i = 0; i < cnt; i++) {
				sq = ring_pvt_seq_at(slots, p + i, mask, stride);
				if (ring_pvt_load(sq, acquire) != p + i) /* A9 */
					break;
				ring_pvt_copy_elem(RING_PVT_CAST(unsigned char *, RING_PVT_CAST(void *, sq)) + 8,
						   b + i * esz, esz);
				ring_pvt_store(sq, p + i + 1, release); /* R8 */
			}
			if (i == 0)
				goto slow;
			cnt = i;
		}
		p += cnt;
	}
	/* The lazily published copy (ring_layout.h): after the slot words. */
	ring_pvt_store(&s->prod.tail, p, relaxed);
	r->prod_pos = p;
	if (!how)
		ring_pvt_after_push_n(r, cnt); /* F1: orders R8 before the waiter load */
	return RING_PVT_CAST(ssize_t, cnt);
slow:
	if (inner)
		return -EAGAIN;
	return ring_pvt_seq_push_slow(r, src, cnt, burst);
}

/* Pop up to cnt elements (all of them unless burst); as the enqueue. Bulk:
 * the last slot is checked first, and the producer fills positions in
 * order, each with R8, so A8 reading "full" there makes every earlier one
 * visible as full. */
RING_PVT_INLINE ssize_t ring_pvt_seq_dequeue(struct ring *r, void *dst, size_t cnt, int burst,
					     unsigned how, int inner)
{
	unsigned char *slots = r->slots;
	struct ring_shared *s = ring_pvt_shm_of(slots);
	/* n is a power of two under this rule: mask + 1, no load of r->n. */
	const uint64_t mask = r->mask, n = mask + 1;
	const uint64_t stride = how ? how + 8u : r->stride;
	const uint32_t esz = how ? how : r->esz;
	unsigned char *b = RING_PVT_CAST(unsigned char *, dst);
	uint64_t c = r->cons_pos;
	RING_ATOMIC(uint64_t) *sq;
	size_t i;

	if (cnt == 1) {
		sq = ring_pvt_seq_at(slots, c, mask, stride);
		if (ring_pvt_unlikely(ring_pvt_load(sq, acquire) != c + 1)) /* A8 */
			goto slow;
		if (how)
			ring_pvt_copy_const(b, RING_PVT_CAST(unsigned char *, RING_PVT_CAST(void *, sq)) + 8, how);
		else
			ring_pvt_copy_elem(b, RING_PVT_CAST(unsigned char *, RING_PVT_CAST(void *, sq)) + 8, esz);
		ring_pvt_store(sq, c + n, release); /* R9 */
		c += 1;
	} else {
		sq = ring_pvt_seq_at(slots, c + cnt - 1, mask, stride);
		if (ring_pvt_likely(ring_pvt_load(sq, acquire) == c + cnt)) { /* A8, the last slot */
			ring_pvt_seq_drain(slots, c, mask, stride, esz, b, cnt);
		} else {
			if (!burst)
				goto slow;
			for (i = 0; i < cnt; i++) {
				sq = ring_pvt_seq_at(slots, c + i, mask, stride);
				if (ring_pvt_load(sq, acquire) != c + i + 1) /* A8 */
					break;
				ring_pvt_copy_elem(b + i * esz,
						   RING_PVT_CAST(unsigned char *, RING_PVT_CAST(void *, sq)) + 8, esz);
				ring_pvt_store(sq, c + i + n, release); /* R9 */
			}
			if (i == 0)
				goto slow;
			cnt = i;
		}
		c += cnt;
	}
	ring_pvt_store(&s->cons.head, c, relaxed); /* lazily published, after R9 */
	r->cons_pos = c;
	if (!how)
		ring_pvt_after_pop_n(r, cnt); /* F1: orders R9 before the waiter load */
	return RING_PVT_CAST(ssize_t, cnt);
slow:
	if (inner)
		return -EAGAIN;
	return ring_pvt_seq_pop_slow(r, dst, cnt, burst);
}

#ifdef __cplusplus
}
#endif

#endif /* SHMRING_RING_SEQ_PVT_H */
