/* SPDX-License-Identifier: MIT */
/*
 * Broadcast rings: roles, the producer's view of its consumers, the readers'
 * slow path (empty, lapped, closed), bursts, and the blocking calls.
 *
 * Ordering, besides W1/R1/R2 and A0/A1/A2 of ring_bcast_pvt.h:
 * - R3/A3: a back-pressure consumer stores its cursor with release after
 *   reading the slots before it; the producer loads cursors with acquire in
 *   scan() and overwrites the slot of position q only once every cursor it
 *   counts is above q - n + ... (q < cursor + n), so only after those reads.
 * - F3/F4, joining (store buffering): a joiner claims its entry, ORs its
 *   bit into the scan hint, stores RING_BCAST_JOINING in its cursor, fences
 *   (F3), then loads the tail; the producer stores the tail, fences (F4) in
 *   scan(), then loads the hint and the entries below it. At least one sees
 *   the other: either the scan sees all three (and JOINING holds it at its
 *   position p, so the limit is p + n), or the joiner's tail load returns
 *   at least the p of that scan. Either way the limit of that scan is at
 *   most (joiner's start) + n, and no slot the joiner is to read is
 *   overwritten before a later scan sees its real cursor.
 * - Wake-ups: pushes and back-pressure pops end with ring_pvt_after_push /
 *   ring_pvt_after_pop (F1 of ring_common_pvt.h), the sleeps are
 *   ring_pvt_wait_until's; leaving wakes the producer as a pop does.
 *
 * Liveness is src/ring_live.c's: every attached handle holds a participant
 * entry there. The producer role is an exclusive role of that mechanism
 * (the RING_STATE_PROD_OWNER word: -EADDRINUSE while a process not verified
 * dead holds it, taken over from a dead one); a consumer's role is a role
 * bit of its entry, and a back-pressure consumer also marks the entry a
 * member (op[0]) and keeps its cursor there. A producer held at the same
 * position for a while (ring_pvt_live_blocked_due) asks ring_live.c to free
 * the entries of the consumers holding it whose owners are verified dead
 * (ring_pvt_live_free_dead); a waiting consumer learns of a dead producer
 * from ring_pvt_live_wait_check, called by the wait loop after each slice.
 */
#include "ring_internal.h"

#include <errno.h>
#include <stdatomic.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* Bound on skips and reloads in one call: past it the call returns -EAGAIN
 * (lossy readers lapped again and again by a faster producer), so that no
 * call spins on another process's progress. */
#define BCAST_RETRIES 64

static int check_bcast(const struct ring *r)
{
	if (r == NULL || r->shm == NULL)
		return -EINVAL;
	return r->kind == RING_KIND_BCAST ? 0 : -EPROTOTYPE;
}

/* ---- Roles ---------------------------------------------------------------- */

/* The bit of the scan hint (cons.head, see ring_layout.h) for entry i: the
 * smallest power of two above i. */
static uint64_t hint_bit(uint32_t i)
{
	uint64_t b = 1;

	while (b <= i)
		b <<= 1;
	return b;
}

/* One past the last entry the scan must look at: the highest bit of the
 * hint, within the table. A hint written by someone else can only make the
 * scan longer (up to the table) or make the producer overlook consumers,
 * who then miss elements: reported as such, never torn. */
static uint32_t scan_end(const struct ring *r)
{
	uint64_t h = ring_pvt_load(&r->shm->cons.head, relaxed);
	uint64_t end = 1;

	while (h > 1 && end < r->max_parts) {
		h >>= 1;
		end <<= 1;
	}
	return end < r->max_parts ? (uint32_t)end : r->max_parts;
}

/* 1 if entry e is a back-pressure consumer's: live in ring_live.c's terms
 * and marked a member. A hostile peer can make any entry look like one:
 * then its cursor is judged like a reader's (scan()). */
static int member(const struct ring_part *e, uint64_t *cursor)
{
	RING_ATOMIC(uint64_t) *cw = (RING_ATOMIC(uint64_t) *)(uintptr_t)&e->cursor;
	uint64_t st = ring_pvt_load((RING_ATOMIC(uint64_t) *)(uintptr_t)&e->state, acquire);

	if (RING_PART_STATUS(st) != 2)
		return 0;
	if (ring_pvt_load((RING_ATOMIC(uint64_t) *)(uintptr_t)&e->op[0], acquire) == 0)
		return 0;
	*cursor = ring_pvt_load(cw, acquire); /* A3: pairs with R3 */
	return 1;
}

/* Add the elements this consumer delivered since it last did (positions
 * counted..cpos, none of them missed) to the consumers' stat line. */
static void count_pops(struct ring *r)
{
	uint64_t d = r->bc.cpos - r->bc.counted;

	if (d != 0)
		ring_pvt_stat_add(r, 1, RING_STAT_BCAST_POPS, d);
	r->bc.counted = r->bc.cpos;
}

static void count_missed(struct ring *r, uint64_t k)
{
	r->bc.missed += k;
	r->bc.pending += k;
	ring_pvt_stat_add(r, 1, RING_STAT_BCAST_MISSED, k);
}

int ring_bcast_producer(struct ring *r)
{
	int rc = check_bcast(r);

	if (rc < 0)
		return rc;
	if (r->bc.role != RING_PVT_BCAST_NONE)
		return -EINVAL;
	/* The exclusive role of src/ring_live.c: -EADDRINUSE while held by a
	 * process not verified dead (this one included, through another
	 * handle), taken over from a dead holder. */
	rc = ring_pvt_live_declare(r, RING_ROLE_PRODUCER);
	if (rc < 0)
		return rc;
	r->bc.role = RING_PVT_BCAST_PRODUCER;
	r->bc.owner = (int32_t)getpid();
	/* Continue after what was published; a predecessor that died while
	 * writing position tail left that slot BUSY, and it is written again.
	 * A closed tail makes every push -EPIPE (the slow path reads it). */
	r->bc.ppos = ring_pvt_load(&r->shm->prod.tail, acquire) & ~RING_CLOSED_BIT;
	r->prod_cache = r->bc.ppos; /* the first push computes the limit */
	r->bc.hold = 0;
	if (r->flags & RING_F_BCAST_MSG)
		ring_pvt_bmsg_producer_start(r, r->bc.ppos);
	return 0;
}

int ring_bcast_join(struct ring *r)
{
	struct ring_part *e = NULL;
	uint64_t t;
	int rc = check_bcast(r);

	if (rc < 0)
		return rc;
	if (r->bc.role != RING_PVT_BCAST_NONE)
		return -EINVAL;
	/* The consumer role bit of the handle's entry (src/ring_live.c; an
	 * entry of its own first if it has none, or its parent's). */
	rc = ring_pvt_live_declare(r, RING_ROLE_CONSUMER);
	if (rc < 0)
		return rc;
	if (!(r->flags & RING_F_BCAST_LOSSY)) {
		e = r->part;
		/* Cursor, member mark, then the scan hint, all before F3: the
		 * producer that sees the mark sees JOINING or a later cursor.
		 * The hint is an OR, so that no raise by a concurrent joiner
		 * is lost: the bit of the power of two above the index. */
		ring_pvt_store(&e->cursor, RING_BCAST_JOINING, seq_cst);
		ring_pvt_store(&e->op[0], RING_BCAST_MEMBER, seq_cst);
		ring_pvt_fetch_or(&r->shm->cons.head, hint_bit(r->part_idx), seq_cst);
		ring_pvt_fence(seq_cst); /* F3: pairs with F4 in scan() */
	}
	/* A0 (as a pop's). Messages: with the sequence of the join point
	 * (src/ring_bcast_msg.c; cons_pos is a message consumer's next
	 * sequence). */
	if (r->flags & RING_F_BCAST_MSG)
		r->cons_pos = ring_pvt_bmsg_join_seq(r, &t);
	else
		t = ring_pvt_load(&r->shm->prod.tail, acquire) & ~RING_CLOSED_BIT;
	if (e != NULL)
		ring_pvt_store(&e->cursor, t, release); /* R3 */
	r->bc.entry = e;
	r->bc.cpos = t;
	/* Messages: counted is the count delivered and not yet on the stat
	 * line. */
	r->bc.counted = (r->flags & RING_F_BCAST_MSG) ? 0 : t;
	r->cons_cache = t;
	r->bc.missed = 0;
	r->bc.pending = 0;
	r->bc.role = RING_PVT_BCAST_CONSUMER;
	r->bc.owner = (int32_t)getpid();
	return 0;
}

int ring_bcast_leave(struct ring *r)
{
	uint32_t role;

	if (r == NULL || r->shm == NULL)
		return -EINVAL;
	role = r->bc.role;
	/* A copy of the handle across fork holds its parent's roles: it
	 * gives nothing back. */
	if (role != RING_PVT_BCAST_NONE && r->bc.owner == (int32_t)getpid()) {
		if (role == RING_PVT_BCAST_CONSUMER && (r->flags & RING_F_BCAST_MSG))
			ring_pvt_bmsg_leave(r);
		else if (role == RING_PVT_BCAST_CONSUMER)
			count_pops(r);
		if (r->bc.entry != NULL && r->bc.entry == r->part)
			ring_pvt_store(&r->bc.entry->op[0], 0, release);
		ring_pvt_live_drop_roles(r, role == RING_PVT_BCAST_PRODUCER ? RING_ROLE_PRODUCER
									   : RING_ROLE_CONSUMER);
		/* A producer held back by this consumer may be asleep. */
		if (role == RING_PVT_BCAST_CONSUMER && (r->flags & RING_F_BLOCKING))
			ring_pvt_after_pop(r);
	}
	memset(&r->bc, 0, sizeof(r->bc));
	r->prod_cache = 0;
	r->cons_cache = 0;
	/* Messages: a reservation or peek left open goes with the role (the
	 * next producer starts from the intent it announced). */
	r->zc_res_cnt = 0;
	r->zc_peek_cnt = 0;
	return 0;
}

void ring_pvt_bcast_detach(struct ring *r)
{
	if (r->kind == RING_KIND_BCAST)
		ring_bcast_leave(r);
}

/* ---- Producer ------------------------------------------------------------- */

/*
 * Compute the producer's limit from the cursors of the joined consumers:
 * the lowest cursor + n, or p + n if none holds it back. Cursors are the
 * consumers' words: one that is ahead of p, or more than n behind it,
 * cannot be an honest reader's and is ignored (it does not hold the
 * producer); one exactly at p - n holds it, however long that lasts.
 * With `reap` (the positions wanted: 1 element, or a message's bytes), the
 * owners of the entries that leave less room than that are judged by
 * src/ring_live.c, and the entries of those verified dead freed.
 */
static uint64_t scan(struct ring *r, uint64_t p, uint64_t reap)
{
	uint64_t lim = p + r->n;
	uint32_t i, end;

	r->bc.hold = 0;
	ring_pvt_fence(seq_cst); /* F4: pairs with F3 in ring_bcast_join() */
	end = scan_end(r); /* after F4, like the cursors */
	for (i = 0; i < end; i++) {
		struct ring_part *e = &r->parts[i];
		uint64_t c, d;

		if (!member(e, &c))
			continue;
		if (c == RING_BCAST_JOINING)
			c = p;
		d = p - c;
		if (d > r->n)
			continue; /* ahead of p (d wrapped) or too far behind */
		if (c + r->n > lim)
			continue;
		/* Holding us and verified dead: ring_live.c frees its entry
		 * (by CAS from the state it judged: not one that changed
		 * hands meanwhile). */
		if (reap && c + r->n - p < reap && ring_pvt_live_free_dead(r, e))
			continue;
		lim = c + r->n;
		r->bc.hold = i + 1;
	}
	return lim;
}

/*
 * Full at p at the last scan, held by entry r->bc.hold: 1 if that entry is
 * still held with its cursor where it was, so that a producer retrying a
 * push on a full ring costs two loads, not a scan of the table. Only a
 * shortcut: any change sends the caller to a full scan.
 */
static int still_held(struct ring *r, uint64_t lim)
{
	struct ring_part *e;
	uint64_t c;

	if (r->bc.hold == 0 || r->bc.hold > r->max_parts)
		return 0;
	e = &r->parts[r->bc.hold - 1];
	/* Acquire as in scan() (A3), though nothing is overwritten on this
	 * answer. */
	return member(e, &c) && c + r->n == lim;
}

int ring_pvt_bcast_tail_check(struct ring *r, uint64_t p)
{
	uint64_t tw = ring_pvt_load(&r->shm->prod.tail, relaxed);

	if (tw & RING_CLOSED_BIT) {
		ring_pvt_stat_add(r, 0, RING_STAT_CLOSED, 1);
		return -EPIPE;
	}
	if (tw != p)
		/* Not written by this producer: put back what it published
		 * (every position below p is done). */
		ring_pvt_store(&r->shm->prod.tail, p, release);
	return 0;
}

uint64_t ring_pvt_bcast_limit(struct ring *r, uint64_t p, uint64_t need, uint64_t cached)
{
	uint64_t lim;

	if (r->flags & RING_F_BCAST_LOSSY)
		return p + r->n;
	/* Too little room at the last scan and its holder unchanged: still
	 * too little, for two loads. */
	lim = cached - p < need && still_held(r, cached) ? cached : scan(r, p, 0);
	/* Full: someone holds us. Held at p for a while: look for the dead
	 * among the holders (src/ring_live.c's rate limit, so that /proc is
	 * read rarely on the full path). */
	if (lim - p < need && ring_pvt_live_blocked_due(r, 0, p))
		lim = scan(r, p, need);
	return lim;
}

/* Room for up to want elements at the producer's position: the count, or
 * -EAGAIN (full), -EPIPE, -EINVAL. Fixes a tail someone else wrote. */
static ssize_t room(struct ring *r, size_t want)
{
	uint64_t p, lim;

	if (r == NULL || r->shm == NULL || r->bc.role != RING_PVT_BCAST_PRODUCER ||
	    (r->flags & RING_F_BCAST_MSG))
		return -EINVAL;
	p = r->bc.ppos;
	if (ring_pvt_bcast_tail_check(r, p) != 0)
		return -EPIPE;
	lim = ring_pvt_bcast_limit(r, p, 1, r->prod_cache);
	r->prod_cache = lim;
	if (lim == p) {
		ring_pvt_stat_add(r, 0, RING_STAT_AGAIN, 1);
		return -EAGAIN;
	}
	return (ssize_t)(lim - p < want ? lim - p : want);
}

int ring_pvt_bcast_push_slow(struct ring *r, const void *elem)
{
	ssize_t k = ring_bcast_push_burst(r, elem, 1);

	return k < 0 ? (int)k : 0;
}

ssize_t ring_bcast_push_burst(struct ring *r, const void *src, size_t n)
{
	const unsigned char *b = (const unsigned char *)src;
	ssize_t k;
	uint64_t p, i;

	if (n == 0 || src == NULL)
		return -EINVAL;
	k = room(r, n);
	if (k < 0)
		return k;
	p = r->bc.ppos;
	for (i = 0; i < (uint64_t)k; i++)
		ring_pvt_bcast_write(r, p + i, b + i * r->esz);
	ring_pvt_store(&r->shm->prod.tail, p + (uint64_t)k, release); /* R2 */
	r->bc.ppos = p + (uint64_t)k;
	if (r->flags & RING_F_BLOCKING)
		ring_pvt_after_push(r);
	return k;
}

/* ---- Consumers ------------------------------------------------------------ */

/*
 * Read up to cnt elements at the consumer's position, skipping (and
 * counting) what was overwritten. Returns the count read, -EAGAIN, -EPIPE,
 * -EUCLEAN, -EINVAL; *missed as ring_bcast_pop's.
 */
static ssize_t bcast_read(struct ring *r, unsigned char *dst, size_t cnt, uint64_t *missed)
{
	unsigned tries;

	if (r == NULL || r->shm == NULL || r->bc.role != RING_PVT_BCAST_CONSUMER ||
	    (r->flags & RING_F_BCAST_MSG))
		return -EINVAL;
	/* What the fast path delivered since the last slow path. From here
	 * on, counted follows every position skipped (missed, not popped). */
	count_pops(r);
	for (tries = 0; tries < BCAST_RETRIES; tries++) {
		uint64_t c = r->bc.cpos;
		/* A0: pairs with R2: positions below t are published. */
		uint64_t tw = ring_pvt_load(&r->shm->prod.tail, acquire);
		uint64_t t = tw & ~RING_CLOSED_BIT, avail = t - c, take, got = 0;

		if (avail == 0) {
			r->cons_cache = t; /* == cpos: the next pop comes here */
			if (tw & RING_CLOSED_BIT) {
				ring_pvt_stat_add(r, 1, RING_STAT_CLOSED, 1);
				return -EPIPE;
			}
			ring_pvt_stat_add(r, 1, RING_STAT_AGAIN, 1);
			return -EAGAIN;
		}
		if ((int64_t)avail < 0) {
			/* The tail went backwards: not the producer's doing.
			 * Say so, and continue from that tail, so that a tail
			 * written once by someone else does not stop this
			 * reader for good. */
			r->bc.cpos = t;
			r->bc.counted = t;
			r->cons_cache = t;
			r->bc.pending = 0; /* losses counted against a false tail */
			ring_pvt_stat_add(r, 1, RING_STAT_CORRUPT, 1);
			if (!(r->flags & RING_F_BCAST_LOSSY))
				ring_pvt_store(&r->bc.entry->cursor, t, release);
			return -EUCLEAN;
		}
		r->cons_cache = t;
		if (avail > r->n) {
			/* Lapped: positions below t - n are overwritten; t - n
			 * itself may be being overwritten, which its check
			 * will tell. */
			count_missed(r, avail - r->n);
			c = t - r->n;
			avail = r->n;
		}
		take = avail < cnt ? avail : cnt;
		while (got < take && ring_pvt_bcast_read(r, c + got, dst + got * r->esz))
			got++;
		if (got == 0) {
			/* Position c is gone (overwritten while we looked, or a
			 * slot word that is not the producer's): skip it. */
			count_missed(r, 1);
			got = 0;
			c++;
		}
		r->bc.counted = c; /* below c: popped and counted, or missed */
		r->bc.cpos = c + got;
		if (!(r->flags & RING_F_BCAST_LOSSY)) {
			ring_pvt_store(&r->bc.entry->cursor, c + got, release); /* R3 */
			if (r->flags & RING_F_BLOCKING)
				ring_pvt_after_pop(r);
		}
		if (got > 0) {
			if (missed != NULL)
				*missed = r->bc.pending;
			r->bc.pending = 0;
			return (ssize_t)got;
		}
	}
	/* Lapped again and again: give up for now. The losses counted so
	 * far are reported with the next element delivered, which must
	 * therefore come through this path: the fast path reports none. */
	r->cons_cache = r->bc.cpos;
	ring_pvt_stat_add(r, 1, RING_STAT_CONTENDED, 1);
	return -EAGAIN;
}

int ring_pvt_bcast_pop_slow(struct ring *r, void *elem, uint64_t *missed)
{
	ssize_t rc;

	if (elem == NULL)
		return -EINVAL;
	rc = bcast_read(r, (unsigned char *)elem, 1, missed);
	return rc < 0 ? (int)rc : 0;
}

ssize_t ring_bcast_pop_burst(struct ring *r, void *dst, size_t n, uint64_t *missed)
{
	if (n == 0 || dst == NULL)
		return -EINVAL;
	return bcast_read(r, (unsigned char *)dst, n, missed);
}

ssize_t ring_pvt_bcast_count(const struct ring *r)
{
	uint64_t t, d, low = 0, c;
	uint32_t i, end;

	switch (r->bc.role) {
	case RING_PVT_BCAST_CONSUMER:
		/* A0 as a pop's; what this consumer can still read, at most
		 * a lap (the rest is lost, or not the producer's tail). */
		t = ring_pvt_load(&r->shm->prod.tail, acquire) & ~RING_CLOSED_BIT;
		d = t - r->bc.cpos;
		if ((int64_t)d < 0)
			return -EUCLEAN; /* the tail went backwards */
		return (ssize_t)(d < r->n ? d : r->n);
	case RING_PVT_BCAST_PRODUCER:
		if (r->flags & RING_F_BCAST_LOSSY)
			return 0;
		/* The slowest cursor that scan() would count, read the same
		 * way (a cursor ahead of the producer or more than a lap
		 * behind is not a reader's). */
		end = scan_end(r);
		for (i = 0; i < end; i++) {
			if (!member(&r->parts[i], &c) || c == RING_BCAST_JOINING)
				continue;
			d = r->bc.ppos - c;
			if (d <= r->n && d > low)
				low = d;
		}
		return (ssize_t)low;
	default:
		return -EINVAL;
	}
}

uint64_t ring_bcast_missed(const struct ring *r)
{
	return r == NULL ? 0 : r->bc.missed;
}

int ring_bcast_consumers(const struct ring *r)
{
	uint32_t i;
	int n = 0, rc = check_bcast(r);

	if (rc < 0)
		return rc;
	/* Entries holding the consumer role (both policies), as ring_live.c
	 * records them. */
	for (i = 0; i < r->max_parts; i++) {
		uint64_t st = ring_pvt_load(&r->parts[i].state, acquire);

		n += RING_PART_STATUS(st) == 2 && (RING_PART_ROLES(st) & RING_ROLE_CONSUMER);
	}
	return n;
}

/* ---- Blocking ------------------------------------------------------------- */

struct bcast_op {
	int op; /* 0 push, 1 push burst, 2 pop, 3 pop burst */
	void *buf;
	size_t n;
	uint64_t *missed;
};

static ssize_t try_bcast(struct ring *r, void *ctx)
{
	const struct bcast_op *o = (const struct bcast_op *)ctx;

	switch (o->op) {
	case 0: return ring_bcast_push(r, o->buf);
	case 1: return ring_bcast_push_burst(r, o->buf, o->n);
	case 2: return ring_bcast_pop(r, o->buf, o->missed);
	default: return ring_bcast_pop_burst(r, o->buf, o->n, o->missed);
	}
}

/*
 * The one wait loop (ring_pvt_wait_until): between its slices a producer's
 * next try frees the entries of dead consumers holding it (room()), and
 * ring_pvt_live_wait_check tells a consumer that the producer role is held
 * by a process verified dead, so that no wait outlives the process it is
 * waiting for.
 */
static ssize_t bcast_wait(struct ring *r, struct bcast_op *o, const struct timespec *deadline)
{
	if (o->buf == NULL)
		return -EINVAL;
	return ring_pvt_wait_until(r, o->op >= 2, try_bcast, o, deadline);
}

int ring_bcast_push_wait(struct ring *r, const void *elem, const struct timespec *deadline)
{
	struct bcast_op o = {0, (void *)(uintptr_t)elem, 1, NULL};

	return (int)bcast_wait(r, &o, deadline);
}

ssize_t ring_bcast_push_burst_wait(struct ring *r, const void *src, size_t n,
				   const struct timespec *deadline)
{
	struct bcast_op o = {1, (void *)(uintptr_t)src, n, NULL};

	if (n == 0)
		return -EINVAL;
	return bcast_wait(r, &o, deadline);
}

int ring_bcast_pop_wait(struct ring *r, void *elem, uint64_t *missed,
			const struct timespec *deadline)
{
	struct bcast_op o = {2, elem, 1, missed};

	return (int)bcast_wait(r, &o, deadline);
}

ssize_t ring_bcast_pop_burst_wait(struct ring *r, void *dst, size_t n, uint64_t *missed,
				  const struct timespec *deadline)
{
	struct bcast_op o = {3, dst, n, missed};

	if (n == 0)
		return -EINVAL;
	return bcast_wait(r, &o, deadline);
}

int ring_bcast_push_timeout(struct ring *r, const void *elem, uint64_t timeout_ns)
{
	struct timespec d;
	int rc = ring_pvt_deadline_after(timeout_ns, &d);

	return rc < 0 ? rc : ring_bcast_push_wait(r, elem, &d);
}

int ring_bcast_pop_timeout(struct ring *r, void *elem, uint64_t *missed, uint64_t timeout_ns)
{
	struct timespec d;
	int rc = ring_pvt_deadline_after(timeout_ns, &d);

	return rc < 0 ? rc : ring_bcast_pop_wait(r, elem, missed, &d);
}
