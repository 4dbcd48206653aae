/* SPDX-License-Identifier: MIT */
/*
 * Two reference designs written for this benchmark (no Debian package ships
 * them), each in shared memory made before fork() like every other peer:
 *
 * ref-slot-spsc: an SPSC ring that synchronises on the slots alone
 *   (FastForward / Vyukov style). Every slot is a sequence word followed by
 *   the message: seq == p means "free for position p", p + 1 "holds the
 *   message of position p", and the consumer of p frees it as p + n. Each
 *   side keeps its own position in process memory; no index word is shared,
 *   so a hand-off moves only the slot's line. Capacity n.
 *
 * ref-ticket-mpmc: a bounded MPMC queue with a turn word per slot, each slot
 *   padded to its own 64-byte line (E. Rigtorp's MPMCQueue, try_push /
 *   try_pop): a producer takes ticket t = tail by CAS when slot t % n shows
 *   turn 2 * (t / n), writes, and publishes turn 2 * (t / n) + 1; a consumer
 *   likewise with head and the odd turn, and frees the slot with the next
 *   even turn. A lost CAS retries with the new ticket without limit, as in
 *   the original. Capacity n.
 *
 * Both use acquire loads of the sequence/turn word and release stores after
 * the payload copy: the payload written before the release is what a side
 * that acquires the new value reads.
 */
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>

#include "bench.h"

/* ---- ref-slot-spsc ------------------------------------------------------- */

struct rs_ring {
	uint64_t n, mask, stride;
	uint8_t pad[128 - 24];
	unsigned char slots[]; /* n * stride: seq word, then the message */
};

static int rs_setup(struct chan *c, uint32_t esz, uint32_t slots, int mpmc)
{
	struct rs_ring *q;
	uint64_t i;

	(void)mpmc;
	if (slots & (slots - 1)) {
		fprintf(stderr, "ref-slot-spsc: power-of-two slots only\n");
		return -1;
	}
	c->len = sizeof(*q) + (size_t)slots * (8 + esz);
	c->mem = shared_alloc(c->len);
	if (c->mem == NULL)
		return -1;
	q = (struct rs_ring *)c->mem;
	q->n = slots;
	q->mask = slots - 1;
	q->stride = 8 + esz;
	for (i = 0; i < slots; i++)
		atomic_init((_Atomic uint64_t *)(void *)(q->slots + i * q->stride), i);
	c->obj = q;
	c->seq = 0;   /* producer position (each process has its own chan copy) */
	c->cache = 0; /* consumer position */
	return 0;
}

static void rs_teardown(struct chan *c)
{
	shared_free(c->mem, c->len);
}

static inline __attribute__((always_inline)) _Atomic uint64_t *rs_slot(struct rs_ring *q,
								       uint64_t pos)
{
	return (_Atomic uint64_t *)(void *)(q->slots + (pos & q->mask) * q->stride);
}

static inline int rs_push(struct chan *c, const void *m, uint32_t esz)
{
	struct rs_ring *q = (struct rs_ring *)c->obj;
	uint64_t pos = c->seq;
	_Atomic uint64_t *sl = rs_slot(q, pos);

	/* Pairs with the consumer's release of pos - n + n = pos. */
	if (atomic_load_explicit(sl, memory_order_acquire) != pos)
		return 0;
	memcpy((unsigned char *)sl + 8, m, esz);
	atomic_store_explicit(sl, pos + 1, memory_order_release);
	c->seq = pos + 1;
	return 1;
}

static inline int rs_pop(struct chan *c, void *m, uint32_t esz)
{
	struct rs_ring *q = (struct rs_ring *)c->obj;
	uint64_t pos = c->cache;
	_Atomic uint64_t *sl = rs_slot(q, pos);

	if (atomic_load_explicit(sl, memory_order_acquire) != pos + 1)
		return 0;
	memcpy(m, (unsigned char *)sl + 8, esz);
	atomic_store_explicit(sl, pos + q->n, memory_order_release);
	c->cache = pos + 1;
	return 1;
}

/* Burst: single hand-offs until one fails (each slot is its own flag). */
static inline int rs_push_burst(struct chan *c, const void *m, uint32_t n, uint32_t esz)
{
	uint32_t i;

	for (i = 0; i < n; i++)
		if (!rs_push(c, (const unsigned char *)m + (size_t)i * esz, esz))
			break;
	return (int)i;
}

static inline int rs_pop_burst(struct chan *c, void *m, uint32_t n, uint32_t esz)
{
	uint32_t i;

	for (i = 0; i < n; i++)
		if (!rs_pop(c, (unsigned char *)m + (size_t)i * esz, esz))
			break;
	return (int)i;
}

#define LOOP_P rs
#define LOOP_BURST
#include "loops.h"

/* ---- ref-ticket-mpmc ----------------------------------------------------- */

#define RT_SLOT 64 /* one line per slot: turn word, then an 8-byte message */

struct rt_queue {
	_Atomic uint64_t tail __attribute__((aligned(128))); /* producers' ticket */
	_Atomic uint64_t head __attribute__((aligned(128))); /* consumers' ticket */
	uint64_t n __attribute__((aligned(128)));
	uint64_t mask;
	unsigned shift;
	unsigned char slots[] __attribute__((aligned(128)));
};

static int rt_setup(struct chan *c, uint32_t esz, uint32_t slots, int mpmc)
{
	struct rt_queue *q;
	uint64_t i;

	(void)mpmc;
	if ((slots & (slots - 1)) || esz > RT_SLOT - 8) {
		fprintf(stderr, "ref-ticket-mpmc: power-of-two slots, 8-byte messages only\n");
		return -1;
	}
	c->len = sizeof(*q) + (size_t)slots * RT_SLOT;
	c->mem = shared_alloc(c->len);
	if (c->mem == NULL)
		return -1;
	q = (struct rt_queue *)c->mem;
	q->n = slots;
	q->mask = slots - 1;
	q->shift = (unsigned)__builtin_ctzll(slots);
	for (i = 0; i < slots; i++)
		atomic_init((_Atomic uint64_t *)(void *)(q->slots + i * RT_SLOT), 0);
	c->obj = q;
	return 0;
}

static inline __attribute__((always_inline)) _Atomic uint64_t *rt_turn(struct rt_queue *q,
								       uint64_t t)
{
	return (_Atomic uint64_t *)(void *)(q->slots + (t & q->mask) * RT_SLOT);
}

static inline int rt_push(struct chan *c, const void *m, uint32_t esz)
{
	struct rt_queue *q = (struct rt_queue *)c->obj;
	uint64_t t = atomic_load_explicit(&q->tail, memory_order_acquire);

	for (;;) {
		_Atomic uint64_t *turn = rt_turn(q, t);

		if (atomic_load_explicit(turn, memory_order_acquire) == 2 * (t >> q->shift)) {
			if (atomic_compare_exchange_strong_explicit(&q->tail, &t, t + 1,
								    memory_order_relaxed,
								    memory_order_relaxed)) {
				memcpy((unsigned char *)turn + 8, m, esz);
				atomic_store_explicit(turn, 2 * (t >> q->shift) + 1,
						      memory_order_release);
				return 1;
			}
		} else {
			uint64_t prev = t;

			t = atomic_load_explicit(&q->tail, memory_order_acquire);
			if (t == prev)
				return 0; /* full */
		}
	}
}

static inline int rt_pop(struct chan *c, void *m, uint32_t esz)
{
	struct rt_queue *q = (struct rt_queue *)c->obj;
	uint64_t h = atomic_load_explicit(&q->head, memory_order_acquire);

	for (;;) {
		_Atomic uint64_t *turn = rt_turn(q, h);

		if (atomic_load_explicit(turn, memory_order_acquire) == 2 * (h >> q->shift) + 1) {
			if (atomic_compare_exchange_strong_explicit(&q->head, &h, h + 1,
								    memory_order_relaxed,
								    memory_order_relaxed)) {
				memcpy(m, (unsigned char *)turn + 8, esz);
				atomic_store_explicit(turn, 2 * (h >> q->shift) + 2,
						      memory_order_release);
				return 1;
			}
		} else {
			uint64_t prev = h;

			h = atomic_load_explicit(&q->head, memory_order_acquire);
			if (h == prev)
				return 0; /* empty */
		}
	}
}

#define LOOP_P rt
#include "loops.h"

const struct impl impls_ref[] = {
	{"ref-slot-spsc", CAP_SPSC | CAP_BURST, rs_setup, rs_teardown, LOOP_FNS(rs)},
	{"ref-ticket-mpmc", CAP_MPMC, rt_setup, rs_teardown, LOOP_FNS(rt)},
	{NULL, 0, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL},
};
