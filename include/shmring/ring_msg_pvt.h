/* SPDX-License-Identifier: MIT */
/*
 * Message ring fast path: the common send (one producer, room known from
 * the cached head, no padding needed) and the common receive (a committed
 * data record below the cached tail, fitting the buffer). Everything else,
 * many-producer sends included, is src/ring_msg.c's general code, which the
 * fast path hands the whole call to. Internal: include <shmring/ring_msg.h>.
 *
 * Ordering (one producer):
 *   R_M1: the producer's release store of tail publishes the record header
 *         and payload written before it. Pairs with A_M1, the consumer's
 *         acquire load of tail (src/ring_msg.c) that refreshes cons_cache.
 *   R_M2: the consumer's release store of head after copying the payload
 *         out. Pairs with A_M2, the producer's acquire load of head that
 *         refreshes prod_cache: bytes below head may be overwritten.
 * Many producers: R_M3, a producer's release store of a record's commit
 * word, pairs with A_M3, the consumer's acquire load of it (done here too,
 * for both modes: on one-producer rings A_M1 already ordered it).
 *
 * Each side keeps its own index in the handle (prod_pos: one producer
 * only; cons_pos), as the SPSC rings do: the fast path loads only the other
 * side's words, and those only when its cached copy runs out.
 *
 * Every word read from shared memory is checked before it decides an
 * address or a size: offsets are reduced modulo the data size and must be
 * 16-byte aligned, a record must lie inside the area and below the tail,
 * its length at most max and within the record; anything else goes to the
 * general code, which reports it.
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

RING_INLINE int ring_msg_send(struct ring *r, const void *msg, size_t len)
{
	if (ring_pvt_likely(r->mode == RING_PVT_MODE_MSG_SP && len <= r->esz &&
			    r->zc_res_cnt == 0 && msg != NULL)) {
		/* Own index: the handle's prod_pos, never loaded from shared
		 * memory here (the tail's line is the one the consumer polls).
		 * RING_PVT_POS_UNKNOWN (after attach or ring_close_write)
		 * fails the room test below: the general path reads the tail. */
		struct ring_shared *s = r->shm;
		const uint64_t t = r->prod_pos, n = r->n, key = r->create_id;
		const uint32_t flags = r->flags;
		const uint64_t rec = RING_MSG_REC(len), off = t & r->mask;

		/* prod_cache = head last read + slots: never optimistic. The
		 * record must also end inside the area (else padding first). */
		if (ring_pvt_likely(t + rec <= r->prod_cache && off + rec <= n)) {
			struct ring_msg_hdr *h =
				RING_PVT_CAST(struct ring_msg_hdr *, RING_PVT_CAST(void *, r->slots + off));

			memcpy(RING_PVT_CAST(void *, h + 1), msg, len);
			ring_pvt_store(&h->meta, RING_MSG_META(len, RING_MSG_T_DATA, rec), relaxed);
			ring_pvt_store(&h->commit, RING_MSG_TAG(key, t), relaxed);
			/* R_M1: publishes the record. */
			ring_pvt_store(&s->prod.tail, t + rec, release);
			r->prod_pos = t + rec;
			if (flags & RING_F_BLOCKING)
				ring_pvt_after_push(r);
			return 0;
		}
	}
	return ring_pvt_msg_send_slow(r, msg, len);
}

RING_INLINE int ring_msg_recv(struct ring *r, void *buf, size_t cap, size_t *len)
{
	if (ring_pvt_likely((r->cmode & ~1u) == RING_PVT_MODE_MSG_SP && r->zc_peek_cnt == 0 &&
			    buf != NULL && len != NULL)) {
		/* Own index: cons_pos (RING_PVT_POS_UNKNOWN after attach, which
		 * makes avail out of range: the general path adopts the head).
		 * cons_cache: the tail last read, cleaned of the closed bit. */
		struct ring_shared *s = r->shm;
		const uint64_t h = r->cons_pos, n = r->n, key = r->create_id, esz = r->esz;
		const uint32_t flags = r->flags;
		uint64_t avail = r->cons_cache - h;
		const uint64_t off = h & r->mask;

		if (avail - 1 >= n && h != RING_PVT_POS_UNKNOWN) {
			/* A_M1, inline: the cached tail is used up. Closed, empty
			 * and corrupt tails go to the general path. */
			uint64_t t = ring_pvt_load(&s->prod.tail, acquire) & ~RING_CLOSED_BIT;

			avail = t - h;
			if (avail - 1 < n)
				r->cons_cache = t;
		}
		if (ring_pvt_likely(avail - 1 < n)) {
			struct ring_msg_hdr *hd =
				RING_PVT_CAST(struct ring_msg_hdr *, RING_PVT_CAST(void *, r->slots + off));
			/* A_M3 */
			uint64_t c = ring_pvt_load(&hd->commit, acquire);
			uint64_t m = ring_pvt_load(&hd->meta, relaxed);
			uint64_t l = RING_MSG_META_LEN(m), rec = RING_MSG_META_REC(m);

			/* h is aligned (own index) and n a multiple of 16, so
			 * the header itself is inside. */
			if (ring_pvt_likely(c == RING_MSG_TAG(key, h) &&
					    RING_MSG_META_TYPE(m) == RING_MSG_T_DATA && l <= esz &&
					    l <= cap && rec >= RING_MSG_REC(l) && rec <= avail &&
					    off + rec <= n)) {
				memcpy(buf, RING_PVT_CAST(const void *, hd + 1), RING_PVT_CAST(size_t, l));
				*len = RING_PVT_CAST(size_t, l);
				/* R_M2: frees the record after the copy. */
				ring_pvt_store(&s->cons.head, h + rec, release);
				r->cons_pos = h + rec;
				if (flags & RING_F_BLOCKING)
					ring_pvt_after_pop(r);
				return 0;
			}
		}
	}
	return ring_pvt_msg_recv_slow(r, buf, cap, len);
}

#ifdef __cplusplus
}
#endif

#endif /* SHMRING_RING_MSG_PVT_H */
