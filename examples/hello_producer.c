/* SPDX-License-Identifier: MIT */
/*
 * The classic POSIX shared-memory producer ("Hello", "World!"), on shmring.
 *
 * The textbook version shm_open()s an object, ftruncate()s it, mmap()s it and
 * sprintf()s two strings into it; the consumer must guess when they are there.
 * Here the strings travel as two messages through a ring, the consumer sleeps
 * until each arrives, and ring_close_write() tells it the stream is over.
 *
 *   ./hello_producer /hello & ./hello_consumer /hello
 */
#include <shmring/shmring.h>

#include <stdio.h>
#include <string.h>

#define MSG_SIZE 64

int main(int argc, char **argv)
{
	const char *name = argc > 1 ? argv[1] : "/shmring-hello";
	const char *messages[] = {"Hello", "World!"};
	struct ring_params p = {
		.kind = RING_KIND_SPSC,
		.rule = RING_RULE_N1, /* the lecture's in/out ring: 8 slots hold 7 */
		.slots = 8,
		.elem_size = MSG_SIZE,
		.flags = RING_F_BLOCKING,
	};
	struct ring r;
	char msg[MSG_SIZE];
	size_t i;
	int rc;

	rc = ring_create(&r, name, &p);
	if (rc < 0) {
		fprintf(stderr, "hello_producer: ring_create %s: %s\n", name, ring_strerror(rc));
		return 1;
	}
	for (i = 0; i < sizeof(messages) / sizeof(messages[0]); i++) {
		memset(msg, 0, sizeof(msg));
		snprintf(msg, sizeof(msg), "%s", messages[i]);
		rc = ring_push_wait(&r, msg, NULL);
		if (rc < 0) {
			fprintf(stderr, "hello_producer: push: %s\n", ring_strerror(rc));
			break;
		}
	}
	ring_close_write(&r); /* the consumer sees -EPIPE after the last message */
	ring_close(&r);
	return rc < 0;
}
