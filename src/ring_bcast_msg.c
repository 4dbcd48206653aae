/* SPDX-License-Identifier: MIT */
/*
 * Broadcast message rings (RING_KIND_BCAST with RING_F_BCAST_MSG): one
 * producer writes each message of 0..max bytes once; every joined consumer
 * reads every message from its join point, at its own pace. Roles, the
 * producer's limit (the slowest back-pressure cursor) and liveness are the
 * fixed-size broadcast's (src/ring_bcast.c); records are the message ring's
 * (src/ring_msg_rec.h), with a sequence word after the header.
 *
 * Producer, for a message at position p needing `need` bytes (padding
 * included) with sequence k:
 *   store intent = p + need   relaxed
 *   W1: fence(release)                       pairs with A2
 *   padding record, header, sequence k, payload   relaxed
 *   store pseq = k + 1        relaxed
 *   R2: store tail = p + need release        pairs with A0
 * Consumer at a record boundary c (its own position):
 *   A0: t = load tail (acquire); c < t, t - c <= n
 *   header, sequence, payload                relaxed
 *   A2: fence(acquire)
 *   i = load intent           relaxed; keep the copy iff i - c <= n
 * R2/A0: the records below t are written. W1/A2 (a seqlock over byte
 * positions): a copy that read any byte of a later write, whose intent i'
 * covers it, sees an intent >= i'; such a write overwrote position c's
 * bytes only if i' > c + n. So a copy kept is the record the producer wrote
 * at c, whole. Intents never decrease (a producer that takes over starts
 * from its predecessor's), so a later lower value cannot hide one.
 *
 * Sequences: the record of the k-th message (from 0) carries k; a consumer
 * expects the next k and counts the gap to the k it finds as missed, so
 * missed counts are exact whatever it skipped. A joiner learns the k of
 * its join point from pseq when the producer is not writing (intent ==
 * tail: R2 and W1 make pseq exact then, see join_seq); otherwise from the
 * first record it reads.
 *
 * Lapped (the tail more than n bytes ahead, or a copy overwritten), a
 * consumer continues at the producer's tail: a record boundary it can
 * trust, the oldest intact record being unknown without trusting bytes
 * that may be overwritten. Losses are counted there by sequence.
 *
 * Back-pressure: the consumer's cursor (its entry's, ring_layout.h) is the
 * byte position it has read up to (R3, release, after its copies); the
 * producer's limit is the slowest cursor + n (ring_pvt_bcast_limit).
 */
#include "ring_internal.h"
#include "ring_msg_rec.h"

#include <shmring/ring_bcast.h>

#include <errno.h>
#include <sched.h>
#include <string.h>

/* Bound on records stepped over and reloads in one call (besides the
 * n / 16 records of one lap): past it the call returns -EAGAIN. */
#define BMSG_RETRIES 64
/* Messages delivered between two adds to the consumers' stat line. */
#define BMSG_COUNT_EVERY 256u

static int is_bmsg(const struct ring *r)
{
	return r != NULL && r->shm != NULL && r->kind == RING_KIND_BCAST &&
	       (r->flags & RING_F_BCAST_MSG) != 0;
}

static int lossy(const struct ring *r)
{
	return (r->flags & RING_F_BCAST_LOSSY) != 0;
}

static uint64_t rec_max(const struct ring *r)
{
	return RING_BMSG_REC(r->esz);
}

static struct ring_bmsg_ext *ext_at(const struct ring *r, uint64_t pos)
{
	return (struct ring_bmsg_ext *)(void *)(ring_pvt_rec_at(r, pos) + 1);
}

static unsigned char *payload_at(const struct ring *r, uint64_t pos)
{
	return (unsigned char *)(void *)(ext_at(r, pos) + 1);
}

/* ---- Producer ------------------------------------------------------------- */

void ring_pvt_bmsg_producer_start(struct ring *r, uint64_t t)
{
	uint64_t i = ring_pvt_load(&r->shm->prod.bmsg_intent, relaxed);

	/* Records start at 16-byte boundaries: a tail that is none (not a
	 * producer's) is moved up to one; the first send stores it. */
	t = (t + RING_MSG_ALIGN - 1) & ~(uint64_t)(RING_MSG_ALIGN - 1);
	/* Field use of a message producer's handle (ring.h): ppos the byte
	 * position, prod_pos the next sequence, bc.pending the limit,
	 * bc.counted the intent floor. prod_cache stays 0 so that the
	 * fixed-size push goes to its slow path, which refuses. */
	r->bc.ppos = t;
	r->prod_pos = ring_pvt_load(&r->shm->prod.bmsg_seq, relaxed);
	r->bc.pending = t;
	/* A predecessor that died mid-write left intent above the tail: keep
	 * it as the floor (intents never decrease). A value no honest producer
	 * leaves (more than a lap ahead) is not kept. */
	r->bc.counted = i - t <= r->n ? i : t;
	r->prod_cache = 0;
}

struct bmsg_claim {
	uint64_t pos, pad, rec;
};

static int claim(struct ring *r, size_t len, struct bmsg_claim *c)
{
	uint64_t p, rec, pad, need, lim;

	if (!is_bmsg(r) || r->bc.role != RING_PVT_BCAST_PRODUCER)
		return -EINVAL;
	if (len > r->esz)
		return -EMSGSIZE;
	if (r->zc_res_cnt != 0)
		return -EALREADY;
	p = r->bc.ppos;
	if (ring_pvt_bcast_tail_check(r, p) != 0)
		return -EPIPE;
	rec = RING_BMSG_REC(len);
	pad = ring_pvt_rec_pad(r, p, rec);
	need = pad + rec; /* <= n: rec <= n / 2 and pad < rec (geometry) */
	if (!lossy(r)) {
		lim = r->bc.pending;
		if (lim - p < need || lim - p > r->n) {
			lim = ring_pvt_bcast_limit(r, p, need, lim);
			r->bc.pending = lim;
		}
		if (lim - p < need) {
			ring_pvt_stat_add(r, 0, RING_STAT_AGAIN, 1);
			return -EAGAIN;
		}
	}
	c->pos = p;
	c->pad = pad;
	c->rec = rec;
	return 0;
}

/* Announce the write (intent, W1), put the padding; the payload's place. */
static unsigned char *begin(struct ring *r, const struct bmsg_claim *c)
{
	uint64_t i = c->pos + c->pad + c->rec;

	if ((int64_t)(r->bc.counted - i) > 0)
		i = r->bc.counted;
	r->bc.counted = i;
	ring_pvt_store(&r->shm->prod.bmsg_intent, i, relaxed);
	ring_pvt_fence(release); /* W1: pairs with A2 */
	if (c->pad != 0)
		ring_pvt_rec_put(r, c->pos, 0, RING_MSG_T_PAD, c->pad, 0);
	return payload_at(r, c->pos + c->pad);
}

static void publish(struct ring *r, const struct bmsg_claim *c, uint64_t len, uint32_t type)
{
	uint64_t q = c->pos + c->pad, end = q + c->rec;
	struct ring_bmsg_ext *x = ext_at(r, q);

	ring_pvt_store(&x->seq, r->prod_pos, relaxed);
	ring_pvt_store(&x->spare, 0, relaxed);
	ring_pvt_rec_put(r, q, len, type, c->rec, 0);
	if (type == RING_MSG_T_DATA) {
		r->prod_pos++;
		ring_pvt_store(&r->shm->prod.bmsg_seq, r->prod_pos, relaxed);
	}
	ring_pvt_store(&r->shm->prod.tail, end, release); /* R2: pairs with A0 */
	r->bc.ppos = end;
	if (r->flags & RING_F_BLOCKING)
		ring_pvt_after_push(r);
}

/* Copy len bytes into the ring: in 8-byte relaxed atomic words under the
 * lossy policy (a reader may be copying the bytes overwritten, and discards
 * its copy), with memcpy otherwise (no reader is left on them). */
static void put_bytes(struct ring *r, unsigned char *dst, const void *src, size_t len)
{
	if (len == 0)
		return;
	if (lossy(r))
		ring_pvt_words_put((RING_ATOMIC(uint64_t) *)(void *)dst, src, len);
	else
		memcpy(dst, src, len);
}

static void get_bytes(const struct ring *r, void *dst, const unsigned char *src, size_t len)
{
	if (len == 0)
		return;
	if (lossy(r))
		ring_pvt_words_get((RING_ATOMIC(uint64_t) *)(uintptr_t)src, dst, len);
	else
		memcpy(dst, src, len);
}

int ring_bcast_send(struct ring *r, const void *msg, size_t len)
{
	struct bmsg_claim c;
	unsigned char *dst;
	int rc;

	if (msg == NULL && len != 0)
		return -EINVAL;
	rc = claim(r, len, &c);
	if (rc < 0)
		return rc;
	dst = begin(r, &c);
	put_bytes(r, dst, msg, len);
	publish(r, &c, len, RING_MSG_T_DATA);
	return 0;
}

int ring_bcast_reserve(struct ring *r, size_t len, void **ptr)
{
	struct bmsg_claim c;
	int rc;

	if (ptr == NULL)
		return -EINVAL;
	rc = claim(r, len, &c);
	if (rc < 0)
		return rc;
	*ptr = begin(r, &c);
	r->zc_res_pos = c.pos;
	r->zc_res_cnt = c.pad + c.rec;
	r->zc_res_len = len;
	return 0;
}

/* The claim of the open reservation, checked against the tail: closed or
 * written by someone else meanwhile ends it. */
static int reserved(struct ring *r, struct bmsg_claim *c)
{
	uint64_t t;

	if (!is_bmsg(r) || r->bc.role != RING_PVT_BCAST_PRODUCER || r->zc_res_cnt == 0)
		return -EINVAL;
	t = ring_pvt_load(&r->shm->prod.tail, relaxed);
	c->pos = r->zc_res_pos;
	c->rec = RING_BMSG_REC(r->zc_res_len);
	c->pad = r->zc_res_cnt - c->rec;
	if (t != c->pos) {
		r->zc_res_cnt = 0;
		return (t & RING_CLOSED_BIT) ? -EPIPE : -EUCLEAN;
	}
	return 0;
}

int ring_bcast_commit(struct ring *r, size_t len)
{
	struct bmsg_claim c;
	int rc;

	if (r == NULL || r->zc_res_cnt == 0 || len > r->zc_res_len)
		return -EINVAL;
	rc = reserved(r, &c);
	if (rc < 0)
		return rc;
	/* The record keeps the size reserved (the slack is stepped over):
	 * the intent announced covered it, and intents never go back. */
	publish(r, &c, len, RING_MSG_T_DATA);
	r->zc_res_cnt = 0;
	return 0;
}

int ring_bcast_abort(struct ring *r)
{
	struct bmsg_claim c;
	int rc = reserved(r, &c);

	if (rc < 0)
		return rc == -EINVAL ? rc : 0;
	/* A record consumers step over: the tail catches up with the
	 * intent, and no sequence is used. */
	publish(r, &c, 0, RING_MSG_T_SKIP);
	r->zc_res_cnt = 0;
	return 0;
}

/* ---- Consumers ------------------------------------------------------------ */

/* The joiner's first expected sequence: pseq read while the producer is
 * not writing. Having read the tail t (A0: pseq >= the count below t, as
 * it is stored before R2), an intent equal to t after A2 means no later
 * write had begun (its pseq store comes after its intent store and W1), so
 * pseq is the count below t. Bounded; RING_PVT_POS_UNKNOWN if the producer
 * kept writing: the first record read tells. */
static uint64_t snapshot(struct ring *r, uint64_t *tp, unsigned max_tries)
{
	unsigned tries;

	for (tries = 0; tries < max_tries; tries++) {
		uint64_t t = ring_pvt_load(&r->shm->prod.tail, acquire) & ~RING_CLOSED_BIT; /* A0 */
		uint64_t m = ring_pvt_load(&r->shm->prod.bmsg_seq, relaxed);
		uint64_t i;

		ring_pvt_fence(acquire); /* A2 */
		i = ring_pvt_load(&r->shm->prod.bmsg_intent, relaxed);
		*tp = t;
		if (i == t)
			return m;
		if (tries >= 8)
			sched_yield();
	}
	return RING_PVT_POS_UNKNOWN;
}

uint64_t ring_pvt_bmsg_join_seq(struct ring *r, uint64_t *tp)
{
	return snapshot(r, tp, BMSG_RETRIES);
}

static void set_cpos(struct ring *r, uint64_t c)
{
	/* cons_cache == cpos keeps the fixed-size pop on its slow path,
	 * which refuses a message ring. */
	r->bc.cpos = c;
	r->cons_cache = c;
	if (!lossy(r)) {
		/* R3: the bytes below c are read; pairs with A3 in scan(). */
		ring_pvt_store(&r->bc.entry->cursor, c, release);
		if (r->flags & RING_F_BLOCKING)
			ring_pvt_after_pop(r);
	}
}

static void flush_pops(struct ring *r)
{
	if (r->bc.counted != 0)
		ring_pvt_stat_add(r, 1, RING_STAT_BCAST_POPS, r->bc.counted);
	r->bc.counted = 0;
}

void ring_pvt_bmsg_leave(struct ring *r)
{
	flush_pops(r);
}

/* k messages lost; reported with the next one delivered unless `told`
 * (a release's -ENODATA said so already). */
static void count_missed(struct ring *r, uint64_t k, int told)
{
	if (k == 0)
		return;
	r->bc.missed += k;
	if (!told)
		r->bc.pending += k;
	ring_pvt_stat_add(r, 1, RING_STAT_BCAST_MISSED, k);
}

/* 1 if the bytes read at c since A0 were not overwritten (A2, then the
 * intent: see the top of this file). */
static int intact(const struct ring *r, uint64_t c)
{
	uint64_t i;

	ring_pvt_fence(acquire); /* A2: pairs with W1 */
	i = ring_pvt_load(&r->shm->prod.bmsg_intent, relaxed);
	return i - c <= r->n;
}

struct bmsg_rec {
	uint64_t pos, len, rec, seq;
};

/* Lapped: continue at the producer's tail t. The losses are counted by
 * the sequence of the next record, or by settle() if the consumer finds
 * the ring empty at the tail first (bc.hold, unused by consumers
 * otherwise, says a count is owed). */
static void lapped(struct ring *r, uint64_t t)
{
	set_cpos(r, t);
	r->bc.hold = 1;
}

/* At the tail c with a count owed (or no expected sequence yet): the
 * producer's count at c, if it is between writes (one try), settles it. */
static void settle(struct ring *r, uint64_t c)
{
	uint64_t t, m = snapshot(r, &t, 1);

	if (m == RING_PVT_POS_UNKNOWN || t != c)
		return;
	if (r->cons_pos != RING_PVT_POS_UNKNOWN && (int64_t)(m - r->cons_pos) > 0)
		count_missed(r, m - r->cons_pos, 0);
	if (r->cons_pos == RING_PVT_POS_UNKNOWN || (int64_t)(m - r->cons_pos) > 0)
		r->cons_pos = m;
	r->bc.hold = 0;
}

/*
 * Find the next data record from the consumer's position, stepping over
 * padding and skipped records and past what was overwritten. 0 with *o
 * the record (its header checked and intact when read), or -EAGAIN,
 * -EPIPE, -EUCLEAN, -EINVAL.
 */
static int next_rec(struct ring *r, struct bmsg_rec *o)
{
	uint64_t steps, laps = 0;

	if (!is_bmsg(r) || r->bc.role != RING_PVT_BCAST_CONSUMER)
		return -EINVAL;
	for (steps = 0; steps <= r->n / RING_MSG_ALIGN + BMSG_RETRIES; steps++) {
		uint64_t c = r->bc.cpos;
		/* A0: pairs with R2: the records below t are written. */
		uint64_t tw = ring_pvt_load(&r->shm->prod.tail, acquire);
		uint64_t t = tw & ~RING_CLOSED_BIT, d = t - c, off, m, s, cw, rec;
		struct ring_msg_hdr *h;
		int type;

		if (d == 0) {
			if (r->bc.hold || r->cons_pos == RING_PVT_POS_UNKNOWN)
				settle(r, c);
			flush_pops(r);
			if (tw & RING_CLOSED_BIT) {
				ring_pvt_stat_add(r, 1, RING_STAT_CLOSED, 1);
				return -EPIPE;
			}
			ring_pvt_stat_add(r, 1, RING_STAT_AGAIN, 1);
			return -EAGAIN;
		}
		if ((int64_t)d < 0 || ((t | c) & (RING_MSG_ALIGN - 1)) != 0) {
			/* The tail went backwards, or is no record boundary
			 * (nor the position this consumer took from a tail at
			 * its join): not the producer's doing. Continue from it (so that
			 * one bad store does not stop this reader for good). */
			set_cpos(r, t & ~(uint64_t)(RING_MSG_ALIGN - 1));
			ring_pvt_stat_add(r, 1, RING_STAT_CORRUPT, 1);
			return -EUCLEAN;
		}
		if (d > r->n) {
			if (++laps > BMSG_RETRIES)
				break;
			lapped(r, t);
			continue;
		}
		off = c & r->mask;
		h = ring_pvt_rec_at(r, c);
		cw = ring_pvt_load(&h->commit, relaxed);
		m = ring_pvt_load(&h->meta, relaxed);
		type = ring_pvt_rec_type(r, off, m, rec_max(r), sizeof(struct ring_bmsg_ext));
		rec = RING_MSG_META_REC(m);
		/* The sequence word lies inside the area whenever a data
		 * record's checks pass (rec >= 32, off + rec <= n). */
		s = type == RING_MSG_T_DATA ? ring_pvt_load(&ext_at(r, c)->seq, relaxed) : 0;
		if (!intact(r, c)) {
			if (++laps > BMSG_RETRIES)
				break;
			lapped(r, ring_pvt_load(&r->shm->prod.tail, acquire) & ~RING_CLOSED_BIT);
			continue;
		}
		if (cw != RING_MSG_TAG(r->create_id, c) || type < 0 || rec > d) {
			/* Published, not overwritten, and not a record the
			 * producer wrote: corrupt. Continue from the tail. */
			set_cpos(r, t);
			ring_pvt_stat_add(r, 1, RING_STAT_CORRUPT, 1);
			return -EUCLEAN;
		}
		if (type != RING_MSG_T_DATA) {
			set_cpos(r, c + rec);
			continue;
		}
		o->pos = c;
		o->len = RING_MSG_META_LEN(m);
		o->rec = rec;
		o->seq = s;
		return 0;
	}
	/* Lapped again and again: give up for now (losses are counted with
	 * the next record found). */
	ring_pvt_stat_add(r, 1, RING_STAT_CONTENDED, 1);
	return -EAGAIN;
}

/* The sequence of record o against the one expected: the gap is counted
 * as missed (reported with the next message delivered) and o's sequence
 * becomes the expected one. -EUCLEAN (and o stepped over) for a sequence
 * below the expected one: not the producer's. */
static int seq_gap(struct ring *r, const struct bmsg_rec *o)
{
	uint64_t e = r->cons_pos == RING_PVT_POS_UNKNOWN ? o->seq : r->cons_pos;

	if ((int64_t)(o->seq - e) < 0) {
		set_cpos(r, o->pos + o->rec);
		ring_pvt_stat_add(r, 1, RING_STAT_CORRUPT, 1);
		return -EUCLEAN;
	}
	count_missed(r, o->seq - e, 0);
	r->cons_pos = o->seq;
	r->bc.hold = 0;
	return 0;
}

/* Past record o: delivered (`lost` 0; *missed gets the losses not yet
 * reported) or lost (counted). */
static void done_with(struct ring *r, const struct bmsg_rec *o, int lost, uint64_t *missed)
{
	set_cpos(r, o->pos + o->rec);
	r->cons_pos = o->seq + 1;
	if (lost) {
		count_missed(r, 1, 1);
		return;
	}
	if (missed != NULL)
		*missed = r->bc.pending;
	r->bc.pending = 0;
	if (++r->bc.counted >= BMSG_COUNT_EVERY)
		flush_pops(r);
}

int ring_bcast_recv(struct ring *r, void *buf, size_t cap, size_t *len, uint64_t *missed)
{
	struct bmsg_rec o;
	unsigned tries;
	int rc;

	if (len == NULL || (buf == NULL && cap != 0))
		return -EINVAL;
	if (is_bmsg(r) && r->zc_peek_cnt != 0)
		return -EALREADY;
	for (tries = 0; tries < BMSG_RETRIES; tries++) {
		rc = next_rec(r, &o);
		if (rc == 0)
			rc = seq_gap(r, &o);
		if (rc < 0)
			return rc;
		if (o.len > cap) {
			*len = (size_t)o.len; /* checked and intact: the message stays */
			return -EMSGSIZE;
		}
		get_bytes(r, buf, payload_at(r, o.pos), (size_t)o.len);
		if (!intact(r, o.pos)) {
			/* Overwritten while copied: lost, never delivered (the
			 * next record's sequence counts it). */
			lapped(r, ring_pvt_load(&r->shm->prod.tail, acquire) & ~RING_CLOSED_BIT);
			continue;
		}
		done_with(r, &o, 0, missed);
		*len = (size_t)o.len;
		return 0;
	}
	ring_pvt_stat_add(r, 1, RING_STAT_CONTENDED, 1);
	return -EAGAIN;
}

int ring_bcast_peek(struct ring *r, const void **ptr, size_t *len, uint64_t *missed)
{
	struct bmsg_rec o;
	int rc;

	if (ptr == NULL || len == NULL)
		return -EINVAL;
	if (is_bmsg(r) && r->zc_peek_cnt != 0)
		return -EALREADY;
	rc = next_rec(r, &o);
	if (rc == 0)
		rc = seq_gap(r, &o);
	if (rc < 0)
		return rc;
	/* The losses before it are reported now; the message itself is
	 * delivered or lost at the release. */
	if (missed != NULL)
		*missed = r->bc.pending;
	r->bc.pending = 0;
	*ptr = payload_at(r, o.pos);
	*len = (size_t)o.len;
	r->zc_peek_pos = o.pos;
	r->zc_peek_cnt = o.rec;
	return 0;
}

int ring_bcast_validate(const struct ring *r)
{
	if (!is_bmsg(r) || r->bc.role != RING_PVT_BCAST_CONSUMER || r->zc_peek_cnt == 0)
		return -EINVAL;
	return intact(r, r->zc_peek_pos) ? 0 : -ENODATA;
}

int ring_bcast_release(struct ring *r)
{
	struct bmsg_rec o;
	int rc = ring_bcast_validate(r);

	if (rc == -EINVAL)
		return rc;
	o.pos = r->zc_peek_pos;
	o.rec = r->zc_peek_cnt;
	o.seq = r->cons_pos; /* set by the peek */
	o.len = 0;
	r->zc_peek_cnt = 0;
	done_with(r, &o, rc < 0, NULL);
	return rc; /* -ENODATA: overwritten while peeked, counted as missed */
}

/* ---- Blocking ------------------------------------------------------------- */

struct bmsg_op {
	const void *msg;
	void *buf;
	size_t len, cap;
	size_t *lenp;
	uint64_t *missed;
	void **ptr;
	const void **cptr;
	int op; /* 0 send, 1 recv, 2 reserve, 3 peek */
};

static ssize_t try_bmsg(struct ring *r, void *ctx)
{
	const struct bmsg_op *o = (const struct bmsg_op *)ctx;

	switch (o->op) {
	case 0: return ring_bcast_send(r, o->msg, o->len);
	case 1: return ring_bcast_recv(r, o->buf, o->cap, o->lenp, o->missed);
	case 2: return ring_bcast_reserve(r, o->len, o->ptr);
	default: return ring_bcast_peek(r, o->cptr, o->lenp, o->missed);
	}
}

static int bmsg_wait(struct ring *r, struct bmsg_op *o, const struct timespec *deadline)
{
	if (!is_bmsg(r))
		return -EINVAL;
	return (int)ring_pvt_wait_until(r, o->op == 1 || o->op == 3, try_bmsg, o, deadline);
}

int ring_bcast_send_wait(struct ring *r, const void *msg, size_t len,
			 const struct timespec *deadline)
{
	struct bmsg_op o = {0};

	o.msg = msg;
	o.len = len;
	o.op = 0;
	return bmsg_wait(r, &o, deadline);
}

int ring_bcast_recv_wait(struct ring *r, void *buf, size_t cap, size_t *len, uint64_t *missed,
			 const struct timespec *deadline)
{
	struct bmsg_op o = {0};

	o.buf = buf;
	o.cap = cap;
	o.lenp = len;
	o.missed = missed;
	o.op = 1;
	return bmsg_wait(r, &o, deadline);
}

int ring_bcast_reserve_wait(struct ring *r, size_t len, void **ptr,
			    const struct timespec *deadline)
{
	struct bmsg_op o = {0};

	o.len = len;
	o.ptr = ptr;
	o.op = 2;
	return bmsg_wait(r, &o, deadline);
}

int ring_bcast_peek_wait(struct ring *r, const void **ptr, size_t *len, uint64_t *missed,
			 const struct timespec *deadline)
{
	struct bmsg_op o = {0};

	o.cptr = ptr;
	o.lenp = len;
	o.missed = missed;
	o.op = 3;
	return bmsg_wait(r, &o, deadline);
}

int ring_bcast_send_timeout(struct ring *r, const void *msg, size_t len, uint64_t timeout_ns)
{
	struct timespec d;
	int rc = ring_pvt_deadline_after(timeout_ns, &d);

	return rc < 0 ? rc : ring_bcast_send_wait(r, msg, len, &d);
}

int ring_bcast_recv_timeout(struct ring *r, void *buf, size_t cap, size_t *len, uint64_t *missed,
			    uint64_t timeout_ns)
{
	struct timespec d;
	int rc = ring_pvt_deadline_after(timeout_ns, &d);

	return rc < 0 ? rc : ring_bcast_recv_wait(r, buf, cap, len, missed, &d);
}
