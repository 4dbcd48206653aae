/* SPDX-License-Identifier: MIT */
/*
 * Out-of-line parts of push and pop: the SPSC slow paths (the other side's
 * index has to be read), the MPMC "cannot dequeue here" path, and the
 * count/free queries.
 */
#include "ring_internal.h"

#include <errno.h>

/* Count a result of this side's slow path (RING_STAT_*, ring_layout.h) and
 * return it: the counters cost only these out-of-line returns. The SPSC
 * paths call it at each failing return, where rc is a constant and the call
 * folds to one add: their successful returns (a burst's refresh that finds
 * room) test nothing. SHMRING_PVT_NO_STATS (a measurement build, see
 * bench/stats_cost.sh) counts nothing. */
static ssize_t counted(struct ring_stat_line *line, ssize_t rc)
{
#ifdef SHMRING_PVT_NO_STATS
	(void)line;
#else
	if (rc == -EAGAIN)
		ring_pvt_stat_inc(line, RING_STAT_AGAIN);
	else if (rc == -EPIPE)
		ring_pvt_stat_inc(line, RING_STAT_CLOSED);
	else if (rc == -EUCLEAN)
		ring_pvt_stat_inc(line, RING_STAT_CORRUPT);
	else if (rc == -EBUSY)
		ring_pvt_stat_inc(line, RING_STAT_CONTENDED);
#endif
	return rc;
}

ssize_t ring_pvt_stat_result(struct ring *r, int consumer, ssize_t rc)
{
	return counted(consumer ? &r->shm->cstat : &r->shm->pstat, rc);
}

ssize_t ring_pvt_stat_ret(struct ring *r, int consumer, unsigned word, ssize_t rc)
{
	ring_pvt_stat_add(r, consumer, word, 1);
	return rc;
}

/* Free slots for an SPSC producer at tail t, given head h (both checked). */
static uint64_t spsc_free(const struct ring *r, uint64_t t, uint64_t h)
{
	if (r->rule == RING_RULE_COUNT)
		return r->cap - (t - h);
	return ring_pvt_n1_free(r, t, h);
}

/* Range check of a (head, tail) pair read from shared memory. */
static int spsc_consistent(const struct ring *r, uint64_t t, uint64_t h)
{
	if (r->rule == RING_RULE_COUNT)
		return t - h <= r->cap;
	return t < r->n && h < r->n;
}

/*
 * Producer slow path: the ring looks full from prod_cache, or the handle does
 * not know its own index yet (t is RING_PVT_POS_UNKNOWN: first push, or
 * closed through this handle). Reads tail (its own word: relaxed, nothing
 * to synchronise with; the closed bit's release RMW is only reported, no
 * data depends on it) and head (A1), and leaves prod_pos and prod_cache
 * consistent with both.
 */
static ssize_t spsc_room(struct ring *r, uint64_t t, size_t cnt, int burst)
{
	uint64_t tw, h, free_slots;

	/* A handle's first out-of-line push takes the producer role if its
	 * first call was a pop, or again after fork (exclusive: -EADDRINUSE);
	 * taking it makes the handle forget its position. */
	if (ring_pvt_unlikely(!(r->roles & RING_ROLE_PRODUCER))) {
		int rc = ring_pvt_live_need(r, RING_ROLE_PRODUCER);

		if (rc < 0)
			return counted(&r->shm->pstat, rc);
		t = RING_PVT_POS_UNKNOWN;
	}
	tw = ring_pvt_load(&r->shm->prod.tail, relaxed);
	if (tw & RING_CLOSED_BIT) {
		/* n-1 rule: a closed in must still be in range. */
		if (r->rule == RING_RULE_N1 && (tw & ~RING_CLOSED_BIT) >= r->n)
			return counted(&r->shm->pstat, -EUCLEAN);
		return counted(&r->shm->pstat, -EPIPE);
	}
	/* Only this handle writes tail while it holds the role, so a known
	 * position must match it; a different value is another writer
	 * (a hostile peer, or a second producer handle: both -EUCLEAN). */
	if (t == RING_PVT_POS_UNKNOWN)
		t = tw;
	else if (tw != t)
		return counted(&r->shm->pstat, -EUCLEAN);
	/* A1: pairs with R2 in ring_pvt_spsc_dequeue(): the consumer is done
	 * reading every slot before h, so they may be overwritten. */
	h = ring_pvt_load(&r->shm->cons.head, acquire);
	if (!spsc_consistent(r, t, h))
		return counted(&r->shm->pstat, -EUCLEAN);
	r->prod_pos = t;
	/* see struct ring; n-1 rule: ring_pvt_n1_plimit */
	r->prod_cache = r->rule == RING_RULE_N1 ? ring_pvt_n1_plimit(r->n, t, h) : h + r->cap;
	free_slots = spsc_free(r, t, h);
	if (free_slots < cnt) {
		if (!burst || free_slots == 0)
			return ring_pvt_live_replaced(r) ? -ESTALE
							  : counted(&r->shm->pstat, -EAGAIN);
		cnt = (size_t)free_slots;
	}
	return (ssize_t)cnt;
}

ssize_t ring_pvt_spsc_room(struct ring *r, uint64_t t, size_t cnt, int burst)
{
	return spsc_room(r, t, cnt, burst); /* counts its own failures */
}

/*
 * Consumer slow path: empty as far as the inline refresh can tell, closed,
 * corrupt, or a first pop (h is RING_PVT_POS_UNKNOWN: adopt head, the own
 * word, relaxed). Leaves cons_pos and cons_cache consistent with both.
 */
static ssize_t spsc_avail(struct ring *r, uint64_t h, size_t cnt, int burst)
{
	uint64_t tw, t, avail;
	int closed;

	if (ring_pvt_unlikely(!(r->roles & RING_ROLE_CONSUMER))) {
		int rc = ring_pvt_live_need(r, RING_ROLE_CONSUMER);

		if (rc < 0)
			return counted(&r->shm->cstat, rc);
		h = RING_PVT_POS_UNKNOWN;
	}
	/* Own word, relaxed as in spsc_room. Only this handle writes head
	 * while it holds the role, so a known position must match it; a
	 * different value is another writer (a hostile peer, or a second
	 * consumer handle): -EUCLEAN, as the producer's check of tail. */
	if (h == RING_PVT_POS_UNKNOWN)
		h = ring_pvt_load(&r->shm->cons.head, relaxed);
	else if (ring_pvt_load(&r->shm->cons.head, relaxed) != h)
		return counted(&r->shm->cstat, -EUCLEAN);
	/* A2: pairs with R1 in ring_pvt_spsc_enqueue() and with the release
	 * in ring_close_write(): every slot before t is fully written. */
	tw = ring_pvt_load(&r->shm->prod.tail, acquire);
	t = tw & ~RING_CLOSED_BIT;
	closed = (tw & RING_CLOSED_BIT) != 0;
	if (!spsc_consistent(r, t, h))
		return counted(&r->shm->cstat, -EUCLEAN);
	r->cons_pos = h;
	r->cons_cache = r->rule == RING_RULE_N1 ? ring_pvt_n1_climit(r->n, t, h) : t;
	avail = r->cap - spsc_free(r, t, h);
	if (avail < cnt) {
		if (avail == 0 || !burst)
			return closed			  ? counted(&r->shm->cstat, -EPIPE)
			       : ring_pvt_live_replaced(r) ? -ESTALE
							   : counted(&r->shm->cstat, -EAGAIN);
		cnt = (size_t)avail;
	}
	return (ssize_t)cnt;
}

ssize_t ring_pvt_spsc_avail(struct ring *r, uint64_t h, size_t cnt, int burst)
{
	return spsc_avail(r, h, cnt, burst); /* counts its own failures */
}

/*
 * n-1 rule: a push or pop whose move wraps the index (once per lap), or a
 * first call (own index unknown). The slow path's checks run first (room /
 * avail: A1 / A2, adoption, closed, corrupt, full, empty), then the copy,
 * then the new index: with its lap if it wrapped (RING_STAT_LAPS), else a
 * plain R1 / R2 store.
 */
ssize_t ring_pvt_spsc_wrap(struct ring *r, void *buf, size_t cnt, int burst, int push)
{
	struct ring_shared *s = r->shm;
	ssize_t got = push ? ring_pvt_spsc_room(r, r->prod_pos, cnt, burst)
			   : ring_pvt_spsc_avail(r, r->cons_pos, cnt, burst);
	RING_ATOMIC(uint64_t) *idx = push ? &s->prod.tail : &s->cons.head;
	struct ring_stat_line *line = push ? &s->pstat : &s->cstat;
	uint64_t pos, next;

	if (got < 0)
		return got;
	cnt = (size_t)got;
	/* Checked < n by room / avail (spsc_consistent), and cnt < n. */
	pos = push ? r->prod_pos : r->cons_pos;
	next = pos + cnt;
	if (next >= r->n)
		next -= r->n;
	ring_pvt_spsc_copy(r, pos, buf, cnt, push);
	/* R1 (push) / R2 (pop), as in ring_pvt_spsc_enqueue / _dequeue. */
	if (next < pos)
		ring_pvt_n1_publish_wrap(idx, &line->words[RING_STAT_LAPS], next);
	else
		ring_pvt_store(idx, next, release);
	/* A wrap invalidates the limit room / avail left (it was for pos):
	 * the next call refreshes first (ring_pvt_n1_plimit). */
	if (next < pos) {
		if (push)
			r->prod_cache = 0;
		else
			r->cons_cache = 0;
	}
	if (push) {
		r->prod_pos = next;
		if (r->flags & RING_F_BLOCKING)
			ring_pvt_after_push(r);
	} else {
		r->cons_pos = next;
		if (r->flags & RING_F_BLOCKING)
			ring_pvt_after_pop(r);
	}
	return (ssize_t)cnt;
}

static int mpmc_stuck(struct ring *r, uint64_t pos, size_t k, size_t cnt, int burst)
{
	struct ring_shared *s = r->shm;
	struct ring_mpmc_slot *sl = ring_pvt_mpmc_slot(r, pos + k);
	/* A4 again: a SKIP word is published like an element. */
	uint64_t seq = ring_pvt_load(&sl->seq, acquire);
	uint64_t tw, remain;

	if (ring_pvt_unlikely(!(r->roles & RING_ROLE_CONSUMER))) {
		int rc = ring_pvt_live_need(r, RING_ROLE_CONSUMER);

		if (rc < 0)
			return rc;
	}
	/* A slot a survivor gave up on, at the head: claim it like an element
	 * and free it for the next lap without delivering anything. The claim
	 * is recorded first (I1), as for an element: a consumer that dies
	 * between this CAS and the store below leaves a SKIP slot below head,
	 * which the repair releases. */
	if (k == 0 && seq == RING_MPMC_SKIP(pos)) {
		uint64_t expect = pos;

		ring_pvt_store(&r->part->intent, RING_INTENT(pos, 1, 1), release);
		if (ring_pvt_cas(&s->cons.head, &expect, pos + 1, release, relaxed)) {
			ring_pvt_store(&sl->seq, RING_MPMC_FREE(pos + r->n), release); /* R4 */
			ring_pvt_stat_inc(&s->cstat, RING_STAT_SKIPS);
			/* The slot is room now: wake a producer waiting for it,
			 * as a pop would. */
			ring_pvt_after_pop(r);
		}
		return 0;
	}
	/* Empty at pos + k, or its producer has not finished. Acquire pairs
	 * with the release RMW in ring_close_write(). Producers cannot claim
	 * after the close (the bit fails their CAS), so once closed the
	 * positions below tail are all that will ever arrive. pos was read
	 * before tail and head only grows, so remain is never too small: a
	 * stale pos gives -EAGAIN and a retry, never an early -EPIPE. A head
	 * past tail (only a hostile peer) makes remain huge: -EAGAIN. */
	tw = ring_pvt_load(&s->prod.tail, acquire);
	if (tw & RING_CLOSED_BIT) {
		remain = (tw & ~RING_CLOSED_BIT) - pos;
		if (remain == 0 || (!burst && remain < cnt)) {
			ring_pvt_store(&r->part->intent, 0, release);
			return -EPIPE;
		}
	}
	return ring_pvt_mpmc_blocked(r, pos, 1);
}

int ring_pvt_mpmc_blocked(struct ring *r, uint64_t pos, int consumer)
{
	/* Withdraw an intent left by a lost CAS (see ring_pvt_mpmc_unclaim). */
	ring_pvt_store(&r->part->intent, 0, release);
	if (ring_pvt_unlikely(!(r->roles & (consumer ? RING_ROLE_CONSUMER : RING_ROLE_PRODUCER)))) {
		int rc = ring_pvt_live_need(r, consumer ? RING_ROLE_CONSUMER : RING_ROLE_PRODUCER);

		if (rc < 0)
			return rc;
	}
	if (ring_pvt_live_replaced(r))
		return -ESTALE;
	ring_pvt_live_blocked(r, consumer, pos);
	/* Counted here for producers; a consumer's comes through
	 * ring_pvt_mpmc_stuck(). */
	return consumer ? -EAGAIN : (int)counted(&r->shm->pstat, -EAGAIN);
}

int ring_pvt_mpmc_stuck(struct ring *r, uint64_t pos, size_t k, size_t cnt, int burst)
{
	return (int)counted(&r->shm->cstat, mpmc_stuck(r, pos, k, cnt, burst));
}

/*
 * The retry loops of the one-element MPMC calls. Each try reloads the index,
 * so a stale or contended position costs one of RING_PVT_RETRIES tries; what
 * the first mismatch means is decided only from words read in that try.
 * Running out of tries is -EBUSY, never -EAGAIN: the caller learns that it
 * lost races, not that the ring is full or empty.
 */
ssize_t ring_pvt_mpmc_push1_slow(struct ring *r, const void *elem)
{
	struct ring_shared *s = r->shm;
	const struct ring_pvt_mpmc_geom g = ring_pvt_mpmc_geom_of(r, 0);
	unsigned tries;

	for (tries = 0; tries < RING_PVT_RETRIES; tries++) {
		uint64_t pos = ring_pvt_load(&s->prod.tail, relaxed), seq;
		struct ring_mpmc_slot *sl;
		int64_t d;

		if (pos & RING_CLOSED_BIT) {
			ring_pvt_mpmc_unclaim(&g);
			return counted(&s->pstat, -EPIPE);
		}
		if (ring_pvt_mpmc_claim1(s, &g, &pos, &sl)) {
			ring_pvt_mpmc_fill1(r, &g, r->flags, sl, pos, elem);
			return 1;
		}
		/* Full (or the consumer of the last lap still reading, or a
		 * SKIP word of the last lap not yet stepped over) is an
		 * answer; a lost CAS or a stale pos is a retry. Relaxed: only
		 * the value is judged, no slot is touched. */
		seq = ring_pvt_load(&ring_pvt_mpmc_at(&g, pos)->seq, relaxed);
		d = (int64_t)(seq - RING_MPMC_FREE(pos));
		if ((d < 0 || seq == RING_MPMC_SKIP(pos - g.n)) && !(pos & RING_CLOSED_BIT))
			return ring_pvt_mpmc_blocked(r, pos, 0);
	}
	/* every try lost a race or found pos stale */
	ring_pvt_mpmc_unclaim(&g);
	return counted(&s->pstat, -EBUSY);
}

ssize_t ring_pvt_mpmc_pop1_slow(struct ring *r, void *elem)
{
	struct ring_shared *s = r->shm;
	const struct ring_pvt_mpmc_geom g = ring_pvt_mpmc_geom_of(r, 0);
	unsigned tries;

	for (tries = 0; tries < RING_PVT_RETRIES; tries++) {
		uint64_t pos = ring_pvt_load(&s->cons.head, relaxed);
		struct ring_mpmc_slot *sl;
		int64_t d;

		if (ring_pvt_mpmc_take1(s, &g, &pos, &sl)) {
			ring_pvt_mpmc_drain1(r, &g, r->flags, sl, pos, elem);
			return 1;
		}
		d = (int64_t)(ring_pvt_load(&ring_pvt_mpmc_at(&g, pos)->seq, relaxed) -
			      RING_MPMC_FULL(pos));
		if (d < 0) {
			int rc = ring_pvt_mpmc_stuck(r, pos, 0, 1, 0);

			if (rc < 0)
				return rc;
		}
	}
	ring_pvt_mpmc_unclaim(&g);
	return counted(&s->cstat, -EBUSY);
}

/*
 * A consistent (head, tail) snapshot: head read on both sides of tail and
 * equal, so the pair existed at the moment tail was read. Under constant
 * consumer motion, fall back to the last pair read, clamped.
 */
static ssize_t count_snapshot(const struct ring *r)
{
	struct ring_shared *s = r->shm;
	uint64_t h1, h2, t, used = 0;
	int tries;

	for (tries = 0; tries < 16; tries++) {
		h1 = ring_pvt_load(&s->cons.head, acquire);
		t = ring_pvt_load(&s->prod.tail, acquire) & ~RING_CLOSED_BIT;
		h2 = ring_pvt_load(&s->cons.head, acquire);
		if (r->rule == RING_RULE_N1) {
			if (t >= r->n || h2 >= r->n)
				return -EUCLEAN;
			used = ring_pvt_n1_used(r, t, h2);
		} else {
			used = t - h2;
		}
		/* Slot-sequenced rule: both words are copies published after
		 * each call (ring_layout.h), so the pair may be off by a call
		 * of each side in progress: up to n below 0 (the head copy
		 * ahead of a tail copy not stored yet) or above n. Clamped. */
		if (r->rule == RING_RULE_SEQ && h1 == h2) {
			if ((int64_t)used < 0 && 0 - used <= r->n)
				return 0;
			if (used > r->cap && used - r->cap <= r->n)
				return (ssize_t)r->cap;
		}
		/* Message ring, one producer: the consumer may be a record past
		 * the tail (it goes by commit words, src/ring_msg.c): empty. */
		if (r->kind == RING_KIND_MSG && !(r->flags & RING_F_MSG_MP) && h1 == h2 &&
		    (int64_t)used < 0 && 0 - used <= r->n)
			return 0;
		if (h1 == h2)
			return used <= r->cap ? (ssize_t)used : -EUCLEAN;
	}
	/* head moved between reads: used may be off by what moved. Count
	 * rule: clamped to [0, cap]. n-1 rule: a head that passed the tail it
	 * was paired with cannot be told from a full ring, and reads as one. */
	return (int64_t)used < 0 ? 0 : (ssize_t)(used > r->cap ? r->cap : used);
}

ssize_t ring_count(const struct ring *r)
{
	if (r == NULL || r->shm == NULL)
		return -EINVAL;
	if (r->kind == RING_KIND_BCAST)
		return ring_pvt_bcast_count(r);
	return count_snapshot(r);
}

ssize_t ring_free(const struct ring *r)
{
	ssize_t used = ring_count(r);

	return used < 0 ? used : (ssize_t)r->cap - used;
}

int ring_is_closed(const struct ring *r)
{
	if (r == NULL || r->shm == NULL)
		return -EINVAL;
	return (ring_pvt_load(&r->shm->prod.tail, acquire) & RING_CLOSED_BIT) != 0;
}
