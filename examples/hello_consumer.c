/* SPDX-License-Identifier: MIT */
/*
 * The classic POSIX shared-memory consumer, on shmring: attach to the ring by
 * name, print every message until the producer closes the stream, remove the
 * name.
 */
#include <shmring/shmring.h>

#include <stdio.h>
#include <time.h>

#define MSG_SIZE 64

int main(int argc, char **argv)
{
	const char *name = argc > 1 ? argv[1] : "/shmring-hello";
	struct timespec pause = {0, 10 * 1000 * 1000};
	struct ring r;
	char msg[MSG_SIZE];
	int rc, tries;

	/* The producer may not have created the ring yet: retry for ~5 s. */
	for (tries = 0; tries < 500; tries++) {
		rc = ring_open(&r, name, RING_KIND_SPSC);
		if (rc != -ENOENT && rc != -EAGAIN)
			break;
		nanosleep(&pause, NULL);
	}
	if (rc < 0) {
		fprintf(stderr, "hello_consumer: ring_open %s: %s\n", name, ring_strerror(rc));
		return 1;
	}
	ring_unlink(name); /* both sides are attached: the name is no longer needed */
	if (ring_elem_size(&r) != MSG_SIZE) {
		fprintf(stderr, "hello_consumer: unexpected element size %zu\n", ring_elem_size(&r));
		ring_close(&r);
		return 1;
	}
	while ((rc = ring_pop_wait(&r, msg, NULL)) == 0) {
		msg[MSG_SIZE - 1] = '\0';
		printf("%s\n", msg);
	}
	ring_close(&r);
	if (rc != -EPIPE) {
		fprintf(stderr, "hello_consumer: pop: %s\n", ring_strerror(rc));
		return 1;
	}
	return 0;
}
