/* SPDX-License-Identifier: MIT */
/*
 * Slot-sequenced SPSC rings (RING_RULE_SEQ): the slow paths of
 * include/shmring/ring_seq_pvt.h. The first slot a call needs was not
 * ready, or the handle does not know its own position (first call, a role
 * taken over from a dead holder, ring_close_write through this handle), or
 * it does not hold the role yet. Here each side tells full/empty, closed and
 * corrupt apart from the slot's sequence word, and a new role holder
 * recovers the exact position its predecessor reached.
 *
 * Slot words (ring_layout.h), for the slot of position q: q free, q + 1
 * full, q + n read (free for q + n). n >= 2 keeps the three apart.
 */
#include "ring_internal.h"

#include <errno.h>

static RING_ATOMIC(uint64_t) *seq_word(const struct ring *r, uint64_t pos)
{
	return ring_pvt_seq_at(r->slots, pos, r->mask, r->stride);
}

/*
 * Count a full (producer) / empty (consumer) result, RING_STAT_AGAIN, and
 * return -EAGAIN. Under this rule each side's stat line has one writer, the
 * holder of that side's role (a push or pop without the role takes it or
 * fails before it counts anything; roles are exclusive, ring_live.c), so a
 * relaxed load and store count exactly, without the locked add of
 * ring_pvt_stat_result: a producer or consumer polling a full or empty ring
 * runs this on every try. Statistics order nothing.
 */
static ssize_t seq_again(struct ring *r, int consumer)
{
#ifdef SHMRING_PVT_NO_STATS
	(void)r;
	(void)consumer;
#else
	struct ring_stat_line *line = consumer ? &r->shm->cstat : &r->shm->pstat;
	RING_ATOMIC(uint64_t) *w = &line->words[RING_STAT_AGAIN];

	ring_pvt_store(w, ring_pvt_load(w, relaxed) + 1, relaxed);
#endif
	return -EAGAIN;
}

/*
 * Producer recovery: the position P its predecessor (a dead process, an
 * earlier handle, or this handle before it forgot) reached.
 *
 * Start s: the published tail t, or the published head h if that is ahead
 * of t by at most n. Both copies are stored after the slot words they
 * describe, so h <= C <= P (C the consumer's real position) and
 * t <= P, with P - t at most the elements of one push call, <= n. So
 * s <= P and P - s <= n. Every position q in [s, P) was written: its slot
 * holds q + 1 (not read yet) or q + n (read); it cannot hold a later lap's
 * value, since the producer of q + n >= s + n >= P has not run. The slot of
 * P holds P (the element of P - n was read, or never existed) or P - n + 1
 * (not read yet: the ring is full). So the scan steps over "q + 1 or q + n"
 * and stops at "q or q - n + 1": at most n steps and n + 1 loads, whatever
 * the consumer does meanwhile (it only turns q + 1 into q + n, or P - n + 1
 * into P). Any other word, or more than n steps, is not a state an honest
 * pair of processes leaves: -EUCLEAN.
 *
 * Nothing committed is lost: every position whose R8 store was made is
 * below P, so it is not written again; nothing is delivered twice: the
 * consumer's position is untouched. An element whose payload was written
 * but whose R8 was not (the predecessor died between the two) is not
 * committed and is overwritten.
 */
static int recover_producer(struct ring *r, uint64_t t)
{
	const uint64_t n = r->n;
	uint64_t h = ring_pvt_load(&r->shm->cons.head, relaxed);
	uint64_t p = h - t <= n ? h : t, i, sq;

	for (i = 0; i <= n; i++, p++) {
		sq = ring_pvt_load(seq_word(r, p), acquire); /* A9 */
		if (sq == p || sq == p - n + 1)
			break;
		if (sq != p + 1 && sq != p + n)
			return -EUCLEAN;
	}
	if (i > n)
		return -EUCLEAN;
	r->prod_pos = p;
	ring_pvt_store(&r->shm->prod.tail, p, relaxed);
	return 0;
}

/*
 * Consumer recovery: the position C its predecessor reached. Start at the
 * published head h: h <= C and C - h is at most the elements of one pop
 * call, <= n. Every q in [h, C) was read: its slot holds q + n, or q + n + 1
 * once the producer refilled it for q + n (the producer may be that far
 * ahead, never further: the element of q + 2n needs q + n read, and
 * q + n >= C is not). The slot of C holds C + 1 (full) or C (empty). So the
 * scan steps over "q + n or q + n + 1" and stops at "q or q + 1", at most n
 * steps; the producer only turns q + n into q + n + 1 and C into C + 1 while
 * it runs. Positions below C were delivered (their R9 was stored) and are
 * not delivered again; C and beyond were not, and will be.
 */
static int recover_consumer(struct ring *r)
{
	const uint64_t n = r->n;
	uint64_t c = ring_pvt_load(&r->shm->cons.head, relaxed), i, sq;

	for (i = 0; i <= n; i++, c++) {
		sq = ring_pvt_load(seq_word(r, c), acquire); /* A8 */
		if (sq == c || sq == c + 1)
			break;
		if (sq != c + n && sq != c + n + 1)
			return -EUCLEAN;
	}
	if (i > n)
		return -EUCLEAN;
	r->cons_pos = c;
	ring_pvt_store(&r->shm->cons.head, c, relaxed);
	return 0;
}

static RING_PVT_NOINLINE ssize_t seq_push_general(struct ring *r, const void *src, size_t cnt, int burst)
{
	uint64_t tw, q, sq;
	size_t need = burst ? 1 : cnt;
	int rc;

	if (ring_pvt_unlikely(!(r->roles & RING_ROLE_PRODUCER))) {
		rc = ring_pvt_live_need(r, RING_ROLE_PRODUCER);
		if (rc < 0)
			return ring_pvt_stat_result(r, 0, rc);
		ring_pvt_spsc_forget(r, 1);
	}
	/* Own word; the closed bit's release RMW is only reported (the
	 * consumer's side is where it orders anything). */
	tw = ring_pvt_load(&r->shm->prod.tail, relaxed);
	if (tw & RING_CLOSED_BIT)
		return ring_pvt_stat_result(r, 0, -EPIPE);
	if (r->prod_pos == RING_PVT_POS_UNKNOWN) {
		rc = recover_producer(r, tw);
		if (rc < 0)
			return ring_pvt_stat_result(r, 0, rc);
	} else if (tw != r->prod_pos) {
		/* Only this handle writes tail while it holds the role: another
		 * writer (a hostile peer, a second producer handle). */
		return ring_pvt_stat_result(r, 0, -EUCLEAN);
	}
	/* The last slot the call needs (bursts: the first). Its word is q
	 * (free) or q - n + 1 (the element of q - n not read yet: full); see
	 * recover_producer for why nothing else is honest. */
	q = r->prod_pos + need - 1;
	sq = ring_pvt_load(seq_word(r, q), acquire); /* A9 */
	if (sq == q) {
		ssize_t got = ring_pvt_seq_enqueue(r, src, cnt, burst, 0, 1);

		/* -EAGAIN only if a hostile peer rewrote the word meanwhile. */
		return got < 0 ? ring_pvt_stat_result(r, 0, got) : got;
	}
	if (sq != q - r->n + 1)
		return ring_pvt_stat_result(r, 0, -EUCLEAN);
	if (ring_pvt_live_replaced(r))
		return -ESTALE;
	return seq_again(r, 0);
}

static RING_PVT_NOINLINE ssize_t seq_pop_general(struct ring *r, void *dst, size_t cnt, int burst)
{
	uint64_t tw, q, sq;
	size_t need = burst ? 1 : cnt;
	int rc;

	if (ring_pvt_unlikely(!(r->roles & RING_ROLE_CONSUMER))) {
		rc = ring_pvt_live_need(r, RING_ROLE_CONSUMER);
		if (rc < 0)
			return ring_pvt_stat_result(r, 1, rc);
		ring_pvt_spsc_forget(r, 0);
	}
	if (r->cons_pos == RING_PVT_POS_UNKNOWN) {
		rc = recover_consumer(r);
		if (rc < 0)
			return ring_pvt_stat_result(r, 1, rc);
	} else if (ring_pvt_load(&r->shm->cons.head, relaxed) != r->cons_pos) {
		return ring_pvt_stat_result(r, 1, -EUCLEAN); /* as the producer's check */
	}
	/* The last slot the call needs (bursts: the first): q + 1 full, q
	 * empty (the slot's element of q - n was read; q - n < the position,
	 * since need <= n). */
	q = r->cons_pos + need - 1;
	sq = ring_pvt_load(seq_word(r, q), acquire); /* A8 */
	if (sq == q) {
		/* Empty. Closed? The acquire load of tail pairs with the
		 * release RMW of ring_close_write(), which the producer made
		 * after its last R8: once the bit is seen, a second look at
		 * the slot sees every element pushed before the close. The
		 * first look came before the tail load and may have missed
		 * one. */
		tw = ring_pvt_load(&r->shm->prod.tail, acquire);
		if (tw & RING_CLOSED_BIT) {
			sq = ring_pvt_load(seq_word(r, q), acquire); /* A8 */
			/* Still empty: the end of the stream (bulk: fewer
			 * than cnt remain, as for the other rules). */
			if (sq != q + 1)
				return ring_pvt_stat_result(r, 1, sq == q ? -EPIPE : -EUCLEAN);
		} else {
			if (ring_pvt_live_replaced(r))
				return -ESTALE;
			return seq_again(r, 1);
		}
	} else if (sq != q + 1) {
		return ring_pvt_stat_result(r, 1, -EUCLEAN);
	}
	{
		ssize_t got = ring_pvt_seq_dequeue(r, dst, cnt, burst, 0, 1);

		return got < 0 ? ring_pvt_stat_result(r, 1, got) : got;
	}
}

/*
 * The entry points of ring_seq_pvt.h's inline calls. A producer or consumer
 * that polls a full or empty ring comes here on every try, so the honest
 * full / empty answer is found first, with the loads and tests of the
 * general path in the same order (role held, own position known, own copy
 * as written, then the slot word, the closed bit, replacement) and nothing
 * else; any other state goes to the general path, which repeats them and
 * tells the cases apart. Orders: A9 / A8 as there; the consumer's tail load
 * is the same acquire (closed bit) as in seq_pop_general.
 */
ssize_t ring_pvt_seq_push_slow(struct ring *r, const void *src, size_t cnt, int burst)
{
	uint64_t p = r->prod_pos;

	if (ring_pvt_likely((r->roles & RING_ROLE_PRODUCER) && p != RING_PVT_POS_UNKNOWN &&
			    ring_pvt_load(&r->shm->prod.tail, relaxed) == p)) {
		/* The call's last slot (bursts: its first); closed bit clear,
		 * since tail equals a position. Full: q - n + 1. */
		uint64_t q = p + (burst ? 1 : cnt) - 1;

		if (ring_pvt_load(seq_word(r, q), acquire) == q - r->n + 1) { /* A9 */
			if (ring_pvt_live_replaced(r))
				return -ESTALE;
			return seq_again(r, 0);
		}
	}
	return seq_push_general(r, src, cnt, burst);
}

ssize_t ring_pvt_seq_pop_slow(struct ring *r, void *dst, size_t cnt, int burst)
{
	uint64_t c = r->cons_pos;

	if (ring_pvt_likely((r->roles & RING_ROLE_CONSUMER) && c != RING_PVT_POS_UNKNOWN &&
			    ring_pvt_load(&r->shm->cons.head, relaxed) == c)) {
		uint64_t q = c + (burst ? 1 : cnt) - 1;

		/* Empty (q), and not closed: the acquire load of tail pairs
		 * with ring_close_write()'s release RMW as in the general
		 * path, which handles the closed case (it looks at the slot
		 * again after seeing the bit). */
		if (ring_pvt_load(seq_word(r, q), acquire) == q && /* A8 */
		    !(ring_pvt_load(&r->shm->prod.tail, acquire) & RING_CLOSED_BIT)) {
			if (ring_pvt_live_replaced(r))
				return -ESTALE;
			return seq_again(r, 1);
		}
	}
	return seq_pop_general(r, dst, cnt, burst);
}
