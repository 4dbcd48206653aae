/* SPDX-License-Identifier: MIT */
/*
 * The lecture's plain ring, as the textbook baseline: indices in and out in
 * [0, n), full when (in + 1) % n == out, C11 atomics with acquire/release,
 * both indices side by side (no padding) and no cached copy of the other
 * side's index, so every call reads the line the other core writes.
 */
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>

#include "bench.h"

struct tb_ring {
	atomic_size_t in;
	atomic_size_t out;
	size_t n;
	size_t esz;
	unsigned char buf[];
};

static int tb_setup(struct chan *c, uint32_t esz, uint32_t slots, int mpmc)
{
	struct tb_ring *t;

	(void)mpmc;
	c->len = sizeof(*t) + (size_t)slots * esz;
	c->mem = shared_alloc(c->len);
	if (c->mem == NULL)
		return -1;
	t = (struct tb_ring *)c->mem;
	atomic_init(&t->in, 0);
	atomic_init(&t->out, 0);
	t->n = slots;
	t->esz = esz;
	c->obj = t;
	return 0;
}

static void tb_teardown(struct chan *c)
{
	shared_free(c->mem, c->len);
}

static inline int tb_push(struct chan *c, const void *m, uint32_t esz)
{
	struct tb_ring *t = (struct tb_ring *)c->obj;
	size_t in = atomic_load_explicit(&t->in, memory_order_relaxed);
	size_t next = (in + 1) % t->n;

	if (next == atomic_load_explicit(&t->out, memory_order_acquire))
		return 0;
	memcpy(t->buf + in * esz, m, esz);
	atomic_store_explicit(&t->in, next, memory_order_release);
	return 1;
}

static inline int tb_pop(struct chan *c, void *m, uint32_t esz)
{
	struct tb_ring *t = (struct tb_ring *)c->obj;
	size_t out = atomic_load_explicit(&t->out, memory_order_relaxed);

	if (out == atomic_load_explicit(&t->in, memory_order_acquire))
		return 0;
	memcpy(m, t->buf + out * esz, esz);
	atomic_store_explicit(&t->out, (out + 1) % t->n, memory_order_release);
	return 1;
}

#define LOOP_P tb
#include "loops.h"

const struct impl impls_textbook[] = {
	{"textbook-n1", CAP_SPSC, tb_setup, tb_teardown, LOOP_FNS(tb)},
	{NULL, 0, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL},
};
