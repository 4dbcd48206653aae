/* SPDX-License-Identifier: MIT */
/*
 * liburcu's wait-free concurrent queue (wfcqueue), the in-process baseline:
 * a linked list of nodes, run between two threads of one process (its nodes
 * are pointers, so it cannot cross processes). Nodes come from a fixed pool
 * of `slots` nodes that the producer reuses only after the consumer has
 * counted them out, which bounds it like the rings. Single enqueue and
 * dequeue only (no burst).
 */
#define _LGPL_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <urcu/wfcqueue.h>

#include "bench.h"

struct wq_node {
	struct cds_wfcq_node node;
	uint64_t w[BENCH_MAX_ESZ / 8];
};

struct wq {
	struct cds_wfcq_head head __attribute__((aligned(128)));
	struct cds_wfcq_tail tail __attribute__((aligned(128)));
	uint64_t consumed __attribute__((aligned(128))); /* written by the consumer */
	struct wq_node *pool __attribute__((aligned(128)));
	uint64_t n;
};

static int wq_setup(struct chan *c, uint32_t esz, uint32_t slots, int mpmc)
{
	struct wq *q;

	(void)esz;
	(void)mpmc;
	if (posix_memalign(&c->obj, 128, sizeof(*q)) != 0)
		return -1;
	q = (struct wq *)c->obj;
	memset(q, 0, sizeof(*q));
	if (posix_memalign((void **)&q->pool, 64, slots * sizeof(struct wq_node)) != 0) {
		free(q);
		return -1;
	}
	q->n = slots;
	cds_wfcq_init(&q->head, &q->tail);
	c->seq = 0;
	c->cache = 0;
	return 0;
}

static void wq_teardown(struct chan *c)
{
	struct wq *q = (struct wq *)c->obj;

	cds_wfcq_destroy(&q->head, &q->tail);
	free(q->pool);
	free(q);
}

static inline int wq_push(struct chan *c, const void *m, uint32_t esz)
{
	struct wq *q = (struct wq *)c->obj;
	struct wq_node *nd;

	if (c->seq - c->cache >= q->n) {
		/* Pairs with the consumer's release: the node is free. */
		c->cache = __atomic_load_n(&q->consumed, __ATOMIC_ACQUIRE);
		if (c->seq - c->cache >= q->n)
			return 0;
	}
	nd = &q->pool[c->seq % q->n];
	c->seq++;
	cds_wfcq_node_init(&nd->node);
	memcpy(nd->w, m, esz);
	cds_wfcq_enqueue(&q->head, &q->tail, &nd->node);
	return 1;
}

static inline int wq_pop(struct chan *c, void *m, uint32_t esz)
{
	struct wq *q = (struct wq *)c->obj;
	struct cds_wfcq_node *n = __cds_wfcq_dequeue_nonblocking(&q->head, &q->tail);
	struct wq_node *nd;

	if (n == NULL || n == CDS_WFCQ_WOULDBLOCK)
		return 0;
	nd = caa_container_of(n, struct wq_node, node);
	memcpy(m, nd->w, esz);
	__atomic_store_n(&q->consumed, q->consumed + 1, __ATOMIC_RELEASE);
	return 1;
}

#define LOOP_P wq
#include "loops.h"

const struct impl impls_wfcq[] = {
	{"urcu-wfcq", CAP_SPSC | CAP_THREADS, wq_setup, wq_teardown, LOOP_FNS(wq)},
	{NULL, 0, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL},
};
