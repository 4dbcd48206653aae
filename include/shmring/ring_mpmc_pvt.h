/* SPDX-License-Identifier: MIT */
/*
 * MPMC fast path: a bounded queue with a sequence word per slot, after
 * Dmitry Vyukov's design. Internal: include <shmring/ring.h>.
 *
 * tail (producers) and head (consumers) are free-running positions, each
 * advanced only by a successful CAS from the value the caller checked. The
 * slot of position p (p mod n) holds, in its sequence word (ring_layout.h):
 *   RING_MPMC_FREE(p)      free: the producer of p may claim and fill it
 *   RING_MPMC_FULL(p)      the producer of p published its element
 *   RING_MPMC_FREE(p + n)  the consumer of p has read it: free for the next lap
 * Positions are doubled in the word so that FULL(p) never equals FREE(p + 1),
 * which Vyukov's p / p + 1 encoding gets wrong for n == 1.
 *
 * Capacity: all n slots hold data. The n-1 rule exists so that two
 * single-writer indices alone can tell full from empty; here the slot words
 * tell them apart (a producer at p needs FREE(p), a consumer needs FULL(p)),
 * so a spare slot would buy nothing. MPMC rings with RING_RULE_N1 are refused
 * (-EINVAL) at creation and -EPROTO at attach.
 *
 * Bounded work. Nothing here waits for another thread or process: a slot
 * claimed but not yet published reads as empty, one not yet released reads as
 * full, and the caller gets -EAGAIN. A lost CAS race or a stale position is
 * retried at most RING_PVT_RETRIES times per call, then the call returns
 * -EBUSY: the ring may be neither full nor empty, and a retry may succeed at
 * once (ring_*_wait() retry without sleeping). Each try scans at most cnt slots, and cnt
 * is at most the capacity (bulk: checked by ring.h; burst: clamped below).
 * Every slot address comes from a position reduced modulo this handle's n, so
 * a hostile peer writing any value into tail, head or a sequence word can make
 * calls fail or deliver garbage payloads, never loop without bound or touch
 * memory outside the slots.
 *
 * Closing: ring_close_write() sets RING_CLOSED_BIT in tail with an RMW, so a
 * producer's claim CAS (expecting a tail without the bit) fails once the ring
 * is closed and its retry returns -EPIPE: a push either claimed before the
 * close (and is delivered) or fails. A consumer returns -EPIPE only when tail
 * is closed and no position remains between its head and tail (bulk: fewer
 * than it asked for); positions claimed before the close but still being
 * written give -EAGAIN until they are published.
 *
 * Counting: ring_count() is tail - head, positions claimed by producers minus
 * positions claimed by consumers. It includes elements still being written
 * and excludes slots still being read, so ring_free() can exceed what a push
 * can take at that instant.
 *
 * A process that dies in the middle of a call:
 * - Before its claim CAS succeeded: no effect on the ring.
 * - Producer, after claiming positions [p, p + k) and before publishing all
 *   of them: each unpublished slot keeps FREE(q). Consumers stop at the first
 *   such q (pop returns -EAGAIN; after a close, -EAGAIN instead of -EPIPE,
 *   since q < tail), so the elements published after q stay in the ring,
 *   undelivered but not lost or reordered. Producers keep filling the other
 *   slots until the ring is full, then get -EAGAIN. Its payload bytes were
 *   never published: nothing partial is delivered. Elements of [p, p + k)
 *   published before the death are delivered normally.
 * - Consumer, after claiming [p, p + k) and before releasing all of them:
 *   the elements it claimed are lost (they were its to take; one already
 *   copied out went down with it). Each unreleased slot keeps FULL(q); other
 *   consumers carry on past it, and producers get -EAGAIN ("full") when they
 *   come round to it one lap later.
 * Repair (src/ring_live.c): each claim is recorded in the claimant's
 * participant entry before its CAS (I1 below); a survivor blocked by a slot
 * whose claimant is verified dead, and covered by no other participant's
 * record, sets a slot stuck at FREE(q) with q < tail to RING_MPMC_SKIP(q),
 * which consumers step over without delivering (single and burst pops step
 * over it when it reaches the head; a bulk pop whose range covers a SKIP slot
 * not at the head returns -EAGAIN until a single or burst pop gets there),
 * and a slot stuck at FULL(q) (or SKIP(q)) with q < head to FREE(q + n).
 * Neither loses a committed element beyond the dead consumer's own claim.
 * The cost on this path: one store of the intent word per claim.
 */
#ifndef SHMRING_RING_MPMC_PVT_H
#define SHMRING_RING_MPMC_PVT_H

#ifndef SHMRING_INSIDE_HEADERS
#error "ring_mpmc_pvt.h is internal: include <shmring/ring.h>"
#endif

#include <errno.h>

#include "ring_common_pvt.h"

#ifdef __cplusplus
extern "C" {
#endif

/*
 * The geometry a call needs, copied from the handle into locals before the
 * first atomic: the compiler may not cache handle fields across an acquire
 * load or a CAS, so reading them from r each time would reload them. The
 * 8-byte flavour (RING_PVT_MODE_MPMC8: 8-byte elements, power-of-two n, not
 * blocking) fills stride, esz and pow2 with constants, so its slot address
 * is (pos & mask) * 16 and its copy one move.
 */
struct ring_pvt_mpmc_geom {
	unsigned char *slots;
	struct ring_part *part; /* this handle's participant entry: intents */
	uint64_t mask;  /* n - 1 for power-of-two n (0 for n == 1), else 0 */
	uint64_t n;
	uint64_t recip; /* ring_pvt_mod's reciprocal of n */
	uint32_t stride;
	uint32_t esz;
	int pow2;       /* 1: n is a power of two (mask is n - 1, also for n == 1) */
};

RING_PVT_INLINE struct ring_pvt_mpmc_geom ring_pvt_mpmc_geom_of(const struct ring *r, int fast8)
{
	struct ring_pvt_mpmc_geom g;

	g.slots = r->slots;
	g.part = r->part;
	g.mask = r->mask;
	g.n = r->n;
	g.recip = r->idx.recip;
	g.stride = fast8 ? 16 : r->stride;
	g.esz = fast8 ? 8 : r->esz;
	g.pow2 = fast8;
	return g;
}

/* The slot of position pos: always one of the n slots, whatever pos is. No
 * division for any n: a mask, or ring_pvt_mod's multiply. */
RING_PVT_INLINE uint64_t ring_pvt_mpmc_index(const struct ring_pvt_mpmc_geom *g, uint64_t pos)
{
	return g->pow2 || ring_pvt_likely(g->mask != 0) ? (pos & g->mask)
							: ring_pvt_mod(pos, g->n, g->recip);
}

RING_PVT_INLINE struct ring_mpmc_slot *ring_pvt_mpmc_at(const struct ring_pvt_mpmc_geom *g,
							uint64_t pos)
{
	return RING_PVT_CAST(struct ring_mpmc_slot *,
			     RING_PVT_CAST(void *, g->slots + ring_pvt_mpmc_index(g, pos) * g->stride));
}

/* Slot i of the n (i < n). */
RING_PVT_INLINE struct ring_mpmc_slot *ring_pvt_mpmc_idx(const struct ring_pvt_mpmc_geom *g,
							 uint64_t i)
{
	return RING_PVT_CAST(struct ring_mpmc_slot *, RING_PVT_CAST(void *, g->slots + i * g->stride));
}

/* The same from a handle, for the out-of-line code. */
RING_PVT_INLINE struct ring_mpmc_slot *ring_pvt_mpmc_slot(const struct ring *r, uint64_t pos)
{
	struct ring_pvt_mpmc_geom g = ring_pvt_mpmc_geom_of(r, 0);

	return ring_pvt_mpmc_at(&g, pos);
}

RING_PVT_INLINE unsigned char *ring_pvt_mpmc_payload(struct ring_mpmc_slot *sl)
{
	return RING_PVT_CAST(unsigned char *, RING_PVT_CAST(void *, sl)) + sizeof(struct ring_mpmc_slot);
}

/* Out of line (src/ring_ops.c): why a dequeue cannot take cnt slots at pos,
 * the first k being ready. Steps over a RING_MPMC_SKIP slot at pos (returns
 * 0: retry), else returns -EAGAIN or -EPIPE. */
RING_API int ring_pvt_mpmc_stuck(struct ring *r, uint64_t pos, size_t k, size_t cnt, int burst);

/* Out of line (src/ring_ops.c): a producer (consumer == 0) or consumer that
 * cannot claim at pos: withdraws its intent, lets the liveness mechanism
 * repair a slot held by a dead claimant when one has blocked pos for long
 * enough, and returns -EAGAIN (or -ESTALE: the ring was replaced). */
RING_API int ring_pvt_mpmc_blocked(struct ring *r, uint64_t pos, int consumer);

/* Out of line (src/ring_ops.c): the whole bounded retry loop of a one
 * element push or pop, taken when the first try did not succeed. */
RING_API ssize_t ring_pvt_mpmc_push1_slow(struct ring *r, const void *elem);
RING_API ssize_t ring_pvt_mpmc_pop1_slow(struct ring *r, void *elem);

/*
 * One try at claiming position *pos for a one-element push: 1 and the slot
 * to write in *slp, or 0 (not free for *pos, or the CAS lost; *pos then holds
 * the tail the CAS found). A successful CAS means tail still equalled *pos,
 * so the slot found by the check is the one claimed.
 *
 * The closed bit costs nothing here: the expected word is pos rotated left by
 * one, RING_MPMC_FREE(pos) for an open tail but an odd value for a closed
 * one. A slot at a closed tail T never holds RING_MPMC_FULL(T) (only the
 * producer of T writes it, and it needed tail == T without the bit), so a
 * closed tail always mismatches and goes to the slow path, which says -EPIPE.
 */
RING_PVT_INLINE int ring_pvt_mpmc_claim1(struct ring_shared *s, const struct ring_pvt_mpmc_geom *g,
					 uint64_t *pos, struct ring_mpmc_slot **slp)
{
	struct ring_mpmc_slot *sl = ring_pvt_mpmc_at(g, *pos);
	/* A3: pairs with R4, the consumer of the last lap finished reading
	 * the slot before it freed it. */
	uint64_t seq = ring_pvt_load(&sl->seq, acquire);

	*slp = sl;
	if (ring_pvt_unlikely(seq != (*pos << 1 | *pos >> 63)))
		return 0;
	/* I1: the claim is recorded in this handle's entry before the CAS
	 * makes it (release, and the CAS is a release too): a repairer that
	 * sees the claim in tail sees this intent (src/ring_live.c). */
	ring_pvt_store(&g->part->intent, RING_INTENT(*pos, 0, 1), release);
	/* R5: see ring_pvt_mpmc_enqueue(). */
	return ring_pvt_cas(&s->prod.tail, pos, *pos + 1, release, relaxed);
}

/* The same for a one-element pop: 1 and the slot to read in *slp, or 0. */
RING_PVT_INLINE int ring_pvt_mpmc_take1(struct ring_shared *s, const struct ring_pvt_mpmc_geom *g,
					uint64_t *pos, struct ring_mpmc_slot **slp)
{
	struct ring_mpmc_slot *sl = ring_pvt_mpmc_at(g, *pos);
	/* A4: pairs with R3, the producer finished writing the slot before
	 * it published it. */
	uint64_t seq = ring_pvt_load(&sl->seq, acquire);

	*slp = sl;
	if (ring_pvt_unlikely(seq != RING_MPMC_FULL(*pos)))
		return 0;
	/* I1, consumer side: see ring_pvt_mpmc_claim1(). */
	ring_pvt_store(&g->part->intent, RING_INTENT(*pos, 1, 1), release);
	/* R6: see ring_pvt_mpmc_dequeue(). */
	return ring_pvt_cas(&s->cons.head, pos, *pos + 1, release, relaxed);
}

/* Write the element into a claimed slot and publish it. The blocking test
 * reads the flags captured in `flags` before the copy (the copy may alias
 * the handle). */
RING_PVT_INLINE void ring_pvt_mpmc_fill1(struct ring *r, const struct ring_pvt_mpmc_geom *g,
					 uint32_t flags, struct ring_mpmc_slot *sl, uint64_t pos,
					 const void *elem)
{
	ring_pvt_copy_elem(ring_pvt_mpmc_payload(sl), elem, g->esz);
	/* R3: publishes the element. Pairs with A4 in the consumer. */
	ring_pvt_store(&sl->seq, RING_MPMC_FULL(pos), release);
	if (flags & RING_F_BLOCKING)
		ring_pvt_after_push(r);
}

/* Read the element out of a taken slot and free the slot for the next lap. */
RING_PVT_INLINE void ring_pvt_mpmc_drain1(struct ring *r, const struct ring_pvt_mpmc_geom *g,
					  uint32_t flags, struct ring_mpmc_slot *sl, uint64_t pos,
					  void *elem)
{
	ring_pvt_copy_elem(elem, ring_pvt_mpmc_payload(sl), g->esz);
	/* R4: frees the slot for the producer of pos + n. Pairs with A3: that
	 * producer writes only after this read. */
	ring_pvt_store(&sl->seq, RING_MPMC_FREE(pos + g->n), release);
	if (flags & RING_F_BLOCKING)
		ring_pvt_after_pop(r);
}

/* One element in: one inline try, the retries out of line. fast8: the
 * RING_PVT_MODE_MPMC8 flavour (constants, never blocking). */
RING_PVT_INLINE ssize_t ring_pvt_mpmc_push1(struct ring *r, const void *elem, int fast8)
{
	struct ring_shared *s = r->shm;
	const struct ring_pvt_mpmc_geom g = ring_pvt_mpmc_geom_of(r, fast8);
	const uint32_t flags = fast8 ? 0 : r->flags;
	uint64_t pos = ring_pvt_load(&s->prod.tail, relaxed);
	struct ring_mpmc_slot *sl;

	if (ring_pvt_unlikely(!ring_pvt_mpmc_claim1(s, &g, &pos, &sl)))
		return ring_pvt_mpmc_push1_slow(r, elem);
	ring_pvt_mpmc_fill1(r, &g, flags, sl, pos, elem);
	return 1;
}

/* One element out: one inline try, the retries out of line. */
RING_PVT_INLINE ssize_t ring_pvt_mpmc_pop1(struct ring *r, void *elem, int fast8)
{
	struct ring_shared *s = r->shm;
	const struct ring_pvt_mpmc_geom g = ring_pvt_mpmc_geom_of(r, fast8);
	const uint32_t flags = fast8 ? 0 : r->flags;
	uint64_t pos = ring_pvt_load(&s->cons.head, relaxed);
	struct ring_mpmc_slot *sl;

	if (ring_pvt_unlikely(!ring_pvt_mpmc_take1(s, &g, &pos, &sl)))
		return ring_pvt_mpmc_pop1_slow(r, elem);
	ring_pvt_mpmc_drain1(r, &g, flags, sl, pos, elem);
	return 1;
}

/* I1 for a claim of k positions from pos (see ring_pvt_mpmc_claim1). */
RING_PVT_INLINE void ring_pvt_mpmc_intent(const struct ring_pvt_mpmc_geom *g, uint64_t pos,
					  size_t k, unsigned side)
{
	if (ring_pvt_likely(k < RING_INTENT_BIG)) {
		ring_pvt_store(&g->part->intent, RING_INTENT(pos, side, k), release);
		return;
	}
	ring_pvt_store(&g->part->intent_cnt, RING_PVT_CAST(uint64_t, k), release);
	ring_pvt_store(&g->part->intent, RING_INTENT(pos, side, RING_INTENT_BIG), release);
}

/* A call that ends without a claim withdraws the intent of a CAS it lost,
 * which would otherwise keep a repairer off a dead claimant's slot. */
RING_PVT_INLINE void ring_pvt_mpmc_unclaim(const struct ring_pvt_mpmc_geom *g)
{
	ring_pvt_store(&g->part->intent, 0, release);
}

/* The slot `stride` bytes after sl. */
RING_PVT_INLINE struct ring_mpmc_slot *ring_pvt_mpmc_step(struct ring_mpmc_slot *sl, size_t bytes)
{
	return RING_PVT_CAST(struct ring_mpmc_slot *,
			     RING_PVT_CAST(void *, RING_PVT_CAST(unsigned char *, RING_PVT_CAST(void *, sl)) + bytes));
}

/*
 * Ready slots among the m consecutive slots from sl (no wrap inside): each
 * must hold `expect`, the word advancing by 2 a slot (FREE(p + 1) = FREE(p)
 * + 2 modulo 2^64, the low bit untouched). *d: the first mismatch as
 * seq - expected, or 0. Two slots a step, in order (each load is still
 * A3/A4 for its own slot); the count is recovered from the word reached,
 * (expect - first word) / 2, so the loop keeps no counter besides m.
 */
RING_PVT_INLINE size_t ring_pvt_mpmc_scan_run(const struct ring_pvt_mpmc_geom *g,
					      struct ring_mpmc_slot *sl, size_t m, uint64_t expect,
					      int64_t *d)
{
	const uint64_t first = expect;
	const size_t stride = g->stride;
	uint64_t seq;

	/* A3 (producers) and A4 (consumers), as in the single element calls
	 * above: one acquire load per slot, in position order. */
#define RING_PVT_SCAN1(i)                                                              \
	do {                                                                           \
		seq = ring_pvt_load(&ring_pvt_mpmc_step(sl, (i) * stride)->seq, acquire); \
		if (ring_pvt_unlikely(seq != expect))                                  \
			goto mismatch;                                                 \
		expect += 2;                                                           \
	} while (0)
	for (; m >= 4; m -= 4) {
		RING_PVT_SCAN1(0);
		RING_PVT_SCAN1(1);
		RING_PVT_SCAN1(2);
		RING_PVT_SCAN1(3);
		sl = ring_pvt_mpmc_step(sl, 4 * stride);
	}
	for (; m != 0; m--) {
		RING_PVT_SCAN1(0);
		sl = ring_pvt_mpmc_step(sl, stride);
	}
#undef RING_PVT_SCAN1
	return RING_PVT_CAST(size_t, (expect - first) >> 1);
mismatch:
	*d = RING_PVT_CAST(int64_t, seq - expect);
	return RING_PVT_CAST(size_t, (expect - first) >> 1);
}

/*
 * Number of consecutive slots from pos that are ready (at most cnt <= n):
 * for producers (full == 0) slot pos + i must hold FREE(pos + i), for
 * consumers (full == 1) FULL(pos + i). *d gets the first mismatch as a
 * signed difference seq - expected: < 0 means "not yet" (full for producers,
 * empty or still being written for consumers, or a SKIP word), > 0 means pos
 * is stale (others got there first). The slot index is reduced once, then
 * the range is walked as at most two runs (before and after the wrap): no
 * per-slot reduction or wrap test.
 */
RING_PVT_INLINE size_t ring_pvt_mpmc_scan(const struct ring_pvt_mpmc_geom *g, uint64_t pos,
					  size_t cnt, uint64_t full, int64_t *d)
{
	uint64_t idx = ring_pvt_mpmc_index(g, pos);
	uint64_t expect = RING_MPMC_FREE(pos) | full;
	size_t first = g->n - idx < cnt ? RING_PVT_CAST(size_t, g->n - idx) : cnt;
	size_t k;

	*d = 0;
	k = ring_pvt_mpmc_scan_run(g, ring_pvt_mpmc_idx(g, idx), first, expect, d);
	if (k == first && first < cnt)
		k += ring_pvt_mpmc_scan_run(g, ring_pvt_mpmc_idx(g, 0), cnt - first,
					    expect + 2 * RING_PVT_CAST(uint64_t, first), d);
	return k;
}

/*
 * Copy k claimed elements in (to_ring) or out of the k consecutive slots
 * from sl (no wrap inside), from or to b, and store each slot's new word,
 * `word` for the first and stepping by 2; two slots a step. Each store is
 * release and follows its own slot's copy: R3 (publishes the element; pairs
 * with A4) or R4 (frees the slot for the producer one lap on; pairs with A3).
 */
RING_PVT_INLINE void ring_pvt_mpmc_move_run(const struct ring_pvt_mpmc_geom *g,
					    struct ring_mpmc_slot *sl, size_t k, unsigned char *b,
					    uint64_t word, int to_ring)
{
	const size_t stride = g->stride;
	const uint32_t esz = g->esz;

#define RING_PVT_MOVE1(i)                                                                   \
	do {                                                                                \
		struct ring_mpmc_slot *s_ = ring_pvt_mpmc_step(sl, (i) * stride);           \
		if (to_ring)                                                                \
			ring_pvt_copy_elem(ring_pvt_mpmc_payload(s_), b + (i) * esz, esz);  \
		else                                                                        \
			ring_pvt_copy_elem(b + (i) * esz, ring_pvt_mpmc_payload(s_), esz);  \
		ring_pvt_store(&s_->seq, word + 2 * (i), release);                          \
	} while (0)
	for (; k >= 4; k -= 4) {
		RING_PVT_MOVE1(0);
		RING_PVT_MOVE1(1);
		RING_PVT_MOVE1(2);
		RING_PVT_MOVE1(3);
		word += 8;
		b += 4 * RING_PVT_CAST(size_t, esz);
		sl = ring_pvt_mpmc_step(sl, 4 * stride);
	}
	for (; k != 0; k--) {
		RING_PVT_MOVE1(0);
		word += 2;
		b += esz;
		sl = ring_pvt_mpmc_step(sl, stride);
	}
#undef RING_PVT_MOVE1
}

/*
 * Copy k claimed elements in or out, from position pos, and store each
 * slot's new word (producers: FULL(pos + i), consumers: FREE(pos + i + n)),
 * starting at `word` and stepping by 2; at most two runs, as in the scan.
 */
RING_PVT_INLINE void ring_pvt_mpmc_move(const struct ring_pvt_mpmc_geom *g, uint64_t pos,
					size_t k, unsigned char *b, uint64_t word, int to_ring)
{
	uint64_t idx = ring_pvt_mpmc_index(g, pos);
	size_t first = g->n - idx < k ? RING_PVT_CAST(size_t, g->n - idx) : k;

	ring_pvt_mpmc_move_run(g, ring_pvt_mpmc_idx(g, idx), first, b, word, to_ring);
	if (first < k)
		ring_pvt_mpmc_move_run(g, ring_pvt_mpmc_idx(g, 0), k - first,
				       b + first * RING_PVT_CAST(size_t, g->esz),
				       word + 2 * RING_PVT_CAST(uint64_t, first), to_ring);
}

/*
 * Bulk and burst calls (and single elements of the generic flavour). fast8:
 * the RING_PVT_MODE_MPMC8 flavour, its geometry as constants (8-byte
 * elements, 16-byte slots, power-of-two n, not blocking).
 */
RING_PVT_INLINE ssize_t ring_pvt_mpmc_enqueue(struct ring *r, const void *src, size_t cnt,
					      int burst, int fast8)
{
	struct ring_shared *s = r->shm;
	const struct ring_pvt_mpmc_geom g = ring_pvt_mpmc_geom_of(r, fast8);
	const uint32_t flags = fast8 ? 0 : r->flags;
	struct ring_pvt_mpmc_geom g8 = g;
	uint64_t pos;
	unsigned tries = RING_PVT_RETRIES;
	size_t k;
	int64_t d;

	if (cnt == 1)
		return ring_pvt_mpmc_push1(r, src, fast8);
	/* A burst never needs more than n slots: bounds the scan. */
	if (burst && cnt > g.n)
		cnt = RING_PVT_CAST(size_t, g.n);
	pos = ring_pvt_load(&s->prod.tail, relaxed);
	for (;;) {
		/* Checked before the scan: RING_MPMC_FREE() drops the top
		 * bit, so a closed tail could otherwise match free slots. */
		if (ring_pvt_unlikely(pos & RING_CLOSED_BIT)) {
			ring_pvt_mpmc_unclaim(&g);
			return ring_pvt_stat_ret(r, 0, RING_STAT_CLOSED, -EPIPE);
		}
		k = ring_pvt_mpmc_scan(&g, pos, cnt, 0, &d);
		if (ring_pvt_likely(k == cnt) || (burst && k > 0)) {
			/* Claim [pos, pos + k) with one CAS. Fails if another
			 * producer moved tail or the ring was closed (top
			 * bit), and then reloads pos. The slot contents are
			 * ordered by A3/R3, not by this CAS. R5: release, so
			 * that a reader of tail that sees this claim also
			 * sees the head it depended on (ring_count never
			 * finds more than n used). I1 first: the intent is
			 * stored (release) before the CAS publishes the
			 * claim, so a repairer that sees tail past pos sees
			 * the record of [pos, pos + k) (src/ring_live.c). */
			ring_pvt_mpmc_intent(&g, pos, k, 0);
			if (ring_pvt_cas(&s->prod.tail, &pos, pos + k, release, relaxed))
				break;
		} else if (d < 0 || RING_PVT_CAST(uint64_t, d) + RING_MPMC_FREE(pos + k) ==
					    RING_MPMC_SKIP(pos + k - g.n)) {
			/* Full, or a consumer still reading, or a SKIP word of
			 * the last lap not yet stepped over (its top bit makes
			 * it look ahead): the liveness check of a blocked
			 * producer, then -EAGAIN. */
			return ring_pvt_mpmc_blocked(r, pos, 0);
		} else {
			pos = ring_pvt_load(&s->prod.tail, relaxed); /* stale */
		}
		if (ring_pvt_unlikely(--tries == 0)) {
			/* lost every race: not full/empty */
			ring_pvt_mpmc_unclaim(&g);
			return ring_pvt_stat_ret(r, 0, RING_STAT_CONTENDED, -EBUSY);
		}
	}
	/* R3 for each element: see ring_pvt_mpmc_move. 8-byte elements (a
	 * 16-byte stride) get a loop with both as constants. */
	if (fast8) {
		ring_pvt_mpmc_move(&g, pos, k, RING_PVT_CAST(unsigned char *, RING_PVT_UNCONST(src)),
				   RING_MPMC_FULL(pos), 1);
	} else if (g.esz == 8) {
		g8.esz = 8;
		g8.stride = 16;
		ring_pvt_mpmc_move(&g8, pos, k, RING_PVT_CAST(unsigned char *, RING_PVT_UNCONST(src)),
				   RING_MPMC_FULL(pos), 1);
	} else {
		ring_pvt_mpmc_move(&g, pos, k, RING_PVT_CAST(unsigned char *, RING_PVT_UNCONST(src)),
				   RING_MPMC_FULL(pos), 1);
	}
	if (flags & RING_F_BLOCKING)
		ring_pvt_after_push_n(r, k); /* wakes up to k sleepers */
	return RING_PVT_CAST(ssize_t, k);
}

RING_PVT_INLINE ssize_t ring_pvt_mpmc_dequeue(struct ring *r, void *dst, size_t cnt, int burst,
					      int fast8)
{
	struct ring_shared *s = r->shm;
	const struct ring_pvt_mpmc_geom g = ring_pvt_mpmc_geom_of(r, fast8);
	const uint32_t flags = fast8 ? 0 : r->flags;
	unsigned char *b = RING_PVT_CAST(unsigned char *, dst);
	struct ring_pvt_mpmc_geom g8 = g;
	uint64_t pos;
	unsigned tries = RING_PVT_RETRIES;
	size_t k;
	int64_t d;

	if (cnt == 1)
		return ring_pvt_mpmc_pop1(r, dst, fast8);
	if (burst && cnt > g.n)
		cnt = RING_PVT_CAST(size_t, g.n);
	pos = ring_pvt_load(&s->cons.head, relaxed);
	for (;;) {
		k = ring_pvt_mpmc_scan(&g, pos, cnt, 1, &d);
		if (ring_pvt_likely(k == cnt) || (burst && k > 0)) {
			/* One CAS for the whole range. R6: release, so that a
			 * reader of head that sees this claim also sees the
			 * tail it depended on (ring_count never finds head
			 * past tail). I1 first, as for producers. */
			ring_pvt_mpmc_intent(&g, pos, k, 1);
			if (ring_pvt_cas(&s->cons.head, &pos, pos + k, release, relaxed))
				break;
		} else if (d < 0) {
			int rc = ring_pvt_mpmc_stuck(r, pos, k, cnt, burst);

			if (rc < 0)
				return rc;
			pos = ring_pvt_load(&s->cons.head, relaxed);
		} else {
			pos = ring_pvt_load(&s->cons.head, relaxed); /* stale */
		}
		if (ring_pvt_unlikely(--tries == 0)) {
			/* lost every race: not full/empty */
			ring_pvt_mpmc_unclaim(&g);
			return ring_pvt_stat_ret(r, 1, RING_STAT_CONTENDED, -EBUSY);
		}
	}
	/* R4 for each element: see ring_pvt_mpmc_move. */
	if (fast8) {
		ring_pvt_mpmc_move(&g, pos, k, b, RING_MPMC_FREE(pos + g.n), 0);
	} else if (g.esz == 8) {
		g8.esz = 8;
		g8.stride = 16;
		ring_pvt_mpmc_move(&g8, pos, k, b, RING_MPMC_FREE(pos + g.n), 0);
	} else {
		ring_pvt_mpmc_move(&g, pos, k, b, RING_MPMC_FREE(pos + g.n), 0);
	}
	if (flags & RING_F_BLOCKING)
		ring_pvt_after_pop_n(r, k);
	return RING_PVT_CAST(ssize_t, k);
}

#ifdef __cplusplus
}
#endif

#endif /* SHMRING_RING_MPMC_PVT_H */
