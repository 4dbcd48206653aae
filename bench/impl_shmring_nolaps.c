/* SPDX-License-Identifier: MIT */
/*
 * shmring's n-1 rule built without its lap counter (SHMRING_PVT_NO_LAPS, see
 * ring_pvt_n1_publish_wrap): the reference that prices the counter, in the
 * same run as "shmring-n1". Its counts of pushes and pops are wrong; nothing
 * else differs.
 */
#define SHMRING_PVT_NO_LAPS 1
#include <stdio.h>

#include "bench.h"

static int nl_setup(struct chan *c, uint32_t esz, uint32_t slots, int mpmc)
{
	struct ring_params p = {0};
	int rc;

	(void)mpmc;
	p.kind = RING_KIND_SPSC;
	p.rule = RING_RULE_N1;
	p.slots = slots;
	p.elem_size = esz;
	rc = ring_create_anon(&c->r, &p);
	if (rc < 0) {
		fprintf(stderr, "shmring: ring_create_anon: %s\n", ring_strerror(rc));
		return -1;
	}
	return 0;
}

static void nl_teardown(struct chan *c)
{
	ring_close(&c->r);
}

static inline int nl_push(struct chan *c, const void *m, uint32_t esz)
{
	int rc = ring_push(&c->r, m);

	(void)esz;
	return rc == 0 ? 1 : rc == -EAGAIN ? 0 : rc;
}

static inline int nl_pop(struct chan *c, void *m, uint32_t esz)
{
	int rc = ring_pop(&c->r, m);

	(void)esz;
	return rc == 0 ? 1 : rc == -EAGAIN ? 0 : rc;
}

static inline int nl_push_burst(struct chan *c, const void *m, uint32_t n, uint32_t esz)
{
	ssize_t rc = ring_push_burst(&c->r, m, n);

	(void)esz;
	return rc == -EAGAIN ? 0 : (int)rc;
}

static inline int nl_pop_burst(struct chan *c, void *m, uint32_t n, uint32_t esz)
{
	ssize_t rc = ring_pop_burst(&c->r, m, n);

	(void)esz;
	return rc == -EAGAIN ? 0 : (int)rc;
}

#define LOOP_P nl
#define LOOP_BURST
#include "loops.h"

const struct impl impls_shmring_nolaps[] = {
	{"shmring-n1-nolaps", CAP_SHMRING | CAP_EXTRA | CAP_SPSC | CAP_BURST, nl_setup, nl_teardown,
	 LOOP_FNS(nl)},
	{NULL, 0, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL},
};
