/* SPDX-License-Identifier: MIT */
/*
 * In-process SPSC stress: a producer thread and a consumer thread on one ring
 * in caller memory, both capacity rules, several geometries, and two ways of
 * holding the ring: each thread with its own handle (ring_attach_mem on the
 * same buffer) and both threads sharing one handle. Traffic mixes single,
 * bulk and burst moves; the consumer checks every message's sequence number
 * (and payload checksum) and that the stream ends with -EPIPE after exactly
 * the count sent. The checked loops are xproc_peer.c's.
 *
 * A plain program, not a Criterion suite, so that it runs under
 * ThreadSanitizer. Usage: stress_spsc [messages per variant]
 */
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include <shmring/ring.h>

#include "common.h"

int xproc_produce(struct ring *r, uint64_t count);
int xproc_consume(struct ring *r, uint64_t count);

struct side {
	struct ring *r;
	uint64_t count;
	int producer;
	int result;
};

static void *run_side(void *arg)
{
	struct side *s = (struct side *)arg;

	s->result = s->producer ? xproc_produce(s->r, s->count) : xproc_consume(s->r, s->count);
	return NULL;
}

/* One variant; returns 0 if every message arrived in order, intact. */
static int variant(uint32_t rule, uint64_t slots, uint64_t esz, int shared, uint64_t count)
{
	struct ring_params p = {RING_KIND_SPSC, rule, slots, esz, 0, 0, 0, 0};
	ssize_t len = ring_memsize(&p);
	struct ring init, prod, cons;
	struct side ps, cs;
	pthread_t pt, ct;
	void *mem;
	int rc;

	if (len <= 0)
		return 1;
	mem = aligned_alloc(64, ((size_t)len + 63) & ~(size_t)63);
	if (mem == NULL || ring_init_mem(&init, mem, (size_t)len, &p) != 0)
		return 1;
	if (!shared && (ring_attach_mem(&prod, mem, (size_t)len, RING_KIND_SPSC) != 0 ||
			ring_attach_mem(&cons, mem, (size_t)len, RING_KIND_SPSC) != 0))
		return 1;
	/* A handle shared by the two threads takes both roles first (ring.h:
	 * a role's first taking writes fields the other direction reads). */
	if (shared && ring_join(&init, RING_ROLE_PRODUCER | RING_ROLE_CONSUMER) != 0)
		return 1;
	ps = (struct side){shared ? &init : &prod, count, 1, -1};
	cs = (struct side){shared ? &init : &cons, count, 0, -1};
	if (pthread_create(&ct, NULL, run_side, &cs) != 0)
		return 1;
	if (pthread_create(&pt, NULL, run_side, &ps) != 0)
		return 1;
	pthread_join(pt, NULL);
	pthread_join(ct, NULL);
	rc = ps.result != 0 || cs.result != 0;
	printf("%s rule=%s slots=%llu esz=%llu handles=%s: %llu messages: producer %d, consumer %d\n",
	       rc ? "FAIL" : "ok", rule == RING_RULE_N1 ? "n-1" : rule == RING_RULE_SEQ ? "seq" : "count",
	       (unsigned long long)slots, (unsigned long long)esz, shared ? "shared" : "separate",
	       (unsigned long long)count, ps.result, cs.result);
	if (!shared) {
		ring_close(&prod);
		ring_close(&cons);
	}
	ring_close(&init);
	free(mem);
	return rc;
}

int main(int argc, char **argv)
{
	static const struct {
		uint64_t slots, esz;
	} geom[] = {{2, 8}, {7, 8}, {64, 8}, {5, 24}, {16, 64}, {1000, 64}};
	static const uint32_t rules[] = {RING_RULE_N1, RING_RULE_COUNT, RING_RULE_SEQ};
	uint64_t count = argc > 1 ? strtoull(argv[1], NULL, 10) : 1000000;
	int failed = 0, shared;
	size_t g, k;

	if (count == 0)
		return 2;
	for (k = 0; k < 3; k++)
		for (g = 0; g < sizeof(geom) / sizeof(geom[0]); g++)
			for (shared = 0; shared < 2; shared++) {
				uint64_t n = geom[g].slots;

				/* Slot-sequenced: the power of two at or above. */
				while (rules[k] == RING_RULE_SEQ && (n & (n - 1)) != 0)
					n++;
				failed += variant(rules[k], n, geom[g].esz, shared, count);
			}
	printf("%s: %d variant(s) failed\n", failed ? "FAIL" : "PASS", failed);
	return failed ? 1 : 0;
}
