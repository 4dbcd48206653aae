/* SPDX-License-Identifier: MIT */
/*
 * Broadcast fast path: one element in, one element out, the common case of
 * each inline; every other case (full, empty, lapped, closed, no role) goes
 * to src/ring_bcast.c. Internal: include <shmring/ring.h>.
 *
 * Ordering (labels as in src/ring_bcast.c):
 *   producer, position p, slot s          consumer at position c
 *   store s.seq = BUSY(p)     relaxed     A0: t = load tail (acquire), c < t
 *   W1: fence(release)                    A1: s1 = load s.seq (acquire)
 *   payload words             relaxed     payload words      relaxed
 *   R1: store s.seq = DONE(p) release     A2: fence(acquire)
 *   R2: store tail = p + 1    release     s2 = load s.seq    relaxed
 *                                         keep the copy iff s1 == s2 == DONE(c)
 * R1/A1: a reader that sees DONE(c) sees the payload of position c. W1/A2: if
 * the reader's copy read any word of a later overwrite, the BUSY store
 * before it is visible to the second load, so s2 != s1 (Boehm's seqlock, with
 * the payload in relaxed atomics so that the race is defined behaviour and
 * invisible to ThreadSanitizer). R2/A0: a reader that sees tail t may look
 * at positions below t.
 */
#ifndef SHMRING_RING_BCAST_PVT_H
#define SHMRING_RING_BCAST_PVT_H

#ifndef SHMRING_INSIDE_HEADERS
#error "ring_bcast_pvt.h is internal: include <shmring/ring.h>"
#endif

#include "ring_common_pvt.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Out-of-line cases (src/ring_bcast.c). */
RING_API int ring_pvt_bcast_push_slow(struct ring *r, const void *elem);
RING_API int ring_pvt_bcast_pop_slow(struct ring *r, void *elem, uint64_t *missed);

/* The slot of position pos: one of the n slots, whatever pos is. */
RING_PVT_INLINE struct ring_bcast_slot *ring_pvt_bcast_slot(const struct ring *r, uint64_t pos)
{
	uint64_t idx = ring_pvt_likely(r->mask != 0) ? (pos & r->mask) : (pos % r->n);

	return RING_PVT_CAST(struct ring_bcast_slot *, RING_PVT_CAST(void *, r->slots + idx * r->stride));
}

RING_PVT_INLINE RING_ATOMIC(uint64_t) *ring_pvt_bcast_words(struct ring_bcast_slot *sl)
{
	return RING_PVT_CAST(RING_ATOMIC(uint64_t) *,
			     RING_PVT_CAST(void *, RING_PVT_CAST(unsigned char *, RING_PVT_CAST(void *, sl)) + sizeof(*sl)));
}

/* Copy len bytes into / out of 8-byte relaxed atomic words (a partial last
 * word is padded with zeros): the payload of a broadcast slot or record,
 * which a reader may copy while the producer overwrites it. */
RING_PVT_INLINE void ring_pvt_words_put(RING_ATOMIC(uint64_t) *w, const void *src, size_t len)
{
	const unsigned char *b = RING_PVT_CAST(const unsigned char *, src);
	size_t i, words = len >> 3;
	uint64_t v;

	for (i = 0; i < words; i++) {
		memcpy(&v, b + 8 * i, 8);
		ring_pvt_store(&w[i], v, relaxed);
	}
	if (len & 7u) {
		v = 0;
		memcpy(&v, b + 8 * words, len & 7u);
		ring_pvt_store(&w[words], v, relaxed);
	}
}

RING_PVT_INLINE void ring_pvt_words_get(RING_ATOMIC(uint64_t) *w, void *dst, size_t len)
{
	unsigned char *b = RING_PVT_CAST(unsigned char *, dst);
	size_t i, words = len >> 3;
	uint64_t v;

	for (i = 0; i < words; i++) {
		v = ring_pvt_load(&w[i], relaxed);
		memcpy(b + 8 * i, &v, 8);
	}
	if (len & 7u) {
		v = ring_pvt_load(&w[words], relaxed);
		memcpy(b + 8 * words, &v, len & 7u);
	}
}

/* One element into / out of a slot's payload. */
RING_PVT_INLINE void ring_pvt_bcast_put(struct ring_bcast_slot *sl, const void *src, uint32_t esz)
{
	ring_pvt_words_put(ring_pvt_bcast_words(sl), src, esz);
}

RING_PVT_INLINE void ring_pvt_bcast_get(struct ring_bcast_slot *sl, void *dst, uint32_t esz)
{
	ring_pvt_words_get(ring_pvt_bcast_words(sl), dst, esz);
}

/* Write position p (the producer's own, checked by the caller). */
RING_PVT_INLINE void ring_pvt_bcast_write(struct ring *r, uint64_t p, const void *elem)
{
	struct ring_bcast_slot *sl = ring_pvt_bcast_slot(r, p);

	ring_pvt_store(&sl->seq, RING_BCAST_BUSY(p), relaxed);
	ring_pvt_fence(release); /* W1: BUSY before any payload word; pairs with A2 */
	ring_pvt_bcast_put(sl, elem, r->esz);
	ring_pvt_store(&sl->seq, RING_BCAST_DONE(p), release); /* R1: pairs with A1 */
}

/* Read position c into elem; 1 if the copy is position c whole, else 0. */
RING_PVT_INLINE int ring_pvt_bcast_read(struct ring *r, uint64_t c, void *elem)
{
	struct ring_bcast_slot *sl = ring_pvt_bcast_slot(r, c);
	uint64_t s1 = ring_pvt_load(&sl->seq, acquire); /* A1: pairs with R1 */
	uint64_t s2;

	if (ring_pvt_unlikely(s1 != RING_BCAST_DONE(c)))
		return 0;
	ring_pvt_bcast_get(sl, elem, r->esz);
	ring_pvt_fence(acquire); /* A2: pairs with W1 */
	s2 = ring_pvt_load(&sl->seq, relaxed);
	return s2 == s1;
}

RING_INLINE int ring_bcast_push(struct ring *r, const void *elem)
{
	uint64_t p = r->bc.ppos;

	/* prod_cache is the limit (lossy: a lap ahead; back-pressure: the
	 * slowest cursor seen + n); 0 on a handle that is not the producer.
	 * The tail is this producer's own word: another value in it means
	 * closed (top bit) or written by someone else; both are slow news. */
	if (ring_pvt_unlikely(RING_PVT_CAST(int64_t, r->prod_cache - p) <= 0 ||
			      ring_pvt_load(&r->shm->prod.tail, relaxed) != p))
		return ring_pvt_bcast_push_slow(r, elem);
	ring_pvt_bcast_write(r, p, elem);
	/* R2: publishes position p; pairs with A0. */
	ring_pvt_store(&r->shm->prod.tail, p + 1, release);
	r->bc.ppos = p + 1;
	if (r->flags & RING_F_BLOCKING)
		ring_pvt_after_push(r);
	return 0;
}

RING_INLINE int ring_bcast_pop(struct ring *r, void *elem, uint64_t *missed)
{
	uint64_t c = r->bc.cpos;

	/* cons_cache is the tail last read (== cpos on a handle that has not
	 * joined): below it, positions are published, perhaps overwritten. */
	if (ring_pvt_unlikely(c == r->cons_cache || !ring_pvt_bcast_read(r, c, elem)))
		return ring_pvt_bcast_pop_slow(r, elem, missed);
	r->bc.cpos = c + 1;
	if (!(r->flags & RING_F_BCAST_LOSSY)) {
		/* R3: the slots before c + 1 are read; pairs with A3 in the
		 * producer's scan, which overwrites them only after seeing it. */
		ring_pvt_store(&r->bc.entry->cursor, c + 1, release);
		if (r->flags & RING_F_BLOCKING)
			ring_pvt_after_pop(r);
	}
	if (missed != NULL)
		*missed = 0;
	return 0;
}

#ifdef __cplusplus
}
#endif

#endif /* SHMRING_RING_BCAST_PVT_H */
