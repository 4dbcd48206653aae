/* SPDX-License-Identifier: MIT */
/*
 * DPDK rte_ring, SP/SC and MP/MC, initialised with rte_ring_init() on shared
 * memory made before fork(): no EAL, no hugepages. Elements go through the
 * _elem API, which copies esz-byte objects like shmring does. Capacity is
 * slots - 1 (rte_ring without RING_F_EXACT_SZ).
 */
#include <stdio.h>
#include <unistd.h>

#include <rte_ring.h>
#include <rte_ring_elem.h>

#include "bench.h"

static int rte_setup(struct chan *c, uint32_t esz, uint32_t slots, int mpmc)
{
	char name[RTE_RING_NAMESIZE];
	ssize_t sz = rte_ring_get_memsize_elem(esz, slots);
	int rc;

	if (sz < 0) {
		fprintf(stderr, "rte_ring: get_memsize_elem: %zd\n", sz);
		return -1;
	}
	c->len = (size_t)sz;
	c->mem = shared_alloc(c->len);
	if (c->mem == NULL)
		return -1;
	snprintf(name, sizeof(name), "b%d", (int)getpid());
	rc = rte_ring_init((struct rte_ring *)c->mem, name, slots,
			   mpmc ? 0 : RING_F_SP_ENQ | RING_F_SC_DEQ);
	if (rc != 0) {
		fprintf(stderr, "rte_ring: rte_ring_init: %d\n", rc);
		shared_free(c->mem, c->len);
		return -1;
	}
	c->obj = c->mem;
	return 0;
}

static int rte_setup_sp(struct chan *c, uint32_t esz, uint32_t slots, int mpmc)
{
	(void)mpmc;
	return rte_setup(c, esz, slots, 0);
}

static int rte_setup_mp(struct chan *c, uint32_t esz, uint32_t slots, int mpmc)
{
	(void)mpmc;
	return rte_setup(c, esz, slots, 1);
}

static void rte_teardown(struct chan *c)
{
	shared_free(c->mem, c->len);
}

#define RTE_R(c) ((struct rte_ring *)(c)->obj)

static inline int rsp_push(struct chan *c, const void *m, uint32_t esz)
{
	return rte_ring_sp_enqueue_elem(RTE_R(c), (void *)(uintptr_t)m, esz) == 0;
}

static inline int rsp_pop(struct chan *c, void *m, uint32_t esz)
{
	return rte_ring_sc_dequeue_elem(RTE_R(c), m, esz) == 0;
}

static inline int rsp_push_burst(struct chan *c, const void *m, uint32_t n, uint32_t esz)
{
	return (int)rte_ring_sp_enqueue_burst_elem(RTE_R(c), m, esz, n, NULL);
}

static inline int rsp_pop_burst(struct chan *c, void *m, uint32_t n, uint32_t esz)
{
	return (int)rte_ring_sc_dequeue_burst_elem(RTE_R(c), m, esz, n, NULL);
}

#define LOOP_P rsp
#define LOOP_BURST
#include "loops.h"

static inline int rmp_push(struct chan *c, const void *m, uint32_t esz)
{
	return rte_ring_mp_enqueue_elem(RTE_R(c), (void *)(uintptr_t)m, esz) == 0;
}

static inline int rmp_pop(struct chan *c, void *m, uint32_t esz)
{
	return rte_ring_mc_dequeue_elem(RTE_R(c), m, esz) == 0;
}

static inline int rmp_push_burst(struct chan *c, const void *m, uint32_t n, uint32_t esz)
{
	return (int)rte_ring_mp_enqueue_burst_elem(RTE_R(c), m, esz, n, NULL);
}

static inline int rmp_pop_burst(struct chan *c, void *m, uint32_t n, uint32_t esz)
{
	return (int)rte_ring_mc_dequeue_burst_elem(RTE_R(c), m, esz, n, NULL);
}

#define LOOP_P rmp
#define LOOP_BURST
#include "loops.h"

const struct impl impls_rte[] = {
	{"rte_ring-sp/sc", CAP_SPSC | CAP_BURST, rte_setup_sp, rte_teardown, LOOP_FNS(rsp)},
	{"rte_ring-mp/mc", CAP_MPMC | CAP_BURST, rte_setup_mp, rte_teardown, LOOP_FNS(rmp)},
	{NULL, 0, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL},
};
