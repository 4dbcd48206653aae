/* SPDX-License-Identifier: MIT */
/*
 * Message ring fast path: the common send (room known from the cached head,
 * no padding needed; one producer: the record and a store of the tail; many:
 * the intent words, one CAS of the tail, the record, the commit word) and
 * the common receive (a committed data record at the consumer's position,
 * found by its commit word, fitting the buffer). Everything else (a lost
 * CAS race, padding, a refresh of the head, an empty ring, every error and
 * so every counter) is src/ring_msg.c's general code, which the fast path
 * hands the whole call to. Internal: include <shmring/ring_msg.h>.
 *
 * Ordering:
 *   R_M3: a producer's release store of a record's commit word, after its
 *         payload and meta. Pairs with A_M3, the consumer's acquire load
 *         of it (ring_pvt_msg_front here, msg_scan in src/ring_msg.c): a
 *         consumer that finds the tag reads the whole record. Both modes.
 *   R_M1: one producer's release store of tail after the commit word(s)
 *         (padding and record). Pairs with A_M1, the consumer's acquire
 *         load of tail in the general path (src/ring_msg.c msg_refresh),
 *         and tells the general path where the records end.
 *   R_M2: the consumer's release store of head after copying the payload
 *         out. Pairs with A_M2, the producer's acquire load of head that
 *         refreshes prod_cache: bytes below head may be overwritten.
 * Many producers: the claim CAS (seq_cst, so a release) orders the intent
 * words before the new tail, as in msg_claim; its failure is relaxed:
 * nothing is read through the tail it returns, the general path starts
 * over. A many-producer record is below the tail from its claim on; only
 * its commit word says it is complete.
 *
 * Each side keeps its own index in the handle (prod_pos: one producer
 * only; cons_pos), as the SPSC rings do: the producer's fast path loads the
 * head only when its cached copy runs out, the consumer's reads the record
 * at its position and no index at all.
 *
 * Every word read from shared memory is checked before it decides an
 * address or a size: offsets are reduced modulo the data size and must be
 * 16-byte aligned, a record must lie inside the area (and below the cached
 * tail, or be exactly the size its length makes), its length at most max
 * and within the record; anything else goes to the general code, which
 * reports it.
 */
#ifndef SHMRING_RING_MSG_PVT_H
#define SHMRING_RING_MSG_PVT_H

#ifndef SHMRING_INSIDE_HEADERS
#error "ring_msg_pvt.h is internal: include <shmring/ring_msg.h>"
#endif

#include <errno.h>
#include <string.h>

#include "ring_common_pvt.h"

#ifdef __cplusplus
extern "C" {
#endif

RING_PVT_INLINE struct ring_msg_hdr *ring_pvt_msg_at(const struct ring *r, uint64_t pos)
{
	return RING_PVT_CAST(struct ring_msg_hdr *, RING_PVT_CAST(void *, r->slots + (pos & r->mask)));
}

#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Warray-bounds"
#pragma GCC diagnostic ignored "-Wstringop-overflow"
#if __GNUC__ >= 11
#pragma GCC diagnostic ignored "-Wstringop-overread"
#endif
#endif
/*
 * Copy a message of run-time length: up to 128 bytes as two fixed-size
 * moves that overlap in the middle (any length from k to 2k is covered by
 * k bytes from the start and k bytes up to the end), longer ones through
 * memcpy. Every byte read or written is inside [src, src + len) and
 * [dst, dst + len), so a source in shared memory is read only inside the
 * checked record; bytes in the overlap are read twice, and a peer that
 * rewrites them meanwhile gets its own garbage delivered, nothing more.
 * Shared with every family that copies records (ring_bcast.c may use it).
 */
RING_PVT_INLINE void ring_pvt_msg_copy(void *dst, const void *src, size_t len)
{
	unsigned char *d = RING_PVT_CAST(unsigned char *, dst);
	const unsigned char *s = RING_PVT_CAST(const unsigned char *, src);

	if (len >= 16) {
		if (len > 128) {
			memcpy(d, s, len);
		} else if (len > 64) {
			memcpy(d, s, 64);
			memcpy(d + len - 64, s + len - 64, 64);
		} else if (len > 32) {
			memcpy(d, s, 32);
			memcpy(d + len - 32, s + len - 32, 32);
		} else {
			memcpy(d, s, 16);
			memcpy(d + len - 16, s + len - 16, 16);
		}
	} else if (len >= 8) {
		memcpy(d, s, 8);
		memcpy(d + len - 8, s + len - 8, 8);
	} else if (len >= 4) {
		memcpy(d, s, 4);
		memcpy(d + len - 4, s + len - 4, 4);
	} else if (len != 0) {
		d[0] = s[0];
		d[len - 1] = s[len - 1];
		d[len >> 1] = s[len >> 1];
	}
}
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif

/*
 * The common many-producer claim of a record for len bytes (len <= max,
 * checked by the caller, as that no reservation is open and that the
 * handle has an entry): the tail read (relaxed: the CAS decides) open,
 * aligned, room for the record before the end of the area as far as the
 * cached head tells (the second test refuses a tail below it: stale, or the
 * head moved a lap), the intent words, one CAS. 1 with *tp the claimed
 * position and the record marked BUSY; 0 when the general path must decide
 * (msg_claim: padding, a refresh of the head, a lost race, -EPIPE, -EUCLEAN,
 * -EAGAIN and their counters). Intent words left behind by a lost race are
 * stored again (or cleared) by msg_claim before anything else.
 */
RING_PVT_INLINE int ring_pvt_msg_claim_mp(struct ring *r, size_t len, uint64_t *tp)
{
	struct ring_shared *s = r->shm;
	uint64_t t = ring_pvt_load(&s->prod.tail, relaxed);
	const uint64_t cache = r->prod_cache;
	const uint64_t rec = RING_MSG_REC(len), off = t & r->mask;

	if (ring_pvt_likely((t & (RING_CLOSED_BIT | (RING_MSG_ALIGN - 1))) == 0 &&
			    off + rec <= r->n && t + rec <= cache && cache - t <= r->n)) {
		struct ring_part *e = r->part;

		/* The intent words before the claim, as msg_claim stores them
		 * (ring_layout.h): a survivor that finds this process dead with
		 * the tail past t repairs [t, t + rec). The CAS's release orders
		 * them before the new tail. */
		ring_pvt_store(&e->intent, t, release);
		ring_pvt_store(&e->intent_cnt, rec, release);
		if (ring_pvt_likely(ring_pvt_cas(&s->prod.tail, &t, t + rec, seq_cst, relaxed))) {
			ring_pvt_store(&ring_pvt_msg_at(r, t)->commit, RING_MSG_BUSY(r->create_id, t),
				       relaxed);
			*tp = t;
			return 1;
		}
	}
	return 0;
}

/*
 * The record at the consumer's position in the common case: a committed
 * data record inside the area, its length at most max. 1 with *hp its
 * header, *lp its length and *recp its size, each loaded once and checked;
 * 0 when the general path must decide (empty, closed, padding, skipped,
 * corrupt, unknown position: msg_scan, which also reports and counts).
 *
 * The record's own commit word says it is there (A_M3), in both modes: a
 * record is committed only after its payload and meta are written, and its
 * tag is its position mixed with the ring's key, so no earlier lap's word
 * or payload byte passes for it (ring_layout.h). The tail is not read here:
 * the line the producer stores once per message is not pulled across for
 * every message (the commit word shares its line with the payload, which
 * moves anyway). Below the tail last read (cons_cache) the record must also
 * lie below it; past it, its size must be exactly what a producer makes
 * for its length (RING_MSG_REC), and anything else goes to the general
 * path, which reads the tail (a record committed shorter on a
 * many-producer ring, or a hostile one). One producer stores the tail after
 * the commit word, so the consumer can be up to one record ahead of the
 * tail it will read there (msg_refresh, msg_adopt in src/ring_msg.c).
 */
RING_PVT_INLINE int ring_pvt_msg_front(struct ring *r, struct ring_msg_hdr **hp, uint64_t *lp,
				       uint64_t *recp)
{
	/* Own index: cons_pos (RING_PVT_POS_UNKNOWN after attach: the general
	 * path adopts the head). cons_cache: the tail last read, cleaned of
	 * the closed bit; avail is out of range once h passed it. */
	const uint64_t h = r->cons_pos, n = r->n;
	const uint64_t avail = r->cons_cache - h;
	const uint64_t off = h & r->mask;

	if (ring_pvt_likely(h != RING_PVT_POS_UNKNOWN)) {
		struct ring_msg_hdr *hd =
			RING_PVT_CAST(struct ring_msg_hdr *, RING_PVT_CAST(void *, r->slots + off));
		/* A_M3: pairs with R_M3: payload and meta are written. */
		uint64_t c = ring_pvt_load(&hd->commit, acquire);
		uint64_t m = ring_pvt_load(&hd->meta, relaxed);
		uint64_t l = RING_MSG_META_LEN(m), rec = RING_MSG_META_REC(m);

		/* h is aligned (own index) and n a multiple of 16, so the
		 * header itself is inside. rec is a multiple of 16, so
		 * l + 16 <= rec says RING_MSG_REC(l) <= rec: the payload lies
		 * inside its record, and off + rec <= n the record inside the
		 * area. */
		if (ring_pvt_likely(c == RING_MSG_TAG(r->create_id, h) &&
				    RING_MSG_META_TYPE(m) == RING_MSG_T_DATA && l <= r->esz &&
				    off + rec <= n &&
				    (avail - 1 < n ? l + sizeof(struct ring_msg_hdr) <= rec && rec <= avail
						   : rec == RING_MSG_REC(l)))) {
			*hp = hd;
			*lp = l;
			*recp = rec;
			return 1;
		}
	}
	return 0;
}

RING_INLINE int ring_msg_send(struct ring *r, const void *msg, size_t len)
{
	const uint32_t mode = r->mode;

	if (ring_pvt_likely(mode == RING_PVT_MODE_MSG_SP && len <= r->esz && r->zc_res_cnt == 0 &&
			    msg != NULL)) {
		/* Own index: the handle's prod_pos, never loaded from shared
		 * memory here (the tail's line is the one the consumer polls).
		 * RING_PVT_POS_UNKNOWN (after attach or ring_close_write)
		 * fails the room test below: the general path reads the tail. */
		const uint64_t t = r->prod_pos;
		const uint64_t rec = RING_MSG_REC(len), off = t & r->mask;

		/* prod_cache = head last read + slots: never optimistic. The
		 * record must also end inside the area (else padding first). */
		if (ring_pvt_likely(t + rec <= r->prod_cache && off + rec <= r->n)) {
			struct ring_msg_hdr *h =
				RING_PVT_CAST(struct ring_msg_hdr *, RING_PVT_CAST(void *, r->slots + off));

			ring_pvt_msg_copy(RING_PVT_CAST(void *, h + 1), msg, len);
			ring_pvt_store(&h->meta, RING_MSG_META(len, RING_MSG_T_DATA, rec), relaxed);
			/* R_M3: the consumer may take the record from here on. */
			ring_pvt_store(&h->commit, RING_MSG_TAG(r->create_id, t), release);
			/* R_M1: the tail follows (the general path reads it). */
			ring_pvt_store(&r->shm->prod.tail, t + rec, release);
			r->prod_pos = t + rec;
			ring_pvt_after_push(r);
			return 0;
		}
	} else if (mode == RING_PVT_MODE_MSG_MP && len <= r->esz && r->zc_res_cnt == 0 &&
		   msg != NULL && r->part != NULL) {
		uint64_t t;

		if (ring_pvt_likely(ring_pvt_msg_claim_mp(r, len, &t))) {
			struct ring_msg_hdr *h = ring_pvt_msg_at(r, t);

			ring_pvt_msg_copy(RING_PVT_CAST(void *, h + 1), msg, len);
			ring_pvt_store(&h->meta, RING_MSG_META(len, RING_MSG_T_DATA, RING_MSG_REC(len)),
				       relaxed);
			/* R_M3: pairs with A_M3: payload and meta are visible
			 * to a consumer that reads the tag. */
			ring_pvt_store(&h->commit, RING_MSG_TAG(r->create_id, t), release);
			/* Release: a survivor that reads 0 here finds the tag
			 * stored before it (ring_live.c msg_record_at). */
			ring_pvt_store(&r->part->intent_cnt, 0, release);
			ring_pvt_after_push(r);
			return 0;
		}
	}
	return ring_pvt_msg_send_slow(r, msg, len);
}

RING_INLINE int ring_msg_recv(struct ring *r, void *buf, size_t cap, size_t *len)
{
	struct ring_msg_hdr *hd;
	uint64_t l, rec;

	if (ring_pvt_likely((r->cmode & ~1u) == RING_PVT_MODE_MSG_SP && r->zc_peek_cnt == 0 &&
			    buf != NULL && len != NULL && ring_pvt_msg_front(r, &hd, &l, &rec) &&
			    l <= cap)) {
		const uint64_t h = r->cons_pos;

		ring_pvt_msg_copy(buf, RING_PVT_CAST(const void *, hd + 1), RING_PVT_CAST(size_t, l));
		*len = RING_PVT_CAST(size_t, l);
		/* R_M2: frees the record after the copy. */
		ring_pvt_store(&r->shm->cons.head, h + rec, release);
		r->cons_pos = h + rec;
		ring_pvt_after_pop(r);
		return 0;
	}
	return ring_pvt_msg_recv_slow(r, buf, cap, len);
}

#ifdef __cplusplus
}
#endif

#endif /* SHMRING_RING_MSG_PVT_H */
