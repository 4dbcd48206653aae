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
	struct ring_attach_opts o = {0};
	struct timespec deadline;
	struct ring r;
	char msg[MSG_SIZE];
	int rc;

	/* The producer may not have created the ring yet: wait up to 5 s for
	 * it, and refuse a ring of another kind or element size. */
	clock_gettime(CLOCK_MONOTONIC, &deadline);
	deadline.tv_sec += 5;
	o.roles = RING_ROLE_CONSUMER;
	o.flags = RING_ATTACH_WAIT;
	o.kind = RING_KIND_SPSC;
	o.elem_size = MSG_SIZE;
	o.deadline = &deadline;
	rc = ring_attach(&r, name, &o);
	if (rc < 0) {
		fprintf(stderr, "hello_consumer: ring_attach %s: %s\n", name, ring_strerror(rc));
		return 1;
	}
	ring_unlink(name); /* both sides are attached: the name is no longer needed */
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
