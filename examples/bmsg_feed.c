/* SPDX-License-Identifier: MIT */
/*
 * A feed of messages of any length on a broadcast ring: one producer, any
 * number of readers started independently (bmsg_reader), each of which
 * receives every message from the moment it joined. Each message is a
 * text record "seq=N ..." of 20..200 bytes, as a feed of market-data
 * messages of many types would send.
 *
 *   ./bmsg_feed /news 100000 3 &       # publish 10^5 messages once 3 joined
 *   ./bmsg_reader /news & ./bmsg_reader /news & ./bmsg_reader /news
 *
 * Back-pressure (the default): the feed waits for the slowest reader. With
 * "lossy" as a fourth argument it never waits; a reader that falls a lap
 * behind is told exactly how many messages it missed.
 */
#include <shmring/shmring.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	const char *name = argc > 1 ? argv[1] : "/shmring-news";
	unsigned long long count = argc > 2 ? strtoull(argv[2], NULL, 10) : 100000;
	int readers = argc > 3 ? atoi(argv[3]) : 1;
	int lossy = argc > 4 && strcmp(argv[4], "lossy") == 0;
	struct ring_params p = {
		.kind = RING_KIND_BCAST,
		.rule = RING_RULE_COUNT,
		.slots = 1 << 16, /* data bytes */
		.elem_size = 256, /* largest message */
		.flags = RING_F_BCAST_MSG | RING_F_BLOCKING | (lossy ? RING_F_BCAST_LOSSY : 0),
	};
	struct ring r;
	char msg[256];
	unsigned long long i;
	int rc, len;

	rc = ring_create(&r, name, &p);
	if (rc == 0)
		rc = ring_bcast_producer(&r);
	if (rc < 0) {
		fprintf(stderr, "bmsg_feed: %s: %s\n", name, ring_strerror(rc));
		return 1;
	}
	while (ring_bcast_consumers(&r) < readers)
		usleep(1000);
	for (i = 0; i < count; i++) {
		/* seq=N, then filler up to a length that varies with N. */
		len = snprintf(msg, sizeof(msg), "seq=%llu ", i);
		for (; len < (int)(20 + i * 37 % 181); len++)
			msg[len] = (char)('a' + len % 26);
		rc = ring_bcast_send_wait(&r, msg, (size_t)len, NULL); /* lossy: never waits */
		if (rc < 0) {
			fprintf(stderr, "bmsg_feed: send: %s\n", ring_strerror(rc));
			return 1;
		}
	}
	ring_close_write(&r); /* readers drain, then get -EPIPE */
	ring_unlink(name);
	ring_close(&r);
	printf("bmsg_feed: %llu messages\n", count);
	return 0;
}
