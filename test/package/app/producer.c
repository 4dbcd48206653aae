/* SPDX-License-Identifier: MIT */
/*
 * Package test producer: create the named SPSC ring NAME with the given
 * capacity rule, push COUNT sequence-numbered messages, then close the
 * stream. A consumer started separately (consumer.c, test_cxx.cpp) opens the
 * ring by name, unlinks it and drains it.
 *
 *   producer NAME COUNT n1|count
 *
 * Exit status: 0 when every message was pushed and the stream closed.
 */
#define _POSIX_C_SOURCE 200809L

#include <shmring/shmring.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pkg_msg.h"

#define BATCH_MAX 37u

int main(int argc, char **argv)
{
	struct ring r = {0};
	struct ring_params p = {0};
	struct pkg_msg batch[BATCH_MAX];
	uint64_t count, seq = 0, k = 0;
	int rc;

	if (argc != 4) {
		fprintf(stderr, "usage: %s NAME COUNT n1|count\n", argv[0]);
		return 2;
	}
	count = strtoull(argv[2], NULL, 10);
	p.kind = RING_KIND_SPSC;
	p.rule = strcmp(argv[3], "n1") == 0 ? RING_RULE_N1 : RING_RULE_COUNT;
	p.slots = PKG_SLOTS;
	p.elem_size = sizeof(struct pkg_msg);
	p.flags = RING_F_BLOCKING;

	rc = ring_create(&r, argv[1], &p);
	if (rc < 0) {
		fprintf(stderr, "producer: ring_create(%s): %s\n", argv[1], ring_strerror(rc));
		return 1;
	}
	if (ring_capacity(&r) != (p.rule == RING_RULE_N1 ? PKG_SLOTS - 1 : PKG_SLOTS)) {
		fprintf(stderr, "producer: capacity %zu for %u slots\n", ring_capacity(&r), PKG_SLOTS);
		goto fail;
	}

	while (seq < count) {
		/* Batches of 1..BATCH_MAX, so pushes straddle the wrap point at
		 * varying offsets. */
		uint64_t want = 1 + k++ % BATCH_MAX, i;
		ssize_t n;

		if (want > count - seq)
			want = count - seq;
		for (i = 0; i < want; i++) {
			batch[i].seq = seq + i;
			batch[i].check = pkg_check(seq + i);
		}
		if (want == 1) {
			rc = ring_push_timeout(&r, &batch[0], PKG_STALL_NS);
			n = rc < 0 ? rc : 1;
		} else {
			struct timespec dl;

			clock_gettime(CLOCK_MONOTONIC, &dl);
			dl.tv_sec += (time_t)(PKG_STALL_NS / 1000000000u);
			n = ring_push_burst_wait(&r, batch, (size_t)want, &dl);
		}
		if (n < 0) {
			fprintf(stderr, "producer: push at %llu: %s\n",
				(unsigned long long)seq, ring_strerror((int)n));
			goto fail;
		}
		/* A burst may push fewer than asked: resend the rest. */
		seq += (uint64_t)n;
	}

	rc = ring_close_write(&r);
	if (rc < 0) {
		fprintf(stderr, "producer: ring_close_write: %s\n", ring_strerror(rc));
		goto fail;
	}
	if (ring_push(&r, &batch[0]) != -EPIPE) {
		fprintf(stderr, "producer: push after close did not fail with -EPIPE\n");
		goto fail;
	}
	ring_close(&r);
	return 0;

fail:
	/* The consumer unlinks once it has opened the ring; on failure it may
	 * never do so. */
	ring_unlink(argv[1]);
	ring_close(&r);
	return 1;
}
