/* SPDX-License-Identifier: MIT */
/*
 * Package test consumer: open the named ring NAME that a separately started
 * producer creates, unlink the name once attached, and drain it until the
 * end of the stream, checking that exactly COUNT messages arrive in order
 * with intact payloads.
 *
 *   consumer NAME COUNT
 *
 * Exit status: 0 on success; 1 with a message on stderr otherwise.
 */
#define _POSIX_C_SOURCE 200809L

#include <shmring/shmring.h>

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "pkg_msg.h"

#define BATCH 64u

/* The producer may not have created (or finished formatting) the ring yet:
 * retry -ENOENT and -EAGAIN, 1 ms apart, for at most PKG_STALL_NS. */
static int open_retry(struct ring *r, const char *name)
{
	const struct timespec ms = {0, 1000000};
	uint64_t waited;
	int rc = -ENOENT;

	for (waited = 0; waited < PKG_STALL_NS; waited += 1000000u) {
		rc = ring_open(r, name, RING_KIND_SPSC);
		if (rc != -ENOENT && rc != -EAGAIN)
			break;
		nanosleep(&ms, NULL);
	}
	return rc;
}

int main(int argc, char **argv)
{
	struct ring r = {0};
	struct pkg_msg batch[BATCH];
	uint64_t count, next = 0;
	size_t want_cap;
	int rc;

	if (argc != 3) {
		fprintf(stderr, "usage: %s NAME COUNT\n", argv[0]);
		return 2;
	}
	count = strtoull(argv[2], NULL, 10);

	rc = open_retry(&r, argv[1]);
	if (rc < 0) {
		fprintf(stderr, "consumer: ring_open(%s): %s\n", argv[1], ring_strerror(rc));
		return 1;
	}
	/* Both sides are attached: the name is no longer needed. */
	rc = ring_unlink(argv[1]);
	if (rc < 0) {
		fprintf(stderr, "consumer: ring_unlink: %s\n", ring_strerror(rc));
		goto fail;
	}

	want_cap = ring_rule(&r) == RING_RULE_N1 ? PKG_SLOTS - 1 : PKG_SLOTS;
	if (ring_kind(&r) != RING_KIND_SPSC || ring_elem_size(&r) != sizeof(struct pkg_msg) ||
	    ring_capacity(&r) != want_cap || !(ring_flags(&r) & RING_F_BLOCKING)) {
		fprintf(stderr, "consumer: unexpected geometry (kind %u, elem %zu, capacity %zu)\n",
			ring_kind(&r), ring_elem_size(&r), ring_capacity(&r));
		goto fail;
	}

	for (;;) {
		struct timespec dl;
		ssize_t n, i;

		clock_gettime(CLOCK_MONOTONIC, &dl);
		dl.tv_sec += (time_t)(PKG_STALL_NS / 1000000000u);
		n = ring_pop_burst_wait(&r, batch, BATCH, &dl);
		if (n == -EPIPE)
			break;
		if (n < 0) {
			fprintf(stderr, "consumer: pop after %llu messages: %s\n",
				(unsigned long long)next, ring_strerror((int)n));
			goto fail;
		}
		for (i = 0; i < n; i++, next++) {
			if (batch[i].seq != next || batch[i].check != pkg_check(batch[i].seq)) {
				fprintf(stderr, "consumer: message %llu: seq %llu check %#llx\n",
					(unsigned long long)next,
					(unsigned long long)batch[i].seq,
					(unsigned long long)batch[i].check);
				goto fail;
			}
		}
	}
	if (next != count) {
		fprintf(stderr, "consumer: %llu messages, expected %llu\n",
			(unsigned long long)next, (unsigned long long)count);
		goto fail;
	}
	/* End of stream is sticky and the ring is empty. */
	if (ring_pop(&r, &batch[0]) != -EPIPE || ring_count(&r) != 0 || !ring_is_closed(&r)) {
		fprintf(stderr, "consumer: closed ring not reported as drained\n");
		goto fail;
	}
	ring_close(&r);
	printf("consumer: %llu messages in order\n", (unsigned long long)next);
	return 0;

fail:
	ring_close(&r);
	return 1;
}
