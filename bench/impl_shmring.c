/* SPDX-License-Identifier: MIT */
/*
 * shmring itself: SPSC (count rule; the n-1 and slot-sequenced rules for
 * reference), MPMC, and blocking mode. Rings live in anonymous shared memory made before fork(),
 * so each process works through its own copy of the handle.
 */
#include <stdio.h>

#include "bench.h"

static int shm_setup_p(struct chan *c, uint32_t esz, uint32_t slots, uint32_t kind,
		       uint32_t rule, uint32_t flags)
{
	struct ring_params p = {0};
	int rc;

	p.kind = kind;
	p.rule = rule;
	p.slots = slots;
	p.elem_size = esz;
	p.flags = flags;
	rc = ring_create_anon(&c->r, &p);
	if (rc < 0) {
		fprintf(stderr, "shmring: ring_create_anon: %s\n", ring_strerror(rc));
		return -1;
	}
	return 0;
}

static int shm_setup(struct chan *c, uint32_t esz, uint32_t slots, int mpmc)
{
	(void)mpmc;
	return shm_setup_p(c, esz, slots, RING_KIND_SPSC, RING_RULE_COUNT, 0);
}

static int shm_setup_n1(struct chan *c, uint32_t esz, uint32_t slots, int mpmc)
{
	(void)mpmc;
	return shm_setup_p(c, esz, slots, RING_KIND_SPSC, RING_RULE_N1, 0);
}

/* Slot-sequenced rule (RING_RULE_SEQ): power-of-two slots only. */
static int shm_setup_seq(struct chan *c, uint32_t esz, uint32_t slots, int mpmc)
{
	(void)mpmc;
	if (slots & (slots - 1)) {
		fprintf(stderr, "shmring-seq: power-of-two slots only\n");
		return -1;
	}
	return shm_setup_p(c, esz, slots, RING_KIND_SPSC, RING_RULE_SEQ, 0);
}

static int shm_setup_mpmc(struct chan *c, uint32_t esz, uint32_t slots, int mpmc)
{
	(void)mpmc;
	return shm_setup_p(c, esz, slots, RING_KIND_MPMC, RING_RULE_COUNT, 0);
}

static int shm_setup_blk(struct chan *c, uint32_t esz, uint32_t slots, int mpmc)
{
	(void)mpmc;
	return shm_setup_p(c, esz, slots, RING_KIND_SPSC, RING_RULE_COUNT, RING_F_BLOCKING);
}

static void shm_teardown(struct chan *c)
{
	ring_close(&c->r);
}

/* Non-blocking calls: every shmring kind behind the same API. -EBUSY (MPMC
 * lost races) is a retry, as -EAGAIN. always_inline as ring_push/ring_pop
 * are: a loop that calls them gets them inlined, while these wrappers, left
 * to gcc (12, -O2), were called out of line once ring_pop's flavours grew,
 * and every shmring row measured that call. */
static inline __attribute__((always_inline)) int shm_push(struct chan *c, const void *m, uint32_t esz)
{
	int rc = ring_push(&c->r, m);

	(void)esz;
	return rc == 0 ? 1 : rc == -EAGAIN || rc == -EBUSY ? 0 : rc;
}

static inline __attribute__((always_inline)) int shm_pop(struct chan *c, void *m, uint32_t esz)
{
	int rc = ring_pop(&c->r, m);

	(void)esz;
	return rc == 0 ? 1 : rc == -EAGAIN || rc == -EBUSY ? 0 : rc;
}

static inline int shm_push_burst(struct chan *c, const void *m, uint32_t n, uint32_t esz)
{
	ssize_t rc = ring_push_burst(&c->r, m, n);

	(void)esz;
	return rc == -EAGAIN || rc == -EBUSY ? 0 : (int)rc;
}

static inline int shm_pop_burst(struct chan *c, void *m, uint32_t n, uint32_t esz)
{
	ssize_t rc = ring_pop_burst(&c->r, m, n);

	(void)esz;
	return rc == -EAGAIN || rc == -EBUSY ? 0 : (int)rc;
}

#define LOOP_P shm
#define LOOP_BURST
#include "loops.h"

/* The MPMC row: the same with the calls for MPMC rings (ring_push_mpmc,
 * ring_pop_mpmc: the MPMC flavour tested first, as ck_ring's and DPDK's
 * rows call their MPMC functions); bursts as above. */
static inline __attribute__((always_inline)) int mp_push(struct chan *c, const void *m, uint32_t esz)
{
	int rc = ring_push_mpmc(&c->r, m);

	(void)esz;
	return rc == 0 ? 1 : rc == -EAGAIN || rc == -EBUSY ? 0 : rc;
}

static inline __attribute__((always_inline)) int mp_pop(struct chan *c, void *m, uint32_t esz)
{
	int rc = ring_pop_mpmc(&c->r, m);

	(void)esz;
	return rc == 0 ? 1 : rc == -EAGAIN || rc == -EBUSY ? 0 : rc;
}

#define mp_push_burst shm_push_burst
#define mp_pop_burst shm_pop_burst
#define LOOP_P mp
#define LOOP_BURST
#include "loops.h"

/* Blocking mode: sleep on the ring's futex while full / empty. */
static inline int blk_push(struct chan *c, const void *m, uint32_t esz)
{
	int rc = ring_push_wait(&c->r, m, NULL);

	(void)esz;
	return rc == 0 ? 1 : rc;
}

static inline int blk_pop(struct chan *c, void *m, uint32_t esz)
{
	int rc = ring_pop_wait(&c->r, m, NULL);

	(void)esz;
	return rc == 0 ? 1 : rc;
}

static inline int blk_push_burst(struct chan *c, const void *m, uint32_t n, uint32_t esz)
{
	(void)esz;
	return (int)ring_push_burst_wait(&c->r, m, n, NULL);
}

static inline int blk_pop_burst(struct chan *c, void *m, uint32_t n, uint32_t esz)
{
	(void)esz;
	return (int)ring_pop_burst_wait(&c->r, m, n, NULL);
}

#define LOOP_P blk
#define LOOP_BURST
#include "loops.h"

const struct impl impls_shmring[] = {
	{"shmring", CAP_SHMRING | CAP_SPSC | CAP_BURST, shm_setup, shm_teardown, LOOP_FNS(shm)},
	{"shmring-n1", CAP_SHMRING | CAP_EXTRA | CAP_SPSC | CAP_BURST, shm_setup_n1, shm_teardown,
	 LOOP_FNS(shm)},
	{"shmring-seq", CAP_SHMRING | CAP_EXTRA | CAP_SPSC | CAP_BURST, shm_setup_seq, shm_teardown,
	 LOOP_FNS(shm)},
	{"shmring-mpmc", CAP_SHMRING | CAP_MPMC | CAP_BURST, shm_setup_mpmc, shm_teardown,
	 LOOP_FNS(mp)},
	{NULL, 0, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL},
};

const struct impl impls_block_shmring[] = {
	{"shmring-blk", CAP_SHMRING | CAP_BLOCK | CAP_BURST, shm_setup_blk, shm_teardown,
	 LOOP_FNS(blk)},
	{NULL, 0, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL},
};

/* Callgrind only (bench/callgrind.c): ring_push/ring_pop on a blocking ring,
 * the reference of shmring-blk's row (what the _wait calls add to the
 * operation and its after-push/pop wake check). */
const struct impl impls_cg_shmring_blk[] = {
	{"shmring-blk-try", CAP_SHMRING | CAP_EXTRA | CAP_SPSC | CAP_BURST, shm_setup_blk,
	 shm_teardown, LOOP_FNS(shm)},
	{NULL, 0, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL},
};
