/* SPDX-License-Identifier: MIT */
/*
 * A bare futex mailbox, the floor for a blocking hand-off between processes:
 * one message slot and a state word (0 empty, 1 full) in shared memory. The
 * sender fills the slot, sets the state and always calls FUTEX_WAKE; the
 * receiver sleeps in FUTEX_WAIT while the state says empty, then empties it
 * and wakes the sender. No spinning, no waiter flag: every message costs a
 * wake on each side, and a wait whenever the other side is not there yet.
 */
#include <linux/futex.h>
#include <stdio.h>
#include <string.h>

#include "bench.h"

struct fx_box {
	uint32_t state;
	uint32_t pad[15];
	unsigned char msg[BENCH_MAX_ESZ];
};

static int fx_setup(struct chan *c, uint32_t esz, uint32_t slots, int mpmc)
{
	(void)esz;
	(void)slots;
	(void)mpmc;
	c->len = sizeof(struct fx_box);
	c->mem = shared_alloc(c->len);
	if (c->mem == NULL)
		return -1;
	c->obj = c->mem;
	return 0;
}

static void fx_teardown(struct chan *c)
{
	shared_free(c->mem, c->len);
}

static inline int fx_push(struct chan *c, const void *m, uint32_t esz)
{
	struct fx_box *b = (struct fx_box *)c->obj;

	while (__atomic_load_n(&b->state, __ATOMIC_ACQUIRE) != 0)
		bench_futex(&b->state, FUTEX_WAIT, 1);
	memcpy(b->msg, m, esz);
	__atomic_store_n(&b->state, 1, __ATOMIC_RELEASE);
	bench_futex(&b->state, FUTEX_WAKE, 1);
	return 1;
}

static inline int fx_pop(struct chan *c, void *m, uint32_t esz)
{
	struct fx_box *b = (struct fx_box *)c->obj;

	while (__atomic_load_n(&b->state, __ATOMIC_ACQUIRE) != 1)
		bench_futex(&b->state, FUTEX_WAIT, 0);
	memcpy(m, b->msg, esz);
	__atomic_store_n(&b->state, 0, __ATOMIC_RELEASE);
	bench_futex(&b->state, FUTEX_WAKE, 1);
	return 1;
}

#define LOOP_P fx
#include "loops.h"

const struct impl impls_block[] = {
	{"futex", CAP_BLOCK, fx_setup, fx_teardown, LOOP_FNS(fx)},
	{NULL, 0, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL},
};
