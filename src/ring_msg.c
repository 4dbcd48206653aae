/* SPDX-License-Identifier: MIT */
/*
 * Message rings (RING_KIND_MSG): the general send and receive paths, the
 * zero-copy calls, the blocking variants and the repair of a dead
 * producer's record. The record format is in <shmring/ring_layout.h>, the
 * inline fast path and the labels of its ordering edges in ring_msg_pvt.h.
 *
 * Producers. One producer (no RING_F_MSG_MP): it writes the record (and the
 * padding before it, if any) above the tail, commits each by a release store
 * of its tag (R_M3), then stores the tail past both (R_M1). The consumer
 * takes a data record by its commit word alone (ring_msg_pvt.h), so it may
 * be one record ahead of the tail for the moment between the two stores (or
 * for good, if the producer died there): msg_refresh reads such a tail as
 * an empty ring, and a producer that adopts the tail (msg_adopt) starts
 * after the records committed above it.
 *
 * Many producers: a producer claims [t, t + need) by a CAS
 * of the tail from t (need = padding + record), having first recorded
 * (t, need) in its participant entry's intent words; it then writes the
 * padding record (committed at once), the record's commit word as BUSY, the
 * payload and meta, and commits by a release store of the tag (R_M3). So
 * the tail covers records still being written, and the consumer goes by the
 * commit words: a record whose word is not its tag is not ready (-EAGAIN),
 * and nothing after it is delivered before it (in order).
 *
 * The consumer reads the record at its head: commit word (A_M3), then meta,
 * checks them (type, length <= max, record inside the area and below the
 * tail, or past it exactly the size of its length), steps over padding and skipped records, copies, and frees the
 * record by storing the head (R_M2). The bounds of every copy come from
 * those checked words, so a hostile peer gets -EUCLEAN or garbage payload,
 * never an access outside the area or a message larger than the caller's
 * buffer. Each call does bounded work: at most slots / 16 records are
 * stepped over, and a many-producer claim is retried RING_PVT_RETRIES times.
 */
#include "ring_internal.h"
#include "ring_msg_rec.h"

#include <shmring/ring_msg.h>

#include <errno.h>
#include <string.h>

static int is_msg(const struct ring *r)
{
	return r != NULL && r->shm != NULL && r->kind == RING_KIND_MSG;
}

static int is_mp(const struct ring *r)
{
	return (r->flags & RING_F_MSG_MP) != 0;
}

/* ---- Producers ----------------------------------------------------------- */

struct msg_claim {
	uint64_t pos; /* the claimed tail */
	uint64_t pad; /* bytes of padding at pos (0: none) */
	uint64_t rec; /* bytes of the record at pos + pad */
};

/* msg_room(): the tail read is older than the head (many producers). */
#define MSG_STALE 1

/*
 * Room for need bytes at tail t, from the cached head or, failing that, the
 * head itself. 0, -EAGAIN, -EUCLEAN, or MSG_STALE: with many producers a
 * tail read before the head can be behind it (others claimed and the
 * consumer consumed meanwhile); the caller reloads the tail.
 */
static int msg_room(struct ring *r, uint64_t t, uint64_t need)
{
	uint64_t h, used;

	/* The second test refuses a tail below the cached head. */
	if (t + need <= r->prod_cache && r->prod_cache - t <= r->n)
		return 0;
	/* A_M2: pairs with R_M2: the consumer is done with every byte below h. */
	h = ring_pvt_load(&r->shm->cons.head, acquire);
	used = t - h;
	if ((int64_t)used < 0 && is_mp(r))
		return MSG_STALE;
	if (used > r->n || (h & (RING_MSG_ALIGN - 1)) != 0)
		return -EUCLEAN;
	r->prod_cache = h + r->n;
	return r->n - used >= need ? 0 : -EAGAIN;
}

static void intent_clear(struct ring *r)
{
	if (r->part != NULL)
		/* Release: a consumer that reads 0 here then finds the
		 * commit word stored before it (ring_live.c msg_record_at). */
		ring_pvt_store(&r->part->intent_cnt, 0, release);
}

/*
 * One producer taking up the tail t (its own index unknown: after attach, a
 * takeover from a dead producer, ring_close_write): the records committed
 * at and above t that the tail does not cover yet (a producer that died
 * between its commit and its tail store) may be taken by the consumer at
 * any moment, by their commit words (ring_msg_pvt.h), so they are adopted:
 * the position returned is past them, and the next record goes there, its
 * tail store publishing them too. At most padding and one record are
 * there; the walk stops at anything that is not a committed, well-formed
 * record, and after a few steps (a hostile peer).
 */
static uint64_t msg_adopt(const struct ring *r, uint64_t t)
{
	uint64_t rec_max = RING_MSG_REC(r->esz);
	unsigned k;

	for (k = 0; k < 4; k++) {
		const struct ring_msg_hdr *hd = ring_pvt_msg_at(r, t);
		/* A_M3: pairs with R_M3: meta is the record's. */
		uint64_t c = ring_pvt_load(&hd->commit, acquire), m;

		if (c != RING_MSG_TAG(r->create_id, t))
			break;
		m = ring_pvt_load(&hd->meta, relaxed);
		if (ring_pvt_rec_type(r, t & r->mask, m, rec_max, 0) < 0)
			break;
		t += RING_MSG_META_REC(m);
	}
	return t;
}

/*
 * Claim room for a record of len bytes. One producer: only computes where it
 * goes (the tail moves at publication). Many: the CAS of the tail.
 */
static int msg_claim(struct ring *r, size_t len, struct msg_claim *c)
{
	struct ring_shared *s = r->shm;
	uint64_t rec = RING_MSG_REC(len);
	int mp = is_mp(r);
	int rc_end = -EBUSY;
	unsigned tries;

	for (tries = 0; tries < RING_PVT_RETRIES; tries++) {
		uint64_t t = ring_pvt_load(&s->prod.tail, relaxed);
		uint64_t pad, need;
		int rc;

		if (t & RING_CLOSED_BIT) {
			rc = -EPIPE;
			goto fail;
		}
		/* One producer: the tail is this handle's own index, adopted
		 * when unknown (attach, close); any other value means another
		 * writer (a hostile peer or a second producer handle). */
		if (!mp && r->prod_pos != RING_PVT_POS_UNKNOWN && t != r->prod_pos)
			return -EUCLEAN;
		if (t & (RING_MSG_ALIGN - 1)) {
			rc = -EUCLEAN;
			goto fail;
		}
		if (!mp && r->prod_pos == RING_PVT_POS_UNKNOWN)
			t = msg_adopt(r, t);
		/* rec <= n / 2 (geometry), so after padding it fits from 0. */
		pad = ring_pvt_rec_pad(r, t, rec);
		need = pad + rec;
		rc = msg_room(r, t, need);
		if (rc == MSG_STALE) {
			/* Behind the head on every try: not a stale read but
			 * a corrupt pair. */
			rc_end = -EUCLEAN;
			continue;
		}
		rc_end = -EBUSY;
		if (rc < 0)
			goto fail;
		c->pos = t;
		c->pad = pad;
		c->rec = rec;
		if (!mp)
			return 0;
		/* The intent words before the claim: a survivor that finds this
		 * process dead and the tail past t learns what it claimed. The
		 * CAS's release orders them before the new tail, and later CASes
		 * on the tail continue its release sequence. */
		if (r->part != NULL) {
			ring_pvt_store(&r->part->intent, t, release);
			ring_pvt_store(&r->part->intent_cnt, need, release);
		}
		if (ring_pvt_cas(&s->prod.tail, &t, t + need, seq_cst, relaxed))
			return 0;
		continue; /* lost the race: retry from the new tail */
	fail:
		if (mp)
			intent_clear(r);
		return rc;
	}
	intent_clear(r);
	return rc_end; /* -EBUSY: lost every race, as MPMC producers do */
}

/* A padding record of pad bytes at pos, up to the end of the area. */
static void msg_put_pad(struct ring *r, uint64_t pos, uint64_t pad)
{
	/* R_M3, in both modes (one producer: the tail follows with the
	 * record's, R_M1). */
	ring_pvt_rec_put(r, pos, 0, RING_MSG_T_PAD, pad, 1);
}

/* Where the record of claim c goes; marks it busy on a many-producer ring. */
static struct ring_msg_hdr *msg_begin(struct ring *r, const struct msg_claim *c)
{
	int mp = is_mp(r);
	uint64_t p = c->pos + c->pad;
	struct ring_msg_hdr *h = ring_pvt_msg_at(r, p);

	if (c->pad != 0)
		msg_put_pad(r, c->pos, c->pad);
	if (mp)
		ring_pvt_store(&h->commit, RING_MSG_BUSY(r->create_id, p), relaxed);
	return h;
}

/* Publish the record at p: meta, then the commit word (and the tail). */
static void msg_publish(struct ring *r, uint64_t p, uint64_t len, uint64_t rec, uint32_t type)
{
	if (is_mp(r)) {
		/* R_M3: pairs with A_M3: payload and meta are visible to a
		 * consumer that reads the tag. */
		ring_pvt_rec_put(r, p, len, type, rec, 1);
		intent_clear(r);
	} else {
		/* R_M3: the consumer may take the record from here on. */
		ring_pvt_rec_put(r, p, len, type, rec, 1);
		/* R_M1: the tail past padding and record. */
		ring_pvt_store(&r->shm->prod.tail, p + rec, release);
		r->prod_pos = p + rec;
	}
	if (r->flags & RING_F_BLOCKING)
		ring_pvt_after_push(r);
}

/* What every send and reservation does first: take the producer role,
 * check the length and that no reservation is open, claim room for len
 * bytes. 0, with *c the claim, or the error. */
static int msg_start(struct ring *r, size_t len, struct msg_claim *c)
{
	int rc = ring_pvt_live_join_side(r, 0);

	if (rc < 0)
		return rc;
	if (len > r->esz)
		return -EMSGSIZE;
	if (r->zc_res_cnt != 0)
		return -EALREADY;
	rc = msg_claim(r, len, c);
	if (rc < 0)
		return (int)ring_pvt_stat_result(r, 0, rc);
	return 0;
}

int ring_pvt_msg_send_slow(struct ring *r, const void *msg, size_t len)
{
	struct msg_claim c;
	struct ring_msg_hdr *h;
	int rc;

	if (!is_msg(r) || (msg == NULL && len != 0))
		return -EINVAL;
	rc = msg_start(r, len, &c);
	if (rc < 0)
		return rc;
	h = msg_begin(r, &c);
	if (len != 0)
		memcpy(h + 1, msg, len);
	msg_publish(r, c.pos + c.pad, len, c.rec, RING_MSG_T_DATA);
	return 0;
}

int ring_msg_reserve(struct ring *r, size_t len, void **ptr)
{
	struct msg_claim c;
	struct ring_msg_hdr *h;
	int rc;

	/* The common reservation, as ring_msg_send's fast path claims (see
	 * ring_msg_pvt.h): no padding, room known from the cached head. One
	 * producer: nothing is stored until the commit. Many: the claim is
	 * made (intent words, CAS, BUSY). */
	if (r != NULL && ptr != NULL && len <= r->esz && r->zc_res_cnt == 0) {
		uint64_t t = r->prod_pos, rec = RING_MSG_REC(len);
		int ok = 0;

		if (r->mode == RING_PVT_MODE_MSG_SP)
			ok = t + rec <= r->prod_cache && (t & r->mask) + rec <= r->n;
		else if (r->mode == RING_PVT_MODE_MSG_MP && r->part != NULL)
			ok = ring_pvt_msg_claim_mp(r, len, &t);
		if (ok) {
			r->zc_res_pos = t;
			r->zc_res_cnt = rec;
			r->zc_res_len = len;
			*ptr = ring_pvt_msg_at(r, t) + 1;
			return 0;
		}
	}
	if (!is_msg(r) || ptr == NULL)
		return -EINVAL;
	rc = msg_start(r, len, &c);
	if (rc < 0)
		return rc;
	h = msg_begin(r, &c);
	r->zc_res_pos = c.pos + c.pad;
	r->zc_res_cnt = c.rec;
	r->zc_res_len = len;
	*ptr = h + 1;
	return 0;
}

int ring_msg_commit(struct ring *r, size_t len)
{
	uint64_t rec;

	if (!is_msg(r) || r->zc_res_cnt == 0 || len > r->zc_res_len)
		return -EINVAL;
	if (!is_mp(r)) {
		/* One producer: the tail has not moved since the reservation
		 * unless the ring was closed (or corrupted) meanwhile; a store
		 * of the tail then would reopen it. */
		uint64_t t = ring_pvt_load(&r->shm->prod.tail, relaxed);

		if (t & RING_CLOSED_BIT) {
			r->zc_res_cnt = 0;
			return -EPIPE;
		}
		if (r->prod_pos != RING_PVT_POS_UNKNOWN && t != r->prod_pos) {
			r->zc_res_cnt = 0;
			return -EUCLEAN;
		}
		rec = RING_MSG_REC(len); /* a shorter commit takes less room */
	} else {
		rec = r->zc_res_cnt; /* the claim is fixed: the slack is skipped */
	}
	msg_publish(r, r->zc_res_pos, len, rec, RING_MSG_T_DATA);
	r->zc_res_cnt = 0;
	return 0;
}

int ring_msg_abort(struct ring *r)
{
	if (!is_msg(r) || r->zc_res_cnt == 0)
		return -EINVAL;
	/* Many producers: the claimed bytes become a record to step over. */
	if (is_mp(r))
		msg_publish(r, r->zc_res_pos, 0, r->zc_res_cnt, RING_MSG_T_SKIP);
	r->zc_res_cnt = 0;
	return 0;
}

/* ---- The consumer -------------------------------------------------------- */

/* The consumer's own index: the handle's copy, or the head (the consumer's
 * own word, relaxed) when unknown after attach; checked by msg_scan. */
static uint64_t cons_index(struct ring *r)
{
	if (r->cons_pos == RING_PVT_POS_UNKNOWN)
		return ring_pvt_load(&r->shm->cons.head, relaxed);
	return r->cons_pos;
}

/* Refresh the cached tail. avail = tail - h, or -EUCLEAN. */
static int msg_refresh(struct ring *r, uint64_t h, uint64_t *avail, int *closed)
{
	/* A_M1: pairs with R_M1 (one producer) and with the release of
	 * ring_close_write: the records below t are written. Many producers:
	 * only claimed, the commit words tell (A_M3). */
	uint64_t tw = ring_pvt_load(&r->shm->prod.tail, acquire);
	uint64_t t = tw & ~RING_CLOSED_BIT;

	if (t - h > r->n) {
		/* One producer: the consumer took a record by its commit word
		 * before the producer stored the tail past it (R_M3 comes
		 * before R_M1), or the producer died in between. Nothing more
		 * is published: an empty ring. Further behind: corrupt. */
		if (is_mp(r) || h - t > RING_MSG_REC(r->esz))
			return -EUCLEAN;
		t = h;
	}
	r->cons_cache = t;
	*avail = t - h;
	*closed = (tw & RING_CLOSED_BIT) != 0;
	return 0;
}

/*
 * From position *hp, step over padding and skipped records to the next data
 * record: 0 with *hp its position and *meta its checked meta word, or an
 * error. Either way *hp ends past the records stepped over, for the caller
 * to release.
 */
static int msg_scan(struct ring *r, uint64_t *hp, uint64_t *meta)
{
	uint64_t h = *hp, steps;
	uint64_t rec_max = RING_MSG_REC(r->esz);
	int mp = is_mp(r);
	int rc = -EUCLEAN;

	/* Every record is at least 16 bytes, so n / 16 + 1 steps cover the
	 * whole area: more is a hostile peer. */
	for (steps = 0; steps <= r->n / RING_MSG_ALIGN; steps++) {
		uint64_t avail = r->cons_cache - h;
		uint64_t off = h & r->mask;
		struct ring_msg_hdr *hd = (struct ring_msg_hdr *)(void *)(r->slots + off);
		uint64_t c, m, rec;
		int closed = 0;

		if (h & (RING_MSG_ALIGN - 1))
			goto out;
		if (avail - 1 >= r->n) { /* nothing cached (0) or stale (> n) */
			if (msg_refresh(r, h, &avail, &closed) < 0)
				goto out;
			if (avail == 0) {
				rc = closed ? -EPIPE : -EAGAIN;
				goto out;
			}
		}
		if (avail < RING_MSG_ALIGN)
			goto out;
		/* A_M3: pairs with R_M3 (many producers): payload and meta are
		 * complete once the tag is there. */
		c = ring_pvt_load(&hd->commit, acquire);
		if (c != RING_MSG_TAG(r->create_id, h)) {
			/* Many producers: claimed, not committed yet; if it stays
			 * so, its producer may be dead (ring_live.c repairs a
			 * verified-dead producer's claim). One: the tail said it
			 * was published, so the word is corrupt. */
			if (mp)
				ring_pvt_live_blocked(r, 1, h);
			rc = mp ? -EAGAIN : -EUCLEAN;
			goto out;
		}
		m = ring_pvt_load(&hd->meta, relaxed);
		rec = RING_MSG_META_REC(m);
		if (rec > avail) {
			/* A committed record lies below the tail (its claim came
			 * before its commit): a stale cache, or corruption. */
			if (msg_refresh(r, h, &avail, &closed) < 0 || rec > avail)
				goto out;
		}
		switch (ring_pvt_rec_type(r, off, m, rec_max, 0)) {
		case RING_MSG_T_DATA:
			*meta = m;
			rc = 0;
			goto out;
		case RING_MSG_T_PAD:
		case RING_MSG_T_SKIP:
			break;
		default:
			goto out;
		}
		h += rec;
	}
out:
	*hp = h;
	return rc;
}

/* R_M2: free everything below h. */
static void msg_release_to(struct ring *r, uint64_t h)
{
	r->cons_pos = h;
	ring_pvt_store(&r->shm->cons.head, h, release);
	if (r->flags & RING_F_BLOCKING)
		ring_pvt_after_pop(r);
}

int ring_pvt_msg_recv_slow(struct ring *r, void *buf, size_t cap, size_t *len)
{
	uint64_t h0, h, m = 0;
	int rc;

	if (!is_msg(r) || len == NULL || (buf == NULL && cap != 0))
		return -EINVAL;
	rc = ring_pvt_live_join_side(r, 1);
	if (rc < 0)
		return rc;
	if (r->zc_peek_cnt != 0)
		return -EALREADY;
	h0 = cons_index(r);
	h = h0;
	rc = msg_scan(r, &h, &m);
	if (rc == 0) {
		uint64_t l = RING_MSG_META_LEN(m);

		*len = (size_t)l;
		if (l > cap) {
			rc = -EMSGSIZE; /* the message stays */
		} else {
			if (l != 0)
				memcpy(buf, ring_pvt_msg_at(r, h) + 1, (size_t)l);
			h += RING_MSG_META_REC(m);
		}
	}
	if (h != h0)
		msg_release_to(r, h);
	return (int)ring_pvt_stat_result(r, 1, rc);
}

ssize_t ring_msg_recv_burst(struct ring *r, void *buf, size_t cap, size_t *lens, size_t n)
{
	unsigned char *b = (unsigned char *)buf;
	uint64_t h0, h, m = 0;
	size_t got = 0, used = 0;
	int rc = 0;

	if (!is_msg(r) || lens == NULL || n == 0 || (buf == NULL && cap != 0))
		return -EINVAL;
	rc = ring_pvt_live_join_side(r, 1);
	if (rc < 0)
		return rc;
	if (r->zc_peek_cnt != 0)
		return -EALREADY;
	h0 = cons_index(r);
	h = h0;
	while (got < n) {
		uint64_t l;

		rc = msg_scan(r, &h, &m);
		if (rc < 0)
			break;
		l = RING_MSG_META_LEN(m);
		if (l > cap - used) {
			if (got == 0) {
				lens[0] = (size_t)l;
				rc = -EMSGSIZE;
			}
			break;
		}
		if (l != 0)
			memcpy(b + used, ring_pvt_msg_at(r, h) + 1, (size_t)l);
		used += (size_t)l;
		lens[got++] = (size_t)l;
		h += RING_MSG_META_REC(m);
	}
	if (h != h0)
		msg_release_to(r, h);
	return got > 0 ? (ssize_t)got : ring_pvt_stat_result(r, 1, rc);
}

int ring_msg_peek(struct ring *r, const void **ptr, size_t *len)
{
	uint64_t h0, h, m = 0;
	int rc;

	/* The common case, as ring_msg_recv's fast path finds it
	 * (ring_pvt_msg_front: A_M1 and A_M3 there). A second peek before the
	 * release finds the same record again, as the general path does. */
	if (r != NULL && (r->cmode & ~1u) == RING_PVT_MODE_MSG_SP && ptr != NULL && len != NULL) {
		struct ring_msg_hdr *hd;
		uint64_t l, rec;

		if (ring_pvt_msg_front(r, &hd, &l, &rec)) {
			*ptr = hd + 1;
			*len = (size_t)l;
			r->zc_peek_pos = r->cons_pos;
			r->zc_peek_cnt = rec;
			return 0;
		}
	}
	if (!is_msg(r) || ptr == NULL || len == NULL)
		return -EINVAL;
	rc = ring_pvt_live_join_side(r, 1);
	if (rc < 0)
		return rc;
	h0 = cons_index(r);
	h = h0;
	rc = msg_scan(r, &h, &m);
	if (h != h0)
		msg_release_to(r, h);
	if (rc < 0) {
		r->zc_peek_cnt = 0;
		return (int)ring_pvt_stat_result(r, 1, rc);
	}
	*ptr = ring_pvt_msg_at(r, h) + 1;
	*len = (size_t)RING_MSG_META_LEN(m);
	r->zc_peek_pos = h;
	r->zc_peek_cnt = RING_MSG_META_REC(m);
	return 0;
}

int ring_msg_release(struct ring *r)
{
	if (!is_msg(r) || r->zc_peek_cnt == 0)
		return -EINVAL;
	msg_release_to(r, r->zc_peek_pos + r->zc_peek_cnt);
	r->zc_peek_cnt = 0;
	return 0;
}

/* ---- A dead producer's record -------------------------------------------- */

/* Make the record at q (size bytes, of type) committed as padding or a
 * skipped record unless it already is committed. 1 if it changed it. */
static int msg_fix_one(struct ring *r, uint64_t q, uint64_t size, uint32_t type)
{
	struct ring_msg_hdr *h = ring_pvt_msg_at(r, q);
	uint64_t tag = RING_MSG_TAG(r->create_id, q);
	uint64_t c = ring_pvt_load(&h->commit, acquire);

	if (c == tag)
		return 0; /* committed before it died */
	/* Take the record first, with a word that is neither BUSY nor its tag
	 * (consumers wait at it): a record committed meanwhile makes the CAS
	 * fail, so its meta is never rewritten. A consumer that died here
	 * leaves the marker, which its successor's repair takes again. */
	if (!ring_pvt_cas(&h->commit, &c, RING_MSG_REPAIRING(r->create_id, q), acquire, relaxed))
		return 0;
	ring_pvt_store(&h->meta, RING_MSG_META(0, type, size), relaxed);
	/* R_M3, as a commit. */
	ring_pvt_store(&h->commit, tag, release);
	return 1;
}

/* The padding at the start of a claim of cnt bytes from pos: the claim
 * starts with padding exactly when it would cross the end of the area. */
static uint64_t claim_pad(const struct ring *r, uint64_t pos, uint64_t cnt)
{
	return ring_pvt_rec_pad(r, pos, cnt);
}

/* Claim words (pos, cnt) from a participant entry, checked like any word
 * from shared memory: aligned, and no larger than one padding plus the
 * largest record. */
static int claim_sane(const struct ring *r, uint64_t pos, uint64_t cnt)
{
	uint64_t pad;

	if (cnt == 0 || ((pos | cnt) & (RING_MSG_ALIGN - 1)) != 0 || cnt > r->n)
		return 0;
	pad = claim_pad(r, pos, cnt);
	return cnt - pad >= RING_MSG_ALIGN && cnt - pad <= RING_MSG_REC(r->esz);
}

int ring_pvt_msg_claim_at(const struct ring *r, uint64_t pos, uint64_t cnt, uint64_t h)
{
	if (!is_msg(r) || !claim_sane(r, pos, cnt))
		return 0;
	return pos == h || pos + claim_pad(r, pos, cnt) == h;
}

int ring_pvt_msg_claim_open(const struct ring *r, uint64_t pos, uint64_t cnt)
{
	uint64_t t, h, end = pos + cnt;

	if (!is_msg(r) || !claim_sane(r, pos, cnt))
		return 0;
	t = ring_pvt_load(&r->shm->prod.tail, acquire) & ~RING_CLOSED_BIT;
	h = ring_pvt_load(&r->shm->cons.head, acquire);
	/* Claimed (the tail passed its end), not consumed (the head did not),
	 * and within the lap the consumer is in. */
	return (int64_t)(t - end) >= 0 && (int64_t)(end - h) > 0 && end - h <= r->n;
}

int ring_pvt_msg_vs_tail(const struct ring *r, uint64_t q)
{
	uint64_t t;

	if (!is_msg(r) || (q & (RING_MSG_ALIGN - 1)) != 0)
		return -1;
	t = ring_pvt_load(&r->shm->prod.tail, acquire) & ~RING_CLOSED_BIT;
	if (q == t)
		return 1;
	return (int64_t)(t - q) > 0 ? 0 : -1;
}

int ring_pvt_msg_marked(const struct ring *r, uint64_t q)
{
	uint64_t c;

	if (!is_msg(r) || (q & (RING_MSG_ALIGN - 1)) != 0)
		return 0;
	/* Every record below the tail gets BUSY(q) or its tag at its start
	 * from the producer that claimed it; payload bytes match either only by
	 * a 1 in 2^62 chance. */
	c = ring_pvt_load(&ring_pvt_msg_at(r, q)->commit, acquire);
	return c == RING_MSG_TAG(r->create_id, q) || c == RING_MSG_BUSY(r->create_id, q) ||
	       c == RING_MSG_REPAIRING(r->create_id, q);
}

int ring_pvt_msg_repair(struct ring *r, uint64_t pos, uint64_t cnt)
{
	uint64_t tw, t, h, pad, rec, q;
	int fixed = 0;

	if (!is_msg(r) || !is_mp(r))
		return -EINVAL;
	if (cnt == 0)
		return 0;
	/* The two words come from shared memory: check them like any. */
	if ((pos | cnt) & (RING_MSG_ALIGN - 1) || cnt > r->n)
		return -EUCLEAN;
	pad = claim_pad(r, pos, cnt);
	rec = cnt - pad;
	if (rec < RING_MSG_ALIGN || rec > RING_MSG_REC(r->esz))
		return -EUCLEAN;
	tw = ring_pvt_load(&r->shm->prod.tail, seq_cst);
	t = tw & ~RING_CLOSED_BIT;
	h = ring_pvt_load(&r->shm->cons.head, acquire);
	/* Not claimed: the tail never moved past this claim. */
	if ((int64_t)(t - (pos + cnt)) < 0)
		return 0;
	/* Only what the consumer has not passed yet. */
	if (pad != 0 && (int64_t)(pos - h) >= 0)
		fixed += msg_fix_one(r, pos, pad, RING_MSG_T_PAD);
	q = pos + pad;
	if ((int64_t)(q - h) >= 0)
		fixed += msg_fix_one(r, q, rec, RING_MSG_T_SKIP);
	if (fixed && (r->flags & RING_F_BLOCKING))
		ring_pvt_after_push(r);
	return fixed;
}

/* ---- Blocking variants ---------------------------------------------------- */

struct msg_op {
	const void *msg;
	void *buf;
	size_t len;
	size_t cap;
	size_t *lenp;
	size_t n;
	void **ptr;
	const void **cptr;
};

static ssize_t try_send(struct ring *r, void *ctx)
{
	const struct msg_op *o = (const struct msg_op *)ctx;

	return ring_msg_send(r, o->msg, o->len);
}

static ssize_t try_recv(struct ring *r, void *ctx)
{
	const struct msg_op *o = (const struct msg_op *)ctx;

	return ring_msg_recv(r, o->buf, o->cap, o->lenp);
}

static ssize_t try_burst(struct ring *r, void *ctx)
{
	const struct msg_op *o = (const struct msg_op *)ctx;

	return ring_msg_recv_burst(r, o->buf, o->cap, o->lenp, o->n);
}

static ssize_t try_reserve(struct ring *r, void *ctx)
{
	const struct msg_op *o = (const struct msg_op *)ctx;

	return ring_msg_reserve(r, o->len, o->ptr);
}

static ssize_t try_peek(struct ring *r, void *ctx)
{
	const struct msg_op *o = (const struct msg_op *)ctx;

	return ring_msg_peek(r, o->cptr, o->lenp);
}

int ring_msg_send_wait(struct ring *r, const void *msg, size_t len, const struct timespec *deadline)
{
	struct msg_op o = {0};

	if (!is_msg(r))
		return -EINVAL;
	o.msg = msg;
	o.len = len;
	return (int)ring_pvt_wait_until(r, 0, try_send, &o, deadline);
}

int ring_msg_recv_wait(struct ring *r, void *buf, size_t cap, size_t *len,
		       const struct timespec *deadline)
{
	struct msg_op o = {0};

	if (!is_msg(r))
		return -EINVAL;
	o.buf = buf;
	o.cap = cap;
	o.lenp = len;
	return (int)ring_pvt_wait_until(r, 1, try_recv, &o, deadline);
}

ssize_t ring_msg_recv_burst_wait(struct ring *r, void *buf, size_t cap, size_t *lens, size_t n,
				 const struct timespec *deadline)
{
	struct msg_op o = {0};

	if (!is_msg(r))
		return -EINVAL;
	o.buf = buf;
	o.cap = cap;
	o.lenp = lens;
	o.n = n;
	return ring_pvt_wait_until(r, 1, try_burst, &o, deadline);
}

int ring_msg_reserve_wait(struct ring *r, size_t len, void **ptr, const struct timespec *deadline)
{
	struct msg_op o = {0};

	if (!is_msg(r))
		return -EINVAL;
	o.len = len;
	o.ptr = ptr;
	return (int)ring_pvt_wait_until(r, 0, try_reserve, &o, deadline);
}

int ring_msg_peek_wait(struct ring *r, const void **ptr, size_t *len,
		       const struct timespec *deadline)
{
	struct msg_op o = {0};

	if (!is_msg(r))
		return -EINVAL;
	o.cptr = ptr;
	o.lenp = len;
	return (int)ring_pvt_wait_until(r, 1, try_peek, &o, deadline);
}

int ring_msg_send_timeout(struct ring *r, const void *msg, size_t len, uint64_t timeout_ns)
{
	struct timespec d;
	int rc = ring_pvt_deadline_after(timeout_ns, &d);

	return rc < 0 ? rc : ring_msg_send_wait(r, msg, len, &d);
}

int ring_msg_recv_timeout(struct ring *r, void *buf, size_t cap, size_t *len, uint64_t timeout_ns)
{
	struct timespec d;
	int rc = ring_pvt_deadline_after(timeout_ns, &d);

	return rc < 0 ? rc : ring_msg_recv_wait(r, buf, cap, len, &d);
}
