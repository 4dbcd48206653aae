/* SPDX-License-Identifier: MIT */
/*
 * The record format of the byte-area rings that carry messages (message
 * rings, src/ring_msg.c; broadcast message rings, src/ring_bcast_msg.c):
 * where a record goes (the padding before one that would cross the end of
 * the area), writing a record header, and checking one read from shared
 * memory. The words are defined in <shmring/ring_layout.h> (struct
 * ring_msg_hdr, RING_MSG_*). Internal to the library.
 */
#ifndef SHMRING_SRC_RING_MSG_REC_H
#define SHMRING_SRC_RING_MSG_REC_H

#include "ring_internal.h"

/* The header of the record at position pos (any position: reduced to the
 * area; callers keep positions 16-byte aligned). */
static inline struct ring_msg_hdr *ring_pvt_rec_at(const struct ring *r, uint64_t pos)
{
	return (struct ring_msg_hdr *)(void *)(r->slots + (pos & r->mask));
}

/* Bytes of padding a record of rec bytes needs before it at pos: the rest
 * of the area when the record would cross its end, else 0. */
static inline uint64_t ring_pvt_rec_pad(const struct ring *r, uint64_t pos, uint64_t rec)
{
	uint64_t off = pos & r->mask;

	return off + rec > r->n ? r->n - off : 0;
}

/* Write the header of the record at pos: meta, then the commit word (with
 * release when `release`, else relaxed: the caller publishes otherwise). */
static inline void ring_pvt_rec_put(struct ring *r, uint64_t pos, uint64_t len, uint32_t type,
				    uint64_t rec, int release)
{
	struct ring_msg_hdr *h = ring_pvt_rec_at(r, pos);

	ring_pvt_store(&h->meta, RING_MSG_META(len, type, rec), relaxed);
	if (release)
		ring_pvt_store(&h->commit, RING_MSG_TAG(r->create_id, pos), release);
	else
		ring_pvt_store(&h->commit, RING_MSG_TAG(r->create_id, pos), relaxed);
}

/*
 * Check the meta word m of a committed record at area offset off, read
 * from shared memory: its size is 16..rec_max and ends inside the area; a
 * data record's length is at most the ring's max and fits the record after
 * `extra` header bytes beyond struct ring_msg_hdr; padding runs exactly to
 * the end of the area and carries nothing. Returns the record type
 * (RING_MSG_T_DATA, _PAD, _SKIP) or -EUCLEAN.
 */
static inline int ring_pvt_rec_type(const struct ring *r, uint64_t off, uint64_t m,
				    uint64_t rec_max, uint64_t extra)
{
	uint64_t rec = RING_MSG_META_REC(m), l = RING_MSG_META_LEN(m);

	if (rec < RING_MSG_ALIGN || rec > rec_max || off + rec > r->n)
		return -EUCLEAN;
	switch (RING_MSG_META_TYPE(m)) {
	case RING_MSG_T_DATA:
		if (l > r->esz || RING_MSG_REC(l) + extra > rec)
			return -EUCLEAN;
		return RING_MSG_T_DATA;
	case RING_MSG_T_PAD:
		/* Padding runs to the end of the area. It may be longer than
		 * the largest record (rec_max) only by less than one record,
		 * which the test above already allows for on every ring:
		 * pad < rec_max. */
		if (off + rec != r->n || l != 0)
			return -EUCLEAN;
		return RING_MSG_T_PAD;
	case RING_MSG_T_SKIP:
		return RING_MSG_T_SKIP;
	default:
		return -EUCLEAN;
	}
}

#endif /* SHMRING_SRC_RING_MSG_REC_H */
