/* SPDX-License-Identifier: MIT */
/*
 * A reader of bcast_feed's ticks: attaches by name (waiting for the feed to
 * create it), joins, and reads every tick published from then on, checking
 * that none is out of order and counting the ones it was told it missed.
 *
 *   ./bcast_reader /ticks
 */
#include <shmring/shmring.h>

#include <stdio.h>
#include <unistd.h>

#include "bcast_tick.h"

int main(int argc, char **argv)
{
	const char *name = argc > 1 ? argv[1] : "/shmring-ticks";
	struct ring r;
	struct tick t;
	unsigned long long got = 0, lost = 0, bad = 0, next = 0, lat = 0;
	uint64_t missed;
	int rc, tries;

	/* The feed may not have created the ring yet (-ENOENT), or not
	 * finished formatting it (-EAGAIN). */
	for (tries = 0; (rc = ring_open(&r, name, RING_KIND_BCAST)) == -ENOENT || rc == -EAGAIN;
	     tries++) {
		if (tries == 10000)
			break;
		usleep(1000);
	}
	if (rc == 0)
		rc = ring_bcast_join(&r);
	if (rc < 0) {
		fprintf(stderr, "bcast_reader: %s: %s\n", name, ring_strerror(rc));
		return 1;
	}
	while ((rc = ring_bcast_pop_wait(&r, &t, &missed, NULL)) == 0) {
		if (got == 0 && missed == 0)
			next = t.seq; /* joined here */
		next += missed;
		bad += t.seq != next;
		next = t.seq + 1;
		lost += missed;
		lat += tick_now_ns() - t.ns;
		got++;
	}
	if (rc != -EPIPE) {
		fprintf(stderr, "bcast_reader: pop: %s\n", ring_strerror(rc));
		return 1;
	}
	printf("bcast_reader: %llu ticks, %llu missed, %llu out of order, mean age %llu ns\n", got,
	       (unsigned long long)ring_bcast_missed(&r), bad, got ? lat / got : 0);
	ring_close(&r);
	return bad != 0;
}
