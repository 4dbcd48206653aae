/* SPDX-License-Identifier: MIT */
/*
 * Concurrency Kit's ck_ring, SPSC and MPMC, with the ring header and its
 * buffer in shared memory made before fork(). The typed interface
 * (CK_RING_PROTOTYPE) copies whole 8- or 64-byte messages into the buffer.
 * ck_ring has no burst calls; capacity is slots - 1.
 */
#include <stdio.h>

#include <ck_ring.h>

#include "bench.h"

struct m8 {
	uint64_t w[1];
};
struct m64 {
	uint64_t w[8];
};
CK_RING_PROTOTYPE(m8, m8)
CK_RING_PROTOTYPE(m64, m64)

/* The ring header, rounded up to keep the buffer on its own cache lines. */
#define CK_HDR ((sizeof(struct ck_ring) + 127) / 128 * 128)

static int ck_setup(struct chan *c, uint32_t esz, uint32_t slots, int mpmc)
{
	(void)mpmc;
	c->len = CK_HDR + (size_t)slots * esz;
	c->mem = shared_alloc(c->len);
	if (c->mem == NULL)
		return -1;
	ck_ring_init((struct ck_ring *)c->mem, slots);
	c->obj = (unsigned char *)c->mem + CK_HDR;
	return 0;
}

static void ck_teardown(struct chan *c)
{
	shared_free(c->mem, c->len);
}

#define CK_R(c) ((struct ck_ring *)(c)->mem)

static inline int cks_push(struct chan *c, const void *m, uint32_t esz)
{
	if (esz == 8)
		return ck_ring_enqueue_spsc_m8(CK_R(c), (struct m8 *)c->obj,
					       (struct m8 *)(uintptr_t)m);
	return ck_ring_enqueue_spsc_m64(CK_R(c), (struct m64 *)c->obj, (struct m64 *)(uintptr_t)m);
}

static inline int cks_pop(struct chan *c, void *m, uint32_t esz)
{
	if (esz == 8)
		return ck_ring_dequeue_spsc_m8(CK_R(c), (struct m8 *)c->obj, (struct m8 *)m);
	return ck_ring_dequeue_spsc_m64(CK_R(c), (struct m64 *)c->obj, (struct m64 *)m);
}

#define LOOP_P cks
#include "loops.h"

static inline int ckm_push(struct chan *c, const void *m, uint32_t esz)
{
	if (esz == 8)
		return ck_ring_enqueue_mpmc_m8(CK_R(c), (struct m8 *)c->obj,
					       (struct m8 *)(uintptr_t)m);
	return ck_ring_enqueue_mpmc_m64(CK_R(c), (struct m64 *)c->obj, (struct m64 *)(uintptr_t)m);
}

static inline int ckm_pop(struct chan *c, void *m, uint32_t esz)
{
	if (esz == 8)
		return ck_ring_dequeue_mpmc_m8(CK_R(c), (struct m8 *)c->obj, (struct m8 *)m);
	return ck_ring_dequeue_mpmc_m64(CK_R(c), (struct m64 *)c->obj, (struct m64 *)m);
}

#define LOOP_P ckm
#include "loops.h"

const struct impl impls_ck[] = {
	{"ck_ring-spsc", CAP_SPSC, ck_setup, ck_teardown, LOOP_FNS(cks)},
	{"ck_ring-mpmc", CAP_MPMC, ck_setup, ck_teardown, LOOP_FNS(ckm)},
	{NULL, 0, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL},
};
