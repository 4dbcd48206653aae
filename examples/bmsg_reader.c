/* SPDX-License-Identifier: MIT */
/*
 * A reader of bmsg_feed's messages: attaches by name (waiting for the feed
 * to create it), joins, and receives every message sent from then on,
 * checking each one's sequence number and length and counting the ones it
 * was told it missed.
 *
 *   ./bmsg_reader /news
 */
#include <shmring/shmring.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	const char *name = argc > 1 ? argv[1] : "/shmring-news";
	struct ring r;
	char msg[257];
	size_t len;
	unsigned long long got = 0, bad = 0, next = 0, seq;
	uint64_t missed;
	int rc, tries;

	for (tries = 0; (rc = ring_open(&r, name, RING_KIND_BCAST)) == -ENOENT || rc == -EAGAIN;
	     tries++) {
		if (tries == 10000)
			break;
		usleep(1000);
	}
	if (rc == 0)
		rc = ring_bcast_join(&r);
	if (rc < 0) {
		fprintf(stderr, "bmsg_reader: %s: %s\n", name, ring_strerror(rc));
		return 1;
	}
	while ((rc = ring_bcast_recv_wait(&r, msg, sizeof(msg) - 1, &len, &missed, NULL)) == 0) {
		msg[len] = '\0';
		if (sscanf(msg, "seq=%llu ", &seq) != 1) {
			bad++;
			continue;
		}
		if (got == 0 && missed == 0)
			next = seq; /* joined here */
		next += missed;
		bad += seq != next || len != 20 + seq * 37 % 181;
		next = seq + 1;
		got++;
	}
	if (rc != -EPIPE) {
		fprintf(stderr, "bmsg_reader: recv: %s\n", ring_strerror(rc));
		return 1;
	}
	printf("bmsg_reader: %llu messages, %llu missed, %llu bad\n", got,
	       (unsigned long long)ring_bcast_missed(&r), bad);
	ring_close(&r);
	return bad != 0;
}
