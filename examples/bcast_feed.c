/* SPDX-License-Identifier: MIT */
/*
 * A market-data feed on a broadcast ring: one producer, any number of
 * readers started independently (bcast_reader), each of which sees every
 * tick from the moment it joined.
 *
 *   ./bcast_feed /ticks 1000000 3 &      # publish 10^6 ticks once 3 joined
 *   ./bcast_reader /ticks & ./bcast_reader /ticks & ./bcast_reader /ticks
 *
 * Back-pressure (the default): the feed waits for the slowest reader, so
 * every reader gets every tick. With "lossy" as a fourth argument it never
 * waits; a reader that falls a lap behind is told how many ticks it missed.
 */
#include <shmring/shmring.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "bcast_tick.h"

int main(int argc, char **argv)
{
	const char *name = argc > 1 ? argv[1] : "/shmring-ticks";
	unsigned long long count = argc > 2 ? strtoull(argv[2], NULL, 10) : 1000000;
	int readers = argc > 3 ? atoi(argv[3]) : 1;
	int lossy = argc > 4 && strcmp(argv[4], "lossy") == 0;
	struct ring_params p = {
		.kind = RING_KIND_BCAST,
		.rule = RING_RULE_COUNT,
		.slots = 4096,
		.elem_size = sizeof(struct tick),
		.flags = RING_F_BLOCKING | (lossy ? RING_F_BCAST_LOSSY : 0),
	};
	struct ring r;
	struct tick t;
	unsigned long long i;
	int rc;

	rc = ring_create(&r, name, &p);
	if (rc == 0)
		rc = ring_bcast_producer(&r);
	if (rc < 0) {
		fprintf(stderr, "bcast_feed: %s: %s\n", name, ring_strerror(rc));
		return 1;
	}
	/* Readers come when they like; this feed starts once enough joined. */
	while (ring_bcast_consumers(&r) < readers)
		usleep(1000);
	for (i = 0; i < count; i++) {
		t.seq = i;
		t.ns = tick_now_ns();
		t.price = 100.0 + (double)(i % 1000) / 100.0;
		rc = ring_bcast_push_wait(&r, &t, NULL); /* lossy: never waits */
		if (rc < 0) {
			fprintf(stderr, "bcast_feed: push: %s\n", ring_strerror(rc));
			return 1;
		}
	}
	ring_close_write(&r); /* readers drain, then get -EPIPE */
	ring_unlink(name);
	ring_close(&r);
	printf("bcast_feed: %llu ticks\n", count);
	return 0;
}
