/* SPDX-License-Identifier: MIT */
/*
 * MPMC fast path: a bounded queue with a sequence word per slot, after
 * Dmitry Vyukov's design. Internal: include <shmring/ring.h>.
 *
 * tail and head are free-running positions claimed by CAS. Slot p % n holds
 * seq == p while free for the producer of position p, p + 1 once that
 * producer has written it, and p + n once the consumer of p has read it (free
 * for the next lap). Full and empty are told apart by the sequence words, so
 * all n slots are usable: the n-1 rule has nothing to buy here and is refused
 * for MPMC rings.
 *
 * Nothing here waits for another process: a slot claimed but not yet
 * published (or not yet released) reads as empty (full), and the caller gets
 * -EAGAIN. CAS failures and stale positions are retried at most
 * RING_PVT_RETRIES times, then -EAGAIN. A hostile peer can therefore make
 * calls fail or deliver garbage, but not loop forever or reach outside the
 * slots: every slot address comes from a position reduced modulo n.
 *
 * A process that dies between claiming position p and publishing it leaves
 * slot p with seq == p: consumers see "empty" at p forever (later elements
 * stay in the ring, undelivered, nothing is lost or reordered). A survivor can
 * repair it by storing RING_MPMC_SKIP(p) in that slot's seq: consumers then
 * step over p. A consumer that dies between claiming p and releasing it loses
 * that one element (it had taken it) and leaves seq == p + 1; producers see
 * "full" at p until a survivor stores p + n. Neither repair is automatic.
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

static inline struct ring_mpmc_slot *ring_pvt_mpmc_slot(const struct ring *r, uint64_t pos)
{
	return (struct ring_mpmc_slot *)(void *)(r->slots + ring_pvt_slot_of(r, pos) * r->stride);
}

static inline unsigned char *ring_pvt_mpmc_payload(struct ring_mpmc_slot *sl)
{
	return (unsigned char *)(void *)sl + sizeof(struct ring_mpmc_slot);
}

/* Number of consecutive slots from pos whose seq equals pos + i + off (at
 * most cnt); *d gets the first mismatch as a signed difference. */
static inline size_t ring_pvt_mpmc_scan(const struct ring *r, uint64_t pos, size_t cnt,
					uint64_t off, int64_t *d)
{
	size_t k;

	*d = 0;
	for (k = 0; k < cnt; k++) {
		struct ring_mpmc_slot *sl = ring_pvt_mpmc_slot(r, pos + k);
		/* A3 (producers, off 0): pairs with R4, the consumer of the
		 * last lap finished reading the slot. A4 (consumers, off 1):
		 * pairs with R3, the producer finished writing it. */
		uint64_t seq = ring_pvt_load(&sl->seq, acquire);

		*d = (int64_t)(seq - (pos + k + off));
		if (*d != 0)
			break;
	}
	return k;
}

static inline ssize_t ring_pvt_mpmc_enqueue(struct ring *r, const void *src, size_t cnt,
					    int burst)
{
	struct ring_shared *s = r->shm;
	const unsigned char *b = (const unsigned char *)src;
	uint64_t pos = ring_pvt_load(&s->prod.tail, relaxed);
	unsigned tries = RING_PVT_RETRIES;
	size_t k, i;
	int64_t d;

	for (;;) {
		if (ring_pvt_unlikely(pos & RING_CLOSED_BIT))
			return -EPIPE;
		k = ring_pvt_mpmc_scan(r, pos, cnt, 0, &d);
		if (ring_pvt_likely(k == cnt || (burst && k > 0 && d < 0))) {
			/* Claim [pos, pos + k). Fails if another producer
			 * moved tail or the ring was closed (top bit). The
			 * slot contents are ordered by A3/R3, not by this. */
			if (ring_pvt_cas(&s->prod.tail, &pos, pos + k, relaxed, relaxed))
				break;
		} else if (d < 0) {
			return -EAGAIN; /* full, or a consumer still reading */
		} else {
			/* d > 0: pos is stale, another producer got there. */
			pos = ring_pvt_load(&s->prod.tail, relaxed);
		}
		if (--tries == 0)
			return -EAGAIN;
	}
	for (i = 0; i < k; i++) {
		struct ring_mpmc_slot *sl = ring_pvt_mpmc_slot(r, pos + i);

		ring_pvt_copy_elem(ring_pvt_mpmc_payload(sl), b + i * r->esz, r->esz);
		/* R3: publishes the element. Pairs with A4 in the consumer. */
		ring_pvt_store(&sl->seq, pos + i + 1, release);
	}
	if (r->flags & RING_F_BLOCKING)
		ring_pvt_after_push(r);
	return (ssize_t)k;
}

/* Out of line (src/ring_mpmc.c): why a dequeue at pos cannot proceed. Steps
 * over a RING_MPMC_SKIP slot (returns 1: retry), else -EAGAIN or -EPIPE. */
RING_API int ring_pvt_mpmc_stuck(struct ring *r, uint64_t pos, size_t k, size_t cnt, int burst);

static inline ssize_t ring_pvt_mpmc_dequeue(struct ring *r, void *dst, size_t cnt, int burst)
{
	struct ring_shared *s = r->shm;
	unsigned char *b = (unsigned char *)dst;
	uint64_t pos = ring_pvt_load(&s->cons.head, relaxed);
	unsigned tries = RING_PVT_RETRIES;
	size_t k, i;
	int64_t d;

	for (;;) {
		k = ring_pvt_mpmc_scan(r, pos, cnt, 1, &d);
		if (ring_pvt_likely(k == cnt || (burst && k > 0 && d < 0))) {
			if (ring_pvt_cas(&s->cons.head, &pos, pos + k, relaxed, relaxed))
				break;
		} else if (d < 0) {
			int rc = ring_pvt_mpmc_stuck(r, pos, k, cnt, burst);

			if (rc < 0)
				return rc;
			pos = ring_pvt_load(&s->cons.head, relaxed);
		} else {
			pos = ring_pvt_load(&s->cons.head, relaxed);
		}
		if (--tries == 0)
			return -EAGAIN;
	}
	for (i = 0; i < k; i++) {
		struct ring_mpmc_slot *sl = ring_pvt_mpmc_slot(r, pos + i);

		ring_pvt_copy_elem(b + i * r->esz, ring_pvt_mpmc_payload(sl), r->esz);
		/* R4: frees the slot for the producer of pos + i + n. Pairs
		 * with A3: that producer writes only after this read. */
		ring_pvt_store(&sl->seq, pos + i + r->n, release);
	}
	if (r->flags & RING_F_BLOCKING)
		ring_pvt_after_pop(r);
	return (ssize_t)k;
}

#ifdef __cplusplus
}
#endif

#endif /* SHMRING_RING_MPMC_PVT_H */
